/* Declarative configs: `lacus fit config.json` reads a model, its data and
 * its training from one JSON file (parsed by cJSON). Every model key is an
 * option of `lacus fit` (the same table, ESN_OPTS, so names, types,
 * defaults and help stay one list; '-' and '_' are interchangeable), so a
 * config is exactly a command line written down. Unknown keys, wrong types
 * and bad values are refused with the file and the key path named; JSON
 * syntax errors with the line and column. Relative paths are taken from
 * the config file's directory. See docs/config.md (printed by
 * `lacus fit --config-reference`). */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char *const top_keys[][2] = {
    {"model", "\"esn\" (one reservoir + ridge readout), \"stack\" (layers, see \"layers\"), "
              "\"graph\" (see \"nodes\" and \"edges\") or \"nvar\" (an NVAR forecaster, see "
              "\"nvar\")"},
    {"nvar", "nvar only: object: the model's options (keys below), as lacus fit --model nvar: "
             "a forecaster of \"input\", or with \"target\" a regression of the targets on "
             "the NVAR features of the input"},
    {"esn", "object: reservoir and readout options (for a stack: defaults of every layer)"},
    {"layers", "stack only: array of objects, one per layer: options overriding \"esn\", "
               "and \"target\" (that layer's target files)"},
    {"teacher_inputs", "stack only: layer l > 0 trains on layer l-1's targets (default false)"},
    {"parallel_layers", "stack only, with teacher_inputs: layers trained at once (default 1; "
                        "0: one per thread)"},
    {"nodes", "graph only: array of node objects: \"name\", \"kind\" (\"input\" with "
              "\"features\", \"reservoir\" with the reservoir options, \"ridge\" with ridge, "
              "readout_bias, solver and \"target\", \"prep\" with \"prep\" (\"minmax\", "
              "\"zscore\" or \"delay\") and its \"range\", \"delay\", \"stride\", \"online\" "
              "with \"method\" (\"rls\" or \"lms\"), \"alpha\" (RLS: P(0) = I / alpha; LMS: "
              "the learning rate; default 1e-6), \"forgetting\" (RLS, default 1), \"fit_bias\" "
              "(default true) and \"target\")"},
    {"edges", "graph only: array of [from, to] or [from, to, delay] node names; "
              "a >> b is [a, b], a << b is [b, a, 1]"},
    {"warmup", "graph only: steps dropped at the start of each sequence by every readout "
               "(default 0)"},
    {"preprocess", "esn and stack: input preprocessing fitted on the training inputs, saved "
                   "inside the model file and applied by lacus run: {\"kind\": \"minmax\" "
                   "(\"range\": [lo, hi], default [-1, 1]), \"zscore\", \"onehot\" or "
                   "\"delay\" (\"delay\": k, default 2; \"stride\": s, default 1)}; a graph "
                   "uses a node of kind \"prep\" instead"},
    {"input", "input file or array of files (.npy, .npz, .csv); for a graph also an object "
              "mapping each graph input's name to its files"},
    {"target", "esn: target file or array of files; nvar: optional, one per input file"},
    {"output", "model file to write (default \"model.npz\")"},
    {"threads", "OpenMP threads (default 0: OMP_NUM_THREADS or all cores)"},
    {"dist", "under mpirun: how the readouts are solved, as lacus fit's options: {\"solve\": "
             "\"auto\", \"reduce\" or \"scalapack\", \"rank_mem_mb\", \"block\", \"rows\"} "
             "(defaults \"auto\", 0, 0, 0; a graph takes no rank_mem_mb; see docs/cluster.md)"},
};

static void normalise(const char *key, char *out, size_t n)
{
    size_t i = 0;
    for (; key[i] && i + 1 < n; i++) out[i] = key[i] == '_' ? '-' : key[i];
    out[i] = '\0';
}

