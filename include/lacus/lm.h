/* lacus/lm.h — reservoir language models. Part of the public API: include
 * <lacus.h>, which includes this file; the conventions of lacus.h hold here.
 * Tokenizers, n-grams and compressor floors are in lacus/lang.h. */
#ifndef LACUS_LM_H
#define LACUS_LM_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/lm.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Reservoir language model                                                 */
/* ------------------------------------------------------------------------ */

/*
 * A reservoir driven by tokens, with a linear readout to next-token scores:
 *
 *   x[t] = (1 - lr) x[t-1] + lr tanh(W x[t-1] + e[tok_t] + bias)   (x[-1] = 0)
 *   f[t] = [x[t], onehot(tok_t)]          (the one-hot block with feed_token)
 *   s[t] = Wout^T f[t] + b                 (V scores for tok_{t+1})
 *   p(tok_{t+1} = v) = softmax(beta * log(max(s[t], eps)))_v
 *
 * This is the ESN equation of lacus/reservoir.h with one-hot input: e[v] is
 * column v of Win (n_units, V), drawn like any Win (Bernoulli +-1 times
 * input_scaling at input_connectivity), or an embedding table given by the
 * caller (lacus_lm_set_embedding: any (V, d) table is projected by Win of
 * (n_units, d) into e). W is sparse with rc_degree non-zeros per row on
 * average, scaled to spectral radius sr.
 *
 * Training ("ridge" readout): Wout, b minimise sum_t ||onehot(tok_{t+1}) -
 * s[t]||^2 + ridge ||Wout||^2 (lacus/ridge.h, centred bias), accumulated
 * chunk by chunk so states are never held. Ridge on one-hot targets
 * estimates the probabilities themselves (linearly, so some come out <= 0):
 * the logits are the logs of the scores clipped at eps. beta (the inverse
 * softmax temperature) and eps minimise the cross-entropy of the held-out
 * calibration tokens: eps on a grid 1e-6 .. 1e-2 (half decades), beta for
 * each by safeguarded Newton (convex in beta). A softmax of the raw scores
 * (no log) calibrates far worse: on Moby-Dick it costs ~0.7 bit per char.
 *
 * Token-gated readouts (gate_tokens = K > 0): for each of the K most
 * frequent training tokens c, a second readout G_c (n_units, V) adds
 * G_c^T x[t] to s[t] when tok_t = c, i.e. the readout sees the product of
 * the current token and the state, the conjunction a linear readout of
 * [x, onehot] cannot form. G_c is the ridge solution (gate_ridge, no bias)
 * on the residual onehot(tok_{t+1}) - s0[t] of the shared readout over the
 * rows with tok_t = c; its normal equations are assembled from per-token
 * sums (X_c^T X_c, X_c^T Y_c, sum of x) gathered in the same single pass,
 * so training still reads the text once. Memory: K n_units^2 doubles.
 *
 * Trainable parameters: (n_units + V * feed_token + 1) * V + K n_units V + 2.
 * Cost per token: nnz(W) + n_units (state) and (n_units + V) V (readout).
 */
typedef struct lacus_lm_params {
    int64_t vocab_size;        /* required, >= 2 */
    int64_t n_units;           /* default 1000 */
    double lr;                 /* leak rate in (0, 1]; default 0.5 */
    double sr;                 /* spectral radius; default 0.9 */
    double input_scaling;      /* default 0.5 */
    double input_connectivity; /* density of Win; default 1 */
    double rc_degree;          /* mean non-zeros per row of W, >= 1; default 10 */
    double bias_scaling;       /* default 0.2 */
    double ridge;              /* default 1e-2 */
    int feed_token;            /* readout sees onehot(tok_t) too; default 1 */
    int64_t warmup;            /* states dropped at the start of training; default 50 */
    int64_t chunk;             /* rows per X^T X update; default 2048 */
    uint64_t seed;             /* default 42 */
    int64_t gate_tokens;       /* token-gated readouts for the K most frequent
                                  training tokens; default 24 (0: off) */
    double gate_ridge;         /* ridge of the gated readouts; default 1 */
} lacus_lm_params;



lacus_lm_params lacus_lm_params_default(void);
lacus_status lacus_lm_params_check(const lacus_lm_params *p, lacus_error *err);

typedef struct lacus_lm lacus_lm;

