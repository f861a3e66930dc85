/* bench_tune_scale: why the reverse-engineering protocol (spec §1.7) fits
 * worse at N = 32 and 64 than at N <= 16, and the multi-seed N = 64 row.
 * Modes:
 *
 *   bench_tune_scale diag [Nmax] [seeds]
 *       per N = 2..Nmax and root seed: the target's mean and standard
 *       deviation, the NRMSE that the published minimal criterion stands for
 *       on this target (output MSE = 2 nodes C, spec §1.10), what a linear
 *       regression on the input explains, and the learner's state at its
 *       random start (NRMSE, lag-1 autocorrelation of its output, share of
 *       saturated units) next to the root's; for LNL also the learner
 *       drawn with the scaled mean -0.1 min(1, 8/N)
 *   bench_tune_scale fit UNIT N [seed] [its] [init_mean] [gn_max_fanin] [max_s] [threads]
 *       one protocol run (root seed 1000 seed, learner seed 1000 seed + 1),
 *       one line per iteration (cost, NRMSE, winner, seconds, load) and a
 *       final line with training and held-out NRMSE; init_mean: the
 *       learner's weight mean (the protocol's -0.1; "s" = -0.1 min(1, 8/N), see
 *       docs/tune_scale.md); gn_max_fanin 0 = the
 *       library default.
 *   bench_tune_scale aifspeed [N] [reps] [its] [gn_max_fanin]
 *       the cost of the AIF sigmoid kernels: median wall and CPU seconds of
 *       one forward simulation and one exact gradient (forward + backward) of
 *       the protocol's learner (T = 2N(N+1)), then seconds per iteration of
 *       `its` protocol iterations (method both, gn_max_fanin default 64: the
 *       old library default, so that builds before and after the fourth
 *       round do the same work; at N = 64 the AIF units' 66 learnable
 *       weights then stay out of the node-local solve), 1 thread
 *
 * Every timing line carries the 1-minute load average. */
#define BENCH_NAME "bench_tune_scale"
#include <math.h>
#include <omp.h>
#include <string.h>

#include "bench_util.h"
#include "tune_bench.h"

/* The published minimal criteria of spec §1.10 (LNL, AIF) for N = 2..64. */
static const double PUB_LNL[] = {9.3e-7, 3.0e-6, 1.0e-6, 1.6e-6, 9.1e-6, 4.5e-6};
static const double PUB_AIF[] = {9.9e-6, 4.7e-6, 1.1e-6, 3.5e-6, 7.8e-6, 1.4e-6};

/* Root (seed 1000 s) data of 2T steps and the learner (seed 1000 s + 1),
 * exactly as bench_tune's protocol rows, with the learner's weight mean
 * init_mean. */
static lacus_tune_net *problem(lacus_tune_unit unit, int64_t N, uint64_t seed, double init_mean, double **u,
                               double **y, lacus_tune_net **root)
{
    lacus_tune_net_params rp;
    lacus_tune_net_params lp = protocol_data(unit, N, seed, u, y, &rp);
    lacus_error err = {0};
    lacus_status st;
    if (root && (st = lacus_tune_net_create(&rp, root, &err))) die("root net", st, err.msg);
    lp.init_mean = init_mean;
    lacus_tune_net *net = NULL;
    if ((st = lacus_tune_net_create(&lp, &net, &err))) die("net", st, err.msg);
    return net;
}

/* Share of (unit, step) whose LNL squashing zeta (slope 1 at 0) has a
 * slope below 0.1, i.e. |pre-activation| > ~0.9: the gradient through those
 * units is cut by > 10x. Linear nodes are 2N..3N-1 (kernel_units.c). */
static double saturated(const double *x, int64_t N, int64_t T)
{
    int64_t n_sat = 0;
    for (int64_t t = 0; t < T; t++)
        for (int64_t n = 0; n < N; n++) {
            double s = 1.0 / (1.0 + exp(-4.0 * x[t * 3 * N + 2 * N + n]));
            n_sat += 4.0 * s * (1.0 - s) < 0.1;
        }
    return (double)n_sat / (double)(N * T);
}

