/* Self-predicting units in the local reservoir (src/learn/hetero*.c,
 * selfpred_unit.h): locality (each unit's predictor and recurrent row are
 * rebuilt from only its own fan-in values, its own state history, its own
 * error and the input it sees), thread-count invariance, the readout on
 * [states, predictions, errors] against states alone on Mackey-Glass, the
 * collapse monitor and guard, divergence and bad input. */
#include <stdlib.h>
#include <string.h>

#include "lacus.h"
#include "test.h"

static lacus_localres_params small(int64_t N, int64_t M)
{
    lacus_localres_params p = lacus_localres_params_default();
    p.res.n_units = N;
    p.res.n_inputs = M;
    p.res.sr = 0.9;
    p.res.lr = 0.5;
    p.res.rc_connectivity = 0.2;
    p.res.input_connectivity = 1.0;
    p.res.seed = 3;
    return p;
}

static void fill_input(double *u, int64_t T, int64_t M, unsigned seed)
{
    srand(seed);
    for (int64_t i = 0; i < T * M; i++) u[i] = 2.0 * rand() / (double)RAND_MAX - 1.0;
}

/* Rebuilds units' predictors (and, with w_eta, their W rows) from only
 * their own arrays and compares with the handle's. */
static void locality(lacus_sp_target target, lacus_sp_method method, double w_eta)
{
    const int64_t N = 30, M = 2, T = 300;
    lacus_localres_params p = small(N, M);
    p.sp_target = target;
    p.sp_method = method;
    p.w_eta = w_eta;
    p.mu = 0.3;
    lacus_localres *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_OK);
    double *u = malloc(sizeof(double) * T * M), *X = malloc(sizeof(double) * T * N),
           *E = malloc(sizeof(double) * T * N), *P = malloc(sizeof(double) * T * N),
           *W0 = malloc(sizeof(double) * N * N), *W1 = malloc(sizeof(double) * N * N);
    fill_input(u, T, M, 5);
    lacus_localres_get_W(m, W0);
    CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, X, P, E), LACUS_OK);
    lacus_localres_get_W(m, W1);
    const double lr = p.res.lr;
    double worst_th = 0.0, worst_p = 0.0, worst_w = 0.0;
    for (int64_t i = 0; i < N; i += 7) {
        int64_t nf = 0, fan[64], K = 0;
        lacus_localres_get_fan_in(m, i, fan, &nf);
        lacus_localres_get_theta(m, i, NULL, &K);
        double th[128] = {0}, got[128], z[128], P_[128 * 128] = {0}, row[64];
        for (int64_t a = 0; a < nf; a++) row[a] = W0[i * N + fan[a]];
        for (int64_t a = 0; a < K; a++) P_[a * K + a] = 1.0 / p.rls_alpha;
        for (int64_t t = 0; t < T; t++) {
            /* the unit's own history: x_i(t-1), x_fan(t-1), x_i(t), u(t) */
            double xi_prev = t ? X[(t - 1) * N + i] : 0.0, xi = X[t * N + i];
            int64_t q = 0;
            z[q++] = 1.0;
            z[q++] = xi_prev;
            for (int64_t a = 0; a < nf; a++) z[q++] = t ? X[(t - 1) * N + fan[a]] : 0.0;
            for (; q < K; q++) z[q] = u[t * M + q - (K - M)];
            /* its drive, recovered from its own state: x = (1-lr) x_prev + lr tanh(h) */
            double h = atanh((xi - (1.0 - lr) * xi_prev) / lr);
            double tg = target == LACUS_SP_STATE ? xi : target == LACUS_SP_DRIVE ? h : u[t * M + i % M];
            double pr = 0.0, zz = 0.0;
            for (int64_t a = 0; a < K; a++) pr += th[a] * z[a], zz += z[a] * z[a];
            worst_p = fmax(worst_p, fabs(pr - P[t * N + i]));
            double e = E[t * N + i]; /* its own error, as the network recorded it */
            worst_p = fmax(worst_p, fabs((tg - pr) - e));
            if (method == LACUS_SP_NLMS) {
                for (int64_t a = 0; a < K; a++) th[a] += p.mu * e * z[a] / (p.delta + zz);
            } else {
                double Pz[128], d = p.rls_lambda;
                for (int64_t a = 0; a < K; a++) {
                    Pz[a] = 0.0;
                    for (int64_t b = 0; b < K; b++) Pz[a] += P_[a * K + b] * z[b];
                    d += z[a] * Pz[a];
                }
                for (int64_t a = 0; a < K; a++) th[a] += Pz[a] * e / d;
                for (int64_t a = 0; a < K; a++)
                    for (int64_t b = 0; b < K; b++)
                        P_[a * K + b] = (P_[a * K + b] - Pz[a] * Pz[b] / d) / p.rls_lambda;
            }
            if (w_eta > 0.0)
                for (int64_t a = 0; a < nf; a++) row[a] += w_eta * (xi - h) * z[2 + a];
        }
        lacus_localres_get_theta(m, i, got, &K);
        for (int64_t a = 0; a < K; a++) worst_th = fmax(worst_th, fabs(got[a] - th[a]));
        for (int64_t a = 0; a < nf; a++) worst_w = fmax(worst_w, fabs(W1[i * N + fan[a]] - row[a]));
    }
    printf("locality %s/%s w_eta %g: max |theta diff| %.3g, |p, e diff| %.3g, |W row diff| %.3g\n",
           lacus_sp_target_name(target), lacus_sp_method_name(method), w_eta, worst_th, worst_p,
           worst_w);
    /* atanh of the recorded state loses a few digits; the predictor update
     * itself is replayed exactly */
    CHECK(worst_th < 1e-8);
    CHECK(worst_p < 1e-8);
    CHECK(worst_w < 1e-8);
    if (w_eta > 0.0) {
        double ch = 0.0;
        for (int64_t k = 0; k < N * N; k++) ch += fabs(W1[k] - W0[k]);
        CHECK(ch > 1e-3); /* W did learn */
    }
    free(u), free(X), free(E), free(P), free(W0), free(W1);
    lacus_localres_free(m);
}

