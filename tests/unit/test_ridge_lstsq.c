/* The ridge readout's least-squares solver (LACUS_SOLVER_LSTSQ,
 * src/nodes/ridge_lstsq.c): against NumPy's lstsq on an ill-conditioned
 * problem (tests/ref/make_ridge_lstsq_fixtures.py), against the Cholesky
 * solve where that one is accurate, and its errors. */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

static lacus_ridge *fit(const double *X, const double *Y, int64_t n, int64_t F, int64_t O,
                        lacus_bias_mode bias, double ridge, lacus_solver solver, int64_t keep,
                        lacus_status *st)
{
    lacus_ridge_params p = lacus_ridge_params_default();
    p.n_features = F, p.n_outputs = O, p.ridge = ridge, p.bias = bias, p.solver = solver;
    p.keep_samples = keep;
    lacus_ridge *r = NULL;
    lacus_error err = {0};
    if ((*st = lacus_ridge_create(&p, &r, &err))) return NULL;
    /* In two chunks: keeping must collect both. */
    int64_t h = n / 2;
    if ((*st = lacus_ridge_partial_fit(r, X, F, Y, O, h)) ||
        (*st = lacus_ridge_partial_fit(r, X + h * F, F, Y + h * O, O, n - h)))
        return r;
    *st = lacus_ridge_solve(r);
    return r;
}

