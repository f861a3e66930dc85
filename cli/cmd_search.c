/* lacus search SEARCH.json: hyperparameter search over any numeric ESN
 * option, random or TPE, several reservoir instances (seeds) per trial,
 * trials evaluated in parallel batches, results as JSON lines, resumable
 * after an interruption, and a PNG report. See docs/search.md. */
#include <cjson/cJSON.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "config.h"
#include "search_cache.h"
#include "search_models.h"

#define MAX_DIMS 32

typedef struct search {
    const char *path;
    cli_config *base;               /* the config (esn, stack or graph) trials start from */
    opt_list val_in, val_tg;
    int n_dims;
    const char *names[MAX_DIMS];    /* option names as written */
    lacus_space_dim dims[MAX_DIMS];
    double choices[MAX_DIMS][64];
    lacus_sampler_method method;
    int64_t trials, instances, batch, seed;
    const char *results, *report;
    cJSON *json;
} search;

static volatile sig_atomic_t g_stop = 0;
static void on_sigint(int sig) { (void)sig; g_stop = 1; }

static int bad(const search *s, const char *key, const char *what)
{
    cli_error("%s: %s: %s", s->path, key, what);
    return -1;
}

static const char *dir_join(search *s, const char *dir, const char *p)
{
    (void)s;
    size_t n = strlen(dir) + strlen(p) + 2;
    char *r = malloc(n);
    if (!r) return NULL;
    snprintf(r, n, "%s%s%s", p[0] == '/' || !*dir ? "" : dir, p[0] == '/' || !*dir ? "" : "/", p);
    return cli_keep(r);
}

static int read_files(search *s, const char *dir, const cJSON *v, const char *key, opt_list *out)
{
    *out = (opt_list){0};
    if (cJSON_IsString(v)) {
        if (opt_list_push(out, dir_join(s, dir, v->valuestring))) return -1;
    } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsString(e)) return bad(s, key, "expected file names");
            if (opt_list_push(out, dir_join(s, dir, e->valuestring))) return -1;
        }
    } else {
        return bad(s, key, "expected a file name or an array of file names");
    }
    for (int i = 0; i < out->n; i++)
        if (!out->items[i]) return cli_error("out of memory"), -1;
    return 0;
}

