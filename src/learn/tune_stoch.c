/* The stochastic distributed variant of backward tuning (the official
 * code's KernelDistributedEstimator; spec §1.3d), with the nodes updated in
 * parallel.
 *
 * After one forward and backward pass at W, every learnable node (or a
 * random batch of them) draws a window of S consecutive steps, solves its
 * damped least squares on that window (the node-local Gauss-Newton step of
 * tune_fit.c restricted to the window) and line-searches its own step with
 * full simulations in which only its weights move. Nodes are independent,
 * so they run in parallel (OpenMP, one private weight vector and trajectory
 * per thread). Each node's random draws come from its own stream (seed,
 * iteration, node), and the steps are combined in node order afterwards,
 * so the result does not depend on the number of threads. The improving
 * steps are applied together when that lowers the cost further than the
 * best single one; otherwise only the best single step is kept. */
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "learn/tune_fit.h"

enum { STREAM_TUNE_STOCH = 21 };

lacus_status lacus__tune_stoch_iter(tune_ws *w, int64_t iter, double f0, double *Wout,
                                    double *fout, lacus_error *err)
{
    const lacus_tune_net *net = w->net;
    const int64_t Nn = w->Nn, nw = w->nw, T = w->T, F = w->max_fan;
    /* The nodes to update this iteration. */
    int64_t *nodes = LACUS__NEW(int64_t, Nn), n_nodes = 0;
    double *ucost = LACUS__NEW(double, 2 * Nn); /* best u and cost per node slot */
    double *dirs = LACUS__ZNEW(double, nw);     /* each node's direction, in place */
    int nth = 1;
#ifdef _OPENMP
    nth = omp_get_max_threads();
#endif
    double *tW = LACUS__NEW(double, nth * nw), *tx = LACUS__NEW(double, nth * T * Nn);
    double *tA = LACUS__NEW(double, nth * (F * F + 3 * F + 3));
    int64_t *tidx = LACUS__NEW(int64_t, nth * (F + 1));
    lacus_status st = LACUS_OK;
    if (!nodes || !ucost || !dirs || !tW || !tx || !tA || !tidx) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (stochastic workspace, %d threads)", nth);
        goto done;
    }
    for (int64_t n = 0; n < Nn; n++) {
        int64_t D = 0;
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) D += net->k[j].learnable;
        if (D > 0) nodes[n_nodes++] = n;
    }
    if (w->p->batch_nodes > 0 && w->p->batch_nodes < n_nodes) {
        lacus__rng r;
        lacus__rng_stream(&r, w->p->seed, STREAM_TUNE_STOCH, (uint64_t)iter * 2);
        for (int64_t i = 0; i < w->p->batch_nodes; i++) {
            int64_t j = i + (int64_t)lacus__rng_below(&r, (uint64_t)(n_nodes - i));
            int64_t tmp = nodes[i];
            nodes[i] = nodes[j];
            nodes[j] = tmp;
        }
        n_nodes = w->p->batch_nodes;
    }
    const double tol = fmax(w->p->ls_tol, 0.1);
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t i = 0; i < n_nodes; i++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        int64_t n = nodes[i];
        double *Wt = tW + th * nw, *xs = tx + th * T * Nn, *A = tA + th * (F * F + 3 * F + 3);
        double *b = A + F * F + 1, *phi = b + F + 1, *W1 = phi + F + 1;
        int64_t *idx = tidx + th * (F + 1);
        int64_t Dn = 0;
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) Dn += net->k[j].learnable;
        int64_t S = w->p->window > 0 ? w->p->window : (T / 4 > Dn ? T / 4 : Dn);
        if (S > T) S = T;
        lacus__rng r;
        lacus__rng_stream(&r, w->p->seed, STREAM_TUNE_STOCH, ((uint64_t)iter * 2 + 1) * (uint64_t)Nn + (uint64_t)n);
        int64_t t0 = (int64_t)lacus__rng_below(&r, (uint64_t)(T - S + 1));
        int64_t D = lacus__tune_node_solve(w, n, t0, t0 + S, 0, 1, w->p->reinject, A, b, phi, idx, W1);
        ucost[2 * i] = 0.0;
        ucost[2 * i + 1] = f0;
        if (D == 0) continue;
        /* The direction lives only on this node's weights: the other
         * entries of dirs stay 0 (each node writes its own slice). */
        for (int64_t k = 0; k < D; k++) dirs[idx[k]] = W1[k] - net->W[idx[k]];
        /* Line search on u in [0, 1] along this node's slice only. */
        const double rr = 0.5 * (sqrt(5.0) - 1.0);
        double a = 0.0, bb = 1.0, ub = 0.0, fb = f0;
        memcpy(Wt, net->W, (size_t)nw * sizeof *Wt);
#define NODE_PROBE(uu, ff)                                                              \
        do {                                                                            \
            for (int64_t k = 0; k < D; k++)                                             \
                Wt[idx[k]] = lacus__tune_project(&net->k[idx[k]], net->W[idx[k]] + (uu) * dirs[idx[k]]); \
            (ff) = lacus__tune_cost_at(w, Wt, xs);                                      \
            if ((ff) < fb) fb = (ff), ub = (uu);                                        \
        } while (0)
        double fU, c1 = bb - rr * (bb - a), c2 = a + rr * (bb - a), f1, f2;
        NODE_PROBE(bb, fU);
        NODE_PROBE(c1, f1);
        NODE_PROBE(c2, f2);
        while (bb - a > tol) {
            if (f1 <= f2) {
                bb = c2, c2 = c1, f2 = f1, c1 = bb - rr * (bb - a);
                NODE_PROBE(c1, f1);
            } else {
                a = c1, c1 = c2, f1 = f2, c2 = a + rr * (bb - a);
                NODE_PROBE(c2, f2);
            }
        }
#undef NODE_PROBE
        ucost[2 * i] = ub;
        ucost[2 * i + 1] = fb;
    }
    /* Combine in node order (thread-count independent). */
    int64_t best = -1;
    double fbest = f0;
    memcpy(Wout, net->W, (size_t)nw * sizeof *Wout);
    for (int64_t i = 0; i < n_nodes; i++) {
        if (!(ucost[2 * i + 1] < f0)) continue;
        if (ucost[2 * i + 1] < fbest) fbest = ucost[2 * i + 1], best = i;
        int64_t n = nodes[i];
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++)
            if (dirs[j] != 0.0) Wout[j] = lacus__tune_project(&net->k[j], net->W[j] + ucost[2 * i] * dirs[j]);
    }
    double fall = best >= 0 ? lacus__tune_cost_at(w, Wout, w->xs) : f0;
    if (best >= 0 && !(fall <= fbest)) {
        memcpy(Wout, net->W, (size_t)nw * sizeof *Wout);
        int64_t n = nodes[best];
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++)
            if (dirs[j] != 0.0) Wout[j] = lacus__tune_project(&net->k[j], net->W[j] + ucost[2 * best] * dirs[j]);
        fall = fbest;
    }
    *fout = fall;
done:
    lacus__free(nodes);
    lacus__free(ucost);
    lacus__free(dirs);
    lacus__free(tW);
    lacus__free(tx);
    lacus__free(tA);
    lacus__free(tidx);
    return st;
}
