/* The readout-only solve of backward tuning (spec §1.3e; the official
 * code's KernelEstimator::updateReadout): the reservoir-computing baseline
 * inside the node-kernel API.
 *
 * 1. Teacher forcing: simulate (1) with every observed node replaced by its
 *    target once computed, x_o(t) := target_o(t), so the rest of the net
 *    sees the desired outputs (an ESN's output feedback during training).
 * 2. Per observed node o with learnable weights (kernel values P (T', D) of
 *    the learnable kernels, r0 = target - fixed kernels, on the steps after
 *    the warm-up):  W1 = argmin |r0 - P W|^2 + ridge |W|^2; with ridge = 0
 *    the minimum-change solution W0 + P^+ (r0 - P W0) (SVD, LAPACK dgelsd).
 * 3. One global line search of the free-running criterion along W0 + u (W1 -
 *    W0), u in [-10, 10]: golden section plus the exact probes u = 0, 1.
 * Cost: one forced simulation, O(T D^2) per observed node, ~25 free runs. */
#include <lapacke.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/tune_internal.h"

/* Forward pass with the observed nodes forced to target (forced[n] = its
 * column, or -1). Plain kernel-by-kernel evaluation: the forced run happens
 * once per solve, speed does not matter here. */
static void simulate_forced(const lacus_tune_net *net, const double *u, const double *target,
                            int64_t O, const int64_t *forced, int64_t T, double *x)
{
    const int64_t Nn = net->n_nodes, M = net->n_inputs;
    double v[LACUS_TUNE_MAX_SRC];
    for (int64_t t = 0; t < T; t++)
        for (int64_t n = Nn - 1; n >= 0; n--) {
            if (forced[n] >= 0) {
                x[t * Nn + n] = target[t * O + forced[n]];
                continue;
            }
            double s = 0.0;
            for (int64_t j = net->off[n]; j < net->off[n + 1]; j++)
                s += net->W[j] * lacus__tk_eval(&net->k[j], t, x, Nn, u, M, v);
            x[t * Nn + n] = s;
        }
}

/* Free-running cost at W (+inf when the run is not finite). */
static double free_cost(const lacus_tune_net *net, const lacus_tune_criterion *c, const int64_t *obs,
                        const double *W, const double *u, const double *target, int64_t T, double *x)
{
    if (lacus__tune_simulate(net, W, u, T, x) >= 0) return INFINITY;
    double C = lacus__tune_crit(net, c, obs, x, target, NULL, T, NULL);
    return isfinite(C) ? C : INFINITY;
}

static void point(const lacus_tune_net *net, const double *W0, const double *W1, double uu, double *Wt)
{
    for (int64_t j = 0; j < net->n_w; j++)
        Wt[j] = W1[j] == W0[j] ? W0[j] : lacus__tune_project(&net->k[j], W0[j] + uu * (W1[j] - W0[j]));
    lacus__tune_tie_avg(net, Wt);
}

