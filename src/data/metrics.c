/* Regression metrics of reservoirpy.observables (0.4.2), over (n_steps,
 * n_outputs) row-major arrays, pooled or per column (dimensionwise):
 *
 *   mse     = mean (y - yhat)^2           rmse = sqrt(mse)
 *   mae     = mean |y - yhat|
 *   nrmse   = rmse / lambda(y), lambda: max - min | var | mean | Q3 - Q1
 *   rsquare = 1 - sum (y - yhat)^2 / sum (y - mean y)^2
 *   pearson = cov(y, yhat) / sqrt(var y var yhat)   (numpy.corrcoef)
 *
 * Quantiles are NumPy's default "linear" method (Hyndman & Fan 1996,
 * definition 7): for sorted v of length n, position (n - 1) q, linear
 * interpolation between the neighbours.
 *
 * Where ReservoirPy divides by zero and returns inf or nan with a NumPy
 * warning, we return LACUS_ERR_NUMERIC and say which column: a silent nan
 * in a results table is worse than an error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "data/check.h"

/* Which values a "column" pools: one column j (stride n_outputs), or all of
 * them (contiguous, stride 1). */
typedef struct span {
    int64_t off, count, stride;
} span;

static span span_of(int64_t n_steps, int64_t n_outputs, int dimensionwise, int64_t j)
{
    span s;
    if (dimensionwise) {
        s.off = j;
        s.count = n_steps;
        s.stride = n_outputs;
    } else {
        s.off = 0;
        s.count = n_steps * n_outputs;
        s.stride = 1;
    }
    return s;
}

static lacus_status check_pair(const char *fn, const double *y_true, const double *y_pred,
                               int64_t n_steps, int64_t n_outputs, double *out, lacus_error *err)
{
    if (!y_true || !y_pred || !out)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: y_true, y_pred and out must not be NULL",
                           fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    if (n_outputs < 1 || n_outputs > INT64_MAX / n_steps)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: n_outputs = %lld: must be >= 1", fn,
                           (long long)n_outputs);
    lacus_status st = lacus__check_finite(err, "y_true", y_true, n_steps, n_outputs, n_outputs);
    if (st == LACUS_OK)
        st = lacus__check_finite(err, "y_pred", y_pred, n_steps, n_outputs, n_outputs);
    if (st != LACUS_OK) lacus__prefix(err, "%s", fn);
    return st;
}

enum err_kind { SQUARED, ABSOLUTE };

/* mean of (y_true - y_pred)^2 or |y_true - y_pred| over a span. */
static double mean_error(const double *a, const double *b, span s, enum err_kind k)
{
    double acc = 0.0;
    for (int64_t i = 0; i < s.count; i++) {
        double d = a[s.off + i * s.stride] - b[s.off + i * s.stride];
        acc += k == SQUARED ? d * d : fabs(d);
    }
    return acc / (double)s.count;
}

static double mean_of(const double *a, span s)
{
    double acc = 0.0;
    for (int64_t i = 0; i < s.count; i++) acc += a[s.off + i * s.stride];
    return acc / (double)s.count;
}

static lacus_status mean_metric(const char *fn, const double *y_true, const double *y_pred,
                                int64_t n_steps, int64_t n_outputs, int dimensionwise,
                                double *out, enum err_kind k, int root, lacus_error *err)
{
    LACUS__TRY(check_pair(fn, y_true, y_pred, n_steps, n_outputs, out, err));
    int64_t n_out = dimensionwise ? n_outputs : 1;
    for (int64_t j = 0; j < n_out; j++) {
        double m = mean_error(y_true, y_pred, span_of(n_steps, n_outputs, dimensionwise, j), k);
        out[j] = root ? sqrt(m) : m;
    }
    return LACUS_OK;
}

lacus_status lacus_mse(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, int dimensionwise, double *out, lacus_error *err)
{
    return mean_metric("mse", y_true, y_pred, n_steps, n_outputs, dimensionwise, out, SQUARED, 0,
                       err);
}

lacus_status lacus_rmse(const double *y_true, const double *y_pred, int64_t n_steps,
                        int64_t n_outputs, int dimensionwise, double *out, lacus_error *err)
{
    return mean_metric("rmse", y_true, y_pred, n_steps, n_outputs, dimensionwise, out, SQUARED,
                       1, err);
}

lacus_status lacus_mae(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, int dimensionwise, double *out, lacus_error *err)
{
    return mean_metric("mae", y_true, y_pred, n_steps, n_outputs, dimensionwise, out, ABSOLUTE,
                       0, err);
}

static const char *column_name(int dimensionwise, int64_t j, char *buf, size_t size)
{
    if (dimensionwise)
        snprintf(buf, size, "column %lld", (long long)j);
    else
        snprintf(buf, size, "all columns");
    return buf;
}

