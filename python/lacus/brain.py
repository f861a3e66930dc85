"""Brain encoding models (include/lacus/encoding.h): the stimulus pipeline to
the scanner's clock (Lanczos resampling, HRF, FIR delays, per-run z-scoring
and trimming), per-target ridge by contiguous cross-validation (himalaya's
RidgeCV, KernelRidgeCV, banded ridge), scores, noise ceilings, significance
and synthetic brain data with a known ideal score.

NIfTI files are in lacus.nifti. Every function takes and returns float64
NumPy arrays, time-major
(samples x features); run_lengths is a list of run lengths in time order
(None: one run). Errors are LacusError with the library's message.
"""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_uint64, c_double, c_int, P_double, P_int64

P_err = ctypes.POINTER(C.Error)
P_i32 = ctypes.POINTER(ctypes.c_int32)


class RidgeCVParams(ctypes.Structure):
    _fields_ = [("alphas", P_double), ("n_alphas", c_int64), ("n_folds", c_int64),
                ("fold", P_int64), ("score", c_int), ("local_alpha", c_int),
                ("solver", c_int), ("n_targets_batch", c_int64), ("scan_f32", c_int)]


class SimParams(ctypes.Structure):
    _fields_ = [("n_runs", c_int64), ("n_tr", c_int64), ("tr", c_double),
                ("word_rate", c_double), ("n_features", c_int64), ("n_voxels", c_int64),
                ("nx", c_int64), ("ny", c_int64), ("nz", c_int64),
                ("null_fraction", c_double), ("snr_min", c_double), ("snr_max", c_double),
                ("ar1", c_double), ("n_repeats", c_int64), ("seed", c_uint64)]


class SimData(ctypes.Structure):
    _fields_ = [("n_words", c_int64), ("n_samples", c_int64), ("n_features", c_int64),
                ("n_voxels", c_int64), ("n_runs", c_int64), ("word_times", P_double),
                ("word_run", P_int64), ("word_features", P_double), ("bold", P_double),
                ("repeats", P_double), ("n_repeats", c_int64), ("snr", P_double),
                ("r_ideal", P_double), ("weights", P_double),
                ("mask", ctypes.POINTER(ctypes.c_ubyte)), ("nx", c_int64), ("ny", c_int64),
                ("nz", c_int64), ("run_lengths", P_int64)]


_p = C._proto
_p("lacus_cv_contiguous", C.status, c_int64, c_int64, P_int64, P_err)
_p("lacus_cv_runs", C.status, P_int64, c_int64, c_int64, P_int64, P_err)
_p("lacus_cv_shuffled", C.status, c_int64, c_int64, c_uint64, P_int64, P_err)
_p("lacus_cv_score_parse", C.status, ctypes.c_char_p, ctypes.POINTER(c_int))
_p("lacus_ridgecv_params_default", RidgeCVParams)
_p("lacus_ridgecv_fit", C.status, ctypes.POINTER(RidgeCVParams), P_double, c_int64, c_int64,
   P_double, c_int64, P_double, P_double, P_double, P_double, P_err)
_p("lacus_kernel_ridgecv_fit", C.status, ctypes.POINTER(RidgeCVParams), P_double, c_int64,
   P_double, c_int64, P_double, P_double, P_double, P_double, P_err)
_p("lacus_banded_ridgecv_fit", C.status, ctypes.POINTER(RidgeCVParams), P_double, c_int64,
   P_int64, c_int64, P_double, c_int64, c_uint64, P_double, c_int64, P_double, P_double,
   P_double, P_double, P_err)
_p("lacus_encoding_scores", C.status, P_double, P_double, c_int64, c_int64, P_double, P_double,
   P_err)
_p("lacus_r2_split", C.status, P_double, c_int64, P_int64, c_int64, P_double, P_double, c_int64,
   P_double, P_err)
_p("lacus_explainable_variance", C.status, P_double, c_int64, c_int64, c_int64, c_int, P_double,
   P_err)
_p("lacus_permutation_pvalues", C.status, P_double, P_double, c_int64, c_int64, c_int64, c_int64,
   c_uint64, P_double, P_err)
_p("lacus_fdr_bh", C.status, P_double, c_int64, c_double, P_double, ctypes.POINTER(c_int), P_err)
_p("lacus_lanczos_resample", C.status, P_double, P_double, c_int64, c_int64, P_double, c_int64,
   c_double, c_int, P_double, P_err)
_p("lacus_fir_delays", C.status, P_double, c_int64, c_int64, P_int64, c_int64, P_int64, c_int64,
   P_double, P_err)
_p("lacus_hrf", C.status, c_int, c_double, c_double, P_double, c_int64, P_err)
_p("lacus_hrf_convolve", C.status, P_double, c_int64, c_int64, P_int64, c_int64, P_double,
   c_int64, P_double, P_err)
_p("lacus_zscore_runs", C.status, P_double, c_int64, c_int64, P_int64, c_int64, c_int, P_err)
_p("lacus_trim_runs", C.status, P_double, c_int64, c_int64, P_int64, c_int64, c_int64, c_int64,
   P_int64, P_err)
