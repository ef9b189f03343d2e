/* gen-label-corpus OUT.pcap [--seed N] [--sessions N] [--truth FILE]
 *
 * A capture of clients and servers behaving as they do on a real network,
 * for measuring how well the server side of a flow is found without its
 * handshake (tests/label_accuracy.py):
 *
 *  - client hosts allocate ephemeral ports as their operating system does:
 *    Linux 32768-60999 (a per-destination offset and a counter, RFC 6056
 *    algorithm 3), Windows 49152-65535 (one counter), macOS 49152-65535
 *    (random), old BSD/Windows XP 1024-5000 (one counter); so clients land
 *    on registered ports as often as those ranges hold them;
 *  - NFS, portmapper and mountd clients bind privileged ports (665-1023, as
 *    the Linux RPC client does), rsh and rlogin clients take 1023 downwards
 *    (rresvport);
 *  - many clients per server, the popular services on few servers and
 *    others on one, servers on high ports (20000, 27017, 31380, 47001,
 *    49667, 50000, 55302, 61616, ...), server-first protocols (SSH, SMTP,
 *    MySQL) that speak before the client;
 *  - browsers opening several connections at once, persistent connections
 *    with traffic every few seconds for minutes, connections refused (SYN,
 *    RST-ACK), resets, retransmitted SYNs;
 *  - connections that began before the capture did (long flows seen
 *    mid-way, no handshake);
 *  - a scanner probing port 22 of 400 hosts from one source port;
 *  - UDP (DNS, NTP from port 123 too, SNMP, syslog, QUIC, SIP between two
 *    5060s, WireGuard between two high ports, NFS over UDP from privileged
 *    ports), SCTP (Diameter, M3UA between two 2905s, S1AP) and DCCP with
 *    their handshakes.
 *
 * --truth FILE writes one CSV line per connection: transport, client
 * address and port, server address and port, and whether its handshake is
 * in the capture. Everything is a function of the seed: the same seed gives
 * the same bytes. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"

#define BASE_NS INT64_C(1786960800000000000)   /* 2026-08-17T10:00:00Z */
#define US(x) ((int64_t)(x) * 1000)
#define MS(x) ((int64_t)(x) * 1000000)
#define SEC(x) ((int64_t)(x) * 1000000000)
#define WINDOW SEC(600)                         /* the capture's length */
/* Frames are cut after their headers, as a tap often cuts them: the file
 * stays small, and portsniff counts the lengths on the wire. */
#define SNAPLEN 96

enum { C2S = 0, S2C = 1 };
enum { TCP = 6, UDP = 17, SCTP = 132, DCCP = 33 };

/* ---- random numbers (splitmix64): the seed decides everything ------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
    uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }
static uint32_t between(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }
static int chance(unsigned percent) { return below(100) < percent; }

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* ---- hosts ---------------------------------------------------------------- */

enum os { OS_LINUX, OS_WINDOWS, OS_MACOS, OS_OLD };

typedef struct host {
    int family;
    uint8_t addr[16];
    uint8_t mac[6];
    enum os os;
    uint32_t counter;        /* Linux: connections made; Windows, old: next port */
    uint16_t rresv;          /* next rresvport candidate */
} host;

#define MAX_HOSTS 4096
static host hosts[MAX_HOSTS];
static int nhosts;

static int new_host(int family, uint32_t net, uint32_t index, enum os os)
{
    if (nhosts == MAX_HOSTS) {
        fprintf(stderr, "gen-label-corpus: too many hosts\n");
        exit(1);
    }
    host *h = &hosts[nhosts];
    memset(h, 0, sizeof *h);
    h->family = family;
    if (family == 4) {
        uint32_t a = net | index;
        h->addr[0] = (uint8_t)(a >> 24);
        h->addr[1] = (uint8_t)(a >> 16);
        h->addr[2] = (uint8_t)(a >> 8);
        h->addr[3] = (uint8_t)a;
    } else {
        static const uint8_t prefix[6] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00};
        memcpy(h->addr, prefix, 6);
        h->addr[6] = (uint8_t)(net >> 8);
        h->addr[7] = (uint8_t)net;
        h->addr[14] = (uint8_t)(index >> 8);
        h->addr[15] = (uint8_t)index;
    }
    static const uint8_t oui[3] = {0x00, 0x00, 0x5e};
    memcpy(h->mac, oui, 3);
    h->mac[3] = 0x00;
    h->mac[4] = (uint8_t)(nhosts >> 8);
    h->mac[5] = (uint8_t)nhosts;
    h->os = os;
    h->counter = (uint32_t)rnd();
    h->rresv = 1023;
    return nhosts++;
}

