/* Allocation-failure injection for tests (SQLite-style): oom_arm(k) installs
 * an allocator whose k-th call from now fails; oom_disarm() restores the
 * default; oom_reached() says whether the failure point was hit (if not, the
 * operation completed without meeting it). Counters are atomic because the
 * library may allocate from OpenMP threads. */
#ifndef LACUS_TEST_OOM_H
#define LACUS_TEST_OOM_H

#include <stdatomic.h>
#include <stdlib.h>

#include "lacus.h"

static atomic_long oom_calls_, oom_fail_at_;

static void *oom_malloc_(size_t n, void *u)
{
    (void)u;
    return atomic_fetch_add(&oom_calls_, 1) + 1 == atomic_load(&oom_fail_at_) ? NULL : malloc(n);
}
static void *oom_realloc_(void *p, size_t n, void *u)
{
    (void)u;
    return atomic_fetch_add(&oom_calls_, 1) + 1 == atomic_load(&oom_fail_at_) ? NULL : realloc(p, n);
}
static void oom_free_(void *p, void *u) { (void)u, free(p); }

static inline void oom_arm(long k)
{
    static const lacus_allocator a = {oom_malloc_, oom_realloc_, oom_free_, NULL};
    atomic_store(&oom_calls_, 0);
    atomic_store(&oom_fail_at_, k);
    lacus_set_allocator(&a);
}
static inline void oom_disarm(void) { lacus_set_allocator(NULL); }
static inline int oom_reached(void) { return atomic_load(&oom_calls_) >= atomic_load(&oom_fail_at_); }

#endif
