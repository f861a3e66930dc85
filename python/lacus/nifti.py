"""NIfTI images through the library's nifticlib reader and writer
(include/lacus/encoding.h): read, write (NIfTI-1 or -2, .nii or .nii.gz,
atomically), mask to voxel time series and back, slice maps as PNG.

An Image holds data in nibabel's orientation, (nx, ny, nz) or
(nx, ny, nz, nt) float64 (scaling applied), the 4x4 voxel-to-world affine,
the voxel sizes and TR (pixdim) and the NIfTI version.
"""

import ctypes
import os

import numpy as np

from . import _capi as C
from ._capi import lib, c_int64, c_double, c_int, P_double

P_err = ctypes.POINTER(C.Error)


class Nifti(ctypes.Structure):
    _fields_ = [("dim", c_int64 * 4), ("pixdim", c_double * 4), ("affine", c_double * 16),
                ("nifti_version", c_int), ("data", P_double)]


_p = C._proto
_p("lacus_nifti_available", c_int)
_p("lacus_nifti_read", C.status, ctypes.c_char_p, ctypes.POINTER(Nifti), P_err)
_p("lacus_nifti_write", C.status, ctypes.c_char_p, ctypes.POINTER(Nifti), c_int, P_err)
_p("lacus_nifti_free", None, ctypes.POINTER(Nifti))
_p("lacus_nifti_mask_series", C.status, ctypes.POINTER(Nifti), ctypes.POINTER(Nifti), P_double,
   ctypes.POINTER(c_int64), P_err)
_p("lacus_nifti_unmask", C.status, ctypes.POINTER(Nifti), P_double, c_int64, c_double,
   ctypes.POINTER(Nifti), P_err)
_p("lacus_encoding_plot_map", C.status, ctypes.c_char_p, ctypes.POINTER(Nifti), ctypes.c_char_p,
   P_err)
_p("lacus_encoding_plot_curve", C.status, ctypes.c_char_p, P_double, P_double, c_int64,
   ctypes.c_char_p, ctypes.c_char_p, P_err)


def _call(fn, *args):
    err = C.new_error()
    C.check(fn(*args, ctypes.byref(err)), err)


def available():
    """True when this build of the library reads and writes NIfTI."""
    return bool(lib.lacus_nifti_available())


class Image:
    """Image(data, affine=None (identity), pixdim=None (ones), version=1)."""

    def __init__(self, data, affine=None, pixdim=None, version=1):
        data = np.asarray(data, dtype=np.float64)
        if data.ndim not in (3, 4):
            raise ValueError("data must be 3-D or 4-D (nx, ny, nz[, nt]), got shape %s"
                             % (data.shape,))
        self.data = data
        self.affine = np.eye(4) if affine is None else C.as_f64(affine, 2, "affine")
        if self.affine.shape != (4, 4):
            raise ValueError("affine must be 4x4, got %s" % (self.affine.shape,))
        self.pixdim = np.ones(4) if pixdim is None else C.as_f64(pixdim, 1, "pixdim")
        if self.pixdim.shape != (4,):
            raise ValueError("pixdim must have 4 values (x, y, z sizes and TR)")
        self.version = int(version)

    @property
    def shape(self):
        return self.data.shape

    def _struct(self):
        """A lacus_nifti over this image; returns (struct, keepalive)."""
        d = self.data if self.data.ndim == 4 else self.data[..., None]
        buf = np.ascontiguousarray(d.transpose(3, 2, 1, 0))  # x fastest, as the C layout
        s = Nifti()
        for i in range(4):
            s.dim[i] = d.shape[i]
            s.pixdim[i] = self.pixdim[i]
        for i in range(16):
            s.affine[i] = self.affine.ravel()[i]
        s.nifti_version = self.version
        s.data = C.ptr(buf)
        return s, buf

    @classmethod
    def _from_struct(cls, s, owned=True):
        try:
            nx, ny, nz, nt = (int(v) for v in s.dim)
            flat = np.ctypeslib.as_array(s.data, shape=(nt * nz * ny * nx,)).copy()
            data = flat.reshape(nt, nz, ny, nx).transpose(3, 2, 1, 0)
            if nt == 1:
                data = data[..., 0]
            return cls(np.ascontiguousarray(data), np.array(s.affine[:]).reshape(4, 4),
                       np.array(s.pixdim[:]), s.nifti_version)
        finally:
            if owned:
                lib.lacus_nifti_free(ctypes.byref(s))


def read(path):
    """Reads .nii / .nii.gz / .hdr+.img, NIfTI-1 or -2, either byte order."""
    s = Nifti()
    _call(lib.lacus_nifti_read, os.fsencode(path), ctypes.byref(s))
    return Image._from_struct(s)


def write(path, img, version=None):
    """Writes a float32 NIfTI file (.nii or .nii.gz by the name), atomically."""
    s, keep = img._struct()
    _call(lib.lacus_nifti_write, os.fsencode(path), ctypes.byref(s),
          int(version if version is not None else img.version))


def mask_series(img, mask):
    """Time series (nt, n_voxels) of a 4-D image at the mask's non-zero
    voxels (x fastest), on the same grid."""
    si, ki = img._struct()
    sm, km = mask._struct()
    n = c_int64()
    _call(lib.lacus_nifti_mask_series, ctypes.byref(si), ctypes.byref(sm), None, ctypes.byref(n))
    out = np.empty((int(si.dim[3]), n.value))
    _call(lib.lacus_nifti_mask_series, ctypes.byref(si), ctypes.byref(sm), C.ptr(out),
          ctypes.byref(n))
    return out


def unmask(mask, values, fill=0.0):
    """A 3-D Image on the mask's grid: values at the mask voxels, fill elsewhere."""
    sm, km = mask._struct()
    v = C.as_f64(values, 1, "values")
    out = Nifti()
    _call(lib.lacus_nifti_unmask, ctypes.byref(sm), C.ptr(v), v.shape[0], float(fill),
          ctypes.byref(out))
    return Image._from_struct(out)


def plot_map(png_path, img, title=""):
    """Axial slices of a 3-D map as a PNG (gnuplot)."""
    s, keep = img._struct()
    _call(lib.lacus_encoding_plot_map, os.fsencode(png_path), ctypes.byref(s), title.encode())


def plot_curve(png_path, x, y, xlabel="", ylabel=""):
    """A score time course (e.g. MEG r over lags) as a PNG (gnuplot)."""
    x = C.as_f64(x, 1, "x")
    y = C.as_f64(y, 1, "y")
    if x.shape != y.shape:
        raise C.LacusError(-2, "x has %d values but y %d" % (x.shape[0], y.shape[0]))
    _call(lib.lacus_encoding_plot_curve, os.fsencode(png_path), C.ptr(x), C.ptr(y), x.shape[0],
          xlabel.encode(), ylabel.encode())
