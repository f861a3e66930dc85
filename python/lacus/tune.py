"""Backward tuning (include/lacus/tune.h): recurrent networks in node form
whose every weight is tuned by an exact adjoint (backward-tuning) gradient
and the spec's optimisers (momentum-filter bank, Gauss-Newton, stochastic),
with robust criteria, sparse priors and pruning; the bridge to ESNs.
"""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_uint64, c_double, c_int, P_double, P_int64

P_err = ctypes.POINTER(C.Error)
VP = ctypes.c_void_p
PVP = ctypes.POINTER(VP)


class TuneNetParams(ctypes.Structure):
    _fields_ = [("unit", c_int), ("n_units", c_int64), ("n_inputs", c_int64),
                ("seed", c_uint64), ("init_mean", c_double), ("init_std", c_double),
                ("fan_in", c_int64), ("leak", c_double), ("learn_leak", c_int),
                ("offset", c_double), ("learn_offset", c_int), ("zeta_lo", c_double),
                ("zeta_hi", c_double), ("sharpness", c_double), ("learn_sharpness", c_int),
                ("input_sparse", c_int)]


class Criterion(ctypes.Structure):
    _fields_ = [("type", c_int), ("nu", c_double), ("n_observed", c_int64),
                ("observed", P_int64), ("stat_lags", c_int64), ("warmup", c_int64),
                ("stat_cross", c_int)]


class GuardStats(ctypes.Structure):
    _fields_ = [("lifted", c_int64), ("saturated", c_int64), ("total", c_int64)]


class TuneInfo(ctypes.Structure):
    _fields_ = [("iter", c_int64), ("cost", c_double), ("nrmse", c_double), ("step", c_double),
                ("chosen", ctypes.c_char_p), ("guard", GuardStats), ("n_edges", c_int64)]


PROGRESS_FN = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(TuneInfo), VP)


class TuneParams(ctypes.Structure):
    _fields_ = [("method", c_int), ("max_iter", c_int64), ("crit_eps", c_double),
                ("w_eps", c_double), ("n_filters", c_int), ("step0", c_double),
                ("ls_tol", c_double), ("damping", c_double), ("gn_max_fanin", c_int64),
                ("guard", c_int), ("reinject", c_int), ("sparse_nu", c_double),
                ("sparse_eps", c_double), ("prune", c_double), ("prune_after", c_int64),
                ("sign", c_int), ("batch_nodes", c_int64), ("window", c_int64),
                ("seed", c_uint64), ("progress", PROGRESS_FN), ("progress_user", VP),
                ("readout_ridge", c_double)]


class TuneResult(ctypes.Structure):
    _fields_ = [("iterations", c_int64), ("cost0", c_double), ("cost", c_double),
                ("nrmse0", c_double), ("nrmse", c_double), ("n_edges0", c_int64),
                ("n_edges", c_int64), ("stopped", c_int)]


class TuneSrc(ctypes.Structure):
    _fields_ = [("node", ctypes.c_int32), ("lag", ctypes.c_int32)]


class WeightInfo(ctypes.Structure):
    _fields_ = [("node", c_int64), ("kind", c_int), ("src0", TuneSrc), ("learnable", c_int),
                ("sparse", c_int), ("edge_dst", c_int64), ("edge_src", c_int64),
                ("lo", c_double), ("hi", c_double)]


_p = C._proto
for _k in ("unit", "crit", "method"):
    _p("lacus_tune_%s_parse" % _k, C.status, ctypes.c_char_p, ctypes.POINTER(c_int))
_p("lacus_tune_net_params_default", TuneNetParams)
_p("lacus_tune_net_create", C.status, ctypes.POINTER(TuneNetParams), PVP, P_err)
_p("lacus_tune_net_free", None, VP)
_p("lacus_tune_net_n_nodes", c_int64, VP)
_p("lacus_tune_net_n_inputs", c_int64, VP)
_p("lacus_tune_net_n_units", c_int64, VP)
_p("lacus_tune_net_n_weights", c_int64, VP)
_p("lacus_tune_net_get_weights", C.status, VP, P_double)
_p("lacus_tune_net_set_weights", C.status, VP, P_double, P_err)
_p("lacus_tune_net_weight_info", C.status, VP, c_int64, ctypes.POINTER(WeightInfo))
_p("lacus_tune_net_set_learnable", C.status, VP, c_int64, c_int)
_p("lacus_tune_net_clone", C.status, VP, PVP, P_err)
_p("lacus_tune_forward", C.status, VP, P_double, c_int64, P_double, P_err)
_p("lacus_tune_criterion_default", Criterion)
_p("lacus_tune_cost", C.status, VP, ctypes.POINTER(Criterion), P_double, P_double, P_double,
   c_int64, P_double, P_err)
