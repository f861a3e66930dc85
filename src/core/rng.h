/* Random numbers whose state lives in a handle (no global generator).
 *
 * Generator: xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64
 * as its authors recommend. Independent streams for independent purposes
 * (W, Win, bias, the noise of sequence i) come from lacus__rng_stream(seed,
 * purpose, index), which hashes the three numbers into a fresh seed, so a
 * stream never depends on how many numbers another stream consumed, nor on
 * which thread runs it. Written here because no maintained C library in
 * Debian offers a small, seedable, copyable generator with streams. */
#ifndef LACUS_CORE_RNG_H
#define LACUS_CORE_RNG_H

#include <stdint.h>

typedef struct lacus__rng {
    uint64_t s[4];
    double spare_normal;
    int has_spare;
} lacus__rng;

enum {
    LACUS__STREAM_W = 1,
    LACUS__STREAM_WIN = 2,
    LACUS__STREAM_BIAS = 3,
    LACUS__STREAM_NOISE = 4,
    LACUS__STREAM_DATA = 5,
    LACUS__STREAM_SEARCH = 6
};

void lacus__rng_seed(lacus__rng *r, uint64_t seed);
/* A generator for (seed, purpose, index), independent of every other one. */
void lacus__rng_stream(lacus__rng *r, uint64_t seed, uint64_t purpose, uint64_t index);
uint64_t lacus__rng_u64(lacus__rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double lacus__rng_uniform(lacus__rng *r);
/* Standard normal (Marsaglia polar method). */
double lacus__rng_normal(lacus__rng *r);
/* Uniform integer in [0, n), unbiased (Lemire's method). n >= 1. */
uint64_t lacus__rng_below(lacus__rng *r, uint64_t n);

#endif
