/* lacus/nvar.h — NVAR, next-generation reservoir computing. Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_NVAR_H
#define LACUS_NVAR_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/nvar.h>"
#endif

/* ------------------------------------------------------------------------ */
/* NVAR: next-generation reservoir computing                                */
/* ------------------------------------------------------------------------ */

/*
 * NVAR (Gauthier, Bollt, Griffith & Barbosa 2021, "Next generation reservoir
 * computing", Nat. Commun. 12:5564), feature for feature as ReservoirPy
 * 0.4.2's NVAR node. For an input u[t] of n_inputs values, delay k, strides
 * s and order n, the features at step t are
 *
 *   lin[t]    = u[t] (+) u[t - s] (+) u[t - 2s] (+) ... (+) u[t - (k-1)s]
 *               (d = k * n_inputs values: all of u[t] first, then u[t - s], ...)
 *   nonlin[t] = every unique monomial of degree exactly n in lin[t], in the
 *               order of itertools.combinations_with_replacement(range(d), n)
 *               (for n = 2: l0*l0, l0*l1, ..., l0*l(d-1), l1*l1, ...)
 *   features[t] = lin[t] (+) nonlin[t]
 *
 * n_features = d + C(d + n - 1, n). As in ReservoirPy there is NO constant
 * term and no monomials of lower degree than n: with the ridge readout's
 * default centred bias the intercept plays the role of the paper's constant
 * feature (unpenalised, where the paper penalises it). For Lorenz-63 with
 * k = 2, s = 1, n = 2: 6 + 21 = 27 features (+ the readout's bias = the
 * paper's 28). Inputs older than the first step seen are zeros, as in
 * ReservoirPy's store, so the first (k-1)s rows of a fresh run contain
 * zeros in their delayed part: drop them from training (warm-up).
 * docs/nvar.md has a Lorenz-63 forecasting example (increments + ridge).
 */
typedef struct lacus_nvar_params {
    int64_t n_inputs;  /* required, >= 1 */
    int64_t delay;     /* k, number of delayed inputs (u[t] counts), >= 1; default 2 */
    int64_t order;     /* n, degree of the monomials, 1..64; default 2 */
    int64_t strides;   /* s, steps between the delayed inputs, >= 1; default 1 */
} lacus_nvar_params;

lacus_nvar_params lacus_nvar_params_default(void);

/* Checks every field; also fails (LACUS_ERR_ARG) when the feature count
 * would exceed 10^7 or the delay line delay * strides rows would exceed
 * 10^7 (i.e. for absurd orders or delays), naming the parameters. */
lacus_status lacus_nvar_params_check(const lacus_nvar_params *p, lacus_error *err);

/* n_features for these parameters, d + C(d + order - 1, order), without
 * creating a node; fails like lacus_nvar_params_check. */
lacus_status lacus_nvar_count_features(const lacus_nvar_params *p, int64_t *n_features,
                                       lacus_error *err);

typedef struct lacus_nvar lacus_nvar;

/* A node with an empty (all-zero) delay line. */
lacus_status lacus_nvar_create(const lacus_nvar_params *p, lacus_nvar **out, lacus_error *err);
void lacus_nvar_free(lacus_nvar *m);
const char *lacus_nvar_errmsg(const lacus_nvar *m);
int64_t lacus_nvar_n_features(const lacus_nvar *m);
int64_t lacus_nvar_n_linear(const lacus_nvar *m);  /* d = delay * n_inputs */

/* Feeds u (n_steps, n_inputs), row-major, and writes features
 * (n_steps, n_features), row-major. reset = 1 empties the delay line first
 * (a fresh node); reset = 0 continues from the inputs of earlier calls, so
 * running a sequence in several calls gives the same features as one call.
 * For closed-loop forecasting, warm it up on the history with this call,
 * then lacus_nvar_forecast runs the whole loop.
 * Errors: LACUS_ERR_ARG (NULL buffers, n_steps < 1), LACUS_ERR_NUMERIC
 * (NaN/Inf in u, with its index); on error the delay line is unchanged. */
