/* Dense kernels parallelised over a fixed grid of tiles.
 *
 * OpenBLAS's threaded dgemm (for long, thin shapes) and dpotrf give results
 * that change in the last bits with the number of threads. lacus promises
 * the same numbers whatever the thread count, so these operations are split
 * here into tiles of a fixed size, each computed by one single-threaded BLAS
 * call (OpenBLAS built for OpenMP runs single-threaded inside our parallel
 * regions), and the tiles are shared among the threads. A tile's result
 * depends only on its inputs, never on which thread or how many. The
 * parallel region is opened even for a single tile, so that the BLAS call
 * inside it is single-threaded too. test_esn_props checks 1 vs 2 threads. */
#ifndef LACUS_LINALG_TILED_H
#define LACUS_LINALG_TILED_H

#include <stdint.h>

/* Upper triangle of C (n x n) += A^T A for A (k x n) when trans, or
 * += A A^T for A (n x k) otherwise; row-major. */
void lacus__tiled_syrk_upper(int64_t n, int64_t k, const double *A, int64_t lda, int trans,
                             double *C, int64_t ldc);

/* Upper triangle of C (n x n, double) += A^T A for A (k x n, float),
 * each 256 x 256 tile of A^T A computed in single precision (sgemm/ssyrk,
 * about twice dgemm's rate) and added to C in double: the mixed-precision
 * accumulation of the ridge readout's accumulate_f32 option. */
void lacus__tiled_syrk_upper_f32(int64_t n, int64_t k, const float *A, int64_t lda, double *C,
                                 int64_t ldc);

/* C (m x n) += A^T B, A (k x m), B (k x n), all row-major. */
void lacus__tiled_gemm_at_b(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                            const double *B, int64_t ldb, double *C, int64_t ldc);

/* C (m x n, double) += A^T B for A (k x m) and B (k x n) in float, each
 * 256 x 256 tile of A^T B computed by sgemm and added to C in double: the
 * X^T Y half of accumulate_f32. */
void lacus__tiled_gemm_at_b_f32(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda,
                                const float *B, int64_t ldb, double *C, int64_t ldc);

/* C (m x n) = A B + beta C, A (m x k), B (k x n), all row-major. */
void lacus__tiled_gemm(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                       const double *B, int64_t ldb, double beta, double *C, int64_t ldc);

/* Cholesky factorisation A = L L^T of the lower triangle of a column-major
 * n x n matrix (blocked, right-looking). Returns 0, or j + 1 when the
 * leading minor of order j + 1 is not positive definite (as LAPACK's info). */
int64_t lacus__tiled_potrf(int64_t n, double *A, int64_t lda);

/* Solves L L^T X = B for B column-major n x m (ldb >= n), in place. */
void lacus__tiled_potrs(int64_t n, int64_t m, const double *L, int64_t lda, double *B,
                        int64_t ldb);

#endif