lacus_status lacus_tune_fit_readout(lacus_tune_net *net, const double *u, const double *target,
                                    int64_t T, const lacus_tune_criterion *c, double ridge,
                                    lacus_tune_result *res, lacus_error *err)
{
    if (!net || !target || (!u && net->n_inputs)) return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    lacus_status st = lacus__tune_crit_check(net, c, err);
    if (st) return st;
    if (c->type == LACUS_TUNE_STAT)
        return lacus__fail(err, LACUS_ERR_ARG, "method readout needs per-step targets to force the "
                           "outputs; criterion stat has none");
    if (!(ridge >= 0 && isfinite(ridge)))
        return lacus__fail(err, LACUS_ERR_ARG, "readout ridge = %g: must be finite and >= 0", ridge);
    if (T < 2 || c->warmup > T - 2)
        return lacus__fail(err, LACUS_ERR_ARG, "T = %lld with warmup %lld: fewer than 2 steps",
                           (long long)T, (long long)c->warmup);
    if ((st = lacus__check_finite(err, "input u", u, T, net->n_inputs, net->n_inputs))) return st;
    if ((st = lacus__check_finite(err, "target", target, T, c->n_observed, c->n_observed))) return st;
    const int64_t Nn = net->n_nodes, O = c->n_observed, nw = net->n_w, Tp = T - c->warmup;
    int64_t maxD = 0;
    for (int64_t n = 0; n < Nn; n++) {
        int64_t D = 0;
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) D += net->k[j].learnable;
        if (D > maxD) maxD = D;
    }
    int64_t *obs = LACUS__NEW(int64_t, O), *forced = LACUS__NEW(int64_t, Nn), *idx = LACUS__NEW(int64_t, maxD + 1);
    double *x = LACUS__NEW(double, T * Nn), *W0 = LACUS__NEW(double, nw), *W1 = LACUS__NEW(double, nw);
    double *Wt = LACUS__NEW(double, nw), *P = LACUS__NEW(double, Tp * (maxD + 1));
    double *r = LACUS__NEW(double, (Tp > maxD ? Tp : maxD) + 1), *sv = LACUS__NEW(double, maxD + 1);
    if (!obs || !forced || !idx || !x || !W0 || !W1 || !Wt || !P || !r || !sv) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld steps x %lld nodes)", (long long)T,
                         (long long)Nn);
        goto done;
    }
    if ((st = lacus__tune_obs(net, c, obs, err))) goto done;
    for (int64_t n = 0; n < Nn; n++) forced[n] = -1;
    for (int64_t o = 0; o < O; o++) forced[obs[o]] = o;
    simulate_forced(net, u, target, O, forced, T, x);
    for (int64_t i = 0; i < T * Nn; i++)
        if (!isfinite(x[i])) {
            st = lacus__fail(err, LACUS_ERR_NUMERIC, "method readout: the teacher-forced run is not finite "
                             "at node %lld, step %lld", (long long)(i % Nn), (long long)(i / Nn));
            goto done;
        }
    memcpy(W0, net->W, (size_t)nw * sizeof *W0);
    memcpy(W1, W0, (size_t)nw * sizeof *W1);
    int64_t solved = 0;
    double v[LACUS_TUNE_MAX_SRC];
    for (int64_t o = 0; o < O; o++) {
        int64_t n = obs[o], D = 0;
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++)
            if (net->k[j].learnable) idx[D++] = j;
        if (D == 0) continue;
        for (int64_t t = c->warmup; t < T; t++) {
            double fixed = 0.0, *row = P + (t - c->warmup) * D;
            for (int64_t j = net->off[n], i = 0; j < net->off[n + 1]; j++) {
                double phi = lacus__tk_eval(&net->k[j], t, x, Nn, u, net->n_inputs, v);
                if (net->k[j].learnable) row[i++] = phi;
                else fixed += W0[j] * phi;
            }
            r[t - c->warmup] = target[t * O + o] - fixed;
        }
        if (ridge > 0) { /* normal equations (P^T P + ridge I) W = P^T r0 */
            double *A = LACUS__NEW(double, D * D), *b = LACUS__NEW(double, D);
            if (!A || !b) {
                lacus__free(A);
                lacus__free(b);
                st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (readout of node %lld)", (long long)n);
                goto done;
            }
            for (int64_t a = 0; a < D; a++) {
                b[a] = 0.0;
                for (int64_t t = 0; t < Tp; t++) b[a] += P[t * D + a] * r[t];
                for (int64_t q = 0; q <= a; q++) {
                    double s = 0.0;
                    for (int64_t t = 0; t < Tp; t++) s += P[t * D + a] * P[t * D + q];
                    A[a * D + q] = A[q * D + a] = s + (a == q ? ridge : 0.0);
                }
            }
            int bad = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)D, 1, A, (lapack_int)D, b, 1) != 0;
            for (int64_t i = 0; i < D && !bad; i++) W1[idx[i]] = b[i];
            lacus__free(A);
            lacus__free(b);
            if (bad) {
                st = lacus__fail(err, LACUS_ERR_NUMERIC, "readout of node %lld: the ridge system is singular",
                                 (long long)n);
                goto done;
            }
        } else { /* minimum change: W1 = W0 + P^+ (r0 - P W0) */
            for (int64_t t = 0; t < Tp; t++) {
                double s = 0.0;
                for (int64_t i = 0; i < D; i++) s += P[t * D + i] * W0[idx[i]];
                r[t] -= s;
            }
            lapack_int rank;
            if (LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)Tp, (lapack_int)D, 1, P, (lapack_int)D, r, 1, sv,
                               1e-12, &rank) != 0) {
                st = lacus__fail(err, LACUS_ERR_NUMERIC, "readout of node %lld: the SVD did not converge",
                                 (long long)n);
                goto done;
            }
            for (int64_t i = 0; i < D; i++) W1[idx[i]] = W0[idx[i]] + r[i];
        }
        for (int64_t i = 0; i < D; i++)
            if (!isfinite(W1[idx[i]])) {
                st = lacus__fail(err, LACUS_ERR_NUMERIC, "readout of node %lld: the solution is not finite "
                                 "(the teacher-forced run diverges)", (long long)n);
                goto done;
            }
        solved++;
    }
    if (!solved) {
        st = lacus__fail(err, LACUS_ERR_ARG, "method readout: no observed node has a learnable weight "
                         "(observe the nodes that carry the readout weights)");
        goto done;
    }
    lacus__tune_tie_avg(net, W1);
    double f0 = free_cost(net, c, obs, W0, u, target, T, x), fb = f0, ub = 0.0, f;
    lacus_tune_result rr;
    memset(&rr, 0, sizeof rr);
    rr.cost0 = f0;
    if (isfinite(f0)) rr.nrmse0 = lacus_tune_nrmse(net, c, x, target, T);
    else rr.nrmse0 = INFINITY;
