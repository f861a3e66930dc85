/* Temporal predictive coding and the Kalman filter (src/learn/tpc.c):
 * equal to the NumPy statement of both (tests/ref/make_local_fixtures.py),
 * tPC within 10% of the Kalman filter's MSE on a fully observed
 * linear-Gaussian system (the claim of Millidge et al. 2024), learning of A
 * and B from a wrong start, and divergent rates detected. */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

static double mse(const double *a, const double *b, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s / (double)n;
}

static double maxdiff(const double *a, const double *b, int64_t n)
{
    double m = 0.0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static void check_fixture(const char *name)
{
    lacus_npz *z = fx_open(name);
    lacus_ndarray A = fx_get(z, "A"), B = fx_get(z, "B"), C = fx_get(z, "C"), q = fx_get(z, "q"),
                  r = fx_get(z, "r"), u = fx_get(z, "u"), y = fx_get(z, "y"),
                  kf = fx_get(z, "kalman"), tp = fx_get(z, "tpc"), tl = fx_get(z, "tpc_learn"),
                  Al = fx_get(z, "A_learned"), Bl = fx_get(z, "B_learned"),
                  ga = fx_get(z, "gamma"), ni = fx_get(z, "n_iter"), eta = fx_get(z, "eta"),
                  A0 = fx_get(z, "A0"), B0 = fx_get(z, "B0");
    const double *qd = q.data, *rd = r.data;
    lacus_lgssm m = {A.shape[0], C.shape[0], B.shape[1], A.data, B.data, C.data, qd[0], rd[0]};
    int64_t T = y.shape[0], nx = m.n_x;
    double *xh = malloc(sizeof(double) * (size_t)(T * nx));
    lacus_error err = {0};
    CHECK_STATUS(lacus_kalman_filter(&m, u.data, y.data, T, xh, &err), LACUS_OK);
    double d = maxdiff(xh, kf.data, T * nx);
    printf("%s: Kalman vs NumPy max |diff| %.3g\n", name, d);
    CHECK(d < 1e-10);

    lacus_tpc_params p = lacus_tpc_params_default();
    p.gamma = ((double *)ga.data)[0];
    p.n_iter = (int64_t)((double *)ni.data)[0];
    lacus_tpc *t = NULL;
    CHECK_STATUS(lacus_tpc_create(&m, &p, &t, &err), LACUS_OK);
    CHECK_STATUS(lacus_tpc_run(t, u.data, y.data, T, xh), LACUS_OK);
    d = maxdiff(xh, tp.data, T * nx);
    printf("%s: tPC inference vs NumPy max |diff| %.3g\n", name, d);
    CHECK(d < 1e-10);
    lacus_tpc_free(t);

    lacus_lgssm m0 = m;
    m0.A = A0.data;
    m0.B = B0.data;
    p.eta = ((double *)eta.data)[0];
    CHECK_STATUS(lacus_tpc_create(&m0, &p, &t, &err), LACUS_OK);
    CHECK_STATUS(lacus_tpc_run(t, u.data, y.data, T, xh), LACUS_OK);
    double Ag[64], Bg[64];
    lacus_tpc_get(t, Ag, Bg, NULL);
    d = fmax(maxdiff(xh, tl.data, T * nx), fmax(maxdiff(Ag, Al.data, nx * nx),
                                                 maxdiff(Bg, Bl.data, nx * m.n_u)));
    printf("%s: tPC learning vs NumPy max |diff| %.3g\n", name, d);
    CHECK(d < 1e-10);
    lacus_tpc_free(t);
    free(xh);
    lacus_ndarray *all[] = {&A, &B, &C, &q, &r, &u, &y, &kf, &tp, &tl, &Al, &Bl, &ga, &ni, &eta, &A0, &B0};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

/* The system of the "full" fixture. */
static const double TH = 0.3;
static double A_[4], B_[2] = {0.5, -0.3}, C_[4] = {1.0, 0.4, -0.3, 0.8};

int main(void)
{
    A_[0] = 0.95 * cos(TH), A_[1] = -0.95 * sin(TH), A_[2] = 0.95 * sin(TH), A_[3] = 0.95 * cos(TH);
    TEST("Kalman filter and tPC equal the NumPy reference") {
        check_fixture("local/lgssm_full.npz");
        check_fixture("local/lgssm_partial.npz");
    }

    lacus_lgssm sys = {2, 2, 1, A_, B_, C_, 1.0, 1.0};
    const int64_t T = 20000;
    double *u = malloc(sizeof(double) * T), *x = malloc(sizeof(double) * 2 * T),
           *y = malloc(sizeof(double) * 2 * T), *kf = malloc(sizeof(double) * 2 * T),
           *xt = malloc(sizeof(double) * 2 * T), *obs = malloc(sizeof(double) * 2 * T);
    lacus_error err = {0};
    CHECK_STATUS(lacus_lgssm_sample(&sys, T, 11, u, x, y, &err), LACUS_OK);
    CHECK_STATUS(lacus_kalman_filter(&sys, u, y, T, kf, &err), LACUS_OK);
    double m_kf = mse(kf, x, 2 * T);

    TEST("tPC within 10% of the Kalman MSE (fully observed, known A, B, C)") {
        lacus_tpc *t = NULL;
        lacus_tpc_params p = lacus_tpc_params_default();
        p.gamma = 0.2;
        p.n_iter = 30;
        CHECK_STATUS(lacus_tpc_create(&sys, &p, &t, &err), LACUS_OK);
        CHECK_STATUS(lacus_tpc_run(t, u, y, T, xt), LACUS_OK);
        double m_t = mse(xt, x, 2 * T);
        /* the observation alone, inverted: x = C^-1 y (no dynamics used) */
        double det = C_[0] * C_[3] - C_[1] * C_[2];
        for (int64_t k = 0; k < T; k++) {
            obs[2 * k] = (C_[3] * y[2 * k] - C_[1] * y[2 * k + 1]) / det;
            obs[2 * k + 1] = (-C_[2] * y[2 * k] + C_[0] * y[2 * k + 1]) / det;
        }
        double m_o = mse(obs, x, 2 * T);
        printf("T = %lld: Kalman MSE %.4f, tPC MSE %.4f (ratio %.4f), C^-1 y MSE %.4f\n",
               (long long)T, m_kf, m_t, m_t / m_kf, m_o);
        CHECK(m_kf <= m_t);          /* the Kalman filter is optimal */
        CHECK(m_t <= 1.10 * m_kf);   /* tPC approaches it */
        CHECK(m_t < 0.8 * m_o);      /* and uses the dynamics */
        lacus_tpc_free(t);
    }

    TEST("tPC learns A and B from A = 0.5 I, B = 0 (C known)") {
        double A0[4] = {0.5, 0, 0, 0.5}, B0[2] = {0, 0};
        lacus_lgssm m0 = sys;
        m0.A = A0, m0.B = B0;
        lacus_tpc_params p = lacus_tpc_params_default();
        p.gamma = 0.2, p.n_iter = 30, p.eta = 2e-3;
        lacus_tpc *t = NULL;
        CHECK_STATUS(lacus_tpc_create(&m0, &p, &t, &err), LACUS_OK);
        double *ut = malloc(sizeof(double) * T), *xt2 = malloc(sizeof(double) * 2 * T),
               *yt = malloc(sizeof(double) * 2 * T);
        CHECK_STATUS(lacus_lgssm_sample(&sys, T, 12, ut, xt2, yt, &err), LACUS_OK);
        for (int ep = 0; ep < 3; ep++) CHECK_STATUS(lacus_tpc_run(t, ut, yt, T, NULL), LACUS_OK);
        double Al[4], Bl[2];
        lacus_tpc_get(t, Al, Bl, NULL);
        double dA = 0.0, dA0 = 0.0;
        for (int i = 0; i < 4; i++) dA = fmax(dA, fabs(Al[i] - A_[i])), dA0 = fmax(dA0, fabs(A0[i] - A_[i]));
        /* test on the held-out sequence, learning off */
        lacus_tpc_free(t);
        lacus_lgssm ml = sys;
        ml.A = Al, ml.B = Bl;
        p.eta = 0.0;
        CHECK_STATUS(lacus_tpc_create(&ml, &p, &t, &err), LACUS_OK);
        CHECK_STATUS(lacus_tpc_run(t, u, y, T, xt), LACUS_OK);
        double m_l = mse(xt, x, 2 * T);
        printf("learned: max |A - A_true| %.3f (start %.3f), B = (%.3f, %.3f) (true 0.5, -0.3), "
               "MSE %.4f = %.4f x Kalman\n", dA, dA0, Bl[0], Bl[1], m_l, m_l / m_kf);
        CHECK(dA < 0.5 * dA0);
        CHECK(m_l <= 1.15 * m_kf);
        lacus_tpc_free(t);
        free(ut), free(xt2), free(yt);
    }

    TEST("divergent rates and bad input are reported") {
        lacus_tpc *t = NULL;
        lacus_tpc_params p = lacus_tpc_params_default();
        p.gamma = 2.0; /* gamma (pi_x + pi_y |C|^2) > 2: the relaxation explodes */
        p.n_iter = 200;
        CHECK_STATUS(lacus_tpc_create(&sys, &p, &t, &err), LACUS_OK);
        CHECK_STATUS(lacus_tpc_run(t, u, y, 100, xt), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_tpc_errmsg(t), "gamma") != NULL);
        lacus_tpc_free(t);
        p = lacus_tpc_params_default();
        p.gamma = 0.2, p.n_iter = 50, p.eta = 5.0;
        CHECK_STATUS(lacus_tpc_create(&sys, &p, &t, &err), LACUS_OK);
        CHECK_STATUS(lacus_tpc_run(t, u, y, T, xt), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_tpc_errmsg(t), "eta") != NULL);
        printf("divergence message: %s\n", lacus_tpc_errmsg(t));
        lacus_tpc_free(t);
        lacus_lgssm bad = sys;
        bad.q = 0.0;
        CHECK_STATUS(lacus_tpc_create(&bad, NULL, &t, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "q = 0") != NULL);
        CHECK_STATUS(lacus_kalman_filter(&bad, u, y, 10, xt, &err), LACUS_ERR_ARG);
        double ynan[4] = {1, NAN, 0, 0};
        CHECK_STATUS(lacus_kalman_filter(&sys, u, ynan, 2, xt, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "y") != NULL);
        p.eta = -1.0;
        CHECK_STATUS(lacus_tpc_create(&sys, &p, &t, &err), LACUS_ERR_ARG);
    }
    free(u), free(x), free(y), free(kf), free(xt), free(obs);
    TEST_MAIN_END();
}
