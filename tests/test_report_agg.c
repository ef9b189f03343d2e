/* The report's finer aggregations: top talkers (ties, prefix grouping, the
 * space-saving sketch's bounds, merging and subtracting), the time series
 * (bucket edges, proportional spreading, widening), the ports of rows
 * without a named service, and all of them through report_add_flow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portsniff/report.h"
#include "report_agg.h"

#define MS INT64_C(1000000)
#define S INT64_C(1000000000)
#define T0 (INT64_C(1786960800) * S)   /* 2026-08-17T10:00:00Z */

static talker_key host4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, unsigned prefix)
{
    const uint8_t addr[16] = {a, b, c, d};
    talker_key k;
    talker_key_make(&k, 4, addr, 0, 0, prefix, 128);
    return k;
}

static const char *fmt(const talker_key *k)
{
    static char buf[96];
    talker_key_format(k, buf, sizeof(buf));
    return buf;
}

/* ---- top-N ---- */

static void test_top_ties(void **state)
{
    (void)state;
    talker_table t;
    talker_table_init(&t, 100);
    /* Four hosts tie at 500 bytes, added in scrambled order; one has more. */
    const uint8_t order[] = {9, 3, 7, 5};
    for (size_t i = 0; i < 4; i++) {
        talker_key k = host4(192, 0, 2, order[i], 32);
        assert_int_equal(talker_add(&t, &k, 300, 3, 1, 0), 0);
        assert_int_equal(talker_add(&t, &k, 200, 2, 1, 0), 0);
    }
    talker_key big = host4(198, 51, 100, 1, 32);
    assert_int_equal(talker_add(&t, &big, 501, 1, 1, 0), 0);
    const talker *top[3];
    assert_int_equal(talker_top(&t, top, 3), 3);
    /* The largest first, then the tied ones by address: .3 and .5 make the cut. */
    assert_string_equal(fmt(&top[0]->key), "198.51.100.1");
    assert_string_equal(fmt(&top[1]->key), "192.0.2.3");
    assert_string_equal(fmt(&top[2]->key), "192.0.2.5");
    assert_int_equal(top[1]->bytes, 500);
    assert_int_equal(top[1]->packets, 5);
    assert_int_equal(top[1]->flows, 2);
    assert_int_equal(top[1]->error, 0);
    assert_int_equal(t.total_bytes, 2501);
    assert_false(t.approximate);
    /* Asking for more than there are gives them all. */
    const talker *all[10];
    assert_int_equal(talker_top(&t, all, 10), 5);
    /* Endpoints tie-break on the port after the address. */
    talker_table e;
    talker_table_init(&e, 8);
    const uint8_t a[16] = {203, 0, 113, 9};
    talker_key k443, k80;
    talker_key_make(&k443, 4, a, 1, 443, 32, 128);
    talker_key_make(&k80, 4, a, 1, 80, 32, 128);
    talker_add(&e, &k443, 10, 1, 1, 0);
    talker_add(&e, &k80, 10, 1, 1, 0);
    assert_int_equal(talker_top(&e, top, 2), 2);
    assert_string_equal(fmt(&top[0]->key), "203.0.113.9:80");
    assert_string_equal(fmt(&top[1]->key), "203.0.113.9:443");
    talker_table_free(&e);
    talker_table_free(&t);
}

/* ---- prefix grouping ---- */

