/* Brain scores: Pearson r and R^2 per target, the per-band split of R^2,
 * explainable variance (noise ceiling) from repeats, block-permutation
 * p-values and Benjamini-Hochberg FDR. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/blas.h"

lacus_status lacus_encoding_scores(const double *Y, const double *P, int64_t n, int64_t t,
                                   double *r, double *r2, lacus_error *err)
{
    if (!Y || !P) return lacus__fail(err, LACUS_ERR_ARG, "Y or P is NULL");
    if (n < 2 || t < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%lld samples x %lld targets: need >= 2 samples",
                           (long long)n, (long long)t);
    lacus_status st = lacus__check_finite(err, "Y", Y, n, t, t);
    if (!st) st = lacus__check_finite(err, "predictions", P, n, t, t);
    if (st) return st;
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < t; j++) {
        double my = 0.0, mp = 0.0, syy = 0.0, spp = 0.0, syp = 0.0, sse = 0.0;
        for (int64_t i = 0; i < n; i++) {
            my += Y[i * t + j];
            mp += P[i * t + j];
        }
        my /= (double)n;
        mp /= (double)n;
        for (int64_t i = 0; i < n; i++) {
            double a = Y[i * t + j] - my, b = P[i * t + j] - mp, e = Y[i * t + j] - P[i * t + j];
            syy += a * a;
            spp += b * b;
            syp += a * b;
            sse += e * e;
        }
        if (r) r[j] = syy > 0.0 && spp > 0.0 ? syp / sqrt(syy * spp) : 0.0;
        if (r2) r2[j] = syy > 0.0 ? 1.0 - sse / syy : 0.0;
    }
    return LACUS_OK;
}

/* himalaya r2_score_split (include_correlation = True): with P_i the part
 * of the prediction from band i and P = sum_i P_i,
 *   R^2_i = sum_t (2 y P_i - P_i P) / sum_t y^2 ,
 * which sums over bands to 1 - ||y - P||^2 / ||y||^2: the R^2 when y is
 * zero-mean, as it must be (z-score per run first). */
lacus_status lacus_r2_split(const double *X, int64_t n, const int64_t *band_sizes, int64_t nb,
                            const double *coef, const double *Y, int64_t t, double *split,
                            lacus_error *err)
{
    if (!X || !band_sizes || !coef || !Y || !split || nb < 1 || n < 2 || t < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "r2 split: bad arguments");
    int64_t p = 0;
    for (int64_t b = 0; b < nb; b++) p += band_sizes[b];
    double *Pb = LACUS__NEW(double, nb * n * t), *P = LACUS__ZNEW(double, n * t);
    if (!Pb || !P) {
        lacus__free(Pb);
        lacus__free(P);
        return lacus__fail(err, LACUS_ERR_NOMEM, "r2 split");
    }
    for (int64_t b = 0, c0 = 0; b < nb; c0 += band_sizes[b], b++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)t, (int)band_sizes[b],
                    1.0, X + c0, (int)p, coef + c0 * t, (int)t, 0.0, Pb + b * n * t, (int)t);
        for (int64_t i = 0; i < n * t; i++) P[i] += Pb[b * n * t + i];
    }
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < t; j++) {
        double sst = 0.0;
        for (int64_t i = 0; i < n; i++) sst += Y[i * t + j] * Y[i * t + j];
        for (int64_t b = 0; b < nb; b++) {
            double yp = 0.0, pp = 0.0;
            const double *pb = Pb + b * n * t;
            for (int64_t i = 0; i < n; i++) {
                yp += Y[i * t + j] * pb[i * t + j];
                pp += pb[i * t + j] * P[i * t + j];
            }
            split[b * t + j] = sst > 0.0 ? (2.0 * yp - pp) / sst : 0.0;
        }
    }
    lacus__free(Pb);
    lacus__free(P);
    return LACUS_OK;
}

lacus_status lacus_explainable_variance(const double *data, int64_t R, int64_t n, int64_t t,
                                        int bias_correct, double *ev, lacus_error *err)
{
    if (!data || !ev) return lacus__fail(err, LACUS_ERR_ARG, "data or ev is NULL");
    if (R < 2 || n < 2 || t < 1)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%lld repeats of %lld samples: need >= 2 repeats and >= 2 samples",
                           (long long)R, (long long)n);
    lacus_status st = lacus__check_finite(err, "repeats", data, R * n, t, t);
    if (st) return st;
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < t; j++) {
        /* Var over time of the mean over repeats, and mean over repeats of
         * the variance over time (population variances, as the tutorial). */
        double vm_mean = 0.0, mean_of_mean = 0.0, var_mean = 0.0;
        for (int64_t r = 0; r < R; r++) {
            double m = 0.0, v = 0.0;
            for (int64_t i = 0; i < n; i++) m += data[(r * n + i) * t + j];
            m /= (double)n;
            for (int64_t i = 0; i < n; i++) {
                double d = data[(r * n + i) * t + j] - m;
                v += d * d;
            }
            vm_mean += v / (double)n / (double)R;
        }
        for (int64_t i = 0; i < n; i++) {
            double m = 0.0;
            for (int64_t r = 0; r < R; r++) m += data[(r * n + i) * t + j];
            mean_of_mean += m / (double)R;
        }
        mean_of_mean /= (double)n;
        for (int64_t i = 0; i < n; i++) {
            double m = 0.0;
            for (int64_t r = 0; r < R; r++) m += data[(r * n + i) * t + j];
            m = m / (double)R - mean_of_mean;
            var_mean += m * m;
        }
        var_mean /= (double)n;
        double e = vm_mean > 0.0 ? var_mean / vm_mean : 0.0;
        if (bias_correct) e = e - (1.0 - e) / (double)(R - 1);
        ev[j] = e;
    }
    return LACUS_OK;
}

