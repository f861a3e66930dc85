/* Hidden "desired values" (spec §1.4; the official code's reinject mode
 * 'b', TransformCriterion::update).
 *
 * The paper estimates desired values xhat for the hidden nodes by
 * minimising the mismatch between the trajectory and the network equations
 * while the observed nodes are clamped to their targets:
 *
 *   E(xhat) = 1/2 sum_{n,t} r_n(t)^2,   r_n(t) = xhat_n(t) - xtilde_n(t; xhat)
 *
 * where xtilde_n(t; xhat) = sum_d W_nd Phi_nd(t) is the right-hand side of
 * eq. (1) evaluated on xhat (one step, not a simulation). The unknowns are
 * the hidden values (and the observed ones during the warm-up); observed
 * values after the warm-up stay at the targets. The sum runs over every
 * node, observed ones included: summed over hidden nodes only, E = 0 is
 * reached by the teacher-forced simulation and the output's own equation
 * (what carries the target back to the hidden nodes at earlier steps)
 * would be lost.
 *
 * The paper iterates xhat^k = Phi(xhat^{k-1}) + J^T r (its footnote prints
 * the last sign as "-"; the descent sign is "+", as for the backward error
 * of §1.3b), i.e. a gradient step of length 1 on E, since
 *   dE/dxhat = r - J^T r,   J^T r at (m,s) = sum_{(n,t) reading (m,s)} W_nd dPhi_nd(t)/dx_m(s) r_n(t)
 * (one transposed-Jacobian product: the backward pass of §1.2 without the
 * recursion). The official code adds the increment to the buffered values
 * without re-simulating, so it is a heuristic smoothing rather than the
 * stated minimiser (spec §1.4: "do not port verbatim"). Here it is an
 * explicit minimisation: the same gradient step, halved until E decreases
 * (so E never increases), at most max_sweeps sweeps (the code's 20),
 * stopping when the RMS increment falls below tol (the code's 1e-6). The
 * tuner uses xhat in its pure-refit node-local candidate ("gn-x"): every
 * node refits its weights so that its kernels, evaluated on xhat, produce
 * xhat (target propagation). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/tune_fit.h"

/* out_n(t) = sum_d W_nd Phi_nd(t; xh): eq. (1) evaluated on xh. */
static void rhs(const lacus_tune_net *net, const double *W, const double *u, const double *xh,
                int64_t T, double *out)
{
    const int64_t Nn = net->n_nodes, M = net->n_inputs;
    double v[LACUS_TUNE_MAX_SRC];
    for (int64_t t = 0; t < T; t++)
        for (int64_t n = 0; n < Nn; n++) {
            double s = 0.0;
            for (int64_t j = net->off[n]; j < net->off[n + 1];) {
                const lacus_tune_kernel *k = &net->k[j];
                int32_t r = net->run[j];
                if (r > 0) {
                    int64_t tt = t - k->src[0].lag;
                    if (tt >= 0) s += lacus__dot(W + j, xh + tt * Nn + k->src[0].node, r);
                    j += r;
                    continue;
                }
                s += W[j] * lacus__tk_eval(k, t, xh, Nn, u, M, v);
                j++;
            }
            out[t * Nn + n] = s;
        }
}

/* jt = J^T r (see the header comment). */
static void jt_prod(const lacus_tune_net *net, const double *W, const double *u, const double *xh,
                    const double *r, int64_t T, double *jt)
{
    const int64_t Nn = net->n_nodes, M = net->n_inputs;
    memset(jt, 0, (size_t)(T * Nn) * sizeof *jt);
    double v[LACUS_TUNE_MAX_SRC];
    for (int64_t t = 0; t < T; t++)
        for (int64_t n = 0; n < Nn; n++) {
            double e = r[t * Nn + n];
            if (e == 0.0) continue;
            for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) {
                const lacus_tune_kernel *k = &net->k[j];
                int32_t rl = net->run[j];
                if (rl > 0) { /* identity kernels: derivative 1 */
                    int64_t tt = t - k->src[0].lag;
                    if (tt >= 0) {
                        double *a = jt + tt * Nn + k->src[0].node;
                        for (int32_t i = 0; i < rl; i++) a[i] += W[j + i] * e;
                    }
                    j += rl - 1;
                    continue;
                }
                if (k->kind == LACUS_TK_ONE) continue;
                lacus__tk_eval(k, t, xh, Nn, u, M, v);
                for (int s = 0; s < k->n_src; s++) {
                    const lacus_tune_src *src = &k->src[s];
                    int64_t tt = t - src->lag;
                    if (src->node < 0 || tt < 0) continue;
                    jt[tt * Nn + src->node] += W[j] * lacus__tk_der(k, v, s) * e;
                }
            }
        }
}

/* r = xh - rhs(xh) into r; returns E (inf when not finite). */
static double energy(const lacus_tune_net *net, const double *W, const double *u, const double *xh,
                     int64_t T, double *r)
{
    const int64_t TN = T * net->n_nodes;
    rhs(net, W, u, xh, T, r);
    double E = 0.0;
    for (int64_t i = 0; i < TN; i++) {
        r[i] = xh[i] - r[i];
        E += r[i] * r[i];
    }
    E *= 0.5;
    return isfinite(E) ? E : INFINITY;
}

