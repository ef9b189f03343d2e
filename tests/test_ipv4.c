/* IPv4 (RFC 791): header checks, options, fragments, lengths. */
#include "dissect_fixtures.h"

#define DLT_IPV4_VALUE 228

/* UDP 40000 -> 53, length 12 */
static const uint8_t udp_dns[12] = {0x9c, 0x40, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd'};

/* An IPv4 header with the given fields, 192.0.2.1 -> 198.51.100.2. */
static size_t ipv4_header(uint8_t *out, uint8_t version_ihl, uint16_t total,
                          uint16_t ident, uint16_t flags_offset, uint8_t proto)
{
    size_t header_len = (size_t)(version_ihl & 0x0f) * 4;
    memset(out, 0, header_len < 20 ? 20 : header_len);
    out[0] = version_ihl;
    fix_put16(out + 2, total);
    fix_put16(out + 4, ident);
    fix_put16(out + 6, flags_offset);
    out[8] = 64;
    out[9] = proto;
    memcpy(out + 12, fix_v4_src, 4);
    memcpy(out + 16, fix_v4_dst, 4);
    return header_len < 20 ? 20 : header_len;
}

static void test_options_are_skipped(void **state)
{
    (void)state;
    uint8_t frame[64];
    ps_packet pkt;
    size_t n = ipv4_header(frame, 0x47, 28 + sizeof udp_dns, 7, 0, 17);
    static const uint8_t rr_option[8] = {0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00};  /* record route, EOL */
    memcpy(frame + 20, rr_option, sizeof rr_option);
    memcpy(frame + n, udp_dns, sizeof udp_dns);
    n += sizeof udp_dns;
    assert_int_equal(n, 40);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.sport, 40000);
    assert_int_equal(pkt.dport, 53);
    assert_int_equal(pkt.ip_bytes, 40);
    assert_int_equal(pkt.frag_id, 7);

    /* the options must be captured to reach the transport header */
    for (size_t caplen = 1; caplen < 28; caplen++) {
        assert_int_equal(fix_dissect(DLT_RAW, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV4);
        assert_int_equal(pkt.family, 0);
    }
    for (size_t caplen = 28; caplen < 36; caplen++) {
        assert_int_equal(fix_dissect(DLT_RAW, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_UDP);
        assert_int_equal(pkt.family, 4);
    }
}

static void test_bad_version_and_ihl(void **state)
{
    (void)state;
    uint8_t frame[64];
    ps_packet pkt;
    static const uint8_t bad_ihl[] = {0x40, 0x41, 0x44};
    for (size_t i = 0; i < sizeof bad_ihl; i++) {
        size_t n = ipv4_header(frame, bad_ihl[i], 40, 1, 0, 17);
        memcpy(frame + n, udp_dns, sizeof udp_dns);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, 40, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV4_IHL);
    }
    ipv4_header(frame, 0x65, 40, 1, 0, 17);
    assert_int_equal(fix_dissect_all(DLT_IPV4_VALUE, frame, 40, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV4_VERSION);
    assert_int_equal(fix_dissect(DLT_IPV4_VALUE, frame, 1, 40, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV4_VERSION);
}

static void test_total_length_below_header(void **state)
{
    (void)state;
    uint8_t frame[64];
    ps_packet pkt;
    size_t n = ipv4_header(frame, 0x45, 19, 1, 0, 17);
    memcpy(frame + n, udp_dns, sizeof udp_dns);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, 32, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV4_LENGTH);

    n = ipv4_header(frame, 0x46, 23, 1, 0, 17);
    memcpy(frame + n, udp_dns, sizeof udp_dns);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, 36, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV4_LENGTH);
}

/* A total length that leaves no room for the transport header bounds the
 * datagram even though more bytes were captured. */
static void test_total_length_bounds_transport(void **state)
{
    (void)state;
    uint8_t frame[64];
    ps_packet pkt;
    size_t n = ipv4_header(frame, 0x45, 26, 1, 0, 17);
    memcpy(frame + n, udp_dns, sizeof udp_dns);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, 32, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_UDP);
    assert_int_equal(pkt.ip_bytes, 26);
}

