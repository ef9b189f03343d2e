/* The dissector's walk: one bounded loop over layers (dissect.c), in the
 * shape of the Linux flow dissector's proto_again. Each layer reads its
 * header at the walk's cursor (offsets stay frame-absolute), fills its part
 * of the packet view, leaves the cursor on its payload and returns the layer
 * that comes next, or LAYER_DONE once pkt->kind is final. On
 * PS_PKT_MALFORMED the fields decoded before the failure stay filled.
 * A new layer is one file with its function and one row in a table here
 * (layer_step in dissect.c) plus the dispatch that leads to it. */
#ifndef PORTSNIFF_DISSECT_INTERNAL_H
#define PORTSNIFF_DISSECT_INTERNAL_H

#include <stdint.h>

#include "cursor.h"
#include "portsniff/dissect.h"
#include "portsniff/packet.h"

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,      /* IEEE 802.1Q C-tag */
    ETHERTYPE_QINQ = 0x88a8,      /* IEEE 802.1ad S-tag */
    ETHERTYPE_QINQ_OLD = 0x9100,  /* pre-802.1ad vendor S-tag, still seen in the field */
    ETHERTYPE_TEB = 0x6558,       /* transparent Ethernet bridging (GRE, Geneve) */
    ETHERTYPE_MPLS = 0x8847,
    ETHERTYPE_MPLS_MC = 0x8848,
    ETHERTYPE_PPPOE_SESSION = 0x8864,
    ETHERTYPE_ERSPAN_II = 0x88be, /* also type I, told apart by GRE's S bit */
    ETHERTYPE_ERSPAN_III = 0x22eb,
    /* IEEE 802.3: type/length values up to 1500 are lengths (802.3 + LLC),
     * 1536 and above are EtherTypes; between the two is undefined. */
    ETHERTYPE_MIN = 0x0600
};

enum {
    IP_PROTO_HOPOPTS = 0,
    IP_PROTO_ICMP = 1,
    IP_PROTO_IPIP = 4,
    IP_PROTO_TCP = 6,
    IP_PROTO_UDP = 17,
    IP_PROTO_DCCP = 33,
    IP_PROTO_IPV6 = 41,
    IP_PROTO_ROUTING = 43,
    IP_PROTO_FRAGMENT = 44,
    IP_PROTO_GRE = 47,
    IP_PROTO_ESP = 50,
    IP_PROTO_AH = 51,
    IP_PROTO_ICMPV6 = 58,
    IP_PROTO_NONE = 59,
    IP_PROTO_DSTOPTS = 60,
    IP_PROTO_SCTP = 132,
    IP_PROTO_MOBILITY = 135,
    IP_PROTO_HIP = 139,
    IP_PROTO_SHIM6 = 140
};

/* Tags followed before a frame counts as PS_MAL_VLAN_DEPTH. */
#define DISSECT_MAX_VLAN_TAGS 8
/* IPv6 extension headers walked before PS_MAL_IPV6_EXT_CHAIN. */
#define DISSECT_MAX_IPV6_EXT 16
/* Layers one walk visits before PS_MAL_HEADER_BUDGET: 8 VLAN tags, 8
 * encapsulations of up to 5 layers each and the innermost IP and transport
 * fit; a crafted frame cannot make the walk longer. */
#define DISSECT_HEADER_BUDGET 64

typedef enum dissect_layer {
    LAYER_DONE = 0,
    /* link layers */
    LAYER_ETHER, LAYER_SLL, LAYER_SLL2, LAYER_NULL, LAYER_LOOP, LAYER_RAW_IP,
    LAYER_VLAN, LAYER_CHDLC, LAYER_PPP_SERIAL, LAYER_PPP_DIR, LAYER_NFLOG, LAYER_IPOIB,
    LAYER_IEEE80211, LAYER_RADIOTAP, LAYER_PPI,
    /* network and transport */
    LAYER_IPV4, LAYER_IPV6, LAYER_TCP, LAYER_UDP, LAYER_SCTP, LAYER_DCCP, LAYER_ICMP,
    /* encapsulations: followed only with decapsulation on */
    LAYER_IPIP4, LAYER_IPIP6, LAYER_GRE, LAYER_ERSPAN_II, LAYER_ERSPAN_III,
    LAYER_MPLS, LAYER_PPPOE, LAYER_PPP,
    LAYER_VXLAN, LAYER_GENEVE, LAYER_GTPU, LAYER_L2TP, LAYER_TEREDO,
    LAYER_COUNT
} dissect_layer;

typedef struct dissect_walk {
    cursor c;                     /* at the next layer's header */
    const ps_dissect_config *cfg;
    ps_packet outer;              /* the view as it was when the last tunnel was entered
                                     (its first PS_PACKET_CLEAR_LEN bytes) */
    uint8_t has_outer;
    uint16_t vlan_tag;            /* PS_ENCAP_VLAN_SET | the first VLAN ID since the last
                                     encapsulation, for the next one's record; 0 without */
    size_t udp_payload_len;       /* as the last UDP header said, for Teredo's check */
    size_t ip_offset;             /* where the innermost IP header begins in the frame */
} dissect_walk;

