/* NEAT variation: initial genomes, attribute and structural mutation,
 * crossover aligned on innovation numbers. Follows neat-python 2.0
 * (neat/genome.py, genes.py, attributes.py) step by step, with its random
 * draws in the same order, so that behaviour (not the numbers: the
 * generators differ) is the same; differences are listed in docs/neat.md. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "evolve/neat_int.h"

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

double lacus__neat_attr_init(const lacus_neat_attr *a, lacus__rng *r)
{
    if (a->init_uniform) {
        double lo = fmax(a->min_value, a->init_mean - 2 * a->init_stdev);
        double hi = fmin(a->max_value, a->init_mean + 2 * a->init_stdev);
        return lo + (hi - lo) * lacus__rng_uniform(r);
    }
    return clampd(a->init_mean + a->init_stdev * lacus__rng_normal(r), a->min_value, a->max_value);
}

double lacus__neat_attr_mutate(const lacus_neat_attr *a, double v, lacus__rng *r)
{
    double u = lacus__rng_uniform(r);
    if (u < a->mutate_rate)
        return clampd(v + a->mutate_power * lacus__rng_normal(r), a->min_value, a->max_value);
    if (u < a->replace_rate + a->mutate_rate) return lacus__neat_attr_init(a, r);
    return v;
}

/* The k-th set bit of mask, k uniform (neat-python's random.choice). */
static int choose_option(uint32_t mask, lacus__rng *r)
{
    int n = 0;
    for (uint32_t m = mask; m; m &= m - 1) n++;
    int k = (int)lacus__rng_below(r, (uint64_t)n);
    for (int i = 0; i < 32; i++)
        if (mask & (1u << i) && k-- == 0) return i;
    return 0;
}

void lacus__neat_node_init(neat_node *n, int64_t key, const lacus_neat_config *c, lacus__rng *r)
{
    n->key = key;
    n->bias = lacus__neat_attr_init(&c->bias, r);
    n->response = lacus__neat_attr_init(&c->response, r);
    n->activation = (lacus_neat_act)(c->activation_default >= 0 ? c->activation_default
                                                               : choose_option(c->activation_options, r));
    n->aggregation = (lacus_neat_agg)(c->aggregation_default >= 0
                                          ? c->aggregation_default
                                          : choose_option(c->aggregation_options, r));
    n->leak = lacus__neat_attr_init(&c->leak, r);
}

static int enabled_init(const lacus_neat_config *c, lacus__rng *r)
{
    return c->enabled_default >= 0 ? c->enabled_default : lacus__rng_uniform(r) < 0.5;
}

static lacus_status new_conn(lacus_neat_genome *g, const lacus_neat_config *c, neat_tracker *t,
                             lacus__rng *r, int64_t in, int64_t out, int kind)
{
    int nomem = 0;
    neat_conn k;
    k.in = in;
    k.out = out;
    k.innovation = lacus__neat_innovation(t, in, out, kind, &nomem);
    k.weight = lacus__neat_attr_init(&c->weight, r);
    k.enabled = enabled_init(c, r);
    if (nomem) return LACUS_ERR_NOMEM;
    return lacus__neat_genome_add_conn(g, &k);
}

/* ---- initial genomes ----------------------------------------------------- */

