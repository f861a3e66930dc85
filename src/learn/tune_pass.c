/* Criteria and the backward tuning pass (Vieville et al. RR-9100, eqs. 2-3;
 * spec §1.2 and §1.5).
 *
 * The backward pass runs t = T-1..0 and, inside a step, n = 0..N-1 (the
 * reverse of the forward order), so that when node n is reached every
 * (node, step) that reads it has already pushed its contribution
 *   acc_n(t) += W_md * dPhi_md(s)/dx_n(t) * eps_m(s)
 * into acc. Then eps_n(t) = rho'_n(t) + g(acc_n(t)), and the same loop over
 * the node's kernels accumulates the gradient sum_t Phi_nd(t) eps_n(t) and
 * pushes eps_n(t) to the node's own sources: one pass, O(kernel sources x T),
 * with no stored kernel values. With g = identity this is reverse-mode
 * differentiation of the forward pass, i.e. the BPTT adjoint. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/tune_internal.h"

static const char *CRIT_NAMES[] = {"l2", "rwl1", "rwl0", "huber", "biweight", "hinge", "stat"};

const char *lacus_tune_crit_name(lacus_tune_crit c)
{
    return (unsigned)c < 7 ? CRIT_NAMES[c] : "?";
}

lacus_status lacus_tune_crit_parse(const char *name, lacus_tune_crit *out)
{
    for (int i = 0; name && i < 7; i++)
        if (!strcmp(name, CRIT_NAMES[i])) {
            *out = (lacus_tune_crit)i;
            return LACUS_OK;
        }
    return LACUS_ERR_ARG;
}

lacus_tune_criterion lacus_tune_criterion_default(void)
{
    lacus_tune_criterion c;
    memset(&c, 0, sizeof c);
    c.type = LACUS_TUNE_L2;
    c.nu = 0.1;
    c.n_observed = 1;
    c.stat_lags = 4;
    return c;
}

lacus_status lacus__tune_crit_check(const lacus_tune_net *net, const lacus_tune_criterion *c,
                                    lacus_error *err)
{
    if (!c) return lacus__fail(err, LACUS_ERR_ARG, "criterion is NULL");
    if ((unsigned)c->type > LACUS_TUNE_STAT)
        return lacus__fail(err, LACUS_ERR_ARG, "criterion type %d: must be "
                           "l2|rwl1|rwl0|huber|biweight|hinge|stat", (int)c->type);
    if (c->type == LACUS_TUNE_HINGE ? !(c->nu >= 0 && isfinite(c->nu)) : !(c->nu > 0 && isfinite(c->nu)))
        return lacus__fail(err, LACUS_ERR_ARG, "criterion %s: nu = %g: must be finite and %s",
                           lacus_tune_crit_name(c->type), c->nu,
                           c->type == LACUS_TUNE_HINGE ? ">= 0" : "> 0");
    if (c->n_observed < 1 || (net && c->n_observed > net->n_nodes))
        return lacus__fail(err, LACUS_ERR_ARG, "n_observed = %lld: must be in [1, n_nodes = %lld]",
                           (long long)c->n_observed, (long long)(net ? net->n_nodes : 0));
    if (c->warmup < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "warmup = %lld: must be >= 0", (long long)c->warmup);
    if (c->type == LACUS_TUNE_STAT && (c->stat_lags < 0 || c->stat_lags > 16))
        return lacus__fail(err, LACUS_ERR_ARG, "stat_lags = %lld: must be in [0, 16]",
                           (long long)c->stat_lags);
    if (c->stat_cross != 0 && c->stat_cross != 1)
        return lacus__fail(err, LACUS_ERR_ARG, "stat_cross = %d: must be 0 or 1", c->stat_cross);
    return LACUS_OK;
}

lacus_status lacus__tune_obs(const lacus_tune_net *net, const lacus_tune_criterion *c,
                             int64_t *obs, lacus_error *err)
{
    for (int64_t i = 0; i < c->n_observed; i++) {
        obs[i] = c->observed ? c->observed[i] : i;
        if (obs[i] < 0 || obs[i] >= net->n_nodes)
            return lacus__fail(err, LACUS_ERR_ARG, "observed[%lld] = %lld: not a node (n_nodes = %lld)",
                               (long long)i, (long long)obs[i], (long long)net->n_nodes);
        for (int64_t j = 0; j < i; j++)
            if (obs[j] == obs[i])
                return lacus__fail(err, LACUS_ERR_ARG, "observed[%lld] = %lld: listed twice",
                                   (long long)i, (long long)obs[i]);
    }
    return LACUS_OK;
}

/* One pointwise sample: rho and rho' at error e = x - y (e0: previous error). */
static double rho1(const lacus_tune_criterion *c, double x, double y, double e0, double *d)
{
    double e = x - y, nu = c->nu;
    switch (c->type) {
    case LACUS_TUNE_L2: *d = e; return 0.5 * e * e;
    case LACUS_TUNE_RWL1: *d = e / (nu + fabs(e0)); return 0.5 * e * e / (nu + fabs(e0));
    case LACUS_TUNE_RWL0: *d = e / (nu + e0 * e0); return 0.5 * e * e / (nu + e0 * e0);
    case LACUS_TUNE_HUBER:
        if (fabs(e) < nu) {
            *d = e / nu;
            return 0.5 * e * e / nu;
        }
        *d = e > 0 ? 1.0 : -1.0;
        return fabs(e) - 0.5 * nu;
    case LACUS_TUNE_BIWEIGHT: {
        double v = e / nu;
        if (fabs(v) >= 1) {
            *d = 0.0;
            return 1.0;
        }
        double v2 = v * v;
        *d = 6.0 * v * (v2 - 1.0) * (v2 - 1.0) / nu;
        return v2 * (3.0 + v2 * (v2 - 3.0));
    }
    case LACUS_TUNE_HINGE: {
        double s = y > 0.5 ? 1.0 : -1.0, m = nu - s * (x - 0.5);
        if (m <= 0) {
            *d = 0.0;
            return 0.0;
        }
        *d = -s * m;
        return 0.5 * m * m;
    }
    default: *d = 0.0; return 0.0;
    }
}

