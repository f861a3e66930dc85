/* Tokenizers: bytes, UTF-8 characters and words, and tokenizer files. The
 * byte-pair encoder is in bpe.c. */
#include "lang/tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

static const char *KIND_NAMES[] = {"bytes", "chars", "words", "bpe"};

const char *lacus_tok_kind_name(lacus_tok_kind k)
{
    return (unsigned)k < 4 ? KIND_NAMES[k] : "unknown";
}

lacus_status lacus_tok_kind_parse(const char *name, lacus_tok_kind *out, lacus_error *err)
{
    for (int i = 0; i < 4; i++)
        if (name && !strcmp(name, KIND_NAMES[i])) {
            *out = (lacus_tok_kind)i;
            return LACUS_OK;
        }
    return lacus__fail(err, LACUS_ERR_ARG, "tokenizer \"%s\": expected bytes, chars, words or bpe",
                       name ? name : "(null)");
}

lacus_tokenizer_params lacus_tokenizer_params_default(void)
{
    lacus_tokenizer_params p = {LACUS_TOK_CHARS, 0, 1};
    return p;
}

/* ---- UTF-8 and chunks ---------------------------------------------------- */

int lacus__utf8_next(const unsigned char *s, size_t len, int32_t *cp)
{
    unsigned b = s[0];
    int n;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    int32_t c;
    if (b < 0x80) {
        *cp = (int32_t)b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        n = 2, c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3, c = b & 0x0F;
        if (b == 0xE0) lo = 0xA0;        /* overlong */
        if (b == 0xED) hi = 0x9F;        /* surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4, c = b & 0x07;
        if (b == 0xF0) lo = 0x90;        /* overlong */
        if (b == 0xF4) hi = 0x8F;        /* above U+10FFFF */
    } else {
        goto raw;
    }
    if ((size_t)n > len || s[1] < lo || s[1] > hi) goto raw;
    c = (c << 6) | (s[1] & 0x3F);
    for (int i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) goto raw;
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return n;
raw:
    *cp = LACUS__RAW_BYTE + (int32_t)b;
    return 1;
}

int lacus__utf8_put(int32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp >= LACUS__RAW_BYTE) {
        o[0] = (unsigned char)(cp - LACUS__RAW_BYTE);
        return 1;
    }
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

size_t lacus__chunk_end(const char *text, size_t len, size_t pos)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = pos;
    if (s[i] == ' ' && i + 1 < len && is_word_byte(s[i + 1])) i++;
    if (!is_word_byte(s[i])) return pos + 1;
    while (i < len && is_word_byte(s[i])) i++;
    return i;
}

/* ---- the handle ---------------------------------------------------------- */

lacus_status lacus__tok_alloc(lacus_tok_kind kind, int64_t V, size_t total_bytes,
                              lacus_tokenizer **out, lacus_error *err)
{
    *out = NULL;
    lacus_tokenizer *t = lacus__calloc(1, sizeof *t);
    if (!t) return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
    t->kind = kind;
    t->V = V;
    t->bytes = lacus__malloc(total_bytes ? total_bytes : 1);
    t->off = LACUS__ZNEW(int64_t, V + 1);
    if (!t->bytes || !t->off) {
        lacus_tokenizer_free(t);
        return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory for %lld tokens",
                           (long long)V);
    }
    *out = t;
    return LACUS_OK;
}

void lacus_tokenizer_free(lacus_tokenizer *t)
{
    if (!t) return;
    lacus__free(t->bytes);
    lacus__free(t->off);
    lacus__free(t->cps);
    lacus__free(t->merges);
    if (t->words.slots) lacus__strmap_free(&t->words);
    if (t->pairs.slots) lacus__u64map_free(&t->pairs);
    lacus__free(t);
}

lacus_tok_kind lacus_tokenizer_kind(const lacus_tokenizer *t) { return t->kind; }
int64_t lacus_tokenizer_vocab_size(const lacus_tokenizer *t) { return t->V; }
int32_t lacus_tokenizer_unk(const lacus_tokenizer *t)
{
    return t->kind == LACUS_TOK_CHARS || t->kind == LACUS_TOK_WORDS ? 0 : -1;
}

int64_t lacus_tokenizer_token_bytes(const lacus_tokenizer *t, int32_t id, char *buf, size_t cap)
{
    if (id < 0 || id >= t->V) return -1;
    int64_t n = t->off[id + 1] - t->off[id];
    if (buf) memcpy(buf, t->bytes + t->off[id], (size_t)n < cap ? (size_t)n : cap);
    return n;
}

