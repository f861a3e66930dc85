/* Pair-gated readouts and slow units of the reservoir LM (equations in
 * lacus/lm.h, lacus_lm_ext_params; the slow units' step is lacus__lm_step).
 * Pair gates: per frequent pair (tok_{t-1}, tok_t), ridge on the
 * residual of the shared and token-gated readouts over the rows of that
 * pair, reading the first pair_units units. A second pass over the training
 * tokens forms the residual, since it needs the first readouts solved. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

#define PAIR_ROWS 64  /* rows buffered per pair between X^T X updates */
#define PAIR_CHUNK 512 /* rows scored by one dgemm in the second pass */

lacus_lm_ext_params lacus_lm_ext_params_default(void)
{
    lacus_lm_ext_params x = {0, 0, 1.0, 0, 0.1};
    return x;
}

lacus_status lacus_lm_set_ext(lacus_lm *m, const lacus_lm_ext_params *xp)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    const int64_t N = m->p.n_units;
    if (!xp) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm ext: params is NULL");
    if (xp->pair_gates < 0 || xp->pair_gates > 100000000)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm pair_gates = %lld: must be in [0, 10^8]",
                           (long long)xp->pair_gates);
    if (xp->pair_units < 0 || xp->pair_units > N)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm pair_units = %lld: must be in [0, n_units = %lld] (0: all)",
                           (long long)xp->pair_units, (long long)N);
    if (!(xp->pair_ridge > 0 && xp->pair_ridge < 1e12))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm pair_ridge = %g: must be in (0, 1e12)", xp->pair_ridge);
    if (xp->slow_units < 0 || xp->slow_units > N)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm slow_units = %lld: must be in [0, n_units = %lld]",
                           (long long)xp->slow_units, (long long)N);
    if (!(xp->slow_lr > 0 && xp->slow_lr <= 1))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm slow_lr = %g: must be in (0, 1]", xp->slow_lr);
    if (xp->pair_gates && m->ro.kind != LACUS_LM_RIDGE)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm pair_gates = %lld: needs the ridge readout",
                           (long long)xp->pair_gates);
    double *lrv = NULL;
    if (xp->slow_units) {
        if (!(lrv = LACUS__NEW(double, N))) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm ext: out of memory");
        for (int64_t i = 0; i < N; i++) lrv[i] = i < N - xp->slow_units ? m->p.lr : xp->slow_lr;
    }
    lacus__free(m->lrv);
    m->lrv = lrv;
    m->xp = *xp;
    lacus__pair_alloc(m, 0); /* frees: the pairs are chosen by the next fit */
    m->trained = 0;
    return LACUS_OK;
}

const lacus_lm_ext_params *lacus_lm_ext_get(const lacus_lm *m) { return &m->xp; }

lacus_status lacus__pair_alloc(lacus_lm *m, int64_t K2)
{
    const int64_t d = m->xp.pair_units ? m->xp.pair_units : m->p.n_units, V = m->p.vocab_size;
    lacus__free(m->pair_key), lacus__free(m->Wp);
    m->pair_key = NULL, m->Wp = NULL, m->n_pair = 0;
    if (!K2) return LACUS_OK;
    m->pair_key = LACUS__NEW(int64_t, K2);
    m->Wp = LACUS__ZNEW(double, K2 * d * V);
    if (!m->pair_key || !m->Wp)
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm: out of memory for %lld pair-gated readouts",
                           (long long)K2);
    m->n_pair = K2;
    return LACUS_OK;
}

