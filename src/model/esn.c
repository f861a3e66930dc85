/* Echo state network: a reservoir and a ridge readout trained over many
 * sequences, streaming.
 *
 * Fit schedule. Sequences are taken in order into a fixed number of slots
 * (FIT_SLOTS). In each round every busy slot advances its sequence by the
 * same number of steps (at most FIT_ROWS) into its own row block, all slots
 * in one lockstep batch that reads W once per step for all of them, with the
 * units of each step split across threads. After the round, the blocks are
 * added to X^T X in slot order by one BLAS call each, and finished slots take
 * the next sequences.
 * Because the number of slots and the block size are constants, the rows
 * reach the sums in the same order and groups whatever the thread count, so
 * the trained readout is bit-for-bit the same with 1 or 16 threads. Memory is
 * FIT_SLOTS * FIT_ROWS * (features + outputs) doubles besides X^T X. */
#include "model/esn.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define FIT_SLOTS LACUS__BATCH_MAX
#define FIT_ROWS 256

lacus_esn_params lacus_esn_params_default(void)
{
    lacus_esn_params p;
    memset(&p, 0, sizeof p);
    p.reservoir = lacus_reservoir_params_default();
    p.readout = lacus_ridge_params_default();
    p.warmup = 0;
    p.feed_input = 0;
    return p;
}

int64_t lacus__esn_n_features(const lacus_esn *m)
{
    return m->p.reservoir.n_units + (m->p.feed_input ? m->p.reservoir.n_inputs : 0);
}

lacus_status lacus_esn_create(const lacus_esn_params *p, lacus_esn **out, lacus_error *err)
{
    if (!out || !p) return lacus__fail(err, LACUS_ERR_ARG, "params or out is NULL");
    *out = NULL;
    if (p->warmup < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "warmup = %lld: must be >= 0", (long long)p->warmup);
    if (!(p->readout.ridge >= 0.0 && p->readout.ridge < 1e300))
        return lacus__fail(err, LACUS_ERR_ARG, "ridge = %g: must be finite and >= 0",
                           p->readout.ridge);
    lacus_esn *m = LACUS__ZNEW(lacus_esn, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for an ESN");
    m->p = *p;
    lacus_status st = lacus_reservoir_create(&p->reservoir, &m->res, err);
    if (st) {
        lacus__free(m);
        return st;
    }
    m->p.reservoir = m->res->p;
    *out = m;
    return LACUS_OK;
}

void lacus_esn_free(lacus_esn *m)
{
    if (!m) return;
    lacus_reservoir_free(m->res);
    lacus_ridge_free(m->readout);
    lacus__free(m);
}

const char *lacus_esn_errmsg(const lacus_esn *m) { return m ? m->err.msg : "NULL ESN"; }
lacus_reservoir *lacus_esn_reservoir(lacus_esn *m) { return m->res; }
const lacus_ridge *lacus_esn_readout(const lacus_esn *m) { return m->readout; }
int64_t lacus_esn_n_outputs(const lacus_esn *m) { return m->n_outputs; }
int lacus_esn_is_trained(const lacus_esn *m) { return m->readout && (m->readout->solved || m->readout->has_weights); }

static lacus_status check_seqs(lacus_error *err, const char *what, const lacus_seqs *s,
                               int64_t n_features)
{
    if (!s || !s->data || !s->n_steps)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: sequence set or its arrays are NULL", what);
    if (s->n_seqs < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%s: no sequences (n_seqs = %lld)", what,
                           (long long)s->n_seqs);
    if (n_features > 0 && s->n_features != n_features)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%s have %lld features, the model expects %lld",
                           what, (long long)s->n_features, (long long)n_features);
    if (s->n_features < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%s: n_features = %lld: must be >= 1", what,
                           (long long)s->n_features);
    for (int64_t i = 0; i < s->n_seqs; i++) {
        if (s->n_steps[i] < 1 || !s->data[i])
            return lacus__fail(err, LACUS_ERR_SHAPE, "%s: sequence %lld is empty", what,
                               (long long)i);
        char name[64];
        snprintf(name, sizeof name, "%s sequence %lld", what, (long long)i);
        lacus_status st = lacus__check_finite(err, name, s->data[i], s->n_steps[i],
                                              s->n_features, s->n_features);
        if (st) return st;
    }
    return LACUS_OK;
}

