/* The primal ridge CV scan through X^T Y, for more samples than features.
 *
 * The fold-by-fold scan (ridgecv.c) projects each fold's training targets
 * on the left singular vectors, B = U^T Y_tr: 2 k n_tr t flops per fold.
 * With k = p features that is also
 *     B = S^-1 Vt X_tr^T Y_tr,   X_tr^T Y_tr = X^T Y - X_te^T Y_te,
 * and the validation folds' X_te^T Y_te sum to X^T Y. So per batch of
 * targets this file computes every fold's G_f = X_te^T Y_te (2 p n t flops
 * for all folds together), their sum C = X^T Y, and per fold
 * B' = Vt (C - G_f) (2 p^2 t), whose predictions at penalty a are
 * A diag(1/(s^2 + a)) B' (A = X_te V, as before). Per fold that is
 * 2 p n_te t + 2 p^2 t instead of 2 p n_tr t, cheaper when n_te + p < n_tr
 * (at the benchmark's 2 880 x 1 000 and 5 folds, 63 GFLOP instead of 92).
 * X^T Y is kept for the refit, which then costs 4 p^2 t instead of
 * 2 p n t + 2 p^2 t (lacus__ridge_refit_gram).
 *
 * The banded search (banded.c) scans many designs X diag(c) that differ
 * only by a column scaling c (c_i = sqrt(gamma) of feature i's band). For
 * those, (X diag(c))_tr^T Y_tr = diag(c) X_tr^T Y_tr, so every fold's
 * T_f = X_tr^T Y_tr of the unscaled X is made once for all candidates
 * (lacus__xty_build) and each candidate's B' is (Vt diag(c)) T_f: the
 * scaling goes into Vt (k x p) instead of the p x t cross-products.
 *
 * The fold decompositions (X_tr = U S Vt; U is not needed) come from the
 * eigendecomposition of the p x p Gram X_tr^T X_tr = X^T X - X_te^T X_te
 * where s_max / s_min <= 100 (decompose_from_gram says why), else from the
 * SVD of the n_tr x p block: at the benchmark's 2 304 x 1 000 folds, about
 * 9 GFLOP of eigh per fold instead of 17 of SVD that runs at a fraction of
 * gemm speed; likewise the refit's.
 *
 * The loops are turned round against the fold-by-fold scan: target batches
 * outside, folds inside, so every fold's Vt and A are held at once
 * (n_folds (p^2 + n_te p) doubles). Each (alpha, target) score still sums
 * its folds in fold order.
 *
 * Rounding: B' carries an absolute error of about eps |X| |Y| per
 * direction, where U^T Y's is eps |Y|; relative to a direction of singular
 * value s that is eps s_max / s. The route is taken only when every
 * fold's (and the refit's) s_max / s_min <= 1e4, so that the two agree to
 * about 1e-12; ill-conditioned features (reservoir states often are) keep
 * the fold-by-fold route. With a column scaling the bound is the same with
 * the singular values of the scaled design (the error of column i of
 * X^T Y is scaled by c_i like the column itself). */
#include <math.h>
#include <string.h>

#include "brain/ridgecv_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"

#define GRAM_MAX_COND 1e4

int lacus__gram_route(const lacus__design *D, const int64_t *fold, int64_t n_folds,
                      int64_t n_designs)
{
    if (D->dual || !D->X || n_folds < 2) return 0;
    const int64_t n = D->n, p = D->p;
    /* The smallest training part must keep k = p. */
    for (int64_t f = 0; f < n_folds; f++) {
        int64_t n_te = 0;
        for (int64_t i = 0; i < n; i++) n_te += fold[i] == f;
        if (n - n_te < p) return 0;
    }
    /* Per design, summed over folds: X^T Y's 2 p n t shared by n_designs,
     * plus 2 p^2 t per fold, against 2 p n_tr t per fold. */
    if (n_designs < 1) n_designs = 1;
    return (double)n / (double)n_designs + (double)(n_folds * p) < (double)((n_folds - 1) * n);
}