int64_t lacus__pair_find(const lacus_lm *m, int32_t prev, int32_t tok)
{
    if (!m->n_pair || prev < 0) return -1;
    const int64_t key = (int64_t)prev * m->p.vocab_size + tok;
    int64_t lo = 0, hi = m->n_pair;
    while (lo < hi) { /* binary search of the ascending keys */
        int64_t mid = lo + (hi - lo) / 2;
        if (m->pair_key[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->n_pair && m->pair_key[lo] == key ? lo : -1;
}

void lacus__pair_score(const lacus_lm *m, const double *x, int32_t prev, int32_t tok, double *s)
{
    int64_t j = lacus__pair_find(m, prev, tok);
    if (j < 0) return;
    const int64_t d = m->xp.pair_units ? m->xp.pair_units : m->p.n_units, V = m->p.vocab_size;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)V, 1.0, m->Wp + j * d * V, (int)V, x, 1, 1.0, s, 1);
}

typedef struct pair_count {
    int64_t key, n;
} pair_count;

static int by_count(const void *a, const void *b)
{
    const pair_count *p = a, *q = b;
    if (p->n != q->n) return p->n > q->n ? -1 : 1;
    return p->key < q->key ? -1 : p->key > q->key;
}

static int by_key(const void *a, const void *b)
{
    int64_t p = *(const int64_t *)a, q = *(const int64_t *)b;
    return p < q ? -1 : p > q;
}

/* The K2 most frequent pairs of ids[0..n) into m->pair_key, ascending.
 * Counting by sorting the keys keeps memory at n (V^2 may be huge for word
 * or BPE vocabularies). */
static lacus_status choose_pairs(lacus_lm *m, const int32_t *ids, int64_t n)
{
    const int64_t V = m->p.vocab_size;
    int64_t K2 = m->xp.pair_gates, nk = n - 1;
    if (nk < 1) return lacus__pair_alloc(m, 0);
    int64_t *keys = LACUS__NEW(int64_t, nk);
    pair_count *pc = LACUS__NEW(pair_count, nk);
    if (!keys || !pc) {
        lacus__free(keys), lacus__free(pc);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm fit: out of memory counting token pairs");
    }
    for (int64_t t = 1; t < n; t++) keys[t - 1] = (int64_t)ids[t - 1] * V + ids[t];
    qsort(keys, (size_t)nk, sizeof *keys, by_key);
    int64_t np = 0;
    for (int64_t i = 0; i < nk;) {
        int64_t j = i;
        while (j < nk && keys[j] == keys[i]) j++;
        pc[np].key = keys[i], pc[np].n = j - i, np++;
        i = j;
    }
    qsort(pc, (size_t)np, sizeof *pc, by_count);
    if (K2 > np) K2 = np;
    lacus_status s = lacus__pair_alloc(m, K2);
    if (!s) {
        for (int64_t j = 0; j < K2; j++) m->pair_key[j] = pc[j].key;
        qsort(m->pair_key, (size_t)K2, sizeof *m->pair_key, by_key);
    }
    lacus__free(keys), lacus__free(pc);
    return s;
}

typedef struct pair_acc {
    int64_t K2, d, V;
    double *A;     /* (K2, d, d) upper triangles of Z_j^T Z_j */
    double *B;     /* (K2, d, V) Z_j^T R_j */
    double *buf;   /* (K2, PAIR_ROWS, d) rows waiting for their dsyrk */
    int64_t *fill; /* (K2) */
} pair_acc;

static void acc_free(pair_acc *a)
{
    lacus__free(a->A), lacus__free(a->B), lacus__free(a->buf), lacus__free(a->fill);
}

static void acc_flush(pair_acc *a, int64_t j)
{
    const int64_t d = a->d;
    if (!a->fill[j]) return;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)a->fill[j], 1.0, a->buf + j * PAIR_ROWS * d,
                (int)d, 1.0, a->A + j * d * d, (int)d);
    a->fill[j] = 0;
}

/* One row of pair j: state z (d), residual r (V). */
static void acc_add(pair_acc *a, int64_t j, const double *z, const double *r)
{
    const int64_t d = a->d, V = a->V;
    cblas_dger(CblasRowMajor, (int)d, (int)V, 1.0, z, 1, r, 1, a->B + j * d * V, (int)V);
    memcpy(a->buf + (j * PAIR_ROWS + a->fill[j]) * d, z, (size_t)d * sizeof *z);
    if (++a->fill[j] == PAIR_ROWS) acc_flush(a, j);
}

