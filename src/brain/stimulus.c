/* The stimulus side of an encoding model: word-time features resampled to
 * the scanner's clock (Lanczos, as the HuthLab deep-fMRI-dataset code),
 * FIR delays or HRF convolution (nilearn's SPM and Glover HRFs), per-run
 * z-scoring and run-edge trimming; MEG word-locked epochs. Written here:
 * no maintained C library in Debian does these fMRI-specific steps. */
#include <math.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"

/* Run lengths default to one run of n; otherwise they must sum to n. */
static lacus_status check_runs(const int64_t *runs, int64_t n_runs, int64_t n, lacus_error *err)
{
    if (!runs) return LACUS_OK;
    if (n_runs < 1) return lacus__fail(err, LACUS_ERR_ARG, "n_runs = %lld: must be >= 1", (long long)n_runs);
    int64_t s = 0;
    for (int64_t r = 0; r < n_runs; r++) {
        if (runs[r] < 1)
            return lacus__fail(err, LACUS_ERR_ARG, "run %lld has length %lld: must be >= 1",
                               (long long)r, (long long)runs[r]);
        s += runs[r];
    }
    if (s != n)
        return lacus__fail(err, LACUS_ERR_SHAPE,
                           "the run lengths sum to %lld but the data have %lld rows",
                           (long long)s, (long long)n);
    return LACUS_OK;
}

static inline double lanczos(double t, double f, int a)
{
    double x = t * f;
    if (x == 0.0) return 1.0;
    if (fabs(x) > a) return 0.0;
    double px = M_PI * x;
    return (double)a * sin(px) * sin(px / a) / (px * px);
}

lacus_status lacus_lanczos_resample(const double *x, const double *wt, int64_t nw, int64_t p,
                                    const double *tr_times, int64_t n_tr, double cutoff, int lobes,
                                    double *out, lacus_error *err)
{
    if (!x || !wt || !tr_times || !out) return lacus__fail(err, LACUS_ERR_ARG, "lanczos: NULL array");
    if (nw < 1 || p < 1 || n_tr < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "lanczos: %lld words, %lld features, %lld TRs",
                           (long long)nw, (long long)p, (long long)n_tr);
    if (!(cutoff > 0.0) || !isfinite(cutoff))
        return lacus__fail(err, LACUS_ERR_ARG, "cutoff = %g: must be finite and > 0", cutoff);
    if (lobes < 1 || lobes > 100)
        return lacus__fail(err, LACUS_ERR_ARG, "lobes = %d: must be in [1, 100]", lobes);
    lacus_status st = lacus__check_finite(err, "word times", wt, nw, 1, 1);
    if (!st) st = lacus__check_finite(err, "TR times", tr_times, n_tr, 1, 1);
    if (!st) st = lacus__check_finite(err, "word features", x, nw, p, p);
    if (st) return st;
#pragma omp parallel for schedule(static)
    for (int64_t k = 0; k < n_tr; k++) {
        double *o = out + k * p;
        memset(o, 0, (size_t)p * sizeof(double));
        for (int64_t w = 0; w < nw; w++) {
            double l = lanczos(tr_times[k] - wt[w], cutoff, lobes);
            if (l == 0.0) continue;
            for (int64_t c = 0; c < p; c++) o[c] += l * x[w * p + c];
        }
    }
    return LACUS_OK;
}

lacus_status lacus_fir_delays(const double *x, int64_t n, int64_t p, const int64_t *runs,
                              int64_t n_runs, const int64_t *delays, int64_t nd, double *out,
                              lacus_error *err)
{
    if (!x || !out || !delays) return lacus__fail(err, LACUS_ERR_ARG, "fir: NULL array");
    if (n < 1 || p < 1 || nd < 1 || nd > 1000)
        return lacus__fail(err, LACUS_ERR_ARG, "fir: %lld rows, %lld features, %lld delays",
                           (long long)n, (long long)p, (long long)nd);
    lacus_status st = check_runs(runs, n_runs, n, err);
    if (st) return st;
    int64_t one = n, nr = runs ? n_runs : 1;
    const int64_t *rl = runs ? runs : &one;
    for (int64_t d = 0; d < nd; d++)
        if (delays[d] <= -n || delays[d] >= n)
            return lacus__fail(err, LACUS_ERR_ARG, "delays[%lld] = %lld: must be in (-%lld, %lld)",
                               (long long)d, (long long)delays[d], (long long)n, (long long)n);
    const int64_t w = p * nd;
    for (int64_t r = 0, r0 = 0; r < nr; r0 += rl[r], r++)
        for (int64_t i = 0; i < rl[r]; i++)
            for (int64_t d = 0; d < nd; d++) {
                int64_t src = i - delays[d];
                double *o = out + (r0 + i) * w + d * p;
                if (src < 0 || src >= rl[r]) memset(o, 0, (size_t)p * sizeof(double));
                else memcpy(o, x + (r0 + src) * p, (size_t)p * sizeof(double));
            }
    return LACUS_OK;
}

