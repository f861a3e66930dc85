/* Japanese-vowels-shaped synthetic sequences (see include/lacus/datasets.h).
 *
 * Why this model: the UCI set's features are LPC cepstra of /ae/ spoken by
 * 9 men; what separates speakers is mostly the vocal tract length (which
 * scales every formant) and how the formants move during the utterance. The
 * cepstrum of an all-pole filter with pole pairs r e^{+-iw} is exactly
 * c_n = sum_k 2 r^n cos(n w) / n (n >= 1), so we generate formant tracks and
 * map them through that formula instead of drawing arbitrary curves. The
 * base /ae/ formants (700, 1700, 2500 Hz at the set's 10 kHz sampling rate)
 * come from Peterson & Barney's (1952) adult male averages. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/check.h"

#define FN "vowels"
#define N_FORMANTS 3
#define PURPOSE_SPEAKERS 0x766f77656c730001ULL
#define PURPOSE_LENGTHS 0x766f77656c730002ULL
#define PURPOSE_UTTER 0x766f77656c730003ULL

typedef struct {
    double alpha;                /* vocal-tract factor: scales every formant */
    double glide[N_FORMANTS];    /* relative formant change over the utterance */
    double radius[N_FORMANTS];   /* pole radius (bandwidth) */
    double shape;                /* glide curvature: tau^shape */
} speaker;

lacus_vowels_params lacus_vowels_params_default(void)
{
    lacus_vowels_params p;
    memset(&p, 0, sizeof p);
    p.n_per_class = 30;
    p.min_len = 7;
    p.max_len = 29;
    p.noise = 0.1;
    p.jitter = 0.05;
    p.speaker_seed = 9;
    p.seed = 1;
    return p;
}

static lacus_status check(const lacus_vowels_params *p, lacus_error *err)
{
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, FN ": params is NULL");
    if (p->n_per_class < 1 || p->n_per_class > 10000000)
        return lacus__fail(err, LACUS_ERR_ARG, FN ": n_per_class = %lld: must be in [1, 1e7]",
                           (long long)p->n_per_class);
    if (p->min_len < 1 || p->max_len < p->min_len || p->max_len > 100000)
        return lacus__fail(err, LACUS_ERR_ARG,
                           FN ": min_len = %lld, max_len = %lld: need 1 <= min_len <= max_len <= 100000",
                           (long long)p->min_len, (long long)p->max_len);
    if (!(p->noise >= 0 && isfinite(p->noise)))
        return lacus__fail(err, LACUS_ERR_ARG, FN ": noise = %g: must be finite and >= 0", p->noise);
    if (!(p->jitter >= 0 && p->jitter < 0.5))
        return lacus__fail(err, LACUS_ERR_ARG, FN ": jitter = %g: must be in [0, 0.5)", p->jitter);
    return LACUS_OK;
}

/* The 9 speakers: vocal-tract factors evenly spread over [0.85, 1.15]
 * (about the range of adult male speakers), assigned to classes in a
 * shuffled order, each with its own glides, bandwidths and glide shape. */
static void make_speakers(uint64_t seed, speaker *s)
{
    lacus__rng r;
    lacus__rng_stream(&r, seed, PURPOSE_SPEAKERS, 0);
    int order[LACUS_VOWELS_CLASSES];
    for (int c = 0; c < LACUS_VOWELS_CLASSES; c++) order[c] = c;
    for (int c = LACUS_VOWELS_CLASSES - 1; c > 0; c--) { /* Fisher-Yates */
        int j = (int)lacus__rng_below(&r, (uint64_t)c + 1), t = order[c];
        order[c] = order[j];
        order[j] = t;
    }
    for (int c = 0; c < LACUS_VOWELS_CLASSES; c++) {
        s[c].alpha = 0.85 + 0.30 * order[c] / (LACUS_VOWELS_CLASSES - 1) +
                     0.01 * (2 * lacus__rng_uniform(&r) - 1);
        for (int k = 0; k < N_FORMANTS; k++) {
            s[c].glide[k] = 0.3 * (2 * lacus__rng_uniform(&r) - 1);
            s[c].radius[k] = 0.88 + 0.08 * lacus__rng_uniform(&r);
        }
        s[c].shape = exp(log(2.0) * (2 * lacus__rng_uniform(&r) - 1)); /* 0.5 .. 2 */
    }
}

