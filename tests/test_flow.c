/* Flow table: canonical keys, per-direction counters, originator rules,
 * protocol endings, timeouts, eviction under --max-flows. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "portsniff/flow.h"
#include "slab_reserve.h"

#define S INT64_C(1000000000)
#define MAX_RECORDED 16

typedef struct recorder {
    ps_flow flows[MAX_RECORDED];
    size_t n;
    size_t total;
} recorder;

static void record_flow(const ps_flow *f, void *ctx)
{
    recorder *r = ctx;
    if (r->n < MAX_RECORDED)
        r->flows[r->n++] = *f;
    r->total++;
}

static ps_packet make_pkt(int64_t ts, int transport, const char *src, uint16_t sport,
                          const char *dst, uint16_t dport)
{
    ps_packet p;
    memset(&p, 0, sizeof(p));
    p.ts_ns = ts;
    p.kind = PS_PKT_TRANSPORT;
    p.transport = (uint8_t)transport;
    int v6 = strchr(src, ':') != NULL;
    p.family = v6 ? 6 : 4;
    p.ip_proto = ps_transport_ip_proto(transport, p.family);
    assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, src, p.src), 1);
    assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, dst, p.dst), 1);
    p.sport = sport;
    p.dport = dport;
    p.wire_len = 100;
    p.ip_bytes = 86;
    return p;
}

/* Client 10.0.0.1:40000 and server 10.0.0.2:80 (client is endpoint a). */
static ps_packet c2s(int64_t ts, uint8_t flags)
{
    ps_packet p = make_pkt(ts, PS_TRANSPORT_TCP, "10.0.0.1", 40000, "10.0.0.2", 80);
    p.tcp_flags = flags;
    return p;
}

static ps_packet s2c(int64_t ts, uint8_t flags)
{
    ps_packet p = make_pkt(ts, PS_TRANSPORT_TCP, "10.0.0.2", 80, "10.0.0.1", 40000);
    p.tcp_flags = flags;
    return p;
}

static ps_flow_config config(void)
{
    ps_flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.idle_timeout_ns = 60 * S;
    cfg.active_timeout_ns = 1800 * S;
    cfg.close_linger_ns = 2 * S;
    return cfg;
}

/* ICMP echo request and reply are one flow (the type and its counterpart
 * stand in for the ports), and the request's sender is the originator even
 * when the reply is seen first; a reply alone does not make its receiver the
 * originator; one-way messages are keyed by their type and code. */
static void test_icmp_flows(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    assert_non_null(t);
    ps_packet reply = make_pkt(0, PS_TRANSPORT_ICMP, "192.0.2.1", 0, "192.0.2.9", 8);
    ps_packet req = make_pkt(1, PS_TRANSPORT_ICMP, "192.0.2.9", 8, "192.0.2.1", 0);
    assert_int_equal(reply.ip_proto, 1);
    const ps_flow *f1 = flow_table_packet(t, &reply);
    const ps_flow *f2 = flow_table_packet(t, &req);
    assert_ptr_equal(f1, f2);
    assert_int_equal(flow_table_count(t), 1);
    /* v6: echo reply from a host nobody pinged in the capture */
    ps_packet r6 = make_pkt(2, PS_TRANSPORT_ICMP, "2001:db8::1", 129, "2001:db8::2", 128);
    assert_int_equal(r6.ip_proto, 58);
    flow_table_packet(t, &r6);
    /* a one-way message (port unreachable) back to the pinger: its own flow */
    ps_packet unreach = make_pkt(3, PS_TRANSPORT_ICMP, "192.0.2.1", 3, "192.0.2.9", 3);
    flow_table_packet(t, &unreach);
    assert_int_equal(flow_table_count(t), 3);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(rec.n, 3);
    const ps_flow *echo = &rec.flows[0], *v6 = &rec.flows[1], *un = &rec.flows[2];
    assert_int_equal(echo->key.transport, PS_TRANSPORT_ICMP);
    assert_int_equal(flow_orig_addr(echo)[3], 9);
    assert_int_equal(flow_orig_port(echo), 8);
    assert_int_equal(flow_resp_port(echo), 0);
    assert_int_equal(flow_orig_stats(echo)->pkts, 1);
    assert_int_equal(flow_resp_stats(echo)->pkts, 1);
    assert_int_equal(echo->orig_basis, PS_ORIG_HANDSHAKE);
    assert_int_equal(flow_orig_port(v6), 129);
    assert_int_equal(flow_orig_addr(v6)[15], 1);
    assert_int_equal(v6->orig_basis, PS_ORIG_FIRST_PACKET);
    assert_int_equal(flow_orig_port(un), 3);
    assert_int_equal(flow_resp_port(un), 3);
    assert_int_equal(flow_orig_addr(un)[3], 1);
    flow_table_destroy(t);
}

static void test_defaults(void **state)
{
    (void)state;
    ps_flow_config cfg;
    flow_config_defaults(&cfg);
    assert_true(cfg.idle_timeout_ns == 60 * S);
    assert_true(cfg.active_timeout_ns == 1800 * S);
    assert_true(cfg.close_linger_ns == 2 * S);
    assert_int_equal(cfg.max_flows, 1000000);
    assert_int_equal(cfg.max_fragments, 8192);
    assert_true(cfg.fragment_timeout_ns == 30 * S);
    assert_string_equal(ps_end_reason_name(PS_END_FIN), "fin");
    assert_string_equal(ps_end_reason_name(PS_END_DCCP_RESET), "dccp-reset");
    assert_string_equal(ps_end_reason_name(PS_END_EVICTED), "evicted");
    assert_string_equal(ps_end_reason_name(99), "unknown");
}

static void test_key_canonical_both_directions(void **state)
{
    (void)state;
    ps_packet fwd = c2s(0, 0), rev = s2c(0, 0);
    ps_flow_key k1, k2;
    int b1 = -1, b2 = -1;
    memset(&k1, 0xaa, sizeof(k1));
    flow_key_from_packet(&fwd, &k1, &b1);
    flow_key_from_packet(&rev, &k2, &b2);
    assert_memory_equal(&k1, &k2, sizeof(k1));
    assert_int_equal(b1, 0);
    assert_int_equal(b2, 1);
    assert_int_equal(k1.port_a, 40000);
    assert_int_equal(k1.port_b, 80);
    assert_int_equal(k1.addr_a[3], 1);
    assert_int_equal(k1.addr_b[3], 2);
    assert_int_equal(k1.context, 0);
    assert_int_equal(k1.family, 4);
    assert_int_equal(k1.transport, PS_TRANSPORT_TCP);

    /* Same address: the lower port is endpoint a. */
    ps_packet same = make_pkt(0, PS_TRANSPORT_UDP, "::1", 5000, "::1", 53);
    flow_key_from_packet(&same, &k1, &b1);
    assert_int_equal(b1, 1);
    assert_int_equal(k1.port_a, 53);
    assert_int_equal(k1.port_b, 5000);
    assert_int_equal(k1.family, 6);

    /* Transport is part of the key. */
    ps_packet udp = make_pkt(0, PS_TRANSPORT_UDP, "10.0.0.1", 40000, "10.0.0.2", 80);
    flow_key_from_packet(&udp, &k2, &b2);
    flow_key_from_packet(&fwd, &k1, &b1);
    assert_memory_not_equal(&k1, &k2, sizeof(k1));
}

static void test_counters_per_direction(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    ps_packet p = c2s(10 * S, PS_TCP_SYN);
    p.wire_len = 74;
    p.ip_bytes = 60;
    const ps_flow *f = flow_table_packet(t, &p);
    assert_non_null(f);
    p = s2c(10 * S + 1000, PS_TCP_SYN | PS_TCP_ACK);
    p.wire_len = 78;
    p.ip_bytes = 64;
    assert_ptr_equal(flow_table_packet(t, &p), f);
    p = c2s(10 * S + 5000, PS_TCP_ACK | PS_TCP_PSH);
    p.wire_len = 1514;
    p.ip_bytes = 1500;
    assert_ptr_equal(flow_table_packet(t, &p), f);
    /* Time going backwards moves no timestamp back. */
    p = c2s(10 * S + 3000, PS_TCP_ACK);
    p.wire_len = 66;
    p.ip_bytes = 52;
    flow_table_packet(t, &p);
    assert_int_equal(flow_table_count(t), 1);

    assert_int_equal(f->dir[0].pkts, 3);
    assert_int_equal(f->dir[0].frame_bytes, 74 + 1514 + 66);
    assert_int_equal(f->dir[0].ip_bytes, 60 + 1500 + 52);
    assert_int_equal(f->dir[0].tcp_flags, PS_TCP_SYN | PS_TCP_ACK | PS_TCP_PSH);
    assert_int_equal(f->dir[1].pkts, 1);
    assert_int_equal(f->dir[1].frame_bytes, 78);
    assert_int_equal(f->dir[1].ip_bytes, 64);
    assert_int_equal(f->dir[1].tcp_flags, PS_TCP_SYN | PS_TCP_ACK);
    assert_true(f->first_ns == 10 * S);
    assert_true(f->last_ns == 10 * S + 5000);

    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_EOF);
    assert_int_equal(flow_table_count(t), 0);
    assert_int_equal(flow_table_counters(t)->flows_created, 1);
    assert_int_equal(flow_table_counters(t)->flows_ended, 1);
    flow_table_destroy(t);
}

