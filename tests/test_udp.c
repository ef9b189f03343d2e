/* UDP (RFC 768) and UDP in IPv6 jumbograms (RFC 2675). */
#include "dissect_fixtures.h"

static void udp_header(uint8_t out[8], uint16_t length)
{
    static const uint8_t tmpl[8] = {0x00, 0x44, 0x00, 0x43, 0, 0, 0, 0};   /* 68 -> 67 */
    memcpy(out, tmpl, sizeof tmpl);
    fix_put16(out + 4, length);
}

static void test_ports_and_length(void **state)
{
    (void)state;
    uint8_t udp[8], frame[64];
    ps_packet pkt;
    udp_header(udp, 8);
    size_t n = fix_ipv4(frame, 17, udp, sizeof udp);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
    assert_int_equal(pkt.sport, 68);
    assert_int_equal(pkt.dport, 67);
    assert_int_equal(pkt.ip_bytes, 28);
    assert_int_equal(pkt.tcp_flags, 0);
    for (size_t caplen = 20; caplen < 28; caplen++) {
        assert_int_equal(fix_dissect(DLT_RAW, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_UDP);
        assert_int_equal(pkt.sport, 0);
    }
}

static void test_length_below_header(void **state)
{
    (void)state;
    static const uint16_t bad[] = {0, 1, 7};
    uint8_t udp[8], frame[64];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        udp_header(udp, bad[i]);
        size_t n = fix_ipv4(frame, 17, udp, sizeof udp);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_BAD_UDP_LENGTH);
        assert_int_equal(pkt.dport, 67);
        n = fix_ipv6(frame, 17, udp, sizeof udp);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_BAD_UDP_LENGTH);
    }
}

/* A length beyond the datagram is the checksum's business, not ours. */
static void test_length_beyond_datagram_accepted(void **state)
{
    (void)state;
    uint8_t udp[8], frame[64];
    ps_packet pkt;
    udp_header(udp, 0xffff);
    size_t n = fix_ipv4(frame, 17, udp, sizeof udp);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
}

/* RFC 2675: payload length 0, a hop-by-hop Jumbo Payload option, and a
 * UDP length of 0. */
static void test_jumbogram_zero_length(void **state)
{
    (void)state;
    uint8_t frame[96];
    ps_packet pkt;
    static const uint8_t hbh_jumbo[8] = {17, 0, 0xc2, 4, 0x00, 0x01, 0x00, 0x10};   /* 65552 */
    uint8_t payload[16];
    memcpy(payload, hbh_jumbo, 8);
    udp_header(payload + 8, 0);
    size_t n = fix_ipv6(frame, 0, payload, sizeof payload);
    fix_put16(frame + 4, 0);
    assert_int_equal(fix_dissect(DLT_RAW, frame, n, 65592, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.sport, 68);
    assert_int_equal(pkt.ip_bytes, 40);

    /* the same datagram with its real payload length is not a jumbogram */
    fix_put16(frame + 4, 16);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_UDP_LENGTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports_and_length),
        cmocka_unit_test(test_length_below_header),
        cmocka_unit_test(test_length_beyond_datagram_accepted),
        cmocka_unit_test(test_jumbogram_zero_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
