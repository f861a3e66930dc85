/*
 * bench_esn — speed and memory of lacus's reservoir and ridge readout.
 *
 * Uses only the public header (plus CBLAS/LAPACKE for the bare-BLAS
 * references measured in the same process). Every subcommand prints one
 * machine-readable line per measurement, "key=value" separated by spaces,
 * which bench/run.sh pairs with the ReservoirPy anchor
 * (bench/anchor_reservoirpy.py) that prints the same keys.
 *
 *   bench_esn states N conn T n_seqs   reservoir states of n_seqs sequences
 *                                      of T steps each (n_seqs > 1:
 *                                      lacus_reservoir_run_many, or one
 *                                      handle per thread with --handles)
 *   bench_esn fit N conn T             whole ESN fit on one sequence, its
 *                                      parts, and X^T X accumulation GFLOP/s
 *                                      against a bare dsyrk of shape (N, T)
 *   bench_esn peak                     bare dgemm / dsyrk GFLOP/s (the BLAS
 *                                      peak of this machine)
 *   bench_esn memfit N T               streaming fit of N units on T steps,
 *                                      chunk by chunk; peak resident memory
 *
 * Options (after the subcommand's arguments): --threads K (default 2),
 * --reps R (repetitions of short measurements; default: as many as fit in
 * about a second, at most 3; the best is kept), --chunk C (memfit chunk, 10000),
 * --handles (see states), --f32 (fit: accumulate X^T X in float32, as
 * lacus_ridge_params.accumulate_f32).
 *
 * The workload is the one of the speed goals: random 768-d input and
 * 768-d target, lr 0.985, sr 2.8, input_scaling 5.0, input_connectivity
 * 0.05, ridge 0.276, seed 42. Inputs and targets are U(-1, 1) from a fixed
 * seed (our own generator; the anchor draws its own: only sizes matter).
 */
#define _POSIX_C_SOURCE 200809L

#include <cblas.h>
#include <lapacke.h>
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

#include "core/rng.h"
#include "lacus.h"

#define BENCH_NAME "bench_esn"
#include "bench_util.h"

#define N_IO 768
#define LR 0.985
#define SR 2.8
#define INPUT_SCALING 5.0
#define INPUT_CONNECTIVITY 0.05
#define RIDGE 0.276
#define SEED 42

static int g_threads = 2;
static int g_f32 = 0; /* fit: float32 X^T X accumulation */
static int g_reps = 0; /* 0: automatic */
static int64_t g_chunk = 10000;
static int g_handles = 0; /* states: one handle per thread instead of run_many */

/* ---------------------------------------------------------------- utils */

/* 1-minute load average at start: other work on the machine skews timings
 * (OpenMP barriers inside a step suffer most), so every line records it. */
static double g_load = -1.0;

/* Workload data from lacus's own generator (core/rng.h): U(-1, 1). */
typedef lacus__rng rng_t;
#define rng_seed lacus__rng_seed

static void fill_uniform(rng_t *r, double *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = 2.0 * lacus__rng_uniform(r) - 1.0;
}

