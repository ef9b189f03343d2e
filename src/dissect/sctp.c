/* SCTP (RFC 9260): common header, then the chunk types present. */
#include "dissect_internal.h"

#define SCTP_COMMON_HEADER_LEN 12
#define SCTP_CHUNK_HEADER_LEN 4

/* RFC 9260 section 3.2: chunks are padded to 4 bytes and the padding is
 * not counted in the chunk length. Each step advances at least 4 bytes, so
 * the walk is bounded by the datagram length. */
static dissect_layer sctp_chunks(cursor *c, ps_packet *pkt)
{
    while (cursor_has(c, SCTP_CHUNK_HEADER_LEN)) {
        uint8_t type;
        uint16_t length;
        if (!cursor_peek_u8(c, 0, &type) || !cursor_peek_u16(c, 2, &length))
            break;
        if (length < SCTP_CHUNK_HEADER_LEN)
            return layer_malformed(pkt, PS_MAL_BAD_SCTP_CHUNK);
        if (type < 32)
            pkt->sctp_chunks |= UINT32_C(1) << type;
        /* A snaplen that ends inside a chunk ends the walk, not the packet. */
        if (!cursor_skip(c, ((size_t)length + 3) & ~(size_t)3))
            break;
    }
    return layer_done(pkt, PS_PKT_TRANSPORT);
}

dissect_layer dissect_sctp(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    uint16_t sport, dport;

    if (!cursor_has(c, SCTP_COMMON_HEADER_LEN) || !cursor_u16(c, &sport) ||
        !cursor_u16(c, &dport) || !cursor_skip(c, 8))   /* verification tag, checksum */
        return layer_malformed(pkt, PS_MAL_SHORT_SCTP);
    pkt->transport = PS_TRANSPORT_SCTP;
    pkt->sport = sport;
    pkt->dport = dport;
    return sctp_chunks(c, pkt);
}