/* "space": {"sr": ["log-uniform", 0.1, 10], "units": ["choice", 100, 300]} */
static int read_space(search *s, const cJSON *space)
{
    if (!cJSON_IsObject(space) || !space->child) return bad(s, "space", "expected a non-empty object");
    esn_cli_opts d = esn_opts_default();
    opt table[] = {ESN_OPTS(d)};
    const cJSON *v;
    cJSON_ArrayForEach(v, space) {
        char key[300], name[64];
        snprintf(key, sizeof key, "space.%s", v->string);
        if (s->n_dims == MAX_DIMS) return bad(s, key, "more than 32 dimensions");
        const char *dot = strchr(v->string, '.');
        snprintf(name, sizeof name, "%s", dot ? dot + 1 : v->string);
        for (char *c = name; *c; c++)
            if (*c == '_') *c = '-';
        const opt *op = NULL;
        for (size_t i = 0; i < sizeof table / sizeof *table; i++)
            if (!strcmp(table[i].name, name)) op = &table[i];
        if (!op || (op->type != OPT_INT && op->type != OPT_DOUBLE) || !strcmp(name, "threads") ||
            !strcmp(name, "seed"))
            return bad(s, key, "not a numeric ESN option (units, lr, sr, input_scaling, ridge, ...)");
        char why[256];
        if ((s->base->is_stack || s->base->is_graph || dot) &&
            search_option_check(s->base, v->string, why, sizeof why))
            return bad(s, key, why);
        const cJSON *kind = cJSON_GetArrayItem(v, 0);
        int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
        if (!cJSON_IsString(kind) || n < 2)
            return bad(s, key, "expected [\"log-uniform\"|\"uniform\"|\"int\", lo, hi] or [\"choice\", v1, v2, ...]");
        lacus_space_dim *q = &s->dims[s->n_dims];
        memset(q, 0, sizeof *q);
        for (int i = 1; i < n; i++)
            if (!cJSON_IsNumber(cJSON_GetArrayItem(v, i))) return bad(s, key, "bounds and choices must be numbers");
        if (!strcmp(kind->valuestring, "choice")) {
            if (n - 1 > 64) return bad(s, key, "at most 64 choices");
            q->kind = LACUS_SPACE_CHOICE;
            q->n_choices = n - 1;
            for (int i = 1; i < n; i++) s->choices[s->n_dims][i - 1] = cJSON_GetArrayItem(v, i)->valuedouble;
            q->choices = s->choices[s->n_dims];
        } else {
            if (n != 3) return bad(s, key, "a range is [kind, lo, hi]");
            q->kind = !strcmp(kind->valuestring, "log-uniform") ? LACUS_SPACE_LOG_UNIFORM
                      : !strcmp(kind->valuestring, "uniform")   ? LACUS_SPACE_UNIFORM
                      : !strcmp(kind->valuestring, "int")       ? LACUS_SPACE_INT
                                                                : (lacus_space_kind)-1;
            if ((int)q->kind < 0) return bad(s, key, "kind must be log-uniform, uniform, int or choice");
            q->lo = cJSON_GetArrayItem(v, 1)->valuedouble;
            q->hi = cJSON_GetArrayItem(v, 2)->valuedouble;
        }
        if (op->type == OPT_INT && q->kind != LACUS_SPACE_INT && q->kind != LACUS_SPACE_CHOICE)
            return bad(s, key, "an integer option takes \"int\" or \"choice\"");
        s->names[s->n_dims++] = v->string;
    }
    return 0;
}

static int read_search(search *s, const char *path)
{
    static const char *const keys[] = {"config", "validation", "space", "method", "trials",
                                       "instances", "batch", "seed", "results", "report", NULL};
    s->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("cannot open '%s': %s", path, strerror(errno)), 1;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (!(s->json = cJSON_Parse(buf)) || !cJSON_IsObject(s->json))
        return cli_error("%s: not a JSON object", path), 2;
    const cJSON *v;
    cJSON_ArrayForEach(v, s->json) {
        int known = v->string[0] == '_';
        for (int i = 0; keys[i]; i++) known |= !strcmp(keys[i], v->string);
        if (!known) return bad(s, v->string, "unknown key"), 2;
    }
    const char *slash = strrchr(path, '/');
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 0, path);
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(s->json, "config");
    if (!cJSON_IsString(cfg)) return bad(s, "config", "the model config file (esn, stack or graph) is required"), 2;
    const char *cpath = dir_join(s, dir, cfg->valuestring);
    s->base = calloc(1, sizeof *s->base);
    if (!cpath || !s->base) return cli_error("out of memory"), 1;
    int rc = cli_config_load(cpath, s->base);
    if (rc) return rc;
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(s->json, "validation");
    if (!cJSON_IsObject(val)) return bad(s, "validation", "expected {\"input\": ..., \"target\": ...}"), 2;
    if (read_files(s, dir, cJSON_GetObjectItemCaseSensitive(val, "input"), "validation.input", &s->val_in) ||
        read_files(s, dir, cJSON_GetObjectItemCaseSensitive(val, "target"), "validation.target", &s->val_tg))
        return 2;
    if (read_space(s, cJSON_GetObjectItemCaseSensitive(s->json, "space"))) return 2;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(s->json, "method");
    s->method = LACUS_SAMPLER_TPE;
    if (m && (!cJSON_IsString(m) || (strcmp(m->valuestring, "tpe") && strcmp(m->valuestring, "random"))))
        return bad(s, "method", "expected \"tpe\" or \"random\""), 2;
    if (m && !strcmp(m->valuestring, "random")) s->method = LACUS_SAMPLER_RANDOM;
    struct { const char *key; int64_t *dst, def, lo, hi; } ints[] = {
        {"trials", &s->trials, 50, 1, 1000000}, {"instances", &s->instances, 3, 1, 1000},
        {"batch", &s->batch, 4, 1, 4096}, {"seed", &s->seed, 1234, 0, INT64_MAX}};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(s->json, ints[i].key);
        *ints[i].dst = ints[i].def;
        if (!x) continue;
        if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) ||
            x->valuedouble < (double)ints[i].lo || x->valuedouble > (double)ints[i].hi)
            return bad(s, ints[i].key, "expected a positive integer in range"), 2;
        *ints[i].dst = (int64_t)x->valuedouble;
    }
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(s->json, "results");
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(s->json, "report");
    if ((res && !cJSON_IsString(res)) || (rep && !cJSON_IsString(rep)))
        return bad(s, res && !cJSON_IsString(res) ? "results" : "report", "expected a file name"), 2;
    s->results = dir_join(s, dir, res ? res->valuestring : "search.jsonl");
    s->report = rep ? dir_join(s, dir, rep->valuestring) : NULL;
    return 0;
}

