/* The tally (src/tally.h): flows named and added to a report on a thread of
 * their own make the same report, byte for byte in every format, as the
 * same flows named and added one by one as they end; and the report holds
 * what was handed over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portsniff/attribute.h"
#include "portsniff/fanin.h"
#include "portsniff/report.h"
#include "tally.h"

static const char registry_csv[] =
    "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,"
    "Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\n"
    "http,80,tcp,World Wide Web HTTP,,,,,,,,\n"
    "https,443,tcp,http protocol over TLS/SSL,,,,,,,,\n"
    "domain,53,udp,Domain Name Server,,,,,,,,\n"
    "mysql,3306,tcp,MySQL,,,,,,,,\n"
    "dyn-test,50000,tcp,A service in the dynamic range,,,,,,,,\n";

#define S INT64_C(1000000000)
#define T0 (INT64_C(1786960800) * S)   /* 2026-08-17T10:00:00Z */

/* Flow i of a mix: clients 10.1.x.y on ephemeral ports to a few servers on
 * 80, 443, 3306 and 53, some from a port the registry names (fan-in then
 * decides), bytes and times that differ from flow to flow. */
static void make_flow(ps_flow *f, unsigned i)
{
    static const uint16_t server_ports[] = {80, 443, 3306, 53, 50000};
    memset(f, 0, sizeof(*f));
    uint16_t sport = server_ports[i % 5];
    int udp = sport == 53;
    f->key.family = 4;
    f->key.transport = (uint8_t)(udp ? PS_TRANSPORT_UDP : PS_TRANSPORT_TCP);
    f->key.addr_a[0] = 10;
    f->key.addr_a[1] = 1;
    f->key.addr_a[2] = (uint8_t)(i >> 8);
    f->key.addr_a[3] = (uint8_t)i;
    f->key.addr_b[0] = 192;
    f->key.addr_b[1] = 0;
    f->key.addr_b[2] = 2;
    f->key.addr_b[3] = (uint8_t)(1 + i % 7);
    /* Every 11th client sends from port 80: a registered port on both sides. */
    f->key.port_a = i % 11 == 0 ? 80 : (uint16_t)(32768 + i % 20000);
    f->key.port_b = sport;
    f->orig = 0;
    f->orig_basis = udp ? PS_ORIG_FIRST_PACKET : PS_ORIG_HANDSHAKE;
    f->first_ns = T0 + (int64_t)i * (S / 100);
    f->last_ns = f->first_ns + (int64_t)(i % 13) * (S / 10);
    f->dir[0].pkts = 1 + i % 5;
    f->dir[0].frame_bytes = 100u * (1 + i % 9);
    f->dir[0].ip_bytes = f->dir[0].frame_bytes - 14;
    f->dir[1].pkts = i % 4;
    f->dir[1].frame_bytes = 1000u * (i % 4);
    f->dir[1].ip_bytes = f->dir[1].frame_bytes ? f->dir[1].frame_bytes - 14 : 0;
    f->end_reason = PS_END_EOF;
}

static char *render(const ps_report *r, const char *format)
{
    const char *inputs[] = {"tally.pcap"};
    ps_report_context ctx = {"inline", "2026-08-17", inputs, 1, 0, 1, 0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(report_write(r, &ctx, report_writer_find(format), f), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static ps_report *new_report(void)
{
    ps_report_config cfg;
    report_config_defaults(&cfg, 0);
    cfg.top_n = 5;
    /* Small talker tables, so that they go approximate and the order the
     * flows are added in shows in the report. */
    cfg.service_talkers = 16;
    cfg.host_talkers = 64;
    ps_report *r = report_create_with(&cfg);
    assert_non_null(r);
    return r;
}

/* n flows: one report as each flow ends, one through a tally. */
static void compare(unsigned n)
{
    char err[256] = "";
    ps_registry *reg = registry_parse(registry_csv, sizeof(registry_csv) - 1, "inline", err, sizeof(err));
    if (!reg)
        fail_msg("registry_parse: %s", err);
    ps_flow *flows = calloc(n ? n : 1, sizeof(*flows));
    assert_non_null(flows);
    for (unsigned i = 0; i < n; i++)
        make_flow(&flows[i], i);

    ps_report *one_by_one = new_report(), *tallied = new_report();
    ps_fanin *fan1 = fanin_create(), *fan2 = fanin_create();
    assert_non_null(fan1);
    assert_non_null(fan2);
    ps_tally *t = tally_start(reg, tallied);
    assert_non_null(t);
    unsigned peers_seen = 0;
    for (unsigned i = 0; i < n; i++) {
        const ps_flow *f = &flows[i];
        ps_endpoint a = {f->key.addr_a, 0, f->key.port_a, f->key.family, f->key.transport};
        ps_endpoint b = {f->key.addr_b, 0, f->key.port_b, f->key.family, f->key.transport};
        ps_flow_fanin c1, c2;
        ps_label label;
        fanin_note_flow(fan1, &a, &b, &c1.peers_a, &c1.peers_b);
        attribute_flow(reg, &c1, f, &label);
        report_add_flow(one_by_one, f, &label);
        report_add_tunnels(one_by_one, f, NULL, NULL);
        fanin_note_flow(fan2, &a, &b, &c2.peers_a, &c2.peers_b);
        assert_int_equal(c1.peers_a, c2.peers_a);
        assert_int_equal(c1.peers_b, c2.peers_b);
        if (c2.peers_b > 1)
            peers_seen++;
        tally_add(t, f, &c2, NULL, NULL);
    }
    tally_finish(t);
    /* The servers were seen with many peer ports: the fan-in counts the
     * tally was handed were not all zeros. */
    if (n >= 100)
        assert_true(peers_seen > n / 2);

    const char *formats[] = {"text", "csv", "json"};
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        char *x = render(one_by_one, formats[k]), *y = render(tallied, formats[k]);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    /* And the report holds every flow handed over: its transport rows'
     * flows add up to n. */
    char *csv = render(tallied, "csv");
    unsigned long flows_in_rows = 0;
    for (const char *line = csv; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, "transport,", 10) != 0)
            continue;
        const char *field = line;
        for (int commas = 0; commas < 6; commas++)
            field = strchr(field, ',') + 1;
        flows_in_rows += strtoul(field, NULL, 10);
    }
    assert_int_equal(flows_in_rows, n);
    if (n == 1000) {
        /* Each of the five servers' ports has 200 flows; i % 5 == 3 is DNS:
         * 200 * 4 packets from the clients and 1.5 a flow on average back. */
        assert_non_null(strstr(csv, "\nservice,domain,udp,registered,,,200,1100,400300,395400,"));
        assert_non_null(strstr(csv, "\nservice,http,tcp,registered,,,200,500,399700,394800,"));
        assert_non_null(strstr(csv, "\ntransport,,tcp,,,,800,3400,1599300,"));
    }
    free(csv);
    report_free(one_by_one);
    report_free(tallied);
    fanin_free(fan1);
    fanin_free(fan2);
    registry_free(reg);
    free(flows);
}

static void test_tally_empty(void **state)
{
    (void)state;
    compare(0);
}

static void test_tally_partial_batch(void **state)
{
    (void)state;
    compare(1000);
}

static void test_tally_many_batches(void **state)
{
    (void)state;
    /* More than the ring's batches hold at once: the flushing side waits
     * for room, the tally's thread for batches. */
    compare(40000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tally_empty),
        cmocka_unit_test(test_tally_partial_batch),
        cmocka_unit_test(test_tally_many_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
