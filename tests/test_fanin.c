/* Fan-in across flows: peer ports counted per endpoint, a scanner's one
 * source port against many hosts counts one, transports, families and
 * contexts apart, and the fixed memory keeps servers while clients churn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "portsniff/fanin.h"
#include "portsniff/packet.h"

static ps_fanin *fan;

static int setup(void **state)
{
    (void)state;
    fan = fanin_create();
    return fan ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fanin_free(fan);
    return 0;
}

/* An IPv4 endpoint 10.x.y.z, the address stored in a. */
static ps_endpoint v4(uint8_t a[4], uint32_t host, uint16_t port, int transport)
{
    a[0] = 10;
    a[1] = (uint8_t)(host >> 16);
    a[2] = (uint8_t)(host >> 8);
    a[3] = (uint8_t)host;
    return (ps_endpoint){a, 0, port, 4, (uint8_t)transport};
}

static void note(uint32_t ha, uint16_t pa, uint32_t hb, uint16_t pb, int transport)
{
    uint8_t a[4], b[4];
    ps_endpoint ea = v4(a, ha, pa, transport), eb = v4(b, hb, pb, transport);
    fanin_note_flow(fan, &ea, &eb, NULL, NULL);
}

static unsigned peers(uint32_t host, uint16_t port, int transport)
{
    uint8_t a[4];
    ps_endpoint e = v4(a, host, port, transport);
    return fanin_peer_ports(fan, &e);
}

static void test_memory_is_stated(void **state)
{
    (void)state;
    assert_int_equal(fanin_bytes(), 2u * 1024 * 1024);
    assert_int_equal(fanin_bytes(), PS_FANIN_SETS * PS_FANIN_WAYS * 8);
}

static void test_server_meets_many_client_ports(void **state)
{
    (void)state;
    /* A server (host 1, port 8000) and five clients on successive ports:
     * the server counts five peer ports, each client one. */
    for (uint16_t i = 0; i < 5; i++)
        note(100 + i, (uint16_t)(40000 + i), 1, 8000, PS_TRANSPORT_TCP);
    assert_int_equal(peers(1, 8000, PS_TRANSPORT_TCP), 5);
    for (uint16_t i = 0; i < 5; i++)
        assert_int_equal(peers(100 + i, (uint16_t)(40000 + i), PS_TRANSPORT_TCP), 1);
    /* The same client port again adds nothing; one more port adds one. The
     * note gives both counts after it. */
    uint8_t ca[4], sa[4];
    ps_endpoint c = v4(ca, 100, 40000, PS_TRANSPORT_TCP), srv = v4(sa, 1, 8000, PS_TRANSPORT_TCP);
    unsigned pc = 99, ps = 99;
    fanin_note_flow(fan, &c, &srv, &pc, &ps);
    assert_int_equal(pc, 1);
    assert_int_equal(ps, 5);
    note(100, 40005, 1, 8000, PS_TRANSPORT_TCP);
    assert_int_equal(peers(1, 8000, PS_TRANSPORT_TCP), 6);
    /* Never seen: 0. */
    assert_int_equal(peers(1, 8001, PS_TRANSPORT_TCP), 0);
    assert_int_equal(peers(2, 8000, PS_TRANSPORT_TCP), 0);
}

/* A scanner's one source port meets 500 hosts on one port: one peer port,
 * the same as each host's port, so neither side looks like a server. */
static void test_scanner_source_port_counts_one(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 500; h++)
        note(7, 61234, 1000 + h, 80, PS_TRANSPORT_TCP);
    assert_int_equal(peers(7, 61234, PS_TRANSPORT_TCP), 1);
    assert_int_equal(peers(1000, 80, PS_TRANSPORT_TCP), 1);
    assert_int_equal(peers(1499, 80, PS_TRANSPORT_TCP), 1);
}