/* s (descending, k values) well enough conditioned for the route. */
static int conditioned(const double *s, int64_t k)
{
    return k > 0 && s[k - 1] > 0.0 && s[0] <= GRAM_MAX_COND * s[k - 1];
}

void lacus__xty_free(lacus__xty *x)
{
    lacus__free(x->C);
    lacus__free(x->Td);
    lacus__free(x->Tf);
    lacus__free(x->XtX);
    lacus__free(x->Gtr);
    memset(x, 0, sizeof *x);
}

lacus_status lacus__xty_build(const double *X, int64_t n, int64_t p, const double *Y, int64_t t,
                              const int64_t *fold, int64_t n_folds, int f32, lacus__xty *out,
                              lacus_error *err)
{
    memset(out, 0, sizeof *out);
    out->p = p;
    out->t = t;
    out->n_folds = n_folds;
    out->C = LACUS__NEW(double, p * t);
    double *G = LACUS__NEW(double, p * t);
    if (f32) out->Tf = LACUS__NEW(float, n_folds * p * t);
    else out->Td = LACUS__NEW(double, n_folds * p * t);
    /* One fold's rows at a time (the largest fold's worth), not a copy of Y. */
    int64_t n_te_max = 0;
    for (int64_t f = 0; f < n_folds; f++) {
        int64_t c = 0;
        for (int64_t i = 0; i < n; i++) c += fold[i] == f;
        if (c > n_te_max) n_te_max = c;
    }
    int64_t *te = LACUS__NEW(int64_t, n);
    double *Xte = LACUS__NEW(double, n_te_max * p + 1), *Yte = LACUS__NEW(double, n_te_max * t + 1);
    out->XtX = LACUS__NEW(double, p * p);
    out->Gtr = LACUS__NEW(double, n_folds * p * p);
    lacus_status st = LACUS_OK;
    if (!out->C || !G || (f32 ? !out->Tf : !out->Td) || !te || !Xte || !Yte || !out->XtX ||
        !out->Gtr) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "X^T Y of %lld folds (%lld x %lld each)",
                         (long long)n_folds, (long long)p, (long long)t);
        goto out;
    }
    /* C = X^T Y in one product; then per fold T_f = C - X_te^T Y_te. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)t, (int)n, 1.0, X, (int)p, Y,
                (int)t, 0.0, out->C, (int)t);
    /* And the Grams: X^T X, and per fold X_tr^T X_tr = X^T X - X_te^T X_te. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, X, (int)p, 0.0,
                out->XtX, (int)p);
    lacus__symmetrize_upper(p, out->XtX, p);
    for (int64_t f = 0; f < n_folds; f++) {
        int64_t n_te = 0;
        for (int64_t i = 0; i < n; i++)
            if (fold[i] == f) te[n_te++] = i;
        for (int64_t i = 0; i < n_te; i++) {
            memcpy(Xte + i * p, X + te[i] * p, (size_t)p * sizeof(double));
            memcpy(Yte + i * t, Y + te[i] * t, (size_t)t * sizeof(double));
        }
        double *Gf = out->Gtr + f * p * p;
        if (n_te > 0) {
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)t, (int)n_te, 1.0,
                        Xte, (int)p, Yte, (int)t, 0.0, G, (int)t);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n_te, 1.0, Xte, (int)p,
                        0.0, Gf, (int)p);
            lacus__symmetrize_upper(p, Gf, p);
        } else {
            memset(G, 0, (size_t)(p * t) * sizeof(double));
            memset(Gf, 0, (size_t)(p * p) * sizeof(double));
        }
        for (int64_t i = 0; i < p * p; i++) Gf[i] = out->XtX[i] - Gf[i];
        if (f32)
            for (int64_t i = 0; i < p * t; i++) out->Tf[f * p * t + i] = (float)(out->C[i] - G[i]);
        else
            for (int64_t i = 0; i < p * t; i++) out->Td[f * p * t + i] = out->C[i] - G[i];
    }
out:
    lacus__free(G);
    lacus__free(te);
    lacus__free(Xte);
    lacus__free(Yte);
    if (st) lacus__xty_free(out);
    return st;
}

/* The decomposition of a (scaled: c, or NULL) training block from its
 * Gram, for the banded search and RidgeCV's X^T Y route: X_tr diag(c) = U S Vt with S^2 and Vt the eigenvalues and vectors
 * of diag(c) X_tr^T X_tr diag(c) (p x p; about 9 p^3 flops against the
 * SVD's 4 n_tr p^2 + 8 p^3, which also runs at a quarter of gemm speed),
 * and A = X_te diag(c) V from the scaled design Xs. Forming the Gram
 * squares the condition number: the eigenvalues move by about eps
 * lambda_max, so a direction's s^2 by eps cond^2 relative. Taken only when
 * cond = s_max / s_min <= 100, where that is eps 1e4 (2e-12), the accuracy
 * of the X^T Y route itself; else *ok = 0 and the caller takes the SVD.
 * U is not formed (the X^T Y route does not use it). */
