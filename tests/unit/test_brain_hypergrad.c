/* Banded ridge by hyper-gradient descent against himalaya 0.4.11
 * (tests/ref/make_brain2_fixtures.py: same data, same initial deltas, same
 * iteration counts, exact Lipschitz constants on both sides): learned
 * deltas, CV scores per iteration and refitted primal weights; three
 * variants (gradient-descent inner steps with the conjugate-gradient
 * hyper-gradient; conjugate-gradient inner steps with the direct gradient;
 * target batches with two inner steps each). Then bad input. */
#include <string.h>

#include "fixture.h"
#include "oom.h"
#include "test.h"

static void hg_case(const char *file)
{
    lacus_npz *z = fx_open(file);
    lacus_ndarray X = fx_get(z, "X"), Y = fx_get(z, "Y"), bsz = fx_get(z, "band_sizes");
    lacus_ndarray d0 = fx_get(z, "initial_deltas"), dref = fx_get(z, "deltas"), cref = fx_get(z, "coef");
    lacus_ndarray sref = fx_get(z, "cv_scores"), opt = fx_get(z, "options"), dpow = fx_get(z, "deltas_power");
    const double *o = opt.data;
    int64_t n = X.shape[0], p = X.shape[1], t = Y.shape[1], nb = bsz.shape[0];
    int64_t bs[8];
    for (int64_t i = 0; i < nb; i++) bs[i] = (int64_t)((double *)bsz.data)[i];
    lacus_hypergrad_params prm = lacus_hypergrad_params_default();
    prm.max_iter = (int64_t)o[0];
    prm.n_targets_batch = (int64_t)o[1];
    prm.inner_cg = o[2] != 0.0;
    prm.direct_gradient = o[3] != 0.0;
    prm.tol = o[4];
    prm.max_iter_inner_dual = (int64_t)o[5];
    prm.max_iter_inner_hyper = (int64_t)o[6];
    prm.initial_deltas = d0.data;
    int64_t rows = prm.max_iter * prm.max_iter_inner_hyper;
    double *dl = calloc((size_t)(nb * t), sizeof(double)), *cf = calloc((size_t)(p * t), sizeof(double));
    double *cs = calloc((size_t)(rows * t), sizeof(double));
    lacus_error err = {0};
    CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X.data, n, bs, nb, Y.data, t, dl, cs, cf, &err), LACUS_OK);
    double dd = test_max_rel_diff(dl, dref.data, (long)(nb * t), 1.0);
    double dc = test_max_rel_diff(cf, cref.data, (long)(p * t), 1e-300);
    double ds = test_max_rel_diff(cs, sref.data, (long)(rows * t), 1e-300);
    double dp = test_max_rel_diff(dpow.data, dref.data, (long)(nb * t), 1.0);
    double moved = test_max_rel_diff(d0.data, dref.data, (long)(nb * t), 1.0);
    printf("%s: deltas %.2e (moved %.2f from the start; himalaya's power-iteration run differs by %.2e), "
           "coef rel %.2e, cv scores rel %.2e\n", file, dd, moved, dp, dc, ds);
    /* Same iterates up to round-off: a different stopping decision in any
     * inner solve would move the deltas by 1e-4 or more. */
    CHECK(moved > 0.05);
    CHECK(dd < 1e-8);
    CHECK(dc < 1e-8);
    CHECK(ds < 1e-8);
    /* The descent lowers each target's CV loss from the first iteration
     * to the last (the steps are 1/L of the direct part). */
    int64_t better = 0;
    for (int64_t j = 0; j < t; j++) better += cs[(rows - 1) * t + j] >= cs[j] - 1e-12;
    CHECK(better == t);
    free(dl);
    free(cf);
    free(cs);
    lacus_ndarray *all[] = {&X, &Y, &bsz, &d0, &dref, &cref, &sref, &opt, &dpow};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) lacus_ndarray_free(all[i]);
    lacus_npz_close(z);
}

