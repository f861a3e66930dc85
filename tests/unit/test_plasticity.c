/* Local-plasticity reservoir (src/nodes/local_plasticity.c): golden against
 * ReservoirPy 0.4.2 for the five rules (tests/ref/make_plasticity_fixtures.py),
 * both its shipped frozen-state fit (rpy_frozen_state = 1) and the rule as
 * documented (state advanced, lacus's default); locality of one update built
 * by hand; the fixed sparsity pattern; spectral-radius rescaling; bad input. */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

static const char *CASES[] = {"oja", "anti-oja", "hebbian", "anti-hebbian", "bcm", "oja_norm"};

static double max_abs_diff(const double *a, const double *b, int64_t n)
{
    double m = 0.0;
    for (int64_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > m || a[i] != a[i]) m = a[i] != a[i] ? INFINITY : fabs(a[i] - b[i]);
    return m;
}

static double worst_W = 0.0, worst_states = 0.0;

static lacus_plasticity *make(lacus_npz *z, int frozen, lacus_ndarray *W0)
{
    lacus_ndarray Win = fx_get(z, "Win"), bias = fx_get(z, "bias");
    *W0 = fx_get(z, "W0");
    lacus_plasticity_params p = lacus_plasticity_params_default();
    p.n_units = W0->shape[0];
    p.n_inputs = Win.shape[1];
    p.rule = (lacus_plasticity_rule)(int)fx_scalar(z, "rule");
    p.eta = fx_scalar(z, "eta");
    p.bcm_theta = fx_scalar(z, "bcm_theta");
    p.lr = fx_scalar(z, "lr");
    p.epochs = (int64_t)fx_scalar(z, "epochs");
    p.synapse_normalization = (int)fx_scalar(z, "norm");
    p.rpy_frozen_state = frozen;
    lacus_plasticity *r = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_OK);
    CHECK_STATUS(lacus_plasticity_set_W(r, W0->data), LACUS_OK);
    CHECK_STATUS(lacus_plasticity_set_Win(r, Win.data), LACUS_OK);
    CHECK_STATUS(lacus_plasticity_set_bias(r, bias.data), LACUS_OK);
    lacus_ndarray_free(&Win);
    lacus_ndarray_free(&bias);
    return r;
}

static void golden_case(const char *name, int frozen)
{
    char rel[256];
    snprintf(rel, sizeof rel, "plasticity/%s.npz", name);
    lacus_npz *z = fx_open(rel);
    lacus_ndarray W0;
    lacus_plasticity *r = make(z, frozen, &W0);
    lacus_ndarray u0 = fx_get(z, "u0"), u1 = fx_get(z, "u1"), ut = fx_get(z, "u_test");
    lacus_ndarray Wref = fx_get(z, frozen ? "W_stock" : "W_fixed");
    lacus_ndarray Sref = fx_get(z, frozen ? "states_stock" : "states_fixed");
    int64_t N = W0.shape[0], T = ut.shape[0];
    int64_t nnz0 = lacus_plasticity_W_nnz(r);

    const double *data[2] = {u0.data, u1.data};
    int64_t steps[2] = {u0.shape[0], u1.shape[0]};
    lacus_seqs seqs = {2, u0.shape[1], data, steps};
    CHECK_STATUS(lacus_plasticity_fit(r, &seqs, 0), LACUS_OK);
    double *W = malloc(sizeof(double) * (size_t)(N * N));
    double *S = malloc(sizeof(double) * (size_t)(T * N));
    lacus_plasticity_get_W(r, W);
    CHECK_STATUS(lacus_plasticity_run(r, ut.data, T, 1, S), LACUS_OK);
    double dW = max_abs_diff(W, Wref.data, N * N), dS = max_abs_diff(S, Sref.data, T * N);
    printf("  %-13s %-6s max |dW| = %.3g, max |d states| = %.3g\n", name,
           frozen ? "stock" : "fixed", dW, dS);
    CHECK(dW <= 1e-10);
    CHECK(dS <= 1e-10);
    if (dW > worst_W) worst_W = dW;
    if (dS > worst_states) worst_states = dS;

    /* The pattern is fixed: zeros of W0 stay exactly zero, nnz unchanged. */
    const double *w0 = W0.data;
    int zeros_kept = 1;
    for (int64_t k = 0; k < N * N; k++)
        if (w0[k] == 0.0 && W[k] != 0.0) zeros_kept = 0;
    CHECK(zeros_kept);
    CHECK(lacus_plasticity_W_nnz(r) == nnz0);

    free(W);
    free(S);
    lacus_ndarray_free(&W0);
    lacus_ndarray_free(&u0);
    lacus_ndarray_free(&u1);
    lacus_ndarray_free(&ut);
    lacus_ndarray_free(&Wref);
    lacus_ndarray_free(&Sref);
    lacus_plasticity_free(r);
    lacus_npz_close(z);
}

