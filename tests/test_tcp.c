/* TCP (RFC 9293 section 3.1): ports, flags, data offset. */
#include "dissect_fixtures.h"

/* 49152 -> 443, data offset 5, flags set per test */
static void tcp_header(uint8_t out[20], uint8_t offset_words, uint8_t flags)
{
    static const uint8_t tmpl[20] = {0xc0, 0x00, 0x01, 0xbb, 0x11, 0x22, 0x33, 0x44,
                                     0x55, 0x66, 0x77, 0x88, 0x50, 0x00, 0x72, 0x10,
                                     0x00, 0x00, 0x00, 0x00};
    memcpy(out, tmpl, sizeof tmpl);
    out[12] = (uint8_t)(offset_words << 4);
    out[13] = flags;
}

static ps_packet_kind tcp_over_ipv4(const uint8_t *tcp, size_t len, size_t caplen, ps_packet *pkt)
{
    uint8_t frame[128];
    size_t n = fix_ipv4(frame, 6, tcp, len);
    return fix_dissect(DLT_RAW, frame, caplen ? caplen : n, n, pkt);
}

static void test_each_flag_bit(void **state)
{
    (void)state;
    static const uint8_t flags[] = {PS_TCP_FIN, PS_TCP_SYN, PS_TCP_RST, PS_TCP_PSH, PS_TCP_ACK,
                                    PS_TCP_URG, PS_TCP_ECE, PS_TCP_CWR,
                                    PS_TCP_SYN | PS_TCP_ACK | PS_TCP_ECE, 0xff, 0x00};
    static const uint8_t wire[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x52, 0xff, 0x00};
    uint8_t tcp[20];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof flags; i++) {
        tcp_header(tcp, 5, wire[i]);
        assert_int_equal(tcp_over_ipv4(tcp, sizeof tcp, 0, &pkt), PS_PKT_TRANSPORT);
        assert_int_equal(pkt.tcp_flags, flags[i]);
        assert_int_equal(pkt.transport, PS_TRANSPORT_TCP);
        assert_int_equal(pkt.sport, 49152);
        assert_int_equal(pkt.dport, 443);
    }
}

/* The reserved bits beside the data offset (and the old NS bit) are not flags. */
static void test_reserved_bits_ignored(void **state)
{
    (void)state;
    uint8_t tcp[20];
    ps_packet pkt;
    tcp_header(tcp, 5, PS_TCP_ACK);
    tcp[12] |= 0x0f;
    assert_int_equal(tcp_over_ipv4(tcp, sizeof tcp, 0, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.tcp_flags, PS_TCP_ACK);
}

static void test_data_offset(void **state)
{
    (void)state;
    uint8_t tcp[60] = {0};
    ps_packet pkt;
    for (uint8_t words = 0; words < 5; words++) {
        tcp_header(tcp, words, PS_TCP_SYN);
        assert_int_equal(tcp_over_ipv4(tcp, 20, 0, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_BAD_TCP_OFFSET);
        assert_int_equal(pkt.sport, 49152);   /* what was read stays filled */
        assert_int_equal(pkt.tcp_flags, 0);
    }
    /* offset 15: 40 bytes of options, present or cut by the snaplen */
    tcp_header(tcp, 15, PS_TCP_SYN);
    assert_int_equal(tcp_over_ipv4(tcp, 60, 0, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.ip_bytes, 80);
    assert_int_equal(tcp_over_ipv4(tcp, 60, 40, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.tcp_flags, PS_TCP_SYN);
}

static void test_truncated_fixed_header(void **state)
{
    (void)state;
    uint8_t tcp[20];
    ps_packet pkt;
    tcp_header(tcp, 5, PS_TCP_FIN | PS_TCP_ACK);
    for (size_t caplen = 20; caplen < 40; caplen++) {
        assert_int_equal(tcp_over_ipv4(tcp, sizeof tcp, caplen, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_TCP);
        assert_int_equal(pkt.transport, PS_TRANSPORT_NONE);
        assert_int_equal(pkt.ip_proto, 6);
    }
    assert_int_equal(tcp_over_ipv4(tcp, sizeof tcp, 40, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.tcp_flags, PS_TCP_FIN | PS_TCP_ACK);
}

static void test_over_ipv6(void **state)
{
    (void)state;
    uint8_t tcp[20], frame[128];
    ps_packet pkt;
    tcp_header(tcp, 5, PS_TCP_RST);
    size_t n = fix_ipv6(frame, 6, tcp, sizeof tcp);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.tcp_flags, PS_TCP_RST);
    assert_int_equal(pkt.dport, 443);
    assert_int_equal(pkt.family, 6);
    for (size_t caplen = 40; caplen < 60; caplen++) {
        assert_int_equal(fix_dissect(DLT_RAW, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_TCP);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_flag_bit),
        cmocka_unit_test(test_reserved_bits_ignored),
        cmocka_unit_test(test_data_offset),
        cmocka_unit_test(test_truncated_fixed_header),
        cmocka_unit_test(test_over_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
