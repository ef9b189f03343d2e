/* Transparent huge pages for the large areas touched at random, a line or
 * two per packet or flow: the flow table's slabs and buckets, the fan-in
 * sets, the timeout rings once they are large. A huge page is made resident
 * with one fault instead of 512 (a small page's first touch cost about 12 us
 * on the benchmark's virtual machine) and saves a TLB miss on most touches. */
#ifndef PORTSNIFF_HUGE_MAP_H
#define PORTSNIFF_HUGE_MAP_H

#include <stddef.h>

#define HUGE_MAP_ALIGN ((size_t)2 << 20)
/* An area that is written all over and grows from small beginnings (a
 * queue's ring, the flow table's buckets) is mapped with huge_map from this
 * size on: below it, the 2 MiB a huge page makes resident would be mostly
 * waste. */
#define HUGE_MAP_FROM ((size_t)256 << 10)

/* Advises [p, p + len) for huge pages: only advice, which the kernel may
 * refuse; the memory works the same. Whole 2 MiB-aligned parts benefit. */
void huge_advise(void *p, size_t len);
/* bytes of zeroed memory at a HUGE_MAP_ALIGN boundary, advised, or NULL.
 * The mapping is rounded up to whole huge pages (a huge page needs all of
 * its 2 MiB in the mapping); as with any huge page, touching a byte of one
 * makes all of it resident. With the pool switched on (huge_map_use_pool),
 * the pages come from the system's pool of reserved huge pages while it has
 * enough free, else as without it. */
void *huge_map(size_t bytes);
/* The same, never from the pool: for an area that is moved with mremap. */
void *huge_map_thp(size_t bytes);
/* Switches taking huge_map's pages from the system's pool of reserved 2 MiB
 * huge pages (hugetlbfs, vm.nr_hugepages) on or off. The pool's pages stay
 * with the system when a process gives them back, so a page taken from it
 * is only cleared, where a transparent huge page may first have to be
 * backed again by a virtual machine's host (README, "Benchmark"). Off by
 * default: the pool may be reserved for other software. */
void huge_map_use_pool(int on);
/* Huge pages huge_map has taken from the pool since the program began, and
 * those it asked the pool for in vain (then taken as without it). */
size_t huge_map_pool_pages(void);
size_t huge_map_pool_short(void);
/* A flow slab: HUGE_MAP_ALIGN bytes at a HUGE_MAP_ALIGN boundary, zeroed,
 * as huge_map gives them; NULL when memory is short. */
void *huge_slab_alloc(void);
void huge_slab_free(void *p);
/* The bytes huge_map(bytes) maps: bytes rounded up to whole huge pages. */
size_t huge_map_bytes(size_t bytes);
/* Gives back what huge_map(bytes) returned; NULL is ignored. */
void huge_unmap(void *p, size_t bytes);

#endif
