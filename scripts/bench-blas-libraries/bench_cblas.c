/* cblas_sgemm, row-major, exactly as Gantry calls it. Built twice:
 *   -DUSE_OPENBLAS against OpenBLAS's cblas.h and -lopenblas
 *   -DUSE_BLIS     against BLIS's cblas.h/blis.h and libblis.so.4 (serial) */
#include <stddef.h>
#if defined(USE_OPENBLAS)
#include <cblas.h>           /* /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h */
#elif defined(USE_BLIS)
#include <blis.h>            /* /usr/include/x86_64-linux-gnu/blis-serial/ (cblas.h too) */
#include <cblas.h>
#else
#error "define USE_OPENBLAS or USE_BLIS"
#endif
#include "shapes.h"

static void lib_describe(char *buf, size_t n);
#include "bench_common.h"

static void lib_describe(char *buf, size_t n) {
#if defined(USE_OPENBLAS)
    openblas_set_num_threads(1);
    snprintf(buf, n, "lib=OpenBLAS corename=%s threads=%d config=[%s]",
             openblas_get_corename(), openblas_get_num_threads(), openblas_get_config());
#else
    bli_init();
    bli_thread_set_num_threads(1);
    arch_t id = bli_arch_query_id();
    snprintf(buf, n, "lib=BLIS version=%s arch_id=%d arch=%s threads=%ld",
             bli_info_get_version_str(), (int)id, bli_arch_string(id),
             (long)bli_thread_get_num_threads());
#endif
}

static int lib_prepare(const shape_t *s, float *a, float *b, float *c, void **h) {
    (void)s; (void)a; (void)b; (void)c; (void)h;
    return 0;
}

static void lib_run(const shape_t *s, const float *a, const float *b, float *c, void *h) {
    (void)h;
    cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans, s->tb ? CblasTrans : CblasNoTrans,
                s->m, s->n, s->k, 1.0f, a, a_cols(s), b, b_cols(s), 0.0f, c, s->n);
}
