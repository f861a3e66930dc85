/* lacus/ridge.h — the streaming ridge readout. Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_RIDGE_H
#define LACUS_RIDGE_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/ridge.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Ridge readout                                                            */
/* ------------------------------------------------------------------------ */

/*
 * Solves, for every output column at once,
 *
 *   min_{Wout, b}  sum_t || y[t] - Wout^T x[t] - b ||^2 + ridge * ||Wout||^2
 *
 * LACUS_BIAS_CENTERED (ReservoirPy 0.4.2, default): X and Y are centred, the
 *   bias is not penalised: Wout = (Xc^T Xc + ridge I)^-1 Xc^T Yc,
 *   b = mean(y) - mean(x) Wout.
 * LACUS_BIAS_AUGMENTED (ReservoirPy 0.3): a constant-1 column is prepended to
 *   X and penalised like the other weights.
 * LACUS_BIAS_NONE: b = 0.
 *
 * X^T X and X^T Y are accumulated chunk by chunk (partial_fit), so the states
 * of the whole data set are never held. The solve is a Cholesky
 * factorisation, falling back to a symmetric indefinite (Bunch-Kaufman)
 * solve when X^T X + ridge I is not numerically positive definite. When the
 * number of accumulated samples is smaller than the number of features and
 * the data were kept (keep_samples), the dual (kernel) form is solved:
 * Wout = Xc^T (Xc Xc^T + ridge I)^-1 Yc.
 */
typedef enum lacus_bias_mode {
    LACUS_BIAS_CENTERED = 0,
    LACUS_BIAS_AUGMENTED = 1,
    LACUS_BIAS_NONE = 2
} lacus_bias_mode;

typedef enum lacus_solver {
    LACUS_SOLVER_AUTO = 0,   /* dual when n_samples < n_features and samples kept */
    LACUS_SOLVER_PRIMAL = 1, /* Cholesky on the (n_features)^2 normal equations */
    LACUS_SOLVER_DUAL = 2,   /* Cholesky on the (n_samples)^2 kernel; needs keep_samples */
    /* SVD least squares (LAPACK dgelsd) on the kept samples stacked with
     * sqrt(ridge) I: the same minimiser without squaring the condition
     * number, usable down to ridge = 0 (a plain least-squares readout, as
     * Jaeger & Haas 2004). Needs keep_samples >= the number of samples
     * (LACUS_ERR_STATE at the solve otherwise: a loaded model keeps its
     * weights but not its samples, so it must be refitted with keep_samples
     * set); O(n F^2) time, n F memory. */
    LACUS_SOLVER_LSTSQ = 3
} lacus_solver;

/* "centered", "augmented", "none"; "auto", "primal", "dual", "lstsq". */
const char *lacus_bias_mode_name(lacus_bias_mode b);
lacus_status lacus_bias_mode_parse(const char *name, lacus_bias_mode *out);
const char *lacus_solver_name(lacus_solver s);
lacus_status lacus_solver_parse(const char *name, lacus_solver *out);

typedef struct lacus_ridge_params {
    int64_t n_features;     /* required, >= 1 */
    int64_t n_outputs;      /* required, >= 1 */
    double ridge;           /* >= 0; default 0 (as ReservoirPy) */
    lacus_bias_mode bias;   /* default centred */
    lacus_solver solver;    /* default auto */
    int64_t keep_samples;   /* keep up to this many rows for the dual form;
                               default 0 (primal only) */
    /* 1: X^T X and X^T Y in mixed precision: each staged group of rows
     * (up to 1024) is multiplied in float32 (sgemm, about twice dgemm's
     * rate) and the groups are summed in float64. The column sums and the
     * solve stay in float64. Each entry stays within the float32 dot-product
     * error bound, (k + 2) 2^-24 sum |x_i x_j| for k rows per group
     * (test_ridge_f32); default 0. */
    int accumulate_f32;
} lacus_ridge_params;

lacus_ridge_params lacus_ridge_params_default(void);

typedef struct lacus_ridge lacus_ridge;
lacus_status lacus_ridge_create(const lacus_ridge_params *p, lacus_ridge **out, lacus_error *err);
void lacus_ridge_free(lacus_ridge *m);
const char *lacus_ridge_errmsg(const lacus_ridge *m);

/* Adds samples to the sums.  x (n_rows, n_features) with row stride ldx,
 * y (n_rows, n_outputs) with row stride ldy. NaN/Inf are rejected. */
lacus_status lacus_ridge_partial_fit(lacus_ridge *m, const double *x, int64_t ldx,
                                     const double *y, int64_t ldy, int64_t n_rows);
/* Solves with what has been accumulated; may be called again after more
 * partial_fit calls. Fails with LACUS_ERR_STATE if nothing was added. */
lacus_status lacus_ridge_solve(lacus_ridge *m);
/* Clears the sums (and the solution). */
void lacus_ridge_reset(lacus_ridge *m);
/* y (n_rows, n_outputs) = x Wout + b. */
lacus_status lacus_ridge_predict(const lacus_ridge *m, const double *x, int64_t ldx,
                                 int64_t n_rows, double *y, int64_t ldy);
/* Wout (n_features, n_outputs), b (n_outputs). */
lacus_status lacus_ridge_get_weights(const lacus_ridge *m, double *Wout, double *b);
lacus_status lacus_ridge_set_weights(lacus_ridge *m, const double *Wout, const double *b);
int64_t lacus_ridge_n_samples(const lacus_ridge *m);
/* The shapes of Wout: (n_features, n_outputs). */
int64_t lacus_ridge_n_features(const lacus_ridge *m);
int64_t lacus_ridge_n_outputs(const lacus_ridge *m);
/* Which solver the last solve used (primal, dual), and whether the Cholesky
 * factorisation fell back to the indefinite solve (1) or not (0). */
lacus_solver lacus_ridge_last_solver(const lacus_ridge *m);
int lacus_ridge_used_fallback(const lacus_ridge *m);

#endif /* LACUS_RIDGE_H */