lacus_status lacus_vowels_lengths(const lacus_vowels_params *p, int64_t *lengths, lacus_error *err)
{
    lacus_status st = check(p, err);
    if (st) return st;
    if (!lengths) return lacus__fail(err, LACUS_ERR_ARG, FN ": lengths is NULL");
    lacus__rng r;
    lacus__rng_stream(&r, p->seed, PURPOSE_LENGTHS, 0);
    int64_t n = LACUS_VOWELS_CLASSES * p->n_per_class;
    for (int64_t i = 0; i < n; i++)
        lengths[i] = p->min_len + (int64_t)lacus__rng_below(&r, (uint64_t)(p->max_len - p->min_len + 1));
    return LACUS_OK;
}

lacus_status lacus_vowels(const lacus_vowels_params *p, double *x, int64_t *lengths,
                          int64_t *labels, lacus_error *err)
{
    lacus_status st = check(p, err);
    if (st) return st;
    if (!x) return lacus__fail(err, LACUS_ERR_ARG, FN ": x is NULL");
    static const double base_hz[N_FORMANTS] = {700.0, 1700.0, 2500.0};
    const double fs = 10000.0, two_pi = 6.283185307179586;
    speaker spk[LACUS_VOWELS_CLASSES];
    make_speakers(p->speaker_seed, spk);
    lacus__rng lr;
    lacus__rng_stream(&lr, p->seed, PURPOSE_LENGTHS, 0);
    const int64_t n = LACUS_VOWELS_CLASSES * p->n_per_class;
    double *row = x;
    for (int64_t i = 0; i < n; i++) {
        const int c = (int)(i / p->n_per_class);
        const speaker *s = &spk[c];
        /* Same draws as lacus_vowels_lengths, in the same order. */
        int64_t L = p->min_len + (int64_t)lacus__rng_below(&lr, (uint64_t)(p->max_len - p->min_len + 1));
        if (lengths) lengths[i] = L;
        if (labels) labels[i] = c;
        lacus__rng r;
        lacus__rng_stream(&r, p->seed, PURPOSE_UTTER, (uint64_t)i);
        double jit[N_FORMANTS], rad[N_FORMANTS];
        for (int k = 0; k < N_FORMANTS; k++) {
            jit[k] = 1.0 + p->jitter * lacus__rng_normal(&r);
            rad[k] = s->radius[k] + 0.01 * (2 * lacus__rng_uniform(&r) - 1);
        }
        double tempo = exp(0.3 * (2 * lacus__rng_uniform(&r) - 1)); /* speaking rate */
        for (int64_t t = 0; t < L; t++, row += LACUS_VOWELS_DIMS) {
            double tau = L > 1 ? (double)t / (double)(L - 1) : 0.0;
            double g = pow(tau, s->shape * tempo) - 0.5;
            for (int d = 0; d < LACUS_VOWELS_DIMS; d++) row[d] = 0.0;
            for (int k = 0; k < N_FORMANTS; k++) {
                double w = two_pi * base_hz[k] / fs * s->alpha * jit[k] * (1.0 + s->glide[k] * g);
                double rn = 1.0;
                for (int d = 0; d < LACUS_VOWELS_DIMS; d++) {
                    int m = d + 1;
                    rn *= rad[k];
                    row[d] += 2.0 * rn * cos(m * w) / m;
                }
            }
            for (int d = 0; d < LACUS_VOWELS_DIMS; d++) row[d] += p->noise * lacus__rng_normal(&r);
        }
    }
    return LACUS_OK;
}
