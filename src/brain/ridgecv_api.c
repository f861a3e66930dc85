/* The public ridge-CV entry points: argument checks, default alpha grid,
 * folds, primal/dual choice, and the banded ridge random search on top of
 * the per-fold scan of ridgecv.c. */
#include <math.h>
#include <string.h>

#include "brain/ridgecv_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/blas.h"

lacus_status lacus__cv_setup(const lacus_ridgecv_params *prm, int64_t n, int64_t **fold_out,
                             int64_t *n_folds, const double **alphas_out, int64_t *na,
                             double **owned, lacus_error *err)
{
    *fold_out = NULL;
    *owned = NULL;
    if (prm->alphas) {
        if (prm->n_alphas < 1 || prm->n_alphas > 10000)
            return lacus__fail(err, LACUS_ERR_ARG, "n_alphas = %lld: must be in [1, 10000]",
                               (long long)prm->n_alphas);
        for (int64_t a = 0; a < prm->n_alphas; a++)
            if (!(prm->alphas[a] > 0.0) || !isfinite(prm->alphas[a]))
                return lacus__fail(err, LACUS_ERR_ARG, "alphas[%lld] = %g: must be finite and > 0",
                                   (long long)a, prm->alphas[a]);
        *alphas_out = prm->alphas;
        *na = prm->n_alphas;
    } else {
        double *g = LACUS__NEW(double, 11);
        if (!g) return lacus__fail(err, LACUS_ERR_NOMEM, "alpha grid");
        for (int a = 0; a < 11; a++) g[a] = pow(10.0, -2.0 + a);
        *owned = g;
        *alphas_out = g;
        *na = 11;
    }
    if (prm->score < LACUS_CV_NEG_MSE || prm->score > LACUS_CV_PEARSON) {
        lacus__free(*owned);
        *owned = NULL;
        return lacus__fail(err, LACUS_ERR_ARG, "score = %d: unknown CV score", (int)prm->score);
    }
    int64_t *fold = LACUS__NEW(int64_t, n);
    if (!fold) {
        lacus__free(*owned);
        *owned = NULL;
        return lacus__fail(err, LACUS_ERR_NOMEM, "folds");
    }
    lacus_status st = LACUS_OK;
    int64_t nf = 0;
    if (prm->fold) {
        for (int64_t i = 0; i < n && !st; i++) {
            if (prm->fold[i] < 0 || prm->fold[i] >= n)
                st = lacus__fail(err, LACUS_ERR_ARG, "fold[%lld] = %lld: must be in [0, %lld)",
                                 (long long)i, (long long)prm->fold[i], (long long)n);
            else if (prm->fold[i] + 1 > nf) nf = prm->fold[i] + 1;
            if (!st) fold[i] = prm->fold[i];
        }
        if (!st && nf < 2)
            st = lacus__fail(err, LACUS_ERR_ARG, "the folds name %lld fold: need at least 2",
                             (long long)nf);
        int64_t *count = st ? NULL : LACUS__ZNEW(int64_t, nf);
        if (!st && !count) st = lacus__fail(err, LACUS_ERR_NOMEM, "fold counts");
        for (int64_t i = 0; i < n && !st; i++) count[fold[i]]++;
        for (int64_t f = 0; f < nf && !st; f++)
            if (count[f] == 0)
                st = lacus__fail(err, LACUS_ERR_ARG, "fold %lld has no samples (folds must be "
                                 "numbered 0..n_folds-1 without gaps)", (long long)f);
        lacus__free(count);
    } else {
        nf = prm->n_folds;
        st = lacus_cv_contiguous(n, nf, fold, err);
    }
    if (st) {
        lacus__free(fold);
        lacus__free(*owned);
        *owned = NULL;
        return st;
    }
    *fold_out = fold;
    *n_folds = nf;
    return LACUS_OK;
}

static lacus_status check_data(const double *X, int64_t n, int64_t p, const double *Y, int64_t t,
                               const char *xname, lacus_error *err)
{
    if (!X || !Y) return lacus__fail(err, LACUS_ERR_ARG, "%s or Y is NULL", xname);
    if (n < 2 || p < 1 || t < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE,
                           "%s is %lld x %lld and Y has %lld targets: need >= 2 samples, >= 1 "
                           "feature and >= 1 target",
                           xname, (long long)n, (long long)p, (long long)t);
    lacus_status st = lacus__check_finite(err, xname, X, n, p, p);
    if (!st) st = lacus__check_finite(err, "Y", Y, n, t, t);
    return st;
}

