/// A job's life: queued → downloading → running → completed / failed / cancelled.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued, downloading, running, completed, failed, cancelled

    /// No more training will happen; files may be deleted.
    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}
