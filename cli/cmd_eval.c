/* lacus eval: scores predictions against the truth with every metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

typedef lacus_status (*metric_fn)(const double *, const double *, int64_t, int64_t, int, double *,
                                  lacus_error *);

int cmd_eval(int argc, char **argv)
{
    opt_list truth = {0}, pred = {0};
    const char *norm = "minmax";
    int dimwise = 0;
    double vpt = 0, dt = 0, lyap = 0;
    opt table[] = {
        {"truth", OPT_LIST, &truth, "true values (.npy/.npz/.csv)"},
        {"pred", OPT_LIST, &pred, "predictions, same layout"},
        {"norm", OPT_STRING, &norm, "nrmse normaliser: minmax|var|mean|q1q3"},
        {"dimensionwise", OPT_FLAG, &dimwise, "one score per output column"},
        {"vpt", OPT_DOUBLE, &vpt, "also the valid prediction time of each sequence: steps until "
                                  "the sigma-normalised error reaches this threshold (0.4 or 0.5; "
                                  "sigma: std of the truth); 0: off"},
        {"dt", OPT_DOUBLE, &dt, "with --vpt: time step, to report VPT in Lyapunov times"},
        {"lyapunov", OPT_DOUBLE, &lyap, "with --vpt and --dt: largest Lyapunov exponent"},
    };
    verb_spec v = {"eval", "--truth Y.npy --pred P.npy [options]",
                   "Prints mse, rmse, nrmse, rsquare, mae and Pearson r (ReservoirPy's definitions)\n"
                   "over all sequences pooled.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    lacus_error err = {0};
    lacus_nrmse_norm nn;
    if (lacus_nrmse_norm_parse(norm, &nn, &err)) return cli_error("--norm: %s", err.msg), 2;
    cli_seqs Y, P;
    if (cli_seqs_load(&truth, "--truth", &Y)) return 1;
    if (cli_seqs_load(&pred, "--pred", &P)) {
        cli_seqs_free(&Y);
        return 1;
    }
    int rc = 1;
    double *yt = NULL, *yp = NULL, *out = NULL;
    int64_t total = 0, O = Y.s.n_features;
    if (Y.s.n_seqs != P.s.n_seqs || Y.s.n_features != P.s.n_features) {
        cli_error("eval: truth has %lld sequences of %lld features, predictions %lld of %lld",
                  (long long)Y.s.n_seqs, (long long)Y.s.n_features, (long long)P.s.n_seqs,
                  (long long)P.s.n_features);
        goto done;
    }
    for (int64_t i = 0; i < Y.s.n_seqs; i++) {
        if (Y.s.n_steps[i] != P.s.n_steps[i]) {
            cli_error("eval: sequence %lld has %lld true steps but %lld predicted", (long long)i,
                      (long long)Y.s.n_steps[i], (long long)P.s.n_steps[i]);
            goto done;
        }
        total += Y.s.n_steps[i];
    }
    yt = malloc((size_t)(total * O) * sizeof *yt);
    yp = malloc((size_t)(total * O) * sizeof *yp);
    out = malloc((size_t)O * sizeof *out);
    if (!yt || !yp || !out) {
        cli_error("out of memory");
        goto done;
    }
    for (int64_t i = 0, off = 0; i < Y.s.n_seqs; off += Y.s.n_steps[i] * O, i++) {
        memcpy(yt + off, Y.s.data[i], (size_t)(Y.s.n_steps[i] * O) * sizeof *yt);
        memcpy(yp + off, P.s.data[i], (size_t)(Y.s.n_steps[i] * O) * sizeof *yp);
    }
    static const struct { const char *name; metric_fn fn; } metrics[] = {
        {"mse", lacus_mse}, {"rmse", lacus_rmse}, {"mae", lacus_mae},
        {"rsquare", lacus_rsquare}, {"pearson", lacus_pearson},
    };
    int64_t n_out = dimwise ? O : 1;
    for (size_t k = 0; k <= sizeof metrics / sizeof *metrics; k++) {
        const char *name = k < 5 ? metrics[k].name : "nrmse";
        lacus_status st = k < 5 ? metrics[k].fn(yt, yp, total, O, dimwise, out, &err)
                                : lacus_nrmse(yt, yp, total, O, nn, dimwise, out, &err);
        printf("%-8s", name);
        if (st) printf(" undefined (%s)\n", err.msg);
        else {
            for (int64_t j = 0; j < n_out; j++) printf(" %.10g", out[j]);
            printf(k == 5 ? "  (norm %s)\n" : "\n", norm);
        }
    }
    if (vpt > 0) {
        /* One scale per output from all the truth, then each sequence's VPT. */
        double *sd = calloc((size_t)O, sizeof *sd);
        if (!sd) {
            cli_error("out of memory");
            goto done;
        }
        for (int64_t j = 0; j < O; j++) {
            double m = 0, ss = 0;
            for (int64_t t = 0; t < total; t++) m += yt[t * O + j];
            m /= (double)total;
            for (int64_t t = 0; t < total; t++) ss += (yt[t * O + j] - m) * (yt[t * O + j] - m);
            sd[j] = sqrt(ss / (double)total);
        }
        printf("vpt     ");
        for (int64_t i = 0, off = 0; i < Y.s.n_seqs; off += Y.s.n_steps[i] * O, i++) {
            int64_t steps = 0;
            if (lacus_vpt(yt + off, yp + off, Y.s.n_steps[i], O, vpt, sd, &steps, NULL, &err)) {
                printf("\n");
                cli_error("--vpt: %s", err.msg);
                free(sd);
                goto done;
            }
            if (dt > 0 && lyap > 0) printf(" %lld (%.3f Lyapunov times)", (long long)steps,
                                           (double)steps * dt * lyap);
            else printf(" %lld", (long long)steps);
        }
        printf("  (steps, threshold %g)\n", vpt);
        free(sd);
    }
    rc = 0;
done:
    free(yt);
    free(yp);
    free(out);
    cli_seqs_free(&Y);
    cli_seqs_free(&P);
    return rc;
}
