/* NIfTI-1/2 images through nifticlib (Debian libnifti2-dev): reading any
 * datatype and byte order into doubles with the scaling applied, writing
 * float32 NIfTI-1 or -2 atomically, and masking 4-D series to voxels. In a
 * build without nifticlib every call but the mask helpers returns
 * LACUS_ERR_UNSUPPORTED. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brain/brain.h"
#include "core/alloc.h"
#include "core/error.h"

#ifdef LACUS_HAVE_NIFTI
#include <nifti2_io.h>
#endif

void lacus_nifti_free(lacus_nifti *img)
{
    if (!img) return;
    lacus__free(img->data);
    memset(img, 0, sizeof *img);
}

int lacus_nifti_available(void)
{
#ifdef LACUS_HAVE_NIFTI
    return 1;
#else
    return 0;
#endif
}

#ifdef LACUS_HAVE_NIFTI
/* Element i of nifticlib's buffer (native byte order after reading) as a
 * double. */
static int to_double(const nifti_image *nim, double *out, int64_t n)
{
    const void *d = nim->data;
    switch (nim->datatype) {
#define CASE(code, type)                                                    \
    case code:                                                              \
        for (int64_t i = 0; i < n; i++) out[i] = (double)((const type *)d)[i]; \
        return 0;
        CASE(DT_UINT8, uint8_t)
        CASE(DT_INT8, int8_t)
        CASE(DT_INT16, int16_t)
        CASE(DT_UINT16, uint16_t)
        CASE(DT_INT32, int32_t)
        CASE(DT_UINT32, uint32_t)
        CASE(DT_INT64, int64_t)
        CASE(DT_UINT64, uint64_t)
        CASE(DT_FLOAT32, float)
        CASE(DT_FLOAT64, double)
#undef CASE
    default: return -1;
    }
}
#endif

lacus_status lacus_nifti_read(const char *path, lacus_nifti *out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "nifti read: NULL output");
    memset(out, 0, sizeof *out);
    if (!path) return lacus__fail(err, LACUS_ERR_ARG, "nifti read: NULL path");
#ifndef LACUS_HAVE_NIFTI
    return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                       "%s: this build has no NIfTI support (install libnifti2-dev and rebuild)", path);
