/* Non-chaotic dataset helpers of reservoirpy.datasets (0.4.2): multiple
 * superimposed oscillators and the forecasting split.
 *
 * MSO (H. Jaeger, ESN seminar slides, 2004; 8 frequencies: B. Roeschies &
 * C. Igel, "Structure optimization of reservoir networks", Logic J. IGPL
 * 18(5):635-669, 2010):
 *   y[t] = sum_i sin(f_i t),  t = 0, 1, ..., optionally rescaled to [-1, 1]
 *   by (2 y - min y - max y) / (max y - min y). */
#include <math.h>

/* Clang contracts a*b + c into fma by default, GCC in ISO C mode does not;
 * both must round every operation as NumPy does. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif
#include <string.h>

#include "data/check.h"

lacus_status lacus_mso(int64_t n_steps, const double *freqs, int64_t n_freqs, int normalize,
                       double *out, lacus_error *err)
{
    const char *fn = "mso";
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "%s: out is NULL", fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    if (n_freqs < 1 || !freqs)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: n_freqs = %lld: need at least one frequency",
                           fn, (long long)n_freqs);
    for (int64_t k = 0; k < n_freqs; k++)
        if (!isfinite(freqs[k]))
            return lacus__fail(err, LACUS_ERR_ARG, "%s: freqs[%lld] = %g: must be finite", fn,
                               (long long)k, freqs[k]);

    /* Frequencies in the outer loop: NumPy adds them one array at a time,
     * starting from 0, and the order of additions fixes the rounding. */
    for (int64_t t = 0; t < n_steps; t++) out[t] = 0.0;
    for (int64_t k = 0; k < n_freqs; k++)
        for (int64_t t = 0; t < n_steps; t++) out[t] += sin(freqs[k] * (double)t);
    if (!normalize) return LACUS_OK;

    double lo = out[0], hi = out[0];
    for (int64_t t = 1; t < n_steps; t++) {
        if (out[t] < lo) lo = out[t];
        if (out[t] > hi) hi = out[t];
    }
    if (!(hi > lo))
        return lacus__fail(err, LACUS_ERR_NUMERIC,
                           "%s: cannot normalize a constant series (max = min = %g; n_steps = "
                           "%lld): use normalize = 0 or more steps",
                           fn, hi, (long long)n_steps);
    for (int64_t t = 0; t < n_steps; t++) out[t] = (2 * out[t] - lo - hi) / (hi - lo);
    return LACUS_OK;
}

lacus_status lacus_mso2(int64_t n_steps, int normalize, double *out, lacus_error *err)
{
    static const double f[2] = {0.2, 0.311};
    return lacus_mso(n_steps, f, 2, normalize, out, err);
}

lacus_status lacus_mso8(int64_t n_steps, int normalize, double *out, lacus_error *err)
{
    static const double f[8] = {0.2, 0.311, 0.42, 0.51, 0.63, 0.74, 0.85, 0.97};
    return lacus_mso(n_steps, f, 8, normalize, out, err);
}

lacus_status lacus_to_forecasting(const double *series, int64_t n_steps, int64_t n_dims,
                                  int64_t forecast, int64_t test_len, double *X_train,
                                  double *Y_train, double *X_test, double *Y_test,
                                  lacus_error *err)
{
    const char *fn = "to_forecasting";
    if (!series || !X_train || !Y_train)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: series, X_train and Y_train must not be NULL",
                           fn);
    LACUS__TRY(lacus__check_steps(err, fn, n_steps));
    if (n_dims < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: n_dims = %lld: must be >= 1", fn,
                           (long long)n_dims);
    /* forecast = 0 would make ReservoirPy's series[:-0] empty: refuse it. */
    if (forecast < 1 || forecast >= n_steps)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: forecast = %lld: must be in [1, n_steps - 1 "
                           "= %lld]", fn, (long long)forecast, (long long)(n_steps - 1));
    if (test_len < 0 || test_len > n_steps - forecast - 1)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "%s: test_len = %lld: must be in [0, n_steps - forecast - 1 = %lld] "
                           "so that at least one training step remains",
                           fn, (long long)test_len, (long long)(n_steps - forecast - 1));
    if (test_len > 0 && (!X_test || !Y_test))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: test_len = %lld but X_test or Y_test is NULL",
                           fn, (long long)test_len);

    int64_t n_train = n_steps - forecast - test_len;
    size_t row = (size_t)n_dims * sizeof(double);
    memmove(X_train, series, (size_t)n_train * row);
    memmove(Y_train, series + forecast * n_dims, (size_t)n_train * row);
    if (test_len > 0) {
        memmove(X_test, series + n_train * n_dims, (size_t)test_len * row);
        memmove(Y_test, series + (n_train + forecast) * n_dims, (size_t)test_len * row);
    }
    return LACUS_OK;
}

lacus_status lacus_test_len_from_ratio(int64_t n_steps, double ratio, int64_t *test_len,
                                       lacus_error *err)
{
    if (!test_len) return lacus__fail(err, LACUS_ERR_ARG, "test_len_from_ratio: out is NULL");
    if (n_steps < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "test_len_from_ratio: n_steps = %lld: must be >= 0",
                           (long long)n_steps);
    if (!(ratio >= 0 && ratio < 1))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "test_len_from_ratio: ratio = %g: must be in [0, 1)", ratio);
    /* Python's round(): nearest, ties to even, which is C's nearbyint in
     * the default rounding mode. */
    *test_len = (int64_t)nearbyint((double)n_steps * ratio);
    return LACUS_OK;
}
