/* Metrics against reservoirpy.observables 0.4.2 on fixed arrays
 * (tests/ref/make_dataset_fixtures.py: metrics_*.npy), plus properties and
 * argument checking. The fixture table has one row per metric and columns
 * (pooled, column 0, column 1, column 2). Summation orders differ from
 * NumPy's pairwise sums, so values agree to ~1e-15, tested at 1e-12. */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

#define TOL 1e-12


typedef lacus_status (*metric_fn)(const double *, const double *, int64_t, int64_t, int, double *,
                                  lacus_error *);

enum { ROW_MSE, ROW_RMSE, ROW_MAE, ROW_R2, ROW_MINMAX, ROW_VAR, ROW_MEAN, ROW_Q1Q3, ROW_VALUE,
       ROW_PEARSON, N_ROWS };

static const double *yt, *yp, *expected;
static int64_t n, k;

/* Checks one metric, pooled and dimensionwise, against its fixture row. */
static void check_row(int row, metric_fn f, lacus_nrmse_norm norm, int kind)
{
    double pooled = NAN, per[8] = {0};
    lacus_error e = {0};
    for (int dw = 0; dw <= 1; dw++) {
        double *out = dw ? per : &pooled;
        lacus_status st;
        if (kind == 0)
            st = f(yt, yp, n, k, dw, out, &e);
        else if (kind == 1)
            st = lacus_nrmse(yt, yp, n, k, norm, dw, out, &e);
        else
            st = lacus_nrmse_value(yt, yp, n, k, 2.5, dw, out, &e);
        CHECK_STATUS(st, LACUS_OK);
    }
    const double *ref = expected + row * (k + 1);
    CHECK_CLOSE(pooled, ref[0], TOL);
    for (int64_t j = 0; j < k; j++) CHECK_CLOSE(per[j], ref[1 + j], TOL);
}

