/* bench_neat: NEAT workloads, with neat-python (pinned) run beside lacus in
 * the same run through bench/anchor_neat.py.
 *
 *   bench_neat xor-speed [GENS]       XOR pop 150, generations/s, 1 thread; anchor ratio
 *   bench_neat xor-quality [RUNS] [CONFIG]  XOR pop 150: success rate, generations, winner
 *                                     sizes (examples/CONFIG, default xor.ini; xor_paper.ini)
 *   bench_neat pole [RUNS] [novel|gruau]  double pole (with / without velocities; gruau:
 *                                     without, Gruau's fitness + solution test): evaluations
 *   bench_neat res-mg [GENS]          reservoir evolution on Mackey-Glass: evals/s, 1 vs 2 threads
 *   bench_neat seq4 [SEEDS] [GENS] [NOISE] [START]   the notebook experiment: evolved
 *                                     <= 20 units (from START units, default 1) vs random
 *                                     reservoirs of 9, 20, 500 units (test accuracy)
 *
 * The anchor runs with $LACUS_NEAT_PYTHON (default /work/venv-evolve/bin/python);
 * set it to "none" to skip. Every line carries the 1-minute load average. */
#define BENCH_NAME "bench_neat"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

/* Process CPU time: on a machine shared with other builds (load far above
 * the core count) wall time mostly measures the neighbours, so the
 * single-threaded XOR comparison is made on CPU seconds, both sides. */
static const char *src_dir(void)
{
    const char *d = getenv("LACUS_SRC");
    return d ? d : ".";
}

static lacus_neat_config load_cfg(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/%s", src_dir(), name);
    lacus_neat_config c = lacus_neat_config_default();
    lacus_error e = {0};
    lacus_status st = lacus_neat_config_load(path, &c, &e);
    if (st) die(path, st, e.msg);
    return c;
}

static double anchor(const char *args, double *cpu_rate)
{
    const char *py = getenv("LACUS_NEAT_PYTHON");
    if (!py) py = "/work/venv-evolve/bin/python";
    if (!strcmp(py, "none")) return -1;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s/bench/anchor_neat.py %s", py, src_dir(), args);
    FILE *f = popen(cmd, "r");
    double v = -1;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        fputs(line, stdout);
        if (!strncmp(line, "anchor ", 7)) {
            char *p = strstr(line, " gens_per_s=");
            if (p) v = atof(p + 12);
            p = strstr(line, "cpu_gens_per_s=");
            if (p) *cpu_rate = atof(p + 15);
        }
    }
    if (f) pclose(f);
    return v;
}

