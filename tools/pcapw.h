/* Capture-file writers (classic pcap and pcapng) and frame builders.
 *
 * Frames are built from the inside out: the payload is appended first, then
 * every header is pushed in front of what is already there. A transport
 * checksum can then be computed at the moment its header is pushed, because
 * everything it covers is final by then.
 *
 * Everything written is little-endian and depends only on the arguments, so
 * the same calls produce the same bytes on every host. */
#ifndef PCAPW_H
#define PCAPW_H

#include <stddef.h>
#include <stdint.h>

/* Link-layer header types as written in capture files (tcpdump.org/linktypes). */
enum {
    PW_LINKTYPE_NULL = 0,
    PW_LINKTYPE_ETHERNET = 1,
    PW_LINKTYPE_RAW = 101,
    PW_LINKTYPE_LINUX_SLL = 113,
    PW_LINKTYPE_BLUETOOTH_HCI_H4 = 187,
    PW_LINKTYPE_LINUX_SLL2 = 276
};

enum {
    PW_ETHERTYPE_IPV4 = 0x0800,
    PW_ETHERTYPE_ARP = 0x0806,
    PW_ETHERTYPE_8021Q = 0x8100,
    PW_ETHERTYPE_8021AD = 0x88a8,
    PW_ETHERTYPE_IPV6 = 0x86dd
};

enum {
    PW_IPPROTO_HOPOPTS = 0, PW_IPPROTO_ICMP = 1, PW_IPPROTO_TCP = 6,
    PW_IPPROTO_UDP = 17, PW_IPPROTO_DCCP = 33, PW_IPPROTO_IPV6 = 41,
    PW_IPPROTO_ROUTING = 43, PW_IPPROTO_FRAGMENT = 44, PW_IPPROTO_GRE = 47,
    PW_IPPROTO_ESP = 50, PW_IPPROTO_AH = 51, PW_IPPROTO_ICMPV6 = 58,
    PW_IPPROTO_NONE = 59, PW_IPPROTO_DSTOPTS = 60, PW_IPPROTO_SCTP = 132
};

enum {
    PW_TCP_FIN = 0x01, PW_TCP_SYN = 0x02, PW_TCP_RST = 0x04,
    PW_TCP_PSH = 0x08, PW_TCP_ACK = 0x10, PW_TCP_URG = 0x20
};

/* RFC 9260 section 3.2 */
enum {
    PW_SCTP_DATA = 0, PW_SCTP_INIT = 1, PW_SCTP_INIT_ACK = 2, PW_SCTP_SACK = 3,
    PW_SCTP_HEARTBEAT = 4, PW_SCTP_HEARTBEAT_ACK = 5, PW_SCTP_ABORT = 6,
    PW_SCTP_SHUTDOWN = 7, PW_SCTP_SHUTDOWN_ACK = 8, PW_SCTP_COOKIE_ECHO = 10,
    PW_SCTP_COOKIE_ACK = 11, PW_SCTP_SHUTDOWN_COMPLETE = 14
};

/* RFC 4340 section 5.1 */
enum {
    PW_DCCP_REQUEST = 0, PW_DCCP_RESPONSE = 1, PW_DCCP_DATA = 2, PW_DCCP_ACK = 3,
    PW_DCCP_DATAACK = 4, PW_DCCP_CLOSEREQ = 5, PW_DCCP_CLOSE = 6, PW_DCCP_RESET = 7
};

/* ---- frames -------------------------------------------------------------- */

#define PW_HEADROOM 512
#define PW_FRAME_MAX 65535

typedef struct pw_frame {
    size_t head;   /* offset of the first byte in buf */
    size_t tail;   /* offset one past the last byte */
    uint8_t buf[PW_HEADROOM + PW_FRAME_MAX];
} pw_frame;

void pw_frame_init(pw_frame *f);
size_t pw_frame_len(const pw_frame *f);
const uint8_t *pw_frame_data(const pw_frame *f);
uint8_t *pw_frame_at(pw_frame *f, size_t offset);   /* for patching a built frame */
uint8_t *pw_frame_push(pw_frame *f, size_t n);      /* n zeroed bytes in front */
uint8_t *pw_frame_put(pw_frame *f, size_t n);       /* n zeroed bytes at the end */

