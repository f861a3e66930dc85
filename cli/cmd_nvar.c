/* lacus fit --model nvar (and "model": "nvar" configs, fit_config.c) /
 * lacus run on an NVAR model: train an NVAR forecaster (features + ridge on
 * the series' own next value or increment) or, with targets, an NVAR
 * regression, in one process or sharded over MPI ranks; save it; run it
 * one step ahead or in closed loop (--generate K, through
 * lacus_nvar_model_generate: the whole loop in C). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "config.h"
#include "nvar_cli.h"

nvar_cli_opts nvar_opts_default(void)
{
    lacus_nvar_params d = lacus_nvar_params_default();
    return (nvar_cli_opts){d.delay, d.order, d.strides, -1, 1e-6, "auto", "centered", "auto"};
}

/* "--name" on the command line, "CFG: nvar.name" in a config. */
static void bad(const char *cfg, const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cfg) cli_error("%s: nvar.%s: %s", cfg, name, msg);
    else cli_error("--%s %s", name, msg);
}

int nvar_opts_resolve(const nvar_cli_opts *o, const char *cfg, int has_targets,
                      lacus_nvar_model_params *p)
{
    *p = lacus_nvar_model_params_default();
    p->nvar.delay = o->delay, p->nvar.order = o->order, p->nvar.strides = o->strides;
    p->nvar.n_inputs = 1; /* checked here for the usage error; set from the data by the fit */
    p->warmup = o->warmup;
    p->readout.ridge = o->ridge;
    lacus_error err = {0};
    if (lacus_nvar_params_check(&p->nvar, &err)) {
        if (cfg) cli_error("%s: nvar: %s", cfg, err.msg);
        else cli_error("%s", err.msg);
        return 2;
    }
    if (!strcmp(o->predicts, "auto"))
        p->predicts = has_targets ? LACUS_NVAR_PREDICT_TARGET : LACUS_NVAR_PREDICT_INCREMENT;
    else if (lacus_nvar_predicts_parse(o->predicts, &p->predicts))
        return bad(cfg, "predicts", "\"%s\": expected increment or next (forecasts of the input), "
                   "target (with targets) or auto", o->predicts), 2;
    const char *tg = cfg ? "\"target\"" : "--target";
    if (has_targets && p->predicts != LACUS_NVAR_PREDICT_TARGET)
        return bad(cfg, "predicts", "\"%s\" forecasts the input itself, but %s is given: leave "
                   "predicts at auto (or target) to learn the targets", o->predicts, tg), 2;
    if (!has_targets && p->predicts == LACUS_NVAR_PREDICT_TARGET)
        return bad(cfg, "predicts", "\"target\" needs %s (target files, one per input file)", tg), 2;
    if (lacus_bias_mode_parse(o->readout_bias, &p->readout.bias))
        return bad(cfg, cfg ? "readout_bias" : "readout-bias", "\"%s\": expected centered, "
                   "augmented or none", o->readout_bias), 2;
    if (lacus_solver_parse(o->solver, &p->readout.solver))
        return bad(cfg, "solver", "\"%s\": expected auto, primal, dual or lstsq", o->solver), 2;
    if (!(o->ridge >= 0.0 && o->ridge < 1e300))
        return bad(cfg, "ridge", "%g: must be finite and >= 0", o->ridge), 2;
    if (o->warmup < -1)
        return bad(cfg, "warmup", "%lld: must be >= 0 (or -1)", (long long)o->warmup), 2;
    if (lacus_dist_launched() &&
        (p->readout.solver == LACUS_SOLVER_DUAL || p->readout.solver == LACUS_SOLVER_LSTSQ))
        return bad(cfg, "solver", "\"%s\": under mpirun the readout is solved from sums reduced "
                   "over the ranks; %s needs every training row in one process (use auto or "
                   "primal)", o->solver, o->solver), 2;
    return 0;
}

