/* The options of an NVAR forecaster, shared by `lacus fit --model nvar`
 * (cmd_nvar.c) and the "nvar" section of a config (config.c): one table,
 * NVAR_OPTS, so names, types, defaults and help stay one list, and one
 * check, nvar_opts_resolve, so a value is refused with the same words
 * either way. */
#ifndef LACUS_CLI_NVAR_CLI_H
#define LACUS_CLI_NVAR_CLI_H

#include <stdint.h>

#include "lacus.h"
#include "opts.h"

typedef struct nvar_cli_opts {
    int64_t delay, order, strides, warmup;
    double ridge;
    const char *predicts, *readout_bias, *solver;
} nvar_cli_opts;

nvar_cli_opts nvar_opts_default(void);

#define NVAR_OPTS(o)                                                                              \
    {"delay", OPT_INT, &(o).delay, "k: delayed inputs in the linear part (u[t] counts)"},         \
    {"order", OPT_INT, &(o).order, "degree of the monomials of the nonlinear part"},               \
    {"strides", OPT_INT, &(o).strides, "s: steps between the delayed inputs"},                     \
    {"predicts", OPT_STRING, &(o).predicts, "what the readout learns from the features of u[t]: " \
                                            "increment (u[t+1] - u[t], Gauthier et al.) | next "  \
                                            "(u[t+1]) | target (y[t], the target files) | auto "   \
                                            "(target with targets, else increment)"},              \
    {"ridge", OPT_DOUBLE, &(o).ridge, "ridge penalty of the readout"},                             \
    {"readout-bias", OPT_STRING, &(o).readout_bias, "centered|augmented|none"},                    \
    {"solver", OPT_STRING, &(o).solver, "auto|primal|dual|lstsq (under mpirun: auto|primal)"},    \
    {"warmup", OPT_INT, &(o).warmup, "feature rows dropped at the start of each sequence (-1: "   \
                                     "(delay - 1) * strides, the rows with zeros in their "       \
                                     "delayed part)"}

/* Checks the options and fills p (n_inputs left for the fit). A bad value
 * is printed as "--name ..." (cfg NULL: the command line) or "CFG:
 * nvar.name: ..." (a config); returns 0 or 2 (a usage error). */
int nvar_opts_resolve(const nvar_cli_opts *o, const char *cfg, int has_targets,
                      lacus_nvar_model_params *p);

/* Fits a model on the input files (and the target files, one per input
 * file, when p->predicts is TARGET) and writes it to out: in one process
 * (lacus_nvar_model_fit_xy), or sharded over the ranks under mpirun
 * (lacus_nvar_model_fit_dist_xy; files shared out as an ESN fit's). cfg
 * names the config in messages (NULL: none). Returns 0, 1 (a runtime
 * error: the data, the fit, the file) or 2. */
int nvar_fit_files(const lacus_nvar_model_params *p, const opt_list *inputs,
                   const opt_list *targets, const char *out, const char *cfg);

#endif
