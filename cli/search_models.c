/* lacus search on stack and graph configs: the data a trial needs, and one
 * trial's fit and validation loss. A space option applies to every layer
 * of a stack, and to every graph node that takes it (reservoir options to
 * reservoir nodes, ridge options to ridge nodes); "node.option" applies to
 * one graph node. Instance k adds k to every layer's or node's seed, as
 * the ESN search adds it to the ESN's. The loss is the pooled validation
 * NRMSE of the stack's last layer, or of the graph's last trained node
 * (ridge or online), run on the validation inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config.h"
#include "search_models.h"

void search_data_free(search_data *d)
{
    cli_seqs_free(&d->X);
    for (int i = 0; d->T && i < d->n_T; i++) cli_seqs_free(&d->T[i]);
    free(d->T);
    free(d->tgs);
    free(d->outs);
    memset(d, 0, sizeof *d);
}

int search_data_load(const cli_config *c, search_data *d)
{
    memset(d, 0, sizeof *d);
    int n = c->is_stack ? c->n_layers : c->n_nodes;
    d->T = calloc((size_t)n, sizeof *d->T);
    d->tgs = calloc((size_t)n, sizeof *d->tgs);
    d->outs = calloc((size_t)n, sizeof *d->outs);
    if (!d->T || !d->tgs || !d->outs) return cli_error("out of memory"), -1;
    if (c->is_graph && c->input_by_name)
        return cli_error("%s: input: a search feeds every graph input the same files; give "
                         "\"input\" as a file or an array", c->path), -1;
    if (cli_seqs_load(&c->input, "input", &d->X)) return -1;
    for (int k = 0; k < n; k++) {
        if (c->is_graph && strcmp(c->node_kind[k], "ridge") && strcmp(c->node_kind[k], "online"))
            continue;
        char what[64];
        snprintf(what, sizeof what, c->is_stack ? "layers[%d].target" : "nodes[%d].target", k);
        if (cli_seqs_load(&c->layer_target[k], what, &d->T[k])) return -1;
        d->n_T = k + 1;
        d->outs[k] = d->T[k].s.n_features;
        d->tgs[d->n_tgs++] = &d->T[k].s;
    }
    return 0;
}

static const char *const reservoir_opts[] = {
    "units", "lr", "sr", "input-scaling", "input-connectivity", "rc-connectivity", "bias",
    "noise-rc", "noise-in", NULL};
static const char *const ridge_opts[] = {"ridge", NULL};

static int listed(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s)) return 1;
    return 0;
}

int search_option_check(const cli_config *c, const char *name, char *why, size_t n)
{
    const char *dot = strchr(name, '.');
    if (!c->is_graph) {
        if (dot) return snprintf(why, n, "\"node.option\" names are for graph configs"), -1;
        return 0;
    }
    char opt_name[64];
    snprintf(opt_name, sizeof opt_name, "%s", dot ? dot + 1 : name);
    for (char *p = opt_name; *p; p++)
        if (*p == '_') *p = '-';
    int takes = 0;
    for (int k = 0; k < c->n_nodes; k++) {
        if (dot && (strncmp(c->node_name[k], name, (size_t)(dot - name)) ||
                    c->node_name[k][dot - name]))
            continue;
        int res = !strcmp(c->node_kind[k], "reservoir"), ro = !strcmp(c->node_kind[k], "ridge");
        takes |= (res && listed(reservoir_opts, opt_name)) || (ro && listed(ridge_opts, opt_name));
    }
    if (!takes)
        return snprintf(why, n, "no %s of the graph takes \"%s\" (reservoir nodes: units, lr, sr, "
                        "input_scaling, ...; ridge nodes: ridge)", dot ? "such node" : "node",
                        opt_name), -1;
    return 0;
}

/* Sets a search option on a copy of the config's node/layer options. */
static void apply(const cli_config *c, esn_cli_opts *layer, const char *name, double v,
                  void (*set)(esn_cli_opts *, const char *, double))
{
    const char *dot = strchr(name, '.');
    char opt_name[64];
    snprintf(opt_name, sizeof opt_name, "%s", dot ? dot + 1 : name);
    for (char *p = opt_name; *p; p++)
        if (*p == '_') *p = '-';
    int n = c->is_stack ? c->n_layers : c->n_nodes;
    for (int k = 0; k < n; k++) {
        if (c->is_graph) {
            if (dot && (strncmp(c->node_name[k], name, (size_t)(dot - name)) || c->node_name[k][dot - name]))
                continue;
            int res = !strcmp(c->node_kind[k], "reservoir"), ro = !strcmp(c->node_kind[k], "ridge");
            if (!((res && listed(reservoir_opts, opt_name)) || (ro && listed(ridge_opts, opt_name))))
                continue;
        }
        set(&layer[k], opt_name, v);
    }
}

