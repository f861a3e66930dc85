/* Model graphs, computing side: fit (forced teaching, one streaming pass,
 * every ridge node accumulating its own sums) and run (node by node, or
 * step by step when delayed edges make the graph recurrent). The node
 * input layout is ReservoirPy's: [external input, delay-0 parents in edge
 * order, delayed parents in edge order]. Sequences are processed one after
 * another; a reservoir's own run is multi-threaded. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"
#include "model/graph.h"

/* Per-sequence working memory: each node's output rows, and the input
 * matrix of the node being computed. */
typedef struct work {
    double **out;       /* n_nodes: (T, width); borrowed for inputs/targets in fit */
    int *owned;         /* n_nodes: out[i] allocated here */
    double *in;         /* (T, max in_width) */
    int64_t cap_rows;
} work;

static void work_free(const lacus_graph *g, work *w)
{
    for (int64_t i = 0; w->out && i < g->n_nodes; i++)
        if (w->owned[i]) lacus__free(w->out[i]);
    lacus__free(w->out);
    lacus__free(w->owned);
    lacus__free(w->in);
    memset(w, 0, sizeof *w);
}

/* Sizes the buffers for sequences of up to T steps; own[i] says which
 * nodes get their own output rows. */
static lacus_status work_alloc(lacus_graph *g, work *w, int64_t T, const int *own)
{
    memset(w, 0, sizeof *w);
    int64_t max_in = 1;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].in_width > max_in) max_in = g->nodes[i].in_width;
    w->out = LACUS__ZNEW(double *, g->n_nodes);
    w->owned = LACUS__ZNEW(int, g->n_nodes);
    w->in = LACUS__NEW(double, T * max_in);
    int ok = w->out && w->owned && w->in;
    for (int64_t i = 0; ok && i < g->n_nodes; i++)
        if (own[i]) {
            w->owned[i] = 1;
            ok = (w->out[i] = LACUS__NEW(double, T * g->nodes[i].width)) != NULL;
        }
    w->cap_rows = T;
    if (!ok) {
        work_free(g, w);
        return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory for the graph's node outputs");
    }
    return LACUS_OK;
}

/* Row t of node c's input (in_width values) from the outputs so far. */
static void gather_row(const lacus_graph *g, int64_t c, int64_t t, const double *ext,
                       double *const *out, double *row)
{
    int64_t col = 0, w;
    if (g->nodes[c].is_input) {
        w = lacus__graph_ext_width(g, c);
        memcpy(row, ext + t * w, (size_t)w * sizeof(double));
        col = w;
    }
    for (int pass = 0; pass < 2; pass++) /* delay-0 parents first, then delayed ones */
        for (int64_t e = 0; e < g->n_edges; e++) {
            const lacus__edge *ed = &g->edges[e];
            if (ed->to != c || (ed->delay == 0) != (pass == 0)) continue;
            w = g->nodes[ed->from].width;
            int64_t s = t - ed->delay;
            if (s >= 0) memcpy(row + col, out[ed->from] + s * w, (size_t)w * sizeof(double));
            else memset(row + col, 0, (size_t)w * sizeof(double));
            col += w;
        }
}

static void gather(const lacus_graph *g, int64_t c, int64_t T, const double *ext,
                   double *const *out, double *in)
{
    int64_t W = g->nodes[c].in_width;
    for (int64_t t = 0; t < T; t++) gather_row(g, c, t, ext, out, in + t * W);
}

/* Checks the external inputs (one set per graph input) and returns their
 * common sequence count; ext_of[i] is the input set of node i. */
static lacus_status check_inputs(lacus_graph *g, const lacus_seqs *const *inputs,
                                 const lacus_seqs **ext_of, int64_t *n_seqs, int64_t *max_steps)
{
    if (!inputs) return lacus__fail(&g->err, LACUS_ERR_ARG, "inputs is NULL");
    const lacus_seqs *first = NULL;
    int64_t k = 0;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        ext_of[i] = NULL;
        if (!g->nodes[i].is_input) continue;
        const lacus_seqs *s = inputs[k];
        char what[300];
        snprintf(what, sizeof what, "input %lld (node \"%s\")", (long long)k, g->nodes[i].name);
        int64_t own = lacus__graph_ext_width(g, i);
        lacus_status st = lacus__esn_check_seqs(&g->err, what, s, own);
        if (st) return st;
        if (first && (s->n_seqs != first->n_seqs))
            return lacus__fail(&g->err, LACUS_ERR_SHAPE, "%s: %lld sequences, input 0 has %lld",
                               what, (long long)s->n_seqs, (long long)first->n_seqs);
        for (int64_t q = 0; first && q < s->n_seqs; q++)
            if (s->n_steps[q] != first->n_steps[q])
                return lacus__fail(&g->err, LACUS_ERR_SHAPE,
                                   "%s: sequence %lld has %lld steps, input 0's has %lld", what,
                                   (long long)q, (long long)s->n_steps[q],
                                   (long long)first->n_steps[q]);
        if (!first) first = s;
        ext_of[i] = s;
        k++;
    }
    *n_seqs = first->n_seqs;
    *max_steps = 0;
    for (int64_t q = 0; q < first->n_seqs; q++)
        if (first->n_steps[q] > *max_steps) *max_steps = first->n_steps[q];
    return LACUS_OK;
}

