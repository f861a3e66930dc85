/* Preprocessing nodes: min-max scaling, z-scoring, one-hot encoding and
 * delay embedding (see include/lacus/preprocess.h for the equations).
 *
 * Statistics stream: partial_fit may be called with any chunking, and the
 * result does not depend on it beyond rounding. For the mean and variance
 * each chunk is reduced by two passes (mean, then sum of squared deviations
 * M2 about that mean), and chunks are merged with the pairwise update of
 * Chan, Golub & LeVeque (1979):
 *   n = na + nb,  d = mean_b - mean_a,
 *   mean = mean_a + d nb / n,  M2 = M2_a + M2_b + d^2 na nb / n,
 * which is what scikit-learn's _incremental_mean_and_var does too. The sums
 * run on x - K with K the first value seen per feature (the "shifted data"
 * form those authors recommend): for data near a large offset (1e6 + noise
 * of 1e-3), x - K is exact, so the variance keeps nearly all its digits
 * however the data are chunked, and a z-score is computed as
 * ((x - K) - mean_shifted) / sd, which loses less than x - mean. */
#include "nodes/preprocess.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

static const char *const kind_names[] = {"minmax", "zscore", "onehot", "delay"};

const char *lacus_prep_kind_name(lacus_prep_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "unknown";
}

lacus_status lacus_prep_kind_parse(const char *name, lacus_prep_kind *out)
{
    for (int k = 0; name && k < 4; k++)
        if (!strcmp(name, kind_names[k])) {
            *out = (lacus_prep_kind)k;
            return LACUS_OK;
        }
    return LACUS_ERR_ARG;
}

lacus_prep_params lacus_prep_params_default(void)
{
    lacus_prep_params p;
    memset(&p, 0, sizeof p);
    p.kind = LACUS_PREP_MINMAX;
    p.range_lo = -1.0;
    p.range_hi = 1.0;
    p.delay = 2;
    p.stride = 1;
    p.delay_drop = 0;
    return p;
}

static lacus_status check_params(const lacus_prep_params *p, lacus_error *err)
{
    if ((unsigned)p->kind > LACUS_PREP_DELAY)
        return lacus__fail(err, LACUS_ERR_ARG, "kind = %d: expected minmax, zscore, onehot or delay",
                           (int)p->kind);
    if (p->kind == LACUS_PREP_MINMAX &&
        !(isfinite(p->range_lo) && isfinite(p->range_hi) && p->range_lo < p->range_hi))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "range = [%g, %g]: must be finite with lo < hi", p->range_lo, p->range_hi);
    if (p->kind == LACUS_PREP_DELAY) {
        if (p->delay < 1 || p->delay > 100000)
            return lacus__fail(err, LACUS_ERR_ARG, "delay = %lld: must be in [1, 100000]",
                               (long long)p->delay);
        if (p->stride < 1 || p->stride > 100000000)
            return lacus__fail(err, LACUS_ERR_ARG, "stride = %lld: must be in [1, 1e8]",
                               (long long)p->stride);
    }
    return LACUS_OK;
}

lacus_status lacus_prep_create(const lacus_prep_params *params, lacus_prep **out, lacus_error *err)
{
    if (!params || !out) return lacus__fail(err, LACUS_ERR_ARG, "params or out is NULL");
    *out = NULL;
    lacus_status st = check_params(params, err);
    if (st) return st;
    lacus_prep *p = LACUS__ZNEW(lacus_prep, 1);
    if (!p) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a preprocessing node");
    p->p = *params;
    *out = p;
    return LACUS_OK;
}

void lacus_prep_reset(lacus_prep *p)
{
    if (!p) return;
    lacus__free(p->a);
    lacus__free(p->b);
    lacus__free(p->chunk);
    lacus__free(p->shift);
    lacus__free(p->cats);
    p->a = p->b = p->chunk = p->shift = p->cats = NULL;
    p->n_cats = p->cap_cats = 0;
    p->n_samples = 0;
    p->n_features = 0;
}

void lacus_prep_free(lacus_prep *p)
{
    if (!p) return;
    lacus_prep_reset(p);
    lacus__free(p);
}