static double ridge_nrmse(const double *F, int64_t nf, const double *y, int64_t t0, int64_t t1,
                          int64_t v0, int64_t v1, double beta)
{
    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = nf, rp.n_outputs = 1, rp.ridge = beta;
    lacus_ridge *r = NULL;
    lacus_ridge_create(&rp, &r, NULL);
    lacus_ridge_partial_fit(r, F + t0 * nf, nf, y + t0, 1, t1 - t0);
    lacus_ridge_solve(r);
    double *pr = malloc(sizeof(double) * (v1 - v0)), m = 0, v = 0, s = 0;
    lacus_ridge_predict(r, F + v0 * nf, nf, v1 - v0, pr, 1);
    for (int64_t i = v0; i < v1; i++) m += y[i];
    m /= (double)(v1 - v0);
    for (int64_t i = v0; i < v1; i++) v += (y[i] - m) * (y[i] - m), s += (pr[i - v0] - y[i]) * (pr[i - v0] - y[i]);
    free(pr);
    lacus_ridge_free(r);
    return sqrt(s / v);
}

/* Ridge chosen on a validation window, then the test NRMSE. */
static double readout_nrmse(const double *F, int64_t nf, const double *y, double *best_beta)
{
    double best = INFINITY, bb = 0;
    for (double beta = 1e-9; beta <= 1e-1; beta *= 10) {
        double v = ridge_nrmse(F, nf, y, 100, 2500, 2500, 3000, beta);
        if (v < best) best = v, bb = beta;
    }
    *best_beta = bb;
    return ridge_nrmse(F, nf, y, 100, 3000, 3000, 4000, bb);
}

