/* Input preprocessing fitted over MPI ranks (lacus_prep_fit_dist): each
 * rank holds some of the training sequences, and every rank must end with
 * the same node, whatever the number of ranks and however the sequences
 * are spread.
 *
 *   minmax  per-feature min and max of each rank's rows, then an
 *           all-reduce MIN / MAX: exact, so equal to lacus_prep_fit's.
 *   zscore  two passes over the local rows, each a double-double sum
 *           reduced along the fixed tree of lacus_dist_sum_dd and rounded
 *           once: the count n and S1 = sum (x - K) give the shifted mean
 *           m = S1 / n; then M2 = sum ((x - K) - m)^2. K is the first row
 *           of the sequence with the smallest id (the same on every rank,
 *           as lacus_prep_fit's "first value seen"). The sums do not depend
 *           on the order of the additions, so the node is the same on 1, 2
 *           or 3 ranks; against lacus_prep_fit (pairwise merges in sequence
 *           order) it differs by rounding only (~1e-16 relative).
 *   onehot  the union of every rank's sorted categories, rank by rank.
 *   delay   nothing is fitted but the width.
 * Collective; one rank's failure (bad data) fails every rank with its
 * message. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dd.h"
#include "nodes/preprocess.h"

static lacus_status fit_local_checks(lacus_prep *p, const lacus_seqs *s, const int64_t *ids)
{
    if (!s || (s->n_seqs > 0 && (!s->data || !s->n_steps || !ids)))
        return lacus__fail(&p->err, LACUS_ERR_ARG, "sequences or ids are NULL");
    for (int64_t i = 0; i < s->n_seqs; i++) {
        if (s->n_steps[i] < 0)
            return lacus__fail(&p->err, LACUS_ERR_SHAPE, "sequence %lld: %lld steps",
                               (long long)ids[i], (long long)s->n_steps[i]);
        lacus_status st = lacus__check_finite(&p->err, "fit data", s->data[i], s->n_steps[i],
                                              s->n_features, s->n_features);
        if (st) {
            lacus__prefix(&p->err, "sequence %lld: ", (long long)ids[i]);
            return st;
        }
    }
    return LACUS_OK;
}

/* The categories of every rank, merged on every rank. */
static lacus_status onehot_union(lacus_prep *p, const lacus_seqs *s)
{
    lacus_status st = LACUS_OK;
    for (int64_t i = 0; i < s->n_seqs && !st; i++)
        st = lacus_prep_partial_fit(p, s->data[i], s->n_steps[i], s->n_features, s->n_features);
    if ((st = lacus_dist_agree(st, &p->err))) return st;
    int64_t K = lacus_dist_size();
    for (int r = 0; r < K && K > 1; r++) {
        double n = (double)(lacus_dist_rank() == r ? p->n_cats : 0);
        int64_t cnt = lacus_dist_max((int64_t)n);
        double *buf = LACUS__NEW(double, cnt > 0 ? cnt : 1);
        st = buf ? LACUS_OK : lacus__fail(&p->err, LACUS_ERR_NOMEM, "out of memory for the categories");
        if ((st = lacus_dist_agree(st, &p->err))) {
            lacus__free(buf);
            return st;
        }
        if (lacus_dist_rank() == r) memcpy(buf, p->cats, (size_t)cnt * sizeof *buf);
        lacus_dist_bcast(buf, cnt, r);
        /* Adding them one by one keeps the list sorted and distinct. */
        for (int64_t k = 0; k < cnt && !st; k++) st = lacus_prep_partial_fit(p, &buf[k], 1, 1, 1);
        lacus__free(buf);
        if ((st = lacus_dist_agree(st, &p->err))) return st;
    }
    /* Every rank counts every row once. */
    int64_t rows = 0;
    for (int64_t i = 0; i < s->n_seqs; i++) rows += s->n_steps[i];
    double hi = (double)rows, lo = 0.0;
    if ((st = lacus_dist_sum_dd(&hi, &lo, 1, &p->err))) return st;
    p->n_features = 1;
    p->n_samples = (int64_t)hi;
    return LACUS_OK;
}

