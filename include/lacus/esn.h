/* lacus/esn.h — echo state networks: reservoir + ridge readout, model files. Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_ESN_H
#define LACUS_ESN_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/esn.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Echo state network: reservoir + ridge readout over many sequences        */
/* ------------------------------------------------------------------------ */


typedef struct lacus_esn_params {
    lacus_reservoir_params reservoir;
    lacus_ridge_params readout;   /* n_features/n_outputs are filled in by fit */
    int64_t warmup;               /* steps dropped at the start of each sequence; default 0 */
    int feed_input;               /* 1: readout also sees u[t] (concatenated), default 0 */
    /* Optional progress report for long fits and runs: called on the calling
     * thread with the fraction of all steps done so far, in [0, 1]. */
    void (*progress)(double fraction, void *user);
    void *progress_user;
    /* Output feedback (ReservoirPy's `reservoir << readout`): with
     * n_feedback = n_outputs > 0, the reservoir's input at step t is
     * [u[t], y[t-1]] (y[-1] = 0), so Win has n_inputs + n_feedback columns.
     * fit feeds the targets back (teacher forcing); run feeds the model's own
     * predictions back, step by step (closed loop). The feedback columns of
     * Win are drawn like the input columns, with gain fb_scaling. Not
     * combined with feed_input. Default 0 (none), fb_scaling 1.0. */
    int64_t n_feedback;
    double fb_scaling;
    /* The feedback weights' own draw (ReservoirPy's fb_connectivity and Wfb
     * initialiser). fb_connectivity in (0, 1]: the feedback columns of Win
     * are drawn apart from the input columns (which stay as they are):
     * each entry non-zero with probability fb_connectivity, its value from
     * fb_init times fb_scaling, from a random stream of its own (seed,
     * row-major over units x outputs). 0 (the default, and what model files
     * without these keys mean): drawn with the input columns, with their
     * input_connectivity and Win_init. fb_init default LACUS_INIT_BERNOULLI
     * (ReservoirPy's Wfb default); used only when fb_connectivity > 0. The
     * draw is lacus's own RNG: same statistics as ReservoirPy, not its
     * numbers. */
    double fb_connectivity;
    lacus_init fb_init;
} lacus_esn_params;

lacus_esn_params lacus_esn_params_default(void);

typedef struct lacus_esn lacus_esn;

/* Creates the reservoir (drawing its weights); the readout is untrained. */
lacus_status lacus_esn_create(const lacus_esn_params *p, lacus_esn **out, lacus_error *err);
void lacus_esn_free(lacus_esn *m);
const char *lacus_esn_errmsg(const lacus_esn *m);
/* The reservoir inside the ESN (borrowed; to set or read weights). */
lacus_reservoir *lacus_esn_reservoir(lacus_esn *m);
const lacus_ridge *lacus_esn_readout(const lacus_esn *m);

/* Trains the readout on many sequences: each starts from a zero state, drops
 * its first `warmup` steps, and its states are streamed into X^T X in a
 * fixed order (identical results whatever the thread count). Sequences run
 * in parallel (OpenMP); a single long sequence parallelises inside a step.
 *   inputs: n_features = n_inputs; targets: same n_seqs and n_steps. */
lacus_status lacus_esn_fit(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets);
/* Predictions for every step of every sequence, each from a zero state.
 * outputs[i] is a caller buffer of (n_steps[i], n_outputs). */
lacus_status lacus_esn_run(lacus_esn *m, const lacus_seqs *inputs, double *const *outputs);
/* Streaming fit, for data too large to hold: adds one chunk of a sequence
 * to the readout's sums. new_sequence = 1 starts a sequence from a zero state
 * (its first `warmup` steps are dropped, counted across chunks); 0 continues
 * from the state the previous chunk left. The first call fixes n_outputs; it
 * discards any earlier training. Call lacus_esn_solve when all chunks are in
 * (and again after adding more). Memory does not grow with the data: at most
 * 256 rows of states are held. The same chunks give the same readout
 * whatever the thread count.
 *   u (n_steps, n_inputs), y (n_steps, n_outputs) */
lacus_status lacus_esn_partial_fit(lacus_esn *m, const double *u, const double *y,
                                   int64_t n_steps, int64_t n_outputs, int new_sequence);
