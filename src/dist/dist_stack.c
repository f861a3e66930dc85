/* Stacks over MPI ranks with a choice of readout solve
 * (lacus_stack_fit_dist_ex). REDUCE keeps lacus_stack_fit_dist: whole
 * layers on single ranks, each solved serially there. SCALAPACK trains the
 * layers one after another, each over every rank: the sequences are shared
 * out (sequence q on rank q mod K, its noise stream numbered q) and the
 * layer's readout is solved by the distributed solve of
 * lacus_esn_fit_dist_ex, so no rank holds a layer's N x N system. A chained
 * layer reads the previous layer's predictions, which each rank computes
 * for its own sequences once that layer is trained (every rank has it). The
 * training MSE is summed in double-double along the fixed tree, so it does
 * not depend on K either. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dd.h"
#include "dist/dist_priv.h"
#include "model/esn.h"
#include "model/stack.h"

/* This rank's predictions of layer l for its sequences, and their squared
 * error against the targets after the warmup (hi/lo: sum, count). */
static lacus_status run_local(lacus_stack *s, int64_t l, const lacus_seqs *in, const lacus_seqs *tg,
                              double **pred, double *hi, double *lo)
{
    lacus_esn *m = s->layers[l];
    int64_t O = s->n_outputs[l];
    for (int64_t i = 0; i < in->n_seqs; i++)
        if (!(pred[i] = LACUS__NEW(double, in->n_steps[i] * O > 0 ? in->n_steps[i] * O : 1)))
            return lacus__fail(&s->err, LACUS_ERR_NOMEM, "layer %lld: out of memory for its outputs",
                               (long long)l);
    if (lacus_esn_run(m, in, pred)) {
        s->err = m->err;
        lacus__prefix(&s->err, "layer %lld: ", (long long)l);
        return s->err.status;
    }
    for (int64_t i = 0; i < in->n_seqs; i++)
        for (int64_t t = m->p.warmup; t < in->n_steps[i]; t++)
            for (int64_t j = 0; j < O; j++) {
                double d = pred[i][t * O + j] - tg->data[i][t * O + j];
                lacus__dd_add1(&hi[0], &lo[0], d * d);
                lacus__dd_add1(&hi[1], &lo[1], 1.0);
            }
    return LACUS_OK;
}


static void free_preds(double **p, int64_t n)
{
    for (int64_t i = 0; p && i < n; i++) lacus__free(p[i]);
    lacus__free(p);
}

static lacus_status fit_scalapack(lacus_stack *s, const lacus_seqs *inputs, const lacus_seqs *const *targets,
                                  const lacus_dist_params *dp)
{
    int rank = lacus_dist_rank(), K = lacus_dist_size();
    int64_t n = inputs->n_seqs, mine = 0, L = s->n_layers;
    for (int64_t q = rank; q < n; q += K) mine++;
    const double **in_ptr = LACUS__ZNEW(const double *, mine + 1), **tg_ptr = LACUS__ZNEW(const double *, mine + 1);
    int64_t *steps = LACUS__ZNEW(int64_t, mine + 1), *ids = LACUS__ZNEW(int64_t, mine + 1);
    double **prev = NULL, **pred = NULL; /* chained: the last layer's outputs, this rank's sequences */
    lacus_status st = in_ptr && tg_ptr && steps && ids ? LACUS_OK
                                                       : lacus__fail(&s->err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t q = rank, i = 0; q < n; q += K, i++) {
        steps[i] = inputs->n_steps[q];
        ids[i] = q;
    }
    lacus_dist_params d = *dp;
    d.solve = LACUS_DIST_SOLVE_SCALAPACK;
    for (int64_t l = 0; l < L; l++) {
        if ((st = lacus_dist_agree(st, &s->err))) break;
        lacus_esn *m = s->layers[l];
        const lacus_seqs *src = l == 0 || s->teacher_inputs ? (l == 0 ? inputs : targets[l - 1]) : NULL;
        for (int64_t q = rank, i = 0; q < n; q += K, i++) {
            in_ptr[i] = src ? src->data[q] : prev[i];
            tg_ptr[i] = targets[l]->data[q];
        }
        int64_t width = l == 0 ? inputs->n_features : s->teacher_inputs ? targets[l - 1]->n_features
                                                                        : s->n_outputs[l - 1];
        lacus_seqs in = {mine, width, in_ptr, steps}, tg = {mine, s->n_outputs[l], tg_ptr, steps};
        double t0 = lacus__dist_now_s();
        if ((st = lacus_esn_fit_dist_ex(m, &in, &tg, ids, &d, NULL))) { /* agreed on every rank */
            s->err = m->err;
            lacus__prefix(&s->err, "layer %lld: ", (long long)l);
            break;
        }
        s->mse[l] = NAN;
        if (s->report_mse || (!s->teacher_inputs && l + 1 < L)) {
            double hi[2] = {0, 0}, lo[2] = {0, 0};
            pred = LACUS__ZNEW(double *, mine + 1);
            st = pred ? run_local(s, l, &in, &tg, pred, hi, lo)
                      : lacus__fail(&s->err, LACUS_ERR_NOMEM, "out of memory");
            if ((st = lacus_dist_agree(st, &s->err)) || (st = lacus_dist_sum_dd(hi, lo, 2, &s->err))) break;
            s->mse[l] = hi[1] > 0 ? hi[0] / hi[1] : NAN;
            free_preds(prev, mine);
            prev = pred;
            pred = NULL;
        }
        if (s->on_layer) s->on_layer(l, s->mse[l], lacus__dist_now_s() - t0, s->on_layer_user);
    }
    free_preds(prev, mine);
    free_preds(pred, mine);
    lacus__free(in_ptr);
    lacus__free(tg_ptr);
    lacus__free(steps);
    lacus__free(ids);
    return st;
}

