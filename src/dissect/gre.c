/* GRE (RFC 2784 with RFC 2890's key and sequence number, RFC 1701's
 * routing field) and the ERSPAN headers switches put inside it to mirror
 * ports to a sensor (draft-foschiano-erspan-03: type I has no header, type
 * II an 8-byte one, type III 12 bytes plus an optional 8-byte platform
 * subheader). */
#include "dissect_internal.h"

#define GRE_HEADER_LEN 4
#define GRE_C 0x8000   /* checksum and offset present */
#define GRE_R 0x4000   /* routing present (RFC 1701) */
#define GRE_K 0x2000   /* key present */
#define GRE_S 0x1000   /* sequence number present */
#define GRE_A 0x0080   /* acknowledgment number present (version 1) */
#define GRE_VERSION_MASK 0x0007
#define GRE_VERSION_PPTP 1
#define GRE_PROTO_PPP 0x880b
#define GRE_SRE_HEADER_LEN 4  /* address family(2) offset(1) length(1) */
/* Source routes walked before the header counts as damaged; each is at
 * least 4 bytes, so the frame length bounds the walk as well. */
#define GRE_MAX_SRE 16

#define ERSPAN_II_LEN 8
#define ERSPAN_III_LEN 12
#define ERSPAN_III_SUBHEADER_LEN 8
#define ERSPAN_SESSION_MASK 0x03ff
#define ERSPAN_FT_ETHERNET 0
#define ERSPAN_FT_IP 2

/* RFC 1701 section 2.1: a list of Source Route Entries ended by one with
 * address family 0 and length 0. */
static int gre_skip_routing(cursor *c)
{
    for (unsigned i = 0; i < GRE_MAX_SRE; i++) {
        uint16_t family;
        uint8_t length;
        if (!cursor_peek_u16(c, 0, &family) || !cursor_peek_u8(c, 3, &length) ||
            !cursor_skip(c, GRE_SRE_HEADER_LEN + (size_t)length))
            return 0;
        if (family == 0 && length == 0)
            return 1;
    }
    return 0;
}

/* PPTP's enhanced GRE (RFC 2637 section 4.1): the key holds the payload
 * length and the call ID; sequence and acknowledgment numbers are
 * optional. A packet with no payload only acknowledges. */
static dissect_layer gre_pptp(dissect_walk *w, ps_packet *pkt, uint16_t flags, uint16_t proto)
{
    cursor *c = &w->c;
    if (proto != GRE_PROTO_PPP || !(flags & GRE_K))
        return LAYER_DONE;
    size_t len = GRE_HEADER_LEN + 4 + ((flags & GRE_S) ? 4 : 0) + ((flags & GRE_A) ? 4 : 0);
    if (!cursor_has(c, len))
        return layer_malformed(pkt, PS_MAL_SHORT_GRE);
    uint16_t payload_len = load_be16(cursor_here(c) + 4);
    uint16_t call_id = load_be16(cursor_here(c) + 6);
    cursor_skip(c, len);
    if (payload_len == 0)
        return LAYER_DONE;
    cursor payload;
    cursor_sub(c, payload_len, &payload);
    w->c = payload;
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_PPTP, call_id, 1))
        return LAYER_DONE;
    return LAYER_PPP;
}

dissect_layer dissect_gre(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, GRE_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_GRE);
    uint16_t flags = load_be16(cursor_here(c));
    uint16_t proto = load_be16(cursor_here(c) + 2);
    if ((flags & GRE_VERSION_MASK) == GRE_VERSION_PPTP)
        return gre_pptp(w, pkt, flags, proto);
    /* Other versions are not defined: the packet stays GRE. */
    if ((flags & GRE_VERSION_MASK) != 0)
        return LAYER_DONE;
    size_t optional = ((flags & (GRE_C | GRE_R)) ? 4 : 0) + ((flags & GRE_K) ? 4 : 0) +
                      ((flags & GRE_S) ? 4 : 0);
    if (!cursor_has(c, GRE_HEADER_LEN + optional))
        return layer_malformed(pkt, PS_MAL_SHORT_GRE);
    uint32_t key = 0;
    if (flags & GRE_K)
        key = load_be32(cursor_here(c) + GRE_HEADER_LEN + ((flags & (GRE_C | GRE_R)) ? 4 : 0));
    cursor_skip(c, GRE_HEADER_LEN + optional);
    if ((flags & GRE_R) && !gre_skip_routing(c))
        return layer_malformed(pkt, PS_MAL_SHORT_GRE);

    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_GRE, key, (flags & GRE_K) != 0))
        return LAYER_DONE;
    switch (proto) {
    case ETHERTYPE_ERSPAN_II:
        if (flags & GRE_S)
            return LAYER_ERSPAN_II;
        /* Type I: no ERSPAN header and no sequence number in GRE. */
        if (!dissect_carrier_enter(w, pkt, PS_ENCAP_ERSPAN, 0, 0))
            return LAYER_DONE;
        return LAYER_ETHER;
    case ETHERTYPE_ERSPAN_III:
        return LAYER_ERSPAN_III;
    default:
        return dissect_ethertype(w, pkt, proto);
    }
}

dissect_layer dissect_erspan_ii(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, ERSPAN_II_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_ERSPAN);
    uint16_t session = load_be16(cursor_here(c) + 2) & ERSPAN_SESSION_MASK;
    cursor_skip(c, ERSPAN_II_LEN);
    if (!dissect_carrier_enter(w, pkt, PS_ENCAP_ERSPAN, session, 1))
        return LAYER_DONE;
    return LAYER_ETHER;
}

dissect_layer dissect_erspan_iii(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, ERSPAN_III_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_ERSPAN);
    uint16_t session = load_be16(cursor_here(c) + 2) & ERSPAN_SESSION_MASK;
    /* P(1) FT(5) HW ID(6) D(1) Gra(2) O(1) */
    uint16_t last = load_be16(cursor_here(c) + 10);
    unsigned frame_type = (last >> 10) & 0x1f;
    size_t len = ERSPAN_III_LEN + ((last & 1) ? ERSPAN_III_SUBHEADER_LEN : 0);
    if (!cursor_skip(c, len))
        return layer_malformed(pkt, PS_MAL_SHORT_ERSPAN);
    if (!dissect_carrier_enter(w, pkt, PS_ENCAP_ERSPAN, session, 1))
        return LAYER_DONE;
    switch (frame_type) {
    case ERSPAN_FT_ETHERNET: return LAYER_ETHER;
    case ERSPAN_FT_IP: return LAYER_RAW_IP;
    default: return layer_done(pkt, PS_PKT_NON_IP);
    }
}
