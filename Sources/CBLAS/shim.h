// CBLAS: cblas.h (OpenBLAS) and lapacke.h, as one module. Not a public API: TandemTensor wraps it.
#ifndef TANDEM_CBLAS_SHIM_H
#define TANDEM_CBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