/* "file: line L, column C" of a byte offset, for syntax errors. */
static void locate(const char *buf, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = buf; p < at && *p; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Joins dir and path unless path is absolute; the result is owned by cfg. */
static const char *resolve_path(cli_config *cfg, const char *path)
{
    size_t n = strlen(cfg->dir) + strlen(path) + 2;
    char *s = malloc(n);
    if (!s) return NULL;
    if (path[0] == '/' || cfg->dir[0] == '\0') snprintf(s, n, "%s", path);
    else snprintf(s, n, "%s/%s", cfg->dir, path);
    return cli_keep(s);
}

static int fail(const cli_config *cfg, const char *where, const char *fmt, const char *a,
                const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    cli_error("%s: %s: %s", cfg->path, where, msg);
    return -1;
}

/* A file or an array of files into an opt_list. */
static int read_paths(cli_config *cfg, const cJSON *v, const char *where, opt_list *out)
{
    *out = (opt_list){0};
    if (cJSON_IsString(v)) {
        if (opt_list_push(out, resolve_path(cfg, v->valuestring))) return -1;
    } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsString(e)) return fail(cfg, where, "every entry must be a file name%s%s", "", "");
            if (opt_list_push(out, resolve_path(cfg, e->valuestring))) return -1;
        }
    } else {
        return fail(cfg, where, "expected a file name or a non-empty array of file names%s%s", "", "");
    }
    for (int i = 0; i < out->n; i++)
        if (!out->items[i]) return cli_error("out of memory"), -1;
    return 0;
}

static const char *json_type(const cJSON *v)
{
    return cJSON_IsNumber(v) ? "a number" : cJSON_IsString(v) ? "a string"
         : cJSON_IsBool(v) ? "a boolean" : cJSON_IsArray(v) ? "an array"
         : cJSON_IsObject(v) ? "an object" : "null";
}

/* One option of a table from a JSON value of the right type. */
static int set_opt(cli_config *cfg, const opt *op, const cJSON *v, const char *path)
{
    switch (op->type) {
    case OPT_INT:
        if (!cli_json_integer(v, (int64_t *)op->dest))
            return fail(cfg, path, "expected an integer, got %s%s", json_type(v), "");
        break;
    case OPT_DOUBLE:
        if (!cJSON_IsNumber(v)) return fail(cfg, path, "expected a number, got %s%s", json_type(v), "");
        *(double *)op->dest = v->valuedouble;
        break;
    case OPT_STRING:
        if (!cJSON_IsString(v)) return fail(cfg, path, "expected a string, got %s%s", json_type(v), "");
        *(const char **)op->dest = v->valuestring;
        break;
    case OPT_FLAG:
        if (!cJSON_IsBool(v)) return fail(cfg, path, "expected true or false, got %s%s", json_type(v), "");
        *(int *)op->dest = cJSON_IsTrue(v);
        break;
    case OPT_LIST:
        return fail(cfg, path, "unsupported key%s%s", "", "");
    }
    return 0;
}

/* Sets the ESN options of one object (the "esn" section or a layer). With
 * allow_target, a "target" key is read into *target. */
static int read_esn_keys(cli_config *cfg, const cJSON *obj, const char *where, esn_cli_opts *o,
                         opt_list *target, const char *const *skip, const char *const *only,
                         const char *kind);

static int read_esn(cli_config *cfg, const cJSON *obj, const char *where, esn_cli_opts *o,
                    opt_list *target)
{
    return read_esn_keys(cfg, obj, where, o, target, NULL, NULL, NULL);
}

static int in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (!strcmp(*list, s)) return 1;
    return 0;
}

/* skip: keys handled by the caller; only: when set, the options a node of
 * this kind accepts. */
static int read_esn_keys(cli_config *cfg, const cJSON *obj, const char *where, esn_cli_opts *o,
                         opt_list *target, const char *const *skip, const char *const *only,
                         const char *kind)
{
    if (!cJSON_IsObject(obj)) return fail(cfg, where, "expected an object, got %s%s", json_type(obj), "");
    esn_cli_opts tmp = *o;
    opt table[] = {ESN_OPTS(tmp)};
    int n_table = (int)(sizeof table / sizeof *table);
    const cJSON *v;
    cJSON_ArrayForEach(v, obj) {
        char path[256], name[64];
        snprintf(path, sizeof path, "%s.%s", where, v->string);
        if (v->string[0] == '_' || in_list(skip, v->string)) continue; /* "_comment" and friends */
        if (target && !strcmp(v->string, "target")) {
            if (read_paths(cfg, v, path, target)) return -1;
            continue;
        }
        normalise(v->string, name, sizeof name);
        const opt *op = NULL;
        for (int i = 0; i < n_table; i++)
            if (!strcmp(table[i].name, name)) op = &table[i];
        if (!op || !strcmp(name, "threads"))
            return fail(cfg, path, "unknown key%s%s (lacus fit --config-reference lists them)", "", "");
        if (only && !in_list(only, name))
            return fail(cfg, path, "does not apply to a %s node%s", kind, "");
        if (set_opt(cfg, op, v, path)) return -1;
    }
    *o = tmp;
    return 0;
}

