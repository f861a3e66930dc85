"""Local learning (include/lacus/local_learning.h): reservoirs whose units
learn for themselves (self-predicting units, per-unit Forward-Forward,
intrinsic plasticity, mixed in populations), temporal predictive coding
with its Kalman-filter optimum, and the layered Forward-Forward network.
"""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_uint64, c_double, c_int, P_double, P_int64
from .reservoir import build_params

P_err = ctypes.POINTER(C.Error)
c_int32 = ctypes.c_int32
P_i32 = ctypes.POINTER(c_int32)
VP = ctypes.c_void_p
PVP = ctypes.POINTER(VP)
MAX_POPS = 8


class LocalPop(ctypes.Structure):
    _fields_ = [("n_units", c_int64), ("rule", c_int)]


class LocalResParams(ctypes.Structure):
    _fields_ = [("res", C.ReservoirParams), ("n_pops", c_int), ("pops", LocalPop * MAX_POPS),
                ("sp_target", c_int), ("sp_method", c_int), ("see_input", c_int),
                ("mu", c_double), ("delta", c_double), ("rls_alpha", c_double),
                ("rls_lambda", c_double), ("relax", c_double), ("w_eta", c_double),
                ("ff_eta", c_double), ("ff_theta", c_double), ("ip_eta", c_double),
                ("ip_mu", c_double), ("ip_sigma", c_double), ("guard_ip", c_int),
                ("monitor_rate", c_double), ("quiet_var", c_double), ("max_norm", c_double),
                ("ff_negatives", c_int), ("ff_goodness", c_int), ("ff_gen_mu", c_double)]


class LocalResStats(ctypes.Structure):
    _fields_ = [("n_learn_steps", c_int64), ("n_quiet", c_int64), ("min_var", c_double),
                ("mean_var", c_double), ("mean_abs_err", c_double), ("w_rho_change", c_double),
                ("n_params", c_int64), ("n_fixed", c_int64)]


class LGSSM(ctypes.Structure):
    _fields_ = [("n_x", c_int64), ("n_y", c_int64), ("n_u", c_int64), ("A", P_double),
                ("B", P_double), ("C", P_double), ("q", c_double), ("r", c_double)]


class TPCParams(ctypes.Structure):
    _fields_ = [("gamma", c_double), ("n_iter", c_int64), ("eta", c_double),
                ("learn_C", c_int)]


class FFParams(ctypes.Structure):
    _fields_ = [("n_inputs", c_int64), ("n_classes", c_int64), ("n_layers", c_int),
                ("n_hidden", c_int64), ("theta", c_double), ("lr", c_double),
                ("epochs", c_int64), ("batch", c_int64), ("seed", c_uint64)]


_p = C._proto
for _k in ("local_rule", "sp_target", "sp_method", "ff_negatives", "ff_goodness_kind"):
    _p("lacus_%s_parse" % _k, C.status, ctypes.c_char_p, ctypes.POINTER(c_int), P_err)
_p("lacus_localres_params_default", LocalResParams)
_p("lacus_localres_params_check", C.status, ctypes.POINTER(LocalResParams), P_err)
_p("lacus_localres_create", C.status, ctypes.POINTER(LocalResParams), PVP, P_err)
_p("lacus_localres_free", None, VP)
_p("lacus_localres_errmsg", ctypes.c_char_p, VP)
_p("lacus_localres_n_units", c_int64, VP)
_p("lacus_localres_n_inputs", c_int64, VP)
_p("lacus_localres_unit_rule", c_int, VP, c_int64)
_p("lacus_localres_run", C.status, VP, P_double, c_int64, c_int, c_int, P_double, P_double,
   P_double)
_p("lacus_localres_run_neg", C.status, VP, P_double, c_int64, c_int, P_double, P_double)
_p("lacus_localres_n_features", c_int64, VP, c_int)
_p("lacus_localres_features", C.status, VP, P_double, c_int64, c_int, c_int, c_int, P_double)
_p("lacus_localres_stats_get", C.status, VP, ctypes.POINTER(LocalResStats))
_p("lacus_localres_get_theta", C.status, VP, c_int64, P_double, P_int64)
_p("lacus_localres_get_fan_in", C.status, VP, c_int64, P_int64, P_int64)
_p("lacus_localres_get_W", C.status, VP, P_double)
_p("lacus_lgssm_sample", C.status, ctypes.POINTER(LGSSM), c_int64, c_uint64, P_double, P_double,
   P_double, P_err)
