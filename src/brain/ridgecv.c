/* Ridge and kernel ridge with one penalty per target, chosen by
 * cross-validation (the equations are in include/lacus/encoding.h; the
 * algorithm is himalaya 0.4.11's solve_ridge_cv_svd and
 * solve_kernel_ridge_cv_eigenvalues, Dupre La Tour et al. 2022).
 *
 * Per fold, one decomposition of the training part gives a basis (U, or the
 * eigenvectors Q of the kernel), weights per alpha (s/(s^2+a), or 1/(l+a))
 * and the validation design A = X_te V (or K_te Q). The predictions of every
 * alpha for a batch of targets then come from ONE matrix product, either
 *     P^T (tb x n_alphas*n_te) = B^T (tb x k) . [A diag(w_1); ...]^T
 * with B = basis^T Y_tr (k x tb) — n_te k t flops per alpha plus k n_tr t
 * per fold, k = min(n_tr, p) — or, when that is cheaper (the dual, k = n_tr),
 * himalaya's resolution matrices M_a = A diag(w_a) basis^T stacked, times
 * Y_tr (n_te n_tr t per alpha, no projection). use_resolution() compares
 * the two costs. Predictions are laid out per target (rows of P^T) so the
 * scores read contiguous memory and the targets split across OpenMP threads
 * with a static partition (the result does not depend on the thread count).
 * BLAS and LAPACK run outside our parallel regions. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "brain/ridgecv_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"

lacus_ridgecv_params lacus_ridgecv_params_default(void)
{
    lacus_ridgecv_params p;
    memset(&p, 0, sizeof p);
    p.n_folds = 5;
    p.score = LACUS_CV_NEG_MSE;
    p.local_alpha = 1;
    p.solver = LACUS_SOLVER_AUTO;
    return p;
}

/* One score of predictions p against y (n values each), accumulated in
 * double whether the predictions are double or float (the float32 scan). */
#define SCORE_BODY                                                                   \
    if (kind == LACUS_CV_NEG_MSE) {                                                  \
        double s = 0.0;                                                              \
        for (int64_t i = 0; i < n; i++) s += (y[i] - p[i]) * (y[i] - p[i]);          \
        return -s / (double)n;                                                       \
    }                                                                                \
    double my = 0.0, mp = 0.0;                                                       \
    for (int64_t i = 0; i < n; i++) {                                                \
        my += y[i];                                                                  \
        mp += p[i];                                                                  \
    }                                                                                \
    my /= (double)n;                                                                 \
    mp /= (double)n;                                                                 \
    if (kind == LACUS_CV_R2) {                                                       \
        double sse = 0.0, sst = 0.0;                                                 \
        for (int64_t i = 0; i < n; i++) {                                            \
            sse += (y[i] - p[i]) * (y[i] - p[i]);                                    \
            sst += (y[i] - my) * (y[i] - my);                                        \
        }                                                                            \
        return sst == 0.0 ? 0.0 : 1.0 - sse / sst;                                   \
    }                                                                                \
    double syy = 0.0, spp = 0.0, syp = 0.0;                                          \
    for (int64_t i = 0; i < n; i++) {                                                \
        double a = y[i] - my, b = p[i] - mp;                                         \
        syy += a * a;                                                                \
        spp += b * b;                                                                \
        syp += a * b;                                                                \
    }                                                                                \
    /* himalaya: population z-scores with std 0 replaced by 1. */                   \
    double sy = sqrt(syy / (double)n), sp = sqrt(spp / (double)n);                   \
    if (sy == 0.0) sy = 1.0;                                                         \
    if (sp == 0.0) sp = 1.0;                                                         \
    return syp / (double)n / (sy * sp);

static double score_one(lacus_cv_score kind, const double *y, const double *p, int64_t n)
{
    SCORE_BODY
}

double lacus__score_one_f(lacus_cv_score kind, const double *y, const float *p, int64_t n)
{
    SCORE_BODY
}

double lacus__score_one(lacus_cv_score kind, const double *y, const double *p, int64_t n)
{
    return score_one(kind, y, p, n);
}

typedef lacus__decomp decomp;

lacus_status lacus__decompose_all(const lacus__design *D, lacus__decomp *d, lacus_error *err)
{
    const int64_t n = D->n;
    int64_t *all = LACUS__NEW(int64_t, n);
    if (!all) return lacus__fail(err, LACUS_ERR_NOMEM, "refit indices");
    for (int64_t i = 0; i < n; i++) all[i] = i;
    lacus_status st = lacus__decompose(D, all, n, NULL, 0, 1, d, err);
    lacus__free(all);
    return st;
}

void lacus__decomp_free(decomp *d)
{
    lacus__free(d->basis);
    lacus__free(d->A);
    lacus__free(d->ev);
    lacus__free(d->vt);
    memset(d, 0, sizeof *d);
}