/* Draws the reservoir (same seed, same model). */
lacus_status lacus_lm_create(const lacus_lm_params *p, lacus_lm **out, lacus_error *err);
void lacus_lm_free(lacus_lm *m);
const char *lacus_lm_errmsg(const lacus_lm *m);
const lacus_lm_params *lacus_lm_params_get(const lacus_lm *m);
/* Number of trained parameters (readout weights, bias, beta). */
int64_t lacus_lm_n_trainable(const lacus_lm *m);
/* The inverse temperature beta and the clip eps fitted by lacus_lm_fit
 * (1 and 1e-3 before). */
double lacus_lm_beta(const lacus_lm *m);
double lacus_lm_eps(const lacus_lm *m);

/* Replaces the input vectors e[v] (n_units) by E (V, d) projected through
 * the model's Win (drawn for d inputs from the same seed): e[v] = Win E[v].
 * Call before fit. */
lacus_status lacus_lm_set_embedding(lacus_lm *m, const double *E, int64_t d);

/* Readouts. The default (LACUS_LM_RIDGE) is the ridge readout above.
 * LACUS_LM_LOGISTIC is the convex multinomial-logistic readout:
 *
 *   p(tok_{t+1} = v) = softmax(beta (Wout^T f[t] + b))_v,
 *   Wout, b = argmin sum_t -log softmax(Wout^T f[t] + b)_{tok_{t+1}}
 *                    + (l2 / 2) ||Wout||^2          (b not penalised),
 *
 * fitted by L-BFGS (liblbfgs) on the states of the first max_rows training
 * tokens after warmup, stored in single precision (the memory bound:
 * n_units * 4 bytes per row): no gradient flows through the reservoir, and
 * the problem is convex, with a unique optimum for l2 > 0. The objective is
 * scikit-learn's LogisticRegression(C = 1 / l2) (multinomial) up to a
 * factor. beta is then fitted on the calibration tokens as for ridge (eps is
 * 0: the scores are the logits). Needs gate_tokens = 0. Cost per L-BFGS
 * iteration: 4 n F V flops (two GEMMs). These settings live apart from
 * lacus_lm_params so that its layout stays that of earlier releases. */
enum { LACUS_LM_RIDGE = 0, LACUS_LM_LOGISTIC = 1 };
typedef struct lacus_lm_readout_params {
    int kind;          /* LACUS_LM_RIDGE (default) or LACUS_LM_LOGISTIC */
    double l2;         /* logistic: L2 strength (scikit-learn's 1 / C); default 1 */
    int64_t max_rows;  /* logistic: training rows kept; default 200,000 */
    int64_t iters;     /* logistic: L-BFGS iterations; default 300 */
    double tol;        /* logistic: stop when ||grad|| <= tol max(1, ||theta||)
                          of the objective divided by n; default 1e-6 */
} lacus_lm_readout_params;
lacus_lm_readout_params lacus_lm_readout_params_default(void);
/* Chooses the readout the next lacus_lm_fit trains (the model becomes
 * untrained). LACUS_ERR_ARG for values out of range, or logistic with
 * gate_tokens > 0. */
lacus_status lacus_lm_set_readout(lacus_lm *m, const lacus_lm_readout_params *rp);
/* The model's readout settings. */
const lacus_lm_readout_params *lacus_lm_readout_get(const lacus_lm *m);

/* Pair-gated readouts and slow units (ridge readout only). Like the
 * readout settings they live apart from lacus_lm_params, whose layout stays
 * that of earlier releases.
 *
 * Pair gates (pair_gates = K2 > 0): for each of the K2 most frequent pairs
 * (tok_{t-1}, tok_t) of the training tokens (ties: the smaller
 * tok_{t-1} V + tok_t), a third readout H_j (d, V), d = pair_units, adds
 * H_j^T x[t][0..d) to s[t] when (tok_{t-1}, tok_t) is pair j. The first d
 * units are as random as any d units, so this is the readout of a random
 * d-unit view of the state, gated by the last two tokens: the conjunction
 * of the two tokens and the state, which neither the shared nor the
 * token-gated readout can form. H_j is the ridge solution (pair_ridge, no
 * bias) on the residual onehot(tok_{t+1}) - s1[t] of the shared and
 * token-gated readouts over the rows of pair j, from a second pass over the
 * training tokens (the first readouts must be known to form the residual).
 * Memory: K2 d^2 doubles for the normal equations; the model keeps K2 d V.
 * A pair gate never sees the first token of a text (no tok_{t-1}).
 *
 * Slow units (slow_units = S > 0): the last S units leak at slow_lr instead
 * of lr, x_i[t] = (1 - slow_lr) x_i[t-1] + slow_lr tanh(...)_i, so the
 * state keeps a slower timescale beside the fast one (multiple timescales;
 * the other units and every weight are drawn as without them).
 *
 * Trainable parameters add K2 d V. */