_p("lacus_meg_epochs", C.status, P_double, c_int64, c_int64, c_double, P_double, c_int64,
   c_double, c_double, P_double, c_int64, P_err)
_p("lacus_sim_params_default", SimParams)
_p("lacus_simulate_fmri", C.status, ctypes.POINTER(SimParams), ctypes.POINTER(SimData), P_err)
_p("lacus_sim_data_free", None, ctypes.POINTER(SimData))
_p("lacus_simulate_meg", C.status, c_int64, c_int64, c_int64, c_double, c_double, c_double,
   c_double, c_double, c_uint64, P_double, P_double, P_double, P_err)

HRF_KINDS = {"spm": 0, "glover": 1}


def _call(fn, *args):
    """Calls fn(*args, err) and raises LacusError with its message on failure."""
    err = C.new_error()
    C.check(fn(*args, ctypes.byref(err)), err)


def _banded_xy(X, Y, band_sizes):
    """X, Y as float64 2-D arrays with matching rows, and X's columns split
    exactly into the bands."""
    X = C.as_f64(X, 2, "X")
    Y = C.as_f64(Y, 2, "Y")
    n, p = X.shape
    if Y.shape[0] != n:
        raise C.LacusError(-2, "X has %d rows but Y has %d" % (n, Y.shape[0]))
    if int(band_sizes.sum()) != p:
        raise C.LacusError(-2, "band_sizes sum to %d but X has %d columns"
                           % (band_sizes.sum(), p))
    return X, Y


def _i64(a, name):
    a = np.ascontiguousarray(a, dtype=np.int64)
    if a.ndim != 1:
        raise ValueError("%s must be 1-D, got shape %s" % (name, a.shape))
    return a


def _iptr(a):
    return None if a is None else a.ctypes.data_as(P_int64)


def _runs(run_lengths, n):
    """(array or None, count); checks that the runs cover the n samples."""
    if run_lengths is None:
        return None, 0
    r = _i64(run_lengths, "run_lengths")
    if int(r.sum()) != n:
        raise C.LacusError(-2, "run_lengths sum to %d but there are %d samples" % (r.sum(), n))
    return r, r.shape[0]


def _same_shape(a, b, na, nb):
    if a.shape != b.shape:
        raise C.LacusError(-2, "%s has shape %s but %s has %s" % (na, a.shape, nb, b.shape))


# --- folds -------------------------------------------------------------------

def cv_contiguous(n_samples, n_folds):
    """Fold of each sample: scikit-learn KFold(n_folds) without shuffle."""
    out = np.empty(max(int(n_samples), 0), dtype=np.int64)
    _call(lib.lacus_cv_contiguous, int(n_samples), int(n_folds), _iptr(out))
    return out


def cv_runs(run_lengths, n_folds):
    """Whole runs to n_folds contiguous groups (n_folds = runs: leave one run out)."""
    r = _i64(run_lengths, "run_lengths")
    out = np.empty(int(r.sum()), dtype=np.int64)
    _call(lib.lacus_cv_runs, _iptr(r), r.shape[0], int(n_folds), _iptr(out))
    return out


def cv_shuffled(n_samples, n_folds, seed=0):
    """Shuffled KFold: only to demonstrate how it inflates scores."""
    out = np.empty(max(int(n_samples), 0), dtype=np.int64)
    _call(lib.lacus_cv_shuffled, int(n_samples), int(n_folds), int(seed), _iptr(out))
    return out


# --- ridge by cross-validation -------------------------------------------------

class _CVBase:
    def __init__(self, alphas=None, n_folds=5, folds=None, score="neg_mse", local_alpha=True,
                 solver="auto", n_targets_batch=0, scan_f32=False):
        self.alphas = (np.logspace(-2, 8, 11) if alphas is None
                       else C.as_f64(alphas, 1, "alphas"))
        self.n_folds = int(n_folds)
        self.folds = None if folds is None else _i64(folds, "folds")
        self.score = score
        self.local_alpha = bool(local_alpha)
        self.solver = solver
        self.n_targets_batch = int(n_targets_batch)
        self.scan_f32 = bool(scan_f32)

    def _params(self, n):
        p = lib.lacus_ridgecv_params_default()
        p.alphas = C.ptr(self.alphas)
        p.n_alphas = self.alphas.shape[0]
        p.n_folds = self.n_folds
        if self.folds is not None:
            if self.folds.shape[0] != n:
                raise C.LacusError(-2, "folds has %d entries but there are %d samples"
                                   % (self.folds.shape[0], n))
            p.fold = _iptr(self.folds)
        sc = c_int()
        if lib.lacus_cv_score_parse(str(self.score).encode(), ctypes.byref(sc)) != 0:
            raise C.LacusError(-1, "score %r: must be neg_mse, r2 or pearson" % (self.score,))
        p.score = sc.value
        p.local_alpha = 1 if self.local_alpha else 0
        p.solver = C.parse_enum("solver", self.solver)
        p.n_targets_batch = self.n_targets_batch
        p.scan_f32 = 1 if self.scan_f32 else 0
        return p

    def _cv_outputs(self, t):
        """The per-target results every fit fills, allocated for t targets."""
        self.best_alphas_ = np.empty(t)
        self.cv_score_ = np.empty(t)
        self.cv_scores_ = np.empty((self.alphas.shape[0], t))


