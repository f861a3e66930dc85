"""lacus.nifti against nibabel (Debian's python3-nibabel, when installed)
on nibabel's own test images (NIfTI-1/-2, gzip, big-endian, scaled ints),
write/read round trips and masking."""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))

import lacus  # noqa: E402
from lacus import nifti  # noqa: E402

try:
    import nibabel
except ImportError:  # the reference is optional; the round trips still run
    nibabel = None

DATA = "/usr/lib/python3/dist-packages/nibabel/tests/data"
FILES = ["example4d.nii.gz", "example_nifti2.nii.gz", "functional.nii", "anatomical.nii",
         "standard.nii.gz"]
pytestmark = pytest.mark.skipif(not nifti.available(), reason="library built without nifticlib")


@pytest.mark.skipif(nibabel is None or not os.path.isdir(DATA), reason="no nibabel test data")
@pytest.mark.parametrize("name", FILES)
def test_read_equals_nibabel(name):
    path = os.path.join(DATA, name)
    img = nifti.read(path)
    ref = nibabel.load(path)
    want = np.asarray(ref.get_fdata(dtype=np.float64))
    assert img.data.shape == want.shape
    np.testing.assert_array_equal(img.data, want)
    np.testing.assert_allclose(img.pixdim[:want.ndim], ref.header.get_zooms()[:want.ndim],
                               rtol=1e-6)
    np.testing.assert_allclose(img.affine, ref.affine, atol=1e-5)
    assert img.version == (2 if isinstance(ref, nibabel.Nifti2Image) else 1)


def test_write_read_round_trip_and_masks(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(5, 4, 3, 6)).astype(np.float32).astype(np.float64)
    aff = np.diag([2.0, 2.0, 3.0, 1.0])
    aff[:3, 3] = [-10, 5, 1]
    img = nifti.Image(data, aff, [2, 2, 3, 1.5])
    for version, name in ((1, "a.nii"), (2, "b.nii.gz")):
        nifti.write(tmp_path / name, img, version=version)
        back = nifti.read(tmp_path / name)
        np.testing.assert_array_equal(back.data, data)
        np.testing.assert_allclose(back.affine, aff, atol=1e-6)
        assert back.version == version and back.pixdim[3] == 1.5
        if nibabel is not None:
            np.testing.assert_array_equal(nibabel.load(str(tmp_path / name)).get_fdata(), data)
    mask = np.zeros((5, 4, 3))
    mask[1:4, 1:3, 1] = 1
    m = nifti.Image(mask, aff)
    ts = nifti.mask_series(img, m)
    # mask order is x fastest, i.e. Fortran order of (x, y, z)
    sel = mask.ravel(order="F") != 0
    np.testing.assert_array_equal(ts, data.reshape(-1, 6, order="F")[sel].T)
    back = nifti.unmask(m, np.arange(ts.shape[1], dtype=float), fill=-1.0)
    assert back.data.shape == mask.shape
    np.testing.assert_array_equal(back.data.ravel(order="F")[sel], np.arange(6))
    assert np.all(back.data[mask == 0] == -1)
    with pytest.raises(lacus.LacusError) as e:
        nifti.mask_series(img, nifti.Image(np.ones((5, 4, 2))))
    assert e.value.status == -2
    with pytest.raises(lacus.LacusError):
        nifti.read(tmp_path / "missing.nii")
