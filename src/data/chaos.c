/* Chaotic time series of reservoirpy.datasets (0.4.2), computed the same way.
 *
 * Continuous time, integrated with RK45 like scipy's solve_ivp (ode.c) and
 * sampled at linspace(0, n_steps * h, n_steps):
 *   Lorenz (E. N. Lorenz, "Deterministic nonperiodic flow", J. Atmos. Sci.
 *     20:130-141, 1963):  x' = sigma (y - x), y' = x (rho - z) - y,
 *     z' = x y - beta z.
 *   Chen multiscroll (G. Chen & T. Ueta, "Yet another chaotic attractor",
 *     Int. J. Bifurcation Chaos 9(7):1465-1466, 1999):  x' = a (y - x),
 *     y' = (c - a) x - x z + c y,  z' = x y - b z.
 *   Double scroll circuit (same reference, ReservoirPy's form): with
 *     d = V1 - V2, g = d / r2 + ir sinh(beta d):  V1' = V1 / r1 - g,
 *     V2' = g - I,  I' = V2 - r4 I.
 *   Rossler (O. E. Rossler, "An equation for continuous chaos", Phys. Lett.
 *     A 57(5):397-398, 1976):  x' = -y - z, y' = x + a y, z' = b + z (x - c).
 *   Rabinovich-Fabrikant (M. I. Rabinovich & A. L. Fabrikant, "Stochastic
 *     self-modulation of waves in nonequilibrium media", 1979):
 *     x' = y (z - 1 + x^2) + gamma x, y' = x (3z + 1 - x^2) + gamma y,
 *     z' = -2 z (alpha + x y).
 * Delay differential equation:
 *   Mackey-Glass (M. C. Mackey & L. Glass, "Oscillation and chaos in
 *     physiological control systems", Science 197:287-289, 1977):
 *     x' = a x(t - tau) / (1 + x(t - tau)^n) - b x(t).
 * Discrete time:
 *   logistic map (R. M. May, Nature 261:459-467, 1976), Henon map (M. Henon,
 *   Comm. Math. Phys. 50:69-77, 1976) and NARMA (A. F. Atiya & A. G. Parlos,
 *   IEEE Trans. Neural Networks 11(3):697-709, 2000).
 *
 * Every expression keeps ReservoirPy's operation order: these systems are
 * chaotic, so a single different rounding grows into a visibly different
 * series after a few hundred steps. */
#include <math.h>

/* Clang contracts a*b + c into fma by default, GCC in ISO C mode does not;
 * both must round every operation as NumPy does. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif
#include <string.h>

#include "core/alloc.h"
#include "data/check.h"
#include "data/np_random.h"
#include "data/ode.h"

/* ------------------------------------------------------------------------ */
/* ODE systems                                                              */
/* ------------------------------------------------------------------------ */

static lacus_ode_options ode_defaults(void)
{
    lacus_ode_options o = {1e-3, 1e-6, INFINITY, 0.0};
    return o;
}

static lacus_status check_ode(lacus_error *err, const char *fn, int64_t n_steps, double h,
                              const double *x0, const lacus_ode_options *o)
{
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    LACUS__TRY(lacus__check_positive(err, fn, "h", h));
    for (int i = 0; i < 3; i++)
        if (!isfinite(x0[i]))
            return lacus__fail(err, LACUS_ERR_ARG, "%s: x0[%d] = %g: must be a finite number",
                               fn, i, x0[i]);
    if (!isfinite(n_steps * h))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: n_steps * h = %g: must be finite", fn,
                           n_steps * h);
    if (!(o->rtol > 0) || !isfinite(o->rtol))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: ode.rtol = %g: must be finite and > 0", fn,
                           o->rtol);
    if (!(o->atol >= 0) || !isfinite(o->atol))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: ode.atol = %g: must be finite and >= 0", fn,
                           o->atol);
    if (!(o->max_step > 0))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: ode.max_step = %g: must be > 0 (INFINITY "
                           "for no limit)", fn, o->max_step);
    if (!(o->first_step >= 0) || !isfinite(o->first_step))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: ode.first_step = %g: must be 0 (automatic) or finite and > 0",
                           fn, o->first_step);
    return LACUS_OK;
}

