/* lacus_nvar_forecast, the NVAR closed loop in C, against
 *  - ReservoirPy 0.4.2's own closed loop (NVAR >> Ridge, `y = y + model(y)`
 *    as in its NG-RC tutorial) on Lorenz-63, with ReservoirPy's weights
 *    (tests/ref/make_nvar_forecast_fixtures.py): the features are bitwise
 *    equal, so the loops differ only by the rounding of the 27-term dot
 *    product (NumPy's vs OpenBLAS's order), which the chaos then grows;
 *  - lacus's own step-by-step loop (lacus_ridge_predict + lacus_nvar_run
 *    with n_steps = 1), which it must equal bit for bit;
 * plus divergence, continuation and bad input. */
#include <string.h>

#include "fixture.h"
#include "lacus.h"
#include "test.h"

enum { HIST = 600, WARM = 200, GEN = 400, FGEN = 800 /* the fixture's loops */ };

static lacus_nvar *warmed(int64_t k, int64_t s, const double *hist, int64_t n, double *F)
{
    lacus_nvar_params p = lacus_nvar_params_default();
    p.n_inputs = 3, p.delay = k, p.strides = s;
    lacus_nvar *m = NULL;
    lacus_error err = {0};
    if (lacus_nvar_create(&p, &m, &err)) return NULL;
    double *f = F ? F : malloc(sizeof(double) * (size_t)(n * lacus_nvar_n_features(m)));
    if (lacus_nvar_run(m, hist, n, 1, f)) {
        lacus_nvar_free(m);
        m = NULL;
    }
    if (!F) free(f);
    return m;
}

/* The loop lacus users wrote before lacus_nvar_forecast existed (docs/nvar.md). */
static int step_loop(lacus_nvar *m, const lacus_ridge *r, const double *last, const double *f_last,
                     int inc, int64_t n, double *out)
{
    int64_t F = lacus_nvar_n_features(m);
    double u[3], y[3], *f = malloc(sizeof(double) * (size_t)F);
    memcpy(u, last, sizeof u);
    memcpy(f, f_last, sizeof(double) * (size_t)F);
    int bad = 0;
    for (int64_t t = 0; t < n && !bad; t++) {
        bad |= lacus_ridge_predict(r, f, F, 1, y, 3) != LACUS_OK;
        for (int i = 0; i < 3; i++) u[i] = inc ? u[i] + y[i] : y[i];
        memcpy(out + t * 3, u, sizeof u);
        bad |= lacus_nvar_run(m, u, 1, 0, f) != LACUS_OK;
    }
    free(f);
    return bad;
}

