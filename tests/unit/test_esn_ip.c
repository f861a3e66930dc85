/* Intrinsic plasticity inside an ESN (lacus_esn_fit_ip): the learned gains
 * and biases folded into W, Win and bias must give the states of the IP
 * reservoir itself (lacus_ip_run with the same a, b); the model then saves
 * and loads bit for bit; lr < 1, feedback and bad input are refused with
 * the reservoir unchanged. */
#include <string.h>

#include "fixture.h"
#include "test.h"

#define N 60
#define T 600

static lacus_esn_params params(double lr)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = N;
    p.reservoir.n_inputs = 1;
    p.reservoir.lr = lr;
    p.reservoir.sr = 0.9;
    p.reservoir.seed = 11;
    p.reservoir.bias_scaling = 0.5;
    return p;
}

int main(void)
{
    static double u[T], y[T], xs[T * N], xi[T * N], p1[T], p2[T], W0[N * N], W1[N * N];
    for (int t = 0; t < T; t++) u[t] = sin(0.2 * t) + 0.3 * sin(0.031 * t * t / T);
    for (int t = 0; t < T - 1; t++) y[t] = u[t + 1];
    y[T - 1] = 0.0;
    const double *ud = u, *yd = y;
    int64_t steps = T;
    lacus_seqs U = {1, 1, &ud, &steps}, Y = {1, 1, &yd, &steps};
    lacus_error err = {0};
    lacus_ip_params ip = lacus_ip_params_default();
    ip.eta = 5e-3;
    ip.sigma = 0.3;

    TEST("folded IP gains give the IP reservoir's own states")
    {
        lacus_esn_params p = params(1.0);
        lacus_esn *m = NULL, *ref = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_create(&p, &ref, &err), LACUS_OK);
        double a[N], b[N], a2[N], b2[N];
        CHECK_STATUS(lacus_esn_fit_ip(m, &U, &ip, 3, a, b), LACUS_OK);
        /* the reference: an IP reservoir from the untouched twin, same fit */
        lacus_ip_reservoir *ipr = NULL;
        CHECK_STATUS(lacus_ip_create_from_reservoir(lacus_esn_reservoir(ref), &ip, &ipr, &err),
                     LACUS_OK);
        CHECK_STATUS(lacus_ip_fit(ipr, &U, 3), LACUS_OK);
        lacus_ip_get_a(ipr, a2);
        lacus_ip_get_b(ipr, b2);
        CHECK(memcmp(a, a2, sizeof a) == 0 && memcmp(b, b2, sizeof b) == 0);
        double moved = 0.0;
        for (int n = 0; n < N; n++) moved = fmax(moved, fmax(fabs(a[n] - 1.0), fabs(b[n])));
        CHECK(moved > 1e-3); /* IP did change the reservoir */
        CHECK_STATUS(lacus_ip_run(ipr, u, T, 1, xi), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_run(lacus_esn_reservoir(m), u, T, 1, xs), LACUS_OK);
        double d = test_max_rel_diff(xs, xi, T * N, 1e-12);
        printf("  largest |a - 1|, |b| = %.3g; ESN vs IP reservoir states: max rel diff %.2e\n",
               moved, d);
        CHECK(d < 1e-10);
        lacus_ip_free(ipr);
        lacus_esn_free(ref);

        /* then a readout, and the model file round trip, bit for bit */
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_OK);
        CHECK_STATUS(lacus_esn_save(m, "esn_ip_test.npz", &err), LACUS_OK);
        lacus_esn *back = NULL;
        CHECK_STATUS(lacus_esn_load("esn_ip_test.npz", &back, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_run(m, &U, (double *const[]){p1}), LACUS_OK);
        CHECK_STATUS(lacus_esn_run(back, &U, (double *const[]){p2}), LACUS_OK);
        CHECK(memcmp(p1, p2, sizeof p1) == 0);
        remove("esn_ip_test.npz");
        lacus_esn_free(back);
        lacus_esn_free(m);
    }
    TEST("refusals leave the reservoir unchanged")
    {
        lacus_esn_params p = params(0.5);
        lacus_esn *m = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W0);
        CHECK_STATUS(lacus_esn_fit_ip(m, &U, &ip, 1, NULL, NULL), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(lacus_esn_errmsg(m), "lr = 1") != NULL);
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W1);
        CHECK(memcmp(W0, W1, sizeof W0) == 0);
        lacus_esn_free(m);
        p = params(1.0);
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W0);
        u[10] = NAN;
        CHECK(lacus_esn_fit_ip(m, &U, &ip, 1, NULL, NULL) != LACUS_OK);
        u[10] = sin(2.0);
        lacus_ip_params bad = ip;
        bad.eta = -1.0;
        CHECK_STATUS(lacus_esn_fit_ip(m, &U, &bad, 1, NULL, NULL), LACUS_ERR_ARG);
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W1);
        CHECK(memcmp(W0, W1, sizeof W0) == 0);
        lacus_esn_free(m);
        p.n_feedback = 1;
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit_ip(m, &U, &ip, 1, NULL, NULL), LACUS_ERR_UNSUPPORTED);
        lacus_esn_free(m);
    }
    TEST_MAIN_END();
}
