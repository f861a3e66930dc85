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
    int blas = lacus__esn_loop_begin();
    for (int64_t t = 0; t < n_warmup + n_generate - 1 && !st; t++) {
        /* Input: the warm-up data, then the previous prediction. */
        memcpy(row, t < n_warmup ? warmup + t * I : y, (size_t)I * sizeof *row);
        lacus__esn_loop_step(r, &ws, x, row, I + O, state, N, xi, blas);
        lacus__esn_loop_readout(m->readout, state, y);
        for (int64_t j = 0; j < O; j++)
            if (!isfinite(y[j]))
                st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                 "the closed loop diverged at step %lld (output %lld)",
                                 (long long)t, (long long)j);
        if (!st && t >= n_warmup - 1) memcpy(out + (t - n_warmup + 1) * O, y, (size_t)O * sizeof *y);
        memcpy(row + I, y, (size_t)O * sizeof *row);
    }
    lacus__esn_loop_end(blas);
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

    int blas = lacus__esn_loop_begin();
    /* Closed loop: predict, then feed the prediction back as the next input. */
    for (int64_t k = 0; k < n_generate; k++) {
        double *y = out + k * O;
        lacus__esn_loop_readout(m->readout, block + last * F, y);
        for (int64_t j = 0; j < O; j++)
            if (!(y[j] - y[j] == 0.0)) {
                st = lacus__fail(&m->err, LACUS_ERR_NUMERIC,
                                 "generated step %lld (output %lld) is not finite: the closed loop "
                                 "diverged; rows 0..%lld of out are valid",
                                 (long long)k, (long long)j, (long long)k - 1);
                break;
            }
        if (st || k + 1 == n_generate) break;
        lacus__esn_loop_step(r, &ws, x, y, I, block, F, xi, blas);
        last = 0;
        if (m->p.feed_input) memcpy(block + N, y, (size_t)I * sizeof(double));
    }
    lacus__esn_loop_end(blas);
    lacus__run_ws_free(&ws);
    lacus__free(buf);
    return st;
}

/* Noise while training only (Jaeger & Haas 2004): the gains live in the
 * reservoir's params, which run, generate and the model file all read. */
lacus_status lacus_esn_set_noise(lacus_esn *m, double noise_rc, double noise_in)
{
    if (!(noise_rc >= 0.0) || !isfinite(noise_rc) || !(noise_in >= 0.0) || !isfinite(noise_in))
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "noise_rc = %g, noise_in = %g: must be finite and >= 0", noise_rc,
                           noise_in);
    m->res->p.noise_rc = noise_rc;
    m->res->p.noise_in = noise_in;
    return LACUS_OK;
}
