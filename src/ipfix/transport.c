/* IPFIX transports (RFC 7011 section 10): UDP, TCP and files (RFC 5655).
 *
 * Capture must never wait for a collector. UDP datagrams are sent with
 * MSG_DONTWAIT and a full socket buffer loses the message (counted). TCP is
 * non-blocking from connect() on: messages wait in a bounded queue while
 * the collector is slow or away; beyond the bound they are counted as lost;
 * a lost connection is retried with a backoff of 1 to 8 seconds, and each
 * new connection starts with the templates (section 8: a new Transport
 * Session knows no templates). Files are written in place, a write error
 * is kept and reported once. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ipfix/transport.h"
#include "portsniff/ipfix.h"
#include "portsniff/outfile.h"

#define UDP_MAX_MESSAGE   1400    /* fits a 1500-byte MTU over IPv4 or IPv6 */
#define TCP_MAX_MESSAGE   8192
#define FILE_MAX_MESSAGE  32768
#define RETRY_MIN_NS      INT64_C(1000000000)
#define RETRY_MAX_NS      INT64_C(8000000000)

typedef struct qmsg {
    struct qmsg *next;
    size_t len, off;            /* off: bytes already written */
    ps_ipfix_msg_info info;
    int preamble;
    uint8_t data[];
} qmsg;

enum { TCP_DOWN = 0, TCP_CONNECTING, TCP_UP };

struct ps_ipfix_dest {
    ps_ipfix_kind kind;
    char *spec;
    char *path;                 /* file */
    ps_outfile *out;            /* file: written by the rules of every output (outfile.h) */
    int fd;                     /* UDP, TCP */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    /* TCP */
    int state;
    int64_t retry_at_ns, backoff_ns;
    qmsg *head, *tail;
    size_t queued, queue_limit;
    uint8_t *preamble;
    size_t preamble_len;
    uint32_t next_seq;          /* sequence number after the last message handed over */
    ps_ipfix_counts counts;
};

int64_t ipfix_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void count_lost(ps_ipfix_dest *d, const ps_ipfix_msg_info *info)
{
    d->counts.lost_messages++;
    d->counts.lost_records += info->flow_records;
    d->counts.lost_packets += info->packets;
    d->counts.lost_octets += info->octets;
}

static void count_sent(ps_ipfix_dest *d, size_t len, const ps_ipfix_msg_info *info)
{
    d->counts.messages++;
    d->counts.octets += len;
    d->counts.flow_records += info->flow_records;
}

/* ---- opening ---- */

static int parse_host_port(const char *hp, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon;
    size_t n;

    if (hp[0] == '[') {
        const char *close = strchr(hp, ']');
        if (!close || close[1] != ':')
            return -1;
        n = (size_t)(close - hp - 1);
        if (n == 0 || n >= hostlen)
            return -1;
        memcpy(host, hp + 1, n);
        host[n] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(hp, ':');
        if (!colon || colon == hp || memchr(hp, ':', (size_t)(colon - hp)))
            return -1;
        n = (size_t)(colon - hp);
        if (n >= hostlen)
            return -1;
        memcpy(host, hp, n);
        host[n] = '\0';
    }
    n = strlen(colon + 1);
    if (n == 0 || n >= portlen || strspn(colon + 1, "0123456789") != n)
        return -1;
    memcpy(port, colon + 1, n + 1);
    long v = strtol(port, NULL, 10);
    return v >= 1 && v <= 65535 ? 0 : -1;
}

