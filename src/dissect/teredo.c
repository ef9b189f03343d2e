/* Teredo (RFC 4380) on UDP 3544: IPv6 in UDP over IPv4. Many UDP packets
 * could be taken for it, so it is believed only when what follows the
 * optional authentication and origin indications (section 5.1.1) is an
 * IPv6 header whose payload length fills the UDP datagram exactly, as the
 * UDP header says (so a short snapshot length does not change the answer).
 * Anything else stays an outer UDP packet. */
#include "dissect_internal.h"

#define TEREDO_AUTH 0x0001
#define TEREDO_ORIGIN 0x0000
#define TEREDO_AUTH_LEN 13      /* before the id and value: type(2) id-len(1) au-len(1) nonce(8) conf(1) */
#define TEREDO_ORIGIN_LEN 8
#define IPV6_HEADER_LEN 40

dissect_layer dissect_teredo(dissect_walk *w, ps_packet *pkt)
{
    cursor c = w->c;
    uint16_t indicator;
    uint8_t id_len, au_len;
    if (cursor_peek_u16(&c, 0, &indicator) && indicator == TEREDO_AUTH) {
        if (!cursor_peek_u8(&c, 2, &id_len) || !cursor_peek_u8(&c, 3, &au_len) ||
            !cursor_skip(&c, TEREDO_AUTH_LEN + (size_t)id_len + au_len))
            return LAYER_DONE;
    }
    if (cursor_peek_u16(&c, 0, &indicator) && indicator == TEREDO_ORIGIN &&
        !cursor_skip(&c, TEREDO_ORIGIN_LEN))
        return LAYER_DONE;
    uint8_t first;
    uint16_t payload_len;
    if (!cursor_peek_u8(&c, 0, &first) || first >> 4 != 6 ||
        !cursor_peek_u16(&c, 4, &payload_len) ||
        w->udp_payload_len != (size_t)(cursor_offset(&c) - cursor_offset(&w->c)) + IPV6_HEADER_LEN + payload_len)
        return LAYER_DONE;
    w->c = c;
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_TEREDO, 0, 0))
        return LAYER_DONE;
    return LAYER_IPV6;
}
