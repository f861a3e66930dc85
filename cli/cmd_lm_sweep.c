/* lacus lm sweep: the emergence study. Every cell of reservoir sizes x
 * training tokens x seeds trains a reservoir LM on an lgen stream and probes
 * its skills on one fixed test stream; each finished cell is appended as a
 * line of OUT/rows.jsonl, so a killed sweep resumes where it stopped. Cells
 * run in --jobs processes (fork: each process owns its BLAS and memory, and
 * one crash cannot corrupt another's state); a cell is claimed with an
 * O_EXCL file so that no two processes run it. Under mpirun every rank runs
 * --jobs such processes on the same claims: OUT must then be on a file
 * system all ranks see; rank 0 prepares it and writes the report. */
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

/* 1 when rc is non-zero on any rank (a collective under mpirun): the ranks
 * leave together instead of one waiting for the others forever. */
static int agree(int rc) { return lacus_dist_agree(rc ? LACUS_ERR_IO : LACUS_OK, NULL) != LACUS_OK; }

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

static int parse_ridges(const char *s, sweep_cfg *c)
{
    const char *p = s;
    c->n_ridges = 0;
    while (*p) {
        char *end;
        errno = 0;
        double d = strtod(p, &end);
        if (end == p || errno || !(d >= 0 && d < 1e12))
            return cli_error("--ridges \"%s\": expected a comma list of numbers in [0, 1e12)", s), -1;
        if (c->n_ridges == 16) return cli_error("--ridges: at most 16 values"), -1;
        c->ridges[c->n_ridges++] = d;
        p = end;
        if (*p == ',') p++;
        else if (*p) return cli_error("--ridges \"%s\": expected a comma list of numbers", s), -1;
    }
    if (!c->n_ridges) return cli_error("--ridges: empty list"), -1;
    return 0;
}

/* The settings a row depends on besides its cell: a resumed sweep must use
 * the same, or its rows would mix two experiments. */
