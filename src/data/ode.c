/* Dormand-Prince 5(4) with SciPy's step-size control and dense output.
 *
 * Method (Dormand & Prince 1980, "A family of embedded Runge-Kutta
 * formulae", J. Comput. Appl. Math. 6(1):19-26): six stages k_1..k_6,
 *   y_{n+1} = y_n + h sum_i b_i k_i                     (5th order, FSAL)
 *   err     = h sum_i e_i k_i, i = 1..7 (k_7 = f(t+h, y_{n+1}))
 * The step is accepted when the RMS norm of err / (atol + rtol max(|y_n|,
 * |y_{n+1}|)) is below 1; the next step is h * min(10, 0.9 norm^(-1/5))
 * (at most 1 after a rejection), a rejected one h * max(0.2, 0.9 norm^(-1/5)).
 * The first step is chosen as in Hairer, Norsett & Wanner, "Solving ODEs I",
 * Sec. II.4. Between steps the solution is a quartic polynomial
 * (Shampine 1986, "Some practical Runge-Kutta formulas", Math. Comp.
 * 46(173):135-150), y(t_old + x h) = y_old + h sum_j Q_j x^(j+1), Q = K^T P.
 *
 * This follows scipy/integrate/_ivp/rk.py and common.py (SciPy 1.17)
 * operation by operation, including how t_eval points are assigned to steps
 * (all points in (t_old, t], the first one at t = 0), because the datasets
 * are chaotic: any difference in rounding grows exponentially with time.
 * The small products that SciPy writes as np.dot go through OpenBLAS, whose
 * summation order is part of the result; we reproduce the orders that
 * NumPy 2.4's bundled OpenBLAS 0.3.31 uses with its Haswell (AVX2) kernels,
 * found by comparing bit patterns on random inputs:
 *   - K[:s]^T a (dgemv_n): columns taken 4 at a time as
 *     acc += (k0 a0 + k1 a1); acc += (k2 a2 + k3 a3), then one by one, no FMA;
 *   - Q = K^T P (dgemm): one fused multiply-add chain over the 7 stages;
 *   - Q p for a single sample in a step (dgemv_t): (q0 p0 + q2 p2) +
 *     (q1 p1 + q3 p3); for several samples (dgemm): an FMA chain.
 * On other CPUs NumPy's OpenBLAS picks other kernels and ReservoirPy's own
 * numbers change in the last bits; docs/datasets.md gives the consequences. */
#include "data/ode.h"

/* Clang contracts a*b + c into fma by default, GCC in ISO C mode does not;
 * both must round every operation as NumPy does. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <math.h>
#include <string.h>

#include "core/error.h"

enum { N_STAGES = 6 };

static const double C[N_STAGES] = {0.0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1.0};
static const double A[N_STAGES][5] = {
    {0, 0, 0, 0, 0},
    {1.0 / 5, 0, 0, 0, 0},
    {3.0 / 40, 9.0 / 40, 0, 0, 0},
    {44.0 / 45, -56.0 / 15, 32.0 / 9, 0, 0},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729, 0},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656}};
static const double B[N_STAGES] = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784,
                                   11.0 / 84};
static const double E[N_STAGES + 1] = {-71.0 / 57600, 0, 71.0 / 16695, -71.0 / 1920,
                                       17253.0 / 339200, -22.0 / 525, 1.0 / 40};
static const double P[N_STAGES + 1][4] = {
    {1, -8048581381.0 / 2820520608, 8663915743.0 / 2820520608, -12715105075.0 / 11282082432},
    {0, 0, 0, 0},
    {0, 131558114200.0 / 32700410799, -68118460800.0 / 10900136933,
     87487479700.0 / 32700410799},
    {0, -1754552775.0 / 470086768, 14199869525.0 / 1410260304, -10690763975.0 / 1880347072},
    {0, 127303824393.0 / 49829197408, -318862633887.0 / 49829197408,
     701980252875.0 / 199316789632},
    {0, -282668133.0 / 205662961, 2019193451.0 / 616988883, -1453857185.0 / 822651844},
    {0, 40617522.0 / 29380423, -110615467.0 / 29380423, 69997945.0 / 29380423}};

#define SAFETY 0.9
#define MIN_FACTOR 0.2
#define MAX_FACTOR 10.0
#define ERROR_EXPONENT (-1.0 / 5.0) /* -1 / (error estimator order 4 + 1) */