static lacus_status make_bytes(lacus_tokenizer **out, lacus_error *err)
{
    lacus_status s = lacus__tok_alloc(LACUS_TOK_BYTES, 256, 256, out, err);
    if (s) return s;
    for (int i = 0; i < 256; i++) {
        (*out)->bytes[i] = (char)i;
        (*out)->off[i + 1] = i + 1;
    }
    return LACUS_OK;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The vocabulary of characters: given code points (sorted, distinct). */
static lacus_status make_chars(const int32_t *cps, int64_t n, lacus_tokenizer **out,
                               lacus_error *err)
{
    lacus_status s = lacus__tok_alloc(LACUS_TOK_CHARS, n + 1, (size_t)(n + 1) * 4, out, err);
    if (s) return s;
    lacus_tokenizer *t = *out;
    t->cps = LACUS__NEW(int32_t, n + 1);
    if (!t->cps) {
        lacus_tokenizer_free(t);
        *out = NULL;
        return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
    }
    t->cps[0] = -1;
    memcpy(t->bytes, "\xEF\xBF\xBD", 3); /* U+FFFD for the unknown token */
    t->off[1] = 3;
    for (int64_t i = 0; i < n; i++) {
        t->cps[i + 1] = cps[i];
        t->off[i + 2] = t->off[i + 1] + lacus__utf8_put(cps[i], t->bytes + t->off[i + 1]);
    }
    return LACUS_OK;
}

static lacus_status train_chars(const char *text, size_t len, lacus_tokenizer **out,
                                lacus_error *err)
{
    /* Seen code points as a bitmap over Unicode plus the 256 raw bytes. */
    const int32_t n_all = LACUS__RAW_BYTE + 256;
    unsigned char *seen = lacus__calloc((size_t)n_all / 8 + 1, 1);
    if (!seen) return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
    int64_t n = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        i += (size_t)lacus__utf8_next((const unsigned char *)text + i, len - i, &cp);
        if (!(seen[cp >> 3] & (1u << (cp & 7)))) {
            seen[cp >> 3] |= (unsigned char)(1u << (cp & 7));
            n++;
        }
    }
    int32_t *cps = LACUS__NEW(int32_t, n);
    if (!cps) {
        lacus__free(seen);
        return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
    }
    int64_t k = 0;
    for (int32_t c = 0; c < n_all; c++)
        if (seen[c >> 3] & (1u << (c & 7))) cps[k++] = c;
    lacus__free(seen);
    lacus_status s = make_chars(cps, n, out, err);
    lacus__free(cps);
    return s;
}

/* The vocabulary of words: given token byte strings in id order (id 1..). */
static lacus_status make_words(const lacus__strmap *src, const int64_t *order, int64_t n,
                               lacus_tokenizer **out, lacus_error *err)
{
    size_t total = 5;
    for (int64_t i = 0; i < n; i++) total += src->off[order[i] + 1] - src->off[order[i]];
    lacus_status s = lacus__tok_alloc(LACUS_TOK_WORDS, n + 1, total, out, err);
    if (s) return s;
    lacus_tokenizer *t = *out;
    if (lacus__strmap_init(&t->words, n)) goto nomem;
    memcpy(t->bytes, "<unk>", 5);
    t->off[1] = 5;
    for (int64_t i = 0; i < n; i++) {
        size_t l;
        const char *w = lacus__strmap_key(src, order[i], &l);
        memcpy(t->bytes + t->off[i + 1], w, l);
        t->off[i + 2] = t->off[i + 1] + (int64_t)l;
        int is_new;
        if (lacus__strmap_insert(&t->words, w, l, &is_new) < 0) goto nomem;
        if (!is_new) {
            lacus_tokenizer_free(t);
            *out = NULL;
            return lacus__fail(err, LACUS_ERR_FORMAT, "tokenizer: word %lld is a duplicate",
                               (long long)(i + 1));
        }
    }
    return LACUS_OK;
nomem:
    lacus_tokenizer_free(t);
    *out = NULL;
    return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
}

/* Sort order of training words: count descending, then bytes ascending. */
typedef struct { const lacus__strmap *m; const int64_t *count; } word_sort_ctx;

