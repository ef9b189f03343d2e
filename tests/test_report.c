/* The report model and its writers: aggregation, sorting, shares, totals,
 * every writer in the table, the registry caveat in every format, and
 * merging, subtracting and resetting reports. */
#include <errno.h>
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
#define NOW INT64_C(1796162428)         /* 2026-12-01T22:00:28Z, when the report is written */

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

static const ps_report_writer *writer(const char *name)
{
    const ps_report_writer *w = report_writer_find(name);
    assert_non_null(w);
    return w;
}

static const char *const inputs[] = {"a.pcap", "b.pcap"};

static void add(ps_report *r, int transport, const ps_reg_entry *entry, int status,
                uint64_t pkts, uint64_t bytes)
{
    ps_flow f;
    memset(&f, 0, sizeof(f));
    f.key.transport = (uint8_t)transport;
    f.first_ns = f.last_ns = T0;
    f.dir[0] = (ps_dir_stats){.pkts = pkts - pkts / 2, .frame_bytes = bytes - bytes / 4,
                              .ip_bytes = bytes - bytes / 4 - 14};
    f.dir[1] = (ps_dir_stats){.pkts = pkts / 2, .frame_bytes = bytes / 4,
                              .ip_bytes = bytes / 4 - 14};
    ps_label l = {.entry = entry, .service_port = 80,
                  .basis = PS_BASIS_HANDSHAKE, .status = (uint8_t)status};
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
    fx->flows.fragment_cache_evictions = 5;
    report_set_counters(fx->report, &fx->run, &fx->flows, 2);

    fx->ctx = (ps_report_context){"inline", "2026-08-17", inputs, 2, 0, 1, NOW};
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

static char *render_with(const ps_report *r, const ps_report_context *ctx, const ps_report_writer *w)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(report_write(r, ctx, w, f), 0);
    fclose(f);
    return buf;
}

static char *render(const ps_report *r, const ps_report_context *ctx, const char *fmt)
{
    return render_with(r, ctx, writer(fmt));
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
    char *out = render(fx->report, &fx->ctx, "text");
    const char *expected_head =
        "portsniff report (final): 2026-08-17T10:00:00.000000Z to 2026-08-17T10:01:05.250000Z\n"
        "inputs: a.pcap, b.pcap\n"
        "registry: inline, updated 2026-08-17, 106 days old on 2026-12-01\n"
        "\n"
        "service         transport  flows  packets  bytes  ip bytes   share\n"
        "http            tcp            2       15   4000      3944   40.0%\n"
        "https           tcp            1       20   4000      3972   40.0%\n"
        "(unregistered)  tcp            1        4    500       472    5.0%\n"
        "(unregistered)  udp            1        2    500       472    5.0%\n"
        "(reserved)      tcp            1        1    100        72    1.0%\n"
        "\n"
        "transport  flows  packets  bytes  share\n"
        "tcp            5       40   8600  86.0%\n"
        "udp            1        2    500   5.0%\n"
        "\n"
        "ip protocol  packets  bytes   share\n"
        "icmp               4    400    4.0%\n"
        "proto-253          1    100    1.0%\n"
        "non-ip             2    120    1.2%\n"
        "\n"
        "ports without a named service (the 20 with the most bytes per row)\n"
        "service         transport  port  flows  packets  bytes\n"
        "(unregistered)  tcp          80      1        4    500\n"
        "(unregistered)  udp          80      1        2    500\n"
        "(reserved)      tcp          80      1        1    100\n"
        "\n"
        "totals: packets 50, bytes 10000\n"
        "flows: created 8, ended 6, open 2, peak 4, evicted 1\n"
        "fragments: matched 3, unmatched 1, cache evictions 5\n"
        "malformed: 2\n"
        "  short-tcp-header: 2\n"
        "\n"
        "time series: flows started, packets and bytes per 0.001 s bucket\n"
        "bucket start                 service         transport  flows  packets  bytes\n"
        "2026-08-17T10:00:00.000000Z  http            tcp            2       15   4000\n"
        "2026-08-17T10:00:00.000000Z  https           tcp            1       20   4000\n"
        "2026-08-17T10:00:00.000000Z  (unregistered)  tcp            1        4    500\n"
        "2026-08-17T10:00:00.000000Z  (unregistered)  udp            1        2    500\n"
        "2026-08-17T10:00:00.000000Z  (reserved)      tcp            1        1    100\n"
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
    report_set_counters(r, &run, &flows, 0);
    const char *const iface[] = {"eth0"};
    ps_report_context ctx = {"built-in", NULL, iface, 1, 1, 0, NOW};
    char *out = render(r, &ctx, "text");
    const char *expected_head =
        "portsniff report (interval): 1970-01-01T00:00:00.000000Z to 1970-01-01T00:00:00.000000Z\n"
        "inputs: eth0\n"
        "registry: built-in, date unknown\n"
        "\n"
        "service  transport  flows  packets  bytes  ip bytes   share\n"
        "(no flows ended)\n"
        "\n"
        "unsupported link type: 3 packets (DLT 147)\n"
        "totals: packets 3, bytes 180\n"
        "flows: created 0, ended 0, open 0, peak 0, evicted 0\n"
        "fragments: matched 0, unmatched 0, cache evictions 0\n"
        "malformed: 0\n"
        "kernel: received 7, dropped 0, interface dropped 0\n"
        "\n";
    assert_int_equal(strncmp(out, expected_head, strlen(expected_head)), 0);
    assert_string_equal(out + strlen(expected_head), registry_caveat_box);
    free(out);

    /* Nothing seen at all. */
    report_reset(r);
    ps_report_context bare = {NULL, NULL, NULL, 0, 0, 1, 0};
    out = render(r, &bare, "text");
    assert_int_equal(strncmp(out, "portsniff report (final): no packets\ninputs: -\n", 47), 0);
    assert_ends_with(out, registry_caveat_box);
    free(out);
    report_free(r);
}