#else
    if (access(path, R_OK) != 0)
        return lacus__fail(err, LACUS_ERR_IO, "%s: cannot open the file", path);
    nifti_set_debug_level(0); /* nifticlib prints its errors otherwise */
    nifti_image *nim = nifti_image_read(path, 0); /* the header only */
    if (!nim) return lacus__fail(err, LACUS_ERR_FORMAT, "%s: not a readable NIfTI-1/2 image", path);
    /* A header can promise any size, and nifticlib allocates what it
     * promises before reading (fuzz_nifti's 640-byte file asked for 196 GB).
     * So the size is checked against the data file first; for .gz, deflate
     * expands at most 1032-fold, which bounds what the file can hold. */
    double need = (double)nim->nvox * (double)nim->nbyper;
    int64_t fsize = nifti_get_filesize(nim->iname);
    double room = fsize < 0 ? -1.0
                : nifti_is_gzfile(nim->iname) ? 1032.0 * (double)fsize
                                               : (double)fsize - (double)nim->iname_offset;
    if (!(need <= room)) {
        lacus_status st = lacus__fail(err, LACUS_ERR_FORMAT,
                                      "%s: the header describes %lld voxels of %d bytes (%.4g bytes), "
                                      "more than the file holds", path, (long long)nim->nvox,
                                      nim->nbyper, need);
        nifti_image_free(nim);
        return st;
    }
    if (nifti_image_load(nim) < 0 || !nim->data) {
        nifti_image_free(nim);
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: not a readable NIfTI-1/2 image", path);
    }
    lacus_status st = LACUS_OK;
    if (nim->ndim < 1 || nim->ndim > 4 || (nim->ndim == 4 && nim->nt < 1) || nim->nu > 1 ||
        nim->nv > 1 || nim->nw > 1)
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: %lld-D image: only 3-D and 4-D images are "
                         "supported", path, (long long)nim->ndim);
    int64_t nvox = (int64_t)nim->nvox;
    if (!st) {
        out->data = LACUS__NEW(double, nvox);
        if (!out->data) st = lacus__fail(err, LACUS_ERR_NOMEM, "%s: %lld voxels", path, (long long)nvox);
        else if (to_double(nim, out->data, nvox))
            st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: datatype %d (%s) is not supported", path,
                             nim->datatype, nifti_datatype_string(nim->datatype));
    }
    if (!st) {
        /* nibabel's rule: a slope of 0 or a non-finite one means "no
         * scaling"; otherwise data * slope + intercept. */
        double sl = nim->scl_slope, in = nim->scl_inter;
        if (sl != 0.0 && isfinite(sl) && (sl != 1.0 || (in != 0.0 && isfinite(in)))) {
            if (!isfinite(in)) in = 0.0;
            for (int64_t i = 0; i < nvox; i++) out->data[i] = out->data[i] * sl + in;
        }
        out->dim[0] = nim->nx;
        out->dim[1] = nim->ny > 0 ? nim->ny : 1;
        out->dim[2] = nim->nz > 0 ? nim->nz : 1;
        out->dim[3] = nim->ndim >= 4 && nim->nt > 0 ? nim->nt : 1;
        out->pixdim[0] = nim->dx;
        out->pixdim[1] = nim->dy;
        out->pixdim[2] = nim->dz;
        double tr = nim->dt;
        if (nim->time_units == NIFTI_UNITS_MSEC) tr /= 1000.0;
        else if (nim->time_units == NIFTI_UNITS_USEC) tr /= 1e6;
        out->pixdim[3] = nim->ndim >= 4 ? tr : 0.0; /* nibabel: no TR for 3-D */
        const nifti_dmat44 *m = nim->sform_code > 0 ? &nim->sto_xyz
                              : nim->qform_code > 0 ? &nim->qto_xyz : NULL;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                out->affine[i * 4 + j] = m ? m->m[i][j]
                                           : (i == j ? (i < 3 ? out->pixdim[i] : 1.0) : 0.0);
        /* nifti_image_read reports NIfTI-2 files as NIFTI_FTYPE_NIFTI1_1 in
         * nifti_type; the header's own version is asked for separately. */
        int nver = 0;
        void *hdr = nifti_read_header(path, &nver, 0);
        free(hdr);
        out->nifti_version = nver == 2 ? 2 : 1;
    }
    nifti_image_free(nim);
    if (st) lacus_nifti_free(out);
    return st;
#endif
}

