/* lacus/plasticity.h — placeholder, filled by the plasticity work. Part of the public API:
 * include <lacus.h>, which includes this file. */
#ifndef LACUS_PLASTICITY_H
#define LACUS_PLASTICITY_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/plasticity.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Local-plasticity reservoir (ReservoirPy 0.4.2's LocalPlasticityReservoir) */
/* ------------------------------------------------------------------------ */

/*
 * A leaky reservoir whose recurrent weights W learn by a local rule while it
 * runs on training input. Only the existing non-zeros of W change: the
 * sparsity pattern set with lacus_plasticity_set_W is fixed. docs/plasticity.md
 * has the equations, the references and a worked example.
 *
 * The state equation is ReservoirPy's LocalPlasticityReservoir._step (note
 * that the leak mixes the *activated* state x with the new net input):
 *
 *   r[t+1] = (1 - lr) * x[t] + lr * (W x[t] + Win u[t+1] + bias)
 *   x[t+1] = f(r[t+1])                           (x = "out", r = "internal")
 *
 * During fit, for every training step and every non-zero (i, j) of W, with
 * pre = r_j[t] and post = r_i[t+1] (post computed with W before the update):
 *
 *   hebbian       dW_ij =  eta * post * pre
 *   anti-hebbian  dW_ij = -eta * post * pre
 *   oja           dW_ij =  eta * post * (pre - post * W_ij)
 *   anti-oja      dW_ij = -eta * post * (pre - post * W_ij)
 *   bcm           dW_ij =  eta * post * (post - bcm_theta) * pre
 *
 * then (optionally) every row of W is scaled to unit L2 norm, then the state
 * advances to (r[t+1], x[t+1]). The state is not reset between sequences or
 * epochs; training starts from the handle's current state (zero after
 * create, or what the last run left). Sequences are visited in order, each
 * from step `warmup` on, `epochs` times.
 *
 * ReservoirPy 0.4.2 difference: its fit never stores the new state (it calls
 * _step without assigning self.state), so pre and post are computed from a
 * frozen state: with a zero start, hebbian, anti-hebbian and bcm leave W
 * unchanged and oja only decays it. lacus advances the state (the rule as
 * documented); set rpy_frozen_state = 1 to reproduce 0.4.2 bit for bit.
 *
 * After training, sr_after > 0 rescales W to that spectral radius (Hebbian
 * rules change it freely; the ESN needs it back near 1).
 */

typedef enum lacus_plasticity_rule {
    LACUS_RULE_OJA = 0,
    LACUS_RULE_ANTI_OJA = 1,
    LACUS_RULE_HEBBIAN = 2,
    LACUS_RULE_ANTI_HEBBIAN = 3,
    LACUS_RULE_BCM = 4
} lacus_plasticity_rule;

/* Names as ReservoirPy spells them: "oja", "anti-oja", "hebbian",
 * "anti-hebbian", "bcm" (parse is case-insensitive; LACUS_ERR_ARG if unknown). */
const char *lacus_plasticity_rule_name(lacus_plasticity_rule rule);
lacus_status lacus_plasticity_rule_parse(const char *name, lacus_plasticity_rule *out);

/* Fill with lacus_plasticity_params_default(); defaults are ReservoirPy
 * 0.4.2's. Fields are only ever appended. */
typedef struct lacus_plasticity_params {
    int64_t n_units;              /* required, >= 1 */
    int64_t n_inputs;             /* required, >= 1 */
    lacus_plasticity_rule rule;   /* default oja */
    double eta;                   /* learning rate, finite and > 0; default 1e-3 */
    double bcm_theta;             /* BCM threshold, finite; default 0.0 */
    int synapse_normalization;    /* 1: unit L2 norm per row after each update; default 0 */
    int64_t epochs;               /* passes over the data when fit gets epochs = 0; default 1 */
    int64_t warmup;               /* steps skipped at the start of each sequence; default 0 */
    double lr;                    /* leak rate in (0, 1]; default 1.0 */
    lacus_activation activation;  /* element-wise only (not softmax); default tanh */
    double sr_after;              /* > 0: rescale W to this spectral radius after fit; default 0 (off) */
    int rpy_frozen_state;         /* 1: ReservoirPy 0.4.2's frozen-state fit; default 0 */
} lacus_plasticity_params;

lacus_plasticity_params lacus_plasticity_params_default(void);

typedef struct lacus_plasticity lacus_plasticity;

/* W, Win and bias start at zero: set them (or copy them from a reservoir).
 * On failure *out is NULL and err says why. */
lacus_status lacus_plasticity_create(const lacus_plasticity_params *p, lacus_plasticity **out,
                                     lacus_error *err);
void lacus_plasticity_free(lacus_plasticity *r);
const char *lacus_plasticity_errmsg(const lacus_plasticity *r);

/* Dense row-major weights: W (n_units, n_units; its non-zeros are the
 * pattern that learns), Win (n_units, n_inputs), bias (n_units). */
lacus_status lacus_plasticity_set_W(lacus_plasticity *r, const double *W);
lacus_status lacus_plasticity_set_Win(lacus_plasticity *r, const double *Win);
lacus_status lacus_plasticity_set_bias(lacus_plasticity *r, const double *bias);
/* Copies W, Win and bias of a reservoir of the same shape (not its leak or
 * activation, which stay those of the params). */
lacus_status lacus_plasticity_set_from_reservoir(lacus_plasticity *r, const lacus_reservoir *res);
lacus_status lacus_plasticity_get_W(const lacus_plasticity *r, double *W);
int64_t lacus_plasticity_W_nnz(const lacus_plasticity *r);

/* Trains W on the sequences (n_features must be n_inputs); epochs = 0 uses
 * the params' epochs. W is left unchanged if the input is rejected; on a
 * numerical blow-up (NaN/Inf in W) the call fails with LACUS_ERR_NUMERIC. */
lacus_status lacus_plasticity_fit(lacus_plasticity *r, const lacus_seqs *u, int64_t epochs);

/* Runs with the current W (no learning), from a zero state (reset = 1) or
 * from the current one (reset = 0), writing x for every step.
 *   u (n_steps, n_inputs), states (n_steps, n_units) */
lacus_status lacus_plasticity_run(lacus_plasticity *r, const double *u, int64_t n_steps,
                                  int reset, double *states);
/* Current state: x ("out", n_units) and r ("internal", n_units); either may be NULL. */
lacus_status lacus_plasticity_get_state(const lacus_plasticity *r, double *x, double *internal);

/* ------------------------------------------------------------------------ */
/* Local plasticity inside an ESN (lacus fit --local-rule)                  */
/* ------------------------------------------------------------------------ */

/* Trains the ESN's recurrent weights W by the local rule of pp (NULL: the
 * defaults; n_units, n_inputs, lr and activation are taken from the ESN)
 * on `inputs` (epochs, 0: pp->epochs), then makes the learned W the ESN's
 * (same sparsity pattern; pp->sr_after > 0 rescales it), before the readout
 * is fitted. Needs lr = 1 (the plastic reservoir leaks before its
 * activation, the ESN after: only with lr = 1 are they one model), no
 * feedback, no noise (LACUS_ERR_UNSUPPORTED). On any error W is unchanged. */
lacus_status lacus_esn_fit_local(lacus_esn *m, const lacus_seqs *inputs,
                                 const lacus_plasticity_params *pp, int64_t epochs);

#endif /* LACUS_PLASTICITY_H */
