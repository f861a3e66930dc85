/* lacus fit / lacus run: train an ESN from files and save it; run a saved
 * model on new inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "config.h"

int esn_opts_resolve(esn_cli_opts *o, lacus_esn_params *p, int64_t n_inputs)
{
    *p = lacus_esn_params_default();
    lacus_reservoir_params *r = &p->reservoir;
    r->n_units = o->units;
    r->n_inputs = n_inputs;
    r->lr = o->lr;
    r->sr = o->sr;
    r->input_scaling = o->input_scaling;
    r->input_connectivity = o->input_connectivity;
    r->rc_connectivity = o->rc_connectivity;
    r->bias_scaling = o->bias;
    r->noise_rc = o->noise_rc;
    r->noise_in = o->noise_in;
    r->seed = (uint64_t)o->seed;
    if (o->seed < 0) return cli_error("--seed %lld: must be >= 0", (long long)o->seed), -1;
    if (lacus_activation_parse(o->activation, &r->activation))
        return cli_error("--activation \"%s\": expected tanh, sigmoid, relu, identity, softmax or softplus",
                         o->activation), -1;
    if (lacus_init_parse(o->W_init, &r->W_init) || lacus_init_parse(o->Win_init, &r->Win_init))
        return cli_error("--W-init/--Win-init: expected normal, uniform or bernoulli"), -1;
    if (lacus_noise_parse(o->noise_type, &r->noise_type))
        return cli_error("--noise-type \"%s\": expected gaussian or uniform", o->noise_type), -1;
    if (o->bias_03) r->bias_connectivity = r->input_connectivity;
    p->readout.ridge = o->ridge;
    if (lacus_bias_mode_parse(o->readout_bias, &p->readout.bias))
        return cli_error("--readout-bias \"%s\": expected centered, augmented or none", o->readout_bias), -1;
    if (lacus_solver_parse(o->solver, &p->readout.solver))
        return cli_error("--solver \"%s\": expected auto, primal, dual or lstsq", o->solver), -1;
    p->readout.accumulate_f32 = o->accumulate_f32;
    p->warmup = o->warmup;
    p->feed_input = o->feed_input;
    p->fb_scaling = o->fb_scaling;
    p->fb_connectivity = o->fb_connectivity;
    if (lacus_init_parse(o->fb_init, &p->fb_init))
        return cli_error("--fb-init \"%s\": expected normal, uniform or bernoulli", o->fb_init), -1;
    if (o->threads > 0) lacus_set_num_threads((int)o->threads);
    return 0;
}

esn_cli_opts esn_opts_default(void)
{
    esn_cli_opts o;
    memset(&o, 0, sizeof o);
    lacus_reservoir_params r = lacus_reservoir_params_default();
    o.units = 100;
    o.lr = r.lr;
    o.sr = r.sr;
    o.input_scaling = r.input_scaling;
    o.input_connectivity = r.input_connectivity;
    o.rc_connectivity = r.rc_connectivity;
    o.bias = 0.0;
    o.activation = "tanh";
    o.W_init = "normal";
    o.Win_init = "bernoulli";
    o.noise_type = "gaussian";
    o.seed = (int64_t)r.seed;
    o.ridge = 1e-6;
    o.readout_bias = "centered";
    o.solver = "auto";
    o.fb_scaling = 1.0;
    o.fb_connectivity = 0.0;
    o.fb_init = "bernoulli";
    return o;
}

int cmd_fit(int argc, char **argv)
{
    /* lacus fit CONFIG.json: everything from the file. */
    if (argc >= 3 && argv[2][0] != '-') {
        if (argc > 3)
            return cli_error("fit %s: a config takes no other arguments (put them in the file)",
                             argv[2]), 2;
        return fit_config(argv[2]);
    }
    if (argc == 3 && !strcmp(argv[2], "--config-reference")) {
        cli_config_reference();
        return 0;
    }
    /* --model nvar: another model with its own options (cmd_nvar.c). */
    for (int i = 2; i < argc; i++)
        if ((!strcmp(argv[i], "--model") && i + 1 < argc && !strcmp(argv[i + 1], "nvar")) ||
            !strcmp(argv[i], "--model=nvar"))
            return fit_nvar(argc, argv);
    const char *model_kind = "esn";
    esn_cli_opts o = esn_opts_default();
    opt_list inputs = {0}, targets = {0}, hints = {0};
    double hint_scaling = 1.0;
    int64_t hint_seed = 0;
    int noise_train_only = 0;
    const char *out = "model.npz";
    int force = 0, full_force = 0;
    const char *ff_init = "W";
    double alpha = 1.0, forgetting = 1.0;
    const char *online = NULL;
    lacus_ip_params ipp = lacus_ip_params_default();
    int64_t ip_epochs = 0;
    lacus_plasticity_params lpp = lacus_plasticity_params_default();
    const char *local_rule = "none";
    fit_dist_opts dso = fit_dist_opts_default();
    opt table[] = {
        {"input", OPT_LIST, &inputs, "input sequences: .npy (2-D, or 3-D stacked), .npz or .csv"},
        {"target", OPT_LIST, &targets, "target sequences, same layout as --input"},
        {"output", OPT_STRING, &out, "model file to write (.npz)"},
        {"model", OPT_STRING, &model_kind, "esn | nvar (an NVAR forecaster, with options of its "
                                           "own: lacus fit --model nvar --help)"},
        ESN_OPTS(o),
        {"force", OPT_FLAG, &force, "FORCE learning: RLS on the fed-back output (implies --feedback)"},
        {"full-force", OPT_FLAG, &full_force, "full-FORCE (DePasquale 2018): learn the recurrent "
                                              "weights J by RLS from a target-driven copy, then the "
                                              "readout (implies --feedback)"},
        {"ff-init", OPT_STRING, &ff_init, "--full-force: J(0) = W (the driven net's) | zero"},
        {"ff-hints", OPT_LIST, &hints, "--full-force: hint signals fed into the target-generating "
                                       "net only, same layout and lengths as --input"},
        {"ff-hint-scaling", OPT_DOUBLE, &hint_scaling, "--ff-hints: gain of the hint weights U(-1, 1)"},
        {"ff-hint-seed", OPT_INT, &hint_seed, "--ff-hints: seed of the hint weights"},
        {"noise-train-only", OPT_FLAG, &noise_train_only, "reservoir noise during training only: "
                                                          "the saved model runs without it "
                                                          "(Jaeger & Haas 2004)"},
        {"ip-epochs", OPT_INT, &ip_epochs, "intrinsic plasticity of the reservoir on the inputs "
                                           "before the readout, this many passes (0: off; needs "
                                           "--lr 1, tanh or sigmoid)"},
        {"ip-eta", OPT_DOUBLE, &ipp.eta, "--ip-epochs: learning rate"},
        {"ip-mu", OPT_DOUBLE, &ipp.mu, "--ip-epochs: target mean (sigmoid: > 0)"},
        {"ip-sigma", OPT_DOUBLE, &ipp.sigma, "--ip-epochs: target standard deviation (tanh)"},
        {"local-rule", OPT_STRING, &local_rule, "local plasticity of W on the inputs before the "
                                                "readout: none | hebbian | anti-hebbian | oja | "
                                                "anti-oja | bcm (needs --lr 1)"},
        {"local-eta", OPT_DOUBLE, &lpp.eta, "--local-rule: learning rate"},
        {"local-epochs", OPT_INT, &lpp.epochs, "--local-rule: passes over the inputs"},
        {"local-sr", OPT_DOUBLE, &lpp.sr_after, "--local-rule: rescale W to this spectral radius "
                                                "afterwards (0: off)"},
        {"online", OPT_STRING, &online, "train the readout online: rls | lms (ReservoirPy's "
                                        "RLS/LMS partial_fit) instead of ridge"},
        {"alpha", OPT_DOUBLE, &alpha, "FORCE, full-FORCE and --online rls: P(0) = I / alpha; --online lms: "
                                      "learning rate"},
        {"forgetting", OPT_DOUBLE, &forgetting, "FORCE, full-FORCE and --online rls: forgetting factor in (0, 1]"},
        FIT_DIST_OPTS(dso),
    };
    verb_spec v = {"fit", "--input X.npy --target Y.npy [options]  |  CONFIG.json  |  --config-reference",
                   "Trains an echo state network (reservoir + ridge readout) and saves it.\n"
                   "With CONFIG.json, trains the model (an ESN or a layer stack) that the config\n"
                   "describes; --config-reference prints every config key with its default.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    if (strcmp(model_kind, "esn"))
        return cli_error("--model \"%s\": expected esn or nvar", model_kind), 2;
    if (fit_dist_set(&dso)) return 2;
    if (lacus_dist_launched()) { /* under mpirun, even with one rank: the same sums */
        if (force || full_force || online)
            return cli_error("--force, --full-force and --online (online learning) do not run under MPI"), 2;
        return fit_dist(&o, &inputs, &targets, out);
    }
    if (hints.n && !full_force) return cli_error("--ff-hints: only with --full-force"), 2;
    if (hint_seed < 0) return cli_error("--ff-hint-seed %lld: must be >= 0", (long long)hint_seed), 2;
    cli_seqs X, Y, Hs = {0};
    if (cli_seqs_load(&inputs, "--input", &X)) return 1;
    if (cli_seqs_load(&targets, "--target", &Y)) {
        cli_seqs_free(&X);
        return 1;
    }
    if (hints.n && cli_seqs_load(&hints, "--ff-hints", &Hs)) {
        cli_seqs_free(&X);
        cli_seqs_free(&Y);
        return 1;
    }
    lacus_esn_params p;
    lacus_esn *m = NULL;
    lacus_error err = {0};
    int rc = 1;
    cli_progress prog;
    cli_progress_init(&prog, "fit");
    if (esn_opts_resolve(&o, &p, X.s.n_features)) {
        rc = 2;
        goto done;
    }
    p.progress = cli_progress_cb;
    p.progress_user = &prog;
    if (force && full_force) {
        cli_error("--force and --full-force: choose one");
        rc = 2;
        goto done;
    }
    lacus_full_force_params fp = lacus_full_force_params_default();
    fp.alpha = alpha;
    fp.forgetting = forgetting;
    fp.hints = hints.n ? &Hs.s : NULL;
    fp.hint_scaling = hint_scaling;
    fp.hint_seed = (uint64_t)hint_seed;
    if (!strcmp(ff_init, "zero")) fp.init_J = LACUS_FULL_FORCE_INIT_ZERO;
    else if (strcmp(ff_init, "W")) {
        cli_error("--ff-init \"%s\": expected W or zero", ff_init);
        rc = 2;
        goto done;
    }
    if (o.feedback || force || full_force) p.n_feedback = Y.s.n_features;
    if (lacus_esn_create(&p, &m, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    lacus_online_params op = lacus_online_params_default();
    if (online) {
        if (strcmp(online, "rls") && strcmp(online, "lms")) {
            cli_error("--online \"%s\": expected rls or lms", online);
            rc = 2;
            goto done;
        }
        if (force || full_force || o.feedback) {
            cli_error("--online: not with --force/--full-force/--feedback (FORCE already learns online)");
            rc = 2;
            goto done;
        }
        op.method = strcmp(online, "lms") ? LACUS_ONLINE_RLS : LACUS_ONLINE_LMS;
        op.alpha = alpha;
        op.forgetting = forgetting;
    }
    double t0 = cli_now();
    if (ip_epochs < 0) {
        cli_error("--ip-epochs %lld: must be >= 0", (long long)ip_epochs);
        rc = 2;
        goto done;
    }
    if (ip_epochs > 0) {
        ipp.res.activation = p.reservoir.activation;
        if (lacus_esn_fit_ip(m, &X.s, &ipp, ip_epochs, NULL, NULL)) {
            cli_error("fit: %s", lacus_esn_errmsg(m));
            goto done;
        }
    }
    if (strcmp(local_rule, "none")) {
        if (lacus_plasticity_rule_parse(local_rule, &lpp.rule)) {
            cli_error("--local-rule \"%s\": expected none, hebbian, anti-hebbian, oja, anti-oja "
                      "or bcm", local_rule);
            rc = 2;
            goto done;
        }
        if (lacus_esn_fit_local(m, &X.s, &lpp, 0)) {
            cli_error("fit: %s", lacus_esn_errmsg(m));
            goto done;
        }
    }
    lacus_full_force_report rep = {0};
    if (force        ? lacus_esn_force(m, &X.s, &Y.s, alpha, forgetting)
        : full_force ? lacus_esn_full_force(m, &X.s, &Y.s, &fp, &rep)
        : online ? lacus_esn_fit_online(m, &X.s, &Y.s, &op)
                 : lacus_esn_fit(m, &X.s, &Y.s)) {
        cli_progress_done(&prog);
        cli_error("fit: %s", lacus_esn_errmsg(m));
        goto done;
    }
    cli_progress_done(&prog);
    double t1 = cli_now();
    if (noise_train_only && lacus_esn_set_noise(m, 0.0, 0.0)) {
        cli_error("%s", lacus_esn_errmsg(m));
        goto done;
    }
    if (lacus_esn_save(m, out, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    int64_t total = 0;
    for (int64_t i = 0; i < X.s.n_seqs; i++) total += X.s.n_steps[i];
    printf("trained on %lld sequences, %lld steps, %lld units in %.3f s (%s); wrote %s\n",
           (long long)X.s.n_seqs, (long long)total, (long long)p.reservoir.n_units, t1 - t0,
           force ? "FORCE" : full_force ? "full-FORCE" : online ? online : lacus_solver_name(lacus_ridge_last_solver(lacus_esn_readout(m))), out);
    if (full_force)
        printf("full-FORCE: %lld RLS steps; recurrent-current error %.4g (first tenth) -> %.4g "
               "(last tenth), output error %.4g (a priori, relative)\n",
               (long long)rep.n_learned, rep.current_nrmse_first, rep.current_nrmse_last,
               rep.output_nrmse_last);
    rc = 0;
done:
    lacus_esn_free(m);
    cli_seqs_free(&X);
    cli_seqs_free(&Y);
    if (hints.n) cli_seqs_free(&Hs);
    return rc;
}

/* lacus run --generate K: closed-loop generation after a warm-up on the one
 * input sequence; nothing is written on failure. */
static int run_generate(const char *model, opt_list *inputs, const char *out, int64_t K,
                        int64_t threads)
{
    if (threads > 0) lacus_set_num_threads((int)threads);
    lacus_error err = {0};
    lacus_esn *m = NULL;
    if (lacus_esn_load(model, &m, &err)) return cli_error("%s", err.msg), 1;
    cli_seqs X;
    if (cli_seqs_load(inputs, "--input", &X)) {
        lacus_esn_free(m);
        return 1;
    }
    int rc = 1;
    int64_t O = lacus_esn_n_outputs(m);
    double *gen = NULL;
    if (X.s.n_seqs != 1) {
        cli_error("--generate warms up on one sequence: --input holds %lld", (long long)X.s.n_seqs);
        goto done;
    }
    if (!(gen = malloc((size_t)(K * O) * sizeof *gen))) {
        cli_error("out of memory for %lld generated steps", (long long)K);
        goto done;
    }
    if (lacus_esn_generate(m, X.s.data[0], X.s.n_steps[0], K, gen)) {
        cli_error("generate: %s", lacus_esn_errmsg(m));
        goto done;
    }
    if (cli_write_seqs(out, &gen, &K, 1, O)) goto done;
    printf("wrote %s (%lld generated steps after %lld warm-up steps, %lld outputs)\n", out,
           (long long)K, (long long)X.s.n_steps[0], (long long)O);
    rc = 0;
done:
    free(gen);
    cli_seqs_free(&X);
    lacus_esn_free(m);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    opt_list inputs = {0};
    const char *model = "model.npz", *out = "prediction.npy", *node = NULL;
    int64_t threads = 0, generate = 0, layer = -1;
    opt table[] = {
        {"model", OPT_STRING, &model, "trained model (.npz from lacus fit)"},
        {"layer", OPT_INT, &layer, "stack models: the layer whose outputs are written (-1: last)"},
        {"node", OPT_STRING, &node, "graph models: the node whose outputs are written (default: "
                                    "the last ridge node)"},
        {"input", OPT_LIST, &inputs, "input sequences: .npy, .npz or .csv"},
        {"output", OPT_STRING, &out, "predictions (.npy; .npz for sequences of different lengths)"},
        {"threads", OPT_INT, &threads, "OpenMP threads (0: default)"},
        {"generate", OPT_INT, &generate,
         "closed loop: warm up on the one input sequence, then feed the model's outputs back "
         "as inputs for this many steps and write those (steps, outputs); needs outputs = "
         "inputs; NVAR models (lacus fit --model nvar): the whole loop in C; 0: plain run"},
    };
    verb_spec v = {"run", "--model model.npz --input X.npy [--output Y.npy] [--generate K]",
                   "Runs a trained model on input sequences, each from a zero state, or "
                   "(--generate K) generates K steps in closed loop after a warm-up.", table,
                   (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    if (generate < 0) return cli_error("--generate %lld: must be >= 0", (long long)generate), 2;
    {
        lacus_error ek = {0};
        char k[16];
        if (model && !lacus_model_file_kind(model, k, sizeof k, &ek) && !strcmp(k, "nvar")) {
            if (layer != -1 || node) return cli_error("--layer/--node: %s is an NVAR model", model), 2;
            if (threads > 0) lacus_set_num_threads((int)threads);
            return run_nvar(model, &inputs, out, generate);
        }
    }
    if (generate > 0) {
        /* Closed loop feeds raw outputs back as inputs: a model trained on
         * preprocessed inputs would see them unscaled. */
        lacus_prep *pp = NULL;
        lacus_error e2 = {0};
        if (model && !lacus_model_input_prep(model, &pp, &e2) && pp) {
            lacus_prep_free(pp);
            return cli_error("--generate: %s carries input preprocessing, which closed-loop "
                             "generation does not apply", model), 2;
        }
        return run_generate(model, &inputs, out, generate, threads);
    }
    if (threads > 0) lacus_set_num_threads((int)threads);
    lacus_error err = {0};
    char kind[16];
    if (lacus_model_file_kind(model, kind, sizeof kind, &err)) return cli_error("%s", err.msg), 1;
    if (!strcmp(kind, "stack")) return run_stack(model, &inputs, out, layer);
    if (!strcmp(kind, "graph")) return run_graph(model, &inputs, out, node);
    if (layer != -1) return cli_error("--layer: %s is not a stack", model), 2;
    if (node) return cli_error("--node: %s is not a graph", model), 2;
    lacus_esn *m = NULL;
    if (lacus_esn_load(model, &m, &err)) return cli_error("%s", err.msg), 1;
    cli_seqs X;
    if (cli_seqs_load(&inputs, "--input", &X)) {
        lacus_esn_free(m);
        return 1;
    }
    int rc = 1;
    cli_prep_seqs P; /* the input preprocessing stored in the model, if any */
    const lacus_seqs *U;
    if (cli_model_prep_inputs(model, &X.s, &P, &U)) {
        cli_seqs_free(&X);
        lacus_esn_free(m);
        return 1;
    }
    int64_t O = lacus_esn_n_outputs(m);
    double **outs = calloc((size_t)X.s.n_seqs, sizeof *outs);
    if (!outs) {
        cli_error("out of memory");
        goto done;
    }
    for (int64_t i = 0; i < X.s.n_seqs; i++)
        if (!(outs[i] = malloc((size_t)(X.s.n_steps[i] * O) * sizeof(double)))) {
            cli_error("out of memory for the predictions");
            goto done;
        }
    cli_progress prog;
    cli_progress_init(&prog, "run");
    lacus_esn_set_progress(m, cli_progress_cb, &prog);
    lacus_status st = lacus_esn_run(m, U, outs);
    cli_progress_done(&prog);
    if (st) {
        cli_error("run: %s", lacus_esn_errmsg(m));
        goto done;
    }
    if (cli_write_seqs(out, outs, X.s.n_steps, X.s.n_seqs, O)) goto done;
    printf("wrote %s (%lld sequences, %lld outputs)\n", out, (long long)X.s.n_seqs, (long long)O);
    rc = 0;
done:
    for (int64_t i = 0; outs && i < X.s.n_seqs; i++) free(outs[i]);
    free(outs);
    cli_prep_seqs_free(&P);
    cli_seqs_free(&X);
    lacus_esn_free(m);
    return rc;
}
