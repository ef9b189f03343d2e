/* Community ID v1: the spec's sample tuples with their published hashes for
 * seeds 0 and 1 (base64 and hex), the canonical ordering, the ICMP mapping
 * table, and every entry of the spec's baseline files, once from the tuple
 * the baseline names and once from the spec's sample captures as the
 * dissector decodes them. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "portsniff/community_id.h"
#include "portsniff/dissect.h"

#ifndef PS_COMMUNITY_ID_DIR
#define PS_COMMUNITY_ID_DIR PS_SOURCE_DIR "/../shared/community-id"
#endif

typedef struct addr {
    int family;
    uint8_t b[16];
} addr;

static addr parse_addr(const char *s)
{
    addr a;

    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, s, a.b) == 1)
        a.family = 4;
    else if (inet_pton(AF_INET6, s, a.b) == 1)
        a.family = 6;
    else
        fail_msg("not an address: %s", s);
    return a;
}

/* The tuple of a baseline entry: for ICMP the baseline's ports are already
 * the port equivalents, and the source port is the type. */
static ps_cid_tuple make_tuple(uint8_t proto, const addr *s, const addr *d, uint16_t sp, uint16_t dp)
{
    ps_cid_tuple t = {
        .family = s->family, .proto = proto, .sport = sp, .dport = dp,
        .saddr = s->b, .daddr = d->b,
    };
    if (proto == 1 || proto == 58)
        t.one_way = !ps_icmp_has_counterpart(s->family, (uint8_t)sp);
    return t;
}

static void expect_id(uint16_t seed, uint8_t proto, const char *sa, const char *da, uint16_t sp,
                      uint16_t dp, const char *want)
{
    addr s = parse_addr(sa), d = parse_addr(da);
    ps_cid_tuple t = make_tuple(proto, &s, &d, sp, dp);
    char got[PS_COMMUNITY_ID_SIZE];

    memset(got, 'x', sizeof(got));
    community_id_v1(seed, &t, got);
    assert_string_equal(got, want);
}

