/* Fragment cache, alone and as the flow table uses it: later fragments
 * counted to their first fragment's flow whether they come before or after
 * it, or counted as unmatched once their first fragment cannot come. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "portsniff/flow.h"
#include "portsniff/fragment.h"

#define S INT64_C(1000000000)

static int ended;
static ps_flow last_ended;

static void on_end(const ps_flow *f, void *ctx)
{
    (void)ctx;
    ended++;
    last_ended = *f;
}

static ps_packet first_fragment(int64_t ts, uint32_t id)
{
    ps_packet p;
    memset(&p, 0, sizeof(p));
    p.ts_ns = ts;
    p.kind = PS_PKT_TRANSPORT;
    p.family = 4;
    p.ip_proto = 17;
    p.transport = PS_TRANSPORT_UDP;
    p.frag = PS_FRAG_FIRST;
    p.frag_id = id;
    memcpy(p.src, (const uint8_t[]){192, 0, 2, 10}, 4);   /* higher address: endpoint b */
    memcpy(p.dst, (const uint8_t[]){192, 0, 2, 1}, 4);
    p.sport = 5353;
    p.dport = 53;
    p.wire_len = 1514;
    p.ip_bytes = 1500;
    return p;
}

static ps_packet later_fragment(int64_t ts, uint32_t id)
{
    ps_packet p = first_fragment(ts, id);
    p.kind = PS_PKT_FRAGMENT;
    p.transport = PS_TRANSPORT_NONE;
    p.frag = PS_FRAG_LATER;
    p.sport = p.dport = 0;
    p.wire_len = 314;
    p.ip_bytes = 300;
    return p;
}

/* 2001:db8::10 -> 2001:db8::1, so the sender is endpoint b as in IPv4. */
static ps_packet v6(ps_packet p)
{
    static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
    static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
    p.family = 6;
    memcpy(p.src, src, sizeof(src));
    memcpy(p.dst, dst, sizeof(dst));
    return p;
}

static ps_flow_config config(size_t max_fragments)
{
    ps_flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.max_fragments = max_fragments;
    cfg.fragment_timeout_ns = 30 * S;
    return cfg;
}

static ps_frag_ref make_ref(int64_t flow_first_ns, uint8_t sender_is_b)
{
    ps_frag_ref ref;
    memset(&ref, 0, sizeof(ref));
    ref.flow_first_ns = flow_first_ns;
    ref.sender_is_b = sender_is_b;
    return ref;
}

/* ---- the cache alone ---- */

static void test_cache_first_then_later(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(8, 30 * S);
    ps_frag_drops drops = {0, 0};
    ps_frag_parked parked;
    int was_parked = -1;
    ps_frag_ref ref = make_ref(7, 1);
    ps_packet a = first_fragment(1 * S, 100);
    frag_cache_insert(c, &a, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 0);
    ref = make_ref(8, 0);
    ps_packet b = first_fragment(2 * S, 200);
    frag_cache_insert(c, &b, &ref, &parked, &drops);
    assert_int_equal(frag_cache_count(c), 2);

    ps_packet la = later_fragment(3 * S, 100);
    const ps_frag_ref *found = frag_cache_later(c, &la, &was_parked, &drops);
    assert_non_null(found);
    assert_int_equal(was_parked, 0);
    assert_true(found->flow_first_ns == 7);
    assert_int_equal(found->sender_is_b, 1);
    ps_packet lb = later_fragment(3 * S, 200);
    found = frag_cache_later(c, &lb, &was_parked, &drops);
    assert_non_null(found);
    assert_true(found->flow_first_ns == 8);

    /* A repeated first fragment takes over its entry rather than adding one. */
    ref = make_ref(9, 1);
    frag_cache_insert(c, &a, &ref, &parked, &drops);
    assert_int_equal(frag_cache_count(c), 2);
    found = frag_cache_later(c, &la, &was_parked, &drops);
    assert_true(found->flow_first_ns == 9);
    assert_int_equal(drops.evictions, 0);
    assert_int_equal(drops.unmatched, 0);
    frag_cache_destroy(c);
}

