/* PPP (RFC 1661) as carried in PPPoE, L2TP and PPTP, and as the link
 * type DLT_PPP: an optional HDLC-like
 * address and control field (RFC 1662: 0xff 0x03), then the protocol, one
 * byte when compressed (RFC 1661 section 6.5: an odd first byte). */
#include "dissect_internal.h"

#define PPP_ADDRESS 0xff
#define PPP_CONTROL 0x03
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS 0x0281
#define PPP_MPLS_MC 0x0283

dissect_layer dissect_ppp(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    uint8_t b0, b1;
    if (cursor_peek_u8(c, 0, &b0) && b0 == PPP_ADDRESS &&
        cursor_peek_u8(c, 1, &b1) && b1 == PPP_CONTROL)
        cursor_skip(c, 2);
    uint16_t proto;
    if (!cursor_peek_u8(c, 0, &b0))
        return layer_malformed(pkt, PS_MAL_SHORT_PPP);
    if (b0 & 1) {
        proto = b0;
        cursor_skip(c, 1);
    } else if (!cursor_u16(c, &proto)) {
        return layer_malformed(pkt, PS_MAL_SHORT_PPP);
    }
    switch (proto) {
    case PPP_IPV4: return LAYER_IPV4;
    case PPP_IPV6: return LAYER_IPV6;
    case PPP_MPLS: case PPP_MPLS_MC:
        return w->cfg->decap ? LAYER_MPLS : layer_done(pkt, PS_PKT_NON_IP);
    default: return layer_done(pkt, PS_PKT_NON_IP);
    }
}
