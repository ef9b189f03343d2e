/* Flow record writers: the exact text, JSON and CSV for constructed flows,
 * and the escaping and formatting helpers they share. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <unistd.h>

#include "deadline.h"
#include "portsniff/output.h"
#include "output/common.h"

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

/* A flow and the Zeek state that a flow table writing records keeps right
 * after it in its slot (flow_zeek_state). */
typedef struct flow_slot {
    ps_flow f;
    ps_zeek_state z;
} flow_slot;
_Static_assert(offsetof(flow_slot, z) == PS_FLOW_EXT_OFFSET, "the slot's layout is the table's");

/* The Zeek state of the web flow below: history ShADadFf (a is the
 * originator) and 300 bytes of payload up, 2400 down, with their SYN and
 * FIN octets. */
static ps_zeek_state web_zeek(void)
{
    ps_zeek_state z;
    memset(&z, 0, sizeof(z));
    z.letters[0] = z.letters[1] = PS_HIST_SYN | PS_HIST_ACK | PS_HIST_DATA | PS_HIST_FIN;
    /* S h A D a d F f: nibbles 0 9 2 3 a b 4 c from bit 0, 8 letters */
    z.history = 0xc4ba3290ull | 8ull << PS_HISTORY_COUNT_SHIFT;
    z.payload[0] = 302;
    z.payload[1] = 2402;
    z.seq_started = 3;
    return z;
}

/* What a sink of format fmt writes (begin, the records, end) through an
 * output file, read back; free it. With zeek, each flow is written from a
 * slot that holds that Zeek state after it (as a table writing records
 * keeps); without, as a table that keeps none (-q) would hand it over. */
/* How render_zeek's sink writes: as it comes (0), or deferred
 * (flow_sink_defer) with another thread formatting beside the writer as
 * the read-ahead thread does (1: flow_sink_format_some in a loop), or with
 * the sink's own thread (2: flow_sink_assist). */
static int render_mode;

typedef struct spare_thread {
    ps_flow_sink *s;
    atomic_int stop;
} spare_thread;

static void *spare_main(void *arg)
{
    spare_thread *t = arg;
    while (!atomic_load(&t->stop))
        flow_sink_format_some(t->s);
    return NULL;
}

static char *render_zeek(const char *fmt, unsigned flags, uint16_t seed, size_t n, const ps_flow *flows,
                         const ps_label *labels, const ps_zeek_state *zeek)
{
    char dir[] = "/tmp/test_output.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/flows", dir);
    ps_outfile *o = outfile_open(path);
    assert_non_null(o);
    const ps_flow_sink_ops *ops = flow_sink_find(fmt);
    assert_non_null(ops);
    ps_flow_sink *s = flow_sink_create(ops, o, flags);
    assert_non_null(s);
    s->community_id_seed = seed;
    assert_int_equal(flow_sink_begin(s), 0);
    spare_thread spare = {.s = s};
    pthread_t thread;
    if (render_mode) {
        assert_int_equal(flow_sink_defer(s, 1), 0);
        if (render_mode == 1)
            assert_int_equal(pthread_create(&thread, NULL, spare_main, &spare), 0);
        else
            assert_int_equal(flow_sink_assist(s, 1), 0);
    }
    for (size_t i = 0; i < n; i++) {
        flow_slot slot;
        memset(&slot, 0, sizeof(slot));
        slot.f = flows[i];
        slot.f.has_zeek = zeek != NULL;
        if (zeek)
            slot.z = *zeek;
        flow_sink_write(s, &slot.f, &labels[i], NULL);
    }
    if (render_mode == 1) {
        atomic_store(&spare.stop, 1);
        assert_int_equal(pthread_join(thread, NULL), 0);
    }
    assert_int_equal(flow_sink_end(s), 0);
    assert_int_equal(s->records, n);
    flow_sink_free(s);
    assert_int_equal(outfile_close(o), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = getc(f)) != EOF)
        putc(c, m);
    fclose(m);
    fclose(f);
    unlink(path);
    rmdir(dir);
    return buf;
}

static char *render_with(const char *fmt, unsigned flags, uint16_t seed, size_t n, const ps_flow *flows,
                         const ps_label *labels)
{
    ps_zeek_state z = web_zeek();
    return render_zeek(fmt, flags, seed, n, flows, labels, &z);
}

static char *render(const char *fmt, size_t n, const ps_flow *flows, const ps_label *labels)
{
    return render_with(fmt, 0, 0, n, flows, labels);
}

