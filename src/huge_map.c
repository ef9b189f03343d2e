/* Aligned, huge-page-advised anonymous mappings (huge_map.h). */
#include <stdint.h>
#include <sys/mman.h>

#include "huge_map.h"

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

void *huge_map(size_t bytes)
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

void huge_unmap(void *p, size_t bytes)
{
    if (p)
        munmap(p, huge_map_bytes(bytes));
}
