/*
 * lacus.h — the one public header of lacus, and its API manual.
 *
 * lacus is a C library for reservoir computing: echo state networks with
 * ReservoirPy's equation and hyperparameters, streaming ridge readouts,
 * dataset generators, metrics and .npy/.npz files.
 *
 * Conventions that hold for every function below
 * ----------------------------------------------
 * - Data is time-major and row-major: a sequence is an (n_steps, n_features)
 *   matrix of double, exactly like a NumPy array from ReservoirPy.
 * - Caller-owned buffers cross the API as pointers with int64_t sizes; the
 *   library copies what it keeps and never returns an internal buffer that a
 *   later call overwrites.
 * - Every fallible call returns a lacus_status (LACUS_OK == 0, errors < 0).
 *   Calls on a handle keep the detailed message on the handle
 *   (lacus_esn_errmsg and friends); calls without a handle fill an optional
 *   lacus_error the caller provides (NULL is allowed).
 * - Every *_free / *_close function accepts NULL.
 * - Handles are not thread-safe: use one handle per thread, or lock. Distinct
 *   handles may be used concurrently. The library threads internally with
 *   OpenMP; results do not depend on the number of threads.
 * - The library never prints, never exits and never aborts on user input.
 */
#ifndef LACUS_H
#define LACUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

#define LACUS_VERSION_MAJOR 0
#define LACUS_VERSION_MINOR 1
#define LACUS_VERSION_PATCH 0
#define LACUS_VERSION_STRING "0.1.0"
/* One integer that grows with every release: major*10000 + minor*100 + patch. */
#define LACUS_VERSION_NUMBER \
    (LACUS_VERSION_MAJOR * 10000 + LACUS_VERSION_MINOR * 100 + LACUS_VERSION_PATCH)

/* The version of the library actually linked ("0.1.0"); compare it with
 * LACUS_VERSION_STRING to detect a header/library mismatch. */
const char *lacus_version(void);
int lacus_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes and errors                                                  */
/* ------------------------------------------------------------------------ */

typedef enum lacus_status {
    LACUS_OK = 0,
    LACUS_ERR_ARG = -1,           /* a parameter is out of its allowed range */
    LACUS_ERR_SHAPE = -2,         /* array sizes do not agree */
    LACUS_ERR_NOMEM = -3,         /* an allocation failed */
    LACUS_ERR_IO = -4,            /* a file could not be opened, read or written */
    LACUS_ERR_FORMAT = -5,        /* a file is malformed or of an unsupported kind */
    LACUS_ERR_NUMERIC = -6,       /* NaN/Inf in data, or a numerical breakdown */
    LACUS_ERR_NOT_CONVERGED = -7, /* an iterative method did not converge */
    LACUS_ERR_UNSUPPORTED = -8,   /* valid request that this build cannot do */
    LACUS_ERR_STATE = -9          /* call made in the wrong order (e.g. run before fit) */
} lacus_status;

/* Fixed English text for a status code ("shape mismatch"). Never NULL. */
const char *lacus_status_str(lacus_status s);

#define LACUS_ERRMSG_SIZE 512

/* Error detail for calls that have no handle. Zero-initialise it (or pass
 * NULL when the detail is not wanted); after a failing call, msg names what
 * was wrong and where: file, array, index, parameter and allowed range. */
typedef struct lacus_error {
    lacus_status status;
    char msg[LACUS_ERRMSG_SIZE];
} lacus_error;

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/* Every allocation the library makes goes through these three functions.
 * lacus_set_allocator replaces them for the whole process (like SQLite's
 * SQLITE_CONFIG_MALLOC): call it once, before any other lacus call, or in
 * tests to inject allocation failures. NULL restores malloc/realloc/free.
 * Not thread-safe with respect to other lacus calls. */
typedef struct lacus_allocator {
    void *(*malloc_fn)(size_t size, void *user);
    void *(*realloc_fn)(void *ptr, size_t size, void *user);
    void (*free_fn)(void *ptr, void *user);
    void *user;
} lacus_allocator;

void lacus_set_allocator(const lacus_allocator *a);

/* Frees memory the library handed to the caller (lacus_ndarray data, byte
 * buffers from lacus_npz_read_bytes). NULL is a no-op. */
void lacus_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Arrays and files: .npy, .npz, CSV                                        */
/* ------------------------------------------------------------------------ */

typedef enum lacus_dtype {
    LACUS_F64 = 0, /* '<f8' double */
    LACUS_F32 = 1, /* '<f4' float */
    LACUS_I64 = 2, /* '<i8' int64_t */
    LACUS_I32 = 3  /* '<i4' int32_t */
} lacus_dtype;

#define LACUS_MAX_DIMS 8

/* An n-dimensional array in C (row-major) order and native byte order.
 * Arrays the library returns own their data (free with lacus_ndarray_free);
 * arrays the caller builds may point at the caller's own memory. */
