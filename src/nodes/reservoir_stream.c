/* Streaming many sequences through a reservoir in a fixed schedule.
 *
 * Sequences are taken in order into STREAM_SLOTS slots. In each round every
 * busy slot advances by the same number of steps (the fewest any of them has
 * left, at most STREAM_ROWS) in one lockstep batch, which reads W once per
 * step for all slots and splits the units of each step across threads. Then
 * the round's blocks are handed to the sink in slot order, and finished
 * slots take the next sequences. Because the slot count and block size do
 * not depend on the thread count, a sink that accumulates (X^T X) sees the
 * same rows in the same groups and order with 1 or 16 threads: results are
 * bit-for-bit identical. Memory: STREAM_SLOTS * STREAM_ROWS * width doubles,
 * or none when the states go straight into the caller's arrays (run_many). */
#include <stdio.h>
#include <omp.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "nodes/reservoir.h"

#define STREAM_SLOTS LACUS__BATCH_MAX
#define STREAM_ROWS 256

typedef struct {
    int64_t seq; /* -1 when idle */
    int64_t t;   /* next step of the sequence */
    double *x;   /* (n_units) state */
    double *block;
    lacus__run_ws ws;
} slot;

typedef struct {
    slot slots[STREAM_SLOTS];
    double *xi;
    double *const *direct; /* per sequence (n_steps, width) outputs, or NULL */
} stream;

static void stream_free(stream *s)
{
    for (int k = 0; k < STREAM_SLOTS; k++) {
        lacus__free(s->slots[k].x);
        if (!s->direct) lacus__free(s->slots[k].block); /* else the caller's */
        lacus__run_ws_free(&s->slots[k].ws);
    }
    lacus__free(s->xi);
}

static lacus_status stream_init(stream *s, const lacus_reservoir *r, int64_t width,
                               double *const *direct, lacus_error *err)
{
    memset(s, 0, sizeof *s);
    int64_t N = r->p.n_units;
    s->direct = direct;
    s->xi = LACUS__NEW(double, 2 * N * STREAM_SLOTS);
    int ok = s->xi != NULL;
    for (int k = 0; k < STREAM_SLOTS; k++) {
        s->slots[k].seq = -1;
        s->slots[k].x = LACUS__NEW(double, N);
        if (!direct) s->slots[k].block = LACUS__NEW(double, STREAM_ROWS * width);
        ok &= s->slots[k].x && (direct || s->slots[k].block) && !lacus__run_ws_init(&s->slots[k].ws, r);
    }
    if (!ok) {
        stream_free(s);
        return lacus__fail(err, LACUS_ERR_NOMEM,
                           "out of memory for the streaming buffers (%d x %d x %lld doubles)",
                           STREAM_SLOTS, STREAM_ROWS, (long long)width);
    }
    return LACUS_OK;
}

static void slot_start(slot *s, const lacus_reservoir *r, int64_t seq, uint64_t call)
{
    s->seq = seq;
    s->t = 0;
    memset(s->x, 0, (size_t)r->p.n_units * sizeof(double));
    lacus__run_ws_seed(&s->ws, r, call, (uint64_t)seq);
}

/* Advances every busy slot by the same number of steps; returns it. */
static int64_t advance(lacus_reservoir *r, stream *st, const int *busy, int n_busy,
                       const lacus_seqs *in, int64_t width, int feed_input)
{
    int64_t N = r->p.n_units, I = in->n_features, n = STREAM_ROWS;
    for (int b = 0; b < n_busy; b++) {
        const slot *s = &st->slots[busy[b]];
        if (in->n_steps[s->seq] - s->t < n) n = in->n_steps[s->seq] - s->t;
    }
    lacus__lane lanes[STREAM_SLOTS];
    for (int b = 0; b < n_busy; b++) {
        slot *s = &st->slots[busy[b]];
        if (st->direct) s->block = st->direct[s->seq] + s->t * width;
        lanes[b] = (lacus__lane){&s->ws, s->x, in->data[s->seq] + s->t * I, I, s->block, width};
    }
    /* One sequence: split each step's units across the threads. Several:
     * give each thread its own group of lanes, which needs no barrier per
     * step. Each lane's arithmetic is the same either way (bit for bit). */
    int groups = omp_get_max_threads() < n_busy ? omp_get_max_threads() : n_busy;
    if (groups <= 1) {
        lacus__reservoir_steps(r, lanes, n_busy, n, st->xi, 1);
    } else {
#pragma omp parallel for schedule(static, 1) num_threads(groups)
        for (int g = 0; g < groups; g++) {
            int b0 = g * n_busy / groups, b1 = (g + 1) * n_busy / groups;
            lacus__reservoir_steps(r, lanes + b0, b1 - b0, n, st->xi + 2 * N * b0, 0);
        }
    }
    if (feed_input)
        for (int b = 0; b < n_busy; b++)
            for (int64_t k = 0; k < n; k++)
                memcpy(st->slots[busy[b]].block + k * width + N, lanes[b].u + k * I,
                       (size_t)I * sizeof(double));
    return n;
}