#define PROBE(uu, ff)                                              \
    do {                                                           \
        point(net, W0, W1, (uu), Wt);                              \
        (ff) = free_cost(net, c, obs, Wt, u, target, T, x);        \
        if ((ff) < fb) fb = (ff), ub = (uu);                       \
    } while (0)
    PROBE(1.0, f);
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double a = -10.0, b = 10.0, c1 = b - g * (b - a), c2 = a + g * (b - a), f1, f2;
    PROBE(c1, f1);
    PROBE(c2, f2);
    while (b - a > 1e-3) {
        if (f1 <= f2) {
            b = c2, c2 = c1, f2 = f1, c1 = b - g * (b - a);
            PROBE(c1, f1);
        } else {
            a = c1, c1 = c2, f1 = f2, c2 = a + g * (b - a);
            PROBE(c2, f2);
        }
    }
#undef PROBE
    if (!isfinite(fb)) {
        st = lacus__fail(err, LACUS_ERR_NUMERIC, "method readout: the free run diverges at every step "
                         "along the readout direction; the weights are kept");
        goto done;
    }
    point(net, W0, W1, ub, net->W);
    if (ub == 0.0) memcpy(net->W, W0, (size_t)nw * sizeof *W0);
    free_cost(net, c, obs, net->W, u, target, T, x);
    rr.iterations = 1;
    rr.cost = fb;
    rr.nrmse = lacus_tune_nrmse(net, c, x, target, T);
    rr.stopped = ub == 0.0 ? 2 : 0;
    for (int64_t j = 0; j < nw; j++)
        if (net->k[j].sparse) rr.n_edges += net->W[j] != 0.0;
    rr.n_edges0 = rr.n_edges;
    if (res) *res = rr;
done:
    lacus__free(obs);
    lacus__free(forced);
    lacus__free(idx);
    lacus__free(x);
    lacus__free(W0);
    lacus__free(W1);
    lacus__free(Wt);
    lacus__free(P);
    lacus__free(r);
    lacus__free(sv);
    return st;
}