static void test_cache_parks_until_first(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(8, 30 * S);
    ps_frag_drops drops = {0, 0};
    ps_frag_parked parked;
    int was_parked = 0;
    ps_packet last = later_fragment(1 * S, 100);
    last.wire_len = 78;
    last.ip_bytes = 64;
    assert_null(frag_cache_later(c, &last, &was_parked, &drops));
    assert_int_equal(was_parked, 1);
    ps_packet middle = later_fragment(3 * S, 100);
    middle.wire_len = 1514;
    middle.ip_bytes = 1500;
    assert_null(frag_cache_later(c, &middle, &was_parked, &drops));
    assert_int_equal(was_parked, 1);
    assert_int_equal(frag_cache_count(c), 1);   /* one entry per datagram */

    ps_frag_ref ref = make_ref(4 * S, 1);
    ps_packet first = first_fragment(4 * S, 100);
    frag_cache_insert(c, &first, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 2);
    assert_int_equal(parked.frame_bytes, 78 + 1514);
    assert_int_equal(parked.ip_bytes, 64 + 1500);
    assert_true(parked.last_ns == 3 * S);
    assert_int_equal(frag_cache_count(c), 1);

    /* Now an ordinary first-fragment entry: handed over once, then matched. */
    ps_packet again = later_fragment(5 * S, 100);
    assert_non_null(frag_cache_later(c, &again, &was_parked, &drops));
    assert_int_equal(was_parked, 0);
    frag_cache_insert(c, &first, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 0);
    frag_cache_clear(c, &drops);
    assert_int_equal(frag_cache_count(c), 0);
    assert_int_equal(drops.unmatched, 0);
    assert_int_equal(drops.evictions, 0);
    frag_cache_destroy(c);
}

static void test_cache_ipv4_identity_has_protocol(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(8, 30 * S);
    ps_frag_drops drops = {0, 0};
    ps_frag_parked parked;
    int was_parked = 0;
    ps_frag_ref ref = make_ref(1 * S, 1);
    ps_packet first = first_fragment(1 * S, 100);
    frag_cache_insert(c, &first, &ref, &parked, &drops);

    /* Same id, other protocol or other source: another datagram, parked. */
    ps_packet other = later_fragment(2 * S, 100);
    other.ip_proto = 6;
    assert_null(frag_cache_later(c, &other, &was_parked, &drops));
    assert_int_equal(was_parked, 1);
    ps_packet elsewhere = later_fragment(2 * S, 100);
    elsewhere.src[3] = 11;
    assert_null(frag_cache_later(c, &elsewhere, &was_parked, &drops));
    assert_int_equal(was_parked, 1);
    assert_int_equal(frag_cache_count(c), 3);

    /* The protocol-6 datagram's own first fragment collects it. */
    ps_packet first_tcp = first_fragment(3 * S, 100);
    first_tcp.ip_proto = 6;
    frag_cache_insert(c, &first_tcp, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 1);
    assert_int_equal(parked.frame_bytes, 314);
    frag_cache_clear(c, &drops);
    assert_int_equal(drops.unmatched, 1);        /* the other source's fragment */
    frag_cache_destroy(c);
}

static void test_cache_ipv6_identity_has_no_protocol(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(8, 30 * S);
    ps_frag_drops drops = {0, 0};
    ps_frag_parked parked;
    int was_parked = 0;
    ps_frag_ref ref = make_ref(1 * S, 1);
    ps_packet first = v6(first_fragment(1 * S, 0xa1b2));
    frag_cache_insert(c, &first, &ref, &parked, &drops);
    /* Destination options after the fragment header: next header 60. */
    ps_packet later = v6(later_fragment(2 * S, 0xa1b2));
    later.ip_proto = 60;
    assert_non_null(frag_cache_later(c, &later, &was_parked, &drops));

    /* The same when the later fragment comes first. */
    ps_packet early = v6(later_fragment(3 * S, 0xa1b3));
    early.ip_proto = 60;
    assert_null(frag_cache_later(c, &early, &was_parked, &drops));
    assert_int_equal(was_parked, 1);
    ps_packet first2 = v6(first_fragment(4 * S, 0xa1b3));
    frag_cache_insert(c, &first2, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 1);

    /* An IPv4 datagram with the same id and addresses' bytes is another. */
    ps_packet v4 = later_fragment(5 * S, 0xa1b2);
    assert_null(frag_cache_later(c, &v4, &was_parked, &drops));
    frag_cache_destroy(c);
}

