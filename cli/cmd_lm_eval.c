/* lacus lm eval: the goal ladder (unigram, Kneser-Ney n-grams, xz, bzip2 and
 * the reservoir LM on the same split, in the same run), and scoring that
 * adapts as it reads (--adapt). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "lm_text.h"

static int parse_orders(const char *s, int *orders, int *n)
{
    *n = 0;
    for (const char *p = s; *p;) {
        char *end;
        long k = strtol(p, &end, 10);
        if (end == p || k < 1 || k > 6 || *n == 6) return -1;
        orders[(*n)++] = (int)k;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return -1;
    }
    return *n ? 0 : -1;
}

/* One axis of lm eval --adapt's choice: the given value, or the grid. */
typedef struct adapt_axis {
    const double *v;
    int64_t n;
} adapt_axis;

static adapt_axis axis_of(const double *given, const double *grid, int64_t n)
{
    adapt_axis a = {*given >= 0 ? given : grid, *given >= 0 ? 1 : n};
    return a;
}

/* Chooses the adaptation's settings on the grid of the three axes over the
 * calibration tokens ids[start..n_train) and prints the grid. */
static int adapt_choose(lacus_lm *m, const split *s, int64_t start, adapt_axis st, adapt_axis th, adapt_axis la,
                        lacus_lm_adapt_params *ad)
{
    double cb[32], t0 = cli_now();
    const int64_t n_calib = s->n_train - start;
    lacus_status e = lacus_lm_adapt_select(m, s->ids, s->n_train, start, st.v, st.n, th.v, th.n, la.v, la.n, ad, cb);
    if (e) return cli_error("lm eval --adapt: %s", lacus_lm_errmsg(m)), e == LACUS_ERR_ARG ? 2 : 1;
    printf("adapt: step x theta x lambda on the %lld calibration tokens, bits/token:", (long long)n_calib);
    for (int64_t g = 0; g < st.n * th.n * la.n; g++)
        printf("%s %g x %g x %g: %.4f", g ? "," : "", st.v[g / (th.n * la.n)], th.v[g / la.n % th.n], la.v[g % la.n],
               cb[g] / (double)n_calib);
    printf(" (%.1fs)\n", cli_now() - t0);
    return 0;
}

/* lm eval --adapt: the settings not given (< 0) are chosen on the
 * calibration tokens (the last o->calib of the training part, which the
 * readouts did not see), first the cache's theta and lambda without the
 * step, then the step with them; then the held-out part is scored adapting.
 * Returns 0, 1 (run error) or 2 (bad value). */
static int eval_adapt(lacus_lm *m, const split *s, const lm_cli *o, lacus_lm_adapt_params *ad)
{
    static const double g_step[] = {0, 0.03, 0.1, 0.3}, g_theta[] = {30, 100, 300, 1000, 3000},
                        g_lambda[] = {0.05, 0.1, 0.2, 0.4};
    static const double off = 0;
    const int64_t n_calib = (int64_t)(o->calib * (double)s->n_train), start = s->n_train - n_calib;
    const int choose = ad->step < 0 || (ad->cache_size > 0 && (ad->cache_theta < 0 || ad->cache_lambda < 0));
    if (choose && (n_calib < 1 || start < 1))
        return cli_error("lm eval --adapt: no calibration tokens to choose the settings on"), 1;
    double b0 = NAN;
    if (choose && !lacus_lm_score(m, s->ids, s->n_train, start, &b0))
        printf("adapt: static %.4f bits/token on the calibration tokens\n", b0 / (double)n_calib);
    const double step = ad->step;
    int rc = 0;
    if (ad->cache_size > 0 && (ad->cache_theta < 0 || ad->cache_lambda < 0))
        rc = adapt_choose(m, s, start, axis_of(&off, NULL, 1), axis_of(&ad->cache_theta, g_theta, 5),
                          axis_of(&ad->cache_lambda, g_lambda, 4), ad);
    ad->step = step;
    if (!rc && step < 0) {
        const double th = ad->cache_size > 0 ? ad->cache_theta : 0, la = ad->cache_size > 0 ? ad->cache_lambda : 0;
        rc = adapt_choose(m, s, start, axis_of(&step, g_step, 4), axis_of(&th, NULL, 1), axis_of(&la, NULL, 1), ad);
    }
    if (rc) return rc;
    double t0 = cli_now(), bits;
    lacus_status st = lacus_lm_score_adapt(m, s->ids, s->n, s->n_train, ad, &bits);
    if (st) return cli_error("lm eval --adapt: %s", lacus_lm_errmsg(m)), st == LACUS_ERR_ARG ? 2 : 1;
    char name[64], extra[128];
    snprintf(name, sizeof name, "reservoir N=%lld adapt", (long long)lacus_lm_params_get(m)->n_units);
    if (ad->cache_size > 0)
        snprintf(extra, sizeof extra, "step %g; cache %lld x %lld, theta %g, lambda %g", ad->step,
                 (long long)ad->cache_size, (long long)ad->cache_dim, ad->cache_theta, ad->cache_lambda);
    else
        snprintf(extra, sizeof extra, "step %g; no cache", ad->step);
    lm_print_row(name, bits, s, cli_now() - t0, extra);
    return 0;
}

