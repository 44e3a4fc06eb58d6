import Foundation
import GAN
import GantryTestSupport
import Testing
@testable import GantryJobs
@testable import GantryStores

/// Claims, leases and fencing in the shared store, between stores that stand for
/// nodes on one real database: what makes each epoch exist exactly once when nodes
/// die, pause or race.
@Suite(.needs(PostgresServer.resource, PostgresServer.available)) struct PostgresLeaseTests {
    private let records = JobStoreTests()

    private func withNodes(_ names: [String], lease: Double = 30, _ body: ([PostgresJobStore]) throws -> Void) throws {
        try requireResource(PostgresServer.resource, PostgresServer.available)
        let server = try PostgresServer(name: "pglease")
        defer { server.shutdown() }
        let nodes = try names.map { try PostgresJobStore(url: server.url, node: $0, leaseSeconds: lease) }
        defer { nodes.forEach { $0.close() } }
        try body(nodes)
    }

    private func commit(_ epoch: Int) -> EpochCommit {
        EpochCommit(record: records.losses(epoch), imagesPerSecond: 1, samples: [UInt8](repeating: UInt8(epoch), count: 784),
                    checkpoint: [1, 2, UInt8(epoch)], bestGenerator: epoch == 2 ? [9, 9] : nil)
    }

    @Test func nodesClaimingAtOnceTakeDisjointJobsUpToTheirLimit() throws {
        try withNodes(["a", "b", "c"]) { nodes in
            for i in 0..<10 { try nodes[0].insert(records.job("job\(i)")) }
            let claims = LockedList()
            DispatchQueue.concurrentPerform(iterations: 3) { i in
                for id in (try? nodes[i].claim(limit: 3, includingOwn: false)) ?? [] { claims.append("\(i) \(id)") }
            }
            let taken = (0..<3).map { i in claims.items.filter { $0.hasPrefix("\(i) ") }.map { String($0.dropFirst(2)) } }
            #expect(taken.allSatisfy { $0.count == 3 })
            #expect(Set(taken.flatMap { $0 }).count == 9)
            #expect(try nodes[0].queuedCount() == 10)  // claimed jobs stay queued until their run starts
            #expect(try nodes[1].claim(limit: 5, includingOwn: false).count == 1)  // the one left
            for (i, ids) in taken.enumerated() {
                for id in ids { #expect(try nodes[0].job(id: id)?.node == ["a", "b", "c"][i]) }
            }
        }
    }

    /// A lapsed lease goes to the next node that claims; the node that held it finds
    /// every write refused (`LeaseLost`), its renewal answered `lost`, and nothing it
    /// tried is in the database.
    @Test func aLapsedLeaseMovesAndFencesTheOldHolderOut() throws {
        // Three seconds: the "lease holds" check below comes a few local calls after the
        // claim, which a loaded host still makes well within that.
        let lease: Double = 3
        try withNodes(["a", "b"], lease: lease) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            try a.insert(records.job("aaa"))
            let claimed = Date()
            #expect(try a.claim(limit: 1, includingOwn: false) == ["aaa"])
            try a.setStatus("aaa", .running)
            try a.commit(commit(1), job: "aaa")
            #expect(try b.claim(limit: 1, includingOwn: false).isEmpty)  // the lease holds
            // b takes the job once the lease lapses: waited for, not slept on; never before.
            var taken: [String] = []
            let deadline = Date().addingTimeInterval(30)
            while taken.isEmpty && Date() < deadline {
                taken = try b.claim(limit: 1, includingOwn: false)
                if taken.isEmpty { Thread.sleep(forTimeInterval: 0.1) }
            }
            #expect(taken == ["aaa"])
            #expect(Date().timeIntervalSince(claimed) >= lease, "taken over before the lease lapsed")
            #expect(try a.renew("aaa") == .lost(holder: "b"))
            #expect(throws: LeaseLost.self) { try a.commit(commit(2), job: "aaa") }
            #expect(throws: LeaseLost.self) { try a.setStatus("aaa", .failed, finishedAt: Date(), error: "x") }
            #expect(throws: LeaseLost.self) { try a.recordEpoch("aaa", records.losses(2), imagesPerSecond: 1) }
            try b.commit(commit(2), job: "aaa")
            let job = try #require(try b.job(id: "aaa"))
            #expect(job.status == .running && job.error == nil && job.node == "b")
            #expect(try b.epochs(of: "aaa").map(\.epoch) == [1, 2])
            #expect(try a.renew("aaa") == .lost(holder: "b"))
            #expect(try b.renew("aaa") == .renewed)
        }
    }

    /// An epoch is its losses and its artifacts together; any node reads them.
    @Test func anEpochsArtifactsAreCommittedWithItAndReadByAnyNode() throws {
        try withNodes(["a", "b"]) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            try a.insert(records.job("aaa"))
            _ = try a.claim(limit: 1, includingOwn: false)
            try a.prepareRun("aaa", resumingAfter: 0)
            for epoch in 1...3 { try a.commit(commit(epoch), job: "aaa") }
            #expect(try b.checkpoint(of: "aaa") == [1, 2, 3])
            #expect(try b.bestGeneratorEpochs(of: "aaa") == [2])
            #expect(try b.bestGenerator(of: "aaa", epoch: 2) == [9, 9])
            #expect(try b.samples(of: "aaa", epoch: 3) == [UInt8](repeating: 3, count: 784))
            #expect(try b.samples(of: "aaa", epoch: 4) == nil)
            // A second record of an epoch fails whole: no half-written artifacts.
            #expect(throws: StoreFailure.self) { try a.commit(commit(3), job: "aaa") }
            #expect(try b.checkpoint(of: "aaa") == [1, 2, 3])
            try a.setStatus("aaa", .completed, finishedAt: Date())
            try a.release("aaa")
            try b.delete("aaa")
            #expect(try a.checkpoint(of: "aaa") == nil && a.samples(of: "aaa", epoch: 1) == nil)
        }
    }

    /// A cancel through any node ends the claim: the training node's renewal hears
    /// `cancelled` and its next write is refused.
    @Test func aCancelThroughAnotherNodeEndsTheClaim() throws {
        try withNodes(["a", "b"]) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            try a.insert(records.job("aaa"))
            _ = try a.claim(limit: 1, includingOwn: false)
            try a.setStatus("aaa", .running)
            try b.setStatus("aaa", .cancelled, finishedAt: Date())
            #expect(try a.renew("aaa") == .cancelled)
            #expect(throws: LeaseLost.self) { try a.commit(commit(1), job: "aaa") }
            #expect(try b.job(id: "aaa")?.status == .cancelled)
            #expect(try b.claim(limit: 1, includingOwn: false).isEmpty)
        }
    }

    /// A node that restarts takes back its own leases at once (its first claim); others
    /// wait for them to lapse. A released lease is free at once.
    @Test func aRestartedNodeTakesBackItsOwnLeasesAndAReleaseFreesAJob() throws {
        try withNodes(["a", "b"]) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            try a.insert(records.job("aaa"))
            try a.insert(records.job("bbb"))
            #expect(try a.claim(limit: 2, includingOwn: false) == ["aaa", "bbb"])
            try a.setStatus("aaa", .running)
            #expect(try b.claim(limit: 2, includingOwn: false).isEmpty)
            #expect(try a.claim(limit: 2, includingOwn: true).sorted() == ["aaa", "bbb"])  // "a" again, as after a restart
            try a.release("bbb")
            #expect(try b.claim(limit: 2, includingOwn: false) == ["bbb"])
        }
    }

    /// Every write of a job reaches every node as a notification (its id), which is
    /// what wakes their long-polls and drops their rendered views.
    @Test func everyWriteNotifiesEveryNode() throws {
        try withNodes(["a", "b"]) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let heard = LockedList()
            b.observeChanges { heard.append($0) }
            let deadline = Date().addingTimeInterval(5)
            while heard.items.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }  // the listener's first resync
            let before = b.generation(of: "aaa")
            try a.insert(records.job("aaa"))
            _ = try a.claim(limit: 1, includingOwn: false)
            try a.commit(commit(1), job: "aaa")
            while heard.items.filter({ $0 == "aaa" }).count < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(heard.items.filter { $0 == "aaa" }.count >= 3)
            #expect(b.generation(of: "aaa") != before)
        }
    }
}

final class LockedList: @unchecked Sendable {
    // @unchecked: `list` is only touched under `lock`.
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ item: String) { lock.withLock { list.append(item) } }
    var items: [String] { lock.withLock { list } }
}