_p("lacus_kalman_filter", C.status, ctypes.POINTER(LGSSM), P_double, P_double, c_int64, P_double,
   P_err)
_p("lacus_tpc_params_default", TPCParams)
_p("lacus_tpc_create", C.status, ctypes.POINTER(LGSSM), ctypes.POINTER(TPCParams), PVP, P_err)
_p("lacus_tpc_free", None, VP)
_p("lacus_tpc_errmsg", ctypes.c_char_p, VP)
_p("lacus_tpc_run", C.status, VP, P_double, P_double, c_int64, P_double)
_p("lacus_tpc_get", C.status, VP, P_double, P_double, P_double)
_p("lacus_ff_params_default", FFParams)
_p("lacus_ff_create", C.status, ctypes.POINTER(FFParams), PVP, P_err)
_p("lacus_ff_free", None, VP)
_p("lacus_ff_errmsg", ctypes.c_char_p, VP)
_p("lacus_ff_fit", C.status, VP, P_double, P_i32, c_int64)
_p("lacus_ff_predict", C.status, VP, P_double, c_int64, P_i32, P_double)
_p("lacus_ff_goodness", C.status, VP, P_double, P_i32, c_int64, c_int, P_double, P_double)
_p("lacus_ff_layer_loss_grad", C.status, VP, c_int, P_double, P_double, P_double, P_double,
   P_double)
_p("lacus_ff_layer_n_in", c_int64, VP, c_int)
_p("lacus_ff_layer_get", C.status, VP, c_int, P_double, P_double)
_p("lacus_ff_layer_set", C.status, VP, c_int, P_double, P_double)
_p("lacus_ff_make_task", C.status, c_int64, c_int64, c_int64, c_double, c_uint64, P_double, P_i32,
   P_err)

RULES = ("plain", "selfpred", "ff", "ip")


def _call(fn, *args):
    err = C.new_error()
    C.check(fn(*args, ctypes.byref(err)), err)


def _parse(kind, name):
    v = c_int()
    _call(getattr(lib, "lacus_%s_parse" % kind), str(name).encode(), ctypes.byref(v))
    return v.value


_Handle = C.Handle


