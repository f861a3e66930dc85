/* Plain-C reference versions of the BLAS calls lacus makes. They are slow on
 * purpose (no blocking, no vectorisation hints) so that they are obviously
 * right; tests check the optimised path against them. */
#include "linalg/blas.h"

void lacus__ref_syrk_upper_at_a(int64_t n, int64_t k, const double *A, int64_t lda, double *C,
                                int64_t ldc)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i; j < n; j++) {
            double s = 0.0;
            for (int64_t t = 0; t < k; t++) s += A[t * lda + i] * A[t * lda + j];
            C[i * ldc + j] += s;
        }
}

void lacus__ref_gemm_at_b(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                          const double *B, int64_t ldb, double *C, int64_t ldc)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0;
            for (int64_t t = 0; t < k; t++) s += A[t * lda + i] * B[t * ldb + j];
            C[i * ldc + j] += s;
        }
}

void lacus__symmetrize_upper(int64_t n, double *A, int64_t lda)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < i; j++) A[i * lda + j] = A[j * lda + i];
}