static char *render1(const char *fmt, const ps_flow *flow, const ps_label *label)
{
    return render(fmt, 1, flow, label);
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
    f.dir[0] = (ps_dir_stats){.pkts = 6, .frame_bytes = 520, .ip_bytes = 436,
                              .tcp_flags = PS_TCP_SYN | PS_TCP_ACK | PS_TCP_PSH | PS_TCP_FIN};
    f.dir[1] = (ps_dir_stats){.pkts = 4, .frame_bytes = 2960, .ip_bytes = 2880,
                              .tcp_flags = PS_TCP_SYN | PS_TCP_ACK | PS_TCP_FIN};
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
    f.dir[0] = (ps_dir_stats){.pkts = 2, .frame_bytes = 200, .ip_bytes = 180};
    f.dir[1] = (ps_dir_stats){.pkts = 3, .frame_bytes = 330, .ip_bytes = 300};
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
    char *out;
    ps_flow f = web_flow();
    ps_label l = web_label();
    assert_string_equal(out = render1("text", &f, &l),
        "10:00:00.123456 tcp 10.0.0.1:49152 > 10.0.0.2:80 http/80 6/520 4/2960 0.123456 "
        "fin FSP./FS.\n");
    free(out);
    assert_string_equal(out = render_with("text", PS_SINK_VERBOSE, 0, 1, &f, &l),
        "10:00:00.123456 tcp 10.0.0.1:49152 > 10.0.0.2:80 http/80 6/520 4/2960 0.123456 "
        "fin FSP./FS. handshake registered - - 1:c7odrNT85IbjyKXvAQ7cZPNgNEY= - ShADadFf 300/2400 "
        "\"World Wide Web HTTP\"\n");
    free(out);
    assert_string_equal(out = render_with("text", PS_SINK_TS_DATE, 0, 1, &f, &l),
        "2026-08-17T10:00:00.123456Z tcp 10.0.0.1:49152 > 10.0.0.2:80 http/80 6/520 4/2960 "
        "0.123456 fin FSP./FS.\n");
    free(out);
    assert_string_equal(out = render_with("text", PS_SINK_TS_EPOCH, 0, 1, &f, &l),
        "1786960800.123456 tcp 10.0.0.1:49152 > 10.0.0.2:80 http/80 6/520 4/2960 0.123456 "
        "fin FSP./FS.\n");
    free(out);
    assert_string_equal(out = render_with("text", PS_SINK_TS_NONE, 0, 1, &f, &l),
        "tcp 10.0.0.1:49152 > 10.0.0.2:80 http/80 6/520 4/2960 0.123456 fin FSP./FS.\n");
    free(out);

    /* Absent values are "-": no TCP flags, no description; the VLAN shows. */
    ps_flow s = sctp_flow();
    l = unregistered_label(5000, PS_BASIS_HANDSHAKE);
    assert_string_equal(out = render1("text", &s, &l),
        "10:00:00.000000 sctp [2001:db8::2]:38412 > [2001:db8::1]:5000 "
        "(unregistered)/5000 3/330 2/200 2.000005 abort -\n");
    free(out);
    assert_string_equal(out = render_with("text", PS_SINK_VERBOSE, 0, 1, &s, &l),
        "10:00:00.000000 sctp [2001:db8::2]:38412 > [2001:db8::1]:5000 "
        "(unregistered)/5000 3/330 2/200 2.000005 abort - handshake unregistered 7 - "
        "1:JeUZMsfOPngHzq/syZ17H0vnLL0= - - -/- -\n");
    free(out);
    /* The Community ID follows --community-id-seed (the hashes are the
     * spec's algorithm worked out independently with Python's hashlib). */
    l = web_label();
    out = render_with("text", PS_SINK_VERBOSE, 0, 1, &f, &l);
    assert_non_null(strstr(out, " 1:c7odrNT85IbjyKXvAQ7cZPNgNEY= - ShADadFf 300/2400 \"World Wide Web HTTP\"\n"));
    free(out);
    out = render_with("text", PS_SINK_VERBOSE, 1, 1, &f, &l);
    assert_null(strstr(out, "1:c7odrNT85IbjyKXvAQ7cZPNgNEY="));
    assert_non_null(strstr(out, " 1:"));
    free(out);
}

/* Every line has the same number of fields (11; 17 with -v, the description
 * last), and a busy IPv4 flow between private and public addresses fits in
 * 120 columns. */
static void test_text_fixed_fields(void **state)
{
    (void)state;
    ps_flow f = web_flow();
    inet_pton(AF_INET, "192.168.1.105", f.key.addr_a);
    inet_pton(AF_INET, "45.57.40.1", f.key.addr_b);
    f.key.port_a = 52344;
    f.key.port_b = 443;
    f.dir[0].pkts = 4821;
    f.dir[0].frame_bytes = 389120;
    f.dir[1].pkts = 10233;
    f.dir[1].frame_bytes = 14872311;
    f.last_ns = f.first_ns + 312 * S + 654321000;
    f.end_reason = PS_END_IDLE;
    ps_reg_entry https = http_entry;
    https.name = "https";
    ps_label l = {.entry = &https, .service_port = 443,
                  .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    char *out = render1("text", &f, &l);
    assert_string_equal(out, "10:00:00.123456 tcp 192.168.1.105:52344 > 45.57.40.1:443 https/443 "
                             "4821/389120 10233/14872311 312.654321 idle FSP./FS.\n");
    assert_true(strlen(out) - 1 <= 120);
    free(out);

    const ps_flow flows[2] = {f, sctp_flow()};
    const ps_label labels[2] = {l, unregistered_label(5000, PS_BASIS_HANDSHAKE)};
    for (int verbose = 0; verbose < 2; verbose++) {
        out = render_with("text", verbose ? PS_SINK_VERBOSE : 0, 0, 2, flows, labels);
        int lines = 0;
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
            int fields = 0;
            for (char *p = line; *p; p++)
                fields += (p == line || p[-1] == ' ') && *p != ' ';
            /* The description "World Wide Web HTTP" is four words. */
            assert_int_equal(fields, verbose ? (strchr(line, '"') ? 23 : 20) : 11);
        }
        assert_int_equal(lines, 2);
        free(out);
    }
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
    char *out;
    assert_string_equal(out = render_with("text", PS_SINK_VERBOSE, 0, 1, &f, &l),
        "10:00:00.123456 tcp 10.0.0.1:49152 > 10.0.0.2:80 odd/80 6/520 4/2960 0.123456 "
        "fin none/FS. lower-port registered - - 1:c7odrNT85IbjyKXvAQ7cZPNgNEY= - ShADadFf 301/2400 \"say \\\"hi\\\"\\\\\\x0anow\"\n");
    free(out);
}

