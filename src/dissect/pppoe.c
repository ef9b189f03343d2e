/* PPPoE session stage (RFC 2516 section 5): the discovery stage (EtherType
 * 0x8863) is not IP and falls out of the EtherType table as such. */
#include "dissect_internal.h"

#define PPPOE_HEADER_LEN 6   /* ver/type(1) code(1) session(2) length(2) */
#define PPPOE_VER_TYPE 0x11
#define PPPOE_CODE_SESSION 0x00

dissect_layer dissect_pppoe(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, PPPOE_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_PPPOE);
    const uint8_t *h = cursor_here(c);
    uint16_t session = load_be16(h + 2), length = load_be16(h + 4);
    if (h[0] != PPPOE_VER_TYPE || h[1] != PPPOE_CODE_SESSION)
        return layer_done(pkt, PS_PKT_NON_IP);
    cursor_skip(c, PPPOE_HEADER_LEN);
    /* The length bounds the PPP frame: Ethernet pads short frames. */
    cursor payload;
    cursor_sub(c, length, &payload);
    w->c = payload;
    if (!dissect_carrier_enter(w, pkt, PS_ENCAP_PPPOE, session, 1))
        return LAYER_DONE;
    return LAYER_PPP;
}