typedef struct lacus_ndarray {
    lacus_dtype dtype;
    int ndim;                       /* 0..LACUS_MAX_DIMS; 0 is a scalar */
    int64_t shape[LACUS_MAX_DIMS];
    void *data;
} lacus_ndarray;

/* Number of elements (product of the shape; 1 for a scalar). */
int64_t lacus_ndarray_size(const lacus_ndarray *a);
/* Bytes per element of a dtype (8 or 4). */
size_t lacus_dtype_size(lacus_dtype t);
/* Releases a->data and zeroes the struct. NULL is a no-op. */
void lacus_ndarray_free(lacus_ndarray *a);
/* Converts a (any dtype) to LACUS_F64 in place; a must own its data (an
 * array the library returned), since the old buffer is freed. Integers
 * beyond 2^53 are rounded. Fails with LACUS_ERR_NOMEM only. */
lacus_status lacus_ndarray_to_f64(lacus_ndarray *a, lacus_error *err);

/* Reads a .npy file, format versions 1.0, 2.0 and 3.0, little or big endian,
 * dtypes f4/f8/i4/i8, C or Fortran order. The result is always C order,
 * native byte order, in its own dtype. Malformed headers, truncated data,
 * trailing bytes after the data (a header that understates its array),
 * lying sizes and unsupported dtypes give LACUS_ERR_FORMAT with the file
 * name, the byte offset or field and the reason; a file that cannot be
 * opened or read gives LACUS_ERR_IO. Every reader below leaves *out zeroed
 * on failure, so lacus_ndarray_free(out) is always safe. See docs/files.md. */
lacus_status lacus_npy_read(const char *path, lacus_ndarray *out, lacus_error *err);
/* The same from a memory buffer; `name` only labels error messages. */
lacus_status lacus_npy_read_mem(const void *buf, size_t len, const char *name,
                                lacus_ndarray *out, lacus_error *err);
/* Reads a .npy and converts it to a 2-D double matrix (LACUS_F64): a 1-D
 * array of length n becomes (n, 1). Other ranks give LACUS_ERR_SHAPE. */
lacus_status lacus_npy_read_matrix(const char *path, lacus_ndarray *out, lacus_error *err);
/* Writes a .npy (version 1.0, or 2.0 when the header needs it), little
 * endian, C order. The file appears complete or not at all: it is written
 * under a temporary name in the same directory, then renamed. */
lacus_status lacus_npy_write(const char *path, const lacus_ndarray *a, lacus_error *err);
/* Serialises into a buffer of the library's allocator (free with
 * lacus_free); the bytes are exactly what lacus_npy_write puts in a file. */
lacus_status lacus_npy_write_mem(const lacus_ndarray *a, void **buf, size_t *len,
                                 lacus_error *err);

/* .npz reader: a zip archive of .npy members (stored or deflated), as
 * numpy.savez / savez_compressed write them (read with libzip). Errors name
 * the archive and the member. lacus_npz_open_mem copies buf. */
typedef struct lacus_npz lacus_npz;
lacus_status lacus_npz_open(const char *path, lacus_npz **out, lacus_error *err);
lacus_status lacus_npz_open_mem(const void *buf, size_t len, lacus_npz **out,
                                lacus_error *err);
int64_t lacus_npz_count(const lacus_npz *z);
/* Member name without a trailing ".npy" (NumPy's convention), or NULL when
 * i is out of range. Valid until lacus_npz_close. */
const char *lacus_npz_name(const lacus_npz *z, int64_t i);
/* 1 when a member of that name (with or without ".npy") exists. */
int lacus_npz_has(const lacus_npz *z, const char *name);
/* Reads member `name` (with or without ".npy"). A missing or malformed
 * member gives LACUS_ERR_FORMAT naming the archive and the member. */
lacus_status lacus_npz_read(lacus_npz *z, const char *name, lacus_ndarray *out,
                            lacus_error *err);
/* A member's raw bytes (e.g. "manifest.json"); *buf is NUL-terminated one
 * byte past *len for convenience; free it with lacus_free. */
lacus_status lacus_npz_read_bytes(lacus_npz *z, const char *name, void **buf, size_t *len,
                                  lacus_error *err);
void lacus_npz_close(lacus_npz *z);

/* .npz writer. Nothing appears at `path` until lacus_npz_writer_commit
 * succeeds; lacus_npz_writer_abort (or a failed commit) leaves no file. */
typedef struct lacus_npz_writer lacus_npz_writer;
lacus_status lacus_npz_writer_open(const char *path, int compress, lacus_npz_writer **out,
                                   lacus_error *err);
/* Adds name + ".npy". The array is copied; the caller may free it after.
 * A failed add (bad array: LACUS_ERR_ARG, duplicate name: LACUS_ERR_ARG)
 * leaves the writer as it was. */
lacus_status lacus_npz_writer_add(lacus_npz_writer *w, const char *name,
                                  const lacus_ndarray *a, lacus_error *err);
lacus_status lacus_npz_writer_add_bytes(lacus_npz_writer *w, const char *name,
                                        const void *buf, size_t len, lacus_error *err);
