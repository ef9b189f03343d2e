/* Ethernet II, IEEE 802.3 and stacked 802.1Q/802.1ad tags (DLT_EN10MB). */
#include "dissect_fixtures.h"

/* Ethernet / IPv4 / TCP SYN 192.0.2.1:50000 -> 198.51.100.2:80, 20 bytes of options. */
static const uint8_t syn_frame[74] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
    192, 0, 2, 1, 198, 51, 100, 2,
    0xc3, 0x50, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void test_ipv4_tcp_syn(void **state)
{
    (void)state;
    ps_packet pkt;
    assert_int_equal(fix_dissect_all(DLT_EN10MB, syn_frame, sizeof syn_frame, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.family, 4);
    assert_int_equal(pkt.transport, PS_TRANSPORT_TCP);
    assert_int_equal(pkt.ip_proto, 6);
    assert_int_equal(pkt.sport, 50000);
    assert_int_equal(pkt.dport, 80);
    assert_int_equal(pkt.tcp_flags, PS_TCP_SYN);
    assert_int_equal(pkt.ip_bytes, 60);
    assert_int_equal(pkt.frag, PS_FRAG_NONE);
    assert_int_equal(pkt.frag_id, 0x1c46);
    assert_int_equal(pkt.vlan_depth, 0);
    assert_int_equal(pkt.vlan_id, 0);
    assert_memory_equal(pkt.src, fix_v4_src, 4);
    assert_memory_equal(pkt.dst, fix_v4_dst, 4);
    static const uint8_t zero12[12] = {0};
    assert_memory_equal(pkt.src + 4, zero12, 12);
    assert_memory_equal(pkt.dst + 4, zero12, 12);
    assert_int_equal(pkt.sctp_chunks, 0);
    assert_int_equal(pkt.dccp_has_service_code, 0);
}

/* Every capture length from 0 to the whole frame: the reason names the
 * first header that is incomplete; the options need not be captured. */
static void test_every_truncation_point(void **state)
{
    (void)state;
    ps_packet pkt;
    for (size_t caplen = 0; caplen <= sizeof syn_frame; caplen++) {
        ps_packet_kind kind = fix_dissect(DLT_EN10MB, syn_frame, caplen, sizeof syn_frame, &pkt);
        if (caplen < 14) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_LINK);
            assert_int_equal(pkt.family, 0);
        } else if (caplen < 34) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV4);
        } else if (caplen < 54) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_TCP);
            assert_int_equal(pkt.family, 4);
            assert_int_equal(pkt.ip_bytes, 60);
        } else {
            assert_int_equal(kind, PS_PKT_TRANSPORT);
            assert_int_equal(pkt.sport, 50000);
            assert_int_equal(pkt.dport, 80);
            assert_int_equal(pkt.tcp_flags, PS_TCP_SYN);
            assert_int_equal(pkt.ip_bytes, 60);
            assert_int_equal(pkt.wire_len, 74);
        }
    }
}

/* Callers reuse one struct: whatever it held before, the same frame must
 * leave the same bytes, padding included (up to the encapsulation layers,
 * which hold only what encap_depth says). */
static void test_struct_is_filled_deterministically(void **state)
{
    (void)state;
    ps_packet a, b;
    memset(&a, 0x00, sizeof a);
    memset(&b, 0xff, sizeof b);
    dissect_frame(DLT_EN10MB, syn_frame, sizeof syn_frame, 1000, 42, &a);
    dissect_frame(DLT_EN10MB, syn_frame, sizeof syn_frame, 1000, 42, &b);
    assert_memory_equal(&a, &b, PS_PACKET_CLEAR_LEN);
    assert_int_equal(a.encap_depth, 0);
    assert_int_equal(a.wire_len, 1000);
    assert_int_equal(a.ts_ns, 42);

    static const uint8_t arp[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 0x08, 0x06};
    dissect_frame(DLT_EN10MB, arp, sizeof arp, 60, 43, &a);
    memset(&b, 0, sizeof b);
    b.ts_ns = 43;
    b.wire_len = 60;
    b.cap_len = 14;
    b.kind = PS_PKT_NON_IP;
    assert_memory_equal(&a, &b, sizeof a);
}

