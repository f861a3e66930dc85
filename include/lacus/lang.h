/* lacus/lang.h — tokenizers, n-gram language models with modified Kneser-Ney
 * smoothing, and compressor floors. Part of the public API: include
 * <lacus.h>, which includes this file; the conventions of lacus.h hold here.
 * The reservoir language models are in lacus/lm.h. */
#ifndef LACUS_LANG_H
#define LACUS_LANG_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/lang.h>"
#endif

/* ------------------------------------------------------------------------ */
/* Tokenizers                                                               */
/* ------------------------------------------------------------------------ */

/*
 * Four kinds, all mapping a byte string to token ids (int32, 0 <= id < V) and
 * back:
 *
 * LACUS_TOK_BYTES  one token per byte, V = 256. Round-trips every byte string.
 * LACUS_TOK_CHARS  one token per UTF-8 character. The vocabulary is the set
 *   of characters seen in training (sorted by code point) plus id 0, the
 *   unknown token. A byte that does not start a valid UTF-8 sequence
 *   (overlong forms, surrogates and values above U+10FFFF included) is a
 *   "character" of its own, so every byte string has a tokenization;
 *   encode/decode round-trip exactly whenever every character of the text was
 *   seen in training. An unseen character encodes to 0, which decodes to
 *   U+FFFD.
 * LACUS_TOK_WORDS  words: a token is either an optional single space followed
 *   by a run of word bytes (ASCII letters and digits, and every byte >= 0x80,
 *   so non-ASCII letters stay inside words), or any other single byte
 *   (punctuation, newline, a second space). The vocabulary keeps the
 *   max_vocab most frequent tokens with at least min_count occurrences
 *   (ties broken by byte order), plus id 0 = unknown, which decodes to
 *   "<unk>". Round-trips exactly when no token is unknown.
 * LACUS_TOK_BPE    byte-level byte-pair encoding (Sennrich et al. 2016, as in
 *   GPT-2 without its regular expression): ids 0..255 are the bytes; training
 *   repeatedly merges the most frequent adjacent pair inside the chunks of
 *   the words tokenizer (ties: the smallest pair of ids), adding one id per
 *   merge, until V = vocab_size or no pair occurs twice. Encoding applies the
 *   learned merges to each chunk in the order they were learned (lowest rank
 *   first), so it reproduces the training segmentation. Round-trips every
 *   byte string.
 */
typedef enum lacus_tok_kind {
    LACUS_TOK_BYTES = 0,
    LACUS_TOK_CHARS = 1,
    LACUS_TOK_WORDS = 2,
    LACUS_TOK_BPE = 3
} lacus_tok_kind;

/* "bytes", "chars", "words", "bpe". */
const char *lacus_tok_kind_name(lacus_tok_kind k);
lacus_status lacus_tok_kind_parse(const char *name, lacus_tok_kind *out, lacus_error *err);

typedef struct lacus_tokenizer_params {
    lacus_tok_kind kind; /* default chars */
    int64_t vocab_size;  /* bpe: final V in [256, 2^20], default 1024;
                            words: most frequent kept (0: all), default 0 */
    int64_t min_count;   /* words: keep tokens seen at least this often; default 1 */
} lacus_tokenizer_params;

lacus_tokenizer_params lacus_tokenizer_params_default(void);

typedef struct lacus_tokenizer lacus_tokenizer;

/* Learns a vocabulary (and merges) from text[0..len). Bytes need no text
 * (text may be NULL when len == 0). Empty training text is an error for the
 * other kinds. */
lacus_status lacus_tokenizer_train(const lacus_tokenizer_params *p, const char *text, size_t len,
                                   lacus_tokenizer **out, lacus_error *err);
void lacus_tokenizer_free(lacus_tokenizer *t);
lacus_tok_kind lacus_tokenizer_kind(const lacus_tokenizer *t);
/* V: the number of token ids. */
int64_t lacus_tokenizer_vocab_size(const lacus_tokenizer *t);
/* The id of the unknown token, or -1 for bytes and bpe (which have none). */
int32_t lacus_tokenizer_unk(const lacus_tokenizer *t);

/* Encodes text[0..len). ids may be NULL (size query); otherwise up to cap ids
 * are written and *n_ids receives the total number the text needs (if it is
 * larger than cap, nothing beyond cap is written and LACUS_ERR_SHAPE is
 * returned). *n_unk (optional) counts unknown tokens. Thread-safe for
 * concurrent calls on one tokenizer (it is read only). */
lacus_status lacus_tokenizer_encode(const lacus_tokenizer *t, const char *text, size_t len,
                                    int32_t *ids, int64_t cap, int64_t *n_ids, int64_t *n_unk,
                                    lacus_error *err);
/* Decodes ids[0..n) into buf (size query with buf == NULL); *len_out gets
 * the byte length needed. No NUL is written. An id outside [0, V) is
 * LACUS_ERR_ARG naming its index. */
