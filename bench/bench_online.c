/*
 * bench_online — speed of lacus's online readout (RLS) and of closed-loop
 * generation (issue 3, section Speed), against ReservoirPy 0.4.2 through
 * bench/anchor_reservoirpy.py, which prints the same keys (impl=reservoirpy).
 *
 *   bench_online rls N T        reservoir + RLS training on T steps (states of
 *                               the reservoir, then lacus_online_partial_fit
 *                               row by row: what ReservoirPy's
 *                               (reservoir >> RLS()).partial_fit(u, y) does);
 *                               the RLS part alone on those precomputed states;
 *                               and the O(N^2)-per-step bound: a bare
 *                               cblas_dsymv + cblas_dsyr pair of size N, on
 *                               one thread (and on --threads K), repeated
 *   bench_online generate N K   trains a small ESN (ridge) on a sine, then
 *                               times lacus_esn_generate: 100 warm-up steps,
 *                               then K closed-loop steps
 *
 * Options: --threads K (default 2), --bound-steps S (steps of the bare
 * dsymv + dsyr loop, default min(T, 2000): the per-step cost is constant, so
 * the bound for T steps is S steps scaled by T / S).
 *
 * Workload (same on both sides): 1-d input, the sine s[t] = sin(0.1 t);
 * target s[t + 1]. Reservoir(N, lr=0.3, sr=1.25, rc_connectivity=0.1,
 * input_connectivity=0.1, input_scaling=1, seed=42); RLS(alpha=1e-6,
 * forgetting=1, fit_bias=True) (ReservoirPy's defaults); for generate,
 * Ridge(ridge=1e-6) trained on 2,000 steps with warmup 100.
 * Weight initialisation is outside the timing on both sides (init_s).
 *
 * One machine-readable line per measurement ("key=value"), as bench_esn.
 */
#define _POSIX_C_SOURCE 200809L

#include <cblas.h>
#include <math.h>
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

#define BENCH_NAME "bench_online"
#include "bench_util.h"

#define LR 0.3
#define SR 1.25
#define RC_CONN 0.1
#define SEED 42
#define RLS_ALPHA 1e-6
#define GEN_TRAIN 2000
#define GEN_WARMUP 100
#define GEN_RIDGE 1e-6

static int g_threads = 2;
static int64_t g_bound_steps = 0; /* 0: min(T, 2000) */
static double g_load = -1.0;

static lacus_reservoir_params workload_reservoir(int64_t n_units)
{
    lacus_reservoir_params p = lacus_reservoir_params_default();
    p.n_units = n_units;
    p.n_inputs = 1;
    p.lr = LR;
    p.sr = SR;
    p.rc_connectivity = RC_CONN;
    p.seed = SEED;
    return p;
}

/* s[t] = sin(0.1 t), t = 0 .. n-1 */
static double *sine(int64_t n)
{
    double *s = xmalloc((size_t)n * sizeof(double));
    for (int64_t t = 0; t < n; t++)
        s[t] = sin(0.1 * (double)t);
    return s;
}

/* ------------------------------------------------------------------ rls */

/* Bare dsymv + dsyr of size N, `steps` times, on the current BLAS threads:
 * what one RLS step cannot go below (P x, then the rank-1 update of P). */
static double bound_seconds(int64_t N, const double *X, int64_t T, int64_t steps)
{
    double *P = xmalloc((size_t)N * (size_t)N * sizeof(double));
    double *u = xmalloc((size_t)N * sizeof(double));
    for (int64_t i = 0; i < N * N; i++)
        P[i] = 0.0;
    for (int64_t i = 0; i < N; i++)
        P[i * N + i] = 1.0 / RLS_ALPHA;
    const int n = (int)N;
    /* one untimed step to touch P */
    cblas_dsymv(CblasRowMajor, CblasUpper, n, 1.0, P, n, X, 1, 0.0, u, 1);
    double t0 = now();
    for (int64_t t = 0; t < steps; t++) {
        const double *x = X + (t % T) * N;
        cblas_dsymv(CblasRowMajor, CblasUpper, n, 1.0, P, n, x, 1, 0.0, u, 1);
        double d = 1.0 + cblas_ddot(n, x, 1, u, 1);
        cblas_dsyr(CblasRowMajor, CblasUpper, n, -1.0 / d, u, 1, P, n);
    }
    double s = now() - t0;
    free(u);
    free(P);
    return s;
}

