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
    lacus_error err;
};

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
