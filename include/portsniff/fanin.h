/* Fan-in across flows: for each endpoint (address, transport, port), how
 * many different ports its peers used. A server's port meets its clients on
 * a new port each time; a client's port meets one server. Each flow is
 * noted once, when it ends, and the counts of its two endpoints then tell
 * its server side without a handshake.
 *
 * The memory is fixed: PS_FANIN_SETS sets of PS_FANIN_WAYS endpoints, 8
 * bytes each (a 32-bit tag of the endpoint's hash and a 32-bit set of peer
 * port hashes), 2 MiB in all, allocated once. An endpoint that finds its set
 * full takes the place of the least recently noted endpoint seen with one
 * peer port only (a client's port, most likely), else of the least recently
 * noted one. The hash is fixed, so the answers depend on the input alone. */
#ifndef PORTSNIFF_FANIN_H
#define PORTSNIFF_FANIN_H

#include <stddef.h>
#include <stdint.h>

#define PS_FANIN_SETS 32768u
#define PS_FANIN_WAYS 8u
/* The peer ports of an endpoint fall into this many hash bins; the count
 * of bins set stands for the count of different peer ports. */
#define PS_FANIN_BINS 32u

typedef struct ps_endpoint {
    const uint8_t *addr;   /* 4 bytes for IPv4, 16 for IPv6 */
    uint64_t context;      /* address space (0: the capture's own) */
    uint16_t port;
    uint8_t  family;       /* 4 or 6 */
    uint8_t  transport;    /* ps_transport */
} ps_endpoint;

typedef struct ps_fanin ps_fanin;

ps_fanin *fanin_create(void);   /* NULL when out of memory */
void fanin_free(ps_fanin *f);
size_t fanin_bytes(void);       /* the fixed memory of one structure */

/* One flow between a and b: each endpoint is noted with the other's port.
 * Stores each one's count of peer ports after the note (as
 * fanin_peer_ports gives it) where the pointers are not NULL. */
void fanin_note_flow(ps_fanin *f, const ps_endpoint *a, const ps_endpoint *b, unsigned *peers_a,
                     unsigned *peers_b);
/* How many different peer ports e was noted with (bins set, up to
 * PS_FANIN_BINS); 0 when e is not held. */
unsigned fanin_peer_ports(const ps_fanin *f, const ps_endpoint *e);
/* Starts fetching the lines fanin_note_flow(f, a, b, ...) will touch: a
 * hint, for a caller that knows which flows end next. */
void fanin_prefetch(const ps_fanin *f, const ps_endpoint *a, const ps_endpoint *b);

#endif