/* Weight of basis direction i at penalty a. Refit: negative eigenvalues
 * become 0 (himalaya's "zeros"). */
static inline double weight(const decomp *d, int64_t i, double a, int refit)
{
    double e = d->ev[i];
    /* alpha = 0 (the lstsq solver): the pseudo-inverse 1/s, directions
     * below NumPy's cut-off dropped, as np.linalg.lstsq does. */
    if (!d->dual) return a == 0.0 ? (e > d->cut ? 1.0 / e : 0.0) : e / (e * e + a);
    if (refit && e < 0.0) e = 0.0;
    return 1.0 / (e + a);
}

/* Thin SVD of M (m x n row-major, destroyed): M = U diag(s) Vt. Calls the
 * column-major LAPACK on M^T = V S U^T, which hands back Vt and U in
 * row-major without a transposition. U (m x k), Vt (k x n), k = min(m, n). */
static lacus_status svd_thin(double *M, int64_t m, int64_t n, double *U, double *s, double *Vt,
                             lacus_error *err)
{
    int64_t k = m < n ? m : n;
    lapack_int *iwork = LACUS__NEW(lapack_int, 8 * k);
    double q = 0.0;
    lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)n, (lapack_int)m, M,
                                          (lapack_int)n, s, Vt, (lapack_int)n, U, (lapack_int)k,
                                          &q, -1, iwork);
    double *work = info == 0 ? LACUS__NEW(double, (int64_t)q + 1) : NULL;
    if (!iwork || !work) {
        lacus__free(iwork);
        lacus__free(work);
        return lacus__fail(err, LACUS_ERR_NOMEM, "SVD workspace (%lld x %lld)", (long long)m,
                           (long long)n);
    }
    info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)n, (lapack_int)m, M,
                               (lapack_int)n, s, Vt, (lapack_int)n, U, (lapack_int)k, work,
                               (lapack_int)q, iwork);
    lacus__free(iwork);
    lacus__free(work);
    if (info != 0)
        return lacus__fail(err, LACUS_ERR_NUMERIC, "SVD of a %lld x %lld matrix failed (info %d)",
                           (long long)m, (long long)n, (int)info);
    return LACUS_OK;
}

/* Symmetric eigendecomposition of K (n x n, overwritten by the eigenvectors
 * as rows: K[i*n + j] = component j of eigenvector i), ascending values. */
lacus_status lacus__eigh(double *K, int64_t n, double *w, lacus_error *err)
{
    double q = 0.0;
    lapack_int iq = 0;
    lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n, K,
                                          (lapack_int)n, w, &q, -1, &iq, -1);
    double *work = info == 0 ? LACUS__NEW(double, (int64_t)q + 1) : NULL;
    lapack_int *iwork = info == 0 ? LACUS__NEW(lapack_int, (int64_t)iq + 1) : NULL;
    if (!work || !iwork) {
        lacus__free(work);
        lacus__free(iwork);
        return lacus__fail(err, LACUS_ERR_NOMEM, "eigendecomposition workspace (n = %lld)",
                           (long long)n);
    }
    info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n, K, (lapack_int)n, w,
                               work, (lapack_int)q, iwork, iq);
    lacus__free(work);
    lacus__free(iwork);
    if (info != 0)
        return lacus__fail(err, LACUS_ERR_NUMERIC, "eigendecomposition of a %lld x %lld kernel "
                           "failed (info %d)", (long long)n, (long long)n, (int)info);
    return LACUS_OK;
}

/* Rows idx of M (n_cols wide, stride ld) into out (contiguous). */
static void gather_rows(const double *M, int64_t ld, int64_t n_cols, const int64_t *idx,
                        int64_t n_idx, double *out)
{
    for (int64_t i = 0; i < n_idx; i++)
        memcpy(out + i * n_cols, M + idx[i] * ld, (size_t)n_cols * sizeof(double));
}

/* Decomposes the training part of one fold (tr, te: sample indices).
 * Primal: X given, dual = 0. Dual: K (n x n) given. */
