/* The node-kernel network of backward tuning (Vieville et al., Inria
 * RR-9100, eq. 1): construction, weights, the forward simulation and the
 * finite-difference checker of kernel derivatives (the official code's
 * getValueDerivativeApproximation, kept as the spec asks). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/tune_internal.h"

lacus_tune_kernel lacus_tune_kernel_make(lacus_tune_kernel_kind kind, int32_t node, int32_t lag,
                                         double w)
{
    lacus_tune_kernel k;
    memset(&k, 0, sizeof k);
    k.kind = kind;
    k.n_src = kind == LACUS_TK_ONE ? 0 : 1;
    k.src[0].node = node;
    k.src[0].lag = lag;
    k.weight = w;
    k.lo = -INFINITY;
    k.hi = INFINITY;
    k.learnable = 1;
    return k;
}

lacus_status lacus_tune_net_create_empty(int64_t n_nodes, int64_t n_inputs, lacus_tune_net **out,
                                         lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    if (n_nodes < 1 || n_nodes > 100000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_nodes = %lld: must be in [1, 1e8]",
                           (long long)n_nodes);
    if (n_inputs < 0 || n_inputs > 100000000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_inputs = %lld: must be in [0, 1e8]",
                           (long long)n_inputs);
    lacus_tune_net *n = LACUS__ZNEW(lacus_tune_net, 1);
    if (!n) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (network)");
    n->n_nodes = n_nodes;
    n->n_inputs = n_inputs;
    n->n_units = n_nodes;
    n->unit = -1;
    n->off = LACUS__ZNEW(int64_t, n_nodes + 1);
    if (!n->off) {
        lacus__free(n);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (network)");
    }
    *out = n;
    return LACUS_OK;
}

void lacus_tune_net_free(lacus_tune_net *net)
{
    if (!net) return;
    lacus__free(net->off);
    lacus__free(net->k);
    lacus__free(net->W);
    lacus__free(net->edge_dst);
    lacus__free(net->edge_src);
    lacus__free(net->run);
    lacus__free(net->srun);
    lacus__free(net->tie);
    lacus__free(net->tie_n);
    lacus__free(net);
}

static lacus_status grow(lacus_tune_net *net, lacus_error *err)
{
    if (net->n_w < net->cap_w) return LACUS_OK;
    int64_t cap = net->cap_w ? 2 * net->cap_w : 64;
    lacus_tune_kernel *k = lacus__realloc(net->k, (size_t)cap * sizeof *k);
    if (!k) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld kernels)", (long long)cap);
    net->k = k;
    double *W = lacus__realloc(net->W, (size_t)cap * sizeof *W);
    if (!W) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld weights)", (long long)cap);
    net->W = W;
    int64_t *d = lacus__realloc(net->edge_dst, (size_t)cap * sizeof *d);
    if (!d) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld weights)", (long long)cap);
    net->edge_dst = d;
    int64_t *s = lacus__realloc(net->edge_src, (size_t)cap * sizeof *s);
    if (!s) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld weights)", (long long)cap);
    net->edge_src = s;
    int32_t *r = lacus__realloc(net->run, (size_t)cap * sizeof *r);
    if (!r) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld weights)", (long long)cap);
    net->run = r;
    int32_t *sr = lacus__realloc(net->srun, (size_t)cap * sizeof *sr);
    if (!sr) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld weights)", (long long)cap);
    net->srun = sr;
    net->cap_w = cap;
    return LACUS_OK;
}

static int kind_arity(lacus_tune_kernel_kind kind)
{
    switch (kind) {
    case LACUS_TK_ONE: return 0;
    case LACUS_TK_RATIO:
    case LACUS_TK_AIF_LEAK: return 2;
    case LACUS_TK_USER: return -1;
    default: return 1;
    }
}

/* Appends (or inserts, for a node below the last one used) a kernel; edge
 * endpoints default to (node, first source) for sparse weights. */
