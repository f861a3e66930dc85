/* Dataset generators against series made by ReservoirPy 0.4.2
 * (tests/ref/make_dataset_fixtures.py), plus argument checking.
 *
 * Every generator follows ReservoirPy's arithmetic operation by operation
 * (for the ODEs, SciPy's RK45 including OpenBLAS's summation orders, see
 * src/data/ode.c) and is bit-identical to the fixtures on the machine that
 * made them. The tolerance leaves room for a libm whose sin/pow/sinh differ
 * in the last bit; chaos amplifies such a bit, which is why the ODE
 * tolerance is looser (docs/datasets.md). */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

#define EXACT_TOL 1e-12
#define ODE_TOL 1e-10


/* Compares out (rows, cols) with a fixture; prints the max relative
 * difference so that docs/datasets.md can quote it. */
static void check_series(const char *name, const double *out, int64_t rows, int64_t cols,
                         double tol)
{
    lacus_ndarray ref = fx_dataset(name);
    CHECK(ref.shape[0] == rows && ref.shape[1] == cols);
    if (ref.shape[0] == rows && ref.shape[1] == cols) {
        double d = test_max_rel_diff(out, (const double *)ref.data, (long)(rows * cols), 1.0);
        printf("  %-30s max rel diff %.3g\n", name, d);
        CHECK_CLOSE(d, 0.0, tol);
    }
    lacus_ndarray_free(&ref);
}

#define T 300

static double buf[T * 3], buf2[T * 3 + 64];

static void test_mackey_glass(void)
{
    TEST("mackey_glass default: history drawn like default_rng(5555)")
    {
        lacus_mackey_glass_params p = lacus_mackey_glass_params_default();
        CHECK(p.tau == 17 && p.a == 0.2 && p.b == 0.1 && p.n == 10 && p.x0 == 1.2 && p.h == 1.0 &&
              p.seed == 5555 && p.history == NULL);
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf, NULL), LACUS_OK);
        check_series("mackey_glass_default", buf, T, 1, EXACT_TOL);
    }
    TEST("mackey_glass seed 42, tau 25")
    {
        lacus_mackey_glass_params p = lacus_mackey_glass_params_default();
        p.tau = 25;
        p.seed = 42;
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf, NULL), LACUS_OK);
        check_series("mackey_glass_seed42", buf, T, 1, EXACT_TOL);
    }
    TEST("mackey_glass with a given history and h = 0.5")
    {
        lacus_ndarray hist = fx_dataset("mackey_glass_history");
        lacus_mackey_glass_params p = lacus_mackey_glass_params_default();
        p.tau = 30;
        p.a = 0.25;
        p.b = 0.12;
        p.n = 9.65;
        p.x0 = 0.9;
        p.h = 0.5;
        p.history = hist.data;
        p.n_history = hist.shape[0];
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf, NULL), LACUS_OK);
        check_series("mackey_glass_custom", buf, T, 1, EXACT_TOL);

        /* Only the last floor(tau/h) = 60 values matter. */
        p.history = (const double *)hist.data + 10;
        p.n_history = 60;
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf2, NULL), LACUS_OK);
        CHECK(memcmp(buf, buf2, T * sizeof(double)) == 0);

        lacus_error e = {0};
        p.n_history = 59;
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf, &e), LACUS_ERR_SHAPE);
        CHECK(strstr(e.msg, "history has 59 values") && strstr(e.msg, "60"));
        lacus_ndarray_free(&hist);
    }
    TEST("mackey_glass bad arguments")
    {
        lacus_mackey_glass_params p = lacus_mackey_glass_params_default();
        lacus_error e = {0};
        CHECK_STATUS(lacus_mackey_glass(0, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "n_steps = 0") && strstr(e.msg, ">= 1"));
        p.tau = NAN;
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "tau = nan"));
        p = lacus_mackey_glass_params_default();
        p.h = 0;
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "h = 0") && strstr(e.msg, "> 0"));
        p.h = 1e-300; /* tau / h = 1.7e301 past steps */
        CHECK_STATUS(lacus_mackey_glass(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "2^31"));
        CHECK_STATUS(lacus_mackey_glass(T, NULL, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "params is NULL"));
    }
}

typedef lacus_status (*ode_gen)(int64_t, const void *, double *, lacus_error *);

