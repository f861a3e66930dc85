/* Byte-level byte-pair encoding (Sennrich, Haddow & Birch 2016; byte-level as
 * in GPT-2): training learns merges from the chunk frequencies of a corpus,
 * encoding replays them by rank inside each chunk. Written here because the
 * maintained BPE libraries (HF tokenizers, sentencepiece) are C++/Rust and
 * not in Debian's C stack; the algorithm is short. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/tokenizer.h"

static uint64_t pair_key(int32_t a, int32_t b) { return (uint64_t)(uint32_t)a << 32 | (uint32_t)b; }

static void u64map_clear(lacus__u64map *m)
{
    memset(m->slots, 0xff, (size_t)m->cap * sizeof *m->slots);
    m->n = 0;
}

lacus_status lacus__bpe_from_merges(const int32_t (*merges)[2], int64_t n_merges,
                                    lacus_tokenizer **out, lacus_error *err)
{
    *out = NULL;
    int64_t V = 256 + n_merges;
    /* Token lengths first, to size the byte table. */
    int64_t *len = LACUS__NEW(int64_t, V);
    if (!len) return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
    size_t total = 256;
    for (int64_t i = 0; i < 256; i++) len[i] = 1;
    for (int64_t r = 0; r < n_merges; r++) {
        int32_t a = merges[r][0], b = merges[r][1];
        if (a < 0 || b < 0 || a >= 256 + r || b >= 256 + r) {
            lacus__free(len);
            return lacus__fail(err, LACUS_ERR_FORMAT,
                               "tokenizer bpe: merge %lld = (%d, %d) uses an id not yet defined "
                               "(must be < %lld)",
                               (long long)r, (int)a, (int)b, (long long)(256 + r));
        }
        len[256 + r] = len[a] + len[b];
        total += (size_t)len[256 + r];
    }
    lacus_tokenizer *t;
    lacus_status s = lacus__tok_alloc(LACUS_TOK_BPE, V, total, &t, err);
    if (s) {
        lacus__free(len);
        return s;
    }
    for (int64_t i = 0; i < 256; i++) {
        t->bytes[i] = (char)i;
        t->off[i + 1] = i + 1;
    }
    t->merges = lacus__malloc((size_t)(n_merges ? n_merges : 1) * sizeof *t->merges);
    if (!t->merges || lacus__u64map_init(&t->pairs, n_merges)) goto nomem;
    for (int64_t r = 0; r < n_merges; r++) {
        int32_t a = merges[r][0], b = merges[r][1];
        int64_t o = t->off[256 + r];
        memcpy(t->bytes + o, t->bytes + t->off[a], (size_t)len[a]);
        memcpy(t->bytes + o + len[a], t->bytes + t->off[b], (size_t)len[b]);
        t->off[256 + r + 1] = o + len[a] + len[b];
        t->merges[r][0] = a, t->merges[r][1] = b;
        int is_new;
        int64_t j = lacus__u64map_insert(&t->pairs, pair_key(a, b), &is_new);
        if (j < 0) goto nomem;
        if (!is_new) {
            lacus__free(len);
            lacus_tokenizer_free(t);
            return lacus__fail(err, LACUS_ERR_FORMAT, "tokenizer bpe: merge %lld = (%d, %d) repeats merge %lld",
                               (long long)r, (int)a, (int)b, (long long)j);
        }
    }
    lacus__free(len);
    *out = t;
    return LACUS_OK;
nomem:
    lacus__free(len);
    lacus_tokenizer_free(t);
    return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
}

/* Merges every non-overlapping (a, b), left to right, in sym[0..n); returns the new n. */
static int64_t merge_in(int32_t *sym, int64_t n, int32_t a, int32_t b, int32_t id)
{
    int64_t w = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i + 1 < n && sym[i] == a && sym[i + 1] == b) {
            sym[w++] = id;
            i++;
        } else {
            sym[w++] = sym[i];
        }
    }
    return w;
}