def _apply(A, W, name):
    """A @ W after checking that A has as many columns as W has rows."""
    A = C.as_f64(A, 2, name)
    if A.shape[1] != W.shape[0]:
        raise C.LacusError(-2, "%s must have %d columns, got %d" % (name, W.shape[0], A.shape[1]))
    return A @ W


class RidgeCV(_CVBase):
    """Ridge with one penalty per target chosen by contiguous K-fold CV
    (himalaya's RidgeCV). No intercept: z-score X and Y per run first.

    RidgeCV(alphas=logspace(-2, 8, 11), n_folds=5, folds=None,
            score="neg_mse" | "r2" | "pearson", local_alpha=True,
            solver="auto" | "primal" | "dual" | "lstsq", scan_f32=False)
    solver="lstsq" solves through the SVD of X only and admits alpha 0 in
    the grid: unregularised least squares (np.linalg.lstsq's minimum-norm
    solution, rcond=None) competing with the ridge alphas in the CV.
    After fit(X, Y): best_alphas_ (t,), cv_score_ (t,), cv_scores_
    (n_alphas, t), coef_ (p, t).
    """

    def fit(self, X, Y):
        X = C.as_f64(X, 2, "X")
        Y = C.as_f64(Y, 2, "Y")
        n, p = X.shape
        if Y.shape[0] != n:
            raise C.LacusError(-2, "X has %d rows but Y has %d" % (n, Y.shape[0]))
        t = Y.shape[1]
        prm = self._params(n)
        self._cv_outputs(t)
        self.coef_ = np.empty((p, t))
        _call(lib.lacus_ridgecv_fit, ctypes.byref(prm), C.ptr(X), n, p, C.ptr(Y), t,
              C.ptr(self.best_alphas_), C.ptr(self.cv_score_), C.ptr(self.cv_scores_),
              C.ptr(self.coef_))
        return self

    def predict(self, X):
        return _apply(X, self.coef_, "X")

    def score_targets(self, X, Y):
        """(r, r2) per target of predict(X) against Y."""
        return scores(Y, self.predict(X))


class KernelRidgeCV(_CVBase):
    """Kernel ridge by CV on a precomputed kernel K (n x n, symmetric PSD):
    himalaya's KernelRidgeCV. After fit(K, Y): best_alphas_, cv_score_,
    cv_scores_, dual_coef_ (n, t); predict(K_test) = K_test @ dual_coef_
    with K_test (m x n) the kernel between new and training samples."""

    def fit(self, K, Y):
        K = C.as_f64(K, 2, "K")
        Y = C.as_f64(Y, 2, "Y")
        n = K.shape[0]
        if K.shape != (n, n):
            raise C.LacusError(-2, "K must be square, got shape %s" % (K.shape,))
        if Y.shape[0] != n:
            raise C.LacusError(-2, "K has %d rows but Y has %d" % (n, Y.shape[0]))
        t = Y.shape[1]
        prm = self._params(n)
        self._cv_outputs(t)
        self.dual_coef_ = np.empty((n, t))
        _call(lib.lacus_kernel_ridgecv_fit, ctypes.byref(prm), C.ptr(K), n, C.ptr(Y), t,
              C.ptr(self.best_alphas_), C.ptr(self.cv_score_), C.ptr(self.cv_scores_),
              C.ptr(self.dual_coef_))
        return self

    def predict(self, K_test):
        return _apply(K_test, self.dual_coef_, "K_test")


class BandedRidgeCV(_CVBase):
    """Banded ridge (himalaya's BandedRidgeCV, random search): features in
    consecutive bands of band_sizes, band i penalised by alpha / gamma_i.
    gammas (n_iter, n_bands) rows on the simplex, or None for n_iter
    Dirichlet draws from seed. After fit(X, Y): best_alphas_ (t,),
    best_gammas_ (n_bands, t), cv_score_ (t,), coef_ (p, t)."""

    def __init__(self, band_sizes, gammas=None, n_iter=20, seed=0, **kw):
        super().__init__(**kw)
        self.band_sizes = _i64(band_sizes, "band_sizes")
        self.gammas = None if gammas is None else C.as_f64(gammas, 2, "gammas")
        self.n_iter = int(n_iter) if gammas is None else self.gammas.shape[0]
        self.seed = int(seed)

    def fit(self, X, Y):
        X, Y = _banded_xy(X, Y, self.band_sizes)
        n, p = X.shape
        nb = self.band_sizes.shape[0]
        if self.gammas is not None and self.gammas.shape[1] != nb:
            raise C.LacusError(-2, "gammas must have %d columns (bands), got %d"
                               % (nb, self.gammas.shape[1]))
        t = Y.shape[1]
        prm = self._params(n)
        self.best_alphas_ = np.empty(t)
        self.best_gammas_ = np.empty((nb, t))
        self.cv_score_ = np.empty(t)
        self.coef_ = np.empty((p, t))
        _call(lib.lacus_banded_ridgecv_fit, ctypes.byref(prm), C.ptr(X), n,
              _iptr(self.band_sizes), nb, C.ptr(self.gammas), self.n_iter, self.seed,
              C.ptr(Y), t, C.ptr(self.best_alphas_), C.ptr(self.best_gammas_),
              C.ptr(self.cv_score_), C.ptr(self.coef_))
        return self

    def predict(self, X):
        return _apply(X, self.coef_, "X")

    def r2_split(self, X, Y):
        """R^2 of each band's part of the prediction (n_bands, t)."""
        return r2_split(X, self.band_sizes, self.coef_, Y)


