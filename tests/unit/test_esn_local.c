/* Local plasticity inside an ESN (lacus_esn_fit_local): the W learned by
 * the rule, put into the ESN, gives the plastic reservoir's own states
 * (lr = 1, where the two equations are one); the model saves and loads bit
 * for bit; lr < 1 and bad input are refused with W unchanged. */
#include <string.h>

#include "fixture.h"
#include "test.h"

#define N 50
#define T 500

int main(void)
{
    static double u[T], y[T], xs[T * N], xp[T * N], p1[T], p2[T], W0[N * N], W1[N * N], Wl[N * N];
    for (int t = 0; t < T; t++) u[t] = sin(0.3 * t) * cos(0.017 * t);
    for (int t = 0; t < T; t++) y[t] = t + 1 < T ? u[t + 1] : 0.0;
    const double *ud = u, *yd = y;
    int64_t steps = T;
    lacus_seqs U = {1, 1, &ud, &steps}, Y = {1, 1, &yd, &steps};
    lacus_error err = {0};
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = N;
    p.reservoir.n_inputs = 1;
    p.reservoir.lr = 1.0;
    p.reservoir.sr = 0.9;
    p.reservoir.seed = 5;
    lacus_plasticity_params lp = lacus_plasticity_params_default();
    lp.rule = LACUS_RULE_OJA;
    lp.eta = 1e-2;
    lp.epochs = 2;

    TEST("the ESN with the learned W runs as the plastic reservoir")
    {
        lacus_esn *m = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W0);
        CHECK_STATUS(lacus_esn_fit_local(m, &U, &lp, 0), LACUS_OK);
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W1);
        /* the reference: the plastic reservoir trained the same way */
        lacus_plasticity_params q = lp;
        q.n_units = N;
        q.n_inputs = 1;
        lacus_plasticity *pl = NULL;
        lacus_esn *twin = NULL;
        CHECK_STATUS(lacus_esn_create(&p, &twin, &err), LACUS_OK);
        CHECK_STATUS(lacus_plasticity_create(&q, &pl, &err), LACUS_OK);
        CHECK_STATUS(lacus_plasticity_set_from_reservoir(pl, lacus_esn_reservoir(twin)), LACUS_OK);
        CHECK_STATUS(lacus_plasticity_fit(pl, &U, 0), LACUS_OK);
        lacus_plasticity_get_W(pl, Wl);
        CHECK(memcmp(W1, Wl, sizeof Wl) == 0);
        double moved = 0.0;
        int pattern_kept = 1;
        for (int i = 0; i < N * N; i++) {
            moved = fmax(moved, fabs(W1[i] - W0[i]));
            pattern_kept &= (W0[i] == 0.0) == (W1[i] == 0.0);
        }
        CHECK(moved > 1e-4);
        CHECK(pattern_kept);
        CHECK_STATUS(lacus_plasticity_run(pl, u, T, 1, xp), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_run(lacus_esn_reservoir(m), u, T, 1, xs), LACUS_OK);
        double d = test_max_rel_diff(xs, xp, T * N, 1e-12);
        printf("  Oja moved W by up to %.3g; ESN vs plastic reservoir states: max rel diff %.2e\n",
               moved, d);
        CHECK(d < 1e-10);
        lacus_plasticity_free(pl);
        lacus_esn_free(twin);
        CHECK_STATUS(lacus_esn_fit(m, &U, &Y), LACUS_OK);
        CHECK_STATUS(lacus_esn_save(m, "esn_local_test.npz", &err), LACUS_OK);
        lacus_esn *back = NULL;
        CHECK_STATUS(lacus_esn_load("esn_local_test.npz", &back, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_run(m, &U, (double *const[]){p1}), LACUS_OK);
        CHECK_STATUS(lacus_esn_run(back, &U, (double *const[]){p2}), LACUS_OK);
        CHECK(memcmp(p1, p2, sizeof p1) == 0);
        remove("esn_local_test.npz");
        lacus_esn_free(back);
        lacus_esn_free(m);
    }
    TEST("lr < 1 and bad input are refused, W unchanged")
    {
        lacus_esn_params q = p;
        q.reservoir.lr = 0.3;
        lacus_esn *m = NULL;
        CHECK_STATUS(lacus_esn_create(&q, &m, &err), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit_local(m, &U, &lp, 0), LACUS_ERR_UNSUPPORTED);
        CHECK(strstr(lacus_esn_errmsg(m), "lr = 1") != NULL);
        lacus_esn_free(m);
        CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W0);
        lacus_plasticity_params bad = lp;
        bad.eta = -1.0;
        CHECK(lacus_esn_fit_local(m, &U, &bad, 0) != LACUS_OK);
        u[3] = INFINITY;
        CHECK(lacus_esn_fit_local(m, &U, &lp, 0) != LACUS_OK);
        u[3] = 0.0;
        lacus_reservoir_get_W(lacus_esn_reservoir(m), W1);
        CHECK(memcmp(W0, W1, sizeof W0) == 0);
        lacus_esn_free(m);
    }
    TEST_MAIN_END();
}