static void test_json_report(void **state)
{
    fixture *fx = *state;
    char *out = render(fx->report, &fx->ctx, "json");
    const char *expected_head =
        "{\"record\":\"report\",\"report\":\"final\",\"first_ts\":1786960800.000000,\"last_ts\":1786960865.250000,"
        "\"inputs\":[\"a.pcap\",\"b.pcap\"],"
        "\"registry\":{\"source\":\"inline\",\"date\":\"2026-08-17\",\"age_days\":106},"
        "\"top\":0,\"aggregate\":{\"ipv4\":32,\"ipv6\":128},\"bucket_seconds\":0.001,"
        "\"services\":["
        "{\"service\":\"http\",\"label\":\"http\",\"status\":\"registered\",\"transport\":\"tcp\","
        "\"flows\":2,\"packets\":15,\"bytes\":4000,\"ip_bytes\":3944,\"share\":0.4000},"
        "{\"service\":\"https\",\"label\":\"https\",\"status\":\"registered\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":20,\"bytes\":4000,\"ip_bytes\":3972,\"share\":0.4000},"
        "{\"service\":null,\"label\":\"(unregistered)\",\"status\":\"unregistered\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":4,\"bytes\":500,\"ip_bytes\":472,\"share\":0.0500,"
        "\"ports\":[{\"port\":80,\"flows\":1,\"packets\":4,\"bytes\":500}],"
        "\"other_ports\":{\"ports\":0,\"flows\":0,\"packets\":0,\"bytes\":0}},"
        "{\"service\":null,\"label\":\"(unregistered)\",\"status\":\"unregistered\",\"transport\":\"udp\","
        "\"flows\":1,\"packets\":2,\"bytes\":500,\"ip_bytes\":472,\"share\":0.0500,"
        "\"ports\":[{\"port\":80,\"flows\":1,\"packets\":2,\"bytes\":500}],"
        "\"other_ports\":{\"ports\":0,\"flows\":0,\"packets\":0,\"bytes\":0}},"
        "{\"service\":null,\"label\":\"(reserved)\",\"status\":\"reserved\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":1,\"bytes\":100,\"ip_bytes\":72,\"share\":0.0100,"
        "\"ports\":[{\"port\":80,\"flows\":1,\"packets\":1,\"bytes\":100}],"
        "\"other_ports\":{\"ports\":0,\"flows\":0,\"packets\":0,\"bytes\":0}}],"
        "\"transports\":[{\"transport\":\"tcp\",\"flows\":5,\"packets\":40,\"bytes\":8600,\"share\":0.8600},"
        "{\"transport\":\"udp\",\"flows\":1,\"packets\":2,\"bytes\":500,\"share\":0.0500}],"
        "\"other_protocols\":["
        "{\"protocol\":1,\"name\":\"icmp\",\"packets\":4,\"bytes\":400,\"share\":0.0400},"
        "{\"protocol\":253,\"name\":\"proto-253\",\"packets\":1,\"bytes\":100,\"share\":0.0100}],"
        "\"non_ip\":{\"packets\":2,\"bytes\":120,\"share\":0.0120},"
        "\"unsupported_link\":{\"packets\":0,\"dlt\":null},"
        "\"tunnels\":[],\"tunnels_other\":{\"tunnels\":0,\"flows\":0,\"packets\":0,\"bytes\":0},"
        "\"totals\":{\"packets\":50,\"bytes\":10000,\"flows_created\":8,\"flows_ended\":6,"
        "\"open_flows\":2,\"flows_evicted\":1,\"peak_flows\":4,\"fragments_matched\":3,"
        "\"fragments_unmatched\":1,\"fragment_cache_evictions\":5,\"malformed\":2},"
        "\"malformed\":{\"short-tcp-header\":2},"
        "\"series\":[{\"bucket_start\":1786960800.000000,\"label\":\"http\",\"transport\":\"tcp\","
        "\"flows\":2,\"packets\":15,\"bytes\":4000},"
        "{\"bucket_start\":1786960800.000000,\"label\":\"https\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":20,\"bytes\":4000},"
        "{\"bucket_start\":1786960800.000000,\"label\":\"(unregistered)\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":4,\"bytes\":500},"
        "{\"bucket_start\":1786960800.000000,\"label\":\"(unregistered)\",\"transport\":\"udp\","
        "\"flows\":1,\"packets\":2,\"bytes\":500},"
        "{\"bucket_start\":1786960800.000000,\"label\":\"(reserved)\",\"transport\":\"tcp\","
        "\"flows\":1,\"packets\":1,\"bytes\":100}],"
        "\"caveat\":\"";
    assert_int_equal(strncmp(out, expected_head, strlen(expected_head)), 0);
    /* The caveat is the plain text, its quotes escaped. */
    assert_non_null(strstr(out, "IS \\\"GOOD\\\" TRAFFIC"));
    assert_ends_with(out, "NOT WHETHER THERE IS A PORT NUMBER REGISTERED OR NOT.\"}\n");
    assert_null(strstr(out, "\"kernel\""));
    free(out);

    fx->ctx.live = 1;
    fx->ctx.final = 0;
    out = render(fx->report, &fx->ctx, "json");
    assert_int_equal(strncmp(out, "{\"record\":\"report\",\"report\":\"interval\",", 39), 0);
    assert_non_null(strstr(out, ",\"kernel\":{\"received\":60,\"dropped\":3,\"interface_dropped\":1},\"series\":"));
    free(out);
}

