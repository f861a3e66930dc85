/* Search trials: many ESNs fitted on the same training sequence and run on
 * the same validation sequences, as lacus_esn_fit then lacus_esn_run (one
 * validation sequence per call) would, bit for bit, but with the models'
 * sequences advanced together as lanes of one reservoir pass when the
 * models share W's sparsity pattern (nodes/reservoir_multi.c).
 *
 * Why this gives the same numbers as lacus_esn_fit + lacus_esn_run:
 *  - each lane's states equal its reservoir's own run (reservoir_multi.c),
 *    and do not depend on how the steps are cut into rounds (the input
 *    drive, noise and recurrence are computed step by step);
 *  - each lane's noise stream is seeded as the fit's and the runs' would
 *    be: the fit is the reservoir's next run call (sequence 0), then each
 *    validation sequence its own call, in order;
 *  - the readout stages rows into fixed groups before X^T X
 *    (nodes/ridge.c), so its sums do not depend on the block sizes it is
 *    handed, only on the row order, which is the training sequence's;
 *  - the readout is created exactly as lacus_esn_fit creates it, and the
 *    predictions are made on the same 256-row blocks as lacus_esn_run's
 *    stream.
 * tests/cli/test_search_fit.sh checks a search's losses against lacus fit +
 * lacus run; tests/unit/test_search_eval.c the states and predictions. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"

#define ROWS 256 /* = the stream's block (nodes/reservoir_stream.c STREAM_ROWS) */

static lacus_status one_by_one(lacus_esn *m, const lacus_seqs *X, const lacus_seqs *Y,
                               const lacus_seqs *VX, double *const *out)
{
    lacus_status st = lacus_esn_fit(m, X, Y);
    for (int64_t i = 0; !st && i < VX->n_seqs; i++) {
        lacus_seqs one = {1, VX->n_features, &VX->data[i], &VX->n_steps[i]};
        st = lacus_esn_run(m, &one, &out[i]);
    }
    return st;
}

static int can_share(const lacus_esn *m, const lacus_seqs *X, const lacus_seqs *VX)
{
    return m->p.n_feedback == 0 && !m->p.feed_input &&
           m->p.reservoir.activation != LACUS_ACT_SOFTMAX && X->n_seqs == 1 &&
           VX->n_seqs >= 0 && 1 + VX->n_seqs <= LACUS__BATCH_MAX;
}

/* lacus_esn_fit up to the reservoir pass (its checks and its readout). */
static lacus_status fit_prologue(lacus_esn *m, const lacus_seqs *X, const lacus_seqs *Y,
                                 const lacus_seqs *VX)
{
    lacus_status st;
    if ((st = lacus__esn_check_pairs(&m->err, X, m->p.reservoir.n_inputs, Y, 0)) ||
        (VX->n_seqs > 0 && (st = lacus__esn_check_seqs(&m->err, "inputs", VX, m->p.reservoir.n_inputs))))
        return st;
    int64_t usable = X->n_steps[0] > m->p.warmup ? X->n_steps[0] - m->p.warmup : 0;
    return lacus__esn_new_readout(m, usable, Y->n_features);
}

typedef struct {
    int model;      /* index in the group */
    int64_t val;    /* -1: the training sequence, else the validation sequence */
    int64_t T, pos; /* length, steps done */
    const double *u;
    double *states; /* train: a (ROWS, N) block; validation: (T, N) */
    double *x;
    lacus__run_ws ws;
} lane;

