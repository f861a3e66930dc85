/* Banded ridge by hyper-gradient descent on the cross-validated loss
 * (himalaya 0.4.11 solve_multiple_kernel_ridge_hyper_gradient, linear
 * kernels, one per band; Dupre La Tour et al. 2022, NeuroImage 264:119728,
 * section 2.6). The public header has the algorithm; this file follows
 * himalaya step for step (warm starts, per-target convergence of the inner
 * solvers, the per-batch stopping rule) so that the same data, initial
 * deltas and iteration counts give the same deltas.
 *
 * Layout: kernels Ks (nb x n x n); per fold the training block Ktr
 * (nb x m x m) and the validation-by-training block Kva (nb x v x m) are
 * gathered on demand; E (nb x B) holds exp(delta) of the B targets of a
 * batch; every matrix over targets is row-major with B columns. */
#include <math.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"

lacus_hypergrad_params lacus_hypergrad_params_default(void)
{
    lacus_hypergrad_params p;
    memset(&p, 0, sizeof p);
    p.max_iter = 10;
    p.tol = 1e-2;
    p.max_iter_inner_dual = 1;
    p.max_iter_inner_hyper = 1;
    p.cg_tol = 1e-3;
    p.n_folds = 5;
    return p;
}

/* out = sum_i E_i (K_i W) + alpha W for the B columns; tmp (m x B). */
static void wk_apply(const double *Ks, int64_t nb, int64_t m, const double *E, const double *W,
                     int64_t B, double alpha, double *out, double *tmp)
{
    for (int64_t k = 0; k < m * B; k++) out[k] = alpha * W[k];
    for (int64_t i = 0; i < nb; i++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)B, (int)m, 1.0,
                    Ks + i * m * m, (int)m, W, (int)B, 0.0, tmp, (int)B);
        const double *e = E + i * B;
        for (int64_t r = 0; r < m; r++)
            for (int64_t j = 0; j < B; j++) out[r * B + j] += e[j] * tmp[r * B + j];
    }
}

/* Marks the columns whose largest |update / w| (0 where w = 0) is below
 * tol as converged; returns the number still active. */
static int64_t mark_converged(const double *upd, const double *W, int64_t m, int64_t B, double tol,
                              unsigned char *act)
{
    int64_t left = 0;
    for (int64_t j = 0; j < B; j++) {
        if (!act[j]) continue;
        double mx = 0.0;
        for (int64_t r = 0; r < m; r++) {
            double w = W[r * B + j];
            double q = w == 0.0 ? 0.0 : fabs(upd[r * B + j] / w);
            if (q > mx || isnan(q)) mx = q;
        }
        if (mx < tol) act[j] = 0;
        else left++;
    }
    return left;
}

typedef struct hg_work {
    double *r, *p, *Ap, *tmp, *upd, *rn;
    double *pc, *apc, *ec; /* the active columns of p, A p and E, packed */
    unsigned char *act;
} hg_work;

/* A p for the active columns only, as himalaya drops converged targets
 * from its conjugate-gradient loop: pack them, one weighted product,
 * unpack. Columns that are not active keep stale values in Ap. */
static void wk_apply_active(const double *Ks, int64_t nb, int64_t m, const double *E, int64_t B,
                            hg_work *w)
{
    int64_t A = 0;
    for (int64_t j = 0; j < B; j++) A += w->act[j];
    if (A == B) {
        wk_apply(Ks, nb, m, E, w->p, B, 1.0, w->Ap, w->tmp);
        return;
    }
    if (A == 0) return;
    for (int64_t r = 0; r < m; r++)
        for (int64_t j = 0, a = 0; j < B; j++)
            if (w->act[j]) w->pc[r * A + a++] = w->p[r * B + j];
    for (int64_t i = 0; i < nb; i++)
        for (int64_t j = 0, a = 0; j < B; j++)
            if (w->act[j]) w->ec[i * A + a++] = E[i * B + j];
    wk_apply(Ks, nb, m, w->ec, w->pc, A, 1.0, w->apc, w->tmp);
    for (int64_t r = 0; r < m; r++)
        for (int64_t j = 0, a = 0; j < B; j++)
            if (w->act[j]) w->Ap[r * B + j] = w->apc[r * A + a++];
}

