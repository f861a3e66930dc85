/* Lorenz-96 and Kuramoto-Sivashinsky against ReservoirPy 0.4.2
 * (tests/ref/make_generator2_fixtures.py), plus argument checking.
 *
 * Lorenz-96 goes through the same RK45 as the other ODEs (src/data/ode.c).
 * Kuramoto-Sivashinsky uses FFTW where NumPy uses pocketfft: the two FFTs
 * round differently, and the system is chaotic, so the difference starts
 * near 1e-15 and grows (docs/datasets.md gives the measured growth). We
 * test the first steps tightly, the whole fixture loosely, and long runs
 * by their statistics. */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"


/* Compares rows [0, rows_checked) of out (rows, cols) with a fixture and
 * prints the max relative difference (scale >= 1) of the first `rows_checked`
 * rows. */
static double diff_rows(const char *name, const double *out, int64_t rows, int64_t cols,
                        int64_t rows_checked)
{
    lacus_ndarray ref = fx_dataset(name);
    double d = INFINITY;
    CHECK(ref.shape[0] == rows && ref.shape[1] == cols);
    if (ref.shape[0] == rows && ref.shape[1] == cols)
        d = test_max_rel_diff(out, (const double *)ref.data, (long)(rows_checked * cols), 1.0);
    printf("  %-16s rows 0..%-5lld max rel diff %.3g\n", name, (long long)rows_checked - 1, d);
    lacus_ndarray_free(&ref);
    return d;
}

/* Measured on the fixture machine (docs/datasets.md): l96_default 0,
 * l96_custom 9e-14, l96_long 1.7e-12 over rows 0..49 and 8.8e-9 over 0..99,
 * then chaos takes over (0.13 by row 199); ks_default 7.5e-16 over 40 steps;
 * ks_custom (steps 100..299) 5.5e-10 over its first 100 rows, 3.9e-6 over
 * all 200. */
#define L96_TOL 1e-10
#define KS_TOL0 1e-12
#define KS_TOL_SHORT 1e-10
#define KS_TOL_CUSTOM_100 1e-8
#define KS_TOL_CUSTOM 1e-4

static double buf[400 * 128];