static lacus_status run_ode(const char *fn, lacus__ode_fn f, const void *ctx, const double *x0,
                            double h, const lacus_ode_options *o, int64_t n_steps, double *out,
                            lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", fn);
    /* ReservoirPy: t_max = n_timesteps * h; t_eval = linspace(0, t_max, n). */
    double t_max = (double)n_steps * h;
    lacus_status st = lacus__rk45_sample(f, ctx, 3, x0, t_max, n_steps, o->rtol, o->atol,
                                         o->max_step, o->first_step, out, err);
    if (st != LACUS_OK) lacus__prefix(err, "%s", fn);
    return st;
}

lacus_lorenz_params lacus_lorenz_params_default(void)
{
    lacus_lorenz_params p = {28.0, 10.0, 8.0 / 3.0, {1.0, 1.0, 1.0}, 0.03, ode_defaults()};
    return p;
}

static void lorenz_rhs(double t, const double *s, double *d, const void *ctx)
{
    const lacus_lorenz_params *p = ctx;
    double x = s[0], y = s[1], z = s[2];
    d[0] = p->sigma * (y - x);
    d[1] = x * (p->rho - z) - y;
    d[2] = x * y - p->beta * z;
}

lacus_status lacus_lorenz(int64_t n_steps, const lacus_lorenz_params *p, double *out,
                          lacus_error *err)
{
    const char *fn = "lorenz";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    LACUS__TRY(lacus__check_param(err, fn, "rho", p->rho));
    LACUS__TRY(lacus__check_param(err, fn, "sigma", p->sigma));
    LACUS__TRY(lacus__check_param(err, fn, "beta", p->beta));
    LACUS__TRY(check_ode(err, fn, n_steps, p->h, p->x0, &p->ode));
    return run_ode(fn, lorenz_rhs, p, p->x0, p->h, &p->ode, n_steps, out, err);
}

lacus_multiscroll_params lacus_multiscroll_params_default(void)
{
    lacus_multiscroll_params p = {40.0, 3.0, 28.0, {-0.1, 0.5, -0.6}, 0.01, ode_defaults()};
    return p;
}

static void multiscroll_rhs(double t, const double *s, double *d, const void *ctx)
{
    const lacus_multiscroll_params *p = ctx;
    double x = s[0], y = s[1], z = s[2];
    d[0] = p->a * (y - x);
    d[1] = (p->c - p->a) * x - x * z + p->c * y;
    d[2] = x * y - p->b * z;
}

lacus_status lacus_multiscroll(int64_t n_steps, const lacus_multiscroll_params *p, double *out,
                               lacus_error *err)
{
    const char *fn = "multiscroll";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    LACUS__TRY(lacus__check_param(err, fn, "a", p->a));
    LACUS__TRY(lacus__check_param(err, fn, "b", p->b));
    LACUS__TRY(lacus__check_param(err, fn, "c", p->c));
    LACUS__TRY(check_ode(err, fn, n_steps, p->h, p->x0, &p->ode));
    return run_ode(fn, multiscroll_rhs, p, p->x0, p->h, &p->ode, n_steps, out, err);
}

lacus_doublescroll_params lacus_doublescroll_params_default(void)
{
    lacus_doublescroll_params p = {1.2,   3.44, 0.193, 2 * 2.25e-5,
                                   11.6,  {0.37926545, 0.058339, -0.08167691},
                                   0.25,  ode_defaults()};
    return p;
}

static void doublescroll_rhs(double t, const double *s, double *d, const void *ctx)
{
    const lacus_doublescroll_params *p = ctx;
    double v1 = s[0], v2 = s[1], i = s[2];
    double dv = v1 - v2;
    double g = (dv / p->r2) + p->ir * sinh(p->beta * dv);
    d[0] = (v1 / p->r1) - g;
    d[1] = g - i;
    d[2] = v2 - p->r4 * i;
}