/* Writes the archive, renames it into place and frees w (even on failure). */
lacus_status lacus_npz_writer_commit(lacus_npz_writer *w, lacus_error *err);
void lacus_npz_writer_abort(lacus_npz_writer *w);

/* Reads a CSV/TSV file of numbers into a 2-D double matrix. delimiter 0
 * detects ',', ';', tab or spaces from the first data line (or give one of
 * ',' ';' '\t' '|' ':', or ' ' for runs of blanks; others: LACUS_ERR_ARG);
 * a first line with a cell that is text, not a number, is taken as a
 * header and skipped. Empty cells, ragged rows and non-numbers are errors
 * naming line and column (LACUS_ERR_FORMAT), as is a file without data
 * rows. Blank lines and lines starting with '#' are skipped; numbers are
 * read in the C locale whatever the process locale ("nan" and "inf" are
 * numbers). See docs/files.md. */
lacus_status lacus_csv_read(const char *path, char delimiter, lacus_ndarray *out,
                            lacus_error *err);

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

/* ------------------------------------------------------------------------ */
/* Ridge readout                                                            */
/* ------------------------------------------------------------------------ */

/*
 * Solves, for every output column at once,
 *
 *   min_{Wout, b}  sum_t || y[t] - Wout^T x[t] - b ||^2 + ridge * ||Wout||^2
 *
 * LACUS_BIAS_CENTERED (ReservoirPy 0.4.2, default): X and Y are centred, the
 *   bias is not penalised: Wout = (Xc^T Xc + ridge I)^-1 Xc^T Yc,
 *   b = mean(y) - mean(x) Wout.
 * LACUS_BIAS_AUGMENTED (ReservoirPy 0.3): a constant-1 column is prepended to
 *   X and penalised like the other weights.
 * LACUS_BIAS_NONE: b = 0.
 *
 * X^T X and X^T Y are accumulated chunk by chunk (partial_fit), so the states
 * of the whole data set are never held. The solve is a Cholesky
 * factorisation, falling back to a symmetric indefinite (Bunch-Kaufman)
 * solve when X^T X + ridge I is not numerically positive definite. When the
 * number of accumulated samples is smaller than the number of features and
 * the data were kept (keep_samples), the dual (kernel) form is solved:
 * Wout = Xc^T (Xc Xc^T + ridge I)^-1 Yc.
 */
typedef enum lacus_bias_mode {
    LACUS_BIAS_CENTERED = 0,
    LACUS_BIAS_AUGMENTED = 1,
    LACUS_BIAS_NONE = 2
} lacus_bias_mode;

typedef enum lacus_solver {
    LACUS_SOLVER_AUTO = 0,   /* dual when n_samples < n_features and samples kept */
    LACUS_SOLVER_PRIMAL = 1, /* Cholesky on the (n_features)^2 normal equations */
    LACUS_SOLVER_DUAL = 2    /* Cholesky on the (n_samples)^2 kernel; needs keep_samples */
} lacus_solver;

/* "centered", "augmented", "none"; "auto", "primal", "dual". */
const char *lacus_bias_mode_name(lacus_bias_mode b);
lacus_status lacus_bias_mode_parse(const char *name, lacus_bias_mode *out);
const char *lacus_solver_name(lacus_solver s);
lacus_status lacus_solver_parse(const char *name, lacus_solver *out);

typedef struct lacus_ridge_params {
    int64_t n_features;     /* required, >= 1 */
    int64_t n_outputs;      /* required, >= 1 */
    double ridge;           /* >= 0; default 0 (as ReservoirPy) */
    lacus_bias_mode bias;   /* default centred */
    lacus_solver solver;    /* default auto */
    int64_t keep_samples;   /* keep up to this many rows for the dual form;
                               default 0 (primal only) */
} lacus_ridge_params;

lacus_ridge_params lacus_ridge_params_default(void);

typedef struct lacus_ridge lacus_ridge;
lacus_status lacus_ridge_create(const lacus_ridge_params *p, lacus_ridge **out, lacus_error *err);
void lacus_ridge_free(lacus_ridge *m);
const char *lacus_ridge_errmsg(const lacus_ridge *m);

/* Adds samples to the sums.  x (n_rows, n_features) with row stride ldx,
 * y (n_rows, n_outputs) with row stride ldy. NaN/Inf are rejected. */
lacus_status lacus_ridge_partial_fit(lacus_ridge *m, const double *x, int64_t ldx,
                                     const double *y, int64_t ldy, int64_t n_rows);
/* Solves with what has been accumulated; may be called again after more
 * partial_fit calls. Fails with LACUS_ERR_STATE if nothing was added. */
lacus_status lacus_ridge_solve(lacus_ridge *m);
/* Clears the sums (and the solution). */
void lacus_ridge_reset(lacus_ridge *m);
/* y (n_rows, n_outputs) = x Wout + b. */
lacus_status lacus_ridge_predict(const lacus_ridge *m, const double *x, int64_t ldx,
                                 int64_t n_rows, double *y, int64_t ldy);