/* The pooled NRMSE (RMSE over the standard deviation of the truth) of a
 * model's predictions p[i] on the validation sequences. */
static double validation_nrmse(double *const *p, const lacus_seqs *Y)
{
    int64_t O = Y->n_features;
    double se = 0, sum = 0, sum2 = 0, n = 0;
    for (int64_t i = 0; i < Y->n_seqs; i++)
        for (int64_t k = 0; k < Y->n_steps[i] * O; k++) {
            double t = Y->data[i][k], e = p[i][k] - t;
            se += e * e;
            sum += t;
            sum2 += t * t;
            n += 1;
        }
    double var = sum2 / n - (sum / n) * (sum / n);
    return var > 0 ? sqrt(se / n / var) : INFINITY;
}

static void set_option(esn_cli_opts *o, const char *name, double v)
{
    char key[64];
    snprintf(key, sizeof key, "%s", name);
    for (char *c = key; *c; c++)
        if (*c == '_') *c = '-';
    opt table[] = {ESN_OPTS(*o)};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i].name, key)) {
            if (table[i].type == OPT_INT) *(int64_t *)table[i].dest = (int64_t)llround(v);
            else *(double *)table[i].dest = v;
        }
}

static search_data g_data; /* stack and graph searches: the training data */
static search_cache g_w0;   /* ESN searches: W0 and its spectral radius per seed */

/* A trial's ESN options: the config's, the trial's values, instance k's seed. */
static void trial_opts(const search *s, const double *x, int64_t k, esn_cli_opts *o)
{
    *o = s->base->esn;
    o->threads = 0;
    for (int d = 0; d < s->n_dims; d++) set_option(o, s->names[d], x[d]);
    o->seed = s->base->esn.seed + k;
}

/* Before a batch (serially): the radii its ESN trials will need. */
static void prepare_batch(const search *s, const double *xs, int64_t nb, int64_t n_features,
                          int rank, int size)
{
    if (s->base->is_stack || s->base->is_graph) return;
    /* Without the cache every trial draws W and its radius itself: only
     * for tests/cli/test_search_cache.sh, which checks that the cache
     * changes no result. */
    if (getenv("LACUS_SEARCH_NO_CACHE")) return;
    for (int64_t k = 0; k < nb; k++) {
        if (k % size != rank) continue;
        esn_cli_opts o;
        lacus_esn_params p;
        trial_opts(s, xs + k * s->n_dims, 0, &o);
        if (esn_opts_resolve(&o, &p, n_features) == 0) search_cache_prepare(&g_w0, &p, s->instances);
    }
}

/* One trial of a stack or graph search: the mean validation NRMSE over
 * `instances` reservoir seeds. */
static double evaluate_model(const search *s, const double *x, const lacus_seqs *VX,
                             const lacus_seqs *VY, double *losses)
{
    double total = 0;
    for (int64_t k = 0; k < s->instances; k++) {
        losses[k] = search_eval_model(s->base, &g_data, s->n_dims, s->names, x, k, set_option,
                                      VX, VY);
        total += losses[k];
    }
    return total / (double)s->instances;
}

