/* Learning the weights of a node-kernel network by backward tuning
 * (Vieville et al., Inria RR-9100 §3; spec §1.3 and §1.6).
 *
 * Each iteration: forward simulation, backward tuning (exact adjoint unless
 * the guard is on), gradient G = sum_t Phi eps + dR/dW. Candidates:
 *   - first order: G and the momentum filters g_k += 2^-k (G - g_k), each
 *     line-searched along -g_k / max|g_k| on u in [0, step] (golden section);
 *   - node-local damped Gauss-Newton: per node, (A + lambda I) W1 = b with
 *     A = sum_t k Phi Phi^T (+ the prior's diagonal), b = sum_t Phi (k
 *     (xhat - Phi_fixed) - eps), lambda = damping tr(A)/D; with xhat = x and
 *     k = 1 this is W1 = W0 - (A + lambda I)^-1 G (block-diagonal
 *     Gauss-Newton); line-searched on u in [0, 1] along W1 - W0.
 * The best candidate is kept; the iteration fails (and the fit stops) when
 * none lowers the cost.
 *
 * Sparse estimation (the paper's proposal, never implemented before):
 * R(W) = nu/2 sum_j W_j^2 / (eps + |What_j|) over connection weights, What
 * = the iterate at the start of the iteration, so that R ~ nu/2 sum |W_j|
 * near convergence (reweighted L2 = IRLS for L1) and small weights are
 * shrunk to zero; pruning then sets weights below prune * max|W| to exactly
 * zero and freezes them, which is what makes the surviving architecture. */
#include <lapacke.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "learn/tune_fit.h"

static const char *METHOD_NAMES[] = {"both", "bank", "gn", "stochastic", "readout", "refit"};

const char *lacus_tune_method_name(lacus_tune_method m)
{
    return (unsigned)m < 6 ? METHOD_NAMES[m] : "?";
}

lacus_status lacus_tune_method_parse(const char *name, lacus_tune_method *out)
{
    for (int i = 0; name && i < 6; i++)
        if (!strcmp(name, METHOD_NAMES[i])) {
            *out = (lacus_tune_method)i;
            return LACUS_OK;
        }
    return LACUS_ERR_ARG;
}

lacus_tune_params lacus_tune_params_default(void)
{
    lacus_tune_params p;
    memset(&p, 0, sizeof p);
    p.method = LACUS_TUNE_BOTH;
    p.max_iter = 100;
    p.crit_eps = 1e-6;
    p.w_eps = 1e-4;
    p.n_filters = 7;
    p.step0 = 1e-2;
    p.ls_tol = 1e-2;
    p.damping = 1e-2;
    p.gn_max_fanin = 128;
    p.sparse_eps = 1e-3;
    p.prune_after = 10;
    p.seed = 1;
    return p;
}

lacus_status lacus_tune_params_check(const lacus_tune_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "params is NULL");
    if ((unsigned)p->method > LACUS_TUNE_REFIT)
        return lacus__fail(err, LACUS_ERR_ARG, "method = %d: must be both|bank|gn|stochastic|readout|refit",
                           (int)p->method);
    if (p->max_iter < 0 || p->max_iter > 100000000)
        return lacus__fail(err, LACUS_ERR_ARG, "max_iter = %lld: must be in [0, 1e8]",
                           (long long)p->max_iter);
