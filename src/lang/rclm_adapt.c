/* Prequential adaptation of the reservoir LM while it scores (equations in
 * lacus/lm.h, lacus_lm_adapt_params): each token is scored first, then
 * learned from, as an adaptive compressor does.
 *
 * - Dynamic evaluation (Mikolov 2010; Krause et al. 2018): a linear
 *   correction of the logits, c + A^T f on the readout's features, that
 *   starts at zero and takes a normalised gradient step on each token's
 *   log-loss. A correction rather than a step on the readouts themselves:
 *   the ridge scores pass through log(max(s, eps)), whose gradient blows
 *   up near eps, and a squared-error step on s raised the held-out cost
 *   in our trials; the model is left as it was.
 * - A cache over the reservoir's own states (the "neural cache" of Grave,
 *   Joulin and Usunier 2017): the next tokens of past states similar to the
 *   current one, mixed into the distribution. Keys are the states under a
 *   fixed Gaussian projection to cache_dim dimensions, normalised, so the
 *   similarity is an approximate cosine (Johnson-Lindenstrauss) at a cost
 *   of cache_dim instead of n_units per stored state. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

#define LM_LN2 0.69314718055994530942

lacus_lm_adapt_params lacus_lm_adapt_params_default(void)
{
    lacus_lm_adapt_params a = {0.0, 0, 64, 20.0, 0.1, 1};
    return a;
}

static lacus_status check_params(lacus_lm *m, const lacus_lm_adapt_params *a)
{
    if (!a) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm adapt: params is NULL");
    if (!(a->step >= 0 && a->step < 2))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm adapt: step = %g must be in [0, 2) (normalised)", a->step);
    if (a->cache_size < 0 || a->cache_size > 10000000)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm adapt: cache_size = %lld must be in [0, 10^7]",
                           (long long)a->cache_size);
    if (a->cache_size && (a->cache_dim < 1 || a->cache_dim > m->p.n_units))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm adapt: cache_dim = %lld must be in [1, n_units = %lld]",
                           (long long)a->cache_dim, (long long)m->p.n_units);
    if (a->cache_size && !(a->cache_theta >= 0 && a->cache_theta <= 1e5))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm adapt: cache_theta = %g must be in [0, 1e5]", a->cache_theta);
    if (a->cache_size && !(a->cache_lambda >= 0 && a->cache_lambda < 1))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm adapt: cache_lambda = %g must be in [0, 1)", a->cache_lambda);
    return LACUS_OK;
}

/* The model's logits for features f (F) after (prev, tok), plus the
 * correction c + A^T f of dynamic evaluation (A NULL: none), into l (V);
 * sc (V) is scratch. */
static void logits(const lacus_lm *m, const double *f, int32_t prev, int32_t tok, const double *A, const double *c,
                   double *sc, double *l)
{
    const int64_t V = m->p.vocab_size, F = m->F;
    lacus__lm_chunk_scores(m, f, &prev, &tok, 1, sc);
    for (int64_t v = 0; v < V; v++) l[v] = m->beta * (m->eps > 0 ? log(fmax(sc[v], m->eps)) : sc[v]);
    if (!A) return;
    cblas_daxpy((int)V, 1.0, c, 1, l, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)F, (int)V, 1.0, A, (int)V, f, 1, 1.0, l, 1);
}

/* p (V) = softmax(l). */
static void softmax(const double *l, int64_t V, double *p)
{
    double mx = -INFINITY, z = 0;
    for (int64_t v = 0; v < V; v++) mx = fmax(mx, l[v]);
    for (int64_t v = 0; v < V; v++) z += p[v] = exp(l[v] - mx);
    for (int64_t v = 0; v < V; v++) p[v] /= z;
}

/* The state cache: a ring of the last `size` keys (dim, unit norm) and
 * the tokens that followed them. */
typedef struct cache {
    int64_t size, dim, count, head;
    double *P;     /* (N, dim) projection, N(0, 1) entries */
    float *keys;   /* (size, dim): single precision halves the bytes the
                      similarities stream, the cost that dominates */
    int32_t *next; /* (size) */
    double *q;     /* (dim) */
    float *qf, *w; /* (dim), (size) */
} cache;

