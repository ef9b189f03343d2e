/* Service attribution against a small inline registry and the real one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "portsniff/attribute.h"

static const char registry_csv[] =
    "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,"
    "Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\n"
    ",0,tcp,Reserved,,,,,,,,\n"
    ",24,tcp,any private mail system,,,,,,,,\n"
    "http,80,tcp,World Wide Web HTTP,,,,,,,,\n"
    "https,443,tcp,http protocol over TLS/SSL,,,,,,,,\n"
    ",1023,tcp,Reserved,,,,,,,,\n"
    ",1024,tcp,Reserved,,,,,,,,\n"
    "mysql,3306,tcp,MySQL,,,,,,,,\n"
    "xmpp-client,5222,tcp,XMPP Client Connection,,,,,,,,\n"
    ",5223-5224,tcp,Unassigned,,,,,,,,\n"
    "dyn-test,50000,tcp,A service in the dynamic range,,,,,,,,\n"
    "domain,53,udp,Domain Name Server,,,,,,,,\n";

static int setup(void **state)
{
    char err[256] = "";
    ps_registry *reg = registry_parse(registry_csv, sizeof(registry_csv) - 1, "inline", err, sizeof(err));
    if (!reg)
        fail_msg("registry_parse: %s", err);
    *state = reg;
    return 0;
}

static int teardown(void **state)
{
    registry_free(*state);
    return 0;
}

/* A flow between 10.0.0.1:pa (endpoint a) and 10.0.0.2:pb. */
static ps_flow make_flow(int transport, uint16_t pa, uint16_t pb, int orig, int basis)
{
    ps_flow f;
    memset(&f, 0, sizeof(f));
    f.key.family = 4;
    f.key.transport = (uint8_t)transport;
    f.key.addr_a[0] = f.key.addr_b[0] = 10;
    f.key.addr_a[3] = 1;
    f.key.addr_b[3] = 2;
    f.key.port_a = pa;
    f.key.port_b = pb;
    f.orig = (uint8_t)orig;
    f.orig_basis = (uint8_t)basis;
    return f;
}

static ps_label label_of(void **state, uint16_t pa, uint16_t pb, int orig, int basis)
{
    ps_flow f = make_flow(PS_TRANSPORT_TCP, pa, pb, orig, basis);
    ps_label l;
    memset(&l, 0xee, sizeof(l));
    attribute_flow(*state, NULL, &f, &l);
    return l;
}

static void test_port_range_class(void **state)
{
    (void)state;
    assert_int_equal(port_range_class(0), 0);
    assert_int_equal(port_range_class(1023), 0);
    assert_int_equal(port_range_class(1024), 1);
    assert_int_equal(port_range_class(49151), 1);
    assert_int_equal(port_range_class(49152), 2);
    assert_int_equal(port_range_class(65535), 2);
}

static void test_handshake_uses_responder_port(void **state)
{
    /* Originator is endpoint b (port 50000); the responder's port 80 names it. */
    ps_label l = label_of(state, 80, 50000, 1, PS_ORIG_HANDSHAKE);
    assert_int_equal(l.service_port, 80);
    assert_int_equal(l.basis, PS_BASIS_HANDSHAKE);
    assert_int_equal(l.status, PS_REG_NAMED);
    assert_non_null(l.entry);
    assert_string_equal(l.entry->name, "http");
    assert_string_equal(l.entry->description, "World Wide Web HTTP");
    assert_string_equal(label_service_text(&l), "http");

    /* The handshake wins even over a registered originator port. */
    l = label_of(state, 443, 40000, 0, PS_ORIG_HANDSHAKE);
    assert_int_equal(l.service_port, 40000);
    assert_int_equal(l.basis, PS_BASIS_HANDSHAKE);
    assert_int_equal(l.status, PS_REG_UNREGISTERED);
    assert_null(l.entry);
    assert_string_equal(label_service_text(&l), "(unregistered)");
}

/* ICMP flows carry no service: the IP protocol is the label, whatever the
 * registry says about the numbers standing in for ports (8 and 0 here). */
