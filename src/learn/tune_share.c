/* Weight sharing in the node-kernel network (spec §1.1: "weight sharing
 * (same W across nodes) ... allowed"; §1.2: "with sharing, sum over the
 * nodes that share the weight").
 *
 * A group of tied weights is one parameter w that appears in several
 * kernels. The cost's derivative with respect to w is the sum of the
 * per-kernel derivatives, so every member carries that sum as its
 * gradient; an update that moves all members by the same amount keeps
 * them equal. Updates that are computed per node (the node-local
 * Gauss-Newton solve, the stochastic variant) give each member its own
 * proposal; they are projected back onto the tie by taking the group mean,
 * the least-squares point of the constraint set {all members equal}. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/tune_internal.h"

void lacus__tune_tie_sum(const lacus_tune_net *net, double *g)
{
    if (!net->tie || !g) return;
    /* Representatives have the smallest index of their group, so the first
     * pass never adds into a weight that is itself read later as a member. */
    for (int64_t j = 0; j < net->n_w; j++)
        if (net->tie[j] != j) g[net->tie[j]] += g[j];
    for (int64_t j = 0; j < net->n_w; j++)
        if (net->tie[j] != j) g[j] = g[net->tie[j]];
}

void lacus__tune_tie_avg(const lacus_tune_net *net, double *W)
{
    if (!net->tie || !W) return;
    for (int64_t j = 0; j < net->n_w; j++)
        if (net->tie[j] != j) W[net->tie[j]] += W[j];
    for (int64_t j = 0; j < net->n_w; j++)
        if (net->tie[j] == j && net->tie_n[j] > 1) W[j] /= (double)net->tie_n[j];
    for (int64_t j = 0; j < net->n_w; j++)
        if (net->tie[j] != j) W[j] = W[net->tie[j]];
}

lacus_status lacus_tune_net_tie(lacus_tune_net *net, int64_t j, int64_t k, lacus_error *err)
{
    if (!net) return lacus__fail(err, LACUS_ERR_ARG, "net is NULL");
    if (j < 0 || j >= net->n_w || k < 0 || k >= net->n_w)
        return lacus__fail(err, LACUS_ERR_ARG, "tie %lld with %lld: weights must be in [0, %lld)",
                           (long long)j, (long long)k, (long long)net->n_w);
    if (!net->tie) {
        net->tie = LACUS__NEW(int64_t, net->n_w ? net->n_w : 1);
        net->tie_n = LACUS__NEW(int64_t, net->n_w ? net->n_w : 1);
        if (!net->tie || !net->tie_n) {
            lacus__free(net->tie);
            lacus__free(net->tie_n);
            net->tie = net->tie_n = NULL;
            return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld tie indices)", (long long)net->n_w);
        }
        for (int64_t i = 0; i < net->n_w; i++) net->tie[i] = i, net->tie_n[i] = 1;
    }
    int64_t rj = net->tie[j], rk = net->tie[k];
    if (rj == rk) return LACUS_OK;
    const lacus_tune_kernel *a = &net->k[rj], *b = &net->k[rk];
    if (a->learnable != b->learnable)
        return lacus__fail(err, LACUS_ERR_ARG, "tie %lld with %lld: one weight is learnable, the other "
                           "fixed", (long long)j, (long long)k);
    double lo = fmax(a->lo, b->lo), hi = fmin(a->hi, b->hi);
    if (lo > hi)
        return lacus__fail(err, LACUS_ERR_ARG, "tie %lld with %lld: bounds [%g, %g] and [%g, %g] do not "
                           "overlap", (long long)j, (long long)k, a->lo, a->hi, b->lo, b->hi);
    /* The group takes weight j's value (projected onto the common bounds). */
    double v = net->W[j] < lo ? lo : net->W[j] > hi ? hi : net->W[j];
    int64_t r = rj < rk ? rj : rk;
    for (int64_t i = 0; i < net->n_w; i++)
        if (net->tie[i] == rj || net->tie[i] == rk) {
            net->tie[i] = r;
            net->k[i].lo = lo;
            net->k[i].hi = hi;
            net->W[i] = v;
        }
    net->tie_n[r] = net->tie_n[rj] + net->tie_n[rk];
    if (r != rj) net->tie_n[rj] = 1;
    if (r != rk) net->tie_n[rk] = 1;
    return LACUS_OK;
}

int64_t lacus_tune_net_tied_to(const lacus_tune_net *net, int64_t j)
{
    if (!net || j < 0 || j >= net->n_w) return -1;
    return net->tie ? net->tie[j] : j;
}
