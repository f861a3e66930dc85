"""Metrics of reservoirpy.observables: mse, rmse, nrmse, rsquare, mae, pearson."""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib


def _metric(fn, y_true, y_pred, dimensionwise, *extra):
    t = C.as_f64(y_true, 2, "y_true")
    p = C.as_f64(y_pred, 2, "y_pred")
    if t.shape != p.shape:
        raise C.LacusError(-2, "y_true has shape %s but y_pred %s" % (t.shape, p.shape))
    out = np.empty(t.shape[1] if dimensionwise else 1, dtype=np.float64)
    err = C.new_error()
    C.check(fn(C.ptr(t), C.ptr(p), t.shape[0], t.shape[1], *extra,
               1 if dimensionwise else 0, C.ptr(out), ctypes.byref(err)), err)
    return out if dimensionwise else float(out[0])


def mse(y_true, y_pred, dimensionwise=False):
    return _metric(lib.lacus_mse, y_true, y_pred, dimensionwise)


def rmse(y_true, y_pred, dimensionwise=False):
    return _metric(lib.lacus_rmse, y_true, y_pred, dimensionwise)


def mae(y_true, y_pred, dimensionwise=False):
    return _metric(lib.lacus_mae, y_true, y_pred, dimensionwise)


def rsquare(y_true, y_pred, dimensionwise=False):
    return _metric(lib.lacus_rsquare, y_true, y_pred, dimensionwise)


def pearson(y_true, y_pred, dimensionwise=False):
    return _metric(lib.lacus_pearson, y_true, y_pred, dimensionwise)


def nrmse(y_true, y_pred, norm="minmax", norm_value=None, dimensionwise=False):
    """rmse / lambda(y_true), norm in "minmax", "var", "mean", "q1q3";
    or rmse / norm_value when it is given."""
    if norm_value is not None:
        return _metric(lib.lacus_nrmse_value, y_true, y_pred, dimensionwise, float(norm_value))
    n = C.c_int()
    err = C.new_error()
    C.check(lib.lacus_nrmse_norm_parse(str(norm).encode(), ctypes.byref(n), ctypes.byref(err)),
            err)
    return _metric(lib.lacus_nrmse, y_true, y_pred, dimensionwise, n.value)