/* Feeds packets and returns the flow's orig/basis at the end. */
static void originator_after(const ps_packet *pkts, size_t n, int *orig_is_client, int *basis)
{
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, NULL, NULL);
    const ps_flow *f = NULL;
    for (size_t i = 0; i < n; i++)
        f = flow_table_packet(t, &pkts[i]);
    assert_non_null(f);
    assert_int_equal(flow_table_count(t), 1);
    /* The client is always the packet source of pkts[0] or its peer; report in
     * terms of the address 10.0.0.1 / 192.0.2.1. */
    const uint8_t *oa = flow_orig_addr(f);
    *orig_is_client = oa[3] == 1;
    *basis = f->orig_basis;
    flow_table_destroy(t);
}

static void test_originator_tcp(void **state)
{
    (void)state;
    int client, basis;
    ps_packet syn_first[] = {c2s(1, PS_TCP_SYN), s2c(2, PS_TCP_SYN | PS_TCP_ACK), c2s(3, PS_TCP_ACK)};
    originator_after(syn_first, 3, &client, &basis);
    assert_true(client);
    assert_int_equal(basis, PS_ORIG_HANDSHAKE);

    /* The SYN was missed: the SYN-ACK's receiver originated. */
    ps_packet synack_first[] = {s2c(2, PS_TCP_SYN | PS_TCP_ACK), c2s(3, PS_TCP_ACK)};
    originator_after(synack_first, 2, &client, &basis);
    assert_true(client);
    assert_int_equal(basis, PS_ORIG_HANDSHAKE);

    /* Mid-stream: the first packet's sender, by that basis only. */
    ps_packet mid[] = {s2c(2, PS_TCP_ACK | PS_TCP_PSH), c2s(3, PS_TCP_ACK)};
    originator_after(mid, 2, &client, &basis);
    assert_false(client);
    assert_int_equal(basis, PS_ORIG_FIRST_PACKET);

    /* A handshake seen later overrides the guess. */
    ps_packet late[] = {s2c(2, PS_TCP_ACK), c2s(3, PS_TCP_SYN)};
    originator_after(late, 2, &client, &basis);
    assert_true(client);
    assert_int_equal(basis, PS_ORIG_HANDSHAKE);

    /* Once decided by a handshake, a later SYN-ACK does not flip it. */
    ps_packet settled[] = {c2s(1, PS_TCP_SYN), c2s(2, PS_TCP_SYN | PS_TCP_ACK)};
    originator_after(settled, 2, &client, &basis);
    assert_true(client);
}

static ps_packet sctp_pkt(int64_t ts, int from_client, uint32_t chunks)
{
    ps_packet p = from_client
                      ? make_pkt(ts, PS_TRANSPORT_SCTP, "192.0.2.1", 5000, "192.0.2.2", 38412)
                      : make_pkt(ts, PS_TRANSPORT_SCTP, "192.0.2.2", 38412, "192.0.2.1", 5000);
    p.sctp_chunks = chunks;
    return p;
}

static ps_packet dccp_pkt(int64_t ts, int from_client, uint8_t type)
{
    ps_packet p = from_client
                      ? make_pkt(ts, PS_TRANSPORT_DCCP, "192.0.2.1", 5001, "192.0.2.2", 6000)
                      : make_pkt(ts, PS_TRANSPORT_DCCP, "192.0.2.2", 6000, "192.0.2.1", 5001);
    p.dccp_type = type;
    return p;
}

static void test_originator_sctp_dccp(void **state)
{
    (void)state;
    int client, basis;
    /* The server (higher address) is endpoint b; INIT from the client. */
    ps_packet init[] = {sctp_pkt(1, 1, 1u << PS_SCTP_INIT), sctp_pkt(2, 0, 1u << PS_SCTP_INIT_ACK)};
    originator_after(init, 2, &client, &basis);
    assert_true(client);
    assert_int_equal(basis, PS_ORIG_HANDSHAKE);

    ps_packet init_ack[] = {sctp_pkt(2, 0, 1u << PS_SCTP_INIT_ACK), sctp_pkt(3, 1, 1u << PS_SCTP_COOKIE_ECHO)};
    originator_after(init_ack, 2, &client, &basis);
    assert_true(client);
    assert_int_equal(basis, PS_ORIG_HANDSHAKE);

    ps_packet sctp_mid[] = {sctp_pkt(2, 0, 1u << PS_SCTP_DATA)};
    originator_after(sctp_mid, 1, &client, &basis);
    assert_false(client);
    assert_int_equal(basis, PS_ORIG_FIRST_PACKET);

    ps_packet req[] = {dccp_pkt(1, 1, PS_DCCP_REQUEST), dccp_pkt(2, 0, PS_DCCP_RESPONSE)};
    originator_after(req, 2, &client, &basis);
    assert_true(client);
    assert_int_equal(basis, PS_ORIG_HANDSHAKE);

    ps_packet resp[] = {dccp_pkt(2, 0, PS_DCCP_RESPONSE)};
    originator_after(resp, 1, &client, &basis);
    assert_true(client);
    assert_int_equal(basis, PS_ORIG_HANDSHAKE);

    ps_packet data[] = {dccp_pkt(2, 0, PS_DCCP_DATA), dccp_pkt(3, 1, PS_DCCP_ACK)};
    originator_after(data, 2, &client, &basis);
    assert_false(client);
    assert_int_equal(basis, PS_ORIG_FIRST_PACKET);
}

static void test_fin_fin_final_ack_one_flow(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    ps_packet arp = {.kind = PS_PKT_NON_IP, .ts_ns = 1};
    assert_null(flow_table_packet(t, &arp));
    ps_packet seq[] = {
        c2s(1 * S, PS_TCP_SYN), s2c(1 * S + 10, PS_TCP_SYN | PS_TCP_ACK), c2s(1 * S + 20, PS_TCP_ACK),
        c2s(2 * S, PS_TCP_FIN | PS_TCP_ACK), s2c(2 * S + 10, PS_TCP_FIN | PS_TCP_ACK),
        c2s(2 * S + 20, PS_TCP_ACK),   /* the final ACK, after both FINs */
    };
    for (size_t i = 0; i < 6; i++)
        flow_table_packet(t, &seq[i]);
    assert_int_equal(flow_table_count(t), 1);
    assert_int_equal(rec.n, 0);

    /* Linger is counted from the final ACK: 2 s after 2 s + 20 ns. */
    flow_table_expire(t, 4 * S + 19);
    assert_int_equal(rec.n, 0);
    flow_table_expire(t, 4 * S + 20);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_FIN);
    assert_int_equal(rec.flows[0].dir[0].pkts, 4);
    assert_int_equal(rec.flows[0].dir[1].pkts, 2);
    assert_int_equal(rec.flows[0].fin_seen, 3);
    assert_int_equal(rec.flows[0].dir[0].tcp_flags, PS_TCP_SYN | PS_TCP_ACK | PS_TCP_FIN);
    assert_int_equal(flow_table_count(t), 0);
    flow_table_destroy(t);
}

static void test_rst_and_one_sided_fin(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    ps_packet p = c2s(1 * S, PS_TCP_SYN);
    flow_table_packet(t, &p);
    p = s2c(1 * S + 5, PS_TCP_RST | PS_TCP_ACK);
    flow_table_packet(t, &p);
    flow_table_expire(t, 3 * S + 5);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_RST);
    assert_int_equal(rec.flows[0].closing, 1);

    /* One FIN is a half-close: the flow stays open until its idle timeout. */
    p = make_pkt(10 * S, PS_TRANSPORT_TCP, "10.0.0.3", 40001, "10.0.0.2", 80);
    p.tcp_flags = PS_TCP_FIN | PS_TCP_ACK;
    flow_table_packet(t, &p);
    flow_table_expire(t, 69 * S);
    assert_int_equal(rec.n, 1);
    flow_table_expire(t, 70 * S);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.flows[1].end_reason, PS_END_IDLE);
    flow_table_destroy(t);
}