lacus_status lacus__pair_fit(lacus_lm *m, const int32_t *ids, int64_t n_train, lacus_lm_progress progress,
                             void *user)
{
    if (!m->xp.pair_gates) return lacus__pair_alloc(m, 0);
    lacus_status s = choose_pairs(m, ids, n_train);
    if (s || !m->n_pair) return s;
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F, K2 = m->n_pair;
    const int64_t d = m->xp.pair_units ? m->xp.pair_units : N, C = PAIR_CHUNK;
    /* The residual is that of the shared and token-gated readouts: the
     * rows are scored with prev = -1, i.e. without the pair readouts. */
    pair_acc a = {K2, d, V, NULL, NULL, NULL, NULL};
    a.A = LACUS__ZNEW(double, K2 * d * d);
    a.B = LACUS__ZNEW(double, K2 * d * V);
    a.buf = LACUS__NEW(double, K2 * PAIR_ROWS * d);
    a.fill = LACUS__ZNEW(int64_t, K2);
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N);
    double *Fx = LACUS__NEW(double, C * F), *S = LACUS__NEW(double, C * V);
    int32_t *tc = LACUS__NEW(int32_t, C), *pv = LACUS__NEW(int32_t, C), *yc = LACUS__NEW(int32_t, C);
    int64_t *jc = LACUS__NEW(int64_t, C);
    if (!a.A || !a.B || !a.buf || !a.fill || !x || !tmp || !Fx || !S || !tc || !pv || !yc || !jc) {
        s = lacus__fail(&m->err, LACUS_ERR_NOMEM,
                        "lm fit: out of memory for %lld pair-gated readouts of %lld units (%.1f GB; lower "
                        "pair_gates or pair_units)",
                        (long long)K2, (long long)d, (double)K2 * (double)d * (double)(d + V + PAIR_ROWS) * 8e-9);
        goto done;
    }
    int saved = lacus__blas_serial_begin();
    /* The same rows as the first pass: the state after token t (t >=
     * warmup) predicts token t + 1. */
    for (int64_t t = 0; t + 1 < n_train;) {
        int64_t r = 0;
        for (; r < C && t + 1 < n_train; t++) {
            lacus__lm_step(m, x, ids[t], tmp);
            if (t < m->p.warmup || t < 1) continue;
            int64_t j = lacus__pair_find(m, ids[t - 1], ids[t]);
            if (j < 0) continue;
            lacus__lm_features(m, x, ids[t], Fx + r * F);
            tc[r] = ids[t], pv[r] = -1, yc[r] = ids[t + 1], jc[r] = j;
            r++;
        }
        lacus__lm_chunk_scores(m, Fx, pv, tc, r, S); /* pv = -1: without pair readouts */
        for (int64_t q = 0; q < r; q++) {
            double *res = S + q * V;
            for (int64_t v = 0; v < V; v++) res[v] = -res[v];
            res[yc[q]] += 1.0;
            acc_add(&a, jc[q], Fx + q * F, res);
        }
        if (progress) progress(0.95 + 0.04 * (double)t / (double)n_train, user);
    }
    lacus__blas_serial_end(saved);
    for (int64_t j = 0; j < K2 && !s; j++) {
        acc_flush(&a, j);
        double *Aj = a.A + j * d * d, *Bj = a.B + j * d * V;
        for (int64_t i = 0; i < d; i++) Aj[i * d + i] += m->xp.pair_ridge;
        lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)d, (lapack_int)V, Aj, (lapack_int)d, Bj,
                                        (lapack_int)V);
        if (info != 0)
            s = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                            "lm fit: pair-gated readout %lld is not positive definite (info %d); raise pair_ridge",
                            (long long)j, (int)info);
        else
            memcpy(m->Wp + j * d * V, Bj, (size_t)(d * V) * sizeof *Bj);
    }
done:
    acc_free(&a);
    lacus__free(x), lacus__free(tmp), lacus__free(Fx), lacus__free(S);
    lacus__free(tc), lacus__free(pv), lacus__free(yc), lacus__free(jc);
    return s;
}