static double checksum(const double *x, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

static lacus_reservoir_params workload_reservoir(int64_t n_units, double conn)
{
    lacus_reservoir_params p = lacus_reservoir_params_default();
    p.n_units = n_units;
    p.n_inputs = N_IO;
    p.lr = LR;
    p.sr = SR;
    p.input_scaling = INPUT_SCALING;
    p.input_connectivity = INPUT_CONNECTIVITY;
    p.rc_connectivity = conn;
    p.seed = SEED;
    return p;
}

/* How many times to repeat a measurement that took `first` seconds: enough
 * to fill about a second, at most 3 (the best time is kept). */
static int reps_for(double first)
{
    if (g_reps > 0)
        return g_reps;
    if (first >= 1.0)
        return 1;
    return first >= 0.5 ? 2 : 3;
}

/* --------------------------------------------------------------- states */

static int cmd_states(int64_t N, double conn, int64_t T, int64_t n_seqs)
{
    lacus_error err = {0};
    lacus_reservoir_params p = workload_reservoir(N, conn);
    /* Several sequences go through lacus_reservoir_run_many (lockstep
     * lanes, threads inside each step), or with --handles through one
     * handle per thread, each running whole sequences. */
    int n_handles = n_seqs > 1 && g_handles ? g_threads : 1;
    lacus_reservoir **res = xmalloc(sizeof *res * (size_t)n_handles);

    double t0 = now();
    for (int h = 0; h < n_handles; h++) {
        lacus_status s = lacus_reservoir_create(&p, &res[h], &err);
        if (s != LACUS_OK)
            die("lacus_reservoir_create", s, err.msg);
    }
    double init_s = (now() - t0) / n_handles;
    int64_t nnz = lacus_reservoir_W_nnz(res[0]);

    rng_t rng;
    rng_seed(&rng, SEED);
    double **u = xmalloc(sizeof *u * (size_t)n_seqs);
    double **x = xmalloc(sizeof *x * (size_t)n_seqs);
    int64_t *steps = xmalloc(sizeof *steps * (size_t)n_seqs);
    for (int64_t i = 0; i < n_seqs; i++) {
        u[i] = xmalloc(sizeof(double) * (size_t)(T * N_IO));
        x[i] = xmalloc(sizeof(double) * (size_t)(T * N));
        steps[i] = T;
        fill_uniform(&rng, u[i], T * N_IO);
        /* touch the output so first-touch page faults are not timed */
        memset(x[i], 0, sizeof(double) * (size_t)(T * N));
    }
    lacus_seqs useqs = {n_seqs, N_IO, (const double *const *)u, steps};

    double best = INFINITY;
    int reps = 1;
    int st = LACUS_OK; /* worst status (codes are negative) */
    for (int rep = 0; rep < reps; rep++) {
        double t = now();
        if (n_seqs == 1) {
            st = lacus_reservoir_run(res[0], u[0], T, 1, x[0]);
        } else if (n_handles == 1) {
            st = lacus_reservoir_run_many(res[0], &useqs, x);
        } else {
            /* Handles are not thread-safe: one per thread, static partition
             * (STYLE.md); each sequence starts from a zero state (reset = 1)
             * as ReservoirPy's run(list) does. */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(n_handles) reduction(min : st)
#endif
            for (int64_t i = 0; i < n_seqs; i++) {
                int h = 0;
#ifdef _OPENMP
                h = omp_get_thread_num();
#endif
                int si = lacus_reservoir_run(res[h], u[i], T, 1, x[i]);
                if (si < st)
                    st = si;
            }
        }
        double dt = now() - t;
        if (st != LACUS_OK)
            die("lacus_reservoir_run", (lacus_status)st, lacus_reservoir_errmsg(res[0]));
        if (dt < best)
            best = dt;
        if (rep == 0)
            reps = reps_for(dt);
    }

    double sum = 0.0;
    for (int64_t i = 0; i < n_seqs; i++)
        sum += checksum(x[i], T * N);
    /* Useful flops per step: W x (2 nnz), Win u (2 nnz(Win) ~ 2 N 768 conn_in). */
    double flops = 2.0 * ((double)nnz + (double)N * N_IO * INPUT_CONNECTIVITY) * (double)T *
                   (double)n_seqs;
    printf("impl=lacus workload=states N=%lld conn=%g T=%lld seqs=%lld threads=%d seconds=%.6g "
           "init_s=%.4g reps=%d mode=%s nnz_W=%lld gflops=%.4g peak_rss_mb=%.1f load1=%.2f checksum=%.10e\n",
           (long long)N, conn, (long long)T, (long long)n_seqs, g_threads, best, init_s, reps,
           n_seqs == 1 ? "run" : n_handles > 1 ? "handles" : "run_many",
           (long long)nnz, flops / best * 1e-9, peak_rss_mb(), g_load, sum);

    for (int64_t i = 0; i < n_seqs; i++) {
        free(u[i]);
        free(x[i]);
    }
    free(u);
    free(x);
    free(steps);
    for (int h = 0; h < n_handles; h++)
        lacus_reservoir_free(res[h]);
    free(res);
    return 0;
}

/* ------------------------------------------------------------------ fit */

static const char *solver_name(lacus_solver s)
{
    return s == LACUS_SOLVER_DUAL ? "dual" : s == LACUS_SOLVER_PRIMAL ? "primal" : "auto";
}

static lacus_ridge *make_ridge(int64_t n_features, int64_t n_outputs, int64_t keep)
{
    lacus_error err = {0};
    lacus_ridge_params rp = lacus_ridge_params_default();
    rp.n_features = n_features;
    rp.n_outputs = n_outputs;
    rp.ridge = RIDGE;
    rp.keep_samples = keep;
    rp.accumulate_f32 = g_f32;
    lacus_ridge *m = NULL;
    lacus_status s = lacus_ridge_create(&rp, &m, &err);
    if (s != LACUS_OK)
        die("lacus_ridge_create", s, err.msg);
    return m;
}

static int cmd_fit(int64_t N, double conn, int64_t T)
{
    lacus_error err = {0};
    lacus_status s;
    /* Fewer samples than features: keep them, so the dual form is used (as a
     * user who knows the header would). */
    int64_t keep = T < N ? T : 0;

    lacus_esn_params ep = lacus_esn_params_default();
    ep.reservoir = workload_reservoir(N, conn);
    ep.readout.ridge = RIDGE;
    ep.readout.keep_samples = keep;
    ep.readout.accumulate_f32 = g_f32;

    double t0 = now();
    lacus_esn *esn = NULL;
    s = lacus_esn_create(&ep, &esn, &err);
    if (s != LACUS_OK)
        die("lacus_esn_create", s, err.msg);
    double init_s = now() - t0;

    rng_t rng;
    rng_seed(&rng, SEED);
    double *u = xmalloc(sizeof(double) * (size_t)(T * N_IO));
    double *y = xmalloc(sizeof(double) * (size_t)(T * N_IO));
    fill_uniform(&rng, u, T * N_IO);
    fill_uniform(&rng, y, T * N_IO);
    const double *up = u, *yp = y;
    lacus_seqs in = {1, N_IO, &up, &T}, tg = {1, N_IO, &yp, &T};

    /* 1. The whole fit, as a user calls it. */
    t0 = now();
    s = lacus_esn_fit(esn, &in, &tg);
    double fit_s = now() - t0;
    if (s != LACUS_OK)
        die("lacus_esn_fit", s, lacus_esn_errmsg(esn));
    lacus_solver solver = lacus_ridge_last_solver(lacus_esn_readout(esn));
    double *Wout = xmalloc(sizeof(double) * (size_t)(N * N_IO));
    double *bout = xmalloc(sizeof(double) * N_IO);
    lacus_ridge_get_weights(lacus_esn_readout(esn), Wout, bout);
    double wsum = checksum(Wout, N * N_IO) + checksum(bout, N_IO);

    /* 2. Its parts, through the reservoir and ridge handles. */
    double *X = xmalloc(sizeof(double) * (size_t)(T * N));
    memset(X, 0, sizeof(double) * (size_t)(T * N));
    t0 = now();
    s = lacus_reservoir_run(lacus_esn_reservoir(esn), u, T, 1, X);
    double states_s = now() - t0;
    if (s != LACUS_OK)
        die("lacus_reservoir_run", s, lacus_reservoir_errmsg(lacus_esn_reservoir(esn)));

    lacus_ridge *rd = make_ridge(N, N_IO, keep);
    t0 = now();
    s = lacus_ridge_partial_fit(rd, X, N, y, N_IO, T);
    double acc_s = now() - t0;
    if (s != LACUS_OK)
        die("lacus_ridge_partial_fit", s, lacus_ridge_errmsg(rd));
    t0 = now();
    s = lacus_ridge_solve(rd);
    double solve_s = now() - t0;
    if (s != LACUS_OK)
        die("lacus_ridge_solve", s, lacus_ridge_errmsg(rd));
    /* The parts must give the same readout as the whole. */
    double *W2 = xmalloc(sizeof(double) * (size_t)(N * N_IO));
    double *b2 = xmalloc(sizeof(double) * N_IO);
    lacus_ridge_get_weights(rd, W2, b2);
    double maxdiff = 0.0, maxabs = 0.0;
    for (int64_t i = 0; i < N * N_IO; i++) {
        maxdiff = fmax(maxdiff, fabs(W2[i] - Wout[i]));
        maxabs = fmax(maxabs, fabs(Wout[i]));
    }
    lacus_ridge_free(rd);
    free(W2);
    free(b2);

    printf("impl=lacus workload=fit N=%lld conn=%g T=%lld seqs=1 threads=%d seconds=%.6g "
           "init_s=%.4g states_s=%.4g acc_s=%.4g solve_s=%.4g solver=%s f32=%d fallback=%d "
           "parts_rel_diff=%.2e peak_rss_mb=%.1f load1=%.2f checksum=%.10e\n",
           (long long)N, conn, (long long)T, g_threads, fit_s, init_s, states_s, acc_s, solve_s,
           solver_name(solver), g_f32, lacus_ridge_used_fallback(lacus_esn_readout(esn)),
           maxabs > 0 ? maxdiff / maxabs : maxdiff, peak_rss_mb(), g_load, wsum);
    fflush(stdout);

    /* 3. X^T X alone (a 1-output ridge makes X^T Y negligible, 2NT flops
     * against N(N+1)T) against a bare dsyrk of the same (N, T) shape, then
     * a bare dpotrf of the (N, N) system as the solve's reference. Only for
     * the primal form: the dual form never forms X^T X. With --f32 the
     * accumulation is single precision and a double dsyrk is no reference. */
    if (keep == 0 && !g_f32) {
        double *y1 = xmalloc(sizeof(double) * (size_t)T);
        fill_uniform(&rng, y1, T);
        double xtx_s = INFINITY, syrk_s = INFINITY;
        double *C = xmalloc(sizeof(double) * (size_t)(N * N));
        memset(C, 0, sizeof(double) * (size_t)(N * N));
        int reps = 1;
        for (int rep = 0; rep < reps; rep++) {
            lacus_ridge *r1 = make_ridge(N, 1, 0);
            t0 = now();
            s = lacus_ridge_partial_fit(r1, X, N, y1, 1, T);
            double dt = now() - t0;
            if (s != LACUS_OK)
                die("lacus_ridge_partial_fit", s, lacus_ridge_errmsg(r1));
            lacus_ridge_free(r1);
            xtx_s = fmin(xtx_s, dt);

            t0 = now();
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)N, (int)T, 1.0, X, (int)N,
                        0.0, C, (int)N);
            dt = now() - t0;
            syrk_s = fmin(syrk_s, dt);
            if (rep == 0)
                reps = reps_for(fmax(xtx_s, dt));
        }
        double flops = (double)N * (double)(N + 1) * (double)T;
        printf("impl=lacus workload=xtx N=%lld T=%lld threads=%d seconds=%.6g gflops=%.4g "
               "dsyrk_s=%.6g dsyrk_gflops=%.4g peak_frac=%.4f reps=%d\n",
               (long long)N, (long long)T, g_threads, xtx_s, flops / xtx_s * 1e-9, syrk_s,
               flops / syrk_s * 1e-9, syrk_s / xtx_s, reps);
        fflush(stdout);

        /* C holds the upper triangle of X^T X, row-major: the lower one in
         * column-major terms, which LAPACKE passes through without the
         * transposed copy it makes for row-major input. */
        for (int64_t i = 0; i < N; i++)
            C[i * N + i] += RIDGE;
        t0 = now();
        lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)N, C, (lapack_int)N);
        double potrf_s = now() - t0;
        double pflops = (double)N * (double)N * (double)N / 3.0;
        printf("impl=lacus workload=dpotrf N=%lld threads=%d seconds=%.6g gflops=%.4g info=%d "
               "solve_s=%.6g\n",
               (long long)N, g_threads, potrf_s, pflops / potrf_s * 1e-9, (int)info, solve_s);
        free(C);
        free(y1);
    }

    free(X);
    free(u);
    free(y);
    free(Wout);
    free(bout);
    lacus_esn_free(esn);
    return 0;
}