static void test_json_record(void **state)
{
    (void)state;
    char *out;
    ps_flow f = web_flow();
    ps_label l = web_label();
    assert_string_equal(out = render1("json", &f, &l),
        "{\"record\":\"flow\",\"ts\":1786960800.123456,\"duration\":0.123456,\"proto\":\"tcp\","
        "\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":49152,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,"
        "\"orig_pkts\":6,\"resp_pkts\":4,\"orig_ip_bytes\":436,\"resp_ip_bytes\":2880,"
        "\"orig_frame_bytes\":520,\"resp_frame_bytes\":2960,\"service\":\"http\","
        "\"service_status\":\"registered\",\"service_port\":80,"
        "\"service_description\":\"World Wide Web HTTP\",\"label_basis\":\"handshake\","
        "\"end_reason\":\"fin\",\"orig_tcp_flags\":\"FSP.\",\"resp_tcp_flags\":\"FS.\","
        "\"uid\":\"C1SdHwrVuUCWgx69BP\",\"conn_state\":\"SF\","
        "\"history\":\"ShADadFf\",\"orig_bytes\":300,\"resp_bytes\":2400,"
        "\"community_id\":\"1:c7odrNT85IbjyKXvAQ7cZPNgNEY=\"}\n");
    free(out);

    ps_flow s = sctp_flow();
    l = unregistered_label(5000, PS_BASIS_HANDSHAKE);
    assert_string_equal(out = render1("json", &s, &l),
        "{\"record\":\"flow\",\"ts\":1786960800.000000,\"duration\":2.000005,\"proto\":\"sctp\","
        "\"id.orig_h\":\"2001:db8::2\",\"id.orig_p\":38412,\"id.resp_h\":\"2001:db8::1\",\"id.resp_p\":5000,"
        "\"orig_pkts\":3,\"resp_pkts\":2,\"orig_ip_bytes\":300,\"resp_ip_bytes\":180,"
        "\"orig_frame_bytes\":330,\"resp_frame_bytes\":200,\"service\":null,"
        "\"service_status\":\"unregistered\",\"service_port\":5000,\"service_description\":null,"
        "\"label_basis\":\"handshake\",\"end_reason\":\"abort\",\"vlan\":7,"
        "\"sctp_chunks\":[\"DATA\",\"INIT\",\"INIT_ACK\",\"CHUNK_20\"],"
        "\"uid\":\"C3kbZd900eaaU6YRQD\",\"conn_state\":\"OTH\","
        "\"history\":null,\"orig_bytes\":null,\"resp_bytes\":null,"
        "\"community_id\":\"1:JeUZMsfOPngHzq/syZ17H0vnLL0=\"}\n");
    free(out);
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
    char *out = render1("json", &f, &l);
    assert_non_null(strstr(out, "\"proto\":\"dccp\""));
    assert_non_null(strstr(out, "\"service\":null,\"service_status\":\"reserved\",\"service_port\":80,"
                                "\"service_description\":\"Reserved\",\"label_basis\":\"port-range\","
                                "\"end_reason\":\"dccp-reset\",\"dccp_service_code\":1685351985,"
                                "\"uid\":\"C"));
    assert_non_null(strstr(out, "\",\"conn_state\":\"OTH\",\"history\":null,\"orig_bytes\":null,"
                                "\"resp_bytes\":null,\"community_id\":\"1:qKfrGVs14/VI2wLMVfhXXHfa6a0=\"}\n"));
    assert_null(strstr(out, "tcp_flags"));
    free(out);

    out = render_with("text", PS_SINK_VERBOSE, 0, 1, &f, &l);
    assert_non_null(strstr(out, " (reserved)/80 6/520 4/2960 0.123456 dccp-reset - port-range reserved - - 1:qKfrGVs14/VI2wLMVfhXXHfa6a0= - - -/- \"Reserved\"\n"));
    free(out);
}

/* The other services of the label's port, and a DCCP Service Code the
 * port disagrees with, in each format. */
static void test_other_services_and_port_service(void **state)
{
    (void)state;
    static const ps_reg_entry nfs = {.name = "nfs", .description = "Network File System", .reference = "",
                                     .port_lo = 2049, .port_hi = 2049, .transport = PS_TRANSPORT_TCP,
                                     .status = PS_REG_NAMED, .has_port = 1};
    static const ps_reg_entry shilp = {.name = "shilp", .description = "", .reference = "",
                                       .port_lo = 2049, .port_hi = 2049, .transport = PS_TRANSPORT_TCP,
                                       .status = PS_REG_NAMED, .has_port = 1};
    static const ps_reg_entry other = {.name = "other-nfs", .description = "x", .reference = "",
                                       .port_lo = 2049, .port_hi = 2049, .transport = PS_TRANSPORT_TCP,
                                       .status = PS_REG_NAMED, .has_port = 1};
    ps_flow f = web_flow();
    f.key.port_b = 2049;
    ps_label l = {.entry = &nfs, .service_port = 2049, .basis = PS_BASIS_HANDSHAKE,
                  .status = PS_REG_NAMED, .nalso = 2, .also = {&shilp, &other}};
    char *out = render1("json", &f, &l);
    assert_non_null(strstr(out, "\"service\":\"nfs\","));
    assert_non_null(strstr(out, ",\"service_also\":[\"shilp\",\"other-nfs\"],\"uid\":\"C"));
    assert_null(strstr(out, "port_service"));
    assert_null(strstr(out, "expected_service_code"));
    free(out);
    out = render1("csv", &f, &l);
    assert_non_null(strstr(out, ",FSP.,FS.,,,shilp|other-nfs,,,C"));
    free(out);
    out = render_with("text", PS_SINK_VERBOSE, 0, 1, &f, &l);
    assert_string_equal(out, "10:00:00.123456 tcp 10.0.0.1:49152 > 10.0.0.2:2049 nfs/2049 6/520 4/2960 "
                             "0.123456 fin FSP./FS. handshake registered - shilp|other-nfs "
                             "1:v10pUzO1lvZCVL1wydNKJCsEm30= - ShADadFf 300/2400 \"Network File System\"\n");
    free(out);

    /* DCCP: the code names http, the port alone says nfs. */
    ps_flow d = web_flow();
    d.key.transport = PS_TRANSPORT_DCCP;
    d.dir[0].tcp_flags = d.dir[1].tcp_flags = 0;
    d.dccp_has_service_code = 1;
    d.key.port_b = 2049;
    d.dccp_service_code = 1213486160;
    ps_label c = {.entry = &http_entry, .service_port = 2049, .basis = PS_BASIS_SERVICE_CODE,
                  .status = PS_REG_NAMED, .port_differs = 1, .port_status = PS_REG_NAMED,
                  .port_entry = &nfs};
    out = render1("json", &d, &c);
    assert_non_null(strstr(out, "\"label_basis\":\"service-code\","));
    assert_non_null(strstr(out, ",\"dccp_service_code\":1213486160,\"port_service\":\"nfs\",\"uid\":\"C"));
    free(out);
    /* An unregistered code where the port's entry registers 1685351985. */
    ps_label u = {.entry = &nfs, .service_port = 2049, .basis = PS_BASIS_REGISTERED,
                  .status = PS_REG_NAMED, .has_expected_code = 1, .expected_code = 1685351985};
    out = render1("csv", &d, &u);
    assert_non_null(strstr(out, ",2049,Network File System,registered,fin,,,,,1213486160,,,1685351985,C"));
    free(out);
}

