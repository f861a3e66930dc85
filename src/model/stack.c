/* Layer stacks: L ESNs, layer l reading layer l-1's output, each with its
 * own ridge readout and targets (the ReservoirBERT shape). Each layer is an
 * ordinary lacus_esn; this file only orders their training, moves one
 * layer's outputs to the next, and frees a layer's normal equations as soon
 * as it is solved, so a stack of 10,000-unit layers needs the memory of one
 * (or parallel_layers) N^2 system, not L. */
#include "model/stack.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

lacus_stack_params lacus_stack_params_default(void)
{
    lacus_stack_params p;
    memset(&p, 0, sizeof p);
    p.parallel_layers = 1;
    p.report_mse = 1;
    return p;
}

void lacus_stack_free(lacus_stack *s)
{
    if (!s) return;
    for (int64_t l = 0; l < s->n_layers; l++) lacus_esn_free(s->layers ? s->layers[l] : NULL);
    lacus__free(s->layers);
    lacus__free(s->n_outputs);
    lacus__free(s->mse);
    lacus__free(s);
}

const char *lacus_stack_errmsg(const lacus_stack *s) { return s ? s->err.msg : "NULL stack"; }
int64_t lacus_stack_n_layers(const lacus_stack *s) { return s->n_layers; }
lacus_esn *lacus_stack_layer(lacus_stack *s, int64_t l)
{
    return (l >= 0 && l < s->n_layers) ? s->layers[l] : NULL;
}
double lacus_stack_train_mse(const lacus_stack *s, int64_t l)
{
    return (l >= 0 && l < s->n_layers) ? s->mse[l] : NAN;
}

lacus_status lacus__stack_alloc(int64_t n_layers, lacus_stack **out, lacus_error *err)
{
    *out = NULL;
    if (n_layers < 1 || n_layers > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_layers = %lld: must be in 1 .. 100000",
                           (long long)n_layers);
    lacus_stack *s = LACUS__ZNEW(lacus_stack, 1);
    if (s) {
        s->n_layers = n_layers;
        s->layers = LACUS__ZNEW(lacus_esn *, n_layers);
        s->n_outputs = LACUS__ZNEW(int64_t, n_layers);
        s->mse = LACUS__NEW(double, n_layers);
    }
    if (!s || !s->layers || !s->n_outputs || !s->mse) {
        lacus_stack_free(s);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a stack of %lld layers",
                           (long long)n_layers);
    }
    for (int64_t l = 0; l < n_layers; l++) s->mse[l] = NAN;
    s->parallel_layers = 1;
    s->report_mse = 1;
    *out = s;
    return LACUS_OK;
}

lacus_status lacus_stack_create(const lacus_stack_params *p, lacus_stack **out, lacus_error *err)
{
    if (!p || !out) return lacus__fail(err, LACUS_ERR_ARG, "params or out is NULL");
    *out = NULL;
    if (!p->layers || !p->n_outputs)
        return lacus__fail(err, LACUS_ERR_ARG, "stack params: layers or n_outputs is NULL");
    if (p->parallel_layers < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "parallel_layers = %d: must be >= 0",
                           p->parallel_layers);
    lacus_stack *s;
    lacus_status st = lacus__stack_alloc(p->n_layers, &s, err);
    if (st) return st;
    s->teacher_inputs = p->teacher_inputs != 0;
    s->parallel_layers = p->parallel_layers;
    s->report_mse = p->report_mse != 0;
    s->on_layer = p->on_layer;
    s->on_layer_user = p->on_layer_user;
    for (int64_t l = 0; l < p->n_layers; l++) {
        lacus_esn_params ep = p->layers[l];
        if (p->n_outputs[l] < 1) {
            st = lacus__fail(err, LACUS_ERR_ARG, "layer %lld: n_outputs = %lld: must be >= 1",
                             (long long)l, (long long)p->n_outputs[l]);
            break;
        }
        if (ep.n_feedback != 0) {
            st = lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                             "layer %lld: output feedback is not supported inside a stack",
                             (long long)l);
            break;
        }
        if (l > 0) {
            if (ep.reservoir.n_inputs != 0 && ep.reservoir.n_inputs != p->n_outputs[l - 1]) {
                st = lacus__fail(err, LACUS_ERR_SHAPE,
                                 "layer %lld reads %lld inputs but layer %lld has %lld outputs",
                                 (long long)l, (long long)ep.reservoir.n_inputs,
                                 (long long)l - 1, (long long)p->n_outputs[l - 1]);
                break;
            }
            ep.reservoir.n_inputs = p->n_outputs[l - 1];
        }
        s->n_outputs[l] = p->n_outputs[l];
        if ((st = lacus_esn_create(&ep, &s->layers[l], err))) {
            lacus__prefix(err, "layer %lld: ", (long long)l);
            break;
        }
    }
    if (st) {
        lacus_stack_free(s);
        return st;
    }
    *out = s;
    return LACUS_OK;
}