lacus_status lacus__neat_configure_new(lacus_neat_genome *g, const lacus_neat_config *c,
                                       neat_tracker *t, lacus__rng *r)
{
    lacus_status st;
    neat_node n;
    for (int64_t o = 0; o < c->num_outputs; o++) {
        lacus__neat_node_init(&n, o, c, r);
        if ((st = lacus__neat_genome_add_node(g, &n))) return st;
    }
    /* Initial hidden nodes get the same keys in every genome (neat-python
     * numbers them from a global counter, so its initial hidden nodes are
     * never homologous); lacus keeps them aligned, as the paper's uniform
     * initial population. */
    for (int64_t h = 0; h < c->num_hidden; h++) {
        lacus__neat_node_init(&n, c->num_outputs + h, c, r);
        if ((st = lacus__neat_genome_add_node(g, &n))) return st;
    }
    if (t->next_node < c->num_outputs + c->num_hidden) t->next_node = c->num_outputs + c->num_hidden;
    const int64_t NI = c->num_inputs, NO = c->num_outputs, NH = c->num_hidden;
    switch (c->initial_connection) {
    case LACUS_NEAT_CONN_UNCONNECTED: return LACUS_OK;
    case LACUS_NEAT_CONN_FS_NEAT_NOHIDDEN:
    case LACUS_NEAT_CONN_FS_NEAT_HIDDEN: {
        int64_t in = -1 - (int64_t)lacus__rng_below(r, (uint64_t)NI);
        int64_t last = c->initial_connection == LACUS_NEAT_CONN_FS_NEAT_HIDDEN ? NO + NH : NO;
        for (int64_t o = 0; o < last; o++)
            if ((st = new_conn(g, c, t, r, in, o, NEAT_INNOV_INITIAL))) return st;
        return LACUS_OK;
    }
    default: break;
    }
    int direct = c->initial_connection == LACUS_NEAT_CONN_FULL_DIRECT ||
                 c->initial_connection == LACUS_NEAT_CONN_PARTIAL_DIRECT;
    /* neat-python's compute_full_connections order. */
    int64_t cap = NI * NH + NH * NO + NI * NO + NO + NH, n_pairs = 0;
    int64_t *pairs = LACUS__NEW(int64_t, 2 * (cap ? cap : 1));
    if (!pairs) return LACUS_ERR_NOMEM;
    if (NH) {
        for (int64_t i = 0; i < NI; i++)
            for (int64_t h = 0; h < NH; h++) pairs[2 * n_pairs] = -1 - i, pairs[2 * n_pairs++ + 1] = NO + h;
        for (int64_t h = 0; h < NH; h++)
            for (int64_t o = 0; o < NO; o++) pairs[2 * n_pairs] = NO + h, pairs[2 * n_pairs++ + 1] = o;
    }
    if (direct || !NH)
        for (int64_t i = 0; i < NI; i++)
            for (int64_t o = 0; o < NO; o++) pairs[2 * n_pairs] = -1 - i, pairs[2 * n_pairs++ + 1] = o;
    if (!c->feed_forward)
        for (int64_t k = 0; k < NO + NH; k++) pairs[2 * n_pairs] = k, pairs[2 * n_pairs++ + 1] = k;
    int64_t n_take = n_pairs;
    if (c->initial_connection == LACUS_NEAT_CONN_PARTIAL_DIRECT ||
        c->initial_connection == LACUS_NEAT_CONN_PARTIAL_NODIRECT) {
        for (int64_t i = n_pairs - 1; i > 0; i--) { /* Fisher-Yates */
            int64_t j = (int64_t)lacus__rng_below(r, (uint64_t)(i + 1));
            int64_t a = pairs[2 * i], b = pairs[2 * i + 1];
            pairs[2 * i] = pairs[2 * j], pairs[2 * i + 1] = pairs[2 * j + 1];
            pairs[2 * j] = a, pairs[2 * j + 1] = b;
        }
        n_take = (int64_t)rint((double)n_pairs * c->connection_fraction);
    }
    st = LACUS_OK;
    for (int64_t k = 0; k < n_take && !st; k++)
        st = new_conn(g, c, t, r, pairs[2 * k], pairs[2 * k + 1], NEAT_INNOV_INITIAL);
    lacus__free(pairs);
    return st;
}

/* ---- structural mutations ----------------------------------------------- */

static int surer(const lacus_neat_config *c)
{
    return c->structural_mutation_surer == 2 ? c->single_structural_mutation
                                             : c->structural_mutation_surer;
}

lacus_status lacus__neat_mutate_add_conn(lacus_neat_genome *g, const lacus_neat_config *c,
                                         neat_tracker *t, lacus__rng *r)
{
    if (!g->n_nodes) return LACUS_OK;
    int64_t out = g->nodes[lacus__rng_below(r, (uint64_t)g->n_nodes)].key;
    /* Sources: inputs and non-output nodes (neat-python 2.0); in reservoir
     * mode every unit may feed every other. */
    int64_t n_src = c->num_inputs, k;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (c->reservoir || g->nodes[i].key >= c->num_outputs) n_src++;
    k = (int64_t)lacus__rng_below(r, (uint64_t)n_src);
    int64_t in;
    if (k < c->num_inputs) in = -1 - k;
    else {
        k -= c->num_inputs;
        in = 0;
        for (int64_t i = 0; i < g->n_nodes; i++)
            if (c->reservoir || g->nodes[i].key >= c->num_outputs)
                if (k-- == 0) {
                    in = g->nodes[i].key;
                    break;
                }
    }
    neat_conn *ex = lacus__neat_find_conn(g, in, out);
    if (ex) {
        if (surer(c)) ex->enabled = 1;
        return LACUS_OK;
    }
    if (c->feed_forward && lacus__neat_creates_cycle(g, in, out)) return LACUS_OK;
    return new_conn(g, c, t, r, in, out, NEAT_INNOV_ADD_CONN);
}

