/* Ethernet II and IEEE 802.3 framing (DLT_EN10MB). */
#include "dissect_internal.h"

/* destination(6) source(6) type/length(2); the FCS is not captured. */
#define ETHER_HEADER_LEN 14
#define ETHER_TYPE_AT 12

dissect_layer dissect_ether(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, ETHER_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    uint16_t type = load_be16(cursor_here(c) + ETHER_TYPE_AT);
    cursor_skip(c, ETHER_HEADER_LEN);
    /* IEEE 802.3 clause 3.2.6: a length, so an LLC/SNAP frame, never IP
     * as far as this tool is concerned. */
    if (type < ETHERTYPE_MIN)
        return layer_done(pkt, PS_PKT_NON_IP);
    return dissect_ethertype(w, pkt, type);
}
