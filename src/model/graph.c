/* Model graphs, building side: nodes, edges, the topological order, the
 * graph's inputs, initialisation of the reservoirs and readouts once widths
 * are known, and ready-made deep ESNs. Fit and run are in graph_run.c. */
#include "model/graph.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

lacus_status lacus_graph_create(lacus_graph **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "out is NULL");
    *out = LACUS__ZNEW(lacus_graph, 1);
    return *out ? LACUS_OK : lacus__fail(err, LACUS_ERR_NOMEM, "out of memory for a graph");
}

void lacus_graph_free(lacus_graph *g)
{
    if (!g) return;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        lacus__free(g->nodes[i].name);
        lacus__free((void *)g->nodes[i].rp.lr_per_unit);
        lacus_reservoir_free(g->nodes[i].res);
        lacus_ridge_free(g->nodes[i].ridge);
        lacus_prep_free(g->nodes[i].prep);
        lacus_online_free(g->nodes[i].online);
    }
    lacus__free(g->nodes);
    lacus__free(g->edges);
    lacus__free(g);
}

const char *lacus_graph_errmsg(const lacus_graph *g) { return g ? g->err.msg : "NULL graph"; }
int64_t lacus_graph_n_nodes(const lacus_graph *g) { return g->n_nodes; }

static int valid(const lacus_graph *g, int64_t id) { return id >= 0 && id < g->n_nodes; }

lacus_node_kind lacus_graph_node_kind(const lacus_graph *g, int64_t id)
{
    return valid(g, id) ? g->nodes[id].kind : LACUS_NODE_INPUT;
}
const char *lacus_graph_node_name(const lacus_graph *g, int64_t id)
{
    return valid(g, id) ? g->nodes[id].name : NULL;
}
int64_t lacus_graph_node_width(const lacus_graph *g, int64_t id)
{
    return valid(g, id) ? g->nodes[id].width : 0;
}
int64_t lacus_graph_node_in_width(const lacus_graph *g, int64_t id)
{
    return valid(g, id) && g->initialized ? g->nodes[id].in_width : 0;
}
lacus_reservoir *lacus_graph_reservoir(lacus_graph *g, int64_t id)
{
    return valid(g, id) ? g->nodes[id].res : NULL;
}
lacus_ridge *lacus_graph_ridge(lacus_graph *g, int64_t id)
{
    return valid(g, id) ? g->nodes[id].ridge : NULL;
}
lacus_prep *lacus_graph_prep(lacus_graph *g, int64_t id)
{
    return valid(g, id) ? g->nodes[id].prep : NULL;
}
lacus_online *lacus_graph_online(lacus_graph *g, int64_t id)
{
    return valid(g, id) ? g->nodes[id].online : NULL;
}

int64_t lacus__graph_ext_width(const lacus_graph *g, int64_t c)
{
    int64_t w = g->nodes[c].in_width;
    for (int64_t e = 0; e < g->n_edges; e++)
        if (g->edges[e].to == c) w -= g->nodes[g->edges[e].from].width;
    return w;
}

int64_t lacus_graph_find(const lacus_graph *g, const char *name)
{
    for (int64_t i = 0; name && i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].name, name)) return i;
    return -1;
}

void lacus__graph_mark_inputs(lacus_graph *g)
{
    for (int64_t i = 0; i < g->n_nodes; i++) g->nodes[i].is_input = 1;
    for (int64_t e = 0; e < g->n_edges; e++)
        if (g->edges[e].delay == 0) g->nodes[g->edges[e].to].is_input = 0;
}

int64_t lacus_graph_inputs(const lacus_graph *g, int64_t *ids, int64_t max_ids)
{
    int64_t n = 0;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].is_input) {
            if (ids && n < max_ids) ids[n] = i;
            n++;
        }
    return n;
}

int64_t lacus_graph_readouts(const lacus_graph *g, int64_t *ids, int64_t max_ids)
{
    int64_t n = 0;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (lacus__graph_trained(g->nodes[i].kind)) {
            if (ids && n < max_ids) ids[n] = i;
            n++;
        }
    return n;
}