static void test_prefix_grouping(void **state)
{
    (void)state;
    talker_key a = host4(192, 0, 2, 10, 24), b = host4(192, 0, 2, 200, 24), c = host4(192, 0, 3, 1, 24);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_memory_not_equal(&a, &c, sizeof(a));
    assert_string_equal(fmt(&a), "192.0.2.0/24");
    assert_string_equal(fmt(&c), "192.0.3.0/24");
    talker_key odd = host4(10, 255, 255, 255, 13);
    assert_string_equal(fmt(&odd), "10.248.0.0/13");
    talker_key none = host4(10, 1, 2, 3, 0);
    assert_string_equal(fmt(&none), "0.0.0.0/0");
    talker_key whole = host4(10, 1, 2, 3, 32);
    assert_string_equal(fmt(&whole), "10.1.2.3");

    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xaa, 0xbb, 0, 0, 0, 0, 0, 0x53};
    talker_key k;
    talker_key_make(&k, 6, v6, 0, 0, 24, 64);
    assert_string_equal(fmt(&k), "2001:db8:1:2::/64");
    talker_key_make(&k, 6, v6, 1, 53, 24, 64);
    assert_string_equal(fmt(&k), "[2001:db8:1:2::/64]:53");
    talker_key_make(&k, 6, v6, 1, 53, 24, 128);
    assert_string_equal(fmt(&k), "[2001:db8:1:2:aabb::53]:53");
    talker_key_make(&k, 6, v6, 0, 0, 24, 56);
    assert_string_equal(fmt(&k), "2001:db8:1::/56");
    /* An IPv4 prefix aggregated endpoint is bracketed so the port stands out. */
    const uint8_t v4[16] = {198, 51, 100, 43};
    talker_key_make(&k, 4, v4, 1, 443, 24, 64);
    assert_string_equal(fmt(&k), "[198.51.100.0/24]:443");

    /* Hosts in one prefix add up in one entry. */
    talker_table t;
    talker_table_init(&t, 16);
    for (uint8_t h = 1; h <= 6; h++) {
        talker_key x = host4(192, 0, 2, h, 24);
        talker_add(&t, &x, 100 * h, 1, 1, 0);
    }
    talker_key y = host4(192, 0, 9, 1, 24);
    talker_add(&t, &y, 2000, 1, 1, 0);
    const talker *top[2];
    assert_int_equal(talker_top(&t, top, 2), 2);
    assert_string_equal(fmt(&top[0]->key), "192.0.2.0/24");
    assert_int_equal(top[0]->bytes, 2100);
    assert_int_equal(top[0]->flows, 6);
    assert_string_equal(fmt(&top[1]->key), "192.0.9.0/24");
    talker_table_free(&t);
}

/* ---- the sketch ---- */

static uint64_t rng_state = 88172645463325252u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define KEYS 5000
#define COUNTERS 64

/* A skewed stream of 200,000 flows over 5,000 hosts into 64 counters: every
 * entry's bytes are an upper bound at most `error` above the truth, the
 * error is at most total / counters, every host with more true bytes than
 * that is in the table, and no host outside the top 10 outweighs it. */
static void test_sketch_bounds(void **state)
{
    (void)state;
    uint64_t *truth = calloc(KEYS, sizeof(*truth));
    talker_table t;
    talker_table_init(&t, COUNTERS);
    uint64_t total = 0;
    for (int i = 0; i < 200000; i++) {
        /* Key i with probability about 1/(i+1): a Zipf-like skew. */
        uint64_t r = rnd() % 100000;
        unsigned key = (unsigned)(KEYS * r * r / 100000 / 100000 * r / 100000);
        if (key >= KEYS)
            key = KEYS - 1;
        uint64_t bytes = 60 + rnd() % 1400;
        talker_key k = host4(10, (uint8_t)(key >> 16), (uint8_t)(key >> 8), (uint8_t)key, 32);
        assert_int_equal(talker_add(&t, &k, bytes, 1, 1, 0), 0);
        truth[key] += bytes;
        total += bytes;
    }
    assert_true(t.approximate);
    assert_int_equal(t.n, COUNTERS);
    assert_int_equal(t.total_bytes, total);
    uint64_t bound = total / COUNTERS;
    int over_error = 0;
    for (size_t i = 0; i < t.n; i++) {
        const talker *e = &t.items[i];
        unsigned key = (unsigned)e->key.addr[1] << 16 | (unsigned)e->key.addr[2] << 8 | e->key.addr[3];
        assert_true(e->bytes >= truth[key]);
        assert_true(e->bytes - e->error <= truth[key]);
        assert_true(e->error <= bound);
        over_error += e->error > 0;
    }
    assert_true(over_error > 0);
    for (unsigned key = 0; key < KEYS; key++) {
        if (truth[key] <= bound)
            continue;
        talker_key k = host4(10, (uint8_t)(key >> 16), (uint8_t)(key >> 8), (uint8_t)key, 32);
        int found = 0;
        for (size_t i = 0; i < t.n; i++)
            found |= memcmp(&t.items[i].key, &k, sizeof(k)) == 0;
        assert_true(found);
    }
    /* No host left out of the top 10 has more true bytes than the tenth
     * entry shows, and the heaviest host leads. */
    const talker *top[10];
    assert_int_equal(talker_top(&t, top, 10), 10);
    uint8_t listed[KEYS] = {0};
    for (int i = 0; i < 10; i++)
        listed[(unsigned)top[i]->key.addr[2] << 8 | top[i]->key.addr[3]] = 1;
    for (unsigned key = 0; key < KEYS; key++)
        if (!listed[key])
            assert_true(truth[key] <= top[9]->bytes);
    assert_int_equal(top[0]->key.addr[3], 0);
    assert_int_equal(top[0]->error, 0);
    talker_table_free(&t);
    free(truth);
}