static void test_csv_report(void **state)
{
    fixture *fx = *state;
    fx->ctx.live = 1;
    char *out = render(fx->report, &fx->ctx, "csv");
    const char *expected_head =
        "kind,name,transport,status,bucket_start,endpoint,flows,packets,bytes,ip_bytes,share,error,value\n"
        "info,report,,,,,,,,,,,final\n"
        "info,first_ts,,,,,,,,,,,1786960800.000000\n"
        "info,last_ts,,,,,,,,,,,1786960865.250000\n"
        "info,input,,,,,,,,,,,a.pcap\n"
        "info,input,,,,,,,,,,,b.pcap\n"
        "info,registry_source,,,,,,,,,,,inline\n"
        "info,registry_date,,,,,,,,,,,2026-08-17\n"
        "info,registry_age_days,,,,,,,,,,,106\n"
        "info,top,,,,,,,,,,,0\n"
        "info,aggregate_ipv4,,,,,,,,,,,32\n"
        "info,aggregate_ipv6,,,,,,,,,,,128\n"
        "info,bucket_seconds,,,,,,,,,,,0.001\n"
        "service,http,tcp,registered,,,2,15,4000,3944,0.4000,,\n"
        "service,https,tcp,registered,,,1,20,4000,3972,0.4000,,\n"
        "service,(unregistered),tcp,unregistered,,,1,4,500,472,0.0500,,\n"
        "service,(unregistered),udp,unregistered,,,1,2,500,472,0.0500,,\n"
        "service,(reserved),tcp,reserved,,,1,1,100,72,0.0100,,\n"
        "transport,,tcp,,,,5,40,8600,,0.8600,,\n"
        "transport,,udp,,,,1,2,500,,0.0500,,\n"
        "other-protocol,icmp,,,,,,4,400,,0.0400,,1\n"
        "other-protocol,proto-253,,,,,,1,100,,0.0100,,253\n"
        "non-ip,non-ip,,,,,,2,120,,0.0120,,\n"
        "port,(unregistered),tcp,unregistered,,,1,4,500,,,,80\n"
        "port,(unregistered),udp,unregistered,,,1,2,500,,,,80\n"
        "port,(reserved),tcp,reserved,,,1,1,100,,,,80\n"
        "total,all,,,,,6,50,10000,,1.0000,,\n"
        "total,flows-created,,,,,8,,,,,,\n"
        "total,open-flows,,,,,2,,,,,,\n"
        "total,peak-flows,,,,,4,,,,,,\n"
        "total,evicted-flows,,,,,1,,,,,,\n"
        "total,fragments-matched,,,,,,3,,,,,\n"
        "total,fragments-unmatched,,,,,,1,,,,,\n"
        "total,fragment-cache-evictions,,,,,,5,,,,,\n"
        "total,unsupported-link,,,,,,0,,,,,\n"
        "malformed,all,,,,,,2,,,,,\n"
        "malformed,short-tcp-header,,,,,,2,,,,,\n"
        "kernel,received,,,,,,60,,,,,\n"
        "kernel,dropped,,,,,,3,,,,,\n"
        "kernel,interface-dropped,,,,,,1,,,,,\n"
        "series,http,tcp,registered,1786960800.000000,,2,15,4000,,,,\n"
        "series,https,tcp,registered,1786960800.000000,,1,20,4000,,,,\n"
        "series,(unregistered),tcp,unregistered,1786960800.000000,,1,4,500,,,,\n"
        "series,(unregistered),udp,unregistered,1786960800.000000,,1,2,500,,,,\n"
        "series,(reserved),tcp,reserved,1786960800.000000,,1,1,100,,,,\n"
        "caveat,,,,,,,,,,,,\"PLEASE NOTE THE FOLLOWING: ";
    assert_int_equal(strncmp(out, expected_head, strlen(expected_head)), 0);
    assert_non_null(strstr(out, "IS \"\"GOOD\"\" TRAFFIC"));
    assert_ends_with(out, "REGISTERED OR NOT.\"\n");
    free(out);
}