static int resolve(ps_ipfix_dest *d, const char *hp, char *err, size_t errlen)
{
    char host[256], port[8];
    struct addrinfo hints, *res = NULL;
    int rc;

    if (parse_host_port(hp, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, errlen, "--ipfix %s: expected HOST:PORT with a port from 1 to 65535", d->spec);
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = d->kind == PS_IPFIX_UDP ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "--ipfix %s: cannot resolve %s: %s", d->spec, host,
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        if (res)
            freeaddrinfo(res);
        return -1;
    }
    memcpy(&d->addr, res->ai_addr, res->ai_addrlen);
    d->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void tcp_start_connect(ps_ipfix_dest *d, int64_t now_ns);

int ipfix_check_dest(const char *spec, char *err, size_t errlen)
{
    char host[256], port[8];

    if (strncmp(spec, "udp://", 6) == 0 || strncmp(spec, "tcp://", 6) == 0) {
        if (parse_host_port(spec + 6, host, sizeof(host), port, sizeof(port)) == 0)
            return 0;
        snprintf(err, errlen, "--ipfix %s: expected HOST:PORT with a port from 1 to 65535", spec);
        return -1;
    }
    if (strncmp(spec, "file:", 5) == 0 && spec[5])
        return 0;
    snprintf(err, errlen, "--ipfix %s: expected udp://HOST:PORT, tcp://HOST:PORT or file:PATH", spec);
    return -1;
}

ps_ipfix_dest *ipfix_dest_open(const char *spec, size_t queue_bytes, char *err, size_t errlen)
{
    ps_ipfix_dest *d = calloc(1, sizeof(*d));

    if (!d || !(d->spec = strdup(spec))) {
        snprintf(err, errlen, "--ipfix %s: out of memory", spec);
        free(d);
        return NULL;
    }
    d->fd = -1;
    d->queue_limit = queue_bytes;
    d->backoff_ns = RETRY_MIN_NS;
    if (strncmp(spec, "udp://", 6) == 0 || strncmp(spec, "tcp://", 6) == 0) {
        d->kind = spec[0] == 'u' ? PS_IPFIX_UDP : PS_IPFIX_TCP;
        if (resolve(d, spec + 6, err, errlen) < 0)
            goto fail;
    } else if (strncmp(spec, "file:", 5) == 0 && spec[5]) {
        d->kind = PS_IPFIX_FILE;
        d->path = d->spec + 5;
    } else {
        snprintf(err, errlen, "--ipfix %s: expected udp://HOST:PORT, tcp://HOST:PORT or file:PATH", spec);
        goto fail;
    }

    switch (d->kind) {
    case PS_IPFIX_FILE:
        /* outfile_open says why when it cannot. */
        if (!(d->out = outfile_open(d->path))) {
            if (errlen)
                err[0] = '\0';
            goto fail;
        }
        break;
    case PS_IPFIX_UDP:
        d->fd = socket(d->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        /* connect() so that an ICMP port unreachable comes back as an error. */
        if (d->fd < 0 || connect(d->fd, (struct sockaddr *)&d->addr, d->addrlen) < 0) {
            snprintf(err, errlen, "--ipfix %s: %s", spec, strerror(errno));
            goto fail;
        }
        break;
    case PS_IPFIX_TCP:
        tcp_start_connect(d, ipfix_monotonic_ns());
        break;
    }
    return d;
fail:
    ipfix_dest_free(d);
    return NULL;
}

ps_ipfix_kind ipfix_dest_kind(const ps_ipfix_dest *d) { return d->kind; }
const char *ipfix_dest_spec(const ps_ipfix_dest *d) { return d->spec; }
const ps_ipfix_counts *ipfix_dest_counts(const ps_ipfix_dest *d) { return &d->counts; }
size_t ipfix_dest_queued_bytes(const ps_ipfix_dest *d) { return d->queued; }

uint16_t ipfix_dest_max_message(const ps_ipfix_dest *d)
{
    switch (d->kind) {
    case PS_IPFIX_UDP: return UDP_MAX_MESSAGE;
    case PS_IPFIX_TCP: return TCP_MAX_MESSAGE;
    default: return FILE_MAX_MESSAGE;
    }
}

int ipfix_dest_set_preamble(ps_ipfix_dest *d, const uint8_t *msg, size_t len)
{
    uint8_t *copy = malloc(len);

    if (!copy)
        return -1;
    memcpy(copy, msg, len);
    free(d->preamble);
    d->preamble = copy;
    d->preamble_len = len;
    return 0;
}

/* ---- TCP ---- */

static qmsg *qmsg_new(const uint8_t *msg, size_t len, const ps_ipfix_msg_info *info, int preamble)
{
    qmsg *m = malloc(sizeof(*m) + len);

    if (!m)
        return NULL;
    m->next = NULL;
    m->len = len;
    m->off = 0;
    if (info)
        m->info = *info;
    else
        memset(&m->info, 0, sizeof(m->info));
    m->preamble = preamble;
    memcpy(m->data, msg, len);
    return m;
}

static void queue_pop(ps_ipfix_dest *d)
{
    qmsg *m = d->head;

    d->head = m->next;
    if (!d->head)
        d->tail = NULL;
    d->queued -= m->len;
    free(m);
}

static void tcp_disconnect(ps_ipfix_dest *d, int64_t now_ns)
{
    qmsg **pp;

    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    if (d->state == TCP_UP || d->state == TCP_CONNECTING)
        d->counts.disconnects++;
    d->state = TCP_DOWN;
    d->retry_at_ns = now_ns + d->backoff_ns;
    d->backoff_ns = d->backoff_ns * 2 > RETRY_MAX_NS ? RETRY_MAX_NS : d->backoff_ns * 2;
    /* A message cut in the middle is lost with the connection; preambles
     * belong to the connection they were written for. */
    if (d->head && d->head->off > 0) {
        if (!d->head->preamble)
            count_lost(d, &d->head->info);
        queue_pop(d);
    }
    for (pp = &d->head; *pp;) {
        qmsg *m = *pp;
        if (m->preamble) {
            *pp = m->next;
            d->queued -= m->len;
            free(m);
        } else {
            pp = &m->next;
        }
    }
    d->tail = NULL;
    for (qmsg *m = d->head; m; m = m->next)
        d->tail = m;
}

static void tcp_connected(ps_ipfix_dest *d)
{
    d->state = TCP_UP;
    d->backoff_ns = RETRY_MIN_NS;
    d->counts.connects++;
    if (d->preamble) {
        qmsg *m = qmsg_new(d->preamble, d->preamble_len, NULL, 1);
        if (!m)
            return;
        /* Templates first, numbered as the data that follows them. */
        put_be32(m->data + 4, (uint32_t)time(NULL));
        put_be32(m->data + 8, d->head ? get_be32(d->head->data + 8) : d->next_seq);
        m->next = d->head;
        d->head = m;
        if (!d->tail)
            d->tail = m;
        d->queued += m->len;
    }
}

static void tcp_start_connect(ps_ipfix_dest *d, int64_t now_ns)
{
    d->fd = socket(d->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (d->fd < 0) {
        d->state = TCP_CONNECTING;   /* counted as a failed attempt */
        tcp_disconnect(d, now_ns);
        return;
    }
    if (connect(d->fd, (struct sockaddr *)&d->addr, d->addrlen) == 0) {
        tcp_connected(d);
    } else if (errno == EINPROGRESS) {
        d->state = TCP_CONNECTING;
    } else {
        d->state = TCP_CONNECTING;
        tcp_disconnect(d, now_ns);
    }
}

/* Is the connection still there? A collector sends nothing, so readable
 * means it closed or reset. */
static int tcp_check_alive(ps_ipfix_dest *d)
{
    struct pollfd p = {.fd = d->fd, .events = POLLIN | POLLRDHUP};
    char c;

    if (poll(&p, 1, 0) <= 0)
        return 1;
    if (p.revents & (POLLERR | POLLHUP | POLLRDHUP))
        return 0;
    if (p.revents & POLLIN) {
        ssize_t n = recv(d->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return 0;
    }
    return 1;
}

static void tcp_flush(ps_ipfix_dest *d, int64_t now_ns)
{
    while (d->state == TCP_UP && d->head) {
        qmsg *m = d->head;
        ssize_t n = send(d->fd, m->data + m->off, m->len - m->off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                tcp_disconnect(d, now_ns);
            return;
        }
        m->off += (size_t)n;
        if (m->off == m->len) {
            if (!m->preamble)
                count_sent(d, m->len, &m->info);
            queue_pop(d);
        }
    }
}

static void tcp_progress(ps_ipfix_dest *d, int64_t now_ns)
{
    if (d->state == TCP_DOWN && now_ns >= d->retry_at_ns)
        tcp_start_connect(d, now_ns);
    if (d->state == TCP_CONNECTING) {
        struct pollfd p = {.fd = d->fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof(soerr);

        if (poll(&p, 1, 0) <= 0)
            return;
        if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
            tcp_disconnect(d, now_ns);
            return;
        }
        tcp_connected(d);
    }
    if (d->state == TCP_UP && !tcp_check_alive(d)) {
        tcp_disconnect(d, now_ns);
        return;
    }
    tcp_flush(d, now_ns);
}

/* ---- files ---- */

/* Each message is written out whole, so that what a write error cuts off
 * is counted where it happened. */
static void file_write(ps_ipfix_dest *d, const uint8_t *msg, size_t len, const ps_ipfix_msg_info *info)
{
    if (outfile_failed(d->out) || outfile_write(d->out, msg, len) != 0 || outfile_flush(d->out) != 0)
        count_lost(d, info);
    else
        count_sent(d, len, info);
}

/* ---- the interface ---- */

void ipfix_dest_send(ps_ipfix_dest *d, const uint8_t *msg, size_t len, const ps_ipfix_msg_info *info,
                     int64_t now_ns)
{
    ssize_t n;
    qmsg *m;

    if (len >= 16)
        d->next_seq = get_be32(msg + 8) + info->data_records;
    switch (d->kind) {
    case PS_IPFIX_FILE:
        file_write(d, msg, len, info);
        return;
    case PS_IPFIX_UDP:
        do
            n = send(d->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)len)
            count_sent(d, len, info);
        else
            count_lost(d, info);
        return;
    case PS_IPFIX_TCP:
        if (d->queued + len > d->queue_limit || !(m = qmsg_new(msg, len, info, 0))) {
            count_lost(d, info);
        } else {
            if (d->tail)
                d->tail->next = m;
            else
                d->head = m;
            d->tail = m;
            d->queued += len;
        }
        tcp_progress(d, now_ns);
        return;
    }
}

void ipfix_dest_count_lost(ps_ipfix_dest *d, const ps_ipfix_msg_info *info)
{
    d->counts.lost_records += info->flow_records;
    d->counts.lost_packets += info->packets;
    d->counts.lost_octets += info->octets;
}

void ipfix_dest_poll(ps_ipfix_dest *d, int64_t now_ns)
{
    if (d->kind == PS_IPFIX_TCP)
        tcp_progress(d, now_ns);
}

int ipfix_dest_close(ps_ipfix_dest *d, int64_t budget_ns, char *err, size_t errlen)
{
    int64_t deadline = ipfix_monotonic_ns() + budget_ns;
    int rc = 0;

    if (d->kind == PS_IPFIX_TCP) {
        for (;;) {
            int64_t now = ipfix_monotonic_ns();
            tcp_progress(d, now);
            if (!d->head || now >= deadline)
                break;
            if (d->state == TCP_DOWN) {
                /* Sleep until the next attempt or the deadline. */
                int64_t until = d->retry_at_ns < deadline ? d->retry_at_ns : deadline;
                poll(NULL, 0, (int)((until - now) / 1000000 + 1));
            } else {
                struct pollfd p = {.fd = d->fd, .events = POLLOUT};
                poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
            }
        }
        while (d->head) {
            if (!d->head->preamble)
                count_lost(d, &d->head->info);
            queue_pop(d);
        }
        if (d->fd >= 0 && d->state == TCP_UP)
            shutdown(d->fd, SHUT_WR);
    }
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    if (d->out) {
        /* A file that failed keeps what it held before; outfile said why. */
        rc = (outfile_failed(d->out) ? outfile_abort : outfile_close)(d->out);
        d->out = NULL;
        if (rc != 0 && errlen)
            err[0] = '\0';
    }
    return rc;
}

void ipfix_dest_free(ps_ipfix_dest *d)
{
    if (!d)
        return;
    if (d->fd >= 0)
        close(d->fd);
    if (d->out)
        outfile_abort(d->out);
    while (d->head)
        queue_pop(d);
    free(d->preamble);
    free(d->spec);
    free(d);
}
