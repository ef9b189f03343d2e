/* IPv6 (RFC 8200): fixed header and the extension-header chain. */
#include "dissect_fixtures.h"

#define DLT_IPV6_VALUE 229

/* UDP 5060 -> 5061, length 12 */
static const uint8_t udp_sip[12] = {0x13, 0xc4, 0x13, 0xc5, 0x00, 0x0c, 0x00, 0x00, 1, 2, 3, 4};

/* Appends an extension header of `len` bytes with the given next header and
 * length field; the body is filled with 0x01 (PadN-looking) bytes. */
static size_t ext(uint8_t *out, uint8_t next, uint8_t len_field, size_t len)
{
    memset(out, 0x01, len);
    out[0] = next;
    out[1] = len_field;
    return len;
}

static size_t frag_header(uint8_t *out, uint8_t next, uint16_t offset_m, uint32_t ident)
{
    out[0] = next;
    out[1] = 0;
    fix_put16(out + 2, offset_m);
    out[4] = (uint8_t)(ident >> 24);
    out[5] = (uint8_t)(ident >> 16);
    out[6] = (uint8_t)(ident >> 8);
    out[7] = (uint8_t)ident;
    return 8;
}

/* IPv6 header whose payload is the `len` bytes already at out + 40. */
static size_t wrap6(uint8_t *out, uint8_t next, size_t len)
{
    uint8_t payload[512];
    memcpy(payload, out + 40, len);
    return fix_ipv6(out, next, payload, len);
}

static void test_plain_udp(void **state)
{
    (void)state;
    uint8_t frame[128];
    ps_packet pkt;
    size_t n = fix_ipv6(frame, 17, udp_sip, sizeof udp_sip);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.ip_proto, 17);
    assert_int_equal(pkt.sport, 5060);
    assert_int_equal(pkt.dport, 5061);
    assert_int_equal(pkt.ip_bytes, 52);
    assert_int_equal(pkt.frag, PS_FRAG_NONE);
    assert_int_equal(pkt.frag_id, 0);
    assert_memory_equal(pkt.src, fix_v6_src, 16);
    assert_memory_equal(pkt.dst, fix_v6_dst, 16);
}

/* hop-by-hop(8) routing(24) destination options(16) AH(24) UDP */
static size_t common_chain(uint8_t *frame)
{
    size_t n = 40;
    n += ext(frame + n, 43, 0, 8);
    n += ext(frame + n, 60, 2, 24);
    n += ext(frame + n, 51, 1, 16);
    n += ext(frame + n, 17, 4, 24);   /* RFC 4302: (4 + 2) * 4 = 24 bytes */
    memcpy(frame + n, udp_sip, sizeof udp_sip);
    n += sizeof udp_sip;
    return wrap6(frame, 0, n - 40);
}

static void test_common_extension_chain(void **state)
{
    (void)state;
    uint8_t frame[256];
    ps_packet pkt;
    size_t n = common_chain(frame);
    assert_int_equal(n, 124);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.ip_proto, 17);
    assert_int_equal(pkt.sport, 5060);
    assert_int_equal(pkt.dport, 5061);
    assert_int_equal(pkt.ip_bytes, 124);
}

static void test_every_truncation_point(void **state)
{
    (void)state;
    uint8_t frame[256];
    ps_packet pkt;
    size_t n = common_chain(frame);
    for (size_t caplen = 0; caplen <= n; caplen++) {
        ps_packet_kind kind = fix_dissect(DLT_IPV6_VALUE, frame, caplen, n, &pkt);
        if (caplen < 40) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV6);
            assert_int_equal(pkt.family, 0);
        } else if (caplen < 40 + 8 + 24 + 16 + 24) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV6_EXT);
            assert_int_equal(pkt.family, 6);
            assert_int_equal(pkt.ip_bytes, 124);
        } else if (caplen < 120) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_UDP);
            assert_int_equal(pkt.ip_proto, 17);
        } else {
            assert_int_equal(kind, PS_PKT_TRANSPORT);
            assert_int_equal(pkt.dport, 5061);
        }
    }
}

