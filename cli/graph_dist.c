/* lacus fit GRAPH.json under mpirun with files shared out: when the graph's
 * input and every trained node's target are lists of the same number of
 * files, at least one per rank, file j goes to rank j mod K and each rank
 * reads only its own files (inputs and targets). The file sizes (sequence
 * counts) are exchanged so that every sequence keeps its global index,
 * which numbers its noise streams: the model is byte-identical to the one
 * of ranks that read everything (lacus_graph_fit_dist_local).
 *
 * Fitted prep nodes (minmax, zscore, onehot) are fitted over the ranks'
 * shares (lacus_prep_fit_dist); online nodes learn over every sequence in
 * order on rank 0, from the rows the other ranks send it. Inputs given per
 * graph input name keep the read-everything path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config.h"

/* Nodes that take targets, in node order (as lacus_graph_fit wants them). */
static int is_trained(const char *kind) { return !strcmp(kind, "ridge") || !strcmp(kind, "online"); }

int graph_dist_shardable(const cli_config *c)
{
    int K = lacus_dist_size();
    if (K < 2 || c->input_by_name || c->input.n < K) return 0;
    for (int k = 0; k < c->n_nodes; k++)
        if (is_trained(c->node_kind[k]) && c->layer_target[k].n != c->input.n) return 0;
    return 1;
}

typedef struct local_seqs {
    lacus_seqs s;
    const double **ptr;
    int64_t *steps;
} local_seqs;

/* The sequences of files[0..nf) (already loaded) as one lacus_seqs;
 * names[f] names file f in messages. 0, or -1 with the message in err. */
static int merge(const cli_seqs *files, const char *const *names, int nf, int64_t n,
                 local_seqs *out, lacus_error *err)
{
    for (int f = 1; f < nf; f++)
        if (files[f].s.n_features != files[0].s.n_features) {
            snprintf(err->msg, sizeof err->msg, "%s has %lld columns but %s %lld", names[f],
                     (long long)files[f].s.n_features, names[0], (long long)files[0].s.n_features);
            return -1;
        }
    out->ptr = calloc((size_t)(n ? n : 1), sizeof *out->ptr);
    out->steps = calloc((size_t)(n ? n : 1), sizeof *out->steps);
    if (!out->ptr || !out->steps) return snprintf(err->msg, sizeof err->msg, "out of memory"), -1;
    int64_t i = 0;
    for (int f = 0; f < nf; f++)
        for (int64_t k = 0; k < files[f].s.n_seqs; k++, i++) {
            out->ptr[i] = files[f].s.data[k];
            out->steps[i] = files[f].s.n_steps[k];
        }
    out->s = (lacus_seqs){n, nf ? files[0].s.n_features : 0, out->ptr, out->steps};
    return 0;
}

