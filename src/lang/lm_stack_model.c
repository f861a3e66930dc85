/* The stacked reservoir LM as a model (lacus/lm.h, lacus_lm_stack_*):
 * trained through lacus_stack like lacus_lm_stack_eval, then kept as L
 * reservoirs with their readouts and calibrations so that it scores text
 * one token at a time, generates, and is saved (lm_stack_io.c).
 *
 * One step of depth l: x_l <- reservoir_l(x_l, u_l), s_l = Wout_l^T [x_l,
 * u_l] + b_l (u_l in the features with feed_token), u_0 = onehot(token),
 * u_{l+1} = s_l: the arithmetic lacus_stack_run does, so the scores equal
 * its outputs (to rounding in the readout). The step itself is in
 * lm_stack_step.c. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "lang/lm_stack.h"
#include "lang/rclm.h"
#include "linalg/blas.h"

#define CTX 1000       /* context before the calibration tokens, as lacus_lm_stack_eval */
#define MAX_CALIB 50000

void lacus_lm_stack_free(lacus_lm_stack *m)
{
    if (!m) return;
    for (int64_t l = 0; l < 16; l++) {
        lacus_reservoir_free(m->res[l]);
        lacus__free(m->Wout[l]), lacus__free(m->b[l]), lacus__free(m->WinT[l]);
        lacus__free(m->Woutf[l]), lacus__free(m->WinTf[l]);
        lacus__free(m->Wp[l]), lacus__free(m->Dp[l]), lacus__free(m->Dt[l]), lacus__free(m->Dc[l]);
    }
    lacus__free(m);
}

const char *lacus_lm_stack_errmsg(const lacus_lm_stack *m) { return m ? m->err.msg : "NULL model"; }
int64_t lacus_lm_stack_n_layers(const lacus_lm_stack *m) { return m ? m->L : 0; }
const lacus_lm_params *lacus_lm_stack_params(const lacus_lm_stack *m) { return m ? &m->p : NULL; }
double lacus_lm_stack_beta(const lacus_lm_stack *m, int64_t l) { return m && l >= 0 && l < m->L ? m->beta[l] : NAN; }
double lacus_lm_stack_eps(const lacus_lm_stack *m, int64_t l) { return m && l >= 0 && l < m->L ? m->eps[l] : NAN; }

lacus_status lacus__lm_stack_alloc(const lacus_lm_params *p, int64_t n_layers, lacus_lm_stack **out, lacus_error *err)
{
    *out = NULL;
    lacus_status s = lacus_lm_params_check(p, err);
    if (s) return s;
    if (n_layers < 1 || n_layers > 16)
        return lacus__fail(err, LACUS_ERR_ARG, "lm stack: n_layers = %lld must be in [1, 16]", (long long)n_layers);
    if (p->gate_tokens)
        return lacus__fail(err, LACUS_ERR_ARG, "lm stack: the layers' ridge readouts have no gates (gate_tokens "
                           "= %lld: set 0)", (long long)p->gate_tokens);
    lacus_lm_stack *m = LACUS__ZNEW(lacus_lm_stack, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "lm stack: out of memory");
    m->p = *p, m->L = n_layers;
    const int64_t N = p->n_units, V = p->vocab_size;
    m->F = N + (p->feed_token ? V : 0);
    for (int64_t l = 0; l < n_layers; l++) {
        /* The reservoir of layer l as lacus_stack's ESN draws it. */
        lacus_esn_params e = lacus__lm_stack_layer_params(p, l);
        if ((s = lacus_reservoir_create(&e.reservoir, &m->res[l], err))) {
            lacus_lm_stack_free(m);
            return s;
        }
        m->Wout[l] = LACUS__NEW(double, m->F * V), m->b[l] = LACUS__NEW(double, V);
        m->eps[l] = 1e-3, m->beta[l] = 1;
        if (!m->Wout[l] || !m->b[l] || lacus__lm_stack_build_winT(m, l)) {
            lacus_lm_stack_free(m);
            return lacus__fail(err, LACUS_ERR_NOMEM, "lm stack: out of memory for %lld readouts of (%lld, %lld) "
                               "and input matrices of (%lld, %lld)", (long long)n_layers, (long long)m->F,
                               (long long)V, (long long)V, (long long)N);
        }
    }
    *out = m;
    return LACUS_OK;
}