static lacus_status ensure_initialized(lacus_graph *g, const lacus_seqs *const *inputs)
{
    if (g->initialized) return LACUS_OK;
    int64_t n_in = lacus_graph_inputs(g, NULL, 0);
    int64_t *widths = LACUS__NEW(int64_t, n_in ? n_in : 1);
    if (!widths) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    int64_t k = 0;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].is_input) {
            widths[k] = inputs[k]->n_features;
            k++;
        }
    lacus_status st = lacus_graph_initialize(g, widths);
    lacus__free(widths);
    return st;
}

/* A prep node over steps [t0, t1): MINMAX/ZSCORE row by row from its
 * gathered input; DELAY from the gathered input at t, t - s, ..., which is
 * computed here rather than by lacus_prep_transform so that it also works
 * step by step (earlier rows of the parents are all known). */
static lacus_status prep_rows(lacus_graph *g, int64_t c, int64_t t0, int64_t t1, const double *ext,
                              double *const *out, double *in, double *y)
{
    lacus__node *n = &g->nodes[c];
    const int64_t W = n->in_width;
    if (n->pp.kind != LACUS_PREP_DELAY) {
        for (int64_t t = t0; t < t1; t++) gather_row(g, c, t, ext, out, in + (t - t0) * W);
        lacus_status st = lacus_prep_transform(n->prep, in, t1 - t0, W, y, n->width);
        if (st) g->err = n->prep->err;
        return st;
    }
    for (int64_t t = t0; t < t1; t++)
        for (int64_t j = 0; j < n->pp.delay; j++) {
            double *blk = y + (t - t0) * n->width + j * W;
            int64_t s = t - j * n->pp.stride;
            if (s >= 0) gather_row(g, c, s, ext, out, blk);
            else memset(blk, 0, (size_t)W * sizeof(double));
        }
    return LACUS_OK;
}

static void reset_trained(lacus_graph *g)
{
    for (int64_t i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].ridge) lacus_ridge_reset(g->nodes[i].ridge);
        if (g->nodes[i].online) lacus_online_reset(g->nodes[i].online);
    }
}

/* Prep node p's input for sequence q into w->in (T rows), computing the
 * nodes before it in the fit order (all of them already fitted: prep nodes
 * are fitted in that order). noise_id >= 0 numbers the reservoirs' noise
 * streams (sharded fits: the global sequence index). */
static lacus_status prep_input(lacus_graph *g, int64_t p, const int64_t *order, const lacus_seqs **ext_of,
                               const lacus_seqs **tgt_of, int64_t q, int64_t T, int64_t noise_id, work *w)
{
    lacus_status st = LACUS_OK;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        if (ext_of[i] && g->nodes[i].kind == LACUS_NODE_INPUT) w->out[i] = (double *)ext_of[i]->data[q];
        if (tgt_of[i]) w->out[i] = (double *)tgt_of[i]->data[q];
        if (noise_id >= 0 && g->nodes[i].res) g->nodes[i].res->n_runs = (uint64_t)noise_id;
    }
    for (int64_t k = 0; !st; k++) {
        int64_t c = order[k];
        lacus__node *m = &g->nodes[c];
        const double *ext = ext_of[c] ? ext_of[c]->data[q] : NULL;
        if (c == p) {
            gather(g, c, T, ext, w->out, w->in);
            break;
        }
        if (m->kind == LACUS_NODE_RESERVOIR) {
            gather(g, c, T, ext, w->out, w->in);
            if ((st = lacus_reservoir_run(m->res, w->in, T, 1, w->out[c]))) g->err = m->res->err;
        } else if (m->kind == LACUS_NODE_PREP) {
            st = prep_rows(g, c, 0, T, ext, w->out, w->in, w->out[c]);
        }
    }
    return st;
}

/* Fits prep node p (MINMAX/ZSCORE/ONEHOT) on its input over every sequence. */
static lacus_status fit_prep(lacus_graph *g, int64_t p, const int64_t *order, const lacus_seqs **ext_of,
                             const lacus_seqs **tgt_of, const lacus_seqs *ref, work *w)
{
    lacus__node *n = &g->nodes[p];
    lacus_prep_reset(n->prep);
    lacus_status st = LACUS_OK;
    for (int64_t q = 0; q < ref->n_seqs && !st; q++) {
        int64_t T = ref->n_steps[q];
        if (!(st = prep_input(g, p, order, ext_of, tgt_of, q, T, -1, w)) &&
            (st = lacus_prep_partial_fit(n->prep, w->in, T, n->in_width, n->in_width)))
            g->err = n->prep->err;
        if (st) lacus__prefix(&g->err, "sequence %lld, fitting prep node \"%s\": ", (long long)q, n->name);
    }
    return st;
}