/* Every writer in the table carries every figure: the fixture's counters
 * are made distinct (none is a substring of another's printed form), and
 * each must appear in each format. */
/* --ipfix destinations add up by name when reports merge, and an earlier
 * state subtracts from a later one. */
static void test_exports_merge_subtract(void **state)
{
    fixture *fx = *state;
    ps_report_export a[2] = {{"file:a", 3, 300, 30, 1, 10, 1000}, {"udp://b:1", 5, 500, 50, 0, 0, 0}};
    ps_report_export b = {"udp://b:1", 1, 100, 10, 2, 20, 2000};
    report_set_exports(fx->report, a, 2);
    ps_report *other = report_create();
    assert_non_null(other);
    report_set_exports(other, &b, 1);
    assert_int_equal(report_merge(fx->report, other), 0);
    fx->ctx.live = 0;
    char *out = render(fx->report, &fx->ctx, "text");
    assert_non_null(strstr(out, "ipfix file:a: sent 30 records in 3 messages, 300 bytes; "
                                "not sent 1 records (10 packets, 1000 bytes)\n"));
    assert_non_null(strstr(out, "ipfix udp://b:1: sent 60 records in 6 messages, 600 bytes; "
                                "not sent 2 records (20 packets, 2000 bytes)\n"));
    free(out);
    report_subtract(fx->report, other);
    out = render(fx->report, &fx->ctx, "json");
    assert_non_null(strstr(out, "{\"destination\":\"udp://b:1\",\"messages\":5,\"octets\":500,"
                                "\"records\":50,\"not_sent_records\":0,\"not_sent_packets\":0,"
                                "\"not_sent_octets\":0}"));
    free(out);
    out = render(fx->report, &fx->ctx, "csv");
    assert_non_null(strstr(out, "\nipfix,file:a,,,,,30,3,300,,,,\nipfix-not-sent,file:a,,,,,1,10,,1000,,,\n"));
    free(out);
    report_free(other);
}

