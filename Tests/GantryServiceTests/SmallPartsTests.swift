import Foundation
import GAN
import Linalg
import Testing
@testable import GantryJobs
@testable import GantryAPI

@Suite struct SmallPartsTests {
    @Test func metricsShowEachRunningJobsScores() {
        var job = Job(id: "abc", status: .running, createdAt: Date(), startedAt: Date(), finishedAt: nil, config: JobConfig(),
                      epochsCompleted: 3, stepsPerEpoch: 40, imagesPerSecond: 1, latest: nil, error: nil,
                      idempotencyKey: nil, requestHash: nil)
        var record = EpochLosses(epoch: 3, dLoss: 1, gLoss: 2, dLossReal: 0.5, dLossFake: 0.5, dRealMean: 0.7, dFakeMean: 0.3,
                                 seconds: 0.1, steps: 40)
        record.evaluation = EpochEvaluation(scores: .init(fd: 12.5, inceptionScore: 8, classCounts: [5, 0, 0, 0, 0, 0, 0, 0, 0, 5],
                                                          confidentShare: 0.9), samples: 10, seconds: 0.01)
        job.lastEvaluated = record
        record.evaluation?.scores.fd = 10.25
        job.best = record
        let text = Metrics(blas: BLASCoreReport(cpu: CPUDescription(model: "Test \"CPU\"", vendor: "x", features: [.avx2, .fma]), core: "Prescott", reason: "r")).render(jobs: [.running: 1], epochs: 3, queued: 0, imagesPerSecond: 1, stepsPerSecond: 1, waiting: 0,
                                    running: [job])
        #expect(text.contains("gantry_job_fd{job=\"abc\"} 12.5\n"), "\(text)")
        #expect(text.contains("gantry_job_best_fd{job=\"abc\"} 10.25\n"))
        #expect(text.contains("gantry_job_largest_class_share{job=\"abc\"} 0.5\n"))
        #expect(text.contains("# TYPE gantry_job_fd gauge"))
        // Label values are escaped as the text format requires; best is the CPU's, not the loaded core.
        #expect(text.contains("gantry_blas_info{cpu=\"Test \\\"CPU\\\"\",core=\"Prescott\",best=\"Haswell\",reason=\"r\"} 1\n"), "\(text)")
    }

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

    @Test func aCancelledWaiterNeitherFiresNorCounts() async throws {
        let notifier = EpochNotifier()
        let fired = Once()
        let token = notifier.wait(for: "j", timeout: 0.05) { _ in _ = fired.claim() }
        #expect(notifier.waiting == 1)
        notifier.cancel(job: "j", token: token)
        #expect(notifier.waiting == 0)
        notifier.notify("j")
        try await Task.sleep(for: .milliseconds(150))
        #expect(fired.claim(), "the cancelled waiter fired")
    }
}