static const char *const reservoir_keys[] = {
    "units", "lr", "sr", "input-scaling", "input-connectivity", "rc-connectivity", "bias",
    "bias-03", "activation", "W-init", "Win-init", "noise-rc", "noise-in", "noise-type", "seed",
    NULL};
static const char *const ridge_keys[] = {"ridge", "readout-bias", "solver", "accumulate-f32", NULL};
static const char *const node_meta[] = {"name", "kind", "features", NULL};

/* A preprocessing object: kind_key names the kind ("kind" at the top
 * level, "prep" in a graph node); the node is created once here so that a
 * bad range or delay is reported against the config. */
static int read_prep(cli_config *cfg, const cJSON *obj, const char *where, const char *kind_key,
                     const char *const *skip, int allow_onehot, lacus_prep_params *p)
{
    if (!cJSON_IsObject(obj)) return fail(cfg, where, "expected an object, got %s%s", json_type(obj), "");
    *p = lacus_prep_params_default();
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(obj, kind_key), *v;
    char path[256];
    snprintf(path, sizeof path, "%s.%s", where, kind_key);
    if (!cJSON_IsString(k) || lacus_prep_kind_parse(k->valuestring, &p->kind))
        return fail(cfg, path, "expected %s%s", allow_onehot ? "\"minmax\", \"zscore\", \"onehot\" or "
                    "\"delay\"" : "\"minmax\", \"zscore\" or \"delay\"", "");
    if (!allow_onehot && p->kind == LACUS_PREP_ONEHOT)
        return fail(cfg, path, "onehot is not supported in a graph (its width depends on the "
                    "data): encode the labels beforehand with lacus prep%s%s", "", "");
    cJSON_ArrayForEach(v, obj) {
        snprintf(path, sizeof path, "%s.%s", where, v->string);
        if (v->string[0] == '_' || !strcmp(v->string, kind_key) || in_list(skip, v->string)) continue;
        if (!strcmp(v->string, "range")) {
            if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 || !cJSON_IsNumber(cJSON_GetArrayItem(v, 0)) ||
                !cJSON_IsNumber(cJSON_GetArrayItem(v, 1)))
                return fail(cfg, path, "expected [lo, hi]%s%s", "", "");
            p->range_lo = cJSON_GetArrayItem(v, 0)->valuedouble;
            p->range_hi = cJSON_GetArrayItem(v, 1)->valuedouble;
        } else if (!strcmp(v->string, "delay") || !strcmp(v->string, "stride")) {
            if (!cli_json_integer(v, v->string[0] == 'd' ? &p->delay : &p->stride))
                return fail(cfg, path, "expected an integer, got %s%s", json_type(v), "");
        } else {
            return fail(cfg, path, "unknown key: a preprocessing node takes %s, range, delay, stride%s",
                        kind_key, "");
        }
    }
    lacus_error err = {0};
    lacus_prep *q = NULL;
    if (lacus_prep_create(p, &q, &err)) return fail(cfg, where, "%s%s", err.msg, "");
    lacus_prep_free(q);
    return 0;
}

