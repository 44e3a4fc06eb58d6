#ifndef CGANTRY_BLAS_SHIM_H
#define CGANTRY_BLAS_SHIM_H
#include <cblas.h>
#endif
