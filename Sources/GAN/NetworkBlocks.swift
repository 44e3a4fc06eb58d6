import Linalg

/// A two-layer network's tensors (the generator's or the discriminator's) as blocks.
public struct NetworkBlocks: @unchecked Sendable {
    // @unchecked: `DenseBlocks` only; see `MatrixBlock`.
    public let hidden: DenseBlocks
    public let output: DenseBlocks
}

extension Generator {
    public mutating func withBlocks<R>(_ body: (NetworkBlocks) throws -> R) rethrows -> R {
        try hidden.withBlocks { h in try output.withBlocks { o in try body(NetworkBlocks(hidden: h, output: o)) } }
    }
}

extension Discriminator {
    public mutating func withBlocks<R>(_ body: (NetworkBlocks) throws -> R) rethrows -> R {
        try hidden.withBlocks { h in try output.withBlocks { o in try body(NetworkBlocks(hidden: h, output: o)) } }
    }
}
