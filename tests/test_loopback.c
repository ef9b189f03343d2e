/* BSD loopback (DLT_NULL, DLT_LOOP) and raw IP (DLT_RAW, LINKTYPE_RAW,
 * DLT_IPV4, DLT_IPV6) links. */
#include "dissect_fixtures.h"

#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define DLT_IPV4_VALUE 228
#define DLT_IPV6_VALUE 229

/* UDP 123 -> 123 (NTP), 8 bytes of payload */
static const uint8_t ntp[16] = {0x00, 0x7b, 0x00, 0x7b, 0x00, 0x10, 0x00, 0x00,
                                0xe3, 0, 0, 0, 0, 0, 0, 0};

static size_t loopback_frame(uint8_t *out, const uint8_t af[4], int family)
{
    memcpy(out, af, 4);
    if (family == 4)
        return 4 + fix_ipv4(out + 4, 17, ntp, sizeof ntp);
    return 4 + fix_ipv6(out + 4, 17, ntp, sizeof ntp);
}

static void expect_ntp(int dlt, const uint8_t *frame, size_t n, int family)
{
    ps_packet pkt;
    assert_int_equal(fix_dissect_all(dlt, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.family, family);
    assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
    assert_int_equal(pkt.sport, 123);
    assert_int_equal(pkt.dport, 123);
    assert_int_equal(pkt.ip_bytes, family == 4 ? 36 : 56);
}

static void test_null_either_byte_order(void **state)
{
    (void)state;
    static const uint8_t v4_le[4] = {2, 0, 0, 0}, v4_be[4] = {0, 0, 0, 2};
    uint8_t frame[96];
    size_t n = loopback_frame(frame, v4_le, 4);
    expect_ntp(DLT_NULL, frame, n, 4);
    n = loopback_frame(frame, v4_be, 4);
    expect_ntp(DLT_NULL, frame, n, 4);
}

/* AF_INET6 of Linux, NetBSD/OpenBSD, FreeBSD, Darwin, written little- and big-endian. */
static void test_null_every_inet6_value(void **state)
{
    (void)state;
    static const uint8_t afs[] = {10, 24, 28, 30};
    uint8_t frame[96];
    for (size_t i = 0; i < sizeof afs; i++) {
        const uint8_t le[4] = {afs[i], 0, 0, 0}, be[4] = {0, 0, 0, afs[i]};
        size_t n = loopback_frame(frame, le, 6);
        expect_ntp(DLT_NULL, frame, n, 6);
        n = loopback_frame(frame, be, 6);
        expect_ntp(DLT_NULL, frame, n, 6);
    }
}

static void test_null_other_families_and_truncation(void **state)
{
    (void)state;
    static const uint8_t other[][4] = {{0, 0, 0, 0}, {7, 0, 0, 0}, {0, 0, 0, 26}, {0, 2, 0, 0}};
    uint8_t frame[96];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        size_t n = loopback_frame(frame, other[i], 4);
        assert_int_equal(fix_dissect_all(DLT_NULL, frame, n, &pkt), PS_PKT_NON_IP);
    }
    static const uint8_t v4_le[4] = {2, 0, 0, 0};
    size_t n = loopback_frame(frame, v4_le, 4);
    for (size_t caplen = 0; caplen < 4; caplen++) {
        assert_int_equal(fix_dissect(DLT_NULL, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_LINK);
    }
    assert_int_equal(fix_dissect(DLT_NULL, frame, 4, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV4);
}

/* DLT_LOOP is always network byte order: a little-endian 2 is not AF_INET. */
static void test_loop_network_order_only(void **state)
{
    (void)state;
    static const uint8_t v4_be[4] = {0, 0, 0, 2}, v6_be[4] = {0, 0, 0, 24};
    static const uint8_t v4_le[4] = {2, 0, 0, 0};
    uint8_t frame[96];
    ps_packet pkt;
    size_t n = loopback_frame(frame, v4_be, 4);
    expect_ntp(DLT_LOOP, frame, n, 4);
    expect_ntp(LINKTYPE_LOOP, frame, n, 4);
    n = loopback_frame(frame, v6_be, 6);
    expect_ntp(DLT_LOOP, frame, n, 6);
    n = loopback_frame(frame, v4_le, 4);
    assert_int_equal(fix_dissect_all(DLT_LOOP, frame, n, &pkt), PS_PKT_NON_IP);
    assert_int_equal(fix_dissect(DLT_LOOP, frame, 3, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_LINK);
}

static void test_raw_version_nibble(void **state)
{
    (void)state;
    uint8_t frame[96];
    ps_packet pkt;
    size_t n4 = fix_ipv4(frame, 17, ntp, sizeof ntp);
    expect_ntp(DLT_RAW, frame, n4, 4);
    expect_ntp(LINKTYPE_RAW, frame, n4, 4);
    expect_ntp(DLT_IPV4_VALUE, frame, n4, 4);
    assert_int_equal(fix_dissect_all(DLT_IPV6_VALUE, frame, n4, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV6_VERSION);

    size_t n6 = fix_ipv6(frame, 17, ntp, sizeof ntp);
    expect_ntp(DLT_RAW, frame, n6, 6);
    expect_ntp(LINKTYPE_RAW, frame, n6, 6);
    expect_ntp(DLT_IPV6_VALUE, frame, n6, 6);
    assert_int_equal(fix_dissect_all(DLT_IPV4_VALUE, frame, n6, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV4_VERSION);

    frame[0] = 0x55;
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n6, &pkt), PS_PKT_NON_IP);
    assert_int_equal(fix_dissect(DLT_RAW, frame, 0, n6, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_LINK);
    assert_int_equal(fix_dissect(DLT_IPV4_VALUE, frame, 0, n6, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV4);
    assert_int_equal(fix_dissect(DLT_IPV6_VALUE, frame, 0, n6, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_either_byte_order),
        cmocka_unit_test(test_null_every_inet6_value),
        cmocka_unit_test(test_null_other_families_and_truncation),
        cmocka_unit_test(test_loop_network_order_only),
        cmocka_unit_test(test_raw_version_nibble),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