/* One group of g models with the same W pattern; st[j] their statuses. */
static void run_group(lacus_esn *const *ms, int g, const lacus_seqs *X, const lacus_seqs *Y,
                      const lacus_seqs *VX, double *const *const *out, lacus_status *st)
{
    const int64_t V = VX->n_seqs, N = ms[0]->res->p.n_units, I = X->n_features;
    const int L = g * (int)(1 + V);
    lane ln[LACUS__BATCH_MAX];
    memset(ln, 0, sizeof ln);
    double *xi = LACUS__NEW(double, 2 * N * L), *Wv = LACUS__NEW(double, ms[0]->res->W.nnz * L + 1);
    int ok = xi && Wv;
    for (int j = 0; j < g; j++) {
        lacus_reservoir *r = ms[j]->res;
        for (int64_t v = -1; v < V; v++) {
            lane *a = &ln[j * (1 + V) + v + 1];
            a->model = j;
            a->val = v;
            a->T = v < 0 ? X->n_steps[0] : VX->n_steps[v];
            a->u = v < 0 ? X->data[0] : VX->data[v];
            a->states = LACUS__NEW(double, (v < 0 ? ROWS : a->T) * N);
            a->x = LACUS__ZNEW(double, N);
            ok &= a->states && a->x && !lacus__run_ws_init(&a->ws, r);
            /* The fit is the reservoir's next run call, then each
             * validation sequence its own (sequence index 0 each). */
            if (ok) lacus__run_ws_seed(&a->ws, r, r->n_runs++, 0);
        }
    }
    if (!ok) {
        for (int j = 0; j < g; j++)
            if (!st[j]) st[j] = lacus__fail(&ms[j]->err, LACUS_ERR_NOMEM, "out of memory for the search lanes");
        goto done;
    }
    int prev[LACUS__BATCH_MAX], n_prev = -1;
    for (;;) {
        int busy[LACUS__BATCH_MAX], S = 0;
        int64_t n = ROWS;
        for (int l = 0; l < L; l++)
            if (ln[l].pos < ln[l].T && !st[ln[l].model]) {
                busy[S++] = l;
                if (ln[l].T - ln[l].pos < n) n = ln[l].T - ln[l].pos;
            }
        if (S == 0) break;
        const lacus_reservoir *rs[LACUS__BATCH_MAX];
        lacus__lane lanes[LACUS__BATCH_MAX];
        for (int s = 0; s < S; s++) {
            lane *a = &ln[busy[s]];
            rs[s] = ms[a->model]->res;
            lanes[s] = (lacus__lane){&a->ws, a->x, a->u + a->pos * I, I,
                                     a->val < 0 ? a->states : a->states + a->pos * N, N};
        }
        int same = S == n_prev;
        for (int s = 0; same && s < S; s++) same = busy[s] == prev[s];
        if (!same) { /* the lane set changed (a sequence ended): re-interleave W */
            lacus__interleave_W(rs, S, Wv);
            memcpy(prev, busy, sizeof busy);
            n_prev = S;
        }
        lacus__reservoir_steps_multi(rs, lanes, S, n, Wv, xi);
        for (int s = 0; s < S; s++) {
            lane *a = &ln[busy[s]];
            lacus_esn *m = ms[a->model];
            if (a->val < 0) { /* as lacus_esn_fit's sink: rows after the warmup */
                int64_t O = m->n_outputs, skip = m->p.warmup > a->pos ? m->p.warmup - a->pos : 0;
                if (skip < n) {
                    lacus_status e = lacus__ridge_accumulate(m->readout, a->states + skip * N, N,
                                                             Y->data[0] + (a->pos + skip) * O, O,
                                                             n - skip);
                    if (e) {
                        m->err = m->readout->err;
                        st[a->model] = e;
                    }
                }
            }
            a->pos += n;
        }
    }
    for (int j = 0; j < g; j++) {
        lacus_esn *m = ms[j];
        if (st[j]) continue;
        if ((st[j] = lacus_ridge_solve(m->readout))) {
            m->err = m->readout->err;
            continue;
        }
        /* As lacus_esn_run's stream: predictions on blocks of ROWS rows. */
        for (int64_t v = 0; v < V && !st[j]; v++) {
            const lane *a = &ln[j * (1 + V) + v + 1];
            for (int64_t t = 0; t < a->T && !st[j]; t += ROWS)
                st[j] = lacus_ridge_predict(m->readout, a->states + t * N, N,
                                            a->T - t < ROWS ? a->T - t : ROWS,
                                            out[j][v] + t * m->n_outputs, m->n_outputs);
        }
    }
done:
    for (int l = 0; l < L; l++) {
        lacus__free(ln[l].states);
        lacus__free(ln[l].x);
        lacus__run_ws_free(&ln[l].ws);
    }
    lacus__free(xi);
    lacus__free(Wv);
}

lacus_status lacus_esn_fit_eval_many(lacus_esn *const *models, int64_t n_models,
                                     const lacus_seqs *inputs, const lacus_seqs *targets,
                                     const lacus_seqs *val_inputs, double *const *const *outputs,
                                     lacus_status *status)
{
    if (!models || n_models < 1 || !inputs || !targets || !val_inputs || !outputs || !status)
        return LACUS_ERR_ARG;
    int64_t per = LACUS__BATCH_MAX / (1 + (val_inputs->n_seqs > 0 ? val_inputs->n_seqs : 0));
    for (int64_t k = 0; k < n_models; k++) status[k] = LACUS_OK;
    char *done = LACUS__ZNEW(char, n_models);
    if (!done) {
        for (int64_t k = 0; k < n_models; k++)
            if (models[k]) status[k] = lacus__fail(&models[k]->err, LACUS_ERR_NOMEM, "out of memory");
        return LACUS_ERR_NOMEM;
    }
    for (int64_t k = 0; k < n_models; k++) {
        if (done[k]) continue;
        done[k] = 1;
        lacus_esn *m = models[k];
        if (!m) {
            status[k] = LACUS_ERR_ARG;
            continue;
        }
        if (!can_share(m, inputs, val_inputs) || per < 1) {
            status[k] = one_by_one(m, inputs, targets, val_inputs, outputs[k]);
            continue;
        }
        /* A group: k and the next models with the same pattern. */
        lacus_esn *ms[LACUS__BATCH_MAX];
        double *const *os[LACUS__BATCH_MAX];
        lacus_status gs[LACUS__BATCH_MAX];
        int64_t idx[LACUS__BATCH_MAX];
        int g = 0;
        for (int64_t j = k; j < n_models && g < per; j++) {
            if (j > k && (done[j] || !models[j] || !can_share(models[j], inputs, val_inputs) ||
                          !lacus__reservoir_same_pattern(m->res, models[j]->res)))
                continue;
            done[j] = 1;
            ms[g] = models[j];
            os[g] = outputs[j];
            idx[g] = j;
            gs[g] = fit_prologue(models[j], inputs, targets, val_inputs);
            g++;
        }
        run_group(ms, g, inputs, targets, val_inputs, os, gs);
        for (int j = 0; j < g; j++) status[idx[j]] = gs[j];
    }
    lacus__free(done);
    for (int64_t k = 0; k < n_models; k++)
        if (status[k]) return status[k];
    return LACUS_OK;
}
