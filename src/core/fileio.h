/* File helpers of the readers and writers (npy.c, npz.c, csv.c): whole-file
 * reads, and atomic writes (a temporary file in the destination's directory,
 * renamed into place only when every byte was written). */
#ifndef LACUS_CORE_FILEIO_H
#define LACUS_CORE_FILEIO_H

#include <stdio.h>

#include "lacus.h"

/* Reads a whole file (regular file, pipe or device) into a lacus__malloc'd
 * buffer with a NUL byte at buf[len] (not counted in len). */
lacus_status lacus__read_file(const char *path, char **buf, size_t *len, lacus_error *err);

/* Creates a new, empty file "<path>.tmp.<pid>.<n>" (O_EXCL, mode 0666 less
 * the umask, like fopen) and returns its name and an open descriptor. */
lacus_status lacus__tmp_create(const char *path, char **tmp, int *fd, lacus_error *err);

/* Writes through fn into a temporary file, then renames it to path. On any
 * failure no file is left at path nor under the temporary name. */
typedef lacus_status (*lacus__write_fn)(FILE *f, const char *path, void *ctx, lacus_error *err);
lacus_status lacus__write_atomic(const char *path, lacus__write_fn fn, void *ctx,
                                 lacus_error *err);

/* fwrite / fclose whose every failure (a full disk, an I/O error) becomes
 * LACUS_ERR_IO naming path. lacus__fclose_checked closes f in all cases. */
lacus_status lacus__fwrite_all(FILE *f, const void *buf, size_t n, const char *path,
                               lacus_error *err);
lacus_status lacus__fclose_checked(FILE *f, const char *path, lacus_error *err);

#endif
