/* Frame dispatch: one bounded loop over layers with a table of layer
 * functions and dispatch tables for link type, EtherType, IP protocol and
 * tunnel UDP port (the Linux flow dissector's proto_again loop with its
 * header budget; tcpdump's table of link-type printers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "dissect_internal.h"
#include "portsniff/dissect.h"

/* Link types as stored in capture files. pcap_datalink() maps them to the
 * host's DLT_* (DLT_RAW is 12 or 14, DLT_LOOP 12 or 108 depending on the
 * OS), but a caller that passes a file's link type through unchanged hands
 * us these values. */
#define LINKTYPE_RAW_VALUE 101
#define LINKTYPE_LOOP_VALUE 108
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
/* LINKTYPE_* values of link types libpcap may not name on every system. */
#define LINKTYPE_PPP_PPPD_VALUE 166
#define LINKTYPE_PPP_WITH_DIR_VALUE 204
#define LINKTYPE_NFLOG_VALUE 239
#define LINKTYPE_IPOIB_VALUE 242
#define LINKTYPE_C_HDLC_VALUE 104
#define LINKTYPE_PPP_SERIAL_VALUE 50
#define LINKTYPE_PPP_ETHER_VALUE 51
#define LINKTYPE_IEEE802_11_VALUE 105
#define LINKTYPE_IEEE802_11_RADIOTAP_VALUE 127
#define LINKTYPE_PPI_VALUE 192

/* One step of the walk. A switch rather than an array of function
 * pointers: the calls are direct, so the common Ethernet/IP/TCP chain is
 * inlined into the loop (the kernel's flow dissector switches the same way). */
static dissect_layer layer_step(dissect_layer layer, dissect_walk *w, ps_packet *pkt)
{
    switch (layer) {
    case LAYER_ETHER: return dissect_ether(w, pkt);
    case LAYER_SLL: return dissect_sll(w, pkt);
    case LAYER_SLL2: return dissect_sll2(w, pkt);
    case LAYER_NULL: return dissect_null(w, pkt);
    case LAYER_LOOP: return dissect_loop(w, pkt);
    case LAYER_RAW_IP: return dissect_raw_ip(w, pkt);
    case LAYER_VLAN: return dissect_vlan(w, pkt);
    case LAYER_CHDLC: return dissect_chdlc(w, pkt);
    case LAYER_PPP_SERIAL: return dissect_ppp_serial(w, pkt);
    case LAYER_PPP_DIR: return dissect_ppp_dir(w, pkt);
    case LAYER_NFLOG: return dissect_nflog(w, pkt);
    case LAYER_IPOIB: return dissect_ipoib(w, pkt);
    case LAYER_IEEE80211: return dissect_ieee80211(w, pkt);
    case LAYER_RADIOTAP: return dissect_radiotap(w, pkt);
    case LAYER_PPI: return dissect_ppi(w, pkt);
    case LAYER_IPV4: return dissect_ipv4(w, pkt);
    case LAYER_IPV6: return dissect_ipv6(w, pkt);
    case LAYER_TCP: return dissect_tcp(w, pkt);
    case LAYER_UDP: return dissect_udp(w, pkt);
    case LAYER_SCTP: return dissect_sctp(w, pkt);
    case LAYER_DCCP: return dissect_dccp(w, pkt);
    case LAYER_ICMP: return dissect_icmp(w, pkt);
    case LAYER_IPIP4: return dissect_ipip4(w, pkt);
    case LAYER_IPIP6: return dissect_ipip6(w, pkt);
    case LAYER_GRE: return dissect_gre(w, pkt);
    case LAYER_ERSPAN_II: return dissect_erspan_ii(w, pkt);
    case LAYER_ERSPAN_III: return dissect_erspan_iii(w, pkt);
    case LAYER_MPLS: return dissect_mpls(w, pkt);
    case LAYER_PPPOE: return dissect_pppoe(w, pkt);
    case LAYER_PPP: return dissect_ppp(w, pkt);
    case LAYER_VXLAN: return dissect_vxlan(w, pkt);
    case LAYER_GENEVE: return dissect_geneve(w, pkt);
    case LAYER_GTPU: return dissect_gtpu(w, pkt);
    case LAYER_L2TP: return dissect_l2tp(w, pkt);
    case LAYER_TEREDO: return dissect_teredo(w, pkt);
    case LAYER_DONE: case LAYER_COUNT: break;
    }
    return LAYER_DONE;
}

