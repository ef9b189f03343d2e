/* Shared helpers for the dissector tests: run a frame through dissect_frame
 * from a heap copy of exactly the captured length (so AddressSanitizer sees
 * any read past caplen), and wrap transport bytes in IPv4/IPv6 headers. */
#ifndef PS_TEST_DISSECT_FIXTURES_H
#define PS_TEST_DISSECT_FIXTURES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pcap/dlt.h>

#include "portsniff/dissect.h"
#include "portsniff/packet.h"

#define FIX_TS_NS INT64_C(1786960800123456789)

/* 192.0.2.1 -> 198.51.100.2 (RFC 5737 documentation addresses) */
static const uint8_t fix_v4_src[4] = {192, 0, 2, 1};
static const uint8_t fix_v4_dst[4] = {198, 51, 100, 2};
/* 2001:db8::1 -> 2001:db8::2 (RFC 3849) */
static const uint8_t fix_v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t fix_v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* Dissects the first caplen bytes of frame, copied to a buffer of exactly
 * that size; wire_len is the full frame length. The packet struct is filled
 * with garbage first to prove every field is rewritten. */
static inline ps_packet_kind fix_dissect(int dlt, const uint8_t *frame, size_t caplen,
                                         size_t wire_len, ps_packet *pkt)
{
    uint8_t *copy = caplen ? malloc(caplen) : NULL;
    if (caplen)
        memcpy(copy, frame, caplen);
    memset(pkt, 0xa5, sizeof *pkt);
    ps_packet_kind kind = dissect_frame(dlt, copy, (uint32_t)caplen, (uint32_t)wire_len,
                                        FIX_TS_NS, pkt);
    free(copy);
    assert_int_equal(kind, pkt->kind);
    assert_int_equal(pkt->ts_ns, FIX_TS_NS);
    assert_int_equal(pkt->cap_len, caplen);
    assert_int_equal(pkt->wire_len, wire_len);
    if (kind != PS_PKT_MALFORMED)
        assert_int_equal(pkt->malformed, PS_MAL_NONE);
    return kind;
}

static inline ps_packet_kind fix_dissect_all(int dlt, const uint8_t *frame, size_t len,
                                             ps_packet *pkt)
{
    return fix_dissect(dlt, frame, len, len, pkt);
}

static inline void fix_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* IPv4 header (IHL 5, identification 0x1234, no fragmentation) before the
 * given payload, at out; returns the datagram length. */
static inline size_t fix_ipv4(uint8_t *out, uint8_t proto, const uint8_t *payload, size_t len)
{
    static const uint8_t tmpl[20] = {0x45, 0x00, 0, 0, 0x12, 0x34, 0x00, 0x00, 64, 0, 0, 0,
                                     192, 0, 2, 1, 198, 51, 100, 2};
    memcpy(out, tmpl, sizeof tmpl);
    fix_put16(out + 2, (uint16_t)(20 + len));
    out[9] = proto;
    memcpy(out + 20, payload, len);
    return 20 + len;
}

/* IPv6 header (no extension headers) before the payload; returns the length. */
static inline size_t fix_ipv6(uint8_t *out, uint8_t next, const uint8_t *payload, size_t len)
{
    memset(out, 0, 8);
    out[0] = 0x60;
    fix_put16(out + 4, (uint16_t)len);
    out[6] = next;
    out[7] = 64;
    memcpy(out + 8, fix_v6_src, 16);
    memcpy(out + 24, fix_v6_dst, 16);
    memcpy(out + 40, payload, len);
    return 40 + len;
}

#endif
