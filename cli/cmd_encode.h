/* lacus encode: private declarations shared by its files. */
#ifndef LACUS_CLI_CMD_ENCODE_H
#define LACUS_CLI_CMD_ENCODE_H

#include <stdint.h>

#include "lacus.h"

/* Targets (samples x targets) from a .npy, or a NIfTI series under a mask. */
typedef struct enc_targets {
    double *data;
    int64_t n, t;
    double tr;          /* from the NIfTI header (0 for .npy) */
    int has_mask;
    lacus_nifti mask;   /* the mask image when has_mask */
} enc_targets;

int enc_parse_ints(const char *opt, const char *s, int64_t *out, int max, int *n);
int enc_parse_alphas(const char *s, double *out, int max, int *n);
int enc_ends_with(const char *s, const char *suffix);
int enc_is_nifti(const char *path);
int enc_read_matrix(const char *path, const char *what, lacus_ndarray *a);
int enc_write_npy(const char *path, const double *data, int ndim, const int64_t *shape);
/* Writes the n named float64 arrays to one .npz, atomically; an array whose
 * data is NULL is left out. Returns 0, or -1 after printing why. */
int enc_write_npz(const char *path, int n, const char *const *names, const lacus_ndarray *arrays);
int enc_mkdir(const char *dir);
int enc_load_targets(const char *path, const char *mask_path, enc_targets *t);
void enc_targets_free(enc_targets *t);
int enc_check_targets(const enc_targets *t, const int64_t *runs, int64_t n_runs);

int enc_simulate(int argc, char **argv);
int enc_fit(int argc, char **argv);
int enc_score(int argc, char **argv);
int enc_ceiling(int argc, char **argv);
int enc_banded(int argc, char **argv);
int enc_fif(int argc, char **argv);
/* .fif / .FIF */
int enc_is_fif(const char *path);
/* The picked channels of a raw FIF file, samples x channels (malloc'd
 * a->data: free with free()), and its sampling rate. 0, or -1 after
 * printing why. */
int enc_read_fif(const char *path, const char *what, const char *picks_spec, lacus_ndarray *a,
                 double *sfreq);

#endif
