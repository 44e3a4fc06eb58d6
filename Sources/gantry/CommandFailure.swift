/// A runtime failure of a command, printed as its message alone (no usage text:
/// the flags were fine, the world was not).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
