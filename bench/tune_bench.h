/* What bench_tune and bench_tune_scale share: the protocol's data and
 * learner parameters, the NRMSE of a segment of one observed unit, and the
 * per-iteration progress line of a protocol run. Include after
 * bench_util.h. */
#ifndef LACUS_TUNE_BENCH_H
#define LACUS_TUNE_BENCH_H

#include <math.h>

/* The protocol's problem of seed s: the root net's parameters (seed
 * 1000 s) in *root, its data of 2T steps, T = 2N(N+1), in *u and *y
 * (allocated here), and the learner's parameters (seed 1000 s + 1, weight
 * std 0.1/sqrt(N), leak and sharpness learnt) returned; the caller sets the
 * learner's init_mean (and anything else it varies). */
static inline lacus_tune_net_params protocol_data(lacus_tune_unit unit, int64_t N, uint64_t seed,
                                                   double **u, double **y,
                                                   lacus_tune_net_params *root)
{
    int64_t T = 2 * N * (N + 1);
    *u = xmalloc((size_t)(2 * T) * 8);
    *y = xmalloc((size_t)(2 * T) * 8);
    lacus_tune_net_params rp = lacus_tune_net_params_default();
    rp.unit = unit;
    rp.n_units = N;
    rp.seed = 1000 * seed;
    lacus_error err = {0};
    lacus_status st = lacus_tune_root_target(&rp, 2 * T, 1, *u, *y, &err);
    if (st) die("root", st, err.msg);
    if (root) *root = rp;
    lacus_tune_net_params lp = rp;
    lp.seed = 1000 * seed + 1;
    lp.init_std = 0.1 / sqrt((double)N);
    lp.learn_leak = 1;
    lp.learn_sharpness = 1;
    return lp;
}

/* NRMSE of x[t * ld] against y[t] over t in [t0, t1). */
static inline double seg_nrmse(const double *x, int64_t ld, const double *y, int64_t t0, int64_t t1)
{
    double m = 0, se = 0, sv = 0;
    for (int64_t t = t0; t < t1; t++) m += y[t];
    m /= (double)(t1 - t0);
    for (int64_t t = t0; t < t1; t++) {
        se += (x[t * ld] - y[t]) * (x[t * ld] - y[t]);
        sv += (y[t] - m) * (y[t] - m);
    }
    return sqrt(se / sv);
}

/* One line per iteration (time, candidate, NRMSE); stops the fit once it
 * has run max_s seconds (when max_s > 0). */
typedef struct row_ctx {
    double t0, last, max_s;
} row_ctx;

static inline int row_progress(const lacus_tune_info *in, void *user)
{
    row_ctx *rc = user;
    double t = now();
    printf("iter %lld cost %.6g nrmse %.4f step %.3g chosen %s s_iter %.2f s_total %.1f load1 %.2f\n",
           (long long)in->iter, in->cost, in->nrmse, in->step, in->chosen, t - rc->last, t - rc->t0, load1());
    fflush(stdout);
    rc->last = t;
    return rc->max_s > 0 && t - rc->t0 >= rc->max_s;
}

#endif