/* A cache for n_scored tokens: the ring is no longer than them. */
static lacus_status cache_init(cache *c, const lacus_lm *m, const lacus_lm_adapt_params *a, int64_t n_scored)
{
    memset(c, 0, sizeof *c);
    if (!a->cache_size || n_scored < 1) return LACUS_OK;
    const int64_t N = m->p.n_units;
    c->size = a->cache_size < n_scored ? a->cache_size : n_scored, c->dim = a->cache_dim;
    c->P = LACUS__NEW(double, N * c->dim);
    c->keys = LACUS__NEW(float, c->size * c->dim);
    c->next = LACUS__NEW(int32_t, c->size);
    c->q = LACUS__NEW(double, c->dim);
    c->qf = LACUS__NEW(float, c->dim);
    c->w = LACUS__NEW(float, c->size);
    if (!c->P || !c->keys || !c->next || !c->q || !c->qf || !c->w) return LACUS_ERR_NOMEM;
    lacus__rng r;
    lacus__rng_seed(&r, a->cache_seed);
    for (int64_t i = 0; i < N * c->dim; i++) c->P[i] = lacus__rng_normal(&r);
    return LACUS_OK;
}

static void cache_free(cache *c)
{
    lacus__free(c->P), lacus__free(c->keys), lacus__free(c->next), lacus__free(c->q), lacus__free(c->qf);
    lacus__free(c->w);
}

/* c->q = the unit key of state x (zero when x is). */
static void cache_key(cache *c, const double *x, int64_t N)
{
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)N, (int)c->dim, 1.0, c->P, (int)c->dim, x, 1, 0.0, c->q, 1);
    double nq = cblas_dnrm2((int)c->dim, c->q, 1);
    for (int64_t i = 0; i < c->dim; i++) c->qf[i] = (float)(nq > 0 ? c->q[i] / nq : 0.0);
}

/* p (V) = sum_i [next_i = v] exp(theta (q . key_i - m)), m the largest
 * similarity; returns their sum (>= 1; 0 when the cache is empty). The
 * terms below exp(-CACHE_SKIP) of the largest are skipped: at most 10^7 of
 * them change the sum by < 2e-15 relative, and at theta = 1000 they are
 * nearly all of the cache, so the exponentials left are few. Shifting by m
 * rather than 1 keeps the sum from underflowing when no key is near. */
#define CACHE_SKIP 50.0
static double cache_mass(cache *c, double theta, int64_t V, double *p)
{
    if (!c->count) return 0;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)c->count, (int)c->dim, 1.0f, c->keys, (int)c->dim, c->qf, 1, 0.0f,
                c->w, 1);
    float mx = -INFINITY;
    for (int64_t i = 0; i < c->count; i++) mx = fmaxf(mx, c->w[i]);
    const float cut = theta > 0 ? (float)((double)mx - CACHE_SKIP / theta) : -INFINITY;
    memset(p, 0, (size_t)V * sizeof *p);
    double z = 0;
    for (int64_t i = 0; i < c->count; i++) {
        if (c->w[i] < cut) continue;
        double e = exp(theta * ((double)c->w[i] - (double)mx));
        p[c->next[i]] += e;
        z += e;
    }
    return z;
}

static void cache_push(cache *c, int32_t next)
{
    memcpy(c->keys + c->head * c->dim, c->qf, (size_t)c->dim * sizeof *c->qf);
    c->next[c->head] = next;
    c->head = (c->head + 1) % c->size;
    if (c->count < c->size) c->count++;
}

/* The scoring pass; the arguments are checked by the callers. Errors go
 * to err, not to m, so that lacus_lm_adapt_select can run passes on the
 * same model in parallel. */
static lacus_status score_adapt(const lacus_lm *m, const int32_t *ids, int64_t n, int64_t start,
                                const lacus_lm_adapt_params *ap, double *bits, lacus_error *err)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    cache c;
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N), *f = LACUS__NEW(double, F);
    double *sc = LACUS__NEW(double, V), *l = LACUS__NEW(double, V), *p = LACUS__NEW(double, V);
    double *pc = LACUS__NEW(double, V);
    double *A = ap->step > 0 ? LACUS__ZNEW(double, F * V) : NULL, *cb = ap->step > 0 ? LACUS__ZNEW(double, V) : NULL;
    lacus_status s = LACUS_OK, sk = cache_init(&c, m, ap, n - start);
    double total = 0;
    if (!x || !tmp || !f || !sc || !l || !p || !pc || (ap->step > 0 && (!A || !cb)) || sk) {
        s = lacus__fail(err, LACUS_ERR_NOMEM, "lm score adapt: out of memory");
        goto done;
    }
    int saved = lacus__blas_serial_begin(); /* per-token BLAS-2 calls: see lacus_lm_score */
    for (int64_t t = 0; t + 1 < n; t++) {
        lacus__lm_step(m, x, ids[t], tmp);
        if (t < start - 1) continue;
        const int32_t tok = ids[t], prev = t > 0 ? ids[t - 1] : -1, y = ids[t + 1];
        lacus__lm_features(m, x, tok, f);
        logits(m, f, prev, tok, A, cb, sc, l);
        softmax(l, V, p);
        double py = p[y];
        if (c.size) {
            cache_key(&c, x, N);
            double z = cache_mass(&c, ap->cache_theta, V, pc);
            if (c.count) py = (1.0 - ap->cache_lambda) * py + ap->cache_lambda * pc[y] / z;
            cache_push(&c, y);
        }
        total -= log(py) / LM_LN2;
        if (A) { /* the log-loss gradient in the logits is p - onehot(y) */
            const double g = -ap->step / (1.0 + cblas_ddot((int)F, f, 1, f, 1));
            p[y] -= 1.0;
            cblas_daxpy((int)V, g, p, 1, cb, 1);
            cblas_dger(CblasRowMajor, (int)F, (int)V, g, f, 1, p, 1, A, (int)V);
        }
    }
    lacus__blas_serial_end(saved);
    *bits = total;