typedef struct lacus_lm_ext_params {
    int64_t pair_gates; /* K2 >= 0; default 0 (off) */
    int64_t pair_units; /* d in [1, n_units]; 0 (default): n_units */
    double pair_ridge;  /* > 0; default 1 */
    int64_t slow_units; /* S in [0, n_units]; default 0 */
    double slow_lr;     /* in (0, 1]; default 0.1 */
} lacus_lm_ext_params;
lacus_lm_ext_params lacus_lm_ext_params_default(void);
/* Sets them for the next lacus_lm_fit (the model becomes untrained).
 * LACUS_ERR_ARG for values out of range, or pair_gates > 0 with the
 * logistic readout. */
lacus_status lacus_lm_set_ext(lacus_lm *m, const lacus_lm_ext_params *xp);
const lacus_lm_ext_params *lacus_lm_ext_get(const lacus_lm *m);

/* Optional progress callback: fraction done in [0, 1]. */
typedef void (*lacus_lm_progress)(double fraction, void *user);

/* Trains the readout on ids[0..n - n_calib) and fits beta on the next
 * n_calib tokens (the state runs on through them). n_calib >= 1000 is
 * recommended; at most 50,000 calibration tokens are used. Every id must be
 * in [0, V). Can be called again (starts from scratch). */
lacus_status lacus_lm_fit(lacus_lm *m, const int32_t *ids, int64_t n, int64_t n_calib,
                          lacus_lm_progress progress, void *user);

/* lacus_lm_fit with the ridge chosen on held-out tokens: the Gram matrix
 * of the training tokens is accumulated once and solved for every value of
 * ridges (n_ridges in [1, 64], each in [0, 1e12)); for each, eps and beta
 * are fitted on the first half of the calibration tokens and the bits per
 * token of the second half are measured (val_bits (n_ridges), optional).
 * The ridge with the fewest bits wins (the first on ties), becomes the
 * model's p.ridge, and eps and beta are then refitted on all calibration
 * tokens as lacus_lm_fit does. The gated readouts (gate_tokens > 0) are
 * fitted after the choice, on the winner's residual (the choice itself
 * does not see them). Ridge readout only; n_calib >= 4. Extra cost per
 * value: one solve (F^3 / 3) and a pass over the calibration tokens. */
lacus_status lacus_lm_fit_select(lacus_lm *m, const int32_t *ids, int64_t n, int64_t n_calib,
                                 const double *ridges, int64_t n_ridges, double *val_bits,
                                 lacus_lm_progress progress, void *user);

/* Sum of -log2 p(ids[t] | ids[0..t)) over t in [start, n), the state
 * starting from zero at ids[0] (ids[0..start) is context only; start >= 1).
 * *bits gets the sum. */
lacus_status lacus_lm_score(lacus_lm *m, const int32_t *ids, int64_t n, int64_t start,
                            double *bits);

/* Prequential adaptation while scoring: each token ids[t + 1] is scored,
 * then learned from, so the model adapts to the text it reads as an
 * adaptive compressor (xz, bzip2) does; nothing of a token is used before
 * it is scored. Two mechanisms, either or both:
 *
 * - Dynamic evaluation (Mikolov 2010; Krause et al. 2018) as a correction
 *   of the logits: l = beta log max(s, eps) + c + A^T f (the logistic
 *   readout: l = beta s + c + A^T f), f the readout's features, A (F, V)
 *   and c (V) starting at zero; after each token, one normalised gradient
 *   step on its log-loss,
 *     (A, c) -= step (p - onehot(y)) [f; 1]^T / (1 + |f|^2).
 * - A cache of the reservoir's own states (Grave, Joulin and Usunier
 *   2017): keys k_i = P x_i / |P x_i| of the last cache_size states (P a
 *   fixed Gaussian projection to cache_dim dimensions, drawn from
 *   cache_seed; keys stored in single precision), each with the token that
 *   followed it;
 *     p_cache(v) ∝ sum_{i : y_i = v} exp(cache_theta k_t . k_i)
 *   (the terms below e^-50 of the largest skipped: at most 2e-15 of the sum),
 *     p = (1 - cache_lambda) softmax(l) + cache_lambda p_cache.
 *
 * The model itself is not changed. Cost per token: F V for the step,
 * count cache_dim for the cache (count: the states stored so far). Choose
 * the settings on calibration tokens, not on the held-out ones
 * (lacus_lm_adapt_select; lacus lm eval --adapt). */