static void test_cache_eviction_counts_parked(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(2, 30 * S);
    ps_frag_drops drops = {0, 0};
    ps_frag_parked parked;
    int was_parked = 0;
    ps_frag_ref ref = make_ref(0, 0);
    ps_packet l1 = later_fragment(1 * S, 1);
    frag_cache_later(c, &l1, &was_parked, &drops);
    l1.ts_ns = 2 * S;
    frag_cache_later(c, &l1, &was_parked, &drops);
    ps_packet f2 = first_fragment(3 * S, 2);
    frag_cache_insert(c, &f2, &ref, &parked, &drops);
    assert_int_equal(frag_cache_count(c), 2);

    /* Full: the oldest entry, two parked fragments, makes room. */
    ps_packet f3 = first_fragment(4 * S, 3);
    frag_cache_insert(c, &f3, &ref, &parked, &drops);
    assert_int_equal(drops.evictions, 1);
    assert_int_equal(drops.unmatched, 2);
    assert_int_equal(frag_cache_count(c), 2);
    /* Its first fragment arriving now finds nothing to collect. */
    ps_packet f1 = first_fragment(5 * S, 1);
    frag_cache_insert(c, &f1, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 0);
    /* ... and a parked fragment evicts a first-fragment entry just the same. */
    ps_packet l4 = later_fragment(6 * S, 4);
    frag_cache_later(c, &l4, &was_parked, &drops);
    assert_int_equal(was_parked, 1);
    assert_int_equal(drops.evictions, 3);
    assert_int_equal(drops.unmatched, 2);
    ps_packet l2 = later_fragment(6 * S, 2);
    assert_null(frag_cache_later(c, &l2, &was_parked, &drops));   /* evicted first */
    frag_cache_destroy(c);
}

static void test_cache_timeout_exact(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(8, 30 * S);
    ps_frag_drops drops = {0, 0};
    ps_frag_parked parked;
    int was_parked = 0;
    ps_frag_ref ref = make_ref(0, 0);
    ps_packet a = first_fragment(10 * S, 1);
    frag_cache_insert(c, &a, &ref, &parked, &drops);
    ps_packet l = later_fragment(40 * S - 1, 1);
    assert_non_null(frag_cache_later(c, &l, &was_parked, &drops));
    frag_cache_expire(c, 40 * S, &drops);
    assert_int_equal(frag_cache_count(c), 0);
    assert_int_equal(drops.unmatched, 0);        /* a first-fragment entry */

    /* Parked fragments wait from the first of them, then are unmatched. */
    ps_packet p1 = later_fragment(50 * S, 2), p2 = later_fragment(60 * S, 2);
    frag_cache_later(c, &p1, &was_parked, &drops);
    frag_cache_later(c, &p2, &was_parked, &drops);
    frag_cache_expire(c, 80 * S - 1, &drops);
    assert_int_equal(frag_cache_count(c), 1);
    frag_cache_expire(c, 80 * S, &drops);
    assert_int_equal(frag_cache_count(c), 0);
    assert_int_equal(drops.unmatched, 2);
    assert_int_equal(drops.evictions, 0);

    /* A first fragment restarts its datagram's timeout. */
    ps_packet p3 = later_fragment(100 * S, 3);
    frag_cache_later(c, &p3, &was_parked, &drops);
    ps_packet f3 = first_fragment(120 * S, 3);
    frag_cache_insert(c, &f3, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 1);
    ps_packet l3 = later_fragment(149 * S, 3);
    assert_non_null(frag_cache_later(c, &l3, &was_parked, &drops));
    l3.ts_ns = 150 * S;
    assert_null(frag_cache_later(c, &l3, &was_parked, &drops));
    assert_int_equal(was_parked, 1);
    frag_cache_destroy(c);

    /* A cache of size zero remembers and parks nothing. */
    c = frag_cache_create(0, 30 * S);
    frag_cache_insert(c, &a, &ref, &parked, &drops);
    assert_int_equal(parked.pkts, 0);
    l.ts_ns = 11 * S;
    assert_null(frag_cache_later(c, &l, &was_parked, &drops));
    assert_int_equal(was_parked, 0);
    frag_cache_destroy(c);
}

