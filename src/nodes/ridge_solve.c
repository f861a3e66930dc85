/* Solving the ridge readout from its accumulated sums (see ridge.c for the
 * equations): the primal normal equations or, for few samples, the dual
 * kernel system. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"
#include "linalg/solve.h"
#include "linalg/tiled.h"
#include "nodes/ridge.h"
#include "nodes/ridge_lstsq.h"

/* Denominator of the rank-1 correction: n (centred), n + lambda (the 0.3
 * augmented bias) or none. */
static double bias_denominator(const lacus_ridge *m)
{
    switch (m->p.bias) {
    case LACUS_BIAS_CENTERED: return (double)m->n_samples;
    case LACUS_BIAS_AUGMENTED: return (double)m->n_samples + m->p.ridge;
    case LACUS_BIAS_NONE:
    default: return 0.0;
    }
}

typedef struct {
    const double *s;
    double c, ridge;
} prepare_ctx;

/* A_upper <- S + lambda I - s s^T / c, on the upper triangle only. */
static void prepare_primal(double *A, int64_t n, int64_t lda, void *vctx)
{
    const prepare_ctx *ctx = vctx;
    for (int64_t i = 0; i < n; i++) {
        double *row = A + i * lda;
        if (ctx->c > 0.0) {
            double si = ctx->s[i] / ctx->c;
            for (int64_t j = i; j < n; j++) row[j] -= si * ctx->s[j];
        }
        row[i] += ctx->ridge;
    }
}

/* b = (sy - Wout^T sx) / c. The dot products run over Wout's rows (one
 * sweep of contiguous memory, each output's sum still in the order j = 0,
 * 1, ...): walking each column O apart took 50 ms at F = 10,000, O = 768. */
static void solve_bias(lacus_ridge *m, double c)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    for (int64_t o = 0; o < O; o++) m->b[o] = 0.0;
    if (c <= 0.0) return;
    for (int64_t j = 0; j < F; j++) {
        const double s = m->sx[j], *w = m->Wout + j * O;
        for (int64_t o = 0; o < O; o++) m->b[o] += s * w[o];
    }
    for (int64_t o = 0; o < O; o++) m->b[o] = (m->sy[o] - m->b[o]) / c;
}

static lacus_status solve_primal(lacus_ridge *m)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs;
    double c = bias_denominator(m);
    double *diag = LACUS__NEW(double, F);
    if (!diag) return lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the solve");
    /* Mirror the sums into the scratch lower triangle so the solve can
     * destroy the upper one and we can restore it afterwards. */
    lacus__sym_mirror_upper(F, m->XtX, F, diag);
    prepare_ctx ctx = {m->sx, c, m->p.ridge};
    prepare_primal(m->XtX, F, F, &ctx);
    for (int64_t i = 0; i < F; i++)
        for (int64_t o = 0; o < O; o++)
            m->Wout[i * O + o] = m->XtY[i * O + o] - (c > 0.0 ? m->sx[i] * m->sy[o] / c : 0.0);
    lacus_status st = lacus__sym_solve(F, O, m->XtX, F, diag, prepare_primal, &ctx, m->Wout,
                                       &m->used_fallback, &m->err);
    lacus__sym_restore_upper(F, m->XtX, F, diag);
    lacus__free(diag);
    if (st) return st;
    solve_bias(m, c);
    m->last_solver = LACUS_SOLVER_PRIMAL;
    return LACUS_OK;
}

/* Dual: K = Xc Xc^T (+ 1 1^T for the augmented bias) + lambda I, alpha =
 * K^-1 Yc, W = Xc^T alpha. The kept rows are used as they are, not copied
 * centred (a copy of n x F doubles was a fifth of the solve): with the mean
 * row m = sx / n and u = X m,
 *   Xc Xc^T = X X^T - u 1^T - 1 u^T + (m.m) 1 1^T,  Xc^T alpha = X^T alpha - m (1^T alpha),
 * the same rank-one correction of raw sums the primal form applies to X^T X
 * (1^T alpha is 0 up to rounding, since 1 spans the centred kernel's null
 * space and Yc sums to 0; it is applied anyway). */
