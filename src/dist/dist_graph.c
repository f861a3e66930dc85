/* Graphs fitted over MPI ranks (lacus_graph_fit_dist and friends): the
 * sequences shared out, every ridge node's sums in double-double reduced
 * along the fixed tree of dist.c (or, under SCALAPACK, each node's system
 * block-cyclic, dist_graph_spk.c), fitted prep nodes over the ranks'
 * shares, online nodes trained on rank 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dd.h"
#include "dist/dist_priv.h"
#include "dist/gspk.h"
#include "model/esn.h"

#ifdef LACUS_HAVE_MPI
#include <mpi.h>
#endif

#define dd_add lacus__dd_add
#define packed_size lacus__dist_packed_size
#define pack lacus__dist_pack
#define tree_reduce lacus__dist_tree_reduce
#define g_rank lacus_dist_rank()
#define g_size lacus_dist_size()
#define g_started lacus_dist_launched()

/* ------------------------------------------------------------------------ */
/* Graphs: sequences sharded over the ranks, every ridge node's sums in     */
/* double-double and reduced along the tree, as lacus_esn_fit_dist.         */
/* ------------------------------------------------------------------------ */

#include "model/graph.h"

typedef struct graph_acc {
    int64_t n;          /* ridge nodes */
    int64_t *id, *P;    /* node id, packed size */
    double **hi, **lo;
    double *v;          /* (max P) */
    lacus_graph *g;
    const int64_t *owner; /* local data: the rank of each global sequence */
    double *rx, *ry;      /* the root's receive buffers for online rows */
    int64_t cap_x, cap_y;
    lacus__gspk *gs;      /* the SCALAPACK solve's systems, or NULL */
} graph_acc;

static void graph_acc_free(graph_acc *a)
{
    for (int64_t j = 0; j < a->n; j++) {
        if (a->hi) lacus__free(a->hi[j]);
        if (a->lo) lacus__free(a->lo[j]);
    }
    lacus__free(a->id);
    lacus__free(a->P);
    lacus__free(a->hi);
    lacus__free(a->lo);
    lacus__free(a->v);
    lacus__free(a->rx);
    lacus__free(a->ry);
    lacus__gspk_close(a->gs);
}

static lacus_status graph_spk_after_seq(lacus_graph *g, void *user)
{
    (void)g;
    return lacus__gspk_after_seq(((graph_acc *)user)->gs);
}

static lacus_status graph_spk_rows(void *user, int64_t node, const double *x, int64_t F, const double *y,
                                   int64_t O, int64_t rows)
{
    return lacus__gspk_rows(((graph_acc *)user)->gs, node, x, F, y, O, rows);
}

/* Sized once the graph is initialized (the ridges' widths known). */
static lacus_status graph_acc_alloc(lacus_graph *g, graph_acc *a)
{
    if (a->hi) return LACUS_OK;
    int64_t n = 0, maxP = 1;
    for (int64_t i = 0; i < g->n_nodes; i++) n += g->nodes[i].kind == LACUS_NODE_RIDGE;
    a->n = n;
    a->id = LACUS__ZNEW(int64_t, n);
    a->P = LACUS__ZNEW(int64_t, n);
    a->hi = LACUS__ZNEW(double *, n);
    a->lo = LACUS__ZNEW(double *, n);
    if (!a->id || !a->P || !a->hi || !a->lo) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t i = 0, j = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].kind != LACUS_NODE_RIDGE) continue;
        lacus_ridge *r = g->nodes[i].ridge;
        a->id[j] = i;
        a->P[j] = packed_size(r->p.n_features, r->p.n_outputs);
        if (a->P[j] > maxP) maxP = a->P[j];
        if (!(a->hi[j] = LACUS__ZNEW(double, a->P[j])) || !(a->lo[j] = LACUS__ZNEW(double, a->P[j])))
            return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory for the reproducible sums of "
                               "node \"%s\" (2 x %lld doubles)", g->nodes[i].name, (long long)a->P[j]);
        j++;
    }
    if (!(a->v = LACUS__NEW(double, maxP))) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    return LACUS_OK;
}

static lacus_status graph_after_seq(lacus_graph *g, void *user)
{
    graph_acc *a = user;
    lacus_status st = graph_acc_alloc(g, a);
    for (int64_t j = 0; j < a->n && !st; j++) {
        lacus_ridge *r = g->nodes[a->id[j]].ridge;
        lacus__ridge_flush_stage(r);
        pack(r, a->v, 0);
        dd_add(a->hi[j], a->lo[j], a->v, a->P[j]);
        lacus_ridge_reset(r);
    }
    return st;
}

