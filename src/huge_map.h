/* Anonymous memory mapped at a 2 MiB boundary and advised for transparent
 * huge pages: zero-filled, made resident as it is first touched, 2 MiB at a
 * time where the kernel grants huge pages (one fault instead of 512; on a
 * virtual machine a small page's fault can cost 10 us). For the large areas
 * touched at random from the first flows on: the fan-in sets and the flow
 * table's slabs, and the timeout rings once they are large. */
#ifndef PORTSNIFF_HUGE_MAP_H
#define PORTSNIFF_HUGE_MAP_H

#include <stddef.h>

#define HUGE_MAP_ALIGN ((size_t)2 << 20)

/* bytes of zeroed memory at a HUGE_MAP_ALIGN boundary, or NULL. */
void *huge_map(size_t bytes);
/* Gives back what huge_map(bytes) returned; NULL is ignored. */
void huge_unmap(void *p, size_t bytes);

#endif
