/* Generation from the reservoir LM (lacus/lm.h, lacus_lm_generate): the
 * float copy of the readout, its register-blocked product, the sampler
 * (temperature, top-k, top-p, seeded) and the generation loop. */
#include "lang/rclm.h"

#include <math.h>
#include <string.h>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/blas.h"
#include "nodes/activation.h"
#include "nodes/reservoir.h"

/* lacus__lm_step that also leaves the new state in single precision in xf
 * (N) for generation's float readout, saving it a pass over x. */
static void step_gen(const lacus_lm *m, double *x, int32_t tok, double *tmp, float *xf)
{
    const int64_t N = m->p.n_units;
    const double lr = m->p.lr;
    lacus__lm_preact(m, x, tok, tmp);
    if (m->lrv) { /* slow units: per-unit leak rates */
        for (int64_t i = 0; i < N; i++) {
            x[i] = (1.0 - m->lrv[i]) * x[i] + m->lrv[i] * tmp[i];
            xf[i] = (float)x[i];
        }
        return;
    }
    for (int64_t i = 0; i < N; i++) {
        x[i] = (1.0 - lr) * x[i] + lr * tmp[i];
        xf[i] = (float)x[i];
    }
}

lacus_status lacus__lm_make_f32(lacus_lm *m)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, K = m->n_gate;
    lacus__free(m->Wf), lacus__free(m->Wgf);
    m->ldf = (V + 95) / 96 * 96;
    m->Wf = LACUS__ZNEW(float, N * m->ldf);
    m->Wgf = LACUS__NEW(float, K ? K * N * V : 1);
    if (!m->Wf || !m->Wgf) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm: out of memory for the float readout");
    for (int64_t i = 0; i < N; i++)
        for (int64_t v = 0; v < V; v++) m->Wf[i * m->ldf + v] = (float)m->Wout[i * V + v];
    for (int64_t i = 0; i < K * N * V; i++) m->Wgf[i] = (float)m->Wg[i];
    return LACUS_OK;
}

/* s (ldw) = W^T x for W (N, ldw) in float, ldw a multiple of 96: every
 * column summed over i = 0 .. N-1 in order by fused multiply-adds, so the
 * AVX2 path (12 accumulators of 8 columns held in registers; the
 * generation step's readout, 4x faster than OpenBLAS's sgemv at N = 1,000,
 * V = 84, which re-reads its partial sums) and the portable path give the
 * same bits. Written here because no BLAS fixes its summation order. */
static void readout_f32(const float *W, int64_t ldw, const float *x, int64_t N, float *s)
{
#if defined(__AVX2__) && defined(__FMA__)
    for (int64_t v0 = 0; v0 < ldw; v0 += 96) {
        __m256 a[12];
        for (int b = 0; b < 12; b++) a[b] = _mm256_setzero_ps();
        for (int64_t i = 0; i < N; i++) {
            const __m256 xi = _mm256_broadcast_ss(x + i);
            const float *r = W + i * ldw + v0;
            for (int b = 0; b < 12; b++) a[b] = _mm256_fmadd_ps(xi, _mm256_loadu_ps(r + 8 * b), a[b]);
        }
        for (int b = 0; b < 12; b++) _mm256_storeu_ps(s + v0 + 8 * b, a[b]);
    }
#else
    for (int64_t v = 0; v < ldw; v++) s[v] = 0.0f;
    for (int64_t i = 0; i < N; i++)
        for (int64_t v = 0; v < ldw; v++) s[v] = fmaf(x[i], W[i * ldw + v], s[v]);
#endif
}

/* Generation's scores: the state readout in single precision (the N x V
 * matrix then fits in a core's L2 at N = 1000, which halves the time of the
 * step), the rest in double. xf (N): the state in float (step_gen); sf
 * (ldf) is scratch. */
static void next_scores_f32(const lacus_lm *m, const double *x, const float *xf, int32_t prev, int32_t tok,
                            float *sf, double *s)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    readout_f32(m->Wf, m->ldf, xf, N, sf);
    if (m->n_gate && m->gate_of[tok] >= 0)
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)N, (int)V, 1.0f, m->Wgf + (int64_t)m->gate_of[tok] * N * V,
                    (int)V, xf, 1, 1.0f, sf, 1);
    for (int64_t v = 0; v < V; v++) s[v] = m->b[v] + (double)sf[v];
    if (m->p.feed_token)
        for (int64_t v = 0; v < V; v++) s[v] += m->Wout[(N + tok) * V + v];
    lacus__pair_score(m, x, prev, tok, s); /* in double: K2 d V floats more would not stay in cache anyway */
}

