/* Shared driver: every library file defines
 *   void lib_describe(char *buf, size_t n);   which kernel / config really runs
 *   int  lib_prepare(const shape_t *s, float *a, float *b, float *c, void **h);
 *        returns 0 if this library can run the shape (h = per-shape handle)
 *   void lib_run(const shape_t *s, const float *a, const float *b, float *c, void *h);
 * and then includes this file, which times everything and prints lines
 *   S <config> <shape index|step|big2048> <ns per call>
 * one per sample, for the run script to reduce (minimum, median). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include "shapes.h"

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static float *alloc_fill(size_t count, unsigned seed) {
    float *p = aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64);
    if (!p) { perror("aligned_alloc"); exit(2); }
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 9) & 0xffff) / 65536.0f - 0.5f;
    }
    return p;
}

/* Maximum relative error of C against a double-precision reference. */
static double check(const shape_t *s, const float *a, const float *b, const float *c) {
    int lda = a_cols(s), ldb = b_cols(s);
    double worst = 0;
    for (int i = 0; i < s->m; i++)
        for (int j = 0; j < s->n; j++) {
            double sum = 0, mag = 0;
            for (int p = 0; p < s->k; p++) {
                double x = s->ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                double y = s->tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += x * y; mag += fabs(x * y);
            }
            double e = fabs(sum - c[(size_t)i * s->n + j]) / (mag > 0 ? mag : 1);
            if (e > worst) worst = e;
        }
    return worst;
}

static void lib_describe(char *buf, size_t n);
static int lib_prepare(const shape_t *s, float *a, float *b, float *c, void **h);
static void lib_run(const shape_t *s, const float *a, const float *b, float *c, void *h);

int main(int argc, char **argv) {
    const char *config = argc > 1 ? argv[1] : "unnamed";
    int samples = argc > 2 ? atoi(argv[2]) : 25;     /* samples per shape */
    double sample_ns = argc > 3 ? atof(argv[3]) * 1e3 : 300e3; /* target sample length (us) */
    int big = argc > 4 ? atoi(argv[4]) : 1;          /* samples of 2048^3 (0 = skip) */

    char desc[512];
    lib_describe(desc, sizeof desc);
    printf("I %s %s\n", config, desc);

    float *A[NSHAPES], *B[NSHAPES], *C[NSHAPES];
    void *H[NSHAPES];
    int ok[NSHAPES], all_ok = 1;
    for (int i = 0; i < NSHAPES; i++) {
        const shape_t *s = &SHAPES[i];
        A[i] = alloc_fill((size_t)a_rows(s) * a_cols(s), 11 + i);
        B[i] = alloc_fill((size_t)b_rows(s) * b_cols(s), 101 + i);
        C[i] = alloc_fill((size_t)s->m * s->n, 7);
        H[i] = NULL;
        ok[i] = lib_prepare(s, A[i], B[i], C[i], &H[i]) == 0;
        if (ok[i]) {
            lib_run(s, A[i], B[i], C[i], H[i]);
            double e = check(s, A[i], B[i], C[i]);
            printf("E %s %d %.2e\n", config, i, e);
            if (!(e < 1e-5)) { printf("X %s %d wrong result (rel err %.2e)\n", config, i, e); ok[i] = 0; }
        } else {
            printf("X %s %d unsupported\n", config, i);
        }
        if (!ok[i]) all_ok = 0;
    }

    /* Per shape: calibrate repetitions so a sample lasts ~sample_ns, then time. */
    for (int i = 0; i < NSHAPES; i++) {
        if (!ok[i]) continue;
        const shape_t *s = &SHAPES[i];
        for (int w = 0; w < 20; w++) lib_run(s, A[i], B[i], C[i], H[i]);
        double t0 = now_ns();
        int reps = 0;
        while (now_ns() - t0 < 2e6 || reps < 3) { lib_run(s, A[i], B[i], C[i], H[i]); reps++; }
        double per = (now_ns() - t0) / reps;
        int inner = (int)(sample_ns / per); if (inner < 1) inner = 1;
        for (int r = 0; r < samples; r++) {
            double t = now_ns();
            for (int q = 0; q < inner; q++) lib_run(s, A[i], B[i], C[i], H[i]);
            printf("S %s %d %.1f\n", config, i, (now_ns() - t) / inner);
        }
    }

    /* One training step's products back to back, each with its multiplicity. */
    if (all_ok) {
        for (int r = 0; r < samples * 4 + 20; r++) {
            double t = now_ns();
            for (int i = 0; i < NSHAPES; i++)
                for (int q = 0; q < SHAPES[i].mult; q++)
                    lib_run(&SHAPES[i], A[i], B[i], C[i], H[i]);
            double dt = now_ns() - t;
            if (r >= 20) printf("S %s step %.1f\n", config, dt);
        }
    }

    if (big > 0) {
        shape_t s = {"2048^3", 2048, 2048, 2048, 0, 0, 1};
        float *a = alloc_fill((size_t)2048 * 2048, 3), *b = alloc_fill((size_t)2048 * 2048, 5),
              *c = alloc_fill((size_t)2048 * 2048, 7);
        void *h = NULL;
        if (lib_prepare(&s, a, b, c, &h) == 0) {
            lib_run(&s, a, b, c, h); /* warm-up */
            for (int r = 0; r < big; r++) {
                double t = now_ns();
                lib_run(&s, a, b, c, h);
                printf("S %s big2048 %.1f\n", config, now_ns() - t);
            }
        } else {
            printf("X %s big2048 unsupported\n", config);
        }
    }
    return 0;
}
