/* Per-service report: aggregation, sorting, shares, totals, the three
 * writers, and the registry caveat in every format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portsniff/report.h"

#define S INT64_C(1000000000)
#define T0 (INT64_C(1786960800) * S)   /* 2026-08-17T10:00:00Z */

static const ps_reg_entry http_entry = {
    .name = "http", .description = "World Wide Web HTTP", .reference = "",
    .port_lo = 80, .port_hi = 80, .transport = PS_TRANSPORT_TCP, .status = PS_REG_NAMED, .has_port = 1};
static const ps_reg_entry https_entry = {
    .name = "https", .description = "http protocol over TLS/SSL", .reference = "",
    .port_lo = 443, .port_hi = 443, .transport = PS_TRANSPORT_TCP, .status = PS_REG_NAMED, .has_port = 1};
static const ps_reg_entry reserved_entry = {
    .description = "Reserved", .reference = "", .transport = PS_TRANSPORT_TCP,
    .status = PS_REG_RESERVED, .has_port = 1};

typedef struct fixture {
    ps_report *report;
    ps_run_stats run;
    ps_flow_counters flows;
    ps_report_context ctx;
} fixture;

static const char *const inputs[] = {"a.pcap", "b.pcap"};

static void add(ps_report *r, int transport, const ps_reg_entry *entry, int status,
                uint64_t pkts, uint64_t bytes)
{
    ps_flow f;
    memset(&f, 0, sizeof(f));
    f.key.transport = (uint8_t)transport;
    f.dir[0] = (ps_dir_stats){pkts - pkts / 2, bytes - bytes / 4, bytes - bytes / 4 - 14, 0};
    f.dir[1] = (ps_dir_stats){pkts / 2, bytes / 4, bytes / 4 - 14, 0};
    ps_label l = {entry, 80, PS_BASIS_HANDSHAKE, (uint8_t)status};
    report_add_flow(r, &f, &l);
}

/* Six flows: http and https tie on bytes (name decides), the two
 * unregistered rows tie too (transport decides). */
static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    fx->report = report_create();
    add(fx->report, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 10, 3000);
    add(fx->report, PS_TRANSPORT_TCP, &https_entry, PS_REG_NAMED, 20, 4000);
    add(fx->report, PS_TRANSPORT_UDP, NULL, PS_REG_UNREGISTERED, 2, 500);
    add(fx->report, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 5, 1000);
    add(fx->report, PS_TRANSPORT_TCP, NULL, PS_REG_UNREGISTERED, 4, 500);
    add(fx->report, PS_TRANSPORT_TCP, &reserved_entry, PS_REG_RESERVED, 1, 100);

    run_stats_init(&fx->run);
    fx->run.packets = 50;
    fx->run.frame_bytes = 10000;
    fx->run.first_ns = T0;
    fx->run.last_ns = T0 + 65 * S + 250000000;
    fx->run.other_ip_packets[1] = 4;
    fx->run.other_ip_bytes[1] = 400;
    fx->run.other_ip_packets[253] = 1;
    fx->run.other_ip_bytes[253] = 100;
    fx->run.non_ip_packets = 2;
    fx->run.non_ip_bytes = 120;
    fx->run.malformed[PS_MAL_SHORT_TCP] = 2;
    fx->run.malformed_total = 2;
    fx->run.kernel_received = 60;
    fx->run.kernel_dropped = 3;
    fx->run.interface_dropped = 1;

    fx->flows.flows_created = 8;
    fx->flows.flows_ended = 6;
    fx->flows.flows_evicted = 1;
    fx->flows.peak_flows = 4;
    fx->flows.fragments_matched = 3;
    fx->flows.fragments_unmatched = 1;

    fx->ctx = (ps_report_context){&fx->run, &fx->flows, "inline", "2026-08-17", inputs, 2, 0, 2, 1};
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    report_free(fx->report);
    free(fx);
    return 0;
}

static char *render(const ps_report *r, const ps_report_context *ctx, ps_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(report_write(r, ctx, fmt, f), 0);
    fclose(f);
    return buf;
}

static void assert_ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    assert_true(n >= m);
    assert_string_equal(s + n - m, tail);
}