_p("lacus_tune_nrmse", c_double, VP, ctypes.POINTER(Criterion), P_double, P_double, c_int64)
_p("lacus_tune_gradient", C.status, VP, ctypes.POINTER(Criterion), P_double, P_double, P_double,
   c_int64, c_int, P_double, P_double, P_double, P_double, ctypes.POINTER(GuardStats), P_err)
_p("lacus_tune_params_default", TuneParams)
_p("lacus_tune_fit", C.status, VP, P_double, P_double, c_int64, ctypes.POINTER(Criterion),
   ctypes.POINTER(TuneParams), ctypes.POINTER(TuneResult), P_err)
_p("lacus_tune_root_target", C.status, ctypes.POINTER(TuneNetParams), c_int64, c_uint64, P_double,
   P_double, P_err)
_p("lacus_tune_net_architecture", C.status, VP, P_double, P_int64, P_int64)
_p("lacus_tune_support_scores", None, P_double, P_double, c_int64, P_double, P_double)
_p("lacus_tune_net_from_esn", C.status, c_int64, c_int64, c_int64, c_double, P_double, P_double,
   P_double, P_double, P_double, PVP, P_err)
_p("lacus_tune_net_to_esn", C.status, VP, P_double, P_double, P_double, P_err)
_p("lacus_tune_fit_readout", C.status, VP, P_double, P_double, c_int64, ctypes.POINTER(Criterion),
   c_double, ctypes.POINTER(TuneResult), P_err)
_p("lacus_tune_net_tie", C.status, VP, c_int64, c_int64, P_err)
_p("lacus_tune_net_tied_to", c_int64, VP, c_int64)
_p("lacus_tune_stat_count", c_int64, ctypes.POINTER(Criterion))
_p("lacus_tune_stat_observables", C.status, ctypes.POINTER(Criterion), P_double, c_int64, c_int64,
   P_double, P_err)
_p("lacus_tune_stat_project", C.status, ctypes.POINTER(Criterion), P_double, P_double, c_int64, c_int,
   P_double, P_double, P_err)
_p("lacus_tune_hidden_targets", C.status, VP, ctypes.POINTER(Criterion), P_double, P_double, c_int64,
   c_int, c_double, P_double, P_double, P_int64, P_err)

KERNEL_KINDS = ("one", "id", "clip", "zeta", "relu", "sig4", "tanh", "shift", "exp", "ratio",
                "aif_leak", "user")
STOPPED = ("max_iter", "crit_eps", "no_progress", "callback")


def _call(fn, *args):
    err = C.new_error()
    C.check(fn(*args, ctypes.byref(err)), err)


def _parse(kind, name):
    v = c_int()
    if getattr(lib, "lacus_tune_%s_parse" % kind)(str(name).encode(), ctypes.byref(v)) != 0:
        raise C.LacusError(-1, "unknown tune %s %r" % (kind, name))
    return v.value


def root_target(n_units, T, unit="lnl", fan_in=0, seed=42, data_seed=1):
    """The spec's protocol: a random root net driven by u ~ N(0, 1) makes the
    target (its node 0). Returns (u (T, 1), target (T, 1))."""
    p = lib.lacus_tune_net_params_default()
    p.unit, p.n_units, p.n_inputs = _parse("unit", unit), int(n_units), 1
    p.fan_in, p.seed = int(fan_in), int(seed)
    u = np.empty((max(int(T), 0), 1))
    y = np.empty((max(int(T), 0), 1))
    _call(lib.lacus_tune_root_target, ctypes.byref(p), int(T), int(data_seed), C.ptr(u), C.ptr(y))
    return u, y


