/* Later IP fragments carry no ports. The first fragment does, so its flow is
 * remembered for a while under the datagram's identity: source, destination,
 * protocol and identification for IPv4 (RFC 791 section 2.3); source,
 * destination and identification for IPv6 (RFC 8200 section 4.5), whose later
 * fragments name the header after the fragment header, not the transport.
 *
 * Fragments are not always in order: a later fragment that arrives before its
 * first one is parked under the identity until the first fragment comes and
 * names the flow, as reassembly would do. */
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

/* Later fragments parked before their first fragment arrived. */
typedef struct ps_frag_parked {
    uint64_t pkts;
    uint64_t frame_bytes;    /* sum of wire_len */
    uint64_t ip_bytes;
    int64_t  last_ns;        /* latest timestamp among them */
} ps_frag_parked;

/* What the cache dropped during a call, added to by every call that takes it:
 * entries of either kind dropped to make room, and parked fragments whose
 * datagram left the cache before its first fragment arrived. */
typedef struct ps_frag_drops {
    uint64_t evictions;
    uint64_t unmatched;
} ps_frag_drops;

typedef struct ps_frag_cache ps_frag_cache;

/* Every entry is allocated here, up front; parked and first-fragment entries
 * share the max_entries. max_entries 0 disables the cache. A datagram's entry
 * is kept timeout_ns from its making (by its first fragment, or by the first
 * of its later fragments to be parked); 0 or less keeps it until evicted. */
ps_frag_cache *frag_cache_create(size_t max_entries, int64_t timeout_ns);
void frag_cache_destroy(ps_frag_cache *c);

/* Remember the flow of a first fragment (frag == PS_FRAG_FIRST). When later
 * fragments of the datagram were parked, their sums are moved to *parked for
 * the caller to credit to that flow; otherwise parked->pkts is 0. */
void frag_cache_insert(ps_frag_cache *c, const ps_packet *first, const ps_frag_ref *ref,
                       ps_frag_parked *parked, ps_frag_drops *drops);
/* A later fragment. Returns the flow of its datagram when the first fragment
 * is known (valid until the next call on the cache). Otherwise parks it and
 * sets *was_parked, or, when the cache is disabled, leaves *was_parked 0. */
const ps_frag_ref *frag_cache_later(ps_frag_cache *c, const ps_packet *later, int *was_parked,
                                    ps_frag_drops *drops);
/* Drop entries whose timeout passed at now_ns. */
void frag_cache_expire(ps_frag_cache *c, int64_t now_ns, ps_frag_drops *drops);
/* Drop every entry (end of input): parked fragments count as unmatched. */
void frag_cache_clear(ps_frag_cache *c, ps_frag_drops *drops);
size_t frag_cache_count(const ps_frag_cache *c);
/* The earliest time frag_cache_expire would drop something: INT64_MAX when
 * the cache is empty or keeps entries until evicted. */
int64_t frag_cache_next_expiry(const ps_frag_cache *c);

#endif
