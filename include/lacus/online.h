/* lacus/online.h — online readouts: RLS (FORCE) and LMS. Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_ONLINE_H
#define LACUS_ONLINE_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/online.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Online readouts: RLS (FORCE) and LMS                                     */
/* ------------------------------------------------------------------------ */

/*
 * Readouts trained one sample at a time, as ReservoirPy 0.4.2's RLS and LMS
 * nodes (same equations, same numbers: docs/online.md). For a sample x
 * (n_features), target y (n_outputs), weights W (n_features x n_outputs)
 * and bias b (n_outputs), every step computes the a-priori prediction and
 * error, then updates:
 *
 *   y_hat = W^T x + b,  e = y_hat - y        (prediction BEFORE the update)
 *
 * LACUS_ONLINE_RLS (recursive least squares, Haykin; FORCE learning,
 * Sussillo & Abbott 2009), with forgetting factor lambda, P(0) = I / alpha:
 *   k = P x / (lambda + x^T P x)
 *   P <- (P - P x x^T P / (lambda + x^T P x)) / lambda
 *   W <- W - k e^T
 *   s <- lambda s + 1;  b <- b - e / s       (fit_bias; s(0) = 0)
 * LACUS_ONLINE_LMS (Widrow-Hoff), learning rate alpha:
 *   W <- W - alpha x e^T
 *   b <- b - alpha e                         (fit_bias)
 *
 * The RLS bias is NOT part of P: it is a (forgetting-weighted) running
 * correction, exactly as in ReservoirPy. With fit_bias = 0, lambda = 1 and
 * W(0) = 0, RLS gives after T samples exactly the ridge solution
 * (X^T X + alpha I)^-1 X^T Y (lacus_ridge with LACUS_BIAS_NONE, ridge =
 * alpha); append a constant-1 feature to x to get LACUS_BIAS_AUGMENTED.
 * Cost per step: RLS O(n_features^2 + n_features n_outputs), LMS
 * O(n_features n_outputs); memory n_features^2 doubles for P (RLS).
 *
 * Divergence (NaN/Inf or a non-positive x^T P x + lambda, e.g. P blowing up
 * with lambda < 1 and uninformative inputs, or an LMS rate too large) is
 * detected before anything is changed: the call returns LACUS_ERR_NUMERIC,
 * lacus_online_errmsg says which step diverged and why, and W, b and P stay
 * at their values after the last good step.
 */
typedef enum lacus_online_method {
    LACUS_ONLINE_RLS = 0,
    LACUS_ONLINE_LMS = 1
} lacus_online_method;

typedef struct lacus_online_params {
    int64_t n_features;         /* required, >= 1 (RLS: at most 100000) */
    int64_t n_outputs;          /* required, >= 1 */
    lacus_online_method method; /* default RLS */
    double alpha;               /* RLS: P(0) = I / alpha, finite and > 0, default
                                   1e-6 (as ReservoirPy); LMS: learning rate,
                                   finite and > 0, set it (default 1e-6 too) */
    double forgetting;          /* RLS lambda in (0, 1]; default 1 (LMS: ignored) */
    int fit_bias;               /* 1 (default, as ReservoirPy): learn b; 0: b stays */
} lacus_online_params;

lacus_online_params lacus_online_params_default(void);
/* Checks every field; messages name the parameter and its allowed range. */
lacus_status lacus_online_params_check(const lacus_online_params *p, lacus_error *err);

typedef struct lacus_online lacus_online;
/* W = 0, b = 0, P = I / alpha. */
lacus_status lacus_online_create(const lacus_online_params *p, lacus_online **out,
                                 lacus_error *err);
void lacus_online_free(lacus_online *m);
const char *lacus_online_errmsg(const lacus_online *m);
/* Back to W = 0, b = 0, P = I / alpha, zero steps. */
void lacus_online_reset(lacus_online *m);

/* One learning step. x (n_features), y (n_outputs); y_hat (n_outputs, may be
 * NULL) receives the a-priori prediction W^T x + b used in the error.
 * NaN/Inf in x or y: LACUS_ERR_NUMERIC, nothing changed. */
lacus_status lacus_online_step(lacus_online *m, const double *x, const double *y, double *y_hat);
/* n_rows steps in order: x (n_rows, n_features) with row stride ldx, y
 * (n_rows, n_outputs) stride ldy; y_hat (n_rows, n_outputs, stride
 * n_outputs; may be NULL) gets the a-priori prediction of each step. All
 * rows are checked for NaN/Inf before the first step. On divergence at row
 * i, rows 0..i-1 are learned (and their y_hat written) and the message
 * names row i. */
lacus_status lacus_online_partial_fit(lacus_online *m, const double *x, int64_t ldx,
                                      const double *y, int64_t ldy, int64_t n_rows,
                                      double *y_hat);
/* y (n_rows, n_outputs) = x W + b, without learning. */
lacus_status lacus_online_predict(const lacus_online *m, const double *x, int64_t ldx,
                                  int64_t n_rows, double *y, int64_t ldy);
/* W (n_features, n_outputs), b (n_outputs; may be NULL). set_weights
 * leaves P and the bias count s as they are; it rejects NaN/Inf. */
lacus_status lacus_online_get_weights(const lacus_online *m, double *Wout, double *b);
lacus_status lacus_online_set_weights(lacus_online *m, const double *Wout, const double *b);
/* Steps learned since create/reset. */
int64_t lacus_online_n_steps(const lacus_online *m);

#endif /* LACUS_ONLINE_H */