static int cmp_words_r(const int64_t *a, const int64_t *b, const word_sort_ctx *c)
{
    if (c->count[*a] != c->count[*b]) return c->count[*a] > c->count[*b] ? -1 : 1;
    size_t la, lb;
    const char *x = lacus__strmap_key(c->m, *a, &la), *y = lacus__strmap_key(c->m, *b, &lb);
    int r = memcmp(x, y, la < lb ? la : lb);
    return r ? r : (la > lb) - (la < lb);
}

/* Merge sort with a context (qsort_r is not C11). */
static void sort_words(int64_t *a, int64_t *tmp, int64_t n, const word_sort_ctx *c)
{
    if (n < 2) return;
    int64_t h = n / 2;
    sort_words(a, tmp, h, c);
    sort_words(a + h, tmp, n - h, c);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp_words_r(&a[j], &a[i], c) < 0 ? a[j++] : a[i++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}

static lacus_status train_words(const lacus_tokenizer_params *p, const char *text, size_t len,
                                lacus_tokenizer **out, lacus_error *err)
{
    lacus__strmap m;
    int64_t *count = NULL, cap = 0, *order = NULL, *tmp = NULL;
    lacus_status s = LACUS_OK;
    if (lacus__strmap_init(&m, 1024)) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < len;) {
        size_t e = lacus__chunk_end(text, len, i);
        int64_t j = lacus__strmap_insert(&m, text + i, e - i, NULL);
        if (j < 0) goto nomem;
        if (j >= cap) {
            int64_t c2 = cap ? 2 * cap : 1024;
            int64_t *c = lacus__realloc(count, (size_t)c2 * sizeof *c);
            if (!c) goto nomem;
            memset(c + cap, 0, (size_t)(c2 - cap) * sizeof *c);
            count = c, cap = c2;
        }
        count[j]++;
        i = e;
    }
    order = LACUS__NEW(int64_t, m.n);
    tmp = LACUS__NEW(int64_t, m.n);
    if (!order || !tmp) goto nomem;
    for (int64_t j = 0; j < m.n; j++) order[j] = j;
    word_sort_ctx c = {&m, count};
    sort_words(order, tmp, m.n, &c);
    int64_t n = 0;
    while (n < m.n && count[order[n]] >= p->min_count && (p->vocab_size <= 0 || n < p->vocab_size))
        n++;
    if (n == 0) {
        s = lacus__fail(err, LACUS_ERR_ARG, "tokenizer: no word occurs min_count = %lld times",
                        (long long)p->min_count);
        goto done;
    }
    s = make_words(&m, order, n, out, err);
    goto done;
nomem:
    s = lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
done:
    lacus__strmap_free(&m);
    lacus__free(count);
    lacus__free(order);
    lacus__free(tmp);
    return s;
}

lacus_status lacus_tokenizer_train(const lacus_tokenizer_params *p, const char *text, size_t len,
                                   lacus_tokenizer **out, lacus_error *err)
{
    if (!out) return lacus__fail(err, LACUS_ERR_ARG, "tokenizer: out is NULL");
    *out = NULL;
    if (!p) return lacus__fail(err, LACUS_ERR_ARG, "tokenizer: params is NULL");
    if ((unsigned)p->kind > 3)
        return lacus__fail(err, LACUS_ERR_ARG, "tokenizer kind = %d: must be 0..3", (int)p->kind);
    if (p->kind == LACUS_TOK_BYTES) return make_bytes(out, err);
    if (!text || len == 0)
        return lacus__fail(err, LACUS_ERR_ARG, "tokenizer %s: the training text is empty",
                           lacus_tok_kind_name(p->kind));
    if (p->kind == LACUS_TOK_CHARS) return train_chars(text, len, out, err);
    if (p->kind == LACUS_TOK_WORDS) {
        if (p->min_count < 1 || p->vocab_size < 0 || p->vocab_size > (1 << 24))
            return lacus__fail(err, LACUS_ERR_ARG,
                               "tokenizer words: min_count = %lld must be >= 1 and vocab_size = "
                               "%lld in [0, 2^24]",
                               (long long)p->min_count, (long long)p->vocab_size);
        return train_words(p, text, len, out, err);
    }
    return lacus__bpe_train(p, text, len, out, err);
}

/* ---- encode / decode ----------------------------------------------------- */

