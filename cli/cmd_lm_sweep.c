/* lacus lm sweep: the emergence study. Every cell of reservoir sizes x
 * training tokens x seeds trains a reservoir LM on an lgen stream and probes
 * its skills on one fixed test stream; each finished cell is appended as a
 * line of OUT/rows.jsonl, so a killed sweep resumes where it stopped. Cells
 * run in --jobs processes (fork: each process owns its BLAS and memory, and
 * one crash cannot corrupt another's state); a cell is claimed with an
 * O_EXCL file so that no two processes run it. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "lm_sweep.h"

/* ---- options ------------------------------------------------------------- */

static int parse_grid(const char *s, const char *name, int64_t *v, int *n, int64_t lo, int64_t hi)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        double d = strtod(p, &end);
        if (end == p || errno || !(d == floor(d)) || d < (double)lo || d > (double)hi)
            return cli_error("--%s \"%s\": expected a comma list of integers in [%lld, %lld]", name, s,
                             (long long)lo, (long long)hi), -1;
        if (*n == SWEEP_MAX_GRID) return cli_error("--%s: at most %d values", name, SWEEP_MAX_GRID), -1;
        if (*n && (int64_t)d <= v[*n - 1]) return cli_error("--%s \"%s\": values must increase", name, s), -1;
        v[(*n)++] = (int64_t)d;
        p = end;
        if (*p == ',') p++;
        else if (*p) return cli_error("--%s \"%s\": expected a comma list of integers", name, s), -1;
    }
    if (*n < 1) return cli_error("--%s: empty list", name), -1;
    return 0;
}

/* The settings a row depends on besides its cell: a resumed sweep must use
 * the same, or its rows would mix two experiments. */
static void settings_string(const sweep_cfg *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "ridge=%.17g lr=%.17g sr=%.17g input_scaling=%.17g test_tokens=%lld p_pp=%.17g "
             "p_attractor=%.17g p_rel=%.17g lexicon_seed=%lld",
             c->ridge, c->lr, c->sr, c->input_scaling, (long long)c->test_tokens, c->p_pp, c->p_attractor, c->p_rel,
             (long long)c->lexicon_seed);
}

/* Writes text to path through a temporary file and a rename. */
static int write_text_atomic(const char *path, const char *text, size_t len)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) return cli_error("cannot write %s: %s", tmp, strerror(errno)), -1;
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        remove(tmp);
        return cli_error("cannot write %s", path), -1;
    }
    return 0;
}

static int check_config(const sweep_cfg *c)
{
    char path[4096], want[1024];
    snprintf(path, sizeof path, "%s/config.json", c->out);
    settings_string(c, want, sizeof want);
    FILE *f = fopen(path, "rb");
    if (f) {
        char buf[2048] = {0};
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        cJSON *j = cJSON_Parse(buf);
        const cJSON *s = j ? cJSON_GetObjectItemCaseSensitive(j, "settings") : NULL;
        int same = cJSON_IsString(s) && !strcmp(s->valuestring, want);
        if (!same)
            cli_error("%s was written by a sweep with other settings (%s); now: %s. Use another --out, or the "
                      "same settings", path, cJSON_IsString(s) ? s->valuestring : "unreadable", want);
        cJSON_Delete(j);
        return same ? 0 : -1;
    }
    char text[1200];
    int len = snprintf(text, sizeof text, "{\"format\": \"lacus-lm-sweep-1\", \"settings\": \"%s\"}\n", want);
    return write_text_atomic(path, text, (size_t)len);
}

/* ---- rows ---------------------------------------------------------------- */

