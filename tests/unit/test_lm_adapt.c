/* Reservoir LM scoring with prequential adaptation (lacus_lm_score_adapt,
 * lacus_lm_adapt_select): against a plain-C reference of the equations of
 * lacus/lm.h (every readout's scores by loops, the gradient step on the logits'
 * correction, the cache's projection drawn from the same seed, its
 * similarities and mixture by loops); with adaptation off it is
 * lacus_lm_score; the model is left unchanged; on a text read twice the
 * second reading gets cheaper; the selection's grid against single passes,
 * 1 and 2 threads; bad values. */
#include <omp.h>
#include <string.h>

#include "core/rng.h"
#include "lang/rclm.h"
#include "lang_util.h"
#include "test.h"

/* The bits of ids[start..n) under the adaptation ap, by loops. */
static double ref_score(const lacus_lm *m, const int32_t *ids, int64_t n, int64_t start,
                        const lacus_lm_adapt_params *ap)
{
    const int64_t N = m->p.n_units, V = m->p.vocab_size, F = m->F;
    const int64_t d = m->xp.pair_units ? m->xp.pair_units : N, D = ap->cache_dim;
    double *A = calloc((size_t)(F * V), sizeof(double)), *cb = calloc((size_t)V, sizeof(double));
    double *x = calloc((size_t)N, sizeof(double)), *tmp = malloc((size_t)N * sizeof(double));
    double *f = malloc((size_t)F * sizeof(double)), *s = malloc((size_t)V * sizeof(double));
    double *p = malloc((size_t)V * sizeof(double));
    double *P = malloc((size_t)(N * (D ? D : 1)) * sizeof(double)), *q = malloc((size_t)(D ? D : 1) * sizeof(double));
    int64_t cap = ap->cache_size, count = 0;
    double *keys = malloc((size_t)((cap ? cap : 1) * (D ? D : 1)) * sizeof(double));
    int32_t *next = malloc((size_t)(cap ? cap : 1) * sizeof(int32_t));
    double *cos_ = malloc((size_t)(cap ? cap : 1) * sizeof(double));
    lacus__rng g;
    lacus__rng_seed(&g, ap->cache_seed);
    for (int64_t i = 0; i < N * D; i++) P[i] = lacus__rng_normal(&g);
    double bits = 0;
    for (int64_t t = 0; t + 1 < n; t++) {
        lacus__lm_step(m, x, ids[t], tmp);
        if (t < start - 1) continue;
        const int32_t tok = ids[t], prev = t > 0 ? ids[t - 1] : -1, y = ids[t + 1];
        memset(f, 0, (size_t)F * sizeof(double));
        memcpy(f, x, (size_t)N * sizeof(double));
        f[N + tok] = 1.0;
        const int64_t k = m->gate_of[tok], j = lacus__pair_find(m, prev, tok);
        for (int64_t v = 0; v < V; v++) {
            double a = m->b[v], l = cb[v];
            for (int64_t i = 0; i < F; i++) a += f[i] * m->Wout[i * V + v], l += f[i] * A[i * V + v];
            for (int64_t i = 0; k >= 0 && i < N; i++) a += x[i] * m->Wg[(k * N + i) * V + v];
            for (int64_t i = 0; j >= 0 && i < d; i++) a += x[i] * m->Wp[(j * d + i) * V + v];
            /* logit: the model's (logistic readout: eps = 0, the scores are logits) + correction */
            s[v] = m->beta * (m->eps > 0 ? log(fmax(a, m->eps)) : a) + l;
        }
        double mx = -INFINITY, z = 0;
        for (int64_t v = 0; v < V; v++) mx = fmax(mx, p[v] = s[v]);
        for (int64_t v = 0; v < V; v++) z += p[v] = exp(p[v] - mx);
        for (int64_t v = 0; v < V; v++) p[v] /= z;
        double py = p[y];
        if (cap) {
            double nq = 0;
            for (int64_t c = 0; c < D; c++) {
                q[c] = 0;
                for (int64_t i = 0; i < N; i++) q[c] += x[i] * P[i * D + c];
                nq += q[c] * q[c];
            }
            for (int64_t c = 0; c < D; c++) q[c] /= sqrt(nq);
            double wy = 0, wz = 0, cmax = -INFINITY;
            for (int64_t i = 0; i < count; i++) { /* cosines, then exp(theta (cos - max)) */
                cos_[i] = 0;
                for (int64_t c = 0; c < D; c++) cos_[i] += q[c] * keys[i * D + c];
                cmax = fmax(cmax, cos_[i]);
            }
            for (int64_t i = 0; i < count; i++) {
                double w = exp(ap->cache_theta * (cos_[i] - cmax));
                wz += w;
                if (next[i] == y) wy += w;
            }
            if (count) py = (1 - ap->cache_lambda) * py + ap->cache_lambda * wy / wz;
            int64_t slot = (t - (start - 1)) % cap; /* a ring: the oldest key goes */
            for (int64_t c = 0; c < D; c++) keys[slot * D + c] = (float)q[c];
            next[slot] = y;
            if (count < cap) count++;
        }
        bits -= log2(py);
        if (ap->step > 0) { /* gradient step on -log p[y] in the correction */
            double nrm = 1.0;
            for (int64_t i = 0; i < F; i++) nrm += f[i] * f[i];
            for (int64_t v = 0; v < V; v++) {
                const double gv = ap->step / nrm * (p[v] - (v == y));
                cb[v] -= gv;
                for (int64_t i = 0; i < F; i++) A[i * V + v] -= gv * f[i];
            }
        }
    }
    free(A), free(cb);
    free(x), free(tmp), free(f), free(s), free(p), free(P), free(q), free(keys), free(next), free(cos_);
    return bits;
}

