/* Ridge (Tikhonov) readout, streamed.
 *
 * Problem, for all outputs at once (Hoerl & Kennard 1970; ReservoirPy's
 * Ridge node):
 *
 *   min_{W, b}  sum_t || y_t - W^T x_t - b ||^2 + lambda ||W||^2
 *
 * Primal form. With S = sum_t x_t x_t^T, s = sum_t x_t, sy = sum_t y_t and
 * n samples, eliminating b from the bordered system gives
 *
 *   (S + lambda I - s s^T / c) W = sum_t x_t y_t^T - s sy^T / c,
 *   b = (sy - W^T s) / c
 *
 * with c = n for the centred bias of ReservoirPy 0.4.2 (bias not penalised)
 * and c = n + lambda for the 0.3 behaviour (a constant-1 feature penalised
 * like the others); without bias the s-terms vanish. So the three modes share
 * one accumulator, S, and one rank-1 correction at solve time.
 *
 * Dual form, used while fewer samples than features were seen (and kept):
 * with Xc the (centred) sample matrix, W = Xc^T (Xc Xc^T + lambda I)^-1 Yc,
 * an n x n solve instead of features x features.
 *
 * S is accumulated into its upper triangle (tiled dsyrk/dgemm, in fixed
 * groups of rows: see stage_capacity); the strict lower
 * triangle is scratch that holds a mirror during the solve, so solving
 * leaves the sums intact (more data may be added and the solve repeated)
 * without a second features^2 buffer. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"
#include "linalg/solve.h"
#include "linalg/tiled.h"
#include "nodes/ridge.h"

lacus_ridge_params lacus_ridge_params_default(void)
{
    lacus_ridge_params p;
    memset(&p, 0, sizeof p);
    p.ridge = 0.0;
    p.bias = LACUS_BIAS_CENTERED;
    p.solver = LACUS_SOLVER_AUTO;
    p.keep_samples = 0;
    return p;
}

lacus_status lacus_ridge_params_check(const lacus_ridge_params *p, lacus_error *err)
{
    if (p->n_features < 1 || p->n_outputs < 1)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "readout sizes n_features = %lld, n_outputs = %lld: must be >= 1",
                           (long long)p->n_features, (long long)p->n_outputs);
    if (p->n_features > 200000)
        return lacus__fail(err, LACUS_ERR_ARG,
                           "n_features = %lld: at most 200000 (the normal equations need "
                           "n_features^2 doubles)",
                           (long long)p->n_features);
    if (!(p->ridge >= 0.0 && p->ridge < 1e300))
        return lacus__fail(err, LACUS_ERR_ARG, "ridge = %g: must be finite and >= 0", p->ridge);
    if ((unsigned)p->bias > LACUS_BIAS_NONE)
        return lacus__fail(err, LACUS_ERR_ARG, "bias mode %d: unknown", (int)p->bias);
    if ((unsigned)p->solver > LACUS_SOLVER_LSTSQ)
        return lacus__fail(err, LACUS_ERR_ARG, "solver %d: unknown", (int)p->solver);
    if (p->keep_samples < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "keep_samples = %lld: must be >= 0",
                           (long long)p->keep_samples);
    if (p->solver == LACUS_SOLVER_DUAL && p->keep_samples == 0)
        return lacus__fail(err, LACUS_ERR_ARG, "the dual solver needs keep_samples > 0");
    return LACUS_OK;
}

lacus_status lacus_ridge_create(const lacus_ridge_params *p, lacus_ridge **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = NULL;
    lacus_status st = lacus_ridge_params_check(p, err);
    if (st) return st;
    lacus_ridge *m = LACUS__ZNEW(lacus_ridge, 1);
    if (!m) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a readout");
    m->p = *p;
    int64_t F = p->n_features, O = p->n_outputs;
    m->sx = LACUS__ZNEW(double, F);
    m->sy = LACUS__ZNEW(double, O);
    m->Wout = LACUS__ZNEW(double, F * O);
    m->b = LACUS__ZNEW(double, O);
    if (!m->sx || !m->sy || !m->Wout || !m->b) {
        lacus_ridge_free(m);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a %lld x %lld readout",
                           (long long)F, (long long)O);
    }
    m->keeping = p->keep_samples > 0;
    *out = m;
    return LACUS_OK;
}

void lacus_ridge_free(lacus_ridge *m)
{
    if (!m) return;
    lacus__free(m->stage_X32);
    lacus__free(m->stage_Y32);
    lacus__free(m->XtX);
    lacus__free(m->XtY);
    lacus__free(m->stage_X);
    lacus__free(m->stage_Y);
    lacus__free(m->sx);
    lacus__free(m->sy);
    lacus__free(m->kept_X);
    lacus__free(m->kept_Y);
    lacus__free(m->Wout);
    lacus__free(m->b);
    lacus__free(m);
}

void lacus__ridge_release(lacus_ridge *m)
{
    lacus__free(m->stage_X32);
    lacus__free(m->stage_Y32);
    m->stage_X32 = NULL;
    m->stage_Y32 = NULL;
    lacus__free(m->XtX);
    lacus__free(m->XtY);
    lacus__free(m->stage_X);
    lacus__free(m->stage_Y);
    lacus__free(m->kept_X);
    lacus__free(m->kept_Y);
    m->XtX = m->XtY = m->stage_X = m->stage_Y = m->kept_X = m->kept_Y = NULL;
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    m->n_samples = m->n_kept = m->n_staged = 0;
    m->keeping = m->p.keep_samples > 0;
    memset(m->sx, 0, (size_t)F * sizeof(double));
    memset(m->sy, 0, (size_t)O * sizeof(double));
    if (m->solved) m->has_weights = 1;
    m->solved = 0;
}

int64_t lacus_ridge_n_features(const lacus_ridge *m) { return m->p.n_features; }
int64_t lacus_ridge_n_outputs(const lacus_ridge *m) { return m->p.n_outputs; }

const char *lacus_ridge_errmsg(const lacus_ridge *m) { return m ? m->err.msg : "NULL readout"; }

void lacus_ridge_reset(lacus_ridge *m)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    m->n_samples = 0;
    m->n_kept = 0;
    m->n_staged = 0;
    m->keeping = m->p.keep_samples > 0;
    memset(m->sx, 0, (size_t)F * sizeof(double));
    memset(m->sy, 0, (size_t)O * sizeof(double));
    if (m->XtX) memset(m->XtX, 0, (size_t)(F * F) * sizeof(double));
    if (m->XtY) memset(m->XtY, 0, (size_t)(F * O) * sizeof(double));
    m->solved = 0;
}

/* Rows are staged into groups of a fixed size before they reach X^T X, so
 * the sums see the same groups whatever the callers' chunk sizes and thread
 * counts (bit-identical results), and each BLAS update has a long inner
 * dimension. The group size depends only on the width: about 64 MB. */
