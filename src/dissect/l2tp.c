/* L2TPv2 data messages (RFC 2661 section 3.1) on UDP 1701: PPP inside.
 * Control messages (T bit) stay packets of the tunnel's own UDP flow. */
#include "dissect_internal.h"

#define L2TP_T 0x8000      /* control message */
#define L2TP_L 0x4000      /* length present */
#define L2TP_S 0x0800      /* Ns and Nr present */
#define L2TP_O 0x0200      /* offset size present */
#define L2TP_VERSION_MASK 0x000f
#define L2TP_VERSION 2

dissect_layer dissect_l2tp(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    uint16_t flags;
    if (!cursor_peek_u16(c, 0, &flags))
        return layer_malformed(pkt, PS_MAL_SHORT_L2TP);
    if ((flags & L2TP_VERSION_MASK) != L2TP_VERSION || (flags & L2TP_T))
        return LAYER_DONE;
    size_t len = 2 + ((flags & L2TP_L) ? 2 : 0) + 4 + ((flags & L2TP_S) ? 4 : 0);
    uint16_t tunnel, session, offset = 0;
    size_t ids_at = 2 + ((flags & L2TP_L) ? 2 : 0);
    if (!cursor_peek_u16(c, ids_at, &tunnel) || !cursor_peek_u16(c, ids_at + 2, &session))
        return layer_malformed(pkt, PS_MAL_SHORT_L2TP);
    if ((flags & L2TP_O) && !cursor_peek_u16(c, len, &offset))
        return layer_malformed(pkt, PS_MAL_SHORT_L2TP);
    if (flags & L2TP_O)
        len += 2 + offset;   /* the offset size counts the padding after it */
    if (!cursor_skip(c, len))
        return layer_malformed(pkt, PS_MAL_SHORT_L2TP);
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_L2TP, (uint32_t)tunnel << 16 | session, 1))
        return LAYER_DONE;
    return LAYER_PPP;
}