static int read_online(cli_config *cfg, const cJSON *obj, const char *where, const char *const *skip,
                       lacus_online_params *p, opt_list *target)
{
    *p = lacus_online_params_default();
    const cJSON *v;
    char path[256];
    cJSON_ArrayForEach(v, obj) {
        snprintf(path, sizeof path, "%s.%s", where, v->string);
        if (v->string[0] == '_' || in_list(skip, v->string)) continue;
        if (!strcmp(v->string, "method")) {
            if (!cJSON_IsString(v) || (strcmp(v->valuestring, "rls") && strcmp(v->valuestring, "lms")))
                return fail(cfg, path, "expected \"rls\" or \"lms\"%s%s", "", "");
            p->method = strcmp(v->valuestring, "rls") ? LACUS_ONLINE_LMS : LACUS_ONLINE_RLS;
        } else if (!strcmp(v->string, "alpha") || !strcmp(v->string, "forgetting")) {
            if (!cJSON_IsNumber(v)) return fail(cfg, path, "expected a number, got %s%s", json_type(v), "");
            *(v->string[0] == 'a' ? &p->alpha : &p->forgetting) = v->valuedouble;
        } else if (!strcmp(v->string, "fit_bias")) {
            if (!cJSON_IsBool(v)) return fail(cfg, path, "expected true or false, got %s%s", json_type(v), "");
            p->fit_bias = cJSON_IsTrue(v);
        } else if (!strcmp(v->string, "target")) {
            if (read_paths(cfg, v, path, target)) return -1;
        } else {
            return fail(cfg, path, "unknown key: an online node takes method, alpha, forgetting, "
                        "fit_bias, target%s%s", "", "");
        }
    }
    if (target->n == 0) return fail(cfg, where, "an online node needs \"target\"%s%s", "", "");
    lacus_online_params q = *p;
    q.n_features = q.n_outputs = 1;
    lacus_error err = {0};
    if (lacus_online_params_check(&q, &err)) return fail(cfg, where, "%s%s", err.msg, "");
    return 0;
}