lacus_status lacus__tune_add(lacus_tune_net *net, int64_t node, const lacus_tune_kernel *k,
                             int64_t edge_dst, int64_t edge_src, lacus_error *err)
{
    if (!net || !k) return lacus__fail(err, LACUS_ERR_ARG, "net or kernel is NULL");
    if (net->tie)
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: kernels must be added before weights are tied "
                           "(tying fixes the weight indices)", (long long)node);
    if (node < 0 || node >= net->n_nodes)
        return lacus__fail(err, LACUS_ERR_ARG, "node = %lld: must be in [0, %lld)", (long long)node,
                           (long long)net->n_nodes);
    if ((int)k->kind < 0 || k->kind > LACUS_TK_USER)
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: unknown kernel kind %d", (long long)node,
                           (int)k->kind);
    int ar = kind_arity(k->kind);
    if (ar >= 0 && k->n_src != ar)
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: kernel kind %d takes %d source(s), got %d",
                           (long long)node, (int)k->kind, ar, k->n_src);
    if (k->n_src < 0 || k->n_src > LACUS_TUNE_MAX_SRC)
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: n_src = %d: must be in [0, %d]",
                           (long long)node, k->n_src, LACUS_TUNE_MAX_SRC);
    if (k->kind == LACUS_TK_USER && (!k->fn || !k->dfn))
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: a user kernel needs fn and dfn",
                           (long long)node);
    for (int s = 0; s < k->n_src; s++) {
        const lacus_tune_src *src = &k->src[s];
        if (src->lag < 0 || src->lag > 1000000)
            return lacus__fail(err, LACUS_ERR_ARG, "node %lld source %d: lag = %d: must be in [0, 1e6]",
                               (long long)node, s, src->lag);
        if (src->node >= 0) {
            if (src->node >= net->n_nodes)
                return lacus__fail(err, LACUS_ERR_ARG, "node %lld source %d: node %d does not exist "
                                   "(n_nodes = %lld)", (long long)node, s, src->node,
                                   (long long)net->n_nodes);
            if (src->lag == 0 && src->node <= node)
                return lacus__fail(err, LACUS_ERR_ARG, "node %lld source %d: same-step source node %d "
                                   "must have a higher index (causality: nodes are computed from "
                                   "the last to the first)", (long long)node, s, src->node);
        } else if ((int64_t)(-src->node - 1) >= net->n_inputs) {
            return lacus__fail(err, LACUS_ERR_ARG, "node %lld source %d: input %d does not exist "
                               "(n_inputs = %lld)", (long long)node, s, -src->node - 1,
                               (long long)net->n_inputs);
        }
    }
    if (!isfinite(k->weight))
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: initial weight is not finite", (long long)node);
    if (isnan(k->lo) || isnan(k->hi) || k->lo > k->hi)
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: bounds [%g, %g] are not an interval",
                           (long long)node, k->lo, k->hi);
    if (!isfinite(k->param[0]) && k->kind != LACUS_TK_ZETA)
        return lacus__fail(err, LACUS_ERR_ARG, "node %lld: kernel parameter is not finite", (long long)node);
    lacus_status st = grow(net, err);
    if (st) return st;
    int64_t pos = net->off[node + 1];
    int64_t tail = net->n_w - pos;
    if (tail > 0) {
        memmove(net->k + pos + 1, net->k + pos, (size_t)tail * sizeof *net->k);
        memmove(net->W + pos + 1, net->W + pos, (size_t)tail * sizeof *net->W);
        memmove(net->edge_dst + pos + 1, net->edge_dst + pos, (size_t)tail * sizeof(int64_t));
        memmove(net->edge_src + pos + 1, net->edge_src + pos, (size_t)tail * sizeof(int64_t));
        memmove(net->run + pos + 1, net->run + pos, (size_t)tail * sizeof(int32_t));
        memmove(net->srun + pos + 1, net->srun + pos, (size_t)tail * sizeof(int32_t));
    }
    net->k[pos] = *k;
    net->W[pos] = lacus__tune_project(k, k->weight);
    net->edge_dst[pos] = edge_dst;
    net->edge_src[pos] = edge_src;
    for (int64_t n = node + 1; n <= net->n_nodes; n++) net->off[n]++;
    net->n_w++;
    lacus__tune_relink(net, node);
    for (int s = 0; s < k->n_src; s++)
        if (k->src[s].lag > net->max_lag) net->max_lag = k->src[s].lag;
    return LACUS_OK;
}