/* RFC 6056 algorithm 3 (Linux): a keyed hash of the destination picks an
 * offset, a per-host counter walks on from it. */
static uint16_t ephemeral_port(host *h, const host *dst, uint16_t dport)
{
    uint32_t r;
    switch (h->os) {
    case OS_LINUX: {
        uint32_t key = mix32((uint32_t)(h - hosts) * 7919u ^ (uint32_t)(dst - hosts) << 16 ^ dport);
        r = (key + h->counter++) % (60999 - 32768 + 1);
        return (uint16_t)(32768 + r);
    }
    case OS_WINDOWS:
        r = h->counter++ % (65535 - 49152 + 1);
        return (uint16_t)(49152 + r);
    case OS_MACOS:
        return (uint16_t)between(49152, 65535);
    case OS_OLD:
    default:
        r = h->counter++ % (5000 - 1024 + 1);
        return (uint16_t)(1024 + r);
    }
}

/* The Linux RPC client binds a free port from 665 to 1023. */
static uint16_t rpc_reserved_port(void)
{
    return (uint16_t)between(665, 1023);
}

/* rresvport: 1023, then downwards while ports are in use. */
static uint16_t rresvport(host *h)
{
    uint16_t p = h->rresv;
    h->rresv = h->rresv > 513 ? (uint16_t)(h->rresv - 1) : 1023;
    return p;
}

/* ---- services --------------------------------------------------------------- */

enum shape {
    SH_WEB,        /* a request, a response of a few segments */
    SH_BANNER,     /* the server speaks first (SSH, SMTP, MySQL) */
    SH_PERSIST,    /* a long connection with traffic every few seconds */
    SH_BULK,       /* many segments one way */
    SH_UDP_RR,     /* one datagram each way */
    SH_UDP_STREAM, /* datagrams both ways for a while */
    SH_SCTP,
    SH_DCCP
};

enum cport_kind { CP_EPHEMERAL, CP_RPC, CP_RRESV, CP_SAME };

typedef struct service {
    const char *name;
    int transport;
    uint16_t port;
    int nservers;        /* server hosts offering it */
    int weight;          /* how often a session picks it */
    enum shape shape;
    enum cport_kind cport;
    int conns_max;       /* connections a session opens, 1..conns_max */
    int first;           /* index of its first server in hosts[] */
} service;

