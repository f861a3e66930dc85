/* Closed-loop generation: the ESN warms up on real inputs, then runs on its
 * own predictions. One sequence, stepped with the same kernel as fit and run
 * (one lane); all buffers are sized once per call, none per step.
 *
 *   warm-up:  x[t] = step(x[t-1], u[t]),  t = 0 .. n_warmup-1,  x[-1] = 0
 *   out[0]  = readout(x[n_warmup-1] (, u[n_warmup-1]))
 *   out[k]  = readout(x') where x' = step(x, out[k-1]) continues the state.
 * With output feedback see generate_with_feedback. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"
#include "nodes/activation.h"

/* a + b * c, fused exactly where the reservoir kernel fuses it
 * (nodes/reservoir_step.c, linalg/csr.c), so both give the same bits. */
#ifdef __FMA__
#define MADD(a, b, c) fma((b), (c), (a))
#else
#define MADD(a, b, c) ((a) + (b) * (c))
#endif

/* The closed loop's one-sequence step, fused and serial:
 *   pre = W x + (Win u + b);  x_next = (1 - lr) x + lr f(pre)
 * with the summation order of lacus__reservoir_steps (Win u summed over the
 * row's non-zeros from 0, then + b; W x split by k mod 4 into four chains
 * added as (p0 + p1) + (p2 + p3)), so generation gives bit for bit the
 * numbers of lacus_esn_run. Why a second copy of the step: the general
 * kernel is built for blocks of many steps (it transposes a block of inputs,
 * draws noise, and opens an OpenMP region per step); in a closed loop every
 * block is one step long, and on a shared machine the per-step barrier costs
 * milliseconds. Only for element-wise activations without noise (the caller
 * falls back to the general kernel otherwise). x and x_next (n_units) must
 * not overlap; pre is scratch (n_units). */
static void fused_step(const lacus_reservoir *r, const double *x, const double *u, double *pre,
                       double *x_next)
{
    const int64_t N = r->p.n_units;
    const int64_t *p = r->W.indptr, *pi = r->Win.indptr;
    const int32_t *ix = r->W.indices, *iix = r->Win.indices;
    const double *v = r->W.values, *vi = r->Win.values;
    for (int64_t n = 0; n < N; n++) {
        double d = 0.0;
        for (int64_t k = pi[n]; k < pi[n + 1]; k++) d = MADD(d, vi[k], u[iix[k]]);
        double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
        int64_t k = p[n], end = p[n + 1];
        for (; k + 4 <= end; k += 4) {
            a0 = MADD(a0, v[k], x[ix[k]]);
            a1 = MADD(a1, v[k + 1], x[ix[k + 1]]);
            a2 = MADD(a2, v[k + 2], x[ix[k + 2]]);
            a3 = MADD(a3, v[k + 3], x[ix[k + 3]]);
        }
        if (k < end) a0 = MADD(a0, v[k], x[ix[k]]);
        if (k + 1 < end) a1 = MADD(a1, v[k + 1], x[ix[k + 1]]);
        if (k + 2 < end) a2 = MADD(a2, v[k + 2], x[ix[k + 2]]);
        pre[n] = ((a0 + a1) + (a2 + a3)) + (d + r->bias[n]);
    }
    lacus__activate(r->p.activation, pre, pre, N);
    for (int64_t n = 0; n < N; n++) x_next[n] = (1.0 - r->lr[n]) * x[n] + r->lr[n] * pre[n];
}

static int can_fuse(const lacus_reservoir *r)
{
    return r->p.noise_rc == 0.0 && r->p.noise_in == 0.0 && r->p.activation != LACUS_ACT_SOFTMAX;
}

/* One closed-loop step: x (n_units) advanced in place, its new value also
 * written to `state` (may be x's own copy target). */
static void loop_step(const lacus_reservoir *r, lacus__run_ws *ws, double *x, const double *u,
                      int64_t ldu, double *state, int64_t lds, double *scratch)
{
    int64_t N = r->p.n_units;
    if (can_fuse(r)) {
        fused_step(r, x, u, scratch, state);
        memcpy(x, state, (size_t)N * sizeof *x);
        (void)lds;
        return;
    }
    lacus__lane lane = {ws, x, u, ldu, state, lds};
    lacus__reservoir_steps(r, &lane, 1, 1, scratch, 0);
}

/* With output feedback the reservoir reads [u[t], y[t-1]], y the model's own
 * prediction, so even the warm-up is a closed loop, one step at a time; then
 * the prediction is both the next input and the fed-back output. */
