/* A spare flow slab made ready by a thread with time to spare. A growing
 * flow table takes a new 2 MiB slab every 13,000 flows or so, and the
 * kernel's zeroing of its pages on their first touch was the largest single
 * cost of a flood of new flows (a fifth of the time, most of it in one huge
 * page's clearing at a time). While a file is read ahead, the read-ahead
 * thread, which mostly waits for the decoder, allocates and faults in the
 * next slab before the table needs it; the table takes it instead of
 * allocating. One slab at most is held ready, and only once a table has
 * asked for a second slab, so a small capture costs nothing. */
#ifndef PORTSNIFF_SLAB_RESERVE_H
#define PORTSNIFF_SLAB_RESERVE_H

#include <stddef.h>

#define SLAB_RESERVE_BYTES (2u << 20)

/* The flow table's side (any thread): a ready slab of SLAB_RESERVE_BYTES,
 * aligned to its size and zeroed, or NULL (allocate one yourself). */
void *slab_reserve_take(void);
/* The table began a slab beyond its first: another will be wanted. */
void slab_reserve_want(void);

/* The helper thread's side: serving is switched on while the helper runs,
 * and off (freeing a slab left ready) after it has stopped. */
void slab_reserve_enable(void);
void slab_reserve_disable(void);
/* Called by the helper now and then: makes the wanted slab ready. */
void slab_reserve_serve(void);
/* Whether a slab is ready now (for tests). */
int slab_reserve_ready(void);

#endif
