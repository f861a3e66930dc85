/* Online readouts (RLS, LMS): ReservoirPy 0.4.2 fixtures, the RLS = ridge
 * identity, and bad input / divergence with their messages. */
#include <string.h>

#include "fixture.h"
#include "test.h"

static const char *CASES[] = {"rls_bias", "rls_forget", "rls_nobias", "lms_bias", "lms_nobias"};

/* Step through one fixture; returns the largest relative difference seen. */
static double run_fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "online/%s.npz", name);
    lacus_npz *z = fx_open(rel);
    lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y"), prior = fx_get(z, "prior");
    lacus_ndarray rpy = fx_get(z, "rpy_pred"), Wh = fx_get(z, "W_hist"), bh = fx_get(z, "b_hist");
    const int64_t T = X.shape[0], F = X.shape[1], O = Y.shape[1];
    const double *x = X.data, *y = Y.data, *pr = prior.data, *rp = rpy.data, *W_ref = Wh.data,
                 *b_ref = bh.data;

    lacus_online_params p = lacus_online_params_default();
    p.n_features = F;
    p.n_outputs = O;
    p.method = name[0] == 'r' ? LACUS_ONLINE_RLS : LACUS_ONLINE_LMS;
    p.alpha = fx_scalar(z, "alpha");
    p.forgetting = fx_scalar(z, "forgetting");
    p.fit_bias = fx_scalar(z, "fit_bias") != 0.0;
    lacus_online *m = NULL, *whole = NULL;
    CHECK_STATUS(lacus_online_create(&p, &m, NULL), LACUS_OK);
    CHECK_STATUS(lacus_online_create(&p, &whole, NULL), LACUS_OK);

    double *W = calloc((size_t)(F * O), sizeof(double)), *b = calloc((size_t)O, sizeof(double));
    double *b_prev = calloc((size_t)O, sizeof(double)), *yh = calloc((size_t)O, sizeof(double));
    double *yh_all = calloc((size_t)(T * O), sizeof(double));
    double dmax = 0.0, d;
    for (int64_t t = 0; t < T; t++) {
        CHECK_STATUS(lacus_online_step(m, x + t * F, y + t * O, yh), LACUS_OK);
        lacus_online_get_weights(m, W, b);
        if ((d = test_max_rel_diff(yh, pr + t * O, (long)O, 1.0)) > dmax) dmax = d;
        if ((d = test_max_rel_diff(W, W_ref + t * F * O, (long)(F * O), 1.0)) > dmax) dmax = d;
        if ((d = test_max_rel_diff(b, b_ref + t * O, (long)O, 1.0)) > dmax) dmax = d;
        /* ReservoirPy returns x^T W_after + b_before. */
        for (int64_t j = 0; j < O; j++) {
            double r = b_prev[j];
            for (int64_t i = 0; i < F; i++) r += x[t * F + i] * W[i * O + j];
            yh[j] = r;
        }
        if ((d = test_max_rel_diff(yh, rp + t * O, (long)O, 1.0)) > dmax) dmax = d;
        memcpy(b_prev, b, (size_t)O * sizeof(double));
    }
    CHECK(lacus_online_n_steps(m) == T);
    /* One partial_fit call gives the same predictions and weights. */
    CHECK_STATUS(lacus_online_partial_fit(whole, x, F, y, O, T, yh_all), LACUS_OK);
    if ((d = test_max_rel_diff(yh_all, pr, (long)(T * O), 1.0)) > dmax) dmax = d;
    lacus_online_get_weights(whole, W, b);
    if ((d = test_max_rel_diff(W, W_ref + (T - 1) * F * O, (long)(F * O), 1.0)) > dmax) dmax = d;
    /* predict uses the final weights: x_T W + b. */
    CHECK_STATUS(lacus_online_predict(whole, x, F, 1, yh, O), LACUS_OK);
    for (int64_t j = 0; j < O; j++) {
        double r = b[j];
        for (int64_t i = 0; i < F; i++) r += x[i] * W[i * O + j];
        CHECK_CLOSE(yh[j], r, 1e-12);
    }
    printf("%-11s T=%lld F=%lld O=%lld: max relative difference vs ReservoirPy %.3g\n", name,
           (long long)T, (long long)F, (long long)O, dmax);
    free(W), free(b), free(b_prev), free(yh), free(yh_all);
    lacus_online_free(m);
    lacus_online_free(whole);
    lacus_ndarray_free(&X), lacus_ndarray_free(&Y), lacus_ndarray_free(&prior);
    lacus_ndarray_free(&rpy), lacus_ndarray_free(&Wh), lacus_ndarray_free(&bh);
    lacus_npz_close(z);
    return dmax;
}