static double lag1_corr(const double *x, int64_t ld, int64_t T)
{
    double m = 0, c0 = 0, c1 = 0;
    for (int64_t t = 0; t < T; t++) m += x[t * ld];
    m /= (double)T;
    for (int64_t t = 0; t < T; t++) {
        double d = x[t * ld] - m;
        c0 += d * d;
        if (t) c1 += d * (x[(t - 1) * ld] - m);
    }
    return c0 > 0 ? c1 / c0 : 0.0;
}

/* NRMSE of the least-squares fit y(t) ~ a + b u(t-1) (the root's direct
 * input path, which needs no recurrence). */
static double input_only_nrmse(const double *u, const double *y, int64_t T)
{
    double su = 0, sy = 0, suu = 0, suy = 0, syy = 0;
    int64_t n = T - 1;
    for (int64_t t = 1; t < T; t++) {
        su += u[t - 1], sy += y[t];
        suu += u[t - 1] * u[t - 1], suy += u[t - 1] * y[t], syy += y[t] * y[t];
    }
    double vu = suu - su * su / (double)n, cuy = suy - su * sy / (double)n, vy = syy - sy * sy / (double)n;
    return sqrt(fmax(0.0, 1.0 - cuy * cuy / (vu * vy)));
}

static void mode_diag(int64_t Nmax, int64_t seeds)
{
    printf("# protocol diagnosis (spec 1.7): training segment T = 2N(N+1); pub_nrmse = sqrt(2 nodes C_pub / var y)\n"
           "# sat = share of unit-steps with zeta' < 0.1; ac1 = lag-1 autocorrelation of the output node\n");
    for (int ut = 0; ut < 2; ut++) {
        lacus_tune_unit unit = ut ? LACUS_TUNE_AIF : LACUS_TUNE_LNL;
        int k = 0;
        for (int64_t N = 2; N <= Nmax; N *= 2, k++)
            for (int64_t s = 1; s <= seeds; s++) {
                int64_t T = 2 * N * (N + 1);
                double *u, *y;
                lacus_tune_net *root = NULL;
                lacus_tune_net *net = problem(unit, N, (uint64_t)s, -0.1, &u, &y, &root);
                int64_t Nn = lacus_tune_net_n_nodes(net);
                double *x = xmalloc((size_t)(T * Nn) * 8), *xr = xmalloc((size_t)(T * Nn) * 8);
                lacus_tune_forward(net, u, T, x, NULL);
                lacus_tune_forward(root, u, T, xr, NULL);
                double m = 0, v = 0;
                for (int64_t t = 0; t < T; t++) m += y[t] / (double)T;
                for (int64_t t = 0; t < T; t++) v += (y[t] - m) * (y[t] - m) / (double)T;
                double pub = (ut ? PUB_AIF : PUB_LNL)[k];
                double ls = 0; /* learner output std */
                double lm = 0;
                for (int64_t t = 0; t < T; t++) lm += x[t * Nn] / (double)T;
                for (int64_t t = 0; t < T; t++) ls += (x[t * Nn] - lm) * (x[t * Nn] - lm) / (double)T;
                printf("diag unit=%s N=%lld seed=%lld T=%lld y_mean=%.4f y_std=%.4g pub_crit=%.2g pub_nrmse=%.3f "
                       "input_only_nrmse=%.3f root_ac1=%.2f learner0_nrmse=%.3f learner0_std=%.3g learner0_ac1=%.2f",
                       lacus_tune_unit_name(unit), (long long)N, (long long)s, (long long)T, m, sqrt(v), pub,
                       sqrt(2.0 * (double)Nn * pub / v), input_only_nrmse(u, y, T), lag1_corr(xr, Nn, T),
                       seg_nrmse(x, Nn, y, 0, T), sqrt(ls), lag1_corr(x, Nn, T));
                if (!ut) {
                    printf(" root_sat=%.2f learner0_sat=%.2f", saturated(xr, N, T), saturated(x, N, T));
                    /* the same learner draw with the scaled mean -0.1 min(1, 8/N) */
                    double *u2, *y2;
                    lacus_tune_net *sc = problem(unit, N, (uint64_t)s, -0.1 * fmin(1.0, 8.0 / (double)N), &u2, &y2,
                                                 NULL);
                    lacus_tune_forward(sc, u2, T, x, NULL);
                    printf(" scaled0_nrmse=%.3f scaled0_ac1=%.2f scaled0_sat=%.2f", seg_nrmse(x, Nn, y, 0, T),
                           lag1_corr(x, Nn, T), saturated(x, N, T));
                    free(u2), free(y2);
                    lacus_tune_net_free(sc);
                }
                printf("\n");
                fflush(stdout);
                free(x), free(xr), free(u), free(y);
                lacus_tune_net_free(net);
                lacus_tune_net_free(root);
            }
    }
}

