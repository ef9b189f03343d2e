/* The packet view: what the dissector extracts from one captured frame.
 * Filled in one pass, no allocation; the flow table consumes it. */
#ifndef PORTSNIFF_PACKET_H
#define PORTSNIFF_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* The transports of flows. The first PS_TRANSPORT_COUNT carry ports, which
 * the registry names, and index the registry's per-transport arrays; ICMP
 * flows (ICMP over IPv4, ICMPv6 over IPv6) come after them, with the type
 * and code standing in for ports as the Community ID spec and Zeek take
 * them (see ps_icmp_port_equivalents). */
typedef enum ps_transport {
    PS_TRANSPORT_NONE = 0,
    PS_TRANSPORT_TCP,
    PS_TRANSPORT_UDP,
    PS_TRANSPORT_SCTP,
    PS_TRANSPORT_DCCP,
    PS_TRANSPORT_COUNT,
    PS_TRANSPORT_ICMP = PS_TRANSPORT_COUNT,
    PS_FLOW_TRANSPORT_COUNT
} ps_transport;

/* What one frame turned out to be. */
typedef enum ps_packet_kind {
    PS_PKT_TRANSPORT = 0,   /* TCP/UDP/SCTP/DCCP with ports, ICMP/ICMPv6 with their equivalents */
    PS_PKT_FRAGMENT,        /* a non-first IP fragment: addresses, ip_proto, frag_id valid, no ports */
    PS_PKT_OTHER_IP,        /* IP carrying another protocol (GRE, ESP...) */
    PS_PKT_NON_IP,          /* link layer carried something else (ARP, LLDP...) */
    PS_PKT_MALFORMED,       /* see ps_packet.malformed */
    PS_PKT_UNSUPPORTED_LINK /* the capture's link type is not decoded */
} ps_packet_kind;

/* Why a frame could not be decoded. Keep ps_malformed_name() in sync. */
/* The longest frame a capture record may claim: beyond any link's frames,
 * and beyond the 64 KiB GRO/TSO aggregates and 512 KiB BIG TCP packets a
 * Linux host captures. A record claiming more lies about its length. */
#define PS_MAX_WIRE_LEN (1u << 20)

typedef enum ps_malformed {
    PS_MAL_NONE = 0,
    PS_MAL_SHORT_LINK,        /* frame shorter than its link-layer header */
    PS_MAL_SHORT_VLAN,        /* 802.1Q/802.1ad tag cut short */
    PS_MAL_VLAN_DEPTH,        /* more stacked tags than we follow */
    PS_MAL_SHORT_IPV4,        /* IPv4 header cut short */
    PS_MAL_BAD_IPV4_VERSION,  /* version field is not 4 */
    PS_MAL_BAD_IPV4_IHL,      /* header length < 20 or beyond total length */
    PS_MAL_BAD_IPV4_LENGTH,   /* total length < header length */
    PS_MAL_SHORT_IPV6,        /* IPv6 header cut short */
    PS_MAL_BAD_IPV6_VERSION,  /* version field is not 6 */
    PS_MAL_SHORT_IPV6_EXT,    /* extension header cut short */
    PS_MAL_IPV6_EXT_CHAIN,    /* too many extension headers */
    PS_MAL_SHORT_TCP,         /* TCP header cut short */
    PS_MAL_BAD_TCP_OFFSET,    /* data offset < 5 words */
    PS_MAL_SHORT_UDP,         /* UDP header cut short */
    PS_MAL_BAD_UDP_LENGTH,    /* UDP length < 8 */
    PS_MAL_SHORT_SCTP,        /* SCTP common header cut short */
    PS_MAL_BAD_SCTP_CHUNK,    /* chunk length < 4 */
    PS_MAL_SHORT_DCCP,        /* DCCP generic header cut short */
    PS_MAL_BAD_DCCP_OFFSET,   /* data offset smaller than the generic header */
    PS_MAL_BAD_RECORD_LENGTH, /* the capture record's original length is below its
                                 captured length or above PS_MAX_WIRE_LEN */
    /* Encapsulations (src/dissect/gre.c, mpls.c, pppoe.c, vxlan.c, geneve.c, gtpu.c) */
    PS_MAL_ENCAP_DEPTH,       /* more nested encapsulations than PS_ENCAP_MAX */
    PS_MAL_HEADER_BUDGET,     /* more headers than one walk follows */
    PS_MAL_SHORT_GRE,         /* GRE header or its optional fields cut short */
    PS_MAL_SHORT_ERSPAN,      /* ERSPAN type II/III header cut short */
    PS_MAL_SHORT_MPLS,        /* MPLS label stack ends before its bottom-of-stack entry */
    PS_MAL_MPLS_DEPTH,        /* more MPLS labels than we follow */
    PS_MAL_SHORT_PPPOE,       /* PPPoE session header cut short */
    PS_MAL_SHORT_PPP,         /* PPP protocol field cut short */
    PS_MAL_SHORT_VXLAN,       /* VXLAN header cut short */
    PS_MAL_SHORT_GENEVE,      /* Geneve header or its options cut short */
    PS_MAL_BAD_GTPU,          /* GTP-U header or an extension header cut short or of length 0 */
    PS_MAL_SHORT_L2TP,        /* L2TPv2 data header cut short */
    PS_MAL_SHORT_ICMP,        /* ICMP or ICMPv6 header cut short */
    PS_MAL_SHORT_80211,       /* 802.11 header (with QoS/HT control, 4th address) or FCS cut short */
    PS_MAL_BAD_RADIOTAP,      /* radiotap header cut short, not version 0, or its length lies */
    PS_MAL_BAD_PPI,           /* PPI header or a PPI field cut short, or its length lies */
    PS_MAL_COUNT
} ps_malformed;

