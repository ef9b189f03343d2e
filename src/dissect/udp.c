/* UDP (RFC 768). */
#include "dissect_internal.h"

#define UDP_HEADER_LEN 8

/* RFC 2675 section 4: a UDP datagram in an IPv6 jumbogram carries length 0,
 * and only a jumbogram has an IPv6 payload length of 0 as well. */
static int udp_in_jumbogram(const ps_packet *pkt)
{
    return pkt->family == 6 && pkt->ip_bytes == 40;
}

ps_packet_kind dissect_udp(cursor *c, ps_packet *pkt)
{
    uint16_t sport, dport, length;

    if (!cursor_has(c, UDP_HEADER_LEN) || !cursor_u16(c, &sport) ||
        !cursor_u16(c, &dport) || !cursor_u16(c, &length))
        return dissect_malformed(pkt, PS_MAL_SHORT_UDP);
    pkt->transport = PS_TRANSPORT_UDP;
    pkt->sport = sport;
    pkt->dport = dport;
    if (length < UDP_HEADER_LEN && !(length == 0 && udp_in_jumbogram(pkt)))
        return dissect_malformed(pkt, PS_MAL_BAD_UDP_LENGTH);
    return dissect_set_kind(pkt, PS_PKT_TRANSPORT);
}
