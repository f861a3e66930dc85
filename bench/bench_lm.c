/* bench_lm: the reservoir LM's readout training against the bare BLAS calls
 * its shapes need, and generation speed on one core.
 *
 *   bench_lm TEXT [N=1000] [T=200000] [GEN=20000]
 *   bench_lm --stack TEXT [N=1000] [T=30000] [GEN=4000]
 *
 * Lines (machine-readable, key=value):
 *   readout: fit time minus the reservoir's own stepping time, against the
 *     same dsyrk (F x F over T rows in chunks of 2048), dgemm (X^T Y) and
 *     dposv on buffers of the same shapes; ratio = ours / bare (goal <= 1.2).
 *     gate_tokens = 0 here (the gated readouts add their own per-token syrk).
 *   generate: tokens per second of lacus_lm_generate on one thread.
 *   stack (--stack): stacked LMs of 1, 2 and 3 layers trained on T tokens;
 *     tokens per CPU-second of generation (top layer) with the packed step
 *     (the default), the fused step on unpacked weights (round 5's
 *     generation, run alternately with the packed one), the float step and
 *     the round-4 step (old: lacus_reservoir_run + dgemv per layer), whether
 *     they generate the old stream, the bytes each streams per token and
 *     the rate that makes; scoring (every layer's bits) chunked, by fused
 *     steps and old; and the cost per token against L single-layer LMs
 *     (lacus_lm_generate / lacus_lm_score, same N) on one thread.
 * Every line carries the 1-minute load average: this machine is shared. */
#define BENCH_NAME "bench_lm"
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "bench_util.h"
#include "lang/lm_stack.h"
#include "lang/rclm.h"
#include "nodes/reservoir.h"

/* CPU seconds of this process (all threads): on a loaded machine the wall
 * clock measures the queue, this measures the work. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The text's character ids, at least T of them (a short text repeated). */
static int32_t *read_ids(const char *path, int64_t T, lacus_tokenizer **tok, char **text_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) fprintf(stderr, "bench_lm: cannot open %s\n", path), exit(1);
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = xmalloc(len);
    if (fread(text, 1, len, f) != len) fprintf(stderr, "bench_lm: cannot read %s\n", path), exit(1);
    fclose(f);
    lacus_error err = {0};
    lacus_tokenizer_params tp = lacus_tokenizer_params_default();
    lacus_status s = lacus_tokenizer_train(&tp, text, len, tok, &err);
    if (s) die("tokenizer", s, err.msg);
    int64_t n_text;
    lacus_tokenizer_encode(*tok, text, len, NULL, 0, &n_text, NULL, NULL);
    int32_t *ids = xmalloc((size_t)(n_text > T ? n_text : T) * sizeof *ids);
    lacus_tokenizer_encode(*tok, text, len, ids, n_text, &n_text, NULL, NULL);
    for (int64_t t = n_text; t < T; t++) ids[t] = ids[t % n_text]; /* repeat a short text */
    *text_out = text;
    return ids;
}

