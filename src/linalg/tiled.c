#include "linalg/tiled.h"

#include <math.h>
#include <lapacke.h>
#include <omp.h>

#include "linalg/blas.h"

#define TILE 256

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Makes BLAS calls from this task single-threaded: OpenMP OpenBLAS sizes its
 * team by omp_get_max_threads(), a per-task setting, and in a team of one
 * thread (lacus_set_num_threads(1)) omp_in_parallel() is false, so without
 * this it could still start threads and change the rounding. */
#define ONE_BLAS_THREAD() omp_set_num_threads(1)

/* The p-th pair (i, j), j <= i, of a lower-triangular enumeration of tiles. */
static void tile_pair(int64_t p, int64_t *i, int64_t *j)
{
    int64_t r = (int64_t)((sqrt(8.0 * (double)p + 1.0) - 1.0) / 2.0);
    while (r * (r + 1) / 2 > p) r--;
    while ((r + 1) * (r + 2) / 2 <= p) r++;
    *i = r;
    *j = p - r * (r + 1) / 2;
}

void lacus__tiled_syrk_upper(int64_t n, int64_t k, const double *A, int64_t lda, int trans,
                             double *C, int64_t ldc)
{
    int64_t tiles = (n + TILE - 1) / TILE, pairs = tiles * (tiles + 1) / 2;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t p = 0; p < pairs; p++) {
        ONE_BLAS_THREAD();
        int64_t bi, bj; /* bj <= bi: the tile (bj, bi) of the upper triangle */
        tile_pair(p, &bi, &bj);
        int64_t r0 = bj * TILE, c0 = bi * TILE;
        int64_t mr = min64(TILE, n - r0), mc = min64(TILE, n - c0);
        /* Columns r0.. of A (trans) or rows r0.. (not trans). */
        const double *Ar = trans ? A + r0 : A + r0 * lda, *Ac = trans ? A + c0 : A + c0 * lda;
        if (bi == bj)
            cblas_dsyrk(CblasRowMajor, CblasUpper, trans ? CblasTrans : CblasNoTrans, (int)mr,
                        (int)k, 1.0, Ar, (int)lda, 1.0, C + r0 * ldc + r0, (int)ldc);
        else
            cblas_dgemm(CblasRowMajor, trans ? CblasTrans : CblasNoTrans,
                        trans ? CblasNoTrans : CblasTrans, (int)mr, (int)mc, (int)k, 1.0, Ar,
                        (int)lda, Ac, (int)lda, 1.0, C + r0 * ldc + c0, (int)ldc);
    }
}

void lacus__tiled_syrk_upper_f32(int64_t n, int64_t k, const float *A, int64_t lda, double *C,
                                 int64_t ldc)
{
    int64_t tiles = (n + TILE - 1) / TILE, pairs = tiles * (tiles + 1) / 2;
#pragma omp parallel
    {
        float T[TILE * TILE]; /* one tile of A^T A in single precision */
#pragma omp for schedule(dynamic, 1)
        for (int64_t p = 0; p < pairs; p++) {
            ONE_BLAS_THREAD();
            int64_t bi, bj;
            tile_pair(p, &bi, &bj);
            int64_t r0 = bj * TILE, c0 = bi * TILE;
            int64_t mr = min64(TILE, n - r0), mc = min64(TILE, n - c0);
            if (bi == bj)
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)mr, (int)k, 1.0f, A + r0,
                            (int)lda, 0.0f, T, TILE);
            else
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)mr, (int)mc, (int)k,
                            1.0f, A + r0, (int)lda, A + c0, (int)lda, 0.0f, T, TILE);
            for (int64_t i = 0; i < mr; i++)
                for (int64_t j = (bi == bj ? i : 0); j < mc; j++)
                    C[(r0 + i) * ldc + c0 + j] += (double)T[i * TILE + j];
        }
    }
}

void lacus__tiled_gemm_at_b(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                            const double *B, int64_t ldb, double *C, int64_t ldc)
{
    int64_t tiles = (m + TILE - 1) / TILE;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t t = 0; t < tiles; t++) {
        ONE_BLAS_THREAD();
        int64_t i0 = t * TILE, mb = min64(TILE, m - i0);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)mb, (int)n, (int)k, 1.0, A + i0,
                    (int)lda, B, (int)ldb, 1.0, C + i0 * ldc, (int)ldc);
    }
}