static service services[] = {
    {"https", TCP, 443, 12, 240, SH_WEB, CP_EPHEMERAL, 6, 0},
    {"http", TCP, 80, 6, 80, SH_WEB, CP_EPHEMERAL, 4, 0},
    {"ssh", TCP, 22, 4, 20, SH_BANNER, CP_EPHEMERAL, 1, 0},
    {"smtp", TCP, 25, 2, 10, SH_BANNER, CP_EPHEMERAL, 1, 0},
    {"submission", TCP, 587, 1, 6, SH_BANNER, CP_EPHEMERAL, 1, 0},
    {"imaps", TCP, 993, 2, 10, SH_PERSIST, CP_EPHEMERAL, 1, 0},
    {"ldap", TCP, 389, 2, 14, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"ldaps", TCP, 636, 1, 6, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"kerberos", TCP, 88, 2, 10, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"microsoft-ds", TCP, 445, 3, 16, SH_PERSIST, CP_EPHEMERAL, 1, 0},
    {"epmap", TCP, 135, 2, 8, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"ms-rpc-dynamic", TCP, 49667, 2, 8, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"winrm", TCP, 47001, 1, 3, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"mysql", TCP, 3306, 2, 12, SH_BANNER, CP_EPHEMERAL, 3, 0},
    {"postgresql", TCP, 5432, 2, 12, SH_PERSIST, CP_EPHEMERAL, 3, 0},
    {"ms-sql-s", TCP, 1433, 1, 6, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"ncube-lm", TCP, 1521, 1, 5, SH_PERSIST, CP_EPHEMERAL, 2, 0},
    {"redis", TCP, 6379, 2, 12, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"memcache", TCP, 11211, 1, 6, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"mongodb", TCP, 27017, 1, 8, SH_PERSIST, CP_EPHEMERAL, 2, 0},
    {"elasticsearch", TCP, 9200, 1, 6, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"kafka", TCP, 9092, 2, 8, SH_PERSIST, CP_EPHEMERAL, 2, 0},
    {"zookeeper", TCP, 2181, 1, 3, SH_PERSIST, CP_EPHEMERAL, 1, 0},
    {"amqp", TCP, 5672, 1, 5, SH_PERSIST, CP_EPHEMERAL, 1, 0},
    {"etcd", TCP, 2379, 1, 4, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"kube-api", TCP, 6443, 1, 8, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"kubelet", TCP, 10250, 3, 5, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"http-alt", TCP, 8080, 3, 14, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"https-alt", TCP, 8443, 2, 8, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"dev-3000", TCP, 3000, 1, 3, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"flask-5000", TCP, 5000, 1, 3, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"dnp3", TCP, 20000, 1, 3, SH_PERSIST, CP_EPHEMERAL, 1, 0},
    {"sap-50000", TCP, 50000, 1, 4, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"app-55302", TCP, 55302, 1, 2, SH_WEB, CP_EPHEMERAL, 1, 0},
    {"activemq", TCP, 61616, 1, 4, SH_PERSIST, CP_EPHEMERAL, 1, 0},
    {"nodeport", TCP, 31380, 2, 4, SH_WEB, CP_EPHEMERAL, 2, 0},
    {"minecraft", TCP, 25565, 1, 2, SH_PERSIST, CP_EPHEMERAL, 1, 0},
    {"nfs", TCP, 2049, 2, 12, SH_BULK, CP_RPC, 1, 0},
    {"sunrpc", TCP, 111, 2, 6, SH_WEB, CP_RPC, 1, 0},
    {"mountd", TCP, 20048, 2, 4, SH_WEB, CP_RPC, 1, 0},
    {"statd", TCP, 46327, 2, 3, SH_WEB, CP_RPC, 1, 0},
    {"shell", TCP, 514, 1, 2, SH_BANNER, CP_RRESV, 1, 0},
    {"login", TCP, 513, 1, 1, SH_PERSIST, CP_RRESV, 1, 0},
    {"domain-udp", UDP, 53, 3, 60, SH_UDP_RR, CP_EPHEMERAL, 3, 0},
    {"ntp", UDP, 123, 2, 10, SH_UDP_RR, CP_EPHEMERAL, 1, 0},
    {"ntp-sym", UDP, 123, 1, 3, SH_UDP_RR, CP_SAME, 1, 0},
    {"snmp", UDP, 161, 4, 6, SH_UDP_RR, CP_EPHEMERAL, 1, 0},
    {"syslog", UDP, 514, 1, 6, SH_UDP_STREAM, CP_EPHEMERAL, 1, 0},
    {"quic", UDP, 443, 6, 20, SH_UDP_STREAM, CP_EPHEMERAL, 2, 0},
    {"sip", UDP, 5060, 1, 3, SH_UDP_STREAM, CP_SAME, 1, 0},
    {"wireguard", UDP, 51820, 1, 3, SH_UDP_STREAM, CP_EPHEMERAL, 1, 0},
    {"nfs-udp", UDP, 2049, 1, 3, SH_UDP_STREAM, CP_RPC, 1, 0},
    {"diameter", SCTP, 3868, 2, 3, SH_SCTP, CP_EPHEMERAL, 1, 0},
    {"m3ua", SCTP, 2905, 1, 2, SH_SCTP, CP_SAME, 1, 0},
    {"s1ap", SCTP, 36412, 1, 2, SH_SCTP, CP_EPHEMERAL, 1, 0},
    {"dtn-bundle", DCCP, 4556, 1, 2, SH_DCCP, CP_EPHEMERAL, 1, 0},
};
#define NSERVICES (sizeof services / sizeof services[0])

/* ---- connections and their packets ----------------------------------------- */

typedef struct conn {
    int client, server;
    uint16_t cport, sport;
    int transport;
    int handshake;       /* the handshake is in the capture */
    uint32_t seq[2];     /* TCP: next sequence number each side sends */
    uint32_t vtag[2];    /* SCTP: the tag each side chose */
    uint32_t tsn[2];
    uint64_t dseq[2];    /* DCCP */
} conn;

enum { EV_TCP, EV_UDP, EV_SCTP, EV_DCCP };