lacus_status lacus_nvar_run(lacus_nvar *m, const double *u, int64_t n_steps, int reset,
                            double *features);
/* Empties the delay line (zeros), as reset = 1 does. */
void lacus_nvar_reset(lacus_nvar *m);

/* What a readout was trained to predict from the features of u[t]: the
 * next value u[t+1], or the increment u[t+1] - u[t] (Gauthier et al. 2021
 * and ReservoirPy's NG-RC tutorial; usually the better choice), both
 * forecasts of the series itself; or TARGET: y[t], a series given beside
 * the input (NVAR >> Ridge fitted on (X, Y) in ReservoirPy; the paper's
 * "inference" task, z[t] from x and y). lacus_nvar_forecast takes only
 * NEXT and INCREMENT (a closed loop feeds predictions back as inputs). */
typedef enum lacus_nvar_predicts {
    LACUS_NVAR_PREDICT_NEXT = 0,
    LACUS_NVAR_PREDICT_INCREMENT = 1,
    LACUS_NVAR_PREDICT_TARGET = 2
} lacus_nvar_predicts;

/* "next", "increment", "target". */
const char *lacus_nvar_predicts_name(lacus_nvar_predicts w);
lacus_status lacus_nvar_predicts_parse(const char *name, lacus_nvar_predicts *out);

/*
 * Closed-loop forecast, entirely in C: n_steps predictions, each fed back
 * into the delay line as the next input. With u the newest input in the
 * delay line (the last row of the warm-up history, then each prediction):
 *
 *   y = features(u) Wout + bias;   u_next = u + y (INCREMENT) or y (NEXT)
 *
 * out[t] = u_next (n_steps, n_inputs), row-major; the delay line ends
 * holding the predictions, so a second call continues the forecast.
 *
 * Warm-up: feed the history with lacus_nvar_run first (its features are
 * the training rows); the delay line must have seen at least
 * (delay - 1) * strides + 1 inputs since its reset (LACUS_ERR_STATE
 * otherwise). Wout (n_rows_w, n_cols_w) row-major must be (n_features,
 * n_inputs) (LACUS_ERR_SHAPE otherwise: the loop feeds every output back);
 * bias (n_inputs) or NULL for none. lacus_ridge_get_weights gives both for
 * a lacus_ridge with n_outputs = n_inputs; ReservoirPy's Ridge.Wout and
 * .bias are the same layout.
 *
 * The product is the single-row dgemm of lacus_ridge_predict, so the result
 * equals bit for bit a loop of lacus_ridge_predict and lacus_nvar_run(m, u,
 * 1, 0, f) (tests/unit/test_nvar_forecast.c).
 *
 * Divergence: a prediction with a NaN or Inf stops the loop with
 * LACUS_ERR_NUMERIC, naming the step and output; out rows before it are
 * written, *n_done (may be NULL) says how many, and the delay line holds
 * the history and those rows. Other errors: LACUS_ERR_ARG (NULL buffers,
 * n_steps < 1, an unknown `what`), LACUS_ERR_NUMERIC (NaN/Inf in Wout or
 * bias); nothing is written and the delay line is unchanged.
 * Not thread-safe on one handle (it moves the delay line).
 */
lacus_status lacus_nvar_forecast(lacus_nvar *m, const double *Wout, int64_t n_rows_w,
                                 int64_t n_cols_w, const double *bias, lacus_nvar_predicts what,
                                 int64_t n_steps, double *out, int64_t *n_done);

/* ------------------------------------------------------------------------ */
/* NVAR forecaster: features + ridge readout, a model file of kind "nvar"   */
/* ------------------------------------------------------------------------ */