/* Wout (n_features, n_outputs), b (n_outputs). */
lacus_status lacus_ridge_get_weights(const lacus_ridge *m, double *Wout, double *b);
lacus_status lacus_ridge_set_weights(lacus_ridge *m, const double *Wout, const double *b);
int64_t lacus_ridge_n_samples(const lacus_ridge *m);
/* Which solver the last solve used (primal, dual), and whether the Cholesky
 * factorisation fell back to the indefinite solve (1) or not (0). */
lacus_solver lacus_ridge_last_solver(const lacus_ridge *m);
int lacus_ridge_used_fallback(const lacus_ridge *m);

/* ------------------------------------------------------------------------ */
/* Online readouts: RLS (FORCE) and LMS                                     */
/* ------------------------------------------------------------------------ */

/*
 * Readouts trained one sample at a time, as ReservoirPy 0.4.2's RLS and LMS
 * nodes (same equations, same numbers: docs/online.md). For a sample x
 * (n_features), target y (n_outputs), weights W (n_features x n_outputs)
 * and bias b (n_outputs), every step computes the a-priori prediction and
 * error, then updates:
 *
 *   y_hat = W^T x + b,  e = y_hat - y        (prediction BEFORE the update)
 *
 * LACUS_ONLINE_RLS (recursive least squares, Haykin; FORCE learning,
 * Sussillo & Abbott 2009), with forgetting factor lambda, P(0) = I / alpha:
 *   k = P x / (lambda + x^T P x)
 *   P <- (P - P x x^T P / (lambda + x^T P x)) / lambda
 *   W <- W - k e^T
 *   s <- lambda s + 1;  b <- b - e / s       (fit_bias; s(0) = 0)
 * LACUS_ONLINE_LMS (Widrow-Hoff), learning rate alpha:
 *   W <- W - alpha x e^T
 *   b <- b - alpha e                         (fit_bias)
 *
 * The RLS bias is NOT part of P: it is a (forgetting-weighted) running
 * correction, exactly as in ReservoirPy. With fit_bias = 0, lambda = 1 and
 * W(0) = 0, RLS gives after T samples exactly the ridge solution
 * (X^T X + alpha I)^-1 X^T Y (lacus_ridge with LACUS_BIAS_NONE, ridge =
 * alpha); append a constant-1 feature to x to get LACUS_BIAS_AUGMENTED.
 * Cost per step: RLS O(n_features^2 + n_features n_outputs), LMS
 * O(n_features n_outputs); memory n_features^2 doubles for P (RLS).
 *
 * Divergence (NaN/Inf or a non-positive x^T P x + lambda, e.g. P blowing up
 * with lambda < 1 and uninformative inputs, or an LMS rate too large) is
 * detected before anything is changed: the call returns LACUS_ERR_NUMERIC,
 * lacus_online_errmsg says which step diverged and why, and W, b and P stay
 * at their values after the last good step.
 */
typedef enum lacus_online_method {
    LACUS_ONLINE_RLS = 0,
    LACUS_ONLINE_LMS = 1
} lacus_online_method;

typedef struct lacus_online_params {
    int64_t n_features;         /* required, >= 1 (RLS: at most 100000) */
    int64_t n_outputs;          /* required, >= 1 */
    lacus_online_method method; /* default RLS */
    double alpha;               /* RLS: P(0) = I / alpha, finite and > 0, default
                                   1e-6 (as ReservoirPy); LMS: learning rate,
                                   finite and > 0, set it (default 1e-6 too) */
    double forgetting;          /* RLS lambda in (0, 1]; default 1 (LMS: ignored) */
    int fit_bias;               /* 1 (default, as ReservoirPy): learn b; 0: b stays */
} lacus_online_params;

lacus_online_params lacus_online_params_default(void);
/* Checks every field; messages name the parameter and its allowed range. */
lacus_status lacus_online_params_check(const lacus_online_params *p, lacus_error *err);

typedef struct lacus_online lacus_online;
/* W = 0, b = 0, P = I / alpha. */
lacus_status lacus_online_create(const lacus_online_params *p, lacus_online **out,
                                 lacus_error *err);
void lacus_online_free(lacus_online *m);
const char *lacus_online_errmsg(const lacus_online *m);
/* Back to W = 0, b = 0, P = I / alpha, zero steps. */
void lacus_online_reset(lacus_online *m);

/* One learning step. x (n_features), y (n_outputs); y_hat (n_outputs, may be
 * NULL) receives the a-priori prediction W^T x + b used in the error.
 * NaN/Inf in x or y: LACUS_ERR_NUMERIC, nothing changed. */
lacus_status lacus_online_step(lacus_online *m, const double *x, const double *y, double *y_hat);
/* n_rows steps in order: x (n_rows, n_features) with row stride ldx, y
 * (n_rows, n_outputs) stride ldy; y_hat (n_rows, n_outputs, stride
 * n_outputs; may be NULL) gets the a-priori prediction of each step. All
 * rows are checked for NaN/Inf before the first step. On divergence at row
 * i, rows 0..i-1 are learned (and their y_hat written) and the message
 * names row i. */
