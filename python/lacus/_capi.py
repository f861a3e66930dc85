"""ctypes prototypes of the C library (include/lacus.h).

The core sections are bound here: version, status codes, reservoir, ridge
readout, echo state network (feedback, FORCE, online fit), online readouts
(RLS/LMS), NVAR, datasets and metrics. The modules brain, lang, local,
tune and neat declare their own prototypes with _proto (python/tests/
test_layout.py checks every struct against the C compiler's layout).
Every prototype carries argtypes/restype, so a wrong call fails in Python
instead of corrupting memory.

The library is found, in order, at $LACUS_LIBRARY, at ../../build/liblacus.so
relative to this package (a source checkout built with CMake), then through
ctypes.util.find_library("lacus").
"""

import ctypes
import ctypes.util
import os

import numpy as np

from ._version import __version__

c_int64 = ctypes.c_int64
c_uint64 = ctypes.c_uint64
c_double = ctypes.c_double
c_int = ctypes.c_int
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
P_double = ctypes.POINTER(c_double)
P_int64 = ctypes.POINTER(c_int64)
P_P_double = ctypes.POINTER(P_double)

ERRMSG_SIZE = 512

STATUS_NAMES = {
    0: "OK", -1: "ARG", -2: "SHAPE", -3: "NOMEM", -4: "IO", -5: "FORMAT",
    -6: "NUMERIC", -7: "NOT_CONVERGED", -8: "UNSUPPORTED", -9: "STATE",
}


class LacusError(RuntimeError):
    """A lacus call failed. `status` is the C status code (negative), and
    `message` the library's detail (which names the parameter, array or file)."""

    def __init__(self, status, message):
        self.status = int(status)
        self.message = message
        super().__init__("%s (%s): %s" % (STATUS_NAMES.get(self.status, "?"),
                                          self.status, message))