/* One slot of the fit schedule: a sequence in progress. */
typedef struct {
    int64_t seq;        /* -1 when idle */
    int64_t t;          /* next step of the sequence */
    int64_t rows;       /* rows produced this round */
    double *x;          /* (n_units) state */
    double *block;      /* (FIT_ROWS, features) */
    lacus__run_ws ws;
} fit_slot;

static void slot_start(const lacus_esn *m, fit_slot *s, int64_t seq, uint64_t call)
{
    s->seq = seq;
    s->t = 0;
    s->rows = 0;
    memset(s->x, 0, (size_t)m->p.reservoir.n_units * sizeof(double));
    lacus__run_ws_seed(&s->ws, m->res, call, (uint64_t)seq);
}

static void slots_free(fit_slot *slots, double *xi)
{
    for (int k = 0; k < FIT_SLOTS; k++) {
        lacus__free(slots[k].x);
        lacus__free(slots[k].block);
        lacus__run_ws_free(&slots[k].ws);
    }
    lacus__free(xi);
}

static lacus_status slots_init(lacus_esn *m, fit_slot *slots, double **xi)
{
    memset(slots, 0, FIT_SLOTS * sizeof *slots);
    int64_t N = m->p.reservoir.n_units, F = lacus__esn_n_features(m);
    *xi = LACUS__NEW(double, 2 * N * FIT_SLOTS);
    int ok = *xi != NULL;
    for (int k = 0; k < FIT_SLOTS; k++) {
        slots[k].seq = -1;
        slots[k].x = LACUS__NEW(double, N);
        slots[k].block = LACUS__NEW(double, FIT_ROWS * F);
        ok &= slots[k].x && slots[k].block && !lacus__run_ws_init(&slots[k].ws, m->res);
    }
    if (!ok) {
        slots_free(slots, *xi);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM,
                           "out of memory for the fit buffers (%d x %d x %lld doubles)",
                           FIT_SLOTS, FIT_ROWS, (long long)F);
    }
    return LACUS_OK;
}

/* Advances every busy slot by the same number of steps (the fewest any of
 * them has left, at most FIT_ROWS), all in one lockstep batch. */
static void advance_busy(const lacus_esn *m, fit_slot *slots, const int *busy, int n_busy,
                         const lacus_seqs *in, double *xi)
{
    int64_t N = m->p.reservoir.n_units, I = in->n_features, F = lacus__esn_n_features(m);
    int64_t n = FIT_ROWS;
    for (int b = 0; b < n_busy; b++) {
        const fit_slot *s = &slots[busy[b]];
        if (in->n_steps[s->seq] - s->t < n) n = in->n_steps[s->seq] - s->t;
    }
    lacus__lane lanes[FIT_SLOTS];
    for (int b = 0; b < n_busy; b++) {
        fit_slot *s = &slots[busy[b]];
        lanes[b] = (lacus__lane){&s->ws, s->x, in->data[s->seq] + s->t * I, I, s->block, F};
        s->rows = n;
    }
    lacus__reservoir_steps(m->res, lanes, n_busy, n, xi, 1);
    if (m->p.feed_input)
        for (int b = 0; b < n_busy; b++)
            for (int64_t k = 0; k < n; k++)
                memcpy(slots[busy[b]].block + k * F + N, lanes[b].u + k * I, (size_t)I * sizeof(double));
}

/* Runs every sequence through the reservoir in the fixed slot schedule and
 * hands each round's blocks, in slot order, to `sink`. */
typedef lacus_status (*block_sink)(lacus_esn *m, const fit_slot *s, void *ctx);

static lacus_status stream_states(lacus_esn *m, const lacus_seqs *in, block_sink sink, void *ctx)
{
    fit_slot slots[FIT_SLOTS];
    double *xi = NULL;
    lacus_status st = slots_init(m, slots, &xi);
    if (st) return st;
    uint64_t call = m->res->n_runs++;
    int64_t next = 0, total = 0, done = 0;
    for (int64_t i = 0; i < in->n_seqs; i++) total += in->n_steps[i];
    for (int k = 0; k < FIT_SLOTS && next < in->n_seqs; k++) slot_start(m, &slots[k], next++, call);
    for (;;) {
        int busy[FIT_SLOTS], n_busy = 0;
        for (int k = 0; k < FIT_SLOTS; k++)
            if (slots[k].seq >= 0) busy[n_busy++] = k;
        if (n_busy == 0) break;
        advance_busy(m, slots, busy, n_busy, in, xi);
        for (int b = 0; b < n_busy && !st; b++) st = sink(m, &slots[busy[b]], ctx);
        if (st) break;
        for (int b = 0; b < n_busy; b++) {
            fit_slot *s = &slots[busy[b]];
            s->t += s->rows;
            done += s->rows;
            if (s->t >= in->n_steps[s->seq]) {
                if (next < in->n_seqs) slot_start(m, s, next++, call);
                else s->seq = -1;
            }
        }
        if (m->p.progress) m->p.progress((double)done / (double)total, m->p.progress_user);
    }
    slots_free(slots, xi);
    return st;
}