/* The same over the ranks (lacus__graph_shard.fit_prep): this rank's
 * sequences' inputs of node p are gathered (the rank's share of p's input
 * is held during the fit: 1/K of the data when p reads the graph input)
 * and handed to the collective fit_prep, which fits p over every rank's.
 * st_in: this rank's status so far (the collective agrees on it first). */
static lacus_status fit_prep_shard(lacus_graph *g, int64_t p, const int64_t *order, const lacus_seqs **ext_of,
                                   const lacus_seqs **tgt_of, const lacus_seqs *ref, work *w,
                                   const lacus__graph_shard *sh, lacus_status st)
{
    lacus__node *n = &g->nodes[p];
    int64_t n_loc = 0, F = n->in_width, nq = st ? 0 : ref->n_seqs;
    for (int64_t q = 0; q < nq; q++) n_loc += sh->q_of || q % sh->size == sh->rank;
    const double **data = LACUS__ZNEW(const double *, n_loc ? n_loc : 1);
    int64_t *steps = LACUS__ZNEW(int64_t, n_loc ? n_loc : 1), *ids = LACUS__ZNEW(int64_t, n_loc ? n_loc : 1);
    if (!st && (!data || !steps || !ids)) st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t q = 0, i = 0; !st && q < nq; q++) {
        if (!sh->q_of && q % sh->size != sh->rank) continue;
        int64_t T = ref->n_steps[q], id = sh->q_of ? sh->q_of[q] : q;
        double *x = LACUS__NEW(double, T * F > 0 ? T * F : 1);
        if (!x) st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory for the input of prep node \"%s\"", n->name);
        else if (!(st = prep_input(g, p, order, ext_of, tgt_of, q, T, id, w)))
            memcpy(x, w->in, (size_t)(T * F) * sizeof(double));
        data[i] = x;
        steps[i] = T;
        ids[i++] = id;
        if (st) lacus__prefix(&g->err, "sequence %lld, fitting prep node \"%s\": ", (long long)id, n->name);
    }
    lacus_seqs local = {st ? 0 : n_loc, F, data, steps};
    st = sh->fit_prep(g, p, st, &local, ids, sh->user);
    for (int64_t i = 0; data && i < n_loc; i++) lacus__free((double *)data[i]);
    lacus__free(data);
    lacus__free(steps);
    lacus__free(ids);
    return st;
}

lacus_status lacus_graph_fit(lacus_graph *g, const lacus_seqs *const *inputs,
                             const lacus_seqs *const *targets, int64_t warmup)
{
    return lacus__graph_fit_ex(g, inputs, targets, warmup, NULL);
}

/* What one sequence's pass needs (lacus__graph_fit_ex). */
typedef struct fit_ctx {
    lacus_graph *g;
    const int64_t *order;
    const int *need;
    const lacus_seqs **ext_of, **tgt_of, *ref;
    work *w;
    int64_t warmup;
    const lacus__graph_shard *shard;
    int online_here, send_online, sent; /* sent: online headers sent for this sequence */
} fit_ctx;

/* Sequence q through the graph: reservoirs and prep nodes computed, ridge
 * sums added, online nodes trained (online_here) or, when send_online,
 * their input and target rows handed to shard->online_send for the root.
 * online_only: another rank's sequence, computed only for the online nodes
 * (graph.h). */
