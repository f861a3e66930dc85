/* Double-double accumulation (error-free TwoSum): sums whose rounded value
 * does not depend on the order of the additions (see dist.c). Private to
 * src/dist. */
#ifndef LACUS_DIST_DD_H
#define LACUS_DIST_DD_H

#include <stdint.h>

/* (hi, lo) += v, element-wise, n values. */
static inline void lacus__dd_add(double *hi, double *lo, const double *v, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double s = hi[i] + v[i], bp = s - hi[i];
        lo[i] += (hi[i] - (s - bp)) + (v[i] - bp);
        hi[i] = s;
    }
}

/* (hi, lo) += x for one value. */
static inline void lacus__dd_add1(double *hi, double *lo, double x)
{
    double s = *hi + x, bp = s - *hi;
    *lo += (*hi - (s - bp)) + (x - bp);
    *hi = s;
}

#endif
