/* Private view of the reservoir language model (rclm.c: training, scoring,
 * generation; rclm_io.c: files). */
#ifndef LACUS_LANG_RCLM_H
#define LACUS_LANG_RCLM_H

#include "lacus.h"

struct lacus_lm {
    lacus_lm_params p;
    lacus_reservoir *res;  /* W and bias live here (nodes/reservoir.h) */
    double *emb;           /* (V, n_units): the input drive e[v] of each token */
    double *E;             /* (V, d) embedding given by the caller, or NULL */
    int64_t d;
    int64_t F;             /* features: n_units (+ V with feed_token) */
    double *Wout;          /* (F, V) */
    double *b;             /* (V) */
    double beta;           /* inverse temperature of the logits */
    double eps;            /* logits = log(max(score, eps)) */
    int trained;
    lacus_error err;
};

/* One step of the state for token tok: x updated in place; tmp (n_units). */
void lacus__lm_step(const lacus_lm *m, double *x, int32_t tok, double *tmp);
/* Fills emb from the reservoir's Win (no embedding) or Win_d E. */
lacus_status lacus__lm_build_emb(lacus_lm *m);

#endif