#define GRAM_EIG_MAX_COND 1e2
static lacus_status decompose_from_gram(const double *Gtr, const double *c, const double *Xs,
                                        int64_t p, const int64_t *te, int64_t n_te, int64_t n_tr,
                                        lacus__decomp *d, int *ok, lacus_error *err)
{
    memset(d, 0, sizeof *d);
    *ok = 0;
    double *M = LACUS__NEW(double, p * p), *w = LACUS__NEW(double, p);
    d->vt = LACUS__NEW(double, p * p);
    d->ev = LACUS__NEW(double, p);
    d->A = LACUS__NEW(double, n_te * p + 1);
    double *Xte = LACUS__NEW(double, n_te * p + 1);
    lacus_status st = LACUS_OK;
    if (!M || !w || !d->vt || !d->ev || !d->A || !Xte) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "Gram decomposition (p = %lld)", (long long)p);
        goto out;
    }
    for (int64_t i = 0; i < p; i++)
        for (int64_t j = 0; j < p; j++)
            M[i * p + j] = c ? c[i] * Gtr[i * p + j] * c[j] : Gtr[i * p + j];
    if ((st = lacus__eigh(M, p, w, err))) goto out;
    if (!(w[0] > 0.0) || w[p - 1] > GRAM_EIG_MAX_COND * GRAM_EIG_MAX_COND * w[0]) goto out;
    /* Descending, as the SVD's. */
    for (int64_t i = 0; i < p; i++) {
        d->ev[i] = sqrt(w[p - 1 - i]);
        memcpy(d->vt + i * p, M + (p - 1 - i) * p, (size_t)p * sizeof(double));
    }
    for (int64_t i = 0; i < n_te; i++) memcpy(Xte + i * p, Xs + te[i] * p, (size_t)p * sizeof(double));
    if (n_te > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_te, (int)p, (int)p, 1.0, Xte,
                    (int)p, d->vt, (int)p, 0.0, d->A, (int)p);
    d->k = p;
    d->n_tr = n_tr;
    d->n_te = n_te;
    *ok = 1;
out:
    lacus__free(M);
    lacus__free(w);
    lacus__free(Xte);
    if (!*ok) lacus__decomp_free(d);
    return st;
}

typedef struct {
    lacus__decomp d;
    const int64_t *te; /* into the grouped index list */
    double *Xte;       /* n_te x p (not with pre) */
    float *vtf;        /* float32 scan: Vt (diag(c) with pre) rounded */
} gram_fold;

