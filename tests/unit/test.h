/* A 40-line test helper (in the spirit of Redis's testhelp.h): each test
 * program is a main() calling TEST blocks; CHECK records a failure with its
 * line and keeps going; the program exits non-zero if anything failed. */
#ifndef LACUS_TEST_H
#define LACUS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int test_failed_ = 0, test_checks_ = 0;
static const char *test_name_ = "";

#define TEST(name) for (int once_ = (test_name_ = (name), 1); once_; once_ = 0)

#define CHECK(cond)                                                                  \
    do {                                                                             \
        test_checks_++;                                                              \
        if (!(cond)) {                                                               \
            test_failed_++;                                                          \
            fprintf(stderr, "%s:%d [%s] CHECK(%s) failed\n", __FILE__, __LINE__,     \
                    test_name_, #cond);                                              \
        }                                                                            \
    } while (0)

/* |a - b| <= tol * max(1, |b|): relative for large values, absolute near 0. */
#define CHECK_CLOSE(a, b, tol)                                                       \
    do {                                                                             \
        double a_ = (a), b_ = (b);                                                   \
        test_checks_++;                                                              \
        if (!(fabs(a_ - b_) <= (tol) * fmax(1.0, fabs(b_)))) {                       \
            test_failed_++;                                                          \
            fprintf(stderr, "%s:%d [%s] %s = %.17g, expected %.17g (tol %g)\n",      \
                    __FILE__, __LINE__, test_name_, #a, a_, b_, (double)(tol));      \
        }                                                                            \
    } while (0)

#define CHECK_STATUS(expr, expected)                                                 \
    do {                                                                             \
        int got_ = (int)(expr);                                                      \
        test_checks_++;                                                              \
        if (got_ != (int)(expected)) {                                               \
            test_failed_++;                                                          \
            fprintf(stderr, "%s:%d [%s] %s returned %d, expected %d\n", __FILE__,    \
                    __LINE__, test_name_, #expr, got_, (int)(expected));             \
        }                                                                            \
    } while (0)

#define TEST_MAIN_END()                                                              \
    do {                                                                             \
        printf("%d checks, %d failed\n", test_checks_, test_failed_);                \
        return test_failed_ ? 1 : 0;                                                 \
    } while (0)

/* Largest |a_i - b_i| / max(scale, max_i |b_i|) over n values. */
static inline double test_max_rel_diff(const double *a, const double *b, long n, double scale)
{
    double m = 0.0, d = 0.0;
    for (long i = 0; i < n; i++) {
        if (fabs(b[i]) > m) m = fabs(b[i]);
        if (fabs(a[i] - b[i]) > d) d = fabs(a[i] - b[i]);
    }
    return d / fmax(m, scale);
}

#endif
