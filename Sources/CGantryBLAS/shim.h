#ifndef CGANTRY_BLAS_SHIM_H
#define CGANTRY_BLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>

/* LAPACK's divide-and-conquer symmetric eigensolver. OpenBLAS exports it, but
   Debian's libopenblas-dev ships no lapack.h, so the Fortran symbol is declared here
   with gfortran's hidden string lengths at the end. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork,
             int *info, size_t jobz_len, size_t uplo_len);

/* glibc's allocator knobs (malloc.h, which the Glibc module does not export): the
   training buffers' reuse is tuned through them (Linalg's AllocatorTuning). */
#include <malloc.h>
static inline int gantry_keep_large_blocks(int mmap_threshold, int trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) && mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

/* The CPU's own word on what it can run, for choosing OpenBLAS's kernels. */
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define GANTRY_HAS_CPUID 1
/* Registers of cpuid(leaf, subleaf) into out[0..3] = eax, ebx, ecx, edx; 0 when the
   leaf is beyond what the CPU reports. */
static inline int gantry_cpuid(unsigned leaf, unsigned subleaf, unsigned out[4]) {
    return __get_cpuid_count(leaf, subleaf, &out[0], &out[1], &out[2], &out[3]);
}
/* XCR0: which register states the operating system saves, so which vector
   instructions are usable, not only present. Call only when cpuid says OSXSAVE. */
static inline unsigned long long gantry_xcr0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#else
#define GANTRY_HAS_CPUID 0
#endif
#endif