class LocalReservoir(_Handle):
    """A leaky tanh reservoir whose units learn by local rules.

    LocalReservoir(units, input_dim, pops=[(n, "selfpred"), (m, "ff"), ...]
    (default: all units self-predicting), sp_target="state" | "drive" |
    "input", sp_method="nlms" | "rls", ff_negatives="shuffle" | "free",
    ff_goodness="unit" | "layer", plus the rule parameters of
    lacus_localres_params (mu, delta, rls_alpha, rls_lambda, relax, w_eta,
    ff_eta, ff_theta, ip_eta, ip_mu, ip_sigma, guard_ip, see_input,
    monitor_rate, quiet_var, max_norm, ff_gen_mu) and the reservoir's hyperparameters
    (lr, sr, input_scaling, rc_connectivity, bias_scaling, seed, ...).
    """

    _free = "lacus_localres_free"
    _errmsg = "lacus_localres_errmsg"
    _RULE_KEYS = ("mu", "delta", "rls_alpha", "rls_lambda", "relax", "w_eta", "ff_eta",
                  "ff_theta", "ip_eta", "ip_mu", "ip_sigma", "guard_ip", "see_input",
                  "monitor_rate", "quiet_var", "max_norm", "ff_gen_mu")

    def __init__(self, units, input_dim, pops=None, sp_target="state", sp_method="nlms",
                 ff_negatives="shuffle", ff_goodness="unit", **kw):
        self._handle = None
        p = lib.lacus_localres_params_default()
        rule_kw = {k: kw.pop(k) for k in list(kw) if k in self._RULE_KEYS}
        rp, self._keep, weights = build_params(units, input_dim=input_dim, **kw)
        if weights:
            raise TypeError("LocalReservoir: W, Win and bias are drawn from the seed")
        p.res = rp
        if pops is not None:
            pops = list(pops)
            if not 1 <= len(pops) <= MAX_POPS:
                raise C.LacusError(-1, "pops: 1 to %d populations, got %d"
                                   % (MAX_POPS, len(pops)))
            p.n_pops = len(pops)
            for i, (n, rule) in enumerate(pops):
                p.pops[i].n_units = int(n)
                p.pops[i].rule = _parse("local_rule", rule)
        p.sp_target = _parse("sp_target", sp_target)
        p.sp_method = _parse("sp_method", sp_method)
        p.ff_negatives = _parse("ff_negatives", ff_negatives)
        p.ff_goodness = _parse("ff_goodness_kind", ff_goodness)
        for k, v in rule_kw.items():
            setattr(p, k, int(v) if isinstance(v, bool) else v)
        self._params = p
        h = VP()
        _call(lib.lacus_localres_create, ctypes.byref(p), ctypes.byref(h))
        self._handle = h.value

    @property
    def units(self):
        return int(lib.lacus_localres_n_units(self._h()))

    @property
    def input_dim(self):
        return int(lib.lacus_localres_n_inputs(self._h()))

    def rules(self):
        """The rule name of every unit."""
        return [RULES[lib.lacus_localres_unit_rule(self._h(), i)] for i in range(self.units)]

    def _u(self, u):
        u = C.as_f64(u, 2, "u")
        if u.shape[1] != self.input_dim:
            raise C.LacusError(-2, "u must have %d columns (input_dim), got %d"
                               % (self.input_dim, u.shape[1]))
        return u

    def run(self, u, learn=True, reset=True, return_pe=False):
        """States (n, units) over u; learn=True applies every unit's rule at
        every step; reset=False continues from the last state. With
        return_pe, (states, predictions, errors) of the self-predicting
        units (0 for the others)."""
        u = self._u(u)
        n, N = u.shape[0], self.units
        x = np.empty((n, N))
        pr = np.empty((n, N)) if return_pe else None
        er = np.empty((n, N)) if return_pe else None
        self._call(lib.lacus_localres_run, C.ptr(u), n, 1 if learn else 0, 1 if reset else 0,
                   C.ptr(x), C.ptr(pr), C.ptr(er))
        return (x, pr, er) if return_pe else x

    def run_neg(self, u, reset=True):
        """Learning run that also returns the negative (time-shuffled) copy's
        states the FF units learn from: (states, neg_states)."""
        u = self._u(u)
        x = np.empty((u.shape[0], self.units))
        xn = np.empty_like(x)
        self._call(lib.lacus_localres_run_neg, C.ptr(u), u.shape[0], 1 if reset else 0, C.ptr(x),
                   C.ptr(xn))
        return x, xn

    def features(self, u, learn=False, reset=True, with_pe=False):
        """Readout features: x(t), or [x, p, e] of the self-predicting units."""
        u = self._u(u)
        w = int(lib.lacus_localres_n_features(self._h(), 1 if with_pe else 0))
        f = np.empty((u.shape[0], w))
        self._call(lib.lacus_localres_features, C.ptr(u), u.shape[0], 1 if learn else 0,
                   1 if reset else 0, 1 if with_pe else 0, C.ptr(f))
        return f

    @property
    def stats(self):
        s = LocalResStats()
        self._call(lib.lacus_localres_stats_get, ctypes.byref(s))
        return {f[0]: getattr(s, f[0]) for f in LocalResStats._fields_}

    def theta(self, i):
        """Unit i's predictor (order [1, x_i(t-1), fan-in states, u(t)])."""
        k = c_int64()
        self._call(lib.lacus_localres_get_theta, int(i), None, ctypes.byref(k))
        out = np.empty(k.value)
        self._call(lib.lacus_localres_get_theta, int(i), C.ptr(out), ctypes.byref(k))
        return out

    def fan_in(self, i):
        k = c_int64()
        self._call(lib.lacus_localres_get_fan_in, int(i), None, ctypes.byref(k))
        out = np.empty(k.value, dtype=np.int64)
        self._call(lib.lacus_localres_get_fan_in, int(i), out.ctypes.data_as(P_int64),
                   ctypes.byref(k))
        return out

    @property
    def W(self):
        N = self.units
        W = np.empty((N, N))
        self._call(lib.lacus_localres_get_W, C.ptr(W))
        return W


# --- linear-Gaussian state-space model, Kalman, tPC ----------------------------------