typedef struct event {
    int64_t ts;
    uint32_t conn;
    uint32_t order;      /* creation order: ties keep it */
    uint32_t seq, ack;   /* TCP; SCTP: TSN */
    uint16_t len;        /* payload bytes */
    uint8_t dir, kind;
    uint8_t flags;       /* TCP flags; SCTP chunk type; DCCP packet type */
} event;

static conn *conns;
static size_t nconns, conns_cap;
static event *events;
static size_t nevents, events_cap;

static uint32_t add_conn(int client, int server, uint16_t cport, uint16_t sport, int transport,
                         int handshake)
{
    if (nconns == conns_cap) {
        conns_cap = conns_cap ? conns_cap * 2 : 4096;
        conns = realloc(conns, conns_cap * sizeof *conns);
        if (!conns) {
            perror("gen-label-corpus");
            exit(1);
        }
    }
    conn *c = &conns[nconns];
    memset(c, 0, sizeof *c);
    c->client = client;
    c->server = server;
    c->cport = cport;
    c->sport = sport;
    c->transport = transport;
    c->handshake = handshake;
    for (int d = 0; d < 2; d++) {
        c->seq[d] = (uint32_t)rnd();
        c->vtag[d] = (uint32_t)rnd() | 1u;
        c->tsn[d] = (uint32_t)rnd();
        c->dseq[d] = rnd() & UINT64_C(0xffffffffffff);
    }
    return (uint32_t)nconns++;
}

static void add_event(int64_t ts, uint32_t ci, int dir, int kind, uint8_t flags, uint32_t seq,
                      uint32_t ack, uint16_t len)
{
    if (ts < 0 || ts >= WINDOW)
        return;   /* before the capture began or after it ended */
    if (nevents == events_cap) {
        events_cap = events_cap ? events_cap * 2 : 65536;
        events = realloc(events, events_cap * sizeof *events);
        if (!events) {
            perror("gen-label-corpus");
            exit(1);
        }
    }
    events[nevents] = (event){ts, ci, (uint32_t)nevents, seq, ack, len, (uint8_t)dir,
                              (uint8_t)kind, flags};
    nevents++;
}

/* TCP: each call sends from dir and moves time on. */
static void tcp_seg(int64_t *t, uint32_t ci, int dir, uint8_t flags, uint16_t len)
{
    conn *c = &conns[ci];
    uint32_t ack = flags & PW_TCP_ACK ? c->seq[!dir] : 0;
    add_event(*t, ci, dir, EV_TCP, flags, c->seq[dir], ack, len);
    c->seq[dir] += len + ((flags & (PW_TCP_SYN | PW_TCP_FIN)) ? 1u : 0u);
}

static int64_t rtt_of(uint32_t ci)
{
    return US(300 + mix32((uint32_t)ci) % 40000);   /* 0.3 to 40 ms */
}

static void tcp_open(int64_t *t, uint32_t ci)
{
    int64_t rtt = rtt_of(ci);
    tcp_seg(t, ci, C2S, PW_TCP_SYN, 0);
    if (chance(2)) {   /* the first SYN went unanswered */
        *t += SEC(1);
        conns[ci].seq[C2S]--;
        tcp_seg(t, ci, C2S, PW_TCP_SYN, 0);
    }
    *t += rtt / 2;
    tcp_seg(t, ci, S2C, PW_TCP_SYN | PW_TCP_ACK, 0);
    *t += rtt / 2;
    tcp_seg(t, ci, C2S, PW_TCP_ACK, 0);
}

static void tcp_data(int64_t *t, uint32_t ci, int dir, uint32_t bytes)
{
    int64_t rtt = rtt_of(ci);
    while (bytes > 0) {
        uint16_t len = (uint16_t)(bytes > 1400 ? 1400 : bytes);
        tcp_seg(t, ci, dir, PW_TCP_ACK | PW_TCP_PSH, len);
        bytes -= len;
        *t += US(50);
    }
    *t += rtt / 2;
    tcp_seg(t, ci, !dir, PW_TCP_ACK, 0);
    *t += rtt / 2;
}

static void tcp_close(int64_t *t, uint32_t ci, int closer)
{
    int64_t rtt = rtt_of(ci);
    if (chance(6)) {   /* aborted */
        tcp_seg(t, ci, closer, PW_TCP_RST | PW_TCP_ACK, 0);
        return;
    }
    tcp_seg(t, ci, closer, PW_TCP_FIN | PW_TCP_ACK, 0);
    *t += rtt / 2;
    tcp_seg(t, ci, !closer, PW_TCP_FIN | PW_TCP_ACK, 0);
    *t += rtt / 2;
    tcp_seg(t, ci, closer, PW_TCP_ACK, 0);
}

