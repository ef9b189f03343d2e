/* gen-captures OUTDIR: writes portsniff's sample captures (captures/README.md
 * says what each one holds).
 *
 * Every byte is a function of this file: timestamps start at
 * 2026-08-17T10:00:00Z and advance by fixed gaps, addresses come from the
 * documentation ranges (RFC 5737, RFC 3849; MACs from RFC 7042's
 * 00-00-5E-00-53-xx block), and whatever is random on a real network
 * (ISNs, tags, ciphertext, cookies) is derived from fixed seeds. The tests
 * regenerate the files and compare them byte for byte with captures/. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"

#define BASE_NS INT64_C(1786960800000000000)   /* 2026-08-17T10:00:00Z */
#define US(x) ((int64_t)(x) * 1000)
#define MS(x) ((int64_t)(x) * 1000000)

enum { C2S = 0, S2C = 1 };   /* direction: from the client, from the server */

enum {
    SYN = PW_TCP_SYN, ACK = PW_TCP_ACK, FIN = PW_TCP_FIN,
    RST = PW_TCP_RST, PSH = PW_TCP_PSH
};

/* ---- small helpers -------------------------------------------------------- */

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static void parse_addr(int family, const char *text, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(family == 6 ? AF_INET6 : AF_INET, text, out) != 1) {
        fprintf(stderr, "gen-captures: bad address literal %s\n", text);
        abort();
    }
}

static void doc_mac(uint8_t mac[6], uint8_t last)
{
    static const uint8_t prefix[5] = {0x00, 0x00, 0x5e, 0x00, 0x53};
    memcpy(mac, prefix, 5);
    mac[5] = last;
}

__attribute__((format(printf, 2, 3)))
static void put_fmt(pw_frame *f, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        abort();
    pw_put_bytes(f, buf, (size_t)n);
}

static void put_cstr(pw_frame *f, const char *s)   /* with its NUL */
{
    pw_put_bytes(f, s, strlen(s) + 1);
}

static void put_le16(pw_frame *f, uint16_t v)
{
    pw_put_u8(f, (uint8_t)v);
    pw_put_u8(f, (uint8_t)(v >> 8));
}

static void put_le32(pw_frame *f, uint32_t v)
{
    put_le16(f, (uint16_t)v);
    put_le16(f, (uint16_t)(v >> 16));
}

static void put_be24(pw_frame *f, uint32_t v)
{
    pw_put_u8(f, (uint8_t)(v >> 16));
    pw_put_be16(f, (uint16_t)v);
}

static void copy_slice(pw_frame *dst, const pw_frame *src, size_t off, size_t len)
{
    pw_frame_init(dst);
    pw_put_bytes(dst, pw_frame_data(src) + off, len);
}

/* ---- captures and flows --------------------------------------------------- */

struct capture {
    pw_writer *w;
    int64_t now;       /* ns; every send advances it by its gap first */
    int sub_us;        /* pcapng: let timestamps use the nanosecond digits */
    uint32_t count;
};

static int64_t stamp(struct capture *cap)
{
    int64_t ts = cap->now;
    if (cap->sub_us)   /* gaps are whole microseconds, so this never reorders */
        ts += (int64_t)(cap->count * 337u % 1000u);
    cap->count++;
    return ts;
}

static void cap_write(struct capture *cap, const pw_frame *f)
{
    pw_write_frame(cap->w, stamp(cap), f);
}

static void cap_write_cut(struct capture *cap, const pw_frame *f, uint32_t cap_len)
{
    pw_write(cap->w, stamp(cap), pw_frame_data(f), (uint32_t)pw_frame_len(f), cap_len);
}

enum link_kind { LINK_ETHER, LINK_SLL, LINK_SLL2, LINK_NULL, LINK_RAW };

struct link {
    enum link_kind kind;
    uint16_t outer_tpid, outer_vid;  /* outer_vid 0: untagged */
    uint16_t inner_vid;              /* 0: at most one tag */
    uint32_t null_family;            /* LINK_NULL: AF value as the capturing OS writes it */
    int pad;                         /* frames from the server padded to 60 bytes */
};

static const struct link ETHER = {.kind = LINK_ETHER};
static const struct link ETHER_PADDED = {.kind = LINK_ETHER, .pad = 1};

enum ipv6_ext { EXT_NONE, EXT_HBH_DST_SRH, EXT_HBH, EXT_AH, EXT_ATOMIC_FRAGMENT };

struct flow {
    struct capture *cap;
    struct link link;
    int family;
    uint8_t addr[2][16];
    uint8_t mac[2][6];
    uint16_t port[2];
    uint8_t ttl[2];
    uint16_t ip_id[2];
    uint32_t flow_label[2];
    int dont_fragment;
    const uint8_t *ip_options;       /* IPv4 options on the next packet only */
    size_t ip_options_len;
    enum ipv6_ext ext;               /* IPv6 extension headers on the next packet only */
    uint32_t ext_seq;
    int64_t rtt;
    /* TCP */
    int tcp_options;                 /* Linux's MSS/SACK/timestamps/window scale */
    uint16_t mss;
    uint32_t seq[2];                 /* next sequence number each side sends */
    uint32_t tsval_base[2], last_tsval[2];
    /* SCTP: vtag[d] is the tag side d chose; packets sent to d carry it */
    uint32_t vtag[2], tsn[2];
    uint16_t ssn[2];
    /* DCCP */
    uint64_t dccp_seq[2];            /* next sequence number each side sends */
    uint32_t service_code;
};

static void flow_init(struct flow *fl, struct capture *cap, const struct link *link,
                      const char *client, uint16_t cport, const char *server, uint16_t sport)
{
    memset(fl, 0, sizeof *fl);
    fl->cap = cap;
    fl->link = *link;
    fl->family = strchr(client, ':') ? 6 : 4;
    parse_addr(fl->family, client, fl->addr[C2S]);
    parse_addr(fl->family, server, fl->addr[S2C]);
    fl->port[C2S] = cport;
    fl->port[S2C] = sport;
    doc_mac(fl->mac[C2S], fl->addr[C2S][fl->family == 6 ? 15 : 3]);
    doc_mac(fl->mac[S2C], 0xfe);     /* the router in front of the client */
    fl->ttl[C2S] = 64;
    fl->ttl[S2C] = 55;
    fl->dont_fragment = 1;
    fl->rtt = US(23480);
    fl->tcp_options = 1;
    fl->mss = fl->family == 6 ? 1440 : 1460;

    uint32_t seed = mix32((uint32_t)cport << 16 | sport) ^ fl->addr[S2C][fl->family == 6 ? 15 : 3];
    for (int d = 0; d < 2; d++) {
        uint32_t s = seed + 16u * (uint32_t)d;
        fl->ip_id[d] = (uint16_t)mix32(s + 1);
        fl->flow_label[d] = mix32(s + 2) & 0xfffffu;
        fl->seq[d] = mix32(s + 3);
        fl->tsval_base[d] = mix32(s + 4);
        fl->vtag[d] = mix32(s + 5) | 1u;
        fl->tsn[d] = mix32(s + 6);
        fl->dccp_seq[d] = (uint64_t)(mix32(s + 7) & 0xffffu) << 32 | mix32(s + 8);
    }
}

static pw_ip flow_ip(const struct flow *fl, int dir)
{
    pw_ip ip = {.family = fl->family};
    memcpy(ip.src, fl->addr[dir], 16);
    memcpy(ip.dst, fl->addr[!dir], 16);
    return ip;
}

static void push_ether(const struct flow *fl, int dir, uint16_t type, pw_frame *f)
{
    if (fl->link.inner_vid) {
        pw_vlan(f, 0, fl->link.inner_vid, type);
        type = PW_ETHERTYPE_8021Q;
    }
    if (fl->link.outer_vid) {
        pw_vlan(f, 0, fl->link.outer_vid, type);
        type = fl->link.outer_tpid;
    }
    pw_ether(f, fl->mac[!dir], fl->mac[dir], type);
    if (dir == S2C && fl->link.pad)
        pw_ether_pad(f);
}

/* The capture is taken on the client: its own frames are "outgoing". */
static void push_link(const struct flow *fl, int dir, uint16_t type, pw_frame *f)
{
    uint8_t pkttype = dir == C2S ? 4 : 0;    /* PACKET_OUTGOING : PACKET_HOST */
    switch (fl->link.kind) {
    case LINK_ETHER: push_ether(fl, dir, type, f); break;
    case LINK_SLL: pw_sll(f, pkttype, fl->mac[dir], type); break;
    case LINK_SLL2: pw_sll2(f, type, 2, pkttype, fl->mac[dir]); break;
    case LINK_NULL: pw_null(f, fl->link.null_family); break;
    case LINK_RAW: break;
    }
}

