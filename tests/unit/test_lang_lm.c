/* Reservoir language model: the one-hot step against the reservoir's own
 * run on dense one-hot input, the readout against the centred ridge normal
 * equations solved here with LAPACK, probabilities summing to 1, score =
 * sum of -log2 p, seeded sampling and its filters, files and bad input. */
#include <lapacke.h>
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
    p.chunk = 333; /* several partial fits, one short */
    lacus_lm *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_lm_create(&p, &m, &err), LACUS_OK);
    const int64_t N = p.n_units, F = N + V, T = 3000, n_calib = 500;

    /* States of the first T tokens by the reservoir's general run. */
    double *U = calloc((size_t)(T * V), sizeof(double)), *X = malloc((size_t)(T * N) * sizeof(double));
    for (int64_t t = 0; t < T; t++) U[t * V + ids[t]] = 1.0;
    CHECK_STATUS(lacus_reservoir_run(m->res, U, T, 1, X), LACUS_OK);

    TEST("one-hot step = reservoir run on one-hot input")
    {
        double *x = calloc((size_t)N, sizeof(double)), *tmp = malloc((size_t)N * sizeof(double)), d = 0;
        for (int64_t t = 0; t < T; t++) {
            lacus__lm_step(m, x, ids[t], tmp);
            double e = test_max_rel_diff(x, X + t * N, (long)N, 1.0);
            if (e > d) d = e;
        }
        printf("max difference over %lld steps: %.3g\n", (long long)T, d);
        CHECK(d < 1e-13);
        free(x), free(tmp);
    }

    TEST("readout = centred ridge normal equations (LAPACK)")
    {
        CHECK_STATUS(lacus_lm_fit(m, ids, T + n_calib, n_calib, NULL, NULL), LACUS_OK);
        /* Rows: states after token t for t in [warmup, T-1), target t+1. */
        int64_t R = T - 1 - p.warmup;
        double *A = calloc((size_t)(F * F), sizeof(double)), *B = calloc((size_t)(F * V), sizeof(double));
        double *mx = calloc((size_t)F, sizeof(double)), *my = calloc((size_t)V, sizeof(double));
        double *f = malloc((size_t)F * sizeof(double));
        for (int64_t t = p.warmup; t < T - 1; t++) {
            memcpy(f, X + t * N, (size_t)N * sizeof(double));
            memset(f + N, 0, (size_t)V * sizeof(double));
            f[N + ids[t]] = 1;
            for (int64_t i = 0; i < F; i++) mx[i] += f[i] / (double)R;
            my[ids[t + 1]] += 1.0 / (double)R;
        }
        for (int64_t t = p.warmup; t < T - 1; t++) {
            memcpy(f, X + t * N, (size_t)N * sizeof(double));
            memset(f + N, 0, (size_t)V * sizeof(double));
            f[N + ids[t]] = 1;
            for (int64_t i = 0; i < F; i++) f[i] -= mx[i];
            for (int64_t i = 0; i < F; i++) {
                for (int64_t j = 0; j < F; j++) A[i * F + j] += f[i] * f[j];
                for (int64_t v = 0; v < V; v++) B[i * V + v] += f[i] * ((v == ids[t + 1]) - my[v]);
            }
        }
        for (int64_t i = 0; i < F; i++) A[i * F + i] += p.ridge;
        CHECK(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (int)F, (int)V, A, (int)F, B, (int)V) == 0);
        double dw = test_max_rel_diff(m->Wout, B, (long)(F * V), 1.0), db = 0;
        for (int64_t v = 0; v < V; v++) {
            double b = my[v];
            for (int64_t i = 0; i < F; i++) b -= mx[i] * B[i * V + v];
            db = fmax(db, fabs(b - m->b[v]));
        }
        printf("Wout vs LAPACK: %.3g, b: %.3g; beta %.4f eps %.2g\n", dw, db, lacus_lm_beta(m), lacus_lm_eps(m));
        CHECK(dw < 1e-8 && db < 1e-8);
        CHECK(lacus_lm_beta(m) > 0 && lacus_lm_eps(m) >= 1e-6 && lacus_lm_eps(m) <= 1e-2);
        /* Gated readout of the most frequent token c: ridge (no bias) on the
         * residual of the shared readout over the rows whose token is c. */
        CHECK(m->n_gate == 24);
        int32_t c = m->gate_tok[0];
        memset(A, 0, (size_t)(N * N) * sizeof(double));
        memset(B, 0, (size_t)(N * V) * sizeof(double));
        int64_t rows_c = 0;
        for (int64_t t = p.warmup; t < T - 1; t++) {
            if (ids[t] != c) continue;
            rows_c++;
            const double *xr = X + t * N;
            for (int64_t v = 0; v < V; v++) {
                double r = (v == ids[t + 1]) - m->b[v] - m->Wout[(N + c) * V + v];
                for (int64_t i = 0; i < N; i++) r -= xr[i] * m->Wout[i * V + v];
                for (int64_t i = 0; i < N; i++) B[i * V + v] += xr[i] * r;
            }
            for (int64_t i = 0; i < N; i++)
                for (int64_t j = 0; j < N; j++) A[i * N + j] += xr[i] * xr[j];
        }
        for (int64_t i = 0; i < N; i++) A[i * N + i] += p.gate_ridge;
        CHECK(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (int)N, (int)V, A, (int)N, B, (int)V) == 0);
        double dg = test_max_rel_diff(m->Wg, B, (long)(N * V), 1.0);
        printf("gated readout of token %d (%lld rows) vs LAPACK: %.3g\n", (int)c, (long long)rows_c, dg);
        CHECK(dg < 1e-8 && rows_c > 300);
        free(A), free(B), free(mx), free(my), free(f);
    }

    TEST("probabilities sum to 1; score = sum of -log2 p")
    {
        double *pr = malloc((size_t)V * sizeof(double)), worst = 0;
        for (int64_t at = 1; at < 4000; at += 397) {
            CHECK_STATUS(lacus_lm_probs(m, ids, at, pr), LACUS_OK);
            double s = 0;
            for (int64_t v = 0; v < V; v++) {
                CHECK(pr[v] > 0);
                s += pr[v];
            }
            worst = fmax(worst, fabs(s - 1));
            double bits;
            CHECK_STATUS(lacus_lm_score(m, ids, at + 1, at, &bits), LACUS_OK);
            CHECK_CLOSE(bits, -log2(pr[ids[at]]), 1e-10);
        }
        CHECK(worst < 1e-12);
        free(pr);
    }

    TEST("learns: held-out bits below the unigram's")
    {
        int64_t cut = N_ids * 9 / 10;
        lacus_lm_params q = p;
        q.n_units = 200;
        q.input_scaling = 1.0, q.lr = 1.0, q.sr = 0.5;
        lacus_lm *m2 = NULL;
        CHECK_STATUS(lacus_lm_create(&q, &m2, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit(m2, ids, cut, cut / 10, NULL, NULL), LACUS_OK);
        double bits, ub;
        CHECK_STATUS(lacus_lm_score(m2, ids, N_ids, cut, &bits), LACUS_OK);
        lacus_unigram_bits(ids, cut, ids + cut, N_ids - cut, V, &ub, NULL);
        printf("excerpt, last 10%%: reservoir N=200 %.4f bits/char, unigram %.4f\n", bits / (double)(N_ids - cut),
               ub / (double)(N_ids - cut));
        CHECK(bits < 0.85 * ub);
        lacus_lm_free(m2);
    }

    TEST("generation: seeded, greedy limits, top-k support")
    {
        lacus_sample_params sp = lacus_sample_params_default();
        int32_t a[200], b[200], c[200];
        sp.seed = 5;
        CHECK_STATUS(lacus_lm_generate(m, ids, 10, 200, &sp, a), LACUS_OK);
        CHECK_STATUS(lacus_lm_generate(m, ids, 10, 200, &sp, b), LACUS_OK);
        CHECK(!memcmp(a, b, sizeof a));
        sp.seed = 6;
        CHECK_STATUS(lacus_lm_generate(m, ids, 10, 200, &sp, c), LACUS_OK);
        CHECK(memcmp(a, c, sizeof a) != 0);
        /* top_k = 1 and a tiny top_p are both greedy: the argmax of probs. */
        int32_t ctx[60];
        memcpy(ctx, ids, 10 * sizeof *ctx);
        double *pr = malloc((size_t)V * sizeof(double));
        sp.top_k = 1;
        CHECK_STATUS(lacus_lm_generate(m, ids, 10, 40, &sp, a), LACUS_OK);
        sp.top_k = 0, sp.top_p = 1e-9;
        CHECK_STATUS(lacus_lm_generate(m, ids, 10, 40, &sp, b), LACUS_OK);
        CHECK(!memcmp(a, b, 40 * sizeof *a));
        for (int t = 0; t < 40; t++) {
            lacus_lm_probs(m, ctx, 10 + t, pr);
            int am = 0;
            for (int v = 1; v < V; v++)
                if (pr[v] > pr[am]) am = v;
            CHECK(a[t] == am);
            ctx[10 + t] = a[t];
        }
        /* top_k = 3: every draw is among the 3 most probable tokens. */
        sp.top_k = 3, sp.top_p = 1, sp.seed = 11;
        CHECK_STATUS(lacus_lm_generate(m, ids, 10, 40, &sp, a), LACUS_OK);
        for (int t = 0; t < 40; t++) {
            lacus_lm_probs(m, ctx, 10 + t, pr);
            int above = 0;
            for (int v = 0; v < V; v++) above += pr[v] > pr[a[t]];
            CHECK(above < 3);
            ctx[10 + t] = a[t];
        }
        free(pr);
    }

    TEST("save and load: same numbers, tokenizer inside")
    {
        const char *path = fx_tmp_path("lm.npz");
        CHECK_STATUS(lacus_lm_save(m, tok, path, &err), LACUS_OK);
        lacus_lm *m2 = NULL;
        lacus_tokenizer *t2 = NULL;
        CHECK_STATUS(lacus_lm_load(path, &m2, &t2, &err), LACUS_OK);
        if (m2) {
            double b1, b2;
            lacus_lm_score(m, ids, 4000, 3500, &b1);
            lacus_lm_score(m2, ids, 4000, 3500, &b2);
            CHECK(b1 == b2);
            CHECK(t2 && lacus_tokenizer_vocab_size(t2) == V);
        }
        lacus_lm_free(m2);
        lacus_tokenizer_free(t2);
        FILE *f = fopen(fx_tmp_path("junk.npz"), "wb");
        fputs("PK not a zip", f);
        fclose(f);
        CHECK(lacus_lm_load(fx_tmp_path("junk.npz"), &m2, NULL, &err) != LACUS_OK && m2 == NULL);
    }

    TEST("minimal-pair margins = difference of sentence scores")
    {
        lacus_lgen_params gp = lacus_lgen_params_default();
        lacus_lgen *g = NULL;
        CHECK_STATUS(lacus_lgen_create(&gp, &g, NULL), LACUS_OK);
        const int64_t ng = 6000, Vg = lacus_lgen_vocab_size(g);
        int32_t *good = malloc(ng * 4), *bad = malloc(ng * 4), *mix = malloc(ng * 4);
        lacus_lgen_generate(g, ng, good, NULL, NULL, NULL);
        lacus_lgen_minimal_pair(g, good, ng, bad);
        lacus_lm_params q = p;
        q.vocab_size = Vg, q.n_units = 50, q.gate_tokens = 5;
        lacus_lm *m2 = NULL;
        CHECK_STATUS(lacus_lm_create(&q, &m2, NULL), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit(m2, good, 5000, 500, NULL, NULL), LACUS_OK);
        double mg[400];
        int64_t first[400], np = 0;
        CHECK_STATUS(lacus_lm_pair_margins(m2, good, bad, ng, 5000, 0, mg, first, 400, &np), LACUS_OK);
        CHECK(np > 20 && np < 400);
        double worst = 0;
        for (int64_t k = 0; k < np && k < 20; k++) {
            int64_t s0 = first[k], e = s0;
            while (good[e] != 0) e++;
            double bg, bb;
            memcpy(mix, good, (size_t)ng * 4);
            memcpy(mix + s0, bad + s0, (size_t)(e + 1 - s0) * 4);
            lacus_lm_score(m2, good, e + 1, s0, &bg);
            lacus_lm_score(m2, mix, e + 1, s0, &bb);
            worst = fmax(worst, fabs(mg[k] - (bb - bg)));
        }
        printf("minimal pairs: %lld, max |margin - (bits bad - bits good)| %.3g\n", (long long)np, worst);
        CHECK(worst < 1e-9);
        free(good), free(bad), free(mix);
        lacus_lm_free(m2);
        lacus_lgen_free(g);
    }

    TEST("bad input")
    {
        lacus_lm_params q = p;
        lacus_lm *m2 = NULL;
        q.lr = 0;
        CHECK_STATUS(lacus_lm_create(&q, &m2, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "lr = 0") != NULL);
        q = p, q.rc_degree = 1000;
        CHECK_STATUS(lacus_lm_create(&q, &m2, &err), LACUS_ERR_ARG);
        q = p, q.vocab_size = 1;
        CHECK_STATUS(lacus_lm_create(&q, &m2, &err), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_lm_create(&p, &m2, &err), LACUS_OK);
        double bits;
        CHECK_STATUS(lacus_lm_score(m2, ids, 100, 50, &bits), LACUS_ERR_STATE);
        CHECK_STATUS(lacus_lm_fit(m2, ids, 100, 90, NULL, NULL), LACUS_ERR_ARG);
        int32_t bad[200];
        memcpy(bad, ids, sizeof bad);
        bad[150] = (int32_t)V;
        CHECK_STATUS(lacus_lm_fit(m2, bad, 200, 20, NULL, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m2), "ids[150]") != NULL);
        lacus_sample_params sp = lacus_sample_params_default();
        sp.top_p = 0;
        int32_t out[4];
        CHECK_STATUS(lacus_lm_generate(m, ids, 5, 4, &sp, out), LACUS_ERR_ARG);
        lacus_lm_free(m2);
    }

    free(U), free(X), free(ids), free(text);
    lacus_lm_free(m);
    lacus_tokenizer_free(tok);
    TEST_MAIN_END();
}