lacus_status lacus_tune_rho(const lacus_tune_criterion *c, double x, double target, double e0,
                            double *rho, double *drho)
{
    lacus_status st = lacus__tune_crit_check(NULL, c, NULL);
    if (st) return st;
    if (c->type == LACUS_TUNE_STAT) return LACUS_ERR_ARG; /* not pointwise */
    double d, r = rho1(c, x, target, e0, &d);
    if (rho) *rho = r;
    if (drho) *drho = d;
    return LACUS_OK;
}

double lacus__tune_crit(const lacus_tune_net *net, const lacus_tune_criterion *c,
                        const int64_t *obs, const double *x, const double *target,
                        const double *e0, int64_t T, double *drho)
{
    const int64_t Nn = net->n_nodes, O = c->n_observed, W0 = c->warmup;
    double C = 0.0;
    if (drho) memset(drho, 0, (size_t)(T * O) * sizeof *drho);
    if (W0 > 0) { /* the criterion of the steps after the warm-up */
        x += W0 * Nn;
        target += W0 * O;
        if (e0) e0 += W0 * O;
        if (drho) drho += W0 * O;
        T -= W0;
    }
    if (c->type != LACUS_TUNE_STAT) {
        for (int64_t t = 0; t < T; t++)
            for (int64_t o = 0; o < O; o++) {
                double xv = x[t * Nn + obs[o]], y = target[t * O + o], d;
                double prev = e0 ? e0[t * O + o] : xv - y;
                C += rho1(c, xv, y, prev, &d);
                if (drho) drho[t * O + o] = d;
            }
        return C;
    }
    return lacus__tune_stat_crit(c, obs, x, Nn, target, T, drho);
}

static lacus_status check_call(const lacus_tune_net *net, const lacus_tune_criterion *c,
                               const double *target, const double *e0, int64_t T, lacus_error *err)
{
    if (!net || !target) return lacus__fail(err, LACUS_ERR_ARG, "net or target is NULL");
    if (T < 2) return lacus__fail(err, LACUS_ERR_ARG, "T = %lld: must be >= 2", (long long)T);
    lacus_status st = lacus__tune_crit_check(net, c, err);
    if (st) return st;
    if (c->warmup > T - 2)
        return lacus__fail(err, LACUS_ERR_ARG, "warmup = %lld leaves fewer than 2 of the %lld steps",
                           (long long)c->warmup, (long long)T);
    if ((st = lacus__check_finite(err, "target", target, T, c->n_observed, c->n_observed))) return st;
    if (e0 && (st = lacus__check_finite(err, "previous error e0", e0, T, c->n_observed, c->n_observed)))
        return st;
    if (c->type == LACUS_TUNE_HINGE)
        for (int64_t i = 0; i < T * c->n_observed; i++)
            if (target[i] != 0.0 && target[i] != 1.0)
                return lacus__fail(err, LACUS_ERR_ARG, "criterion hinge needs Boolean targets (0 or 1); "
                                   "target[%lld] = %g", (long long)i, target[i]);
    return LACUS_OK;
}

