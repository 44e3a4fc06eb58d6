import GRDB
import GantryJobs

/// A status binds as its raw text in GRDB's statements.
extension JobStatus: DatabaseValueConvertible {}
