/* lgen: true next-token distributions sum to 1, sampled frequencies match
 * them (chi-square at sentence starts and a calibration test pooled over
 * every token, 10^6 tokens), the grammar log-likelihood equals the sum of
 * per-token log-probabilities, agreement checked on the words themselves,
 * minimal pairs, splits, formal tasks and bad parameters. */
#include <string.h>

#include "lacus.h"
#include "test.h"

static int is_plural_noun(const char *w) { return w[0] == 'n' && w[strlen(w) - 1] == 's'; }

int main(void)
{
    TEST("sums to 1, log-likelihood = sum of log p, agreement on the words")
    {
        for (int variant = 0; variant < 4; variant++) {
            lacus_lgen_params p = lacus_lgen_params_default();
            if (variant == 1) p.p_attractor = 0.7, p.p_pp = 0.4, p.zipf = 0;
            if (variant == 2) p.split = LACUS_LGEN_DEEPER;
            if (variant == 3) p.split = LACUS_LGEN_NEWCOMB_TEST, p.p_rel = 0.3, p.p_orc = 0.6;
            lacus_lgen *g = NULL;
            CHECK_STATUS(lacus_lgen_create(&p, &g, NULL), LACUS_OK);
            const int64_t V = lacus_lgen_vocab_size(g), n = 20000;
            int32_t *ids = malloc((size_t)n * sizeof *ids);
            double *pr = malloc((size_t)(n * V) * sizeof *pr), ll, worst = 0, sum_lp = 0;
            lacus_lgen_annot *a = malloc((size_t)n * sizeof *a);
            CHECK_STATUS(lacus_lgen_generate(g, n, ids, pr, a, &ll), LACUS_OK);
            int64_t verbs = 0, refl = 0, bad_agree = 0;
            for (int64_t t = 0; t < n; t++) {
                double s = 0;
                for (int64_t v = 0; v < V; v++) s += pr[t * V + v];
                worst = fmax(worst, fabs(s - 1));
                CHECK(pr[t * V + ids[t]] > 0);
                sum_lp += log(pr[t * V + ids[t]]);
                const char *w = lacus_lgen_word(g, ids[t]);
                if (a[t].cls == LACUS_LGEN_VERB && a[t].link >= 0) {
                    const char *subj = lacus_lgen_word(g, ids[a[t].link]);
                    int sg3 = !strcmp(subj, "he") || !strcmp(subj, "she") || !strcmp(subj, "it") ||
                              (subj[0] == 'n' && !is_plural_noun(subj));
                    bad_agree += sg3 != (w[strlen(w) - 1] == 's');
                    verbs++;
                }
                if (a[t].cls == LACUS_LGEN_REFL && a[t].link >= 0) {
                    const char *subj = lacus_lgen_word(g, ids[a[t].link]);
                    if (subj[0] == 'n') bad_agree += is_plural_noun(subj) != !strcmp(w, "themselves");
                    if (!strcmp(subj, "I")) bad_agree += strcmp(w, "myself") != 0;
                    if (!strcmp(subj, "she")) bad_agree += strcmp(w, "herself") != 0;
                    refl++;
                }
                if (variant == 2 && ids[t] == 0) { /* deeper: each sentence embeds */
                    int64_t s0 = t;
                    while (s0 > 0 && ids[s0 - 1] != 0) s0--;
                    int deep = 0;
                    for (int64_t q = s0; q <= t; q++) deep |= a[q].depth >= 1;
                    CHECK(deep || s0 == 0);
                }
            }
            printf("variant %d: V=%lld, max |sum p - 1| %.2g, loglik %.6f vs sum log p %.6f, %lld verbs + %lld "
                   "reflexives checked, %lld disagree\n",
                   variant, (long long)V, worst, ll, sum_lp, (long long)verbs, (long long)refl, (long long)bad_agree);
            CHECK(worst < 1e-12);
            CHECK_CLOSE(ll, sum_lp, 1e-10);
            CHECK(bad_agree == 0 && verbs > 1000);
            if (variant == 0) CHECK(refl > 50);
            free(ids), free(pr), free(a);
            lacus_lgen_free(g);
        }
    }

    TEST("10^6 tokens: sampled frequencies match the true distributions (chi-square)")
    {
        lacus_lgen_params p = lacus_lgen_params_default();
        p.p_attractor = 0.3;
        lacus_lgen *g = NULL;
        CHECK_STATUS(lacus_lgen_create(&p, &g, NULL), LACUS_OK);
        const int64_t V = lacus_lgen_vocab_size(g), chunk = 10000, total = 1000000;
        int32_t *ids = malloc((size_t)chunk * sizeof *ids);
        double *pr = malloc((size_t)(chunk * V) * sizeof *pr);
        /* (1) first tokens of sentences: one fixed state, a multinomial. */
        double *start_p = calloc((size_t)V, sizeof(double)), *start_n = calloc((size_t)V, sizeof(double));
        int64_t n_start = 0;
        /* (2) calibration pooled over every (token, candidate): bins of the
         * predicted probability; in each, realised count vs expected. */
        enum { NB = 12 };
        double exp_b[NB] = {0}, var_b[NB] = {0}, obs_b[NB] = {0};
        int at_start = 1;
        for (int64_t done = 0; done < total; done += chunk) {
            CHECK_STATUS(lacus_lgen_generate(g, chunk, ids, pr, NULL, NULL), LACUS_OK);
            for (int64_t t = 0; t < chunk; t++) {
                const double *d = pr + t * V;
                if (at_start) {
                    if (n_start == 0) memcpy(start_p, d, (size_t)V * sizeof *d);
                    else
                        for (int64_t v = 0; v < V; v++) CHECK(d[v] == start_p[v]);
                    start_n[ids[t]]++;
                    n_start++;
                }
                at_start = ids[t] == 0;
                for (int64_t v = 0; v < V; v++) {
                    double q = d[v];
                    if (q <= 0 || q >= 1) continue; /* certain outcomes carry no test */
                    int b = (int)floor(-log10(q) * 2);
                    b = b < 0 ? 0 : b >= NB ? NB - 1 : b;
                    exp_b[b] += q, var_b[b] += q * (1 - q), obs_b[b] += ids[t] == v;
                }
            }
        }
        double chi = 0;
        int df = -1;
        for (int64_t v = 0; v < V; v++)
            if (start_p[v] > 0) {
                double e = start_p[v] * (double)n_start;
                chi += (start_n[v] - e) * (start_n[v] - e) / e;
                df++;
            }
        /* 99.9% quantile of chi-square with 10 degrees of freedom. */
        printf("sentence starts: %lld, chi-square %.2f with %d df (99.9%% quantile 29.59)\n", (long long)n_start, chi, df);
        CHECK(df == 10 && chi < 29.59);
        double worst_z = 0;
        for (int b = 0; b < NB; b++) {
            if (var_b[b] <= 0) continue;
            double z = (obs_b[b] - exp_b[b]) / sqrt(var_b[b]);
            worst_z = fmax(worst_z, fabs(z));
            printf("  p in (10^-%.1f, 10^-%.1f]: observed %.0f expected %.1f z %+.2f\n", (b + 1) / 2.0, b / 2.0,
                   obs_b[b], exp_b[b], z);
        }
        CHECK(worst_z < 4.0);
        free(ids), free(pr), free(start_p), free(start_n);
        lacus_lgen_free(g);
    }

    TEST("deterministic from the seed; minimal pairs are impossible under the grammar")
    {
        lacus_lgen_params p = lacus_lgen_params_default();
        lacus_lgen *g = NULL, *h = NULL;
        lacus_lgen_create(&p, &g, NULL);
        lacus_lgen_create(&p, &h, NULL);
        const int64_t V = lacus_lgen_vocab_size(g), n = 3000;
        int32_t *a = malloc(n * 4), *b = malloc(n * 4), *bad = malloc(n * 4);
        double *pr = malloc((size_t)(n * V) * sizeof *pr);
        lacus_lgen_generate(g, n, a, pr, NULL, NULL);
        lacus_lgen_generate(h, n, b, NULL, NULL, NULL);
        CHECK(!memcmp(a, b, n * 4));
        lacus_lgen_reset(h, p.seed);
        lacus_lgen_generate(h, n, b, NULL, NULL, NULL);
        CHECK(!memcmp(a, b, n * 4));
        lacus_lgen_reset(h, p.seed + 1);
        lacus_lgen_generate(h, n, b, NULL, NULL, NULL);
        CHECK(memcmp(a, b, n * 4) != 0);
        int64_t changed = lacus_lgen_minimal_pair(g, a, n, bad);
        int64_t zero = 0;
        for (int64_t t = 0; t < n; t++)
            if (bad[t] != a[t]) zero += pr[t * V + bad[t]] == 0;
        printf("minimal pairs: %lld tokens flipped, %lld of them have probability 0 in context\n", (long long)changed,
               (long long)zero);
        CHECK(changed > 100 && zero == changed);
        free(a), free(b), free(bad), free(pr);
        lacus_lgen_free(g), lacus_lgen_free(h);
    }

    TEST("new-combination split: train and test (noun, main verb) pairs are disjoint")
    {
        lacus_lgen_params p = lacus_lgen_params_default();
        static unsigned char seen[2][400][200];
        memset(seen, 0, sizeof seen);
        for (int s = 0; s < 2; s++) {
            p.split = s ? LACUS_LGEN_NEWCOMB_TEST : LACUS_LGEN_NEWCOMB_TRAIN;
            lacus_lgen *g = NULL;
            CHECK_STATUS(lacus_lgen_create(&p, &g, NULL), LACUS_OK);
            const int64_t n = 50000;
            int32_t *ids = malloc(n * 4);
            lacus_lgen_annot *a = malloc((size_t)n * sizeof *a);
            lacus_lgen_generate(g, n, ids, NULL, a, NULL);
            for (int64_t t = 0; t < n; t++)
                if (a[t].cls == LACUS_LGEN_VERB && a[t].depth == 0 && a[t].link >= 0 && ids[a[t].link] < 400 &&
                    lacus_lgen_word(g, ids[a[t].link])[0] == 'n')
                    seen[s][ids[a[t].link] / 2][(ids[t] / 2) % 200] = 1;
            free(ids), free(a);
            lacus_lgen_free(g);
        }
        int64_t both = 0, tr = 0, te = 0;
        for (int i = 0; i < 400; i++)
            for (int j = 0; j < 200; j++) both += seen[0][i][j] && seen[1][i][j], tr += seen[0][i][j], te += seen[1][i][j];
        printf("newcomb: %lld train pairs, %lld test pairs, %lld shared\n", (long long)tr, (long long)te, (long long)both);
        CHECK(both == 0 && tr > 100 && te > 50);
    }

    TEST("formal tasks")
    {
        for (int task = 0; task < 4; task++) {
            const int64_t n = 20000;
            int64_t V = 0;
            int32_t *ids = malloc(n * 4);
            double *pr = malloc((size_t)n * 12 * sizeof *pr), worst = 0;
            CHECK_STATUS(lacus_formal_generate((lacus_formal_task)task, 4, 0.6, 20, 3, n, ids, pr, &V, NULL), LACUS_OK);
            int ok = 1;
            int32_t buf[64];
            int len = 0, phase = 0, depth = 0;
            for (int64_t t = 0; t < n; t++) {
                double s = 0;
                for (int64_t v = 0; v < V; v++) s += pr[t * V + v];
                worst = fmax(worst, fabs(s - 1));
                ok &= pr[t * V + ids[t]] > 0;
                int32_t x = ids[t];
                if (task == 0) { /* Dyck: closers match the last opener */
                    if (x >= 2 && x < 6) buf[depth++] = x;
                    else if (x >= 6) ok &= depth > 0 && buf[--depth] == x - 4;
                    else ok &= depth == 0;
                } else if (task == 3) {
                    if (x == 2) ok &= phase == 0, len++;
                    else if (x == 3) phase = 1, depth++;
                    else ok &= depth == len, len = 0, depth = 0, phase = 0;
                } else {
                    if (phase == 0 && x >= 2) buf[len++] = x;
                    else if (x == 1) phase = 1, depth = 0;
                    else if (phase == 1 && x >= 2) ok &= x == (task == 1 ? buf[depth] : buf[len - 1 - depth]), depth++;
                    else if (x == 0) ok &= depth == len, phase = 0, len = 0;
                }
            }
            printf("formal task %d: V=%lld, max |sum p - 1| %.2g, well-formed %d\n", task, (long long)V, worst, ok);
            CHECK(ok && worst < 1e-12);
            free(ids), free(pr);
        }
    }

    TEST("bad parameters")
    {
        lacus_lgen_params p = lacus_lgen_params_default();
        lacus_lgen *g = NULL;
        lacus_error err = {0};
        p.p_pp = 0.7, p.p_rel = 0.5;
        CHECK_STATUS(lacus_lgen_create(&p, &g, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "p_pp + p_rel") != NULL);
        p = lacus_lgen_params_default(), p.n_nouns = 0;
        CHECK_STATUS(lacus_lgen_create(&p, &g, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "n_nouns = 0") != NULL);
        p = lacus_lgen_params_default(), p.zipf = NAN;
        CHECK_STATUS(lacus_lgen_create(&p, &g, &err), LACUS_ERR_ARG);
        p = lacus_lgen_params_default(), p.p_vi = p.p_vt = p.p_vr = 0;
        CHECK_STATUS(lacus_lgen_create(&p, &g, &err), LACUS_ERR_ARG);
        CHECK(g == NULL);
        CHECK_STATUS(lacus_formal_generate(LACUS_FORMAL_DYCK, 2, 1.0, 5, 1, 1, (int32_t[1]){0}, NULL, NULL, &err), LACUS_ERR_ARG);
    }
    TEST_MAIN_END();
}
