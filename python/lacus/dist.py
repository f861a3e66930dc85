"""MPI (include/lacus/dist.h): an ESN fitted from sequences spread over
ranks, with the readout solved either by an ordered reduction to rank 0
("reduce") or by ScaLAPACK on a 2-D process grid where no rank holds the
N x N system ("scalapack").

Under `mpirun -np K python3 script.py`, call init() first and finalize()
last; each rank passes its own sequences and their global ids to fit_dist.
Without mpirun everything runs in the one process (size() == 1), and the
scalapack solve is refused (it needs MPI started; `mpirun -np 1` works).

fit_stack_dist and fit_graph_dist train a lacus.Stack or a lacus.Graph over
the ranks (lacus_stack_fit_dist_ex, lacus_graph_fit_dist_ex), with the same
solves as fit_dist; every rank ends with the same model (docs/cluster.md).

prep_fit_dist fits a preprocessing node's statistics as lacus fit does over
ranks (lacus_prep_fit_dist): exact min/max, double-double mean and variance
that do not depend on how the sequences are spread or ordered.
"""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_double, c_int, c_char_p, P_double, P_int64
from .ridge import as_sequences

_p = C._proto
status = c_int
VP = ctypes.c_void_p
P_err = ctypes.POINTER(C.Error)

SOLVES = {"auto": 0, "reduce": 1, "scalapack": 2}
_NAMES = {v: k for k, v in SOLVES.items()}


class DistParams(ctypes.Structure):
    _fields_ = [("solve", c_int), ("rank_mem_mb", c_double), ("block", c_int64),
                ("rows", c_int64)]


class DistStats(ctypes.Structure):
    _fields_ = [("used", c_int), ("grid_rows", c_int), ("grid_cols", c_int),
                ("rounds", c_int64), ("stream_s", c_double), ("solve_s", c_double),
                ("factor_s", c_double), ("factor_cpu_s", c_double), ("total_s", c_double),
                ("fallback", c_int), ("failed_minor", c_int)]


_p("lacus_dist_available", c_int)
_p("lacus_dist_scalapack_available", c_int)
_p("lacus_dist_init", status, VP, VP, P_err)
_p("lacus_dist_finalize", None)
_p("lacus_dist_launched", c_int)
_p("lacus_dist_rank", c_int)
_p("lacus_dist_size", c_int)
_p("lacus_dist_params_default", DistParams)
_p("lacus_dist_solve_bytes", c_int64, c_int, c_int64, c_int64, c_int,
   ctypes.POINTER(DistParams))
_p("lacus_esn_fit_dist_ex", status, VP, ctypes.POINTER(C.Seqs), ctypes.POINTER(C.Seqs),
   P_int64, ctypes.POINTER(DistParams), ctypes.POINTER(DistStats))
_p("lacus_prep_create", status, ctypes.POINTER(C.PrepParams), ctypes.POINTER(VP), P_err)
_p("lacus_prep_free", None, VP)
_p("lacus_prep_errmsg", c_char_p, VP)
_p("lacus_prep_n_outputs", c_int64, VP)
_p("lacus_prep_get_stats", status, VP, P_double, P_double, P_int64)
_p("lacus_prep_fit_dist", status, VP, ctypes.POINTER(C.Seqs), P_int64)


def available():
    """True when the library was built with MPI."""
    return bool(lib.lacus_dist_available())


def scalapack_available():
    """True when the library was built with ScaLAPACK (and MPI)."""
    return bool(lib.lacus_dist_scalapack_available())


def init():
    """Starts MPI when this process was launched by mpirun/srun; otherwise
    does nothing. Call once, before any other call of this module."""
    err = C.new_error()
    C.check(lib.lacus_dist_init(None, None, ctypes.byref(err)), err)


def finalize():
    lib.lacus_dist_finalize()


def launched():
    return bool(lib.lacus_dist_launched())


def rank():
    return int(lib.lacus_dist_rank())


def size():
    return int(lib.lacus_dist_size())


def _params(solve, rank_mem_mb, block, rows):
    if solve not in SOLVES:
        raise C.LacusError(-1, "solve %r: expected auto, reduce or scalapack" % (solve,))
    d = lib.lacus_dist_params_default()
    d.solve = SOLVES[solve]
    d.rank_mem_mb = float(rank_mem_mb)
    d.block = int(block)
    d.rows = int(rows)
    return d


def solve_bytes(solve, n_features, n_outputs, n_ranks, block=0, rows=0):
    """Bytes per rank that the readout's sums and solve take (what
    rank_mem_mb is compared with); solve is "reduce" or "scalapack"."""
    if solve == "auto":
        raise C.LacusError(-1, "solve_bytes: give reduce or scalapack")
    d = _params(solve, 0.0, block, rows)
    b = int(lib.lacus_dist_solve_bytes(d.solve, int(n_features), int(n_outputs), int(n_ranks),
                                       ctypes.byref(d)))
    if b < 0:
        raise C.LacusError(-1, "solve_bytes: bad sizes (n_features %r, n_outputs %r, n_ranks %r, "
                               "block %r)" % (n_features, n_outputs, n_ranks, block))
    return b


def _seqs(arrays, width):
    """lacus_seqs over this rank's arrays; an empty list still carries the
    width (ranks without data must know it)."""
    a = C.SeqsArg(arrays)
    if not arrays:
        a.seqs.n_features = int(width)
    return a


