/* Tunnel chains: interning, their text and JSON forms, the table's bound,
 * and a flow's chain per direction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "portsniff/flow.h"
#include "portsniff/tunnel.h"

static void gtpu_packet(ps_packet *p, int uplink, uint32_t teid)
{
    static const uint8_t enb[4] = {192, 0, 2, 1}, sgw[4] = {192, 0, 2, 2};
    static const uint8_t ue[4] = {10, 45, 0, 1}, srv[4] = {203, 0, 113, 10};
    memset(p, 0, sizeof *p);
    p->kind = PS_PKT_TRANSPORT;
    p->family = 4;
    p->transport = PS_TRANSPORT_TCP;
    p->ip_proto = 6;
    p->wire_len = 100;
    p->ip_bytes = 60;
    memcpy(p->src, uplink ? ue : srv, 4);
    memcpy(p->dst, uplink ? srv : ue, 4);
    p->sport = uplink ? 40071 : 443;
    p->dport = uplink ? 443 : 40071;
    p->encap_depth = 1;
    p->encap[0] = PS_ENCAP_GTPU;
    ps_encap_layer *l = &p->layer[0];
    l->type = PS_ENCAP_GTPU;
    l->family = 4;
    l->has_id = 1;
    l->id = teid;
    memcpy(l->u.ep.src, uplink ? enb : sgw, 4);
    memcpy(l->u.ep.dst, uplink ? sgw : enb, 4);
}

static void test_intern_and_forms(void **state)
{
    (void)state;
    ps_tunnel_table *t = tunnel_table_create();
    assert_non_null(t);
    ps_packet a, b;
    gtpu_packet(&a, 1, 4096);
    gtpu_packet(&b, 0, 8192);
    uint32_t ra = tunnel_table_intern(t, &a);
    uint32_t rb = tunnel_table_intern(t, &b);
    assert_int_equal(ra, 1);
    assert_int_equal(rb, 2);
    assert_int_equal(tunnel_table_intern(t, &a), 1);   /* the same chain: the same reference */
    assert_int_equal(tunnel_table_count(t), 2);
    const ps_tunnel_chain *c = tunnel_table_get(t, ra);
    assert_string_equal(c->text, "gtp-u@192.0.2.1>192.0.2.2#4096");
    assert_string_equal(c->json, "[{\"type\":\"gtp-u\",\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"teid\":4096}]");
    assert_null(tunnel_table_get(t, PS_TUNNEL_NONE));
    assert_null(tunnel_table_get(t, PS_TUNNEL_DROPPED));

    /* a VLAN tag and an MPLS stack below a GRE tunnel without a key */
    ps_packet m;
    gtpu_packet(&m, 1, 0);
    m.encap_depth = 2;
    ps_encap_layer *g = &m.layer[0];
    g->type = PS_ENCAP_GRE;
    g->has_id = 0;
    g->id = 0;
    g->vlan = PS_ENCAP_VLAN_SET | 7;
    ps_encap_layer *l = &m.layer[1];
    memset(l, 0, sizeof *l);
    l->type = PS_ENCAP_MPLS;
    l->has_id = 1;
    l->id = 3001;
    l->nlabels = 2;
    l->u.labels[0] = 16;
    l->u.labels[1] = 3001;
    c = tunnel_table_get(t, tunnel_table_intern(t, &m));
    assert_non_null(c);
    assert_string_equal(c->text, "vlan#7/gre@192.0.2.1>192.0.2.2/mpls#16:3001");
    assert_string_equal(c->json,
                        "[{\"type\":\"vlan\",\"id\":7},{\"type\":\"gre\",\"src\":\"192.0.2.1\",\"dst\":"
                        "\"192.0.2.2\"},{\"type\":\"mpls\",\"labels\":[16,3001],\"stack_depth\":2}]");
    tunnel_table_free(t);
}