done:
    cache_free(&c);
    lacus__free(x), lacus__free(tmp), lacus__free(f), lacus__free(sc), lacus__free(l), lacus__free(p);
    lacus__free(pc), lacus__free(A), lacus__free(cb);
    return s;
}

static lacus_status check_call(lacus_lm *m, const int32_t *ids, int64_t n, int64_t start, const void *out,
                               const char *what)
{
    if (!ids || !out || start < 1 || start > n)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm %s: start = %lld must be in [1, n = %lld]", what,
                           (long long)start, (long long)n);
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm %s: the model is not trained", what);
    return lacus__lm_check_ids(m, ids, n, what);
}

lacus_status lacus_lm_score_adapt(lacus_lm *m, const int32_t *ids, int64_t n, int64_t start,
                                  const lacus_lm_adapt_params *ap, double *bits)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    lacus_status s = check_call(m, ids, n, start, bits, "score adapt");
    if (!s) s = check_params(m, ap);
    return s ? s : score_adapt(m, ids, n, start, ap, bits, &m->err);
}

lacus_status lacus_lm_adapt_select(lacus_lm *m, const int32_t *ids, int64_t n, int64_t start, const double *steps,
                                   int64_t n_step, const double *thetas, int64_t n_theta, const double *lambdas,
                                   int64_t n_lambda, lacus_lm_adapt_params *ap, double *grid_bits)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    lacus_status s = check_call(m, ids, n, start, ap, "adapt select");
    if (s) return s;
    if (!steps || !thetas || !lambdas || n_step < 1 || n_theta < 1 || n_lambda < 1 || n_step > 1024 ||
        n_theta > 1024 || n_lambda > 1024 || n_step * n_theta * n_lambda > 1024)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm adapt select: the grid (%lld steps x %lld thetas x %lld "
                           "lambdas) must have 1 to 1024 points", (long long)n_step, (long long)n_theta,
                           (long long)n_lambda);
    const int64_t G = n_step * n_theta * n_lambda;
    lacus_lm_adapt_params *pts = LACUS__NEW(lacus_lm_adapt_params, G);
    double *gb = LACUS__NEW(double, G);
    lacus_error *errs = LACUS__ZNEW(lacus_error, G);
    if (!pts || !gb || !errs) {
        lacus__free(pts), lacus__free(gb), lacus__free(errs);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm adapt select: out of memory");
    }
    for (int64_t g = 0; g < G && !s; g++) {
        pts[g] = *ap;
        pts[g].step = steps[g / (n_theta * n_lambda)];
        pts[g].cache_theta = thetas[g / n_lambda % n_theta], pts[g].cache_lambda = lambdas[g % n_lambda];
        s = check_params(m, &pts[g]);
    }
    if (!s) {
        /* one pass per grid point, each on one thread (its BLAS calls are
         * serial): the passes are independent and equally long */
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t g = 0; g < G; g++) score_adapt(m, ids, n, start, &pts[g], &gb[g], &errs[g]);
        int64_t best = -1;
        for (int64_t g = 0; g < G && !s; g++) {
            if (errs[g].status) s = lacus__fail(&m->err, errs[g].status, "%s", errs[g].msg);
            else if (best < 0 || gb[g] < gb[best]) best = g;
        }
        if (!s) {
            *ap = pts[best];
            if (grid_bits) memcpy(grid_bits, gb, (size_t)G * sizeof *gb);
        }
    }
    lacus__free(pts), lacus__free(gb), lacus__free(errs);
    return s;
}
