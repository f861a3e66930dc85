/* The reservoir recurrence (ReservoirPy 0.4.2's Reservoir._step, plus the
 * noise of 0.3):
 *
 *   x[t+1] = (1 - lr) x[t] + lr f(W x[t] + Win (u[t+1] + noise_in) + b) + noise_rc
 *
 * Shapes: W (N, N) CSR, Win (N, I) CSR, x (N), u (T, I), states (T, N).
 *
 * The input term does not depend on x, so for a block of B steps it is one
 * sparse-times-dense product (N x I by I x B) computed before the loop; what
 * remains per step is the CSR product W x and the activation. The block's
 * drive is written straight into the rows of `states`, and each step
 * overwrites its row with the new state, so no (B, N) buffer is needed. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "nodes/activation.h"
#include "nodes/reservoir.h"

lacus_status lacus__run_ws_init(lacus__run_ws *ws, const lacus_reservoir *r)
{
    memset(ws, 0, sizeof *ws);
    int64_t N = r->p.n_units, I = r->p.n_inputs, B = LACUS__BLOCK_STEPS;
    ws->UT = LACUS__NEW(double, I * B);
    ws->DT = LACUS__NEW(double, N * B);
    if (r->p.noise_rc != 0.0) ws->noise = LACUS__NEW(double, N * B);
    if (!ws->UT || !ws->DT || (r->p.noise_rc != 0.0 && !ws->noise)) {
        lacus__run_ws_free(ws);
        return LACUS_ERR_NOMEM;
    }
    return LACUS_OK;
}

void lacus__run_ws_free(lacus__run_ws *ws)
{
    lacus__free(ws->UT);
    lacus__free(ws->DT);
    lacus__free(ws->noise);
    memset(ws, 0, sizeof *ws);
}

void lacus__run_ws_seed(lacus__run_ws *ws, const lacus_reservoir *r, uint64_t call,
                        uint64_t index)
{
    lacus__rng_stream(&ws->rng, r->p.seed ^ (call * 0x9e3779b97f4a7c15ULL), LACUS__STREAM_NOISE,
                      index);
}

static inline double noise_draw(lacus__rng *rng, lacus_noise type)
{
    return type == LACUS_NOISE_UNIFORM ? 2.0 * lacus__rng_uniform(rng) - 1.0
                                       : lacus__rng_normal(rng);
}

/* Copies the block's inputs (transposed) and draws its noise serially, step
 * by step (input noise, then state noise), before any thread starts: the
 * numbers then depend neither on how units are split across threads nor on
 * how a sequence is cut into blocks or chunks. */
void lacus__fill_block_inputs(const lacus_reservoir *r, lacus__run_ws *ws, const double *u,
                              int64_t ldu, int64_t nb)
{
    int64_t I = r->p.n_inputs, N = r->p.n_units, B = LACUS__BLOCK_STEPS;
    for (int64_t t = 0; t < nb; t++) {
        for (int64_t j = 0; j < I; j++) {
            double v = u[t * ldu + j];
            if (r->p.noise_in != 0.0) v += r->p.noise_in * noise_draw(&ws->rng, r->p.noise_type);
            ws->UT[j * B + t] = v;
        }
        if (ws->noise)
            for (int64_t n = 0; n < N; n++)
                ws->noise[t * N + n] = r->p.noise_rc * noise_draw(&ws->rng, r->p.noise_type);
    }
}

/* Rows [n0, n1) of the drive: states[t, n] = (Win u[t])[n] + b[n]. */
void lacus__block_drive(const lacus_reservoir *r, lacus__run_ws *ws, int64_t nb, double *states,
                        int64_t lds, int64_t n0, int64_t n1)
{
    int64_t B = LACUS__BLOCK_STEPS;
    lacus__csr_times_dense_rows(&r->Win, ws->UT, B, nb, ws->DT, B, n0, n1);
    for (int64_t n = n0; n < n1; n++) {
        const double *d = ws->DT + n * B;
        for (int64_t t = 0; t < nb; t++) states[t * lds + n] = d[t] + r->bias[n];
    }
}

/* Units are handed to threads in chunks of this many (static schedule). */
#define UNIT_CHUNK 64

/* Recurrent sums of units [n0, n1) for S lanes:
 *   sums[(n - n0) * S + s] = sum_k W[n, k] xi[k * S + s].
 * xi is the (N, S) interleaved state, so the S values one weight multiplies
 * are contiguous. Every sum is taken in the order of lacus__csr_row_dot
 * (linalg/csr.h), so the result is the same for any S and any thread count.
 * Inlined with S a constant. */
static inline __attribute__((always_inline)) void recurrent_sums(const lacus__csr *W,
                                                                 const double *xi, const int S,
                                                                 int64_t n0, int64_t n1,
                                                                 double *sums)
{
    const int64_t *p = W->indptr;
    const int32_t *ix = W->indices;
    const double *v = W->values;
    for (int64_t n = n0; n < n1; n++) {
        if (S == 1) sums[n - n0] = lacus__csr_row_dot(ix, v, xi, p[n], p[n + 1]);
        else lacus__csr_row_dot_lanes(ix, v, xi, S, p[n], p[n + 1], sums + (n - n0) * S);
    }
}

/* The same with S (1 to LACUS__BATCH_MAX = 8) dispatched to a compile-time
 * constant. */
static void recurrent_sums_any(const lacus__csr *W, const double *xi, int S, int64_t n0,
                               int64_t n1, double *sums)
{
    switch (S) {
#define CASE(k) \
    case k: recurrent_sums(W, xi, k, n0, n1, sums); break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    }
}

