/* gen-bench: writes large, realistic Ethernet captures for the benchmark.
 *
 *   gen-bench -o FILE [--packets N] [--flows N] [--concurrent N] [--seed S]
 *   gen-bench -o FILE --flood N [--seed S]
 *
 * The default capture holds about 2,000,000 packets in 200,000 flows:
 * TCP (handshake, request, data segments with delayed ACKs, FIN or RST
 * teardown, some unanswered SYNs and some flows already running when the
 * capture began), UDP request/response (DNS, NTP, QUIC, syslog, ...), SCTP
 * associations (INIT .. COOKIE ACK, DATA/SACK, SHUTDOWN .. SHUTDOWN
 * COMPLETE) and DCCP connections (Request with Service Code, Response, Ack,
 * DataAck, Close, Reset), over IPv4 and IPv6, a tenth of the flows tagged
 * with an 802.1Q VLAN. Servers listen on registered ports, clients use
 * ephemeral ones; 65,536 client hosts all over the address space talk to
 * 4,096 servers in one data centre (10.0.0.0/20, 2001:db8:53::/112). Flows are
 * interleaved: a fixed number run at once and each packet comes from one of
 * them at random, with timestamps always rising.
 *
 * --flood N writes N distinct short flows (one or two packets: a UDP query,
 * a query and its answer, a TCP SYN, or a SYN and its SYN-ACK) inside a few
 * seconds, so that none closes and none reaches an idle timeout: every flow
 * is open at once at the end of the file.
 *
 * The output is deterministic for a given seed. Checksums are not computed
 * except the IPv4 header checksum, which is cheap. Timestamps have
 * nanosecond resolution (pcap magic a1b23c4d). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPLEN 65535
#define OUTBUF_SIZE (8u << 20)
#define MIN_FRAME 60                  /* Ethernet minimum without FCS */
#define START_SEC 1787043600u         /* 2026-08-18 09:00:00 UTC */
#define TCP_MSS 1448                  /* 1500 - IPv4 20 - TCP 20 - timestamps 12 */

enum { T_TCP, T_UDP, T_SCTP, T_DCCP };
enum { IPPROTO_TCP_ = 6, IPPROTO_UDP_ = 17, IPPROTO_DCCP_ = 33, IPPROTO_SCTP_ = 132 };

/* Flow variants. */
enum {
    V_TCP_FIN,        /* handshake, request, data, FIN both ways */
    V_TCP_RST,        /* handshake, data, RST from the client */
    V_TCP_SYN_ONLY,   /* SYN (and retransmissions) never answered */
    V_TCP_MIDSTREAM,  /* already running when the capture began: data, FIN */
    V_TCP_SYNACK,     /* flood: SYN and SYN-ACK, then nothing */
    V_UDP_QA,         /* one query, one answer */
    V_UDP_Q,          /* one query, no answer */
    V_UDP_STREAM,     /* a conversation of many datagrams */
    V_SCTP,
    V_DCCP
};

/* Application shape decides payload sizes. */
enum { A_BULK, A_INTERACTIVE, A_QUIC, A_ONEWAY, A_DNS, A_SMALL, A_MEDIA };

typedef struct flow {
    uint32_t npkts;      /* planned packets */
    uint32_t sent;
    uint32_t client;     /* host indexes, addresses derive from them */
    uint32_t server;
    uint16_t cport, sport;
    uint16_t vlan_id;    /* 0: untagged */
    uint8_t  transport;
    uint8_t  variant;
    uint8_t  app;
    uint8_t  v6;
    uint16_t last_len;   /* payload of the last data segment */
    uint32_t seq_c, seq_s;
} flow;

/* ---- deterministic random numbers (splitmix64 / xorshift64*) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rnd_range(uint32_t lo, uint32_t hi)   /* inclusive */
{
    return lo + rnd_below(hi - lo + 1);
}

