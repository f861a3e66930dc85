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

/* The same sum for S <= 8 lanes at once, xi interleaved (x of lane s at
 * xi[j * S + s]): out[s] = sum_k v[k] xi[ix[k] * S + s], each lane with the
 * chains and final order of lacus__csr_row_dot, so each lane's bits equal a
 * one-lane run. With AVX2 the lanes are vector lanes (two vectors past 4,
 * masked loads when S is not 4 or 8), one broadcast of v[k] serving all of
 * them; written with intrinsics because GCC left the generic lane loops
 * scalar and spilled the accumulators to the stack (3x slower at S = 4).
 * Inline it with S a constant. */
#if defined(__AVX2__) && defined(__FMA__)
static inline __attribute__((always_inline)) __m256i lacus__lanes_mask(int r)
{
    return _mm256_setr_epi64x(r > 0 ? -1 : 0, r > 1 ? -1 : 0, r > 2 ? -1 : 0, r > 3 ? -1 : 0);
}
/* Lanes [4 g, 4 g + 4) of an interleaved row; lanes past S read as 0. */
#define LACUS__LANES_LOAD(x, S, g)                                                               \
    ((S) >= 4 * (g) + 4 ? _mm256_loadu_pd((x) + 4 * (g))                                         \
                        : _mm256_maskload_pd((x) + 4 * (g), lacus__lanes_mask((S) - 4 * (g))))
#endif

static inline __attribute__((always_inline)) void lacus__csr_row_dot_lanes(
    const int32_t *ix, const double *v, const double *xi, const int S, int64_t k, int64_t end,
    double *out)
{
#if defined(__AVX2__) && defined(__FMA__)
    /* aj (lanes 0-3) and bj (lanes 4-7) hold chain j = k mod 4; named
     * variables, not arrays, so that GCC keeps all eight in registers. */
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    __m256d b0 = a0, b1 = a0, b2 = a0, b3 = a0;
#define LACUS__LANES_MADD(a, b, kk)                                                              \
    do {                                                                                         \
        const double *x_ = xi + (int64_t)ix[kk] * S;                                             \
        __m256d w_ = _mm256_broadcast_sd(v + (kk));                                              \
        a = _mm256_fmadd_pd(w_, LACUS__LANES_LOAD(x_, S, 0), a);                                 \
        if (S > 4) b = _mm256_fmadd_pd(w_, LACUS__LANES_LOAD(x_, S, 1), b);                      \
    } while (0)
    for (; k + 4 <= end; k += 4) {
        LACUS__LANES_MADD(a0, b0, k);
        LACUS__LANES_MADD(a1, b1, k + 1);
        LACUS__LANES_MADD(a2, b2, k + 2);
        LACUS__LANES_MADD(a3, b3, k + 3);
    }
    if (k < end) LACUS__LANES_MADD(a0, b0, k);
    if (k + 1 < end) LACUS__LANES_MADD(a1, b1, k + 1);
    if (k + 2 < end) LACUS__LANES_MADD(a2, b2, k + 2);
#undef LACUS__LANES_MADD
    __m256d ra = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
    if (S >= 4) _mm256_storeu_pd(out, ra);
    else _mm256_maskstore_pd(out, lacus__lanes_mask(S), ra);
    if (S > 4) {
        __m256d rb = _mm256_add_pd(_mm256_add_pd(b0, b1), _mm256_add_pd(b2, b3));
        if (S == 8) _mm256_storeu_pd(out + 4, rb);
        else _mm256_maskstore_pd(out + 4, lacus__lanes_mask(S - 4), rb);
    }
#else
    double a[4][8] = {{0.0}};
    for (int j = 0; k < end; k++, j = (j + 1) & 3)
        for (int s = 0; s < S; s++)
            a[j][s] = LACUS__CSR_MADD(a[j][s], v[k], xi[(int64_t)ix[k] * S + s]);
    for (int s = 0; s < S; s++) out[s] = (a[0][s] + a[1][s]) + (a[2][s] + a[3][s]);
#endif
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