#ifdef LACUS_HAVE_MPI
/* The online nodes' weights, trained on rank 0, to every rank (their P
 * matrices stay on rank 0: model files do not hold them either). */
static lacus_status graph_bcast_online(lacus_graph *g)
{
    lacus_status st = LACUS_OK;
    for (int64_t i = 0; i < g->n_nodes && !st; i++) {
        lacus__node *n = &g->nodes[i];
        if (n->kind != LACUS_NODE_ONLINE) continue;
        int64_t F = n->in_width, O = n->width;
        double *W = LACUS__NEW(double, (F + 1) * O);
        st = W ? LACUS_OK : lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
        if ((st = lacus_dist_agree(st, &g->err))) break;
        if (g_rank == 0) lacus_online_get_weights(n->online, W, W + F * O);
        lacus_dist_bcast(W, (F + 1) * O, 0);
        if (g_rank != 0 && lacus_online_set_weights(n->online, W, W + F * O))
            st = lacus__fail(&g->err, LACUS_ERR_NUMERIC, "node \"%s\": %s", n->name,
                             lacus_online_errmsg(n->online));
        lacus__free(W);
        st = lacus_dist_agree(st, &g->err);
    }
    return st;
}
#endif

static lacus_status graph_agree(lacus_graph *g, lacus_status st, void *user)
{
    (void)user;
    return lacus_dist_agree(st, &g->err);
}

/* A fitted prep node over the ranks' shares of its input (graph.h). */
static lacus_status graph_fit_prep(lacus_graph *g, int64_t node, lacus_status st, const lacus_seqs *local,
                                   const int64_t *ids, void *user)
{
    (void)user;
    if ((st = lacus_dist_agree(st, &g->err))) return st;
    lacus__node *n = &g->nodes[node];
    if ((st = lacus_prep_fit_dist(n->prep, local, ids))) { /* the same verdict on every rank */
        g->err = n->prep->err;
        lacus__prefix(&g->err, "prep node \"%s\": ", n->name);
    }
    return st;
}

#ifdef LACUS_HAVE_MPI
enum { TAG_ONLINE = 0x6f6c }; /* online rows, apart from the reduction's tags */

static void send_big(const double *v, int64_t n, int to)
{
    for (int64_t o = 0; o < n; o += (1 << 24)) {
        int c = (int)(n - o < (1 << 24) ? n - o : (1 << 24));
        MPI_Send(v + o, c, MPI_DOUBLE, to, TAG_ONLINE, MPI_COMM_WORLD);
    }
}

/* Into v, or (v NULL: no memory) through a small buffer and dropped, so
 * that the sender is never left waiting. */
