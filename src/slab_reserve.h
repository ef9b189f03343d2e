/* Spare flow slabs made ready by a thread of their own. A growing flow
 * table takes a new 2 MiB slab every 13,000 flows or so, and the kernel's
 * zeroing of its pages on their first touch was the largest single cost of
 * a flood of new flows: on the benchmark's virtual machine 0.2 to 5 ms a
 * slab, depending on whether the host had backed that memory yet, most of
 * the CPU a flood of a million flows takes. A helper thread allocates and
 * faults in the next slabs before the table needs them; the table takes one
 * instead of allocating. The helper starts only once a table has asked for
 * a second slab while serving is on, so a small capture starts no thread,
 * and it holds at most SLAB_RESERVE_DEPTH slabs ready. Any number of
 * tables may take from it, from any thread. It also makes a growing area's
 * fresh part resident before the table writes there (the timeout rings'
 * new halves: slab_reserve_populate). */
#ifndef PORTSNIFF_SLAB_RESERVE_H
#define PORTSNIFF_SLAB_RESERVE_H

#include <stddef.h>

#define SLAB_RESERVE_BYTES (2u << 20)
#define SLAB_RESERVE_DEPTH 2

/* The flow table's side (any thread): a ready slab of SLAB_RESERVE_BYTES,
 * aligned to its size and zeroed, or NULL (allocate one yourself). */
void *slab_reserve_take(void);
/* The table began a slab beyond its first: more will be wanted. Starts the
 * helper on the first call while serving is on. */
void slab_reserve_want(void);

/* Asks the helper to make [p, p + len) resident (MADV_POPULATE_WRITE),
 * leaving what is there as it is: a growing area's fresh part, which the
 * caller goes on writing meanwhile. Only while serving is on; starts the
 * helper as slab_reserve_want does; at most SLAB_RESERVE_RANGES requests
 * wait at once (more are dropped: the caller's first touches then pay, as
 * without a helper). The range may be unmapped or moved before the helper
 * gets to it: populating what is, or is no longer, mapped there changes no
 * memory's contents. A kernel without MADV_POPULATE_WRITE (before 5.14)
 * does nothing. */
#define SLAB_RESERVE_RANGES 4
void slab_reserve_populate(void *p, size_t len);

/* Serving is switched on by the program's run and off after the tables'
 * threads have stopped asking: off stops the helper (waiting for the slab
 * it is clearing) and frees the slabs left ready. */
void slab_reserve_enable(void);
void slab_reserve_disable(void);
/* Serving off and the helper told to stop, without waiting for it: the
 * slab or step it is in the middle of (up to a few ms on a virtual machine)
 * then ends while the caller does other work, and slab_reserve_disable,
 * later, waits for what is left of it and frees the slabs. */
void slab_reserve_stop(void);

/* For tests: waits until the helper has served every request made so far
 * (returns at once when it has not started); then the number of slabs
 * ready, whether a helper thread runs, and the slabs made and taken since
 * the program began. */
void slab_reserve_settle(void);
unsigned slab_reserve_ready(void);
int slab_reserve_running(void);
void slab_reserve_counts(unsigned long *made, unsigned long *taken);
/* Bytes the helper has made resident for slab_reserve_populate. */
unsigned long slab_reserve_populated(void);
/* The running helper's nice value (19), or -100 when none runs. */
int slab_reserve_nice(void);

#endif