typedef struct lacus_lm_adapt_params {
    double step;          /* normalised step in [0, 2); 0 (default): off */
    int64_t cache_size;   /* states kept, 0 (default): no cache */
    int64_t cache_dim;    /* key dimensions, in [1, n_units]; default 64 */
    double cache_theta;   /* similarity sharpness, [0, 1e5]; default 20 */
    double cache_lambda;  /* cache weight, [0, 1); default 0.1 */
    uint64_t cache_seed;  /* projection seed; default 1 */
} lacus_lm_adapt_params;
lacus_lm_adapt_params lacus_lm_adapt_params_default(void);

/* lacus_lm_score with adaptation: *bits = sum over t in [start, n) of
 * -log2 p(ids[t] | ids[0..t)) under the adapting model. */
lacus_status lacus_lm_score_adapt(lacus_lm *m, const int32_t *ids, int64_t n, int64_t start,
                                  const lacus_lm_adapt_params *ap, double *bits);

/* Chooses the step and the cache's theta and lambda on calibration tokens:
 * every point (steps[i], thetas[j], lambdas[k]) of the grid (1 to 1024
 * points), with ap's other fields, scores ids[start..n) as
 * lacus_lm_score_adapt does, the points in parallel (OpenMP); the point with
 * the fewest bits (the first on ties) is written into *ap, and grid_bits
 * (n_step n_theta n_lambda, i major, k minor; optional) gets every point's
 * bits. Give it tokens the readouts were not trained on and that are not
 * the ones to be reported: lacus_lm_fit's calibration tokens. */
lacus_status lacus_lm_adapt_select(lacus_lm *m, const int32_t *ids, int64_t n, int64_t start,
                                   const double *steps, int64_t n_step, const double *thetas,
                                   int64_t n_theta, const double *lambdas, int64_t n_lambda,
                                   lacus_lm_adapt_params *ap, double *grid_bits);

/* Next-token distribution after a context: probs (V). */
lacus_status lacus_lm_probs(lacus_lm *m, const int32_t *ids, int64_t n, double *probs);

/* Sampling controls. temperature > 0 divides beta's logits (1: the fitted
 * distribution; -> 0: greedy); top_k > 0 keeps the k most probable tokens;
 * top_p in (0, 1] keeps the smallest set whose mass reaches top_p
 * (nucleus sampling, Holtzman et al. 2020). Seeded: same seed, same text. */
typedef struct lacus_sample_params {
    double temperature; /* default 1 */
    int64_t top_k;      /* default 0 (off) */
    double top_p;       /* default 1 (off) */
    uint64_t seed;      /* default 1 */
} lacus_sample_params;
lacus_sample_params lacus_sample_params_default(void);

/* Runs the prompt ids[0..n_prompt) (n_prompt >= 1) and samples n_gen
 * tokens into out (n_gen). */
lacus_status lacus_lm_generate(lacus_lm *m, const int32_t *prompt, int64_t n_prompt,
                               int64_t n_gen, const lacus_sample_params *sp, int32_t *out);

/* Multinomial logistic regression on dense features (the solver of the
 * logistic readout, usable on its own): W (F, V) and b (V) minimise
 *   sum_t -log softmax(W^T X[t] + b)_{y[t]} + (l2 / 2) ||W||^2
 * (scikit-learn's LogisticRegression(C = 1 / l2), multinomial, lbfgs),
 * from W = 0, b = 0 by L-BFGS until ||grad|| <= tol max(1, ||(W, b)||) of
 * the objective divided by n, or max_iter iterations. X (n, F) finite, y (n)
 * in [0, V). *iters (optional) gets the iterations taken. */
lacus_status lacus_logistic_fit(const double *X, int64_t n, int64_t F, const int32_t *y, int64_t V, double l2,
                                int64_t max_iter, double tol, double *W, double *b, int64_t *iters,
                                lacus_error *err);

