/* Formal skills (lacus/sweep.h): copy, reverse, counting and Dyck closure
 * on the streams of lacus_formal_generate, scored where the grammar
 * leaves exactly one structural token possible. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

enum { F_END = 0, F_SYM = 2 };

typedef struct formal_acc {
    lacus_formal_task task;
    int64_t k, V;
    double acc, cont, nll;
    int64_t cnt, probed;
} formal_acc;

static int64_t task_vocab(lacus_formal_task task, int64_t k)
{
    return task == LACUS_FORMAL_DYCK ? 2 + 2 * k : task == LACUS_FORMAL_COUNT ? 4 : 2 + k;
}

static lacus_status formal_begin(formal_acc *a, lacus_formal_task task, int64_t k, const int32_t *ids,
                                 const double *tp, int64_t n, int64_t V, int64_t start, lacus_error *err)
{
    memset(a, 0, sizeof *a);
    if ((unsigned)task > 3) return lacus__fail(err, LACUS_ERR_ARG, "formal skill: task = %d must be 0..3", (int)task);
    if (task == LACUS_FORMAL_COUNT) k = 2;
    if (k < 1 || V != task_vocab(task, k))
        return lacus__fail(err, LACUS_ERR_ARG, "formal skill: V = %lld does not match the task with k = %lld (V = %lld)",
                           (long long)V, (long long)k, (long long)task_vocab(task, k));
    if (!ids || !tp || n < 2 || start < 1 || start >= n)
        return lacus__fail(err, LACUS_ERR_ARG, "formal skill: need ids, true probabilities and 1 <= start < n "
                           "(n = %lld, start = %lld)", (long long)n, (long long)start);
    for (int64_t t = 0; t < n; t++)
        if (ids[t] < 0 || ids[t] >= V)
            return lacus__fail(err, LACUS_ERR_ARG, "formal skill: token %lld = %d out of [0, %lld)", (long long)t,
                               (int)ids[t], (long long)V);
    for (int64_t t = start; t < n; t++)
        if (!(tp[t * V + ids[t]] > 0))
            return lacus__fail(err, LACUS_ERR_ARG, "formal skill: token %lld has true probability %g: the "
                               "probabilities do not belong to these ids", (long long)t, tp[t * V + ids[t]]);
    a->task = task, a->k = k, a->V = V;
    return LACUS_OK;
}

static void formal_add(formal_acc *a, const double *p, const double *q, int32_t id)
{
    const int64_t V = a->V, k = a->k;
    a->nll -= log2(q[id] > 1e-300 ? q[id] : 1e-300);
    a->probed++;
    /* The structural set S and its one allowed token. */
    int64_t set[2 + 10001], m = 0, want = -1;
    if (a->task == LACUS_FORMAL_DYCK) {
        set[m++] = F_END;
        for (int64_t i = 0; i < k; i++) set[m++] = F_SYM + k + i;
        for (int64_t i = 0; i < m; i++)
            if (p[set[i]] > 0) want = i;
    } else {
        for (int64_t v = 0; v < V; v++)
            if (p[v] >= 1 - 1e-12) want = v;
        if (want < 0) return;
        for (int64_t v = 0; v < V; v++) set[m++] = v;
    }
    if (want < 0) return;
    double mx = -1, qs = 0;
    for (int64_t i = 0; i < m; i++) mx = q[set[i]] > mx ? q[set[i]] : mx, qs += q[set[i]];
    int64_t tied = 0;
    for (int64_t i = 0; i < m; i++) tied += q[set[i]] == mx;
    double qt = q[set[want]];
    /* Ties are a random choice among the tied tokens: uniform q scores 1/|S|. */
    a->acc += qt == mx ? 1.0 / (double)tied : 0.0;
    a->cont += log2((qt > 1e-300 ? qt : 1e-300) / (qs > 1e-300 ? qs : 1e-300));
    a->cnt++;
}

static void formal_end(const formal_acc *a, lacus_skill_score *out, double *bits)
{
    out->n = a->cnt;
    out->acc = a->cnt ? a->acc / (double)a->cnt : NAN;
    out->cont = a->cnt ? a->cont / (double)a->cnt : NAN;
    if (bits) *bits = a->probed ? a->nll / (double)a->probed : NAN;
}

lacus_status lacus_formal_skill_from_probs(lacus_formal_task task, int64_t k, const double *model_probs,
                                           const int32_t *ids, const double *true_probs, int64_t n, int64_t V,
                                           int64_t start, lacus_skill_score *out, lacus_error *err)
{
    lacus__clear(err);
    if (!model_probs || !out) return lacus__fail(err, LACUS_ERR_ARG, "formal skill: model_probs and out are required");
    if (k > 10000) return lacus__fail(err, LACUS_ERR_ARG, "formal skill: k = %lld must be <= 10000", (long long)k);
    formal_acc a;
    lacus_status s = formal_begin(&a, task, k, ids, true_probs, n, V, start, err);
    if (s) return s;
    for (int64_t t = start; t < n; t++) {
        const double *q = model_probs + t * V;
        for (int64_t v = 0; v < V; v++)
            if (!(q[v] >= 0 && q[v] <= 1e300))
                return lacus__fail(err, LACUS_ERR_ARG, "formal skill: model_probs[%lld, %lld] = %g: must be finite "
                                   "and >= 0", (long long)t, (long long)v, q[v]);
        formal_add(&a, true_probs + t * V, q, ids[t]);
    }
    formal_end(&a, out, NULL);
    return LACUS_OK;
}

lacus_status lacus_lm_formal_skill(lacus_lm *m, lacus_formal_task task, int64_t k, const int32_t *ids,
                                   const double *true_probs, int64_t n, int64_t start, lacus_skill_score *out,
                                   double *bits)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    if (!out) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm formal skill: out is NULL");
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm formal skill: the model is not trained");
    if (k > 10000) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm formal skill: k = %lld must be <= 10000", (long long)k);
    formal_acc a;
    lacus_status s = formal_begin(&a, task, k, ids, true_probs, n, V, start, &m->err);
    if (s) return lacus__prefix(&m->err, "lm "), s;
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N), *q = LACUS__NEW(double, V);
    if (!x || !tmp || !q) {
        lacus__free(x), lacus__free(tmp), lacus__free(q);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm formal skill: out of memory (N = %lld)", (long long)N);
    }
    int saved = lacus__blas_serial_begin();
    lacus__lm_step(m, x, ids[0], tmp);
    for (int64_t t = 1; t < n; t++) {
        if (t >= start) {
            lacus__lm_next_probs(m, x, t > 1 ? ids[t - 2] : -1, ids[t - 1], q);
            formal_add(&a, true_probs + t * V, q, ids[t]);
        }
        lacus__lm_step(m, x, ids[t], tmp);
    }
    lacus__blas_serial_end(saved);
    formal_end(&a, out, bits);
    lacus__free(x), lacus__free(tmp), lacus__free(q);
    return LACUS_OK;
}
