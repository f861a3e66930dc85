/* NEAT phenotypes: neat-python's activation and aggregation functions, the
 * feed-forward network (nodes needed by an output, in topological order)
 * and the recurrent one (synchronous, double-buffered, with a leak). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "evolve/neat_int.h"

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

double lacus_neat_act_apply(lacus_neat_act a, double z)
{
    switch (a) {
    case LACUS_NEAT_ACT_SIGMOID: return 1.0 / (1.0 + exp(-clampd(5.0 * z, -60.0, 60.0)));
    case LACUS_NEAT_ACT_TANH: return tanh(clampd(2.5 * z, -60.0, 60.0));
    case LACUS_NEAT_ACT_SIN: return sin(clampd(5.0 * z, -60.0, 60.0));
    case LACUS_NEAT_ACT_GAUSS: {
        double c = clampd(z, -3.4, 3.4);
        return exp(-5.0 * c * c);
    }
    case LACUS_NEAT_ACT_RELU: return z > 0.0 ? z : 0.0;
    case LACUS_NEAT_ACT_ELU: return z > 0.0 ? z : exp(z) - 1.0;
    case LACUS_NEAT_ACT_LELU: return z > 0.0 ? z : 0.005 * z;
    case LACUS_NEAT_ACT_SELU: {
        const double lam = 1.0507009873554804934193349852946, al = 1.6732632423543772848170429916717;
        return z > 0.0 ? lam * z : lam * al * (exp(z) - 1.0);
    }
    case LACUS_NEAT_ACT_SOFTPLUS: return 0.2 * log(1.0 + exp(clampd(5.0 * z, -60.0, 60.0)));
    case LACUS_NEAT_ACT_IDENTITY: return z;
    case LACUS_NEAT_ACT_CLAMPED: return clampd(z, -1.0, 1.0);
    case LACUS_NEAT_ACT_INV: return z == 0.0 ? 0.0 : 1.0 / z;
    case LACUS_NEAT_ACT_LOG: return log(fmax(1e-7, z));
    case LACUS_NEAT_ACT_EXP: return exp(clampd(z, -60.0, 60.0));
    case LACUS_NEAT_ACT_ABS: return fabs(z);
    case LACUS_NEAT_ACT_HAT: return fmax(0.0, 1.0 - fabs(z));
    case LACUS_NEAT_ACT_SQUARE: return z * z;
    case LACUS_NEAT_ACT_CUBE: return z * z * z;
    default: return z;
    }
}

/* v holds the weighted inputs w_ij y_j; scratch (n) is used by the median.
 * An empty list aggregates to 0 (neat-python's orphan-node rule). */
double lacus__neat_aggregate(lacus_neat_agg a, const double *v, int64_t n, double *scratch)
{
    if (n == 0) return 0.0;
    double r = v[0];
    switch (a) {
    case LACUS_NEAT_AGG_SUM: for (int64_t i = 1; i < n; i++) r += v[i]; return r;
    case LACUS_NEAT_AGG_PRODUCT: for (int64_t i = 1; i < n; i++) r *= v[i]; return r;
    case LACUS_NEAT_AGG_MAX: for (int64_t i = 1; i < n; i++) r = fmax(r, v[i]); return r;
    case LACUS_NEAT_AGG_MIN: for (int64_t i = 1; i < n; i++) r = fmin(r, v[i]); return r;
    case LACUS_NEAT_AGG_MAXABS:
        for (int64_t i = 1; i < n; i++)
            if (fabs(v[i]) > fabs(r)) r = v[i];
        return r;
    case LACUS_NEAT_AGG_MEAN: for (int64_t i = 1; i < n; i++) r += v[i]; return r / (double)n;
    case LACUS_NEAT_AGG_MEDIAN: {
        memcpy(scratch, v, (size_t)n * sizeof *v);
        for (int64_t i = 1; i < n; i++)
            for (int64_t j = i; j > 0 && scratch[j - 1] > scratch[j]; j--) {
                double t = scratch[j];
                scratch[j] = scratch[j - 1];
                scratch[j - 1] = t;
            }
        return n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
    }
    default: return r;
    }
}

/* Compiled network: values[0..n_in) are the inputs, values[n_in + k] node k
 * (genome order). eval lists the nodes to compute, in order; node k's links
 * are src/w[lo[k] .. lo[k+1]). */
struct lacus_neat_net {
    int64_t n_in, n_out, n_nodes, n_eval;
    int recurrent, all_sum;
    int64_t *eval, *lo, *src, *out_idx;
    double *w, *bias, *resp, *leak;
    lacus_neat_act *act;
    lacus_neat_agg *agg;
    double *values, *next, *scratch;
    int64_t *fill;
    char *req, *done;
    void *block; /* every array above lives in this one allocation */
};

void lacus_neat_net_free(lacus_neat_net *n)
{
    if (!n) return;
    lacus__free(n->block);
    lacus__free(n);
}