static int64_t stage_capacity(int64_t F)
{
    int64_t rows = (8LL << 20) / (F > 0 ? F : 1);
    return rows < 256 ? 256 : rows > 1024 ? 1024 : rows;
}

static lacus_status ensure_primal(lacus_ridge *m)
{
    if (m->XtX) return LACUS_OK;
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    m->stage_cap = stage_capacity(F);
    m->XtX = LACUS__ZNEW(double, F * F);
    m->XtY = LACUS__ZNEW(double, F * O);
    m->stage_X = LACUS__NEW(double, m->stage_cap * F);
    m->stage_Y = LACUS__NEW(double, m->stage_cap * O);
    if (m->p.accumulate_f32) {
        m->stage_X32 = LACUS__NEW(float, m->stage_cap * F);
        m->stage_Y32 = LACUS__NEW(float, m->stage_cap * O);
    }
    if (!m->XtX || !m->XtY || !m->stage_X || !m->stage_Y ||
        (m->p.accumulate_f32 && (!m->stage_X32 || !m->stage_Y32))) {
        lacus__free(m->stage_X32);
        lacus__free(m->stage_Y32);
        m->stage_X32 = NULL;
        m->stage_Y32 = NULL;
        lacus__free(m->XtX);
        lacus__free(m->XtY);
        lacus__free(m->stage_X);
        lacus__free(m->stage_Y);
        m->XtX = m->XtY = m->stage_X = m->stage_Y = NULL;
        return lacus__fail(&m->err, LACUS_ERR_NOMEM,
                           "out of memory for the %lld x %lld normal equations (%.1f GiB)",
                           (long long)F, (long long)F, (double)(F * F) * 8.0 / (1 << 30));
    }
    return LACUS_OK;
}

