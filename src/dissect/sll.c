/* Linux cooked captures ("any" device): DLT_LINUX_SLL and DLT_LINUX_SLL2.
 * Both carry an EtherType-like protocol; values below 0x0600 are Linux
 * ETH_P_* pseudo-protocols (802.2 LLC, CAN, ...), which fall out as non-IP.
 * libpcap re-inserts VLAN tags into the payload, so tags are followed. */
#include "dissect_internal.h"

/* SLL: packet type(2) ARPHRD type(2) address length(2) address(8) protocol(2) */
#define SLL_HEADER_LEN 16
#define SLL_PROTOCOL_AT 14
/* SLL2: protocol(2) reserved(2) ifindex(4) ARPHRD type(2) packet type(1)
 * address length(1) address(8) */
#define SLL2_HEADER_LEN 20
#define SLL2_PROTOCOL_AT 0

static dissect_layer cooked(dissect_walk *w, ps_packet *pkt, size_t header_len, size_t protocol_at)
{
    cursor *c = &w->c;
    uint16_t protocol;
    if (!cursor_peek_u16(c, protocol_at, &protocol) || !cursor_skip(c, header_len))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    return dissect_ethertype(w, pkt, protocol);
}

dissect_layer dissect_sll(dissect_walk *w, ps_packet *pkt)
{
    return cooked(w, pkt, SLL_HEADER_LEN, SLL_PROTOCOL_AT);
}

dissect_layer dissect_sll2(dissect_walk *w, ps_packet *pkt)
{
    return cooked(w, pkt, SLL2_HEADER_LEN, SLL2_PROTOCOL_AT);
}