/* ----------------------------------------------------------------- peak */

static int cmd_peak(void)
{
    const int n = 3000;
    double *A = xmalloc(sizeof(double) * (size_t)n * n);
    double *B = xmalloc(sizeof(double) * (size_t)n * n);
    double *C = xmalloc(sizeof(double) * (size_t)n * n);
    rng_t rng;
    rng_seed(&rng, SEED);
    fill_uniform(&rng, A, (int64_t)n * n);
    fill_uniform(&rng, B, (int64_t)n * n);
    memset(C, 0, sizeof(double) * (size_t)n * n);

    int counts[2] = {1, g_threads};
    for (int k = 0; k < (g_threads > 1 ? 2 : 1); k++) {
        set_threads(counts[k]);
        /* warm up the BLAS thread pool */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 200, 200, 200, 1.0, A, n, B, n,
                    0.0, C, n);
        double gemm_s = INFINITY, syrk_s = INFINITY;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now();
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0,
                        C, n);
            gemm_s = fmin(gemm_s, now() - t0);
            t0 = now();
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, n, 1.0, A, n, 0.0, C, n);
            syrk_s = fmin(syrk_s, now() - t0);
        }
        double nn = (double)n;
        printf("impl=lacus workload=peak op=dgemm n=%d threads=%d seconds=%.6g gflops=%.4g "
               "load1=%.2f\n",
               n, counts[k], gemm_s, 2.0 * nn * nn * nn / gemm_s * 1e-9, g_load);
        printf("impl=lacus workload=peak op=dsyrk n=%d threads=%d seconds=%.6g gflops=%.4g "
               "load1=%.2f\n",
               n, counts[k], syrk_s, nn * (nn + 1) * nn / syrk_s * 1e-9, g_load);
    }
    set_threads(g_threads);
    free(A);
    free(B);
    free(C);
    return 0;
}