static double rnd_unit(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- server ports, weighted ---- */

typedef struct port_weight {
    uint16_t port;
    uint16_t weight;
    uint8_t  app;
} port_weight;

static const port_weight tcp_ports[] = {
    {443, 400, A_BULK}, {80, 120, A_BULK}, {8080, 25, A_BULK}, {8443, 20, A_BULK},
    {22, 30, A_INTERACTIVE}, {25, 15, A_INTERACTIVE}, {587, 8, A_INTERACTIVE},
    {993, 20, A_INTERACTIVE}, {995, 6, A_INTERACTIVE}, {143, 6, A_INTERACTIVE},
    {110, 4, A_INTERACTIVE}, {53, 8, A_INTERACTIVE}, {3306, 20, A_INTERACTIVE},
    {5432, 18, A_INTERACTIVE}, {6379, 12, A_INTERACTIVE}, {445, 15, A_BULK},
    {3389, 8, A_INTERACTIVE}, {389, 8, A_INTERACTIVE}, {636, 6, A_INTERACTIVE},
    {5222, 6, A_INTERACTIVE}, {1883, 8, A_INTERACTIVE}, {9200, 8, A_BULK},
    {27017, 8, A_INTERACTIVE}, {11211, 6, A_INTERACTIVE}, {5671, 5, A_INTERACTIVE},
    {21, 4, A_INTERACTIVE}, {179, 3, A_INTERACTIVE}, {2049, 8, A_BULK}, {88, 6, A_INTERACTIVE},
    {873, 3, A_BULK}, {5900, 3, A_INTERACTIVE}, {9418, 4, A_BULK},
};
static const port_weight udp_ports[] = {
    {53, 400, A_DNS}, {443, 150, A_QUIC}, {123, 80, A_SMALL}, {161, 30, A_SMALL},
    {514, 20, A_ONEWAY}, {500, 15, A_INTERACTIVE}, {4500, 25, A_MEDIA},
    {1194, 10, A_MEDIA}, {3478, 20, A_MEDIA}, {5060, 20, A_INTERACTIVE},
    {5353, 25, A_SMALL}, {67, 8, A_SMALL}, {137, 8, A_SMALL}, {1900, 10, A_SMALL},
    {69, 3, A_INTERACTIVE}, {51820, 12, A_MEDIA}, {27015, 6, A_MEDIA}, {2055, 6, A_ONEWAY},
};
static const port_weight sctp_ports[] = {
    {3868, 40, A_INTERACTIVE}, {2905, 30, A_INTERACTIVE}, {36412, 30, A_INTERACTIVE},
    {38412, 20, A_INTERACTIVE}, {2944, 10, A_INTERACTIVE}, {5060, 10, A_INTERACTIVE},
    {9900, 5, A_INTERACTIVE},
};
static const port_weight dccp_ports[] = {
    {5004, 50, A_MEDIA}, {5005, 20, A_MEDIA}, {6514, 15, A_ONEWAY},
    {4556, 10, A_INTERACTIVE}, {1113, 5, A_INTERACTIVE}, {9, 5, A_ONEWAY},
};

static const port_weight *pick_port(const port_weight *tab, size_t n)
{
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += tab[i].weight;
    uint32_t r = rnd_below(total);
    for (size_t i = 0; i < n; i++) {
        if (r < tab[i].weight)
            return &tab[i];
        r -= tab[i].weight;
    }
    return &tab[n - 1];
}
#define PICK(tab) pick_port(tab, sizeof(tab) / sizeof(tab[0]))

/* Ephemeral client ports: the IANA dynamic range (RFC 6335) or the Linux
 * default 32768-60999. */
static uint16_t client_port(void)
{
    if (rnd_below(10) < 6)
        return (uint16_t)rnd_range(49152, 65535);
    return (uint16_t)rnd_range(32768, 60999);
}

/* ---- the output buffer ---- */

static uint8_t *outbuf;
static size_t outlen;
static FILE *out;
static uint64_t bytes_written;

static void flush_out(void)
{
    if (outlen && fwrite(outbuf, 1, outlen, out) != outlen) {
        fprintf(stderr, "gen-bench: write failed: %s\n", strerror(errno));
        exit(1);
    }
    bytes_written += outlen;
    outlen = 0;
}

static uint8_t *reserve(size_t n)
{
    if (outlen + n > OUTBUF_SIZE)
        flush_out();
    uint8_t *p = outbuf + outlen;
    outlen += n;
    return p;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void put32le(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }   /* pcap headers: host order */

static void write_file_header(void)
{
    uint8_t *h = reserve(24);
    put32le(h, 0xa1b23c4du);          /* nanosecond timestamps */
    uint16_t major = 2, minor = 4;
    memcpy(h + 4, &major, 2);
    memcpy(h + 6, &minor, 2);
    memset(h + 8, 0, 8);              /* thiszone, sigfigs */
    put32le(h + 16, SNAPLEN);
    put32le(h + 20, 1);               /* LINKTYPE_ETHERNET */
}

/* ---- addresses ---- */

static void client_addr(const flow *f, uint8_t *a)
{
    uint64_t h = mix64(f->client);
    if (f->v6) {
        static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00};
        memcpy(a, pfx, 8);
        a[6] = (uint8_t)(f->client >> 24);
        a[7] = (uint8_t)(f->client >> 16);
        memcpy(a + 8, &h, 8);
        a[8] &= 0xfd;
    } else {
        /* Clients from all over the address space, as a server farm sees
         * them: first octets 11-122, the rest from the host number. */
        a[0] = (uint8_t)(11 + (h >> 56) % 112);
        a[1] = (uint8_t)(h >> 40);
        a[2] = (uint8_t)(f->client >> 8);
        a[3] = (uint8_t)f->client;
    }
}

static void server_addr(const flow *f, uint8_t *a)
{
    if (f->v6) {
        static const uint8_t pfx[14] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x53, 0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(a, pfx, 14);
        a[14] = (uint8_t)(f->server >> 8);
        a[15] = (uint8_t)f->server;
    } else {
        /* The servers: 10.0.0.1 - 10.0.15.255. */
        a[0] = 10;
        a[1] = 0;
        a[2] = (uint8_t)(f->server >> 8);
        a[3] = (uint8_t)(f->server | 1);
    }
}

/* ---- one packet ---- */

/* What the flow sends next: direction and the transport header bytes. */
typedef struct pkt_plan {
    int from_server;
    uint8_t th[512];      /* transport header, SCTP chunk headers, DNS/NTP messages */
    uint32_t th_len;
    uint32_t payload;     /* bytes after the transport header */
} pkt_plan;

static uint8_t filler[2048];
static uint32_t ip_ident;

static void emit(const flow *f, const pkt_plan *p, int64_t ts_ns)
{
    uint8_t caddr[16], saddr[16];
    uint32_t l2 = f->vlan_id ? 18 : 14;
    uint32_t l3 = f->v6 ? 40 : 20;
    uint32_t ip_len = l3 + p->th_len + p->payload;
    uint32_t frame = l2 + ip_len;
    uint32_t cap = frame < MIN_FRAME ? MIN_FRAME : frame;
    uint8_t proto = f->transport == T_TCP ? IPPROTO_TCP_ : f->transport == T_UDP ? IPPROTO_UDP_
                  : f->transport == T_SCTP ? IPPROTO_SCTP_ : IPPROTO_DCCP_;

    uint8_t *r = reserve(16 + cap);
    put32le(r, (uint32_t)(ts_ns / 1000000000) + START_SEC);
    put32le(r + 4, (uint32_t)(ts_ns % 1000000000));
    put32le(r + 8, cap);
    put32le(r + 12, cap);
    uint8_t *e = r + 16;

    client_addr(f, caddr);
    server_addr(f, saddr);
    const uint8_t *src = p->from_server ? saddr : caddr;
    const uint8_t *dst = p->from_server ? caddr : saddr;

    /* MACs: the router on the server side, a host MAC derived from the client. */
    static const uint8_t router[6] = {0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01};
    uint8_t host[6] = {0x02, 0x42, (uint8_t)(f->client >> 24), (uint8_t)(f->client >> 16),
                       (uint8_t)(f->client >> 8), (uint8_t)f->client};
    memcpy(e, p->from_server ? host : router, 6);
    memcpy(e + 6, p->from_server ? router : host, 6);
    uint8_t *q = e + 12;
    if (f->vlan_id) {
        put16(q, 0x8100);
        put16(q + 2, f->vlan_id);
        q += 4;
    }
    put16(q, f->v6 ? 0x86dd : 0x0800);
    q += 2;
    if (f->v6) {
        put32(q, 0x60000000u | (f->client & 0xfffff));
        put16(q + 4, (uint16_t)(ip_len - 40));
        q[6] = proto;
        q[7] = 64;
        memcpy(q + 8, src, 16);
        memcpy(q + 24, dst, 16);
        q += 40;
    } else {
        q[0] = 0x45; q[1] = 0;
        put16(q + 2, (uint16_t)ip_len);
        put16(q + 4, (uint16_t)ip_ident++);
        put16(q + 6, 0x4000);    /* DF */
        q[8] = p->from_server ? 57 : 64;
        q[9] = proto;
        q[10] = q[11] = 0;
        memcpy(q + 12, src, 4);
        memcpy(q + 16, dst, 4);
        uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2)
            sum += (uint32_t)(q[i] << 8 | q[i + 1]);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        put16(q + 10, (uint16_t)~sum);
        q += 20;
    }
    memcpy(q, p->th, p->th_len);
    q += p->th_len;
    /* Payload: bytes that look like ciphertext, from a fixed block. */
    uint32_t left = p->payload;
    uint32_t off = (f->seq_c ^ f->seq_s) & 511;
    while (left) {
        uint32_t n = left < sizeof(filler) - off ? left : (uint32_t)sizeof(filler) - off;
        memcpy(q, filler + off, n);
        q += n;
        left -= n;
        off = 0;
    }
    if (cap > frame)
        memset(e + frame, 0, cap - frame);
}