def _stat_crit(n_observed, stat_lags, warmup, stat_cross):
    c = lib.lacus_tune_criterion_default()
    c.type = _parse("crit", "stat")
    c.n_observed = int(n_observed)
    c.stat_lags, c.warmup, c.stat_cross = int(stat_lags), int(warmup), 1 if stat_cross else 0
    return c


def stat_observables(z, stat_lags=4, warmup=0, stat_cross=False):
    """The statistical criterion's observables Omega of a series z (T, O):
    per column its mean and autocorrelations (1/(T-tau)) sum z(t) z(t-tau),
    tau = 1..stat_lags, then (stat_cross) the cross products of every pair
    of columns; after `warmup` steps (lacus_tune_stat_observables)."""
    z = C.as_f64(z, 2, "z")
    c = _stat_crit(z.shape[1], stat_lags, warmup, stat_cross)
    om = np.empty(int(lib.lacus_tune_stat_count(ctypes.byref(c))))
    _call(lib.lacus_tune_stat_observables, ctypes.byref(c), C.ptr(z), z.shape[1], z.shape[0],
          C.ptr(om))
    return om


def stat_project(z, target, stat_lags=4, warmup=0, stat_cross=False, max_iter=50):
    """The statistical criterion's reinjection (spec 1.5): z (T, O) moved by
    minimal-norm Gauss-Newton steps onto {Omega(z) = Omega(target)}.
    Returns (z_proj, violation). Raises when the constraints cannot be met
    (LACUS_ERR_NOT_CONVERGED; lacus_tune_stat_project)."""
    z = C.as_f64(z, 2, "z")
    y = C.as_f64(target, 2, "target")
    if y.shape != z.shape:
        raise C.LacusError(-2, "z is %s but target %s" % (z.shape, y.shape))
    c = _stat_crit(z.shape[1], stat_lags, warmup, stat_cross)
    out, viol = np.empty_like(z), c_double()
    _call(lib.lacus_tune_stat_project, ctypes.byref(c), C.ptr(z), C.ptr(y), z.shape[0],
          int(max_iter), C.ptr(out), ctypes.byref(viol))
    return out, viol.value


def support_scores(C_learned, C_true):
    """(precision, recall) of the learned edges (|C| > 0) against the true ones."""
    a = C.as_f64(C_learned, None, "C_learned").ravel()
    b = C.as_f64(C_true, None, "C_true").ravel()
    if a.shape != b.shape:
        raise C.LacusError(-2, "C_learned has %d entries but C_true %d" % (a.size, b.size))
    pr, rc = c_double(), c_double()
    lib.lacus_tune_support_scores(C.ptr(a), C.ptr(b), a.size, ctypes.byref(pr), ctypes.byref(rc))
    return pr.value, rc.value


