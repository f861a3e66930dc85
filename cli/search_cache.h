/* lacus search: the unscaled recurrent matrix W0 and its spectral radius,
 * computed once per reservoir seed instead of once per trial
 * (search_cache.c). */
#ifndef LACUS_CLI_SEARCH_CACHE_H
#define LACUS_CLI_SEARCH_CACHE_H

#include "common.h"

typedef struct search_w0 {
    int64_t n_units, nnz;
    double rc_connectivity;
    int W_init;
    uint64_t seed;
    int usable;                 /* 0: fall back to lacus_esn_create as it is */
    int64_t *indptr, *indices;  /* W0 in CSR, as the reservoir drew it */
    double *values, rho;        /* rho: W0's spectral radius */
} search_w0;

typedef struct search_cache {
    search_w0 *e;
    int64_t n, cap, bytes;
} search_cache;

/* Makes sure the cache holds W0 and its radius for the reservoirs of p
 * (one per instance seed, seed .. seed + instances - 1). Not thread-safe:
 * called between batches; the radii of missing entries are computed in
 * parallel. Returns 0, or -1 when out of memory (the search then simply
 * computes each radius itself). */
int search_cache_prepare(search_cache *c, const lacus_esn_params *p, int64_t instances);

/* lacus_esn_create, with W's spectral radius taken from the cache when it
 * holds the entry: the reservoir is drawn unscaled (sr = 0) and W set to
 * W0 * (sr / rho), the very multiplication lacus_reservoir_create does, so
 * the model is the same, bit for bit. Thread-safe (reads the cache only). */
lacus_status search_esn_create(const search_cache *c, const lacus_esn_params *p, lacus_esn **out,
                               lacus_error *err);

void search_cache_free(search_cache *c);

#endif
