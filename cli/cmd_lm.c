/* lacus lm train|generate|probe, and the dispatch of lacus lm (eval:
 * cmd_lm_eval.c; sweep: cmd_lm_sweep.c): reservoir language models on text
 * files and on lgen corpora. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "lm_text.h"

/* ---- train ---------------------------------------------------------------- */

static int lm_train(int argc, char **argv)
{
    lacus_lm_readout_params lp = lacus_lm_readout_params_default();
    lacus_lm_ext_params xp = lacus_lm_ext_params_default();
    const char *readout = "ridge";
    int64_t layers = 1;
    lm_cli o = lm_cli_default();
    opt table[] = {
        {"text", OPT_LIST, &o.text, "text file or directory of files (repeatable)"},
        {"output", OPT_STRING, &o.output, "model file to write (.npz)"},
        {"tokenizer", OPT_STRING, &o.tokenizer, "bytes|chars|words|bpe"},
        {"vocab", OPT_INT, &o.vocab, "bpe: vocabulary size (0: 1024); words: most frequent kept (0: all)"},
        {"holdout", OPT_DOUBLE, &o.holdout, "fraction of the text held out at its end for evaluation"},
        {"calib", OPT_DOUBLE, &o.calib, "fraction of the training tokens that fit the softmax temperature"},
        {"units", OPT_INT, &o.units, "reservoir units N"},
        {"lr", OPT_DOUBLE, &o.lr, "leak rate in (0, 1]"},
        {"sr", OPT_DOUBLE, &o.sr, "spectral radius of W"},
        {"input-scaling", OPT_DOUBLE, &o.input_scaling, "gain of the token input vectors"},
        {"rc-degree", OPT_DOUBLE, &o.rc_degree, "mean non-zeros per row of W"},
        {"bias", OPT_DOUBLE, &o.bias, "gain of the reservoir bias"},
        {"ridge", OPT_DOUBLE, &o.ridge, "ridge regularisation of the readout"},
        {"no-feed-token", OPT_FLAG, &o.no_feed_token, "readout sees the state only, not the current token"},
        {"gate-tokens", OPT_INT, &o.gate_tokens, "token-gated readouts for the K most frequent tokens (0: off)"},
        {"gate-ridge", OPT_DOUBLE, &o.gate_ridge, "ridge of the gated readouts"},
        {"pair-gates", OPT_INT, &xp.pair_gates, "readouts gated on the last two tokens, for the K most frequent pairs (0: off)"},
        {"pair-units", OPT_INT, &xp.pair_units, "units the pair-gated readouts read (the first d; 0: all)"},
        {"pair-ridge", OPT_DOUBLE, &xp.pair_ridge, "ridge of the pair-gated readouts"},
        {"slow-units", OPT_INT, &xp.slow_units, "units (the last ones) leaking at --slow-lr instead of --lr"},
        {"slow-lr", OPT_DOUBLE, &xp.slow_lr, "leak rate of the slow units, in (0, 1]"},
        {"warmup", OPT_INT, &o.warmup, "states dropped at the start of training"},
        {"seed", OPT_INT, &o.seed, "seed of the reservoir"},
        {"readout", OPT_STRING, &readout, "ridge (ridge + fitted temperature) | logistic (convex softmax, L-BFGS)"},
        {"logit-l2", OPT_DOUBLE, &lp.l2, "logistic: L2 strength (scikit-learn's 1/C)"},
        {"logit-max-rows", OPT_INT, &lp.max_rows, "logistic: training rows kept in memory (N*4 bytes each)"},
        {"logit-iters", OPT_INT, &lp.iters, "logistic: L-BFGS iterations"},
        {"layers", OPT_INT, &layers, "stacked reservoirs (lacus_stack, chained; > 1: every depth evaluated, the stack saved with --output)"},
        {"threads", OPT_INT, &o.threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
    };
    verb_spec v = {"lm train", "--text FILE|DIR --output MODEL.npz [options]",
                   "Trains a reservoir character/token language model on the first part of a text\n"
                   "(ridge readout, softmax temperature fitted on held-out training tokens) and\n"
                   "reports bits per token and per byte on the held-out end of the text.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (layers < 1 || layers > 16) return cli_error("--layers = %lld: must be in [1, 16]", (long long)layers), 2;
    if (!o.output && layers == 1) return cli_error("lm train: --output is required"), 2;
    if (lm_check_split_opts(&o)) return 2;
    lacus_lm_params p = lacus_lm_params_default();
    p.n_units = o.units, p.lr = o.lr, p.sr = o.sr, p.input_scaling = o.input_scaling;
    p.rc_degree = o.rc_degree, p.bias_scaling = o.bias, p.ridge = o.ridge, p.warmup = o.warmup;
    p.feed_token = !o.no_feed_token, p.seed = (uint64_t)o.seed, p.vocab_size = 1 << 20;
    p.gate_tokens = o.gate_tokens, p.gate_ridge = o.gate_ridge;
    if (!strcmp(readout, "logistic")) {
        lp.kind = LACUS_LM_LOGISTIC;
        p.gate_tokens = 0; /* the logistic readout has no gated readouts */
    } else if (strcmp(readout, "ridge"))
        return cli_error("--readout \"%s\": expected ridge or logistic", readout), 2;
    lacus_error err = {0};
    if (lacus_lm_params_check(&p, &err)) return cli_error("lm train: %s", err.msg), 2;
    text_buf t;
    if (lm_load_texts(&o.text, &t)) return free(t.data), 1;
    size_t cut = lm_split_point(&t, o.holdout);
    int usage, rc = 1;
    lacus_tokenizer *tok = lm_make_tokenizer(&o, &t, cut, &usage);
    split s = {0};
    lacus_lm *m = NULL;
    if (!tok) {
        rc = usage ? 2 : 1;
        goto done;
    }
    if (lm_encode_split(tok, &t, cut, &s)) goto done;
    if (s.n == s.n_train) {
        cli_error("lm train: the held-out part is empty (text too short for --holdout %g)", o.holdout);
        goto done;
    }
    p.vocab_size = lacus_tokenizer_vocab_size(tok);
    if (p.gate_tokens > p.vocab_size) p.gate_tokens = p.vocab_size;
    if (layers > 1) {
        if (xp.pair_gates || xp.slow_units) {
            cli_error("lm train: --pair-gates and --slow-units are for a single reservoir (--layers 1)");
            rc = 2;
            goto done;
        }
        if (lp.kind != LACUS_LM_RIDGE) {
            cli_error("lm train: --layers needs --readout ridge");
            rc = 2;
            goto done;
        }
        p.gate_tokens = 0;
        int64_t n_calib = (int64_t)(o.calib * (double)s.n_train);
        double bits[16], t0 = cli_now(), secs;
        if (!o.output) {
            /* Evaluation only: lacus_stack_run over the held-out part. */
            if (lacus_lm_stack_eval(&p, layers, s.ids, s.n, s.n_train - n_calib, n_calib, bits, &err)) {
                cli_error("lm train: %s", err.msg);
                rc = err.status == LACUS_ERR_ARG ? 2 : 1;
                goto done;
            }
            secs = cli_now() - t0;
            for (int64_t l = 0; l < layers; l++) bits[l] *= (double)(s.n - s.n_train);
        } else {
            /* The stack as a model: trained, scored token by token from the
             * start of the text, saved. */
            lacus_lm_stack *sm = NULL;
            if (lacus_lm_stack_train(&p, layers, s.ids, s.n_train - n_calib, n_calib, &sm, &err)) {
                cli_error("lm train: %s", err.msg);
                rc = err.status == LACUS_ERR_ARG ? 2 : 1;
                goto done;
            }
            secs = cli_now() - t0;
            if (lacus_lm_stack_score(sm, s.ids, s.n, s.n_train, bits)) {
                cli_error("lm train: %s", lacus_lm_stack_errmsg(sm));
                lacus_lm_stack_free(sm);
                goto done;
            }
            lacus_status st = lacus_lm_stack_save(sm, tok, o.output, &err);
            lacus_lm_stack_free(sm);
            if (st) {
                cli_error("%s", err.msg);
                goto done;
            }
        }
        printf("tokenizer %s V=%lld; stack of %lld reservoirs N=%lld (ridge readouts, ungated); train %lld tokens "
               "(%lld for the temperatures), held out %lld tokens / %zu bytes; %.2fs%s%s\n", o.tokenizer,
               (long long)p.vocab_size, (long long)layers, (long long)p.n_units, (long long)(s.n_train - n_calib),
               (long long)n_calib, (long long)(s.n - s.n_train), s.test_bytes, secs, o.output ? "; saved to " : "",
               o.output ? o.output : "");
        for (int64_t l = 0; l < layers; l++) {
            char name[64];
            snprintf(name, sizeof name, "stack depth %lld/%lld", (long long)(l + 1), (long long)layers);
            lm_print_row(name, bits[l], &s, secs, NULL);
        }
        rc = 0;
        goto done;
    }
    if (lacus_lm_create(&p, &m, &err)) {
        cli_error("lm train: %s", err.msg);
        rc = err.status == LACUS_ERR_ARG ? 2 : 1;
        goto done;
    }
    if (lacus_lm_set_readout(m, &lp) || lacus_lm_set_ext(m, &xp)) {
        cli_error("lm train: %s", lacus_lm_errmsg(m));
        rc = 2;
        goto done;
    }
    int64_t n_calib = (int64_t)(o.calib * (double)s.n_train);
    cli_progress pr;
    cli_progress_init(&pr, "lm train");
    double t0 = cli_now();
    if (lacus_lm_fit(m, s.ids, s.n_train, n_calib, cli_progress_cb, &pr)) {
        cli_progress_done(&pr);
        cli_error("lm train: %s", lacus_lm_errmsg(m));
        goto done;
    }
    cli_progress_done(&pr);
    double train_s = cli_now() - t0, bits;
    t0 = cli_now();
    if (lacus_lm_score(m, s.ids, s.n, s.n_train, &bits)) {
        cli_error("lm eval: %s", lacus_lm_errmsg(m));
        goto done;
    }
    double eval_s = cli_now() - t0;
    if (lacus_lm_save(m, tok, o.output, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    printf("tokenizer %s V=%lld; train %lld tokens (%lld for the temperature), held out %lld tokens / %zu bytes "
           "(%lld unknown)\n",
           o.tokenizer, (long long)p.vocab_size, (long long)(s.n_train - n_calib), (long long)n_calib,
           (long long)(s.n - s.n_train), s.test_bytes, (long long)s.n_unk);
    if (lp.kind == LACUS_LM_LOGISTIC)
        printf("readout logistic (L-BFGS) l2=%g on %lld rows\n", lp.l2,
               (long long)(s.n_train - n_calib - 1 - p.warmup < lp.max_rows ? s.n_train - n_calib - 1 - p.warmup
                                                                            : lp.max_rows));
    printf("reservoir N=%lld lr=%g sr=%g input_scaling=%g rc_degree=%g bias=%g ridge=%g feed_token=%d gate_tokens=%lld "
           "gate_ridge=%g seed=%lld; "
           "trainable %lld; beta %.4f eps %.2g; train %.2fs (%.0f tokens/s), eval %.2fs\n",
           (long long)p.n_units, p.lr, p.sr, p.input_scaling, p.rc_degree, p.bias_scaling, p.ridge, p.feed_token,
           (long long)p.gate_tokens, p.gate_ridge, (long long)o.seed, (long long)lacus_lm_n_trainable(m), lacus_lm_beta(m), lacus_lm_eps(m), train_s,
           (double)s.n_train / train_s, eval_s);
    if (xp.pair_gates || xp.slow_units)
        printf("pair_gates=%lld pair_units=%lld pair_ridge=%g slow_units=%lld slow_lr=%g\n", (long long)xp.pair_gates,
               (long long)(xp.pair_units ? xp.pair_units : p.n_units), xp.pair_ridge, (long long)xp.slow_units,
               xp.slow_lr);
    char name[64];
    snprintf(name, sizeof name, "reservoir N=%lld", (long long)p.n_units);
    lm_print_row(name, bits, &s, train_s, NULL);
    rc = 0;
done:
    lacus_lm_free(m);
    lacus_tokenizer_free(tok);
    free(s.ids);
    free(t.data);
    return rc;
}

/* ---- generate ------------------------------------------------------------- */

static int lm_generate(int argc, char **argv)
{
    const char *model = NULL, *prompt = "\n";
    int64_t n = 500, top_k = 0, seed = 1, layer = 0, f32 = 0;
    double temperature = 1.0, top_p = 1.0;
    opt table[] = {
        {"model", OPT_STRING, &model, "reservoir LM or stacked LM (.npz from lm train)"},
        {"layer", OPT_INT, &layer, "stacked LM: the depth whose distribution is sampled (1..layers; 0: the top)"},
        {"f32", OPT_INT, &f32, "stacked LM: 1 = readouts and drives in single precision (faster; the stream may "
                               "part from the double one where a draw falls within ~1e-7 of a boundary)"},
        {"prompt", OPT_STRING, &prompt, "text the state runs through first"},
        {"n", OPT_INT, &n, "tokens to generate"},
        {"temperature", OPT_DOUBLE, &temperature, "divides the fitted logits (> 0)"},
        {"top-k", OPT_INT, &top_k, "keep the k most probable tokens (0: all)"},
        {"top-p", OPT_DOUBLE, &top_p, "nucleus: smallest set with this mass (1: all)"},
        {"seed", OPT_INT, &seed, "sampling seed"},
    };
    verb_spec v = {"lm generate", "--model MODEL.npz [--prompt TEXT] [options]",
                   "Samples text from a reservoir LM; prints it on stdout and the speed on stderr.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!model) return cli_error("lm generate: --model is required"), 2;
    if (n < 0 || n > 100000000) return cli_error("--n = %lld: must be in [0, 10^8]", (long long)n), 2;
    lacus_sample_params sp = lacus_sample_params_default();
    sp.temperature = temperature, sp.top_k = top_k, sp.top_p = top_p, sp.seed = (uint64_t)seed;
    if (!(temperature > 0) || top_k < 0 || !(top_p > 0 && top_p <= 1))
        return cli_error("lm generate: --temperature must be > 0, --top-k >= 0, --top-p in (0, 1]"), 2;
    if (layer < 0 || layer > 16) return cli_error("--layer = %lld: must be in [0, 16]", (long long)layer), 2;
    if (f32 != 0 && f32 != 1) return cli_error("--f32 = %lld: must be 0 or 1", (long long)f32), 2;
    lacus_error err = {0};
    lacus_lm *m = NULL;
    lacus_lm_stack *sm = NULL;
    lacus_tokenizer *tok = NULL;
    int stacked = 0;
    if (lacus_lm_file_is_stack(model, &stacked, &err) ||
        (stacked ? lacus_lm_stack_load(model, &sm, &tok, &err) : lacus_lm_load(model, &m, &tok, &err)))
        return cli_error("%s", err.msg), 1;
    int rc = 1;
    int32_t *ids = NULL, *out = NULL;
    char *text = NULL;
    if (sm && layer > lacus_lm_stack_n_layers(sm)) {
        cli_error("--layer = %lld: the stack has %lld layers", (long long)layer, (long long)lacus_lm_stack_n_layers(sm));
        rc = 2;
        goto done;
    }
    if (m && layer > 1) {
        cli_error("--layer = %lld: %s is a single reservoir LM", (long long)layer, model);
        rc = 2;
        goto done;
    }
    int64_t np = 0;
    if (!tok) {
        cli_error("%s: the model file holds no tokenizer", model);
        goto done;
    }
    lacus_tokenizer_encode(tok, prompt, strlen(prompt), NULL, 0, &np, NULL, &err);
    if (np < 1) {
        cli_error("lm generate: the prompt must hold at least one token");
        rc = 2;
        goto done;
    }
    ids = malloc((size_t)np * sizeof *ids);
    out = malloc((size_t)(n + 1) * sizeof *out);
    if (!ids || !out) goto done;
    lacus_tokenizer_encode(tok, prompt, strlen(prompt), ids, np, &np, NULL, &err);
    double t0 = cli_now();
    if (sm ? (f32 ? lacus_lm_stack_generate_f32 : lacus_lm_stack_generate)(sm, layer, ids, np, n, &sp, out)
           : lacus_lm_generate(m, ids, np, n, &sp, out)) {
        cli_error("lm generate: %s", sm ? lacus_lm_stack_errmsg(sm) : lacus_lm_errmsg(m));
        goto done;
    }
    double secs = cli_now() - t0;
    size_t len;
    lacus_tokenizer_decode(tok, out, n, NULL, 0, &len, &err);
    text = malloc(len + 1);
    if (!text) goto done;
    lacus_tokenizer_decode(tok, out, n, text, len, &len, &err);
    fwrite(prompt, 1, strlen(prompt), stdout);
    fwrite(text, 1, len, stdout);
    printf("\n");
    fprintf(stderr, "lm generate: %lld tokens in %.3fs (%.0f tokens/s, prompt %lld tokens included in the time)\n",
            (long long)n, secs, secs > 0 ? (double)n / secs : 0.0, (long long)np);
    rc = 0;
done:
    free(ids), free(out), free(text);
    lacus_lm_free(m);
    lacus_lm_stack_free(sm);
    lacus_tokenizer_free(tok);
    return rc;
}

/* ---- probe: skills on an lgen corpus -------------------------------------- */

static int read_i32(lacus_npz *z, const char *corpus, const char *name, lacus_ndarray *a, int64_t n_cols)
{
    lacus_error err = {0};
    if (lacus_npz_read(z, name, a, &err) || lacus_ndarray_to_f64(a, &err))
        return cli_error("%s", err.msg), -1;
    if ((n_cols == 0 && a->ndim != 1) || (n_cols > 0 && (a->ndim != 2 || a->shape[1] != n_cols)))
        return cli_error("%s: %s has the wrong shape (is it from lacus lgen?)", corpus, name), -1;
    return 0;
}

static int lm_probe(int argc, char **argv)
{
    lm_cli o = lm_cli_default();
    const char *corpus = NULL;
    double train_frac = 0.8;
    opt table[] = {
        {"corpus", OPT_STRING, &corpus, "corpus from lacus lgen (.npz with ids, minimal_pair, annotations)"},
        {"train-frac", OPT_DOUBLE, &train_frac, "leading fraction of the tokens used for training"},
        {"units", OPT_INT, &o.units, "reservoir units N"},
        {"lr", OPT_DOUBLE, &o.lr, "leak rate in (0, 1]"},
        {"sr", OPT_DOUBLE, &o.sr, "spectral radius of W"},
        {"input-scaling", OPT_DOUBLE, &o.input_scaling, "gain of the token input vectors"},
        {"ridge", OPT_DOUBLE, &o.ridge, "ridge regularisation of the readout"},
        {"gate-tokens", OPT_INT, &o.gate_tokens, "token-gated readouts (0: off)"},
        {"seed", OPT_INT, &o.seed, "seed of the reservoir"},
    };
    verb_spec v = {"lm probe", "--corpus CORPUS.npz [options]",
                   "Trains a reservoir LM on the first part of an lgen corpus and reports, on the rest:\n"
                   "bits per token against the grammar's own entropy (with --probs corpora), and\n"
                   "minimal-pair accuracy (agreement), split by the number of attractors.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    if (!corpus) return cli_error("lm probe: --corpus is required"), 2;
    if (!(train_frac > 0 && train_frac < 1)) return cli_error("--train-frac = %g: must be in (0, 1)", train_frac), 2;
    lacus_error err = {0};
    lacus_npz *z = NULL;
    if (lacus_npz_open(corpus, &z, &err)) return cli_error("%s", err.msg), 1;
    lacus_ndarray I = {0}, B = {0}, A = {0}, P = {0};
    int rc = 1;
    int32_t *ids = NULL, *bad = NULL;
    double *mg = NULL;
    int64_t *first = NULL;
    lacus_lm *m = NULL;
    if (read_i32(z, corpus, "ids", &I, 0) || read_i32(z, corpus, "minimal_pair", &B, 0) ||
        read_i32(z, corpus, "annotations", &A, 6))
        goto done;
    int64_t n = I.shape[0], V = 0, cut = (int64_t)(train_frac * (double)n);
    if (B.shape[0] != n || A.shape[0] != n) {
        cli_error("%s: ids, minimal_pair and annotations differ in length", corpus);
        goto done;
    }
    ids = malloc((size_t)n * sizeof *ids), bad = malloc((size_t)n * sizeof *bad);
    if (!ids || !bad) goto done;
    const double *id = I.data, *bd = B.data, *an = A.data;
    for (int64_t t = 0; t < n; t++) {
        if (!(id[t] >= 0 && id[t] < 1 << 20 && bd[t] >= 0 && bd[t] < 1 << 20)) {
            cli_error("%s: token %lld is out of range", corpus, (long long)t);
            goto done;
        }
        ids[t] = (int32_t)id[t], bad[t] = (int32_t)bd[t];
        if (ids[t] + 1 > V) V = ids[t] + 1;
        if (bad[t] + 1 > V) V = bad[t] + 1;
    }
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = V, p.n_units = o.units, p.lr = o.lr, p.sr = o.sr, p.input_scaling = o.input_scaling;
    p.ridge = o.ridge, p.seed = (uint64_t)o.seed, p.gate_tokens = o.gate_tokens < V ? o.gate_tokens : V;
    if (lacus_lm_create(&p, &m, &err)) {
        cli_error("lm probe: %s", err.msg);
        rc = err.status == LACUS_ERR_ARG ? 2 : 1;
        goto done;
    }
    double t0 = cli_now();
    if (lacus_lm_fit(m, ids, cut, cut / 20 > 1 ? cut / 20 : 1, NULL, NULL)) {
        cli_error("lm probe: %s", lacus_lm_errmsg(m));
        goto done;
    }
    double train_s = cli_now() - t0, bits;
    if (lacus_lm_score(m, ids, n, cut, &bits)) {
        cli_error("lm probe: %s", lacus_lm_errmsg(m));
        goto done;
    }
    printf("corpus %s: %lld tokens, V=%lld; trained on %lld (N=%lld, %.1fs)\n", corpus, (long long)n, (long long)V,
           (long long)cut, (long long)p.n_units, train_s);
    printf("held-out: reservoir %.4f bits/token", bits / (double)(n - cut));
    if (lacus_npz_has(z, "probs") && !lacus_npz_read(z, "probs", &P, &err) && P.ndim == 2 && P.shape[0] == n &&
        P.shape[1] >= V) {
        const double *pp = P.data;
        double h = 0;
        for (int64_t t = cut; t < n; t++) h -= log2(pp[t * P.shape[1] + ids[t]]);
        printf(", grammar (true distribution) %.4f bits/token", h / (double)(n - cut));
    }
    printf("\n");
    int64_t n_pairs = 0;
    if (lacus_lm_pair_margins(m, ids, bad, n, cut, 0, NULL, NULL, 0, &n_pairs)) {
        cli_error("lm probe: %s", lacus_lm_errmsg(m));
        goto done;
    }
    mg = malloc((size_t)(n_pairs + 1) * sizeof *mg);
    first = malloc((size_t)(n_pairs + 1) * sizeof *first);
    if (!mg || !first) goto done;
    lacus_lm_pair_margins(m, ids, bad, n, cut, 0, mg, first, n_pairs, &n_pairs);
    /* Groups: verb agreement without / with attractors, reflexives. */
    int64_t cnt[3] = {0}, ok[3] = {0};
    for (int64_t k = 0; k < n_pairs; k++) {
        int64_t t = first[k], maxa = 0, refl = 0;
        for (; t < n; t++) {
            if (ids[t] != bad[t]) {
                if (an[t * 6] == LACUS_LGEN_REFL) refl = 1;
                if (an[t * 6 + 4] > maxa) maxa = (int64_t)an[t * 6 + 4];
            }
            if (ids[t] == 0) break;
        }
        int g = refl ? 2 : maxa > 0 ? 1 : 0;
        cnt[g]++, ok[g] += mg[k] > 0;
    }
    static const char *gname[] = {"agreement, no attractor", "agreement, >= 1 attractor", "with a reflexive"};
    int64_t all_ok = ok[0] + ok[1] + ok[2];
    printf("minimal pairs: %lld, accuracy %.4f\n", (long long)n_pairs, n_pairs ? (double)all_ok / (double)n_pairs : 0.0);
    for (int g = 0; g < 3; g++)
        printf("  %-26s %6lld pairs, accuracy %.4f\n", gname[g], (long long)cnt[g],
               cnt[g] ? (double)ok[g] / (double)cnt[g] : 0.0);
    rc = 0;
done:
    lacus_npz_close(z);
    lacus_ndarray_free(&I), lacus_ndarray_free(&B), lacus_ndarray_free(&A), lacus_ndarray_free(&P);
    free(ids), free(bad), free(mg), free(first);
    lacus_lm_free(m);
    return rc;
}

int cmd_lm(int argc, char **argv)
{
    const char *sub = argc > 2 ? argv[2] : NULL;
    if (sub && !strcmp(sub, "train")) return lm_train(argc, argv);
    if (sub && !strcmp(sub, "eval")) return cmd_lm_eval(argc, argv);
    if (sub && !strcmp(sub, "generate")) return lm_generate(argc, argv);
    if (sub && !strcmp(sub, "probe")) return lm_probe(argc, argv);
    if (sub && !strcmp(sub, "sweep")) return cmd_lm_sweep(argc, argv);
    if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h"))) {
        printf("usage: lacus lm train|eval|generate|probe|sweep [options]\n\n"
               "  train     train a reservoir LM on a text and report held-out bits per byte\n"
               "  eval      score a model and/or the baselines (unigram, n-gram KN, xz, bzip2)\n"
               "  generate  sample text from a model (temperature, top-k, top-p, seeded)\n"
               "  probe     train on an lgen corpus; entropy gap and minimal-pair accuracy\n"
               "  sweep     emergence study: skills vs reservoir size x tokens x seeds, thresholds\n\n"
               "lacus lm SUBCOMMAND --help shows its options.\n");
        return 0;
    }
    cli_error(sub ? "lm: unknown subcommand \"%s\" (train, eval, generate, probe, sweep)" : "lm: missing subcommand%s (train, eval, generate, probe, sweep)",
              sub ? sub : "");
    return 2;
}