/* Scan + select + refit on a design. */
static lacus_status fit_design(const lacus_ridgecv_params *prm, lacus__design *D, const double *Y,
                               int64_t t, double *best_alpha, double *cv_score, double *cv_scores,
                               double *coef, lacus_error *err)
{
    int64_t *fold = NULL, nf = 0, na = 0;
    const double *alphas = NULL;
    double *owned = NULL;
    lacus_status st = lacus__cv_setup(prm, D->n, &fold, &nf, &alphas, &na, &owned, err);
    if (st) return st;
    double *scores = LACUS__NEW(double, na * t), *ta = LACUS__NEW(double, t);
    int64_t *best = LACUS__NEW(int64_t, t);
    if (!scores || !ta || !best) st = lacus__fail(err, LACUS_ERR_NOMEM, "CV scores (%lld x %lld)",
                                                  (long long)na, (long long)t);
    /* The scan through X^T Y where it is cheaper (ridgecv_gram.c); it
     * leaves X^T Y in coef for the refit. */
    int gram = 0, refitted = 0;
    if (!st && lacus__gram_route(D, fold, nf))
        st = lacus__ridgecv_scan_gram(D, Y, t, fold, nf, alphas, na, prm, scores, coef, &gram, err);
    if (!st && !gram) st = lacus__ridgecv_scan(D, Y, t, fold, nf, alphas, na, prm, scores, err);
    if (!st) {
        lacus__select_alphas(scores, alphas, na, t, prm->local_alpha, best, cv_score);
        for (int64_t j = 0; j < t; j++) ta[j] = alphas[best[j]];
        if (best_alpha) memcpy(best_alpha, ta, (size_t)t * sizeof(double));
        if (cv_scores) memcpy(cv_scores, scores, (size_t)(na * t) * sizeof(double));
        if (coef && gram) st = lacus__ridge_refit_gram(D, t, ta, prm, coef, &refitted, err);
        if (coef && !st && !refitted) st = lacus__ridge_refit(D, Y, t, ta, prm, coef, err);
    }
    lacus__free(scores);
    lacus__free(ta);
    lacus__free(best);
    lacus__free(fold);
    lacus__free(owned);
    return st;
}

/* K = X X^T (n x n), both triangles. */
static double *gram(const double *X, int64_t n, int64_t p)
{
    double *K = LACUS__NEW(double, n * n);
    if (!K) return NULL;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)p, 1.0, X, (int)p, 0.0, K,
                (int)n);
    lacus__symmetrize_upper(n, K, n);
    return K;
}

static lacus_status fit_x(const lacus_ridgecv_params *prm, const double *X, int64_t n, int64_t p,
                          const double *Y, int64_t t, double *best_alpha, double *cv_score,
                          double *cv_scores, double *coef, lacus_error *err)
{
    lacus__design D = {X, NULL, n, p, 0, 0};
    int64_t n_folds = prm->fold ? 2 : (prm->n_folds > 1 ? prm->n_folds : 2);
    int64_t n_tr = n - n / n_folds; /* typical training size */
    if (prm->solver == LACUS_SOLVER_DUAL) D.dual = 1;
    else if (prm->solver == LACUS_SOLVER_AUTO) D.dual = p > n_tr;
    double *K = NULL;
    if (D.dual) {
        if (!(K = gram(X, n, p)))
            return lacus__fail(err, LACUS_ERR_NOMEM, "kernel X X^T (%lld x %lld)", (long long)n,
                               (long long)n);
        D.K = K;
    }
    lacus_status st = fit_design(prm, &D, Y, t, best_alpha, cv_score, cv_scores, coef, err);
    lacus__free(K);
    return st;
}

lacus_status lacus_ridgecv_fit(const lacus_ridgecv_params *prm, const double *X, int64_t n_samples,
                               int64_t n_features, const double *Y, int64_t n_targets,
                               double *best_alpha, double *cv_score, double *cv_scores,
                               double *coef, lacus_error *err)
{
    lacus_ridgecv_params def = lacus_ridgecv_params_default();
    if (!prm) prm = &def;
    lacus_status st = check_data(X, n_samples, n_features, Y, n_targets, "X", err);
    if (st) return st;
    if (prm->solver < LACUS_SOLVER_AUTO || prm->solver > LACUS_SOLVER_DUAL)
        return lacus__fail(err, LACUS_ERR_ARG, "solver = %d: unknown", (int)prm->solver);
    return fit_x(prm, X, n_samples, n_features, Y, n_targets, best_alpha, cv_score, cv_scores, coef,
                 err);
}

