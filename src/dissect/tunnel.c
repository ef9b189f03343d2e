/* Entering an encapsulation, and IP directly in IP (RFC 2003 IPv4 in IPv4,
 * RFC 4213 6in4, RFC 2473 IPv4 and IPv6 in IPv6). */
#include <string.h>

#include "dissect_internal.h"

static ps_encap_layer *record(dissect_walk *w, ps_packet *pkt, ps_encap type, uint32_t id,
                              int has_id)
{
    if (pkt->encap_depth == PS_ENCAP_MAX) {
        dissect_malformed(pkt, PS_MAL_ENCAP_DEPTH);
        return NULL;
    }
    ps_encap_layer *l = &pkt->layer[pkt->encap_depth];
    memset(l, 0, sizeof *l);
    l->type = (uint8_t)type;
    l->has_id = (uint8_t)(has_id != 0);
    l->id = has_id ? id : 0;
    l->vlan = w->vlan_tag;
    w->vlan_tag = 0;
    pkt->encap[pkt->encap_depth++] = (uint8_t)type;
    if (has_id)
        pkt->encap_id = id;
    return l;
}

ps_encap_layer *dissect_carrier_enter(dissect_walk *w, ps_packet *pkt, ps_encap type,
                                      uint32_t id, int has_id)
{
    return record(w, pkt, type, id, has_id);
}

/* The VNI path: what tells overlapping inner address spaces apart. Two
 * levels are kept exactly (a 32-bit word each: the type and the 24-bit
 * VNI); a third and deeper are folded in by multiplication. */
static void add_context(ps_packet *pkt, ps_encap type, uint32_t vni)
{
    uint64_t word = (uint64_t)type << 24 | (vni & 0xffffffu);
    if (pkt->context >> 32)
        pkt->context = pkt->context * 0x9e3779b97f4a7c15u + word;
    else
        pkt->context = pkt->context << 32 | word;
}

ps_encap_layer *dissect_tunnel_enter(dissect_walk *w, ps_packet *pkt, ps_encap type,
                                     uint32_t id, int has_id)
{
    ps_packet *outer = &w->outer;
    memcpy(outer, pkt, PS_PACKET_CLEAR_LEN);
    ps_encap_layer *l = record(w, pkt, type, id, has_id);
    if (!l)
        return NULL;
    w->has_outer = 1;
    if (pkt->family) {
        l->family = pkt->family;
        memcpy(l->u.ep.src, pkt->src, sizeof l->u.ep.src);
        memcpy(l->u.ep.dst, pkt->dst, sizeof l->u.ep.dst);
    }
    if (type == PS_ENCAP_VXLAN || type == PS_ENCAP_GENEVE)
        add_context(pkt, type, id);
    /* What the outer IP and transport layers filled in; the inner ones set
     * their own. An IPv4 inner header writes 4 address bytes only. */
    pkt->kind = PS_PKT_TRANSPORT;
    pkt->family = 0;
    pkt->ip_proto = 0;
    pkt->transport = PS_TRANSPORT_NONE;
    pkt->sport = pkt->dport = 0;
    pkt->ip_bytes = 0;
    pkt->frag_id = 0;
    memset(pkt->src, 0, sizeof pkt->src);
    memset(pkt->dst, 0, sizeof pkt->dst);
    return l;
}

dissect_layer dissect_ipip4(dissect_walk *w, ps_packet *pkt)
{
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_IPIP, 0, 0))
        return LAYER_DONE;
    return LAYER_IPV4;
}

dissect_layer dissect_ipip6(dissect_walk *w, ps_packet *pkt)
{
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_IPIP, 0, 0))
        return LAYER_DONE;
    return LAYER_IPV6;
}
