/* Stacked IEEE 802.1Q / 802.1ad tags (Q-in-Q), one tag per step of the walk. */
#include "dissect_internal.h"

#define VLAN_TAG_LEN 4          /* TCI(2) then the next type/length(2) */
#define VLAN_ID_MASK 0x0fff     /* TCI: PCP(3) DEI(1) VID(12) */

dissect_layer dissect_vlan(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    /* The bound covers the whole frame, tags inside a tunnel included. */
    if (pkt->vlan_depth == DISSECT_MAX_VLAN_TAGS)
        return layer_malformed(pkt, PS_MAL_VLAN_DEPTH);
    if (!cursor_has(c, VLAN_TAG_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_VLAN);
    uint16_t tci = load_be16(cursor_here(c));
    uint16_t type = load_be16(cursor_here(c) + 2);
    cursor_skip(c, VLAN_TAG_LEN);
    /* The outermost tag is the one the capturing network assigned (the
     * S-tag in 802.1ad), so it is the one flows are labelled with. */
    if (pkt->vlan_depth == 0)
        pkt->vlan_id = tci & VLAN_ID_MASK;
    /* The first tag since the last encapsulation goes to the next one's
     * record (VXLAN in QinQ: the S-tag the VXLAN packets came in). */
    if (!w->vlan_tag)
        w->vlan_tag = (uint16_t)(PS_ENCAP_VLAN_SET | (tci & VLAN_ID_MASK));
    pkt->vlan_depth++;
    /* A tag followed by a length is 802.3 + LLC inside the tag. */
    if (type < ETHERTYPE_MIN)
        return layer_done(pkt, PS_PKT_NON_IP);
    return dissect_ethertype(w, pkt, type);
}