static int bench_stack(int argc, char **argv);

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--stack")) return bench_stack(argc - 1, argv + 1);
    if (argc < 2) {
        fprintf(stderr, "usage: bench_lm TEXT [N] [T] [GEN]\n");
        return 2;
    }
    const int64_t N = argc > 2 ? arg_int(argv[2], 1) : 1000, T = argc > 3 ? arg_int(argv[3], 10000) : 200000;
    const int64_t GEN = argc > 4 ? arg_int(argv[4], 1) : 20000;
    lacus_error err = {0};
    lacus_tokenizer *tok = NULL;
    char *text = NULL;
    int32_t *ids = read_ids(argv[1], T, &tok, &text);
    lacus_status s;
    const int64_t V = lacus_tokenizer_vocab_size(tok), F = N + V, C = 2048;

    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = V, p.n_units = N, p.lr = 1, p.sr = 0.5, p.input_scaling = 1, p.gate_tokens = 0, p.chunk = C;
    lacus_lm *m = NULL;
    if ((s = lacus_lm_create(&p, &m, &err))) die("create", s, err.msg);
    /* The reservoir alone. */
    double *x = calloc((size_t)N, sizeof *x), *tmp = xmalloc((size_t)N * sizeof *tmp);
    double t0 = now(), c0 = cpu();
    for (int64_t t = 0; t < T; t++) lacus__lm_step(m, x, ids[t], tmp);
    double t_res = now() - t0, c_res = cpu() - c0;
    /* Long runs (10^6 characters at N = 4,000 take a quarter of an hour):
     * each phase says when it ends, so a killed run still tells something. */
    fprintf(stderr, "# reservoir alone: %.2fs wall, %.2fs cpu\n", t_res, c_res);
    t0 = now(), c0 = cpu();
    if ((s = lacus_lm_fit(m, ids, T, 1000, NULL, NULL))) die("fit", s, lacus_lm_errmsg(m));
    double t_fit = now() - t0, c_fit = cpu() - c0;
    fprintf(stderr, "# fit: %.2fs wall, %.2fs cpu\n", t_fit, c_fit);
    /* Bare BLAS on the same shapes. */
    double *X = xmalloc((size_t)(C * F) * sizeof *X), *Y = calloc((size_t)(C * V), sizeof *Y);
    double *A = calloc((size_t)(F * F), sizeof *A), *B = calloc((size_t)(F * V), sizeof *B);
    for (int64_t i = 0; i < C * F; i++) X[i] = (double)((i * 2654435761u) % 1000) / 1000.0 - 0.5;
    for (int64_t r = 0; r < C; r++) Y[r * V + r % V] = 1;
    t0 = now(), c0 = cpu();
    for (int64_t done = 0; done < T; done += C) {
        int64_t rows = T - done < C ? T - done : C;
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)F, (int)rows, 1.0, X, (int)F, 1.0, A, (int)F);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)F, (int)V, (int)rows, 1.0, X, (int)F, Y, (int)V, 1.0,
                    B, (int)V);
    }
    for (int64_t i = 0; i < F; i++) A[i * F + i] += 1.0 + (double)T;
    LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (int)F, (int)V, A, (int)F, B, (int)V);
    double t_blas = now() - t0, c_blas = cpu() - c0;
    double gf = (double)F * (double)F * (double)T / 1e9; /* syrk flops (upper half, x2) */
    printf("readout N=%lld V=%lld T=%lld: fit %.2fs = reservoir %.2fs + readout %.2fs; bare BLAS %.2fs (%.1f GFLOP/s); "
           "ratio=%.2f; cpu: readout %.2fs bare %.2fs cpu_ratio=%.2f threads=%d load1=%.2f peak_mb=%.0f\n",
           (long long)N, (long long)V, (long long)T, t_fit, t_res, t_fit - t_res, t_blas, gf / t_blas,
           (t_fit - t_res) / t_blas, c_fit - c_res, c_blas, (c_fit - c_res) / c_blas, lacus_get_num_threads(), load1(),
           peak_rss_mb());
    fflush(stdout);
    /* Generation on one core. */
    set_threads(1);
    int32_t *out = xmalloc((size_t)GEN * sizeof *out);
    lacus_sample_params sp = lacus_sample_params_default();
    t0 = now(), c0 = cpu();
    if ((s = lacus_lm_generate(m, ids, 100, GEN, &sp, out))) die("generate", s, lacus_lm_errmsg(m));
    double t_gen = now() - t0, c_gen = cpu() - c0;
    /* The same work in batches of 2,000 tokens (each after a 100-token
     * prompt): on a shared machine the fastest batch is the best estimate
     * of the undisturbed rate, the median a typical one. */
    enum { GB = 2000, NB = 15 };
    double bt[NB];
    for (int k = 0; k < NB; k++) {
        double b0 = cpu();
        if ((s = lacus_lm_generate(m, ids + k, 100, GB, &sp, out))) die("generate", s, lacus_lm_errmsg(m));
        bt[k] = cpu() - b0;
    }
    for (int a = 1; a < NB; a++)
        for (int b = a; b > 0 && bt[b] < bt[b - 1]; b--) {
            double q = bt[b]; bt[b] = bt[b - 1], bt[b - 1] = q;
        }
    printf("generate N=%lld V=%lld: %lld tokens in %.2fs wall = %.0f tokens/s; %.2f cpu-s = %.0f tokens per cpu-s; "
           "batches of %d: best %.0f, median %.0f tokens per cpu-s; 1 thread, ungated, load1=%.2f\n",
           (long long)N, (long long)V, (long long)GEN, t_gen, (double)GEN / t_gen, c_gen, (double)GEN / c_gen, GB,
           (GB + 100) / bt[0], (GB + 100) / bt[NB / 2], load1());
    lacus_lm_free(m);
    lacus_tokenizer_free(tok);
    free(text), free(ids), free(x), free(tmp), free(X), free(Y), free(A), free(B), free(out);
    return 0;
}

/* Tokens per CPU-second of f over n tokens, best of `reps` runs (on a shared
 * machine the fastest run is the best estimate of the undisturbed rate). */