static lacus_status fit_seq(fit_ctx *f, int64_t q, int online_only)
{
    lacus_graph *g = f->g;
    work *w = f->w;
    int64_t N = g->n_nodes, T = f->ref->n_steps[q], warmup = f->warmup;
    const lacus__graph_shard *shard = f->shard;
    lacus_status st = LACUS_OK;
    if (shard) /* the noise stream of a reservoir is named by the sequence, not the rank */
        for (int64_t i = 0; i < N; i++)
            if (g->nodes[i].res) g->nodes[i].res->n_runs = (uint64_t)(shard->q_of ? shard->q_of[q] : q);
    for (int64_t i = 0; i < N; i++) {
        if (f->ext_of[i] && g->nodes[i].kind == LACUS_NODE_INPUT) w->out[i] = (double *)f->ext_of[i]->data[q];
        if (f->tgt_of[i]) w->out[i] = (double *)f->tgt_of[i]->data[q];
    }
    f->sent = 0;
    for (int64_t k = 0; k < N && !st; k++) {
        int64_t c = f->order[k];
        lacus__node *n = &g->nodes[c];
        if (n->kind == LACUS_NODE_INPUT) continue;
        if ((online_only && !f->need[c]) ||
            (n->kind == LACUS_NODE_ONLINE && !f->online_here && !f->send_online))
            continue;
        const double *ext = f->ext_of[c] ? f->ext_of[c]->data[q] : NULL;
        gather(g, c, T, ext, w->out, w->in);
        int64_t rows = T > warmup ? T - warmup : 0;
        const double *x = w->in + warmup * n->in_width;
        const double *y = f->tgt_of[c] ? f->tgt_of[c]->data[q] + warmup * n->width : NULL;
        if (n->kind == LACUS_NODE_RESERVOIR) {
            if ((st = lacus_reservoir_run(n->res, w->in, T, 1, w->out[c]))) g->err = n->res->err;
        } else if (n->kind == LACUS_NODE_PREP) {
            st = prep_rows(g, c, 0, T, ext, w->out, w->in, w->out[c]);
        } else if (n->kind == LACUS_NODE_ONLINE && !f->online_here) {
            st = shard->online_send(shard->user, LACUS_OK, x, n->in_width, y, n->width, rows);
            f->sent++;
        } else if (n->kind == LACUS_NODE_ONLINE && rows > 0) {
            /* OnlineNode.fit: one learning step per row after warmup. */
            st = lacus_online_partial_fit(n->online, x, n->in_width, y, n->width, rows, NULL);
            if (st) lacus__fail(&g->err, st, "%s", lacus_online_errmsg(n->online));
        } else if (n->kind == LACUS_NODE_RIDGE && rows > 0 && shard && shard->ridge_rows) {
            st = shard->ridge_rows(shard->user, c, x, n->in_width, y, n->width, rows);
        } else if (n->kind == LACUS_NODE_RIDGE && rows > 0) {
            st = lacus_ridge_partial_fit(n->ridge, x, n->in_width, y, n->width, rows);
            if (st) g->err = n->ridge->err;
        }
        if (st) lacus__prefix(&g->err, "sequence %lld, node \"%s\": ", (long long)q, n->name);
    }
    if (!st && shard && !online_only) st = shard->after_seq(g, shard->user);
    return st;
}

/* The root's turn for a sequence of another rank (sharded, local data,
 * online nodes): each online node's rows from shard->online_recv, trained
 * in node order. After a failure (here: st; there: rows < 0) the rows are
 * still received, so that the sender is not left waiting, but not used. */
static lacus_status fit_remote(fit_ctx *f, int64_t q, lacus_status st, int *dead)
{
    lacus_graph *g = f->g;
    for (int64_t k = 0; k < g->n_nodes; k++) {
        lacus__node *n = &g->nodes[f->order[k]];
        if (n->kind != LACUS_NODE_ONLINE) continue;
        const double *x = NULL, *y = NULL;
        int64_t rows = 0;
        lacus_status rs = f->shard->online_recv(f->shard->user, q, n->in_width, n->width, &x, &y, &rows);
        if (rs && !st) st = rs, lacus__prefix(&g->err, "node \"%s\": ", n->name);
        if (rows < 0) *dead = 1;
        if (st || *dead || rows == 0) continue;
        if ((st = lacus_online_partial_fit(n->online, x, n->in_width, y, n->width, rows, NULL)))
            lacus__fail(&g->err, st, "sequence %lld, node \"%s\": %s", (long long)q, n->name,
                        lacus_online_errmsg(n->online));
    }
    return st;
}

