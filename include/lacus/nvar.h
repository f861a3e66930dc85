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
 * For closed-loop forecasting call it with n_steps = 1 on each prediction.
 * Errors: LACUS_ERR_ARG (NULL buffers, n_steps < 1), LACUS_ERR_NUMERIC
 * (NaN/Inf in u, with its index); on error the delay line is unchanged. */
lacus_status lacus_nvar_run(lacus_nvar *m, const double *u, int64_t n_steps, int reset,
                            double *features);
/* Empties the delay line (zeros), as reset = 1 does. */
void lacus_nvar_reset(lacus_nvar *m);

#endif /* LACUS_NVAR_H */