/* ---- per-transport packet plans ---- */

static void tcp_header(pkt_plan *p, const flow *f, uint8_t flags, uint32_t seq, uint32_t ack, int syn_opts)
{
    uint8_t *t = p->th;
    put16(t, p->from_server ? f->sport : f->cport);
    put16(t + 2, p->from_server ? f->cport : f->sport);
    put32(t + 4, seq);
    put32(t + 8, (flags & 0x10) ? ack : 0);
    uint32_t len = syn_opts ? 40 : 32;
    t[12] = (uint8_t)((len / 4) << 4);
    t[13] = flags;
    put16(t + 14, p->from_server ? 65160 : 501);
    put16(t + 16, 0);
    put16(t + 18, 0);
    uint8_t *o = t + 20;
    if (syn_opts) {
        /* MSS, SACK permitted, timestamps, NOP, window scale (Linux order). */
        static const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
        memcpy(o, opts, 20);
    } else {
        static const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1};
        memcpy(o, opts, 12);
    }
    p->th_len = len;
}

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

static uint32_t request_size(const flow *f)
{
    return f->app == A_BULK ? rnd_range(180, 720) : rnd_range(40, 420);
}

/* The body of a TCP flow (between handshake and teardown), packet j of n. */
static void tcp_body(pkt_plan *p, flow *f, uint32_t j, uint32_t n)
{
    uint8_t flags = F_ACK;
    uint32_t len;
    if (j == 0 && f->variant != V_TCP_MIDSTREAM) {
        p->from_server = 0;
        len = request_size(f);
        flags |= F_PSH;
    } else if (f->app == A_BULK) {
        /* Server data, two segments per client ACK (delayed ACK). */
        uint32_t m = (j + 2) % 3;
        if (m < 2) {
            p->from_server = 1;
            len = TCP_MSS;
            if (j + 2 >= n) {
                len = f->last_len;
                flags |= F_PSH;
            }
        } else {
            p->from_server = 0;
            len = 0;
        }
    } else {
        /* Request, response, pure ACK. */
        uint32_t m = j % 3;
        p->from_server = m == 1;
        len = m == 0 ? rnd_range(40, 420) : m == 1 ? rnd_range(80, 1400) : 0;
        if (len)
            flags |= F_PSH;
    }
    uint32_t *seq = p->from_server ? &f->seq_s : &f->seq_c;
    tcp_header(p, f, flags, *seq, p->from_server ? f->seq_c : f->seq_s, 0);
    *seq += len;
    p->payload = len;
}