static void test_sctp_dccp_endings(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    ps_packet p = sctp_pkt(1 * S, 1, 1u << PS_SCTP_INIT);
    flow_table_packet(t, &p);
    p = sctp_pkt(1 * S + 1, 0, 1u << PS_SCTP_ABORT);
    flow_table_packet(t, &p);

    p = sctp_pkt(1 * S + 2, 1, 1u << PS_SCTP_DATA);
    p.sport = 5002;
    flow_table_packet(t, &p);
    p = sctp_pkt(1 * S + 3, 0, 1u << PS_SCTP_SHUTDOWN_COMPLETE);
    p.dport = 5002;
    flow_table_packet(t, &p);

    p = dccp_pkt(1 * S + 4, 1, PS_DCCP_REQUEST);
    p.dccp_has_service_code = 1;
    p.dccp_service_code = 1685351985;
    flow_table_packet(t, &p);
    p = dccp_pkt(1 * S + 5, 0, PS_DCCP_RESET);
    flow_table_packet(t, &p);

    assert_int_equal(flow_table_count(t), 3);
    flow_table_expire(t, 10 * S);
    assert_int_equal(rec.n, 3);
    assert_int_equal(rec.flows[0].end_reason, PS_END_ABORT);
    assert_int_equal(rec.flows[0].sctp_chunks, (1u << PS_SCTP_INIT) | (1u << PS_SCTP_ABORT));
    assert_int_equal(rec.flows[1].end_reason, PS_END_SHUTDOWN);
    assert_int_equal(rec.flows[2].end_reason, PS_END_DCCP_RESET);
    assert_int_equal(rec.flows[2].dccp_has_service_code, 1);
    assert_int_equal(rec.flows[2].dccp_service_code, 1685351985);
    assert_int_equal(rec.flows[2].dccp_types, (1u << PS_DCCP_REQUEST) | (1u << PS_DCCP_RESET));
    flow_table_destroy(t);
}

/* A table whose flows end after 60 s idle or 100 s from their first packet. */
static ps_flow_table *active_100s_table(recorder *rec)
{
    ps_flow_config cfg = config();
    cfg.active_timeout_ns = 100 * S;
    return flow_table_create(&cfg, record_flow, rec);
}

/* The SCTP chunk set and the DCCP Service Code share a field (ps_flow): an
 * active timeout starts the SCTP flow's next record with an empty chunk set
 * and keeps the DCCP flow's Service Code, as it keeps its originator. */
static void test_active_timeout_sctp_chunks_dccp_code(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_table *t = active_100s_table(&rec);
    ps_packet p = sctp_pkt(0, 1, 1u << PS_SCTP_INIT);
    flow_table_packet(t, &p);
    p = dccp_pkt(1, 1, PS_DCCP_REQUEST);
    p.dccp_has_service_code = 1;
    p.dccp_service_code = 1685351985;
    flow_table_packet(t, &p);
    for (int64_t ts = 50; ts <= 150; ts += 50) {
        p = sctp_pkt(ts * S, 0, 1u << PS_SCTP_DATA);
        flow_table_packet(t, &p);
        p = dccp_pkt(ts * S + 1, 0, PS_DCCP_DATA);
        flow_table_packet(t, &p);
    }
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.flows[0].end_reason, PS_END_ACTIVE);
    assert_int_equal(rec.flows[0].sctp_chunks, (1u << PS_SCTP_INIT) | (1u << PS_SCTP_DATA));
    assert_int_equal(rec.flows[1].end_reason, PS_END_ACTIVE);
    assert_int_equal(rec.flows[1].dccp_has_service_code, 1);
    assert_int_equal(rec.flows[1].dccp_service_code, 1685351985);

    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(rec.n, 4);
    assert_int_equal(rec.flows[2].key.transport, PS_TRANSPORT_SCTP);
    assert_int_equal(rec.flows[2].sctp_chunks, 1u << PS_SCTP_DATA);
    assert_int_equal(rec.flows[2].dir[1].pkts, 2);   /* at 100 s and 150 s */
    assert_int_equal(rec.flows[3].key.transport, PS_TRANSPORT_DCCP);
    assert_int_equal(rec.flows[3].dccp_has_service_code, 1);
    assert_int_equal(rec.flows[3].dccp_service_code, 1685351985);
    assert_int_equal(rec.flows[3].dccp_types, 1u << PS_DCCP_DATA);
    assert_int_equal(rec.flows[3].orig, rec.flows[1].orig);
    flow_table_destroy(t);
}

static void test_tuple_reuse_after_close(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    ps_packet seq[] = {
        c2s(1 * S, PS_TCP_SYN), s2c(1 * S + 1, PS_TCP_SYN | PS_TCP_ACK),
        c2s(1 * S + 2, PS_TCP_FIN | PS_TCP_ACK), s2c(1 * S + 3, PS_TCP_FIN | PS_TCP_ACK),
        c2s(1 * S + 4, PS_TCP_SYN),   /* within the linger: a new connection */
        s2c(1 * S + 5, PS_TCP_SYN | PS_TCP_ACK),
    };
    for (size_t i = 0; i < 6; i++)
        flow_table_packet(t, &seq[i]);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_FIN);
    assert_int_equal(rec.flows[0].dir[0].pkts + rec.flows[0].dir[1].pkts, 4);
    assert_true(rec.flows[0].last_ns == 1 * S + 3);
    assert_int_equal(flow_table_count(t), 1);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.flows[1].end_reason, PS_END_EOF);
    assert_int_equal(rec.flows[1].dir[0].pkts + rec.flows[1].dir[1].pkts, 2);
    assert_true(rec.flows[1].first_ns == 1 * S + 4);
    assert_int_equal(rec.flows[1].orig_basis, PS_ORIG_HANDSHAKE);
    assert_int_equal(flow_table_counters(t)->flows_created, 2);
    assert_int_equal(flow_table_counters(t)->flows_ended, 2);
    flow_table_destroy(t);
}

static void test_idle_timeout_exact(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = 10 * S;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    ps_packet a = c2s(100 * S, PS_TCP_ACK);
    flow_table_packet(t, &a);
    a.ts_ns = 103 * S;
    flow_table_packet(t, &a);
    ps_packet other = make_pkt(113 * S - 1, PS_TRANSPORT_UDP, "10.9.9.9", 53, "10.9.9.8", 5353);
    flow_table_packet(t, &other);
    assert_int_equal(rec.n, 0);
    assert_int_equal(flow_table_count(t), 2);

    /* The packet arriving exactly at the deadline finds the first flow gone. */
    other.ts_ns = 113 * S;
    flow_table_packet(t, &other);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_IDLE);
    assert_true(rec.flows[0].last_ns == 103 * S);
    assert_int_equal(flow_table_count(t), 1);

    flow_table_expire(t, 123 * S - 1);
    assert_int_equal(rec.n, 1);
    flow_table_expire(t, 123 * S);
    assert_int_equal(rec.n, 2);
    assert_int_equal(flow_table_count(t), 0);
    flow_table_destroy(t);
}

static void test_active_timeout_continues_in_place(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_table *t = active_100s_table(&rec);
    ps_packet p = c2s(0, PS_TCP_SYN);
    flow_table_packet(t, &p);
    for (int64_t ts = 30; ts <= 90; ts += 30) {
        p = s2c(ts * S, PS_TCP_ACK);
        flow_table_packet(t, &p);
    }
    p = c2s(100 * S - 1, PS_TCP_ACK);
    flow_table_packet(t, &p);
    assert_int_equal(rec.n, 0);

    p = s2c(100 * S, PS_TCP_ACK | PS_TCP_PSH);
    const ps_flow *f = flow_table_packet(t, &p);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_ACTIVE);
    assert_int_equal(rec.flows[0].dir[0].pkts, 2);
    assert_int_equal(rec.flows[0].dir[1].pkts, 3);
    assert_true(rec.flows[0].first_ns == 0);
    assert_true(rec.flows[0].last_ns == 100 * S - 1);

    /* The same flow goes on, counting from the packet that found it expired. */
    assert_int_equal(flow_table_count(t), 1);
    assert_int_equal(f->end_reason, PS_END_NONE);
    assert_true(f->first_ns == 100 * S);
    assert_int_equal(f->dir[0].pkts, 0);
    assert_int_equal(f->dir[1].pkts, 1);
    assert_int_equal(f->dir[1].tcp_flags, PS_TCP_ACK | PS_TCP_PSH);
    assert_int_equal(f->orig, 0);
    assert_int_equal(f->orig_basis, PS_ORIG_HANDSHAKE);

    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.flows[1].end_reason, PS_END_EOF);
    assert_int_equal(flow_table_counters(t)->flows_created, 2);
    assert_int_equal(flow_table_counters(t)->flows_ended, 2);
    flow_table_destroy(t);
}