enum {
    PS_FRAG_NONE = 0,
    PS_FRAG_FIRST = 1,   /* offset 0 with more-fragments set: carries the ports */
    PS_FRAG_LATER = 2    /* offset > 0 */
};

/* TCP flag bits as on the wire (RFC 9293 section 3.1). */
enum {
    PS_TCP_FIN = 0x01, PS_TCP_SYN = 0x02, PS_TCP_RST = 0x04, PS_TCP_PSH = 0x08,
    PS_TCP_ACK = 0x10, PS_TCP_URG = 0x20, PS_TCP_ECE = 0x40, PS_TCP_CWR = 0x80
};

/* SCTP chunk types (RFC 9260 section 3.2) the flow table acts on. */
enum {
    PS_SCTP_DATA = 0, PS_SCTP_INIT = 1, PS_SCTP_INIT_ACK = 2, PS_SCTP_SACK = 3,
    PS_SCTP_HEARTBEAT = 4, PS_SCTP_HEARTBEAT_ACK = 5, PS_SCTP_ABORT = 6,
    PS_SCTP_SHUTDOWN = 7, PS_SCTP_SHUTDOWN_ACK = 8, PS_SCTP_ERROR = 9,
    PS_SCTP_COOKIE_ECHO = 10, PS_SCTP_COOKIE_ACK = 11, PS_SCTP_SHUTDOWN_COMPLETE = 14
};

/* DCCP packet types (RFC 4340 section 5.1). */
enum {
    PS_DCCP_REQUEST = 0, PS_DCCP_RESPONSE = 1, PS_DCCP_DATA = 2, PS_DCCP_ACK = 3,
    PS_DCCP_DATAACK = 4, PS_DCCP_CLOSEREQ = 5, PS_DCCP_CLOSE = 6, PS_DCCP_RESET = 7,
    PS_DCCP_SYNC = 8, PS_DCCP_SYNCACK = 9
};

/* Encapsulations the dissector walked through to reach the innermost
 * layer (ps_packet.encap). Keep ps_encap_name() in sync. */
typedef enum ps_encap {
    PS_ENCAP_NONE = 0,
    PS_ENCAP_IPIP,      /* IPv4 or IPv6 directly in IPv4 or IPv6 (4in4, 6in4, 4in6, 6in6) */
    PS_ENCAP_GRE,       /* id: the key when present */
    PS_ENCAP_ERSPAN,    /* inside GRE; id: the session ID (types II and III) */
    PS_ENCAP_MPLS,      /* id: the bottom-of-stack label */
    PS_ENCAP_PPPOE,     /* id: the session ID */
    PS_ENCAP_VXLAN,     /* id: the VNI */
    PS_ENCAP_GENEVE,    /* id: the VNI */
    PS_ENCAP_GTPU,      /* id: the TEID */
    PS_ENCAP_L2TP,      /* L2TPv2 data; id: tunnel ID << 16 | session ID */
    PS_ENCAP_TEREDO,    /* IPv6 in UDP 3544 */
    PS_ENCAP_PPTP,      /* PPTP's enhanced GRE (version 1); id: the call ID */
    PS_ENCAP_COUNT
} ps_encap;

/* Encapsulations recorded per frame; one more is PS_MAL_ENCAP_DEPTH. */
#define PS_ENCAP_MAX 8
/* MPLS labels kept per stack (the stack itself may be deeper). */
#define PS_ENCAP_MPLS_LABELS 8

/* ps_encap_layer.vlan: a tag was seen (the VLAN ID is the low 12 bits). */
#define PS_ENCAP_VLAN_SET 0x8000u

/* One encapsulation as the frame showed it. Every byte is defined (the
 * dissector clears a layer before filling it), so layers are compared and
 * hashed as bytes. */
