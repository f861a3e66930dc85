/* Two small open-addressing hash tables for the language layer: 64-bit keys
 * (n-grams packed into one word, pairs of token ids) and byte-string keys
 * (words, BPE chunks). Written here because Debian's C hash tables (glib's
 * GHashTable, uthash) either pull a large runtime in or allocate per entry
 * outside lacus's allocator, which the out-of-memory tests need.
 *
 * Each maps its key to a dense index 0, 1, 2, ... in insertion order, so
 * callers keep their per-entry data in plain arrays indexed by it. */
#ifndef LACUS_LANG_HASHMAP_H
#define LACUS_LANG_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lacus.h"

typedef struct lacus__u64map {
    uint64_t *keys;    /* (cap) */
    int64_t *slots;    /* (cap): dense index, or -1 when empty */
    int64_t cap, n;    /* cap is a power of two; n entries */
    uint64_t *dense;   /* (n) keys in insertion order */
    int64_t dense_cap;
} lacus__u64map;

lacus_status lacus__u64map_init(lacus__u64map *m, int64_t expected);
void lacus__u64map_free(lacus__u64map *m);
/* Index of key, or -1. */
int64_t lacus__u64map_find(const lacus__u64map *m, uint64_t key);
/* Index of key, inserting it if new (*is_new set when given). -1 on NOMEM. */
int64_t lacus__u64map_insert(lacus__u64map *m, uint64_t key, int *is_new);

typedef struct lacus__strmap {
    int64_t *slots;    /* (cap): dense index or -1 */
    uint64_t *hashes;  /* (n) */
    int64_t cap, n;
    char *arena;       /* the key bytes, back to back */
    size_t arena_len, arena_cap;
    size_t *off;       /* (n + 1) offsets of key i in arena */
    int64_t dense_cap;
} lacus__strmap;

lacus_status lacus__strmap_init(lacus__strmap *m, int64_t expected);
void lacus__strmap_free(lacus__strmap *m);
int64_t lacus__strmap_find(const lacus__strmap *m, const char *s, size_t len);
int64_t lacus__strmap_insert(lacus__strmap *m, const char *s, size_t len, int *is_new);
static inline const char *lacus__strmap_key(const lacus__strmap *m, int64_t i, size_t *len)
{
    *len = m->off[i + 1] - m->off[i];
    return m->arena + m->off[i];
}

#endif
