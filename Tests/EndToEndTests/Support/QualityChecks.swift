import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Whether a decoded JSON value is `null` (not merely missing).
func isJSONNull(_ value: Any?) -> Bool { value is NSNull }

/// A JSON value re-encoded with sorted keys, to compare two decoded objects.
func canonicalJSON(_ value: Any) -> String {
    (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
        .map { String(decoding: $0, as: UTF8.self) } ?? "unencodable: \(value)"
}

extension EndToEndTests {
    /// The six per-epoch score fields: JSON null on epochs that were not evaluated.
    static let scoreKeys = ["fd", "inception_score", "class_counts", "confident_share", "eval_samples", "eval_seconds"]

    /// The line the daemon logs (stderr) when it trains a dataset's quality classifier.
    static let classifierTrainingLine = "training the quality classifier of mnist"

    /// Epochs of the `best-NNNNN.gantry` files in the job's folder, ascending.
    static func bestFileEpochs(_ f: Fixture, _ id: String) -> [Int] {
        let folder = f.stateDir.appendingPathComponent("jobs").appendingPathComponent(id)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.range(of: #"^best-\d{5}\.gantry$"#, options: .regularExpression) != nil else { return nil }
            return Int(name.dropFirst(5).dropLast(7))
        }.sorted()
    }

    static func bestFile(_ f: Fixture, _ id: String, epoch: Int) -> URL {
        f.stateDir.appendingPathComponent("jobs").appendingPathComponent(id)
            .appendingPathComponent(String(format: "best-%05d.gantry", epoch))
    }

    static func datasetFile(_ f: Fixture, _ name: String) -> URL {
        f.stateDir.appendingPathComponent("datasets").appendingPathComponent("mnist").appendingPathComponent(name)
    }

    /// How often the daemons of this fixture logged training the classifier.
    static func classifierTrainings(_ f: Fixture) -> Int {
        f.daemons.reduce(0) { $0 + $1.stderr.components(separatedBy: classifierTrainingLine).count - 1 }
    }

    static func ints(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        let values = array.compactMap { number($0) }
        guard values.count == array.count, values.allSatisfy({ $0 == $0.rounded() }) else { return nil }
        return values.map { Int($0) }
    }

    /// Checks one loss record's score fields: all null when `evaluated` is false, else
    /// consistent numbers for `samples` evaluated digits.
    static func checkScores(_ record: [String: Any], evaluated: Bool, samples: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let epoch = record["epoch"] as? Int ?? -1
        for key in scoreKeys {
            #expect(record.keys.contains(key), "epoch \(epoch) has no \(key) key: \(record)", sourceLocation: sourceLocation)
        }
        guard evaluated else {
            for key in scoreKeys {
                #expect(isJSONNull(record[key]), "epoch \(epoch) was not evaluated; \(key) should be null: \(record[key] ?? "missing")",
                        sourceLocation: sourceLocation)
            }
            return
        }
        let fd = number(record["fd"]), inception = number(record["inception_score"])
        let confident = number(record["confident_share"]), seconds = number(record["eval_seconds"])
        #expect(fd.map { $0.isFinite && $0 >= 0 } == true, "epoch \(epoch) fd: \(record["fd"] ?? "missing")", sourceLocation: sourceLocation)
        // exp of a KL divergence over 10 classes: between 1 and 10.
        #expect(inception.map { $0 >= 1 - 1e-6 && $0 <= 10 + 1e-6 } == true,
                "epoch \(epoch) inception_score: \(record["inception_score"] ?? "missing")", sourceLocation: sourceLocation)
        #expect(confident.map { (0...1).contains($0) } == true,
                "epoch \(epoch) confident_share: \(record["confident_share"] ?? "missing")", sourceLocation: sourceLocation)
        #expect(seconds.map { $0.isFinite && $0 > 0 } == true, "epoch \(epoch) eval_seconds: \(record["eval_seconds"] ?? "missing")",
                sourceLocation: sourceLocation)
        #expect(number(record["eval_samples"]) == Double(samples), "epoch \(epoch) eval_samples: \(record["eval_samples"] ?? "missing")",
                sourceLocation: sourceLocation)
        let counts = ints(record["class_counts"])
        #expect(counts?.count == 10 && counts?.allSatisfy { $0 >= 0 } == true,
                "epoch \(epoch) class_counts: \(record["class_counts"] ?? "missing")", sourceLocation: sourceLocation)
        #expect(counts?.reduce(0, +) == samples, "epoch \(epoch) class_counts sum to \(counts?.reduce(0, +) ?? -1), not \(samples)",
                sourceLocation: sourceLocation)
    }

    /// `warnings` holds one mode_collapse warning for `epoch` iff one class took more than
    /// 40% of that evaluation's samples, and nothing else.
    static func checkWarnings(_ job: Job, latestEvaluated record: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        let counts = ints(record["class_counts"]) ?? []
        let total = counts.reduce(0, +)
        let share = total > 0 ? Double(counts.max() ?? 0) / Double(total) : 0
        let warnings = job.object["warnings"] as? [[String: Any]]
        #expect(warnings != nil, "warnings is not an array: \(job.object["warnings"] ?? "missing")", sourceLocation: sourceLocation)
        if share > 0.4 {
            #expect(warnings?.count == 1, "largest class share \(share) > 0.4: want one mode_collapse warning, got \(warnings ?? [])",
                    sourceLocation: sourceLocation)
            if let w = warnings?.first {
                #expect(w["code"] as? String == "mode_collapse", "\(w)", sourceLocation: sourceLocation)
                #expect(w["epoch"] as? Int == record["epoch"] as? Int, "warning epoch \(w["epoch"] ?? "missing") vs record \(record["epoch"] ?? "?")",
                        sourceLocation: sourceLocation)
                #expect((w["message"] as? String)?.isEmpty == false, "\(w)", sourceLocation: sourceLocation)
            }
        } else {
            #expect(warnings?.isEmpty == true, "largest class share \(share) ≤ 0.4: want no warnings, got \(warnings ?? [])",
                    sourceLocation: sourceLocation)
        }
    }
}
