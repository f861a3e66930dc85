/* lacus fit --model nvar / lacus run on an NVAR model: train an NVAR
 * forecaster (features + ridge on the series' own next value or increment)
 * on input series, save it, and run it one step ahead or in closed loop
 * (--generate K, through lacus_nvar_model_generate: the whole loop in C). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

int fit_nvar(int argc, char **argv)
{
    lacus_nvar_model_params p = lacus_nvar_model_params_default();
    opt_list inputs = {0};
    const char *out = "model.npz", *model = "nvar", *predicts = "increment";
    const char *bias = "centered", *solver = "auto";
    int64_t delay = p.nvar.delay, order = p.nvar.order, strides = p.nvar.strides;
    int64_t warmup = -1, threads = 0;
    double ridge = 1e-6;
    opt table[] = {
        {"model", OPT_STRING, &model, "nvar: this verb's NVAR form (esn, the default of lacus "
                                      "fit, is the other)"},
        {"input", OPT_LIST, &inputs, "the series to forecast: .npy (2-D, or 3-D stacked), .npz "
                                     "or .csv; the targets are its own next steps"},
        {"output", OPT_STRING, &out, "model file to write (.npz)"},
        {"delay", OPT_INT, &delay, "k: delayed inputs in the linear part (u[t] counts)"},
        {"order", OPT_INT, &order, "degree of the monomials of the nonlinear part"},
        {"strides", OPT_INT, &strides, "s: steps between the delayed inputs"},
        {"predicts", OPT_STRING, &predicts, "what the readout learns from the features of "
                                            "u[t]: increment (u[t+1] - u[t], Gauthier et al.) "
                                            "| next (u[t+1])"},
        {"ridge", OPT_DOUBLE, &ridge, "ridge penalty of the readout"},
        {"readout-bias", OPT_STRING, &bias, "centered|augmented|none"},
        {"solver", OPT_STRING, &solver, "auto|primal|dual|lstsq"},
        {"warmup", OPT_INT, &warmup, "feature rows dropped at the start of each sequence (-1: "
                                     "(delay - 1) * strides, the rows with zeros in their "
                                     "delayed part)"},
        {"threads", OPT_INT, &threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
    };
    verb_spec v = {"fit --model nvar", "--input X.npy [--delay 2 --order 2 --strides 1] [options]",
                   "Trains an NVAR forecaster (next-generation reservoir computing, Gauthier et al.\n"
                   "2021): NVAR features of the series and a ridge readout that predicts its next\n"
                   "increment (or value); `lacus run --generate K` forecasts in closed loop.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    if (strcmp(model, "nvar")) return cli_error("--model \"%s\": this form of fit is for nvar", model), 2;
    p.nvar.delay = delay, p.nvar.order = order, p.nvar.strides = strides;
    p.nvar.n_inputs = 1; /* checked here for the usage error; set from the data by the fit */
    p.warmup = warmup;
    p.readout.ridge = ridge;
    lacus_error err = {0};
    if (lacus_nvar_params_check(&p.nvar, &err)) return cli_error("%s", err.msg), 2;
    if (lacus_nvar_predicts_parse(predicts, &p.predicts))
        return cli_error("--predicts \"%s\": expected increment or next", predicts), 2;
    if (lacus_bias_mode_parse(bias, &p.readout.bias))
        return cli_error("--readout-bias \"%s\": expected centered, augmented or none", bias), 2;
    if (lacus_solver_parse(solver, &p.readout.solver))
        return cli_error("--solver \"%s\": expected auto, primal, dual or lstsq", solver), 2;
    if (!(ridge >= 0.0 && ridge < 1e300)) return cli_error("--ridge %g: must be finite and >= 0", ridge), 2;
    if (warmup < -1) return cli_error("--warmup %lld: must be >= 0 (or -1)", (long long)warmup), 2;
    if (threads > 0) lacus_set_num_threads((int)threads);
    cli_seqs X;
    if (cli_seqs_load(&inputs, "--input", &X)) return 1;
    lacus_nvar_model *m = NULL;
    double t0 = cli_now();
    int rc = 1;
    if (lacus_nvar_model_fit(&p, &X.s, &m, &err)) {
        cli_error("fit: %s", err.msg);
        goto done;
    }
    double t1 = cli_now();
    if (lacus_nvar_model_save(m, out, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    lacus_nvar_model_params q = lacus_nvar_model_params_get(m);
    int64_t rows = 0;
    for (int64_t i = 0; i < X.s.n_seqs; i++)
        rows += X.s.n_steps[i] - 1 > q.warmup ? X.s.n_steps[i] - 1 - q.warmup : 0;
    printf("trained NVAR (delay %lld, order %lld, strides %lld: %lld features) on %lld sequences, "
           "%lld rows, predicting the %s, in %.3f s (ridge %g, %s); wrote %s\n",
           (long long)q.nvar.delay, (long long)q.nvar.order, (long long)q.nvar.strides,
           (long long)q.readout.n_features, (long long)X.s.n_seqs, (long long)rows,
           lacus_nvar_predicts_name(q.predicts), t1 - t0, q.readout.ridge,
           lacus_solver_name(q.readout.solver), out);
    rc = 0;
done:
    lacus_nvar_model_free(m);
    cli_seqs_free(&X);
    return rc;
}

int run_nvar(const char *model, opt_list *inputs, const char *out, int64_t generate)
{
    lacus_error err = {0};
    lacus_nvar_model *m = NULL;
    if (lacus_nvar_model_load(model, &m, &err)) return cli_error("%s", err.msg), 1;
    cli_seqs X;
    if (cli_seqs_load(inputs, "--input", &X)) {
        lacus_nvar_model_free(m);
        return 1;
    }
    int rc = 1;
    const int64_t I = lacus_nvar_model_n_inputs(m);
    double **outs = NULL;
    int64_t n_out = 0;
    if (X.s.n_features != I) {
        cli_error("--input has %lld columns; %s forecasts series of %lld", (long long)X.s.n_features,
                  model, (long long)I);
        goto done;
    }
    if (generate > 0 && X.s.n_seqs != 1) {
        cli_error("--generate warms up on one sequence: --input holds %lld", (long long)X.s.n_seqs);
        goto done;
    }
    n_out = generate > 0 ? 1 : X.s.n_seqs;
    int64_t *steps = generate > 0 ? &generate : (int64_t *)X.s.n_steps;
    if (!(outs = calloc((size_t)n_out, sizeof *outs))) {
        cli_error("out of memory");
        goto done;
    }
    for (int64_t i = 0; i < n_out; i++)
        if (!(outs[i] = malloc((size_t)(steps[i] * I) * sizeof(double)))) {
            cli_error("out of memory for %lld steps", (long long)steps[i]);
            goto done;
        }
    double t0 = cli_now();
    if (generate > 0) {
        int64_t done_rows = 0;
        if (lacus_nvar_model_generate(m, X.s.data[0], X.s.n_steps[0], generate, outs[0], &done_rows)) {
            cli_error("generate: %s; nothing written", lacus_nvar_model_errmsg(m));
            goto done;
        }
    } else {
        for (int64_t i = 0; i < n_out; i++)
            if (lacus_nvar_model_predict(m, X.s.data[i], X.s.n_steps[i], outs[i])) {
                cli_error("run: sequence %lld: %s", (long long)i, lacus_nvar_model_errmsg(m));
                goto done;
            }
    }
    double t1 = cli_now();
    if (cli_write_seqs(out, outs, steps, n_out, I)) goto done;
    if (generate > 0)
        printf("wrote %s (%lld generated steps after %lld warm-up steps, %lld outputs, %.3g s)\n",
               out, (long long)generate, (long long)X.s.n_steps[0], (long long)I, t1 - t0);
    else
        printf("wrote %s (%lld sequences, %lld outputs: one-step-ahead forecasts of each next "
               "step)\n", out, (long long)n_out, (long long)I);
    rc = 0;
done:
    for (int64_t i = 0; outs && i < n_out; i++) free(outs[i]);
    free(outs);
    cli_seqs_free(&X);
    lacus_nvar_model_free(m);
    return rc;
}
