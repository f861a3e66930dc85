/* Pieces of the per-target ridge CV shared by ridgecv.c (the fold-by-fold
 * scan and the refits) and ridgecv_gram.c (the scan through X^T Y). */
#ifndef LACUS_BRAIN_RIDGECV_IMPL_H
#define LACUS_BRAIN_RIDGECV_IMPL_H

#include "brain/brain.h"

/* A fold's decomposition. The basis is stored as rows (k x n_tr) when
 * basis_rows, else as columns (n_tr x k). */
typedef struct lacus__decomp {
    int64_t k, n_tr, n_te;
    int dual, basis_rows;
    double *basis, *A, *ev; /* basis, A (n_te x k), s or l (k) */
    double *vt;             /* primal: Vt (k x p), kept when asked for */
    double min_ev;
} lacus__decomp;

/* Decomposes the training part of one fold (tr, te: sample indices):
 * primal, the thin SVD of X_tr and A = X_te V; dual, the eigendecomposition
 * of K_tr and A = K_te Q. want_vt keeps Vt. */
lacus_status lacus__decompose(const lacus__design *D, const int64_t *tr, int64_t n_tr,
                              const int64_t *te, int64_t n_te, int want_vt, lacus__decomp *d,
                              lacus_error *err);
/* The same on every sample (the refit), with Vt. */
lacus_status lacus__decompose_all(const lacus__design *D, lacus__decomp *d, lacus_error *err);
void lacus__decomp_free(lacus__decomp *d);
/* Targets per batch so that per-target buffers of per_target doubles stay
 * near 256 MB (prm->n_targets_batch when set). */
int64_t lacus__batch_size(const lacus_ridgecv_params *prm, int64_t per_target, int64_t t);
double lacus__score_one_f(lacus_cv_score kind, const double *y, const float *p, int64_t n);

/* The scan through X^T Y (ridgecv_gram.c), for the primal when
 * lacus__gram_route() says so: as lacus__ridgecv_scan, and when xty is not
 * NULL it also receives X^T Y (p x t). *used = 0 (nothing written but the
 * zeroed scores) when a fold turns out too ill-conditioned for it. */
int lacus__gram_route(const lacus__design *D, const int64_t *fold, int64_t n_folds);
lacus_status lacus__ridgecv_scan_gram(const lacus__design *D, const double *Y, int64_t t,
                                      const int64_t *fold, int64_t n_folds, const double *alphas,
                                      int64_t na, const lacus_ridgecv_params *prm, double *scores,
                                      double *xty, int *used, lacus_error *err);
/* The primal refit from X^T Y held in coef (p x t), overwritten by the
 * weights: coef = V diag(1/(s^2 + a_j)) V^T (X^T Y). *used = 0 (coef
 * untouched) when X is too ill-conditioned for it. */
lacus_status lacus__ridge_refit_gram(const lacus__design *D, int64_t t, const double *target_alpha,
                                     const lacus_ridgecv_params *prm, double *coef, int *used,
                                     lacus_error *err);

#endif