lacus_status lacus__graph_fit_ex(lacus_graph *g, const lacus_seqs *const *inputs,
                                 const lacus_seqs *const *targets, int64_t warmup,
                                 const lacus__graph_shard *shard)
{
    lacus__clear(&g->err);
    if (!inputs || !targets) return lacus__fail(&g->err, LACUS_ERR_ARG, "inputs or targets is NULL");
    if (warmup < 0) return lacus__fail(&g->err, LACUS_ERR_ARG, "warmup = %lld: must be >= 0", (long long)warmup);
    for (int64_t k = 0; k < lacus_graph_inputs(g, NULL, 0); k++)
        if (!inputs[k]) return lacus__fail(&g->err, LACUS_ERR_ARG, "input %lld is NULL", (long long)k);
    lacus_status st = ensure_initialized(g, inputs);
    if (st) return st;
    int64_t N = g->n_nodes, n_seqs = 0, T_max = 0;
    const lacus_seqs **ext_of = LACUS__ZNEW(const lacus_seqs *, N);
    const lacus_seqs **tgt_of = LACUS__ZNEW(const lacus_seqs *, N);
    int64_t *order = LACUS__NEW(int64_t, N), *pos = LACUS__NEW(int64_t, N), *local_of = NULL, *idx = NULL;
    int *own = LACUS__ZNEW(int, N);
    const lacus_seqs *ref = NULL;
    work w = {0};
    /* Sharded fits meet the other ranks in collectives (fitted prep nodes;
     * online rows sent to the root when each rank holds only its own data):
     * a failure before them is agreed on first (shard->agree), so that no
     * rank waits for one that left. */
    int has_online = 0, has_prep = 0;
    for (int64_t i = 0; i < N; i++) {
        has_online |= g->nodes[i].kind == LACUS_NODE_ONLINE;
        has_prep |= g->nodes[i].kind == LACUS_NODE_PREP && g->nodes[i].pp.kind != LACUS_PREP_DELAY;
    }
    const int exchange = shard && shard->q_of && has_online;
    if (!ext_of || !tgt_of || !order || !pos || !own) {
        st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
        goto checked;
    }
    if ((st = check_inputs(g, inputs, ext_of, &n_seqs, &T_max))) goto checked;
    for (int64_t i = 0; i < N && !ref; i++) ref = ext_of[i];
    for (int64_t i = 0, j = 0; i < N; i++) {
        if (!lacus__graph_trained(g->nodes[i].kind)) continue;
        char what[300];
        snprintf(what, sizeof what, "targets %lld (node \"%s\")", (long long)j, g->nodes[i].name);
        const lacus_seqs *y = targets[j++];
        if ((st = lacus__esn_check_seqs(&g->err, what, y, g->nodes[i].width))) goto checked;
        for (int64_t q = 0; q < n_seqs; q++)
            if (y->n_seqs != n_seqs || y->n_steps[q] != ref->n_steps[q]) {
                st = lacus__fail(&g->err, LACUS_ERR_SHAPE,
                                 "%s: sequence %lld does not match the inputs' steps", what,
                                 (long long)q);
                goto checked;
            }
        tgt_of[i] = y;
    }
    /* Forced teaching: edges leaving a readout carry its target, so they do
     * not order the fit; a delayed edge from anything else needs its source
     * computed first. */
    if ((st = lacus__graph_order(g, 1, order))) goto checked;
    for (int64_t k = 0; k < N; k++) pos[order[k]] = k;
    for (int64_t e = 0; e < g->n_edges; e++) {
        const lacus__edge *ed = &g->edges[e];
        if (ed->delay > 0 && !lacus__graph_trained(g->nodes[ed->from].kind) && pos[ed->from] > pos[ed->to]) {
            st = lacus__fail(&g->err, LACUS_ERR_UNSUPPORTED,
                             "delayed edge %s -> %s: its source is computed after its child during "
                             "fit (only readouts, whose targets are known, may feed back)",
                             g->nodes[ed->from].name, g->nodes[ed->to].name);
            goto checked;
        }
    }
    int64_t usable = 0;
    for (int64_t q = 0; q < n_seqs; q++) usable += ref->n_steps[q] > warmup ? ref->n_steps[q] - warmup : 0;
    if (usable == 0 && !(shard && shard->q_of)) { /* local sequences: dist.c counts over the ranks */
        st = lacus__fail(&g->err, LACUS_ERR_SHAPE, "warmup = %lld drops every step: nothing to train on",
                         (long long)warmup);
        goto checked;
    }
    /* The least-squares solver works on every training row: ridge nodes
     * with solver lstsq keep them all, as lacus_esn_fit's readout does.
     * (Sharded fits reduce sums, not rows: their solve refuses lstsq.) */
    for (int64_t i = 0; i < N && !shard; i++) {
        lacus__node *n = &g->nodes[i];
        if (n->kind != LACUS_NODE_RIDGE || n->dp.solver != LACUS_SOLVER_LSTSQ) continue;
        lacus_ridge_params p = n->dp;
        p.n_features = n->in_width;
        p.keep_samples = usable;
        lacus_ridge *r = NULL;
        if ((st = lacus_ridge_create(&p, &r, &g->err))) {
            lacus__prefix(&g->err, "node \"%s\": ", n->name);
            goto checked;
        }
        lacus_ridge_free(n->ridge);
        n->ridge = r;
    }
    for (int64_t i = 0; i < N; i++)
        own[i] = g->nodes[i].kind == LACUS_NODE_RESERVOIR || g->nodes[i].kind == LACUS_NODE_PREP;
    reset_trained(g);
    st = work_alloc(g, &w, T_max, own);
    if (!st && exchange &&
        (!(idx = LACUS__NEW(int64_t, n_seqs ? n_seqs : 1)) ||
         !(local_of = LACUS__NEW(int64_t, shard->rank == shard->online_root ? shard->n_global + 1 : 1))))
        st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
checked:
    if ((shard && has_prep) || exchange) st = shard->agree(g, st, shard->user);
    if (st) goto done;
    /* Prep statistics, node by node in fit order: over every sequence here,
     * or over the ranks' shares when sharded (the same node on every rank,
     * whatever their number). */
    for (int64_t k = 0; k < N && !st; k++) {
        int64_t p = order[k];
        if (g->nodes[p].kind != LACUS_NODE_PREP || g->nodes[p].pp.kind == LACUS_PREP_DELAY) continue;
        if (shard) st = fit_prep_shard(g, p, order, ext_of, tgt_of, ref, &w, shard, LACUS_OK);
        else st = fit_prep(g, p, order, ext_of, tgt_of, ref, &w);
    }
    if (st) goto done;
    /* need[c]: node c feeds an online node (or is one); see graph.h. */
    int online_here = !shard || shard->rank == shard->online_root;
    int *need = own; /* reused: own[] is only read by work_alloc above */
    for (int64_t i = 0; i < N; i++) need[i] = g->nodes[i].kind == LACUS_NODE_ONLINE;
    for (int64_t k = N - 1; k >= 0; k--) { /* parents come earlier in order (checked above) */
        if (!need[order[k]]) continue;
        for (int64_t e = 0; e < g->n_edges; e++)
            if (g->edges[e].to == order[k] && !lacus__graph_trained(g->nodes[g->edges[e].from].kind))
                need[g->edges[e].from] = 1;
    }
    fit_ctx f = {g, order, need, ext_of, tgt_of, ref, &w, warmup, shard, online_here, 0, 0};
    if (exchange) {
        /* Local data with online nodes: the root trains them over every
         * sequence in the global order, its own ones here and the others'
         * from the rows their ranks send (each rank sends its sequences in
         * increasing global order, so the root's receives pair up). A
         * failure anywhere stops the training but not the exchange, so
         * that nobody waits forever; dist.c then reports it on every rank. */
        f.send_online = !online_here;
        if (online_here) {
            for (int64_t q = 0; q < shard->n_global; q++) local_of[q] = -1;
            for (int64_t i = 0; i < n_seqs; i++) local_of[shard->q_of[i]] = i;
            int dead = 0;
            for (int64_t q = 0; q < shard->n_global; q++) {
                if (local_of[q] < 0) st = fit_remote(&f, q, st, &dead);
                else if (!st && !dead) st = fit_seq(&f, local_of[q], 0);
            }
        } else {
            /* Local sequences in global order (insertion sort: few). */
            for (int64_t i = 0; i < n_seqs; i++) {
                int64_t v = i, j = i;
                for (; j > 0 && shard->q_of[idx[j - 1]] > shard->q_of[v]; j--) idx[j] = idx[j - 1];
                idx[j] = v;
            }
            int64_t n_online = 0;
            for (int64_t i = 0; i < N; i++) n_online += g->nodes[i].kind == LACUS_NODE_ONLINE;
            for (int64_t i = 0; i < n_seqs; i++) {
                int failed_before = st != LACUS_OK;
                if (!st) st = fit_seq(&f, idx[i], 0);
                if (failed_before) f.sent = 0;
                /* After a failure the root still waits for these rows:
                 * empty ones, marked failed. */
                for (int64_t k = st ? f.sent : n_online; k < n_online; k++)
                    shard->online_send(shard->user, st, NULL, 0, NULL, 0, -1);
            }
        }
    } else {
        for (int64_t q = 0; q < n_seqs && !st; q++) {
            int mine = !shard || shard->q_of || q % shard->size == shard->rank;
            int online_only = !mine && has_online && online_here; /* another rank's sequence */
            if (mine || online_only) st = fit_seq(&f, q, online_only);
        }
    }
    for (int64_t i = 0; i < N && !st && !shard; i++) {
        lacus__node *n = &g->nodes[i];
        if (n->kind != LACUS_NODE_RIDGE) continue;
        if ((st = lacus_ridge_solve(n->ridge))) {
            g->err = n->ridge->err;
            lacus__prefix(&g->err, "node \"%s\": ", n->name);
        }
    }
done:
    /* Borrowed rows are not ours to free. */
    for (int64_t i = 0; w.out && i < N; i++)
        if (!w.owned[i]) w.out[i] = NULL;
    work_free(g, &w);
    lacus__free(ext_of);
    lacus__free(tgt_of);
    lacus__free(order);
    lacus__free(pos);
    lacus__free(own);
    lacus__free(local_of);
    lacus__free(idx);
    return st;
}