const char *lacus_prep_errmsg(const lacus_prep *p) { return p ? p->err.msg : "NULL node"; }
lacus_prep_kind lacus_prep_get_kind(const lacus_prep *p) { return p->p.kind; }
int64_t lacus_prep_n_features(const lacus_prep *p) { return p->n_features; }

int64_t lacus_prep_n_outputs(const lacus_prep *p)
{
    switch (p->p.kind) {
    case LACUS_PREP_ONEHOT: return p->n_cats;
    case LACUS_PREP_DELAY: return p->n_features * p->p.delay;
    default: return p->n_features;
    }
}

int lacus_prep_is_fitted(const lacus_prep *p)
{
    return p->p.kind == LACUS_PREP_DELAY || p->n_samples > 0;
}

int64_t lacus_prep_out_rows(const lacus_prep *p, int64_t n_rows)
{
    if (p->p.kind != LACUS_PREP_DELAY || !p->p.delay_drop) return n_rows;
    int64_t drop = (p->p.delay - 1) * p->p.stride;
    return n_rows > drop ? n_rows - drop : 0;
}

lacus_status lacus__prep_alloc_stats(lacus_prep *p, int64_t F)
{
    p->a = LACUS__ZNEW(double, F);
    p->b = LACUS__ZNEW(double, F);
    p->chunk = LACUS__ZNEW(double, 2 * F);
    p->shift = LACUS__ZNEW(double, F);
    if (!p->a || !p->b || !p->chunk || !p->shift) {
        lacus__free(p->a);
        lacus__free(p->b);
        lacus__free(p->chunk);
        lacus__free(p->shift);
        p->a = p->b = p->chunk = p->shift = NULL;
        return lacus__fail(&p->err, LACUS_ERR_NOMEM, "out of memory for %lld features", (long long)F);
    }
    p->n_features = F;
    return LACUS_OK;
}

/* Binary search in the sorted categories; returns the index or -(insertion
 * point) - 1. */
