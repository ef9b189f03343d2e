/* --service: names checked against the registry, aliases of one service
 * selecting its label, unknown names refused with the nearest names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "portsniff/packet.h"
#include "portsniff/service_select.h"

static ps_registry *reg;

static int setup(void **state)
{
    (void)state;
    reg = registry_load_builtin();
    return reg ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    registry_free(reg);
    return 0;
}

/* The label of (transport, port) as attribution gives it. */
static ps_label label_at(const ps_registry *r, int transport, uint16_t port)
{
    ps_label l;
    memset(&l, 0, sizeof l);
    ps_reg_status st;
    l.entry = registry_find_port(r, transport, port, &st);
    l.status = (uint8_t)st;
    l.service_port = port;
    return l;
}

static int selects(const ps_service_select *s, int transport, uint16_t port)
{
    ps_label l = label_at(reg, transport, port);
    return service_select_match(s, &l);
}

static void test_names_select_their_labels(void **state)
{
    (void)state;
    char err[512] = "";
    ps_service_select *s = service_select_parse(reg, "HTTPS,domain", err, sizeof err);
    assert_non_null(s);
    assert_string_equal(err, "");
    assert_true(selects(s, PS_TRANSPORT_TCP, 443));
    assert_true(selects(s, PS_TRANSPORT_UDP, 443));
    assert_true(selects(s, PS_TRANSPORT_UDP, 53));
    assert_false(selects(s, PS_TRANSPORT_TCP, 80));
    assert_false(selects(s, PS_TRANSPORT_TCP, 50000));   /* unregistered */
    assert_false(selects(s, PS_TRANSPORT_TCP, 24));      /* unnamed */
    service_select_free(s);
}

/* www is another name of http (one description): it selects http's flows,
 * and http selects them whatever port carries the label. An IANA alias row
 * (whois++) selects its service (whoispp). A distinct service sharing a
 * port (shilp at 2049) does not select the port's label (nfs). */
static void test_aliases_and_distinct_services(void **state)
{
    (void)state;
    char err[512] = "";
    ps_service_select *s = service_select_parse(reg, "www", err, sizeof err);
    assert_non_null(s);
    assert_true(selects(s, PS_TRANSPORT_TCP, 80));
    assert_true(selects(s, PS_TRANSPORT_SCTP, 80));
    assert_false(selects(s, PS_TRANSPORT_TCP, 8080));   /* http-alt */
    service_select_free(s);

    s = service_select_parse(reg, "whois++", err, sizeof err);
    assert_non_null(s);
    assert_true(selects(s, PS_TRANSPORT_TCP, 63));
    service_select_free(s);

    s = service_select_parse(reg, "shilp", err, sizeof err);
    assert_non_null(s);
    assert_false(selects(s, PS_TRANSPORT_TCP, 2049));
    service_select_free(s);
    s = service_select_parse(reg, "nfs", err, sizeof err);
    assert_non_null(s);
    assert_true(selects(s, PS_TRANSPORT_TCP, 2049));
    assert_true(selects(s, PS_TRANSPORT_SCTP, 2049));
    service_select_free(s);

    /* A name with no port (dccp-ping, a Service Code) selects the flows the
     * code labels. */
    s = service_select_parse(reg, "dccp-ping", err, sizeof err);
    assert_non_null(s);
    ps_label l;
    memset(&l, 0, sizeof l);
    l.entry = registry_find_service_code(reg, 1885957735u);
    l.status = PS_REG_NAMED;
    assert_true(service_select_match(s, &l));
    service_select_free(s);
}

static void expect_error(const char *list, const char *want)
{
    char err[512] = "";
    ps_service_select *s = service_select_parse(reg, list, err, sizeof err);
    assert_null(s);
    assert_string_equal(err, want);
}

static void test_unknown_and_malformed(void **state)
{
    (void)state;
    expect_error("htps", "--service: no service named 'htps' in built-in "
                         "(service-names-port-numbers.csv) (did you mean https, ftps?)");
    expect_error("ssh,domian", "--service: no service named 'domian' in built-in "
                               "(service-names-port-numbers.csv) (did you mean domain, domiq?)");
    expect_error("qqqqqqqqqq", "--service: no service named 'qqqqqqqqqq' in built-in "
                               "(service-names-port-numbers.csv)");
    expect_error("", "--service: empty service name in ''");
    expect_error("ssh,", "--service: empty service name in 'ssh,'");
    expect_error(",ssh", "--service: empty service name in ',ssh'");
    char longname[100];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    expect_error(longname, "--service: service name 'aaaaaaaaaaaaaaaaaaaa...' is too long");
}

static void test_suggestions(void **state)
{
    (void)state;
    const char *near[5];
    /* Prefix matches count their extra length; ties: same initial, then name. */
    assert_int_equal(registry_suggest_names(reg, "nf", near, 5), 5);
    assert_string_equal(near[0], "nfa");
    assert_string_equal(near[1], "nfs");
    assert_string_equal(near[2], "ni");
    assert_string_equal(near[3], "nq");
    assert_string_equal(near[4], "ns");
    assert_int_equal(registry_suggest_names(reg, "SSH", near, 5), 5);
    assert_string_equal(near[0], "ssh");   /* itself, case aside */
    assert_int_equal(registry_suggest_names(reg, "zzzzzzzzzzzz", near, 5), 0);
    assert_int_equal(registry_suggest_names(reg, "https", near, 1), 1);
    assert_string_equal(near[0], "https");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_select_their_labels),
        cmocka_unit_test(test_aliases_and_distinct_services),
        cmocka_unit_test(test_unknown_and_malformed),
        cmocka_unit_test(test_suggestions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