/* Merged and subtracted tables keep true <= bytes <= true + error (merge) and
 * |bytes - true| <= error (subtract). */
static void test_sketch_merge_subtract(void **state)
{
    (void)state;
    talker_table a, b, c;
    talker_table_init(&a, 8);
    talker_table_init(&b, 8);
    talker_table_init(&c, 8);
    uint64_t truth[40] = {0};
    for (int i = 0; i < 4000; i++) {
        unsigned key = (unsigned)(rnd() % 40);
        key = key < 20 ? key % 4 : key;      /* keys 0-3 are heavy */
        uint64_t bytes = 1 + rnd() % 100;
        talker_key k = host4(10, 0, 0, (uint8_t)key, 32);
        talker_add(i % 2 ? &a : &b, &k, bytes, 1, 1, 0);
        truth[key] += bytes;
    }
    assert_true(a.approximate && b.approximate);
    assert_int_equal(talker_merge(&c, &a), 0);
    assert_int_equal(talker_merge(&c, &b), 0);
    assert_int_equal(c.total_bytes, a.total_bytes + b.total_bytes);
    for (size_t i = 0; i < c.n; i++) {
        const talker *e = &c.items[i];
        uint64_t tr = truth[e->key.addr[3]];
        assert_true(e->bytes >= tr);
        assert_true(e->bytes - e->error <= tr);
    }
    const talker *top[4];
    assert_int_equal(talker_top(&c, top, 4), 4);
    for (int i = 0; i < 4; i++)
        assert_true(top[i]->key.addr[3] < 4);

    /* Exact tables subtract exactly; entries that fall to nothing go. */
    talker_table x, y;
    talker_table_init(&x, 16);
    talker_table_init(&y, 16);
    talker_key k1 = host4(10, 0, 0, 1, 32), k2 = host4(10, 0, 0, 2, 32);
    talker_add(&x, &k1, 100, 2, 1, 0);
    talker_add(&x, &k2, 50, 1, 1, 0);
    talker_add(&y, &k1, 40, 1, 1, 0);
    talker_add(&y, &k2, 50, 1, 1, 0);
    talker_add(&x, &k1, 10, 1, 1, 0);
    assert_int_equal(talker_subtract(&x, &y), 0);
    assert_int_equal(x.n, 1);
    assert_string_equal(fmt(&x.items[0].key), "10.0.0.1");
    assert_int_equal(x.items[0].bytes, 70);
    assert_int_equal(x.items[0].packets, 2);
    assert_int_equal(x.items[0].flows, 1);
    assert_int_equal(x.total_bytes, 70);
    /* The index still finds it, and a removed key comes back fresh. */
    talker_add(&x, &k1, 1, 1, 1, 0);
    talker_add(&x, &k2, 5, 1, 1, 0);
    assert_int_equal(x.n, 2);
    assert_int_equal(talker_top(&x, top, 2), 2);
    assert_int_equal(top[0]->bytes, 71);
    assert_int_equal(top[1]->bytes, 5);
    /* Subtracting from a sketch: still within the (added) error. */
    talker_table snap;
    talker_table_init(&snap, 8);
    talker_merge(&snap, &a);
    uint64_t delta[4] = {0};
    for (int i = 0; i < 500; i++) {
        unsigned key = (unsigned)(rnd() % 4);
        talker_key k = host4(10, 0, 0, (uint8_t)key, 32);
        talker_add(&a, &k, 10, 1, 1, 0);
        delta[key] += 10;
    }
    assert_int_equal(talker_subtract(&a, &snap), 0);
    assert_int_equal(a.total_bytes, 5000);
    int heavy = 0;
    for (size_t i = 0; i < a.n; i++) {
        const talker *e = &a.items[i];
        if (e->key.addr[3] >= 4)
            continue;
        uint64_t tr = delta[e->key.addr[3]];
        uint64_t off = e->bytes > tr ? e->bytes - tr : tr - e->bytes;
        assert_true(off <= e->error);
        heavy++;
    }
    assert_int_equal(heavy, 4);
    talker_table_free(&snap);
    talker_table_free(&x);
    talker_table_free(&y);
    talker_table_free(&a);
    talker_table_free(&b);
    talker_table_free(&c);
}