/* --------------------------------------------------------------- memfit */

/* Fits N units on T steps without ever holding the data: inputs and
 * targets are generated chunk by chunk, the reservoir continues from the
 * state of the previous chunk (reset = 0), and the ridge sums grow by
 * partial_fit. This is the only way 1,000,000 steps of 768-d data fit in
 * memory at all (inputs and targets alone would be 12 GB). */
static int cmd_memfit(int64_t N, int64_t T)
{
    lacus_error err = {0};
    lacus_status s;
    lacus_reservoir_params p = workload_reservoir(N, 0.1);
    lacus_reservoir *r = NULL;
    double t0 = now();
    s = lacus_reservoir_create(&p, &r, &err);
    if (s != LACUS_OK)
        die("lacus_reservoir_create", s, err.msg);
    double init_s = now() - t0;
    lacus_ridge *rd = make_ridge(N, N_IO, 0);

    int64_t C = g_chunk < T ? g_chunk : T;
    double *u = xmalloc(sizeof(double) * (size_t)(C * N_IO));
    double *y = xmalloc(sizeof(double) * (size_t)(C * N_IO));
    double *X = xmalloc(sizeof(double) * (size_t)(C * N));
    rng_t rng;
    rng_seed(&rng, SEED);

    double gen_s = 0.0, run_s = 0.0, acc_s = 0.0;
    for (int64_t done = 0; done < T; done += C) {
        int64_t n = T - done < C ? T - done : C;
        t0 = now();
        fill_uniform(&rng, u, n * N_IO);
        fill_uniform(&rng, y, n * N_IO);
        double t1 = now();
        s = lacus_reservoir_run(r, u, n, done == 0, X);
        double t2 = now();
        if (s != LACUS_OK)
            die("lacus_reservoir_run", s, lacus_reservoir_errmsg(r));
        s = lacus_ridge_partial_fit(rd, X, N, y, N_IO, n);
        double t3 = now();
        if (s != LACUS_OK)
            die("lacus_ridge_partial_fit", s, lacus_ridge_errmsg(rd));
        gen_s += t1 - t0;
        run_s += t2 - t1;
        acc_s += t3 - t2;
    }
    t0 = now();
    s = lacus_ridge_solve(rd);
    double solve_s = now() - t0;
    if (s != LACUS_OK)
        die("lacus_ridge_solve", s, lacus_ridge_errmsg(rd));
    double *Wout = xmalloc(sizeof(double) * (size_t)(N * N_IO));
    double *b = xmalloc(sizeof(double) * N_IO);
    lacus_ridge_get_weights(rd, Wout, b);
    double wsum = checksum(Wout, N * N_IO) + checksum(b, N_IO);

    printf("impl=lacus workload=memfit N=%lld conn=0.1 T=%lld chunk=%lld threads=%d "
           "seconds=%.6g init_s=%.4g states_s=%.4g acc_s=%.4g solve_s=%.4g gen_s=%.4g "
           "peak_rss_mb=%.1f load1=%.2f checksum=%.10e\n",
           (long long)N, (long long)T, (long long)C, g_threads, run_s + acc_s + solve_s, init_s,
           run_s, acc_s, solve_s, gen_s, peak_rss_mb(), g_load, wsum);
    free(u);
    free(y);
    free(X);
    free(Wout);
    free(b);
    lacus_ridge_free(rd);
    lacus_reservoir_free(r);
    return 0;
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_esn states N conn T n_seqs [options]\n"
            "       bench_esn fit N conn T [options]\n"
            "       bench_esn peak [options]\n"
            "       bench_esn memfit N T [options]\n"
            "options: --threads K (2)  --reps R (auto)  --chunk C (10000)\n"
            "         --handles (states: one handle per thread, not run_many)\n"
            "         --f32 (fit: float32 X^T X accumulation)\n");
    exit(2);
}