static int read_graph(cli_config *cfg, const cJSON *root)
{
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    const cJSON *edges = cJSON_GetObjectItemCaseSensitive(root, "edges");
    if (!cJSON_IsArray(nodes) || cJSON_GetArraySize(nodes) < 1)
        return fail(cfg, "nodes", "a graph needs a non-empty array of nodes%s%s", "", "");
    if (cJSON_GetArraySize(nodes) > CLI_CONFIG_MAX_LAYERS)
        return fail(cfg, "nodes", "more than 256 nodes%s%s", "", "");
    if (!cJSON_IsArray(edges))
        return fail(cfg, "edges", "a graph needs an array of edges%s%s", "", "");
    if (cJSON_GetArraySize(edges) > CLI_CONFIG_MAX_EDGES)
        return fail(cfg, "edges", "more than 1024 edges%s%s", "", "");
    const cJSON *nd;
    cJSON_ArrayForEach(nd, nodes) {
        int k = cfg->n_nodes;
        char where[32];
        snprintf(where, sizeof where, "nodes[%d]", k);
        if (!cJSON_IsObject(nd)) return fail(cfg, where, "expected an object%s%s", "", "");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(nd, "name");
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(nd, "kind");
        if (!cJSON_IsString(name) || !name->valuestring[0])
            return fail(cfg, where, "\"name\" is missing or not a string%s%s", "", "");
        for (int j = 0; j < k; j++)
            if (!strcmp(cfg->node_name[j], name->valuestring))
                return fail(cfg, where, "a node named \"%s\" exists already%s", name->valuestring, "");
        if (!cJSON_IsString(kind))
            return fail(cfg, where, "\"kind\" is missing: input, reservoir, ridge, prep or online%s%s", "", "");
        cfg->node_name[k] = name->valuestring;
        cfg->node_kind[k] = kind->valuestring;
        cfg->layer[k] = cfg->esn;
        cfg->layer_target[k].n = 0;
        const cJSON *feat = cJSON_GetObjectItemCaseSensitive(nd, "features");
        if (!strcmp(kind->valuestring, "input")) {
            if (!cli_json_integer(feat, &cfg->node_features[k]) || cfg->node_features[k] < 1)
                return fail(cfg, where, "an input node needs \"features\", an integer >= 1%s%s", "", "");
            const cJSON *v;
            cJSON_ArrayForEach(v, nd) if (!in_list(node_meta, v->string) && v->string[0] != '_') {
                char path[256];
                snprintf(path, sizeof path, "%s.%s", where, v->string);
                return fail(cfg, path, "does not apply to an input node%s%s", "", "");
            }
        } else if (!strcmp(kind->valuestring, "reservoir") || !strcmp(kind->valuestring, "ridge")) {
            int ridge = !strcmp(kind->valuestring, "ridge");
            if (feat) return fail(cfg, where, "\"features\" is for input nodes%s%s", "", "");
            if (read_esn_keys(cfg, nd, where, &cfg->layer[k], ridge ? &cfg->layer_target[k] : NULL,
                              node_meta, ridge ? ridge_keys : reservoir_keys, kind->valuestring))
                return -1;
            if (ridge && cfg->layer_target[k].n == 0)
                return fail(cfg, where, "a ridge node needs \"target\"%s%s", "", "");
        } else if (!strcmp(kind->valuestring, "prep")) {
            if (feat) return fail(cfg, where, "\"features\" is for input nodes%s%s", "", "");
            if (read_prep(cfg, nd, where, "prep", node_meta, 0, &cfg->node_prep[k])) return -1;
        } else if (!strcmp(kind->valuestring, "online")) {
            if (feat) return fail(cfg, where, "\"features\" is for input nodes%s%s", "", "");
            if (read_online(cfg, nd, where, node_meta, &cfg->node_online[k], &cfg->layer_target[k])) return -1;
        } else {
            return fail(cfg, where, "kind \"%s\": expected input, reservoir, ridge, prep or online%s",
                        kind->valuestring, "");
        }
        cfg->n_nodes++;
    }
    const cJSON *ed;
    cJSON_ArrayForEach(ed, edges) {
        int k = cfg->n_edges;
        char where[32];
        snprintf(where, sizeof where, "edges[%d]", k);
        int n = cJSON_IsArray(ed) ? cJSON_GetArraySize(ed) : 0;
        const cJSON *a = cJSON_GetArrayItem(ed, 0), *b = cJSON_GetArrayItem(ed, 1),
                    *d = cJSON_GetArrayItem(ed, 2);
        int64_t delay = 0;
        if ((n != 2 && n != 3) || !cJSON_IsString(a) || !cJSON_IsString(b) ||
            (d && (!cli_json_integer(d, &delay) || delay < 0)))
            return fail(cfg, where, "expected [from, to] or [from, to, delay >= 0]%s%s", "", "");
        int found_a = 0, found_b = 0;
        for (int j = 0; j < cfg->n_nodes; j++) {
            found_a |= !strcmp(cfg->node_name[j], a->valuestring);
            found_b |= !strcmp(cfg->node_name[j], b->valuestring);
        }
        if (!found_a || !found_b)
            return fail(cfg, where, "no node named \"%s\"%s", found_a ? b->valuestring : a->valuestring, "");
        cfg->edge_from[k] = a->valuestring;
        cfg->edge_to[k] = b->valuestring;
        cfg->edge_delay[k] = delay;
        cfg->n_edges++;
    }
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "warmup");
    cfg->warmup = 0;
    if (w && (!cli_json_integer(w, &cfg->warmup) || cfg->warmup < 0))
        return fail(cfg, "warmup", "expected an integer >= 0%s%s", "", "");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "input");
    if (cJSON_IsObject(in)) {
        cfg->input_by_name = 1;
        const cJSON *v;
        cJSON_ArrayForEach(v, in) {
            int j = 0;
            while (j < cfg->n_nodes && strcmp(cfg->node_name[j], v->string)) j++;
            char path[256];
            snprintf(path, sizeof path, "input.%s", v->string);
            if (j == cfg->n_nodes) return fail(cfg, path, "no node of that name%s%s", "", "");
            if (read_paths(cfg, v, path, &cfg->node_input[j])) return -1;
        }
    }
    return 0;
}

/* "dist": {"solve", "rank_mem_mb", "block", "rows"}; their ranges are
 * checked by fit_dist_set, as for the command-line options. */