class _LGSSMArg:
    """A lacus_lgssm over NumPy arrays (kept alive with this object)."""

    def __init__(self, A, B, Cm, q, r):
        self.A = C.as_f64(A, 2, "A")
        nx = self.A.shape[0]
        self.B = (np.zeros((nx, 0)) if B is None else C.as_f64(B, 2, "B"))
        self.C = C.as_f64(Cm, 2, "C")
        if (self.A.shape != (nx, nx) or self.B.shape[0] != nx or self.C.shape[1] != nx):
            raise C.LacusError(-2, "A must be (n_x, n_x), B (n_x, n_u), C (n_y, n_x); got "
                               "%s, %s, %s" % (self.A.shape, self.B.shape, self.C.shape))
        self.s = LGSSM(nx, self.C.shape[0], self.B.shape[1], C.ptr(self.A),
                       C.ptr(self.B) if self.B.size else None, C.ptr(self.C), float(q), float(r))

    def ref(self):
        return ctypes.byref(self.s)

    def uy(self, u, y):
        n_u, n_y = self.s.n_u, self.s.n_y
        y = C.as_f64(y, 2, "y")
        u = np.zeros((y.shape[0], 0)) if u is None else C.as_f64(u, 2, "u")
        if y.shape[1] != n_y or u.shape != (y.shape[0], n_u):
            raise C.LacusError(-2, "u must be (%d, %d) and y (%d, %d); got %s and %s"
                               % (y.shape[0], n_u, y.shape[0], n_y, u.shape, y.shape))
        return u, y


def lgssm_sample(A, B, Cm, q, r, n_steps, seed=0):
    """Samples (u, x, y) of x_k = A x_{k-1} + B u_k + w, y_k = C x_k + v,
    u ~ N(0, 1), w ~ N(0, q I), v ~ N(0, r I)."""
    m = _LGSSMArg(A, B, Cm, q, r)
    n = int(n_steps)
    u = np.empty((max(n, 0), m.s.n_u))
    x = np.empty((max(n, 0), m.s.n_x))
    y = np.empty((max(n, 0), m.s.n_y))
    _call(lib.lacus_lgssm_sample, m.ref(), n, int(seed), C.ptr(u) if u.size else None, C.ptr(x),
          C.ptr(y))
    return u, x, y


def kalman_filter(A, B, Cm, q, r, u, y):
    """E[x_k | y_1..k] (n, n_x): the MSE-optimal filter (P(0) = 0)."""
    m = _LGSSMArg(A, B, Cm, q, r)
    u, y = m.uy(u, y)
    xh = np.empty((y.shape[0], m.s.n_x))
    _call(lib.lacus_kalman_filter, m.ref(), C.ptr(u) if u.size else None, C.ptr(y), y.shape[0],
          C.ptr(xh))
    return xh


class TPC(_Handle):
    """Temporal predictive coding (Millidge et al. 2024), linear: TPC(A, B,
    C, q, r, gamma=0.05, n_iter=100, eta=0, learn_C=False) starts from the
    given model; run(u, y) filters (and learns A, B (, C) when eta > 0) and
    returns xhat (n, n_x); A, B, C give the current matrices."""

    _free = "lacus_tpc_free"
    _errmsg = "lacus_tpc_errmsg"

    def __init__(self, A, B, Cm, q, r, gamma=0.05, n_iter=100, eta=0.0, learn_C=False):
        self._handle = None
        self._m = _LGSSMArg(A, B, Cm, q, r)
        p = lib.lacus_tpc_params_default()
        p.gamma, p.n_iter, p.eta, p.learn_C = float(gamma), int(n_iter), float(eta), int(learn_C)
        h = VP()
        _call(lib.lacus_tpc_create, self._m.ref(), ctypes.byref(p), ctypes.byref(h))
        self._handle = h.value

    def run(self, u, y):
        u, y = self._m.uy(u, y)
        xh = np.empty((y.shape[0], self._m.s.n_x))
        self._call(lib.lacus_tpc_run, C.ptr(u) if u.size else None, C.ptr(y), y.shape[0],
                   C.ptr(xh))
        return xh

    def _get(self):
        s = self._m.s
        A, B, Cm = np.empty((s.n_x, s.n_x)), np.empty((s.n_x, s.n_u)), np.empty((s.n_y, s.n_x))
        self._call(lib.lacus_tpc_get, C.ptr(A), C.ptr(B) if B.size else None, C.ptr(Cm))
        return A, B, Cm

    @property
    def A(self):
        return self._get()[0]

    @property
    def B(self):
        return self._get()[1]

    @property
    def C(self):
        return self._get()[2]


# --- layered Forward-Forward -------------------------------------------------------------

