/* Internal layout of a node-kernel network (include/lacus/tune.h) and the
 * inline kernel evaluators shared by the forward pass, the backward pass,
 * the node-local solves and the finite-difference checker.
 *
 * Kernels are stored node by node (kernels of node n are k[off[n] ..
 * off[n+1])), weights in W with the same index, so one flat vector holds
 * every weight and a node's weights are contiguous. Kernel kinds are a
 * switch on an enum rather than a function pointer per value: the built-in
 * kinds cover every unit type and the switch inlines into the passes (the
 * spec's "not worth copying": virtual calls per kernel value). */
#ifndef LACUS_LEARN_TUNE_INTERNAL_H
#define LACUS_LEARN_TUNE_INTERNAL_H

#include <math.h>

#include "lacus.h"

struct lacus_tune_net {
    int64_t n_nodes, n_inputs, n_units;
    int unit;           /* lacus_tune_unit, or -1 for a custom net */
    int64_t n_w, cap_w;
    int64_t *off;       /* n_nodes + 1 */
    lacus_tune_kernel *k;
    double *W;
    int64_t *edge_dst, *edge_src;
    /* Runs of identity kernels reading consecutive nodes at one lag (a dense
     * row of recurrent weights): run[j] = length of the run that starts at
     * kernel j, 0 inside a run, -1 for any other kernel. The passes treat a
     * run as one dot product / two axpys over contiguous memory instead of
     * kernel-by-kernel dispatch through the (large) kernel structs. */
    int32_t *run;
    /* The same for sigmoid-type kernels (SIG4 or TANH of a node): srun[j] =
     * length of the run of one kind at one lag over consecutive source
     * nodes that starts at j, 0 inside it, -1 otherwise. In the AIF unit
     * every unit reads sigma4 of all N sharpness nodes: the passes compute
     * those N values once per step into a contiguous memo (lacus__sigmemo)
     * and treat the run as a dot product (forward) or two axpys (backward). */
    int32_t *srun;
    int32_t max_lag;
    int64_t esn_outputs; /* > 0 for a net made by lacus_tune_net_from_esn */
    /* Weight sharing (lacus_tune_net_tie): tie[j] = the smallest index of
     * j's group (j itself when untied); tie_n[r] = the group size at its
     * representative r. NULL until the first tie; the structure is frozen
     * from then on (no kernel may be added, indices would move). */
    int64_t *tie;
    int64_t *tie_n;
};

/* Weight sharing: g[j] <- sum of g over j's group (the gradient of a shared
 * weight is the sum of its members' gradients, spec §1.2); W[j] <- mean of
 * W over j's group (projects any update back onto the tie; for an update
 * that moved every member alike it changes nothing). No-ops without ties. */
void lacus__tune_tie_sum(const lacus_tune_net *net, double *g);
void lacus__tune_tie_avg(const lacus_tune_net *net, double *W);

/* Contiguous kernels of the runs (plain loops the compiler vectorises). */
static inline double lacus__dot(const double *restrict a, const double *restrict b, int32_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* g += e x;  acc += e w  (the gradient and adjoint pushes of a run). */
static inline void lacus__run_back(double *restrict g, const double *restrict x,
                                   double *restrict acc, const double *restrict w, double e, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        g[i] += e * x[i];
        acc[i] += e * w[i];
    }
}

/* Recomputes the runs of node n's kernels. */
void lacus__tune_relink(lacus_tune_net *net, int64_t n);

/* Source value at step t (0 before the start). */
static inline double lacus__tk_src(const lacus_tune_src *s, int64_t t, const double *x,
                                   int64_t Nn, const double *u, int64_t M)
{
    int64_t tt = t - s->lag;
    if (tt < 0) return 0.0;
    return s->node >= 0 ? x[tt * Nn + s->node] : u[tt * M + (-s->node - 1)];
}

/* sigma4(v) = 1/(1 + e^{-4v}). Below v = -177.5, e^{-4v} > e^710 overflows
 * to inf and the value is exactly 0: returned directly, which is the same
 * number without exp()'s slow overflow path (sharp AIF gates, w = 100,
 * reach it on most steps). */
static inline double lacus__sig4(double v) { return v < -177.5 ? 0.0 : 1.0 / (1.0 + exp(-4.0 * v)); }

