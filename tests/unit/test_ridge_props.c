/* Properties of the ridge readout that must hold whatever the data:
 * the normal equations (gradient zero), primal = dual = a plain-C
 * Gauss-Jordan solve of the augmented system, the 0.3 augmented bias equal
 * to an explicit constant column, partial_fit splits irrelevant, and the
 * errors for misuse. */
#include <string.h>

#include "core/rng.h"
#include "fixture.h"
#include "test.h"

#define T 80
#define F 12
#define O 3

/* Solves (n x n) A x = b in place by Gauss-Jordan with partial pivoting:
 * the plain reference, independent of LAPACK. */
static void ref_solve(int n, int m, double *A, double *B)
{
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c])) p = r;
        for (int k = 0; k < n; k++) { double t = A[c * n + k]; A[c * n + k] = A[p * n + k]; A[p * n + k] = t; }
        for (int k = 0; k < m; k++) { double t = B[c * m + k]; B[c * m + k] = B[p * m + k]; B[p * m + k] = t; }
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            double f = A[r * n + c] / A[c * n + c];
            for (int k = 0; k < n; k++) A[r * n + k] -= f * A[c * n + k];
            for (int k = 0; k < m; k++) B[r * m + k] -= f * B[c * m + k];
        }
    }
    for (int r = 0; r < n; r++)
        for (int k = 0; k < m; k++) B[r * m + k] /= A[r * n + r];
}

/* Reference answer [b; W] ((F + 1) x O) from the bordered normal equations
 * of [1, x]: [[T, s^T], [s, S]] + lambda * diag(penalise_bias, 1, ..., 1). */
static void bordered_reference(const double *X, const double *Y, double lambda, int penalise_bias,
                               double *B)
{
    static double A[(F + 1) * (F + 1)];
    memset(A, 0, sizeof A);
    memset(B, 0, sizeof(double) * (F + 1) * O);
    for (int t = 0; t < T; t++) {
        double xa[F + 1];
        xa[0] = 1.0;
        memcpy(xa + 1, X + t * F, sizeof(double) * F);
        for (int i = 0; i <= F; i++) {
            for (int j = 0; j <= F; j++) A[i * (F + 1) + j] += xa[i] * xa[j];
            for (int o = 0; o < O; o++) B[i * O + o] += xa[i] * Y[t * O + o];
        }
    }
    for (int i = penalise_bias ? 0 : 1; i <= F; i++) A[i * (F + 1) + i] += lambda;
    ref_solve(F + 1, O, A, B);
}

static lacus_ridge *make(double ridge, lacus_bias_mode b, lacus_solver s, int64_t keep)
{
    lacus_ridge_params p = lacus_ridge_params_default();
    p.n_features = F;
    p.n_outputs = O;
    p.ridge = ridge;
    p.bias = b;
    p.solver = s;
    p.keep_samples = keep;
    lacus_ridge *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_ridge_create(&p, &m, &err), LACUS_OK);
    return m;
}