lacus_status lacus__ridgecv_scan_gram(const lacus__design *D, const double *Y, int64_t t,
                                      const int64_t *fold, int64_t n_folds, const double *alphas,
                                      int64_t na, const lacus_ridgecv_params *prm, double *scores,
                                      double *xty, const lacus__xty *pre, const double *colscale,
                                      int *used, lacus_error *err)
{
    const int64_t n = D->n, p = D->p, k = p;
    const int f32 = prm->scan_f32;
    const double inv = 1.0 / (double)n_folds;
    lacus__prof *pf = D->prof;
    lacus_status st = LACUS_OK;
    *used = 0;
    memset(scores, 0, (size_t)(na * t) * sizeof(double));
    if (pre && (xty || pre->p != p || pre->t != t || pre->n_folds != n_folds ||
                (f32 ? !pre->Tf : !pre->Td)))
        return lacus__fail(err, LACUS_ERR_ARG, "X^T Y cache does not match the scan");
    int64_t *te_all = LACUS__NEW(int64_t, n), *tr = LACUS__NEW(int64_t, n);
    gram_fold *F = LACUS__ZNEW(gram_fold, n_folds);
    double *wt = LACUS__NEW(double, na * k);
    double *xtx = NULL, *gtr = NULL, *xte1 = NULL;
    int64_t n_te_max = 0;
    if (!te_all || !tr || !F || !wt) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "ridge CV fold indices");
        goto out;
    }
    /* RidgeCV (no pre): X^T X once, for the folds' Grams (p n p flops,
     * against the fold SVDs' 5 x (4 n_tr p^2 + 8 p^3)). */
    if (!pre) {
        double t0 = lacus__prof_now(pf);
        xtx = LACUS__NEW(double, p * p);
        gtr = LACUS__NEW(double, p * p);
        xte1 = LACUS__NEW(double, n * p + 1);
        if (!xtx || !gtr || !xte1) {
            st = lacus__fail(err, LACUS_ERR_NOMEM, "X^T X (%lld x %lld)", (long long)p, (long long)p);
            goto out;
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, D->X, (int)p, 0.0,
                    xtx, (int)p);
        lacus__symmetrize_upper(p, xtx, p);
        lacus__prof_add(pf, LACUS__ST_DECOMP, t0, (double)(n * p * p), 0);
    }
    /* Decompose every fold; give up on the first ill-conditioned one. */
    for (int64_t f = 0, off = 0; f < n_folds; f++) {
        int64_t n_tr = 0, n_te = 0;
        for (int64_t i = 0; i < n; i++) {
            if (fold[i] == f)
                te_all[off + n_te++] = i;
            else
                tr[n_tr++] = i;
        }
        F[f].te = te_all + off;
        off += n_te;
        if (n_te > n_te_max) n_te_max = n_te;
        int from_gram = 0;
        if ((pre && colscale) || !pre) {
            double t0 = lacus__prof_now(pf);
            const double *Gf = pre ? pre->Gtr + f * p * p : gtr;
            if (!pre) { /* X_tr^T X_tr = X^T X - X_te^T X_te */
                for (int64_t i = 0; i < n_te; i++)
                    memcpy(xte1 + i * p, D->X + F[f].te[i] * p, (size_t)p * sizeof(double));
                if (n_te > 0)
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n_te, 1.0, xte1,
                                (int)p, 0.0, gtr, (int)p);
                else
                    memset(gtr, 0, (size_t)(p * p) * sizeof(double));
                lacus__symmetrize_upper(p, gtr, p);
                for (int64_t i = 0; i < p * p; i++) gtr[i] = xtx[i] - gtr[i];
            }
            st = decompose_from_gram(Gf, pre ? colscale : NULL, D->X, p, F[f].te, n_te, n_tr,
                                     &F[f].d, &from_gram, err);
            lacus__prof_add(pf, LACUS__ST_DECOMP, t0,
                            9.0 * (double)(p * p * p) + 2.0 * (double)(n_te * p * p), 0);
            if (pf) pf->gram_eig += from_gram;
            if (st) goto out;
        }
        if (!from_gram) {
            if ((st = lacus__decompose(D, tr, n_tr, F[f].te, n_te, 1, &F[f].d, err))) goto out;
            lacus__free(F[f].d.basis); /* U is not needed here */
            F[f].d.basis = NULL;
        }
        if (!conditioned(F[f].d.ev, k)) goto out; /* *used stays 0 */
        double *vt = F[f].d.vt;
        if (pre && colscale)
            for (int64_t i = 0; i < k; i++)
                for (int64_t c = 0; c < p; c++) vt[i * p + c] *= colscale[c];
        F[f].Xte = pre ? NULL : LACUS__NEW(double, n_te * p + 1);
        F[f].vtf = f32 ? LACUS__NEW(float, k * p) : NULL;
        if ((!pre && !F[f].Xte) || (f32 && !F[f].vtf)) {
            st = lacus__fail(err, LACUS_ERR_NOMEM, "ridge CV fold %lld (%lld x %lld)", (long long)f,
                             (long long)n_te, (long long)p);
            goto out;
        }
        if (!pre)
            for (int64_t i = 0; i < n_te; i++)
                memcpy(F[f].Xte + i * p, D->X + F[f].te[i] * p, (size_t)p * sizeof(double));
        if (f32)
            for (int64_t i = 0; i < k * p; i++) F[f].vtf[i] = (float)vt[i];
    }
    {
        const int64_t m_max = na * n_te_max;
        /* Per target: every fold's G (n_folds p, not with pre), C and
         * C - G (2 p), B' (k), the predictions (m_max) and Y_te of every
         * fold (n); halved where float. */
        int64_t per = (pre ? 0 : n_folds * p + p) + n + (f32 ? (p + k + m_max) / 2 : p + k + m_max);
        int64_t tb = lacus__batch_size(prm, per, t);
        double *G = pre ? NULL : LACUS__NEW(double, n_folds * p * tb);
        double *C = pre ? NULL : LACUS__NEW(double, p * tb);
        double *YteT = LACUS__NEW(double, n * tb);
        double *Ctr = f32 || pre ? NULL : LACUS__NEW(double, p * tb),
               *Bp = f32 ? NULL : LACUS__NEW(double, k * tb);
        double *PT = f32 ? NULL : LACUS__NEW(double, tb * m_max);
        double *Aall = f32 ? NULL : LACUS__NEW(double, m_max * k);
        float *Ctrf = f32 && !pre ? LACUS__NEW(float, p * tb) : NULL,
              *Bpf = f32 ? LACUS__NEW(float, k * tb) : NULL;
        float *PTf = f32 ? LACUS__NEW(float, tb * m_max) : NULL;
        float *Af = f32 ? LACUS__NEW(float, m_max * k) : NULL;
        if ((!pre && (!G || !C)) || !YteT ||
            (f32 ? ((!pre && !Ctrf) || !Bpf || !PTf || !Af)
                 : ((!pre && !Ctr) || !Bp || !PT || !Aall))) {
            st = lacus__fail(err, LACUS_ERR_NOMEM, "ridge CV buffers (%lld targets per batch)",
                             (long long)tb);
        }
        for (int64_t j0 = 0; j0 < t && !st; j0 += tb) {
            const int64_t nb = t - j0 < tb ? t - j0 : tb;
            /* Y_te of every fold, kept transposed (target-major) for the
             * scores; without pre, G_f = X_te^T Y_te for every fold and
             * C = their sum = X^T Y. */
            double t0 = lacus__prof_now(pf);
            for (int64_t f = 0, off = 0; f < n_folds; f++) {
                const int64_t n_te = F[f].d.n_te;
                double *Yt = YteT + off * nb;
                for (int64_t i = 0; i < n_te; i++)
                    for (int64_t j = 0; j < nb; j++) Yt[j * n_te + i] = Y[F[f].te[i] * t + j0 + j];
                off += n_te;
                if (pre) continue;
                double *Gf = G + f * p * nb;
                if (n_te > 0)
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)p, (int)nb, (int)n_te,
                                1.0, F[f].Xte, (int)p, Yt, (int)n_te, 0.0, Gf, (int)nb);
                else
                    memset(Gf, 0, (size_t)(p * nb) * sizeof(double));
            }
            if (!pre) {
                memcpy(C, G, (size_t)(p * nb) * sizeof(double));
                for (int64_t f = 1; f < n_folds; f++)
                    for (int64_t i = 0; i < p * nb; i++) C[i] += G[f * p * nb + i];
                if (xty)
                    for (int64_t c = 0; c < p; c++)
                        memcpy(xty + c * t + j0, C + c * nb, (size_t)nb * sizeof(double));
            }
            lacus__prof_add(pf, LACUS__ST_XTY, t0, pre ? 0.0 : 2.0 * (double)(p * n * nb), 0);
            for (int64_t f = 0, off = 0; f < n_folds; f++) {
                const lacus__decomp *d = &F[f].d;
                const int64_t n_te = d->n_te, m = na * n_te;
                const double *Yt = YteT + off * nb;
                off += n_te;
                if (n_te == 0) continue;
                for (int64_t a = 0; a < na; a++)
                    for (int64_t j = 0; j < k; j++)
                        wt[a * k + j] = 1.0 / (d->ev[j] * d->ev[j] + alphas[a]);
                const double pflop = 2.0 * (double)(k * p * nb), mflop = 2.0 * (double)(m * k * nb);
                t0 = lacus__prof_now(pf);
                if (!f32) {
                    /* B' = Vt (C - G_f), or with pre (Vt diag(c)) T_f read
                     * in place (leading dimension t). */
                    const double *Cf = pre ? pre->Td + f * p * t + j0 : Ctr;
                    const int ldc = (int)(pre ? t : nb);
                    if (!pre) {
                        const double *Gf = G + f * p * nb;
                        for (int64_t i = 0; i < p * nb; i++) Ctr[i] = C[i] - Gf[i];
                    }
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)nb, (int)p,
                                1.0, d->vt, (int)p, Cf, ldc, 0.0, Bp, (int)nb);
                    lacus__prof_add(pf, LACUS__ST_PROJ, t0, pflop, 0);
                    t0 = lacus__prof_now(pf);
                    for (int64_t a = 0; a < na; a++)
                        for (int64_t i = 0; i < n_te; i++)
                            for (int64_t j = 0; j < k; j++)
                                Aall[(a * n_te + i) * k + j] = d->A[i * k + j] * wt[a * k + j];
                    lacus__prof_add(pf, LACUS__ST_DESIGN, t0, (double)(m * k), 0);
                    t0 = lacus__prof_now(pf);
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)nb, (int)m, (int)k, 1.0,
                                Bp, (int)nb, Aall, (int)k, 0.0, PT, (int)m);
                    lacus__prof_add(pf, LACUS__ST_PRED, t0, mflop, 0);
                } else {
                    const float *Cf = pre ? pre->Tf + f * p * t + j0 : Ctrf;
                    const int ldc = (int)(pre ? t : nb);
                    if (!pre) {
                        const double *Gf = G + f * p * nb;
                        for (int64_t i = 0; i < p * nb; i++) Ctrf[i] = (float)(C[i] - Gf[i]);
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)nb, (int)p,
                                1.0f, F[f].vtf, (int)p, Cf, ldc, 0.0f, Bpf, (int)nb);
                    lacus__prof_add(pf, LACUS__ST_PROJ, t0, pflop, 1);
                    t0 = lacus__prof_now(pf);
                    for (int64_t a = 0; a < na; a++)
                        for (int64_t i = 0; i < n_te; i++)
                            for (int64_t j = 0; j < k; j++)
                                Af[(a * n_te + i) * k + j] =
                                    (float)(d->A[i * k + j] * wt[a * k + j]);
                    lacus__prof_add(pf, LACUS__ST_DESIGN, t0, (double)(m * k), 1);
                    t0 = lacus__prof_now(pf);
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)nb, (int)m, (int)k,
                                1.0f, Bpf, (int)nb, Af, (int)k, 0.0f, PTf, (int)m);
                    lacus__prof_add(pf, LACUS__ST_PRED, t0, mflop, 1);
                }
                t0 = lacus__prof_now(pf);
