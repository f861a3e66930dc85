/* n-gram language model with interpolated modified Kneser-Ney smoothing
 * (Chen & Goodman 1998, TR-10-98, section 3 and eqs. 17-19; the equations are
 * in lacus/lang.h). Written here because the maintained implementations
 * (KenLM, SRILM) are C++ programs with their own file formats, not C
 * libraries in Debian.
 *
 * Storage: one hash table per order k mapping the k ids packed into 64 bits
 * (ids[0] in the high bits) to a dense index; per index the count used at
 * that order (raw at the top order, continuation counts below). Per order, a
 * second table maps each context (the first k-1 ids, i.e. key >> bits) to
 * its sum of counts and its numbers of types seen once, twice, 3+ times. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lacus.h"
#include "lang/hashmap.h"

#define NG_MAX 6

typedef struct ctx_stat {
    double total;          /* sum over w of c_k(h w) */
    double n[3];           /* types with count 1, 2, >= 3 */
} ctx_stat;

struct lacus_ngram {
    int order, bits;
    int64_t V;
    lacus__u64map tab[NG_MAX + 1];
    uint32_t *cnt[NG_MAX + 1];
    lacus__u64map ctx[NG_MAX + 1];
    ctx_stat *cs[NG_MAX + 1];
    double D[NG_MAX + 1][3];
};

void lacus_ngram_free(lacus_ngram *m)
{
    if (!m) return;
    for (int k = 1; k <= NG_MAX; k++) {
        if (m->tab[k].slots) lacus__u64map_free(&m->tab[k]);
        if (m->ctx[k].slots) lacus__u64map_free(&m->ctx[k]);
        lacus__free(m->cnt[k]);
        lacus__free(m->cs[k]);
    }
    lacus__free(m);
}

int lacus_ngram_order(const lacus_ngram *m) { return m->order; }

static uint64_t pack(const int32_t *ids, int k, int bits)
{
    uint64_t key = 0;
    for (int i = 0; i < k; i++) key = key << bits | (uint64_t)(uint32_t)ids[i];
    return key;
}

/* Grows a uint32 count array alongside its table. */
static int ensure_cap(uint32_t **a, int64_t *cap, int64_t need)
{
    if (need <= *cap) return 0;
    int64_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    uint32_t *b = lacus__realloc(*a, (size_t)c * sizeof *b);
    if (!b) return -1;
    memset(b + *cap, 0, (size_t)(c - *cap) * sizeof *b);
    *a = b, *cap = c;
    return 0;
}

static void discounts(const uint32_t *c, int64_t n, double D[3])
{
    double nn[5] = {0};
    for (int64_t i = 0; i < n; i++)
        if (c[i] >= 1 && c[i] <= 4) nn[c[i]]++;
    double Y = nn[1] + 2 * nn[2] > 0 ? nn[1] / (nn[1] + 2 * nn[2]) : 0.5;
    D[0] = nn[1] > 0 ? 1 - 2 * Y * nn[2] / nn[1] : 0.5;
    D[1] = nn[2] > 0 ? 2 - 3 * Y * nn[3] / nn[2] : D[0];
    D[2] = nn[3] > 0 ? 3 - 4 * Y * nn[4] / nn[3] : D[1];
    /* Sparse counts can push the formula outside [0, j]; clamp so every
     * probability stays non-negative. */
    for (int j = 0; j < 3; j++) D[j] = fmin(fmax(D[j], 0.0), (double)(j + 1));
}