int graph_dist_fit(cli_config *c)
{
    const int rank = lacus_dist_rank(), K = lacus_dist_size(), nfile = c->input.n, n = c->n_nodes;
    const int mine = (nfile - rank + K - 1) / K; /* files j = rank, rank + K, ... */
    int rc = 1, n_tg = 0;
    lacus_error err = {0};
    /* files[t][f]: t = 0 the input, t = 1.. the trained nodes' targets. */
    int tg_node[CLI_CONFIG_MAX_LAYERS];
    for (int k = 0; k < n; k++)
        if (is_trained(c->node_kind[k])) tg_node[n_tg++] = k;
    cli_seqs *files = calloc((size_t)(n_tg + 1) * (size_t)(mine > 0 ? mine : 1), sizeof *files);
    local_seqs *loc = calloc((size_t)(n_tg + 1), sizeof *loc);
    double *count = calloc((size_t)(nfile > 0 ? nfile : 1), sizeof *count), *lo = calloc((size_t)(nfile > 0 ? nfile : 1), sizeof *lo);
    int64_t *q_of = NULL, *outs = calloc((size_t)(n > 0 ? n : 1), sizeof *outs), n_local = 0;
    const lacus_seqs **tgs = calloc((size_t)(n_tg ? n_tg : 1), sizeof *tgs);
    lacus_graph *g = NULL;
    lacus_status st = files && loc && count && lo && outs && tgs ? LACUS_OK : LACUS_ERR_NOMEM;
    if (st) snprintf(err.msg, sizeof err.msg, "out of memory");
    for (int f = 0; !st && f < mine; f++) {
        int j = rank + f * K;
        opt_list one = {1, 1, &c->input.items[j], NULL};
        if (cli_seqs_load(&one, "input", &files[f])) st = LACUS_ERR_IO;
        for (int t = 0; !st && t < n_tg; t++) {
            char what[300];
            snprintf(what, sizeof what, "nodes[%d].target", tg_node[t]);
            opt_list ot = {1, 1, &c->layer_target[tg_node[t]].items[j], NULL};
            cli_seqs *y = &files[(t + 1) * mine + f];
            if (cli_seqs_load(&ot, what, y)) st = LACUS_ERR_IO;
            else if (y->s.n_seqs != files[f].s.n_seqs) {
                cli_error("%s holds %lld sequences but %s %lld", c->input.items[j],
                          (long long)files[f].s.n_seqs, ot.items[0], (long long)y->s.n_seqs);
                st = LACUS_ERR_SHAPE;
            }
        }
        if (!st) count[j] = (double)files[f].s.n_seqs, n_local += files[f].s.n_seqs;
    }
    if (st && !err.msg[0]) snprintf(err.msg, sizeof err.msg, "could not load its data (its message is above)");
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto done;
    }
    /* Every rank learns every file's sequence count: the global index of
     * file j's k-th sequence is the count of the files before j, plus k. */
    lacus_dist_minmax(lo, count, nfile);
    q_of = calloc((size_t)(n_local ? n_local : 1), sizeof *q_of);
    st = q_of ? LACUS_OK : LACUS_ERR_NOMEM;
    for (int f = 0, i = 0; !st && f < mine; f++) {
        int64_t base = 0;
        for (int j = 0; j < rank + f * K; j++) base += (int64_t)count[j];
        for (int64_t k = 0; k < files[f].s.n_seqs; k++) q_of[i++] = base + k;
    }
    if (st) snprintf(err.msg, sizeof err.msg, "out of memory");
    const char **names = st ? NULL : calloc((size_t)(mine > 0 ? mine : 1), sizeof *names);
    if (!st && !names) st = LACUS_ERR_NOMEM, snprintf(err.msg, sizeof err.msg, "out of memory");
    for (int t = 0; !st && t <= n_tg; t++) {
        const opt_list *l = t ? &c->layer_target[tg_node[t - 1]] : &c->input;
        for (int f = 0; f < mine; f++) names[f] = l->items[rank + f * K];
        if (merge(files + t * mine, names, mine, n_local, &loc[t], &err)) st = LACUS_ERR_SHAPE;
    }
    free(names);
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto done;
    }
    /* Widths must agree over the ranks (each saw only its files): the
     * ridges' sums are reduced element by element. */
    for (int t = 0; t <= n_tg; t++) {
        int64_t w = loc[t].s.n_features, hi = lacus_dist_max(w), lo_w = -lacus_dist_max(-w);
        if (hi != lo_w) {
            if (rank == 0)
                cli_error("%s: %s: the files have %lld to %lld columns (each rank read its own)",
                          c->path, t ? "a target" : "input", (long long)lo_w, (long long)hi);
            goto done;
        }
    }
    for (int t = 0; t < n_tg; t++) {
        outs[tg_node[t]] = loc[t + 1].s.n_features;
        tgs[t] = &loc[t + 1].s;
    }
    if (!(g = cli_build_graph(c, c->layer, outs))) {
        rc = 2;
        goto done;
    }
    const lacus_seqs *ins[CLI_CONFIG_MAX_LAYERS];
    int64_t n_in = lacus_graph_inputs(g, NULL, 0);
    for (int64_t k = 0; k < n_in && k < CLI_CONFIG_MAX_LAYERS; k++) ins[k] = &loc[0].s;
    double t0 = cli_now();
    lacus_dist_params dp = fit_dist_params();
    if (lacus_graph_fit_dist_ex(g, ins, tgs, c->warmup, q_of, &dp)) {
        cli_error("fit: %s", lacus_graph_errmsg(g));
        goto done;
    }
    double t1 = cli_now();
    st = rank == 0 ? lacus_graph_save(g, c->output, &err) : LACUS_OK;
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (rank == 0) {
        printf("node        kind       width\n");
        for (int64_t i = 0; i < lacus_graph_n_nodes(g); i++) {
            static const char *const kinds[] = {"input", "reservoir", "ridge", "prep", "online"};
            printf("%-11s %-10s %5lld\n", lacus_graph_node_name(g, i), kinds[lacus_graph_node_kind(g, i)],
                   (long long)lacus_graph_node_width(g, i));
        }
    }
    if (rank == 0)
        printf("trained a graph of %lld nodes and %d edges in %.3f s, %d files shared over %d MPI "
               "ranks (each read its own); wrote %s\n", (long long)lacus_graph_n_nodes(g), c->n_edges,
               t1 - t0, nfile, K, c->output);
    if (rank == 0 && dp.solve == LACUS_DIST_SOLVE_SCALAPACK)
        printf("ridge nodes solved by scalapack over %d ranks\n", K);
    rc = 0;
done:
    for (int i = 0; files && i < (n_tg + 1) * mine; i++) cli_seqs_free(&files[i]);
    for (int t = 0; loc && t <= n_tg; t++) {
        free(loc[t].ptr);
        free(loc[t].steps);
    }
    free(files);
    free(loc);
    free(count);
    free(lo);
    free(q_of);
    free(outs);
    free(tgs);
    lacus_graph_free(g);
    return rc;
}