lacus_status lacus_nifti_write(const char *path, const lacus_nifti *img, int version,
                               lacus_error *err)
{
    if (!path || !img || !img->data) return lacus__fail(err, LACUS_ERR_ARG, "nifti write: NULL argument");
    if (version != 1 && version != 2)
        return lacus__fail(err, LACUS_ERR_ARG, "nifti version %d: must be 1 or 2", version);
    for (int i = 0; i < 4; i++)
        if (img->dim[i] < 1 || img->dim[i] > 1000000)
            return lacus__fail(err, LACUS_ERR_ARG, "nifti write: dim[%d] = %lld", i, (long long)img->dim[i]);
    size_t L = strlen(path);
    const char *ext = L > 7 && !strcmp(path + L - 7, ".nii.gz") ? ".nii.gz"
                    : L > 4 && !strcmp(path + L - 4, ".nii")    ? ".nii" : NULL;
    if (!ext)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: the name must end in .nii or .nii.gz", path);
#ifndef LACUS_HAVE_NIFTI
    return lacus__fail(err, LACUS_ERR_UNSUPPORTED,
                       "%s: this build has no NIfTI support (install libnifti2-dev and rebuild)", path);
#else
    int64_t n = img->dim[0] * img->dim[1] * img->dim[2] * img->dim[3];
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(img->data[i]) && !isnan(img->data[i]))
            return lacus__fail(err, LACUS_ERR_NUMERIC, "%s: voxel %lld is infinite", path, (long long)i);
    int64_t dims[8] = {img->dim[3] > 1 ? 4 : 3, img->dim[0], img->dim[1], img->dim[2], img->dim[3], 1, 1, 1};
    nifti_set_debug_level(0);
    nifti_image *nim = nifti_make_new_nim(dims, DT_FLOAT32, 1);
    if (!nim) return lacus__fail(err, LACUS_ERR_NOMEM, "%s: NIfTI image", path);
    float *f = nim->data;
    for (int64_t i = 0; i < n; i++) f[i] = (float)img->data[i];
    double pd[4] = {img->pixdim[0], img->pixdim[1], img->pixdim[2], img->pixdim[3]};
    for (int i = 0; i < 4; i++)
        if (!(pd[i] > 0.0) || !isfinite(pd[i])) pd[i] = 1.0;
    nim->dx = nim->pixdim[1] = pd[0];
    nim->dy = nim->pixdim[2] = pd[1];
    nim->dz = nim->pixdim[3] = pd[2];
    nim->dt = nim->pixdim[4] = pd[3];
    nim->xyz_units = NIFTI_UNITS_MM;
    nim->time_units = NIFTI_UNITS_SEC;
    /* The affine goes in as the sform (scanner space), and its closest
     * rigid+scale form as the qform, as nibabel does. */
    nifti_dmat44 m;
    int has_affine = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            m.m[i][j] = img->affine[i * 4 + j];
            has_affine |= img->affine[i * 4 + j] != 0.0;
        }
    if (has_affine) {
        nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
        nim->sto_xyz = m;
        nim->sto_ijk = nifti_dmat44_inverse(m);
        nim->qform_code = NIFTI_XFORM_SCANNER_ANAT;
        nifti_dmat44_to_quatern(m, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d,
                                &nim->qoffset_x, &nim->qoffset_y, &nim->qoffset_z, NULL, NULL,
                                NULL, &nim->qfac);
        nim->qto_xyz = nifti_quatern_to_dmat44(nim->quatern_b, nim->quatern_c, nim->quatern_d,
                                               nim->qoffset_x, nim->qoffset_y, nim->qoffset_z,
                                               nim->dx, nim->dy, nim->dz, nim->qfac);
        nim->qto_ijk = nifti_dmat44_inverse(nim->qto_xyz);
    }
    /* Atomic: write "<stem>.tmp<pid>" + the same extension, check by
     * reading its header back, then rename. */
    char *tmp = LACUS__NEW(char, L + 48);
    if (!tmp) {
        nifti_image_free(nim);
        return lacus__fail(err, LACUS_ERR_NOMEM, "%s: file name", path);
    }
    size_t stem = L - strlen(ext);
    memcpy(tmp, path, stem);
    snprintf(tmp + stem, 48, ".tmp%ld%s", (long)getpid(), ext);
    lacus_status st = LACUS_OK;
    /* nifticlib prints when it cannot create the file: look first. */
    char *dir = lacus__strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) *slash = 0;
    int writable = dir && access(slash ? (*dir ? dir : "/") : ".", W_OK) == 0;
    lacus__free(dir);
    if (!writable) {
        st = lacus__fail(err, LACUS_ERR_IO, "%s: cannot write in its directory", path);
    } else if (nifti_set_filenames(nim, tmp, 0, 1) != 0) {
        st = lacus__fail(err, LACUS_ERR_IO, "%s: cannot set the file name", path);
    } else {
        if (version == 1) {
            nifti_image_write(nim);
        } else {
            /* nifticlib 3.0.1's nifti_image_write computes a data offset of
             * 0 for single-file NIfTI-2 and overwrites its own header, so
             * the header comes from nifticlib and the bytes are written
             * here: 540-byte header, 4 zero extension bytes, data at 544. */
            nifti_2_header h;
            nim->nifti_type = NIFTI_FTYPE_NIFTI2_1;
            nifti_convert_nim2n2hdr(nim, &h);
            h.vox_offset = 544;
            znzFile fp = znzopen(tmp, "wb", !strcmp(ext, ".nii.gz"));
            if (!znz_isnull(fp)) {
                char zero[4] = {0, 0, 0, 0};
                size_t w = znzwrite(&h, 1, sizeof h, fp) + znzwrite(zero, 1, 4, fp) +
                           znzwrite(nim->data, 4, (size_t)n, fp) * 4;
                if (Xznzclose(&fp) != 0 || w != sizeof h + 4 + (size_t)n * 4) remove(tmp);
            }
        }
        nifti_image *chk = nifti_image_read(tmp, 0);
        int ok = chk && chk->nvox == nim->nvox;
        if (chk) nifti_image_free(chk);
        FILE *fp = ok ? fopen(tmp, "rb") : NULL;
        if (fp) {
            /* The header alone can be readable with truncated data. */
            fseek(fp, 0, SEEK_END);
            long sz = ftell(fp);
            ok = sz > 0 && (!strcmp(ext, ".nii.gz") || sz >= (long)(n * 4 + 348));
            fclose(fp);
        } else {
            ok = 0;
        }
        if (!ok || rename(tmp, path) != 0) {
            remove(tmp);
            st = lacus__fail(err, LACUS_ERR_IO, "%s: could not write the image", path);
        }
    }
    lacus__free(tmp);
    nifti_image_free(nim);
    return st;