static double num_or_nan(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int parse_row(const char *line, sweep_row *r)
{
    cJSON *j = cJSON_Parse(line);
    if (!j) return -1;
    memset(r, 0, sizeof *r);
    double t = num_or_nan(j, "tokens"), u = num_or_nan(j, "units"), s = num_or_nan(j, "seed");
    int ok = isfinite(t) && isfinite(u) && isfinite(s);
    r->tokens = (int64_t)t, r->units = (int64_t)u, r->seed = (int64_t)s;
    r->train_s = num_or_nan(j, "train_s"), r->probe_s = num_or_nan(j, "probe_s");
    r->bits = num_or_nan(j, "bits"), r->grammar_bits = num_or_nan(j, "grammar_bits");
    for (int k = 0; k < LACUS_SKILL_COUNT; k++) {
        char key[32];
        snprintf(key, sizeof key, "%s_acc", lacus_skill_id(k));
        r->sk[k].acc = num_or_nan(j, key);
        snprintf(key, sizeof key, "%s_cont", lacus_skill_id(k));
        r->sk[k].cont = num_or_nan(j, key);
        snprintf(key, sizeof key, "%s_n", lacus_skill_id(k));
        double n = num_or_nan(j, key);
        ok &= isfinite(n);
        r->sk[k].n = isfinite(n) ? (int64_t)n : 0;
    }
    cJSON_Delete(j);
    return ok ? 0 : -1;
}

int sweep_read_rows(const char *path, sweep_row **rows, int64_t *n)
{
    *rows = NULL, *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno == ENOENT ? 0 : (cli_error("cannot read %s: %s", path, strerror(errno)), -1);
    size_t cap = 0, len = 0, keep_len = 0;
    char *all = NULL, line[8192];
    int64_t dropped = 0, cap_rows = 0;
    while (fgets(line, sizeof line, f)) {
        size_t l = strlen(line);
        sweep_row r;
        /* Only a line ending in a newline was written whole. */
        if (l == 0 || line[l - 1] != '\n' || parse_row(line, &r)) {
            dropped++;
            continue;
        }
        if (*n == cap_rows) {
            cap_rows = cap_rows ? 2 * cap_rows : 64;
            sweep_row *nr = realloc(*rows, (size_t)cap_rows * sizeof *nr);
            if (!nr) break;
            *rows = nr;
        }
        (*rows)[(*n)++] = r;
        if (len + l + 1 > cap) {
            cap = (len + l + 1) * 2;
            char *na = realloc(all, cap);
            if (!na) break;
            all = na;
        }
        memcpy(all + len, line, l);
        len += l, keep_len = len;
    }
    fclose(f);
    int rc = 0;
    if (dropped) {
        fprintf(stderr, "lm sweep: dropped %lld incomplete line(s) of %s (a killed run)\n", (long long)dropped, path);
        rc = write_text_atomic(path, all ? all : "", keep_len);
    }
    free(all);
    return rc;
}

static int append_row(const char *path, const sweep_row *r)
{
    char buf[4096];
    int len = snprintf(buf, sizeof buf,
                       "{\"tokens\": %lld, \"units\": %lld, \"seed\": %lld, \"train_s\": %.4f, \"probe_s\": %.4f, "
                       "\"bits\": %.9g, \"grammar_bits\": %.9g",
                       (long long)r->tokens, (long long)r->units, (long long)r->seed, r->train_s, r->probe_s, r->bits,
                       r->grammar_bits);
    for (int k = 0; k < LACUS_SKILL_COUNT; k++) {
        const char *id = lacus_skill_id(k);
        char a[40], c[40];
        /* JSON has no NaN: a skill without probed positions is null. */
        if (isfinite(r->sk[k].acc)) snprintf(a, sizeof a, "%.9g", r->sk[k].acc);
        else snprintf(a, sizeof a, "null");
        if (isfinite(r->sk[k].cont)) snprintf(c, sizeof c, "%.9g", r->sk[k].cont);
        else snprintf(c, sizeof c, "null");
        len += snprintf(buf + len, sizeof buf - (size_t)len, ", \"%s_acc\": %s, \"%s_cont\": %s, \"%s_n\": %lld", id, a,
                        id, c, id, (long long)r->sk[k].n);
    }
    len += snprintf(buf + len, sizeof buf - (size_t)len, "}\n");
    /* One write() of the whole line with O_APPEND: lines of concurrent jobs
     * never interleave, and a kill leaves at most one torn last line. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return cli_error("cannot open %s: %s", path, strerror(errno)), -1;
    int bad = write(fd, buf, (size_t)len) != len || fsync(fd) != 0;
    bad |= close(fd) != 0;
    if (bad) return cli_error("cannot append to %s", path), -1;
    return 0;
}

/* ---- cells --------------------------------------------------------------- */

typedef struct cell {
    int64_t tokens, units, seed;
    double cost;
} cell;

static int cmp_cost(const void *a, const void *b)
{
    double u = ((const cell *)a)->cost, v = ((const cell *)b)->cost;
    return (u < v) - (u > v);
}

typedef struct test_set {
    int64_t n, V;
    int32_t *ids, *bad;
    double *probs;
    lacus_lgen_annot *annot;
    double grammar_bits;
} test_set;

#define TEST_START 100 /* context tokens before the first probed position */

static lacus_lgen_params lgen_params(const sweep_cfg *c)
{
    lacus_lgen_params g = lacus_lgen_params_default();
    g.p_pp = c->p_pp, g.p_attractor = c->p_attractor, g.p_rel = c->p_rel, g.seed = (uint64_t)c->lexicon_seed;
    return g;
}

static int make_test(const sweep_cfg *c, test_set *ts)
{
    memset(ts, 0, sizeof *ts);
    lacus_lgen_params gp = lgen_params(c);
    lacus_lgen *g = NULL;
    lacus_error err = {0};
    if (lacus_lgen_create(&gp, &g, &err)) return cli_error("lm sweep: lgen: %s", err.msg), -1;
    /* The test stream's seed is far from the training seeds 1000 + s. */
    lacus_lgen_reset(g, 0x7e57u);
    int64_t n = c->test_tokens, V = lacus_lgen_vocab_size(g);
    ts->n = n, ts->V = V;
    ts->ids = malloc((size_t)n * sizeof *ts->ids), ts->bad = malloc((size_t)n * sizeof *ts->bad);
    ts->probs = malloc((size_t)(n * V) * sizeof *ts->probs), ts->annot = malloc((size_t)n * sizeof *ts->annot);
    double ll;
    if (!ts->ids || !ts->bad || !ts->probs || !ts->annot) {
        lacus_lgen_free(g);
        return cli_error("lm sweep: out of memory for %lld test tokens", (long long)n), -1;
    }
    if (lacus_lgen_generate(g, n, ts->ids, ts->probs, ts->annot, &ll)) {
        cli_error("lm sweep: lgen: %s", lacus_lgen_errmsg(g));
        lacus_lgen_free(g);
        return -1;
    }
    lacus_lgen_minimal_pair(g, ts->ids, n, ts->bad);
    lacus_lgen_free(g);
    double h = 0;
    for (int64_t t = TEST_START; t < n; t++) h -= log2(ts->probs[t * V + ts->ids[t]]);
    ts->grammar_bits = h / (double)(n - TEST_START);
    return 0;
}

static void free_test(test_set *ts)
{
    free(ts->ids), free(ts->bad), free(ts->probs), free(ts->annot);
}

static int run_cell(const sweep_cfg *c, const test_set *ts, const cell *ce, sweep_row *r)
{
    memset(r, 0, sizeof *r);
    r->tokens = ce->tokens, r->units = ce->units, r->seed = ce->seed;
    lacus_lgen_params gp = lgen_params(c);
    lacus_lgen *g = NULL;
    lacus_lm *m = NULL;
    lacus_error err = {0};
    int32_t *ids = malloc((size_t)ce->tokens * sizeof *ids);
    int rc = -1;
    if (!ids) {
        cli_error("lm sweep: out of memory for %lld tokens", (long long)ce->tokens);
        goto done;
    }
    if (lacus_lgen_create(&gp, &g, &err)) {
        cli_error("lm sweep: lgen: %s", err.msg);
        goto done;
    }
    /* Data seed s: the data sizes of one seed are prefixes of one stream. */
    lacus_lgen_reset(g, 1000 + (uint64_t)ce->seed);
    if (lacus_lgen_generate(g, ce->tokens, ids, NULL, NULL, NULL)) {
        cli_error("lm sweep: lgen: %s", lacus_lgen_errmsg(g));
        goto done;
    }
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = ts->V, p.n_units = ce->units, p.lr = c->lr, p.sr = c->sr, p.input_scaling = c->input_scaling;
    p.ridge = c->ridge, p.gate_tokens = 0, p.seed = 7919 * (uint64_t)ce->seed + 1;
    if (lacus_lm_create(&p, &m, &err)) {
        cli_error("lm sweep: N = %lld: %s", (long long)ce->units, err.msg);
        goto done;
    }
    double t0 = cli_now();
    int64_t calib = ce->tokens / 20;
    if (lacus_lm_fit(m, ids, ce->tokens, calib, NULL, NULL)) {
        cli_error("lm sweep: N = %lld, %lld tokens: %s", (long long)ce->units, (long long)ce->tokens, lacus_lm_errmsg(m));
        goto done;
    }
    double t1 = cli_now();
    if (lacus_lm_skills(m, ts->ids, ts->bad, ts->annot, ts->probs, ts->n, TEST_START, 0, r->sk, &r->bits)) {
        cli_error("lm sweep: %s", lacus_lm_errmsg(m));
        goto done;
    }
    r->train_s = t1 - t0, r->probe_s = cli_now() - t1, r->grammar_bits = ts->grammar_bits;
    rc = 0;
done:
    free(ids);
    lacus_lgen_free(g);
    lacus_lm_free(m);
    return rc;
}

static int is_done(const sweep_row *rows, int64_t n, const cell *ce)
{
    for (int64_t i = 0; i < n; i++)
        if (rows[i].tokens == ce->tokens && rows[i].units == ce->units && rows[i].seed == ce->seed) return 1;
    return 0;
}

/* One worker: claims and runs the cells not done, largest first. */
static int worker(const sweep_cfg *c, const test_set *ts, const cell *cells, int64_t n_cells, const sweep_row *rows,
                  int64_t n_rows, const char *rows_path, int verbose)
{
    for (int64_t i = 0; i < n_cells; i++) {
        const cell *ce = &cells[i];
        if (is_done(rows, n_rows, ce)) continue;
        char claim[4200];
        snprintf(claim, sizeof claim, "%s/claims/%lld_%lld_%lld", c->out, (long long)ce->tokens, (long long)ce->units,
                 (long long)ce->seed);
        int fd = open(claim, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            return cli_error("cannot create %s: %s", claim, strerror(errno)), 1;
        }
        close(fd);
        sweep_row r;
        if (run_cell(c, ts, ce, &r) || append_row(rows_path, &r)) return 1;
        if (verbose)
            printf("  tokens %8lld  N %6lld  seed %lld: %.3f bits/token, S0 %.3f S2 %.3f S3 %.3f S6 %.3f S8 %.3f "
                   "(%.1fs)\n", (long long)r.tokens, (long long)r.units, (long long)r.seed, r.bits, r.sk[0].acc,
                   r.sk[1].acc, r.sk[2].acc, r.sk[3].acc, r.sk[4].acc, r.train_s + r.probe_s),
                fflush(stdout);
    }
    return 0;
}

static int clear_claims(const char *out)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/claims", out);
    if (mkdir(dir, 0755) && errno != EEXIST) return cli_error("cannot create %s: %s", dir, strerror(errno)), -1;
    /* Claims of a killed run name cells it may not have finished: forget
     * them (rows.jsonl, not the claims, says what is done). */
    DIR *d = opendir(dir);
    if (!d) return cli_error("cannot open %s: %s", dir, strerror(errno)), -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char f[4500];
        snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
        unlink(f);
    }
    closedir(d);
    return 0;
}