#pragma omp parallel for schedule(static)
                for (int64_t j = 0; j < nb; j++)
                    for (int64_t a = 0; a < na; a++) {
                        double s = f32 ? lacus__score_one_f(prm->score, Yt + j * n_te,
                                                            PTf + j * m + a * n_te, n_te)
                                       : lacus__score_one(prm->score, Yt + j * n_te,
                                                          PT + j * m + a * n_te, n_te);
                        scores[a * t + j0 + j] += s * inv;
                    }
                lacus__prof_add(pf, LACUS__ST_SCORE, t0, 3.0 * (double)(m * nb), f32);
            }
        }
        if (!st) *used = 1;
        lacus__free(G);
        lacus__free(C);
        lacus__free(YteT);
        lacus__free(Ctr);
        lacus__free(Bp);
        lacus__free(PT);
        lacus__free(Aall);
        lacus__free(Ctrf);
        lacus__free(Bpf);
        lacus__free(PTf);
        lacus__free(Af);
    }
out:
    if (F)
        for (int64_t f = 0; f < n_folds; f++) {
            lacus__decomp_free(&F[f].d);
            lacus__free(F[f].Xte);
            lacus__free(F[f].vtf);
        }
    lacus__free(F);
    lacus__free(te_all);
    lacus__free(tr);
    lacus__free(wt);
    lacus__free(xtx);
    lacus__free(gtr);
    lacus__free(xte1);
    return st;
}

