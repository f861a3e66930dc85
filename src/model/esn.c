/* Echo state network: a reservoir and a ridge readout trained over many
 * sequences, streaming. The reservoir's stream (nodes/reservoir_stream.c)
 * hands blocks of states in a fixed order; fitting adds them to the ridge
 * sums as they come, so the trained readout does not depend on the thread
 * count and the states of the whole data set are never held. */
#include "model/esn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

lacus_esn_params lacus_esn_params_default(void)
{
    lacus_esn_params p;
    memset(&p, 0, sizeof p);
    p.reservoir = lacus_reservoir_params_default();
    p.readout = lacus_ridge_params_default();
    p.warmup = 0;
    p.feed_input = 0;
    p.n_feedback = 0;
    p.fb_scaling = 1.0;
    p.fb_connectivity = 0.0;
    p.fb_init = LACUS_INIT_BERNOULLI;
    return p;
}

int64_t lacus__esn_n_features(const lacus_esn *m)
{
    return m->p.reservoir.n_units + (m->p.feed_input ? m->p.reservoir.n_inputs : 0);
}

/* The reservoir of an ESN with feedback reads [u, y_prev]: its Win has
 * n_feedback more columns, drawn like the others with gain fb_scaling. */
static lacus_status create_reservoir(const lacus_esn_params *p, lacus_reservoir **out,
                                     lacus_error *err)
{
    if (p->n_feedback == 0) return lacus_reservoir_create(&p->reservoir, out, err);
    lacus_reservoir_params rp = p->reservoir;
    int64_t I = rp.n_inputs, O = p->n_feedback;
    if (I < 1 || I > 100000000 || O > 100000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_inputs = %lld, n_feedback = %lld: out of range",
                           (long long)I, (long long)O);
    double *scaling = LACUS__NEW(double, I + O);
    if (!scaling) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t j = 0; j < I + O; j++)
        scaling[j] = j >= I ? p->fb_scaling
                            : rp.input_scaling_per_input ? rp.input_scaling_per_input[j]
                                                         : rp.input_scaling;
    rp.n_inputs = I + O;
    rp.input_scaling_per_input = scaling;
    lacus_status st = lacus_reservoir_create(&rp, out, err);
    lacus__free(scaling);
    if (st || p->fb_connectivity == 0.0) return st;
    /* Separate feedback draw: the Win stream's index 1 (index 0 drew the
     * input columns), so the input columns do not move. */
    int64_t N = rp.n_units;
    double *Win = LACUS__NEW(double, N * (I + O));
    if (!Win) {
        lacus_reservoir_free(*out);
        *out = NULL;
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the feedback weights");
    }
    lacus_reservoir_get_Win(*out, Win);
    lacus__rng rng;
    lacus__rng_stream(&rng, rp.seed, LACUS__STREAM_WIN, 1);
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++) {
            double v = 0.0;
            if (lacus__rng_uniform(&rng) < p->fb_connectivity) {
                v = p->fb_init == LACUS_INIT_NORMAL    ? lacus__rng_normal(&rng)
                    : p->fb_init == LACUS_INIT_UNIFORM ? 2.0 * lacus__rng_uniform(&rng) - 1.0
                    : lacus__rng_uniform(&rng) < 0.5   ? -1.0
                                                       : 1.0;
            }
            Win[n * (I + O) + I + o] = p->fb_scaling * v;
        }
    st = lacus_reservoir_set_Win(*out, Win);
    if (st) {
        *err = (*out)->err;
        lacus_reservoir_free(*out);
        *out = NULL;
    }
    lacus__free(Win);
    return st;
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
    if (p->n_feedback < 0 || !isfinite(p->fb_scaling))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n_feedback = %lld, fb_scaling = %g: must be >= 0 and finite",
                           (long long)p->n_feedback, p->fb_scaling);
    if (!(p->fb_connectivity >= 0.0 && p->fb_connectivity <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "fb_connectivity = %g: must be in (0, 1], or 0 to draw the feedback "
                           "weights with the input columns", p->fb_connectivity);
    if (p->fb_init != LACUS_INIT_NORMAL && p->fb_init != LACUS_INIT_UNIFORM &&
        p->fb_init != LACUS_INIT_BERNOULLI)
        return lacus__fail(err, LACUS_ERR_ARG, "fb_init = %d: unknown distribution", (int)p->fb_init);
    if (p->n_feedback > 0 && p->feed_input)
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                           "feedback (n_feedback = %lld) and feed_input cannot be combined",
                           (long long)p->n_feedback);
    lacus_esn *m = LACUS__ZNEW(lacus_esn, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for an ESN");
    m->p = *p;
    lacus_status st = create_reservoir(p, &m->res, err);
    if (st) {
        lacus__free(m);
        return st;
    }
    m->p.reservoir = m->res->p;
    m->p.reservoir.n_inputs -= p->n_feedback; /* the caller's inputs, without feedback */
    *out = m;
    return LACUS_OK;
}

