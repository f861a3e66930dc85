/* Stacked reservoir LMs (lacus_lm_stack_eval): in chained mode depth 1 does
 * not depend on the layers above it (the 1-layer result equals the first
 * depth of a 3-layer stack bit for bit); every depth beats the unigram on
 * held-out lgen text by a wide margin; bad arguments are refused. */
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
    free(ids);
    TEST_MAIN_END();
}