lacus_status lacus__decompose(const lacus__design *D, const int64_t *tr, int64_t n_tr,
                              const int64_t *te, int64_t n_te, int want_vt, decomp *d,
                              lacus_error *err)
{
    memset(d, 0, sizeof *d);
    d->n_tr = n_tr;
    d->n_te = n_te;
    d->dual = D->dual;
    lacus_status st = LACUS_OK;
    /* The refit's decomposition (no te) is timed with the refit. */
    lacus__prof *pf = te ? D->prof : NULL;
    double t0 = lacus__prof_now(pf);
    if (!D->dual) {
        int64_t p = D->p, k = n_tr < p ? n_tr : p;
        double *Xtr = LACUS__NEW(double, n_tr * p), *Xte = LACUS__NEW(double, n_te * p + 1);
        d->k = k;
        d->basis = LACUS__NEW(double, n_tr * k);
        d->vt = LACUS__NEW(double, k * p);
        d->ev = LACUS__NEW(double, k);
        d->A = LACUS__NEW(double, n_te * k + 1);
        if (!Xtr || !Xte || !d->basis || !d->vt || !d->ev || !d->A) {
            st = lacus__fail(err, LACUS_ERR_NOMEM, "ridge CV fold (%lld x %lld)", (long long)n_tr,
                             (long long)p);
        } else {
            gather_rows(D->X, p, p, tr, n_tr, Xtr);
            gather_rows(D->X, p, p, te, n_te, Xte);
            st = svd_thin(Xtr, n_tr, p, d->basis, d->ev, d->vt, err);
            d->basis_rows = 0;
            d->cut = st ? 0.0 : DBL_EPSILON * (double)(n_tr > p ? n_tr : p) * d->ev[0];
            if (!st && n_te > 0)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_te, (int)k, (int)p, 1.0,
                            Xte, (int)p, d->vt, (int)p, 0.0, d->A, (int)k);
        }
        lacus__free(Xtr);
        lacus__free(Xte);
        if (!want_vt && d->vt) {
            lacus__free(d->vt);
            d->vt = NULL;
        }
    } else {
        int64_t n = D->n;
        double *Ktr = LACUS__NEW(double, n_tr * n_tr), *Kte = LACUS__NEW(double, n_te * n_tr + 1);
        d->k = n_tr;
        d->ev = LACUS__NEW(double, n_tr);
        d->A = LACUS__NEW(double, n_te * n_tr + 1);
        if (!Ktr || !Kte || !d->ev || !d->A) {
            st = lacus__fail(err, LACUS_ERR_NOMEM, "kernel ridge CV fold (%lld samples)",
                             (long long)n_tr);
        } else {
            for (int64_t i = 0; i < n_tr; i++)
                for (int64_t j = 0; j < n_tr; j++) Ktr[i * n_tr + j] = D->K[tr[i] * n + tr[j]];
            for (int64_t i = 0; i < n_te; i++)
                for (int64_t j = 0; j < n_tr; j++) Kte[i * n_tr + j] = D->K[te[i] * n + tr[j]];
            st = lacus__eigh(Ktr, n_tr, d->ev, err);
            d->basis = Ktr; /* eigenvectors as rows */
            Ktr = NULL;
            d->basis_rows = 1;
            d->min_ev = d->ev[0];
            if (!st && n_te > 0)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_te, (int)n_tr,
                            (int)n_tr, 1.0, Kte, (int)n_tr, d->basis, (int)n_tr, 0.0, d->A,
                            (int)n_tr);
        }
        lacus__free(Ktr);
        lacus__free(Kte);
    }
    if (st) lacus__decomp_free(d);
    /* Flop estimates: a thin SVD of n_tr x p about 4 n_tr p k + 8 k^3
     * (R-SVD, Golub & Van Loan), a symmetric eigendecomposition with
     * vectors about 9 n_tr^3; plus A. */
    double kk = (double)d->k, ntr = (double)n_tr, nte = (double)n_te;
    lacus__prof_add(pf, LACUS__ST_DECOMP, t0,
                    D->dual ? 9.0 * ntr * ntr * ntr + 2.0 * nte * ntr * ntr
                            : 4.0 * ntr * (double)D->p * kk + 8.0 * kk * kk * kk +
                                  2.0 * nte * kk * (double)D->p,
                    0);
    return st;
}

/* B (k x tb) = basis^T Ysub, Ysub (n_tr x tb). */
static void project(const decomp *d, const double *Ysub, int64_t tb, double *B)
{
    if (d->basis_rows)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d->k, (int)tb, (int)d->n_tr,
                    1.0, d->basis, (int)d->n_tr, Ysub, (int)tb, 0.0, B, (int)tb);
    else
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d->k, (int)tb, (int)d->n_tr, 1.0,
                    d->basis, (int)d->k, Ysub, (int)tb, 0.0, B, (int)tb);
}

/* Targets per batch so that the per-batch buffers stay near 256 MB. */
int64_t lacus__batch_size(const lacus_ridgecv_params *prm, int64_t per_target, int64_t t)
{
    int64_t tb = prm->n_targets_batch;
    if (tb <= 0) {
        tb = (int64_t)(256.0 * 1024 * 1024 / 8 / (double)(per_target > 0 ? per_target : 1));
        if (tb < 64) tb = 64;
        tb = (tb + 63) / 64 * 64;
    }
    return tb < t ? tb : t;
}