lacus_status lacus_doublescroll(int64_t n_steps, const lacus_doublescroll_params *p, double *out,
                                lacus_error *err)
{
    const char *fn = "doublescroll";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    /* r1, r2 are divisors: a zero resistance has no meaning in the circuit. */
    if (!isfinite(p->r1) || p->r1 == 0)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: r1 = %g: must be finite and non-zero", fn,
                           p->r1);
    if (!isfinite(p->r2) || p->r2 == 0)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: r2 = %g: must be finite and non-zero", fn,
                           p->r2);
    LACUS__TRY(lacus__check_param(err, fn, "r4", p->r4));
    LACUS__TRY(lacus__check_param(err, fn, "ir", p->ir));
    LACUS__TRY(lacus__check_param(err, fn, "beta", p->beta));
    LACUS__TRY(check_ode(err, fn, n_steps, p->h, p->x0, &p->ode));
    return run_ode(fn, doublescroll_rhs, p, p->x0, p->h, &p->ode, n_steps, out, err);
}

lacus_rossler_params lacus_rossler_params_default(void)
{
    lacus_rossler_params p = {0.2, 0.2, 5.7, {-0.1, 0.0, 0.02}, 0.1, ode_defaults()};
    return p;
}

static void rossler_rhs(double t, const double *s, double *d, const void *ctx)
{
    const lacus_rossler_params *p = ctx;
    double x = s[0], y = s[1], z = s[2];
    d[0] = -y - z;
    d[1] = x + p->a * y;
    d[2] = p->b + z * (x - p->c);
}

lacus_status lacus_rossler(int64_t n_steps, const lacus_rossler_params *p, double *out,
                           lacus_error *err)
{
    const char *fn = "rossler";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    LACUS__TRY(lacus__check_param(err, fn, "a", p->a));
    LACUS__TRY(lacus__check_param(err, fn, "b", p->b));
    LACUS__TRY(lacus__check_param(err, fn, "c", p->c));
    LACUS__TRY(check_ode(err, fn, n_steps, p->h, p->x0, &p->ode));
    return run_ode(fn, rossler_rhs, p, p->x0, p->h, &p->ode, n_steps, out, err);
}

lacus_rabinovich_fabrikant_params lacus_rabinovich_fabrikant_params_default(void)
{
    lacus_rabinovich_fabrikant_params p = {1.1, 0.89, {-1.0, 0.0, 0.5}, 0.05, ode_defaults()};
    return p;
}

static void rabinovich_fabrikant_rhs(double t, const double *s, double *d, const void *ctx)
{
    const lacus_rabinovich_fabrikant_params *p = ctx;
    double x = s[0], y = s[1], z = s[2];
    /* x**2 in Python is x * x (CPython squares exactly for exponent 2). */
    d[0] = y * (z - 1 + x * x) + p->gamma * x;
    d[1] = x * (3 * z + 1 - x * x) + p->gamma * y;
    d[2] = -2 * z * (p->alpha + x * y);
}

lacus_status lacus_rabinovich_fabrikant(int64_t n_steps,
                                        const lacus_rabinovich_fabrikant_params *p, double *out,
                                        lacus_error *err)
{
    const char *fn = "rabinovich_fabrikant";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    LACUS__TRY(lacus__check_param(err, fn, "alpha", p->alpha));
    LACUS__TRY(lacus__check_param(err, fn, "gamma", p->gamma));
    LACUS__TRY(check_ode(err, fn, n_steps, p->h, p->x0, &p->ode));
    return run_ode(fn, rabinovich_fabrikant_rhs, p, p->x0, p->h, &p->ode, n_steps, out, err);
}

/* ------------------------------------------------------------------------ */
/* Mackey-Glass                                                             */
/* ------------------------------------------------------------------------ */

lacus_mackey_glass_params lacus_mackey_glass_params_default(void)
{
    lacus_mackey_glass_params p = {17.0, 0.2, 0.1, 10.0, 1.2, 1.0, NULL, 0, 5555};
    return p;
}

/* ReservoirPy's _mg_rk4, kept term for term. It is not the classical RK4:
 * the stages reuse k1 and the delayed term is not multiplied by h, so for
 * h != 1 it is not a consistent discretisation of the equation. We keep it
 * because the goal is ReservoirPy's series (docs/datasets.md). */
static double mg_step(double xt, double xtau, double a, double b, double n, double h)
{
    double bh = -b * h;
    double k1 = bh * xt + a * xtau / (1 + pow(xtau, n));
    double k2 = 2 * k1 + bh * k1;
    double k3 = 2 * k1 + bh * k2;
    double k4 = k1 + bh * k3;
    return xt + (k1 + k2 + k3 + k4) / 6;
}