lacus_status lacus__neat_mutate_add_node(lacus_neat_genome *g, const lacus_neat_config *c,
                                         neat_tracker *t, lacus__rng *r)
{
    if (!g->n_conns) {
        if (surer(c)) return lacus__neat_mutate_add_conn(g, c, t, r);
        return LACUS_OK;
    }
    int64_t idx = (int64_t)lacus__rng_below(r, (uint64_t)g->n_conns);
    if (c->max_nodes > 0 && g->n_nodes >= c->max_nodes) return LACUS_OK;
    neat_conn split = g->conns[idx];
    int nomem = 0;
    /* The same link split anywhere in this generation gives the same node
     * key (paper); a genome that already holds that key (it split the link
     * in an earlier generation and kept the node) gets a fresh one. */
    int64_t key = lacus__neat_split_node(t, split.innovation, &nomem);
    if (lacus__neat_find_node(g, key)) key = t->next_node++;
    if (nomem) return LACUS_ERR_NOMEM;
    neat_node n;
    lacus__neat_node_init(&n, key, c, r);
    n.bias = 0.0; /* neat-python 2.0: the new node starts neutral */
    lacus_status st = lacus__neat_genome_add_node(g, &n);
    if (st) return st;
    g->conns[idx].enabled = 0;
    neat_conn a = {split.in, key, lacus__neat_innovation(t, split.in, key, NEAT_INNOV_SPLIT_IN, &nomem), 1.0, 1};
    neat_conn b = {key, split.out, lacus__neat_innovation(t, key, split.out, NEAT_INNOV_SPLIT_OUT, &nomem),
                   split.weight, 1};
    if (nomem) return LACUS_ERR_NOMEM;
    if ((st = lacus__neat_genome_add_conn(g, &a))) return st;
    return lacus__neat_genome_add_conn(g, &b);
}

static void mutate_delete_node(lacus_neat_genome *g, const lacus_neat_config *c, lacus__rng *r)
{
    int64_t n_av = 0;
    if (c->reservoir) {
        if (g->n_nodes < 2) return;
        n_av = g->n_nodes;
    } else {
        for (int64_t i = 0; i < g->n_nodes; i++) n_av += g->nodes[i].key >= c->num_outputs;
        if (!n_av) return;
    }
    int64_t k = (int64_t)lacus__rng_below(r, (uint64_t)n_av);
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (c->reservoir || g->nodes[i].key >= c->num_outputs)
            if (k-- == 0) {
                lacus__neat_remove_node(g, g->nodes[i].key);
                return;
            }
}

static void mutate_delete_conn(lacus_neat_genome *g, lacus__rng *r)
{
    if (!g->n_conns) return;
    lacus__neat_remove_conn_at(g, (int64_t)lacus__rng_below(r, (uint64_t)g->n_conns));
}

static int mutate_bool(const lacus_neat_config *c, int v, lacus__rng *r)
{
    double rate = c->enabled_mutate_rate + (v ? c->enabled_rate_to_false_add : c->enabled_rate_to_true_add);
    if (rate > 0 && lacus__rng_uniform(r) < rate) return lacus__rng_uniform(r) < 0.5;
    return v;
}

lacus_status lacus__neat_mutate(lacus_neat_genome *g, const lacus_neat_config *c, neat_tracker *t,
                                lacus__rng *r)
{
    lacus_status st = LACUS_OK;
    if (c->single_structural_mutation) {
        double div = fmax(1.0, c->node_add_prob + c->node_delete_prob + c->conn_add_prob + c->conn_delete_prob);
        double u = lacus__rng_uniform(r);
        if (u < c->node_add_prob / div) st = lacus__neat_mutate_add_node(g, c, t, r);
        else if (u < (c->node_add_prob + c->node_delete_prob) / div) mutate_delete_node(g, c, r);
        else if (u < (c->node_add_prob + c->node_delete_prob + c->conn_add_prob) / div)
            st = lacus__neat_mutate_add_conn(g, c, t, r);
        else if (u < (c->node_add_prob + c->node_delete_prob + c->conn_add_prob + c->conn_delete_prob) / div)
            mutate_delete_conn(g, r);
    } else {
        if (lacus__rng_uniform(r) < c->node_add_prob) st = lacus__neat_mutate_add_node(g, c, t, r);
        if (!st && lacus__rng_uniform(r) < c->node_delete_prob) mutate_delete_node(g, c, r);
        if (!st && lacus__rng_uniform(r) < c->conn_add_prob) st = lacus__neat_mutate_add_conn(g, c, t, r);
        if (!st && lacus__rng_uniform(r) < c->conn_delete_prob) mutate_delete_conn(g, r);
    }
    if (st) return st;
    for (int64_t i = 0; i < g->n_conns; i++) {
        neat_conn *k = &g->conns[i];
        k->weight = lacus__neat_attr_mutate(&c->weight, k->weight, r);
        k->enabled = mutate_bool(c, k->enabled, r);
    }
    for (int64_t i = 0; i < g->n_nodes; i++) {
        neat_node *n = &g->nodes[i];
        n->bias = lacus__neat_attr_mutate(&c->bias, n->bias, r);
        n->response = lacus__neat_attr_mutate(&c->response, n->response, r);
        if (c->activation_mutate_rate > 0 && lacus__rng_uniform(r) < c->activation_mutate_rate)
            n->activation = (lacus_neat_act)choose_option(c->activation_options, r);
        if (c->aggregation_mutate_rate > 0 && lacus__rng_uniform(r) < c->aggregation_mutate_rate)
            n->aggregation = (lacus_neat_agg)choose_option(c->aggregation_options, r);
        n->leak = lacus__neat_attr_mutate(&c->leak, n->leak, r);
    }
    return LACUS_OK;
}