/* One (trial, instance) fit of an ESN search. */
typedef struct unit {
    int64_t trial, inst; /* in the batch; instance k: seed + k */
    lacus_esn_params p;
    int ok;              /* the options resolved */
    double loss, secs;
} unit;

/* Units that may share lanes come together: the same instance seed and
 * reservoir size draw the same W pattern (lacus_esn_fit_eval_many checks). */
static int unit_cmp(const void *va, const void *vb)
{
    const unit *a = va, *b = vb;
    const lacus_reservoir_params *ra = &a->p.reservoir, *rb = &b->p.reservoir;
    if (a->inst != b->inst) return a->inst < b->inst ? -1 : 1;
    if (ra->n_units != rb->n_units) return ra->n_units < rb->n_units ? -1 : 1;
    if (ra->rc_connectivity != rb->rc_connectivity) return ra->rc_connectivity < rb->rc_connectivity ? -1 : 1;
    if (ra->W_init != rb->W_init) return ra->W_init < rb->W_init ? -1 : 1;
    return a->trial < b->trial ? -1 : a->trial > b->trial;
}

static int same_key(const unit *a, const unit *b)
{
    return a->inst == b->inst && a->p.reservoir.n_units == b->p.reservoir.n_units &&
           a->p.reservoir.rc_connectivity == b->p.reservoir.rc_connectivity &&
           a->p.reservoir.W_init == b->p.reservoir.W_init;
}

/* Fits and scores a group of units (same key) in one lane pass. */
static void eval_group(unit *g, int n, const lacus_seqs *X, const lacus_seqs *Y,
                       const lacus_seqs *VX, const lacus_seqs *VY)
{
    double t0 = cli_now();
    lacus_esn *ms[8] = {0};
    double **outs[8] = {0};
    lacus_status st[8];
    int m = 0, idx[8];
    for (int j = 0; j < n; j++) {
        g[j].loss = INFINITY;
        lacus_error err = {0};
        lacus_esn *e = NULL;
        double **o = calloc((size_t)VX->n_seqs, sizeof *o);
        int ok = o != NULL;
        for (int64_t i = 0; ok && i < VX->n_seqs; i++)
            ok = (o[i] = malloc((size_t)(VY->n_steps[i] * VY->n_features) * sizeof **o)) != NULL;
        if (ok && g[j].ok && search_esn_create(&g_w0, &g[j].p, &e, &err) == 0) {
            ms[m] = e;
            outs[m] = o;
            idx[m++] = j;
        } else {
            for (int64_t i = 0; o && i < VX->n_seqs; i++) free(o[i]);
            free(o);
        }
    }
    if (m > 0) {
        lacus_esn_fit_eval_many(ms, m, X, Y, VX, (double *const *const *)outs, st);
        for (int j = 0; j < m; j++)
            if (!st[j]) g[idx[j]].loss = validation_nrmse(outs[j], VY);
    }
    for (int j = 0; j < m; j++) {
        lacus_esn_free(ms[j]);
        for (int64_t i = 0; i < VX->n_seqs; i++) free(outs[j][i]);
        free(outs[j]);
    }
    double dt = (cli_now() - t0) / n;
    for (int j = 0; j < n; j++) g[j].secs = dt;
}

/* The ESN trials of a batch that run on this rank: every (trial, instance)
 * fit is a unit; units are sorted so that those drawing the same W pattern
 * are neighbours, cut into one contiguous share per thread, and each share
 * into groups that lacus_esn_fit_eval_many runs as lanes of one pass (up to
 * 8 / (1 + validation sequences) fits each). Losses and models are those of
 * lacus fit, bit for bit (each lane computes what its model alone would),
 * so the grouping changes speed only. losses[k]: trial k's mean over its
 * instances (added in instance order); inst[k * instances + i]; secs[k]:
 * its share of its groups' time. */
