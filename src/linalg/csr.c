#include "linalg/csr.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define MADD LACUS__CSR_MADD

lacus_status lacus__csr_alloc(lacus__csr *A, int64_t n_rows, int64_t n_cols, int64_t nnz)
{
    memset(A, 0, sizeof *A);
    A->n_rows = n_rows;
    A->n_cols = n_cols;
    A->nnz = nnz;
    A->indptr = LACUS__ZNEW(int64_t, n_rows + 1);
    A->indices = LACUS__NEW(int32_t, nnz);
    A->values = LACUS__NEW(double, nnz);
    if (!A->indptr || !A->indices || !A->values) {
        lacus__csr_free(A);
        return LACUS_ERR_NOMEM;
    }
    return LACUS_OK;
}

void lacus__csr_free(lacus__csr *A)
{
    if (!A) return;
    lacus__free(A->indptr);
    lacus__free(A->indices);
    lacus__free(A->values);
    memset(A, 0, sizeof *A);
}

lacus_status lacus__csr_from_dense(lacus__csr *A, int64_t n_rows, int64_t n_cols,
                                   const double *D, lacus_error *err)
{
    if (n_cols >= INT32_MAX)
        return lacus__fail(err, LACUS_ERR_ARG, "matrix has %lld columns: at most %d supported",
                           (long long)n_cols, INT32_MAX - 1);
    int64_t nnz = 0;
    for (int64_t i = 0; i < n_rows * n_cols; i++) {
        if (!isfinite(D[i]))
            return lacus__fail(err, LACUS_ERR_NUMERIC, "matrix entry [%lld, %lld] is not finite",
                               (long long)(i / n_cols), (long long)(i % n_cols));
        nnz += D[i] != 0.0;
    }
    if (lacus__csr_alloc(A, n_rows, n_cols, nnz))
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a %lld x %lld sparse matrix",
                           (long long)n_rows, (long long)n_cols);
    int64_t k = 0;
    for (int64_t r = 0; r < n_rows; r++) {
        for (int64_t c = 0; c < n_cols; c++) {
            double v = D[r * n_cols + c];
            if (v != 0.0) {
                A->indices[k] = (int32_t)c;
                A->values[k++] = v;
            }
        }
        A->indptr[r + 1] = k;
    }
    return LACUS_OK;
}

lacus_status lacus__csr_from_arrays(lacus__csr *A, int64_t n_rows, int64_t n_cols, int64_t nnz,
                                    const int64_t *indptr, const int64_t *indices,
                                    const double *values, lacus_error *err)
{
    if (nnz < 0 || indptr[0] != 0 || indptr[n_rows] != nnz)
        return lacus__fail(err, LACUS_ERR_FORMAT,
                           "CSR indptr must start at 0 and end at nnz = %lld (got %lld .. %lld)",
                           (long long)nnz, (long long)indptr[0], (long long)indptr[n_rows]);
    /* indptr must be non-decreasing as a whole before any row's entries are
     * read: a row whose end overshoots nnz would otherwise read past
     * indices before the next row shows the decrease. */
    for (int64_t r = 0; r < n_rows; r++)
        if (indptr[r + 1] < indptr[r])
            return lacus__fail(err, LACUS_ERR_FORMAT, "CSR indptr decreases at row %lld",
                               (long long)r);
    for (int64_t r = 0; r < n_rows; r++) {
        for (int64_t k = indptr[r]; k < indptr[r + 1]; k++) {
            if (indices[k] < 0 || indices[k] >= n_cols)
                return lacus__fail(err, LACUS_ERR_FORMAT,
                                   "CSR column index %lld at entry %lld is outside [0, %lld)",
                                   (long long)indices[k], (long long)k, (long long)n_cols);
            if (k > indptr[r] && indices[k] <= indices[k - 1])
                return lacus__fail(err, LACUS_ERR_FORMAT,
                                   "CSR column indices of row %lld are not strictly increasing",
                                   (long long)r);
            if (!isfinite(values[k]))
                return lacus__fail(err, LACUS_ERR_NUMERIC, "CSR value %lld is not finite",
                                   (long long)k);
        }
    }
    if (lacus__csr_alloc(A, n_rows, n_cols, nnz))
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for %lld non-zeros",
                           (long long)nnz);
    memcpy(A->indptr, indptr, (size_t)(n_rows + 1) * sizeof *indptr);
    for (int64_t k = 0; k < nnz; k++) A->indices[k] = (int32_t)indices[k];
    memcpy(A->values, values, (size_t)nnz * sizeof *values);
    return LACUS_OK;
}

