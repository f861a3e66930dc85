/* Emergence thresholds of skill curves, their bootstrap intervals over
 * seeds, and the curve figures (lacus/sweep.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/plot.h"
#include "core/rng.h"

/* Size at which y crosses level going up between grid points i-1 and i,
 * linear in log x. */
static double cross(const double *x, const double *y, int64_t i, double level)
{
    double a = log(x[i - 1]), b = log(x[i]), f = (level - y[i - 1]) / (y[i] - y[i - 1]);
    return exp(a + f * (b - a));
}

double lacus_emergence_threshold(const double *x, const double *y, int64_t nx, double level)
{
    if (!x || !y || nx < 1) return NAN;
    if (y[0] >= level) return x[0];
    for (int64_t i = 1; i < nx; i++)
        if (y[i] >= level) return cross(x, y, i, level);
    return INFINITY;
}

double lacus_emergence_width(const double *x, const double *y, int64_t nx)
{
    if (!x || !y || nx < 2) return NAN;
    double lo = y[0], hi = y[0];
    for (int64_t i = 1; i < nx; i++) hi = fmax(hi, y[i]);
    if (!(hi > lo)) return NAN;
    double *z = malloc((size_t)nx * sizeof *z);
    if (!z) return NAN;
    for (int64_t i = 0; i < nx; i++) z[i] = (y[i] - lo) / (hi - lo);
    double a = lacus_emergence_threshold(x, z, nx, 0.1), b = lacus_emergence_threshold(x, z, nx, 0.9);
    free(z);
    return log10(b / a);
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Percentile q in [0, 1] of sorted s (n), linear between order statistics;
 * +INFINITY propagates. */
static double percentile(const double *s, int64_t n, double q)
{
    double h = q * (double)(n - 1);
    int64_t i = (int64_t)floor(h);
    if (i >= n - 1) return s[n - 1];
    if (isinf(s[i + 1])) return h == (double)i ? s[i] : INFINITY;
    return s[i] + (h - (double)i) * (s[i + 1] - s[i]);
}

lacus_status lacus_emergence_fit(const double *x, int64_t nx, const double *y, int64_t n_seeds, double level,
                                 int64_t n_boot, double conf, uint64_t seed, lacus_emergence *out, lacus_error *err)
{
    lacus__clear(err);
    if (!x || !y || !out) return lacus__fail(err, LACUS_ERR_ARG, "emergence: x, y and out are required");
    if (nx < 2 || n_seeds < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "emergence: need >= 2 sizes and >= 1 seed (got %lld, %lld)",
                           (long long)nx, (long long)n_seeds);
    if (n_boot < 1 || n_boot > 10000000)
        return lacus__fail(err, LACUS_ERR_ARG, "emergence: n_boot = %lld must be in [1, 1e7]", (long long)n_boot);
    if (!(conf > 0 && conf < 1)) return lacus__fail(err, LACUS_ERR_ARG, "emergence: conf = %g must be in (0, 1)", conf);
    if (!isfinite(level)) return lacus__fail(err, LACUS_ERR_ARG, "emergence: level = %g must be finite", level);
    for (int64_t i = 0; i < nx; i++) {
        if (!(x[i] > 0) || !isfinite(x[i]) || (i && !(x[i] > x[i - 1])))
            return lacus__fail(err, LACUS_ERR_ARG, "emergence: sizes must be positive, finite and increasing (x[%lld] = %g)",
                               (long long)i, x[i]);
    }
    for (int64_t k = 0; k < n_seeds * nx; k++)
        if (!isfinite(y[k]))
            return lacus__fail(err, LACUS_ERR_ARG, "emergence: y[seed %lld, size %lld] = %g is not finite",
                               (long long)(k / nx), (long long)(k % nx), y[k]);
    double *mean = LACUS__NEW(double, nx), *bt = LACUS__NEW(double, n_boot);
    if (!mean || !bt) {
        lacus__free(mean), lacus__free(bt);
        return lacus__fail(err, LACUS_ERR_NOMEM, "emergence: out of memory (n_boot = %lld)", (long long)n_boot);
    }
    for (int64_t i = 0; i < nx; i++) {
        double s = 0;
        for (int64_t r = 0; r < n_seeds; r++) s += y[r * nx + i];
        mean[i] = s / (double)n_seeds;
    }
    out->threshold = lacus_emergence_threshold(x, mean, nx, level);
    out->width = lacus_emergence_width(x, mean, nx);
    lacus__rng rng;
    lacus__rng_seed(&rng, seed);
    int64_t reached = 0;
    /* Residuals are inflated by sqrt(n / (n - 1)) so that a resampled mean
     * has the unbiased variance s^2 / n, not (n - 1) / n of it (Davison &
     * Hinkley 1997, 3.3): with 3 seeds the plain bootstrap's intervals are
     * 18 % too narrow. */
    double *mu0 = LACUS__NEW(double, nx);
    if (!mu0) {
        lacus__free(mean), lacus__free(bt);
        return lacus__fail(err, LACUS_ERR_NOMEM, "emergence: out of memory");
    }
    memcpy(mu0, mean, (size_t)nx * sizeof *mu0);
    const double infl = n_seeds > 1 ? sqrt((double)n_seeds / (double)(n_seeds - 1)) : 1.0;
    for (int64_t b = 0; b < n_boot; b++) {
        for (int64_t i = 0; i < nx; i++) {
            double s = 0;
            for (int64_t r = 0; r < n_seeds; r++) s += y[(int64_t)lacus__rng_below(&rng, (uint64_t)n_seeds) * nx + i];
            mean[i] = mu0[i] + infl * (s / (double)n_seeds - mu0[i]);
        }
        bt[b] = lacus_emergence_threshold(x, mean, nx, level);
        reached += isfinite(bt[b]);
    }
    qsort(bt, (size_t)n_boot, sizeof *bt, cmp_double);
    out->lo = percentile(bt, n_boot, (1 - conf) / 2);
    out->hi = percentile(bt, n_boot, (1 + conf) / 2);
    out->reached = (double)reached / (double)n_boot;
    lacus__free(mean), lacus__free(bt), lacus__free(mu0);
    return LACUS_OK;
}

lacus_status lacus_emergence_plot(const char *png_path, const char *title, const double *x, int64_t nx,
                                  const double *y, int64_t n_skills, int64_t n_data, int64_t n_seeds,
                                  const char *const *skill_titles, const char *const *data_labels,
                                  const char *xlabel, const char *ylabel, double level, lacus_error *err)
{
    return lacus_emergence_plot_base(png_path, title, x, nx, y, n_skills, n_data, n_seeds, skill_titles, data_labels,
                                     xlabel, ylabel, level, NULL, 0, NULL, err);
}

lacus_status lacus_emergence_plot_base(const char *png_path, const char *title, const double *x, int64_t nx,
                                       const double *y, int64_t n_skills, int64_t n_data, int64_t n_seeds,
                                       const char *const *skill_titles, const char *const *data_labels,
                                       const char *xlabel, const char *ylabel, double level, const double *base,
                                       int64_t n_base, const char *const *base_labels, lacus_error *err)
{
    lacus__clear(err);
    if (!png_path || !x || !y || nx < 1 || n_skills < 1 || n_data < 1 || n_seeds < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "emergence plot: need a path, sizes and at least one curve");
    int cols = n_skills < 3 ? (int)n_skills : 3, rows = (int)((n_skills + cols - 1) / cols);
    lacus__plot *p = NULL;
    lacus_status s = lacus__plot_open(&p, png_path, 480 * cols, 380 * rows, rows, cols, title, err);
    if (s) return s;
    double *mu = LACUS__NEW(double, nx), *sd = LACUS__NEW(double, nx), *lv = LACUS__NEW(double, nx);
    if (!mu || !sd || !lv) {
        lacus__plot_free(p);
        lacus__free(mu), lacus__free(sd), lacus__free(lv);
        return lacus__fail(err, LACUS_ERR_NOMEM, "emergence plot: out of memory");
    }
    for (int64_t k = 0; k < n_skills && !s; k++) {
        s = lacus__plot_panel(p, skill_titles ? skill_titles[k] : NULL, xlabel, ylabel);
        if (s) break;
        lacus__plot_log(p, 1, 0);
        lacus__plot_xrange(p, x[0] / 1.25, x[nx - 1] * 1.25);
        /* With a criterion the metric is an accuracy: show all of [0, 1]. */
        if (isfinite(level)) lacus__plot_yrange(p, 0, 1.02);
        for (int64_t d = 0; d < n_data && !s; d++) {
            const double *c = y + (k * n_data + d) * n_seeds * nx;
            for (int64_t i = 0; i < nx; i++) {
                double m = 0, v = 0;
                for (int64_t r = 0; r < n_seeds; r++) m += c[r * nx + i];
                m /= (double)n_seeds;
                for (int64_t r = 0; r < n_seeds; r++) v += (c[r * nx + i] - m) * (c[r * nx + i] - m);
                mu[i] = m, sd[i] = n_seeds > 1 ? sqrt(v / (double)(n_seeds - 1)) : 0;
            }
            s = lacus__plot_series(p, LACUS__PLOT_ERRORBARS, x, mu, sd, nx, data_labels ? data_labels[d] : NULL);
        }
        if (!s && isfinite(level)) {
            for (int64_t i = 0; i < nx; i++) lv[i] = level;
            s = lacus__plot_series(p, LACUS__PLOT_LINES, x, lv, NULL, nx, "criterion");
        }
        /* Baselines that do not depend on N: flat lines across the panel. */
        for (int64_t j = 0; j < n_base && base && !s; j++) {
            double b = base[k * n_base + j];
            if (!isfinite(b)) continue;
            for (int64_t i = 0; i < nx; i++) lv[i] = b;
            s = lacus__plot_series(p, LACUS__PLOT_LINES, x, lv, NULL, nx, base_labels ? base_labels[j] : NULL);
        }
    }
    lacus__free(mu), lacus__free(sd), lacus__free(lv);
    if (s) {
        lacus__plot_free(p);
        return lacus__fail(err, s, "emergence plot: cannot add a series to %s", png_path);
    }
    return lacus__plot_close(p, err);
}