/* Conjugate gradient on (sum_i E_i K_i + alpha I) W = Rhs, per column,
 * from W's content (himalaya solve_weighted_kernel_ridge_conjugate_gradient:
 * a column stops once its relative update is below tol). */
static void solve_cg(const double *Ks, int64_t nb, int64_t m, const double *E, const double *Rhs,
                     double *W, int64_t B, int64_t max_iter, double tol, hg_work *w)
{
    wk_apply(Ks, nb, m, E, W, B, 1.0, w->Ap, w->tmp);
    for (int64_t k = 0; k < m * B; k++) w->r[k] = Rhs[k] - w->Ap[k];
    memcpy(w->p, w->r, (size_t)(m * B) * sizeof(double));
    for (int64_t j = 0; j < B; j++) {
        w->act[j] = 1;
        double s = 0.0;
        for (int64_t r = 0; r < m; r++) s += w->r[r * B + j] * w->r[r * B + j];
        w->rn[j] = s;
    }
    for (int64_t it = 0; it < max_iter; it++) {
        wk_apply_active(Ks, nb, m, E, B, w);
        for (int64_t j = 0; j < B; j++) {
            if (!w->act[j]) continue;
            double pap = 0.0;
            for (int64_t r = 0; r < m; r++) pap += w->p[r * B + j] * w->Ap[r * B + j];
            if (pap == 0.0) pap = 1.0;
            double step = w->rn[j] / pap, nn = 0.0;
            for (int64_t r = 0; r < m; r++) {
                double u = step * w->p[r * B + j];
                w->upd[r * B + j] = u;
                W[r * B + j] += u;
                w->r[r * B + j] -= step * w->Ap[r * B + j];
                nn += w->r[r * B + j] * w->r[r * B + j];
            }
            double beta = nn / w->rn[j];
            w->rn[j] = nn;
            for (int64_t r = 0; r < m; r++) w->p[r * B + j] = w->r[r * B + j] + beta * w->p[r * B + j];
        }
        if (tol > 0.0 && mark_converged(w->upd, W, m, B, tol, w->act) == 0) break;
    }
}

/* Gradient descent on the same system with step 1 / (sum_i E_i lam_i + 1)
 * (himalaya solve_weighted_kernel_ridge_gradient_descent, double_K False). */
static void solve_gd(const double *Ks, int64_t nb, int64_t m, const double *E, const double *lam,
                     const double *Rhs, double *W, int64_t B, int64_t max_iter, double tol,
                     hg_work *w)
{
    for (int64_t j = 0; j < B; j++) {
        double L = 1.0;
        for (int64_t i = 0; i < nb; i++) L += lam[i] * E[i * B + j];
        w->rn[j] = 1.0 / L;
        w->act[j] = 1;
    }
    for (int64_t it = 0; it < max_iter; it++) {
        wk_apply(Ks, nb, m, E, W, B, 1.0, w->Ap, w->tmp);
        for (int64_t r = 0; r < m; r++)
            for (int64_t j = 0; j < B; j++) {
                if (!w->act[j]) continue;
                double u = w->rn[j] * (w->Ap[r * B + j] - Rhs[r * B + j]);
                w->upd[r * B + j] = u;
                W[r * B + j] -= u;
            }
        if (tol > 0.0 && mark_converged(w->upd, W, m, B, tol, w->act) == 0) break;
    }
}

/* Eigenvalues of the symmetric n x n matrix A (overwritten), ascending. */
static lacus_status sym_eigvals(double *A, int64_t n, double *ev, lacus_error *err)
{
    double q = 0.0;
    lapack_int iq = 0;
    lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)n, A,
                                          (lapack_int)n, ev, &q, -1, &iq, -1);
    double *work = info == 0 ? LACUS__NEW(double, (int64_t)q + 1) : NULL;
    lapack_int *iwork = info == 0 ? LACUS__NEW(lapack_int, (int64_t)iq + 1) : NULL;
    if (work && iwork)
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)n, A, (lapack_int)n, ev,
                                   work, (lapack_int)q, iwork, iq);
    lacus_status st = !work || !iwork ? lacus__fail(err, LACUS_ERR_NOMEM, "eigenvalues (n = %lld)", (long long)n)
                      : info ? lacus__fail(err, LACUS_ERR_NUMERIC, "eigenvalues of a %lld x %lld matrix failed (info %d)",
                                           (long long)n, (long long)n, (int)info)
                             : LACUS_OK;
    lacus__free(work);
    lacus__free(iwork);
    return st;
}

