/* The statistical criteria of backward tuning (Vieville et al. RR-9100;
 * spec §1.5): rho = sum_k |Omega_k(x) - Omega_k(target)| over observables
 * Omega_k = time averages of omega_k(t):
 *   the mean of x_o,                       (1/T) sum_t x_o(t)
 *   the lag-tau autocorrelation of x_o,    (1/(T-tau)) sum_{t>=tau} x_o(t) x_o(t-tau)
 *   the cross product of x_o and x_o',     (1/T) sum_t x_o(t) x_o'(t)   (stat_cross)
 * (max-entropy fitting with d = 1, which the paper found better than d = 2),
 * and the "projection" reinjection: the simulated trajectory moved onto the
 * constraint manifold {Omega(z) = Omega(target)} by minimum-norm
 * Gauss-Newton steps with a halving line search. */
#include <lapacke.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "learn/tune_internal.h"

typedef struct stat_item {
    int64_t a, b, tau; /* a == b: auto (tau = 0: the mean); a < b: the cross product */
} stat_item;

int64_t lacus_tune_stat_count(const lacus_tune_criterion *c)
{
    if (!c || c->type != LACUS_TUNE_STAT || c->n_observed < 1) return 0;
    int64_t O = c->n_observed;
    return O * (c->stat_lags + 1) + (c->stat_cross ? O * (O - 1) / 2 : 0);
}

static stat_item item_of(const lacus_tune_criterion *c, int64_t k)
{
    int64_t O = c->n_observed, L = c->stat_lags + 1;
    stat_item it;
    if (k < O * L) {
        it.a = it.b = k / L;
        it.tau = k % L;
        return it;
    }
    k -= O * L;
    for (it.a = 0; it.a < O; it.a++) {
        if (k < O - 1 - it.a) break;
        k -= O - 1 - it.a;
    }
    it.b = it.a + 1 + k;
    it.tau = 0;
    return it;
}

/* Omega of item `it` on series z: column col[o] of a (T, ld) array. A lag
 * beyond the series (tau >= T) is an empty average: 0. */
static double omega(const double *z, int64_t ld, const int64_t *col, int64_t T, stat_item it)
{
    const double *za = z + col[it.a], *zb = z + col[it.b];
    double s = 0.0;
    if (it.a == it.b && it.tau == 0) {
        for (int64_t t = 0; t < T; t++) s += za[t * ld];
        return s / (double)T;
    }
    if (it.tau >= T) return 0.0;
    for (int64_t t = it.tau; t < T; t++) s += za[t * ld] * zb[(t - it.tau) * ld];
    return s / (double)(T - it.tau);
}

/* g[t*ldg + o] += w dOmega_it / dz_o(t). */
static void omega_grad(const double *z, int64_t ld, const int64_t *col, int64_t T, stat_item it,
                       double w, double *g, int64_t ldg)
{
    const double *za = z + col[it.a], *zb = z + col[it.b];
    if (it.a == it.b && it.tau == 0) {
        for (int64_t t = 0; t < T; t++) g[t * ldg + it.a] += w / (double)T;
        return;
    }
    if (it.tau >= T) return;
    if (it.a != it.b) { /* cross product at lag 0 */
        for (int64_t t = 0; t < T; t++) {
            g[t * ldg + it.a] += w * zb[t * ld] / (double)T;
            g[t * ldg + it.b] += w * za[t * ld] / (double)T;
        }
        return;
    }
    double c = w / (double)(T - it.tau);
    for (int64_t t = 0; t < T; t++) {
        double s = 0.0;
        if (t >= it.tau) s += za[(t - it.tau) * ld];
        if (t + it.tau < T) s += za[(t + it.tau) * ld];
        g[t * ldg + it.a] += c * s;
    }
}

/* The STAT criterion on x (T, Nn) (already past the warm-up) against target
 * (T, O); rho' added into drho (T, O) when not NULL. */
double lacus__tune_stat_crit(const lacus_tune_criterion *c, const int64_t *obs, const double *x,
                             int64_t Nn, const double *target, int64_t T, double *drho)
{
    const int64_t O = c->n_observed, K = lacus_tune_stat_count(c);
    int64_t tcol[64], *tc = tcol;
    int64_t *heap = NULL;
    if (O > 64) {
        heap = LACUS__NEW(int64_t, O);
        if (!heap) return NAN;
        tc = heap;
    }
    for (int64_t o = 0; o < O; o++) tc[o] = o;
    double C = 0.0;
    for (int64_t k = 0; k < K; k++) {
        stat_item it = item_of(c, k);
        double diff = omega(x, Nn, obs, T, it) - omega(target, O, tc, T, it);
        C += fabs(diff);
        if (drho && diff != 0.0) omega_grad(x, Nn, obs, T, it, diff > 0 ? 1.0 : -1.0, drho, O);
    }
    lacus__free(heap);
    return C;
}

static lacus_status check_stat(const lacus_tune_criterion *c, int64_t T, lacus_error *err)
{
    lacus_status st = lacus__tune_crit_check(NULL, c, err);
    if (st) return st;
    if (c->type != LACUS_TUNE_STAT)
        return lacus__fail(err, LACUS_ERR_ARG, "criterion %s: observables exist only for stat",
                           lacus_tune_crit_name(c->type));
    if (T - c->warmup < 2)
        return lacus__fail(err, LACUS_ERR_ARG, "T = %lld with warmup %lld: fewer than 2 steps",
                           (long long)T, (long long)c->warmup);
    return LACUS_OK;
}