/* Deadlines are taken in time order: the active one came first here, so the
 * record says "active" and the emptied flow then leaves without a record. */
static void test_active_before_idle(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_table *t = active_100s_table(&rec);
    ps_packet p = c2s(0, PS_TCP_ACK);
    flow_table_packet(t, &p);
    p.ts_ns = 50 * S;
    flow_table_packet(t, &p);
    p.ts_ns = 90 * S;
    flow_table_packet(t, &p);
    flow_table_expire(t, 500 * S);
    assert_int_equal(rec.total, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_ACTIVE);
    assert_int_equal(flow_table_count(t), 0);
    assert_int_equal(flow_table_counters(t)->flows_ended, 1);
    flow_table_destroy(t);
}

static void add_udp_flow(ps_flow_table *t, int64_t ts, uint16_t sport)
{
    ps_packet p = make_pkt(ts, PS_TRANSPORT_UDP, "10.1.0.1", sport, "10.1.0.2", 53);
    flow_table_packet(t, &p);
}

static void test_max_flows_evicts_oldest_idle(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.max_flows = 3;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    add_udp_flow(t, 1 * S, 1001);
    add_udp_flow(t, 2 * S, 1002);
    add_udp_flow(t, 3 * S, 1003);
    add_udp_flow(t, 4 * S, 1001);   /* 1001 is active again: 1002 is the oldest idle */
    assert_int_equal(flow_table_count(t), 3);
    add_udp_flow(t, 5 * S, 1004);
    assert_int_equal(flow_table_count(t), 3);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_EVICTED);
    assert_int_equal(rec.flows[0].key.port_a, 1002);
    assert_int_equal(rec.flows[0].key.port_b, 53);
    assert_int_equal(rec.flows[0].dir[0].pkts, 1);
    add_udp_flow(t, 6 * S, 1005);
    assert_int_equal(rec.flows[1].key.port_a, 1003);
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->flows_evicted, 2);
    assert_int_equal(c->peak_flows, 3);

    /* Flush goes oldest first by start time: 1001 (1 s), 1004, 1005. */
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(rec.n, 5);
    assert_int_equal(rec.flows[2].key.port_a, 1001);
    assert_int_equal(rec.flows[2].dir[0].pkts, 2);
    assert_int_equal(rec.flows[3].key.port_a, 1004);
    assert_int_equal(rec.flows[4].key.port_a, 1005);
    assert_int_equal(c->flows_created, 5);
    assert_int_equal(c->flows_ended, 5);
    flow_table_destroy(t);
}

/* A closed flow only waiting out its linger makes room first and keeps the
 * reason it closed with. */
static void test_eviction_prefers_closed_flow(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.max_flows = 2;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    add_udp_flow(t, 1 * S, 1001);
    ps_packet p = c2s(2 * S, PS_TCP_SYN);
    flow_table_packet(t, &p);
    p = s2c(2 * S + 1, PS_TCP_RST | PS_TCP_ACK);
    flow_table_packet(t, &p);
    add_udp_flow(t, 2 * S + 2, 1001);
    add_udp_flow(t, 2 * S + 3, 1002);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_RST);
    assert_int_equal(flow_table_counters(t)->flows_evicted, 0);
    assert_int_equal(flow_table_count(t), 2);
    flow_table_destroy(t);
}

static void test_flush_keeps_close_reason(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    ps_packet p = c2s(1 * S, PS_TCP_RST);
    flow_table_packet(t, &p);
    add_udp_flow(t, 2 * S, 1001);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.flows[0].end_reason, PS_END_RST);
    assert_int_equal(rec.flows[1].end_reason, PS_END_EOF);
    flow_table_destroy(t);
}

static void count_open(const ps_flow *f, void *ctx)
{
    (void)f;
    (*(size_t *)ctx)++;
}

/* A walk in slices with packets counted between them: every flow is either
 * visited once or, ending before its visit, reported missed as it ends;
 * visited flows that end are not missed, nor is any flow once the walk is
 * done. Ports 1001..1011 (endpoint a's) name the flows. */
typedef struct walk_log {
    ps_flow_table *t;
    int visited[16], missed[16], ended[16];
} walk_log;

static void walk_visit(const ps_flow *f, void *ctx)
{
    ((walk_log *)ctx)->visited[f->key.port_a - 1000]++;
}

static void walk_end(const ps_flow *f, void *ctx)
{
    walk_log *w = ctx;
    w->ended[f->key.port_a - 1000]++;
    if (flow_table_walk_missed(w->t, f))
        w->missed[f->key.port_a - 1000]++;
}

static void test_walk_in_slices(void **state)
{
    (void)state;
    walk_log w;
    memset(&w, 0, sizeof(w));
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = 10 * S;
    ps_flow_table *t = flow_table_create(&cfg, walk_end, &w);
    w.t = t;
    for (int i = 1; i <= 10; i++)
        add_udp_flow(t, i * S, (uint16_t)(1000 + i));
    add_udp_flow(t, 10 * S + S / 2, 1001);
    add_udp_flow(t, 10 * S + S / 2, 1003);
    add_udp_flow(t, 10 * S + S / 2, 1004);

    flow_table_walk_begin(t);
    assert_int_equal(flow_table_walk_step(t, 3, walk_visit, &w), 0);
    assert_int_equal(w.visited[1] + w.visited[2] + w.visited[3], 3);
    /* 16.5 s: 1002 (visited), 1005 and 1006 (not yet) are idle 10 s; 1011 opens. */
    add_udp_flow(t, 16 * S + S / 2, 1011);
    assert_int_equal(w.ended[2], 1);
    assert_int_equal(w.missed[2], 0);
    assert_int_equal(w.ended[5], 1);
    assert_int_equal(w.missed[5], 1);
    assert_int_equal(w.ended[6], 1);
    assert_int_equal(w.missed[6], 1);
    assert_int_equal(flow_table_walk_step(t, 100, walk_visit, &w), 1);
    for (int i = 1; i <= 11; i++)
        assert_int_equal(w.visited[i] + w.missed[i], 1);
    assert_int_equal(w.visited[5] + w.visited[6], 0);
    assert_int_equal(w.visited[11], 1);

    /* Done: a flow ending now is not missed by any walk. */
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(w.ended[11], 1);
    assert_int_equal(w.missed[11], 0);
    assert_int_equal(flow_table_count(t), 0);
    flow_table_destroy(t);
}

static void test_eviction_stress(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.max_flows = 1000;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    const uint32_t nflows = 200000;
    for (uint32_t i = 0; i < nflows; i++) {
        ps_packet p = make_pkt((int64_t)i * 1000, PS_TRANSPORT_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
        p.src[2] = (uint8_t)(i >> 16);
        p.sport = (uint16_t)i;
        const ps_flow *f = flow_table_packet(t, &p);
        assert_non_null(f);
        if (flow_table_count(t) > 1000)
            fail_msg("flow table holds %zu flows", flow_table_count(t));
    }
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(flow_table_count(t), 1000);
    assert_int_equal(c->flows_evicted, nflows - 1000);
    assert_int_equal(c->flows_ended, nflows - 1000);
    assert_int_equal(c->peak_flows, 1000);
    assert_int_equal(rec.total, nflows - 1000);
    assert_int_equal(rec.flows[0].key.port_a, 0);   /* the very first flow went first */
    assert_int_equal(rec.flows[0].end_reason, PS_END_EVICTED);
    size_t open = 0;
    flow_table_foreach(t, count_open, &open);
    assert_int_equal(open, 1000);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c->flows_created, nflows);
    assert_int_equal(c->flows_ended, nflows);
    assert_int_equal(rec.total, nflows);
    assert_int_equal(flow_table_count(t), 0);
    flow_table_destroy(t);
}

/* Flows spread over several slabs (a slab holds about 13,000) and a hash
 * table grown several times: every flow is still found by its key, its
 * links (hash chain, age list, timer queue: flow numbers, not pointers)
 * still lead to the right flows, and all end in the order they began. */
typedef struct order_check {
    uint32_t next;      /* the flow number expected next, by its source port */
    uint32_t bad;
    uint64_t pkts;
} order_check;

