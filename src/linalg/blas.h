/* The BLAS/LAPACK shim: the one place that includes CBLAS and LAPACKE, plus
 * plain-C reference versions of the operations lacus uses, which the tests
 * compare against the optimised library (STYLE.md: a reference beside each
 * fast kernel).
 *
 * Our own threads never run inside a threaded BLAS call: BLAS is called only
 * outside OpenMP parallel regions, where OpenBLAS may use its own threads. */
#ifndef LACUS_LINALG_BLAS_H
#define LACUS_LINALG_BLAS_H

#include <cblas.h>
#include <lapacke.h>
#include <omp.h>
#include <stdint.h>

/* Single-threaded BLAS/LAPACK for the calls in between: OpenMP OpenBLAS sizes
 * its team by omp_get_max_threads() (a per-task setting, so other threads
 * are unaffected), and its threaded routines round differently with
 * different team sizes. Used where a result must not depend on the thread
 * count and no tiled version exists (eigenvalues, the indefinite solve). */
static inline int lacus__blas_serial_begin(void)
{
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    return saved;
}
static inline void lacus__blas_serial_end(int saved) { omp_set_num_threads(saved); }

/* C(upper, n x n) += A^T A for A (k x n) with row stride lda: the X^T X
 * update of one chunk of states. */
void lacus__ref_syrk_upper_at_a(int64_t n, int64_t k, const double *A, int64_t lda, double *C,
                                int64_t ldc);
/* C (m x n) += A^T B, A (k x m), B (k x n): the X^T Y update. */
void lacus__ref_gemm_at_b(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                          const double *B, int64_t ldb, double *C, int64_t ldc);

/* Mirrors the upper triangle of a row-major n x n matrix into the lower. */
void lacus__symmetrize_upper(int64_t n, double *A, int64_t lda);

#endif