static int64_t index_of(const lacus_neat_genome *g, int64_t n_in, int64_t key)
{
    if (key < 0) return -1 - key; /* input -1 -> 0 */
    const neat_node *nd = lacus__neat_find_node(g, key);
    return nd ? n_in + (nd - g->nodes) : -1;
}

void lacus_neat_net_reset(lacus_neat_net *n)
{
    memset(n->values, 0, (size_t)(n->n_in + n->n_nodes) * sizeof *n->values);
    if (n->next) memset(n->next, 0, (size_t)(n->n_in + n->n_nodes) * sizeof *n->next);
}

lacus_status lacus_neat_net_create(const lacus_neat_genome *g, const lacus_neat_config *c,
                                   int recurrent, lacus_neat_net **out, lacus_error *err)
{
    *out = NULL;
    const int64_t NI = c->num_inputs, NN = g->n_nodes, NV = NI + NN;
    lacus_neat_net *n = LACUS__ZNEW(lacus_neat_net, 1);
    if (!n) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory building a network");
    n->n_in = NI;
    n->n_out = c->num_outputs;
    n->n_nodes = NN;
    n->recurrent = recurrent;
    int64_t ne = 0;
    for (int64_t i = 0; i < g->n_conns; i++) ne += g->conns[i].enabled != 0;
    /* One allocation for all arrays: a network is built per evaluation. */
    const int64_t n8 = (NN + 1) * 4 + (NN + 1) + 2 * (ne + 1) + n->n_out + 1 + NV * (recurrent ? 2 : 1) +
                       2 * (ne + 1) + (NN + 1);
    const int64_t n4 = 2 * (NN + 1), n1 = 2 * (NN + 1);
    lacus_status st = LACUS_OK;
    char *b = n8 < ((int64_t)1 << 40) ? lacus__calloc((size_t)(n8 * 8 + n4 * 4 + n1), 1) : NULL;
    if (!b) {
        lacus__free(n);
        return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory building a network");
    }
    n->block = b;
    n->eval = (int64_t *)b, b += 8 * (NN + 1);
    n->lo = (int64_t *)b, b += 8 * (NN + 1);
    n->fill = (int64_t *)b, b += 8 * (NN + 1);
    n->bias = (double *)b, b += 8 * (NN + 1);
    n->resp = (double *)b, b += 8 * (NN + 1);
    n->src = (int64_t *)b, b += 8 * (ne + 1);
    n->w = (double *)b, b += 8 * (ne + 1);
    n->out_idx = (int64_t *)b, b += 8 * (n->n_out + 1);
    n->values = (double *)b, b += 8 * NV;
    if (recurrent) n->next = (double *)b, b += 8 * NV;
    n->scratch = (double *)b, b += 8 * 2 * (ne + 1);
    n->leak = (double *)b, b += 8 * (NN + 1);
    n->act = (lacus_neat_act *)b, b += 4 * (NN + 1);
    n->agg = (lacus_neat_agg *)b, b += 4 * (NN + 1);
    n->req = b, b += NN + 1;
    n->done = b;
    char *req = n->req, *done = n->done;
    n->all_sum = 1;
    for (int64_t k = 0; k < NN; k++) {
        const neat_node *nd = &g->nodes[k];
        n->bias[k] = nd->bias;
        n->resp[k] = nd->response;
        n->leak[k] = nd->leak;
        n->act[k] = nd->activation;
        n->agg[k] = nd->aggregation;
        if (nd->aggregation != LACUS_NEAT_AGG_SUM) n->all_sum = 0;
    }
    /* Links grouped by target node (counting sort keeps innovation order). */
    for (int64_t i = 0; i < g->n_conns; i++) {
        if (!g->conns[i].enabled) continue;
        int64_t t = index_of(g, NI, g->conns[i].out) - NI;
        if (t < 0 || index_of(g, NI, g->conns[i].in) < 0) {
            st = lacus__fail(err, LACUS_ERR_ARG, "genome %lld: link %lld -> %lld names a missing node",
                             (long long)g->key, (long long)g->conns[i].in, (long long)g->conns[i].out);
            goto fail;
        }
        n->lo[t + 1]++;
    }
    for (int64_t k = 0; k < NN; k++) n->lo[k + 1] += n->lo[k];
    {
        int64_t *fill = n->fill;
        memcpy(fill, n->lo, (size_t)(NN + 1) * sizeof *fill);
        for (int64_t i = 0; i < g->n_conns; i++) {
            if (!g->conns[i].enabled) continue;
            int64_t t = index_of(g, NI, g->conns[i].out) - NI;
            n->src[fill[t]] = index_of(g, NI, g->conns[i].in);
            n->w[fill[t]++] = g->conns[i].weight;
        }
    }
    for (int64_t o = 0; o < n->n_out; o++) {
        n->out_idx[o] = index_of(g, NI, o);
        if (n->out_idx[o] < 0) {
            st = lacus__fail(err, LACUS_ERR_ARG, "genome %lld has no output node %lld", (long long)g->key, (long long)o);
            goto fail;
        }
    }
    if (recurrent) {
        for (int64_t k = 0; k < NN; k++) n->eval[k] = k;
        n->n_eval = NN;
    } else {
        /* Required nodes: those an output depends on (neat-python's
         * required_for_output), then Kahn's order. */
        for (int64_t o = 0; o < n->n_out; o++) req[n->out_idx[o] - NI] = 1;
        for (int changed = 1; changed;) {
            changed = 0;
            for (int64_t k = 0; k < NN; k++) {
                if (!req[k]) continue;
                for (int64_t e = n->lo[k]; e < n->lo[k + 1]; e++)
                    if (n->src[e] >= NI && !req[n->src[e] - NI]) req[n->src[e] - NI] = 1, changed = 1;
            }
        }
        int64_t n_req = 0;
        for (int64_t k = 0; k < NN; k++) n_req += req[k];
        for (int progress = 1; progress;) {
            progress = 0;
            for (int64_t k = 0; k < NN; k++) {
                if (!req[k] || done[k]) continue;
                int ready = 1;
                for (int64_t e = n->lo[k]; e < n->lo[k + 1] && ready; e++)
                    if (n->src[e] >= NI && !done[n->src[e] - NI]) ready = 0;
                if (ready) done[k] = 1, n->eval[n->n_eval++] = k, progress = 1;
            }
        }
        if (n->n_eval != n_req) {
            st = lacus__fail(err, LACUS_ERR_ARG,
                             "genome %lld: its enabled links form a cycle; a feed-forward network "
                             "cannot be built (use a recurrent one)", (long long)g->key);
            goto fail;
        }
    }
    *out = n;
    return LACUS_OK;
fail:
    lacus_neat_net_free(n);
    return st;
}

