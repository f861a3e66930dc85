/* Declarative configs for `lacus fit CONFIG.json` (see config.c and
 * docs/config.md). */
#ifndef LACUS_CLI_CONFIG_H
#define LACUS_CLI_CONFIG_H

#include "commands.h"
#include "common.h"
#include "nvar_cli.h"
#include "opts.h"

#define CLI_CONFIG_MAX_LAYERS 256
#define CLI_CONFIG_MAX_EDGES 1024

typedef struct cli_config {
    const char *path;
    char dir[1024];          /* the config's directory: relative paths start here */
    void *json;              /* the parsed cJSON tree (strings point into it) */
    int is_stack, is_graph, is_nvar;
    esn_cli_opts esn;        /* "esn": the model, or every layer's defaults */
    nvar_cli_opts nvar;      /* "nvar": an NVAR forecaster's options */
    opt_list input, target;  /* target: esn only */
    const char *output;
    int threads;
    /* stack */
    int n_layers, teacher_inputs, parallel_layers;
    esn_cli_opts layer[CLI_CONFIG_MAX_LAYERS];
    opt_list layer_target[CLI_CONFIG_MAX_LAYERS];
    /* graph: nodes reuse layer[] (options) and layer_target[] (ridge targets) */
    int n_nodes, n_edges;
    const char *node_kind[CLI_CONFIG_MAX_LAYERS], *node_name[CLI_CONFIG_MAX_LAYERS];
    int64_t node_features[CLI_CONFIG_MAX_LAYERS];
    opt_list node_input[CLI_CONFIG_MAX_LAYERS]; /* per graph input, when "input" maps names */
    int input_by_name;
    const char *edge_from[CLI_CONFIG_MAX_EDGES], *edge_to[CLI_CONFIG_MAX_EDGES];
    int64_t edge_delay[CLI_CONFIG_MAX_EDGES];
    int64_t warmup;
    /* "preprocess" (esn, stack); graph prep and online nodes */
    int has_prep;
    lacus_prep_params prep;
    lacus_prep_params node_prep[CLI_CONFIG_MAX_LAYERS];
    lacus_online_params node_online[CLI_CONFIG_MAX_LAYERS];
    /* "dist": how the readouts are solved under mpirun (fit_dist_set) */
    const char *dist_solve;
    double rank_mem_mb;
    int64_t dist_block, dist_rows;
} cli_config;

/* Returns 0, or after printing the error (file, line/column or key) the
 * exit status: 1 when the file cannot be read, 2 when its content is wrong. */
int cli_config_load(const char *path, cli_config *cfg);
void cli_config_free(cli_config *cfg);
/* Prints the reference of every key with its default (docs/config.md). */
void cli_config_reference(void);

/* lacus fit CONFIG.json: trains and saves the model the config describes. */
int fit_config(const char *path);

/* This rank's share of the sequences of a fit under mpirun (fit_dist.c):
 * with at least as many files as ranks, file j goes to rank j mod K;
 * otherwise every rank reads every file and keeps the i-th sequence when
 * i mod K is its rank. The k-th sequence of file j has id (j << 32) + k
 * either way. targets may be NULL (a model that predicts its inputs:
 * my_tg is then empty). cli_shard_load returns 0 or -1 (message printed);
 * cli_shard_free frees a partly loaded shard too. */
typedef struct cli_shard {
    cli_seqs *in, *tg;            /* one pair per file this rank loaded */
    int n_files;
    lacus_seqs my_in, my_tg;      /* the sequences it fits */
    const double **in_ptr, **tg_ptr;
    int64_t *steps, *ids, n, cap;
} cli_shard;
int cli_shard_load(const opt_list *inputs, const opt_list *targets, cli_shard *s);
void cli_shard_free(cli_shard *s);

/* lacus fit under mpirun with more than one rank (fit_dist.c). */
int fit_dist(esn_cli_opts *o, const opt_list *inputs, const opt_list *targets, const char *out);
/* The same with the config's input preprocessing (pp NULL: none), fitted
 * over the ranks; path names the config in messages. */
int fit_dist_prep(esn_cli_opts *o, const opt_list *inputs, const opt_list *targets, const char *out,
                  const char *path, const lacus_prep_params *pp);

