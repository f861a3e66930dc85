/* NVAR features (src/nodes/nvar.c): golden against ReservoirPy 0.4.2
 * (tests/ref/make_nvar_fixtures.py), continuation across calls, the feature
 * count, bad input, and a Lorenz-63 closed-loop forecast (Gauthier et al.
 * 2021's protocol with ReservoirPy's docstring example data). */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

static const char *CASES[] = {"k2_n2_s1_i3", "k3_n3_s2_i2", "k4_n1_s3_i1", "k2_n4_s3_i2",
                              "k1_n2_s1_i5"};

static double max_abs_diff(const double *a, const double *b, int64_t n)
{
    double m = 0.0;
    for (int64_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > m || a[i] != a[i]) m = fabs(a[i] - b[i]);
    return m;
}

static double worst_golden = 0.0;

static void golden_case(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "nvar/%s.npz", name);
    lacus_npz *z = fx_open(rel);
    lacus_nvar_params p = lacus_nvar_params_default();
    p.n_inputs = (int64_t)fx_scalar(z, "n_inputs");
    p.delay = (int64_t)fx_scalar(z, "delay");
    p.order = (int64_t)fx_scalar(z, "order");
    p.strides = (int64_t)fx_scalar(z, "strides");
    lacus_ndarray u = fx_get(z, "u"), uc = fx_get(z, "u_cont");
    lacus_ndarray f = fx_get(z, "features"), fc = fx_get(z, "features_cont");
    int64_t T = u.shape[0], Tc = uc.shape[0], F = f.shape[1];

    lacus_nvar *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_OK);
    CHECK(lacus_nvar_n_features(m) == F);
    CHECK(lacus_nvar_n_linear(m) == p.delay * p.n_inputs);
    double *out = malloc(sizeof(double) * (size_t)((T + Tc) * F));

    /* One call on a fresh node, then the continuation (reset = 0). */
    CHECK_STATUS(lacus_nvar_run(m, u.data, T, 1, out), LACUS_OK);
    double d1 = max_abs_diff(out, f.data, T * F);
    CHECK_STATUS(lacus_nvar_run(m, uc.data, Tc, 0, out), LACUS_OK);
    double d2 = max_abs_diff(out, fc.data, Tc * F);
    CHECK(d1 <= 1e-12);
    CHECK(d2 <= 1e-12);
    if (d1 > worst_golden) worst_golden = d1;
    if (d2 > worst_golden) worst_golden = d2;

    /* reset = 1 gives a fresh node again; then the continuation fed in
     * uneven chunks (1 step, then the rest) gives the same features. */
    CHECK_STATUS(lacus_nvar_run(m, u.data, T, 1, out), LACUS_OK);
    CHECK(max_abs_diff(out, f.data, T * F) == d1);
    const double *ucd = uc.data;
    CHECK_STATUS(lacus_nvar_run(m, ucd, 1, 0, out), LACUS_OK);
    CHECK_STATUS(lacus_nvar_run(m, ucd + p.n_inputs, Tc - 1, 0, out + F), LACUS_OK);
    CHECK(max_abs_diff(out, fc.data, Tc * F) == d2);

    /* Without the reset the continuation is not the fresh run. */
    CHECK_STATUS(lacus_nvar_run(m, u.data, T, 0, out), LACUS_OK);
    if (p.delay > 1) CHECK(max_abs_diff(out, f.data, T * F) > 1e-3);
    lacus_nvar_reset(m);
    CHECK_STATUS(lacus_nvar_run(m, u.data, T, 0, out), LACUS_OK);
    CHECK(max_abs_diff(out, f.data, T * F) == d1);

    printf("%s: T %lld + %lld, %lld features, max |diff| %.3g / %.3g\n", name, (long long)T,
           (long long)Tc, (long long)F, d1, d2);
    free(out);
    lacus_nvar_free(m);
    lacus_ndarray_free(&u);
    lacus_ndarray_free(&uc);
    lacus_ndarray_free(&f);
    lacus_ndarray_free(&fc);
    lacus_npz_close(z);
}