#define RANGE(f, ok, what)                                                                 \
    if (!(ok)) return lacus__fail(err, LACUS_ERR_ARG, #f " = %g: must be " what, (double)p->f)
    RANGE(crit_eps, p->crit_eps >= 0 && p->crit_eps < 1, "in [0, 1)");
    RANGE(w_eps, p->w_eps > 0 && p->w_eps < 1, "in (0, 1)");
    RANGE(n_filters, p->n_filters >= 0 && p->n_filters <= 7, "an integer in [0, 7]");
    RANGE(step0, p->step0 > 0 && p->step0 <= 1e6, "in (0, 1e6]");
    RANGE(ls_tol, p->ls_tol >= 1e-6 && p->ls_tol <= 0.5, "in [1e-6, 0.5]");
    RANGE(damping, p->damping > 0 && p->damping <= 1e6, "in (0, 1e6]");
    RANGE(gn_max_fanin, p->gn_max_fanin >= 0 && p->gn_max_fanin <= 4096, "in [0, 4096]");
    RANGE(guard, p->guard == 0 || p->guard == 1, "0 or 1");
    RANGE(reinject, p->reinject >= 0 && p->reinject <= 2, "0, 1 or 2");
    RANGE(sparse_nu, p->sparse_nu >= 0 && isfinite(p->sparse_nu), "finite and >= 0");
    RANGE(sparse_eps, p->sparse_eps > 0 && isfinite(p->sparse_eps), "finite and > 0");
    RANGE(prune, p->prune >= 0 && p->prune < 1, "in [0, 1)");
    RANGE(prune_after, p->prune_after >= 0, ">= 0");
    RANGE(sign, p->sign >= 0 && p->sign <= 2, "0, 1 or 2");
    RANGE(batch_nodes, p->batch_nodes >= 0, ">= 0");
    RANGE(window, p->window >= 0, ">= 0");
    RANGE(readout_ridge, p->readout_ridge >= 0 && isfinite(p->readout_ridge), "finite and >= 0");
#undef RANGE
    if (p->method == LACUS_TUNE_REFIT && (p->reinject == 0 || p->gn_max_fanin == 0))
        return lacus__fail(err, LACUS_ERR_ARG, "method refit fits the nodes to desired values: it "
                           "needs reinject 1 or 2 and gn_max_fanin > 0 (reinject %d, gn_max_fanin %lld)",
                           p->reinject, (long long)p->gn_max_fanin);
    if (p->reinject == 2 && ((p->method != LACUS_TUNE_BOTH && p->method != LACUS_TUNE_GN &&
                              p->method != LACUS_TUNE_REFIT) || p->gn_max_fanin == 0))
        return lacus__fail(err, LACUS_ERR_ARG, "reinject = 2 (hidden desired values) feeds the "
                           "node-local refit: it needs method both, gn or refit and gn_max_fanin > 0 "
                           "(method %s, gn_max_fanin %lld)", lacus_tune_method_name(p->method),
                           (long long)p->gn_max_fanin);
    if (p->method == LACUS_TUNE_GN && p->gn_max_fanin == 0)
        return lacus__fail(err, LACUS_ERR_ARG, "method gn with gn_max_fanin = 0 has no candidate");
    return LACUS_OK;
}

static int is_prior(const lacus_tune_kernel *k) { return k->sparse && k->learnable; }

double lacus__tune_prior(const tune_ws *w, const double *W, double *g)
{
    double nu = w->p->sparse_nu, R = 0.0;
    if (nu <= 0) return 0.0;
    for (int64_t j = 0; j < w->nw; j++) {
        if (!is_prior(&w->net->k[j])) continue;
        double s = nu / (w->p->sparse_eps + fabs(w->What[j]));
        R += 0.5 * s * W[j] * W[j];
        if (g) g[j] += s * W[j];
    }
    return R;
}

double lacus__tune_cost_at(const tune_ws *w, const double *W, double *xs)
{
    if (lacus__tune_simulate(w->net, W, w->u, w->T, xs) >= 0) return INFINITY;
    double C = lacus__tune_crit(w->net, w->c, w->obs, xs, w->y, w->use_e0 ? w->e0 : NULL, w->T, NULL);
    C += lacus__tune_prior(w, W, NULL);
    return isfinite(C) ? C : INFINITY;
}

static void step_to(const tune_ws *w, const double *W0, const double *d, double u, double *Wt)
{
    for (int64_t j = 0; j < w->nw; j++)
        Wt[j] = d[j] != 0.0 && w->net->k[j].learnable ? lacus__tune_project(&w->net->k[j], W0[j] + u * d[j]) : W0[j];
    lacus__tune_tie_avg(w->net, Wt);
}