/* Graphs under mpirun whose input and targets are lists of at least one
 * file per rank (and no online or fitted prep nodes): each rank reads only
 * its own files (graph_dist.c). fit: 0, 1 runtime error, 2 bad config. */
int graph_dist_shardable(const cli_config *c);
int graph_dist_fit(cli_config *c);

/* How fit_dist solves the readout (--dist-solve and friends of lacus fit):
 * fit_dist_set checks them and keeps them for fit_dist; 0, or 2 after
 * printing a usage error. Without it fit_dist uses the defaults. */
typedef struct fit_dist_opts {
    const char *solve;   /* auto | reduce | scalapack */
    double rank_mem_mb;
    int64_t block;
    int64_t rows;
    int report_memory;
} fit_dist_opts;
fit_dist_opts fit_dist_opts_default(void);
int fit_dist_set(const fit_dist_opts *d);
/* The library's parameters for what fit_dist_set kept. */
lacus_dist_params fit_dist_params(void);
#define FIT_DIST_OPTS(d)                                                                          \
    {"dist-solve", OPT_STRING, &(d).solve, "under mpirun: how the readout is solved: reduce (the "  \
                                           "N x N sums on every rank, solved on rank 0) | "         \
                                           "scalapack (block-cyclic over the ranks, none holds "    \
                                           "N x N) | auto (reduce unless --rank-mem-mb forbids)"},   \
    {"rank-mem-mb", OPT_DOUBLE, &(d).rank_mem_mb, "under mpirun: memory cap per rank for the "     \
                                                  "readout's sums and solve, MiB (0: none)"},      \
    {"dist-block", OPT_INT, &(d).block, "--dist-solve scalapack: block-cyclic block size (0: "     \
                                        "N / (4 x the longer grid side), in 32..256)"},            \
    {"dist-rows", OPT_INT, &(d).rows, "--dist-solve scalapack: states per rank per pdsyrk round "  \
                                      "(0: N / 8K, at most N / 16, in 32..1024)"},                 \
    {"report-memory", OPT_FLAG, &(d).report_memory, "under mpirun: each rank prints its peak "     \
                                                    "memory (VmHWM) before and after the fit"}

/* The graph a config describes, untrained, with node options from layer[]
 * (c->layer, or a search trial's copy) and each trained node's output
 * width in outs[k]; NULL after printing the error. */
lacus_graph *cli_build_graph(const cli_config *c, const esn_cli_opts *layer, const int64_t *outs);

/* lacus run on a graph model: writes node `node`'s outputs (NULL: the
 * last ridge node). */
int run_graph(const char *model, const opt_list *inputs, const char *out, const char *node);

/* lacus run on a stack model: writes layer `layer`'s outputs (-1: last). */
int run_stack(const char *model, const opt_list *inputs, const char *out, int64_t layer);

/* Inputs transformed by a preprocessing node (prep_apply.c). */
typedef struct cli_prep_seqs {
    lacus_seqs s;
    double **rows;
    int64_t *steps;
} cli_prep_seqs;

/* Transforms every sequence of in (widths and steps checked by the node);
 * 0, or -1 after printing the error. what names the data in messages. */
int cli_prep_transform(lacus_prep *p, const lacus_seqs *in, const char *what, cli_prep_seqs *out);
void cli_prep_seqs_free(cli_prep_seqs *s);
/* Fits pp over every rank's sequences (lacus_prep_fit_dist) and transforms
 * this rank's: *use is what it trains on (pp NULL: mine itself). ids as in
 * fit_dist.c ((file << 32) + position in files). Collective; 0, or 1 after
 * printing the error on every rank (prep_dist.c). */
int cli_prep_fit_dist(const char *path, const lacus_prep_params *pp, const opt_list *files,
                      const lacus_seqs *mine, const int64_t *ids, lacus_prep **prep, cli_prep_seqs *P,
                      const lacus_seqs **use);
/* lacus run: applies the input preprocessing stored in the model file, if
 * any. *use = in (none) or &out->s. 0, or 1 after printing the error. */
int cli_model_prep_inputs(const char *model, const lacus_seqs *in, cli_prep_seqs *out,
                          const lacus_seqs **use);

#endif