static void test_csv_records(void **state)
{
    (void)state;
    ps_reg_entry comma = http_entry;
    comma.description = "one, \"two\"";
    const ps_flow flows[3] = {web_flow(), sctp_flow(), web_flow()};
    const ps_label labels[3] = {web_label(), unregistered_label(5000, PS_BASIS_HANDSHAKE),
                                {.entry = &comma, .service_port = 80,
                                 .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED}};
    char *out;
    assert_string_equal(out = render("csv", 3, flows, labels),
        "ts,duration,proto,id.orig_h,id.orig_p,id.resp_h,id.resp_p,orig_pkts,resp_pkts,"
        "orig_ip_bytes,resp_ip_bytes,orig_frame_bytes,resp_frame_bytes,service,service_status,"
        "service_port,service_description,label_basis,end_reason,vlan,orig_tcp_flags,"
        "resp_tcp_flags,sctp_chunks,dccp_service_code,service_also,port_service,expected_service_code,"
        "uid,conn_state,history,orig_bytes,resp_bytes,community_id,tunnel\n"
        "1786960800.123456,0.123456,tcp,10.0.0.1,49152,10.0.0.2,80,6,4,436,2880,520,2960,"
        "http,registered,80,World Wide Web HTTP,handshake,fin,,FSP.,FS.,,,,,,C1SdHwrVuUCWgx69BP,SF,ShADadFf,300,2400,"
        "1:c7odrNT85IbjyKXvAQ7cZPNgNEY=,\n"
        "1786960800.000000,2.000005,sctp,2001:db8::2,38412,2001:db8::1,5000,3,2,300,180,330,200,"
        ",unregistered,5000,,handshake,abort,7,,,DATA|INIT|INIT_ACK|CHUNK_20,,,,,C3kbZd900eaaU6YRQD,OTH,,,,"
        "1:JeUZMsfOPngHzq/syZ17H0vnLL0=,\n"
        "1786960800.123456,0.123456,tcp,10.0.0.1,49152,10.0.0.2,80,6,4,436,2880,520,2960,"
        "http,registered,80,\"one, \"\"two\"\"\",handshake,fin,,FSP.,FS.,,,,,,C1SdHwrVuUCWgx69BP,SF,ShADadFf,300,2400,"
        "1:c7odrNT85IbjyKXvAQ7cZPNgNEY=,\n");
    free(out);
}

/* Zeek's conn_state from the flags each side sent: one flow per state. */
static void test_conn_state(void **state)
{
    (void)state;
    enum { SY = PS_TCP_SYN, A = PS_TCP_ACK, F = PS_TCP_FIN, R = PS_TCP_RST, P = PS_TCP_PSH };
    static const struct {
        uint8_t transport;
        uint64_t orig_pkts, resp_pkts;
        uint8_t orig_flags, resp_flags;
        const char *want;
    } cases[] = {
        {PS_TRANSPORT_TCP, 2, 0, SY, 0, "S0"},                     /* SYN, retried, no answer */
        {PS_TRANSPORT_TCP, 3, 2, SY | A | P, SY | A | P, "S1"},     /* open, still talking */
        {PS_TRANSPORT_TCP, 5, 4, SY | A | P | F, SY | A | F, "SF"},
        {PS_TRANSPORT_TCP, 1, 1, SY, R | A, "REJ"},                /* SYN answered by RST */
        {PS_TRANSPORT_TCP, 4, 3, SY | A | F, SY | A, "S2"},         /* only the originator closed */
        {PS_TRANSPORT_TCP, 4, 3, SY | A, SY | A | F, "S3"},
        {PS_TRANSPORT_TCP, 4, 3, SY | A | R, SY | A, "RSTO"},
        {PS_TRANSPORT_TCP, 4, 3, SY | A, SY | A | R, "RSTR"},
        {PS_TRANSPORT_TCP, 2, 0, SY | R, 0, "RSTOS0"},
        {PS_TRANSPORT_TCP, 1, 2, A, SY | A | R, "RSTRH"},          /* SYN-ACK, RST; no SYN seen */
        {PS_TRANSPORT_TCP, 2, 0, SY | F, 0, "SH"},
        {PS_TRANSPORT_TCP, 0, 2, 0, SY | A | F, "SHR"},
        {PS_TRANSPORT_TCP, 6, 5, A | P, A | P, "OTH"},            /* picked up mid-stream */
        {PS_TRANSPORT_UDP, 1, 1, 0, 0, "SF"},
        {PS_TRANSPORT_UDP, 3, 0, 0, 0, "S0"},
        {PS_TRANSPORT_SCTP, 7, 6, 0, 0, "OTH"},
        {PS_TRANSPORT_DCCP, 5, 4, 0, 0, "OTH"},
    };
    const ps_flow_field *cs = ps_field_by_name("conn_state");
    assert_non_null(cs);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ps_flow f = web_flow();
        f.key.transport = cases[i].transport;
        f.orig = (uint8_t)(i & 1);   /* either endpoint may be the originator */
        f.dir[f.orig] = (ps_dir_stats){.pkts = cases[i].orig_pkts, .frame_bytes = 100, .ip_bytes = 80,
                                       .tcp_flags = cases[i].orig_flags};
        f.dir[!f.orig] = (ps_dir_stats){.pkts = cases[i].resp_pkts, .frame_bytes = 100, .ip_bytes = 80,
                                        .tcp_flags = cases[i].resp_flags};
        ps_label l = web_label();
        ps_flow_rec r = {&f, &l, 0, NULL};
        ps_value v;
        v.absent = 0;
        cs->get(&r, &v);
        assert_false(v.absent);
        if (strcmp(v.s, cases[i].want) != 0)
            fail_msg("case %zu: conn_state %s, want %s", i, v.s, cases[i].want);
    }
}

