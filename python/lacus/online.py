"""Online readouts trained one sample at a time: RLS (FORCE) and LMS.

Same equations and numbers as ReservoirPy 0.4.2's RLS and LMS nodes
(docs/online.md). Sizes are inferred at the first call, as in ReservoirPy.
"""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib


def _sample(a, name):
    """One sample as a 1-D float64 array; also whether it came as a (1, n) row."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1), False
    if a.ndim == 2 and a.shape[0] == 1:
        return a.reshape(-1), True
    if a.ndim != 1:
        raise ValueError("%s must be one sample (1-D or shape (1, n)), got shape %s"
                         % (name, a.shape))
    return a, False


class Online:
    """Online linear readout y = x Wout + bias, learned one sample at a time.

    Online(method="rls" | "lms", alpha=1e-6, forgetting=1.0, fit_bias=True,
    input_dim=None, output_dim=None). For RLS, P(0) = I / alpha and
    `forgetting` is lambda in (0, 1]; for LMS, alpha is the learning rate
    (ReservoirPy's `learning_rate`, also accepted here) and `forgetting` is
    ignored. Parameters are checked at construction; the C readout is
    created when the sizes are known (input_dim and output_dim, the first
    partial_fit/step, or assigning Wout).
    """

    def __init__(self, method="rls", alpha=1e-6, forgetting=1.0, fit_bias=True,
                 input_dim=None, output_dim=None):
        p = lib.lacus_online_params_default()
        key = str(method).lower()
        if key not in C.ONLINE_METHODS:
            raise C.LacusError(-1, "method must be 'rls' or 'lms', got %r" % (method,))
        p.method = C.ONLINE_METHODS[key]
        p.alpha = float(alpha)
        p.forgetting = float(forgetting)
        p.fit_bias = 1 if fit_bias else 0
        # Check the hyperparameters now (sizes are placeholders until known).
        p.n_features = int(input_dim) if input_dim is not None else 1
        p.n_outputs = int(output_dim) if output_dim is not None else 1
        err = C.new_error()
        C.check(lib.lacus_online_params_check(ctypes.byref(p), ctypes.byref(err)), err)
        self._params = p
        self._handle = None
        if input_dim is not None and output_dim is not None:
            self._create(input_dim, output_dim)

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_online_free(self._handle)
            self._handle = None

    # -- handle -----------------------------------------------------------------------
    def _create(self, n_features, n_outputs):
        p = self._params
        p.n_features = int(n_features)
        p.n_outputs = int(n_outputs)
        h = ctypes.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_online_create(ctypes.byref(p), ctypes.byref(h), ctypes.byref(err)),
                err)
        if self._handle:
            lib.lacus_online_free(self._handle)
        self._handle = h.value

    def _h(self):
        if not self._handle:
            raise C.LacusError(-9, "%s: not initialised yet (its sizes are unknown: "
                                   "call partial_fit/step first, or give input_dim "
                                   "and output_dim)" % type(self).__name__)
        return self._handle

    def _call(self, fn, *args):
        h = self._h()
        C.check(fn(h, *args), handle_msg=lambda: lib.lacus_online_errmsg(h))

    def _ensure(self, n_features, n_outputs):
        if not self._handle:
            self._create(n_features, n_outputs)
        elif (n_features, n_outputs) != (self._params.n_features, self._params.n_outputs):
            raise C.LacusError(-2, "%s: x must have %d columns and y %d, got %d and %d" % (
                type(self).__name__, self._params.n_features, self._params.n_outputs,
                n_features, n_outputs))

    def _check_x(self, n_features):
        self._h()
        if n_features != self._params.n_features:
            raise C.LacusError(-2, "%s: x must have %d columns, got %d" % (
                type(self).__name__, self._params.n_features, n_features))

    # -- properties -------------------------------------------------------------------
    @property
    def method(self):
        return "lms" if self._params.method == C.ONLINE_METHODS["lms"] else "rls"

    @property
    def alpha(self):
        return float(self._params.alpha)

    @property
    def forgetting(self):
        return float(self._params.forgetting)

    @property
    def fit_bias(self):
        return bool(self._params.fit_bias)

    @property
    def input_dim(self):
        return int(self._params.n_features) if self._handle else None

    @property
    def output_dim(self):
        return int(self._params.n_outputs) if self._handle else None

    @property
    def n_steps(self):
        """Samples learned since creation or reset()."""
        return int(lib.lacus_online_n_steps(self._handle)) if self._handle else 0

    # -- learning ---------------------------------------------------------------------
    def partial_fit(self, x, y):
        """Learns the rows of x (n, features) and y (n, outputs) in order and
        returns the a-priori predictions (n, outputs): row t is x[t] Wout + bias
        with the weights before learning row t. (ReservoirPy returns
        x[t] Wout_after + bias_before instead; see docs/online.md.)"""
        x = C.as_f64(x, 2, "x")
        y = C.as_f64(y, 2, "y")
        if x.shape[0] != y.shape[0]:
            raise C.LacusError(-2, "x has %d rows but y has %d" % (x.shape[0], y.shape[0]))
        self._ensure(x.shape[1], y.shape[1])
        out = np.empty((x.shape[0], y.shape[1]), dtype=np.float64)
        if x.shape[0] == 0:
            return out
        self._call(lib.lacus_online_partial_fit, C.ptr(x), x.shape[1], C.ptr(y), y.shape[1],
                   x.shape[0], C.ptr(out))
        return out

    def step(self, x, y):
        """Learns one sample (x (features,), y (outputs,); (1, n) rows also
        accepted) and returns its a-priori prediction, shaped like x's rows."""
        x, row = _sample(x, "x")
        y, _ = _sample(y, "y")
        self._ensure(x.shape[0], y.shape[0])
        out = np.empty(y.shape[0], dtype=np.float64)
        self._call(lib.lacus_online_step, C.ptr(x), C.ptr(y), C.ptr(out))
        return out.reshape(1, -1) if row else out

    def predict(self, x):
        """x Wout + bias (n, outputs) for x (n, features), without learning."""
        x = C.as_f64(x, 2, "x")
        self._check_x(x.shape[1])
        out = np.empty((x.shape[0], self._params.n_outputs), dtype=np.float64)
        if x.shape[0] == 0:
            return out
        self._call(lib.lacus_online_predict, C.ptr(x), x.shape[1], x.shape[0], C.ptr(out),
                   out.shape[1])
        return out

    run = predict

    def reset(self):
        """Back to Wout = 0, bias = 0, P = I / alpha, zero steps (sizes kept)."""
        if self._handle:
            lib.lacus_online_reset(self._handle)

    # -- weights ----------------------------------------------------------------------
    def _weights(self):
        W = np.empty((self._params.n_features, self._params.n_outputs), dtype=np.float64)
        b = np.empty(self._params.n_outputs, dtype=np.float64)
        self._call(lib.lacus_online_get_weights, C.ptr(W), C.ptr(b))
        return W, b

    def set_weights(self, Wout, bias=None):
        """Sets Wout (features, outputs) and bias (outputs,; default: kept, or
        zeros for a new readout). P and the bias count stay as they are; a
        readout not yet created is created with Wout's shape."""
        Wout = C.as_f64(Wout, 2, "Wout")
        if not self._handle:
            self._create(*Wout.shape)
        elif Wout.shape != (self._params.n_features, self._params.n_outputs):
            raise C.LacusError(-2, "Wout must have shape (%d, %d), got %s" % (
                self._params.n_features, self._params.n_outputs, Wout.shape))
        if bias is None:
            b = self._weights()[1]
        else:
            b = C.as_f64(bias, 1, "bias")
            if b.shape != (Wout.shape[1],):
                raise C.LacusError(-2, "bias must have shape (%d,), got %s"
                                   % (Wout.shape[1], b.shape))
        self._call(lib.lacus_online_set_weights, C.ptr(Wout), C.ptr(b))

    @property
    def Wout(self):
        """(features, outputs); assignable."""
        return self._weights()[0]

    @Wout.setter
    def Wout(self, value):
        self.set_weights(value)

    @property
    def bias(self):
        """(outputs,); assignable once the readout exists."""
        return self._weights()[1]

    @bias.setter
    def bias(self, value):
        self.set_weights(self.Wout, value)

    def __repr__(self):
        return "%s(alpha=%g%s, fit_bias=%s, input_dim=%s, output_dim=%s)" % (
            type(self).__name__, self.alpha,
            ", forgetting=%g" % self.forgetting if self.method == "rls" else "",
            self.fit_bias, self.input_dim, self.output_dim)


class RLS(Online):
    """Recursive least squares (FORCE) readout, ReservoirPy's
    RLS(alpha=1e-6, forgetting=1.0, fit_bias=True): P(0) = I / alpha."""

    def __init__(self, alpha=1e-6, forgetting=1.0, fit_bias=True, input_dim=None,
                 output_dim=None):
        super().__init__("rls", alpha=alpha, forgetting=forgetting, fit_bias=fit_bias,
                         input_dim=input_dim, output_dim=output_dim)


class LMS(Online):
    """Least mean squares (Widrow-Hoff) readout, ReservoirPy's
    LMS(learning_rate, fit_bias=True): W <- W - alpha x e^T. `alpha` and
    `learning_rate` are the same parameter (give one)."""

    def __init__(self, alpha=None, fit_bias=True, input_dim=None, output_dim=None,
                 learning_rate=None):
        if alpha is not None and learning_rate is not None:
            raise C.LacusError(-1, "LMS: give alpha or learning_rate, not both")
        rate = alpha if alpha is not None else learning_rate
        if rate is None:
            rate = 1e-6
        super().__init__("lms", alpha=rate, fit_bias=fit_bias, input_dim=input_dim,
                         output_dim=output_dim)

    @property
    def learning_rate(self):
        return self.alpha
