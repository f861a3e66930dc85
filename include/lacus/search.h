/* lacus/search.h — hyperparameter samplers: random search and the
 * tree-structured Parzen estimator (TPE, Bergstra et al. 2011, as hyperopt
 * implements it). Part of the public API: include <lacus.h>, which
 * includes this file; the conventions of lacus.h hold here. `lacus search`
 * (docs/search.md) drives them. */
#ifndef LACUS_SEARCH_H
#define LACUS_SEARCH_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/search.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Hyperparameter samplers                                                  */
/* ------------------------------------------------------------------------ */

typedef enum lacus_space_kind {
    LACUS_SPACE_UNIFORM = 0,     /* real in [lo, hi] */
    LACUS_SPACE_LOG_UNIFORM = 1, /* real in [lo, hi], uniform in log (0 < lo) */
    LACUS_SPACE_INT = 2,         /* integer in [lo, hi], uniform */
    LACUS_SPACE_CHOICE = 3       /* one of n_choices values */
} lacus_space_kind;

typedef struct lacus_space_dim {
    lacus_space_kind kind;
    double lo, hi;           /* UNIFORM, LOG_UNIFORM, INT */
    int64_t n_choices;       /* CHOICE: >= 1 */
    const double *choices;   /* CHOICE: the values; copied */
} lacus_space_dim;

typedef enum lacus_sampler_method {
    LACUS_SAMPLER_RANDOM = 0,
    LACUS_SAMPLER_TPE = 1
} lacus_sampler_method;

typedef struct lacus_sampler lacus_sampler;

/* A sampler over n_dims dimensions. Deterministic: trial t's suggestion
 * depends only on (seed, t) and on the results told so far, so a search
 * that tells the same results in the same order repeats itself exactly
 * (this is what makes interrupted searches resumable). TPE: the first
 * n_startup trials (default 10 when 0) are random; then each dimension's
 * told values are split into the best ceil(0.25 sqrt(n)) and the rest, a
 * Parzen estimator (Gaussian kernels in the dimension's own scale, log for
 * LOG_UNIFORM, with hyperopt's adaptive bandwidths and a uniform prior of
 * weight 1) is fitted to each, and of 24 candidates drawn from the good
 * one the one maximising l(x)/g(x) is suggested. */
lacus_status lacus_sampler_create(const lacus_space_dim *dims, int64_t n_dims,
                                  lacus_sampler_method method, uint64_t seed, int64_t n_startup,
                                  lacus_sampler **out, lacus_error *err);
void lacus_sampler_free(lacus_sampler *s);

/* The suggestion for trial t (x: n_dims values). */
lacus_status lacus_sampler_suggest(lacus_sampler *s, int64_t trial, double *x);

/* Records a result (a non-finite loss counts as the worst). */
lacus_status lacus_sampler_tell(lacus_sampler *s, const double *x, double loss);

/* Number of results told. */
int64_t lacus_sampler_n_told(const lacus_sampler *s);

/* A search's report as PNG (gnuplot): one panel per dimension with every
 * trial's loss against its value (log axes where the dimension is
 * log-uniform; losses on a log axis), as ReservoirPy's
 * plot_hyperopt_report draws them, and a last panel with the best loss so
 * far against the trial number. xs (n_trials, n_dims), losses (n_trials;
 * non-finite ones are left out). LACUS_ERR_UNSUPPORTED without gnuplot. */
lacus_status lacus_search_plot(const char *png_path, int64_t n_trials, int64_t n_dims,
                               const char *const *names, const lacus_space_dim *dims,
                               const double *xs, const double *losses, const char *title,
                               lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Trials: many ESNs, one training and validation set                       */
/* ------------------------------------------------------------------------ */

/* Fits each of n_models ESNs on the same training data (as lacus_esn_fit)
 * and runs it on each validation sequence alone (as lacus_esn_run with one
 * sequence per call, in order), with the same results bit for bit: the
 * same readouts, the same predictions. Made for searches, whose trials
 * differ in scalings only (sr, lr, input scaling, ridge, ...): models with
 * the same W sparsity pattern (the same units, rc_connectivity, W init and
 * seed) advance their training and validation sequences together, as
 * lanes of one reservoir pass that reads W's indices once per step for all
 * of them (up to 8 lanes: 8 / (1 + n_val) models at a time). Models that
 * cannot share (feedback, feed_input, softmax, several training sequences,
 * more than 7 validation sequences, or a pattern of their own) are fitted
 * and run one by one. The lane pass runs on the calling thread, so several
 * calls on distinct models may run in parallel threads.
 *   inputs, targets   the training set (as lacus_esn_fit)
 *   val_inputs        the validation inputs
 *   outputs[k][i]     model k's predictions on validation sequence i:
 *                     caller buffers of (n_steps_i, n_outputs)
 *   status[k]         model k's result (message: lacus_esn_errmsg)
 * Returns LACUS_OK when every model succeeded, else the first failing
 * model's status (LACUS_ERR_ARG for NULL arguments). */
lacus_status lacus_esn_fit_eval_many(lacus_esn *const *models, int64_t n_models,
                                     const lacus_seqs *inputs, const lacus_seqs *targets,
                                     const lacus_seqs *val_inputs, double *const *const *outputs,
                                     lacus_status *status);

#endif /* LACUS_SEARCH_H */