lacus_status lacus_tokenizer_encode(const lacus_tokenizer *t, const char *text, size_t len,
                                    int32_t *ids, int64_t cap, int64_t *n_ids, int64_t *n_unk,
                                    lacus_error *err)
{
    int64_t n = 0, unk = 0;
    if (!t || !n_ids || (!text && len))
        return lacus__fail(err, LACUS_ERR_ARG, "tokenizer encode: NULL argument");
    if (ids && cap < 0) return lacus__fail(err, LACUS_ERR_ARG, "tokenizer encode: cap < 0");
    const unsigned char *s = (const unsigned char *)text;
    switch (t->kind) {
    case LACUS_TOK_BYTES:
        for (size_t i = 0; i < len; i++, n++)
            if (ids && n < cap) ids[n] = s[i];
        break;
    case LACUS_TOK_CHARS:
        for (size_t i = 0; i < len; n++) {
            int32_t cp;
            i += (size_t)lacus__utf8_next(s + i, len - i, &cp);
            const int32_t *f = bsearch(&cp, t->cps + 1, (size_t)(t->V - 1), sizeof cp, cmp_i32);
            int32_t id = f ? (int32_t)(f - t->cps) : 0;
            unk += id == 0;
            if (ids && n < cap) ids[n] = id;
        }
        break;
    case LACUS_TOK_WORDS:
        for (size_t i = 0; i < len; n++) {
            size_t e = lacus__chunk_end(text, len, i);
            int64_t j = lacus__strmap_find(&t->words, text + i, e - i);
            unk += j < 0;
            if (ids && n < cap) ids[n] = (int32_t)(j + 1);
            i = e;
        }
        break;
    case LACUS_TOK_BPE: {
        lacus_status st = lacus__bpe_encode(t, text, len, ids, cap, &n, err);
        if (st) return st;
        break;
    }
    }
    *n_ids = n;
    if (n_unk) *n_unk = unk;
    if (ids && n > cap)
        return lacus__fail(err, LACUS_ERR_SHAPE, "tokenizer encode: %lld ids need more than cap = %lld",
                           (long long)n, (long long)cap);
    return LACUS_OK;
}

lacus_status lacus_tokenizer_decode(const lacus_tokenizer *t, const int32_t *ids, int64_t n,
                                    char *buf, size_t cap, size_t *len_out, lacus_error *err)
{
    if (!t || !len_out || (!ids && n) || n < 0)
        return lacus__fail(err, LACUS_ERR_ARG, "tokenizer decode: bad argument");
    size_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= t->V)
            return lacus__fail(err, LACUS_ERR_ARG, "tokenizer decode: ids[%lld] = %d not in [0, %lld)",
                               (long long)i, (int)ids[i], (long long)t->V);
        size_t l = (size_t)(t->off[ids[i] + 1] - t->off[ids[i]]);
        if (buf && total + l <= cap) memcpy(buf + total, t->bytes + t->off[ids[i]], l);
        total += l;
    }
    *len_out = total;
    if (buf && total > cap)
        return lacus__fail(err, LACUS_ERR_SHAPE, "tokenizer decode: %zu bytes need more than cap = %zu",
                           total, cap);
    return LACUS_OK;
}

/* Constructors from stored vocabularies, for tokenizer_io.c. */
lacus_status lacus__tok_make_chars(const int32_t *cps, int64_t n, lacus_tokenizer **out,
                                   lacus_error *err)
{
    for (int64_t i = 0; i < n; i++)
        if (cps[i] < 0 || cps[i] >= LACUS__RAW_BYTE + 256 || (cps[i] >= 0xD800 && cps[i] < 0xE000) ||
            (i > 0 && cps[i] <= cps[i - 1]))
            return lacus__fail(err, LACUS_ERR_FORMAT,
                               "tokenizer: character %lld (%d) is invalid, a surrogate, or not "
                               "sorted and distinct",
                               (long long)i, (int)cps[i]);
    return make_chars(cps, n, out, err);
}
lacus_status lacus__tok_make_bytes(lacus_tokenizer **out, lacus_error *err)
{
    return make_bytes(out, err);
}
lacus_status lacus__tok_make_words(const lacus__strmap *m, lacus_tokenizer **out, lacus_error *err)
{
    int64_t *order = LACUS__NEW(int64_t, m->n ? m->n : 1);
    if (!order) return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer: out of memory");
    for (int64_t i = 0; i < m->n; i++) order[i] = i;
    lacus_status s = make_words(m, order, m->n, out, err);
    lacus__free(order);
    return s;
}
