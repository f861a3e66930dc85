/* lacus fit CONFIG.json: the model, data and training a config describes
 * (config.c parses it), for one ESN or a layer stack. Nothing is written
 * unless the whole fit succeeds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "config.h"

static int fit_esn_config(cli_config *c)
{
    cli_seqs X, Y;
    if (cli_seqs_load(&c->input, "input", &X)) return 1;
    if (cli_seqs_load(&c->target, "target", &Y)) {
        cli_seqs_free(&X);
        return 1;
    }
    int rc = 1;
    lacus_esn_params p;
    lacus_esn *m = NULL;
    lacus_error err = {0};
    cli_progress prog;
    cli_progress_init(&prog, "fit");
    if (esn_opts_resolve(&c->esn, &p, X.s.n_features)) {
        rc = 2;
        goto done;
    }
    if (c->esn.feedback) p.n_feedback = Y.s.n_features;
    p.progress = cli_progress_cb;
    p.progress_user = &prog;
    if (lacus_esn_create(&p, &m, &err)) {
        cli_error("%s: %s", c->path, err.msg);
        goto done;
    }
    double t0 = cli_now();
    if (lacus_esn_fit(m, &X.s, &Y.s)) {
        cli_progress_done(&prog);
        cli_error("fit: %s", lacus_esn_errmsg(m));
        goto done;
    }
    cli_progress_done(&prog);
    double t1 = cli_now();
    if (lacus_esn_save(m, c->output, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    printf("trained an ESN of %lld units on %lld sequences in %.3f s; wrote %s\n",
           (long long)p.reservoir.n_units, (long long)X.s.n_seqs, t1 - t0, c->output);
    rc = 0;
done:
    lacus_esn_free(m);
    cli_seqs_free(&X);
    cli_seqs_free(&Y);
    return rc;
}

static void report_layer(int64_t l, double mse, double seconds, void *user)
{
    (void)user;
    fprintf(stderr, "  layer %3lld trained in %8.3f s, train MSE %.6g\n", (long long)l, seconds,
            mse);
}

static int fit_stack_config(cli_config *c)
{
    int L = c->n_layers, rc = 1;
    cli_seqs X = {0}, *Y = calloc((size_t)L, sizeof *Y);
    lacus_esn_params *ep = calloc((size_t)L, sizeof *ep);
    int64_t *outs = calloc((size_t)L, sizeof *outs);
    const lacus_seqs **targets = calloc((size_t)L, sizeof *targets);
    lacus_stack *s = NULL;
    int loaded = 0;
    if (!Y || !ep || !outs || !targets) {
        cli_error("out of memory");
        goto done;
    }
    if (cli_seqs_load(&c->input, "input", &X)) goto done;
    for (; loaded < L; loaded++) {
        char what[48];
        snprintf(what, sizeof what, "layers[%d].target", loaded);
        if (cli_seqs_load(&c->layer_target[loaded], what, &Y[loaded])) goto done;
        targets[loaded] = &Y[loaded].s;
        outs[loaded] = Y[loaded].s.n_features;
    }
    for (int l = 0; l < L; l++) {
        if (c->layer[l].feedback) {
            cli_error("%s: layers[%d].feedback: output feedback is not supported inside a stack",
                      c->path, l);
            rc = 2;
            goto done;
        }
        if (esn_opts_resolve(&c->layer[l], &ep[l], l == 0 ? X.s.n_features : 0)) {
            rc = 2;
            goto done;
        }
    }
    lacus_stack_params sp = lacus_stack_params_default();
    sp.n_layers = L;
    sp.layers = ep;
    sp.n_outputs = outs;
    sp.teacher_inputs = c->teacher_inputs;
    sp.parallel_layers = c->parallel_layers;
    sp.on_layer = report_layer;
    lacus_error err = {0};
    if (lacus_stack_create(&sp, &s, &err)) {
        cli_error("%s: %s", c->path, err.msg);
        goto done;
    }
    double t0 = cli_now();
    if (lacus_stack_fit(s, &X.s, targets)) {
        cli_error("fit: %s", lacus_stack_errmsg(s));
        goto done;
    }
    double t1 = cli_now();
    if (lacus_stack_save(s, c->output, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    printf("layer  units  outputs  train_mse\n");
    for (int l = 0; l < L; l++)
        printf("%5d  %5lld  %7lld  %.6g\n", l, (long long)ep[l].reservoir.n_units,
               (long long)outs[l], lacus_stack_train_mse(s, l));
    printf("trained a stack of %d layers (%s) in %.3f s; wrote %s\n", L,
           c->teacher_inputs ? "teacher inputs" : "chained", t1 - t0, c->output);
    rc = 0;
done:
    lacus_stack_free(s);
    cli_seqs_free(&X);
    for (int l = 0; l < loaded; l++) cli_seqs_free(&Y[l]);
    free(Y);
    free(ep);
    free(outs);
    free(targets);
    return rc;
}

int fit_config(const char *path)
{
    cli_config *c = calloc(1, sizeof *c);
    if (!c) return cli_error("out of memory"), 1;
    int rc = cli_config_load(path, c);
    if (rc) {
        free(c);
        return rc;
    }
    if (c->threads > 0) lacus_set_num_threads(c->threads);
    rc = c->is_stack ? fit_stack_config(c) : fit_esn_config(c);
    cli_config_free(c);
    free(c);
    return rc;
}

int run_stack(const char *model, const opt_list *inputs, const char *out, int64_t layer)
{
    lacus_error err = {0};
    lacus_stack *s = NULL;
    if (lacus_stack_load(model, &s, &err)) return cli_error("%s", err.msg), 1;
    int64_t L = lacus_stack_n_layers(s);
    if (layer == -1) layer = L - 1;
    if (layer < 0 || layer >= L) {
        lacus_stack_free(s);
        return cli_error("--layer %lld: the stack has layers 0 .. %lld", (long long)layer,
                         (long long)L - 1), 2;
    }
    cli_seqs X;
    if (cli_seqs_load(inputs, "--input", &X)) {
        lacus_stack_free(s);
        return 1;
    }
    int rc = 1;
    int64_t O = lacus_esn_n_outputs(lacus_stack_layer(s, layer));
    double **outs = calloc((size_t)X.s.n_seqs, sizeof *outs);
    double *const **per = calloc((size_t)L, sizeof *per);
    if (!outs || !per) {
        cli_error("out of memory");
        goto done;
    }
    for (int64_t i = 0; i < X.s.n_seqs; i++)
        if (!(outs[i] = malloc((size_t)(X.s.n_steps[i] * O) * sizeof(double)))) {
            cli_error("out of memory for the predictions");
            goto done;
        }
    per[layer] = outs;
    if (lacus_stack_run(s, &X.s, per)) {
        cli_error("run: %s", lacus_stack_errmsg(s));
        goto done;
    }
    if (cli_write_seqs(out, outs, X.s.n_steps, X.s.n_seqs, O)) goto done;
    printf("wrote %s (layer %lld of %lld: %lld sequences, %lld outputs)\n", out, (long long)layer,
           (long long)L, (long long)X.s.n_seqs, (long long)O);
    rc = 0;
done:
    for (int64_t i = 0; outs && i < X.s.n_seqs; i++) free(outs[i]);
    free(outs);
    free(per);
    cli_seqs_free(&X);
    lacus_stack_free(s);
    return rc;
}
