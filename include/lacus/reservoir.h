/* lacus/reservoir.h — the reservoir and its spectral radius. Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_RESERVOIR_H
#define LACUS_RESERVOIR_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/reservoir.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Reservoir                                                                */
/* ------------------------------------------------------------------------ */

/*
 * The equation (ReservoirPy 0.4.2's Reservoir, with the noise of 0.3):
 *
 *   x[t+1] = (1 - lr) * x[t]
 *            + lr * f( W x[t] + Win (u[t+1] + noise_in) + bias ) + noise_rc
 *
 * x[0] = 0 (or the state left by the previous call when the state is kept).
 * lr is a scalar or one value per unit; f is the activation. W is
 * (n_units, n_units) sparse, Win (n_units, n_inputs), bias (n_units).
 * Noise terms are zero unless a noise gain is set; they are drawn from the
 * handle's RNG (a stream per sequence, so results do not depend on threads).
 */

typedef enum lacus_activation {
    LACUS_ACT_TANH = 0,
    LACUS_ACT_SIGMOID = 1,
    LACUS_ACT_RELU = 2,
    LACUS_ACT_IDENTITY = 3,
    LACUS_ACT_SOFTMAX = 4,  /* over all units of the reservoir */
    LACUS_ACT_SOFTPLUS = 5
} lacus_activation;

/* Distributions of the non-zero weights (ReservoirPy's mat_gen names). */
typedef enum lacus_init {
    LACUS_INIT_NORMAL = 0,    /* N(0, 1) */
    LACUS_INIT_UNIFORM = 1,   /* U(-1, 1) */
    LACUS_INIT_BERNOULLI = 2  /* +1 or -1 with probability 1/2 */
} lacus_init;

typedef enum lacus_noise {
    LACUS_NOISE_GAUSSIAN = 0, /* N(0, 1) times the gain */
    LACUS_NOISE_UNIFORM = 1   /* U(-1, 1) times the gain */
} lacus_noise;

/* Names as ReservoirPy spells them ("tanh", "sigmoid", "relu", "identity",
 * "softmax", "softplus"; "normal", "uniform", "bernoulli"; "gaussian",
 * "uniform"). *_parse returns LACUS_ERR_ARG for an unknown name. */
const char *lacus_activation_name(lacus_activation a);
lacus_status lacus_activation_parse(const char *name, lacus_activation *out);
const char *lacus_init_name(lacus_init d);
lacus_status lacus_init_parse(const char *name, lacus_init *out);
const char *lacus_noise_name(lacus_noise d);
lacus_status lacus_noise_parse(const char *name, lacus_noise *out);

/* Hyperparameters. Fill with lacus_reservoir_params_default() and change what
 * you need; fields are only ever appended. Defaults are ReservoirPy 0.4.2's. */
typedef struct lacus_reservoir_params {
    int64_t n_units;            /* required, >= 1 */
    int64_t n_inputs;           /* required, >= 1 */
    double lr;                  /* leak rate in (0, 1]; default 1.0 */
    const double *lr_per_unit;  /* optional (n_units) in (0, 1]; copied; overrides lr */
    double sr;                  /* spectral radius of W, > 0; default 1.0; 0 keeps W unscaled */
    double input_scaling;       /* gain of Win; default 1.0 */
    const double *input_scaling_per_input; /* optional (n_inputs); copied */
    double input_connectivity;  /* density of Win in (0, 1]; default 0.1 */
    double rc_connectivity;     /* density of W in (0, 1]; default 0.1 */
    double bias_scaling;        /* gain of the bias; default 0 (no bias, as 0.4.2) */
    double bias_connectivity;   /* density of the bias; default 1.0 (0.3 drew it
                                   with input_connectivity: set that for 0.3) */
    lacus_activation activation;/* default tanh */
    lacus_init W_init;          /* default normal */
    lacus_init Win_init;        /* default bernoulli */
    lacus_init bias_init;       /* default bernoulli */
    double noise_rc;            /* gain of state noise; default 0 */
    double noise_in;            /* gain of input noise; default 0 */
    lacus_noise noise_type;     /* default gaussian */
    uint64_t seed;              /* default 42 */
} lacus_reservoir_params;

