/* DCCP (RFC 4340): generic header, packet type, Service Code. */
#include "dissect_fixtures.h"

#define SERVICE_CODE 0x52545043u   /* "RTPC" */

/* Generic header 40000 -> 5004 with the given data offset, type and X;
 * X=1: 16 bytes, X=0: 12 bytes. Returns its length. */
static size_t generic(uint8_t *out, uint8_t offset_words, uint8_t type, int x)
{
    size_t len = x ? 16 : 12;
    memset(out, 0, len);
    fix_put16(out, 40000);
    fix_put16(out + 2, 5004);
    out[4] = offset_words;
    out[5] = 0x10;                 /* CCVal 1, CsCov 0 */
    out[8] = (uint8_t)(type << 1 | (x ? 1 : 0));
    out[len - 1] = 0x2a;           /* low byte of the sequence number */
    return len;
}

static size_t put32(uint8_t *out, uint32_t v)
{
    fix_put16(out, (uint16_t)(v >> 16));
    fix_put16(out + 2, (uint16_t)v);
    return 4;
}

static ps_packet_kind dccp4(const uint8_t *dccp, size_t len, size_t caplen, ps_packet *pkt)
{
    uint8_t frame[128];
    size_t n = fix_ipv4(frame, 33, dccp, len);
    return fix_dissect(DLT_RAW, frame, 20 + (caplen < len ? caplen : len), n, pkt);
}

static void test_request_service_code(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    size_t len = generic(dccp, 5, PS_DCCP_REQUEST, 1);
    len += put32(dccp + len, SERVICE_CODE);
    assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.transport, PS_TRANSPORT_DCCP);
    assert_int_equal(pkt.ip_proto, 33);
    assert_int_equal(pkt.sport, 40000);
    assert_int_equal(pkt.dport, 5004);
    assert_int_equal(pkt.dccp_type, PS_DCCP_REQUEST);
    assert_int_equal(pkt.dccp_has_service_code, 1);
    assert_int_equal(pkt.dccp_service_code, SERVICE_CODE);

    /* the reserved bits above Type do not change it */
    dccp[8] |= 0xe0;
    assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_type, PS_DCCP_REQUEST);
    assert_int_equal(pkt.dccp_service_code, SERVICE_CODE);
}

/* Every capture length of a Request: the generic header is required, the
 * Service Code is recorded only when captured. */
static void test_request_truncation(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    size_t len = generic(dccp, 5, PS_DCCP_REQUEST, 1);
    len += put32(dccp + len, SERVICE_CODE);
    for (size_t caplen = 0; caplen <= len; caplen++) {
        ps_packet_kind kind = dccp4(dccp, len, caplen, &pkt);
        if (caplen < 16) {
            assert_int_equal(kind, PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_DCCP);
        } else {
            assert_int_equal(kind, PS_PKT_TRANSPORT);
            assert_int_equal(pkt.dccp_has_service_code, caplen == 20);
            assert_int_equal(pkt.dccp_service_code, caplen == 20 ? SERVICE_CODE : 0);
        }
    }
}

static void test_response_after_ack_subheader(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    size_t len = generic(dccp, 7, PS_DCCP_RESPONSE, 1);
    static const uint8_t ack[8] = {0, 0, 0, 0, 0, 0, 0, 0x2a};
    memcpy(dccp + len, ack, sizeof ack);
    len += sizeof ack;
    len += put32(dccp + len, SERVICE_CODE);
    assert_int_equal(len, 28);
    assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_type, PS_DCCP_RESPONSE);
    assert_int_equal(pkt.dccp_has_service_code, 1);
    assert_int_equal(pkt.dccp_service_code, SERVICE_CODE);

    assert_int_equal(dccp4(dccp, len, 27, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_has_service_code, 0);

    /* RFC 4340 5.1: a Response with X=0 is to be ignored, so it names no
     * service even where a short acknowledgement would leave one */
    len = generic(dccp, 5, PS_DCCP_RESPONSE, 0);
    len += put32(dccp + len, 0x0000002a);
    len += put32(dccp + len, 0x01020304);
    assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_type, PS_DCCP_RESPONSE);
    assert_int_equal(pkt.dccp_has_service_code, 0);
    assert_int_equal(pkt.dccp_service_code, 0);
}

