/* dist.c's reduction pieces, shared with dist_graph.c, and a clock for the
 * fits' timings. Private to src/dist. */
#ifndef LACUS_DIST_PRIV_H
#define LACUS_DIST_PRIV_H

#include <time.h>

#include "lacus.h"
#include "nodes/ridge.h"

/* Doubles in a ridge's packed sums: n, sx (F), sy (O), X^T X's upper
 * triangle, X^T Y. */
int64_t lacus__dist_packed_size(int64_t F, int64_t O);
/* The ridge's sums into v (unpack 0) or back from v (unpack 1). */
void lacus__dist_pack(lacus_ridge *r, double *v, int unpack);
#ifdef LACUS_HAVE_MPI
/* (hi, lo) (n each) summed onto rank 0 along the fixed binomial tree;
 * tmp: 2 tmp_n doubles. */
void lacus__dist_tree_reduce(double *hi, double *lo, int64_t n, double *tmp, int64_t tmp_n);
#endif

/* Monotonic wall-clock seconds (the fits' stats and callbacks). */
static inline double lacus__dist_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