static inline double lacus__tk_val(const lacus_tune_kernel *k, const double *v)
{
    switch (k->kind) {
    case LACUS_TK_ONE: return 1.0;
    case LACUS_TK_ID: return v[0];
    case LACUS_TK_CLIP: return v[0] > k->param[0] ? k->param[0] : v[0] < -k->param[0] ? -k->param[0] : v[0];
    case LACUS_TK_ZETA: {
        double a = k->param[0], b = k->param[1];
        if (isinf(b)) return v[0] > a ? v[0] : a;
        return a + (b - a) / (1.0 + exp(-4.0 * v[0] / (b - a)));
    }
    case LACUS_TK_RELU: return v[0] <= 0.0 ? 0.0 : v[0] > k->param[0] ? k->param[0] : v[0];
    case LACUS_TK_SIG4: return lacus__sig4(v[0]);
    case LACUS_TK_TANH: return tanh(v[0]);
    case LACUS_TK_SHIFT: return v[0] - k->param[0];
    case LACUS_TK_EXP: {
        double e = exp(v[0]);
        return e > k->param[0] ? k->param[0] : e;
    }
    case LACUS_TK_RATIO: return v[0] / v[1];
    case LACUS_TK_AIF_LEAK: return 0.5 * (1.0 - lacus__sig4(v[0])) * v[1];
    case LACUS_TK_USER: return k->fn(v, k->n_src, k->param, k->user);
    }
    return NAN;
}

/* Partial derivative of the kernel value with respect to source j. */
static inline double lacus__tk_der(const lacus_tune_kernel *k, const double *v, int j)
{
    switch (k->kind) {
    case LACUS_TK_ONE: return 0.0;
    case LACUS_TK_ID: return 1.0;
    case LACUS_TK_CLIP: return fabs(v[0]) > k->param[0] ? 0.0 : 1.0;
    case LACUS_TK_ZETA: {
        double a = k->param[0], b = k->param[1];
        if (isinf(b)) return v[0] > a ? 1.0 : 0.0;
        double s = 1.0 / (1.0 + exp(-4.0 * v[0] / (b - a)));
        return 4.0 * s * (1.0 - s);
    }
    case LACUS_TK_RELU: return v[0] <= 0.0 || v[0] > k->param[0] ? 0.0 : 1.0;
    case LACUS_TK_SIG4: {
        double s = lacus__sig4(v[0]);
        return 4.0 * s * (1.0 - s);
    }
    case LACUS_TK_TANH: {
        double th = tanh(v[0]);
        return 1.0 - th * th;
    }
    case LACUS_TK_SHIFT: return 1.0;
    case LACUS_TK_EXP: {
        double e = exp(v[0]);
        return e > k->param[0] ? 0.0 : e;
    }
    case LACUS_TK_RATIO: return j == 0 ? 1.0 / v[1] : -v[0] / (v[1] * v[1]);
    case LACUS_TK_AIF_LEAK: {
        double s = lacus__sig4(v[0]);
        return j == 0 ? -2.0 * s * (1.0 - s) * v[1] : 0.5 * (1.0 - s);
    }
    case LACUS_TK_USER: return k->dfn(v, k->n_src, j, k->param, k->user);
    }
    return NAN;
}

/* Gathers the sources of kernel k at step t into v; returns the value. */
static inline double lacus__tk_eval(const lacus_tune_kernel *k, int64_t t, const double *x,
                                    int64_t Nn, const double *u, int64_t M, double *v)
{
    for (int s = 0; s < k->n_src; s++) v[s] = lacus__tk_src(&k->src[s], t, x, Nn, u, M);
    return lacus__tk_val(k, v);
}

/* Memo of sigmoid-type kernel values per (source node, step): val and der
 * (the value and the derivative, exactly as lacus__tk_val / lacus__tk_der
 * compute them) at index kind * Nn + node (kind 0 SIG4, 1 TANH), valid for
 * step stamp[index] (-1: none). lacus__sigmemo_new returns 0 without
 * memory; the passes then evaluate every kernel directly. */
typedef struct lacus__sigmemo {
    double *val, *der;
    int64_t *stamp;
    int64_t Nn;
    /* The last run filled (indices cb .. cb + cq - 1 at step ctt): every
     * AIF unit reads the same row, so the N-long stamp test is done once
     * per step, not once per unit (it cost as much as the dot product). */
    int64_t cb, cq, ctt;
} lacus__sigmemo;