/* Gamma(shape, loc, scale) density, as scipy.stats.gamma.pdf. */
static double gamma_pdf(double t, double shape, double loc, double scale)
{
    double x = (t - loc) / scale;
    if (x < 0.0) return 0.0;
    if (x == 0.0) return shape == 1.0 ? 1.0 / scale : (shape < 1.0 ? INFINITY : 0.0);
    return exp((shape - 1.0) * log(x) - x - lgamma(shape)) / scale;
}

lacus_status lacus_hrf(lacus_hrf_kind kind, double dt, double length, double *out, int64_t n_out,
                       lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "hrf: NULL output");
    if (!(dt > 0.0) || !isfinite(dt) || !(length > dt) || !isfinite(length) || length / dt > 1e7)
        return lacus__fail(err, LACUS_ERR_ARG, "hrf: dt = %g, length = %g: need 0 < dt < length",
                           dt, length);
    int64_t n = (int64_t)llround(length / dt);
    if (n_out != n)
        return lacus__fail(err, LACUS_ERR_SHAPE, "hrf: %lld values expected (length/dt), got room "
                           "for %lld", (long long)n, (long long)n_out);
    double delay = 6, under = 16, disp = 1, udisp = 1, ratio = 0.167;
    if (kind == LACUS_HRF_GLOVER) {
        under = 12;
        disp = udisp = 0.9;
        ratio = 0.35;
    } else if (kind != LACUS_HRF_SPM) {
        return lacus__fail(err, LACUS_ERR_ARG, "hrf kind %d: unknown", (int)kind);
    }
    /* nilearn _gamma_difference_hrf: np.linspace(0, length, n) (so the
     * spacing is length/(n-1), not dt), both gammas shifted by loc = dt. */
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double t = n > 1 ? length * (double)i / (double)(n - 1) : 0.0;
        out[i] = gamma_pdf(t, delay / disp, dt, disp) - ratio * gamma_pdf(t, under / udisp, dt, udisp);
        s += out[i];
    }
    for (int64_t i = 0; i < n; i++) out[i] /= s;
    return LACUS_OK;
}

lacus_status lacus_hrf_convolve(const double *x, int64_t n, int64_t p, const int64_t *runs,
                                int64_t n_runs, const double *h, int64_t nh, double *out,
                                lacus_error *err)
{
    if (!x || !h || !out) return lacus__fail(err, LACUS_ERR_ARG, "hrf convolve: NULL array");
    if (n < 1 || p < 1 || nh < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "hrf convolve: %lld rows, %lld features, %lld taps",
                           (long long)n, (long long)p, (long long)nh);
    lacus_status st = check_runs(runs, n_runs, n, err);
    if (st) return st;
    int64_t one = n, nr = runs ? n_runs : 1;
    const int64_t *rl = runs ? runs : &one;
    for (int64_t r = 0, r0 = 0; r < nr; r0 += rl[r], r++)
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < rl[r]; i++) {
            double *o = out + (r0 + i) * p;
            memset(o, 0, (size_t)p * sizeof(double));
            for (int64_t k = 0; k < nh && k <= i; k++) {
                const double *xs = x + (r0 + i - k) * p;
                for (int64_t c = 0; c < p; c++) o[c] += h[k] * xs[c];
            }
        }
    return LACUS_OK;
}

lacus_status lacus_zscore_runs(double *x, int64_t n, int64_t p, const int64_t *runs,
                               int64_t n_runs, int allow_constant, lacus_error *err)
{
    if (!x) return lacus__fail(err, LACUS_ERR_ARG, "zscore: NULL array");
    if (n < 2 || p < 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "zscore: %lld rows x %lld columns: need >= 2 rows",
                           (long long)n, (long long)p);
    lacus_status st = check_runs(runs, n_runs, n, err);
    if (!st) st = lacus__check_finite(err, "data", x, n, p, p);
    if (st) return st;
    int64_t one = n, nr = runs ? n_runs : 1;
    const int64_t *rl = runs ? runs : &one;
    for (int64_t r = 0, r0 = 0; r < nr; r0 += rl[r], r++) {
        for (int64_t c = 0; c < p; c++) {
            double m = 0.0, v = 0.0;
            for (int64_t i = r0; i < r0 + rl[r]; i++) m += x[i * p + c];
            m /= (double)rl[r];
            for (int64_t i = r0; i < r0 + rl[r]; i++) v += (x[i * p + c] - m) * (x[i * p + c] - m);
            double sd = sqrt(v / (double)rl[r]);
            /* "Constant" relative to the column's scale, so round-off in a
             * constant column does not pass for variance. */
            if (!(sd > 1e-12 * fmax(1.0, fabs(m)))) {
                if (!allow_constant)
                    return lacus__fail(err, LACUS_ERR_NUMERIC,
                                       "column %lld is constant (zero variance) in run %lld",
                                       (long long)c, (long long)r);
                for (int64_t i = r0; i < r0 + rl[r]; i++) x[i * p + c] = 0.0;
                continue;
            }
            for (int64_t i = r0; i < r0 + rl[r]; i++) x[i * p + c] = (x[i * p + c] - m) / sd;
        }
    }
    return LACUS_OK;
}

