/* bench_stack — the ReservoirBERT workload (issue 4): L reservoirs of N
 * units (rc_connectivity conn), each reading 768-d activity and predicting
 * 768-d targets with its own ridge readout, trained one after another on T
 * steps, as lacus_stack with teacher inputs (layer l reads the teacher's
 * layer l-1 activity, as the team trains it).
 *
 *   bench_stack [--threads K] [--parallel P] [--f32 0|1] L N conn T
 *
 * Prints one line per layer and a total line (seconds, per-layer seconds,
 * peak memory, load), then the bare-BLAS reference for one layer's readout:
 * the same shapes through dsyrk + dgemm + dpotrf + dpotrs alone (primal
 * when T >= N, the dual n x n kernel form otherwise, as lacus chooses; the
 * dual centres X and Y first, as lacus's default centred bias does), and
 * ridge_vs_bare = (layer seconds - state seconds) / bare seconds (goal:
 * at most 1.2). Then lacus_ridge alone on the bare calls' own X and Y
 * (stack_readout_alone: sums and solve apart, wall and process CPU time), so
 * the ridge code is compared with bare BLAS on the same data and flops
 * without subtracting a separately timed reservoir run; for the primal form
 * also the ridge's tiled BLAS calls alone over its fixed row groups
 * (tiles_vs_bare_sums: the cost of the thread-invariant tiling itself). Hyperparameters are bench_esn's (the team's): lr 0.985,
 * sr 2.8, input_scaling 5, input_connectivity 0.05, ridge 0.276; the
 * 768-d inputs and targets are U(-1, 1) (the same two arrays for every
 * layer: timing does not depend on their values, and 13 distinct 768-d
 * arrays of 10,000 steps would add 0.8 GB that a real run streams).
 * bench/anchor_reservoirpy.py stack runs ReservoirPy on the same workload. */
#define _POSIX_C_SOURCE 200809L

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "linalg/tiled.h"
#include "nodes/ridge.h"
#include "lacus.h"

#define BENCH_NAME "bench_stack"
#include "bench_util.h"

#define N_IO 768
#define SEED 42

typedef lacus__rng rng_t;
static int g_threads = 2;

static void on_layer(int64_t l, double mse, double seconds, void *user)
{
    (void)mse;
    double *per = user;
    per[l] = seconds;
    printf("impl=lacus workload=stack_layer layer=%lld seconds=%.4g peak_rss_mb=%.1f load1=%.2f\n",
           (long long)l, seconds, peak_rss_mb(), load1());
    fflush(stdout);
}

/* Process CPU seconds (all threads): on a shared machine a 1-thread run's
 * CPU time does not depend on the load the way its wall time does, so the
 * CPU ratio of lacus's ridge to bare BLAS tells extra work from waiting. */
/* Subtracts the column means of a rows x cols row-major matrix. */
static void center_rows(double *A, int64_t rows, int64_t cols)
{
    double *mean = calloc((size_t)cols, sizeof(double));
    if (!mean) return;
    for (int64_t t = 0; t < rows; t++)
        for (int64_t j = 0; j < cols; j++) mean[j] += A[t * cols + j];
    for (int64_t j = 0; j < cols; j++) mean[j] /= (double)rows;
    for (int64_t t = 0; t < rows; t++)
        for (int64_t j = 0; j < cols; j++) A[t * cols + j] -= mean[j];
    free(mean);
}

/* Wall and CPU seconds of the two halves of a readout fit: the sums
 * (X^T X, X^T Y; the dual kernel X X^T) and the solve (Cholesky, the
 * right-hand sides, W). */
typedef struct {
    double sums_s, solve_s, sums_cpu, solve_cpu, tiles_s, tiles_cpu;
    double syrk_cpu, gemm_cpu, onegemm_cpu; /* the tiled sums' two halves; X^T Y as one dgemm per group */
} split_t;

/* One layer's readout through bare BLAS/LAPACK calls of the same shapes,
 * and lacus's ridge (the ESN's readout parameters, as lacus_esn_fit
 * creates it) on the same X and Y: the comparison without the reservoir,
 * so no state time has to be subtracted. */