static void test_mobility_hip_shim6_are_walked(void **state)
{
    (void)state;
    static const uint8_t tcp[20] = {0x00, 0x19, 0x80, 0x00, 0, 0, 0, 1, 0, 0, 0, 0,
                                    0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
    uint8_t frame[256];
    ps_packet pkt;
    size_t n = 40;
    n += ext(frame + n, 139, 1, 16);   /* Mobility */
    n += ext(frame + n, 140, 2, 24);   /* HIP */
    n += ext(frame + n, 6, 0, 8);      /* Shim6 */
    memcpy(frame + n, tcp, sizeof tcp);
    n = wrap6(frame, 135, n + sizeof tcp - 40);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.ip_proto, 6);
    assert_int_equal(pkt.sport, 25);
    assert_int_equal(pkt.dport, 32768);
    assert_int_equal(pkt.tcp_flags, PS_TCP_SYN);
}

static void test_fragments(void **state)
{
    (void)state;
    uint8_t frame[256];
    ps_packet pkt;

    /* offset 0, M = 1: the first fragment carries the ports */
    size_t n = 40 + frag_header(frame + 40, 17, 0x0001, 0xdeadbeef);
    memcpy(frame + n, udp_sip, sizeof udp_sip);
    n = wrap6(frame, 44, n + sizeof udp_sip - 40);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.frag, PS_FRAG_FIRST);
    assert_int_equal(pkt.frag_id, 0xdeadbeef);
    assert_int_equal(pkt.sport, 5060);
    assert_int_equal(pkt.ip_bytes, 60);

    /* offset 0, M = 0: atomic fragment (RFC 6946), an unfragmented datagram */
    frag_header(frame + 40, 17, 0x0000, 0x01020304);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.frag, PS_FRAG_NONE);
    assert_int_equal(pkt.dport, 5061);

    /* offset 1480 (185 units), with and without M: a later fragment */
    static const uint16_t later[] = {0x05c9, 0x05c8, 0xfff8};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++) {
        frag_header(frame + 40, 17, later[i], 0x8000000f);
        assert_int_equal(fix_dissect(DLT_RAW, frame, 48, n, &pkt), PS_PKT_FRAGMENT);
        assert_int_equal(pkt.frag, PS_FRAG_LATER);
        assert_int_equal(pkt.frag_id, 0x8000000f);
        assert_int_equal(pkt.ip_proto, 17);
        assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
        assert_int_equal(pkt.family, 6);
        assert_int_equal(pkt.ip_bytes, 60);
        assert_int_equal(pkt.sport, 0);
        assert_memory_equal(pkt.src, fix_v6_src, 16);
    }
    for (size_t caplen = 40; caplen < 48; caplen++) {
        assert_int_equal(fix_dissect(DLT_RAW, frame, caplen, n, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV6_EXT);
    }
}

static void test_chain_ends_without_ports(void **state)
{
    (void)state;
    static const uint8_t opaque[16] = {0, 0, 0, 1, 0, 0, 0, 1};
    uint8_t frame[256];
    ps_packet pkt;
    /* 1 is ICMP for IPv4 only: over IPv6 it is just a protocol number. */
    static const uint8_t enders[] = {50, 59, 1, 47};
    for (size_t i = 0; i < sizeof enders; i++) {
        size_t n = fix_ipv6(frame, enders[i], opaque, sizeof opaque);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_OTHER_IP);
        assert_int_equal(pkt.ip_proto, enders[i]);
        assert_int_equal(pkt.transport, PS_TRANSPORT_NONE);
    }
    /* hop-by-hop then ESP: ip_proto is the protocol after the chain */
    size_t n = 40 + ext(frame + 40, 50, 0, 8);
    memcpy(frame + n, opaque, sizeof opaque);
    n = wrap6(frame, 0, n + sizeof opaque - 40);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_OTHER_IP);
    assert_int_equal(pkt.ip_proto, 50);
    assert_int_equal(pkt.ip_bytes, 64);
}