static void check_order(const ps_flow *f, void *ctx)
{
    order_check *c = ctx;
    uint32_t i = (uint32_t)f->key.addr_a[2] << 16 | f->key.port_a;
    if (i != c->next || f->dir[0].pkts != 2 || f->dir[1].pkts != 1)
        c->bad++;
    c->next++;
    c->pkts += f->dir[0].pkts + f->dir[1].pkts;
}

/* Flow i: three packets as test_many_flows_across_slabs sends them (two from
 * a, one from b), from time ts. */
static void add_flow_at(ps_flow_table *t, uint32_t i, int64_t ts)
{
    for (int k = 0; k < 3; k++) {
        ps_packet p = k == 1 ? make_pkt(ts + k, PS_TRANSPORT_UDP, "10.9.0.2", 7, "10.9.0.1", 1)
                             : make_pkt(ts + k, PS_TRANSPORT_UDP, "10.9.0.1", 1, "10.9.0.2", 7);
        if (k == 1)
            p.dport = (uint16_t)i;
        else
            p.sport = (uint16_t)i;
        p.src[2] = p.dst[2] = (uint8_t)(i >> 16);
        assert_non_null(flow_table_packet(t, &p));
    }
}

/* The same at once, flow i at i us. */
static void add_flow_numbered(ps_flow_table *t, uint32_t i)
{
    add_flow_at(t, i, (int64_t)i * 1000);
}

/* The buckets a table starts with follow its flow limit, up to 2^20; a
 * table with a limit does not grow them until its flows outnumber them. */
static void test_buckets_sized_for_the_limit(void **state)
{
    (void)state;
    static const struct {
        size_t max_flows, buckets;
    } cases[] = {
        {0, 256}, {1, 256}, {256, 256}, {257, 512}, {1000, 1024}, {10000, 16384},
        {PS_DEFAULT_MAX_FLOWS, 1048576}, {1048576, 1048576}, {3000000, 1048576},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ps_flow_config cfg = config();
        cfg.max_flows = cases[i].max_flows;
        ps_flow_table *t = flow_table_create(&cfg, NULL, NULL);
        assert_non_null(t);
        assert_int_equal(flow_table_buckets(t), cases[i].buckets);
        flow_table_destroy(t);
    }
    /* 1,000 flows under a limit of 1,000 fill 1,024 buckets without growing. */
    ps_flow_config cfg = config();
    cfg.max_flows = 1000;
    ps_flow_table *t = flow_table_create(&cfg, NULL, NULL);
    for (uint32_t i = 0; i < 1000; i++)
        add_flow_numbered(t, i);
    assert_int_equal(flow_table_count(t), 1000);
    assert_int_equal(flow_table_buckets(t), 1024);
    flow_table_destroy(t);
}

static void test_many_flows_across_slabs(void **state)
{
    (void)state;
    ps_flow_config cfg = config();
    cfg.max_flows = 0;
    order_check c = {0, 0, 0};
    ps_flow_table *t = flow_table_create(&cfg, check_order, &c);
    const uint32_t n = 60000;
    for (int round = 0; round < 3; round++) {
        for (uint32_t k = 0; k < n; k++) {
            /* Rounds 0 and 2 in order from a, round 1 backwards from b. */
            uint32_t i = round == 1 ? n - 1 - k : k;
            int64_t ts = (int64_t)round * n * 1000 + (int64_t)k * 1000;
            ps_packet p = make_pkt(ts, PS_TRANSPORT_UDP, "10.9.0.1", 1, "10.9.0.2", 7);
            p.sport = (uint16_t)i;
            if (round == 1) {
                ps_packet r = make_pkt(ts, PS_TRANSPORT_UDP, "10.9.0.2", 7, "10.9.0.1", 1);
                r.dport = (uint16_t)i;
                p = r;
            }
            const ps_flow *f = flow_table_packet(t, &p);
            assert_non_null(f);
            assert_int_equal(f->key.port_a, (uint16_t)i);
            assert_int_equal(f->dir[0].pkts + f->dir[1].pkts, (uint64_t)round + 1);
        }
        assert_int_equal(flow_table_count(t), n);
    }
    assert_int_equal(flow_table_counters(t)->flows_created, n);
    /* Without a limit the buckets began at 256 and doubled to hold n. */
    assert_int_equal(flow_table_buckets(t), 65536);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c.next, n);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.pkts, 3 * (uint64_t)n);
    assert_int_equal(flow_table_count(t), 0);
    flow_table_destroy(t);
}

/* The idle queue's ring grows while it has wrapped round: n1 flows 1 us
 * apart under an idle timeout of `live` of them keep about that many entries
 * in a ring whose start has gone round it; then n2 flows 3 ns apart grow it.
 * Every flow still ends idle, once, in the order it began, and only when
 * its time comes. ended1 and ended2: flows ended after each part. */
static void ring_wrap_then_grow(uint32_t n1, uint32_t live, uint32_t n2, uint32_t ended1,
                                uint32_t ended2)
{
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = (int64_t)live * 1000;
    cfg.max_flows = 0;
    order_check c = {0, 0, 0};
    ps_flow_table *t = flow_table_create(&cfg, check_order, &c);
    uint32_t i = 0;
    int64_t ts = 0;
    for (; i < n1; i++, ts += 1000) {
        add_flow_at(t, i, ts);
        flow_table_expire(t, ts + 2);
    }
    assert_int_equal(c.next, ended1);
    for (uint32_t k = 0; k < n2; k++, i++, ts += 3)
        add_flow_at(t, i, ts);
    assert_int_equal(c.next, ended2);
    assert_int_equal(flow_table_count(t), n1 + n2 - ended2);
    int64_t last = ts - 3 + 2;      /* the newest flow's last packet */
    flow_table_expire(t, last + cfg.idle_timeout_ns - 1);
    assert_int_equal(flow_table_count(t), 1);
    assert_int_equal(c.next, n1 + n2 - 1);
    flow_table_expire(t, last + cfg.idle_timeout_ns);
    assert_int_equal(flow_table_count(t), 0);
    assert_int_equal(c.next, n1 + n2);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.pkts, 3 * (uint64_t)(n1 + n2));
    assert_int_equal(flow_table_counters(t)->flows_ended, n1 + n2);
    flow_table_destroy(t);
}

/* A 256-entry ring (about 200 live) grown three times over. Flows 0-899
 * are idle by the end of the first part (flow 900's last packet, 2 ns into
 * its microsecond, is not 200 us old yet); the second part's 3 us take
 * flows 900-902 too. */
static void test_idle_ring_grows_wrapped(void **state)
{
    (void)state;
    ring_wrap_then_grow(1100, 200, 1000, 900, 903);
}

/* The same where the ring is large enough to be remapped into huge pages:
 * 100,000 live in a 131,072-entry (2 MiB) ring, then 200,000 more grow it
 * to 4 and 8 MiB. */
static void test_idle_ring_grows_wrapped_huge(void **state)
{
    (void)state;
    ring_wrap_then_grow(300000, 100000, 200000, 200000, 200600);
}

/* A growing table asks for more slabs once it begins its second. With
 * serving off nothing is made and no thread starts; with it on, a table of
 * one slab starts none either; the next slab a table begins starts the
 * helper, which makes SLAB_RESERVE_DEPTH slabs ready; the table takes one
 * for its next slab and the helper makes it again. Switching serving off
 * stops the helper and frees what is ready. Every flow still counts. */
