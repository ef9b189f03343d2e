/* IPv6 (RFC 8200) and its extension-header chain. */
#include "dissect_internal.h"

#define IPV6_HEADER_LEN 40
#define IPV6_FRAG_HEADER_LEN 8
#define IPV6_FRAG_OFFSET_SHIFT 3
#define IPV6_FRAG_M 0x0001

static int ipv6_is_ext(uint8_t nh)
{
    switch (nh) {
    case IP_PROTO_HOPOPTS: case IP_PROTO_ROUTING: case IP_PROTO_FRAGMENT:
    case IP_PROTO_DSTOPTS: case IP_PROTO_AH: case IP_PROTO_MOBILITY:
    case IP_PROTO_HIP: case IP_PROTO_SHIM6:
        return 1;
    default:
        return 0;
    }
}

/* RFC 8200 4.3-4.6 and RFC 6275/7401/5533 count 8-octet units beyond the
 * first; AH (RFC 4302 section 2.2) counts 4-octet units minus 2. */
static size_t ext_header_len(uint8_t nh, uint8_t len_field)
{
    if (nh == IP_PROTO_AH)
        return ((size_t)len_field + 2) * 4;
    return ((size_t)len_field + 1) * 8;
}

typedef enum { FRAG_CONTINUE, FRAG_STOP } frag_step;

/* RFC 8200 section 4.5. Returns FRAG_STOP when the packet ended as a later
 * fragment or as malformed (pkt->kind says which). */
static frag_step ipv6_fragment(cursor *c, ps_packet *pkt, uint8_t next)
{
    uint16_t offset_m;
    uint32_t ident;
    if (!cursor_has(c, IPV6_FRAG_HEADER_LEN) || !cursor_skip(c, 2) ||
        !cursor_u16(c, &offset_m) || !cursor_u32(c, &ident)) {
        dissect_malformed(pkt, PS_MAL_SHORT_IPV6_EXT);
        return FRAG_STOP;
    }
    pkt->frag_id = ident;
    if (offset_m >> IPV6_FRAG_OFFSET_SHIFT) {
        pkt->frag = PS_FRAG_LATER;
        pkt->ip_proto = next;
        pkt->transport = (uint8_t)ps_transport_from_ip_proto(next, 6);
        dissect_set_kind(pkt, PS_PKT_FRAGMENT);
        return FRAG_STOP;
    }
    /* Offset 0 without M is an atomic fragment (RFC 6946): the whole
     * datagram, to be processed as if unfragmented. */
    if (offset_m & IPV6_FRAG_M)
        pkt->frag = PS_FRAG_FIRST;
    return FRAG_CONTINUE;
}

/* ESP (50) and No Next Header (59) end the walk like any upper layer:
 * nothing readable follows them. */
static dissect_layer ipv6_walk(dissect_walk *w, ps_packet *pkt, uint8_t nh)
{
    cursor *c = &w->c;
    for (unsigned seen = 0; ipv6_is_ext(nh); seen++) {
        uint8_t next, len_field;
        if (seen == DISSECT_MAX_IPV6_EXT)
            return layer_malformed(pkt, PS_MAL_IPV6_EXT_CHAIN);
        if (!cursor_peek_u8(c, 0, &next) || !cursor_peek_u8(c, 1, &len_field))
            return layer_malformed(pkt, PS_MAL_SHORT_IPV6_EXT);
        if (nh == IP_PROTO_FRAGMENT) {
            if (ipv6_fragment(c, pkt, next) == FRAG_STOP)
                return LAYER_DONE;
        } else if (!cursor_skip(c, ext_header_len(nh, len_field))) {
            return layer_malformed(pkt, PS_MAL_SHORT_IPV6_EXT);
        }
        nh = next;
    }
    return dissect_ip_payload(w, pkt, nh);
}

dissect_layer dissect_ipv6(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    size_t ip_offset = cursor_offset(c);
    uint8_t first, next;
    uint16_t payload_len;

    if (!cursor_peek_u8(c, 0, &first))
        return layer_malformed(pkt, PS_MAL_SHORT_IPV6);
    if (first >> 4 != 6)
        return layer_malformed(pkt, PS_MAL_BAD_IPV6_VERSION);
    if (!cursor_has(c, IPV6_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_IPV6);
    const uint8_t *h = cursor_here(c);
    payload_len = load_be16(h + 4);
    next = h[6];
    memcpy(pkt->src, h + 8, 16);
    memcpy(pkt->dst, h + 24, 16);
    cursor_skip(c, IPV6_HEADER_LEN);

    pkt->family = 6;
    w->ip_offset = ip_offset;
    pkt->ip_bytes = IPV6_HEADER_LEN + (uint32_t)payload_len;
    /* Payload length 0 is a jumbogram (RFC 2675) whose length sits in a
     * hop-by-hop option: the captured bytes are all there is to bound it. */
    cursor payload = *c;
    if (payload_len != 0)
        cursor_sub(c, payload_len, &payload);
    w->c = payload;
    return ipv6_walk(w, pkt, next);
}