void pw_put_u8(pw_frame *f, uint8_t v);
void pw_put_be16(pw_frame *f, uint16_t v);
void pw_put_be32(pw_frame *f, uint32_t v);
void pw_put_be64(pw_frame *f, uint64_t v);
void pw_put_bytes(pw_frame *f, const void *bytes, size_t n);
void pw_put_str(pw_frame *f, const char *s);        /* without the terminating NUL */
/* Deterministic opaque bytes (ciphertext, cookies, random fields). */
void pw_fill(uint8_t *out, size_t n, uint32_t seed);
void pw_put_fill(pw_frame *f, size_t n, uint32_t seed);
void pw_patch_be16(pw_frame *f, size_t offset, uint16_t v);
void pw_patch_be24(pw_frame *f, size_t offset, uint32_t v);
void pw_patch_be32(pw_frame *f, size_t offset, uint32_t v);

/* ---- checksums ----------------------------------------------------------- */

uint16_t pw_inet_checksum(const uint8_t *data, size_t len);
uint32_t pw_crc32c(const uint8_t *data, size_t len);

/* ---- capture files ------------------------------------------------------- */

typedef struct pw_writer pw_writer;

/* Classic pcap with microsecond timestamps. NULL with errno set on failure. */
pw_writer *pw_open_pcap(const char *path, uint32_t linktype, uint32_t snaplen);
/* pcapng: one section, one interface whose if_tsresol is 10^-tsresol_exp10 s. */
pw_writer *pw_open_pcapng(const char *path, uint32_t linktype, uint32_t snaplen,
                          uint8_t tsresol_exp10);
/* Records a frame of wire_len bytes of which the first cap_len were captured;
 * cap_len is further clipped to the snap length. */
void pw_write(pw_writer *w, int64_t ts_ns, const uint8_t *data,
              uint32_t wire_len, uint32_t cap_len);
void pw_write_frame(pw_writer *w, int64_t ts_ns, const pw_frame *f);
/* 0 when every write reached the file, -1 with errno otherwise. */
int pw_close(pw_writer *w);

/* ---- link layers --------------------------------------------------------- */