static size_t ether_header(uint8_t *out, uint16_t type)
{
    static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    memcpy(out, macs, sizeof macs);
    fix_put16(out + 12, type);
    return 14;
}

static void test_non_ip_ethertypes_and_8023_lengths(void **state)
{
    (void)state;
    static const uint16_t types[] = {0x0806, 0x88cc, 0x8863, 0x0600, 0x002e, 0x05dc, 0x05ff, 0x0000};
    uint8_t frame[64] = {0};
    ps_packet pkt;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        ether_header(frame, types[i]);
        /* an IPv4-looking payload must not fool a non-IP type */
        frame[14] = 0x45;
        assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, sizeof frame, &pkt), PS_PKT_NON_IP);
        assert_int_equal(pkt.family, 0);
        assert_int_equal(pkt.ip_proto, 0);
    }
}

/* UDP 10.0.0.1:5353 -> 10.0.0.2:53 with an 8-byte payload, IHL 5. */
static size_t udp4(uint8_t *out)
{
    static const uint8_t udp[16] = {0x14, 0xe9, 0x00, 0x35, 0x00, 0x10, 0x00, 0x00,
                                    1, 2, 3, 4, 5, 6, 7, 8};
    return fix_ipv4(out, 17, udp, sizeof udp);
}

static void test_single_8021q_tag(void **state)
{
    (void)state;
    uint8_t frame[80];
    ps_packet pkt;
    size_t n = ether_header(frame, 0x8100);
    fix_put16(frame + n, 0x6064);            /* PCP 3, DEI 0, VID 100 */
    fix_put16(frame + n + 2, 0x0800);
    n += 4;
    n += udp4(frame + n);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.vlan_depth, 1);
    assert_int_equal(pkt.vlan_id, 100);
    assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
    assert_int_equal(pkt.sport, 5353);
    assert_int_equal(pkt.dport, 53);
    assert_int_equal(pkt.ip_bytes, 36);
}

static void test_qinq_reports_outer_tag(void **state)
{
    (void)state;
    static const uint8_t udp[8] = {0x02, 0x22, 0x02, 0x23, 0x00, 0x08, 0x00, 0x00};
    uint8_t frame[120];
    ps_packet pkt;
    size_t n = ether_header(frame, 0x88a8);
    fix_put16(frame + n, 0x10c8);            /* DEI set, VID 200 */
    fix_put16(frame + n + 2, 0x8100);
    fix_put16(frame + n + 4, 0xe064);        /* PCP 7, VID 100 */
    fix_put16(frame + n + 6, 0x86dd);
    n += 8;
    n += fix_ipv6(frame + n, 17, udp, sizeof udp);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.vlan_depth, 2);
    assert_int_equal(pkt.vlan_id, 200);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.sport, 546);
    assert_int_equal(pkt.dport, 547);
    assert_int_equal(pkt.ip_bytes, 48);
    assert_memory_equal(pkt.src, fix_v6_src, 16);
}

static void test_9100_tag_over_arp(void **state)
{
    (void)state;
    uint8_t frame[60] = {0};
    ps_packet pkt;
    size_t n = ether_header(frame, 0x9100);
    fix_put16(frame + n, 0x0fff);
    fix_put16(frame + n + 2, 0x0806);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, sizeof frame, &pkt), PS_PKT_NON_IP);
    assert_int_equal(pkt.vlan_depth, 1);
    assert_int_equal(pkt.vlan_id, 4095);
}

/* depth tags (VIDs 1, 2, ...) before an IPv4/UDP datagram. */
static size_t stacked_tags(uint8_t *frame, int depth)
{
    size_t n = ether_header(frame, 0x88a8);
    for (int i = 1; i <= depth; i++) {
        fix_put16(frame + n, (uint16_t)i);
        fix_put16(frame + n + 2, i < depth ? 0x8100 : 0x0800);
        n += 4;
    }
    return n + udp4(frame + n);
}