lacus_status lacus_tune_cost(const lacus_tune_net *net, const lacus_tune_criterion *c,
                             const double *x, const double *target, const double *e0, int64_t T,
                             double *cost, lacus_error *err)
{
    lacus_status st = check_call(net, c, target, e0, T, err);
    if (st) return st;
    if (!x || !cost) return lacus__fail(err, LACUS_ERR_ARG, "x or cost is NULL");
    int64_t *obs = LACUS__NEW(int64_t, c->n_observed);
    if (!obs) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    if (!(st = lacus__tune_obs(net, c, obs, err)))
        *cost = lacus__tune_crit(net, c, obs, x, target, e0, T, NULL);
    lacus__free(obs);
    return st;
}

double lacus_tune_nrmse(const lacus_tune_net *net, const lacus_tune_criterion *c, const double *x,
                        const double *target, int64_t T)
{
    const int64_t Nn = net->n_nodes, O = c->n_observed;
    double se = 0.0, sv = 0.0;
    if (c->warmup > 0 && c->warmup < T) {
        x += c->warmup * Nn;
        target += c->warmup * O;
        T -= c->warmup;
    }
    for (int64_t o = 0; o < O; o++) {
        int64_t n = c->observed ? c->observed[o] : o;
        double m = 0.0;
        for (int64_t t = 0; t < T; t++) m += target[t * O + o];
        m /= (double)T;
        for (int64_t t = 0; t < T; t++) {
            double e = x[t * Nn + n] - target[t * O + o], d = target[t * O + o] - m;
            se += e * e;
            sv += d * d;
        }
    }
    return sv > 0 ? sqrt(se / sv) : (se > 0 ? INFINITY : 0.0);
}

/* The paper's guard g (spec §1.2): lifts small values away from 0 and
 * saturates large ones softly; identity in between. */
static inline double guard_g(double u, double nu, double om, double a, lacus_tune_guard_stats *gs)
{
    double au = fabs(u), s = u > 0 ? 1.0 : -1.0;
    if (u == 0.0) return 0.0;
    if (au <= 2.0 * nu) {
        gs->lifted++;
        return s * (nu + u * u / (4.0 * nu));
    }
    if (au >= om - a) {
        gs->saturated++;
        return s * (om - a * exp(-(au - om) / a - 1.0));
    }
    return u;
}