static lacus_status solve_dual(lacus_ridge *m)
{
    int64_t F = m->p.n_features, O = m->p.n_outputs, n = m->n_kept;
    const int centred = m->p.bias == LACUS_BIAS_CENTERED;
    const double *X = m->kept_X;
    double *A = LACUS__NEW(double, n * O), *K = LACUS__ZNEW(double, n * n);
    double *diag = LACUS__NEW(double, n), *u = LACUS__ZNEW(double, n);
    double *mean = LACUS__ZNEW(double, F), *colsum = LACUS__ZNEW(double, O);
    lacus_status st = LACUS_OK;
    if (!A || !K || !diag || !u || !mean || !colsum) {
        st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the dual solve");
        goto done;
    }
    if (centred) {
        for (int64_t j = 0; j < F; j++) mean[j] = m->sx[j] / (double)n;
#pragma omp parallel for schedule(static)
        for (int64_t t = 0; t < n; t++) {
            double d = 0.0;
            for (int64_t j = 0; j < F; j++) d += X[t * F + j] * mean[j];
            u[t] = d;
        }
    }
    double mm = 0.0;
    for (int64_t j = 0; j < F; j++) mm += mean[j] * mean[j];
    for (int64_t t = 0; t < n; t++)
        for (int64_t o = 0; o < O; o++)
            A[t * O + o] = m->kept_Y[t * O + o] - (centred ? m->sy[o] / (double)n : 0.0);
    lacus__tiled_syrk_upper(n, F, X, F, 0, K, n); /* K = X X^T */
    const double ones = m->p.bias == LACUS_BIAS_AUGMENTED ? 1.0 : 0.0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = i; j < n; j++) K[i * n + j] += (mm - u[i] - u[j]) + ones;
        K[i * n + i] += m->p.ridge;
    }
    lacus__sym_mirror_upper(n, K, n, diag);
    if ((st = lacus__sym_solve(n, O, K, n, diag, NULL, NULL, A, &m->used_fallback, &m->err)))
        goto done;
    memset(m->Wout, 0, (size_t)(F * O) * sizeof(double));
    lacus__tiled_gemm_at_b(F, O, n, X, F, A, O, m->Wout, O);
    for (int64_t t = 0; t < n; t++)
        for (int64_t o = 0; o < O; o++) colsum[o] += A[t * O + o];
    if (centred) {
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < F; j++)
            for (int64_t o = 0; o < O; o++) m->Wout[j * O + o] -= mean[j] * colsum[o];
    }
    if (m->p.bias == LACUS_BIAS_AUGMENTED)
        for (int64_t o = 0; o < O; o++) m->b[o] = colsum[o];
    else
        solve_bias(m, centred ? (double)n : 0.0);
    m->last_solver = LACUS_SOLVER_DUAL;
done:
    lacus__free(A);
    lacus__free(K);
    lacus__free(diag);
    lacus__free(u);
    lacus__free(mean);
    lacus__free(colsum);
    return st;
}

lacus_status lacus_ridge_solve(lacus_ridge *m)
{
    if (m->n_samples == 0)
        return lacus__fail(&m->err, LACUS_ERR_STATE, "no samples were added before the solve");
    lacus_status st;
    int dual = m->keeping && m->p.solver != LACUS_SOLVER_PRIMAL;
    if (m->p.solver == LACUS_SOLVER_DUAL && !m->keeping)
        return lacus__fail(&m->err, LACUS_ERR_STATE,
                           "the dual solver needs all samples kept: %lld were added, "
                           "keep_samples = %lld (and fewer samples than the %lld features)",
                           (long long)m->n_samples, (long long)m->p.keep_samples,
                           (long long)m->p.n_features);
    if (m->p.solver == LACUS_SOLVER_LSTSQ) {
        st = lacus__ridge_solve_lstsq(m);
    } else if (dual) {
        st = solve_dual(m);
    } else {
        if (m->keeping && (st = lacus__ridge_flush_kept(m))) return st;
        lacus__ridge_flush_stage(m);
        st = solve_primal(m);
    }
    if (st) return st;
    st = lacus__check_finite(&m->err, "Wout", m->Wout, m->p.n_features, m->p.n_outputs,
                             m->p.n_outputs);
    if (st) return st;
    m->solved = 1;
    return LACUS_OK;
}