# --- scores, ceilings, significance ---------------------------------------------------

def scores(Y, P):
    """(r, r2): per-target Pearson r and R^2 of predictions P against Y (n x t),
    as himalaya's correlation_score / r2_score."""
    Y = C.as_f64(Y, 2, "Y")
    P = C.as_f64(P, 2, "P")
    _same_shape(Y, P, "Y", "P")
    r = np.empty(Y.shape[1])
    r2 = np.empty(Y.shape[1])
    _call(lib.lacus_encoding_scores, C.ptr(Y), C.ptr(P), Y.shape[0], Y.shape[1], C.ptr(r),
          C.ptr(r2))
    return r, r2


def r2_split(X, band_sizes, coef, Y):
    """himalaya's r2_score_split: (n_bands, t), summing to each target's R^2."""
    X = C.as_f64(X, 2, "X")
    Y = C.as_f64(Y, 2, "Y")
    coef = C.as_f64(coef, 2, "coef")
    sizes = _i64(band_sizes, "band_sizes")
    n, p = X.shape
    if coef.shape != (p, Y.shape[1]) or Y.shape[0] != n:
        raise C.LacusError(-2, "coef must be (%d, %d) and Y (%d, %d), got %s and %s"
                           % (p, Y.shape[1], n, Y.shape[1], coef.shape, Y.shape))
    out = np.empty((sizes.shape[0], Y.shape[1]))
    _call(lib.lacus_r2_split, C.ptr(X), n, _iptr(sizes), sizes.shape[0], C.ptr(coef), C.ptr(Y),
          Y.shape[1], C.ptr(out))
    return out


def explainable_variance(data, bias_correct=True):
    """Explainable variance of repeated presentations, data (n_repeats, n, t);
    the noise ceiling of Pearson r is its square root."""
    data = np.ascontiguousarray(data, dtype=np.float64)
    if data.ndim != 3:
        raise ValueError("data must be 3-D (n_repeats, n_samples, n_targets), got shape %s"
                         % (data.shape,))
    ev = np.empty(data.shape[2])
    _call(lib.lacus_explainable_variance, C.ptr(data), data.shape[0], data.shape[1],
          data.shape[2], 1 if bias_correct else 0, C.ptr(ev))
    return ev


def noise_ceiling(data, bias_correct=True):
    """sqrt(max(EV, 0)): the highest Pearson r a model can reach per target."""
    return np.sqrt(np.clip(explainable_variance(data, bias_correct), 0.0, None))


def permutation_pvalues(Y, P, block_len=10, n_perm=1000, seed=0):
    """Block-permutation p-values of each target's Pearson r."""
    Y = C.as_f64(Y, 2, "Y")
    P = C.as_f64(P, 2, "P")
    _same_shape(Y, P, "Y", "P")
    out = np.empty(Y.shape[1])
    _call(lib.lacus_permutation_pvalues, C.ptr(Y), C.ptr(P), Y.shape[0], Y.shape[1],
          int(block_len), int(n_perm), int(seed), C.ptr(out))
    return out


def fdr_bh(p, level=0.05):
    """Benjamini-Hochberg: (q-values, boolean reject mask at `level`)."""
    p = C.as_f64(p, 1, "p")
    q = np.empty_like(p)
    rej = np.empty(p.shape[0], dtype=np.intc)
    _call(lib.lacus_fdr_bh, C.ptr(p), p.shape[0], float(level), C.ptr(q),
          rej.ctypes.data_as(ctypes.POINTER(c_int)))
    return q, rej.astype(bool)


# --- stimulus to the brain's clock ------------------------------------------------

def lanczos_resample(x, word_times, tr_times, cutoff, lobes=3):
    """Word-time features (n_words, p) to TR times: HuthLab lanczosinterp2D."""
    x = C.as_f64(x, 2, "x")
    wt = C.as_f64(word_times, 1, "word_times")
    tt = C.as_f64(tr_times, 1, "tr_times")
    if wt.shape[0] != x.shape[0]:
        raise C.LacusError(-2, "word_times has %d entries but x has %d rows"
                           % (wt.shape[0], x.shape[0]))
    out = np.empty((tt.shape[0], x.shape[1]))
    _call(lib.lacus_lanczos_resample, C.ptr(x), C.ptr(wt), x.shape[0], x.shape[1], C.ptr(tt),
          tt.shape[0], float(cutoff), int(lobes), C.ptr(out))
    return out


