"""Ridge: the offline linear readout over lacus_ridge."""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib


def as_sequences(X, name):
    """A list of 2-D float64 arrays from one array or a list of them;
    also says whether the input was a list (to answer in kind)."""
    if isinstance(X, (list, tuple)):
        return [C.as_f64(x, 2, "%s[%d]" % (name, i)) for i, x in enumerate(X)], True
    X = np.asarray(X)
    if X.ndim == 3:
        return [C.as_f64(x, 2, name) for x in X], True
    return [C.as_f64(X, 2, name)], False


class Ridge:
    """Ridge regression readout, y = x Wout + bias.

    Ridge(ridge=1e-6, bias="centered" | "augmented" | "none", solver="auto").
    fit_bias=False is ReservoirPy's spelling of bias="none".
    """

    def __init__(self, ridge=0.0, bias="centered", solver="auto", keep_samples=0,
                 fit_bias=True):
        p = lib.lacus_ridge_params_default()
        p.ridge = float(ridge)
        p.bias = C.parse_enum("bias_mode", bias if fit_bias else "none")
        p.solver = C.parse_enum("solver", solver)
        p.keep_samples = int(keep_samples)
        self._params = p
        self._handle = None

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_ridge_free(self._handle)
            self._handle = None

    def _create(self, n_features, n_outputs):
        self._params.n_features = int(n_features)
        self._params.n_outputs = int(n_outputs)
        h = ctypes.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_ridge_create(ctypes.byref(self._params), ctypes.byref(h),
                                       ctypes.byref(err)), err)
        if self._handle:
            lib.lacus_ridge_free(self._handle)
        self._handle = h.value

    def _h(self):
        if not self._handle:
            raise C.LacusError(-9, "Ridge: not fitted yet")
        return self._handle

    def _call(self, fn, *args):
        h = self._h()
        C.check(fn(h, *args), handle_msg=lambda: lib.lacus_ridge_errmsg(h))

    @property
    def ridge(self):
        return self._params.ridge

    @property
    def input_dim(self):
        return int(self._params.n_features) if self._handle else None

    @property
    def output_dim(self):
        return int(self._params.n_outputs) if self._handle else None

    def partial_fit(self, x, y, warmup=0):
        """Adds samples (x: (n, features), y: (n, outputs)) to the sums; the
        first call fixes the sizes. Call solve() when all are in."""
        xs, _ = as_sequences(x, "x")
        ys, _ = as_sequences(y, "y")
        if len(xs) != len(ys):
            raise C.LacusError(-2, "x has %d sequences but y has %d" % (len(xs), len(ys)))
        for a, b in zip(xs, ys):
            a, b = a[warmup:], b[warmup:]
            if a.shape[0] != b.shape[0]:
                raise C.LacusError(-2, "x has %d rows but y has %d" % (a.shape[0], b.shape[0]))
            if not self._handle:
                self._create(a.shape[1], b.shape[1])
            if a.shape[1] != self._params.n_features or b.shape[1] != self._params.n_outputs:
                raise C.LacusError(-2, "x must have %d columns and y %d, got %d and %d" % (
                    self._params.n_features, self._params.n_outputs, a.shape[1], b.shape[1]))
            a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
            self._call(lib.lacus_ridge_partial_fit, C.ptr(a), a.shape[1], C.ptr(b),
                       b.shape[1], a.shape[0])
        return self

    def solve(self):
        self._call(lib.lacus_ridge_solve)
        return self

    def reset(self):
        if self._handle:
            lib.lacus_ridge_reset(self._handle)

    def fit(self, x, y, warmup=0):
        """Fits on one array or a list of sequences (the first `warmup` rows
        of each are dropped); discards earlier training."""
        if self._handle:
            lib.lacus_ridge_free(self._handle)
            self._handle = None
        self.partial_fit(x, y, warmup=warmup)
        return self.solve()

    def predict(self, x):
        """x Wout + bias, for one array or a list of them."""
        xs, is_list = as_sequences(x, "x")
        outs = []
        for a in xs:
            y = np.empty((a.shape[0], self._params.n_outputs), dtype=np.float64)
            self._call(lib.lacus_ridge_predict, C.ptr(a), a.shape[1], a.shape[0], C.ptr(y),
                       y.shape[1])
            outs.append(y)
        return outs if is_list else outs[0]

    run = predict

    def _weights(self):
        W = np.empty((self._params.n_features, self._params.n_outputs), dtype=np.float64)
        b = np.empty(self._params.n_outputs, dtype=np.float64)
        self._call(lib.lacus_ridge_get_weights, C.ptr(W), C.ptr(b))
        return W, b

    @property
    def Wout(self):
        """(n_features, n_outputs)."""
        return self._weights()[0]

    @property
    def bias(self):
        """(n_outputs,)."""
        return self._weights()[1]

    def set_weights(self, Wout, bias=None):
        Wout = C.as_f64(Wout, 2, "Wout")
        b = np.zeros(Wout.shape[1]) if bias is None else C.as_f64(bias, 1, "bias")
        if not self._handle or Wout.shape != (self._params.n_features, self._params.n_outputs):
            self._create(*Wout.shape)
        if b.shape != (Wout.shape[1],):
            raise C.LacusError(-2, "bias must have shape (%d,)" % Wout.shape[1])
        self._call(lib.lacus_ridge_set_weights, C.ptr(Wout), C.ptr(b))

    @Wout.setter
    def Wout(self, value):
        self.set_weights(value, self.bias if self._handle else None)

    @bias.setter
    def bias(self, value):
        self.set_weights(self.Wout, value)