lacus_status lacus_tune_net_add_kernel(lacus_tune_net *net, int64_t node,
                                       const lacus_tune_kernel *k, lacus_error *err)
{
    int64_t dst = -1, src = -1;
    if (k && k->sparse && k->n_src >= 1) {
        dst = node;
        src = k->src[0].node >= 0 ? k->src[0].node
                                  : (net ? net->n_nodes : 0) + (-k->src[0].node - 1);
    }
    return lacus__tune_add(net, node, k, dst, src, err);
}

lacus_status lacus_tune_net_clone(const lacus_tune_net *net, lacus_tune_net **out, lacus_error *err)
{
    if (!net || !out) return lacus__fail(err, LACUS_ERR_ARG, "net or out is NULL");
    lacus_status st = lacus_tune_net_create_empty(net->n_nodes, net->n_inputs, out, err);
    if (st) return st;
    lacus_tune_net *c = *out;
    int64_t cap = net->n_w ? net->n_w : 1;
    c->k = LACUS__NEW(lacus_tune_kernel, cap);
    c->W = LACUS__NEW(double, cap);
    c->edge_dst = LACUS__NEW(int64_t, cap);
    c->edge_src = LACUS__NEW(int64_t, cap);
    c->run = LACUS__NEW(int32_t, cap);
    c->srun = LACUS__NEW(int32_t, cap);
    if (!c->k || !c->W || !c->edge_dst || !c->edge_src || !c->run || !c->srun) {
        lacus_tune_net_free(c);
        *out = NULL;
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (network copy)");
    }
    c->cap_w = cap;
    c->n_w = net->n_w;
    c->n_units = net->n_units;
    c->unit = net->unit;
    c->max_lag = net->max_lag;
    c->esn_outputs = net->esn_outputs;
    memcpy(c->off, net->off, (size_t)(net->n_nodes + 1) * sizeof *c->off);
    if (net->n_w) {
        memcpy(c->k, net->k, (size_t)net->n_w * sizeof *c->k);
        memcpy(c->W, net->W, (size_t)net->n_w * sizeof *c->W);
        memcpy(c->edge_dst, net->edge_dst, (size_t)net->n_w * sizeof(int64_t));
        memcpy(c->edge_src, net->edge_src, (size_t)net->n_w * sizeof(int64_t));
        memcpy(c->run, net->run, (size_t)net->n_w * sizeof(int32_t));
        memcpy(c->srun, net->srun, (size_t)net->n_w * sizeof(int32_t));
    }
    if (net->tie) {
        c->tie = LACUS__NEW(int64_t, cap);
        c->tie_n = LACUS__NEW(int64_t, cap);
        if (!c->tie || !c->tie_n) {
            lacus_tune_net_free(c);
            *out = NULL;
            return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (network copy)");
        }
        memcpy(c->tie, net->tie, (size_t)net->n_w * sizeof(int64_t));
        memcpy(c->tie_n, net->tie_n, (size_t)net->n_w * sizeof(int64_t));
    }
    return LACUS_OK;
}

int64_t lacus_tune_net_n_nodes(const lacus_tune_net *net) { return net ? net->n_nodes : 0; }
int64_t lacus_tune_net_n_inputs(const lacus_tune_net *net) { return net ? net->n_inputs : 0; }
int64_t lacus_tune_net_n_units(const lacus_tune_net *net) { return net ? net->n_units : 0; }
int64_t lacus_tune_net_n_weights(const lacus_tune_net *net) { return net ? net->n_w : 0; }

lacus_status lacus_tune_net_get_weights(const lacus_tune_net *net, double *W)
{
    if (!net || (!W && net->n_w)) return LACUS_ERR_ARG;
    if (net->n_w) memcpy(W, net->W, (size_t)net->n_w * sizeof *W);
    return LACUS_OK;
}

lacus_status lacus_tune_net_set_weights(lacus_tune_net *net, const double *W, lacus_error *err)
{
    if (!net || (!W && net->n_w)) return lacus__fail(err, LACUS_ERR_ARG, "net or W is NULL");
    lacus_status st = lacus__check_finite(err, "weights", W, net->n_w, 1, 1);
    if (st) return st;
    for (int64_t j = 0; j < net->n_w; j++) net->W[j] = lacus__tune_project(&net->k[j], W[j]);
    lacus__tune_tie_avg(net, net->W);
    return LACUS_OK;
}

