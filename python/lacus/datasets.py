"""Dataset generators: reservoirpy.datasets' names, parameters and numbers."""

import ctypes

import numpy as np

from . import _capi as C
from ._capi import lib

_ODE_KEYS = ("rtol", "atol", "max_step", "first_step")


def _fill(p, name, kw):
    """Sets struct fields from keyword arguments (x0 may be a sequence; the
    solve_ivp options rtol/atol/max_step/first_step go to p.ode)."""
    fields = dict(type(p)._fields_)
    for k, v in kw.items():
        if k in _ODE_KEYS and "ode" in fields:
            setattr(p.ode, k, float(v))
        elif k in fields and k not in ("history", "n_history", "u", "n_x0"):
            t = fields[k]
            if hasattr(t, "_length_"):
                v = np.ravel(np.asarray(v, dtype=np.float64))
                if v.shape[0] != t._length_:
                    raise C.LacusError(-1, "%s: %s must have %d values" % (name, k, t._length_))
                setattr(p, k, t(*v))
            elif t in (C.c_int64, C.c_uint64):
                setattr(p, k, int(v))
            else:
                setattr(p, k, float(v))
        else:
            raise TypeError("%s() got an unexpected keyword argument %r" % (name, k))


def _generate(name, n_dims, n_timesteps, kw):
    p = getattr(lib, "lacus_%s_params_default" % name)()
    _fill(p, name, kw)
    out = np.empty((int(n_timesteps), n_dims), dtype=np.float64)
    err = C.new_error()
    C.check(getattr(lib, "lacus_" + name)(int(n_timesteps), ctypes.byref(p), C.ptr(out),
                                          ctypes.byref(err)), err)
    return out


def mackey_glass(n_timesteps, history=None, seed=None, **kw):
    """Mackey-Glass series (n_timesteps, 1): tau=17, a=0.2, b=0.1, n=10,
    x0=1.2, h=1.0; history (at least floor(tau/h) values) or a seed (5555,
    ReservoirPy's default) for the drawn history."""
    p = lib.lacus_mackey_glass_params_default()
    _fill(p, "mackey_glass", kw)
    hist = None
    if history is not None:
        hist = C.as_f64(history, None, "history").ravel()
        p.history = C.ptr(hist)
        p.n_history = hist.shape[0]
    if seed is not None:
        p.seed = int(seed)
    out = np.empty((int(n_timesteps), 1), dtype=np.float64)
    err = C.new_error()
    C.check(lib.lacus_mackey_glass(int(n_timesteps), ctypes.byref(p), C.ptr(out),
                                   ctypes.byref(err)), err)
    return out


def lorenz(n_timesteps, **kw):
    """Lorenz (n_timesteps, 3): rho=28, sigma=10, beta=8/3, x0=(1,1,1), h=0.03."""
    return _generate("lorenz", 3, n_timesteps, kw)


def multiscroll(n_timesteps, **kw):
    return _generate("multiscroll", 3, n_timesteps, kw)


def doublescroll(n_timesteps, **kw):
    return _generate("doublescroll", 3, n_timesteps, kw)


def rossler(n_timesteps, **kw):
    return _generate("rossler", 3, n_timesteps, kw)


def rabinovich_fabrikant(n_timesteps, **kw):
    return _generate("rabinovich_fabrikant", 3, n_timesteps, kw)


def logistic_map(n_timesteps, **kw):
    return _generate("logistic_map", 1, n_timesteps, kw)


def henon_map(n_timesteps, **kw):
    return _generate("henon_map", 2, n_timesteps, kw)


def narma(n_timesteps, order=30, x0=None, u=None, seed=None, **kw):
    """NARMA as ReservoirPy: returns (u, y), u (n_timesteps + order, 1) the
    input used and y (n_timesteps, 1) the target."""
    p = lib.lacus_narma_params_default()
    p.order = int(order)
    _fill(p, "narma", kw)
    keep = []
    if x0 is not None:
        a = C.as_f64(x0, None, "x0").ravel()
        keep.append(a)
        p.x0, p.n_x0 = C.ptr(a), a.shape[0]
    if u is not None:
        a = C.as_f64(u, None, "u").ravel()
        if a.shape[0] != int(n_timesteps) + int(order):
            raise C.LacusError(-2, "narma: u must have n_timesteps + order = %d values, got %d"
                               % (int(n_timesteps) + int(order), a.shape[0]))
        keep.append(a)
        p.u = C.ptr(a)
    if seed is not None:
        p.seed = int(seed)
    u_out = np.empty((int(n_timesteps) + int(order), 1), dtype=np.float64)
    y = np.empty((int(n_timesteps), 1), dtype=np.float64)
    err = C.new_error()
    C.check(lib.lacus_narma(int(n_timesteps), ctypes.byref(p), C.ptr(u_out), C.ptr(y),
                            ctypes.byref(err)), err)
    return u_out, y


def mso(n_timesteps, freqs, normalize=True):
    """sum_i sin(freqs[i] t), rescaled to [-1, 1] when normalize."""
    f = C.as_f64(freqs, None, "freqs").ravel()
    out = np.empty((int(n_timesteps), 1), dtype=np.float64)
    err = C.new_error()
    C.check(lib.lacus_mso(int(n_timesteps), C.ptr(f), f.shape[0], 1 if normalize else 0,
                          C.ptr(out), ctypes.byref(err)), err)
    return out


