"""NVAR: next-generation reservoir computing features (ReservoirPy's NVAR),
the closed-loop forecast in C (NVAR.forecast), and the NVAR forecaster
model of `lacus fit --model nvar` (NVARForecaster)."""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_int, c_void_p, c_char_p, P_double, P_int64

P_err = ctypes.POINTER(C.Error)
PREDICTS = {"next": 0, "increment": 1, "target": 2}

C._proto("lacus_nvar_forecast", C.status, c_void_p, P_double, c_int64, c_int64, P_double, c_int,
         c_int64, P_double, P_int64)


class NvarModelParams(ctypes.Structure):
    _fields_ = [("nvar", C.NvarParams), ("readout", C.RidgeParams), ("predicts", c_int),
                ("warmup", c_int64)]


C._proto("lacus_nvar_model_params_default", NvarModelParams)
C._proto("lacus_nvar_model_fit", C.status, ctypes.POINTER(NvarModelParams),
         ctypes.POINTER(C.Seqs), ctypes.POINTER(c_void_p), P_err)
C._proto("lacus_nvar_model_fit_xy", C.status, ctypes.POINTER(NvarModelParams),
         ctypes.POINTER(C.Seqs), ctypes.POINTER(C.Seqs), ctypes.POINTER(c_void_p), P_err)
C._proto("lacus_nvar_model_fit_dist_ex", C.status, ctypes.POINTER(NvarModelParams),
         ctypes.POINTER(C.Seqs), ctypes.POINTER(C.Seqs), P_int64, c_void_p, c_void_p,
         ctypes.POINTER(c_void_p), P_err)
C._proto("lacus_nvar_model_n_outputs", c_int64, c_void_p)
C._proto("lacus_nvar_model_free", None, c_void_p)
C._proto("lacus_nvar_model_errmsg", c_char_p, c_void_p)
C._proto("lacus_nvar_model_n_inputs", c_int64, c_void_p)
C._proto("lacus_nvar_model_n_features", c_int64, c_void_p)
C._proto("lacus_nvar_model_params_get", NvarModelParams, c_void_p)
C._proto("lacus_nvar_model_get_weights", C.status, c_void_p, P_double, P_double)
C._proto("lacus_nvar_model_predict", C.status, c_void_p, P_double, c_int64, P_double)
C._proto("lacus_nvar_model_generate", C.status, c_void_p, P_double, c_int64, c_int64, P_double,
         P_int64)
C._proto("lacus_nvar_model_save", C.status, c_void_p, c_char_p, P_err)
C._proto("lacus_nvar_model_load", C.status, c_char_p, ctypes.POINTER(c_void_p), P_err)


def _predicts(name):
    if name != "auto" and name not in PREDICTS:
        raise ValueError("predicts=%r: expected 'increment' or 'next' (forecasts), 'target' "
                         "(with targets) or 'auto'" % (name,))
    return PREDICTS.get(name, 1)


def _seq_list(X, what):
    return [C.as_f64(x, 2, what) for x in (X if isinstance(X, (list, tuple)) else [X])]


def _diverged(st, msg, out, n_done):
    """LacusError for a diverged loop, with the rows before the failure in .rows."""
    try:
        C.check(st, handle_msg=msg)
    except C.LacusError as e:
        e.rows = out[:n_done.value].copy()
        e.n_done = int(n_done.value)
        raise


