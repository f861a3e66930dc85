/* lacus fit under mpirun: the sequences are shared out over the ranks
 * (whole files when there are at least as many files as ranks, so each rank
 * reads only its own; else sequence i goes to rank i mod K), each rank
 * accumulates its part, and lacus_esn_fit_dist reduces the sums in a fixed
 * order; rank 0 writes the model. Any rank's failure stops every rank with
 * the same message. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "config.h"

/* --dist-solve and friends, checked by fit_dist_set (cmd_esn.c). */
fit_dist_opts fit_dist_opts_default(void) { return (fit_dist_opts){"auto", 0.0, 0, 0, 0}; }

static fit_dist_opts g_dso = {"auto", 0.0, 0, 0, 0};

int fit_dist_set(const fit_dist_opts *d)
{
    if (strcmp(d->solve, "auto") && strcmp(d->solve, "reduce") && strcmp(d->solve, "scalapack"))
        return cli_error("--dist-solve %s: expected auto, reduce or scalapack", d->solve), 2;
    if (!(d->rank_mem_mb >= 0.0 && d->rank_mem_mb < 1e12))
        return cli_error("--rank-mem-mb %g: must be >= 0 (0: no cap)", d->rank_mem_mb), 2;
    if (d->block < 0 || d->block > 4096)
        return cli_error("--dist-block %lld: must be in 0..4096 (0: automatic)", (long long)d->block), 2;
    if (d->rows < 0 || d->rows > 65536)
        return cli_error("--dist-rows %lld: must be in 0..65536 (0: automatic)", (long long)d->rows), 2;
    if (!lacus_dist_launched() && !strcmp(d->solve, "scalapack"))
        return cli_error("--dist-solve scalapack: the distributed solve runs under mpirun "
                         "(mpirun -np 1 lacus fit ... works)"), 2;
    g_dso = *d;
    return 0;
}

lacus_dist_params fit_dist_params(void)
{
    lacus_dist_params dp = lacus_dist_params_default();
    dp.solve = !strcmp(g_dso.solve, "scalapack") ? LACUS_DIST_SOLVE_SCALAPACK
               : !strcmp(g_dso.solve, "reduce")  ? LACUS_DIST_SOLVE_REDUCE
                                                 : LACUS_DIST_SOLVE_AUTO;
    dp.rank_mem_mb = g_dso.rank_mem_mb;
    dp.block = g_dso.block;
    dp.rows = g_dso.rows;
    return dp;
}

/* The process's peak resident memory (VmHWM) in MiB, or -1. */
static double peak_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = strtod(line + 6, NULL);
    if (f) fclose(f);
    return kb < 0 ? -1 : kb / 1024.0;
}

/* --report-memory: the bytes the library allocates (lacus__malloc and
 * friends), counted by a pass-through allocator with glibc's
 * malloc_usable_size, so blocks allocated before the switch may be freed
 * after it. ScaLAPACK's and BLAS's own buffers are not counted here (VmHWM
 * counts everything). */
static int64_t g_cur, g_peak;