static void test_short_sequence_request_ignored(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    size_t len = generic(dccp, 4, PS_DCCP_REQUEST, 0);
    len += put32(dccp + len, SERVICE_CODE);
    assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_type, PS_DCCP_REQUEST);
    assert_int_equal(pkt.dccp_has_service_code, 0);
}

/* RFC 5596: DCCP-Listen (type 10) carries the server's Service Code. */
static void test_listen_service_code(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    size_t len = generic(dccp, 5, 10, 1);
    len += put32(dccp + len, 0x00000001);
    assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_type, 10);
    assert_int_equal(pkt.dccp_has_service_code, 1);
    assert_int_equal(pkt.dccp_service_code, 1);
}

/* The data offset covers the whole header: a Service Code outside it is
 * payload, not header. */
static void test_service_code_outside_data_offset(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    size_t len = generic(dccp, 4, PS_DCCP_REQUEST, 1);
    len += put32(dccp + len, SERVICE_CODE);
    assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_has_service_code, 0);
    assert_int_equal(pkt.dccp_service_code, 0);
}

static void test_other_types_have_no_service_code(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    for (uint8_t type = PS_DCCP_DATA; type <= 15; type++) {
        if (type == 10)
            continue;
        size_t len = generic(dccp, 6, type, 1);
        len += put32(dccp + len, SERVICE_CODE);
        len += put32(dccp + len, SERVICE_CODE);
        assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_TRANSPORT);
        assert_int_equal(pkt.dccp_type, type);
        assert_int_equal(pkt.dccp_has_service_code, 0);
    }
}

static void test_short_sequence_data(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    size_t len = generic(dccp, 3, PS_DCCP_DATA, 0);
    for (size_t caplen = 0; caplen < 12; caplen++) {
        assert_int_equal(dccp4(dccp, len, caplen, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_SHORT_DCCP);
    }
    assert_int_equal(dccp4(dccp, len, 12, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_type, PS_DCCP_DATA);
}

static void test_data_offset_below_generic_header(void **state)
{
    (void)state;
    uint8_t dccp[64];
    ps_packet pkt;
    for (uint8_t words = 0; words < 4; words++) {
        size_t len = generic(dccp, words, PS_DCCP_ACK, 1);
        len += put32(dccp + len, 0);
        assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_BAD_DCCP_OFFSET);
        assert_int_equal(pkt.dccp_type, PS_DCCP_ACK);
        assert_int_equal(pkt.dport, 5004);
    }
    for (uint8_t words = 0; words < 3; words++) {
        size_t len = generic(dccp, words, PS_DCCP_DATA, 0);
        assert_int_equal(dccp4(dccp, len, len, &pkt), PS_PKT_MALFORMED);
        assert_int_equal(pkt.malformed, PS_MAL_BAD_DCCP_OFFSET);
    }
}

static void test_over_ipv6(void **state)
{
    (void)state;
    uint8_t dccp[64], frame[128];
    ps_packet pkt;
    size_t len = generic(dccp, 5, PS_DCCP_REQUEST, 1);
    len += put32(dccp + len, 0xffffffffu);
    size_t n = fix_ipv6(frame, 33, dccp, len);
    assert_int_equal(fix_dissect_all(DLT_RAW, frame, n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dccp_has_service_code, 1);
    assert_int_equal(pkt.dccp_service_code, 0xffffffffu);
    assert_int_equal(pkt.family, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_service_code),
        cmocka_unit_test(test_request_truncation),
        cmocka_unit_test(test_response_after_ack_subheader),
        cmocka_unit_test(test_short_sequence_request_ignored),
        cmocka_unit_test(test_listen_service_code),
        cmocka_unit_test(test_service_code_outside_data_offset),
        cmocka_unit_test(test_other_types_have_no_service_code),
        cmocka_unit_test(test_short_sequence_data),
        cmocka_unit_test(test_data_offset_below_generic_header),
        cmocka_unit_test(test_over_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