static void test_slab_reserve(void **state)
{
    (void)state;
    ps_flow_config cfg = config();
    cfg.max_flows = 0;
    order_check c = {0, 0, 0};
    ps_flow_table *t = flow_table_create(&cfg, check_order, &c);
    const uint32_t per_slab = (2u << 20) / (uint32_t)flow_table_slot_size(t);
    unsigned long made0, taken0, made, taken;
    slab_reserve_counts(&made0, &taken0);
    uint32_t i = 0;
    for (; i < per_slab + 10; i++)
        add_flow_numbered(t, i);
    slab_reserve_settle();
    assert_int_equal(slab_reserve_ready(), 0);
    assert_false(slab_reserve_running());

    slab_reserve_enable();
    order_check small_c = {0, 0, 0};
    ps_flow_table *small = flow_table_create(&cfg, check_order, &small_c);
    for (uint32_t k = 0; k < 1000; k++)
        add_flow_numbered(small, k);
    slab_reserve_settle();
    assert_false(slab_reserve_running());
    flow_table_flush(small, PS_END_EOF);
    assert_int_equal(small_c.next, 1000);
    flow_table_destroy(small);

    /* The table's second slab began while serving was off: its third is
     * the first request. */
    for (; i < 2 * per_slab + 10; i++)
        add_flow_numbered(t, i);
    slab_reserve_settle();
    assert_true(slab_reserve_running());
    /* Nice 19: it yields the CPUs the capture's own threads want. */
    assert_int_equal(slab_reserve_nice(), 19);
    assert_int_equal(slab_reserve_ready(), SLAB_RESERVE_DEPTH);
    slab_reserve_counts(&made, &taken);
    assert_int_equal(made - made0, SLAB_RESERVE_DEPTH);
    assert_int_equal(taken - taken0, 0);

    for (; i < 3 * per_slab + 10; i++)
        add_flow_numbered(t, i);
    slab_reserve_settle();
    assert_int_equal(slab_reserve_ready(), SLAB_RESERVE_DEPTH);
    slab_reserve_counts(&made, &taken);
    assert_int_equal(taken - taken0, 1);
    assert_int_equal(made - made0, SLAB_RESERVE_DEPTH + 1);

    slab_reserve_disable();
    assert_int_equal(slab_reserve_ready(), 0);
    assert_false(slab_reserve_running());
    assert_int_equal(slab_reserve_nice(), -100);
    /* Off again: a table's next slab is its own. */
    for (; i < 4 * per_slab + 10; i++)
        add_flow_numbered(t, i);
    slab_reserve_counts(&made, &taken);
    assert_int_equal(taken - taken0, 1);
    assert_false(slab_reserve_running());
    assert_int_equal(flow_table_count(t), i);
    flow_table_flush(t, PS_END_EOF);
    assert_int_equal(c.next, i);
    assert_int_equal(c.bad, 0);
    flow_table_destroy(t);
}

/* Pages of [p, p + len) resident, by mincore. */
static size_t resident_pages(void *p, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (len + page - 1) / page, r = 0;
    unsigned char *v = calloc(n, 1);
    assert_non_null(v);
    assert_int_equal(mincore(p, len, v), 0);
    for (size_t i = 0; i < n; i++)
        r += v[i] & 1;
    free(v);
    return r;
}

/* The helper makes a range resident without changing what is in it, only
 * while serving is on; a range unmapped before it gets there is skipped. */
static void test_slab_reserve_populates(void **state)
{
    (void)state;
    const size_t len = 3u << 20, page = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    memcpy(m, "kept", 4);
    memcpy(m + len - 4, "also", 4);
    unsigned long before = slab_reserve_populated();

    slab_reserve_populate(m, len);          /* serving off: nothing */
    slab_reserve_settle();
    assert_false(slab_reserve_running());
    assert_int_equal(slab_reserve_populated(), before);
    assert_true(resident_pages(m, len) < len / page);

    slab_reserve_enable();
    slab_reserve_populate(m, len);
    slab_reserve_settle();
    assert_true(slab_reserve_running());
    if (slab_reserve_populated() != before) {   /* 0 on a kernel before 5.14 */
        assert_int_equal(slab_reserve_populated() - before, len);
        assert_int_equal(resident_pages(m, len), len / page);
    }
    assert_memory_equal(m, "kept", 4);
    assert_memory_equal(m + len - 4, "also", 4);
    assert_int_equal(m[len / 2], 0);

    /* Gone before the helper runs: nothing made resident, no harm. */
    char *gone = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(gone != MAP_FAILED);
    assert_int_equal(munmap(gone, len), 0);
    unsigned long mid = slab_reserve_populated();
    slab_reserve_populate(gone, len);
    slab_reserve_settle();
    assert_int_equal(slab_reserve_populated(), mid);
    slab_reserve_disable();
    assert_false(slab_reserve_running());
    assert_int_equal(munmap(m, len), 0);
}

/* The idle queue keeps a flow where it was filed and files it again only
 * when that entry surfaces: flows busy since must still end in the order of
 * their last packets, each at its own deadline. */
static void test_idle_order_follows_last_packet(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = 10 * S;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    add_udp_flow(t, 1 * S, 1001);
    add_udp_flow(t, 2 * S, 1002);
    add_udp_flow(t, 3 * S, 1003);
    add_udp_flow(t, 5 * S, 1001);   /* last packets: 1003 at 3 s, 1002 at 6 s, 1001 at 5 s */
    add_udp_flow(t, 6 * S, 1002);
    flow_table_expire(t, 13 * S - 1);
    assert_int_equal(rec.n, 0);
    flow_table_expire(t, 13 * S);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].key.port_a, 1003);
    flow_table_expire(t, 15 * S - 1);
    assert_int_equal(rec.n, 1);
    /* One jump past both deadlines: 1001 (5 s) before 1002 (6 s). */
    flow_table_expire(t, 100 * S);
    assert_int_equal(rec.n, 3);
    assert_int_equal(rec.flows[1].key.port_a, 1001);
    assert_int_equal(rec.flows[1].dir[0].pkts, 2);
    assert_true(rec.flows[1].last_ns == 5 * S);
    assert_int_equal(rec.flows[2].key.port_a, 1002);
    assert_true(rec.flows[2].last_ns == 6 * S);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(rec.flows[i].end_reason, PS_END_IDLE);
    flow_table_destroy(t);
}

/* A flow with a packet every 5 s never reaches a 10 s idle timeout, however
 * often its filed entry surfaces; a quiet one beside it ends on time. */
static void test_busy_flow_is_refiled_not_ended(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = 10 * S;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    add_udp_flow(t, 0, 2000);
    for (int64_t ts = 0; ts <= 300 * S; ts += 5 * S)
        add_udp_flow(t, ts, 1001);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].key.port_a, 2000);
    assert_int_equal(flow_table_count(t), 1);
    flow_table_expire(t, 310 * S - 1);
    assert_int_equal(rec.n, 1);
    flow_table_expire(t, 310 * S);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.flows[1].key.port_a, 1001);
    assert_int_equal(rec.flows[1].dir[0].pkts, 61);
    assert_int_equal(rec.flows[1].end_reason, PS_END_IDLE);
    flow_table_destroy(t);
}

/* Time going backwards between flows (merged captures) does not delay the
 * earlier flow's timeout: each flow ends at its own last packet + idle. */
static void test_backward_time_between_flows(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = 10 * S;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    add_udp_flow(t, 100 * S, 1001);
    add_udp_flow(t, 50 * S, 1002);
    flow_table_expire(t, 60 * S - 1);
    assert_int_equal(rec.n, 0);
    flow_table_expire(t, 60 * S);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.flows[0].key.port_a, 1002);
    flow_table_expire(t, 110 * S - 1);
    assert_int_equal(rec.n, 1);
    flow_table_expire(t, 110 * S);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.flows[1].key.port_a, 1001);
    flow_table_destroy(t);
}

/* 100,000 connections reset within one idle timeout leave their idle
 * entries behind (stale, dropped when they surface or when the queue is
 * rebuilt); counting and timing stay exact throughout. */
static void test_many_short_flows_then_idle(void **state)
{
    (void)state;
    recorder rec = {0};
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = 60 * S;
    cfg.close_linger_ns = 1 * S;
    ps_flow_table *t = flow_table_create(&cfg, record_flow, &rec);
    const uint32_t n = 100000;
    for (uint32_t i = 0; i < n; i++) {
        int64_t ts = (int64_t)i * 100000;   /* 10 s in all */
        ps_packet p = make_pkt(ts, PS_TRANSPORT_TCP, "10.0.0.1", 1, "10.0.0.2", 80);
        p.src[2] = (uint8_t)(i >> 16);
        p.sport = (uint16_t)i;
        p.tcp_flags = PS_TCP_SYN;
        flow_table_packet(t, &p);
        p.tcp_flags = PS_TCP_RST;
        p.ts_ns = ts + 1;
        flow_table_packet(t, &p);
    }
    add_udp_flow(t, 10 * S, 3000);
    const ps_flow_counters *c = flow_table_counters(t);
    /* Resets older than the 1 s linger are gone: those before 9 s. */
    assert_int_equal(c->flows_ended, 90000);
    assert_int_equal(flow_table_count(t), 10001);
    flow_table_expire(t, 11 * S);
    assert_int_equal(c->flows_ended, n);
    assert_int_equal(flow_table_count(t), 1);
    flow_table_expire(t, 70 * S - 1);
    assert_int_equal(flow_table_count(t), 1);
    flow_table_expire(t, 70 * S);
    assert_int_equal(flow_table_count(t), 0);
    assert_int_equal(rec.total, n + 1);
    assert_int_equal(rec.flows[0].end_reason, PS_END_RST);
    flow_table_destroy(t);
}