lacus_status lacus_mackey_glass(int64_t n_steps, const lacus_mackey_glass_params *p, double *out,
                                lacus_error *err)
{
    const char *fn = "mackey_glass";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    if (!isfinite(p->tau) || p->tau < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: tau = %g: must be finite and >= 0", fn,
                           p->tau);
    LACUS__TRY(lacus__check_param(err, fn, "a", p->a));
    LACUS__TRY(lacus__check_param(err, fn, "b", p->b));
    LACUS__TRY(lacus__check_param(err, fn, "n", p->n));
    LACUS__TRY(lacus__check_param(err, fn, "x0", p->x0));
    LACUS__TRY(lacus__check_positive(err, fn, "h", p->h));

    /* history_length = floor(tau / h); cap it so that a tiny h cannot ask
     * for an absurd buffer (2^31 past steps is ~16 GiB of history). */
    double hl = floor(p->tau / p->h);
    if (hl > 2147483647.0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: tau / h = %g: the delay spans more than 2^31 steps", fn, hl);
    int64_t L = (int64_t)hl;
    if (p->history) {
        if (p->n_history < L)
            return lacus__fail(err, LACUS_ERR_SHAPE,
                               "%s: history has %lld values; it needs at least floor(tau / h) "
                               "= %lld (tau = %g, h = %g)",
                               fn, (long long)p->n_history, (long long)L, p->tau, p->h);
        LACUS__TRY(lacus__check_finite(err, "mackey_glass: history", p->history, p->n_history, 1,
                                       1));
    }

    /* A ring of the last L values: the step at i needs X[i - L]. */
    double *ring = NULL;
    if (L > 0) {
        ring = LACUS__NEW(double, L);
        if (!ring)
            return lacus__fail(err, LACUS_ERR_NOMEM, "%s: cannot allocate the history (%lld "
                               "values)", fn, (long long)L);
        if (p->history) {
            memcpy(ring, p->history + (p->n_history - L), (size_t)L * sizeof *ring);
        } else {
            /* x0 * ones(L) + 0.2 * (rng.random(L) - 0.5) */
            lacus__np_pcg64 g;
            lacus__np_pcg64_seed(&g, p->seed);
            for (int64_t i = 0; i < L; i++)
                ring[i] = p->x0 * 1.0 + 0.2 * (lacus__np_random(&g) - 0.5);
        }
    }

    double xt = p->x0;
    for (int64_t i = 0; i < n_steps; i++) {
        out[i] = xt;
        /* With L == 0 ReservoirPy reads X[i - 0], the value just stored. */
        double xtau = p->tau > 0 ? (L > 0 ? ring[i % L] : xt) : 0.0;
        if (L > 0) ring[i % L] = xt;
        xt = mg_step(xt, xtau, p->a, p->b, p->n, p->h);
    }
    lacus__free(ring);
    return lacus__check_finite(err, "mackey_glass: series", out, n_steps, 1, 1);
}

/* ------------------------------------------------------------------------ */
/* Maps                                                                     */
/* ------------------------------------------------------------------------ */

lacus_logistic_map_params lacus_logistic_map_params_default(void)
{
    lacus_logistic_map_params p = {3.9, 0.5};
    return p;
}

lacus_status lacus_logistic_map(int64_t n_steps, const lacus_logistic_map_params *p, double *out,
                                lacus_error *err)
{
    const char *fn = "logistic_map";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    LACUS__TRY(lacus__check_positive(err, fn, "r", p->r));
    if (!(p->x0 > 0 && p->x0 < 1))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: x0 = %g: must be in (0, 1)", fn, p->x0);
    out[0] = p->x0;
    for (int64_t i = 1; i < n_steps; i++) out[i] = p->r * out[i - 1] * (1 - out[i - 1]);
    return lacus__check_finite(err, "logistic_map: series", out, n_steps, 1, 1);
}

lacus_henon_map_params lacus_henon_map_params_default(void)
{
    lacus_henon_map_params p = {1.4, 0.3, {0.0, 0.0}};
    return p;
}

lacus_status lacus_henon_map(int64_t n_steps, const lacus_henon_map_params *p, double *out,
                             lacus_error *err)
{
    const char *fn = "henon_map";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    LACUS__TRY(lacus__check_param(err, fn, "a", p->a));
    LACUS__TRY(lacus__check_param(err, fn, "b", p->b));
    LACUS__TRY(lacus__check_param(err, fn, "x0[0]", p->x0[0]));
    LACUS__TRY(lacus__check_param(err, fn, "x0[1]", p->x0[1]));
    out[0] = p->x0[0];
    out[1] = p->x0[1];
    for (int64_t i = 1; i < n_steps; i++) {
        double x = out[2 * (i - 1)], y = out[2 * (i - 1) + 1];
        out[2 * i] = 1 - p->a * (x * x) + y;
        out[2 * i + 1] = p->b * x;
    }
    lacus_status st = lacus__check_finite(err, "henon_map: series", out, n_steps, 2, 2);
    if (st != LACUS_OK) lacus__prefix(err, "the map diverged (|a| too large or x0 outside "
                                           "the basin)");
    return st;
}

/* ------------------------------------------------------------------------ */
/* NARMA                                                                    */
/* ------------------------------------------------------------------------ */

lacus_narma_params lacus_narma_params_default(void)
{
    lacus_narma_params p = {30, 0.2, 0.04, 1.5, 0.001, NULL, 0, NULL, 5555};
    return p;
}

lacus_status lacus_narma(int64_t n_steps, const lacus_narma_params *p, double *u_out, double *y,
                         lacus_error *err)
{
    const char *fn = "narma";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    if (!y) return lacus__fail(err, LACUS_ERR_ARG, "%s: y is NULL", fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    if (p->order < 1 || p->order > INT64_MAX / 2 - n_steps)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: order = %lld: must be >= 1", fn,
                           (long long)p->order);
    LACUS__TRY(lacus__check_param(err, fn, "a1", p->a1));
    LACUS__TRY(lacus__check_param(err, fn, "a2", p->a2));
    LACUS__TRY(lacus__check_param(err, fn, "b", p->b));
    LACUS__TRY(lacus__check_param(err, fn, "c", p->c));
    int64_t order = p->order, total = n_steps + order;
    if (p->x0) {
        if (p->n_x0 < 0 || p->n_x0 > total)
            return lacus__fail(err, LACUS_ERR_SHAPE,
                               "%s: n_x0 = %lld: must be in [0, n_steps + order = %lld]", fn,
                               (long long)p->n_x0, (long long)total);
        LACUS__TRY(lacus__check_finite(err, "narma: x0", p->x0, p->n_x0, 1, 1));
    }
    if (p->u) LACUS__TRY(lacus__check_finite(err, "narma: u", p->u, total, 1, 1));

    /* The full y (with its `order` leading values) and u, when drawn. */
    double *yy = LACUS__ZNEW(double, total);
    double *uu = p->u ? NULL : LACUS__NEW(double, total);
    if (!yy || (!p->u && !uu)) {
        lacus__free(yy);
        lacus__free(uu);
        return lacus__fail(err, LACUS_ERR_NOMEM, "%s: cannot allocate %lld steps", fn,
                           (long long)total);
    }
    const double *u = p->u;
    if (!u) {
        lacus__np_pcg64 g;
        lacus__np_pcg64_seed(&g, p->seed);
        for (int64_t i = 0; i < total; i++) uu[i] = lacus__np_uniform(&g, 0.0, 0.5);
        u = uu;
    }
    if (p->x0)
        memcpy(yy, p->x0, (size_t)p->n_x0 * sizeof *yy);

    for (int64_t t = order; t < total - 1; t++) {
        /* np.sum(y[t - order : t]): NumPy's pairwise sum, to stay bit-exact. */
        double s = lacus__np_pairwise_sum(yy + t - order, order);
        yy[t + 1] = p->a1 * yy[t] + p->a2 * yy[t] * s + p->b * u[t - order] * u[t] + p->c;
    }
    memcpy(y, yy + order, (size_t)n_steps * sizeof *y);
    if (u_out) memcpy(u_out, u, (size_t)total * sizeof *u_out);
    lacus__free(yy);
    lacus__free(uu);
    return lacus__check_finite(err, "narma: y (the system diverged)", y, n_steps, 1, 1);
}