static int has_delays(const lacus_graph *g)
{
    for (int64_t e = 0; e < g->n_edges; e++)
        if (g->edges[e].delay > 0) return 1;
    return 0;
}

/* One node over steps [t0, t1) of a sequence whose earlier rows are done. */
static lacus_status run_node(lacus_graph *g, int64_t c, int64_t t0, int64_t t1, const double *ext,
                             work *w)
{
    lacus__node *n = &g->nodes[c];
    double *in = w->in + t0 * n->in_width;
    for (int64_t t = t0; t < t1; t++) gather_row(g, c, t, ext, w->out, w->in + t * n->in_width);
    lacus_status st = LACUS_OK;
    if (n->kind == LACUS_NODE_INPUT) {
        memcpy(w->out[c] + t0 * n->width, in, (size_t)((t1 - t0) * n->width) * sizeof(double));
    } else if (n->kind == LACUS_NODE_PREP) {
        st = prep_rows(g, c, t0, t1, ext, w->out, in, w->out[c] + t0 * n->width);
    } else if (n->kind == LACUS_NODE_ONLINE) {
        if ((st = lacus_online_predict(n->online, in, n->in_width, t1 - t0, w->out[c] + t0 * n->width,
                                       n->width)))
            lacus__fail(&g->err, st, "%s", lacus_online_errmsg(n->online));
    } else if (n->kind == LACUS_NODE_RESERVOIR) {
        if ((st = lacus_reservoir_run(n->res, in, t1 - t0, t0 == 0, w->out[c] + t0 * n->width)))
            g->err = n->res->err;
    } else {
        if ((st = lacus_ridge_predict(n->ridge, in, n->in_width, t1 - t0, w->out[c] + t0 * n->width,
                                      n->width)))
            g->err = n->ridge->err;
    }
    if (st) lacus__prefix(&g->err, "node \"%s\": ", n->name);
    return st;
}