static int evaluate_esn_batch(const search *s, const double *xs, int64_t nb, int rank, int size,
                              const lacus_seqs *X, const lacus_seqs *Y, const lacus_seqs *VX,
                              const lacus_seqs *VY, double *losses, double *inst, double *secs)
{
    int64_t I = s->instances, U = 0;
    unit *u = calloc((size_t)(nb * I), sizeof *u);
    if (!u) return -1;
    for (int64_t k = 0; k < nb; k++) {
        if (k % size != rank) continue;
        for (int64_t i = 0; i < I; i++) {
            esn_cli_opts o;
            trial_opts(s, xs + k * s->n_dims, i, &o);
            unit *e = &u[U++];
            e->trial = k;
            e->inst = i;
            e->ok = esn_opts_resolve(&o, &e->p, X->n_features) == 0;
        }
    }
    qsort(u, (size_t)U, sizeof *u, unit_cmp);
    int P = omp_get_max_threads();
    int64_t per = 8 / (1 + VX->n_seqs) > 0 ? 8 / (1 + VX->n_seqs) : 1;
#pragma omp parallel for schedule(static, 1)
    for (int t = 0; t < P; t++) {
        int64_t a = (int64_t)t * U / P, b = (int64_t)(t + 1) * U / P;
        while (a < b) {
            int64_t e = a + 1;
            while (e < b && e - a < per && same_key(&u[a], &u[e])) e++;
            eval_group(u + a, (int)(e - a), X, Y, VX, VY);
            a = e;
        }
    }
    for (int64_t j = 0; j < U; j++) inst[u[j].trial * I + u[j].inst] = u[j].loss;
    for (int64_t k = 0; k < nb; k++) secs[k] = 0;
    for (int64_t j = 0; j < U; j++) secs[u[j].trial] += u[j].secs;
    for (int64_t k = 0; k < nb; k++) {
        if (k % size != rank) continue;
        double total = 0;
        for (int64_t i = 0; i < I; i++) total += inst[k * I + i];
        losses[k] = total / (double)I;
    }
    free(u);
    return 0;
}

static void write_line(FILE *f, const search *s, int64_t t, const double *x, double loss,
                       const double *losses, double seconds)
{
    fprintf(f, "{\"trial\": %lld, \"params\": {", (long long)t);
    for (int d = 0; d < s->n_dims; d++)
        fprintf(f, "%s\"%s\": %.17g", d ? ", " : "", s->names[d], x[d]);
    fprintf(f, "}, \"loss\": ");
    if (isfinite(loss)) fprintf(f, "%.17g", loss);
    else fprintf(f, "null");
    fprintf(f, ", \"losses\": [");
    for (int64_t k = 0; k < s->instances; k++) {
        if (isfinite(losses[k])) fprintf(f, "%s%.17g", k ? ", " : "", losses[k]);
        else fprintf(f, "%snull", k ? ", " : "");
    }
    fprintf(f, "], \"seconds\": %.3f}\n", seconds);
}

/* Replays the whole batches already in the results file (the same
 * suggestions must come out: otherwise the file belongs to another search)
 * and cuts off a partly written batch. Returns the trials done, or -1. */