def fir_delays(x, delays, run_lengths=None):
    """(n, p * len(delays)): block d is x shifted down by delays[d] samples
    within each run (zeros first), so nothing leaks across runs."""
    x = C.as_f64(x, 2, "x")
    d = _i64(delays, "delays")
    r, nr = _runs(run_lengths, x.shape[0])
    out = np.empty((x.shape[0], x.shape[1] * d.shape[0]))
    _call(lib.lacus_fir_delays, C.ptr(x), x.shape[0], x.shape[1], _iptr(r), nr, _iptr(d),
          d.shape[0], C.ptr(out))
    return out


def hrf(kind="spm", dt=0.1, length=32.0):
    """nilearn's spm_hrf / glover_hrf sampled every dt over `length` seconds
    (round(length / dt) values, summing to 1)."""
    if kind not in HRF_KINDS:
        raise C.LacusError(-1, "hrf kind %r: must be 'spm' or 'glover'" % (kind,))
    n = int(round(float(length) / float(dt))) if dt > 0 else 0
    out = np.empty(max(n, 1))
    _call(lib.lacus_hrf, HRF_KINDS[kind], float(dt), float(length), C.ptr(out), n)
    return out


def hrf_convolve(x, h, run_lengths=None):
    """Causal convolution of each column with h, restarting at run edges."""
    x = C.as_f64(x, 2, "x")
    h = C.as_f64(h, 1, "h")
    r, nr = _runs(run_lengths, x.shape[0])
    out = np.empty_like(x)
    _call(lib.lacus_hrf_convolve, C.ptr(x), x.shape[0], x.shape[1], _iptr(r), nr, C.ptr(h),
          h.shape[0], C.ptr(out))
    return out


def zscore_runs(x, run_lengths=None, allow_constant=False):
    """A copy of x with each column z-scored within each run (population std)."""
    x = np.array(C.as_f64(x, 2, "x"), copy=True)
    r, nr = _runs(run_lengths, x.shape[0])
    _call(lib.lacus_zscore_runs, C.ptr(x), x.shape[0], x.shape[1], _iptr(r), nr,
          1 if allow_constant else 0)
    return x


def trim_runs(x, run_lengths, trim_start, trim_end):
    """Drops trim_start rows at the start and trim_end at the end of every
    run: returns (x_trimmed, new_run_lengths)."""
    x = np.array(C.as_f64(x, 2, "x"), copy=True)
    r, nr = _runs(run_lengths, x.shape[0])
    if r is None:
        r, nr = np.array([x.shape[0]], dtype=np.int64), 1
    r = r.copy()
    n_out = c_int64()
    _call(lib.lacus_trim_runs, C.ptr(x), x.shape[0], x.shape[1], _iptr(r), nr, int(trim_start),
          int(trim_end), ctypes.byref(n_out))
    return x[:n_out.value].copy(), r


def meg_epochs(data, sfreq, onsets, tmin, tmax):
    """Word-locked MEG epochs (n_words, n_sensors, n_lags), baseline-corrected
    over [tmin, min(0, tmax)]; data (n_times, n_sensors) from time 0."""
    data = C.as_f64(data, 2, "data")
    on = C.as_f64(onsets, 1, "onsets")
    n_lags = int(round((float(tmax) - float(tmin)) * float(sfreq))) + 1
    out = np.empty((on.shape[0], data.shape[1], max(n_lags, 1)))
    _call(lib.lacus_meg_epochs, C.ptr(data), data.shape[0], data.shape[1], float(sfreq),
          C.ptr(on), on.shape[0], float(tmin), float(tmax), C.ptr(out), n_lags)
    return out


# --- synthetic data ------------------------------------------------------------------

def _copy(ptr, shape, dtype=np.float64):
    if not ptr or 0 in shape:
        return None if not ptr else np.empty(shape, dtype=dtype)
    return np.ctypeslib.as_array(ptr, shape=shape).astype(dtype, copy=True)


def simulate_fmri(**kw):
    """Synthetic fMRI with planted weights and a known ideal score per voxel.
    Keywords are lacus_sim_params' fields (n_runs=4, n_tr=300, tr=2.0,
    word_rate=2.5, n_features=32, n_voxels=2000, nx/ny/nz (ellipsoid mask
    grid), null_fraction=0.2, snr_min=0.05, snr_max=5, ar1=0.4, n_repeats=0,
    seed=0). Returns a dict of arrays: word_times, word_run, word_features,
    bold, repeats (or None), snr, r_ideal, weights, mask (or None),
    run_lengths."""
    p = lib.lacus_sim_params_default()
    C.set_fields(p, kw, "simulate_fmri")
    d = SimData()
    _call(lib.lacus_simulate_fmri, ctypes.byref(p), ctypes.byref(d))
    try:
        out = dict(
            word_times=_copy(d.word_times, (d.n_words,)),
            word_run=_copy(d.word_run, (d.n_words,), np.int64),
            word_features=_copy(d.word_features, (d.n_words, d.n_features)),
            bold=_copy(d.bold, (d.n_samples, d.n_voxels)),
            repeats=(_copy(d.repeats, (d.n_repeats, p.n_tr, d.n_voxels))
                     if d.n_repeats > 0 else None),
            snr=_copy(d.snr, (d.n_voxels,)),
            r_ideal=_copy(d.r_ideal, (d.n_voxels,)),
            weights=_copy(d.weights, (d.n_features, d.n_voxels)),
            mask=(_copy(d.mask, (d.nz, d.ny, d.nx), np.uint8) if d.mask else None),
            run_lengths=_copy(d.run_lengths, (d.n_runs,), np.int64),
            tr=float(p.tr),
        )
    finally:
        lib.lacus_sim_data_free(ctypes.byref(d))
    return out


