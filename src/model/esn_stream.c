/* Streaming ESN fit: chunks of sequences of any length go through the
 * reservoir and straight into the ridge sums; nothing grows with the data. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"

#define STREAM_ROWS 256

lacus_status lacus__esn_stream_start(lacus_esn *m, int64_t n_outputs)
{
    if (m->p.n_feedback > 0 && n_outputs != m->p.n_feedback)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "chunk has %lld outputs but the reservoir feeds back %lld",
                           (long long)n_outputs, (long long)m->p.n_feedback);
    lacus_ridge_params rp = m->p.readout;
    rp.n_features = lacus__esn_n_features(m);
    rp.n_outputs = n_outputs;
    rp.keep_samples = 0; /* the total is unknown: always the primal form */
    if (rp.solver == LACUS_SOLVER_DUAL)
        return lacus__fail(&m->err, LACUS_ERR_ARG,
                           "the dual solver needs all samples at once: use lacus_esn_fit");
    rp.solver = LACUS_SOLVER_PRIMAL;
    lacus_ridge_free(m->readout);
    m->readout = NULL;
    lacus__esn_stream_free(m);
    m->stream_block = LACUS__NEW(double, STREAM_ROWS * rp.n_features);
    m->stream_xi = LACUS__NEW(double, 2 * m->p.reservoir.n_units);
    /* Row 0 keeps the last fed-back target between chunks; rows 1.. are the
     * block's teacher-forced inputs [u[t], y[t-1]]. */
    if (m->p.n_feedback > 0)
        m->stream_aug = LACUS__ZNEW(double, (STREAM_ROWS + 1) * (m->res->p.n_inputs));
    if (!m->stream_block || !m->stream_xi || (m->p.n_feedback > 0 && !m->stream_aug) ||
        lacus__run_ws_init(&m->stream_ws, m->res))
        return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the streaming buffers");
    lacus_status st = lacus_ridge_create(&rp, &m->readout, &m->err);
    if (st) return st;
    m->n_outputs = n_outputs;
    m->n_streamed = 0;
    return LACUS_OK;
}

lacus_status lacus_esn_partial_fit(lacus_esn *m, const double *u, const double *y,
                                   int64_t n_steps, int64_t n_outputs, int new_sequence)
{
    lacus_reservoir *r = m->res;
    int64_t I = m->p.reservoir.n_inputs, N = r->p.n_units, F = lacus__esn_n_features(m);
    const int64_t O = m->p.n_feedback, W = I + O; /* reservoir input width */
    if (!u || !y) return lacus__fail(&m->err, LACUS_ERR_ARG, "u or y is NULL");
    if (n_steps < 1) return lacus__fail(&m->err, LACUS_ERR_SHAPE, "n_steps = %lld: the chunk is empty", (long long)n_steps);
    if (n_outputs < 1) return lacus__fail(&m->err, LACUS_ERR_SHAPE, "n_outputs = %lld: must be >= 1", (long long)n_outputs);
    lacus_status st;
    if ((st = lacus__check_finite(&m->err, "u", u, n_steps, I, I)) ||
        (st = lacus__check_finite(&m->err, "y", y, n_steps, n_outputs, n_outputs)))
        return st;
    if (!m->stream_block) {
        if (!new_sequence)
            return lacus__fail(&m->err, LACUS_ERR_STATE, "the first chunk must start a sequence (new_sequence = 1)");
        if ((st = lacus__esn_stream_start(m, n_outputs))) return st;
    } else if (n_outputs != m->n_outputs) {
        return lacus__fail(&m->err, LACUS_ERR_SHAPE, "chunk has %lld outputs, earlier chunks %lld",
                           (long long)n_outputs, (long long)m->n_outputs);
    }
    if (new_sequence) {
        memset(r->state, 0, (size_t)N * sizeof(double));
        m->seq_steps = 0;
        if (O > 0) memset(m->stream_aug + I, 0, (size_t)O * sizeof(double)); /* y[-1] = 0 */
        /* One noise stream per sequence, drawn step by step, so the numbers
         * do not depend on how the sequence is cut into chunks. */
        lacus__run_ws_seed(&m->stream_ws, r, UINT64_MAX, (uint64_t)m->n_streamed++);
    }
    for (int64_t t = 0; t < n_steps && !st; t += STREAM_ROWS) {
        int64_t n = n_steps - t < STREAM_ROWS ? n_steps - t : STREAM_ROWS;
        const double *in = u + t * I;
        if (O > 0) { /* teacher forcing: [u[t], y[t-1]]; the previous chunk's last y is kept */
            double *prev_y = m->stream_aug + I;
            for (int64_t k = 0; k < n; k++) {
                double *row = m->stream_aug + (k + 1) * W;
                memcpy(row, u + (t + k) * I, (size_t)I * sizeof(double));
                memcpy(row + I, k == 0 ? prev_y : y + (t + k - 1) * O, (size_t)O * sizeof(double));
            }
            memcpy(prev_y, y + (t + n - 1) * O, (size_t)O * sizeof(double));
            in = m->stream_aug + W;
        }
        lacus__lane lane = {&m->stream_ws, r->state, in, O > 0 ? W : I, m->stream_block, F};
        lacus__reservoir_steps(r, &lane, 1, n, m->stream_xi, 1);
        if (m->p.feed_input)
            for (int64_t k = 0; k < n; k++)
                memcpy(m->stream_block + k * F + N, u + (t + k) * I, (size_t)I * sizeof(double));
        int64_t skip = m->p.warmup > m->seq_steps ? m->p.warmup - m->seq_steps : 0;
        if (skip < n) {
            if (m->stream_sink) {
                st = m->stream_sink(m->stream_sink_user, m->stream_block + skip * F, F,
                                    y + (t + skip) * n_outputs, n_outputs, n - skip);
            } else {
                st = lacus__ridge_accumulate(m->readout, m->stream_block + skip * F, F,
                                             y + (t + skip) * n_outputs, n_outputs, n - skip);
                if (st) m->err = m->readout->err;
            }
        }
        m->seq_steps += n;
    }
    return st;
}

void lacus__esn_stream_free(lacus_esn *m)
{
    lacus__free(m->stream_block);
    lacus__free(m->stream_xi);
    lacus__free(m->stream_aug);
    lacus__run_ws_free(&m->stream_ws);
    m->stream_block = m->stream_xi = m->stream_aug = NULL;
}

lacus_status lacus_esn_solve(lacus_esn *m)
{
    if (!m->readout || !m->stream_block)
        return lacus__fail(&m->err, LACUS_ERR_STATE, "nothing to solve: call lacus_esn_partial_fit first");
    lacus_status st = lacus_ridge_solve(m->readout);
    if (st) m->err = m->readout->err;
    return st;
}