static void test_icmp_labelled_by_ip_protocol(void **state)
{
    ps_flow f = make_flow(PS_TRANSPORT_ICMP, 0, 8, 1, PS_ORIG_HANDSHAKE);
    ps_label l;
    memset(&l, 0xee, sizeof(l));
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.status, PS_REG_IP_PROTOCOL);
    assert_int_equal(l.basis, PS_BASIS_IP_PROTOCOL);
    assert_int_equal(l.ip_proto, 1);
    assert_int_equal(l.service_port, 0);
    assert_null(l.entry);
    assert_int_equal(l.nalso, 0);
    assert_string_equal(label_service_text(&l), "icmp");
    assert_string_equal(ps_reg_status_name(l.status), "ip-protocol");
    assert_string_equal(ps_label_basis_name(l.basis), "ip-protocol");
    f.key.family = 6;
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.ip_proto, 58);
    assert_string_equal(label_service_text(&l), "ipv6-icmp");
}

static void test_ephemeral_level(void **state)
{
    (void)state;
    static const struct { uint16_t port; int level; } cases[] = {
        {0, 0}, {511, 0}, {512, 2}, {1022, 2}, {1023, 2}, {1024, 1}, {5000, 1}, {5001, 0},
        {32767, 0}, {32768, 3}, {49151, 3}, {49152, 4}, {60999, 4}, {61000, 3}, {65535, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(ephemeral_level(cases[i].port), cases[i].level);
}

static void test_registered_beats_unregistered(void **state)
{
    /* Neither port is ephemeral: the registry decides. */
    ps_label l = label_of(state, 5222, 6000, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 5222);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_string_equal(label_service_text(&l), "xmpp-client");

    /* An unnamed assignment is registered too. */
    l = label_of(state, 24, 6001, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 24);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_int_equal(l.status, PS_REG_UNNAMED);
    assert_string_equal(label_service_text(&l), "(unnamed)");
}

/* The ephemeral ranges come before the registry: the port deeper in them
 * is the client's, registered or not. */
static void test_ephemeral_ranges_before_registry(void **state)
{
    /* A Linux client's port (unregistered) and a registered server. */
    ps_label l = label_of(state, 5222, 33333, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 5222);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    /* A service registered in the dynamic range loses to a privileged
     * port, and an unassigned port wins over it. */
    l = label_of(state, 999, 50000, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 999);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    assert_int_equal(l.status, PS_REG_UNREGISTERED);
    l = label_of(state, 5223, 50000, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 5223);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    assert_int_equal(l.status, PS_REG_UNASSIGNED);
    /* Both registered: BSD's old range (3306) is the weaker claim. */
    l = label_of(state, 5222, 3306, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 5222);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    /* Linux-and-Windows (50001) deeper than Linux alone (40000). */
    l = label_of(state, 40000, 50001, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 40000);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
}

static void test_both_registered_lower_range(void **state)
{
    ps_label l = label_of(state, 443, 5222, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 443);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);
    assert_string_equal(label_service_text(&l), "https");
    l = label_of(state, 443, 80, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 80);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
}

static void test_both_ephemeral_lower_port(void **state)
{
    /* Both in Linux's range, neither registered, both User. */
    ps_label l = label_of(state, 40000, 33333, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 33333);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
    assert_int_equal(l.status, PS_REG_UNREGISTERED);
    /* Both Linux-and-Windows, one registered. */
    l = label_of(state, 50000, 50001, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 50000);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
}

static void test_reserved_and_unassigned_are_not_registered(void **state)
{
    ps_label l = label_of(state, 1024, 2000, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 1024);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
    assert_int_equal(l.status, PS_REG_RESERVED);
    assert_string_equal(label_service_text(&l), "(reserved)");

    l = label_of(state, 0, 6000, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 0);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);
    assert_int_equal(l.status, PS_REG_RESERVED);

    l = label_of(state, 6000, 5224, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 5224);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
    assert_int_equal(l.status, PS_REG_UNASSIGNED);
    assert_string_equal(label_service_text(&l), "(unassigned)");
}