static const uint8_t SRH_WAYPOINT[16] = {
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

/* Extension headers in RFC 8200 section 4.1 order; returns the first one's type. */
static uint8_t push_ipv6_ext(struct flow *fl, int dir, uint8_t proto, pw_frame *f)
{
    static const uint8_t dst_option[] = {0x1e, 2, 0x00, 0x00};   /* RFC 4727 experiment */
    uint8_t segments[2][16];
    switch (fl->ext) {
    case EXT_NONE:
        return proto;
    case EXT_HBH_DST_SRH:
        /* Segments Left 0: the IPv6 destination is already the final one. */
        memcpy(segments[0], fl->addr[!dir], 16);
        memcpy(segments[1], SRH_WAYPOINT, 16);
        pw_ipv6_srh(f, proto, 0, (const uint8_t (*)[16])segments, 2);
        pw_ipv6_options(f, PW_IPPROTO_ROUTING, dst_option, sizeof dst_option);
        pw_ipv6_options(f, PW_IPPROTO_DSTOPTS, NULL, 0);
        return PW_IPPROTO_HOPOPTS;
    case EXT_HBH:
        pw_ipv6_options(f, proto, NULL, 0);
        return PW_IPPROTO_HOPOPTS;
    case EXT_AH:
        pw_ah(f, proto, 0x00000101u, ++fl->ext_seq);
        return PW_IPPROTO_AH;
    case EXT_ATOMIC_FRAGMENT:
        pw_ipv6_fragment(f, proto, 0, 0, 0x5eed0001u);
        return PW_IPPROTO_FRAGMENT;
    }
    return proto;
}

static void push_ip(struct flow *fl, int dir, uint8_t proto, pw_frame *f)
{
    pw_ip ip = flow_ip(fl, dir);
    if (fl->family == 6) {
        uint8_t next = push_ipv6_ext(fl, dir, proto, f);
        pw_ipv6(f, &ip, next, fl->ttl[dir], fl->flow_label[dir]);
        fl->ext = EXT_NONE;
        return;
    }
    pw_ipv4_hdr h = {
        .ttl = fl->ttl[dir], .proto = proto, .id = fl->ip_id[dir]++,
        .dont_fragment = fl->dont_fragment,
        .options = fl->ip_options, .options_len = fl->ip_options_len,
    };
    pw_ipv4(f, &ip, &h);
    fl->ip_options = NULL;
    fl->ip_options_len = 0;
}

static void ip_frame(struct flow *fl, int dir, uint8_t proto, pw_frame *f)
{
    push_ip(fl, dir, proto, f);
    push_link(fl, dir, fl->family == 6 ? PW_ETHERTYPE_IPV6 : PW_ETHERTYPE_IPV4, f);
}

static void ip_send(struct flow *fl, int64_t gap, int dir, uint8_t proto, pw_frame *f)
{
    fl->cap->now += gap;
    ip_frame(fl, dir, proto, f);
    cap_write(fl->cap, f);
}

/* ---- TCP ------------------------------------------------------------------ */

static uint32_t tcp_consumes(uint8_t flags, size_t len)
{
    return (uint32_t)len + ((flags & SYN) ? 1u : 0u) + ((flags & FIN) ? 1u : 0u);
}

static size_t tcp_options(struct flow *fl, int dir, uint8_t flags, uint8_t *out)
{
    if (!fl->tcp_options) {
        if (!(flags & SYN))
            return 0;
        out[0] = 2;
        out[1] = 4;
        out[2] = (uint8_t)(fl->mss >> 8);
        out[3] = (uint8_t)fl->mss;
        return 4;
    }
    uint32_t tsval = fl->tsval_base[dir] + (uint32_t)((fl->cap->now - BASE_NS) / MS(1));
    uint32_t tsecr = (flags & ACK) ? fl->last_tsval[!dir] : 0;
    fl->last_tsval[dir] = tsval;
    if (flags & SYN)
        return pw_tcp_syn_options(out, fl->mss, 7, tsval, tsecr);
    return pw_tcp_ts_options(out, tsval, tsecr);
}

static uint16_t tcp_window(const struct flow *fl, int dir, uint8_t flags)
{
    static const uint16_t unscaled[2] = {64240, 65160};
    static const uint16_t scaled[2] = {502, 509};    /* x128 once window scaling is on */
    if ((flags & SYN) || !fl->tcp_options)
        return unscaled[dir];
    return scaled[dir];
}

/* Builds the whole frame around the payload in f without writing it. */
static void tcp_frame(struct flow *fl, int dir, uint8_t flags, uint32_t seq, pw_frame *f)
{
    uint8_t opts[20];
    size_t opts_len = tcp_options(fl, dir, flags, opts);
    pw_tcp_hdr h = {
        .sport = fl->port[dir], .dport = fl->port[!dir],
        .seq = seq, .ack = (flags & ACK) ? fl->seq[!dir] : 0,
        .flags = flags, .window = tcp_window(fl, dir, flags),
        .options = opts, .options_len = opts_len,
    };
    pw_ip ip = flow_ip(fl, dir);
    pw_tcp(f, &ip, &h);
    ip_frame(fl, dir, PW_IPPROTO_TCP, f);
}

static void tcp_send(struct flow *fl, int64_t gap, int dir, uint8_t flags, pw_frame *f)
{
    uint32_t seq = fl->seq[dir];
    fl->cap->now += gap;
    fl->seq[dir] += tcp_consumes(flags, pw_frame_len(f));
    tcp_frame(fl, dir, flags, seq, f);
    cap_write(fl->cap, f);
}

/* Sends the last segment of this direction again, with the same sequence number. */
static void tcp_resend(struct flow *fl, int64_t gap, int dir, uint8_t flags, pw_frame *f)
{
    uint32_t seq = fl->seq[dir] - tcp_consumes(flags, pw_frame_len(f));
    fl->cap->now += gap;
    tcp_frame(fl, dir, flags, seq, f);
    cap_write(fl->cap, f);
}

static void tcp_ctl(struct flow *fl, int64_t gap, int dir, uint8_t flags)
{
    pw_frame f;
    pw_frame_init(&f);
    tcp_send(fl, gap, dir, flags, &f);
}

static void tcp_send_slice(struct flow *fl, int64_t gap, int dir, uint8_t flags,
                           const pw_frame *payload, size_t off, size_t len)
{
    pw_frame f;
    copy_slice(&f, payload, off, len);
    tcp_send(fl, gap, dir, flags, &f);
}

/* The capture sits next to the client, so a server packet answering the
 * client shows up one round trip later and a client answer almost at once. */
static int64_t answer_gap(const struct flow *fl, int dir)
{
    return dir == S2C ? fl->rtt : fl->rtt / 400 + US(35);
}

static void tcp_open(struct flow *fl, int64_t gap)
{
    tcp_ctl(fl, gap, C2S, SYN);
    tcp_ctl(fl, answer_gap(fl, S2C), S2C, SYN | ACK);
    tcp_ctl(fl, answer_gap(fl, C2S), C2S, ACK);
}

static void tcp_close(struct flow *fl, int64_t gap, int closer)
{
    tcp_ctl(fl, gap, closer, FIN | ACK);
    tcp_ctl(fl, answer_gap(fl, !closer), !closer, FIN | ACK);
    tcp_ctl(fl, answer_gap(fl, closer), closer, ACK);
}

/* ---- UDP, SCTP, DCCP ------------------------------------------------------ */

static void udp_send(struct flow *fl, int64_t gap, int dir, pw_frame *f)
{
    pw_ip ip = flow_ip(fl, dir);
    pw_udp(f, &ip, fl->port[dir], fl->port[!dir]);
    ip_send(fl, gap, dir, PW_IPPROTO_UDP, f);
}

static void sctp_send(struct flow *fl, int64_t gap, int dir, uint32_t vtag, pw_frame *f)
{
    pw_sctp(f, fl->port[dir], fl->port[!dir], vtag);
    ip_send(fl, gap, dir, PW_IPPROTO_SCTP, f);
}

static size_t sctp_address_params(const struct flow *fl, int dir, uint8_t *out)
{
    return pw_sctp_param(out, 5, fl->addr[dir], 4);   /* IPv4 Address */
}

static void sctp_init(struct flow *fl, int64_t gap)
{
    static const uint8_t ipv4_only[2] = {0, 5};
    uint8_t params[32];
    size_t n = sctp_address_params(fl, C2S, params);
    n += pw_sctp_param(params + n, 12, ipv4_only, sizeof ipv4_only);  /* Supported Address Types */
    pw_sctp_init init = {
        .initiate_tag = fl->vtag[C2S], .a_rwnd = 106496,
        .outbound_streams = 10, .inbound_streams = 65535,
        .initial_tsn = fl->tsn[C2S], .params = params, .params_len = n,
    };
    pw_frame f;
    pw_frame_init(&f);
    pw_sctp_init_chunk(&f, PW_SCTP_INIT, &init);
    sctp_send(fl, gap, C2S, 0, &f);     /* RFC 9260 section 8.5.1: INIT carries tag 0 */
}

static void sctp_cookie(const struct flow *fl, uint8_t cookie[32])
{
    pw_fill(cookie, 32, fl->vtag[S2C] ^ fl->vtag[C2S]);
}

static void sctp_init_ack(struct flow *fl, int64_t gap)
{
    uint8_t params[64], cookie[32];
    sctp_cookie(fl, cookie);
    size_t n = pw_sctp_param(params, 7, cookie, sizeof cookie);   /* State Cookie */
    n += sctp_address_params(fl, S2C, params + n);
    pw_sctp_init init = {
        .initiate_tag = fl->vtag[S2C], .a_rwnd = 106496,
        .outbound_streams = 10, .inbound_streams = 10,
        .initial_tsn = fl->tsn[S2C], .params = params, .params_len = n,
    };
    pw_frame f;
    pw_frame_init(&f);
    pw_sctp_init_chunk(&f, PW_SCTP_INIT_ACK, &init);
    sctp_send(fl, gap, S2C, fl->vtag[C2S], &f);
}

static void sctp_simple(struct flow *fl, int64_t gap, int dir, uint8_t type, uint8_t flags,
                        const void *value, size_t len)
{
    pw_frame f;
    pw_frame_init(&f);
    pw_sctp_chunk(&f, type, flags, value, len);
    sctp_send(fl, gap, dir, fl->vtag[!dir], &f);
}

/* The four-way handshake of RFC 9260 section 5.1. */
static void sctp_open(struct flow *fl, int64_t gap)
{
    uint8_t cookie[32];
    sctp_cookie(fl, cookie);
    sctp_init(fl, gap);
    sctp_init_ack(fl, answer_gap(fl, S2C));
    sctp_simple(fl, answer_gap(fl, C2S), C2S, PW_SCTP_COOKIE_ECHO, 0, cookie, sizeof cookie);
    sctp_simple(fl, answer_gap(fl, S2C), S2C, PW_SCTP_COOKIE_ACK, 0, NULL, 0);
}

static void sctp_data(struct flow *fl, int64_t gap, int dir, uint32_t ppid, const pw_frame *msg)
{
    pw_frame f;
    pw_frame_init(&f);
    pw_sctp_data_chunk(&f, 0x03, fl->tsn[dir]++, 0, fl->ssn[dir]++, ppid,   /* B and E: unfragmented */
                       pw_frame_data(msg), pw_frame_len(msg));
    sctp_send(fl, gap, dir, fl->vtag[!dir], &f);
}

static void sctp_sack(struct flow *fl, int64_t gap, int dir)
{
    pw_frame f;
    pw_frame_init(&f);
    pw_sctp_sack_chunk(&f, fl->tsn[!dir] - 1, 106496);
    sctp_send(fl, gap, dir, fl->vtag[!dir], &f);
}

static void sctp_heartbeat(struct flow *fl, int64_t gap, int dir)
{
    uint8_t info[16];
    pw_fill(info, sizeof info, fl->vtag[dir]);
    pw_frame f;
    pw_frame_init(&f);
    pw_sctp_heartbeat_chunk(&f, PW_SCTP_HEARTBEAT, info, sizeof info);
    sctp_send(fl, gap, dir, fl->vtag[!dir], &f);
    pw_frame_init(&f);
    pw_sctp_heartbeat_chunk(&f, PW_SCTP_HEARTBEAT_ACK, info, sizeof info);
    sctp_send(fl, answer_gap(fl, !dir), !dir, fl->vtag[dir], &f);
}

/* RFC 9260 section 9.2: SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE. */
static void sctp_shutdown(struct flow *fl, int64_t gap, int closer)
{
    pw_frame f;
    pw_frame_init(&f);
    pw_sctp_shutdown_chunk(&f, fl->tsn[!closer] - 1);
    sctp_send(fl, gap, closer, fl->vtag[!closer], &f);
    sctp_simple(fl, answer_gap(fl, !closer), !closer, PW_SCTP_SHUTDOWN_ACK, 0, NULL, 0);
    sctp_simple(fl, answer_gap(fl, closer), closer, PW_SCTP_SHUTDOWN_COMPLETE, 0, NULL, 0);
}

static void dccp_send(struct flow *fl, int64_t gap, int dir, uint8_t type, uint8_t reset_code,
                      pw_frame *f)
{
    pw_dccp_hdr h = {
        .sport = fl->port[dir], .dport = fl->port[!dir], .type = type,
        .seq = fl->dccp_seq[dir]++,
        .ack = fl->dccp_seq[!dir] - 1,    /* greatest sequence number received */
        .service_code = fl->service_code, .reset_code = reset_code,
    };
    pw_ip ip = flow_ip(fl, dir);
    pw_dccp(f, &ip, &h);
    ip_send(fl, gap, dir, PW_IPPROTO_DCCP, f);
}

static void dccp_ctl(struct flow *fl, int64_t gap, int dir, uint8_t type, uint8_t reset_code)
{
    pw_frame f;
    pw_frame_init(&f);
    dccp_send(fl, gap, dir, type, reset_code, &f);
}

static void dccp_payload(struct flow *fl, int64_t gap, int dir, uint8_t type, size_t len)
{
    pw_frame f;
    pw_frame_init(&f);
    pw_put_fill(&f, len, (uint32_t)fl->dccp_seq[dir]);
    dccp_send(fl, gap, dir, type, 0, &f);
}

/* ---- application payloads ------------------------------------------------- */

static void http_get(pw_frame *f, const char *host, const char *path)
{
    put_fmt(f, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: curl/7.88.1\r\n"
            "Accept: */*\r\n\r\n", path, host);
}

static void http_response(pw_frame *f, int lines)
{
    pw_frame body;
    pw_frame_init(&body);
    pw_put_str(&body, "<!doctype html>\n<html>\n<head><title>Example Domain</title></head>\n<body>\n");
    for (int i = 1; i <= lines; i++)
        put_fmt(&body, "<p>Line %03d of the sample page served for the capture.</p>\n", i);
    pw_put_str(&body, "</body>\n</html>\n");
    put_fmt(f, "HTTP/1.1 200 OK\r\nDate: Mon, 17 Aug 2026 10:00:00 GMT\r\n"
            "Server: nginx/1.22.1\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n", pw_frame_len(&body));
    pw_put_bytes(f, pw_frame_data(&body), pw_frame_len(&body));
}

static void dns_name(pw_frame *f, const char *name)
{
    while (*name) {
        size_t label = strcspn(name, ".");
        pw_put_u8(f, (uint8_t)label);
        pw_put_bytes(f, name, label);
        name += label + (name[label] == '.');
    }
    pw_put_u8(f, 0);
}

/* EDNS(0) OPT record (RFC 6891), with a client cookie (RFC 7873) in queries. */
static void dns_opt(pw_frame *f, uint32_t cookie_seed)
{
    pw_put_u8(f, 0);
    pw_put_be16(f, 41);
    pw_put_be16(f, 1232);
    pw_put_be32(f, 0);
    if (!cookie_seed) {
        pw_put_be16(f, 0);
        return;
    }
    pw_put_be16(f, 12);
    pw_put_be16(f, 10);
    pw_put_be16(f, 8);
    pw_put_fill(f, 8, cookie_seed);
}

static void dns_header(pw_frame *f, uint16_t id, uint16_t flags, uint16_t answers)
{
    pw_put_be16(f, id);
    pw_put_be16(f, flags);
    pw_put_be16(f, 1);
    pw_put_be16(f, answers);
    pw_put_be16(f, 0);
    pw_put_be16(f, 1);
}

static void dns_query(pw_frame *f, uint16_t id, const char *name, uint16_t qtype)
{
    dns_header(f, id, 0x0120, 0);         /* RD, AD */
    dns_name(f, name);
    pw_put_be16(f, qtype);
    pw_put_be16(f, 1);
    dns_opt(f, id);
}

static void dns_answer(pw_frame *f, uint16_t id, const char *name, uint16_t qtype,
                       const char *addr)
{
    uint8_t rdata[16];
    int family = qtype == 28 ? 6 : 4;
    parse_addr(family, addr, rdata);
    dns_header(f, id, 0x8180, 1);         /* QR, RD, RA */
    dns_name(f, name);
    pw_put_be16(f, qtype);
    pw_put_be16(f, 1);
    pw_put_be16(f, 0xc00c);               /* pointer to the question's name */
    pw_put_be16(f, qtype);
    pw_put_be16(f, 1);
    pw_put_be32(f, 3600);
    pw_put_be16(f, family == 6 ? 16 : 4);
    pw_put_bytes(f, rdata, family == 6 ? 16 : 4);
    dns_opt(f, 0);
}

static void dns_exchange(struct flow *fl, int64_t gap, uint16_t id, const char *name,
                         uint16_t qtype, const char *addr)
{
    pw_frame f;
    pw_frame_init(&f);
    dns_query(&f, id, name, qtype);
    udp_send(fl, gap, C2S, &f);
    pw_frame_init(&f);
    dns_answer(&f, id, name, qtype, addr);
    udp_send(fl, answer_gap(fl, S2C), S2C, &f);
}

static size_t tls_begin(pw_frame *f, uint8_t type, uint16_t version)
{
    pw_put_u8(f, type);
    pw_put_be16(f, version);
    pw_put_be16(f, 0);
    return pw_frame_len(f);
}

static void tls_end(pw_frame *f, size_t body)
{
    pw_patch_be16(f, body - 2, (uint16_t)(pw_frame_len(f) - body));
}

static size_t tls_handshake_begin(pw_frame *f, uint8_t type)
{
    pw_put_u8(f, type);
    put_be24(f, 0);
    return pw_frame_len(f);
}

static void tls_handshake_end(pw_frame *f, size_t body)
{
    pw_patch_be24(f, body - 3, (uint32_t)(pw_frame_len(f) - body));
}

static void tls_ext(pw_frame *f, uint16_t type, const uint8_t *value, size_t len)
{
    pw_put_be16(f, type);
    pw_put_be16(f, (uint16_t)len);
    pw_put_bytes(f, value, len);
}

static void tls_client_extensions(pw_frame *f, const char *sni, uint32_t seed)
{
    static const uint8_t groups[] = {0, 4, 0x00, 0x1d, 0x00, 0x17};
    static const uint8_t points[] = {1, 0};
    static const uint8_t sigalgs[] = {0, 6, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01};
    static const uint8_t versions[] = {4, 0x03, 0x04, 0x03, 0x03};
    static const uint8_t psk_modes[] = {1, 1};
    uint8_t name[80], share[38];
    size_t n = strlen(sni);
    name[0] = 0;
    name[1] = (uint8_t)(n + 3);
    name[2] = 0;                           /* host_name */
    name[3] = 0;
    name[4] = (uint8_t)n;
    memcpy(name + 5, sni, n);
    share[0] = 0;
    share[1] = 36;
    share[2] = 0x00;                       /* x25519 */
    share[3] = 0x1d;
    share[4] = 0;
    share[5] = 32;
    pw_fill(share + 6, 32, seed + 3);
    tls_ext(f, 0, name, n + 5);
    tls_ext(f, 10, groups, sizeof groups);
    tls_ext(f, 11, points, sizeof points);
    tls_ext(f, 13, sigalgs, sizeof sigalgs);
    tls_ext(f, 43, versions, sizeof versions);
    tls_ext(f, 45, psk_modes, sizeof psk_modes);
    tls_ext(f, 51, share, sizeof share);
}

static void tls_client_hello(pw_frame *f, const char *sni, uint32_t seed)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02f};
    size_t rec = tls_begin(f, 22, 0x0301);
    size_t hs = tls_handshake_begin(f, 1);
    pw_put_be16(f, 0x0303);
    pw_put_fill(f, 32, seed + 1);          /* random */
    pw_put_u8(f, 32);
    pw_put_fill(f, 32, seed + 2);          /* legacy session id */
    pw_put_be16(f, sizeof suites);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        pw_put_be16(f, suites[i]);
    pw_put_u8(f, 1);
    pw_put_u8(f, 0);
    pw_put_be16(f, 0);
    size_t ext = pw_frame_len(f);
    tls_client_extensions(f, sni, seed);
    pw_patch_be16(f, ext - 2, (uint16_t)(pw_frame_len(f) - ext));
    tls_handshake_end(f, hs);
    tls_end(f, rec);
}

