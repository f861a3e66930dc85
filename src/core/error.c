/* Status texts and the message helpers every module uses. */
#include "core/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lacus_status_str(lacus_status s)
{
    switch (s) {
    case LACUS_OK: return "ok";
    case LACUS_ERR_ARG: return "invalid argument";
    case LACUS_ERR_SHAPE: return "shape mismatch";
    case LACUS_ERR_NOMEM: return "out of memory";
    case LACUS_ERR_IO: return "input/output error";
    case LACUS_ERR_FORMAT: return "malformed or unsupported file";
    case LACUS_ERR_NUMERIC: return "numerical error (NaN/Inf or breakdown)";
    case LACUS_ERR_NOT_CONVERGED: return "did not converge";
    case LACUS_ERR_UNSUPPORTED: return "unsupported";
    case LACUS_ERR_STATE: return "call made in the wrong state";
    }
    return "unknown status";
}

lacus_status lacus__fail(lacus_error *err, lacus_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void lacus__prefix(lacus_error *err, const char *fmt, ...)
{
    if (!err) return;
    char old[LACUS_ERRMSG_SIZE];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof err->msg - 2) return;
    /* A long message is truncated, never overflowed. Callers write the
     * prefix with or without its ": " (both forms are in use): never two. */
    const char *sep = n >= 2 && err->msg[n - 2] == ':' && err->msg[n - 1] == ' ' ? "" : ": ";
    if (snprintf(err->msg + n, sizeof err->msg - (size_t)n, "%s%s", sep, old) < 0) return;
}

void lacus__clear(lacus_error *err)
{
    if (!err) return;
    err->status = LACUS_OK;
    err->msg[0] = '\0';
}

/* Whether no entry is NaN or Inf (all exponent bits set), as an integer OR
 * over the row that the compiler vectorises; an early exit per entry kept
 * the scan scalar (an 80 MB block of states took ~20 ms). */
static int row_is_finite(const double *row, int64_t n)
{
    const uint64_t exponent = 0x7ff0000000000000ULL;
    uint64_t bad = 0;
    for (int64_t j = 0; j < n; j++) {
        uint64_t bits;
        memcpy(&bits, row + j, sizeof bits);
        bad |= (bits & exponent) == exponent;
    }
    return !bad;
}

lacus_status lacus__check_finite(lacus_error *err, const char *what, const double *x,
                                 int64_t n_rows, int64_t n_cols, int64_t ld)
{
    for (int64_t i = 0; i < n_rows; i++) {
        const double *row = x + i * ld;
        if (row_is_finite(row, n_cols)) continue;
        for (int64_t j = 0; j < n_cols; j++)
            if (!isfinite(row[j]))
                return lacus__fail(err, LACUS_ERR_NUMERIC, "%s[%lld, %lld] is %s", what,
                                   (long long)i, (long long)j, isnan(row[j]) ? "NaN" : "Inf");
    }
    return LACUS_OK;
}