static void plan_tcp(pkt_plan *p, flow *f)
{
    uint32_t k = f->sent, n = f->npkts;
    switch (f->variant) {
    case V_TCP_SYN_ONLY:
        p->from_server = 0;
        tcp_header(p, f, F_SYN, f->seq_c, 0, 1);
        return;
    case V_TCP_SYNACK:
        p->from_server = k == 1;
        tcp_header(p, f, k ? F_SYN | F_ACK : F_SYN, k ? f->seq_s : f->seq_c, f->seq_c + 1, 1);
        return;
    default:
        break;
    }
    uint32_t hs = f->variant == V_TCP_MIDSTREAM ? 0 : 3;
    uint32_t td = f->variant == V_TCP_RST ? 1 : 4;
    p->payload = 0;
    if (k < hs) {
        p->from_server = k == 1;
        uint8_t flags = k == 0 ? F_SYN : k == 1 ? (F_SYN | F_ACK) : F_ACK;
        uint32_t *seq = p->from_server ? &f->seq_s : &f->seq_c;
        tcp_header(p, f, flags, *seq, p->from_server ? f->seq_c : f->seq_s, k < 2);
        if (k < 2)
            (*seq)++;
        return;
    }
    if (k < n - td) {
        tcp_body(p, f, k - hs, n - hs - td);
        return;
    }
    uint32_t t = k - (n - td);
    if (f->variant == V_TCP_RST) {
        p->from_server = 0;
        tcp_header(p, f, F_RST | F_ACK, f->seq_c, f->seq_s, 0);
        return;
    }
    /* Server closes first: FIN, ACK, FIN, ACK. */
    static const uint8_t from_server[4] = {1, 0, 0, 1};
    static const uint8_t flags[4] = {F_FIN | F_ACK, F_ACK, F_FIN | F_ACK, F_ACK};
    p->from_server = from_server[t];
    uint32_t *seq = p->from_server ? &f->seq_s : &f->seq_c;
    tcp_header(p, f, flags[t], *seq, p->from_server ? f->seq_c : f->seq_s, 0);
    if (flags[t] & F_FIN)
        (*seq)++;
}

/* A DNS query, or its answer with n A/AAAA records (RFC 1035 section 4.1),
 * written at m; returns its length. */
static const char *const dns_names[] = {
    "\3www\7example\3com", "\3api\7example\3net", "\4mail\7example\3org",
    "\3cdn\5akam1\3net", "\4time\7example\3com", "\6update\6vendor\2io",
    "\2ns\4test\4arpa", "\5login\11example-co\2uk",
};