static int64_t find_cat(const lacus_prep *p, double v)
{
    int64_t lo = 0, hi = p->n_cats;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (p->cats[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo < p->n_cats && p->cats[lo] == v ? lo : -lo - 1;
}

static lacus_status add_cat(lacus_prep *p, double v)
{
    int64_t i = find_cat(p, v);
    if (i >= 0) return LACUS_OK;
    i = -i - 1;
    if (p->n_cats == p->cap_cats) {
        int64_t cap = p->cap_cats ? 2 * p->cap_cats : 16;
        double *c = lacus__realloc(p->cats, (size_t)cap * sizeof *c);
        if (!c) return lacus__fail(&p->err, LACUS_ERR_NOMEM, "out of memory for the categories");
        p->cats = c;
        p->cap_cats = cap;
    }
    memmove(p->cats + i + 1, p->cats + i, (size_t)(p->n_cats - i) * sizeof *p->cats);
    p->cats[i] = v;
    p->n_cats++;
    return LACUS_OK;
}

static lacus_status check_label(lacus_prep *p, double v, int64_t row)
{
    if (!(fabs(v) <= 9007199254740992.0) || v != floor(v))
        return lacus__fail(&p->err, LACUS_ERR_ARG,
                           "label at row %lld is %g: one-hot labels must be integers", (long long)row, v);
    return LACUS_OK;
}

lacus_status lacus_prep_partial_fit(lacus_prep *p, const double *x, int64_t n_rows,
                                    int64_t n_features, int64_t ldx)
{
    if (!p) return LACUS_ERR_ARG;
    if (n_rows < 0 || n_features < 1 || ldx < n_features || (n_rows > 0 && !x))
        return lacus__fail(&p->err, LACUS_ERR_ARG,
                           "n_rows = %lld, n_features = %lld, ldx = %lld: need n_rows >= 0, "
                           "n_features >= 1, ldx >= n_features",
                           (long long)n_rows, (long long)n_features, (long long)ldx);
    if (p->p.kind == LACUS_PREP_ONEHOT && n_features != 1)
        return lacus__fail(&p->err, LACUS_ERR_SHAPE,
                           "one-hot encoding takes one label column, got %lld columns",
                           (long long)n_features);
    if (p->n_features && n_features != p->n_features)
        return lacus__fail(&p->err, LACUS_ERR_SHAPE,
                           "data has %lld features, the node was fitted on %lld",
                           (long long)n_features, (long long)p->n_features);
    lacus_status st = lacus__check_finite(&p->err, "fit data", x, n_rows, n_features, ldx);
    if (st || n_rows == 0) return st;
    const int64_t F = n_features;
    if (p->p.kind == LACUS_PREP_DELAY) {
        p->n_features = F; /* nothing to learn but the width */
        return LACUS_OK;
    }
    if (p->p.kind == LACUS_PREP_ONEHOT) {
        for (int64_t t = 0; t < n_rows; t++)
            if ((st = check_label(p, x[t * ldx], p->n_samples + t))) return st;
        for (int64_t t = 0; t < n_rows; t++)
            if ((st = add_cat(p, x[t * ldx]))) return st;
        p->n_features = 1;
        p->n_samples += n_rows;
        return LACUS_OK;
    }
    if (!p->a && (st = lacus__prep_alloc_stats(p, F))) return st;
    if (p->p.kind == LACUS_PREP_MINMAX) {
        if (p->n_samples == 0)
            for (int64_t j = 0; j < F; j++) p->a[j] = p->b[j] = x[j];
        for (int64_t t = 0; t < n_rows; t++)
            for (int64_t j = 0; j < F; j++) {
                double v = x[t * ldx + j];
                if (v < p->a[j]) p->a[j] = v;
                if (v > p->b[j]) p->b[j] = v;
            }
        p->n_samples += n_rows;
        return LACUS_OK;
    }
    /* ZSCORE: the chunk's mean and M2 of x - K by two passes, then the
     * pairwise merge. */
    double *cm = p->chunk, *c2 = p->chunk + F, *K = p->shift;
    if (p->n_samples == 0)
        for (int64_t j = 0; j < F; j++) K[j] = x[j];
    memset(cm, 0, (size_t)(2 * F) * sizeof *cm);
    for (int64_t t = 0; t < n_rows; t++)
        for (int64_t j = 0; j < F; j++) cm[j] += x[t * ldx + j] - K[j];
    for (int64_t j = 0; j < F; j++) cm[j] /= (double)n_rows;
    for (int64_t t = 0; t < n_rows; t++)
        for (int64_t j = 0; j < F; j++) {
            double d = (x[t * ldx + j] - K[j]) - cm[j];
            c2[j] += d * d;
        }
    double na = (double)p->n_samples, nb = (double)n_rows, n = na + nb;
    for (int64_t j = 0; j < F; j++) {
        double d = cm[j] - p->a[j];
        p->a[j] += d * (nb / n);
        p->b[j] += c2[j] + d * d * (na * nb / n);
    }
    p->n_samples += n_rows;
    return LACUS_OK;
}

lacus_status lacus_prep_fit(lacus_prep *p, const lacus_seqs *s)
{
    if (!p) return LACUS_ERR_ARG;
    if (!s || !s->data || !s->n_steps || s->n_seqs < 1)
        return lacus__fail(&p->err, LACUS_ERR_ARG, "no sequences to fit on");
    lacus_prep_reset(p);
    for (int64_t i = 0; i < s->n_seqs; i++) {
        lacus_status st = lacus_prep_partial_fit(p, s->data[i], s->n_steps[i], s->n_features,
                                                 s->n_features);
        if (st) {
            lacus__prefix(&p->err, "sequence %lld: ", (long long)i);
            lacus_prep_reset(p);
            return st;
        }
    }
    if (p->n_samples == 0 && p->p.kind != LACUS_PREP_DELAY)
        return lacus__fail(&p->err, LACUS_ERR_ARG, "every sequence is empty: nothing to fit on");
    return LACUS_OK;
}

/* scale and offset of feature j: MINMAX y = x scale + offset (scikit-learn's
 * form), ZSCORE y = ((x - K) + offset) scale with offset = -mean of x - K. Constant features get
 * scale 1 on the data range (see the header). */
static void affine(const lacus_prep *p, int64_t j, double *scale, double *offset)
{
    double n = (double)p->n_samples;
    if (p->p.kind == LACUS_PREP_MINMAX) {
        double range = p->b[j] - p->a[j];
        if (range < 10.0 * DBL_EPSILON) range = 1.0;
        *scale = (p->p.range_hi - p->p.range_lo) / range;
        *offset = p->p.range_lo - p->a[j] * *scale;
    } else { /* y = ((x - K) + offset) scale */
        double mean = p->shift[j] + p->a[j], var = p->b[j] / n;
        double bound = n * DBL_EPSILON * var + (n * mean * DBL_EPSILON) * (n * mean * DBL_EPSILON);
        double sd = var <= bound ? 1.0 : sqrt(var);
        *scale = 1.0 / sd;
        *offset = -p->a[j];
    }
}

static lacus_status check_apply(lacus_prep *p, const double *in, int64_t n_rows, int64_t ldin,
                                int64_t width, const void *out, int64_t ldout, int64_t out_width,
                                const char *what)
{
    if (!lacus_prep_is_fitted(p))
        return lacus__fail(&p->err, LACUS_ERR_STATE, "the %s node is not fitted: fit or load it first",
                           lacus_prep_kind_name(p->p.kind));
    if (n_rows < 0 || (n_rows > 0 && (!in || !out)))
        return lacus__fail(&p->err, LACUS_ERR_ARG, "%s: n_rows = %lld or a NULL buffer", what,
                           (long long)n_rows);
    if (ldin < width || ldout < out_width)
        return lacus__fail(&p->err, LACUS_ERR_SHAPE,
                           "%s: row strides %lld and %lld are smaller than the widths %lld and %lld",
                           what, (long long)ldin, (long long)ldout, (long long)width,
                           (long long)out_width);
    return lacus__check_finite(&p->err, what, in, n_rows, width, ldin);
}

static lacus_status transform_delay(lacus_prep *p, const double *x, int64_t n_rows, int64_t ldx,
                                    double *y, int64_t ldy)
{
    const int64_t F = p->n_features, k = p->p.delay, s = p->p.stride;
    const int64_t drop = p->p.delay_drop ? (k - 1) * s : 0;
    for (int64_t t = drop; t < n_rows; t++) {
        double *row = y + (t - drop) * ldy;
        for (int64_t b = 0; b < k; b++) {
            int64_t src = t - b * s;
            if (src >= 0) memcpy(row + b * F, x + src * ldx, (size_t)F * sizeof *row);
            else memset(row + b * F, 0, (size_t)F * sizeof *row);
        }
    }
    return LACUS_OK;
}

lacus_status lacus_prep_transform(lacus_prep *p, const double *x, int64_t n_rows, int64_t ldx,
                                  double *y, int64_t ldy)
{
    if (!p) return LACUS_ERR_ARG;
    if (p->p.kind == LACUS_PREP_DELAY && p->n_features == 0) {
        if (ldx < 1)
            return lacus__fail(&p->err, LACUS_ERR_ARG, "ldx = %lld: the delay node's width is not "
                               "known yet (fit it, or give ldx = n_features)", (long long)ldx);
        p->n_features = ldx; /* first use: the width is the row stride */
    }
    const int64_t F = p->n_features, O = lacus_prep_n_outputs(p);
    lacus_status st = check_apply(p, x, n_rows, ldx, F, y, ldy, O, "transform input");
    if (st) return st;
    switch (p->p.kind) {
    case LACUS_PREP_DELAY: return transform_delay(p, x, n_rows, ldx, y, ldy);
    case LACUS_PREP_ONEHOT:
        for (int64_t t = 0; t < n_rows; t++) {
            double v = x[t * ldx];
            int64_t c = v == floor(v) ? find_cat(p, v) : -1;
            if (c < 0)
                return lacus__fail(&p->err, LACUS_ERR_ARG,
                                   "row %lld: label %g was not seen at fit time (%lld categories, "
                                   "from %g to %g)", (long long)t, v, (long long)p->n_cats,
                                   p->cats[0], p->cats[p->n_cats - 1]);
        }
        for (int64_t t = 0; t < n_rows; t++) {
            double *row = y + t * ldy;
            memset(row, 0, (size_t)O * sizeof *row);
            row[find_cat(p, x[t * ldx])] = 1.0;
        }
        return LACUS_OK;
    default: {
        /* Per-feature scale and offset once (into the chunk scratch), then
         * one pass over the rows in memory order. */
        double *sc = p->chunk, *off = p->chunk + F;
        for (int64_t j = 0; j < F; j++) affine(p, j, &sc[j], &off[j]);
        if (p->p.kind == LACUS_PREP_MINMAX) {
            for (int64_t t = 0; t < n_rows; t++) {
                const double *xr = x + t * ldx;
                double *yr = y + t * ldy;
                for (int64_t j = 0; j < F; j++) yr[j] = xr[j] * sc[j] + off[j];
            }
        } else {
            const double *K = p->shift;
            for (int64_t t = 0; t < n_rows; t++) {
                const double *xr = x + t * ldx;
                double *yr = y + t * ldy;
                for (int64_t j = 0; j < F; j++) yr[j] = ((xr[j] - K[j]) + off[j]) * sc[j];
            }
        }
        return LACUS_OK;
    }
    }
}

lacus_status lacus_prep_inverse(lacus_prep *p, const double *y, int64_t n_rows, int64_t ldy,
                                double *x, int64_t ldx)
{
    if (!p) return LACUS_ERR_ARG;
    const int64_t F = p->n_features, O = lacus_prep_n_outputs(p);
    if (p->p.kind == LACUS_PREP_DELAY && F == 0)
        return lacus__fail(&p->err, LACUS_ERR_STATE, "the delay node's width is not known yet");
    lacus_status st = check_apply(p, y, n_rows, ldy, O, x, ldx, F, "inverse input");
    if (st) return st;
    switch (p->p.kind) {
    case LACUS_PREP_DELAY:
        for (int64_t t = 0; t < n_rows; t++) memcpy(x + t * ldx, y + t * ldy, (size_t)F * sizeof *x);
        return LACUS_OK;
    case LACUS_PREP_ONEHOT:
        for (int64_t t = 0; t < n_rows; t++) {
            int64_t best = 0;
            for (int64_t c = 1; c < O; c++)
                if (y[t * ldy + c] > y[t * ldy + best]) best = c;
            x[t * ldx] = p->cats[best];
        }
        return LACUS_OK;
    default:
        for (int64_t j = 0; j < F; j++) {
            double sc, off;
            affine(p, j, &sc, &off);
            if (p->p.kind == LACUS_PREP_MINMAX)
                for (int64_t t = 0; t < n_rows; t++) x[t * ldx + j] = (y[t * ldy + j] - off) / sc;
            else
                for (int64_t t = 0; t < n_rows; t++)
                    x[t * ldx + j] = (y[t * ldy + j] / sc - off) + p->shift[j];
        }
        return LACUS_OK;
    }
}

lacus_status lacus_prep_get_stats(const lacus_prep *p, double *a, double *b, int64_t *n_samples)
{
    if (!p) return LACUS_ERR_ARG;
    if (!lacus_prep_is_fitted(p) || p->p.kind == LACUS_PREP_DELAY) return LACUS_ERR_STATE;
    if (n_samples) *n_samples = p->n_samples;
    if (p->p.kind == LACUS_PREP_ONEHOT) {
        if (a) memcpy(a, p->cats, (size_t)p->n_cats * sizeof *a);
        return LACUS_OK;
    }
    for (int64_t j = 0; j < p->n_features; j++) {
        if (a) a[j] = p->p.kind == LACUS_PREP_ZSCORE ? p->shift[j] + p->a[j] : p->a[j];
        if (b) b[j] = p->p.kind == LACUS_PREP_ZSCORE ? p->b[j] / (double)p->n_samples : p->b[j];
    }
    return LACUS_OK;
}