static void xor_speed(int64_t gens)
{
    lacus_neat_config c = load_cfg("xor.ini");
    c.fitness_threshold = 1e9; /* never solved: every generation reproduces */
    set_threads(1);
    lacus_neat *p = NULL;
    lacus_error e = {0};
    lacus_status st = lacus_neat_create(&c, 1, &p, &e);
    if (st) die("create", st, e.msg);
    lacus_neat_run_opts o = lacus_neat_run_opts_default();
    o.n_generations = gens;
    double t0 = now(), c0 = cpu_now();
    if ((st = lacus_neat_run(p, lacus_neat_fitness_xor, &c, &o, NULL))) die("run", st, lacus_neat_errmsg(p));
    double dt = now() - t0, ours = (double)gens / dt, ours_cpu = (double)gens / (cpu_now() - c0);
    lacus_neat_gen_stats s;
    lacus_neat_history(p, gens - 1, &s);
    printf("lacus workload=xor-speed pop=150 gens=%lld threads=1 s=%.4f gens_per_s=%.1f "
           "cpu_gens_per_s=%.1f final_best=%.6f species=%lld peak_mb=%.1f load1=%.2f\n",
           (long long)gens, dt, ours, ours_cpu, s.best, (long long)s.n_species, peak_rss_mb(), load1());
    lacus_neat_free(p);
    char args[256];
    snprintf(args, sizeof args, "xor-speed %s/examples/xor.ini %lld", src_dir(), (long long)gens);
    double anc_cpu = -1, anc = anchor(args, &anc_cpu);
    if (anc > 0 && anc_cpu > 0)
        printf("ratio workload=xor-speed wall: lacus %.1f / neat-python %.2f gens/s = %.0fx; cpu: %.1f / %.2f = "
               "%.0fx goal=50x (cpu) %s load1=%.2f\n", ours, anc, ours / anc, ours_cpu, anc_cpu,
               ours_cpu / anc_cpu, ours_cpu / anc_cpu >= 50 ? "pass" : "FAIL", load1());
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void xor_quality(int64_t runs, const char *cfg_name)
{
    lacus_neat_config c = load_cfg(cfg_name);
    set_threads(1);
    int64_t ok = 0, *gens = xmalloc((size_t)runs * sizeof *gens);
    double evals = 0, hidden = 0, links = 0, t0 = now();
    int64_t worst = 0;
    for (int64_t r = 0; r < runs; r++) {
        lacus_neat *p = NULL;
        lacus_error e = {0};
        lacus_status st = lacus_neat_create(&c, (uint64_t)r, &p, &e);
        if (st) die("create", st, e.msg);
        lacus_neat_run_opts o = lacus_neat_run_opts_default();
        o.n_generations = 300;
        int solved = 0;
        if ((st = lacus_neat_run(p, lacus_neat_fitness_xor, &c, &o, &solved))) die("run", st, lacus_neat_errmsg(p));
        lacus_neat_gen_stats s;
        lacus_neat_history(p, lacus_neat_history_len(p) - 1, &s);
        gens[r] = solved ? s.generation + 1 : 301;
        if (solved) {
            ok++;
            evals += (double)s.evaluations;
            const lacus_neat_genome *b = lacus_neat_best(p);
            hidden += (double)(lacus_neat_genome_n_nodes(b) - 1);
            links += (double)lacus_neat_genome_n_enabled(b);
            if (gens[r] > worst) worst = gens[r];
        }
        lacus_neat_free(p);
    }
    qsort(gens, (size_t)runs, sizeof *gens, cmp_i64);
    printf("lacus workload=xor-quality config=%s runs=%lld pop=150 max_gens=300 solved=%lld (%.0f%%) "
           "median_gens=%lld worst_solved_gens=%lld mean_evals_solved=%.0f mean_hidden=%.2f "
           "mean_enabled_links=%.2f s=%.2f load1=%.2f (paper: 100%%, mean 32 gens, 4755 evals, "
           "2.35 hidden, 7.48 links; goal >= 95%%, median <= 100)\n",
           cfg_name, (long long)runs, (long long)ok, 100.0 * (double)ok / (double)runs, (long long)gens[runs / 2],
           (long long)worst, ok ? evals / (double)ok : 0, ok ? hidden / (double)ok : 0,
           ok ? links / (double)ok : 0, now() - t0, load1());
    free(gens);
}

static void pole(int64_t runs, int novel)
{
    /* novel: 0 with velocities, 1 without, 2 without and Gruau's fitness
     * with the 100,000-step and 625-start solution test */
    lacus_neat_config c = load_cfg(novel == 2 ? "pole2_gruau.ini" : novel ? "pole2_novel.ini" : "pole2.ini");
    lacus_neat_pole_task t;
    t.pole = lacus_neat_pole_params_default();
    t.pole.velocities = !novel;
    t.pole.gruau = novel == 2;
    t.config = &c;
    int64_t ok = 0;
    double evals = 0, t0 = now();
    int64_t *ev = xmalloc((size_t)runs * sizeof *ev), gen_sum = 0;
    for (int64_t r = 0; r < runs; r++) {
        lacus_neat *p = NULL;
        lacus_error e = {0};
        lacus_status st = lacus_neat_create(&c, (uint64_t)r, &p, &e);
        if (st) die("create", st, e.msg);
        lacus_neat_run_opts o = lacus_neat_run_opts_default();
        o.n_generations = novel ? 500 : 300;
        int solved = 0;
        if ((st = lacus_neat_run(p, lacus_neat_fitness_pole, &t, &o, &solved))) die("run", st, lacus_neat_errmsg(p));
        lacus_neat_gen_stats s;
        lacus_neat_history(p, lacus_neat_history_len(p) - 1, &s);
        ev[r] = solved ? s.evaluations : INT64_MAX;
        if (solved) ok++, evals += (double)s.evaluations;
        if (solved && t.pole.gruau) {
            int64_t gn = 0;
            lacus_neat_pole_generalization(lacus_neat_best(p), &c, &t.pole, &gn, &e);
            gen_sum += gn;
            printf("run %lld: solved after %lld evaluations, champion generalises on %lld/625, %lld nodes %lld links\n",
                   (long long)r, (long long)s.evaluations, (long long)gn,
                   (long long)lacus_neat_genome_n_nodes(lacus_neat_best(p)),
                   (long long)lacus_neat_genome_n_enabled(lacus_neat_best(p)));
            fflush(stdout);
        }
        lacus_neat_free(p);
    }
    qsort(ev, (size_t)runs, sizeof *ev, cmp_i64);
    if (novel == 2) printf("mean generalisation of the solutions: %.1f/625 (paper, recalled, unverified: NEAT 286, ESP 289, CE 300)\n",
                           ok ? (double)gen_sum / (double)ok : 0.0);
    printf("lacus workload=pole2%s runs=%lld solved=%lld mean_evals_solved=%.0f median_evals=%s%lld "
           "s=%.1f load1=%.2f (paper: %s)\n",
           novel == 2 ? "-gruau" : novel ? "-novel" : "", (long long)runs, (long long)ok, ok ? evals / (double)ok : 0,
           ev[runs / 2] == INT64_MAX ? ">" : "", (long long)(ev[runs / 2] == INT64_MAX ? -1 : ev[runs / 2]),
           now() - t0, load1(), novel == 2 ? "NEAT 33,184 evaluations, ESP 169,466, CE 840,000"
           : novel ? "33,184 evaluations with Gruau's fitness; here steps balanced only" : "3,600 evaluations");
    free(ev);
}

/* Wall time spent inside the fitness function (1-thread runs): the share
 * of a generation that OpenMP can split across threads. */
static double fit_seconds;
static lacus_status timed_reservoir(const lacus_neat_genome *g, void *task, uint64_t seed,
                                    double *f, lacus_error *err)
{
    double t0 = now();
    lacus_status st = lacus_neat_fitness_reservoir(g, task, seed, f, err);
#pragma omp atomic
    fit_seconds += now() - t0;
    return st;
}

static void res_mg(int64_t gens)
{
    lacus_neat_config c = load_cfg("reservoir_seq4.ini");
    c.pop_size = 60;
    c.max_nodes = 30;
    c.num_hidden = 9; /* start from 10 random units */
    c.fitness_threshold = 1e9;
    const int64_t L = 500, T = 4 * L + 1;
    double *x = xmalloc((size_t)T * sizeof *x), *y = xmalloc((size_t)T * sizeof *y);
    lacus_mackey_glass_params mp = lacus_mackey_glass_params_default();
    lacus_error e = {0};
    lacus_status st = lacus_mackey_glass(T, &mp, x, &e);
    if (st) die("mackey_glass", st, e.msg);
    for (int64_t i = 0; i + 1 < T; i++) y[i] = x[i + 1];
    const double *in[4], *tg[4];
    int64_t steps[4];
    for (int i = 0; i < 4; i++) in[i] = x + i * L, tg[i] = y + i * L, steps[i] = L;
    lacus_neat_res_task t;
    memset(&t, 0, sizeof t);
    t.kind = LACUS_NEAT_RES_REGRESSION;
    t.n_inputs = 1, t.n_outputs = 1, t.n_seqs = 4, t.n_train = 3;
    t.inputs = in, t.targets = tg, t.n_steps = steps, t.warmup = 100, t.ridge = 1e-8;
    t.config = &c;
    double rate[3] = {0};
    double best[3] = {0};
    for (int th = 1; th <= 2; th++) {
        set_threads(th);
        lacus_neat *p = NULL;
        if ((st = lacus_neat_create(&c, 7, &p, &e))) die("create", st, e.msg);
        lacus_neat_run_opts o = lacus_neat_run_opts_default();
        o.n_generations = gens;
        fit_seconds = 0;
        double t0 = now(), c0 = cpu_now();
        if ((st = lacus_neat_run(p, timed_reservoir, &t, &o, NULL))) die("run", st, lacus_neat_errmsg(p));
        double dt = now() - t0, dc = cpu_now() - c0;
        if (th == 1) {
            /* Amdahl: with a parallel share q of the 1-thread run, 2 threads
             * on 2 free cores give 1 / ((1 - q) + q / 2). */
            double q = fit_seconds / dt;
            printf("lacus workload=res-mg threads=1 parallel_share=%.4f amdahl_2_threads=%.2fx cpu_s=%.3f\n",
                   q, 1.0 / ((1.0 - q) + q / 2.0), dc);
        } else {
            printf("lacus workload=res-mg threads=2 cpu_s=%.3f\n", dc);
        }
        lacus_neat_gen_stats s;
        lacus_neat_history(p, gens - 1, &s);
        rate[th] = (double)s.evaluations / dt;
        best[th] = s.best;
        printf("lacus workload=res-mg pop=%lld gens=%lld threads=%d evals=%lld s=%.3f evals_per_s=%.1f "
               "best_nrmse=%.4g units_best=%lld peak_mb=%.1f load1=%.2f\n",
               (long long)c.pop_size, (long long)gens, th, (long long)s.evaluations, dt, rate[th],
               -s.best, (long long)s.best_nodes, peak_rss_mb(), load1());
        lacus_neat_free(p);
    }
    printf("ratio workload=res-mg threads=2/1 speedup=%.2fx goal=1.8x %s same_result=%s load1=%.2f\n",
           rate[2] / rate[1], rate[2] / rate[1] >= 1.8 ? "pass" : "FAIL",
           best[1] == best[2] ? "yes" : "NO", load1());
    free(x);
    free(y);
}

/* seq4 split: 400 train (readout), 200 validation (fitness), 200 test (reported). */
enum { S_TRAIN = 400, S_VAL = 200, S_TEST = 200, S_LEN = 40 };

static double random_res_acc(int64_t units, uint64_t seed, const double *x, const int64_t *lab)
{
    lacus_reservoir_params rp = lacus_reservoir_params_default();
    rp.n_units = units;
    rp.n_inputs = 1;
    rp.lr = 0.3;
    rp.sr = 0.9;
    rp.input_scaling = 1.0;
    rp.rc_connectivity = units < 50 ? 0.3 : 0.1;
    rp.input_connectivity = 1.0;
    rp.seed = seed;
    lacus_reservoir *r = NULL;
    lacus_error e = {0};
    lacus_status st = lacus_reservoir_create(&rp, &r, &e);
    if (st) die("reservoir", st, e.msg);
    const int64_t N = S_TRAIN + S_VAL + S_TEST;
    double *X = xmalloc((size_t)(N * units) * sizeof *X), *st_buf = xmalloc((size_t)(S_LEN * units) * sizeof *st_buf);
    for (int64_t i = 0; i < N; i++) {
        if ((st = lacus_reservoir_run(r, x + i * S_LEN, S_LEN, 1, st_buf))) die("run", st, "");
        memcpy(X + i * units, st_buf + (S_LEN - 1) * units, (size_t)units * sizeof *X);
    }
    /* Readout on train + validation (the random reservoir needs no
     * selection), tested on the test split. */
    lacus_ridge_params pp = lacus_ridge_params_default();
    pp.n_features = units;
    pp.n_outputs = 4;
    pp.ridge = 1e-6;
    lacus_ridge *m = NULL;
    if ((st = lacus_ridge_create(&pp, &m, &e))) die("ridge", st, e.msg);
    double *Y = calloc((size_t)(S_TRAIN + S_VAL) * 4, sizeof *Y), pred[4];
    for (int64_t i = 0; i < S_TRAIN + S_VAL; i++) Y[i * 4 + lab[i]] = 1;
    if ((st = lacus_ridge_partial_fit(m, X, units, Y, 4, S_TRAIN + S_VAL)) || (st = lacus_ridge_solve(m)))
        die("ridge fit", st, lacus_ridge_errmsg(m));
    int64_t hits = 0;
    for (int64_t i = S_TRAIN + S_VAL; i < N; i++) {
        lacus_ridge_predict(m, X + i * units, units, 1, pred, 4);
        int a = 0;
        for (int k = 1; k < 4; k++)
            if (pred[k] > pred[a]) a = k;
        hits += a == lab[i];
    }
    lacus_ridge_free(m);
    lacus_reservoir_free(r);
    free(X), free(st_buf), free(Y);
    return (double)hits / S_TEST;
}

static void stats(const double *v, int n, double *mean, double *sd)
{
    double s = 0, q = 0;
    for (int i = 0; i < n; i++) s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++) q += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(q / (n - 1)) : 0;
}

