/* Lockstep lanes of different reservoirs that share W's sparsity pattern.
 *
 * A hyperparameter search fits many ESNs that differ only in scalings: the
 * trials' instance k draws the same W0 (same units, connectivity and seed)
 * and scales it by sr / rho, Win by the input scaling, the leak by lr. Their
 * sequences can advance together like the lanes of lacus__reservoir_steps,
 * except that each lane multiplies by its own values of W:
 *
 *   sums[n, s] = sum_k Wv[k, s] xi[ix[k], s]    over the non-zeros k of row n
 *
 * with Wv (nnz, S) the lanes' values interleaved, so one index load, one
 * vector load of values and one of states serve four lanes. Each lane's sum
 * is taken in the order of lacus__csr_row_dot (chains k mod 4 from the
 * row's start, fused multiply-adds, (c0 + c1) + (c2 + c3)); the drive, the
 * activation and the leak are the lane's own reservoir's, computed by the
 * same code as lacus__reservoir_steps. So every lane's states are those of
 * its reservoir run alone, bit for bit (tests/unit/test_reservoir_multi.c).
 *
 * Single-threaded: the callers (searches) run one group of lanes per
 * thread. Softmax is not supported (the caller falls back). */
#include <string.h>

#include "nodes/activation.h"
#include "nodes/reservoir.h"

#define UNIT_CHUNK 64

/* out[s] = sum_k wv[k * S + s] xi[ix[k] * S + s], k in [k, end). */
static inline __attribute__((always_inline)) void row_dot_multi(const int32_t *ix,
                                                                const double *wv,
                                                                const double *xi, const int S,
                                                                int64_t k, int64_t end,
                                                                double *out)
{
#if defined(__AVX2__) && defined(__FMA__)
    if (S == 2) { /* two lanes: 128-bit vectors, no masked loads */
        __m128d c0 = _mm_setzero_pd(), c1 = c0, c2 = c0, c3 = c0;
#define MULTI_MADD2(c, kk) \
    c = _mm_fmadd_pd(_mm_loadu_pd(wv + (kk) * 2), _mm_loadu_pd(xi + (int64_t)ix[kk] * 2), c)
        for (; k + 4 <= end; k += 4) {
            MULTI_MADD2(c0, k);
            MULTI_MADD2(c1, k + 1);
            MULTI_MADD2(c2, k + 2);
            MULTI_MADD2(c3, k + 3);
        }
        if (k < end) MULTI_MADD2(c0, k);
        if (k + 1 < end) MULTI_MADD2(c1, k + 1);
        if (k + 2 < end) MULTI_MADD2(c2, k + 2);
#undef MULTI_MADD2
        _mm_storeu_pd(out, _mm_add_pd(_mm_add_pd(c0, c1), _mm_add_pd(c2, c3)));
        return;
    }
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    __m256d b0 = a0, b1 = a0, b2 = a0, b3 = a0;
#define MULTI_MADD(a, b, kk)                                                                     \
    do {                                                                                         \
        const double *x_ = xi + (int64_t)ix[kk] * S, *w_ = wv + (kk) * S;                        \
        a = _mm256_fmadd_pd(LACUS__LANES_LOAD(w_, S, 0), LACUS__LANES_LOAD(x_, S, 0), a);        \
        if (S > 4) b = _mm256_fmadd_pd(LACUS__LANES_LOAD(w_, S, 1), LACUS__LANES_LOAD(x_, S, 1), b); \
    } while (0)
    for (; k + 4 <= end; k += 4) {
        MULTI_MADD(a0, b0, k);
        MULTI_MADD(a1, b1, k + 1);
        MULTI_MADD(a2, b2, k + 2);
        MULTI_MADD(a3, b3, k + 3);
    }
    if (k < end) MULTI_MADD(a0, b0, k);
    if (k + 1 < end) MULTI_MADD(a1, b1, k + 1);
    if (k + 2 < end) MULTI_MADD(a2, b2, k + 2);
#undef MULTI_MADD
    __m256d ra = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
    if (S >= 4) _mm256_storeu_pd(out, ra);
    else _mm256_maskstore_pd(out, lacus__lanes_mask(S), ra);
    if (S > 4) {
        __m256d rb = _mm256_add_pd(_mm256_add_pd(b0, b1), _mm256_add_pd(b2, b3));
        if (S == 8) _mm256_storeu_pd(out + 4, rb);
        else _mm256_maskstore_pd(out + 4, lacus__lanes_mask(S - 4), rb);
    }
#else
    double a[4][8] = {{0.0}};
    for (int j = 0; k < end; k++, j = (j + 1) & 3)
        for (int s = 0; s < S; s++)
            a[j][s] = LACUS__CSR_MADD(a[j][s], wv[k * S + s], xi[(int64_t)ix[k] * S + s]);
    for (int s = 0; s < S; s++) out[s] = (a[0][s] + a[1][s]) + (a[2][s] + a[3][s]);
#endif
}