/* Ks[:, rows, cols] into out (nb x nr x nc). */
static void gather(const double *Ks, int64_t nb, int64_t n, const int64_t *rows, int64_t nr,
                   const int64_t *cols, int64_t nc, double *out)
{
    for (int64_t i = 0; i < nb; i++)
        for (int64_t a = 0; a < nr; a++) {
            const double *src = Ks + i * n * n + rows[a] * n;
            double *dst = out + (i * nr + a) * nc;
            for (int64_t b = 0; b < nc; b++) dst[b] = src[cols[b]];
        }
}

typedef struct hg_ctx {
    const lacus_hypergrad_params *prm;
    const double *Ks;
    int64_t nb, n, nf;
    const int64_t *fold;
    int64_t **tr, **va, *ntr, *nva;
    double *lam; /* nf x nb: largest eigenvalue of each training kernel */
    double *Ktr, *Kva;
} hg_ctx;

/* The hyper-gradient of fold k (himalaya _compute_delta_gradient), added
 * into grad (nb x B) with weight n_val / n; step[j] gets 1 / L; score[j]
 * the fold's l2_neg_loss. Ktr and Kva already hold the fold's blocks. */
static lacus_status fold_gradient(hg_ctx *c, int64_t k, const double *E, const double *Yva,
                                  const double *W, double *sol, int64_t B, double cg_tol,
                                  double *grad, double *step, double *score, double *buf,
                                  double *res, double *nab, hg_work *w, lacus_error *err)
{
    const int64_t nb = c->nb, m = c->ntr[k], v = c->nva[k];
    /* buf (nb x v x B): E_i * (Kva_i W); res = sum - Y. */
    for (int64_t i = 0; i < nb; i++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)v, (int)B, (int)m, 1.0,
                    c->Kva + i * v * m, (int)m, W, (int)B, 0.0, buf + i * v * B, (int)B);
        for (int64_t r = 0; r < v; r++)
            for (int64_t j = 0; j < B; j++) buf[(i * v + r) * B + j] *= E[i * B + j];
    }
    for (int64_t r = 0; r < v; r++)
        for (int64_t j = 0; j < B; j++) {
            double s = 0.0;
            for (int64_t i = 0; i < nb; i++) s += buf[(i * v + r) * B + j];
            res[r * B + j] = s - Yva[r * B + j];
        }
    double H[64 * 64], ev[64], dg[64]; /* nb <= 64 (checked) */
    for (int64_t j = 0; j < B; j++) {
        double sse = 0.0;
        for (int64_t r = 0; r < v; r++) sse += res[r * B + j] * res[r * B + j];
        score[j] = -sse / (double)v;
        /* Hessian of the direct part in delta: (ec^T ec) + diag(ec^T res). */
        for (int64_t a = 0; a < nb; a++) {
            double d = 0.0;
            for (int64_t r = 0; r < v; r++) d += res[r * B + j] * buf[(a * v + r) * B + j];
            dg[a] = d;
            for (int64_t b = 0; b <= a; b++) {
                double h = 0.0;
                for (int64_t r = 0; r < v; r++) h += buf[(a * v + r) * B + j] * buf[(b * v + r) * B + j];
                H[a * nb + b] = H[b * nb + a] = h;
            }
        }
        for (int64_t a = 0; a < nb; a++) H[a * nb + a] += dg[a];
        lacus_status st = sym_eigvals(H, nb, ev, err);
        if (st) return st;
        double L = fmax(fabs(ev[0]), fabs(ev[nb - 1]));
        step[j] = 1.0 / (L + 1e-15);
        for (int64_t a = 0; a < nb; a++) grad[a * B + j] += dg[a] * (double)v / (double)c->n;
    }
    if (c->prm->direct_gradient) return LACUS_OK;
    /* nab (m x B) = sum_i E_i (Kva_i^T res); solve (sum E_i Ktr_i + I) s = nab. */
    memset(nab, 0, (size_t)(m * B) * sizeof(double));
    for (int64_t i = 0; i < nb; i++) {
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)B, (int)v, 1.0,
                    c->Kva + i * v * m, (int)m, res, (int)B, 0.0, w->tmp, (int)B);
        for (int64_t r = 0; r < m; r++)
            for (int64_t j = 0; j < B; j++) nab[r * B + j] += E[i * B + j] * w->tmp[r * B + j];
    }
    solve_cg(c->Ktr, nb, m, E, nab, sol, B, 100, cg_tol, w);
    /* indirect_i = sum_r E_i (Ktr_i W) * s. */
    for (int64_t i = 0; i < nb; i++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)B, (int)m, 1.0,
                    c->Ktr + i * m * m, (int)m, W, (int)B, 0.0, w->tmp, (int)B);
        for (int64_t j = 0; j < B; j++) {
            double s = 0.0;
            for (int64_t r = 0; r < m; r++) s += w->tmp[r * B + j] * sol[r * B + j];
            grad[i * B + j] -= E[i * B + j] * s * (double)v / (double)c->n;
        }
    }
    return LACUS_OK;
}