/* Sequences of one layer's outputs, shaped like the inputs' steps. */
static lacus_status outputs_alloc(lacus__seqs_buf *b, const lacus_seqs *like, int64_t width,
                                  lacus_error *err)
{
    memset(b, 0, sizeof *b);
    int64_t n = like->n_seqs;
    b->seqs.n_seqs = n;
    b->data = LACUS__ZNEW(double *, n);
    b->steps = LACUS__NEW(int64_t, n);
    if (!b->data || !b->steps) goto oom;
    for (int64_t i = 0; i < n; i++) {
        b->steps[i] = like->n_steps[i];
        if (!(b->data[i] = LACUS__NEW(double, like->n_steps[i] * width))) goto oom;
    }
    b->seqs.n_features = width;
    b->seqs.data = (const double *const *)b->data;
    b->seqs.n_steps = b->steps;
    return LACUS_OK;
oom:
    lacus__seqs_buf_free(b);
    return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a layer's outputs");
}

/* Mean squared error over every output of every step after warm-up. */
static double seqs_mse(const lacus_seqs *pred, const lacus_seqs *truth, int64_t warmup)
{
    double sum = 0.0;
    int64_t count = 0, O = truth->n_features;
    for (int64_t i = 0; i < truth->n_seqs; i++)
        for (int64_t t = warmup; t < truth->n_steps[i]; t++)
            for (int64_t j = 0; j < O; j++) {
                double d = pred->data[i][t * O + j] - truth->data[i][t * O + j];
                sum += d * d;
                count++;
            }
    return count ? sum / (double)count : NAN;
}

/* Fits layer l on `in` and releases its normal equations. With `pred`
 * (allocated here), also runs the layer on `in` for the next layer's
 * inputs and the training error. */
static lacus_status fit_layer(lacus_stack *s, int64_t l, const lacus_seqs *in,
                              const lacus_seqs *target, lacus__seqs_buf *pred, lacus_error *err)
{
    lacus_esn *m = s->layers[l];
    double t0 = omp_get_wtime();
    lacus__clear(&m->err);
    lacus_status st = lacus_esn_fit(m, in, target);
    if (!st) lacus__ridge_release(m->readout);
    if (!st && pred) {
        st = outputs_alloc(pred, in, s->n_outputs[l], err);
        if (!st) st = lacus_esn_run(m, in, pred->data);
        if (!st) s->mse[l] = seqs_mse(&pred->seqs, target, m->p.warmup);
    }
    if (st) {
        if (m->err.status != LACUS_OK) *err = m->err; /* else outputs_alloc's message */
        lacus__prefix(err, "layer %lld: ", (long long)l);
        return st;
    }
    if (s->on_layer) {
#pragma omp critical(lacus_stack_report)
        s->on_layer(l, s->mse[l], omp_get_wtime() - t0, s->on_layer_user);
    }
    return LACUS_OK;
}

static lacus_status check_targets(lacus_stack *s, const lacus_seqs *inputs,
                                  const lacus_seqs *const *targets)
{
    if (!targets) return lacus__fail(&s->err, LACUS_ERR_ARG, "targets is NULL");
    for (int64_t l = 0; l < s->n_layers; l++) {
        const lacus_seqs *y = targets[l];
        char what[48];
        snprintf(what, sizeof what, "layer %lld targets", (long long)l);
        lacus_status st = lacus__esn_check_seqs(&s->err, what, y, s->n_outputs[l]);
        if (st) return st;
        if (y->n_seqs != inputs->n_seqs)
            return lacus__fail(&s->err, LACUS_ERR_SHAPE, "%s: %lld sequences, inputs have %lld",
                               what, (long long)y->n_seqs, (long long)inputs->n_seqs);
        for (int64_t i = 0; i < y->n_seqs; i++)
            if (y->n_steps[i] != inputs->n_steps[i])
                return lacus__fail(&s->err, LACUS_ERR_SHAPE,
                                   "%s: sequence %lld has %lld steps, its input %lld", what,
                                   (long long)i, (long long)y->n_steps[i],
                                   (long long)inputs->n_steps[i]);
    }
    return LACUS_OK;
}