static inline ps_packet_kind dissect_set_kind(ps_packet *pkt, ps_packet_kind kind)
{
    pkt->kind = (uint8_t)kind;
    return kind;
}

static inline ps_packet_kind dissect_malformed(ps_packet *pkt, ps_malformed why)
{
    pkt->malformed = (uint8_t)why;
    return dissect_set_kind(pkt, PS_PKT_MALFORMED);
}

/* Ends the walk with pkt->kind final. */
static inline dissect_layer layer_done(ps_packet *pkt, ps_packet_kind kind)
{
    pkt->kind = (uint8_t)kind;
    return LAYER_DONE;
}

static inline dissect_layer layer_malformed(ps_packet *pkt, ps_malformed why)
{
    dissect_malformed(pkt, why);
    return LAYER_DONE;
}

/* Link layers (ether.c, sll.c, null.c, dissect.c) */
dissect_layer dissect_ether(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_sll(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_sll2(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_null(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_loop(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_raw_ip(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_vlan(dissect_walk *w, ps_packet *pkt);
/* chdlc.c, nflog.c, ipoib.c */
dissect_layer dissect_chdlc(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_ppp_serial(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_ppp_dir(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_nflog(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_ipoib(dissect_walk *w, ps_packet *pkt);
/* ieee80211.c, ppi.c: 802.11 data frames, their radiotap and PPI headers */
dissect_layer dissect_ieee80211(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_radiotap(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_ppi(dissect_walk *w, ps_packet *pkt);
/* Takes the 4-byte FCS off the end of the frame; 0 when it is not there. */
int dissect_trim_fcs(dissect_walk *w);

/* The link-type table (dissect.c): the first layer of a frame of this
 * DLT_* / LINKTYPE_* value, LAYER_DONE when it is not decoded. */
dissect_layer dissect_link_layer(int dlt);

/* The EtherType table (dissect.c): the layer that carries `type`. */
dissect_layer dissect_ethertype(dissect_walk *w, ps_packet *pkt, uint16_t type);
/* The IP protocol table (dissect.c): the payload of an IP datagram whose
 * header said `proto`; sets pkt->ip_proto. */
dissect_layer dissect_ip_payload(dissect_walk *w, ps_packet *pkt, uint8_t proto);

/* Capture headers of wireless links (radiotap, PPI) are little-endian. */
static inline uint16_t load_le16(const uint8_t *b)
{
    return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t load_le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline int vlan_is_tag(uint16_t ethertype)
{
    return ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
           ethertype == ETHERTYPE_QINQ_OLD;
}

/* Network layers (ipv4.c, ipv6.c) */
dissect_layer dissect_ipv4(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_ipv6(dissect_walk *w, ps_packet *pkt);

/* Transports (tcp.c, udp.c, sctp.c, dccp.c) */
dissect_layer dissect_tcp(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_udp(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_sctp(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_dccp(dissect_walk *w, ps_packet *pkt);
/* ICMP over IPv4, ICMPv6 over IPv6 (icmp.c): the type and code stand in for
 * ports. ICMP over IPv6 and ICMPv6 over IPv4 are other IP protocols. */
dissect_layer dissect_icmp(dissect_walk *w, ps_packet *pkt);

/* Encapsulations (tunnel.c, gre.c, mpls.c, pppoe.c, vxlan.c, geneve.c, gtpu.c,
 * l2tp.c, teredo.c) */
dissect_layer dissect_ipip4(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_ipip6(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_gre(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_erspan_ii(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_erspan_iii(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_mpls(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_pppoe(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_ppp(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_vxlan(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_geneve(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_gtpu(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_l2tp(dissect_walk *w, ps_packet *pkt);
dissect_layer dissect_teredo(dissect_walk *w, ps_packet *pkt);

/* The UDP tunnel port table (dissect.c): the tunnel layer for a datagram
 * between these ports, or LAYER_DONE. */
dissect_layer dissect_udp_tunnel(const dissect_walk *w, uint16_t sport, uint16_t dport);

/* tunnel.c: entering an IP tunnel (IP-in-IP, GRE, a UDP tunnel). The view
 * as it stands is kept, so a tunnel whose payload turns out not to be IP
 * counts as the outer packet; the tunnel's record takes the outer IP
 * endpoints, and the inner layers then start from clean address and
 * transport fields. Returns the new record (the caller may add to it), or
 * NULL (walk over, malformed) when the frame is nested deeper than
 * PS_ENCAP_MAX. has_id says whether id means anything. */
ps_encap_layer *dissect_tunnel_enter(dissect_walk *w, ps_packet *pkt, ps_encap type,
                                     uint32_t id, int has_id);
/* A carrier below IP (MPLS, PPPoE, ERSPAN): recorded, nothing reset. */
ps_encap_layer *dissect_carrier_enter(dissect_walk *w, ps_packet *pkt, ps_encap type,
                                      uint32_t id, int has_id);

#endif