int64_t lacus__tune_hidden(const lacus_tune_net *net, const double *W, const int64_t *obs,
                           int64_t O, int64_t warmup, const double *u, const double *y, int64_t T,
                           int max_sweeps, double tol, double *xh, double *ws, double *E0,
                           double *E1)
{
    const int64_t Nn = net->n_nodes, TN = T * Nn;
    double *r = ws, *g = ws + TN, *xt = ws + 2 * TN, *rt = ws + 3 * TN;
    for (int64_t t = warmup; t < T; t++)
        for (int64_t o = 0; o < O; o++) xh[t * Nn + obs[o]] = y[t * O + o];
    double E = energy(net, W, u, xh, T, r);
    *E0 = E;
    int64_t n_free = TN - (T - warmup) * O, k;
    double alpha = 1.0;
    for (k = 0; k < max_sweeps && isfinite(E) && E > 0; k++) {
        jt_prod(net, W, u, xh, r, T, g);
        double gg = 0.0;
        for (int64_t i = 0; i < TN; i++) {
            g[i] = r[i] - g[i];
            gg += g[i] * g[i];
        }
        /* clamped entries do not move */
        for (int64_t t = warmup; t < T; t++)
            for (int64_t o = 0; o < O; o++) {
                double *gi = &g[t * Nn + obs[o]];
                gg -= *gi * *gi;
                *gi = 0.0;
            }
        if (!(gg > 0)) break;
        alpha = fmin(1.0, 2.0 * alpha);
        double Et = INFINITY;
        for (; alpha >= 1e-12; alpha *= 0.5) {
            for (int64_t i = 0; i < TN; i++) xt[i] = xh[i] - alpha * g[i];
            Et = energy(net, W, u, xt, T, rt);
            if (Et < E) break;
        }
        if (!(Et < E)) break;
        memcpy(xh, xt, (size_t)TN * sizeof *xh);
        memcpy(r, rt, (size_t)TN * sizeof *r);
        E = Et;
        if (alpha * sqrt(gg / (double)(n_free > 0 ? n_free : 1)) < tol) {
            k++;
            break;
        }
    }
    *E1 = E;
    return k;
}

lacus_status lacus_tune_hidden_targets(const lacus_tune_net *net, const lacus_tune_criterion *c,
                                       const double *u, const double *target, int64_t T,
                                       int max_sweeps, double tol, double *xhat, double *energy2,
                                       int64_t *sweeps, lacus_error *err)
{
    if (!net || !target || !xhat || (!u && net->n_inputs))
        return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    if (T < 2) return lacus__fail(err, LACUS_ERR_ARG, "T = %lld: must be >= 2", (long long)T);
    lacus_status st = lacus__tune_crit_check(net, c, err);
    if (st) return st;
    if (c->type == LACUS_TUNE_STAT || c->type == LACUS_TUNE_HINGE)
        return lacus__fail(err, LACUS_ERR_ARG, "hidden desired values need per-step targets of the "
                           "observed nodes; criterion %s has none", lacus_tune_crit_name(c->type));
    if (c->warmup > T - 2)
        return lacus__fail(err, LACUS_ERR_ARG, "warmup = %lld leaves fewer than 2 of the %lld steps",
                           (long long)c->warmup, (long long)T);
    if (max_sweeps < 0 || max_sweeps > 1000000)
        return lacus__fail(err, LACUS_ERR_ARG, "max_sweeps = %d: must be in [0, 1e6]", max_sweeps);
    if (!(tol >= 0) || !isfinite(tol)) return lacus__fail(err, LACUS_ERR_ARG, "tol = %g: must be >= 0", tol);
    if ((st = lacus__check_finite(err, "input u", u, T, net->n_inputs, net->n_inputs))) return st;
    if ((st = lacus__check_finite(err, "target", target, T, c->n_observed, c->n_observed))) return st;
    const int64_t Nn = net->n_nodes;
    int64_t *obs = LACUS__NEW(int64_t, c->n_observed);
    double *ws = LACUS__NEW(double, 4 * T * Nn);
    if (!obs || !ws) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld x %lld trajectory)", (long long)T,
                         (long long)Nn);
        goto done;
    }
    if ((st = lacus__tune_obs(net, c, obs, err))) goto done;
    int64_t bad = lacus__tune_simulate(net, net->W, u, T, xhat);
    if (bad >= 0) {
        st = lacus__fail(err, LACUS_ERR_NUMERIC, "forward simulation: node %lld is not finite at step %lld",
                         (long long)(bad % Nn), (long long)(bad / Nn));
        goto done;
    }
    double E0, E1;
    int64_t k = lacus__tune_hidden(net, net->W, obs, c->n_observed, c->warmup, u, target, T, max_sweeps,
                                   tol, xhat, ws, &E0, &E1);
    if (energy2) energy2[0] = E0, energy2[1] = E1;
    if (sweeps) *sweeps = k;
done:
    lacus__free(obs);
    lacus__free(ws);
    return st;
}