lacus_status lacus_ngram_train(const int32_t *ids, int64_t n, int64_t V, int order,
                               lacus_ngram **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "ngram: out is NULL");
    *out = NULL;
    if (order < 1 || order > NG_MAX)
        return lacus__fail(err, LACUS_ERR_ARG, "ngram order = %d: must be in [1, %d]", order, NG_MAX);
    if (V < 1 || V > (1LL << 31) - 1)
        return lacus__fail(err, LACUS_ERR_ARG, "ngram vocab_size = %lld: must be in [1, 2^31)", (long long)V);
    if (!ids || n < 1) return lacus__fail(err, LACUS_ERR_ARG, "ngram: the training sequence is empty");
    int bits = 1;
    while (bits < 31 && (1LL << bits) < V) bits++;
    if (order * bits > 64)
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                           "ngram order = %d with vocab_size = %lld needs %d bits per key (> 64): lower "
                           "the order or the vocabulary",
                           order, (long long)V, order * bits);
    for (int64_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= V)
            return lacus__fail(err, LACUS_ERR_ARG, "ngram: ids[%lld] = %d not in [0, %lld)", (long long)i,
                               (int)ids[i], (long long)V);
    lacus_ngram *m = lacus__calloc(1, sizeof *m);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "ngram: out of memory");
    m->order = order, m->bits = bits, m->V = V;
    int64_t cap[NG_MAX + 1] = {0};
    for (int k = 1; k <= order; k++)
        if (lacus__u64map_init(&m->tab[k], 1024) || lacus__u64map_init(&m->ctx[k], 256)) goto nomem;
    /* Raw counts of every order (the lower ones only to know the types). */
    for (int64_t i = 0; i < n; i++)
        for (int k = 1; k <= order && k <= i + 1; k++) {
            int64_t j = lacus__u64map_insert(&m->tab[k], pack(ids + i - k + 1, k, bits), NULL);
            if (j < 0 || ensure_cap(&m->cnt[k], &cap[k], j + 1)) goto nomem;
            m->cnt[k][j]++;
        }
    /* Continuation counts below the top order: N1+(. g) = number of distinct
     * (k+1)-grams ending in g. */
    for (int k = 1; k < order; k++) {
        memset(m->cnt[k], 0, (size_t)cap[k] * sizeof(uint32_t));
        const lacus__u64map *up = &m->tab[k + 1];
        uint64_t mask = k * bits == 64 ? ~0ULL : ((1ULL << (k * bits)) - 1);
        for (int64_t j = 0; j < up->n; j++) {
            int64_t s = lacus__u64map_find(&m->tab[k], up->dense[j] & mask);
            if (s >= 0) m->cnt[k][s]++;
        }
    }
    for (int k = 1; k <= order; k++) {
        discounts(m->cnt[k], m->tab[k].n, m->D[k]);
        int64_t ccap = 0;
        for (int64_t j = 0; j < m->tab[k].n; j++) {
            uint32_t c = m->cnt[k][j];
            if (!c) continue;
            int64_t h = lacus__u64map_insert(&m->ctx[k], m->tab[k].dense[j] >> bits, NULL);
            if (h < 0) goto nomem;
            if (h >= ccap) {
                int64_t c2 = ccap ? 2 * ccap : 256;
                while (c2 <= h) c2 *= 2;
                ctx_stat *cs = lacus__realloc(m->cs[k], (size_t)c2 * sizeof *cs);
                if (!cs) goto nomem;
                memset(cs + ccap, 0, (size_t)(c2 - ccap) * sizeof *cs);
                m->cs[k] = cs, ccap = c2;
            }
            m->cs[k][h].total += c;
            m->cs[k][h].n[c >= 3 ? 2 : c - 1]++;
        }
    }
    *out = m;
    return LACUS_OK;
nomem:
    lacus_ngram_free(m);
    return lacus__fail(err, LACUS_ERR_NOMEM, "ngram: out of memory counting %lld tokens at order %d",
                       (long long)n, order);
}

lacus_status lacus_ngram_discounts(const lacus_ngram *m, int k, double D[3])
{
    if (!m || k < 1 || k > m->order) return LACUS_ERR_ARG;
    memcpy(D, m->D[k], sizeof m->D[k]);
    return LACUS_OK;
}

int64_t lacus_ngram_count_types(const lacus_ngram *m, int k)
{
    return m && k >= 1 && k <= m->order ? m->tab[k].n : -1;
}

/* Context h (the last k-1 ids of hist, hist holding nh ids): its statistics,
 * or NULL when unseen. */
static const ctx_stat *context(const lacus_ngram *m, int k, const int32_t *hist, int64_t nh,
                               uint64_t *hkey)
{
    *hkey = pack(hist + nh - (k - 1), k - 1, m->bits);
    int64_t h = lacus__u64map_find(&m->ctx[k], *hkey);
    return h >= 0 ? &m->cs[k][h] : NULL;
}

