/* Reservoir evolution: a genome read as a reservoir of leaky units (the
 * recurrent phenotype of net.c, every node a unit), scored by a ridge
 * readout (lacus_ridge, closed form) fitted on the training sequences and
 * evaluated on the validation ones. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "evolve/neat_int.h"

/* Runs sequence i from a zero state and writes the unit states of every
 * step (or of the last step only) into states. The network is built with
 * no output nodes, so activate writes nothing to its output argument.
 * Returns -1 when a state is not finite (a diverging reservoir), else 0. */
static int run_seq(lacus_neat_net *n, const lacus_neat_res_task *t, int64_t i, double *states,
                   int last_only)
{
    int64_t ni, nn;
    double unused[1];
    lacus_neat_net_reset(n);
    const double *u = t->inputs[i];
    const int64_t T = t->n_steps[i];
    for (int64_t s = 0; s < T; s++) {
        lacus_neat_net_activate(n, u + s * t->n_inputs, unused);
        const double *v = lacus__neat_net_values(n, &ni, &nn);
        for (int64_t k = 0; k < nn; k++)
            if (!isfinite(v[ni + k])) return -1;
        if (!last_only) memcpy(states + s * nn, v + ni, (size_t)nn * sizeof *states);
        else if (s == T - 1) memcpy(states, v + ni, (size_t)nn * sizeof *states);
    }
    return 0;
}

static lacus_status check_task(const lacus_neat_res_task *t, lacus_error *err)
{
    if (!t || !t->config) return lacus__fail(err, LACUS_ERR_ARG, "reservoir task or its config is NULL");
    if (t->n_inputs != t->config->num_inputs)
        return lacus__fail(err, LACUS_ERR_ARG, "reservoir task: n_inputs = %lld but num_inputs = %lld",
                           (long long)t->n_inputs, (long long)t->config->num_inputs);
    if (t->n_seqs < 2 || t->n_train < 1 || t->n_train >= t->n_seqs)
        return lacus__fail(err, LACUS_ERR_ARG, "reservoir task: need 1 <= n_train < n_seqs (got %lld of %lld)",
                           (long long)t->n_train, (long long)t->n_seqs);
    if (t->n_outputs < 1 || !t->inputs || !t->n_steps)
        return lacus__fail(err, LACUS_ERR_ARG, "reservoir task: n_outputs >= 1, inputs and n_steps needed");
    if (t->kind == LACUS_NEAT_RES_CLASSIFICATION ? !t->labels : !t->targets)
        return lacus__fail(err, LACUS_ERR_ARG, "reservoir task: %s missing",
                           t->kind == LACUS_NEAT_RES_CLASSIFICATION ? "labels" : "targets");
    if (!(t->ridge >= 0) || !isfinite(t->ridge) || !isfinite(t->size_penalty) || t->warmup < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "reservoir task: ridge >= 0, finite size_penalty, warmup >= 0");
    return LACUS_OK;
}

/* The score of a reservoir whose states diverge: chance-level accuracy
 * is not granted, the worst score is. */
#define WORST_NRMSE 1e3

