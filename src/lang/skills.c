/* Skill probes (lacus/sweep.h): one pass over the probed text gives the
 * model's next-token distribution at every position, and each skill reads
 * the positions its annotations mark. The scoring is shared by the
 * reservoir LM (distributions computed on the fly) and by any model given
 * as a matrix of distributions (n-gram baselines, hand-built tests). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

enum { K = LACUS_SKILL_COUNT };

static const char *const skill_ids[K] = {"S0", "S2", "S3", "S6", "S8", "S1", "S7"};
static const char *const skill_names[K] = {
    "word class", "agreement, no attractor", "agreement across attractors", "clause closure",
    "reflexive agreement", "local agreement", "argument structure"};

const char *lacus_skill_id(int skill) { return skill >= 0 && skill < K ? skill_ids[skill] : NULL; }
const char *lacus_skill_name(int skill) { return skill >= 0 && skill < K ? skill_names[skill] : NULL; }

#define N_CLASS 9 /* lacus_lgen_class */
#define TINY 1e-300

/* Bernoulli KL(p || q) in bits, q clipped away from 0 and 1 so that a model
 * certain of the wrong answer costs a large but finite amount. */
static double kl_bern(double p, double q)
{
    const double lo = 1e-12;
    q = q < lo ? lo : q > 1 - lo ? 1 - lo : q;
    double k = 0;
    if (p > 0) k += p * log2(p / q);
    if (p < 1) k += (1 - p) * log2((1 - p) / (1 - q));
    return k;
}

static int argmax_class(const double *mass)
{
    int b = 0;
    for (int c = 1; c < N_CLASS; c++)
        if (mass[c] > mass[b]) b = c;
    return b;
}

/* Credit of answer `want` under scores s (n): 1/m when it is one of the m
 * answers tied at the maximum, else 0 (a random tie-break in expectation). */
static double tie_credit(const double *s, int64_t n, int64_t want)
{
    double mx = s[0];
    for (int64_t i = 1; i < n; i++) mx = s[i] > mx ? s[i] : mx;
    if (s[want] < mx) return 0;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) m += s[i] == mx;
    return 1.0 / (double)m;
}

static double clip(double v) { return v > TINY ? v : TINY; }

/* ---- grammar skills ------------------------------------------------------ */

typedef struct skill_acc {
    const int32_t *ids, *twin;
    const lacus_lgen_annot *annot;
    const double *tp;
    int64_t V;
    int32_t eos;
    int32_t *cls; /* (V): class of each word as seen in ids, or -1 */
    double acc[K], cont[K], nll;
    int64_t cnt[K], probed;
    /* S6 and S7 are balanced accuracies: their "likely" side is rare. */
    double hit[2][2];
    int64_t nb[2][2];
} skill_acc;

static lacus_status acc_begin(skill_acc *a, const int32_t *ids, const int32_t *twin, const lacus_lgen_annot *annot,
                              const double *tp, int64_t n, int64_t V, int64_t start, int32_t eos, lacus_error *err)
{
    memset(a, 0, sizeof *a);
    a->ids = ids, a->twin = twin, a->annot = annot, a->tp = tp, a->V = V, a->eos = eos;
    if (!ids || !twin || !annot || !tp || n < 2 || start < 1 || start >= n || V < 2)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "skills: need ids, twins, annotations, true probabilities, n >= 2 and 1 <= start < n "
                           "(n = %lld, start = %lld)", (long long)n, (long long)start);
    if (eos < 0 || eos >= V) return lacus__fail(err, LACUS_ERR_ARG, "skills: eos = %d out of [0, %lld)", (int)eos, (long long)V);
    a->cls = LACUS__NEW(int32_t, V);
    if (!a->cls) return lacus__fail(err, LACUS_ERR_NOMEM, "skills: out of memory");
    for (int64_t v = 0; v < V; v++) a->cls[v] = -1;
    for (int64_t t = 0; t < n; t++) {
        if (ids[t] < 0 || ids[t] >= V || twin[t] < 0 || twin[t] >= V)
            return lacus__fail(err, LACUS_ERR_ARG, "skills: token %lld out of [0, %lld)", (long long)t, (long long)V);
        if (annot[t].cls < 0 || annot[t].cls >= N_CLASS)
            return lacus__fail(err, LACUS_ERR_ARG, "skills: token %lld has class %d, not an lgen class", (long long)t,
                               (int)annot[t].cls);
        if (a->cls[ids[t]] < 0) a->cls[ids[t]] = annot[t].cls;
    }
    for (int64_t t = start; t < n; t++)
        if (!(tp[t * V + ids[t]] > 0))
            return lacus__fail(err, LACUS_ERR_ARG,
                               "skills: token %lld has true probability %g: the probabilities do not belong to "
                               "these ids", (long long)t, tp[t * V + ids[t]]);
    return LACUS_OK;
}