lacus_status lacus_esn_solve(lacus_esn *m);
/* FORCE learning (Sussillo & Abbott 2009, "Generating coherent patterns of
 * activity from chaotic neural networks"): trains the readout online by RLS
 * while the reservoir runs on its own fed-back output. For each sequence,
 * from a zero state, at every step t:
 *   x[t]   = step(x[t-1], [u[t], z[t-1]])       (z[-1] = 0)
 *   z[t]   = Wout^T x[t] + b                    (before the update)
 *   RLS update of Wout, b with the error z[t] - y[t]   (P(0) = I / alpha)
 * The first `warmup` steps of each sequence are run but not learned (their
 * output is still fed back). Needs an ESN created with n_feedback equal to
 * the targets' width. Afterwards the learned weights are the model's readout
 * (run, generate and save use them). alpha > 0; forgetting in (0, 1].
 * Errors: LACUS_ERR_STATE without feedback, LACUS_ERR_NUMERIC if RLS or the
 * loop diverges (the readout then keeps the last good weights). */
lacus_status lacus_esn_force(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                             double alpha, double forgetting);

/* full-FORCE (DePasquale, Cueva, Rajan, Escola & Abbott 2018, PLoS ONE
 * 13:e0191527): trains the reservoir's recurrent weights, not only the
 * readout. A target-generating net (the ESN as created: W^D = its W, driven
 * by the target through the feedback columns u_f of Win, teacher-forced)
 * and a task net (recurrent weights J, no feedback) run side by side from a
 * zero state over each sequence, sharing Win's input columns, bias, leak
 * and activation:
 *   xD[t] = (1-lr) xD[t-1] + lr f(W^D xD[t-1] + u_f y[t-1] + Win_u u[t] + b)
 *   x[t]  = (1-lr) x[t-1]  + lr f(J x[t-1] + Win_u u[t] + b),  z[t] = w^T x[t]
 * After the first `warmup` steps of each sequence, every step makes one RLS
 * step (P(0) = I / alpha, forgetting; one P shared by all rows because they
 * all see x[t-1]) on
 *   J x[t-1] -> W^D xD[t-1] + u_f y[t-1]   (every row of J: the driven net's
 *                                           whole recurrent current)
 *   w^T x[t-1] -> y[t-1]                   (the readout, no bias)
 * i.e. lacus_online with n_features = N, n_outputs = N + O, weights [J^T | w].
 * Cost per step O(N^2 + N O); memory about 2 N^2 + N O doubles (N <= 20000).
 * Afterwards the model IS the task net: W = J (dense, stored as CSR), the
 * feedback columns of Win are zero (n_feedback is kept, so the model file
 * shape does not change and lacus_esn_run feeds back y times zero), the
 * readout is w. The ESN needs n_feedback = the targets' width (else
 * LACUS_ERR_STATE); element-wise activations and no noise
 * (LACUS_ERR_UNSUPPORTED). On any error (LACUS_ERR_NUMERIC on divergence,
 * naming sequence and step) the model is left unchanged.
 * report (may be NULL) receives the a-priori errors of the first and last
 * tenth of the learned steps. */
typedef enum lacus_full_force_init {
    LACUS_FULL_FORCE_INIT_W = 0,   /* J(0) = W^D (default): only the drive is left to learn */
    LACUS_FULL_FORCE_INIT_ZERO = 1 /* J(0) = 0 */
} lacus_full_force_init;

typedef struct lacus_full_force_params {
    double alpha;      /* P(0) = I / alpha; finite, > 0; default 1 (the paper's range 1-100) */
    double forgetting; /* RLS lambda in (0, 1]; default 1 */
    int init_J;        /* lacus_full_force_init; default LACUS_FULL_FORCE_INIT_W */
    /* Hints (DePasquale et al. 2018, "full-FORCE with hints"): extra
     * signals h (one per sequence, (n_steps, n_hints), the inputs' lengths)
     * fed into the target-generating net only, through dense weights
     * u_h (N, n_hints) drawn U(-1, 1) * hint_scaling from hint_seed
     * (lacus_full_force_hint_weights gives them). They enter like the fed-back
     * target, with its one-step delay:
     *   c[t] = W^D xD[t-1] + u_f y[t-1] + u_h h[t-1]     (h[-1] = 0)
     * so J learns to produce the hint's current too, and the trained task net
     * needs no hints. NULL (default): none; all-zero hints give exactly the
     * result without hints. Finite values; n_hints >= 1. */
    const lacus_seqs *hints;
    double hint_scaling; /* finite, >= 0; default 1 */
    uint64_t hint_seed;  /* default 0 */
} lacus_full_force_params;

typedef struct lacus_full_force_report {
    int64_t n_learned;           /* RLS steps made */
    double current_nrmse_first;  /* ||J x - c|| / ||c|| (a priori) over the first tenth of them */
    double current_nrmse_last;   /* the same over the last tenth */
    double output_nrmse_last;    /* ||w^T x - y|| / ||y|| (a priori) over the last tenth */
} lacus_full_force_report;