static lacus_status add_node(lacus_graph *g, lacus_node_kind kind, const char *name,
                             int64_t width, int64_t *id)
{
    if (g->initialized)
        return lacus__fail(&g->err, LACUS_ERR_STATE, "the graph is initialized: no new nodes");
    static const char *const prefix[] = {"input", "reservoir", "ridge", "prep", "online"};
    char auto_name[48];
    if (!name) {
        snprintf(auto_name, sizeof auto_name, "%s%lld", prefix[kind], (long long)g->n_nodes);
        name = auto_name;
    }
    if (!*name || strlen(name) > 200 || strpbrk(name, "/\\\"") )
        return lacus__fail(&g->err, LACUS_ERR_ARG,
                           "node name \"%.60s\": must be 1-200 characters without / \\ or \"",
                           name);
    if (lacus_graph_find(g, name) >= 0)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "a node named \"%s\" exists already", name);
    if (g->n_nodes == g->cap_nodes) {
        int64_t cap = g->cap_nodes ? 2 * g->cap_nodes : 8;
        lacus__node *n = lacus__realloc(g->nodes, (size_t)cap * sizeof *n);
        if (!n) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory adding a node");
        g->nodes = n;
        g->cap_nodes = cap;
    }
    lacus__node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    if (!(n->name = lacus__strdup(name)))
        return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory adding a node");
    n->kind = kind;
    n->width = width;
    n->is_input = 1;
    *id = g->n_nodes++;
    return LACUS_OK;
}

lacus_status lacus_graph_add_input(lacus_graph *g, const char *name, int64_t n_features,
                                   int64_t *id)
{
    if (n_features < 1 || n_features > 100000000)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "input node: n_features = %lld: must be >= 1",
                           (long long)n_features);
    return add_node(g, LACUS_NODE_INPUT, name, n_features, id);
}

lacus_status lacus_graph_add_reservoir(lacus_graph *g, const char *name,
                                       const lacus_reservoir_params *p, int64_t *id)
{
    if (!p) return lacus__fail(&g->err, LACUS_ERR_ARG, "reservoir params are NULL");
    /* The widths are checked now, the rest when the reservoir is created. */
    lacus_reservoir_params q = *p;
    q.n_inputs = 1;
    lacus_status st = lacus_reservoir_params_check(&q, &g->err);
    if (st) return st;
    if (p->input_scaling_per_input)
        return lacus__fail(&g->err, LACUS_ERR_UNSUPPORTED,
                           "reservoir \"%s\": input_scaling_per_input is not supported in a graph "
                           "(its input width comes from the edges)", name ? name : "");
    double *lr = NULL;
    if (p->lr_per_unit) {
        if (!(lr = LACUS__NEW(double, p->n_units)))
            return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
        memcpy(lr, p->lr_per_unit, (size_t)p->n_units * sizeof *lr);
    }
    if ((st = add_node(g, LACUS_NODE_RESERVOIR, name, p->n_units, id))) {
        lacus__free(lr);
        return st;
    }
    q = *p;
    q.lr_per_unit = lr;
    g->nodes[*id].rp = q;
    return LACUS_OK;
}

lacus_status lacus_graph_add_ridge(lacus_graph *g, const char *name, const lacus_ridge_params *p,
                                   int64_t *id)
{
    if (!p) return lacus__fail(&g->err, LACUS_ERR_ARG, "ridge params are NULL");
    if (p->n_outputs < 1 || p->n_outputs > 100000000)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "ridge node: n_outputs = %lld: must be >= 1",
                           (long long)p->n_outputs);
    if (!(p->ridge >= 0.0 && p->ridge < 1e300))
        return lacus__fail(&g->err, LACUS_ERR_ARG, "ridge = %g: must be finite and >= 0", p->ridge);
    lacus_status st = add_node(g, LACUS_NODE_RIDGE, name, p->n_outputs, id);
    if (!st) g->nodes[*id].dp = *p;
    return st;
}

lacus_status lacus_graph_add_prep(lacus_graph *g, const char *name, const lacus_prep_params *p,
                                  int64_t *id)
{
    if (!p) return lacus__fail(&g->err, LACUS_ERR_ARG, "prep params are NULL");
    if (p->kind == LACUS_PREP_ONEHOT)
        return lacus__fail(&g->err, LACUS_ERR_UNSUPPORTED,
                           "prep node: onehot is not supported in a graph (its width depends on "
                           "the data): encode the labels beforehand (lacus prep)");
    if (p->kind == LACUS_PREP_DELAY && p->delay_drop)
        return lacus__fail(&g->err, LACUS_ERR_UNSUPPORTED,
                           "prep node: delay_drop would shorten the sequences; a graph keeps "
                           "every step (use delay_drop = 0: zeros before the start)");
    lacus_prep *q = NULL;
    lacus_status st = lacus_prep_create(p, &q, &g->err);
    if (st) return st;
    if ((st = add_node(g, LACUS_NODE_PREP, name, 0, id))) {
        lacus_prep_free(q);
        return st;
    }
    g->nodes[*id].pp = *p;
    g->nodes[*id].prep = q;
    return LACUS_OK;
}