static void test_table_bound(void **state)
{
    (void)state;
    ps_tunnel_table *t = tunnel_table_create();
    ps_packet p;
    for (uint32_t i = 0; i < PS_TUNNEL_MAX_CHAINS; i++) {
        gtpu_packet(&p, 1, i);
        assert_int_equal(tunnel_table_intern(t, &p), i + 1);
    }
    gtpu_packet(&p, 1, PS_TUNNEL_MAX_CHAINS);
    assert_int_equal(tunnel_table_intern(t, &p), PS_TUNNEL_DROPPED);
    assert_int_equal(tunnel_table_dropped(t), 1);
    /* known chains are still found */
    gtpu_packet(&p, 1, 77);
    assert_int_equal(tunnel_table_intern(t, &p), 78);
    tunnel_table_free(t);
}

static int ended;
static void on_end(const ps_flow *f, void *ctx)
{
    (void)f;
    (void)ctx;
    ended++;
}

/* GTP-U's TEIDs differ per direction: one flow, a chain per direction. */
static void test_flow_chain_per_direction(void **state)
{
    (void)state;
    ps_flow_config cfg;
    flow_config_defaults(&cfg);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ps_packet up, down;
    gtpu_packet(&up, 1, 4096);
    gtpu_packet(&down, 0, 8192);
    up.tcp_flags = PS_TCP_SYN;
    down.tcp_flags = PS_TCP_SYN | PS_TCP_ACK;
    down.ts_ns = 1000;
    const ps_flow *f = flow_table_packet(t, &up);
    assert_ptr_equal(flow_table_packet(t, &down), f);
    assert_int_equal(flow_table_count(t), 1);
    assert_string_equal(flow_table_tunnel(t, f, 0)->text, "gtp-u@192.0.2.1>192.0.2.2#4096");
    assert_string_equal(flow_table_tunnel(t, f, 1)->text, "gtp-u@192.0.2.2>192.0.2.1#8192");
    assert_int_equal(tunnel_table_count(flow_table_tunnels(t)), 2);
    flow_table_destroy(t);
}

static void vxlan_packet(ps_packet *p, int reply, uint32_t vni)
{
    gtpu_packet(p, !reply, 0);
    ps_encap_layer *l = &p->layer[0];
    l->type = PS_ENCAP_VXLAN;
    l->id = vni;
    p->encap[0] = PS_ENCAP_VXLAN;
    p->context = (uint64_t)PS_ENCAP_VXLAN << 24 | vni;
}

/* The same inner 5-tuple behind two VNIs is two flows; each VNI's two
 * directions are one. */
static void test_vni_keeps_flows_apart(void **state)
{
    (void)state;
    ps_flow_config cfg;
    flow_config_defaults(&cfg);
    ps_flow_table *t = flow_table_create(&cfg, on_end, NULL);
    ps_packet p;
    vxlan_packet(&p, 0, 5001);
    const ps_flow *a = flow_table_packet(t, &p);
    vxlan_packet(&p, 0, 5002);
    const ps_flow *b = flow_table_packet(t, &p);
    vxlan_packet(&p, 1, 5001);
    assert_ptr_equal(flow_table_packet(t, &p), a);
    vxlan_packet(&p, 1, 5002);
    assert_ptr_equal(flow_table_packet(t, &p), b);
    assert_ptr_not_equal(a, b);
    assert_int_equal(flow_table_count(t), 2);
    assert_int_equal(a->key.context, 1);
    assert_int_equal(b->key.context, 2);
    /* outside any VNI: a third flow, context 0 */
    gtpu_packet(&p, 1, 9);
    p.encap_depth = 0;
    const ps_flow *c = flow_table_packet(t, &p);
    assert_int_equal(c->key.context, 0);
    assert_int_equal(flow_table_count(t), 3);
    uint64_t numbered, shared;
    flow_table_contexts(t, &numbered, &shared);
    assert_int_equal(numbered, 2);
    assert_int_equal(shared, 0);
    /* the queued path keys the same way */
    vxlan_packet(flow_table_slot(t), 1, 5002);
    flow_table_commit(t);
    flow_table_sync(t);
    assert_int_equal(b->dir[0].pkts + b->dir[1].pkts, 3);
    assert_int_equal(flow_table_count(t), 3);
    flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intern_and_forms),
        cmocka_unit_test(test_table_bound),
        cmocka_unit_test(test_flow_chain_per_direction),
        cmocka_unit_test(test_vni_keeps_flows_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
