/* The verbs of the lacus command and the ESN options they share. */
#ifndef LACUS_CLI_COMMANDS_H
#define LACUS_CLI_COMMANDS_H

#include <stdint.h>

#include "lacus.h"

typedef struct esn_cli_opts {
    int64_t units, seed, warmup, threads;
    double lr, sr, input_scaling, input_connectivity, rc_connectivity, bias, noise_rc, noise_in, ridge,
        fb_scaling, fb_connectivity;
    const char *activation, *W_init, *Win_init, *fb_init, *noise_type, *readout_bias, *solver;
    int bias_03, feed_input, feedback, accumulate_f32;
} esn_cli_opts;

esn_cli_opts esn_opts_default(void);
/* Fills ESN parameters from the options; prints and returns -1 on error. */
int esn_opts_resolve(esn_cli_opts *o, lacus_esn_params *p, int64_t n_inputs);

/* The option-table rows of esn_cli_opts, shared by fit and demo. */
#define ESN_OPTS(o)                                                                                  \
    {"units", OPT_INT, &(o).units, "reservoir units N"},                                            \
    {"lr", OPT_DOUBLE, &(o).lr, "leak rate in (0, 1]"},                                              \
    {"sr", OPT_DOUBLE, &(o).sr, "spectral radius of W (0: unscaled)"},                               \
    {"input-scaling", OPT_DOUBLE, &(o).input_scaling, "gain of Win"},                                \
    {"input-connectivity", OPT_DOUBLE, &(o).input_connectivity, "density of Win in (0, 1]"},         \
    {"rc-connectivity", OPT_DOUBLE, &(o).rc_connectivity, "density of W in (0, 1]"},                 \
    {"bias", OPT_DOUBLE, &(o).bias, "gain of the reservoir bias"},                                   \
    {"bias-03", OPT_FLAG, &(o).bias_03, "draw the bias with input connectivity (ReservoirPy 0.3)"},  \
    {"activation", OPT_STRING, &(o).activation, "tanh|sigmoid|relu|identity|softmax|softplus"},     \
    {"W-init", OPT_STRING, &(o).W_init, "normal|uniform|bernoulli"},                                 \
    {"Win-init", OPT_STRING, &(o).Win_init, "normal|uniform|bernoulli"},                             \
    {"noise-rc", OPT_DOUBLE, &(o).noise_rc, "gain of the state noise"},                              \
    {"noise-in", OPT_DOUBLE, &(o).noise_in, "gain of the input noise"},                              \
    {"noise-type", OPT_STRING, &(o).noise_type, "gaussian|uniform"},                                 \
    {"seed", OPT_INT, &(o).seed, "random seed of W, Win, bias and noise"},                           \
    {"ridge", OPT_DOUBLE, &(o).ridge, "ridge regularisation (>= 0)"},                                \
    {"readout-bias", OPT_STRING, &(o).readout_bias, "centered (0.4) | augmented (0.3) | none"},     \
    {"solver", OPT_STRING, &(o).solver, "auto|primal|dual|lstsq"},                                      \
    {"accumulate-f32", OPT_FLAG, &(o).accumulate_f32, "X^T X and X^T Y in mixed precision (float32 groups)"},  \
    {"warmup", OPT_INT, &(o).warmup, "steps dropped at the start of each sequence"},                 \
    {"feed-input", OPT_FLAG, &(o).feed_input, "readout also sees the input"},                        \
    {"feedback", OPT_FLAG, &(o).feedback, "feed the outputs back (teacher forcing in fit)"},         \
    {"fb-scaling", OPT_DOUBLE, &(o).fb_scaling, "gain of the feedback weights"},                     \
    {"fb-connectivity", OPT_DOUBLE, &(o).fb_connectivity,                                            \
     "density of the feedback weights, drawn apart from Win's (0: with Win's input columns)"},      \
    {"fb-init", OPT_STRING, &(o).fb_init, "feedback weights: normal|uniform|bernoulli (with --fb-connectivity)"}, \
    {"threads", OPT_INT, &(o).threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"}

/* Each returns the process exit status: 0 ok, 1 runtime error, 2 usage error. */
int cmd_fit(int argc, char **argv);
int cmd_run(int argc, char **argv);
/* lacus fit --model nvar, and lacus run on an "nvar" model file (cmd_nvar.c). */
int fit_nvar(int argc, char **argv);
struct opt_list;
int run_nvar(const char *model, struct opt_list *inputs, const char *out, int64_t generate);
int cmd_data(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_evolve(int argc, char **argv);
int cmd_lm(int argc, char **argv);
int cmd_lm_sweep(int argc, char **argv); /* lacus lm sweep (cmd_lm_sweep.c) */
int cmd_lm_eval(int argc, char **argv);  /* lacus lm eval (cmd_lm_eval.c) */
int cmd_lgen(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_prep(int argc, char **argv);
/* lacus data vowels (cmd_classify.c): sequences + labels, not one series. */
int cmd_data_vowels(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_encode(int argc, char **argv);

#endif