static int read_dist(cli_config *cfg, const cJSON *d)
{
    cfg->dist_solve = "auto";
    cfg->rank_mem_mb = 0.0;
    cfg->dist_block = cfg->dist_rows = 0;
    if (!d) return 0;
    if (!cJSON_IsObject(d)) return fail(cfg, "dist", "expected an object, got %s%s", json_type(d), "");
    const cJSON *v;
    cJSON_ArrayForEach(v, d) {
        if (!strcmp(v->string, "solve")) {
            if (!cJSON_IsString(v)) return fail(cfg, "dist.solve", "expected a string%s%s", "", "");
            cfg->dist_solve = v->valuestring;
        } else if (!strcmp(v->string, "rank_mem_mb") || !strcmp(v->string, "block") ||
                   !strcmp(v->string, "rows")) {
            int mem = !strcmp(v->string, "rank_mem_mb");
            if (!cJSON_IsNumber(v) || (!mem && (v->valuedouble != floor(v->valuedouble) ||
                                                fabs(v->valuedouble) > 1e9)))
                return fail(cfg, v->string, "dist: expected %s%s", mem ? "a number" : "an integer", "");
            if (mem) cfg->rank_mem_mb = v->valuedouble;
            else if (!strcmp(v->string, "block")) cfg->dist_block = (int64_t)v->valuedouble;
            else cfg->dist_rows = (int64_t)v->valuedouble;
        } else if (v->string[0] != '_') {
            return fail(cfg, v->string, "dist: unknown key (solve, rank_mem_mb, block, rows)%s%s", "", "");
        }
    }
    return 0;
}

/* "nvar" (model "nvar"): the options of lacus fit --model nvar, from the
 * same table (NVAR_OPTS); their values are checked by nvar_opts_resolve. */
static int read_nvar(cli_config *cfg, const cJSON *obj)
{
    cfg->nvar = nvar_opts_default();
    if (!obj) return 0;
    if (!cJSON_IsObject(obj)) return fail(cfg, "nvar", "expected an object, got %s%s", json_type(obj), "");
    opt table[] = {NVAR_OPTS(cfg->nvar)};
    const cJSON *v;
    cJSON_ArrayForEach(v, obj) {
        char path[256], name[64];
        snprintf(path, sizeof path, "nvar.%s", v->string);
        if (v->string[0] == '_') continue;
        normalise(v->string, name, sizeof name);
        const opt *op = NULL;
        for (size_t i = 0; i < sizeof table / sizeof *table; i++)
            if (!strcmp(table[i].name, name)) op = &table[i];
        if (!op)
            return fail(cfg, path, "unknown key: an NVAR forecaster takes delay, order, strides, "
                        "predicts, ridge, readout_bias, solver, warmup%s%s", "", "");
        if (set_opt(cfg, op, v, path)) return -1;
    }
    return 0;
}