int main(void)
{
    lacus_npz *z = fx_open("force4/ridge_lstsq.npz");
    lacus_ndarray Xa = fx_get(z, "X"), Ya = fx_get(z, "Y");
    const double *X = Xa.data, *Y = Ya.data;
    const int64_t F = Xa.shape[1], O = Ya.shape[1];
    int64_t n_cases = (int64_t)fx_scalar(z, "n_cases");
    printf("cond(Xc) = %.3g\n", fx_scalar(z, "cond"));

    TEST("lstsq equals NumPy lstsq") {
        for (int64_t k = 0; k < n_cases; k++) {
            char name[32];
            snprintf(name, sizeof name, "W%lld", (long long)k);
            lacus_ndarray Wr = fx_get(z, name);
            snprintf(name, sizeof name, "b%lld", (long long)k);
            lacus_ndarray br = fx_get(z, name);
            snprintf(name, sizeof name, "bias%lld", (long long)k);
            lacus_bias_mode bias = (lacus_bias_mode)fx_scalar(z, name);
            snprintf(name, sizeof name, "ridge%lld", (long long)k);
            double ridge = fx_scalar(z, name);
            snprintf(name, sizeof name, "n%lld", (long long)k);
            int64_t n = (int64_t)fx_scalar(z, name);
            lacus_status st;
            lacus_ridge *r = fit(X, Y, n, F, O, bias, ridge, LACUS_SOLVER_LSTSQ, n, &st);
            CHECK_STATUS(st, LACUS_OK);
            CHECK(lacus_ridge_last_solver(r) == LACUS_SOLVER_LSTSQ);
            double W[64], b[4], wmax = 0.0, dw = 0.0, db = 0.0, dfit = 0.0, ymax = 0.0;
            lacus_ridge_get_weights(r, W, b);
            const double *WR = Wr.data, *BR = br.data;
            for (int64_t i = 0; i < F * O; i++) {
                wmax = fmax(wmax, fabs(WR[i]));
                dw = fmax(dw, fabs(W[i] - WR[i]));
            }
            for (int64_t o = 0; o < O; o++) db = fmax(db, fabs(b[o] - BR[o]));
            /* Fitted values on the training rows, both ways. */
            for (int64_t t = 0; t < n; t++)
                for (int64_t o = 0; o < O; o++) {
                    double a = b[o], c = BR[o];
                    for (int64_t j = 0; j < F; j++) {
                        a += X[t * F + j] * W[j * O + o];
                        c += X[t * F + j] * WR[j * O + o];
                    }
                    dfit = fmax(dfit, fabs(a - c));
                    ymax = fmax(ymax, fabs(Y[t * O + o]));
                }
            printf("case %lld (bias %s, ridge %g, %lld rows): max |dW|/max|W| %.3g, |db| %.3g, "
                   "fitted values %.3g\n", (long long)k, lacus_bias_mode_name(bias), ridge,
                   (long long)n, dw / wmax, db, dfit / ymax);
            /* Two SVD solves of the same matrix (LAPACK dgelsd here and in
             * NumPy, different BLAS builds) differ by about cond * eps =
             * 1.7e7 * 2.2e-16 = 4e-9 in W; the fitted values are
             * well-conditioned. */
            CHECK(dw <= 1e-7 * wmax);
            CHECK(db <= 1e-7 * (1.0 + wmax));
            CHECK(dfit <= 1e-11 * ymax);
            lacus_ridge_free(r);
            lacus_ndarray_free(&Wr);
            lacus_ndarray_free(&br);
        }
    }

    TEST("lstsq and Cholesky agree where the normal equations are accurate") {
        /* Only the first 4 (independent) columns: cond ~ 1, so both
         * solves are exact to rounding. */
        double X4[60 * 4], W1[8], W2[8], b1[2], b2[2];
        for (int t = 0; t < 60; t++) memcpy(X4 + t * 4, X + t * F, 4 * sizeof(double));
        for (int bias = 0; bias < 3; bias++) {
            lacus_status st;
            lacus_ridge *r1 = fit(X4, Y, 60, 4, O, (lacus_bias_mode)bias, 0.5,
                                  LACUS_SOLVER_PRIMAL, 0, &st);
            CHECK_STATUS(st, LACUS_OK);
            lacus_ridge *r2 = fit(X4, Y, 60, 4, O, (lacus_bias_mode)bias, 0.5,
                                  LACUS_SOLVER_LSTSQ, 100, &st);
            CHECK_STATUS(st, LACUS_OK);
            lacus_ridge_get_weights(r1, W1, b1);
            lacus_ridge_get_weights(r2, W2, b2);
            double d = 0.0;
            for (int i = 0; i < 8; i++) d = fmax(d, fabs(W1[i] - W2[i]));
            for (int i = 0; i < 2; i++) d = fmax(d, fabs(b1[i] - b2[i]));
            printf("bias %s: primal vs lstsq max |diff| %.3g\n",
                   lacus_bias_mode_name((lacus_bias_mode)bias), d);
            CHECK(d <= 1e-12);
            lacus_ridge_free(r1);
            lacus_ridge_free(r2);
        }
    }

    TEST("lstsq needs every sample kept") {
        lacus_status st;
        lacus_ridge *r = fit(X, Y, 60, F, O, LACUS_BIAS_CENTERED, 0.0, LACUS_SOLVER_LSTSQ, 40, &st);
        CHECK_STATUS(st, LACUS_ERR_STATE);
        CHECK(strstr(lacus_ridge_errmsg(r), "lstsq") && strstr(lacus_ridge_errmsg(r), "keep_samples"));
        printf("message: %s\n", lacus_ridge_errmsg(r));
        lacus_ridge_free(r);
        r = fit(X, Y, 60, F, O, LACUS_BIAS_CENTERED, 0.0, LACUS_SOLVER_LSTSQ, 0, &st);
        CHECK_STATUS(st, LACUS_ERR_STATE);
        lacus_ridge_free(r);
        lacus_solver s;
        CHECK_STATUS(lacus_solver_parse("lstsq", &s), LACUS_OK);
        CHECK(s == LACUS_SOLVER_LSTSQ);
        CHECK(strcmp(lacus_solver_name(LACUS_SOLVER_LSTSQ), "lstsq") == 0);
    }

    lacus_ndarray_free(&Xa);
    lacus_ndarray_free(&Ya);
    lacus_npz_close(z);
    TEST_MAIN_END();
}
