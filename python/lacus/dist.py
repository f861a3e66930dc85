"""MPI helpers (include/lacus/dist.h) that need no MPI in Python: the rank
and size of this process (0 and 1 unless started by mpirun with an MPI
build), and a preprocessing node's statistics fitted as lacus fit does
over ranks (lacus_prep_fit_dist): exact min/max, double-double mean and
variance that do not depend on how the sequences are spread or ordered.
"""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int, c_int64, c_char_p, P_double, P_int64

VP = ctypes.c_void_p

C._proto("lacus_dist_rank", c_int)
C._proto("lacus_dist_size", c_int)
C._proto("lacus_prep_create", c_int, ctypes.POINTER(C.PrepParams), ctypes.POINTER(VP),
         ctypes.POINTER(C.Error))
C._proto("lacus_prep_free", None, VP)
C._proto("lacus_prep_errmsg", c_char_p, VP)
C._proto("lacus_prep_n_outputs", c_int64, VP)
C._proto("lacus_prep_get_stats", c_int, VP, P_double, P_double, P_int64)
C._proto("lacus_prep_fit_dist", c_int, VP, ctypes.POINTER(C.Seqs), P_int64)


def rank():
    return int(lib.lacus_dist_rank())


def size():
    return int(lib.lacus_dist_size())


def prep_fit_dist(seqs, ids, kind="zscore", range=(-1.0, 1.0)):
    """Fits a "minmax", "zscore" or "onehot" node on this rank's sequences
    (a list of 2-D arrays; one label column for onehot) with their global
    ids (unique integers), collectively over the ranks. Returns a dict:
    minmax {"min", "max"}, zscore {"mean", "var"}, onehot {"categories"},
    each with "n_samples" (rows over every rank)."""
    if kind not in ("minmax", "zscore", "onehot"):
        raise C.LacusError(-1, "kind %r: expected minmax, zscore or onehot" % (kind,))
    arrays = [C.as_f64(s, 2, "sequence %d" % i) for i, s in enumerate(seqs)]
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if ids.shape != (len(arrays),):
        raise C.LacusError(-2, "%d ids for %d sequences" % (ids.size, len(arrays)))
    p = lib.lacus_prep_params_default()
    p.kind = C.PREP_KINDS[kind]
    p.range_lo, p.range_hi = float(range[0]), float(range[1])
    h, err = VP(), C.Error()
    C.check(lib.lacus_prep_create(ctypes.byref(p), ctypes.byref(h), ctypes.byref(err)), err)
    try:
        sa = C.SeqsArg(arrays)
        st = lib.lacus_prep_fit_dist(h, sa.ref(), ids.ctypes.data_as(P_int64))
        C.check(st, handle_msg=lambda: lib.lacus_prep_errmsg(h))
        n = C.c_int64()
        if kind == "onehot":
            cats = np.empty(lib.lacus_prep_n_outputs(h))
            C.check(lib.lacus_prep_get_stats(h, C.ptr(cats), None, ctypes.byref(n)))
            return {"categories": cats, "n_samples": n.value}
        F = arrays[0].shape[1] if arrays else 0
        a, b = np.empty(F), np.empty(F)
        C.check(lib.lacus_prep_get_stats(h, C.ptr(a), C.ptr(b), ctypes.byref(n)))
        names = ("min", "max") if kind == "minmax" else ("mean", "var")
        return {names[0]: a, names[1]: b, "n_samples": n.value}
    finally:
        lib.lacus_prep_free(h)
