/* Linux cooked captures: DLT_LINUX_SLL (16-byte header) and DLT_LINUX_SLL2 (20). */
#include "dissect_fixtures.h"

#define SLL2 276

/* TCP 443 -> 51000, ACK|PSH, 20-byte header */
static const uint8_t tcp_ack[20] = {0x01, 0xbb, 0xc7, 0x38, 0, 0, 0, 1, 0, 0, 0, 2,
                                    0x50, 0x18, 0x01, 0x00, 0, 0, 0, 0};

static size_t sll_header(uint8_t *out, uint16_t protocol)
{
    static const uint8_t head[14] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06,
                                     0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00};
    memcpy(out, head, sizeof head);
    fix_put16(out + 14, protocol);
    return 16;
}

static size_t sll2_header(uint8_t *out, uint16_t protocol)
{
    static const uint8_t head[20] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                     0x00, 0x01, 0x04, 0x06,
                                     0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00};
    memcpy(out, head, sizeof head);
    fix_put16(out, protocol);
    return 20;
}

static void test_sll_ipv4_tcp(void **state)
{
    (void)state;
    uint8_t frame[64];
    ps_packet pkt;
    size_t n = sll_header(frame, 0x0800);
    n += fix_ipv4(frame + n, 6, tcp_ack, sizeof tcp_ack);
    assert_int_equal(n, 56);
    assert_int_equal(fix_dissect_all(DLT_LINUX_SLL, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.family, 4);
    assert_int_equal(pkt.sport, 443);
    assert_int_equal(pkt.dport, 51000);
    assert_int_equal(pkt.tcp_flags, PS_TCP_ACK | PS_TCP_PSH);
    assert_int_equal(pkt.ip_bytes, 40);
    assert_memory_equal(pkt.dst, fix_v4_dst, 4);

    for (size_t caplen = 0; caplen < 16; caplen++) {
        assert_int_equal(fix_dissect(DLT_LINUX_SLL, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_LINK);
    }
    assert_int_equal(fix_dissect(DLT_LINUX_SLL, frame, 16, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV4);
}

static void test_sll2_ipv6_tcp(void **state)
{
    (void)state;
    uint8_t frame[96];
    ps_packet pkt;
    size_t n = sll2_header(frame, 0x86dd);
    n += fix_ipv6(frame + n, 6, tcp_ack, sizeof tcp_ack);
    assert_int_equal(n, 80);
    assert_int_equal(fix_dissect_all(SLL2, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.sport, 443);
    assert_int_equal(pkt.dport, 51000);
    assert_int_equal(pkt.ip_bytes, 60);
    assert_memory_equal(pkt.src, fix_v6_src, 16);
    assert_memory_equal(pkt.dst, fix_v6_dst, 16);

    for (size_t caplen = 0; caplen < 20; caplen++) {
        assert_int_equal(fix_dissect(SLL2, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_LINK);
    }
    for (size_t caplen = 20; caplen < 60; caplen++) {
        assert_int_equal(fix_dissect(SLL2, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV6);
    }
    for (size_t caplen = 60; caplen < 80; caplen++) {
        assert_int_equal(fix_dissect(SLL2, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_TCP);
    }
}

/* ETH_P_802_2, ETH_P_CAN, ARP: Linux pseudo-protocols and other EtherTypes. */
static void test_cooked_non_ip(void **state)
{
    (void)state;
    static const uint16_t protocols[] = {0x0004, 0x000c, 0x0806, 0x0001};
    uint8_t frame[64] = {0};
    ps_packet pkt;
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++) {
        sll_header(frame, protocols[i]);
        frame[16] = 0x45;
        assert_int_equal(fix_dissect_all(DLT_LINUX_SLL, frame, sizeof frame, &pkt), PS_PKT_NON_IP);
        sll2_header(frame, protocols[i]);
        frame[20] = 0x45;
        assert_int_equal(fix_dissect_all(SLL2, frame, sizeof frame, &pkt), PS_PKT_NON_IP);
    }
}

/* libpcap re-inserts the VLAN tag the kernel stripped, also on cooked links. */
static void test_cooked_vlan(void **state)
{
    (void)state;
    uint8_t frame[96];
    ps_packet pkt;
    size_t n = sll_header(frame, 0x8100);
    fix_put16(frame + n, 0x002a);
    fix_put16(frame + n + 2, 0x0800);
    n += 4;
    n += fix_ipv4(frame + n, 6, tcp_ack, sizeof tcp_ack);
    assert_int_equal(fix_dissect_all(DLT_LINUX_SLL, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.vlan_depth, 1);
    assert_int_equal(pkt.vlan_id, 42);
    assert_int_equal(pkt.dport, 51000);

    n = sll2_header(frame, 0x8100);
    fix_put16(frame + n, 0x0007);
    fix_put16(frame + n + 2, 0x86dd);
    n += 4;
    n += fix_ipv6(frame + n, 6, tcp_ack, sizeof tcp_ack);
    assert_int_equal(fix_dissect_all(SLL2, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.vlan_id, 7);
    assert_int_equal(pkt.family, 6);

    assert_int_equal(fix_dissect(SLL2, frame, 22, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_VLAN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sll_ipv4_tcp),
        cmocka_unit_test(test_sll2_ipv6_tcp),
        cmocka_unit_test(test_cooked_non_ip),
        cmocka_unit_test(test_cooked_vlan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