static void test_lorenz96(void)
{
    TEST("lorenz96 defaults")
    {
        lacus_lorenz96_params p = lacus_lorenz96_params_default();
        CHECK(p.N == 36 && p.F == 8.0 && p.dF == 0.01 && p.h == 0.01 && p.warmup == 0 &&
              p.x0 == NULL && p.ode.rtol == 1e-3 && p.ode.atol == 1e-6 &&
              isinf(p.ode.max_step) && p.ode.first_step == 0.0);
        CHECK_STATUS(lacus_lorenz96(150, &p, buf, NULL), LACUS_OK);
        CHECK(diff_rows("l96_default", buf, 150, 36, 150) < L96_TOL);
    }
    TEST("lorenz96 N = 5, F = 10, h = 0.1, warmup 50, given x0")
    {
        lacus_ndarray x0 = fx_dataset("l96_custom_x0");
        lacus_lorenz96_params p = lacus_lorenz96_params_default();
        p.N = 5;
        p.F = 10.0;
        p.h = 0.1;
        p.warmup = 50;
        p.x0 = (const double *)x0.data;
        CHECK_STATUS(lacus_lorenz96(300, &p, buf, NULL), LACUS_OK);
        CHECK(diff_rows("l96_custom", buf, 250, 5, 250) < L96_TOL);
        lacus_ndarray_free(&x0);
    }
    TEST("lorenz96 N = 8, h = 0.3 (t up to 36: chaotic)")
    {
        lacus_lorenz96_params p = lacus_lorenz96_params_default();
        p.N = 8;
        p.h = 0.3;
        CHECK_STATUS(lacus_lorenz96(400, &p, buf, NULL), LACUS_OK);
        for (int64_t r = 50; r <= 400; r += 50) diff_rows("l96_long", buf, 400, 8, r);
        CHECK(diff_rows("l96_long", buf, 400, 8, 50) < 1e-9);
        CHECK(diff_rows("l96_long", buf, 400, 8, 100) < 1e-6);
        int finite = 1;
        for (int64_t i = 0; i < 400 * 8; i++) finite &= isfinite(buf[i]) && fabs(buf[i]) < 30;
        CHECK(finite);
    }
    TEST("lorenz96 bad arguments")
    {
        lacus_error e = {0};
        lacus_lorenz96_params p = lacus_lorenz96_params_default();
        p.N = 3;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "lorenz96: N = 3") && strstr(e.msg, ">= 4"));
        p = lacus_lorenz96_params_default();
        p.h = 0;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "h = 0") && strstr(e.msg, "> 0"));
        p.h = -0.5;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "h = -0.5"));
        p = lacus_lorenz96_params_default();
        p.F = NAN;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "F = nan"));
        p = lacus_lorenz96_params_default();
        p.dF = INFINITY;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "dF = inf"));
        double x0[4] = {1, 2, NAN, 4};
        p = lacus_lorenz96_params_default();
        p.N = 4;
        p.x0 = x0;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "x0[2] = nan"));
        p = lacus_lorenz96_params_default();
        p.warmup = 10;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "warmup = 10") && strstr(e.msg, "< n_steps = 10"));
        p = lacus_lorenz96_params_default();
        CHECK_STATUS(lacus_lorenz96(0, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "n_steps = 0"));
        p.ode.rtol = NAN;
        CHECK_STATUS(lacus_lorenz96(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "ode.rtol = nan"));
        CHECK_STATUS(lacus_lorenz96(10, NULL, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "params is NULL"));
        p = lacus_lorenz96_params_default();
        CHECK_STATUS(lacus_lorenz96(10, &p, NULL, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "out is NULL"));
    }
}