int fit_nvar(int argc, char **argv)
{
    nvar_cli_opts o = nvar_opts_default();
    opt_list inputs = {0}, targets = {0};
    const char *out = "model.npz", *model = "nvar";
    int64_t threads = 0;
    fit_dist_opts dso = fit_dist_opts_default();
    opt table[] = {
        {"model", OPT_STRING, &model, "nvar: this verb's NVAR form (esn, the default of lacus "
                                      "fit, is the other)"},
        {"input", OPT_LIST, &inputs, "the series to forecast: .npy (2-D, or 3-D stacked), .npz "
                                     "or .csv; the targets are its own next steps"},
        {"target", OPT_LIST, &targets, "instead: target files, one per --input file, same "
                                       "lengths: the readout learns y[t] from the features of "
                                       "u[t] (NVAR regression, no closed loop)"},
        {"output", OPT_STRING, &out, "model file to write (.npz)"},
        NVAR_OPTS(o),
        {"threads", OPT_INT, &threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
        FIT_DIST_OPTS(dso),
    };
    verb_spec v = {"fit --model nvar", "--input X.npy [--delay 2 --order 2 --strides 1] [options]",
                   "Trains an NVAR forecaster (next-generation reservoir computing, Gauthier et al.\n"
                   "2021): NVAR features of the series and a ridge readout that predicts its next\n"
                   "increment (or value); `lacus run --generate K` forecasts in closed loop.\n"
                   "With --target files it learns those instead (NVAR regression). Under mpirun\n"
                   "the input files are shared out over the ranks (docs/nvar.md).",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    if (strcmp(model, "nvar")) return cli_error("--model \"%s\": this form of fit is for nvar", model), 2;
    lacus_nvar_model_params p;
    if ((r = nvar_opts_resolve(&o, NULL, targets.n > 0, &p))) return r;
    if (dso.report_memory)
        return cli_error("--report-memory: for the ESN fit only (the NVAR fit does not report "
                         "memory)"), 2;
    if (fit_dist_set(&dso)) return 2;
    if (targets.n && targets.n != inputs.n)
        return cli_error("--target: %d file(s) for %d --input file(s): give one per input file",
                         targets.n, inputs.n), 2;
    if (threads > 0) lacus_set_num_threads((int)threads);
    return nvar_fit_files(&p, &inputs, targets.n ? &targets : NULL, out, NULL);
}

/* The training rows the fit used: n - 1 - warmup per sequence of n steps
 * (n - warmup with targets). */
static int64_t train_rows(const lacus_seqs *s, const lacus_nvar_model *m)
{
    lacus_nvar_model_params q = lacus_nvar_model_params_get(m);
    int64_t rows = 0, last = q.predicts == LACUS_NVAR_PREDICT_TARGET ? 0 : 1;
    for (int64_t i = 0; i < s->n_seqs; i++)
        rows += s->n_steps[i] - last > q.warmup ? s->n_steps[i] - last - q.warmup : 0;
    return rows;
}

static void report(const lacus_nvar_model *m, int64_t n_seqs, int64_t rows, double seconds,
                   const char *out, int ranks)
{
    lacus_nvar_model_params q = lacus_nvar_model_params_get(m);
    char where[64] = "";
    if (ranks > 0) snprintf(where, sizeof where, " over %d MPI rank%s", ranks, ranks > 1 ? "s" : "");
    printf("trained NVAR (delay %lld, order %lld, strides %lld: %lld features) on %lld sequences%s, "
           "%lld rows, predicting the %s, in %.3f s (ridge %g, %s); wrote %s\n",
           (long long)q.nvar.delay, (long long)q.nvar.order, (long long)q.nvar.strides,
           (long long)q.readout.n_features, (long long)n_seqs, where, (long long)rows,
           q.predicts == LACUS_NVAR_PREDICT_TARGET ? "targets" : lacus_nvar_predicts_name(q.predicts),
           seconds, q.readout.ridge,
           lacus_solver_name(q.readout.solver), out);
}

/* One file of a rank's shard: its width against the shard's (width), and
 * NaN/Inf, named by file, sequence, row and column. */
static lacus_status check_file(const cli_seqs *c, const char *name, int64_t width, lacus_error *err)
{
    const lacus_seqs *u = &c->s;
    if (u->n_seqs > 0 && u->n_features != width) {
        snprintf(err->msg, sizeof err->msg, "%s has %lld columns, but the other files on this rank "
                 "%lld", name, (long long)u->n_features, (long long)width);
        return LACUS_ERR_SHAPE;
    }
    for (int64_t k = 0; k < u->n_seqs; k++)
        for (int64_t i = 0; i < u->n_steps[k] * u->n_features; i++)
            if (!isfinite(u->data[k][i])) {
                snprintf(err->msg, sizeof err->msg, "%s, sequence %lld: %s at row %lld, column %lld",
                         name, (long long)k, isnan(u->data[k][i]) ? "NaN" : "Inf",
                         (long long)(i / u->n_features), (long long)(i % u->n_features));
                return LACUS_ERR_NUMERIC;
            }
    return LACUS_OK;
}

/* Under mpirun: this rank's files (or sequences), the sharded fit, rank 0
 * writes. Any rank's failure stops all with the same message. */
static int fit_files_dist(const lacus_nvar_model_params *p, const opt_list *inputs,
                          const opt_list *targets, const char *out, const char *cfg)
{
    lacus_error err = {0};
    cli_shard s = {0};
    lacus_status st = cli_shard_load(inputs, targets, &s) ? LACUS_ERR_IO : LACUS_OK;
    if (st) snprintf(err.msg, sizeof err.msg, "could not load its data (its message is above)");
    /* The shard keeps the last file's width, and the library knows
     * sequences only by id: widths and NaN/Inf are checked here, by file. */
    int by_file = inputs->n >= lacus_dist_size();
    for (int f = 0; !st && f < s.n_files; f++) {
        int j = by_file ? lacus_dist_rank() + f * lacus_dist_size() : f;
        st = check_file(&s.in[f], inputs->items[j], s.my_in.n_features, &err);
        if (!st && targets) st = check_file(&s.tg[f], targets->items[j], s.my_tg.n_features, &err);
    }
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s%s%s", cfg ? cfg : "", cfg ? ": " : "", err.msg);
        cli_shard_free(&s);
        return 1;
    }
    lacus_nvar_model *m = NULL;
    int rc = 1;
    lacus_dist_params dp = fit_dist_params();
    lacus_dist_stats ds;
    double t0 = cli_now();
    if (lacus_nvar_model_fit_dist_ex(p, &s.my_in, targets ? &s.my_tg : NULL, s.ids, &dp, &ds, &m,
                                     &err)) {
        cli_error("fit: %s", err.msg);
        goto done;
    }
    double t1 = cli_now();
    st = lacus_dist_rank() == 0 ? lacus_nvar_model_save(m, out, &err) : LACUS_OK;
    if ((st = lacus_dist_agree(st, &err))) {
        cli_error("%s", err.msg);
        goto done;
    }
    /* The totals over the ranks, for the report. */
    double tot[2] = {(double)s.my_in.n_seqs, (double)train_rows(&s.my_in, m)}, lo[2] = {0, 0};
    if (lacus_dist_sum_dd(tot, lo, 2, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (lacus_dist_rank() == 0) {
        report(m, (int64_t)tot[0], (int64_t)tot[1], t1 - t0, out, lacus_dist_size());
        if (ds.used == LACUS_DIST_SOLVE_SCALAPACK)
            printf("solve: scalapack on a %d x %d grid, %lld rounds (features and rounds %.3f s, "
                   "solve %.3f s)%s\n", ds.grid_rows, ds.grid_cols, (long long)ds.rounds,
                   ds.stream_s, ds.solve_s, ds.fallback ? "; not positive definite: solved by "
                   "LU with partial pivoting (pdgesv)" : "");
        else if (ds.fallback)
            printf("solve: the system is not positive definite (ridge = %g): solved by the "
                   "fallback, Bunch-Kaufman LDL^T (dsysv)\n", p->readout.ridge);
    }
    rc = 0;
done:
    lacus_nvar_model_free(m);
    cli_shard_free(&s);
    return rc;
}

int nvar_fit_files(const lacus_nvar_model_params *p, const opt_list *inputs,
                   const opt_list *targets, const char *out, const char *cfg)
{
    if (lacus_dist_launched()) return fit_files_dist(p, inputs, targets, out, cfg);
    cli_seqs X, Y = {0};
    if (cli_seqs_load(inputs, "--input", &X)) return 1;
    if (targets && cli_seqs_load(targets, "--target", &Y)) {
        cli_seqs_free(&X);
        return 1;
    }
    lacus_nvar_model *m = NULL;
    lacus_error err = {0};
    double t0 = cli_now();
    int rc = 1;
    if (targets && X.s.n_seqs != Y.s.n_seqs) {
        cli_error("%s%s--input holds %lld sequences but --target %lld", cfg ? cfg : "",
                  cfg ? ": " : "", (long long)X.s.n_seqs, (long long)Y.s.n_seqs);
        goto done;
    }
    if (lacus_nvar_model_fit_xy(p, &X.s, targets ? &Y.s : NULL, &m, &err)) {
        cli_error("fit: %s", err.msg);
        goto done;
    }
    double t1 = cli_now();
    if (lacus_nvar_model_save(m, out, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    report(m, X.s.n_seqs, train_rows(&X.s, m), t1 - t0, out, 0);
    rc = 0;
done:
    lacus_nvar_model_free(m);
    cli_seqs_free(&X);
    if (targets) cli_seqs_free(&Y);
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
    const int64_t I = lacus_nvar_model_n_inputs(m), O = lacus_nvar_model_n_outputs(m);
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
        if (!(outs[i] = malloc((size_t)(steps[i] * O) * sizeof(double)))) {
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
    if (cli_write_seqs(out, outs, steps, n_out, O)) goto done;
    if (generate > 0)
        printf("wrote %s (%lld generated steps after %lld warm-up steps, %lld outputs, %.3g s)\n",
               out, (long long)generate, (long long)X.s.n_steps[0], (long long)I, t1 - t0);
    else
        printf("wrote %s (%lld sequences, %lld outputs: %s)\n", out, (long long)n_out, (long long)O,
               O == I && lacus_nvar_model_params_get(m).predicts != LACUS_NVAR_PREDICT_TARGET
                   ? "one-step-ahead forecasts of each next step" : "the model's estimates of the targets");
    rc = 0;
done:
    for (int64_t i = 0; outs && i < n_out; i++) free(outs[i]);
    free(outs);
    cli_seqs_free(&X);
    lacus_nvar_model_free(m);
    return rc;
}
