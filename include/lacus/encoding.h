/* lacus/encoding.h — brain encoding models: predict fMRI/MEG targets (voxels,
 * sensors) from a model's features with one ridge penalty per target chosen
 * by contiguous cross-validation, the stimulus pipeline to the scanner's
 * clock, scores, noise ceilings, significance, NIfTI files and a synthetic
 * brain-data generator. Part of the public API: include <lacus.h>, which
 * includes this file; the conventions of lacus.h hold here. See docs/brain.md.
 */
#ifndef LACUS_ENCODING_H
#define LACUS_ENCODING_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/encoding.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Cross-validation folds                                                   */
/* ------------------------------------------------------------------------ */

/*
 * A fold assignment is an int64_t per sample: fold[i] in [0, n_folds) says
 * which validation fold sample i belongs to; every fold is non-empty.
 * Brain time series are autocorrelated, so folds must be contiguous blocks
 * (whole runs or stories): a shuffled split lets the model score on samples
 * whose neighbours it trained on, and inflates scores (docs/brain.md shows
 * this on null data).
 */
/* scikit-learn KFold(n_folds) without shuffle (himalaya's cv = k): contiguous
 * blocks, the first n % k of them one sample longer. */
lacus_status lacus_cv_contiguous(int64_t n_samples, int64_t n_folds, int64_t *fold,
                                 lacus_error *err);
/* Whole runs to folds: runs of the given lengths (in time order) are grouped
 * into n_folds contiguous groups of consecutive runs (as evenly as run counts
 * allow); n_folds = n_runs is leave-one-run-out. Fewer runs than folds is
 * LACUS_ERR_ARG. */
lacus_status lacus_cv_runs(const int64_t *run_lengths, int64_t n_runs, int64_t n_folds,
                           int64_t *fold, lacus_error *err);
/* Shuffled KFold (for demonstrations of the inflation only): a seeded random
 * permutation cut into n_folds. */