lacus_sample_params lacus_sample_params_default(void)
{
    lacus_sample_params s = {1.0, 0, 1.0, 1};
    return s;
}

/* Draws from probs after the top-k / top-p filters; order (V) is scratch. */
int32_t lacus__lm_sample(double *probs, int64_t V, const lacus_sample_params *sp, int32_t *order, lacus__rng *r)
{
    int64_t keep = V;
    if (sp->top_k > 0 || sp->top_p < 1.0) {
        /* Partial selection sort: only the kept head is ordered. */
        for (int64_t v = 0; v < V; v++) order[v] = (int32_t)v;
        int64_t kmax = sp->top_k > 0 && sp->top_k < V ? sp->top_k : V;
        double mass = 0;
        for (keep = 0; keep < kmax;) {
            int64_t best = keep;
            for (int64_t j = keep + 1; j < V; j++)
                if (probs[order[j]] > probs[order[best]]) best = j;
            int32_t t = order[keep];
            order[keep] = order[best], order[best] = t;
            mass += probs[order[keep]];
            keep++;
            if (mass >= sp->top_p) break;
        }
        double u = lacus__rng_uniform(r) * mass, c = 0;
        for (int64_t j = 0; j < keep; j++)
            if ((c += probs[order[j]]) > u) return order[j];
        return order[keep - 1];
    }
    double u = lacus__rng_uniform(r), c = 0;
    for (int64_t v = 0; v < V; v++)
        if ((c += probs[v]) > u) return (int32_t)v;
    for (int64_t v = V - 1; v > 0; v--) /* round-off: the last token with mass */
        if (probs[v] > 0) return (int32_t)v;
    return 0;
}

lacus_status lacus_lm_generate(lacus_lm *m, const int32_t *prompt, int64_t n_prompt, int64_t n_gen,
                               const lacus_sample_params *sp, int32_t *out)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    lacus_sample_params d = lacus_sample_params_default();
    if (!sp) sp = &d;
    if (!prompt || n_prompt < 1 || n_gen < 0 || (n_gen && !out))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm generate: need a prompt of >= 1 token and n_gen >= 0");
    if (!(sp->temperature > 0 && sp->temperature < 1e6) || sp->top_k < 0 || !(sp->top_p > 0 && sp->top_p <= 1))
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "lm generate: temperature = %g must be in (0, 1e6), top_k = %lld >= 0, top_p = %g in (0, 1]",
                           sp->temperature, (long long)sp->top_k, sp->top_p);
    if (!m->trained) return lacus__fail(&m->err, LACUS_ERR_STATE, "lm generate: the model is not trained");
    lacus_status s = lacus__lm_check_ids(m, prompt, n_prompt, "generate prompt");
    if (s) return s;
    const int64_t N = m->p.n_units, V = m->p.vocab_size;
    double *x = LACUS__ZNEW(double, N), *tmp = LACUS__NEW(double, N), *probs = LACUS__NEW(double, V);
    int32_t *order = LACUS__NEW(int32_t, V);
    float *xf = LACUS__NEW(float, N), *sf = LACUS__NEW(float, m->ldf);
    if (!x || !tmp || !probs || !order || !xf || !sf) {
        s = lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm generate: out of memory");
        goto done;
    }
    lacus__rng r;
    lacus__rng_seed(&r, sp->seed);
    int saved = lacus__blas_serial_begin(); /* per-token gemv: no team barriers */
    for (int64_t t = 0; t < n_prompt; t++) step_gen(m, x, prompt[t], tmp, xf);
    int32_t tok = prompt[n_prompt - 1], prev = n_prompt > 1 ? prompt[n_prompt - 2] : -1;
    for (int64_t t = 0; t < n_gen; t++) {
        next_scores_f32(m, x, xf, prev, tok, sf, probs);
        lacus__lm_scores_to_probs(m, sp->temperature, probs);
        prev = tok;
        tok = out[t] = lacus__lm_sample(probs, V, sp, order, &r);
        step_gen(m, x, tok, tmp, xf);
    }
    lacus__blas_serial_end(saved);
done:
    lacus__free(x), lacus__free(tmp), lacus__free(probs), lacus__free(order), lacus__free(xf), lacus__free(sf);
    return s;
}
