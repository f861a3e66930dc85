"""ESN: a reservoir and a ridge readout trained over many sequences."""

import ctypes
import os

import numpy as np

from . import _capi as C
from ._capi import lib
from .reservoir import Reservoir, build_params, check_params
from .ridge import as_sequences


class FullForceParams(ctypes.Structure):
    """lacus_full_force_params (include/lacus/esn.h)."""
    _fields_ = [("alpha", ctypes.c_double), ("forgetting", ctypes.c_double),
                ("init_J", ctypes.c_int), ("hints", ctypes.POINTER(C.Seqs)),
                ("hint_scaling", ctypes.c_double), ("hint_seed", ctypes.c_uint64)]


class FullForceReport(ctypes.Structure):
    _fields_ = [("n_learned", ctypes.c_int64), ("current_nrmse_first", ctypes.c_double),
                ("current_nrmse_last", ctypes.c_double), ("output_nrmse_last", ctypes.c_double)]


_VP = ctypes.c_void_p
_PS = ctypes.POINTER(C.Seqs)
C._proto("lacus_full_force_params_default", FullForceParams)
C._proto("lacus_full_force_hint_weights", C.status, ctypes.c_int64, ctypes.c_int64,
         ctypes.c_double, ctypes.c_uint64, C.P_double)
C._proto("lacus_esn_full_force", C.status, _VP, _PS, _PS, ctypes.POINTER(FullForceParams),
         ctypes.POINTER(FullForceReport))
C._proto("lacus_esn_set_noise", C.status, _VP, ctypes.c_double, ctypes.c_double)


def _proto_plasticity():
    """Declares lacus_esn_fit_ip/fit_local on first use: their parameter
    structs live in plasticity.py, which imports this module's siblings."""
    from . import plasticity as P
    if not getattr(lib.lacus_esn_fit_ip, "argtypes", None):
        C._proto("lacus_esn_fit_ip", C.status, _VP, _PS, ctypes.POINTER(P.IPParams),
                 ctypes.c_int64, C.P_double, C.P_double)
        C._proto("lacus_esn_fit_local", C.status, _VP, _PS, ctypes.POINTER(P.PlasticityParams),
                 ctypes.c_int64)
_FF_INIT = {"W": 0, "zero": 1}


def full_force_hint_weights(units, n_hints, scaling=1.0, seed=0):
    """The hint weights u_h (units, n_hints) that ESN.full_force(hints=...)
    uses with this hint_scaling and hint_seed: scaling * U(-1, 1) from lacus's
    RNG."""
    out = np.empty((int(units), int(n_hints)), dtype=np.float64)
    st = lib.lacus_full_force_hint_weights(int(units), int(n_hints), float(scaling),
                                           int(seed), C.ptr(out))
    if st:
        raise C.LacusError(st, "full_force_hint_weights: units and n_hints must be >= 1")
    return out