/* Stacked reservoir LM (deep reservoirs through lacus/stack.h, chained):
 * n_layers (1..16) ESNs with p's hyperparameters (rc_connectivity =
 * rc_degree / n_units; layer l drawn from seed + 1000003 l), layer 0 reading
 * onehot(tok_t), every layer's ridge readout (p->ridge, feed_input =
 * feed_token, warmup) predicting onehot(tok_{t+1}), layer l > 0 reading
 * layer l-1's predicted scores. Trained on ids[0..n_train); each layer's
 * scores become p = softmax(beta log max(s, eps)) with eps, beta fitted on
 * tokens [n_train, n_train + n_calib) (at most 50,000); bits[l] (n_layers)
 * receives the mean held-out -log2 p of tokens [n_train + n_calib, n) read
 * at depth l + 1. The run starts 1,000 tokens before n_train (fading
 * memory). Needs gate_tokens 0 (the layers' readouts are ridge). Memory: lacus_stack
 * takes dense sequences, so 2 n_train V doubles for training and (n_layers
 * + 1) (n - n_train) V for the run. The held-out evaluation of one split;
 * lacus_lm_stack_train below gives the same stack as a model object that is
 * saved, loaded and generates. */
lacus_status lacus_lm_stack_eval(const lacus_lm_params *p, int64_t n_layers, const int32_t *ids, int64_t n,
                                 int64_t n_train, int64_t n_calib, double *bits, lacus_error *err);

/* A trained stacked reservoir LM: the stack of lacus_lm_stack_eval kept as
 * a model. Every layer keeps its readout (Wout (N + V, V) with feed_token,
 * (N, V) without, and b (V)) and its calibration (eps, beta); the
 * reservoirs are redrawn from p's seed (layer l: seed + 1000003 l), as in
 * lacus_lm_load. Layer l's next-token distribution is
 * softmax(beta_l log max(s_l, eps_l)) of its scores s_l. */
typedef struct lacus_lm_stack lacus_lm_stack;

/* Trains the stack on ids[0..n_train) (memory: 2 n_train V doubles, the
 * dense one-hot sequences of lacus_stack) and fits each layer's eps and
 * beta on the next n_calib tokens (at most 50,000 used), the state running
 * from zero 1,000 tokens before them; ids has n_train + n_calib tokens. So
 * lacus_lm_stack_score on ids + r0 (r0 = max(0, n_train - 1001)) over the
 * tokens after the calibration equals lacus_lm_stack_eval's bits on the
 * same split (test_lm_stack). gate_tokens must be 0. */
lacus_status lacus_lm_stack_train(const lacus_lm_params *p, int64_t n_layers, const int32_t *ids, int64_t n_train,
                                  int64_t n_calib, lacus_lm_stack **out, lacus_error *err);
void lacus_lm_stack_free(lacus_lm_stack *m);
const char *lacus_lm_stack_errmsg(const lacus_lm_stack *m);
int64_t lacus_lm_stack_n_layers(const lacus_lm_stack *m);
const lacus_lm_params *lacus_lm_stack_params(const lacus_lm_stack *m);
/* Layer l's calibration (l in [0, n_layers)); NaN out of range. */
double lacus_lm_stack_beta(const lacus_lm_stack *m, int64_t l);
double lacus_lm_stack_eps(const lacus_lm_stack *m, int64_t l);

/* bits (n_layers): the sums over t in [start, n) of -log2 p_l(ids[t] |
 * ids[0..t)) at every depth, the state starting from zero at ids[0]
 * (start >= 1). Runs 256 tokens at a time: the states token by token,
 * then each layer's readout and the next layer's drive as one dgemm per
 * chunk, so that scoring an L-layer stack costs about L times a single
 * layer's lacus_lm_score. */
lacus_status lacus_lm_stack_score(lacus_lm_stack *m, const int32_t *ids, int64_t n, int64_t start, double *bits);