lacus_reservoir_params lacus_reservoir_params_default(void);

/* Checks every field; on failure writes which field and its allowed range. */
lacus_status lacus_reservoir_params_check(const lacus_reservoir_params *p, lacus_error *err);

typedef struct lacus_reservoir lacus_reservoir;

/* Draws W, Win and the bias from the seed and scales W to the spectral
 * radius (ARPACK for large sparse W, dense eigenvalues for small ones).
 * On failure *out is NULL and err says why. */
lacus_status lacus_reservoir_create(const lacus_reservoir_params *p, lacus_reservoir **out,
                                    lacus_error *err);
void lacus_reservoir_free(lacus_reservoir *r);
const char *lacus_reservoir_errmsg(const lacus_reservoir *r);

/* Replace the weights with given ones (as when ReservoirPy receives arrays:
 * no scaling is applied). Dense row-major inputs; zeros are dropped.
 *   W    (n_units, n_units)      Win (n_units, n_inputs)     bias (n_units) */
lacus_status lacus_reservoir_set_W(lacus_reservoir *r, const double *W);
lacus_status lacus_reservoir_set_W_csr(lacus_reservoir *r, int64_t nnz, const int64_t *indptr,
                                       const int64_t *indices, const double *values);
lacus_status lacus_reservoir_set_Win(lacus_reservoir *r, const double *Win);
lacus_status lacus_reservoir_set_bias(lacus_reservoir *r, const double *bias);
/* Copies the weights out as dense arrays of the shapes above. */
lacus_status lacus_reservoir_get_W(const lacus_reservoir *r, double *W);
lacus_status lacus_reservoir_get_Win(const lacus_reservoir *r, double *Win);
lacus_status lacus_reservoir_get_bias(const lacus_reservoir *r, double *bias);
int64_t lacus_reservoir_n_units(const lacus_reservoir *r);
int64_t lacus_reservoir_n_inputs(const lacus_reservoir *r);
int64_t lacus_reservoir_W_nnz(const lacus_reservoir *r);
const lacus_reservoir_params *lacus_reservoir_params_get(const lacus_reservoir *r);

/* Runs one sequence from a zero state (reset = 1) or from the state the last
 * call left (reset = 0), writing every state.
 *   u (n_steps, n_inputs), states (n_steps, n_units) */
lacus_status lacus_reservoir_run(lacus_reservoir *r, const double *u, int64_t n_steps,
                                 int reset, double *states);
/* A set of sequences of possibly different lengths, borrowed from the
 * caller. Sequence i is data[i], a (n_steps[i], n_features) row-major
 * matrix. */
typedef struct lacus_seqs {
    int64_t n_seqs;
    int64_t n_features;
    const double *const *data;
    const int64_t *n_steps;
} lacus_seqs;

/* Runs many sequences, each from a zero state (the reservoir's own state
 * is not touched), advancing up to 8 of them in lockstep so that each weight
 * of W is read once per step for all of them, and splitting each step's
 * units across threads. Results equal lacus_reservoir_run on each sequence.
 *   u: sequences of (n_steps[i], n_inputs);
 *   states[i]: caller buffer of (n_steps[i], n_units). */
lacus_status lacus_reservoir_run_many(lacus_reservoir *r, const lacus_seqs *u,
                                      double *const *states);
/* Current state (n_units), for reading or writing. */
lacus_status lacus_reservoir_get_state(const lacus_reservoir *r, double *x);
lacus_status lacus_reservoir_set_state(lacus_reservoir *r, const double *x);

/* Spectral radius of a square CSR matrix (largest |eigenvalue|): dense
 * LAPACK for n <= 512, ARPACK (implicitly restarted Arnoldi) above. */
lacus_status lacus_spectral_radius_csr(int64_t n, const int64_t *indptr, const int64_t *indices,
                                       const double *values, double *out, lacus_error *err);
lacus_status lacus_spectral_radius_dense(int64_t n, const double *W, double *out,
                                         lacus_error *err);

#endif /* LACUS_RESERVOIR_H */