/* ---- the time series ---- */

static void test_bucket_edges(void **state)
{
    (void)state;
    row_series s = {0};
    const int64_t w = 100 * MS;
    /* A flow inside one bucket, one that starts exactly on an edge, and one
     * that ends exactly on an edge. */
    assert_int_equal(row_series_reserve(&s, T0 / w, T0 / w + 9), 0);
    row_series_add_flow(&s, w, T0 + 10 * MS, T0 + 90 * MS, 4, 400);
    row_series_add_flow(&s, w, T0 + 100 * MS, T0 + 100 * MS, 1, 60);
    row_series_add_flow(&s, w, T0 + 150 * MS, T0 + 200 * MS, 2, 200);
    const series_cell *c = s.cells;
    assert_int_equal(c[0].flows, 1);
    assert_int_equal(c[0].packets, 4);
    assert_int_equal(c[0].bytes, 400);
    /* Starting on the edge: bucket 1, not 0. */
    assert_int_equal(c[1].flows, 2);
    /* Ending on the edge: all its time is in bucket 1; bucket 2 gets none. */
    assert_int_equal(c[1].packets, 3);
    assert_int_equal(c[1].bytes, 260);
    assert_int_equal(c[2].flows + c[2].packets + c[2].bytes, 0);

    /* A flow across buckets 3..6: 30 ms, 100, 100, 20 of its 250 ms. */
    row_series_add_flow(&s, w, T0 + 370 * MS, T0 + 620 * MS, 25, 1000);
    assert_int_equal(c[3].flows, 1);
    assert_int_equal(c[4].flows + c[5].flows + c[6].flows, 0);
    assert_int_equal(c[3].bytes, 120);
    assert_int_equal(c[4].bytes, 400);
    assert_int_equal(c[5].bytes, 400);
    assert_int_equal(c[6].bytes, 80);
    assert_int_equal(c[3].packets + c[4].packets + c[5].packets + c[6].packets, 25);
    assert_int_equal(c[3].packets, 3);
    assert_int_equal(c[4].packets, 10);
    /* Rounding: 7 bytes over three equal thirds still add up to 7. */
    row_series_add_flow(&s, w, T0 + 700 * MS, T0 + 1000 * MS - 1, 3, 7);
    assert_int_equal(c[7].bytes + c[8].bytes + c[9].bytes, 7);
    assert_int_equal(c[7].packets + c[8].packets + c[9].packets, 3);
    /* Timestamps out of order (merged captures): counted at the start. */
    row_series_add_flow(&s, w, T0 + 950 * MS, T0 + 10 * MS, 2, 90);
    assert_int_equal(c[9].flows, 1);

    /* Widening by 5 (100 ms to 500 ms) sums buckets 0-4 and 5-9. */
    uint64_t before = 0;
    for (size_t i = 0; i < s.n; i++)
        before += s.cells[i].bytes;
    assert_int_equal(row_series_widen(&s, 5), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.lo, T0 / (5 * w));
    assert_int_equal(s.cells[0].bytes + s.cells[1].bytes, before);
    assert_int_equal(s.cells[0].flows, 4);
    row_series_free(&s);
}