lacus_status lacus_neat_reservoir_score(const lacus_neat_genome *g, const lacus_neat_res_task *t,
                                        double *score, lacus_error *err)
{
    lacus_status st = check_task(t, err);
    if (st) return st;
    const int cls = t->kind == LACUS_NEAT_RES_CLASSIFICATION;
    const int64_t O = t->n_outputs, NN = g->n_nodes;
    *score = cls ? 0.0 : -WORST_NRMSE;
    if (NN < 1) return LACUS_OK;
    lacus_neat_config rc = *t->config;
    rc.num_outputs = 0; /* the readout is the ridge, not the output nodes */
    lacus_neat_net *n = NULL;
    if ((st = lacus_neat_net_create(g, &rc, 1, &n, err))) return st;
    int64_t maxT = 1;
    for (int64_t i = 0; i < t->n_seqs; i++) maxT = t->n_steps[i] > maxT ? t->n_steps[i] : maxT;
    double *states = LACUS__NEW(double, maxT * NN), *y = LACUS__NEW(double, (cls ? 1 : maxT) * O);
    double *pred = LACUS__NEW(double, maxT * O);
    lacus_ridge *rg = NULL;
    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = NN;
    rp.n_outputs = O;
    rp.ridge = t->ridge;
    if (!states || !y || !pred) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory scoring a reservoir");
        goto done;
    }
    if ((st = lacus_ridge_create(&rp, &rg, err))) goto done;
    if (cls) {
        /* One row per sequence (its last state), fitted in one call. */
        double *X = LACUS__NEW(double, t->n_train * NN), *Y = LACUS__ZNEW(double, t->n_train * O);
        int bad = !X || !Y;
        for (int64_t i = 0; i < t->n_train && !bad; i++) {
            if (run_seq(n, t, i, X + i * NN, 1)) bad = 2;
            else if (t->labels[i] >= 0 && t->labels[i] < O) Y[i * O + t->labels[i]] = 1.0;
        }
        if (bad == 1) st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory scoring a reservoir");
        else if (!bad) st = lacus_ridge_partial_fit(rg, X, NN, Y, O, t->n_train);
        lacus__free(X);
        lacus__free(Y);
        if (bad || st) goto done; /* bad == 2: diverged, worst score */
    }
    for (int64_t i = 0; i < t->n_train && !cls; i++) {
        if (run_seq(n, t, i, states, 0)) goto done; /* diverged: worst score */
        if (t->n_steps[i] > t->warmup) {
            int64_t w = t->warmup;
            st = lacus_ridge_partial_fit(rg, states + w * NN, NN, t->targets[i] + w * O, O, t->n_steps[i] - w);
        }
        if (st) {
            lacus__prefix(err, "reservoir genome %lld: ", (long long)g->key);
            goto done;
        }
    }
    if (lacus_ridge_solve(rg)) goto done; /* a singular readout scores worst too */
    double hits = 0, sse = 0, sum = 0, sq = 0, cnt = 0;
    for (int64_t i = t->n_train; i < t->n_seqs; i++) {
        if (run_seq(n, t, i, states, cls)) goto done;
        if (cls) {
            lacus_ridge_predict(rg, states, NN, 1, pred, O);
            int64_t arg = 0;
            for (int64_t o = 1; o < O; o++)
                if (pred[o] > pred[arg]) arg = o;
            hits += arg == t->labels[i];
            cnt += 1;
        } else if (t->n_steps[i] > t->warmup) {
            int64_t w = t->warmup, m = t->n_steps[i] - w;
            lacus_ridge_predict(rg, states + w * NN, NN, m, pred, O);
            for (int64_t r = 0; r < m * O; r++) {
                double yt = t->targets[i][w * O + r];
                sse += (pred[r] - yt) * (pred[r] - yt);
                sum += yt;
                sq += yt * yt;
                cnt += 1;
            }
        }
    }
    if (cnt == 0) {
        st = lacus__fail(err, LACUS_ERR_ARG, "reservoir task: no validation samples (warmup too long?)");
        goto done;
    }
    if (cls) *score = hits / cnt;
    else {
        double var = sq / cnt - (sum / cnt) * (sum / cnt);
        double nrmse = sqrt(sse / cnt) / sqrt(var > 0 ? var : 1e-300);
        *score = isfinite(nrmse) ? -fmin(nrmse, WORST_NRMSE) : -WORST_NRMSE;
    }
done:
    lacus_ridge_free(rg);
    lacus_neat_net_free(n);
    lacus__free(states);
    lacus__free(y);
    lacus__free(pred);
    return st;
}

lacus_status lacus_neat_fitness_reservoir(const lacus_neat_genome *g, void *task,
                                          uint64_t eval_seed, double *fitness, lacus_error *err)
{
    const lacus_neat_res_task *t = task;
    double s = 0;
    lacus_status st = lacus_neat_reservoir_score(g, t, &s, err);
    if (st) return st;
    *fitness = s - t->size_penalty * (double)g->n_nodes;
    return LACUS_OK;
}