static void test_transport_matters(void **state)
{
    ps_flow f = make_flow(PS_TRANSPORT_UDP, 53, 80, 0, PS_ORIG_FIRST_PACKET);
    ps_label l;
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.service_port, 53);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_string_equal(label_service_text(&l), "domain");

    f = make_flow(PS_TRANSPORT_SCTP, 80, 6000, 1, PS_ORIG_FIRST_PACKET);
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.service_port, 80);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);
    assert_int_equal(l.status, PS_REG_UNREGISTERED);
}

/* UDP: the first datagram from a Linux or Windows ephemeral port goes to
 * the server, whatever the other port. */
static void test_request_shape(void **state)
{
    ps_label l;
    /* 10.0.0.2:41000 (b) sent first to 10.0.0.1:51820: both ephemeral. */
    ps_flow f = make_flow(PS_TRANSPORT_UDP, 51820, 41000, 1, PS_ORIG_FIRST_PACKET);
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.service_port, 51820);
    assert_int_equal(l.basis, PS_BASIS_REQUEST);
    /* The reply seen first (53 -> 41000): not a request; the ranges decide. */
    f = make_flow(PS_TRANSPORT_UDP, 53, 41000, 0, PS_ORIG_FIRST_PACKET);
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.service_port, 53);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    /* From a privileged or BSD port: not a common ephemeral one. */
    f = make_flow(PS_TRANSPORT_UDP, 60000, 1022, 1, PS_ORIG_FIRST_PACKET);
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.service_port, 1022);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    /* TCP without a handshake: the first segment may be anyone's. */
    f = make_flow(PS_TRANSPORT_TCP, 51820, 41000, 1, PS_ORIG_FIRST_PACKET);
    attribute_flow(*state, NULL, &f, &l);
    assert_int_equal(l.service_port, 41000);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
}

/* Notes `clients` flows to 10.0.0.1:server_port from 10.0.1.x on successive
 * ports from first_port. */
static void note_clients(ps_fanin *fan, int transport, uint16_t server_port, unsigned clients,
                         uint16_t first_port)
{
    uint8_t s[4] = {10, 0, 0, 1};
    for (unsigned i = 0; i < clients; i++) {
        uint8_t c[4] = {10, 0, 1, (uint8_t)i};
        ps_endpoint srv = {s, 0, server_port, 4, (uint8_t)transport};
        ps_endpoint cli = {c, 0, (uint16_t)(first_port + i), 4, (uint8_t)transport};
        fanin_note_flow(fan, &cli, &srv, NULL, NULL);
    }
}

/* The flow 10.0.0.1:pa - 10.0.0.2:pb labelled with what fan reads for its
 * two endpoints, as an interval report does for an open flow. */
static ps_label fanin_label(void **state, const ps_fanin *fan, int transport, uint16_t pa,
                            uint16_t pb, int orig)
{
    ps_flow f = make_flow(transport, pa, pb, orig, PS_ORIG_FIRST_PACKET);
    ps_endpoint a = {f.key.addr_a, 0, pa, 4, (uint8_t)transport};
    ps_endpoint b = {f.key.addr_b, 0, pb, 4, (uint8_t)transport};
    ps_flow_fanin counts = {fanin_peer_ports(fan, &a), fanin_peer_ports(fan, &b)};
    ps_label l;
    attribute_flow(*state, &counts, &f, &l);
    return l;
}

