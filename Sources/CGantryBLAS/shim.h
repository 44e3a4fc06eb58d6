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
#endif