lacus_status lacus_tune_net_weight_info(const lacus_tune_net *net, int64_t j,
                                        lacus_tune_weight_info *out)
{
    if (!net || !out || j < 0 || j >= net->n_w) return LACUS_ERR_ARG;
    int64_t lo = 0, hi = net->n_nodes; /* node n with off[n] <= j < off[n+1] */
    while (hi - lo > 1) {
        int64_t mid = (lo + hi) / 2;
        if (net->off[mid] <= j) lo = mid;
        else hi = mid;
    }
    while (lo + 1 < net->n_nodes && net->off[lo + 1] <= j) lo++;
    const lacus_tune_kernel *k = &net->k[j];
    out->node = lo;
    out->kind = k->kind;
    out->src0 = k->src[0];
    out->learnable = k->learnable;
    out->sparse = k->sparse;
    out->edge_dst = net->edge_dst[j];
    out->edge_src = net->edge_src[j];
    out->lo = k->lo;
    out->hi = k->hi;
    return LACUS_OK;
}

lacus_status lacus_tune_net_set_learnable(lacus_tune_net *net, int64_t j, int learnable)
{
    if (!net || j < 0 || j >= net->n_w) return LACUS_ERR_ARG;
    for (int64_t i = 0; i < net->n_w; i++) /* a tied group changes as one */
        if (i == j || (net->tie && net->tie[i] == net->tie[j])) net->k[i].learnable = learnable != 0;
    return LACUS_OK;
}

lacus_status lacus_tune_net_set_bounds(lacus_tune_net *net, int64_t j, double lo, double hi)
{
    if (!net || j < 0 || j >= net->n_w || isnan(lo) || isnan(hi) || lo > hi) return LACUS_ERR_ARG;
    for (int64_t i = 0; i < net->n_w; i++)
        if (i == j || (net->tie && net->tie[i] == net->tie[j])) {
            net->k[i].lo = lo;
            net->k[i].hi = hi;
            net->W[i] = lacus__tune_project(&net->k[i], net->W[i]);
        }
    return LACUS_OK;
}

static int is_idnode(const lacus_tune_kernel *k) { return k->kind == LACUS_TK_ID && k->src[0].node >= 0; }

/* Sigmoid-type kernels (SIG4, TANH: one node source, no parameter) are
 * memoised per (source node, step): in the AIF unit every one of the N
 * units reads sigma4 of every sharpness node, so without the memo a step
 * costs N^2 exp(); with it, N. */
static int memo_kind(const lacus_tune_kernel *k)
{
    return (k->kind == LACUS_TK_SIG4 || k->kind == LACUS_TK_TANH) && k->n_src == 1 && k->src[0].node >= 0;
}

void lacus__tune_relink(lacus_tune_net *net, int64_t n)
{
    int64_t j = net->off[n], end = net->off[n + 1];
    while (j < end) {
        const lacus_tune_kernel *k = &net->k[j];
        if (!is_idnode(k)) {
            net->run[j++] = -1;
            continue;
        }
        int64_t r = 1;
        while (j + r < end && r < INT32_MAX && is_idnode(&net->k[j + r]) &&
               net->k[j + r].src[0].lag == k->src[0].lag && net->k[j + r].src[0].node == k->src[0].node + r)
            r++;
        net->run[j] = (int32_t)r;
        for (int64_t i = 1; i < r; i++) net->run[j + i] = 0;
        j += r;
    }
    for (j = net->off[n]; j < end;) {
        const lacus_tune_kernel *k = &net->k[j];
        if (!memo_kind(k)) {
            net->srun[j++] = -1;
            continue;
        }
        int64_t r = 1;
        while (j + r < end && r < INT32_MAX && memo_kind(&net->k[j + r]) && net->k[j + r].kind == k->kind &&
               net->k[j + r].src[0].lag == k->src[0].lag && net->k[j + r].src[0].node == k->src[0].node + r)
            r++;
        net->srun[j] = (int32_t)r;
        for (int64_t i = 1; i < r; i++) net->srun[j + i] = 0;
        j += r;
    }
}