def mso2(n_timesteps, normalize=True):
    return mso(n_timesteps, [0.2, 0.311], normalize)


def mso8(n_timesteps, normalize=True):
    return mso(n_timesteps, [0.2, 0.311, 0.42, 0.51, 0.63, 0.74, 0.85, 0.97], normalize)


def to_forecasting(timeseries, forecast=1, test_size=None):
    """reservoirpy.datasets.to_forecasting: (X, Y) or, with test_size (an
    int of rows or a ratio in [0, 1)), (X_train, X_test, Y_train, Y_test)."""
    s = C.as_f64(timeseries, 2, "timeseries")
    n, d = s.shape
    err = C.new_error()
    test_len = 0
    if test_size is not None:
        if isinstance(test_size, float) and test_size < 1:
            t = C.c_int64()
            C.check(lib.lacus_test_len_from_ratio(n, float(test_size),
                                                  ctypes.byref(t), ctypes.byref(err)), err)
            test_len = t.value
        else:
            test_len = int(test_size)
    n_train = n - int(forecast) - test_len
    if n_train < 1:
        raise C.LacusError(-1, "to_forecasting: %d steps leave no training rows "
                               "(forecast=%d, test rows=%d)" % (n, int(forecast), test_len))
    Xtr, Ytr = np.empty((n_train, d)), np.empty((n_train, d))
    Xte, Yte = np.empty((test_len, d)), np.empty((test_len, d))
    C.check(lib.lacus_to_forecasting(C.ptr(s), n, d, int(forecast), test_len, C.ptr(Xtr),
                                     C.ptr(Ytr), C.ptr(Xte) if test_len else None,
                                     C.ptr(Yte) if test_len else None, ctypes.byref(err)), err)
    if test_size is None:
        return Xtr, Ytr
    return Xtr, Xte, Ytr, Yte


def _with_x0(name, st_default, n_timesteps, x0, kw):
    p = st_default()
    keep = None
    if x0 is not None:
        keep = C.as_f64(np.ravel(x0), 1, "x0")
        p.x0 = C.ptr(keep)
    _fill(p, name, kw)
    if keep is not None and keep.shape[0] != p.N:
        raise C.LacusError(-2, "%s: x0 must have N = %d values, got %d"
                           % (name, p.N, keep.shape[0]))
    n = int(n_timesteps)
    out = np.empty((max(n - int(p.warmup), 0), max(int(p.N), 0)), dtype=np.float64)
    err = C.new_error()
    C.check(getattr(lib, "lacus_" + name)(n, ctypes.byref(p), C.ptr(out), ctypes.byref(err)), err)
    return out


def lorenz96(n_timesteps, warmup=0, N=36, F=8.0, dF=0.01, h=0.01, x0=None, **kw):
    """reservoirpy.datasets.lorenz96 (its time-axis quirk included, see
    docs/datasets.md): (n_timesteps - warmup, N)."""
    return _with_x0("lorenz96", lib.lacus_lorenz96_params_default, n_timesteps, x0,
                    dict(kw, warmup=warmup, N=N, F=F, dF=dF, h=h))


def kuramoto_sivashinsky(n_timesteps, warmup=0, N=128, M=16, x0=None, h=0.25):
    """reservoirpy.datasets.kuramoto_sivashinsky (ETDRK4; needs a library
    built with FFTW3): (n_timesteps - warmup, N)."""
    return _with_x0("kuramoto_sivashinsky", lib.lacus_kuramoto_sivashinsky_params_default,
                    n_timesteps, x0, dict(warmup=warmup, N=N, M=M, h=h))


def japanese_vowels_synthetic(n_per_class=30, min_len=7, max_len=29, noise=0.1, jitter=0.05,
                              speaker_seed=9, seed=1):
    """SYNTHETIC sequences shaped like UCI's Japanese Vowels (9 classes, 12
    LPC cepstrum coefficients, 7-29 frames; not that data set): (list of
    (n_frames, 12) arrays, labels (9 n_per_class,))."""
    p = lib.lacus_vowels_params_default()
    _fill(p, "japanese_vowels_synthetic", dict(
        n_per_class=n_per_class, min_len=min_len, max_len=max_len, noise=noise, jitter=jitter,
        speaker_seed=speaker_seed, seed=seed))
    n_seq = max(int(p.n_per_class), 0) * 9
    lengths = np.empty(n_seq, dtype=np.int64)
    err = C.new_error()
    C.check(lib.lacus_vowels_lengths(ctypes.byref(p), lengths.ctypes.data_as(C.P_int64),
                                     ctypes.byref(err)), err)
    x = np.empty((int(lengths.sum()), 12), dtype=np.float64)
    labels = np.empty(n_seq, dtype=np.int64)
    C.check(lib.lacus_vowels(ctypes.byref(p), C.ptr(x), None, labels.ctypes.data_as(C.P_int64),
                             ctypes.byref(err)), err)
    return np.split(x, np.cumsum(lengths)[:-1]), labels
