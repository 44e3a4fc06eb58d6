import Foundation
import Logging

/// `retain_finished_jobs`: finished jobs past the newest N finishes are deleted as
/// `DELETE /v1/jobs/ID` deletes them (`delete`: the row, its epochs and its files),
/// swept when a job ends or is cancelled and at start. Queued and running jobs are
/// never touched; a job that is still stopping is left for the next sweep.
extension Scheduler {
    /// Asks for a sweep (on its own queue; at once back to the caller). Nothing without a retention setting.
    func sweepFinishedJobsSoon() {
        retention?.trigger.request()
    }

    /// Deletes the finished jobs past the newest `keep`, a batch at a time, until none
    /// are left or a batch deletes nothing (a store that fails, a folder it cannot
    /// delete: the next sweep tries again).
    func sweepFinishedJobs(keep: Int) {
        let batch = 100
        var deleted = 0
        defer {
            if deleted > 0 {
                logger.notice("deleted \(deleted) finished job(s) beyond the newest \(keep) (retain_finished_jobs)")
            }
        }
        while true {
            let ids: [String]
            do { ids = try store.finishedJobs(beyondNewest: keep, limit: batch) } catch {
                logger.warning("retain_finished_jobs: cannot list the finished jobs (\(error)); the next sweep tries again")
                return
            }
            var progressed = false
            for id in ids {
                do {
                    try delete(id)
                    deleted += 1
                    progressed = true
                } catch SchedulerRefusal.noSuchJob {
                    progressed = true  // deleted meanwhile (by a client, or by another node's sweep)
                } catch {
                    logger.warning("retain_finished_jobs: cannot delete job \(id) (\(error)); the next sweep tries again",
                                   metadata: ["job": "\(id)"])
                }
            }
            guard ids.count == batch, progressed else { return }
        }
    }
}

/// The retention setting and the trigger that runs its sweeps one at a time.
struct FinishedJobRetention: Sendable {
    let keep: Int
    let trigger: CoalescingTrigger
}