/* uid: C and 17 base62 digits; the same flow gives the same uid, another
 * start time or 5-tuple another. */
static void test_uid(void **state)
{
    (void)state;
    const ps_flow_field *uf = ps_field_by_name("uid");
    ps_flow f = web_flow(), g = web_flow(), h = web_flow();
    g.first_ns += 1000;
    h.key.port_a++;
    ps_label l = web_label();
    char uid[3][32];
    const ps_flow *fl[3] = {&f, &g, &h};
    for (int i = 0; i < 3; i++) {
        ps_flow_rec r = {fl[i], &l, 0, NULL};
        ps_value v;
        v.absent = 0;
        uf->get(&r, &v);
        assert_int_equal(strlen(v.s), 18);
        assert_int_equal(v.s[0], 'C');
        assert_int_equal(strspn(v.s + 1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"), 17);
        snprintf(uid[i], sizeof(uid[i]), "%s", v.s);
    }
    assert_string_equal(uid[0], "C1SdHwrVuUCWgx69BP");
    assert_string_not_equal(uid[0], uid[1]);
    assert_string_not_equal(uid[0], uid[2]);
}

/* Zeek's TSV conn.log: the header, a row with "-" for unset values, and
 * escapes of what would break a field. */
/* A flow from a table that keeps no Zeek state (no flow records written:
 * -q) has no history and no payload bytes, in every format. */
static void test_zeek_fields_need_state(void **state)
{
    (void)state;
    ps_flow f = web_flow();
    ps_label l = web_label();
    char *out = render_zeek("json", 0, 0, 1, &f, &l, NULL);
    assert_non_null(strstr(out, "\"conn_state\":\"SF\",\"history\":null,\"orig_bytes\":null,"
                                "\"resp_bytes\":null,\"community_id\":"));
    free(out);
    out = render_zeek("csv", 0, 0, 1, &f, &l, NULL);
    assert_non_null(strstr(out, ",C1SdHwrVuUCWgx69BP,SF,,,,1:c7odrNT85IbjyKXvAQ7cZPNgNEY=,\n"));
    free(out);
    out = render_zeek("text", PS_SINK_VERBOSE, 0, 1, &f, &l, NULL);
    assert_non_null(strstr(out, " 1:c7odrNT85IbjyKXvAQ7cZPNgNEY= - - -/- \"World Wide Web HTTP\"\n"));
    free(out);
    out = render_zeek("zeek", 0, 0, 1, &f, &l, NULL);
    assert_non_null(strstr(out, "\ttcp\thttp\t0.123456\t-\t-\tSF\t-\t6\t436\t4\t2880\t"));
    free(out);
}

static void test_zeek_log(void **state)
{
    (void)state;
    ps_reg_entry odd = http_entry;
    odd.description = "tab\there, back\\slash";
    ps_flow f = web_flow();
    ps_label l = {.entry = &odd, .service_port = 80,
                  .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    char *out = render1("zeek", &f, &l);
    static const char head[] = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                               "#unset_field\t-\n#path\tconn\n#open\t";
    assert_true(strncmp(out, head, sizeof(head) - 1) == 0);
    /* Zeek's conn.log columns in Zeek's order, then portsniff's own. */
    assert_non_null(strstr(out, "\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
                                "service\tduration\torig_bytes\tresp_bytes\tconn_state\thistory\t"
                                "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"
                                "orig_frame_bytes\tresp_frame_bytes\tservice_status\tservice_port\t"
                                "service_description\tlabel_basis\tend_reason\tvlan\torig_tcp_flags\t"
                                "resp_tcp_flags\tsctp_chunks\tdccp_service_code\tservice_also\t"
                                "port_service\texpected_service_code\tcommunity_id\ttunnel\n#types\t"));
    assert_non_null(strstr(out, "\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\t"
                                "interval\tcount\tcount\tstring\tstring\tcount\tcount\tcount\tcount\t"));
    assert_non_null(strstr(out, "\n1786960800.123456\tC1SdHwrVuUCWgx69BP\t10.0.0.1\t49152\t10.0.0.2\t80\t"
                                "tcp\thttp\t0.123456\t300\t2400\tSF\tShADadFf\t6\t436\t4\t2880\t520\t2960\t"
                                "registered\t80\ttab\\x09here, back\\x5cslash\thandshake\tfin\t-\tFSP.\tFS.\t"
                                "-\t-\t-\t-\t-\t1:c7odrNT85IbjyKXvAQ7cZPNgNEY=\t-\n#close\t"));
    free(out);
}

/* The formats --flows takes, and the schema they share. */
static void test_formats_and_schema(void **state)
{
    (void)state;
    assert_non_null(flow_sink_find("text"));
    assert_ptr_equal(flow_sink_find("JSON"), flow_sink_find("json"));
    assert_non_null(flow_sink_find("csv"));
    assert_null(flow_sink_find("none"));
    assert_null(flow_sink_find("xml"));
    assert_null(flow_sink_find(NULL));
    for (size_t i = 0; i < PS_F_COUNT; i++) {
        const ps_flow_field *f = &ps_flow_fields[i];
        assert_non_null(f->name);
        assert_non_null(f->get);
        assert_true(f->type < PS_FT_COUNT_TYPES);
        assert_ptr_equal(ps_field_by_name(f->name), f);
    }
    assert_string_equal(ps_field_zeek_type(ps_field_by_name("ts")), "time");
    assert_string_equal(ps_field_zeek_type(ps_field_by_name("proto")), "enum");
    assert_string_equal(ps_field_zeek_type(ps_field_by_name("id.resp_p")), "port");
    assert_string_equal(ps_field_zeek_type(ps_field_by_name("sctp_chunks")), "set[string]");
    assert_int_equal(ps_field_by_name("id.orig_h")->ipfix_id, 8);
    assert_int_equal(ps_field_by_name("id.orig_h")->ipfix_id6, 27);
    assert_true(ps_field_by_name("resp_pkts")->flags & PS_FF_REVERSE);
    assert_null(ps_field_by_name("no_such_field"));
}

/* Records longer than the writers' chunk, many of them: nothing is lost or
 * reordered where the output buffer fills and is written out. */
static void test_long_records(void **state)
{
    (void)state;
    enum { N = 400 };
    static char desc[3000];
    for (size_t i = 0; i < sizeof(desc) - 1; i++)
        desc[i] = (char)('a' + i % 26);
    ps_reg_entry wordy = http_entry;
    wordy.description = desc;
    static ps_flow flows[N];
    static ps_label labels[N];
    for (int i = 0; i < N; i++) {
        flows[i] = web_flow();
        flows[i].dir[0].pkts = (uint64_t)i;
        labels[i] = (ps_label){.entry = &wordy, .service_port = 80, .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    }
    char *out = render("json", N, flows, labels);
    const char *p = out;
    for (int i = 0; i < N; i++) {
        char want[64];
        snprintf(want, sizeof(want), "\"orig_pkts\":%d,", i);
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(strstr(p, want) != NULL && strstr(p, want) < nl);
        assert_true(strstr(p, desc) != NULL && strstr(p, desc) < nl);
        p = nl + 1;
    }
    assert_string_equal(p, "");
    free(out);
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

/* ps_put_u64 and ps_put_ts against printf: each side of every power of ten,
 * the extremes, and a sweep of values of every length. */
static void check_u64_text(uint64_t v)
{
    char got[PS_PUT_U64_MAX + 1], want[32];
    char *end = ps_put_u64(got, v);
    *end = '\0';
    snprintf(want, sizeof(want), "%" PRIu64, v);
    assert_string_equal(got, want);
}

static void check_ts_text(int64_t ns)
{
    char got[PS_PUT_TS_MAX + 1], want[40];
    char *end = ps_put_ts(got, ns);
    *end = '\0';
    uint64_t mag = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;
    snprintf(want, sizeof(want), "%s%" PRIu64 ".%06" PRIu64, ns < 0 ? "-" : "",
             mag / 1000000000u, mag % 1000000000u / 1000u);
    assert_string_equal(got, want);
}

static void test_number_text(void **state)
{
    (void)state;
    uint64_t p = 1;
    for (int k = 0; k < 20; k++, p *= 10) {
        check_u64_text(p - 1);
        check_u64_text(p);
        check_u64_text(p + 1);
        check_ts_text((int64_t)(p - 1));
        check_ts_text((int64_t)p);
        check_ts_text(-(int64_t)p);
        if (k <= 18)
            check_ts_text((int64_t)(p * 1000 % 9223372036854775807u));
    }
    check_u64_text(UINT64_MAX);
    check_u64_text((uint64_t)1 << 63);
    check_ts_text(INT64_MAX);
    check_ts_text(INT64_MIN);
    check_ts_text(0);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 100000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t v = x >> (i % 64);
        check_u64_text(v);
        check_ts_text((int64_t)v);
    }
    char buf[8];
    assert_int_equal(ps_put_u64(buf, 0) - buf, 1);
    assert_int_equal(buf[0], '0');
    assert_int_equal(ps_put_u64(buf, 1234567) - buf, 7);
    assert_memory_equal(buf, "1234567", 7);
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

}

/* The times a Zeek log's #open and #close lines carry (the clock's, which
 * two renderings may straddle) overwritten with X. */
static void mask_log_times(char *s)
{
    static const char *const tags[] = {"#open\t", "#close\t"};
    for (int i = 0; i < 2; i++)
        for (char *p = strstr(s, tags[i]); p; p = strstr(p, tags[i]))
            for (p += strlen(tags[i]); *p && *p != '\n'; p++)
                *p = 'X';
}

/* Deferred records (flow_sink_defer) come out byte for byte as written in
 * the writing thread, in every format, with and without Zeek state, with
 * another thread formatting beside the writer and with the sink's own: 3
 * records (the end formats them) and 10,000 (more than the ring holds, so
 * the writer formats some itself), each written from a slot the next
 * record overwrites. */
static void test_deferred_same_bytes(void **state)
{
    (void)state;
    enum { N = 10000 };
    static ps_flow flows[N];
    static ps_label labels[N];
    static const ps_reg_entry ssh = {
        .name = "ssh", .description = "The Secure Shell (SSH) Protocol", .reference = "",
        .port_lo = 22, .port_hi = 22, .transport = PS_TRANSPORT_TCP, .status = PS_REG_NAMED, .has_port = 1,
    };
    for (int i = 0; i < N; i++) {
        flows[i] = web_flow();
        flows[i].key.port_a = (uint16_t)(1024 + i);
        flows[i].dir[0].pkts = (uint64_t)i;
        flows[i].dir[1].ip_bytes = (uint64_t)i * 7;
        flows[i].first_ns += i * (S / 1000);
        labels[i] = (ps_label){.entry = i % 3 ? &http_entry : &ssh, .service_port = 80,
                               .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    }
    ps_zeek_state z = web_zeek();
    static const char *const fmts[] = {"text", "csv", "json", "zeek"};
    static const size_t counts[] = {3, N};
    for (size_t f = 0; f < 4; f++) {
        for (size_t c = 0; c < 2; c++) {
            for (int zeek = 0; zeek < 2; zeek++) {
                render_mode = 0;
                char *direct = render_zeek(fmts[f], PS_SINK_VERBOSE, 7, counts[c], flows, labels,
                                           zeek ? &z : NULL);
                assert_true(strlen(direct) > counts[c] * 40);
                mask_log_times(direct);
                for (render_mode = 1; render_mode <= 2; render_mode++) {
                    char *deferred = render_zeek(fmts[f], PS_SINK_VERBOSE, 7, counts[c], flows,
                                                 labels, zeek ? &z : NULL);
                    mask_log_times(deferred);
                    assert_string_equal(deferred, direct);
                    free(deferred);
                }
                free(direct);
            }
        }
    }
    render_mode = 0;
}

/* A format for the test below: each record its originator's port on a
 * line; the record of port 1000 first waits for the test's word. */
static sem_t gate_entered, gate_go;
static atomic_int gate_armed;

static void gate_write(ps_flow_sink *s, const ps_flow_rec *r)
{
    uint16_t port = flow_orig_port(r->flow);
    if (port == 1000 && atomic_exchange(&gate_armed, 0)) {
        sem_post(&gate_entered);
        sem_wait(&gate_go);
    }
    char line[16];
    int n = snprintf(line, sizeof(line), "%u\n", (unsigned)port);
    outfile_write(s->out, line, (size_t)n);
}

static void wait_post(sem_t *sem)
{
    struct timespec limit = a_minute_on();
    assert_int_equal(sem_timedwait(sem, &limit), 0);
}

static const ps_flow_sink_ops gate_sink = {.name = "gate", .write = gate_write};

static void *format_once(void *arg)
{
    return (void *)(intptr_t)flow_sink_format_some(arg);
}

/* The ports in what an outfile_memory holds, in order; how many. */
static size_t ports_out(const ps_outfile *o, unsigned *ports, size_t max)
{
    size_t len, n = 0;
    const char *p = outfile_memory_data(o, &len), *end = p + len;
    while (p < end && n < max) {
        char *next;
        ports[n++] = (unsigned)strtoul(p, &next, 10);
        assert_true(next < end && *next == '\n');
        p = next + 1;
    }
    return n;
}

/* A sink of the format above writing into memory (*o). */
static ps_flow_sink *gate_sink_in_memory(unsigned flags, ps_outfile **o)
{
    *o = outfile_memory("records");
    assert_non_null(*o);
    ps_flow_sink *s = flow_sink_create(&gate_sink, *o, flags);
    assert_non_null(s);
    assert_int_equal(flow_sink_begin(s), 0);
    return s;
}

/* Two threads formatting at once keep the order: the first claim (ports
 * 1000-1063, formatted straight into the output) is held at its first
 * record while a second (1064-1127) is formatted into a buffer of its own;
 * nothing is out until the first is done, and then both are, in order. The
 * rest come out at the end. */
static void test_deferred_commit_order(void **state)
{
    (void)state;
    ps_outfile *o;
    ps_flow_sink *s = gate_sink_in_memory(0, &o);
    assert_int_equal(flow_sink_defer(s, 1), 0);
    sem_init(&gate_entered, 0, 0);
    sem_init(&gate_go, 0, 0);
    atomic_store(&gate_armed, 1);
    ps_flow f = web_flow();
    ps_label l = web_label();
    for (unsigned i = 0; i < 200; i++) {
        f.key.port_a = (uint16_t)(1000 + i);
        flow_sink_write(s, &f, &l, NULL);
    }
    unsigned ports[256];
    assert_int_equal(ports_out(o, ports, 256), 0);   /* deferred: none yet */

    pthread_t first;
    assert_int_equal(pthread_create(&first, NULL, format_once, s), 0);
    wait_post(&gate_entered);                         /* it holds 1000-1063 */
    assert_int_equal(flow_sink_format_some(s), 1);    /* 1064-1127, aside */
    assert_int_equal(ports_out(o, ports, 256), 0);
    sem_post(&gate_go);
    void *ret;
    assert_int_equal(pthread_join(first, &ret), 0);
    assert_int_equal((intptr_t)ret, 1);
    assert_int_equal(ports_out(o, ports, 256), 128);
    for (unsigned i = 0; i < 128; i++)
        assert_int_equal(ports[i], 1000 + i);

    assert_int_equal(flow_sink_defer(s, 0), 0);        /* the rest, 1128-1199 */
    assert_int_equal(ports_out(o, ports, 256), 200);
    for (unsigned i = 0; i < 200; i++)
        assert_int_equal(ports[i], 1000 + i);
    /* Not deferring any more: a record is out as it is written. */
    f.key.port_a = 7;
    flow_sink_write(s, &f, &l, NULL);
    assert_int_equal(ports_out(o, ports, 256), 201);
    assert_int_equal(ports[200], 7);
    assert_int_equal(s->records, 201);
    assert_int_equal(flow_sink_end(s), 0);
    flow_sink_free(s);
    assert_int_equal(outfile_close(o), 0);
    sem_destroy(&gate_entered);
    sem_destroy(&gate_go);
}

/* With nobody else formatting, the writer formats when the ring is full
 * (4,096 records) and the end formats the rest; flow_sink_assist needs a
 * deferring sink; a line-flushed sink (-l) refuses to defer, so each record
 * is out when its write returns. */
static void test_deferred_alone(void **state)
{
    (void)state;
    ps_outfile *o;
    ps_flow_sink *s = gate_sink_in_memory(0, &o);
    assert_int_equal(flow_sink_assist(s, 1), -1);
    assert_int_equal(flow_sink_defer(s, 1), 0);
    ps_flow f = web_flow();
    ps_label l = web_label();
    static unsigned ports[5000];
    for (unsigned i = 0; i < 5000; i++) {
        f.key.port_a = (uint16_t)(2000 + i);
        flow_sink_write(s, &f, &l, NULL);
        size_t out = ports_out(o, ports, 5000);
        /* Room is made a batch of 64 at a time, once the ring is full. */
        assert_int_equal(out, i < 4096 ? 0 : ((i - 4096) / 64 + 1) * 64);
    }
    assert_int_equal(flow_sink_flush(s), 0);
    assert_int_equal(ports_out(o, ports, 5000), 5000);
    for (unsigned i = 0; i < 5000; i++)
        assert_int_equal(ports[i], 2000 + i);
    flow_sink_free(s);
    assert_int_equal(outfile_close(o), 0);

    s = gate_sink_in_memory(PS_SINK_LINE_FLUSH, &o);
    assert_int_equal(flow_sink_defer(s, 1), -1);
    f.key.port_a = 9;
    flow_sink_write(s, &f, &l, NULL);
    assert_int_equal(ports_out(o, ports, 5000), 1);
    assert_int_equal(ports[0], 9);
    flow_sink_free(s);
    assert_int_equal(outfile_close(o), 0);
}

/* Cycles of test_assist_stops (run in a thread of their own, which can be
 * given up on): a sink that defers with its own thread, 50 records written
 * one by one with yields between, so that the thread often finds nothing
 * to claim and the next record comes while it looks again, then the stop.
 * Counts the cycles whose output was the 50 ports in order. */
typedef struct assist_cycles {
    int cycles, good;
    atomic_int done;
} assist_cycles;

static void *assist_cycles_main(void *arg)
{
    assist_cycles *c = arg;
    ps_flow f = web_flow();
    ps_label l = web_label();
    for (int k = 0; k < c->cycles; k++) {
        ps_outfile *o = outfile_memory("records");
        ps_flow_sink *s = o ? flow_sink_create(&gate_sink, o, 0) : NULL;
        if (!s || flow_sink_defer(s, 1) != 0 || flow_sink_assist(s, 1) != 0)
            break;
        for (unsigned i = 0; i < 50; i++) {
            f.key.port_a = (uint16_t)(3000 + i);
            flow_sink_write(s, &f, &l, NULL);
            if (i % 3 == (unsigned)k % 3)
                sched_yield();
        }
        flow_sink_defer(s, 0);
        size_t len, n = 0;
        const char *p = outfile_memory_data(o, &len), *end = p + len;
        int ok = 1;
        while (p < end && n < 64) {
            char *next;
            ok &= strtoul(p, &next, 10) == 3000 + n;
            n++;
            p = next + 1;
        }
        c->good += ok && n == 50;
        flow_sink_free(s);
        outfile_close(o);
    }
    atomic_store(&c->done, 1);
    return NULL;
}

/* The sink's own thread stops when asked, whatever it was waiting for
 * (nothing to claim, or a buffer), and the records are all out in order:
 * 2,000 cycles, given up on after a minute in all. */
static void test_assist_stops(void **state)
{
    (void)state;
    assist_cycles c = {.cycles = 2000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, assist_cycles_main, &c), 0);
    struct timespec limit = a_minute_on();
    assert_int_equal(pthread_timedjoin_np(t, NULL, &limit), 0);   /* else: a stop hung */
    assert_int_equal(atomic_load(&c.done), 1);
    assert_int_equal(c.good, c.cycles);
}

/* An output in memory grows to hold what is written (far beyond its first
 * 64 KiB), keeps it through a flush, and hands it on whole. */
static void test_memory_outfile(void **state)
{
    (void)state;
    ps_outfile *m = outfile_memory("memory");
    assert_non_null(m);
    assert_int_equal(outfile_kind(m), PS_OUT_MEMORY);
    static char block[1000];
    for (int i = 0; i < 300; i++) {
        memset(block, 'a' + i % 26, sizeof(block));
        assert_int_equal(outfile_write(m, block, sizeof(block)), 0);
        char *p = outfile_reserve(m, 500);
        memset(p, 'A' + i % 26, 500);
        outfile_commit_bytes(m, 500);
    }
    assert_int_equal(outfile_flush(m), 0);
    size_t len;
    const char *data = outfile_memory_data(m, &len);
    assert_int_equal(len, 300 * 1500);
    assert_int_equal(data[0], 'a');
    assert_int_equal(data[1000], 'A');
    assert_int_equal(data[299 * 1500], 'a' + 299 % 26);
    assert_int_equal(data[299 * 1500 + 1499], 'A' + 299 % 26);
    ps_outfile *to = outfile_memory("to");
    assert_non_null(to);
    assert_int_equal(outfile_write(to, "x", 1), 0);
    assert_int_equal(outfile_move_to(m, to), 0);
    outfile_memory_data(m, &len);
    assert_int_equal(len, 0);
    data = outfile_memory_data(to, &len);
    assert_int_equal(len, 1 + 300 * 1500);
    assert_int_equal(data[0], 'x');
    assert_int_equal(data[1], 'a');
    assert_int_equal(outfile_close(m), 0);
    assert_int_equal(outfile_close(to), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_record),
        cmocka_unit_test(test_text_description_stays_one_line),
        cmocka_unit_test(test_text_fixed_fields),
        cmocka_unit_test(test_conn_state),
        cmocka_unit_test(test_uid),
        cmocka_unit_test(test_zeek_log),
        cmocka_unit_test(test_zeek_fields_need_state),
        cmocka_unit_test(test_json_record),
        cmocka_unit_test(test_json_dccp_and_reserved),
        cmocka_unit_test(test_other_services_and_port_service),
        cmocka_unit_test(test_csv_records),
        cmocka_unit_test(test_formats_and_schema),
        cmocka_unit_test(test_long_records),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_csv_field_quoting),
        cmocka_unit_test(test_formatting_helpers),
        cmocka_unit_test(test_number_text),
        cmocka_unit_test(test_deferred_same_bytes),
        cmocka_unit_test(test_deferred_commit_order),
        cmocka_unit_test(test_deferred_alone),
        cmocka_unit_test(test_assist_stops),
        cmocka_unit_test(test_memory_outfile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
