/* Random sparse initialisers.
 *
 * Positions: k distinct flat indices in [0, n_rows * n_cols) drawn uniformly
 * (what scipy.sparse.random does), by drawing k candidates, sorting and
 * removing duplicates, then drawing the missing ones again until k remain.
 * When k is more than half of the matrix we draw the complement instead, so
 * the expected number of rounds stays small at every density. The sorted
 * flat indices are already in CSR order. Values are drawn afterwards, one
 * per non-zero in row-major order. */
#include "nodes/init.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

double lacus__init_draw(lacus__rng *rng, lacus_init dist)
{
    switch (dist) {
    case LACUS_INIT_UNIFORM: return 2.0 * lacus__rng_uniform(rng) - 1.0;
    case LACUS_INIT_BERNOULLI: return (lacus__rng_u64(rng) >> 63) ? 1.0 : -1.0;
    case LACUS_INIT_NORMAL:
    default: return lacus__rng_normal(rng);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* k distinct sorted values in [0, total). buf has room for k. */
static void distinct_sorted(uint64_t *buf, uint64_t k, uint64_t total, lacus__rng *rng)
{
    uint64_t have = 0;
    while (have < k) {
        for (uint64_t i = have; i < k; i++) buf[i] = lacus__rng_below(rng, total);
        qsort(buf, k, sizeof *buf, cmp_u64);
        uint64_t w = 0;
        for (uint64_t i = 0; i < k; i++)
            if (w == 0 || buf[i] != buf[w - 1]) buf[w++] = buf[i];
        have = w;
    }
}

/* Fills pos with k sorted distinct flat indices in [0, total). */
static lacus_status draw_positions(uint64_t *pos, uint64_t k, uint64_t total, lacus__rng *rng)
{
    if (k <= total / 2) {
        distinct_sorted(pos, k, total, rng);
        return LACUS_OK;
    }
    uint64_t m = total - k;
    uint64_t *excl = LACUS__NEW(uint64_t, m ? m : 1);
    if (!excl) return LACUS_ERR_NOMEM;
    distinct_sorted(excl, m, total, rng);
    uint64_t w = 0, e = 0;
    for (uint64_t i = 0; i < total; i++) {
        if (e < m && excl[e] == i) e++;
        else pos[w++] = i;
    }
    lacus__free(excl);
    return LACUS_OK;
}

static uint64_t count_for(double connectivity, uint64_t total)
{
    double k = round(connectivity * (double)total);
    return k > (double)total ? total : (uint64_t)k;
}

lacus_status lacus__init_sparse(lacus__csr *A, int64_t n_rows, int64_t n_cols,
                                double connectivity, lacus_init dist, lacus__rng *rng,
                                lacus_error *err)
{
    uint64_t total = (uint64_t)n_rows * (uint64_t)n_cols;
    uint64_t k = count_for(connectivity, total);
    uint64_t *pos = LACUS__NEW(uint64_t, k ? k : 1);
    if (!pos || lacus__csr_alloc(A, n_rows, n_cols, (int64_t)k) ||
        draw_positions(pos, k, total, rng)) {
        lacus__free(pos);
        lacus__csr_free(A);
        return lacus__fail(err, LACUS_ERR_NOMEM,
                           "out of memory for a %lld x %lld matrix with %llu non-zeros",
                           (long long)n_rows, (long long)n_cols, (unsigned long long)k);
    }
    for (uint64_t i = 0; i < k; i++) {
        int64_t r = (int64_t)(pos[i] / (uint64_t)n_cols);
        A->indices[i] = (int32_t)(pos[i] % (uint64_t)n_cols);
        A->indptr[r + 1]++;
        A->values[i] = lacus__init_draw(rng, dist);
    }
    for (int64_t r = 0; r < n_rows; r++) A->indptr[r + 1] += A->indptr[r];
    lacus__free(pos);
    return LACUS_OK;
}

lacus_status lacus__init_vector(double *v, int64_t n, double connectivity, lacus_init dist,
                                lacus__rng *rng, lacus_error *err)
{
    uint64_t k = count_for(connectivity, (uint64_t)n);
    uint64_t *pos = LACUS__NEW(uint64_t, k ? k : 1);
    if (!pos || draw_positions(pos, k, (uint64_t)n, rng)) {
        lacus__free(pos);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a vector of %lld",
                           (long long)n);
    }
    memset(v, 0, (size_t)n * sizeof *v);
    for (uint64_t i = 0; i < k; i++) v[pos[i]] = lacus__init_draw(rng, dist);
    lacus__free(pos);
    return LACUS_OK;
}
