/* ICMP (RFC 792) and ICMPv6 (RFC 4443) as flows: the type and code stand in
 * for ports the way Zeek and the Community ID spec take them, the type as
 * the source port and, as the destination port, the type of the message's
 * counterpart (echo request and reply, solicitation and advertisement...)
 * or, for a message without one, the code. A request and its reply then
 * make one bidirectional flow. The headers an ICMP error quotes are not
 * decoded: the message is the outer packet's. */
#include "dissect_internal.h"
#include "portsniff/community_id.h"

/* Type, code and checksum: the part both versions share. */
#define ICMP_HEADER_MIN 4

dissect_layer dissect_icmp(dissect_walk *w, ps_packet *pkt)
{
    /* ICMP belongs to IPv4 and ICMPv6 to IPv6; the other pairings are
     * other IP protocols, as any protocol without a decoder. */
    if ((pkt->ip_proto == IP_PROTO_ICMP) != (pkt->family == 4))
        return layer_done(pkt, PS_PKT_OTHER_IP);
    cursor *c = &w->c;
    if (!cursor_has(c, ICMP_HEADER_MIN))
        return layer_malformed(pkt, PS_MAL_SHORT_ICMP);
    const uint8_t *h = cursor_here(c);
    pkt->transport = PS_TRANSPORT_ICMP;
    (void)ps_icmp_port_equivalents(pkt->family, h[0], h[1], &pkt->sport, &pkt->dport);
    cursor_skip(c, ICMP_HEADER_MIN);
    return layer_done(pkt, PS_PKT_TRANSPORT);
}
