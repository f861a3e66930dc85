/* Power-law ("1/f^beta") noise for the MEG simulator: resting MEG has a
 * spectrum falling roughly as 1/f (beta about 1 to 2), so white noise
 * understates the slow drifts that word-locked epochs must survive.
 *
 * Spectral synthesis after Timmer & Koenig (1995, A&A 300:707): each
 * Fourier coefficient at frequency f > 0 gets independent Gaussian real
 * and imaginary parts with standard deviation f^(-beta/2), the mean (f = 0)
 * is 0, and an inverse real FFT gives the series. A series made that way is
 * periodic; to avoid that we synthesise twice the length and keep the first
 * half. The result is scaled to zero mean and unit variance. The FFT is
 * FFTW's (libfftw3-dev, as the Kuramoto-Sivashinsky generator); builds
 * without it answer LACUS_ERR_UNSUPPORTED. */
#include <math.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"

#ifdef LACUS_HAVE_FFTW3
#include <fftw3.h>
#endif

int lacus_noise_powerlaw_available(void)
{
#ifdef LACUS_HAVE_FFTW3
    return 1;
#else
    return 0;
#endif
}

lacus_status lacus__powerlaw_fill(int64_t n, double beta, lacus__rng *r, double *out,
                                  lacus_error *err)
{
#ifndef LACUS_HAVE_FFTW3
    (void)n;
    (void)beta;
    (void)r;
    (void)out;
    return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                       "power-law noise: this build of lacus has no FFT library (FFTW3 was not "
                       "found at configure time; install libfftw3-dev and rebuild)");
#else
    const int64_t N = 2 * n, nh = N / 2 + 1;
    double *x = fftw_malloc(sizeof(double) * (size_t)N);
    fftw_complex *c = fftw_malloc(sizeof(fftw_complex) * (size_t)nh);
    if (!x || !c) {
        fftw_free(x);
        fftw_free(c);
        return lacus__fail(err, LACUS_ERR_NOMEM, "power-law noise: %lld samples", (long long)n);
    }
    fftw_plan plan = NULL;
    /* FFTW's planner is not thread-safe. */
#pragma omp critical(lacus_fftw_plan)
    plan = fftw_plan_dft_c2r_1d((int)N, c, x, FFTW_ESTIMATE);
    if (!plan) {
        fftw_free(x);
        fftw_free(c);
        return lacus__fail(err, LACUS_ERR_NOMEM, "power-law noise: no FFTW plan of size %lld", (long long)N);
    }
    c[0][0] = c[0][1] = 0.0;
    for (int64_t k = 1; k < nh; k++) {
        double amp = pow((double)k / (double)N, -0.5 * beta);
        c[k][0] = amp * lacus__rng_normal(r);
        /* The Nyquist coefficient of an even-length real series is real. */
        c[k][1] = k == N / 2 ? 0.0 : amp * lacus__rng_normal(r);
    }
    fftw_execute(plan);
#pragma omp critical(lacus_fftw_plan)
    fftw_destroy_plan(plan);
    double m = 0.0, v = 0.0;
    for (int64_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (int64_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    double sd = sqrt(v / (double)n);
    for (int64_t i = 0; i < n; i++) out[i] = sd > 0.0 ? (x[i] - m) / sd : 0.0;
    fftw_free(x);
    fftw_free(c);
    return LACUS_OK;
#endif
}

lacus_status lacus_noise_powerlaw(int64_t n, double exponent, uint64_t seed, double *out,
                                  lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "power-law noise: out is NULL");
    if (n < 2 || n > ((int64_t)1 << 30))
        return lacus__fail(err, LACUS_ERR_ARG, "power-law noise: %lld samples: need 2 .. 2^30",
                           (long long)n);
    if (!(exponent >= 0.0 && exponent <= 4.0))
        return lacus__fail(err, LACUS_ERR_ARG,
                           "power-law noise: exponent = %g: must be in [0, 4] (0 white, 1 pink, 2 brown)",
                           exponent);
    lacus__rng r;
    lacus__rng_stream(&r, seed, LACUS__STREAM_NOISE, 0);
    return lacus__powerlaw_fill(n, exponent, &r, out, err);
}
