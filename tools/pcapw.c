#include "pcapw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- frames -------------------------------------------------------------- */

/* A frame that does not fit is a defect in the caller, not an input error. */
static void overflow(const char *what)
{
    fprintf(stderr, "pcapw: frame overflow in %s\n", what);
    abort();
}

void pw_frame_init(pw_frame *f)
{
    f->head = PW_HEADROOM;
    f->tail = PW_HEADROOM;
}

size_t pw_frame_len(const pw_frame *f)
{
    return f->tail - f->head;
}

const uint8_t *pw_frame_data(const pw_frame *f)
{
    return f->buf + f->head;
}

uint8_t *pw_frame_at(pw_frame *f, size_t offset)
{
    if (offset > pw_frame_len(f))
        overflow("pw_frame_at");
    return f->buf + f->head + offset;
}

uint8_t *pw_frame_push(pw_frame *f, size_t n)
{
    if (n > f->head)
        overflow("pw_frame_push");
    f->head -= n;
    memset(f->buf + f->head, 0, n);
    return f->buf + f->head;
}

uint8_t *pw_frame_put(pw_frame *f, size_t n)
{
    if (n > sizeof f->buf - f->tail)
        overflow("pw_frame_put");
    uint8_t *p = f->buf + f->tail;
    memset(p, 0, n);
    f->tail += n;
    return p;
}

static void store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void store_be32(uint8_t *p, uint32_t v)
{
    store_be16(p, (uint16_t)(v >> 16));
    store_be16(p + 2, (uint16_t)v);
}

static void store_be48(uint8_t *p, uint64_t v)
{
    store_be16(p, (uint16_t)(v >> 32));
    store_be32(p + 2, (uint32_t)v);
}

static void store_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void store_le32(uint8_t *p, uint32_t v)
{
    store_le16(p, (uint16_t)v);
    store_le16(p + 2, (uint16_t)(v >> 16));
}

void pw_put_u8(pw_frame *f, uint8_t v)
{
    *pw_frame_put(f, 1) = v;
}

void pw_put_be16(pw_frame *f, uint16_t v)
{
    store_be16(pw_frame_put(f, 2), v);
}

void pw_put_be32(pw_frame *f, uint32_t v)
{
    store_be32(pw_frame_put(f, 4), v);
}

void pw_put_be64(pw_frame *f, uint64_t v)
{
    pw_put_be32(f, (uint32_t)(v >> 32));
    pw_put_be32(f, (uint32_t)v);
}

void pw_put_bytes(pw_frame *f, const void *bytes, size_t n)
{
    if (n)
        memcpy(pw_frame_put(f, n), bytes, n);
}

void pw_put_str(pw_frame *f, const char *s)
{
    pw_put_bytes(f, s, strlen(s));
}

/* xorshift32: stands in for ciphertext and random fields, same bytes every run. */
void pw_fill(uint8_t *out, size_t n, uint32_t seed)
{
    uint32_t x = seed ? seed : 0x9e3779b9u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)(x >> 24);
    }
}

void pw_put_fill(pw_frame *f, size_t n, uint32_t seed)
{
    pw_fill(pw_frame_put(f, n), n, seed);
}

void pw_patch_be16(pw_frame *f, size_t offset, uint16_t v)
{
    if (offset + 2 > pw_frame_len(f))
        overflow("pw_patch_be16");
    store_be16(pw_frame_at(f, offset), v);
}

void pw_patch_be24(pw_frame *f, size_t offset, uint32_t v)
{
    if (offset + 3 > pw_frame_len(f))
        overflow("pw_patch_be24");
    uint8_t *p = pw_frame_at(f, offset);
    p[0] = (uint8_t)(v >> 16);
    store_be16(p + 1, (uint16_t)v);
}

void pw_patch_be32(pw_frame *f, size_t offset, uint32_t v)
{
    if (offset + 4 > pw_frame_len(f))
        overflow("pw_patch_be32");
    store_be32(pw_frame_at(f, offset), v);
}

/* ---- checksums ----------------------------------------------------------- */