static void test_every_writer_carries_every_figure(void **state)
{
    fixture *fx = *state;
    fx->run.packets = 70001;
    fx->run.frame_bytes = 70002;
    fx->run.non_ip_packets = 70003;
    fx->run.non_ip_bytes = 70004;
    fx->run.unsupported_link_packets = 70005;
    fx->run.unsupported_dlt = 70006;
    fx->run.malformed[PS_MAL_SHORT_TCP] = 70007;
    fx->run.malformed_total = 70008;
    fx->run.other_ip_packets[1] = 70009;
    fx->run.other_ip_bytes[1] = 70010;
    fx->run.kernel_received = 70011;
    fx->run.kernel_dropped = 70012;
    fx->run.interface_dropped = 70013;
    fx->flows = (ps_flow_counters){70014, 70015, 70016, 70017, 70018, 70019, 70020};
    report_set_counters(fx->report, &fx->run, &fx->flows, 70021);
    add(fx->report, PS_TRANSPORT_SCTP, NULL, PS_REG_UNASSIGNED, 70022, 70023);
    ps_report_export ex = {"udp://192.0.2.9:4739", 70024, 70025, 70026, 70027, 70028, 70029};
    report_set_exports(fx->report, &ex, 1);
    fx->ctx.live = 1;
    const char *figures[] = {
        "udp://192.0.2.9:4739", "70024", "70025", "70026", "70027", "70028", "70029",
        "70001", "70002", "70003", "70004", "70005", "70006", "70007", "70008", "70009",
        "70010", "70011", "70012", "70013", "70014", "70015", "70016", "70017", "70018",
        "70019", "70020", "70021", "70022", "70023", "69995", /* ip bytes: 70023 - 2 * 14 */
        "1786960800", "1786960865", "a.pcap", "b.pcap", "inline", "2026-08-17", "(unassigned)",
        "sctp", "3944", "3972", "472", "icmp", "proto-253", "short-tcp-header",
    };
    const ps_report_writer *w;
    size_t nwriters = 0;
    for (size_t i = 0; (w = report_writer_at(i)) != NULL; i++, nwriters++) {
        char *out = render_with(fx->report, &fx->ctx, w);
        for (size_t f = 0; f < sizeof(figures) / sizeof(figures[0]); f++) {
            /* Text and HTML print times as ISO 8601. */
            const char *want = figures[f];
            int iso = strcmp(report_writer_name(w), "text") == 0 || strcmp(report_writer_name(w), "html") == 0;
            if (iso && strcmp(want, "1786960800") == 0)
                want = "2026-08-17T10:00:00.000000Z";
            if (iso && strcmp(want, "1786960865") == 0)
                want = "2026-08-17T10:01:05.250000Z";
            if (!strstr(out, want))
                fail_msg("the %s report lacks %s", report_writer_name(w), want);
        }
        assert_non_null(strstr(out, "ASSIGNMENT OF A PORT NUMBER DOES NOT IN ANY WAY IMPLY"));
        free(out);
    }
    assert_true(nwriters >= 3);
}

/* ICMP and ICMPv6 flows: rows labelled by the IP protocol, in the transport
 * table beside the four port transports (all five fit), and no port list. */
static void test_icmp_rows(void **state)
{
    (void)state;
    ps_report *r = report_create();
    static const int port_transports[] = {PS_TRANSPORT_TCP, PS_TRANSPORT_UDP, PS_TRANSPORT_SCTP,
                                          PS_TRANSPORT_DCCP};
    for (size_t i = 0; i < 4; i++)
        add(r, port_transports[i], NULL, PS_REG_UNREGISTERED, 2, 1000 - 100 * (uint64_t)i);
    for (int v6 = 0; v6 <= 1; v6++) {
        ps_flow f;
        memset(&f, 0, sizeof(f));
        f.key.transport = PS_TRANSPORT_ICMP;
        f.key.family = v6 ? 6 : 4;
        f.first_ns = f.last_ns = T0;
        f.dir[0] = (ps_dir_stats){.pkts = 1, .frame_bytes = 98, .ip_bytes = 84};
        f.dir[1] = (ps_dir_stats){.pkts = 1, .frame_bytes = 98, .ip_bytes = 84};
        ps_label l = {.status = PS_REG_IP_PROTOCOL, .basis = PS_BASIS_IP_PROTOCOL,
                      .ip_proto = (uint8_t)(v6 ? 58 : 1)};
        report_add_flow(r, &f, &l);
    }
    ps_run_stats run;
    run_stats_init(&run);
    run.packets = 12;
    run.frame_bytes = 3792;
    run.first_ns = run.last_ns = T0;
    ps_flow_counters flows = {.flows_created = 6, .flows_ended = 6, .peak_flows = 6};
    report_set_counters(r, &run, &flows, 0);
    ps_report_context ctx = {"inline", "2026-08-17", inputs, 1, 0, 1, NOW};

    char *out = render(r, &ctx, "json");
    assert_non_null(strstr(out, "{\"service\":null,\"label\":\"icmp\",\"status\":\"ip-protocol\","
                                "\"transport\":\"icmp\",\"flows\":1,\"packets\":2,\"bytes\":196,"
                                "\"ip_bytes\":168,\"share\":0.0517}"));
    assert_non_null(strstr(out, "{\"service\":null,\"label\":\"ipv6-icmp\",\"status\":\"ip-protocol\","
                                "\"transport\":\"icmp\",\"flows\":1,\"packets\":2,\"bytes\":196,"));
    assert_non_null(strstr(out, "{\"transport\":\"icmp\",\"flows\":2,\"packets\":4,\"bytes\":392,"
                                "\"share\":0.1034}]"));
    assert_non_null(strstr(out, "{\"transport\":\"dccp\",\"flows\":1,"));
    free(out);

    out = render(r, &ctx, "text");
    assert_non_null(strstr(out, "\nicmp            icmp           1        2    196       168    5.2%\n"));
    assert_non_null(strstr(out, "\nicmp           2        4    392  10.3%\n"));
    /* The port list names the four unregistered rows, no ICMP row. */
    const char *ports = strstr(out, "ports without a named service");
    assert_non_null(ports);
    assert_null(strstr(ports, "\nicmp "));
    assert_null(strstr(ports, "\nipv6-icmp "));
    assert_non_null(strstr(ports, "\n(unregistered)  dccp         80      1        2    700\n\n"));
    assert_ends_with(out, registry_caveat_box);
    free(out);
    report_free(r);
}

