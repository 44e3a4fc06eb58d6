/// The job list as the API shows it, a page at a time.
extension Scheduler {
    /// A page of jobs newest first, before position `before`, as the API shows them.
    ///
    /// A status kept in memory (the store could not record it) is the one shown: with a
    /// `status` filter, the jobs kept as `status` are read whatever the store holds, and
    /// the page is filtered by the status shown. Such a page may hold fewer than `limit`
    /// jobs; only a nil `next` ends the list.
    public func jobPage(status: JobStatus?, before: Int64?, limit: Int) throws -> JobPage {
        let kept = status.map(idsKept) ?? []
        var page = try store.jobPage(status: status, orIDs: kept, before: before, limit: limit)
        page.jobs = effective(page.jobs, status: status)
        return page
    }

    /// The jobs whose status kept in memory is `status`.
    func idsKept(as status: JobStatus) -> [String] {
        lock.withLock { unrecorded.filter { $0.value.status == status }.map(\.key).sorted() }
    }
}