typedef struct {
    const lacus_seqs *targets;
} fit_ctx;

static lacus_status fit_sink(lacus_esn *m, const fit_slot *s, void *vctx)
{
    const fit_ctx *ctx = vctx;
    int64_t F = lacus__esn_n_features(m), O = m->n_outputs;
    int64_t skip = m->p.warmup > s->t ? m->p.warmup - s->t : 0;
    if (skip >= s->rows) return LACUS_OK;
    const double *y = ctx->targets->data[s->seq] + (s->t + skip) * O;
    lacus_status st = lacus__ridge_accumulate(m->readout, s->block + skip * F, F, y, O,
                                              s->rows - skip);
    if (st) m->err = m->readout->err;
    return st;
}

lacus_status lacus_esn_fit(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets)
{
    lacus_status st;
    if ((st = check_seqs(&m->err, "inputs", inputs, m->p.reservoir.n_inputs)) ||
        (st = check_seqs(&m->err, "targets", targets, 0)))
        return st;
    if (targets->n_seqs != inputs->n_seqs)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE, "%lld input sequences but %lld target sequences",
                           (long long)inputs->n_seqs, (long long)targets->n_seqs);
    int64_t usable = 0;
    for (int64_t i = 0; i < inputs->n_seqs; i++) {
        if (targets->n_steps[i] != inputs->n_steps[i])
            return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                               "sequence %lld: %lld input steps but %lld target steps",
                               (long long)i, (long long)inputs->n_steps[i],
                               (long long)targets->n_steps[i]);
        usable += inputs->n_steps[i] > m->p.warmup ? inputs->n_steps[i] - m->p.warmup : 0;
    }
    if (usable == 0)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "warmup = %lld drops every step of every sequence: nothing to train on",
                           (long long)m->p.warmup);
    lacus_ridge_params rp = m->p.readout;
    rp.n_features = lacus__esn_n_features(m);
    rp.n_outputs = targets->n_features;
    /* Keep the samples for the dual form when there may be fewer of them
     * than features: then an n x n solve replaces the features^2 one. */
    if (rp.solver != LACUS_SOLVER_PRIMAL && rp.keep_samples == 0 && usable < rp.n_features)
        rp.keep_samples = usable;
    lacus_ridge_free(m->readout);
    m->readout = NULL;
    m->n_outputs = rp.n_outputs;
    if ((st = lacus_ridge_create(&rp, &m->readout, &m->err))) return st;
    fit_ctx ctx = {targets};
    if ((st = stream_states(m, inputs, fit_sink, &ctx))) return st;
    if ((st = lacus_ridge_solve(m->readout))) {
        m->err = m->readout->err;
        return st;
    }
    return LACUS_OK;
}

typedef struct {
    double *const *outputs;
} run_ctx;

static lacus_status run_sink(lacus_esn *m, const fit_slot *s, void *vctx)
{
    const run_ctx *ctx = vctx;
    int64_t F = lacus__esn_n_features(m), O = m->n_outputs;
    return lacus_ridge_predict(m->readout, s->block, F, s->rows, ctx->outputs[s->seq] + s->t * O, O);
}

lacus_status lacus_esn_run(lacus_esn *m, const lacus_seqs *inputs, double *const *outputs)
{
    if (!lacus_esn_is_trained(m))
        return lacus__fail(&m->err, LACUS_ERR_STATE, "the readout is not trained: fit or load first");
    lacus_status st = check_seqs(&m->err, "inputs", inputs, m->p.reservoir.n_inputs);
    if (st) return st;
    if (!outputs) return lacus__fail(&m->err, LACUS_ERR_ARG, "outputs is NULL");
    run_ctx ctx = {outputs};
    return stream_states(m, inputs, run_sink, &ctx);
}
