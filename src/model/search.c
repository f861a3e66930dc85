/* Hyperparameter samplers: random search and TPE (Bergstra, Bardenet,
 * Bengio & Kegl 2011), following hyperopt's tpe.py in its choices: gamma =
 * 0.25 with ceil(gamma sqrt(n)) "good" results, adaptive Parzen bandwidths
 * (the larger gap to a sorted neighbour, clipped to [range / min(100, n+1),
 * range]), a prior component of weight 1 centred on the range, 24 candidates
 * drawn from l(x), the one maximising log l(x) - log g(x) kept; dimensions
 * are independent. hyperopt's linear forgetting of old results (beyond 25)
 * is not done here. Written here because no C library in Debian implements
 * TPE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "lacus.h"

#define N_CANDIDATES 24
#define GAMMA 0.25
#define SQRT2 1.41421356237309504880

struct lacus_sampler {
    lacus_space_dim *dims;
    double **choices; /* owned copies */
    int64_t n_dims, n_startup;
    lacus_sampler_method method;
    uint64_t seed;
    double *xs, *losses; /* told results: xs (n_told, n_dims) */
    int64_t n_told, cap;
};

void lacus_sampler_free(lacus_sampler *s)
{
    if (!s) return;
    for (int64_t d = 0; s->choices && d < s->n_dims; d++) lacus__free(s->choices[d]);
    lacus__free(s->choices);
    lacus__free(s->dims);
    lacus__free(s->xs);
    lacus__free(s->losses);
    lacus__free(s);
}

int64_t lacus_sampler_n_told(const lacus_sampler *s) { return s->n_told; }

lacus_status lacus_sampler_create(const lacus_space_dim *dims, int64_t n_dims,
                                  lacus_sampler_method method, uint64_t seed, int64_t n_startup,
                                  lacus_sampler **out, lacus_error *err)
{
    *out = NULL;
    if (!dims || n_dims < 1 || n_dims > 1000)
        return lacus__fail(err, LACUS_ERR_ARG, "search space: %lld dimensions: must be 1 .. 1000",
                           (long long)n_dims);
    if (method != LACUS_SAMPLER_RANDOM && method != LACUS_SAMPLER_TPE)
        return lacus__fail(err, LACUS_ERR_ARG, "unknown sampler method %d", (int)method);
    for (int64_t d = 0; d < n_dims; d++) {
        const lacus_space_dim *q = &dims[d];
        int ok = q->kind == LACUS_SPACE_CHOICE
                     ? q->n_choices >= 1 && q->n_choices <= 100000 && q->choices
                     : isfinite(q->lo) && isfinite(q->hi) && q->lo <= q->hi &&
                           (q->kind != LACUS_SPACE_LOG_UNIFORM || q->lo > 0) &&
                           (q->kind != LACUS_SPACE_INT || (q->lo == floor(q->lo) && q->hi == floor(q->hi))) &&
                           (unsigned)q->kind <= LACUS_SPACE_CHOICE;
        if (!ok)
            return lacus__fail(err, LACUS_ERR_ARG,
                               "search dimension %lld: bad range [%g, %g] for its kind (log-uniform "
                               "needs 0 < lo, int integer bounds, choice at least one value)",
                               (long long)d, q->lo, q->hi);
    }
    lacus_sampler *s = LACUS__ZNEW(lacus_sampler, 1);
    if (!s) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    s->dims = LACUS__NEW(lacus_space_dim, n_dims);
    s->choices = LACUS__ZNEW(double *, n_dims);
    int ok = s->dims && s->choices;
    s->n_dims = n_dims;
    for (int64_t d = 0; ok && d < n_dims; d++) {
        s->dims[d] = dims[d];
        if (dims[d].kind == LACUS_SPACE_CHOICE) {
            ok = (s->choices[d] = LACUS__NEW(double, dims[d].n_choices)) != NULL;
            if (ok) memcpy(s->choices[d], dims[d].choices, (size_t)dims[d].n_choices * sizeof(double));
            s->dims[d].choices = s->choices[d];
        }
    }
    if (!ok) {
        lacus_sampler_free(s);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    }
    s->method = method;
    s->seed = seed;
    s->n_startup = n_startup > 0 ? n_startup : 10;
    *out = s;
    return LACUS_OK;
}

