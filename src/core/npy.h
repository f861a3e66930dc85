/* Private part of the .npy code, for npz.c and the tests. */
#ifndef LACUS_CORE_NPY_H
#define LACUS_CORE_NPY_H

#include <stdio.h>

#include "lacus.h"

/* Writes a as .npy to an open stream (what lacus_npy_write does inside its
 * temporary file); exposed so tests can aim it at /dev/full. */
lacus_status lacus__npy_write_stream(FILE *f, const char *path, const lacus_ndarray *a,
                                     lacus_error *err);

#endif