int main(void)
{
    lacus_npz *z = fx_open("nvar5/nvar_forecast.npz");
    lacus_ndarray hist = fx_get(z, "hist"), truth = fx_get(z, "truth");
    const double *H = hist.data;
    static const char *const cases[] = {"inc", "k3s2", "next"};
    double sigma[3] = {0};
    for (int i = 0; i < 3; i++) {
        double mu = 0.0, v = 0.0;
        for (int t = 0; t < HIST; t++) mu += H[t * 3 + i] / HIST;
        for (int t = 0; t < HIST; t++) v += (H[t * 3 + i] - mu) * (H[t * 3 + i] - mu) / HIST;
        sigma[i] = sqrt(v);
    }

    TEST("equal to ReservoirPy 0.4.2's closed loop for the first 100 steps (1e-8)") {
        for (int c = 0; c < 3; c++) {
            char name[32];
            snprintf(name, sizeof name, "%s_Wout", cases[c]);
            lacus_ndarray W = fx_get(z, name);
            snprintf(name, sizeof name, "%s_bias", cases[c]);
            lacus_ndarray b = fx_get(z, name);
            snprintf(name, sizeof name, "%s_gen", cases[c]);
            lacus_ndarray g = fx_get(z, name);
            snprintf(name, sizeof name, "%s_cfg", cases[c]);
            lacus_ndarray cfg = fx_get(z, name);
            const double *CFG = cfg.data, *G = g.data;
            lacus_nvar *m = warmed((int64_t)CFG[0], (int64_t)CFG[1], H, HIST, NULL);
            CHECK(m != NULL);
            if (!m) continue;
            CHECK(W.shape[0] == lacus_nvar_n_features(m) && W.shape[1] == 3 && g.shape[0] == FGEN);
            double out[FGEN * 3];
            int64_t done = -1;
            lacus_nvar_predicts what = CFG[2] ? LACUS_NVAR_PREDICT_INCREMENT : LACUS_NVAR_PREDICT_NEXT;
            CHECK_STATUS(lacus_nvar_forecast(m, W.data, W.shape[0], W.shape[1], b.data, what, FGEN,
                                             out, &done), LACUS_OK);
            CHECK(done == FGEN);
            /* Differences in units of sigma, step by step. */
            double d100 = 0.0;
            int64_t first8 = FGEN, first3 = FGEN;
            for (int64_t t = 0; t < FGEN; t++) {
                double d = 0.0;
                for (int i = 0; i < 3; i++) d = fmax(d, fabs(out[t * 3 + i] - G[t * 3 + i]) / sigma[i]);
                if (!(d <= 1e-8) && first8 == FGEN) first8 = t;
                if (!(d <= 1e-3) && first3 == FGEN) first3 = t;
                if (t < 100) d100 = fmax(d100, d);
            }
            double dall = 0.0;
            for (int64_t t = 0; t < FGEN; t++)
                for (int i = 0; i < 3; i++) dall = fmax(dall, fabs(out[t * 3 + i] - G[t * 3 + i]) / sigma[i]);
            printf("%s: max |lacus - ReservoirPy| / sigma: %.3g over steps 0-99, %.3g over all %d; "
                   "first step above 1e-8: %lld, above 1e-3: %lld (%d = never)\n", cases[c], d100,
                   dall, FGEN, (long long)first8, (long long)first3, FGEN);
            /* The rounding gap (a 27-term dot product summed in another
             * order, ~1e-16) grows with the largest Lyapunov exponent,
             * e^(0.9056 * 0.025 t): measured 7.7e-13 to 8.9e-12 sigma at
             * step 100 and past 1e-8 only from steps 432-468 (9.8-10.6
             * Lyapunov times). Guards: 1e-8 for 100 steps (the issue's
             * bar), and for 300 steps (6.8 Lyapunov times). */
            CHECK(d100 <= 1e-8);
            CHECK(first8 >= 300);
            lacus_nvar_free(m);
            lacus_ndarray_free(&W);
            lacus_ndarray_free(&b);
            lacus_ndarray_free(&g);
            lacus_ndarray_free(&cfg);
        }
    }

    TEST("bit for bit the loop of lacus_ridge_predict + lacus_nvar_run, every case") {
        for (int c = 0; c < 4; c++) {
            /* c = 3: increments with no bias (bias = NULL vs a zero bias). */
            int64_t k = c == 1 ? 3 : 2, s = c == 1 ? 2 : 1;
            int inc = c != 2;
            lacus_nvar_params p = lacus_nvar_params_default();
            p.n_inputs = 3, p.delay = k, p.strides = s;
            int64_t F = 0;
            lacus_nvar_count_features(&p, &F, NULL);
            double *Fe = malloc(sizeof(double) * (size_t)(HIST * F)), *Y = malloc(sizeof(double) * HIST * 3);
            lacus_nvar *a = warmed(k, s, H, HIST, Fe), *bnode = warmed(k, s, H, HIST, NULL);
            CHECK(a && bnode);
            for (int t = 0; t + 1 < HIST; t++)
                for (int i = 0; i < 3; i++)
                    Y[t * 3 + i] = H[(t + 1) * 3 + i] - (inc ? H[t * 3 + i] : 0.0);
            lacus_ridge_params rp = lacus_ridge_params_default();
            rp.n_features = F, rp.n_outputs = 3, rp.ridge = c == 1 ? 1e-4 : 1e-6;
            if (c == 3) rp.bias = LACUS_BIAS_NONE;
            lacus_ridge *r = NULL;
            CHECK_STATUS(lacus_ridge_create(&rp, &r, NULL), LACUS_OK);
            CHECK_STATUS(lacus_ridge_partial_fit(r, Fe + (WARM - 1) * F, F, Y + (WARM - 1) * 3, 3,
                                                 HIST - WARM), LACUS_OK);
            CHECK_STATUS(lacus_ridge_solve(r), LACUS_OK);
            double *W = malloc(sizeof(double) * (size_t)(F * 3)), b[3];
            lacus_ridge_get_weights(r, W, b);
            double loop[GEN * 3], fc[GEN * 3];
            CHECK(step_loop(a, r, H + (HIST - 1) * 3, Fe + (HIST - 1) * F, inc, GEN, loop) == 0);
            int64_t done = 0;
            CHECK_STATUS(lacus_nvar_forecast(bnode, W, F, 3, c == 3 ? NULL : b,
                                             inc ? LACUS_NVAR_PREDICT_INCREMENT : LACUS_NVAR_PREDICT_NEXT,
                                             GEN, fc, &done), LACUS_OK);
            int same = memcmp(loop, fc, sizeof loop) == 0;
            printf("case %d (delay %lld strides %lld, %s%s): forecast %s the step loop over %d steps\n",
                   c, (long long)k, (long long)s, inc ? "increments" : "next value",
                   c == 3 ? ", no bias" : "", same ? "bit-equal to" : "DIFFERS from", GEN);
            CHECK(same);
            /* The delay lines end in the same place: one more step agrees. */
            double f1[1000], f2[1000], u0[3] = {1.0, -2.0, 3.0};
            lacus_nvar_run(a, u0, 1, 0, f1);
            lacus_nvar_run(bnode, u0, 1, 0, f2);
            CHECK(memcmp(f1, f2, sizeof(double) * (size_t)F) == 0);
            /* And the forecast does not depend on the thread count. */
            lacus_nvar *t1 = warmed(k, s, H, HIST, NULL);
            int saved = lacus_get_num_threads();
            lacus_set_num_threads(1);
            double one[GEN * 3];
            CHECK_STATUS(lacus_nvar_forecast(t1, W, F, 3, c == 3 ? NULL : b,
                                             inc ? LACUS_NVAR_PREDICT_INCREMENT : LACUS_NVAR_PREDICT_NEXT,
                                             GEN, one, NULL), LACUS_OK);
            lacus_set_num_threads(saved);
            CHECK(memcmp(one, fc, sizeof one) == 0);
            lacus_nvar_free(t1);
            lacus_ridge_free(r);
            lacus_nvar_free(a);
            lacus_nvar_free(bnode);
            free(W);
            free(Fe);
            free(Y);
        }
    }

    lacus_ndarray W = fx_get(z, "inc_Wout"), B = fx_get(z, "inc_bias");
    const int64_t NF = W.shape[0];

    TEST("a forecast continues across calls: 150 + 250 steps = 400 steps") {
        lacus_nvar *a = warmed(2, 1, H, HIST, NULL), *b = warmed(2, 1, H, HIST, NULL);
        double one[GEN * 3], two[GEN * 3];
        CHECK_STATUS(lacus_nvar_forecast(a, W.data, NF, 3, B.data, LACUS_NVAR_PREDICT_INCREMENT, GEN,
                                         one, NULL), LACUS_OK);
        CHECK_STATUS(lacus_nvar_forecast(b, W.data, NF, 3, B.data, LACUS_NVAR_PREDICT_INCREMENT, 150,
                                         two, NULL), LACUS_OK);
        CHECK_STATUS(lacus_nvar_forecast(b, W.data, NF, 3, B.data, LACUS_NVAR_PREDICT_INCREMENT, 250,
                                         two + 150 * 3, NULL), LACUS_OK);
        CHECK(memcmp(one, two, sizeof one) == 0);
        /* And it forecasts: within 0.5 sigma of the truth for 100 steps (2.3
         * Lyapunov times; the fixture's ReservoirPy loop holds 169). */
        const double *T = truth.data;
        int64_t vpt = GEN;
        for (int64_t t = 0; t < GEN && vpt == GEN; t++) {
            double e = 0.0;
            for (int i = 0; i < 3; i++) e += pow((one[t * 3 + i] - T[t * 3 + i]) / sigma[i], 2) / 3.0;
            if (!(sqrt(e) <= 0.5)) vpt = t;
        }
        printf("lacus forecast: %lld steps within 0.5 sigma of the truth\n", (long long)vpt);
        CHECK(vpt >= 100);
        lacus_nvar_free(a);
        lacus_nvar_free(b);
    }

    TEST("divergence stops at the step, rows before it kept") {
        double *Wbig = malloc(sizeof(double) * (size_t)(NF * 3));
        for (int64_t i = 0; i < NF * 3; i++) Wbig[i] = 1e100;
        lacus_nvar *a = warmed(2, 1, H, HIST, NULL);
        double out[10 * 3];
        for (int i = 0; i < 30; i++) out[i] = -7.0;
        int64_t done = -1;
        CHECK_STATUS(lacus_nvar_forecast(a, Wbig, NF, 3, NULL, LACUS_NVAR_PREDICT_INCREMENT, 10, out,
                                         &done), LACUS_ERR_NUMERIC);
        const char *msg = lacus_nvar_errmsg(a);
        printf("divergence: n_done %lld, \"%s\"\n", (long long)done, msg);
        /* 1e100 weights: ~1e104 after one step, ~1e212 after two, then
         * the quadratic features overflow. */
        CHECK(done >= 1 && done < 10);
        char want[64];
        snprintf(want, sizeof want, "diverged at step %lld of 10", (long long)done);
        CHECK(strstr(msg, want) != NULL);
        int finite = 1, untouched = 1;
        for (int64_t i = 0; i < 3 * done; i++) finite &= isfinite(out[i]);
        for (int64_t i = 3 * done; i < 30; i++) untouched &= out[i] == -7.0;
        CHECK(finite && fabs(out[0]) > 1e90);
        CHECK(untouched);
        free(Wbig);
        lacus_nvar_free(a);
    }

    TEST("bad input: clear errors, nothing written, the delay line unchanged") {
        lacus_nvar *a = warmed(2, 1, H, HIST, NULL);
        const double *Wd = W.data, *Bd = B.data;
        double out[3] = {-7.0, -7.0, -7.0}, ref[GEN * 3], got[GEN * 3];
        int64_t done = 5;
        CHECK_STATUS(lacus_nvar_forecast(a, NULL, NF, 3, Bd, 1, 1, out, &done), LACUS_ERR_ARG);
        CHECK(done == 0);
        CHECK_STATUS(lacus_nvar_forecast(a, Wd, NF, 3, Bd, 1, 1, NULL, NULL), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_nvar_forecast(a, Wd, NF, 3, Bd, 1, 0, out, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_nvar_errmsg(a), "n_steps = 0") != NULL);
        CHECK_STATUS(lacus_nvar_forecast(a, Wd, NF, 3, Bd, (lacus_nvar_predicts)7, 1, out, NULL),
                     LACUS_ERR_ARG);
        CHECK_STATUS(lacus_nvar_forecast(a, Wd, NF - 1, 3, Bd, 1, 1, out, NULL), LACUS_ERR_SHAPE);
        CHECK(strstr(lacus_nvar_errmsg(a), "(26, 3)") != NULL &&
              strstr(lacus_nvar_errmsg(a), "(27, 3)") != NULL);
        CHECK_STATUS(lacus_nvar_forecast(a, Wd, NF, 2, Bd, 1, 1, out, NULL), LACUS_ERR_SHAPE);
        double *Wn = malloc(sizeof(double) * (size_t)(NF * 3)), bn[3] = {0.0, NAN, 0.0};
        memcpy(Wn, Wd, sizeof(double) * (size_t)(NF * 3));
        Wn[40] = INFINITY;
        CHECK_STATUS(lacus_nvar_forecast(a, Wn, NF, 3, Bd, 1, 1, out, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_nvar_errmsg(a), "Wout") != NULL);
        CHECK_STATUS(lacus_nvar_forecast(a, Wd, NF, 3, bn, 1, 1, out, NULL), LACUS_ERR_NUMERIC);
        CHECK(strstr(lacus_nvar_errmsg(a), "bias") != NULL);
        CHECK(out[0] == -7.0 && out[1] == -7.0 && out[2] == -7.0);
        /* After all that, the same forecast as a fresh warmed node. */
        lacus_nvar *b = warmed(2, 1, H, HIST, NULL);
        lacus_nvar_forecast(a, Wd, NF, 3, Bd, 1, GEN, got, NULL);
        lacus_nvar_forecast(b, Wd, NF, 3, Bd, 1, GEN, ref, NULL);
        CHECK(memcmp(got, ref, sizeof ref) == 0);
        /* No warm-up: an empty delay line, or one not yet full. */
        lacus_nvar_reset(a);
        CHECK_STATUS(lacus_nvar_forecast(a, Wd, NF, 3, Bd, 1, 1, out, NULL), LACUS_ERR_STATE);
        CHECK(strstr(lacus_nvar_errmsg(a), "warm it up") != NULL);
        lacus_nvar *c = warmed(3, 2, H, 4, NULL); /* needs (3-1)*2+1 = 5 inputs */
        lacus_nvar_params p = lacus_nvar_params_default();
        p.n_inputs = 3, p.delay = 3, p.strides = 2;
        int64_t F3 = 0;
        lacus_nvar_count_features(&p, &F3, NULL);
        double *W3 = calloc((size_t)(F3 * 3), sizeof(double));
        CHECK_STATUS(lacus_nvar_forecast(c, W3, F3, 3, NULL, 1, 1, out, NULL), LACUS_ERR_STATE);
        CHECK(strstr(lacus_nvar_errmsg(c), "= 5") != NULL);
        double one[3] = {0.5, 0.5, 0.5}, f[200];
        lacus_nvar_run(c, one, 1, 0, f);
        CHECK_STATUS(lacus_nvar_forecast(c, W3, F3, 3, NULL, 1, 1, out, NULL), LACUS_OK);
        CHECK(out[0] == 0.5 && out[1] == 0.5 && out[2] == 0.5); /* zero increments */
        CHECK_STATUS(lacus_nvar_forecast(NULL, Wd, NF, 3, Bd, 1, 1, out, NULL), LACUS_ERR_ARG);
        lacus_nvar_predicts w;
        CHECK_STATUS(lacus_nvar_predicts_parse("increment", &w), LACUS_OK);
        CHECK(w == LACUS_NVAR_PREDICT_INCREMENT);
        CHECK_STATUS(lacus_nvar_predicts_parse("next", &w), LACUS_OK);
        CHECK(w == LACUS_NVAR_PREDICT_NEXT && !strcmp(lacus_nvar_predicts_name(w), "next"));
        CHECK_STATUS(lacus_nvar_predicts_parse("delta", &w), LACUS_ERR_ARG);
        free(Wn);
        free(W3);
        lacus_nvar_free(a);
        lacus_nvar_free(b);
        lacus_nvar_free(c);
    }

    TEST("lacus_nvar_model: fit = NVAR + ridge by hand, generate = forecast, save/load exact") {
        lacus_nvar_model_params p = lacus_nvar_model_params_default();
        p.readout.ridge = 2.5e-6;
        p.warmup = WARM - 1;
        const double *hp = H;
        int64_t steps = HIST;
        lacus_seqs S = {1, 3, &hp, &steps};
        lacus_nvar_model *m = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_nvar_model_fit(&p, &S, &m, &err), LACUS_OK);
        double Wm[27 * 3], bm[3];
        CHECK_STATUS(lacus_nvar_model_get_weights(m, Wm, bm), LACUS_OK);
        /* By hand: the same rows (WARM-1 .. 598) and increments. */
        double Fe[HIST * 27], Y[HIST * 3], Wh[27 * 3], bh[3];
        lacus_nvar *a = warmed(2, 1, H, HIST, Fe);
        for (int t = 0; t + 1 < HIST; t++)
            for (int i = 0; i < 3; i++) Y[t * 3 + i] = H[(t + 1) * 3 + i] - H[t * 3 + i];
        lacus_ridge_params rp = lacus_ridge_params_default();
        rp.n_features = 27, rp.n_outputs = 3, rp.ridge = 2.5e-6;
        lacus_ridge *r = NULL;
        lacus_ridge_create(&rp, &r, NULL);
        lacus_ridge_partial_fit(r, Fe + (WARM - 1) * 27, 27, Y + (WARM - 1) * 3, 3, HIST - WARM);
        lacus_ridge_solve(r);
        lacus_ridge_get_weights(r, Wh, bh);
        CHECK(memcmp(Wm, Wh, sizeof Wh) == 0 && memcmp(bm, bh, sizeof bh) == 0);
        /* generate = warm-up + forecast with those weights. */
        double g1[GEN * 3], g2[GEN * 3], g3[GEN * 3];
        int64_t done = 0;
        CHECK_STATUS(lacus_nvar_model_generate(m, H, HIST, GEN, g1, &done), LACUS_OK);
        CHECK(done == GEN);
        CHECK_STATUS(lacus_nvar_forecast(a, Wh, 27, 3, bh, LACUS_NVAR_PREDICT_INCREMENT, GEN, g2, NULL),
                     LACUS_OK);
        CHECK(memcmp(g1, g2, sizeof g1) == 0);
        /* Only the last (delay-1)*strides+1 warm-up rows matter. */
        CHECK_STATUS(lacus_nvar_model_generate(m, H + (HIST - 2) * 3, 2, GEN, g3, NULL), LACUS_OK);
        CHECK(memcmp(g1, g3, sizeof g1) == 0);
        /* One step ahead: row t forecasts H[t+1]; the last row = g1[0]. */
        double pr[HIST * 3];
        CHECK_STATUS(lacus_nvar_model_predict(m, H, HIST, pr), LACUS_OK);
        double d = 0.0;
        for (int i = 0; i < 3; i++) d = fmax(d, fabs(pr[(HIST - 1) * 3 + i] - g1[i]));
        CHECK(d <= 1e-12 * 50);
        /* One-step forecasts = the increments of the readout by hand, added
         * to the input (lacus_ridge_predict on the same rows). */
        double inc[HIST * 3];
        lacus_ridge_predict(r, Fe, 27, HIST, inc, 3);
        int same = 1;
        for (int k = 0; k < HIST * 3; k++) same &= pr[k] == H[k] + inc[k];
        CHECK(same);
        /* And they forecast: RMS one-step error on the training rows against
         * the persistence forecast x[t+1] = x[t] (measured 1.1e-3 and 0.18
         * sigma with ReservoirPy's weights, a ratio of 0.0063). */
        double e1 = 0.0, e0 = 0.0;
        for (int t = WARM - 1; t + 1 < HIST; t++)
            for (int i = 0; i < 3; i++) {
                e1 += pow((pr[t * 3 + i] - H[(t + 1) * 3 + i]) / sigma[i], 2);
                e0 += pow((H[t * 3 + i] - H[(t + 1) * 3 + i]) / sigma[i], 2);
            }
        printf("model: one-step RMS error %.3g sigma on the training rows (persistence %.3g); "
               "predict vs generate, first step: %.3g\n", sqrt(e1 / (3 * (HIST - WARM))),
               sqrt(e0 / (3 * (HIST - WARM))), d);
        CHECK(sqrt(e1 / e0) < 0.02);
        const char *path = fx_tmp_path("nvar_model.npz");
        CHECK_STATUS(lacus_nvar_model_save(m, path, &err), LACUS_OK);
        lacus_nvar_model *l = NULL;
        CHECK_STATUS(lacus_nvar_model_load(path, &l, &err), LACUS_OK);
        if (l) {
            lacus_nvar_model_params q = lacus_nvar_model_params_get(l);
            CHECK(q.nvar.delay == 2 && q.nvar.order == 2 && q.nvar.strides == 1 && q.warmup == WARM - 1 &&
                  q.predicts == LACUS_NVAR_PREDICT_INCREMENT && q.readout.ridge == 2.5e-6);
            CHECK_STATUS(lacus_nvar_model_generate(l, H, HIST, GEN, g3, NULL), LACUS_OK);
            CHECK(memcmp(g1, g3, sizeof g1) == 0);
            char kind[16];
            CHECK_STATUS(lacus_model_file_kind(path, kind, sizeof kind, &err), LACUS_OK);
            CHECK(!strcmp(kind, "nvar"));
        }
        /* Errors. */
        CHECK_STATUS(lacus_nvar_model_generate(m, H, 1, 5, g3, NULL), LACUS_ERR_STATE);
        CHECK(strstr(lacus_nvar_model_errmsg(m), "needs (delay - 1) * strides + 1 = 2") != NULL);
        CHECK_STATUS(lacus_esn_load(path, &(lacus_esn *){NULL}, &err), LACUS_ERR_FORMAT);
        int64_t three = 3;
        lacus_seqs short_s = {1, 3, &hp, &three};
        lacus_nvar_model *bad = NULL;
        p.warmup = 5;
        CHECK_STATUS(lacus_nvar_model_fit(&p, &short_s, &bad, &err), LACUS_ERR_SHAPE);
        CHECK(bad == NULL && strstr(err.msg, "no training row") != NULL);
        double Hn[HIST * 3];
        memcpy(Hn, H, sizeof Hn);
        Hn[100 * 3 + 1] = NAN;
        const double *two[2] = {H, Hn};
        int64_t st2[2] = {HIST, HIST};
        lacus_seqs S2 = {2, 3, two, st2};
        CHECK_STATUS(lacus_nvar_model_fit(&p, &S2, &bad, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "sequence 1") != NULL && strstr(err.msg, "100") != NULL);
        printf("NaN in the series: \"%s\"\n", err.msg);
        p.warmup = -2;
        CHECK_STATUS(lacus_nvar_model_fit(&p, &S, &bad, &err), LACUS_ERR_ARG);
        p.warmup = -1;
        p.nvar.order = 0;
        CHECK_STATUS(lacus_nvar_model_fit(&p, &S, &bad, &err), LACUS_ERR_ARG);
        lacus_nvar_model_free(l);
        lacus_nvar_model_free(m);
        lacus_nvar_free(a);
        lacus_ridge_free(r);
    }

    lacus_ndarray_free(&W);
    lacus_ndarray_free(&B);
    lacus_ndarray_free(&hist);
    lacus_ndarray_free(&truth);
    lacus_npz_close(z);
    TEST_MAIN_END();
}