static void tcp_conversation(int64_t t, uint32_t ci, enum shape shape)
{
    int64_t rtt = rtt_of(ci);
    if (conns[ci].handshake) {
        if (chance(1)) {   /* refused: nothing listens */
            tcp_seg(&t, ci, C2S, PW_TCP_SYN, 0);
            t += rtt;
            conns[ci].seq[S2C] = 0;
            tcp_seg(&t, ci, S2C, PW_TCP_RST | PW_TCP_ACK, 0);
            return;
        }
        tcp_open(&t, ci);
    }
    switch (shape) {
    case SH_BANNER:
        tcp_data(&t, ci, S2C, between(20, 120));
        tcp_data(&t, ci, C2S, between(20, 400));
        for (unsigned i = between(1, 6); i > 0; i--) {
            t += MS(between(1, 300));
            tcp_data(&t, ci, C2S, between(30, 600));
            tcp_data(&t, ci, S2C, between(30, 3000));
        }
        break;
    case SH_PERSIST: {
        int64_t end = t + SEC(between(30, 900));
        while (t < end && t < WINDOW) {
            tcp_data(&t, ci, C2S, between(40, 800));
            tcp_data(&t, ci, S2C, between(40, 4000));
            t += MS(between(500, 25000));
        }
        break;
    }
    case SH_BULK:
        for (unsigned i = between(2, 30); i > 0; i--) {
            tcp_data(&t, ci, C2S, between(100, 300));
            tcp_data(&t, ci, S2C, between(1000, 9000));
            t += MS(between(1, 200));
        }
        break;
    case SH_WEB:
    default:
        for (unsigned i = between(1, 4); i > 0; i--) {
            tcp_data(&t, ci, C2S, between(80, 900));
            t += rtt + MS(between(0, 50));
            tcp_data(&t, ci, S2C, between(100, 6000));
            t += MS(between(0, 2000));
        }
        break;
    }
    tcp_close(&t, ci, chance(60) ? C2S : S2C);
}

static void udp_conversation(int64_t t, uint32_t ci, enum shape shape)
{
    int64_t rtt = rtt_of(ci);
    if (shape == SH_UDP_RR) {
        add_event(t, ci, C2S, EV_UDP, 0, 0, 0, (uint16_t)between(30, 120));
        if (chance(97))
            add_event(t + rtt, ci, S2C, EV_UDP, 0, 0, 0, (uint16_t)between(40, 500));
        return;
    }
    int64_t end = t + SEC(between(2, 300));
    while (t < end) {
        add_event(t, ci, C2S, EV_UDP, 0, 0, 0, (uint16_t)between(40, 1200));
        if (chance(80))
            add_event(t + rtt, ci, S2C, EV_UDP, 0, 0, 0, (uint16_t)between(40, 1200));
        t += MS(between(20, 20000));
    }
}

static void sctp_chunk_ev(int64_t t, uint32_t ci, int dir, uint8_t type, uint16_t len)
{
    conn *c = &conns[ci];
    uint32_t tsn = type == PW_SCTP_DATA ? c->tsn[dir]++ : c->tsn[!dir] - 1;
    add_event(t, ci, dir, EV_SCTP, type, tsn, 0, len);
}

static void sctp_conversation(int64_t t, uint32_t ci)
{
    int64_t rtt = rtt_of(ci);
    if (conns[ci].handshake) {
        sctp_chunk_ev(t, ci, C2S, PW_SCTP_INIT, 0);
        sctp_chunk_ev(t += rtt / 2, ci, S2C, PW_SCTP_INIT_ACK, 0);
        sctp_chunk_ev(t += rtt / 2, ci, C2S, PW_SCTP_COOKIE_ECHO, 0);
        sctp_chunk_ev(t += rtt / 2, ci, S2C, PW_SCTP_COOKIE_ACK, 0);
    }
    for (unsigned i = between(2, 20); i > 0; i--) {
        t += MS(between(10, 5000));
        sctp_chunk_ev(t, ci, C2S, PW_SCTP_DATA, (uint16_t)between(40, 400));
        sctp_chunk_ev(t += rtt / 2, ci, S2C, PW_SCTP_DATA, (uint16_t)between(40, 400));
        sctp_chunk_ev(t += rtt / 2, ci, C2S, PW_SCTP_SACK, 0);
    }
    sctp_chunk_ev(t += MS(5), ci, C2S, PW_SCTP_SHUTDOWN, 0);
    sctp_chunk_ev(t += rtt / 2, ci, S2C, PW_SCTP_SHUTDOWN_ACK, 0);
    sctp_chunk_ev(t += rtt / 2, ci, C2S, PW_SCTP_SHUTDOWN_COMPLETE, 0);
}