lacus_status lacus_sampler_tell(lacus_sampler *s, const double *x, double loss)
{
    if (s->n_told == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 64;
        double *xs = lacus__realloc(s->xs, (size_t)(cap * s->n_dims) * sizeof(double));
        if (!xs) return LACUS_ERR_NOMEM;
        s->xs = xs;
        double *l = lacus__realloc(s->losses, (size_t)cap * sizeof(double));
        if (!l) return LACUS_ERR_NOMEM;
        s->losses = l;
        s->cap = cap;
    }
    memcpy(s->xs + s->n_told * s->n_dims, x, (size_t)s->n_dims * sizeof(double));
    s->losses[s->n_told++] = isfinite(loss) ? loss : INFINITY;
    return LACUS_OK;
}

/* A dimension's value in the scale its kernels live in. */
static double to_internal(const lacus_space_dim *q, double v)
{
    return q->kind == LACUS_SPACE_LOG_UNIFORM ? log(v) : v;
}

static void bounds(const lacus_space_dim *q, double *lo, double *hi)
{
    *lo = to_internal(q, q->lo);
    *hi = to_internal(q, q->hi);
    if (q->kind == LACUS_SPACE_INT) { /* each integer owns a unit interval */
        *lo -= 0.5;
        *hi += 0.5;
    }
}

static double from_internal(const lacus_space_dim *q, double v)
{
    if (q->kind == LACUS_SPACE_LOG_UNIFORM) v = exp(v);
    if (q->kind == LACUS_SPACE_INT) v = round(v);
    return fmin(fmax(v, q->lo), q->hi);
}

static double random_value(const lacus_space_dim *q, lacus__rng *r)
{
    if (q->kind == LACUS_SPACE_CHOICE) return q->choices[lacus__rng_below(r, (uint64_t)q->n_choices)];
    double lo, hi;
    bounds(q, &lo, &hi);
    return from_internal(q, lo + (hi - lo) * lacus__rng_uniform(r));
}

/* A Parzen estimator: the prior plus one Gaussian per point, truncated to
 * [lo, hi], equal weights. */
typedef struct parzen {
    int64_t n;
    double *mu, *sigma, *logz; /* n + 1 components; logz: log of the truncation mass */
} parzen;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double log_phi_mass(double lo, double hi, double mu, double s)
{
    double m = 0.5 * (erfc(-(hi - mu) / (s * SQRT2)) - erfc(-(lo - mu) / (s * SQRT2)));
    return log(fmax(m, 1e-300));
}

/* Fits to pts (n values, internal scale), in ws (3 (n + 1) doubles). */
static void parzen_fit(parzen *p, const double *pts, int64_t n, double lo, double hi, double *ws)
{
    p->n = n + 1;
    p->mu = ws;
    p->sigma = ws + n + 1;
    p->logz = ws + 2 * (n + 1);
    double prior_mu = 0.5 * (lo + hi), range = hi - lo;
    for (int64_t i = 0; i < n; i++) p->mu[i] = pts[i];
    p->mu[n] = prior_mu;
    qsort(p->mu, (size_t)(n + 1), sizeof(double), cmp_double);
    double min_s = range / fmin(100.0, 1.0 + (double)n), max_s = range;
    for (int64_t i = 0; i <= n; i++) {
        double left = i > 0 ? p->mu[i] - p->mu[i - 1] : p->mu[i] - lo;
        double right = i < n ? p->mu[i + 1] - p->mu[i] : hi - p->mu[i];
        p->sigma[i] = fmin(fmax(fmax(left, right), min_s), max_s);
    }
    /* The prior keeps the whole range as its width. */
    for (int64_t i = 0; i <= n; i++)
        if (p->mu[i] == prior_mu) {
            p->sigma[i] = range > 0 ? range : 1.0;
            break;
        }
    for (int64_t i = 0; i <= n; i++) {
        if (p->sigma[i] <= 0) p->sigma[i] = 1.0;
        p->logz[i] = log_phi_mass(lo, hi, p->mu[i], p->sigma[i]);
    }
}

static double parzen_logpdf(const parzen *p, double x)
{
    double m = -INFINITY; /* log-sum-exp in two passes */
    for (int64_t i = 0; i < p->n; i++) {
        double z = (x - p->mu[i]) / p->sigma[i];
        double l = -0.5 * z * z - log(p->sigma[i]) - p->logz[i];
        if (l > m) m = l;
    }
    double sum = 0.0;
    for (int64_t i = 0; i < p->n; i++) {
        double z = (x - p->mu[i]) / p->sigma[i];
        sum += exp(-0.5 * z * z - log(p->sigma[i]) - p->logz[i] - m);
    }
    return m + log(sum) - log((double)p->n);
}

static double parzen_draw(const parzen *p, double lo, double hi, lacus__rng *r)
{
    int64_t i = (int64_t)lacus__rng_below(r, (uint64_t)p->n);
    for (int k = 0; k < 100; k++) {
        double v = p->mu[i] + p->sigma[i] * lacus__rng_normal(r);
        if (v >= lo && v <= hi) return v;
    }
    return fmin(fmax(p->mu[i], lo), hi);
}

