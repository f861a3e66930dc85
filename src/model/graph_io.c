/* Graph model files: an .npz with each node's arrays under "node<id>/"
 * (a reservoir's W, Win as CSR, bias, lr; a ridge's Wout, bout; an online
 * node's Wout, bout and, since graph format 2, its training state: P and
 * bias_count for RLS) and a manifest of kind "graph": the nodes (kind, name,
 * width, hyperparameters, in the same JSON form as ESN files) and the edges
 * as [from, to, delay].
 *
 * Graph format versions (manifest key "graph_format", absent = 1):
 *   1  online nodes store W and b only: after a load, online training
 *      restarts from P = I / alpha, s = 0 (files of lacus before 2026-11-23);
 *   2  each online node's manifest entry has "n_steps" and "state" (the
 *      list of its state members: ["P", "bias_count"] for RLS, [] for LMS),
 *      so save -> load -> partial_fit equals partial_fit without the save,
 *      bit for bit.
 * A newer graph format is refused with a message. The common model header
 * (format_version) is unchanged, so lacus builds that predate graph format
 * 2 still load these files and predict exactly (they ignore the state). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"
#include "model/graph.h"
#include "model/model_file.h"
#include "nodes/online_state.h"

#define GRAPH_FORMAT 2

static const char *const kind_names[] = {"input", "reservoir", "ridge", "prep", "online"};

static cJSON *online_json(const lacus_online_params *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "method", p->method == LACUS_ONLINE_LMS ? "lms" : "rls");
    cJSON_AddNumberToObject(o, "alpha", p->alpha);
    cJSON_AddNumberToObject(o, "forgetting", p->forgetting);
    cJSON_AddBoolToObject(o, "fit_bias", p->fit_bias);
    cJSON_AddNumberToObject(o, "n_features", (double)p->n_features);
    cJSON_AddNumberToObject(o, "n_outputs", (double)p->n_outputs);
    return o;
}

/* The state entries of an online node's manifest object (format 2). */
static int online_state_json(cJSON *o, const lacus_online *m, const lacus_online_params *p)
{
    int64_t n_steps = 0;
    lacus__online_get_state(m, NULL, NULL, &n_steps);
    const char *rls[] = {"P", "bias_count"};
    cJSON *st = p->method == LACUS_ONLINE_RLS ? cJSON_CreateStringArray(rls, 2) : cJSON_CreateArray();
    return cJSON_AddNumberToObject(o, "n_steps", (double)n_steps) && st &&
           cJSON_AddItemToObject(o, "state", st);
}

static lacus_status online_parse(const char *path, const cJSON *o, lacus_online_params *p,
                                 lacus_error *err)
{
    *p = lacus_online_params_default();
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "method");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "alpha");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "forgetting");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "fit_bias");
    const cJSON *no = cJSON_GetObjectItemCaseSensitive(o, "n_outputs");
    if (!cJSON_IsString(m) || (strcmp(m->valuestring, "rls") && strcmp(m->valuestring, "lms")) ||
        !cJSON_IsNumber(a) || !cJSON_IsNumber(f) || !cJSON_IsBool(b) ||
        !lacus__json_int(no, 1, LACUS__JSON_INT_MAX, &p->n_outputs))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: an online node lacks method "
                           "(rls or lms), alpha, forgetting, fit_bias or n_outputs", path);
    p->method = strcmp(m->valuestring, "lms") ? LACUS_ONLINE_RLS : LACUS_ONLINE_LMS;
    p->alpha = a->valuedouble;
    p->forgetting = f->valuedouble;
    p->fit_bias = cJSON_IsTrue(b);
    return LACUS_OK;
}