static void dccp_ev(int64_t t, uint32_t ci, int dir, uint8_t type, uint16_t len)
{
    add_event(t, ci, dir, EV_DCCP, type, 0, 0, len);
}

static void dccp_conversation(int64_t t, uint32_t ci)
{
    int64_t rtt = rtt_of(ci);
    if (conns[ci].handshake) {
        dccp_ev(t, ci, C2S, PW_DCCP_REQUEST, 0);
        dccp_ev(t += rtt / 2, ci, S2C, PW_DCCP_RESPONSE, 0);
        dccp_ev(t += rtt / 2, ci, C2S, PW_DCCP_ACK, 0);
    }
    for (unsigned i = between(3, 30); i > 0; i--) {
        t += MS(between(5, 2000));
        dccp_ev(t, ci, C2S, PW_DCCP_DATAACK, (uint16_t)between(100, 1200));
        dccp_ev(t + rtt / 2, ci, S2C, PW_DCCP_ACK, 0);
    }
    dccp_ev(t += MS(5), ci, C2S, PW_DCCP_CLOSE, 0);
    dccp_ev(t + rtt / 2, ci, S2C, PW_DCCP_RESET, 0);
}

/* ---- the network ------------------------------------------------------------ */

static int client_first, client_count;

static void make_hosts(int nclients)
{
    /* Servers: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
     * 2001:db8:0:f::/64, one host per server of each service. */
    static const uint32_t nets[3] = {0xc0000200u, 0xc6336400u, 0xcb007100u};
    unsigned n = 0;
    for (size_t s = 0; s < NSERVICES; s++) {
        services[s].first = nhosts;
        for (int k = 0; k < services[s].nservers; k++, n++) {
            int v6 = n % 7 == 3;
            new_host(v6 ? 6 : 4, v6 ? 0x000f : nets[n % 3], 1 + n / 3, OS_LINUX);
        }
    }
    /* Clients: 10.20.0.0/16 and 2001:db8:0:20::/64, by operating system. */
    client_first = nhosts;
    for (int i = 0; i < nclients; i++) {
        unsigned r = below(100);
        enum os os = r < 52 ? OS_LINUX : r < 82 ? OS_WINDOWS : r < 96 ? OS_MACOS : OS_OLD;
        int v6 = chance(15);
        new_host(v6 ? 6 : 4, v6 ? 0x0020 : 0x0a140000u, (uint32_t)(i + 1), os);
    }
    client_count = nclients;
}

static int total_weight(void)
{
    int w = 0;
    for (size_t s = 0; s < NSERVICES; s++)
        w += services[s].weight;
    return w;
}

static const service *pick_service(int total)
{
    int r = (int)below((uint32_t)total);
    for (size_t s = 0; s < NSERVICES; s++) {
        if (r < services[s].weight)
            return &services[s];
        r -= services[s].weight;
    }
    return &services[0];
}

/* Servers of a service are not equally popular: the first takes the most. */
static int pick_server(const service *sv)
{
    uint32_t k = 0;
    while ((int)k + 1 < sv->nservers && chance(45))
        k++;
    return sv->first + (int)k;
}

static int pick_client(int family)
{
    for (int tries = 0; tries < 64; tries++) {
        int c = client_first + (int)below((uint32_t)client_count);
        if (hosts[c].family == family)
            return c;
    }
    return -1;
}

static uint16_t client_port_for(const service *sv, host *cl, const host *srv)
{
    switch (sv->cport) {
    case CP_RPC: return rpc_reserved_port();
    case CP_RRESV: return rresvport(cl);
    case CP_SAME: return sv->port;
    case CP_EPHEMERAL:
    default: return ephemeral_port(cl, srv, sv->port);
    }
}