lacus_status lacus_online_partial_fit(lacus_online *m, const double *x, int64_t ldx,
                                      const double *y, int64_t ldy, int64_t n_rows,
                                      double *y_hat);
/* y (n_rows, n_outputs) = x W + b, without learning. */
lacus_status lacus_online_predict(const lacus_online *m, const double *x, int64_t ldx,
                                  int64_t n_rows, double *y, int64_t ldy);
/* W (n_features, n_outputs), b (n_outputs; may be NULL). set_weights
 * leaves P and the bias count s as they are; it rejects NaN/Inf. */
lacus_status lacus_online_get_weights(const lacus_online *m, double *Wout, double *b);
lacus_status lacus_online_set_weights(lacus_online *m, const double *Wout, const double *b);
/* Steps learned since create/reset. */
int64_t lacus_online_n_steps(const lacus_online *m);

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
int64_t lacus_esn_n_outputs(const lacus_esn *m);
int lacus_esn_is_trained(const lacus_esn *m);

/* Model file: an .npz holding W (CSR as W_indptr/W_indices/W_data), Win,
 * bias, lr, Wout, bout and "manifest.json" (format version, equation,
 * hyperparameters, seed, lacus version). numpy.load opens it. Saving is
 * atomic (temporary name, then rename). Loading a file with a newer format
 * version than this library knows fails with LACUS_ERR_UNSUPPORTED. */
