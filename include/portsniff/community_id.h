/* Community ID flow hashing, version 1 (the corelight community-id-spec):
 * one short string that Zeek, Suricata, Arkime, Elastic and portsniff all
 * compute the same way for the same flow, so records can be joined across
 * tools. SHA-1 and base64 come from nettle. */
#ifndef PORTSNIFF_COMMUNITY_ID_H
#define PORTSNIFF_COMMUNITY_ID_H

#include <stdint.h>

#include "portsniff/flow.h"

/* "1:" + 28 base64 characters + NUL */
#define PS_COMMUNITY_ID_SIZE 31
#define PS_COMMUNITY_ID_DIGEST 20

/* One direction of a flow as the spec sees it. For ICMP and ICMPv6 the ports
 * are the port equivalents of ps_icmp_port_equivalents() (type, and the
 * counterpart type or the code), and `one_way` is set for types without a
 * counterpart: those are hashed in the order given, everything else in the
 * spec's canonical order (lower address, then lower port, first). */
typedef struct ps_cid_tuple {
    int family;               /* 4 or 6 */
    uint8_t proto;            /* IP protocol number */
    uint8_t one_way;
    uint16_t sport, dport;    /* host order; ignored for protocols the spec hashes without ports */
    const uint8_t *saddr;     /* 4 or 16 bytes, network order */
    const uint8_t *daddr;
} ps_cid_tuple;

/* The SHA-1 digest of the spec's hash input for `t` with `seed`. */
void community_id_digest(uint16_t seed, const ps_cid_tuple *t, uint8_t digest[PS_COMMUNITY_ID_DIGEST]);
/* The Community ID string, e.g. "1:LQU9qZlK+B5F3KDmev6m5PMibrg=". */
void community_id_v1(uint16_t seed, const ps_cid_tuple *t, char out[PS_COMMUNITY_ID_SIZE]);
/* Whether the spec hashes ports for this IP protocol (TCP, UDP, SCTP, ICMP, ICMPv6). */
int community_id_has_ports(uint8_t proto);

/* The Community ID of a flow, hashed from its originator's side (which
 * only matters for one-way ICMP messages: the rest are put in canonical order). */
void community_id_flow(uint16_t seed, const ps_flow *flow, char out[PS_COMMUNITY_ID_SIZE]);

/* ICMP (family 4) or ICMPv6 (family 6) type and code as the spec's port
 * equivalents: *sport is the type; *dport is the type of the counterpart
 * message for request/response pairs (echo, timestamp, information, router
 * and neighbour discovery, address mask, MLD, node information, home agent
 * address discovery), else the code. Returns 1 when the type has no
 * counterpart (one-way), else 0. Zeek keys its ICMP connections the same way,
 * so a request and its reply fall in one flow. */
int ps_icmp_port_equivalents(int family, uint8_t type, uint8_t code, uint16_t *sport, uint16_t *dport);
/* 1 when `type` has a counterpart in that table. */
int ps_icmp_has_counterpart(int family, uint8_t type);
/* Whether a type with a counterpart is the request (echo, timestamp,
 * information, solicitations, MLD query, node information query, home agent
 * address discovery request) or the reply; PS_ICMP_ONE_WAY without one. */
enum { PS_ICMP_ONE_WAY = 0, PS_ICMP_REQUEST, PS_ICMP_REPLY };
int ps_icmp_role(int family, uint8_t type);

#endif
