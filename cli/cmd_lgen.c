/* lacus lgen: writes a synthetic-language corpus (text, ids, exact
 * next-token distributions, annotations, minimal pairs) or a formal task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static int write_text(const char *path, const lacus_lgen *g, const int32_t *ids, int64_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return cli_error("cannot write %s", path), -1;
    for (int64_t t = 0; t < n; t++) {
        fputs(lacus_lgen_word(g, ids[t]), f);
        fputc(ids[t] == 0 || t + 1 == n ? '\n' : ' ', f);
    }
    if (fclose(f) || rename(tmp, path)) {
        remove(tmp);
        return cli_error("cannot write %s", path), -1;
    }
    return 0;
}

int cmd_lgen(int argc, char **argv)
{
    lacus_lgen_params p = lacus_lgen_params_default();
    int64_t n = 10000, seed = (int64_t)p.seed, max_depth = p.max_depth, k = 2, max_len = 20;
    const char *output = NULL, *text = NULL, *split = "iid", *task = "grammar";
    int with_probs = 0;
    double fp = 0.5;
    opt table[] = {
        {"output", OPT_STRING, &output, ".npz: ids, probs (with --probs), annotations, minimal pairs, vocab"},
        {"text", OPT_STRING, &text, "also write the corpus as text, one sentence per line"},
        {"tokens", OPT_INT, &n, "number of tokens"},
        {"task", OPT_STRING, &task, "grammar|dyck|copy|reverse|count"},
        {"split", OPT_STRING, &split, "iid|deeper|newcomb-train|newcomb-test"},
        {"probs", OPT_FLAG, &with_probs, "store the true next-token distribution of every token"},
        {"seed", OPT_INT, &seed, "seed of the lexicon and the samples"},
        {"nouns", OPT_INT, &p.n_nouns, "nouns"},
        {"adjectives", OPT_INT, &p.n_adj, "adjectives"},
        {"preps", OPT_INT, &p.n_prep, "prepositions"},
        {"vi", OPT_INT, &p.n_vi, "intransitive verbs"},
        {"vt", OPT_INT, &p.n_vt, "transitive verbs"},
        {"vr", OPT_INT, &p.n_vr, "reflexive verbs"},
        {"vc", OPT_INT, &p.n_vc, "clause-complement verbs"},
        {"zipf", OPT_DOUBLE, &p.zipf, "Zipf exponent of word frequencies (0: uniform)"},
        {"p-plural", OPT_DOUBLE, &p.p_plural, "probability of a plural noun phrase"},
        {"p-pron", OPT_DOUBLE, &p.p_pron, "probability of a pronoun subject"},
        {"p-adj", OPT_DOUBLE, &p.p_adj, "probability of each further adjective"},
        {"p-pp", OPT_DOUBLE, &p.p_pp, "probability of a prepositional phrase after a noun"},
        {"p-rel", OPT_DOUBLE, &p.p_rel, "probability of a relative clause after a noun"},
        {"p-orc", OPT_DOUBLE, &p.p_orc, "share of object (centre-embedded) relatives"},
        {"p-attractor", OPT_DOUBLE, &p.p_attractor, "forced attractor in a subject's PP"},
        {"max-depth", OPT_INT, &max_depth, "maximum embedding depth"},
        {"heldout", OPT_DOUBLE, &p.heldout_frac, "newcomb: share of (noun, verb) pairs held out"},
        {"k", OPT_INT, &k, "formal tasks: bracket types / symbols"},
        {"p", OPT_DOUBLE, &fp, "formal tasks: continue probability"},
        {"max-len", OPT_INT, &max_len, "formal tasks: maximum depth / half length"},
    };
    verb_spec v = {"lgen", "--output CORPUS.npz [--text CORPUS.txt] [options]",
                   "Generates the synthetic language of lacus (agreement, PPs, relatives, complement\n"
                   "clauses, attractors) or a formal task, with the exact next-token distribution\n"
                   "of every token. Deterministic given --seed.",
                   table, (int)(sizeof table / sizeof *table)};
    int r = opts_parse(&v, argc, argv, 2);
    if (r) return r > 0 ? 0 : 2;
    if (!output) return cli_error("lgen: --output is required"), 2;
    if (n < 1 || n > 100000000) return cli_error("--tokens = %lld: must be in [1, 10^8]", (long long)n), 2;
    static const char *splits[] = {"iid", "deeper", "newcomb-train", "newcomb-test"};
    int s = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(split, splits[i])) s = i;
    if (s < 0) return cli_error("--split \"%s\": expected iid, deeper, newcomb-train or newcomb-test", split), 2;
    static const char *tasks[] = {"dyck", "copy", "reverse", "count"};
    int ft = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(task, tasks[i])) ft = i;
    if (ft < 0 && strcmp(task, "grammar")) return cli_error("--task \"%s\": expected grammar, dyck, copy, reverse or count", task), 2;
    if (max_depth < 0 || max_depth > 50) return cli_error("--max-depth = %lld: must be in [0, 50]", (long long)max_depth), 2;
    p.max_depth = (int)max_depth, p.split = (lacus_lgen_split)s, p.seed = (uint64_t)seed;
    lacus_error err = {0};
    lacus_lgen *g = NULL;
    int64_t V = 0;
    if (ft < 0 && lacus_lgen_create(&p, &g, &err)) return cli_error("lgen: %s", err.msg), 2;
    if (ft >= 0) {
        lacus_status st = lacus_formal_generate((lacus_formal_task)ft, k, fp, max_len, (uint64_t)seed, 0, NULL, NULL, &V, &err);
        if (st) return cli_error("lgen: %s", err.msg), 2;
    } else {
        V = lacus_lgen_vocab_size(g);
    }
    if (with_probs && (double)n * (double)V > 2e8) {
        lacus_lgen_free(g);
        return cli_error("lgen: --probs with %lld tokens x V = %lld needs more than 1.6 GB; use fewer tokens", (long long)n, (long long)V), 2;
    }
    int rc = 1;
    int32_t *ids = malloc((size_t)n * sizeof *ids), *bad = NULL;
    double *probs = with_probs ? malloc((size_t)(n * V) * sizeof *probs) : NULL, ll = 0;
    lacus_lgen_annot *a = ft < 0 ? malloc((size_t)n * sizeof *a) : NULL;
    int32_t *ann = NULL;
    if (!ids || (with_probs && !probs) || (ft < 0 && !a)) {
        cli_error("out of memory for %lld tokens", (long long)n);
        goto done;
    }
    lacus_status st = ft >= 0 ? lacus_formal_generate((lacus_formal_task)ft, k, fp, max_len, (uint64_t)seed, n, ids, probs, &V, &err)
                              : lacus_lgen_generate(g, n, ids, probs, a, &ll);
    if (st) {
        cli_error("lgen: %s", ft >= 0 ? err.msg : lacus_lgen_errmsg(g));
        goto done;
    }
    lacus_npz_writer *w = NULL;
    if (lacus_npz_writer_open(output, 0, &w, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    lacus_ndarray A = {LACUS_I32, 1, {n}, ids};
    lacus_status ws = lacus_npz_writer_add(w, "ids", &A, &err);
    if (!ws && probs) {
        lacus_ndarray P = {LACUS_F64, 2, {n, V}, probs};
        ws = lacus_npz_writer_add(w, "probs", &P, &err);
    }
    if (!ws && a) {
        /* annotations as an int32 table: cls, depth, open_deps, link, attractors, sentence */
        ann = malloc((size_t)n * 6 * sizeof *ann);
        bad = malloc((size_t)n * sizeof *bad);
        if (!ann || !bad) ws = LACUS_ERR_NOMEM, cli_error("out of memory");
        else {
            for (int64_t t = 0; t < n; t++) {
                int32_t *q = ann + t * 6;
                q[0] = a[t].cls, q[1] = a[t].depth, q[2] = a[t].open_deps, q[3] = a[t].link, q[4] = a[t].attractors;
                q[5] = (int32_t)a[t].sentence;
            }
            lacus_ndarray N6 = {LACUS_I32, 2, {n, 6}, ann};
            ws = lacus_npz_writer_add(w, "annotations", &N6, &err);
            lacus_lgen_minimal_pair(g, ids, n, bad);
            lacus_ndarray B = {LACUS_I32, 1, {n}, bad};
            if (!ws) ws = lacus_npz_writer_add(w, "minimal_pair", &B, &err);
        }
    }
    if (!ws && g) {
        /* The vocabulary as JSON (a list of words, index = id). */
        size_t len = 2;
        for (int64_t i = 0; i < V; i++) len += strlen(lacus_lgen_word(g, (int32_t)i)) + 3;
        char *js = malloc(len + 1), *o = js;
        if (!js) ws = LACUS_ERR_NOMEM;
        else {
            *o++ = '[';
            for (int64_t i = 0; i < V; i++) o += sprintf(o, "%s\"%s\"", i ? "," : "", lacus_lgen_word(g, (int32_t)i));
            *o++ = ']';
            ws = lacus_npz_writer_add_bytes(w, "vocab.json", js, (size_t)(o - js), &err);
            free(js);
        }
    }
    if (ws) {
        lacus_npz_writer_abort(w);
        cli_error("%s", err.msg);
        goto done;
    }
    if (lacus_npz_writer_commit(w, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (text && g && write_text(text, g, ids, n)) goto done;
    if (g) {
        int64_t sentences = a[n - 1].sentence + (ids[n - 1] == 0);
        printf("lgen: %lld tokens, %lld sentences, V=%lld, log-likelihood %.4f nats (%.4f bits/token)%s\n", (long long)n,
               (long long)sentences, (long long)V, ll, -ll / (double)n / 0.6931471805599453, probs ? ", with probs" : "");
    } else {
        printf("lgen: %lld tokens of task %s, V=%lld\n", (long long)n, task, (long long)V);
    }
    rc = 0;
done:
    free(ids), free(probs), free(a), free(ann), free(bad);
    lacus_lgen_free(g);
    return rc;
}