/* The threshold: at least 3 peer ports and more than twice the other's. */
static void test_fan_in_threshold(void **state)
{
    static const struct { unsigned a, b; int want; } cases[] = {
        {3, 1, 1}, {1, 3, 0}, {2, 0, -1}, {2, 1, -1}, {4, 2, -1}, {5, 2, 1}, {2, 5, 0},
        {0, 0, -1}, {32, 32, -1}, {32, 15, 1}, {32, 16, -1}, {3, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* 10.0.0.2:6001 (b) sent first to 10.0.0.1:6000; neither port is
         * ephemeral or registered: without fan-in, the lower port (a). */
        ps_flow f = make_flow(PS_TRANSPORT_TCP, 6000, 6001, 1, PS_ORIG_FIRST_PACKET);
        ps_flow_fanin counts = {cases[i].a, cases[i].b};
        ps_label l;
        attribute_flow(*state, &counts, &f, &l);
        if (cases[i].want < 0) {
            assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
            assert_int_equal(l.service_port, 6000);
        } else {
            assert_int_equal(l.basis, PS_BASIS_FAN_IN);
            assert_int_equal(l.service_port, cases[i].want ? 6000 : 6001);
        }
    }
}

static void test_fan_in(void **state)
{
    ps_fanin *fan = fanin_create();
    assert_non_null(fan);
    /* A server on 55302 met clients on three ports; the flow from
     * 10.0.0.2:49999 (b) to it is told by fan-in, against the ranges. */
    note_clients(fan, PS_TRANSPORT_TCP, 55302, 3, 49000);
    uint8_t c[4] = {10, 0, 0, 2}, s[4] = {10, 0, 0, 1};
    ps_endpoint cli = {c, 0, 49999, 4, PS_TRANSPORT_TCP};
    ps_endpoint srv = {s, 0, 55302, 4, PS_TRANSPORT_TCP};
    fanin_note_flow(fan, &cli, &srv, NULL, NULL);
    ps_label l = fanin_label(state, fan, PS_TRANSPORT_TCP, 55302, 49999, 0);
    assert_int_equal(l.service_port, 55302);
    assert_int_equal(l.basis, PS_BASIS_FAN_IN);
    /* Two peer ports are not enough (a client's port used twice). */
    note_clients(fan, PS_TRANSPORT_TCP, 61616, 2, 40000);
    l = fanin_label(state, fan, PS_TRANSPORT_TCP, 61616, 40000, 1);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);   /* both ephemeral, neither registered */
    assert_int_equal(l.service_port, 40000);
    fanin_free(fan);
}

/* Fan-in must beat the other side by more than twice: equal or close
 * counts decide nothing, and a scanner's source port that met port 22 on
 * 300 hosts met one peer port only. */
static void test_fan_in_ties_and_scanner(void **state)
{
    ps_fanin *fan = fanin_create();
    assert_non_null(fan);
    uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    /* Endpoint a (port 7000) met 4 peer ports, b (port 7001) 4 too. */
    for (uint16_t i = 0; i < 3; i++) {
        uint8_t x[4] = {10, 0, 2, (uint8_t)i};
        ps_endpoint pa = {a, 0, 7000, 4, PS_TRANSPORT_TCP};
        ps_endpoint pb = {b, 0, 7001, 4, PS_TRANSPORT_TCP};
        ps_endpoint px = {x, 0, (uint16_t)(20000 + i), 4, PS_TRANSPORT_TCP};
        fanin_note_flow(fan, &pa, &px, NULL, NULL);
        fanin_note_flow(fan, &pb, &px, NULL, NULL);
    }
    ps_endpoint pa = {a, 0, 7000, 4, PS_TRANSPORT_TCP};
    ps_endpoint pb = {b, 0, 7001, 4, PS_TRANSPORT_TCP};
    fanin_note_flow(fan, &pa, &pb, NULL, NULL);
    assert_int_equal(fanin_peer_ports(fan, &pa), 4);
    assert_int_equal(fanin_peer_ports(fan, &pb), 4);
    ps_label l = fanin_label(state, fan, PS_TRANSPORT_TCP, 7000, 7001, 1);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
    assert_int_equal(l.service_port, 7000);

    /* The scan: 10.0.0.9:61234 to port 22 of 300 hosts. */
    uint8_t scanner[4] = {10, 0, 0, 9};
    ps_endpoint sc = {scanner, 0, 61234, 4, PS_TRANSPORT_TCP};
    for (unsigned i = 0; i < 300; i++) {
        uint8_t t[4] = {10, 9, (uint8_t)(i >> 8), (uint8_t)i};
        ps_endpoint target = {t, 0, 22, 4, PS_TRANSPORT_TCP};
        fanin_note_flow(fan, &sc, &target, NULL, NULL);
    }
    assert_int_equal(fanin_peer_ports(fan, &sc), 1);
    /* A probe's reply seen alone (10.9.0.5:22 first): port 22 serves. */
    ps_flow f;
    memset(&f, 0, sizeof f);
    f.key.family = 4;
    f.key.transport = PS_TRANSPORT_TCP;
    memcpy(f.key.addr_a, scanner, 4);
    f.key.addr_b[0] = 10;
    f.key.addr_b[1] = 9;
    f.key.addr_b[3] = 5;
    f.key.port_a = 61234;
    f.key.port_b = 22;
    f.orig = 1;
    ps_endpoint target = {f.key.addr_b, 0, 22, 4, PS_TRANSPORT_TCP};
    ps_flow_fanin counts = {fanin_peer_ports(fan, &sc), fanin_peer_ports(fan, &target)};
    assert_int_equal(counts.peers_a, 1);
    assert_int_equal(counts.peers_b, 1);
    attribute_flow(*state, &counts, &f, &l);
    assert_int_equal(l.service_port, 22);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    fanin_free(fan);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ps_label_basis_name(PS_BASIS_HANDSHAKE), "handshake");
    assert_string_equal(ps_label_basis_name(PS_BASIS_SERVICE_CODE), "service-code");
    assert_string_equal(ps_label_basis_name(PS_BASIS_FAN_IN), "fan-in");
    assert_string_equal(ps_label_basis_name(PS_BASIS_REQUEST), "request");
    assert_string_equal(ps_label_basis_name(PS_BASIS_EPHEMERAL), "ephemeral");
    assert_string_equal(ps_label_basis_name(PS_BASIS_REGISTERED), "registered");
    assert_string_equal(ps_label_basis_name(PS_BASIS_PORT_RANGE), "port-range");
    assert_string_equal(ps_label_basis_name(PS_BASIS_LOWER_PORT), "lower-port");
    assert_string_equal(ps_label_basis_name(PS_BASIS_COUNT), "unknown");
    assert_string_equal(ps_reg_status_name(PS_REG_NAMED), "registered");
    assert_string_equal(ps_reg_status_name(PS_REG_UNNAMED), "unnamed");
    assert_string_equal(ps_reg_status_name(PS_REG_RESERVED), "reserved");
    assert_string_equal(ps_reg_status_name(PS_REG_UNASSIGNED), "unassigned");
    assert_string_equal(ps_reg_status_name(PS_REG_UNREGISTERED), "unregistered");
}

