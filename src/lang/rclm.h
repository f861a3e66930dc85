/* Private view of the reservoir language model (rclm.c: training, scoring,
 * generation; rclm_io.c: files). */
#ifndef LACUS_LANG_RCLM_H
#define LACUS_LANG_RCLM_H

#include "lacus.h"
#include "core/rng.h"

struct lacus_lm {
    lacus_lm_params p;
    lacus_lm_readout_params ro; /* readout kind and logistic settings */
    lacus_reservoir *res;  /* W and bias live here (nodes/reservoir.h) */
    double *emb;           /* (V, n_units): the input drive e[v] of each token */
    double *E;             /* (V, d) embedding given by the caller, or NULL */
    int64_t d;
    int64_t F;             /* features: n_units (+ V with feed_token) */
    double *Wout;          /* (F, V) */
    double *b;             /* (V) */
    double beta;           /* inverse temperature of the logits */
    double eps;            /* logits = log(max(score, eps)) */
    int64_t n_gate;        /* K gated tokens */
    int32_t *gate_tok;     /* (K) */
    int32_t *gate_of;      /* (V): index in gate_tok or -1 */
    double *Wg;            /* (K, n_units, V) */
    float *Wf;             /* (n_units, ldf) float copy of Wout's state rows, for generation;
                              columns V .. ldf are zero (ldf: V rounded up to 96) */
    int64_t ldf;
    float *Wgf;            /* (K, n_units, V) float copy of Wg */
    lacus_lm_ext_params xp; /* pair gates and slow units (lacus_lm_set_ext) */
    double *lrv;           /* (n_units) per-unit leak rates, or NULL: all p.lr */
    int64_t n_pair;        /* K2 pair-gated readouts in use */
    int64_t *pair_key;     /* (K2) prev * V + cur, ascending */
    double *Wp;            /* (K2, pair_units, V) */
    int trained;
    lacus_error err;
};

/* File helpers shared by the single and the stacked LM files (rclm_io.c). */
struct cJSON;
/* The reservoir's hyperparameters and seed into root, and back: the keys
 * lacus__lm_params_to_json writes are read into *p (other fields kept), with
 * a message naming path and the key when one is missing or malformed. */
void lacus__lm_params_to_json(struct cJSON *root, const lacus_lm_params *p);
lacus_status lacus__lm_params_from_json(const struct cJSON *root, const char *path, lacus_lm_params *p,
                                       lacus_error *err);
/* A finite number from root (-1 when missing or not finite). */
int lacus__json_num(const struct cJSON *root, const char *key, double *out);
/* Writes path atomically: the arrays add() puts in, root (deleted here) as
 * manifest.json and tok (may be NULL) as tokenizer.json; `what` starts the
 * out-of-memory message. */
typedef lacus_status (*lacus__lm_add_arrays)(lacus_npz_writer *w, const void *ctx, lacus_error *err);
lacus_status lacus__lm_write(const char *path, struct cJSON *root, const lacus_tokenizer *tok,
                             lacus__lm_add_arrays add, const void *ctx, const char *what, lacus_error *err);
/* Parses manifest.json into *root (the caller deletes it) and points *fmt at
 * its "format" string; fails when there is none. */
lacus_status lacus__lm_read_manifest(lacus_npz *z, const char *path, struct cJSON **root, const char **fmt,
                                     lacus_error *err);
/* When tok is not NULL and the file has a tokenizer.json: reads it into
 * *tok, refusing one whose vocabulary size is not vocab_size. */
lacus_status lacus__lm_read_tokenizer(lacus_npz *z, const char *path, int64_t vocab_size, lacus_tokenizer **tok,
                                      lacus_error *err);

/* f(W x + emb[tok] + bias) into tmp (n_units): the step before the leak. */
void lacus__lm_preact(const lacus_lm *m, const double *x, int32_t tok, double *tmp);
/* One step of the state for token tok: x updated in place; tmp (n_units). */
void lacus__lm_step(const lacus_lm *m, double *x, int32_t tok, double *tmp);
/* probs (V): the model's next-token distribution for state x after token
 * tok, itself after token prev (-1: none, e.g. at the start; the pair-gated
 * readouts need it). */
void lacus__lm_next_probs(const lacus_lm *m, const double *x, int32_t prev, int32_t tok, double *probs);
/* Scores of a chunk: S (rows, V) = Fx (rows, F) Wout + b + the gated
 * readouts of the rows' current tokens tok and pairs (prev[r], tok[r])
 * (prev[r] = -1: no pair). */