#define RATE(reps, n, call)                                                                           \
    ({                                                                                                \
        double best_ = 1e300;                                                                         \
        for (int r_ = 0; r_ < (reps); r_++) {                                                         \
            double c_ = cpu();                                                                        \
            lacus_status s_ = (call);                                                                 \
            if (s_) die(#call, s_, "failed");                                                         \
            c_ = cpu() - c_;                                                                          \
            if (c_ < best_) best_ = c_;                                                               \
        }                                                                                             \
        (double)(n) / best_;                                                                          \
    })

/* Bytes a generation step streams per token (weights and CSR arrays; the
 * vectors are L1-resident): the single LM (float readout N x ldf, W, one
 * embedding row), and a stacked LM of L layers with the unpacked weights
 * (round 5: layer 0 Wout N x V + its token row + W + one WinT row; above:
 * WinT V x N and Wout F x V) or the packed ones (above: 2-byte drive codes
 * per 4 units instead of WinT, or WinT itself when not coded). */
static double bytes_single(int64_t N, int64_t V, int64_t nnz)
{
    return (double)N * (double)((V + 95) / 96 * 96) * 4 + (double)nnz * 12 + (double)N * 8;
}

static double bytes_stack(const lacus_lm_stack *m, int64_t L, int packed)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F, V4 = (V + 3) / 4 * 4, N4 = (N + 3) / 4 * 4;
    double b = 0;
    for (int64_t l = 0; l < L; l++) {
        b += (double)m->res[l]->W.nnz * 12;
        if (l == 0) b += (double)N * (double)(packed ? V4 : V) * 8 + (double)V * 8 + (double)N * 8;
        else
            b += (double)F * (double)(packed ? V4 : V) * 8 +
                 (packed && m->Dc[l] ? (double)V * (double)(N4 / 4) * 2 : (double)V * (double)N * 8);
    }
    return b;
}

/* GB per CPU-second one core reads from a buffer of `bytes` read again and
 * again (the pattern of generation: every weight once per token), so the
 * rates of the stepping can be set against the cache level that serves
 * them. */
static double read_gbs(size_t bytes)
{
    const size_t n = bytes / sizeof(double) / 16 * 16;
    double *a = xmalloc(n * sizeof *a), acc[16] = {0};
    for (size_t i = 0; i < n; i++) a[i] = 1e-9 * (double)i;
    const long reps = (long)(3e9 / (double)bytes) + 1;
    double c = cpu();
    for (long r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i += 16)
            for (int j = 0; j < 16; j++) acc[j] += a[i + j]; /* 16 chains: not latency-bound */
    c = cpu() - c;
    double sum = 0;
    for (int j = 0; j < 16; j++) sum += acc[j];
    free(a);
    if (sum < 0) printf("%g\n", sum); /* keeps the loop */
    return (double)(n * sizeof *a) * (double)reps / c / 1e9;
}

