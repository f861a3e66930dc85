/* Banded data with known per-target band shares (lacus_simulate_banded):
 * the test bed of the banded solvers, where the right answer (which
 * feature space drives which target) is known. */
#include <math.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"

lacus_status lacus_simulate_banded(int64_t n, const int64_t *bs, int64_t nb, int64_t t, double conc,
                                   double snr, uint64_t seed, double *X, double *Y, double *weights,
                                   lacus_error *err)
{
    if (!bs || !X || !Y) return lacus__fail(err, LACUS_ERR_ARG, "simulate banded: NULL argument");
    if (n < 3 || t < 1 || nb < 1 || nb > 64 || n > 100000000 || t > 100000000)
        return lacus__fail(err, LACUS_ERR_ARG, "simulate banded: %lld samples, %lld bands, %lld targets",
                           (long long)n, (long long)nb, (long long)t);
    int64_t p = 0;
    for (int64_t i = 0; i < nb; i++) {
        if (bs[i] < 1 || bs[i] > 1000000)
            return lacus__fail(err, LACUS_ERR_ARG, "simulate banded: band %lld has %lld features",
                               (long long)i, (long long)bs[i]);
        p += bs[i];
    }
    if (!(conc > 0.0 && conc <= 1e6) || !(snr > 0.0 && snr <= 1e6))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "simulate banded: concentration = %g, snr = %g: must be in (0, 1e6]", conc, snr);
    double *B = LACUS__NEW(double, p * t), *W = LACUS__NEW(double, nb * t);
    if (!B || !W) {
        lacus__free(B);
        lacus__free(W);
        return lacus__fail(err, LACUS_ERR_NOMEM, "simulate banded: %lld x %lld weights", (long long)p, (long long)t);
    }
    lacus__rng r;
    lacus__rng_stream(&r, seed, LACUS__STREAM_DATA, 11);
    for (int64_t k = 0; k < n * p; k++) X[k] = lacus__rng_normal(&r);
    for (int64_t j = 0; j < t; j++) {
        double s = 0.0;
        for (int64_t i = 0; i < nb; i++) s += (W[i * t + j] = lacus__gamma_draw(&r, conc) + 1e-300);
        for (int64_t i = 0; i < nb; i++) W[i * t + j] /= s;
    }
    /* b_ij scaled so that band i's part of target j has variance snr w_ij. */
    for (int64_t i = 0, c0 = 0; i < nb; c0 += bs[i], i++)
        for (int64_t f = 0; f < bs[i]; f++)
            for (int64_t j = 0; j < t; j++)
                B[(c0 + f) * t + j] = lacus__rng_normal(&r) * sqrt(snr * W[i * t + j] / (double)bs[i]);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)t, (int)p, 1.0, X, (int)p, B, (int)t,
                0.0, Y, (int)t);
    for (int64_t k = 0; k < n * t; k++) Y[k] += lacus__rng_normal(&r);
    for (int64_t j = 0; j < t; j++) {
        double m = 0.0, v = 0.0;
        for (int64_t i = 0; i < n; i++) m += Y[i * t + j];
        m /= (double)n;
        for (int64_t i = 0; i < n; i++) v += (Y[i * t + j] - m) * (Y[i * t + j] - m);
        double sd = sqrt(v / (double)n);
        for (int64_t i = 0; i < n; i++) Y[i * t + j] = (Y[i * t + j] - m) / sd;
    }
    if (weights) memcpy(weights, W, (size_t)(nb * t) * sizeof(double));
    lacus__free(B);
    lacus__free(W);
    return LACUS_OK;
}