/* Tuples and hashes published with the spec (baseline_deflt.json, baseline_seed1.json). */
static void test_published_seed0(void **state)
{
    (void)state;
    expect_id(0, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    expect_id(0, 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    expect_id(0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
              "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    expect_id(0, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
    expect_id(0, 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
    expect_id(0, 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    expect_id(0, 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    expect_id(0, 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
    expect_id(0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
              "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
    expect_id(0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
              "1:zavyT/cezQr1fmImYCwYnMXbgck=");
    expect_id(0, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
              "1:hLZd0XGWojozrvxqE0dWB1iM6R0=");
    expect_id(0, 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
    /* No ports for RSVP: whatever is passed as ports is not hashed. */
    expect_id(0, 46, "10.1.12.2", "10.1.12.1", 999, 1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
}

static void test_published_seed1(void **state)
{
    (void)state;
    expect_id(1, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
    expect_id(1, 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=");
    expect_id(1, 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:XjUibYHaafLQ3pxQeiMI8g25q20=");
}

/* baseline_nob64.json: the raw SHA-1 digest in hex. */
static void test_published_digest_hex(void **state)
{
    addr s = parse_addr("128.232.110.120"), d = parse_addr("66.35.250.204");
    ps_cid_tuple t = make_tuple(6, &s, &d, 34855, 80);
    uint8_t dg[PS_COMMUNITY_ID_DIGEST];
    char hex[2 * PS_COMMUNITY_ID_DIGEST + 1];

    (void)state;
    community_id_digest(0, &t, dg);
    for (int i = 0; i < PS_COMMUNITY_ID_DIGEST; i++)
        snprintf(hex + 2 * i, 3, "%02x", dg[i]);
    assert_string_equal(hex, "2d053da9994af81e45dca0e67afea6e4f3226eb8");
}

static void test_ordering(void **state)
{
    addr a = parse_addr("10.0.0.1"), b = parse_addr("10.0.0.2");
    char ab[PS_COMMUNITY_ID_SIZE], ba[PS_COMMUNITY_ID_SIZE];
    ps_cid_tuple t;

    (void)state;
    /* Same address both ends: the lower port goes first. */
    t = make_tuple(17, &a, &a, 5000, 53);
    community_id_v1(0, &t, ab);
    t = make_tuple(17, &a, &a, 53, 5000);
    community_id_v1(0, &t, ba);
    assert_string_equal(ab, ba);
    /* The seed changes the hash. */
    t = make_tuple(17, &a, &b, 5000, 53);
    community_id_v1(0, &t, ab);
    community_id_v1(7, &t, ba);
    assert_string_not_equal(ab, ba);
    /* One-way ICMP is hashed as given: the reverse tuple differs. */
    t = make_tuple(1, &b, &a, 3, 3);
    assert_int_equal(t.one_way, 1);
    community_id_v1(0, &t, ab);
    t = make_tuple(1, &a, &b, 3, 3);
    community_id_v1(0, &t, ba);
    assert_string_not_equal(ab, ba);
    assert_int_equal((int)strlen(ab), PS_COMMUNITY_ID_SIZE - 1);
}

/* A flow record's hash: the same whichever endpoint originated it, from the
 * flow table's canonical key. */
static void test_flow_record(void **state)
{
    addr s = parse_addr("66.35.250.204"), c = parse_addr("128.232.110.120");
    ps_flow f;
    char got[PS_COMMUNITY_ID_SIZE];

    (void)state;
    memset(&f, 0, sizeof(f));
    f.key.family = 4;
    f.key.transport = PS_TRANSPORT_TCP;
    memcpy(f.key.addr_a, s.b, 4);   /* the lower address is endpoint a */
    memcpy(f.key.addr_b, c.b, 4);
    f.key.port_a = 80;
    f.key.port_b = 34855;
    f.orig = 1;
    community_id_flow(0, &f, got);
    assert_string_equal(got, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    f.orig = 0;
    community_id_flow(0, &f, got);
    assert_string_equal(got, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    community_id_flow(1, &f, got);
    assert_string_equal(got, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
    /* DCCP: the spec hashes protocols other than TCP, UDP, SCTP and ICMP without ports. */
    f.key.transport = PS_TRANSPORT_DCCP;
    community_id_flow(0, &f, got);
    f.key.port_a = 1;
    {
        char other[PS_COMMUNITY_ID_SIZE];
        community_id_flow(0, &f, other);
        assert_string_equal(got, other);
    }
    /* ICMPv6 destination unreachable (one-way, type 1 code 4): hashed from
     * the originator's side, so the flow's orientation matters. */
    {
        addr lo = parse_addr("3ffe:501:410:0:2c0:dfff:fe47:33e"), hi = parse_addr("3ffe:507:0:1:200:86ff:fe05:80da");
        memset(&f, 0, sizeof(f));
        f.key.family = 6;
        f.key.transport = PS_TRANSPORT_ICMP;
        memcpy(f.key.addr_a, lo.b, 16);
        memcpy(f.key.addr_b, hi.b, 16);
        f.key.port_a = 1;
        f.key.port_b = 4;
        community_id_flow(0, &f, got);
        assert_string_equal(got, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=");
        /* echo request and reply, from 192.168.0.89 (endpoint b) */
        addr pinger = parse_addr("192.168.0.89"), g = parse_addr("192.168.0.1");
        memset(&f, 0, sizeof(f));
        f.key.family = 4;
        f.key.transport = PS_TRANSPORT_ICMP;
        memcpy(f.key.addr_a, g.b, 4);
        memcpy(f.key.addr_b, pinger.b, 4);
        f.key.port_a = 0;
        f.key.port_b = 8;
        f.orig = 1;
        community_id_flow(0, &f, got);
        assert_string_equal(got, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
        assert_int_equal(ps_icmp_role(4, 8), PS_ICMP_REQUEST);
        assert_int_equal(ps_icmp_role(4, 0), PS_ICMP_REPLY);
        assert_int_equal(ps_icmp_role(6, 135), PS_ICMP_REQUEST);
        assert_int_equal(ps_icmp_role(6, 1), PS_ICMP_ONE_WAY);
    }
}

static void test_icmp_mapping(void **state)
{
    static const struct { int family; uint8_t type, other; } pairs[] = {
        {4, 8, 0}, {4, 13, 14}, {4, 15, 16}, {4, 10, 9}, {4, 17, 18},
        {6, 128, 129}, {6, 133, 134}, {6, 135, 136}, {6, 130, 131}, {6, 139, 140}, {6, 144, 145},
    };
    uint16_t sp, dp;

    (void)state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        assert_int_equal(ps_icmp_port_equivalents(pairs[i].family, pairs[i].type, 0, &sp, &dp), 0);
        assert_int_equal(sp, pairs[i].type);
        assert_int_equal(dp, pairs[i].other);
        assert_int_equal(ps_icmp_port_equivalents(pairs[i].family, pairs[i].other, 0, &sp, &dp), 0);
        assert_int_equal(sp, pairs[i].other);
        assert_int_equal(dp, pairs[i].type);
    }
    /* One-way: destination unreachable (port), time exceeded, ICMPv6 packet too big. */
    assert_int_equal(ps_icmp_port_equivalents(4, 3, 3, &sp, &dp), 1);
    assert_int_equal(sp, 3);
    assert_int_equal(dp, 3);
    assert_int_equal(ps_icmp_port_equivalents(4, 11, 1, &sp, &dp), 1);
    assert_int_equal(dp, 1);
    assert_int_equal(ps_icmp_port_equivalents(6, 2, 0, &sp, &dp), 1);
    /* The tables are per family: 128 is ICMPv6 echo request, not an ICMP type. */
    assert_int_equal(ps_icmp_has_counterpart(4, 128), 0);
    assert_int_equal(ps_icmp_has_counterpart(6, 8), 0);
}

/* ---- the baseline files ---- */

typedef struct entry {
    uint8_t proto;
    addr s, d;
    uint16_t sp, dp;
    char id[48];
    int decoded;       /* a packet of the sample captures hashed to this entry */
} entry;

typedef struct baseline {
    entry e[256];
    size_t n;
} baseline;

/* jq turns the JSON into one tab-separated line per entry. */
static void load_baseline(const char *name, baseline *b)
{
    char cmd[1024], line[512];
    FILE *p;

    snprintf(cmd, sizeof(cmd),
             "jq -r '.[] | [.proto, .saddr, .daddr, (.sport // 0), (.dport // 0), .communityid] | @tsv' "
             "'%s/baseline/%s'", PS_COMMUNITY_ID_DIR, name);
    p = popen(cmd, "r");
    assert_non_null(p);
    b->n = 0;
    while (fgets(line, sizeof(line), p)) {
        char sa[64], da[64];
        unsigned proto, sp, dp;
        entry *e = &b->e[b->n];

        assert_true(b->n < sizeof(b->e) / sizeof(b->e[0]));
        if (sscanf(line, "%u\t%63s\t%63s\t%u\t%u\t%47s", &proto, sa, da, &sp, &dp, e->id) != 6)
            fail_msg("%s: cannot read '%s'", name, line);
        e->proto = (uint8_t)proto;
        e->s = parse_addr(sa);
        e->d = parse_addr(da);
        e->sp = (uint16_t)sp;
        e->dp = (uint16_t)dp;
        e->decoded = 0;
        b->n++;
    }
    assert_int_equal(pclose(p), 0);
    assert_true(b->n >= 20);
}

static void check_tuples(const char *name, uint16_t seed)
{
    baseline *b = calloc(1, sizeof(*b));
    size_t matched = 0;

    load_baseline(name, b);
    for (size_t i = 0; i < b->n; i++) {
        entry *e = &b->e[i];
        ps_cid_tuple t = make_tuple(e->proto, &e->s, &e->d, e->sp, e->dp);
        char got[PS_COMMUNITY_ID_SIZE];

        community_id_v1(seed, &t, got);
        if (strcmp(got, e->id) == 0)
            matched++;
        else
            print_error("%s entry %zu (proto %u): got %s, want %s\n", name, i, e->proto, got, e->id);
    }
    print_message("%s from its tuples: %zu/%zu matched\n", name, matched, b->n);
    assert_int_equal(matched, b->n);
    free(b);
}

static void test_baseline_tuples_seed0(void **state)
{
    (void)state;
    check_tuples("baseline_deflt.json", 0);
}

static void test_baseline_tuples_seed1(void **state)
{
    (void)state;
    check_tuples("baseline_seed1.json", 1);
}

static entry *find_entry(baseline *b, uint8_t proto, const ps_packet *pkt)
{
    size_t alen = pkt->family == 6 ? 16 : 4;

    for (size_t i = 0; i < b->n; i++) {
        entry *e = &b->e[i];
        if (e->proto == proto && e->s.family == pkt->family && memcmp(e->s.b, pkt->src, alen) == 0 &&
            memcmp(e->d.b, pkt->dst, alen) == 0 &&
            (!community_id_has_ports(proto) || (e->sp == pkt->sport && e->dp == pkt->dport)))
            return e;
    }
    return NULL;
}

/* Decode every packet of one sample capture and hash what the dissector
 * found. Returns the number of packets hashed. */
static size_t hash_capture(pcap_t *pc, baseline *b, uint16_t seed, const char *file)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t hashed = 0;
    int dlt = pcap_datalink(pc);

    while (pcap_next_ex(pc, &h, &data) == 1) {
        ps_packet pkt;
        ps_cid_tuple t;
        char got[PS_COMMUNITY_ID_SIZE];
        entry *e;

        dissect_frame(dlt, data, h->caplen, h->len, 0, &pkt);
        if (pkt.kind != PS_PKT_TRANSPORT && pkt.kind != PS_PKT_OTHER_IP)
            continue;
        /* ICMP needs its type and code from the dissector to be hashed. */
        if (pkt.kind == PS_PKT_OTHER_IP && community_id_has_ports(pkt.ip_proto))
            continue;
        t = (ps_cid_tuple){.family = pkt.family, .proto = pkt.ip_proto, .sport = pkt.sport,
                           .dport = pkt.dport, .saddr = pkt.src, .daddr = pkt.dst};
        if (pkt.ip_proto == 1 || pkt.ip_proto == 58)
            t.one_way = !ps_icmp_has_counterpart(pkt.family, (uint8_t)pkt.sport);
        community_id_v1(seed, &t, got);
        e = find_entry(b, pkt.ip_proto, &pkt);
        if (!e)
            fail_msg("%s: a proto %u packet with no baseline entry", file, pkt.ip_proto);
        if (strcmp(got, e->id) != 0)
            fail_msg("%s: proto %u packet hashed to %s, baseline says %s", file, pkt.ip_proto, got, e->id);
        e->decoded = 1;
        hashed++;
    }
    return hashed;
}

static void check_decoded(const char *name, uint16_t seed)
{
    static const char *const pcaps[] = {"tcp", "udp", "sctp", "ipv6", "icmp", "icmp6", "rsvp", "arp"};
    baseline *b = calloc(1, sizeof(*b));
    char path[1024], errbuf[PCAP_ERRBUF_SIZE];
    size_t matched = 0, needed = 0, needed_matched = 0, hashed = 0, combined = 0;
    FILE *gz;
    pcap_t *pc;

    load_baseline(name, b);
    for (size_t i = 0; i < sizeof(pcaps) / sizeof(pcaps[0]); i++) {
        snprintf(path, sizeof(path), "%s/pcaps/%s.pcap", PS_COMMUNITY_ID_DIR, pcaps[i]);
        pc = pcap_open_offline(path, errbuf);
        if (!pc)
            fail_msg("%s", errbuf);
        hashed += hash_capture(pc, b, seed, path);
        pcap_close(pc);
    }
    /* combined.pcap.gz holds the same packets in one file. */
    snprintf(path, sizeof(path), "gzip -dc '%s/pcaps/combined.pcap.gz'", PS_COMMUNITY_ID_DIR);
    gz = popen(path, "r");
    assert_non_null(gz);
    pc = pcap_fopen_offline(gz, errbuf);
    if (!pc)
        fail_msg("combined.pcap.gz: %s", errbuf);
    combined = hash_capture(pc, b, seed, "combined.pcap.gz");
    pcap_close(pc);   /* closes gz too */
    assert_int_equal(combined, hashed);

    for (size_t i = 0; i < b->n; i++) {
        int transport = b->e[i].proto == 6 || b->e[i].proto == 17 || b->e[i].proto == 132;
        matched += b->e[i].decoded;
        needed += transport;
        needed_matched += transport && b->e[i].decoded;
    }
    print_message("%s from decoded packets: %zu/%zu entries matched (TCP/UDP/SCTP %zu/%zu), "
                  "%zu packets hashed\n", name, matched, b->n, needed_matched, needed, hashed);
    assert_true(needed >= 8);
    assert_int_equal(needed_matched, needed);
    free(b);
}

static void test_baseline_decoded_seed0(void **state)
{
    (void)state;
    check_decoded("baseline_deflt.json", 0);
}

static void test_baseline_decoded_seed1(void **state)
{
    (void)state;
    check_decoded("baseline_seed1.json", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_seed0),
        cmocka_unit_test(test_published_seed1),
        cmocka_unit_test(test_published_digest_hex),
        cmocka_unit_test(test_ordering),
        cmocka_unit_test(test_icmp_mapping),
        cmocka_unit_test(test_flow_record),
        cmocka_unit_test(test_baseline_tuples_seed0),
        cmocka_unit_test(test_baseline_tuples_seed1),
        cmocka_unit_test(test_baseline_decoded_seed0),
        cmocka_unit_test(test_baseline_decoded_seed1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