/* Number of sorted n-tuples over d symbols, by brute-force enumeration. */
static int64_t count_brute(int64_t d, int64_t n, int64_t lo)
{
    if (n == 0) return 1;
    int64_t c = 0;
    for (int64_t i = lo; i < d; i++) c += count_brute(d, n - 1, i);
    return c;
}

static void feature_count(void)
{
    lacus_nvar_params p = lacus_nvar_params_default();
    int64_t nf = -1;
    lacus_error err = {0};
    /* Lorenz-63, k 2, order 2: 6 linear + 21 quadratic (no constant). */
    p.n_inputs = 3;
    CHECK_STATUS(lacus_nvar_count_features(&p, &nf, &err), LACUS_OK);
    CHECK(nf == 27);
    p.order = 3; /* double scroll: 6 + 56 */
    CHECK_STATUS(lacus_nvar_count_features(&p, &nf, &err), LACUS_OK);
    CHECK(nf == 62);
    for (int64_t I = 1; I <= 3; I++)
        for (int64_t k = 1; k <= 4; k++)
            for (int64_t n = 1; n <= 5; n++) {
                p.n_inputs = I, p.delay = k, p.order = n, p.strides = 1 + (k % 3);
                CHECK_STATUS(lacus_nvar_count_features(&p, &nf, &err), LACUS_OK);
                CHECK(nf == k * I + count_brute(k * I, n, 0));
            }
    /* d = 1: one monomial whatever the order; order 64 is allowed. */
    p.n_inputs = 1, p.delay = 1, p.order = 64, p.strides = 1;
    CHECK_STATUS(lacus_nvar_count_features(&p, &nf, &err), LACUS_OK);
    CHECK(nf == 2);
    /* Just under and just over the 10^7 cap: C(d+1, 2) with d = 4471 is
     * 9,997,156 (+ 4471 = 10,001,627 > 10^7); d = 4470: 9,992,685 + 4470. */
    p.n_inputs = 4470, p.delay = 1, p.order = 2;
    CHECK_STATUS(lacus_nvar_count_features(&p, &nf, &err), LACUS_OK);
    CHECK(nf == 4470 + 4470LL * 4471 / 2);
    p.n_inputs = 4471;
    CHECK_STATUS(lacus_nvar_count_features(&p, &nf, &err), LACUS_ERR_ARG);
    CHECK(strstr(err.msg, "more than 10000000 features") != NULL);
}

