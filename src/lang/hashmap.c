/* Open addressing with linear probing; tables double at 1/2 load. */
#include "lang/hashmap.h"

#include <string.h>

#include "core/alloc.h"

static uint64_t mix64(uint64_t x)
{ /* SplitMix64's finaliser: every key bit reaches every hash bit. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash_bytes(const char *s, size_t len)
{ /* FNV-1a, then mixed. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return mix64(h ^ len);
}

static int64_t pow2_at_least(int64_t n)
{
    int64_t c = 16;
    while (c < n) c <<= 1;
    return c;
}

static int64_t *new_slots(int64_t cap)
{
    int64_t *s = LACUS__NEW(int64_t, cap);
    if (s) memset(s, 0xff, (size_t)cap * sizeof *s); /* all -1 */
    return s;
}

lacus_status lacus__u64map_init(lacus__u64map *m, int64_t expected)
{
    memset(m, 0, sizeof *m);
    m->cap = pow2_at_least(2 * (expected > 0 ? expected : 1));
    m->keys = LACUS__NEW(uint64_t, m->cap);
    m->slots = new_slots(m->cap);
    m->dense_cap = m->cap / 2;
    m->dense = LACUS__NEW(uint64_t, m->dense_cap);
    if (!m->keys || !m->slots || !m->dense) {
        lacus__u64map_free(m);
        return LACUS_ERR_NOMEM;
    }
    return LACUS_OK;
}

void lacus__u64map_free(lacus__u64map *m)
{
    lacus__free(m->keys);
    lacus__free(m->slots);
    lacus__free(m->dense);
    memset(m, 0, sizeof *m);
}

int64_t lacus__u64map_find(const lacus__u64map *m, uint64_t key)
{
    uint64_t mask = (uint64_t)m->cap - 1;
    for (uint64_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m->slots[i] < 0) return -1;
        if (m->keys[i] == key) return m->slots[i];
    }
}

static int u64_grow(lacus__u64map *m)
{
    int64_t cap = m->cap * 2;
    uint64_t *keys = LACUS__NEW(uint64_t, cap);
    int64_t *slots = new_slots(cap);
    uint64_t *dense = lacus__realloc(m->dense, (size_t)(cap / 2) * sizeof *dense);
    if (!keys || !slots || !dense) {
        lacus__free(keys);
        lacus__free(slots);
        if (dense) m->dense = dense;
        return -1;
    }
    m->dense = dense;
    m->dense_cap = cap / 2;
    uint64_t mask = (uint64_t)cap - 1;
    for (int64_t j = 0; j < m->n; j++) {
        uint64_t i = mix64(m->dense[j]) & mask;
        while (slots[i] >= 0) i = (i + 1) & mask;
        keys[i] = m->dense[j];
        slots[i] = j;
    }
    lacus__free(m->keys);
    lacus__free(m->slots);
    m->keys = keys;
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int64_t lacus__u64map_insert(lacus__u64map *m, uint64_t key, int *is_new)
{
    if (is_new) *is_new = 0;
    uint64_t mask = (uint64_t)m->cap - 1;
    uint64_t i = mix64(key) & mask;
    for (; m->slots[i] >= 0; i = (i + 1) & mask)
        if (m->keys[i] == key) return m->slots[i];
    if (m->n + 1 > m->cap / 2) {
        if (u64_grow(m)) return -1;
        return lacus__u64map_insert(m, key, is_new);
    }
    m->keys[i] = key;
    m->slots[i] = m->n;
    m->dense[m->n] = key;
    if (is_new) *is_new = 1;
    return m->n++;
}

lacus_status lacus__strmap_init(lacus__strmap *m, int64_t expected)
{
    memset(m, 0, sizeof *m);
    m->cap = pow2_at_least(2 * (expected > 0 ? expected : 1));
    m->slots = new_slots(m->cap);
    m->dense_cap = m->cap / 2;
    m->hashes = LACUS__NEW(uint64_t, m->dense_cap);
    m->off = LACUS__NEW(size_t, m->dense_cap + 1);
    m->arena_cap = 1024;
    m->arena = lacus__malloc(m->arena_cap);
    if (!m->slots || !m->hashes || !m->off || !m->arena) {
        lacus__strmap_free(m);
        return LACUS_ERR_NOMEM;
    }
    m->off[0] = 0;
    return LACUS_OK;
}

void lacus__strmap_free(lacus__strmap *m)
{
    lacus__free(m->slots);
    lacus__free(m->hashes);
    lacus__free(m->off);
    lacus__free(m->arena);
    memset(m, 0, sizeof *m);
}

static int64_t str_probe(const lacus__strmap *m, const char *s, size_t len, uint64_t h,
                         uint64_t *pos)
{
    uint64_t mask = (uint64_t)m->cap - 1;
    for (uint64_t i = h & mask;; i = (i + 1) & mask) {
        int64_t j = m->slots[i];
        if (j < 0) {
            *pos = i;
            return -1;
        }
        if (m->hashes[j] == h && m->off[j + 1] - m->off[j] == len &&
            (len == 0 || !memcmp(m->arena + m->off[j], s, len)))
            return j;
    }
}

int64_t lacus__strmap_find(const lacus__strmap *m, const char *s, size_t len)
{
    uint64_t pos;
    return str_probe(m, s, len, hash_bytes(s, len), &pos);
}

static int str_grow(lacus__strmap *m)
{
    int64_t cap = m->cap * 2;
    int64_t *slots = new_slots(cap);
    uint64_t *hashes = lacus__realloc(m->hashes, (size_t)(cap / 2) * sizeof *hashes);
    if (hashes) m->hashes = hashes;
    size_t *off = lacus__realloc(m->off, (size_t)(cap / 2 + 1) * sizeof *off);
    if (off) m->off = off;
    if (!slots || !hashes || !off) {
        lacus__free(slots);
        return -1;
    }
    m->dense_cap = cap / 2;
    uint64_t mask = (uint64_t)cap - 1;
    for (int64_t j = 0; j < m->n; j++) {
        uint64_t i = m->hashes[j] & mask;
        while (slots[i] >= 0) i = (i + 1) & mask;
        slots[i] = j;
    }
    lacus__free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int64_t lacus__strmap_insert(lacus__strmap *m, const char *s, size_t len, int *is_new)
{
    if (is_new) *is_new = 0;
    uint64_t h = hash_bytes(s, len), pos;
    int64_t j = str_probe(m, s, len, h, &pos);
    if (j >= 0) return j;
    if (m->n + 1 > m->cap / 2) {
        if (str_grow(m)) return -1;
        return lacus__strmap_insert(m, s, len, is_new);
    }
    if (m->arena_len + len > m->arena_cap) {
        size_t c = m->arena_cap;
        while (c < m->arena_len + len) c *= 2;
        char *a = lacus__realloc(m->arena, c);
        if (!a) return -1;
        m->arena = a;
        m->arena_cap = c;
    }
    if (len) memcpy(m->arena + m->arena_len, s, len);
    m->arena_len += len;
    m->hashes[m->n] = h;
    m->off[m->n + 1] = m->arena_len;
    m->slots[pos] = m->n;
    if (is_new) *is_new = 1;
    return m->n++;
}