/* Transports, families and address spaces are separate endpoints. */
static void test_endpoints_apart(void **state)
{
    (void)state;
    note(20, 50000, 21, 53, PS_TRANSPORT_UDP);
    note(22, 50001, 21, 53, PS_TRANSPORT_UDP);
    assert_int_equal(peers(21, 53, PS_TRANSPORT_UDP), 2);
    assert_int_equal(peers(21, 53, PS_TRANSPORT_TCP), 0);

    uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8}, b6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    uint8_t c4[4];
    ps_endpoint s6 = {a6, 0, 443, 6, PS_TRANSPORT_TCP};
    ps_endpoint c6 = {b6, 0, 50000, 6, PS_TRANSPORT_TCP};
    fanin_note_flow(fan, &c6, &s6, NULL, NULL);
    c6.port = 50001;
    fanin_note_flow(fan, &c6, &s6, NULL, NULL);
    assert_int_equal(fanin_peer_ports(fan, &s6), 2);
    ps_endpoint s4 = v4(c4, 0, 443, PS_TRANSPORT_TCP);   /* 10.0.0.0 */
    assert_int_equal(fanin_peer_ports(fan, &s4), 0);
    s6.context = 77;   /* the same address and port in another address space */
    assert_int_equal(fanin_peer_ports(fan, &s6), 0);
    fanin_note_flow(fan, &c6, &s6, NULL, NULL);
    assert_int_equal(fanin_peer_ports(fan, &s6), 1);
    s6.context = 0;
    assert_int_equal(fanin_peer_ports(fan, &s6), 2);
}

/* Four million client endpoints (each seen once) pass through the 262,144
 * ways: the servers, each seen with several peer ports, stay; the clients
 * noted early are gone, and so is a server noted once only. */
static void test_servers_stay_while_clients_churn(void **state)
{
    (void)state;
    ps_fanin *f = fanin_create();
    assert_non_null(f);
    uint8_t sa[4], ca[4];
    ps_endpoint lone = v4(sa, 0x0a0000, 9999, PS_TRANSPORT_TCP);
    ps_endpoint cl = v4(ca, 0x0a0001, 40000, PS_TRANSPORT_TCP);
    fanin_note_flow(f, &cl, &lone, NULL, NULL);
    for (uint32_t i = 0; i < 2000000; i++) {
        uint8_t s[4], c[4];
        /* 64 servers on port 443, clients on ports cycling through 28,000. */
        ps_endpoint srv = v4(s, 0x0b0000 + i % 64, 443, PS_TRANSPORT_TCP);
        ps_endpoint cli = v4(c, 0x0c0000 + i, (uint16_t)(32768 + i % 28000), PS_TRANSPORT_TCP);
        fanin_note_flow(f, &cli, &srv, NULL, NULL);
    }
    for (uint32_t s = 0; s < 64; s++) {
        uint8_t a[4];
        ps_endpoint srv = v4(a, 0x0b0000 + s, 443, PS_TRANSPORT_TCP);
        assert_int_equal(fanin_peer_ports(f, &srv), PS_FANIN_BINS);
    }
    assert_int_equal(fanin_peer_ports(f, &lone), 0);
    assert_int_equal(fanin_peer_ports(f, &cl), 0);
    uint8_t a[4];
    ps_endpoint last = v4(a, 0x0c0000 + 1999999, (uint16_t)(32768 + 1999999 % 28000),
                          PS_TRANSPORT_TCP);
    assert_int_equal(fanin_peer_ports(f, &last), 1);
    fanin_free(f);
}

/* When a set is full of endpoints seen with several peer ports, the least
 * recently noted of them gives way. */
static void test_full_sets_drop_the_least_recent(void **state)
{
    (void)state;
    ps_fanin *f = fanin_create();
    assert_non_null(f);
    uint8_t a[4];
    ps_endpoint first = v4(a, 0x0d0000, 1, PS_TRANSPORT_UDP);
    /* 600,000 endpoints with two peer ports each, more than the ways. */
    for (uint32_t i = 0; i < 600000; i++) {
        uint8_t s[4], c[4];
        ps_endpoint srv = v4(s, 0x0d0000 + i, 1, PS_TRANSPORT_UDP);
        ps_endpoint cli = v4(c, 0x0e0000, 50000, PS_TRANSPORT_UDP);
        fanin_note_flow(f, &cli, &srv, NULL, NULL);
        cli.port = 50001;
        fanin_note_flow(f, &cli, &srv, NULL, NULL);
    }
    assert_int_equal(fanin_peer_ports(f, &first), 0);
    uint8_t b[4];
    ps_endpoint last = v4(b, 0x0d0000 + 599999, 1, PS_TRANSPORT_UDP);
    assert_int_equal(fanin_peer_ports(f, &last), 2);
    fanin_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_is_stated),
        cmocka_unit_test(test_server_meets_many_client_ports),
        cmocka_unit_test(test_scanner_source_port_counts_one),
        cmocka_unit_test(test_endpoints_apart),
        cmocka_unit_test(test_servers_stay_while_clients_churn),
        cmocka_unit_test(test_full_sets_drop_the_least_recent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