static void bad_input(void)
{
    lacus_error err = {0};
    lacus_nvar *m = (lacus_nvar *)&err; /* must be set to NULL on failure */
    lacus_nvar_params p = lacus_nvar_params_default();
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_ERR_ARG); /* n_inputs required */
    CHECK(m == NULL);
    CHECK(strstr(err.msg, "n_inputs = 0") != NULL);
    p.n_inputs = 3;
    p.delay = 0;
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_ERR_ARG);
    CHECK(strstr(err.msg, "delay = 0: must be >= 1") != NULL);
    p.delay = 2, p.order = 0;
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_ERR_ARG);
    CHECK(strstr(err.msg, "order = 0: must be in [1, 64]") != NULL);
    p.order = 1000000000;
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_ERR_ARG);
    CHECK(strstr(err.msg, "order = 1000000000") != NULL);
    p.order = 20; /* C(6 + 19, 20) = 53130: fine; order 40: C(45, 40) = 1.2e6; 64: too many */
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_OK);
    CHECK(lacus_nvar_n_features(m) == 6 + 53130);
    lacus_nvar_free(m);
    p.order = 64;
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_ERR_ARG);
    CHECK(strstr(err.msg, "order 64 has more than 10000000 features") != NULL);
    p.order = 2, p.delay = INT64_MAX / 2, p.n_inputs = 5; /* overflowing products */
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_ERR_ARG);
    CHECK(strstr(err.msg, "delay * strides") != NULL);
    p.delay = 2, p.n_inputs = 3, p.strides = 0;
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_ERR_ARG);
    CHECK(strstr(err.msg, "strides = 0: must be >= 1") != NULL);
    p.strides = -3;
    CHECK_STATUS(lacus_nvar_params_check(&p, &err), LACUS_ERR_ARG);
    p.strides = 1;
    CHECK_STATUS(lacus_nvar_create(&p, NULL, &err), LACUS_ERR_ARG);
    lacus_nvar_free(NULL);

    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_OK);
    double u[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, f[4 * 27], g[4 * 27];
    CHECK_STATUS(lacus_nvar_run(m, u, 0, 1, f), LACUS_ERR_ARG); /* empty sequence */
    CHECK(strstr(lacus_nvar_errmsg(m), "n_steps = 0") != NULL);
    CHECK_STATUS(lacus_nvar_run(m, NULL, 4, 1, f), LACUS_ERR_ARG);
    CHECK(strstr(lacus_nvar_errmsg(m), "input u is NULL") != NULL);
    CHECK_STATUS(lacus_nvar_run(m, u, 4, 1, NULL), LACUS_ERR_ARG);
    /* NaN in row 2, column 1: refused with its index, delay line untouched. */
    CHECK_STATUS(lacus_nvar_run(m, u, 2, 1, g), LACUS_OK);
    u[7] = NAN;
    CHECK_STATUS(lacus_nvar_run(m, u, 4, 0, f), LACUS_ERR_NUMERIC);
    CHECK(strstr(lacus_nvar_errmsg(m), "NVAR input u[2, 1] is NaN") != NULL);
    u[7] = 8;
    CHECK_STATUS(lacus_nvar_run(m, u + 6, 2, 0, f), LACUS_OK);
    CHECK_STATUS(lacus_nvar_run(m, u, 4, 1, g), LACUS_OK);
    CHECK(memcmp(f, g + 2 * 27, sizeof(double) * 2 * 27) == 0);
    /* Hand-computed row 1 (u[1] = 4 5 6, u[0] = 1 2 3): the linear part,
     * then l0*l0, l0*l1, ..., l0*l5, l1*l1, ... as itertools orders them. */
    const double *r = g + 27;
    const double lin[6] = {4, 5, 6, 1, 2, 3};
    for (int i = 0; i < 6; i++) CHECK(r[i] == lin[i]);
    int c = 6;
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++) CHECK(r[c++] == lin[i] * lin[j]);
    lacus_nvar_free(m);
    CHECK(strcmp(lacus_nvar_errmsg(NULL), "NULL NVAR node") == 0);
}

/* Lorenz-63 forecasting as in Gauthier et al. 2021 and ReservoirPy's NVAR
 * docstring: dt 0.025, x0 (17.677, 12.931, 43.914), k 2, s 1, order 2;
 * ridge trained on 400 steps (after a warm-up of 200) to predict the
 * increment x[t+1] - x[t]; then closed loop from step 600, each prediction
 * fed back into the delay line. Returns the valid prediction time in steps:
 * the first step where sqrt(mean_i ((x_hat_i - x_i) / sigma_i)^2) > 0.5,
 * sigma_i the standard deviation of component i over the whole series. */
