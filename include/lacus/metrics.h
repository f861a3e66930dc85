/* lacus/metrics.h — metrics (reservoirpy.observables). Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_METRICS_H
#define LACUS_METRICS_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/metrics.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Metrics                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Metrics of reservoirpy.observables (0.4.2) over y_true and y_pred, both
 * (n_steps, n_outputs) row-major. With dimensionwise = 0 a metric pools all
 * n_steps * n_outputs values and writes one number to out[0]; with
 * dimensionwise = 1 it writes one number per column to out[0 .. n_outputs-1]
 * (ReservoirPy's dimensionwise=True). Results equal NumPy's to ~1e-15
 * relative (summation order differs only where NumPy's pairwise sum would
 * need the whole array).
 *
 * Errors: LACUS_ERR_ARG for n_steps < 1, n_outputs < 1 or a NULL buffer;
 * LACUS_ERR_NUMERIC (naming the array, row and column) for NaN/Inf in the
 * inputs, and where ReservoirPy would divide by zero and return inf/nan
 * (zero normaliser, constant y_true in rsquare or pearson); LACUS_ERR_NOMEM
 * for q1q3 (it sorts a copy). Thread-safe.
 */

/* Mean squared error: mean((y_true - y_pred)^2). */
lacus_status lacus_mse(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Root mean squared error: sqrt(mse). */
lacus_status lacus_rmse(const double *y_true, const double *y_pred, int64_t n_steps,
                        int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Mean absolute error: mean(|y_true - y_pred|). */
lacus_status lacus_mae(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Coefficient of determination:
 *   1 - sum (y_true - y_pred)^2 / sum (y_true - mean(y_true))^2. */
lacus_status lacus_rsquare(const double *y_true, const double *y_pred, int64_t n_steps,
                           int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Pearson correlation coefficient r between y_true and y_pred (as
 * numpy.corrcoef; not in reservoirpy.observables, but it is what
 * memory_capacity squares). */
lacus_status lacus_pearson(const double *y_true, const double *y_pred, int64_t n_steps,
                           int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);

/* Normalisers of nrmse = rmse / lambda, ReservoirPy's `norm` names; all are
 * computed on y_true. */
typedef enum lacus_nrmse_norm {
    LACUS_NRMSE_MINMAX = 0, /* "minmax": max - min (np.ptp); ReservoirPy's default */
    LACUS_NRMSE_VAR = 1,    /* "var": variance (ddof 0), not the standard deviation */
    LACUS_NRMSE_MEAN = 2,   /* "mean": the mean (may be negative) */
    LACUS_NRMSE_Q1Q3 = 3    /* "q1q3": Q3 - Q1, NumPy's default (linear) quantiles */
} lacus_nrmse_norm;

/* Normalised root mean squared error, rmse / lambda(y_true). */
lacus_status lacus_nrmse(const double *y_true, const double *y_pred, int64_t n_steps,
                         int64_t n_outputs, lacus_nrmse_norm norm, int dimensionwise,
                         double *out, lacus_error *err);
/* rmse / norm_value (ReservoirPy's norm_value argument); norm_value != 0. */
lacus_status lacus_nrmse_value(const double *y_true, const double *y_pred, int64_t n_steps,
                               int64_t n_outputs, double norm_value, int dimensionwise,
                               double *out, lacus_error *err);
/* "minmax", "var", "mean" or "q1q3" -> the enum; anything else is
 * LACUS_ERR_ARG with the list of names. */
lacus_status lacus_nrmse_norm_parse(const char *name, lacus_nrmse_norm *out, lacus_error *err);

/* Valid prediction time of a forecast (Vlachas et al. 2020; Pathak et al.):
 * with the per-step error e(t) = sqrt(mean_i ((y_pred[t,i] - y_true[t,i]) /
 * sigma_i)^2), *steps gets the number of leading steps with e(t) < threshold
 * (n_steps when the whole forecast stays below it). sigma (n_outputs) is the
 * per-component scale; NULL uses the standard deviation of each y_true
 * column (ddof 0) over the n_steps given — pass the training data's when the
 * forecast is short. Multiply by dt * lambda_max for Lyapunov times. Usual
 * thresholds: 0.5 (Vlachas) or 0.4 (Pathak). e (n_steps, may be NULL)
 * receives e(t). */
lacus_status lacus_vpt(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, double threshold, const double *sigma,
                       int64_t *steps, double *e, lacus_error *err);
/* The name of a normaliser ("minmax"...), or NULL for an unknown value. */
const char *lacus_nrmse_norm_name(lacus_nrmse_norm norm);

/* Memory capacity (Jaeger 2001, "Short term memory in echo state
 * networks"), as reservoirpy.observables.memory_capacity with the model
 * `reservoir >> Ridge(ridge)`:
 *
 *   MC = sum_{k=1}^{k_max} MC_k,  MC_k = r^2(u[t - k], y_k[t])
 *
 * where y_k is a ridge readout trained to recall u[t - k]. The series u
 * (n_series values) is the caller's, or 10 * k_max values of U(-0.8, 0.8)
 * drawn from numpy.random.default_rng(seed) (ReservoirPy with seed=seed).
 * Rows t = k_max .. n_series-1 form the task; the last test_len rows are
 * the test set. The reservoir runs over the training rows from a zero state
 * (ReservoirPy on a fresh model), the readout skips their first k_max rows
 * (warmup = k_max) and is fitted with a centred bias; the test rows then
 * continue from the last training state, and r is the Pearson correlation
 * on them. The reservoir's weights are used as they are and its state is
 * restored before returning; it must have n_inputs == 1.
 * mc_k (k_max) is optional (NULL); *mc receives the sum. Fails with
 * LACUS_ERR_ARG on bad sizes, LACUS_ERR_NUMERIC when a prediction is
 * constant (r undefined), and passes on reservoir/ridge errors. */
typedef struct lacus_memory_capacity_params {
    int64_t k_max;          /* required, >= 1; a rule of thumb is 2 * n_units */
    double ridge;           /* readout regularisation, >= 0; default 1e-4 */
    const double *series;   /* optional (n_series) input */
    int64_t n_series;
    int64_t test_len;       /* > 0: test rows; 0 (default): round(n_series * test_ratio) */
    double test_ratio;      /* in (0, 1); default 0.2 (ReservoirPy's test_size) */
    uint64_t seed;          /* for the drawn series; default 42 */
} lacus_memory_capacity_params;
lacus_memory_capacity_params lacus_memory_capacity_params_default(void);
lacus_status lacus_memory_capacity(lacus_reservoir *r, const lacus_memory_capacity_params *p,
                                   double *mc_k, double *mc, lacus_error *err);

#endif /* LACUS_METRICS_H */
