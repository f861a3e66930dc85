/* lacus compare: trains a plain ESN, each local-learning variant, the
 * backward-tuning slot and (merged from a file) the BPTT baseline on the
 * same generated tasks and prints one table: error, training time,
 * trainable parameters, model size. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"

#define MAX_ROWS 256

typedef struct row {
    char task[16], model[40], metric[16], note[160];
    int available, higher_better;
    double error, train_s, model_kb;
    long long n_params;
} row;

/* Splits "a,b,c" into up to max names (in place). */
static int split_list(char *s, char **out, int max)
{
    int n = 0;
    for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ",")) out[n++] = tok;
    return n;
}

/* Rows written by bench/anchor_bptt_rnn.py: task, model, metric, error,
 * train_s, n_params, model_kb, note (tab-separated, '#' comments). */
static int load_bptt(const char *path, row *rows, int *n_rows)
{
    FILE *f = fopen(path, "r");
    if (!f) return cli_error("--bptt %s: %s", path, strerror(errno)), -1;
    char line[1024];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (*n_rows == MAX_ROWS) break;
        row *r = &rows[*n_rows];
        memset(r, 0, sizeof *r);
        char note[160] = "";
        int k = sscanf(line, "%15[^\t]\t%39[^\t]\t%15[^\t]\t%lf\t%lf\t%lld\t%lf\t%159[^\n]", r->task,
                       r->model, r->metric, &r->error, &r->train_s, &r->n_params, &r->model_kb, note);
        if (k < 7) {
            fclose(f);
            return cli_error("--bptt %s line %d: expected task, model, metric, error, train_s, "
                             "n_params, model_kb[, note] separated by tabs", path, ln), -1;
        }
        snprintf(r->note, sizeof r->note, "%s", note);
        r->available = 1;
        r->higher_better = !strcmp(r->metric, "MC");
        (*n_rows)++;
    }
    fclose(f);
    return 0;
}

/* "selfpred:100,ff:100" -> populations of the heterogeneous model. */
static int parse_pops(const char *spec, lacus_compare_params *cp)
{
    char buf[512];
    if (strlen(spec) >= sizeof buf) return cli_error("--pops: too long"), -1;
    snprintf(buf, sizeof buf, "%s", spec);
    char *items[LACUS_LOCAL_MAX_POPS + 1];
    int n = split_list(buf, items, LACUS_LOCAL_MAX_POPS + 1);
    if (n < 1 || n > LACUS_LOCAL_MAX_POPS)
        return cli_error("--pops '%s': give 1 to %d RULE:UNITS items", spec, LACUS_LOCAL_MAX_POPS), -1;
    int64_t total = 0;
    for (int k = 0; k < n; k++) {
        char *colon = strchr(items[k], ':'), *end = NULL;
        if (!colon) return cli_error("--pops item '%s': expected RULE:UNITS", items[k]), -1;
        *colon = 0;
        lacus_error err = {0};
        if (lacus_local_rule_parse(items[k], &cp->pops[k].rule, &err))
            return cli_error("--pops: %s", err.msg), -1;
        long long v = strtoll(colon + 1, &end, 10);
        if (*end || v < 1) return cli_error("--pops %s:%s: units must be an integer >= 1", items[k], colon + 1), -1;
        cp->pops[k].n_units = v;
        total += v;
    }
    if (total != cp->n_units)
        return cli_error("--pops: the populations have %lld units but --units is %lld",
                         (long long)total, (long long)cp->n_units), -1;
    cp->n_pops = n;
    return 0;
}

static void print_table(FILE *o, const row *rows, int n)
{
    fprintf(o, "%-8s %-14s %-10s %12s %10s %10s %10s  %s\n", "task", "model", "metric", "error",
            "train_s", "params", "model_kB", "note");
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        if (!r->available)
            fprintf(o, "%-8s %-14s %-10s %12s %10s %10s %10s  %s\n", r->task, r->model, r->metric,
                    "-", "-", "-", "-", r->note);
        else
            fprintf(o, "%-8s %-14s %-10s %12.5g %10.4f %10lld %10.1f  %s\n", r->task, r->model,
                    r->metric, r->error, r->train_s, r->n_params, r->model_kb, r->note);
    }
}