static void tls_app_data(pw_frame *f, size_t len, uint32_t seed)
{
    size_t rec = tls_begin(f, 23, 0x0303);
    pw_put_fill(f, len, seed);
    tls_end(f, rec);
}

/* ServerHello, the middlebox-compatibility ChangeCipherSpec, then the
 * encrypted rest of the server's flight (RFC 8446 section 2). */
static void tls_server_flight(pw_frame *f, uint32_t seed, size_t encrypted_len)
{
    static const uint8_t version[] = {0x03, 0x04};
    uint8_t share[36] = {0x00, 0x1d, 0, 32};
    pw_fill(share + 4, 32, seed + 4);
    size_t rec = tls_begin(f, 22, 0x0303);
    size_t hs = tls_handshake_begin(f, 2);
    pw_put_be16(f, 0x0303);
    pw_put_fill(f, 32, seed + 5);
    pw_put_u8(f, 32);
    pw_put_fill(f, 32, seed + 2);          /* echoes the client's session id */
    pw_put_be16(f, 0x1301);
    pw_put_u8(f, 0);
    pw_put_be16(f, 4 + sizeof version + 4 + sizeof share);
    tls_ext(f, 43, version, sizeof version);
    tls_ext(f, 51, share, sizeof share);
    tls_handshake_end(f, hs);
    tls_end(f, rec);
    rec = tls_begin(f, 20, 0x0303);
    pw_put_u8(f, 1);
    tls_end(f, rec);
    tls_app_data(f, encrypted_len, seed + 6);
}

/* The client's ChangeCipherSpec and Finished, then its first request. */
static void tls_client_finish(pw_frame *f, uint32_t seed, size_t request_len)
{
    size_t rec = tls_begin(f, 20, 0x0303);
    pw_put_u8(f, 1);
    tls_end(f, rec);
    tls_app_data(f, 53, seed + 7);
    tls_app_data(f, request_len, seed + 8);
}

static void ssh_banner(pw_frame *f, int server)
{
    pw_put_str(f, server ? "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
                         : "SSH-2.0-OpenSSH_9.6\r\n");
}