static int read_top(cli_config *cfg, const cJSON *root)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, root) {
        int known = v->string[0] == '_';
        for (size_t i = 0; i < sizeof top_keys / sizeof *top_keys; i++)
            known |= !strcmp(v->string, top_keys[i][0]);
        if (!known) return fail(cfg, v->string, "unknown key%s%s (lacus fit --config-reference lists them)", "", "");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    cfg->is_stack = cfg->is_graph = cfg->is_nvar = 0;
    if (model) {
        if (!cJSON_IsString(model) || (strcmp(model->valuestring, "esn") != 0 &&
                                        strcmp(model->valuestring, "stack") != 0 &&
                                        strcmp(model->valuestring, "graph") != 0 &&
                                        strcmp(model->valuestring, "nvar") != 0))
            return fail(cfg, "model", "expected \"esn\", \"stack\", \"graph\" or \"nvar\"%s%s", "", "");
        cfg->is_stack = !strcmp(model->valuestring, "stack");
        cfg->is_graph = !strcmp(model->valuestring, "graph");
        cfg->is_nvar = !strcmp(model->valuestring, "nvar");
    }
    const cJSON *nv = cJSON_GetObjectItemCaseSensitive(root, "nvar");
    if (nv && !cfg->is_nvar) return fail(cfg, "nvar", "only for \"model\": \"nvar\"%s%s", "", "");
    static const char *const graph_only[] = {"nodes", "edges", "warmup", NULL};
    for (const char *const *k = graph_only; *k && !cfg->is_graph; k++)
        if (cJSON_GetObjectItemCaseSensitive(root, *k))
            return fail(cfg, *k, "only for \"model\": \"graph\"%s%s",
                        cfg->is_nvar && !strcmp(*k, "warmup") ? " (an NVAR model's is nvar.warmup)" : "", "");
    if (cfg->is_nvar) {
        static const char *const not_nvar[] = {"esn", "layers", "teacher_inputs", "parallel_layers",
                                               "preprocess", NULL};
        for (const char *const *k = not_nvar; *k; k++)
            if (cJSON_GetObjectItemCaseSensitive(root, *k))
                return fail(cfg, *k, "not for \"model\": \"nvar\" (its options go in \"nvar\")%s%s",
                            "", "");
        if (read_nvar(cfg, nv)) return -1;
        const cJSON *tg = cJSON_GetObjectItemCaseSensitive(root, "target");
        if (tg && read_paths(cfg, tg, "target", &cfg->target)) return -1;
    }
    cfg->esn = esn_opts_default();
    const cJSON *esn = cJSON_GetObjectItemCaseSensitive(root, "esn");
    if (esn && read_esn(cfg, esn, "esn", &cfg->esn, NULL)) return -1;
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "input");
    if (!in) return fail(cfg, "input", "missing: the input files are required%s%s", "", "");
    if (!(cfg->is_graph && cJSON_IsObject(in)) && read_paths(cfg, in, "input", &cfg->input)) return -1;
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(root, "output");
    cfg->output = "model.npz";
    if (out) {
        if (!cJSON_IsString(out) || !out->valuestring[0])
            return fail(cfg, "output", "expected a file name%s%s", "", "");
        if (!(cfg->output = resolve_path(cfg, out->valuestring))) return cli_error("out of memory"), -1;
    }
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(root, "threads");
    cfg->threads = 0;
    if (th) {
        if (!cJSON_IsNumber(th) || th->valuedouble < 0 || th->valuedouble > 4096)
            return fail(cfg, "threads", "expected an integer in 0 .. 4096%s%s", "", "");
        cfg->threads = (int)th->valuedouble;
    }
    if (read_dist(cfg, cJSON_GetObjectItemCaseSensitive(root, "dist"))) return -1;
    if (cfg->is_nvar) return 0;
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "preprocess");
    if (pre && cfg->is_graph)
        return fail(cfg, "preprocess", "not for a graph: add a node of kind \"prep\"%s%s", "", "");
    if (pre && read_prep(cfg, pre, "preprocess", "kind", NULL, 1, &cfg->prep)) return -1;
    cfg->has_prep = pre != NULL;
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(root, "target");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    const cJSON *teach = cJSON_GetObjectItemCaseSensitive(root, "teacher_inputs");
    const cJSON *par = cJSON_GetObjectItemCaseSensitive(root, "parallel_layers");
    if (cfg->is_graph) {
        if (tg || layers || teach || par)
            return fail(cfg, tg ? "target" : layers ? "layers" : teach ? "teacher_inputs" : "parallel_layers",
                        "not for a graph (targets go in the ridge nodes)%s%s", "", "");
        return read_graph(cfg, root);
    }
    if (!cfg->is_stack) {
        if (layers || teach || par)
            return fail(cfg, layers ? "layers" : teach ? "teacher_inputs" : "parallel_layers",
                        "only for \"model\": \"stack\"%s%s", "", "");
        if (!tg) return fail(cfg, "target", "missing: the target files are required%s%s", "", "");
        return read_paths(cfg, tg, "target", &cfg->target);
    }
    if (tg) return fail(cfg, "target", "a stack takes one \"target\" per layer, inside \"layers\"%s%s", "", "");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 1)
        return fail(cfg, "layers", "a stack needs a non-empty array of layers%s%s", "", "");
    if (cJSON_GetArraySize(layers) > CLI_CONFIG_MAX_LAYERS)
        return fail(cfg, "layers", "more than 256 layers%s%s", "", "");
    if (teach && !cJSON_IsBool(teach))
        return fail(cfg, "teacher_inputs", "expected true or false, got %s%s", json_type(teach), "");
    cfg->teacher_inputs = cJSON_IsTrue(teach);
    cfg->parallel_layers = 1;
    if (par) {
        if (!cJSON_IsNumber(par) || par->valuedouble < 0 || par->valuedouble > 4096 ||
            par->valuedouble != (int)par->valuedouble)
            return fail(cfg, "parallel_layers", "expected an integer in 0 .. 4096%s%s", "", "");
        cfg->parallel_layers = (int)par->valuedouble;
    }
    cfg->n_layers = 0;
    const cJSON *lay;
    cJSON_ArrayForEach(lay, layers) {
        char where[32];
        snprintf(where, sizeof where, "layers[%d]", cfg->n_layers);
        cfg->layer[cfg->n_layers] = cfg->esn;
        opt_list *t = &cfg->layer_target[cfg->n_layers];
        t->n = 0;
        if (read_esn(cfg, lay, where, &cfg->layer[cfg->n_layers], t)) return -1;
        if (t->n == 0) return fail(cfg, where, "missing \"target\"%s%s", "", "");
        cfg->n_layers++;
    }
    return 0;
}