#define LZ_N 1600
#define LZ_TRAIN 600
#define LZ_WARM 200
static int64_t lorenz_vpt(double rtol, double ridge)
{
    static double X[LZ_N * 3], F[LZ_TRAIN * 27], dX[LZ_TRAIN * 3];
    lacus_error err = {0};
    lacus_lorenz_params lp = lacus_lorenz_params_default();
    lp.h = 0.025, lp.x0[0] = 17.677, lp.x0[1] = 12.931, lp.x0[2] = 43.914;
    if (rtol > 0) lp.ode.rtol = rtol, lp.ode.atol = rtol * 1e-3;
    CHECK_STATUS(lacus_lorenz(LZ_N, &lp, X, &err), LACUS_OK);
    lacus_nvar_params p = lacus_nvar_params_default(); /* k 2, order 2, s 1 */
    p.n_inputs = 3;
    lacus_nvar *m = NULL;
    CHECK_STATUS(lacus_nvar_create(&p, &m, &err), LACUS_OK);
    CHECK(lacus_nvar_n_features(m) == 27);
    CHECK_STATUS(lacus_nvar_run(m, X, LZ_TRAIN, 1, F), LACUS_OK);
    for (int t = 0; t < LZ_TRAIN; t++)
        for (int i = 0; i < 3; i++) dX[t * 3 + i] = X[(t + 1) * 3 + i] - X[t * 3 + i];
    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = 27, rp.n_outputs = 3, rp.ridge = ridge;
    lacus_ridge *r = NULL;
    CHECK_STATUS(lacus_ridge_create(&rp, &r, &err), LACUS_OK);
    CHECK_STATUS(lacus_ridge_partial_fit(r, F + LZ_WARM * 27, 27, dX + LZ_WARM * 3, 3,
                                         LZ_TRAIN - LZ_WARM), LACUS_OK);
    CHECK_STATUS(lacus_ridge_solve(r), LACUS_OK);
    double mu[3] = {0}, sig[3] = {0};
    for (int t = 0; t < LZ_N; t++)
        for (int i = 0; i < 3; i++) mu[i] += X[t * 3 + i] / LZ_N;
    for (int t = 0; t < LZ_N; t++)
        for (int i = 0; i < 3; i++) sig[i] += (X[t * 3 + i] - mu[i]) * (X[t * 3 + i] - mu[i]) / LZ_N;
    for (int i = 0; i < 3; i++) sig[i] = sqrt(sig[i]);
    double u[3], f[27], dy[3];
    memcpy(u, X + (LZ_TRAIN - 1) * 3, sizeof u);
    memcpy(f, F + (LZ_TRAIN - 1) * 27, sizeof f);
    int64_t vpt = LZ_N - LZ_TRAIN;
    for (int64_t s = 0; s < LZ_N - LZ_TRAIN; s++) {
        if (lacus_ridge_predict(r, f, 27, 1, dy, 3)) break;
        double e = 0.0;
        for (int i = 0; i < 3; i++) {
            u[i] += dy[i];
            double z = (u[i] - X[(LZ_TRAIN + s) * 3 + i]) / sig[i];
            e += z * z / 3.0;
        }
        if (!(sqrt(e) <= 0.5)) { vpt = s; break; } /* also stops on NaN/Inf */
        if (lacus_nvar_run(m, u, 1, 0, f)) { vpt = s; break; }
    }
    printf("Lorenz-63 NVAR (rtol %g, ridge %g): valid for %lld steps = %.2f Lyapunov times\n",
           rtol > 0 ? rtol : 1e-3, ridge, (long long)vpt, vpt * 0.025 * 0.9056);
    lacus_ridge_free(r);
    lacus_nvar_free(m);
    return vpt;
}

int main(void)
{
    TEST("golden vs ReservoirPy 0.4.2") {
        for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) golden_case(CASES[i]);
        printf("worst |diff| vs ReservoirPy: %.3g\n", worst_golden);
    }
    TEST("feature count") feature_count();
    TEST("bad input") bad_input();
    /* 3 Lyapunov times = 3 / (0.9056 * 0.025) = 132.5 steps. Measured: 162
     * steps (3.67) on the default RK45 data (rtol 1e-3) with the paper's ridge
     * 2.5e-6; 275 (6.2) on accurate data (rtol 1e-10) with ridge 0.1, where
     * 2.5e-6 diverges within ~30 steps (docs/nvar.md). */
    TEST("Lorenz-63 closed loop, paper's ridge") CHECK(lorenz_vpt(0.0, 2.5e-6) >= 133);
    TEST("Lorenz-63 closed loop, accurate data") CHECK(lorenz_vpt(1e-10, 0.1) >= 133);
    TEST_MAIN_END();
}