double lacus__tune_line_search(const tune_ws *w, const double *W0, const double *d, double U,
                               double f0, double tol, double *Wtry, double *xs, double *fbest)
{
    const double r = 0.5 * (sqrt(5.0) - 1.0);
    double a = 0.0, b = U, ub = 0.0, fb = f0;
#define PROBE(uu, ff)                                   \
    do {                                                \
        step_to(w, W0, d, (uu), Wtry);                  \
        (ff) = lacus__tune_cost_at(w, Wtry, xs);        \
        if ((ff) < fb) fb = (ff), ub = (uu);            \
    } while (0)
    double fU;
    PROBE(b, fU);
    double c1 = b - r * (b - a), c2 = a + r * (b - a), f1, f2;
    PROBE(c1, f1);
    PROBE(c2, f2);
    while (b - a > tol * U) {
        if (f1 <= f2) {
            b = c2;
            c2 = c1;
            f2 = f1;
            c1 = b - r * (b - a);
            PROBE(c1, f1);
        } else {
            a = c1;
            c1 = c2;
            f1 = f2;
            c2 = a + r * (b - a);
            PROBE(c2, f2);
        }
    }
#undef PROBE
    *fbest = fb;
    return ub;
}

int64_t lacus__tune_node_solve(const tune_ws *w, int64_t n, int64_t t0, int64_t t1,
                               int kappa_mode, int with_eps, int reinject, double *A, double *b,
                               double *phi, int64_t *idx, double *W1)
{
    const lacus_tune_net *net = w->net;
    const int64_t Nn = w->Nn;
    int64_t D = 0;
    for (int64_t j = net->off[n]; j < net->off[n + 1]; j++)
        if (net->k[j].learnable) idx[D++] = j;
    if (D == 0) return 0;
    memset(A, 0, (size_t)(D * D) * sizeof *A);
    memset(b, 0, (size_t)D * sizeof *b);
    int64_t o_n = -1;
    if (reinject)
        for (int64_t o = 0; o < w->O; o++)
            if (w->obs[o] == n) o_n = o;
    /* The pure refit with hidden desired values (reinject 2) is target
     * propagation: kernels are evaluated on xhat, and xhat is the target
     * of every node (observed ones are clamped to their targets there). */
    const double *xs = !with_eps && w->xhat ? w->xhat : w->x;
    double v[LACUS_TUNE_MAX_SRC];
    for (int64_t t = t0; t < t1; t++) {
        double fixed = 0.0;
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++)
            if (!net->k[j].learnable)
                fixed += net->W[j] * lacus__tk_eval(&net->k[j], t, xs, Nn, w->u, net->n_inputs, v);
        for (int64_t i = 0; i < D; i++)
            phi[i] = lacus__tk_eval(&net->k[idx[i]], t, xs, Nn, w->u, net->n_inputs, v);
        double xhat = xs == w->xhat ? xs[t * Nn + n]
                      : o_n >= 0 && w->c->type != LACUS_TUNE_STAT && w->c->type != LACUS_TUNE_HINGE
                          ? w->y[t * w->O + o_n]
                      : o_n >= 0 && w->proj ? w->proj[t * w->O + o_n]
                                            : w->x[t * Nn + n];
        double r = xhat - fixed;
        double kap = kappa_mode == 1 ? 1.0 / (1.0 + fabs(r)) : kappa_mode == 2 ? w->h[t * Nn + n] : 1.0;
        double rhs = kap * r - (with_eps ? w->eps[t * Nn + n] : 0.0);
        for (int64_t i = 0; i < D; i++) {
            b[i] += phi[i] * rhs;
            for (int64_t k = 0; k <= i; k++) A[i * D + k] += kap * phi[i] * phi[k];
        }
    }
    double tr = 0.0;
    for (int64_t i = 0; i < D; i++) tr += A[i * D + i];
    if (!(tr > 0) || !isfinite(tr)) return 0;
    double lam = w->p->damping * tr / (double)D;
    for (int64_t i = 0; i < D; i++) {
        A[i * D + i] += lam;
        if (w->p->sparse_nu > 0 && is_prior(&net->k[idx[i]])) {
            double s = w->p->sparse_nu / (w->p->sparse_eps + fabs(w->What[idx[i]]));
            A[i * D + i] += s;
        }
        for (int64_t k = 0; k < i; k++) A[k * D + i] = A[i * D + k];
        W1[i] = b[i];
    }
    if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)D, 1, A, (lapack_int)D, W1, 1) != 0) return 0;
    for (int64_t i = 0; i < D; i++)
        if (!isfinite(W1[i])) return 0;
    return D;
}