/* The stream; with direct, block rows are the caller's output rows and sink
 * may be NULL. */
static lacus_status stream_run(lacus_reservoir *r, const lacus_seqs *in, int feed_input,
                               double *const *direct, lacus__stream_sink sink, void *ctx,
                               void (*progress)(double, void *), void *progress_user,
                               lacus_error *err)
{
    int64_t width = r->p.n_units + (feed_input ? in->n_features : 0);
    stream st;
    lacus_status status = stream_init(&st, r, width, direct, err);
    if (status) return status;
    uint64_t call = r->n_runs++;
    int64_t next = 0, total = 0, done = 0;
    for (int64_t i = 0; i < in->n_seqs; i++) total += in->n_steps[i];
    for (int k = 0; k < STREAM_SLOTS && next < in->n_seqs; k++) slot_start(&st.slots[k], r, next++, call);
    for (;;) {
        int busy[STREAM_SLOTS], n_busy = 0;
        for (int k = 0; k < STREAM_SLOTS; k++)
            if (st.slots[k].seq >= 0) busy[n_busy++] = k;
        if (n_busy == 0) break;
        int64_t n = advance(r, &st, busy, n_busy, in, width, feed_input);
        for (int b = 0; b < n_busy && !status && sink; b++) {
            const slot *s = &st.slots[busy[b]];
            status = sink(ctx, s->seq, s->t, n, s->block, width);
        }
        if (status) break;
        for (int b = 0; b < n_busy; b++) {
            slot *s = &st.slots[busy[b]];
            s->t += n;
            done += n;
            if (s->t >= in->n_steps[s->seq]) {
                if (next < in->n_seqs) slot_start(s, r, next++, call);
                else s->seq = -1;
            }
        }
        if (progress) progress((double)done / (double)total, progress_user);
    }
    stream_free(&st);
    return status;
}

lacus_status lacus__reservoir_stream(lacus_reservoir *r, const lacus_seqs *in, int feed_input,
                                     lacus__stream_sink sink, void *ctx,
                                     void (*progress)(double, void *), void *progress_user,
                                     lacus_error *err)
{
    return stream_run(r, in, feed_input, NULL, sink, ctx, progress, progress_user, err);
}

lacus_status lacus_reservoir_run_many(lacus_reservoir *r, const lacus_seqs *u,
                                      double *const *states)
{
    if (!u || !u->data || !u->n_steps || !states)
        return lacus__fail(&r->err, LACUS_ERR_ARG, "inputs or states is NULL");
    if (u->n_features != r->p.n_inputs)
        return lacus__fail(&r->err, LACUS_ERR_SHAPE, "inputs have %lld features, the reservoir expects %lld",
                           (long long)u->n_features, (long long)r->p.n_inputs);
    for (int64_t i = 0; i < u->n_seqs; i++) {
        if (u->n_steps[i] < 1 || !u->data[i] || !states[i])
            return lacus__fail(&r->err, LACUS_ERR_SHAPE, "sequence %lld is empty or NULL", (long long)i);
        char what[48];
        snprintf(what, sizeof what, "u sequence %lld", (long long)i);
        lacus_status st = lacus__check_finite(&r->err, what, u->data[i], u->n_steps[i],
                                              u->n_features, u->n_features);
        if (st) return st;
    }
    /* The states go straight into the caller's arrays (no copy). */
    return stream_run(r, u, 0, states, NULL, NULL, NULL, NULL, &r->err);
}
