/* lacus/datasets.h — dataset generators (ReservoirPy's). Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_DATASETS_H
#define LACUS_DATASETS_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/datasets.h>"
#endif

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

/* Lorenz-96 (Lorenz 1996): N variables on a ring, i = 0 .. N-1 (mod N),
 *   dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F,
 * integrated with RK45 like solve_ivp (the ODE options above). Sampled
 * exactly as ReservoirPy 0.4.2, quirk included: with T = (warmup + n_steps) h,
 * the n_steps samples are at linspace(0, T * h, n_steps) (h applied twice,
 * so the spacing is about (warmup + n_steps) h^2 / (n_steps - 1), not h) and
 * the first `warmup` samples are dropped (see docs/datasets.md).
 * out: (n_steps - warmup, N); 0 <= warmup < n_steps. */
typedef struct lacus_lorenz96_params {
    int64_t N;          /* 4 .. 64; default 36 */
    double F;           /* forcing; default 8 */
    double dF;          /* default x0 perturbation; default 0.01 */
    double h;           /* > 0; default 0.01 */
    int64_t warmup;     /* samples dropped; default 0 */
    const double *x0;   /* optional (N); default NULL: x0 = F, x0[0] = F + dF */
    lacus_ode_options ode;
} lacus_lorenz96_params;
lacus_lorenz96_params lacus_lorenz96_params_default(void);
lacus_status lacus_lorenz96(int64_t n_steps, const lacus_lorenz96_params *p, double *out,
                            lacus_error *err);

/* Kuramoto-Sivashinsky, u_t = -u u_x - u_xx - u_(4x), periodic on
 * [0, 2 pi M] (ReservoirPy's parameterisation: M = 16 gives L = 32 pi),
 * N grid points, solved in Fourier space by ETDRK4 (Kassam & Trefethen 2005)
 * with time step h, the phi-functions averaged over M points of a circle
 * of radius 1, as ReservoirPy 0.4.2. Row t is the grid solution after t
 * steps (row 0 = x0), rows warmup .. n_steps-1 are returned.
 * out: (n_steps - warmup, N); 0 <= warmup < n_steps. Needs FFTW3 at build
 * time, else fails with LACUS_ERR_UNSUPPORTED. The FFT rounds differently
 * from NumPy's and the system is chaotic: equal to ReservoirPy to ~1e-12
 * for the first hundred steps, then diverging (docs/datasets.md). */
typedef struct lacus_kuramoto_sivashinsky_params {
    int64_t N;          /* even, >= 2; default 128 */
    int64_t M;          /* >= 1; default 16 */
    double h;           /* > 0; default 0.25 */
    int64_t warmup;     /* rows dropped; default 0 */
    const double *x0;   /* optional (N); default NULL:
                           cos(y / M) (1 + sin(y / M)), y_i = 2 M pi i / N, i = 1 .. N */
} lacus_kuramoto_sivashinsky_params;
lacus_kuramoto_sivashinsky_params lacus_kuramoto_sivashinsky_params_default(void);
lacus_status lacus_kuramoto_sivashinsky(int64_t n_steps,
                                        const lacus_kuramoto_sivashinsky_params *p, double *out,
                                        lacus_error *err);

/* Japanese-vowels-shaped sequences for classification, SYNTHETIC: the
 * shape of the UCI "Japanese Vowels" set (Kudo, Toyama & Shimbo 1999: 9
 * speakers uttering /ae/, 12 LPC cepstrum coefficients per frame, 7 to 29
 * frames) on generated data; it is not that data set and its accuracies are
 * not comparable with published ones. Each class is a "speaker": a vocal
 * tract with 3 formants (pole angles w_k, radii r_k) gliding over the
 * utterance, whose LPC cepstrum is the exact one of an all-pole filter,
 *   c_n(t) = sum_k 2 r_k^n cos(n w_k(t)) / n,   n = 1 .. 12.
 * The speakers' formants (scaled by a vocal-tract factor per class) are
 * drawn from speaker_seed; each utterance draws its length uniformly in
 * [min_len, max_len], a tempo, a +-jitter of every formant and Gaussian
 * noise of standard deviation `noise` on every coefficient from seed. Keep
 * speaker_seed and change seed for a test set of the same speakers.
 * Sequences are ordered by class (n_per_class of class 0, then class 1 ...).
 * Deterministic: the same parameters give the same numbers on any machine
 * with IEEE doubles and a correctly rounded libm for sin/cos/exp/pow. */
#define LACUS_VOWELS_CLASSES 9
#define LACUS_VOWELS_DIMS 12
typedef struct lacus_vowels_params {
    int64_t n_per_class;   /* >= 1; default 30 (UCI's training set has 30 per speaker) */
    int64_t min_len;       /* >= 1; default 7 */
    int64_t max_len;       /* >= min_len, <= 100000; default 29 */
    double noise;          /* >= 0; default 0.1 */
    double jitter;         /* relative formant jitter per utterance, in [0, 0.5); default 0.05 */
    uint64_t speaker_seed; /* the 9 speakers; default 9 */
    uint64_t seed;         /* the utterances; default 1 */
} lacus_vowels_params;
lacus_vowels_params lacus_vowels_params_default(void);
/* Lengths of the 9 n_per_class sequences (a size query: the sum is the row
 * count of x below). lengths (9 n_per_class). */
lacus_status lacus_vowels_lengths(const lacus_vowels_params *p, int64_t *lengths,
                                  lacus_error *err);
/* x (sum of lengths, 12) row-major, sequences one after another; lengths and
 * labels (9 n_per_class) each; labels in 0 .. 8. Any of lengths/labels may
 * be NULL. */
lacus_status lacus_vowels(const lacus_vowels_params *p, double *x, int64_t *lengths,
                          int64_t *labels, lacus_error *err);

#endif /* LACUS_DATASETS_H */