static void test_tag_depth_limit(void **state)
{
    (void)state;
    uint8_t frame[128];
    ps_packet pkt;
    size_t n = stacked_tags(frame, 8);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.vlan_depth, 8);
    assert_int_equal(pkt.vlan_id, 1);
    assert_int_equal(pkt.dport, 53);

    n = stacked_tags(frame, 9);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_VLAN_DEPTH);
    assert_int_equal(pkt.vlan_depth, 8);
    assert_int_equal(pkt.vlan_id, 1);
}

static void test_truncated_tags(void **state)
{
    (void)state;
    uint8_t frame[128];
    ps_packet pkt;
    size_t n = stacked_tags(frame, 2);   /* tags at 14..17 and 18..21 */
    for (size_t caplen = 14; caplen < 22; caplen++) {
        assert_int_equal(fix_dissect(DLT_EN10MB, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_VLAN);
        assert_int_equal(pkt.vlan_depth, caplen < 18 ? 0 : 1);
    }
    assert_int_equal(fix_dissect(DLT_EN10MB, frame, 22, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV4);
    assert_int_equal(pkt.vlan_depth, 2);
}

static void test_8023_frame_inside_tag(void **state)
{
    (void)state;
    uint8_t frame[64] = {0};
    ps_packet pkt;
    size_t n = ether_header(frame, 0x8100);
    fix_put16(frame + n, 5);
    fix_put16(frame + n + 2, 0x0026);        /* a length: LLC follows */
    frame[n + 4] = 0x45;
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, sizeof frame, &pkt), PS_PKT_NON_IP);
    assert_int_equal(pkt.vlan_id, 5);
}

static void test_link_support(void **state)
{
    (void)state;
    assert_true(dissect_link_supported(DLT_EN10MB));
    assert_true(dissect_link_supported(DLT_LINUX_SLL));
    assert_true(dissect_link_supported(276));   /* DLT_LINUX_SLL2 */
    assert_true(dissect_link_supported(DLT_RAW));
    assert_true(dissect_link_supported(101));   /* LINKTYPE_RAW */
    assert_true(dissect_link_supported(228));   /* DLT_IPV4 */
    assert_true(dissect_link_supported(229));   /* DLT_IPV6 */
    assert_true(dissect_link_supported(DLT_NULL));
    assert_true(dissect_link_supported(DLT_LOOP));
    assert_true(dissect_link_supported(108));   /* LINKTYPE_LOOP */
    assert_true(dissect_link_supported(105));   /* IEEE 802.11 */
    assert_true(dissect_link_supported(127));   /* radiotap */
    assert_true(dissect_link_supported(192));   /* PPI */
    assert_false(dissect_link_supported(187));  /* Bluetooth HCI H4 */
    assert_false(dissect_link_supported(189));  /* Linux USB */
    assert_false(dissect_link_supported(-1));
    assert_false(dissect_link_supported(6));    /* IEEE 802.5 */
}

static void test_unsupported_link(void **state)
{
    (void)state;
    ps_packet pkt;
    assert_int_equal(fix_dissect_all(187, syn_frame, sizeof syn_frame, &pkt), PS_PKT_UNSUPPORTED_LINK);
    assert_int_equal(pkt.family, 0);
    assert_int_equal(pkt.sport, 0);
    assert_int_equal(pkt.malformed, PS_MAL_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_tcp_syn),
        cmocka_unit_test(test_every_truncation_point),
        cmocka_unit_test(test_struct_is_filled_deterministically),
        cmocka_unit_test(test_non_ip_ethertypes_and_8023_lengths),
        cmocka_unit_test(test_single_8021q_tag),
        cmocka_unit_test(test_qinq_reports_outer_tag),
        cmocka_unit_test(test_9100_tag_over_arp),
        cmocka_unit_test(test_tag_depth_limit),
        cmocka_unit_test(test_truncated_tags),
        cmocka_unit_test(test_8023_frame_inside_tag),
        cmocka_unit_test(test_link_support),
        cmocka_unit_test(test_unsupported_link),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
