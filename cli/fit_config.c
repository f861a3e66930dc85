/* lacus fit CONFIG.json: the model, data and training a config describes
 * (config.c parses it), for one ESN or a layer stack. Nothing is written
 * unless the whole fit succeeds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config.h"

/* "preprocess": fits the node on the training inputs (every step of every
 * sequence) and transforms them; *use is what the model trains on. */
static int fit_input_prep(cli_config *c, const lacus_seqs *X, lacus_prep **prep, cli_prep_seqs *P,
                          const lacus_seqs **use)
{
    *use = X;
    *prep = NULL;
    memset(P, 0, sizeof *P);
    if (!c->has_prep) return 0;
    lacus_error err = {0};
    if (lacus_prep_create(&c->prep, prep, &err)) return cli_error("%s: preprocess: %s", c->path, err.msg), 1;
    if (lacus_prep_fit(*prep, X)) {
        cli_error("%s: preprocess (%s) on the inputs: %s", c->path, lacus_prep_kind_name(c->prep.kind),
                  lacus_prep_errmsg(*prep));
        lacus_prep_free(*prep);
        *prep = NULL;
        return 1;
    }
    if (cli_prep_transform(*prep, X, "input", P)) {
        lacus_prep_free(*prep);
        *prep = NULL;
        return 1;
    }
    if (lacus_dist_rank() == 0) /* a stack under mpirun: every rank fits the same node */
        fprintf(stderr, "preprocess: %s fitted on %lld sequences, %lld -> %lld features\n",
                lacus_prep_kind_name(c->prep.kind), (long long)X->n_seqs, (long long)X->n_features,
                (long long)P->s.n_features);
    *use = &P->s;
    return 0;
}

