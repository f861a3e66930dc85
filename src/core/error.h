/* Internal error helpers: every failure path writes a message that names
 * what was wrong, then returns the status, in one expression:
 *
 *     if (n < 1) return lacus__fail(err, LACUS_ERR_ARG, "n_units = %lld: must be >= 1", n);
 */
#ifndef LACUS_CORE_ERROR_H
#define LACUS_CORE_ERROR_H

#include "lacus.h"

#if defined(__GNUC__)
#define LACUS__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LACUS__PRINTF(f, a)
#endif

/* Writes status and formatted message into err (if not NULL); returns status. */
lacus_status lacus__fail(lacus_error *err, lacus_status status, const char *fmt, ...)
    LACUS__PRINTF(3, 4);
/* Prefixes an existing message with context ("reading x.npy: ..."). */
void lacus__prefix(lacus_error *err, const char *fmt, ...) LACUS__PRINTF(2, 3);
/* Clears err to LACUS_OK / "". */
void lacus__clear(lacus_error *err);

/* Checks a double buffer for NaN/Inf; on the first bad value fails with
 * LACUS_ERR_NUMERIC naming `what` and the (row, col) index. */
lacus_status lacus__check_finite(lacus_error *err, const char *what, const double *x,
                                 int64_t n_rows, int64_t n_cols, int64_t ld);

#endif