static ps_flow make_flow(int transport, uint8_t client, uint16_t cport, uint8_t server, uint16_t sport,
                         int64_t first, int64_t last, uint64_t pkts, uint64_t bytes)
{
    ps_flow f;
    memset(&f, 0, sizeof(f));
    f.key.family = 4;
    f.key.transport = (uint8_t)transport;
    const uint8_t c[4] = {192, 0, 2, client}, s[4] = {198, 51, 100, server};
    memcpy(f.key.addr_a, c, 4);
    memcpy(f.key.addr_b, s, 4);
    f.key.port_a = cport;
    f.key.port_b = sport;
    f.orig = 0;
    f.first_ns = first;
    f.last_ns = last;
    f.dir[0] = (ps_dir_stats){.pkts = pkts - pkts / 2, .frame_bytes = bytes - bytes / 2,
                              .ip_bytes = bytes - bytes / 2 - 14};
    f.dir[1] = (ps_dir_stats){.pkts = pkts / 2, .frame_bytes = bytes / 2,
                              .ip_bytes = bytes / 2 - 14};
    return f;
}

static const ps_reg_entry https = {
    .name = "https", .description = "", .reference = "", .port_lo = 443, .port_hi = 443,
    .transport = PS_TRANSPORT_TCP, .status = PS_REG_NAMED, .has_port = 1};

