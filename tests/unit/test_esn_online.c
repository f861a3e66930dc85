/* lacus_esn_fit_online: an RLS readout started from P = I / beta, learning
 * every state once (forgetting 1) without a bias, ends at the ridge solution
 * with ridge = beta (LACUS_BIAS_NONE; ReservoirPy's RLS bias is a running
 * mean outside P, with no ridge counterpart), over several sequences
 * with warm-up and feed_input; its weights become the model's readout;
 * divergence is reported with the sequence and the last good weights kept;
 * feedback is refused (that is FORCE). */
#include <string.h>

#include "lacus.h"
#include "test.h"

enum { S = 3, T = 250, N = 60, I = 2 };

static lacus_esn *make(lacus_bias_mode bias, double ridge, int64_t n_feedback)
{
    lacus_esn_params p = lacus_esn_params_default();
    p.reservoir.n_units = N;
    p.reservoir.n_inputs = I;
    p.reservoir.lr = 0.5;
    p.reservoir.sr = 0.9;
    p.readout.ridge = ridge;
    p.readout.bias = bias;
    p.readout.solver = LACUS_SOLVER_PRIMAL;
    p.warmup = 20;
    p.feed_input = n_feedback == 0;
    p.n_feedback = n_feedback;
    lacus_esn *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_esn_create(&p, &m, &err), LACUS_OK);
    return m;
}

int main(void)
{
    static double u[S][T * I], y[S][T];
    for (int s = 0; s < S; s++)
        for (int t = 0; t < T; t++) {
            u[s][t * I] = sin(0.07 * t + s);
            u[s][t * I + 1] = cos(0.031 * t * (s + 1));
            y[s][t] = sin(0.07 * (t + 3) + s) * cos(0.031 * t);
        }
    const double *ud[S] = {u[0], u[1], u[2]}, *yd[S] = {y[0], y[1], y[2]};
    int64_t steps[S] = {T, T - 50, T};
    lacus_seqs U = {S, I, ud, steps}, Y = {S, 1, yd, steps};
    const double beta = 1e-2;
    int64_t F = N + I;

    TEST("RLS from P = I / beta ends at ridge(beta)") {
        lacus_esn *a = make(LACUS_BIAS_NONE, beta, 0), *b = make(LACUS_BIAS_NONE, beta, 0);
        lacus_online_params op = lacus_online_params_default();
        op.alpha = beta;
        op.fit_bias = 0;
        CHECK_STATUS(lacus_esn_fit_online(a, &U, &Y, &op), LACUS_OK);
        CHECK_STATUS(lacus_esn_fit(b, &U, &Y), LACUS_OK);
        CHECK(lacus_esn_is_trained(a));
        double Wa[(N + I) + 1], Wb[(N + I) + 1];
        lacus_ridge_get_weights(lacus_esn_readout(a), Wa, Wa + F);
        lacus_ridge_get_weights(lacus_esn_readout(b), Wb, Wb + F);
        double d = test_max_rel_diff(Wa, Wb, F + 1, 0.0);
        printf("RLS vs ridge: max relative difference %.2e\n", d);
        CHECK(d < 1e-7);
        /* and the model runs with it */
        double out[T];
        double *o = out;
        lacus_seqs one = {1, I, ud, steps};
        CHECK_STATUS(lacus_esn_run(a, &one, &o), LACUS_OK);
        lacus_esn_free(a);
        lacus_esn_free(b);
    }
    TEST("LMS divergence: reported, last good weights kept") {
        lacus_esn *a = make(LACUS_BIAS_AUGMENTED, beta, 0);
        lacus_online_params op = lacus_online_params_default();
        op.method = LACUS_ONLINE_LMS;
        op.alpha = 1e6;
        CHECK_STATUS(lacus_esn_fit_online(a, &U, &Y, &op), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_esn_errmsg(a), "online readout, sequence 0") != NULL);
        CHECK(lacus_esn_is_trained(a));
        double W[(N + I) + 1];
        lacus_ridge_get_weights(lacus_esn_readout(a), W, W + F);
        int finite = 1;
        for (int k = 0; k <= F; k++) finite &= isfinite(W[k]);
        CHECK(finite);
        lacus_esn_free(a);
    }
    TEST("feedback is FORCE's job") {
        lacus_esn *a = make(LACUS_BIAS_AUGMENTED, beta, 1);
        lacus_online_params op = lacus_online_params_default();
        CHECK_STATUS(lacus_esn_fit_online(a, &U, &Y, &op), LACUS_ERR_UNSUPPORTED);
        lacus_esn_free(a);
    }
    TEST_MAIN_END();
}