static void conversation(int64_t t, uint32_t ci, const service *sv)
{
    switch (sv->transport) {
    case TCP: tcp_conversation(t, ci, sv->shape); break;
    case UDP: udp_conversation(t, ci, sv->shape); break;
    case SCTP: sctp_conversation(t, ci); break;
    default: dccp_conversation(t, ci); break;
    }
}

static void session(int total)
{
    const service *sv = pick_service(total);
    int server = pick_server(sv);
    int client = pick_client(hosts[server].family);
    if (client < 0)
        return;
    /* A few connections began before the capture: seen mid-way. */
    int64_t start = (int64_t)(rnd() % (uint64_t)WINDOW);
    int midway = sv->shape == SH_PERSIST && chance(10);
    if (midway)
        start -= SEC(between(1, 300));
    int conns_n = (int)between(1, (uint32_t)sv->conns_max);
    for (int k = 0; k < conns_n; k++) {
        uint16_t cport = client_port_for(sv, &hosts[client], &hosts[server]);
        uint32_t ci = add_conn(client, server, cport, sv->port, sv->transport,
                               sv->transport == UDP ? 0 : !midway);
        conversation(start + MS(k * between(1, 40)), ci, sv);
    }
}

/* One host probes port 22 of 400 hosts from one source port (a SYN scan):
 * closed ports answer RST-ACK, open ones SYN-ACK and the scanner resets. */
static void scan(void)
{
    int scanner = new_host(4, 0xcb0071f0u, 1, OS_LINUX);
    uint16_t sport = (uint16_t)between(40000, 60000);
    int64_t t = SEC(200);
    for (uint32_t i = 0; i < 400; i++) {
        int target = new_host(4, 0x0a150000u, i + 1, OS_LINUX);
        uint32_t ci = add_conn(scanner, target, sport, 22, TCP, 1);
        int64_t at = t + MS(i * 7);
        tcp_seg(&at, ci, C2S, PW_TCP_SYN, 0);
        at += MS(1);
        if (i % 10 == 3) {
            tcp_seg(&at, ci, S2C, PW_TCP_SYN | PW_TCP_ACK, 0);
            at += MS(1);
            tcp_seg(&at, ci, C2S, PW_TCP_RST, 0);
        } else {
            conns[ci].seq[S2C] = 0;
            tcp_seg(&at, ci, S2C, PW_TCP_RST | PW_TCP_ACK, 0);
        }
    }
}

/* ---- writing ---------------------------------------------------------------- */