/* ---- link types ---- */

static const struct {
    int dlt;
    uint8_t layer;
} link_types[] = {
    {DLT_EN10MB, LAYER_ETHER},
    {DLT_LINUX_SLL, LAYER_SLL},
    {DLT_LINUX_SLL2, LAYER_SLL2},
    {DLT_RAW, LAYER_RAW_IP},
#if DLT_RAW != LINKTYPE_RAW_VALUE
    {LINKTYPE_RAW_VALUE, LAYER_RAW_IP},
#endif
    {DLT_IPV4, LAYER_IPV4},
    {DLT_IPV6, LAYER_IPV6},
    {DLT_NULL, LAYER_NULL},
    {DLT_LOOP, LAYER_LOOP},
#if DLT_LOOP != LINKTYPE_LOOP_VALUE
    {LINKTYPE_LOOP_VALUE, LAYER_LOOP},
#endif
    {DLT_PPP, LAYER_PPP},
    {LINKTYPE_PPP_SERIAL_VALUE, LAYER_PPP_SERIAL},
    {LINKTYPE_PPP_ETHER_VALUE, LAYER_PPPOE},
    {LINKTYPE_PPP_PPPD_VALUE, LAYER_PPP_DIR},
    {LINKTYPE_PPP_WITH_DIR_VALUE, LAYER_PPP_DIR},
    {LINKTYPE_C_HDLC_VALUE, LAYER_CHDLC},
    {LINKTYPE_NFLOG_VALUE, LAYER_NFLOG},
    {LINKTYPE_IPOIB_VALUE, LAYER_IPOIB},
    {LINKTYPE_IEEE802_11_VALUE, LAYER_IEEE80211},
    {LINKTYPE_IEEE802_11_RADIOTAP_VALUE, LAYER_RADIOTAP},
    {LINKTYPE_PPI_VALUE, LAYER_PPI},
};

dissect_layer dissect_link_layer(int dlt)
{
    /* Ethernet first: it is what nearly every capture is. */
    for (size_t i = 0; i < sizeof link_types / sizeof link_types[0]; i++)
        if (link_types[i].dlt == dlt)
            return (dissect_layer)link_types[i].layer;
    return LAYER_DONE;
}

int dissect_link_supported(int dlt)
{
    return dissect_link_layer(dlt) != LAYER_DONE;
}

/* ---- EtherType and IP protocol tables ---- */

dissect_layer dissect_ethertype(dissect_walk *w, ps_packet *pkt, uint16_t type)
{
    dissect_layer next;
    switch (type) {
    case ETHERTYPE_IPV4: return LAYER_IPV4;
    case ETHERTYPE_IPV6: return LAYER_IPV6;
    case ETHERTYPE_VLAN: case ETHERTYPE_QINQ: case ETHERTYPE_QINQ_OLD: return LAYER_VLAN;
    case ETHERTYPE_MPLS: case ETHERTYPE_MPLS_MC: next = LAYER_MPLS; break;
    case ETHERTYPE_PPPOE_SESSION: next = LAYER_PPPOE; break;
    case ETHERTYPE_TEB: next = LAYER_ETHER; break;
    default: return layer_done(pkt, PS_PKT_NON_IP);
    }
    /* Carriers below IP: without decapsulation the frame is not IP, as
     * before they were decoded. */
    return w->cfg->decap ? next : layer_done(pkt, PS_PKT_NON_IP);
}

/* Values are dissect_layer; 0 (LAYER_DONE) is an IP protocol without ports. */
static const uint8_t ip_proto_layers[256] = {
    [IP_PROTO_TCP] = LAYER_TCP,
    [IP_PROTO_UDP] = LAYER_UDP,
    [IP_PROTO_SCTP] = LAYER_SCTP,
    [IP_PROTO_DCCP] = LAYER_DCCP,
    [IP_PROTO_ICMP] = LAYER_ICMP,
    [IP_PROTO_ICMPV6] = LAYER_ICMP,
    [IP_PROTO_IPIP] = LAYER_IPIP4,
    [IP_PROTO_IPV6] = LAYER_IPIP6,
    [IP_PROTO_GRE] = LAYER_GRE,
};

