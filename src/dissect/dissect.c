/* Frame dispatch: link type -> link layer -> EtherType -> IP -> transport,
 * one pass in the shape of the kernel's flow dissector. */
#include <string.h>

#include <pcap/dlt.h>

#include "dissect_internal.h"
#include "portsniff/dissect.h"

/* Link types as stored in capture files. pcap_datalink() maps them to the
 * host's DLT_* (DLT_RAW is 12 or 14, DLT_LOOP 12 or 108 depending on the
 * OS), but a caller that passes a file's link type through unchanged hands
 * us these values. */
#define LINKTYPE_RAW_VALUE 101
#define LINKTYPE_LOOP_VALUE 108
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

typedef ps_packet_kind (*link_decoder)(cursor *c, ps_packet *pkt);

static link_decoder link_decoder_for(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB: return dissect_ether;
    case DLT_LINUX_SLL: return dissect_sll;
    case DLT_LINUX_SLL2: return dissect_sll2;
    case DLT_RAW: return dissect_raw_ip;
#if DLT_RAW != LINKTYPE_RAW_VALUE
    case LINKTYPE_RAW_VALUE: return dissect_raw_ip;
#endif
    case DLT_IPV4: return dissect_ipv4;
    case DLT_IPV6: return dissect_ipv6;
    case DLT_NULL: return dissect_null;
    case DLT_LOOP: return dissect_loop;
#if DLT_LOOP != LINKTYPE_LOOP_VALUE
    case LINKTYPE_LOOP_VALUE: return dissect_loop;
#endif
    default: return NULL;
    }
}

int dissect_link_supported(int dlt)
{
    return link_decoder_for(dlt) != NULL;
}

ps_packet_kind dissect_frame(int dlt, const uint8_t *data, uint32_t caplen,
                             uint32_t wire_len, int64_t ts_ns, ps_packet *pkt)
{
    /* One 88-byte clear is a handful of stores and also zeroes the padding,
     * so two views of the same frame compare equal byte for byte. */
    memset(pkt, 0, sizeof *pkt);
    pkt->ts_ns = ts_ns;
    pkt->cap_len = caplen;
    /* A record whose original length is below what was captured, or larger
     * than any frame, is damaged: its length is not counted anywhere. */
    if (wire_len < caplen || wire_len > PS_MAX_WIRE_LEN)
        return dissect_malformed(pkt, PS_MAL_BAD_RECORD_LENGTH);
    pkt->wire_len = wire_len;

    link_decoder decode = link_decoder_for(dlt);
    if (!decode)
        return dissect_set_kind(pkt, PS_PKT_UNSUPPORTED_LINK);
    cursor c;
    cursor_init(&c, data, caplen);
    return decode(&c, pkt);
}

ps_packet_kind dissect_ethertype(cursor *c, ps_packet *pkt, uint16_t ethertype)
{
    if (vlan_is_tag(ethertype)) {
        ps_malformed why = dissect_vlan_tags(c, pkt, &ethertype);
        if (why != PS_MAL_NONE)
            return dissect_malformed(pkt, why);
    }
    switch (ethertype) {
    case ETHERTYPE_IPV4: return dissect_ipv4(c, pkt);
    case ETHERTYPE_IPV6: return dissect_ipv6(c, pkt);
    default: return dissect_set_kind(pkt, PS_PKT_NON_IP);
    }
}

ps_packet_kind dissect_raw_ip(cursor *c, ps_packet *pkt)
{
    uint8_t first;
    /* With no byte there is not even a version nibble saying what the
     * frame carries. */
    if (!cursor_peek_u8(c, 0, &first))
        return dissect_malformed(pkt, PS_MAL_SHORT_LINK);
    switch (first >> 4) {
    case 4: return dissect_ipv4(c, pkt);
    case 6: return dissect_ipv6(c, pkt);
    default: return dissect_set_kind(pkt, PS_PKT_NON_IP);
    }
}

ps_packet_kind dissect_ip_payload(cursor *c, ps_packet *pkt, uint8_t proto)
{
    pkt->ip_proto = proto;
    switch (proto) {
    case IP_PROTO_TCP: return dissect_tcp(c, pkt);
    case IP_PROTO_UDP: return dissect_udp(c, pkt);
    case IP_PROTO_SCTP: return dissect_sctp(c, pkt);
    case IP_PROTO_DCCP: return dissect_dccp(c, pkt);
    default: return dissect_set_kind(pkt, PS_PKT_OTHER_IP);
    }
}