static void bare_ridge(int64_t N, int64_t T, const lacus_ridge_params *readout, rng_t *rng,
                       split_t *bare, split_t *ridge)
{
    double *X = xmalloc(sizeof(double) * (size_t)(T * N));
    double *Y = xmalloc(sizeof(double) * (size_t)(T * N_IO));
    for (int64_t i = 0; i < T * N; i++) X[i] = 2.0 * lacus__rng_uniform(rng) - 1.0;
    for (int64_t i = 0; i < T * N_IO; i++) Y[i] = 2.0 * lacus__rng_uniform(rng) - 1.0;
    double t0 = now(), c0 = cpu_now(), t1, c1;
    if (T >= N) { /* primal: (X^T X + r I) W = X^T Y */
        double *C = xmalloc(sizeof(double) * (size_t)(N * N));
        double *B = xmalloc(sizeof(double) * (size_t)(N * N_IO));
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)N, (int)T, 1.0, X, (int)N, 0.0, C,
                    (int)N);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, N_IO, (int)T, 1.0, X, (int)N,
                    Y, N_IO, 0.0, B, N_IO);
        t1 = now(), c1 = cpu_now();
        for (int64_t i = 0; i < N; i++) C[i * N + i] += 0.276;
        LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (int)N, C, (int)N);
        LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (int)N, N_IO, C, (int)N, B, (int)N);
        free(C);
        free(B);
    } else { /* dual: (Xc Xc^T + r I) A = Yc, W = Xc^T A (centred, as lacus) */
        double *K = xmalloc(sizeof(double) * (size_t)(T * T));
        double *W = xmalloc(sizeof(double) * (size_t)(N * N_IO));
        double *A = xmalloc(sizeof(double) * (size_t)(T * N_IO));
        memcpy(A, Y, sizeof(double) * (size_t)(T * N_IO));
        /* The centred bias (lacus's default, ReservoirPy's) solves for
         * centred X and Y: one pass over each, as the ridge does. */
        center_rows(X, T, N);
        center_rows(A, T, N_IO);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)T, (int)N, 1.0, X, (int)N, 0.0,
                    K, (int)T);
        t1 = now(), c1 = cpu_now();
        for (int64_t i = 0; i < T; i++) K[i * T + i] += 0.276;
        LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (int)T, K, (int)T);
        LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (int)T, N_IO, K, (int)T, A, (int)T);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, N_IO, (int)T, 1.0, X, (int)N,
                    A, N_IO, 0.0, W, N_IO);
        free(K);
        free(W);
        free(A);
    }
    *bare = (split_t){t1 - t0, now() - t1, c1 - c0, cpu_now() - c1, 0, 0, 0, 0, 0};

    lacus_ridge_params rp = *readout;
    rp.n_features = N;
    rp.n_outputs = N_IO;
    if (rp.solver != LACUS_SOLVER_PRIMAL && rp.keep_samples == 0 && T < N) rp.keep_samples = T;
    lacus_ridge *r = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_ridge_create(&rp, &r, &err);
    if (st) die("lacus_ridge_create", st, err.msg);
    t0 = now(), c0 = cpu_now();
    if ((st = lacus_ridge_partial_fit(r, X, N, Y, N_IO, T))) die("ridge partial_fit", st, lacus_ridge_errmsg(r));
    /* the last, partly filled group of rows belongs to the sums (the solve
     * would flush it first) */
    if (!r->keeping) lacus__ridge_flush_stage(r);
    t1 = now(), c1 = cpu_now();
    if ((st = lacus_ridge_solve(r))) die("ridge solve", st, lacus_ridge_errmsg(r));
    *ridge = (split_t){t1 - t0, now() - t1, c1 - c0, cpu_now() - c1, 0, 0, 0, 0, 0};
    lacus_ridge_free(r);
    if (T >= N) {
        /* The ridge's own BLAS for the sums alone: its fixed 256-wide tiles
         * over its fixed groups of rows (the same calls, without the
         * staging copies, the column sums and the finiteness check). */
        int64_t group = (8LL << 20) / N;
        group = group < 256 ? 256 : group > 1024 ? 1024 : group;
        double *C = calloc((size_t)(N * N), sizeof(double));
        double *B = calloc((size_t)(N * N_IO), sizeof(double));
        if (!C || !B) die("tiles", LACUS_ERR_NOMEM, "out of memory");
        t0 = now(), c0 = cpu_now();
        for (int64_t g = 0; g < T; g += group) {
            int64_t rows = T - g < group ? T - g : group;
            lacus__tiled_syrk_upper(N, rows, X + g * N, N, 1, C, N);
            lacus__tiled_gemm_at_b(N, N_IO, rows, X + g * N, N, Y + g * N_IO, N_IO, B, N_IO);
        }
        ridge->tiles_s = now() - t0, ridge->tiles_cpu = cpu_now() - c0;
        /* the two halves apart, and X^T Y as one dgemm per group (what
         * the 256-row tiles cost over it: each tile repacks the group's Y) */
        c0 = cpu_now();
        for (int64_t g = 0; g < T; g += group)
            lacus__tiled_syrk_upper(N, T - g < group ? T - g : group, X + g * N, N, 1, C, N);
        ridge->syrk_cpu = cpu_now() - c0;
        c0 = cpu_now();
        for (int64_t g = 0; g < T; g += group)
            lacus__tiled_gemm_at_b(N, N_IO, T - g < group ? T - g : group, X + g * N, N,
                                   Y + g * N_IO, N_IO, B, N_IO);
        ridge->gemm_cpu = cpu_now() - c0;
        c0 = cpu_now();
        for (int64_t g = 0; g < T; g += group)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, N_IO,
                        (int)(T - g < group ? T - g : group), 1.0, X + g * N, (int)N,
                        Y + g * N_IO, N_IO, 1.0, B, N_IO);
        ridge->onegemm_cpu = cpu_now() - c0;
        free(C);
        free(B);
    }
    free(X);
    free(Y);
}