#define HG_FREE_ALL()                                                                  \
    do {                                                                               \
        for (size_t q_ = 0; q_ < sizeof bufs / sizeof bufs[0]; q_++) lacus__free(*bufs[q_]); \
    } while (0)

lacus_status lacus_banded_ridge_hypergrad(const lacus_hypergrad_params *prm, const double *X,
                                          int64_t n, const int64_t *bs, int64_t nb, const double *Y,
                                          int64_t t, double *deltas, double *cv_scores, double *coef,
                                          lacus_error *err)
{
    if (!prm || !X || !Y || !bs) return lacus__fail(err, LACUS_ERR_ARG, "hyper-gradient: NULL argument");
    if (nb < 1 || nb > 64)
        return lacus__fail(err, LACUS_ERR_ARG, "hyper-gradient: %lld bands: must be in [1, 64]", (long long)nb);
    int64_t p = 0;
    for (int64_t i = 0; i < nb; i++) {
        if (bs[i] < 1 || bs[i] > 100000000)
            return lacus__fail(err, LACUS_ERR_ARG, "band_sizes[%lld] = %lld: must be >= 1",
                               (long long)i, (long long)bs[i]);
        p += bs[i];
    }
    if (n < 4 || t < 1 || n > 200000)
        return lacus__fail(err, LACUS_ERR_SHAPE, "hyper-gradient: %lld samples x %lld targets",
                           (long long)n, (long long)t);
    if (prm->max_iter < 1 || prm->max_iter > 100000 || prm->max_iter_inner_dual < 1 ||
        prm->max_iter_inner_dual > 100000 || prm->max_iter_inner_hyper < 1 ||
        prm->max_iter_inner_hyper > 100000)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "hyper-gradient: max_iter = %lld, inner dual %lld, inner hyper %lld: each in [1, 100000]",
                           (long long)prm->max_iter, (long long)prm->max_iter_inner_dual,
                           (long long)prm->max_iter_inner_hyper);
    if (!(prm->tol >= 0.0) || !isfinite(prm->tol) || !(prm->cg_tol >= 0.0) || !isfinite(prm->cg_tol))
        return lacus__fail(err, LACUS_ERR_ARG, "hyper-gradient: tol = %g, cg_tol = %g: must be finite and >= 0",
                           prm->tol, prm->cg_tol);
    if (prm->n_targets_batch < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "n_targets_batch = %lld: must be >= 0",
                           (long long)prm->n_targets_batch);
    lacus_status st = lacus__check_finite(err, "X", X, n, p, p);
    if (!st) st = lacus__check_finite(err, "Y", Y, n, t, t);
    if (!st && prm->initial_deltas) st = lacus__check_finite(err, "initial deltas", prm->initial_deltas, nb, t, t);
    if (st) return st;
    if (prm->initial_deltas)
        for (int64_t k = 0; k < nb * t; k++)
            if (prm->initial_deltas[k] > 700.0) /* exp() overflows; very negative is a band switched off */
                return lacus__fail(err, LACUS_ERR_ARG, "initial deltas[%lld] = %g: exp() overflows",
                                   (long long)k, prm->initial_deltas[k]);
    lacus_ridgecv_params rp = lacus_ridgecv_params_default();
    const double one = 1.0;
    rp.alphas = &one;
    rp.n_alphas = 1;
    rp.n_folds = prm->n_folds;
    rp.fold = prm->fold;
    int64_t *fold = NULL, nf = 0, na = 0;
    const double *al = NULL;
    double *owned = NULL;
    st = lacus__cv_setup(&rp, n, &fold, &nf, &al, &na, &owned, err);
    if (st) return st;
    lacus__free(owned);

    const int64_t B = prm->n_targets_batch > 0 && prm->n_targets_batch < t ? prm->n_targets_batch : t;
    const int64_t rows = prm->max_iter * prm->max_iter_inner_hyper;
    hg_ctx c = {prm, NULL, nb, n, nf, fold, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    double *Ks = NULL, *Yb = NULL, *E = NULL, *D = NULL, *Dold = NULL, *grad = NULL, *step = NULL,
           *score = NULL, *buf = NULL, *res = NULL, *nab = NULL, *Ytr = NULL, *Yva = NULL, *Wall = NULL,
           *Sall = NULL, *ev = NULL, *tmpK = NULL, *cvb = NULL;
    int64_t *idx = NULL, *cnt = NULL;
    hg_work w = {0};
    double **bufs[] = {&Ks, &Yb, &E, &D, &Dold, &grad, &step, &score, &buf, &res, &nab, &Ytr, &Yva,
                       &Wall, &Sall, &ev, &tmpK, &cvb, &c.lam, &c.Ktr, &c.Kva, &w.r, &w.p, &w.Ap,
                       &w.tmp, &w.upd, &w.rn, &w.pc, &w.apc, &w.ec};
    /* Folds: training and validation indices, in sample order. */
    idx = LACUS__NEW(int64_t, 2 * nf * n);
    cnt = LACUS__ZNEW(int64_t, 2 * nf);
    int64_t **ptr = LACUS__NEW(int64_t *, 2 * nf);
    if (!idx || !cnt || !ptr) {
        lacus__free(idx);
        lacus__free(cnt);
        lacus__free(ptr);
        lacus__free(fold);
        return lacus__fail(err, LACUS_ERR_NOMEM, "hyper-gradient: fold indices");
    }
    c.tr = ptr;
    c.va = ptr + nf;
    c.ntr = cnt;
    c.nva = cnt + nf;
    int64_t mmax = 0, vmax = 0;
    for (int64_t k = 0; k < nf; k++) {
        c.tr[k] = idx + 2 * k * n;
        c.va[k] = idx + (2 * k + 1) * n;
        for (int64_t i = 0; i < n; i++) {
            if (fold[i] == k) c.va[k][c.nva[k]++] = i;
            else c.tr[k][c.ntr[k]++] = i;
        }
        if (c.ntr[k] > mmax) mmax = c.ntr[k];
        if (c.nva[k] > vmax) vmax = c.nva[k];
    }
    int64_t bmax = 0;
    for (int64_t i = 0; i < nb; i++) bmax = bs[i] > bmax ? bs[i] : bmax;
    int64_t wsz = n * B;
    Ks = LACUS__NEW(double, nb * n * n);
    Yb = LACUS__NEW(double, n * B);
    E = LACUS__NEW(double, nb * B);
    D = LACUS__NEW(double, nb * B);
    Dold = LACUS__NEW(double, nb * B);
    grad = LACUS__NEW(double, nb * B);
    step = LACUS__NEW(double, nf * B);
    score = LACUS__NEW(double, nf * B);
    buf = LACUS__NEW(double, nb * vmax * B);
    res = LACUS__NEW(double, vmax * B);
    nab = LACUS__NEW(double, mmax * B);
    Ytr = LACUS__NEW(double, mmax * B);
    Yva = LACUS__NEW(double, vmax * B);
    Wall = LACUS__NEW(double, nf * mmax * B + n * B);
    Sall = LACUS__NEW(double, nf * mmax * B);
    ev = LACUS__NEW(double, mmax);
    tmpK = LACUS__NEW(double, mmax * mmax);
    cvb = LACUS__NEW(double, rows * B);
    c.lam = LACUS__NEW(double, nf * nb);
    c.Ktr = LACUS__NEW(double, nb * mmax * mmax);
    c.Kva = LACUS__NEW(double, nb * vmax * mmax);
    w.r = LACUS__NEW(double, wsz);
    w.p = LACUS__NEW(double, wsz);
    w.Ap = LACUS__NEW(double, wsz);
    w.tmp = LACUS__NEW(double, (bmax > n ? bmax : n) * B); /* also X_i^T W in the refit */
    w.upd = LACUS__NEW(double, wsz);
    w.rn = LACUS__NEW(double, B);
    w.pc = LACUS__NEW(double, wsz);
    w.apc = LACUS__NEW(double, wsz);
    w.ec = LACUS__NEW(double, nb * B);
    w.act = LACUS__NEW(unsigned char, B);
    for (size_t q = 0; q < sizeof bufs / sizeof bufs[0] && !st; q++)
        if (!*bufs[q]) st = lacus__fail(err, LACUS_ERR_NOMEM, "hyper-gradient: %lld bands x %lld samples, batch %lld",
                                        (long long)nb, (long long)n, (long long)B);
    if (!w.act && !st) st = lacus__fail(err, LACUS_ERR_NOMEM, "hyper-gradient");
    c.Ks = Ks;
    /* Linear kernels of the bands, and the largest eigenvalue of each
     * training block (the inner gradient descent's Lipschitz constants). */
    for (int64_t i = 0, c0 = 0; i < nb && !st; c0 += bs[i], i++)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)bs[i], 1.0, X + c0,
                    (int)p, X + c0, (int)p, 0.0, Ks + i * n * n, (int)n);
    for (int64_t k = 0; k < nf && !st && !prm->inner_cg; k++)
        for (int64_t i = 0; i < nb && !st; i++) {
            const int64_t m = c.ntr[k];
            gather(Ks + i * n * n, 1, n, c.tr[k], m, c.tr[k], m, tmpK);
            st = sym_eigvals(tmpK, m, ev, err);
            if (!st) c.lam[k * nb + i] = ev[m - 1];
        }
    for (int64_t b0 = 0; b0 < t && !st; b0 += B) {
        const int64_t Bc = b0 + B <= t ? B : t - b0;
        /* Work in batches of exactly B columns; a short last batch pads
         * with zero targets, whose columns stay 0 and move no delta. */
        memset(Yb, 0, (size_t)(n * B) * sizeof(double));
        for (int64_t r = 0; r < n; r++) memcpy(Yb + r * B, Y + r * t + b0, (size_t)Bc * sizeof(double));
        for (int64_t i = 0; i < nb; i++)
            for (int64_t j = 0; j < B; j++)
                D[i * B + j] = prm->initial_deltas && j < Bc ? prm->initial_deltas[i * t + b0 + j] : 0.0;
        memset(Wall, 0, (size_t)(nf * mmax * B + n * B) * sizeof(double));
        memset(Sall, 0, (size_t)(nf * mmax * B) * sizeof(double));
        memset(cvb, 0, (size_t)(rows * B) * sizeof(double));
        for (int64_t ii = 0; ii < prm->max_iter && !st; ii++) {
            for (int64_t k = 0; k < nb * B; k++) E[k] = exp(D[k]);
            for (int64_t k = 0; k < nf; k++) {
                const int64_t m = c.ntr[k];
                double *W = Wall + k * mmax * B;
                gather(Ks, nb, n, c.tr[k], m, c.tr[k], m, c.Ktr);
                for (int64_t r = 0; r < m; r++) memcpy(Ytr + r * B, Yb + c.tr[k][r] * B, (size_t)B * sizeof(double));
                /* First pass: 50 conjugate-gradient steps (himalaya). */
                if (ii == 0) solve_cg(c.Ktr, nb, m, E, Ytr, W, B, 50, fmin(1e-2, prm->cg_tol), &w);
                else if (prm->inner_cg) solve_cg(c.Ktr, nb, m, E, Ytr, W, B, prm->max_iter_inner_dual, prm->cg_tol, &w);
                else solve_gd(c.Ktr, nb, m, E, c.lam + k * nb, Ytr, W, B, prm->max_iter_inner_dual, prm->cg_tol, &w);
            }
            memcpy(Dold, D, (size_t)(nb * B) * sizeof(double));
            int64_t it = 0;
            for (int64_t jj = 0; jj < prm->max_iter_inner_hyper && !st; jj++) {
                it = ii * prm->max_iter_inner_hyper + jj;
                for (int64_t k = 0; k < nb * B; k++) E[k] = exp(D[k]);
                memset(grad, 0, (size_t)(nb * B) * sizeof(double));
                for (int64_t k = 0; k < nf && !st; k++) {
                    const int64_t m = c.ntr[k], v = c.nva[k];
                    gather(Ks, nb, n, c.tr[k], m, c.tr[k], m, c.Ktr);
                    gather(Ks, nb, n, c.va[k], v, c.tr[k], m, c.Kva);
                    for (int64_t r = 0; r < v; r++) memcpy(Yva + r * B, Yb + c.va[k][r] * B, (size_t)B * sizeof(double));
                    st = fold_gradient(&c, k, E, Yva, Wall + k * mmax * B, Sall + k * mmax * B, B,
                                       prm->cg_tol, grad, step + k * B, score + k * B, buf, res, nab, &w, err);
                }
                for (int64_t j = 0; j < B && !st; j++) {
                    double s = 0.0, mn = INFINITY;
                    for (int64_t k = 0; k < nf; k++) {
                        s += score[k * B + j];
                        if (step[k * B + j] < mn) mn = step[k * B + j];
                    }
                    cvb[it * B + j] = s / (double)nf;
                    for (int64_t i = 0; i < nb; i++) {
                        D[i * B + j] -= grad[i * B + j] * mn;
                        if (!isfinite(exp(D[i * B + j])))
                            st = lacus__fail(err, LACUS_ERR_NUMERIC,
                                             "hyper-gradient: delta of band %lld, target %lld diverged (%g) at "
                                             "iteration %lld: scale the features or lower max_iter",
                                             (long long)i, (long long)(b0 + j), D[i * B + j], (long long)ii);
                    }
                }
            }
            if (st) break;
            double mx = 0.0;
            for (int64_t k = 0; k < nb * B; k++) mx = fmax(mx, fabs(Dold[k] - D[k]));
            if (mx < prm->tol) {
                if (it + 1 < rows) memcpy(cvb + (it + 1) * B, cvb + it * B, (size_t)B * sizeof(double));
                break;
            }
        }
        if (st) break;
        if (cv_scores)
            for (int64_t r = 0; r < rows; r++) memcpy(cv_scores + r * t + b0, cvb + r * B, (size_t)Bc * sizeof(double));
        if (deltas)
            for (int64_t i = 0; i < nb; i++) memcpy(deltas + i * t + b0, D + i * B, (size_t)Bc * sizeof(double));
        if (coef) {
            /* Refit on all samples (100 CG steps, tol 1e-4, as himalaya);
             * band i's primal weights e^delta_i X_i^T w. */
            double *W = Wall + nf * mmax * B;
            for (int64_t k = 0; k < nb * B; k++) E[k] = exp(D[k]);
            solve_cg(Ks, nb, n, E, Yb, W, B, 100, 1e-4, &w);
            for (int64_t i = 0, c0 = 0; i < nb; c0 += bs[i], i++) {
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)bs[i], (int)B, (int)n, 1.0,
                            X + c0, (int)p, W, (int)B, 0.0, w.tmp, (int)B);
                for (int64_t f = 0; f < bs[i]; f++)
                    for (int64_t j = 0; j < Bc; j++) coef[(c0 + f) * t + b0 + j] = E[i * B + j] * w.tmp[f * B + j];
            }
        }
    }
    HG_FREE_ALL();
    lacus__free(w.act);
    lacus__free(idx);
    lacus__free(cnt);
    lacus__free(ptr);
    lacus__free(fold);
    return st;
}
