"""Unsupervised reservoir adaptation (include/lacus/ip.h, plasticity.h):
intrinsic plasticity (ReservoirPy 0.4.2's IPReservoir) and local synaptic
plasticity of W (its LocalPlasticityReservoir: Hebbian, anti-Hebbian, Oja,
anti-Oja, BCM)."""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_double, c_int
from .ridge import as_sequences
from .reservoir import build_params

P_err = ctypes.POINTER(C.Error)
VP = ctypes.c_void_p
PVP = ctypes.POINTER(VP)


class IPParams(ctypes.Structure):
    _fields_ = [("res", C.ReservoirParams), ("mu", c_double), ("sigma", c_double),
                ("eta", c_double), ("epochs", c_int64), ("warmup", c_int64)]


class PlasticityParams(ctypes.Structure):
    _fields_ = [("n_units", c_int64), ("n_inputs", c_int64), ("rule", c_int), ("eta", c_double),
                ("bcm_theta", c_double), ("synapse_normalization", c_int), ("epochs", c_int64),
                ("warmup", c_int64), ("lr", c_double), ("activation", c_int),
                ("sr_after", c_double), ("rpy_frozen_state", c_int)]


_p = C._proto
_p("lacus_ip_params_default", IPParams)
_p("lacus_ip_create", C.status, ctypes.POINTER(IPParams), PVP, P_err)
_p("lacus_ip_free", None, VP)
_p("lacus_ip_errmsg", ctypes.c_char_p, VP)
_p("lacus_ip_n_units", c_int64, VP)
_p("lacus_ip_n_inputs", c_int64, VP)
for _w in ("W", "Win", "bias", "a", "b"):
    _p("lacus_ip_set_" + _w, C.status, VP, C.P_double)
for _w in ("a", "b"):
    _p("lacus_ip_get_" + _w, C.status, VP, C.P_double)
_p("lacus_ip_fit", C.status, VP, ctypes.POINTER(C.Seqs), c_int64)
_p("lacus_ip_run", C.status, VP, C.P_double, c_int64, c_int, C.P_double)
_p("lacus_ip_reset", None, VP)
_p("lacus_ip_get_state", C.status, VP, C.P_double)
_p("lacus_plasticity_rule_parse", C.status, ctypes.c_char_p, ctypes.POINTER(c_int))
_p("lacus_plasticity_params_default", PlasticityParams)
_p("lacus_plasticity_create", C.status, ctypes.POINTER(PlasticityParams), PVP, P_err)
_p("lacus_plasticity_free", None, VP)
_p("lacus_plasticity_errmsg", ctypes.c_char_p, VP)
for _w in ("W", "Win", "bias"):
    _p("lacus_plasticity_set_" + _w, C.status, VP, C.P_double)
_p("lacus_plasticity_get_W", C.status, VP, C.P_double)
_p("lacus_plasticity_W_nnz", c_int64, VP)
_p("lacus_plasticity_fit", C.status, VP, ctypes.POINTER(C.Seqs), c_int64)
_p("lacus_plasticity_run", C.status, VP, C.P_double, c_int64, c_int, C.P_double)
_p("lacus_plasticity_get_state", C.status, VP, C.P_double, C.P_double)


def _call(fn, *args):
    err = C.new_error()
    C.check(fn(*args, ctypes.byref(err)), err)


class _Base(C.Handle):
    _prefix = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls._prefix:
            cls._free = "lacus_%s_free" % cls._prefix
            cls._errmsg = "lacus_%s_errmsg" % cls._prefix

    def _set(self, name, value, shape):
        a = C.as_f64(value, len(shape), name)
        if a.shape != shape:
            raise C.LacusError(-2, "%s must have shape %s, got %s" % (name, shape, a.shape))
        self._call(getattr(lib, "lacus_%s_set_%s" % (self._prefix, name)), C.ptr(a))

    def _seqs_fit(self, X, epochs):
        xs, _ = as_sequences(X, "X")
        if not xs:
            raise C.LacusError(-1, "fit: no sequences")
        a = C.SeqsArg(xs)
        self._call(getattr(lib, "lacus_%s_fit" % self._prefix), a.ref(), int(epochs))
        return self

    def run(self, u, reset=True):
        """States (n_steps, units) with the learned parameters frozen, from
        a zero state (reset) or the current one."""
        u = C.as_f64(u, 2, "u")
        if u.shape[1] != self.input_dim:
            raise C.LacusError(-2, "u must have %d columns, got %d" % (self.input_dim, u.shape[1]))
        out = np.empty((u.shape[0], self.units))
        self._call(getattr(lib, "lacus_%s_run" % self._prefix), C.ptr(u), u.shape[0],
                   1 if reset else 0, C.ptr(out))
        return out