static int cmd_rls(int64_t N, int64_t T)
{
    lacus_error err;
    lacus_status st;
    lacus_reservoir_params rp = workload_reservoir(N);
    double *s = sine(T + 1);
    double *X = xmalloc((size_t)T * (size_t)N * sizeof(double));

    double t0 = now();
    lacus_reservoir *r = NULL;
    if ((st = lacus_reservoir_create(&rp, &r, &err)) != LACUS_OK)
        die("reservoir_create", st, err.msg);
    lacus_online_params op = lacus_online_params_default();
    op.n_features = N;
    op.n_outputs = 1;
    op.method = LACUS_ONLINE_RLS;
    op.alpha = RLS_ALPHA;
    lacus_online *m = NULL;
    if ((st = lacus_online_create(&op, &m, &err)) != LACUS_OK)
        die("online_create", st, err.msg);
    double init_s = now() - t0;

    /* Reservoir + RLS: states of the whole sequence, then RLS row by row. */
    t0 = now();
    if ((st = lacus_reservoir_run(r, s, T, 1, X)) != LACUS_OK)
        die("reservoir_run", st, lacus_reservoir_errmsg(r));
    double t1 = now();
    if ((st = lacus_online_partial_fit(m, X, N, s + 1, 1, T, NULL)) != LACUS_OK)
        die("online_partial_fit", st, lacus_online_errmsg(m));
    double t2 = now();
    double states_s = t1 - t0, rls_s = t2 - t1, train_s = t2 - t0;
    double W0 = 0.0, b0 = 0.0;
    double *Wout = xmalloc((size_t)N * sizeof(double));
    lacus_online_get_weights(m, Wout, &b0);
    for (int64_t i = 0; i < N; i++)
        W0 += Wout[i];

    /* Training error of the a-priori predictions is not the point here; a
     * checksum of the weights shows both runs did the same work. */
    printf("impl=lacus workload=rls N=%lld T=%lld threads=%d seconds=%.6g init_s=%.4g "
           "states_s=%.4g rls_s=%.4g us_per_step=%.4g peak_rss_mb=%.1f load1=%.2f "
           "checksum=%.10e\n",
           (long long)N, (long long)T, g_threads, train_s, init_s, states_s, rls_s,
           train_s / (double)T * 1e6, peak_rss_mb(), g_load, W0 + b0);
    fflush(stdout);

    /* RLS alone on the precomputed states, measured again from a reset. */
    lacus_online_reset(m);
    t0 = now();
    if ((st = lacus_online_partial_fit(m, X, N, s + 1, 1, T, NULL)) != LACUS_OK)
        die("online_partial_fit", st, lacus_online_errmsg(m));
    double alone_s = now() - t0;
    printf("impl=lacus workload=rls_only N=%lld T=%lld threads=%d seconds=%.6g "
           "us_per_step=%.4g peak_rss_mb=%.1f load1=%.2f\n",
           (long long)N, (long long)T, g_threads, alone_s, alone_s / (double)T * 1e6,
           peak_rss_mb(), g_load);
    fflush(stdout);

    /* The O(N^2)-per-step bound: bare dsymv + dsyr, one thread and K. */
    int64_t S = g_bound_steps > 0 ? g_bound_steps : (T < 2000 ? T : 2000);
    int counts[2] = {1, g_threads};
    for (int k = 0; k < (g_threads > 1 ? 2 : 1); k++) {
        set_threads(counts[k]);
        double b = bound_seconds(N, X, T, S) * (double)T / (double)S;
        /* dsymv 2N^2 + dsyr N^2 flops; P (upper half used) read twice, written once */
        double gflops = 3.0 * (double)N * (double)N * (double)T / b * 1e-9;
        printf("impl=lacus workload=rls_bound op=dsymv+dsyr N=%lld T=%lld threads=%d "
               "seconds=%.6g measured_steps=%lld us_per_step=%.4g gflops=%.4g "
               "fraction_rls_only=%.3f fraction_rls=%.3f load1=%.2f\n",
               (long long)N, (long long)T, counts[k], b, (long long)S, b / (double)T * 1e6,
               gflops, b / alone_s, b / train_s, g_load);
        fflush(stdout);
    }
    set_threads(g_threads);

    free(Wout);
    lacus_online_free(m);
    lacus_reservoir_free(r);
    free(X);
    free(s);
    return 0;
}

