/* The public ridge-CV entry points: argument checks, default alpha grid,
 * folds, primal/dual choice (the banded search is in banded.c). */
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
        const int lstsq = prm->solver == LACUS_SOLVER_LSTSQ;
        for (int64_t a = 0; a < prm->n_alphas; a++) {
            double v = prm->alphas[a];
            if (v == 0.0 && !lstsq)
                return lacus__fail(err, LACUS_ERR_ARG, "alphas[%lld] = 0: unregularised least "
                                   "squares needs solver lstsq (the SVD route); other solvers "
                                   "need alphas > 0", (long long)a);
            if (!(v >= 0.0) || !isfinite(v))
                return lacus__fail(err, LACUS_ERR_ARG, "alphas[%lld] = %g: must be finite and %s",
                                   (long long)a, v, lstsq ? ">= 0" : "> 0");
        }
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

lacus_status lacus__check_xy(const double *X, int64_t n, int64_t p, const double *Y, int64_t t,
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
    if (!st && prm->solver != LACUS_SOLVER_LSTSQ && lacus__gram_route(D, fold, nf, 1))
        st = lacus__ridgecv_scan_gram(D, Y, t, fold, nf, alphas, na, prm, scores, coef, NULL, NULL,
                                          &gram, err);
    if (!st && !gram) st = lacus__ridgecv_scan(D, Y, t, fold, nf, alphas, na, prm, scores, err);
    if (!st) {
        lacus__select_alphas(scores, alphas, na, t, prm->local_alpha, best, cv_score);
        for (int64_t j = 0; j < t; j++) ta[j] = alphas[best[j]];
        if (best_alpha) memcpy(best_alpha, ta, (size_t)t * sizeof(double));
        if (cv_scores) memcpy(cv_scores, scores, (size_t)(na * t) * sizeof(double));
        if (coef && gram) st = lacus__ridge_refit_gram(D, t, ta, prm, NULL, NULL, coef, &refitted, err);
        if (coef && !st && !refitted) st = lacus__ridge_refit(D, Y, t, ta, prm, coef, err);
    }
    lacus__free(scores);
    lacus__free(ta);
    lacus__free(best);
    lacus__free(fold);
    lacus__free(owned);
    return st;
}

double *lacus__gram_kernel(const double *X, int64_t n, int64_t p)
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
                          double *cv_scores, double *coef, lacus__prof *prof, lacus_error *err)
{
    lacus__design D = {X, NULL, n, p, 0, 0, prof};
    int64_t n_folds = prm->fold ? 2 : (prm->n_folds > 1 ? prm->n_folds : 2);
    int64_t n_tr = n - n / n_folds; /* typical training size */
    /* lstsq: always the primal SVD route (no X^T X, X X^T or X^T Y, whose
     * rounding grows with the condition number; alpha = 0 needs it). */
    if (prm->solver == LACUS_SOLVER_DUAL) D.dual = 1;
    else if (prm->solver == LACUS_SOLVER_AUTO) D.dual = p > n_tr;
    double *K = NULL;
    if (D.dual) {
        if (!(K = lacus__gram_kernel(X, n, p)))
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
    lacus_status st = lacus__check_xy(X, n_samples, n_features, Y, n_targets, "X", err);
    if (st) return st;
    if (prm->solver < LACUS_SOLVER_AUTO || prm->solver > LACUS_SOLVER_LSTSQ)
        return lacus__fail(err, LACUS_ERR_ARG, "solver = %d: unknown", (int)prm->solver);
    return fit_x(prm, X, n_samples, n_features, Y, n_targets, best_alpha, cv_score, cv_scores, coef,
                 NULL, err);
}

lacus_status lacus__ridgecv_fit_prof(const lacus_ridgecv_params *prm, const double *X, int64_t n,
                                     int64_t p, const double *Y, int64_t t, double *best_alpha,
                                     double *cv_score, double *cv_scores, double *coef,
                                     lacus__prof *prof, lacus_error *err)
{
    lacus_status st = lacus__check_xy(X, n, p, Y, t, "X", err);
    if (st) return st;
    return fit_x(prm, X, n, p, Y, t, best_alpha, cv_score, cv_scores, coef, prof, err);
}

lacus_status lacus_kernel_ridgecv_fit(const lacus_ridgecv_params *prm, const double *K,
                                      int64_t n_samples, const double *Y, int64_t n_targets,
                                      double *best_alpha, double *cv_score, double *cv_scores,
                                      double *dual_coef, lacus_error *err)
{
    lacus_ridgecv_params def = lacus_ridgecv_params_default();
    if (!prm) prm = &def;
    if (prm->solver == LACUS_SOLVER_LSTSQ)
        return lacus__fail(err, LACUS_ERR_ARG, "solver lstsq: kernel ridge works on K alone, which "
                           "has no least-squares (SVD of X) form; use RidgeCV with the features, "
                           "or alphas > 0");
    lacus_status st = lacus__check_xy(K, n_samples, n_samples, Y, n_targets, "K", err);
    if (st) return st;
    for (int64_t i = 0; i < n_samples; i++)
        for (int64_t j = i + 1; j < n_samples; j++) {
            double a = K[i * n_samples + j], b = K[j * n_samples + i];
            if (fabs(a - b) > 1e-10 * fmax(1.0, fmax(fabs(a), fabs(b))))
                return lacus__fail(err, LACUS_ERR_ARG,
                                   "K is not symmetric: K[%lld, %lld] = %g but K[%lld, %lld] = %g",
                                   (long long)i, (long long)j, a, (long long)j, (long long)i, b);
        }
    lacus__design D = {NULL, K, n_samples, n_samples, 1, 0, NULL};
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