/* ---- as the flow table uses it ---- */

static void test_table_matches_later_fragments(void **state)
{
    (void)state;
    ps_flow_config cfg = config(16);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ps_packet first = first_fragment(1 * S, 77);
    const ps_flow *f = flow_table_packet(t, &first);
    assert_non_null(f);
    ps_packet later = later_fragment(1 * S + 500, 77);
    assert_ptr_equal(flow_table_packet(t, &later), f);
    later.ts_ns = 1 * S + 900;
    assert_ptr_equal(flow_table_packet(t, &later), f);

    assert_int_equal(f->dir[1].pkts, 3);
    assert_int_equal(f->dir[1].frame_bytes, 1514 + 314 + 314);
    assert_int_equal(f->dir[1].ip_bytes, 1500 + 300 + 300);
    assert_int_equal(f->dir[0].pkts, 0);
    assert_true(f->last_ns == 1 * S + 900);
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->fragments_matched, 2);
    assert_int_equal(c->fragments_unmatched, 0);
    flow_table_destroy(t);
}

/* Last fragment, first, middle: ipv4-frag.pcap's second datagram. */
static void test_table_out_of_order(void **state)
{
    (void)state;
    ps_flow_config cfg = config(16);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ended = 0;
    ps_packet last = later_fragment(1 * S, 0x1a02);
    last.wire_len = 78;
    last.ip_bytes = 64;
    assert_null(flow_table_packet(t, &last));
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->fragments_matched, 0);
    assert_int_equal(c->fragments_unmatched, 0);
    assert_int_equal(flow_table_count(t), 0);

    ps_packet first = first_fragment(1 * S + 100, 0x1a02);
    const ps_flow *f = flow_table_packet(t, &first);
    assert_non_null(f);
    assert_int_equal(f->dir[1].pkts, 2);
    assert_int_equal(c->fragments_matched, 1);
    ps_packet middle = later_fragment(1 * S + 200, 0x1a02);
    middle.wire_len = 1514;
    middle.ip_bytes = 1500;
    assert_ptr_equal(flow_table_packet(t, &middle), f);

    assert_int_equal(f->dir[1].pkts, 3);
    assert_int_equal(f->dir[1].frame_bytes, 78 + 1514 + 1514);
    assert_int_equal(f->dir[1].ip_bytes, 64 + 1500 + 1500);
    assert_int_equal(f->dir[0].pkts, 0);
    assert_true(f->first_ns == 1 * S + 100);
    assert_true(f->last_ns == 1 * S + 200);
    assert_int_equal(c->fragments_matched, 2);
    assert_int_equal(c->fragments_unmatched, 0);
    assert_int_equal(c->fragment_cache_evictions, 0);

    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(ended, 1);
    assert_int_equal(last_ended.dir[1].pkts, 3);
    assert_int_equal(c->fragments_matched, 2);
    assert_int_equal(c->fragments_unmatched, 0);
    flow_table_destroy(t);
}

/* Parked fragments stamped after their first fragment (time going backwards
 * in the capture) still move the flow's last packet time. */
