/* Minimal-pair probe of a reservoir LM: log-probability margins between a
 * grammatical sentence and its minimally different ungrammatical twin, both
 * scored from the same state at the sentence start. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

/* log2 p of toks[0..len) starting from state x (copied) after tokens prev2,
 * prev (prev2 = -1: none). */
static double sentence_bits(const lacus_lm *m, const double *x0, int32_t prev2, int32_t prev, const int32_t *toks,
                            int64_t len, double *x, double *tmp, double *probs)
{
    const int64_t N = m->p.n_units;
    memcpy(x, x0, (size_t)N * sizeof *x);
    double lp = 0;
    for (int64_t i = 0; i < len; i++) {
        lacus__lm_next_probs(m, x, prev2, prev, probs);
        lp += log2(probs[toks[i]]);
        lacus__lm_step(m, x, toks[i], tmp);
        prev2 = prev, prev = toks[i];
    }
    return lp;
}

lacus_status lacus_lm_pair_margins(lacus_lm *m, const int32_t *good, const int32_t *bad, int64_t n, int64_t start,
                                   int32_t eos, double *margins, int64_t *first, int64_t cap, int64_t *n_pairs)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    if (!good || !bad || !n_pairs || n < 2 || start < 1 || cap < 0 || (cap && !margins))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm pairs: need n >= 2, start >= 1 and output buffers");
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm pairs: the model is not trained");
    for (int64_t i = 0; i < n; i++)
        if (good[i] < 0 || good[i] >= V || bad[i] < 0 || bad[i] >= V)
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm pairs: token %lld out of [0, %lld)", (long long)i, (long long)V);
    double *x = LACUS__ZNEW(double, N), *x0 = LACUS__NEW(double, N), *xs = LACUS__NEW(double, N);
    double *tmp = LACUS__NEW(double, N), *probs = LACUS__NEW(double, V);
    if (!x || !x0 || !xs || !tmp || !probs) {
        lacus__free(x), lacus__free(x0), lacus__free(xs), lacus__free(tmp), lacus__free(probs);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm pairs: out of memory");
    }
    int saved = lacus__blas_serial_begin();
    int64_t k = 0;
    /* x is the state after good[t - 1]; a sentence starts after an eos. */
    lacus__lm_step(m, x, good[0], tmp);
    for (int64_t t = 1; t < n;) {
        int64_t e = t;
        while (e < n - 1 && good[e] != eos) e++;
        int64_t len = e - t + 1, differs = 0;
        for (int64_t i = t; i <= e; i++) differs |= good[i] != bad[i];
        if (t >= start && differs) {
            memcpy(x0, x, (size_t)N * sizeof *x);
            double g = sentence_bits(m, x0, t > 1 ? good[t - 2] : -1, good[t - 1], good + t, len, xs, tmp, probs);
            double b = sentence_bits(m, x0, t > 1 ? good[t - 2] : -1, good[t - 1], bad + t, len, xs, tmp, probs);
            if (k < cap) {
                margins[k] = g - b;
                if (first) first[k] = t;
            }
            k++;
        }
        for (int64_t i = t; i <= e; i++) lacus__lm_step(m, x, good[i], tmp);
        t = e + 1;
    }
    lacus__blas_serial_end(saved);
    *n_pairs = k;
    lacus__free(x), lacus__free(x0), lacus__free(xs), lacus__free(tmp), lacus__free(probs);
    return LACUS_OK;
}
