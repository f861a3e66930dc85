/* The one internal allocator. All library memory goes through these, so a
 * test can install a failing allocator (lacus_set_allocator) and check that
 * every out-of-memory path returns LACUS_ERR_NOMEM cleanly. Sizes are
 * checked for overflow: lacus__alloc_array(n, size) fails rather than wrap. */
#ifndef LACUS_CORE_ALLOC_H
#define LACUS_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *lacus__malloc(size_t size);
void *lacus__calloc(size_t n, size_t size);
void *lacus__realloc(void *ptr, size_t size);
void lacus__free(void *ptr);
/* n * size bytes, or NULL on overflow or failure; n may be an int64_t count. */
void *lacus__alloc_array(int64_t n, size_t size);
void *lacus__calloc_array(int64_t n, size_t size);
char *lacus__strdup(const char *s);

#define LACUS__NEW(type, n) ((type *)lacus__alloc_array((n), sizeof(type)))
#define LACUS__ZNEW(type, n) ((type *)lacus__calloc_array((n), sizeof(type)))

#endif
