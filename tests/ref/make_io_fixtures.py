#!/usr/bin/env python3
"""Writes the .npy/.npz fixtures read by tests/unit/test_npy.c and test_npz.c.

Every file is made by NumPy itself (numpy.lib.format.write_array, np.save,
np.savez, np.savez_compressed), so the C reader is tested against the real
writer: format versions 1.0/2.0/3.0, both byte orders, C and Fortran order,
0-d to 8-d and empty arrays. Malformed files are built in memory by the C
tests, where a reader can see what each one breaks.

Element k (in C order) of every array is a known formula, so the C tests
check values without a second copy of the data:
    float:  (k - 1.5) * 0.25
    int32:  k * 1000003 - 7
    int64:  k * (2**33 + 1) - 5     (uses the high bytes, so byte swaps show)

Usage:
    /work/refenv/bin/python tests/ref/make_io_fixtures.py            # writes tests/fixtures/io
    /work/refenv/bin/python tests/ref/make_io_fixtures.py --check DIR
        checks that numpy.load opens the files the C tests wrote into DIR
        (build-io/tests/tmp_test_npy and tmp_test_npz).
"""
import argparse
import os
import sys

import numpy as np
from numpy.lib import format as npf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "io")


def values(dtype, shape):
    dt = np.dtype(dtype)
    k = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    if dt.kind == "f":
        v = (k - 1.5) * 0.25
    elif dt.itemsize == 4:
        v = k * 1000003 - 7
    else:
        v = k * (2**33 + 1) - 5
    return v.astype(dt).reshape(shape)


def tag(dtype):
    dt = np.dtype(dtype)
    order = "be" if dt.byteorder == ">" else "le"
    return f"{order}_{dt.kind}{dt.itemsize}"


# (version, dtype, shape, Fortran order?) -> one .npy each.
NPY_CASES = (
    [((1, 0), dt, (3, 4), False) for dt in ("<f8", ">f8", "<f4", ">f4", "<i4", ">i4", "<i8", ">i8")]
    + [
        ((1, 0), "<f8", (3, 4), True),
        ((1, 0), ">i4", (2, 3, 4), True),
        ((1, 0), "<f4", (2, 3, 4), True),
        ((1, 0), ">i8", (2, 3), True),
        ((1, 0), "<f8", (), False),
        ((1, 0), "<f8", (5,), False),
        ((1, 0), ">f8", (5,), True),  # 1-d: Fortran and C order coincide
        ((1, 0), "<f8", (2, 3, 4), False),
        ((1, 0), "<f8", (0, 3), False),
        ((1, 0), "<i4", (0,), False),
        ((1, 0), "<f8", (1, 2, 1, 2, 1, 1, 2, 1), False),
        ((2, 0), "<f8", (3, 4), False),
        ((3, 0), ">f8", (2, 3), True),
    ]
)


def npy_name(version, dtype, shape, fortran):
    dims = "x".join(str(s) for s in shape) if shape else "scalar"
    return f"v{version[0]}_{tag(dtype)}_{'f' if fortran else 'c'}_{dims}.npy"


def npz_arrays():
    return {
        "a": values("<f8", (3, 4)),
        "b": values("<i4", (5,)),
        "c": values("<f4", ()),
        "d": np.asfortranarray(values(">f8", (2, 3))),
    }


def write_fixtures():
    os.makedirs(OUT, exist_ok=True)
    for version, dtype, shape, fortran in NPY_CASES:
        a = values(dtype, shape)
        if fortran:
            a = np.asfortranarray(a)
            assert a.ndim < 2 or not a.flags.c_contiguous
        with open(os.path.join(OUT, npy_name(version, dtype, shape, fortran)), "wb") as f:
            npf.write_array(f, a, version=version)
    # np.save's own bytes, which lacus_npy_write must reproduce exactly.
    np.save(os.path.join(OUT, "numpy_save_f8_3x4.npy"), values("<f8", (3, 4)))
    np.savez(os.path.join(OUT, "stored.npz"), **npz_arrays())
    np.savez_compressed(os.path.join(OUT, "deflated.npz"), **npz_arrays())
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}")


def check_written(d):
    """What the C tests write (see write_for_numpy in test_npy.c / test_npz.c)."""
    checked = 0
    p = os.path.join(d, "for_numpy.npy")
    if os.path.exists(p):
        np.testing.assert_array_equal(np.load(p), values("<f8", (3, 4)))
        checked += 1
    for name in ("for_numpy_stored.npz", "for_numpy_deflated.npz"):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            continue
        with np.load(p) as z:
            assert sorted(z.files) == ["a", "b", "c", "e", "manifest.json"], z.files
            np.testing.assert_array_equal(z["a"], values("<f8", (3, 4)))
            np.testing.assert_array_equal(z["b"], values("<i4", (5,)))
            np.testing.assert_array_equal(z["c"], values("<i8", ()))
            assert z["e"].shape == (0, 3) and z["e"].dtype == np.float32
            assert z.zip.read("manifest.json") == b'{"format": 1}'
        checked += 1
    if not checked:
        sys.exit(f"nothing to check in {d}")
    print(f"numpy {np.__version__} loaded {checked} files from {d}: OK")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", metavar="DIR", help="check files the C tests wrote")
    args = ap.parse_args()
    check_written(args.check) if args.check else write_fixtures()