int main(void)
{
    TEST("hyper-gradient vs himalaya: gradient-descent inner, CG hyper-gradient") hg_case("brain2/hypergrad_default.npz");
    TEST("hyper-gradient vs himalaya: CG inner, direct gradient") hg_case("brain2/hypergrad_cg_direct.npz");
    TEST("hyper-gradient vs himalaya: target batches, 2 inner steps") hg_case("brain2/hypergrad_batch.npz");

    TEST("hyper-gradient: planted band shares recovered")
    {
        /* Each target listens mostly to one band (Dirichlet 0.2); the
         * fitted model must draw most of its prediction's variance from
         * that band, with the deltas learned from delta = 0 as with the
         * random search's choice. */
        const int64_t n = 200, nb = 3, t = 24, bs[3] = {4, 12, 3}, p = 19;
        double *X = malloc((size_t)(n * p) * sizeof(double)), *Y = malloc((size_t)(n * t) * sizeof(double));
        double *W = malloc((size_t)(nb * t) * sizeof(double)), *d = malloc((size_t)(nb * t) * sizeof(double));
        double *g = malloc((size_t)(nb * t) * sizeof(double)), *a = malloc((size_t)t * sizeof(double));
        double *cs = malloc((size_t)(20 * t) * sizeof(double));
        double *ch = malloc((size_t)(p * t) * sizeof(double)), *cr = malloc((size_t)(p * t) * sizeof(double));
        lacus_error err = {0};
        CHECK_STATUS(lacus_simulate_banded(n, bs, nb, t, 0.2, 4.0, 5, X, Y, W, &err), LACUS_OK);
        lacus_hypergrad_params prm = lacus_hypergrad_params_default();
        prm.max_iter = 20;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, n, bs, nb, Y, t, d, cs, ch, &err), LACUS_OK);
        lacus_ridgecv_params rp = lacus_ridgecv_params_default();
        CHECK_STATUS(lacus_banded_ridgecv_fit(&rp, X, n, bs, nb, NULL, 50, 1, Y, t, a, g, NULL, cr, &err), LACUS_OK);
        /* d, g <- variance of band i's part of the prediction, X_i coef_i. */
        for (int q = 0; q < 2; q++) {
            const double *cf = q ? cr : ch;
            double *v = q ? g : d;
            for (int64_t j = 0; j < t; j++)
                for (int64_t i = 0, c0 = 0; i < nb; c0 += bs[i], i++) {
                    double s1 = 0.0, s2 = 0.0;
                    for (int64_t r = 0; r < n; r++) {
                        double pr = 0.0;
                        for (int64_t f = 0; f < bs[i]; f++) pr += X[r * p + c0 + f] * cf[(c0 + f) * t + j];
                        s1 += pr;
                        s2 += pr * pr;
                    }
                    v[i * t + j] = s2 / (double)n - (s1 / (double)n) * (s1 / (double)n);
                }
        }
        int64_t dom = 0, hit_hg = 0, hit_rs = 0, better = 0;
        for (int64_t j = 0; j < t; j++) {
            int64_t top = 0, ht = 0, rt = 0;
            for (int64_t i = 1; i < nb; i++) {
                if (W[i * t + j] > W[top * t + j]) top = i;
                if (d[i * t + j] > d[ht * t + j]) ht = i;
                if (g[i * t + j] > g[rt * t + j]) rt = i;
            }
            if (W[top * t + j] < 0.7) continue;
            dom++;
            hit_hg += ht == top;
            hit_rs += rt == top;
        }
        for (int64_t j = 0; j < t; j++) better += cs[19 * t + j] > cs[j];
        printf("targets with a dominant band: %lld; ranked first by the hyper-gradient %lld, by the random "
               "search %lld; CV loss lowered on %lld of %lld\n", (long long)dom, (long long)hit_hg,
               (long long)hit_rs, (long long)better, (long long)t);
        CHECK(dom >= 10);
        CHECK(hit_hg >= dom - dom / 10);
        CHECK(hit_rs >= dom - dom / 10);
        CHECK(better == t);
        free(X);
        free(Y);
        free(W);
        free(d);
        free(g);
        free(a);
        free(cs);
        free(ch);
        free(cr);
    }

    TEST("every allocation failure returns LACUS_ERR_NOMEM, nothing leaks (ASan)")
    {
        const int64_t n = 40, bs[2] = {3, 2}, t = 3;
        double X[40 * 5], Y[40 * 3], W[2 * 3], d[2 * 3], coef[5 * 3], S[3 * 40 * 3], loo[9], ce[3];
        int all_nomem = 1, completed = 0;
        lacus_error err = {0};
        CHECK_STATUS(lacus_simulate_banded(n, bs, 2, t, 0.5, 2.0, 1, X, Y, W, &err), LACUS_OK);
        for (int i = 0; i < 3 * 40 * 3; i++) S[i] = sin(0.37 * i) + cos(0.11 * i * i);
        for (long k = 1; k < 300 && !completed; k++) {
            lacus_hypergrad_params prm = lacus_hypergrad_params_default();
            prm.max_iter = 2;
            prm.n_targets_batch = 2;
            prm.inner_cg = (int)(k % 2);
            double X2[40 * 5], Y2[40 * 3];
            oom_arm(k);
            lacus_status s1 = lacus_banded_ridge_hypergrad(&prm, X, n, bs, 2, Y, t, d, NULL, coef, NULL);
            int hit = oom_reached();
            oom_arm(k);
            lacus_status s2 = lacus_cross_subject_ceiling(S, 3, 40, 3, loo, ce, NULL);
            hit |= oom_reached();
            oom_arm(k);
            lacus_status s3 = lacus_simulate_banded(n, bs, 2, t, 0.5, 2.0, 1, X2, Y2, NULL, NULL);
            hit |= oom_reached();
            oom_disarm();
            if ((s1 && s1 != LACUS_ERR_NOMEM) || (s2 && s2 != LACUS_ERR_NOMEM) || (s3 && s3 != LACUS_ERR_NOMEM))
                all_nomem = 0;
            if (!hit) completed = 1;
        }
        CHECK(all_nomem);
        CHECK(completed);
    }

    TEST("hyper-gradient: bad input")
    {
        double X[40 * 3], Y[40 * 2];
        for (int i = 0; i < 120; i++) X[i] = sin(1.3 * i) + 0.1 * i;
        for (int i = 0; i < 80; i++) Y[i] = cos(0.7 * i);
        int64_t bs[2] = {2, 1};
        lacus_hypergrad_params prm = lacus_hypergrad_params_default();
        lacus_error err = {0};
        double d[4];
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_OK);
        prm.max_iter = 0;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "max_iter = 0") != NULL);
        prm = lacus_hypergrad_params_default();
        prm.tol = NAN;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        prm = lacus_hypergrad_params_default();
        prm.n_folds = 41;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        prm = lacus_hypergrad_params_default();
        int64_t bad[2] = {2, 0};
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bad, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "band_sizes[1] = 0") != NULL);
        Y[17] = NAN;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "Y") != NULL);
        Y[17] = 0.0;
        double d0[4] = {0, 0, 800, 0};
        prm.initial_deltas = d0;
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "overflows") != NULL);
        d0[2] = -800.0; /* a band switched off: e^delta = 0 is fine */
        CHECK_STATUS(lacus_banded_ridge_hypergrad(&prm, X, 40, bs, 2, Y, 2, d, NULL, NULL, &err), LACUS_OK);
        CHECK(isfinite(d[0]) && isfinite(d[1]) && d[2] == -800.0);
    }
    TEST_MAIN_END();
}