static size_t dstopts_chain(uint8_t *frame, int count)
{
    size_t n = 40;
    for (int i = 0; i < count; i++)
        n += ext(frame + n, i + 1 < count ? 60 : 17, 0, 8);
    memcpy(frame + n, udp_sip, sizeof udp_sip);
    return wrap6(frame, 60, n + sizeof udp_sip - 40);
}

static void test_chain_limit(void **state)
{
    (void)state;
    uint8_t frame[512];
    ps_packet pkt;
    size_t n = dstopts_chain(frame, 16);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dport, 5061);
    n = dstopts_chain(frame, 17);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_IPV6_EXT_CHAIN);
}

/* The payload length ends the chain even when more bytes were captured. */
static void test_payload_length_bounds_chain(void **state)
{
    (void)state;
    uint8_t frame[256];
    ps_packet pkt;
    size_t n = 40 + ext(frame + 40, 17, 1, 16);
    memcpy(frame + n, udp_sip, sizeof udp_sip);
    n += sizeof udp_sip;
    wrap6(frame, 0, n - 40);
    fix_put16(frame + 4, 8);    /* claims only 8 bytes of payload */
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_IPV6_EXT);
    assert_int_equal(pkt.ip_bytes, 48);

    fix_put16(frame + 4, 20);   /* room for the option header, not the UDP header */
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_UDP);
}

static void test_version_mismatch_on_ethernet(void **state)
{
    (void)state;
    uint8_t frame[128] = {0};
    ps_packet pkt;
    fix_put16(frame + 12, 0x86dd);
    size_t n = 14 + fix_ipv4(frame + 14, 17, udp_sip, sizeof udp_sip);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, frame, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV6_VERSION);
    assert_int_equal(pkt.family, 0);
}

/* ICMPv6 is a flow, after the extension headers too: the type, and the
 * counterpart type (echo 128/129, neighbour solicitation 135/136) or, for a
 * one-way message, the code. */
static void test_icmpv6(void **state)
{
    (void)state;
    static const struct { uint8_t type, code; uint16_t sport, dport; } cases[] = {
        {128, 0, 128, 129}, {129, 0, 129, 128}, {135, 0, 135, 136}, {1, 4, 1, 4}, {3, 0, 3, 0},
        {2, 0, 2, 0},
    };
    uint8_t frame[256];
    ps_packet pkt;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t icmp[8] = {cases[i].type, cases[i].code, 0, 0, 0, 1, 0, 1};
        size_t n = fix_ipv6(frame, 58, icmp, sizeof icmp);
        assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
        assert_int_equal(pkt.ip_proto, 58);
        assert_int_equal(pkt.transport, PS_TRANSPORT_ICMP);
        assert_int_equal(pkt.sport, cases[i].sport);
        assert_int_equal(pkt.dport, cases[i].dport);
    }
    /* behind a hop-by-hop header (MLD's router alert) */
    static const uint8_t mld[8] = {130, 0, 0, 0, 0, 0, 0, 0};
    size_t n = 40 + ext(frame + 40, 58, 0, 8);
    memcpy(frame + n, mld, sizeof mld);
    n = wrap6(frame, 0, n + sizeof mld - 40);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.sport, 130);
    assert_int_equal(pkt.dport, 131);
    /* cut short */
    n = fix_ipv6(frame, 58, mld, 3);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_ICMP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_icmpv6),
        cmocka_unit_test(test_plain_udp),
        cmocka_unit_test(test_common_extension_chain),
        cmocka_unit_test(test_every_truncation_point),
        cmocka_unit_test(test_mobility_hip_shim6_are_walked),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_chain_ends_without_ports),
        cmocka_unit_test(test_chain_limit),
        cmocka_unit_test(test_payload_length_bounds_chain),
        cmocka_unit_test(test_version_mismatch_on_ethernet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