static void test_table_parked_sets_last_ns(void **state)
{
    (void)state;
    ps_flow_config cfg = config(16);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ps_packet later = later_fragment(5 * S, 42);
    flow_table_packet(t, &later);
    later.ts_ns = 6 * S;
    flow_table_packet(t, &later);
    ps_packet first = first_fragment(4 * S, 42);
    const ps_flow *f = flow_table_packet(t, &first);
    assert_non_null(f);
    assert_int_equal(f->dir[1].pkts, 3);
    assert_true(f->first_ns == 4 * S);
    assert_true(f->last_ns == 6 * S);
    assert_int_equal(flow_table_counters(t)->fragments_matched, 2);
    flow_table_destroy(t);
}

static void test_table_lone_later_fragment(void **state)
{
    (void)state;
    ps_flow_config cfg = config(16);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    const ps_flow_counters *c = flow_table_counters(t);
    /* Its first fragment may still come: not unmatched yet. */
    ps_packet stray = later_fragment(2 * S, 78);
    assert_null(flow_table_packet(t, &stray));
    assert_int_equal(c->fragments_unmatched, 0);
    flow_table_expire(t, 32 * S - 1);
    assert_int_equal(c->fragments_unmatched, 0);
    flow_table_expire(t, 32 * S);
    assert_int_equal(c->fragments_unmatched, 1);

    /* End of input: nothing more can come. */
    ps_packet stray2 = later_fragment(40 * S, 79);
    assert_null(flow_table_packet(t, &stray2));
    assert_int_equal(c->fragments_unmatched, 1);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c->fragments_unmatched, 2);
    assert_int_equal(c->fragments_matched, 0);
    assert_int_equal(c->fragment_cache_evictions, 0);
    assert_int_equal(flow_table_count(t), 0);
    assert_int_equal(c->flows_created, 0);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c->fragments_unmatched, 2);
    flow_table_destroy(t);
}

static void test_table_cache_eviction(void **state)
{
    (void)state;
    ps_flow_config cfg = config(2);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    for (uint32_t id = 1; id <= 3; id++) {
        ps_packet first = first_fragment(id * S, id);
        flow_table_packet(t, &first);
    }
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->fragment_cache_evictions, 1);
    /* Datagram 1's entry is gone, so its later fragment waits again, and
     * datagram 2's entry makes room for it. */
    ps_packet l1 = later_fragment(4 * S, 1), l3 = later_fragment(4 * S, 3);
    assert_null(flow_table_packet(t, &l1));
    assert_int_equal(c->fragment_cache_evictions, 2);
    assert_non_null(flow_table_packet(t, &l3));
    assert_int_equal(c->fragments_unmatched, 0);
    assert_int_equal(c->fragments_matched, 1);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c->fragments_unmatched, 1);
    assert_int_equal(c->fragments_matched, 1);
    flow_table_destroy(t);
}

static void test_table_pending_evicted_when_full(void **state)
{
    (void)state;
    ps_flow_config cfg = config(2);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    const ps_flow_counters *c = flow_table_counters(t);
    ps_packet l1 = later_fragment(1 * S, 1), l2 = later_fragment(2 * S, 2);
    flow_table_packet(t, &l1);
    l1.ts_ns = 1 * S + 1;
    flow_table_packet(t, &l1);
    flow_table_packet(t, &l2);
    /* A third datagram: the oldest, with two parked fragments, is dropped. */
    ps_packet f3 = first_fragment(3 * S, 3);
    const ps_flow *f = flow_table_packet(t, &f3);
    assert_int_equal(c->fragment_cache_evictions, 1);
    assert_int_equal(c->fragments_unmatched, 2);
    assert_int_equal(c->fragments_matched, 0);
    /* Datagram 1's first fragment, too late to collect them. */
    ps_packet f1 = first_fragment(4 * S, 1);
    assert_ptr_equal(flow_table_packet(t, &f1), f);
    assert_int_equal(f->dir[1].pkts, 2);
    assert_int_equal(c->fragment_cache_evictions, 2);   /* datagram 2, parked */
    assert_int_equal(c->fragments_unmatched, 3);
    assert_int_equal(c->fragments_matched, 0);
    flow_table_destroy(t);
}

