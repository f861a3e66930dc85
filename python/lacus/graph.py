"""Model graphs: input, reservoir and ridge nodes joined by edges, with
ReservoirPy 0.4.2's Model semantics (docs/graph.md).

    g = lacus.Graph()
    g.input("in", 1)
    g.reservoir("r0", units=300, lr=0.3, sr=1.1, seed=1)
    g.ridge("ro", outputs=1, ridge=1e-6)
    g.connect("in", "r0"); g.connect("r0", "ro"); g.connect("ro", "r0", delay=1)
    g.fit(u, {"ro": y}, warmup=100)      # u goes to every graph input
    pred = g.run(u_test)                 # the last ridge node's outputs
"""

import ctypes
import types

import numpy as np

from . import _capi as C
from ._capi import lib
from .reservoir import build_params, check_params
from .ridge import as_sequences

KINDS = {0: "input", 1: "reservoir", 2: "ridge", 3: "prep", 4: "online"}


class Graph:
    """A model graph; see the module docstring. Nodes are named; edges are
    (from, to, delay) with ReservoirPy's `>>` (delay 0), `<<` (b feeds a:
    connect(b, a, 1)) and `>> k >>` (delay k)."""

    def __init__(self):
        h = C.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_graph_create(ctypes.byref(h), ctypes.byref(err)), err)
        self._handle = h.value
        self._pending = {}  # node -> weights given as arrays (set at initialize)

    @classmethod
    def load(cls, path):
        g = cls.__new__(cls)
        h = C.c_void_p()
        err = C.new_error()
        C.check(lib.lacus_graph_load(str(path).encode(), ctypes.byref(h), ctypes.byref(err)), err)
        g._handle = h.value
        g._pending = {}
        return g

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_graph_free(self._handle)
            self._handle = None

    def _call(self, fn, *args):
        h = self._handle
        C.check(fn(h, *args), handle_msg=lambda: lib.lacus_graph_errmsg(h))

    def _id(self, node):
        if isinstance(node, (int, np.integer)):
            return int(node)
        i = lib.lacus_graph_find(self._handle, str(node).encode())
        if i < 0:
            raise C.LacusError(-1, "no node named %r" % (node,))
        return i

    # -- building -----------------------------------------------------------------
    def input(self, name, features):
        i = C.c_int64()
        self._call(lib.lacus_graph_add_input, name.encode(), int(features), ctypes.byref(i))
        return name

    def reservoir(self, name, units=None, **kw):
        """A reservoir node with Reservoir's hyperparameters (W, Win, bias
        may be arrays: they are set when the graph is initialised)."""
        rp, keep, weights = build_params(units, input_dim=1, **kw)
        check_params(rp)
        i = C.c_int64()
        self._call(lib.lacus_graph_add_reservoir, name.encode(), ctypes.byref(rp),
                   ctypes.byref(i))
        del keep
        if weights:
            self._pending[name] = weights
        return name

    def ridge(self, name, outputs, ridge=0.0, bias="centered", solver="auto"):
        p = lib.lacus_ridge_params_default()
        p.n_outputs = int(outputs)
        p.ridge = float(ridge)
        p.bias = C.parse_enum("bias_mode", bias)
        p.solver = C.parse_enum("solver", solver)
        i = C.c_int64()
        self._call(lib.lacus_graph_add_ridge, name.encode(), ctypes.byref(p), ctypes.byref(i))
        return name

    def prep(self, name, kind="minmax", range=(-1.0, 1.0), delay=2, stride=1):
        """A preprocessing node: "minmax" (to `range`), "zscore" or "delay"
        (k = delay blocks, stride s, zeros before the start); fitted by fit
        on the training inputs and saved with the graph."""
        if kind not in C.PREP_KINDS:
            raise C.LacusError(-1, "prep kind %r: expected minmax, zscore or delay" % (kind,))
        p = lib.lacus_prep_params_default()
        p.kind = C.PREP_KINDS[kind]
        p.range_lo, p.range_hi = float(range[0]), float(range[1])
        p.delay, p.stride = int(delay), int(stride)
        i = C.c_int64()
        self._call(lib.lacus_graph_add_prep, name.encode(), ctypes.byref(p), ctypes.byref(i))
        return name

    def online(self, name, outputs, method="rls", alpha=1e-6, forgetting=1.0, fit_bias=True):
        """An online readout, ReservoirPy's RLS (alpha: P(0) = I / alpha) or
        LMS (alpha: the learning rate); trained by fit (forced teaching) or
        partial_fit (step by step)."""
        if method not in C.ONLINE_METHODS:
            raise C.LacusError(-1, "method %r: expected rls or lms" % (method,))
        p = lib.lacus_online_params_default()
        p.n_outputs, p.method = int(outputs), C.ONLINE_METHODS[method]
        p.alpha, p.forgetting, p.fit_bias = float(alpha), float(forgetting), int(bool(fit_bias))
        i = C.c_int64()
        self._call(lib.lacus_graph_add_online, name.encode(), ctypes.byref(p), ctypes.byref(i))
        return name

    def connect(self, a, b, delay=0):
        self._call(lib.lacus_graph_connect, self._id(a), self._id(b), int(delay))

    # -- introspection ------------------------------------------------------------
    @property
    def nodes(self):
        n = lib.lacus_graph_n_nodes(self._handle)
        return [lib.lacus_graph_node_name(self._handle, i).decode() for i in range(n)]

    def kind(self, node):
        return KINDS[lib.lacus_graph_node_kind(self._handle, self._id(node))]

    def _ids(self, fn):
        n = fn(self._handle, None, 0)
        ids = (C.c_int64 * max(n, 1))()
        fn(self._handle, ids, n)
        return [int(ids[k]) for k in range(n)]

    @property
    def inputs(self):
        """Names of the graph inputs (nodes without delay-0 parents)."""
        return [self.nodes[i] for i in self._ids(lib.lacus_graph_inputs)]

    @property
    def readouts(self):
        return [self.nodes[i] for i in self._ids(lib.lacus_graph_readouts)]

    # -- training and running -------------------------------------------------------
    def _inputs(self, X):
        """Per graph input, a list of sequences: X is one array/list (for every
        input) or a dict name -> array/list."""
        names = self.inputs
        seqs = []
        for n in names:
            x = X[n] if isinstance(X, dict) else X
            xs, is_list = as_sequences(x, "X[%s]" % n)
            seqs.append(xs)
        return names, seqs, is_list

    def initialize(self, input_dims):
        """Creates the reservoirs and readouts now; input_dims: one width per
        graph input, or a dict name -> width. Sets weights given as arrays."""
        names = self.inputs
        dims = [input_dims[n] for n in names] if isinstance(input_dims, dict) else list(input_dims)
        arr = (C.c_int64 * max(len(dims), 1))(*[int(d) for d in dims])
        self._call(lib.lacus_graph_initialize, arr)
        for name, weights in self._pending.items():
            r = lib.lacus_graph_reservoir(self._handle, self._id(name))
            for w, a in weights.items():
                C.check(getattr(lib, "lacus_reservoir_set_%s" % w)(r, C.ptr(a)),
                        handle_msg=lambda: lib.lacus_reservoir_errmsg(r))
        self._pending = {}

    def set_weights(self, node, W=None, Win=None, bias=None):
        """Sets a reservoir node's matrices (after initialize or fit)."""
        r = lib.lacus_graph_reservoir(self._handle, self._id(node))
        if not r:
            raise C.LacusError(-9, "%r is not an initialised reservoir node" % (node,))
        for w, a in (("W", W), ("Win", Win), ("bias", bias)):
            if a is not None:
                a = C.as_f64(a, 1 if w == "bias" else 2, w)
                C.check(getattr(lib, "lacus_reservoir_set_%s" % w)(r, C.ptr(a)),
                        handle_msg=lambda: lib.lacus_reservoir_errmsg(r))

    def fit(self, X, Y, warmup=0):
        """Trains every ridge node: Y is a dict readout name -> targets (or,
        with one readout, the targets). Forced teaching, as Model.fit."""
        args = self._fit_args(X, Y)
        self._call(lib.lacus_graph_fit, args.inputs, args.targets, int(warmup))
        return self

    def _fit_args(self, X, Y):
        """The C arrays of a fit's inputs and targets (Y: dict readout name
        -> targets, or with one readout the targets), initialising a pending
        graph; the returned object keeps the arrays they point into alive."""
        _, seqs, _ = self._inputs(X)
        ro = self.readouts
        if not isinstance(Y, dict):
            if len(ro) != 1:
                raise C.LacusError(-1, "the graph has %d readouts: give Y as a dict" % len(ro))
            Y = {ro[0]: Y}
        missing = [r for r in ro if r not in Y]
        if missing:
            raise C.LacusError(-1, "no targets for readout(s) %s" % ", ".join(missing))
        if self._pending:
            self.initialize([s[0].shape[1] for s in seqs])
        a = types.SimpleNamespace(seqs=seqs)
        a.ins = [C.SeqsArg(s) for s in seqs]
        a.tgs = [C.SeqsArg(as_sequences(Y[r], "Y[%s]" % r)[0]) for r in ro]
        a.inputs = (ctypes.POINTER(C.Seqs) * max(len(a.ins), 1))(*[ctypes.pointer(q.seqs) for q in a.ins])
        a.targets = (ctypes.POINTER(C.Seqs) * max(len(a.tgs), 1))(*[ctypes.pointer(q.seqs) for q in a.tgs])
        return a

    def partial_fit(self, X, Y, node=None):
        """Online training step by step (Model.partial_fit): Y is a dict
        online node name -> targets (or, with one online node, the targets).
        Returns what `node` (default: the last trained node) output during
        training."""
        names, seqs, is_list = self._inputs(X)
        ro = self.readouts
        online = [r for r in ro if self.kind(r) == "online"]
        if not isinstance(Y, dict):
            if len(online) != 1:
                raise C.LacusError(-1, "the graph has %d online nodes: give Y as a dict" % len(online))
            Y = {online[0]: Y}
        missing = [r for r in online if r not in Y]
        if missing:
            raise C.LacusError(-1, "no targets for online node(s) %s" % ", ".join(missing))
        if self._pending:
            self.initialize([s[0].shape[1] for s in seqs])
        ins = [C.SeqsArg(s) for s in seqs]
        # Ridge nodes take no targets here; pass their place with the first online set.
        tgs = [C.SeqsArg(as_sequences(Y[r] if r in Y else Y[online[0]], "Y[%s]" % r)[0]) for r in ro]
        in_arr = (ctypes.POINTER(C.Seqs) * max(len(ins), 1))(*[ctypes.pointer(a.seqs) for a in ins])
        tg_arr = (ctypes.POINTER(C.Seqs) * len(tgs))(*[ctypes.pointer(a.seqs) for a in tgs])
        nid = self._id(node) if node is not None else self._ids(lib.lacus_graph_readouts)[-1]
        width = lib.lacus_graph_node_width(self._handle, nid)
        outs = [np.empty((s.shape[0], width)) for s in seqs[0]]
        per = (C.P_P_double * lib.lacus_graph_n_nodes(self._handle))()
        ptrs = C.out_ptrs(outs)
        per[nid] = ctypes.cast(ptrs, C.P_P_double)
        self._call(lib.lacus_graph_partial_fit, in_arr, tg_arr, per)
        return outs if is_list else outs[0]

    def online_weights(self, node):
        """(Wout (features, outputs), bias (outputs)) of an online node."""
        o = lib.lacus_graph_online(self._handle, self._id(node))
        if not o:
            raise C.LacusError(-9, "%r is not an initialised online node" % (node,))
        nid = self._id(node)
        F = lib.lacus_graph_node_in_width(self._handle, nid)
        W, b = np.empty((F, lib.lacus_graph_node_width(self._handle, nid))), np.empty(0)
        b = np.empty(W.shape[1])
        C.check(lib.lacus_online_get_weights(o, C.ptr(W), C.ptr(b)))
        return W, b

    def online_steps(self, node):
        """Learning steps an online node has made since it was created (they
        survive save/load: graph files keep the training state, P included,
        so partial_fit after a load continues exactly)."""
        o = lib.lacus_graph_online(self._handle, self._id(node))
        if not o:
            raise C.LacusError(-9, "%r is not an initialised online node" % (node,))
        return int(lib.lacus_online_n_steps(o))

    def run(self, X, node=None):
        """Outputs of `node` (default: the last ridge node): an array for one
        sequence, a list for a list; each sequence from a zero state."""
        names, seqs, is_list = self._inputs(X)
        nid = self._id(node) if node is not None else self._ids(lib.lacus_graph_readouts)[-1]
        width = lib.lacus_graph_node_width(self._handle, nid)
        outs = [np.empty((s.shape[0], width)) for s in seqs[0]]
        n = lib.lacus_graph_n_nodes(self._handle)
        per = (C.P_P_double * n)()
        ptrs = C.out_ptrs(outs)
        per[nid] = ctypes.cast(ptrs, C.P_P_double)
        ins = [C.SeqsArg(s) for s in seqs]
        in_arr = (ctypes.POINTER(C.Seqs) * max(len(ins), 1))(*[ctypes.pointer(a.seqs) for a in ins])
        self._call(lib.lacus_graph_run, in_arr, per)
        return outs if is_list else outs[0]

    def readout_weights(self, node):
        """(Wout (features, outputs), bias (outputs)) of a trained ridge node."""
        r = lib.lacus_graph_ridge(self._handle, self._id(node))
        if not r:
            raise C.LacusError(-9, "%r is not an initialised ridge node" % (node,))
        W = np.empty((lib.lacus_ridge_n_features(r), lib.lacus_ridge_n_outputs(r)))
        b = np.empty(W.shape[1])
        C.check(lib.lacus_ridge_get_weights(r, C.ptr(W), C.ptr(b)),
                handle_msg=lambda: lib.lacus_ridge_errmsg(r))
        return W, b

    def save(self, path):
        err = C.new_error()
        C.check(lib.lacus_graph_save(self._handle, str(path).encode(), ctypes.byref(err)), err)