def _find_library():
    env = os.environ.get("LACUS_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    local = os.path.normpath(os.path.join(here, "..", "..", "build", "liblacus.so"))
    if os.path.exists(local):
        return local
    found = ctypes.util.find_library("lacus")
    if found:
        return found
    raise ImportError("lacus: liblacus.so not found; build the C library "
                      "(cmake -S . -B build && cmake --build build) or set LACUS_LIBRARY")


# --- structs (field order and types exactly as in lacus.h) -----------------

class Error(ctypes.Structure):
    _fields_ = [("status", c_int), ("msg", ctypes.c_char * ERRMSG_SIZE)]


class ReservoirParams(ctypes.Structure):
    _fields_ = [
        ("n_units", c_int64), ("n_inputs", c_int64), ("lr", c_double),
        ("lr_per_unit", P_double), ("sr", c_double), ("input_scaling", c_double),
        ("input_scaling_per_input", P_double), ("input_connectivity", c_double),
        ("rc_connectivity", c_double), ("bias_scaling", c_double),
        ("bias_connectivity", c_double), ("activation", c_int), ("W_init", c_int),
        ("Win_init", c_int), ("bias_init", c_int), ("noise_rc", c_double),
        ("noise_in", c_double), ("noise_type", c_int), ("seed", c_uint64),
    ]


class RidgeParams(ctypes.Structure):
    _fields_ = [("n_features", c_int64), ("n_outputs", c_int64), ("ridge", c_double),
                ("bias", c_int), ("solver", c_int), ("keep_samples", c_int64),
                ("accumulate_f32", c_int)]


class OnlineParams(ctypes.Structure):
    _fields_ = [("n_features", c_int64), ("n_outputs", c_int64), ("method", c_int),
                ("alpha", c_double), ("forgetting", c_double), ("fit_bias", c_int)]


ONLINE_METHODS = {"rls": 0, "lms": 1}


class PrepParams(ctypes.Structure):
    _fields_ = [("kind", c_int), ("range_lo", c_double), ("range_hi", c_double),
                ("delay", c_int64), ("stride", c_int64), ("delay_drop", c_int)]


PREP_KINDS = {"minmax": 0, "zscore": 1, "onehot": 2, "delay": 3}


class NvarParams(ctypes.Structure):
    _fields_ = [("n_inputs", c_int64), ("delay", c_int64), ("order", c_int64),
                ("strides", c_int64)]


PROGRESS_FN = ctypes.CFUNCTYPE(None, c_double, c_void_p)


class ESNParams(ctypes.Structure):
    _fields_ = [("reservoir", ReservoirParams), ("readout", RidgeParams),
                ("warmup", c_int64), ("feed_input", c_int),
                ("progress", PROGRESS_FN), ("progress_user", c_void_p),
                ("n_feedback", c_int64), ("fb_scaling", c_double),
                ("fb_connectivity", c_double), ("fb_init", c_int)]


class Seqs(ctypes.Structure):
    _fields_ = [("n_seqs", c_int64), ("n_features", c_int64),
                ("data", P_P_double), ("n_steps", P_int64)]


class ODEOptions(ctypes.Structure):
    _fields_ = [("rtol", c_double), ("atol", c_double), ("max_step", c_double),
                ("first_step", c_double)]


class MackeyGlassParams(ctypes.Structure):
    _fields_ = [("tau", c_double), ("a", c_double), ("b", c_double), ("n", c_double),
                ("x0", c_double), ("h", c_double), ("history", P_double),
                ("n_history", c_int64), ("seed", c_uint64)]


class LorenzParams(ctypes.Structure):
    _fields_ = [("rho", c_double), ("sigma", c_double), ("beta", c_double),
                ("x0", c_double * 3), ("h", c_double), ("ode", ODEOptions)]


class MultiscrollParams(ctypes.Structure):
    _fields_ = [("a", c_double), ("b", c_double), ("c", c_double),
                ("x0", c_double * 3), ("h", c_double), ("ode", ODEOptions)]


class DoublescrollParams(ctypes.Structure):
    _fields_ = [("r1", c_double), ("r2", c_double), ("r4", c_double), ("ir", c_double),
                ("beta", c_double), ("x0", c_double * 3), ("h", c_double),
                ("ode", ODEOptions)]


class RosslerParams(ctypes.Structure):
    _fields_ = [("a", c_double), ("b", c_double), ("c", c_double),
                ("x0", c_double * 3), ("h", c_double), ("ode", ODEOptions)]


class RabinovichFabrikantParams(ctypes.Structure):
    _fields_ = [("alpha", c_double), ("gamma", c_double), ("x0", c_double * 3),
                ("h", c_double), ("ode", ODEOptions)]


class LogisticMapParams(ctypes.Structure):
    _fields_ = [("r", c_double), ("x0", c_double)]


class HenonMapParams(ctypes.Structure):
    _fields_ = [("a", c_double), ("b", c_double), ("x0", c_double * 2)]


class NarmaParams(ctypes.Structure):
    _fields_ = [("order", c_int64), ("a1", c_double), ("a2", c_double), ("b", c_double),
                ("c", c_double), ("x0", P_double), ("n_x0", c_int64), ("u", P_double),
                ("seed", c_uint64)]


class Lorenz96Params(ctypes.Structure):
    _fields_ = [("N", c_int64), ("F", c_double), ("dF", c_double), ("h", c_double),
                ("warmup", c_int64), ("x0", P_double), ("ode", ODEOptions)]


class KSParams(ctypes.Structure):
    _fields_ = [("N", c_int64), ("M", c_int64), ("h", c_double), ("warmup", c_int64),
                ("x0", P_double)]


class VowelsParams(ctypes.Structure):
    _fields_ = [("n_per_class", c_int64), ("min_len", c_int64), ("max_len", c_int64),
                ("noise", c_double), ("jitter", c_double), ("speaker_seed", c_uint64),
                ("seed", c_uint64)]


# --- prototypes --------------------------------------------------------------

lib = ctypes.CDLL(_find_library())

P_err = ctypes.POINTER(Error)
status = c_int


def _proto(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_proto("lacus_version", c_char_p)
_proto("lacus_version_number", c_int)
_proto("lacus_status_str", c_char_p, c_int)
_proto("lacus_set_num_threads", None, c_int)
_proto("lacus_get_num_threads", c_int)

for _name in ("activation", "init", "noise", "bias_mode", "solver"):
    _proto("lacus_%s_name" % _name, c_char_p, c_int)
    _proto("lacus_%s_parse" % _name, status, c_char_p, ctypes.POINTER(c_int))

# Reservoir
_proto("lacus_reservoir_params_default", ReservoirParams)
_proto("lacus_reservoir_params_check", status, ctypes.POINTER(ReservoirParams), P_err)
_proto("lacus_reservoir_create", status, ctypes.POINTER(ReservoirParams),
       ctypes.POINTER(c_void_p), P_err)
_proto("lacus_reservoir_free", None, c_void_p)
_proto("lacus_reservoir_errmsg", c_char_p, c_void_p)
for _w in ("W", "Win", "bias"):
    _proto("lacus_reservoir_set_%s" % _w, status, c_void_p, P_double)
    _proto("lacus_reservoir_get_%s" % _w, status, c_void_p, P_double)
_proto("lacus_reservoir_n_units", c_int64, c_void_p)
_proto("lacus_reservoir_n_inputs", c_int64, c_void_p)
_proto("lacus_reservoir_W_nnz", c_int64, c_void_p)
_proto("lacus_reservoir_params_get", ctypes.POINTER(ReservoirParams), c_void_p)
_proto("lacus_reservoir_run", status, c_void_p, P_double, c_int64, c_int, P_double)
_proto("lacus_reservoir_run_many", status, c_void_p, ctypes.POINTER(Seqs), P_P_double)
_proto("lacus_reservoir_get_state", status, c_void_p, P_double)
_proto("lacus_reservoir_set_state", status, c_void_p, P_double)
_proto("lacus_spectral_radius_dense", status, c_int64, P_double, P_double, P_err)

# Ridge
_proto("lacus_ridge_params_default", RidgeParams)
_proto("lacus_ridge_create", status, ctypes.POINTER(RidgeParams), ctypes.POINTER(c_void_p),
       P_err)
_proto("lacus_ridge_free", None, c_void_p)
_proto("lacus_ridge_errmsg", c_char_p, c_void_p)
_proto("lacus_ridge_partial_fit", status, c_void_p, P_double, c_int64, P_double, c_int64,
       c_int64)
_proto("lacus_ridge_solve", status, c_void_p)
_proto("lacus_ridge_reset", None, c_void_p)
_proto("lacus_ridge_predict", status, c_void_p, P_double, c_int64, c_int64, P_double, c_int64)
_proto("lacus_ridge_get_weights", status, c_void_p, P_double, P_double)
_proto("lacus_ridge_set_weights", status, c_void_p, P_double, P_double)
_proto("lacus_ridge_n_samples", c_int64, c_void_p)
_proto("lacus_ridge_n_features", c_int64, c_void_p)
_proto("lacus_ridge_n_outputs", c_int64, c_void_p)
_proto("lacus_ridge_last_solver", c_int, c_void_p)
_proto("lacus_ridge_used_fallback", c_int, c_void_p)

# ESN
_proto("lacus_esn_params_default", ESNParams)
_proto("lacus_esn_create", status, ctypes.POINTER(ESNParams), ctypes.POINTER(c_void_p), P_err)
_proto("lacus_esn_free", None, c_void_p)
_proto("lacus_esn_errmsg", c_char_p, c_void_p)
_proto("lacus_esn_reservoir", c_void_p, c_void_p)
_proto("lacus_esn_readout", c_void_p, c_void_p)
_proto("lacus_esn_fit", status, c_void_p, ctypes.POINTER(Seqs), ctypes.POINTER(Seqs))
_proto("lacus_esn_run", status, c_void_p, ctypes.POINTER(Seqs), P_P_double)
_proto("lacus_esn_partial_fit", status, c_void_p, P_double, P_double, c_int64, c_int64, c_int)
_proto("lacus_esn_solve", status, c_void_p)
_proto("lacus_esn_force", status, c_void_p, ctypes.POINTER(Seqs), ctypes.POINTER(Seqs), c_double,
       c_double)
_proto("lacus_esn_fit_online", status, c_void_p, ctypes.POINTER(Seqs), ctypes.POINTER(Seqs),
       ctypes.POINTER(OnlineParams))
_proto("lacus_esn_n_outputs", c_int64, c_void_p)
_proto("lacus_esn_is_trained", c_int, c_void_p)
_proto("lacus_esn_generate", status, c_void_p, P_double, c_int64, c_int64, P_double)
_proto("lacus_esn_save", status, c_void_p, c_char_p, P_err)
_proto("lacus_esn_load", status, c_char_p, ctypes.POINTER(c_void_p), P_err)

# Model graphs
_proto("lacus_graph_create", status, ctypes.POINTER(c_void_p), P_err)
_proto("lacus_graph_free", None, c_void_p)
_proto("lacus_graph_errmsg", c_char_p, c_void_p)
_proto("lacus_graph_add_input", status, c_void_p, c_char_p, c_int64, P_int64)
_proto("lacus_graph_add_reservoir", status, c_void_p, c_char_p, ctypes.POINTER(ReservoirParams),
       P_int64)
_proto("lacus_graph_add_ridge", status, c_void_p, c_char_p, ctypes.POINTER(RidgeParams), P_int64)
_proto("lacus_graph_connect", status, c_void_p, c_int64, c_int64, c_int64)
_proto("lacus_graph_n_nodes", c_int64, c_void_p)
_proto("lacus_graph_node_kind", c_int, c_void_p, c_int64)
_proto("lacus_graph_node_name", c_char_p, c_void_p, c_int64)
_proto("lacus_graph_find", c_int64, c_void_p, c_char_p)
_proto("lacus_graph_node_width", c_int64, c_void_p, c_int64)
_proto("lacus_graph_inputs", c_int64, c_void_p, P_int64, c_int64)
_proto("lacus_graph_readouts", c_int64, c_void_p, P_int64, c_int64)
_proto("lacus_graph_initialize", status, c_void_p, P_int64)
_proto("lacus_graph_reservoir", c_void_p, c_void_p, c_int64)
_proto("lacus_graph_ridge", c_void_p, c_void_p, c_int64)
_proto("lacus_graph_fit", status, c_void_p, ctypes.POINTER(ctypes.POINTER(Seqs)),
       ctypes.POINTER(ctypes.POINTER(Seqs)), c_int64)
_proto("lacus_graph_run", status, c_void_p, ctypes.POINTER(ctypes.POINTER(Seqs)),
       ctypes.POINTER(P_P_double))
_proto("lacus_graph_partial_fit", status, c_void_p, ctypes.POINTER(ctypes.POINTER(Seqs)),
       ctypes.POINTER(ctypes.POINTER(Seqs)), ctypes.POINTER(P_P_double))
_proto("lacus_prep_params_default", PrepParams)
_proto("lacus_graph_add_prep", status, c_void_p, c_char_p, ctypes.POINTER(PrepParams), P_int64)
_proto("lacus_graph_add_online", status, c_void_p, c_char_p, ctypes.POINTER(OnlineParams), P_int64)
_proto("lacus_graph_online", c_void_p, c_void_p, c_int64)
_proto("lacus_graph_node_in_width", c_int64, c_void_p, c_int64)
_proto("lacus_graph_save", status, c_void_p, c_char_p, P_err)
_proto("lacus_graph_load", status, c_char_p, ctypes.POINTER(c_void_p), P_err)

# Online readouts (RLS, LMS)
_proto("lacus_online_params_default", OnlineParams)
_proto("lacus_online_params_check", status, ctypes.POINTER(OnlineParams), P_err)
_proto("lacus_online_create", status, ctypes.POINTER(OnlineParams), ctypes.POINTER(c_void_p),
       P_err)
_proto("lacus_online_free", None, c_void_p)
_proto("lacus_online_errmsg", c_char_p, c_void_p)
_proto("lacus_online_reset", None, c_void_p)
_proto("lacus_online_step", status, c_void_p, P_double, P_double, P_double)
_proto("lacus_online_partial_fit", status, c_void_p, P_double, c_int64, P_double, c_int64,
       c_int64, P_double)
_proto("lacus_online_predict", status, c_void_p, P_double, c_int64, c_int64, P_double, c_int64)
_proto("lacus_online_get_weights", status, c_void_p, P_double, P_double)
_proto("lacus_online_set_weights", status, c_void_p, P_double, P_double)
_proto("lacus_online_n_steps", c_int64, c_void_p)

# NVAR
_proto("lacus_nvar_params_default", NvarParams)
_proto("lacus_nvar_params_check", status, ctypes.POINTER(NvarParams), P_err)
_proto("lacus_nvar_count_features", status, ctypes.POINTER(NvarParams), P_int64, P_err)
_proto("lacus_nvar_create", status, ctypes.POINTER(NvarParams), ctypes.POINTER(c_void_p), P_err)
_proto("lacus_nvar_free", None, c_void_p)
_proto("lacus_nvar_errmsg", c_char_p, c_void_p)
_proto("lacus_nvar_n_features", c_int64, c_void_p)
_proto("lacus_nvar_n_linear", c_int64, c_void_p)
_proto("lacus_nvar_run", status, c_void_p, P_double, c_int64, c_int, P_double)
_proto("lacus_nvar_reset", None, c_void_p)

# Datasets
DATASET_STRUCTS = {
    "mackey_glass": MackeyGlassParams, "lorenz": LorenzParams,
    "multiscroll": MultiscrollParams, "doublescroll": DoublescrollParams,
    "rossler": RosslerParams, "rabinovich_fabrikant": RabinovichFabrikantParams,
    "logistic_map": LogisticMapParams, "henon_map": HenonMapParams,
}
for _name, _st in DATASET_STRUCTS.items():
    _proto("lacus_%s_params_default" % _name, _st)
    _proto("lacus_" + _name, status, c_int64, ctypes.POINTER(_st), P_double, P_err)
_proto("lacus_narma_params_default", NarmaParams)
_proto("lacus_narma", status, c_int64, ctypes.POINTER(NarmaParams), P_double, P_double, P_err)
_proto("lacus_mso", status, c_int64, P_double, c_int64, c_int, P_double, P_err)
_proto("lacus_mso2", status, c_int64, c_int, P_double, P_err)
_proto("lacus_mso8", status, c_int64, c_int, P_double, P_err)
_proto("lacus_to_forecasting", status, P_double, c_int64, c_int64, c_int64, c_int64,
       P_double, P_double, P_double, P_double, P_err)
_proto("lacus_lorenz96_params_default", Lorenz96Params)
_proto("lacus_lorenz96", status, c_int64, ctypes.POINTER(Lorenz96Params), P_double, P_err)
_proto("lacus_kuramoto_sivashinsky_params_default", KSParams)
_proto("lacus_kuramoto_sivashinsky", status, c_int64, ctypes.POINTER(KSParams), P_double, P_err)
_proto("lacus_vowels_params_default", VowelsParams)
_proto("lacus_vowels_lengths", status, ctypes.POINTER(VowelsParams), P_int64, P_err)
_proto("lacus_vowels", status, ctypes.POINTER(VowelsParams), P_double, P_int64, P_int64, P_err)
_proto("lacus_test_len_from_ratio", status, c_int64, c_double, P_int64, P_err)

# Metrics
for _name in ("mse", "rmse", "mae", "rsquare", "pearson"):
    _proto("lacus_" + _name, status, P_double, P_double, c_int64, c_int64, c_int, P_double, P_err)
_proto("lacus_nrmse", status, P_double, P_double, c_int64, c_int64, c_int, c_int, P_double, P_err)
_proto("lacus_nrmse_value", status, P_double, P_double, c_int64, c_int64, c_double, c_int,
       P_double, P_err)
_proto("lacus_nrmse_norm_parse", status, c_char_p, ctypes.POINTER(c_int), P_err)


# --- helpers -------------------------------------------------------------------

def as_f64(a, ndim=None, name="array"):
    """A C-contiguous float64 copy (or view) of `a`; 1-D becomes (n, 1) when
    ndim == 2, as ReservoirPy treats a 1-D series."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    if ndim == 2 and a.ndim == 1:
        a = a.reshape(-1, 1)
    if ndim is not None and a.ndim != ndim:
        raise ValueError("%s must be %d-D, got shape %s" % (name, ndim, a.shape))
    return a


def ptr(a):
    """Pointer to a float64 array's data; the caller keeps `a` alive for the call."""
    if a is None:
        return None
    return a.ctypes.data_as(P_double)


def new_error():
    return Error()


def check(st, err=None, handle_msg=None):
    """Raises LacusError for a failing status, with the message from the
    lacus_error or from the handle's errmsg function."""
    if st == 0:
        return
    msg = b""
    if err is not None:
        msg = err.msg
    elif handle_msg is not None:
        msg = handle_msg() or b""
    text = msg.decode("utf-8", "replace") if msg else ""
    if not text:
        text = lib.lacus_status_str(st).decode()
    raise LacusError(st, text)


def set_fields(struct, kw, who, reserved=()):
    """Sets a params struct's fields from keyword arguments (booleans as
    0/1); a name the struct lacks, or a reserved one the caller sets
    itself, raises TypeError naming `who`."""
    names = {f[0] for f in type(struct)._fields_}
    for k, v in kw.items():
        if k not in names or k in reserved:
            raise TypeError("%s: unknown parameter %r" % (who, k))
        setattr(struct, k, int(v) if isinstance(v, bool) else v)


def parse_enum(kind, name):
    if isinstance(name, int):
        return name
    out = c_int()
    st = getattr(lib, "lacus_%s_parse" % kind)(str(name).encode(), ctypes.byref(out))
    if st != 0:
        raise LacusError(st, "unknown %s name %r" % (kind.replace("_", " "), name))
    return out.value


def enum_name(kind, value):
    s = getattr(lib, "lacus_%s_name" % kind)(value)
    return s.decode() if s else None


class SeqsArg:
    """Builds a lacus_seqs over a list of 2-D float64 arrays; keeps the arrays
    and pointer tables alive while this object lives (i.e. during the call)."""

    def __init__(self, arrays):
        self.arrays = arrays
        n = len(arrays)
        self.ptrs = (P_double * n)(*[ptr(a) for a in arrays])
        self.steps = (c_int64 * n)(*[a.shape[0] for a in arrays])
        self.seqs = Seqs(n, arrays[0].shape[1] if n else 0,
                         ctypes.cast(self.ptrs, P_P_double),
                         ctypes.cast(self.steps, P_int64))

    def ref(self):
        return ctypes.byref(self.seqs)


def out_ptrs(arrays):
    return (P_double * len(arrays))(*[ptr(a) for a in arrays])


def _check_version():
    v = lib.lacus_version().decode()
    if v != __version__:
        raise ImportError("lacus: the Python package is %s but liblacus.so is %s"
                          % (__version__, v))


_check_version()


class Handle:
    """Base of the classes that own one C object: freed by close(), at the
    end of a `with` block, or when garbage-collected. Subclasses name the C
    functions: _free (e.g. "lacus_lm_free") and _errmsg (for _call)."""
    _free = None
    _errmsg = None

    def __del__(self):
        self.close()

    def close(self):
        """Frees the C object now (also done when garbage-collected)."""
        h = getattr(self, "_handle", None)
        if h:
            self._handle = None
            getattr(lib, self._free)(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _h(self):
        if not self._handle:
            raise LacusError(-9, "%s: closed" % type(self).__name__)
        return self._handle

    def _call(self, fn, *args):
        """fn(handle, *args), raising with the handle's own message."""
        h = self._h()
        check(fn(h, *args), handle_msg=lambda: getattr(lib, self._errmsg)(h))