/* RMS norm, as SciPy's common.norm: ||x||_2 / sqrt(n). */
static double rms(const double *x, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i] * x[i];
    return sqrt(s) / pow((double)n, 0.5);
}

/* SciPy's select_initial_step for an estimator of order 4, forward in time. */
static double initial_step(lacus__ode_fn f, const void *ctx, int n, const double *y0,
                           const double *f0, double t_bound, double max_step, double rtol,
                           double atol)
{
    double interval = fabs(t_bound);
    if (interval == 0.0) return 0.0;
    double tmp[LACUS__ODE_MAX_VARS], y1[LACUS__ODE_MAX_VARS], f1[LACUS__ODE_MAX_VARS];
    double scale[LACUS__ODE_MAX_VARS];
    for (int i = 0; i < n; i++) scale[i] = atol + fabs(y0[i]) * rtol;
    for (int i = 0; i < n; i++) tmp[i] = y0[i] / scale[i];
    double d0 = rms(tmp, n);
    for (int i = 0; i < n; i++) tmp[i] = f0[i] / scale[i];
    double d1 = rms(tmp, n);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    if (interval < h0) h0 = interval;
    for (int i = 0; i < n; i++) y1[i] = y0[i] + h0 * 1.0 * f0[i];
    f(0.0 + h0 * 1.0, y1, f1, ctx);
    for (int i = 0; i < n; i++) tmp[i] = (f1[i] - f0[i]) / scale[i];
    double d2 = rms(tmp, n) / h0;
    double h1;
    if (d1 <= 1e-15 && d2 <= 1e-15)
        h1 = fmax(1e-6, h0 * 1e-3);
    else
        h1 = pow(0.01 / fmax(d1, d2), 1.0 / 5.0);
    double h = 100 * h0;
    if (h1 < h) h = h1;
    if (interval < h) h = interval;
    if (max_step < h) h = max_step;
    return h;
}

/* sum_{j<s} K[j][i] c[j] in OpenBLAS dgemv_n's order (see the top). */
static double stage_dot(double K[][LACUS__ODE_MAX_VARS], const double *c, int s, int i)
{
    double acc = 0.0;
    int j = 0;
    for (; j + 4 <= s; j += 4) {
        acc += K[j][i] * c[j] + K[j + 1][i] * c[j + 1];
        acc += K[j + 2][i] * c[j + 2] + K[j + 3][i] * c[j + 3];
    }
    for (; j < s; j++) acc += K[j][i] * c[j];
    return acc;
}

/* NumPy's linspace(0, t_end, n)[i]. */
static double linspace_at(double t_end, int64_t n, int64_t i)
{
    if (n == 1) return 0.0;
    if (i == n - 1) return t_end;
    double step = t_end / (double)(n - 1);
    return (double)i * step + 0.0;
}