int cmd_lm_sweep(int argc, char **argv)
{
    sweep_cfg c = {0};
    lacus_lm_params dp = lacus_lm_params_default();
    lacus_lgen_params gp = lacus_lgen_params_default();
    const char *sizes = "10,20,40,80,160,320,640", *tokens = "10000,100000,1000000";
    c.seeds = 3, c.test_tokens = 20000, c.jobs = 2, c.boot = 2000, c.level = 0.9;
    c.ridge = 1.0, c.lr = dp.lr, c.sr = dp.sr, c.input_scaling = dp.input_scaling;
    c.p_pp = 0.3, c.p_attractor = 0.5, c.p_rel = gp.p_rel, c.lexicon_seed = 1;
    int report_only = 0, quiet = 0;
    opt table[] = {
        {"out", OPT_STRING, &c.out, "output directory (rows.jsonl, report.md, thresholds.tsv, PNGs); resumable"},
        {"sizes", OPT_STRING, &sizes, "reservoir sizes N, increasing comma list"},
        {"tokens", OPT_STRING, &tokens, "training token counts, increasing comma list"},
        {"seeds", OPT_INT, &c.seeds, "seeds per cell (reservoir and training stream)"},
        {"test-tokens", OPT_INT, &c.test_tokens, "tokens of the fixed test stream the skills are probed on"},
        {"jobs", OPT_INT, &c.jobs, "cells run in parallel (processes)"},
        {"level", OPT_DOUBLE, &c.level, "criterion on the accuracies: threshold = smallest N reaching it"},
        {"boot", OPT_INT, &c.boot, "bootstrap replicates of each threshold"},
        {"ridge", OPT_DOUBLE, &c.ridge, "ridge regularisation of the readout"},
        {"lr", OPT_DOUBLE, &c.lr, "leak rate in (0, 1]"},
        {"sr", OPT_DOUBLE, &c.sr, "spectral radius of W"},
        {"input-scaling", OPT_DOUBLE, &c.input_scaling, "gain of the token input vectors"},
        {"p-pp", OPT_DOUBLE, &c.p_pp, "lgen: probability of a PP modifier"},
        {"p-attractor", OPT_DOUBLE, &c.p_attractor, "lgen: probability of forcing an attractor in a subject's PP"},
        {"p-rel", OPT_DOUBLE, &c.p_rel, "lgen: probability of a relative clause"},
        {"lexicon-seed", OPT_INT, &c.lexicon_seed, "lgen: seed of the lexicon"},
        {"report-only", OPT_FLAG, &report_only, "run no cell; rebuild the report from rows.jsonl"},
        {"quiet", OPT_FLAG, &quiet, "no line per finished cell"},
    };
    verb_spec v = {"lm sweep", "--out DIR [options]",
                   "The emergence study: trains a reservoir LM for every cell of sizes x tokens x seeds on\n"
                   "an lgen stream, probes five skills (S0 word class, S2 agreement, S3 agreement across\n"
                   "attractors, S6 clause closure, S8 reflexive binding; discrete and continuous metrics) on\n"
                   "a fixed test stream, appends each cell to DIR/rows.jsonl (a rerun skips the cells done),\n"
                   "then fits emergence thresholds with bootstrap intervals over seeds and writes\n"
                   "DIR/report.md, DIR/thresholds.tsv, DIR/curves_acc.png and DIR/curves_cont.png.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!c.out) return cli_error("lm sweep: --out is required"), 2;
    if (parse_grid(sizes, "sizes", c.sizes, &c.n_sizes, 2, 100000) ||
        parse_grid(tokens, "tokens", c.tokens, &c.n_tokens, 1000, 1000000000))
        return 2;
    if (c.n_sizes < 2) return cli_error("--sizes: need at least 2 sizes for a threshold"), 2;
    if (c.seeds < 1 || c.seeds > 1000) return cli_error("--seeds = %lld: must be in [1, 1000]", (long long)c.seeds), 2;
    if (c.test_tokens < 1000 || c.test_tokens > 10000000)
        return cli_error("--test-tokens = %lld: must be in [1000, 1e7]", (long long)c.test_tokens), 2;
    if (c.jobs < 1 || c.jobs > 256) return cli_error("--jobs = %lld: must be in [1, 256]", (long long)c.jobs), 2;
    if (c.boot < 1 || c.boot > 1000000) return cli_error("--boot = %lld: must be in [1, 1e6]", (long long)c.boot), 2;
    if (!(c.level > 0 && c.level <= 1)) return cli_error("--level = %g: must be in (0, 1]", c.level), 2;
    if (!(c.p_pp >= 0 && c.p_pp < 1) || !(c.p_attractor >= 0 && c.p_attractor <= 1) || !(c.p_rel >= 0 && c.p_rel < 1))
        return cli_error("--p-pp, --p-rel must be in [0, 1) and --p-attractor in [0, 1]"), 2;
    /* Model parameters are checked once here, so that a bad value is a
     * usage error before any cell runs. */
    lacus_lm_params pp = dp;
    lacus_error err = {0};
    pp.vocab_size = 2, pp.n_units = c.sizes[0], pp.lr = c.lr, pp.sr = c.sr, pp.input_scaling = c.input_scaling;
    pp.ridge = c.ridge, pp.gate_tokens = 0;
    if (lacus_lm_params_check(&pp, &err)) return cli_error("lm sweep: %s", err.msg), 2;
    if (mkdir(c.out, 0755) && errno != EEXIST) return cli_error("cannot create %s: %s", c.out, strerror(errno)), 1;
    if (check_config(&c)) return 1;
    char rows_path[4200];
    snprintf(rows_path, sizeof rows_path, "%s/rows.jsonl", c.out);
    sweep_row *rows = NULL;
    int64_t n_rows = 0;
    if (sweep_read_rows(rows_path, &rows, &n_rows)) return 1;
    int64_t n_cells = (int64_t)c.n_sizes * c.n_tokens * c.seeds, n_missing = 0;
    cell *cells = malloc((size_t)n_cells * sizeof *cells);
    if (!cells) return free(rows), cli_error("out of memory"), 1;
    int64_t k = 0;
    for (int d = 0; d < c.n_tokens; d++)
        for (int i = 0; i < c.n_sizes; i++)
            for (int64_t s = 0; s < c.seeds; s++, k++) {
                double F = (double)c.sizes[i] + 150;
                cells[k] = (cell){c.tokens[d], c.sizes[i], s, (double)c.tokens[d] * F * F};
                n_missing += !is_done(rows, n_rows, &cells[k]);
            }
    /* Largest cells first: the last ones to finish are then the short ones. */
    qsort(cells, (size_t)n_cells, sizeof *cells, cmp_cost);
    double t0 = cli_now();
    int rc = 0;
    if (n_missing && !report_only) {
        printf("lm sweep: %lld cells, %lld done, %lld to run in %lld job(s)\n", (long long)n_cells,
               (long long)(n_cells - n_missing), (long long)n_missing, (long long)c.jobs);
        fflush(stdout);
        test_set ts;
        if (clear_claims(c.out) || make_test(&c, &ts)) {
            free(rows), free(cells);
            return 1;
        }
        if (c.jobs == 1) {
            lacus_set_num_threads(1);
            rc = worker(&c, &ts, cells, n_cells, rows, n_rows, rows_path, !quiet);
        } else {
            int64_t started = 0;
            for (int64_t j = 0; j < c.jobs && j < n_missing; j++) {
                pid_t pid = fork();
                if (pid < 0) {
                    cli_error("lm sweep: fork: %s", strerror(errno));
                    rc = 1;
                    break;
                }
                if (pid == 0) {
                    lacus_set_num_threads(1);
                    int w = worker(&c, &ts, cells, n_cells, rows, n_rows, rows_path, !quiet);
                    fflush(stdout);
                    _exit(w);
                }
                started++;
            }
            for (int64_t j = 0; j < started; j++) {
                int st = 0;
                if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) rc = 1;
            }
        }
        free_test(&ts);
        free(rows);
        rows = NULL;
        if (!rc && sweep_read_rows(rows_path, &rows, &n_rows)) rc = 1;
        if (rc) {
            free(rows), free(cells);
            cli_error("lm sweep: a cell failed; rerun to resume (the finished cells are kept in %s)", rows_path);
            return 1;
        }
    }
    double wall = cli_now() - t0;
    rc = sweep_report(&c, rows, n_rows, n_missing && !report_only ? wall : NAN);
    free(rows), free(cells);
    return rc;
}
