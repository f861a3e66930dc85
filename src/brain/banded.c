/* Banded ridge by random search over the simplex (himalaya 0.4.11's
 * solve_group_ridge_random_search, Nunez-Elizalde et al. 2019; Dupre La
 * Tour et al. 2022). Band i's features are scaled by sqrt(gamma_i), and a
 * per-target ridge CV over the alpha grid runs on each scaled design
 * X diag(c); each target keeps the (gamma, alpha) of its best mean
 * validation score.
 *
 * Every candidate is the same X with its columns rescaled, so with more
 * samples than features the X^T Y route of ridgecv_gram.c is shared
 * between candidates: the folds' training cross-products T_f = X_tr^T Y_tr
 * of the unscaled X are made once (2 p n t flops, plus 2 p n t for X^T Y)
 * and a candidate's projection is (Vt diag(c)) T_f (2 p^2 t per fold)
 * instead of U^T Y_tr (2 p n_tr t per fold), because
 *     (X diag(c))_tr^T Y_tr = diag(c) X_tr^T Y_tr.
 * The refit of a kept candidate is diag(c) V diag(1/(s^2 + a)) V^T diag(c)
 * X^T Y (4 p^2 t), from the same X^T Y. Each candidate's decompositions are
 * its own (the SVD of the scaled training block), and the route is taken
 * per candidate only where every fold's scaled design has
 * s_max / s_min <= 1e4, as RidgeCV's; other candidates (a band weight near
 * 0 makes the scaled design ill-conditioned) go fold by fold. */
#include <math.h>
#include <string.h>

#include "brain/ridgecv_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/blas.h"

/* The shared T_f of every fold is kept only when it fits in this many
 * bytes (n_folds p t values); beyond, each candidate computes its own
 * X_te^T Y_te per batch of targets, as RidgeCV does. */
#define XTY_CACHE_BYTES (1024.0 * 1024 * 1024)

/* Candidates: the caller's (checked), or n_iter Dirichlet draws with the
 * concentration cycling through {0.1, 1.0}, the first uniform. */
static lacus_status candidates(const double *gammas_in, int64_t n_iter, int64_t nb, uint64_t seed,
                               double *G, lacus_error *err)
{
    if (gammas_in) {
        for (int64_t i = 0; i < n_iter; i++) {
            double s = 0.0;
            for (int64_t b = 0; b < nb; b++) {
                double g = gammas_in[i * nb + b];
                if (!(g >= 0.0) || !isfinite(g))
                    return lacus__fail(err, LACUS_ERR_ARG, "gammas[%lld, %lld] = %g: must be >= 0",
                                       (long long)i, (long long)b, g);
                s += g;
            }
            if (fabs(s - 1.0) > 1e-6)
                return lacus__fail(err, LACUS_ERR_ARG, "gammas row %lld sums to %g, not 1",
                                   (long long)i, s);
        }
        memcpy(G, gammas_in, (size_t)(n_iter * nb) * sizeof(double));
        return LACUS_OK;
    }
    lacus__rng r;
    lacus__rng_stream(&r, seed, LACUS__STREAM_DATA, 0xBA4D);
    static const double conc[2] = {0.1, 1.0};
    for (int64_t i = 0; i < n_iter; i++) {
        double s = 0.0;
        for (int64_t b = 0; b < nb; b++) s += (G[i * nb + b] = lacus__gamma_draw(&r, conc[i % 2]));
        for (int64_t b = 0; b < nb; b++)
            G[i * nb + b] = i == 0 || s <= 0.0 ? 1.0 / (double)nb : G[i * nb + b] / s;
    }
    return LACUS_OK;
}

/* Xs = X diag(c) with c the column scale of candidate g. */
static void scale_design(const double *X, int64_t n, int64_t p, const int64_t *sizes, int64_t nb,
                         const double *g, double *c, double *Xs)
{
    for (int64_t b = 0, c0 = 0; b < nb; c0 += sizes[b], b++)
        for (int64_t j = c0; j < c0 + sizes[b]; j++) c[j] = sqrt(g[b]);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < p; j++) Xs[i * p + j] = X[i * p + j] * c[j];
}

/* The refit of the targets idx (m of them) that kept candidate g, into
 * coef (p x t, original units). xty: X^T Y of the unscaled X (p x t) when
 * the X^T Y route applies, else NULL. */
