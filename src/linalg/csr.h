/* Compressed sparse row matrices and the two kernels the reservoir needs.
 *
 * Written by hand rather than taken from a library: the kernels are a few
 * lines, they must be deterministic (each output row computed by one thread
 * in a fixed order, so results do not depend on the thread count), and they
 * must run on a row range so that a time step can be split across threads
 * inside one OpenMP region. Column indices are int32 (n_cols < 2^31) to halve
 * the memory traffic of the index array; row pointers are int64. */
#ifndef LACUS_LINALG_CSR_H
#define LACUS_LINALG_CSR_H

#include <math.h>
#include <stdint.h>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "lacus.h"

/* a + b * c, fused where the CPU has FMA (ISO C mode never fuses on its
 * own): one rule for every kernel that must repeat the reservoir's bits. */
#ifdef __FMA__
#define LACUS__CSR_MADD(a, b, c) fma((b), (c), (a))
#else
#define LACUS__CSR_MADD(a, b, c) ((a) + (b) * (c))
#endif

/* sum_k v[k] x[ix[k]] over k in [k, end): the order every W x in lacus
 * uses, split by k mod 4 into four chains of MADDs added as
 * (p0 + p1) + (p2 + p3). With AVX2 the four chains are the lanes of one
 * vector: the four x values are loaded one by one into it (not by
 * vgatherdpd, which is slower on Zen 3) and the values with one vector load,
 * fewer loads per non-zero than four scalar chains, same bits. */
static inline double lacus__csr_row_dot(const int32_t *ix, const double *v, const double *x,
                                        int64_t k, int64_t end)
{
    double a[4] = {0.0, 0.0, 0.0, 0.0};
#if defined(__AVX2__) && defined(__FMA__)
    __m256d acc = _mm256_setzero_pd();
    for (; k + 4 <= end; k += 4) {
        __m128d lo = _mm_loadh_pd(_mm_load_sd(x + ix[k]), x + ix[k + 1]);
        __m128d hi = _mm_loadh_pd(_mm_load_sd(x + ix[k + 2]), x + ix[k + 3]);
        __m256d xv = _mm256_insertf128_pd(_mm256_castpd128_pd256(lo), hi, 1);
        acc = _mm256_fmadd_pd(_mm256_loadu_pd(v + k), xv, acc);
    }
    _mm256_storeu_pd(a, acc);
#else
    for (; k + 4 <= end; k += 4) {
        a[0] = LACUS__CSR_MADD(a[0], v[k], x[ix[k]]);
        a[1] = LACUS__CSR_MADD(a[1], v[k + 1], x[ix[k + 1]]);
        a[2] = LACUS__CSR_MADD(a[2], v[k + 2], x[ix[k + 2]]);
        a[3] = LACUS__CSR_MADD(a[3], v[k + 3], x[ix[k + 3]]);
    }
#endif
    for (int j = 0; k < end; k++, j++) a[j] = LACUS__CSR_MADD(a[j], v[k], x[ix[k]]);
    return (a[0] + a[1]) + (a[2] + a[3]);
}

typedef struct lacus__csr {
    int64_t n_rows, n_cols, nnz;
    int64_t *indptr;  /* n_rows + 1 */
    int32_t *indices; /* nnz, sorted within each row */
    double *values;   /* nnz */
} lacus__csr;

/* Allocates the arrays for nnz entries; the caller fills them. */
lacus_status lacus__csr_alloc(lacus__csr *A, int64_t n_rows, int64_t n_cols, int64_t nnz);
void lacus__csr_free(lacus__csr *A);
/* From a dense row-major matrix (zeros dropped). */
lacus_status lacus__csr_from_dense(lacus__csr *A, int64_t n_rows, int64_t n_cols,
                                   const double *D, lacus_error *err);
/* From user CSR arrays (int64 indices), validating structure and values. */
lacus_status lacus__csr_from_arrays(lacus__csr *A, int64_t n_rows, int64_t n_cols, int64_t nnz,
                                    const int64_t *indptr, const int64_t *indices,
                                    const double *values, lacus_error *err);
void lacus__csr_to_dense(const lacus__csr *A, double *D);
void lacus__csr_scale(lacus__csr *A, double s);

/* y[r] = sum_k A[r, k] x[k] for rows r in [r0, r1). */
static inline void lacus__csr_matvec_rows(const lacus__csr *A, const double *x, double *y,
                                          int64_t r0, int64_t r1)
{
    const int64_t *p = A->indptr;
    const int32_t *ix = A->indices;
    const double *v = A->values;
    for (int64_t r = r0; r < r1; r++) {
        double s = 0.0;
        for (int64_t k = p[r]; k < p[r + 1]; k++) s += v[k] * x[ix[k]];
        y[r] = s;
    }
}

/* Input drive of a chunk of steps, computed at once for rows [r0, r1):
 *   DT[r, t] = sum_j A[r, j] UT[j, t]   for t < n_t;
 *   DT (n_rows, ldd), UT (n_cols, ldu), row strides ldd, ldu >= n_t
 * i.e. (U A^T)^T with U transposed so the inner loop is a contiguous axpy
 * over time steps, which vectorises, instead of a gather per step. */
void lacus__csr_times_dense_rows(const lacus__csr *A, const double *UT, int64_t ldu, int64_t n_t,
                                 double *DT, int64_t ldd, int64_t r0, int64_t r1);

#endif