void lacus_esn_free(lacus_esn *m)
{
    if (!m) return;
    lacus_reservoir_free(m->res);
    lacus_ridge_free(m->readout);
    lacus__esn_stream_free(m);
    lacus__free(m);
}

const char *lacus_esn_errmsg(const lacus_esn *m) { return m ? m->err.msg : "NULL ESN"; }
lacus_reservoir *lacus_esn_reservoir(lacus_esn *m) { return m->res; }
const lacus_ridge *lacus_esn_readout(const lacus_esn *m) { return m->readout; }
int64_t lacus_esn_n_outputs(const lacus_esn *m) { return m->n_outputs; }

void lacus_esn_set_progress(lacus_esn *m, void (*progress)(double, void *), void *user)
{
    m->p.progress = progress;
    m->p.progress_user = user;
}
int lacus_esn_is_trained(const lacus_esn *m) { return m->readout && (m->readout->solved || m->readout->has_weights); }

lacus_status lacus__esn_check_seqs(lacus_error *err, const char *what, const lacus_seqs *s,
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

typedef struct {
    lacus_esn *m;
    const lacus_seqs *targets;
    double *const *outputs;
} sink_ctx;

/* Adds a block of states (after each sequence's warm-up) to the ridge sums. */
static lacus_status fit_sink(void *vctx, int64_t seq, int64_t t, int64_t rows, const double *block,
                             int64_t ld)
{
    const sink_ctx *c = vctx;
    int64_t O = c->m->n_outputs, skip = c->m->p.warmup > t ? c->m->p.warmup - t : 0;
    if (skip >= rows) return LACUS_OK;
    const double *y = c->targets->data[seq] + (t + skip) * O;
    lacus_status st = lacus__ridge_accumulate(c->m->readout, block + skip * ld, ld, y, O, rows - skip);
    if (st) c->m->err = c->m->readout->err;
    return st;
}

/* Predictions of a block of states. */
static lacus_status run_sink(void *vctx, int64_t seq, int64_t t, int64_t rows, const double *block,
                             int64_t ld)
{
    const sink_ctx *c = vctx;
    int64_t O = c->m->n_outputs;
    return lacus_ridge_predict(c->m->readout, block, ld, rows, c->outputs[seq] + t * O, O);
}

lacus_status lacus__esn_check_pairs(lacus_error *err, const lacus_seqs *inputs, int64_t n_in,
                                    const lacus_seqs *targets, int64_t n_out)
{
    lacus_status st;
    if ((st = lacus__esn_check_seqs(err, "inputs", inputs, n_in)) ||
        (st = lacus__esn_check_seqs(err, "targets", targets, n_out)))
        return st;
    if (targets->n_seqs != inputs->n_seqs)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%lld input sequences but %lld target sequences",
                           (long long)inputs->n_seqs, (long long)targets->n_seqs);
    for (int64_t i = 0; i < inputs->n_seqs; i++)
        if (targets->n_steps[i] != inputs->n_steps[i])
            return lacus__fail(err, LACUS_ERR_SHAPE,
                               "sequence %lld: %lld input steps but %lld target steps",
                               (long long)i, (long long)inputs->n_steps[i],
                               (long long)targets->n_steps[i]);
    return LACUS_OK;
}

