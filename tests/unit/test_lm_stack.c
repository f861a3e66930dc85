/* Stacked reservoir LMs (lacus_lm_stack_eval): in chained mode depth 1 does
 * not depend on the layers above it (the 1-layer result equals the first
 * depth of a 3-layer stack bit for bit); every depth beats the unigram on
 * held-out lgen text by a wide margin; bad arguments are refused.
 * The model object (lacus_lm_stack_train): its one-step scoring reproduces
 * lacus_lm_stack_eval (which runs lacus_stack_run over whole sequences) at
 * every depth; save -> load gives identical bits; generation is seeded and
 * its first token's frequencies follow the model's distribution. */
#include <string.h>

#include "lacus.h"
#include "test.h"

int main(void)
{
    lacus_lgen_params gp = lacus_lgen_params_default();
    gp.n_nouns = 10, gp.n_adj = 4, gp.n_prep = 2, gp.n_vi = 3, gp.n_vt = 3, gp.n_vr = 2, gp.n_vc = 2;
    lacus_lgen *g = NULL;
    lacus_lgen_create(&gp, &g, NULL);
    const int64_t V = lacus_lgen_vocab_size(g), n = 9000, n_train = 6000, n_calib = 1000;
    int32_t *ids = malloc((size_t)n * sizeof *ids);
    lacus_lgen_generate(g, n, ids, NULL, NULL, NULL);
    lacus_lgen_free(g);
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = V, p.n_units = 40, p.gate_tokens = 0, p.ridge = 1, p.warmup = 20;

    TEST("depth 1 is independent of the layers above; every depth beats the unigram")
    {
        double b1[1], b3[3], uni = 0, *cnt = calloc((size_t)V, sizeof *cnt);
        CHECK_STATUS(lacus_lm_stack_eval(&p, 1, ids, n, n_train, n_calib, b1, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_stack_eval(&p, 3, ids, n, n_train, n_calib, b3, NULL), LACUS_OK);
        for (int64_t t = 0; t < n_train; t++) cnt[ids[t]] += 1;
        for (int64_t t = n_train + n_calib; t < n; t++) uni -= log2((cnt[ids[t]] + 1) / (double)(n_train + V));
        uni /= (double)(n - n_train - n_calib);
        printf("  bits/token: depth 1 %.4f, 2 %.4f, 3 %.4f; unigram %.4f\n", b3[0], b3[1], b3[2], uni);
        CHECK(b1[0] == b3[0]);
        for (int l = 0; l < 3; l++) CHECK(isfinite(b3[l]) && b3[l] < uni - 1.0);
        CHECK(b3[1] != b3[0]);
        free(cnt);
    }

    TEST("bad arguments")
    {
        double b[2];
        lacus_error err = {0};
        CHECK_STATUS(lacus_lm_stack_eval(&p, 0, ids, n, n_train, n_calib, b, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "n_layers") != NULL);
        CHECK_STATUS(lacus_lm_stack_eval(&p, 2, ids, n, n_train, n - n_train, b, &err), LACUS_ERR_ARG);
        lacus_lm_params q = p;
        q.gate_tokens = 3;
        CHECK_STATUS(lacus_lm_stack_eval(&q, 2, ids, n, n_train, n_calib, b, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "gate") != NULL);
        ids[100] = (int32_t)V;
        CHECK_STATUS(lacus_lm_stack_eval(&p, 2, ids, n, n_train, n_calib, b, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "ids[100]") != NULL);
    }
    ids[100] = ids[99];

    TEST("stack model: one-step scores equal lacus_stack_run's; save -> load identical bits")
    {
        double be[3], bm[3], bl[3];
        CHECK_STATUS(lacus_lm_stack_eval(&p, 3, ids, n, n_train, n_calib, be, NULL), LACUS_OK);
        lacus_lm_stack *m = NULL, *m2 = NULL;
        CHECK_STATUS(lacus_lm_stack_train(&p, 3, ids, n_train, n_calib, &m, NULL), LACUS_OK);
        CHECK(lacus_lm_stack_n_layers(m) == 3);
        /* The evaluation's run starts 1,000 tokens before n_train. */
        const int64_t r0 = n_train - 1 - 1000, nt = n - n_train - n_calib;
        CHECK_STATUS(lacus_lm_stack_score(m, ids + r0, n - r0, n_train + n_calib - r0, bm), LACUS_OK);
        for (int l = 0; l < 3; l++) CHECK_CLOSE(bm[l] / (double)nt, be[l], 1e-9);
        printf("  depth 1..3 bits/token: model %.6f %.6f %.6f, eval %.6f %.6f %.6f\n", bm[0] / nt, bm[1] / nt,
               bm[2] / nt, be[0], be[1], be[2]);
        const char *path = "tmp_lm_stack.npz";
        CHECK_STATUS(lacus_lm_stack_save(m, NULL, path, NULL), LACUS_OK);
        int st = -1;
        CHECK_STATUS(lacus_lm_file_is_stack(path, &st, NULL), LACUS_OK);
        CHECK(st == 1);
        CHECK_STATUS(lacus_lm_stack_load(path, &m2, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_stack_score(m2, ids + r0, n - r0, n_train + n_calib - r0, bl), LACUS_OK);
        for (int l = 0; l < 3; l++) {
            CHECK(bl[l] == bm[l]);
            CHECK(lacus_lm_stack_beta(m2, l) == lacus_lm_stack_beta(m, l));
        }
        /* Generation: the same seed gives the same tokens, before and after
         * the file; another seed another stream. */
        lacus_sample_params sp = lacus_sample_params_default();
        sp.seed = 7;
        int32_t g1[300], g2[300], g3[300];
        CHECK_STATUS(lacus_lm_stack_generate(m, 0, ids, 50, 300, &sp, g1), LACUS_OK);
        CHECK_STATUS(lacus_lm_stack_generate(m2, 3, ids, 50, 300, &sp, g2), LACUS_OK);
        CHECK(memcmp(g1, g2, sizeof g1) == 0);
        sp.seed = 8;
        CHECK_STATUS(lacus_lm_stack_generate(m2, 3, ids, 50, 300, &sp, g3), LACUS_OK);
        CHECK(memcmp(g1, g3, sizeof g1) != 0);
        /* The first sampled token follows p_3(. | 8-token prompt): 4,000 draws, a
         * chi-square over the tokens with mass >= 1 %. */
        {
            const int64_t draws = 4000;
            double *cnt = calloc((size_t)V, sizeof *cnt), bits_v[3];
            int32_t *pr = malloc(9 * sizeof *pr);
            memcpy(pr, ids, 8 * sizeof *pr);
            for (int64_t k = 0; k < draws; k++) {
                int32_t tk;
                sp.seed = 1000 + (uint64_t)k;
                lacus_lm_stack_generate(m, 3, pr, 8, 1, &sp, &tk);
                cnt[tk] += 1;
            }
            double chi = 0;
            int df = -1;
            for (int64_t v = 0; v < V; v++) {
                pr[8] = (int32_t)v;
                lacus_lm_stack_score(m, pr, 9, 8, bits_v);
                double q = exp2(-bits_v[2]);
                if (q < 0.01) continue;
                chi += (cnt[v] - draws * q) * (cnt[v] - draws * q) / (draws * q), df++;
            }
            printf("  first-token chi-square %.2f with %d df\n", chi, df);
            CHECK(df >= 2 && chi < df + 6 * sqrt(2.0 * df));
            free(cnt), free(pr);
        }
        /* Bad files and arguments. */
        lacus_error err = {0};
        FILE *f = fopen("tmp_lm_stack_bad.npz", "wb");
        fputs("not a zip", f);
        fclose(f);
        lacus_lm_stack_free(m2);
        CHECK(lacus_lm_stack_load("tmp_lm_stack_bad.npz", &m2, NULL, &err) != LACUS_OK);
        CHECK(m2 == NULL);
        CHECK_STATUS(lacus_lm_stack_generate(m, 4, ids, 50, 10, &sp, g1), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_stack_errmsg(m), "layer = 4") != NULL);
        CHECK_STATUS(lacus_lm_stack_train(&p, 2, ids, 5, n_calib, &m2, &err), LACUS_ERR_ARG);
        remove(path), remove("tmp_lm_stack_bad.npz");
        lacus_lm_stack_free(m);
    }
    free(ids);
    TEST_MAIN_END();
}