static void test_text_report(void **state)
{
    fixture *fx = *state;
    char *out = render(fx->report, &fx->ctx, PS_FMT_TEXT);
    const char *expected_head =
        "portsniff report (final): 2026-08-17T10:00:00.000000Z to 2026-08-17T10:01:05.250000Z\n"
        "inputs: a.pcap, b.pcap\n"
        "registry: inline, updated 2026-08-17\n"
        "\n"
        "service         transport  flows  packets  bytes   share\n"
        "http            tcp            2       15   4000   40.0%\n"
        "https           tcp            1       20   4000   40.0%\n"
        "(unregistered)  tcp            1        4    500    5.0%\n"
        "(unregistered)  udp            1        2    500    5.0%\n"
        "(reserved)      tcp            1        1    100    1.0%\n"
        "\n"
        "ip protocol  packets  bytes   share\n"
        "icmp               4    400    4.0%\n"
        "proto-253          1    100    1.0%\n"
        "non-ip             2    120    1.2%\n"
        "\n"
        "totals: packets 50, bytes 10000, flows ended 6, open flows 2, evicted 1, "
        "fragments matched 3, fragments unmatched 1\n"
        "malformed: 2\n"
        "  short-tcp-header: 2\n"
        "\n";
    assert_int_equal(strncmp(out, expected_head, strlen(expected_head)), 0);
    assert_string_equal(out + strlen(expected_head), registry_caveat_box);
    assert_null(strstr(out, "kernel"));
    free(out);
}

static void test_text_report_live_interval_empty(void **state)
{
    (void)state;
    ps_report *r = report_create();
    ps_run_stats run;
    run_stats_init(&run);
    run.have_kernel_stats = 1;
    run.kernel_received = 7;
    run.unsupported_link_packets = 3;
    run.unsupported_dlt = 147;
    run.packets = 3;
    run.frame_bytes = 180;
    ps_flow_counters flows = {0};
    const char *const iface[] = {"eth0"};
    ps_report_context ctx = {&run, &flows, "built-in", NULL, iface, 1, 1, 0, 0};
    char *out = render(r, &ctx, PS_FMT_TEXT);
    const char *expected_head =
        "portsniff report (interval): 1970-01-01T00:00:00.000000Z to 1970-01-01T00:00:00.000000Z\n"
        "inputs: eth0\n"
        "registry: built-in, date unknown\n"
        "\n"
        "service  transport  flows  packets  bytes   share\n"
        "(no flows ended)\n"
        "\n"
        "unsupported link type: 3 packets (DLT 147)\n"
        "totals: packets 3, bytes 180, flows ended 0, open flows 0, evicted 0, "
        "fragments matched 0, fragments unmatched 0\n"
        "malformed: 0\n"
        "kernel: received 7, dropped 0, interface dropped 0\n"
        "\n";
    assert_int_equal(strncmp(out, expected_head, strlen(expected_head)), 0);
    assert_string_equal(out + strlen(expected_head), registry_caveat_box);
    free(out);

    /* Nothing seen at all. */
    run_stats_init(&run);
    ps_report_context bare = {&run, NULL, NULL, NULL, NULL, 0, 0, 0, 1};
    out = render(r, &bare, PS_FMT_TEXT);
    assert_int_equal(strncmp(out, "portsniff report (final): no packets\ninputs: -\n", 47), 0);
    assert_ends_with(out, registry_caveat_box);
    free(out);
    report_free(r);
}

static void test_json_report(void **state)
{
    fixture *fx = *state;
    char *out = render(fx->report, &fx->ctx, PS_FMT_JSON);
    const char *expected_head =
        "{\"report\":\"final\",\"first_ts\":1786960800.000000,\"last_ts\":1786960865.250000,"
        "\"inputs\":[\"a.pcap\",\"b.pcap\"],\"registry\":{\"source\":\"inline\",\"date\":\"2026-08-17\"},"
        "\"services\":["
        "{\"service\":\"http\",\"label\":\"http\",\"status\":\"registered\",\"transport\":\"tcp\","
        "\"flows\":2,\"packets\":15,\"bytes\":4000,\"ip_bytes\":3944,\"share\":0.4000},"
        "{\"service\":\"https\",\"label\":\"https\",\"status\":\"registered\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":20,\"bytes\":4000,\"ip_bytes\":3972,\"share\":0.4000},"
        "{\"service\":null,\"label\":\"(unregistered)\",\"status\":\"unregistered\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":4,\"bytes\":500,\"ip_bytes\":472,\"share\":0.0500},"
        "{\"service\":null,\"label\":\"(unregistered)\",\"status\":\"unregistered\",\"transport\":\"udp\","
        "\"flows\":1,\"packets\":2,\"bytes\":500,\"ip_bytes\":472,\"share\":0.0500},"
        "{\"service\":null,\"label\":\"(reserved)\",\"status\":\"reserved\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":1,\"bytes\":100,\"ip_bytes\":72,\"share\":0.0100}],"
        "\"other_protocols\":["
        "{\"protocol\":1,\"name\":\"icmp\",\"packets\":4,\"bytes\":400,\"share\":0.0400},"
        "{\"protocol\":253,\"name\":\"proto-253\",\"packets\":1,\"bytes\":100,\"share\":0.0100}],"
        "\"non_ip\":{\"packets\":2,\"bytes\":120,\"share\":0.0120},"
        "\"unsupported_link\":{\"packets\":0,\"dlt\":null},"
        "\"totals\":{\"packets\":50,\"bytes\":10000,\"flows_created\":8,\"flows_ended\":6,"
        "\"open_flows\":2,\"flows_evicted\":1,\"peak_flows\":4,\"fragments_matched\":3,"
        "\"fragments_unmatched\":1,\"fragment_cache_evictions\":0,\"malformed\":2},"
        "\"malformed\":{\"short-tcp-header\":2},"
        "\"caveat\":\"";
    assert_int_equal(strncmp(out, expected_head, strlen(expected_head)), 0);
    /* The caveat is the plain text, its quotes escaped. */
    assert_non_null(strstr(out, "IS \\\"GOOD\\\" TRAFFIC"));
    assert_ends_with(out, "NOT WHETHER THERE IS A PORT NUMBER REGISTERED OR NOT.\"}\n");
    assert_null(strstr(out, "\"kernel\""));
    free(out);

    fx->ctx.live = 1;
    fx->ctx.final = 0;
    out = render(fx->report, &fx->ctx, PS_FMT_JSON);
    assert_int_equal(strncmp(out, "{\"report\":\"interval\",", 21), 0);
    assert_non_null(strstr(out, ",\"kernel\":{\"received\":60,\"dropped\":3,\"interface_dropped\":1},\"caveat\":"));
    free(out);
}