/* Per fold, two ways to the predictions of all alphas for tb targets:
 *   projection:  B = basis^T Y_tr (2 k n_tr tb), then [A diag(w_a)] B
 *                (2 na n_te k tb);
 *   resolution:  M_a = A diag(w_a) basis^T once (2 na n_te k n_tr, as
 *                himalaya), then M_a Y_tr (2 na n_te n_tr tb).
 * The projection wins when k < n_tr (more samples than features: k n_tr +
 * na n_te k < na n_te n_tr); the resolution when k = n_tr (the dual) and t
 * is large. Returns 1 for the resolution. */
static int use_resolution(const decomp *d, int64_t na, int64_t t)
{
    double k = (double)d->k, ntr = (double)d->n_tr, nte = (double)d->n_te, a = (double)na;
    double proj = (k * ntr + a * nte * k) * (double)t;
    double res = a * nte * k * ntr + a * nte * ntr * (double)t;
    return res < proj;
}

/* The rows of A scaled by each alpha's weights, (na*n_te x k), into Aall or,
 * for the float32 scan, rounded into Af (the other is NULL); bad[a] for
 * alphas that the dual's negative round-off eigenvalues make unsafe. */
static void scaled_designs(const decomp *d, const double *alphas, int64_t na, double *Aall, float *Af,
                           unsigned char *bad)
{
    const int64_t k = d->k, n_te = d->n_te;
    for (int64_t a = 0; a < na; a++) {
        bad[a] = d->dual && d->min_ev < 0.0 && alphas[a] < -2.0 * d->min_ev;
        for (int64_t i = 0; i < n_te; i++)
            for (int64_t j = 0; j < k; j++) {
                const double v = d->A[i * k + j] * weight(d, j, alphas[a], 0);
                if (Aall) Aall[(a * n_te + i) * k + j] = v;
                else Af[(a * n_te + i) * k + j] = (float)v;
            }
    }
}
/* Mall (m x n_tr) = Aall (m x k) basis^T. */
static void resolution(const decomp *d, int64_t m, const double *Aall, double *Mall)
{
    if (d->basis_rows)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)d->n_tr, (int)d->k,
                    1.0, Aall, (int)d->k, d->basis, (int)d->n_tr, 0.0, Mall, (int)d->n_tr);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)d->n_tr, (int)d->k, 1.0,
                    Aall, (int)d->k, d->basis, (int)d->k, 0.0, Mall, (int)d->n_tr);
}

/* The alpha scan of one fold in float64: scores[a*t + j] += inv * score. */
static lacus_status scan_fold(const decomp *d, const double *Y, int64_t t, const int64_t *tr,
                              const int64_t *te, const double *alphas, int64_t na,
                              const lacus_ridgecv_params *prm, double inv, double *scores,
                              lacus__prof *pf, lacus_error *err)
{
    const int64_t k = d->k, n_tr = d->n_tr, n_te = d->n_te, m = na * n_te;
    const int res = use_resolution(d, na, t);
    lacus_status st = LACUS_OK;
    unsigned char *bad = LACUS__ZNEW(unsigned char, na);
    double *Aall = LACUS__NEW(double, m * k), *Mall = res ? LACUS__NEW(double, m * n_tr) : NULL;
    int64_t tb = lacus__batch_size(prm, m + n_tr + n_te + (res ? 0 : k), t);
    double *Ysub = LACUS__NEW(double, n_tr * tb), *YteT = LACUS__NEW(double, tb * n_te);
    double *B = res ? NULL : LACUS__NEW(double, k * tb), *PT = LACUS__NEW(double, tb * m);
    if (!bad || !Aall || (res && !Mall) || !Ysub || !YteT || (!res && !B) || !PT) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "ridge CV buffers (%lld targets per batch)",
                         (long long)tb);
    } else {
        double t0 = lacus__prof_now(pf);
        scaled_designs(d, alphas, na, Aall, NULL, bad);
        lacus__prof_add(pf, LACUS__ST_DESIGN, t0, (double)(m * k), 0);
        t0 = lacus__prof_now(pf);
        if (res) resolution(d, m, Aall, Mall);
        lacus__prof_add(pf, LACUS__ST_PROJ, t0, res ? 2.0 * (double)(m * k * n_tr) : 0.0, 0);
        for (int64_t j0 = 0; j0 < t; j0 += tb) {
            int64_t nb = t - j0 < tb ? t - j0 : tb;
            t0 = lacus__prof_now(pf);
            for (int64_t i = 0; i < n_tr; i++)
                memcpy(Ysub + i * nb, Y + tr[i] * t + j0, (size_t)nb * sizeof(double));
            for (int64_t i = 0; i < n_te; i++)
                for (int64_t j = 0; j < nb; j++) YteT[j * n_te + i] = Y[te[i] * t + j0 + j];
            if (res) { /* P^T = Y_tr^T Mall^T */
                lacus__prof_add(pf, LACUS__ST_PROJ, t0, 0.0, 0);
                t0 = lacus__prof_now(pf);
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)nb, (int)m, (int)n_tr, 1.0,
                            Ysub, (int)nb, Mall, (int)n_tr, 0.0, PT, (int)m);
                lacus__prof_add(pf, LACUS__ST_PRED, t0, 2.0 * (double)(m * n_tr * nb), 0);
            } else { /* P^T = B^T Aall^T */
                project(d, Ysub, nb, B);
                lacus__prof_add(pf, LACUS__ST_PROJ, t0, 2.0 * (double)(k * n_tr * nb), 0);
                t0 = lacus__prof_now(pf);
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)nb, (int)m, (int)k, 1.0, B,
                            (int)nb, Aall, (int)k, 0.0, PT, (int)m);
                lacus__prof_add(pf, LACUS__ST_PRED, t0, 2.0 * (double)(m * k * nb), 0);
            }
            t0 = lacus__prof_now(pf);
