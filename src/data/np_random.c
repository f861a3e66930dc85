/* NumPy-compatible SeedSequence + PCG64 + pairwise sum; see np_random.h.
 *
 * SeedSequence (numpy >= 1.17): the integer seed is split into 32-bit words,
 * hashed into a pool of 4 words with multiply-xorshift mixers, and the pool
 * is hashed again into the requested number of output words. PCG64 takes
 * the first two 64-bit words as its 128-bit initial state and the next two
 * as its stream (increment). Reference: M. E. O'Neill, "PCG: A family of
 * simple fast space-efficient statistically good algorithms for random
 * number generation", HMC-CS-2014-0905, 2014. */
#include "data/np_random.h"

/* Clang contracts a*b + c into fma by default, GCC in ISO C mode does not;
 * both must round every operation as NumPy does. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define NP_POOL 4
#define NP_INIT_A 0x43b0d7e5u
#define NP_MULT_A 0x931e8875u
#define NP_INIT_B 0x8b51f9ddu
#define NP_MULT_B 0x58f38dedu
#define NP_MIX_L 0xca01f9ddu
#define NP_MIX_R 0x4973f715u

static uint32_t hashmix(uint32_t value, uint32_t *hash_const)
{
    value ^= *hash_const;
    *hash_const *= NP_MULT_A;
    value *= *hash_const;
    value ^= value >> 16;
    return value;
}

static uint32_t mix(uint32_t x, uint32_t y)
{
    uint32_t r = NP_MIX_L * x - NP_MIX_R * y;
    return r ^ (r >> 16);
}

static void pcg_step(lacus__np_pcg64 *g)
{
    const unsigned __int128 mult =
        ((unsigned __int128)2549297995355413924ULL << 64) | 4865540595714422341ULL;
    g->state = g->state * mult + g->inc;
}

void lacus__np_pcg64_seed(lacus__np_pcg64 *g, uint64_t seed)
{
    /* The seed as little-endian 32-bit words (at least one word, even for 0). */
    uint32_t entropy[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    int n_entropy = (seed >> 32) ? 2 : 1;

    uint32_t pool[NP_POOL];
    uint32_t hc = NP_INIT_A;
    for (int i = 0; i < NP_POOL; i++) pool[i] = hashmix(i < n_entropy ? entropy[i] : 0, &hc);
    for (int src = 0; src < NP_POOL; src++)
        for (int dst = 0; dst < NP_POOL; dst++)
            if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src], &hc));

    /* generate_state(4, uint64): 8 words drawn cyclically from the pool. */
    uint32_t words[8];
    uint32_t hb = NP_INIT_B;
    for (int i = 0; i < 8; i++) {
        uint32_t v = pool[i % NP_POOL];
        v ^= hb;
        hb *= NP_MULT_B;
        v *= hb;
        v ^= v >> 16;
        words[i] = v;
    }
    uint64_t s[4];
    for (int i = 0; i < 4; i++) s[i] = (uint64_t)words[2 * i] | ((uint64_t)words[2 * i + 1] << 32);

    unsigned __int128 initstate = ((unsigned __int128)s[0] << 64) | s[1];
    unsigned __int128 initseq = ((unsigned __int128)s[2] << 64) | s[3];
    g->state = 0;
    g->inc = (initseq << 1) | 1u;
    pcg_step(g);
    g->state += initstate;
    pcg_step(g);
}

uint64_t lacus__np_pcg64_next(lacus__np_pcg64 *g)
{
    pcg_step(g);
    uint64_t x = (uint64_t)(g->state >> 64) ^ (uint64_t)g->state;
    unsigned rot = (unsigned)(g->state >> 122);
    return (x >> rot) | (x << ((64u - rot) & 63u));
}

double lacus__np_random(lacus__np_pcg64 *g)
{
    return (double)(lacus__np_pcg64_next(g) >> 11) * (1.0 / 9007199254740992.0);
}

double lacus__np_uniform(lacus__np_pcg64 *g, double low, double high)
{
    return low + (high - low) * lacus__np_random(g);
}

/* numpy/_core/src/umath/loops_utils.h.src: 8 interleaved accumulators for
 * blocks up to 128 values, recursive halving above. */
double lacus__np_pairwise_sum(const double *a, int64_t n)
{
    if (n < 8) {
        double res = 0.0;
        for (int64_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[j];
        int64_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return lacus__np_pairwise_sum(a, n2) + lacus__np_pairwise_sum(a + n2, n - n2);
}