/* What a live capture does: packets through the queue, expiry on clock
 * ticks every 0.5 s, short timeouts, and every round reusing the same
 * 5-tuples 2.6 s later. Each connection and exchange is its own flow. */
static void tick_until(ps_flow_table *t, int64_t *next_tick, int64_t ts)
{
    while (*next_tick <= ts) {
        flow_table_expire(t, *next_tick);
        *next_tick += S / 2;
    }
}

static void test_live_rounds_reusing_tuples(void **state)
{
    (void)state;
    ps_flow_config cfg = config();
    cfg.idle_timeout_ns = 1 * S;
    cfg.close_linger_ns = S / 5;
    ps_flow_table *t = flow_table_create(&cfg, NULL, NULL);
    int64_t next_tick = S / 2;
    const int64_t us = 1000;
    for (int r = 0; r < 6; r++) {
        int64_t base = S + r * (26 * S / 10);
        for (int k = 0; k < 3; k++) {
            int64_t t0 = base + k * 10000 * us;
            static const struct { int from_client; uint8_t flags; } seq[] = {
                {1, PS_TCP_SYN}, {0, PS_TCP_SYN | PS_TCP_ACK}, {1, PS_TCP_ACK},
                {1, PS_TCP_PSH | PS_TCP_ACK}, {0, PS_TCP_ACK},
                {0, PS_TCP_FIN | PS_TCP_PSH | PS_TCP_ACK}, {1, PS_TCP_ACK},
                {1, PS_TCP_FIN | PS_TCP_ACK}, {0, PS_TCP_ACK},
            };
            for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
                int64_t ts = t0 + (int64_t)i * 100 * us;
                tick_until(t, &next_tick, ts);
                ps_packet p = seq[i].from_client
                    ? make_pkt(ts, PS_TRANSPORT_TCP, "10.231.0.1", (uint16_t)(40000 + k), "10.231.0.2", 80)
                    : make_pkt(ts, PS_TRANSPORT_TCP, "10.231.0.2", 80, "10.231.0.1", (uint16_t)(40000 + k));
                p.tcp_flags = seq[i].flags;
                flow_table_queue(t, &p);
            }
        }
        for (int k = 0; k < 3; k++) {
            int64_t ts = base + 50000 * us + k * 1000 * us;
            tick_until(t, &next_tick, ts);
            ps_packet q = make_pkt(ts, PS_TRANSPORT_UDP, "10.231.0.1", (uint16_t)(50000 + k), "10.231.0.2", 53);
            flow_table_queue(t, &q);
            tick_until(t, &next_tick, ts + 100 * us);
            ps_packet a = make_pkt(ts + 100 * us, PS_TRANSPORT_UDP, "10.231.0.2", 53, "10.231.0.1", (uint16_t)(50000 + k));
            flow_table_queue(t, &a);
        }
        /* The quiet gap: every flow of the round ends before the next. */
        tick_until(t, &next_tick, base + 25 * S / 10);
        flow_table_sync(t);
        assert_int_equal(flow_table_count(t), 0);
    }
    const ps_flow_counters *c = flow_table_counters(t);
    assert_int_equal(c->flows_created, 36);
    assert_int_equal(c->flows_ended, 36);
    flow_table_destroy(t);
}

/* A TCP segment with sequence number, acknowledgment and payload. */
static ps_packet seg(int64_t ts, int from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    ps_packet p = from_client ? c2s(ts, flags) : s2c(ts, flags);
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    assert_true(len <= UINT16_MAX);
    p.payload_len = (uint16_t)len;
    return p;
}

/* What a flow table handed over of Zeek's fields, flow by flow. */
typedef struct zeek_seen {
    size_t n;
    struct {
        int has_state;
        char history[16];
        uint64_t orig_bytes, resp_bytes;
        int end_reason;
    } rec[4];
} zeek_seen;

static void record_zeek(const ps_flow *f, void *ctx)
{
    zeek_seen *z = ctx;
    assert_true(z->n < 4);
    z->rec[z->n].has_state = flow_zeek_state(f) != NULL;
    flow_history(f, z->rec[z->n].history, sizeof(z->rec[z->n].history));
    z->rec[z->n].orig_bytes = flow_payload_bytes(f, f->orig);
    z->rec[z->n].resp_bytes = flow_payload_bytes(f, !f->orig);
    z->rec[z->n].end_reason = f->end_reason;
    z->n++;
}

/* Runs the packets through a table that keeps Zeek's state (zeek_state) or
 * not, flushes it, and returns what it handed over; *slot receives its
 * slot size. */
static zeek_seen run_zeek(const ps_flow_config *cfg, const ps_packet *pkts, size_t n, size_t *slot)
{
    zeek_seen z;
    memset(&z, 0, sizeof(z));
    ps_flow_table *t = flow_table_create(cfg, record_zeek, &z);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        flow_table_packet(t, &pkts[i]);
    flow_table_flush(t, PS_END_EOF);
    if (slot)
        *slot = flow_table_slot_size(t);
    flow_table_destroy(t);
    return z;
}

static void assert_zeek_n(const ps_packet *pkts, size_t n, const char *history, uint64_t orig_bytes,
                          uint64_t resp_bytes)
{
    ps_flow_config cfg = config();
    cfg.zeek_state = 1;
    zeek_seen z = run_zeek(&cfg, pkts, n, NULL);
    assert_int_equal(z.n, 1);
    assert_true(z.rec[0].has_state);
    assert_string_equal(z.rec[0].history, history);
    assert_int_equal(z.rec[0].orig_bytes, orig_bytes);
    assert_int_equal(z.rec[0].resp_bytes, resp_bytes);
}
#define assert_zeek(pkts, history, orig_bytes, resp_bytes) \
    assert_zeek_n(pkts, sizeof(pkts) / sizeof(pkts[0]), history, orig_bytes, resp_bytes)

/* Zeek's history letters and orig_bytes/resp_bytes from sequence numbers. */
static void test_zeek_history_and_payload(void **state)
{
    (void)state;
    /* Handshake, 100 bytes up, 300 down, a retransmission, FINs both ways. */
    ps_packet full[] = {
        seg(1 * S, 1, PS_TCP_SYN, 1000, 0, 0),
        seg(1 * S + 1, 0, PS_TCP_SYN | PS_TCP_ACK, 5000, 1001, 0),
        seg(1 * S + 2, 1, PS_TCP_ACK, 1001, 5001, 0),
        seg(1 * S + 3, 1, PS_TCP_ACK | PS_TCP_PSH, 1001, 5001, 100),
        seg(1 * S + 4, 0, PS_TCP_ACK, 5001, 1101, 0),
        seg(1 * S + 5, 0, PS_TCP_ACK | PS_TCP_PSH, 5001, 1101, 300),
        seg(1 * S + 6, 1, PS_TCP_ACK | PS_TCP_PSH, 1001, 5301, 100),
        seg(1 * S + 7, 1, PS_TCP_FIN | PS_TCP_ACK, 1101, 5301, 0),
        seg(1 * S + 8, 0, PS_TCP_FIN | PS_TCP_ACK, 5301, 1102, 0),
        seg(1 * S + 9, 1, PS_TCP_ACK, 1102, 5302, 0),
    };
    assert_zeek(full, "ShADadFf", 100, 300);

    /* The SYN+ACK seen first still makes the client the originator: its
     * letters are upper case. */
    ps_packet reply_first[] = {full[1], full[0], full[2]};
    assert_zeek(reply_first, "hSA", 0, 0);

    /* A segment the capture missed counts by the peer's acknowledgment:
     * 1001-1200 acknowledged, 1101-1200 never seen. */
    ps_packet missed[] = {full[0], full[1], full[2], full[3],
                          seg(1 * S + 4, 0, PS_TCP_ACK, 5001, 1201, 0)};
    assert_zeek(missed, "ShADa", 200, 0);

    /* Data on a FIN counts; the FIN is F, not D, as in Zeek. */
    ps_packet fin_data[] = {full[0], full[1], seg(1 * S + 2, 1, PS_TCP_FIN | PS_TCP_ACK, 1001, 5001, 40)};
    assert_zeek(fin_data, "ShF", 40, 0);

    /* A partial connection: sides seen without their SYN start just before
     * their first segment. */
    ps_packet partial[] = {seg(1 * S, 1, PS_TCP_ACK, 7000, 9000, 50),
                           seg(1 * S + 1, 0, PS_TCP_ACK, 9000, 7050, 0)};
    assert_zeek(partial, "Da", 50, 0);

    /* Rejected: SYN, then RST+ACK; a RST's payload and ACK are not counted. */
    ps_packet rej[] = {seg(1 * S, 1, PS_TCP_SYN, 1, 0, 0),
                       seg(1 * S + 1, 0, PS_TCP_RST | PS_TCP_ACK, 0, 2, 20)};
    assert_zeek(rej, "Sr", 0, 0);

    /* SYN with FIN is Q; FIN with RST is I; each letter once per side. */
    ps_packet odd[] = {seg(1 * S, 1, PS_TCP_SYN | PS_TCP_FIN, 1, 0, 0),
                       seg(1 * S + 1, 1, PS_TCP_SYN | PS_TCP_FIN, 1, 0, 0),
                       seg(1 * S + 2, 0, PS_TCP_FIN | PS_TCP_RST, 9, 0, 0)};
    assert_zeek(odd, "Qi", 0, 0);

    /* Sequence numbers wrap at 2^32; beyond 4 GiB the count goes on (five
     * segments of 1000 bytes, each ending 1 GiB after the one before: the
     * capture missed the rest). */
    ps_packet wrap[] = {seg(1 * S, 1, PS_TCP_SYN, 0xffffff00u, 0, 0),
                        seg(1 * S + 1, 1, PS_TCP_ACK, 0xffffff01u, 0, 0x200)};
    assert_zeek(wrap, "SD", 0x200, 0);
    ps_packet big[6];
    big[0] = seg(1 * S, 1, PS_TCP_SYN, 0x80000000u, 0, 0);
    for (uint32_t i = 0; i < 5; i++)
        big[i + 1] = seg(1 * S + 1 + i, 1, PS_TCP_ACK, 0x80000001u + i * 0x40000000u + (0x40000000u - 1000u),
                         0, 1000);
    assert_zeek(big, "SD", 5ull << 30, 0);

    /* UDP: D and d once per side, the UDP payload summed. */
    ps_packet udp[4];
    for (int i = 0; i < 3; i++) {
        udp[i] = make_pkt(1 * S + i, PS_TRANSPORT_UDP, "10.0.0.1", 5000, "10.0.0.2", 53);
        udp[i].payload_len = 10u * (uint32_t)(i + 1);
    }
    udp[3] = make_pkt(1 * S + 3, PS_TRANSPORT_UDP, "10.0.0.2", 53, "10.0.0.1", 5000);
    udp[3].payload_len = 5;
    assert_zeek(udp, "Dd", 60, 5);
}

