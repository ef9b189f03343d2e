/* Stacked IEEE 802.1Q / 802.1ad tags (Q-in-Q). */
#include "dissect_internal.h"

#define VLAN_TAG_LEN 4          /* TCI(2) then the next type/length(2) */
#define VLAN_ID_MASK 0x0fff     /* TCI: PCP(3) DEI(1) VID(12) */

ps_malformed dissect_vlan_tags(cursor *c, ps_packet *pkt, uint16_t *ethertype)
{
    uint16_t type = *ethertype;
    uint8_t depth = 0;

    while (vlan_is_tag(type)) {
        if (depth == DISSECT_MAX_VLAN_TAGS)
            return PS_MAL_VLAN_DEPTH;
        if (!cursor_has(c, VLAN_TAG_LEN))
            return PS_MAL_SHORT_VLAN;
        uint16_t tci = load_be16(cursor_here(c));
        type = load_be16(cursor_here(c) + 2);
        cursor_skip(c, VLAN_TAG_LEN);
        /* The outermost tag is the one the capturing network assigned
         * (the S-tag in 802.1ad), so it is the one flows are labelled with. */
        if (depth == 0)
            pkt->vlan_id = tci & VLAN_ID_MASK;
        pkt->vlan_depth = ++depth;
    }
    *ethertype = type;
    return PS_MAL_NONE;
}