static lacus_status online_write(lacus_npz_writer *w, const char *prefix, const lacus__node *n,
                                 lacus_error *err)
{
    const int64_t F = n->in_width, O = n->width;
    double *W = LACUS__NEW(double, (F + 1) * O);
    if (!W) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    lacus_online_get_weights(n->online, W, W + F * O);
    lacus_ndarray a;
    memset(&a, 0, sizeof a);
    a.dtype = LACUS_F64;
    a.ndim = 2;
    a.shape[0] = F;
    a.shape[1] = O;
    a.data = W;
    char key[64];
    snprintf(key, sizeof key, "%sWout", prefix);
    lacus_status st = lacus_npz_writer_add(w, key, &a, err);
    a.ndim = 1;
    a.shape[0] = O;
    a.data = W + F * O;
    snprintf(key, sizeof key, "%sbout", prefix);
    if (!st) st = lacus_npz_writer_add(w, key, &a, err);
    lacus__free(W);
    if (st || n->op.method != LACUS_ONLINE_RLS) return st;
    /* RLS training state: P (F, F) and the bias count s, as float64 arrays
     * so that they round-trip exactly (a JSON number need not). */
    double *P = LACUS__NEW(double, F * F), s = 0.0;
    if (!P) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for P (%lld x %lld)",
                               (long long)F, (long long)F);
    lacus__online_get_state(n->online, P, &s, NULL);
    a.ndim = 2;
    a.shape[0] = a.shape[1] = F;
    a.data = P;
    snprintf(key, sizeof key, "%sP", prefix);
    st = lacus_npz_writer_add(w, key, &a, err);
    a.ndim = 1;
    a.shape[0] = 1;
    a.data = &s;
    snprintf(key, sizeof key, "%sbias_count", prefix);
    if (!st) st = lacus_npz_writer_add(w, key, &a, err);
    lacus__free(P);
    return st;
}

/* prefix+mname, a float64 (rows, cols) matrix, and prefix+vname, a float64
 * (len,) vector, into *a and *b (the caller frees both); key gets the
 * matrix's full name for later messages. */
static lacus_status read_matrix_vector(const char *path, lacus_npz *z, const char *prefix, const char *mname,
                                       int64_t rows, int64_t cols, const char *vname, int64_t len,
                                       lacus_ndarray *a, lacus_ndarray *b, char key[64], lacus_error *err)
{
    char key2[64];
    snprintf(key, 64, "%s%s", prefix, mname);
    snprintf(key2, sizeof key2, "%s%s", prefix, vname);
    lacus_status st = lacus_npz_read(z, key, a, err);
    if (!st) st = lacus_npz_read(z, key2, b, err);
    if (!st && (a->dtype != LACUS_F64 || a->ndim != 2 || a->shape[0] != rows || a->shape[1] != cols ||
                b->dtype != LACUS_F64 || b->ndim != 1 || b->shape[0] != len))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: %s and %s must be float64 of (%lld, %lld) and (%lld,)", path,
                         key, key2, (long long)rows, (long long)cols, (long long)len);
    return st;
}

static lacus_status online_read(const char *path, lacus_npz *z, const char *prefix, lacus__node *n,
                                lacus_error *err)
{
    const int64_t F = n->in_width, O = n->width;
    lacus_ndarray a = {0}, b = {0};
    char key[64];
    lacus_status st = read_matrix_vector(path, z, prefix, "Wout", F, O, "bout", O, &a, &b, key, err);
    if (!st && lacus_online_set_weights(n->online, a.data, b.data))
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: %s: %s", path, key,
                         lacus_online_errmsg(n->online));
    lacus_ndarray_free(&a);
    lacus_ndarray_free(&b);
    return st;
}

/* The training state of an online node (graph format 2; o is its manifest
 * entry). A format-1 entry has no "state": the node keeps P = I / alpha,
 * s = 0, n_steps = 0, as those files always loaded. */
static lacus_status online_state_read(const char *path, lacus_npz *z, const char *prefix,
                                      const cJSON *o, lacus__node *n, lacus_error *err)
{
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "online");
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(on, "state");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(on, "n_steps");
    if (!state) return LACUS_OK;
    const int rls = n->op.method == LACUS_ONLINE_RLS;
    int64_t n_steps;
    if (!cJSON_IsArray(state) || cJSON_GetArraySize(state) != (rls ? 2 : 0) ||
        !lacus__json_int(ns, 0, LACUS__JSON_INT_MAX, &n_steps))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: online node \"%s\": \"state\" "
                           "must be %s and \"n_steps\" a count", path, n->name,
                           rls ? "[\"P\", \"bias_count\"]" : "[]");
    if (!rls) return lacus__online_set_state(n->online, NULL, 0.0, n_steps, err);
    const int64_t F = n->in_width;
    lacus_ndarray P = {0}, s = {0};
    char key[64];
    lacus_status st = read_matrix_vector(path, z, prefix, "P", F, F, "bias_count", 1, &P, &s, key, err);
    if (!st && (st = lacus__online_set_state(n->online, P.data, ((const double *)s.data)[0],
                                             n_steps, err))) {
        lacus__prefix(err, "%s: %s: ", path, key);
        st = LACUS_ERR_FORMAT;
    }
    lacus_ndarray_free(&P);
    lacus_ndarray_free(&s);
    return st;
}