static int64_t count_edges(const lacus_tune_net *net)
{
    int64_t e = 0;
    for (int64_t j = 0; j < net->n_w; j++)
        if (net->k[j].sparse && net->W[j] != 0.0) e++;
    return e;
}

/* Forward + backward at net->W into w->x, w->eps, w->grad (with the prior);
 * returns the cost or NaN (and the failing index in *bad) when the state or
 * the gradient is not finite. */
static double evaluate(tune_ws *w, int64_t iter, lacus_tune_guard_stats *gs, int64_t *bad)
{
    *bad = lacus__tune_simulate(w->net, w->net->W, w->u, w->T, w->x);
    if (*bad >= 0) return NAN;
    if (w->use_e0)
        for (int64_t t = 0; t < w->T; t++)
            for (int64_t o = 0; o < w->O; o++)
                w->e0[t * w->O + o] = w->x[t * w->Nn + w->obs[o]] - w->y[t * w->O + o];
    memcpy(w->What, w->net->W, (size_t)w->nw * sizeof *w->What);
    double C = lacus__tune_crit(w->net, w->c, w->obs, w->x, w->y, w->use_e0 ? w->e0 : NULL, w->T, w->dr);
    lacus__tune_backward(w->net, w->net->W, w->obs, w->O, w->u, w->x, w->dr, w->T, w->p->guard,
                         w->eps, w->acc, w->grad, gs);
    C += lacus__tune_prior(w, w->net->W, w->grad);
    lacus__tune_tie_sum(w->net, w->grad);
    if (w->proj) {
        /* The projection's desired values (spec §1.5): where the constraints
         * cannot be met exactly, the best point found still serves. */
        for (int64_t t = 0; t < w->T; t++)
            for (int64_t o = 0; o < w->O; o++) w->proj[t * w->O + o] = w->x[t * w->Nn + w->obs[o]];
        lacus_error e2 = {0};
        double *z = w->proj + w->T * w->O; /* second half: scratch copy of the series */
        memcpy(z, w->proj, (size_t)(w->T * w->O) * sizeof *z);
        lacus_status st = lacus_tune_stat_project(w->c, z, w->y, w->T, 20, w->proj, NULL, &e2);
        if (st && st != LACUS_ERR_NOT_CONVERGED) memcpy(w->proj, z, (size_t)(w->T * w->O) * sizeof *z);
    }
    if (w->xhat) { /* hidden desired values (tune_hidden.c), from the simulated trajectory */
        double E0, E1;
        memcpy(w->xhat, w->x, (size_t)(w->T * w->Nn) * sizeof *w->xhat);
        lacus__tune_hidden(w->net, w->net->W, w->obs, w->O, w->c->warmup, w->u, w->y, w->T, 20, 1e-6,
                           w->xhat, w->hws, &E0, &E1);
    }
    if (w->h) {
        /* The criterion's curvature: 1 for least squares, the IRLS weight for
         * the reweighted criteria, 1 otherwise (a Gauss-Newton stand-in). */
        const lacus_tune_criterion *c = w->c;
        for (int64_t i = 0; i < w->T * w->O; i++)
            w->hobs[i] = c->type == LACUS_TUNE_RWL1   ? 1.0 / (c->nu + fabs(w->e0[i]))
                         : c->type == LACUS_TUNE_RWL0 ? 1.0 / (c->nu + w->e0[i] * w->e0[i])
                                                      : 1.0;
        lacus__tune_curvature(w->net, w->net->W, w->obs, w->O, w->u, w->x, w->hobs, w->T, w->h, w->acc);
    }
    for (int64_t j = 0; j < w->nw; j++)
        if (!w->net->k[j].learnable) w->grad[j] = 0.0;
        else if (!isfinite(w->grad[j])) {
            *bad = -2 - j;
            return NAN;
        }
    (void)iter;
    return C;
}

static void ws_free(tune_ws *w)
{
    lacus__free(w->obs);
    lacus__free(w->x);
    lacus__free(w->xs);
    lacus__free(w->eps);
    lacus__free(w->acc);
    lacus__free(w->dr);
    lacus__free(w->e0);
    lacus__free(w->grad);
    lacus__free(w->Wtry);
    lacus__free(w->What);
    lacus__free(w->dir);
    lacus__free(w->h);
    lacus__free(w->hobs);
    lacus__free(w->proj);
    lacus__free(w->xhat);
    lacus__free(w->hws);
}

