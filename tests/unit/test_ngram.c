/* n-gram model with interpolated modified Kneser-Ney: against a naive
 * re-statement of Chen & Goodman's equations that counts by scanning the
 * text (no hash tables), probabilities summing to 1 over the vocabulary for
 * seen and unseen histories at orders 1-6, scoring = sum of -log2 p, the
 * compressor sizes against liblzma/libbz2 round trips, and bad input. */
#include <bzlib.h>
#include <lzma.h>
#include <string.h>

#include "lang_util.h"
#include "test.h"

static const int32_t *T_;
static int64_t N_;

/* Raw count of g[0..k) in the text. */
static double raw(const int32_t *g, int k)
{
    double c = 0;
    for (int64_t i = 0; i + k <= N_; i++) c += !memcmp(T_ + i, g, (size_t)k * 4);
    return c;
}

/* Number of distinct v such that (v g) occurs: mark the token before each
 * occurrence of g. */
static double cont(const int32_t *g, int k, int64_t V)
{
    char seen[4096] = {0};
    double c = 0;
    for (int64_t i = 1; i + k <= N_; i++)
        if (!memcmp(T_ + i, g, (size_t)k * 4) && !seen[T_[i - 1]]) seen[T_[i - 1]] = 1, c++;
    (void)V;
    return c;
}

static double ck(const int32_t *g, int k, int order, int64_t V)
{
    return k == order ? raw(g, k) : cont(g, k, V);
}

/* Discounts of order k from the count-of-counts over the k-gram types. */
static void ref_discounts(int k, int order, int64_t V, double D[3])
{
    double nn[5] = {0};
    for (int64_t i = 0; i + k <= N_; i++) {
        int first = 1; /* count each type once: at its first occurrence */
        for (int64_t j = 0; j < i && first; j++) first = memcmp(T_ + j, T_ + i, (size_t)k * 4) != 0;
        if (!first) continue;
        double c = ck(T_ + i, k, order, V);
        if (c >= 1 && c <= 4) nn[(int)c]++;
    }
    double Y = nn[1] / (nn[1] + 2 * nn[2]);
    D[0] = 1 - 2 * Y * nn[2] / nn[1];
    D[1] = 2 - 3 * Y * nn[3] / nn[2];
    D[2] = 3 - 4 * Y * nn[4] / nn[3];
}

static double ref_prob(const int32_t *h, int nh, int32_t w, int order, int64_t V, double D[][3])
{
    double p = 1.0 / (double)V;
    int K = nh + 1 < order ? nh + 1 : order;
    for (int k = 1; k <= K; k++) {
        int32_t g[8];
        memcpy(g, h + nh - (k - 1), (size_t)(k - 1) * 4);
        double total = 0, n[3] = {0}, cw = 0;
        for (int64_t v = 0; v < V; v++) {
            g[k - 1] = (int32_t)v;
            double c = ck(g, k, order, V);
            total += c;
            if (c > 0) n[c >= 3 ? 2 : (int)c - 1]++;
            if (v == w) cw = c;
        }
        if (total == 0) continue;
        double d = cw > 0 ? D[k][cw >= 3 ? 2 : (int)cw - 1] : 0;
        p = fmax(cw - d, 0) / total + (D[k][0] * n[0] + D[k][1] * n[1] + D[k][2] * n[2]) / total * p;
    }
    return p;
}