int main(void)
{
    lacus_ndarray a = fx_dataset("metrics_y_true"), b = fx_dataset("metrics_y_pred"),
                  c = fx_dataset("metrics_expected");
    yt = a.data;
    yp = b.data;
    expected = c.data;
    n = a.shape[0];
    k = a.shape[1];
    CHECK(k == 3 && b.shape[0] == n && c.shape[0] == N_ROWS && c.shape[1] == k + 1);

    TEST("metrics equal reservoirpy.observables")
    {
        check_row(ROW_MSE, lacus_mse, 0, 0);
        check_row(ROW_RMSE, lacus_rmse, 0, 0);
        check_row(ROW_MAE, lacus_mae, 0, 0);
        check_row(ROW_R2, lacus_rsquare, 0, 0);
        check_row(ROW_MINMAX, NULL, LACUS_NRMSE_MINMAX, 1);
        check_row(ROW_VAR, NULL, LACUS_NRMSE_VAR, 1);
        check_row(ROW_MEAN, NULL, LACUS_NRMSE_MEAN, 1);
        check_row(ROW_Q1Q3, NULL, LACUS_NRMSE_Q1Q3, 1);
        check_row(ROW_VALUE, NULL, 0, 2);
        check_row(ROW_PEARSON, lacus_pearson, 0, 0);
    }

    TEST("a perfect prediction: errors 0, R^2 = 1, r = 1")
    {
        double v[3];
        for (int norm = 0; norm < 4; norm++) {
            CHECK_STATUS(lacus_nrmse(yt, yt, n, k, (lacus_nrmse_norm)norm, 1, v, NULL), LACUS_OK);
            CHECK(v[0] == 0 && v[1] == 0 && v[2] == 0);
        }
        CHECK_STATUS(lacus_mse(yt, yt, n, k, 0, v, NULL), LACUS_OK);
        CHECK(v[0] == 0);
        CHECK_STATUS(lacus_rsquare(yt, yt, n, k, 1, v, NULL), LACUS_OK);
        CHECK(v[0] == 1 && v[1] == 1 && v[2] == 1);
        CHECK_STATUS(lacus_pearson(yt, yt, n, k, 1, v, NULL), LACUS_OK);
        CHECK_CLOSE(v[0], 1.0, 1e-15);
    }

    TEST("the mean predictor has R^2 = 0; a negated series has r = -1")
    {
        double y[5] = {1, 4, 2, 8, 5}, m[5], neg[5], v;
        for (int i = 0; i < 5; i++) {
            m[i] = 4.0;
            neg[i] = 3.0 - 2.0 * y[i];
        }
        CHECK_STATUS(lacus_rsquare(y, m, 5, 1, 0, &v, NULL), LACUS_OK);
        CHECK_CLOSE(v, 0.0, 1e-15);
        CHECK_STATUS(lacus_pearson(y, neg, 5, 1, 0, &v, NULL), LACUS_OK);
        CHECK_CLOSE(v, -1.0, 1e-15);
        /* Hand-computed: errors (1,-2,0.5,0,0) -> mse 5.25/5, mae 3.5/5;
         * ptp 7; var of y = 30/5 = 6; q1 = 2, q3 = 5. */
        double p[5] = {0, 6, 1.5, 8, 5};
        CHECK_STATUS(lacus_mse(y, p, 5, 1, 0, &v, NULL), LACUS_OK);
        CHECK_CLOSE(v, 1.05, 1e-15);
        CHECK_STATUS(lacus_mae(y, p, 5, 1, 0, &v, NULL), LACUS_OK);
        CHECK_CLOSE(v, 0.7, 1e-15);
        CHECK_STATUS(lacus_nrmse(y, p, 5, 1, LACUS_NRMSE_MINMAX, 0, &v, NULL), LACUS_OK);
        CHECK_CLOSE(v, sqrt(1.05) / 7, 1e-15);
        CHECK_STATUS(lacus_nrmse(y, p, 5, 1, LACUS_NRMSE_VAR, 0, &v, NULL), LACUS_OK);
        CHECK_CLOSE(v, sqrt(1.05) / 6.0, 1e-15);
        CHECK_STATUS(lacus_nrmse(y, p, 5, 1, LACUS_NRMSE_Q1Q3, 0, &v, NULL), LACUS_OK);
        CHECK_CLOSE(v, sqrt(1.05) / 3, 1e-15);
    }

    TEST("norm names")
    {
        lacus_nrmse_norm nn = LACUS_NRMSE_MINMAX;
        lacus_error e = {0};
        CHECK_STATUS(lacus_nrmse_norm_parse("q1q3", &nn, &e), LACUS_OK);
        CHECK(nn == LACUS_NRMSE_Q1Q3);
        CHECK(strcmp(lacus_nrmse_norm_name(LACUS_NRMSE_VAR), "var") == 0);
        CHECK(lacus_nrmse_norm_name((lacus_nrmse_norm)9) == NULL);
        CHECK_STATUS(lacus_nrmse_norm_parse("std", &nn, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "\"std\"") && strstr(e.msg, "minmax, var, mean, q1q3"));
    }

    TEST("bad input")
    {
        lacus_error e = {0};
        double v[3], bad[6] = {1, 2, NAN, 4, 5, 6}, good[6] = {1, 2, 3, 4, 5, 6};
        CHECK_STATUS(lacus_mse(yt, yp, 0, k, 0, v, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "mse: n_steps = 0"));
        CHECK_STATUS(lacus_rmse(yt, yp, n, 0, 0, v, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "n_outputs = 0"));
        CHECK_STATUS(lacus_mae(NULL, yp, n, k, 0, v, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "must not be NULL"));
        CHECK_STATUS(lacus_mse(good, bad, 3, 2, 0, v, &e), LACUS_ERR_NUMERIC);
        CHECK(strstr(e.msg, "mse: y_pred[1, 0] is NaN"));
        CHECK_STATUS(lacus_nrmse(yt, yp, n, k, (lacus_nrmse_norm)7, 0, v, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "norm = 7"));
        CHECK_STATUS(lacus_nrmse_value(yt, yp, n, k, 0.0, 0, v, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "norm_value = 0"));
        /* Column 1 of `flat` is constant: R^2, pearson and nrmse's var are
         * undefined there (ReservoirPy would return inf/nan). */
        double flat[6] = {1, 7, 2, 7, 3, 7};
        CHECK_STATUS(lacus_rsquare(flat, good, 3, 2, 1, v, &e), LACUS_ERR_NUMERIC);
        CHECK(strstr(e.msg, "rsquare: y_true is constant (column 1)"));
        CHECK_STATUS(lacus_pearson(good, flat, 3, 2, 1, v, &e), LACUS_ERR_NUMERIC);
        CHECK(strstr(e.msg, "y_pred is constant (column 1)"));
        CHECK_STATUS(lacus_nrmse(flat, good, 3, 2, LACUS_NRMSE_VAR, 1, v, &e), LACUS_ERR_NUMERIC);
        CHECK(strstr(e.msg, "\"var\" normaliser of y_true is 0 (column 1)"));
        /* Pooled, the same arrays are fine. */
        CHECK_STATUS(lacus_rsquare(flat, good, 3, 2, 0, v, &e), LACUS_OK);
    }

    TEST("memory capacity equals reservoirpy.observables.memory_capacity")
    {
        lacus_ndarray W = fx_dataset("mc_W"), Win = fx_dataset("mc_Win"), s1 = fx_dataset("mc_seed1_k20"),
                      ser = fx_dataset("mc_series"), s2 = fx_dataset("mc_series_k15");
        lacus_reservoir_params rp = lacus_reservoir_params_default();
        rp.n_units = 30;
        rp.n_inputs = 1;
        rp.lr = 0.5;
        lacus_reservoir *r = NULL;
        lacus_error e = {0};
        CHECK_STATUS(lacus_reservoir_create(&rp, &r, &e), LACUS_OK);
        double zeros[30] = {0}, x_before[30], x_after[30];
        CHECK_STATUS(lacus_reservoir_set_W(r, W.data), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_set_Win(r, Win.data), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_set_bias(r, zeros), LACUS_OK);

        /* Drawn series (default_rng(1)), k_max 20, test ratio 0.2. */
        lacus_memory_capacity_params p = lacus_memory_capacity_params_default();
        p.k_max = 20;
        p.seed = 1;
        double mck[20], mc = -1, expect = 0;
        CHECK_STATUS(lacus_reservoir_get_state(r, x_before), LACUS_OK);
        CHECK_STATUS(lacus_memory_capacity(r, &p, mck, &mc, &e), LACUS_OK);
        double d = test_max_rel_diff(mck, s1.data, 20, 1.0);
        printf("  memory capacity (seed 1, k_max 20): max diff per lag %.3g\n", d);
        CHECK_CLOSE(d, 0.0, 1e-10);
        for (int lag = 0; lag < 20; lag++) expect += ((const double *)s1.data)[lag];
        CHECK_CLOSE(mc, expect, 1e-10);
        /* The reservoir's state is left as it was. */
        CHECK_STATUS(lacus_reservoir_get_state(r, x_after), LACUS_OK);
        CHECK(memcmp(x_before, x_after, sizeof x_before) == 0);

        /* Given series of 400 values, 60 test rows. */
        p.k_max = 15;
        p.series = ser.data;
        p.n_series = ser.shape[0];
        p.test_len = 60;
        CHECK_STATUS(lacus_memory_capacity(r, &p, mck, &mc, &e), LACUS_OK);
        d = test_max_rel_diff(mck, s2.data, 15, 1.0);
        printf("  memory capacity (given series, k_max 15): max diff per lag %.3g\n", d);
        CHECK_CLOSE(d, 0.0, 1e-10);

        /* Bad input. */
        p.k_max = 0;
        CHECK_STATUS(lacus_memory_capacity(r, &p, NULL, &mc, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "k_max = 0"));
        p.k_max = 200; /* 400 values leave 200 rows: too few after warmup and test */
        CHECK_STATUS(lacus_memory_capacity(r, &p, NULL, &mc, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "use a longer series"));
        p.k_max = 15;
        p.test_len = 0;
        p.test_ratio = 1.5;
        CHECK_STATUS(lacus_memory_capacity(r, &p, NULL, &mc, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "test_ratio = 1.5"));
        lacus_reservoir_free(r);

        rp.n_inputs = 2;
        CHECK_STATUS(lacus_reservoir_create(&rp, &r, &e), LACUS_OK);
        p.test_ratio = 0.2;
        CHECK_STATUS(lacus_memory_capacity(r, &p, NULL, &mc, &e), LACUS_ERR_SHAPE);
        CHECK(strstr(e.msg, "2 inputs"));
        lacus_reservoir_free(r);
        lacus_ndarray_free(&W);
        lacus_ndarray_free(&Win);
        lacus_ndarray_free(&s1);
        lacus_ndarray_free(&ser);
        lacus_ndarray_free(&s2);
    }

    lacus_ndarray_free(&a);
    lacus_ndarray_free(&b);
    lacus_ndarray_free(&c);
    TEST("valid prediction time: the first step whose normalised error reaches the threshold")
    {
        /* Two outputs with scales 2 and 0.5: e(t) = sqrt(((d0/2)^2 + (d1/0.5)^2) / 2). */
        double vt[5 * 2] = {0}, vp[5 * 2] = {0}, sigma[2] = {2.0, 0.5}, e[5];
        double d0[5] = {0.0, 0.2, 0.4, 1.2, 0.1}, d1[5] = {0.0, 0.05, 0.1, 0.1, 0.0};
        for (int t = 0; t < 5; t++) {
            vp[2 * t] = d0[t];
            vp[2 * t + 1] = d1[t];
        }
        int64_t steps = -1;
        lacus_error err = {0};
        CHECK_STATUS(lacus_vpt(vt, vp, 5, 2, 0.4, sigma, &steps, e, &err), LACUS_OK);
        for (int t = 0; t < 5; t++) {
            double q0 = d0[t] / 2.0, q1 = d1[t] / 0.5;
            CHECK_CLOSE(e[t], sqrt((q0 * q0 + q1 * q1) / 2.0), 1e-15);
        }
        CHECK(steps == 3); /* e = 0, 0.112, 0.224, 0.616: step 3 is the first >= 0.4 */
        CHECK_STATUS(lacus_vpt(vt, vp, 3, 2, 0.4, sigma, &steps, NULL, &err), LACUS_OK);
        CHECK(steps == 3); /* never reached: the whole forecast */
        /* sigma = NULL: the truth's own standard deviation; a constant truth is refused */
        CHECK_STATUS(lacus_vpt(vt, vp, 5, 2, 0.4, NULL, &steps, NULL, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "constant truth") != NULL);
        CHECK_STATUS(lacus_vpt(vt, vp, 5, 2, 0.0, sigma, &steps, NULL, &err), LACUS_ERR_ARG);
    }
    TEST_MAIN_END();
}