static uint32_t dns_message(uint8_t *m, const flow *f, int answer, uint32_t n)
{
    uint32_t id = f->seq_c & 0xffff, name = (f->seq_s >> 8) % 8;
    int aaaa = f->v6 && (f->seq_s & 1);
    const char *q = dns_names[name];
    size_t qlen = strlen(q) + 1;
    put16(m, (uint16_t)id);
    put16(m + 2, answer ? 0x8180 : 0x0100);
    put16(m + 4, 1);
    put16(m + 6, (uint16_t)(answer ? n : 0));
    put16(m + 8, 0);
    put16(m + 10, 0);
    memcpy(m + 12, q, qlen);
    uint8_t *r = m + 12 + qlen;
    put16(r, aaaa ? 28 : 1);
    put16(r + 2, 1);
    r += 4;
    for (uint32_t i = 0; answer && i < n; i++) {
        put16(r, 0xc00c);               /* the name of the question */
        put16(r + 2, aaaa ? 28 : 1);
        put16(r + 4, 1);
        put32(r + 6, 300);
        put16(r + 10, aaaa ? 16 : 4);
        memcpy(r + 12, filler + i * 16, aaaa ? 16 : 4);
        r += aaaa ? 28 : 16;
    }
    return (uint32_t)(r - m);
}

static void plan_udp(pkt_plan *p, flow *f)
{
    uint32_t k = f->sent;
    uint32_t len, app = 0;
    switch (f->app) {
    case A_DNS:
        p->from_server = k & 1;
        app = dns_message(p->th + 8, f, p->from_server, p->from_server ? rnd_range(1, 8) : 0);
        len = 0;
        break;
    case A_SMALL:
        p->from_server = k & 1;
        if (f->sport == 123) {
            /* NTPv4 client (mode 3) / server (mode 4) header, RFC 5905 7.3. */
            app = 48;
            memcpy(p->th + 8, filler + 64, 48);
            p->th[8] = p->from_server ? 0x24 : 0x23;
            p->th[9] = p->from_server ? 2 : 0;
            len = 0;
        } else {
            len = p->from_server ? rnd_range(48, 300) : rnd_range(48, 90);
        }
        break;
    case A_QUIC:
        /* Initial packets padded to 1200 (RFC 9000 section 14.1), then
         * server data with client ACKs. */
        if (k < 2) {
            p->from_server = (int)k;
            len = 1252;
        } else {
            p->from_server = (k % 4) != 1;
            len = p->from_server ? rnd_range(1200, 1350) : rnd_range(30, 60);
        }
        break;
    case A_ONEWAY:
        p->from_server = 0;
        len = rnd_range(80, 600);
        break;
    case A_MEDIA:
        p->from_server = (k % 3) == 1;
        len = rnd_range(100, 1300);
        break;
    default:
        p->from_server = k & 1;
        len = rnd_range(40, 900);
        break;
    }
    uint8_t *u = p->th;
    put16(u, p->from_server ? f->sport : f->cport);
    put16(u + 2, p->from_server ? f->cport : f->sport);
    put16(u + 4, (uint16_t)(8 + app + len));
    put16(u + 6, 0);
    p->th_len = 8 + app;
    p->payload = len;
}

/* SCTP chunk types (RFC 9260 section 3.2). */
enum { C_DATA = 0, C_INIT = 1, C_INIT_ACK = 2, C_SACK = 3, C_SHUTDOWN = 7, C_SHUTDOWN_ACK = 8,
       C_COOKIE_ECHO = 10, C_COOKIE_ACK = 11, C_SHUTDOWN_COMPLETE = 14 };

#define SCTP_COOKIE_LEN 196

