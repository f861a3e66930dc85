/* lacus evolve: NEAT on a built-in task from a neat-python configuration
 * file, with progress per generation, checkpoints, resume and reports. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "common.h"

typedef struct evo_data {
    lacus_neat_res_task res;
    lacus_neat_pole_task pole;
    double *x, *y;
    int64_t *labels, *steps;
    const double **in_ptr, **tg_ptr;
} evo_data;

static void evo_data_free(evo_data *d)
{
    free(d->x), free(d->y), free(d->labels), free(d->steps), free(d->in_ptr), free(d->tg_ptr);
}

static void progress(const lacus_neat_gen_stats *s, void *user)
{
    (void)user;
    if (lacus_dist_rank() != 0) return; /* under mpirun, rank 0 reports */
    printf("gen %4lld  best %.6g  mean %.6g  sd %.4g  species %lld  nodes %.2f  links %.2f  "
           "evals %lld%s\n",
           (long long)s->generation, s->best, s->mean, s->stdev, (long long)s->n_species,
           s->mean_nodes, s->mean_conns, (long long)s->evaluations, s->solved ? "  solved" : "");
    fflush(stdout);
}

/* The data of the reservoir tasks; returns 0 or -1 after printing. */
static int make_res_task(const char *task, const lacus_neat_config *c, int64_t seed, int64_t n_seq,
                         int64_t seq_len, double noise, double ridge, double penalty, evo_data *d)
{
    lacus_error e = {0};
    lacus_neat_res_task *t = &d->res;
    memset(t, 0, sizeof *t);
    t->config = c;
    t->ridge = ridge;
    t->size_penalty = penalty;
    t->n_inputs = 1;
    if (!strcmp(task, "seq4")) {
        t->kind = LACUS_NEAT_RES_CLASSIFICATION;
        t->n_outputs = 4;
        t->n_seqs = n_seq;
        t->n_train = n_seq * 3 / 4;
        d->x = malloc((size_t)(n_seq * seq_len) * sizeof *d->x);
        d->labels = malloc((size_t)n_seq * sizeof *d->labels);
        d->steps = malloc((size_t)n_seq * sizeof *d->steps);
        d->in_ptr = malloc((size_t)n_seq * sizeof *d->in_ptr);
        if (!d->x || !d->labels || !d->steps || !d->in_ptr) return cli_error("out of memory"), -1;
        if (lacus_neat_seqclass4(n_seq, seq_len, noise, (uint64_t)seed, d->x, d->labels, &e))
            return cli_error("%s", e.msg), -1;
        for (int64_t i = 0; i < n_seq; i++) d->in_ptr[i] = d->x + i * seq_len, d->steps[i] = seq_len;
        t->labels = d->labels;
    } else { /* mackey-glass: one-step-ahead forecasting, 4 segments of seq_len */
        t->kind = LACUS_NEAT_RES_REGRESSION;
        t->n_outputs = 1;
        t->n_seqs = 4;
        t->n_train = 3;
        t->warmup = seq_len / 5;
        int64_t T = 4 * seq_len + 1;
        d->x = malloc((size_t)T * sizeof *d->x);
        d->y = malloc((size_t)T * sizeof *d->y);
        d->steps = malloc(4 * sizeof *d->steps);
        d->in_ptr = malloc(4 * sizeof *d->in_ptr);
        d->tg_ptr = malloc(4 * sizeof *d->tg_ptr);
        if (!d->x || !d->y || !d->steps || !d->in_ptr || !d->tg_ptr) return cli_error("out of memory"), -1;
        lacus_mackey_glass_params mp = lacus_mackey_glass_params_default();
        if (lacus_mackey_glass(T, &mp, d->x, &e)) return cli_error("%s", e.msg), -1;
        for (int64_t i = 0; i + 1 < T; i++) d->y[i] = d->x[i + 1];
        for (int64_t i = 0; i < 4; i++) {
            d->in_ptr[i] = d->x + i * seq_len;
            d->tg_ptr[i] = d->y + i * seq_len;
            d->steps[i] = seq_len;
        }
        t->targets = d->tg_ptr;
    }
    t->inputs = d->in_ptr;
    t->n_steps = d->steps;
    return 0;
}