static lacus_status refit_group(const lacus_ridgecv_params *prm, const double *Xs,
                                const double *c, int64_t n, int64_t p, const double *Y, int64_t t,
                                const int64_t *idx, int64_t m, const double *asel,
                                const double *xty, const double *xtx, double *Ysel, double *csel,
                                double *coef, lacus__prof *prof, lacus_error *err)
{
    lacus__design D = {Xs, NULL, n, p, 0, 0, prof};
    double *K = NULL;
    lacus_status st = LACUS_OK;
    int used = 0;
    if (prm->solver == LACUS_SOLVER_DUAL || (prm->solver == LACUS_SOLVER_AUTO && p > n)) {
        if (!(K = lacus__gram_kernel(Xs, n, p)))
            return lacus__fail(err, LACUS_ERR_NOMEM, "kernel (%lld x %lld)", (long long)n,
                               (long long)n);
        D.K = K;
        D.dual = 1;
    } else if (xty) {
        /* diag(c) X^T Y of these targets: the scaled design's X^T Y. */
        for (int64_t j = 0; j < p; j++)
            for (int64_t q = 0; q < m; q++) csel[j * m + q] = c[j] * xty[j * t + idx[q]];
        st = lacus__ridge_refit_gram(&D, m, asel, prm, xtx, xtx ? c : NULL, csel, &used, err);
    }
    if (!st && !used) {
        for (int64_t i = 0; i < n; i++)
            for (int64_t q = 0; q < m; q++) Ysel[i * m + q] = Y[i * t + idx[q]];
        st = lacus__ridge_refit(&D, Ysel, m, asel, prm, csel, err);
    }
    lacus__free(K);
    /* Back to the original units: coef_i = c_i b_i. */
    for (int64_t j = 0; j < p && !st; j++)
        for (int64_t q = 0; q < m; q++) coef[j * t + idx[q]] = csel[j * m + q] * c[j];
    return st;
}

