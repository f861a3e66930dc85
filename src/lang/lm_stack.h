/* Private view of the stacked reservoir LM (lm_stack_model.c: training,
 * scoring, generation; lm_stack_io.c: files). */
#ifndef LACUS_LANG_LM_STACK_H
#define LACUS_LANG_LM_STACK_H

#include "lacus.h"

struct lacus_lm_stack {
    lacus_lm_params p;
    int64_t L;                  /* layers, 1..16 */
    int64_t F;                  /* readout features: n_units (+ V with feed_token) */
    lacus_reservoir *res[16];   /* redrawn from the seed; each keeps its state */
    double *Wout[16], *b[16];   /* (F, V), (V) per layer */
    double eps[16], beta[16];   /* calibration per layer */
    double *WinT[16];           /* (V, N): Win of each layer, dense and transposed,
                                   for the fused step (lm_stack_step.c) */
    float *Woutf[16], *WinTf[16]; /* float copies of Wout's state rows (N, V) and of
                                     WinT (l > 0), made by the first generation */
    /* Double generation's packed copies (lm_stack_pack.c), made by the
     * first generation: Wout in column panels (F x 4 ceil(V / 4)); WinT as
     * 2-byte codes (V ceil(N / 4)) into a table Dt of 81 4-double vectors,
     * or, when Win has more than 3 distinct values, no codes: layer 0 then
     * reads WinT's rows, the layers above WinT in panels Dp (V x 4
     * ceil(N / 4)). */
    double *Wp[16], *Dp[16], *Dt[16];
    uint16_t *Dc[16];
    lacus_error err;
};

/* Scratch of the one-token step (lm_stack_step.c), sized once per call of
 * score or generate: f[l] (F) holds layer l's state in [0, N) and, for the
 * reference step, its input in [N, F); pre (N); u0 (V) the one-hot input
 * of the reference step. */
typedef struct lacus__lm_stack_ws {
    double *f[16], *pre, *u0;
    float *xf, *uf, *sf; /* generation's float vectors: (N), (V), (max(N, V)) */
} lacus__lm_stack_ws;
lacus_status lacus__lm_stack_ws_init(lacus__lm_stack_ws *w, const lacus_lm_stack *m);
void lacus__lm_stack_ws_free(lacus__lm_stack_ws *w);

/* Feeds token tok through layers [0, depth) (reset: from the zero state)
 * and leaves layer l's scores in S + l V (S: (depth, V)). The states live
 * in w. LACUS_ERR_NUMERIC (message on m) when scores are not finite. */
lacus_status lacus__lm_stack_step(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset, int64_t depth,
                                  double *S);
/* The step this replaced (every layer, lacus_reservoir_run + dgemv; the
 * states live in the reservoirs): the reference of test_lm_stack_step and
 * of bench_lm --stack. */
lacus_status lacus__lm_stack_step_ref(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset, double *S);
/* The step of generation: lacus__lm_stack_step with the state readout
 * and the drive of layers l > 0 in single precision (their weights are
 * then read at half the bytes: generation streams every layer's weights
 * once per token and is bound by memory traffic), the state update and
 * the input rows of the readout in double. Needs lacus__lm_stack_make_f32. */
lacus_status lacus__lm_stack_step_f32(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset, int64_t depth,
                                      double *S);
lacus_status lacus__lm_stack_make_f32(lacus_lm_stack *m);
/* The step of double generation: lacus__lm_stack_step bit for bit (the
 * same fused multiply-adds in the same order) on the packed weights of
 * lacus__lm_stack_make_packed, which it needs (lm_stack_pack.c). */
lacus_status lacus__lm_stack_step_packed(lacus_lm_stack *m, lacus__lm_stack_ws *w, int32_t tok, int reset,
                                         int64_t depth, double *S);
lacus_status lacus__lm_stack_make_packed(lacus_lm_stack *m);
/* x <- (1 - lr) x + lr f(W x + d + bias) for layer reservoir r; pre (N)
 * is scratch and may be d. */
void lacus__lm_stack_layer_state(const lacus_reservoir *r, double *x, const double *d, double *pre);
/* Fills m->WinT[l] from layer l's reservoir. */
lacus_status lacus__lm_stack_build_winT(lacus_lm_stack *m, int64_t l);

/* lacus_lm_stack_score's work (ids checked): chunks of tokens, each layer's
 * readout and the next layer's drive as dgemm over the chunk. */
lacus_status lacus__lm_stack_score_chunked(lacus_lm_stack *m, const int32_t *ids, int64_t n, int64_t start,
                                           double *bits);
/* lacus_lm_stack_score with the chunked path (mode 0), the reference step
 * (mode 1) or the fused step token by token (mode 2); lacus_lm_stack_generate
 * with the packed step (mode 0), the reference step (1), the float step (2)
 * or the fused step on the unpacked weights (3: round 5's generation). */
lacus_status lacus__lm_stack_score_ex(lacus_lm_stack *m, const int32_t *ids, int64_t n, int64_t start, double *bits,
                                      int mode);
lacus_status lacus__lm_stack_generate_ex(lacus_lm_stack *m, int64_t layer, const int32_t *prompt, int64_t n_prompt,
                                         int64_t n_gen, const lacus_sample_params *sp, int32_t *out, int mode);

/* A model with its reservoirs drawn and its readouts allocated (not yet
 * set); checks p (gate_tokens 0) and n_layers. */
lacus_status lacus__lm_stack_alloc(const lacus_lm_params *p, int64_t n_layers, lacus_lm_stack **out,
                                   lacus_error *err);

/* Fits an L-layer lacus_stack (chained mode, the layers of
 * lacus__lm_stack_layer_params) to predict onehot(ids[t + 1]) from
 * onehot(ids[t]) for t < n_train - 1: the training shared by
 * lacus_lm_stack_eval and lacus_lm_stack_train. Messages start with what. */
lacus_status lacus__lm_stack_fit_tokens(const lacus_lm_params *p, int64_t n_layers, const int32_t *ids,
                                        int64_t n_train, const char *what, lacus_stack **out,
                                        lacus_error *err);

#endif