static void ssh_name_list(pw_frame *f, const char *names)
{
    pw_put_be32(f, (uint32_t)strlen(names));
    pw_put_str(f, names);
}

/* SSH_MSG_KEXINIT in the binary packet of RFC 4253 section 6. */
static void ssh_kexinit(pw_frame *f, uint32_t seed)
{
    size_t start = pw_frame_len(f);
    pw_put_be32(f, 0);
    pw_put_u8(f, 0);
    pw_put_u8(f, 20);
    pw_put_fill(f, 16, seed);
    ssh_name_list(f, "curve25519-sha256,ecdh-sha2-nistp256,ext-info-c");
    ssh_name_list(f, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
    for (int i = 0; i < 2; i++)
        ssh_name_list(f, "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com");
    for (int i = 0; i < 2; i++)
        ssh_name_list(f, "hmac-sha2-256-etm@openssh.com,hmac-sha2-256");
    for (int i = 0; i < 2; i++)
        ssh_name_list(f, "none,zlib@openssh.com");
    ssh_name_list(f, "");
    ssh_name_list(f, "");
    pw_put_u8(f, 0);
    pw_put_be32(f, 0);
    size_t unpadded = pw_frame_len(f) - start;
    size_t pad = 8 - unpadded % 8;
    if (pad < 4)
        pad += 8;
    pw_frame_put(f, pad);
    pw_patch_be32(f, start, (uint32_t)(unpadded + pad - 4));
    *pw_frame_at(f, start + 4) = (uint8_t)pad;
}

static uint64_t ntp_time(int64_t ns)
{
    uint64_t secs = (uint64_t)(ns / 1000000000) + 2208988800u;   /* 1900 epoch */
    uint64_t frac = ((uint64_t)(ns % 1000000000) << 32) / 1000000000u;
    return secs << 32 | frac;
}

static void ntp_request(pw_frame *f, int64_t xmt)
{
    pw_put_u8(f, 0x23);                    /* LI 0, version 4, mode 3 (client) */
    pw_frame_put(f, 39);
    pw_put_be64(f, ntp_time(xmt));
}

static void ntp_reply(pw_frame *f, int64_t orig, int64_t recv, int64_t xmt)
{
    static const uint8_t refid[4] = {203, 0, 113, 1};
    pw_put_u8(f, 0x24);                    /* LI 0, version 4, mode 4 (server) */
    pw_put_u8(f, 2);                       /* stratum */
    pw_put_u8(f, 6);                       /* poll */
    pw_put_u8(f, 0xe8);                    /* precision 2^-24 */
    pw_put_be32(f, 0x0000012a);            /* root delay */
    pw_put_be32(f, 0x00000339);            /* root dispersion */
    pw_put_bytes(f, refid, 4);
    pw_put_be64(f, ntp_time(recv - MS(64000)));
    pw_put_be64(f, ntp_time(orig));
    pw_put_be64(f, ntp_time(recv));
    pw_put_be64(f, ntp_time(xmt));
}

static void ntp_exchange(struct flow *fl, int64_t gap)
{
    pw_frame f;
    int64_t sent = fl->cap->now + gap;
    pw_frame_init(&f);
    ntp_request(&f, sent);
    udp_send(fl, gap, C2S, &f);
    pw_frame_init(&f);
    ntp_reply(&f, sent, sent + fl->rtt / 2, sent + fl->rtt / 2 + US(21));
    udp_send(fl, fl->rtt, S2C, &f);
}

static void smtp_line(struct flow *fl, int64_t gap, int dir, const char *text)
{
    pw_frame f;
    pw_frame_init(&f);
    pw_put_str(&f, text);
    tcp_send(fl, gap, dir, PSH | ACK, &f);
}

/* MySQL packets: 3-byte little-endian length, then a sequence id. */
static size_t mysql_begin(pw_frame *f, uint8_t seq)
{
    put_le16(f, 0);
    pw_put_u8(f, 0);
    pw_put_u8(f, seq);
    return pw_frame_len(f);
}

static void mysql_end(pw_frame *f, size_t body)
{
    size_t len = pw_frame_len(f) - body;
    uint8_t *p = pw_frame_at(f, body - 4);
    p[0] = (uint8_t)len;
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)(len >> 16);
}

static void mysql_greeting(pw_frame *f)
{
    size_t m = mysql_begin(f, 0);
    pw_put_u8(f, 10);                      /* protocol version */
    put_cstr(f, "8.0.36");
    put_le32(f, 11);                       /* connection id */
    pw_put_str(f, "Kp3]x`7Z");             /* auth data, part 1 */
    pw_put_u8(f, 0);
    put_le16(f, 0xffff);                   /* capabilities, low */
    pw_put_u8(f, 255);                     /* utf8mb4_0900_ai_ci */
    put_le16(f, 0x0002);                   /* autocommit */
    put_le16(f, 0xdfff);                   /* capabilities, high */
    pw_put_u8(f, 21);
    pw_frame_put(f, 10);
    put_cstr(f, "Q%4lb]z(n;1Y");           /* auth data, part 2 */
    put_cstr(f, "caching_sha2_password");
    mysql_end(f, m);
}

static void mysql_login(pw_frame *f)
{
    size_t m = mysql_begin(f, 1);
    put_le32(f, 0x000fa20d);               /* PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH, CONNECT_WITH_DB... */
    put_le32(f, 16777216);
    pw_put_u8(f, 255);
    pw_frame_put(f, 23);
    put_cstr(f, "app");
    pw_put_u8(f, 32);
    pw_put_fill(f, 32, 3306);
    put_cstr(f, "appdb");
    put_cstr(f, "caching_sha2_password");
    mysql_end(f, m);
}

static void mysql_auth_ok(pw_frame *f)
{
    size_t m = mysql_begin(f, 2);
    pw_put_u8(f, 0x01);                    /* AuthMoreData: fast authentication succeeded */
    pw_put_u8(f, 0x03);
    mysql_end(f, m);
    m = mysql_begin(f, 3);
    pw_put_u8(f, 0x00);                    /* OK */
    pw_put_u8(f, 0);
    pw_put_u8(f, 0);
    put_le16(f, 0x0002);
    put_le16(f, 0);
    mysql_end(f, m);
}

static void mysql_quit(pw_frame *f)
{
    size_t m = mysql_begin(f, 0);
    pw_put_u8(f, 0x01);                    /* COM_QUIT */
    mysql_end(f, m);
}

static void pg_startup(pw_frame *f)
{
    static const char params[] = "user\0app\0database\0appdb\0application_name\0psql\0";
    pw_put_be32(f, (uint32_t)(8 + sizeof params));
    pw_put_be32(f, 196608);                /* protocol 3.0 */
    pw_put_bytes(f, params, sizeof params);   /* the final NUL ends the list */
}

static void pg_ready(pw_frame *f)
{
    pw_put_u8(f, 'R');                     /* AuthenticationOk */
    pw_put_be32(f, 8);
    pw_put_be32(f, 0);
    pw_put_u8(f, 'Z');                     /* ReadyForQuery, idle */
    pw_put_be32(f, 5);
    pw_put_u8(f, 'I');
}

static void pg_terminate(pw_frame *f)
{
    pw_put_u8(f, 'X');
    pw_put_be32(f, 4);
}

static void diameter_avp(pw_frame *f, uint32_t code, uint8_t flags, const void *data, size_t len)
{
    pw_put_be32(f, code);
    pw_put_u8(f, flags);
    put_be24(f, (uint32_t)(8 + len));
    pw_put_bytes(f, data, len);
    pw_frame_put(f, (4 - len % 4) % 4);
}

static void diameter_avp_u32(pw_frame *f, uint32_t code, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    diameter_avp(f, code, 0x40, b, 4);
}

/* Capabilities-Exchange-Request/Answer (RFC 6733 sections 5.3.1, 5.3.2). */
static void diameter_cer(pw_frame *f, int answer, uint32_t hop, const uint8_t ip4[4],
                         const char *host)
{
    uint8_t address[6] = {0, 1};           /* AddressType 1: IPv4 */
    memcpy(address + 2, ip4, 4);
    pw_put_u8(f, 1);
    put_be24(f, 0);
    pw_put_u8(f, answer ? 0x00 : 0x80);    /* R bit on the request */
    put_be24(f, 257);
    pw_put_be32(f, 0);
    pw_put_be32(f, hop);
    pw_put_be32(f, hop ^ 0x5a5a0000u);
    if (answer)
        diameter_avp_u32(f, 268, 2001);    /* Result-Code: DIAMETER_SUCCESS */
    diameter_avp(f, 264, 0x40, host, strlen(host));
    diameter_avp(f, 296, 0x40, "example.net", 11);
    diameter_avp(f, 257, 0x40, address, sizeof address);
    diameter_avp_u32(f, 266, 0);
    diameter_avp(f, 269, 0x00, "portsniff-peer", 14);
    pw_patch_be24(f, 1, (uint32_t)pw_frame_len(f));
}

static void diameter_exchange(struct flow *fl, int64_t gap)
{
    pw_frame msg;
    pw_frame_init(&msg);
    diameter_cer(&msg, 0, 0x1a2b0001u, fl->addr[C2S], "peer1.example.net");
    sctp_data(fl, gap, C2S, 46, &msg);
    sctp_sack(fl, answer_gap(fl, S2C), S2C);
    pw_frame_init(&msg);
    diameter_cer(&msg, 1, 0x1a2b0001u, fl->addr[S2C], "dra.example.net");
    sctp_data(fl, US(180), S2C, 46, &msg);
    sctp_sack(fl, US(200), C2S);
}

static void m3ua_message(pw_frame *f, uint8_t msg_class, uint8_t type)
{
    pw_put_u8(f, 1);
    pw_put_u8(f, 0);
    pw_put_u8(f, msg_class);
    pw_put_u8(f, type);
    pw_put_be32(f, 8);
}

/* An NFSv3 WRITE call (RFC 1813) with AUTH_SYS credentials (RFC 5531). */
static void nfs_write_call(pw_frame *f, uint32_t xid, size_t data_len)
{
    pw_put_be32(f, xid);
    pw_put_be32(f, 0);                     /* CALL */
    pw_put_be32(f, 2);
    pw_put_be32(f, 100003);
    pw_put_be32(f, 3);
    pw_put_be32(f, 7);                     /* WRITE */
    pw_put_be32(f, 1);                     /* AUTH_SYS */
    pw_put_be32(f, 32);
    pw_put_be32(f, 0x6a2b1c00u);           /* stamp */
    pw_put_be32(f, 6);
    pw_put_str(f, "client");
    pw_frame_put(f, 2);
    pw_put_be32(f, 1000);
    pw_put_be32(f, 1000);
    pw_put_be32(f, 1);
    pw_put_be32(f, 1000);
    pw_put_be64(f, 0);                     /* AUTH_NONE verifier */
    pw_put_be32(f, 32);
    pw_put_fill(f, 32, 2049);              /* file handle */
    pw_put_be64(f, (uint64_t)xid % 16 * 65536);
    pw_put_be32(f, (uint32_t)data_len);
    pw_put_be32(f, 2);                     /* FILE_SYNC */
    pw_put_be32(f, (uint32_t)data_len);
    pw_put_fill(f, data_len, xid);
}