static void test_kuramoto(void)
{
    lacus_error e = {0};
    lacus_kuramoto_sivashinsky_params p0 = lacus_kuramoto_sivashinsky_params_default();
    CHECK(p0.N == 128 && p0.M == 16 && p0.h == 0.25 && p0.warmup == 0 && p0.x0 == NULL);
    if (lacus_kuramoto_sivashinsky(2, &p0, buf, &e) == LACUS_ERR_UNSUPPORTED) {
        TEST("kuramoto_sivashinsky without FFTW: a clear error")
        {
            CHECK(strstr(e.msg, "FFTW3") && strstr(e.msg, "libfftw3-dev"));
        }
        return;
    }
    TEST("kuramoto_sivashinsky defaults (N = 128, M = 16, h = 0.25)")
    {
        lacus_kuramoto_sivashinsky_params p = lacus_kuramoto_sivashinsky_params_default();
        CHECK_STATUS(lacus_kuramoto_sivashinsky(40, &p, buf, NULL), LACUS_OK);
        CHECK(diff_rows("ks_default", buf, 40, 128, 1) < KS_TOL0);
        for (int64_t r = 5; r <= 40; r += 5) diff_rows("ks_default", buf, 40, 128, r);
        CHECK(diff_rows("ks_default", buf, 40, 128, 40) < KS_TOL_SHORT);
    }
    TEST("kuramoto_sivashinsky N = 32, M = 8, h = 0.5, warmup 100, given x0")
    {
        lacus_ndarray x0 = fx_dataset("ks_custom_x0");
        lacus_kuramoto_sivashinsky_params p = lacus_kuramoto_sivashinsky_params_default();
        p.N = 32;
        p.M = 8;
        p.h = 0.5;
        p.warmup = 100;
        p.x0 = (const double *)x0.data;
        CHECK_STATUS(lacus_kuramoto_sivashinsky(300, &p, buf, NULL), LACUS_OK);
        for (int64_t r = 20; r <= 200; r += 20) diff_rows("ks_custom", buf, 200, 32, r);
        CHECK(diff_rows("ks_custom", buf, 200, 32, 100) < KS_TOL_CUSTOM_100);
        CHECK(diff_rows("ks_custom", buf, 200, 32, 200) < KS_TOL_CUSTOM);
        lacus_ndarray_free(&x0);
    }
    TEST("kuramoto_sivashinsky long run: same statistics as ReservoirPy")
    {
        lacus_kuramoto_sivashinsky_params p = lacus_kuramoto_sivashinsky_params_default();
        p.warmup = 1000;
        int64_t rows = 2000, n = rows * 128;
        double *big = malloc((size_t)n * sizeof(double));
        CHECK(big != NULL);
        if (big) {
            CHECK_STATUS(lacus_kuramoto_sivashinsky(3000, &p, big, NULL), LACUS_OK);
            double s = 0, s2 = 0, mn = INFINITY, mx = -INFINITY;
            for (int64_t i = 0; i < n; i++) s += big[i];
            double mean = s / (double)n;
            for (int64_t i = 0; i < n; i++) {
                s2 += (big[i] - mean) * (big[i] - mean);
                if (big[i] < mn) mn = big[i];
                if (big[i] > mx) mx = big[i];
            }
            double sd = sqrt(s2 / (double)n);
            lacus_ndarray ref = fx_dataset("ks_long_stats");
            const double *r = (const double *)ref.data;
            printf("  ks long: mean %.4g (ref %.4g) std %.4g (ref %.4g) min %.4g (ref %.4g) "
                   "max %.4g (ref %.4g)\n", mean, r[0], sd, r[1], mn, r[2], mx, r[3]);
            CHECK(fabs(mean - r[0]) < 0.05 * r[1]);
            CHECK(fabs(sd - r[1]) < 0.05 * r[1]);
            CHECK(fabs(mn - r[2]) < 0.25 * fabs(r[2]));
            CHECK(fabs(mx - r[3]) < 0.25 * fabs(r[3]));
            lacus_ndarray_free(&ref);
            free(big);
        }
    }
    TEST("kuramoto_sivashinsky bad arguments")
    {
        lacus_kuramoto_sivashinsky_params p = lacus_kuramoto_sivashinsky_params_default();
        p.N = 31;
        CHECK_STATUS(lacus_kuramoto_sivashinsky(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "kuramoto_sivashinsky: N = 31") && strstr(e.msg, "even"));
        p = lacus_kuramoto_sivashinsky_params_default();
        p.M = 0;
        CHECK_STATUS(lacus_kuramoto_sivashinsky(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "M = 0") && strstr(e.msg, ">= 1"));
        p = lacus_kuramoto_sivashinsky_params_default();
        p.h = 0;
        CHECK_STATUS(lacus_kuramoto_sivashinsky(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "h = 0") && strstr(e.msg, "> 0"));
        p.h = NAN;
        CHECK_STATUS(lacus_kuramoto_sivashinsky(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "h = nan"));
        double x0[4] = {0, 1, INFINITY, 0};
        p = lacus_kuramoto_sivashinsky_params_default();
        p.N = 4;
        p.x0 = x0;
        CHECK_STATUS(lacus_kuramoto_sivashinsky(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "x0[2] = inf"));
        p = lacus_kuramoto_sivashinsky_params_default();
        p.warmup = -1;
        CHECK_STATUS(lacus_kuramoto_sivashinsky(10, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "warmup = -1"));
        CHECK_STATUS(lacus_kuramoto_sivashinsky(10, NULL, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "params is NULL"));
        p = lacus_kuramoto_sivashinsky_params_default();
        CHECK_STATUS(lacus_kuramoto_sivashinsky(0, &p, buf, &e), LACUS_ERR_ARG);
        CHECK(strstr(e.msg, "n_steps = 0"));
    }
}

int main(void)
{
    test_lorenz96();
    test_kuramoto();
    TEST_MAIN_END();
}