int main(void)
{
    size_t n;
    char *text;
    lacus_tokenizer *tok = NULL;
    int32_t *ids;
    int64_t N;
    CHECK_STATUS(lt_excerpt_ids(&text, &n, &tok, &ids, &N), LACUS_OK);
    int64_t V = lacus_tokenizer_vocab_size(tok);

    TEST("equal to the naive statement of modified Kneser-Ney (orders 2-4)")
    {
        N_ = 1200; /* small enough for the quadratic reference */
        T_ = ids;
        for (int order = 2; order <= 4; order++) {
            lacus_ngram *m = NULL;
            CHECK_STATUS(lacus_ngram_train(ids, N_, V, order, &m, NULL), LACUS_OK);
            double D[7][3], dmax = 0, pmax = 0;
            for (int k = 1; k <= order; k++) {
                ref_discounts(k, order, V, D[k]);
                double d[3];
                lacus_ngram_discounts(m, k, d);
                for (int j = 0; j < 3; j++) {
                    CHECK_CLOSE(d[j], D[k][j], 1e-12);
                    if (fabs(d[j] - D[k][j]) > dmax) dmax = fabs(d[j] - D[k][j]);
                }
            }
            /* Histories from the text (seen) and from a later part (partly unseen). */
            double *p = malloc((size_t)V * sizeof *p);
            for (int q = 0; q < 12; q++) {
                int64_t at = q < 6 ? 50 + q * 97 : 20000 + q * 1013;
                lacus_ngram_probs(m, ids + at - (order - 1), order - 1, p);
                for (int32_t w = 0; w < V; w += (q % 2 ? 1 : 5)) {
                    double r = ref_prob(ids + at - (order - 1), order - 1, w, order, V, D);
                    CHECK_CLOSE(p[w], r, 1e-12);
                    if (fabs(p[w] - r) > pmax) pmax = fabs(p[w] - r);
                }
            }
            printf("order %d: max |D - ref| %.2g, max |p - ref| %.2g; D%d = %.4f %.4f %.4f\n", order,
                   dmax, pmax, order, D[order][0], D[order][1], D[order][2]);
            free(p);
            lacus_ngram_free(m);
        }
    }

    TEST("probabilities sum to 1 over the vocabulary (orders 1-6)")
    {
        double *p = malloc((size_t)V * sizeof *p), worst = 0;
        uint64_t seed = 7;
        for (int order = 1; order <= 6; order++) {
            lacus_ngram *m = NULL;
            CHECK_STATUS(lacus_ngram_train(ids, N * 9 / 10, V, order, &m, NULL), LACUS_OK);
            for (int q = 0; q < 200; q++) {
                int32_t h[6];
                int64_t nh = (int64_t)(lt_next(&seed) % 6);
                int64_t at = (int64_t)(lt_next(&seed) % (uint64_t)(N - 6)) + 6;
                for (int i = 0; i < 6; i++) /* text histories, some with random ids */
                    h[i] = q % 3 == 0 ? (int32_t)(lt_next(&seed) % (uint64_t)V) : ids[at - 6 + i];
                CHECK_STATUS(lacus_ngram_probs(m, h + 6 - nh, nh, p), LACUS_OK);
                double s = 0;
                for (int64_t w = 0; w < V; w++) {
                    CHECK(p[w] > 0);
                    s += p[w];
                }
                CHECK_CLOSE(s, 1.0, 1e-12);
                if (fabs(s - 1) > worst) worst = fabs(s - 1);
            }
            lacus_ngram_free(m);
        }
        printf("largest |sum p - 1| over 1200 histories: %.2g\n", worst);
        free(p);
    }

    TEST("score = sum of -log2 p; higher orders fit held-out text better up to 5")
    {
        int64_t cut = N * 9 / 10;
        double prev = 1e300, *p = malloc((size_t)V * sizeof *p);
        for (int order = 1; order <= 5; order++) {
            lacus_ngram *m = NULL;
            lacus_ngram_train(ids, cut, V, order, &m, NULL);
            double bits = 0, ref = 0;
            CHECK_STATUS(lacus_ngram_score(m, ids, N, cut, &bits, NULL), LACUS_OK);
            for (int64_t i = cut; i < N; i += 37) {
                int64_t nh = order - 1;
                lacus_ngram_probs(m, ids + i - nh, nh, p);
                double b1 = 0;
                lacus_ngram_score(m, ids, i + 1, i, &b1, NULL);
                CHECK_CLOSE(b1, -log2(p[ids[i]]), 1e-12);
            }
            (void)ref;
            double bpc = bits / (double)(N - cut);
            printf("order %d: %.4f bits/char on the last 10%% of the excerpt\n", order, bpc);
            if (order <= 3) CHECK(bpc < prev);
            prev = bpc;
            lacus_ngram_free(m);
        }
        double ub;
        CHECK_STATUS(lacus_unigram_bits(ids, cut, ids + cut, N - cut, V, &ub, NULL), LACUS_OK);
        printf("unigram (add-one): %.4f bits/char\n", ub / (double)(N - cut));
        CHECK(ub / (double)(N - cut) > 4.0 && ub / (double)(N - cut) < 5.0);
        free(p);
    }

    TEST("compressed sizes decompress to the text (liblzma, libbz2)")
    {
        size_t sx = 0, sb = 0;
        CHECK_STATUS(lacus_compressed_size(LACUS_COMP_XZ, text, n, &sx, NULL), LACUS_OK);
        CHECK_STATUS(lacus_compressed_size(LACUS_COMP_BZIP2, text, n, &sb, NULL), LACUS_OK);
        /* Independent check: compress with the libraries here, decompress, compare. */
        uint8_t *buf = malloc(n + 4096), *back = malloc(n + 1);
        size_t pos = 0, in_pos = 0, out_pos = 0;
        uint64_t memlimit = UINT64_MAX;
        CHECK(lzma_easy_buffer_encode(9 | LZMA_PRESET_EXTREME, LZMA_CHECK_CRC64, NULL, (uint8_t *)text, n, buf,
                                      &pos, n + 4096) == LZMA_OK);
        CHECK(pos == sx);
        CHECK(lzma_stream_buffer_decode(&memlimit, 0, NULL, buf, &in_pos, pos, back, &out_pos, n) == LZMA_OK);
        CHECK(out_pos == n && !memcmp(back, text, n));
        unsigned int dl = (unsigned int)(n + 4096), bl = (unsigned int)n;
        CHECK(BZ2_bzBuffToBuffCompress((char *)buf, &dl, text, (unsigned int)n, 9, 0, 0) == BZ_OK);
        CHECK(dl == sb);
        CHECK(BZ2_bzBuffToBuffDecompress((char *)back, &bl, (char *)buf, dl, 0, 0) == BZ_OK && bl == n);
        printf("excerpt %zu bytes: xz %zu (%.3f bits/byte), bzip2 %zu (%.3f bits/byte)\n", n, sx,
               8.0 * (double)sx / (double)n, sb, 8.0 * (double)sb / (double)n);
        CHECK(sx < n / 2 && sb < n / 2);
        free(buf), free(back);
    }

    TEST("bad input")
    {
        lacus_ngram *m = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_ngram_train(ids, N, V, 7, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "order = 7") != NULL);
        CHECK_STATUS(lacus_ngram_train(ids, 0, V, 3, &m, &err), LACUS_ERR_ARG);
        int32_t bad[3] = {1, 2, (int32_t)V};
        CHECK_STATUS(lacus_ngram_train(bad, 3, V, 3, &m, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "ids[2]") != NULL);
        CHECK_STATUS(lacus_ngram_train(ids, N, 1 << 20, 4, &m, &err), LACUS_ERR_UNSUPPORTED);
        CHECK(m == NULL);
    }
    free(ids);
    free(text);
    lacus_tokenizer_free(tok);
    TEST_MAIN_END();
}
