/* Geneve (RFC 8926): an 8-byte header and options, which are skipped, then
 * the payload its protocol type names (an EtherType; 0x6558 for Ethernet). */
#include "dissect_internal.h"

#define GENEVE_HEADER_LEN 8
#define GENEVE_VERSION_SHIFT 6
#define GENEVE_OPT_LEN_MASK 0x3f   /* in 4-byte units */

dissect_layer dissect_geneve(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, GENEVE_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_GENEVE);
    const uint8_t *h = cursor_here(c);
    /* Section 3.4: a receiver drops versions it does not know; to us the
     * datagram stays an outer UDP packet. */
    if (h[0] >> GENEVE_VERSION_SHIFT != 0)
        return LAYER_DONE;
    size_t len = GENEVE_HEADER_LEN + (size_t)(h[0] & GENEVE_OPT_LEN_MASK) * 4;
    uint16_t proto = load_be16(h + 2);
    uint32_t vni = load_be32(h + 4) >> 8;
    if (!cursor_skip(c, len))
        return layer_malformed(pkt, PS_MAL_SHORT_GENEVE);
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_GENEVE, vni, 1))
        return LAYER_DONE;
    return dissect_ethertype(w, pkt, proto);
}