static void test_writer_table(void **state)
{
    (void)state;
    assert_string_equal(report_writer_name(writer("TEXT")), "text");
    assert_string_equal(report_writer_name(writer("json")), "json");
    assert_null(report_writer_find("pdf"));
    assert_null(report_writer_find("none"));
    assert_null(report_writer_find(NULL));
    assert_null(report_writer_for_path("report.txt"));
    assert_null(report_writer_for_path(NULL));
    assert_string_equal(report_writer_name(report_writer_at(0)), "text");
    assert_string_equal(report_writer_name(report_writer_at(1)), "csv");
    assert_string_equal(report_writer_name(report_writer_at(2)), "json");
}

static void test_clone_is_independent(void **state)
{
    fixture *fx = *state;
    ps_report *snap = report_clone(fx->report);
    assert_non_null(snap);
    char *before = render(snap, &fx->ctx, "csv");
    char *orig = render(fx->report, &fx->ctx, "csv");
    assert_string_equal(before, orig);
    add(fx->report, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 1, 60);
    add(fx->report, PS_TRANSPORT_SCTP, NULL, PS_REG_UNREGISTERED, 1, 60);
    char *after_snap = render(snap, &fx->ctx, "csv");
    char *after_orig = render(fx->report, &fx->ctx, "csv");
    assert_string_equal(before, after_snap);
    assert_non_null(strstr(after_orig, "service,http,tcp,registered,,,3,16,4060,3976,0.4060,,\n"));
    assert_non_null(strstr(after_orig, "service,(unregistered),sctp,unregistered,,,1,1,60,32,0.0060,,\n"));
    assert_null(strstr(after_snap, "sctp"));
    free(before);
    free(orig);
    free(after_snap);
    free(after_orig);
    report_free(snap);
}

/* The registry's age at the time of the report, in every format; unknown
 * when the registry's date or the report's time is. */
static void test_registry_age_in_header(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *date;
        int64_t now;
        const char *text, *json, *csv;
    } cases[] = {
        {"2026-08-17", NOW, "registry: inline, updated 2026-08-17, 106 days old on 2026-12-01\n",
         "\"registry\":{\"source\":\"inline\",\"date\":\"2026-08-17\",\"age_days\":106},",
         "info,registry_date,,,,,,,,,,,2026-08-17\ninfo,registry_age_days,,,,,,,,,,,106\n"},
        /* A year and a day later; then the day itself, and a clock set a second before it. */
        {"2025-11-30", NOW, "registry: inline, updated 2025-11-30, 366 days old on 2026-12-01\n",
         "\"date\":\"2025-11-30\",\"age_days\":366},",
         "info,registry_date,,,,,,,,,,,2025-11-30\ninfo,registry_age_days,,,,,,,,,,,366\n"},
        {"2026-12-01", NOW, "registry: inline, updated 2026-12-01, 0 days old on 2026-12-01\n",
         "\"age_days\":0},", "info,registry_age_days,,,,,,,,,,,0\n"},
        {"2026-12-01", INT64_C(1796083199),
         "registry: inline, updated 2026-12-01, -1 days old on 2026-11-30\n", "\"age_days\":-1},",
         "info,registry_age_days,,,,,,,,,,,-1\n"},
        {NULL, NOW, "registry: inline, date unknown\n",
         "\"registry\":{\"source\":\"inline\",\"date\":null,\"age_days\":null},",
         "info,registry_date,,,,,,,,,,,\ninfo,registry_age_days,,,,,,,,,,,\n"},
        {"2026-08-17", 0, "registry: inline, updated 2026-08-17\n",
         "\"date\":\"2026-08-17\",\"age_days\":null},",
         "info,registry_date,,,,,,,,,,,2026-08-17\ninfo,registry_age_days,,,,,,,,,,,\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx->ctx.registry_date = cases[i].date;
        fx->ctx.now = cases[i].now;
        char *text = render(fx->report, &fx->ctx, "text");
        char *json = render(fx->report, &fx->ctx, "json");
        char *csv = render(fx->report, &fx->ctx, "csv");
        const char *line = strstr(text, "\nregistry: ");
        assert_non_null(line);
        assert_int_equal(strncmp(line + 1, cases[i].text, strlen(cases[i].text)), 0);
        assert_non_null(strstr(json, cases[i].json));
        assert_non_null(strstr(csv, cases[i].csv));
        free(text);
        free(json);
        free(csv);
    }
}