lacus_status lacus_tokenizer_decode(const lacus_tokenizer *t, const int32_t *ids, int64_t n,
                                    char *buf, size_t cap, size_t *len_out, lacus_error *err);
/* The bytes of one token (for printing a vocabulary): writes up to cap bytes
 * and returns the full length, or -1 for an id out of range. */
int64_t lacus_tokenizer_token_bytes(const lacus_tokenizer *t, int32_t id, char *buf, size_t cap);

/* A tokenizer file is JSON: {"format": "lacus-tokenizer", "version": 1,
 * "kind": ..., "tokens": [...] or "merges": [[a, b], ...]}. Written
 * atomically; loading validates everything (kind, ids, lengths, duplicates). */
lacus_status lacus_tokenizer_save(const lacus_tokenizer *t, const char *path, lacus_error *err);
lacus_status lacus_tokenizer_load(const char *path, lacus_tokenizer **out, lacus_error *err);

/* ------------------------------------------------------------------------ */
/* n-gram language model, interpolated modified Kneser-Ney                   */
/* ------------------------------------------------------------------------ */

/*
 * Chen & Goodman (1998, "An empirical study of smoothing techniques for
 * language modeling", TR-10-98, eqs. 17-19), interpolated form:
 *
 *   p_k(w | h) = max(c_k(h w) - D_k(c_k(h w)), 0) / sum_v c_k(h v)
 *              + gamma_k(h) p_{k-1}(w | h'),   h' = h without its first token
 *   gamma_k(h) = (D_k1 N1(h .) + D_k2 N2(h .) + D_k3+ N3+(h .)) / sum_v c_k(h v)
 *   p_0(w) = 1 / V
 *
 * c_k is the raw count at the highest order n and the continuation count
 * N1+(. h w) (number of distinct tokens seen before h w) at lower orders.
 * The three discounts of each order come from the count-of-counts n1..n4 of
 * that order's counts: Y = n1 / (n1 + 2 n2), D1 = 1 - 2Y n2/n1,
 * D2 = 2 - 3Y n3/n2, D3+ = 3 - 4Y n4/n3 (clamped to [0, c] when counts are
 * too sparse for the formula). A history never seen at order k (sum = 0)
 * passes straight to order k-1. The distribution over the V ids sums to 1
 * for every history.
 *
 * Orders 1..6; the key of an n-gram packs its ids into 64 bits, so
 * order * ceil(log2(V)) must be <= 64 (a character vocabulary allows order
 * 6 up to V = 1024; words with V = 65,536 allow order 4).
 */
typedef struct lacus_ngram lacus_ngram;

/* Counts ids[0..n) (every id in [0, V)) and computes the discounts. */
lacus_status lacus_ngram_train(const int32_t *ids, int64_t n, int64_t vocab_size, int order,
                               lacus_ngram **out, lacus_error *err);
void lacus_ngram_free(lacus_ngram *m);
int lacus_ngram_order(const lacus_ngram *m);
/* D1, D2, D3+ of order k (1 <= k <= order) into D[3]. */
lacus_status lacus_ngram_discounts(const lacus_ngram *m, int k, double D[3]);
/* Number of distinct n-grams of order k seen in training. */
int64_t lacus_ngram_count_types(const lacus_ngram *m, int k);
/* p(w | history) for every w: hist holds the n_hist most recent ids (oldest
 * first; only the last order-1 are used; fewer at the start of a text),
 * probs (V). */
lacus_status lacus_ngram_probs(const lacus_ngram *m, const int32_t *hist, int64_t n_hist,
                               double *probs);
/* Total -log2 p of ids[start..n) given everything before it (ids[0..start)
 * serves as history only). *bits receives the sum. */
lacus_status lacus_ngram_score(const lacus_ngram *m, const int32_t *ids, int64_t n, int64_t start,
                               double *bits, lacus_error *err);
/* Unigram maximum likelihood with add-one smoothing over V, for the bottom
 * rung of the goal ladder: bits of ids[start..n) under counts of train. */
lacus_status lacus_unigram_bits(const int32_t *train, int64_t n_train, const int32_t *test,
                                int64_t n_test, int64_t vocab_size, double *bits,
                                lacus_error *err);

/* ------------------------------------------------------------------------ */
/* Compressor floors                                                        */
/* ------------------------------------------------------------------------ */

/*
 * Compressed sizes measured with the real libraries (liblzma: xz preset 9
 * extreme; libbz2: block size 900k), as floors for a language model's bits
 * per byte. For a held-out split, the fair number is the conditional cost:
 *   bits(test | train) = 8 * (size(train + test) - size(train)),
 * what the compressor pays for the test bytes once it has seen the rest.
 */
typedef enum lacus_compressor { LACUS_COMP_XZ = 0, LACUS_COMP_BZIP2 = 1 } lacus_compressor;
const char *lacus_compressor_name(lacus_compressor c);
/* Compressed size in bytes of data[0..len). */
lacus_status lacus_compressed_size(lacus_compressor c, const char *data, size_t len,
                                   size_t *out, lacus_error *err);

#endif /* LACUS_LANG_H */