#pragma omp parallel for schedule(static)
            for (int64_t j = 0; j < nb; j++)
                for (int64_t a = 0; a < na; a++) {
                    double s = bad[a] ? -1e5
                                      : score_one(prm->score, YteT + j * n_te,
                                                  PT + j * m + a * n_te, n_te);
                    scores[a * t + j0 + j] += s * inv;
                }
            lacus__prof_add(pf, LACUS__ST_SCORE, t0, 3.0 * (double)(m * nb), 0);
        }
    }
    lacus__free(bad);
    lacus__free(Aall);
    lacus__free(Mall);
    lacus__free(Ysub);
    lacus__free(YteT);
    lacus__free(B);
    lacus__free(PT);
    return st;
}

/* The same in float32: the decomposition (computed in float64) and Y are
 * rounded to float, the products run in sgemm (twice the speed of dgemm,
 * half the memory), and the scores are accumulated in double. The
 * resolution matrices too are one sgemm of the rounded A diag(w_a) and
 * basis (2 na n_te k n_tr flops per fold, 61 GFLOP at the kernel
 * benchmark's 2 304 training samples): their rounding error (about
 * sqrt(k) 6e-8 relative) is that of the float product they feed. The
 * refit stays in float64. */
static lacus_status scan_fold_f32(const decomp *d, const double *Y, int64_t t, const int64_t *tr,
                                  const int64_t *te, const double *alphas, int64_t na,
                                  const lacus_ridgecv_params *prm, double inv, double *scores,
                                  lacus__prof *pf, lacus_error *err)
{
    const int64_t k = d->k, n_tr = d->n_tr, n_te = d->n_te, m = na * n_te;
    const int res = use_resolution(d, na, t);
    lacus_status st = LACUS_OK;
    unsigned char *bad = LACUS__ZNEW(unsigned char, na);
    /* The float operand of the big product: Mall (resolution) or Aall. */
    const int64_t opw = res ? n_tr : k;
    float *Of = LACUS__NEW(float, m * opw), *basis = LACUS__NEW(float, n_tr * k);
    float *Af = res ? LACUS__NEW(float, m * k) : Of;
    int64_t tb = lacus__batch_size(prm, (m + n_tr + (res ? 0 : k)) / 2 + n_te, t);
    float *Ysub = LACUS__NEW(float, n_tr * tb), *B = res ? NULL : LACUS__NEW(float, k * tb),
          *PT = LACUS__NEW(float, tb * m);
    double *YteT = LACUS__NEW(double, tb * n_te);
    if (!bad || !Af || !Of || !basis || (!res && !B) || !Ysub || !PT || !YteT) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "ridge CV float32 buffers (%lld targets per batch)",
                         (long long)tb);
    } else {
        double t0 = lacus__prof_now(pf);
        scaled_designs(d, alphas, na, NULL, Af, bad);
        for (int64_t i = 0; i < n_tr * k; i++) basis[i] = (float)d->basis[i];
        lacus__prof_add(pf, LACUS__ST_DESIGN, t0, (double)(m * k), 1);
        t0 = lacus__prof_now(pf);
        if (res) { /* Of = Mall (m x n_tr) = Aall basis^T, in float */
            if (d->basis_rows)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n_tr, (int)k,
                            1.0f, Af, (int)k, basis, (int)n_tr, 0.0f, Of, (int)n_tr);
            else
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n_tr, (int)k,
                            1.0f, Af, (int)k, basis, (int)k, 0.0f, Of, (int)n_tr);
            lacus__free(Af);
            Af = NULL;
        }
        lacus__prof_add(pf, LACUS__ST_PROJ, t0, res ? 2.0 * (double)(m * k * n_tr) : 0.0, 1);
        for (int64_t j0 = 0; j0 < t; j0 += tb) {
            int64_t nb = t - j0 < tb ? t - j0 : tb;
            t0 = lacus__prof_now(pf);
            for (int64_t i = 0; i < n_tr; i++)
                for (int64_t j = 0; j < nb; j++) Ysub[i * nb + j] = (float)Y[tr[i] * t + j0 + j];
            for (int64_t i = 0; i < n_te; i++)
                for (int64_t j = 0; j < nb; j++) YteT[j * n_te + i] = Y[te[i] * t + j0 + j];
            if (res) {
                lacus__prof_add(pf, LACUS__ST_PROJ, t0, 0.0, 1);
                t0 = lacus__prof_now(pf);
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)nb, (int)m, (int)n_tr, 1.0f,
                            Ysub, (int)nb, Of, (int)n_tr, 0.0f, PT, (int)m);
                lacus__prof_add(pf, LACUS__ST_PRED, t0, 2.0 * (double)(m * n_tr * nb), 1);
            } else {
                if (d->basis_rows)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)nb,
                                (int)n_tr, 1.0f, basis, (int)n_tr, Ysub, (int)nb, 0.0f, B, (int)nb);
                else
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)nb, (int)n_tr,
                                1.0f, basis, (int)k, Ysub, (int)nb, 0.0f, B, (int)nb);
                lacus__prof_add(pf, LACUS__ST_PROJ, t0, 2.0 * (double)(k * n_tr * nb), 1);
                t0 = lacus__prof_now(pf);
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)nb, (int)m, (int)k, 1.0f, B,
                            (int)nb, Of, (int)k, 0.0f, PT, (int)m);
                lacus__prof_add(pf, LACUS__ST_PRED, t0, 2.0 * (double)(m * k * nb), 1);
            }
            t0 = lacus__prof_now(pf);