int lacus__sigmemo_new(lacus__sigmemo *m, const lacus_tune_net *net, int with_der)
{
    memset(m, 0, sizeof *m);
    int any = 0;
    for (int64_t j = 0; j < net->n_w && !any; j++) any = net->srun[j] > 0;
    if (!any) return 0;
    m->Nn = net->n_nodes;
    m->val = LACUS__NEW(double, 2 * m->Nn);
    m->der = with_der ? LACUS__NEW(double, 2 * m->Nn) : NULL;
    m->stamp = LACUS__NEW(int64_t, 2 * m->Nn);
    if (!m->val || !m->stamp || (with_der && !m->der)) {
        lacus__sigmemo_free(m);
        return 0;
    }
    for (int64_t i = 0; i < 2 * m->Nn; i++) m->stamp[i] = -1;
    m->cq = 0;
    m->ctt = -1;
    return 1;
}

void lacus__sigmemo_free(lacus__sigmemo *m)
{
    lacus__free(m->val);
    lacus__free(m->der);
    lacus__free(m->stamp);
    memset(m, 0, sizeof *m);
}

/* The forward pass. A run of identity kernels is one dot product with the
 * state row; a run of sigmoid-type kernels (srun) is one dot product with
 * the memo row, filled once per (source node, step). That dot product sums
 * in four lanes (lacus__dot, as the identity runs do): the compiler
 * vectorises it, and the result differs from a kernel-by-kernel sum only
 * by rounding (test_tune_fastpath: 1e-14 against a plain sequential
 * simulation). A run of length 1 adds exactly W sigma, so sparse nets keep
 * the sequential sum bit for bit. Before the start of a lagged source
 * (tt < 0) or without memory for the memo, kernels are evaluated one by
 * one. */
int64_t lacus__tune_simulate(const lacus_tune_net *net, const double *W, const double *u,
                             int64_t T, double *x)
{
    const int64_t Nn = net->n_nodes, M = net->n_inputs;
    double v[LACUS_TUNE_MAX_SRC];
    lacus__sigmemo sm;
    int memo = lacus__sigmemo_new(&sm, net, 0);
    int64_t bad = -1;
    for (int64_t t = 0; t < T && bad < 0; t++) {
        double *xt = x + t * Nn;
        for (int64_t n = Nn - 1; n >= 0; n--) {
            double s = 0.0;
            for (int64_t j = net->off[n]; j < net->off[n + 1];) {
                const lacus_tune_kernel *k = &net->k[j];
                int32_t r = net->run[j];
                if (r > 0) { /* a dense row: one dot product */
                    int64_t tt = t - k->src[0].lag;
                    if (tt >= 0) s += lacus__dot(W + j, x + tt * Nn + k->src[0].node, r);
                    j += r;
                    continue;
                }
                int32_t q = net->srun[j];
                if (q > 0 && memo && t >= k->src[0].lag) { /* a dense row of sigmoids */
                    int64_t tt = t - k->src[0].lag;
                    int64_t b = lacus__sigmemo_fill(&sm, k->kind == LACUS_TK_TANH, k->src[0].node, q, tt,
                                                    x + tt * Nn);
                    s += lacus__dot(W + j, sm.val + b, q);
                    j += q;
                    continue;
                }
                if (k->kind == LACUS_TK_AIF_LEAK && memo && k->src[0].node >= 0 && t >= k->src[0].lag &&
                    k->src[1].node >= 0) {
                    /* the AIF leak gate reads sigma4 of the unit's sharpness
                     * node, which the unit's own sigma4 row needs too: one
                     * exp() for both, the same value */
                    int64_t tt = t - k->src[0].lag, t1 = t - k->src[1].lag;
                    int64_t b = lacus__sigmemo_fill(&sm, 0, k->src[0].node, 1, tt, x + tt * Nn);
                    double v1 = t1 >= 0 ? x[t1 * Nn + k->src[1].node] : 0.0;
                    s += W[j] * (0.5 * (1.0 - sm.val[b]) * v1);
                    j++;
                    continue;
                }
                s += W[j] * lacus__tk_eval(k, t, x, Nn, u, M, v);
                j++;
            }
            if (!isfinite(s)) {
                bad = t * Nn + n;
                break;
            }
            xt[n] = s;
        }
    }
    if (memo) lacus__sigmemo_free(&sm);
    return bad;
}

