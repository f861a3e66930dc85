/* Dense symmetric solves for the ridge readout. */
#ifndef LACUS_LINALG_SOLVE_H
#define LACUS_LINALG_SOLVE_H

#include <stdint.h>

#include "lacus.h"

/* Solves A X = B for symmetric A (n x n, row-major, only the upper triangle
 * i <= j is read) and B (n x m, row-major), overwriting B with X.
 *
 * The upper triangle of A is destroyed; the strict lower triangle and the
 * caller's copy of the diagonal, `diag_copy`, are used to rebuild it when
 * the Cholesky factorisation fails (A not numerically positive definite):
 * the caller stores A's upper triangle mirrored in the lower one before the
 * call, so no second n x n buffer is needed. On fallback the system is solved
 * by the Bunch-Kaufman factorisation (LAPACK dsysv), and *used_fallback = 1.
 * `prepare` re-applies modifications of the upper triangle (regularisation,
 * centring) after such a rebuild; it may be NULL.
 *
 * Row-major upper == column-major lower, so LAPACK is called in column-major
 * mode on the same memory: no transposed copy of the n x n matrix is made. */
typedef void (*lacus__sym_prepare_fn)(double *A, int64_t n, int64_t lda, void *ctx);

lacus_status lacus__sym_solve(int64_t n, int64_t m, double *A, int64_t lda,
                              const double *diag_copy, lacus__sym_prepare_fn prepare,
                              void *ctx, double *B, int *used_fallback, lacus_error *err);

/* Stores A's upper triangle mirrored in the strict lower one, and its
 * diagonal in diag_copy (n): the backup lacus__sym_solve rebuilds from. */
void lacus__sym_mirror_upper(int64_t n, double *A, int64_t lda, double *diag_copy);

/* Restores A's upper triangle (and diagonal) from the mirrored lower triangle
 * and diag_copy. */
void lacus__sym_restore_upper(int64_t n, double *A, int64_t lda, const double *diag_copy);

#endif