#pragma omp parallel for schedule(static)
            for (int64_t j = 0; j < nb; j++)
                for (int64_t a = 0; a < na; a++) {
                    double s = bad[a] ? -1e5
                                      : lacus__score_one_f(prm->score, YteT + j * n_te,
                                                    PT + j * m + a * n_te, n_te);
                    scores[a * t + j0 + j] += s * inv;
                }
            lacus__prof_add(pf, LACUS__ST_SCORE, t0, 3.0 * (double)(m * nb), 1);
        }
    }
    lacus__free(bad);
    if (res) lacus__free(Af);
    lacus__free(Of);
    lacus__free(basis);
    lacus__free(Ysub);
    lacus__free(B);
    lacus__free(PT);
    lacus__free(YteT);
    return st;
}

lacus_status lacus__ridgecv_scan(const lacus__design *D, const double *Y, int64_t t,
                                 const int64_t *fold, int64_t n_folds, const double *alphas,
                                 int64_t na, const lacus_ridgecv_params *prm, double *scores,
                                 lacus_error *err)
{
    const int64_t n = D->n;
    memset(scores, 0, (size_t)(na * t) * sizeof(double));
    int64_t *tr = LACUS__NEW(int64_t, n), *te = LACUS__NEW(int64_t, n);
    if (!tr || !te) {
        lacus__free(tr);
        lacus__free(te);
        return lacus__fail(err, LACUS_ERR_NOMEM, "fold indices");
    }
    lacus_status st = LACUS_OK;
    for (int64_t f = 0; f < n_folds && !st; f++) {
        int64_t n_tr = 0, n_te = 0;
        for (int64_t i = 0; i < n; i++) {
            if (fold[i] == f)
                te[n_te++] = i;
            else
                tr[n_tr++] = i;
        }
        decomp d;
        if ((st = lacus__decompose(D, tr, n_tr, te, n_te, 0, &d, err))) break;
        st = prm->scan_f32
                 ? scan_fold_f32(&d, Y, t, tr, te, alphas, na, prm, 1.0 / (double)n_folds, scores,
                                 D->prof, err)
                 : scan_fold(&d, Y, t, tr, te, alphas, na, prm, 1.0 / (double)n_folds, scores,
                             D->prof, err);
        lacus__decomp_free(&d);
    }
    lacus__free(tr);
    lacus__free(te);
    return st;
}

/* himalaya's tie-break slope 1e-10 log(alpha) towards larger alphas;
 * alpha = 0 (lstsq) ranks one e-fold below the smallest positive alpha. */
static double tie_slope(const double *alphas, int64_t na, int64_t a)
{
    if (alphas[a] > 0.0) return 1e-10 * log(alphas[a]);
    double lo = INFINITY;
    for (int64_t b = 0; b < na; b++)
        if (alphas[b] > 0.0) lo = fmin(lo, alphas[b]);
    return isfinite(lo) ? 1e-10 * (log(lo) - 1.0) : 0.0;
}

