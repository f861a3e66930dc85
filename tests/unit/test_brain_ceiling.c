/* Cross-subject noise ceilings (against a NumPy reference and on simulated
 * subjects with a known ceiling) and power-law MEG noise (the fitted
 * log-log slope of its spectrum on long series). */
#include <string.h>

#include "fixture.h"
#include "test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Standard normal by Box-Muller on a
 * splitmix64 stream (the test's own, independent of lacus's RNG). */
static uint64_t sm_state = 12345;
static double unif(void)
{
    uint64_t z = (sm_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void)
{
    return sqrt(-2.0 * log(unif())) * cos(2.0 * M_PI * unif());
}

/* Welch spectrum (Hann window, segments of L, half overlap) by a direct
 * DFT, then the least-squares slope of log power on log frequency over
 * bins [k0, k1]. */
static double spectral_slope(const double *x, int64_t n, int L, int k0, int k1)
{
    double *pw = calloc((size_t)L / 2 + 1, sizeof(double)), *seg = malloc((size_t)L * sizeof(double));
    double *cs = malloc((size_t)L * sizeof(double)), *sn = malloc((size_t)L * sizeof(double));
    for (int i = 0; i < L; i++) {
        cs[i] = cos(2.0 * M_PI * i / L);
        sn[i] = sin(2.0 * M_PI * i / L);
    }
    for (int64_t s = 0; s + L <= n; s += L / 2) {
        for (int i = 0; i < L; i++) seg[i] = x[s + i] * (0.5 - 0.5 * cos(2.0 * M_PI * i / L));
        for (int k = k0; k <= k1; k++) {
            double re = 0.0, im = 0.0;
            for (int i = 0; i < L; i++) {
                re += seg[i] * cs[(int64_t)k * i % L];
                im -= seg[i] * sn[(int64_t)k * i % L];
            }
            pw[k] += re * re + im * im;
        }
    }
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = k1 - k0 + 1;
    for (int k = k0; k <= k1; k++) {
        double a = log((double)k), b = log(pw[k]);
        sx += a;
        sy += b;
        sxx += a * a;
        sxy += a * b;
    }
    free(pw);
    free(seg);
    free(cs);
    free(sn);
    return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

int main(void)
{
    TEST("cross-subject ceiling: NumPy reference")
    {
        lacus_npz *z = fx_open("brain2/ceiling.npz");
        lacus_ndarray D = fx_get(z, "data"), L = fx_get(z, "loo_r"), C = fx_get(z, "ceiling");
        int64_t m = D.shape[0], n = D.shape[1], t = D.shape[2];
        double *loo = calloc((size_t)(m * t), sizeof(double)), *ce = calloc((size_t)t, sizeof(double));
        lacus_error err = {0};
        CHECK_STATUS(lacus_cross_subject_ceiling(D.data, m, n, t, loo, ce, &err), LACUS_OK);
        double dl = test_max_rel_diff(loo, L.data, (long)(m * t), 1.0), dc = test_max_rel_diff(ce, C.data, (long)t, 1.0);
        printf("ceiling vs NumPy: loo r %.2e, ceiling %.2e\n", dl, dc);
        CHECK(dl < 1e-12);
        CHECK(dc < 1e-12);
        CHECK(ce[6] == 0.0); /* the target without shared signal */
        free(loo);
        free(ce);
        lacus_ndarray_free(&D);
        lacus_ndarray_free(&L);
        lacus_ndarray_free(&C);
        lacus_npz_close(z);
    }

    TEST("cross-subject ceiling: simulated subjects with a known ceiling")
    {
        /* Subject s, target j: sqrt(S_j) shared_j + unit noise, so the
         * ideal model's r is r*_j = sqrt(S_j / (1 + S_j)). */
        const int64_t m = 6, n = 400, t = 2000;
        double *data = malloc((size_t)(m * n * t) * sizeof(double)), *S = malloc((size_t)t * sizeof(double));
        double *sh = malloc((size_t)(n * t) * sizeof(double)), *ce = malloc((size_t)t * sizeof(double));
        double *loo = malloc((size_t)(m * t) * sizeof(double));
        for (int64_t j = 0; j < t; j++) S[j] = exp(log(0.05) + (log(5.0) - log(0.05)) * unif());
        for (int64_t k = 0; k < n * t; k++) sh[k] = gauss();
        for (int64_t s = 0; s < m; s++)
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < t; j++) data[(s * n + i) * t + j] = sqrt(S[j]) * sh[i * t + j] + gauss();
        lacus_error err = {0};
        CHECK_STATUS(lacus_cross_subject_ceiling(data, m, n, t, loo, ce, &err), LACUS_OK);
        double bias = 0.0, b2 = 0.0, naive = 0.0;
        for (int64_t j = 0; j < t; j++) {
            double rs = sqrt(S[j] / (1.0 + S[j])), d = ce[j] - rs, mr = 0.0;
            for (int64_t s = 0; s < m; s++) mr += loo[s * t + j] / (double)m;
            bias += d;
            b2 += d * d;
            naive += mr - rs;
        }
        bias /= (double)t;
        double sd = sqrt(b2 / (double)t - bias * bias), se = sd / sqrt((double)t);
        naive /= (double)t;
        printf("ceiling - r*: mean %.4f (SE %.4f), SD %.4f; uncorrected leave-one-out r - r*: %.4f\n", bias, se,
               sd, naive);
        /* Unbiased to within 3 SE plus the O(1/n) bias of a ratio of
         * sample correlations (1/n = 0.0025); the per-target spread is that
         * of a correlation over n samples (about 1/sqrt(n) = 0.05); the
         * uncorrected r falls clearly short. */
        CHECK(fabs(bias) < 3.0 * se + 1.0 / (double)n);
        CHECK(sd < 1.0 / sqrt((double)n));
        CHECK(naive < -0.03);
        /* Two subjects: the split-half case, ceiling = sqrt(r). */
        double c2[1], l2[2];
        double two[2 * 5 * 1] = {1, 2, 3, 4, 6, 1.5, 1.9, 3.3, 3.8, 5.5};
        CHECK_STATUS(lacus_cross_subject_ceiling(two, 2, 5, 1, l2, c2, &err), LACUS_OK);
        CHECK_CLOSE(c2[0], sqrt(l2[0]), 1e-15);
        CHECK_CLOSE(l2[0], l2[1], 1e-15);
        free(data);
        free(S);
        free(sh);
        free(ce);
        free(loo);
    }

    TEST("cross-subject ceiling: bad input")
    {
        double d[3 * 4 * 2] = {0};
        for (int i = 0; i < 24; i++) d[i] = sin(i);
        lacus_error err = {0};
        double c[2];
        CHECK_STATUS(lacus_cross_subject_ceiling(d, 1, 4, 2, NULL, c, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "at least 2") != NULL);
        CHECK_STATUS(lacus_cross_subject_ceiling(d, 3, 2, 4, NULL, c, &err), LACUS_ERR_SHAPE);
        d[13] = INFINITY;
        CHECK_STATUS(lacus_cross_subject_ceiling(d, 3, 4, 2, NULL, c, &err), LACUS_ERR_NUMERIC);
        CHECK(strstr(err.msg, "subject 1") != NULL);
    }

    TEST("power-law noise: spectral slope, moments, seeds")
    {
        if (!lacus_noise_powerlaw_available()) {
            printf("no FFTW: power-law noise not built\n");
        } else {
            const int64_t n = 1 << 16;
            double *x = malloc((size_t)n * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
            lacus_error err = {0};
            const double betas[] = {0.0, 1.0, 1.5, 2.0};
            for (int b = 0; b < 4; b++) {
                CHECK_STATUS(lacus_noise_powerlaw(n, betas[b], 3, x, &err), LACUS_OK);
                double m = 0.0, v = 0.0;
                for (int64_t i = 0; i < n; i++) m += x[i];
                for (int64_t i = 0; i < n; i++) v += (x[i] - m / n) * (x[i] - m / n);
                /* Welch over 1024-sample segments: 127 segments; bins 2..256
                 * (away from the window's DC leakage and the Nyquist). */
                double slope = spectral_slope(x, n, 1024, 2, 256);
                printf("beta %.1f: fitted slope %.3f\n", betas[b], slope);
                CHECK(fabs(slope + betas[b]) < 0.08);
                CHECK_CLOSE(m / n, 0.0, 1e-12);
                CHECK_CLOSE(v / n, 1.0, 1e-12);
            }
            CHECK_STATUS(lacus_noise_powerlaw(n, 1.0, 3, y, &err), LACUS_OK);
            CHECK_STATUS(lacus_noise_powerlaw(n, 1.0, 3, x, &err), LACUS_OK);
            CHECK(memcmp(x, y, (size_t)n * sizeof(double)) == 0);
            CHECK_STATUS(lacus_noise_powerlaw(n, 1.0, 4, y, &err), LACUS_OK);
            CHECK(memcmp(x, y, (size_t)n * sizeof(double)) != 0);
            CHECK_STATUS(lacus_noise_powerlaw(n, -1.0, 3, x, &err), LACUS_ERR_ARG);
            CHECK(strstr(err.msg, "exponent = -1") != NULL);
            CHECK_STATUS(lacus_noise_powerlaw(1, 1.0, 3, x, &err), LACUS_ERR_ARG);
            free(x);
            free(y);
        }
    }

    TEST("MEG simulator: white path unchanged, 1/f noise correlated across lags")
    {
        const int64_t nw = 300, F = 8, ns = 4;
        const double sf = 100.0, tmin = -0.2, tmax = 0.6;
        const int64_t nl = 81;
        double *a = malloc((size_t)(nw * ns * nl) * sizeof(double)), *b = malloc((size_t)(nw * ns * nl) * sizeof(double));
        double *fa = malloc((size_t)(nw * F) * sizeof(double)), *fb = malloc((size_t)(nw * F) * sizeof(double));
        double times[81];
        lacus_error err = {0};
        CHECK_STATUS(lacus_simulate_meg(nw, F, ns, sf, tmin, tmax, 0.25, 1.0, 9, a, fa, times, &err), LACUS_OK);
        CHECK_STATUS(lacus_simulate_meg_ex(nw, F, ns, sf, tmin, tmax, 0.25, 1.0, 0.0, 9, b, fb, times, &err), LACUS_OK);
        CHECK(memcmp(a, b, (size_t)(nw * ns * nl) * sizeof(double)) == 0);
        if (lacus_noise_powerlaw_available()) {
            CHECK_STATUS(lacus_simulate_meg_ex(nw, F, ns, sf, tmin, tmax, 0.25, 1.0, 1.0, 9, b, fb, times, &err),
                         LACUS_OK);
            /* Before onset the epochs are noise only: lag-1 correlation. */
            double ac[2] = {0, 0};
            const double *e[2] = {a, b};
            for (int q = 0; q < 2; q++) {
                double sxy = 0.0, sxx = 0.0;
                for (int64_t w = 0; w < nw * ns; w++)
                    for (int64_t l = 0; l + 1 < 20; l++) {
                        sxy += e[q][w * nl + l] * e[q][w * nl + l + 1];
                        sxx += e[q][w * nl + l] * e[q][w * nl + l];
                    }
                ac[q] = sxy / sxx;
            }
            printf("pre-onset lag-1 autocorrelation: white %.3f, 1/f %.3f\n", ac[0], ac[1]);
            CHECK(fabs(ac[0]) < 0.05);
            CHECK(ac[1] > 0.5);
        }
        CHECK_STATUS(lacus_simulate_meg_ex(nw, F, ns, sf, tmin, tmax, 0.25, 1.0, 5.0, 9, b, fb, times, &err),
                     LACUS_ERR_ARG);
        free(a);
        free(b);
        free(fa);
        free(fb);
    }
    TEST_MAIN_END();
}