class TuneNet(C.Handle):
    """A network in node form (lacus_tune_net).

    TuneNet(n_units, n_inputs=1, unit="lnl" | "linear" | "sparse_relu" |
    "aif" | "softmax", seed=42, and the fields of lacus_tune_net_params:
    init_mean, init_std, fan_in, leak, learn_leak, offset, learn_offset,
    zeta_lo, zeta_hi, sharpness, learn_sharpness, input_sparse).
    TuneNet.from_esn(W, Win, bias, Wout, bout, lr) gives an ESN whose W and
    readout are tuned (to_esn() reads them back)."""

    _free = "lacus_tune_net_free"

    def __init__(self, n_units, n_inputs=1, unit="lnl", **kw):
        self._handle = None
        p = lib.lacus_tune_net_params_default()
        p.unit = _parse("unit", unit)
        p.n_units, p.n_inputs = int(n_units), int(n_inputs)
        C.set_fields(p, kw, "TuneNet")
        h = VP()
        _call(lib.lacus_tune_net_create, ctypes.byref(p), ctypes.byref(h))
        self._handle = h.value
        self._esn = None

    @classmethod
    def from_esn(cls, W, Win, Wout, bias=None, bout=None, lr=1.0):
        W = C.as_f64(W, 2, "W")
        Win = C.as_f64(Win, 2, "Win")
        Wout = C.as_f64(Wout, 2, "Wout")
        N, M, L = W.shape[0], Win.shape[1], Wout.shape[1]
        if W.shape != (N, N) or Win.shape[0] != N or Wout.shape[0] != N:
            raise C.LacusError(-2, "W must be (N, N), Win (N, inputs), Wout (N, outputs); got "
                               "%s, %s, %s" % (W.shape, Win.shape, Wout.shape))
        b = None if bias is None else C.as_f64(bias, 1, "bias")
        bo = None if bout is None else C.as_f64(bout, 1, "bout")
        if (b is not None and b.shape != (N,)) or (bo is not None and bo.shape != (L,)):
            raise C.LacusError(-2, "bias must have %d values and bout %d" % (N, L))
        h = VP()
        _call(lib.lacus_tune_net_from_esn, N, M, L, float(lr), C.ptr(W), C.ptr(Win), C.ptr(b),
              C.ptr(Wout), C.ptr(bo), ctypes.byref(h))
        self = cls.__new__(cls)
        self._handle = h.value
        self._esn = (N, L)
        return self

    def to_esn(self):
        """(W, Wout, bout) of a net made by from_esn."""
        if self._esn is None:
            raise C.LacusError(-9, "to_esn: this net was not made by from_esn")
        N, L = self._esn
        W, Wout, bout = np.empty((N, N)), np.empty((N, L)), np.empty(L)
        _call(lib.lacus_tune_net_to_esn, self._h(), C.ptr(W), C.ptr(Wout), C.ptr(bout))
        return W, Wout, bout

    def copy(self):
        h = VP()
        _call(lib.lacus_tune_net_clone, self._h(), ctypes.byref(h))
        other = TuneNet.__new__(TuneNet)
        other._handle, other._esn = h.value, self._esn
        return other

    @property
    def n_nodes(self):
        return int(lib.lacus_tune_net_n_nodes(self._h()))

    @property
    def n_inputs(self):
        return int(lib.lacus_tune_net_n_inputs(self._h()))

    @property
    def n_units(self):
        return int(lib.lacus_tune_net_n_units(self._h()))

    @property
    def n_weights(self):
        return int(lib.lacus_tune_net_n_weights(self._h()))

    @property
    def weights(self):
        """All kernel weights W_nd (n_weights,), in the order of weight_info."""
        w = np.empty(self.n_weights)
        C.check(lib.lacus_tune_net_get_weights(self._h(), C.ptr(w)))
        return w

    @weights.setter
    def weights(self, w):
        w = C.as_f64(w, 1, "weights")
        if w.shape != (self.n_weights,):
            raise C.LacusError(-2, "weights must have %d values, got %d"
                               % (self.n_weights, w.shape[0]))
        _call(lib.lacus_tune_net_set_weights, self._h(), C.ptr(w))

    def weight_info(self):
        """A structured array describing every weight: node, kind (name),
        src_node (< 0: input -src_node-1), src_lag, learnable, sparse,
        edge_dst, edge_src, lo, hi."""
        n = self.n_weights
        dt = np.dtype([("node", np.int64), ("kind", "U8"), ("src_node", np.int32),
                       ("src_lag", np.int32), ("learnable", bool), ("sparse", bool),
                       ("edge_dst", np.int64), ("edge_src", np.int64), ("lo", float),
                       ("hi", float)])
        out = np.empty(n, dtype=dt)
        wi = WeightInfo()
        for j in range(n):
            C.check(lib.lacus_tune_net_weight_info(self._h(), j, ctypes.byref(wi)))
            out[j] = (wi.node, KERNEL_KINDS[wi.kind], wi.src0.node, wi.src0.lag, wi.learnable,
                      wi.sparse, wi.edge_dst, wi.edge_src, wi.lo, wi.hi)
        return out

    def tie(self, j, k):
        """Weight sharing: weight k joins weight j's group (one parameter from
        then on; lacus_tune_net_tie)."""
        _call(lib.lacus_tune_net_tie, self._h(), int(j), int(k))

    def tied_to(self, j):
        """The representative (smallest index) of weight j's group."""
        r = int(lib.lacus_tune_net_tied_to(self._h(), int(j)))
        if r < 0:
            raise C.LacusError(-2, "weight index %d out of range" % int(j))
        return r

    def set_learnable(self, j, learnable=True):
        C.check(lib.lacus_tune_net_set_learnable(self._h(), int(j), 1 if learnable else 0),
                handle_msg=lambda: b"weight index %d out of range" % int(j))

    def _u(self, u):
        u = C.as_f64(u, 2, "u")
        if u.shape[1] != self.n_inputs:
            raise C.LacusError(-2, "u must have %d columns (n_inputs), got %d"
                               % (self.n_inputs, u.shape[1]))
        return u

    def forward(self, u):
        """Node values x (T, n_nodes) over u (T, n_inputs), from zero."""
        u = self._u(u)
        x = np.empty((u.shape[0], self.n_nodes))
        _call(lib.lacus_tune_forward, self._h(), C.ptr(u), u.shape[0], C.ptr(x))
        return x

    def _crit(self, target, criterion, nu, observed, warmup, stat_lags):
        c = lib.lacus_tune_criterion_default()
        c.type = _parse("crit", criterion)
        if nu is not None:
            c.nu = float(nu)
        c.n_observed = target.shape[1]
        obs = None
        if observed is not None:
            obs = np.ascontiguousarray(observed, dtype=np.int64)
            if obs.shape != (target.shape[1],):
                raise C.LacusError(-2, "observed must list %d nodes (the target's columns)"
                                   % target.shape[1])
            c.observed = obs.ctypes.data_as(P_int64)
        c.warmup = int(warmup)
        if stat_lags is not None:
            c.stat_lags = int(stat_lags)
        return c, obs

    def gradient(self, u, target, criterion="l2", nu=None, observed=None, warmup=0,
                 stat_lags=None, guard=False):
        """(grad (n_weights,), cost) of the criterion by backward tuning (the
        exact adjoint; guard=True: the paper's guard). Fixed weights get 0."""
        u = self._u(u)
        y = C.as_f64(target, 2, "target")
        if y.shape[0] != u.shape[0]:
            raise C.LacusError(-2, "u has %d steps but target %d" % (u.shape[0], y.shape[0]))
        c, keep = self._crit(y, criterion, nu, observed, warmup, stat_lags)
        g = np.empty(self.n_weights)
        cost = c_double()
        _call(lib.lacus_tune_gradient, self._h(), ctypes.byref(c), C.ptr(u), C.ptr(y), None,
              u.shape[0], 1 if guard else 0, C.ptr(g), ctypes.byref(cost), None, None, None)
        return g, cost.value

    def cost(self, u, target, criterion="l2", nu=None, observed=None, warmup=0, stat_lags=None):
        """The criterion C(W) of the trajectory over u (no prior)."""
        x = self.forward(u)
        y = C.as_f64(target, 2, "target")
        c, keep = self._crit(y, criterion, nu, observed, warmup, stat_lags)
        out = c_double()
        _call(lib.lacus_tune_cost, self._h(), ctypes.byref(c), C.ptr(x), C.ptr(y), None,
              y.shape[0], ctypes.byref(out))
        return out.value

    def nrmse(self, u, target, observed=None):
        x = self.forward(u)
        y = C.as_f64(target, 2, "target")
        c, keep = self._crit(y, "l2", None, observed, 0, None)
        return float(lib.lacus_tune_nrmse(self._h(), ctypes.byref(c), C.ptr(x), C.ptr(y),
                                          y.shape[0]))

    def fit(self, u, target, criterion="l2", nu=None, observed=None, warmup=0, stat_lags=None,
            method="both", progress=None, **kw):
        """Tunes the learnable weights on one sequence. method "both" |
        "bank" | "gn" | "stochastic"; keywords are lacus_tune_params' fields
        (max_iter=100, crit_eps, w_eps, n_filters, step0, ls_tol, damping,
        gn_max_fanin, guard, reinject, sparse_nu, sparse_eps, prune,
        prune_after, sign, batch_nodes, window, seed, readout_ridge; reinject=2:
        hidden desired values, spec 1.4). progress(info dict)
        is called after each iteration; a true return stops. Returns a dict:
        iterations, cost0, cost, nrmse0, nrmse, n_edges0, n_edges, stopped."""
        u = self._u(u)
        y = C.as_f64(target, 2, "target")
        if y.shape[0] != u.shape[0]:
            raise C.LacusError(-2, "u has %d steps but target %d" % (u.shape[0], y.shape[0]))
        c, keep = self._crit(y, criterion, nu, observed, warmup, stat_lags)
        p = lib.lacus_tune_params_default()
        p.method = _parse("method", method)
        names = [f[0] for f in TuneParams._fields_ if f[0] not in ("progress", "progress_user")]
        for k, v in kw.items():
            if k not in names:
                raise TypeError("fit: unknown parameter %r" % k)
            setattr(p, k, int(v) if isinstance(v, bool) else v)
        if progress is not None:
            def cb(info, user):
                i = info[0]
                d = dict(iter=i.iter, cost=i.cost, nrmse=i.nrmse, step=i.step,
                         chosen=(i.chosen or b"").decode(), n_edges=i.n_edges)
                return 1 if progress(d) else 0
            p.progress = PROGRESS_FN(cb)
        res = TuneResult()
        _call(lib.lacus_tune_fit, self._h(), C.ptr(u), C.ptr(y), u.shape[0], ctypes.byref(c),
              ctypes.byref(p), ctypes.byref(res))
        out = {f[0]: getattr(res, f[0]) for f in TuneResult._fields_}
        out["stopped"] = STOPPED[res.stopped]
        return out

    def fit_readout(self, u, target, criterion="l2", nu=None, observed=None, warmup=0, ridge=0.0):
        """The readout-only solve (spec 1.3e): observed nodes teacher-forced,
        their learnable weights solved by least squares (ridge 0: minimum
        change), then one line search of the free-running criterion. Returns
        the result dict of fit (lacus_tune_fit_readout)."""
        u = self._u(u)
        y = C.as_f64(target, 2, "target")
        if y.shape[0] != u.shape[0]:
            raise C.LacusError(-2, "u has %d steps but target %d" % (u.shape[0], y.shape[0]))
        c, keep = self._crit(y, criterion, nu, observed, warmup, None)
        res = TuneResult()
        _call(lib.lacus_tune_fit_readout, self._h(), C.ptr(u), C.ptr(y), u.shape[0], ctypes.byref(c),
              float(ridge), ctypes.byref(res))
        out = {f[0]: getattr(res, f[0]) for f in TuneResult._fields_}
        out["stopped"] = STOPPED[res.stopped]
        return out

    def hidden_targets(self, u, target, observed=None, warmup=0, max_sweeps=20, tol=1e-6):
        """Hidden desired values (spec 1.4): with the observed nodes clamped to
        the target, the trajectory xhat (T, n_nodes) that best satisfies the
        network equations (lacus_tune_hidden_targets). Returns (xhat,
        (E_start, E_end), sweeps)."""
        u = self._u(u)
        y = C.as_f64(target, 2, "target")
        if y.shape[0] != u.shape[0]:
            raise C.LacusError(-2, "u has %d steps but target %d" % (u.shape[0], y.shape[0]))
        c, keep = self._crit(y, "l2", None, observed, warmup, None)
        xh, E, k = np.empty((u.shape[0], self.n_nodes)), np.empty(2), c_int64()
        _call(lib.lacus_tune_hidden_targets, self._h(), ctypes.byref(c), C.ptr(u), C.ptr(y),
              u.shape[0], int(max_sweeps), float(tol), C.ptr(xh), C.ptr(E), ctypes.byref(k))
        return xh, (float(E[0]), float(E[1])), int(k.value)

    def architecture(self):
        """(C (n_units, n_units + n_inputs) of sparse weights, n_edges,
        fan-in histogram (n_units + n_inputs + 1))."""
        n, m = self.n_units, self.n_inputs
        Cm, hist, ne = np.empty((n, n + m)), np.empty(n + m + 1, dtype=np.int64), c_int64()
        C.check(lib.lacus_tune_net_architecture(self._h(), C.ptr(Cm), ctypes.byref(ne),
                                                hist.ctypes.data_as(P_int64)),
                handle_msg=lambda: b"architecture: needs a unit net (not a custom one)")
        return Cm, int(ne.value), hist
