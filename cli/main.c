/* lacus: the command line. One verb per job; every option has a documented
 * default (lacus VERB --help). Exit status: 0 success, 1 runtime error (bad
 * file, numerical failure), 2 usage error. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} verbs[] = {
    {"demo", cmd_demo, "Mackey-Glass forecasting with an ESN on embedded defaults"},
    {"data", cmd_data, "generate a dataset (Mackey-Glass, Lorenz, NARMA, ...) as .npy"},
    {"fit", cmd_fit, "train an echo state network and save it (.npz)"},
    {"run", cmd_run, "run a trained model on input sequences"},
    {"tune", cmd_tune, "backward tuning of recurrent weights, sparse architecture learning"},
    {"eval", cmd_eval, "score predictions (mse, rmse, nrmse, rsquare, mae, pearson)"},
    {"evolve", cmd_evolve, "evolve networks or reservoirs with NEAT (neat-python config)"},
    {"lm", cmd_lm, "reservoir language models: train, eval (n-gram/xz/bzip2 baselines), generate, probe"},
    {"lgen", cmd_lgen, "synthetic language with exact next-token distributions (and formal tasks)"},
    {"search", cmd_search, "hyperparameter search (random or TPE), resumable"},
    {"prep", cmd_prep, "fit/apply/invert preprocessing (minmax, zscore, onehot, delay)"},
    {"classify", cmd_classify, "sequence classification: fit, run, eval (accuracy, confusion)"},
    {"plot", cmd_plot, "draw run outputs as PNG (truth, states, errors, spectrum, confusion)"},
    {"compare", cmd_compare, "ESN vs local learning (self-predicting, tPC, FF, IP, mixed) vs BPTT"},
    {"encode", cmd_encode, "brain encoding models: fit | score | simulate (fMRI, MEG)"},
};

static void usage(FILE *f)
{
    fprintf(f, "lacus %s: reservoir computing in C\n\nusage: lacus VERB [options]\n\nverbs:\n",
            lacus_version());
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(f, "\nlacus VERB --help shows the options of a verb with their defaults.\n"
               "lacus --version prints the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("lacus %s (MPI: %s, ScaLAPACK: %s)\n", lacus_version(),
               lacus_dist_available() ? "yes" : "no",
               lacus_dist_scalapack_available() ? "yes" : "no");
        return 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (!strcmp(argv[1], verbs[i].name)) {
            /* Under mpirun every rank runs the verb; the distributed ones
             * (fit) share the work, the others run on each rank. */
            lacus_error err = {0};
            if (lacus_dist_init(&argc, &argv, &err)) return cli_error("%s", err.msg), 1;
            int rc = verbs[i].fn(argc, argv);
            lacus_dist_finalize();
            return rc;
        }
    cli_error("unknown verb \"%s\" (see lacus --help)", argv[1]);
    return 2;
}