void lacus__tune_backward(const lacus_tune_net *net, const double *W, const int64_t *obs,
                          int64_t n_obs, const double *u, const double *x, const double *drho,
                          int64_t T, int guard, double *eps, double *acc, double *grad,
                          lacus_tune_guard_stats *gs)
{
    const int64_t Nn = net->n_nodes, M = net->n_inputs;
    memset(acc, 0, (size_t)(T * Nn) * sizeof *acc);
    memset(grad, 0, (size_t)net->n_w * sizeof *grad);
    double nu = 0, om = 0, a = 0;
    lacus_tune_guard_stats g0 = {0, 0, 0};
    if (guard) {
        double s = 0;
        int64_t c = 0;
        for (int64_t i = 0; i < T * n_obs; i++)
            if (drho[i] != 0.0) s += fabs(drho[i]), c++;
        double mean = c ? s / (double)c : 0.0;
        nu = 1e-6 * mean;
        om = 1e6 * mean;
        a = 1e-3 * om;
        if (mean == 0.0) guard = 0;
    }
    /* Without the guard, rho' is scattered into acc up front, so the inner
     * loop does not search the observed list; with it, rho' must stay out
     * of the guarded sum. */
    if (!guard)
        for (int64_t t = 0; t < T; t++)
            for (int64_t o = 0; o < n_obs; o++) acc[t * Nn + obs[o]] += drho[t * n_obs + o];
    double v[LACUS_TUNE_MAX_SRC];
    /* Sigmoid runs (srun): the values and derivatives come from the memo,
     * computed once per (source node, step) instead of twice per kernel;
     * each gradient entry and each adjoint entry still receives the same
     * single product in the same order, so eps and the gradient are
     * bit-identical to the kernel-by-kernel loop (test_tune_fastpath). */
    lacus__sigmemo sm;
    int memo = lacus__sigmemo_new(&sm, net, 1);
    for (int64_t t = T - 1; t >= 0; t--) {
        for (int64_t n = 0; n < Nn; n++) {
            double e = acc[t * Nn + n];
            if (guard) {
                double r = 0.0;
                for (int64_t o = 0; o < n_obs; o++)
                    if (obs[o] == n) r = drho[t * n_obs + o];
                g0.total++;
                e = r + guard_g(e, nu, om, a, &g0);
            }
            eps[t * Nn + n] = e;
            if (e == 0.0) continue;
            for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) {
                const lacus_tune_kernel *k = &net->k[j];
                int32_t r = net->run[j];
                if (r > 0) { /* a dense row: two axpys */
                    int64_t tt = t - k->src[0].lag, o = tt * Nn + k->src[0].node;
                    if (tt >= 0) lacus__run_back(grad + j, x + o, acc + o, W + j, e, r);
                    j += r - 1;
                    continue;
                }
                int32_t q = net->srun[j];
                if (q > 0 && memo && t >= k->src[0].lag) {
                    int64_t tt = t - k->src[0].lag, a0 = k->src[0].node;
                    int64_t b = lacus__sigmemo_fill(&sm, k->kind == LACUS_TK_TANH, a0, q, tt, x + tt * Nn);
                    const double *sv = sm.val + b, *sd = sm.der + b, *w = W + j;
                    double *g = grad + j, *ac = acc + tt * Nn + a0;
                    for (int32_t i = 0; i < q; i++) {
                        g[i] += sv[i] * e;
                        ac[i] += w[i] * sd[i] * e;
                    }
                    j += q - 1;
                    continue;
                }
                if (k->kind == LACUS_TK_AIF_LEAK && memo && k->src[0].node >= 0 && t >= k->src[0].lag &&
                    k->src[1].node >= 0) {
                    /* value and both partials from one memoised sigma4 (the
                     * expressions of lacus__tk_val / lacus__tk_der) */
                    int64_t tt = t - k->src[0].lag, t1 = t - k->src[1].lag;
                    int64_t b = lacus__sigmemo_fill(&sm, 0, k->src[0].node, 1, tt, x + tt * Nn);
                    double sg = sm.val[b], v1 = t1 >= 0 ? x[t1 * Nn + k->src[1].node] : 0.0;
                    grad[j] += 0.5 * (1.0 - sg) * v1 * e;
                    acc[tt * Nn + k->src[0].node] += W[j] * (-2.0 * sg * (1.0 - sg) * v1) * e;
                    if (t1 >= 0) acc[t1 * Nn + k->src[1].node] += W[j] * (0.5 * (1.0 - sg)) * e;
                    continue;
                }
                double phi = lacus__tk_eval(k, t, x, Nn, u, M, v);
                grad[j] += phi * e;
                for (int s = 0; s < k->n_src; s++) {
                    const lacus_tune_src *src = &k->src[s];
                    int64_t tt = t - src->lag;
                    if (src->node < 0 || tt < 0) continue;
                    acc[tt * Nn + src->node] += W[j] * lacus__tk_der(k, v, s) * e;
                }
            }
        }
    }
    if (memo) lacus__sigmemo_free(&sm);
    for (int64_t j = 0; j < net->n_w; j++)
        if (!net->k[j].learnable) grad[j] = 0.0;
    if (gs) *gs = g0;
}

