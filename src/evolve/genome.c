/* NEAT genomes: gene storage, the innovation tracker, the compatibility
 * distance in both conventions, and the read-only accessors. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "evolve/neat_int.h"

int lacus__neat_grow(void **ptr, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap) return 0;
    int64_t c = *cap ? *cap : 8;
    while (c < need) c *= 2;
    void *q = lacus__realloc(*ptr, (size_t)c * elem);
    if (!q) return -1;
    *ptr = q;
    *cap = c;
    return 0;
}

/* ---- innovation tracker ------------------------------------------------ */

int64_t lacus__neat_innovation(neat_tracker *t, int64_t in, int64_t out, int kind, int *nomem)
{
    for (int64_t i = 0; i < t->n_recs; i++) {
        const neat_innov_rec *r = &t->recs[i];
        if (r->in == in && r->out == out && r->kind == kind) return r->number;
    }
    if (lacus__neat_grow((void **)&t->recs, &t->cap_recs, t->n_recs + 1, sizeof *t->recs)) {
        *nomem = 1;
        return ++t->next_innovation; /* still unique; only the sharing is lost */
    }
    neat_innov_rec r = {in, out, kind, ++t->next_innovation};
    t->recs[t->n_recs++] = r;
    return r.number;
}

int64_t lacus__neat_split_node(neat_tracker *t, int64_t innovation, int *nomem)
{
    for (int64_t i = 0; i < t->n_splits; i++)
        if (t->splits[i].innovation == innovation) return t->splits[i].node_key;
    if (lacus__neat_grow((void **)&t->splits, &t->cap_splits, t->n_splits + 1, sizeof *t->splits)) {
        *nomem = 1;
        return t->next_node++;
    }
    neat_split_rec r = {innovation, t->next_node++};
    t->splits[t->n_splits++] = r;
    return r.node_key;
}

void lacus__neat_tracker_new_generation(neat_tracker *t)
{
    t->n_recs = 0;
    t->n_splits = 0;
}

void lacus__neat_tracker_free(neat_tracker *t)
{
    lacus__free(t->recs);
    lacus__free(t->splits);
    memset(t, 0, sizeof *t);
}

/* ---- storage ----------------------------------------------------------- */

lacus_neat_genome *lacus__neat_genome_new(int64_t key)
{
    lacus_neat_genome *g = LACUS__ZNEW(lacus_neat_genome, 1);
    if (g) g->key = key;
    return g;
}

void lacus_neat_genome_free(lacus_neat_genome *g)
{
    if (!g) return;
    lacus__free(g->nodes);
    lacus__free(g->conns);
    lacus__free(g);
}

