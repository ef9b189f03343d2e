/* Random and mutated frames over every decoded link type: the dissector
 * must stay inside the captured bytes (run under AddressSanitizer to see
 * it) and always return a consistent packet view. */
#include "dissect_fixtures.h"

#define ITERATIONS 400000
#define MAX_FRAME 192

static const int link_types[] = {DLT_EN10MB, DLT_LINUX_SLL, 276, DLT_RAW, 101, 228, 229,
                                 DLT_NULL, DLT_LOOP, 108};

/* splitmix64: fixed seed, so a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Plausible link headers so that mutated frames reach the deeper layers. */
static size_t link_prefix(int dlt, uint8_t *frame, uint64_t r)
{
    /* IPv4, IPv6, VLAN tags, and the MPLS and PPPoE carriers */
    static const uint16_t types[] = {0x0800, 0x86dd, 0x8100, 0x88a8, 0x0800, 0x86dd, 0x8847, 0x8864};
    uint16_t type = types[r % 8];
    switch (dlt) {
    case DLT_EN10MB: fix_put16(frame + 12, type); return 14;
    case DLT_LINUX_SLL: fix_put16(frame + 14, type); return 16;
    case 276: fix_put16(frame, type); return 20;
    case DLT_NULL: memset(frame, 0, 4); frame[r & 1 ? 0 : 3] = (r & 2) ? 2 : 28; return 4;
    default: break;
    }
    if (dlt == DLT_LOOP || dlt == 108) {
        memset(frame, 0, 4);
        frame[3] = (r & 2) ? 2 : 24;
        return 4;
    }
    return 0;
}

/* An IP header with a transport protocol and lengths that mostly agree. */
static size_t ip_prefix(uint8_t *frame, size_t room, uint64_t r)
{
    /* transports, IPv6 extension headers, and tunnels (IP-in-IP, GRE) */
    static const uint8_t protos[] = {6, 17, 132, 33, 0, 44, 51, 60, 43, 4, 41, 47};
    uint8_t proto = protos[(r >> 8) % sizeof protos];
    if (r & 4) {
        if (room < 40)
            return 0;
        frame[0] = 0x60;
        fix_put16(frame + 4, (uint16_t)(room - 40 + ((r >> 16) & 3)));
        frame[6] = proto;
        return 40;
    }
    if (room < 20)
        return 0;
    frame[0] = 0x45;
    fix_put16(frame + 2, (uint16_t)(room - ((r >> 16) & 3)));
    frame[6] = (r & 8) ? 0x20 : 0x00;
    frame[7] = 0;
    frame[9] = proto;
    return 20;
}

static void check_invariants(const ps_packet *pkt, size_t caplen)
{
    static const uint8_t zero12[12] = {0};
    assert_true(pkt->kind <= PS_PKT_UNSUPPORTED_LINK);
    assert_true(pkt->malformed < PS_MAL_COUNT);
    assert_int_equal(pkt->kind == PS_PKT_MALFORMED, pkt->malformed != PS_MAL_NONE);
    assert_true(pkt->transport < PS_FLOW_TRANSPORT_COUNT);
    assert_true(pkt->family == 0 || pkt->family == 4 || pkt->family == 6);
    assert_true(pkt->frag <= PS_FRAG_LATER);
    assert_true(pkt->vlan_depth <= 8);
    assert_true(pkt->vlan_id <= 0x0fff);
    assert_int_equal(pkt->cap_len, caplen);
    if (pkt->kind == PS_PKT_TRANSPORT || pkt->kind == PS_PKT_FRAGMENT || pkt->kind == PS_PKT_OTHER_IP)
        assert_true(pkt->family == 4 || pkt->family == 6);
    if (pkt->kind == PS_PKT_TRANSPORT)
        assert_int_equal(pkt->transport, ps_transport_from_ip_proto(pkt->ip_proto, pkt->family));
    if (pkt->kind == PS_PKT_FRAGMENT) {
        assert_int_equal(pkt->frag, PS_FRAG_LATER);
        assert_int_equal(pkt->sport, 0);
    }
    if (pkt->kind == PS_PKT_OTHER_IP)
        assert_int_equal(pkt->transport, PS_TRANSPORT_NONE);
    if (pkt->transport != PS_TRANSPORT_DCCP)
        assert_int_equal(pkt->dccp_has_service_code, 0);
    if (pkt->transport != PS_TRANSPORT_SCTP)
        assert_int_equal(pkt->sctp_chunks, 0);
    if (pkt->family == 4) {
        assert_memory_equal(pkt->src + 4, zero12, 12);
        assert_memory_equal(pkt->dst + 4, zero12, 12);
    }
}

static void test_random_frames_every_link(void **state)
{
    (void)state;
    uint64_t seed = UINT64_C(0x706f7274736e6966);
    uint8_t frame[MAX_FRAME];
    size_t kinds[PS_PKT_UNSUPPORTED_LINK + 1] = {0};
    ps_packet pkt;

    for (unsigned i = 0; i < ITERATIONS; i++) {
        int dlt = link_types[i % (sizeof link_types / sizeof link_types[0])];
        uint64_t r = next_random(&seed);
        for (size_t b = 0; b < MAX_FRAME; b += 8) {
            uint64_t v = next_random(&seed);
            memcpy(frame + b, &v, 8);
        }
        size_t len = (size_t)(r >> 32) % (MAX_FRAME + 1);
        /* three in four frames get plausible headers before the noise */
        if ((r & 0x30) != 0) {
            size_t off = link_prefix(dlt, frame, r);
            if (off <= len)
                ip_prefix(frame + off, len - off, r);
        }
        size_t wire = len + (size_t)((r >> 20) & 0xff);
        kinds[fix_dissect(dlt, frame, len, wire, &pkt)]++;
        check_invariants(&pkt, len);
    }
    /* the mutated frames must actually reach every outcome the links allow */
    assert_true(kinds[PS_PKT_TRANSPORT] > 1000);
    assert_true(kinds[PS_PKT_FRAGMENT] > 100);
    assert_true(kinds[PS_PKT_OTHER_IP] > 1000);
    assert_true(kinds[PS_PKT_NON_IP] > 1000);
    assert_true(kinds[PS_PKT_MALFORMED] > 1000);
    assert_int_equal(kinds[PS_PKT_UNSUPPORTED_LINK], 0);
}

static void test_random_link_values(void **state)
{
    (void)state;
    uint64_t seed = 42;
    uint8_t frame[64] = {0};
    ps_packet pkt;
    for (unsigned i = 0; i < 20000; i++) {
        int dlt = (int)(next_random(&seed) % 400) - 10;
        ps_packet_kind kind = fix_dissect(dlt, frame, sizeof frame, sizeof frame, &pkt);
        assert_int_equal(kind == PS_PKT_UNSUPPORTED_LINK, !dissect_link_supported(dlt));
        check_invariants(&pkt, sizeof frame);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_frames_every_link),
        cmocka_unit_test(test_random_link_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
