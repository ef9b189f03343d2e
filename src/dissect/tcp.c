/* TCP (RFC 9293 section 3.1). */
#include "dissect_internal.h"

#define TCP_HEADER_MIN 20
#define TCP_OFFSET_MIN 5        /* data offset in 32-bit words */

dissect_layer dissect_tcp(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    /* Only the fixed header is required: options may lie beyond a short
     * snaplen without hiding anything this pass uses. */
    if (!cursor_has(c, TCP_HEADER_MIN))
        return layer_malformed(pkt, PS_MAL_SHORT_TCP);
    const uint8_t *h = cursor_here(c);
    uint16_t sport = load_be16(h), dport = load_be16(h + 2);
    uint8_t offset_byte = h[12], flags = h[13];
    size_t tcp_offset = cursor_offset(c);
    pkt->tcp_seq = load_be32(h + 4);
    pkt->tcp_ack = load_be32(h + 8);
    cursor_skip(c, TCP_HEADER_MIN);
    pkt->transport = PS_TRANSPORT_TCP;
    pkt->sport = sport;
    pkt->dport = dport;
    if (offset_byte >> 4 < TCP_OFFSET_MIN)
        return layer_malformed(pkt, PS_MAL_BAD_TCP_OFFSET);
    pkt->tcp_flags = flags;
    /* The payload as the IP header's length says (a snaplen may have cut
     * what was captured of it): where the datagram ends, less where the
     * segment's data begins. */
    size_t data_at = tcp_offset + (size_t)(offset_byte >> 4) * 4;
    size_t ip_end = w->ip_offset + pkt->ip_bytes;
    size_t len = ip_end > data_at ? ip_end - data_at : 0;
    pkt->payload_len = len < UINT16_MAX ? (uint16_t)len : UINT16_MAX;
    return layer_done(pkt, PS_PKT_TRANSPORT);
}