lacus_status lacus_graph_run(lacus_graph *g, const lacus_seqs *const *inputs,
                             double *const *const *outputs)
{
    lacus__clear(&g->err);
    if (!g->initialized) return lacus__fail(&g->err, LACUS_ERR_STATE, "the graph is not trained: fit or load first");
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].ridge && !g->nodes[i].ridge->solved && !g->nodes[i].ridge->has_weights)
            return lacus__fail(&g->err, LACUS_ERR_STATE, "node \"%s\" is not trained", g->nodes[i].name);
    if (!outputs) return lacus__fail(&g->err, LACUS_ERR_ARG, "outputs is NULL");
    int64_t N = g->n_nodes, n_seqs, T_max;
    const lacus_seqs **ext_of = LACUS__ZNEW(const lacus_seqs *, N);
    int64_t *order = LACUS__NEW(int64_t, N);
    int *own = LACUS__NEW(int, N);
    work w = {0};
    lacus_status st = LACUS_OK;
    if (!ext_of || !order || !own) {
        st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int64_t k = 0; k < lacus_graph_inputs(g, NULL, 0); k++)
        if (!inputs || !inputs[k]) {
            st = lacus__fail(&g->err, LACUS_ERR_ARG, "input %lld is NULL", (long long)k);
            goto done;
        }
    if ((st = check_inputs(g, inputs, ext_of, &n_seqs, &T_max)) || (st = lacus__graph_order(g, 0, order)))
        goto done;
    for (int64_t i = 0; i < N; i++) own[i] = 1;
    if ((st = work_alloc(g, &w, T_max, own))) goto done;
    const lacus_seqs *ref = NULL;
    for (int64_t i = 0; i < N && !ref; i++) ref = ext_of[i];
    int stepwise = has_delays(g);
    for (int64_t q = 0; q < n_seqs && !st; q++) {
        int64_t T = ref->n_steps[q];
        /* Without delays every node runs over the whole sequence in turn;
         * with them, all nodes advance one step at a time. */
        for (int64_t t = 0; t < (stepwise ? T : 1) && !st; t++)
            for (int64_t k = 0; k < N && !st; k++) {
                int64_t c = order[k];
                st = run_node(g, c, stepwise ? t : 0, stepwise ? t + 1 : T,
                              ext_of[c] ? ext_of[c]->data[q] : NULL, &w);
            }
        for (int64_t i = 0; i < N && !st; i++)
            if (outputs[i] && outputs[i][q])
                memcpy(outputs[i][q], w.out[i], (size_t)(T * g->nodes[i].width) * sizeof(double));
        if (st) lacus__prefix(&g->err, "sequence %lld: ", (long long)q);
    }
done:
    work_free(g, &w);
    lacus__free(ext_of);
    lacus__free(order);
    lacus__free(own);
    return st;
}

/* One learning step of online node c at row t of the sequence, output
 * x W_new + b_old as ReservoirPy's _learning_step returns it. Wb is
 * scratch of (n_features + 1) * n_outputs. */
static lacus_status learn_row(lacus_graph *g, int64_t c, int64_t t, const double *ext, const double *y,
                              work *w, double *Wb)
{
    lacus__node *n = &g->nodes[c];
    const int64_t F = n->in_width, O = n->width;
    double *x = w->in, *b_old = Wb + F * O, *out = w->out[c] + t * O;
    gather_row(g, c, t, ext, w->out, x);
    lacus_online_get_weights(n->online, Wb, b_old);
    lacus_status st = lacus_online_step(n->online, x, y, NULL);
    if (st) return lacus__fail(&g->err, st, "node \"%s\": %s", n->name, lacus_online_errmsg(n->online));
    lacus_online_get_weights(n->online, Wb, NULL);
    for (int64_t o = 0; o < O; o++) out[o] = 0.0;
    for (int64_t f = 0; f < F; f++)
        for (int64_t o = 0; o < O; o++) out[o] += x[f] * Wb[f * O + o];
    for (int64_t o = 0; o < O; o++) out[o] += b_old[o];
    return LACUS_OK;
}