int lacus__sigmemo_new(lacus__sigmemo *m, const lacus_tune_net *net, int with_der);
void lacus__sigmemo_free(lacus__sigmemo *m);

/* Makes the memo hold nodes a..a+q-1 of kind `tanh_` at step tt, reading
 * x_tt (the state row of step tt); returns the index of node a. */
static inline int64_t lacus__sigmemo_fill(lacus__sigmemo *m, int tanh_, int64_t a, int32_t q,
                                          int64_t tt, const double *x_tt)
{
    int64_t b = (int64_t)tanh_ * m->Nn + a;
    if (tt == m->ctt && b >= m->cb && b + q <= m->cb + m->cq) return b;
    double *val = m->val + b, *der = m->der ? m->der + b : NULL;
    int64_t *st = m->stamp + b;
    for (int32_t i = 0; i < q; i++) {
        if (st[i] == tt) continue;
        m->cq = 0; /* an entry changes: the cached run may no longer hold */
        double v = x_tt[a + i];
        if (tanh_) {
            double th = tanh(v);
            val[i] = th;
            if (der) der[i] = 1.0 - th * th;
        } else {
            double s = lacus__sig4(v);
            val[i] = s;
            if (der) der[i] = 4.0 * s * (1.0 - s);
        }
        st[i] = tt;
    }
    if (q > 1) m->cb = b, m->cq = q, m->ctt = tt;
    return b;
}

/* Forward pass into x (T, Nn) with the weights W (may differ from net->W).
 * Returns the first non-finite index t*Nn+n, or -1 when all finite. */
int64_t lacus__tune_simulate(const lacus_tune_net *net, const double *W, const double *u,
                             int64_t T, double *x);

/* Criterion value and, when drho != NULL, rho' per (t, observed) into drho
 * (T, n_obs). obs: the observed node list (resolved). */
double lacus__tune_crit(const lacus_tune_net *net, const lacus_tune_criterion *c,
                        const int64_t *obs, const double *x, const double *target,
                        const double *e0, int64_t T, double *drho);

/* The STAT criterion (tune_stat.c) on x (T, Nn) past the warm-up; rho'
 * added into drho (T, n_obs) when not NULL. */
double lacus__tune_stat_crit(const lacus_tune_criterion *c, const int64_t *obs, const double *x,
                             int64_t Nn, const double *target, int64_t T, double *drho);

/* Backward tuning + gradient (no prior) for a trajectory x already
 * simulated with W; drho from lacus__tune_crit. eps (T, Nn) and acc (T, Nn)
 * are workspaces (eps receives the backward errors). */
void lacus__tune_backward(const lacus_tune_net *net, const double *W, const int64_t *obs,
                          int64_t n_obs, const double *u, const double *x, const double *drho,
                          int64_t T, int guard, double *eps, double *acc, double *grad,
                          lacus_tune_guard_stats *gs);

/* Diagonal Gauss-Newton curvature h (T, Nn) of the cost w.r.t. node values,
 * from the criterion's curvature hobs (T, n_obs); acc is a workspace. */
void lacus__tune_curvature(const lacus_tune_net *net, const double *W, const int64_t *obs,
                           int64_t n_obs, const double *u, const double *x, const double *hobs,
                           int64_t T, double *h, double *acc);

/* Resolves c->observed (or 0..n_obs-1) into obs (n_obs), checking ranges. */
lacus_status lacus__tune_obs(const lacus_tune_net *net, const lacus_tune_criterion *c,
                             int64_t *obs, lacus_error *err);
lacus_status lacus__tune_crit_check(const lacus_tune_net *net, const lacus_tune_criterion *c,
                                    lacus_error *err);

/* Appends a kernel to node n with explicit edge endpoints (-1: none). */
lacus_status lacus__tune_add(lacus_tune_net *net, int64_t node, const lacus_tune_kernel *k,
                             int64_t edge_dst, int64_t edge_src, lacus_error *err);

/* Projects W[j] onto its bounds. */
static inline double lacus__tune_project(const lacus_tune_kernel *k, double w)
{
    return w < k->lo ? k->lo : w > k->hi ? k->hi : w;
}

#endif