lacus_status lacus_tune_gradient(const lacus_tune_net *net, const lacus_tune_criterion *c,
                                 const double *u, const double *target, const double *e0,
                                 int64_t T, int guard, double *grad, double *cost, double *x,
                                 double *eps, lacus_tune_guard_stats *gs, lacus_error *err)
{
    lacus_status st = check_call(net, c, target, e0, T, err);
    if (st) return st;
    if (!grad || (!u && net->n_inputs)) return lacus__fail(err, LACUS_ERR_ARG, "grad or u is NULL");
    if ((st = lacus__check_finite(err, "input u", u, T, net->n_inputs, net->n_inputs))) return st;
    const int64_t Nn = net->n_nodes, O = c->n_observed;
    int64_t *obs = LACUS__NEW(int64_t, O);
    double *xx = x ? NULL : LACUS__NEW(double, T * Nn), *ee = eps ? NULL : LACUS__NEW(double, T * Nn);
    double *acc = LACUS__NEW(double, T * Nn), *dr = LACUS__NEW(double, T * O);
    double *X = x ? x : xx, *E = eps ? eps : ee;
    if (!obs || !X || !E || !acc || !dr) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld x %lld trajectory)", (long long)T,
                         (long long)Nn);
        goto done;
    }
    if ((st = lacus__tune_obs(net, c, obs, err))) goto done;
    int64_t bad = lacus__tune_simulate(net, net->W, u, T, X);
    if (bad >= 0) {
        st = lacus__fail(err, LACUS_ERR_NUMERIC, "forward simulation: node %lld is not finite at step %lld",
                         (long long)(bad % Nn), (long long)(bad / Nn));
        goto done;
    }
    double C = lacus__tune_crit(net, c, obs, X, target, e0, T, dr);
    if (cost) *cost = C;
    lacus__tune_backward(net, net->W, obs, O, u, X, dr, T, guard, E, acc, grad, gs);
    lacus__tune_tie_sum(net, grad);
done:
    lacus__free(obs);
    lacus__free(xx);
    lacus__free(ee);
    lacus__free(acc);
    lacus__free(dr);
    return st;
}

void lacus__tune_curvature(const lacus_tune_net *net, const double *W, const int64_t *obs,
                           int64_t n_obs, const double *u, const double *x, const double *hobs,
                           int64_t T, double *h, double *acc)
{
    /* Diagonal Gauss-Newton curvature of the cost with respect to every node
     * value (Becker & LeCun 1988's pseudo-Newton recursion, in the same
     * order as the backward pass): h_n(t) = rho''_n(t) + sum over readers
     * (W dPhi/dx)^2 h_m(s), dropping the cross terms. It replaces the
     * "unit curvature" assumption of the paper's node-local step. */
    const int64_t Nn = net->n_nodes, M = net->n_inputs;
    memset(acc, 0, (size_t)(T * Nn) * sizeof *acc);
    for (int64_t t = 0; t < T; t++)
        for (int64_t o = 0; o < n_obs; o++) acc[t * Nn + obs[o]] = hobs[t * n_obs + o];
    double v[LACUS_TUNE_MAX_SRC];
    lacus__sigmemo sm; /* sigmoid runs, as in the backward pass */
    int memo = lacus__sigmemo_new(&sm, net, 1);
    for (int64_t t = T - 1; t >= 0; t--)
        for (int64_t n = 0; n < Nn; n++) {
            double e = acc[t * Nn + n];
            h[t * Nn + n] = e;
            if (e == 0.0) continue;
            for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) {
                const lacus_tune_kernel *k = &net->k[j];
                if (k->kind == LACUS_TK_ONE) continue;
                int32_t q = net->srun[j];
                if (q > 0 && memo && t >= k->src[0].lag) {
                    int64_t tt = t - k->src[0].lag, a = k->src[0].node;
                    int64_t bi = lacus__sigmemo_fill(&sm, k->kind == LACUS_TK_TANH, a, q, tt, x + tt * Nn);
                    const double *sd = sm.der + bi, *w = W + j;
                    double *ac = acc + tt * Nn + a;
                    for (int32_t i = 0; i < q; i++) {
                        double b = w[i] * sd[i];
                        ac[i] += b * b * e;
                    }
                    j += q - 1;
                    continue;
                }
                lacus__tk_eval(k, t, x, Nn, u, M, v);
                for (int s = 0; s < k->n_src; s++) {
                    const lacus_tune_src *src = &k->src[s];
                    int64_t tt = t - src->lag;
                    if (src->node < 0 || tt < 0) continue;
                    double b = W[j] * lacus__tk_der(k, v, s);
                    acc[tt * Nn + src->node] += b * b * e;
                }
            }
        }
    if (memo) lacus__sigmemo_free(&sm);
}