lacus_status lacus__banded_ridgecv_fit_ex(const lacus_ridgecv_params *prm, const double *X,
                                          int64_t n, const int64_t *band_sizes, int64_t nbands,
                                          const double *gammas_in, int64_t n_iter, uint64_t seed,
                                          const double *Y, int64_t t, double *best_alpha,
                                          double *best_gamma, double *cv_score, double *coef,
                                          int route, int64_t *n_xty, lacus__prof *prof,
                                          lacus_error *err)
{
    lacus_ridgecv_params def = lacus_ridgecv_params_default();
    if (!prm) prm = &def;
    if (n_xty) *n_xty = 0;
    if (!band_sizes || nbands < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "n_bands = %lld: need >= 1 band", (long long)nbands);
    if (n_iter < 1 || n_iter > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_iter = %lld: must be in [1, 100000]",
                           (long long)n_iter);
    if (prm->solver < LACUS_SOLVER_AUTO || prm->solver > LACUS_SOLVER_DUAL)
        return lacus__fail(err, LACUS_ERR_ARG, "solver = %d: the banded search takes auto, primal "
                           "or dual (lstsq: alpha 0 would drop the band weights, which act "
                           "through the penalty)", (int)prm->solver);
    int64_t p = 0;
    for (int64_t b = 0; b < nbands; b++) {
        if (band_sizes[b] < 1)
            return lacus__fail(err, LACUS_ERR_ARG, "band_sizes[%lld] = %lld: must be >= 1",
                               (long long)b, (long long)band_sizes[b]);
        p += band_sizes[b];
    }
    lacus_status st = lacus__check_xy(X, n, p, Y, t, "X", err);
    if (st) return st;
    double *G = LACUS__NEW(double, n_iter * nbands);
    if (!G) return lacus__fail(err, LACUS_ERR_NOMEM, "gammas");
    if ((st = candidates(gammas_in, n_iter, nbands, seed, G, err))) {
        lacus__free(G);
        return st;
    }
    int64_t *fold = NULL, nf = 0, na = 0;
    const double *alphas = NULL;
    double *owned = NULL;
    if ((st = lacus__cv_setup(prm, n, &fold, &nf, &alphas, &na, &owned, err))) {
        lacus__free(G);
        return st;
    }
    double *Xs = LACUS__NEW(double, n * p), *scores = LACUS__NEW(double, na * t);
    double *cur = LACUS__NEW(double, t), *bs = LACUS__NEW(double, t), *ta = LACUS__NEW(double, t);
    double *csc = LACUS__NEW(double, p);
    int64_t *best = LACUS__NEW(int64_t, t), *bg = LACUS__NEW(int64_t, t);
    lacus__xty pre = {0};
    if (!Xs || !scores || !cur || !bs || !ta || !csc || !best || !bg)
        st = lacus__fail(err, LACUS_ERR_NOMEM, "banded ridge buffers");
    for (int64_t j = 0; j < t && !st; j++) {
        cur[j] = -INFINITY;
        bg[j] = 0;
        ta[j] = 1.0;
        if (cv_score) cv_score[j] = -INFINITY;
    }
    const int64_t n_tr = n - n / nf;
    const int dual = prm->solver == LACUS_SOLVER_DUAL ||
                     (prm->solver == LACUS_SOLVER_AUTO && p > n_tr);
    /* The X^T Y route, and whether its cross-products are shared. */
    lacus__design D0 = {X, NULL, n, p, dual, 0, prof};
    int xty = !st && route != LACUS__BANDED_SVD &&
              lacus__gram_route(&D0, fold, nf, route == LACUS__BANDED_XTY_NOCACHE ? 1 : n_iter);
    int cached = xty && route == LACUS__BANDED_AUTO &&
                 (double)(nf * p) * (double)t * (prm->scan_f32 ? 4.0 : 8.0) <= XTY_CACHE_BYTES;
    if (cached) {
        double t0 = lacus__prof_now(prof);
        st = lacus__xty_build(X, n, p, Y, t, fold, nf, prm->scan_f32, &pre, err);
        lacus__prof_add(prof, LACUS__ST_XTY, t0, 4.0 * (double)(p * n * t), 0);
    }
    int64_t used_xty = 0;
    for (int64_t it = 0; it < n_iter && !st; it++) {
        scale_design(X, n, p, band_sizes, nbands, G + it * nbands, csc, Xs);
        lacus__design D = {Xs, NULL, n, p, dual, 0, prof};
        double *K = NULL;
        int used = 0;
        if (dual) {
            if (!(K = lacus__gram_kernel(Xs, n, p))) {
                st = lacus__fail(err, LACUS_ERR_NOMEM, "kernel (%lld x %lld)", (long long)n,
                                 (long long)n);
                break;
            }
            D.K = K;
        } else if (xty) {
            st = lacus__ridgecv_scan_gram(&D, Y, t, fold, nf, alphas, na, prm, scores, NULL,
                                          cached ? &pre : NULL, cached ? csc : NULL, &used, err);
        }
        if (!st && !used) st = lacus__ridgecv_scan(&D, Y, t, fold, nf, alphas, na, prm, scores, err);
        used_xty += used;
        lacus__free(K);
        if (st) break;
        lacus__select_alphas(scores, alphas, na, t, prm->local_alpha, best, bs);
        for (int64_t j = 0; j < t; j++) {
            /* himalaya compares the scores with the tie-break slope. */
            double s = bs[j] + lacus__tie_slope(alphas, na, best[j]);
            if (s > cur[j] + 2.220446049250313e-16) {
                cur[j] = s;
                bg[j] = it;
                ta[j] = alphas[best[j]];
                if (cv_score) cv_score[j] = bs[j];
            }
        }
    }
    if (n_xty) *n_xty = used_xty;
    if (!st) {
        if (best_alpha) memcpy(best_alpha, ta, (size_t)t * sizeof(double));
        if (best_gamma)
            for (int64_t j = 0; j < t; j++)
                for (int64_t b = 0; b < nbands; b++) best_gamma[b * t + j] = G[bg[j] * nbands + b];
    }
    if (!st && coef) {
        /* Refit once per candidate that some target kept, with those
         * targets only. X^T Y for the route: the cache's, or made here in
         * coef (each group reads its own columns before writing them). */
        const double *xty_all = NULL;
        if (xty && (!dual)) {
            if (cached) {
                xty_all = pre.C;
            } else {
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)t, (int)n, 1.0, X,
                            (int)p, Y, (int)t, 0.0, coef, (int)t);
                xty_all = coef;
            }
        }
        double *Ysel = LACUS__NEW(double, n * t), *csel = LACUS__NEW(double, p * t),
               *asel = LACUS__NEW(double, t);
        int64_t *idx = LACUS__NEW(int64_t, t);
        if (!Ysel || !csel || !asel || !idx) st = lacus__fail(err, LACUS_ERR_NOMEM, "refit");
        for (int64_t it = 0; it < n_iter && !st; it++) {
            int64_t m = 0;
            for (int64_t j = 0; j < t; j++)
                if (bg[j] == it) idx[m++] = j;
            if (!m) continue;
            for (int64_t q = 0; q < m; q++) asel[q] = ta[idx[q]];
            scale_design(X, n, p, band_sizes, nbands, G + it * nbands, csc, Xs);
            st = refit_group(prm, Xs, csc, n, p, Y, t, idx, m, asel, xty_all,
                             cached ? pre.XtX : NULL, Ysel, csel, coef, prof, err);
        }
        lacus__free(Ysel);
        lacus__free(csel);
        lacus__free(asel);
        lacus__free(idx);
    }
    lacus__xty_free(&pre);
    lacus__free(G);
    lacus__free(Xs);
    lacus__free(scores);
    lacus__free(cur);
    lacus__free(bs);
    lacus__free(ta);
    lacus__free(csc);
    lacus__free(best);
    lacus__free(bg);
    lacus__free(fold);
    lacus__free(owned);
    return st;
}

lacus_status lacus_banded_ridgecv_fit(const lacus_ridgecv_params *prm, const double *X,
                                      int64_t n, const int64_t *band_sizes, int64_t n_bands,
                                      const double *gammas, int64_t n_iter, uint64_t seed,
                                      const double *Y, int64_t t, double *best_alpha,
                                      double *best_gamma, double *cv_score, double *coef,
                                      lacus_error *err)
{
    return lacus__banded_ridgecv_fit_ex(prm, X, n, band_sizes, n_bands, gammas, n_iter, seed, Y, t,
                                        best_alpha, best_gamma, cv_score, coef,
                                        LACUS__BANDED_AUTO, NULL, NULL, err);
}