def simulate_meg(n_words=400, n_features=16, n_sensors=30, sfreq=100.0, tmin=-0.2, tmax=0.8,
                 peak_latency=0.3, snr=1.0, seed=0):
    """Synthetic word-locked MEG: (epochs (n_words, n_sensors, n_lags),
    features (n_words, n_features), times (n_lags,))."""
    n_lags = int(round((float(tmax) - float(tmin)) * float(sfreq))) + 1
    ep = np.empty((max(int(n_words), 0), max(int(n_sensors), 0), max(n_lags, 1)))
    ft = np.empty((max(int(n_words), 0), max(int(n_features), 0)))
    times = np.empty(max(n_lags, 1))
    _call(lib.lacus_simulate_meg, int(n_words), int(n_features), int(n_sensors), float(sfreq),
          float(tmin), float(tmax), float(peak_latency), float(snr), int(seed), C.ptr(ep),
          C.ptr(ft), C.ptr(times))
    return ep, ft, times


# --- cross-subject ceilings, hyper-gradient banded ridge, 1/f noise, banded data ------

class HypergradParams(ctypes.Structure):
    _fields_ = [("max_iter", c_int64), ("tol", c_double), ("max_iter_inner_dual", c_int64),
                ("max_iter_inner_hyper", c_int64), ("cg_tol", c_double), ("inner_cg", c_int),
                ("direct_gradient", c_int), ("n_targets_batch", c_int64), ("n_folds", c_int64),
                ("fold", P_int64), ("initial_deltas", P_double)]


_p("lacus_cross_subject_ceiling", C.status, P_double, c_int64, c_int64, c_int64, P_double,
   P_double, P_err)
_p("lacus_hypergrad_params_default", HypergradParams)
_p("lacus_banded_ridge_hypergrad", C.status, ctypes.POINTER(HypergradParams), P_double, c_int64,
   P_int64, c_int64, P_double, c_int64, P_double, P_double, P_double, P_err)
_p("lacus_noise_powerlaw", C.status, c_int64, c_double, c_uint64, P_double, P_err)
_p("lacus_noise_powerlaw_available", c_int)
_p("lacus_simulate_banded", C.status, c_int64, P_int64, c_int64, c_int64, c_double, c_double,
   c_uint64, P_double, P_double, P_double, P_err)
_p("lacus_simulate_meg_ex", C.status, c_int64, c_int64, c_int64, c_double, c_double, c_double,
   c_double, c_double, c_double, c_uint64, P_double, P_double, P_double, P_err)


def cross_subject_ceiling(data):
    """Cross-subject noise ceiling, data (n_subjects, n_samples, n_targets):
    the responses of m >= 2 subjects to the same stimulus in a common space.
    Returns (loo_r (m, t): each subject against the mean of the others,
    ceiling (t,): the r an ideal model reaches on one subject, the mean
    loo_r corrected by Spearman-Brown for the noise left in the others'
    mean, 0 where that mean is <= 0)."""
    data = np.ascontiguousarray(data, dtype=np.float64)
    if data.ndim != 3:
        raise ValueError("data must be 3-D (n_subjects, n_samples, n_targets), got shape %s"
                         % (data.shape,))
    m, n, t = data.shape
    loo = np.empty((m, t))
    ceil = np.empty(t)
    _call(lib.lacus_cross_subject_ceiling, C.ptr(data), m, n, t, C.ptr(loo), C.ptr(ceil))
    return loo, ceil


