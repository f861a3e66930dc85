/* Private view of a preprocessing node, shared by preprocess.c (fit and
 * transform) and preprocess_io.c (save and load). */
#ifndef LACUS_NODES_PREPROCESS_H
#define LACUS_NODES_PREPROCESS_H

#include "lacus.h"

struct lacus_prep {
    lacus_prep_params p;
    int64_t n_features;   /* 0 until the first fit or transform */
    int64_t n_samples;    /* rows seen by fit */
    /* MINMAX: a = min, b = max. ZSCORE: a = mean of (x - shift), b = M2
     * (sum of squared deviations from the mean; var = M2 / n), shift = the
     * first value seen (or the loaded mean). Each (n_features). */
    double *a, *b, *shift;
    double *chunk;        /* ZSCORE: (2 n_features) per-chunk mean and M2 */
    /* ONEHOT: sorted distinct categories. */
    double *cats;
    int64_t n_cats, cap_cats;
    lacus_error err;
};

/* Allocates a and b (and chunk) for n features; fails with NOMEM. */
lacus_status lacus__prep_alloc_stats(lacus_prep *p, int64_t n_features);

/* The node's members inside an open archive, every name starting with
 * prefix ("" for a file of its own): prefix + "manifest.json" and the
 * statistics. Used by lacus_prep_save/load and by model files that carry
 * preprocessing (graph prep nodes, an ESN's or stack's input_prep). */
lacus_status lacus__prep_write(lacus_npz_writer *w, const char *prefix, const lacus_prep *p,
                               lacus_error *err);
lacus_status lacus__prep_read(const char *path, lacus_npz *z, const char *prefix, lacus_prep **out,
                              lacus_error *err);

#endif