static cJSON *manifest(const lacus_graph *g)
{
    cJSON *man = lacus__manifest_new("graph"), *nodes = cJSON_CreateArray(), *edges = cJSON_CreateArray();
    if (!man || !nodes || !edges) {
        cJSON_Delete(man); cJSON_Delete(nodes); cJSON_Delete(edges);
        return NULL;
    }
    cJSON_AddNumberToObject(man, "graph_format", GRAPH_FORMAT);
    cJSON_AddItemToObject(man, "nodes", nodes);
    cJSON_AddItemToObject(man, "edges", edges);
    int ok = 1;
    for (int64_t i = 0; i < g->n_nodes && ok; i++) {
        const lacus__node *n = &g->nodes[i];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(nodes, o);
        if (!ok) break;
        cJSON_AddStringToObject(o, "kind", kind_names[n->kind]);
        cJSON_AddStringToObject(o, "name", n->name);
        cJSON_AddNumberToObject(o, "width", (double)n->width);
        cJSON_AddNumberToObject(o, "in_width", (double)n->in_width);
        if (n->kind == LACUS_NODE_RESERVOIR) {
            cJSON *p = lacus__reservoir_json(&n->res->p);
            ok = p && cJSON_AddItemToObject(o, "reservoir", p);
        } else if (n->kind == LACUS_NODE_RIDGE) {
            cJSON *p = lacus__ridge_json(n->ridge);
            ok = p && cJSON_AddItemToObject(o, "readout", p);
        } else if (n->kind == LACUS_NODE_PREP) {
            /* The parameters and statistics are the node's own
             * preprocessing file under node<id>/; the kind is repeated
             * here for readers of the manifest. */
            cJSON *p = cJSON_CreateObject();
            ok = p && cJSON_AddItemToObject(o, "prep", p);
            if (ok) cJSON_AddStringToObject(p, "kind", lacus_prep_kind_name(n->pp.kind));
        } else if (n->kind == LACUS_NODE_ONLINE) {
            cJSON *p = online_json(&n->op);
            ok = p && cJSON_AddItemToObject(o, "online", p) && online_state_json(p, n->online, &n->op);
        }
    }
    for (int64_t e = 0; e < g->n_edges && ok; e++) {
        double v[3] = {(double)g->edges[e].from, (double)g->edges[e].to, (double)g->edges[e].delay};
        cJSON *a = cJSON_CreateDoubleArray(v, 3);
        ok = a && cJSON_AddItemToArray(edges, a);
    }
    if (!ok) {
        cJSON_Delete(man);
        return NULL;
    }
    return man;
}

lacus_status lacus_graph_save(const lacus_graph *g, const char *path, lacus_error *err)
{
    if (!g || !path) return lacus__fail(err, LACUS_ERR_ARG, "graph or path is NULL");
    if (!g->initialized) return lacus__fail(err, LACUS_ERR_STATE, "the graph is not trained: nothing to save");
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].ridge && !g->nodes[i].ridge->solved && !g->nodes[i].ridge->has_weights)
            return lacus__fail(err, LACUS_ERR_STATE, "node \"%s\" is not trained", g->nodes[i].name);
    cJSON *man = manifest(g);
    char *json = man ? cJSON_Print(man) : NULL;
    cJSON_Delete(man);
    if (!json) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory writing the manifest");
    lacus_npz_writer *w = NULL;
    lacus_status st = lacus_npz_writer_open(path, 1, &w, err);
    if (!st) st = lacus_npz_writer_add_bytes(w, "manifest.json", json, strlen(json), err);
    for (int64_t i = 0; i < g->n_nodes && !st; i++) {
        char prefix[40];
        snprintf(prefix, sizeof prefix, "node%lld/", (long long)i);
        if (g->nodes[i].res) st = lacus__reservoir_write(w, prefix, g->nodes[i].res, err);
        else if (g->nodes[i].ridge) st = lacus__ridge_write(w, prefix, g->nodes[i].ridge, err);
        else if (g->nodes[i].prep) st = lacus__prep_write(w, prefix, g->nodes[i].prep, err);
        else if (g->nodes[i].online) st = online_write(w, prefix, &g->nodes[i], err);
    }
    cJSON_free(json);
    if (st) {
        if (w) lacus_npz_writer_abort(w);
        return st;
    }
    return lacus_npz_writer_commit(w, err);
}

static lacus_status bad(lacus_error *err, const char *path, const char *what, long long i)
{
    return lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: %s (entry %lld)", path, what, i);
}