#define LACUS_MODEL_FORMAT_VERSION 1
lacus_status lacus_esn_save(const lacus_esn *m, const char *path, lacus_error *err);
lacus_status lacus_esn_load(const char *path, lacus_esn **out, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Datasets (ReservoirPy's generators, same parameters and defaults)        */
/* ------------------------------------------------------------------------ */

/*
 * Each generator fills a caller buffer with an (n_steps, n_dims) row-major
 * series, and takes a parameter struct whose _default() gives ReservoirPy
 * 0.4.2's defaults. The same parameters give the same numbers as
 * reservoirpy.datasets (docs/datasets.md lists the measured differences):
 *
 * - maps and Mackey-Glass match to the last bit or within a few ulp;
 * - ODE systems (lorenz, multiscroll, doublescroll, rossler,
 *   rabinovich_fabrikant) are integrated like scipy.integrate.solve_ivp with
 *   its defaults (Dormand-Prince RK45, rtol 1e-3, atol 1e-6, samples taken
 *   from the dense output): same steps, same interpolation. Note that, as in
 *   ReservoirPy, the samples are at linspace(0, n_steps * h, n_steps), so
 *   their spacing is h * n_steps / (n_steps - 1), not exactly h;
 * - random parts (Mackey-Glass history, NARMA input) are drawn with NumPy's
 *   algorithm (default_rng(seed): SeedSequence + PCG64), so the default seed
 *   5555 gives ReservoirPy's default series. Give your own arrays instead to
 *   use any other data.
 *
 * Every generator fails with LACUS_ERR_ARG (message naming the parameter
 * and its allowed range) on n_steps < 1, NaN/Inf or out-of-range
 * parameters, and with LACUS_ERR_NUMERIC when the series diverges to
 * Inf/NaN. Pure functions of their arguments: thread-safe. The command line
 * exposes them as `lacus data <name> --steps N -o file.npy`.
 */

/* Mackey-Glass delay differential equation (Mackey & Glass 1977):
 *   dx/dt = a x(t - tau) / (1 + x(t - tau)^n) - b x(t)
 * discretised with ReservoirPy's own fixed-step scheme of step h (see
 * docs/datasets.md: it is not the classical RK4). The delay covers
 * L = floor(tau / h) past steps, taken from `history` (its last L values,
 * oldest first) or, when history is NULL, drawn as ReservoirPy does:
 * x0 + 0.2 (U[0,1) - 0.5) from numpy.random.default_rng(seed).
 * out: (n_steps, 1), out[0] = x0. */
typedef struct lacus_mackey_glass_params {
    double tau;             /* delay, >= 0; default 17 */
    double a;               /* default 0.2 */
    double b;               /* default 0.1 */
    double n;               /* exponent; default 10 */
    double x0;              /* initial value; default 1.2 */
    double h;               /* time step, > 0; default 1.0 */
    const double *history;  /* optional (n_history), n_history >= floor(tau/h) */
    int64_t n_history;
    uint64_t seed;          /* for the drawn history; default 5555 (ReservoirPy's) */
} lacus_mackey_glass_params;
lacus_mackey_glass_params lacus_mackey_glass_params_default(void);
lacus_status lacus_mackey_glass(int64_t n_steps, const lacus_mackey_glass_params *p, double *out,
                                lacus_error *err);

/* Options of the RK45 integrator shared by the ODE generators; the defaults
 * are solve_ivp's (ReservoirPy passes its **kwargs on to solve_ivp). */
typedef struct lacus_ode_options {
    double rtol;        /* > 0; default 1e-3 */
    double atol;        /* >= 0; default 1e-6 */
    double max_step;    /* > 0; default INFINITY (unbounded) */
    double first_step;  /* 0: automatic (default), else > 0 */
} lacus_ode_options;

/* Lorenz (1963): dx = sigma (y - x), dy = x (rho - z) - y, dz = x y - beta z.
 * out: (n_steps, 3). */
typedef struct lacus_lorenz_params {
    double rho;    /* default 28 */
    double sigma;  /* default 10 */
    double beta;   /* default 8/3 */
    double x0[3];  /* default (1, 1, 1) */
    double h;      /* > 0; default 0.03 */
    lacus_ode_options ode;
} lacus_lorenz_params;
lacus_lorenz_params lacus_lorenz_params_default(void);
lacus_status lacus_lorenz(int64_t n_steps, const lacus_lorenz_params *p, double *out,
                          lacus_error *err);

/* Chen multiscroll attractor (Chen & Ueta 1999): dx = a (y - x),
 * dy = (c - a) x - x z + c y, dz = x y - b z. out: (n_steps, 3). */
typedef struct lacus_multiscroll_params {
    double a;      /* default 40 */
    double b;      /* default 3 */
    double c;      /* default 28 */
    double x0[3];  /* default (-0.1, 0.5, -0.6) */
    double h;      /* > 0; default 0.01 */
    lacus_ode_options ode;
} lacus_multiscroll_params;
lacus_multiscroll_params lacus_multiscroll_params_default(void);
lacus_status lacus_multiscroll(int64_t n_steps, const lacus_multiscroll_params *p, double *out,
                               lacus_error *err);

/* Double scroll electronic circuit (Chen & Ueta 1999, ReservoirPy's form):
 * with dV = V1 - V2 and g = dV / r2 + ir sinh(beta dV),
 *   dV1 = V1 / r1 - g,  dV2 = g - I,  dI = V2 - r4 I.  out: (n_steps, 3). */
typedef struct lacus_doublescroll_params {
    double r1;     /* default 1.2 */
    double r2;     /* default 3.44 */
    double r4;     /* default 0.193 */
    double ir;     /* default 2 * 2.25e-5 */
    double beta;   /* default 11.6 */
    double x0[3];  /* default (0.37926545, 0.058339, -0.08167691) */
    double h;      /* > 0; default 0.25 */
    lacus_ode_options ode;
} lacus_doublescroll_params;
lacus_doublescroll_params lacus_doublescroll_params_default(void);
lacus_status lacus_doublescroll(int64_t n_steps, const lacus_doublescroll_params *p, double *out,
                                lacus_error *err);

/* Rossler (1976): dx = -y - z, dy = x + a y, dz = b + z (x - c).
 * out: (n_steps, 3). */
typedef struct lacus_rossler_params {
    double a;      /* default 0.2 */
    double b;      /* default 0.2 */
    double c;      /* default 5.7 */
    double x0[3];  /* default (-0.1, 0, 0.02) */
    double h;      /* > 0; default 0.1 */
    lacus_ode_options ode;
} lacus_rossler_params;
lacus_rossler_params lacus_rossler_params_default(void);
lacus_status lacus_rossler(int64_t n_steps, const lacus_rossler_params *p, double *out,
                           lacus_error *err);

/* Rabinovich-Fabrikant (1979): dx = y (z - 1 + x^2) + gamma x,
 * dy = x (3 z + 1 - x^2) + gamma y, dz = -2 z (alpha + x y).
 * out: (n_steps, 3). */
typedef struct lacus_rabinovich_fabrikant_params {
    double alpha;  /* default 1.1 */
    double gamma;  /* default 0.89 */
    double x0[3];  /* default (-1, 0, 0.5) */
    double h;      /* > 0; default 0.05 */
    lacus_ode_options ode;
} lacus_rabinovich_fabrikant_params;
lacus_rabinovich_fabrikant_params lacus_rabinovich_fabrikant_params_default(void);
lacus_status lacus_rabinovich_fabrikant(int64_t n_steps,
                                        const lacus_rabinovich_fabrikant_params *p, double *out,
                                        lacus_error *err);

/* Logistic map (May 1976): x[t+1] = r x[t] (1 - x[t]). out: (n_steps, 1).
 * r > 0 and 0 < x0 < 1, as ReservoirPy requires. */
typedef struct lacus_logistic_map_params {
    double r;   /* default 3.9 */
    double x0;  /* default 0.5 */
} lacus_logistic_map_params;
lacus_logistic_map_params lacus_logistic_map_params_default(void);
lacus_status lacus_logistic_map(int64_t n_steps, const lacus_logistic_map_params *p, double *out,
                                lacus_error *err);

/* Henon map (Henon 1976): x[t+1] = 1 - a x[t]^2 + y[t], y[t+1] = b x[t].
 * out: (n_steps, 2). */
typedef struct lacus_henon_map_params {
    double a;      /* default 1.4 */
    double b;      /* default 0.3 */
    double x0[2];  /* default (0, 0) */
} lacus_henon_map_params;
lacus_henon_map_params lacus_henon_map_params_default(void);
lacus_status lacus_henon_map(int64_t n_steps, const lacus_henon_map_params *p, double *out,
                             lacus_error *err);

/* NARMA of a given order (Atiya & Parlos 2000), as ReservoirPy computes it
 * (which differs from the usual formula in which terms it sums): with
 * y[0 .. order-1] = x0 (padded with 0),
 *   y[t+1] = a1 y[t] + a2 y[t] sum_{i=t-order}^{t-1} y[i]
 *            + b u[t-order] u[t] + c,        t = order .. n_steps+order-2.
 * u has n_steps + order values: the caller's p->u, or when it is NULL
 * U[0, 0.5) drawn from numpy.random.default_rng(seed) as ReservoirPy does.
 *   u_out (n_steps + order, 1), optional (NULL): the input used.
 *   y     (n_steps, 1): y[order ..], the target ReservoirPy returns. */
typedef struct lacus_narma_params {
    int64_t order;      /* >= 1; default 30 */
    double a1;          /* default 0.2 */
    double a2;          /* default 0.04 */
    double b;           /* default 1.5 */
    double c;           /* default 0.001 */
    const double *x0;   /* optional (n_x0 <= n_steps + order) initial y; default {0} */
    int64_t n_x0;
    const double *u;    /* optional (n_steps + order) input */
    uint64_t seed;      /* for the drawn u; default 5555 (ReservoirPy's) */
} lacus_narma_params;
lacus_narma_params lacus_narma_params_default(void);
lacus_status lacus_narma(int64_t n_steps, const lacus_narma_params *p, double *u_out, double *y,
                         lacus_error *err);

/* Multiple superimposed oscillators (Jaeger 2004):
 *   y[t] = sum_i sin(freqs[i] t),  t = 0 .. n_steps-1,
 * rescaled to [-1, 1] by (2y - min - max) / (max - min) when normalize is
 * non-zero (which fails with LACUS_ERR_NUMERIC for a constant series).
 * out: (n_steps, 1). mso2 uses (0.2, 0.311); mso8 adds 0.42, 0.51, 0.63,
 * 0.74, 0.85, 0.97 (Roeschies & Igel 2010). */
lacus_status lacus_mso(int64_t n_steps, const double *freqs, int64_t n_freqs, int normalize,
                       double *out, lacus_error *err);
lacus_status lacus_mso2(int64_t n_steps, int normalize, double *out, lacus_error *err);
lacus_status lacus_mso8(int64_t n_steps, int normalize, double *out, lacus_error *err);

/* Splits a series (n_steps, n_dims) for forecasting `forecast` steps ahead,
 * as reservoirpy.datasets.to_forecasting: X = series[:-forecast],
 * Y = series[forecast:], and the last test_len rows of both are the test
 * set. With n_train = n_steps - forecast - test_len (must be >= 1):
 *   X_train, Y_train (n_train, n_dims); X_test, Y_test (test_len, n_dims),
 *   which may be NULL when test_len == 0.
 * forecast >= 1, test_len >= 0. */
lacus_status lacus_to_forecasting(const double *series, int64_t n_steps, int64_t n_dims,
                                  int64_t forecast, int64_t test_len, double *X_train,
                                  double *Y_train, double *X_test, double *Y_test,
                                  lacus_error *err);
/* test_len for a ratio in [0, 1), as ReservoirPy: round(n_steps * ratio),
 * halves rounded to even (Python's round). */
lacus_status lacus_test_len_from_ratio(int64_t n_steps, double ratio, int64_t *test_len,
                                       lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Metrics                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Metrics of reservoirpy.observables (0.4.2) over y_true and y_pred, both
 * (n_steps, n_outputs) row-major. With dimensionwise = 0 a metric pools all
 * n_steps * n_outputs values and writes one number to out[0]; with
 * dimensionwise = 1 it writes one number per column to out[0 .. n_outputs-1]
 * (ReservoirPy's dimensionwise=True). Results equal NumPy's to ~1e-15
 * relative (summation order differs only where NumPy's pairwise sum would
 * need the whole array).
 *
 * Errors: LACUS_ERR_ARG for n_steps < 1, n_outputs < 1 or a NULL buffer;
 * LACUS_ERR_NUMERIC (naming the array, row and column) for NaN/Inf in the
 * inputs, and where ReservoirPy would divide by zero and return inf/nan
 * (zero normaliser, constant y_true in rsquare or pearson); LACUS_ERR_NOMEM
 * for q1q3 (it sorts a copy). Thread-safe.
 */

/* Mean squared error: mean((y_true - y_pred)^2). */
lacus_status lacus_mse(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Root mean squared error: sqrt(mse). */
lacus_status lacus_rmse(const double *y_true, const double *y_pred, int64_t n_steps,
                        int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Mean absolute error: mean(|y_true - y_pred|). */
lacus_status lacus_mae(const double *y_true, const double *y_pred, int64_t n_steps,
                       int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Coefficient of determination:
 *   1 - sum (y_true - y_pred)^2 / sum (y_true - mean(y_true))^2. */
lacus_status lacus_rsquare(const double *y_true, const double *y_pred, int64_t n_steps,
                           int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);
/* Pearson correlation coefficient r between y_true and y_pred (as
 * numpy.corrcoef; not in reservoirpy.observables, but it is what
 * memory_capacity squares). */
lacus_status lacus_pearson(const double *y_true, const double *y_pred, int64_t n_steps,
                           int64_t n_outputs, int dimensionwise, double *out, lacus_error *err);

/* Normalisers of nrmse = rmse / lambda, ReservoirPy's `norm` names; all are
 * computed on y_true. */
typedef enum lacus_nrmse_norm {
    LACUS_NRMSE_MINMAX = 0, /* "minmax": max - min (np.ptp); ReservoirPy's default */
    LACUS_NRMSE_VAR = 1,    /* "var": variance (ddof 0), not the standard deviation */
    LACUS_NRMSE_MEAN = 2,   /* "mean": the mean (may be negative) */
    LACUS_NRMSE_Q1Q3 = 3    /* "q1q3": Q3 - Q1, NumPy's default (linear) quantiles */
} lacus_nrmse_norm;

/* Normalised root mean squared error, rmse / lambda(y_true). */
lacus_status lacus_nrmse(const double *y_true, const double *y_pred, int64_t n_steps,
                         int64_t n_outputs, lacus_nrmse_norm norm, int dimensionwise,
                         double *out, lacus_error *err);
/* rmse / norm_value (ReservoirPy's norm_value argument); norm_value != 0. */
lacus_status lacus_nrmse_value(const double *y_true, const double *y_pred, int64_t n_steps,
                               int64_t n_outputs, double norm_value, int dimensionwise,
                               double *out, lacus_error *err);
/* "minmax", "var", "mean" or "q1q3" -> the enum; anything else is
 * LACUS_ERR_ARG with the list of names. */
lacus_status lacus_nrmse_norm_parse(const char *name, lacus_nrmse_norm *out, lacus_error *err);
/* The name of a normaliser ("minmax"...), or NULL for an unknown value. */
const char *lacus_nrmse_norm_name(lacus_nrmse_norm norm);

/* Memory capacity (Jaeger 2001, "Short term memory in echo state
 * networks"), as reservoirpy.observables.memory_capacity with the model
 * `reservoir >> Ridge(ridge)`:
 *
 *   MC = sum_{k=1}^{k_max} MC_k,  MC_k = r^2(u[t - k], y_k[t])
 *
 * where y_k is a ridge readout trained to recall u[t - k]. The series u
 * (n_series values) is the caller's, or 10 * k_max values of U(-0.8, 0.8)
 * drawn from numpy.random.default_rng(seed) (ReservoirPy with seed=seed).
 * Rows t = k_max .. n_series-1 form the task; the last test_len rows are
 * the test set. The reservoir runs over the training rows from a zero state
 * (ReservoirPy on a fresh model), the readout skips their first k_max rows
 * (warmup = k_max) and is fitted with a centred bias; the test rows then
 * continue from the last training state, and r is the Pearson correlation
 * on them. The reservoir's weights are used as they are and its state is
 * restored before returning; it must have n_inputs == 1.
 * mc_k (k_max) is optional (NULL); *mc receives the sum. Fails with
 * LACUS_ERR_ARG on bad sizes, LACUS_ERR_NUMERIC when a prediction is
 * constant (r undefined), and passes on reservoir/ridge errors. */
typedef struct lacus_memory_capacity_params {
    int64_t k_max;          /* required, >= 1; a rule of thumb is 2 * n_units */
    double ridge;           /* readout regularisation, >= 0; default 1e-4 */
    const double *series;   /* optional (n_series) input */
    int64_t n_series;
    int64_t test_len;       /* > 0: test rows; 0 (default): round(n_series * test_ratio) */
    double test_ratio;      /* in (0, 1); default 0.2 (ReservoirPy's test_size) */
    uint64_t seed;          /* for the drawn series; default 42 */
} lacus_memory_capacity_params;
lacus_memory_capacity_params lacus_memory_capacity_params_default(void);
lacus_status lacus_memory_capacity(lacus_reservoir *r, const lacus_memory_capacity_params *p,
                                   double *mc_k, double *mc, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

/* Number of OpenMP threads lacus uses (default: OMP_NUM_THREADS or all
 * cores). Results do not depend on it. Process-wide. */
void lacus_set_num_threads(int n);
int lacus_get_num_threads(void);

#ifdef __cplusplus
}
#endif
#endif /* LACUS_H */