static double prob_one(const lacus_ngram *m, const int32_t *hist, int64_t nh, int32_t w)
{
    double p = 1.0 / (double)m->V;
    int K = nh + 1 < m->order ? (int)nh + 1 : m->order;
    for (int k = 1; k <= K; k++) {
        uint64_t hkey;
        const ctx_stat *cs = context(m, k, hist, nh, &hkey);
        if (!cs) continue;
        const double *D = m->D[k];
        double gamma = (D[0] * cs->n[0] + D[1] * cs->n[1] + D[2] * cs->n[2]) / cs->total;
        double top = 0.0;
        int64_t j = lacus__u64map_find(&m->tab[k], hkey << m->bits | (uint32_t)w);
        if (j >= 0 && m->cnt[k][j]) {
            uint32_t c = m->cnt[k][j];
            top = fmax((double)c - D[c >= 3 ? 2 : c - 1], 0.0) / cs->total;
        }
        p = top + gamma * p;
    }
    return p;
}

lacus_status lacus_ngram_probs(const lacus_ngram *m, const int32_t *hist, int64_t n_hist,
                               double *probs)
{
    if (!m || !probs || n_hist < 0 || (n_hist && !hist)) return LACUS_ERR_ARG;
    for (int64_t i = 0; i < n_hist; i++)
        if (hist[i] < 0 || hist[i] >= m->V) return LACUS_ERR_ARG;
    int64_t nh = n_hist < m->order - 1 ? n_hist : m->order - 1;
    const int32_t *h = hist + n_hist - nh;
    for (int64_t w = 0; w < m->V; w++) probs[w] = prob_one(m, h, nh, (int32_t)w);
    return LACUS_OK;
}

lacus_status lacus_ngram_score(const lacus_ngram *m, const int32_t *ids, int64_t n, int64_t start,
                               double *bits, lacus_error *err)
{
    if (!m || !bits || !ids || n < 0 || start < 0 || start > n)
        return lacus__fail(err, LACUS_ERR_ARG, "ngram score: bad argument (start = %lld, n = %lld)",
                           (long long)start, (long long)n);
    for (int64_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= m->V)
            return lacus__fail(err, LACUS_ERR_ARG, "ngram score: ids[%lld] = %d not in [0, %lld)",
                               (long long)i, (int)ids[i], (long long)m->V);
    double s = 0.0;
    for (int64_t i = start; i < n; i++) {
        int64_t nh = i < m->order - 1 ? i : m->order - 1;
        s -= log2(prob_one(m, ids + i - nh, nh, ids[i]));
    }
    *bits = s;
    return LACUS_OK;
}

lacus_status lacus_unigram_bits(const int32_t *train, int64_t n_train, const int32_t *test,
                                int64_t n_test, int64_t V, double *bits, lacus_error *err)
{
    if (V < 1 || n_train < 0 || n_test < 0 || !bits || (n_train && !train) || (n_test && !test))
        return lacus__fail(err, LACUS_ERR_ARG, "unigram: bad argument");
    double *c = LACUS__ZNEW(double, V);
    if (!c) return lacus__fail(err, LACUS_ERR_NOMEM, "unigram: out of memory");
    for (int64_t i = 0; i < n_train; i++) {
        if (train[i] < 0 || train[i] >= V) {
            lacus__free(c);
            return lacus__fail(err, LACUS_ERR_ARG, "unigram: train[%lld] = %d not in [0, %lld)",
                               (long long)i, (int)train[i], (long long)V);
        }
        c[train[i]]++;
    }
    double s = 0.0, z = (double)n_train + (double)V;
    for (int64_t i = 0; i < n_test; i++) {
        if (test[i] < 0 || test[i] >= V) {
            lacus__free(c);
            return lacus__fail(err, LACUS_ERR_ARG, "unigram: test[%lld] = %d not in [0, %lld)",
                               (long long)i, (int)test[i], (long long)V);
        }
        s -= log2((c[test[i]] + 1.0) / z);
    }
    lacus__free(c);
    *bits = s;
    return LACUS_OK;
}
