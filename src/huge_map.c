/* Aligned, huge-page-advised anonymous mappings (huge_map.h). */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#include "huge_map.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

static atomic_int use_pool;
static atomic_size_t pool_pages, pool_short;

void huge_map_use_pool(int on)
{
    atomic_store_explicit(&use_pool, on, memory_order_relaxed);
}

size_t huge_map_pool_pages(void)
{
    return atomic_load_explicit(&pool_pages, memory_order_relaxed);
}

size_t huge_map_pool_short(void)
{
    return atomic_load_explicit(&pool_short, memory_order_relaxed);
}

void huge_advise(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

/* A huge page needs the whole 2 MiB-aligned range in the mapping: sizes
 * are rounded up to whole huge pages. */
size_t huge_map_bytes(size_t bytes)
{
    return (bytes + HUGE_MAP_ALIGN - 1) & ~(HUGE_MAP_ALIGN - 1);
}

/* From the pool: the mapping reserves its pages when it is made, so it
 * either gets all of them or fails (no fault can find the pool empty
 * later), and comes aligned to its page size. */
static void *pool_map(size_t bytes)
{
#ifdef MAP_HUGETLB
    void *at = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
    if (at == MAP_FAILED)
        return NULL;
    atomic_fetch_add_explicit(&pool_pages, bytes / HUGE_MAP_ALIGN, memory_order_relaxed);
    return at;
#else
    (void)bytes;
    return NULL;
#endif
}

void *huge_map(size_t bytes)
{
    if (bytes == 0 || bytes > SIZE_MAX - 2 * HUGE_MAP_ALIGN)
        return NULL;
    if (atomic_load_explicit(&use_pool, memory_order_relaxed)) {
        void *at = pool_map(huge_map_bytes(bytes));
        if (at)
            return at;
        atomic_fetch_add_explicit(&pool_short, huge_map_bytes(bytes) / HUGE_MAP_ALIGN,
                                  memory_order_relaxed);
    }
    return huge_map_thp(bytes);
}

void *huge_map_thp(size_t bytes)
{
    /* Over-map by one alignment and trim both ends to the aligned part. */
    if (bytes == 0 || bytes > SIZE_MAX - 2 * HUGE_MAP_ALIGN)
        return NULL;
    bytes = huge_map_bytes(bytes);
    char *raw = mmap(NULL, bytes + HUGE_MAP_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    char *at = (char *)(((uintptr_t)raw + HUGE_MAP_ALIGN - 1) & ~(uintptr_t)(HUGE_MAP_ALIGN - 1));
    if (at > raw)
        munmap(raw, (size_t)(at - raw));
    if (raw + HUGE_MAP_ALIGN > at)
        munmap(at + bytes, (size_t)(raw + HUGE_MAP_ALIGN - at));
    huge_advise(at, bytes);
    return at;
}

/* A pool mapping is given back the same way: munmap with the length
 * rounded up to whole huge pages. */
void huge_unmap(void *p, size_t bytes)
{
    if (p)
        munmap(p, huge_map_bytes(bytes));
}

void *huge_slab_alloc(void)
{
    return huge_map(HUGE_MAP_ALIGN);
}

void huge_slab_free(void *p)
{
    huge_unmap(p, HUGE_MAP_ALIGN);
}