int cmd_lm_eval(int argc, char **argv)
{
    lm_cli o = lm_cli_default();
    const char *orders_s = "3,5";
    int baselines = 0;
    int adapt = 0;
    lacus_lm_adapt_params ad = lacus_lm_adapt_params_default();
    ad.cache_size = 100000, ad.step = -1, ad.cache_theta = -1, ad.cache_lambda = -1; /* < 0: chosen */
    opt table[] = {
        {"text", OPT_LIST, &o.text, "text file or directory of files (repeatable)"},
        {"model", OPT_STRING, &o.model, "reservoir LM (.npz from lm train); its tokenizer is used"},
        {"baselines", OPT_FLAG, &baselines, "also unigram, Kneser-Ney n-grams, xz and bzip2 on the same split"},
        {"orders", OPT_STRING, &orders_s, "n-gram orders for --baselines (comma-separated, 1-6)"},
        {"tokenizer", OPT_STRING, &o.tokenizer, "without --model: bytes|chars|words|bpe"},
        {"vocab", OPT_INT, &o.vocab, "without --model: bpe/words vocabulary size"},
        {"holdout", OPT_DOUBLE, &o.holdout, "fraction of the text held out at its end"},
        {"threads", OPT_INT, &o.threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)"},
        {"adapt", OPT_FLAG, &adapt, "also score adapting to the held-out text as it is read (docs/language.md)"},
        {"calib", OPT_DOUBLE, &o.calib, "with --adapt: lm train's --calib; those tokens choose what is not given"},
        {"cache-size", OPT_INT, &ad.cache_size, "with --adapt: states in the cache (0: no cache)"},
        {"cache-dim", OPT_INT, &ad.cache_dim, "with --adapt: dimensions of the cache's keys"},
        {"cache-theta", OPT_DOUBLE, &ad.cache_theta, "with --adapt: similarity sharpness (-1: chosen of 30..3000)"},
        {"cache-lambda", OPT_DOUBLE, &ad.cache_lambda, "with --adapt: cache weight (-1: chosen of 0.05..0.4)"},
        {"adapt-step", OPT_DOUBLE, &ad.step, "with --adapt: logit correction's step (-1: chosen of 0,.03,.1,.3)"},
    };
    verb_spec v = {"lm eval", "--text FILE|DIR [--model MODEL.npz] [--baselines] [options]",
                   "Bits per token and per byte on the held-out end of a text: the reservoir LM and/or\n"
                   "the ladder of baselines (unigram, n-gram KN, xz -9e and bzip2 -9 as the\n"
                   "conditional cost of the held-out bytes after the training bytes).",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 3);
    if (r) return r > 0 ? 0 : 2;
    int orders[6], n_orders = 0;
    if (parse_orders(orders_s, orders, &n_orders))
        return cli_error("--orders \"%s\": expected a comma-separated list of orders in 1..6", orders_s), 2;
    if (!o.model && !baselines) return cli_error("lm eval: give --model, --baselines or both"), 2;
    if (adapt && !o.model) return cli_error("lm eval: --adapt needs --model"), 2;
    if (lm_check_split_opts(&o)) return 2;
    lacus_error err = {0};
    lacus_lm *m = NULL;
    lacus_lm_stack *sm = NULL;
    lacus_tokenizer *tok = NULL;
    int stacked = 0;
    if (o.model && (lacus_lm_file_is_stack(o.model, &stacked, &err) ||
                    (stacked ? lacus_lm_stack_load(o.model, &sm, &tok, &err) : lacus_lm_load(o.model, &m, &tok, &err))))
        return cli_error("%s", err.msg), 1;
    if (sm && adapt) {
        lacus_lm_stack_free(sm), lacus_tokenizer_free(tok);
        return cli_error("lm eval --adapt: %s is a stacked LM; adaptation is for a single reservoir", o.model), 2;
    }
    if ((m || sm) && !tok) {
        lacus_lm_free(m), lacus_lm_stack_free(sm);
        return cli_error("%s: the model file holds no tokenizer", o.model), 1;
    }
    text_buf t;
    int rc = 1, usage;
    split s = {0};
    if (lm_load_texts(&o.text, &t)) goto done;
    size_t cut = lm_split_point(&t, o.holdout);
    if (!tok && !(tok = lm_make_tokenizer(&o, &t, cut, &usage))) {
        rc = usage ? 2 : 1;
        goto done;
    }
    if (lm_encode_split(tok, &t, cut, &s)) goto done;
    if (s.n == s.n_train) {
        cli_error("lm eval: the held-out part is empty");
        goto done;
    }
    int64_t V = lacus_tokenizer_vocab_size(tok);
    printf("text %zu bytes; held out %zu bytes = %lld %s tokens (V=%lld, %lld unknown)\n", t.len, s.test_bytes,
           (long long)(s.n - s.n_train), lacus_tok_kind_name(lacus_tokenizer_kind(tok)), (long long)V,
           (long long)s.n_unk);
    double t0, bits;
    if (baselines) {
        t0 = cli_now();
        if (lacus_unigram_bits(s.ids, s.n_train, s.ids + s.n_train, s.n - s.n_train, V, &bits, &err)) {
            cli_error("%s", err.msg);
            goto done;
        }
        lm_print_row("unigram", bits, &s, cli_now() - t0, NULL);
        for (int i = 0; i < n_orders; i++) {
            lacus_ngram *g = NULL;
            t0 = cli_now();
            if (lacus_ngram_train(s.ids, s.n_train, V, orders[i], &g, &err) ||
                lacus_ngram_score(g, s.ids, s.n, s.n_train, &bits, &err)) {
                lacus_ngram_free(g);
                cli_error("%s", err.msg);
                goto done;
            }
            char name[32], extra[64];
            snprintf(name, sizeof name, "%d-gram KN", orders[i]);
            snprintf(extra, sizeof extra, "%lld %d-gram types", (long long)lacus_ngram_count_types(g, orders[i]),
                     orders[i]);
            lm_print_row(name, bits, &s, cli_now() - t0, extra);
            lacus_ngram_free(g);
        }
        for (int c = 0; c < 2; c++) {
            size_t all, tr;
            t0 = cli_now();
            if (lacus_compressed_size((lacus_compressor)c, t.data, t.len, &all, &err) ||
                lacus_compressed_size((lacus_compressor)c, t.data, cut, &tr, &err)) {
                cli_error("%s", err.msg);
                goto done;
            }
            char name[32], extra[96];
            snprintf(name, sizeof name, "%s (conditional)", lacus_compressor_name((lacus_compressor)c));
            snprintf(extra, sizeof extra, "whole text %.4f bits/byte", 8.0 * (double)all / (double)t.len);
            lm_print_row(name, 8.0 * ((double)all - (double)tr), &s, cli_now() - t0, extra);
        }
    }
    if (m) {
        t0 = cli_now();
        if (lacus_lm_score(m, s.ids, s.n, s.n_train, &bits)) {
            cli_error("lm eval: %s", lacus_lm_errmsg(m));
            goto done;
        }
        char name[64];
        snprintf(name, sizeof name, "reservoir N=%lld", (long long)lacus_lm_params_get(m)->n_units);
        lm_print_row(name, bits, &s, cli_now() - t0, "(time: evaluation)");
        if (adapt && (rc = eval_adapt(m, &s, &o, &ad)) != 0) goto done;
        rc = 1;
    }
    if (sm) {
        double sb[16];
        t0 = cli_now();
        if (lacus_lm_stack_score(sm, s.ids, s.n, s.n_train, sb)) {
            cli_error("lm eval: %s", lacus_lm_stack_errmsg(sm));
            goto done;
        }
        double secs = cli_now() - t0;
        for (int64_t l = 0; l < lacus_lm_stack_n_layers(sm); l++) {
            char name[64];
            snprintf(name, sizeof name, "stack N=%lld depth %lld/%lld", (long long)lacus_lm_stack_params(sm)->n_units,
                     (long long)(l + 1), (long long)lacus_lm_stack_n_layers(sm));
            lm_print_row(name, sb[l], &s, secs, "(time: evaluation)");
        }
    }
    rc = 0;
done:
    lacus_lm_free(m);
    lacus_lm_stack_free(sm);
    lacus_tokenizer_free(tok);
    free(s.ids);
    free(t.data);
    return rc;
}

