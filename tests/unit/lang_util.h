/* Shared helpers of the language tests: reading the text fixtures,
 * encoding them. */
#ifndef LACUS_TEST_LANG_UTIL_H
#define LACUS_TEST_LANG_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "lacus.h"

/* Whole file into a malloc'd buffer (NULL if it cannot be read). */
static inline char *lt_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = 0, *len = (size_t)n;
    return b;
}

/* The committed Moby-Dick excerpt (tests/fixtures/lang/moby_excerpt.txt). */
static inline char *lt_excerpt(size_t *len)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/lang/moby_excerpt.txt", fx_dir());
    char *b = lt_read(p, len);
    if (!b) {
        fprintf(stderr, "cannot read fixture %s\n", p);
        exit(2);
    }
    return b;
}

/* Deterministic generator for test data, independent of the library's RNG. */
static inline uint64_t lt_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 17;
}

/* The token ids of s (malloc'd, *m of them): the size query, then the ids. */
static inline int32_t *lt_encode(const lacus_tokenizer *t, const char *s, size_t n, int64_t *m)
{
    lacus_tokenizer_encode(t, s, n, NULL, 0, m, NULL, NULL);
    int32_t *ids = malloc((size_t)*m * sizeof *ids);
    lacus_tokenizer_encode(t, s, n, ids, *m, m, NULL, NULL);
    return ids;
}

/* The excerpt (*text, *n bytes), the default tokenizer trained on it
 * (*tok) and the excerpt's ids (*ids, *n_ids of them); returns the
 * training's status. */
static inline lacus_status lt_excerpt_ids(char **text, size_t *n, lacus_tokenizer **tok,
                                          int32_t **ids, int64_t *n_ids)
{
    *text = lt_excerpt(n);
    lacus_tokenizer_params tp = lacus_tokenizer_params_default();
    lacus_status st = lacus_tokenizer_train(&tp, *text, *n, tok, NULL);
    *ids = st ? NULL : lt_encode(*tok, *text, *n, n_ids);
    return st;
}

#endif