static void mode_fit(const char *unit_name, int64_t N, int64_t seed, int64_t its, double init_mean,
                     int64_t gn_max_fanin, double max_s)
{
    lacus_tune_unit unit;
    if (lacus_tune_unit_parse(unit_name, &unit)) die("unit", LACUS_ERR_ARG, unit_name);
    int64_t T = 2 * N * (N + 1);
    double *u, *y;
    lacus_tune_net *net = problem(unit, N, (uint64_t)seed, init_mean, &u, &y, NULL);
    lacus_tune_params p = lacus_tune_params_default();
    p.max_iter = its;
    p.crit_eps = N < 16 ? 1e-6 : 1e-4;
    if (gn_max_fanin > 0) p.gn_max_fanin = gn_max_fanin;
    row_ctx rc = {now(), now(), max_s};
    p.progress = row_progress;
    p.progress_user = &rc;
    lacus_tune_criterion c = lacus_tune_criterion_default();
    lacus_error err = {0};
    lacus_tune_result r;
    printf("# fit unit=%s N=%lld seed=%lld T=%lld nodes=%lld weights=%lld init_mean=%g gn_max_fanin=%lld threads=%d\n",
           unit_name, (long long)N, (long long)seed, (long long)T, (long long)lacus_tune_net_n_nodes(net),
           (long long)lacus_tune_net_n_weights(net), init_mean, (long long)p.gn_max_fanin, omp_get_max_threads());
    fflush(stdout);
    double c0 = cpu_now();
    lacus_status st = lacus_tune_fit(net, u, y, T, &c, &p, &r, &err);
    if (st && st != LACUS_ERR_NUMERIC) die("fit", st, err.msg);
    double secs = now() - rc.t0, cpu = cpu_now() - c0;
    int64_t Nn = lacus_tune_net_n_nodes(net);
    double *x = xmalloc((size_t)(2 * T * Nn) * 8);
    lacus_tune_forward(net, u, 2 * T, x, NULL);
    printf("fit unit=%s N=%lld seed=%lld T=%lld init_mean=%g iterations=%lld stop=%d nrmse0=%.4f train_nrmse=%.4f "
           "test_nrmse=%.4f criterion=%.3g s=%.1f s_per_iter=%.2f cpu_s_per_iter=%.2f load1=%.2f\n", unit_name,
           (long long)N, (long long)seed, (long long)T, init_mean, (long long)r.iterations, r.stopped, r.nrmse0,
           r.nrmse, seg_nrmse(x, Nn, y, T, 2 * T), r.cost / (double)(Nn * T), secs,
           secs / (double)(r.iterations ? r.iterations : 1), cpu / (double)(r.iterations ? r.iterations : 1),
           load1());
    free(x), free(u), free(y);
    lacus_tune_net_free(net);
}

