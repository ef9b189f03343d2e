/* Fragment cache, alone and as the flow table uses it: later fragments
 * counted to their first fragment's flow, or counted as unmatched. */
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

static ps_flow_config config(size_t max_fragments)
{
    ps_flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.max_fragments = max_fragments;
    cfg.fragment_timeout_ns = 30 * S;
    return cfg;
}

static void test_cache_insert_lookup_evict(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(2, 30 * S);
    ps_frag_ref ref;
    memset(&ref, 0, sizeof(ref));
    ref.flow_first_ns = 7;
    ref.sender_is_b = 1;
    ps_packet a = first_fragment(1 * S, 100);
    assert_int_equal(frag_cache_insert(c, &a, &ref), 0);
    ref.flow_first_ns = 8;
    ps_packet b = first_fragment(2 * S, 200);
    assert_int_equal(frag_cache_insert(c, &b, &ref), 0);
    assert_int_equal(frag_cache_count(c), 2);

    ps_packet la = later_fragment(3 * S, 100);
    const ps_frag_ref *found = frag_cache_lookup(c, &la);
    assert_non_null(found);
    assert_true(found->flow_first_ns == 7);
    assert_int_equal(found->sender_is_b, 1);

    /* Same id, other protocol or other source: another datagram. */
    ps_packet other = later_fragment(3 * S, 100);
    other.ip_proto = 6;
    assert_null(frag_cache_lookup(c, &other));
    other = later_fragment(3 * S, 100);
    other.src[3] = 11;
    assert_null(frag_cache_lookup(c, &other));

    /* Full: the oldest entry (id 100) makes room. */
    ps_packet d = first_fragment(4 * S, 300);
    assert_int_equal(frag_cache_insert(c, &d, &ref), 1);
    assert_int_equal(frag_cache_count(c), 2);
    assert_null(frag_cache_lookup(c, &la));
    ps_packet lb = later_fragment(5 * S, 200);
    assert_non_null(frag_cache_lookup(c, &lb));
    frag_cache_destroy(c);
}

static void test_cache_timeout_exact(void **state)
{
    (void)state;
    ps_frag_cache *c = frag_cache_create(8, 30 * S);
    ps_frag_ref ref;
    memset(&ref, 0, sizeof(ref));
    ps_packet a = first_fragment(10 * S, 1);
    frag_cache_insert(c, &a, &ref);
    ps_packet l = later_fragment(40 * S - 1, 1);
    assert_non_null(frag_cache_lookup(c, &l));
    l.ts_ns = 40 * S;
    assert_null(frag_cache_lookup(c, &l));
    assert_int_equal(frag_cache_count(c), 0);
    frag_cache_destroy(c);

    /* A cache of size zero remembers nothing. */
    c = frag_cache_create(0, 30 * S);
    assert_int_equal(frag_cache_insert(c, &a, &ref), 0);
    l.ts_ns = 11 * S;
    assert_null(frag_cache_lookup(c, &l));
    frag_cache_destroy(c);
}

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

    /* A datagram whose first fragment never came. */
    ps_packet stray = later_fragment(2 * S, 78);
    assert_null(flow_table_packet(t, &stray));
    assert_int_equal(c->fragments_unmatched, 1);
    assert_int_equal(flow_table_count(t), 1);
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
    ps_packet l1 = later_fragment(4 * S, 1), l3 = later_fragment(4 * S, 3);
    assert_null(flow_table_packet(t, &l1));
    assert_non_null(flow_table_packet(t, &l3));
    assert_int_equal(c->fragments_unmatched, 1);
    assert_int_equal(c->fragments_matched, 1);
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
    flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_insert_lookup_evict),
        cmocka_unit_test(test_cache_timeout_exact),
        cmocka_unit_test(test_table_matches_later_fragments),
        cmocka_unit_test(test_table_cache_eviction),
        cmocka_unit_test(test_ended_flow_is_not_resurrected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