static char *render(const ps_report *r, const char *fmt)
{
    static const char *const inputs[] = {"x.pcap"};
    ps_report_context ctx = {"inline", "2026-08-17", inputs, 1, 0, 1, 0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(report_write(r, &ctx, report_writer_find(fmt), f), 0);
    fclose(f);
    return buf;
}

/* The automatic width is the narrowest of 1 ms, 2, 10, 20, 100 ms ... that
 * keeps the span within 120 buckets; a given width doubles past 10,000. */
static void test_bucket_width(void **state)
{
    (void)state;
    ps_report *r = report_create();
    ps_label l = {.entry = &https, .service_port = 443, .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    ps_flow f = make_flow(PS_TRANSPORT_TCP, 10, 40000, 43, 443, T0, T0 + 50 * MS, 10, 1000);
    report_add_flow(r, &f, &l);
    char *out = render(r, "json");
    assert_non_null(strstr(out, "\"bucket_seconds\":0.001,"));   /* 51 buckets of 1 ms */
    free(out);
    f = make_flow(PS_TRANSPORT_TCP, 11, 40001, 43, 443, T0 + 3 * S, T0 + 3285 * MS, 10, 1000);
    report_add_flow(r, &f, &l);
    out = render(r, "json");
    assert_non_null(strstr(out, "\"bucket_seconds\":0.1,"));     /* 33 buckets */
    /* The flow of 3.0-3.285 s is spread over buckets 30, 31 and 32. */
    assert_non_null(strstr(out, "{\"bucket_start\":1786960800.000000,\"label\":\"https\",\"transport\":\"tcp\","
                                "\"flows\":1,\"packets\":10,\"bytes\":1000}"));
    assert_non_null(strstr(out, "{\"bucket_start\":1786960803.000000,\"label\":\"https\",\"transport\":\"tcp\","
                                "\"flows\":1,\"packets\":3,\"bytes\":350}"));
    assert_non_null(strstr(out, "{\"bucket_start\":1786960803.200000,\"label\":\"https\",\"transport\":\"tcp\","
                                "\"flows\":0,\"packets\":3,\"bytes\":299}"));
    free(out);
    /* An hour: 60 s buckets. */
    f = make_flow(PS_TRANSPORT_TCP, 12, 40002, 43, 443, T0 + 3600 * S, T0 + 3600 * S, 1, 60);
    report_add_flow(r, &f, &l);
    out = render(r, "csv");
    assert_non_null(strstr(out, "info,bucket_seconds,,,,,,,,,,,60\n"));
    assert_non_null(strstr(out, "series,https,tcp,registered,1786960800.000000,,2,20,2000,,,,\n"));
    assert_non_null(strstr(out, "series,https,tcp,registered,1786964400.000000,,1,1,60,,,,\n"));
    free(out);
    report_free(r);

    /* --bucket 1: kept until the span needs more than 10,000 buckets. */
    ps_report_config cfg;
    report_config_defaults(&cfg, 0);
    cfg.bucket_ns = S;
    r = report_create_with(&cfg);
    f = make_flow(PS_TRANSPORT_TCP, 10, 40000, 43, 443, T0, T0, 1, 60);
    report_add_flow(r, &f, &l);
    f = make_flow(PS_TRANSPORT_TCP, 10, 40000, 43, 443, T0 + 9999 * S, T0 + 9999 * S, 1, 60);
    report_add_flow(r, &f, &l);
    out = render(r, "json");
    assert_non_null(strstr(out, "\"bucket_seconds\":1,"));
    free(out);
    f = make_flow(PS_TRANSPORT_TCP, 10, 40000, 43, 443, T0 + 10000 * S, T0 + 10000 * S, 1, 60);
    report_add_flow(r, &f, &l);
    out = render(r, "json");
    assert_non_null(strstr(out, "\"bucket_seconds\":2,"));
    free(out);
    report_free(r);
}

/* ---- through the report ---- */

static ps_report *with_top(unsigned top, unsigned p4)
{
    ps_report_config cfg;
    report_config_defaults(&cfg, 0);
    cfg.top_n = top;
    cfg.prefix4 = p4;
    return report_create_with(&cfg);
}

static void test_report_talkers(void **state)
{
    (void)state;
    ps_report *r = with_top(2, 24);
    ps_label l = {.entry = &https, .service_port = 443, .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    /* The server is the endpoint holding the service port, whichever began. */
    ps_flow f = make_flow(PS_TRANSPORT_TCP, 10, 40000, 43, 443, T0, T0, 4, 1000);
    report_add_flow(r, &f, &l);
    f = make_flow(PS_TRANSPORT_TCP, 11, 40001, 43, 443, T0, T0, 2, 300);
    f.orig = 1;   /* the server's side sent first */
    report_add_flow(r, &f, &l);
    f = make_flow(PS_TRANSPORT_TCP, 77, 40002, 44, 443, T0, T0, 2, 200);
    report_add_flow(r, &f, &l);
    char *out = render(r, "csv");
    assert_non_null(strstr(out, "top-server,https,tcp,registered,,[198.51.100.0/24]:443,3,8,1500,,1.0000,0,\n"));
    assert_non_null(strstr(out, "top-client,https,tcp,registered,,192.0.2.0/24,3,8,1500,,1.0000,0,\n"));
    /* Every flow counts to both hosts. */
    assert_non_null(strstr(out, "top-host,,,,,192.0.2.0/24,3,8,1500,,"));
    assert_non_null(strstr(out, "top-host,,,,,198.51.100.0/24,3,8,1500,,"));
    free(out);
    report_free(r);

    /* Both ends in one prefix: the flow counts to that host once. */
    r = with_top(3, 0);
    f = make_flow(PS_TRANSPORT_TCP, 10, 40000, 43, 443, T0, T0, 4, 1000);
    report_add_flow(r, &f, &l);
    out = render(r, "json");
    assert_non_null(strstr(out, "\"top_hosts\":[{\"endpoint\":\"0.0.0.0/0\",\"flows\":1,\"packets\":4,"
                                "\"bytes\":1000,"));
    free(out);
    report_free(r);
}

static void test_report_ports(void **state)
{
    (void)state;
    ps_report *r = report_create();
    /* 25 unregistered UDP ports; port 5000+i carries i+1 flows of 100 bytes. */
    for (int i = 0; i < 25; i++) {
        ps_label l = {.entry = NULL, .service_port = (uint16_t)(5000 + i),
                      .basis = PS_BASIS_LOWER_PORT, .status = PS_REG_UNREGISTERED};
        for (int k = 0; k <= i; k++) {
            ps_flow f = make_flow(PS_TRANSPORT_UDP, 10, 60000, 1, (uint16_t)(5000 + i), T0, T0, 1, 100);
            report_add_flow(r, &f, &l);
        }
    }
    char *out = render(r, "csv");
    assert_non_null(strstr(out, "port,(unregistered),udp,unregistered,,,25,25,2500,,,,5024\n"));
    assert_non_null(strstr(out, "port,(unregistered),udp,unregistered,,,6,6,600,,,,5005\n"));
    assert_null(strstr(out, ",5004\n"));
    /* Ports 5000-5004: 1+2+3+4+5 flows. */
    assert_non_null(strstr(out, "other-ports,(unregistered),udp,unregistered,,,15,15,1500,,,,5\n"));
    free(out);
    report_free(r);
}

/* Two halves merged equal the report of all the flows, talkers and series
 * included; the later report minus the first half is the second half. */
static void test_report_merge_subtract(void **state)
{
    (void)state;
    ps_report *a = with_top(3, 32), *b = with_top(3, 32), *whole = with_top(3, 32);
    ps_label l = {.entry = &https, .service_port = 443, .basis = PS_BASIS_HANDSHAKE, .status = PS_REG_NAMED};
    for (int i = 0; i < 40; i++) {
        /* The first half spans 2 s (10 ms buckets would need 200: 20 ms);
         * the second 30 s (widened to 1 s). */
        int64_t t = i < 20 ? T0 + i * 100 * MS : T0 + (i - 19) * S + 500 * MS;
        ps_flow f = make_flow(PS_TRANSPORT_TCP, (uint8_t)(i % 7), (uint16_t)(40000 + i), (uint8_t)(i % 3),
                              443, t, t + 300 * MS, (uint64_t)(2 + i), (uint64_t)(100 * (i + 1)));
        report_add_flow(i < 20 ? a : b, &f, &l);
        report_add_flow(whole, &f, &l);
    }
    ps_report *first = report_clone(a);
    assert_int_equal(report_merge(a, b), 0);
    char *merged = render(a, "json"), *want = render(whole, "json");
    assert_string_equal(merged, want);
    free(merged);
    free(want);

    assert_int_equal(report_subtract(a, first), 0);
    char *delta = render(a, "csv"), *second = render(b, "csv");
    /* Same rows, talkers and series; the first_ts differs (a window now). */
    assert_string_equal(strstr(delta, "info,registry_source"), strstr(second, "info,registry_source"));
    free(delta);
    free(second);
    report_free(first);
    report_free(a);
    report_free(b);
    report_free(whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_ties),
        cmocka_unit_test(test_prefix_grouping),
        cmocka_unit_test(test_sketch_bounds),
        cmocka_unit_test(test_sketch_merge_subtract),
        cmocka_unit_test(test_bucket_edges),
        cmocka_unit_test(test_bucket_width),
        cmocka_unit_test(test_report_talkers),
        cmocka_unit_test(test_report_ports),
        cmocka_unit_test(test_report_merge_subtract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