static void plan_sctp(pkt_plan *p, flow *f)
{
    uint32_t k = f->sent, n = f->npkts;
    uint8_t *s = p->th, *c = s + 12;
    uint8_t type;
    uint32_t chunk_len, payload = 0;   /* payload: chunk bytes beyond th */
    if (k < 4) {
        static const uint8_t types[4] = {C_INIT, C_INIT_ACK, C_COOKIE_ECHO, C_COOKIE_ACK};
        type = types[k];
        p->from_server = k & 1;
    } else if (k >= n - 3) {
        static const uint8_t types[3] = {C_SHUTDOWN, C_SHUTDOWN_ACK, C_SHUTDOWN_COMPLETE};
        type = types[k - (n - 3)];
        p->from_server = (k - (n - 3)) == 1;
    } else {
        uint32_t j = k - 4;
        type = (j & 1) ? C_SACK : C_DATA;
        /* Requests from the client answered by the server, and the reverse. */
        p->from_server = ((j >> 1) & 1) ^ (j & 1);
    }
    put16(s, p->from_server ? f->sport : f->cport);
    put16(s + 2, p->from_server ? f->cport : f->sport);
    put32(s + 4, type == C_INIT ? 0 : (p->from_server ? f->seq_c : f->seq_s));
    put32(s + 8, 0);
    memset(c, 0, 28);
    c[0] = type;
    switch (type) {
    case C_INIT:
    case C_INIT_ACK:
        /* initiate tag, a_rwnd, streams, initial TSN; INIT ACK adds the cookie. */
        put32(c + 4, p->from_server ? f->seq_s : f->seq_c);
        put32(c + 8, 106496);
        put16(c + 12, 10);
        put16(c + 14, 10);
        put32(c + 16, f->seq_c);
        if (type == C_INIT_ACK) {
            put16(c + 20, 7);                /* State Cookie parameter */
            put16(c + 22, 4 + SCTP_COOKIE_LEN);
            payload = SCTP_COOKIE_LEN;
            chunk_len = 24 + SCTP_COOKIE_LEN;
            p->th_len = 12 + 24;
        } else {
            put16(c + 20, 12);               /* Supported Address Types: IPv4, IPv6 */
            put16(c + 22, 8);
            put16(c + 24, 5);
            put16(c + 26, 6);
            chunk_len = 28;
            p->th_len = 12 + 28;
        }
        break;
    case C_COOKIE_ECHO:
        chunk_len = 4 + SCTP_COOKIE_LEN;
        payload = SCTP_COOKIE_LEN;
        p->th_len = 12 + 4;
        break;
    case C_DATA: {
        uint32_t data = f->app == A_INTERACTIVE ? rnd_range(60, 1200) : rnd_range(100, 1400);
        put32(c + 4, f->seq_c++);      /* TSN */
        c[1] = 0x03;                   /* B and E: unfragmented */
        put32(c + 12, f->sport == 3868 ? 46 : f->sport == 2905 ? 3 : 0);   /* PPID */
        chunk_len = 16 + data;
        payload = (data + 3) & ~3u;
        p->th_len = 12 + 16;
        break;
    }
    case C_SACK:
        put32(c + 4, f->seq_c - 1);    /* cumulative TSN ack */
        put32(c + 8, 106496);
        chunk_len = 16;
        p->th_len = 12 + 16;
        break;
    case C_SHUTDOWN:
        put32(c + 4, f->seq_c - 1);
        chunk_len = 8;
        p->th_len = 12 + 8;
        break;
    default:   /* COOKIE ACK, SHUTDOWN ACK, SHUTDOWN COMPLETE */
        chunk_len = 4;
        p->th_len = 12 + 4;
        break;
    }
    put16(c + 2, (uint16_t)chunk_len);
    p->payload = payload;
}

/* DCCP packet types (RFC 4340 section 5.1). */
enum { D_REQUEST = 0, D_RESPONSE = 1, D_DATA = 2, D_ACK = 3, D_DATAACK = 4, D_CLOSE = 6, D_RESET = 7 };

static uint32_t dccp_service_code(uint16_t port)
{
    switch (port) {
    case 5004: case 5005: return 0x52545041u;   /* "RTPA" (RFC 5762) */
    case 6514: return 0x5359534cu;               /* "SYSL" */
    default: return 0;
    }
}

static void plan_dccp(pkt_plan *p, flow *f)
{
    uint32_t k = f->sent, n = f->npkts;
    uint8_t type;
    uint32_t payload = 0;
    if (k < 3) {
        static const uint8_t types[3] = {D_REQUEST, D_RESPONSE, D_ACK};
        type = types[k];
        p->from_server = k == 1;
    } else if (k >= n - 2) {
        type = k == n - 2 ? D_CLOSE : D_RESET;
        p->from_server = k == n - 1;
    } else {
        uint32_t j = k - 3;
        if (f->app == A_ONEWAY) {
            type = (j % 4 == 3) ? D_ACK : D_DATA;
            p->from_server = type == D_ACK;
        } else {
            type = (j % 3 == 2) ? D_ACK : D_DATAACK;
            p->from_server = type != D_ACK;
        }
        if (type != D_ACK)
            payload = rnd_range(160, 1200);
    }
    uint8_t *d = p->th;
    memset(d, 0, 32);
    put16(d, p->from_server ? f->sport : f->cport);
    put16(d + 2, p->from_server ? f->cport : f->sport);
    d[8] = (uint8_t)((type << 1) | 1);          /* X = 1: 48-bit sequence numbers */
    uint32_t *seq = p->from_server ? &f->seq_s : &f->seq_c;
    put32(d + 12, (*seq)++);
    uint32_t len = 16;
    if (type != D_REQUEST && type != D_DATA) {  /* acknowledgement subheader */
        put32(d + 20, p->from_server ? f->seq_c : f->seq_s);
        len += 8;
    }
    if (type == D_REQUEST || type == D_RESPONSE) {
        put32(d + len, dccp_service_code(f->sport));
        len += 4;
    } else if (type == D_RESET) {
        d[len] = 1;                              /* Reset Code: Closed */
        len += 4;
    }
    d[4] = (uint8_t)(len / 4);                   /* data offset */
    d[5] = 0;
    p->th_len = len;
    p->payload = payload;
}

static void plan_packet(pkt_plan *p, flow *f)
{
    switch (f->transport) {
    case T_TCP: plan_tcp(p, f); break;
    case T_UDP: plan_udp(p, f); break;
    case T_SCTP: plan_sctp(p, f); break;
    default: plan_dccp(p, f); break;
    }
}