/* Written to a temporary name, renamed when complete: no partial CSV. */
static int write_stats_csv(const lacus_neat *p, const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return cli_error("%s: %s", path, strerror(errno)), -1;
    fprintf(f, "generation,best,mean,stdev,n_species,mean_nodes,mean_links,best_nodes,best_links,evaluations\n");
    for (int64_t i = 0; i < lacus_neat_history_len(p); i++) {
        lacus_neat_gen_stats s;
        lacus_neat_history(p, i, &s);
        fprintf(f, "%lld,%.17g,%.17g,%.17g,%lld,%.6g,%.6g,%lld,%lld,%lld\n", (long long)s.generation,
                s.best, s.mean, s.stdev, (long long)s.n_species, s.mean_nodes, s.mean_conns,
                (long long)s.best_nodes, (long long)s.best_conns, (long long)s.evaluations);
    }
    int bad = ferror(f);
    if (fclose(f) || bad || rename(tmp, path)) {
        remove(tmp);
        return cli_error("%s: write failed", path), -1;
    }
    return 0;
}

int cmd_evolve(int argc, char **argv)
{
    const char *config = NULL, *task = "xor", *ckpt_prefix = NULL, *resume = NULL, *out = NULL;
    int64_t gens = 300, seed = 1, threads = 0, ckpt_every = 0, n_seq = 400, seq_len = 40;
    double noise = 0.4, ridge = 1e-6, penalty = 0.0, angle = 0.07;
    int64_t max_steps = 100000;
    int no_png = 0;
    opt table[] = {
        {"config", OPT_STRING, &config, "neat-python INI configuration (or the first argument)"},
        {"task", OPT_STRING, &task,
         "xor | pole2 | pole2-novel | pole2-gruau | pole1 | pole1-novel | seq4 | mackey-glass"},
        {"generations", OPT_INT, &gens, "generations at most"},
        {"seed", OPT_INT, &seed, "random seed of the run"},
        {"threads", OPT_INT, &threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
        {"checkpoint-every", OPT_INT, &ckpt_every, "save a checkpoint every K generations (0: never)"},
        {"checkpoint-prefix", OPT_STRING, &ckpt_prefix, "checkpoint file prefix (generation appended)"},
        {"resume", OPT_STRING, &resume, "continue from a checkpoint (its config is used)"},
        {"out", OPT_STRING, &out, "directory for stats.csv, best.dot/.png, run.png"},
        {"no-png", OPT_FLAG, &no_png, "write no PNG (DOT and CSV only)"},
        {"max-steps", OPT_INT, &max_steps, "pole tasks: steps to balance"},
        {"angle", OPT_DOUBLE, &angle, "pole tasks: initial angle of pole 1 (rad)"},
        {"seq-n", OPT_INT, &n_seq, "seq4: sequences (3/4 train, 1/4 validation)"},
        {"seq-len", OPT_INT, &seq_len, "seq4: steps per sequence; mackey-glass: segment length"},
        {"noise", OPT_DOUBLE, &noise, "seq4: noise std"},
        {"ridge", OPT_DOUBLE, &ridge, "reservoir tasks: readout ridge"},
        {"size-penalty", OPT_DOUBLE, &penalty, "reservoir tasks: fitness penalty per unit"},
    };
    verb_spec v = {"evolve", "CONFIG.ini [options]",
                   "Evolves networks with NEAT (neat-python's configuration keys, docs/neat.md) on a\n"
                   "built-in task, printing one line per generation. Reservoir tasks (seq4,\n"
                   "mackey-glass) score each genome by a ridge readout on a validation split.",
                   table, (int)(sizeof table / sizeof *table)};
    int first = 2;
    if (argc > 2 && argv[2][0] != '-') config = argv[2], first = 3;
    int r = opts_parse(&v, argc, argv, first);
    if (r) return r > 0 ? 0 : 2;
    if (!config && !resume) return cli_error("evolve: give a CONFIG file (or --resume CHECKPOINT)"), 2;
    if (gens < 1) return cli_error("--generations = %lld: must be >= 1", (long long)gens), 2;
    if (ckpt_every < 0 || (ckpt_every > 0 && !ckpt_prefix))
        return cli_error("--checkpoint-every needs a value >= 0 and a --checkpoint-prefix"), 2;
    if (n_seq < 8 || seq_len < 5 || max_steps < 1 || !(noise >= 0) || !(ridge >= 0) || !isfinite(penalty))
        return cli_error("--seq-n >= 8, --seq-len >= 5, --max-steps >= 1, --noise >= 0, --ridge >= 0"), 2;
    if (threads > 0) lacus_set_num_threads((int)threads);
    lacus_error e = {0};
    lacus_neat *p = NULL;
    if (resume) {
        if (lacus_neat_load(resume, &p, &e)) return cli_error("%s", e.msg), 1;
    } else {
        lacus_neat_config c = lacus_neat_config_default();
        if (lacus_neat_config_load(config, &c, &e)) return cli_error("%s", e.msg), 1;
        if (lacus_neat_create(&c, (uint64_t)seed, &p, &e)) return cli_error("%s", e.msg), 1;
    }
    const lacus_neat_config *c = lacus_neat_get_config(p);
    evo_data d;
    memset(&d, 0, sizeof d);
    lacus_neat_fitness_fn fn = NULL;
    void *user = NULL;
    int rc = 1;
    if (!strcmp(task, "xor")) {
        fn = lacus_neat_fitness_xor;
        user = (void *)c;
        if (c->num_inputs != 2 || c->num_outputs != 1) {
            cli_error("task xor needs num_inputs = 2 and num_outputs = 1 (config has %lld, %lld)",
                      (long long)c->num_inputs, (long long)c->num_outputs);
            goto done;
        }
    } else if (!strncmp(task, "pole", 4)) {
        d.pole.pole = lacus_neat_pole_params_default();
        d.pole.pole.n_poles = task[4] == '1' ? 1 : 2;
        d.pole.pole.velocities = strstr(task, "novel") == NULL && strstr(task, "gruau") == NULL;
        /* pole2-gruau: the double pole without velocities, Gruau's fitness and
         * the 100,000-step and 625-start solution test (Stanley & Miikkulainen 2002) */
        d.pole.pole.gruau = !strcmp(task, "pole2-gruau");
        d.pole.pole.max_steps = max_steps;
        d.pole.pole.initial_angle = angle;
        d.pole.config = c;
        if ((task[4] != '1' && task[4] != '2') ||
            (task[5] && strcmp(task + 5, "-novel") && strcmp(task, "pole2-gruau"))) {
            cli_error("unknown --task \"%s\"", task);
            rc = 2;
            goto done;
        }
        int64_t ni = lacus_neat_pole_n_inputs(&d.pole.pole);
        if (c->num_inputs != ni || c->num_outputs != 1) {
            cli_error("task %s needs num_inputs = %lld and num_outputs = 1 (config has %lld, %lld)",
                      task, (long long)ni, (long long)c->num_inputs, (long long)c->num_outputs);
            goto done;
        }
        fn = lacus_neat_fitness_pole;
        user = &d.pole;
    } else if (!strcmp(task, "seq4") || !strcmp(task, "mackey-glass")) {
        if (c->num_inputs != 1 || c->feed_forward) {
            cli_error("task %s reads a reservoir: the config needs num_inputs = 1 and "
                      "feed_forward = False", task);
            goto done;
        }
        if (make_res_task(task, c, seed, n_seq, seq_len, noise, ridge, penalty, &d)) goto done;
        fn = lacus_neat_fitness_reservoir;
        user = &d.res;
    } else {
        cli_error("unknown --task \"%s\" (xor, pole2, pole2-novel, pole2-gruau, pole1, pole1-novel, seq4, "
                  "mackey-glass)", task);
        rc = 2;
        goto done;
    }
    lacus_neat_run_opts o = lacus_neat_run_opts_default();
    o.n_generations = gens;
    o.checkpoint_every = ckpt_every;
    o.checkpoint_prefix = ckpt_prefix;
    o.progress = progress;
    int solved = 0;
    double t0 = cli_now();
    if (lacus_neat_run(p, fn, user, &o, &solved)) {
        cli_error("%s", lacus_neat_errmsg(p));
        goto done;
    }
    double dt = cli_now() - t0;
    if (lacus_dist_rank() != 0) { /* the same run on every rank: rank 0 reports and writes */
        rc = 0;
        goto done;
    }
    const lacus_neat_genome *best = lacus_neat_best(p);
    lacus_neat_gen_stats last;
    lacus_neat_history(p, lacus_neat_history_len(p) - 1, &last);
    printf("%s after %lld generations (%lld evaluations, %.3g s): best fitness %.6g, %lld nodes, "
           "%lld enabled links\n",
           solved ? "solved" : "not solved", (long long)last.generation + 1,
           (long long)last.evaluations, dt, lacus_neat_genome_fitness(best),
           (long long)lacus_neat_genome_n_nodes(best), (long long)lacus_neat_genome_n_enabled(best));
    if (lacus_dist_size() > 1) printf("genomes evaluated on %d MPI ranks\n", lacus_dist_size());
    if (d.pole.pole.gruau) {
        int64_t gen = 0;
        if (!lacus_neat_pole_generalization(best, c, &d.pole.pole, &gen, &e))
            printf("best network: Gruau fitness %.6g, generalisation %lld of 625 starts balanced 1000 steps\n",
                   lacus_neat_genome_fitness(best) >= LACUS_NEAT_GRUAU_SOLVED
                       ? lacus_neat_genome_fitness(best) - LACUS_NEAT_GRUAU_SOLVED
                       : lacus_neat_genome_fitness(best),
                   (long long)gen);
    }
    if (user == &d.res) {
        double sc = 0;
        if (!lacus_neat_reservoir_score(best, &d.res, &sc, &e))
            printf("best reservoir: %lld units, validation %s %.4f\n",
                   (long long)lacus_neat_genome_n_nodes(best),
                   d.res.kind == LACUS_NEAT_RES_CLASSIFICATION ? "accuracy" : "NRMSE",
                   d.res.kind == LACUS_NEAT_RES_CLASSIFICATION ? sc : -sc);
    }
    if (out) {
        if (mkdir(out, 0777) && errno != EEXIST) {
            cli_error("--out %s: %s", out, strerror(errno));
            goto done;
        }
        char path[4096], png[4096];
        snprintf(path, sizeof path, "%s/stats.csv", out);
        if (write_stats_csv(p, path)) goto done;
        snprintf(path, sizeof path, "%s/best.dot", out);
        snprintf(png, sizeof png, "%s/best.png", out);
        if (lacus_neat_genome_write_dot(best, c, path, no_png ? NULL : png, &e)) {
            cli_error("%s", e.msg);
            goto done;
        }
        if (!no_png) {
            snprintf(png, sizeof png, "%s/run.png", out);
            if (lacus_neat_plot(p, png, &e)) {
                cli_error("%s", e.msg);
                goto done;
            }
        }
        printf("wrote %s/stats.csv, best.dot%s\n", out, no_png ? "" : ", best.png, run.png");
    }
    rc = 0;
done:
    evo_data_free(&d);
    lacus_neat_free(p);
    return rc;
}
