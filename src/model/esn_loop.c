/* The closed-loop step shared by generation, closed-loop runs and FORCE:
 * one sequence, one step (see esn_loop.c for why it is not the general
 * block kernel). */
#include <math.h>
#include <string.h>

#include "model/esn.h"
#include "linalg/blas.h"
#include "nodes/activation.h"

/* a + b * c, fused exactly where the reservoir kernel fuses it
 * (nodes/reservoir_step.c, linalg/csr.c), so both give the same bits. */
#define MADD LACUS__CSR_MADD

/* The closed loop's one-sequence step, fused:
 *   pre = W x + (Win u + b);  x_next = (1 - lr) x + lr f(pre)
 * with the summation order of lacus__reservoir_steps (Win u summed over the
 * row's non-zeros from 0, then + b; W x split by k mod 4 into four chains
 * added as (p0 + p1) + (p2 + p3)), so generation gives bit for bit the
 * numbers of lacus_esn_run. Why a second copy of the step: the general
 * kernel is built for blocks of many steps (it transposes a block of inputs
 * and draws noise per block); in a closed loop every block is one step
 * long. Only for element-wise activations without noise (the caller falls
 * back to the general kernel otherwise). x and x_next (n_units) must not
 * overlap; pre is scratch (n_units). */
static void fused_rows(const lacus_reservoir *r, const double *x, const double *u, double *pre,
                       double *x_next, int64_t n0, int64_t n1)
{
    const int64_t *p = r->W.indptr, *pi = r->Win.indptr;
    const int32_t *ix = r->W.indices, *iix = r->Win.indices;
    const double *v = r->W.values, *vi = r->Win.values;
    for (int64_t n = n0; n < n1; n++) {
        double d = 0.0;
        for (int64_t k = pi[n]; k < pi[n + 1]; k++) d = MADD(d, vi[k], u[iix[k]]);
        pre[n] = lacus__csr_row_dot(ix, v, x, p[n], p[n + 1]) + (d + r->bias[n]);
    }
    lacus__activate(r->p.activation, pre + n0, pre + n0, n1 - n0);
    for (int64_t n = n0; n < n1; n++) x_next[n] = lacus__leak(r, n, x[n], pre[n], NULL);
}

/* Rows in chunks of 64 over the OpenMP team when the step is large enough
 * (the general kernel's LACUS__PARALLEL_WORK_MIN): each row is computed by
 * one thread in its fixed order and the activation is element-wise, so the
 * bits do not depend on the thread count. */
static void fused_step(const lacus_reservoir *r, const double *x, const double *u, double *pre,
                       double *x_next, int team)
{
    enum { CHUNK = 64 };
    const int64_t N = r->p.n_units, n_chunks = (N + CHUNK - 1) / CHUNK;
    const int parallel = team > 1 && r->W.nnz + r->Win.nnz + N >= LACUS__PARALLEL_WORK_MIN;
#pragma omp parallel for schedule(static) num_threads(team) if (parallel)
    for (int64_t c = 0; c < n_chunks; c++)
        fused_rows(r, x, u, pre, x_next, c * CHUNK, c * CHUNK + CHUNK < N ? c * CHUNK + CHUNK : N);
}

static int can_fuse(const lacus_reservoir *r)
{
    return r->p.noise_rc == 0.0 && r->p.noise_in == 0.0 && r->p.activation != LACUS_ACT_SOFTMAX;
}

/* One closed-loop step: x (n_units) advanced in place, its new value also
 * written to `state` (may be x's own copy target). */
void lacus__esn_loop_step(const lacus_reservoir *r, lacus__run_ws *ws, double *x, const double *u,
                      int64_t ldu, double *state, int64_t lds, double *scratch, int team)
{
    int64_t N = r->p.n_units;
    if (can_fuse(r)) {
        fused_step(r, x, u, scratch, state, team);
        memcpy(x, state, (size_t)N * sizeof *x);
        (void)lds;
        return;
    }
    lacus__lane lane = {ws, x, u, ldu, state, lds};
    lacus__reservoir_steps(r, &lane, 1, 1, scratch, 0);
}


/* y = b + x Wout for one row: the same dgemm call, with the same arguments,
 * that lacus_ridge_predict's single tile makes (so the same bits), but
 * without the OpenMP region it opens around it: in a closed loop that
 * region, and its barrier, came once per step. The caller holds BLAS
 * serial (lacus__blas_serial_begin) for the whole loop. */
void lacus__esn_loop_readout(const lacus_ridge *rd, const double *x, double *y)
{
    int64_t F = rd->p.n_features, O = rd->p.n_outputs;
    memcpy(y, rd->b, (size_t)O * sizeof *y);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, (int)O, (int)F, 1.0, x, (int)F,
                rd->Wout, (int)O, 1.0, y, (int)O);
}

int lacus__esn_loop_begin(void) { return lacus__blas_serial_begin(); }
void lacus__esn_loop_end(int saved) { lacus__blas_serial_end(saved); }