lacus_status lacus_stack_fit_dist_ex(lacus_stack *s, const lacus_seqs *inputs,
                                     const lacus_seqs *const *targets, const lacus_dist_params *dp)
{
    if (!s) return LACUS_ERR_ARG;
    lacus__clear(&s->err);
    lacus_dist_params d = dp ? *dp : lacus_dist_params_default();
    lacus_status st = LACUS_OK;
    if ((unsigned)d.solve > LACUS_DIST_SOLVE_SCALAPACK)
        return lacus__fail(&s->err, LACUS_ERR_ARG, "solve %d: unknown", (int)d.solve);
    if (!(d.rank_mem_mb >= 0.0 && d.rank_mem_mb < 1e12))
        return lacus__fail(&s->err, LACUS_ERR_ARG, "rank_mem_mb = %g: must be >= 0 (0: no cap)", d.rank_mem_mb);
    /* AUTO: the distributed solve when some layer's N x N sums would not
     * fit in the cap on one rank (every rank decides the same). */
    int K = lacus_dist_size();
    if (d.solve == LACUS_DIST_SOLVE_AUTO) {
        d.solve = LACUS_DIST_SOLVE_REDUCE;
        for (int64_t l = 0; l < s->n_layers && d.rank_mem_mb > 0; l++)
            if ((double)lacus_dist_solve_bytes(LACUS_DIST_SOLVE_REDUCE, lacus__esn_n_features(s->layers[l]),
                                               s->n_outputs[l], K, &d) > d.rank_mem_mb * 1048576.0)
                d.solve = LACUS_DIST_SOLVE_SCALAPACK;
    }
    if (d.solve == LACUS_DIST_SOLVE_REDUCE) return lacus_stack_fit_dist(s, inputs, targets);
    /* Every rank holds all the data, as for lacus_stack_fit_dist. */
    if (!inputs || !targets) st = lacus__fail(&s->err, LACUS_ERR_ARG, "inputs or targets is NULL");
    if (!st) st = lacus__esn_check_seqs(&s->err, "inputs", inputs, s->layers[0]->p.reservoir.n_inputs);
    for (int64_t l = 0; l < s->n_layers && !st; l++) {
        char what[48];
        snprintf(what, sizeof what, "layer %lld targets", (long long)l);
        const lacus_seqs *y = targets[l];
        if (!(st = lacus__esn_check_seqs(&s->err, what, y, s->n_outputs[l])) && y->n_seqs != inputs->n_seqs)
            st = lacus__fail(&s->err, LACUS_ERR_SHAPE, "%s: %lld sequences, inputs have %lld", what,
                             (long long)y->n_seqs, (long long)inputs->n_seqs);
        for (int64_t i = 0; !st && i < y->n_seqs; i++)
            if (y->n_steps[i] != inputs->n_steps[i])
                st = lacus__fail(&s->err, LACUS_ERR_SHAPE, "%s: sequence %lld has %lld steps, its input %lld",
                                 what, (long long)i, (long long)y->n_steps[i], (long long)inputs->n_steps[i]);
    }
    for (int64_t l = 0; l < s->n_layers; l++) s->mse[l] = NAN;
    if ((st = lacus_dist_agree(st, &s->err))) return st;
    return fit_scalapack(s, inputs, targets, &d);
}
