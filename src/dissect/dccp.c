/* DCCP (RFC 4340): generic header, packet type and Service Code. */
#include "dissect_internal.h"

/* Section 5.1: ports(4) data offset(1) CCVal/CsCov(1) checksum(2)
 * Res(3) Type(4) X(1), then a 24-bit sequence number (X=0) or a reserved
 * byte and a 48-bit one (X=1). */
#define DCCP_TYPE_AT 8
#define DCCP_SHORT_HEADER_LEN 12
#define DCCP_LONG_HEADER_LEN 16
/* Section 5.3: the acknowledgement subheader after the generic header. */
#define DCCP_LONG_ACK_LEN 8

/* RFC 5596 section 2.2: a server's DCCP-Listen carries its Service Code. */
#define DCCP_LISTEN 10

/* Request (RFC 4340 5.2), Response (5.3, after its acknowledgement
 * subheader) and Listen carry a 32-bit Service Code. Section 5.1 requires
 * X=1 on all three and has endpoints ignore them otherwise, so a short-
 * sequence one yields none. Returns 0 when there is no Service Code. */
static size_t service_code_at(uint8_t type, int extended)
{
    if (!extended)
        return 0;
    switch (type) {
    case PS_DCCP_REQUEST: case DCCP_LISTEN: return DCCP_LONG_HEADER_LEN;
    case PS_DCCP_RESPONSE: return DCCP_LONG_HEADER_LEN + DCCP_LONG_ACK_LEN;
    default: return 0;
    }
}

/* The Service Code belongs to the header, so it counts only when the data
 * offset covers it; a snaplen may also have cut it, which is no error. */
static void dccp_service_code(const cursor *c, ps_packet *pkt, size_t at, size_t data_offset)
{
    uint32_t code;
    if (at == 0 || at + 4 > data_offset || !cursor_peek_u32(c, at, &code))
        return;
    pkt->dccp_has_service_code = 1;
    pkt->dccp_service_code = code;
}

dissect_layer dissect_dccp(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    uint16_t sport, dport;
    uint8_t offset_words, type_x;

    if (!cursor_has(c, DCCP_SHORT_HEADER_LEN) || !cursor_peek_u16(c, 0, &sport) ||
        !cursor_peek_u16(c, 2, &dport) || !cursor_peek_u8(c, 4, &offset_words) ||
        !cursor_peek_u8(c, DCCP_TYPE_AT, &type_x))
        return layer_malformed(pkt, PS_MAL_SHORT_DCCP);
    pkt->transport = PS_TRANSPORT_DCCP;
    pkt->sport = sport;
    pkt->dport = dport;
    pkt->dccp_type = (type_x >> 1) & 0x0f;

    int extended = type_x & 1;
    size_t header_len = extended ? DCCP_LONG_HEADER_LEN : DCCP_SHORT_HEADER_LEN;
    if (!cursor_has(c, header_len))
        return layer_malformed(pkt, PS_MAL_SHORT_DCCP);
    size_t data_offset = (size_t)offset_words * 4;
    if (data_offset < header_len)
        return layer_malformed(pkt, PS_MAL_BAD_DCCP_OFFSET);
    dccp_service_code(c, pkt, service_code_at(pkt->dccp_type, extended), data_offset);
    return layer_done(pkt, PS_PKT_TRANSPORT);
}