static void nfs_write_reply(pw_frame *f, uint32_t xid, size_t data_len)
{
    pw_put_be32(f, xid);
    pw_put_be32(f, 1);                     /* REPLY */
    pw_put_be32(f, 0);                     /* MSG_ACCEPTED */
    pw_put_be64(f, 0);
    pw_put_be32(f, 0);                     /* SUCCESS */
    pw_put_be32(f, 0);                     /* NFS3_OK */
    pw_put_be32(f, 0);                     /* no pre-op attributes */
    pw_put_be32(f, 0);                     /* no post-op attributes */
    pw_put_be32(f, (uint32_t)data_len);
    pw_put_be32(f, 2);
    pw_put_fill(f, 8, 0x7e7f);             /* write verifier */
}

/* An IPFIX message (RFC 7011) with a template set and a data set of IPv6 flow records. */
static void ipfix_message(pw_frame *f, int64_t now, int records)
{
    static const uint16_t fields[][2] = {
        {27, 16}, {28, 16}, {1, 8}, {2, 8}, {7, 2}, {11, 2}, {4, 1}};
    size_t nfields = sizeof fields / sizeof fields[0];
    pw_put_be16(f, 10);
    pw_put_be16(f, 0);
    pw_put_be32(f, (uint32_t)(now / 1000000000));
    pw_put_be32(f, 4711);
    pw_put_be32(f, 1);
    pw_put_be16(f, 2);                     /* template set */
    pw_put_be16(f, (uint16_t)(8 + 4 * nfields));
    pw_put_be16(f, 256);
    pw_put_be16(f, (uint16_t)nfields);
    for (size_t i = 0; i < nfields; i++) {
        pw_put_be16(f, fields[i][0]);
        pw_put_be16(f, fields[i][1]);
    }
    pw_put_be16(f, 256);
    pw_put_be16(f, (uint16_t)(4 + 53 * records));
    for (int r = 0; r < records; r++) {
        uint8_t a[16], b[16];
        parse_addr(6, "2001:db8:100::1", a);
        parse_addr(6, "2001:db8:200::1", b);
        a[15] = (uint8_t)r;
        b[15] = (uint8_t)(255 - r);
        pw_put_bytes(f, a, 16);
        pw_put_bytes(f, b, 16);
        pw_put_be64(f, 1500u * (uint64_t)(r + 1));
        pw_put_be64(f, (uint64_t)(r + 1));
        pw_put_be16(f, (uint16_t)(49152 + r));
        pw_put_be16(f, 443);
        pw_put_u8(f, 6);
    }
    pw_patch_be16(f, 2, (uint16_t)pw_frame_len(f));
}

/* Linux ping's 56-byte payload: a struct timeval, then 0x10, 0x11, ... */
static void ping_payload(pw_frame *f, int64_t now)
{
    put_le32(f, (uint32_t)(now / 1000000000));
    put_le32(f, 0);
    put_le32(f, (uint32_t)(now % 1000000000 / 1000));
    put_le32(f, 0);
    for (uint8_t b = 0x10; b < 0x38; b++)
        pw_put_u8(f, b);
}

static void ping(struct flow *fl, int64_t gap, uint16_t id, uint16_t seq)
{
    pw_frame f;
    int icmp6 = fl->family == 6;
    for (int dir = C2S; dir <= S2C; dir++) {
        int64_t g = dir == C2S ? gap : fl->rtt;
        pw_frame_init(&f);
        ping_payload(&f, fl->cap->now + (dir == C2S ? gap : 0));
        pw_ip ip = flow_ip(fl, dir);
        if (icmp6)
            pw_icmp6_echo(&f, &ip, dir == C2S ? 128 : 129, id, seq);
        else
            pw_icmp_echo(&f, dir == C2S ? 8 : 0, id, seq);
        ip_send(fl, g, dir, icmp6 ? PW_IPPROTO_ICMPV6 : PW_IPPROTO_ICMP, &f);
    }
}

/* ---- the captures --------------------------------------------------------- */

static void https_session(struct flow *fl, int64_t gap, const char *sni, uint32_t seed)
{
    pw_frame f;
    tcp_open(fl, gap);
    pw_frame_init(&f);
    tls_client_hello(&f, sni, seed);
    tcp_send(fl, US(310), C2S, PSH | ACK, &f);
    tcp_ctl(fl, answer_gap(fl, S2C), S2C, ACK);
    pw_frame_init(&f);
    tls_server_flight(&f, seed, 1180);
    tcp_send(fl, US(1450), S2C, PSH | ACK, &f);
    tcp_ctl(fl, answer_gap(fl, C2S), C2S, ACK);
    pw_frame_init(&f);
    tls_client_finish(&f, seed, 92);
    tcp_send(fl, US(820), C2S, PSH | ACK, &f);
    pw_frame_init(&f);
    tls_app_data(&f, 640, seed + 9);
    tcp_send(fl, answer_gap(fl, S2C) + US(900), S2C, PSH | ACK, &f);
    tcp_ctl(fl, answer_gap(fl, C2S), C2S, ACK);
    tcp_close(fl, MS(12), C2S);
}

static void http_session(struct flow *fl, int64_t gap, const char *host, int lines)
{
    pw_frame req, resp;
    tcp_open(fl, gap);
    pw_frame_init(&req);
    http_get(&req, host, "/index.html");
    tcp_send(fl, US(180), C2S, PSH | ACK, &req);
    tcp_ctl(fl, answer_gap(fl, S2C), S2C, ACK);
    pw_frame_init(&resp);
    http_response(&resp, lines);
    size_t len = pw_frame_len(&resp), mss = (size_t)fl->mss - 12;
    if (len > mss) {
        tcp_send_slice(fl, US(930), S2C, ACK, &resp, 0, mss);
        tcp_send_slice(fl, US(41), S2C, PSH | ACK, &resp, mss, len - mss);
    } else {
        tcp_send_slice(fl, US(930), S2C, PSH | ACK, &resp, 0, len);
    }
    tcp_ctl(fl, answer_gap(fl, C2S), C2S, ACK);
    tcp_close(fl, MS(4), C2S);
}

static void build_tcp_http(struct capture *cap)
{
    struct flow fl;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 49200, "198.51.100.20", 80);
    http_session(&fl, 0, "www.example.com", 30);
}

static void build_dns_udp(struct capture *cap)
{
    struct flow v4, v6;
    flow_init(&v4, cap, &ETHER, "192.0.2.10", 51515, "198.51.100.53", 53);
    v4.rtt = US(8120);
    dns_exchange(&v4, 0, 0x3e1a, "example.com", 1, "203.0.113.80");
    flow_init(&v6, cap, &ETHER, "2001:db8::10", 52626, "2001:db8:1::53", 53);
    v6.rtt = US(8340);
    dns_exchange(&v6, MS(2), 0x7c04, "example.com", 28, "2001:db8:5::80");
}

static void build_sctp_init(struct capture *cap)
{
    struct flow dia, m3ua;
    flow_init(&dia, cap, &ETHER, "192.0.2.10", 50300, "198.51.100.30", 3868);
    dia.rtt = US(1210);
    sctp_open(&dia, 0);
    diameter_exchange(&dia, US(90));
    sctp_shutdown(&dia, MS(40), C2S);

    flow_init(&m3ua, cap, &ETHER, "192.0.2.10", 50301, "198.51.100.31", 2905);
    m3ua.rtt = US(1330);
    sctp_open(&m3ua, MS(100));
    pw_frame msg;
    pw_frame_init(&msg);
    m3ua_message(&msg, 3, 1);              /* ASPSM ASP Up */
    sctp_data(&m3ua, US(75), C2S, 3, &msg);
    sctp_sack(&m3ua, answer_gap(&m3ua, S2C), S2C);
    sctp_simple(&m3ua, MS(3), S2C, PW_SCTP_ABORT, 0, NULL, 0);
}

static void dccp_session(struct flow *fl, int64_t gap)
{
    fl->service_code = 1685351985;         /* "dtn1", the registry's code for dtn-bundle */
    dccp_ctl(fl, gap, C2S, PW_DCCP_REQUEST, 0);
    dccp_ctl(fl, answer_gap(fl, S2C), S2C, PW_DCCP_RESPONSE, 0);
    dccp_ctl(fl, answer_gap(fl, C2S), C2S, PW_DCCP_ACK, 0);
    dccp_payload(fl, US(150), C2S, PW_DCCP_DATAACK, 120);
    dccp_ctl(fl, answer_gap(fl, S2C), S2C, PW_DCCP_ACK, 0);
    dccp_payload(fl, US(2000), C2S, PW_DCCP_DATA, 120);
    dccp_payload(fl, answer_gap(fl, S2C), S2C, PW_DCCP_DATAACK, 64);
    dccp_ctl(fl, MS(5), C2S, PW_DCCP_CLOSE, 0);
    dccp_ctl(fl, answer_gap(fl, S2C), S2C, PW_DCCP_RESET, 1);   /* reset code 1: Closed */
}

static void build_dccp_request(struct capture *cap)
{
    struct flow fl;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 50400, "198.51.100.60", 4556);
    fl.rtt = US(2250);
    dccp_session(&fl, 0);
}

static void ipv6_ext_tcp(struct capture *cap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "2001:db8::10", 50500, "2001:db8:1::43", 443);
    fl.rtt = US(11200);
    fl.ext = EXT_HBH_DST_SRH;
    tcp_ctl(&fl, 0, C2S, SYN);
    tcp_ctl(&fl, fl.rtt, S2C, SYN | ACK);
    fl.ext = EXT_HBH;
    tcp_ctl(&fl, US(40), C2S, ACK);
    pw_frame_init(&f);
    tls_client_hello(&f, "www.example.com", 443);
    fl.ext = EXT_AH;
    tcp_send(&fl, US(300), C2S, PSH | ACK, &f);
    tcp_ctl(&fl, fl.rtt, S2C, ACK);
    pw_frame_init(&f);
    tls_server_flight(&f, 443, 900);
    tcp_send(&fl, US(1300), S2C, PSH | ACK, &f);
    fl.ext = EXT_ATOMIC_FRAGMENT;
    tcp_ctl(&fl, US(50), C2S, ACK);
    fl.ext = EXT_HBH_DST_SRH;
    tcp_ctl(&fl, MS(3), C2S, FIN | ACK);
    tcp_ctl(&fl, fl.rtt, S2C, FIN | ACK);
    tcp_ctl(&fl, US(40), C2S, ACK);
}