void lacus__tiled_gemm_at_b_f32(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda,
                                const float *B, int64_t ldb, double *C, int64_t ldc)
{
    int64_t row_tiles = (m + TILE - 1) / TILE, col_tiles = (n + TILE - 1) / TILE;
#pragma omp parallel
    {
        float T[TILE * TILE]; /* one tile of A^T B in single precision */
#pragma omp for schedule(dynamic, 1)
        for (int64_t p = 0; p < row_tiles * col_tiles; p++) {
            ONE_BLAS_THREAD();
            int64_t i0 = p / col_tiles * TILE, j0 = p % col_tiles * TILE;
            int64_t mr = min64(TILE, m - i0), mc = min64(TILE, n - j0);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)mr, (int)mc, (int)k, 1.0f,
                        A + i0, (int)lda, B + j0, (int)ldb, 0.0f, T, TILE);
            for (int64_t i = 0; i < mr; i++)
                for (int64_t j = 0; j < mc; j++) C[(i0 + i) * ldc + j0 + j] += (double)T[i * TILE + j];
        }
    }
}

void lacus__tiled_gemm(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                       const double *B, int64_t ldb, double beta, double *C, int64_t ldc)
{
    int64_t tiles = (m + TILE - 1) / TILE;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t t = 0; t < tiles; t++) {
        ONE_BLAS_THREAD();
        int64_t i0 = t * TILE, mb = min64(TILE, m - i0);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)mb, (int)n, (int)k, 1.0,
                    A + i0 * lda, (int)lda, B, (int)ldb, beta, C + i0 * ldc, (int)ldc);
    }
}

/* Cholesky of one diagonal block (column-major, lower) by LAPACK on a single
 * BLAS thread, so its rounding does not depend on the thread count. It is on
 * the critical path (the other threads wait for it), and a plain C loop
 * walking columns lda apart made the factorisation of N = 10,000 take 7.1 s
 * against LAPACK's 5.1 s. */
static int64_t potrf_block(int64_t n, double *A, int64_t lda)
{
    int saved = lacus__blas_serial_begin();
    lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, A, (lapack_int)lda);
    lacus__blas_serial_end(saved);
    return info < 0 ? 1 : (int64_t)info;
}

int64_t lacus__tiled_potrf(int64_t n, double *A, int64_t lda)
{
    for (int64_t k = 0; k < n; k += TILE) {
        int64_t kb = min64(TILE, n - k), rest = n - k - kb;
        double *A11 = A + k + k * lda;
        int64_t info = potrf_block(kb, A11, lda);
        if (info) return k + info;
        if (rest == 0) break;
        int64_t tiles = (rest + TILE - 1) / TILE;
        double *A21 = A + (k + kb) + k * lda;
        /* Panel: A21 <- A21 L11^-T, row tiles independent. */
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t t = 0; t < tiles; t++) {
            ONE_BLAS_THREAD();
            int64_t mb = min64(TILE, rest - t * TILE);
            cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)mb,
                        (int)kb, 1.0, A11, (int)lda, A21 + t * TILE, (int)lda);
        }
        /* Trailing update A22 -= A21 A21^T, one column of tiles per task:
         * dsyrk on its diagonal tile, one tall dgemm below it. Fewer, larger
         * calls than tile by tile (N = 10,000 on 2 threads: 6.1 s instead of
         * 6.9-7.1 s; LAPACK's threaded dpotrf: 4.0-5.1 s), and the partition is still fixed, so the rounding does
         * not depend on the thread count. The first columns are the
         * largest, so the dynamic schedule balances them. */
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t j = 0; j < tiles; j++) {
            ONE_BLAS_THREAD();
            int64_t j0 = j * TILE, mj = min64(TILE, rest - j0), below = rest - j0 - mj;
            double *Cjj = A + (k + kb + j0) + (k + kb + j0) * lda;
            const double *Aj = A21 + j0;
            cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)mj, (int)kb, -1.0, Aj,
                        (int)lda, 1.0, Cjj, (int)lda);
            if (below > 0)
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)below, (int)mj, (int)kb,
                            -1.0, Aj + mj, (int)lda, Aj, (int)lda, 1.0, Cjj + mj, (int)lda);
        }
    }
    return 0;
}

void lacus__tiled_potrs(int64_t n, int64_t m, const double *L, int64_t lda, double *B,
                        int64_t ldb)
{
    /* Right-hand sides per task: a quarter of them, 64 to 512, rounded up
     * to 16. It depends on m only, so the rounding does not depend on the
     * thread count. dtrsm's rate grows with the width (N = 4,000, one
     * thread: 29 GFLOP/s at 64 columns, 38 at 192, 42 at 768), and four
     * tasks still keep two threads evenly busy. */
    int64_t W = (m + 3) / 4;
    W = W < 64 ? 64 : W > 512 ? 512 : (W + 15) / 16 * 16;
    int64_t tiles = (m + W - 1) / W;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t t = 0; t < tiles; t++) {
        ONE_BLAS_THREAD();
        int64_t wb = min64(W, m - t * W);
        double *Bt = B + t * W * ldb;
        cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n,
                    (int)wb, 1.0, L, (int)lda, Bt, (int)ldb);
        cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)n,
                    (int)wb, 1.0, L, (int)lda, Bt, (int)ldb);
    }
}