/* Position t with model distribution q (V). */
static void acc_add(skill_acc *a, int64_t t, const double *q)
{
    const int64_t V = a->V;
    const double *p = a->tp + t * V;
    const int32_t id = a->ids[t], tw = a->twin[t];
    const lacus_lgen_annot *an = &a->annot[t];
    a->nll -= log2(clip(q[id]));
    a->probed++;
    /* S0: class masses of the model and of the grammar. */
    double mq[N_CLASS] = {0}, mp[N_CLASS] = {0};
    for (int64_t v = 0; v < V; v++)
        if (a->cls[v] >= 0) mq[a->cls[v]] += q[v], mp[a->cls[v]] += p[v];
    a->acc[0] += tie_credit(mq, N_CLASS, argmax_class(mp));
    a->cont[0] += log2(clip(mq[an->cls]));
    a->cnt[0]++;
    /* S6: "." likely exactly where the grammar makes it likely. */
    int likely = p[a->eos] > 0.5;
    a->hit[0][likely] += (q[a->eos] > 0.5) == likely;
    a->nb[0][likely]++;
    a->cont[3] -= kl_bern(p[a->eos], q[a->eos]);
    a->cnt[3]++;
    /* S7: after a verb, an object (a determiner) exactly where required. */
    if (t >= 1 && a->annot[t - 1].cls == LACUS_LGEN_VERB) {
        double po = 0, qo = 0;
        for (int64_t v = 0; v < V; v++)
            if (a->cls[v] == LACUS_LGEN_DET) po += p[v], qo += q[v];
        int need = po > 0.5;
        a->hit[1][need] += (qo > 0.5) == need;
        a->nb[1][need]++;
        a->cont[6] -= kl_bern(po, qo);
        a->cnt[6]++;
    }
    /* S1, S2, S3, S8: the correct form against its flipped twin. */
    int sk = -1;
    if (tw != id) {
        if (an->cls == LACUS_LGEN_NOUN) sk = 5;
        else if (an->link >= 0 && an->cls == LACUS_LGEN_REFL) sk = 4;
        else if (an->link >= 0 && an->cls == LACUS_LGEN_VERB) sk = an->attractors > 0 ? 2 : 1;
    }
    if (sk >= 0) {
        double g = clip(q[id]), b = clip(q[tw]);
        a->acc[sk] += g > b ? 1.0 : g == b ? 0.5 : 0.0;
        a->cont[sk] += log2(g / b);
        a->cnt[sk]++;
    }
}

static double balanced(const double hit[2], const int64_t nb[2])
{
    if (nb[0] && nb[1]) return 0.5 * (hit[0] / (double)nb[0] + hit[1] / (double)nb[1]);
    return (nb[0] + nb[1]) ? (hit[0] + hit[1]) / (double)(nb[0] + nb[1]) : NAN;
}

static void acc_end(skill_acc *a, lacus_skill_score *out, double *bits)
{
    for (int s = 0; s < K; s++) {
        out[s].n = a->cnt[s];
        out[s].acc = a->cnt[s] ? a->acc[s] / (double)a->cnt[s] : NAN;
        out[s].cont = a->cnt[s] ? a->cont[s] / (double)a->cnt[s] : NAN;
    }
    if (a->cnt[3]) out[3].acc = balanced(a->hit[0], a->nb[0]);
    if (a->cnt[6]) out[6].acc = balanced(a->hit[1], a->nb[1]);
    if (bits) *bits = a->probed ? a->nll / (double)a->probed : NAN;
    lacus__free(a->cls);
    a->cls = NULL;
}

static lacus_status check_row(const double *q, int64_t V, int64_t t, lacus_error *err)
{
    for (int64_t v = 0; v < V; v++)
        if (!(q[v] >= 0 && q[v] <= 1e300))
            return lacus__fail(err, LACUS_ERR_ARG, "skills: model_probs[%lld, %lld] = %g: must be finite and >= 0",
                               (long long)t, (long long)v, q[v]);
    return LACUS_OK;
}

lacus_status lacus_skills_from_probs(const double *model_probs, const int32_t *ids, const int32_t *twin,
                                     const lacus_lgen_annot *annot, const double *true_probs, int64_t n, int64_t V,
                                     int64_t start, int32_t eos, lacus_skill_score *out, double *bits,
                                     lacus_error *err)
{
    lacus__clear(err);
    if (!model_probs || !out) return lacus__fail(err, LACUS_ERR_ARG, "skills: model_probs and out are required");
    skill_acc a;
    lacus_status s = acc_begin(&a, ids, twin, annot, true_probs, n, V, start, eos, err);
    for (int64_t t = start; t < n && !s; t++)
        if (!(s = check_row(model_probs + t * V, V, t, err))) acc_add(&a, t, model_probs + t * V);
    if (s) {
        lacus__free(a.cls);
        return s;
    }
    acc_end(&a, out, bits);
    return LACUS_OK;
}

lacus_status lacus_lm_skills(lacus_lm *m, const int32_t *ids, const int32_t *twin, const lacus_lgen_annot *annot,
                             const double *true_probs, int64_t n, int64_t start, int32_t eos, lacus_skill_score *out,
                             double *bits)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    if (!out) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm skills: out is NULL");
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm skills: the model is not trained");
    skill_acc a;
    lacus_status s = acc_begin(&a, ids, twin, annot, true_probs, n, V, start, eos, &m->err);
    if (s) {
        lacus__free(a.cls);
        lacus__prefix(&m->err, "lm ");
        return s;
    }
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N), *q = LACUS__NEW(double, V);
    if (!x || !tmp || !q) {
        lacus__free(a.cls), lacus__free(x), lacus__free(tmp), lacus__free(q);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm skills: out of memory (N = %lld)", (long long)N);
    }
    int saved = lacus__blas_serial_begin();
    lacus__lm_step(m, x, ids[0], tmp);
    for (int64_t t = 1; t < n; t++) {
        if (t >= start) {
            lacus__lm_next_probs(m, x, t > 1 ? ids[t - 2] : -1, ids[t - 1], q);
            acc_add(&a, t, q);
        }
        lacus__lm_step(m, x, ids[t], tmp);
    }
    lacus__blas_serial_end(saved);
    acc_end(&a, out, bits);
    lacus__free(x), lacus__free(tmp), lacus__free(q);
    return LACUS_OK;
}
