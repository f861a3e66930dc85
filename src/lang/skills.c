/* Skill probes of a reservoir LM on an lgen stream (lacus/sweep.h): one pass
 * over the probed text computes the model's next-token distribution at
 * every position, and each skill reads the positions its annotations mark. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

static const char *const skill_ids[LACUS_SKILL_COUNT] = {"S0", "S2", "S3", "S6", "S8"};
static const char *const skill_names[LACUS_SKILL_COUNT] = {
    "word class", "agreement, no attractor", "agreement across attractors", "clause closure",
    "reflexive agreement"};

const char *lacus_skill_id(int skill) { return skill >= 0 && skill < LACUS_SKILL_COUNT ? skill_ids[skill] : NULL; }
const char *lacus_skill_name(int skill)
{
    return skill >= 0 && skill < LACUS_SKILL_COUNT ? skill_names[skill] : NULL;
}

#define N_CLASS 9 /* lacus_lgen_class */

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

lacus_status lacus_lm_skills(lacus_lm *m, const int32_t *ids, const int32_t *bad, const lacus_lgen_annot *annot,
                             const double *true_probs, int64_t n, int64_t start, int32_t eos,
                             lacus_skill_score *out, double *bits)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    if (!ids || !bad || !annot || !true_probs || !out || n < 2 || start < 1 || start >= n)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "lm skills: need ids, bad, annotations, true probabilities, n >= 2 and 1 <= start < n "
                           "(n = %lld, start = %lld)", (long long)n, (long long)start);
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm skills: the model is not trained");
    if (eos < 0 || eos >= V) return lacus__fail(&m->err, LACUS_ERR_ARG, "lm skills: eos = %d out of [0, %lld)", (int)eos, (long long)V);
    int32_t *cls = LACUS__NEW(int32_t, V);
    if (!cls) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm skills: out of memory");
    for (int64_t v = 0; v < V; v++) cls[v] = -1;
    for (int64_t t = 0; t < n; t++) {
        if (ids[t] < 0 || ids[t] >= V || bad[t] < 0 || bad[t] >= V) {
            lacus__free(cls);
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm skills: token %lld out of [0, %lld)", (long long)t, (long long)V);
        }
        if (annot[t].cls < 0 || annot[t].cls >= N_CLASS) {
            lacus__free(cls);
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm skills: token %lld has class %d, not an lgen class",
                               (long long)t, (int)annot[t].cls);
        }
        if (cls[ids[t]] < 0) cls[ids[t]] = annot[t].cls;
    }
    for (int64_t t = start; t < n; t++) {
        const double *p = true_probs + t * V;
        if (!(p[ids[t]] > 0)) {
            lacus__free(cls);
            return lacus__fail(&m->err, LACUS_ERR_ARG,
                               "lm skills: token %lld has true probability %g: the probabilities do not belong to "
                               "these ids", (long long)t, p[ids[t]]);
        }
    }
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N), *q = LACUS__NEW(double, V);
    if (!x || !tmp || !q) {
        lacus__free(cls), lacus__free(x), lacus__free(tmp), lacus__free(q);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm skills: out of memory (N = %lld)", (long long)N);
    }
    double acc[LACUS_SKILL_COUNT] = {0}, cont[LACUS_SKILL_COUNT] = {0}, nll = 0;
    int64_t cnt[LACUS_SKILL_COUNT] = {0};
    /* S6 is a balanced accuracy: "." is impossible at most positions, so a
     * model that never predicts it would score ~0.9 on plain accuracy. */
    double hit6[2] = {0, 0};
    int64_t n6[2] = {0, 0};
    int saved = lacus__blas_serial_begin();
    lacus__lm_step(m, x, ids[0], tmp);
    for (int64_t t = 1; t < n; t++) {
        if (t >= start) {
            lacus__lm_next_probs(m, x, ids[t - 1], q);
            const double *p = true_probs + t * V;
            nll -= log2(q[ids[t]] > 1e-300 ? q[ids[t]] : 1e-300);
            /* S0: class masses of the model and of the grammar. */
            double mq[N_CLASS] = {0}, mp[N_CLASS] = {0};
            for (int64_t v = 0; v < V; v++)
                if (cls[v] >= 0) mq[cls[v]] += q[v], mp[cls[v]] += p[v];
            acc[0] += argmax_class(mq) == argmax_class(mp);
            double mc = mq[annot[t].cls];
            cont[0] += log2(mc > 1e-300 ? mc : 1e-300);
            cnt[0]++;
            /* S6: "." likely exactly where the grammar makes it likely. */
            int likely = p[eos] > 0.5;
            hit6[likely] += (q[eos] > 0.5) == likely;
            n6[likely]++;
            cont[3] -= kl_bern(p[eos], q[eos]);
            cnt[3]++;
            /* S2, S3, S8: the correct form against its flipped twin. */
            int sk = -1;
            if (bad[t] != ids[t] && annot[t].link >= 0) {
                if (annot[t].cls == LACUS_LGEN_REFL) sk = 4;
                else if (annot[t].cls == LACUS_LGEN_VERB) sk = annot[t].attractors > 0 ? 2 : 1;
            }
            if (sk >= 0) {
                double g = q[ids[t]] > 1e-300 ? q[ids[t]] : 1e-300, b = q[bad[t]] > 1e-300 ? q[bad[t]] : 1e-300;
                acc[sk] += g > b;
                cont[sk] += log2(g / b);
                cnt[sk]++;
            }
        }
        lacus__lm_step(m, x, ids[t], tmp);
    }
    lacus__blas_serial_end(saved);
    acc[3] = n6[0] && n6[1] ? 0.5 * (hit6[0] / (double)n6[0] + hit6[1] / (double)n6[1]) * (double)cnt[3]
                           : (hit6[0] + hit6[1]);
    for (int s = 0; s < LACUS_SKILL_COUNT; s++) {
        out[s].n = cnt[s];
        out[s].acc = cnt[s] ? acc[s] / (double)cnt[s] : NAN;
        out[s].cont = cnt[s] ? cont[s] / (double)cnt[s] : NAN;
    }
    if (bits) *bits = nll / (double)(n - start);
    lacus__free(cls), lacus__free(x), lacus__free(tmp), lacus__free(q);
    return LACUS_OK;
}