static void mode_aifspeed(int64_t N, int reps, int64_t its, int64_t gn_max_fanin)
{
    set_threads(1);
    int64_t T = 2 * N * (N + 1);
    double *u, *y;
    lacus_tune_net *net = problem(LACUS_TUNE_AIF, N, 1, -0.1, &u, &y, NULL);
    int64_t Nn = lacus_tune_net_n_nodes(net), nw = lacus_tune_net_n_weights(net);
    double *x = xmalloc((size_t)(T * Nn) * 8), *g = xmalloc((size_t)nw * 8);
    double *fw = xmalloc((size_t)reps * 8), *fc = xmalloc((size_t)reps * 8);
    double *gw = xmalloc((size_t)reps * 8), *gc = xmalloc((size_t)reps * 8);
    lacus_tune_criterion c = lacus_tune_criterion_default();
    lacus_error err = {0};
    lacus_status st;
    for (int r = 0; r < reps; r++) {
        double t0 = now(), c0 = cpu_now();
        if ((st = lacus_tune_forward(net, u, T, x, &err))) die("forward", st, err.msg);
        fw[r] = now() - t0, fc[r] = cpu_now() - c0;
        t0 = now(), c0 = cpu_now();
        if ((st = lacus_tune_gradient(net, &c, u, y, NULL, T, 0, g, NULL, x, NULL, NULL, &err)))
            die("gradient", st, err.msg);
        gw[r] = now() - t0, gc[r] = cpu_now() - c0;
    }
    double fwm = median(fw, reps), fcm = median(fc, reps), gwm = median(gw, reps), gcm = median(gc, reps);
    lacus_tune_params p = lacus_tune_params_default();
    p.max_iter = its;
    p.crit_eps = 0; /* time exactly `its` iterations */
    p.gn_max_fanin = gn_max_fanin; /* 64: the old default, so that builds before and after compare the same work */
    lacus_tune_result r;
    double t0 = now(), c0 = cpu_now();
    if ((st = lacus_tune_fit(net, u, y, T, &c, &p, &r, &err)) && st != LACUS_ERR_NUMERIC) die("fit", st, err.msg);
    double fs = now() - t0, fcs = cpu_now() - c0;
    int64_t ni = r.iterations ? r.iterations : 1;
    printf("aifspeed N=%lld T=%lld weights=%lld forward_s=%.4g forward_cpu_s=%.4g gradient_s=%.4g gradient_cpu_s=%.4g "
           "fit_iterations=%lld s_per_iter=%.3g cpu_s_per_iter=%.3g train_nrmse=%.4f peak_MB=%.0f load1=%.2f\n",
           (long long)N, (long long)T, (long long)nw, fwm, fcm, gwm, gcm, (long long)r.iterations, fs / (double)ni,
           fcs / (double)ni, r.nrmse, peak_rss_mb(), load1());
    free(x), free(g), free(fw), free(fc), free(gw), free(gc), free(u), free(y);
    lacus_tune_net_free(net);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "diag";
    printf("# bench_tune_scale %s, lacus %s, load1=%.2f\n", mode, lacus_version(), load1());
    if (!strcmp(mode, "diag")) mode_diag(argc > 2 ? arg_int(argv[2], 2) : 64, argc > 3 ? arg_int(argv[3], 1) : 3);
    else if (!strcmp(mode, "aifspeed"))
        mode_aifspeed(argc > 2 ? arg_int(argv[2], 2) : 16, argc > 3 ? (int)arg_int(argv[3], 1) : 5,
                      argc > 4 ? arg_int(argv[4], 1) : 3, argc > 5 ? arg_int(argv[5], 0) : 64);
    else if (!strcmp(mode, "fit") && argc > 3) {
        int64_t N = arg_int(argv[3], 2);
        double mean = -0.1;
        if (argc > 6) mean = !strcmp(argv[6], "s") ? -0.1 * fmin(1.0, 8.0 / (double)N) : atof(argv[6]);
        if (argc > 9) set_threads((int)arg_int(argv[9], 1));
        mode_fit(argv[2], N, argc > 4 ? arg_int(argv[4], 1) : 1, argc > 5 ? arg_int(argv[5], 1) : 100, mean,
                 argc > 7 ? arg_int(argv[7], 0) : 0, argc > 8 ? (double)arg_int(argv[8], 1) : 0.0);
    } else {
        fprintf(stderr, "usage: bench_tune_scale diag [Nmax] [seeds] | fit UNIT N [seed] [its] [init_mean|s] "
                        "[gn_max_fanin] [max_s] [threads] | aifspeed [N] [reps] [its] [gn_max_fanin]\n");
        return 2;
    }
    return 0;
}
