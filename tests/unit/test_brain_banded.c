/* The banded random search through the shared X^T Y (banded.c) against the
 * fold-by-fold SVD route on the same data and candidates: chosen (gamma,
 * alpha), CV scores and refitted coefficients, with the cross-products
 * shared between candidates and without (each candidate its own, as when
 * the cache would not fit), several target batches, float32, a candidate
 * whose near-zero band weight makes the scaled design too ill-conditioned
 * (it must decline and go fold by fold), himalaya's fixture, and injected
 * allocation failures. */
#include <string.h>

#include "brain/ridgecv_impl.h"
#include "fixture.h"
#include "oom.h"
#include "test.h"

typedef struct {
    double *ba, *bg, *cs, *cf;
    int64_t n_xty, gram_eig;
} result;

static void run(const lacus_ridgecv_params *prm, const double *X, int64_t n, const int64_t *sizes,
                int64_t nb, const double *G, int64_t ni, const double *Y, int64_t t, int route,
                result *r)
{
    int64_t p = 0;
    for (int64_t b = 0; b < nb; b++) p += sizes[b];
    r->ba = calloc((size_t)t, sizeof(double));
    r->bg = calloc((size_t)(nb * t), sizeof(double));
    r->cs = calloc((size_t)t, sizeof(double));
    r->cf = calloc((size_t)(p * t), sizeof(double));
    lacus_error err = {0};
    lacus__prof pf;
    memset(&pf, 0, sizeof pf);
    CHECK_STATUS(lacus__banded_ridgecv_fit_ex(prm, X, n, sizes, nb, G, ni, 7, Y, t, r->ba, r->bg,
                                              r->cs, r->cf, route, &r->n_xty, &pf, &err),
                 LACUS_OK);
    r->gram_eig = pf.gram_eig;
}

static void result_free(result *r)
{
    free(r->ba);
    free(r->bg);
    free(r->cs);
    free(r->cf);
}

/* Fraction of targets with the same (gamma, alpha); score and coefficient
 * differences relative to the largest |value|. */
static double compare(const result *a, const result *b, int64_t nb, int64_t p, int64_t t,
                      double *ds, double *dc)
{
    int64_t same = 0;
    for (int64_t j = 0; j < t; j++) {
        int ok = a->ba[j] == b->ba[j];
        for (int64_t k = 0; k < nb; k++) ok &= a->bg[k * t + j] == b->bg[k * t + j];
        same += ok;
    }
    *ds = test_max_rel_diff(a->cs, b->cs, (long)t, 1e-300);
    *dc = test_max_rel_diff(a->cf, b->cf, (long)(p * t), 1e-300);
    return (double)same / (double)t;
}

