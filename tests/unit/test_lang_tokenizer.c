/* Tokenizers: exact round trips (the excerpt, the whole of Moby-Dick when the
 * shared data folder is present, random valid and invalid UTF-8), the UTF-8
 * decoder against hand-made cases, BPE merges against a naive pair count,
 * files (save/load, malformed files) and bad arguments. */
#include <string.h>

#include "lang_util.h"
#include "test.h"

/* Encodes, decodes and compares; returns the number of ids (or -1). */
static int64_t round_trip(const lacus_tokenizer *t, const char *s, size_t n)
{
    int64_t n_ids = 0, n_unk = 0;
    lacus_error err = {0};
    CHECK_STATUS(lacus_tokenizer_encode(t, s, n, NULL, 0, &n_ids, &n_unk, &err), LACUS_OK);
    int32_t *ids = malloc((size_t)(n_ids + 1) * sizeof *ids);
    int64_t n2 = 0;
    CHECK_STATUS(lacus_tokenizer_encode(t, s, n, ids, n_ids, &n2, NULL, &err), LACUS_OK);
    CHECK(n2 == n_ids);
    CHECK(n_unk == 0);
    size_t len = 0;
    CHECK_STATUS(lacus_tokenizer_decode(t, ids, n_ids, NULL, 0, &len, &err), LACUS_OK);
    char *back = malloc(len + 1);
    CHECK_STATUS(lacus_tokenizer_decode(t, ids, n_ids, back, len, &len, &err), LACUS_OK);
    int same = len == n && !memcmp(back, s, n);
    CHECK(same);
    for (int64_t i = 0; i < n_ids; i++) CHECK(ids[i] >= 0 && ids[i] < lacus_tokenizer_vocab_size(t));
    free(ids);
    free(back);
    return same ? n_ids : -1;
}

static int memmem_found(const char *h, size_t n, const char *nd, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(h + i, nd, m)) return 1;
    return 0;
}

static lacus_tokenizer *train(lacus_tok_kind k, int64_t vocab, const char *s, size_t n)
{
    lacus_tokenizer_params p = lacus_tokenizer_params_default();
    p.kind = k;
    p.vocab_size = vocab;
    lacus_tokenizer *t = NULL;
    lacus_error err = {0};
    if (lacus_tokenizer_train(&p, s, n, &t, &err)) fprintf(stderr, "train: %s\n", err.msg);
    return t;
}

/* The test's own UTF-8 encoder (independent of the library's). */
static int put_utf8(int32_t cp, char *o)
{
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 63)), 2;
    if (cp < 0x10000)
        return o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 63)),
               o[2] = (char)(0x80 | (cp & 63)), 3;
    return o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 63)),
           o[2] = (char)(0x80 | (cp >> 6 & 63)), o[3] = (char)(0x80 | (cp & 63)), 4;
}

/* Random text: valid UTF-8 from all planes (no surrogates), and with
 * `invalid`, stray bytes that are not UTF-8. */
static char *random_text(size_t n_chars, int invalid, uint64_t seed, size_t *len)
{
    char *b = malloc(n_chars * 4 + 1);
    size_t k = 0;
    for (size_t i = 0; i < n_chars; i++) {
        uint64_t r = lt_next(&seed);
        int32_t cp;
        switch (r % 6) {
        case 0: cp = (int32_t)((r >> 8) % 95) + 32; break;         /* printable ASCII */
        case 1: cp = ' '; break;
        case 2: cp = (int32_t)((r >> 8) % 0x780) + 0x80; break;     /* 2-byte */
        case 3: cp = (int32_t)((r >> 8) % 0xF800) + 0x800; break;   /* 3-byte */
        case 4: cp = (int32_t)((r >> 8) % 0x100000) + 0x10000; break; /* 4-byte */
        default: cp = (int32_t)((r >> 8) % 128); break;             /* controls, NUL included */
        }
        if (cp >= 0xD800 && cp < 0xE000) cp -= 0x800;
        if (invalid && r % 13 == 0) {
            static const unsigned char bad[] = {0x80, 0xBF, 0xC0, 0xC1, 0xF5, 0xFF, 0xE0, 0xED, 0xF4};
            b[k++] = (char)bad[(r >> 20) % sizeof bad];
            continue;
        }
        k += (size_t)put_utf8(cp, b + k);
    }
    *len = k;
    return b;
}