/* One training step built by hand: W_ij changes by a function of W_ij,
 * r_j[t] and r_i[t+1] only (computed here from the public state). */
static void locality(lacus_plasticity_rule rule)
{
    lacus_npz *z = fx_open("plasticity/bcm.npz");
    lacus_ndarray W0;
    lacus_plasticity *r = make(z, 0, &W0);
    lacus_ndarray Win = fx_get(z, "Win"), bias = fx_get(z, "bias"), ut = fx_get(z, "u_test");
    lacus_npz_close(z);
    int64_t N = W0.shape[0], I = Win.shape[1];
    /* A second handle with the chosen rule and the same weights. */
    lacus_plasticity_params p = lacus_plasticity_params_default();
    p.n_units = N;
    p.n_inputs = I;
    p.rule = rule;
    p.eta = 0.01;
    p.bcm_theta = 0.05;
    p.lr = 0.6;
    lacus_plasticity_free(r);
    CHECK_STATUS(lacus_plasticity_create(&p, &r, NULL), LACUS_OK);
    lacus_plasticity_set_W(r, W0.data);
    lacus_plasticity_set_Win(r, Win.data);
    lacus_plasticity_set_bias(r, bias.data);

    double *S = malloc(sizeof(double) * (size_t)(10 * N));
    double *x = malloc(sizeof(double) * (size_t)N), *rin = malloc(sizeof(double) * (size_t)N);
    double *post = malloc(sizeof(double) * (size_t)N);
    double *W = malloc(sizeof(double) * (size_t)(N * N));
    CHECK_STATUS(lacus_plasticity_run(r, ut.data, 10, 1, S), LACUS_OK); /* a non-zero state */
    lacus_plasticity_get_state(r, x, rin);
    const double *u = (const double *)ut.data + 10 * I, *w0 = W0.data;
    const double *win = Win.data, *b = bias.data;
    for (int64_t i = 0; i < N; i++) {
        double s = b[i];
        for (int64_t j = 0; j < N; j++) s += w0[i * N + j] * x[j];
        for (int64_t k = 0; k < I; k++) s += win[i * I + k] * u[k];
        post[i] = (1.0 - p.lr) * x[i] + p.lr * s;
    }
    const double *one[1] = {u};
    int64_t len[1] = {1};
    lacus_seqs seq = {1, I, one, len};
    CHECK_STATUS(lacus_plasticity_fit(r, &seq, 1), LACUS_OK);
    lacus_plasticity_get_W(r, W);
    double worst = 0.0;
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < N; j++) {
            double w = w0[i * N + j], pre = rin[j], po = post[i], d = 0.0;
            if (w == 0.0) {
                if (W[i * N + j] != 0.0) worst = INFINITY;
                continue;
            }
            switch (rule) {
            case LACUS_RULE_OJA: d = p.eta * po * (pre - po * w); break;
            case LACUS_RULE_ANTI_OJA: d = -p.eta * po * (pre - po * w); break;
            case LACUS_RULE_HEBBIAN: d = p.eta * po * pre; break;
            case LACUS_RULE_ANTI_HEBBIAN: d = -p.eta * po * pre; break;
            case LACUS_RULE_BCM: d = p.eta * po * (po - p.bcm_theta) * pre; break;
            }
            double e = fabs(W[i * N + j] - (w + d));
            if (e > worst) worst = e;
        }
    printf("  locality %-13s max |W - (W0 + dW by hand)| = %.3g\n", lacus_plasticity_rule_name(rule),
           worst);
    CHECK(worst <= 1e-14);
    /* The state advanced to the post-synaptic one. */
    double *x2 = malloc(sizeof(double) * (size_t)N), *r2 = malloc(sizeof(double) * (size_t)N);
    lacus_plasticity_get_state(r, x2, r2);
    CHECK(max_abs_diff(r2, post, N) <= 1e-15);
    CHECK_CLOSE(x2[0], tanh(post[0]), 1e-15);
    free(x2);
    free(r2);
    free(S);
    free(x);
    free(rin);
    free(post);
    free(W);
    lacus_ndarray_free(&W0);
    lacus_ndarray_free(&Win);
    lacus_ndarray_free(&bias);
    lacus_ndarray_free(&ut);
    lacus_plasticity_free(r);
}