/*
 * What `lacus fit --model nvar` trains: NVAR features of a series and a
 * ridge readout that predicts the series' own next value or increment from
 * them (Gauthier et al. 2021's forecaster). For each training sequence x
 * (n_steps, n_inputs), from an empty delay line, feature row t predicts
 * x[t+1] - x[t] (INCREMENT) or x[t+1] (NEXT), for t = warmup .. n_steps - 2.
 * With targets (lacus_nvar_model_fit_xy, predicts = TARGET), row t
 * predicts y[t] (n_targets columns), for t = warmup .. n_steps - 1.
 */
typedef struct lacus_nvar_model_params {
    lacus_nvar_params nvar;         /* delay, order, strides; n_inputs is set from the data */
    lacus_ridge_params readout;     /* ridge, bias, solver (lstsq keeps every row);
                                       n_features and n_outputs are set by the fit */
    lacus_nvar_predicts predicts;   /* default LACUS_NVAR_PREDICT_INCREMENT */
    /* Feature rows dropped at the start of each sequence; -1 (default):
     * (delay - 1) * strides, the rows whose delayed part holds zeros. */
    int64_t warmup;
} lacus_nvar_model_params;

lacus_nvar_model_params lacus_nvar_model_params_default(void);

typedef struct lacus_nvar_model lacus_nvar_model;

/* Trains a forecaster on `series` (one or more sequences of n_inputs
 * columns) and returns it in *out. Errors (message in err, *out NULL):
 * LACUS_ERR_ARG (bad parameters, warmup < -1), LACUS_ERR_SHAPE (no training
 * row left: every sequence is at most warmup + 1 steps long),
 * LACUS_ERR_NUMERIC (NaN/Inf in the data, naming the sequence), and the
 * readout's solve errors. */
lacus_status lacus_nvar_model_fit(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                  lacus_nvar_model **out, lacus_error *err);
/* The same with targets: targets NULL is lacus_nvar_model_fit (predicts
 * NEXT or INCREMENT); otherwise p->predicts must be TARGET, and targets
 * holds one sequence per input sequence, of the same lengths, n_targets
 * columns (LACUS_ERR_SHAPE otherwise; NaN/Inf: LACUS_ERR_NUMERIC). Such a
 * model predicts (n_steps, n_targets) and has no closed loop. */
lacus_status lacus_nvar_model_fit_xy(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                     const lacus_seqs *targets, lacus_nvar_model **out,
                                     lacus_error *err);
/* The same fit from sequences spread over MPI ranks (include/lacus/dist.h;
 * `mpirun -np K lacus fit --model nvar`). Each rank passes its own
 * sequences (possibly none: the width is taken from the other ranks) and
 * ids naming them in messages (NULL: their index on this rank). Each
 * sequence's sums (X^T X, X^T Y, column sums, from the features and
 * targets lacus_nvar_model_fit builds) are computed from zero and added
 * into double-double accumulators, reduced to rank 0 along the fixed
 * binomial tree of lacus_esn_fit_dist, rounded once and solved there in
 * the primal form; Wout and the bias are broadcast, so every rank returns
 * the same model. The model is the same bit for bit whatever the number
 * of ranks and the spread of the sequences. Against lacus_nvar_model_fit
 * (one process, plain double sums in another order) it differs by
 * rounding only, and is bit-equal when there is one sequence. The dual
 * and lstsq solvers need every row in one process: LACUS_ERR_ARG. Other
 * errors as lacus_nvar_model_fit, plus LACUS_ERR_SHAPE when ranks' series
 * differ in width or no rank holds a sequence. Collective: on any rank's
 * failure every rank returns that error (lacus_dist_agree) and *out is
 * NULL. Without MPI (or not launched) it is the one-process form of this
 * summation. */
lacus_status lacus_nvar_model_fit_dist(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                       const int64_t *ids, lacus_nvar_model **out, lacus_error *err);
/* lacus_nvar_model_fit_dist with targets, as lacus_nvar_model_fit_xy
 * (targets NULL: lacus_nvar_model_fit_dist). Each rank passes the targets
 * of its own sequences; ranks without sequences pass an empty set (the
 * target width is taken from the others). */
lacus_status lacus_nvar_model_fit_dist_xy(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                          const lacus_seqs *targets, const int64_t *ids,
                                          lacus_nvar_model **out, lacus_error *err);