/* One step for units [n0, n1) (at most UNIT_CHUNK) of S lanes. row[s] holds
 * the lane's drive on entry and its new state on exit (its pre-activation
 * for softmax, which the caller finishes). */
static void step_units(const lacus_reservoir *r, int S, const double *xi_prev, double *xi_next,
                       double *const *row, const double *const *noise, int64_t n0, int64_t n1)
{
    /* Every entry [0, m) is written by recurrent_sums_any before it is read;
     * GCC cannot see through the dispatch and would warn. */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC-only warning */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
    double pre[UNIT_CHUNK * LACUS__BATCH_MAX];
    const int64_t m = (n1 - n0) * S;
    recurrent_sums_any(&r->W, xi_prev, S, n0, n1, pre);
    for (int64_t n = n0; n < n1; n++)
        for (int s = 0; s < S; s++) pre[(n - n0) * S + s] += row[s][n];
    if (r->p.activation == LACUS_ACT_SOFTMAX) {
        for (int64_t n = n0; n < n1; n++)
            for (int s = 0; s < S; s++) row[s][n] = pre[(n - n0) * S + s];
        return;
    }
    lacus__activate(r->p.activation, pre, pre, m);
    for (int64_t n = n0; n < n1; n++)
        for (int s = 0; s < S; s++) {
            double y = lacus__leak(r, n, xi_prev[n * S + s], pre[(n - n0) * S + s], noise[s]);
            row[s][n] = y;
            xi_next[n * S + s] = y;
        }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}

/* Softmax over the units of one step, then the leak; serial, fixed order. */
static void softmax_finish(const lacus_reservoir *r, int s, int S, const double *xi_prev,
                           double *xi_next, double *row, const double *noise)
{
    int64_t N = r->p.n_units;
    double m = -INFINITY, sum = 0.0;
    for (int64_t n = 0; n < N; n++) m = fmax(m, row[n]);
    for (int64_t n = 0; n < N; n++) sum += (row[n] = exp(row[n] - m));
    for (int64_t n = 0; n < N; n++) {
        row[n] = lacus__leak(r, n, xi_prev[n * S + s], row[n] / sum, noise);
        xi_next[n * S + s] = row[n];
    }
}

static void run_block(const lacus_reservoir *r, const lacus__lane *lanes, int S, int64_t t0,
                      int64_t nb, double *xi, int parallel)
{
    const int64_t N = r->p.n_units, n_chunks = (N + UNIT_CHUNK - 1) / UNIT_CHUNK;
    const int softmax = r->p.activation == LACUS_ACT_SOFTMAX;
#pragma omp parallel if (parallel)
    {
        for (int s = 0; s < S; s++) {
#pragma omp for schedule(static) nowait
            for (int64_t c = 0; c < n_chunks; c++) {
                int64_t n0 = c * UNIT_CHUNK, n1 = n0 + UNIT_CHUNK < N ? n0 + UNIT_CHUNK : N;
                lacus__block_drive(r, lanes[s].ws, nb, lanes[s].states + t0 * lanes[s].lds,
                            lanes[s].lds, n0, n1);
            }
        }
#pragma omp barrier
        for (int64_t t = 0; t < nb; t++) {
            const double *xi_prev = xi + (t & 1) * N * S;
            double *xi_next = xi + ((t + 1) & 1) * N * S;
            double *row[LACUS__BATCH_MAX];
            const double *noise[LACUS__BATCH_MAX];
            for (int s = 0; s < S; s++) {
                row[s] = lanes[s].states + (t0 + t) * lanes[s].lds;
                noise[s] = lanes[s].ws->noise ? lanes[s].ws->noise + t * N : NULL;
            }
#pragma omp for schedule(static)
            for (int64_t c = 0; c < n_chunks; c++) {
                int64_t n0 = c * UNIT_CHUNK, n1 = n0 + UNIT_CHUNK < N ? n0 + UNIT_CHUNK : N;
                step_units(r, S, xi_prev, xi_next, row, noise, n0, n1);
            }
            if (softmax) {
#pragma omp single
                for (int s = 0; s < S; s++) softmax_finish(r, s, S, xi_prev, xi_next, row[s], noise[s]);
            }
        }
    }
}

void lacus__reservoir_steps(const lacus_reservoir *r, const lacus__lane *lanes, int S,
                            int64_t n_steps, double *xi, int parallel)
{
    const int64_t N = r->p.n_units;
    if (r->W.nnz * S + N * S < LACUS__PARALLEL_WORK_MIN) parallel = 0;
    for (int s = 0; s < S; s++)
        for (int64_t n = 0; n < N; n++) xi[n * S + s] = lanes[s].x[n];
    for (int64_t t0 = 0; t0 < n_steps; t0 += LACUS__BLOCK_STEPS) {
        int64_t nb = n_steps - t0 < LACUS__BLOCK_STEPS ? n_steps - t0 : LACUS__BLOCK_STEPS;
        for (int s = 0; s < S; s++)
            lacus__fill_block_inputs(r, lanes[s].ws, lanes[s].u + t0 * lanes[s].ldu, lanes[s].ldu, nb);
        run_block(r, lanes, S, t0, nb, xi, parallel);
        /* After nb steps the newest states sit in the buffer nb & 1; keep
         * them in the first buffer for the next block. */
        if (nb & 1) memcpy(xi, xi + N * S, (size_t)(N * S) * sizeof *xi);
    }
    for (int s = 0; s < S; s++)
        for (int64_t n = 0; n < N; n++) lanes[s].x[n] = xi[n * S + s];
}