static int write_tsv(const char *path, const row *rows, int n)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return cli_error("--out %s: %s", path, strerror(errno)), -1;
    fprintf(f, "# task\tmodel\tmetric\terror\ttrain_s\tn_params\tmodel_kb\tavailable\tnote\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s\t%s\t%s\t%.10g\t%.6f\t%lld\t%.3f\t%d\t%s\n", rows[i].task, rows[i].model,
                rows[i].metric, rows[i].error, rows[i].train_s, rows[i].n_params, rows[i].model_kb,
                rows[i].available, rows[i].note);
    if (fclose(f) || rename(tmp, path)) {
        remove(tmp);
        return cli_error("--out %s: %s", path, strerror(errno)), -1;
    }
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    lacus_compare_params cp = lacus_compare_params_default();
    const char *tasks = "mg84,narma10,mc,lgssm,seq4";
    const char *models = "esn,esn3x,selfpred,selfpred-rls,selfpred-tpc,ff,ip,hetero,kalman,tpc,backward";
    const char *bptt = "", *export_dir = "", *out = "", *pops = "", *ffneg = "shuffle", *ffgood = "unit";
    int64_t units = cp.n_units, seed = (int64_t)cp.seed, train = cp.n_train, test = cp.n_test,
            seqs = cp.n_seqs, threads = 0, tune_iters = cp.tune_iters;
    double sr = 0.0, lr = 0.0;
    opt table[] = {
        {"tasks", OPT_STRING, &tasks, "comma-separated: mg84,narma10,mc,lgssm,seq4"},
        {"models", OPT_STRING, &models,
         "comma-separated: esn,esn3x,selfpred,selfpred-rls,selfpred-tpc,ff,ip,hetero,kalman,tpc,backward"},
        {"units", OPT_INT, &units, "reservoir units (esn3x: 3x)"},
        {"seed", OPT_INT, &seed, "seed of the data and the weights"},
        {"train", OPT_INT, &train, "training steps (series tasks)"},
        {"test", OPT_INT, &test, "test steps (series tasks)"},
        {"seqs", OPT_INT, &seqs, "seq4 training sequences (test: half as many)"},
        {"sr", OPT_DOUBLE, &sr, "spectral radius (0: per task, 1.25 for mg84, else 0.9-0.95)"},
        {"lr", OPT_DOUBLE, &lr, "leak rate (0: per task)"},
        {"pops", OPT_STRING, &pops,
         "hetero populations RULE:UNITS,... (rules plain|selfpred|ff|ip; units sum to --units)"},
        {"bptt", OPT_STRING, &bptt, "rows of the PyTorch baseline (bench/anchor_bptt_rnn.py) to merge"},
        {"export", OPT_STRING, &export_dir, "write each task's data to DIR/<task>.npz and stop"},
        {"out", OPT_STRING, &out, "also write the table as TSV to this file"},
        {"ff-negatives", OPT_STRING, &ffneg, "FF units' negative data: shuffle (time-shuffled input) | free "
         "(the network's own predictions)"},
        {"ff-goodness", OPT_STRING, &ffgood, "FF units' goodness: unit (local, y_i^2) | layer (sum over FF units)"},
        {"tune-iters", OPT_INT, &tune_iters, "backward row: iterations of backward tuning (1..10000)"},
        {"threads", OPT_INT, &threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
    };
    verb_spec v = {"compare", "[options]",
                   "Trains a plain ESN, each local-learning variant (self-predicting units, tPC\n"
                   "coupling, Forward-Forward, IP, heterogeneous), backward tuning of the ESN and the\n"
                   "BPTT baseline (merged with --bptt) on the same generated tasks and prints one\n"
                   "table. Tasks and metrics: docs/local_learning.md.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    if (threads < 0) return cli_error("--threads %lld: must be >= 0", (long long)threads), 2;
    if (threads > 0) lacus_set_num_threads((int)threads);
    cp.n_units = units, cp.seed = (uint64_t)seed, cp.n_train = train, cp.n_test = test;
    cp.n_seqs = seqs, cp.sr = sr, cp.lr = lr, cp.tune_iters = tune_iters;
    {
        lacus_error fe = {0};
        lacus_ff_negatives fn;
        lacus_ff_goodness_kind fg;
        if (lacus_ff_negatives_parse(ffneg, &fn, &fe) || lacus_ff_goodness_kind_parse(ffgood, &fg, &fe))
            return cli_error("--ff-negatives/--ff-goodness: %s", fe.msg), 2;
        cp.ff_negatives = (int)fn, cp.ff_goodness = (int)fg;
    }
    if (tune_iters < 1 || tune_iters > 10000)
        return cli_error("--tune-iters %lld: must be in 1..10000", (long long)tune_iters), 2;
    if (seed < 0) return cli_error("--seed %lld: must be >= 0", (long long)seed), 2;
    if (*pops && parse_pops(pops, &cp)) return 2;

    char tbuf[512], mbuf[1024], *tn[16], *mn[32];
    if (strlen(tasks) >= sizeof tbuf || strlen(models) >= sizeof mbuf)
        return cli_error("--tasks/--models: list too long"), 2;
    snprintf(tbuf, sizeof tbuf, "%s", tasks);
    snprintf(mbuf, sizeof mbuf, "%s", models);
    int nt = split_list(tbuf, tn, 16), nm = split_list(mbuf, mn, 32);
    lacus_cmp_task tk[16];
    lacus_cmp_model md[32];
    lacus_error err = {0};
    if (nt == 0) return cli_error("--tasks: empty"), 2;
    if (nm == 0 && !*bptt) return cli_error("--models: empty"), 2;
    for (int i = 0; i < nt; i++)
        if (lacus_cmp_task_parse(tn[i], &tk[i], &err)) return cli_error("--tasks: %s", err.msg), 2;
    for (int i = 0; i < nm; i++)
        if (lacus_cmp_model_parse(mn[i], &md[i], &err)) return cli_error("--models: %s", err.msg), 2;

    if (*export_dir) {
        for (int i = 0; i < nt; i++) {
            if (lacus_compare_export(&cp, tk[i], export_dir, &err))
                return cli_error("export %s: %s", lacus_cmp_task_name(tk[i]), err.msg), 1;
            printf("wrote %s/%s.npz\n", export_dir, lacus_cmp_task_name(tk[i]));
        }
        return 0;
    }
    /* check the parameters once before any work */
    lacus_compare_result res;
    static row rows[MAX_ROWS];
    int n = 0;
    row *extra = calloc(MAX_ROWS, sizeof *extra);
    int n_extra = 0;
    if (!extra) return cli_error("out of memory"), 1;
    if (*bptt && load_bptt(bptt, extra, &n_extra)) {
        free(extra);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < nt && !rc; i++) {
        for (int j = 0; j < nm && n < MAX_ROWS; j++) {
            if (!lacus_cmp_applies(tk[i], md[j])) continue;
            lacus_status st = lacus_compare_run(&cp, tk[i], md[j], &res, &err);
            row *w = &rows[n++];
            memset(w, 0, sizeof *w);
            snprintf(w->task, sizeof w->task, "%s", lacus_cmp_task_name(tk[i]));
            snprintf(w->model, sizeof w->model, "%s", lacus_cmp_model_name(md[j]));
            snprintf(w->metric, sizeof w->metric, "%s", res.metric ? res.metric : "");
            if (st == LACUS_ERR_ARG) {
                cli_error("compare: %s", err.msg);
                rc = 2;
                break;
            }
            if (st) {
                /* a diverged or failed model is a row of the table, not the end of it */
                snprintf(w->note, sizeof w->note, "failed: %.150s", err.msg);
                continue;
            }
            w->available = res.available, w->higher_better = res.higher_better;
            w->error = res.error, w->train_s = res.train_s, w->n_params = res.n_params;
            w->model_kb = res.model_kb;
            snprintf(w->note, sizeof w->note, "%s", res.note);
        }
        for (int k = 0; k < n_extra && n < MAX_ROWS; k++)
            if (!strcmp(extra[k].task, lacus_cmp_task_name(tk[i]))) rows[n++] = extra[k];
    }
    free(extra);
    if (rc) return rc;
    /* wall times depend on what else runs: print the load beside them */
    double load = -1.0;
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf", &load) != 1) load = -1.0;
        fclose(lf);
    }
    printf("# lacus compare: units %lld, seed %lld, train %lld, test %lld, seqs %lld, threads %d, "
           "load1 %.2f (wall times)\n", (long long)units, (long long)seed, (long long)train,
           (long long)test, (long long)seqs, lacus_get_num_threads(), load);
    print_table(stdout, rows, n);
    if (*out && write_tsv(out, rows, n)) return 1;
    return 0;
}