lacus_status lacus__rk45_sample(lacus__ode_fn f, const void *ctx, int n, const double *y0,
                                double t_end, int64_t n_samples, double rtol, double atol,
                                double max_step, double first_step, double *out,
                                lacus_error *err)
{
    if (n < 1 || n > LACUS__ODE_MAX_VARS)
        return lacus__fail(err, LACUS_ERR_ARG, "ODE dimension %d: must be in [1, %d]", n,
                           LACUS__ODE_MAX_VARS);
    double y[LACUS__ODE_MAX_VARS], y_new[LACUS__ODE_MAX_VARS], fy[LACUS__ODE_MAX_VARS];
    double ytmp[LACUS__ODE_MAX_VARS], errv[LACUS__ODE_MAX_VARS];
    double K[N_STAGES + 1][LACUS__ODE_MAX_VARS];
    double Q[LACUS__ODE_MAX_VARS][4];

    memcpy(y, y0, (size_t)n * sizeof *y);
    double t = 0.0, t_bound = t_end;
    int64_t i_eval = 0;

    /* solve_ivp with t_span (0, 0) finishes at once; ReservoirPy never asks
     * for it (t_end = n_steps * h > 0), but keep the sample well defined. */
    if (t_bound == 0.0) {
        for (int64_t s = 0; s < n_samples; s++) memcpy(out + s * n, y, (size_t)n * sizeof *y);
        return LACUS_OK;
    }

    f(t, y, fy, ctx);
    double h_abs = first_step > 0 ? first_step
                                  : initial_step(f, ctx, n, y, fy, t_bound, max_step, rtol, atol);

    while (t < t_bound) {
        double min_step = 10 * fabs(nextafter(t, INFINITY) - t);
        if (h_abs > max_step)
            h_abs = max_step;
        else if (h_abs < min_step)
            h_abs = min_step;

        int rejected = 0;
        double h, t_new;
        for (;;) {
            if (h_abs < min_step)
                return lacus__fail(err, LACUS_ERR_NOT_CONVERGED,
                                   "ODE integration failed at t = %g: the required step size "
                                   "is less than the spacing between numbers (rtol = %g, "
                                   "atol = %g)",
                                   t, rtol, atol);
            h = h_abs;
            t_new = t + h;
            if (t_new - t_bound > 0) t_new = t_bound;
            h = t_new - t;
            h_abs = fabs(h);

            /* Stages: K[s] = f(t + c_s h, y + h sum_{j<s} a_sj K[j]). */
            memcpy(K[0], fy, (size_t)n * sizeof *fy);
            for (int s = 1; s < N_STAGES; s++) {
                for (int i = 0; i < n; i++) ytmp[i] = y[i] + stage_dot(K, A[s], s, i) * h;
                f(t + C[s] * h, ytmp, K[s], ctx);
            }
            for (int i = 0; i < n; i++) y_new[i] = y[i] + h * stage_dot(K, B, N_STAGES, i);
            f(t + h, y_new, K[N_STAGES], ctx);

            for (int i = 0; i < n; i++) {
                double e = stage_dot(K, E, N_STAGES + 1, i);
                double scale = atol + fmax(fabs(y[i]), fabs(y_new[i])) * rtol;
                errv[i] = e * h / scale;
            }
            double error_norm = rms(errv, n);

            if (error_norm < 1) {
                double factor = error_norm == 0
                                    ? MAX_FACTOR
                                    : fmin(MAX_FACTOR, SAFETY * pow(error_norm, ERROR_EXPONENT));
                if (rejected && factor > 1) factor = 1;
                h_abs *= factor;
                break;
            }
            /* A NaN error norm compares false above and shrinks the step
             * (Python's max(0.2, nan) is 0.2, as fmax here), until it fails. */
            h_abs *= fmax(MIN_FACTOR, SAFETY * pow(error_norm, ERROR_EXPONENT));
            rejected = 1;
        }

        double t_old = t;
        t = t_new;

        /* Sample every t_eval point in (t_old, t] (and t = 0 on the first
         * step) with this step's interpolant. */
        int64_t i_end = i_eval;
        while (i_end < n_samples && linspace_at(t_end, n_samples, i_end) <= t) i_end++;
        if (i_end > i_eval) {
            for (int i = 0; i < n; i++)
                for (int k = 0; k < 4; k++) {
                    double q = 0.0;
                    for (int j = 0; j <= N_STAGES; j++) q = fma(K[j][i], P[j][k], q);
                    Q[i][k] = q;
                }
        }
        int single = i_end - i_eval == 1;
        for (; i_eval < i_end; i_eval++) {
            double hs = t - t_old;
            double x = (linspace_at(t_end, n_samples, i_eval) - t_old) / hs;
            double p[4];
            p[0] = x;
            for (int k = 1; k < 4; k++) p[k] = p[k - 1] * x;
            double *row = out + i_eval * n;
            for (int i = 0; i < n; i++) {
                const double *q = Q[i];
                double acc;
                if (single) {
                    acc = (q[0] * p[0] + q[2] * p[2]) + (q[1] * p[1] + q[3] * p[3]);
                } else {
                    acc = 0.0;
                    for (int k = 0; k < 4; k++) acc = fma(q[k], p[k], acc);
                }
                row[i] = hs * acc + y[i];
            }
        }

        memcpy(y, y_new, (size_t)n * sizeof *y);
        memcpy(fy, K[N_STAGES], (size_t)n * sizeof *fy);
        for (int i = 0; i < n; i++)
            if (!isfinite(y[i]))
                return lacus__fail(err, LACUS_ERR_NUMERIC,
                                   "ODE solution is not finite at t = %g (variable %d): the "
                                   "parameters make the system diverge",
                                   t, i);
    }
    return LACUS_OK;
}