/* One UDP datagram split into IPv6 fragments of `chunk` bytes (a multiple of 8). */
static void ipv6_fragments(struct flow *fl, int64_t gap, const pw_frame *datagram,
                           size_t chunk, uint32_t id)
{
    size_t len = pw_frame_len(datagram);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        pw_frame f;
        copy_slice(&f, datagram, off, n);
        pw_ipv6_fragment(&f, PW_IPPROTO_UDP, (uint16_t)off, off + n < len, id);
        pw_ip ip = flow_ip(fl, C2S);
        pw_ipv6(&f, &ip, PW_IPPROTO_FRAGMENT, fl->ttl[C2S], fl->flow_label[C2S]);
        push_link(fl, C2S, PW_ETHERTYPE_IPV6, &f);
        fl->cap->now += off ? US(12) : gap;
        cap_write(fl->cap, &f);
    }
}

static void ipv6_ext_others(struct capture *cap)
{
    struct flow udp, esp, none;
    pw_frame f;
    flow_init(&udp, cap, &ETHER, "2001:db8::10", 50501, "2001:db8:1::47", 4739);
    pw_frame_init(&f);
    ipfix_message(&f, cap->now, 32);
    pw_ip ip = flow_ip(&udp, C2S);
    pw_udp(&f, &ip, 50501, 4739);
    /* 1280-byte IPv6 minimum MTU: 40 + 8 + 1232 */
    ipv6_fragments(&udp, MS(20), &f, 1232, 0x0000a1b2u);

    flow_init(&esp, cap, &ETHER, "2001:db8::10", 0, "2001:db8:1::1", 0);
    pw_frame_init(&f);
    pw_put_fill(&f, 64, 50);               /* IV, ciphertext, padding, ICV */
    pw_esp(&f, 0x00001001u, 1);
    ip_send(&esp, MS(15), C2S, PW_IPPROTO_ESP, &f);

    flow_init(&none, cap, &ETHER, "2001:db8::10", 0, "2001:db8:1::1", 0);
    pw_frame_init(&f);
    ip_send(&none, MS(15), C2S, PW_IPPROTO_NONE, &f);
}

static void build_ipv6_ext(struct capture *cap)
{
    ipv6_ext_tcp(cap);
    ipv6_ext_others(cap);
}

static void ssh_session(struct flow *fl, int64_t gap)
{
    pw_frame f;
    tcp_open(fl, gap);
    pw_frame_init(&f);
    ssh_banner(&f, 1);
    tcp_send(fl, MS(3), S2C, PSH | ACK, &f);
    tcp_ctl(fl, answer_gap(fl, C2S), C2S, ACK);
    pw_frame_init(&f);
    ssh_banner(&f, 0);
    tcp_send(fl, US(160), C2S, PSH | ACK, &f);
    pw_frame_init(&f);
    ssh_kexinit(&f, 22);
    tcp_send(fl, US(70), C2S, PSH | ACK, &f);
    pw_frame_init(&f);
    ssh_kexinit(&f, 2222);
    tcp_send(fl, answer_gap(fl, S2C), S2C, PSH | ACK, &f);
    tcp_ctl(fl, answer_gap(fl, C2S), C2S, ACK);
    tcp_close(fl, MS(30), C2S);
}

static void build_vlan(struct capture *cap)
{
    static const struct link vlan100 = {
        .kind = LINK_ETHER, .outer_tpid = PW_ETHERTYPE_8021Q, .outer_vid = 100};
    static const struct link qinq = {
        .kind = LINK_ETHER, .outer_tpid = PW_ETHERTYPE_8021AD, .outer_vid = 200,
        .inner_vid = 300};
    struct flow ssh, ntp;
    flow_init(&ssh, cap, &vlan100, "192.0.2.10", 50600, "198.51.100.22", 22);
    ssh.rtt = US(4400);
    ssh_session(&ssh, 0);
    flow_init(&ntp, cap, &qinq, "192.0.2.10", 50601, "203.0.113.123", 123);
    ntp.rtt = US(6020);
    ntp_exchange(&ntp, MS(50));
}

static void smtp_session_reset(struct flow *fl, int64_t gap)
{
    tcp_open(fl, gap);
    smtp_line(fl, MS(12), S2C, "220 mail.example.net ESMTP Postfix\r\n");
    tcp_ctl(fl, answer_gap(fl, C2S), C2S, ACK);
    smtp_line(fl, US(300), C2S, "EHLO client.example.org\r\n");
    smtp_line(fl, answer_gap(fl, S2C), S2C,
              "250-mail.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
              "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
    tcp_ctl(fl, MS(1), C2S, RST | ACK);
}

static void build_sll(struct capture *cap)
{
    static const struct link sll = {.kind = LINK_SLL};
    struct flow ntp, smtp;
    flow_init(&ntp, cap, &sll, "192.0.2.10", 50700, "203.0.113.123", 123);
    ntp.rtt = US(6020);
    ntp_exchange(&ntp, 0);
    flow_init(&smtp, cap, &sll, "192.0.2.10", 50701, "198.51.100.25", 25);
    smtp.rtt = US(9800);
    smtp_session_reset(&smtp, MS(30));
}

static void build_sll2(struct capture *cap)
{
    static const struct link sll2 = {.kind = LINK_SLL2};
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &sll2, "192.0.2.10", 50800, "198.51.100.33", 3306);
    fl.rtt = US(640);
    tcp_open(&fl, 0);
    pw_frame_init(&f);
    mysql_greeting(&f);
    tcp_send(&fl, US(900), S2C, PSH | ACK, &f);
    pw_frame_init(&f);
    mysql_login(&f);
    tcp_send(&fl, US(210), C2S, PSH | ACK, &f);
    pw_frame_init(&f);
    mysql_auth_ok(&f);
    tcp_send(&fl, answer_gap(&fl, S2C) + US(150), S2C, PSH | ACK, &f);
    pw_frame_init(&f);
    mysql_quit(&f);
    tcp_send(&fl, MS(2), C2S, PSH | ACK, &f);
    tcp_close(&fl, answer_gap(&fl, S2C), S2C);
}

/* IPv4 fragments of a UDP datagram, sent in the order `order` gives. */
static void ipv4_fragments(struct flow *fl, int64_t gap, const pw_frame *datagram, uint16_t id,
                           const int *order, size_t nfrags)
{
    size_t len = pw_frame_len(datagram), chunk = 1480;
    for (size_t i = 0; i < nfrags; i++) {
        size_t off = (size_t)order[i] * chunk;
        size_t n = len - off < chunk ? len - off : chunk;
        pw_frame f;
        copy_slice(&f, datagram, off, n);
        pw_ip ip = flow_ip(fl, C2S);
        pw_ipv4_hdr h = {
            .ttl = fl->ttl[C2S], .proto = PW_IPPROTO_UDP, .id = id,
            .more_fragments = off + n < len, .frag_offset = (uint16_t)off,
        };
        pw_ipv4(&f, &ip, &h);
        push_link(fl, C2S, PW_ETHERTYPE_IPV4, &f);
        fl->cap->now += i ? US(9) : gap;
        cap_write(fl->cap, &f);
    }
}

static void nfs_write(struct flow *fl, int64_t gap, uint32_t xid, size_t data_len, uint16_t ip_id,
                      const int *order)
{
    pw_frame f;
    pw_frame_init(&f);
    nfs_write_call(&f, xid, data_len);
    pw_ip ip = flow_ip(fl, C2S);
    pw_udp(&f, &ip, fl->port[C2S], fl->port[S2C]);
    ipv4_fragments(fl, gap, &f, ip_id, order, 3);
    pw_frame_init(&f);
    nfs_write_reply(&f, xid, data_len);
    udp_send(fl, fl->rtt + US(700), S2C, &f);
}

static void build_ipv4_frag(struct capture *cap)
{
    static const int in_order[3] = {0, 1, 2}, last_first[3] = {2, 0, 1};
    struct flow fl;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 50900, "198.51.100.49", 2049);
    fl.rtt = US(480);
    nfs_write(&fl, 0, 0x5f3e0001u, 2864, 0x1a01, in_order);
    nfs_write(&fl, MS(10), 0x5f3e0002u, 2868, 0x1a02, last_first);

    /* A later fragment of a datagram whose first fragment never arrives. */
    pw_frame f;
    pw_frame_init(&f);
    pw_put_fill(&f, 96, 0x1a7f);
    pw_ip ip = flow_ip(&fl, C2S);
    pw_ipv4_hdr h = {.ttl = 64, .proto = PW_IPPROTO_UDP, .id = 0x1a7f, .frag_offset = 1480};
    pw_ipv4(&f, &ip, &h);
    push_link(&fl, C2S, PW_ETHERTYPE_IPV4, &f);
    cap->now += MS(10);
    cap_write(cap, &f);
}

/* The frames of truncated.pcap, each built whole and then recorded cut. */
static void cut_tcp_syn(struct capture *cap, const char *client, const char *server,
                        uint16_t cport, uint32_t cap_len)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, client, cport, server, 80);
    pw_frame_init(&f);
    cap->now += MS(1);
    tcp_frame(&fl, C2S, SYN, fl.seq[C2S], &f);
    cap_write_cut(cap, &f, cap_len);
}

static void bad_tcp_offset(struct capture *cap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 52004, "198.51.100.20", 80);
    fl.tcp_options = 0;
    pw_frame_init(&f);
    cap->now += MS(1);
    tcp_frame(&fl, C2S, ACK, fl.seq[C2S], &f);
    uint8_t *tcp = pw_frame_at(&f, 14 + 20);
    tcp[12] = 3 << 4;                      /* 12 bytes: shorter than the fixed header */
    cap_write(cap, &f);
}

static void bad_udp_length(struct capture *cap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 52005, "198.51.100.53", 53);
    pw_frame_init(&f);
    dns_query(&f, 0x0bad, "example.com", 1);
    pw_ip ip = flow_ip(&fl, C2S);
    pw_udp(&f, &ip, 52005, 53);
    pw_patch_be16(&f, 4, 4);               /* less than the 8-byte header itself */
    ip_send(&fl, MS(1), C2S, PW_IPPROTO_UDP, &f);
}