static lacus_status add_nodes(lacus_graph *g, const char *path, const cJSON *nodes, lacus_error *err)
{
    long long i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, nodes) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        const cJSON *width = cJSON_GetObjectItemCaseSensitive(o, "width");
        const cJSON *inw = cJSON_GetObjectItemCaseSensitive(o, "in_width");
        int64_t w, in_w;
        if (!cJSON_IsString(kind) || !cJSON_IsString(name) ||
            !lacus__json_int(width, 0, LACUS__JSON_INT_MAX, &w) ||
            !lacus__json_int(inw, 0, LACUS__JSON_INT_MAX, &in_w))
            return bad(err, path, "a node lacks kind, name, width or in_width (counts)", i);
        int64_t id = -1;
        lacus_status st;
        if (!strcmp(kind->valuestring, "input")) {
            st = lacus_graph_add_input(g, name->valuestring, w, &id);
        } else if (!strcmp(kind->valuestring, "reservoir")) {
            lacus_reservoir_params p;
            if ((st = lacus__reservoir_parse(path, cJSON_GetObjectItemCaseSensitive(o, "reservoir"), &p, err)))
                return st;
            st = lacus_graph_add_reservoir(g, name->valuestring, &p, &id);
            if (!st) g->nodes[id].rp = p;
        } else if (!strcmp(kind->valuestring, "ridge")) {
            lacus_ridge_params p;
            if ((st = lacus__ridge_parse(path, cJSON_GetObjectItemCaseSensitive(o, "readout"), &p, err)))
                return st;
            st = lacus_graph_add_ridge(g, name->valuestring, &p, &id);
        } else if (!strcmp(kind->valuestring, "prep")) {
            /* Parameters come with the node's members (load_nodes). */
            const cJSON *pk = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "prep"), "kind");
            lacus_prep_params p = lacus_prep_params_default();
            if (!cJSON_IsString(pk) || lacus_prep_kind_parse(pk->valuestring, &p.kind))
                return bad(err, path, "a prep node lacks prep.kind", i);
            st = lacus_graph_add_prep(g, name->valuestring, &p, &id);
            if (!st) {
                if (w < 1 || w > 1000000000)
                    return bad(err, path, "a prep node's width is not a count", i);
                g->nodes[id].width = w;
            }
        } else if (!strcmp(kind->valuestring, "online")) {
            lacus_online_params p;
            if ((st = online_parse(path, cJSON_GetObjectItemCaseSensitive(o, "online"), &p, err))) return st;
            st = lacus_graph_add_online(g, name->valuestring, &p, &id);
        } else {
            return bad(err, path, "unknown node kind", i);
        }
        if (st) {
            *err = g->err;
            lacus__prefix(err, "%s: node %lld: ", path, i);
            return LACUS_ERR_FORMAT;
        }
        g->nodes[id].in_width = in_w;
        i++;
    }
    return LACUS_OK;
}

static lacus_status add_edges(lacus_graph *g, const char *path, const cJSON *edges, lacus_error *err)
{
    long long i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, edges) {
        if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 3)
            return bad(err, path, "an edge is not [from, to, delay]", i);
        double v[3];
        for (int k = 0; k < 3; k++) {
            const cJSON *x = cJSON_GetArrayItem(a, k);
            if (!cJSON_IsNumber(x)) return bad(err, path, "an edge entry is not a number", i);
            v[k] = x->valuedouble;
        }
        if (lacus_graph_connect(g, (int64_t)v[0], (int64_t)v[1], (int64_t)v[2])) {
            *err = g->err;
            lacus__prefix(err, "%s: edge %lld: ", path, i);
            return LACUS_ERR_FORMAT;
        }
        i++;
    }
    return LACUS_OK;
}

/* Creates each node's reservoir or readout from the file, checking that
 * the stored input widths agree with the edges. */