/* Snaplen 34 of a 1500-byte datagram: the header's length is reported. */
static void test_snaplen_cut_payload(void **state)
{
    (void)state;
    uint8_t frame[64];
    ps_packet pkt;
    size_t n = ipv4_header(frame, 0x45, 1500, 9, 0x4000, 17);   /* DF */
    memcpy(frame + n, udp_dns, sizeof udp_dns);
    assert_int_equal(fix_dissect(DLT_RAW, frame, 28, 1500, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.ip_bytes, 1500);
    assert_int_equal(pkt.frag, PS_FRAG_NONE);
    assert_int_equal(pkt.dport, 53);
}

/* Outgoing TSO super-packets as Linux captures them: total length 0. */
static void test_tso_zero_total_length(void **state)
{
    (void)state;
    uint8_t frame[128] = {0};
    ps_packet pkt;
    static const uint8_t tcp[20] = {0x00, 0x16, 0xd4, 0x31, 0, 0, 0, 1, 0, 0, 0, 1,
                                    0x50, 0x10, 0x01, 0x00, 0, 0, 0, 0};
    fix_put16(frame + 12, 0x0800);
    size_t n = 14 + ipv4_header(frame + 14, 0x45, 0, 3, 0x4000, 6);
    memcpy(frame + n, tcp, sizeof tcp);
    n += sizeof tcp;
    assert_int_equal(fix_dissect(DLT_EN10MB, frame, n, 14 + 20 + 20 + 2896, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.ip_bytes, 20 + 20 + 2896);
    assert_int_equal(pkt.sport, 22);
    assert_int_equal(pkt.dport, 54321);
    assert_int_equal(pkt.tcp_flags, PS_TCP_ACK);
}

static void test_first_fragment_keeps_ports(void **state)
{
    (void)state;
    uint8_t frame[64];
    ps_packet pkt;
    size_t n = ipv4_header(frame, 0x45, 32, 0xabcd, 0x2000, 17);   /* MF, offset 0 */
    memcpy(frame + n, udp_dns, sizeof udp_dns);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, 32, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.frag, PS_FRAG_FIRST);
    assert_int_equal(pkt.frag_id, 0xabcd);
    assert_int_equal(pkt.sport, 40000);
    assert_int_equal(pkt.dport, 53);
}

static void test_later_fragment(void **state)
{
    (void)state;
    static const uint16_t offsets[] = {0x20b9, 0x00b9, 0x0001, 0x3fff};   /* with and without MF */
    uint8_t frame[64];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        size_t n = ipv4_header(frame, 0x45, 32, 0xabcd, offsets[i], 17);
        memcpy(frame + n, udp_dns, sizeof udp_dns);
        /* the payload is not needed, so a header-only capture is enough */
        for (size_t caplen = 20; caplen <= 32; caplen += 12) {
            assert_int_equal(fix_dissect(DLT_RAW, frame, caplen, 32, &pkt), PS_PKT_FRAGMENT);
            assert_int_equal(pkt.frag, PS_FRAG_LATER);
            assert_int_equal(pkt.frag_id, 0xabcd);
            assert_int_equal(pkt.ip_proto, 17);
            assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
            assert_int_equal(pkt.family, 4);
            assert_int_equal(pkt.ip_bytes, 32);
            assert_int_equal(pkt.sport, 0);
            assert_int_equal(pkt.dport, 0);
            assert_memory_equal(pkt.src, fix_v4_src, 4);
            assert_memory_equal(pkt.dst, fix_v4_dst, 4);
        }
    }
}

static void test_protocols_without_ports(void **state)
{
    (void)state;
    /* 58 is ICMPv6 only over IPv6: over IPv4 it is just a protocol number. */
    static const uint8_t protos[] = {2, 47, 50, 51, 58, 89, 136, 255, 0};
    static const uint8_t echo[8] = {8, 0, 0, 0, 0, 1, 0, 1};
    uint8_t frame[64];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof protos; i++) {
        size_t n = ipv4_header(frame, 0x45, 28, 1, 0, protos[i]);
        memcpy(frame + n, echo, sizeof echo);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, 28, &pkt), PS_PKT_OTHER_IP);
        assert_int_equal(pkt.ip_proto, protos[i]);
        assert_int_equal(pkt.transport, PS_TRANSPORT_NONE);
        assert_int_equal(pkt.family, 4);
        assert_int_equal(pkt.ip_bytes, 28);
        assert_memory_equal(pkt.dst, fix_v4_dst, 4);
    }
}

/* ICMP is a flow: the type, and the counterpart type (echo request 8 and
 * reply 0) or, for a one-way message, the code, stand in for the ports. */
static void test_icmp(void **state)
{
    (void)state;
    static const struct { uint8_t type, code; uint16_t sport, dport; } cases[] = {
        {8, 0, 8, 0}, {0, 0, 0, 8}, {13, 0, 13, 14}, {3, 3, 3, 3}, {11, 1, 11, 1}, {5, 2, 5, 2},
    };
    uint8_t frame[64];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = ipv4_header(frame, 0x45, 28, 1, 0, 1);
        const uint8_t icmp[8] = {cases[i].type, cases[i].code, 0, 0, 0, 1, 0, 1};
        memcpy(frame + n, icmp, sizeof icmp);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, 28, &pkt), PS_PKT_TRANSPORT);
        assert_int_equal(pkt.ip_proto, 1);
        assert_int_equal(pkt.transport, PS_TRANSPORT_ICMP);
        assert_int_equal(pkt.sport, cases[i].sport);
        assert_int_equal(pkt.dport, cases[i].dport);
        assert_int_equal(pkt.ip_bytes, 28);
    }
    /* Type, code and checksum are needed; fewer bytes are a counted reason. */
    size_t n = ipv4_header(frame, 0x45, 23, 1, 0, 1);
    memset(frame + n, 8, 3);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, 23, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_ICMP);
    assert_string_equal(ps_malformed_name(PS_MAL_SHORT_ICMP), "short-icmp-header");
    n = ipv4_header(frame, 0x45, 24, 1, 0, 1);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, 24, &pkt), PS_PKT_TRANSPORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_are_skipped),
        cmocka_unit_test(test_icmp),
        cmocka_unit_test(test_bad_version_and_ihl),
        cmocka_unit_test(test_total_length_below_header),
        cmocka_unit_test(test_total_length_bounds_transport),
        cmocka_unit_test(test_snaplen_cut_payload),
        cmocka_unit_test(test_tso_zero_total_length),
        cmocka_unit_test(test_first_fragment_keeps_ports),
        cmocka_unit_test(test_later_fragment),
        cmocka_unit_test(test_protocols_without_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
