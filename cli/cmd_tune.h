/* lacus tune: the parsed config, shared by cmd_tune.c (parsing, unit nets)
 * and cmd_tune_out.c (outputs, the reservoir bridge). */
#ifndef LACUS_CLI_CMD_TUNE_H
#define LACUS_CLI_CMD_TUNE_H

#include "lacus.h"

typedef struct tune_cfg {
    const char *input, *target, *test_input, *test_target, *output, *png, *predictions, *model;
    lacus_tune_net_params net;
    lacus_tune_criterion crit;
    lacus_tune_params fit;
    int64_t observed[256], n_obs_given, threads;
    int quiet;
} tune_cfg;

/* Tunes the W of a `lacus fit` model file (c->model) and writes the tuned
 * model to c->output. Returns the exit status. */
int lacus__cli_tune_esn(tune_cfg *c, const double *u, const double *y, int64_t T, int64_t M,
                        int64_t O, const double *ut, const double *yt, int64_t Tt);
/* Writes c->output (weights, connectivity, fan-in histogram), and the
 * optional predictions and PNG. Returns 0 or -1 after printing. */
int lacus__cli_tune_write(const tune_cfg *c, const lacus_tune_net *net, const lacus_tune_result *r,
                          const double *u, int64_t T);

#endif