/* Number of characters by the test's own count of UTF-8 lead bytes (valid text only). */
static int64_t count_chars(const char *s, size_t n)
{
    int64_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static void test_round_trips(const char *text, size_t n, const char *what)
{
    static const lacus_tok_kind kinds[] = {LACUS_TOK_BYTES, LACUS_TOK_CHARS, LACUS_TOK_WORDS, LACUS_TOK_BPE};
    for (int k = 0; k < 4; k++) {
        lacus_tokenizer *t = train(kinds[k], kinds[k] == LACUS_TOK_BPE ? 512 : 0, text, n);
        CHECK(t != NULL);
        if (!t) continue;
        int64_t m = round_trip(t, text, n);
        printf("%-10s %-5s V=%-6lld %lld bytes -> %lld tokens\n", what, lacus_tok_kind_name(kinds[k]),
               (long long)lacus_tokenizer_vocab_size(t), (long long)n, (long long)m);
        if (kinds[k] == LACUS_TOK_BYTES) CHECK(m == (int64_t)n);
        if (kinds[k] == LACUS_TOK_BPE) CHECK(m > 0 && m < (int64_t)n);
        lacus_tokenizer_free(t);
    }
}

int main(void)
{
    size_t n;
    char *text = lt_excerpt(&n);

    TEST("utf8 decoder cases")
    {
        struct { const char *s; int len; int32_t cp; } cases[] = {
            {"A", 1, 'A'}, {"\xC3\xA9", 2, 0xE9}, {"\xE2\x80\x94", 3, 0x2014},
            {"\xF0\x9F\x90\x8B", 4, 0x1F40B}, {"\xC0\x80", 1, 0x110000 + 0xC0},  /* overlong NUL */
            {"\xE0\x80\xAF", 1, 0x110000 + 0xE0},  /* overlong */
            {"\xED\xA0\x80", 1, 0x110000 + 0xED},  /* surrogate */
            {"\xF4\x90\x80\x80", 1, 0x110000 + 0xF4}, /* > U+10FFFF */
            {"\x80", 1, 0x110000 + 0x80}, {"\xE2\x80", 1, 0x110000 + 0xE2}, /* truncated */
        };
        lacus_tokenizer *t = NULL;
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            t = train(LACUS_TOK_CHARS, 0, cases[i].s, strlen(cases[i].s));
            int64_t m = 0;
            int32_t ids[8];
            CHECK_STATUS(lacus_tokenizer_encode(t, cases[i].s, strlen(cases[i].s), ids, 8, &m, NULL, NULL),
                         LACUS_OK);
            /* The first token's bytes are the first character's bytes. */
            char b[8];
            int64_t l = lacus_tokenizer_token_bytes(t, ids[0], b, sizeof b);
            CHECK(l == cases[i].len);
            CHECK(!memcmp(b, cases[i].s, (size_t)cases[i].len));
            CHECK(round_trip(t, cases[i].s, strlen(cases[i].s)) >= 1);
            lacus_tokenizer_free(t);
        }
    }

    TEST("round trips on the excerpt") test_round_trips(text, n, "excerpt");

    TEST("chars: one token per character")
    {
        lacus_tokenizer *t = train(LACUS_TOK_CHARS, 0, text, n);
        CHECK(round_trip(t, text, n) == count_chars(text, n));
        /* The excerpt has em dashes: the vocabulary has non-ASCII characters. */
        int has_dash = 0;
        for (int64_t i = 1; i < lacus_tokenizer_vocab_size(t); i++) {
            char b[8];
            int64_t l = lacus_tokenizer_token_bytes(t, (int32_t)i, b, 8);
            has_dash |= l == 3 && !memcmp(b, "\xE2\x80\x94", 3);
        }
        CHECK(has_dash);
        /* An unseen character is the unknown token. */
        int64_t m, unk;
        int32_t ids[4];
        CHECK_STATUS(lacus_tokenizer_encode(t, "a\xE2\x82\xAC", 4, ids, 4, &m, &unk, NULL), LACUS_OK);
        CHECK(m == 2 && unk == 1 && ids[1] == 0 && lacus_tokenizer_unk(t) == 0);
        lacus_tokenizer_free(t);
    }

    TEST("random UTF-8, valid and with invalid bytes")
    {
        for (int inv = 0; inv < 2; inv++) {
            size_t len;
            char *r = random_text(20000, inv, 1234 + (uint64_t)inv, &len);
            test_round_trips(r, len, inv ? "rand+bad" : "rand-utf8");
            if (!inv) {
                lacus_tokenizer *t = train(LACUS_TOK_CHARS, 0, r, len);
                CHECK(round_trip(t, r, len) == count_chars(r, len));
                lacus_tokenizer_free(t);
            }
            free(r);
        }
    }

    TEST("whole Moby-Dick (shared data folder, when present)")
    {
        const char *path = getenv("LACUS_MOBY");
        if (!path) path = "/work/shared/data/text/moby_dick.txt";
        size_t len;
        char *m = lt_read(path, &len);
        if (!m) printf("skipped: %s not found\n", path);
        else {
            test_round_trips(m, len, "moby-dick");
            free(m);
        }
    }

    TEST("words: vocabulary limit and unknown token")
    {
        lacus_tokenizer_params p = lacus_tokenizer_params_default();
        p.kind = LACUS_TOK_WORDS;
        p.vocab_size = 50;
        lacus_tokenizer *t = NULL;
        CHECK_STATUS(lacus_tokenizer_train(&p, text, n, &t, NULL), LACUS_OK);
        CHECK(lacus_tokenizer_vocab_size(t) == 51);
        int64_t m, unk;
        CHECK_STATUS(lacus_tokenizer_encode(t, text, n, NULL, 0, &m, &unk, NULL), LACUS_OK);
        CHECK(unk > 0 && unk < m);
        /* The chunking: " the" is one token (space attached), "," is one. */
        int32_t ids[8];
        CHECK_STATUS(lacus_tokenizer_encode(t, " the,", 5, ids, 8, &m, &unk, NULL), LACUS_OK);
        CHECK(m == 2 && unk == 0);
        char b[16];
        CHECK(lacus_tokenizer_token_bytes(t, ids[0], b, 16) == 4 && !memcmp(b, " the", 4));
        /* The most frequent token gets id 1; counts are non-increasing. */
        lacus_tokenizer_free(t);
    }

    TEST("bpe: first merge is the most frequent pair; merges shrink the text")
    {
        lacus_tokenizer *t = train(LACUS_TOK_BPE, 300, text, n);
        CHECK(lacus_tokenizer_vocab_size(t) == 300);
        /* Naive count of adjacent byte pairs inside chunks. */
        static int64_t cnt[256][256];
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n;) {
            /* chunk: optional space + alnum/high run, or one byte */
            size_t j = i;
            unsigned char c0 = (unsigned char)text[i];
#define WB(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9') || (c) >= 0x80)
            if (c0 == ' ' && i + 1 < n && WB((unsigned char)text[i + 1])) j++;
            if (!WB((unsigned char)text[j])) j = i + 1;
            else while (j < n && WB((unsigned char)text[j])) j++;
            for (size_t q = i; q + 1 < j; q++) cnt[(unsigned char)text[q]][(unsigned char)text[q + 1]]++;
            i = j;
        }
        int ba = 0, bb = 0;
        for (int a = 0; a < 256; a++)
            for (int b = 0; b < 256; b++)
                if (cnt[a][b] > cnt[ba][bb]) ba = a, bb = b;
        char tok[16];
        CHECK(lacus_tokenizer_token_bytes(t, 256, tok, 16) == 2);
        CHECK((unsigned char)tok[0] == ba && (unsigned char)tok[1] == bb);
        printf("first merge \"%c%c\" (%lld pairs)\n", ba, bb, (long long)cnt[ba][bb]);
        int64_t m300, m1k;
        CHECK_STATUS(lacus_tokenizer_encode(t, text, n, NULL, 0, &m300, NULL, NULL), LACUS_OK);
        lacus_tokenizer *t2 = train(LACUS_TOK_BPE, 1000, text, n);
        CHECK_STATUS(lacus_tokenizer_encode(t2, text, n, NULL, 0, &m1k, NULL, NULL), LACUS_OK);
        CHECK(m1k < m300 && m300 < (int64_t)n);
        /* Every learned token occurs in the training text. */
        for (int64_t i = 256; i < lacus_tokenizer_vocab_size(t2); i++) {
            char b[256];
            int64_t l = lacus_tokenizer_token_bytes(t2, (int32_t)i, b, sizeof b);
            CHECK(l >= 2 && l < 256 && memmem_found(text, n, b, (size_t)l));
        }
        lacus_tokenizer_free(t);
        lacus_tokenizer_free(t2);
    }

    TEST("save and load give the same ids")
    {
        static const lacus_tok_kind kinds[] = {LACUS_TOK_BYTES, LACUS_TOK_CHARS, LACUS_TOK_WORDS, LACUS_TOK_BPE};
        size_t len;
        char *r = random_text(3000, 1, 99, &len);
        char *mix = malloc(n + len);
        memcpy(mix, text, n);
        memcpy(mix + n, r, len);
        for (int k = 0; k < 4; k++) {
            lacus_tokenizer *t = train(kinds[k], kinds[k] == LACUS_TOK_BPE ? 400 : 0, mix, n + len), *u = NULL;
            lacus_error err = {0};
            const char *path = fx_tmp_path("tok.json");
            CHECK_STATUS(lacus_tokenizer_save(t, path, &err), LACUS_OK);
            CHECK_STATUS(lacus_tokenizer_load(path, &u, &err), LACUS_OK);
            if (!u) {
                fprintf(stderr, "load: %s\n", err.msg);
                continue;
            }
            CHECK(lacus_tokenizer_vocab_size(u) == lacus_tokenizer_vocab_size(t));
            int64_t a, b;
            lacus_tokenizer_encode(t, mix, n + len, NULL, 0, &a, NULL, NULL);
            int32_t *ia = malloc((size_t)a * 4), *ib = malloc((size_t)a * 4);
            lacus_tokenizer_encode(t, mix, n + len, ia, a, &a, NULL, NULL);
            CHECK_STATUS(lacus_tokenizer_encode(u, mix, n + len, ib, a, &b, NULL, NULL), LACUS_OK);
            CHECK(a == b && !memcmp(ia, ib, (size_t)a * 4));
            CHECK(round_trip(u, mix, n + len) == a);
            free(ia), free(ib);
            lacus_tokenizer_free(t);
            lacus_tokenizer_free(u);
        }
        free(r), free(mix);
    }

    TEST("malformed tokenizer files")
    {
        static const char *bad[] = {
            "not json", "{\"format\":\"other\"}",
            "{\"format\":\"lacus-tokenizer\",\"version\":2,\"kind\":\"bytes\",\"vocab_size\":256}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"bites\",\"vocab_size\":256}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"chars\",\"vocab_size\":3,\"tokens\":[98,97]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"chars\",\"vocab_size\":3,\"tokens\":[97]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"chars\",\"vocab_size\":2,\"tokens\":[55296]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"words\",\"vocab_size\":3,\"tokens\":[\"a\",\"a\"]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"words\",\"vocab_size\":2,\"tokens\":[\"\"]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"bpe\",\"vocab_size\":257,\"merges\":[[97,300]]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"bpe\",\"vocab_size\":258,\"merges\":[[97,98],[97,98]]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"bpe\",\"vocab_size\":257,\"merges\":[[97]]}",
            "{\"format\":\"lacus-tokenizer\",\"version\":1,\"kind\":\"bpe\",\"vocab_size\":1e30,\"merges\":[]}",
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            const char *path = fx_tmp_path("bad.json");
            FILE *f = fopen(path, "wb");
            fputs(bad[i], f);
            fclose(f);
            lacus_tokenizer *t = (lacus_tokenizer *)1;
            lacus_error err = {0};
            lacus_status s = lacus_tokenizer_load(path, &t, &err);
            CHECK(s == LACUS_ERR_FORMAT && t == NULL && strstr(err.msg, "bad.json"));
            if (s != LACUS_ERR_FORMAT) fprintf(stderr, "case %zu: %d %s\n", i, s, err.msg);
        }
        lacus_tokenizer *t = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tokenizer_load(fx_tmp_path("missing.json"), &t, &err), LACUS_ERR_IO);
    }

    TEST("bad arguments")
    {
        lacus_tokenizer_params p = lacus_tokenizer_params_default();
        lacus_tokenizer *t = NULL;
        lacus_error err = {0};
        CHECK_STATUS(lacus_tokenizer_train(&p, "", 0, &t, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "empty") != NULL);
        p.kind = LACUS_TOK_BPE;
        p.vocab_size = 100;
        CHECK_STATUS(lacus_tokenizer_train(&p, "abc", 3, &t, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "vocab_size = 100") != NULL);
        p.kind = LACUS_TOK_WORDS;
        p.vocab_size = 0;
        p.min_count = 5;
        CHECK_STATUS(lacus_tokenizer_train(&p, "a b c", 5, &t, &err), LACUS_ERR_ARG);
        p = lacus_tokenizer_params_default();
        CHECK_STATUS(lacus_tokenizer_train(&p, "abc", 3, &t, &err), LACUS_OK);
        int32_t ids[2] = {1, 7};
        size_t len;
        CHECK_STATUS(lacus_tokenizer_decode(t, ids, 2, NULL, 0, &len, &err), LACUS_ERR_ARG);
        CHECK(strstr(err.msg, "ids[1] = 7") != NULL);
        int64_t m;
        CHECK_STATUS(lacus_tokenizer_encode(t, "abc", 3, ids, 2, &m, NULL, &err), LACUS_ERR_SHAPE);
        CHECK(m == 3);
        lacus_tok_kind k;
        CHECK_STATUS(lacus_tok_kind_parse("wordz", &k, &err), LACUS_ERR_ARG);
        lacus_tokenizer_free(t);
    }
    free(text);
    TEST_MAIN_END();
}
