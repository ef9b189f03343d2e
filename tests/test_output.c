/* Flow record writers: the exact text, JSON and CSV for constructed flows,
 * and the escaping and formatting helpers they share. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portsniff/output.h"

#define S INT64_C(1000000000)
#define T0 (INT64_C(1786960800) * S)   /* 2026-08-17T10:00:00Z */

static const ps_reg_entry http_entry = {
    .name = "http", .description = "World Wide Web HTTP", .reference = "",
    .port_lo = 80, .port_hi = 80, .transport = PS_TRANSPORT_TCP, .status = PS_REG_NAMED, .has_port = 1,
};

typedef struct capture {
    FILE *f;
    char *buf;
    size_t len;
} capture;

static FILE *capture_open(capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    return c->f;
}

static const char *capture_close(capture *c)
{
    fclose(c->f);
    return c->buf;
}

/* 10.0.0.1:49152 (endpoint a, originator) talking to 10.0.0.2:80. */
static ps_flow web_flow(void)
{
    ps_flow f;
    memset(&f, 0, sizeof(f));
    f.key.family = 4;
    f.key.transport = PS_TRANSPORT_TCP;
    inet_pton(AF_INET, "10.0.0.1", f.key.addr_a);
    inet_pton(AF_INET, "10.0.0.2", f.key.addr_b);
    f.key.port_a = 49152;
    f.key.port_b = 80;
    f.dir[0] = (ps_dir_stats){6, 520, 436, PS_TCP_SYN | PS_TCP_ACK | PS_TCP_PSH | PS_TCP_FIN};
    f.dir[1] = (ps_dir_stats){4, 2960, 2880, PS_TCP_SYN | PS_TCP_ACK | PS_TCP_FIN};
    f.first_ns = T0 + 123456000;
    f.last_ns = T0 + 246912999;
    f.orig = 0;
    f.orig_basis = PS_ORIG_HANDSHAKE;
    f.end_reason = PS_END_FIN;
    return f;
}

