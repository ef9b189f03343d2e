/* SCTP (RFC 9260): common header and the chunk types present. */
#include "dissect_fixtures.h"

/* 2905 (M3UA) -> 36412 (S1AP), verification tag, checksum */
static const uint8_t common[12] = {0x0b, 0x59, 0x8e, 0x3c, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0};

static size_t chunk(uint8_t *out, uint8_t type, uint16_t length)
{
    size_t padded = ((size_t)length + 3) & ~(size_t)3;
    memset(out, 0x5a, padded);
    out[0] = type;
    out[1] = 0x03;
    fix_put16(out + 2, length);
    return padded;
}

static size_t sctp4(uint8_t *frame, const uint8_t *chunks, size_t len)
{
    uint8_t sctp[256];
    memcpy(sctp, common, sizeof common);
    memcpy(sctp + sizeof common, chunks, len);
    return fix_ipv4(frame, 132, sctp, sizeof common + len);
}

static void test_init(void **state)
{
    (void)state;
    uint8_t chunks[64], frame[128];
    ps_packet pkt;
    size_t len = chunk(chunks, PS_SCTP_INIT, 20);
    size_t n = sctp4(frame, chunks, len);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.transport, PS_TRANSPORT_SCTP);
    assert_int_equal(pkt.ip_proto, 132);
    assert_int_equal(pkt.sport, 2905);
    assert_int_equal(pkt.dport, 36412);
    assert_int_equal(pkt.sctp_chunks, 1u << PS_SCTP_INIT);
}

/* DATA of length 17 is followed by 3 padding bytes, then SACK and a
 * SHUTDOWN COMPLETE: every chunk is found at its padded position. */
static void test_bundle_with_padding(void **state)
{
    (void)state;
    uint8_t chunks[128], frame[256];
    ps_packet pkt;
    size_t len = chunk(chunks, PS_SCTP_DATA, 17);
    assert_int_equal(len, 20);
    len += chunk(chunks + len, PS_SCTP_SACK, 16);
    len += chunk(chunks + len, PS_SCTP_SHUTDOWN_COMPLETE, 4);
    size_t n = sctp4(frame, chunks, len);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.sctp_chunks, 1u << 0 | 1u << 3 | 1u << 14);
}

/* Types 32 and above have no bit; the walk goes on past them. */
static void test_high_chunk_types(void **state)
{
    (void)state;
    uint8_t chunks[128], frame[256];
    ps_packet pkt;
    size_t len = chunk(chunks, 0x80, 8);    /* ASCONF-ACK */
    len += chunk(chunks + len, 0xc1, 8);     /* ASCONF */
    len += chunk(chunks + len, 32, 4);
    len += chunk(chunks + len, 31, 4);
    len += chunk(chunks + len, PS_SCTP_ABORT, 4);
    size_t n = sctp4(frame, chunks, len);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.sctp_chunks, 1u << 31 | 1u << PS_SCTP_ABORT);
}

static void test_chunk_length_below_header(void **state)
{
    (void)state;
    static const uint16_t bad[] = {0, 1, 3};
    uint8_t chunks[64], frame[128];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = chunk(chunks, PS_SCTP_COOKIE_ECHO, 8);
        chunks[len] = PS_SCTP_DATA;
        chunks[len + 1] = 0;
        fix_put16(chunks + len + 2, bad[i]);
        memset(chunks + len + 4, 0, 4);
        size_t n = sctp4(frame, chunks, len + 8);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_BAD_SCTP_CHUNK);
        assert_int_equal(pkt.sport, 2905);
    }
}

/* COOKIE ECHO (12) then DATA (20): every capture length. The walk stops
 * quietly where the capture ends, keeping the chunk types already seen. */
static void test_every_truncation_point(void **state)
{
    (void)state;
    uint8_t chunks[64], frame[128];
    ps_packet pkt;
    size_t len = chunk(chunks, PS_SCTP_COOKIE_ECHO, 12);
    len += chunk(chunks + len, PS_SCTP_DATA, 20);
    size_t n = sctp4(frame, chunks, len);
    assert_int_equal(n, 64);
    for (size_t caplen = 20; caplen <= n; caplen++) {
        ps_packet_kind kind = fix_dissect(DLT_RAW, frame, caplen, n, &pkt);
        if (caplen < 32) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_SCTP);
            continue;
        }
        assert_int_equal(kind, PS_PKT_TRANSPORT);
        assert_int_equal(pkt.dport, 36412);
        uint32_t expect = 0;
        if (caplen >= 36)
            expect |= 1u << PS_SCTP_COOKIE_ECHO;
        if (caplen >= 48)
            expect |= 1u << PS_SCTP_DATA;
        assert_int_equal(pkt.sctp_chunks, expect);
    }
}

/* A COOKIE ACK datagram is 36 bytes, so the Ethernet frame is padded with
 * zeros to 60; read as a chunk, that padding would have length 0. */
static void test_ethernet_padding_is_not_a_chunk(void **state)
{
    (void)state;
    uint8_t chunks[8], frame[60] = {0};
    ps_packet pkt;
    fix_put16(frame + 12, 0x0800);
    size_t len = chunk(chunks, PS_SCTP_COOKIE_ACK, 4);
    size_t n = 14 + sctp4(frame + 14, chunks, len);
    assert_int_equal(n, 50);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, sizeof frame, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.sctp_chunks, 1u << PS_SCTP_COOKIE_ACK);
    assert_int_equal(pkt.ip_bytes, 36);
}

static void test_over_ipv6(void **state)
{
    (void)state;
    uint8_t sctp[64], frame[128];
    ps_packet pkt;
    memcpy(sctp, common, sizeof common);
    size_t len = sizeof common + chunk(sctp + sizeof common, PS_SCTP_HEARTBEAT, 8);
    size_t n = fix_ipv6(frame, 132, sctp, len);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.sctp_chunks, 1u << PS_SCTP_HEARTBEAT);
    assert_int_equal(pkt.family, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_bundle_with_padding),
        cmocka_unit_test(test_high_chunk_types),
        cmocka_unit_test(test_chunk_length_below_header),
        cmocka_unit_test(test_every_truncation_point),
        cmocka_unit_test(test_ethernet_padding_is_not_a_chunk),
        cmocka_unit_test(test_over_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