/* Runs the prompt and samples n_gen tokens into out from the distribution
 * of depth `layer` (1..n_layers; 0: the top layer), as lacus_lm_generate
 * does (temperature divides beta; top-k, top-p; seeded). Only layers
 * 1..layer are stepped (in chained mode nothing below reads the layers
 * above). Cost per token and layer: nnz(W) + N (state), V N (the drive of
 * a layer above the first; the first looks its input vector up) and F V
 * (readout), in double. Every weight is read once per token, so the first
 * call packs them for that one pass (the readouts in column panels, Win as
 * 2-byte codes of its at most 3 distinct values: F V doubles and V N / 4
 * codes more memory per layer, kept with the model) and the stream stays
 * byte-identical to the unpacked step's. At N = 1,000, V = 84 a token
 * costs 1.3-1.4, 1.5-1.7 and 1.7-1.9 times what 1, 2 and 3 single-layer
 * LMs' lacus_lm_generate steps cost (bench_lm --stack, load 0.3-14;
 * round 5's unpacked step 1.5-1.6, 1.9-2.2 and 2.0-2.2): each layer's
 * double readout (0.7 MB) streams from L3 where the single LM's float one
 * (0.38 MB) stays in L2 (lacus_lm_stack_generate_f32 below: 1.2-1.5). */
lacus_status lacus_lm_stack_generate(lacus_lm_stack *m, int64_t layer, const int32_t *prompt, int64_t n_prompt,
                                     int64_t n_gen, const lacus_sample_params *sp, int32_t *out);
/* lacus_lm_stack_generate with the readouts (state rows) and the drives of
 * layers above the first in single precision: generation reads every
 * layer's weights once per token and is bound by memory traffic, which
 * this halves (at N = 1,000, V = 84 about 1.2-1.5 times the cost of L
 * single-layer LMs' lacus_lm_generate, against 1.3-1.9 in double). Scores
 * differ from the double ones by ~1e-7 relative, so a stream follows the
 * double one until a draw falls that close to a boundary of the cumulative
 * distribution, then diverges (seeded and deterministic all the same). The
 * float copies (N V + (L - 1) V N floats) are made on the first call and
 * kept. */
lacus_status lacus_lm_stack_generate_f32(lacus_lm_stack *m, int64_t layer, const int32_t *prompt, int64_t n_prompt,
                                         int64_t n_gen, const lacus_sample_params *sp, int32_t *out);

/* Model files: an .npz like lacus_lm_save's, manifest.json of format
 * "lacus-lm-stack" (hyperparameters, seed, n_layers, eps and beta per
 * layer), layer<l>/Wout and layer<l>/b, and the optional tokenizer.json.
 * Atomic. Save then load gives bit-identical scores. */
lacus_status lacus_lm_stack_save(const lacus_lm_stack *m, const lacus_tokenizer *tok, const char *path,
                                 lacus_error *err);
lacus_status lacus_lm_stack_load(const char *path, lacus_lm_stack **out, lacus_tokenizer **tok, lacus_error *err);
/* *stacked = 1 when path is a stacked LM file, 0 when it is a single
 * reservoir LM (lacus_lm_load); other files are LACUS_ERR_FORMAT. */
lacus_status lacus_lm_file_is_stack(const char *path, int *stacked, lacus_error *err);

/* Minimal-pair probe (BLiMP-style): good and bad (n) are the same token
 * sequence except inside some sentences (sentences end with the token eos).
 * For every sentence that starts at or after `start` and differs, margins
 * gets log2 p(good sentence | good prefix) - log2 p(bad sentence | same
 * prefix): > 0 means the model prefers the grammatical one. Up to cap
 * margins are written, with the index of the sentence's first token in
 * first (optional); *n_pairs receives how many there are. */
lacus_status lacus_lm_pair_margins(lacus_lm *m, const int32_t *good, const int32_t *bad, int64_t n,
                                   int64_t start, int32_t eos, double *margins, int64_t *first,
                                   int64_t cap, int64_t *n_pairs);

/* Model file: an .npz with Wout (F, V), b (V), the embedding E when one was
 * given, gate_Wout (K, N, V) and gate_tokens (K) with token gates,
 * pair_Wout (K2, d, V) and pair_keys (K2, int64 prev * V + cur, ascending)
 * with pair gates, and manifest.json (format, parameters, beta, the
 * lacus_lm_ext_params; files without them load with the defaults); the reservoir is
 * redrawn from the seed on load (it is fully described by it). A tokenizer
 * can be stored inside (tokenizer.json) and is returned by load when asked. */
lacus_status lacus_lm_save(const lacus_lm *m, const lacus_tokenizer *tok, const char *path,
                           lacus_error *err);
lacus_status lacus_lm_load(const char *path, lacus_lm **out, lacus_tokenizer **tok,
                           lacus_error *err);

#endif /* LACUS_LM_H */