/* The GN candidate (all nodes with a small enough fan-in at once). */
static int gn_direction(tune_ws *w, int kappa_mode, int with_eps, double *A, double *b, double *phi,
                        int64_t *idx, double *W1)
{
    int any = 0;
    memset(w->dir, 0, (size_t)w->nw * sizeof *w->dir);
    for (int64_t n = 0; n < w->Nn; n++) {
        int64_t D = 0;
        for (int64_t j = w->net->off[n]; j < w->net->off[n + 1]; j++) D += w->net->k[j].learnable;
        if (D == 0 || D > w->p->gn_max_fanin) continue;
        D = lacus__tune_node_solve(w, n, 0, w->T, kappa_mode, with_eps, w->p->reinject, A, b, phi,
                                   idx, W1);
        for (int64_t i = 0; i < D; i++) {
            w->dir[idx[i]] = W1[i] - w->net->W[idx[i]];
            any = 1;
        }
    }
    return any;
}

lacus_status lacus_tune_fit(lacus_tune_net *net, const double *u, const double *target, int64_t T,
                            const lacus_tune_criterion *c, const lacus_tune_params *p,
                            lacus_tune_result *res, lacus_error *err)
{
    if (!net || !target || (!u && net->n_inputs)) return lacus__fail(err, LACUS_ERR_ARG, "NULL argument");
    lacus_status st = lacus_tune_params_check(p, err);
    if (st) return st;
    if ((st = lacus__tune_crit_check(net, c, err))) return st;
    if (p->method == LACUS_TUNE_READOUT)
        return lacus_tune_fit_readout(net, u, target, T, c, p->readout_ridge, res, err);
    if (T < 2) return lacus__fail(err, LACUS_ERR_ARG, "T = %lld: must be >= 2", (long long)T);
    if (c->warmup > T - 2)
        return lacus__fail(err, LACUS_ERR_ARG, "warmup = %lld leaves fewer than 2 of the %lld steps",
                           (long long)c->warmup, (long long)T);
    if ((st = lacus__check_finite(err, "input u", u, T, net->n_inputs, net->n_inputs))) return st;
    if ((st = lacus__check_finite(err, "target", target, T, c->n_observed, c->n_observed))) return st;
    if (c->type == LACUS_TUNE_HINGE)
        for (int64_t i = 0; i < T * c->n_observed; i++)
            if (target[i] != 0.0 && target[i] != 1.0)
                return lacus__fail(err, LACUS_ERR_ARG, "criterion hinge needs Boolean targets (0 or 1); "
                                   "target[%lld] = %g", (long long)i, target[i]);
    if (net->unit == LACUS_TUNE_SOFTMAX && c->type != LACUS_TUNE_STAT)
        for (int64_t i = 0; i < T * c->n_observed; i++)
            if (!(target[i] >= 0.0 && target[i] <= 1.0))
                return lacus__fail(err, LACUS_ERR_ARG, "criterion %s does not fit softmax units: their "
                                   "outputs lie in (0, 1), but target[%lld] = %g",
                                   lacus_tune_crit_name(c->type), (long long)i, target[i]);
    if (p->reinject == 2 && (c->type == LACUS_TUNE_STAT || c->type == LACUS_TUNE_HINGE))
        return lacus__fail(err, LACUS_ERR_ARG, "reinject = 2 (hidden desired values) needs per-step "
                           "targets of the observed nodes; criterion %s has none",
                           lacus_tune_crit_name(c->type));
    int64_t n_learn = 0;
    for (int64_t j = 0; j < net->n_w; j++) n_learn += net->k[j].learnable;
    if (n_learn == 0) return lacus__fail(err, LACUS_ERR_ARG, "the network has no learnable weight");

    tune_ws w;
    memset(&w, 0, sizeof w);
    w.net = net;
    w.c = c;
    w.p = p;
    w.u = u;
    w.y = target;
    w.T = T;
    w.Nn = net->n_nodes;
    w.O = c->n_observed;
    w.nw = net->n_w;
    w.use_e0 = c->type == LACUS_TUNE_RWL1 || c->type == LACUS_TUNE_RWL0;
    for (int64_t n = 0; n < w.Nn; n++) {
        int64_t D = 0;
        for (int64_t j = net->off[n]; j < net->off[n + 1]; j++) D += net->k[j].learnable;
        if (D > w.max_fan) w.max_fan = D;
    }
    const int64_t TN = T * w.Nn, K = p->n_filters + 1, F = w.max_fan;
    w.obs = LACUS__NEW(int64_t, w.O);
    w.x = LACUS__NEW(double, TN);
    w.xs = LACUS__NEW(double, TN);
    w.eps = LACUS__NEW(double, TN);
    w.acc = LACUS__NEW(double, TN);
    w.dr = LACUS__NEW(double, T * w.O);
    w.e0 = LACUS__NEW(double, T * w.O);
    w.grad = LACUS__NEW(double, w.nw);
    w.Wtry = LACUS__NEW(double, w.nw);
    w.What = LACUS__NEW(double, w.nw);
    w.dir = LACUS__NEW(double, w.nw);
    int want_h = (p->method == LACUS_TUNE_BOTH || p->method == LACUS_TUNE_GN) && p->gn_max_fanin > 0;
    int want_proj = c->type == LACUS_TUNE_STAT && p->reinject;
    if (want_proj) w.proj = LACUS__NEW(double, 2 * T * w.O);
    if (p->reinject == 2) {
        w.xhat = LACUS__NEW(double, TN);
        w.hws = LACUS__NEW(double, 4 * TN);
    }
    if (want_h) {
        w.h = LACUS__NEW(double, TN);
        w.hobs = LACUS__NEW(double, T * w.O);
    }
    double *filt = LACUS__ZNEW(double, K * w.nw), *Wbest = LACUS__NEW(double, w.nw);
    double *A = LACUS__NEW(double, F * F + 1), *b = LACUS__NEW(double, F + 1);
    double *phi = LACUS__NEW(double, F + 1), *W1 = LACUS__NEW(double, F + 1);
    int64_t *idx = LACUS__NEW(int64_t, F + 1);
    /* Candidates (at most K filters + 4 node-local variants): directions,
     * costs, steps; per extra thread a weight vector and a trajectory. */
    enum { MAXC = 12 };
    int ckind[MAXC];
    double cf[MAXC], cu[MAXC];
    int nth = 1;
#ifdef _OPENMP
    nth = omp_get_max_threads();
#endif
    if (nth > MAXC) nth = MAXC;
    if (p->method == LACUS_TUNE_STOCHASTIC) nth = 1; /* it has its own threads */
    double *cdir = LACUS__NEW(double, MAXC * w.nw);
    double *tW = nth > 1 ? LACUS__NEW(double, (nth - 1) * w.nw) : NULL;
    double *tX = nth > 1 ? LACUS__NEW(double, (nth - 1) * TN) : NULL;
    if (nth > 1 && (!tW || !tX)) nth = 1; /* no memory for threads: one at a time */
    if (!cdir || !w.obs || !w.x || !w.xs || !w.eps || !w.acc || !w.dr || !w.e0 || !w.grad || !w.Wtry ||
        !w.What || !w.dir || (want_h && (!w.h || !w.hobs)) || (want_proj && !w.proj) ||
        (p->reinject == 2 && (!w.xhat || !w.hws)) || !filt || !Wbest || !A || !b || !phi || !W1 || !idx) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld steps x %lld nodes)", (long long)T,
                         (long long)w.Nn);
        goto done;
    }
    if ((st = lacus__tune_obs(net, c, w.obs, err))) goto done;
    /* Sign constraints become bounds on the connection weights. */
    if (p->sign)
        for (int64_t j = 0; j < w.nw; j++) {
            lacus_tune_kernel *k = &net->k[j];
            if (!k->sparse) continue;
            if (p->sign == 1 || net->W[j] > 0) k->lo = fmax(k->lo, 0.0);
            else if (net->W[j] < 0) k->hi = fmin(k->hi, 0.0);
            net->W[j] = lacus__tune_project(k, net->W[j]);
        }

    lacus_tune_result r;
    memset(&r, 0, sizeof r);
    lacus_tune_guard_stats gs = {0, 0, 0};
    int64_t bad;
    double C = evaluate(&w, 0, &gs, &bad);
    if (isnan(C)) {
        st = bad >= 0 ? lacus__fail(err, LACUS_ERR_NUMERIC, "the initial network diverges: node %lld is "
                                    "not finite at step %lld", (long long)(bad % w.Nn), (long long)(bad / w.Nn))
                      : lacus__fail(err, LACUS_ERR_NUMERIC, "the initial gradient is not finite (weight %lld)",
                                    (long long)(-bad - 2));
        goto done;
    }
    r.cost0 = C;
    r.nrmse0 = lacus_tune_nrmse(net, c, w.x, target, T);
    r.n_edges0 = count_edges(net);
    double step = p->step0;
    r.stopped = 0;
    int64_t it;
    for (it = 1; it <= p->max_iter; it++) {
        if (C <= p->crit_eps * r.cost0) {
            r.stopped = 1;
            it--;
            break;
        }
        double fbest = C, ubest = 0.0;
        const char *chosen = "none";
        static const char *names[] = {"grad", "mom1", "mom2", "mom3", "mom4", "mom5", "mom6", "mom7",
                                      "gn", "gn-w", "gn-h", "gn-x"};
        int first_order = 0;
        /* The candidates' directions are built one after the other (the
         * filters and the node-local solves share buffers); their line
         * searches, where one forward simulation per probe is the whole
         * cost, then run in parallel, one candidate per thread; the choice
         * is made in the candidates' fixed order, so the result does not
         * depend on the thread count. */
        int nc = 0;
        if (p->method == LACUS_TUNE_BOTH || p->method == LACUS_TUNE_BANK) {
            for (int k = 0; k < K; k++) {
                double *g = filt + k * w.nw, *d = cdir + nc * w.nw;
                if (k == 0) memcpy(g, w.grad, (size_t)w.nw * sizeof *g);
                else
                    for (int64_t j = 0; j < w.nw; j++) g[j] += ldexp(w.grad[j] - g[j], -k);
                /* Projected gradient: components that push a weight
                 * sitting on a bound out of its box are dropped before the
                 * max-normalisation. Otherwise such a component (an AIF
                 * leak at 0, a sharpness at 0, each with the largest |g|)
                 * sets the scale, the projection then cancels it, and every
                 * other weight moves by a tiny fraction of the step. (This
                 * is not what stalls the AIF protocol: docs/learn2.md.) */
                double mx = 0.0;
                for (int64_t j = 0; j < w.nw; j++) {
                    const lacus_tune_kernel *kj = &net->k[j];
                    int blocked = (net->W[j] <= kj->lo && g[j] > 0) || (net->W[j] >= kj->hi && g[j] < 0);
                    d[j] = blocked ? 0.0 : -g[j];
                    mx = fmax(mx, fabs(d[j]));
                }
                if (!(mx > 0)) continue;
                for (int64_t j = 0; j < w.nw; j++) d[j] /= mx;
                ckind[nc++] = k;
            }
        }
        if ((p->method == LACUS_TUNE_BOTH || p->method == LACUS_TUNE_GN || p->method == LACUS_TUNE_REFIT) &&
            p->gn_max_fanin > 0) {
            int nvar = p->reinject ? 4 : 3;
            for (int v = p->method == LACUS_TUNE_REFIT ? 3 : 0; v < nvar; v++) {
                if (!gn_direction(&w, v == 3 ? 0 : v, v != 3, A, b, phi, idx, W1)) continue;
                memcpy(cdir + nc * w.nw, w.dir, (size_t)w.nw * sizeof *w.dir);
                ckind[nc++] = 8 + v;
            }
        }
        const double step_now = step;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth) if (nth > 1 && nc > 1)
        for (int i = 0; i < nc; i++) {
            int th = 0;
#ifdef _OPENMP
            th = omp_get_thread_num();
#endif
            double *Wt = th ? tW + (th - 1) * w.nw : w.Wtry, *xs = th ? tX + (th - 1) * TN : w.xs;
            const double *d = cdir + i * w.nw;
            double fk = C, uk = 0.0;
            if (ckind[i] < 8) {
                for (double U = step_now; U >= p->w_eps; U *= 0.1) {
                    uk = lacus__tune_line_search(&w, net->W, d, U, C, p->ls_tol, Wt, xs, &fk);
                    if (fk < C) break;
                }
            } else {
                step_to(&w, net->W, d, 1.0, Wt);
                fk = lacus__tune_cost_at(&w, Wt, xs);
                uk = 1.0;
                double fl, ul = lacus__tune_line_search(&w, net->W, d, 1.0, C, p->ls_tol, Wt, xs, &fl);
                if (fl < fk) fk = fl, uk = ul;
            }
            cf[i] = fk;
            cu[i] = uk;
        }
        int ibest = -1;
        for (int i = 0; i < nc; i++)
            if (cf[i] < fbest) {
                fbest = cf[i];
                ubest = cu[i];
                ibest = i;
            }
        if (ibest >= 0) {
            chosen = ckind[ibest] == 11 && p->reinject == 2 ? "gn-xh" : names[ckind[ibest]];
            first_order = ckind[ibest] < 8;
            step_to(&w, net->W, cdir + ibest * w.nw, ubest, Wbest);
        }
        if (p->method == LACUS_TUNE_STOCHASTIC) {
            double fk;
            if ((st = lacus__tune_stoch_iter(&w, it, C, Wbest, &fk, err))) goto done;
            if (net->tie) { /* node steps moved tied members apart: back onto the tie */
                lacus__tune_tie_avg(net, Wbest);
                fk = lacus__tune_cost_at(&w, Wbest, w.xs);
            }
            if (fk < fbest) {
                fbest = fk;
                ubest = 1.0;
                chosen = "nodes";
            }
        }
        if (!(fbest < C)) {
            r.stopped = 2;
            it--;
            break;
        }
        if (first_order) step = 2.0 * fmax(ubest, p->w_eps);
        /* Keep the last good weights: if the accepted point turns out not to
         * have a finite gradient, go back and stop with an error. */
        memcpy(w.Wtry, net->W, (size_t)w.nw * sizeof *w.Wtry);
        memcpy(net->W, Wbest, (size_t)w.nw * sizeof *net->W);
        if (p->prune > 0 && it >= p->prune_after) {
            double mx = 0.0;
            for (int64_t j = 0; j < w.nw; j++)
                if (is_prior(&net->k[j])) mx = fmax(mx, fabs(net->W[j]));
            for (int64_t j = 0; j < w.nw; j++)
                if (is_prior(&net->k[j]) && fabs(net->W[j]) < p->prune * mx &&
                    0.0 >= net->k[j].lo && 0.0 <= net->k[j].hi) {
                    net->W[j] = 0.0;
                    net->k[j].learnable = 0;
                }
        }
        double Cn = evaluate(&w, it, &gs, &bad);
        if (isnan(Cn)) {
            memcpy(net->W, w.Wtry, (size_t)w.nw * sizeof *net->W);
            st = lacus__fail(err, LACUS_ERR_NUMERIC, "diverged at iteration %lld: %s %lld is not finite; "
                             "stopped, the weights of iteration %lld are kept (cost %.6g)", (long long)it,
                             bad >= 0 ? "node" : "the gradient of weight",
                             (long long)(bad >= 0 ? bad % w.Nn : -bad - 2), (long long)(it - 1), C);
            r.iterations = it - 1;
            r.cost = C;
            r.n_edges = count_edges(net);
            if (res) *res = r;
            goto done;
        }
        C = Cn;
        if (p->progress) {
            lacus_tune_info info = {it, C, lacus_tune_nrmse(net, c, w.x, target, T), ubest, chosen, gs,
                                    count_edges(net)};
            if (p->progress(&info, p->progress_user)) {
                r.stopped = 3;
                break;
            }
        }
    }
    if (it > p->max_iter) it = p->max_iter;
    r.iterations = it;
    r.cost = C;
    r.nrmse = lacus_tune_nrmse(net, c, w.x, target, T);
    r.n_edges = count_edges(net);
    if (res) *res = r;
done:
    ws_free(&w);
    lacus__free(filt);
    lacus__free(Wbest);
    lacus__free(A);
    lacus__free(b);
    lacus__free(phi);
    lacus__free(W1);
    lacus__free(idx);
    lacus__free(cdir);
    lacus__free(tW);
    lacus__free(tX);
    return st;
}
