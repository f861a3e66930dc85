/* Pieces of the per-target ridge CV shared by ridgecv.c (the fold-by-fold
 * scan and the refits) and ridgecv_gram.c (the scan through X^T Y). */
#ifndef LACUS_BRAIN_RIDGECV_IMPL_H
#define LACUS_BRAIN_RIDGECV_IMPL_H

#include <time.h>

#include "brain/brain.h"

/* Stage timers of a ridge CV fit, for bench_encoding's efficiency table
 * (the library fills them only when a design carries one; it never
 * prints). flop counts a multiply-add as 2; f32 says whether the stage's
 * products ran in float32 (sgemm), so that the benchmark compares it with
 * the sgemm peak. */
enum {
    LACUS__ST_DECOMP = 0, /* fold SVDs (or kernel eigh) and A = X_te V */
    LACUS__ST_XTY,        /* X_te^T Y_te of every fold (X^T Y route) */
    LACUS__ST_PROJ,       /* U^T Y_tr, or Vt (X^T Y - G_f) */
    LACUS__ST_DESIGN,     /* A diag(w_a) for every alpha (elementwise) */
    LACUS__ST_PRED,       /* the predictions of every alpha (one gemm) */
    LACUS__ST_SCORE,      /* the validation scores (elementwise, OpenMP) */
    LACUS__ST_REFIT,      /* the refit on all samples */
    LACUS__NST
};
typedef struct lacus__prof {
    double sec[LACUS__NST], flop[LACUS__NST];
    int f32[LACUS__NST];
    int64_t gram_eig; /* fold decompositions taken from the Gram (banded) */
} lacus__prof;

static inline double lacus__prof_now(const lacus__prof *pf)
{
    if (!pf) return 0.0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
/* Adds the time since t0 and flop to stage st (no-op without a profile). */
static inline void lacus__prof_add(lacus__prof *pf, int st, double t0, double flop, int f32)
{
    if (!pf) return;
    pf->sec[st] += lacus__prof_now(pf) - t0;
    pf->flop[st] += flop;
    pf->f32[st] = f32;
}

/* A fold's decomposition. The basis is stored as rows (k x n_tr) when
 * basis_rows, else as columns (n_tr x k). */
typedef struct lacus__decomp {
    int64_t k, n_tr, n_te;
    int dual, basis_rows;
    double *basis, *A, *ev; /* basis, A (n_te x k), s or l (k) */
    double *vt;             /* primal: Vt (k x p), kept when asked for */
    double min_ev;
    double cut;             /* primal: singular values <= cut get weight 0 at
                               alpha = 0 (NumPy lstsq's rcond eps max(n_tr, p)
                               times s_max) */
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

/* Every fold's training cross-product of the unscaled X, for the banded
 * search, where each candidate rescales the columns (ridgecv_gram.c):
 * T_f = X^T Y - X_te^T Y_te = X_tr^T Y_tr (p x t, row-major, one per
 * fold; float when the scan is float32) and C = X^T Y (p x t, double). */
typedef struct lacus__xty {
    int64_t p, t, n_folds;
    double *C, *Td;
    float *Tf;
    double *XtX;  /* p x p: X^T X */
    double *Gtr;  /* n_folds x p x p: X_tr^T X_tr of each fold */
} lacus__xty;
/* Symmetric eigendecomposition (dsyevd) of K (n x n, overwritten by the
 * eigenvectors as rows), eigenvalues w ascending. */
lacus_status lacus__eigh(double *K, int64_t n, double *w, lacus_error *err);
lacus_status lacus__xty_build(const double *X, int64_t n, int64_t p, const double *Y, int64_t t,
                              const int64_t *fold, int64_t n_folds, int f32, lacus__xty *out,
                              lacus_error *err);
void lacus__xty_free(lacus__xty *x);

/* The scan through X^T Y (ridgecv_gram.c), for the primal when
 * lacus__gram_route() says so: as lacus__ridgecv_scan, and when xty is not
 * NULL it also receives X^T Y (p x t). *used = 0 (nothing written but the
 * zeroed scores) when a fold turns out too ill-conditioned for it.
 * n_designs: how many designs share one X^T Y (the banded search's
 * candidates; 1 for RidgeCV), which amortises its cost.
 * With pre (the banded search): D->X is the design X diag(colscale), the
 * training cross-products come from pre (of the unscaled X) scaled by
 * colscale, and xty must be NULL. */
int lacus__gram_route(const lacus__design *D, const int64_t *fold, int64_t n_folds,
                      int64_t n_designs);
lacus_status lacus__ridgecv_scan_gram(const lacus__design *D, const double *Y, int64_t t,
                                      const int64_t *fold, int64_t n_folds, const double *alphas,
                                      int64_t na, const lacus_ridgecv_params *prm, double *scores,
                                      double *xty, const lacus__xty *pre, const double *colscale,
                                      int *used, lacus_error *err);
/* The primal refit from X^T Y held in coef (p x t), overwritten by the
 * weights: coef = V diag(1/(s^2 + a_j)) V^T (X^T Y). *used = 0 (coef
 * untouched) when X is too ill-conditioned for it. V and s come from the
 * eigendecomposition of the Gram where that is accurate (ridgecv_gram.c),
 * else from the SVD of D->X: the Gram is diag(c) xtx diag(c) with xtx (the
 * unscaled X^T X, p x p) and colscale (the banded search), else D->X's own
 * (made here). */
lacus_status lacus__ridge_refit_gram(const lacus__design *D, int64_t t, const double *target_alpha,
                                     const lacus_ridgecv_params *prm, const double *xtx,
                                     const double *colscale, double *coef, int *used,
                                     lacus_error *err);

/* X (n x p) and Y (n x t) non-NULL, non-empty and finite (xname names X
 * in messages). */
lacus_status lacus__check_xy(const double *X, int64_t n, int64_t p, const double *Y, int64_t t,
                             const char *xname, lacus_error *err);
/* K = X X^T (n x n, both triangles), allocated; NULL when out of memory. */
double *lacus__gram_kernel(const double *X, int64_t n, int64_t p);

/* lacus_ridgecv_fit with stage timers (bench_encoding). */
lacus_status lacus__ridgecv_fit_prof(const lacus_ridgecv_params *prm, const double *X, int64_t n,
                                     int64_t p, const double *Y, int64_t t, double *best_alpha,
                                     double *cv_score, double *cv_scores, double *coef,
                                     lacus__prof *prof, lacus_error *err);

/* lacus_banded_ridgecv_fit with the route forced (tests and benchmarks
 * compare them): LACUS__BANDED_AUTO the cheaper; LACUS__BANDED_SVD every
 * candidate fold by fold; LACUS__BANDED_XTY_NOCACHE the X^T Y route with
 * each candidate's own X_te^T Y_te (as when the shared cache would not fit
 * in memory). *n_xty (may be NULL) receives how many candidates' scans took
 * the X^T Y route. */
enum { LACUS__BANDED_AUTO = 0, LACUS__BANDED_SVD = 1, LACUS__BANDED_XTY_NOCACHE = 2 };
lacus_status lacus__banded_ridgecv_fit_ex(const lacus_ridgecv_params *prm, const double *X,
                                          int64_t n, const int64_t *band_sizes, int64_t n_bands,
                                          const double *gammas, int64_t n_iter, uint64_t seed,
                                          const double *Y, int64_t t, double *best_alpha,
                                          double *best_gamma, double *cv_score, double *coef,
                                          int route, int64_t *n_xty, lacus__prof *prof,
                                          lacus_error *err);

#endif