lacus_full_force_params lacus_full_force_params_default(void);
/* The hint weights u_h that lacus_esn_full_force uses for these settings:
 * out (n_units, n_hints), row-major; entry (n, k) = scaling * U(-1, 1) from
 * lacus's RNG stream (seed, purpose "full-FORCE hints"), drawn row-major.
 * n_units, n_hints >= 1 (else LACUS_ERR_ARG). */
lacus_status lacus_full_force_hint_weights(int64_t n_units, int64_t n_hints, double scaling,
                                           uint64_t seed, double *out);
/* fp may be NULL (defaults). */
lacus_status lacus_esn_full_force(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                  const lacus_full_force_params *fp,
                                  lacus_full_force_report *report);

/* Trains the readout online, by RLS or LMS (lacus/online.h; method, alpha,
 * forgetting and fit_bias are read from op, its widths are filled in), as
 * ReservoirPy's (reservoir >> RLS(...)).partial_fit(u, y) does: through each
 * sequence from a zero state, one step at a time in order, skipping the
 * first `warmup` steps of each sequence. The learned weights become the
 * readout (run, generate and save use them). Not with feedback (that is
 * lacus_esn_force). On divergence (LACUS_ERR_NUMERIC) the readout keeps the
 * last good weights and the message names the sequence and step. */
lacus_status lacus_esn_fit_online(lacus_esn *m, const lacus_seqs *inputs, const lacus_seqs *targets,
                                  const lacus_online_params *op);

/* Sets (or clears, with NULL) the progress report of later fits and runs,
 * e.g. on a model from lacus_esn_load. */
void lacus_esn_set_progress(lacus_esn *m, void (*progress)(double fraction, void *user),
                            void *user);
int64_t lacus_esn_n_outputs(const lacus_esn *m);
int lacus_esn_is_trained(const lacus_esn *m);

/* Closed-loop generation for a model whose outputs feed back as its inputs
 * (n_outputs == n_inputs, else LACUS_ERR_SHAPE). From a zero state (the
 * reservoir's own state is not touched), the reservoir runs over the warm-up
 * inputs u[0 .. n_warmup-1]; then, for k = 0 .. n_generate-1,
 *   out[k] = readout(x)   (x: the latest state, plus its input with feed_input)
 * and out[k] becomes the next input. So out[0] is the prediction made from
 * the last warm-up step: with a model trained on s[t] -> s[t+1] and warm-up
 * s[0 .. n_warmup-1], out[k] forecasts s[n_warmup + k]. In ReservoirPy terms:
 *   y = esn.run(warmup)[-1]; gen = [y]; for _ in range(K - 1): y = esn(y); gen.append(y)
 * (the tutorials' X_gen, which starts one call later, is out[1 ..]).
 *   warmup (n_warmup, n_inputs), n_warmup >= 1 (else LACUS_ERR_ARG);
 *   out (n_generate, n_outputs), n_generate >= 0.
 * A non-finite warm-up value fails with LACUS_ERR_NUMERIC before any step.
 * If the loop diverges (a NaN or Inf output at step k), it stops with
 * LACUS_ERR_NUMERIC naming k: rows 0 .. k-1 of out hold the generated values,
 * row k the non-finite one, later rows are not written. Noise, when set, is
 * drawn as in lacus_reservoir_run (a new stream per call). */
lacus_status lacus_esn_generate(lacus_esn *m, const double *warmup, int64_t n_warmup,
                                int64_t n_generate, double *out);

/* Sets the reservoir's noise gains for later runs, generations and fits
 * (noise_rc, noise_in: finite, >= 0). Jaeger & Haas (2004) add state noise
 * while training a generator and none when it runs: fit with noise, then
 * lacus_esn_set_noise(m, 0, 0) before generating or saving (the model file
 * keeps the gains it has then). */
lacus_status lacus_esn_set_noise(lacus_esn *m, double noise_rc, double noise_in);

/* Model file: an .npz holding W (CSR as W_indptr/W_indices/W_data), Win,
 * bias, lr, Wout, bout and "manifest.json" (format version, equation,
 * hyperparameters, seed, lacus version). numpy.load opens it. Saving is
 * atomic (temporary name, then rename). Loading a file with a newer format
 * version than this library knows fails with LACUS_ERR_UNSUPPORTED. */
#define LACUS_MODEL_FORMAT_VERSION 1
lacus_status lacus_esn_save(const lacus_esn *m, const char *path, lacus_error *err);
lacus_status lacus_esn_load(const char *path, lacus_esn **out, lacus_error *err);

#endif /* LACUS_ESN_H */