lacus_status lacus_permutation_pvalues(const double *Y, const double *P, int64_t n, int64_t t,
                                       int64_t block_len, int64_t n_perm, uint64_t seed,
                                       double *p, lacus_error *err)
{
    if (!Y || !P || !p) return lacus__fail(err, LACUS_ERR_ARG, "Y, P or p is NULL");
    if (block_len < 1 || block_len > n)
        return lacus__fail(err, LACUS_ERR_ARG, "block_len = %lld: must be in [1, %lld]",
                           (long long)block_len, (long long)n);
    if (n_perm < 1 || n_perm > 10000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_perm = %lld: must be in [1, 1e7]",
                           (long long)n_perm);
    int64_t nblk = (n + block_len - 1) / block_len;
    double *r0 = LACUS__NEW(double, t);
    int64_t *count = LACUS__ZNEW(int64_t, t), *order = LACUS__NEW(int64_t, nblk),
            *idx = LACUS__NEW(int64_t, n);
    lacus_status st = LACUS_OK;
    if (!r0 || !count || !order || !idx) st = lacus__fail(err, LACUS_ERR_NOMEM, "permutations");
    if (!st) st = lacus_encoding_scores(Y, P, n, t, r0, NULL, err);
    /* Standardised columns make each permuted r a plain dot product. */
    double *Yz = st ? NULL : LACUS__NEW(double, n * t), *Pz = st ? NULL : LACUS__NEW(double, n * t);
    if (!st && (!Yz || !Pz)) st = lacus__fail(err, LACUS_ERR_NOMEM, "permutations");
    if (!st) {
        for (int k = 0; k < 2; k++) {
            const double *src = k ? P : Y;
            double *dst = k ? Pz : Yz;
            for (int64_t j = 0; j < t; j++) {
                double m = 0.0, v = 0.0;
                for (int64_t i = 0; i < n; i++) m += src[i * t + j];
                m /= (double)n;
                for (int64_t i = 0; i < n; i++) v += (src[i * t + j] - m) * (src[i * t + j] - m);
                double s = v > 0.0 ? 1.0 / sqrt(v) : 0.0;
                for (int64_t i = 0; i < n; i++) dst[i * t + j] = (src[i * t + j] - m) * s;
            }
        }
        lacus__rng rng;
        lacus__rng_stream(&rng, seed, LACUS__STREAM_DATA, 0x9e37);
        for (int64_t it = 0; it < n_perm; it++) {
            for (int64_t b = 0; b < nblk; b++) order[b] = b;
            for (int64_t b = nblk - 1; b > 0; b--) {
                int64_t c = (int64_t)lacus__rng_below(&rng, (uint64_t)b + 1), tmp = order[b];
                order[b] = order[c];
                order[c] = tmp;
            }
            int64_t m = 0;
            for (int64_t b = 0; b < nblk; b++)
                for (int64_t i = order[b] * block_len; i < n && i < (order[b] + 1) * block_len; i++)
                    idx[m++] = i;
#pragma omp parallel for schedule(static)
            for (int64_t j = 0; j < t; j++) {
                double s = 0.0;
                for (int64_t i = 0; i < n; i++) s += Yz[i * t + j] * Pz[idx[i] * t + j];
                if (s >= r0[j]) count[j]++;
            }
        }
        for (int64_t j = 0; j < t; j++) p[j] = (1.0 + (double)count[j]) / (1.0 + (double)n_perm);
    }
    lacus__free(r0);
    lacus__free(count);
    lacus__free(order);
    lacus__free(idx);
    lacus__free(Yz);
    lacus__free(Pz);
    return st;
}

typedef struct {
    const double *p;
    int64_t i;
} pv;
static int cmp_pv(const void *a, const void *b)
{
    const pv *x = a, *y = b;
    if (x->p[x->i] < y->p[y->i]) return -1;
    if (x->p[x->i] > y->p[y->i]) return 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

lacus_status lacus_fdr_bh(const double *p, int64_t n, double level, double *q, int *reject,
                          lacus_error *err)
{
    if (!p || !q || n < 1) return lacus__fail(err, LACUS_ERR_ARG, "fdr: need >= 1 p-value");
    if (!(level > 0.0 && level < 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "FDR level = %g: must be in (0, 1)", level);
    for (int64_t i = 0; i < n; i++)
        if (!(p[i] >= 0.0 && p[i] <= 1.0))
            return lacus__fail(err, LACUS_ERR_ARG, "p[%lld] = %g: not in [0, 1]", (long long)i,
                               p[i]);
    pv *o = LACUS__NEW(pv, n);
    if (!o) return lacus__fail(err, LACUS_ERR_NOMEM, "fdr");
    for (int64_t i = 0; i < n; i++) o[i] = (pv){p, i};
    qsort(o, (size_t)n, sizeof *o, cmp_pv);
    /* q_(k) = min over j >= k of p_(j) n / j (step-up), capped at 1. */
    double run = 1.0;
    for (int64_t k = n - 1; k >= 0; k--) {
        double v = p[o[k].i] * (double)n / (double)(k + 1);
        if (v < run) run = v;
        q[o[k].i] = run;
    }
    if (reject)
        for (int64_t i = 0; i < n; i++) reject[i] = q[i] <= level;
    lacus__free(o);
    return LACUS_OK;
}
