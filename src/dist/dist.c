/* MPI across machines: start/stop, agreement on errors, and the sharded
 * ESN fit with an ordered (fixed-tree) reduction of the ridge sums. Without
 * MPI (LACUS_HAVE_MPI undefined) the same calls work with one rank. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "dist/dd.h"
#include "dist/dist_check.h"
#include "model/esn.h"

#ifdef LACUS_HAVE_MPI
#include <mpi.h>
#endif

static int g_rank = 0, g_size = 1, g_started = 0;

int lacus_dist_available(void)
{
#ifdef LACUS_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int lacus_dist_rank(void) { return g_rank; }
int lacus_dist_launched(void) { return g_started; }
int lacus_dist_size(void) { return g_size; }

lacus_status lacus_dist_init(int *argc, char ***argv, lacus_error *err)
{
#ifdef LACUS_HAVE_MPI
    /* Only under a launcher: a plain run must not start MPI (and the
     * sanitizer builds must not see MPI's one-off allocations). */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
        return LACUS_OK;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return lacus__fail(err, LACUS_ERR_UNSUPPORTED, "MPI_Init_thread failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_started = 1;
    return LACUS_OK;
#else
    (void)argc;
    (void)argv;
    (void)err;
    return LACUS_OK;
#endif
}

void lacus_dist_finalize(void)
{
#ifdef LACUS_HAVE_MPI
    if (g_started) MPI_Finalize();
    g_started = 0;
#endif
}

int64_t lacus_dist_max(int64_t v)
{
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        long long in = v, out = v;
        MPI_Allreduce(&in, &out, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
        return out;
    }
#endif
    return v;
}

void lacus_dist_bcast(double *v, int64_t n, int root)
{
#ifdef LACUS_HAVE_MPI
    if (!g_started || g_size < 2) return;
    for (int64_t o = 0; o < n; o += (1 << 24)) {
        int64_t c = n - o < (1 << 24) ? n - o : (1 << 24);
        MPI_Bcast(v + o, (int)c, MPI_DOUBLE, root, MPI_COMM_WORLD);
    }
#else
    (void)v;
    (void)n;
    (void)root;
#endif
}

lacus_status lacus_dist_agree(lacus_status st, lacus_error *err)
{
#ifdef LACUS_HAVE_MPI
    if (!g_started || g_size == 1) return st;
    /* The lowest failing rank wins; its message is broadcast from it. */
    int mine = st ? g_rank : g_size, first = g_size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == g_size) return LACUS_OK;
    struct {
        int status;
        char msg[LACUS_ERRMSG_SIZE];
    } m = {0};
    if (g_rank == first) {
        m.status = st;
        snprintf(m.msg, sizeof m.msg, "rank %d: %.490s", g_rank, err ? err->msg : "");
    }
    MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, MPI_COMM_WORLD);
    if (err) {
        err->status = (lacus_status)m.status;
        snprintf(err->msg, sizeof err->msg, "%s", m.msg);
    }
    return (lacus_status)m.status;
#else
    (void)err;
    return st;
#endif
}

/* The ridge sums as one vector: n_samples, sx (F), sy (O), the upper
 * triangle of X^T X row by row, X^T Y (F x O). */
static int64_t packed_size(int64_t F, int64_t O) { return 1 + F + O + F * (F + 1) / 2 + F * O; }

static void pack(lacus_ridge *r, double *v, int unpack)
{
    int64_t F = r->p.n_features, O = r->p.n_outputs, k = 0;
#define MOVE(dst, src) do { if (unpack) (dst) = v[k++]; else v[k++] = (src); } while (0)
    double ns = (double)r->n_samples; /* exact up to 2^53 samples */
    MOVE(ns, ns);
    r->n_samples = (int64_t)ns;
    for (int64_t j = 0; j < F; j++) MOVE(r->sx[j], r->sx[j]);
    for (int64_t j = 0; j < O; j++) MOVE(r->sy[j], r->sy[j]);
    for (int64_t i = 0; i < F; i++)
        for (int64_t j = i; j < F; j++) MOVE(r->XtX[i * F + j], r->XtX[i * F + j]);
    for (int64_t i = 0; i < F * O; i++) MOVE(r->XtY[i], r->XtY[i]);
#undef MOVE
}

/* Sums that do not depend on the order of the additions: each value is a
 * double-double (hi + lo, ~106 bits) built with error-free TwoSum, so
 * adding the same numbers in any order gives the same hi + lo to ~1e-32
 * relative, and rounding it to double gives the same double (unless the
 * exact sum sits within that distance of a rounding boundary). This is what
 * makes a fit on K ranks equal the 1-rank one whatever K. Written by hand:
 * no Debian library offers an element-wise reproducible vector sum. */