void pw_ether(pw_frame *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
/* Pads to the 60-byte Ethernet minimum, as a frame received from the wire shows. */
void pw_ether_pad(pw_frame *f);
/* An 802.1Q/802.1ad tag; `type` names what follows the tag. The TPID is the
 * type of whatever header is pushed in front of it. */
void pw_vlan(pw_frame *f, uint8_t pcp, uint16_t vid, uint16_t type);
void pw_sll(pw_frame *f, uint16_t pkttype, const uint8_t addr[6], uint16_t protocol);
void pw_sll2(pw_frame *f, uint16_t protocol, uint32_t ifindex, uint8_t pkttype,
             const uint8_t addr[6]);
/* BSD loopback: the address family in the capturing host's byte order. */
void pw_null(pw_frame *f, uint32_t family_le);

/* ---- network layers ------------------------------------------------------ */

/* The two addresses a transport checksum's pseudo-header covers. */
typedef struct pw_ip {
    int family;                 /* 4 or 6 */
    uint8_t src[16], dst[16];   /* IPv4 uses the first 4 bytes */
} pw_ip;

typedef struct pw_ipv4_hdr {
    uint8_t tos, ttl, proto;
    uint16_t id;
    int dont_fragment, more_fragments;
    uint16_t frag_offset;            /* bytes, a multiple of 8 */
    const uint8_t *options;          /* already padded to a multiple of 4 */
    size_t options_len;
} pw_ipv4_hdr;

void pw_ipv4(pw_frame *f, const pw_ip *ip, const pw_ipv4_hdr *h);
void pw_ipv6(pw_frame *f, const pw_ip *ip, uint8_t next_header, uint8_t hop_limit,
             uint32_t flow_label);
/* Hop-by-hop or destination options (their layout is the same); the options
 * are followed by PadN up to a multiple of 8 bytes. */
void pw_ipv6_options(pw_frame *f, uint8_t next_header, const uint8_t *options, size_t len);
/* Segment Routing Header (RFC 8754), routing type 4, without TLVs. */
void pw_ipv6_srh(pw_frame *f, uint8_t next_header, uint8_t segments_left,
                 const uint8_t (*segments)[16], size_t nsegments);
void pw_ipv6_fragment(pw_frame *f, uint8_t next_header, uint16_t offset, int more,
                      uint32_t id);
/* AH (RFC 4302) with a 96-bit ICV, as HMAC-SHA1-96 produces. */
void pw_ah(pw_frame *f, uint8_t next_header, uint32_t spi, uint32_t seq);
/* ESP (RFC 4303): SPI and sequence number in front of the opaque payload. */
void pw_esp(pw_frame *f, uint32_t spi, uint32_t seq);
void pw_gre(pw_frame *f, uint16_t protocol);
void pw_arp(pw_frame *f, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
            const uint8_t tha[6], const uint8_t tpa[4]);
void pw_icmp_echo(pw_frame *f, uint8_t type, uint16_t id, uint16_t seq);
void pw_icmp6_echo(pw_frame *f, const pw_ip *ip, uint8_t type, uint16_t id, uint16_t seq);

/* ---- transports ---------------------------------------------------------- */

typedef struct pw_tcp_hdr {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window, urgent;
    const uint8_t *options;          /* already padded to a multiple of 4 */
    size_t options_len;
} pw_tcp_hdr;

void pw_tcp(pw_frame *f, const pw_ip *ip, const pw_tcp_hdr *h);
/* Option blocks as Linux sends them; both return the bytes written. */
size_t pw_tcp_syn_options(uint8_t out[20], uint16_t mss, uint8_t wscale,
                          uint32_t tsval, uint32_t tsecr);
size_t pw_tcp_ts_options(uint8_t out[12], uint32_t tsval, uint32_t tsecr);

void pw_udp(pw_frame *f, const pw_ip *ip, uint16_t sport, uint16_t dport);

/* SCTP: append chunks, then push the common header (which adds the CRC32c). */
void pw_sctp(pw_frame *f, uint16_t sport, uint16_t dport, uint32_t vtag);
void pw_sctp_chunk(pw_frame *f, uint8_t type, uint8_t flags, const void *value, size_t len);

typedef struct pw_sctp_init {
    uint32_t initiate_tag, a_rwnd;
    uint16_t outbound_streams, inbound_streams;
    uint32_t initial_tsn;
    const uint8_t *params;           /* TLV parameters, each padded to 4 */
    size_t params_len;
} pw_sctp_init;

void pw_sctp_init_chunk(pw_frame *f, uint8_t type, const pw_sctp_init *init);
void pw_sctp_data_chunk(pw_frame *f, uint8_t flags, uint32_t tsn, uint16_t stream,
                        uint16_t ssn, uint32_t ppid, const void *data, size_t len);
void pw_sctp_sack_chunk(pw_frame *f, uint32_t cum_tsn, uint32_t a_rwnd);
void pw_sctp_shutdown_chunk(pw_frame *f, uint32_t cum_tsn);
/* HEARTBEAT or HEARTBEAT ACK carrying `info` in a Heartbeat Info parameter. */
void pw_sctp_heartbeat_chunk(pw_frame *f, uint8_t type, const void *info, size_t len);
/* Appends one parameter TLV (padded to 4) to a parameter block being built. */
size_t pw_sctp_param(uint8_t *out, uint16_t type, const void *value, size_t len);

/* DCCP with 48-bit sequence numbers (X=1) and full checksum coverage. */
typedef struct pw_dccp_hdr {
    uint16_t sport, dport;
    uint8_t type, ccval;
    uint64_t seq, ack;               /* ack is ignored for Request and Data */
    uint32_t service_code;           /* Request and Response */
    uint8_t reset_code;              /* Reset */
} pw_dccp_hdr;

void pw_dccp(pw_frame *f, const pw_ip *ip, const pw_dccp_hdr *h);

#endif