/* Replaces the readout by a fresh, untrained one for a fit on `usable` rows
 * (after the warm-up) of n_outputs targets; the streaming buffers go with
 * the old one. No rows left is an error naming the warm-up. */
lacus_status lacus__esn_new_readout(lacus_esn *m, int64_t usable, int64_t n_outputs)
{
    if (usable == 0)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "warmup = %lld drops every step of every sequence: nothing to train on",
                           (long long)m->p.warmup);
    lacus_ridge_params rp = m->p.readout;
    rp.n_features = lacus__esn_n_features(m);
    rp.n_outputs = n_outputs;
    lacus__ridge_keep_rows_for(&rp, usable);
    lacus_ridge_free(m->readout);
    m->readout = NULL;
    lacus__esn_stream_free(m);
    m->n_outputs = rp.n_outputs;
    return lacus_ridge_create(&rp, &m->readout, &m->err);
}

lacus_status lacus_esn_fit(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets)
{
    lacus_status st;
    if ((st = lacus__esn_check_pairs(&m->err, inputs, m->p.reservoir.n_inputs, targets, 0)))
        return st;
    if (m->p.n_feedback > 0 && targets->n_features != m->p.n_feedback)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "targets have %lld features but the reservoir feeds back %lld outputs",
                           (long long)targets->n_features, (long long)m->p.n_feedback);
    int64_t usable = 0;
    for (int64_t i = 0; i < inputs->n_seqs; i++)
        usable += inputs->n_steps[i] > m->p.warmup ? inputs->n_steps[i] - m->p.warmup : 0;
    if ((st = lacus__esn_new_readout(m, usable, targets->n_features))) return st;
    sink_ctx ctx = {m, targets, NULL};
    if (m->p.n_feedback > 0) {
        /* Teacher forcing: the reservoir reads [u[t], y[t-1]]. */
        lacus__seqs_buf fb;
        if ((st = lacus__feedback_inputs(m, inputs, targets, &fb))) return st;
        st = lacus__reservoir_stream(m->res, &fb.seqs, 0, fit_sink, &ctx, m->p.progress,
                                     m->p.progress_user, &m->err);
        lacus__seqs_buf_free(&fb);
    } else {
        st = lacus__reservoir_stream(m->res, inputs, m->p.feed_input, fit_sink, &ctx,
                                     m->p.progress, m->p.progress_user, &m->err);
    }
    if (st) return st;
    if ((st = lacus_ridge_solve(m->readout))) {
        m->err = m->readout->err;
        return st;
    }
    return LACUS_OK;
}

lacus_status lacus_esn_run(lacus_esn *m, const lacus_seqs *inputs, double *const *outputs)
{
    if (!lacus_esn_is_trained(m))
        return lacus__fail(&m->err, LACUS_ERR_STATE, "the readout is not trained: fit or load first");
    lacus_status st = lacus__esn_check_seqs(&m->err, "inputs", inputs, m->p.reservoir.n_inputs);
    if (st) return st;
    if (!outputs) return lacus__fail(&m->err, LACUS_ERR_ARG, "outputs is NULL");
    if (m->p.n_feedback > 0) return lacus__feedback_run(m, inputs, outputs);
    sink_ctx ctx = {m, NULL, outputs};
    return lacus__reservoir_stream(m->res, inputs, m->p.feed_input, run_sink, &ctx, m->p.progress,
                                   m->p.progress_user, &m->err);
}
