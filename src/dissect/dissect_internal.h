/* Layer entry points of the dissector. Each takes a cursor positioned at the
 * start of its header (offsets stay frame-absolute), fills its part of the
 * packet view and hands the rest to the next layer, returning pkt->kind.
 * On PS_PKT_MALFORMED the fields decoded before the failure stay filled. */
#ifndef PORTSNIFF_DISSECT_INTERNAL_H
#define PORTSNIFF_DISSECT_INTERNAL_H

#include <stdint.h>

#include "cursor.h"
#include "portsniff/packet.h"

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,      /* IEEE 802.1Q C-tag */
    ETHERTYPE_QINQ = 0x88a8,      /* IEEE 802.1ad S-tag */
    ETHERTYPE_QINQ_OLD = 0x9100,  /* pre-802.1ad vendor S-tag, still seen in the field */
    /* IEEE 802.3: type/length values up to 1500 are lengths (802.3 + LLC),
     * 1536 and above are EtherTypes; between the two is undefined. */
    ETHERTYPE_MIN = 0x0600
};

enum {
    IP_PROTO_HOPOPTS = 0,
    IP_PROTO_TCP = 6,
    IP_PROTO_UDP = 17,
    IP_PROTO_DCCP = 33,
    IP_PROTO_ROUTING = 43,
    IP_PROTO_FRAGMENT = 44,
    IP_PROTO_ESP = 50,
    IP_PROTO_AH = 51,
    IP_PROTO_NONE = 59,
    IP_PROTO_DSTOPTS = 60,
    IP_PROTO_SCTP = 132,
    IP_PROTO_MOBILITY = 135,
    IP_PROTO_HIP = 139,
    IP_PROTO_SHIM6 = 140
};

/* Tags followed before a frame counts as PS_MAL_VLAN_DEPTH. */
#define DISSECT_MAX_VLAN_TAGS 8
/* IPv6 extension headers walked before PS_MAL_IPV6_EXT_CHAIN. */
#define DISSECT_MAX_IPV6_EXT 16

static inline ps_packet_kind dissect_set_kind(ps_packet *pkt, ps_packet_kind kind)
{
    pkt->kind = (uint8_t)kind;
    return kind;
}

static inline ps_packet_kind dissect_malformed(ps_packet *pkt, ps_malformed why)
{
    pkt->malformed = (uint8_t)why;
    return dissect_set_kind(pkt, PS_PKT_MALFORMED);
}

/* Link layers (ether.c, sll.c, null.c) */
ps_packet_kind dissect_ether(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_sll(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_sll2(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_null(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_loop(cursor *c, ps_packet *pkt);

/* An EtherType and what follows it, VLAN tags included (dissect.c). */
ps_packet_kind dissect_ethertype(cursor *c, ps_packet *pkt, uint16_t ethertype);
/* Raw IP: the version nibble picks IPv4 or IPv6 (dissect.c). */
ps_packet_kind dissect_raw_ip(cursor *c, ps_packet *pkt);

static inline int vlan_is_tag(uint16_t ethertype)
{
    return ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
           ethertype == ETHERTYPE_QINQ_OLD;
}

/* vlan.c: walks stacked tags; on success *ethertype is the inner type.
 * Returns PS_MAL_NONE or the reason to stop. */
ps_malformed dissect_vlan_tags(cursor *c, ps_packet *pkt, uint16_t *ethertype);

/* Network layers (ipv4.c, ipv6.c) */
ps_packet_kind dissect_ipv4(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_ipv6(cursor *c, ps_packet *pkt);
/* The payload of an IP datagram whose header said `proto` (dissect.c). */
ps_packet_kind dissect_ip_payload(cursor *c, ps_packet *pkt, uint8_t proto);

/* Transports (tcp.c, udp.c, sctp.c, dccp.c) */
ps_packet_kind dissect_tcp(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_udp(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_sctp(cursor *c, ps_packet *pkt);
ps_packet_kind dissect_dccp(cursor *c, ps_packet *pkt);

#endif