def fit_dist(esn, X, Y, ids=None, solve="auto", rank_mem_mb=0.0, block=0, rows=0,
             n_outputs=None):
    """Fits esn (a lacus.ESN) from this rank's sequences X, Y (lists of
    (T_k, d) arrays, possibly empty) with global ids (default 0..n-1, right
    for one process). solve: "reduce", "scalapack" or "auto" (reduce unless
    rank_mem_mb > 0 forbids it). Collective under MPI. Returns a dict: the
    solve used, the grid, the rounds and the times."""
    xs, _ = as_sequences(X, "X") if len(X) else ([], None)
    ys, _ = as_sequences(Y, "Y") if len(Y) else ([], None)
    if len(xs) != len(ys):
        raise C.LacusError(-2, "X has %d sequences but Y has %d" % (len(xs), len(ys)))
    if not xs and (n_outputs is None or esn._handle is None):
        raise C.LacusError(-1, "fit_dist: a rank without sequences needs n_outputs and an ESN "
                               "created with input_dim")
    if xs:
        esn._ensure(xs[0].shape[1])
    width = ys[0].shape[1] if ys else int(n_outputs)
    if ids is None:
        ids = np.arange(len(xs), dtype=np.int64)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if ids.shape != (len(xs),):
        raise C.LacusError(-2, "ids: %d for %d sequences" % (ids.size, len(xs)))
    d = _params(solve, rank_mem_mb, block, rows)
    st = DistStats()
    a, b = _seqs(xs, esn._params.reservoir.n_inputs), _seqs(ys, width)
    esn._call(lib.lacus_esn_fit_dist_ex, a.ref(), b.ref(),
              ids.ctypes.data_as(P_int64), ctypes.byref(d), ctypes.byref(st))
    return {"solve": _NAMES.get(st.used, str(st.used)), "grid": (st.grid_rows, st.grid_cols),
            "rounds": int(st.rounds), "stream_s": st.stream_s, "solve_s": st.solve_s,
            "factor_s": st.factor_s, "factor_cpu_s": st.factor_cpu_s, "total_s": st.total_s,
            "fallback": bool(st.fallback), "failed_minor": int(st.failed_minor)}


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


# -- stacks and graphs -------------------------------------------------------------

_PPS = ctypes.POINTER(ctypes.POINTER(C.Seqs))
_p("lacus_stack_fit_dist_ex", status, VP, ctypes.POINTER(C.Seqs), _PPS,
   ctypes.POINTER(DistParams))
_p("lacus_graph_fit_dist_ex", status, VP, _PPS, _PPS, c_int64, P_int64,
   ctypes.POINTER(DistParams))


def fit_stack_dist(stack, X, targets, solve="auto", rank_mem_mb=0.0, block=0, rows=0):
    """Trains a lacus.Stack over the MPI ranks (lacus_stack_fit_dist_ex).
    Every rank passes ALL the data (X, and one target set per layer).
    solve "reduce" (or "auto" without a memory cap): with teacher_inputs the
    layers are shared out (layer l on rank l mod K) and broadcast, so the
    stack is bit for bit Stack.fit's; a chained stack trains whole on every
    rank. "scalapack": the layers one after another, each over every rank
    (sequence q on rank q mod K) with the distributed solve, so no rank
    holds a layer's N x N system; equal to reduce within ~1e-12 relative.
    "auto" with rank_mem_mb > 0 takes scalapack when some layer's reduce
    sums exceed the cap. Collective; one rank's failure raises the same
    LacusError on every rank. Returns the stack."""
    d = _params(solve, rank_mem_mb, block, rows)
    a, arr, keep = stack._args(X, targets)
    stack._call(lib.lacus_stack_fit_dist_ex, a.ref(), arr, ctypes.byref(d))
    del keep
    return stack


def fit_graph_dist(graph, X, Y, warmup=0, ids=None, solve="reduce", rank_mem_mb=0.0, block=0,
                   rows=0):
    """Trains a lacus.Graph's ridge (and prep, online) nodes over the MPI
    ranks (lacus_graph_fit_dist_ex). X and Y as Graph.fit (X: one array or
    list for every graph input, or a dict input name -> sequences; Y: a
    dict readout name -> targets, or the targets of the one readout).
      ids None: every rank passes ALL the sequences and computes sequence
        q when q mod K is its rank (lacus_graph_fit_dist);
      ids given: this rank's own sequences and their global indices (every
        index 0..n-1 on exactly one rank; every rank holds at least one)
        (lacus_graph_fit_dist_local).
    Each ridge node's sums are added in double-double and reduced along a
    fixed tree: the model is the same, byte for byte, on any number of ranks
    and however the sequences are spread, and within rounding of Graph.fit's.
    solve "scalapack" gives each ridge node a block-cyclic system (within
    ~1e-12 of reduce); "auto" means reduce here. Collective; a rank's bad
    data raises the same LacusError ("rank r: ...") on every rank."""
    args = graph._fit_args(X, Y)
    seqs = args.seqs
    id_ptr = None
    if ids is not None:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        n = len(seqs[0]) if seqs else 0
        if ids.shape != (n,):
            raise C.LacusError(-2, "ids: %d for %d sequences" % (ids.size, n))
        id_ptr = ids.ctypes.data_as(P_int64)
    d = _params(solve, rank_mem_mb, block, rows)
    graph._call(lib.lacus_graph_fit_dist_ex, args.inputs, args.targets, int(warmup), id_ptr,
                ctypes.byref(d))
    return graph
