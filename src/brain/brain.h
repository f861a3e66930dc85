/* Private pieces of the brain-encoding module shared by its files. */
#ifndef LACUS_BRAIN_BRAIN_H
#define LACUS_BRAIN_BRAIN_H

#include "lacus.h"
#include "core/rng.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
/* The cross-subject ceiling of Pearson r from the mean leave-one-subject-out
 * r of m subjects (ceiling.c has the derivation). */
double lacus__loo_ceiling(double rho, int64_t m);
/* Gamma(a, 1) variate (Marsaglia & Tsang; ridgecv_api.c). */
double lacus__gamma_draw(lacus__rng *r, double a);
/* n samples of unit-variance power-law noise (exponent beta) from r. */
lacus_status lacus__powerlaw_fill(int64_t n, double beta, lacus__rng *r, double *out,
                                  lacus_error *err);

#endif

/* The data a ridge CV works on: features X (n x p) for the primal, a kernel
 * K (n x n) for the dual (built as X X^T when X is given and dual is set). */
typedef struct lacus__design {
    const double *X, *K;
    int64_t n, p;
    int dual;
    int refit_eigen; /* 1: the dual refit by eigendecomposition even where
                        Cholesky applies (tests compare the two routes) */
    struct lacus__prof *prof; /* stage timers (bench_encoding), or NULL */
} lacus__design;

/* Mean validation score over folds of every (alpha, target): scores
 * (n_alphas x t). */
lacus_status lacus__ridgecv_scan(const lacus__design *D, const double *Y, int64_t t,
                                 const int64_t *fold, int64_t n_folds, const double *alphas,
                                 int64_t na, const lacus_ridgecv_params *prm, double *scores,
                                 lacus_error *err);
/* The tie-break slope added to alpha a's score (1e-10 log alpha). */
double lacus__tie_slope(const double *alphas, int64_t na, int64_t a);
/* himalaya's _select_best_alphas (not conservative): best[t] alpha indices. */
void lacus__select_alphas(const double *scores, const double *alphas, int64_t na, int64_t t,
                          int local_alpha, int64_t *best, double *best_score);
/* Refit on all samples with each target's own alpha: coef (p x t), or the
 * dual coefficients (n x t) when D has no X. */
lacus_status lacus__ridge_refit(const lacus__design *D, const double *Y, int64_t t,
                                const double *target_alpha, const lacus_ridgecv_params *prm,
                                double *coef, lacus_error *err);
double lacus__score_one(lacus_cv_score kind, const double *y, const double *p, int64_t n);

/* Validated folds and alphas for a fit: *fold_out (owned, free with
 * lacus__free) and n_folds; *alphas_out points at prm->alphas or at the
 * owned default grid (*owned set). */
lacus_status lacus__cv_setup(const lacus_ridgecv_params *prm, int64_t n, int64_t **fold_out,
                             int64_t *n_folds, const double **alphas_out, int64_t *na,
                             double **owned, lacus_error *err);

/* The cross-subject ceiling of Pearson r from the mean leave-one-subject-out
 * r of m subjects (ceiling.c has the derivation). */
double lacus__loo_ceiling(double rho, int64_t m);
/* Gamma(a, 1) variate (Marsaglia & Tsang; ridgecv_api.c). */
double lacus__gamma_draw(lacus__rng *r, double a);
/* n samples of unit-variance power-law noise (exponent beta) from r. */
lacus_status lacus__powerlaw_fill(int64_t n, double beta, lacus__rng *r, double *out,
                                  lacus_error *err);

#endif