int main(void)
{
    static double X[T * F], Y[T * O];
    lacus__rng r;
    lacus__rng_seed(&r, 11);
    for (int i = 0; i < T * F; i++) X[i] = lacus__rng_normal(&r) + 0.5;
    for (int i = 0; i < T * O; i++) Y[i] = lacus__rng_normal(&r) + 2.0;
    const double lambda = 0.37;

    TEST("centred: normal equations hold and match a plain Gauss-Jordan solve")
    {
        lacus_ridge *m = make(lambda, LACUS_BIAS_CENTERED, LACUS_SOLVER_PRIMAL, 0);
        CHECK_STATUS(lacus_ridge_partial_fit(m, X, F, Y, O, T), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(m), LACUS_OK);
        double W[F * O], b[O];
        lacus_ridge_get_weights(m, W, b);
        /* Gradient of the loss w.r.t. W and b must vanish:
         * sum_t x_t (x_t^T W + b - y_t) + lambda W = 0, sum_t (x_t^T W + b - y_t) = 0. */
        double gW[F * O] = {0}, gb[O] = {0};
        for (int t = 0; t < T; t++)
            for (int o = 0; o < O; o++) {
                double e = b[o] - Y[t * O + o];
                for (int j = 0; j < F; j++) e += X[t * F + j] * W[j * O + o];
                gb[o] += e;
                for (int j = 0; j < F; j++) gW[j * O + o] += X[t * F + j] * e;
            }
        for (int i = 0; i < F * O; i++) CHECK(fabs(gW[i] + lambda * W[i]) < 1e-10);
        for (int o = 0; o < O; o++) CHECK(fabs(gb[o]) < 1e-10);
        double B[(F + 1) * O];
        bordered_reference(X, Y, lambda, 0, B);
        for (int o = 0; o < O; o++) CHECK_CLOSE(b[o], B[o], 1e-11);
        for (int i = 0; i < F * O; i++) CHECK_CLOSE(W[i], B[O + i], 1e-11);
        lacus_ridge_free(m);
    }
    TEST("augmented (0.3): equals an explicit penalised constant column")
    {
        lacus_ridge *m = make(lambda, LACUS_BIAS_AUGMENTED, LACUS_SOLVER_PRIMAL, 0);
        CHECK_STATUS(lacus_ridge_partial_fit(m, X, F, Y, O, T), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(m), LACUS_OK);
        double W[F * O], b[O];
        lacus_ridge_get_weights(m, W, b);
        double B[(F + 1) * O];
        bordered_reference(X, Y, lambda, 1, B);
        for (int o = 0; o < O; o++) CHECK_CLOSE(b[o], B[o], 1e-11);
        for (int i = 0; i < F * O; i++) CHECK_CLOSE(W[i], B[O + i], 1e-11);
        lacus_ridge_free(m);
    }
    TEST("primal and dual agree for every bias mode on a wide problem; chunking is irrelevant")
    {
        int n = 9; /* fewer samples than the 12 features */
        for (int mode = 0; mode < 3; mode++) {
            lacus_ridge *p = make(lambda, (lacus_bias_mode)mode, LACUS_SOLVER_PRIMAL, 0);
            lacus_ridge *d = make(lambda, (lacus_bias_mode)mode, LACUS_SOLVER_DUAL, n);
            CHECK_STATUS(lacus_ridge_partial_fit(p, X, F, Y, O, n), LACUS_OK);
            for (int t = 0; t < n; t += 4)
                CHECK_STATUS(lacus_ridge_partial_fit(d, X + t * F, F, Y + t * O, O, t + 4 <= n ? 4 : n - t), LACUS_OK);
            CHECK_STATUS(lacus_ridge_solve(p), LACUS_OK);
            CHECK_STATUS(lacus_ridge_solve(d), LACUS_OK);
            CHECK(lacus_ridge_last_solver(d) == LACUS_SOLVER_DUAL);
            double W1[F * O], W2[F * O], b1[O], b2[O];
            lacus_ridge_get_weights(p, W1, b1);
            lacus_ridge_get_weights(d, W2, b2);
            CHECK(test_max_rel_diff(W2, W1, F * O, 1e-300) < 1e-10);
            CHECK(test_max_rel_diff(b2, b1, O, 1e-12) < 1e-10);
            lacus_ridge_free(p);
            lacus_ridge_free(d);
        }
    }
    TEST("solving twice, and after more data, gives the one-shot answer")
    {
        lacus_ridge *a = make(lambda, LACUS_BIAS_CENTERED, LACUS_SOLVER_AUTO, 0);
        lacus_ridge *b = make(lambda, LACUS_BIAS_CENTERED, LACUS_SOLVER_AUTO, 0);
        CHECK_STATUS(lacus_ridge_partial_fit(a, X, F, Y, O, 30), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(a), LACUS_OK);
        CHECK_STATUS(lacus_ridge_partial_fit(a, X + 30 * F, F, Y + 30 * O, O, T - 30), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(a), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(a), LACUS_OK);
        CHECK_STATUS(lacus_ridge_partial_fit(b, X, F, Y, O, T), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(b), LACUS_OK);
        double W1[F * O], W2[F * O];
        lacus_ridge_get_weights(a, W1, NULL);
        lacus_ridge_get_weights(b, W2, NULL);
        CHECK(test_max_rel_diff(W1, W2, F * O, 1e-300) < 1e-12);
        lacus_ridge_free(a);
        lacus_ridge_free(b);
    }
    TEST("misuse is reported")
    {
        lacus_ridge *m = make(lambda, LACUS_BIAS_CENTERED, LACUS_SOLVER_AUTO, 0);
        CHECK_STATUS(lacus_ridge_solve(m), LACUS_ERR_STATE);
        CHECK(strstr(lacus_ridge_errmsg(m), "no samples") != NULL);
        double bad[F * O];
        memcpy(bad, X, sizeof bad);
        bad[5] = NAN;
        CHECK_STATUS(lacus_ridge_partial_fit(m, bad, F, Y, O, 3), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_ridge_errmsg(m), "x[0, 5] is NaN") != NULL);
        CHECK_STATUS(lacus_ridge_partial_fit(m, X, F - 1, Y, O, 3), LACUS_ERR_SHAPE);
        lacus_ridge_free(m);
        lacus_ridge_params p = lacus_ridge_params_default();
        p.n_features = F;
        p.n_outputs = O;
        p.ridge = -1;
        lacus_error err = {0};
        CHECK_STATUS(lacus_ridge_create(&p, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "ridge = -1") != NULL);
        CHECK(m == NULL);
    }
    TEST_MAIN_END();
}