class BandedRidgeHyperGrad:
    """Banded ridge by hyper-gradient descent on the CV loss (himalaya's
    solve_multiple_kernel_ridge_hyper_gradient, step for step; see
    lacus_banded_ridge_hypergrad in include/lacus/encoding.h). Band i of
    the features (consecutive columns, band_sizes) is penalised by
    exp(-delta_i) per target.

    BandedRidgeHyperGrad(band_sizes, max_iter=10, tol=1e-2,
        max_iter_inner_dual=1, max_iter_inner_hyper=1, cg_tol=1e-3,
        inner_cg=False, direct_gradient=False, n_targets_batch=0,
        n_folds=5, folds=None, initial_deltas=None)
    After fit(X, Y): deltas_ (n_bands, t), cv_scores_ (max_iter *
    max_iter_inner_hyper, t), coef_ (p, t).
    """

    def __init__(self, band_sizes, max_iter=10, tol=1e-2, max_iter_inner_dual=1,
                 max_iter_inner_hyper=1, cg_tol=1e-3, inner_cg=False, direct_gradient=False,
                 n_targets_batch=0, n_folds=5, folds=None, initial_deltas=None):
        self.band_sizes = _i64(band_sizes, "band_sizes")
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.max_iter_inner_dual = int(max_iter_inner_dual)
        self.max_iter_inner_hyper = int(max_iter_inner_hyper)
        self.cg_tol = float(cg_tol)
        self.inner_cg = bool(inner_cg)
        self.direct_gradient = bool(direct_gradient)
        self.n_targets_batch = int(n_targets_batch)
        self.n_folds = int(n_folds)
        self.folds = None if folds is None else _i64(folds, "folds")
        self.initial_deltas = (None if initial_deltas is None
                               else C.as_f64(initial_deltas, 2, "initial_deltas"))

    def fit(self, X, Y):
        X, Y = _banded_xy(X, Y, self.band_sizes)
        n, p = X.shape
        nb, t = self.band_sizes.shape[0], Y.shape[1]
        prm = lib.lacus_hypergrad_params_default()
        prm.max_iter = self.max_iter
        prm.tol = self.tol
        prm.max_iter_inner_dual = self.max_iter_inner_dual
        prm.max_iter_inner_hyper = self.max_iter_inner_hyper
        prm.cg_tol = self.cg_tol
        prm.inner_cg = int(self.inner_cg)
        prm.direct_gradient = int(self.direct_gradient)
        prm.n_targets_batch = self.n_targets_batch
        prm.n_folds = self.n_folds
        if self.folds is not None:
            if self.folds.shape[0] != n:
                raise C.LacusError(-2, "folds has %d entries but there are %d samples"
                                   % (self.folds.shape[0], n))
            prm.fold = _iptr(self.folds)
        if self.initial_deltas is not None:
            if self.initial_deltas.shape != (nb, t):
                raise C.LacusError(-2, "initial_deltas must have shape (%d, %d), got %s"
                                   % (nb, t, self.initial_deltas.shape))
            prm.initial_deltas = C.ptr(self.initial_deltas)
        rows = max(self.max_iter * self.max_iter_inner_hyper, 0)
        self.deltas_ = np.empty((nb, t))
        self.cv_scores_ = np.zeros((rows, t))
        self.coef_ = np.empty((p, t))
        _call(lib.lacus_banded_ridge_hypergrad, ctypes.byref(prm), C.ptr(X), n,
              _iptr(self.band_sizes), nb, C.ptr(Y), t, C.ptr(self.deltas_),
              C.ptr(self.cv_scores_), C.ptr(self.coef_))
        return self

    def predict(self, X):
        return _apply(X, self.coef_, "X")

    def r2_split(self, X, Y):
        """R^2 of each band's part of the prediction (n_bands, t)."""
        return r2_split(X, self.band_sizes, self.coef_, Y)


def noise_powerlaw_available():
    """True when lacus was built with FFTW (needed by noise_powerlaw)."""
    return bool(lib.lacus_noise_powerlaw_available())


def noise_powerlaw(n, exponent=1.0, seed=0):
    """n samples of zero-mean, unit-variance Gaussian noise with power
    spectrum 1/f^exponent (0 white, 1 pink, 2 brown; exponent in [0, 4])."""
    out = np.empty(max(int(n), 1))
    _call(lib.lacus_noise_powerlaw, int(n), float(exponent), int(seed), C.ptr(out))
    return out[:int(n)]


def simulate_banded(n_samples, band_sizes, n_targets, concentration=0.3, snr=2.0, seed=0):
    """Banded data with a known answer: (X (n, p), Y (n, t), shares (n_bands,
    t)), X Gaussian in consecutive bands, target j built from band i with
    share w_ij ~ Dirichlet(concentration), Y z-scored (the same draws as
    `lacus encode simulate --bands`)."""
    bs = _i64(band_sizes, "band_sizes")
    n, t, p = int(n_samples), int(n_targets), int(bs.sum())
    X = np.empty((max(n, 0), max(p, 0)))
    Y = np.empty((max(n, 0), max(t, 0)))
    W = np.empty((bs.shape[0], max(t, 0)))
    _call(lib.lacus_simulate_banded, n, _iptr(bs), bs.shape[0], t, float(concentration),
          float(snr), int(seed), C.ptr(X), C.ptr(Y), C.ptr(W))
    return X, Y, W


def simulate_meg_noise(n_words=400, n_features=16, n_sensors=30, sfreq=100.0, tmin=-0.2,
                       tmax=0.8, peak_latency=0.3, snr=1.0, noise_exponent=1.0, seed=0):
    """simulate_meg with 1/f^noise_exponent noise along each epoch (needs
    FFTW): (epochs, features, times)."""
    n_lags = int(round((float(tmax) - float(tmin)) * float(sfreq))) + 1
    ep = np.empty((max(int(n_words), 0), max(int(n_sensors), 0), max(n_lags, 1)))
    ft = np.empty((max(int(n_words), 0), max(int(n_features), 0)))
    times = np.empty(max(n_lags, 1))
    _call(lib.lacus_simulate_meg_ex, int(n_words), int(n_features), int(n_sensors),
          float(sfreq), float(tmin), float(tmax), float(peak_latency), float(snr),
          float(noise_exponent), int(seed), C.ptr(ep), C.ptr(ft), C.ptr(times))
    return ep, ft, times


