/* lacus prep fit|apply|inverse: preprocessing nodes (min-max to [-1, 1],
 * z-score, one-hot, delay embedding) fitted on training files, saved as
 * .npz, applied to new data and inverted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static int prep_fit(int argc, char **argv)
{
    opt_list inputs = {0};
    const char *kind = "minmax", *out = "prep.npz";
    lacus_prep_params p = lacus_prep_params_default();
    int64_t delay = p.delay, stride = p.stride;
    int drop = 0;
    opt table[] = {
        {"kind", OPT_STRING, &kind, "minmax | zscore | onehot (one integer label column) | delay"},
        {"input", OPT_LIST, &inputs, "training sequences: .npy, .npz (one per member) or .csv"},
        {"output", OPT_STRING, &out, "node file to write (.npz)"},
        {"lo", OPT_DOUBLE, &p.range_lo, "minmax: lower end of the target range"},
        {"hi", OPT_DOUBLE, &p.range_hi, "minmax: upper end of the target range"},
        {"delay", OPT_INT, &delay, "delay: k blocks u[t], u[t-s], ..., u[t-(k-1)s]"},
        {"stride", OPT_INT, &stride, "delay: stride s"},
        {"drop", OPT_FLAG, &drop, "delay: drop the first (k-1)s rows instead of zero-filling"},
    };
    verb_spec v = {"prep fit", "--kind minmax|zscore|onehot|delay --input X.npy [--output prep.npz]",
                   "Fits a preprocessing node on training sequences (one streaming pass) and saves it.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (lacus_prep_kind_parse(kind, &p.kind))
        return cli_error("--kind \"%s\": expected minmax, zscore, onehot or delay", kind), 2;
    p.delay = delay;
    p.stride = stride;
    p.delay_drop = drop;
    lacus_error err = {0};
    lacus_prep *node = NULL;
    if (lacus_prep_create(&p, &node, &err)) return cli_error("prep fit: %s", err.msg), 2;
    cli_seqs X;
    if (cli_seqs_load(&inputs, "--input", &X)) {
        lacus_prep_free(node);
        return 1;
    }
    int rc = 1;
    if (lacus_prep_fit(node, &X.s)) {
        cli_error("prep fit: %s", lacus_prep_errmsg(node));
        goto done;
    }
    if (lacus_prep_save(node, out, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    int64_t rows = 0;
    for (int64_t i = 0; i < X.s.n_seqs; i++) rows += X.s.n_steps[i];
    printf("fitted %s on %lld sequences, %lld rows x %lld features -> %lld outputs; wrote %s\n", kind,
           (long long)X.s.n_seqs, (long long)rows, (long long)X.s.n_features,
           (long long)lacus_prep_n_outputs(node), out);
    rc = 0;
done:
    cli_seqs_free(&X);
    lacus_prep_free(node);
    return rc;
}

static int prep_apply(int argc, char **argv, int inverse)
{
    opt_list inputs = {0};
    const char *model = "prep.npz", *out = NULL;
    opt table[] = {
        {"model", OPT_STRING, &model, "fitted node (.npz from lacus prep fit)"},
        {"input", OPT_LIST, &inputs, "sequences: .npy, .npz or .csv"},
        {"output", OPT_STRING, &out, "result (.npy; .npz for sequences of different lengths; required)"},
    };
    verb_spec v = {inverse ? "prep inverse" : "prep apply",
                   "--model prep.npz --input X.npy --output Y.npy",
                   inverse ? "Maps transformed sequences back (one-hot: the category of the largest column)."
                           : "Transforms sequences with a fitted node, sequence by sequence.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!out) return cli_error("--output is required"), 2;
    lacus_error err = {0};
    lacus_prep *node = NULL;
    if (lacus_prep_load(model, &node, &err)) return cli_error("%s", err.msg), 1;
    cli_seqs X;
    if (cli_seqs_load(&inputs, "--input", &X)) {
        lacus_prep_free(node);
        return 1;
    }
    int rc = 1;
    int64_t n = X.s.n_seqs, width;
    double **res = calloc((size_t)n, sizeof *res);
    int64_t *steps = calloc((size_t)n, sizeof *steps);
    if (!res || !steps) {
        cli_error("out of memory");
        goto done;
    }
    if (lacus_prep_get_kind(node) == LACUS_PREP_DELAY && lacus_prep_n_features(node) == 0) {
        cli_error("%s: the delay node has no width yet", model);
        goto done;
    }
    width = inverse ? lacus_prep_n_features(node) : lacus_prep_n_outputs(node);
    int64_t in_width = inverse ? lacus_prep_n_outputs(node) : lacus_prep_n_features(node);
    if (X.s.n_features != in_width) {
        cli_error("--input has %lld features, the %s node expects %lld", (long long)X.s.n_features,
                  lacus_prep_kind_name(lacus_prep_get_kind(node)), (long long)in_width);
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t T = X.s.n_steps[i];
        steps[i] = inverse ? T : lacus_prep_out_rows(node, T);
        if (steps[i] < 1) {
            cli_error("sequence %lld has %lld steps: too short for the delay window", (long long)i,
                      (long long)T);
            goto done;
        }
        if (!(res[i] = malloc((size_t)(steps[i] * width) * sizeof(double)))) {
            cli_error("out of memory");
            goto done;
        }
        lacus_status st = inverse ? lacus_prep_inverse(node, X.s.data[i], T, X.s.n_features, res[i], width)
                                  : lacus_prep_transform(node, X.s.data[i], T, X.s.n_features, res[i], width);
        if (st) {
            cli_error("sequence %lld: %s", (long long)i, lacus_prep_errmsg(node));
            goto done;
        }
    }
    if (cli_write_seqs(out, res, steps, n, width)) goto done;
    printf("wrote %s (%lld sequences x %lld columns)\n", out, (long long)n, (long long)width);
    rc = 0;
done:
    for (int64_t i = 0; res && i < n; i++) free(res[i]);
    free(res);
    free(steps);
    cli_seqs_free(&X);
    lacus_prep_free(node);
    return rc;
}

int cmd_prep(int argc, char **argv)
{
    const char *sub = argc >= 3 ? argv[2] : "";
    if (!strcmp(sub, "fit")) return prep_fit(argc, argv);
    if (!strcmp(sub, "apply")) return prep_apply(argc, argv, 0);
    if (!strcmp(sub, "inverse")) return prep_apply(argc, argv, 1);
    FILE *f = !strcmp(sub, "--help") || !strcmp(sub, "-h") ? stdout : stderr;
    fprintf(f, "usage: lacus prep fit|apply|inverse [options]  (lacus prep fit --help)\n"
               "  fit      fit minmax / zscore / onehot / delay on training sequences, save .npz\n"
               "  apply    transform sequences with a fitted node\n"
               "  inverse  map transformed sequences back\n");
    if (f == stdout) return 0;
    if (*sub) cli_error("prep: unknown subcommand \"%s\"", sub);
    return 2;
}