static int64_t node_pos(const lacus_neat_genome *g, int64_t key)
{
    int64_t lo = 0, hi = g->n_nodes;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (g->nodes[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

neat_node *lacus__neat_find_node(const lacus_neat_genome *g, int64_t key)
{
    int64_t i = node_pos(g, key);
    return i < g->n_nodes && g->nodes[i].key == key ? &g->nodes[i] : NULL;
}

static inline neat_conn *find_conn(const lacus_neat_genome *g, int64_t in, int64_t out)
{
    for (int64_t i = 0; i < g->n_conns; i++)
        if (g->conns[i].in == in && g->conns[i].out == out) return &g->conns[i];
    return NULL;
}

neat_conn *lacus__neat_find_conn(const lacus_neat_genome *g, int64_t in, int64_t out)
{
    return find_conn(g, in, out);
}

lacus_status lacus__neat_genome_add_node(lacus_neat_genome *g, const neat_node *n)
{
    if (lacus__neat_grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes))
        return LACUS_ERR_NOMEM;
    int64_t i = node_pos(g, n->key);
    memmove(g->nodes + i + 1, g->nodes + i, (size_t)(g->n_nodes - i) * sizeof *g->nodes);
    g->nodes[i] = *n;
    g->n_nodes++;
    return LACUS_OK;
}

lacus_status lacus__neat_genome_add_conn(lacus_neat_genome *g, const neat_conn *c)
{
    if (lacus__neat_grow((void **)&g->conns, &g->cap_conns, g->n_conns + 1, sizeof *g->conns))
        return LACUS_ERR_NOMEM;
    int64_t i = g->n_conns;
    while (i > 0 && g->conns[i - 1].innovation > c->innovation) i--;
    memmove(g->conns + i + 1, g->conns + i, (size_t)(g->n_conns - i) * sizeof *g->conns);
    g->conns[i] = *c;
    g->n_conns++;
    return LACUS_OK;
}

void lacus__neat_remove_conn_at(lacus_neat_genome *g, int64_t i)
{
    memmove(g->conns + i, g->conns + i + 1, (size_t)(g->n_conns - i - 1) * sizeof *g->conns);
    g->n_conns--;
}

void lacus__neat_remove_node(lacus_neat_genome *g, int64_t key)
{
    int64_t w = 0;
    for (int64_t i = 0; i < g->n_conns; i++)
        if (g->conns[i].in != key && g->conns[i].out != key) g->conns[w++] = g->conns[i];
    g->n_conns = w;
    int64_t i = node_pos(g, key);
    if (i < g->n_nodes && g->nodes[i].key == key) {
        memmove(g->nodes + i, g->nodes + i + 1, (size_t)(g->n_nodes - i - 1) * sizeof *g->nodes);
        g->n_nodes--;
    }
}

/* neat-python's graphs.creates_cycle: would adding in->out close a cycle
 * among the genome's links (enabled or not)? A self-link always does. */
int lacus__neat_creates_cycle(const lacus_neat_genome *g, int64_t in, int64_t out)
{
    if (in == out) return 1;
    /* Reachability from `out` by repeated sweeps; genomes are small. */
    int64_t nv = 1, cap = g->n_nodes + 1;
    int64_t stackbuf[64];
    int64_t *visited = cap <= 64 ? stackbuf : LACUS__NEW(int64_t, cap);
    if (!visited) return 1; /* refuse the link rather than risk a cycle */
    visited[0] = out;
    int res = 0;
    for (;;) {
        int added = 0;
        for (int64_t i = 0; i < g->n_conns && !res; i++) {
            int64_t a = g->conns[i].in, b = g->conns[i].out;
            int a_in = 0, b_in = 0;
            for (int64_t k = 0; k < nv; k++) {
                if (visited[k] == a) a_in = 1;
                if (visited[k] == b) b_in = 1;
            }
            if (a_in && !b_in) {
                if (b == in) res = 1;
                else if (nv < cap) visited[nv++] = b, added = 1;
            }
        }
        if (res || !added) break;
    }
    if (visited != stackbuf) lacus__free(visited);
    return res;
}

/* ---- distance ---------------------------------------------------------- */

static double node_gene_distance(const neat_node *a, const neat_node *b, const lacus_neat_config *c)
{
    double d = fabs(a->bias - b->bias) + fabs(a->response - b->response);
    /* The leak is lacus's extra attribute; like neat-python's time_constant
     * it counts as a plain absolute difference. */
    d += fabs(a->leak - b->leak);
    if (a->activation != b->activation) d += 1.0;
    if (a->aggregation != b->aggregation) d += 1.0;
    return d * c->compatibility_weight_coefficient;
}

/* With bound = INFINITY the exact distance; otherwise, as soon as a lower
 * bound of the distance reaches `bound`, that lower bound (speciation only
 * asks whether a distance beats the threshold or the best so far, so the
 * choices are the same as with exact distances). */
static double distance_neatpy(const lacus_neat_genome *a, const lacus_neat_genome *b,
                              const lacus_neat_config *c, double bound)
{
    double node_d = 0.0, conn_d = 0.0;
    if (a->n_nodes || b->n_nodes) {
        double s = 0.0;
        int64_t disjoint = 0, i = 0, j = 0;
        while (i < a->n_nodes || j < b->n_nodes) { /* both sorted by key */
            if (j >= b->n_nodes || (i < a->n_nodes && a->nodes[i].key < b->nodes[j].key)) {
                disjoint++;
                i++;
            } else if (i >= a->n_nodes || b->nodes[j].key < a->nodes[i].key) {
                disjoint++;
                j++;
            } else {
                s += node_gene_distance(&a->nodes[i], &b->nodes[j], c);
                i++;
                j++;
            }
        }
        int64_t mx = a->n_nodes > b->n_nodes ? a->n_nodes : b->n_nodes;
        node_d = (s + c->compatibility_disjoint_coefficient * (double)disjoint) / (double)mx;
        if (node_d >= bound) return node_d;
    }
    if (a->n_conns || b->n_conns) {
        /* neat-python aligns connection genes on their (in, out) key. Genes
         * with the same key nearly always share their innovation number, so
         * a merge on innovation finds most partners in O(n + m); only the
         * rest are searched by key. */
        double s = 0.0;
        int64_t matched = 0, j = 0;
        const double inv_mx = 1.0 / (double)(a->n_conns > b->n_conns ? a->n_conns : b->n_conns);
        for (int64_t i = 0; i < a->n_conns; i++) {
            if (bound < INFINITY && (i & 3) == 0) {
                /* a's genes without a partner so far are disjoint already */
                double lb = node_d + (s + c->compatibility_disjoint_coefficient * (double)(i - matched)) * inv_mx;
                if (lb >= bound) return lb;
            }
            const neat_conn *x = &a->conns[i], *y = NULL;
            while (j < b->n_conns && b->conns[j].innovation < x->innovation) j++;
            if (j < b->n_conns && b->conns[j].innovation == x->innovation && b->conns[j].in == x->in &&
                b->conns[j].out == x->out)
                y = &b->conns[j];
            else
                y = find_conn(b, x->in, x->out);
            if (!y) continue;
            matched++;
            double d = fabs(x->weight - y->weight) + ((!x->enabled) != (!y->enabled) ? 1.0 : 0.0);
            s += d * c->compatibility_weight_coefficient;
        }
        int64_t disjoint = a->n_conns + b->n_conns - 2 * matched;
        int64_t mx = a->n_conns > b->n_conns ? a->n_conns : b->n_conns;
        conn_d = (s + c->compatibility_disjoint_coefficient * (double)disjoint) / (double)mx;
    }
    return node_d + conn_d;
}

static double distance_paper(const lacus_neat_genome *a, const lacus_neat_genome *b,
                             const lacus_neat_config *c)
{
    if (!a->n_conns && !b->n_conns) return 0.0;
    int64_t max_a = a->n_conns ? a->conns[a->n_conns - 1].innovation : -1;
    int64_t max_b = b->n_conns ? b->conns[b->n_conns - 1].innovation : -1;
    int64_t excess = 0, disjoint = 0, matched = 0, i = 0, j = 0;
    double wsum = 0.0;
    while (i < a->n_conns || j < b->n_conns) { /* both sorted by innovation */
        if (j >= b->n_conns || (i < a->n_conns && a->conns[i].innovation < b->conns[j].innovation)) {
            if (a->conns[i].innovation > max_b) excess++;
            else disjoint++;
            i++;
        } else if (i >= a->n_conns || b->conns[j].innovation < a->conns[i].innovation) {
            if (b->conns[j].innovation > max_a) excess++;
            else disjoint++;
            j++;
        } else {
            wsum += fabs(a->conns[i].weight - b->conns[j].weight);
            matched++;
            i++;
            j++;
        }
    }
    int64_t n = a->n_conns > b->n_conns ? a->n_conns : b->n_conns;
    if (a->n_conns < 20 && b->n_conns < 20) n = 1;
    double c1 = c->compatibility_excess_coefficient < 0 ? c->compatibility_disjoint_coefficient
                                                        : c->compatibility_excess_coefficient;
    double wbar = matched ? wsum / (double)matched : 0.0;
    return c1 * (double)excess / (double)n +
           c->compatibility_disjoint_coefficient * (double)disjoint / (double)n +
           c->compatibility_weight_coefficient * wbar;
}

double lacus_neat_genome_distance(const lacus_neat_genome *a, const lacus_neat_genome *b,
                                  const lacus_neat_config *c)
{
    return c->distance == LACUS_NEAT_DISTANCE_PAPER ? distance_paper(a, b, c)
                                                    : distance_neatpy(a, b, c, INFINITY);
}

double lacus__neat_distance_bounded(const lacus_neat_genome *a, const lacus_neat_genome *b,
                                    const lacus_neat_config *c, double bound)
{
    return c->distance == LACUS_NEAT_DISTANCE_PAPER ? distance_paper(a, b, c)
                                                    : distance_neatpy(a, b, c, bound);
}

/* ---- accessors ---------------------------------------------------------- */

int64_t lacus_neat_genome_key(const lacus_neat_genome *g) { return g->key; }
double lacus_neat_genome_fitness(const lacus_neat_genome *g)
{
    return g->has_fitness ? g->fitness : NAN;
}
int64_t lacus_neat_genome_n_nodes(const lacus_neat_genome *g) { return g->n_nodes; }
int64_t lacus_neat_genome_n_conns(const lacus_neat_genome *g) { return g->n_conns; }
int64_t lacus_neat_genome_n_enabled(const lacus_neat_genome *g)
{
    int64_t n = 0;
    for (int64_t i = 0; i < g->n_conns; i++) n += g->conns[i].enabled != 0;
    return n;
}
lacus_neat_node_gene lacus_neat_genome_node(const lacus_neat_genome *g, int64_t i)
{
    return g->nodes[i];
}
lacus_neat_conn_gene lacus_neat_genome_conn(const lacus_neat_genome *g, int64_t i)
{
    return g->conns[i];
}

lacus_status lacus_neat_genome_copy(const lacus_neat_genome *g, lacus_neat_genome **out,
                                    lacus_error *err)
{
    *out = NULL;
    lacus_neat_genome *h = lacus__neat_genome_new(g->key);
    if (!h) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory copying genome %lld", (long long)g->key);
    h->fitness = g->fitness;
    h->has_fitness = g->has_fitness;
    if ((g->n_nodes && !(h->nodes = LACUS__NEW(neat_node, g->n_nodes))) ||
        (g->n_conns && !(h->conns = LACUS__NEW(neat_conn, g->n_conns)))) {
        lacus_neat_genome_free(h);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory copying genome %lld", (long long)g->key);
    }
    if (g->n_nodes) memcpy(h->nodes, g->nodes, (size_t)g->n_nodes * sizeof *h->nodes);
    if (g->n_conns) memcpy(h->conns, g->conns, (size_t)g->n_conns * sizeof *h->conns);
    h->n_nodes = h->cap_nodes = g->n_nodes;
    h->n_conns = h->cap_conns = g->n_conns;
    *out = h;
    return LACUS_OK;
}

lacus_status lacus_neat_genome_build(const lacus_neat_config *c, const lacus_neat_node_gene *nodes,
                                     int64_t n_nodes, const lacus_neat_conn_gene *conns,
                                     int64_t n_conns, lacus_neat_genome **out, lacus_error *err)
{
    *out = NULL;
    if (n_nodes < 0 || n_conns < 0 || (n_nodes && !nodes) || (n_conns && !conns))
        return lacus__fail(err, LACUS_ERR_ARG, "genome_build: bad counts or NULL arrays");
    lacus_neat_genome *g = lacus__neat_genome_new(0);
    if (!g) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory building a genome");
    lacus_status st = LACUS_OK;
    for (int64_t i = 0; i < n_nodes && !st; i++) {
        const neat_node *n = &nodes[i];
        if (n->key < 0) st = lacus__fail(err, LACUS_ERR_ARG, "node %lld: key %lld < 0 (inputs are not genes)", (long long)i, (long long)n->key);
        else if (lacus__neat_find_node(g, n->key)) st = lacus__fail(err, LACUS_ERR_ARG, "node key %lld repeated", (long long)n->key);
        else if ((unsigned)n->activation >= LACUS_NEAT_ACT_COUNT || (unsigned)n->aggregation >= LACUS_NEAT_AGG_COUNT)
            st = lacus__fail(err, LACUS_ERR_ARG, "node %lld: unknown activation or aggregation", (long long)n->key);
        else if (!isfinite(n->bias) || !isfinite(n->response) || !(n->leak > 0 && n->leak <= 1))
            st = lacus__fail(err, LACUS_ERR_ARG, "node %lld: bias/response not finite or leak outside (0, 1]", (long long)n->key);
        else if (lacus__neat_genome_add_node(g, n)) st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory building a genome");
    }
    for (int64_t i = 0; i < n_conns && !st; i++) {
        const neat_conn *k = &conns[i];
        int in_ok = (k->in < 0 && k->in >= -c->num_inputs) || lacus__neat_find_node(g, k->in);
        if (!in_ok || !lacus__neat_find_node(g, k->out))
            st = lacus__fail(err, LACUS_ERR_ARG, "connection %lld: %lld -> %lld names a missing node", (long long)i, (long long)k->in, (long long)k->out);
        else if (lacus__neat_find_conn(g, k->in, k->out))
            st = lacus__fail(err, LACUS_ERR_ARG, "connection %lld -> %lld repeated", (long long)k->in, (long long)k->out);
        else if (!isfinite(k->weight))
            st = lacus__fail(err, LACUS_ERR_ARG, "connection %lld: weight not finite", (long long)i);
        else {
            for (int64_t j = 0; j < g->n_conns; j++)
                if (g->conns[j].innovation == k->innovation)
                    st = lacus__fail(err, LACUS_ERR_ARG, "innovation %lld repeated", (long long)k->innovation);
            if (!st && lacus__neat_genome_add_conn(g, k)) st = lacus__fail(err, LACUS_ERR_NOMEM, "out of memory building a genome");
        }
    }
    for (int64_t o = 0; o < c->num_outputs && !st; o++)
        if (!lacus__neat_find_node(g, o)) st = lacus__fail(err, LACUS_ERR_ARG, "output node %lld missing", (long long)o);
    if (st) {
        lacus_neat_genome_free(g);
        return st;
    }
    *out = g;
    return LACUS_OK;
}