lacus_status lacus_tune_stat_observables(const lacus_tune_criterion *c, const double *z, int64_t ld,
                                         int64_t T, double *out, lacus_error *err)
{
    lacus_status st = check_stat(c, T, err);
    if (st) return st;
    if (!z || !out || ld < c->n_observed)
        return lacus__fail(err, LACUS_ERR_ARG, "z or omega is NULL, or ld = %lld < n_observed",
                           (long long)ld);
    int64_t O = c->n_observed, K = lacus_tune_stat_count(c);
    int64_t *col = LACUS__NEW(int64_t, O);
    if (!col) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t o = 0; o < O; o++) col[o] = o;
    z += c->warmup * ld;
    for (int64_t k = 0; k < K; k++) out[k] = omega(z, ld, col, T - c->warmup, item_of(c, k));
    lacus__free(col);
    return LACUS_OK;
}

static double violation(const lacus_tune_criterion *c, const double *z, const int64_t *col, int64_t T,
                        const double *target_om, double *r)
{
    double v = 0.0;
    for (int64_t k = 0; k < lacus_tune_stat_count(c); k++) {
        r[k] = target_om[k] - omega(z, c->n_observed, col, T, item_of(c, k));
        v += fabs(r[k]);
    }
    return v;
}

lacus_status lacus_tune_stat_project(const lacus_tune_criterion *c, const double *z,
                                     const double *target, int64_t T, int max_iter, double *zp,
                                     double *viol_out, lacus_error *err)
{
    lacus_status st = check_stat(c, T, err);
    if (st) return st;
    if (!z || !target || !zp) return lacus__fail(err, LACUS_ERR_ARG, "z, target or z_proj is NULL");
    const int64_t O = c->n_observed, K = lacus_tune_stat_count(c), W0 = c->warmup, Tp = T - W0,
                  n = Tp * O;
    if ((st = lacus__check_finite(err, "z", z, T, O, O))) return st;
    if ((st = lacus__check_finite(err, "target", target, T, O, O))) return st;
    if (max_iter <= 0) max_iter = 50;
    int64_t *col = LACUS__NEW(int64_t, O);
    double *J = LACUS__NEW(double, K * n), *G = LACUS__NEW(double, K * K), *r = LACUS__NEW(double, K);
    double *lam = LACUS__NEW(double, K), *om = LACUS__NEW(double, K), *ztry = LACUS__NEW(double, n);
    double *sv = LACUS__NEW(double, K);
    if (!col || !J || !G || !r || !lam || !om || !ztry || !sv) {
        st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory (%lld observables x %lld values)",
                         (long long)K, (long long)n);
        goto done;
    }
    for (int64_t o = 0; o < O; o++) col[o] = o;
    memcpy(zp, z, (size_t)(T * O) * sizeof *zp);
    for (int64_t k = 0; k < K; k++) om[k] = omega(target + W0 * O, O, col, Tp, item_of(c, k));
    double scale = 1.0;
    for (int64_t k = 0; k < K; k++) scale += fabs(om[k]);
    double *x = zp + W0 * O;
    double v = violation(c, x, col, Tp, om, r);
    for (int iter = 0; iter < max_iter && v > 1e-12 * scale; iter++) {
        memset(J, 0, (size_t)(K * n) * sizeof *J);
        for (int64_t k = 0; k < K; k++) omega_grad(x, O, col, Tp, item_of(c, k), 1.0, J + k * n, O);
        for (int64_t a = 0; a < K; a++)
            for (int64_t b = 0; b <= a; b++) {
                double s = 0.0;
                for (int64_t i = 0; i < n; i++) s += J[a * n + i] * J[b * n + i];
                G[a * K + b] = G[b * K + a] = s;
            }
        /* Minimum-norm step: lam = (J J^T)^+ r by SVD (observables can be
         * dependent, e.g. a constant series), dz = J^T lam. */
        memcpy(lam, r, (size_t)K * sizeof *lam);
        lapack_int rank;
        if (LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)K, (lapack_int)K, 1, G, (lapack_int)K, lam, 1,
                           sv, 1e-12, &rank) != 0)
            break;
        double alpha = 1.0, vt = v;
        for (int h = 0; h < 40; h++, alpha *= 0.5) {
            for (int64_t i = 0; i < n; i++) {
                double d = 0.0;
                for (int64_t k = 0; k < K; k++) d += J[k * n + i] * lam[k];
                ztry[i] = x[i] + alpha * d;
            }
            vt = violation(c, ztry, col, Tp, om, sv);
            if (vt < v) break;
        }
        if (!(vt < v)) break;
        memcpy(x, ztry, (size_t)n * sizeof *x);
        v = violation(c, x, col, Tp, om, r);
    }
    if (viol_out) *viol_out = v;
    if (v > 1e-6 * scale)
        st = lacus__fail(err, LACUS_ERR_NOT_CONVERGED, "stat projection: the constraints cannot be met "
                         "(L1 violation %.3g after the last step that lowered it)", v);
done:
    lacus__free(col);
    lacus__free(J);
    lacus__free(G);
    lacus__free(r);
    lacus__free(lam);
    lacus__free(om);
    lacus__free(ztry);
    lacus__free(sv);
    return st;
}