class IPReservoir(_Base):
    """Intrinsic plasticity (Schrauwen et al. 2008 for tanh with a Gaussian
    target, Triesch 2005 for sigmoid with an exponential one).

    IPReservoir(units, input_dim, mu=0, sigma=1, eta=5e-4, epochs=1,
    warmup=0, activation="tanh", lr=1, W/Win/bias arrays or the reservoir
    hyperparameters; defaults are IPReservoir's: W uniform unscaled (sr=None),
    bias bernoulli +-1). fit(X, epochs=0) learns the gains a and biases b
    (the state carries over between sequences, as ReservoirPy)."""

    _prefix = "ip"

    def __init__(self, units=None, input_dim=None, mu=0.0, sigma=1.0, eta=5e-4, epochs=1,
                 warmup=0, **kw):
        self._handle = None
        p = lib.lacus_ip_params_default()
        d = p.res
        kw.setdefault("lr", d.lr)
        kw.setdefault("sr", None if d.sr == 0 else d.sr)
        kw.setdefault("W", C.enum_name("init", d.W_init))
        kw.setdefault("bias", C.enum_name("init", d.bias_init))
        kw.setdefault("bias_scaling", d.bias_scaling)
        kw.setdefault("bias_connectivity", d.bias_connectivity)
        kw.setdefault("rc_connectivity", d.rc_connectivity)
        kw.setdefault("input_connectivity", d.input_connectivity)
        kw.setdefault("input_scaling", d.input_scaling)
        rp, self._keep, weights = build_params(units, input_dim=input_dim, **kw)
        p.res = rp
        p.mu, p.sigma, p.eta = float(mu), float(sigma), float(eta)
        p.epochs, p.warmup = int(epochs), int(warmup)
        h = VP()
        _call(lib.lacus_ip_create, ctypes.byref(p), ctypes.byref(h))
        self._handle = h.value
        for name, a in weights.items():
            setattr(self, name, a)

    @property
    def units(self):
        return int(lib.lacus_ip_n_units(self._h()))

    @property
    def input_dim(self):
        return int(lib.lacus_ip_n_inputs(self._h()))

    def _get(self, name):
        out = np.empty(self.units)
        self._call(getattr(lib, "lacus_ip_get_" + name), C.ptr(out))
        return out

    W = property(None, lambda self, v: self._set("W", v, (self.units, self.units)))
    Win = property(None, lambda self, v: self._set("Win", v, (self.units, self.input_dim)))
    bias = property(None, lambda self, v: self._set("bias", v, (self.units,)))
    a = property(lambda self: self._get("a"), lambda self, v: self._set("a", v, (self.units,)),
                 doc="Learned gains (units,).")
    b = property(lambda self: self._get("b"), lambda self, v: self._set("b", v, (self.units,)),
                 doc="Learned biases (units,).")

    @property
    def state(self):
        return self._get_state()

    def _get_state(self):
        out = np.empty(self.units)
        self._call(lib.lacus_ip_get_state, C.ptr(out))
        return out

    def fit(self, X, epochs=0):
        """Learns a and b over one sequence or a list (epochs=0: the
        constructor's)."""
        return self._seqs_fit(X, epochs)

    def reset(self):
        lib.lacus_ip_reset(self._h())


class LocalPlasticityReservoir(_Base):
    """A reservoir whose non-zeros of W learn by a local rule ("oja",
    "anti-oja", "hebbian", "anti-hebbian", "bcm").

    LocalPlasticityReservoir(W, Win, bias=None, rule="oja", eta=1e-3,
    bcm_theta=0, synapse_normalization=False, epochs=1, warmup=0, lr=1,
    activation="tanh", sr_after=0, rpy_frozen_state=False): the weights are
    given (e.g. a Reservoir's W, Win, bias)."""

    _prefix = "plasticity"

    def __init__(self, W, Win, bias=None, rule="oja", activation="tanh", **kw):
        self._handle = None
        W = C.as_f64(W, 2, "W")
        Win = C.as_f64(Win, 2, "Win")
        p = lib.lacus_plasticity_params_default()
        p.n_units, p.n_inputs = W.shape[0], Win.shape[1]
        r = c_int()
        if lib.lacus_plasticity_rule_parse(str(rule).encode(), ctypes.byref(r)) != 0:
            raise C.LacusError(-1, "rule %r: must be oja, anti-oja, hebbian, anti-hebbian or bcm"
                               % (rule,))
        p.rule = r.value
        p.activation = C.parse_enum("activation", activation)
        C.set_fields(p, kw, "LocalPlasticityReservoir")
        h = VP()
        _call(lib.lacus_plasticity_create, ctypes.byref(p), ctypes.byref(h))
        self._handle = h.value
        self._n = (int(p.n_units), int(p.n_inputs))
        self._set("W", W, (self.units, self.units))
        self._set("Win", Win, (self.units, self.input_dim))
        self._set("bias", np.zeros(self.units) if bias is None else bias, (self.units,))

    @property
    def units(self):
        return self._n[0]

    @property
    def input_dim(self):
        return self._n[1]

    @property
    def W(self):
        out = np.empty((self.units, self.units))
        self._call(lib.lacus_plasticity_get_W, C.ptr(out))
        return out

    @property
    def nnz(self):
        return int(lib.lacus_plasticity_W_nnz(self._h()))

    @property
    def state(self):
        """(x, r): the activated and the internal state."""
        x, r = np.empty(self.units), np.empty(self.units)
        self._call(lib.lacus_plasticity_get_state, C.ptr(x), C.ptr(r))
        return x, r

    def fit(self, X, epochs=0):
        """Trains W on one sequence or a list (epochs=0: the constructor's)."""
        return self._seqs_fit(X, epochs)
