/* Every allocation of the language layer may fail: tokenizers (train,
 * encode, files), n-grams, lgen and the reservoir LM (fit, files) return
 * LACUS_ERR_NOMEM at each injected failure, leave nothing allocated (ASan's
 * leak check runs in CI) and work again once the allocator is restored. */
#include <string.h>

#include "fixture.h"
#include "oom.h"
#include "test.h"

static const char TEXT[] = "Call me Ishmael. Some years ago\xE2\x80\x94never mind how long precisely\xE2\x80\x94having "
                           "little or no money in my purse, and nothing particular to interest me on shore, I "
                           "thought I would sail about a little and see the watery part of the world.\n";

static lacus_status tok_job(int kind)
{
    lacus_tokenizer_params p = lacus_tokenizer_params_default();
    p.kind = (lacus_tok_kind)kind;
    p.vocab_size = kind == LACUS_TOK_BPE ? 300 : 0;
    lacus_tokenizer *t = NULL, *u = NULL;
    lacus_status s = lacus_tokenizer_train(&p, TEXT, sizeof TEXT - 1, &t, NULL);
    int32_t ids[400];
    int64_t n;
    if (!s) s = lacus_tokenizer_encode(t, TEXT, sizeof TEXT - 1, ids, 400, &n, NULL, NULL);
    if (!s) s = lacus_tokenizer_save(t, fx_tmp_path("oom_tok.json"), NULL);
    if (!s) s = lacus_tokenizer_load(fx_tmp_path("oom_tok.json"), &u, NULL);
    lacus_tokenizer_free(t);
    lacus_tokenizer_free(u);
    return s;
}

static lacus_status ngram_job(int unused)
{
    (void)unused;
    int32_t ids[sizeof TEXT];
    for (size_t i = 0; i < sizeof TEXT; i++) ids[i] = (unsigned char)TEXT[i];
    lacus_ngram *m = NULL;
    lacus_status s = lacus_ngram_train(ids, (int64_t)sizeof TEXT, 256, 4, &m, NULL);
    double bits;
    if (!s) s = lacus_ngram_score(m, ids, (int64_t)sizeof TEXT, 10, &bits, NULL);
    lacus_ngram_free(m);
    return s;
}

static lacus_status lgen_job(int unused)
{
    (void)unused;
    lacus_lgen_params p = lacus_lgen_params_default();
    p.n_nouns = 5, p.n_adj = 3, p.p_rel = 0.4, p.p_pp = 0.4;
    lacus_lgen *g = NULL;
    lacus_status s = lacus_lgen_create(&p, &g, NULL);
    int32_t ids[300];
    if (!s) s = lacus_lgen_generate(g, 300, ids, NULL, NULL, NULL);
    lacus_lgen_free(g);
    return s;
}

static lacus_status lm_job(int unused)
{
    (void)unused;
    int32_t ids[sizeof TEXT];
    for (size_t i = 0; i < sizeof TEXT; i++) ids[i] = (unsigned char)TEXT[i] % 64;
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = 64, p.n_units = 12, p.rc_degree = 3, p.warmup = 5, p.chunk = 50, p.gate_tokens = 3;
    lacus_lm *m = NULL, *m2 = NULL;
    lacus_status s = lacus_lm_create(&p, &m, NULL);
    if (!s) s = lacus_lm_fit(m, ids, (int64_t)sizeof TEXT, 40, NULL, NULL);
    int32_t out[20];
    if (!s) s = lacus_lm_generate(m, ids, 5, 20, NULL, out);
    if (!s) s = lacus_lm_save(m, NULL, fx_tmp_path("oom_lm.npz"), NULL);
    if (!s) s = lacus_lm_load(fx_tmp_path("oom_lm.npz"), &m2, NULL, NULL);
    lacus_lm_free(m);
    lacus_lm_free(m2);
    return s;
}

static void sweep(const char *name, lacus_status (*job)(int), int arg)
{
    long k, failures = 0, wrong = 0;
    for (k = 1; k < 100000; k++) {
        oom_arm(k);
        lacus_status s = job(arg);
        int reached = oom_reached();
        oom_disarm();
        if (!reached) {
            CHECK_STATUS(s, LACUS_OK);
            break;
        }
        failures++;
        if (s != LACUS_ERR_NOMEM && s != LACUS_ERR_IO) {
            wrong++;
            fprintf(stderr, "%s: failure %ld gave status %d\n", name, k, (int)s);
        }
    }
    CHECK(wrong == 0);
    CHECK_STATUS(job(arg), LACUS_OK);
    printf("%-12s %ld allocation failures injected, all NOMEM (or IO when a file write failed)\n", name, failures);
}

int main(void)
{
    TEST("tokenizers") for (int k = 0; k < 4; k++) sweep(lacus_tok_kind_name((lacus_tok_kind)k), tok_job, k);
    TEST("ngram") sweep("ngram", ngram_job, 0);
    TEST("lgen") sweep("lgen", lgen_job, 0);
    TEST("lm") sweep("lm", lm_job, 0);
    TEST_MAIN_END();
}
