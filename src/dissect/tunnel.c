/* Entering an encapsulation, and IP directly in IP (RFC 2003 IPv4 in IPv4,
 * RFC 4213 6in4, RFC 2473 IPv4 and IPv6 in IPv6). */
#include <string.h>

#include "dissect_internal.h"

static int record(ps_packet *pkt, ps_encap type, uint32_t id)
{
    if (pkt->encap_depth == PS_ENCAP_MAX) {
        dissect_malformed(pkt, PS_MAL_ENCAP_DEPTH);
        return 0;
    }
    pkt->encap[pkt->encap_depth++] = (uint8_t)type;
    pkt->encap_id = id;
    return 1;
}

int dissect_carrier_enter(ps_packet *pkt, ps_encap type, uint32_t id)
{
    return record(pkt, type, id);
}

int dissect_tunnel_enter(dissect_walk *w, ps_packet *pkt, ps_encap type, uint32_t id)
{
    ps_packet outer = *pkt;
    if (!record(pkt, type, id))
        return 0;
    w->outer = outer;
    w->has_outer = 1;
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
    return 1;
}

dissect_layer dissect_ipip4(dissect_walk *w, ps_packet *pkt)
{
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_IPIP, 0))
        return LAYER_DONE;
    return LAYER_IPV4;
}

dissect_layer dissect_ipip6(dissect_walk *w, ps_packet *pkt)
{
    if (!dissect_tunnel_enter(w, pkt, PS_ENCAP_IPIP, 0))
        return LAYER_DONE;
    return LAYER_IPV6;
}