static lacus_status check_ids(lacus_lm_stack *m, const int32_t *ids, int64_t n, const char *what)
{
    for (int64_t t = 0; t < n; t++)
        if (ids[t] < 0 || ids[t] >= m->p.vocab_size)
            return lacus__fail(&m->err, LACUS_ERR_ARG, "lm stack %s: ids[%lld] = %d not in [0, %lld)", what,
                               (long long)t, (int)ids[t], (long long)m->p.vocab_size);
    return LACUS_OK;
}

lacus_status lacus_lm_stack_train(const lacus_lm_params *p, int64_t n_layers, const int32_t *ids, int64_t n_train,
                                  int64_t n_calib, lacus_lm_stack **out, lacus_error *err)
{
    lacus__clear(err);
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "lm stack train: out is NULL");
    *out = NULL;
    if (!p || !ids) return lacus__fail(err, LACUS_ERR_ARG, "lm stack train: need params and ids");
    if (n_train < p->warmup + 2 || n_calib < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "lm stack train: n_train = %lld, n_calib = %lld: need n_train >= "
                           "warmup + 2 = %lld and n_calib >= 1", (long long)n_train, (long long)n_calib,
                           (long long)(p->warmup + 2));
    lacus_lm_stack *m = NULL;
    lacus_status s = lacus__lm_stack_alloc(p, n_layers, &m, err);
    if (s) return s;
    const int64_t V = p->vocab_size, n = n_train + n_calib;
    if ((s = check_ids(m, ids, n, "train"))) {
        if (err) *err = m->err;
        lacus_lm_stack_free(m);
        return s;
    }
    /* Training: lacus_stack in chained mode, as lacus_lm_stack_eval. */
    lacus_stack *st = NULL;
    double *S = NULL, *C[16] = {0};
    int32_t *y = NULL;
    lacus__lm_stack_ws w;
    memset(&w, 0, sizeof w);
    int have_w = 0;
    if ((s = lacus__lm_stack_fit_tokens(p, n_layers, ids, n_train, "lm stack train", &st, err))) goto done;
    for (int64_t l = 0; l < n_layers; l++) {
        const lacus_ridge *rd = lacus_esn_readout(lacus_stack_layer(st, l));
        if (lacus_ridge_n_features(rd) != m->F || lacus_ridge_n_outputs(rd) != V) {
            s = lacus__fail(err, LACUS_ERR_STATE, "lm stack train: layer %lld's readout is (%lld, %lld), expected "
                            "(%lld, %lld)", (long long)l, (long long)lacus_ridge_n_features(rd),
                            (long long)lacus_ridge_n_outputs(rd), (long long)m->F, (long long)V);
            goto done;
        }
        lacus_ridge_get_weights(rd, m->Wout[l], m->b[l]);
    }
    lacus_stack_free(st);
    st = NULL;
    /* Calibration: run from zero CTX tokens before n_train, keep the
     * scores of the rows that predict tokens [n_train, n_train + nc). */
    const int64_t nc = n_calib < MAX_CALIB ? n_calib : MAX_CALIB;
    const int64_t r0 = n_train - 1 - CTX > 0 ? n_train - 1 - CTX : 0;
    S = LACUS__NEW(double, n_layers * V), y = LACUS__NEW(int32_t, nc);
    for (int64_t l = 0; l < n_layers; l++)
        if (!(C[l] = LACUS__NEW(double, nc * V))) goto nomem;
    if (!S || !y || lacus__lm_stack_ws_init(&w, m)) goto nomem;
    have_w = 1;
    int saved = lacus__blas_serial_begin();
    for (int64_t t = r0; t < n_train - 1 + nc && !s; t++) {
        s = lacus__lm_stack_step(m, &w, ids[t], t == r0, n_layers, S);
        int64_t r = t - (n_train - 1);
        if (r >= 0) {
            y[r] = ids[t + 1];
            for (int64_t l = 0; l < n_layers; l++) memcpy(C[l] + r * V, S + l * V, (size_t)V * sizeof *S);
        }
    }
    lacus__blas_serial_end(saved);
    if (s) {
        if (err) *err = m->err;
        goto done;
    }
    for (int64_t l = 0; l < n_layers; l++) lacus__lm_stack_calibrate(C[l], y, nc, V, &m->eps[l], &m->beta[l]);
    goto done;