lacus_status lacus__bpe_train(const lacus_tokenizer_params *p, const char *text, size_t len,
                              lacus_tokenizer **out, lacus_error *err)
{
    int64_t V = p->vocab_size ? p->vocab_size : 1024;
    if (V < 256 || V > (1 << 20))
        return lacus__fail(err, LACUS_ERR_ARG, "tokenizer bpe: vocab_size = %lld must be in [256, 2^20]",
                           (long long)V);
    lacus__strmap chunks;
    lacus__u64map pairs = {0};
    int64_t *freq = NULL, fcap = 0, *start = NULL, *n_sym = NULL, *pcount = NULL, pcap = 0;
    int32_t *sym = NULL, (*merges)[2] = NULL;
    lacus_status s = LACUS_OK;
    if (lacus__strmap_init(&chunks, 4096)) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < len;) {
        size_t e = lacus__chunk_end(text, len, i);
        int64_t j = lacus__strmap_insert(&chunks, text + i, e - i, NULL);
        if (j < 0) goto nomem;
        if (j >= fcap) {
            int64_t c2 = fcap ? 2 * fcap : 4096;
            int64_t *f = lacus__realloc(freq, (size_t)c2 * sizeof *f);
            if (!f) goto nomem;
            memset(f + fcap, 0, (size_t)(c2 - fcap) * sizeof *f);
            freq = f, fcap = c2;
        }
        freq[j]++;
        i = e;
    }
    /* Each distinct chunk as a symbol sequence, weighted by its frequency. */
    int64_t W = chunks.n;
    sym = LACUS__NEW(int32_t, (int64_t)chunks.arena_len + 1);
    start = LACUS__NEW(int64_t, W);
    n_sym = LACUS__NEW(int64_t, W);
    merges = lacus__malloc((size_t)(V - 256 + 1) * sizeof *merges);
    if (!sym || !start || !n_sym || !merges || lacus__u64map_init(&pairs, 1 << 16)) goto nomem;
    for (int64_t j = 0; j < W; j++) {
        size_t l;
        const unsigned char *k = (const unsigned char *)lacus__strmap_key(&chunks, j, &l);
        start[j] = (int64_t)chunks.off[j];
        n_sym[j] = (int64_t)l;
        for (size_t q = 0; q < l; q++) sym[start[j] + (int64_t)q] = k[q];
    }
    int64_t n_merges = 0;
    for (; 256 + n_merges < V; n_merges++) {
        /* Recounting every pair each round costs one pass over the distinct
         * chunks per merge: cheap for the corpora and vocabularies used here. */
        u64map_clear(&pairs);
        for (int64_t j = 0; j < W; j++) {
            const int32_t *q = sym + start[j];
            for (int64_t i = 0; i + 1 < n_sym[j]; i++) {
                int is_new;
                int64_t k = lacus__u64map_insert(&pairs, pair_key(q[i], q[i + 1]), &is_new);
                if (k < 0) goto nomem;
                if (k >= pcap) {
                    int64_t c2 = pcap ? 2 * pcap : 1 << 16;
                    int64_t *c = lacus__realloc(pcount, (size_t)c2 * sizeof *c);
                    if (!c) goto nomem;
                    pcount = c, pcap = c2;
                }
                if (is_new) pcount[k] = 0;
                pcount[k] += freq[j];
            }
        }
        /* The most frequent pair; ties go to the smallest (a, b). */
        int64_t best = -1;
        for (int64_t k = 0; k < pairs.n; k++)
            if (best < 0 || pcount[k] > pcount[best] ||
                (pcount[k] == pcount[best] && pairs.dense[k] < pairs.dense[best]))
                best = k;
        if (best < 0 || pcount[best] < 2) break;
        int32_t a = (int32_t)(pairs.dense[best] >> 32), b = (int32_t)(pairs.dense[best] & 0xffffffffu);
        merges[n_merges][0] = a, merges[n_merges][1] = b;
        for (int64_t j = 0; j < W; j++)
            n_sym[j] = merge_in(sym + start[j], n_sym[j], a, b, (int32_t)(256 + n_merges));
    }
    s = lacus__bpe_from_merges((const int32_t(*)[2])merges, n_merges, out, err);
    goto done;
nomem:
    s = lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer bpe: out of memory");
done:
    lacus__strmap_free(&chunks);
    if (pairs.slots) lacus__u64map_free(&pairs);
    lacus__free(freq), lacus__free(start), lacus__free(n_sym), lacus__free(pcount);
    lacus__free(sym), lacus__free(merges);
    return s;
}

lacus_status lacus__bpe_encode(const lacus_tokenizer *t, const char *text, size_t len,
                               int32_t *ids, int64_t cap, int64_t *n_ids, lacus_error *err)
{
    /* Longest chunk bounds the scratch buffer. */
    size_t longest = 0;
    for (size_t i = 0; i < len;) {
        size_t e = lacus__chunk_end(text, len, i);
        if (e - i > longest) longest = e - i;
        i = e;
    }
    int32_t *sym = LACUS__NEW(int32_t, (int64_t)longest + 1);
    if (!sym) return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer bpe: out of memory");
    int64_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t e = lacus__chunk_end(text, len, i);
        int64_t m = (int64_t)(e - i);
        for (int64_t q = 0; q < m; q++) sym[q] = (unsigned char)text[i + (size_t)q];
        /* Replay merges lowest rank first: a merge can only create pairs
         * whose own merge was learned later, so this is the training order. */
        for (;;) {
            int64_t best = -1;
            for (int64_t q = 0; q + 1 < m; q++) {
                int64_t r = lacus__u64map_find(&t->pairs, pair_key(sym[q], sym[q + 1]));
                if (r >= 0 && (best < 0 || r < best)) best = r;
            }
            if (best < 0) break;
            m = merge_in(sym, m, t->merges[best][0], t->merges[best][1], (int32_t)(256 + best));
        }
        for (int64_t q = 0; q < m; q++, n++)
            if (ids && n < cap) ids[n] = sym[q];
        i = e;
    }
    lacus__free(sym);
    *n_ids = n;
    return LACUS_OK;
}
