/* Tokenizer files: JSON (cJSON), written atomically, validated on load.
 *   {"format": "lacus-tokenizer", "version": 1, "kind": "chars",
 *    "vocab_size": V, "tokens": [...]}        chars: code points (> 0x10FFFF:
 *                                              0x110000 + a raw byte)
 *                                              words: strings, or arrays of
 *                                              byte values for tokens that are
 *                                              not valid UTF-8 or hold a NUL
 *    "merges": [[a, b], ...]                   bpe */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "lang/tokenizer.h"

#define TOK_FORMAT "lacus-tokenizer"
#define TOK_VERSION 1

static int valid_utf8_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int l = lacus__utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (cp == 0 || cp >= LACUS__RAW_BYTE) return 0;
        i += (size_t)l;
    }
    return 1;
}

static cJSON *build(const lacus_tokenizer *t)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    cJSON_AddStringToObject(root, "format", TOK_FORMAT);
    cJSON_AddNumberToObject(root, "version", TOK_VERSION);
    cJSON_AddStringToObject(root, "kind", lacus_tok_kind_name(t->kind));
    cJSON_AddNumberToObject(root, "vocab_size", (double)t->V);
    cJSON *arr = cJSON_CreateArray();
    if (!arr) goto fail;
    if (t->kind == LACUS_TOK_CHARS) {
        cJSON_AddItemToObject(root, "tokens", arr);
        for (int64_t i = 1; i < t->V; i++) cJSON_AddItemToArray(arr, cJSON_CreateNumber(t->cps[i]));
    } else if (t->kind == LACUS_TOK_WORDS) {
        cJSON_AddItemToObject(root, "tokens", arr);
        for (int64_t i = 1; i < t->V; i++) {
            const char *b = t->bytes + t->off[i];
            size_t n = (size_t)(t->off[i + 1] - t->off[i]);
            if (valid_utf8_text(b, n)) {
                char *z = lacus__malloc(n + 1);
                if (!z) goto fail;
                memcpy(z, b, n);
                z[n] = 0;
                cJSON_AddItemToArray(arr, cJSON_CreateString(z));
                lacus__free(z);
            } else {
                cJSON *bytes = cJSON_CreateArray();
                for (size_t q = 0; q < n; q++)
                    cJSON_AddItemToArray(bytes, cJSON_CreateNumber((unsigned char)b[q]));
                cJSON_AddItemToArray(arr, bytes);
            }
        }
    } else if (t->kind == LACUS_TOK_BPE) {
        cJSON_AddItemToObject(root, "merges", arr);
        for (int64_t r = 0; r < t->V - 256; r++) {
            cJSON *pr = cJSON_CreateArray();
            cJSON_AddItemToArray(pr, cJSON_CreateNumber(t->merges[r][0]));
            cJSON_AddItemToArray(pr, cJSON_CreateNumber(t->merges[r][1]));
            cJSON_AddItemToArray(arr, pr);
        }
    } else {
        cJSON_Delete(arr);
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

static lacus_status write_text(FILE *f, const char *path, void *ctx, lacus_error *err)
{
    const char *s = ctx;
    return lacus__fwrite_all(f, s, strlen(s), path, err);
}

char *lacus__tokenizer_to_json(const lacus_tokenizer *t)
{
    cJSON *root = build(t);
    char *s = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return s;
}

lacus_status lacus_tokenizer_save(const lacus_tokenizer *t, const char *path, lacus_error *err)
{
    if (!t || !path) return lacus__fail(err, LACUS_ERR_ARG, "tokenizer save: NULL argument");
    char *s = lacus__tokenizer_to_json(t);
    if (!s) return lacus__fail(err, LACUS_ERR_NOMEM, "tokenizer save: out of memory");
    lacus_status st = lacus__write_atomic(path, write_text, s, err);
    cJSON_free(s);
    return st;
}

/* An integer-valued JSON number in [lo, hi]. */
static int get_int(const cJSON *x, double lo, double hi, int64_t *out)
{
    if (!cJSON_IsNumber(x)) return -1;
    double v = x->valuedouble;
    if (!(v >= lo && v <= hi) || v != (double)(int64_t)v) return -1;
    *out = (int64_t)v;
    return 0;
}

static lacus_status load_json(const cJSON *root, const char *path, lacus_tokenizer **out,
                              lacus_error *err)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(root, "vocab_size");
    int64_t v, V;
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, TOK_FORMAT))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: not a lacus tokenizer (\"format\" is not \"%s\")",
                           path, TOK_FORMAT);
    if (get_int(ver, 1, 1e9, &v) || v != TOK_VERSION)
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: tokenizer version must be %d", path, TOK_VERSION);
    lacus_tok_kind k;
    if (!cJSON_IsString(kind) || lacus_tok_kind_parse(kind->valuestring, &k, NULL))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: \"kind\" must be bytes, chars, words or bpe", path);
    if (get_int(vs, 1, (double)(1 << 24) + 1, &V))
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: \"vocab_size\" must be an integer in [1, 2^24]", path);
    lacus_status s = LACUS_OK;
    if (k == LACUS_TOK_BYTES) {
        s = lacus__tok_make_bytes(out, err);
    } else if (k == LACUS_TOK_CHARS || k == LACUS_TOK_WORDS) {
        const cJSON *tok = cJSON_GetObjectItemCaseSensitive(root, "tokens");
        if (!cJSON_IsArray(tok) || cJSON_GetArraySize(tok) != V - 1)
            return lacus__fail(err, LACUS_ERR_FORMAT, "%s: \"tokens\" must be an array of vocab_size - 1 = %lld",
                               path, (long long)(V - 1));
        if (k == LACUS_TOK_CHARS) {
            int32_t *cps = LACUS__NEW(int32_t, V);
            if (!cps) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
            int64_t i = 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, tok)
            {
                int64_t c;
                if (get_int(x, 0, LACUS__RAW_BYTE + 255, &c)) {
                    lacus__free(cps);
                    return lacus__fail(err, LACUS_ERR_FORMAT, "%s: tokens[%lld] is not a code point", path,
                                       (long long)i);
                }
                cps[i++] = (int32_t)c;
            }
            s = lacus__tok_make_chars(cps, V - 1, out, err);
            lacus__free(cps);
        } else {
            lacus__strmap m;
            if (lacus__strmap_init(&m, V)) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
            int64_t i = 0;
            const cJSON *x;
            char buf[4096];
            cJSON_ArrayForEach(x, tok)
            {
                size_t n = 0;
                const char *b = NULL;
                if (cJSON_IsString(x)) {
                    b = x->valuestring, n = strlen(b);
                } else if (cJSON_IsArray(x) && cJSON_GetArraySize(x) <= (int)sizeof buf) {
                    const cJSON *y;
                    cJSON_ArrayForEach(y, x)
                    {
                        int64_t c;
                        if (get_int(y, 0, 255, &c)) break;
                        buf[n++] = (char)c;
                    }
                    if (n != (size_t)cJSON_GetArraySize(x)) b = NULL;
                    else b = buf;
                }
                int is_new = 0;
                if (b && n > 0 && lacus__strmap_insert(&m, b, n, &is_new) < 0) {
                    lacus__strmap_free(&m);
                    return lacus__fail(err, LACUS_ERR_NOMEM, "%s: out of memory", path);
                }
                if (!b || n == 0 || !is_new) {
                    lacus__strmap_free(&m);
                    return lacus__fail(err, LACUS_ERR_FORMAT,
                                       "%s: tokens[%lld] is empty, malformed or a duplicate", path,
                                       (long long)i);
                }
                i++;
            }
            s = lacus__tok_make_words(&m, out, err);
            lacus__strmap_free(&m);
        }
    } else {
        const cJSON *mg = cJSON_GetObjectItemCaseSensitive(root, "merges");
        if (V < 256 || !cJSON_IsArray(mg) || cJSON_GetArraySize(mg) != V - 256)
            return lacus__fail(err, LACUS_ERR_FORMAT,
                               "%s: \"merges\" must be an array of vocab_size - 256 pairs", path);
        int32_t(*merges)[2] = lacus__malloc((size_t)(V - 256 + 1) * sizeof *merges);
        if (!merges) return lacus__fail(err, LACUS_ERR_NOMEM, "out of memory");
        int64_t r = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, mg)
        {
            int64_t a, b;
            if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) != 2 ||
                get_int(cJSON_GetArrayItem(x, 0), 0, 1 << 24, &a) ||
                get_int(cJSON_GetArrayItem(x, 1), 0, 1 << 24, &b)) {
                lacus__free(merges);
                return lacus__fail(err, LACUS_ERR_FORMAT, "%s: merges[%lld] is not a pair of ids", path,
                                   (long long)r);
            }
            merges[r][0] = (int32_t)a, merges[r][1] = (int32_t)b;
            r++;
        }
        s = lacus__bpe_from_merges((const int32_t(*)[2])merges, V - 256, out, err);
        lacus__free(merges);
    }
    if (!s && (*out)->V != V) {
        lacus_tokenizer_free(*out);
        *out = NULL;
        return lacus__fail(err, LACUS_ERR_FORMAT, "%s: vocab_size = %lld disagrees with the tokens", path,
                           (long long)V);
    }
    if (s) lacus__prefix(err, "%s: ", path);
    return s;
}

lacus_status lacus_tokenizer_load(const char *path, lacus_tokenizer **out, lacus_error *err)
{
    if (!out || !path) return lacus__fail(err, LACUS_ERR_ARG, "tokenizer load: NULL argument");
    *out = NULL;
    char *buf;
    size_t len;
    lacus_status s = lacus__read_file(path, &buf, &len, err);
    if (s) return s;
    s = lacus__tokenizer_from_json(buf, len, path, out, err);
    lacus__free(buf);
    return s;
}

lacus_status lacus__tokenizer_from_json(const char *buf, size_t len, const char *name,
                                        lacus_tokenizer **out, lacus_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    if (!root) return lacus__fail(err, LACUS_ERR_FORMAT, "%s: not valid JSON", name);
    lacus_status s = load_json(root, name, out, err);
    cJSON_Delete(root);
    return s;
}