static ps_label web_label(void)
{
    ps_label l = {.entry = &http_entry, .service_port = 80,
                  .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    return l;
}

/* [2001:db8::2]:38412 (endpoint b) opened an SCTP association to
 * [2001:db8::1]:5000, port unregistered, on VLAN 7. */
static ps_flow sctp_flow(void)
{
    ps_flow f;
    memset(&f, 0, sizeof(f));
    f.key.family = 6;
    f.key.transport = PS_TRANSPORT_SCTP;
    inet_pton(AF_INET6, "2001:db8::1", f.key.addr_a);
    inet_pton(AF_INET6, "2001:db8::2", f.key.addr_b);
    f.key.port_a = 5000;
    f.key.port_b = 38412;
    f.dir[0] = (ps_dir_stats){2, 200, 180, 0};
    f.dir[1] = (ps_dir_stats){3, 330, 300, 0};
    f.first_ns = T0;
    f.last_ns = T0 + 2 * S + 5000;
    f.sctp_chunks = (1u << PS_SCTP_INIT) | (1u << PS_SCTP_INIT_ACK) | (1u << PS_SCTP_DATA) | (1u << 20);
    f.vlan_id = 7;
    f.orig = 1;
    f.orig_basis = PS_ORIG_HANDSHAKE;
    f.end_reason = PS_END_ABORT;
    return f;
}

static ps_label unregistered_label(uint16_t port, int basis)
{
    ps_label l = {.entry = NULL, .service_port = port,
                  .basis = (uint8_t)basis, .status = PS_REG_UNREGISTERED};
    return l;
}

static void test_text_record(void **state)
{
    (void)state;
    capture c;
    ps_flow f = web_flow();
    ps_label l = web_label();
    output_flow_begin(capture_open(&c), PS_FMT_TEXT);
    output_flow(c.f, PS_FMT_TEXT, &f, &l);
    assert_string_equal(capture_close(&c),
        "2026-08-17T10:00:00.123456Z tcp 10.0.0.1:49152 > 10.0.0.2:80 http/80 "
        "\"World Wide Web HTTP\" basis=handshake orig=6p/520B resp=4p/2960B dur=0.123456 "
        "end=fin flags=FSP./FS.\n");
    free(c.buf);

    ps_flow s = sctp_flow();
    l = unregistered_label(5000, PS_BASIS_HANDSHAKE);
    output_flow(capture_open(&c), PS_FMT_TEXT, &s, &l);
    assert_string_equal(capture_close(&c),
        "2026-08-17T10:00:00.000000Z sctp [2001:db8::2]:38412 > [2001:db8::1]:5000 "
        "(unregistered)/5000 basis=handshake orig=3p/330B resp=2p/200B dur=2.000005 end=abort vlan=7\n");
    free(c.buf);
}

static void test_text_description_stays_one_line(void **state)
{
    (void)state;
    ps_reg_entry odd = http_entry;
    odd.name = "odd";
    odd.description = "say \"hi\"\\\nnow";
    ps_flow f = web_flow();
    f.dir[0].tcp_flags = 0;
    ps_label l = {.entry = &odd, .service_port = 80,
                  .basis = PS_BASIS_LOWER_PORT, .status = PS_REG_NAMED};
    capture c;
    output_flow(capture_open(&c), PS_FMT_TEXT, &f, &l);
    assert_string_equal(capture_close(&c),
        "2026-08-17T10:00:00.123456Z tcp 10.0.0.1:49152 > 10.0.0.2:80 odd/80 "
        "\"say \\\"hi\\\"\\\\\\x0anow\" basis=lower-port orig=6p/520B resp=4p/2960B dur=0.123456 "
        "end=fin flags=none/FS.\n");
    free(c.buf);
}

static void test_json_record(void **state)
{
    (void)state;
    capture c;
    ps_flow f = web_flow();
    ps_label l = web_label();
    output_flow_begin(capture_open(&c), PS_FMT_JSON);
    output_flow(c.f, PS_FMT_JSON, &f, &l);
    assert_string_equal(capture_close(&c),
        "{\"record\":\"flow\",\"ts\":1786960800.123456,\"duration\":0.123456,\"proto\":\"tcp\","
        "\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":49152,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,"
        "\"orig_pkts\":6,\"resp_pkts\":4,\"orig_ip_bytes\":436,\"resp_ip_bytes\":2880,"
        "\"orig_frame_bytes\":520,\"resp_frame_bytes\":2960,\"service\":\"http\","
        "\"service_status\":\"registered\",\"service_port\":80,"
        "\"service_description\":\"World Wide Web HTTP\",\"label_basis\":\"handshake\","
        "\"end_reason\":\"fin\",\"orig_tcp_flags\":\"FSP.\",\"resp_tcp_flags\":\"FS.\"}\n");
    free(c.buf);

    ps_flow s = sctp_flow();
    l = unregistered_label(5000, PS_BASIS_HANDSHAKE);
    output_flow(capture_open(&c), PS_FMT_JSON, &s, &l);
    assert_string_equal(capture_close(&c),
        "{\"record\":\"flow\",\"ts\":1786960800.000000,\"duration\":2.000005,\"proto\":\"sctp\","
        "\"id.orig_h\":\"2001:db8::2\",\"id.orig_p\":38412,\"id.resp_h\":\"2001:db8::1\",\"id.resp_p\":5000,"
        "\"orig_pkts\":3,\"resp_pkts\":2,\"orig_ip_bytes\":300,\"resp_ip_bytes\":180,"
        "\"orig_frame_bytes\":330,\"resp_frame_bytes\":200,\"service\":null,"
        "\"service_status\":\"unregistered\",\"service_port\":5000,\"service_description\":null,"
        "\"label_basis\":\"handshake\",\"end_reason\":\"abort\",\"vlan\":7,"
        "\"sctp_chunks\":[\"DATA\",\"INIT\",\"INIT_ACK\",\"CHUNK_20\"]}\n");
    free(c.buf);
}

static void test_json_dccp_and_reserved(void **state)
{
    (void)state;
    ps_reg_entry reserved = {.name = NULL, .description = "Reserved", .reference = "",
                             .transport = PS_TRANSPORT_DCCP, .status = PS_REG_RESERVED, .has_port = 1};
    ps_flow f = web_flow();
    f.key.transport = PS_TRANSPORT_DCCP;
    f.dir[0].tcp_flags = f.dir[1].tcp_flags = 0;
    f.dccp_has_service_code = 1;
    f.dccp_service_code = 1685351985;
    f.end_reason = PS_END_DCCP_RESET;
    ps_label l = {.entry = &reserved, .service_port = 80,
                  .basis = PS_BASIS_PORT_RANGE, .status = PS_REG_RESERVED};
    capture c;
    output_flow(capture_open(&c), PS_FMT_JSON, &f, &l);
    const char *out = capture_close(&c);
    assert_non_null(strstr(out, "\"proto\":\"dccp\""));
    assert_non_null(strstr(out, "\"service\":null,\"service_status\":\"reserved\",\"service_port\":80,"
                                "\"service_description\":\"Reserved\",\"label_basis\":\"port-range\","
                                "\"end_reason\":\"dccp-reset\",\"dccp_service_code\":1685351985}\n"));
    assert_null(strstr(out, "tcp_flags"));
    free(c.buf);

    output_flow(capture_open(&c), PS_FMT_TEXT, &f, &l);
    assert_non_null(strstr(capture_close(&c), " (reserved)/80 \"Reserved\" basis=port-range "));
    free(c.buf);
}

static void test_csv_records(void **state)
{
    (void)state;
    capture c;
    ps_flow f = web_flow();
    ps_label l = web_label();
    ps_flow s = sctp_flow();
    ps_label sl = unregistered_label(5000, PS_BASIS_HANDSHAKE);
    ps_reg_entry comma = http_entry;
    comma.description = "one, \"two\"";
    ps_label cl = {.entry = &comma, .service_port = 80,
                   .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    output_flow_begin(capture_open(&c), PS_FMT_CSV);
    output_flow(c.f, PS_FMT_CSV, &f, &l);
    output_flow(c.f, PS_FMT_CSV, &s, &sl);
    output_flow(c.f, PS_FMT_CSV, &f, &cl);
    assert_string_equal(capture_close(&c),
        "ts,duration,proto,id.orig_h,id.orig_p,id.resp_h,id.resp_p,orig_pkts,resp_pkts,"
        "orig_ip_bytes,resp_ip_bytes,orig_frame_bytes,resp_frame_bytes,service,service_status,"
        "service_port,service_description,label_basis,end_reason,vlan,orig_tcp_flags,"
        "resp_tcp_flags,sctp_chunks,dccp_service_code\n"
        "1786960800.123456,0.123456,tcp,10.0.0.1,49152,10.0.0.2,80,6,4,436,2880,520,2960,"
        "http,registered,80,World Wide Web HTTP,handshake,fin,,FSP.,FS.,,\n"
        "1786960800.000000,2.000005,sctp,2001:db8::2,38412,2001:db8::1,5000,3,2,300,180,330,200,"
        ",unregistered,5000,,handshake,abort,7,,,DATA|INIT|INIT_ACK|CHUNK_20,\n"
        "1786960800.123456,0.123456,tcp,10.0.0.1,49152,10.0.0.2,80,6,4,436,2880,520,2960,"
        "http,registered,80,\"one, \"\"two\"\"\",handshake,fin,,FSP.,FS.,,\n");
    free(c.buf);
}

static void test_no_format_writes_nothing(void **state)
{
    (void)state;
    capture c;
    ps_flow f = web_flow();
    ps_label l = web_label();
    output_flow_begin(capture_open(&c), PS_FMT_NONE);
    output_flow(c.f, PS_FMT_NONE, &f, &l);
    assert_string_equal(capture_close(&c), "");
    free(c.buf);
}

static void test_json_escaping(void **state)
{
    (void)state;
    capture c;
    json_write_string(capture_open(&c), "a\"b\\c/\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9");
    assert_string_equal(capture_close(&c),
                        "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f caf\xc3\xa9\"");
    free(c.buf);
    json_write_string(capture_open(&c), "");
    assert_string_equal(capture_close(&c), "\"\"");
    free(c.buf);
}

static void test_csv_field_quoting(void **state)
{
    (void)state;
    capture c;
    FILE *f = capture_open(&c);
    csv_write_field(f, "plain text");
    putc('|', f);
    csv_write_field(f, "a,b");
    putc('|', f);
    csv_write_field(f, "say \"x\"");
    putc('|', f);
    csv_write_field(f, "two\nlines");
    putc('|', f);
    csv_write_field(f, NULL);
    putc('|', f);
    csv_write_field(f, "");
    assert_string_equal(capture_close(&c), "plain text|\"a,b\"|\"say \"\"x\"\"\"|\"two\nlines\"||");
    free(c.buf);
}

static void test_formatting_helpers(void **state)
{
    (void)state;
    char buf[64];
    format_ts(buf, sizeof(buf), T0 + 1999);
    assert_string_equal(buf, "1786960800.000001");
    format_ts(buf, sizeof(buf), 0);
    assert_string_equal(buf, "0.000000");
    format_ts(buf, sizeof(buf), -1500000000);
    assert_string_equal(buf, "-1.500000");
    format_iso_ts(buf, sizeof(buf), T0 + 999999999);
    assert_string_equal(buf, "2026-08-17T10:00:00.999999Z");
    format_iso_ts(buf, sizeof(buf), -1000);
    assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");

    uint8_t a6[16], a4[16] = {192, 0, 2, 200};
    inet_pton(AF_INET6, "2001:db8:0:0:1:0:0:1", a6);
    format_addr(buf, sizeof(buf), 6, a6);
    assert_string_equal(buf, "2001:db8::1:0:0:1");
    inet_pton(AF_INET6, "::ffff:192.0.2.1", a6);
    format_addr(buf, sizeof(buf), 6, a6);
    assert_string_equal(buf, "::ffff:192.0.2.1");
    format_addr(buf, sizeof(buf), 4, a4);
    assert_string_equal(buf, "192.0.2.200");
    format_addr(buf, sizeof(buf), 0, a4);
    assert_string_equal(buf, "-");

    assert_int_equal(ps_format_from_name("text"), PS_FMT_TEXT);
    assert_int_equal(ps_format_from_name("CSV"), PS_FMT_CSV);
    assert_int_equal(ps_format_from_name("json"), PS_FMT_JSON);
    assert_int_equal(ps_format_from_name("none"), PS_FMT_NONE);
    assert_int_equal(ps_format_from_name("xml"), -1);
    assert_int_equal(ps_format_from_name(""), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_record),
        cmocka_unit_test(test_text_description_stays_one_line),
        cmocka_unit_test(test_json_record),
        cmocka_unit_test(test_json_dccp_and_reserved),
        cmocka_unit_test(test_csv_records),
        cmocka_unit_test(test_no_format_writes_nothing),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_csv_field_quoting),
        cmocka_unit_test(test_formatting_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