int main(int argc, char **argv)
{
    int parallel = 1, f32 = 0, a = 1;
    for (; a < argc && argv[a][0] == '-'; a += 2) {
        if (a + 1 >= argc) break;
        if (!strcmp(argv[a], "--threads")) g_threads = (int)arg_int(argv[a + 1], 1);
        else if (!strcmp(argv[a], "--parallel")) parallel = (int)arg_int(argv[a + 1], 1);
        else if (!strcmp(argv[a], "--f32")) f32 = (int)arg_int(argv[a + 1], 0);
        else break;
    }
    if (argc - a != 4) {
        fprintf(stderr, "usage: bench_stack [--threads K] [--parallel P] [--f32 0|1] L N conn T\n");
        return 2;
    }
    int64_t L = arg_int(argv[a], 1), N = arg_int(argv[a + 1], 1), T = arg_int(argv[a + 3], 1);
    double conn = atof(argv[a + 2]);
    set_threads(g_threads);

    lacus_esn_params *ep = xmalloc(sizeof *ep * (size_t)L);
    int64_t *outs = xmalloc(sizeof *outs * (size_t)L);
    for (int64_t l = 0; l < L; l++) {
        ep[l] = lacus_esn_params_default();
        lacus_reservoir_params *r = &ep[l].reservoir;
        r->n_units = N;
        r->n_inputs = N_IO;
        r->lr = 0.985;
        r->sr = 2.8;
        r->input_scaling = 5.0;
        r->input_connectivity = 0.05;
        r->rc_connectivity = conn;
        r->seed = SEED + (uint64_t)l;
        ep[l].readout.ridge = 0.276;
        ep[l].readout.accumulate_f32 = f32;
        outs[l] = N_IO;
    }
    double *per = xmalloc(sizeof *per * (size_t)L);
    lacus_stack_params sp = lacus_stack_params_default();
    sp.n_layers = L;
    sp.layers = ep;
    sp.n_outputs = outs;
    sp.teacher_inputs = 1;
    sp.parallel_layers = parallel;
    sp.report_mse = 0;
    sp.on_layer = on_layer;
    sp.on_layer_user = per;

    lacus_error err = {0};
    double t0 = now();
    lacus_stack *s = NULL;
    lacus_status st = lacus_stack_create(&sp, &s, &err);
    if (st) die("lacus_stack_create", st, err.msg);
    double init_s = now() - t0;

    rng_t rng;
    lacus__rng_seed(&rng, SEED);
    double *u = xmalloc(sizeof(double) * (size_t)(T * N_IO));
    double *y = xmalloc(sizeof(double) * (size_t)(T * N_IO));
    for (int64_t i = 0; i < T * N_IO; i++) u[i] = 2.0 * lacus__rng_uniform(&rng) - 1.0;
    for (int64_t i = 0; i < T * N_IO; i++) y[i] = 2.0 * lacus__rng_uniform(&rng) - 1.0;
    const double *up = u, *yp = y;
    lacus_seqs in = {1, N_IO, &up, &T}, tg = {1, N_IO, &yp, &T};
    const lacus_seqs **targets = xmalloc(sizeof *targets * (size_t)L);
    for (int64_t l = 0; l < L; l++) targets[l] = &tg;

    t0 = now();
    double c0 = cpu_now();
    st = lacus_stack_fit(s, &in, targets);
    double fit_s = now() - t0, fit_cpu = cpu_now() - c0;
    if (st) die("lacus_stack_fit", st, lacus_stack_errmsg(s));
    double fit_peak = peak_rss_mb();
    double wsum = 0;
    {
        double *W = xmalloc(sizeof(double) * (size_t)(N * N_IO)), b[N_IO];
        lacus_ridge_get_weights(lacus_esn_readout(lacus_stack_layer(s, L - 1)), W, b);
        for (int64_t i = 0; i < N * N_IO; i++) wsum += W[i];
        free(W);
    }
    printf("impl=lacus workload=stack L=%lld N=%lld conn=%g T=%lld threads=%d parallel=%d "
           "f32=%d seconds=%.6g per_layer_s=%.4g init_s=%.4g peak_rss_mb=%.1f load1=%.2f "
           "checksum=%.10e\n",
           (long long)L, (long long)N, conn, (long long)T, g_threads, parallel, f32, fit_s,
           fit_s / (double)L, init_s, fit_peak, load1(), wsum);
    fflush(stdout);

    /* The state part of one layer: the reservoir alone over the same input. */
    double *X = xmalloc(sizeof(double) * (size_t)(T * N));
    t0 = now();
    c0 = cpu_now();
    st = lacus_reservoir_run(lacus_esn_reservoir(lacus_stack_layer(s, 0)), u, T, 1, X);
    double states_s = now() - t0, states_cpu = cpu_now() - c0;
    if (st) die("lacus_reservoir_run", st, "");
    free(X);
    lacus_stack_free(s);
    split_t bare, alone;
    bare_ridge(N, T, &ep[0].readout, &rng, &bare, &alone);
    double bare_s = bare.sums_s + bare.solve_s, alone_s = alone.sums_s + alone.solve_s;
    double ridge_s = fit_s / (double)L - states_s;
    printf("impl=lacus workload=stack_ridge N=%lld T=%lld form=%s layer_s=%.4g states_s=%.4g "
           "ridge_s=%.4g bare_blas_s=%.4g ridge_vs_bare=%.3f goal=1.2 %s cpu_ridge_vs_bare=%.3f "
           "load1=%.2f\n",
           (long long)N, (long long)T, T >= N ? "primal" : "dual", fit_s / (double)L, states_s,
           ridge_s, bare_s, ridge_s / bare_s, ridge_s / bare_s <= 1.2 ? "pass" : "FAIL",
           (fit_cpu / (double)L - states_cpu) / (bare.sums_cpu + bare.solve_cpu), load1());
    /* The same comparison without the reservoir: lacus_ridge on the bare
     * calls' own X and Y, split into sums and solve, wall and CPU. What
     * ridge_s has beyond ridge_alone_s is the fit's streaming (states
     * handed over in blocks) and the state time measured apart. */
    printf("impl=lacus workload=stack_readout_alone N=%lld T=%lld threads=%d "
           "ridge_alone_s=%.4g (sums %.4g solve %.4g) bare_s=%.4g (sums %.4g solve %.4g) "
           "alone_vs_bare=%.3f sums_ratio=%.3f solve_ratio=%.3f "
           "cpu_alone_s=%.4g cpu_bare_s=%.4g cpu_ratio=%.3f (sums %.3f solve %.3f) "
           "tiles_vs_bare_sums=%.3f cpu_tiles_vs_bare_sums=%.3f cpu_tiled_syrk_s=%.4g "
           "cpu_tiled_xty_s=%.4g cpu_xty_one_dgemm_per_group_s=%.4g bare_gflops=%.1f load1=%.2f\n",
           (long long)N, (long long)T, g_threads, alone_s, alone.sums_s, alone.solve_s, bare_s,
           bare.sums_s, bare.solve_s, alone_s / bare_s, alone.sums_s / bare.sums_s,
           alone.solve_s / bare.solve_s, alone.sums_cpu + alone.solve_cpu,
           bare.sums_cpu + bare.solve_cpu,
           (alone.sums_cpu + alone.solve_cpu) / (bare.sums_cpu + bare.solve_cpu),
           alone.sums_cpu / bare.sums_cpu, alone.solve_cpu / bare.solve_cpu,
           alone.tiles_s / bare.sums_s, alone.tiles_cpu / bare.sums_cpu, alone.syrk_cpu,
           alone.gemm_cpu, alone.onegemm_cpu,
           1e-9 * (T >= N ? (double)T * N * N + 2.0 * T * N * N_IO + N * N * N / 3.0 + 2.0 * N * N * N_IO
                          : (double)N * T * T + 2.0 * T * N * N_IO + T * T * T / 3.0 + 2.0 * T * T * N_IO) / bare_s,
           load1());
    free(per);
    free(ep);
    free(outs);
    free(u);
    free(y);
    free(targets);
    return 0;
}