static void test_real_registry(void **state)
{
    (void)state;
    char err[256] = "";
    ps_registry *reg = registry_load_file(PS_REGISTRY_CSV, err, sizeof(err));
    if (!reg)
        fail_msg("%s: %s", PS_REGISTRY_CSV, err);
    ps_flow f = make_flow(PS_TRANSPORT_TCP, 443, 51515, 1, PS_ORIG_FIRST_PACKET);
    ps_label l;
    attribute_flow(reg, NULL, &f, &l);
    assert_int_equal(l.service_port, 443);
    assert_string_equal(label_service_text(&l), "https");
    assert_int_equal(l.nalso, 0);
    f = make_flow(PS_TRANSPORT_UDP, 53, 40000, 1, PS_ORIG_HANDSHAKE);
    attribute_flow(reg, NULL, &f, &l);
    assert_int_equal(l.service_port, 53);
    assert_string_equal(label_service_text(&l), "domain");

    /* An NFS client on a privileged port (registered as exp2) to 2049:
     * nfs, with the other service registered there carried along. */
    f = make_flow(PS_TRANSPORT_TCP, 1022, 2049, 0, PS_ORIG_FIRST_PACKET);
    attribute_flow(reg, NULL, &f, &l);
    assert_int_equal(l.service_port, 2049);
    assert_int_equal(l.basis, PS_BASIS_EPHEMERAL);
    assert_string_equal(label_service_text(&l), "nfs");
    assert_int_equal(l.nalso, 1);
    assert_string_equal(l.also[0]->name, "shilp");
    /* rsh from 1023 (Reserved) to 514: both privileged, the registry decides. */
    f = make_flow(PS_TRANSPORT_TCP, 514, 1023, 1, PS_ORIG_FIRST_PACKET);
    attribute_flow(reg, NULL, &f, &l);
    assert_int_equal(l.service_port, 514);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_string_equal(label_service_text(&l), "shell");
    f = make_flow(PS_TRANSPORT_UDP, 3478, 50000, 1, PS_ORIG_FIRST_PACKET);
    attribute_flow(reg, NULL, &f, &l);
    assert_int_equal(l.basis, PS_BASIS_REQUEST);
    assert_string_equal(label_service_text(&l), "stun");
    assert_int_equal(l.nalso, 2);
    assert_string_equal(l.also[0]->name, "turn");
    assert_string_equal(l.also[1]->name, "stun-behavior");
    registry_free(reg);
}

