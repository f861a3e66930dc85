/* Synthetic brain data with a known ideal score (the spec's synth_encoding
 * protocol): a planted linear encoding of word features through the SPM HRF
 * into fMRI voxels with per-voxel SNR and AR(1) noise, or through a
 * temporal response into MEG sensors. Every score then has an ideal value,
 * r* = sqrt(SNR / (1 + SNR)), that the pipeline must approach. */
#include <math.h>
#include <string.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "linalg/blas.h"

lacus_sim_params lacus_sim_params_default(void)
{
    lacus_sim_params p;
    memset(&p, 0, sizeof p);
    p.n_runs = 4;
    p.n_tr = 300;
    p.tr = 2.0;
    p.word_rate = 2.5;
    p.n_features = 32;
    p.n_voxels = 2000;
    p.null_fraction = 0.2;
    p.snr_min = 0.05;
    p.snr_max = 5.0;
    p.ar1 = 0.4;
    return p;
}

void lacus_sim_data_free(lacus_sim_data *d)
{
    if (!d) return;
    lacus__free(d->word_times);
    lacus__free(d->word_run);
    lacus__free(d->word_features);
    lacus__free(d->bold);
    lacus__free(d->repeats);
    lacus__free(d->snr);
    lacus__free(d->r_ideal);
    lacus__free(d->weights);
    lacus__free(d->mask);
    lacus__free(d->run_lengths);
    memset(d, 0, sizeof *d);
}

