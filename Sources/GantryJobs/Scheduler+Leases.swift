import Foundation
import Logging

/// A node of a cluster: claims jobs from the shared store and keeps its leases.
extension Scheduler {
    /// Claims as many jobs as there are free slots and starts them. The first claim
    /// also takes back jobs leased to this node's name: its previous process's.
    func claimAndStart(_ leases: any JobLeases) {
        claiming.lock()
        defer { claiming.unlock() }
        let free = freeSlots
        guard free > 0 else { return }
        let includingOwn = lock.withLock { !claimedOnce }
        let ids: [String]
        do {
            ids = try leases.claim(limit: free, includingOwn: includingOwn)
        } catch {
            logger.warning("cannot claim jobs: \(error); trying again in \(String(format: "%.1f", Self.renewInterval(leases))) s", metadata: [:])
            return
        }
        lock.withLock { claimedOnce = true }
        for id in ids {
            logger.info("job \(id): claimed by node \(leases.node)", metadata: ["job": "\(id)"])
        }
        launch(admit(ids))
    }

    /// Renews the leases of the jobs running here every third of a lease, and looks
    /// for jobs to claim (queued ones, or those of a node whose lease lapsed).
    func startRenewing(_ leases: any JobLeases) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "gantry.leases"))
        let interval = Self.renewInterval(leases)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.renewLeases(leases)
            self.pump()
        }
        renewal = timer
        timer.resume()
    }

    static func renewInterval(_ leases: any JobLeases) -> Double { leases.leaseSeconds / 3 }

    private func renewLeases(_ leases: any JobLeases) {
        for job in activeJobs where !job.shouldStop {
            let renewal: LeaseRenewal
            do { renewal = try leases.renew(job.id) } catch {
                logger.warning("job \(job.id): cannot renew its lease (\(error)); it trains on, and stops if another node takes it",
                               metadata: ["job": "\(job.id)"])
                continue
            }
            switch renewal {
            case .renewed:
                break
            case .lost(let holder):
                job.requestLeaseLoss()
                logger.warning("job \(job.id): node \(leases.node) lost its lease\(holder.map { " to node \($0)" } ?? ""); it stops here and records nothing more",
                               metadata: ["job": "\(job.id)"])
            case .cancelled:
                job.requestCancel()
                logger.notice("job \(job.id) was cancelled through another node; it stops here", metadata: ["job": "\(job.id)"])
            }
        }
    }
}