/* Splits the told results: good[j] = 1 for the best ceil(0.25 sqrt(n)). */
static int64_t split_good(const lacus_sampler *s, int *good)
{
    int64_t n = s->n_told, n_good = (int64_t)ceil(GAMMA * sqrt((double)n));
    if (n_good < 1) n_good = 1;
    memset(good, 0, (size_t)n * sizeof(int));
    for (int64_t k = 0; k < n_good; k++) { /* n_good passes: n is a few hundred */
        int64_t best = -1;
        for (int64_t j = 0; j < n; j++)
            if (!good[j] && (best < 0 || s->losses[j] < s->losses[best])) best = j;
        good[best] = 1;
    }
    return n_good;
}

static double tpe_dim(const lacus_sampler *s, int64_t d, const int *good, int64_t n_good,
                      lacus__rng *r, double *ws)
{
    const lacus_space_dim *q = &s->dims[d];
    int64_t n = s->n_told, n_bad = n - n_good;
    if (q->kind == LACUS_SPACE_CHOICE) {
        int64_t K = q->n_choices;
        double *cg = ws, *cb = ws + K;
        for (int64_t c = 0; c < K; c++) cg[c] = cb[c] = 1.0; /* prior pseudo-count */
        for (int64_t j = 0; j < n; j++) {
            double v = s->xs[j * s->n_dims + d];
            for (int64_t c = 0; c < K; c++)
                if (q->choices[c] == v) (good[j] ? cg : cb)[c] += 1.0;
        }
        int64_t best = 0;
        double best_score = -INFINITY;
        for (int k = 0; k < N_CANDIDATES; k++) {
            double u = lacus__rng_uniform(r) * ((double)n_good + (double)K), acc = 0.0;
            int64_t c = 0;
            while (c < K - 1 && (acc += cg[c]) <= u) c++;
            double score = log(cg[c] / ((double)n_good + (double)K)) -
                           log(cb[c] / ((double)n_bad + (double)K));
            if (score > best_score) {
                best_score = score;
                best = c;
            }
        }
        return q->choices[best];
    }
    double lo, hi;
    bounds(q, &lo, &hi);
    double *pg = ws, *pb = ws + n, *wsg = ws + 2 * n, *wsb = wsg + 3 * (n + 1);
    int64_t a = 0, b = 0;
    for (int64_t j = 0; j < n; j++) {
        double v = to_internal(q, s->xs[j * s->n_dims + d]);
        if (good[j]) pg[a++] = v;
        else pb[b++] = v;
    }
    parzen l, g;
    parzen_fit(&l, pg, a, lo, hi, wsg);
    parzen_fit(&g, pb, b, lo, hi, wsb);
    double best = 0.0, best_score = -INFINITY;
    for (int k = 0; k < N_CANDIDATES; k++) {
        double v = parzen_draw(&l, lo, hi, r);
        double score = parzen_logpdf(&l, v) - parzen_logpdf(&g, v);
        if (score > best_score) {
            best_score = score;
            best = v;
        }
    }
    return from_internal(q, best);
}

lacus_status lacus_sampler_suggest(lacus_sampler *s, int64_t trial, double *x)
{
    if (trial < 0) return LACUS_ERR_ARG;
    lacus__rng r;
    lacus__rng_stream(&r, s->seed, LACUS__STREAM_SEARCH, (uint64_t)trial);
    if (s->method == LACUS_SAMPLER_RANDOM || s->n_told < s->n_startup) {
        for (int64_t d = 0; d < s->n_dims; d++) x[d] = random_value(&s->dims[d], &r);
        return LACUS_OK;
    }
    int64_t n = s->n_told, kmax = 0;
    for (int64_t d = 0; d < s->n_dims; d++)
        if (s->dims[d].kind == LACUS_SPACE_CHOICE && s->dims[d].n_choices > kmax)
            kmax = s->dims[d].n_choices;
    int *good = LACUS__NEW(int, n);
    double *ws = LACUS__NEW(double, 8 * (n + 1) + 2 * kmax);
    if (!good || !ws) {
        lacus__free(good);
        lacus__free(ws);
        return LACUS_ERR_NOMEM;
    }
    int64_t n_good = split_good(s, good);
    for (int64_t d = 0; d < s->n_dims; d++) x[d] = tpe_dim(s, d, good, n_good, &r, ws);
    lacus__free(good);
    lacus__free(ws);
    return LACUS_OK;
}