lacus_status lacus_rsquare(const double *y_true, const double *y_pred, int64_t n_steps,
                           int64_t n_outputs, int dimensionwise, double *out, lacus_error *err)
{
    LACUS__TRY(check_pair("rsquare", y_true, y_pred, n_steps, n_outputs, out, err));
    int64_t n_out = dimensionwise ? n_outputs : 1;
    for (int64_t j = 0; j < n_out; j++) {
        span s = span_of(n_steps, n_outputs, dimensionwise, j);
        double mean = mean_of(y_true, s), num = 0.0, den = 0.0;
        for (int64_t i = 0; i < s.count; i++) {
            double t = y_true[s.off + i * s.stride], p = y_pred[s.off + i * s.stride];
            num += (t - p) * (t - p);
            den += (t - mean) * (t - mean);
        }
        if (den == 0) {
            char c[48];
            return lacus__fail(err, LACUS_ERR_NUMERIC,
                               "rsquare: y_true is constant (%s): R^2 is undefined",
                               column_name(dimensionwise, j, c, sizeof c));
        }
        out[j] = 1 - num / den;
    }
    return LACUS_OK;
}

lacus_status lacus_pearson(const double *y_true, const double *y_pred, int64_t n_steps,
                           int64_t n_outputs, int dimensionwise, double *out, lacus_error *err)
{
    LACUS__TRY(check_pair("pearson", y_true, y_pred, n_steps, n_outputs, out, err));
    int64_t n_out = dimensionwise ? n_outputs : 1;
    for (int64_t j = 0; j < n_out; j++) {
        span s = span_of(n_steps, n_outputs, dimensionwise, j);
        double mt = mean_of(y_true, s), mp = mean_of(y_pred, s);
        double sxy = 0.0, sxx = 0.0, syy = 0.0;
        for (int64_t i = 0; i < s.count; i++) {
            double dt = y_true[s.off + i * s.stride] - mt, dp = y_pred[s.off + i * s.stride] - mp;
            sxy += dt * dp;
            sxx += dt * dt;
            syy += dp * dp;
        }
        if (sxx == 0 || syy == 0) {
            char c[48];
            return lacus__fail(err, LACUS_ERR_NUMERIC,
                               "pearson: %s is constant (%s): the correlation is undefined",
                               sxx == 0 ? "y_true" : "y_pred",
                               column_name(dimensionwise, j, c, sizeof c));
        }
        double r = sxy / sqrt(sxx * syy);
        /* As numpy.corrcoef, clip rounding excursions beyond [-1, 1]. */
        out[j] = r > 1 ? 1 : (r < -1 ? -1 : r);
    }
    return LACUS_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* NumPy's linear quantile of sorted v (n values) at q. */
static double quantile_sorted(const double *v, int64_t n, double q)
{
    double pos = (double)(n - 1) * q;
    double lo_i = floor(pos);
    int64_t lo = (int64_t)lo_i, hi = lo + 1 < n ? lo + 1 : n - 1;
    double g = pos - lo_i, a = v[lo], b = v[hi], diff = b - a;
    /* numpy's _lerp: the form that is exact at the end nearer to g. */
    return g >= 0.5 ? b - diff * (1 - g) : a + diff * g;
}

lacus_status lacus_nrmse_norm_parse(const char *name, lacus_nrmse_norm *out, lacus_error *err)
{
    static const char *names[] = {"minmax", "var", "mean", "q1q3"};
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "nrmse norm: out is NULL");
    for (int k = 0; name && k < 4; k++)
        if (strcmp(name, names[k]) == 0) {
            *out = (lacus_nrmse_norm)k;
            return LACUS_OK;
        }
    return lacus__fail(err, LACUS_ERR_ARG,
                       "nrmse norm \"%s\": unknown; available: minmax, var, mean, q1q3",
                       name ? name : "(null)");
}

const char *lacus_nrmse_norm_name(lacus_nrmse_norm norm)
{
    switch (norm) {
    case LACUS_NRMSE_MINMAX: return "minmax";
    case LACUS_NRMSE_VAR: return "var";
    case LACUS_NRMSE_MEAN: return "mean";
    case LACUS_NRMSE_Q1Q3: return "q1q3";
    }
    return NULL;
}