/* Without run counters the services are the whole. */
static void test_shares_without_run(void **state)
{
    (void)state;
    ps_report *r = report_create();
    add(r, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 10, 3000);
    add(r, PS_TRANSPORT_UDP, NULL, PS_REG_UNREGISTERED, 2, 1000);
    ps_report_context ctx = {"inline", NULL, NULL, 0, 0, 1, 0};
    char *out = render(r, &ctx, "csv");
    assert_non_null(strstr(out, "info,first_ts,,,,,,,,,,,\n"));
    assert_non_null(strstr(out, "service,http,tcp,registered,,,1,10,3000,2972,0.7500,,\n"));
    assert_non_null(strstr(out, "total,all,,,,,2,0,0,,0.0000,,\n"));
    free(out);
    report_free(r);
}

/* Two workers' reports merged say what one report of all the flows says. */
static void test_merge(void **state)
{
    fixture *fx = *state;
    ps_report *a = report_create(), *b = report_create(), *whole = report_create();
    add(a, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 10, 3000);
    add(b, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 5, 1000);
    add(b, PS_TRANSPORT_UDP, NULL, PS_REG_UNREGISTERED, 2, 500);
    add(whole, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 10, 3000);
    add(whole, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 5, 1000);
    add(whole, PS_TRANSPORT_UDP, NULL, PS_REG_UNREGISTERED, 2, 500);

    ps_run_stats ra, rb, rw;
    run_stats_init(&ra);
    run_stats_init(&rb);
    run_stats_init(&rw);
    ra.packets = 12, ra.frame_bytes = 3100, ra.first_ns = T0 + 5 * S, ra.last_ns = T0 + 9 * S;
    rb.packets = 9, rb.frame_bytes = 1600, rb.first_ns = T0 + 2 * S, rb.last_ns = T0 + 7 * S;
    ra.other_ip_packets[1] = 2, ra.other_ip_bytes[1] = 100;
    rb.malformed[PS_MAL_SHORT_TCP] = 1, rb.malformed_total = 1;
    rw.packets = 21, rw.frame_bytes = 4700, rw.first_ns = T0 + 2 * S, rw.last_ns = T0 + 9 * S;
    rw.other_ip_packets[1] = 2, rw.other_ip_bytes[1] = 100;
    rw.malformed[PS_MAL_SHORT_TCP] = 1, rw.malformed_total = 1;
    ps_flow_counters fa = {2, 1, 0, 1, 0, 0, 2}, fb = {3, 2, 1, 0, 1, 0, 2};
    ps_flow_counters fw = {5, 3, 1, 1, 1, 0, 4};
    report_set_counters(a, &ra, &fa, 1);
    report_set_counters(b, &rb, &fb, 1);
    report_set_counters(whole, &rw, &fw, 2);

    assert_int_equal(report_merge(a, b), 0);
    char *merged = render(a, &fx->ctx, "json");
    char *want = render(whole, &fx->ctx, "json");
    assert_string_equal(merged, want);
    free(merged);
    free(want);

    /* Merging into an empty report is a copy; windows widen to cover both. */
    ps_report *empty = report_create();
    report_set_window(b, T0, T0 + 10 * S);
    report_set_window(whole, T0 + 20 * S, T0 + 30 * S);
    assert_int_equal(report_merge(empty, b), 0);
    assert_int_equal(report_merge(empty, whole), 0);
    char *out = render(empty, &fx->ctx, "json");
    assert_non_null(strstr(out, "\"first_ts\":1786960800.000000,\"last_ts\":1786960830.000000,"));
    assert_non_null(strstr(out, "\"flows_created\":8,\"flows_ended\":5,\"open_flows\":3,"));
    free(out);
    report_free(empty);
    report_free(a);
    report_free(b);
    report_free(whole);
}