int main(void)
{
    size_t n;
    char *text;
    lacus_tokenizer *tok = NULL;
    int32_t *ids;
    int64_t N_ids;
    CHECK_STATUS(lt_excerpt_ids(&text, &n, &tok, &ids, &N_ids), LACUS_OK);
    lacus_lm_params p = lacus_lm_params_default();
    p.vocab_size = lacus_tokenizer_vocab_size(tok);
    p.n_units = 60, p.warmup = 20, p.lr = 0.9, p.sr = 0.7, p.input_scaling = 1.0, p.gate_tokens = 8;
    lacus_lm *m = NULL;
    lacus_error err = {0};
    CHECK_STATUS(lacus_lm_create(&p, &m, &err), LACUS_OK);
    lacus_lm_ext_params xp = lacus_lm_ext_params_default();
    xp.pair_gates = 40, xp.pair_units = 45;
    CHECK_STATUS(lacus_lm_set_ext(m, &xp), LACUS_OK);
    const int64_t T = 6000, n_calib = 800, start = T + n_calib, end = start + 1500;
    CHECK(N_ids > end);
    double bits = 0, ref, b_static, b_again;

    TEST("untrained model, bad values")
    {
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
        CHECK(a.step == 0 && a.cache_size == 0 && a.cache_dim == 64 && a.cache_theta == 20 &&
              a.cache_lambda == 0.1 && a.cache_seed == 1);
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_ERR_STATE);
        CHECK(strstr(lacus_lm_errmsg(m), "not trained") != NULL);
    }
    CHECK_STATUS(lacus_lm_fit(m, ids, start, n_calib, NULL, NULL), LACUS_OK);
    CHECK(m->n_pair == 40 && m->n_gate == 8);
    CHECK_STATUS(lacus_lm_score(m, ids, end, start, &b_static), LACUS_OK);

    TEST("adaptation off: lacus_lm_score")
    {
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_OK);
        CHECK_CLOSE(bits, b_static, 1e-10);
        CHECK_CLOSE(bits, ref_score(m, ids, end, start, &a), 1e-10);
    }

    TEST("dynamic evaluation against the plain-C gradient step; the model is unchanged")
    {
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
        a.step = 0.05;
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_OK);
        ref = ref_score(m, ids, end, start, &a);
        CHECK_CLOSE(bits, ref, 1e-10);
        CHECK(bits < 0.998 * b_static); /* it adapts, and for the better */
        CHECK_STATUS(lacus_lm_score(m, ids, end, start, &b_again), LACUS_OK);
        CHECK(b_again == b_static);
    }

    TEST("state cache against the plain-C reference (ring smaller than the text)")
    {
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
        a.cache_size = 400, a.cache_dim = 16, a.cache_theta = 30, a.cache_lambda = 0.2, a.cache_seed = 9;
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_OK);
        ref = ref_score(m, ids, end, start, &a);
        /* single-precision keys: cosines to ~1e-7, weights exp(30 cos) to ~1e-5 */
        CHECK_CLOSE(bits, ref, 1e-6);
        a.step = 0.02; /* both */
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_OK);
        CHECK_CLOSE(bits, ref_score(m, ids, end, start, &a), 1e-6);
        a.cache_dim = p.n_units, a.step = 0; /* keys as long as the state */
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_OK);
        CHECK_CLOSE(bits, ref_score(m, ids, end, start, &a), 1e-6);
        /* sharp: exp(1000 (cos - 1)) underflows for most keys; the terms
         * skipped below exp(-50) of the largest change nothing */
        a.cache_theta = 1000, a.cache_dim = 16;
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_OK);
        CHECK(isfinite(bits));
        CHECK_CLOSE(bits, ref_score(m, ids, end, start, &a), 1e-5);
    }

    TEST("a passage read twice: the second reading is cheaper with either mechanism")
    {
        const int64_t L = 700;
        int32_t *twice = malloc((size_t)(start + 2 * L) * sizeof *twice);
        memcpy(twice, ids, (size_t)(start + L) * sizeof *twice);
        memcpy(twice + start + L, ids + start, (size_t)L * sizeof *twice);
        double first, second, second_static;
        CHECK_STATUS(lacus_lm_score(m, twice, start + L, start, &first), LACUS_OK);
        CHECK_STATUS(lacus_lm_score(m, twice, start + 2 * L, start, &second_static), LACUS_OK);
        second_static -= first;
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
        a.cache_size = 2 * L, a.cache_dim = 16, a.cache_theta = 100, a.cache_lambda = 0.3;
        CHECK_STATUS(lacus_lm_score_adapt(m, twice, start + L, start, &a, &first), LACUS_OK);
        CHECK_STATUS(lacus_lm_score_adapt(m, twice, start + 2 * L, start, &a, &second), LACUS_OK);
        second -= first;
        /* the repeated contexts find themselves: p >= lambda p_cache(y) */
        CHECK(second < 0.6 * second_static);
        a = lacus_lm_adapt_params_default();
        a.step = 0.3;
        CHECK_STATUS(lacus_lm_score_adapt(m, twice, start + L, start, &a, &first), LACUS_OK);
        CHECK_STATUS(lacus_lm_score_adapt(m, twice, start + 2 * L, start, &a, &second), LACUS_OK);
        CHECK(second - first < 0.97 * second_static);
        free(twice);
    }

    TEST("selection: the grid's bits are single passes', the least is chosen; 1 and 2 threads")
    {
        const double st[] = {0, 0.2}, th[] = {10, 50, 200}, la[] = {0.05, 0.3};
        double grid[12], grid1[12];
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default(), a1;
        a.cache_size = 1000, a.cache_dim = 24;
        a1 = a;
        CHECK_STATUS(lacus_lm_adapt_select(m, ids, start, T, st, 2, th, 3, la, 2, &a, grid), LACUS_OK);
        int64_t best = 0;
        for (int64_t g = 0; g < 12; g++) {
            lacus_lm_adapt_params b = a1;
            b.step = st[g / 6], b.cache_theta = th[g / 2 % 3], b.cache_lambda = la[g % 2];
            CHECK_STATUS(lacus_lm_score_adapt(m, ids, start, T, &b, &bits), LACUS_OK);
            CHECK(bits == grid[g]);
            if (grid[g] < grid[best]) best = g;
        }
        CHECK(a.step == st[best / 6] && a.cache_theta == th[best / 2 % 3] && a.cache_lambda == la[best % 2]);
        CHECK(a.cache_size == 1000 && a.cache_dim == 24);
        int saved = omp_get_max_threads();
        omp_set_num_threads(1);
        CHECK_STATUS(lacus_lm_adapt_select(m, ids, start, T, st, 2, th, 3, la, 2, &a1, grid1), LACUS_OK);
        omp_set_num_threads(saved);
        CHECK(memcmp(grid, grid1, sizeof grid) == 0);
    }

    TEST("the logistic readout: off is lacus_lm_score, the step against the reference")
    {
        lacus_lm_params q = p;
        q.n_units = 40, q.gate_tokens = 0;
        lacus_lm *g = NULL;
        CHECK_STATUS(lacus_lm_create(&q, &g, &err), LACUS_OK);
        lacus_lm_readout_params rp = lacus_lm_readout_params_default();
        rp.kind = LACUS_LM_LOGISTIC, rp.iters = 50;
        CHECK_STATUS(lacus_lm_set_readout(g, &rp), LACUS_OK);
        CHECK_STATUS(lacus_lm_fit(g, ids, start, n_calib, NULL, NULL), LACUS_OK);
        CHECK(g->eps == 0);
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
        CHECK_STATUS(lacus_lm_score(g, ids, end, start, &b_again), LACUS_OK);
        CHECK_STATUS(lacus_lm_score_adapt(g, ids, end, start, &a, &bits), LACUS_OK);
        CHECK_CLOSE(bits, b_again, 1e-10);
        a.step = 0.05;
        CHECK_STATUS(lacus_lm_score_adapt(g, ids, end, start, &a, &bits), LACUS_OK);
        CHECK_CLOSE(bits, ref_score(g, ids, end, start, &a), 1e-10);
        CHECK(bits != b_again);
        lacus_lm_free(g);
    }

    TEST("bad values")
    {
        struct {
            double step, theta, lambda;
            int64_t size, dim;
            const char *msg;
        } bad[] = {
            {-0.1, 20, 0.1, 0, 64, "step = -0.1"},   {2.0, 20, 0.1, 0, 64, "step = 2"},
            {NAN, 20, 0.1, 0, 64, "step = nan"},     {0, 20, 0.1, -1, 64, "cache_size = -1"},
            {0, 20, 0.1, 10, 0, "cache_dim = 0"},    {0, 20, 0.1, 10, 61, "cache_dim = 61"},
            {0, -1, 0.1, 10, 8, "cache_theta = -1"}, {0, 20, 1.0, 10, 8, "cache_lambda = 1"},
            {0, 20, NAN, 10, 8, "cache_lambda = nan"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
            a.step = bad[i].step, a.cache_theta = bad[i].theta, a.cache_lambda = bad[i].lambda;
            a.cache_size = bad[i].size, a.cache_dim = bad[i].dim;
            CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_ERR_ARG);
            CHECK(strstr(lacus_lm_errmsg(m), bad[i].msg) != NULL);
        }
        lacus_lm_adapt_params a = lacus_lm_adapt_params_default();
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, 0, &a, &bits), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, end + 1, &a, &bits), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, NULL, &bits), LACUS_ERR_ARG);
        CHECK_STATUS(lacus_lm_score_adapt(NULL, ids, end, start, &a, &bits), LACUS_ERR_ARG);
        int32_t saved = ids[start + 3];
        ids[start + 3] = (int32_t)p.vocab_size;
        CHECK_STATUS(lacus_lm_score_adapt(m, ids, end, start, &a, &bits), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m), "not in [0,") != NULL);
        ids[start + 3] = saved;
        const double st = 0, th = 10, la = 0.1;
        a.cache_size = 10, a.cache_dim = 8;
        CHECK_STATUS(lacus_lm_adapt_select(m, ids, start, T, &st, 1, &th, 0, &la, 1, &a, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m), "1 to 1024 points") != NULL);
        CHECK_STATUS(lacus_lm_adapt_select(m, ids, start, T, &st, 1, &th, 1, &la, 1, &a, NULL), LACUS_OK);
        const double bad_la = 1.5;
        CHECK_STATUS(lacus_lm_adapt_select(m, ids, start, T, &st, 1, &th, 1, &bad_la, 1, &a, NULL), LACUS_ERR_ARG);
        CHECK(strstr(lacus_lm_errmsg(m), "cache_lambda = 1.5") != NULL);
    }

    lacus_lm_free(m);
    lacus_tokenizer_free(tok);
    free(ids);
    free(text);
    TEST_MAIN_END();
}
