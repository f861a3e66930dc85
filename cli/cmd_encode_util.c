/* Helpers of lacus encode: lists in option values, reading and writing the
 * arrays and images of the brain pipeline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd_encode.h"
#include "common.h"

int enc_parse_ints(const char *name, const char *s, int64_t *out, int max, int *n)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || (*end && *end != ',') || *n == max) {
            cli_error("--%s \"%s\": expected a comma-separated list of at most %d integers", name, s, max);
            return -1;
        }
        out[(*n)++] = v;
        p = *end ? end + 1 : end;
    }
    if (*n == 0) {
        cli_error("--%s: empty list", name);
        return -1;
    }
    return 0;
}

int enc_parse_alphas(const char *s, double *out, int max, int *n)
{
    double lo, hi;
    int k;
    char tail;
    if (sscanf(s, "logspace:%lf:%lf:%d%c", &lo, &hi, &k, &tail) == 3) {
        if (k < 1 || k > max || !isfinite(lo) || !isfinite(hi) || lo > hi || hi > 300 || lo < -300) {
            cli_error("--alphas %s: need 1 to %d values between exponents lo <= hi", s, max);
            return -1;
        }
        for (int i = 0; i < k; i++) out[i] = pow(10.0, k == 1 ? lo : lo + (hi - lo) * i / (k - 1));
        *n = k;
        return 0;
    }
    *n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        /* 0 is let through: unregularised least squares, which the caller
         * allows with --solver lstsq only. */
        if (end == p || (*end && *end != ',') || *n == max || !(v >= 0.0) || !isfinite(v)) {
            cli_error("--alphas \"%s\": expected logspace:LO:HI:N or a list of numbers >= 0", s);
            return -1;
        }
        out[(*n)++] = v;
        p = *end ? end + 1 : end;
    }
    if (!*n) return cli_error("--alphas: empty list"), -1;
    return 0;
}

int enc_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

int enc_is_nifti(const char *path)
{
    return enc_ends_with(path, ".nii") || enc_ends_with(path, ".nii.gz");
}

int enc_read_matrix(const char *path, const char *what, lacus_ndarray *a)
{
    lacus_error err = {0};
    if (lacus_npy_read_matrix(path, a, &err)) {
        cli_error("%s %s: %s", what, path, err.msg);
        return -1;
    }
    return 0;
}

int enc_write_npy(const char *path, const double *data, int ndim, const int64_t *shape)
{
    lacus_ndarray a = {LACUS_F64, ndim, {0}, (void *)data};
    for (int i = 0; i < ndim; i++) a.shape[i] = shape[i];
    lacus_error err = {0};
    if (lacus_npy_write(path, &a, &err)) {
        cli_error("writing %s: %s", path, err.msg);
        return -1;
    }
    return 0;
}

int enc_write_npz(const char *path, int n, const char *const *names, const lacus_ndarray *arrays)
{
    lacus_error err = {0};
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 0, &w, &err);
    for (int i = 0; i < n && !st; i++)
        if (arrays[i].data) st = lacus_npz_writer_add(w, names[i], &arrays[i], &err);
    if (!st) st = lacus_npz_writer_commit(w, &err);
    else if (w) lacus_npz_writer_abort(w);
    if (st) {
        cli_error("writing %s: %s", path, err.msg);
        return -1;
    }
    return 0;
}

int enc_mkdir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return 0;
        cli_error("%s exists and is not a directory", dir);
        return -1;
    }
    if (mkdir(dir, 0777) != 0) {
        cli_error("cannot create directory %s", dir);
        return -1;
    }
    return 0;
}

int enc_load_targets(const char *path, const char *mask_path, enc_targets *t)
{
    memset(t, 0, sizeof *t);
    lacus_error err = {0};
    if (!enc_is_nifti(path)) {
        if (mask_path) {
            cli_error("--mask is for NIfTI images; %s is a .npy (samples x targets)", path);
            return -1;
        }
        lacus_ndarray a = {0};
        if (enc_read_matrix(path, "--bold", &a)) return -1;
        t->data = a.data;
        t->n = a.shape[0];
        t->t = a.shape[1];
        return 0;
    }
    if (!mask_path) {
        cli_error("--bold %s is a NIfTI image: give its brain mask with --mask", path);
        return -1;
    }
    lacus_nifti img;
    if (lacus_nifti_read(path, &img, &err)) {
        cli_error("--bold %s: %s", path, err.msg);
        return -1;
    }
    if (lacus_nifti_read(mask_path, &t->mask, &err)) {
        cli_error("--mask %s: %s", mask_path, err.msg);
        lacus_nifti_free(&img);
        return -1;
    }
    int64_t nv = 0;
    if (lacus_nifti_mask_series(&img, &t->mask, NULL, &nv, &err)) {
        cli_error("--mask %s on --bold %s: %s", mask_path, path, err.msg);
        lacus_nifti_free(&img);
        lacus_nifti_free(&t->mask);
        return -1;
    }
    t->data = malloc((size_t)(img.dim[3] * nv) * sizeof(double));
    if (!t->data || lacus_nifti_mask_series(&img, &t->mask, t->data, &nv, &err)) {
        cli_error("--bold %s: %s", path, t->data ? err.msg : "out of memory");
        lacus_nifti_free(&img);
        enc_targets_free(t);
        return -1;
    }
    t->n = img.dim[3];
    t->t = nv;
    t->tr = img.pixdim[3];
    t->has_mask = 1;
    lacus_nifti_free(&img);
    return 0;
}

void enc_targets_free(enc_targets *t)
{
    free(t->data);
    lacus_nifti_free(&t->mask);
    memset(t, 0, sizeof *t);
}

/* Voxels that are NaN somewhere or constant within a run cannot be scored:
 * name the first one and how many there are. */
int enc_check_targets(const enc_targets *t, const int64_t *runs, int64_t n_runs)
{
    int64_t bad_nan = 0, bad_const = 0, first_nan = -1, first_const = -1, first_run = -1;
    for (int64_t j = 0; j < t->t; j++) {
        int nan = 0;
        for (int64_t i = 0; i < t->n && !nan; i++) nan = !isfinite(t->data[i * t->t + j]);
        if (nan) {
            if (first_nan < 0) first_nan = j;
            bad_nan++;
            continue;
        }
        for (int64_t r = 0, r0 = 0; r < n_runs; r0 += runs[r], r++) {
            double v0 = t->data[r0 * t->t + j];
            int cst = 1;
            for (int64_t i = r0 + 1; i < r0 + runs[r] && cst; i++) cst = t->data[i * t->t + j] == v0;
            if (cst) {
                if (first_const < 0) {
                    first_const = j;
                    first_run = r;
                }
                bad_const++;
                break;
            }
        }
    }
    if (bad_nan)
        cli_error("%lld target(s) (voxels/sensors) contain NaN or Inf, the first is target %lld; "
                  "mask them out or fill them", (long long)bad_nan, (long long)first_nan);
    if (bad_const)
        cli_error("%lld target(s) are constant within a run (no signal: outside the brain?), the "
                  "first is target %lld in run %lld; mask them out", (long long)bad_const,
                  (long long)first_const, (long long)first_run);
    return bad_nan || bad_const ? -1 : 0;
}