/* An interval's delta: a later cumulative snapshot minus an earlier one. */
static void test_subtract(void **state)
{
    fixture *fx = *state;
    ps_report *earlier = report_clone(fx->report);
    assert_non_null(earlier);
    add(fx->report, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 3, 900);
    add(fx->report, PS_TRANSPORT_SCTP, NULL, PS_REG_UNREGISTERED, 1, 60);
    fx->run.packets += 4;
    fx->run.frame_bytes += 960;
    fx->run.last_ns = T0 + 70 * S;
    fx->run.malformed[PS_MAL_SHORT_TCP]++;
    fx->run.malformed_total++;
    fx->flows.flows_created += 2;
    fx->flows.flows_ended += 2;
    fx->flows.peak_flows = 9;
    report_set_counters(fx->report, &fx->run, &fx->flows, 7);

    assert_int_equal(report_subtract(fx->report, earlier), 0);
    char *out = render(fx->report, &fx->ctx, "csv");
    const char *want =
        "info,first_ts,,,,,,,,,,,1786960865.250000\n"
        "info,last_ts,,,,,,,,,,,1786960870.000000\n"
        "info,input,,,,,,,,,,,a.pcap\n"
        "info,input,,,,,,,,,,,b.pcap\n"
        "info,registry_source,,,,,,,,,,,inline\n"
        "info,registry_date,,,,,,,,,,,2026-08-17\n"
        "info,registry_age_days,,,,,,,,,,,106\n"
        "info,top,,,,,,,,,,,0\n"
        "info,aggregate_ipv4,,,,,,,,,,,32\n"
        "info,aggregate_ipv6,,,,,,,,,,,128\n"
        "info,bucket_seconds,,,,,,,,,,,0.001\n"
        "service,http,tcp,registered,,,1,3,900,872,0.9375,,\n"
        "service,(unregistered),sctp,unregistered,,,1,1,60,32,0.0625,,\n"
        "transport,,tcp,,,,1,3,900,,0.9375,,\n"
        "transport,,sctp,,,,1,1,60,,0.0625,,\n"
        "non-ip,non-ip,,,,,,0,0,,0.0000,,\n"
        "port,(unregistered),sctp,unregistered,,,1,1,60,,,,80\n"
        "total,all,,,,,2,4,960,,1.0000,,\n"
        "total,flows-created,,,,,2,,,,,,\n"
        "total,open-flows,,,,,7,,,,,,\n"
        "total,peak-flows,,,,,9,,,,,,\n"
        "total,evicted-flows,,,,,0,,,,,,\n"
        "total,fragments-matched,,,,,,0,,,,,\n"
        "total,fragments-unmatched,,,,,,0,,,,,\n"
        "total,fragment-cache-evictions,,,,,,0,,,,,\n"
        "total,unsupported-link,,,,,,0,,,,,\n"
        "malformed,all,,,,,,1,,,,,\n"
        "malformed,short-tcp-header,,,,,,1,,,,,\n"
        "series,http,tcp,registered,1786960800.000000,,1,3,900,,,,\n"
        "series,(unregistered),sctp,unregistered,1786960800.000000,,1,1,60,,,,\n"
        "caveat,";
    const char *body = strstr(out, "info,first_ts");
    assert_non_null(body);
    assert_int_equal(strncmp(body, want, strlen(want)), 0);
    free(out);
    report_free(earlier);
}

static void test_reset(void **state)
{
    fixture *fx = *state;
    report_set_window(fx->report, T0, T0 + S);
    report_reset(fx->report);
    ps_report *fresh = report_create();
    char *a = render(fx->report, &fx->ctx, "json");
    char *b = render(fresh, &fx->ctx, "json");
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"first_ts\":null,\"last_ts\":null,"));
    assert_non_null(strstr(a, "\"services\":[],"));
    free(a);
    free(b);
    /* The reset report counts afresh. */
    add(fx->report, PS_TRANSPORT_TCP, &http_entry, PS_REG_NAMED, 3, 900);
    a = render(fx->report, &fx->ctx, "csv");
    assert_non_null(strstr(a, "service,http,tcp,registered,,,1,3,900,872,1.0000,,\n"));
    free(a);
    report_free(fresh);
}

static void test_window(void **state)
{
    fixture *fx = *state;
    report_set_window(fx->report, T0 + 60 * S, T0 + 120 * S);
    char *out = render(fx->report, &fx->ctx, "text");
    const char *title = "portsniff report (final): 2026-08-17T10:01:00.000000Z to "
                        "2026-08-17T10:02:00.000000Z\n";
    assert_int_equal(strncmp(out, title, strlen(title)), 0);
    free(out);
}

static ssize_t failing_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    (void)buf;
    (void)size;
    errno = ENOSPC;
    return -1;
}

static void test_write_error_is_reported(void **state)
{
    fixture *fx = *state;
    cookie_io_functions_t io = {.write = failing_write};
    const ps_report_writer *w;
    for (size_t i = 0; (w = report_writer_at(i)) != NULL; i++) {
        FILE *f = fopencookie(NULL, "w", io);
        assert_non_null(f);
        assert_int_equal(report_write(fx->report, &fx->ctx, w, f), -1);
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_report, setup, teardown),
        cmocka_unit_test(test_text_report_live_interval_empty),
        cmocka_unit_test_setup_teardown(test_json_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_writer_carries_every_figure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exports_merge_subtract, setup, teardown),
        cmocka_unit_test(test_icmp_rows),
        cmocka_unit_test(test_writer_table),
        cmocka_unit_test_setup_teardown(test_registry_age_in_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clone_is_independent, setup, teardown),
        cmocka_unit_test(test_shares_without_run),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subtract, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error_is_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
