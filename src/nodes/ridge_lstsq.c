/* The ridge readout solved as a least-squares problem on the kept samples
 * (LACUS_SOLVER_LSTSQ), instead of through the normal equations.
 *
 *   min_W || A W - B ||^2,  A = [Xc; sqrt(ridge) I],  B = [Yc; 0]
 *
 * with Xc, Yc the centred samples (LACUS_BIAS_CENTERED; b = mean(y) -
 * mean(x) W), [1, X] (LACUS_BIAS_AUGMENTED: the constant's weight is
 * penalised like the others and is b) or X (LACUS_BIAS_NONE). It is the
 * same minimiser as the normal-equations solve, but LAPACK's dgelsd (SVD,
 * divide and conquer) works on A itself, whose condition number is the
 * square root of X^T X's: where the Cholesky route loses every digit
 * (reservoir states with condition numbers of 3e9-5e10, ridge below
 * ~1e-13), this one still gives the minimum-norm least-squares solution.
 * ridge = 0 is a plain least-squares readout, as Jaeger & Haas (2004)
 * trained theirs (the training noise being the regulariser); singular
 * values below eps * max(rows, cols) * s_max count as zero, NumPy lstsq's
 * default. Costs O(n F^2) and n F doubles: every sample must be kept. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "linalg/blas.h"
#include "nodes/ridge.h"
#include "nodes/ridge_lstsq.h"

lacus_status lacus__ridge_solve_lstsq(lacus_ridge *m)
{
    const int64_t F = m->p.n_features, O = m->p.n_outputs, n = m->n_kept;
    if (!m->keeping || n != m->n_samples)
        return lacus__fail(&m->err, LACUS_ERR_STATE,
                           "the lstsq solver needs every sample kept: %lld were added, "
                           "keep_samples = %lld", (long long)m->n_samples,
                           (long long)m->p.keep_samples);
    const int aug = m->p.bias == LACUS_BIAS_AUGMENTED, centred = m->p.bias == LACUS_BIAS_CENTERED;
    const int64_t c = F + aug;                         /* columns of A */
    const int64_t r = n + (m->p.ridge > 0.0 ? c : 0);  /* rows of A */
    const int64_t rb = r > c ? r : c;                  /* dgelsd's B holds the solution too */
    double *A = LACUS__ZNEW(double, r * c), *B = LACUS__ZNEW(double, rb * O);
    double *s = LACUS__NEW(double, (r < c ? r : c) + 1);
    lacus_status st = LACUS_OK;
    if (!A || !B || !s) {
        st = lacus__fail(&m->err, LACUS_ERR_NOMEM, "out of memory for the lstsq solve "
                         "(%lld x %lld)", (long long)r, (long long)c);
        goto done;
    }
    for (int64_t t = 0; t < n; t++) {
        double *row = A + t * c;
        if (aug) row[0] = 1.0;
        for (int64_t j = 0; j < F; j++)
            row[aug + j] = m->kept_X[t * F + j] - (centred ? m->sx[j] / (double)n : 0.0);
        for (int64_t o = 0; o < O; o++)
            B[t * O + o] = m->kept_Y[t * O + o] - (centred ? m->sy[o] / (double)n : 0.0);
    }
    if (m->p.ridge > 0.0)
        for (int64_t j = 0; j < c; j++) A[(n + j) * c + j] = sqrt(m->p.ridge);
    lapack_int rank = 0; /* not reported: the minimum-norm solution is what is wanted */
    double rcond = DBL_EPSILON * (double)(r > c ? r : c);
    int saved = lacus__blas_serial_begin(); /* the same bits whatever the thread count */
    lapack_int info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)r, (lapack_int)c,
                                     (lapack_int)O, A, (lapack_int)c, B, (lapack_int)O, s,
                                     rcond, &rank);
    lacus__blas_serial_end(saved);
    if (info != 0) {
        st = lacus__fail(&m->err, info > 0 ? LACUS_ERR_NUMERIC : LACUS_ERR_ARG,
                         "lstsq solve: LAPACK dgelsd returned %d (%s)", (int)info,
                         info > 0 ? "the SVD did not converge" : "bad argument");
        goto done;
    }
    for (int64_t j = 0; j < F; j++)
        memcpy(m->Wout + j * O, B + (aug + j) * O, (size_t)O * sizeof(double));
    for (int64_t o = 0; o < O; o++) {
        if (aug) {
            m->b[o] = B[o];
        } else if (centred) {
            double dot = 0.0;
            for (int64_t j = 0; j < F; j++) dot += m->sx[j] * m->Wout[j * O + o];
            m->b[o] = (m->sy[o] - dot) / (double)n;
        } else {
            m->b[o] = 0.0;
        }
    }
    m->last_solver = LACUS_SOLVER_LSTSQ;
done:
    lacus__free(A);
    lacus__free(B);
    lacus__free(s);
    return st;
}