class ESN:
    """Echo state network, ReservoirPy's `Reservoir(...) >> Ridge(ridge)`.

    ESN(units=500, lr=0.3, sr=1.25, ridge=1e-6, warmup=100, seed=42, ...):
    the reservoir hyperparameters are Reservoir's (W, Win, bias may be
    arrays); ridge, bias_mode ("centered"), solver and feed_input configure
    the readout. The C model is created when the input size is known
    (input_dim=, a Win array, or the first fit).

    feedback=k > 0 feeds the k outputs back into the reservoir
    (ReservoirPy's `reservoir << readout`): Win then has input_dim + k
    columns, the feedback ones drawn with gain fb_scaling (with the input
    columns' connectivity and initialiser, or, when fb_connectivity > 0, with
    their own: fb_connectivity and fb_init, ReservoirPy's Wfb); fit uses the
    targets as feedback (teacher forcing), run the model's own predictions
    (closed loop), and force() trains it by FORCE learning.
    """

    def __init__(self, units=None, ridge=0.0, warmup=0, feed_input=False,
                 bias_mode="centered", solver="auto", input_dim=None, feedback=0,
                 fb_scaling=1.0, fb_connectivity=0.0, fb_init="bernoulli", **reservoir_kw):
        Win = reservoir_kw.get("Win")
        if (input_dim is None and int(feedback) > 0
                and isinstance(Win, (np.ndarray, list, tuple))):
            # Win carries the feedback columns too; the input size is the rest.
            input_dim = np.shape(Win)[1] - int(feedback)
        rp, self._keep, pending = build_params(units, input_dim=input_dim, **reservoir_kw)
        check_params(rp)
        p = lib.lacus_esn_params_default()
        p.reservoir = rp
        p.readout.ridge = float(ridge)
        p.readout.bias = C.parse_enum("bias_mode", bias_mode)
        p.readout.solver = C.parse_enum("solver", solver)
        p.warmup = int(warmup)
        p.feed_input = 1 if feed_input else 0
        p.n_feedback = int(feedback)
        p.fb_scaling = float(fb_scaling)
        p.fb_connectivity = float(fb_connectivity)
        p.fb_init = C.parse_enum("init", fb_init)
        self._params = p
        self._handle = None
        self._custom_weights = False
        self.reservoir = Reservoir._borrowed(self)
        self._pending = pending
        if rp.n_inputs > 0:
            self._create(rp.n_inputs)

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_esn_free(self._handle)
            self._handle = None

    # -- handle -----------------------------------------------------------------
    def _create(self, n_inputs, warmup=None):
        """Creates (or re-creates, for another warmup) the C model. The same
        seed draws the same weights; weights the user set are copied over."""
        old = self._handle
        copied = {}
        if old and self._custom_weights:
            copied = dict(W=self.reservoir.W, Win=self.reservoir.Win,
                          bias=self.reservoir.bias)
        p = self._params
        p.reservoir.n_inputs = int(n_inputs)
        if warmup is not None:
            p.warmup = int(warmup)
        h = ctypes.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_esn_create(ctypes.byref(p), ctypes.byref(h), ctypes.byref(err)), err)
        self._handle = h.value
        if old:
            lib.lacus_esn_free(old)
        # self._keep stays: p.reservoir's per-unit pointers refer to it, and a
        # later re-creation (another warmup) reads them again.
        pending, self._pending = dict(self._pending, **copied), {}
        for name, a in pending.items():
            setattr(self.reservoir, name, a)
            self._custom_weights = True

    def _reservoir_handle(self):
        return lib.lacus_esn_reservoir(self._h())

    def _h(self):
        if not self._handle:
            raise C.LacusError(-9, "ESN not initialised: its input size is unknown "
                                   "(give input_dim, a Win array, or fit it)")
        return self._handle

    def _call(self, fn, *args):
        h = self._h()
        C.check(fn(h, *args), handle_msg=lambda: lib.lacus_esn_errmsg(h))

    def _ensure(self, n_inputs, warmup=None):
        if not self._handle:
            self._create(n_inputs, warmup)
        elif warmup is not None and int(warmup) != self._params.warmup:
            self._create(self._params.reservoir.n_inputs, warmup)

    # -- weights ---------------------------------------------------------------------
    @property
    def units(self):
        return int(self._params.reservoir.n_units)

    @property
    def warmup(self):
        return int(self._params.warmup)

    @property
    def n_outputs(self):
        return int(lib.lacus_esn_n_outputs(self._h()))

    @property
    def is_trained(self):
        return bool(self._handle) and bool(lib.lacus_esn_is_trained(self._handle))

    def _readout_weights(self):
        if not self.is_trained:
            raise C.LacusError(-9, "ESN: the readout is not trained")
        n_feat = self.units + (self._params.reservoir.n_inputs if self._params.feed_input else 0)
        W = np.empty((n_feat, self.n_outputs), dtype=np.float64)
        b = np.empty(self.n_outputs, dtype=np.float64)
        ro = lib.lacus_esn_readout(self._handle)
        C.check(lib.lacus_ridge_get_weights(ro, C.ptr(W), C.ptr(b)),
                handle_msg=lambda: lib.lacus_ridge_errmsg(ro))
        return W, b

    @property
    def Wout(self):
        """Readout weights (units [+ input_dim with feed_input], n_outputs)."""
        return self._readout_weights()[0]

    @property
    def bout(self):
        """Readout bias (n_outputs,)."""
        return self._readout_weights()[1]

    # -- training and running -----------------------------------------------------------
    def fit(self, X, Y, warmup=None):
        """Trains the readout on one sequence or a list of them, each from a
        zero state, dropping the first `warmup` steps of each (default: the
        constructor's). Returns self."""
        xs, _ = as_sequences(X, "X")
        ys, _ = as_sequences(Y, "Y")
        if len(xs) != len(ys):
            raise C.LacusError(-2, "X has %d sequences but Y has %d" % (len(xs), len(ys)))
        if not xs:
            raise C.LacusError(-1, "fit: no sequences")
        self._ensure(xs[0].shape[1], warmup)
        a, b = C.SeqsArg(xs), C.SeqsArg(ys)
        self._call(lib.lacus_esn_fit, a.ref(), b.ref())
        return self

    def force(self, X, Y, alpha=1.0, forgetting=1.0, warmup=None):
        """FORCE learning (Sussillo & Abbott 2009): trains the readout by RLS
        while the reservoir runs on its own fed-back output (needs
        feedback = Y's width). P(0) = I / alpha; forgetting in (0, 1]. The
        first `warmup` steps of each sequence run but are not learned.
        Afterwards run/generate/save use the learned weights. Returns self."""
        xs, _ = as_sequences(X, "X")
        ys, _ = as_sequences(Y, "Y")
        if len(xs) != len(ys) or not xs:
            raise C.LacusError(-2, "force: X has %d sequences but Y has %d"
                               % (len(xs), len(ys)))
        self._ensure(xs[0].shape[1], warmup)
        a, b = C.SeqsArg(xs), C.SeqsArg(ys)
        self._call(lib.lacus_esn_force, a.ref(), b.ref(), float(alpha), float(forgetting))
        return self

    def full_force(self, X, Y, alpha=1.0, forgetting=1.0, init_J="W", hints=None,
                   hint_scaling=1.0, hint_seed=0, warmup=None):
        """full-FORCE (DePasquale et al. 2018; lacus_esn_full_force): learns
        the recurrent weights J by RLS so that the task net (no feedback)
        takes in the current of a target-driven copy of the reservoir, and
        the readout beside them. Needs feedback = Y's width. init_J: "W"
        (J(0) = W) or "zero". hints: one array per sequence
        (n_steps, n_hints) fed into the target-generating net only, through
        full_force_hint_weights(units, n_hints, hint_scaling, hint_seed).
        Afterwards W is J and run/generate/save use the task net. Returns
        the learning report as a dict (n_learned, current_nrmse_first,
        current_nrmse_last, output_nrmse_last)."""
        xs, _ = as_sequences(X, "X")
        ys, _ = as_sequences(Y, "Y")
        if len(xs) != len(ys) or not xs:
            raise C.LacusError(-2, "full_force: X has %d sequences but Y has %d"
                               % (len(xs), len(ys)))
        if init_J not in _FF_INIT:
            raise C.LacusError(-1, "full_force: init_J %r: must be 'W' or 'zero'" % (init_J,))
        self._ensure(xs[0].shape[1], warmup)
        fp = lib.lacus_full_force_params_default()
        fp.alpha = float(alpha)
        fp.forgetting = float(forgetting)
        fp.init_J = _FF_INIT[init_J]
        fp.hint_scaling = float(hint_scaling)
        if int(hint_seed) < 0:
            raise C.LacusError(-1, "full_force: hint_seed %d: must be >= 0" % int(hint_seed))
        fp.hint_seed = int(hint_seed)
        hs = None
        if hints is not None:
            hl, _ = as_sequences(hints, "hints")
            hs = C.SeqsArg(hl)
            fp.hints = ctypes.pointer(hs.seqs)
        a, b = C.SeqsArg(xs), C.SeqsArg(ys)
        rep = FullForceReport()
        self._call(lib.lacus_esn_full_force, a.ref(), b.ref(), ctypes.byref(fp),
                   ctypes.byref(rep))
        self._custom_weights = True
        return {k: getattr(rep, k) for k, _ in FullForceReport._fields_}

    def fit_ip(self, X, epochs=1, mu=0.0, sigma=1.0, eta=5e-4, warmup=0):
        """Intrinsic plasticity of the reservoir on X before fit
        (lacus_esn_fit_ip; Schrauwen 2008 for tanh, Triesch 2005 for
        sigmoid): learns per-unit gains a and biases b and folds them into
        W, Win and bias. Needs lr = 1, no feedback, no noise. Returns (a, b)."""
        _proto_plasticity()
        xs, _ = as_sequences(X, "X")
        if not xs:
            raise C.LacusError(-1, "fit_ip: no sequences")
        self._ensure(xs[0].shape[1])
        ip = lib.lacus_ip_params_default()
        ip.mu, ip.sigma, ip.eta = float(mu), float(sigma), float(eta)
        ip.epochs, ip.warmup = int(epochs), int(warmup)
        n = self.units
        ga, gb = np.empty(n), np.empty(n)
        a = C.SeqsArg(xs)
        self._call(lib.lacus_esn_fit_ip, a.ref(), ctypes.byref(ip), int(epochs), C.ptr(ga),
                   C.ptr(gb))
        self._custom_weights = True
        return ga, gb

    def fit_local(self, X, rule="oja", eta=1e-3, epochs=1, bcm_theta=0.0,
                  synapse_normalization=False, sr_after=0.0, warmup=0):
        """Local plasticity of W's non-zeros on X before fit
        (lacus_esn_fit_local): rule "oja", "anti-oja", "hebbian",
        "anti-hebbian" or "bcm"; sr_after > 0 rescales W to that spectral
        radius afterwards. Needs lr = 1, no feedback, no noise. Returns self."""
        _proto_plasticity()
        from . import plasticity
        xs, _ = as_sequences(X, "X")
        if not xs:
            raise C.LacusError(-1, "fit_local: no sequences")
        self._ensure(xs[0].shape[1])
        pp = lib.lacus_plasticity_params_default()
        r = ctypes.c_int()
        if lib.lacus_plasticity_rule_parse(str(rule).encode(), ctypes.byref(r)) != 0:
            raise C.LacusError(-1, "fit_local: rule %r: must be oja, anti-oja, hebbian, "
                                   "anti-hebbian or bcm" % (rule,))
        pp.rule = r.value
        pp.eta, pp.bcm_theta = float(eta), float(bcm_theta)
        pp.synapse_normalization = 1 if synapse_normalization else 0
        pp.epochs, pp.warmup, pp.sr_after = int(epochs), int(warmup), float(sr_after)
        assert ctypes.sizeof(pp) == ctypes.sizeof(plasticity.PlasticityParams)
        a = C.SeqsArg(xs)
        self._call(lib.lacus_esn_fit_local, a.ref(), ctypes.byref(pp), int(epochs))
        self._custom_weights = True
        return self

    def set_noise(self, noise_rc=0.0, noise_in=0.0):
        """Sets the reservoir's noise gains for later runs, generations and
        fits (Jaeger & Haas 2004 train with state noise, then run without:
        fit, then set_noise(0, 0)). Returns self."""
        self._call(lib.lacus_esn_set_noise, float(noise_rc), float(noise_in))
        self._params.reservoir.noise_rc = float(noise_rc)
        self._params.reservoir.noise_in = float(noise_in)
        return self

    def fit_online(self, X, Y, method="rls", alpha=1e-6, forgetting=1.0, fit_bias=True,
                   warmup=None):
        """Trains the readout online by RLS or LMS ("rls" | "lms"), one step
        at a time through each sequence (ReservoirPy's (reservoir >>
        RLS()).partial_fit). Not with feedback (use force). Returns self."""
        xs, _ = as_sequences(X, "X")
        ys, _ = as_sequences(Y, "Y")
        if len(xs) != len(ys) or not xs:
            raise C.LacusError(-2, "fit_online: X has %d sequences but Y has %d"
                               % (len(xs), len(ys)))
        self._ensure(xs[0].shape[1], warmup)
        op = lib.lacus_online_params_default()
        if method not in C.ONLINE_METHODS:
            raise C.LacusError(-1, "fit_online: method %r: must be 'rls' or 'lms'" % (method,))
        op.method = C.ONLINE_METHODS[method]
        op.alpha = float(alpha)
        op.forgetting = float(forgetting)
        op.fit_bias = 1 if fit_bias else 0
        a, b = C.SeqsArg(xs), C.SeqsArg(ys)
        self._call(lib.lacus_esn_fit_online, a.ref(), b.ref(), ctypes.byref(op))
        return self

    @property
    def feedback(self):
        return int(self._params.n_feedback)

    def run(self, X):
        """Predictions (n_steps, n_outputs) for one sequence, or a list for a
        list; each sequence starts from a zero state."""
        xs, is_list = as_sequences(X, "X")
        n_out = self.n_outputs
        outs = [np.empty((x.shape[0], n_out), dtype=np.float64) for x in xs]
        if xs:
            a = C.SeqsArg(xs)
            self._call(lib.lacus_esn_run, a.ref(), C.out_ptrs(outs))
        return outs if is_list else outs[0]

    predict = run

    def partial_fit(self, u, y, new_sequence=True, warmup=None):
        """Adds one chunk of a sequence (u (n, input_dim), y (n, outputs));
        new_sequence=False continues from the previous chunk's state. The
        first call discards earlier training. Call solve() at the end."""
        u = C.as_f64(u, 2, "u")
        y = C.as_f64(y, 2, "y")
        if u.shape[0] != y.shape[0]:
            raise C.LacusError(-2, "u has %d rows but y has %d" % (u.shape[0], y.shape[0]))
        self._ensure(u.shape[1], warmup)
        if u.shape[1] != self._params.reservoir.n_inputs:
            raise C.LacusError(-2, "u must have %d columns (input_dim), got %d"
                               % (self._params.reservoir.n_inputs, u.shape[1]))
        self._call(lib.lacus_esn_partial_fit, C.ptr(u), C.ptr(y), u.shape[0], y.shape[1],
                   1 if new_sequence else 0)
        return self

    def solve(self):
        """Solves the readout from the chunks given to partial_fit. Returns self."""
        self._call(lib.lacus_esn_solve)
        return self

    def generate(self, warmup, n_steps):
        """Closed-loop generation for a model whose outputs are its next
        inputs (n_outputs == input_dim, else LacusError SHAPE). From a zero
        state, runs over `warmup` (n_warmup >= 1, input_dim), then feeds each
        prediction back as the next input. Returns (n_steps, n_outputs):
        row 0 is the prediction from the last warm-up step, so with a model
        trained on s[t] -> s[t+1] and warmup = s[:n], row k forecasts
        s[n + k]. Divergence raises LacusError NUMERIC naming the step."""
        warmup = C.as_f64(warmup, 2, "warmup")
        n_steps = int(n_steps)
        h = self._h()
        n_in = int(self._params.reservoir.n_inputs)
        if warmup.shape[1] != n_in:
            raise C.LacusError(-2, "generate: warmup must have %d columns (input_dim), got %d"
                               % (n_in, warmup.shape[1]))
        n_out = int(lib.lacus_esn_n_outputs(h))
        out = np.empty((max(n_steps, 0), max(n_out, 1)), dtype=np.float64)
        self._call(lib.lacus_esn_generate, C.ptr(warmup), warmup.shape[0], n_steps, C.ptr(out))
        return out

    # -- files -----------------------------------------------------------------------
    def save(self, path):
        """Writes the model (.npz with a manifest; numpy.load opens it)."""
        err = C.new_error()
        C.check(lib.lacus_esn_save(self._h(), os.fsencode(path), ctypes.byref(err)), err)

    @classmethod
    def load(cls, path):
        err = C.new_error()
        h = ctypes.c_void_p()
        C.check(lib.lacus_esn_load(os.fsencode(path), ctypes.byref(h), ctypes.byref(err)), err)
        self = cls.__new__(cls)
        self._handle = h.value
        self._keep = []
        self._pending = {}
        self._custom_weights = True
        self.reservoir = Reservoir._borrowed(self)
        p = lib.lacus_esn_params_default()
        p.reservoir = lib.lacus_reservoir_params_get(lib.lacus_esn_reservoir(h.value))[0]
        # Copy the per-unit arrays out of the handle: a re-creation reads them
        # after the old handle is freed.
        rp = p.reservoir
        if rp.lr_per_unit:
            a = np.ctypeslib.as_array(rp.lr_per_unit, shape=(rp.n_units,)).copy()
            self._keep.append(a)
            rp.lr_per_unit = C.ptr(a)
        if rp.input_scaling_per_input:
            a = np.ctypeslib.as_array(rp.input_scaling_per_input, shape=(rp.n_inputs,)).copy()
            self._keep.append(a)
            rp.input_scaling_per_input = C.ptr(a)
        p.reservoir = rp
        self._params = p
        try:
            # ridge, warmup and feed_input live in the manifest; keep them for a refit.
            import json
            import zipfile
            with zipfile.ZipFile(os.fspath(path)) as z:
                m = json.loads(z.read("manifest.json"))
            ro = m.get("readout", {})
            p.readout.ridge = float(ro.get("ridge", p.readout.ridge))
            p.readout.bias = C.parse_enum("bias_mode", ro.get("bias", "centered"))
            p.readout.solver = C.parse_enum("solver", ro.get("solver", "auto"))
            p.warmup = int(m.get("warmup", p.warmup))
            p.feed_input = 1 if m.get("feed_input", False) else 0
            p.n_feedback = int(m.get("n_feedback", 0))
            p.fb_scaling = float(m.get("fb_scaling", 1.0))
            p.fb_connectivity = float(m.get("fb_connectivity", 0.0))
            p.fb_init = C.parse_enum("init", m.get("fb_init", "bernoulli"))
            # The reservoir's Win includes the feedback columns; the ESN's
            # input size does not.
            p.reservoir.n_inputs = rp.n_inputs - p.n_feedback
        except Exception:
            pass
        return self

    def __repr__(self):
        return "ESN(units=%d, ridge=%g, warmup=%d, trained=%s)" % (
            self.units, self._params.readout.ridge, self.warmup, self.is_trained)
