/* A plain reference: loops the compiler vectorises (-O3 with AVX2 or AVX-512
 * code generation), no blocking, no packing. Same row-major operands and
 * transpose flags as the BLAS calls. */
#include <stddef.h>
#include "shapes.h"

static void lib_describe(char *buf, size_t n);
#include "bench_common.h"

static void lib_describe(char *buf, size_t n) {
#if defined(__AVX512F__)
    snprintf(buf, n, "lib=naive codegen=AVX-512 (gcc -O3 -march=x86-64-v4 -mprefer-vector-width=512)");
#elif defined(__AVX2__)
    snprintf(buf, n, "lib=naive codegen=AVX2 (gcc -O3 -march=x86-64-v3)");
#else
    snprintf(buf, n, "lib=naive codegen=baseline");
#endif
}

static int lib_prepare(const shape_t *s, float *a, float *b, float *c, void **h) {
    (void)s; (void)a; (void)b; (void)c; (void)h;
    return 0;
}

static void lib_run(const shape_t *s, const float *restrict a, const float *restrict b,
                    float *restrict c, void *h) {
    (void)h;
    const int M = s->m, N = s->n, K = s->k, lda = a_cols(s), ldb = b_cols(s);
    if (!s->tb) {
        /* C row i = sum_p op(A)(i,p) * B row p: contiguous, vectorised over j */
        for (int i = 0; i < M; i++) {
            float *restrict ci = c + (size_t)i * N;
            for (int j = 0; j < N; j++) ci[j] = 0.0f;
            for (int p = 0; p < K; p++) {
                const float x = s->ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                const float *restrict bp = b + (size_t)p * ldb;
                for (int j = 0; j < N; j++) ci[j] += x * bp[j];
            }
        }
    } else if (!s->ta) {
        /* B transposed, A not: dot products of two contiguous rows */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                const float *restrict ai = a + (size_t)i * lda, *restrict bj = b + (size_t)j * ldb;
                float sum = 0.0f;
#pragma omp simd reduction(+:sum)
                for (int p = 0; p < K; p++) sum += ai[p] * bj[p];
                c[(size_t)i * N + j] = sum;
            }
    } else {
        /* both transposed: C(i,j) = sum_p A(p,i) B(j,p) */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                const float *restrict bj = b + (size_t)j * ldb;
                float sum = 0.0f;
#pragma omp simd reduction(+:sum)
                for (int p = 0; p < K; p++) sum += a[(size_t)p * lda + i] * bj[p];
                c[(size_t)i * N + j] = sum;
            }
    }
}
