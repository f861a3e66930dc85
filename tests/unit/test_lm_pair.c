/* Reservoir LM, round 7: slow units and pair-gated readouts. The state
 * with per-unit leak rates against a plain dense loop over W, Win and bias;
 * the chosen pairs against a naive count; the pair-gated readout against
 * its normal equations (residual of the shared and token-gated readouts
 * over the rows of the pair) solved here with LAPACK; probabilities summing
 * to 1 and score = sum of -log2 p through the pair readouts; generation
 * against lacus_lm_probs; files; bad values. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "lang/rclm.h"
#include "lang_util.h"
#include "test.h"

int main(void)
{
    size_t n;
    char *text;
    lacus_tokenizer *tok = NULL;
    int32_t *ids;
    int64_t N_ids;
    CHECK_STATUS(lt_excerpt_ids(&text, &n, &tok, &ids, &N_ids), LACUS_OK);
    const int64_t V = lacus_tokenizer_vocab_size(tok);

    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = V;
    p.n_units = 60;
    p.warmup = 20;
    p.lr = 0.9, p.sr = 0.7, p.input_scaling = 1.0;
    p.chunk = 333;
    p.gate_tokens = 8;
    lacus_lm *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_lm_create(&p, &m, &err), LACUS_OK);
    lacus_lm_ext_params xp = lacus_lm_ext_params_default();
    CHECK(xp.pair_gates == 0 && xp.pair_units == 0 && xp.pair_ridge == 1.0 && xp.slow_units == 0 &&
          xp.slow_lr == 0.1);
    xp.pair_gates = 40, xp.pair_units = 45, xp.pair_ridge = 0.5, xp.slow_units = 15, xp.slow_lr = 0.05;
    CHECK_STATUS(lacus_lm_set_ext(m, &xp), LACUS_OK);
    const int64_t N = p.n_units, d = xp.pair_units, T = 6000, n_calib = 800;

    /* Dense W, Win, bias: the plain loop of the equation. */
    double *W = malloc((size_t)(N * N) * sizeof(double)), *Win = malloc((size_t)(N * V) * sizeof(double));
    double *bias = malloc((size_t)N * sizeof(double)), *X = malloc((size_t)(T * N) * sizeof(double));
    CHECK_STATUS(lacus_reservoir_get_W(m->res, W), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_get_Win(m->res, Win), LACUS_OK);
    CHECK_STATUS(lacus_reservoir_get_bias(m->res, bias), LACUS_OK);
    {
        double *x = calloc((size_t)N, sizeof(double)), *y = malloc((size_t)N * sizeof(double));
        for (int64_t t = 0; t < T; t++) {
            for (int64_t i = 0; i < N; i++) {
                double a = Win[i * V + ids[t]] + bias[i];
                for (int64_t j = 0; j < N; j++) a += W[i * N + j] * x[j];
                double lr = i >= N - xp.slow_units ? xp.slow_lr : p.lr;
                y[i] = (1 - lr) * x[i] + lr * tanh(a);
            }
            memcpy(x, y, (size_t)N * sizeof(double));
            memcpy(X + t * N, x, (size_t)N * sizeof(double));
        }
        free(x), free(y);
    }

    TEST("slow units: the step = a plain loop with per-unit leak rates")
    {
        double *x = calloc((size_t)N, sizeof(double)), *tmp = malloc((size_t)N * sizeof(double)), dd = 0;
        for (int64_t t = 0; t < T; t++) {
            lacus__lm_step(m, x, ids[t], tmp);
            dd = fmax(dd, test_max_rel_diff(x, X + t * N, (long)N, 1.0));
        }
        /* The slow units really are slower: their mean |x[t] - x[t-1]| is
         * well below the fast units'. */
        double fast = 0, slow = 0;
        for (int64_t t = 1; t < T; t++)
            for (int64_t i = 0; i < N; i++) {
                double a = fabs(X[t * N + i] - X[(t - 1) * N + i]);
                if (i >= N - xp.slow_units) slow += a / (double)xp.slow_units;
                else fast += a / (double)(N - xp.slow_units);
            }
        printf("max difference over %lld steps: %.3g; mean step fast %.4f slow %.4f\n", (long long)T, dd,
               fast / (double)T, slow / (double)T);
        CHECK(dd < 1e-12);
        CHECK(slow < 0.2 * fast);
        free(x), free(tmp);
    }

    TEST("pair gates: the most frequent pairs, readout = normal equations of the residual (LAPACK)")
    {
        CHECK_STATUS(lacus_lm_fit(m, ids, T + n_calib, n_calib, NULL, NULL), LACUS_OK);
        CHECK(m->n_pair == xp.pair_gates);
        /* Naive count of the pairs (tok_{t-1}, tok_t) over the training
         * tokens ids[0..T): the chosen ones are the 40 most frequent. */
        int64_t *cnt = calloc((size_t)(V * V), sizeof(int64_t));
        for (int64_t t = 1; t < T; t++) cnt[ids[t - 1] * V + ids[t]]++;
        int64_t min_in = INT64_MAX, max_out = 0;
        for (int64_t k = 0; k < V * V; k++) {
            int in = lacus__pair_find(m, (int32_t)(k / V), (int32_t)(k % V)) >= 0;
            if (in) min_in = cnt[k] < min_in ? cnt[k] : min_in;
            else max_out = cnt[k] > max_out ? cnt[k] : max_out;
        }
        printf("pairs kept: fewest occurrences %lld; most frequent left out %lld\n", (long long)min_in,
               (long long)max_out);
        CHECK(min_in >= max_out);
        /* The pair j = 0 (smallest key) and the most frequent pair. */
        int64_t best = 0;
        for (int64_t k = 0; k < V * V; k++)
            if (cnt[k] > cnt[best]) best = k;
        int64_t jj[2] = {0, lacus__pair_find(m, (int32_t)(best / V), (int32_t)(best % V))};
        CHECK(jj[1] >= 0);
        double *A = malloc((size_t)(d * d) * sizeof(double)), *B = malloc((size_t)(d * V) * sizeof(double));
        double *s = malloc((size_t)V * sizeof(double));
        for (int q = 0; q < 2; q++) {
            const int64_t j = jj[q], key = m->pair_key[j];
            memset(A, 0, (size_t)(d * d) * sizeof(double));
            memset(B, 0, (size_t)(d * V) * sizeof(double));
            int64_t rows = 0;
            for (int64_t t = p.warmup > 1 ? p.warmup : 1; t < T - 1; t++) {
                if (ids[t - 1] * V + ids[t] != key) continue;
                rows++;
                const double *x = X + t * N;
                /* s1 = b + Wout^T [x, onehot] + G_c^T x (c gated) */
                for (int64_t v = 0; v < V; v++) {
                    double a = m->b[v] + m->Wout[(N + ids[t]) * V + v];
                    for (int64_t i = 0; i < N; i++) a += x[i] * m->Wout[i * V + v];
                    int32_t k = m->gate_of[ids[t]];
                    if (k >= 0)
                        for (int64_t i = 0; i < N; i++) a += x[i] * m->Wg[(k * N + i) * V + v];
                    s[v] = (v == ids[t + 1]) - a;
                }
                for (int64_t i = 0; i < d; i++) {
                    for (int64_t v = 0; v < V; v++) B[i * V + v] += x[i] * s[v];
                    for (int64_t k = 0; k < d; k++) A[i * d + k] += x[i] * x[k];
                }
            }
            for (int64_t i = 0; i < d; i++) A[i * d + i] += xp.pair_ridge;
            CHECK(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (int)d, (int)V, A, (int)d, B, (int)V) == 0);
            double dh = test_max_rel_diff(m->Wp + j * d * V, B, (long)(d * V), 1.0);
            printf("pair (%lld, %lld), %lld rows: readout vs LAPACK %.3g\n", (long long)(key / V),
                   (long long)(key % V), (long long)rows, dh);
            CHECK(dh < 1e-8 && rows >= 10);
        }
        CHECK(lacus_lm_n_trainable(m) == (N + V + 1) * V + m->n_gate * N * V + xp.pair_gates * d * V + 2);
        free(cnt), free(A), free(B), free(s);
    }

    TEST("probabilities sum to 1; score = sum of -log2 p (pair readouts on)")
    {
        double *pr = malloc((size_t)V * sizeof(double)), worst = 0;
        int64_t paired = 0;
        for (int64_t at = 1; at < 6000; at += 211) {
            CHECK_STATUS(lacus_lm_probs(m, ids, at, pr), LACUS_OK);
            double s = 0;
            for (int64_t v = 0; v < V; v++) s += pr[v];
            worst = fmax(worst, fabs(s - 1));
            double bits;
            CHECK_STATUS(lacus_lm_score(m, ids, at + 1, at, &bits), LACUS_OK);
            CHECK_CLOSE(bits, -log2(pr[ids[at]]), 1e-10);
            paired += at >= 2 && lacus__pair_find(m, ids[at - 2], ids[at - 1]) >= 0;
        }
        printf("worst |sum - 1| %.3g; %lld of the contexts had a pair readout\n", worst, (long long)paired);
        CHECK(worst < 1e-12 && paired >= 5);
        free(pr);
    }

    TEST("generation: greedy = argmax of lacus_lm_probs, pair readouts included")
    {
        lacus_sample_params sp = lacus_sample_params_default();
        sp.top_k = 1;
        int32_t out[30], *ctx = malloc(130 * sizeof(int32_t));
        double *pr = malloc((size_t)V * sizeof(double));
        memcpy(ctx, ids, 100 * sizeof(int32_t));
        CHECK_STATUS(lacus_lm_generate(m, ids, 100, 30, &sp, out), LACUS_OK);
        int same = 0;
        for (int t = 0; t < 30; t++) {
            CHECK_STATUS(lacus_lm_probs(m, ctx, 100 + t, pr), LACUS_OK);
            int64_t a = 0;
            for (int64_t v = 1; v < V; v++)
                if (pr[v] > pr[a]) a = v;
            same += a == out[t];
            ctx[100 + t] = out[t];
        }
        /* The float readout of generation may flip a near tie; the pair
         * readout is in double in both. */
        printf("greedy tokens equal to the argmax: %d of 30\n", same);
        CHECK(same >= 29);
        free(ctx), free(pr);
    }

    TEST("save and load: same bits")
    {
        const char *path = fx_tmp_path("lm_pair.npz");
        CHECK_STATUS(lacus_lm_save(m, tok, path, &err), LACUS_OK);
        lacus_lm *m2 = NULL;
        CHECK_STATUS(lacus_lm_load(path, &m2, NULL, &err), LACUS_OK);
        const lacus_lm_ext_params *x2 = lacus_lm_ext_get(m2);
        CHECK(x2->pair_gates == 40 && x2->pair_units == 45 && x2->pair_ridge == 0.5 && x2->slow_units == 15 &&
              x2->slow_lr == 0.05 && m2->n_pair == 40);
        double b1, b2;
        CHECK_STATUS(lacus_lm_score(m, ids, N_ids, T, &b1), LACUS_OK);
        CHECK_STATUS(lacus_lm_score(m2, ids, N_ids, T, &b2), LACUS_OK);
        printf("held-out bits %.6f, after load %.6f\n", b1 / (double)(N_ids - T), b2 / (double)(N_ids - T));
        CHECK(b1 == b2);
        lacus_lm_free(m2);
    }

    TEST("a refit (with the ridge chosen on held-out tokens) = a fresh model's fit")
    {
        /* m was fitted above: its old pair readouts must not leak into the
         * new fit's ridge selection or pair pass. */
        lacus_lm *m4 = NULL;
        CHECK_STATUS(lacus_lm_create(&p, &m4, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_set_ext(m4, &xp), LACUS_OK);
        double ridges[2] = {1e-2, 3.0}, v1[2], v2[2], b1, b2;
        CHECK_STATUS(lacus_lm_fit_select(m4, ids, T + n_calib, n_calib, ridges, 2, v1, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit_select(m, ids, T + n_calib, n_calib, ridges, 2, v2, NULL, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_score(m4, ids, N_ids, T, &b1), LACUS_OK);
        CHECK_STATUS(lacus_lm_score(m, ids, N_ids, T, &b2), LACUS_OK);
        printf("validation bits %.6f %.6f vs %.6f %.6f; held-out %.6f vs %.6f\n", v1[0], v1[1], v2[0], v2[1],
               b1 / (double)(N_ids - T), b2 / (double)(N_ids - T));
        CHECK(v1[0] == v2[0] && v1[1] == v2[1] && b1 == b2);
        lacus_lm_free(m4);
    }

    TEST("bad values")
    {
        lacus_lm_ext_params b = lacus_lm_ext_params_default();
        b.pair_gates = -1;
        CHECK_STATUS(lacus_lm_set_ext(m, &b), LACUS_ERR_ARG);
        b = lacus_lm_ext_params_default(), b.pair_units = N + 1;
        CHECK_STATUS(lacus_lm_set_ext(m, &b), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m), "pair_units") != NULL);
        b = lacus_lm_ext_params_default(), b.pair_ridge = 0;
        CHECK_STATUS(lacus_lm_set_ext(m, &b), LACUS_ERR_ARG);
        b = lacus_lm_ext_params_default(), b.pair_ridge = NAN;
        CHECK_STATUS(lacus_lm_set_ext(m, &b), LACUS_ERR_ARG);
        b = lacus_lm_ext_params_default(), b.slow_units = N + 1;
        CHECK_STATUS(lacus_lm_set_ext(m, &b), LACUS_ERR_ARG);
        b = lacus_lm_ext_params_default(), b.slow_lr = 0;
        CHECK_STATUS(lacus_lm_set_ext(m, &b), LACUS_ERR_ARG);
        b = lacus_lm_ext_params_default(), b.slow_lr = 1.5;
        CHECK_STATUS(lacus_lm_set_ext(m, &b), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_lm_set_ext(m, NULL), LACUS_ERR_ARG);
        /* Pair gates need the ridge readout, in either order. */
        lacus_lm_params q = p;
        q.gate_tokens = 0;
        lacus_lm *m3 = NULL;
        CHECK_STATUS(lacus_lm_create(&q, &m3, NULL), LACUS_OK);
        lacus_lm_readout_params rp = lacus_lm_readout_params_default();
        rp.kind = LACUS_LM_LOGISTIC;
        CHECK_STATUS(lacus_lm_set_readout(m3, &rp), LACUS_OK);
        b = lacus_lm_ext_params_default(), b.pair_gates = 4;
        CHECK_STATUS(lacus_lm_set_ext(m3, &b), LACUS_ERR_ARG);
        rp.kind = LACUS_LM_RIDGE;
        CHECK_STATUS(lacus_lm_set_readout(m3, &rp), LACUS_OK);
        CHECK_STATUS(lacus_lm_set_ext(m3, &b), LACUS_OK);
        rp.kind = LACUS_LM_LOGISTIC;
        CHECK_STATUS(lacus_lm_set_readout(m3, &rp), LACUS_ERR_ARG);
        lacus_lm_free(m3);
    }

    lacus_lm_free(m);
    lacus_tokenizer_free(tok);
    free(ids), free(text), free(W), free(Win), free(bias), free(X);
    TEST_MAIN_END();
}