lacus_status lacus_nrmse(const double *y_true, const double *y_pred, int64_t n_steps,
                         int64_t n_outputs, lacus_nrmse_norm norm, int dimensionwise,
                         double *out, lacus_error *err)
{
    const char *name = lacus_nrmse_norm_name(norm);
    if (!name)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "nrmse: norm = %d: must be LACUS_NRMSE_MINMAX, _VAR, _MEAN or _Q1Q3",
                           (int)norm);
    LACUS__TRY(check_pair("nrmse", y_true, y_pred, n_steps, n_outputs, out, err));
    int64_t n_out = dimensionwise ? n_outputs : 1;
    double *sorted = NULL;
    if (norm == LACUS_NRMSE_Q1Q3) {
        sorted = LACUS__NEW(double, dimensionwise ? n_steps : n_steps * n_outputs);
        if (!sorted)
            return lacus__fail(err, LACUS_ERR_NOMEM, "nrmse: cannot allocate the q1q3 workspace");
    }
    lacus_status st = LACUS_OK;
    for (int64_t j = 0; j < n_out; j++) {
        span s = span_of(n_steps, n_outputs, dimensionwise, j);
        double lambda;
        switch (norm) {
        case LACUS_NRMSE_MINMAX: {
            double lo = y_true[s.off], hi = lo;
            for (int64_t i = 1; i < s.count; i++) {
                double v = y_true[s.off + i * s.stride];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            lambda = hi - lo;
            break;
        }
        case LACUS_NRMSE_VAR: {
            double m = mean_of(y_true, s), acc = 0.0;
            for (int64_t i = 0; i < s.count; i++) {
                double d = y_true[s.off + i * s.stride] - m;
                acc += d * d;
            }
            lambda = acc / (double)s.count;
            break;
        }
        case LACUS_NRMSE_MEAN: lambda = mean_of(y_true, s); break;
        default: /* q1q3 */
            for (int64_t i = 0; i < s.count; i++) sorted[i] = y_true[s.off + i * s.stride];
            qsort(sorted, (size_t)s.count, sizeof *sorted, cmp_double);
            lambda = quantile_sorted(sorted, s.count, 0.75) - quantile_sorted(sorted, s.count, 0.25);
            break;
        }
        if (lambda == 0) {
            char c[48];
            st = lacus__fail(err, LACUS_ERR_NUMERIC,
                             "nrmse: the \"%s\" normaliser of y_true is 0 (%s): use another "
                             "norm or nrmse_value",
                             name, column_name(dimensionwise, j, c, sizeof c));
            break;
        }
        out[j] = sqrt(mean_error(y_true, y_pred, s, SQUARED)) / lambda;
    }
    lacus__free(sorted);
    return st;
}

lacus_status lacus_nrmse_value(const double *y_true, const double *y_pred, int64_t n_steps,
                               int64_t n_outputs, double norm_value, int dimensionwise,
                               double *out, lacus_error *err)
{
    if (!isfinite(norm_value) || norm_value == 0)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "nrmse_value: norm_value = %g: must be finite and non-zero",
                           norm_value);
    LACUS__TRY(lacus_rmse(y_true, y_pred, n_steps, n_outputs, dimensionwise, out, err));
    int64_t n_out = dimensionwise ? n_outputs : 1;
    for (int64_t j = 0; j < n_out; j++) out[j] /= norm_value;
    return LACUS_OK;
}

lacus_status lacus_vpt(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, double threshold, const double *sigma,
                       int64_t *steps, double *e, lacus_error *err)
{
    if (!y_true || !y_pred || !steps || n_steps < 1 || n_outputs < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "vpt: n_steps = %lld, n_outputs = %lld or a NULL buffer",
                           (long long)n_steps, (long long)n_outputs);
    if (!(threshold > 0) || !isfinite(threshold))
        return lacus__fail(err, LACUS_ERR_ARG, "vpt: threshold = %g: must be finite and > 0", threshold);
    lacus_status st;
    if ((st = lacus__check_finite(err, "y_true", y_true, n_steps, n_outputs, n_outputs)) ||
        (st = lacus__check_finite(err, "y_pred", y_pred, n_steps, n_outputs, n_outputs)))
        return st;
    double *s = lacus__malloc((size_t)n_outputs * sizeof(double));
    if (!s) return lacus__fail(err, LACUS_ERR_NOMEM, "vpt: out of memory");
    for (int64_t i = 0; i < n_outputs; i++) {
        if (sigma) {
            s[i] = sigma[i];
        } else {
            double m = 0, v = 0;
            for (int64_t t = 0; t < n_steps; t++) m += y_true[t * n_outputs + i];
            m /= (double)n_steps;
            for (int64_t t = 0; t < n_steps; t++) {
                double d = y_true[t * n_outputs + i] - m;
                v += d * d;
            }
            s[i] = sqrt(v / (double)n_steps);
        }
        if (!(s[i] > 0) || !isfinite(s[i])) {
            lacus__free(s);
            return lacus__fail(err, LACUS_ERR_NUMERIC,
                               "vpt: the scale of output %lld is %g (a constant truth?): pass sigma",
                               (long long)i, sigma ? sigma[i] : 0.0);
        }
    }
    *steps = n_steps;
    for (int64_t t = 0; t < n_steps; t++) {
        double acc = 0;
        for (int64_t i = 0; i < n_outputs; i++) {
            double d = (y_pred[t * n_outputs + i] - y_true[t * n_outputs + i]) / s[i];
            acc += d * d;
        }
        double et = sqrt(acc / (double)n_outputs);
        if (e) e[t] = et;
        if (et >= threshold && *steps == n_steps) *steps = t;
    }
    lacus__free(s);
    return LACUS_OK;
}