/* Deterministic data without depending on the library's RNG. */
static double lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

int main(void)
{
    TEST("ReservoirPy 0.4.2 fixtures")
    {
        for (size_t c = 0; c < sizeof CASES / sizeof *CASES; c++)
            CHECK(run_fixture(CASES[c]) <= 1e-8);
    }

    /* RLS from W = 0, P(0) = I/beta, lambda = 1, no bias: by the matrix
     * inversion lemma P_T = (beta I + X^T X)^-1 and W_T = P_T X^T Y, so
     *   W_T = (X^T X + beta I)^-1 X^T Y     = ridge(beta), LACUS_BIAS_NONE.
     * With x' = (1, x) (a constant feature the RLS penalises through P like
     * any other), the same identity gives ridge on [1 X] with every weight
     * penalised = ridge(beta), LACUS_BIAS_AUGMENTED, b = W'[0, :].
     * ReservoirPy's own fit_bias is a running mean outside P, so it has no
     * ridge counterpart and is not tested here. */
    TEST("RLS equals ridge")
    {
        enum { T = 60, F = 5, O = 2 };
        const double beta = 0.3;
        static double x[T * F], xa[T * (F + 1)], y[T * O];
        unsigned long long s = 7;
        for (int t = 0; t < T; t++) {
            xa[t * (F + 1)] = 1.0;
            for (int i = 0; i < F; i++) xa[t * (F + 1) + 1 + i] = x[t * F + i] = lcg(&s);
            for (int j = 0; j < O; j++)
                y[t * O + j] = 0.5 * j - 1.0 + x[t * F + j] - 2.0 * x[t * F + 4] + 0.1 * lcg(&s);
        }
        for (int aug = 0; aug <= 1; aug++) {
            lacus_online_params p = lacus_online_params_default();
            p.n_features = F + aug;
            p.n_outputs = O;
            p.alpha = beta;
            p.fit_bias = 0;
            lacus_online *m = NULL;
            CHECK_STATUS(lacus_online_create(&p, &m, NULL), LACUS_OK);
            CHECK_STATUS(lacus_online_partial_fit(m, aug ? xa : x, F + aug, y, O, T, NULL),
                         LACUS_OK);
            double Wo[(F + 1) * O], bo[O];
            lacus_online_get_weights(m, Wo, bo);

            lacus_ridge_params rp = lacus_ridge_params_default();
            rp.n_features = F;
            rp.n_outputs = O;
            rp.ridge = beta;
            rp.bias = aug ? LACUS_BIAS_AUGMENTED : LACUS_BIAS_NONE;
            lacus_ridge *r = NULL;
            CHECK_STATUS(lacus_ridge_create(&rp, &r, NULL), LACUS_OK);
            CHECK_STATUS(lacus_ridge_partial_fit(r, x, F, y, O, T), LACUS_OK);
            CHECK_STATUS(lacus_ridge_solve(r), LACUS_OK);
            double Wr[F * O], br[O];
            lacus_ridge_get_weights(r, Wr, br);
            double d = test_max_rel_diff(Wo + aug * O, Wr, F * O, 1.0);
            if (aug) {
                double db = test_max_rel_diff(Wo, br, O, 1.0);
                d = db > d ? db : d;
            } else {
                CHECK(bo[0] == 0.0 && bo[1] == 0.0 && br[0] == 0.0);
            }
            printf("RLS vs ridge (%s): max relative difference %.3g\n",
                   aug ? "augmented" : "no bias", d);
            CHECK(d <= 1e-10);
            CHECK(d > 0.0 || Wr[0] != 0.0); /* the comparison saw real weights */
            lacus_ridge_free(r);
            lacus_online_free(m);
        }
        /* Forgetting lambda: P_T^-1 = lambda^T beta I + sum_t lambda^(T-t) x x^T,
         * so W_T is ridge(lambda^T beta) on rows scaled by lambda^((T-t)/2). */
        const double lam = 0.9;
        lacus_online_params p = lacus_online_params_default();
        p.n_features = F;
        p.n_outputs = O;
        p.alpha = beta;
        p.forgetting = lam;
        p.fit_bias = 0;
        lacus_online *m = NULL;
        CHECK_STATUS(lacus_online_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_online_partial_fit(m, x, F, y, O, T, NULL), LACUS_OK);
        static double xs[T * F], ys[T * O];
        for (int t = 0; t < T; t++) {
            double w = sqrt(pow(lam, T - 1 - t));
            for (int i = 0; i < F; i++) xs[t * F + i] = w * x[t * F + i];
            for (int j = 0; j < O; j++) ys[t * O + j] = w * y[t * O + j];
        }
        lacus_ridge_params rp = lacus_ridge_params_default();
        rp.n_features = F;
        rp.n_outputs = O;
        rp.ridge = pow(lam, T) * beta;
        rp.bias = LACUS_BIAS_NONE;
        lacus_ridge *r = NULL;
        CHECK_STATUS(lacus_ridge_create(&rp, &r, NULL), LACUS_OK);
        CHECK_STATUS(lacus_ridge_partial_fit(r, xs, F, ys, O, T), LACUS_OK);
        CHECK_STATUS(lacus_ridge_solve(r), LACUS_OK);
        double Wo[F * O], Wr[F * O], br[O];
        lacus_online_get_weights(m, Wo, NULL);
        lacus_ridge_get_weights(r, Wr, br);
        double d = test_max_rel_diff(Wo, Wr, F * O, 1.0);
        printf("RLS (forgetting %.2f) vs weighted ridge: max relative difference %.3g\n", lam, d);
        CHECK(d <= 1e-10);
        lacus_ridge_free(r);
        lacus_online_free(m);
    }

    TEST("bad parameters")
    {
        lacus_online *m = (lacus_online *)&m; /* create must reset it to NULL */
        lacus_error err = {0};
        lacus_online_params p = lacus_online_params_default();
        p.n_features = 3;
        p.n_outputs = 1;
        const double bad_alpha[] = {0.0, -1.0, NAN, INFINITY};
        for (int i = 0; i < 4; i++) {
            for (int meth = 0; meth <= 1; meth++) {
                lacus_online_params q = p;
                q.alpha = bad_alpha[i];
                q.method = (lacus_online_method)meth;
                CHECK_STATUS(lacus_online_create(&q, &m, &err), LACUS_ERR_ARG);
                CHECK(m == NULL);
                CHECK(strstr(err.msg, "alpha = ") && strstr(err.msg, "> 0"));
                CHECK(strstr(err.msg, meth ? "learning rate" : "P = I / alpha"));
            }
        }
        const double bad_forget[] = {0.0, -0.5, 1.0000001, NAN};
        for (int i = 0; i < 4; i++) {
            lacus_online_params q = p;
            q.forgetting = bad_forget[i];
            CHECK_STATUS(lacus_online_create(&q, &m, &err), LACUS_ERR_ARG);
            CHECK(strstr(err.msg, "forgetting = ") && strstr(err.msg, "(0, 1]"));
        }
        lacus_online_params q = p;
        q.forgetting = 5.0; /* ignored by LMS */
        q.method = LACUS_ONLINE_LMS;
        CHECK_STATUS(lacus_online_create(&q, &m, &err), LACUS_OK);
        lacus_online_free(m);
        q = p;
        q.n_outputs = 0;
        CHECK_STATUS(lacus_online_create(&q, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "n_outputs = 0") != NULL);
        q = p;
        q.method = (lacus_online_method)7;
        CHECK_STATUS(lacus_online_create(&q, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "online method 7") != NULL);
        q = p;
        q.fit_bias = 2;
        CHECK_STATUS(lacus_online_create(&q, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "fit_bias = 2") != NULL);
        q = p;
        q.n_features = 200000;
        CHECK_STATUS(lacus_online_create(&q, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "at most 100000 for RLS") != NULL);
        lacus_online_free(NULL);
    }

    TEST("bad data: shapes and NaN")
    {
        lacus_online_params p = lacus_online_params_default();
        p.n_features = 3;
        p.n_outputs = 2;
        p.alpha = 1.0;
        lacus_online *m = NULL;
        CHECK_STATUS(lacus_online_create(&p, &m, NULL), LACUS_OK);
        double x[2 * 3] = {1, 2, 3, 4, 5, 6}, y[2 * 2] = {1, 0, 0, 1}, W[6], b[2];
        CHECK_STATUS(lacus_online_partial_fit(m, x, 2, y, 2, 2, NULL), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_online_errmsg(m), "ldx = 2") &&
              strstr(lacus_online_errmsg(m), "n_features = 3"));
        CHECK_STATUS(lacus_online_partial_fit(m, x, 3, y, 1, 2, NULL), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_online_errmsg(m), "ldy = 1") != NULL);
        CHECK_STATUS(lacus_online_partial_fit(m, x, 3, y, 2, -1, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_online_errmsg(m), "n_rows = -1") != NULL);
        CHECK_STATUS(lacus_online_predict(m, x, 2, 1, y, 2), LACUS_ERR_SHAPE);
        x[4] = NAN; /* row 1: nothing may be learned, not even row 0 */
        CHECK_STATUS(lacus_online_partial_fit(m, x, 3, y, 2, 2, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_online_errmsg(m), "x[1, 1] is NaN") != NULL);
        CHECK(lacus_online_n_steps(m) == 0);
        x[4] = 5;
        y[1] = INFINITY;
        CHECK_STATUS(lacus_online_step(m, x, y, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_online_errmsg(m), "y[0, 1] is Inf") != NULL);
        y[1] = 0;
        W[0] = NAN;
        CHECK_STATUS(lacus_online_set_weights(m, W, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_online_errmsg(m), "Wout[0, 0] is NaN") != NULL);
        CHECK_STATUS(lacus_online_partial_fit(m, x, 3, y, 2, 2, NULL), LACUS_OK);
        CHECK(lacus_online_n_steps(m) == 2);
        lacus_online_get_weights(m, W, b);
        CHECK(W[0] != 0.0 && b[0] != 0.0);
        lacus_online_reset(m);
        lacus_online_get_weights(m, W, b);
        CHECK(W[0] == 0.0 && b[0] == 0.0 && lacus_online_n_steps(m) == 0);
        lacus_online_free(m);
    }

    TEST("divergence is caught, weights kept")
    {
        /* RLS with lambda = 0.5 and inputs that carry no information: P
         * doubles every step and overflows after ~1024 steps. */
        lacus_online_params p = lacus_online_params_default();
        p.n_features = 2;
        p.n_outputs = 1;
        p.alpha = 1.0;
        p.forgetting = 0.5;
        lacus_online *m = NULL;
        CHECK_STATUS(lacus_online_create(&p, &m, NULL), LACUS_OK);
        double x1[2] = {1.0, -0.5}, y1 = 2.0, W[2], b, W2[2], b2;
        CHECK_STATUS(lacus_online_step(m, x1, &y1, NULL), LACUS_OK);
        lacus_online_get_weights(m, W, &b);
        static double zx[2000 * 2], zy[2000];
        lacus_status st = lacus_online_partial_fit(m, zx, 2, zy, 1, 2000, NULL);
        CHECK_STATUS(st, LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_online_errmsg(m), "RLS diverged at row") &&
              strstr(lacus_online_errmsg(m), "would overflow"));
        int64_t n = lacus_online_n_steps(m);
        CHECK(n > 1000 && n < 1100);
        lacus_online_get_weights(m, W2, &b2);
        CHECK(W2[0] == W[0] && W2[1] == W[1] && isfinite(b2));
        /* Still usable up to the failing step: predict is finite. */
        double yp;
        CHECK_STATUS(lacus_online_predict(m, x1, 2, 1, &yp, 1), LACUS_OK);
        CHECK(isfinite(yp));
        lacus_online_free(m);

        /* LMS with alpha |x|^2 far above 2: the error grows geometrically. */
        p.method = LACUS_ONLINE_LMS;
        p.alpha = 10.0;
        CHECK_STATUS(lacus_online_create(&p, &m, NULL), LACUS_OK);
        static double lx[1000 * 2], ly[1000];
        for (int t = 0; t < 1000; t++) lx[2 * t] = lx[2 * t + 1] = 1.0, ly[t] = 1.0;
        CHECK_STATUS(lacus_online_partial_fit(m, lx, 2, ly, 1, 1000, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_online_errmsg(m), "LMS diverged at row") &&
              strstr(lacus_online_errmsg(m), "learning rate alpha too large"));
        lacus_online_get_weights(m, W, &b);
        CHECK(isfinite(W[0]) && isfinite(W[1]) && isfinite(b) && fabs(W[0]) > 1e100);
        lacus_online_free(m);
    }

    TEST_MAIN_END();
}