static int bench_stack(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_lm --stack TEXT [N] [T] [GEN]\n");
        return 2;
    }
    const int64_t N = argc > 2 ? arg_int(argv[2], 1) : 1000, T = argc > 3 ? arg_int(argv[3], 2000) : 30000;
    const int64_t GEN = argc > 4 ? arg_int(argv[4], 10) : 4000, NC = 1000, REPS = 3;
    lacus_tokenizer *tok = NULL;
    char *text = NULL;
    int32_t *ids = read_ids(argv[1], T + NC + GEN + 100, &tok, &text);
    const int64_t V = lacus_tokenizer_vocab_size(tok);
    lacus_error err = {0};
    lacus_status s;
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = V, p.n_units = N, p.lr = 1, p.sr = 0.5, p.input_scaling = 1, p.gate_tokens = 0;
    set_threads(1);
    /* The single-layer LM of the same size: its step is the unit cost. */
    lacus_lm *m1 = NULL;
    if ((s = lacus_lm_create(&p, &m1, &err))) die("create", s, err.msg);
    if ((s = lacus_lm_fit(m1, ids, T + NC, NC, NULL, NULL))) die("fit", s, lacus_lm_errmsg(m1));
    int32_t *out = xmalloc((size_t)GEN * sizeof *out), *out2 = xmalloc((size_t)GEN * sizeof *out2);
    int32_t *out3 = xmalloc((size_t)GEN * sizeof *out3), *out4 = xmalloc((size_t)GEN * sizeof *out4);
    lacus_sample_params sp = lacus_sample_params_default();
    double bits1;
    const double g1 = RATE(REPS, GEN, lacus_lm_generate(m1, ids, 100, GEN, &sp, out));
    const double s1 = RATE(REPS, GEN, lacus_lm_score(m1, ids + T, GEN + 1, 1, &bits1));
    const double b1 = bytes_single(N, V, (int64_t)(p.rc_degree * (double)N));
    printf("stack single N=%lld V=%lld: generate %.0f tokens per cpu-s (%.2f MB per token, %.1f GB/s), score %.0f "
           "tokens per cpu-s; 1 thread, load1=%.2f\n", (long long)N, (long long)V, g1, b1 / 1e6, b1 * g1 / 1e9, s1,
           load1());
    lacus_lm_free(m1);
    printf("stack read bandwidth, one core (GB per cpu-s) over buffers of 0.38 MB %.0f, 0.77 MB %.0f, 1.5 MB %.0f, "
           "2.6 MB %.0f, 3.8 MB %.0f, 8 MB %.0f, 64 MB %.0f; load1=%.2f\n", read_gbs(384 << 10), read_gbs(768 << 10),
           read_gbs(1536 << 10), read_gbs(2600 << 10), read_gbs(3800 << 10), read_gbs(8 << 20), read_gbs(64 << 20),
           load1());
    for (int64_t L = 1; L <= 3; L++) {
        lacus_lm_stack *m = NULL;
        double c0 = cpu();
        if ((s = lacus_lm_stack_train(&p, L, ids, T, NC, &m, &err))) die("stack train", s, err.msg);
        const double train_s = cpu() - c0;
        double bits[3], bits_old[3], bits_f[3];
        /* Alternated, so that a change of load hits both alike. */
        double gn = 0, gu = 0;
        for (int k = 0; k < REPS; k++) {
            gn = fmax(gn, RATE(1, GEN, lacus_lm_stack_generate(m, 0, ids, 100, GEN, &sp, out)));
            gu = fmax(gu, RATE(1, GEN, lacus__lm_stack_generate_ex(m, 0, ids, 100, GEN, &sp, out4, 3)));
        }
        const double gf = RATE(REPS, GEN, lacus_lm_stack_generate_f32(m, 0, ids, 100, GEN, &sp, out3));
        const double go = RATE(1, GEN, lacus__lm_stack_generate_ex(m, 0, ids, 100, GEN, &sp, out2, 1));
        const double sn = RATE(REPS, GEN, lacus_lm_stack_score(m, ids + T, GEN + 1, 1, bits));
        const double so = RATE(1, GEN, lacus__lm_stack_score_ex(m, ids + T, GEN + 1, 1, bits_old, 1));
        const double sf = RATE(REPS, GEN, lacus__lm_stack_score_ex(m, ids + T, GEN + 1, 1, bits_f, 2));
        double dmax = 0;
        for (int64_t l = 0; l < L; l++) dmax = fmax(dmax, fabs(bits[l] - bits_old[l]) / fabs(bits_old[l]));
        int64_t same = 0, same32 = 0, sameu = 0; /* tokens equal to the old stream's before the first difference */
        while (same < GEN && out[same] == out2[same]) same++;
        while (same32 < GEN && out3[same32] == out2[same32]) same32++;
        while (sameu < GEN && out4[sameu] == out2[sameu]) sameu++;
        const double bp = bytes_stack(m, L, 1), bu = bytes_stack(m, L, 0);
        printf("stack L=%lld N=%lld V=%lld T=%lld: generate packed %.0f, unpacked (round 5) %.0f (x%.2f), f32 %.0f, "
               "old %.0f tokens per cpu-s; stream equal to old for %lld/%lld tokens (unpacked %lld, f32 %lld); "
               "streamed per token %.2f MB packed (%.1f GB/s), %.2f MB unpacked (%.1f GB/s); score new %.0f (fused "
               "steps %.0f) old %.0f tokens per cpu-s (x%.1f), bits_rel_diff=%.1e; cost per token vs L single "
               "layers: generate %.2f (unpacked %.2f, f32 %.2f) score %.2f; train %.1f cpu-s; 1 thread, load1=%.2f "
               "peak_mb=%.0f\n",
               (long long)L, (long long)N, (long long)V, (long long)T, gn, gu, gn / gu, gf, go, (long long)same,
               (long long)GEN, (long long)sameu, (long long)same32, bp / 1e6, bp * gn / 1e9, bu / 1e6, bu * gu / 1e9,
               sn, sf, so, sn / so, dmax, g1 / ((double)L * gn), g1 / ((double)L * gu), g1 / ((double)L * gf),
               s1 / ((double)L * sn), train_s, load1(), peak_rss_mb());
        fflush(stdout);
        lacus_lm_stack_free(m);
    }
    lacus_tokenizer_free(tok);
    free(text), free(ids), free(out), free(out2), free(out3), free(out4);
    return 0;
}
