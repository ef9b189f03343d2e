/* UDP (RFC 768). */
#include "dissect_internal.h"

#define UDP_HEADER_LEN 8

/* RFC 2675 section 4: a UDP datagram in an IPv6 jumbogram carries length 0,
 * and only a jumbogram has an IPv6 payload length of 0 as well. */
static int udp_in_jumbogram(const ps_packet *pkt)
{
    return pkt->family == 6 && pkt->ip_bytes == 40;
}

dissect_layer dissect_udp(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, UDP_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_UDP);
    const uint8_t *h = cursor_here(c);
    uint16_t sport = load_be16(h), dport = load_be16(h + 2), length = load_be16(h + 4);
    cursor_skip(c, UDP_HEADER_LEN);
    pkt->transport = PS_TRANSPORT_UDP;
    pkt->sport = sport;
    pkt->dport = dport;
    if (length < UDP_HEADER_LEN && !(length == 0 && udp_in_jumbogram(pkt)))
        return layer_malformed(pkt, PS_MAL_BAD_UDP_LENGTH);
    pkt->payload_len = length ? (uint16_t)(length - UDP_HEADER_LEN) : 0;
    pkt->kind = PS_PKT_TRANSPORT;
    /* A tunnel inside a fragment is left whole to the outer flow, as its
     * later fragments are (dissect_ip_payload). */
    if (!w->cfg->decap || pkt->frag != PS_FRAG_NONE)
        return LAYER_DONE;
    dissect_layer tunnel = dissect_udp_tunnel(w, sport, dport);
    if (tunnel != LAYER_DONE && length >= UDP_HEADER_LEN) {
        cursor payload;
        cursor_sub(c, length - UDP_HEADER_LEN, &payload);
        w->c = payload;
        w->udp_payload_len = length - UDP_HEADER_LEN;
    }
    return tunnel;
}