class NVAR:
    """Nonlinear vector autoregression features, as ReservoirPy 0.4.2's NVAR.

    NVAR(delay=2, order=2, strides=1, input_dim=None): features[t] =
    lin[t] (+) every unique monomial of degree `order` of lin[t], where
    lin[t] = u[t] (+) u[t - s] (+) ... (+) u[t - (delay-1) s] (docs/nvar.md).
    Parameters are checked at construction; the node is created when the
    input size is known (input_dim=, or the first run).
    """

    def __init__(self, delay=2, order=2, strides=1, input_dim=None):
        p = lib.lacus_nvar_params_default()
        p.delay = int(delay)
        p.order = int(order)
        p.strides = int(strides)
        p.n_inputs = int(input_dim) if input_dim is not None else 1
        err = C.new_error()
        C.check(lib.lacus_nvar_params_check(ctypes.byref(p), ctypes.byref(err)), err)
        self._params = p
        self._handle = None
        if input_dim is not None:
            self._create(input_dim)

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_nvar_free(self._handle)
            self._handle = None

    def _create(self, n_inputs):
        p = self._params
        p.n_inputs = int(n_inputs)
        h = ctypes.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_nvar_create(ctypes.byref(p), ctypes.byref(h), ctypes.byref(err)), err)
        if self._handle:
            lib.lacus_nvar_free(self._handle)
        self._handle = h.value

    @property
    def delay(self):
        return int(self._params.delay)

    @property
    def order(self):
        return int(self._params.order)

    @property
    def strides(self):
        return int(self._params.strides)

    @property
    def input_dim(self):
        return int(self._params.n_inputs) if self._handle else None

    @property
    def n_features(self):
        """delay * input_dim + C(delay * input_dim + order - 1, order); None
        while the input size is unknown."""
        return int(lib.lacus_nvar_n_features(self._handle)) if self._handle else None

    output_dim = n_features

    @property
    def n_linear(self):
        """delay * input_dim (the linear part comes first); None while unknown."""
        return int(lib.lacus_nvar_n_linear(self._handle)) if self._handle else None

    def run(self, u, reset=True):
        """Features (n_steps, n_features) for u (n_steps, input_dim).
        reset=True starts from an empty (all-zero) delay line; reset=False
        continues from the inputs of earlier calls (one call or several give
        the same features)."""
        u = C.as_f64(u, 2, "u")
        if not self._handle:
            self._create(u.shape[1])
        elif u.shape[1] != self._params.n_inputs:
            raise C.LacusError(-2, "NVAR: u must have %d columns, got %d"
                               % (self._params.n_inputs, u.shape[1]))
        h = self._handle
        out = np.empty((u.shape[0], lib.lacus_nvar_n_features(h)), dtype=np.float64)
        C.check(lib.lacus_nvar_run(h, C.ptr(u), u.shape[0], 1 if reset else 0, C.ptr(out)),
                handle_msg=lambda: lib.lacus_nvar_errmsg(h))
        return out

    def forecast(self, Wout, bias=None, n_steps=1, predicts="increment"):
        """Closed-loop forecast in C (lacus_nvar_forecast): n_steps
        predictions (n_steps, input_dim), each fed back as the next input.
        Warm the delay line first with run(history); the first prediction
        follows history[-1]. Wout (n_features, input_dim) and bias
        (input_dim,) are a readout trained on these features to predict the
        increment u[t+1] - u[t] (predicts="increment", Gauthier et al.) or
        the next value (predicts="next"), e.g. lacus.Ridge's or ReservoirPy
        Ridge's .Wout and .bias. Equal bit for bit to the step-by-step loop
        u = u + Ridge.predict(f); f = run(u, reset=False).

        On divergence (NaN/Inf) raises LacusError naming the step; the
        exception's .rows holds the predictions before it."""
        if not self._handle:
            raise C.LacusError(-9, "NVAR forecast: the node has not run yet: warm it up with "
                               "run(history) first")
        W = C.as_f64(Wout, 2, "Wout")
        b = None if bias is None else C.as_f64(np.asarray(bias).ravel(), 1, "bias")
        if b is not None and b.shape[0] != W.shape[1]:
            raise C.LacusError(-2, "NVAR forecast: bias has %d values, Wout %d columns"
                               % (b.shape[0], W.shape[1]))
        n = int(n_steps)
        out = np.empty((max(n, 0), int(self._params.n_inputs)), dtype=np.float64)
        done = c_int64(0)
        h = self._handle
        st = lib.lacus_nvar_forecast(h, C.ptr(W), W.shape[0], W.shape[1], C.ptr(b),
                                     _predicts(predicts), n, C.ptr(out) if n > 0 else None,
                                     ctypes.byref(done))
        if st:
            _diverged(st, lambda: lib.lacus_nvar_errmsg(h), out, done)
        return out

    def reset(self):
        """Empties the delay line (zeros)."""
        if self._handle:
            lib.lacus_nvar_reset(self._handle)

    def __repr__(self):
        return "NVAR(delay=%d, order=%d, strides=%d, input_dim=%s, n_features=%s)" % (
            self.delay, self.order, self.strides, self.input_dim, self.n_features)