lacus_status lacus_kernel_ridgecv_fit(const lacus_ridgecv_params *prm, const double *K,
                                      int64_t n_samples, const double *Y, int64_t n_targets,
                                      double *best_alpha, double *cv_score, double *cv_scores,
                                      double *dual_coef, lacus_error *err)
{
    lacus_ridgecv_params def = lacus_ridgecv_params_default();
    if (!prm) prm = &def;
    lacus_status st = check_data(K, n_samples, n_samples, Y, n_targets, "K", err);
    if (st) return st;
    for (int64_t i = 0; i < n_samples; i++)
        for (int64_t j = i + 1; j < n_samples; j++) {
            double a = K[i * n_samples + j], b = K[j * n_samples + i];
            if (fabs(a - b) > 1e-10 * fmax(1.0, fmax(fabs(a), fabs(b))))
                return lacus__fail(err, LACUS_ERR_ARG,
                                   "K is not symmetric: K[%lld, %lld] = %g but K[%lld, %lld] = %g",
                                   (long long)i, (long long)j, a, (long long)j, (long long)i, b);
        }
    lacus__design D = {NULL, K, n_samples, n_samples, 1, 0};
    return fit_design(prm, &D, Y, n_targets, best_alpha, cv_score, cv_scores, dual_coef, err);
}

/* Gamma(shape, 1) by Marsaglia & Tsang (2000), with the boost
 * G(a) = G(a + 1) U^(1/a) for shape < 1. */
double lacus__gamma_draw(lacus__rng *r, double a)
{
    if (a < 1.0) {
        double u = lacus__rng_uniform(r);
        return lacus__gamma_draw(r, a + 1.0) * pow(u > 0.0 ? u : 1e-300, 1.0 / a);
    }
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = lacus__rng_normal(r), v = 1.0 + c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        double u = lacus__rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}