double lacus__tie_slope(const double *alphas, int64_t na, int64_t a)
{
    return tie_slope(alphas, na, a);
}

void lacus__select_alphas(const double *scores, const double *alphas, int64_t na, int64_t t,
                          int local_alpha, int64_t *best, double *best_score)
{
    if (local_alpha) {
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < t; j++) {
            int64_t arg = 0;
            double bs = -INFINITY;
            for (int64_t a = 0; a < na; a++) {
                /* himalaya's slope towards larger alphas on ties. */
                double s = scores[a * t + j] + tie_slope(alphas, na, a);
                if (s > bs) {
                    bs = s;
                    arg = a;
                }
            }
            best[j] = arg;
            if (best_score) best_score[j] = scores[arg * t + j];
        }
        return;
    }
    int64_t arg = 0;
    double bs = -INFINITY;
    for (int64_t a = 0; a < na; a++) {
        double s = 0.0;
        for (int64_t j = 0; j < t; j++) s += scores[a * t + j] + tie_slope(alphas, na, a);
        s /= (double)t;
        if (s > bs) {
            bs = s;
            arg = a;
        }
    }
    for (int64_t j = 0; j < t; j++) {
        best[j] = arg;
        if (best_score) best_score[j] = scores[arg * t + j];
    }
}

/* The dual refit by Cholesky, one factorisation per distinct alpha:
 *   W = (K + a I)^-1 Y_a  (dpotrf + dpotrs),  coef = W (kernel) or X^T W,
 * for the targets Y_a whose chosen alpha is a. Flops (n samples, t
 * targets, m distinct alphas): m n^3/3 + 2 n^2 t, against the eigen route's
 * eigh of K (about 4/3 n^3 of it at BLAS-2 speed, 9 n^3 in all) plus
 * Q^T Y and Q B (4 n^2 t) and, with X, X^T Q (2 p n^2): at the kernel
 * benchmark's 2 880 samples x 20 000 targets, 0.41 TFLOP instead of
 * 0.88. The eigen route sets K's negative (round-off) eigenvalues to 0
 * (himalaya's "zeros"); Cholesky keeps them, which moves W by |l_min| / a
 * relatively. So Cholesky runs only once K + d I, d = 1e-9 min(a), has
 * factorised (l_min > -d: the two routes then agree to 1e-9); a kernel
 * that is singular to round-off, or indefinite, fails that test and goes
 * the eigen route. Returns 1 for the eigen route (which then rewrites all
 * of coef). */
static int refit_dual_chol(const lacus__design *D, const double *Y, int64_t t,
                           const double *target_alpha, const lacus_ridgecv_params *prm,
                           double *coef, lacus_status *st, lacus_error *err)
{
    const int64_t n = D->n, p = D->p, rows = D->X ? p : n;
    *st = LACUS_OK;
    if (D->refit_eigen || t == 0) return 1;
    int64_t tb = lacus__batch_size(prm, n + (D->X ? p : 0), t);
    double *C = LACUS__NEW(double, n * n), *WT = LACUS__NEW(double, tb * n);
    double *CT = D->X ? LACUS__NEW(double, tb * p) : NULL;
    int64_t *idx = LACUS__NEW(int64_t, t);
    unsigned char *done = LACUS__ZNEW(unsigned char, t);
    int fallback = 0;
    if (!C || !WT || (D->X && !CT) || !idx || !done) {
        *st = lacus__fail(err, LACUS_ERR_NOMEM, "refit buffers (%lld samples)", (long long)n);
        goto out;
    }
    double amin = target_alpha[0];
    for (int64_t j = 1; j < t; j++) amin = fmin(amin, target_alpha[j]);
    for (int pass = 0; pass < 2 && !fallback; pass++) {
        /* pass 0: the test K + 1e-9 amin I; pass 1: the solves. */
        for (int64_t j0 = 0; j0 < t && !fallback; j0++) {
            if (done[j0]) continue;
            const double a = pass ? target_alpha[j0] : 1e-9 * amin;
            int64_t m = 0;
            if (pass)
                for (int64_t j = j0; j < t; j++)
                    if (!done[j] && target_alpha[j] == target_alpha[j0]) {
                        idx[m++] = j;
                        done[j] = 1;
                    }
            memcpy(C, D->K, (size_t)(n * n) * sizeof(double));
            for (int64_t i = 0; i < n; i++) C[i * n + i] += a;
            if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, C, (lapack_int)n) != 0) {
                fallback = 1;
                break;
            }
            if (!pass) break;
            for (int64_t b0 = 0; b0 < m; b0 += tb) {
                int64_t nb = m - b0 < tb ? m - b0 : tb;
                /* WT (nb x n row-major) is W column-major: each target's y
                 * contiguous, as dpotrs wants its right-hand sides. */
                for (int64_t i = 0; i < n; i++)
                    for (int64_t jj = 0; jj < nb; jj++) WT[jj * n + i] = Y[i * t + idx[b0 + jj]];
                if (LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)nb, C,
                                   (lapack_int)n, WT, (lapack_int)n) != 0) {
                    fallback = 1;
                    break;
                }
                if (D->X) { /* coef^T (nb x p) = W^T X */
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)p, (int)n,
                                1.0, WT, (int)n, D->X, (int)p, 0.0, CT, (int)p);
                    for (int64_t c = 0; c < rows; c++)
                        for (int64_t jj = 0; jj < nb; jj++)
                            coef[c * t + idx[b0 + jj]] = CT[jj * p + c];
                } else {
                    for (int64_t c = 0; c < rows; c++)
                        for (int64_t jj = 0; jj < nb; jj++)
                            coef[c * t + idx[b0 + jj]] = WT[jj * n + c];
                }
            }
        }
    }