lacus_status lacus_cv_shuffled(int64_t n_samples, int64_t n_folds, uint64_t seed, int64_t *fold,
                               lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Ridge with one penalty per target (himalaya's RidgeCV / KernelRidgeCV)   */
/* ------------------------------------------------------------------------ */

typedef enum lacus_cv_score {
    LACUS_CV_NEG_MSE = 0, /* -sum (y - p)^2 / n: himalaya's default l2_neg_loss */
    LACUS_CV_R2 = 1,      /* 1 - SSE/SST (0 when SST = 0): himalaya r2_score */
    LACUS_CV_PEARSON = 2  /* Pearson r (population z-scores, std 0 -> 1): correlation_score */
} lacus_cv_score;

/* "neg_mse" | "r2" | "pearson". */
lacus_status lacus_cv_score_parse(const char *name, lacus_cv_score *out);

/*
 * Per-target ridge by cross-validation. For X (n x p), Y (n x t), a grid of
 * penalties alphas and folds f: on each fold one decomposition of the
 * training part,
 *   primal: X_tr = U S V^T (thin SVD),  b(a) = V diag(s/(s^2+a)) U^T y_tr
 *   dual:   K_tr = X_tr X_tr^T = Q L Q^T, w(a) = Q diag(1/(l+a)) Q^T y_tr,
 *           b(a) = X_tr^T w(a)
 * then the validation predictions of all alphas for a batch of targets as
 * one product  P(a) = (X_te V) diag(.) (U^T Y_tr)  (cost n_te k t per alpha,
 * k = min(n_tr, p); the decomposition is never repeated per alpha). Scores
 * are averaged over folds; a slope 1e-10 log(a) breaks ties towards the
 * larger alpha; the argmax is each target's alpha (local_alpha) or one alpha
 * for all (its mean over targets). The model is then refitted on all n
 * samples once, each target with its own alpha. With the same folds this is
 * himalaya 0.4.11's solve_ridge_cv_svd / solve_kernel_ridge_cv_eigenvalues
 * (tests/ref/make_himalaya_fixtures.py checks it). The dual's tiny negative
 * eigenvalues from round-off follow himalaya: alphas below twice the most
 * negative one are unselectable in CV (score -1e5), and they are zeroed in
 * the refit.
 *
 * Two cheaper orders of the same arithmetic are taken where they apply
 * (docs/brain3.md counts the flops). Primal with n_te + p < n_tr and
 * well-conditioned X (s_max / s_min <= 1e4 in every fold): U^T Y_tr is
 * formed as S^-1 V^T (X^T Y - X_te^T Y_te), and X^T Y is reused by the
 * refit (results agree with the SVD route to about 1e-12; coef holds X^T Y
 * while the scan runs); S and V come from the eigendecomposition of the
 * p x p Gram X_tr^T X_tr where s_max / s_min <= 100 (else the SVD). Dual refit when K + 1e-9 min(a) I is positive
 * definite: one Cholesky of K + a I per chosen alpha instead of the
 * eigendecomposition of K (agrees to 1e-9; an indefinite or
 * round-off-singular K keeps the eigen route and its zeroing).
 *
 * solver = LACUS_SOLVER_LSTSQ: every fold and the refit through the thin
 * SVD of X only (never X^T X, X X^T or X^T Y, whose rounding grows with the
 * condition number), and alpha = 0 is admitted in the grid: unregularised
 * least squares, the minimum-norm solution with singular values at or below
 * eps max(n, p) s_max dropped (np.linalg.lstsq with rcond=None). It competes
 * with the ridge alphas in the CV like any other alpha; on ties it ranks
 * below every positive alpha. Kernel and banded ridge refuse it.
 *
 * No intercept is fitted (himalaya's default): centre or z-score X and Y per
 * run first (lacus_zscore_runs).
 */
typedef struct lacus_ridgecv_params {
    const double *alphas;   /* penalties > 0, finite (>= 0 with LACUS_SOLVER_LSTSQ);
                               NULL: logspace(-2, 8, 11) */
    int64_t n_alphas;
    int64_t n_folds;        /* used when fold is NULL: lacus_cv_contiguous; default 5 */
    const int64_t *fold;    /* optional fold of each sample (n entries) */
    lacus_cv_score score;   /* default LACUS_CV_NEG_MSE (himalaya) */
    int local_alpha;        /* 1 (default): one alpha per target; 0: one for all */
    lacus_solver solver;    /* AUTO (default): primal when p <= n_train, else dual;
                               LSTSQ: the SVD route, alpha 0 allowed (above) */
    int64_t n_targets_batch;/* targets per batch (memory bound); 0: automatic */
    int scan_f32;           /* 1: the CV scan's two products in float32 (sgemm: about
                               twice as fast, half the memory; scores accumulated in
                               double, decompositions and refit in float64); the
                               chosen alphas may then differ from float64 on near
                               ties. Default 0. */
} lacus_ridgecv_params;

lacus_ridgecv_params lacus_ridgecv_params_default(void);

/* Fits. X (n_samples x n_features), Y (n_samples x n_targets), row-major,
 * finite. Outputs (caller buffers, each may be NULL):
 *   best_alpha[n_targets]           the chosen penalty of each target
 *   cv_score[n_targets]             its mean validation score
 *   cv_scores[n_alphas x n_targets] mean validation score of every alpha
 *   coef[n_features x n_targets]    weights refitted on all samples
 * Errors: LACUS_ERR_ARG (bad alphas, folds, sizes), LACUS_ERR_NUMERIC
 * (NaN/Inf in X or Y, a failed SVD), LACUS_ERR_NOMEM. Memory: X twice, plus
 * per batch of targets O((n + p) * batch); Y is never copied whole. */
lacus_status lacus_ridgecv_fit(const lacus_ridgecv_params *prm, const double *X, int64_t n_samples,
                               int64_t n_features, const double *Y, int64_t n_targets,
                               double *best_alpha, double *cv_score, double *cv_scores,
                               double *coef, lacus_error *err);

/* Kernel ridge by cross-validation on a precomputed kernel K (n x n,
 * symmetric positive semi-definite, e.g. X X^T or a polynomial / RBF
 * kernel): the dual path above with K sliced per fold. dual_coef (n x t)
 * holds w = (K + a I)^-1 y per target, refitted on all samples; predict a
 * new sample with k(x, X) w. himalaya's KernelRidgeCV. */
lacus_status lacus_kernel_ridgecv_fit(const lacus_ridgecv_params *prm, const double *K,
                                      int64_t n_samples, const double *Y, int64_t n_targets,
                                      double *best_alpha, double *cv_score, double *cv_scores,
                                      double *dual_coef, lacus_error *err);

/*
 * Banded ridge (himalaya GroupRidgeCV / BandedRidgeCV, random search): the
 * features are n_bands consecutive blocks of the given sizes, and each block
 * i gets its own penalty a_i = a / gamma_i. For each candidate gamma on the
 * simplex, block i of X is scaled by sqrt(gamma_i) and the ridge CV above
 * runs over the alpha grid; each target keeps the (gamma, alpha) of its best
 * mean validation score (a candidate must beat the best so far by machine
 * epsilon to replace it). Candidates: n_iter draws of a Dirichlet
 * distribution whose concentration cycles through {0.1, 1.0}, the first one
 * uniform (1/n_bands each), from the seed; or the caller's gammas
 * (n_iter x n_bands, rows summing to 1) when gammas is not NULL.
 * Outputs (each may be NULL): best_alpha[t], best_gamma[n_bands x t],
 * cv_score[t], coef[p x t] (in the original, unscaled feature units:
 * prediction = X coef).
 * With more samples than features the candidates share the folds'
 * X_tr^T Y_tr, since (X diag(c))^T Y = diag(c) X^T Y: made once, each
 * candidate's projection is then (Vt diag(c)) X_tr^T Y_tr, and the refit
 * comes from X^T Y, as RidgeCV's X^T Y route (docs/brain4.md counts the
 * flops). A candidate takes it only where every fold's scaled design has
 * s_max / s_min <= 1e4 (results agree with the fold-by-fold SVD route to
 * about 1e-12); others go fold by fold. Memory: the shared cross-products
 * hold n_folds p t values (float with scan_f32) when that is at most 1 GiB,
 * else each candidate makes its own per batch of targets. solver LSTSQ is
 * LACUS_ERR_ARG. */
lacus_status lacus_banded_ridgecv_fit(const lacus_ridgecv_params *prm, const double *X,
                                      int64_t n_samples, const int64_t *band_sizes,
                                      int64_t n_bands, const double *gammas, int64_t n_iter,
                                      uint64_t seed, const double *Y, int64_t n_targets,
                                      double *best_alpha, double *best_gamma, double *cv_score,
                                      double *coef, lacus_error *err);

/*
 * Banded ridge by hyper-gradient descent (himalaya 0.4.11
 * solve_multiple_kernel_ridge_hyper_gradient with linear kernels
 * K_i = X_i X_i^T, one per band): instead of a random search over the
 * simplex, each target's log band weights delta_i = log(gamma_i / alpha)
 * follow the gradient of the cross-validated squared loss,
 *   L(delta) = sum_folds 1/2 || sum_i e^delta_i K_i[val, tr] w - y_val ||^2,
 *   (sum_i e^delta_i K_i[tr, tr] + I) w = y_tr,
 * the implicit part of the gradient through w by a conjugate-gradient
 * solve (or left out: direct_gradient). Per outer iteration: the dual
 * weights w of each fold take max_iter_inner_dual steps (gradient descent
 * with step 1 / (sum_i e^delta_i lambda_max(K_i) + 1), or conjugate
 * gradient), warm-started from the previous iteration (the first iteration
 * runs 50 conjugate-gradient steps); then delta takes max_iter_inner_hyper
 * steps of size 1 / L, L the Lipschitz constant of the direct part (the
 * smallest over folds); a batch of targets stops when no delta moved by
 * more than tol. The refit solves the full system by conjugate gradient
 * (100 steps, tol 1e-4). Two choices differ from himalaya by design:
 * Lipschitz constants are exact largest eigenvalues (himalaya uses 10
 * power iterations from a random vector, unseeded by default, so its
 * results move in the third digit from run to run), and folds are the
 * given ones (default contiguous, as himalaya's cv = k).
 * The CV loss is not convex in delta: starting deltas matter. Start from a
 * random search's solution (delta = log(gamma / alpha) of
 * lacus_banded_ridgecv_fit) to refine it, or from 0 (himalaya's default).
 */
typedef struct lacus_hypergrad_params {
    int64_t max_iter;             /* outer iterations, default 10 */
    double tol;                   /* stop when max |delta change| < tol; default 1e-2; 0 never */
    int64_t max_iter_inner_dual;  /* default 1 */
    int64_t max_iter_inner_hyper; /* default 1 */
    double cg_tol;                /* relative-update tolerance of the inner solves, 1e-3 */
    int inner_cg;                 /* 0 (default): gradient descent inner steps; 1: conjugate gradient */
    int direct_gradient;          /* 1: drop the implicit part of the hyper-gradient; default 0 */
    int64_t n_targets_batch;      /* targets per batch (stopping is per batch); 0: all */
    int64_t n_folds;              /* when fold is NULL: lacus_cv_contiguous; default 5 */
    const int64_t *fold;          /* optional fold of each sample */
    const double *initial_deltas; /* n_bands x n_targets, or NULL: all 0 */
} lacus_hypergrad_params;

lacus_hypergrad_params lacus_hypergrad_params_default(void);

/* X (n x p, bands = consecutive column blocks of band_sizes), Y (n x t).
 * Outputs (each may be NULL): deltas[n_bands x t] the learned log weights
 * (band i's penalty is e^-delta_i), cv_scores[(max_iter *
 * max_iter_inner_hyper) x t] the mean validation score (-sum of squared
 * errors / n_val, himalaya's l2_neg_loss, averaged over folds) at each
 * iteration, rows after a stop repeat the last one once and are 0 after
 * that (as himalaya); coef[p x t] the refitted weights on the unscaled
 * features (prediction = X coef). Errors: LACUS_ERR_ARG, LACUS_ERR_NUMERIC
 * (NaN/Inf input, deltas diverging), LACUS_ERR_NOMEM. Memory: n_bands n^2
 * for the kernels plus O(n_bands n batch). */
lacus_status lacus_banded_ridge_hypergrad(const lacus_hypergrad_params *prm, const double *X,
                                          int64_t n_samples, const int64_t *band_sizes,
                                          int64_t n_bands, const double *Y, int64_t n_targets,
                                          double *deltas, double *cv_scores, double *coef,
                                          lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Scores                                                                   */
/* ------------------------------------------------------------------------ */

/* Per-target scores of predictions P against Y (both n x t): Pearson r
 * (0 when either column is constant) and R^2 = 1 - SSE/SST (0 when SST = 0),
 * both as himalaya's correlation_score / r2_score. Output r2 or r may be
 * NULL. */
lacus_status lacus_encoding_scores(const double *Y, const double *P, int64_t n, int64_t t,
                                   double *r, double *r2, lacus_error *err);

/* The R^2 of a banded model split per feature space (himalaya
 * r2_score_split, include_correlation = True): with P_i = X_i b_i the part
 * of the prediction from band i and P = sum_i P_i,
 *   R^2_i = sum_t (2 y P_i - P_i P) / sum_t y^2 ,
 * so that the n_bands values of a target sum to 1 - ||y - P||^2 / ||y||^2,
 * its R^2 when y is zero-mean (z-score per run first). X (n x p), coef
 * (p x t), Y (n x t), split (n_bands x t). */
lacus_status lacus_r2_split(const double *X, int64_t n, const int64_t *band_sizes,
                            int64_t n_bands, const double *coef, const double *Y, int64_t t,
                            double *split, lacus_error *err);

/* Explainable variance of repeated presentations (voxelwise_tutorials
 * explainable_variance): data (n_repeats x n x t),
 *   EV = Var_t(mean over repeats) / mean over repeats of Var_t,
 * with bias correction EV - (1 - EV)/(n_repeats - 1) when bias_correct.
 * The noise ceiling of Pearson r is sqrt(EV). n_repeats >= 2. */
lacus_status lacus_explainable_variance(const double *data, int64_t n_repeats, int64_t n,
                                        int64_t t, int bias_correct, double *ev,
                                        lacus_error *err);

/* Cross-subject noise ceiling (no repeats needed): data (n_subjects x n x
 * t), the responses of m >= 2 subjects to the same stimulus on the same t
 * targets (a common space). loo_r[m x t] (may be NULL): Pearson r between
 * each subject and the mean of the others (leave-one-subject-out
 * intersubject correlation). ceiling[t] (may be NULL): the Pearson r an
 * ideal model reaches on one subject, from the subjects' mean loo_r rho
 * corrected for the noise left in the others' mean, under the standard
 * equal-noise model (subject = shared signal + independent noise):
 *   ceiling = sqrt(a),  a^2 - rho^2 a (m-2)/(m-1) - rho^2/(m-1) = 0,
 * i.e. rho = ceiling * sqrt(Spearman-Brown reliability of m-1 subjects);
 * 0 when rho <= 0. Divide a model's r by it for a "brain score" as a
 * fraction of the ceiling (Schrimpf et al. 2021). src/brain/ceiling.c has
 * the derivation. */
lacus_status lacus_cross_subject_ceiling(const double *data, int64_t n_subjects, int64_t n,
                                         int64_t t, double *loo_r, double *ceiling,
                                         lacus_error *err);

/* Block-permutation p-values of Pearson r per target: the predictions are
 * cut into blocks of block_len samples (the last one shorter), the blocks
 * shuffled n_perm times (seeded), r recomputed;
 * p = (1 + #{r_perm >= r}) / (1 + n_perm). p[t]. */
lacus_status lacus_permutation_pvalues(const double *Y, const double *P, int64_t n, int64_t t,
                                       int64_t block_len, int64_t n_perm, uint64_t seed,
                                       double *p, lacus_error *err);

/* Benjamini-Hochberg FDR: q[i] the adjusted p-values (monotone, <= 1);
 * reject[i] = q[i] <= level (reject may be NULL). */
lacus_status lacus_fdr_bh(const double *p, int64_t n, double level, double *q, int *reject,
                          lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Stimulus features to the brain's clock                                   */
/* ------------------------------------------------------------------------ */

/* Lanczos resampling of word-time features to TR times (HuthLab
 * lanczosinterp2D): out[k] = sum_w L(tr_times[k] - word_times[w]) x[w] with
 * L(t) = a sin(pi f t) sin(pi f t / a) / (pi f t)^2, L(0) = 1, L = 0 for
 * |f t| > a; f = cutoff (use 1/TR), a = lobes (3). Not normalised (the word
 * rate stays in the signal). x (n_words x p), out (n_tr x p). */
lacus_status lacus_lanczos_resample(const double *x, const double *word_times, int64_t n_words,
                                    int64_t p, const double *tr_times, int64_t n_tr,
                                    double cutoff, int lobes, double *out, lacus_error *err);

/* FIR delays: out (n x p*n_delays), block d holds x shifted down by
 * delays[d] samples (zeros first; negative delays shift up), within each run
 * so nothing leaks across run edges. run_lengths NULL: one run. */
lacus_status lacus_fir_delays(const double *x, int64_t n, int64_t p, const int64_t *run_lengths,
                              int64_t n_runs, const int64_t *delays, int64_t n_delays,
                              double *out, lacus_error *err);

typedef enum lacus_hrf_kind {
    LACUS_HRF_SPM = 0,   /* SPM canonical: gamma(6) - gamma(16)/6, dispersion 1 */
    LACUS_HRF_GLOVER = 1 /* Glover 1999 as nilearn: peaks 6 s and 12 s, ratio 0.35 */
} lacus_hrf_kind;

/* The HRF as nilearn's spm_hrf / glover_hrf (oversampling 1, onset 0,
 * time_length = length): n_out = round(length / dt) values at
 * linspace(0, length, n_out) (so the spacing is length/(n_out-1), as in
 * nilearn), both gamma densities shifted by dt, normalised to sum 1. Any
 * other n_out is LACUS_ERR_SHAPE. */
lacus_status lacus_hrf(lacus_hrf_kind kind, double dt, double length, double *out,
                       int64_t n_out, lacus_error *err);

/* Convolves each column of x (n x p, sampled every dt) with h (n_h values),
 * causally, restarting at run edges: out[t] = sum_{s<=t} h[t-s] x[s]. */
lacus_status lacus_hrf_convolve(const double *x, int64_t n, int64_t p, const int64_t *run_lengths,
                                int64_t n_runs, const double *h, int64_t n_h, double *out,
                                lacus_error *err);

/* z-scores each column within each run, in place (population std). A column
 * that is constant within a run is an error (LACUS_ERR_NUMERIC naming the
 * run and column) unless allow_constant, which sets it to 0. */
lacus_status lacus_zscore_runs(double *x, int64_t n, int64_t p, const int64_t *run_lengths,
                               int64_t n_runs, int allow_constant, lacus_error *err);

/* Drops trim_start rows at the start and trim_end at the end of every run
 * (Huth/LeBel: 5 + trim and trim): compacts x in place and rewrites
 * run_lengths; *n_out the new row count. */
lacus_status lacus_trim_runs(double *x, int64_t n, int64_t p, int64_t *run_lengths,
                             int64_t n_runs, int64_t trim_start, int64_t trim_end,
                             int64_t *n_out, lacus_error *err);

/* MEG word-locked epochs: for every word onset (seconds) the samples of
 * data (n_times x n_sensors, sampled at sfreq from time 0) from tmin to tmax
 * (inclusive, rounded to samples), each sensor baseline-corrected by its
 * mean over [tmin, min(0, tmax)]. out (n_words x n_sensors x n_lags),
 * n_lags = round((tmax - tmin) sfreq) + 1. Epochs outside the recording are
 * LACUS_ERR_ARG naming the word. */
lacus_status lacus_meg_epochs(const double *data, int64_t n_times, int64_t n_sensors,
                              double sfreq, const double *onsets, int64_t n_words, double tmin,
                              double tmax, double *out, int64_t n_lags, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Synthetic brain data with a known ideal score                            */
/* ------------------------------------------------------------------------ */

/*
 * fMRI: word onsets as a Poisson process (word_rate per second) in n_runs
 * runs of n_tr TRs; per-word Gaussian features (n_features); a 0.1 s drive
 * (features at each word) convolved with the SPM HRF and sampled every TR;
 * planted weights B with a fraction null_fraction of null voxels (B = 0);
 * each active voxel's signal scaled to variance SNR (log-uniform in
 * [snr_min, snr_max]) and added to AR(1) noise (coefficient ar1, unit
 * variance). Ideal Pearson r of a voxel: r* = sqrt(SNR / (1 + SNR)).
 * Optional n_repeats presentations of the last run with fresh noise.
 * Voxels lie in an ellipsoid "brain" mask of the grid nx x ny x nz (0: a
 * line of n_voxels). MEG: see lacus_simulate_meg.
 */
typedef struct lacus_sim_params {
    int64_t n_runs;        /* default 4 */
    int64_t n_tr;          /* TRs per run, default 300 */
    double tr;             /* seconds, default 2 */
    double word_rate;      /* words per second, default 2.5 */
    int64_t n_features;    /* default 32 */
    int64_t n_voxels;      /* default 2000 (ignored when a grid is given) */
    int64_t nx, ny, nz;    /* ellipsoid mask grid, default 0 (no grid) */
    double null_fraction;  /* default 0.2 */
    double snr_min, snr_max; /* default 0.05 and 5 */
    double ar1;            /* AR(1) coefficient of the noise in [0, 1), default 0.4 */
    int64_t n_repeats;     /* repeated presentations of the last run, default 0 */
    uint64_t seed;         /* default 0 */
} lacus_sim_params;

lacus_sim_params lacus_sim_params_default(void);

typedef struct lacus_sim_data {
    int64_t n_words, n_samples, n_features, n_voxels, n_runs;
    double *word_times;    /* n_words, seconds from the start of the word's run */
    int64_t *word_run;     /* n_words: run index of each word */
    double *word_features; /* n_words x n_features */
    double *bold;          /* n_samples x n_voxels (runs stacked) */
    double *repeats;       /* n_repeats x n_tr x n_voxels, or NULL */
    int64_t n_repeats;
    double *snr;           /* n_voxels (0 for null voxels) */
    double *r_ideal;       /* n_voxels: sqrt(snr / (1 + snr)) */
    double *weights;       /* n_features x n_voxels planted B */
    unsigned char *mask;   /* nx*ny*nz (x fastest) or NULL */
    int64_t nx, ny, nz;
    int64_t *run_lengths;  /* n_runs */
} lacus_sim_data;

lacus_status lacus_simulate_fmri(const lacus_sim_params *prm, lacus_sim_data *out,
                                 lacus_error *err);
void lacus_sim_data_free(lacus_sim_data *d);

/* MEG: n_words word-locked epochs (n_words x n_sensors x n_lags, sfreq,
 * from tmin to tmax) from word features (n_words x n_features) through a
 * temporal response (a damped sinusoid peaking at peak_latency seconds
 * after onset, zero before it) and a random sensor mixing, plus white noise
 * scaled to the given SNR at the peak. out_epochs / out_features / times are
 * caller buffers of n_words*n_sensors*n_lags, n_words*n_features and n_lags
 * doubles; n_lags = round((tmax - tmin) sfreq) + 1. */
lacus_status lacus_simulate_meg(int64_t n_words, int64_t n_features, int64_t n_sensors,
                                double sfreq, double tmin, double tmax, double peak_latency,
                                double snr, uint64_t seed, double *out_epochs,
                                double *out_features, double *times, lacus_error *err);

/* As lacus_simulate_meg, with noise of power spectrum 1/f^noise_exponent
 * (0: white, the same draws as lacus_simulate_meg; 1: pink, resting MEG is
 * about 1-2), one continuous series per sensor cut into the epochs in word
 * order, scaled to the same variance. noise_exponent > 0 needs FFTW
 * (LACUS_ERR_UNSUPPORTED without). */
lacus_status lacus_simulate_meg_ex(int64_t n_words, int64_t n_features, int64_t n_sensors,
                                   double sfreq, double tmin, double tmax, double peak_latency,
                                   double snr, double noise_exponent, uint64_t seed,
                                   double *out_epochs, double *out_features, double *times,
                                   lacus_error *err);

/* Gaussian noise with power spectrum proportional to 1/f^exponent
 * (exponent in [0, 4]; 1 pink, 2 brown), zero mean and unit variance, n
 * samples, seeded; spectral synthesis (Timmer & Koenig 1995) at twice the
 * length, first half kept, so the series is not periodic. Needs FFTW:
 * LACUS_ERR_UNSUPPORTED in builds without (lacus_noise_powerlaw_available). */
lacus_status lacus_noise_powerlaw(int64_t n, double exponent, uint64_t seed, double *out,
                                  lacus_error *err);
int lacus_noise_powerlaw_available(void);

/* Banded data with a known answer, for banded ridge: X (n x p) standard
 * Gaussian, its columns the bands of the given sizes side by side; target
 * j = sum_i sqrt(snr w_ij) X_i b_ij / sqrt(p_i) + unit Gaussian noise, b_ij
 * standard Gaussian, the band shares w_.j ~ Dirichlet(concentration) (small
 * concentration: each target listens to one band), Y (n x t) columns then
 * z-scored. weights (n_bands x t, may be NULL) receives w. */
lacus_status lacus_simulate_banded(int64_t n, const int64_t *band_sizes, int64_t n_bands,
                                   int64_t n_targets, double concentration, double snr,
                                   uint64_t seed, double *X, double *Y, double *weights,
                                   lacus_error *err);

/* ------------------------------------------------------------------------ */
/* NIfTI images (nifticlib; LACUS_ERR_UNSUPPORTED in builds without it)     */
/* ------------------------------------------------------------------------ */

/* A 3-D or 4-D image as doubles (scl_slope / scl_inter applied), x fastest:
 * data[((t*nz + z)*ny + y)*nx + x]; affine the voxel-to-world matrix (sform
 * when set, else qform, else pixdim scaling), row-major 4x4. */
typedef struct lacus_nifti {
    int64_t dim[4];       /* nx, ny, nz, nt (nt = 1 for 3-D) */
    double pixdim[4];     /* voxel sizes and TR (seconds when the file says ms/us) */
    double affine[16];
    int nifti_version;    /* 1 or 2 */
    double *data;
} lacus_nifti;

/* 1 when this build reads and writes NIfTI. */
int lacus_nifti_available(void);
/* Reads .nii / .nii.gz / .hdr+.img, NIfTI-1 or -2, either byte order. */
lacus_status lacus_nifti_read(const char *path, lacus_nifti *out, lacus_error *err);
/* Writes a float32 NIfTI-1 (version 1) or NIfTI-2 (version 2) file, .nii or
 * .nii.gz by the name, atomically. */
lacus_status lacus_nifti_write(const char *path, const lacus_nifti *img, int version,
                               lacus_error *err);
void lacus_nifti_free(lacus_nifti *img);

/* Masked time series: for a 4-D image and a 3-D mask on the same grid
 * (mask voxels != 0), series (nt x n_voxels) in mask order (x fastest);
 * *n_voxels is the mask count (call with series NULL to get it). A grid
 * mismatch is LACUS_ERR_SHAPE naming both grids. */
lacus_status lacus_nifti_mask_series(const lacus_nifti *img, const lacus_nifti *mask,
                                     double *series, int64_t *n_voxels, lacus_error *err);
/* A 3-D map on the mask's grid: values (n_voxels) at the mask voxels,
 * fill elsewhere. out->data is allocated (free with lacus_nifti_free). */
lacus_status lacus_nifti_unmask(const lacus_nifti *mask, const double *values, int64_t n_voxels,
                                double fill, lacus_nifti *out, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Figures (PNG through gnuplot; LACUS_ERR_UNSUPPORTED without gnuplot)     */
/* ------------------------------------------------------------------------ */

/* Axial slices of a 3-D map (up to 12, evenly spaced in z, 3 x 4 panels),
 * blue-white-red symmetric around 0 up to the largest |value|, anterior
 * (high y) at the top. Written atomically. */
lacus_status lacus_encoding_plot_map(const char *png_path, const lacus_nifti *map,
                                     const char *title, lacus_error *err);
/* A score time course (e.g. MEG r over lags), with a dashed zero line. */
lacus_status lacus_encoding_plot_curve(const char *png_path, const double *x, const double *y,
                                       int64_t n, const char *xlabel, const char *ylabel,
                                       lacus_error *err);

/* ------------------------------------------------------------------------ */
/* FIF raw MEG recordings (Neuromag / Elekta / MEGIN, and MNE's raw.save)   */
/* ------------------------------------------------------------------------ */

/*
 * A FIF file is a sequence of big-endian tags (kind, type, size, next, then
 * size bytes) nested in blocks. lacus reads what MNE-Python's
 * mne.io.read_raw_fif reads for continuous data: the measurement info
 * (channels, sampling rate, filters), the raw data buffers of the
 * FIFFB_RAW_DATA or FIFFB_CONTINUOUS_DATA block (stored as 16-bit, 32-bit
 * int, float32 or float64; data skips become zeros, as in MNE) and MNE's
 * annotations. Values are returned in physical units (T, T/m, V), i.e. the
 * stored number times the channel's range * cal, exactly as MNE's
 * raw.get_data() (projectors not applied, as MNE reads with proj=False).
 * Not supported (LACUS_ERR_UNSUPPORTED with a message): complex buffers,
 * MaxShield (IAS) data, several raw blocks in one file. Split files
 * (raw-1.fif ...) are read one file at a time. Hostile files (truncated,
 * sizes past the end, backward or looping `next` pointers, huge counts) are
 * LACUS_ERR_FORMAT naming the byte offset.
 */
typedef struct lacus_fif_raw lacus_fif_raw; /* opaque; not thread-safe */

/* FIFF channel kinds (the `kind` of lacus_fif_channel), as in MNE. */
enum {
    LACUS_FIF_MEG = 1,
    LACUS_FIF_EEG = 2,
    LACUS_FIF_STIM = 3,
    LACUS_FIF_EOG = 202,
    LACUS_FIF_REF_MEG = 301,
    LACUS_FIF_EMG = 302,
    LACUS_FIF_ECG = 402,
    LACUS_FIF_MISC = 502
};
/* Units: 112 = T (magnetometers), 201 = T/m (planar gradiometers), 107 = V. */
#define LACUS_FIF_UNIT_T 112
#define LACUS_FIF_UNIT_T_M 201

typedef struct lacus_fif_channel {
    char name[80];      /* the 15-character name, or FIFF_CH_DACQ_NAME if longer */
    int32_t kind;       /* LACUS_FIF_MEG, ... */
    int32_t unit;       /* LACUS_FIF_UNIT_T, ... */
    int32_t unit_mul;   /* power of ten of the unit */
    int32_t coil_type;
    int32_t logno;
    double cal;         /* range * cal (float32 each, multiplied in double) */
    float loc[12];      /* position and orientation (coil frame) */
} lacus_fif_channel;

typedef struct lacus_fif_info {
    int64_t n_channels;
    int64_t n_samples;     /* samples in the file, skips included */
    int64_t first_sample;  /* MNE's raw.first_samp */
    double sfreq, lowpass, highpass; /* Hz (lowpass/highpass NaN when absent) */
    int32_t storage;       /* tag type of the buffers: 2/16 short, 3 int, 4 float, 5 double */
    int64_t n_annotations;
} lacus_fif_info;

/* Opens a raw FIF file (.fif; gunzip a .fif.gz first) and reads
 * its header and the directory of its data buffers; the samples are read
 * later by lacus_fif_raw_read, so a long recording is not held in memory.
 * lacus_fif_raw_open_mem parses a copy of the bytes (name is used in
 * messages). Errors: LACUS_ERR_IO, LACUS_ERR_FORMAT, LACUS_ERR_UNSUPPORTED,
 * LACUS_ERR_NOMEM. */
lacus_status lacus_fif_raw_open(const char *path, lacus_fif_raw **out, lacus_error *err);
lacus_status lacus_fif_raw_open_mem(const void *data, size_t size, const char *name,
                                    lacus_fif_raw **out, lacus_error *err);
void lacus_fif_raw_close(lacus_fif_raw *raw);

void lacus_fif_raw_get_info(const lacus_fif_raw *raw, lacus_fif_info *out);
/* Channel i (0-based) copied into *out; i out of range is LACUS_ERR_ARG. */
lacus_status lacus_fif_raw_channel(const lacus_fif_raw *raw, int64_t i, lacus_fif_channel *out,
                                   lacus_error *err);
/* Annotation i: onset in seconds from the first sample (MNE's
 * raw.annotations.onset - raw.first_time when the file has a measurement
 * date, raw.annotations.onset otherwise), duration (s) and description
 * (truncated to desc_size - 1 bytes). */
lacus_status lacus_fif_raw_annotation(const lacus_fif_raw *raw, int64_t i, double *onset,
                                      double *duration, char *desc, size_t desc_size,
                                      lacus_error *err);

/* Channel selection, in file order: spec is "all", "meg" (magnetometers and
 * gradiometers), "mag", "grad", "eeg", "stim", "misc", "data" (MEG + EEG) or
 * a comma-separated list of channel names. picks must hold n_channels
 * entries; *n_picks is the count. No channel matching is LACUS_ERR_ARG. */
lacus_status lacus_fif_raw_pick(const lacus_fif_raw *raw, const char *spec, int64_t *picks,
                                int64_t *n_picks, lacus_error *err);

/* Samples [start, stop) of the picked channels (picks NULL: all channels,
 * n_picks = n_channels) in physical units, time-major: out is
 * (stop - start) x n_picks, row-major. Equal to MNE's
 * raw.get_data(picks, start, stop).T. */
lacus_status lacus_fif_raw_read(lacus_fif_raw *raw, int64_t start, int64_t stop,
                                const int64_t *picks, int64_t n_picks, double *out,
                                lacus_error *err);

#endif /* LACUS_ENCODING_H */