typedef struct ps_encap_layer {
    uint8_t  type;         /* ps_encap */
    uint8_t  family;       /* 4 or 6: src/dst hold the outer IP endpoints of an IP
                              tunnel; 0 for carriers below IP (MPLS, PPPoE, ERSPAN) */
    uint8_t  has_id;       /* id is meaningful (a GRE key was present, ...) */
    uint8_t  nlabels;      /* MPLS: labels in the stack (the first PS_ENCAP_MPLS_LABELS
                              are in labels[]) */
    uint16_t vlan;         /* PS_ENCAP_VLAN_SET | the outermost VLAN ID of the frame that
                              carried this layer, after the previous layer; 0 without */
    uint16_t pad;
    uint32_t id;           /* VNI, GRE key, TEID, PPPoE session, ERSPAN session, PPTP
                              call ID, L2TP tunnel << 16 | session, MPLS bottom label */
    union {
        struct {
            uint8_t src[16];   /* IPv4 uses the first 4 bytes */
            uint8_t dst[16];
        } ep;
        uint32_t labels[PS_ENCAP_MPLS_LABELS];   /* MPLS, outermost first */
    } u;
} ps_encap_layer;

typedef struct ps_packet {
    int64_t  ts_ns;          /* capture timestamp, ns since the epoch */
    uint32_t wire_len;       /* on-wire length from the capture record; 0 when it lies (bad-record-length) */
    uint32_t cap_len;        /* captured length */
    uint32_t ip_bytes;       /* IPv4 total length, or 40 + IPv6 payload length, as the header says */
    uint8_t  kind;           /* ps_packet_kind */
    uint8_t  malformed;      /* ps_malformed when kind == PS_PKT_MALFORMED */
    uint8_t  family;         /* 4 or 6; 0 without an IP layer */
    uint8_t  ip_proto;       /* upper-layer protocol after IPv6 extension headers */
    uint8_t  transport;      /* ps_transport */
    uint8_t  tcp_flags;      /* PS_TCP_* bits */
    uint8_t  frag;           /* PS_FRAG_* */
    uint8_t  vlan_depth;     /* number of 802.1Q/802.1ad tags */
    uint16_t vlan_id;        /* outermost VLAN ID, 0 when untagged */
    uint16_t sport, dport;   /* ICMP: the type, and its counterpart or the code */
    uint16_t payload_len;    /* TCP: segment payload as the IP header's length says
                                (an IPv6 jumbogram's beyond 65535 counts 65535);
                                UDP: the UDP length less its header */
    uint32_t frag_id;        /* IPv4 identification or IPv6 fragment identification */
    uint8_t  src[16];        /* IPv4 addresses use the first 4 bytes, the rest is zero */
    uint8_t  dst[16];
    uint32_t sctp_chunks;    /* bit n set when a chunk of type n (n < 32) is present */
    uint32_t dccp_service_code;
    uint32_t tcp_seq, tcp_ack;   /* TCP sequence and acknowledgment numbers */
    uint8_t  dccp_type;      /* PS_DCCP_* */
    uint8_t  dccp_has_service_code;
    /* The encapsulation record: what the frame was found in, outermost
     * first. Addresses, ports and ip_bytes above are the innermost layer's.
     * (The fields up to here are ordered to leave no hole: with them the
     * view is 464 bytes and a flow table's queue slot 512, indexed by a
     * shift.) */
    uint8_t  encap_depth;
    uint8_t  encap[PS_ENCAP_MAX];   /* ps_encap */
    uint32_t encap_id;              /* identifier of the innermost encapsulation with one */
    /* The address space the inner addresses belong to: the VXLAN and
     * Geneve VNIs on the way in (the same in both directions), 0 outside
     * any. The flow table keys flows on it. */
    uint64_t context;
    /* Each encapsulation in full, outermost first; layers at and beyond
     * encap_depth are not cleared and hold nothing of this frame. */
    ps_encap_layer layer[PS_ENCAP_MAX];
} ps_packet;

/* The bytes of a view the dissector clears for every frame. */
#define PS_PACKET_CLEAR_LEN offsetof(ps_packet, layer)

const char *ps_encap_name(int encap);              /* "vxlan", "gre", ... or "unknown" */
const char *ps_transport_name(int transport);      /* "tcp", "udp", "sctp", "dccp", "icmp", "-" */
/* A transport with ports by name ("icmp" is none: the registry has no ICMP). */
int ps_transport_from_name(const char *name);      /* PS_TRANSPORT_NONE when unknown */
/* 6->TCP, 17->UDP, 132->SCTP, 33->DCCP, and ICMP for 1 over IPv4 and 58 over IPv6. */
int ps_transport_from_ip_proto(uint8_t proto, int family);
/* The IP protocol of a flow's transport: ICMP's is 1 over IPv4, 58 over IPv6. */
uint8_t ps_transport_ip_proto(int transport, int family);
const char *ps_malformed_name(int reason);         /* e.g. "short-tcp" */
const char *ps_ip_proto_name(uint8_t proto);       /* "icmp", "gre", ... or NULL */

#endif
