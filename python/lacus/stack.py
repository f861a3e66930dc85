"""Stacks of ESNs trained layer by layer (include/lacus/stack.h; the
ReservoirBERT shape): layer 0 reads the inputs, layer l > 0 the output of
layer l - 1, and every layer has its own targets.

    s = lacus.Stack([dict(units=300, sr=0.9, ridge=1e-4, warmup=10, seed=1),
                     dict(units=200, sr=0.8, ridge=1e-4, warmup=10, seed=2)],
                    outputs=[3, 2], teacher_inputs=True)
    s.fit(X, [Y0, Y1])          # or lacus.dist.fit_stack_dist(s, X, [Y0, Y1])
    out = s.run(X_test)         # the last layer's predictions

teacher_inputs=True: during training layer l reads layer l-1's targets, so
the layers train independently (lacus.dist.fit_stack_dist puts them on
different MPI ranks); False (chained): layer l reads layer l-1's
predictions. At run time a layer always reads the previous layer's
predictions.
"""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_int, c_double, c_char_p
from .esn import ESN
from .ridge import as_sequences

VP = ctypes.c_void_p
ON_LAYER = ctypes.CFUNCTYPE(None, c_int64, c_double, c_double, VP)


class StackParams(ctypes.Structure):
    _fields_ = [("n_layers", c_int64), ("layers", ctypes.POINTER(C.ESNParams)),
                ("n_outputs", ctypes.POINTER(c_int64)), ("teacher_inputs", c_int),
                ("parallel_layers", c_int), ("report_mse", c_int), ("on_layer", ON_LAYER),
                ("on_layer_user", VP)]


C._proto("lacus_stack_params_default", StackParams)
C._proto("lacus_stack_create", C.status, ctypes.POINTER(StackParams), ctypes.POINTER(VP),
         ctypes.POINTER(C.Error))
C._proto("lacus_stack_free", None, VP)
C._proto("lacus_stack_errmsg", c_char_p, VP)
C._proto("lacus_stack_n_layers", c_int64, VP)
C._proto("lacus_stack_layer", VP, VP, c_int64)
C._proto("lacus_stack_fit", C.status, VP, ctypes.POINTER(C.Seqs),
         ctypes.POINTER(ctypes.POINTER(C.Seqs)))
C._proto("lacus_stack_train_mse", c_double, VP, c_int64)
C._proto("lacus_stack_run", C.status, VP, ctypes.POINTER(C.Seqs), ctypes.POINTER(C.P_P_double))
C._proto("lacus_stack_save", C.status, VP, c_char_p, ctypes.POINTER(C.Error))
C._proto("lacus_esn_readout", VP, VP)
C._proto("lacus_ridge_get_weights", C.status, VP, C.P_double, C.P_double)
C._proto("lacus_ridge_n_features", c_int64, VP)


class Stack:
    """A stack of ESN layers; see the module docstring. layers: one dict of
    lacus.ESN keyword arguments per layer (units, lr, sr, input_scaling,
    ridge, warmup, seed, ...; no feedback); outputs: each layer's target
    width. The C stack is created at the first fit (when the input width is
    known), or now with input_dim."""

    def __init__(self, layers, outputs, teacher_inputs=False, parallel_layers=1,
                 report_mse=True, input_dim=None):
        if len(layers) < 1 or len(layers) != len(outputs):
            raise C.LacusError(-1, "a stack needs one target width per layer (%d layers, %d "
                                   "widths)" % (len(layers), len(outputs)))
        self._esns = [ESN(**dict(kw)) for kw in layers]  # their params (and arrays) live here
        self._outputs = [int(o) for o in outputs]
        self._teacher = bool(teacher_inputs)
        self._parallel = int(parallel_layers)
        self._report = bool(report_mse)
        self._handle = None
        if input_dim is not None:
            self._create(int(input_dim))

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.lacus_stack_free(self._handle)
            self._handle = None

    def _create(self, n_inputs):
        if self._handle:
            return
        n = len(self._esns)
        arr = (C.ESNParams * n)()
        for k, e in enumerate(self._esns):
            arr[k] = e._params
        arr[0].reservoir.n_inputs = int(n_inputs)
        outs = (c_int64 * n)(*self._outputs)
        p = lib.lacus_stack_params_default()
        p.n_layers = n
        p.layers = arr
        p.n_outputs = outs
        p.teacher_inputs = int(self._teacher)
        p.parallel_layers = self._parallel
        p.report_mse = int(self._report)
        h, err = VP(), C.new_error()
        C.check(lib.lacus_stack_create(ctypes.byref(p), ctypes.byref(h), ctypes.byref(err)), err)
        self._handle = h.value

    def _call(self, fn, *args):
        h = self._handle
        C.check(fn(h, *args), handle_msg=lambda: lib.lacus_stack_errmsg(h))

    @property
    def n_layers(self):
        return len(self._esns)

    def _args(self, X, targets):
        """(inputs SeqsArg, targets array of Seqs pointers, their keepers)."""
        xs, _ = as_sequences(X, "X")
        if len(targets) != self.n_layers:
            raise C.LacusError(-1, "targets: %d sets for %d layers" % (len(targets), self.n_layers))
        self._create(xs[0].shape[1])
        tg = [C.SeqsArg(as_sequences(Y, "targets[%d]" % k)[0]) for k, Y in enumerate(targets)]
        arr = (ctypes.POINTER(C.Seqs) * self.n_layers)(*[ctypes.pointer(a.seqs) for a in tg])
        return C.SeqsArg(xs), arr, tg

    def fit(self, X, targets):
        """Trains every layer: X the inputs (an array or a list of
        sequences), targets one set per layer (same sequences and steps)."""
        a, arr, keep = self._args(X, targets)
        self._call(lib.lacus_stack_fit, a.ref(), arr)
        del keep
        return self

    def run(self, X, layer=-1):
        """Layer `layer`'s predictions (default the last): an array for one
        sequence, a list for a list; each sequence from a zero state."""
        if not self._handle:
            raise C.LacusError(-9, "the stack is not trained: fit first")
        xs, is_list = as_sequences(X, "X")
        layer = range(self.n_layers)[layer]
        outs = [np.empty((x.shape[0], self._outputs[layer])) for x in xs]
        ptrs = C.out_ptrs(outs)
        per = (C.P_P_double * self.n_layers)()
        per[layer] = ctypes.cast(ptrs, C.P_P_double)
        a = C.SeqsArg(xs)
        self._call(lib.lacus_stack_run, a.ref(), per)
        return outs if is_list else outs[0]

    def weights(self, layer):
        """(Wout (features, outputs), bias (outputs)) of a trained layer."""
        if not self._handle:
            raise C.LacusError(-9, "the stack is not trained: fit first")
        layer = range(self.n_layers)[layer]
        r = lib.lacus_esn_readout(lib.lacus_stack_layer(self._handle, layer))
        if not r:
            raise C.LacusError(-9, "layer %d is not trained" % layer)
        W = np.empty((lib.lacus_ridge_n_features(r), self._outputs[layer]))
        b = np.empty(W.shape[1])
        C.check(lib.lacus_ridge_get_weights(r, C.ptr(W), C.ptr(b)))
        return W, b

    def train_mse(self, layer):
        """Layer `layer`'s training MSE of the last fit (NaN when not computed)."""
        return float(lib.lacus_stack_train_mse(self._handle, range(self.n_layers)[layer]))

    def save(self, path):
        err = C.new_error()
        C.check(lib.lacus_stack_save(self._handle, str(path).encode(), ctypes.byref(err)), err)