# --- raw FIF MEG recordings -------------------------------------------------------------

class FifChannel(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 80), ("kind", ctypes.c_int32), ("unit", ctypes.c_int32),
                ("unit_mul", ctypes.c_int32), ("coil_type", ctypes.c_int32),
                ("logno", ctypes.c_int32), ("cal", c_double), ("loc", ctypes.c_float * 12)]


class FifInfo(ctypes.Structure):
    _fields_ = [("n_channels", c_int64), ("n_samples", c_int64), ("first_sample", c_int64),
                ("sfreq", c_double), ("lowpass", c_double), ("highpass", c_double),
                ("storage", ctypes.c_int32), ("n_annotations", c_int64)]


_P_fif = ctypes.c_void_p
_p("lacus_fif_raw_open", C.status, ctypes.c_char_p, ctypes.POINTER(_P_fif), P_err)
_p("lacus_fif_raw_close", None, _P_fif)
_p("lacus_fif_raw_get_info", None, _P_fif, ctypes.POINTER(FifInfo))
_p("lacus_fif_raw_channel", C.status, _P_fif, c_int64, ctypes.POINTER(FifChannel), P_err)
_p("lacus_fif_raw_annotation", C.status, _P_fif, c_int64, P_double, P_double, ctypes.c_char_p,
   ctypes.c_size_t, P_err)
_p("lacus_fif_raw_pick", C.status, _P_fif, ctypes.c_char_p, P_int64, P_int64, P_err)
_p("lacus_fif_raw_read", C.status, _P_fif, c_int64, c_int64, P_int64, c_int64, P_double, P_err)

_FIF_KINDS = {1: "meg", 2: "eeg", 3: "stim", 202: "eog", 301: "ref_meg", 302: "emg",
              402: "ecg", 502: "misc"}


class FifRaw:
    """A raw FIF recording (Neuromag/MEGIN or MNE's raw.save), read as
    mne.io.read_raw_fif reads it; the samples stay on disk until get_data.

    raw = FifRaw("sub-01_meg.fif")
    raw.sfreq, raw.n_samples, raw.first_sample, raw.ch_names, raw.channels
    raw.annotations: [(onset s from the first sample, duration, description)]
    raw.pick("meg"|"mag"|"grad"|"eeg"|"stim"|"misc"|"data"|"all"|"A,B")
    raw.get_data(picks=None, start=0, stop=None): (samples, channels),
        physical units, equal to MNE's raw.get_data(picks, start, stop).T
    """

    def __init__(self, path):
        self._h = _P_fif()
        _call(lib.lacus_fif_raw_open, str(path).encode(), ctypes.byref(self._h))
        info = FifInfo()
        lib.lacus_fif_raw_get_info(self._h, ctypes.byref(info))
        self.n_channels, self.n_samples = info.n_channels, info.n_samples
        self.first_sample, self.sfreq = info.first_sample, info.sfreq
        self.lowpass, self.highpass, self.storage = info.lowpass, info.highpass, info.storage
        self.channels = []
        for i in range(info.n_channels):
            ch = FifChannel()
            _call(lib.lacus_fif_raw_channel, self._h, i, ctypes.byref(ch))
            self.channels.append(dict(name=ch.name.decode("utf-8", "replace"),
                                      kind=_FIF_KINDS.get(ch.kind, ch.kind), unit=ch.unit,
                                      coil_type=ch.coil_type, cal=ch.cal, loc=np.array(ch.loc[:])))
        self.ch_names = [c["name"] for c in self.channels]
        self.annotations = []
        buf = ctypes.create_string_buffer(4096)
        on, du = c_double(), c_double()
        for i in range(info.n_annotations):
            _call(lib.lacus_fif_raw_annotation, self._h, i, ctypes.byref(on), ctypes.byref(du),
                  buf, 4096)
            self.annotations.append((on.value, du.value, buf.value.decode("utf-8", "replace")))

    def close(self):
        if getattr(self, "_h", None):
            lib.lacus_fif_raw_close(self._h)
            self._h = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def pick(self, spec):
        """Indices of the channels a type or a comma-separated name list selects."""
        picks = np.empty(self.n_channels, dtype=np.int64)
        n = c_int64()
        _call(lib.lacus_fif_raw_pick, self._h, str(spec).encode(), _iptr(picks), ctypes.byref(n))
        return picks[:n.value].copy()

    def get_data(self, picks=None, start=0, stop=None):
        if self._h is None:
            raise C.LacusError(-1, "the FIF file is closed")
        if isinstance(picks, str):
            picks = self.pick(picks)
        stop = self.n_samples if stop is None else int(stop)
        pk = None if picks is None else _i64(picks, "picks")
        npk = self.n_channels if pk is None else pk.shape[0]
        out = np.empty((max(stop - int(start), 0), npk))
        _call(lib.lacus_fif_raw_read, self._h, int(start), stop, _iptr(pk), npk, C.ptr(out))
        return out