static void test_table_ipv6_other_next_header_matches(void **state)
{
    (void)state;
    ps_flow_config cfg = config(16);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ps_packet early = v6(later_fragment(1 * S, 0x5eed));
    early.ip_proto = 60;                         /* destination options follow */
    early.ip_bytes = 300;
    assert_null(flow_table_packet(t, &early));
    ps_packet first = v6(first_fragment(2 * S, 0x5eed));
    const ps_flow *f = flow_table_packet(t, &first);
    assert_non_null(f);
    ps_packet late = v6(later_fragment(3 * S, 0x5eed));
    late.ip_proto = 60;
    assert_ptr_equal(flow_table_packet(t, &late), f);
    assert_int_equal(f->dir[1].pkts, 3);
    assert_int_equal(f->dir[1].frame_bytes, 314 + 1514 + 314);
    assert_int_equal(f->dir[1].ip_bytes, 300 + 1500 + 300);
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->fragments_matched, 2);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c->fragments_unmatched, 0);
    flow_table_destroy(t);
}

static void test_table_ipv4_other_protocol_does_not_match(void **state)
{
    (void)state;
    ps_flow_config cfg = config(16);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ps_packet early = later_fragment(1 * S, 0x1a03);
    early.ip_proto = 6;
    assert_null(flow_table_packet(t, &early));
    ps_packet first = first_fragment(2 * S, 0x1a03);
    const ps_flow *f = flow_table_packet(t, &first);
    assert_non_null(f);
    ps_packet late = later_fragment(3 * S, 0x1a03);
    late.ip_proto = 6;
    assert_null(flow_table_packet(t, &late));
    assert_int_equal(f->dir[1].pkts, 1);
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->fragments_matched, 0);
    assert_int_equal(c->fragments_unmatched, 0);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c->fragments_unmatched, 2);
    assert_int_equal(c->fragments_matched, 0);
    flow_table_destroy(t);
}

static void test_ended_flow_is_not_resurrected(void **state)
{
    (void)state;
    ps_flow_config cfg = config(16);
    cfg.idle_timeout_ns = 5 * S;
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ended = 0;
    ps_packet first = first_fragment(1 * S, 9);
    flow_table_packet(t, &first);
    /* The flow idles out before its last fragment arrives. */
    ps_packet later = later_fragment(6 * S, 9);
    assert_null(flow_table_packet(t, &later));
    assert_int_equal(ended, 1);
    assert_int_equal(last_ended.end_reason, PS_END_IDLE);
    assert_int_equal(last_ended.dir[1].pkts, 1);
    assert_int_equal(flow_table_count(t), 0);

    /* A new flow on the same 5-tuple is not the fragment's flow either. */
    ps_packet fresh = first_fragment(7 * S, 10);
    fresh.frag = PS_FRAG_NONE;
    flow_table_packet(t, &fresh);
    later.ts_ns = 8 * S;
    assert_null(flow_table_packet(t, &later));
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->fragments_unmatched, 2);
    assert_int_equal(c->fragments_matched, 0);
    assert_int_equal(flow_table_count(t), 1);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(last_ended.dir[1].pkts, 1);
    assert_int_equal(c->fragments_unmatched, 2);
    flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_first_then_later),
        cmocka_unit_test(test_cache_parks_until_first),
        cmocka_unit_test(test_cache_ipv4_identity_has_protocol),
        cmocka_unit_test(test_cache_ipv6_identity_has_no_protocol),
        cmocka_unit_test(test_cache_eviction_counts_parked),
        cmocka_unit_test(test_cache_timeout_exact),
        cmocka_unit_test(test_table_matches_later_fragments),
        cmocka_unit_test(test_table_out_of_order),
        cmocka_unit_test(test_table_parked_sets_last_ns),
        cmocka_unit_test(test_table_lone_later_fragment),
        cmocka_unit_test(test_table_cache_eviction),
        cmocka_unit_test(test_table_pending_evicted_when_full),
        cmocka_unit_test(test_table_ipv6_other_next_header_matches),
        cmocka_unit_test(test_table_ipv4_other_protocol_does_not_match),
        cmocka_unit_test(test_ended_flow_is_not_resurrected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
