/* A graph's ridge nodes solved by the distributed (ScaLAPACK) solve
 * (lacus_graph_fit_dist_ex with SCALAPACK): each ridge node gets its own
 * block-cyclic system (spk.h), so no rank holds a node's N x N sums.
 *
 * Rounds are collectives, one system's after another's, and they must come
 * in the same order on every rank. Every ridge node receives the same rows
 * per sequence (T - warmup), so the nodes' staged counts stay equal if the
 * rows are fed in slices that end where a round ends: a sequence's rows of
 * every node are kept (one sequence at a time) and, after the sequence,
 * fed slice by slice, node after node. Every rank then runs round 1 of
 * node 1, round 1 of node 2, round 2 of node 1, ... whatever its sequences'
 * lengths, and pads with empty rounds in the same order. The nodes share
 * one round size for that reason. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/gspk.h"
#include "dist/spk.h"
#include "model/graph.h"

struct lacus__gspk {
    lacus_graph *g;
    int64_t n;            /* ridge nodes */
    int64_t *id;          /* their node ids */
    lacus__spk **s;
    double **x, **y;      /* this sequence's rows of each node */
    int64_t *cap, rows;   /* capacity (rows) of each; rows this sequence */
};

void lacus__gspk_close(lacus__gspk *a)
{
    if (!a) return;
    for (int64_t j = 0; j < a->n; j++) {
        if (a->s) lacus__spk_close(a->s[j]);
        if (a->x) lacus__free(a->x[j]);
        if (a->y) lacus__free(a->y[j]);
    }
    lacus__free(a->id);
    lacus__free(a->s);
    lacus__free(a->x);
    lacus__free(a->y);
    lacus__free(a->cap);
    lacus__free(a);
}

lacus_status lacus__gspk_open(lacus_graph *g, const lacus_dist_params *dpin, int64_t local_rows,
                              lacus__gspk **out)
{
    lacus_status st = LACUS_OK;
    lacus__gspk *a = LACUS__ZNEW(lacus__gspk, 1);
    if (!a) st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    int64_t n = 0;
    for (int64_t i = 0; i < g->n_nodes; i++) n += g->nodes[i].kind == LACUS_NODE_RIDGE;
    if (a) {
        a->g = g;
        a->n = n;
        a->id = LACUS__ZNEW(int64_t, n + 1);
        a->s = LACUS__ZNEW(lacus__spk *, n + 1);
        a->x = LACUS__ZNEW(double *, n + 1);
        a->y = LACUS__ZNEW(double *, n + 1);
        a->cap = LACUS__ZNEW(int64_t, n + 1);
        if (!st && (!a->id || !a->s || !a->x || !a->y || !a->cap))
            st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    }
    if ((st = lacus_dist_agree(st, &g->err))) {
        lacus__gspk_close(a);
        return st;
    }
    /* One round size for every node: the smallest automatic one. */
    int K = lacus_dist_size();
    lacus_dist_params dp = *dpin;
    int64_t R = dp.rows;
    for (int64_t i = 0, j = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].kind != LACUS_NODE_RIDGE) continue;
        a->id[j++] = i;
        int64_t r = lacus__spk_rows(g->nodes[i].in_width, K, &dp);
        if (dp.rows == 0 && (R == 0 || r < R)) R = r;
    }
    dp.rows = R;
    for (int64_t j = 0; j < n && !st; j++) {
        const lacus__node *nd = &g->nodes[a->id[j]];
        st = lacus__spk_open(&a->s[j], nd->in_width, nd->width, local_rows, &dp, &g->err);
        if (st) lacus__prefix(&g->err, "node \"%s\": ", nd->name); /* agreed inside */
    }
    if (st) {
        lacus__gspk_close(a);
        return st;
    }
    *out = a;
    return LACUS_OK;
}

lacus_status lacus__gspk_rows(lacus__gspk *a, int64_t node, const double *x, int64_t F, const double *y,
                              int64_t O, int64_t rows)
{
    int64_t j = 0;
    while (j < a->n && a->id[j] != node) j++;
    if (j == a->n) return lacus__fail(&a->g->err, LACUS_ERR_STATE, "node %lld is not a ridge node", (long long)node);
    if (rows > a->cap[j]) {
        double *nx = lacus__realloc(a->x[j], (size_t)(rows * F) * sizeof(double));
        if (nx) a->x[j] = nx;
        double *ny = nx ? lacus__realloc(a->y[j], (size_t)(rows * O) * sizeof(double)) : NULL;
        if (ny) a->y[j] = ny;
        if (!nx || !ny) return lacus__fail(&a->g->err, LACUS_ERR_NOMEM, "out of memory for a sequence's rows");
        a->cap[j] = rows;
    }
    memcpy(a->x[j], x, (size_t)(rows * F) * sizeof(double));
    memcpy(a->y[j], y, (size_t)(rows * O) * sizeof(double));
    a->rows = rows;
    return LACUS_OK;
}

lacus_status lacus__gspk_after_seq(lacus__gspk *a)
{
    lacus_status st = LACUS_OK;
    for (int64_t off = 0; off < a->rows && !st;) {
        int64_t c = a->n ? lacus__spk_room(a->s[0]) : a->rows;
        if (c > a->rows - off) c = a->rows - off;
        for (int64_t j = 0; j < a->n && !st; j++) {
            const lacus__node *nd = &a->g->nodes[a->id[j]];
            st = lacus__spk_add(a->s[j], a->x[j] + off * nd->in_width, nd->in_width,
                                a->y[j] + off * nd->width, nd->width, c);
        }
        off += c;
    }
    a->rows = 0;
    return st;
}

lacus_status lacus__gspk_finish(lacus__gspk *a, lacus_status st)
{
    /* The remaining rounds, interleaved as during the stream, also on a
     * rank that failed (the others are in those rounds). */
    for (int more = 1; more;) {
        more = 0;
        for (int64_t j = 0; j < a->n; j++) more |= lacus__spk_step(a->s[j]);
    }
    if ((st = lacus_dist_agree(st, &a->g->err))) return st;
    for (int64_t j = 0; j < a->n && !st; j++) {
        lacus__node *nd = &a->g->nodes[a->id[j]];
        if ((st = lacus__spk_solve(a->s[j], nd->ridge, NULL))) /* agreed inside */
            lacus__prefix(&a->g->err, "node \"%s\": ", nd->name);
    }
    return st;
}
