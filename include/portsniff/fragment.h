/* Later IP fragments carry no ports. The first fragment does, so its flow is
 * remembered for a while under the datagram's identity (RFC 791 section 2.3,
 * RFC 8200 section 4.5: source, destination, protocol, identification). */
#ifndef PORTSNIFF_FRAGMENT_H
#define PORTSNIFF_FRAGMENT_H

#include <stddef.h>
#include <stdint.h>
#include "portsniff/flow.h"
#include "portsniff/packet.h"

/* Which flow a datagram's first fragment was counted to. flow_first_ns tells
 * that flow apart from a later flow on the same 5-tuple. */
typedef struct ps_frag_ref {
    ps_flow_key key;
    int64_t flow_first_ns;
    uint8_t sender_is_b;
} ps_frag_ref;

typedef struct ps_frag_cache ps_frag_cache;

/* Every entry is allocated here, up front. max_entries 0 disables the cache. */
ps_frag_cache *frag_cache_create(size_t max_entries, int64_t timeout_ns);
void frag_cache_destroy(ps_frag_cache *c);

/* Remember the flow of a first fragment (frag == PS_FRAG_FIRST). Returns 1 when
 * the oldest entry had to be dropped to make room, else 0. */
int frag_cache_insert(ps_frag_cache *c, const ps_packet *first, const ps_frag_ref *ref);
/* The flow of a later fragment's datagram, or NULL when its first fragment was
 * not seen, timed out or was evicted. Valid until the next call on the cache. */
const ps_frag_ref *frag_cache_lookup(ps_frag_cache *c, const ps_packet *later);
/* Drop entries older than the timeout at now_ns. */
void frag_cache_expire(ps_frag_cache *c, int64_t now_ns);
size_t frag_cache_count(const ps_frag_cache *c);

#endif
