/* lacus search on stack and graph configs (search_models.c). */
#ifndef LACUS_CLI_SEARCH_MODELS_H
#define LACUS_CLI_SEARCH_MODELS_H

#include "common.h"
#include "config.h"

typedef struct search_data {
    cli_seqs X;                /* training inputs (every graph input reads them) */
    cli_seqs *T;               /* targets per layer / node (trained nodes only) */
    int n_T, n_tgs;
    const lacus_seqs **tgs;    /* in layer / trained-node order */
    int64_t *outs;             /* target widths per layer / node */
} search_data;

int search_data_load(const cli_config *c, search_data *d);
void search_data_free(search_data *d);
/* 0 when a stack or graph config has something that takes option `name`
 * ("option" or, for graphs, "node.option"); else -1 with the reason. */
int search_option_check(const cli_config *c, const char *name, char *why, size_t n);
/* One instance of one trial: fit, run on the validation inputs, NRMSE
 * (INFINITY when anything fails). Thread-safe (trials run in parallel). */
double search_eval_model(const cli_config *c, const search_data *d, int n_dims,
                         const char *const *names, const double *x, int64_t instance,
                         void (*set)(esn_cli_opts *, const char *, double), const lacus_seqs *VX,
                         const lacus_seqs *VY);

#endif