/* ------------------------------------------------------------- generate */

static int cmd_generate(int64_t N, int64_t K)
{
    lacus_error err;
    lacus_status st;
    const int64_t Tt = GEN_TRAIN;
    double *s = sine(Tt + 1 + K + GEN_WARMUP);

    double t0 = now();
    lacus_esn_params ep = lacus_esn_params_default();
    ep.reservoir = workload_reservoir(N);
    ep.readout.ridge = GEN_RIDGE;
    ep.warmup = GEN_WARMUP;
    lacus_esn *m = NULL;
    if ((st = lacus_esn_create(&ep, &m, &err)) != LACUS_OK)
        die("esn_create", st, err.msg);
    double init_s = now() - t0;

    const double *u_data[1] = {s};
    const double *y_data[1] = {s + 1};
    int64_t n_steps[1] = {Tt};
    lacus_seqs u = {1, 1, u_data, n_steps};
    lacus_seqs y = {1, 1, y_data, n_steps};
    t0 = now();
    if ((st = lacus_esn_fit(m, &u, &y)) != LACUS_OK)
        die("esn_fit", st, lacus_esn_errmsg(m));
    double fit_s = now() - t0;

    /* Warm-up on s[0 .. 99]: out[k] forecasts s[100 + k]. */
    double *out = xmalloc((size_t)(K > 0 ? K : 1) * sizeof(double));
    double best = 1e300;
    int reps = 0;
    do {
        t0 = now();
        if ((st = lacus_esn_generate(m, s, GEN_WARMUP, K, out)) != LACUS_OK)
            die("esn_generate", st, lacus_esn_errmsg(m));
        double dt = now() - t0;
        if (dt < best)
            best = dt;
        reps++;
    } while (reps < 3 && best * reps < 1.0);
    /* CPU seconds of one more run (all threads): on a shared machine wall
     * time mostly measures the other jobs. */
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if ((st = lacus_esn_generate(m, s, GEN_WARMUP, K, out)) != LACUS_OK)
        die("esn_generate", st, lacus_esn_errmsg(m));
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);

    /* NRMSE of the first 100 generated steps against the true sine (a
     * sanity check that the loop generates the signal, not a speed number). */
    int64_t H = K < 100 ? K : 100;
    double se = 0.0;
    for (int64_t k = 0; k < H; k++) {
        double e = out[k] - s[GEN_WARMUP + k];
        se += e * e;
    }
    double nrmse100 = H > 0 ? sqrt(se / (double)H) / sqrt(0.5) : 0.0;
    double sum = 0.0;
    for (int64_t k = 0; k < K; k++)
        sum += out[k];
    printf("impl=lacus workload=generate N=%lld K=%lld warmup=%d threads=%d seconds=%.6g "
           "init_s=%.4g fit_s=%.4g reps=%d us_per_step=%.4g cpu_us_per_step=%.4g nrmse100=%.3g "
           "peak_rss_mb=%.1f "
           "load1=%.2f checksum=%.10e\n",
           (long long)N, (long long)K, GEN_WARMUP, g_threads, best, init_s, fit_s, reps,
           K > 0 ? best / (double)K * 1e6 : 0.0, K > 0 ? cpu / (double)K * 1e6 : 0.0, nrmse100,
           peak_rss_mb(), g_load, sum);

    free(out);
    lacus_esn_free(m);
    free(s);
    return 0;
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: bench_online rls N T [options]\n"
                    "       bench_online generate N K [options]\n"
                    "options: --threads K (2)  --bound-steps S (min(T, 2000))\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *pos[4];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            g_threads = (int)arg_int(argv[++i], 1);
        else if (strcmp(argv[i], "--bound-steps") == 0 && i + 1 < argc)
            g_bound_steps = arg_int(argv[++i], 1);
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            usage();
        else if (npos < 4)
            pos[npos++] = argv[i];
        else
            usage();
    }
    if (npos != 3)
        usage();
    g_load = load1();
    set_threads(g_threads);
    if (strcmp(pos[0], "rls") == 0)
        return cmd_rls(arg_int(pos[1], 1), arg_int(pos[2], 1));
    if (strcmp(pos[0], "generate") == 0)
        return cmd_generate(arg_int(pos[1], 1), arg_int(pos[2], 0));
    usage();
    return 2;
}