/* Adds the staged rows to X^T X and X^T Y. */
void lacus__ridge_flush_stage(lacus_ridge *m)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs, n = m->n_staged;
    if (n == 0) return;
    if (m->stage_X32) {
        for (int64_t i = 0; i < n * F; i++) m->stage_X32[i] = (float)m->stage_X[i];
        for (int64_t i = 0; i < n * O; i++) m->stage_Y32[i] = (float)m->stage_Y[i];
        lacus__tiled_syrk_upper_f32(F, n, m->stage_X32, F, m->XtX, F);
        lacus__tiled_gemm_at_b_f32(F, O, n, m->stage_X32, F, m->stage_Y32, O, m->XtY, O);
    } else {
        lacus__tiled_syrk_upper(F, n, m->stage_X, F, 1, m->XtX, F);
        lacus__tiled_gemm_at_b(F, O, n, m->stage_X, F, m->stage_Y, O, m->XtY, O);
    }
    m->n_staged = 0;
}

static void primal_add(lacus_ridge *m, const double *x, int64_t ldx, const double *y, int64_t ldy,
                       int64_t n)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    for (int64_t t = 0; t < n; t++) {
        memcpy(m->stage_X + m->n_staged * F, x + t * ldx, (size_t)F * sizeof(double));
        memcpy(m->stage_Y + m->n_staged * O, y + t * ldy, (size_t)O * sizeof(double));
        if (++m->n_staged == m->stage_cap) lacus__ridge_flush_stage(m);
    }
}

/* Moves the kept samples into the primal sums and stops keeping. */
lacus_status lacus__ridge_flush_kept(lacus_ridge *m)
{
    lacus_status st = ensure_primal(m);
    if (st) return st;
    if (m->n_kept)
        primal_add(m, m->kept_X, m->p.n_features, m->kept_Y, m->p.n_outputs, m->n_kept);
    m->keeping = 0;
    m->n_kept = 0;
    lacus__free(m->kept_X);
    lacus__free(m->kept_Y);
    m->kept_X = m->kept_Y = NULL;
    return LACUS_OK;
}

/* Blocks of at least this many values are summed and kept on the team. */
#define PARALLEL_COPY_MIN (1 << 20)

lacus_status lacus__ridge_accumulate(lacus_ridge *m, const double *x, int64_t ldx,
                                     const double *y, int64_t ldy, int64_t n)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    /* Column sums, each column's rows in order (so the same bits on any
     * team); columns in blocks across the team when the block is large. */
#pragma omp parallel for schedule(static) if (n * F >= PARALLEL_COPY_MIN)
    for (int64_t j0 = 0; j0 < F; j0 += 512) {
        int64_t j1 = j0 + 512 < F ? j0 + 512 : F;
        for (int64_t t = 0; t < n; t++)
            for (int64_t j = j0; j < j1; j++) m->sx[j] += x[t * ldx + j];
    }
    for (int64_t t = 0; t < n; t++)
        for (int64_t j = 0; j < O; j++) m->sy[j] += y[t * ldy + j];
    m->n_samples += n;
    m->solved = 0;
    if (m->keeping && m->n_kept + n <= m->p.keep_samples &&
        (m->n_kept + n < F || m->p.solver == LACUS_SOLVER_LSTSQ)) {
        if (!m->kept_X) {
            m->kept_X = LACUS__NEW(double, m->p.keep_samples * F);
            m->kept_Y = LACUS__NEW(double, m->p.keep_samples * O);
            if (!m->kept_X || !m->kept_Y)
                return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory keeping samples");
        }
        /* On the team when large: the first touch of the fresh pages is
         * most of the cost (a 1,000 x 10,000 block: 0.07 s serially). */
#pragma omp parallel for schedule(static) if (n * F >= PARALLEL_COPY_MIN)
        for (int64_t t = 0; t < n; t++) {
            memcpy(m->kept_X + (m->n_kept + t) * F, x + t * ldx, (size_t)F * sizeof(double));
            memcpy(m->kept_Y + (m->n_kept + t) * O, y + t * ldy, (size_t)O * sizeof(double));
        }
        m->n_kept += n;
        return LACUS_OK;
    }
    lacus_status st = m->keeping ? lacus__ridge_flush_kept(m) : ensure_primal(m);
    if (st) return st;
    primal_add(m, x, ldx, y, ldy, n);
    return LACUS_OK;
}