/* ---- flow plans ---- */

/* Packets a flow needs at least; growable flows take a share of the rest. */
static uint32_t min_packets(const flow *f, int *growable)
{
    *growable = 1;
    switch (f->variant) {
    case V_TCP_FIN: return 9;            /* 3 + request + response + 4 */
    case V_TCP_RST: return 5;
    case V_TCP_MIDSTREAM: return 6;
    case V_TCP_SYN_ONLY: *growable = 0; return 1 + rnd_below(3);
    case V_TCP_SYNACK: *growable = 0; return 2;
    case V_UDP_QA: *growable = 0; return 2;
    case V_UDP_Q: *growable = 0; return 1;
    case V_UDP_STREAM: return 2;
    case V_SCTP: return 9;               /* 4 + DATA + SACK + 3; an odd body ends on DATA */
    default: return 7;                   /* DCCP: 3 + DataAck + Ack + 2 */
    }
}

static void make_flow(flow *f, uint64_t index, int flood)
{
    memset(f, 0, sizeof(*f));
    uint32_t r = rnd_below(1000);
    const port_weight *pw;
    if (flood) {
        /* Distinct 5-tuples: the client address and port come from the index. */
        f->client = (uint32_t)(index >> 14) + 1;
        f->cport = (uint16_t)(49152 + (index & 16383));
        f->v6 = rnd_below(5) == 0;
        if (r < 450) {
            f->transport = T_UDP; f->variant = V_UDP_Q; pw = PICK(udp_ports);
        } else if (r < 700) {
            f->transport = T_UDP; f->variant = V_UDP_QA; pw = PICK(udp_ports);
        } else if (r < 900) {
            f->transport = T_TCP; f->variant = V_TCP_SYN_ONLY; pw = PICK(tcp_ports);
        } else {
            f->transport = T_TCP; f->variant = V_TCP_SYNACK; pw = PICK(tcp_ports);
        }
    } else {
        f->client = rnd_below(1u << 16) + 1;    /* a site of 65,536 client hosts */
        f->cport = client_port();
        f->v6 = rnd_below(4) == 0;
        if (r < 600) {
            f->transport = T_TCP;
            pw = PICK(tcp_ports);
            uint32_t v = rnd_below(100);
            f->variant = v < 88 ? V_TCP_FIN : v < 94 ? V_TCP_RST : v < 97 ? V_TCP_SYN_ONLY : V_TCP_MIDSTREAM;
        } else if (r < 920) {
            f->transport = T_UDP;
            pw = PICK(udp_ports);
            if (pw->app == A_DNS || pw->app == A_SMALL)
                f->variant = rnd_below(50) ? V_UDP_QA : V_UDP_Q;
            else
                f->variant = V_UDP_STREAM;
        } else if (r < 960) {
            f->transport = T_SCTP; f->variant = V_SCTP; pw = PICK(sctp_ports);
        } else {
            f->transport = T_DCCP; f->variant = V_DCCP; pw = PICK(dccp_ports);
        }
    }
    f->sport = pw->port;
    f->app = pw->app;
    /* Popular services run on few hosts, the rest spread out. */
    f->server = rnd_below(10) < 7 ? rnd_below(64) : rnd_below(4096);
    if (rnd_below(10) == 0)
        f->vlan_id = (uint16_t)(100 + rnd_below(8) * 10);
    f->seq_c = (uint32_t)rnd();
    f->seq_s = (uint32_t)rnd();
    f->last_len = (uint16_t)rnd_range(1, TCP_MSS);
}

/* Spread `extra` packets over the growable flows with heavy-tailed
 * (Pareto, alpha 1.2) weights: most flows stay short, a few carry a lot. */
static void distribute(flow *flows, size_t nflows, const uint8_t *growable, uint64_t extra)
{
    double *w = malloc(nflows * sizeof(*w));
    double sum = 0;
    if (!w) {
        fputs("gen-bench: out of memory\n", stderr);
        exit(1);
    }
    for (size_t i = 0; i < nflows; i++) {
        w[i] = 0;
        if (!growable[i])
            continue;
        double u = rnd_unit();
        double x = 1.0 / (u < 1e-9 ? 1e-9 : u);
        x = x > 1.0 ? x : 1.0;
        x = pow(x, 1.0 / 1.2) - 1.0;
        if (x > 5000)
            x = 5000;
        w[i] = x;
        sum += x;
    }
    uint64_t given = 0;
    for (size_t i = 0; i < nflows && sum > 0; i++) {
        uint64_t add = (uint64_t)((double)extra * w[i] / sum);
        flows[i].npkts += (uint32_t)add;
        given += add;
    }
    /* Hand out the rounding remainder one packet at a time. */
    for (size_t i = 0; given < extra && sum > 0; i = (i + 1) % nflows) {
        if (growable[i]) {
            flows[i].npkts++;
            given++;
        }
    }
    free(w);
}