class NVARForecaster:
    """An NVAR forecaster, the model of `lacus fit --model nvar`: NVAR
    features of a series and a ridge readout trained on its own increments
    (predicts="increment", Gauthier et al. 2021) or next values, or, given
    targets Y, on those (predicts="target": NVAR regression, the paper's
    inference task; no closed loop).

    NVARForecaster(delay=2, order=2, strides=1, ridge=1e-6,
                   predicts="auto", bias="centered", solver="auto",
                   warmup=-1)

    fit(X, Y=None) trains on one series (n_steps, n_inputs) or a list of them
    (feature row t of each predicts step t+1, for t >= warmup; -1:
    (delay-1)*strides; with Y, row t predicts Y[t]); predicts="auto" is
    "target" with Y and "increment" without. fit_dist(X, Y=None, ids=None)
    is the same fit from sequences spread over MPI ranks (each rank passes
    its own, possibly none; lacus.dist.init() first), the model of `mpirun
    lacus fit --model nvar`. predict(u) gives one-step-ahead forecasts of
    u[t+1] (or the targets' estimates); generate(history, n_steps) warms up
    on history and forecasts in closed loop, in C; save(path) /
    NVARForecaster.load(path) use lacus's model files.
    """

    def __init__(self, delay=2, order=2, strides=1, ridge=1e-6, predicts="auto",
                 bias="centered", solver="auto", warmup=-1):
        p = lib.lacus_nvar_model_params_default()
        p.nvar.delay, p.nvar.order, p.nvar.strides = int(delay), int(order), int(strides)
        p.nvar.n_inputs = 1
        err = C.new_error()
        C.check(lib.lacus_nvar_params_check(ctypes.byref(p.nvar), ctypes.byref(err)), err)
        p.readout.ridge = float(ridge)
        p.readout.bias = C.parse_enum("bias_mode", bias)
        p.readout.solver = C.parse_enum("solver", solver)
        p.predicts = _predicts(predicts)
        p.warmup = int(warmup)
        self._params = p
        self._predicts = predicts
        self._handle = None

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_nvar_model_free(self._handle)
            self._handle = None

    def _set(self, h):
        if self._handle:
            lib.lacus_nvar_model_free(self._handle)
        self._handle = h
        self._params = lib.lacus_nvar_model_params_get(h)

    def _need(self):
        if not self._handle:
            raise C.LacusError(-9, "NVARForecaster: not trained (fit or load first)")
        return self._handle

    def _fit_params(self, has_targets):
        p = NvarModelParams.from_buffer_copy(self._params)
        if getattr(self, "_predicts", None) == "auto":
            p.predicts = PREDICTS["target"] if has_targets else PREDICTS["increment"]
        return p

    def fit(self, X, Y=None):
        arg = C.SeqsArg(_seq_list(X, "X"))
        targ = C.SeqsArg(_seq_list(Y, "Y")) if Y is not None else None
        p = self._fit_params(Y is not None)
        h = c_void_p()
        err = C.new_error()
        C.check(lib.lacus_nvar_model_fit_xy(ctypes.byref(p), ctypes.byref(arg.seqs),
                                            ctypes.byref(targ.seqs) if targ else None,
                                            ctypes.byref(h), ctypes.byref(err)), err)
        self._set(h.value)
        return self

    def fit_dist(self, X, Y=None, ids=None, solve="auto", rank_mem_mb=0.0, block=0, rows=0):
        """This rank's sequences X (and targets Y), a list, possibly empty;
        ids name them in messages (default 0..n-1). Collective: every rank
        calls it, and every rank gets the same model. solve: "reduce",
        "scalapack" or "auto", as lacus.dist.fit_dist; self.dist_info then
        holds the solve used, the grid, the rounds and the times."""
        from . import dist  # the MPI module's parameter structs
        d = dist._params(solve, rank_mem_mb, block, rows)
        stats = dist.DistStats()
        xs = _seq_list(X, "X") if X is not None else []
        arg = C.SeqsArg(xs)
        targ = C.SeqsArg(_seq_list(Y, "Y") if Y is not None else []) if Y is not None else None
        idv = None
        if ids is not None:
            idv = np.ascontiguousarray(ids, dtype=np.int64)
            if idv.shape != (len(xs),):
                raise ValueError("ids: %d values for %d sequences" % (idv.size, len(xs)))
        p = self._fit_params(Y is not None)
        h = c_void_p()
        err = C.new_error()
        C.check(lib.lacus_nvar_model_fit_dist_ex(
            ctypes.byref(p), ctypes.byref(arg.seqs), ctypes.byref(targ.seqs) if targ else None,
            idv.ctypes.data_as(P_int64) if idv is not None else None,
            ctypes.cast(ctypes.byref(d), c_void_p), ctypes.cast(ctypes.byref(stats), c_void_p),
            ctypes.byref(h), ctypes.byref(err)), err)
        self._set(h.value)
        self.dist_info = {"solve": dist._NAMES.get(stats.used, str(stats.used)),
                          "grid": (stats.grid_rows, stats.grid_cols), "rounds": int(stats.rounds),
                          "stream_s": stats.stream_s, "solve_s": stats.solve_s,
                          "fallback": bool(stats.fallback)}
        return self

    def predict(self, u):
        """One-step-ahead forecasts (n_steps, n_inputs): row t forecasts
        u[t+1] from u[0..t], from an empty delay line."""
        h = self._need()
        u = C.as_f64(u, 2, "u")
        out = np.empty((u.shape[0], self.n_outputs), dtype=np.float64)
        C.check(lib.lacus_nvar_model_predict(h, C.ptr(u), u.shape[0], C.ptr(out)),
                handle_msg=lambda: lib.lacus_nvar_model_errmsg(h))
        return out

    def generate(self, history, n_steps):
        """Warm up on history (n, n_inputs), then n_steps of closed loop in
        C; row 0 follows history[-1]. Divergence raises LacusError (its
        .rows: the predictions before it)."""
        h = self._need()
        u = C.as_f64(history, 2, "history")
        n = int(n_steps)
        out = np.empty((max(n, 0), self.n_inputs), dtype=np.float64)
        done = c_int64(0)
        st = lib.lacus_nvar_model_generate(h, C.ptr(u), u.shape[0], n,
                                           C.ptr(out) if n > 0 else None, ctypes.byref(done))
        if st:
            _diverged(st, lambda: lib.lacus_nvar_model_errmsg(h), out, done)
        return out

    def save(self, path):
        err = C.new_error()
        C.check(lib.lacus_nvar_model_save(self._need(), str(path).encode(), ctypes.byref(err)), err)

    @classmethod
    def load(cls, path):
        h = c_void_p()
        err = C.new_error()
        C.check(lib.lacus_nvar_model_load(str(path).encode(), ctypes.byref(h), ctypes.byref(err)), err)
        m = cls.__new__(cls)
        m._handle = None
        m._set(h.value)
        return m

    @property
    def n_inputs(self):
        return int(lib.lacus_nvar_model_n_inputs(self._handle)) if self._handle else None

    @property
    def n_features(self):
        return int(lib.lacus_nvar_model_n_features(self._handle)) if self._handle else None

    @property
    def n_outputs(self):
        return int(lib.lacus_nvar_model_n_outputs(self._handle)) if self._handle else None

    @property
    def Wout(self):
        h = self._need()
        W = np.empty((self.n_features, self.n_outputs))
        C.check(lib.lacus_nvar_model_get_weights(h, C.ptr(W), None))
        return W

    @property
    def bias(self):
        h = self._need()
        b = np.empty(self.n_outputs)
        C.check(lib.lacus_nvar_model_get_weights(h, None, C.ptr(b)))
        return b

    @property
    def predicts(self):
        return "increment" if self._params.predicts == 1 else "next"

    def __repr__(self):
        p = self._params
        return "NVARForecaster(delay=%d, order=%d, strides=%d, ridge=%g, predicts=%r)" % (
            p.nvar.delay, p.nvar.order, p.nvar.strides, p.readout.ridge, self.predicts)
