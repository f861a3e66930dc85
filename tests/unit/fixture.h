/* Reading fixtures (.npz from tests/ref/ generators) in tests. */
#ifndef LACUS_TEST_FIXTURE_H
#define LACUS_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lacus.h"

static inline const char *fx_dir(void)
{
    const char *d = getenv("LACUS_FIXTURES");
    return d ? d : "tests/fixtures";
}

/* A scratch directory for the test's outputs (created). */
static inline const char *fx_tmp(void)
{
    const char *d = getenv("LACUS_TMP");
    if (!d) d = "/tmp/lacus_test";
    mkdir(d, 0777);
    return d;
}

/* <fixtures>/io/<name> and <scratch>/<name>; each keeps its own buffer, so
 * one of each may appear in the same call. */
static inline const char *fx_io(const char *name)
{
    static char p[2048];
    snprintf(p, sizeof p, "%s/io/%s", fx_dir(), name);
    return p;
}

static inline const char *fx_tmp_path(const char *name)
{
    static char p[2048];
    snprintf(p, sizeof p, "%s/%s", fx_tmp(), name);
    return p;
}

static inline lacus_npz *fx_open(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fx_dir(), rel);
    lacus_npz *z = NULL;
    lacus_error err = {0};
    if (lacus_npz_open(path, &z, &err)) {
        fprintf(stderr, "cannot open fixture %s: %s\n", path, err.msg);
        exit(2);
    }
    return z;
}

/* Reads a member as float64 (any numeric dtype converted); exits on error
 * since a missing fixture is a broken test, not a failed check. */
static inline lacus_ndarray fx_get(lacus_npz *z, const char *name)
{
    lacus_ndarray a = {0};
    lacus_error err = {0};
    if (lacus_npz_read(z, name, &a, &err) || lacus_ndarray_to_f64(&a, &err)) {
        fprintf(stderr, "fixture array %s: %s\n", name, err.msg);
        exit(2);
    }
    return a;
}

/* tests/fixtures/<rel> (an .npy) as a 2-D float64 matrix (1-D arrays
 * become one column); exits on error, like fx_get. */
static inline lacus_ndarray fx_npy(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fx_dir(), rel);
    lacus_ndarray a = {0};
    lacus_error err = {0};
    if (lacus_npy_read_matrix(path, &a, &err)) {
        fprintf(stderr, "cannot read fixture %s: %s\n", path, err.msg);
        exit(2);
    }
    return a;
}

/* tests/fixtures/datasets/<name>.npy, as fx_npy. */
static inline lacus_ndarray fx_dataset(const char *name)
{
    char rel[512];
    snprintf(rel, sizeof rel, "datasets/%s.npy", name);
    return fx_npy(rel);
}

static inline double fx_scalar(lacus_npz *z, const char *name)
{
    lacus_ndarray a = fx_get(z, name);
    double v = ((double *)a.data)[0];
    lacus_ndarray_free(&a);
    return v;
}

#endif