/* ---- main ---- */

static void usage(FILE *o)
{
    fputs("usage: gen-bench -o FILE [--packets N] [--flows N] [--concurrent N] [--seed S]\n"
          "       gen-bench -o FILE --flood N [--seed S]\n"
          "  --packets N     packets in total (default 2000000)\n"
          "  --flows N       flows (default 200000)\n"
          "  --concurrent N  flows running at once (default 4096)\n"
          "  --flood N       N distinct 1-2 packet flows, all open at the end (e.g. 1000000)\n"
          "  --seed S        random seed (default 1)\n", o);
}

static uint64_t parse_count(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || *s == '-') {
        fprintf(stderr, "gen-bench: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    uint64_t packets = 2000000, nflows = 200000, flood = 0, seed = 1, concurrent = 4096;
    const char *path = NULL;
    static const struct option longopts[] = {
        {"packets", required_argument, NULL, 'p'}, {"flows", required_argument, NULL, 'f'},
        {"flood", required_argument, NULL, 'F'}, {"seed", required_argument, NULL, 's'},
        {"concurrent", required_argument, NULL, 'c'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p': packets = parse_count(optarg, "--packets"); break;
        case 'f': nflows = parse_count(optarg, "--flows"); break;
        case 'F': flood = parse_count(optarg, "--flood"); break;
        case 's': seed = parse_count(optarg, "--seed"); break;
        case 'c': concurrent = parse_count(optarg, "--concurrent"); break;
        case 'o': path = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!path || optind != argc || (flood == 0 && nflows == 0) || concurrent == 0) {
        usage(stderr);
        return 2;
    }
    if (flood)
        nflows = flood;
    if (nflows > 100000000) {
        fputs("gen-bench: at most 100000000 flows\n", stderr);
        return 2;
    }
    rng_state = mix64(seed) | 1;
    for (size_t i = 0; i < sizeof(filler); i++)
        filler[i] = (uint8_t)(rnd() >> 56);

    flow *flows = malloc(nflows * sizeof(*flows));
    uint8_t *growable = malloc(nflows);
    outbuf = malloc(OUTBUF_SIZE);
    if (!flows || !growable || !outbuf) {
        fputs("gen-bench: out of memory\n", stderr);
        return 1;
    }
    uint64_t base = 0;
    for (uint64_t i = 0; i < nflows; i++) {
        int g;
        make_flow(&flows[i], i, flood != 0);
        flows[i].npkts = min_packets(&flows[i], &g);
        growable[i] = (uint8_t)g;
        base += flows[i].npkts;
    }
    if (!flood) {
        if (packets > base)
            distribute(flows, nflows, growable, packets - base);
        else if (packets < base)
            fprintf(stderr, "gen-bench: %llu flows need at least %llu packets; writing that many\n",
                    (unsigned long long)nflows, (unsigned long long)base);
    }
    free(growable);

    if (strcmp(path, "-") == 0) {
        out = stdout;
    } else if (!(out = fopen(path, "wb"))) {
        fprintf(stderr, "gen-bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    write_file_header();

    /* Interleave: `concurrent` flows run at once; each packet comes from one
     * of them at random; a finished flow's slot goes to the next flow. The
     * flood starts new flows faster than they finish, so they overlap. */
    if (flood)
        concurrent = 64;
    if (concurrent > nflows)
        concurrent = nflows;
    uint32_t *active = malloc(concurrent * sizeof(*active));
    if (!active) {
        fputs("gen-bench: out of memory\n", stderr);
        return 1;
    }
    uint64_t next = 0, written = 0;
    size_t nactive = 0;
    while (nactive < concurrent)
        active[nactive++] = (uint32_t)next++;
    /* Mean gap 20 us (50,000 packets/s); the flood runs at 200,000/s so a
     * million flows fit well inside the 60 s idle timeout. */
    uint32_t gap_max = flood ? 10000 : 40000;
    int64_t ts = 0;
    pkt_plan p;
    while (nactive) {
        size_t slot = rnd_below((uint32_t)nactive);
        flow *f = &flows[active[slot]];
        plan_packet(&p, f);
        emit(f, &p, ts);
        written++;
        ts += 1 + rnd_below(gap_max);
        if (++f->sent == f->npkts) {
            if (next < nflows)
                active[slot] = (uint32_t)next++;
            else
                active[slot] = active[--nactive];
        }
    }
    flush_out();
    if (out != stdout && fclose(out) != 0) {
        fprintf(stderr, "gen-bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(stderr, "gen-bench: %s: %llu packets, %llu flows, %llu bytes, %.1f s of traffic\n",
            path, (unsigned long long)written, (unsigned long long)nflows,
            (unsigned long long)bytes_written, (double)ts / 1e9);
    free(active);
    free(flows);
    free(outbuf);
    return 0;
}