out:
    lacus__free(C);
    lacus__free(WT);
    lacus__free(CT);
    lacus__free(idx);
    lacus__free(done);
    return fallback;
}

static lacus_status ridge_refit(const lacus__design *D, const double *Y, int64_t t,
                                const double *target_alpha, const lacus_ridgecv_params *prm,
                                double *coef, lacus_error *err);

lacus_status lacus__ridge_refit(const lacus__design *D, const double *Y, int64_t t,
                                const double *target_alpha, const lacus_ridgecv_params *prm,
                                double *coef, lacus_error *err)
{
    double t0 = lacus__prof_now(D->prof);
    lacus_status st = ridge_refit(D, Y, t, target_alpha, prm, coef, err);
    /* Flops of the product stages (the decomposition is in the time). */
    double k = (double)(D->dual ? D->n : (D->n < D->p ? D->n : D->p));
    lacus__prof_add(D->prof, LACUS__ST_REFIT, t0,
                    2.0 * k * (double)D->n * (double)t + 2.0 * k * (double)D->p * (double)t, 0);
    return st;
}

static lacus_status ridge_refit(const lacus__design *D, const double *Y, int64_t t,
                                const double *target_alpha, const lacus_ridgecv_params *prm,
                                double *coef, lacus_error *err)
{
    const int64_t n = D->n;
    if (D->dual && D->K) {
        lacus_status cst;
        if (!refit_dual_chol(D, Y, t, target_alpha, prm, coef, &cst, err) || cst) return cst;
    }
    decomp d;
    lacus_status st = lacus__decompose_all(D, &d, err);
    if (st) return st;
    const int64_t k = d.k;
    /* Output rows: p (primal and dual-with-X) or n (kernel). */
    const int64_t rows = D->X ? D->p : n;
    double *XtQ = NULL;
    if (d.dual && D->X) {
        /* coef = X^T Q diag(.) Q^T Y: X^T Q once (p x k). */
        XtQ = LACUS__NEW(double, D->p * k);
        if (!XtQ) st = lacus__fail(err, LACUS_ERR_NOMEM, "refit X^T Q");
        else
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)D->p, (int)k, (int)n, 1.0,
                        D->X, (int)D->p, d.basis, (int)n, 0.0, XtQ, (int)k);
    }
    int64_t tb = lacus__batch_size(prm, n + k, t);
    double *Ysub = st ? NULL : LACUS__NEW(double, n * tb), *B = st ? NULL : LACUS__NEW(double, k * tb);
    if (!st && (!Ysub || !B)) st = lacus__fail(err, LACUS_ERR_NOMEM, "refit buffers");
    for (int64_t j0 = 0; j0 < t && !st; j0 += tb) {
        int64_t nb = t - j0 < tb ? t - j0 : tb;
        for (int64_t i = 0; i < n; i++)
            memcpy(Ysub + i * nb, Y + i * t + j0, (size_t)nb * sizeof(double));
        project(&d, Ysub, nb, B);
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < nb; j++) B[i * nb + j] *= weight(&d, i, target_alpha[j0 + j], 1);
        if (!d.dual) /* coef = V B = Vt^T B */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rows, (int)nb, (int)k, 1.0,
                        d.vt, (int)D->p, B, (int)nb, 0.0, coef + j0, (int)t);
        else if (XtQ)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)nb, (int)k,
                        1.0, XtQ, (int)k, B, (int)nb, 0.0, coef + j0, (int)t);
        else /* kernel: dual coefficients Q B (eigenvectors are rows) */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rows, (int)nb, (int)k, 1.0,
                        d.basis, (int)n, B, (int)nb, 0.0, coef + j0, (int)t);
    }
    lacus__free(XtQ);
    lacus__free(Ysub);
    lacus__free(B);
    lacus__decomp_free(&d);
    return st;
}