lacus_status lacus_graph_partial_fit(lacus_graph *g, const lacus_seqs *const *inputs,
                                     const lacus_seqs *const *targets,
                                     double *const *const *outputs)
{
    lacus__clear(&g->err);
    if (!inputs || !targets) return lacus__fail(&g->err, LACUS_ERR_ARG, "inputs or targets is NULL");
    for (int64_t k = 0; k < lacus_graph_inputs(g, NULL, 0); k++)
        if (!inputs[k]) return lacus__fail(&g->err, LACUS_ERR_ARG, "input %lld is NULL", (long long)k);
    lacus_status st = ensure_initialized(g, inputs);
    if (st) return st;
    int64_t N = g->n_nodes, n_seqs, T_max, max_fo = 1;
    for (int64_t i = 0; i < N; i++) {
        lacus__node *n = &g->nodes[i];
        if (n->ridge && !n->ridge->solved && !n->ridge->has_weights)
            return lacus__fail(&g->err, LACUS_ERR_STATE, "node \"%s\": a ridge node must be trained "
                               "(by fit) before partial_fit", n->name);
        if (n->prep && !lacus_prep_is_fitted(n->prep))
            return lacus__fail(&g->err, LACUS_ERR_STATE, "prep node \"%s\" is not fitted: fit the "
                               "graph first", n->name);
        if (n->online && (n->in_width + 1) * n->width > max_fo) max_fo = (n->in_width + 1) * n->width;
    }
    const lacus_seqs **ext_of = LACUS__ZNEW(const lacus_seqs *, N);
    const lacus_seqs **tgt_of = LACUS__ZNEW(const lacus_seqs *, N);
    int64_t *order = LACUS__NEW(int64_t, N);
    int *own = LACUS__NEW(int, N);
    double *Wb = LACUS__NEW(double, max_fo);
    work w = {0};
    if (!ext_of || !tgt_of || !order || !own || !Wb) {
        st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = check_inputs(g, inputs, ext_of, &n_seqs, &T_max)) || (st = lacus__graph_order(g, 0, order)))
        goto done;
    const lacus_seqs *ref = NULL;
    for (int64_t i = 0; i < N && !ref; i++) ref = ext_of[i];
    int64_t j = 0;
    for (int64_t i = 0; i < N; i++) {
        if (!lacus__graph_trained(g->nodes[i].kind)) continue;
        const lacus_seqs *y = targets[j++];
        if (g->nodes[i].kind != LACUS_NODE_ONLINE) continue;
        char what[300];
        snprintf(what, sizeof what, "targets %lld (node \"%s\")", (long long)(j - 1), g->nodes[i].name);
        if ((st = lacus__esn_check_seqs(&g->err, what, y, g->nodes[i].width))) goto done;
        for (int64_t q = 0; q < n_seqs; q++)
            if (y->n_seqs != n_seqs || y->n_steps[q] != ref->n_steps[q]) {
                st = lacus__fail(&g->err, LACUS_ERR_SHAPE,
                                 "%s: sequence %lld does not match the inputs' steps", what, (long long)q);
                goto done;
            }
        tgt_of[i] = y;
    }
    for (int64_t i = 0; i < N; i++) own[i] = 1;
    if ((st = work_alloc(g, &w, T_max, own))) goto done;
    for (int64_t q = 0; q < n_seqs && !st; q++) {
        int64_t T = ref->n_steps[q];
        for (int64_t t = 0; t < T && !st; t++)
            for (int64_t k = 0; k < N && !st; k++) {
                int64_t c = order[k];
                const double *ext = ext_of[c] ? ext_of[c]->data[q] : NULL;
                if (tgt_of[c])
                    st = learn_row(g, c, t, ext, tgt_of[c]->data[q] + t * g->nodes[c].width, &w, Wb);
                else
                    st = run_node(g, c, t, t + 1, ext, &w);
                if (st) lacus__prefix(&g->err, "step %lld: ", (long long)t);
            }
        for (int64_t i = 0; i < N && !st; i++)
            if (outputs && outputs[i] && outputs[i][q])
                memcpy(outputs[i][q], w.out[i], (size_t)(T * g->nodes[i].width) * sizeof(double));
        if (st) lacus__prefix(&g->err, "sequence %lld: ", (long long)q);
    }
done:
    work_free(g, &w);
    lacus__free(ext_of);
    lacus__free(tgt_of);
    lacus__free(order);
    lacus__free(own);
    lacus__free(Wb);
    return st;
}