static double arg_real(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v > 0.0 && v <= 1.0)) {
        fprintf(stderr, "bench_esn: bad connectivity '%s' (need 0 < c <= 1)\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    /* Split positional arguments from --options. */
    const char *pos[8];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            g_threads = (int)arg_int(argv[++i], 1);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            g_reps = (int)arg_int(argv[++i], 1);
        else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc)
            g_chunk = arg_int(argv[++i], 1);
        else if (strcmp(argv[i], "--handles") == 0)
            g_handles = 1;
        else if (strcmp(argv[i], "--f32") == 0)
            g_f32 = 1;
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            usage();
        else if (npos < 8)
            pos[npos++] = argv[i];
        else
            usage();
    }
    if (npos < 1)
        usage();
    if (strcmp(lacus_version(), LACUS_VERSION_STRING) != 0)
        fprintf(stderr, "bench_esn: warning: header %s, library %s\n", LACUS_VERSION_STRING,
                lacus_version());
    g_load = load1();
    set_threads(g_threads);
#ifdef _OPENMP
    /* The library threads inside a single sequence; when we run sequences
     * in parallel ourselves, that inner level must not oversubscribe. */
    omp_set_max_active_levels(1);
#endif

    const char *cmd = pos[0];
    if (strcmp(cmd, "states") == 0 && npos == 5)
        return cmd_states(arg_int(pos[1], 1), arg_real(pos[2]), arg_int(pos[3], 1),
                          arg_int(pos[4], 1));
    if (strcmp(cmd, "fit") == 0 && npos == 4)
        return cmd_fit(arg_int(pos[1], 1), arg_real(pos[2]), arg_int(pos[3], 1));
    if (strcmp(cmd, "peak") == 0 && npos == 1)
        return cmd_peak();
    if (strcmp(cmd, "memfit") == 0 && npos == 3)
        return cmd_memfit(arg_int(pos[1], 1), arg_int(pos[2], 1));
    usage();
    return 2;
}