/* A DCCP flow with a handshake from 10.0.0.2:50000 to 10.0.0.1:port whose
 * Request carried code (has_code 0: none). */
static ps_label dccp_label(const ps_registry *reg, uint16_t port, int has_code, uint32_t code)
{
    ps_flow f = make_flow(PS_TRANSPORT_DCCP, port, 50000, 1, PS_ORIG_HANDSHAKE);
    f.dccp_has_service_code = (uint8_t)has_code;
    f.dccp_service_code = code;
    ps_label l;
    attribute_flow(reg, NULL, &f, &l);
    return l;
}

static void test_dccp_service_code(void **state)
{
    (void)state;
    char err[256] = "";
    ps_registry *reg = registry_load_file(PS_REGISTRY_CSV, err, sizeof(err));
    if (!reg)
        fail_msg("%s: %s", PS_REGISTRY_CSV, err);
    /* The code and the port agree: the code labels it. */
    ps_label l = dccp_label(reg, 4556, 1, 1685351985u);
    assert_int_equal(l.basis, PS_BASIS_SERVICE_CODE);
    assert_int_equal(l.service_port, 4556);
    assert_string_equal(label_service_text(&l), "dtn-bundle");
    assert_null(label_port_service_text(&l));
    assert_int_equal(l.has_expected_code, 0);
    /* "ping" to the DTN port: labelled dccp-ping, the port's service shown. */
    l = dccp_label(reg, 4556, 1, 1885957735u);
    assert_int_equal(l.basis, PS_BASIS_SERVICE_CODE);
    assert_string_equal(label_service_text(&l), "dccp-ping");
    assert_string_equal(label_port_service_text(&l), "dtn-bundle");
    /* ... and to an unregistered port. */
    l = dccp_label(reg, 55302, 1, 1885957735u);
    assert_string_equal(label_service_text(&l), "dccp-ping");
    assert_string_equal(label_port_service_text(&l), "(unregistered)");
    /* A code nobody registered: the port labels it, and the code its entry
     * registers is shown. */
    l = dccp_label(reg, 4556, 1, 42);
    assert_int_equal(l.basis, PS_BASIS_HANDSHAKE);
    assert_string_equal(label_service_text(&l), "dtn-bundle");
    assert_int_equal(l.has_expected_code, 1);
    assert_int_equal(l.expected_code, 1685351985u);
    assert_null(label_port_service_text(&l));
    /* No code, or a port whose entry registers none: nothing to show. */
    l = dccp_label(reg, 4556, 0, 0);
    assert_int_equal(l.basis, PS_BASIS_HANDSHAKE);
    assert_int_equal(l.has_expected_code, 0);
    l = dccp_label(reg, 9, 1, 42);    /* discard registers 1145656131 */
    assert_int_equal(l.has_expected_code, 1);
    l = dccp_label(reg, 5004, 1, 42);
    assert_int_equal(l.has_expected_code, 0);
    /* A code on another transport labels nothing. */
    ps_flow f = make_flow(PS_TRANSPORT_TCP, 4556, 50000, 1, PS_ORIG_HANDSHAKE);
    f.dccp_has_service_code = 1;
    f.dccp_service_code = 1885957735u;
    attribute_flow(reg, NULL, &f, &l);
    assert_int_equal(l.basis, PS_BASIS_HANDSHAKE);
    assert_string_equal(label_service_text(&l), "dtn-bundle");
    registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_range_class),
        cmocka_unit_test(test_ephemeral_level),
        cmocka_unit_test_setup_teardown(test_handshake_uses_responder_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_labelled_by_ip_protocol, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registered_beats_unregistered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ephemeral_ranges_before_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_both_registered_lower_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_both_ephemeral_lower_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_and_unassigned_are_not_registered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_matters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fan_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fan_in_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fan_in_ties_and_scanner, setup, teardown),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_real_registry),
        cmocka_unit_test(test_dccp_service_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