static int64_t resume(const search *s, lacus_sampler *sm, double *xs, double *losses, int trim)
{
    FILE *f = fopen(s->results, trim ? "r+" : "r");
    if (!f) return errno == ENOENT ? 0 : (cli_error("cannot open '%s': %s", s->results, strerror(errno)), -1);
    char *line = NULL;
    size_t cap = 0;
    int64_t t = 0, done = 0;
    long good_end = 0;
    double x[MAX_DIMS];
    while (getline(&line, &cap, f) > 0) {
        cJSON *j = strchr(line, '\n') ? cJSON_Parse(line) : NULL; /* a cut-off line: stop */
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(j, "trial");
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(j, "params");
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(j, "loss");
        int64_t trial;
        if (!j || !cli_json_integer(tr, &trial) || !cJSON_IsObject(pr) || trial != t) {
            cJSON_Delete(j);
            break;
        }
        lacus_sampler_suggest(sm, t, x);
        for (int d = 0; d < s->n_dims; d++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(pr, s->names[d]);
            if (!cJSON_IsNumber(v) || v->valuedouble != x[d]) {
                cJSON_Delete(j);
                free(line);
                fclose(f);
                cli_error("%s: trial %lld was made by another search (different config, space or "
                          "seed): move it away or point \"results\" elsewhere", s->results, (long long)t);
                return -1;
            }
            xs[t * s->n_dims + d] = x[d];
        }
        losses[t] = cJSON_IsNumber(lo) ? lo->valuedouble : INFINITY;
        cJSON_Delete(j);
        t++;
        if (t % s->batch == 0 || t == s->trials) { /* a whole batch: tell it */
            for (int64_t k = done; k < t; k++) lacus_sampler_tell(sm, xs + k * s->n_dims, losses[k]);
            done = t;
            good_end = ftell(f);
        }
        if (t == s->trials) break;
    }
    free(line);
    int cut = trim && (fflush(f) != 0 || ftruncate(fileno(f), good_end) != 0);
    fclose(f);
    if (cut) return cli_error("cannot trim '%s': %s", s->results, strerror(errno)), -1;
    return done;
}

/* The config's "preprocess": no space option changes it, so it is fitted
 * once on the training inputs (as lacus fit does) and the training and
 * validation inputs are transformed once, before the first trial; every
 * trial then sees what lacus fit's model would. Every rank fits it on the
 * same (whole) data, so every rank holds the same node. *X and *VX are
 * pointed at the transformed sequences (owned by PX and PV). 0 or -1
 * after printing the error. */
static int search_prep(const search *s, lacus_seqs *X, lacus_seqs *VX, cli_prep_seqs *PX,
                       cli_prep_seqs *PV)
{
    if (!s->base->has_prep) return 0;
    lacus_error err = {0};
    lacus_prep *p = NULL;
    if (lacus_prep_create(&s->base->prep, &p, &err))
        return cli_error("%s: preprocess: %s", s->base->path, err.msg), -1;
    int rc = -1;
    if (lacus_prep_fit(p, X)) {
        cli_error("%s: preprocess (%s) on the inputs: %s", s->base->path,
                  lacus_prep_kind_name(s->base->prep.kind), lacus_prep_errmsg(p));
        goto done;
    }
    if (cli_prep_transform(p, X, "input", PX) || cli_prep_transform(p, VX, "validation.input", PV))
        goto done;
    if (lacus_dist_rank() == 0)
        fprintf(stderr, "preprocess: %s fitted on %lld sequences, %lld -> %lld features\n",
                lacus_prep_kind_name(s->base->prep.kind), (long long)X->n_seqs,
                (long long)X->n_features, (long long)PX->s.n_features);
    *X = PX->s;
    *VX = PV->s;
    rc = 0;
done:
    lacus_prep_free(p);
    return rc;
}

int cmd_search(int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-') {
        printf("usage: lacus search SEARCH.json\n\nHyperparameter search (random or TPE) over an "
               "ESN, stack or graph config; see docs/search.md.\n");
        return argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) ? 0 : 2;
    }
    /* Under mpirun the trials of each batch are shared out: trial k of a
     * batch runs on rank k mod K (on its threads), its losses are then
     * broadcast from there, so every rank tells the sampler the same
     * results and suggests the same next batch; rank 0 alone writes the
     * results file. The trials and their losses are those of a run on one
     * process (only "seconds" differ). */
    const int rank = lacus_dist_rank(), size = lacus_dist_size();