static lacus_status check_params(const lacus_sim_params *p, lacus_error *err)
{
    if (p->n_runs < 1 || p->n_runs > 1000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_runs = %lld: must be in [1, 1000]", (long long)p->n_runs);
    if (p->n_tr < 20 || p->n_tr > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_tr = %lld: must be in [20, 100000]", (long long)p->n_tr);
    if (!(p->tr >= 0.1 && p->tr <= 10.0))
        return lacus__fail(err, LACUS_ERR_ARG, "tr = %g s: must be in [0.1, 10]", p->tr);
    if (!(p->word_rate > 0.0 && p->word_rate <= 20.0))
        return lacus__fail(err, LACUS_ERR_ARG, "word_rate = %g: must be in (0, 20] words/s", p->word_rate);
    if (p->n_features < 1 || p->n_features > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "n_features = %lld: must be in [1, 100000]",
                           (long long)p->n_features);
    int grid = p->nx > 0 || p->ny > 0 || p->nz > 0;
    if (grid && (p->nx < 3 || p->ny < 3 || p->nz < 3 || p->nx * p->ny * p->nz > 50000000))
        return lacus__fail(err, LACUS_ERR_ARG, "grid %lld x %lld x %lld: each side must be >= 3",
                           (long long)p->nx, (long long)p->ny, (long long)p->nz);
    if (!grid && (p->n_voxels < 1 || p->n_voxels > 10000000))
        return lacus__fail(err, LACUS_ERR_ARG, "n_voxels = %lld: must be in [1, 1e7]", (long long)p->n_voxels);
    if (!(p->null_fraction >= 0.0 && p->null_fraction <= 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "null_fraction = %g: must be in [0, 1]", p->null_fraction);
    if (!(p->snr_min > 0.0 && p->snr_max >= p->snr_min && isfinite(p->snr_max)))
        return lacus__fail(err, LACUS_ERR_ARG, "snr range [%g, %g]: need 0 < min <= max", p->snr_min,
                           p->snr_max);
    if (!(p->ar1 >= 0.0 && p->ar1 < 1.0))
        return lacus__fail(err, LACUS_ERR_ARG, "ar1 = %g: must be in [0, 1)", p->ar1);
    if (p->n_repeats < 0 || p->n_repeats > 100)
        return lacus__fail(err, LACUS_ERR_ARG, "n_repeats = %lld: must be in [0, 100]", (long long)p->n_repeats);
    return LACUS_OK;
}

/* Unit-variance AR(1) noise: e_t = phi e_{t-1} + sqrt(1 - phi^2) z_t,
 * started from its stationary law. */
static void ar1_noise(lacus__rng *r, double phi, double *e, int64_t n, int64_t stride)
{
    double c = sqrt(1.0 - phi * phi), prev = lacus__rng_normal(r);
    for (int64_t i = 0; i < n; i++) {
        prev = i ? phi * prev + c * lacus__rng_normal(r) : prev;
        e[i * stride] = prev;
    }
}

lacus_status lacus_simulate_fmri(const lacus_sim_params *prm, lacus_sim_data *d, lacus_error *err)
{
    if (!d) return lacus__fail(err, LACUS_ERR_ARG, "simulate: NULL output");
    memset(d, 0, sizeof *d);
    lacus_sim_params def = lacus_sim_params_default();
    if (!prm) prm = &def;
    lacus_status st = check_params(prm, err);
    if (st) return st;
    const int64_t R = prm->n_runs, T = prm->n_tr, F = prm->n_features, n = R * T;
    const double dt = 0.1, dur = (double)T * prm->tr;
    /* Mask: an ellipsoid filling the grid (the "brain"). */
    int64_t V = prm->n_voxels;
    if (prm->nx > 0) {
        int64_t nv = prm->nx * prm->ny * prm->nz;
        d->mask = LACUS__ZNEW(unsigned char, nv);
        if (!d->mask) return lacus__fail(err, LACUS_ERR_NOMEM, "mask");
        V = 0;
        for (int64_t z = 0; z < prm->nz; z++)
            for (int64_t y = 0; y < prm->ny; y++)
                for (int64_t x = 0; x < prm->nx; x++) {
                    double a = (x - (prm->nx - 1) / 2.0) / (prm->nx / 2.0 - 0.5),
                           b = (y - (prm->ny - 1) / 2.0) / (prm->ny / 2.0 - 0.5),
                           c = (z - (prm->nz - 1) / 2.0) / (prm->nz / 2.0 - 0.5);
                    if (a * a + b * b + c * c <= 1.0) {
                        d->mask[(z * prm->ny + y) * prm->nx + x] = 1;
                        V++;
                    }
                }
        d->nx = prm->nx;
        d->ny = prm->ny;
        d->nz = prm->nz;
    }
    /* Words: a Poisson process per run (exponential gaps). */
    lacus__rng rw;
    lacus__rng_stream(&rw, prm->seed, LACUS__STREAM_DATA, 1);
    int64_t cap = (int64_t)(prm->word_rate * dur * (double)R * 1.5) + 64, nw = 0;
    d->word_times = LACUS__NEW(double, cap);
    d->word_run = LACUS__NEW(int64_t, cap);
    if (!d->word_times || !d->word_run) goto nomem;
    for (int64_t r = 0; r < R; r++) {
        double t = 0.0;
        for (;;) {
            t += -log(1.0 - lacus__rng_uniform(&rw)) / prm->word_rate;
            if (t >= dur) break;
            if (nw == cap) {
                cap *= 2;
                double *a = lacus__realloc(d->word_times, (size_t)cap * sizeof(double));
                if (!a) goto nomem;
                d->word_times = a;
                int64_t *b = lacus__realloc(d->word_run, (size_t)cap * sizeof(int64_t));
                if (!b) goto nomem;
                d->word_run = b;
            }
            d->word_times[nw] = t;
            d->word_run[nw++] = r;
        }
    }
    d->n_words = nw;
    d->word_features = LACUS__NEW(double, nw * F + 1);
    d->weights = LACUS__ZNEW(double, F * V);
    d->snr = LACUS__ZNEW(double, V);
    d->r_ideal = LACUS__ZNEW(double, V);
    d->bold = LACUS__NEW(double, n * V);
    d->run_lengths = LACUS__NEW(int64_t, R);
    if (!d->word_features || !d->weights || !d->snr || !d->r_ideal || !d->bold || !d->run_lengths)
        goto nomem;
    for (int64_t i = 0; i < nw * F; i++) d->word_features[i] = lacus__rng_normal(&rw);
    for (int64_t r = 0; r < R; r++) d->run_lengths[r] = T;
    /* Drive on a 0.1 s grid, convolved with the SPM HRF, sampled every TR:
     * S (n x F), the features as the voxels see them. */
    int64_t ng = (int64_t)ceil(dur / dt) + 1, nh = (int64_t)llround(32.0 / dt);
    double *h = LACUS__NEW(double, nh), *drive = LACUS__ZNEW(double, ng * F),
           *conv = LACUS__NEW(double, ng * F), *S = LACUS__NEW(double, n * F);
    double *sig = LACUS__NEW(double, n * V);
    if (!h || !drive || !conv || !S || !sig) {
        lacus__free(h);
        lacus__free(drive);
        lacus__free(conv);
        lacus__free(S);
        lacus__free(sig);
        goto nomem;
    }
    st = lacus_hrf(LACUS_HRF_SPM, dt, 32.0, h, nh, err);
    for (int64_t r = 0, w = 0; r < R && !st; r++) {
        memset(drive, 0, (size_t)(ng * F) * sizeof(double));
        for (; w < nw && d->word_run[w] == r; w++) {
            int64_t g = (int64_t)floor(d->word_times[w] / dt);
            for (int64_t f = 0; f < F; f++) drive[g * F + f] += d->word_features[w * F + f];
        }
        st = lacus_hrf_convolve(drive, ng, F, NULL, 0, h, nh, conv, err);
        for (int64_t k = 0; k < T && !st; k++) {
            int64_t g = (int64_t)llround((double)k * prm->tr / dt);
            memcpy(S + (r * T + k) * F, conv + g * F, (size_t)F * sizeof(double));
        }
    }
    lacus__free(h);
    lacus__free(drive);
    lacus__free(conv);
    if (!st) {
        /* Planted weights and SNRs; null voxels first get SNR 0. */
        lacus__rng rv;
        lacus__rng_stream(&rv, prm->seed, LACUS__STREAM_DATA, 2);
        double lo = log(prm->snr_min), hi = log(prm->snr_max);
        for (int64_t v = 0; v < V; v++) {
            int null = lacus__rng_uniform(&rv) < prm->null_fraction;
            double snr = exp(lo + (hi - lo) * lacus__rng_uniform(&rv));
            for (int64_t f = 0; f < F; f++) {
                double b = lacus__rng_normal(&rv);
                d->weights[f * V + v] = null ? 0.0 : b;
            }
            d->snr[v] = null ? 0.0 : snr;
            d->r_ideal[v] = sqrt(d->snr[v] / (1.0 + d->snr[v]));
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)V, (int)F, 1.0, S,
                    (int)F, d->weights, (int)V, 0.0, sig, (int)V);
        /* Each voxel's signal to variance SNR (over all samples), then its
         * own stream of AR(1) noise: voxel v's numbers do not depend on V. */
#pragma omp parallel for schedule(static)
        for (int64_t v = 0; v < V; v++) {
            double m = 0.0, var = 0.0;
            for (int64_t i = 0; i < n; i++) m += sig[i * V + v];
            m /= (double)n;
            for (int64_t i = 0; i < n; i++) var += (sig[i * V + v] - m) * (sig[i * V + v] - m);
            var /= (double)n;
            double g = var > 0.0 ? sqrt(d->snr[v] / var) : 0.0;
            lacus__rng rn;
            lacus__rng_stream(&rn, prm->seed, LACUS__STREAM_NOISE, (uint64_t)v);
            for (int64_t r = 0; r < R; r++) ar1_noise(&rn, prm->ar1, d->bold + r * T * V + v, T, V);
            for (int64_t i = 0; i < n; i++) {
                sig[i * V + v] = (sig[i * V + v] - m) * g;
                d->bold[i * V + v] += sig[i * V + v];
            }
        }
        if (prm->n_repeats > 0) {
            d->repeats = LACUS__NEW(double, prm->n_repeats * T * V);
            if (!d->repeats) st = lacus__fail(err, LACUS_ERR_NOMEM, "repeats");
            else {
                d->n_repeats = prm->n_repeats;
#pragma omp parallel for schedule(static)
                for (int64_t v = 0; v < V; v++) {
                    lacus__rng rn;
                    lacus__rng_stream(&rn, prm->seed ^ 0x5EB0u, LACUS__STREAM_NOISE, (uint64_t)v);
                    for (int64_t q = 0; q < prm->n_repeats; q++) {
                        double *o = d->repeats + q * T * V + v;
                        ar1_noise(&rn, prm->ar1, o, T, V);
                        for (int64_t i = 0; i < T; i++) o[i * V] += sig[((R - 1) * T + i) * V + v];
                    }
                }
            }
        }
    }
    lacus__free(S);
    lacus__free(sig);
    if (st) {
        lacus_sim_data_free(d);
        return st;
    }
    d->n_samples = n;
    d->n_features = F;
    d->n_voxels = V;
    d->n_runs = R;
    return LACUS_OK;
nomem:
    lacus_sim_data_free(d);
    return lacus__fail(err, LACUS_ERR_NOMEM, "simulated data (%lld voxels x %lld samples)",
                       (long long)V, (long long)n);
}

lacus_status lacus_simulate_meg(int64_t nw, int64_t F, int64_t ns, double sfreq, double tmin,
                                double tmax, double peak, double snr, uint64_t seed, double *out,
                                double *feat, double *times, lacus_error *err)
{
    return lacus_simulate_meg_ex(nw, F, ns, sfreq, tmin, tmax, peak, snr, 0.0, seed, out, feat,
                                 times, err);
}

lacus_status lacus_simulate_meg_ex(int64_t nw, int64_t F, int64_t ns, double sfreq, double tmin,
                                   double tmax, double peak, double snr, double noise_exponent,
                                   uint64_t seed, double *out, double *feat, double *times,
                                   lacus_error *err)
{
    if (!out || !feat || !times) return lacus__fail(err, LACUS_ERR_ARG, "simulate meg: NULL output");
    if (nw < 2 || F < 1 || ns < 1 || nw > 10000000 || F > 100000 || ns > 100000)
        return lacus__fail(err, LACUS_ERR_ARG, "simulate meg: %lld words, %lld features, %lld sensors",
                           (long long)nw, (long long)F, (long long)ns);
    if (!(sfreq > 0.0 && sfreq <= 10000.0) || !(tmax > tmin) || !isfinite(tmin) || !isfinite(tmax))
        return lacus__fail(err, LACUS_ERR_ARG, "simulate meg: sfreq = %g, tmin = %g, tmax = %g",
                           sfreq, tmin, tmax);
    if (!(peak > 0.0 && peak < tmax))
        return lacus__fail(err, LACUS_ERR_ARG, "peak latency %g s: must be in (0, tmax = %g)", peak, tmax);
    if (!(snr > 0.0) || !isfinite(snr))
        return lacus__fail(err, LACUS_ERR_ARG, "snr = %g: must be finite and > 0", snr);
    if (!(noise_exponent >= 0.0 && noise_exponent <= 4.0))
        return lacus__fail(err, LACUS_ERR_ARG, "noise exponent = %g: must be in [0, 4] (0 white, 1 pink)",
                           noise_exponent);
    int64_t l0 = (int64_t)llround(tmin * sfreq), nl = (int64_t)llround(tmax * sfreq) - l0 + 1;
    const int64_t K = 3; /* latent sources */
    lacus__rng r;
    lacus__rng_stream(&r, seed, LACUS__STREAM_DATA, 3);
    double *Wsrc = LACUS__NEW(double, F * K), *mix = LACUS__NEW(double, K * ns),
           *src = LACUS__NEW(double, nw * K), *hl = LACUS__NEW(double, nl);
    /* Power-law noise is one continuous series per sensor, cut into the
     * epochs in word order (back-to-back words, as in a recording), so slow
     * drifts span epochs; its own streams leave the white path's draws as
     * they were. */
    double *colored = noise_exponent > 0.0 ? LACUS__NEW(double, nw * nl) : NULL;
    if (!Wsrc || !mix || !src || !hl || (noise_exponent > 0.0 && !colored)) {
        lacus__free(colored);
        lacus__free(Wsrc);
        lacus__free(mix);
        lacus__free(src);
        lacus__free(hl);
        return lacus__fail(err, LACUS_ERR_NOMEM, "simulate meg");
    }
    for (int64_t i = 0; i < nw * F; i++) feat[i] = lacus__rng_normal(&r);
    for (int64_t i = 0; i < F * K; i++) Wsrc[i] = lacus__rng_normal(&r) / sqrt((double)F);
    for (int64_t i = 0; i < K * ns; i++) mix[i] = lacus__rng_normal(&r);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nw, (int)K, (int)F, 1.0, feat, (int)F,
                Wsrc, (int)K, 0.0, src, (int)K);
    /* Temporal response: an alpha function (tau/peak) e^(1 - tau/peak), 0
     * before onset, exactly 1 at the peak, times a slow oscillation that
     * keeps its sign up to the peak (a damped cycle of period 4 peak). */
    for (int64_t l = 0; l < nl; l++) {
        double tau = (double)(l0 + l) / sfreq;
        times[l] = tau;
        hl[l] = tau <= 0.0 ? 0.0 : (tau / peak) * exp(1.0 - tau / peak) * cos(M_PI * (tau - peak) / (4.0 * peak));
    }
    /* Noise level from the signal variance at the peak, per sensor. */
    for (int64_t s = 0; s < ns; s++) {
        double m = 0.0, v = 0.0;
        for (int64_t w = 0; w < nw; w++) {
            double a = 0.0;
            for (int64_t k = 0; k < K; k++) a += src[w * K + k] * mix[k * ns + s];
            m += a;
            v += a * a;
        }
        m /= (double)nw;
        v = v / (double)nw - m * m;
        double sd = sqrt((v > 0.0 ? v : 1.0) / snr);
        if (colored) {
            lacus__rng rc;
            lacus__rng_stream(&rc, seed, LACUS__STREAM_NOISE, 1 + (uint64_t)s);
            lacus_status st = lacus__powerlaw_fill(nw * nl, noise_exponent, &rc, colored, err);
            if (st) {
                lacus__free(colored);
                lacus__free(Wsrc);
                lacus__free(mix);
                lacus__free(src);
                lacus__free(hl);
                return st;
            }
        }
        for (int64_t w = 0; w < nw; w++) {
            double a = 0.0;
            for (int64_t k = 0; k < K; k++) a += src[w * K + k] * mix[k * ns + s];
            for (int64_t l = 0; l < nl; l++)
                out[(w * ns + s) * nl + l] =
                    a * hl[l] + sd * (colored ? colored[w * nl + l] : lacus__rng_normal(&r));
        }
    }
    lacus__free(colored);
    lacus__free(Wsrc);
    lacus__free(mix);
    lacus__free(src);
    lacus__free(hl);
    return LACUS_OK;
}