static void recv_big(double *v, int64_t n, int from)
{
    double drop[4096];
    for (int64_t o = 0; o < n;) {
        int64_t lim = v ? (1 << 24) : 4096;
        int c = (int)(n - o < lim ? n - o : lim);
        MPI_Recv(v ? v + o : drop, c, MPI_DOUBLE, from, TAG_ONLINE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        o += c;
    }
}

/* Online rows of one node of one sequence, to the root (graph.h): a
 * header (rows, or -1 after a failure; widths), then the rows. */
static lacus_status graph_online_send(void *user, lacus_status st, const double *x, int64_t F,
                                      const double *y, int64_t O, int64_t rows)
{
    (void)user;
    long long hdr[3] = {st ? -1 : rows, F, O};
    MPI_Send(hdr, 3, MPI_LONG_LONG, 0, TAG_ONLINE, MPI_COMM_WORLD);
    if (hdr[0] > 0) {
        send_big(x, rows * F, 0);
        send_big(y, rows * O, 0);
    }
    return LACUS_OK;
}

static int grow(double **buf, int64_t *cap, int64_t n)
{
    if (n <= *cap) return 1;
    double *b = lacus__realloc(*buf, (size_t)n * sizeof(double));
    if (!b) return 0;
    *buf = b;
    *cap = n;
    return 1;
}

static lacus_status graph_online_recv(void *user, int64_t q, int64_t F, int64_t O, const double **x,
                                      const double **y, int64_t *rows)
{
    graph_acc *a = user;
    int from = (int)a->owner[q];
    long long hdr[3];
    MPI_Recv(hdr, 3, MPI_LONG_LONG, from, TAG_ONLINE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    *rows = hdr[0];
    if (hdr[0] <= 0) return LACUS_OK;
    int ok = hdr[1] == F && hdr[2] == O && grow(&a->rx, &a->cap_x, hdr[0] * hdr[1]) &&
             grow(&a->ry, &a->cap_y, hdr[0] * hdr[2]);
    recv_big(ok ? a->rx : NULL, hdr[0] * hdr[1], from);
    recv_big(ok ? a->ry : NULL, hdr[0] * hdr[2], from);
    *x = a->rx;
    *y = a->ry;
    if (ok) return LACUS_OK;
    *rows = 0;
    if (hdr[1] != F || hdr[2] != O)
        return lacus__fail(&a->g->err, LACUS_ERR_SHAPE, "rank %d sent rows of %lld x %lld for sequence "
                           "%lld, expected %lld x %lld", from, hdr[1], hdr[2], (long long)q,
                           (long long)F, (long long)O);
    return lacus__fail(&a->g->err, LACUS_ERR_NOMEM, "out of memory for sequence %lld's rows from rank %d",
                       (long long)q, from);
}
#endif

static lacus_status graph_fit_shard(lacus_graph *g, const lacus_seqs *const *inputs,
                                    const lacus_seqs *const *targets, int64_t warmup,
                                    const int64_t *q_of, const int64_t *owner, int64_t n_global,
                                    const lacus_dist_params *dp);

lacus_status lacus_graph_fit_dist(lacus_graph *g, const lacus_seqs *const *inputs,
                                  const lacus_seqs *const *targets, int64_t warmup)
{
    return graph_fit_shard(g, inputs, targets, warmup, NULL, NULL, 0, NULL);
}

static lacus_status graph_fit_local(lacus_graph *g, const lacus_seqs *const *inputs,
                                    const lacus_seqs *const *targets, int64_t warmup,
                                    const int64_t *seq_ids, const lacus_dist_params *dp);

lacus_status lacus_graph_fit_dist_local(lacus_graph *g, const lacus_seqs *const *inputs,
                                        const lacus_seqs *const *targets, int64_t warmup,
                                        const int64_t *seq_ids)
{
    return graph_fit_local(g, inputs, targets, warmup, seq_ids, NULL);
}

lacus_status lacus_graph_fit_dist_ex(lacus_graph *g, const lacus_seqs *const *inputs,
                                     const lacus_seqs *const *targets, int64_t warmup,
                                     const int64_t *seq_ids, const lacus_dist_params *dp)
{
    if (!g) return LACUS_ERR_ARG;
    lacus__clear(&g->err);
    if (dp && (unsigned)dp->solve > LACUS_DIST_SOLVE_SCALAPACK)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "solve %d: unknown", (int)dp->solve);
    if (dp && dp->solve == LACUS_DIST_SOLVE_SCALAPACK && !lacus_dist_launched())
        return lacus__fail(&g->err, LACUS_ERR_UNSUPPORTED, "the scalapack solve runs under mpirun "
                           "(mpirun -np 1 works): MPI was not started");
    if (dp && (dp->block < 0 || dp->block > 4096 || dp->rows < 0 || dp->rows > 65536))
        return lacus__fail(&g->err, LACUS_ERR_ARG, "block = %lld, rows = %lld: must be in 0..4096 and "
                           "0..65536 (0: automatic)", (long long)dp->block, (long long)dp->rows);
    return seq_ids ? graph_fit_local(g, inputs, targets, warmup, seq_ids, dp)
                   : graph_fit_shard(g, inputs, targets, warmup, NULL, NULL, 0, dp);
}

static lacus_status graph_fit_local(lacus_graph *g, const lacus_seqs *const *inputs,
                                    const lacus_seqs *const *targets, int64_t warmup,
                                    const int64_t *seq_ids, const lacus_dist_params *dp)
{
    if (!g) return LACUS_ERR_ARG;
    lacus__clear(&g->err);
    lacus_status st = LACUS_OK;
    if (!inputs || !targets) st = lacus__fail(&g->err, LACUS_ERR_ARG, "inputs or targets is NULL");
    /* Sequences, ids and usable rows, counted over the ranks. */
    int64_t n_local = !st && inputs[0] ? inputs[0]->n_seqs : 0, usable = 0;
    if (!st && n_local > 0 && !seq_ids) st = lacus__fail(&g->err, LACUS_ERR_ARG, "seq_ids is NULL");
    for (int64_t i = 0; !st && i < n_local; i++) {
        int64_t T = inputs[0]->n_steps ? inputs[0]->n_steps[i] : 0;
        usable += T > warmup ? T - warmup : 0;
        if (seq_ids[i] < 0) st = lacus__fail(&g->err, LACUS_ERR_ARG, "seq_ids[%lld] < 0", (long long)i);
    }
    if ((st = lacus_dist_agree(st, &g->err))) return st;
    if (lacus_dist_max(usable) == 0)
        return lacus__fail(&g->err, LACUS_ERR_SHAPE,
                           "warmup = %lld drops every step of every rank's sequences: nothing to "
                           "train on", (long long)warmup);
    /* Every rank learns which rank holds each global sequence: the online
     * nodes' root receives their rows in the global order. The ids must
     * number the sequences 0..n-1, each once. */
    int64_t n_global = 0, *all = NULL, *owner = NULL;
    int *cnt = LACUS__ZNEW(int, g_size), *disp = LACUS__ZNEW(int, g_size);
    st = cnt && disp ? LACUS_OK : lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    if ((st = lacus_dist_agree(st, &g->err))) goto done;
    cnt[0] = (int)n_local;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        int mine = (int)n_local;
        MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, MPI_COMM_WORLD);
    }
