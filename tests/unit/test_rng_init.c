/* The RNG and the weight initialisers: same seed same numbers, streams
 * independent of each other, moments right; exact non-zero counts; W scaled
 * to the requested spectral radius; different seeds give different W. */
#include <string.h>

#include "core/rng.h"
#include "fixture.h"
#include "nodes/init.h"
#include "test.h"

int main(void)
{
    TEST("same seed, same stream; different purposes differ")
    {
        lacus__rng a, b, c;
        lacus__rng_stream(&a, 42, LACUS__STREAM_W, 0);
        lacus__rng_stream(&b, 42, LACUS__STREAM_W, 0);
        lacus__rng_stream(&c, 42, LACUS__STREAM_WIN, 0);
        int same = 1, diff = 0;
        for (int i = 0; i < 1000; i++) {
            uint64_t x = lacus__rng_u64(&a), y = lacus__rng_u64(&b), z = lacus__rng_u64(&c);
            same &= x == y;
            diff += x != z;
        }
        CHECK(same);
        CHECK(diff > 990);
    }
    TEST("uniform and normal moments")
    {
        lacus__rng r;
        lacus__rng_seed(&r, 1);
        int n = 200000;
        double su = 0, sn = 0, sn2 = 0, sn4 = 0;
        for (int i = 0; i < n; i++) {
            su += lacus__rng_uniform(&r);
            double z = lacus__rng_normal(&r);
            sn += z, sn2 += z * z, sn4 += z * z * z * z;
        }
        /* 5-sigma bands: sd of the mean of U(0,1) is 0.289/sqrt(n). */
        CHECK(fabs(su / n - 0.5) < 5 * 0.289 / sqrt(n));
        CHECK(fabs(sn / n) < 5 / sqrt(n));
        CHECK(fabs(sn2 / n - 1.0) < 5 * sqrt(2.0 / n));
        CHECK(fabs(sn4 / n - 3.0) < 5 * sqrt(96.0 / n));
        uint64_t counts[7] = {0};
        for (int i = 0; i < 70000; i++) counts[lacus__rng_below(&r, 7)]++;
        for (int k = 0; k < 7; k++) CHECK(llabs((long long)counts[k] - 10000) < 500);
    }
    TEST("sparse initialiser: exact count, distinct sorted positions, both density regimes")
    {
        double conns[] = {0.003, 0.1, 0.7, 1.0};
        for (int c = 0; c < 4; c++) {
            lacus__rng r;
            lacus__rng_seed(&r, 3);
            lacus__csr A;
            lacus_error err = {0};
            CHECK_STATUS(lacus__init_sparse(&A, 300, 200, conns[c], LACUS_INIT_BERNOULLI, &r, &err), LACUS_OK);
            CHECK(A.nnz == (int64_t)llround(conns[c] * 300 * 200));
            int ok = 1;
            for (int64_t row = 0; row < 300; row++)
                for (int64_t k = A.indptr[row] + 1; k < A.indptr[row + 1]; k++) ok &= A.indices[k] > A.indices[k - 1];
            for (int64_t k = 0; k < A.nnz; k++) ok &= A.values[k] == 1.0 || A.values[k] == -1.0;
            CHECK(ok);
            lacus__csr_free(&A);
        }
    }
    TEST("created reservoir: W has the requested spectral radius; seeds differ")
    {
        for (int n = 0; n < 2; n++) {
            lacus_reservoir_params p = lacus_reservoir_params_default();
            p.n_units = n ? 700 : 200; /* dense eigen path, then ARPACK (N > 512) */
            p.n_inputs = 4;
            p.sr = 0.95;
            p.rc_connectivity = n ? 0.02 : 0.1;
            p.input_scaling_per_input = (double[]){1, 2, 3, 4};
            lacus_reservoir *r = NULL;
            lacus_error err = {0};
            CHECK_STATUS(lacus_reservoir_create(&p, &r, &err), LACUS_OK);
            int64_t N = p.n_units, nnz = lacus_reservoir_W_nnz(r);
            CHECK(nnz == (int64_t)llround(p.rc_connectivity * N * N));
            double *W = calloc((size_t)(N * N), sizeof *W), rho = 0;
            lacus_reservoir_get_W(r, W);
            CHECK_STATUS(lacus_spectral_radius_dense(N, W, &rho, &err), LACUS_OK);
            CHECK_CLOSE(rho, 0.95, 1e-8);
            /* Win columns scaled per input: |entries| of column j are j+1. */
            double *Win = calloc((size_t)(N * 4), sizeof *Win);
            lacus_reservoir_get_Win(r, Win);
            int ok = 1;
            for (int64_t i = 0; i < N * 4; i++) ok &= Win[i] == 0 || fabs(Win[i]) == (double)(i % 4 + 1);
            CHECK(ok);
            lacus_reservoir_params q = p;
            q.seed = 43;
            lacus_reservoir *r2 = NULL;
            CHECK_STATUS(lacus_reservoir_create(&q, &r2, &err), LACUS_OK);
            double *W2 = calloc((size_t)(N * N), sizeof *W2);
            lacus_reservoir_get_W(r2, W2);
            CHECK(memcmp(W, W2, (size_t)(N * N) * sizeof *W) != 0);
            lacus_reservoir_free(r2);
            lacus_reservoir_create(&p, &r2, &err);
            lacus_reservoir_get_W(r2, W2);
            CHECK(memcmp(W, W2, (size_t)(N * N) * sizeof *W) == 0);
            lacus_reservoir_free(r2);
            free(W);
            free(W2);
            free(Win);
            lacus_reservoir_free(r);
        }
    }
    TEST("ARPACK converges when the largest eigenvalues are clustered")
    {
        /* With this seed 80 Arnoldi vectors do not converge within their
         * restart budget, so the solver must widen its Krylov space (found by
         * scanning seeds; 2 of 400 at this size do this). */
        lacus_reservoir_params p = lacus_reservoir_params_default();
        p.n_units = 600;
        p.n_inputs = 1;
        p.sr = 1.0;
        p.rc_connectivity = 0.05;
        p.seed = 264;
        lacus_reservoir *r = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_reservoir_create(&p, &r, &err), LACUS_OK);
        int64_t N = p.n_units;
        double *W = calloc((size_t)(N * N), sizeof *W), rho_dense = 0, rho_arpack = 0;
        int64_t *indptr = calloc((size_t)N + 1, sizeof *indptr);
        int64_t *indices = calloc((size_t)lacus_reservoir_W_nnz(r), sizeof *indices);
        double *values = calloc((size_t)lacus_reservoir_W_nnz(r), sizeof *values);
        lacus_reservoir_get_W(r, W);
        for (int64_t i = 0, k = 0; i < N; i++) {
            for (int64_t j = 0; j < N; j++)
                if (W[i * N + j] != 0) indices[k] = j, values[k++] = W[i * N + j];
            indptr[i + 1] = k;
        }
        CHECK_STATUS(lacus_spectral_radius_dense(N, W, &rho_dense, &err), LACUS_OK);
        CHECK_CLOSE(rho_dense, 1.0, 1e-8);
        CHECK_STATUS(lacus_spectral_radius_csr(N, indptr, indices, values, &rho_arpack, &err),
                     LACUS_OK);
        CHECK_CLOSE(rho_arpack, rho_dense, 1e-10);
        free(W);
        free(indptr);
        free(indices);
        free(values);
        lacus_reservoir_free(r);
    }
    TEST_MAIN_END();
}
