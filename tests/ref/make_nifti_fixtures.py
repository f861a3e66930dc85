"""Reference values for tests/unit/test_brain_nifti.c: the NIfTI test images
that Debian's python3-nibabel (5.0.0) ships, read by nibabel itself.

    /usr/bin/python3 tests/ref/make_nifti_fixtures.py

For each file: the shape, voxel sizes, TR in seconds, the best affine when
the file sets an sform or qform, the sum and sum of |x| of the scaled data
in float64, and 500 voxels at fixed random positions (flat index in
Fortran order = x fastest, as lacus stores images). Writes
tests/fixtures/brain/nifti_ref.npz.
"""
import os

import nibabel as nib
import numpy as np

DATA = "/usr/lib/python3/dist-packages/nibabel/tests/data"
FILES = ["example4d.nii.gz", "example_nifti2.nii.gz", "functional.nii",
         "anatomical.nii", "standard.nii.gz"]
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "brain", "nifti_ref.npz")

arrays = {}
rng = np.random.default_rng(0)
for i, name in enumerate(FILES):
    img = nib.load(os.path.join(DATA, name))
    data = np.asarray(img.get_fdata(dtype=np.float64))
    shape = list(data.shape) + [1] * (4 - data.ndim)
    flat = data.reshape(-1, order="F")
    idx = rng.integers(0, flat.size, 500)
    hdr = img.header
    zooms = list(hdr.get_zooms()) + [0.0] * (4 - len(hdr.get_zooms()))
    units = hdr.get_xyzt_units()[1]
    tr = zooms[3] / 1000.0 if units == "msec" else zooms[3] / 1e6 if units == "usec" else zooms[3]
    sform = int(hdr["sform_code"]) > 0 or int(hdr["qform_code"]) > 0
    arrays[f"f{i}_shape"] = np.array(shape, dtype=np.int64)
    arrays[f"f{i}_zooms"] = np.array(zooms[:3] + [tr])
    arrays[f"f{i}_affine"] = img.affine if sform else np.zeros((4, 4))
    arrays[f"f{i}_sum"] = np.array([flat.sum(), np.abs(flat).sum()])
    arrays[f"f{i}_idx"] = idx.astype(np.int64)
    arrays[f"f{i}_val"] = flat[idx]
    arrays[f"f{i}_version"] = np.array([2 if isinstance(img, nib.Nifti2Image) else 1])
    print(name, shape, data.dtype, hdr.get_data_dtype(), "big-endian" if hdr.endianness == ">" else "little")
np.savez(OUT, **arrays)