void lacus__lm_chunk_scores(const lacus_lm *m, const double *Fx, const int32_t *prev, const int32_t *tok,
                            int64_t rows, double *S);
/* Writes the features [x, onehot(tok)] of a state and token into f (F). */
void lacus__lm_features(const lacus_lm *m, const double *x, int32_t tok, double *f);
/* Checks ids[0..n) against the vocabulary ("lm WHAT: ids[i] = ..."). */
lacus_status lacus__lm_check_ids(lacus_lm *m, const int32_t *ids, int64_t n, const char *what);
/* probs (V) = softmax(beta log max(s, eps) / temperature) from scores s, in place. */
void lacus__lm_scores_to_probs(const lacus_lm *m, double temperature, double *probs);
/* Builds the float copies of the readouts used by generation (rclm_gen.c). */
lacus_status lacus__lm_make_f32(lacus_lm *m);
/* Fills emb from the reservoir's Win (no embedding) or Win_d E. */
lacus_status lacus__lm_build_emb(lacus_lm *m);

/* The logistic readout (rclm_logit.c): runs the reservoir over
 * ids[0..n_train - 1), keeps up to logit_max_rows states after warmup, and
 * fits Wout, b by L-BFGS. x (zero on entry) is left as the state after
 * ids[n_train - 2]; tmp (n_units) is scratch. */
lacus_status lacus__lm_fit_logistic(lacus_lm *m, const int32_t *ids, int64_t n_train, double *x, double *tmp);

/* Token-gated readouts (rclm_gate.c). The accumulator gathers per-token
 * sums during the single training pass. */
typedef struct lacus__gate_acc lacus__gate_acc;
/* Chooses the K most frequent tokens of ids[0..n) and allocates. */
lacus_status lacus__gate_begin(lacus_lm *m, const int32_t *ids, int64_t n, lacus__gate_acc **out);
/* One training row: state x after token tok, next token y. */
void lacus__gate_add(lacus__gate_acc *g, const lacus_lm *m, const double *x, int32_t tok, int32_t y);
/* Solves every G_c against the shared readout already in m->Wout, m->b; frees g. */
lacus_status lacus__gate_finish(lacus__gate_acc *g, lacus_lm *m);
void lacus__gate_free(lacus__gate_acc *g);
/* S[r] += G_{tok[r]}^T X[r] for the gated rows; X rows of stride ldx. */
void lacus__gate_scores(const lacus_lm *m, const double *X, int64_t ldx, const int32_t *tok, int64_t rows,
                        double *S);
lacus_status lacus__gate_alloc(lacus_lm *m, int64_t K);

/* Pair-gated readouts (rclm_pair.c): the index of pair (prev, tok) among
 * m->pair_key, or -1; the second training pass that fits them on the
 * residual of the shared and token-gated readouts; their scores. */
int64_t lacus__pair_find(const lacus_lm *m, int32_t prev, int32_t tok);
lacus_status lacus__pair_alloc(lacus_lm *m, int64_t K2);
lacus_status lacus__pair_fit(lacus_lm *m, const int32_t *ids, int64_t n_train, lacus_lm_progress progress,
                             void *user);
/* s (V) += H_j^T x[0..pair_units) for the pair (prev, tok), if gated. */
void lacus__pair_score(const lacus_lm *m, const double *x, int32_t prev, int32_t tok, double *s);

/* Draws from probs (V) after the top-k / top-p filters of sp; order (V) is
 * scratch; r the sampler's generator (rclm.c, shared with the stacked LM). */
int32_t lacus__lm_sample(double *probs, int64_t V, const lacus_sample_params *sp, int32_t *order, lacus__rng *r);

/* Stacked LMs (lm_stack.c): layer l's ESN parameters, the mean nll (nats)
 * of rows of scores S under softmax(beta log max(S, eps)), and the fit of
 * eps (half-decade grid) and beta (golden section) on rows of S. */
lacus_esn_params lacus__lm_stack_layer_params(const lacus_lm_params *p, int64_t l);
double lacus__lm_stack_nll(const double *S, const int32_t *y, int64_t rows, int64_t V, double eps, double beta);
void lacus__lm_stack_calibrate(const double *S, const int32_t *y, int64_t rows, int64_t V, double *eps_out,
                               double *beta_out);

#endif
