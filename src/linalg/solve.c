/* Symmetric solves: Cholesky first, Bunch-Kaufman when Cholesky fails.
 *
 * Ridge systems (X^T X + lambda I) are positive definite in exact arithmetic
 * when lambda > 0, but with lambda = 0 (ReservoirPy's default) and collinear
 * states they can be singular or indefinite in floating point; scipy's
 * solve(assume_a="sym") uses the symmetric indefinite factorisation in every
 * case. We try the twice-cheaper Cholesky and fall back to dsysv. */
#include "linalg/solve.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"

void lacus__sym_restore_upper(int64_t n, double *A, int64_t lda, const double *diag_copy)
{
    for (int64_t i = 0; i < n; i++) {
        A[i * lda + i] = diag_copy[i];
        for (int64_t j = i + 1; j < n; j++) A[i * lda + j] = A[j * lda + i];
    }
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

    lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, A, (lapack_int)lda);
    if (info == 0) {
        info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)m, A,
                              (lapack_int)lda, Bc, (lapack_int)n);
    } else if (info > 0) {
        *used_fallback = 1;
        lacus__sym_restore_upper(n, A, lda, diag_copy);
        if (prepare) prepare(A, n, lda, ctx);
        lapack_int *ipiv = LACUS__NEW(lapack_int, n);
        if (!ipiv) {
            lacus__free(Bc);
            return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for pivots");
        }
        info = LAPACKE_dsysv(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)m, A,
                             (lapack_int)lda, ipiv, Bc, (lapack_int)n);
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