int main(void)
{
    const int64_t n = 200, t = 60, nb = 3, sizes[3] = {6, 20, 4}, p = 30;
    double *X = malloc((size_t)(n * p) * sizeof(double)), *Y = malloc((size_t)(n * t) * sizeof(double));
    CHECK_STATUS(lacus_simulate_banded(n, sizes, nb, t, 0.3, 2.0, 11, X, Y, NULL, NULL), LACUS_OK);
    double alphas[8];
    for (int a = 0; a < 8; a++) alphas[a] = pow(10.0, -2.0 + a);
    lacus_ridgecv_params prm = lacus_ridgecv_params_default();
    prm.alphas = alphas;
    prm.n_alphas = 8;
    prm.n_targets_batch = 16; /* four batches, one short: the cache is read at offsets */

    /* Bounds: the X^T Y route is taken only where every fold's scaled
     * design has s_max / s_min <= 1e4, so a direction's projection moves
     * by at most about 1e4 eps relative (ridgecv_gram.c); RidgeCV's own
     * test of the route uses the same 1e-12 for scores and 1e-10 for the
     * refit. */
    TEST("X^T Y route (shared and per candidate) = fold by fold, float64, 16 random candidates")
    {
        result s, a, c;
        run(&prm, X, n, sizes, nb, NULL, 16, Y, t, LACUS__BANDED_SVD, &s);
        run(&prm, X, n, sizes, nb, NULL, 16, Y, t, LACUS__BANDED_AUTO, &a);
        run(&prm, X, n, sizes, nb, NULL, 16, Y, t, LACUS__BANDED_XTY_NOCACHE, &c);
        double ds, dc, ds2, dc2;
        double same = compare(&s, &a, nb, p, t, &ds, &dc);
        double same2 = compare(&s, &c, nb, p, t, &ds2, &dc2);
        printf("shared X^T Y: %lld/16 candidates took it (%lld of their folds decomposed from "
               "the Gram), (gamma, alpha) %.4f equal, scores %.2e, coef %.2e\n",
               (long long)a.n_xty, (long long)a.gram_eig, same, ds, dc);
        printf("own X^T Y: %lld/16, (gamma, alpha) %.4f equal, scores %.2e, coef %.2e\n",
               (long long)c.n_xty, same2, ds2, dc2);
        CHECK(s.n_xty == 0);
        CHECK(a.n_xty >= 8 && a.n_xty == c.n_xty);
        /* Both fold decompositions are exercised: from the Gram (cond <=
         * 100) and by SVD (the rest); without the cache the Gram is made
         * from the scaled design itself, and the same folds qualify. */
        CHECK(a.gram_eig > 0 && a.gram_eig < 5 * a.n_xty);
        CHECK(c.gram_eig == a.gram_eig);
        CHECK(same == 1.0 && same2 == 1.0);
        CHECK(ds < 1e-12 && ds2 < 1e-12);
        CHECK(dc < 1e-10 && dc2 < 1e-10);
        result_free(&s);
        result_free(&a);
        result_free(&c);
    }
    TEST("a near-zero band weight: that candidate declines the route, results unchanged")
    {
        /* gamma 1e-12 scales a band by 1e-6: s_max / s_min > 1e4. */
        double G[9] = {1.0 / 3, 1.0 / 3, 1.0 / 3, 1e-12, 0.7, 0.3 - 1e-12, 0.2, 0.5, 0.3};
        result s, a;
        run(&prm, X, n, sizes, nb, G, 3, Y, t, LACUS__BANDED_SVD, &s);
        run(&prm, X, n, sizes, nb, G, 3, Y, t, LACUS__BANDED_AUTO, &a);
        double ds, dc;
        double same = compare(&s, &a, nb, p, t, &ds, &dc);
        int64_t kept1 = 0;
        for (int64_t j = 0; j < t; j++) kept1 += a.bg[j] == 1e-12;
        printf("near-zero weight: %lld/3 took the route, %lld targets kept that candidate, "
               "(gamma, alpha) %.4f equal, scores %.2e, coef %.2e\n",
               (long long)a.n_xty, (long long)kept1, same, ds, dc);
        CHECK(a.n_xty == 2);
        CHECK(kept1 > 0); /* its refit goes fold by fold too */
        CHECK(same == 1.0 && ds < 1e-12 && dc < 1e-10);
        result_free(&s);
        result_free(&a);
    }
    TEST("float32 scan: X^T Y route against fold by fold")
    {
        lacus_ridgecv_params q = prm;
        q.scan_f32 = 1;
        result s, a;
        run(&q, X, n, sizes, nb, NULL, 16, Y, t, LACUS__BANDED_SVD, &s);
        run(&q, X, n, sizes, nb, NULL, 16, Y, t, LACUS__BANDED_AUTO, &a);
        double ds, dc;
        double same = compare(&s, &a, nb, p, t, &ds, &dc);
        printf("float32: %lld/16 took the route, (gamma, alpha) %.4f equal, scores %.2e\n",
               (long long)a.n_xty, same, ds);
        /* Float rounding of the products (about 1e4 x 6e-8 in the worst
         * direction) may flip near-ties between candidates. */
        CHECK(a.n_xty >= 8);
        CHECK(ds < 1e-5);
        CHECK(same >= 0.9);
        result_free(&s);
        result_free(&a);
    }
    TEST("himalaya banded fixture through the shared X^T Y: every candidate takes it")
    {
        lacus_npz *z = fx_open("brain/banded.npz");
        lacus_ndarray Xf = fx_get(z, "X"), Yf = fx_get(z, "Y"), al = fx_get(z, "alphas");
        lacus_ndarray sz = fx_get(z, "sizes"), G = fx_get(z, "gammas"), cf = fx_get(z, "coef");
        int64_t nf = Xf.shape[0], pf = Xf.shape[1], tf = Yf.shape[1], ni = G.shape[0];
        int64_t sz2[2] = {(int64_t)((double *)sz.data)[0], (int64_t)((double *)sz.data)[1]};
        lacus_ridgecv_params q = lacus_ridgecv_params_default();
        q.alphas = al.data;
        q.n_alphas = al.shape[0];
        result s, a;
        run(&q, Xf.data, nf, sz2, 2, G.data, ni, Yf.data, tf, LACUS__BANDED_SVD, &s);
        run(&q, Xf.data, nf, sz2, 2, G.data, ni, Yf.data, tf, LACUS__BANDED_AUTO, &a);
        double ds, dc;
        double same = compare(&s, &a, 2, pf, tf, &ds, &dc);
        double dh = test_max_rel_diff(a.cf, cf.data, (long)(pf * tf), 1e-300);
        printf("himalaya fixture: %lld/%lld candidates took the route, (gamma, alpha) %.4f as the "
               "SVD route, scores %.2e, coef %.2e; coef vs himalaya %.2e\n",
               (long long)a.n_xty, (long long)ni, same, ds, dc, dh);
        CHECK(a.n_xty == ni);
        CHECK(same == 1.0 && ds < 1e-12 && dc < 1e-10);
        CHECK(dh < 1e-6);
        result_free(&s);
        result_free(&a);
        lacus_ndarray *all[] = {&Xf, &Yf, &al, &sz, &G, &cf};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) lacus_ndarray_free(all[i]);
        lacus_npz_close(z);
    }
    TEST("allocation failures on the X^T Y routes: LACUS_ERR_NOMEM, nothing leaks (ASan)")
    {
        /* A small problem (60 x 30, 6 targets): the same code paths. */
        double Xo[60 * 30], Yo[60 * 6], ba[6], coef[30 * 6];
        CHECK_STATUS(lacus_simulate_banded(60, sizes, nb, 6, 0.3, 2.0, 4, Xo, Yo, NULL, NULL),
                     LACUS_OK);
        lacus_ridgecv_params q = prm;
        q.n_targets_batch = 4;
        int all_nomem = 1, completed = 0;
        for (long k = 1; k < 600 && !completed; k++) {
            int hit = 0;
            for (int route = 0; route < 3; route += 2) {
                oom_arm(k);
                lacus_status s = lacus__banded_ridgecv_fit_ex(&q, Xo, 60, sizes, nb, NULL, 3, 7, Yo,
                                                              6, ba, NULL, NULL, coef, route, NULL,
                                                              NULL, NULL);
                hit |= oom_reached();
                oom_disarm();
                if (s && s != LACUS_ERR_NOMEM) all_nomem = 0;
            }
            if (!hit) completed = 1;
        }
        CHECK(all_nomem);
        CHECK(completed);
    }
    free(X);
    free(Y);
    TEST_MAIN_END();
}