static inline __attribute__((always_inline)) void sums_multi(const lacus__csr *W,
                                                             const double *wv, const double *xi,
                                                             const int S, int64_t n0, int64_t n1,
                                                             double *sums)
{
    const int64_t *p = W->indptr;
    const int32_t *ix = W->indices;
    for (int64_t n = n0; n < n1; n++) {
        /* One lane: the lane's own values through the one-lane kernel. */
        if (S == 1) sums[n - n0] = lacus__csr_row_dot(ix, wv, xi, p[n], p[n + 1]);
        else row_dot_multi(ix, wv, xi, S, p[n], p[n + 1], sums + (n - n0) * S);
    }
}

static void sums_multi_any(const lacus__csr *W, const double *wv, const double *xi, int S,
                           int64_t n0, int64_t n1, double *sums)
{
    switch (S) {
#define CASE(k) \
    case k: sums_multi(W, wv, xi, k, n0, n1, sums); break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    }
}

void lacus__reservoir_steps_multi(const lacus_reservoir *const *rs, const lacus__lane *lanes,
                                  int S, int64_t n_steps, const double *Wv, double *xi)
{
    const lacus_reservoir *r0 = rs[0];
    const int64_t N = r0->p.n_units;
    const lacus_activation act = r0->p.activation;
    for (int s = 0; s < S; s++)
        for (int64_t n = 0; n < N; n++) xi[n * S + s] = lanes[s].x[n];
#if defined(__GNUC__) && !defined(__clang__) /* a GCC-only warning */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
    double pre[UNIT_CHUNK * LACUS__BATCH_MAX];
    for (int64_t t0 = 0; t0 < n_steps; t0 += LACUS__BLOCK_STEPS) {
        int64_t nb = n_steps - t0 < LACUS__BLOCK_STEPS ? n_steps - t0 : LACUS__BLOCK_STEPS;
        for (int s = 0; s < S; s++) {
            lacus__fill_block_inputs(rs[s], lanes[s].ws, lanes[s].u + t0 * lanes[s].ldu,
                                     lanes[s].ldu, nb);
            lacus__block_drive(rs[s], lanes[s].ws, nb, lanes[s].states + t0 * lanes[s].lds,
                               lanes[s].lds, 0, N);
        }
        for (int64_t t = 0; t < nb; t++) {
            const double *xp = xi + (t & 1) * N * S;
            double *xn = xi + ((t + 1) & 1) * N * S;
            double *row[LACUS__BATCH_MAX];
            const double *noise[LACUS__BATCH_MAX];
            for (int s = 0; s < S; s++) {
                row[s] = lanes[s].states + (t0 + t) * lanes[s].lds;
                noise[s] = lanes[s].ws->noise ? lanes[s].ws->noise + t * N : NULL;
            }
            for (int64_t n0 = 0; n0 < N; n0 += UNIT_CHUNK) {
                int64_t n1 = n0 + UNIT_CHUNK < N ? n0 + UNIT_CHUNK : N, m = (n1 - n0) * S;
                sums_multi_any(&r0->W, Wv, xp, S, n0, n1, pre);
                for (int64_t n = n0; n < n1; n++)
                    for (int s = 0; s < S; s++) pre[(n - n0) * S + s] += row[s][n];
                lacus__activate(act, pre, pre, m);
                for (int64_t n = n0; n < n1; n++)
                    for (int s = 0; s < S; s++) {
                        double y = lacus__leak(rs[s], n, xp[n * S + s], pre[(n - n0) * S + s],
                                               noise[s]);
                        row[s][n] = y;
                        xn[n * S + s] = y;
                    }
            }
        }
        if (nb & 1) memcpy(xi, xi + N * S, (size_t)(N * S) * sizeof *xi);
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    for (int s = 0; s < S; s++)
        for (int64_t n = 0; n < N; n++) lanes[s].x[n] = xi[n * S + s];
}

int lacus__reservoir_same_pattern(const lacus_reservoir *a, const lacus_reservoir *b)
{
    return a->p.n_units == b->p.n_units && a->p.activation == b->p.activation &&
           a->W.nnz == b->W.nnz &&
           !memcmp(a->W.indptr, b->W.indptr, (size_t)(a->p.n_units + 1) * sizeof *a->W.indptr) &&
           (a->W.nnz == 0 ||
            !memcmp(a->W.indices, b->W.indices, (size_t)a->W.nnz * sizeof *a->W.indices));
}

void lacus__interleave_W(const lacus_reservoir *const *rs, int S, double *Wv)
{
    const int64_t nnz = rs[0]->W.nnz;
    for (int s = 0; s < S; s++) {
        const double *v = rs[s]->W.values;
        for (int64_t k = 0; k < nnz; k++) Wv[k * S + s] = v[k];
    }
}