void lacus__csr_to_dense(const lacus__csr *A, double *D)
{
    memset(D, 0, (size_t)(A->n_rows * A->n_cols) * sizeof *D);
    for (int64_t r = 0; r < A->n_rows; r++)
        for (int64_t k = A->indptr[r]; k < A->indptr[r + 1]; k++)
            D[r * A->n_cols + A->indices[k]] = A->values[k];
}

void lacus__csr_scale(lacus__csr *A, double s)
{
    for (int64_t k = 0; k < A->nnz; k++) A->values[k] *= s;
}

/* Steps [t0, t0 + 4 * V) of row r of the drive, with the V vectors of four
 * sums held in registers across the row's non-zeros: a plain loop over t
 * loads and stores every sum once per non-zero, and those memory operations,
 * not the multiply-adds, set its speed. Each sum is still one fused
 * multiply-add chain over the row's non-zeros in order, starting from 0, so
 * the result equals the plain loop's bit for bit. */
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define DRIVE_LANES 4
static inline __attribute__((always_inline)) void drive_block(const lacus__csr *A, int64_t r,
                                                              const double *UT, int64_t ldu,
                                                              int64_t t0, double *d, const int V)
{
    __m256d acc[8];
    for (int v = 0; v < V; v++) acc[v] = _mm256_setzero_pd();
    for (int64_t k = A->indptr[r]; k < A->indptr[r + 1]; k++) {
        const __m256d w = _mm256_set1_pd(A->values[k]);
        const double *u = UT + (int64_t)A->indices[k] * ldu + t0;
        for (int v = 0; v < V; v++)
            acc[v] = _mm256_fmadd_pd(w, _mm256_loadu_pd(u + DRIVE_LANES * v), acc[v]);
    }
    for (int v = 0; v < V; v++) _mm256_storeu_pd(d + t0 + DRIVE_LANES * v, acc[v]);
}
#endif

void lacus__csr_times_dense_rows(const lacus__csr *A, const double *UT, int64_t ldu, int64_t n_t,
                                 double *DT, int64_t ldd, int64_t r0, int64_t r1)
{
    for (int64_t r = r0; r < r1; r++) {
        double *restrict d = DT + r * ldd;
        int64_t t0 = 0;
#if defined(__AVX2__) && defined(__FMA__)
        /* Eight vectors (32 steps) hide the multiply-add latency; one
         * vector at a time for what remains, then scalars. */
        for (; t0 + 8 * DRIVE_LANES <= n_t; t0 += 8 * DRIVE_LANES) drive_block(A, r, UT, ldu, t0, d, 8);
        for (; t0 + DRIVE_LANES <= n_t; t0 += DRIVE_LANES) drive_block(A, r, UT, ldu, t0, d, 1);
#endif
        if (t0 == n_t) continue; /* no scalar steps left */
        for (int64_t t = t0; t < n_t; t++) d[t] = 0.0;
        for (int64_t k = A->indptr[r]; k < A->indptr[r + 1]; k++) {
            const double v = A->values[k];
            const double *restrict u = UT + (int64_t)A->indices[k] * ldu;
            for (int64_t t = t0; t < n_t; t++) d[t] = MADD(d[t], v, u[t]);
        }
    }
}