def _labels(y, n, name="labels"):
    a = np.asarray(y)
    if a.shape != (n,):
        raise C.LacusError(-2, "%s must have shape (%d,), got %s" % (name, n, a.shape))
    return np.ascontiguousarray(a, dtype=np.int32)


class ForwardForward(_Handle):
    """Hinton's (2022) Forward-Forward network, label in the input.

    ForwardForward(n_classes, n_layers=2, n_hidden=200, theta=0 (= n_hidden),
    lr=0.01, epochs=30, batch=64, seed=42); fit(X, labels); predict(X) ->
    labels; goodness(X) -> (n, n_classes) summed goodness per label."""

    _free = "lacus_ff_free"
    _errmsg = "lacus_ff_errmsg"

    def __init__(self, n_classes, input_dim=None, **kw):
        self._handle = None
        p = lib.lacus_ff_params_default()
        p.n_classes = int(n_classes)
        C.set_fields(p, kw, "ForwardForward")
        self._params = p
        if input_dim is not None:
            self._create(int(input_dim))

    def _create(self, n_inputs):
        self.close()
        self._params.n_inputs = n_inputs
        h = VP()
        _call(lib.lacus_ff_create, ctypes.byref(self._params), ctypes.byref(h))
        self._handle = h.value

    @property
    def n_layers(self):
        return int(self._params.n_layers)

    def fit(self, X, labels):
        X = C.as_f64(X, 2, "X")
        y = _labels(labels, X.shape[0])
        if not self._handle or X.shape[1] != self._params.n_inputs:
            self._create(X.shape[1])
        self._call(lib.lacus_ff_fit, C.ptr(X), y.ctypes.data_as(P_i32), X.shape[0])
        return self

    def _x(self, X):
        X = C.as_f64(X, 2, "X")
        if X.shape[1] != self._params.n_inputs:
            raise C.LacusError(-2, "X must have %d columns, got %d"
                               % (self._params.n_inputs, X.shape[1]))
        return X

    def goodness(self, X):
        X = self._x(X)
        lab = np.empty(X.shape[0], dtype=np.int32)
        g = np.empty((X.shape[0], self._params.n_classes))
        self._call(lib.lacus_ff_predict, C.ptr(X), X.shape[0], lab.ctypes.data_as(P_i32), C.ptr(g))
        return g

    def predict(self, X):
        X = self._x(X)
        lab = np.empty(X.shape[0], dtype=np.int32)
        self._call(lib.lacus_ff_predict, C.ptr(X), X.shape[0], lab.ctypes.data_as(P_i32), None)
        return lab

    def layer_goodness(self, X, labels, layer):
        """Mean goodness of a layer with the true labels and with wrong ones."""
        X = self._x(X)
        y = _labels(labels, X.shape[0])
        pos, neg = c_double(), c_double()
        self._call(lib.lacus_ff_goodness, C.ptr(X), y.ctypes.data_as(P_i32), X.shape[0],
                   int(layer), ctypes.byref(pos), ctypes.byref(neg))
        return pos.value, neg.value

    def layer_weights(self, layer):
        n_in = int(lib.lacus_ff_layer_n_in(self._h(), int(layer)))
        if n_in <= 0:
            raise C.LacusError(-1, "layer %d: out of range [0, %d)" % (layer, self.n_layers))
        W = np.empty((self._params.n_hidden, n_in))
        b = np.empty(self._params.n_hidden)
        self._call(lib.lacus_ff_layer_get, int(layer), C.ptr(W), C.ptr(b))
        return W, b

    def set_layer_weights(self, layer, W, b):
        W0, b0 = self.layer_weights(layer)
        W = C.as_f64(W, 2, "W")
        b = C.as_f64(b, 1, "b")
        if W.shape != W0.shape or b.shape != b0.shape:
            raise C.LacusError(-2, "layer %d needs W %s and b %s" % (layer, W0.shape, b0.shape))
        self._call(lib.lacus_ff_layer_set, int(layer), C.ptr(W), C.ptr(b))

    def layer_loss_grad(self, layer, in_pos, in_neg):
        """(loss, dW, db) of one positive/negative pair by the local rule."""
        W0, b0 = self.layer_weights(layer)
        a = C.as_f64(in_pos, 1, "in_pos")
        b = C.as_f64(in_neg, 1, "in_neg")
        if a.shape != (W0.shape[1],) or b.shape != a.shape:
            raise C.LacusError(-2, "inputs of layer %d must have %d values" % (layer, W0.shape[1]))
        loss = c_double()
        dW, db = np.empty_like(W0), np.empty_like(b0)
        self._call(lib.lacus_ff_layer_loss_grad, int(layer), C.ptr(a), C.ptr(b),
                   ctypes.byref(loss), C.ptr(dW), C.ptr(db))
        return loss.value, dW, db