static void test_csv_report(void **state)
{
    fixture *fx = *state;
    fx->ctx.live = 1;
    char *out = render(fx->report, &fx->ctx, PS_FMT_CSV);
    const char *expected_head =
        "kind,name,transport,status,flows,packets,bytes,share\n"
        "service,http,tcp,registered,2,15,4000,0.4000\n"
        "service,https,tcp,registered,1,20,4000,0.4000\n"
        "service,(unregistered),tcp,unregistered,1,4,500,0.0500\n"
        "service,(unregistered),udp,unregistered,1,2,500,0.0500\n"
        "service,(reserved),tcp,reserved,1,1,100,0.0100\n"
        "other-protocol,icmp,,,,4,400,0.0400\n"
        "other-protocol,proto-253,,,,1,100,0.0100\n"
        "non-ip,non-ip,,,,2,120,0.0120\n"
        "total,all,,,6,50,10000,1.0000\n"
        "total,open-flows,,,2,,,\n"
        "total,evicted-flows,,,1,,,\n"
        "total,fragments-matched,,,,3,,\n"
        "total,fragments-unmatched,,,,1,,\n"
        "total,unsupported-link,,,,0,,\n"
        "malformed,all,,,,2,,\n"
        "malformed,short-tcp-header,,,,2,,\n"
        "kernel,received,,,,60,,\n"
        "kernel,dropped,,,,3,,\n"
        "kernel,interface-dropped,,,,1,,\n"
        "caveat,\"PLEASE NOTE THE FOLLOWING: ";
    assert_int_equal(strncmp(out, expected_head, strlen(expected_head)), 0);
    assert_non_null(strstr(out, "IS \"\"GOOD\"\" TRAFFIC"));
    assert_ends_with(out, "REGISTERED OR NOT.\",,,,,,\n");
    free(out);
}

static void test_clone_is_independent(void **state)
{
    fixture *fx = *state;
    ps_report *snap = report_clone(fx->report);
    assert_non_null(snap);
    char *before = render(snap, &fx->ctx, PS_FMT_CSV);
    add(fx->report, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 1, 60);
    add(fx->report, PS_TRANSPORT_SCTP, NULL, PS_REG_UNREGISTERED, 1, 60);
    char *after_snap = render(snap, &fx->ctx, PS_FMT_CSV);
    char *after_orig = render(fx->report, &fx->ctx, PS_FMT_CSV);
    assert_string_equal(before, after_snap);
    assert_non_null(strstr(after_orig, "service,http,tcp,registered,3,16,4060,0.4060\n"));
    assert_non_null(strstr(after_orig, "service,(unregistered),sctp,unregistered,1,1,60,0.0060\n"));
    assert_null(strstr(after_snap, "sctp"));
    free(before);
    free(after_snap);
    free(after_orig);
    report_free(snap);
}

/* Without run counters the services are the whole. */
static void test_shares_without_run(void **state)
{
    fixture *fx = *state;
    ps_report_context ctx = {NULL, NULL, "inline", NULL, NULL, 0, 0, 0, 1};
    char *out = render(fx->report, &ctx, PS_FMT_CSV);
    assert_non_null(strstr(out, "service,http,tcp,registered,2,15,4000,0.4396\n"));
    assert_non_null(strstr(out, "total,all,,,6,0,0,0.0000\n"));
    free(out);
}

static void test_write_error_is_reported(void **state)
{
    fixture *fx = *state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    assert_int_equal(report_write(fx->report, &fx->ctx, PS_FMT_TEXT, f), -1);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_report, setup, teardown),
        cmocka_unit_test(test_text_report_live_interval_empty),
        cmocka_unit_test_setup_teardown(test_json_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clone_is_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shares_without_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error_is_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