static void seq4(int nseeds, int64_t gens, double noise, int64_t start_units)
{
    lacus_neat_config c = load_cfg("reservoir_seq4.ini");
    c.num_hidden = start_units - 1; /* 1: the notebook's single neuron */
    const int64_t N = S_TRAIN + S_VAL + S_TEST;
    double *x = xmalloc((size_t)(N * S_LEN) * sizeof *x);
    int64_t *lab = xmalloc((size_t)N * sizeof *lab), steps[N];
    const double *in[N], *in_test[S_TRAIN + S_TEST];
    int64_t lab_test[S_TRAIN + S_TEST];
    double acc[4][64], evo_units[64];
    double t0 = now();
    for (int s = 0; s < nseeds && s < 64; s++) {
        lacus_error e = {0};
        lacus_status st = lacus_neat_seqclass4(N, S_LEN, noise, (uint64_t)(100 + s), x, lab, &e);
        if (st) die("seqclass4", st, e.msg);
        for (int64_t i = 0; i < N; i++) in[i] = x + i * S_LEN, steps[i] = S_LEN;
        const int64_t units[3] = {9, 20, 500};
        for (int k = 0; k < 3; k++) acc[k][s] = random_res_acc(units[k], (uint64_t)(1000 + s), x, lab);
        /* Evolution: readout on train, fitness on validation. */
        lacus_neat_res_task t;
        memset(&t, 0, sizeof t);
        t.kind = LACUS_NEAT_RES_CLASSIFICATION;
        t.n_inputs = 1, t.n_outputs = 4, t.n_seqs = S_TRAIN + S_VAL, t.n_train = S_TRAIN;
        t.inputs = in, t.labels = lab, t.n_steps = steps, t.ridge = 1e-6, t.config = &c;
        lacus_neat *p = NULL;
        if ((st = lacus_neat_create(&c, (uint64_t)s, &p, &e))) die("create", st, e.msg);
        lacus_neat_run_opts o = lacus_neat_run_opts_default();
        o.n_generations = gens;
        if ((st = lacus_neat_run(p, lacus_neat_fitness_reservoir, &t, &o, NULL))) die("run", st, lacus_neat_errmsg(p));
        /* Report: readout refitted on train, scored on the untouched test split. */
        for (int64_t i = 0; i < S_TRAIN; i++) in_test[i] = in[i], lab_test[i] = lab[i];
        for (int64_t i = 0; i < S_TEST; i++)
            in_test[S_TRAIN + i] = in[S_TRAIN + S_VAL + i], lab_test[S_TRAIN + i] = lab[S_TRAIN + S_VAL + i];
        t.inputs = in_test, t.labels = lab_test, t.n_seqs = S_TRAIN + S_TEST;
        const lacus_neat_genome *b = lacus_neat_best(p);
        if ((st = lacus_neat_reservoir_score(b, &t, &acc[3][s], &e))) die("score", st, e.msg);
        evo_units[s] = (double)lacus_neat_genome_n_nodes(b);
        printf("seed %d: random 9 %.3f  random 20 %.3f  random 500 %.3f  evolved %.3f (%g units, "
               "validation %.3f)\n", s, acc[0][s], acc[1][s], acc[2][s], acc[3][s], evo_units[s],
               lacus_neat_genome_fitness(b));
        fflush(stdout);
        lacus_neat_free(p);
    }
    const char *names[4] = {"random-9", "random-20", "random-500", "evolved<=20"};
    for (int k = 0; k < 4; k++) {
        double m, sd;
        stats(acc[k], nseeds, &m, &sd);
        printf("lacus workload=seq4 model=%s seeds=%d noise=%g test_acc_mean=%.3f test_acc_sd=%.3f", names[k],
               nseeds, noise, m, sd);
        if (k == 3) {
            double mu, su;
            stats(evo_units, nseeds, &mu, &su);
            printf(" units_mean=%.1f start_units=%lld gens=%lld pop=%lld", mu, (long long)start_units,
                   (long long)gens, (long long)c.pop_size);
        }
        printf(" chance=0.25 load1=%.2f\n", load1());
    }
    printf("seq4 total %.1f s\n", now() - t0);
    free(x), free(lab);
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "xor-speed";
    if (!strcmp(w, "xor-speed")) xor_speed(argc > 2 ? arg_int(argv[2], 1) : 200);
    else if (!strcmp(w, "xor-quality")) xor_quality(argc > 2 ? arg_int(argv[2], 1) : 100, argc > 3 ? argv[3] : "xor.ini");
    else if (!strcmp(w, "pole"))
        pole(argc > 2 ? arg_int(argv[2], 1) : 10,
             argc > 3 && !strcmp(argv[3], "gruau") ? 2 : argc > 3 && !strcmp(argv[3], "novel"));
    else if (!strcmp(w, "res-mg")) res_mg(argc > 2 ? arg_int(argv[2], 1) : 5);
    else if (!strcmp(w, "seq4"))
        seq4(argc > 2 ? (int)arg_int(argv[2], 1) : 10, argc > 3 ? arg_int(argv[3], 1) : 30,
             argc > 4 ? atof(argv[4]) : 0.4, argc > 5 ? arg_int(argv[5], 1) : 1);
    else {
        fprintf(stderr, "bench_neat: unknown workload %s (xor-speed, xor-quality, pole, res-mg, seq4)\n", w);
        return 2;
    }
    return 0;
}