static void settings_string(const sweep_cfg *c, char *buf, size_t cap)
{
    char grid[400] = "";
    for (int j = 0; j < c->n_ridges; j++)
        snprintf(grid + strlen(grid), sizeof grid - strlen(grid), "%s%.6g", j ? "," : "", c->ridges[j]);
    int w = snprintf(buf, cap, "ridges=%s formal_tokens=%lld kn_max=%d ", grid, (long long)c->formal_tokens, c->kn_max);
    if (w < 0 || (size_t)w >= cap) return;
    buf += w, cap -= (size_t)w;
    snprintf(buf, cap, "lr=%.17g sr=%.17g input_scaling=%.17g test_tokens=%lld p_pp=%.17g "
             "p_attractor=%.17g p_rel=%.17g lexicon_seed=%lld",
             c->lr, c->sr, c->input_scaling, (long long)c->test_tokens, c->p_pp, c->p_attractor, c->p_rel,
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
    double kn = num_or_nan(j, "kn");
    r->kn = isfinite(kn) ? (int)kn : 0;
    r->ridge = num_or_nan(j, "ridge");
    r->train_s = num_or_nan(j, "train_s"), r->probe_s = num_or_nan(j, "probe_s");
    r->bits = num_or_nan(j, "bits"), r->grammar_bits = num_or_nan(j, "grammar_bits");
    for (int k = 0; k < SWEEP_K; k++) {
        char key[32];
        snprintf(key, sizeof key, "%s_acc", sweep_skill_id(k));
        r->sk[k].acc = num_or_nan(j, key);
        snprintf(key, sizeof key, "%s_cont", sweep_skill_id(k));
        r->sk[k].cont = num_or_nan(j, key);
        snprintf(key, sizeof key, "%s_n", sweep_skill_id(k));
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
    char buf[8192], rg[40];
    if (isfinite(r->ridge)) snprintf(rg, sizeof rg, "%.9g", r->ridge);
    else snprintf(rg, sizeof rg, "null");
    int len = snprintf(buf, sizeof buf,
                       "{\"tokens\": %lld, \"units\": %lld, \"seed\": %lld, \"kn\": %d, \"ridge\": %s, "
                       "\"train_s\": %.4f, \"probe_s\": %.4f, \"bits\": %.9g, \"grammar_bits\": %.9g",
                       (long long)r->tokens, (long long)r->units, (long long)r->seed, r->kn, rg, r->train_s, r->probe_s,
                       r->bits, r->grammar_bits);
    for (int k = 0; k < SWEEP_K; k++) {
        const char *id = sweep_skill_id(k);
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
    int kn; /* 0: reservoir of `units`; k: k-gram baseline */
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
    int64_t fV[SWEEP_N_FORMAL];
    int32_t *fids[SWEEP_N_FORMAL];
    double *fprobs[SWEEP_N_FORMAL];
} test_set;

#define TEST_START 100    /* context tokens before the first probed position */
#define FORMAL_TEST 5000  /* tokens of each formal test stream */

/* The formal tasks of the sweep: short strings (mean length 4 over 4
 * symbols for copy and reverse, n of a^n b^n geometric with mean 4, Dyck-2
 * of depth <= 6), which a fading memory of a few dozen units can hold. */
static const struct {
    lacus_formal_task task;
    int64_t k;
    double p;
    int64_t max_len;
    const char *id, *name;
} formal_set[SWEEP_N_FORMAL] = {
    {LACUS_FORMAL_COPY, 4, 0.75, 12, "S12", "copy (induction)"},
    {LACUS_FORMAL_REVERSE, 4, 0.75, 12, "F-rev", "reverse"},
    {LACUS_FORMAL_COUNT, 2, 0.75, 12, "F-count", "counting a^n b^n"},
    {LACUS_FORMAL_DYCK, 2, 0.4, 6, "F-dyck", "Dyck-2 closure"},
};

const char *sweep_skill_id(int k)
{
    if (k >= 0 && k < LACUS_SKILL_COUNT) return lacus_skill_id(k);
    return k >= LACUS_SKILL_COUNT && k < SWEEP_K ? formal_set[k - LACUS_SKILL_COUNT].id : NULL;
}

const char *sweep_skill_name(int k)
{
    if (k >= 0 && k < LACUS_SKILL_COUNT) return lacus_skill_name(k);
    return k >= LACUS_SKILL_COUNT && k < SWEEP_K ? formal_set[k - LACUS_SKILL_COUNT].name : NULL;
}

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
    lacus_lgen_twins(g, ts->ids, n, ts->bad);
    lacus_lgen_free(g);
    for (int f = 0; f < SWEEP_N_FORMAL; f++) {
        int64_t fv = 0;
        lacus_formal_generate(formal_set[f].task, formal_set[f].k, formal_set[f].p, formal_set[f].max_len, 1, 0, NULL,
                              NULL, &fv, &err);
        ts->fV[f] = fv;
        ts->fids[f] = malloc(FORMAL_TEST * sizeof(int32_t));
        ts->fprobs[f] = malloc((size_t)(FORMAL_TEST * fv) * sizeof(double));
        if (!ts->fids[f] || !ts->fprobs[f]) return cli_error("lm sweep: out of memory for the formal tests"), -1;
        if (lacus_formal_generate(formal_set[f].task, formal_set[f].k, formal_set[f].p, formal_set[f].max_len,
                                  0x7e57u + (uint64_t)f, FORMAL_TEST, ts->fids[f], ts->fprobs[f], NULL, &err))
            return cli_error("lm sweep: formal task: %s", err.msg), -1;
    }
    double h = 0;
    for (int64_t t = TEST_START; t < n; t++) h -= log2(ts->probs[t * V + ts->ids[t]]);
    ts->grammar_bits = h / (double)(n - TEST_START);
    return 0;
}

static void free_test(test_set *ts)
{
    free(ts->ids), free(ts->bad), free(ts->probs), free(ts->annot);
    for (int f = 0; f < SWEEP_N_FORMAL; f++) free(ts->fids[f]), free(ts->fprobs[f]);
}

/* Training stream of a cell: the data sizes of one seed are prefixes of
 * one stream (seed 1000 + s for the grammar, 2000 + 10 s + f for formal
 * task f). */
static int32_t *cell_stream(const sweep_cfg *c, int f, int64_t n, int64_t seed)
{
    int32_t *ids = malloc((size_t)n * sizeof *ids);
    if (!ids) return cli_error("lm sweep: out of memory for %lld tokens", (long long)n), NULL;
    lacus_error err = {0};
    if (f < 0) {
        lacus_lgen_params gp = lgen_params(c);
        lacus_lgen *g = NULL;
        int bad = lacus_lgen_create(&gp, &g, &err) != LACUS_OK;
        if (!bad) {
            lacus_lgen_reset(g, 1000 + (uint64_t)seed);
            bad = lacus_lgen_generate(g, n, ids, NULL, NULL, NULL) != LACUS_OK;
            if (bad) snprintf(err.msg, sizeof err.msg, "%s", lacus_lgen_errmsg(g));
        }
        lacus_lgen_free(g);
        if (bad) return free(ids), cli_error("lm sweep: lgen: %s", err.msg), NULL;
    } else if (lacus_formal_generate(formal_set[f].task, formal_set[f].k, formal_set[f].p, formal_set[f].max_len,
                                     2000 + 10 * (uint64_t)seed + (uint64_t)f, n, ids, NULL, NULL, &err)) {
        return free(ids), cli_error("lm sweep: formal task: %s", err.msg), NULL;
    }
    return ids;
}

/* A reservoir LM of the cell's size trained on ids with the ridge chosen
 * from the grid on held-out tokens (the last 10 %). */
static lacus_lm *cell_lm(const sweep_cfg *c, const cell *ce, int64_t V, int f, const int32_t *ids, int64_t n)
{
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = V, p.n_units = ce->units, p.lr = c->lr, p.sr = c->sr, p.input_scaling = c->input_scaling;
    p.ridge = c->ridges[0], p.gate_tokens = 0, p.seed = 7919 * (uint64_t)ce->seed + 1 + 31 * (uint64_t)(f + 1);
    lacus_lm *m = NULL;
    lacus_error err = {0};
    if (lacus_lm_create(&p, &m, &err)) return cli_error("lm sweep: N = %lld: %s", (long long)ce->units, err.msg), NULL;
    if (lacus_lm_fit_select(m, ids, n, n / 10, c->ridges, c->n_ridges, NULL, NULL, NULL)) {
        cli_error("lm sweep: N = %lld, %lld tokens: %s", (long long)ce->units, (long long)n, lacus_lm_errmsg(m));
        lacus_lm_free(m);
        return NULL;
    }
    return m;
}

/* q (n, V): the k-gram's next-token distribution at every position of ids
 * (rows before start are left as they are). */
static int ngram_rows(const lacus_ngram *g, const int32_t *ids, int64_t n, int64_t V, int64_t start, double *q)
{
    for (int64_t t = start; t < n; t++)
        if (lacus_ngram_probs(g, ids, t, q + t * V)) return cli_error("lm sweep: n-gram probabilities failed"), -1;
    return 0;
}

static int run_kn(const sweep_cfg *c, const test_set *ts, const cell *ce, sweep_row *r)
{
    int rc = -1;
    lacus_ngram *g = NULL;
    lacus_error err = {0};
    int64_t nq = ts->n * ts->V > FORMAL_TEST * 64 ? ts->n * ts->V : FORMAL_TEST * 64;
    double *q = calloc((size_t)nq, sizeof *q);
    int32_t *ids = cell_stream(c, -1, ce->tokens, ce->seed);
    if (!q || !ids) goto done;
    double t0 = cli_now();
    if (lacus_ngram_train(ids, ce->tokens, ts->V, ce->kn, &g, &err)) {
        cli_error("lm sweep: %d-gram: %s", ce->kn, err.msg);
        goto done;
    }
    r->train_s = cli_now() - t0;
    if (ngram_rows(g, ts->ids, ts->n, ts->V, TEST_START, q)) goto done;
    if (lacus_skills_from_probs(q, ts->ids, ts->bad, ts->annot, ts->probs, ts->n, ts->V, TEST_START, 0, r->sk, &r->bits,
                                &err)) {
        cli_error("lm sweep: %d-gram skills: %s", ce->kn, err.msg);
        goto done;
    }
    for (int f = 0; f < SWEEP_N_FORMAL; f++) {
        int64_t nf = ce->tokens < c->formal_tokens ? ce->tokens : c->formal_tokens;
        lacus_ngram_free(g), g = NULL;
        free(ids);
        if (!(ids = cell_stream(c, f, nf, ce->seed))) goto done;
        if (lacus_ngram_train(ids, nf, ts->fV[f], ce->kn, &g, &err) ||
            ngram_rows(g, ts->fids[f], FORMAL_TEST, ts->fV[f], TEST_START, q) ||
            lacus_formal_skill_from_probs(formal_set[f].task, formal_set[f].k, q, ts->fids[f], ts->fprobs[f],
                                          FORMAL_TEST, ts->fV[f], TEST_START, &r->sk[LACUS_SKILL_COUNT + f], &err)) {
            cli_error("lm sweep: %d-gram on %s: %s", ce->kn, formal_set[f].name, err.msg);
            goto done;
        }
    }
    r->probe_s = cli_now() - t0 - r->train_s;
    rc = 0;
done:
    lacus_ngram_free(g);
    free(q), free(ids);
    return rc;
}

static int run_cell(const sweep_cfg *c, const test_set *ts, const cell *ce, sweep_row *r)
{
    memset(r, 0, sizeof *r);
    r->tokens = ce->tokens, r->units = ce->units, r->seed = ce->seed, r->kn = ce->kn, r->ridge = NAN;
    r->grammar_bits = ts->grammar_bits;
    if (ce->kn) return run_kn(c, ts, ce, r);
    lacus_lm *m = NULL;
    int rc = -1;
    double t0 = cli_now(), probe = 0;
    int32_t *ids = cell_stream(c, -1, ce->tokens, ce->seed);
    if (!ids || !(m = cell_lm(c, ce, ts->V, -1, ids, ce->tokens))) goto done;
    r->ridge = lacus_lm_params_get(m)->ridge;
    double t1 = cli_now();
    if (lacus_lm_skills(m, ts->ids, ts->bad, ts->annot, ts->probs, ts->n, TEST_START, 0, r->sk, &r->bits)) {
        cli_error("lm sweep: %s", lacus_lm_errmsg(m));
        goto done;
    }
    probe += cli_now() - t1;
    for (int f = 0; f < SWEEP_N_FORMAL; f++) {
        int64_t nf = ce->tokens < c->formal_tokens ? ce->tokens : c->formal_tokens;
        lacus_lm_free(m), m = NULL;
        free(ids);
        if (!(ids = cell_stream(c, f, nf, ce->seed)) || !(m = cell_lm(c, ce, ts->fV[f], f, ids, nf))) goto done;
        t1 = cli_now();
        if (lacus_lm_formal_skill(m, formal_set[f].task, formal_set[f].k, ts->fids[f], ts->fprobs[f], FORMAL_TEST,
                                  TEST_START, &r->sk[LACUS_SKILL_COUNT + f], NULL)) {
            cli_error("lm sweep: %s: %s", formal_set[f].name, lacus_lm_errmsg(m));
            goto done;
        }
        probe += cli_now() - t1;
    }
    r->probe_s = probe, r->train_s = cli_now() - t0 - probe;
    rc = 0;
done:
    free(ids);
    lacus_lm_free(m);
    return rc;
}

static int is_done(const sweep_row *rows, int64_t n, const cell *ce)
{
    for (int64_t i = 0; i < n; i++)
        if (rows[i].tokens == ce->tokens && rows[i].units == ce->units && rows[i].seed == ce->seed && rows[i].kn == ce->kn)
            return 1;
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
        snprintf(claim, sizeof claim, "%s/claims/%lld_%lld_%lld_%d", c->out, (long long)ce->tokens,
                 (long long)ce->units, (long long)ce->seed, ce->kn);
        int fd = open(claim, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            return cli_error("cannot create %s: %s", claim, strerror(errno)), 1;
        }
        close(fd);
        sweep_row r;
        if (run_cell(c, ts, ce, &r) || append_row(rows_path, &r)) return 1;
        if (verbose) {
            char who[32];
            if (r.kn) snprintf(who, sizeof who, "KN-%d", r.kn);
            else snprintf(who, sizeof who, "N %6lld", (long long)r.units);
            printf("  tokens %8lld  %s  seed %lld: %.3f bits/token, S0 %.3f S1 %.3f S2 %.3f S3 %.3f S6 %.3f S7 %.3f "
                   "S8 %.3f S12 %.3f rev %.3f count %.3f dyck %.3f (%.1fs)\n", (long long)r.tokens, who,
                   (long long)r.seed, r.bits, r.sk[0].acc, r.sk[5].acc, r.sk[1].acc, r.sk[2].acc, r.sk[3].acc,
                   r.sk[6].acc, r.sk[4].acc, r.sk[7].acc, r.sk[8].acc, r.sk[9].acc, r.sk[10].acc,
                   r.train_s + r.probe_s);
            fflush(stdout);
        }
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
    const char *ridges = "0.001,0.01,0.1,1,10,100";
    c.formal_tokens = 100000, c.kn_max = 5;
    c.lr = dp.lr, c.sr = dp.sr, c.input_scaling = dp.input_scaling;
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
        {"ridges", OPT_STRING, &ridges, "ridge grid: each cell's readout takes the value with the fewest held-out "
                                        "bits (last 10 % of its tokens)"},
        {"formal-tokens", OPT_INT, &c.formal_tokens, "formal tasks (copy, reverse, counting, Dyck) train on "
                                                      "min(tokens, this)"},
        {"kn-max", OPT_INT, &c.kn_max, "matched Kneser-Ney baselines of orders 2..kn-max on the same tokens (0: none)"},
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
                   "an lgen stream (ridge chosen per cell on held-out tokens), probes seven grammar skills\n"
                   "(S0 word class, S1 local agreement, S2 agreement, S3 agreement across attractors, S6\n"
                   "clause closure, S7 argument structure, S8 reflexive binding) on a fixed test stream and\n"
                   "four formal skills (S12 copy, reverse, counting, Dyck closure) on reservoirs trained on\n"
                   "those tasks, discrete and continuous metrics each; matched Kneser-Ney n-grams (orders\n"
                   "2..kn-max) trained on the same tokens are probed the same way. Each cell is appended to\n"
                   "DIR/rows.jsonl (a rerun skips the cells done); then it fits emergence thresholds with bootstrap intervals over seeds and writes\n"
                   "DIR/report.md, DIR/thresholds.tsv, DIR/curves_acc.png and DIR/curves_cont.png.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!c.out) return cli_error("lm sweep: --out is required"), 2;
    if (parse_grid(sizes, "sizes", c.sizes, &c.n_sizes, 2, 100000) ||
        parse_grid(tokens, "tokens", c.tokens, &c.n_tokens, 1000, 1000000000))
        return 2;
    if (parse_ridges(ridges, &c)) return 2;
    if (c.formal_tokens < 1000 || c.formal_tokens > 1000000000)
        return cli_error("--formal-tokens = %lld: must be in [1000, 1e9]", (long long)c.formal_tokens), 2;
    if (c.kn_max != 0 && (c.kn_max < SWEEP_KN_MIN || c.kn_max > 6))
        return cli_error("--kn-max = %d: must be 0 (none) or in [2, 6]", c.kn_max), 2;
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
    pp.ridge = c.ridges[0], pp.gate_tokens = 0;
    if (lacus_lm_params_check(&pp, &err)) return cli_error("lm sweep: %s", err.msg), 2;
    const int rank = lacus_dist_rank();
    int setup = 0; /* rank 0 makes OUT, the others wait: no rank reads a half-made directory */
    if (rank == 0) {
        if (mkdir(c.out, 0755) && errno != EEXIST) {
            cli_error("cannot create %s: %s", c.out, strerror(errno));
            setup = 1;
        } else setup = check_config(&c);
    }
    if (agree(setup)) return 1;
    char rows_path[4200];
    snprintf(rows_path, sizeof rows_path, "%s/rows.jsonl", c.out);
    sweep_row *rows = NULL;
    int64_t n_rows = 0;
    if (sweep_read_rows(rows_path, &rows, &n_rows)) return 1;
    int n_kn = c.kn_max ? c.kn_max - SWEEP_KN_MIN + 1 : 0;
    int64_t n_cells = (int64_t)(c.n_sizes + n_kn) * c.n_tokens * c.seeds, n_missing = 0;
    cell *cells = malloc((size_t)n_cells * sizeof *cells);
    if (!cells) return free(rows), cli_error("out of memory"), 1;
    int64_t k = 0;
    for (int d = 0; d < c.n_tokens; d++)
        for (int i = 0; i < c.n_sizes; i++)
            for (int64_t s = 0; s < c.seeds; s++, k++) {
                double F = (double)c.sizes[i] + 150;
                cells[k] = (cell){c.tokens[d], c.sizes[i], s, 0, (double)c.tokens[d] * F * F};
                n_missing += !is_done(rows, n_rows, &cells[k]);
            }
    for (int d = 0; d < c.n_tokens; d++)
        for (int o = 0; o < n_kn; o++)
            for (int64_t s = 0; s < c.seeds; s++, k++) {
                cells[k] = (cell){c.tokens[d], 0, s, SWEEP_KN_MIN + o, (double)c.tokens[d] * 100.0};
                n_missing += !is_done(rows, n_rows, &cells[k]);
            }
    /* Largest cells first: the last ones to finish are then the short ones. */
    qsort(cells, (size_t)n_cells, sizeof *cells, cmp_cost);
    double t0 = cli_now();
    int rc = 0;
    if (n_missing && !report_only) {
        if (rank == 0)
            printf("lm sweep: %lld cells, %lld done, %lld to run in %lld job(s) on each of %d rank(s)\n",
                   (long long)n_cells, (long long)(n_cells - n_missing), (long long)n_missing, (long long)c.jobs,
                   lacus_dist_size());
        fflush(stdout);
        /* Stale claims go before any rank claims a cell. */
        if (agree(rank == 0 ? clear_claims(c.out) : 0)) {
            free(rows), free(cells);
            return 1;
        }
        test_set ts;
        const int have_ts = !make_test(&c, &ts);
        if (!have_ts) rc = 1;
        else if (c.jobs == 1) {
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
        if (have_ts) free_test(&ts);
        rc = agree(rc); /* every rank's cells are in rows.jsonl */
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
    if (rank == 0) rc = sweep_report(&c, rows, n_rows, n_missing && !report_only ? wall : NAN);
    free(rows), free(cells);
    return rc;
}