static void bad_ipv4_ihl(struct capture *cap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 52006, "198.51.100.53", 53);
    pw_frame_init(&f);
    dns_query(&f, 0x0ba4, "example.com", 1);
    pw_ip ip = flow_ip(&fl, C2S);
    pw_udp(&f, &ip, 52006, 53);
    cap->now += MS(1);
    ip_frame(&fl, C2S, PW_IPPROTO_UDP, &f);
    uint8_t *ipv4 = pw_frame_at(&f, 14);
    ipv4[0] = 0x44;                        /* IHL 4: 16 bytes, below the 20-byte minimum */
    ipv4[10] = ipv4[11] = 0;
    uint16_t sum = pw_inet_checksum(ipv4, 20);
    ipv4[10] = (uint8_t)(sum >> 8);
    ipv4[11] = (uint8_t)sum;
    cap_write(cap, &f);
}

static void cut_sctp(struct capture *cap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 52007, "198.51.100.30", 3868);
    pw_frame_init(&f);
    pw_sctp_init init = {.initiate_tag = fl.vtag[C2S], .a_rwnd = 106496,
                         .outbound_streams = 10, .inbound_streams = 10,
                         .initial_tsn = fl.tsn[C2S]};
    pw_sctp_init_chunk(&f, PW_SCTP_INIT, &init);
    pw_sctp(&f, 52007, 3868, 0);
    cap->now += MS(1);
    ip_frame(&fl, C2S, PW_IPPROTO_SCTP, &f);
    cap_write_cut(cap, &f, 14 + 20 + 8);
}

static void cut_dccp(struct capture *cap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 52008, "198.51.100.60", 4556);
    pw_frame_init(&f);
    pw_dccp_hdr h = {.sport = 52008, .dport = 4556, .type = PW_DCCP_REQUEST,
                     .seq = fl.dccp_seq[C2S], .service_code = 1685351985};
    pw_ip ip = flow_ip(&fl, C2S);
    pw_dccp(&f, &ip, &h);
    cap->now += MS(1);
    ip_frame(&fl, C2S, PW_IPPROTO_DCCP, &f);
    cap_write_cut(cap, &f, 14 + 20 + 10);
}

static void snapped_upload(struct capture *cap)
{
    struct flow fl;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 52010, "198.51.100.20", 80);
    for (int i = 0; i < 2; i++) {
        pw_frame f;
        pw_frame_init(&f);
        pw_put_fill(&f, 1448, (uint32_t)i + 80);
        tcp_send(&fl, MS(1), C2S, ACK, &f);   /* clipped to the snap length on write */
    }
}

static void build_truncated(struct capture *cap)
{
    cut_tcp_syn(cap, "192.0.2.10", "198.51.100.20", 52001, 10);
    cut_tcp_syn(cap, "192.0.2.10", "198.51.100.20", 52002, 20);
    cut_tcp_syn(cap, "192.0.2.10", "198.51.100.20", 52003, 14 + 20 + 10);
    bad_tcp_offset(cap);
    bad_udp_length(cap);
    bad_ipv4_ihl(cap);
    cut_sctp(cap);
    cut_dccp(cap);
    cut_tcp_syn(cap, "2001:db8::10", "2001:db8:1::20", 52009, 14 + 30);
    snapped_upload(cap);
}

static void build_raw_ip(struct capture *cap)
{
    static const struct link raw = {.kind = LINK_RAW};
    struct flow tls, dns;
    flow_init(&tls, cap, &raw, "192.0.2.10", 51000, "198.51.100.43", 443);
    tls.rtt = US(15600);
    https_session(&tls, 0, "www.example.com", 101);
    flow_init(&dns, cap, &raw, "2001:db8::10", 51001, "2001:db8:1::53", 53);
    dns.rtt = US(7300);
    dns_exchange(&dns, MS(5), 0x2a2a, "www.example.com", 28, "2001:db8:5::80");
}

static void postgres_session(struct flow *fl, int64_t gap)
{
    pw_frame f;
    fl->rtt = US(62);
    fl->mss = fl->family == 6 ? 16324 : 16344;   /* lo0 MTU 16384 */
    tcp_open(fl, gap);
    pw_frame_init(&f);
    pg_startup(&f);
    tcp_send(fl, US(120), C2S, PSH | ACK, &f);
    pw_frame_init(&f);
    pg_ready(&f);
    tcp_send(fl, US(2100), S2C, PSH | ACK, &f);
    pw_frame_init(&f);
    pg_terminate(&f);
    tcp_send(fl, MS(3), C2S, PSH | ACK, &f);
    tcp_close(fl, US(30), C2S);
}

static void build_null_loopback(struct capture *cap)
{
    static const struct link af_inet = {.kind = LINK_NULL, .null_family = 2};
    static const struct link af_inet6_darwin = {.kind = LINK_NULL, .null_family = 30};
    static const struct link af_inet6_bsd = {.kind = LINK_NULL, .null_family = 24};
    struct flow v4, v6, bsd;
    flow_init(&v4, cap, &af_inet, "127.0.0.1", 51100, "127.0.0.1", 5432);
    v4.ttl[S2C] = 64;
    postgres_session(&v4, 0);
    flow_init(&v6, cap, &af_inet6_darwin, "::1", 51101, "::1", 5432);
    v6.ttl[S2C] = 64;
    postgres_session(&v6, MS(20));
    flow_init(&bsd, cap, &af_inet6_bsd, "::1", 51102, "::1", 5432);
    bsd.ttl[S2C] = 64;
    bsd.rtt = US(62);
    bsd.mss = 16324;
    tcp_open(&bsd, MS(20));
    tcp_close(&bsd, MS(1), C2S);
}

/* Bluetooth HCI in H4 (UART) framing, DLT_BLUETOOTH_HCI_H4: a packet type
 * byte, then the HCI packet, little-endian. Not decoded by portsniff. */
static void build_unsupported_link(struct capture *cap)
{
    pw_frame f;
    pw_frame_init(&f);
    pw_put_u8(&f, 0x01);                       /* HCI command */
    put_le16(&f, 0x0c03);                      /* Reset */
    pw_put_u8(&f, 0);                          /* no parameters */
    cap_write(cap, &f);
    pw_frame_init(&f);
    pw_put_u8(&f, 0x04);                       /* HCI event */
    pw_put_u8(&f, 0x0e);                       /* Command Complete */
    pw_put_u8(&f, 4);
    pw_put_u8(&f, 1);                          /* commands allowed */
    put_le16(&f, 0x0c03);                      /* for Reset */
    pw_put_u8(&f, 0);                          /* success */
    cap->now += MS(3);
    cap_write(cap, &f);
    pw_frame_init(&f);
    pw_put_u8(&f, 0x01);
    put_le16(&f, 0x1001);                      /* Read Local Version Information */
    pw_put_u8(&f, 0);
    cap->now += US(250);
    cap_write(cap, &f);
}

/* ---- mixed.pcapng --------------------------------------------------------- */

/* What each side of a mid-stream connection says: dir is C2S or S2C. */
typedef void (*midstream_payload)(pw_frame *f, int dir);

static void http_alt_payload(pw_frame *f, int dir)
{
    if (dir == C2S)
        http_get(f, "198.51.100.40:8080", "/status");
    else
        pw_put_str(f, "HTTP/1.1 204 No Content\r\nServer: status-agent\r\n\r\n");
}

static void redis_payload(pw_frame *f, int dir)
{
    pw_put_str(f, dir == C2S ? "*2\r\n$3\r\nGET\r\n$7\r\nsession\r\n" : "$5\r\nalive\r\n");
}

static void imaps_payload(pw_frame *f, int dir)
{
    tls_app_data(f, dir == C2S ? 37 : 412, dir == C2S ? 993u : 994u);
}

/* One exchange on an established connection whose start was not captured;
 * `first` is the side whose packet comes first. */
static void midstream(struct capture *cap, const char *a, uint16_t aport, const char *b,
                      uint16_t bport, int first, midstream_payload payload, int64_t gap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER_PADDED, a, aport, b, bport);
    fl.tcp_options = 0;
    fl.rtt = US(3100);
    pw_frame_init(&f);
    payload(&f, first);
    tcp_send(&fl, gap, first, PSH | ACK, &f);
    pw_frame_init(&f);
    payload(&f, !first);
    tcp_send(&fl, first == C2S ? fl.rtt : US(180), !first, PSH | ACK, &f);
    tcp_ctl(&fl, first == C2S ? US(60) : fl.rtt, first, ACK);
}

static void short_exchange(struct capture *cap, const char *server, uint16_t cport,
                           uint16_t sport, int64_t gap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", cport, server, sport);
    fl.rtt = US(5200);
    tcp_open(&fl, gap);
    pw_frame_init(&f);
    pw_put_str(&f, "HELLO portsniff\r\n");
    tcp_send(&fl, US(100), C2S, PSH | ACK, &f);
    tcp_ctl(&fl, answer_gap(&fl, S2C), S2C, ACK);
    tcp_close(&fl, MS(2), C2S);
}

static void udp_dynamic(struct capture *cap, int64_t gap)
{
    static const uint8_t router_alert[4] = {0x94, 0x04, 0x00, 0x00};  /* RFC 2113 */
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER_PADDED, "192.0.2.10", 50000, "198.51.100.50", 60000);
    fl.rtt = US(4100);
    for (int i = 0; i < 3; i++) {
        for (int dir = C2S; dir <= S2C; dir++) {
            pw_frame_init(&f);
            pw_put_fill(&f, dir == C2S ? 48 : 24, 60000u + (uint32_t)(i * 2 + dir));
            if (i == 0 && dir == C2S) {    /* IPv4 options: a 24-byte header */
                fl.ip_options = router_alert;
                fl.ip_options_len = sizeof router_alert;
            }
            udp_send(&fl, dir == C2S ? (i ? MS(20) : gap) : fl.rtt, dir, &f);
        }
    }
}

static void reopened(struct capture *cap, int64_t gap)
{
    struct flow fl;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 49330, "198.51.100.80", 80);
    fl.rtt = US(7700);
    http_session(&fl, gap, "www.example.net", 3);
    fl.seq[C2S] += 0x10000000u;            /* a fresh ISN above the old one (RFC 9293 3.4.1) */
    fl.seq[S2C] += 0x20000000u;
    http_session(&fl, MS(1500), "www.example.net", 3);
}

