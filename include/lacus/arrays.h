/* lacus/arrays.h — Arrays and files: .npy, .npz, CSV. Part of the public API: include <lacus.h>,
 * which includes this file; the conventions of lacus.h hold here. */
#ifndef LACUS_ARRAYS_H
#define LACUS_ARRAYS_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/arrays.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Arrays and files: .npy, .npz, CSV                                        */
/* ------------------------------------------------------------------------ */

typedef enum lacus_dtype {
    LACUS_F64 = 0, /* '<f8' double */
    LACUS_F32 = 1, /* '<f4' float */
    LACUS_I64 = 2, /* '<i8' int64_t */
    LACUS_I32 = 3  /* '<i4' int32_t */
} lacus_dtype;

#define LACUS_MAX_DIMS 8

/* An n-dimensional array in C (row-major) order and native byte order.
 * Arrays the library returns own their data (free with lacus_ndarray_free);
 * arrays the caller builds may point at the caller's own memory. */
typedef struct lacus_ndarray {
    lacus_dtype dtype;
    int ndim;                       /* 0..LACUS_MAX_DIMS; 0 is a scalar */
    int64_t shape[LACUS_MAX_DIMS];
    void *data;
} lacus_ndarray;

/* Number of elements (product of the shape; 1 for a scalar). */
int64_t lacus_ndarray_size(const lacus_ndarray *a);
/* Bytes per element of a dtype (8 or 4). */
size_t lacus_dtype_size(lacus_dtype t);
/* Releases a->data and zeroes the struct. NULL is a no-op. */
void lacus_ndarray_free(lacus_ndarray *a);
/* Converts a (any dtype) to LACUS_F64 in place; a must own its data (an
 * array the library returned), since the old buffer is freed. Integers
 * beyond 2^53 are rounded. Fails with LACUS_ERR_NOMEM only. */
lacus_status lacus_ndarray_to_f64(lacus_ndarray *a, lacus_error *err);

/* Reads a .npy file, format versions 1.0, 2.0 and 3.0, little or big endian,
 * dtypes f4/f8/i4/i8, C or Fortran order. The result is always C order,
 * native byte order, in its own dtype. Malformed headers, truncated data,
 * trailing bytes after the data (a header that understates its array),
 * lying sizes and unsupported dtypes give LACUS_ERR_FORMAT with the file
 * name, the byte offset or field and the reason; a file that cannot be
 * opened or read gives LACUS_ERR_IO. Every reader below leaves *out zeroed
 * on failure, so lacus_ndarray_free(out) is always safe. See docs/files.md. */
lacus_status lacus_npy_read(const char *path, lacus_ndarray *out, lacus_error *err);
/* The same from a memory buffer; `name` only labels error messages. */
lacus_status lacus_npy_read_mem(const void *buf, size_t len, const char *name,
                                lacus_ndarray *out, lacus_error *err);
/* Reads a .npy and converts it to a 2-D double matrix (LACUS_F64): a 1-D
 * array of length n becomes (n, 1). Other ranks give LACUS_ERR_SHAPE. */
lacus_status lacus_npy_read_matrix(const char *path, lacus_ndarray *out, lacus_error *err);
/* Writes a .npy (version 1.0, or 2.0 when the header needs it), little
 * endian, C order. The file appears complete or not at all: it is written
 * under a temporary name in the same directory, then renamed. */
lacus_status lacus_npy_write(const char *path, const lacus_ndarray *a, lacus_error *err);
/* Serialises into a buffer of the library's allocator (free with
 * lacus_free); the bytes are exactly what lacus_npy_write puts in a file. */
lacus_status lacus_npy_write_mem(const lacus_ndarray *a, void **buf, size_t *len,
                                 lacus_error *err);

/* .npz reader: a zip archive of .npy members (stored or deflated), as
 * numpy.savez / savez_compressed write them (read with libzip). Errors name
 * the archive and the member. lacus_npz_open_mem copies buf. */
typedef struct lacus_npz lacus_npz;
lacus_status lacus_npz_open(const char *path, lacus_npz **out, lacus_error *err);
lacus_status lacus_npz_open_mem(const void *buf, size_t len, lacus_npz **out,
                                lacus_error *err);
int64_t lacus_npz_count(const lacus_npz *z);
/* Member name without a trailing ".npy" (NumPy's convention), or NULL when
 * i is out of range. Valid until lacus_npz_close. */
const char *lacus_npz_name(const lacus_npz *z, int64_t i);
/* 1 when a member of that name (with or without ".npy") exists. */
int lacus_npz_has(const lacus_npz *z, const char *name);
/* Reads member `name` (with or without ".npy"). A missing or malformed
 * member gives LACUS_ERR_FORMAT naming the archive and the member. */
lacus_status lacus_npz_read(lacus_npz *z, const char *name, lacus_ndarray *out,
                            lacus_error *err);
/* A member's raw bytes (e.g. "manifest.json"); *buf is NUL-terminated one
 * byte past *len for convenience; free it with lacus_free. */
lacus_status lacus_npz_read_bytes(lacus_npz *z, const char *name, void **buf, size_t *len,
                                  lacus_error *err);
void lacus_npz_close(lacus_npz *z);

/* .npz writer. Nothing appears at `path` until lacus_npz_writer_commit
 * succeeds; lacus_npz_writer_abort (or a failed commit) leaves no file. */
typedef struct lacus_npz_writer lacus_npz_writer;
lacus_status lacus_npz_writer_open(const char *path, int compress, lacus_npz_writer **out,
                                   lacus_error *err);
/* Adds name + ".npy". The array is copied; the caller may free it after.
 * A failed add (bad array: LACUS_ERR_ARG, duplicate name: LACUS_ERR_ARG)
 * leaves the writer as it was. */
lacus_status lacus_npz_writer_add(lacus_npz_writer *w, const char *name,
                                  const lacus_ndarray *a, lacus_error *err);
lacus_status lacus_npz_writer_add_bytes(lacus_npz_writer *w, const char *name,
                                        const void *buf, size_t len, lacus_error *err);
/* Writes the archive, renames it into place and frees w (even on failure). */
lacus_status lacus_npz_writer_commit(lacus_npz_writer *w, lacus_error *err);
void lacus_npz_writer_abort(lacus_npz_writer *w);

/* Reads a CSV/TSV file of numbers into a 2-D double matrix. delimiter 0
 * detects ',', ';', tab or spaces from the first data line (or give one of
 * ',' ';' '\t' '|' ':', or ' ' for runs of blanks; others: LACUS_ERR_ARG);
 * a first line with a cell that is text, not a number, is taken as a
 * header and skipped. Empty cells, ragged rows and non-numbers are errors
 * naming line and column (LACUS_ERR_FORMAT), as is a file without data
 * rows. Blank lines and lines starting with '#' are skipped; numbers are
 * read in the C locale whatever the process locale ("nan" and "inf" are
 * numbers). See docs/files.md. */
lacus_status lacus_csv_read(const char *path, char delimiter, lacus_ndarray *out,
                            lacus_error *err);

#endif /* LACUS_ARRAYS_H */