static inline double node_input(const lacus_neat_net *n, int64_t k, const double *vals)
{
    if (n->agg[k] == LACUS_NEAT_AGG_SUM) {
        double s = 0.0;
        for (int64_t e = n->lo[k]; e < n->lo[k + 1]; e++) s += n->w[e] * vals[n->src[e]];
        return s;
    }
    int64_t m = n->lo[k + 1] - n->lo[k];
    double *v = n->scratch, *tmp = n->scratch + m;
    for (int64_t e = n->lo[k]; e < n->lo[k + 1]; e++) v[e - n->lo[k]] = n->w[e] * vals[n->src[e]];
    return lacus__neat_aggregate(n->agg[k], v, m, tmp);
}

void lacus_neat_net_activate(lacus_neat_net *n, const double *in, double *out)
{
    const int64_t NI = n->n_in;
    memcpy(n->values, in, (size_t)NI * sizeof *in);
    if (!n->recurrent) {
        for (int64_t q = 0; q < n->n_eval; q++) {
            int64_t k = n->eval[q];
            n->values[NI + k] = lacus_neat_act_apply(n->act[k], n->bias[k] + n->resp[k] * node_input(n, k, n->values));
        }
    } else {
        memcpy(n->next, in, (size_t)NI * sizeof *in);
        for (int64_t k = 0; k < n->n_nodes; k++) {
            double y = lacus_neat_act_apply(n->act[k], n->bias[k] + n->resp[k] * node_input(n, k, n->values));
            n->next[NI + k] = (1.0 - n->leak[k]) * n->values[NI + k] + n->leak[k] * y;
        }
        double *t = n->values;
        n->values = n->next;
        n->next = t;
    }
    for (int64_t o = 0; o < n->n_out; o++) out[o] = n->values[n->out_idx[o]];
}

const double *lacus__neat_net_values(const lacus_neat_net *n, int64_t *n_in, int64_t *n_nodes)
{
    *n_in = n->n_in;
    *n_nodes = n->n_nodes;
    return n->values;
}

/* ---- XOR ------------------------------------------------------------------ */

lacus_status lacus_neat_fitness_xor(const lacus_neat_genome *g, void *config, uint64_t eval_seed,
                                    double *fitness, lacus_error *err)
{
    static const double X[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, Y[4] = {0, 1, 1, 0};
    const lacus_neat_config *c = config;
    if (!c || c->num_inputs != 2 || c->num_outputs != 1)
        return lacus__fail(err, LACUS_ERR_ARG, "XOR needs num_inputs = 2 and num_outputs = 1");
    lacus_neat_net *n = NULL;
    lacus_status st = lacus_neat_net_create(g, c, !c->feed_forward, &n, err);
    if (st) return st;
    double f = 4.0, y;
    for (int i = 0; i < 4; i++) {
        lacus_neat_net_activate(n, X[i], &y);
        f -= (y - Y[i]) * (y - Y[i]);
    }
    lacus_neat_net_free(n);
    *fitness = f;
    return LACUS_OK;
}