#define dd_add lacus__dd_add /* dd.h */

/* (hi, lo) += (hi2, lo2). */
static void dd_add_dd(double *hi, double *lo, const double *hi2, const double *lo2, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double s = hi[i] + hi2[i], bp = s - hi[i];
        double e = (hi[i] - (s - bp)) + (hi2[i] - bp);
        double l = lo[i] + lo2[i] + e, t = s + l; /* renormalise */
        lo[i] = l - (t - s);
        hi[i] = t;
    }
}

#ifdef LACUS_HAVE_MPI
/* (hi, lo) (n each) summed onto rank 0 along a binomial tree: at level s a
 * rank r with r mod 2s == s sends to r - s, which adds it to its own. The
 * additions happen in the same order for a given number of ranks, whatever
 * the timing. Messages go in pieces of at most 2^24 doubles. */
static void tree_reduce(double *hi, double *lo, int64_t n, double *tmp, int64_t tmp_n)
{
    for (int s = 1; s < g_size; s <<= 1) {
        if (g_rank % (2 * s) == s) {
            for (int64_t o = 0; o < n; o += tmp_n) {
                int64_t c = n - o < tmp_n ? n - o : tmp_n;
                MPI_Send(hi + o, (int)c, MPI_DOUBLE, g_rank - s, 7, MPI_COMM_WORLD);
                MPI_Send(lo + o, (int)c, MPI_DOUBLE, g_rank - s, 8, MPI_COMM_WORLD);
            }
            return;
        }
        if (g_rank % (2 * s) == 0 && g_rank + s < g_size)
            for (int64_t o = 0; o < n; o += tmp_n) {
                int64_t c = n - o < tmp_n ? n - o : tmp_n;
                MPI_Recv(tmp, (int)c, MPI_DOUBLE, g_rank + s, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Recv(tmp + c, (int)c, MPI_DOUBLE, g_rank + s, 8, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                dd_add_dd(hi + o, lo + o, tmp, tmp + c, c);
            }
    }
}
#endif

/* Fits this rank's sequences one at a time: each sequence's sums start
 * from zero (so they do not depend on its neighbours) and are added to
 * (hi, lo), n_packed doubles each. */
static lacus_status accumulate_local(lacus_esn *m, const lacus_seqs *in, const lacus_seqs *tg,
                                     const int64_t *ids, double **hi, double **lo, int64_t *n_packed)
{
    lacus_status st = lacus__esn_stream_start(m, tg->n_features);
    if (st) return st;
    lacus_ridge *r = m->readout;
    int64_t P = packed_size(r->p.n_features, r->p.n_outputs);
    *n_packed = P;
    *hi = LACUS__ZNEW(double, P);
    *lo = LACUS__ZNEW(double, P);
    double *v = LACUS__NEW(double, P);
    if (!*hi || !*lo || !v) {
        lacus__free(v);
        return lacus__fail(&m->err, LACUS_ERR_NOMEM,
                           "out of memory for the reproducible sums (3 x %lld doubles)", (long long)P);
    }
    for (int64_t k = 0; k < in->n_seqs && !st; k++) {
        if (in->n_steps[k] != tg->n_steps[k]) {
            st = lacus__fail(&m->err, LACUS_ERR_SHAPE,
                             "sequence %lld: %lld input steps but %lld target steps",
                             (long long)ids[k], (long long)in->n_steps[k], (long long)tg->n_steps[k]);
            break;
        }
        lacus_ridge_reset(r);
        m->n_streamed = ids[k]; /* the sequence's noise stream */
        st = lacus_esn_partial_fit(m, in->data[k], tg->data[k], in->n_steps[k], tg->n_features, 1);
        if (st) break;
        lacus__ridge_flush_stage(r);
        pack(r, v, 0);
        dd_add(*hi, *lo, v, P);
    }
    lacus__free(v);
    return st;
}

lacus_status lacus__dist_check_seqs(lacus_error *err, const lacus_seqs *inputs,
                                    const lacus_seqs *targets, const int64_t *ids)
{
    if (!inputs || !targets || (inputs->n_seqs > 0 && !ids))
        return lacus__fail(err, LACUS_ERR_ARG, "inputs, targets or ids is NULL");
    if (inputs->n_seqs != targets->n_seqs)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%lld input sequences but %lld target sequences",
                           (long long)inputs->n_seqs, (long long)targets->n_seqs);
    if (targets->n_features < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "targets: n_features = %lld: must be >= 1",
                           (long long)targets->n_features);
    return LACUS_OK;
}

lacus_status lacus_esn_fit_dist(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                const int64_t *ids)
{
    lacus__clear(&m->err);
    lacus_status st = LACUS_OK;
    double *hi = NULL, *lo = NULL;
    int64_t P = 0;
    st = lacus__dist_check_seqs(&m->err, inputs, targets, ids);
    if (!st) st = accumulate_local(m, inputs, targets, ids, &hi, &lo, &P);
    if ((st = lacus_dist_agree(st, &m->err))) goto done;
    lacus_ridge *r = m->readout;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        /* Every rank must hold the same shapes. */
        long long shape[2] = {r->p.n_features, r->p.n_outputs}, lohi[4];
        MPI_Allreduce(shape, lohi, 2, MPI_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(shape, lohi + 2, 2, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
        if (lohi[0] != lohi[2] || lohi[1] != lohi[3]) {
            st = lacus__fail(&m->err, LACUS_ERR_SHAPE,
                             "the ranks disagree on the readout's shape (%lld..%lld features, "
                             "%lld..%lld outputs): same model and target width on every rank",
                             lohi[0], lohi[2], lohi[1], lohi[3]);
            goto done;
        }
        int64_t tmp_n = P < (1 << 23) ? P : (1 << 23);
        double *tmp = LACUS__NEW(double, 2 * tmp_n);
        st = tmp ? LACUS_OK : lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the reduction");
        if ((st = lacus_dist_agree(st, &m->err))) goto done;
        tree_reduce(hi, lo, P, tmp, tmp_n);
        lacus__free(tmp);
    }
#endif
    if (g_rank == 0) {
        for (int64_t i = 0; i < P; i++) hi[i] += lo[i]; /* round once */
        pack(r, hi, 1);
        st = lacus_ridge_solve(r);
        if (st) m->err = r->err;
    }
    if ((st = lacus_dist_agree(st, &m->err))) goto done;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        int64_t F = r->p.n_features, O = r->p.n_outputs;
        MPI_Bcast(r->Wout, (int)(F * O), MPI_DOUBLE, 0, MPI_COMM_WORLD);
        MPI_Bcast(r->b, (int)O, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        r->solved = 1;
    }
#endif
done:
    lacus__free(hi);
    lacus__free(lo);
    return st;
}

/* Reduction helpers for statistics other than the ridge sums (input
 * preprocessing under MPI, dist_prep.c). */
lacus_status lacus_dist_sum_dd(double *hi, double *lo, int64_t n, lacus_error *err)
{
    lacus_status st = LACUS_OK;
#ifdef LACUS_HAVE_MPI
    if (g_started && g_size > 1) {
        int64_t tmp_n = n < (1 << 23) ? (n > 0 ? n : 1) : (1 << 23);
        double *tmp = LACUS__NEW(double, 2 * tmp_n);
        st = tmp ? LACUS_OK : lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for the reduction");
        if ((st = lacus_dist_agree(st, err))) {
            lacus__free(tmp);
            return st;
        }
        tree_reduce(hi, lo, n, tmp, tmp_n);
        lacus__free(tmp);
    }
#else
    (void)err;
#endif
    if (g_rank == 0)
        for (int64_t i = 0; i < n; i++) hi[i] += lo[i]; /* round once */
    for (int64_t i = 0; i < n; i++) lo[i] = 0.0;
    lacus_dist_bcast(hi, n, 0);
    return st;
}

void lacus_dist_minmax(double *mn, double *mx, int64_t n)
{
#ifdef LACUS_HAVE_MPI
    if (!g_started || g_size < 2) return;
    for (int64_t o = 0; o < n; o += (1 << 24)) {
        int c = (int)(n - o < (1 << 24) ? n - o : (1 << 24));
        MPI_Allreduce(MPI_IN_PLACE, mn + o, c, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, mx + o, c, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    }
#else
    (void)mn;
    (void)mx;
    (void)n;
#endif
}

/* ------------------------------------------------------------------------ */
/* Stacks: layers trained on teacher inputs are independent, so layer l is  */
/* trained on rank l mod K and its readout broadcast from there.            */
/* ------------------------------------------------------------------------ */

#include "model/stack.h"

lacus_status lacus_stack_fit_dist(lacus_stack *s, const lacus_seqs *inputs,
                                  const lacus_seqs *const *targets)
{
    if (g_size == 1 || !s->teacher_inputs) {
        /* One rank, or chained layers (each needs the previous one's
         * predictions): every rank trains the whole stack, identically. */
        return lacus_stack_fit(s, inputs, targets);
    }
#ifdef LACUS_HAVE_MPI
    lacus__clear(&s->err);
    lacus_status st = LACUS_OK;
    for (int64_t l = g_rank; l < s->n_layers && !st; l += g_size) {
        lacus_esn *m = s->layers[l];
        const lacus_seqs *in = l == 0 ? inputs : targets[l - 1];
        if (!targets || !targets[l]) {
            st = lacus__fail(&s->err, LACUS_ERR_ARG, "layer %lld: targets missing", (long long)l);
            break;
        }
        if ((st = lacus_esn_fit(m, in, targets[l]))) {
            s->err = m->err;
            lacus__prefix(&s->err, "layer %lld: ", (long long)l);
            break;
        }
        lacus__ridge_release(m->readout);
        s->mse[l] = NAN;
        if (s->report_mse) { /* the layer's training error, as lacus_stack_fit reports it */
            double se = 0, cnt = 0;
            int64_t O = targets[l]->n_features;
            for (int64_t i = 0; i < in->n_seqs && !st; i++) {
                double *p = LACUS__NEW(double, in->n_steps[i] * O);
                lacus_seqs one = {1, in->n_features, &in->data[i], &in->n_steps[i]};
                st = p ? lacus_esn_run(m, &one, &p) : LACUS_ERR_NOMEM;
                for (int64_t t = m->p.warmup; !st && t < in->n_steps[i]; t++)
                    for (int64_t j = 0; j < O; j++, cnt++) {
                        double e = p[t * O + j] - targets[l]->data[i][t * O + j];
                        se += e * e;
                    }
                lacus__free(p);
            }
            if (st) s->err = m->err;
            else s->mse[l] = cnt > 0 ? se / cnt : NAN;
        }
    }
    if ((st = lacus_dist_agree(st, &s->err))) return st;
    /* Every rank gets every layer's readout (and training error). */
    for (int64_t l = 0; l < s->n_layers && !st; l++) {
        lacus_esn *m = s->layers[l];
        int owner = (int)(l % g_size);
        int64_t F = lacus__esn_n_features(m), O = s->n_outputs[l];
        if (g_rank != owner) {
            lacus_ridge_params rp = m->p.readout;
            rp.n_features = F;
            rp.n_outputs = O;
            rp.keep_samples = 0;
            lacus_ridge_free(m->readout);
            m->readout = NULL;
            st = lacus_ridge_create(&rp, &m->readout, &s->err);
            m->n_outputs = O;
        }
        if ((st = lacus_dist_agree(st, &s->err))) return st;
        MPI_Bcast(m->readout->Wout, (int)(F * O), MPI_DOUBLE, owner, MPI_COMM_WORLD);
        MPI_Bcast(m->readout->b, (int)O, MPI_DOUBLE, owner, MPI_COMM_WORLD);
        MPI_Bcast(&s->mse[l], 1, MPI_DOUBLE, owner, MPI_COMM_WORLD);
        m->readout->has_weights = 1;
    }
    return st;
#else
    return lacus_stack_fit(s, inputs, targets);
#endif
}

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
                                    const int64_t *q_of, const int64_t *owner, int64_t n_global);

lacus_status lacus_graph_fit_dist(lacus_graph *g, const lacus_seqs *const *inputs,
                                  const lacus_seqs *const *targets, int64_t warmup)
{
    return graph_fit_shard(g, inputs, targets, warmup, NULL, NULL, 0);
}

lacus_status lacus_graph_fit_dist_local(lacus_graph *g, const lacus_seqs *const *inputs,
                                        const lacus_seqs *const *targets, int64_t warmup,
                                        const int64_t *seq_ids)
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
                         n_global);
done:
    lacus__free(cnt);
    lacus__free(disp);
    lacus__free(all);
    lacus__free(owner);
    return st;
}

static lacus_status graph_fit_shard(lacus_graph *g, const lacus_seqs *const *inputs,
                                    const lacus_seqs *const *targets, int64_t warmup,
                                    const int64_t *q_of, const int64_t *owner, int64_t n_global)
{
    lacus__clear(&g->err);
    graph_acc a;
    memset(&a, 0, sizeof a);
    a.g = g;
    a.owner = owner;
    lacus_status st = LACUS_OK;
    /* Online nodes are trained on rank 0 over every sequence (graph.h). */
    lacus__graph_shard shard = {g_rank, g_size, 0, q_of, graph_after_seq, &a, n_global, graph_agree,
                                graph_fit_prep, NULL, NULL};
#ifdef LACUS_HAVE_MPI
    shard.online_send = graph_online_send;
    shard.online_recv = graph_online_recv;
#endif
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