#ifdef __GLIBC__
    /* Every trial allocates and frees the same few MB (state blocks, the
     * ridge's sums); by default glibc returns them to the kernel and the
     * next trial faults them in again (~half the search's system time). */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
    search s;
    memset(&s, 0, sizeof s);
    int rc = read_search(&s, argv[2]);
    cli_seqs X = {0}, Y = {0}, VX = {0}, VY = {0};
    cli_prep_seqs PX = {0}, PV = {0};
    lacus_sampler *sm = NULL;
    double *xs = NULL, *losses = NULL, *inst = NULL;
    FILE *out = NULL;
    if (rc) goto done;
    rc = 1;
    int model = s.base->is_stack || s.base->is_graph;
    int load_fail = (model ? search_data_load(s.base, &g_data) != 0
                           : cli_seqs_load(&s.base->input, "input", &X) ||
                                 cli_seqs_load(&s.base->target, "target", &Y)) ||
                    cli_seqs_load(&s.val_in, "validation.input", &VX) ||
                    cli_seqs_load(&s.val_tg, "validation.target", &VY);
    if (!load_fail && VX.s.n_seqs != VY.s.n_seqs) {
        cli_error("%s: validation: %lld input sequences but %lld target sequences", s.path,
                  (long long)VX.s.n_seqs, (long long)VY.s.n_seqs);
        load_fail = 1;
    }
    for (int64_t i = 0; !load_fail && i < VX.s.n_seqs; i++)
        if (VX.s.n_steps[i] != VY.s.n_steps[i]) {
            cli_error("%s: validation: sequence %lld has %lld input steps but %lld target steps",
                      s.path, (long long)i, (long long)VX.s.n_steps[i], (long long)VY.s.n_steps[i]);
            load_fail = 1;
        }
    if (!load_fail && search_prep(&s, model ? &g_data.X.s : &X.s, &VX.s, &PX, &PV)) load_fail = 1;
    if (lacus_dist_max(load_fail) > 0) goto done; /* every rank stops if one could not load */
    lacus_error err = {0};
    if (lacus_sampler_create(s.dims, s.n_dims, s.method, (uint64_t)s.seed, 0, &sm, &err)) {
        cli_error("%s: space: %s", s.path, err.msg);
        rc = 2;
        goto done;
    }
    xs = calloc((size_t)(s.trials * s.n_dims), sizeof *xs);
    losses = calloc((size_t)s.trials, sizeof *losses);
    inst = calloc((size_t)(s.batch * s.instances), sizeof *inst);
    if (!xs || !losses || !inst) {
        cli_error("out of memory");
        goto done;
    }
    /* Rank 0 replays and trims the results file first; the other ranks
     * then replay the trimmed file, so every sampler is in the same state. */
    int64_t t0 = rank == 0 ? resume(&s, sm, xs, losses, 1) : 0;
    if (lacus_dist_max(t0 < 0) > 0) goto done;
    if (rank != 0) t0 = resume(&s, sm, xs, losses, 0);
    if (t0 > 0 && rank == 0) fprintf(stderr, "resuming %s after trial %lld\n", s.results, (long long)t0 - 1);
    int open_fail = rank == 0 && !(out = fopen(s.results, "a"));
    if (open_fail) cli_error("cannot write '%s': %s", s.results, strerror(errno));
    if (lacus_dist_max(open_fail || t0 < 0) > 0) goto done;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old);
    int64_t best = -1;
    int stopped = 0;
    for (int64_t k = 0; k < t0; k++)
        if (isfinite(losses[k]) && (best < 0 || losses[k] < losses[best])) best = k;
    /* Every rank stops after the same batch (SIGINT reaches the ranks at
     * slightly different times). */
    for (int64_t b0 = t0; b0 < s.trials; b0 += s.batch) {
        if ((stopped = (int)lacus_dist_max(g_stop))) break;
        int64_t nb = s.trials - b0 < s.batch ? s.trials - b0 : s.batch;
        for (int64_t k = 0; k < nb; k++) lacus_sampler_suggest(sm, b0 + k, xs + (b0 + k) * s.n_dims);
        double t_start = cli_now(), secs[4096];
        prepare_batch(&s, xs + b0 * s.n_dims, nb, X.s.n_features, rank, size);
        /* The trials of a batch are independent: one per thread (the fits
         * inside run single-threaded, and give the same numbers), and one
         * share per MPI rank. */
        if (model) {
#pragma omp parallel for schedule(dynamic, 1)
            for (int64_t k = 0; k < nb; k++) {
                if (k % size != rank) continue;
                double t1 = cli_now();
                losses[b0 + k] = evaluate_model(&s, xs + (b0 + k) * s.n_dims, &VX.s, &VY.s,
                                                inst + k * s.instances);
                secs[k] = cli_now() - t1;
            }
        } else if (evaluate_esn_batch(&s, xs + b0 * s.n_dims, nb, rank, size, &X.s, &Y.s, &VX.s,
                                      &VY.s, losses + b0, inst, secs)) {
            cli_error("out of memory");
            sigaction(SIGINT, &old, NULL);
            goto done;
        }
        for (int64_t k = 0; k < nb && size > 1; k++) {
            double msg[2] = {losses[b0 + k], secs[k]};
            lacus_dist_bcast(msg, 2, (int)(k % size));
            lacus_dist_bcast(inst + k * s.instances, s.instances, (int)(k % size));
            losses[b0 + k] = msg[0];
            secs[k] = msg[1];
        }
        for (int64_t k = 0; k < nb; k++) {
            if (out) write_line(out, &s, b0 + k, xs + (b0 + k) * s.n_dims, losses[b0 + k],
                       inst + k * s.instances, secs[k]);
            lacus_sampler_tell(sm, xs + (b0 + k) * s.n_dims, losses[b0 + k]);
            if (isfinite(losses[b0 + k]) && (best < 0 || losses[b0 + k] < losses[best])) best = b0 + k;
        }
        int wfail = out && (fflush(out) || fsync(fileno(out)));
        if (wfail) cli_error("writing '%s': %s", s.results, strerror(errno));
        if (lacus_dist_max(wfail) > 0) {
            sigaction(SIGINT, &old, NULL);
            goto done;
        }
        if (rank == 0)
            fprintf(stderr, "trials %lld-%lld of %lld in %.1f s; best loss %.6g (trial %lld)\n",
                (long long)b0, (long long)(b0 + nb - 1), (long long)s.trials, cli_now() - t_start,
                best >= 0 ? losses[best] : NAN, (long long)best);
    }
    sigaction(SIGINT, &old, NULL);
    if (rank != 0) { /* rank 0 reports and draws */
        rc = stopped ? 130 : 0;
        goto done;
    }
    if (stopped) {
        cli_error("interrupted: the finished trials are in %s; run the same command to resume",
                  s.results);
        rc = 130;
        goto done;
    }
    if (best < 0) {
        cli_error("every trial failed (see the losses in %s)", s.results);
        goto done;
    }
    printf("best loss %.6g at trial %lld:", losses[best], (long long)best);
    for (int d = 0; d < s.n_dims; d++) printf(" %s=%.6g", s.names[d], xs[best * s.n_dims + d]);
    printf("\nresults: %s\n", s.results);
    if (s.report) {
        if (lacus_search_plot(s.report, s.trials, s.n_dims, s.names, s.dims, xs, losses,
                              s.method == LACUS_SAMPLER_TPE ? "TPE search" : "random search", &err)) {
            cli_error("report: %s", err.msg);
            goto done;
        }
        printf("report: %s\n", s.report);
    }
    rc = 0;
done:
    if (out) fclose(out);
    lacus_sampler_free(sm);
    free(xs);
    free(losses);
    free(inst);
    cli_seqs_free(&X);
    cli_seqs_free(&Y);
    search_data_free(&g_data);
    search_cache_free(&g_w0);
    cli_seqs_free(&VX);
    cli_seqs_free(&VY);
    cli_prep_seqs_free(&PX);
    cli_prep_seqs_free(&PV);
    if (s.base) {
        cli_config_free(s.base);
        free(s.base);
    }
    cJSON_Delete(s.json);
    return rc;
}