lacus_status lacus_prep_fit_dist(lacus_prep *p, const lacus_seqs *local, const int64_t *ids)
{
    if (!p) return LACUS_ERR_ARG;
    lacus_prep_reset(p);
    lacus__clear(&p->err);
    lacus_status st = fit_local_checks(p, local, ids);
    if ((st = lacus_dist_agree(st, &p->err))) return st;
    /* Every rank must know the width, even one without sequences. */
    int64_t F = lacus_dist_max(local->n_seqs > 0 ? local->n_features : 0);
    int64_t lo_F = -lacus_dist_max(local->n_seqs > 0 ? -local->n_features : -F);
    int64_t n_local = 0;
    for (int64_t i = 0; i < local->n_seqs; i++) n_local += local->n_steps[i];
    if (F < 1)
        st = lacus__fail(&p->err, LACUS_ERR_ARG, "no sequences to fit on (on any rank)");
    else if (lo_F != F)
        st = lacus__fail(&p->err, LACUS_ERR_SHAPE, "the ranks' data have %lld to %lld features",
                         (long long)lo_F, (long long)F);
    else if (lacus_dist_max(n_local) == 0 && p->p.kind != LACUS_PREP_DELAY)
        st = lacus__fail(&p->err, LACUS_ERR_ARG, "every sequence is empty: nothing to fit on");
    else if (p->p.kind == LACUS_PREP_ONEHOT && F != 1)
        st = lacus__fail(&p->err, LACUS_ERR_SHAPE,
                         "one-hot encoding takes one label column, got %lld columns", (long long)F);
    if (st) return st; /* every rank reached the same verdict */
    if (p->p.kind == LACUS_PREP_DELAY) {
        p->n_features = F;
        return LACUS_OK;
    }
    if (p->p.kind == LACUS_PREP_ONEHOT) {
        st = onehot_union(p, local);
        if (st) lacus_prep_reset(p);
        return st;
    }
    st = lacus__prep_alloc_stats(p, F);
    double *hi = LACUS__ZNEW(double, F + 1), *lo = LACUS__ZNEW(double, F + 1);
    if (!st && (!hi || !lo)) st = lacus__fail(&p->err, LACUS_ERR_NOMEM, "out of memory");
    if ((st = lacus_dist_agree(st, &p->err))) goto done;
    if (p->p.kind == LACUS_PREP_MINMAX) {
        for (int64_t j = 0; j < F; j++) {
            p->a[j] = INFINITY;
            p->b[j] = -INFINITY;
        }
        for (int64_t i = 0; i < local->n_seqs; i++)
            for (int64_t t = 0; t < local->n_steps[i]; t++)
                for (int64_t j = 0; j < F; j++) {
                    double v = local->data[i][t * F + j];
                    if (v < p->a[j]) p->a[j] = v;
                    if (v > p->b[j]) p->b[j] = v;
                }
        lacus_dist_minmax(p->a, p->b, F);
        hi[0] = (double)n_local;
        st = lacus_dist_sum_dd(hi, lo, 1, &p->err);
        p->n_samples = (int64_t)hi[0];
        goto done;
    }
    /* ZSCORE. K: the first row of the first non-empty sequence in id order. */
    int64_t first = -1;
    for (int64_t i = 0; i < local->n_seqs; i++)
        if (local->n_steps[i] > 0 && (first < 0 || ids[i] < ids[first])) first = i;
    int64_t min_id = -lacus_dist_max(first >= 0 ? -ids[first] : INT64_MIN + 1);
    int owner = (int)lacus_dist_max(first >= 0 && ids[first] == min_id ? lacus_dist_rank() : -1);
    double *K = p->shift;
    if (lacus_dist_rank() == owner) memcpy(K, local->data[first], (size_t)F * sizeof *K);
    lacus_dist_bcast(K, F, owner);
    /* Pass 1: n and sum (x - K). */
    for (int64_t i = 0; i < local->n_seqs; i++)
        for (int64_t t = 0; t < local->n_steps[i]; t++) {
            const double *x = local->data[i] + t * F;
            for (int64_t j = 0; j < F; j++) lacus__dd_add1(&hi[j], &lo[j], x[j] - K[j]);
        }
    hi[F] = (double)n_local;
    if ((st = lacus_dist_sum_dd(hi, lo, F + 1, &p->err))) goto done;
    double n = hi[F];
    for (int64_t j = 0; j < F; j++) p->a[j] = hi[j] / n;
    /* Pass 2: M2 = sum ((x - K) - m)^2. */
    memset(hi, 0, (size_t)(F + 1) * sizeof *hi);
    memset(lo, 0, (size_t)(F + 1) * sizeof *lo);
    for (int64_t i = 0; i < local->n_seqs; i++)
        for (int64_t t = 0; t < local->n_steps[i]; t++) {
            const double *x = local->data[i] + t * F;
            for (int64_t j = 0; j < F; j++) {
                double d = (x[j] - K[j]) - p->a[j];
                lacus__dd_add1(&hi[j], &lo[j], d * d);
            }
        }
    if ((st = lacus_dist_sum_dd(hi, lo, F, &p->err))) goto done;
    memcpy(p->b, hi, (size_t)F * sizeof *hi);
    p->n_samples = (int64_t)n;
done:
    lacus__free(hi);
    lacus__free(lo);
    if (st) lacus_prep_reset(p);
    return st;
}
