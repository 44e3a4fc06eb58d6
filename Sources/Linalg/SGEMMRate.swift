import Foundation

/// The BLAS library's rate on one large square product: the yardstick a training step's
/// rate is compared against, measured in the same process so the ratio travels between
/// machines (and between moments of a shared one).
public struct SGEMMRate: Sendable {
    public let size: Int
    public let threads: Int
    public let runs: Int
    public let gflops: Double

    /// Best of `runs` products of two `size`² matrices on `threads` OpenBLAS threads,
    /// after one warm-up; restores OpenBLAS's thread count.
    public static func measure(size: Int = 2048, threads: Int, runs: Int = 5) -> SGEMMRate {
        let previous = BLASThreads.current
        BLASThreads.set(threads)
        defer { BLASThreads.set(previous) }
        var a = Matrix(rows: size, columns: size), b = Matrix(rows: size, columns: size)
        var rng = Xoshiro256StarStar(seed: 2048)
        a.storage.withUnsafeMutableBufferPointer { rng.fillSymmetricUniform($0) }
        b.storage.withUnsafeMutableBufferPointer { rng.fillSymmetricUniform($0) }
        var c = Matrix(rows: size, columns: size)
        Matrix.multiply(a, b, into: &c)
        var best = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            Matrix.multiply(a, b, into: &c)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return SGEMMRate(size: size, threads: threads, runs: runs, gflops: 2 * pow(Double(size), 3) / best / 1e9)
    }
}
