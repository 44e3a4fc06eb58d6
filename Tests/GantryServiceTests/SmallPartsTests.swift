import Foundation
import Testing
@testable import GantryService

@Suite struct SmallPartsTests {
    @Test func constantTimeComparison() {
        #expect(BearerAuth.constantTimeEquals(Array("secret-token-123".utf8), Array("secret-token-123".utf8)))
        #expect(!BearerAuth.constantTimeEquals(Array("secret-token-124".utf8), Array("secret-token-123".utf8)))
        #expect(!BearerAuth.constantTimeEquals(Array("secret".utf8), Array("secret-token-123".utf8)))
        #expect(!BearerAuth.constantTimeEquals([], Array("x".utf8)))
    }

    @Test func progressionSpreadsEpochsFromFirstToLast() {
        #expect(ImagesAPI.spread(rows: 10, over: 100) == [1, 12, 23, 34, 45, 56, 67, 78, 89, 100])
        #expect(ImagesAPI.spread(rows: 3, over: 3) == [1, 2, 3])
        #expect(ImagesAPI.spread(rows: 1, over: 7) == [7])
        #expect(ImagesAPI.spread(rows: 5, over: 2) == [1, 2])
    }

    @Test func jobIDsAreURLSafeAndValidated() {
        let id = Job.newID()
        #expect(id.count == 20 && Job.isValidID(id))
        #expect(!Job.isValidID("") && !Job.isValidID("../etc") && !Job.isValidID(String(repeating: "a", count: 65)) && !Job.isValidID("a b"))
    }

    @Test func notifierFiresOnEventOrTimeoutOnce() async {
        let notifier = EpochNotifier()
        let fired = await withCheckedContinuation { continuation in
            notifier.wait(for: "j", timeout: 5) { continuation.resume(returning: $0) }
            notifier.notify("j")
        }
        #expect(fired)
        let timedOut = await withCheckedContinuation { continuation in
            notifier.wait(for: "k", timeout: 0.05) { continuation.resume(returning: $0) }
        }
        #expect(!timedOut)
        #expect(notifier.waiting == 0)
    }
}