def ff_make_task(n, n_inputs, n_classes, noise=0.5, seed=0):
    """The generated static FF task: (X (n, n_inputs), labels (n,))."""
    X = np.empty((max(int(n), 0), max(int(n_inputs), 0)))
    y = np.empty(max(int(n), 0), dtype=np.int32)
    _call(lib.lacus_ff_make_task, int(n), int(n_inputs), int(n_classes), float(noise), int(seed),
          C.ptr(X), y.ctypes.data_as(P_i32))
    return X, y


# --- the comparison harness of `lacus compare` ----------------------------------------

class CompareParams(ctypes.Structure):
    _fields_ = [("n_units", c_int64), ("seed", c_uint64), ("n_train", c_int64),
                ("n_test", c_int64), ("n_seqs", c_int64), ("sr", c_double), ("lr", c_double),
                ("n_pops", c_int), ("pops", LocalPop * MAX_POPS), ("tune_iters", c_int64),
                ("ff_negatives", c_int), ("ff_goodness", c_int)]


class CompareResult(ctypes.Structure):
    _fields_ = [("available", c_int), ("error", c_double), ("metric", ctypes.c_char_p),
                ("higher_better", c_int), ("train_s", c_double), ("n_params", c_int64),
                ("model_kb", c_double), ("note", ctypes.c_char * 160)]


_p("lacus_compare_params_default", CompareParams)
_p("lacus_cmp_task_parse", C.status, ctypes.c_char_p, ctypes.POINTER(c_int), P_err)
_p("lacus_cmp_model_parse", C.status, ctypes.c_char_p, ctypes.POINTER(c_int), P_err)
_p("lacus_compare_run", C.status, ctypes.POINTER(CompareParams), c_int, c_int,
   ctypes.POINTER(CompareResult), P_err)


def compare(task, model, n_units=200, seed=42, n_train=4000, n_test=1000, n_seqs=400, sr=0.0,
            lr=0.0, pops=None, tune_iters=20, ff_negatives="shuffle", ff_goodness="unit"):
    """One cell of `lacus compare`: trains `model` ("esn", "esn3x", "selfpred",
    "selfpred-rls", "selfpred-tpc", "ff", "ip", "hetero", "kalman", "tpc",
    "backward")
    on the generated `task` ("mg84", "narma10", "mc", "lgssm", "seq4") and
    returns a dict: available, error (the task's metric on the test set),
    metric, higher_better, train_s, n_params, model_kb, note."""
    p = lib.lacus_compare_params_default()
    p.n_units, p.seed, p.n_train, p.n_test, p.n_seqs = (int(n_units), int(seed), int(n_train),
                                                        int(n_test), int(n_seqs))
    p.sr, p.lr = float(sr), float(lr)
    p.tune_iters = int(tune_iters)
    p.ff_negatives = _parse("ff_negatives", ff_negatives)
    p.ff_goodness = _parse("ff_goodness_kind", ff_goodness)
    if pops is not None:
        pops = list(pops)
        if not 1 <= len(pops) <= MAX_POPS:
            raise C.LacusError(-1, "pops: 1 to %d populations, got %d" % (MAX_POPS, len(pops)))
        p.n_pops = len(pops)
        for i, (n, rule) in enumerate(pops):
            p.pops[i].n_units = int(n)
            p.pops[i].rule = _parse("local_rule", rule)
    t, m = c_int(), c_int()
    _call(lib.lacus_cmp_task_parse, str(task).encode(), ctypes.byref(t))
    _call(lib.lacus_cmp_model_parse, str(model).encode(), ctypes.byref(m))
    r = CompareResult()
    _call(lib.lacus_compare_run, ctypes.byref(p), t.value, m.value, ctypes.byref(r))
    return dict(available=bool(r.available), error=r.error,
                metric=(r.metric or b"").decode(), higher_better=bool(r.higher_better),
                train_s=r.train_s, n_params=int(r.n_params), model_kb=r.model_kb,
                note=r.note.decode("utf-8", "replace"))
