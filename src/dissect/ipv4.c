/* IPv4 (RFC 791). */
#include "dissect_internal.h"

#define IPV4_HEADER_MIN 20
#define IPV4_FLAG_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

/* Linux hands outgoing TCP segments to the capture before segmentation
 * offload splits them, and the stack leaves the total length 0 on those
 * super-packets (tcpdump reports "bad-len 0" and guesses TSO as well).
 * The datagram then spans the rest of the frame as it went on the wire. */
static uint32_t tso_ip_bytes(const ps_packet *pkt, size_t ip_offset)
{
    return pkt->wire_len > ip_offset ? (uint32_t)(pkt->wire_len - ip_offset) : 0;
}

/* Sets ip_bytes and bounds the payload by the total length. A snaplen may
 * cut the payload; the header's length still rules where the datagram
 * ends, so Ethernet padding is not read as data. */
static ps_malformed ipv4_payload(const cursor *c, ps_packet *pkt, size_t ip_offset,
                                 uint16_t total_len, size_t header_len, cursor *payload)
{
    if (total_len == 0) {
        pkt->ip_bytes = tso_ip_bytes(pkt, ip_offset);
        *payload = *c;
        return PS_MAL_NONE;
    }
    if (total_len < header_len)
        return PS_MAL_BAD_IPV4_LENGTH;
    pkt->ip_bytes = total_len;
    cursor_sub(c, total_len - header_len, payload);
    return PS_MAL_NONE;
}

static dissect_layer ipv4_later_fragment(ps_packet *pkt, uint8_t proto)
{
    pkt->frag = PS_FRAG_LATER;
    pkt->ip_proto = proto;
    pkt->transport = (uint8_t)ps_transport_from_ip_proto(proto, 4);
    return layer_done(pkt, PS_PKT_FRAGMENT);
}

dissect_layer dissect_ipv4(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    size_t ip_offset = cursor_offset(c);
    uint8_t version_ihl;

    if (!cursor_peek_u8(c, 0, &version_ihl))
        return layer_malformed(pkt, PS_MAL_SHORT_IPV4);
    if (version_ihl >> 4 != 4)
        return layer_malformed(pkt, PS_MAL_BAD_IPV4_VERSION);
    size_t header_len = (size_t)(version_ihl & 0x0f) * 4;
    if (header_len < IPV4_HEADER_MIN)
        return layer_malformed(pkt, PS_MAL_BAD_IPV4_IHL);
    /* Options are skipped, but they must be captured: the transport header
     * the rest of the pass needs lies behind them. */
    if (!cursor_has(c, header_len))
        return layer_malformed(pkt, PS_MAL_SHORT_IPV4);
    const uint8_t *h = cursor_here(c);
    uint16_t total_len = load_be16(h + 2);
    uint16_t ident = load_be16(h + 4);
    uint16_t frag = load_be16(h + 6);
    uint8_t proto = h[9];
    memcpy(pkt->src, h + 12, 4);
    memcpy(pkt->dst, h + 16, 4);
    cursor_skip(c, header_len);

    pkt->family = 4;
    w->ip_offset = ip_offset;
    pkt->frag_id = ident;
    cursor payload;
    ps_malformed why = ipv4_payload(c, pkt, ip_offset, total_len, header_len, &payload);
    if (why != PS_MAL_NONE)
        return layer_malformed(pkt, why);

    if (frag & IPV4_OFFSET_MASK)
        return ipv4_later_fragment(pkt, proto);
    if (frag & IPV4_FLAG_MF)
        pkt->frag = PS_FRAG_FIRST;
    w->c = payload;
    return dissect_ip_payload(w, pkt, proto);
}