static void count(void *p, int sign)
{
    if (!p) return;
    int64_t now = __atomic_add_fetch(&g_cur, sign * (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
    int64_t old = __atomic_load_n(&g_peak, __ATOMIC_RELAXED);
    while (now > old && !__atomic_compare_exchange_n(&g_peak, &old, now, 0, __ATOMIC_RELAXED,
                                                     __ATOMIC_RELAXED)) {}
}
static void *count_malloc(size_t n, void *u) { (void)u; void *p = malloc(n); count(p, 1); return p; }
static void count_free(void *p, void *u) { (void)u; count(p, -1); free(p); }
static void *count_realloc(void *p, size_t n, void *u)
{
    (void)u;
    int64_t before = p ? (int64_t)malloc_usable_size(p) : 0;
    void *q = realloc(p, n);
    if (q) {
        __atomic_sub_fetch(&g_cur, before, __ATOMIC_RELAXED);
        count(q, 1);
    }
    return q;
}

void cli_shard_free(cli_shard *s)
{
    for (int f = 0; f < s->n_files; f++) {
        cli_seqs_free(&s->in[f]);
        cli_seqs_free(&s->tg[f]);
    }
    free(s->in);
    free(s->tg);
    free(s->in_ptr);
    free(s->tg_ptr);
    free(s->steps);
    free(s->ids);
}

static int push(cli_shard *s, const double *u, const double *y, int64_t steps, int64_t id)
{
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 16;
        const double **a = realloc(s->in_ptr, (size_t)cap * sizeof *a);
        if (a) s->in_ptr = a;
        const double **b = realloc(s->tg_ptr, (size_t)cap * sizeof *b);
        if (b) s->tg_ptr = b;
        int64_t *c = realloc(s->steps, (size_t)cap * sizeof *c);
        if (c) s->steps = c;
        int64_t *d = realloc(s->ids, (size_t)cap * sizeof *d);
        if (d) s->ids = d;
        if (!a || !b || !c || !d) return cli_error("out of memory"), -1;
        s->cap = cap;
    }
    s->in_ptr[s->n] = u;
    s->tg_ptr[s->n] = y;
    s->steps[s->n] = steps;
    s->ids[s->n++] = id;
    return 0;
}

int cli_shard_load(const opt_list *inputs, const opt_list *targets, cli_shard *s)
{
    int rank = lacus_dist_rank(), size = lacus_dist_size();
    int by_file = inputs->n >= size;
    s->in = calloc((size_t)inputs->n, sizeof *s->in);
    s->tg = calloc((size_t)inputs->n, sizeof *s->tg);
    if (!s->in || !s->tg) return cli_error("out of memory"), -1;
    int64_t global = 0;
    for (int j = 0; j < inputs->n; j++) {
        if (by_file && j % size != rank) continue;
        opt_list fi = {1, 1, &inputs->items[j], NULL};
        opt_list ft = {1, 1, targets ? &targets->items[j] : NULL, NULL};
        int f = s->n_files;
        if (cli_seqs_load(&fi, "--input", &s->in[f])) return -1;
        s->n_files++;
        if (targets && cli_seqs_load(&ft, "--target", &s->tg[f])) return -1;
        const lacus_seqs *u = &s->in[f].s, *y = targets ? &s->tg[f].s : u;
        if (u->n_seqs != y->n_seqs)
            return cli_error("%s holds %lld sequences but %s %lld", inputs->items[j],
                             (long long)u->n_seqs, targets->items[j], (long long)y->n_seqs), -1;
        for (int64_t k = 0; k < u->n_seqs; k++, global++) {
            if (!by_file && global % size != rank) continue;
            if (u->n_steps[k] != y->n_steps[k])
                return cli_error("%s, sequence %lld: %lld input steps but %lld target steps",
                                 inputs->items[j], (long long)k, (long long)u->n_steps[k],
                                 (long long)y->n_steps[k]), -1;
            /* The id names the sequence the same way in both modes: its
             * noise stream does not depend on the number of ranks. */
            if (push(s, u->data[k], targets ? y->data[k] : NULL, u->n_steps[k], ((int64_t)j << 32) + k))
                return -1;
        }
        s->my_in.n_features = u->n_features;
        s->my_tg.n_features = targets ? y->n_features : 0;
    }
    s->my_in = (lacus_seqs){s->n, s->my_in.n_features, s->in_ptr, s->steps};
    s->my_tg = (lacus_seqs){s->n, s->my_tg.n_features, s->tg_ptr, s->steps};
    return 0;
}

int fit_dist(esn_cli_opts *o, const opt_list *inputs, const opt_list *targets, const char *out)
{
    return fit_dist_prep(o, inputs, targets, out, NULL, NULL);
}

int fit_dist_prep(esn_cli_opts *o, const opt_list *inputs, const opt_list *targets, const char *out,
                  const char *path, const lacus_prep_params *pp)
{
    int rank = lacus_dist_rank(), size = lacus_dist_size();
    lacus_error err = {0};
    if (inputs->n == 0 || inputs->n != targets->n)
        return cli_error("under MPI give as many --target files as --input files (%d and %d)",
                         inputs->n, targets->n), 2;
    cli_shard s = {0};
    lacus_status st = cli_shard_load(inputs, targets, &s) ? LACUS_ERR_IO : LACUS_OK;
    if (st) snprintf(err.msg, sizeof err.msg, "could not load its data (its message is above)");
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        cli_shard_free(&s);
        return 1;
    }
    /* "preprocess" in a config: fitted over the ranks (prep_dist.c). */
    lacus_prep *prep = NULL;
    cli_prep_seqs P = {0};
    const lacus_seqs *use = &s.my_in;
    if (cli_prep_fit_dist(path, pp, inputs, &s.my_in, s.ids, &prep, &P, &use)) {
        cli_shard_free(&s);
        return 1;
    }
    lacus_seqs my_in = *use;
    /* Ranks without sequences learn the widths from the others. */
    int64_t n_in = lacus_dist_max(my_in.n_features), n_out = lacus_dist_max(s.my_tg.n_features);
    my_in.n_features = n_in;
    s.my_tg.n_features = n_out;
    lacus_esn_params p;
    lacus_esn *m = NULL;
    int rc = 1;
    if (esn_opts_resolve(o, &p, n_in)) {
        rc = 2;
        goto done;
    }
    if (o->feedback) p.n_feedback = n_out;
    if (lacus_esn_create(&p, &m, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    lacus_dist_params dp = fit_dist_params();
    lacus_dist_stats ds;
    if (g_dso.report_memory)
        lacus_set_allocator(&(lacus_allocator){count_malloc, count_realloc, count_free, NULL});
    double hwm0 = peak_mib(), t0 = cli_now();
    struct timespec c0, c1; /* CPU time, which load on the machine inflates less than wall time */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (lacus_esn_fit_dist_ex(m, &my_in, &s.my_tg, s.ids, &dp, &ds)) {
        cli_error("fit: %s", lacus_esn_errmsg(m));
        goto done;
    }
    double t1 = cli_now();
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    lacus_dist_solve used = ds.used;
    if (g_dso.report_memory) {
        lacus_set_allocator(NULL);
        printf("rank %d: peak memory (VmHWM) %.1f MiB before the fit, %.1f MiB after; lacus "
               "allocations peak %.1f MiB; the %s solve's estimate %.1f MiB; fit cpu %.2f s\n",
               rank, hwm0,
               peak_mib(), (double)g_peak / 1048576.0,
               used == LACUS_DIST_SOLVE_SCALAPACK ? "scalapack" : "reduce",
               (double)lacus_dist_solve_bytes(used, lacus_ridge_n_features(lacus_esn_readout(m)),
                                              n_out, size, &dp) / 1048576.0,
               (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec));
        fflush(stdout);
    }
    st = rank == 0 ? lacus_esn_save_with_prep(m, prep, out, &err) : LACUS_OK;
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto done;
    }
    int64_t steps = 0;
    for (int64_t i = 0; i < s.my_in.n_seqs; i++) steps += s.steps[i];
    char how[200] = "reduce solve";
    if (used == LACUS_DIST_SOLVE_SCALAPACK)
        snprintf(how, sizeof how, "scalapack solve on a %d x %d grid, %lld rounds: states %.3f s, "
                 "solve %.3f s (pdpotrf+pdpotrs %.3f s, cpu %.3f s)", ds.grid_rows, ds.grid_cols,
                 (long long)ds.rounds, ds.stream_s, ds.solve_s, ds.factor_s, ds.factor_cpu_s);
    /* A failed Cholesky factorisation is worth a line of its own: the model
     * then rests on a numerically singular system (raise the ridge). */
    if (rank == 0 && ds.fallback && used == LACUS_DIST_SOLVE_SCALAPACK)
        printf("solve: the system is not positive definite (pdpotrf stopped at leading minor %d, "
               "ridge = %g): solved by the fallback, LU with partial pivoting (pdgesv)\n",
               ds.failed_minor, p.readout.ridge);
    else if (rank == 0 && ds.fallback)
        printf("solve: the system is not positive definite (ridge = %g): solved by the fallback, "
               "Bunch-Kaufman LDL^T (dsysv)\n", p.readout.ridge);
    if (rank == 0)
        printf("trained on %d ranks (%lld sequences, %lld steps on rank 0), %lld units in %.3f s "
               "(%s); wrote %s\n", size, (long long)s.my_in.n_seqs, (long long)steps,
               (long long)p.reservoir.n_units, t1 - t0, how, out);
    rc = 0;
done:
    lacus_esn_free(m);
    lacus_prep_free(prep);
    cli_prep_seqs_free(&P);
    cli_shard_free(&s);
    return rc;
}