nomem:
    s = lacus__fail(err, LACUS_ERR_NOMEM, "lm stack train: out of memory (%lld calibration tokens x V = %lld)",
                    (long long)n_calib, (long long)V);
done:
    lacus_stack_free(st);
    lacus__free(S), lacus__free(y);
    for (int l = 0; l < 16; l++) lacus__free(C[l]);
    if (have_w) lacus__lm_stack_ws_free(&w);
    if (s) lacus_lm_stack_free(m), m = NULL;
    *out = m;
    return s;
}

/* -log2 p(y) under softmax(beta log max(s, eps)) (lacus__lm_stack_nll of
 * one row, each log taken once into g (V): the same values). */
static double row_bits(const double *sv, int32_t y, int64_t V, double eps, double beta, double *g)
{
    double mx = -INFINITY, z = 0;
    for (int64_t v = 0; v < V; v++) g[v] = beta * log(fmax(sv[v], eps)), mx = fmax(mx, g[v]);
    for (int64_t v = 0; v < V; v++) z += exp(g[v] - mx);
    return (mx + log(z) - g[y]) / log(2.0);
}

lacus_status lacus__lm_stack_score_ex(lacus_lm_stack *m, const int32_t *ids, int64_t n, int64_t start, double *bits,
                                      int mode)
{
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    if (!ids || !bits || start < 1 || start > n)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm stack score: need ids, bits and 1 <= start <= n (start = "
                           "%lld, n = %lld)", (long long)start, (long long)n);
    lacus_status s = check_ids(m, ids, n, "score");
    if (s) return s;
    if (mode == 0) return lacus__lm_stack_score_chunked(m, ids, n, start, bits);
    const int ref = mode == 1;
    const int64_t V = m->p.vocab_size, L = m->L;
    lacus__lm_stack_ws w;
    double *S = LACUS__NEW(double, L * V), *g = LACUS__NEW(double, V);
    if (!S || !g || lacus__lm_stack_ws_init(&w, m)) {
        lacus__free(S), lacus__free(g);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm stack score: out of memory");
    }
    for (int64_t l = 0; l < L; l++) bits[l] = 0;
    int saved = lacus__blas_serial_begin();
    for (int64_t t = 0; t + 1 < n && !s; t++) {
        s = ref ? lacus__lm_stack_step_ref(m, &w, ids[t], t == 0, S) : lacus__lm_stack_step(m, &w, ids[t], t == 0, L, S);
        if (!s && t + 1 >= start)
            for (int64_t l = 0; l < L; l++) bits[l] += row_bits(S + l * V, ids[t + 1], V, m->eps[l], m->beta[l], g);
    }
    lacus__blas_serial_end(saved);
    lacus__lm_stack_ws_free(&w);
    lacus__free(S), lacus__free(g);
    return s;
}

lacus_status lacus_lm_stack_score(lacus_lm_stack *m, const int32_t *ids, int64_t n, int64_t start, double *bits)
{
    return lacus__lm_stack_score_ex(m, ids, n, start, bits, 0);
}