/* A table that writes no flow records (-q, --flows=none) keeps no Zeek
 * state: its slots are the flow alone, rounded up to 16 bytes, and its flows
 * report no history and no payload bytes. One that writes records keeps
 * 32 bytes more a flow. */
static void test_zeek_state_only_with_records(void **state)
{
    (void)state;
    ps_packet pkts[] = {
        seg(1 * S, 1, PS_TCP_SYN, 1000, 0, 0),
        seg(1 * S + 1, 0, PS_TCP_SYN | PS_TCP_ACK, 5000, 1001, 0),
        seg(1 * S + 2, 1, PS_TCP_ACK | PS_TCP_PSH, 1001, 5001, 100),
        seg(1 * S + 3, 0, PS_TCP_ACK, 5001, 1101, 0),
    };
    ps_flow_config cfg = config();
    size_t slot;
    zeek_seen z = run_zeek(&cfg, pkts, 4, &slot);
    assert_int_equal(slot, (sizeof(ps_flow) + 15) / 16 * 16);
    assert_int_equal(slot, PS_FLOW_EXT_OFFSET);
    assert_int_equal(z.n, 1);
    assert_false(z.rec[0].has_state);
    assert_string_equal(z.rec[0].history, "");
    assert_int_equal(z.rec[0].orig_bytes, 0);
    assert_int_equal(z.rec[0].resp_bytes, 0);

    cfg.zeek_state = 1;
    z = run_zeek(&cfg, pkts, 4, &slot);
    assert_int_equal(sizeof(ps_zeek_state), 32);
    assert_int_equal(slot, PS_FLOW_EXT_OFFSET + 32);
    assert_int_equal(z.n, 1);
    assert_true(z.rec[0].has_state);
    assert_string_equal(z.rec[0].history, "ShDa");
    assert_int_equal(z.rec[0].orig_bytes, 100);
    assert_int_equal(z.rec[0].resp_bytes, 0);
}

/* An active timeout hands the record over and starts Zeek's fields anew for
 * the next one, as the counters are. */
static void test_zeek_state_after_active_timeout(void **state)
{
    (void)state;
    ps_packet pkts[] = {
        seg(1 * S, 1, PS_TCP_SYN, 1000, 0, 0),
        seg(1 * S + 1, 0, PS_TCP_SYN | PS_TCP_ACK, 5000, 1001, 0),
        seg(1 * S + 2, 1, PS_TCP_ACK | PS_TCP_PSH, 1001, 5001, 100),
        seg(20 * S, 1, PS_TCP_ACK | PS_TCP_PSH, 1101, 5001, 50),
        seg(20 * S + 1, 0, PS_TCP_ACK, 5001, 1151, 0),
    };
    ps_flow_config cfg = config();
    cfg.active_timeout_ns = 10 * S;
    cfg.zeek_state = 1;
    zeek_seen z = run_zeek(&cfg, pkts, 5, NULL);
    assert_int_equal(z.n, 2);
    assert_int_equal(z.rec[0].end_reason, PS_END_ACTIVE);
    assert_string_equal(z.rec[0].history, "ShD");
    assert_int_equal(z.rec[0].orig_bytes, 100);
    /* The sides are seen without their SYN now: each starts just before its
     * first segment, as Zeek's partial connections do. */
    assert_string_equal(z.rec[1].history, "Da");
    assert_int_equal(z.rec[1].orig_bytes, 50);
    assert_int_equal(z.rec[1].resp_bytes, 0);
}

static void test_vlan_of_first_packet(void **state)
{
    (void)state;
    ps_flow_config cfg = config();
    ps_flow_table *t = flow_table_create(&cfg, NULL, NULL);
    ps_packet p = c2s(1, PS_TCP_SYN);
    p.vlan_id = 42;
    const ps_flow *f = flow_table_packet(t, &p);
    p = s2c(2, PS_TCP_SYN | PS_TCP_ACK);
    p.vlan_id = 43;
    flow_table_packet(t, &p);
    assert_int_equal(f->vlan_id, 42);
    flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_icmp_flows),
        cmocka_unit_test(test_key_canonical_both_directions),
        cmocka_unit_test(test_counters_per_direction),
        cmocka_unit_test(test_originator_tcp),
        cmocka_unit_test(test_originator_sctp_dccp),
        cmocka_unit_test(test_fin_fin_final_ack_one_flow),
        cmocka_unit_test(test_rst_and_one_sided_fin),
        cmocka_unit_test(test_sctp_dccp_endings),
        cmocka_unit_test(test_tuple_reuse_after_close),
        cmocka_unit_test(test_idle_timeout_exact),
        cmocka_unit_test(test_active_timeout_continues_in_place),
        cmocka_unit_test(test_active_before_idle),
        cmocka_unit_test(test_active_timeout_sctp_chunks_dccp_code),
        cmocka_unit_test(test_max_flows_evicts_oldest_idle),
        cmocka_unit_test(test_eviction_prefers_closed_flow),
        cmocka_unit_test(test_flush_keeps_close_reason),
        cmocka_unit_test(test_walk_in_slices),
        cmocka_unit_test(test_eviction_stress),
        cmocka_unit_test(test_many_flows_across_slabs),
        cmocka_unit_test(test_slab_reserve),
        cmocka_unit_test(test_slab_reserve_populates),
        cmocka_unit_test(test_buckets_sized_for_the_limit),
        cmocka_unit_test(test_idle_ring_grows_wrapped),
        cmocka_unit_test(test_idle_ring_grows_wrapped_huge),
        cmocka_unit_test(test_idle_order_follows_last_packet),
        cmocka_unit_test(test_busy_flow_is_refiled_not_ended),
        cmocka_unit_test(test_backward_time_between_flows),
        cmocka_unit_test(test_many_short_flows_then_idle),
        cmocka_unit_test(test_live_rounds_reusing_tuples),
        cmocka_unit_test(test_vlan_of_first_packet),
        cmocka_unit_test(test_zeek_history_and_payload),
        cmocka_unit_test(test_zeek_state_only_with_records),
        cmocka_unit_test(test_zeek_state_after_active_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
