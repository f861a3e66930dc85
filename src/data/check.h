/* Argument checks shared by the dataset generators and the metrics: each
 * returns LACUS_OK or fails with a message naming the parameter and the
 * allowed range. */
#ifndef LACUS_DATA_CHECK_H
#define LACUS_DATA_CHECK_H

#include <math.h>

#include "core/error.h"

static inline lacus_status lacus__check_steps(lacus_error *err, const char *fn, int64_t n_steps)
{
    if (n_steps < 1)
        return lacus__fail(err, LACUS_ERR_ARG, "%s: n_steps = %lld: must be >= 1", fn,
                           (long long)n_steps);
    return LACUS_OK;
}

/* A finite parameter (NaN and Inf are never meaningful here). */
static inline lacus_status lacus__check_param(lacus_error *err, const char *fn,
                                              const char *name, double v)
{
    if (!isfinite(v))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: %s = %g: must be a finite number", fn, name,
                           v);
    return LACUS_OK;
}

/* A finite parameter > 0. */
static inline lacus_status lacus__check_positive(lacus_error *err, const char *fn,
                                                 const char *name, double v)
{
    if (!isfinite(v) || !(v > 0))
        return lacus__fail(err, LACUS_ERR_ARG, "%s: %s = %g: must be finite and > 0", fn, name,
                           v);
    return LACUS_OK;
}

#define LACUS__TRY(expr)                                                                   \
    do {                                                                                   \
        lacus_status st_ = (expr);                                                         \
        if (st_ != LACUS_OK) return st_;                                                   \
    } while (0)

#endif