static uint32_t sum16(uint32_t acc, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        acc += (uint32_t)data[i] << 8 | data[i + 1];
    if (len & 1)
        acc += (uint32_t)data[len - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

uint16_t pw_inet_checksum(const uint8_t *data, size_t len)
{
    return fold(sum16(0, data, len));
}

/* RFC 768 / RFC 8200 section 8.1 pseudo-header: addresses, protocol, length. */
static uint16_t pseudo_checksum(const pw_ip *ip, uint8_t proto, const uint8_t *data, size_t len)
{
    size_t alen = ip->family == 6 ? 16 : 4;
    uint32_t acc = sum16(0, ip->src, alen);
    acc = sum16(acc, ip->dst, alen);
    acc += proto;
    acc += (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
    return fold(sum16(acc, data, len));
}

/* Castagnoli polynomial, reflected (RFC 9260 appendix A). */
uint32_t pw_crc32c(const uint8_t *data, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* ---- capture files ------------------------------------------------------- */

struct pw_writer {
    FILE *fp;
    int pcapng;
    uint8_t tsresol_exp10;
    uint32_t snaplen;
    int err;            /* first errno seen, 0 while all is well */
};

static void emit(pw_writer *w, const void *bytes, size_t n)
{
    if (!w->err && n && fwrite(bytes, 1, n, w->fp) != n)
        w->err = errno ? errno : EIO;
}

static void emit_le16(pw_writer *w, uint16_t v)
{
    uint8_t b[2];
    store_le16(b, v);
    emit(w, b, 2);
}

static void emit_le32(pw_writer *w, uint32_t v)
{
    uint8_t b[4];
    store_le32(b, v);
    emit(w, b, 4);
}

static pw_writer *writer_open(const char *path, uint32_t snaplen)
{
    pw_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fp = fopen(path, "wb");
    if (!w->fp) {
        int saved = errno;
        free(w);
        errno = saved;
        return NULL;
    }
    w->snaplen = snaplen;
    return w;
}

pw_writer *pw_open_pcap(const char *path, uint32_t linktype, uint32_t snaplen)
{
    pw_writer *w = writer_open(path, snaplen);
    if (!w)
        return NULL;
    emit_le32(w, 0xa1b2c3d4u);   /* microsecond magic */
    emit_le16(w, 2);
    emit_le16(w, 4);
    emit_le32(w, 0);             /* thiszone */
    emit_le32(w, 0);             /* sigfigs */
    emit_le32(w, snaplen);
    emit_le32(w, linktype);
    return w;
}

/* Options end with opt_endofopt; each value is padded to 32 bits. */
static void emit_option(pw_writer *w, uint16_t code, const void *value, uint16_t len)
{
    static const uint8_t zeros[4];
    emit_le16(w, code);
    emit_le16(w, len);
    emit(w, value, len);
    emit(w, zeros, (4 - len % 4) % 4);
}

static void emit_section_header(pw_writer *w)
{
    static const char app[] = "portsniff gen-captures";
    uint32_t app_len = sizeof app - 1;
    uint32_t total = 28 + 4 + ((app_len + 3) & ~3u) + 4;
    emit_le32(w, 0x0a0d0d0au);
    emit_le32(w, total);
    emit_le32(w, 0x1a2b3c4du);
    emit_le16(w, 1);
    emit_le16(w, 0);
    emit_le32(w, 0xffffffffu);   /* section length unknown */
    emit_le32(w, 0xffffffffu);
    emit_option(w, 4, app, (uint16_t)app_len);   /* shb_userappl */
    emit_option(w, 0, NULL, 0);
    emit_le32(w, total);
}

static void emit_interface(pw_writer *w, uint32_t linktype)
{
    uint32_t total = 20 + 8 + 4;
    emit_le32(w, 1);
    emit_le32(w, total);
    emit_le16(w, (uint16_t)linktype);
    emit_le16(w, 0);
    emit_le32(w, w->snaplen);
    emit_option(w, 9, &w->tsresol_exp10, 1);     /* if_tsresol */
    emit_option(w, 0, NULL, 0);
    emit_le32(w, total);
}

pw_writer *pw_open_pcapng(const char *path, uint32_t linktype, uint32_t snaplen,
                          uint8_t tsresol_exp10)
{
    pw_writer *w = writer_open(path, snaplen);
    if (!w)
        return NULL;
    w->pcapng = 1;
    w->tsresol_exp10 = tsresol_exp10;
    emit_section_header(w);
    emit_interface(w, linktype);
    return w;
}

static uint64_t ticks(const pw_writer *w, int64_t ts_ns)
{
    uint64_t t = (uint64_t)ts_ns;
    for (int e = 9; e > w->tsresol_exp10; e--)
        t /= 10;
    return t;
}

static void write_pcap_record(pw_writer *w, int64_t ts_ns, const uint8_t *data,
                              uint32_t wire_len, uint32_t cap_len)
{
    emit_le32(w, (uint32_t)(ts_ns / 1000000000));
    emit_le32(w, (uint32_t)(ts_ns % 1000000000 / 1000));
    emit_le32(w, cap_len);
    emit_le32(w, wire_len);
    emit(w, data, cap_len);
}

static void write_pcapng_record(pw_writer *w, int64_t ts_ns, const uint8_t *data,
                                uint32_t wire_len, uint32_t cap_len)
{
    static const uint8_t zeros[4];
    uint32_t padded = (cap_len + 3) & ~3u;
    uint32_t total = 28 + padded + 4;
    uint64_t t = ticks(w, ts_ns);
    emit_le32(w, 6);
    emit_le32(w, total);
    emit_le32(w, 0);                     /* interface id */
    emit_le32(w, (uint32_t)(t >> 32));
    emit_le32(w, (uint32_t)t);
    emit_le32(w, cap_len);
    emit_le32(w, wire_len);
    emit(w, data, cap_len);
    emit(w, zeros, padded - cap_len);
    emit_le32(w, total);
}

void pw_write(pw_writer *w, int64_t ts_ns, const uint8_t *data,
              uint32_t wire_len, uint32_t cap_len)
{
    if (cap_len > wire_len)
        cap_len = wire_len;
    if (cap_len > w->snaplen)
        cap_len = w->snaplen;
    if (w->pcapng)
        write_pcapng_record(w, ts_ns, data, wire_len, cap_len);
    else
        write_pcap_record(w, ts_ns, data, wire_len, cap_len);
}

void pw_write_frame(pw_writer *w, int64_t ts_ns, const pw_frame *f)
{
    uint32_t len = (uint32_t)pw_frame_len(f);
    pw_write(w, ts_ns, pw_frame_data(f), len, len);
}

int pw_close(pw_writer *w)
{
    int err = w->err;
    if (fclose(w->fp) != 0 && !err)
        err = errno ? errno : EIO;
    free(w);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

/* ---- link layers --------------------------------------------------------- */

void pw_ether(pw_frame *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    uint8_t *p = pw_frame_push(f, 14);
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    store_be16(p + 12, type);
}

void pw_ether_pad(pw_frame *f)
{
    size_t len = pw_frame_len(f);
    if (len < 60)
        pw_frame_put(f, 60 - len);
}

void pw_vlan(pw_frame *f, uint8_t pcp, uint16_t vid, uint16_t type)
{
    uint8_t *p = pw_frame_push(f, 4);
    store_be16(p, (uint16_t)((pcp & 7u) << 13 | (vid & 0x0fffu)));
    store_be16(p + 2, type);
}

/* Linux cooked header v1: packet type, ARPHRD, address length, address (8), protocol. */
void pw_sll(pw_frame *f, uint16_t pkttype, const uint8_t addr[6], uint16_t protocol)
{
    uint8_t *p = pw_frame_push(f, 16);
    store_be16(p, pkttype);
    store_be16(p + 2, 1);        /* ARPHRD_ETHER */
    store_be16(p + 4, 6);
    memcpy(p + 6, addr, 6);
    store_be16(p + 14, protocol);
}

/* Linux cooked header v2: protocol first, then interface index and the v1 fields. */
void pw_sll2(pw_frame *f, uint16_t protocol, uint32_t ifindex, uint8_t pkttype,
             const uint8_t addr[6])
{
    uint8_t *p = pw_frame_push(f, 20);
    store_be16(p, protocol);
    store_be32(p + 4, ifindex);
    store_be16(p + 8, 1);        /* ARPHRD_ETHER */
    p[10] = pkttype;
    p[11] = 6;
    memcpy(p + 12, addr, 6);
}

void pw_null(pw_frame *f, uint32_t family_le)
{
    store_le32(pw_frame_push(f, 4), family_le);
}

/* ---- network layers ------------------------------------------------------ */

void pw_ipv4(pw_frame *f, const pw_ip *ip, const pw_ipv4_hdr *h)
{
    size_t hlen = 20 + h->options_len;
    size_t total = hlen + pw_frame_len(f);
    uint16_t frag = (uint16_t)(h->frag_offset / 8);
    if (h->dont_fragment)
        frag |= 0x4000;
    if (h->more_fragments)
        frag |= 0x2000;
    uint8_t *p = pw_frame_push(f, hlen);
    p[0] = (uint8_t)(0x40 | hlen / 4);
    p[1] = h->tos;
    store_be16(p + 2, (uint16_t)total);
    store_be16(p + 4, h->id);
    store_be16(p + 6, frag);
    p[8] = h->ttl;
    p[9] = h->proto;
    memcpy(p + 12, ip->src, 4);
    memcpy(p + 16, ip->dst, 4);
    if (h->options_len)
        memcpy(p + 20, h->options, h->options_len);
    store_be16(p + 10, pw_inet_checksum(p, hlen));
}

void pw_ipv6(pw_frame *f, const pw_ip *ip, uint8_t next_header, uint8_t hop_limit,
             uint32_t flow_label)
{
    size_t payload = pw_frame_len(f);
    uint8_t *p = pw_frame_push(f, 40);
    store_be32(p, 6u << 28 | (flow_label & 0xfffffu));
    store_be16(p + 4, (uint16_t)payload);
    p[6] = next_header;
    p[7] = hop_limit;
    memcpy(p + 8, ip->src, 16);
    memcpy(p + 24, ip->dst, 16);
}

void pw_ipv6_options(pw_frame *f, uint8_t next_header, const uint8_t *options, size_t len)
{
    size_t total = (2 + len + 7) & ~(size_t)7;
    size_t pad = total - 2 - len;
    uint8_t *p = pw_frame_push(f, total);
    p[0] = next_header;
    p[1] = (uint8_t)(total / 8 - 1);
    if (len)
        memcpy(p + 2, options, len);
    /* Pad1 for a single byte, PadN (RFC 8200 section 4.2) otherwise. */
    if (pad >= 2) {
        p[2 + len] = 1;
        p[3 + len] = (uint8_t)(pad - 2);
    }
}

void pw_ipv6_srh(pw_frame *f, uint8_t next_header, uint8_t segments_left,
                 const uint8_t (*segments)[16], size_t nsegments)
{
    uint8_t *p = pw_frame_push(f, 8 + 16 * nsegments);
    p[0] = next_header;
    p[1] = (uint8_t)(2 * nsegments);
    p[2] = 4;                            /* routing type: Segment Routing Header */
    p[3] = segments_left;
    p[4] = (uint8_t)(nsegments - 1);     /* last entry */
    for (size_t i = 0; i < nsegments; i++)
        memcpy(p + 8 + 16 * i, segments[i], 16);
}

void pw_ipv6_fragment(pw_frame *f, uint8_t next_header, uint16_t offset, int more,
                      uint32_t id)
{
    uint8_t *p = pw_frame_push(f, 8);
    p[0] = next_header;
    store_be16(p + 2, (uint16_t)((offset & ~7u) | (more ? 1 : 0)));
    store_be32(p + 4, id);
}

void pw_ah(pw_frame *f, uint8_t next_header, uint32_t spi, uint32_t seq)
{
    uint8_t *p = pw_frame_push(f, 24);
    p[0] = next_header;
    p[1] = 24 / 4 - 2;                   /* length in 32-bit words minus 2 */
    store_be32(p + 4, spi);
    store_be32(p + 8, seq);
    for (int i = 0; i < 12; i++)         /* opaque ICV */
        p[12 + i] = (uint8_t)(0xa5 ^ (seq + (uint32_t)i * 29));
}

void pw_esp(pw_frame *f, uint32_t spi, uint32_t seq)
{
    uint8_t *p = pw_frame_push(f, 8);
    store_be32(p, spi);
    store_be32(p + 4, seq);
}

void pw_gre(pw_frame *f, uint16_t protocol)
{
    uint8_t *p = pw_frame_push(f, 4);
    store_be16(p + 2, protocol);
}

void pw_arp(pw_frame *f, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
            const uint8_t tha[6], const uint8_t tpa[4])
{
    uint8_t *p = pw_frame_put(f, 28);
    store_be16(p, 1);                    /* Ethernet */
    store_be16(p + 2, PW_ETHERTYPE_IPV4);
    p[4] = 6;
    p[5] = 4;
    store_be16(p + 6, op);
    memcpy(p + 8, sha, 6);
    memcpy(p + 14, spa, 4);
    memcpy(p + 18, tha, 6);
    memcpy(p + 24, tpa, 4);
}

static uint8_t *push_echo(pw_frame *f, uint8_t type, uint16_t id, uint16_t seq)
{
    uint8_t *p = pw_frame_push(f, 8);
    p[0] = type;
    store_be16(p + 4, id);
    store_be16(p + 6, seq);
    return p;
}

void pw_icmp_echo(pw_frame *f, uint8_t type, uint16_t id, uint16_t seq)
{
    uint8_t *p = push_echo(f, type, id, seq);
    store_be16(p + 2, pw_inet_checksum(p, pw_frame_len(f)));
}

void pw_icmp6_echo(pw_frame *f, const pw_ip *ip, uint8_t type, uint16_t id, uint16_t seq)
{
    uint8_t *p = push_echo(f, type, id, seq);
    store_be16(p + 2, pseudo_checksum(ip, PW_IPPROTO_ICMPV6, p, pw_frame_len(f)));
}

/* ---- transports ---------------------------------------------------------- */

void pw_tcp(pw_frame *f, const pw_ip *ip, const pw_tcp_hdr *h)
{
    size_t hlen = 20 + h->options_len;
    uint8_t *p = pw_frame_push(f, hlen);
    store_be16(p, h->sport);
    store_be16(p + 2, h->dport);
    store_be32(p + 4, h->seq);
    store_be32(p + 8, h->ack);
    p[12] = (uint8_t)(hlen / 4 << 4);
    p[13] = h->flags;
    store_be16(p + 14, h->window);
    store_be16(p + 18, h->urgent);
    if (h->options_len)
        memcpy(p + 20, h->options, h->options_len);
    store_be16(p + 16, pseudo_checksum(ip, PW_IPPROTO_TCP, p, pw_frame_len(f)));
}

static void store_timestamps(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
    p[0] = 8;
    p[1] = 10;
    store_be32(p + 2, tsval);
    store_be32(p + 6, tsecr);
}

size_t pw_tcp_syn_options(uint8_t out[20], uint16_t mss, uint8_t wscale,
                          uint32_t tsval, uint32_t tsecr)
{
    out[0] = 2;                          /* MSS */
    out[1] = 4;
    store_be16(out + 2, mss);
    out[4] = 4;                          /* SACK permitted */
    out[5] = 2;
    store_timestamps(out + 6, tsval, tsecr);
    out[16] = 1;                         /* NOP */
    out[17] = 3;                         /* window scale */
    out[18] = 3;
    out[19] = wscale;
    return 20;
}

size_t pw_tcp_ts_options(uint8_t out[12], uint32_t tsval, uint32_t tsecr)
{
    out[0] = 1;
    out[1] = 1;
    store_timestamps(out + 2, tsval, tsecr);
    return 12;
}

void pw_udp(pw_frame *f, const pw_ip *ip, uint16_t sport, uint16_t dport)
{
    size_t len = 8 + pw_frame_len(f);
    uint8_t *p = pw_frame_push(f, 8);
    store_be16(p, sport);
    store_be16(p + 2, dport);
    store_be16(p + 4, (uint16_t)len);
    uint16_t sum = pseudo_checksum(ip, PW_IPPROTO_UDP, p, len);
    store_be16(p + 6, sum ? sum : 0xffff);   /* RFC 768: 0 means "no checksum" */
}

void pw_sctp(pw_frame *f, uint16_t sport, uint16_t dport, uint32_t vtag)
{
    uint8_t *p = pw_frame_push(f, 12);
    store_be16(p, sport);
    store_be16(p + 2, dport);
    store_be32(p + 4, vtag);
    /* RFC 9260 appendix A: the CRC goes in least significant byte first. */
    store_le32(p + 8, pw_crc32c(p, pw_frame_len(f)));
}

void pw_sctp_chunk(pw_frame *f, uint8_t type, uint8_t flags, const void *value, size_t len)
{
    uint8_t *p = pw_frame_put(f, (4 + len + 3) & ~(size_t)3);
    p[0] = type;
    p[1] = flags;
    store_be16(p + 2, (uint16_t)(4 + len));
    if (len)
        memcpy(p + 4, value, len);
}

size_t pw_sctp_param(uint8_t *out, uint16_t type, const void *value, size_t len)
{
    size_t padded = (4 + len + 3) & ~(size_t)3;
    memset(out, 0, padded);
    store_be16(out, type);
    store_be16(out + 2, (uint16_t)(4 + len));
    if (len)
        memcpy(out + 4, value, len);
    return padded;
}

/* RFC 9260 section 3.2: a chunk's length leaves out its final padding, and
 * the last parameter's padding is that final padding. */
static size_t params_unpadded_len(const uint8_t *params, size_t len)
{
    size_t off = 0, end = 0;
    while (off + 4 <= len) {
        size_t plen = (size_t)params[off + 2] << 8 | params[off + 3];
        if (plen < 4)
            break;
        end = off + plen;
        off += (plen + 3) & ~(size_t)3;
    }
    return end;
}

void pw_sctp_init_chunk(pw_frame *f, uint8_t type, const pw_sctp_init *init)
{
    uint8_t v[16 + 512];
    if (init->params_len > sizeof v - 16)
        overflow("pw_sctp_init_chunk");
    store_be32(v, init->initiate_tag);
    store_be32(v + 4, init->a_rwnd);
    store_be16(v + 8, init->outbound_streams);
    store_be16(v + 10, init->inbound_streams);
    store_be32(v + 12, init->initial_tsn);
    if (init->params_len)
        memcpy(v + 16, init->params, init->params_len);
    pw_sctp_chunk(f, type, 0, v, 16 + params_unpadded_len(init->params, init->params_len));
}

void pw_sctp_data_chunk(pw_frame *f, uint8_t flags, uint32_t tsn, uint16_t stream,
                        uint16_t ssn, uint32_t ppid, const void *data, size_t len)
{
    uint8_t *p = pw_frame_put(f, 16);
    p[0] = PW_SCTP_DATA;
    p[1] = flags;
    store_be16(p + 2, (uint16_t)(16 + len));
    store_be32(p + 4, tsn);
    store_be16(p + 8, stream);
    store_be16(p + 10, ssn);
    store_be32(p + 12, ppid);
    pw_put_bytes(f, data, len);
    pw_frame_put(f, (4 - len % 4) % 4);
}

void pw_sctp_sack_chunk(pw_frame *f, uint32_t cum_tsn, uint32_t a_rwnd)
{
    uint8_t v[12] = {0};
    store_be32(v, cum_tsn);
    store_be32(v + 4, a_rwnd);
    pw_sctp_chunk(f, PW_SCTP_SACK, 0, v, sizeof v);  /* no gap blocks, no duplicates */
}

void pw_sctp_shutdown_chunk(pw_frame *f, uint32_t cum_tsn)
{
    uint8_t v[4];
    store_be32(v, cum_tsn);
    pw_sctp_chunk(f, PW_SCTP_SHUTDOWN, 0, v, sizeof v);
}

void pw_sctp_heartbeat_chunk(pw_frame *f, uint8_t type, const void *info, size_t len)
{
    uint8_t v[4 + 64];
    if (len > 64)
        overflow("pw_sctp_heartbeat_chunk");
    size_t n = pw_sctp_param(v, 1, info, len);   /* Heartbeat Info */
    pw_sctp_chunk(f, type, 0, v, params_unpadded_len(v, n));
}

/* RFC 4340 section 5: header size depends on the packet type. */
static size_t dccp_header_len(uint8_t type)
{
    switch (type) {
    case PW_DCCP_REQUEST: return 20;
    case PW_DCCP_DATA: return 16;
    case PW_DCCP_RESPONSE: return 28;
    case PW_DCCP_RESET: return 28;
    default: return 24;
    }
}

void pw_dccp(pw_frame *f, const pw_ip *ip, const pw_dccp_hdr *h)
{
    size_t hlen = dccp_header_len(h->type);
    uint8_t *p = pw_frame_push(f, hlen);
    store_be16(p, h->sport);
    store_be16(p + 2, h->dport);
    p[4] = (uint8_t)(hlen / 4);
    p[5] = (uint8_t)(h->ccval << 4);     /* CsCov 0: checksum covers everything */
    p[8] = (uint8_t)(h->type << 1 | 1);  /* X=1: 48-bit sequence numbers */
    store_be48(p + 10, h->seq);
    if (h->type == PW_DCCP_REQUEST)
        store_be32(p + 16, h->service_code);
    if (hlen >= 24)
        store_be48(p + 18, h->ack);
    if (h->type == PW_DCCP_RESPONSE)
        store_be32(p + 24, h->service_code);
    if (h->type == PW_DCCP_RESET)
        p[24] = h->reset_code;
    store_be16(p + 6, pseudo_checksum(ip, PW_IPPROTO_DCCP, p, pw_frame_len(f)));
}
