/* VXLAN (RFC 7348): an 8-byte header, then an Ethernet frame. */
#include "dissect_internal.h"

#define VXLAN_HEADER_LEN 8
#define VXLAN_FLAG_I 0x08   /* the VNI is valid; RFC 7348 section 5 requires it */

dissect_layer dissect_vxlan(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, VXLAN_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_VXLAN);
    const uint8_t *h = cursor_here(c);
    /* Without the I flag this is some other protocol on the port: the
     * datagram stays an outer UDP packet. */
    if (!(h[0] & VXLAN_FLAG_I))
        return LAYER_DONE;
    uint32_t vni = load_be32(h + 4) >> 8;
    cursor_skip(c, VXLAN_HEADER_LEN);
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_VXLAN, vni, 1))
        return LAYER_DONE;
    return LAYER_ETHER;
}
