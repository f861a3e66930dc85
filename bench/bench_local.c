/* bench_local: the cost of local learning inside a reservoir.
 *
 *   bench_local [N] [T] [fan_in] [only]   (defaults 2000, 2000, 20; only: run the
 *                                          workloads whose name contains it)
 *
 * For each workload, the time per step with 1 and 2 threads:
 *   esn            lacus_reservoir_run (the optimised ESN path) on the same
 *                  W, Win (same seed), the reference step;
 *   local-plain    the local reservoir with every unit plain, learning off
 *                  (the per-unit loop without any rule);
 *   selfpred-nlms  self-predicting units, NLMS, learning on (goal: at most
 *                  3x the ESN step, spec learning_rules.md 4.5);
 *   selfpred-rls   per-unit RLS (O(K^2) per unit);
 *   ff             Forward-Forward units (positive and negative copies).
 * Lines: workload, N, T, fan-in, threads, us/step (wall), CPU us/step (all
 * threads; see cpu_now), ratio to the ESN step with
 * the same threads, approximate GFLOP/s, 2-thread speed-up (goal 1.7x) and
 * the 2-thread run's CPU time over the 1-thread run's,
 * peak memory, 1-minute load average (the machine is shared: a load above
 * the core count slows the 2-thread runs most, and is printed beside them). */
#define BENCH_NAME "bench_local"
#include <string.h>

#include "bench_util.h"

static lacus_localres_params params(int64_t N, int64_t fan, lacus_local_rule rule, lacus_sp_method m)
{
    lacus_localres_params p = lacus_localres_params_default();
    p.res.n_units = N;
    p.res.n_inputs = 1;
    p.res.sr = 0.9;
    p.res.lr = 0.5;
    p.res.rc_connectivity = (double)fan / (double)N;
    p.res.input_connectivity = 1.0;
    p.res.seed = 7;
    p.pops[0].rule = rule;
    p.sp_method = m;
    return p;
}

/* Process CPU seconds (every thread). With OMP_WAIT_POLICY=PASSIVE a
 * waiting thread sleeps, so the CPU time of a 2-thread run over that of a
 * 1-thread run is 1 + the synchronisation work (barriers, wake-ups): a
 * measure of the per-step overhead that a loaded machine does not distort
 * the way it distorts wall times. (Spinning policies count their spinning.) */
/* Seconds per step of one workload, best of 3; *cpu: the CPU seconds per
 * step of that run. */
static double time_local(const lacus_localres_params *p, const double *u, int64_t T, int learn,
                         double *cpu)
{
    lacus_localres *m = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_localres_create(p, &m, &err);
    if (st) die("create", st, err.msg);
    double best = 1e30, best_cpu = 0.0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now(), c0 = cpu_now();
        st = lacus_localres_run(m, u, T, learn, 1, NULL, NULL, NULL);
        double t = now() - t0, c = cpu_now() - c0;
        if (st) die("run", st, lacus_localres_errmsg(m));
        if (t < best) best = t, best_cpu = c;
    }
    lacus_localres_free(m);
    *cpu = best_cpu / (double)T;
    return best / (double)T;
}

static double time_esn(int64_t N, int64_t fan, const double *u, int64_t T, double *states)
{
    lacus_reservoir_params rp = params(N, fan, LACUS_RULE_PLAIN, LACUS_SP_NLMS).res;
    lacus_reservoir *r = NULL;
    lacus_error err = {0};
    lacus_status st = lacus_reservoir_create(&rp, &r, &err);
    if (st) die("reservoir", st, err.msg);
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        st = lacus_reservoir_run(r, u, T, 1, states);
        double t = now() - t0;
        if (st) die("reservoir run", st, lacus_reservoir_errmsg(r));
        best = t < best ? t : best;
    }
    lacus_reservoir_free(r);
    return best / (double)T;
}

int main(int argc, char **argv)
{
    int64_t N = argc > 1 ? arg_int(argv[1], 10) : 2000;
    int64_t T = argc > 2 ? arg_int(argv[2], 10) : 2000;
    int64_t fan = argc > 3 ? arg_int(argv[3], 1) : 20;
    if (fan > N) fan = N;
    const char *only = argc > 4 ? argv[4] : "";
    double *u = xmalloc(sizeof(double) * (size_t)T);
    double *states = xmalloc(sizeof(double) * (size_t)(T * N));
    srand(1);
    for (int64_t t = 0; t < T; t++) u[t] = 2.0 * rand() / (double)RAND_MAX - 1.0;
    double esn[3] = {0};
    for (int th = 1; th <= 2; th++) {
        set_threads(th);
        esn[th] = time_esn(N, fan, u, T, states);
        printf("bench=local workload=esn N=%lld T=%lld fan_in=%lld threads=%d us_per_step=%.2f "
               "load1=%.2f\n", (long long)N, (long long)T, (long long)fan, th, 1e6 * esn[th], load1());
    }
    printf("speedup workload=esn t1/t2=%.2fx load1=%.2f\n", esn[1] / esn[2], load1());
    struct { const char *name; lacus_local_rule rule; lacus_sp_method m; int learn; double flops; } w[] = {
        {"local-plain", LACUS_RULE_PLAIN, LACUS_SP_NLMS, 0, 2.0 * (double)(fan + 1)},
        /* h: 2 (fan + 1); z.theta and z.z: 4 K; update and norm: 4 K; K = fan + 3 */
        {"selfpred-nlms", LACUS_RULE_SELFPRED, LACUS_SP_NLMS, 1, 2.0 * (fan + 1) + 8.0 * (fan + 3)},
        {"selfpred-rls", LACUS_RULE_SELFPRED, LACUS_SP_RLS, 1,
         2.0 * (fan + 1) + 4.0 * (double)(fan + 3) * (fan + 3)},
        {"ff", LACUS_RULE_FF, LACUS_SP_NLMS, 1, 4.0 * (fan + 1) + 8.0 * (fan + 1)},
    };
    for (size_t k = 0; k < sizeof w / sizeof *w; k++) {
        if (*only && !strstr(w[k].name, only)) continue;
        lacus_localres_params p = params(N, fan, w[k].rule, w[k].m);
        int64_t Tk = w[k].m == LACUS_SP_RLS && w[k].rule == LACUS_RULE_SELFPRED ? T / 4 : T;
        double ts[3] = {0}, cs[3] = {0};
        for (int th = 1; th <= 2; th++) {
            set_threads(th);
            ts[th] = time_local(&p, u, Tk, w[k].learn, &cs[th]);
            double ratio = ts[th] / esn[th];
            printf("bench=local workload=%s N=%lld T=%lld fan_in=%lld threads=%d us_per_step=%.2f "
                   "cpu_us_per_step=%.2f ratio_vs_esn=%.2fx%s gflops=%.2f peak_mb=%.0f load1=%.2f\n",
                   w[k].name, (long long)N, (long long)Tk, (long long)fan, th, 1e6 * ts[th],
                   1e6 * cs[th], ratio,
                   !strcmp(w[k].name, "selfpred-nlms") ? (ratio <= 3.0 ? " goal=3x pass" : " goal=3x FAIL") : "",
                   1e-9 * w[k].flops * (double)N / ts[th], peak_rss_mb(), load1());
        }
        double sp = ts[1] / ts[2];
        printf("speedup workload=%s t1/t2=%.2fx goal=1.7x %s cpu2/cpu1=%.3f load1=%.2f\n", w[k].name,
               sp, sp >= 1.7 ? "pass" : "FAIL", cs[2] / cs[1], load1());
    }
    free(u);
    free(states);
    return 0;
}
