#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "lacus.h"

static void *default_malloc(size_t size, void *user) { (void)user; return malloc(size); }
static void *default_realloc(void *p, size_t size, void *user) { (void)user; return realloc(p, size); }
static void default_free(void *p, void *user) { (void)user; free(p); }

/* Process-wide configuration, set once before use (see lacus_set_allocator);
 * it is the only global the library has, and it is never written while the
 * library runs. */
static lacus_allocator g_alloc = {default_malloc, default_realloc, default_free, NULL};

void lacus_set_allocator(const lacus_allocator *a)
{
    if (a && a->malloc_fn && a->realloc_fn && a->free_fn)
        g_alloc = *a;
    else
        g_alloc = (lacus_allocator){default_malloc, default_realloc, default_free, NULL};
}

void *lacus__malloc(size_t size) { return g_alloc.malloc_fn(size ? size : 1, g_alloc.user); }

void *lacus__realloc(void *ptr, size_t size)
{
    return g_alloc.realloc_fn(ptr, size ? size : 1, g_alloc.user);
}

void lacus__free(void *ptr)
{
    if (ptr) g_alloc.free_fn(ptr, g_alloc.user);
}

void lacus_free(void *ptr) { lacus__free(ptr); }

void *lacus__alloc_array(int64_t n, size_t size)
{
    if (n < 0 || (size && (uint64_t)n > SIZE_MAX / size)) return NULL;
    return lacus__malloc((size_t)n * size);
}

void *lacus__calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = lacus__malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *lacus__calloc_array(int64_t n, size_t size)
{
    if (n < 0) return NULL;
    return lacus__calloc((size_t)n, size);
}

char *lacus__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = lacus__malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