/* lacus_nvar_model_fit_dist_xy with a choice of solve, as
 * lacus_esn_fit_dist_ex (include/lacus/dist.h; dp NULL: defaults, so
 * REDUCE): dp->solve SCALAPACK puts X^T X block-cyclic on a BLACS grid (no
 * rank holds the F x F sums: for NVAR of many inputs, F grows as the
 * square or cube of delay * n_inputs), filled round by round from every
 * rank's feature rows (computed 256 rows at a time), and solves it there;
 * AUTO picks it when REDUCE would exceed dp->rank_mem_mb. SCALAPACK equals
 * REDUCE within rounding (another summation order), not bit for bit; it
 * needs a build with ScaLAPACK and a run under mpirun (LACUS_ERR_UNSUPPORTED
 * otherwise). stats (may be NULL) says which solve ran, the grid, the
 * rounds, the times and whether the factorisation fell back. */
struct lacus_dist_params;
struct lacus_dist_stats;
lacus_status lacus_nvar_model_fit_dist_ex(const lacus_nvar_model_params *p, const lacus_seqs *series,
                                          const lacus_seqs *targets, const int64_t *ids,
                                          const struct lacus_dist_params *dp,
                                          struct lacus_dist_stats *stats, lacus_nvar_model **out,
                                          lacus_error *err);
void lacus_nvar_model_free(lacus_nvar_model *m);
const char *lacus_nvar_model_errmsg(const lacus_nvar_model *m);
int64_t lacus_nvar_model_n_inputs(const lacus_nvar_model *m);
int64_t lacus_nvar_model_n_features(const lacus_nvar_model *m);
/* The readout's outputs: n_inputs for a forecaster, n_targets with TARGET. */
int64_t lacus_nvar_model_n_outputs(const lacus_nvar_model *m);
/* The parameters it was trained with (n_inputs, n_features, n_outputs filled). */
lacus_nvar_model_params lacus_nvar_model_params_get(const lacus_nvar_model *m);
/* Wout (n_features, n_outputs) and b (n_outputs); either may be NULL. */
lacus_status lacus_nvar_model_get_weights(const lacus_nvar_model *m, double *Wout, double *b);

/* One step ahead: out[t] (n_steps, n_inputs) = the model's forecast of
 * u[t+1] (a value, not an increment) from u[0..t], from an empty delay
 * line; for a TARGET model out[t] (n_steps, n_outputs) is its estimate of
 * y[t]. Rows t < (delay - 1) * strides see zeros in place of the inputs
 * before u[0]. Errors: LACUS_ERR_ARG, LACUS_ERR_NUMERIC (NaN/Inf in u). */
lacus_status lacus_nvar_model_predict(lacus_nvar_model *m, const double *u, int64_t n_steps,
                                      double *out);

/* Closed loop: warms the delay line on warmup (n_warmup, n_inputs) from
 * empty, then lacus_nvar_forecast for n_steps into out (n_steps, n_inputs):
 * out[0] forecasts the step after warmup's last row. n_warmup must be at
 * least (delay - 1) * strides + 1 (LACUS_ERR_STATE otherwise). On
 * divergence (LACUS_ERR_NUMERIC, naming the step), *n_done (may be NULL)
 * rows are written. A TARGET model has no closed loop: LACUS_ERR_ARG. */
lacus_status lacus_nvar_model_generate(lacus_nvar_model *m, const double *warmup,
                                       int64_t n_warmup, int64_t n_steps, double *out,
                                       int64_t *n_done);

/* A model file (.npz, kind "nvar": manifest.json with the parameters,
 * Wout and bout); written atomically, nothing left on failure. */
lacus_status lacus_nvar_model_save(const lacus_nvar_model *m, const char *path, lacus_error *err);
lacus_status lacus_nvar_model_load(const char *path, lacus_nvar_model **out, lacus_error *err);

#endif /* LACUS_NVAR_H */