/* ---- crossover ------------------------------------------------------------ */

/* Stanley & Miikkulainen 2002 p. 108 as neat-python 2.0: genes aligned on
 * innovation; matching genes take each attribute from either parent at
 * random, and a gene disabled in either parent is disabled with
 * probability crossover_disable_prob (0.75); disjoint and excess genes come
 * from the fitter parent only (genome 2 counts as fitter on a tie, as
 * neat-python). Node genes align on their key. */
lacus_status lacus__neat_crossover(const lacus_neat_genome *g1, const lacus_neat_genome *g2,
                                   int64_t key, const lacus_neat_config *c, lacus__rng *r,
                                   lacus_neat_genome **out)
{
    const lacus_neat_genome *p1 = g1->fitness > g2->fitness ? g1 : g2;
    const lacus_neat_genome *p2 = p1 == g1 ? g2 : g1;
    *out = NULL;
    lacus_neat_genome *ch = lacus__neat_genome_new(key);
    if (!ch || (p1->n_conns && !(ch->conns = LACUS__NEW(neat_conn, p1->n_conns))) ||
        (p1->n_nodes && !(ch->nodes = LACUS__NEW(neat_node, p1->n_nodes)))) {
        lacus_neat_genome_free(ch);
        return LACUS_ERR_NOMEM;
    }
    ch->cap_conns = p1->n_conns;
    ch->cap_nodes = p1->n_nodes;
    int64_t j = 0;
    for (int64_t i = 0; i < p1->n_conns; i++) { /* both sorted by innovation */
        const neat_conn *a = &p1->conns[i];
        while (j < p2->n_conns && p2->conns[j].innovation < a->innovation) j++;
        neat_conn k = *a;
        if (j < p2->n_conns && p2->conns[j].innovation == a->innovation &&
            p2->conns[j].in == a->in && p2->conns[j].out == a->out) {
            const neat_conn *b = &p2->conns[j];
            /* A coin is tossed only where the parents differ: the child is
             * the same either way, and the draws are a third of the cost. */
            if (a->weight != b->weight) k.weight = lacus__rng_uniform(r) > 0.5 ? a->weight : b->weight;
            if (a->enabled != b->enabled) k.enabled = lacus__rng_uniform(r) > 0.5 ? a->enabled : b->enabled;
            if ((!a->enabled || !b->enabled) && lacus__rng_uniform(r) < c->crossover_disable_prob)
                k.enabled = 0;
        }
        ch->conns[ch->n_conns++] = k;
    }
    j = 0;
    for (int64_t i = 0; i < p1->n_nodes; i++) { /* both sorted by key */
        const neat_node *a = &p1->nodes[i];
        while (j < p2->n_nodes && p2->nodes[j].key < a->key) j++;
        neat_node n = *a;
        if (j < p2->n_nodes && p2->nodes[j].key == a->key) {
            const neat_node *b = &p2->nodes[j];
            if (a->bias != b->bias) n.bias = lacus__rng_uniform(r) > 0.5 ? a->bias : b->bias;
            if (a->response != b->response) n.response = lacus__rng_uniform(r) > 0.5 ? a->response : b->response;
            if (a->activation != b->activation)
                n.activation = lacus__rng_uniform(r) > 0.5 ? a->activation : b->activation;
            if (a->aggregation != b->aggregation)
                n.aggregation = lacus__rng_uniform(r) > 0.5 ? a->aggregation : b->aggregation;
            if (a->leak != b->leak) n.leak = lacus__rng_uniform(r) > 0.5 ? a->leak : b->leak;
        }
        ch->nodes[ch->n_nodes++] = n;
    }
    *out = ch;
    return LACUS_OK;
}