static lacus_status generate_with_feedback(lacus_esn *m, const double *warmup, int64_t n_warmup,
                                           int64_t n_generate, double *out)
{
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, O = m->n_outputs, I = O;
    double *buf = LACUS__NEW(double, 4 * N + 3 * O);
    lacus__run_ws ws;
    if (!buf || lacus__run_ws_init(&ws, r)) {
        lacus__free(buf);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the generation buffers");
    }
    double *x = buf, *xi = x + N, *state = xi + 2 * N, *row = state + N, *y = row + I + O;
    memset(x, 0, (size_t)N * sizeof *x);
    memset(row + I, 0, (size_t)O * sizeof *row); /* y[-1] = 0 */
    lacus__run_ws_seed(&ws, r, r->n_runs++, 0);
    lacus_status st = LACUS_OK;
    for (int64_t t = 0; t < n_warmup + n_generate - 1 && !st; t++) {
        /* Input: the warm-up data, then the previous prediction. */
        memcpy(row, t < n_warmup ? warmup + t * I : y, (size_t)I * sizeof *row);
        loop_step(r, &ws, x, row, I + O, state, N, xi);
        if ((st = lacus_ridge_predict(m->readout, state, N, 1, y, O))) break;
        for (int64_t j = 0; j < O; j++)
            if (!isfinite(y[j]))
                st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                 "the closed loop diverged at step %lld (output %lld)",
                                 (long long)t, (long long)j);
        if (!st && t >= n_warmup - 1) memcpy(out + (t - n_warmup + 1) * O, y, (size_t)O * sizeof *y);
        memcpy(row + I, y, (size_t)O * sizeof *row);
    }
    lacus__run_ws_free(&ws);
    lacus__free(buf);
    return st;
}

lacus_status lacus_esn_generate(lacus_esn *m, const double *warmup, int64_t n_warmup,
                                int64_t n_generate, double *out)
{
    if (!m) return LACUS_ERR_ARG;
    if (!lacus_esn_is_trained(m))
        return lacus__fail(&m->err, LACUS_ERR_STATE, "the readout is not trained: fit or load first");
    lacus_reservoir *r = m->res;
    int64_t N = r->p.n_units, I = m->p.reservoir.n_inputs, O = m->n_outputs;
    int64_t F = lacus__esn_n_features(m);
    if (O != I)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "generation feeds the outputs back as inputs: the model has %lld "
                           "outputs but %lld inputs (they must be equal)",
                           (long long)O, (long long)I);
    if (!warmup || n_warmup < 1)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "generation needs a warm-up: got %lld steps (at least 1)",
                           (long long)n_warmup);
    if (n_generate < 0)
        return lacus__fail(&m->err, LACUS_ERR_ARG, "n_generate = %lld: must be >= 0",
                           (long long)n_generate);
    if (n_generate > 0 && !out) return lacus__fail(&m->err, LACUS_ERR_ARG, "out is NULL");
    lacus_status st = lacus__check_finite(&m->err, "warm-up", warmup, n_warmup, I, I);
    if (st) return st;
    if (m->p.n_feedback > 0) return generate_with_feedback(m, warmup, n_warmup, n_generate, out);

    const int64_t B = LACUS__BLOCK_STEPS;
    lacus__run_ws ws;
    double *buf = LACUS__NEW(double, B * F + 3 * N); /* block (B, F), xi (2N), x (N) */
    if (!buf || lacus__run_ws_init(&ws, r)) {
        lacus__free(buf);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the generation buffers");
    }
    double *block = buf, *xi = buf + B * F, *x = xi + 2 * N;
    memset(x, 0, (size_t)N * sizeof *x); /* a zero state; r->state is not touched */
    lacus__run_ws_seed(&ws, r, r->n_runs++, 0);

    /* Warm-up, in blocks of B steps; the noise is drawn step by step, so the
     * numbers do not depend on the blocking. */
    int64_t last = 0; /* row of `block` holding the latest features */
    for (int64_t t = 0; t < n_warmup; t += B) {
        int64_t n = n_warmup - t < B ? n_warmup - t : B;
        lacus__lane lane = {&ws, x, warmup + t * I, I, block, F};
        /* Threads inside one sequence's step only where the step is big:
         * below that, the per-step barrier costs more than it saves, and
         * much more on a machine shared with other jobs. */
        lacus__reservoir_steps(r, &lane, 1, n, xi, r->W.nnz >= 1000000);
        last = n - 1;
    }
    if (m->p.feed_input)
        memcpy(block + last * F + N, warmup + (n_warmup - 1) * I, (size_t)I * sizeof(double));

    /* Closed loop: predict, then feed the prediction back as the next input. */
    for (int64_t k = 0; k < n_generate; k++) {
        double *y = out + k * O;
        if ((st = lacus_ridge_predict(m->readout, block + last * F, F, 1, y, O))) {
            m->err = m->readout->err;
            break;
        }
        for (int64_t j = 0; j < O; j++)
            if (!(y[j] - y[j] == 0.0)) {
                st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                 "generated step %lld (output %lld) is not finite: the closed loop "
                                 "diverged; rows 0..%lld of out are valid",
                                 (long long)k, (long long)j, (long long)k - 1);
                break;
            }
        if (st || k + 1 == n_generate) break;
        loop_step(r, &ws, x, y, I, block, F, xi);
        last = 0;
        if (m->p.feed_input) memcpy(block + N, y, (size_t)I * sizeof(double));
    }
    lacus__run_ws_free(&ws);
    lacus__free(buf);
    return st;
}