lacus_status lacus__lm_stack_generate_ex(lacus_lm_stack *m, int64_t layer, const int32_t *prompt, int64_t n_prompt,
                                         int64_t n_gen, const lacus_sample_params *sp, int32_t *out, int mode)
{
    const int ref = mode == 1, f32 = mode == 2, packed = mode == 0;
    if (!m) return LACUS_ERR_ARG;
    lacus__clear(&m->err);
    lacus_sample_params d = lacus_sample_params_default();
    if (!sp) sp = &d;
    if (!prompt || n_prompt < 1 || n_gen < 0 || (n_gen && !out))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm stack generate: need a prompt of >= 1 token and n_gen >= 0");
    if (layer < 0 || layer > m->L)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm stack generate: layer = %lld: must be in [1, %lld] (0: top)",
                           (long long)layer, (long long)m->L);
    if (!(sp->temperature > 0 && sp->temperature < 1e6) || sp->top_k < 0 || !(sp->top_p > 0 && sp->top_p <= 1))
        return lacus__fail(&m->err, LACUS_ERR_ARG, "lm stack generate: temperature = %g must be in (0, 1e6), top_k "
                           "= %lld >= 0, top_p = %g in (0, 1]", sp->temperature, (long long)sp->top_k, sp->top_p);
    lacus_status s = check_ids(m, prompt, n_prompt, "generate prompt");
    if (s) return s;
    /* In chained mode depth l + 1 reads nothing above it: the layers over
     * the sampled one are not stepped. */
    const int64_t V = m->p.vocab_size, l = (layer ? layer : m->L) - 1, depth = l + 1;
    const double beta = m->beta[l] / sp->temperature, eps = m->eps[l];
    lacus__lm_stack_ws w;
    double *S = LACUS__NEW(double, m->L * V), *probs = LACUS__NEW(double, V);
    int32_t *order = LACUS__NEW(int32_t, V);
    int have_w = S && probs && order && !lacus__lm_stack_ws_init(&w, m);
    if (!have_w || (f32 && lacus__lm_stack_make_f32(m)) || (packed && lacus__lm_stack_make_packed(m))) {
        s = lacus__fail(&m->err, LACUS_ERR_NOMEM, "lm stack generate: out of memory");
        goto done;
    }
    lacus__rng r;
    lacus__rng_seed(&r, sp->seed);
    int saved = lacus__blas_serial_begin();
#define STEP(tok, reset) \
    (ref   ? lacus__lm_stack_step_ref(m, &w, (tok), (reset), S)                                               \
     : f32 ? lacus__lm_stack_step_f32(m, &w, (tok), (reset), depth, S)                                       \
     : packed ? lacus__lm_stack_step_packed(m, &w, (tok), (reset), depth, S)                                 \
              : lacus__lm_stack_step(m, &w, (tok), (reset), depth, S))
    for (int64_t t = 0; t < n_prompt && !s; t++) s = STEP(prompt[t], t == 0);
    for (int64_t t = 0; t < n_gen && !s; t++) {
        const double *sl = S + l * V;
        double mx = -INFINITY, z = 0;
        for (int64_t v = 0; v < V; v++) probs[v] = beta * log(fmax(sl[v], eps)), mx = fmax(mx, probs[v]);
        for (int64_t v = 0; v < V; v++) z += probs[v] = exp(probs[v] - mx);
        for (int64_t v = 0; v < V; v++) probs[v] /= z;
        out[t] = lacus__lm_sample(probs, V, sp, order, &r);
        if (t + 1 < n_gen) s = STEP(out[t], 0); /* the last token's step would be unused */
    }
#undef STEP
    lacus__blas_serial_end(saved);
done:
    if (have_w) lacus__lm_stack_ws_free(&w);
    lacus__free(S), lacus__free(probs), lacus__free(order);
    return s;
}

lacus_status lacus_lm_stack_generate(lacus_lm_stack *m, int64_t layer, const int32_t *prompt, int64_t n_prompt,
                                     int64_t n_gen, const lacus_sample_params *sp, int32_t *out)
{
    return lacus__lm_stack_generate_ex(m, layer, prompt, n_prompt, n_gen, sp, out, 0);
}

lacus_status lacus_lm_stack_generate_f32(lacus_lm_stack *m, int64_t layer, const int32_t *prompt, int64_t n_prompt,
                                         int64_t n_gen, const lacus_sample_params *sp, int32_t *out)
{
    return lacus__lm_stack_generate_ex(m, layer, prompt, n_prompt, n_gen, sp, out, 2);
}