int cli_config_load(const char *path, cli_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("cannot open config '%s': %s", path, strerror(errno)), 1;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *g = (cap < (1u << 26)) ? realloc(buf, cap *= 2) : NULL;
        if (!g) free(buf);
        buf = g;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return cli_error("%s: %s", path, bad ? "read error" : "out of memory or larger than 64 MB"), 1;
    }
    buf[n] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(buf, &end, 1);
    if (!root || !cJSON_IsObject(root)) {
        int line, col;
        locate(buf, root ? buf : cJSON_GetErrorPtr(), &line, &col);
        if (root) cli_error("%s: the config must be a JSON object", path);
        else cli_error("%s: line %d, column %d: invalid JSON", path, line, col);
        cJSON_Delete(root);
        free(buf);
        return 2;
    }
    free(buf);
    const char *slash = strrchr(path, '/');
    snprintf(cfg->dir, sizeof cfg->dir, "%.*s", slash ? (int)(slash - path) : 0, path);
    cfg->json = root;
    if (read_top(cfg, root)) {
        cli_config_free(cfg);
        return 2;
    }
    return 0;
}

void cli_config_free(cli_config *cfg)
{
    cJSON_Delete(cfg->json);
    memset(cfg, 0, sizeof *cfg);
}

/* One row of the reference: key (with '_'), type, default, help. */
static void print_row(const opt *o)
{
    char name[64];
    snprintf(name, sizeof name, "%s", o->name);
    for (char *c = name; *c; c++)
        if (*c == '-') *c = '_';
    printf("| `%s` | ", name);
    switch (o->type) {
    case OPT_INT: printf("integer | %lld", (long long)*(int64_t *)o->dest); break;
    case OPT_DOUBLE: printf("number | %g", *(double *)o->dest); break;
    case OPT_STRING: printf("string | \"%s\"", *(const char **)o->dest); break;
    case OPT_FLAG: printf("boolean | %s", *(int *)o->dest ? "true" : "false"); break;
    case OPT_LIST: printf("list | -"); break;
    }
    printf(" | ");
    for (const char *h = o->help; *h; h++) printf(*h == '|' ? "\\|" : "%c", *h);
    printf(" |\n");
}

void cli_config_reference(void)
{
    printf("# Config reference (lacus fit CONFIG.json)\n\n"
           "Top-level keys (keys starting with \"_\" are comments and ignored):\n\n"
           "| key | meaning |\n|---|---|\n");
    for (size_t i = 0; i < sizeof top_keys / sizeof *top_keys; i++)
        printf("| `%s` | %s |\n", top_keys[i][0], top_keys[i][1]);
    printf("\nKeys of \"esn\" and of each entry of \"layers\" (`-` and `_` are "
           "interchangeable; the same options as `lacus fit --help`):\n\n"
           "| key | type | default | meaning |\n|---|---|---|---|\n");
    esn_cli_opts d = esn_opts_default();
    opt table[] = {ESN_OPTS(d)};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(table[i].name, "threads")) print_row(&table[i]);
    printf("\nKeys of \"nvar\" (`\"model\": \"nvar\"`; the options of `lacus fit --model nvar "
           "--help`):\n\n| key | type | default | meaning |\n|---|---|---|---|\n");
    nvar_cli_opts nd = nvar_opts_default();
    opt ntable[] = {NVAR_OPTS(nd)};
    for (size_t i = 0; i < sizeof ntable / sizeof *ntable; i++)
        print_row(&ntable[i]);
}