static lacus_status load_nodes(lacus_graph *g, const char *path, lacus_npz *z, const cJSON *nodes,
                               lacus_error *err)
{
    int64_t *from_edges = LACUS__ZNEW(int64_t, g->n_nodes);
    if (!from_edges) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t e = 0; e < g->n_edges; e++)
        from_edges[g->edges[e].to] += g->nodes[g->edges[e].from].width;
    lacus_status st = LACUS_OK;
    for (int64_t i = 0; i < g->n_nodes && !st; i++) {
        lacus__node *n = &g->nodes[i];
        int64_t ext = n->in_width - from_edges[i];
        int ok = n->kind == LACUS_NODE_INPUT ? n->in_width == n->width
                 : n->is_input ? ext >= 1 : ext == 0;
        if (!ok) {
            st = bad(err, path, "a node's in_width disagrees with its edges", (long long)i);
            break;
        }
        char prefix[40];
        snprintf(prefix, sizeof prefix, "node%lld/", (long long)i);
        if (n->kind == LACUS_NODE_RESERVOIR) {
            lacus_reservoir_params p = n->rp;
            p.n_inputs = n->in_width;
            if (!(st = lacus__reservoir_create_empty(&p, &n->res, err)))
                st = lacus__reservoir_read(path, z, prefix, n->res, err);
        } else if (n->kind == LACUS_NODE_RIDGE) {
            lacus_ridge_params p = n->dp;
            if (p.n_features != n->in_width) {
                st = bad(err, path, "a readout's n_features disagrees with its in_width", (long long)i);
                break;
            }
            if (p.solver == LACUS_SOLVER_DUAL) p.solver = LACUS_SOLVER_AUTO;
            if (!(st = lacus_ridge_create(&p, &n->ridge, err)))
                st = lacus__ridge_read(path, z, prefix, n->ridge, err);
        } else if (n->kind == LACUS_NODE_PREP) {
            lacus_prep *q = NULL;
            if (!(st = lacus__prep_read(path, z, prefix, &q, err))) {
                int64_t F = q->n_features, want = lacus__prep_width(&q->p, n->in_width);
                if (q->p.kind != n->pp.kind || (q->p.kind != LACUS_PREP_DELAY && F != n->in_width) ||
                    want != n->width || q->p.kind == LACUS_PREP_ONEHOT || q->p.delay_drop) {
                    st = bad(err, path, "a prep node's members disagree with its kind or widths", (long long)i);
                    lacus_prep_free(q);
                } else {
                    lacus_prep_free(n->prep);
                    n->prep = q;
                    n->pp = q->p;
                }
            }
        } else if (n->kind == LACUS_NODE_ONLINE) {
            n->op.n_features = n->in_width;
            if (!(st = lacus_online_create(&n->op, &n->online, err)))
                st = online_read(path, z, prefix, n, err);
            if (!st) st = online_state_read(path, z, prefix, cJSON_GetArrayItem(nodes, (int)i), n, err);
        }
        if (st == LACUS_ERR_ARG) st = LACUS_ERR_FORMAT; /* invalid hyperparameters in the file */
    }
    lacus__free(from_edges);
    return st;
}

lacus_status lacus_graph_load(const char *path, lacus_graph **out, lacus_error *err)
{
    if (!path || !out) return lacus__fail(err, LACUS_ERR_ARG, "path or out is NULL");
    *out = NULL;
    lacus_error local;
    if (!err) err = &local;
    lacus_npz *z = NULL;
    cJSON *man = NULL;
    lacus_status st = lacus__manifest_read(path, "graph", &z, &man, err);
    if (st) return st;
    lacus_graph *g = NULL;
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(man, "nodes");
    const cJSON *edges = cJSON_GetObjectItemCaseSensitive(man, "edges");
    const cJSON *gf = cJSON_GetObjectItemCaseSensitive(man, "graph_format");
    if (gf && (!cJSON_IsNumber(gf) || gf->valuedouble < 1)) {
        st = lacus__fail(err, LACUS_ERR_FORMAT, "%s: manifest.json: \"graph_format\" must be a "
                         "version number >= 1", path);
    } else if (gf && gf->valuedouble > GRAPH_FORMAT) {
        st = lacus__fail(err, LACUS_ERR_UNSUPPORTED, "%s: graph format %g is not supported by lacus "
                         "%s (it reads graph formats 1 to %d): upgrade lacus", path, gf->valuedouble,
                         lacus_version(), GRAPH_FORMAT);
    } else if (!cJSON_IsArray(nodes) || !cJSON_IsArray(edges)) {
        st = bad(err, path, "\"nodes\" or \"edges\" is missing", 0);
    } else if (!(st = lacus_graph_create(&g, err)) && !(st = add_nodes(g, path, nodes, err)) &&
               !(st = add_edges(g, path, edges, err)) && !(st = load_nodes(g, path, z, nodes, err))) {
        g->initialized = 1;
    }
    cJSON_Delete(man);
    lacus_npz_close(z);
    if (st) {
        lacus_graph_free(g);
        return st;
    }
    *out = g;
    return LACUS_OK;
}