static double nrmse(double *const *p, const lacus_seqs *Y)
{
    double se = 0, sum = 0, sum2 = 0, n = 0;
    for (int64_t i = 0; i < Y->n_seqs; i++)
        for (int64_t k = 0; k < Y->n_steps[i] * Y->n_features; k++) {
            double t = Y->data[i][k], e = p[i][k] - t;
            se += e * e;
            sum += t;
            sum2 += t * t;
            n += 1;
        }
    double var = sum2 / n - (sum / n) * (sum / n);
    return var > 0 && isfinite(se) ? sqrt(se / n / var) : INFINITY;
}

static double **alloc_outs(const lacus_seqs *Y)
{
    double **p = calloc((size_t)Y->n_seqs, sizeof *p);
    for (int64_t i = 0; p && i < Y->n_seqs; i++)
        if (!(p[i] = malloc((size_t)(Y->n_steps[i] * Y->n_features) * sizeof(double)))) {
            for (int64_t j = 0; j < i; j++) free(p[j]);
            free(p);
            return NULL;
        }
    return p;
}

static void free_outs(double **p, int64_t n)
{
    for (int64_t i = 0; p && i < n; i++) free(p[i]);
    free(p);
}

double search_eval_model(const cli_config *c, const search_data *d, int n_dims,
                         const char *const *names, const double *x, int64_t instance,
                         void (*set)(esn_cli_opts *, const char *, double), const lacus_seqs *VX,
                         const lacus_seqs *VY)
{
    int n = c->is_stack ? c->n_layers : c->n_nodes;
    esn_cli_opts *layer = malloc((size_t)n * sizeof *layer);
    lacus_esn_params *ep = calloc((size_t)n, sizeof *ep);
    double loss = INFINITY, **p = alloc_outs(VY);
    if (!layer || !ep || !p) goto done;
    memcpy(layer, c->layer, (size_t)n * sizeof *layer);
    for (int d2 = 0; d2 < n_dims; d2++) apply(c, layer, names[d2], x[d2], set);
    for (int k = 0; k < n; k++) {
        layer[k].seed += instance;
        layer[k].threads = 0;
    }
    if (c->is_stack) {
        for (int l = 0; l < n; l++)
            if (esn_opts_resolve(&layer[l], &ep[l], l == 0 ? d->X.s.n_features : 0)) goto done;
        lacus_stack_params sp = lacus_stack_params_default();
        sp.n_layers = n;
        sp.layers = ep;
        sp.n_outputs = d->outs;
        sp.teacher_inputs = c->teacher_inputs;
        sp.parallel_layers = 1; /* trials are the parallel level */
        lacus_stack *s = NULL;
        lacus_error err = {0};
        if (lacus_stack_create(&sp, &s, &err) == 0 && lacus_stack_fit(s, &d->X.s, d->tgs) == 0 &&
            VY->n_features == d->outs[n - 1]) {
            double *const **per = calloc((size_t)n, sizeof *per);
            if (per) {
                per[n - 1] = p;
                if (lacus_stack_run(s, VX, per) == 0) loss = nrmse(p, VY);
                free(per);
            }
        }
        lacus_stack_free(s);
    } else {
        lacus_graph *g = cli_build_graph(c, layer, d->outs);
        int64_t last = -1, n_in = g ? lacus_graph_inputs(g, NULL, 0) : 0;
        const lacus_seqs **ins = calloc((size_t)(n_in ? n_in : 1), sizeof *ins);
        const lacus_seqs **vins = calloc((size_t)(n_in ? n_in : 1), sizeof *vins);
        double *const **per = calloc((size_t)n, sizeof *per);
        for (int64_t k = 0; ins && vins && k < n_in; k++) {
            ins[k] = &d->X.s;
            vins[k] = VX;
        }
        for (int64_t i = 0; g && i < lacus_graph_n_nodes(g); i++)
            if (lacus_graph_node_kind(g, i) == LACUS_NODE_RIDGE || lacus_graph_node_kind(g, i) == LACUS_NODE_ONLINE)
                last = i;
        if (g && ins && vins && per && last >= 0 && lacus_graph_node_width(g, last) == VY->n_features &&
            lacus_graph_fit(g, ins, d->tgs, c->warmup) == 0) {
            per[last] = p;
            if (lacus_graph_run(g, vins, per) == 0) loss = nrmse(p, VY);
        }
        free(ins);
        free(vins);
        free(per);
        lacus_graph_free(g);
    }
done:
    free_outs(p, VY->n_seqs);
    free(layer);
    free(ep);
    return loss;
}
