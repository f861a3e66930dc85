/* An explicit Runge-Kutta 5(4) integrator that reproduces SciPy's
 * solve_ivp(method="RK45", t_eval=...) step for step, so that lacus's
 * continuous-time datasets equal ReservoirPy's (which call solve_ivp with
 * its defaults). See ode.c for the method. */
#ifndef LACUS_DATA_ODE_H
#define LACUS_DATA_ODE_H

#include "lacus.h"

/* dy/dt = f(t, y); writes n values into dydt. */
typedef void (*lacus__ode_fn)(double t, const double *y, double *dydt, const void *ctx);

#define LACUS__ODE_MAX_VARS 64

/* Integrates from t = 0 to t_end and samples the solution at
 * t_i = i * (t_end / (n_samples - 1)), i < n_samples - 1, and t_end (NumPy's
 * linspace), with the step's dense-output polynomial, exactly as solve_ivp
 * does with t_eval. out is (n_samples, n_vars).
 * rtol > 0, atol >= 0, max_step > 0 (INFINITY: unbounded), first_step 0
 * (automatic, SciPy's select_initial_step) or > 0.
 * Fails with LACUS_ERR_NOT_CONVERGED when the step size underflows (SciPy's
 * "Required step size is less than spacing between numbers") and with
 * LACUS_ERR_NUMERIC when the solution leaves the finite numbers. */
lacus_status lacus__rk45_sample(lacus__ode_fn f, const void *ctx, int n_vars, const double *y0,
                                double t_end, int64_t n_samples, double rtol, double atol,
                                double max_step, double first_step, double *out,
                                lacus_error *err);

#endif
