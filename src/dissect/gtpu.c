/* GTP-U (3GPP TS 29.281): the user plane of mobile cores. A G-PDU carries
 * the subscriber's packet after the header, its optional fields and its
 * extension headers; echo, error indication and end marker messages stay
 * outer UDP packets of the tunnel's flow. */
#include "dissect_internal.h"

#define GTPU_HEADER_LEN 8      /* flags(1) type(1) length(2) TEID(4) */
#define GTPU_OPTIONAL_LEN 4    /* sequence(2) N-PDU(1) next extension type(1) */
#define GTPU_VERSION 1
#define GTPU_PT 0x10           /* protocol type GTP (not GTP') */
#define GTPU_E 0x04
#define GTPU_S 0x02
#define GTPU_PN 0x01
#define GTPU_G_PDU 0xff
/* Extension headers followed; each is at least 4 bytes. */
#define GTPU_MAX_EXT 16

/* Section 5.2: length(1, in 4-byte units, > 0), content, next type(1). */
static int gtpu_skip_extensions(cursor *c, uint8_t next)
{
    for (unsigned i = 0; next != 0; i++) {
        uint8_t units;
        if (i == GTPU_MAX_EXT || !cursor_peek_u8(c, 0, &units) || units == 0 ||
            !cursor_peek_u8(c, (size_t)units * 4 - 1, &next))
            return 0;
        cursor_skip(c, (size_t)units * 4);
    }
    return 1;
}

dissect_layer dissect_gtpu(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, GTPU_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_BAD_GTPU);
    const uint8_t *h = cursor_here(c);
    uint8_t flags = h[0], type = h[1];
    uint16_t length = load_be16(h + 2);
    uint32_t teid = load_be32(h + 4);
    if (flags >> 5 != GTPU_VERSION || !(flags & GTPU_PT) || type != GTPU_G_PDU)
        return LAYER_DONE;
    cursor_skip(c, GTPU_HEADER_LEN);
    /* The length counts what follows the mandatory header. */
    cursor body;
    cursor_sub(c, length, &body);
    if (flags & (GTPU_E | GTPU_S | GTPU_PN)) {
        uint8_t next;
        if (!cursor_peek_u8(&body, GTPU_OPTIONAL_LEN - 1, &next))
            return layer_malformed(pkt, PS_MAL_BAD_GTPU);
        cursor_skip(&body, GTPU_OPTIONAL_LEN);
        if ((flags & GTPU_E) && !gtpu_skip_extensions(&body, next))
            return layer_malformed(pkt, PS_MAL_BAD_GTPU);
    }
    w->c = body;
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_GTPU, teid, 1))
        return LAYER_DONE;
    uint8_t first;
    if (!cursor_peek_u8(&w->c, 0, &first))
        return layer_done(pkt, PS_PKT_NON_IP);
    return LAYER_RAW_IP;
}
