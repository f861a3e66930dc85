/* Lorenz-96 (E. N. Lorenz, "Predictability: a problem partly solved", Proc.
 * Seminar on Predictability, ECMWF, 1996), as reservoirpy.datasets.lorenz96
 * (0.4.2) computes it:
 *   dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F,  indices mod N,
 * integrated with RK45 like scipy's solve_ivp (ode.c). ReservoirPy sets
 * t_max = (warmup + n) h and then samples at linspace(0, t_max * h, n),
 * keeping rows warmup .. n-1; we do the same (docs/datasets.md). */
#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "core/alloc.h"
#include "data/check.h"
#include "data/ode.h"

lacus_lorenz96_params lacus_lorenz96_params_default(void)
{
    lacus_lorenz96_params p;
    memset(&p, 0, sizeof p);
    p.N = 36;
    p.F = 8.0;
    p.dF = 0.01;
    p.h = 0.01;
    p.warmup = 0;
    p.x0 = NULL;
    p.ode.rtol = 1e-3;
    p.ode.atol = 1e-6;
    p.ode.max_step = INFINITY;
    p.ode.first_step = 0.0;
    return p;
}

typedef struct {
    int n;
    double F;
} l96_ctx;

static void lorenz96_rhs(double t, const double *s, double *d, const void *ctx)
{
    (void)t;
    const l96_ctx *c = ctx;
    int n = c->n;
    /* ReservoirPy: ds[i] = (s[(i + 1) % N] - s[i - 2]) * s[i - 1] - s[i] + F */
    for (int i = 0; i < n; i++)
        d[i] = (s[(i + 1) % n] - s[(i - 2 + n) % n]) * s[(i - 1 + n) % n] - s[i] + c->F;
}

lacus_status lacus_lorenz96(int64_t n_steps, const lacus_lorenz96_params *p, double *out,
                            lacus_error *err)
{
    const char *fn = "lorenz96";
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "%s: params is NULL", fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    if (p->N < 4 || p->N > LACUS__ODE_MAX_VARS)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: N = %lld: must be >= 4 and <= %d", fn,
                           (long long)p->N, LACUS__ODE_MAX_VARS);
    LACUS__TRY(lacus__check_param(err, fn, "F", p->F));
    LACUS__TRY(lacus__check_positive(err, fn, "h", p->h));
    if (p->warmup < 0 || p->warmup >= n_steps)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: warmup = %lld: must be >= 0 and < n_steps = %lld", fn,
                           (long long)p->warmup, (long long)n_steps);
    double x0[LACUS__ODE_MAX_VARS];
    int n = (int)p->N;
    if (p->x0) {
        for (int i = 0; i < n; i++) {
            if (!isfinite(p->x0[i]))
                return lacus__fail(err, LACUS_ERR_ARG,
                                   "%s: x0[%d] = %g: must be a finite number", fn, i, p->x0[i]);
            x0[i] = p->x0[i];
        }
    } else {
        LACUS__TRY(lacus__check_param(err, fn, "dF", p->dF));
        for (int i = 0; i < n; i++) x0[i] = p->F * 1.0;
        x0[0] = p->F + p->dF;
    }
    const lacus_ode_options *o = &p->ode;
    if (!(o->rtol > 0) || !isfinite(o->rtol))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: ode.rtol = %g: must be finite and > 0", fn,
                           o->rtol);
    if (!(o->atol >= 0) || !isfinite(o->atol))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: ode.atol = %g: must be finite and >= 0", fn,
                           o->atol);
    if (!(o->max_step > 0))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: ode.max_step = %g: must be > 0 (INFINITY for no limit)", fn,
                           o->max_step);
    if (!(o->first_step >= 0) || !isfinite(o->first_step))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: ode.first_step = %g: must be 0 (automatic) or finite and > 0",
                           fn, o->first_step);
    /* ReservoirPy: t_max = (warmup + n_timesteps) * h; t_span = (0, t_max * h). */
    double t_max = (double)(p->warmup + n_steps) * p->h;
    double t_end = t_max * p->h;
    if (!isfinite(t_end))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: (warmup + n_steps) * h * h = %g: must be "
                           "finite", fn, t_end);
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", fn);
    double *all = out;
    if (p->warmup > 0) {
        if (n_steps > INT64_MAX / n)
            return lacus__fail(err, LACUS_ERR_ARG, "%s: n_steps = %lld: too large", fn,
                               (long long)n_steps);
        all = LACUS__NEW(double, n_steps * n);
        if (!all)
            return lacus__fail(err, LACUS_ERR_NOMEM, "%s: cannot allocate %lld x %d samples",
                               fn, (long long)n_steps, n);
    }
    l96_ctx c = {n, p->F};
    lacus_status st = lacus__rk45_sample(lorenz96_rhs, &c, n, x0, t_end, n_steps, o->rtol,
                                         o->atol, o->max_step, o->first_step, all, err);
    if (st != LACUS_OK) lacus__prefix(err, "%s", fn);
    if (all != out) {
        if (st == LACUS_OK)
            memcpy(out, all + p->warmup * n, (size_t)((n_steps - p->warmup) * n) * sizeof(double));
        lacus__free(all);
    }
    return st;
}
