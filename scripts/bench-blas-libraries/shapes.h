/* The product shapes of one Gantry training step (batch 100), row-major,
 * as Sources/GAN/TrainingStep.swift and Dense.swift call cblas_sgemm
 * (alpha = 1, beta = 0, transposes are BLAS flags, never copies). */
#ifndef BENCH_SHAPES_H
#define BENCH_SHAPES_H

typedef struct {
    const char *name;
    int m, n, k;      /* C is m x n, op(A) is m x k, op(B) is k x n */
    int ta, tb;       /* 1 = operand is stored transposed (BLAS Trans flag) */
    int mult;         /* how many times one training step runs it */
} shape_t;

static const shape_t SHAPES[] = {
    {"1 G hidden      100x100*100x128",    100, 128, 100, 0, 0, 1},
    {"2 G output      100x128*128x784",    100, 784, 128, 0, 0, 1},
    {"3 D hidden      100x784*784x128",    100, 128, 784, 0, 0, 3},
    {"4 logits        1x128*(100x128)T",     1, 100, 128, 1, 1, 3},
    {"5 K=1           100x1*(128x1)T",     100, 128,   1, 0, 1, 2},
    {"6 image grad    100x128*(784x128)T", 100, 784, 128, 0, 1, 1},
    {"7 G hid grad    100x784*(128x784)T", 100, 128, 784, 0, 1, 1},
    {"8 D wgrad       (200x784)T*200x128", 784, 128, 200, 1, 0, 1},
    {"9 D out wgrad   (200x128)T*200x1",   128,   1, 200, 1, 0, 1},
    {"10 G wgrad1     (100x100)T*100x128", 100, 128, 100, 1, 0, 1},
    {"11 G wgrad2     (100x128)T*100x784", 128, 784, 100, 1, 0, 1},
};
#define NSHAPES ((int)(sizeof SHAPES / sizeof SHAPES[0]))

/* Row-major storage of the operands as stored (before op()). */
static inline int a_rows(const shape_t *s) { return s->ta ? s->k : s->m; }
static inline int a_cols(const shape_t *s) { return s->ta ? s->m : s->k; }
static inline int b_rows(const shape_t *s) { return s->tb ? s->n : s->k; }
static inline int b_cols(const shape_t *s) { return s->tb ? s->k : s->n; }

#endif
