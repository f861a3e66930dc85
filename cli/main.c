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
    {"eval", cmd_eval, "score predictions (mse, rmse, nrmse, rsquare, mae, pearson)"},
    {"encode", cmd_encode, "brain encoding models: fit | score | simulate (fMRI, MEG)"},
};

static void usage(FILE *f)
{
    fprintf(f, "lacus %s: reservoir computing in C\n\nusage: lacus VERB [options]\n\nverbs:\n",
            lacus_version());
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        fprintf(f, "  %-6s %s\n", verbs[i].name, verbs[i].summary);
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
        printf("lacus %s\n", lacus_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (!strcmp(argv[1], verbs[i].name)) return verbs[i].fn(argc, argv);
    cli_error("unknown verb \"%s\" (see lacus --help)", argv[1]);
    return 2;
}