static int event_cmp(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static pw_frame frame;

static void build_frame(const event *e)
{
    const conn *c = &conns[e->conn];
    const host *src = &hosts[e->dir == C2S ? c->client : c->server];
    const host *dst = &hosts[e->dir == C2S ? c->server : c->client];
    uint16_t sp = e->dir == C2S ? c->cport : c->sport, dp = e->dir == C2S ? c->sport : c->cport;
    pw_ip ip = {.family = src->family};
    memcpy(ip.src, src->addr, 16);
    memcpy(ip.dst, dst->addr, 16);
    pw_frame_init(&frame);
    pw_put_fill(&frame, e->len, mix32(e->order));
    uint8_t proto = (uint8_t)c->transport;
    switch (e->kind) {
    case EV_TCP: {
        pw_tcp_hdr h = {sp, dp, e->seq, e->ack, e->flags, 64240, 0, NULL, 0};
        pw_tcp(&frame, &ip, &h);
        break;
    }
    case EV_UDP:
        pw_udp(&frame, &ip, sp, dp);
        break;
    case EV_SCTP: {
        pw_frame_init(&frame);
        uint32_t vtag = c->vtag[!e->dir];
        if (e->flags == PW_SCTP_INIT || e->flags == PW_SCTP_INIT_ACK) {
            pw_sctp_init init = {c->vtag[e->dir], 65536, 10, 10, c->tsn[e->dir], NULL, 0};
            pw_sctp_init_chunk(&frame, e->flags, &init);
            if (e->flags == PW_SCTP_INIT)
                vtag = 0;
        } else if (e->flags == PW_SCTP_DATA) {
            uint8_t data[1500];
            pw_fill(data, e->len, mix32(e->order));
            pw_sctp_data_chunk(&frame, 0x03, e->seq, 0, 0, 46, data, e->len);
        } else if (e->flags == PW_SCTP_SACK) {
            pw_sctp_sack_chunk(&frame, e->seq, 65536);
        } else if (e->flags == PW_SCTP_SHUTDOWN) {
            pw_sctp_shutdown_chunk(&frame, e->seq);
        } else {
            uint8_t cookie[16];
            pw_fill(cookie, sizeof cookie, e->conn);
            pw_sctp_chunk(&frame, e->flags, 0, e->flags == PW_SCTP_COOKIE_ECHO ? cookie : NULL,
                          e->flags == PW_SCTP_COOKIE_ECHO ? sizeof cookie : 0);
        }
        pw_sctp(&frame, sp, dp, vtag);
        break;
    }
    case EV_DCCP:
    default: {
        conn *mc = &conns[e->conn];
        pw_dccp_hdr h = {sp, dp, e->flags, 0, mc->dseq[e->dir]++, mc->dseq[!e->dir] - 1,
                         1685351985u, 0};
        pw_dccp(&frame, &ip, &h);
        break;
    }
    }
    if (src->family == 4) {
        pw_ipv4_hdr h4 = {0, 64, proto, (uint16_t)mix32(e->order), 1, 0, 0, NULL, 0};
        pw_ipv4(&frame, &ip, &h4);
        pw_ether(&frame, dst->mac, src->mac, PW_ETHERTYPE_IPV4);
    } else {
        pw_ipv6(&frame, &ip, proto, 64, mix32(e->conn) & 0xfffff);
        pw_ether(&frame, dst->mac, src->mac, PW_ETHERTYPE_IPV6);
    }
}

static void addr_text(const host *h, char *buf, size_t len)
{
    inet_ntop(h->family == 6 ? AF_INET6 : AF_INET, h->addr, buf, (socklen_t)len);
}

static int write_truth(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("transport,client,client_port,server,server_port,handshake\n", f);
    static const char *const names[] = {[TCP] = "tcp", [UDP] = "udp", [SCTP] = "sctp",
                                        [DCCP] = "dccp"};
    for (size_t i = 0; i < nconns; i++) {
        char ca[64], sa[64];
        addr_text(&hosts[conns[i].client], ca, sizeof ca);
        addr_text(&hosts[conns[i].server], sa, sizeof sa);
        fprintf(f, "%s,%s,%u,%s,%u,%d\n", names[conns[i].transport], ca, conns[i].cport, sa,
                conns[i].sport, conns[i].handshake);
    }
    return fclose(f);
}

static void usage(FILE *o)
{
    fputs("usage: gen-label-corpus OUT.pcap [--seed N] [--sessions N] [--truth FILE]\n", o);
}

static unsigned long parse_number(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s ? s : "", &end, 10);
    if (!s || !*s || *end || errno || v == 0 || v > 10000000) {
        fprintf(stderr, "gen-label-corpus: %s: '%s' is not a number from 1 to 10000000\n", what,
                s ? s : "");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *truth = NULL;
    unsigned long seed = 1, sessions = 4000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0)
            seed = parse_number(i + 1 < argc ? argv[++i] : NULL, "--seed");
        else if (strcmp(argv[i], "--sessions") == 0)
            sessions = parse_number(i + 1 < argc ? argv[++i] : NULL, "--sessions");
        else if (strcmp(argv[i], "--truth") == 0 && i + 1 < argc)
            truth = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (!out && argv[i][0] != '-')
            out = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!out) {
        usage(stderr);
        return 2;
    }
    rng = seed * UINT64_C(0x2545f4914f6cdd1d);
    make_hosts((int)(sessions / 8 + 50));
    int total = total_weight();
    for (unsigned long s = 0; s < sessions; s++)
        session(total);
    scan();
    qsort(events, nevents, sizeof *events, event_cmp);

    pw_writer *w = pw_open_pcap(out, PW_LINKTYPE_ETHERNET, SNAPLEN);
    if (!w) {
        fprintf(stderr, "gen-label-corpus: %s: %s\n", out, strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < nevents; i++) {
        build_frame(&events[i]);
        pw_write_frame(w, BASE_NS + events[i].ts, &frame);
    }
    if (pw_close(w) != 0) {
        fprintf(stderr, "gen-label-corpus: %s: %s\n", out, strerror(errno));
        return 1;
    }
    if (truth && write_truth(truth) != 0) {
        fprintf(stderr, "gen-label-corpus: %s: %s\n", truth, strerror(errno));
        return 1;
    }
    fprintf(stderr, "gen-label-corpus: %zu connections, %zu packets\n", nconns, nevents);
    free(events);
    free(conns);
    return 0;
}
