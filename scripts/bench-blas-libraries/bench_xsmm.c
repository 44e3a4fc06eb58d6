/* libxsmm 1.17 (Debian libxsmm-dev), explicit JIT dispatch: libxsmm_smmdispatch.
 *
 * libxsmm is column-major: row-major C(m x n) = op(A) op(B) is column-major
 * C^T(n x m) = op(B)^T op(A)^T, so the kernel gets m'=n, n'=m, k'=k,
 * a'=B (ld = B's row length), b'=A (ld = A's row length), and the row-major
 * transpose of B becomes libxsmm's TRANS_A, that of A its TRANS_B.
 *
 * Per shape, in this order:
 *   1. the same call (same operands, same transpose flags)            -> "jit"
 *   2. if the JIT refuses it and a transposed operand is a vector, the
 *      same memory read without that transpose flag (no copy)          -> "jit-vec"
 *   3. otherwise OpenBLAS cblas_sgemm (linked in for this only; its
 *      kernel is whatever OPENBLAS_CORETYPE selects)                   -> "openblas"
 * The run script reports which of the three each shape used. */
#include <stddef.h>
#include <cblas.h>
#include <libxsmm.h>
#include "shapes.h"

typedef struct { libxsmm_smmfunction f; int swap; const char *how; } xh_t;
static xh_t HANDLES[NSHAPES + 1];
static int NEXT = 0;

static void lib_describe(char *buf, size_t n);
#include "bench_common.h"

static void lib_describe(char *buf, size_t n) {
    libxsmm_init();
    openblas_set_num_threads(1);
    snprintf(buf, n, "lib=libxsmm version=%s target=%s archid=%d fallback_openblas_corename=%s",
             LIBXSMM_VERSION, libxsmm_get_target_arch(), libxsmm_get_target_archid(),
             openblas_get_corename());
}

static libxsmm_smmfunction disp(libxsmm_blasint m, libxsmm_blasint n, libxsmm_blasint k,
                                libxsmm_blasint lda, libxsmm_blasint ldb, libxsmm_blasint ldc, int flags) {
    float alpha = 1.0f, beta = 0.0f;
    return libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, NULL);
}

static int lib_prepare(const shape_t *s, float *a, float *b, float *c, void **h) {
    (void)a; (void)b; (void)c;
    xh_t *x = &HANDLES[NEXT < NSHAPES ? NEXT++ : NSHAPES]; /* the 2048^3 one is last */
    x->swap = 0;
    x->how = "jit";
    int flags = (s->tb ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (s->ta ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
    x->f = disp(s->n, s->m, s->k, b_cols(s), a_cols(s), s->n, flags);
    if (!x->f && s->m == 1 && s->ta && s->tb) {
        /* C (1 x n) has the memory of C^T (n x 1) = B_stored (n x k) * A_stored (k x 1) */
        x->f = disp(1, s->n, s->k, 1, b_cols(s), 1, 0);
        x->swap = 1;
        x->how = "jit-vec";
    } else if (!x->f && s->tb && s->k == 1 && !s->ta) {
        /* B stored n x 1 transposed is B stored 1 x n (ld n): same memory */
        x->f = disp(s->n, s->m, 1, s->n, a_cols(s), s->n, 0);
        x->how = "jit-vec";
    }
    if (!x->f) x->how = "openblas";
    *h = x;
    if (x < &HANDLES[NSHAPES]) printf("H %d %s\n", (int)(x - HANDLES), x->how);
    else printf("H big2048 %s\n", x->how);
    return 0;
}

static void lib_run(const shape_t *s, const float *a, const float *b, float *c, void *h) {
    const xh_t *x = h;
    if (x->f) {
        if (x->swap) x->f(a, b, c); else x->f(b, a, c);
    } else {
        cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans, s->tb ? CblasTrans : CblasNoTrans,
                    s->m, s->n, s->k, 1.0f, a, a_cols(s), b, b_cols(s), 0.0f, c, s->n);
    }
}