static lacus_status fit_chained(lacus_stack *s, const lacus_seqs *inputs,
                                const lacus_seqs *const *targets)
{
    lacus__seqs_buf prev = {0};
    const lacus_seqs *in = inputs;
    lacus_status st = LACUS_OK;
    for (int64_t l = 0; l < s->n_layers && !st; l++) {
        lacus__seqs_buf pred = {0};
        int need = l + 1 < s->n_layers || s->report_mse;
        st = fit_layer(s, l, in, targets[l], need ? &pred : NULL, &s->err);
        lacus__seqs_buf_free(&prev);
        prev = pred;
        in = &prev.seqs;
    }
    lacus__seqs_buf_free(&prev);
    return st;
}

static lacus_status fit_teacher(lacus_stack *s, const lacus_seqs *inputs,
                                const lacus_seqs *const *targets)
{
    int64_t L = s->n_layers;
    int par = s->parallel_layers ? s->parallel_layers : omp_get_max_threads();
    if (par > L) par = (int)L;
    if (par < 1) par = 1;
    lacus_status *status = LACUS__NEW(lacus_status, L);
    lacus_error *errs = LACUS__ZNEW(lacus_error, L);
    if (!status || !errs) {
        lacus__free(status);
        lacus__free(errs);
        return lacus__fail(&s->err, LACUS_ERR_NOMEM, "out of memory");
    }
    /* Each layer's fit is thread-count invariant, so training P layers at
     * once (nested regions inside run on one thread) changes nothing but
     * the wall time. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(par) if (par > 1)
    for (int64_t l = 0; l < L; l++) {
        const lacus_seqs *in = l == 0 ? inputs : targets[l - 1];
        lacus__seqs_buf pred = {0};
        status[l] = fit_layer(s, l, in, targets[l], s->report_mse ? &pred : NULL, &errs[l]);
        lacus__seqs_buf_free(&pred);
    }
    lacus_status st = LACUS_OK;
    for (int64_t l = 0; l < L && !st; l++)
        if ((st = status[l])) s->err = errs[l];
    lacus__free(status);
    lacus__free(errs);
    return st;
}

lacus_status lacus_stack_fit(lacus_stack *s, const lacus_seqs *inputs,
                             const lacus_seqs *const *targets)
{
    lacus_status st;
    if ((st = lacus__esn_check_seqs(&s->err, "inputs", inputs, s->layers[0]->p.reservoir.n_inputs)) ||
        (st = check_targets(s, inputs, targets)))
        return st;
    for (int64_t l = 0; l < s->n_layers; l++) s->mse[l] = NAN;
    lacus__clear(&s->err);
    return s->teacher_inputs ? fit_teacher(s, inputs, targets) : fit_chained(s, inputs, targets);
}

lacus_status lacus_stack_run(lacus_stack *s, const lacus_seqs *inputs,
                             double *const *const *outputs)
{
    lacus_status st = lacus__esn_check_seqs(&s->err, "inputs", inputs,
                                            s->layers[0]->p.reservoir.n_inputs);
    if (st) return st;
    for (int64_t l = 0; l < s->n_layers; l++)
        if (!lacus_esn_is_trained(s->layers[l]))
            return lacus__fail(&s->err, LACUS_ERR_STATE, "layer %lld is not trained",
                               (long long)l);
    lacus__seqs_buf prev = {0}; /* our own buffer of the previous layer, if any */
    lacus_seqs cur = *inputs;   /* what the next layer reads */
    for (int64_t l = 0; l < s->n_layers && !st; l++) {
        double *const *dst = outputs ? outputs[l] : NULL;
        lacus__seqs_buf own = {0};
        if (!dst) {
            if (l + 1 == s->n_layers) break; /* nobody reads the last layer */
            if ((st = outputs_alloc(&own, inputs, s->n_outputs[l], &s->err))) break;
            dst = own.data;
        }
        if ((st = lacus_esn_run(s->layers[l], &cur, dst))) {
            s->err = s->layers[l]->err;
            lacus__prefix(&s->err, "layer %lld: ", (long long)l);
        }
        lacus__seqs_buf_free(&prev);
        prev = own;
        cur.n_features = s->n_outputs[l];
        cur.data = (const double *const *)dst;
    }
    lacus__seqs_buf_free(&prev);
    return st;
}