lacus_status lacus_trim_runs(double *x, int64_t n, int64_t p, int64_t *runs, int64_t n_runs,
                             int64_t t0, int64_t t1, int64_t *n_out, lacus_error *err)
{
    if (!x || !runs || !n_out) return lacus__fail(err, LACUS_ERR_ARG, "trim: NULL array");
    lacus_status st = check_runs(runs, n_runs, n, err);
    if (st) return st;
    if (t0 < 0 || t1 < 0) return lacus__fail(err, LACUS_ERR_ARG, "trim: negative trim");
    for (int64_t r = 0; r < n_runs; r++)
        if (runs[r] - t0 - t1 < 2)
            return lacus__fail(err, LACUS_ERR_ARG,
                               "trimming %lld + %lld TRs leaves run %lld (%lld TRs) with fewer "
                               "than 2", (long long)t0, (long long)t1, (long long)r,
                               (long long)runs[r]);
    int64_t w = 0;
    for (int64_t r = 0, r0 = 0; r < n_runs; r0 += runs[r], r++) {
        int64_t keep = runs[r] - t0 - t1;
        memmove(x + w * p, x + (r0 + t0) * p, (size_t)(keep * p) * sizeof(double));
        w += keep;
    }
    for (int64_t r = 0; r < n_runs; r++) runs[r] -= t0 + t1;
    *n_out = w;
    return LACUS_OK;
}

lacus_status lacus_meg_epochs(const double *data, int64_t nt, int64_t ns, double sfreq,
                              const double *onsets, int64_t nw, double tmin, double tmax,
                              double *out, int64_t n_lags, lacus_error *err)
{
    if (!data || !onsets || !out) return lacus__fail(err, LACUS_ERR_ARG, "epochs: NULL array");
    if (!(sfreq > 0.0) || !isfinite(sfreq) || !(tmax > tmin) || !isfinite(tmin) || !isfinite(tmax))
        return lacus__fail(err, LACUS_ERR_ARG, "epochs: sfreq = %g, tmin = %g, tmax = %g", sfreq,
                           tmin, tmax);
    int64_t l0 = (int64_t)llround(tmin * sfreq), l1 = (int64_t)llround(tmax * sfreq);
    if (n_lags != l1 - l0 + 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "epochs: %lld lags expected, got %lld",
                           (long long)(l1 - l0 + 1), (long long)n_lags);
    int64_t nb = 0; /* baseline lags: tmin .. min(0, tmax) */
    for (int64_t l = l0; l <= l1 && l <= 0; l++) nb++;
    for (int64_t w = 0; w < nw; w++) {
        if (!isfinite(onsets[w]))
            return lacus__fail(err, LACUS_ERR_ARG, "onset of word %lld is not finite", (long long)w);
        int64_t c = (int64_t)llround(onsets[w] * sfreq);
        if (c + l0 < 0 || c + l1 >= nt)
            return lacus__fail(err, LACUS_ERR_ARG,
                               "word %lld at %g s: its epoch [%g, %g] s falls outside the "
                               "recording (0 to %g s)", (long long)w, onsets[w], onsets[w] + tmin,
                               onsets[w] + tmax, (double)(nt - 1) / sfreq);
        for (int64_t s = 0; s < ns; s++) {
            double *o = out + (w * ns + s) * n_lags, base = 0.0;
            for (int64_t l = 0; l < n_lags; l++) o[l] = data[(c + l0 + l) * ns + s];
            for (int64_t l = 0; l < nb; l++) base += o[l];
            if (nb) base /= (double)nb;
            for (int64_t l = 0; l < n_lags; l++) o[l] -= base;
        }
    }
    return lacus__check_finite(err, "MEG data in the epochs", out, nw * ns, n_lags, n_lags);
}