lacus_status lacus_graph_add_online(lacus_graph *g, const char *name,
                                    const lacus_online_params *p, int64_t *id)
{
    if (!p) return lacus__fail(&g->err, LACUS_ERR_ARG, "online params are NULL");
    lacus_online_params q = *p;
    q.n_features = 1; /* the edges decide it */
    lacus_status st = lacus_online_params_check(&q, &g->err);
    if (st) return st;
    if ((st = add_node(g, LACUS_NODE_ONLINE, name, p->n_outputs, id))) return st;
    g->nodes[*id].op = q;
    return LACUS_OK;
}

lacus_status lacus_graph_connect(lacus_graph *g, int64_t from, int64_t to, int64_t delay)
{
    if (g->initialized)
        return lacus__fail(&g->err, LACUS_ERR_STATE, "the graph is initialized: no new edges");
    if (!valid(g, from) || !valid(g, to))
        return lacus__fail(&g->err, LACUS_ERR_ARG, "edge %lld -> %lld: no such node (%lld nodes)",
                           (long long)from, (long long)to, (long long)g->n_nodes);
    if (delay < 0 || delay > 1000000)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "edge %s -> %s: delay = %lld: must be 0 .. 1e6",
                           g->nodes[from].name, g->nodes[to].name, (long long)delay);
    if (g->nodes[to].kind == LACUS_NODE_INPUT)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "edge %s -> %s: an input node has no parents",
                           g->nodes[from].name, g->nodes[to].name);
    if (from == to && delay == 0)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "edge %s -> %s: a delay-0 self-loop",
                           g->nodes[from].name, g->nodes[to].name);
    for (int64_t e = 0; e < g->n_edges; e++)
        if (g->edges[e].from == from && g->edges[e].to == to && g->edges[e].delay == delay)
            return lacus__fail(&g->err, LACUS_ERR_ARG, "edge %s -> %s (delay %lld) exists already",
                               g->nodes[from].name, g->nodes[to].name, (long long)delay);
    if (g->n_edges == g->cap_edges) {
        int64_t cap = g->cap_edges ? 2 * g->cap_edges : 8;
        lacus__edge *e = lacus__realloc(g->edges, (size_t)cap * sizeof *e);
        if (!e) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory adding an edge");
        g->edges = e;
        g->cap_edges = cap;
    }
    g->edges[g->n_edges++] = (lacus__edge){from, to, delay};
    lacus__graph_mark_inputs(g);
    return LACUS_OK;
}

lacus_status lacus__graph_order(lacus_graph *g, int skip_ridge_edges, int64_t *order)
{
    int64_t n = g->n_nodes, done = 0;
    int64_t *indeg = LACUS__ZNEW(int64_t, n ? n : 1);
    if (!indeg) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t e = 0; e < g->n_edges; e++) {
        const lacus__edge *ed = &g->edges[e];
        if (ed->delay == 0 && !(skip_ridge_edges && lacus__graph_trained(g->nodes[ed->from].kind)))
            indeg[ed->to]++;
    }
    /* Kahn's algorithm, taking the smallest ready id each time: O(n^2) on
     * graphs of a few dozen nodes. indeg = -1 marks placed nodes. */
    while (done < n) {
        int64_t pick = -1;
        for (int64_t i = 0; i < n && pick < 0; i++)
            if (indeg[i] == 0) pick = i;
        if (pick < 0) break;
        order[done++] = pick;
        indeg[pick] = -1;
        for (int64_t e = 0; e < g->n_edges; e++) {
            const lacus__edge *ed = &g->edges[e];
            if (ed->from == pick && ed->delay == 0 &&
                !(skip_ridge_edges && lacus__graph_trained(g->nodes[ed->from].kind)))
                indeg[ed->to]--;
        }
    }
    lacus__free(indeg);
    if (done < n)
        return lacus__fail(&g->err, LACUS_ERR_ARG,
                           "the graph has a cycle of delay-0 edges: give one of its edges a "
                           "delay (a << b, or a >> k >> b)");
    return LACUS_OK;
}

