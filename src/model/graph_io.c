/* Graph model files: an .npz with each node's arrays under "node<id>/"
 * (a reservoir's W, Win as CSR, bias, lr; a ridge's Wout, bout) and a
 * manifest of kind "graph": the nodes (kind, name, width, hyperparameters,
 * in the same JSON form as ESN files) and the edges as [from, to, delay]. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "model/esn.h"
#include "model/graph.h"
#include "model/model_file.h"

static const char *const kind_names[] = {"input", "reservoir", "ridge"};

static cJSON *manifest(const lacus_graph *g)
{
    cJSON *man = lacus__manifest_new("graph"), *nodes = cJSON_CreateArray(), *edges = cJSON_CreateArray();
    if (!man || !nodes || !edges) {
        cJSON_Delete(man); cJSON_Delete(nodes); cJSON_Delete(edges);
        return NULL;
    }
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
        if (!cJSON_IsString(kind) || !cJSON_IsString(name) || !cJSON_IsNumber(width) ||
            !cJSON_IsNumber(inw))
            return bad(err, path, "a node lacks kind, name, width or in_width", i);
        int64_t id = -1;
        lacus_status st;
        if (!strcmp(kind->valuestring, "input")) {
            st = lacus_graph_add_input(g, name->valuestring, (int64_t)width->valuedouble, &id);
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
        } else {
            return bad(err, path, "unknown node kind", i);
        }
        if (st) {
            *err = g->err;
            lacus__prefix(err, "%s: node %lld: ", path, i);
            return LACUS_ERR_FORMAT;
        }
        g->nodes[id].in_width = (int64_t)inw->valuedouble;
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
static lacus_status load_nodes(lacus_graph *g, const char *path, lacus_npz *z, lacus_error *err)
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
    if (!cJSON_IsArray(nodes) || !cJSON_IsArray(edges)) {
        st = bad(err, path, "\"nodes\" or \"edges\" is missing", 0);
    } else if (!(st = lacus_graph_create(&g, err)) && !(st = add_nodes(g, path, nodes, err)) &&
               !(st = add_edges(g, path, edges, err)) && !(st = load_nodes(g, path, z, err))) {
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
