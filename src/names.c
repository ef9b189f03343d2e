/* Names of the protocol vocabulary, shared by every writer. */
#include <string.h>
#include <strings.h>

#include "portsniff/packet.h"

/* "icmp" for ICMPv6 too, as Zeek's conn.log writes it; the label tells
 * the two apart ("icmp", "ipv6-icmp"). */
static const char *const transport_names[PS_FLOW_TRANSPORT_COUNT] = {"-", "tcp", "udp", "sctp", "dccp",
                                                                     "icmp"};

const char *ps_transport_name(int transport)
{
    if (transport <= PS_TRANSPORT_NONE || transport >= PS_FLOW_TRANSPORT_COUNT)
        return "-";
    return transport_names[transport];
}

int ps_transport_from_name(const char *name)
{
    for (int t = PS_TRANSPORT_TCP; t < PS_TRANSPORT_COUNT; t++)
        if (strcasecmp(name, transport_names[t]) == 0)
            return t;
    return PS_TRANSPORT_NONE;
}

int ps_transport_from_ip_proto(uint8_t proto, int family)
{
    switch (proto) {
    case 1: return family == 4 ? PS_TRANSPORT_ICMP : PS_TRANSPORT_NONE;
    case 58: return family == 6 ? PS_TRANSPORT_ICMP : PS_TRANSPORT_NONE;
    case 6: return PS_TRANSPORT_TCP;
    case 17: return PS_TRANSPORT_UDP;
    case 132: return PS_TRANSPORT_SCTP;
    case 33: return PS_TRANSPORT_DCCP;
    default: return PS_TRANSPORT_NONE;
    }
}

uint8_t ps_transport_ip_proto(int transport, int family)
{
    if (transport == PS_TRANSPORT_ICMP)
        return family == 6 ? 58 : 1;
    static const uint8_t protos[PS_TRANSPORT_COUNT] = {0, 6, 17, 132, 33};
    if (transport <= PS_TRANSPORT_NONE || transport >= PS_TRANSPORT_COUNT)
        return 0;
    return protos[transport];
}

static const char *const malformed_names[PS_MAL_COUNT] = {
    [PS_MAL_NONE] = "none",
    [PS_MAL_SHORT_LINK] = "short-link-header",
    [PS_MAL_SHORT_VLAN] = "short-vlan-tag",
    [PS_MAL_VLAN_DEPTH] = "too-many-vlan-tags",
    [PS_MAL_SHORT_IPV4] = "short-ipv4-header",
    [PS_MAL_BAD_IPV4_VERSION] = "bad-ipv4-version",
    [PS_MAL_BAD_IPV4_IHL] = "bad-ipv4-header-length",
    [PS_MAL_BAD_IPV4_LENGTH] = "bad-ipv4-total-length",
    [PS_MAL_SHORT_IPV6] = "short-ipv6-header",
    [PS_MAL_BAD_IPV6_VERSION] = "bad-ipv6-version",
    [PS_MAL_SHORT_IPV6_EXT] = "short-ipv6-extension-header",
    [PS_MAL_IPV6_EXT_CHAIN] = "too-many-ipv6-extension-headers",
    [PS_MAL_SHORT_TCP] = "short-tcp-header",
    [PS_MAL_BAD_TCP_OFFSET] = "bad-tcp-data-offset",
    [PS_MAL_SHORT_UDP] = "short-udp-header",
    [PS_MAL_BAD_UDP_LENGTH] = "bad-udp-length",
    [PS_MAL_SHORT_SCTP] = "short-sctp-header",
    [PS_MAL_BAD_SCTP_CHUNK] = "bad-sctp-chunk-length",
    [PS_MAL_SHORT_DCCP] = "short-dccp-header",
    [PS_MAL_BAD_DCCP_OFFSET] = "bad-dccp-data-offset",
    [PS_MAL_BAD_RECORD_LENGTH] = "bad-record-length",
    [PS_MAL_ENCAP_DEPTH] = "too-many-encapsulations",
    [PS_MAL_HEADER_BUDGET] = "header-budget-exceeded",
    [PS_MAL_SHORT_GRE] = "short-gre-header",
    [PS_MAL_SHORT_ERSPAN] = "short-erspan-header",
    [PS_MAL_SHORT_MPLS] = "short-mpls-stack",
    [PS_MAL_MPLS_DEPTH] = "too-many-mpls-labels",
    [PS_MAL_SHORT_PPPOE] = "short-pppoe-header",
    [PS_MAL_SHORT_PPP] = "short-ppp-header",
    [PS_MAL_SHORT_VXLAN] = "short-vxlan-header",
    [PS_MAL_SHORT_GENEVE] = "short-geneve-header",
    [PS_MAL_BAD_GTPU] = "bad-gtpu-header",
    [PS_MAL_SHORT_L2TP] = "short-l2tp-header",
    [PS_MAL_SHORT_ICMP] = "short-icmp-header",
    [PS_MAL_SHORT_80211] = "short-80211-header",
    [PS_MAL_BAD_RADIOTAP] = "bad-radiotap-header",
    [PS_MAL_BAD_PPI] = "bad-ppi-header",
};

static const char *const encap_names[PS_ENCAP_COUNT] = {
    [PS_ENCAP_NONE] = "none",
    [PS_ENCAP_IPIP] = "ip-in-ip",
    [PS_ENCAP_GRE] = "gre",
    [PS_ENCAP_ERSPAN] = "erspan",
    [PS_ENCAP_MPLS] = "mpls",
    [PS_ENCAP_PPPOE] = "pppoe",
    [PS_ENCAP_VXLAN] = "vxlan",
    [PS_ENCAP_GENEVE] = "geneve",
    [PS_ENCAP_GTPU] = "gtp-u",
    [PS_ENCAP_L2TP] = "l2tp",
    [PS_ENCAP_TEREDO] = "teredo",
    [PS_ENCAP_PPTP] = "pptp",
};

const char *ps_encap_name(int encap)
{
    if (encap < 0 || encap >= PS_ENCAP_COUNT || !encap_names[encap])
        return "unknown";
    return encap_names[encap];
}

const char *ps_malformed_name(int reason)
{
    if (reason < 0 || reason >= PS_MAL_COUNT || !malformed_names[reason])
        return "unknown";
    return malformed_names[reason];
}

const char *ps_ip_proto_name(uint8_t proto)
{
    switch (proto) {
    case 0: return "hopopt";
    case 1: return "icmp";
    case 2: return "igmp";
    case 4: return "ipv4-in-ip";
    case 6: return "tcp";
    case 17: return "udp";
    case 33: return "dccp";
    case 41: return "ipv6-in-ip";
    case 46: return "rsvp";
    case 47: return "gre";
    case 50: return "esp";
    case 51: return "ah";
    case 58: return "ipv6-icmp";
    case 59: return "ipv6-nonxt";
    case 88: return "eigrp";
    case 89: return "ospf";
    case 103: return "pim";
    case 112: return "vrrp";
    case 115: return "l2tp";
    case 132: return "sctp";
    case 136: return "udplite";
    case 137: return "mpls-in-ip";
    default: return NULL;
    }
}