lacus_status lacus_graph_initialize(lacus_graph *g, const int64_t *input_widths)
{
    if (g->initialized) return lacus__fail(&g->err, LACUS_ERR_STATE, "the graph is initialized already");
    if (g->n_nodes == 0) return lacus__fail(&g->err, LACUS_ERR_STATE, "the graph has no nodes");
    if (lacus_graph_readouts(g, NULL, 0) == 0)
        return lacus__fail(&g->err, LACUS_ERR_STATE, "the graph has no ridge or online node to train");
    int64_t *order = LACUS__NEW(int64_t, g->n_nodes);
    if (!order) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    lacus_status st = lacus__graph_order(g, 0, order);
    lacus__free(order);
    if (st) return st;
    int64_t k = 0;
    int64_t *ext_w = LACUS__ZNEW(int64_t, g->n_nodes);
    if (!ext_w) return lacus__fail(&g->err, LACUS_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < g->n_nodes; i++) {
        lacus__node *n = &g->nodes[i];
        n->in_width = 0;
        if (n->is_input) {
            int64_t w = input_widths ? input_widths[k] : 0;
            if (w < 1 || (n->kind == LACUS_NODE_INPUT && w != n->width)) {
                lacus__free(ext_w);
                return lacus__fail(&g->err, LACUS_ERR_SHAPE,
                                   "graph input %lld (node \"%s\") gets %lld features, expected %lld",
                                   (long long)k, n->name, (long long)w,
                                   (long long)(n->kind == LACUS_NODE_INPUT ? n->width : 1));
            }
            ext_w[i] = w;
            k++;
        }
    }
    /* A prep node's width follows from its input's, which may come from
     * another prep node: sweep until nothing changes (a chain of k prep
     * nodes settles in k + 1 sweeps). A width that never settles depends
     * on itself through a delayed edge. */
    for (int64_t sweep = 0; sweep <= g->n_nodes; sweep++) {
        int changed = 0;
        for (int64_t i = 0; i < g->n_nodes; i++) {
            lacus__node *n = &g->nodes[i];
            if (n->kind != LACUS_NODE_PREP) continue;
            int64_t in = ext_w[i], known = 1;
            for (int64_t e = 0; e < g->n_edges; e++)
                if (g->edges[e].to == i) {
                    int64_t pw = g->nodes[g->edges[e].from].width;
                    if (pw == 0) known = 0;
                    in += pw;
                }
            int64_t w = known ? lacus__prep_width(&n->pp, in) : 0;
            if (w != n->width) {
                n->width = w;
                changed = 1;
            }
        }
        if (!changed) break;
    }
    for (int64_t i = 0; i < g->n_nodes; i++) {
        g->nodes[i].in_width = ext_w[i];
        if (g->nodes[i].kind == LACUS_NODE_PREP && g->nodes[i].width == 0) {
            lacus__free(ext_w);
            return lacus__fail(&g->err, LACUS_ERR_ARG,
                               "prep node \"%s\": its width cannot be settled (it depends on "
                               "itself through its edges)", g->nodes[i].name);
        }
    }
    lacus__free(ext_w);
    for (int64_t e = 0; e < g->n_edges; e++)
        g->nodes[g->edges[e].to].in_width += g->nodes[g->edges[e].from].width;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        lacus__node *n = &g->nodes[i];
        if (n->kind == LACUS_NODE_RESERVOIR) {
            lacus_reservoir_params p = n->rp;
            p.n_inputs = n->in_width;
            st = lacus_reservoir_create(&p, &n->res, &g->err);
        } else if (n->kind == LACUS_NODE_RIDGE) {
            lacus_ridge_params p = n->dp;
            p.n_features = n->in_width;
            st = lacus_ridge_create(&p, &n->ridge, &g->err);
        } else if (n->kind == LACUS_NODE_ONLINE) {
            n->op.n_features = n->in_width;
            st = lacus_online_create(&n->op, &n->online, &g->err);
        }
        if (st) {
            lacus__prefix(&g->err, "node \"%s\": ", n->name);
            return st;
        }
    }
    g->initialized = 1;
    return LACUS_OK;
}

lacus_status lacus_graph_deep_esn(lacus_graph *g, int64_t n_inputs, int64_t n_layers,
                                  const lacus_reservoir_params *layers,
                                  const lacus_ridge_params *readout, int input_to_readout)
{
    if (g->n_nodes)
        return lacus__fail(&g->err, LACUS_ERR_STATE, "lacus_graph_deep_esn needs an empty graph");
    if (n_layers < 1 || !layers || !readout)
        return lacus__fail(&g->err, LACUS_ERR_ARG, "deep ESN: n_layers = %lld, layers or readout NULL",
                           (long long)n_layers);
    int64_t in, prev, id, ro;
    lacus_status st = lacus_graph_add_input(g, "input", n_inputs, &in);
    prev = in;
    for (int64_t l = 0; l < n_layers && !st; l++) {
        char name[32];
        snprintf(name, sizeof name, "layer%lld", (long long)l);
        if (!(st = lacus_graph_add_reservoir(g, name, &layers[l], &id)))
            st = lacus_graph_connect(g, prev, id, 0);
        prev = id;
    }
    if (!st) st = lacus_graph_add_ridge(g, "readout", readout, &ro);
    for (int64_t i = input_to_readout ? 0 : 1; i <= n_layers && !st; i++)
        st = lacus_graph_connect(g, i, ro, 0);
    return st;
}