#endif
    for (int r = 0; r < g_size; r++) disp[r] = (int)n_global, n_global += cnt[r];
    all = LACUS__NEW(int64_t, n_global + 1);
    owner = LACUS__NEW(int64_t, n_global + 1);
    st = all && owner ? LACUS_OK : lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    if ((st = lacus_dist_agree(st, &g->err))) goto done;
    for (int64_t i = 0; i < n_local; i++) all[i] = seq_ids[i];
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        long long *mine = LACUS__NEW(long long, n_local + 1);
        st = mine ? LACUS_OK : lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
        if ((st = lacus_dist_agree(st, &g->err))) goto done;
        for (int64_t i = 0; i < n_local; i++) mine[i] = seq_ids[i];
        MPI_Allgatherv(mine, (int)n_local, MPI_LONG_LONG, all, cnt, disp, MPI_LONG_LONG, MPI_COMM_WORLD);
        lacus__free(mine);
    }
#endif
    for (int64_t q = 0; q < n_global; q++) owner[q] = -1;
    for (int r = 0; r < g_size && !st; r++)
        for (int64_t i = disp[r]; i < disp[r] + cnt[r] && !st; i++) {
            if (all[i] < 0 || all[i] >= n_global || owner[all[i]] >= 0)
                st = lacus__fail(&g->err, LACUS_ERR_ARG,
                                 "seq_ids: rank %d's sequence %lld has id %lld: the %lld sequences "
                                 "over the ranks must be numbered 0..%lld, each once", r,
                                 (long long)(i - disp[r]), (long long)all[i], (long long)n_global,
                                 (long long)n_global - 1);
            else
                owner[all[i]] = r;
        }
    if (st) goto done; /* every rank found the same */
    st = graph_fit_shard(g, inputs, targets, warmup, seq_ids ? seq_ids : (const int64_t[]){0}, owner,
                         n_global, dp);
done:
    lacus__free(cnt);
    lacus__free(disp);
    lacus__free(all);
    lacus__free(owner);
    return st;
}

/* The SCALAPACK path's systems (dist_graph_spk.c): the graph initialized
 * from the inputs' widths, this rank's rows counted. Online nodes with
 * local data are refused: their rows go to rank 0 point to point while
 * the rounds are collectives, and the two would wait on each other. */
static lacus_status graph_spk_open(lacus_graph *g, const lacus_seqs *const *inputs, int64_t warmup,
                                   const int64_t *q_of, const lacus_dist_params *dp, lacus__gspk **out)
{
    lacus_status st = LACUS_OK;
    int64_t n_in = lacus_graph_inputs(g, NULL, 0), rows = 0;
    int64_t *w = LACUS__NEW(int64_t, n_in + 1);
    if (!w) st = lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t k = 0; !st && k < n_in; k++) {
        if (!inputs || !inputs[k]) st = lacus__fail(&g->err, LACUS_ERR_ARG, "input %lld is NULL", (long long)k);
        else w[k] = inputs[k]->n_features;
    }
    if (!st && !g->initialized) st = lacus_graph_initialize(g, w);
    lacus__free(w);
    for (int64_t i = 0; !st && q_of && i < g->n_nodes; i++)
        if (g->nodes[i].kind == LACUS_NODE_ONLINE)
            st = lacus__fail(&g->err, LACUS_ERR_UNSUPPORTED,
                             "node \"%s\": online nodes and the scalapack solve with each rank reading "
                             "its own files: use the reduce solve, or give every rank all the files",
                             g->nodes[i].name);
    const lacus_seqs *ref = !st && n_in > 0 ? inputs[0] : NULL;
    for (int64_t q = 0; ref && q < ref->n_seqs; q++)
        if (q_of || q % g_size == g_rank) rows += ref->n_steps[q] > warmup ? ref->n_steps[q] - warmup : 0;
    if ((st = lacus_dist_agree(st, &g->err))) return st;
    return lacus__gspk_open(g, dp, rows, out);
}

