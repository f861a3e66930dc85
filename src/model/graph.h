/* Private view of a model graph, shared by graph.c (building), graph_run.c
 * (fit and run) and graph_io.c (save and load). */
#ifndef LACUS_MODEL_GRAPH_H
#define LACUS_MODEL_GRAPH_H

#include "lacus.h"
#include "nodes/reservoir.h"
#include "nodes/ridge.h"
#include "nodes/preprocess.h"

typedef struct lacus__edge {
    int64_t from, to, delay;
} lacus__edge;

typedef struct lacus__node {
    lacus_node_kind kind;
    char *name;
    int64_t width;        /* output width: features, units or outputs */
    int64_t in_width;     /* input width, known after initialize */
    int is_input;         /* no delay-0 parents: reads external data */
    lacus_reservoir_params rp; /* reservoir nodes (lr_per_unit owned) */
    lacus_ridge_params dp;     /* ridge nodes */
    lacus_prep_params pp;      /* prep nodes */
    lacus_online_params op;    /* online nodes (n_features set at initialize) */
    lacus_reservoir *res;
    lacus_ridge *ridge;
    lacus_prep *prep;          /* made when the node is added; fitted by fit */
    lacus_online *online;
} lacus__node;

/* Nodes trained by fit: their outputs are replaced by their targets
 * (forced teaching), and they take targets in node order. */
static inline int lacus__graph_trained(lacus_node_kind k)
{
    return k == LACUS_NODE_RIDGE || k == LACUS_NODE_ONLINE;
}

/* Width of a prep node's output for an input of in_width. */
static inline int64_t lacus__prep_width(const lacus_prep_params *p, int64_t in_width)
{
    return p->kind == LACUS_PREP_DELAY ? in_width * p->delay : in_width;
}

struct lacus_graph {
    lacus__node *nodes;
    int64_t n_nodes, cap_nodes;
    lacus__edge *edges;
    int64_t n_edges, cap_edges;
    int initialized;
    lacus_error err;
};

/* Topological order of the nodes over the delay-0 edges (leaving out the
 * edges from trained nodes, ridge or online, when skip_ridge_edges), smallest id first among
 * ready nodes. order has n_nodes entries. Fails on a cycle. */
lacus_status lacus__graph_order(lacus_graph *g, int skip_ridge_edges, int64_t *order);

/* Marks graph inputs and checks the edges; called whenever edges change. */
void lacus__graph_mark_inputs(lacus_graph *g);

/* Width of node c's external input (its in_width less its parents'). */
int64_t lacus__graph_ext_width(const lacus_graph *g, int64_t c);

/* A fit over part of the sequences (MPI ranks, dist.c): sequence q is
 * computed here when q mod size == rank; after each one, after_seq gets the
 * graph with its ridge nodes holding that sequence's sums (it takes them
 * and resets the ridges); nothing is solved. Each reservoir's noise stream
 * is numbered by q.
 *
 * Fitted prep nodes (minmax, zscore, onehot) are fitted in fit order by
 * the collective fit_prep, which gets the node's input over this rank's
 * sequences (ids: their global indices) and this rank's status so far.
 *
 * Online nodes (RLS, LMS) learn step after step, each step from the
 * weights the previous one left, so their training cannot be split over
 * sequences. Rank online_root trains them on every sequence in order, as
 * one process would. When every rank holds every sequence (q_of NULL), it
 * computes, for the sequences of other ranks, only the online nodes and
 * the nodes they read from (not the ridge sums, which those ranks add); the
 * other ranks skip the online nodes. When each rank holds only its own
 * (q_of), the other ranks send each online node's input and target rows
 * after the warmup (online_send, rows -1 after a failure), their sequences
 * in increasing global order, and the root takes them with online_recv in
 * the global order 0..n_global-1. dist.c then broadcasts the weights.
 * agree: every rank's status, agreed before the first collective. */
typedef struct lacus__graph_shard {
    int rank, size, online_root;
    /* Not NULL: the inputs and targets hold only this rank's sequences,
     * local sequence i being global sequence q_of[i] (of n_global over the
     * ranks, each on exactly one rank); all are computed here. */
    const int64_t *q_of;
    lacus_status (*after_seq)(lacus_graph *g, void *user);
    void *user;
    int64_t n_global;
    lacus_status (*agree)(lacus_graph *g, lacus_status st, void *user);
    lacus_status (*fit_prep)(lacus_graph *g, int64_t node, lacus_status st, const lacus_seqs *local,
                             const int64_t *ids, void *user);
    lacus_status (*online_send)(void *user, lacus_status st, const double *x, int64_t F, const double *y,
                                int64_t O, int64_t rows);
    /* x, y: buffers owned by the callee, valid until the next call. */
    lacus_status (*online_recv)(void *user, int64_t q, int64_t F, int64_t O, const double **x,
                                const double **y, int64_t *rows);
    /* Not NULL: a ridge node's rows of a sequence (after the warmup) go
     * here instead of into the node's own sums (the distributed solve). */
    lacus_status (*ridge_rows)(void *user, int64_t node, const double *x, int64_t F, const double *y,
                               int64_t O, int64_t rows);
} lacus__graph_shard;

lacus_status lacus__graph_fit_ex(lacus_graph *g, const lacus_seqs *const *inputs,
                                 const lacus_seqs *const *targets, int64_t warmup,
                                 const lacus__graph_shard *shard);

#endif