static int fit_esn_config(cli_config *c)
{
    /* Under mpirun the sequences are sharded, and "preprocess" is fitted
     * over the ranks (prep_dist.c). */
    if (lacus_dist_launched())
        return fit_dist_prep(&c->esn, &c->input, &c->target, c->output, c->path,
                             c->has_prep ? &c->prep : NULL);
    cli_seqs X, Y;
    if (cli_seqs_load(&c->input, "input", &X)) return 1;
    if (cli_seqs_load(&c->target, "target", &Y)) {
        cli_seqs_free(&X);
        return 1;
    }
    lacus_prep *prep = NULL;
    cli_prep_seqs P;
    const lacus_seqs *U;
    if (fit_input_prep(c, &X.s, &prep, &P, &U)) {
        cli_seqs_free(&X);
        cli_seqs_free(&Y);
        return 1;
    }
    int rc = 1;
    lacus_esn_params p;
    lacus_esn *m = NULL;
    lacus_error err = {0};
    cli_progress prog;
    cli_progress_init(&prog, "fit");
    if (esn_opts_resolve(&c->esn, &p, U->n_features)) {
        rc = 2;
        goto done;
    }
    if (c->esn.feedback) p.n_feedback = Y.s.n_features;
    p.progress = cli_progress_cb;
    p.progress_user = &prog;
    if (lacus_esn_create(&p, &m, &err)) {
        cli_error("%s: %s", c->path, err.msg);
        goto done;
    }
    double t0 = cli_now();
    if (lacus_esn_fit(m, U, &Y.s)) {
        cli_progress_done(&prog);
        cli_error("fit: %s", lacus_esn_errmsg(m));
        goto done;
    }
    cli_progress_done(&prog);
    double t1 = cli_now();
    if (lacus_esn_save_with_prep(m, prep, c->output, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    printf("trained an ESN of %lld units on %lld sequences in %.3f s; wrote %s\n",
           (long long)p.reservoir.n_units, (long long)X.s.n_seqs, t1 - t0, c->output);
    rc = 0;
done:
    lacus_esn_free(m);
    lacus_prep_free(prep);
    cli_prep_seqs_free(&P);
    cli_seqs_free(&X);
    cli_seqs_free(&Y);
    return rc;
}

/* One progress bar for the whole stack, as the ESN fit has: layer l at
 * fraction f of its own fit is (l + f) / L of the stack. With layers fitted
 * in parallel, the layers' own reports would come from several threads, so
 * the bar then moves as layers finish (on_layer runs in a critical
 * section). The per-layer MSE table is printed at the end. */
typedef struct stack_progress {
    cli_progress bar;
    int64_t n_layers, done;
    int parallel;
    double shown; /* never backwards: a chained layer first re-runs the one before it */
} stack_progress;

typedef struct layer_progress {
    stack_progress *sp;
    int64_t layer;
} layer_progress;

static void layer_progress_cb(double fraction, void *user)
{
    layer_progress *lp = user;
    if (lp->sp->parallel || lacus_dist_size() > 1) return;
    double v = ((double)lp->layer + fraction) / (double)lp->sp->n_layers;
    if (v < lp->sp->shown) return;
    lp->sp->shown = v;
    cli_progress_cb(v, &lp->sp->bar);
}

static void report_layer(int64_t l, double mse, double seconds, void *user)
{
    (void)l;
    (void)mse;
    (void)seconds;
    stack_progress *sp = user;
    sp->done++;
    if (lacus_dist_size() > 1) return; /* ranks would draw over each other */
    cli_progress_cb((double)sp->done / (double)sp->n_layers, &sp->bar);
}

static int fit_stack_config(cli_config *c)
{
    int L = c->n_layers, rc = 1;
    cli_seqs X = {0}, *Y = calloc((size_t)L, sizeof *Y);
    lacus_esn_params *ep = calloc((size_t)L, sizeof *ep);
    int64_t *outs = calloc((size_t)L, sizeof *outs);
    const lacus_seqs **targets = calloc((size_t)L, sizeof *targets);
    lacus_stack *s = NULL;
    layer_progress *lp = calloc((size_t)L, sizeof *lp);
    stack_progress sprog = {0};
    lacus_prep *prep = NULL;
    cli_prep_seqs P = {0};
    const lacus_seqs *U = NULL;
    int loaded = 0;
    if (!Y || !ep || !outs || !targets || !lp) {
        cli_error("out of memory");
        goto done;
    }
    /* Under mpirun every rank loads all of a stack's data (layers, not
     * sequences, are shared out), so "preprocess" fitted here is the same
     * node on every rank, and the 1-process one. */
    if (cli_seqs_load(&c->input, "input", &X)) goto done;
    if (fit_input_prep(c, &X.s, &prep, &P, &U)) goto done;
    for (; loaded < L; loaded++) {
        char what[48];
        snprintf(what, sizeof what, "layers[%d].target", loaded);
        if (cli_seqs_load(&c->layer_target[loaded], what, &Y[loaded])) goto done;
        targets[loaded] = &Y[loaded].s;
        outs[loaded] = Y[loaded].s.n_features;
    }
    for (int l = 0; l < L; l++) {
        if (c->layer[l].feedback) {
            cli_error("%s: layers[%d].feedback: output feedback is not supported inside a stack",
                      c->path, l);
            rc = 2;
            goto done;
        }
        if (esn_opts_resolve(&c->layer[l], &ep[l], l == 0 ? U->n_features : 0)) {
            rc = 2;
            goto done;
        }
    }
    lacus_stack_params sp = lacus_stack_params_default();
    sp.n_layers = L;
    sp.layers = ep;
    sp.n_outputs = outs;
    sp.teacher_inputs = c->teacher_inputs;
    sp.parallel_layers = c->parallel_layers;
    cli_progress_init(&sprog.bar, "fit stack");
    sprog.n_layers = L;
    sprog.parallel = c->teacher_inputs && c->parallel_layers != 1;
    for (int l = 0; l < L; l++) {
        lp[l] = (layer_progress){&sprog, l};
        ep[l].progress = layer_progress_cb;
        ep[l].progress_user = &lp[l];
    }
    sp.on_layer = report_layer;
    sp.on_layer_user = &sprog;
    lacus_error err = {0};
    if (lacus_stack_create(&sp, &s, &err)) {
        cli_error("%s: %s", c->path, err.msg);
        goto done;
    }
    double t0 = cli_now();
    /* Under mpirun, layers trained on teacher inputs are shared out; with
     * "dist": {"solve": "scalapack"} every layer is solved over all ranks. */
    lacus_dist_params dp = fit_dist_params();
    if (lacus_stack_fit_dist_ex(s, U, targets, &dp)) {
        cli_progress_done(&sprog.bar);
        cli_error("fit: %s", lacus_stack_errmsg(s));
        goto done;
    }
    cli_progress_done(&sprog.bar);
    double t1 = cli_now();
    lacus_status st = lacus_dist_rank() == 0 ? lacus_stack_save_with_prep(s, prep, c->output, &err) : LACUS_OK;
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (lacus_dist_rank() != 0) {
        rc = 0;
        goto done;
    }
    printf("layer  units  outputs  train_mse\n");
    for (int l = 0; l < L; l++)
        printf("%5d  %5lld  %7lld  %.6g\n", l, (long long)ep[l].reservoir.n_units,
               (long long)outs[l], lacus_stack_train_mse(s, l));
    int spk = lacus_dist_launched() && dp.solve == LACUS_DIST_SOLVE_SCALAPACK;
    printf("trained a stack of %d layers (%s%s) in %.3f s; wrote %s\n", L,
           c->teacher_inputs ? "teacher inputs" : "chained",
           spk ? ", each layer solved over the MPI ranks (scalapack)"
           : lacus_dist_size() > 1 && c->teacher_inputs ? ", layers shared over the MPI ranks" : "",
           t1 - t0, c->output);
    rc = 0;
done:
    lacus_stack_free(s);
    lacus_prep_free(prep);
    cli_prep_seqs_free(&P);
    cli_seqs_free(&X);
    for (int l = 0; l < loaded; l++) cli_seqs_free(&Y[l]);
    free(Y);
    free(lp);
    free(ep);
    free(outs);
    free(targets);
    return rc;
}

/* Node by node as the config lists them (options from layer[], the
 * config's own or a search trial's), then the edges by name. */
lacus_graph *cli_build_graph(const cli_config *c, const esn_cli_opts *layer, const int64_t *outs)
{
    lacus_graph *g = NULL;
    lacus_error err = {0};
    if (lacus_graph_create(&g, &err)) return cli_error("%s", err.msg), NULL;
    for (int k = 0; k < c->n_nodes; k++) {
        int64_t id;
        lacus_status st;
        lacus_esn_params ep;
        esn_cli_opts lo = layer[k];
        if (!strcmp(c->node_kind[k], "input")) {
            st = lacus_graph_add_input(g, c->node_name[k], c->node_features[k], &id);
        } else if (!strcmp(c->node_kind[k], "prep")) {
            st = lacus_graph_add_prep(g, c->node_name[k], &c->node_prep[k], &id);
        } else if (!strcmp(c->node_kind[k], "online")) {
            lacus_online_params op = c->node_online[k];
            op.n_outputs = outs[k];
            st = lacus_graph_add_online(g, c->node_name[k], &op, &id);
        } else if (esn_opts_resolve(&lo, &ep, 0)) {
            lacus_graph_free(g);
            return NULL;
        } else if (!strcmp(c->node_kind[k], "reservoir")) {
            st = lacus_graph_add_reservoir(g, c->node_name[k], &ep.reservoir, &id);
        } else {
            ep.readout.n_outputs = outs[k];
            st = lacus_graph_add_ridge(g, c->node_name[k], &ep.readout, &id);
        }
        if (st) {
            cli_error("%s: nodes[%d]: %s", c->path, k, lacus_graph_errmsg(g));
            lacus_graph_free(g);
            return NULL;
        }
    }
    for (int e = 0; e < c->n_edges; e++)
        if (lacus_graph_connect(g, lacus_graph_find(g, c->edge_from[e]),
                                lacus_graph_find(g, c->edge_to[e]), c->edge_delay[e])) {
            cli_error("%s: edges[%d]: %s", c->path, e, lacus_graph_errmsg(g));
            lacus_graph_free(g);
            return NULL;
        }
    return g;
}

static int fit_graph_config(cli_config *c)
{
    /* A graph's solve is chosen, not switched by a memory cap. */
    if (c->rank_mem_mb > 0)
        return cli_error("%s: dist.rank_mem_mb: not for a graph: choose its solve with \"solve\" "
                         "(\"reduce\" or \"scalapack\")", c->path), 2;
    if (graph_dist_shardable(c)) return graph_dist_fit(c);
    int n = c->n_nodes, rc = 1;
    cli_seqs *files = calloc((size_t)n + 1, sizeof *files); /* per node, [n]: shared input */
    int64_t *outs = calloc((size_t)n, sizeof *outs), ids[CLI_CONFIG_MAX_LAYERS];
    const lacus_seqs **ins = calloc((size_t)n, sizeof *ins), **tgs = calloc((size_t)n, sizeof *tgs);
    lacus_graph *g = NULL;
    if (!files || !outs || !ins || !tgs) {
        cli_error("out of memory");
        goto done;
    }
    int64_t n_tg = 0;
    for (int k = 0; k < n; k++) {
        if (strcmp(c->node_kind[k], "ridge") && strcmp(c->node_kind[k], "online")) continue;
        char what[300];
        snprintf(what, sizeof what, "nodes[%d].target", k);
        if (cli_seqs_load(&c->layer_target[k], what, &files[k])) goto done;
        outs[k] = files[k].s.n_features;
        tgs[n_tg++] = &files[k].s;
    }
    if (!(g = cli_build_graph(c, c->layer, outs))) {
        rc = 2;
        goto done;
    }
    int64_t n_in = lacus_graph_inputs(g, ids, CLI_CONFIG_MAX_LAYERS);
    if (!c->input_by_name && cli_seqs_load(&c->input, "input", &files[n])) goto done;
    for (int64_t k = 0; k < n_in; k++) {
        int id = (int)ids[k];
        if (!c->input_by_name) {
            ins[k] = &files[n].s;
            continue;
        }
        if (c->node_input[id].n == 0) {
            cli_error("%s: input: no files for graph input \"%s\" (a node without delay-0 "
                      "parents)", c->path, c->node_name[id]);
            rc = 2;
            goto done;
        }
        char what[300];
        snprintf(what, sizeof what, "input.%s", c->node_name[id]);
        if (cli_seqs_load(&c->node_input[id], what, &files[id])) goto done;
        ins[k] = &files[id].s;
    }
    double t0 = cli_now();
    /* Under mpirun every rank reads all the files and computes its share
     * of the sequences (lacus_graph_fit_dist); rank 0 writes. */
    lacus_dist_params dp = fit_dist_params();
    lacus_status fst = lacus_dist_launched() ? lacus_graph_fit_dist_ex(g, ins, tgs, c->warmup, NULL, &dp)
                                             : lacus_graph_fit(g, ins, tgs, c->warmup);
    if (fst) {
        cli_error("fit: %s", lacus_graph_errmsg(g));
        goto done;
    }
    double t1 = cli_now();
    lacus_error err = {0};
    lacus_status st = lacus_dist_rank() == 0 ? lacus_graph_save(g, c->output, &err) : LACUS_OK;
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (lacus_dist_rank() != 0) {
        rc = 0;
        goto done;
    }
    printf("node        kind       width\n");
    for (int64_t i = 0; i < lacus_graph_n_nodes(g); i++) {
        static const char *const kinds[] = {"input", "reservoir", "ridge", "prep", "online"};
        printf("%-11s %-10s %5lld\n", lacus_graph_node_name(g, i), kinds[lacus_graph_node_kind(g, i)],
               (long long)lacus_graph_node_width(g, i));
    }
    printf("trained a graph of %lld nodes and %d edges in %.3f s%s; wrote %s\n",
           (long long)lacus_graph_n_nodes(g), c->n_edges, t1 - t0,
           lacus_dist_size() > 1 ? ", sequences shared over the MPI ranks" : "", c->output);
    if (lacus_dist_launched() && dp.solve == LACUS_DIST_SOLVE_SCALAPACK)
        printf("ridge nodes solved by scalapack over %d ranks\n", lacus_dist_size());
    rc = 0;
done:
    for (int k = 0; files && k <= n; k++) cli_seqs_free(&files[k]);
    free(files);
    free(outs);
    free(ins);
    free(tgs);
    lacus_graph_free(g);
    return rc;
}

int run_graph(const char *model, const opt_list *inputs, const char *out, const char *node)
{
    lacus_error err = {0};
    lacus_graph *g = NULL;
    if (lacus_graph_load(model, &g, &err)) return cli_error("%s", err.msg), 1;
    int64_t id = -1;
    if (node) {
        id = lacus_graph_find(g, node);
        if (id < 0) {
            lacus_graph_free(g);
            return cli_error("--node \"%s\": %s has no node of that name", node, model), 2;
        }
    } else {
        for (int64_t i = 0; i < lacus_graph_n_nodes(g); i++)
            if (lacus_graph_node_kind(g, i) == LACUS_NODE_RIDGE ||
                lacus_graph_node_kind(g, i) == LACUS_NODE_ONLINE)
                id = i;
    }
    cli_seqs X;
    if (cli_seqs_load(inputs, "--input", &X)) {
        lacus_graph_free(g);
        return 1;
    }
    int rc = 1;
    int64_t n_in = lacus_graph_inputs(g, NULL, 0), W = lacus_graph_node_width(g, id);
    const lacus_seqs **ins = calloc((size_t)n_in, sizeof *ins);
    double **outs = calloc((size_t)X.s.n_seqs, sizeof *outs);
    double *const **per = calloc((size_t)lacus_graph_n_nodes(g), sizeof *per);
    if (!ins || !outs || !per) {
        cli_error("out of memory");
        goto done;
    }
    for (int64_t k = 0; k < n_in; k++) ins[k] = &X.s; /* every graph input reads --input */
    for (int64_t i = 0; i < X.s.n_seqs; i++)
        if (!(outs[i] = malloc((size_t)(X.s.n_steps[i] * W) * sizeof(double)))) {
            cli_error("out of memory for the outputs");
            goto done;
        }
    per[id] = outs;
    if (lacus_graph_run(g, ins, per)) {
        cli_error("run: %s", lacus_graph_errmsg(g));
        goto done;
    }
    if (cli_write_seqs(out, outs, X.s.n_steps, X.s.n_seqs, W)) goto done;
    printf("wrote %s (node \"%s\": %lld sequences, %lld outputs)\n", out,
           lacus_graph_node_name(g, id), (long long)X.s.n_seqs, (long long)W);
    rc = 0;
done:
    for (int64_t i = 0; outs && i < X.s.n_seqs; i++) free(outs[i]);
    free(outs);
    free(ins);
    free(per);
    cli_seqs_free(&X);
    lacus_graph_free(g);
    return rc;
}

/* "model": "nvar": lacus fit --model nvar with the options of "nvar"
 * (cmd_nvar.c does the fit, sharded under mpirun), so the same options
 * give the same model file, byte for byte. */
static int fit_nvar_config(cli_config *c)
{
    lacus_nvar_model_params p;
    int rc = nvar_opts_resolve(&c->nvar, c->path, c->target.n > 0, &p);
    if (!rc && c->target.n && c->target.n != c->input.n) {
        cli_error("%s: target: %d file(s) for %d input file(s): give one per input file", c->path,
                  c->target.n, c->input.n);
        rc = 2;
    }
    return rc ? rc : nvar_fit_files(&p, &c->input, c->target.n ? &c->target : NULL, c->output,
                                    c->path);
}

int fit_config(const char *path)
{
    cli_config *c = calloc(1, sizeof *c);
    if (!c) return cli_error("out of memory"), 1;
    int rc = cli_config_load(path, c);
    if (rc) {
        free(c);
        return rc;
    }
    if (c->threads > 0) lacus_set_num_threads(c->threads);
    fit_dist_opts d = {c->dist_solve, c->rank_mem_mb, c->dist_block, c->dist_rows, 0};
    if ((rc = fit_dist_set(&d))) {
        cli_config_free(c);
        free(c);
        return rc;
    }
    rc = c->is_graph ? fit_graph_config(c) : c->is_stack ? fit_stack_config(c)
       : c->is_nvar ? fit_nvar_config(c) : fit_esn_config(c);
    cli_config_free(c);
    free(c);
    return rc;
}

int run_stack(const char *model, const opt_list *inputs, const char *out, int64_t layer)
{
    lacus_error err = {0};
    lacus_stack *s = NULL;
    if (lacus_stack_load(model, &s, &err)) return cli_error("%s", err.msg), 1;
    int64_t L = lacus_stack_n_layers(s);
    if (layer == -1) layer = L - 1;
    if (layer < 0 || layer >= L) {
        lacus_stack_free(s);
        return cli_error("--layer %lld: the stack has layers 0 .. %lld", (long long)layer,
                         (long long)L - 1), 2;
    }
    cli_seqs X;
    if (cli_seqs_load(inputs, "--input", &X)) {
        lacus_stack_free(s);
        return 1;
    }
    int rc = 1;
    cli_prep_seqs P;
    const lacus_seqs *U;
    if (cli_model_prep_inputs(model, &X.s, &P, &U)) {
        cli_seqs_free(&X);
        lacus_stack_free(s);
        return 1;
    }
    int64_t O = lacus_esn_n_outputs(lacus_stack_layer(s, layer));
    double **outs = calloc((size_t)X.s.n_seqs, sizeof *outs);
    double *const **per = calloc((size_t)L, sizeof *per);
    if (!outs || !per) {
        cli_error("out of memory");
        goto done;
    }
    for (int64_t i = 0; i < X.s.n_seqs; i++)
        if (!(outs[i] = malloc((size_t)(X.s.n_steps[i] * O) * sizeof(double)))) {
            cli_error("out of memory for the predictions");
            goto done;
        }
    per[layer] = outs;
    if (lacus_stack_run(s, U, per)) {
        cli_error("run: %s", lacus_stack_errmsg(s));
        goto done;
    }
    if (cli_write_seqs(out, outs, X.s.n_steps, X.s.n_seqs, O)) goto done;
    printf("wrote %s (layer %lld of %lld: %lld sequences, %lld outputs)\n", out, (long long)layer,
           (long long)L, (long long)X.s.n_seqs, (long long)O);
    rc = 0;
done:
    for (int64_t i = 0; outs && i < X.s.n_seqs; i++) free(outs[i]);
    free(outs);
    free(per);
    cli_prep_seqs_free(&P);
    cli_seqs_free(&X);
    lacus_stack_free(s);
    return rc;
}