static lacus_status graph_fit_shard(lacus_graph *g, const lacus_seqs *const *inputs,
                                    const lacus_seqs *const *targets, int64_t warmup,
                                    const int64_t *q_of, const int64_t *owner, int64_t n_global,
                                    const lacus_dist_params *dp)
{
    lacus__clear(&g->err);
    graph_acc a;
    memset(&a, 0, sizeof a);
    a.g = g;
    a.owner = owner;
    lacus_status st = LACUS_OK;
    /* Online nodes are trained on rank 0 over every sequence (graph.h). */
    lacus__graph_shard shard = {g_rank, g_size, 0, q_of, graph_after_seq, &a, n_global, graph_agree,
                                graph_fit_prep, NULL, NULL, NULL};
#ifdef LACUS_HAVE_MPI
    shard.online_send = graph_online_send;
    shard.online_recv = graph_online_recv;
#endif
    if (dp && dp->solve == LACUS_DIST_SOLVE_SCALAPACK) {
        st = graph_spk_open(g, inputs, warmup, q_of, dp, &a.gs);
        if (st) goto done; /* agreed */
        shard.after_seq = graph_spk_after_seq;
        shard.ridge_rows = graph_spk_rows;
        st = lacus__graph_fit_ex(g, inputs, targets, warmup, &shard);
        if ((st = lacus__gspk_finish(a.gs, st))) goto done;
#ifdef LACUS_HAVE_MPI
        if (g_started && g_size > 1) st = graph_bcast_online(g);
#endif
        goto done;
    }
    if (!st) st = lacus__graph_fit_ex(g, inputs, targets, warmup, &shard);
    if (!st) st = graph_acc_alloc(g, &a); /* a rank without sequences adds zeros */
    if ((st = lacus_dist_agree(st, &g->err))) goto done;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        int64_t maxP = 1;
        for (int64_t j = 0; j < a.n; j++) maxP = a.P[j] > maxP ? a.P[j] : maxP;
        int64_t tmp_n = maxP < (1 << 23) ? maxP : (1 << 23);
        double *tmp = LACUS__NEW(double, 2 * tmp_n);
        st = tmp ? LACUS_OK : lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory for the reduction");
        if ((st = lacus_dist_agree(st, &g->err))) goto done;
        for (int64_t j = 0; j < a.n; j++) tree_reduce(a.hi[j], a.lo[j], a.P[j], tmp, tmp_n);
        lacus__free(tmp);
    }
#endif
    for (int64_t j = 0; j < a.n && !st && g_rank == 0; j++) {
        lacus_ridge *r = g->nodes[a.id[j]].ridge;
        for (int64_t i = 0; i < a.P[j]; i++) a.hi[j][i] += a.lo[j][i]; /* round once */
        pack(r, a.hi[j], 1);
        if ((st = lacus_ridge_solve(r))) {
            g->err = r->err;
            lacus__prefix(&g->err, "node \"%s\": ", g->nodes[a.id[j]].name);
        }
    }
    if ((st = lacus_dist_agree(st, &g->err))) goto done;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1)
        for (int64_t j = 0; j < a.n; j++) {
            lacus_ridge *r = g->nodes[a.id[j]].ridge;
            int64_t F = r->p.n_features, O = r->p.n_outputs;
            MPI_Bcast(r->Wout, (int)(F * O), MPI_DOUBLE, 0, MPI_COMM_WORLD);
            MPI_Bcast(r->b, (int)O, MPI_DOUBLE, 0, MPI_COMM_WORLD);
            r->solved = 1;
        }
    if (g_started && g_size > 1) st = graph_bcast_online(g);
#endif
done:
    graph_acc_free(&a);
    return st;
}