dissect_layer dissect_ip_payload(dissect_walk *w, ps_packet *pkt, uint8_t proto)
{
    pkt->ip_proto = proto;
    dissect_layer next = (dissect_layer)ip_proto_layers[proto];
    if (next >= LAYER_IPIP4) {
        /* The outer view of a tunnel is "IP protocol N". A first fragment
         * holds only part of the inner packet and its later fragments are
         * counted to the outer datagram, so the whole stays outer. */
        pkt->kind = PS_PKT_OTHER_IP;
        if (!w->cfg->decap || pkt->frag != PS_FRAG_NONE)
            return LAYER_DONE;
        return next;
    }
    if (next == LAYER_DONE)
        return layer_done(pkt, PS_PKT_OTHER_IP);
    return next;
}

dissect_layer dissect_raw_ip(dissect_walk *w, ps_packet *pkt)
{
    uint8_t first;
    /* With no byte there is not even a version nibble saying what the
     * frame carries. */
    if (!cursor_peek_u8(&w->c, 0, &first))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    switch (first >> 4) {
    case 4: return LAYER_IPV4;
    case 6: return LAYER_IPV6;
    default: return layer_done(pkt, PS_PKT_NON_IP);
    }
}

/* ---- UDP tunnel ports ---- */

#define PORT_BIT(p) (UINT64_C(1) << ((p) & 63))

static dissect_layer udp_tunnel_layer(uint8_t encap)
{
    switch (encap) {
    case PS_ENCAP_VXLAN: return LAYER_VXLAN;
    case PS_ENCAP_GENEVE: return LAYER_GENEVE;
    case PS_ENCAP_GTPU: return LAYER_GTPU;
    case PS_ENCAP_L2TP: return LAYER_L2TP;
    case PS_ENCAP_TEREDO: return LAYER_TEREDO;
    default: return LAYER_DONE;
    }
}

static dissect_layer port_lookup(const ps_dissect_config *cfg, uint16_t port)
{
    if (!(cfg->port_filter >> (port & 63) & 1))
        return LAYER_DONE;
    for (unsigned i = 0; i < cfg->nports; i++)
        if (cfg->ports[i].port == port)
            return udp_tunnel_layer(cfg->ports[i].encap);
    return LAYER_DONE;
}

dissect_layer dissect_udp_tunnel(const dissect_walk *w, uint16_t sport, uint16_t dport)
{
    /* The destination port names the tunnel (VXLAN and Geneve senders pick
     * the source port from a flow hash); replies of GTP-U and of tunnels
     * configured by hand may carry it as the source. */
    dissect_layer l = port_lookup(w->cfg, dport);
    return l != LAYER_DONE ? l : port_lookup(w->cfg, sport);
}

static int config_put_port(ps_dissect_config *cfg, uint16_t port, uint8_t encap)
{
    for (unsigned i = 0; i < cfg->nports; i++)
        if (cfg->ports[i].port == port) {
            cfg->ports[i].encap = encap;
            return 0;
        }
    if (cfg->nports == PS_DISSECT_MAX_TUNNEL_PORTS)
        return -1;
    cfg->ports[cfg->nports].port = port;
    cfg->ports[cfg->nports].encap = encap;
    cfg->nports++;
    cfg->port_filter |= PORT_BIT(port);
    return 0;
}

static const ps_dissect_config default_cfg = {
    .decap = 1,
    .nports = 6,
    .port_filter = PORT_BIT(4789) | PORT_BIT(8472) | PORT_BIT(6081) | PORT_BIT(2152) |
                   PORT_BIT(1701) | PORT_BIT(3544),
    .ports = {
        {4789, PS_ENCAP_VXLAN},   /* RFC 7348 */
        {8472, PS_ENCAP_VXLAN},   /* Linux's default before IANA assigned 4789 */
        {6081, PS_ENCAP_GENEVE},  /* RFC 8926 */
        {2152, PS_ENCAP_GTPU},    /* 3GPP TS 29.281 */
        {1701, PS_ENCAP_L2TP},    /* RFC 2661 */
        {3544, PS_ENCAP_TEREDO},  /* RFC 4380 */
    },
};

