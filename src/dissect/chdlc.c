/* Cisco HDLC (DLT_C_HDLC, and PPP_SERIAL captures framed the Cisco way):
 * address(1) control(1) then an EtherType. */
#include "dissect_internal.h"

#define CHDLC_HEADER_LEN 4
#define CHDLC_UNICAST 0x0f
#define CHDLC_BROADCAST 0x8f
#define PPP_ADDRESS 0xff

dissect_layer dissect_chdlc(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, CHDLC_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    uint16_t type = load_be16(cursor_here(c) + 2);
    cursor_skip(c, CHDLC_HEADER_LEN);
    return dissect_ethertype(w, pkt, type);
}

/* DLT_PPP_SERIAL (RFC 1662 HDLC-like framing): PPP, or Cisco HDLC on the
 * same kind of link, told apart by the address byte. */
dissect_layer dissect_ppp_serial(dissect_walk *w, ps_packet *pkt)
{
    uint8_t address;
    if (!cursor_peek_u8(&w->c, 0, &address))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    if (address == CHDLC_UNICAST || address == CHDLC_BROADCAST)
        return LAYER_CHDLC;
    return LAYER_PPP;
}

/* DLT_PPP_PPPD and LINKTYPE_PPP_WITH_DIR: a direction byte before PPP. */
dissect_layer dissect_ppp_dir(dissect_walk *w, ps_packet *pkt)
{
    if (!cursor_skip(&w->c, 1))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    return LAYER_PPP;
}