static void test_odes(void)
{
    TEST("lorenz")
    {
        lacus_lorenz_params p = lacus_lorenz_params_default();
        CHECK(p.rho == 28 && p.sigma == 10 && p.beta == 8.0 / 3.0 && p.h == 0.03 &&
              p.ode.rtol == 1e-3 && p.ode.atol == 1e-6 && isinf(p.ode.max_step));
        CHECK_STATUS(lacus_lorenz(T, &p, buf, NULL), LACUS_OK);
        check_series("lorenz_default", buf, T, 3, ODE_TOL);
        p.rho = 35;
        p.sigma = 9;
        p.beta = 2.5;
        p.x0[0] = 0.5;
        p.x0[1] = -1;
        p.x0[2] = 20;
        p.h = 0.02;
        p.ode.rtol = 1e-6;
        p.ode.atol = 1e-9;
        CHECK_STATUS(lacus_lorenz(T, &p, buf, NULL), LACUS_OK);
        check_series("lorenz_custom", buf, T, 3, ODE_TOL);
    }
    TEST("multiscroll")
    {
        lacus_multiscroll_params p = lacus_multiscroll_params_default();
        CHECK_STATUS(lacus_multiscroll(T, &p, buf, NULL), LACUS_OK);
        check_series("multiscroll_default", buf, T, 3, ODE_TOL);
        p.a = 36;
        p.b = 3.5;
        p.c = 27;
        p.x0[0] = 0.2;
        p.x0[1] = -0.3;
        p.x0[2] = 0.4;
        p.h = 0.005;
        p.ode.max_step = 0.002;
        CHECK_STATUS(lacus_multiscroll(T, &p, buf, NULL), LACUS_OK);
        check_series("multiscroll_custom", buf, T, 3, ODE_TOL);
    }
    TEST("doublescroll")
    {
        lacus_doublescroll_params p = lacus_doublescroll_params_default();
        CHECK_STATUS(lacus_doublescroll(T, &p, buf, NULL), LACUS_OK);
        check_series("doublescroll_default", buf, T, 3, ODE_TOL);
        p.r1 = 1.1;
        p.r2 = 3.3;
        p.r4 = 0.2;
        p.ir = 4e-5;
        p.beta = 11;
        p.x0[0] = 0.3;
        p.x0[1] = 0.05;
        p.x0[2] = -0.1;
        p.h = 0.2;
        p.ode.first_step = 0.01;
        CHECK_STATUS(lacus_doublescroll(T, &p, buf, NULL), LACUS_OK);
        check_series("doublescroll_custom", buf, T, 3, ODE_TOL);
    }
    TEST("rossler")
    {
        lacus_rossler_params p = lacus_rossler_params_default();
        CHECK_STATUS(lacus_rossler(T, &p, buf, NULL), LACUS_OK);
        check_series("rossler_default", buf, T, 3, ODE_TOL);
        p.a = 0.1;
        p.b = 0.1;
        p.c = 14;
        p.x0[0] = 1;
        p.x0[1] = 1;
        p.x0[2] = 0;
        p.h = 0.05;
        p.ode.rtol = 1e-5;
        p.ode.atol = 1e-8;
        CHECK_STATUS(lacus_rossler(T, &p, buf, NULL), LACUS_OK);
        check_series("rossler_custom", buf, T, 3, ODE_TOL);
    }
    TEST("rabinovich_fabrikant")
    {
        lacus_rabinovich_fabrikant_params p = lacus_rabinovich_fabrikant_params_default();
        CHECK_STATUS(lacus_rabinovich_fabrikant(T, &p, buf, NULL), LACUS_OK);
        check_series("rabinovich_fabrikant_default", buf, T, 3, ODE_TOL);
        p.alpha = 0.98;
        p.gamma = 0.1;
        p.x0[0] = 0.1;
        p.x0[1] = -0.1;
        p.x0[2] = 0.1;
        p.h = 0.02;
        CHECK_STATUS(lacus_rabinovich_fabrikant(T, &p, buf, NULL), LACUS_OK);
        check_series("rabinovich_fabrikant_custom", buf, T, 3, ODE_TOL);
    }
    TEST("ODE properties: first sample is x0, one step gives x0")
    {
        lacus_lorenz_params p = lacus_lorenz_params_default();
        CHECK_STATUS(lacus_lorenz(T, &p, buf, NULL), LACUS_OK);
        CHECK(buf[0] == 1.0 && buf[1] == 1.0 && buf[2] == 1.0);
        CHECK_STATUS(lacus_lorenz(1, &p, buf, NULL), LACUS_OK);
        CHECK(buf[0] == 1.0 && buf[1] == 1.0 && buf[2] == 1.0);
        /* A prefix is not a shorter run: samples are spread over n_steps * h
         * with spacing h n/(n-1), as ReservoirPy's linspace. */
        CHECK_STATUS(lacus_lorenz(T, &p, buf, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lorenz(T / 2, &p, buf2, NULL), LACUS_OK);
        CHECK(fabs(buf[3 * 10] - buf2[3 * 10]) > 1e-6);
    }
    TEST("ODE bad arguments")
    {
        lacus_error e = {0};
        lacus_lorenz_params p = lacus_lorenz_params_default();
        CHECK_STATUS(lacus_lorenz(-5, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "lorenz: n_steps = -5"));
        p.rho = NAN;
        CHECK_STATUS(lacus_lorenz(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "rho = nan"));
        p = lacus_lorenz_params_default();
        p.x0[2] = INFINITY;
        CHECK_STATUS(lacus_lorenz(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "x0[2] = inf"));
        p = lacus_lorenz_params_default();
        p.h = -0.1;
        CHECK_STATUS(lacus_lorenz(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "h = -0.1"));
        p = lacus_lorenz_params_default();
        p.ode.rtol = 0;
        CHECK_STATUS(lacus_lorenz(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "ode.rtol = 0"));
        p = lacus_lorenz_params_default();
        p.ode.max_step = 0;
        CHECK_STATUS(lacus_lorenz(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "ode.max_step"));
        lacus_doublescroll_params d = lacus_doublescroll_params_default();
        d.r2 = 0;
        CHECK_STATUS(lacus_doublescroll(T, &d, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "r2 = 0"));
        /* A start so large that x y overflows: every trial step gives an
         * infinite error, the step shrinks to nothing and the solver must
         * stop with a status, not loop or return NaN. */
        p = lacus_lorenz_params_default();
        p.x0[0] = p.x0[1] = p.x0[2] = 1e200;
        lacus_status st = lacus_lorenz(T, &p, buf, &e);
        CHECK(st == LACUS_ERR_NUMERIC || st == LACUS_ERR_NOT_CONVERGED);
        CHECK(strstr(e.msg, "lorenz: ODE"));
    }
}

static void test_maps(void)
{
    TEST("logistic_map")
    {
        lacus_logistic_map_params p = lacus_logistic_map_params_default();
        CHECK(p.r == 3.9 && p.x0 == 0.5);
        CHECK_STATUS(lacus_logistic_map(T, &p, buf, NULL), LACUS_OK);
        check_series("logistic_map_default", buf, T, 1, EXACT_TOL);
        p.r = 3.7;
        p.x0 = 0.2;
        CHECK_STATUS(lacus_logistic_map(T, &p, buf, NULL), LACUS_OK);
        check_series("logistic_map_custom", buf, T, 1, EXACT_TOL);
        lacus_error e = {0};
        p.x0 = 1.0;
        CHECK_STATUS(lacus_logistic_map(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "x0 = 1") && strstr(e.msg, "(0, 1)"));
        p.x0 = 0.5;
        p.r = -1;
        CHECK_STATUS(lacus_logistic_map(T, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "r = -1"));
    }
    TEST("henon_map")
    {
        lacus_henon_map_params p = lacus_henon_map_params_default();
        CHECK_STATUS(lacus_henon_map(T, &p, buf, NULL), LACUS_OK);
        check_series("henon_map_default", buf, T, 2, EXACT_TOL);
        p.a = 1.2;
        p.b = 0.25;
        p.x0[0] = 0.1;
        p.x0[1] = -0.1;
        CHECK_STATUS(lacus_henon_map(T, &p, buf, NULL), LACUS_OK);
        check_series("henon_map_custom", buf, T, 2, EXACT_TOL);
        lacus_error e = {0};
        p.a = 1e6; /* diverges to -inf within a few steps */
        CHECK_STATUS(lacus_henon_map(T, &p, buf, &e), LACUS_ERR_NUMERIC);
        CHECK(strstr(e.msg, "diverged") && strstr(e.msg, "henon_map: series["));
    }
}

static void test_narma(void)
{
    TEST("narma default: u drawn like default_rng(5555).uniform(0, 0.5)")
    {
        lacus_narma_params p = lacus_narma_params_default();
        CHECK(p.order == 30 && p.a1 == 0.2 && p.a2 == 0.04 && p.b == 1.5 && p.c == 0.001);
        static double u[T + 30];
        CHECK_STATUS(lacus_narma(T, &p, u, buf, NULL), LACUS_OK);
        check_series("narma_default_u", u, T + 30, 1, EXACT_TOL);
        check_series("narma_default_y", buf, T, 1, EXACT_TOL);
    }
    TEST("narma with given u and x0, order 10")
    {
        lacus_ndarray u = fx_dataset("narma_custom_u"), x0 = fx_dataset("narma_custom_x0");
        lacus_narma_params p = lacus_narma_params_default();
        p.order = 10;
        p.a1 = 0.3;
        p.a2 = 0.05;
        p.c = 0.1;
        p.u = u.data;
        p.x0 = x0.data;
        p.n_x0 = x0.shape[0];
        CHECK_STATUS(lacus_narma(T, &p, NULL, buf, NULL), LACUS_OK);
        check_series("narma_custom_y", buf, T, 1, EXACT_TOL);
        lacus_error e = {0};
        p.n_x0 = T + 11;
        CHECK_STATUS(lacus_narma(T, &p, NULL, buf, &e), LACUS_ERR_SHAPE);
        CHECK(strstr(e.msg, "n_x0 = 311"));
        p.n_x0 = 3;
        p.order = 0;
        CHECK_STATUS(lacus_narma(T, &p, NULL, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "order = 0"));
        p.order = 10;
        p.a2 = NAN;
        CHECK_STATUS(lacus_narma(T, &p, NULL, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "a2 = nan"));
        /* A large a2 makes NARMA diverge: reported, not returned as inf. */
        p.a2 = 50;
        CHECK_STATUS(lacus_narma(T, &p, NULL, buf, &e), LACUS_ERR_NUMERIC);
        CHECK(strstr(e.msg, "diverged"));
        lacus_ndarray_free(&u);
        lacus_ndarray_free(&x0);
    }
}

static void test_mso_and_forecasting(void)
{
    TEST("mso")
    {
        CHECK_STATUS(lacus_mso2(T, 1, buf, NULL), LACUS_OK);
        check_series("mso2", buf, T, 1, EXACT_TOL);
        double lo = 1, hi = -1;
        for (int i = 0; i < T; i++) {
            lo = fmin(lo, buf[i]);
            hi = fmax(hi, buf[i]);
        }
        CHECK_CLOSE(lo, -1.0, 1e-15);
        CHECK_CLOSE(hi, 1.0, 1e-15);
        CHECK_STATUS(lacus_mso8(T, 1, buf, NULL), LACUS_OK);
        check_series("mso8", buf, T, 1, EXACT_TOL);
        const double f[3] = {0.05, 0.3, 1.7};
        CHECK_STATUS(lacus_mso(T, f, 3, 0, buf, NULL), LACUS_OK);
        check_series("mso_custom_raw", buf, T, 1, EXACT_TOL);
        lacus_error e = {0};
        CHECK_STATUS(lacus_mso2(1, 1, buf, &e), LACUS_ERR_NUMERIC);
        CHECK(strstr(e.msg, "constant series"));
        CHECK_STATUS(lacus_mso(T, f, 0, 1, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "n_freqs = 0"));
    }
    TEST("to_forecasting")
    {
        lacus_ndarray s = fx_dataset("forecast_series");
        int64_t n = s.shape[0], d = s.shape[1], test_len = -1;
        CHECK_STATUS(lacus_test_len_from_ratio(n, 0.2, &test_len, NULL), LACUS_OK);
        CHECK(test_len == 8);
        int64_t n_train = n - 3 - test_len;
        double Xtr[64 * 2], Ytr[64 * 2], Xte[16 * 2], Yte[16 * 2];
        CHECK_STATUS(lacus_to_forecasting(s.data, n, d, 3, test_len, Xtr, Ytr, Xte, Yte, NULL),
                     LACUS_OK);
        check_series("forecast_Xtr", Xtr, n_train, d, 0);
        check_series("forecast_Ytr", Ytr, n_train, d, 0);
        check_series("forecast_Xte", Xte, test_len, d, 0);
        check_series("forecast_Yte", Yte, test_len, d, 0);

        /* Python's round() rounds halves to even: 10 * 0.25 = 2.5 -> 2,
         * 14 * 0.25 = 3.5 -> 4. */
        CHECK_STATUS(lacus_test_len_from_ratio(10, 0.25, &test_len, NULL), LACUS_OK);
        CHECK(test_len == 2);
        CHECK_STATUS(lacus_test_len_from_ratio(14, 0.25, &test_len, NULL), LACUS_OK);
        CHECK(test_len == 4);

        lacus_error e = {0};
        CHECK_STATUS(lacus_test_len_from_ratio(10, 1.0, &test_len, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "ratio = 1") && strstr(e.msg, "[0, 1)"));
        CHECK_STATUS(lacus_to_forecasting(s.data, n, d, 0, 0, Xtr, Ytr, NULL, NULL, &e),
                     LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "forecast = 0"));
        CHECK_STATUS(lacus_to_forecasting(s.data, n, d, 3, n - 3, Xtr, Ytr, Xte, Yte, &e),
                     LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "test_len = 37"));
        CHECK_STATUS(lacus_to_forecasting(s.data, n, d, 3, 2, Xtr, Ytr, NULL, NULL, &e),
                     LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "X_test or Y_test is NULL"));
        lacus_ndarray_free(&s);
    }
}

int main(void)
{
    test_mackey_glass();
    test_odes();
    test_maps();
    test_narma();
    test_mso_and_forecasting();
    TEST_MAIN_END();
}