void dissect_config_init(ps_dissect_config *cfg)
{
    *cfg = default_cfg;
}

int dissect_config_add_port(ps_dissect_config *cfg, const char *spec, char *err, size_t errlen)
{
    static const struct { const char *name; uint8_t encap; } types[] = {
        {"vxlan", PS_ENCAP_VXLAN}, {"geneve", PS_ENCAP_GENEVE},
        {"gtp-u", PS_ENCAP_GTPU}, {"gtpu", PS_ENCAP_GTPU},
        {"l2tp", PS_ENCAP_L2TP}, {"teredo", PS_ENCAP_TEREDO},
    };
    const char *eq = strchr(spec, '=');
    if (!eq) {
        snprintf(err, errlen, "'%s' is not TYPE=PORT (TYPE: vxlan, geneve, gtp-u, l2tp, teredo)", spec);
        return -1;
    }
    size_t n = (size_t)(eq - spec);
    int encap = -1;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].name) == n && strncmp(spec, types[i].name, n) == 0)
            encap = types[i].encap;
    if (encap < 0) {
        snprintf(err, errlen, "unknown tunnel type '%.*s' (known: vxlan, geneve, gtp-u, l2tp, teredo)",
                 (int)n, spec);
        return -1;
    }
    char *end;
    errno = 0;
    long port = strtol(eq + 1, &end, 10);
    if (eq[1] == '\0' || *end != '\0' || errno || port < 1 || port > 65535) {
        snprintf(err, errlen, "'%s' is not a UDP port (1-65535)", eq + 1);
        return -1;
    }
    if (config_put_port(cfg, (uint16_t)port, (uint8_t)encap) != 0) {
        snprintf(err, errlen, "more than %d tunnel ports", PS_DISSECT_MAX_TUNNEL_PORTS);
        return -1;
    }
    return 0;
}

/* ---- the walk ---- */

ps_packet_kind dissect_frame_with(const ps_dissect_config *cfg, int dlt, const uint8_t *data,
                                  uint32_t caplen, uint32_t wire_len, int64_t ts_ns,
                                  ps_packet *pkt)
{
    /* One clear is a handful of stores and also zeroes the padding, so two
     * views of the same frame compare equal byte for byte. The layers of the
     * encapsulation record are cleared one by one as they are entered. */
    memset(pkt, 0, PS_PACKET_CLEAR_LEN);
    pkt->ts_ns = ts_ns;
    pkt->cap_len = caplen;
    /* A record whose original length is below what was captured, or larger
     * than any frame, is damaged: its length is not counted anywhere. */
    if (wire_len < caplen || wire_len > PS_MAX_WIRE_LEN)
        return dissect_malformed(pkt, PS_MAL_BAD_RECORD_LENGTH);
    pkt->wire_len = wire_len;

    dissect_layer layer = dissect_link_layer(dlt);
    if (layer == LAYER_DONE)
        return dissect_set_kind(pkt, PS_PKT_UNSUPPORTED_LINK);
    dissect_walk w;
    w.cfg = cfg ? cfg : &default_cfg;
    w.has_outer = 0;
    w.vlan_tag = 0;
    w.udp_payload_len = 0;
    cursor_init(&w.c, data, caplen);

    unsigned budget = DISSECT_HEADER_BUDGET;
    while (layer != LAYER_DONE) {
        if (budget-- == 0) {
            dissect_malformed(pkt, PS_MAL_HEADER_BUDGET);
            break;
        }
        layer = layer_step(layer, &w, pkt);
    }
    /* A tunnel carrying something other than IP (ARP across a VXLAN
     * segment, a GRE keepalive): the frame's innermost flow is the tunnel's. */
    if (pkt->kind == PS_PKT_NON_IP && w.has_outer)
        memcpy(pkt, &w.outer, PS_PACKET_CLEAR_LEN);
    return (ps_packet_kind)pkt->kind;
}

ps_packet_kind dissect_frame(int dlt, const uint8_t *data, uint32_t caplen,
                             uint32_t wire_len, int64_t ts_ns, ps_packet *pkt)
{
    return dissect_frame_with(NULL, dlt, data, caplen, wire_len, ts_ns, pkt);
}