#endif
}

lacus_status lacus_nifti_mask_series(const lacus_nifti *img, const lacus_nifti *mask,
                                     double *series, int64_t *n_voxels, lacus_error *err)
{
    if (!img || !mask || !n_voxels || !img->data || !mask->data)
        return lacus__fail(err, LACUS_ERR_ARG, "mask series: NULL argument");
    if (mask->dim[3] != 1)
        return lacus__fail(err, LACUS_ERR_SHAPE, "the mask is 4-D (%lld volumes): it must be 3-D",
                           (long long)mask->dim[3]);
    if (img->dim[0] != mask->dim[0] || img->dim[1] != mask->dim[1] || img->dim[2] != mask->dim[2])
        return lacus__fail(err, LACUS_ERR_SHAPE,
                           "the mask grid %lld x %lld x %lld does not match the image grid "
                           "%lld x %lld x %lld",
                           (long long)mask->dim[0], (long long)mask->dim[1], (long long)mask->dim[2],
                           (long long)img->dim[0], (long long)img->dim[1], (long long)img->dim[2]);
    for (int i = 0; i < 12; i++)
        if (fabs(img->affine[i] - mask->affine[i]) > 1e-3 * fmax(1.0, fabs(img->affine[i])))
            return lacus__fail(err, LACUS_ERR_SHAPE,
                               "the mask's voxel-to-world affine differs from the image's "
                               "(entry %d: %g vs %g): not the same grid", i, mask->affine[i],
                               img->affine[i]);
    const int64_t nv = mask->dim[0] * mask->dim[1] * mask->dim[2], nt = img->dim[3];
    int64_t count = 0;
    for (int64_t i = 0; i < nv; i++) {
        if (isnan(mask->data[i]))
            return lacus__fail(err, LACUS_ERR_NUMERIC, "mask voxel %lld is NaN", (long long)i);
        count += mask->data[i] != 0.0;
    }
    if (count == 0) return lacus__fail(err, LACUS_ERR_ARG, "the mask selects no voxel");
    if (series) {
        if (*n_voxels < count)
            return lacus__fail(err, LACUS_ERR_SHAPE, "room for %lld voxels, the mask has %lld",
                               (long long)*n_voxels, (long long)count);
        for (int64_t i = 0, v = 0; i < nv; i++) {
            if (mask->data[i] == 0.0) continue;
            for (int64_t k = 0; k < nt; k++) series[k * count + v] = img->data[k * nv + i];
            v++;
        }
    }
    *n_voxels = count;
    return LACUS_OK;
}

lacus_status lacus_nifti_unmask(const lacus_nifti *mask, const double *values, int64_t n_voxels,
                                double fill, lacus_nifti *out, lacus_error *err)
{
    if (!mask || !values || !out || !mask->data) return lacus__fail(err, LACUS_ERR_ARG, "unmask: NULL argument");
    memset(out, 0, sizeof *out);
    const int64_t nv = mask->dim[0] * mask->dim[1] * mask->dim[2];
    int64_t count = 0;
    for (int64_t i = 0; i < nv; i++) count += mask->data[i] != 0.0;
    if (count != n_voxels)
        return lacus__fail(err, LACUS_ERR_SHAPE, "%lld values for a mask of %lld voxels",
                           (long long)n_voxels, (long long)count);
    out->data = LACUS__NEW(double, nv);
    if (!out->data) return lacus__fail(err, LACUS_ERR_NOMEM, "unmask");
    for (int i = 0; i < 3; i++) {
        out->dim[i] = mask->dim[i];
        out->pixdim[i] = mask->pixdim[i];
    }
    out->dim[3] = 1;
    out->pixdim[3] = 1.0;
    memcpy(out->affine, mask->affine, sizeof out->affine);
    out->nifti_version = mask->nifti_version;
    for (int64_t i = 0, v = 0; i < nv; i++) out->data[i] = mask->data[i] != 0.0 ? values[v++] : fill;
    return LACUS_OK;
}
