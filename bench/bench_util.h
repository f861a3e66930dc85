/* Shared helpers of the benchmark programs: wall and CPU clocks, a median,
 * peak memory, load average, fatal errors, allocation, threads, .npz arrays
 * and integer arguments. Each program defines BENCH_NAME (its name in messages) before
 * including this. */
#ifndef LACUS_BENCH_UTIL_H
#define LACUS_BENCH_UTIL_H

#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "lacus.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Process CPU seconds (all threads): on a shared machine less distorted
 * by other jobs than the wall clock. */
static inline double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The median of n values (sorts v in place; n is small). */
static inline double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1.0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

/* 1-minute load average: other work on the machine skews timings (OpenMP
 * barriers inside a step suffer most), so every line records it. */
static double load1(void)
{
    double l = -1.0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1.0;
        fclose(f);
    }
    return l;
}

static void die(const char *what, lacus_status s, const char *msg)
{
    fprintf(stderr, BENCH_NAME ": %s: %s%s%s\n", what, lacus_status_str(s),
            msg && *msg ? ": " : "", msg ? msg : "");
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, BENCH_NAME ": out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* lacus, OpenMP and (if it has its own pool) OpenBLAS. */
static void set_threads(int n)
{
    lacus_set_num_threads(n);
#ifdef OPENBLAS_VERSION
    openblas_set_num_threads(n);
#endif
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

/* Array `name` of an open .npz as float64, or exit with the reason. */
static inline lacus_ndarray npz_get_f64(lacus_npz *z, const char *name)
{
    lacus_ndarray a;
    lacus_error err = {0};
    memset(&a, 0, sizeof a);
    lacus_status st = lacus_npz_read(z, name, &a, &err);
    if (!st) st = lacus_ndarray_to_f64(&a, &err);
    if (st) die(name, st, err.msg);
    return a;
}

static int64_t arg_int(const char *s, int64_t lo)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < lo) {
        fprintf(stderr, BENCH_NAME ": bad integer '%s' (need >= %lld)\n", s, (long long)lo);
        exit(2);
    }
    return (int64_t)v;
}

#endif