static void retransmissions(struct capture *cap, int64_t gap)
{
    struct flow fl;
    pw_frame f;
    flow_init(&fl, cap, &ETHER, "192.0.2.10", 49340, "198.51.100.90", 443);
    fl.rtt = US(19000);
    pw_frame_init(&f);
    tcp_send(&fl, gap, C2S, SYN, &f);
    pw_frame_init(&f);
    tcp_resend(&fl, MS(1000), C2S, SYN, &f);   /* first SYN lost: RTO is 1 s */
    tcp_ctl(&fl, fl.rtt, S2C, SYN | ACK);
    tcp_ctl(&fl, US(40), C2S, ACK);
    pw_frame_init(&f);
    tls_client_hello(&f, "retry.example.com", 90);
    tcp_send(&fl, US(250), C2S, PSH | ACK, &f);
    pw_frame_init(&f);
    tls_client_hello(&f, "retry.example.com", 90);
    tcp_resend(&fl, MS(204), C2S, PSH | ACK, &f);
    tcp_ctl(&fl, fl.rtt, S2C, ACK);
    tcp_close(&fl, MS(5), C2S);
}

static void arp_exchange(struct capture *cap, int64_t gap)
{
    static const uint8_t zero[6];
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t host[6], router[6], host_ip[16], router_ip[16];
    pw_frame f;
    doc_mac(host, 0x10);
    doc_mac(router, 0xfe);
    parse_addr(4, "192.0.2.10", host_ip);
    parse_addr(4, "192.0.2.1", router_ip);
    pw_frame_init(&f);
    pw_arp(&f, 1, host, host_ip, zero, router_ip);
    pw_ether(&f, bcast, host, PW_ETHERTYPE_ARP);
    cap->now += gap;
    cap_write(cap, &f);
    pw_frame_init(&f);
    pw_arp(&f, 2, router, router_ip, host, host_ip);
    pw_ether(&f, host, router, PW_ETHERTYPE_ARP);
    pw_ether_pad(&f);
    cap->now += US(380);
    cap_write(cap, &f);
}

static void gre_packet(struct capture *cap, int64_t gap)
{
    struct flow outer, inner;
    pw_frame f;
    flow_init(&outer, cap, &ETHER, "203.0.113.1", 0, "203.0.113.2", 0);
    flow_init(&inner, cap, &ETHER, "192.0.2.100", 0, "198.51.100.100", 0);
    pw_frame_init(&f);
    ping_payload(&f, cap->now + gap);
    pw_icmp_echo(&f, 8, 0x0047, 1);
    pw_ip ip = flow_ip(&inner, C2S);
    pw_ipv4_hdr h = {.ttl = 64, .proto = PW_IPPROTO_ICMP, .id = 0x4747, .dont_fragment = 1};
    pw_ipv4(&f, &ip, &h);
    pw_gre(&f, PW_ETHERTYPE_IPV4);
    ip_send(&outer, gap, C2S, PW_IPPROTO_GRE, &f);
}

static void build_mixed(struct capture *cap)
{
    struct flow https, icmp, icmp6;
    flow_init(&https, cap, &ETHER, "192.0.2.10", 49310, "198.51.100.43", 443);
    https.rtt = US(15600);
    https_session(&https, 0, "www.example.com", 7);
    midstream(cap, "192.0.2.30", 40000, "198.51.100.40", 8080, C2S, http_alt_payload, MS(50));
    midstream(cap, "192.0.2.31", 27500, "198.51.100.41", 6379, C2S, redis_payload, MS(50));
    midstream(cap, "192.0.2.32", 5004, "198.51.100.42", 993, S2C, imaps_payload, MS(50));
    udp_dynamic(cap, MS(50));
    short_exchange(cap, "198.51.100.70", 49320, 270, MS(50));
    short_exchange(cap, "198.51.100.72", 49322, 272, MS(50));
    reopened(cap, MS(50));
    retransmissions(cap, MS(50));
    flow_init(&icmp, cap, &ETHER, "192.0.2.10", 0, "198.51.100.1", 0);
    icmp.rtt = US(1900);
    ping(&icmp, MS(50), 0x0b1d, 1);
    flow_init(&icmp6, cap, &ETHER, "2001:db8::10", 0, "2001:db8:1::1", 0);
    icmp6.rtt = US(2100);
    ping(&icmp6, MS(50), 0x0b1e, 1);
    arp_exchange(cap, MS(50));
    gre_packet(cap, MS(50));
}

/* ---- sample.pcapng -------------------------------------------------------- */

static void sample_web(struct capture *cap)
{
    struct flow dns, https, dns6, https6, http;
    flow_init(&dns, cap, &ETHER, "192.0.2.10", 53001, "192.0.2.53", 53);
    dns.rtt = US(910);
    dns_exchange(&dns, 0, 0x1001, "www.example.com", 1, "198.51.100.43");
    flow_init(&https, cap, &ETHER, "192.0.2.10", 49400, "198.51.100.43", 443);
    https.rtt = US(15600);
    https_session(&https, US(400), "www.example.com", 1400);

    flow_init(&dns6, cap, &ETHER, "192.0.2.10", 53002, "192.0.2.53", 53);
    dns6.rtt = US(930);
    dns_exchange(&dns6, MS(200), 0x1002, "static.example.org", 28, "2001:db8:1::44");
    flow_init(&https6, cap, &ETHER, "2001:db8::10", 49401, "2001:db8:1::44", 443);
    https6.rtt = US(14100);
    https_session(&https6, US(300), "static.example.org", 1600);

    struct flow dns3;
    flow_init(&dns3, cap, &ETHER, "192.0.2.10", 53003, "192.0.2.53", 53);
    dns3.rtt = US(880);
    dns_exchange(&dns3, MS(300), 0x1003, "www.example.net", 1, "198.51.100.20");
    flow_init(&http, cap, &ETHER, "192.0.2.10", 49402, "198.51.100.20", 80);
    http.rtt = US(12900);
    http_session(&http, US(350), "www.example.net", 24);
}

static void sample_services(struct capture *cap)
{
    static const struct link vlan100 = {
        .kind = LINK_ETHER, .outer_tpid = PW_ETHERTYPE_8021Q, .outer_vid = 100};
    struct flow ntp, ssh, icmp, dia, dccp, syslog;
    flow_init(&ntp, cap, &ETHER, "192.0.2.10", 49403, "203.0.113.123", 123);
    ntp.rtt = US(6020);
    ntp_exchange(&ntp, MS(400));
    flow_init(&ssh, cap, &ETHER, "192.0.2.10", 49404, "203.0.113.22", 22);
    ssh.rtt = US(4400);
    ssh_session(&ssh, MS(300));
    flow_init(&icmp, cap, &ETHER, "192.0.2.10", 0, "198.51.100.1", 0);
    icmp.rtt = US(1900);
    ping(&icmp, MS(200), 0x0c01, 1);
    ping(&icmp, MS(1000) - icmp.rtt, 0x0c01, 2);
    flow_init(&dia, cap, &ETHER, "192.0.2.10", 49405, "198.51.100.30", 3868);
    dia.rtt = US(1210);
    sctp_open(&dia, MS(150));
    diameter_exchange(&dia, US(90));
    sctp_heartbeat(&dia, MS(30), C2S);
    sctp_shutdown(&dia, MS(40), C2S);
    flow_init(&dccp, cap, &ETHER, "192.0.2.10", 49406, "198.51.100.60", 4556);
    dccp.rtt = US(2250);
    dccp_session(&dccp, MS(120));
    flow_init(&syslog, cap, &vlan100, "192.0.2.60", 49407, "198.51.100.14", 514);
    for (int i = 0; i < 3; i++) {
        pw_frame f;
        int64_t ms = (cap->now + MS(90) - BASE_NS) / MS(1);
        pw_frame_init(&f);
        put_fmt(&f, "<86>1 2026-08-17T10:%02d:%02d.%03dZ host60.example.org sshd 812 - - "
                "session %d opened for user app\n", (int)(ms / 60000), (int)(ms / 1000 % 60),
                (int)(ms % 1000), i + 1);
        udp_send(&syslog, MS(90), C2S, &f);
    }
}

static void build_sample(struct capture *cap)
{
    sample_web(cap);
    sample_services(cap);
}

/* ---- main ----------------------------------------------------------------- */

struct capture_spec {
    const char *name;
    int pcapng;
    uint32_t linktype, snaplen;
    void (*build)(struct capture *cap);
};

static const struct capture_spec CAPTURES[] = {
    {"tcp-http.pcap", 0, PW_LINKTYPE_ETHERNET, 262144, build_tcp_http},
    {"dns-udp.pcap", 0, PW_LINKTYPE_ETHERNET, 262144, build_dns_udp},
    {"sctp-init.pcap", 0, PW_LINKTYPE_ETHERNET, 262144, build_sctp_init},
    {"dccp-request.pcap", 0, PW_LINKTYPE_ETHERNET, 262144, build_dccp_request},
    {"ipv6-ext.pcap", 0, PW_LINKTYPE_ETHERNET, 262144, build_ipv6_ext},
    {"vlan.pcap", 0, PW_LINKTYPE_ETHERNET, 262144, build_vlan},
    {"sll.pcap", 0, PW_LINKTYPE_LINUX_SLL, 262144, build_sll},
    {"sll2.pcap", 0, PW_LINKTYPE_LINUX_SLL2, 262144, build_sll2},
    {"ipv4-frag.pcap", 0, PW_LINKTYPE_ETHERNET, 262144, build_ipv4_frag},
    {"truncated.pcap", 0, PW_LINKTYPE_ETHERNET, 96, build_truncated},
    {"raw-ip.pcap", 0, PW_LINKTYPE_RAW, 262144, build_raw_ip},
    {"null-loopback.pcap", 0, PW_LINKTYPE_NULL, 262144, build_null_loopback},
    {"unsupported-link.pcap", 0, PW_LINKTYPE_BLUETOOTH_HCI_H4, 262144, build_unsupported_link},
    {"mixed.pcapng", 1, PW_LINKTYPE_ETHERNET, 262144, build_mixed},
    {"sample.pcapng", 1, PW_LINKTYPE_ETHERNET, 262144, build_sample},
};

static int write_capture(const char *dir, const struct capture_spec *spec)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, spec->name) >= (int)sizeof path) {
        fprintf(stderr, "gen-captures: output directory name too long: %s\n", dir);
        return -1;
    }
    struct capture cap = {.now = BASE_NS, .sub_us = spec->pcapng};
    cap.w = spec->pcapng ? pw_open_pcapng(path, spec->linktype, spec->snaplen, 9)
                         : pw_open_pcap(path, spec->linktype, spec->snaplen);
    if (!cap.w) {
        fprintf(stderr, "gen-captures: %s: %s\n", path, strerror(errno));
        return -1;
    }
    spec->build(&cap);
    if (pw_close(cap.w) != 0) {
        fprintf(stderr, "gen-captures: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: gen-captures OUTDIR\n"
                "Writes portsniff's sample captures into the existing directory OUTDIR.\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof CAPTURES / sizeof CAPTURES[0]; i++)
        if (write_capture(argv[1], &CAPTURES[i]) != 0)
            return 1;
    return 0;
}
