/* The convex logistic readout: lacus_logistic_fit equals scikit-learn's
 * multinomial LogisticRegression (lbfgs) on a fixture
 * (tests/ref/make_sweep_fixtures.py); the LM's logistic readout equals that
 * solver on the LM's own features when the reservoir is silent (a bigram
 * model: features onehot(tok)); it beats the unigram on lgen text; it saves
 * and loads; bad parameters are refused. */
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

int main(void)
{
    TEST("lacus_logistic_fit = scikit-learn LogisticRegression (multinomial, lbfgs)")
    {
        lacus_npz *z = fx_open("sweep/logistic.npz");
        lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "y"), Cs = fx_get(z, "Cs");
        const int64_t n = X.shape[0], F = X.shape[1];
        int32_t *y = malloc((size_t)n * sizeof *y);
        int64_t V = 0;
        for (int64_t t = 0; t < n; t++) y[t] = (int32_t)((double *)Y.data)[t], V = y[t] + 1 > V ? y[t] + 1 : V;
        double *W = malloc((size_t)(F * V) * sizeof *W), b[16];
        for (int64_t c = 0; c < Cs.shape[0]; c++) {
            char name[32];
            snprintf(name, sizeof name, "coef_C%lld", (long long)c);
            lacus_ndarray coef = fx_get(z, name);
            snprintf(name, sizeof name, "intercept_C%lld", (long long)c);
            lacus_ndarray icpt = fx_get(z, name);
            snprintf(name, sizeof name, "loss_C%lld", (long long)c);
            double ref_loss = fx_scalar(z, name);
            int64_t iters = 0;
            double C = ((double *)Cs.data)[c];
            CHECK_STATUS(lacus_logistic_fit(X.data, n, F, y, V, 1.0 / C, 10000, 1e-12, W, b, &iters, NULL), LACUS_OK);
            /* coef_ is (V, F); W is (F, V). Intercepts compared centred:
             * softmax does not see a common shift. */
            double worst = 0, bm = 0, im = 0;
            const double *cf = coef.data, *ic = icpt.data;
            for (int64_t f = 0; f < F; f++)
                for (int64_t v = 0; v < V; v++) worst = fmax(worst, fabs(W[f * V + v] - cf[v * F + f]));
            for (int64_t v = 0; v < V; v++) bm += b[v] / (double)V, im += ic[v] / (double)V;
            for (int64_t v = 0; v < V; v++) worst = fmax(worst, fabs((b[v] - bm) - (ic[v] - im)));
            /* Our objective at our solution, as the fixture defines it. */
            double loss = 0, reg = 0;
            for (int64_t t = 0; t < n; t++) {
                double s[16], mx = -INFINITY, zz = 0;
                for (int64_t v = 0; v < V; v++) {
                    s[v] = b[v];
                    for (int64_t f = 0; f < F; f++) s[v] += ((double *)X.data)[t * F + f] * W[f * V + v];
                    mx = fmax(mx, s[v]);
                }
                for (int64_t v = 0; v < V; v++) zz += exp(s[v] - mx);
                loss += (mx + log(zz) - s[y[t]]) / (double)n;
            }
            for (int64_t i = 0; i < F * V; i++) reg += W[i] * W[i];
            loss += reg / (2 * C * (double)n);
            printf("  C = %g: %lld iterations, max |W - sklearn| = %.2e, loss %.12f vs sklearn %.12f\n", C,
                   (long long)iters, worst, loss, ref_loss);
            CHECK(worst < 1e-5);
            CHECK(loss <= ref_loss + 1e-12);
            CHECK_CLOSE(loss, ref_loss, 1e-10);
            lacus_ndarray_free(&coef), lacus_ndarray_free(&icpt);
        }
        lacus_error err = {0};
        y[3] = (int32_t)V;
        CHECK_STATUS(lacus_logistic_fit(X.data, n, F, y, V, 1, 100, 1e-6, W, b, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "y[3]") != NULL);
        y[3] = 0;
        ((double *)X.data)[5] = NAN;
        CHECK_STATUS(lacus_logistic_fit(X.data, n, F, y, V, 1, 100, 1e-6, W, b, NULL, &err), LACUS_ERR_NUMERIC);
        CHECK_STATUS(lacus_logistic_fit(X.data, n, F, y, V, -1, 100, 1e-6, W, b, NULL, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_logistic_fit(X.data, n, F, y, 1, 1, 100, 1e-6, W, b, NULL, &err), LACUS_ERR_ARG);
        free(y), free(W);
        lacus_ndarray_free(&X), lacus_ndarray_free(&Y), lacus_ndarray_free(&Cs);
        lacus_npz_close(z);
    }

    /* lgen text for the LM tests. */
    lacus_lgen_params gp = lacus_lgen_params_default();
    /* A small lexicon keeps V (and the L-BFGS problems) small. */
    gp.n_nouns = 10, gp.n_adj = 4, gp.n_prep = 2, gp.n_vi = 3, gp.n_vt = 3, gp.n_vr = 2, gp.n_vc = 2;
    lacus_lgen *g = NULL;
    lacus_lgen_create(&gp, &g, NULL);
    const int64_t V = lacus_lgen_vocab_size(g), n = 6000, n_calib = 600, n_test = 2000;
    int32_t *ids = malloc((size_t)(n + n_test) * sizeof *ids);
    lacus_lgen_generate(g, n + n_test, ids, NULL, NULL, NULL);
    lacus_lgen_free(g);

    TEST("silent reservoir: the LM's logistic readout = lacus_logistic_fit on onehot(tok)")
    {
        lacus_lm_params p = lacus_lm_params_default();
        p.vocab_size = V, p.n_units = 8, p.rc_degree = 2, p.sr = 0, p.input_scaling = 0, p.bias_scaling = 0, p.gate_tokens = 0;
        p.warmup = 10;
        lacus_lm_readout_params rp = lacus_lm_readout_params_default();
        rp.kind = LACUS_LM_LOGISTIC, rp.l2 = 5, rp.tol = 1e-10, rp.iters = 5000;
        lacus_lm *m = NULL;
        CHECK_STATUS(lacus_lm_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_set_readout(m, &rp), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit(m, ids, n, n_calib, NULL, NULL), LACUS_OK);
        /* Reference rows: t in [warmup, n_train - 1), features onehot(ids[t]). */
        const int64_t n_train = n - n_calib, rows = n_train - 1 - p.warmup;
        double *X = calloc((size_t)(rows * V), sizeof *X), *W = malloc((size_t)(V * V) * sizeof *W);
        double *b = malloc((size_t)V * sizeof *b), *q = malloc((size_t)V * sizeof *q);
        int32_t *y = malloc((size_t)rows * sizeof *y);
        for (int64_t r = 0; r < rows; r++) X[r * V + ids[p.warmup + r]] = 1, y[r] = ids[p.warmup + r + 1];
        CHECK_STATUS(lacus_logistic_fit(X, rows, V, y, V, 5, 5000, 1e-10, W, b, NULL, NULL), LACUS_OK);
        const double beta = lacus_lm_beta(m);
        double worst = 0;
        for (int64_t c = 0; c < V; c += 7) {
            int32_t ctx[2] = {ids[0], (int32_t)c};
            CHECK_STATUS(lacus_lm_probs(m, ctx, 2, q), LACUS_OK);
            double s[256], mx = -INFINITY, zz = 0;
            for (int64_t v = 0; v < V; v++) s[v] = beta * (W[c * V + v] + b[v]), mx = fmax(mx, s[v]);
            for (int64_t v = 0; v < V; v++) zz += exp(s[v] - mx);
            for (int64_t v = 0; v < V; v++) worst = fmax(worst, fabs(q[v] - exp(s[v] - mx) / zz));
        }
        printf("  (%.1f s cpu)\n", (double)clock() / CLOCKS_PER_SEC);
        printf("  silent reservoir: beta %.4f, max |p_lm - p_ref| = %.2e\n", beta, worst);
        CHECK(V <= 256);
        CHECK(worst < 1e-6);
        /* L2 shrinks the logits towards 0, so the fitted inverse temperature
         * sharpens them again: beta > 1. */
        CHECK(beta > 1 && beta < 2);
        lacus_lm_free(m);
        free(X), free(W), free(b), free(q), free(y);
    }

    TEST("logistic LM on lgen: beats the unigram, saves and loads, bad parameters")
    {
        lacus_lm_params p = lacus_lm_params_default();
        p.vocab_size = V, p.n_units = 40, p.gate_tokens = 0, p.ridge = 1;
        lacus_lm_readout_params rp = lacus_lm_readout_params_default();
        rp.kind = LACUS_LM_LOGISTIC;
        lacus_lm *m = NULL, *r = NULL;
        CHECK_STATUS(lacus_lm_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_set_readout(m, &rp), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit(m, ids, n, n_calib, NULL, NULL), LACUS_OK);
        double bits, bits_ridge, uni = 0, *cnt = calloc((size_t)V, sizeof *cnt);
        CHECK_STATUS(lacus_lm_score(m, ids, n + n_test, n, &bits), LACUS_OK);
        for (int64_t t = 0; t < n; t++) cnt[ids[t]] += 1;
        for (int64_t t = n; t < n + n_test; t++) uni -= log2((cnt[ids[t]] + 1) / (double)(n + V));
        CHECK_STATUS(lacus_lm_create(&p, &r, NULL), LACUS_OK); /* ridge: the default readout */
        CHECK_STATUS(lacus_lm_fit(r, ids, n, n_calib, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_score(r, ids, n + n_test, n, &bits_ridge), LACUS_OK);
        const double nt = (double)(n_test - 1);
        printf("  (%.1f s cpu)\n", (double)clock() / CLOCKS_PER_SEC);
        printf("  lgen, N = 40: logistic %.4f, ridge+temperature %.4f, unigram %.4f bits/token\n", bits / nt,
               bits_ridge / nt, uni / (double)n_test);
        CHECK(bits / nt < uni / (double)n_test - 0.5);
        CHECK(lacus_lm_eps(m) == 0);
        const char *path = fx_tmp_path("lm_logistic.npz");
        lacus_lm *l = NULL;
        CHECK_STATUS(lacus_lm_save(m, NULL, path, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_load(path, &l, NULL, NULL), LACUS_OK);
        double bits2 = 0;
        if (l) CHECK_STATUS(lacus_lm_score(l, ids, n + n_test, n, &bits2), LACUS_OK);
        CHECK(bits2 == bits);
        if (l) CHECK(lacus_lm_readout_get(l)->kind == LACUS_LM_LOGISTIC && lacus_lm_readout_get(l)->l2 == 1);
        lacus_lm_free(l), lacus_lm_free(m), lacus_lm_free(r);
        free(cnt);
        /* Bad readout settings, on a fresh model. */
        CHECK_STATUS(lacus_lm_create(&p, &m, NULL), LACUS_OK);
        rp.l2 = NAN;
        CHECK_STATUS(lacus_lm_set_readout(m, &rp), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m), "l2") != NULL);
        rp.l2 = 1, rp.max_rows = 0;
        CHECK_STATUS(lacus_lm_set_readout(m, &rp), LACUS_ERR_ARG);
        rp.max_rows = 10, rp.kind = 7;
        CHECK_STATUS(lacus_lm_set_readout(m, &rp), LACUS_ERR_ARG);
        lacus_lm_free(m);
        p.gate_tokens = 4, rp.kind = LACUS_LM_LOGISTIC;
        CHECK_STATUS(lacus_lm_create(&p, &m, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_set_readout(m, &rp), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m), "gate") != NULL);
        lacus_lm_free(m);
    }
    free(ids);
    TEST_MAIN_END();
}