int main(void)
{
    TEST("golden vs ReservoirPy 0.4.2")
    {
        for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
            golden_case(CASES[c], 1);
            golden_case(CASES[c], 0);
        }
        printf("worst |dW| = %.3g, worst |d states| = %.3g\n", worst_W, worst_states);
    }

    TEST("locality of one update")
    {
        for (int k = 0; k < 5; k++) locality((lacus_plasticity_rule)k);
    }

    TEST("rule names")
    {
        lacus_plasticity_rule rule;
        CHECK_STATUS(lacus_plasticity_rule_parse("Anti-Oja", &rule), LACUS_OK);
        CHECK(rule == LACUS_RULE_ANTI_OJA);
        CHECK_STATUS(lacus_plasticity_rule_parse("bcm", &rule), LACUS_OK);
        CHECK(rule == LACUS_RULE_BCM);
        CHECK_STATUS(lacus_plasticity_rule_parse("hebb", &rule), LACUS_ERR_ARG);
        CHECK(strcmp(lacus_plasticity_rule_name(LACUS_RULE_HEBBIAN), "hebbian") == 0);
        lacus_plasticity_params d = lacus_plasticity_params_default();
        CHECK(d.rule == LACUS_RULE_OJA && d.eta == 1e-3 && d.bcm_theta == 0.0 && d.epochs == 1 &&
              d.lr == 1.0 && d.synapse_normalization == 0 && d.sr_after == 0.0);
    }

    TEST("spectral-radius rescaling after training")
    {
        lacus_reservoir_params rp = lacus_reservoir_params_default();
        rp.n_units = 40;
        rp.n_inputs = 1;
        rp.rc_connectivity = 0.2;
        rp.bias_scaling = 0.1;
        rp.seed = 3;
        lacus_reservoir *res = NULL;
        CHECK_STATUS(lacus_reservoir_create(&rp, &res, NULL), LACUS_OK);
        lacus_plasticity_params p = lacus_plasticity_params_default();
        p.n_units = 40;
        p.n_inputs = 1;
        p.rule = LACUS_RULE_HEBBIAN;
        p.eta = 1e-3;
        p.sr_after = 0.95;
        lacus_plasticity *r = NULL;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, NULL), LACUS_OK);
        CHECK_STATUS(lacus_plasticity_set_from_reservoir(r, res), LACUS_OK);
        CHECK(lacus_plasticity_W_nnz(r) == lacus_reservoir_W_nnz(res));
        double u[200];
        for (int t = 0; t < 200; t++) u[t] = sin(0.3 * t);
        const double *one[1] = {u};
        int64_t len[1] = {100};
        lacus_seqs seq = {1, 1, one, len};
        CHECK_STATUS(lacus_plasticity_fit(r, &seq, 1), LACUS_OK);
        if (lacus_plasticity_errmsg(r)[0]) printf("  %s\n", lacus_plasticity_errmsg(r));
        double W[1600], rho = 0.0, W1[1600];
        lacus_plasticity_get_W(r, W);
        lacus_reservoir_get_W(res, W1);
        CHECK(max_abs_diff(W, W1, 1600) > 1e-3); /* it learnt something */
        CHECK_STATUS(lacus_spectral_radius_dense(40, W, &rho, NULL), LACUS_OK);
        printf("  spectral radius after hebbian fit + rescale: %.15f (asked 0.95)\n", rho);
        CHECK_CLOSE(rho, 0.95, 1e-10);
        lacus_plasticity_free(r);
        lacus_reservoir_free(res);
    }

    TEST("bad input")
    {
        lacus_plasticity_params p = lacus_plasticity_params_default();
        p.n_units = 5;
        p.n_inputs = 1;
        lacus_plasticity *r = NULL;
        lacus_error err = {0};
        p.rule = (lacus_plasticity_rule)7;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_ERR_ARG);
        CHECK(r == NULL && strstr(err.msg, "unknown rule"));
        p.rule = LACUS_RULE_OJA;
        p.eta = 0.0;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "eta") && strstr(err.msg, "> 0"));
        p.eta = -1e-3;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "eta"));
        p.eta = NAN;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "eta = nan"));
        p.eta = 1e-3;
        p.activation = LACUS_ACT_SOFTMAX;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "element-wise"));
        p.activation = LACUS_ACT_TANH;
        p.sr_after = -1.0;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "sr_after"));
        p.sr_after = 0.0;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_OK);

        double W[25] = {0}, S[5 * 3];
        W[1] = 0.5;
        W[7] = NAN;
        CHECK_STATUS(lacus_plasticity_set_W(r, W), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_plasticity_errmsg(r), "set_W") && strstr(lacus_plasticity_errmsg(r), "not finite"));
        W[7] = -0.3;
        CHECK_STATUS(lacus_plasticity_set_W(r, W), LACUS_OK);

        double u[3] = {0.1, NAN, 0.2};
        const double *one[1] = {u};
        int64_t len[1] = {3};
        lacus_seqs seq = {1, 1, one, len};
        CHECK_STATUS(lacus_plasticity_fit(r, &seq, 1), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_plasticity_errmsg(r), "input[1, 0] is NaN"));
        CHECK_STATUS(lacus_plasticity_run(r, u, 3, 1, S), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_plasticity_errmsg(r), "NaN"));
        double Wg[25];
        lacus_plasticity_get_W(r, Wg);
        CHECK(memcmp(Wg, W, sizeof W) == 0); /* rejected input leaves W alone */

        u[1] = 0.0;
        len[0] = 0;
        CHECK_STATUS(lacus_plasticity_fit(r, &seq, 1), LACUS_ERR_ARG);
        CHECK(strstr(lacus_plasticity_errmsg(r), "empty"));
        lacus_seqs none = {0, 1, NULL, NULL};
        CHECK_STATUS(lacus_plasticity_fit(r, &none, 1), LACUS_ERR_ARG);
        CHECK(strstr(lacus_plasticity_errmsg(r), "empty"));
        CHECK_STATUS(lacus_plasticity_run(r, u, 0, 1, S), LACUS_ERR_ARG);
        CHECK(strstr(lacus_plasticity_errmsg(r), "empty"));
        len[0] = 3;
        seq.n_features = 2;
        CHECK_STATUS(lacus_plasticity_fit(r, &seq, 1), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_plasticity_errmsg(r), "features"));
        seq.n_features = 1;
        CHECK_STATUS(lacus_plasticity_fit(r, &seq, -2), LACUS_ERR_ARG);
        CHECK(strstr(lacus_plasticity_errmsg(r), "epochs"));

        /* Divergence: huge eta with plain Hebb gives Inf; W is restored. */
        lacus_plasticity_free(r);
        p.rule = LACUS_RULE_HEBBIAN;
        p.eta = 1e6;
        CHECK_STATUS(lacus_plasticity_create(&p, &r, &err), LACUS_OK);
        W[0] = 0.9;
        W[6] = 0.9;
        lacus_plasticity_set_W(r, W);
        double Win[5] = {1, 1, 1, 1, 1};
        lacus_plasticity_set_Win(r, Win);
        double big[200];
        for (int t = 0; t < 200; t++) big[t] = 1.0;
        one[0] = big;
        len[0] = 200;
        CHECK_STATUS(lacus_plasticity_fit(r, &seq, 3), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_plasticity_errmsg(r), "diverged"));
        lacus_plasticity_get_W(r, Wg);
        CHECK(memcmp(Wg, W, sizeof W) == 0);
        lacus_plasticity_free(r);
    }

    TEST_MAIN_END();
}