lacus_status lacus_ridge_partial_fit(lacus_ridge *m, const double *x, int64_t ldx,
                                     const double *y, int64_t ldy, int64_t n_rows)
{
    if (!x || !y) return lacus__fail(&m->err, LACUS_ERR_ARG, "x or y is NULL");
    if (n_rows < 0) return lacus__fail(&m->err, LACUS_ERR_ARG, "n_rows = %lld: must be >= 0", (long long)n_rows);
    if (ldx < m->p.n_features || ldy < m->p.n_outputs)
        return lacus__fail(&m->err, LACUS_ERR_SHAPE,
                           "row strides ldx = %lld, ldy = %lld are smaller than the widths "
                           "n_features = %lld, n_outputs = %lld",
                           (long long)ldx, (long long)ldy, (long long)m->p.n_features,
                           (long long)m->p.n_outputs);
    lacus_status st;
    if ((st = lacus__check_finite(&m->err, "x", x, n_rows, m->p.n_features, ldx)) ||
        (st = lacus__check_finite(&m->err, "y", y, n_rows, m->p.n_outputs, ldy)))
        return st;
    return lacus__ridge_accumulate(m, x, ldx, y, ldy, n_rows);
}

int64_t lacus_ridge_n_samples(const lacus_ridge *m) { return m->n_samples; }
lacus_solver lacus_ridge_last_solver(const lacus_ridge *m) { return m->last_solver; }
int lacus_ridge_used_fallback(const lacus_ridge *m) { return m->used_fallback; }

lacus_status lacus_ridge_predict(const lacus_ridge *m, const double *x, int64_t ldx,
                                 int64_t n_rows, double *y, int64_t ldy)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    if (!m->solved && !m->has_weights)
        return LACUS_ERR_STATE;
    for (int64_t t = 0; t < n_rows; t++) memcpy(y + t * ldy, m->b, (size_t)O * sizeof(double));
    lacus__tiled_gemm(n_rows, O, F, x, ldx, m->Wout, O, 1.0, y, ldy);
    return LACUS_OK;
}

lacus_status lacus_ridge_get_weights(const lacus_ridge *m, double *Wout, double *b)
{
    if (!m->solved && !m->has_weights) return LACUS_ERR_STATE;
    if (Wout) memcpy(Wout, m->Wout, (size_t)(m->p.n_features * m->p.n_outputs) * sizeof(double));
    if (b) memcpy(b, m->b, (size_t)m->p.n_outputs * sizeof(double));
    return LACUS_OK;
}

lacus_status lacus_ridge_set_weights(lacus_ridge *m, const double *Wout, const double *b)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    lacus_status st;
    if ((st = lacus__check_finite(&m->err, "Wout", Wout, F, O, O)) ||
        (b && (st = lacus__check_finite(&m->err, "bias", b, 1, O, O))))
        return st;
    memcpy(m->Wout, Wout, (size_t)(F * O) * sizeof(double));
    if (b) memcpy(m->b, b, (size_t)O * sizeof(double));
    else memset(m->b, 0, (size_t)O * sizeof(double));
    m->has_weights = 1;
    return LACUS_OK;
}
