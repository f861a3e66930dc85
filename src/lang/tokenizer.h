/* Private view of a tokenizer, shared by tokenizer.c (bytes, chars, words,
 * files) and bpe.c (training and encoding of byte-pair merges). */
#ifndef LACUS_LANG_TOKENIZER_H
#define LACUS_LANG_TOKENIZER_H

#include "lacus.h"
#include "lang/hashmap.h"

/* Code points above Unicode stand for an invalid byte b of the text: its
 * "character" is LACUS__RAW_BYTE + b. */
#define LACUS__RAW_BYTE 0x110000

struct lacus_tokenizer {
    lacus_tok_kind kind;
    int64_t V;
    char *bytes;        /* the bytes of every token, back to back */
    int64_t *off;       /* (V + 1) offsets into bytes */
    int32_t *cps;       /* chars: (V) code point of each id, sorted, cps[0] = -1 (unk) */
    lacus__strmap words;/* words: token bytes -> dense index; id = index + 1 */
    int32_t (*merges)[2]; /* bpe: (V - 256) pairs; merge r creates id 256 + r */
    lacus__u64map pairs;  /* bpe: (a << 32 | b) -> rank r */
};

/* Decodes one UTF-8 character at s[0..len), len >= 1: returns its byte
 * length and sets *cp; an invalid lead or continuation gives length 1 and
 * *cp = LACUS__RAW_BYTE + s[0]. */
int lacus__utf8_next(const unsigned char *s, size_t len, int32_t *cp);
/* Writes the bytes of a code point (or raw byte) into out[4]; returns the length. */
int lacus__utf8_put(int32_t cp, char *out);
/* End of the chunk that starts at pos (words and BPE chunks): an optional
 * single space then a run of word bytes, or one other byte. */
size_t lacus__chunk_end(const char *text, size_t len, size_t pos);

/* Allocates the tokenizer shell and its token-byte table for V tokens. */
lacus_status lacus__tok_alloc(lacus_tok_kind kind, int64_t V, size_t total_bytes,
                              lacus_tokenizer **out, lacus_error *err);
/* Tokenizers from stored vocabularies (tokenizer_io.c): code points sorted
 * and distinct (validated), or words in id order starting at id 1. */
lacus_status lacus__tok_make_bytes(lacus_tokenizer **out, lacus_error *err);
lacus_status lacus__tok_make_chars(const int32_t *cps, int64_t n, lacus_tokenizer **out,
                                   lacus_error *err);
lacus_status lacus__tok_make_words(const lacus__strmap *m, lacus_tokenizer **out,
                                   lacus_error *err);
/* The JSON text of a tokenizer file (free with cJSON_free), and a tokenizer
 * from such text; `name` labels error messages. */
char *lacus__tokenizer_to_json(const lacus_tokenizer *t);
lacus_status lacus__tokenizer_from_json(const char *buf, size_t len, const char *name,
                                        lacus_tokenizer **out, lacus_error *err);
/* BPE: learn merges, and fill a tokenizer whose merges are given. */
lacus_status lacus__bpe_train(const lacus_tokenizer_params *p, const char *text, size_t len,
                              lacus_tokenizer **out, lacus_error *err);
lacus_status lacus__bpe_from_merges(const int32_t (*merges)[2], int64_t n_merges,
                                    lacus_tokenizer **out, lacus_error *err);
lacus_status lacus__bpe_encode(const lacus_tokenizer *t, const char *text, size_t len,
                               int32_t *ids, int64_t cap, int64_t *n_ids, lacus_error *err);

#endif
