/* Symmetric solves: Cholesky first, Bunch-Kaufman when Cholesky fails.
 *
 * Ridge systems (X^T X + lambda I) are positive definite in exact arithmetic
 * when lambda > 0, but with lambda = 0 (ReservoirPy's default) and collinear
 * states they can be singular or indefinite in floating point; scipy's
 * solve(assume_a="sym") uses the symmetric indefinite factorisation in every
 * case. We try the twice-cheaper Cholesky (tiled, so that its result does not
 * depend on the thread count) and fall back to dsysv. */
#include "linalg/solve.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"
#include "linalg/tiled.h"

/* Copies one strict triangle onto the other, in 64 x 64 tiles so that the
 * column-wise side stays in cache (a plain loop strides n doubles per
 * element: seconds at n = 10,000). to_lower: upper -> lower, else back. */
static void mirror(int64_t n, double *A, int64_t lda, int to_lower)
{
    const int64_t B = 64;
    for (int64_t i0 = 0; i0 < n; i0 += B)
        for (int64_t j0 = i0; j0 < n; j0 += B)
            for (int64_t i = i0; i < i0 + B && i < n; i++)
                for (int64_t j = j0 > i + 1 ? j0 : i + 1; j < j0 + B && j < n; j++) {
                    if (to_lower) A[j * lda + i] = A[i * lda + j];
                    else A[i * lda + j] = A[j * lda + i];
                }
}

void lacus__sym_mirror_upper(int64_t n, double *A, int64_t lda, double *diag_copy)
{
    for (int64_t i = 0; i < n; i++) diag_copy[i] = A[i * lda + i];
    mirror(n, A, lda, 1);
}

void lacus__sym_restore_upper(int64_t n, double *A, int64_t lda, const double *diag_copy)
{
    for (int64_t i = 0; i < n; i++) A[i * lda + i] = diag_copy[i];
    mirror(n, A, lda, 0);
}

/* B (n x m row-major) <-> column-major n x m, via a scratch buffer. */
static void transpose(int64_t rows, int64_t cols, const double *src, double *dst)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
}

lacus_status lacus__sym_solve(int64_t n, int64_t m, double *A, int64_t lda,
                              const double *diag_copy, lacus__sym_prepare_fn prepare,
                              void *ctx, double *B, int *used_fallback, lacus_error *err)
{
    *used_fallback = 0;
    double *Bc = LACUS__NEW(double, n * m);
    if (!Bc) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a %lld x %lld solve",
                                (long long)n, (long long)m);
    transpose(n, m, B, Bc);

    lapack_int info = (lapack_int)lacus__tiled_potrf(n, A, lda);
    if (info == 0) {
        lacus__tiled_potrs(n, m, A, lda, Bc, n);
    } else if (info > 0) {
        *used_fallback = 1;
        lacus__sym_restore_upper(n, A, lda, diag_copy);
        if (prepare) prepare(A, n, lda, ctx);
        lapack_int *ipiv = LACUS__NEW(lapack_int, n);
        if (!ipiv) {
            lacus__free(Bc);
            return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for pivots");
        }
        int saved = lacus__blas_serial_begin(); /* rare path: determinism over speed */
        info = LAPACKE_dsysv(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)m, A,
                             (lapack_int)lda, ipiv, Bc, (lapack_int)n);
        lacus__blas_serial_end(saved);
        lacus__free(ipiv);
        if (info > 0) {
            lacus__free(Bc);
            return lacus__fail(err, LACUS_ERR_NUMERIC,
                               "the regularised system is exactly singular (pivot %d is zero): "
                               "increase ridge or check for constant features",
                               (int)info);
        }
    }
    if (info < 0) {
        lacus__free(Bc);
        return lacus__fail(err, LACUS_ERR_ARG, "LAPACK rejected argument %d", (int)-info);
    }
    transpose(m, n, Bc, B);
    lacus__free(Bc);
    return LACUS_OK;
}
