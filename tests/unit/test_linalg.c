/* Fast kernels against their plain-C references: dsyrk/dgemm against the
 * reference loops, the CSR products against dense arithmetic, and the
 * symmetric solve on a positive definite and on an indefinite matrix (which
 * must take the Bunch-Kaufman fallback and still be right). */
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "linalg/blas.h"
#include "linalg/csr.h"
#include "linalg/solve.h"
#include "linalg/tiled.h"
#include "lacus.h"
#include "test.h"

static void fill(double *a, int64_t n, lacus__rng *r)
{
    for (int64_t i = 0; i < n; i++) a[i] = lacus__rng_normal(r);
}

int main(void)
{
    lacus__rng rng;
    lacus__rng_seed(&rng, 7);
    TEST("dsyrk and dgemm equal the reference loops")
    {
        int64_t k = 37, n = 23, m = 5;
        double A[37 * 23], B[37 * 5], C1[23 * 23] = {0}, C2[23 * 23] = {0}, D1[23 * 5] = {0}, D2[23 * 5] = {0};
        fill(A, k * n, &rng);
        fill(B, k * m, &rng);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)k, 1.0, A, (int)n, 1.0, C1, (int)n);
        lacus__ref_syrk_upper_at_a(n, k, A, n, C2, n);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = i; j < n; j++) CHECK_CLOSE(C1[i * n + j], C2[i * n + j], 1e-13);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)m, (int)k, 1.0, A, (int)n, B,
                    (int)m, 1.0, D1, (int)m);
        lacus__ref_gemm_at_b(n, m, k, A, n, B, m, D2, m);
        CHECK(test_max_rel_diff(D1, D2, n * m, 1e-300) < 1e-13);
    }
    TEST("CSR matvec and sparse-times-dense equal dense arithmetic")
    {
        int64_t R = 17, Cn = 11, T = 9;
        double D[17 * 11], x[11], y[17], yref[17], UT[11 * 9], DT[17 * 9];
        fill(D, R * Cn, &rng);
        for (int64_t i = 0; i < R * Cn; i++)
            if (lacus__rng_uniform(&rng) < 0.6) D[i] = 0.0;
        fill(x, Cn, &rng);
        fill(UT, Cn * T, &rng);
        lacus__csr A;
        lacus_error err = {0};
        CHECK_STATUS(lacus__csr_from_dense(&A, R, Cn, D, &err), LACUS_OK);
        lacus__csr_matvec_rows(&A, x, y, 0, R);
        lacus__csr_times_dense_rows(&A, UT, T, T, DT, T, 0, R);
        for (int64_t r = 0; r < R; r++) {
            yref[r] = 0;
            for (int64_t c = 0; c < Cn; c++) yref[r] += D[r * Cn + c] * x[c];
            CHECK_CLOSE(y[r], yref[r], 1e-14);
            for (int64_t t = 0; t < T; t++) {
                double s = 0;
                for (int64_t c = 0; c < Cn; c++) s += D[r * Cn + c] * UT[c * T + t];
                CHECK_CLOSE(DT[r * T + t], s, 1e-14);
            }
        }
        double back[17 * 11];
        lacus__csr_to_dense(&A, back);
        CHECK(memcmp(back, D, sizeof D) == 0);
        lacus__csr_free(&A);
    }
    TEST("sparse-times-dense: register-blocked steps equal the plain fused loop bit for bit")
    {
        /* 45 steps = one block of 32, three vectors of 4 and one scalar;
         * row strides wider than the step count, as the reservoir uses. */
        int64_t R = 13, Cn = 29, T = 45, ldu = 64, ldd = 50;
        double D[13 * 29], UT[29 * 64], DT[13 * 50], ref[13 * 50];
        fill(D, R * Cn, &rng);
        for (int64_t i = 0; i < R * Cn; i++)
            if (lacus__rng_uniform(&rng) < 0.7) D[i] = 0.0;
        fill(UT, Cn * ldu, &rng);
        lacus__csr A;
        lacus_error err = {0};
        CHECK_STATUS(lacus__csr_from_dense(&A, R, Cn, D, &err), LACUS_OK);
        lacus__csr_times_dense_rows(&A, UT, ldu, T, DT, ldd, 0, R);
        for (int64_t r = 0; r < R; r++)
            for (int64_t t = 0; t < T; t++) {
                double s = 0.0;
                for (int64_t k = A.indptr[r]; k < A.indptr[r + 1]; k++) {
#ifdef __FMA__
                    s = fma(A.values[k], UT[A.indices[k] * ldu + t], s);
#else
                    s += A.values[k] * UT[A.indices[k] * ldu + t];
#endif
                }
                ref[r * ldd + t] = s;
            }
        int same = 1;
        for (int64_t r = 0; r < R; r++)
            same &= memcmp(DT + r * ldd, ref + r * ldd, (size_t)T * sizeof *DT) == 0;
        CHECK(same);
        lacus__csr_free(&A);
    }
    TEST("CSR arrays are validated")
    {
        int64_t ip[3] = {0, 2, 3}, ix_bad[3] = {1, 0, 0}, ix_out[3] = {0, 5, 0};
        double v[3] = {1, 2, 3};
        lacus__csr A;
        lacus_error err = {0};
        CHECK_STATUS(lacus__csr_from_arrays(&A, 2, 2, 3, ip, ix_bad, v, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "strictly increasing") != NULL);
        CHECK_STATUS(lacus__csr_from_arrays(&A, 2, 2, 3, ip, ix_out, v, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "outside") != NULL);
        /* a first row that overshoots nnz (found by fuzz_model: read past
         * indices under ASan before the second row showed the decrease) */
        const int64_t ip_over[3] = {0, 5, 1}, ix_one[1] = {0};
        CHECK_STATUS(lacus__csr_from_arrays(&A, 2, 2, 1, ip_over, ix_one, v, &err), LACUS_ERR_FORMAT);
        CHECK(strstr(err.msg, "decreases at row 1") != NULL);
    }
    TEST("symmetric solve: Cholesky for SPD, fallback for indefinite")
    {
        /* SPD: A = M^T M + I. */
        int64_t n = 6, m = 2;
        double M[36], A[36] = {0}, diag[6], B[12], X[12], Aorig[36];
        fill(M, 36, &rng);
        lacus__ref_syrk_upper_at_a(n, n, M, n, A, n);
        for (int64_t i = 0; i < n; i++) A[i * n + i] += 1.0;
        lacus__symmetrize_upper(n, A, n);
        memcpy(Aorig, A, sizeof A);
        fill(B, n * m, &rng);
        memcpy(X, B, sizeof B);
        for (int64_t i = 0; i < n; i++) diag[i] = A[i * n + i];
        int fb = -1;
        lacus_error err = {0};
        CHECK_STATUS(lacus__sym_solve(n, m, A, n, diag, NULL, NULL, X, &fb, &err), LACUS_OK);
        CHECK(fb == 0);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < m; j++) {
                double s = 0;
                for (int64_t k = 0; k < n; k++) s += Aorig[i * n + k] * X[k * m + j];
                CHECK_CLOSE(s, B[i * m + j], 1e-12);
            }
        /* Indefinite: [[1, 2], [2, 1]] x = [3, 3] -> x = [1, 1]. */
        double S[4] = {1, 2, 2, 1}, sd[2] = {1, 1}, rhs[2] = {3, 3};
        CHECK_STATUS(lacus__sym_solve(2, 1, S, 2, sd, NULL, NULL, rhs, &fb, &err), LACUS_OK);
        CHECK(fb == 1);
        CHECK_CLOSE(rhs[0], 1.0, 1e-14);
        CHECK_CLOSE(rhs[1], 1.0, 1e-14);
        /* Singular: a clear error, no garbage. */
        double Z[4] = {1, 1, 1, 1}, zd[2] = {1, 1}, zr[2] = {1, 2};
        CHECK_STATUS(lacus__sym_solve(2, 1, Z, 2, zd, NULL, NULL, zr, &fb, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "singular") != NULL);
    }
    TEST("tiled syrk, gemm, Cholesky and solve: equal to the references, same with 1 and 2 threads")
    {
        /* 600 > 256 so every kernel runs over several tiles. */
        int64_t n = 600, k = 300, m = 70;
        double *A = malloc(sizeof(double) * k * n), *B = malloc(sizeof(double) * k * m);
        double *C[2], *D[2], *L[2], *X[2];
        fill(A, k * n, &rng);
        fill(B, k * m, &rng);
        for (int th = 0; th < 2; th++) {
            lacus_set_num_threads(th + 1);
            C[th] = calloc((size_t)(n * n), sizeof(double));
            D[th] = calloc((size_t)(n * m), sizeof(double));
            lacus__tiled_syrk_upper(n, k, A, n, 1, C[th], n);
            lacus__tiled_gemm_at_b(n, m, k, A, n, B, m, D[th], m);
            /* SPD system from C: L L^T = C + n I (column-major lower = row-major upper). */
            L[th] = malloc(sizeof(double) * n * n);
            memcpy(L[th], C[th], sizeof(double) * n * n);
            for (int64_t i = 0; i < n; i++) L[th][i * n + i] += (double)n;
            CHECK(lacus__tiled_potrf(n, L[th], n) == 0);
            X[th] = malloc(sizeof(double) * n * m); /* column-major n x m: D transposed */
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < m; j++) X[th][j * n + i] = D[th][i * m + j];
            lacus__tiled_potrs(n, m, L[th], n, X[th], n);
        }
        lacus_set_num_threads(2);
        CHECK(memcmp(C[0], C[1], sizeof(double) * n * n) == 0);
        CHECK(memcmp(D[0], D[1], sizeof(double) * n * m) == 0);
        CHECK(memcmp(L[0], L[1], sizeof(double) * n * n) == 0);
        CHECK(memcmp(X[0], X[1], sizeof(double) * n * m) == 0);
        double *Cr = calloc((size_t)(n * n), sizeof(double)), *Dr = calloc((size_t)(n * m), sizeof(double));
        lacus__ref_syrk_upper_at_a(n, k, A, n, Cr, n);
        lacus__ref_gemm_at_b(n, m, k, A, n, B, m, Dr, m);
        double dc = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = i; j < n; j++) dc = fmax(dc, fabs(C[0][i * n + j] - Cr[i * n + j]));
        CHECK(dc < 1e-11);
        CHECK(test_max_rel_diff(D[0], Dr, n * m, 1e-300) < 1e-13);
        /* Residual of the solve: (C + n I) X = D. */
        double res = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < m; j++) {
                double s = (double)n * X[0][j * n + i];
                for (int64_t q = 0; q < n; q++) {
                    double cq = q >= i ? C[0][i * n + q] : C[0][q * n + i];
                    s += cq * X[0][j * n + q];
                }
                res = fmax(res, fabs(s - D[0][i * m + j]));
            }
        CHECK(res < 1e-9);
        /* A matrix that is not positive definite is reported at the right column. */
        double *Z = calloc((size_t)(n * n), sizeof(double));
        for (int64_t i = 0; i < n; i++) Z[i * n + i] = i == 300 ? -1.0 : 1.0;
        CHECK(lacus__tiled_potrf(n, Z, n) == 301);
        for (int th = 0; th < 2; th++) free(C[th]), free(D[th]), free(L[th]), free(X[th]);
        free(Cr), free(Dr), free(Z), free(A), free(B);
    }
    TEST_MAIN_END();
}
