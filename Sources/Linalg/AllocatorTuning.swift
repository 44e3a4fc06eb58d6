#if canImport(CGantryBLAS)
import CGantryBLAS
#endif

/// Keeps freed training buffers in the heap instead of handing them back to the kernel.
///
/// A convolutional step allocates and frees matrices of up to about 20 MB several
/// times over (unfolded columns, products, gradients). glibc serves blocks that size
/// with `mmap` and returns them with `munmap` (its adaptive threshold stops at 32 MB
/// and resets on trims), so every step faulted tens of megabytes of fresh zeroed pages
/// in again: measured on a 2-core EPYC (Zen 3), a DCGAN step took 490 ms with the
/// defaults and 260 ms with large blocks kept (docs/benchmarks-dcgan.md). The cost is
/// that up to `retained` bytes of free heap stay resident between steps.
public enum AllocatorTuning {
    /// Blocks below this come from the heap and are reused; the dataset's pixel buffer
    /// (47 MB for 60,000 images) is below it too.
    static let mmapThreshold: Int32 = 64 << 20
    /// Free memory at the top of the heap is given back only beyond this.
    static let retained: Int32 = 128 << 20

    /// Called once, at the start of a program, before threads start allocating; false
    /// if the allocator refused (or is not glibc's).
    @discardableResult
    public static func apply() -> Bool {
        #if canImport(CGantryBLAS)
        return gantry_keep_large_blocks(mmapThreshold, retained) != 0
        #else
        return false
        #endif
    }
}