int main(void)
{
    TEST("locality: NLMS, RLS, each target, tPC coupling of W") {
        locality(LACUS_SP_STATE, LACUS_SP_NLMS, 0.0);
        locality(LACUS_SP_DRIVE, LACUS_SP_NLMS, 0.0);
        locality(LACUS_SP_INPUT, LACUS_SP_NLMS, 0.0);
        locality(LACUS_SP_STATE, LACUS_SP_RLS, 0.0);
        locality(LACUS_SP_STATE, LACUS_SP_NLMS, 0.01);
    }

    TEST("a population of plain units is the ESN of lacus_reservoir_run") {
        const int64_t T = 300, N = 80, M = 2;
        lacus_localres_params p = small(N, M);
        p.res.bias_scaling = 0.5;
        p.pops[0].rule = LACUS_RULE_PLAIN;
        double *u = malloc(sizeof(double) * T * M), *a = malloc(sizeof(double) * T * N),
               *b = malloc(sizeof(double) * T * N);
        fill_input(u, T, M, 6);
        lacus_localres *m = NULL;
        lacus_reservoir *r = NULL;
        CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_create(&p.res, &r, NULL), LACUS_OK);
        CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, a, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus_reservoir_run(r, u, T, 1, b), LACUS_OK);
        double d = 0.0;
        for (int64_t k = 0; k < T * N; k++) d = fmax(d, fabs(a[k] - b[k]));
        printf("plain local reservoir vs lacus_reservoir_run: max |diff| %.3g\n", d);
        CHECK(d < 1e-12);
        lacus_localres_free(m);
        lacus_reservoir_free(r);
        free(u), free(a), free(b);
    }

    TEST("same numbers with 1 and 2 threads") {
        lacus_localres_params p = small(400, 1);
        p.res.rc_connectivity = 0.1;
        p.w_eta = 1e-3;
        p.guard_ip = 1;
        const int64_t T = 200;
        double *u = malloc(sizeof(double) * T), *a = malloc(sizeof(double) * T * 400),
               *b = malloc(sizeof(double) * T * 400);
        fill_input(u, T, 1, 9);
        lacus_localres *m = NULL;
        for (int th = 1; th <= 2; th++) {
            lacus_set_num_threads(th);
            CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
            CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, th == 1 ? a : b, NULL, NULL), LACUS_OK);
            lacus_localres_free(m);
        }
        CHECK(memcmp(a, b, sizeof(double) * T * 400) == 0);
        lacus_set_num_threads(2);
        free(u), free(a), free(b);
    }

    TEST("Mackey-Glass 84 steps ahead: [s, p, e] readout not worse than s alone") {
        const int64_t T = 4000, H = 84, N = 100;
        double *mg = malloc(sizeof(double) * (T + H));
        lacus_mackey_glass_params mp = lacus_mackey_glass_params_default();
        CHECK_STATUS(lacus_mackey_glass(T + H, &mp, mg, NULL), LACUS_OK);
        for (int64_t i = 0; i < T + H; i++) mg[i] = (mg[i] - 0.9) / 0.23;
        lacus_localres_params p = small(N, 1);
        p.res.sr = 1.25, p.res.lr = 0.3, p.res.rc_connectivity = 0.1, p.res.seed = 1;
        lacus_localres *m = NULL;
        CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
        int64_t F = lacus_localres_n_features(m, 1);
        CHECK(F == 3 * N);
        double *X = malloc(sizeof(double) * T * F), *S = malloc(sizeof(double) * T * N);
        CHECK_STATUS(lacus_localres_run(m, mg, 3000, 1, 1, NULL, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus_localres_features(m, mg, T, 0, 1, 1, X), LACUS_OK);
        for (int64_t t = 0; t < T; t++) memcpy(S + t * N, X + t * F, sizeof(double) * N);
        double bs, bspe;
        double e_s = readout_nrmse(S, N, mg + H, &bs), e_spe = readout_nrmse(X, F, mg + H, &bspe);
        lacus_localres_stats st;
        lacus_localres_stats_get(m, &st);
        printf("MG84 N=%lld: NRMSE states %.4f (ridge %g), [s,p,e] %.4f (ridge %g); mean |e| %.4g, "
               "min running var %.3g, quiet units %lld\n", (long long)N, e_s, bs, e_spe, bspe,
               st.mean_abs_err, st.min_var, (long long)st.n_quiet);
        CHECK(e_spe <= e_s);
        CHECK(st.n_quiet == 0);
        CHECK(st.min_var > p.quiet_var);
        int64_t np = 0, nf = 0;
        for (int64_t i = 0; i < N; i++) lacus_localres_get_fan_in(m, i, NULL, &nf), np += 3 + nf;
        CHECK(st.n_params == np); /* [1, x_i, fan-in, u] per unit */
        free(mg), free(X), free(S);
        lacus_localres_free(m);
    }

    TEST("collapse monitor counts quiet units; the IP guard wakes them") {
        const int64_t T = 3000, N = 50;
        double *u = malloc(sizeof(double) * T);
        fill_input(u, T, 1, 4);
        lacus_localres_params p = small(N, 1);
        p.res.sr = 0.1;
        p.res.input_scaling = 1e-3; /* a nearly silent network */
        lacus_localres *m = NULL;
        lacus_localres_stats a, b;
        CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, NULL, NULL, NULL), LACUS_OK);
        lacus_localres_stats_get(m, &a);
        lacus_localres_free(m);
        p.guard_ip = 1;
        p.ip_eta = 2e-2;
        CHECK_STATUS(lacus_localres_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, NULL, NULL, NULL), LACUS_OK);
        lacus_localres_stats_get(m, &b);
        printf("quiet network: %lld/%lld quiet (mean var %.3g); with IP guard %lld quiet (mean var %.3g)\n",
               (long long)a.n_quiet, (long long)N, a.mean_var, (long long)b.n_quiet, b.mean_var);
        CHECK(a.n_quiet == N);
        CHECK(b.n_quiet < N / 2);
        CHECK(b.mean_var > 100.0 * a.mean_var);
        lacus_localres_free(m);
        free(u);
    }

    TEST("divergence is detected, stopped and reported; bad input") {
        const int64_t T = 2000;
        double *u = malloc(sizeof(double) * T), *X = malloc(sizeof(double) * T * 30);
        fill_input(u, T, 1, 2);
        lacus_localres_params p = small(30, 1);
        p.w_eta = 50.0;
        p.max_norm = 100.0;
        lacus_localres *m = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_OK);
        CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, X, NULL, NULL), LACUS_ERR_NUMERIC);
        printf("divergence: %s\n", lacus_localres_errmsg(m));
        CHECK(strstr(lacus_localres_errmsg(m), "w_eta") != NULL);
        CHECK(strstr(lacus_localres_errmsg(m), "diverged at step") != NULL);
        double W[900];
        lacus_localres_get_W(m, W);
        double big = 0;
        for (int k = 0; k < 900; k++) big = fmax(big, fabs(W[k]));
        CHECK(isfinite(big) && big <= 100.0);
        lacus_localres_free(m);

        p = small(30, 1);
        p.mu = 2.5;
        CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "mu = 2.5") != NULL);
        p = small(30, 1);
        p.res.activation = LACUS_ACT_RELU;
        CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "tanh") != NULL);
        p = small(30, 1);
        p.relax = 0.2;
        p.sp_target = LACUS_SP_INPUT;
        CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "relax") != NULL);
        p = small(30, 1);
        p.n_pops = 2;
        p.pops[0].n_units = 10, p.pops[0].rule = LACUS_RULE_PLAIN;
        p.pops[1].n_units = 10, p.pops[1].rule = LACUS_RULE_FF;
        CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "cover 20 units") != NULL);
        p.pops[0].rule = LACUS_RULE_PLAIN, p.pops[1].rule = LACUS_RULE_PLAIN, p.pops[1].n_units = 20;
        p.w_eta = 0.1;
        CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "no population uses the selfpred") != NULL);
        p = small(30, 1);
        CHECK_STATUS(lacus_localres_create(&p, &m, &err), LACUS_OK);
        u[17] = NAN;
        CHECK_STATUS(lacus_localres_run(m, u, T, 1, 1, X, NULL, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_localres_errmsg(m), "input u") != NULL);
        CHECK_STATUS(lacus_localres_get_theta(m, 99, NULL, NULL), LACUS_ERR_ARG);
        lacus_local_rule r;
        CHECK_STATUS(lacus_local_rule_parse("hebb", &r, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "plain, selfpred, ff, ip") != NULL);
        lacus_localres_free(m);
        free(u), free(X);
    }
    TEST_MAIN_END();
}