lacus_status lacus_banded_ridgecv_fit(const lacus_ridgecv_params *prm, const double *X,
                                      int64_t n, const int64_t *band_sizes, int64_t nbands,
                                      const double *gammas_in, int64_t n_iter, uint64_t seed,
                                      const double *Y, int64_t t, double *best_alpha,
                                      double *best_gamma, double *cv_score, double *coef,
                                      lacus_error *err)
{
    lacus_ridgecv_params def = lacus_ridgecv_params_default();
    if (!prm) prm = &def;
    if (!band_sizes || nbands < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "n_bands = %lld: need >= 1 band", (long long)nbands);
    if (n_iter < 1 || n_iter > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_iter = %lld: must be in [1, 100000]",
                           (long long)n_iter);
    int64_t p = 0;
    for (int64_t b = 0; b < nbands; b++) {
        if (band_sizes[b] < 1)
            return lacus__fail(err, LACUS_ERR_ARG, "band_sizes[%lld] = %lld: must be >= 1",
                               (long long)b, (long long)band_sizes[b]);
        p += band_sizes[b];
    }
    lacus_status st = check_data(X, n, p, Y, t, "X", err);
    if (st) return st;
    double *G = LACUS__NEW(double, n_iter * nbands);
    if (!G) return lacus__fail(err, LACUS_ERR_NOMEM, "gammas");
    if (gammas_in) {
        for (int64_t i = 0; i < n_iter && !st; i++) {
            double s = 0.0;
            for (int64_t b = 0; b < nbands; b++) {
                double g = gammas_in[i * nbands + b];
                if (!(g >= 0.0) || !isfinite(g))
                    st = lacus__fail(err, LACUS_ERR_ARG, "gammas[%lld, %lld] = %g: must be >= 0",
                                     (long long)i, (long long)b, g);
                s += g;
            }
            if (!st && fabs(s - 1.0) > 1e-6)
                st = lacus__fail(err, LACUS_ERR_ARG, "gammas row %lld sums to %g, not 1",
                                 (long long)i, s);
        }
        if (!st) memcpy(G, gammas_in, (size_t)(n_iter * nbands) * sizeof(double));
    } else {
        lacus__rng r;
        lacus__rng_stream(&r, seed, LACUS__STREAM_DATA, 0xBA4D);
        static const double conc[2] = {0.1, 1.0};
        for (int64_t i = 0; i < n_iter; i++) {
            double s = 0.0;
            for (int64_t b = 0; b < nbands; b++) s += (G[i * nbands + b] = lacus__gamma_draw(&r, conc[i % 2]));
            for (int64_t b = 0; b < nbands; b++)
                G[i * nbands + b] = i == 0 || s <= 0.0 ? 1.0 / (double)nbands : G[i * nbands + b] / s;
        }
    }
    if (st) {
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
    int64_t *best = LACUS__NEW(int64_t, t), *bg = LACUS__NEW(int64_t, t);
    if (!Xs || !scores || !cur || !bs || !ta || !best || !bg)
        st = lacus__fail(err, LACUS_ERR_NOMEM, "banded ridge buffers");
    for (int64_t j = 0; j < t && !st; j++) {
        cur[j] = -INFINITY;
        bg[j] = 0;
        ta[j] = 1.0;
        if (cv_score) cv_score[j] = -INFINITY;
    }
    int64_t n_tr = n - n / nf;
    for (int64_t it = 0; it < n_iter && !st; it++) {
        const double *g = G + it * nbands;
        for (int64_t i = 0; i < n; i++)
            for (int64_t b = 0, c0 = 0; b < nbands; c0 += band_sizes[b], b++) {
                double sc = sqrt(g[b]);
                for (int64_t c = c0; c < c0 + band_sizes[b]; c++) Xs[i * p + c] = X[i * p + c] * sc;
            }
        lacus__design D = {Xs, NULL, n, p, 0, 0};
        double *K = NULL;
        if (prm->solver == LACUS_SOLVER_DUAL || (prm->solver == LACUS_SOLVER_AUTO && p > n_tr)) {
            if (!(K = gram(Xs, n, p))) {
                st = lacus__fail(err, LACUS_ERR_NOMEM, "kernel");
                break;
            }
            D.K = K;
            D.dual = 1;
        }
        st = lacus__ridgecv_scan(&D, Y, t, fold, nf, alphas, na, prm, scores, err);
        lacus__free(K);
        if (st) break;
        lacus__select_alphas(scores, alphas, na, t, prm->local_alpha, best, bs);
        for (int64_t j = 0; j < t; j++) {
            /* himalaya compares the scores with the tie-break slope. */
            double s = bs[j] + 1e-10 * log(alphas[best[j]]);
            if (s > cur[j] + 2.220446049250313e-16) {
                cur[j] = s;
                bg[j] = it;
                ta[j] = alphas[best[j]];
                if (cv_score) cv_score[j] = bs[j];
            }
        }
    }
    if (!st) {
        if (best_alpha) memcpy(best_alpha, ta, (size_t)t * sizeof(double));
        if (best_gamma)
            for (int64_t j = 0; j < t; j++)
                for (int64_t b = 0; b < nbands; b++) best_gamma[b * t + j] = G[bg[j] * nbands + b];
    }
    if (!st && coef) {
        /* Refit once per gamma that some target kept, on its scaled X, with
         * those targets only; then undo the scaling: coef_i = sqrt(g_i) b_i. */
        double *Ysel = LACUS__NEW(double, n * t), *csel = LACUS__NEW(double, p * t),
               *asel = LACUS__NEW(double, t);
        int64_t *idx = LACUS__NEW(int64_t, t);
        if (!Ysel || !csel || !asel || !idx) st = lacus__fail(err, LACUS_ERR_NOMEM, "refit");
        for (int64_t it = 0; it < n_iter && !st; it++) {
            int64_t m = 0;
            for (int64_t j = 0; j < t; j++)
                if (bg[j] == it) idx[m++] = j;
            if (!m) continue;
            const double *g = G + it * nbands;
            for (int64_t i = 0; i < n; i++) {
                for (int64_t b = 0, c0 = 0; b < nbands; c0 += band_sizes[b], b++) {
                    double sc = sqrt(g[b]);
                    for (int64_t c = c0; c < c0 + band_sizes[b]; c++)
                        Xs[i * p + c] = X[i * p + c] * sc;
                }
                for (int64_t q = 0; q < m; q++) Ysel[i * m + q] = Y[i * t + idx[q]];
            }
            for (int64_t q = 0; q < m; q++) asel[q] = ta[idx[q]];
            lacus__design D = {Xs, NULL, n, p, 0, 0};
            double *K = NULL;
            if (prm->solver == LACUS_SOLVER_DUAL || (prm->solver == LACUS_SOLVER_AUTO && p > n)) {
                if (!(K = gram(Xs, n, p))) {
                    st = lacus__fail(err, LACUS_ERR_NOMEM, "kernel");
                    break;
                }
                D.K = K;
                D.dual = 1;
            }
            st = lacus__ridge_refit(&D, Ysel, m, asel, prm, csel, err);
            lacus__free(K);
            for (int64_t b = 0, c0 = 0; b < nbands && !st; c0 += band_sizes[b], b++) {
                double sc = sqrt(g[b]);
                for (int64_t c = c0; c < c0 + band_sizes[b]; c++)
                    for (int64_t q = 0; q < m; q++) coef[c * t + idx[q]] = csel[c * m + q] * sc;
            }
        }
        lacus__free(Ysel);
        lacus__free(csel);
        lacus__free(asel);
        lacus__free(idx);
    }
    lacus__free(G);
    lacus__free(Xs);
    lacus__free(scores);
    lacus__free(cur);
    lacus__free(bs);
    lacus__free(ta);
    lacus__free(best);
    lacus__free(bg);
    lacus__free(fold);
    lacus__free(owned);
    return st;
}