lacus_status lacus_tune_forward(const lacus_tune_net *net, const double *u, int64_t T, double *x,
                                lacus_error *err)
{
    if (!net || !x || (!u && net->n_inputs)) return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    if (T < 1) return lacus__fail(err, LACUS_ERR_ARG, "T = %lld: must be >= 1", (long long)T);
    lacus_status st = lacus__check_finite(err, "input u", u, T, net->n_inputs, net->n_inputs);
    if (st) return st;
    int64_t bad = lacus__tune_simulate(net, net->W, u, T, x);
    if (bad >= 0)
        return lacus__fail(err, LACUS_ERR_NUMERIC, "forward simulation: node %lld is not finite at "
                           "step %lld", (long long)(bad % net->n_nodes), (long long)(bad / net->n_nodes));
    return LACUS_OK;
}

lacus_status lacus_tune_check_kernels(const lacus_tune_net *net, const double *u, int64_t T,
                                      int64_t n_probe, double tol, lacus_tune_kcheck *worst,
                                      lacus_error *err)
{
    if (!net || (!u && net->n_inputs)) return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    if (T < 1 || n_probe < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "T = %lld, n_probe = %lld: both must be >= 1",
                           (long long)T, (long long)n_probe);
    if (!(tol > 0))
        return lacus__fail(err, LACUS_ERR_ARG, "tol = %g: must be > 0", tol);
    double *x = LACUS__NEW(double, T * net->n_nodes);
    if (!x) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (trajectory)");
    lacus_status st = lacus_tune_forward(net, u, T, x, err);
    if (st) {
        lacus__free(x);
        return st;
    }
    lacus_tune_kcheck w = {0.0, -1, -1, -1, -1};
    double v[LACUS_TUNE_MAX_SRC], vp[LACUS_TUNE_MAX_SRC];
    if (n_probe > T) n_probe = T;
    for (int64_t p = 0; p < n_probe; p++) {
        int64_t t = n_probe > 1 ? p * (T - 1) / (n_probe - 1) : T - 1;
        for (int64_t n = 0; n < net->n_nodes; n++)
            for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) {
                const lacus_tune_kernel *k = &net->k[j];
                lacus__tk_eval(k, t, x, net->n_nodes, u, net->n_inputs, v);
                for (int s = 0; s < k->n_src; s++) {
                    double h = 1e-6 * fmax(1.0, fabs(v[s]));
                    memcpy(vp, v, sizeof v);
                    vp[s] = v[s] + h;
                    double fp = lacus__tk_val(k, vp);
                    vp[s] = v[s] - h;
                    double fm = lacus__tk_val(k, vp);
                    double f0 = lacus__tk_val(k, v);
                    double fd = (fp - fm) / (2.0 * h), d = lacus__tk_der(k, v, s);
                    /* A kink (ReLU at 0, a clip, a saturation) has no
                     * derivative to check: skip points where the one-sided
                     * slopes disagree. A wrong derivative does not make them
                     * disagree, so it is still caught. */
                    double left = (f0 - fm) / h, right = (fp - f0) / h;
                    if (fabs(left - right) > 1e-3 * fmax(1.0, fabs(fd))) continue;
                    double e = fabs(d - fd) / fmax(1.0, fabs(fd));
                    if (!(e <= w.max_err)) { /* NaN counts as the worst */
                        w.max_err = isnan(e) ? INFINITY : e;
                        w.node = n;
                        w.kernel = j - net->off[n];
                        w.source = s;
                        w.step = t;
                    }
                }
            }
    }
    lacus__free(x);
    if (worst) *worst = w;
    if (w.max_err > tol)
        return lacus__fail(err, LACUS_ERR_NUMERIC, "kernel derivative disagrees with finite "
                           "differences: node %lld, kernel %lld, source %lld, step %lld: relative "
                           "error %.3g > %g", (long long)w.node, (long long)w.kernel,
                           (long long)w.source, (long long)w.step, w.max_err, tol);
    return LACUS_OK;
}