lacus_status lacus__ridge_refit_gram(const lacus__design *D, int64_t t, const double *target_alpha,
                                     const lacus_ridgecv_params *prm, const double *xtx,
                                     const double *colscale, double *coef, int *used,
                                     lacus_error *err)
{
    const int64_t p = D->p;
    double t0 = lacus__prof_now(D->prof);
    *used = 0;
    lacus__decomp d;
    int from_gram = 0;
    lacus_status st = LACUS_OK;
    double *own = NULL;
    if (!xtx) { /* RidgeCV: X^T X here (n p^2 flops, against an n x p SVD) */
        if (!(own = LACUS__NEW(double, p * p)))
            return lacus__fail(err, LACUS_ERR_NOMEM, "refit X^T X (%lld x %lld)", (long long)p,
                               (long long)p);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)D->n, 1.0, D->X, (int)p,
                    0.0, own, (int)p);
        lacus__symmetrize_upper(p, own, p);
        xtx = own;
        colscale = NULL;
    }
    st = decompose_from_gram(xtx, colscale, D->X, p, NULL, 0, D->n, &d, &from_gram, err);
    lacus__free(own);
    if (st) return st;
    if (!from_gram && (st = lacus__decompose_all(D, &d, err))) return st;
    const int64_t k = d.k;
    if (k != p || !conditioned(d.ev, k)) {
        lacus__decomp_free(&d);
        return LACUS_OK;
    }
    int64_t tb = lacus__batch_size(prm, p + k, t);
    double *Cb = LACUS__NEW(double, p * tb), *T = LACUS__NEW(double, k * tb);
    if (!Cb || !T) st = lacus__fail(err, LACUS_ERR_NOMEM, "refit buffers");
    for (int64_t j0 = 0; j0 < t && !st; j0 += tb) {
        const int64_t nb = t - j0 < tb ? t - j0 : tb;
        for (int64_t c = 0; c < p; c++)
            memcpy(Cb + c * nb, coef + c * t + j0, (size_t)nb * sizeof(double));
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)nb, (int)p, 1.0, d.vt,
                    (int)p, Cb, (int)nb, 0.0, T, (int)nb);
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < nb; j++)
                T[i * nb + j] /= d.ev[i] * d.ev[i] + target_alpha[j0 + j];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)nb, (int)k, 1.0, d.vt,
                    (int)p, T, (int)nb, 0.0, coef + j0, (int)t);
    }
    if (!st) *used = 1;
    lacus__free(Cb);
    lacus__free(T);
    lacus__decomp_free(&d);
    lacus__prof_add(D->prof, LACUS__ST_REFIT, t0, 4.0 * (double)(p * p * t), 0);
    return st;
}
