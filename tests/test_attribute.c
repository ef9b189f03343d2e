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
    attribute_flow(*state, &f, &l);
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

static void test_registered_beats_unregistered(void **state)
{
    ps_label l = label_of(state, 5222, 33333, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 5222);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_string_equal(label_service_text(&l), "xmpp-client");

    /* Standing in the registry counts before the port's range. */
    l = label_of(state, 999, 50000, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 50000);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_string_equal(label_service_text(&l), "dyn-test");

    /* An unnamed assignment is registered too. */
    l = label_of(state, 24, 60001, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 24);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_int_equal(l.status, PS_REG_UNNAMED);
    assert_string_equal(label_service_text(&l), "(unnamed)");
}

static void test_both_registered_lower_range(void **state)
{
    ps_label l = label_of(state, 443, 5222, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 443);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);
    assert_string_equal(label_service_text(&l), "https");
}

static void test_same_range_lower_port(void **state)
{
    ps_label l = label_of(state, 5222, 3306, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 3306);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
    assert_string_equal(label_service_text(&l), "mysql");

    l = label_of(state, 40000, 33333, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 33333);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
    assert_int_equal(l.status, PS_REG_UNREGISTERED);
}

static void test_reserved_and_unassigned_are_not_registered(void **state)
{
    /* Neither counts as registered: the range decides. */
    ps_label l = label_of(state, 60000, 1023, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 1023);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);
    assert_int_equal(l.status, PS_REG_RESERVED);
    assert_non_null(l.entry);
    assert_string_equal(label_service_text(&l), "(reserved)");

    l = label_of(state, 1024, 2000, 0, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 1024);
    assert_int_equal(l.basis, PS_BASIS_LOWER_PORT);
    assert_int_equal(l.status, PS_REG_RESERVED);

    l = label_of(state, 50001, 5224, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 5224);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);
    assert_int_equal(l.status, PS_REG_UNASSIGNED);
    assert_string_equal(label_service_text(&l), "(unassigned)");

    /* An unassigned port loses to a registered one in a higher range. */
    l = label_of(state, 5223, 50000, 1, PS_ORIG_FIRST_PACKET);
    assert_int_equal(l.service_port, 50000);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
}

static void test_transport_matters(void **state)
{
    ps_flow f = make_flow(PS_TRANSPORT_UDP, 53, 80, 0, PS_ORIG_FIRST_PACKET);
    ps_label l;
    attribute_flow(*state, &f, &l);
    assert_int_equal(l.service_port, 53);
    assert_int_equal(l.basis, PS_BASIS_REGISTERED);
    assert_string_equal(label_service_text(&l), "domain");

    f = make_flow(PS_TRANSPORT_SCTP, 80, 40000, 1, PS_ORIG_FIRST_PACKET);
    attribute_flow(*state, &f, &l);
    assert_int_equal(l.service_port, 80);
    assert_int_equal(l.basis, PS_BASIS_PORT_RANGE);
    assert_int_equal(l.status, PS_REG_UNREGISTERED);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ps_label_basis_name(PS_BASIS_HANDSHAKE), "handshake");
    assert_string_equal(ps_label_basis_name(PS_BASIS_REGISTERED), "registered");
    assert_string_equal(ps_label_basis_name(PS_BASIS_PORT_RANGE), "port-range");
    assert_string_equal(ps_label_basis_name(PS_BASIS_LOWER_PORT), "lower-port");
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
    attribute_flow(reg, &f, &l);
    assert_int_equal(l.service_port, 443);
    assert_string_equal(label_service_text(&l), "https");
    f = make_flow(PS_TRANSPORT_UDP, 53, 40000, 1, PS_ORIG_HANDSHAKE);
    attribute_flow(reg, &f, &l);
    assert_int_equal(l.service_port, 53);
    assert_string_equal(label_service_text(&l), "domain");
    registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_range_class),
        cmocka_unit_test_setup_teardown(test_handshake_uses_responder_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registered_beats_unregistered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_both_registered_lower_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_range_lower_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_and_unassigned_are_not_registered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_matters, setup, teardown),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_real_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
