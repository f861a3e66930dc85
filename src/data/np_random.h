/* NumPy-compatible random numbers for the dataset generators.
 *
 * ReservoirPy draws the Mackey-Glass history, the NARMA input and the
 * memory-capacity series with numpy.random.default_rng(seed). To give the
 * same numbers for the same seed (ReservoirPy's default seed is 5555), we
 * reproduce that exact chain: SeedSequence (O'Neill's hash-based seed
 * mixing, as implemented in numpy/random/bit_generator.pyx) -> PCG64
 * (XSL-RR output, O'Neill 2014) -> Generator.random() = (next64 >> 11) * 2^-53.
 * This is deliberately separate from lacus__rng (core/rng.h), which is the
 * library's own generator for weights and noise. */
#ifndef LACUS_DATA_NP_RANDOM_H
#define LACUS_DATA_NP_RANDOM_H

#include <stdint.h>

typedef struct lacus__np_pcg64 {
    unsigned __int128 state;
    unsigned __int128 inc;
} lacus__np_pcg64;

/* numpy.random.default_rng(seed) for a non-negative integer seed. */
void lacus__np_pcg64_seed(lacus__np_pcg64 *g, uint64_t seed);
uint64_t lacus__np_pcg64_next(lacus__np_pcg64 *g);
/* Generator.random(): uniform in [0, 1). */
double lacus__np_random(lacus__np_pcg64 *g);
/* Generator.uniform(low, high): low + (high - low) * random(). */
double lacus__np_uniform(lacus__np_pcg64 *g, double low, double high);

/* numpy's pairwise summation (np.add.reduce over a contiguous array), so
 * that sums match NumPy bit for bit. */
double lacus__np_pairwise_sum(const double *a, int64_t n);

#endif
