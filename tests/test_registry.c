/* The registry: IANA CSV and services(5) parsing, port and name lookups,
 * the built-in copy, errors, dates and what --lookup prints. Values are
 * those of the 2026-08-17 registry the build uses. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portsniff/packet.h"
#include "portsniff/registry.h"
#include "registry_impl.h"

enum { TCP = PS_TRANSPORT_TCP, UDP = PS_TRANSPORT_UDP, SCTP = PS_TRANSPORT_SCTP,
       DCCP = PS_TRANSPORT_DCCP };

#define HEADER "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact," \
               "Registration Date,Modification Date,Reference,Service Code," \
               "Unauthorized Use Reported,Assignment Notes\n"

static ps_registry *file_reg;
static ps_registry *builtin_reg;

static int load_both(void **state)
{
    (void)state;
    char err[512];
    file_reg = registry_load_file(PS_REGISTRY_CSV, err, sizeof err);
    if (!file_reg) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    builtin_reg = registry_load_builtin();
    return builtin_reg ? 0 : -1;
}

static int free_both(void **state)
{
    (void)state;
    registry_free(file_reg);
    registry_free(builtin_reg);
    return 0;
}

/* The name the port resolves to, or NULL; asserts the status on the way. */
static const char *name_at(const ps_registry *reg, int t, uint16_t port, ps_reg_status want)
{
    ps_reg_status st = (ps_reg_status)-1;
    const ps_reg_entry *e = registry_find_port(reg, t, port, &st);
    assert_int_equal(st, want);
    if (want == PS_REG_UNREGISTERED)
        assert_null(e);
    else
        assert_non_null(e);
    return e ? e->name : NULL;
}

/* ---- the real registry ------------------------------------------------ */

static void test_well_known_ports(void **state)
{
    (void)state;
    assert_string_equal(name_at(file_reg, TCP, 80, PS_REG_NAMED), "http");
    assert_string_equal(name_at(file_reg, TCP, 443, PS_REG_NAMED), "https");
    assert_string_equal(name_at(file_reg, UDP, 53, PS_REG_NAMED), "domain");
    assert_string_equal(name_at(file_reg, SCTP, 3868, PS_REG_NAMED), "diameter");
    assert_string_equal(name_at(file_reg, SCTP, 80, PS_REG_NAMED), "http");

    ps_reg_status st;
    const ps_reg_entry *e = registry_find_port(file_reg, TCP, 443, &st);
    assert_string_equal(e->description, "http protocol over TLS/SSL");
    assert_string_equal(e->reference, "[RFC9110]");
    assert_int_equal(e->port_lo, 443);
    assert_int_equal(e->port_hi, 443);
    assert_int_equal(e->transport, TCP);
    assert_null(e->alias_of);
}

static void test_port_80_names_in_order(void **state)
{
    (void)state;
    const ps_reg_entry *rows[8];
    assert_int_equal(registry_port_entries(file_reg, TCP, 80, rows, 8), 3);
    assert_string_equal(rows[0]->name, "http");
    assert_string_equal(rows[1]->name, "www");
    assert_string_equal(rows[2]->name, "www-http");
    /* Only what fits is stored; the count still says how many exist. */
    assert_int_equal(registry_port_entries(file_reg, TCP, 80, rows, 1), 3);
    assert_string_equal(rows[0]->name, "http");
}

static void test_first_named_row_wins(void **state)
{
    (void)state;
    const ps_reg_entry *rows[8];
    assert_string_equal(name_at(file_reg, TCP, 42, PS_REG_NAMED), "name");
    assert_int_equal(registry_port_entries(file_reg, TCP, 42, rows, 8), 2);
    assert_string_equal(rows[1]->name, "nameserver");
}

static void test_dccp_service_code(void **state)
{
    (void)state;
    ps_reg_status st;
    const ps_reg_entry *e = registry_find_port(file_reg, DCCP, 4556, &st);
    assert_int_equal(st, PS_REG_NAMED);
    assert_string_equal(e->name, "dtn-bundle");
    assert_int_equal(e->has_service_code, 1);
    assert_int_equal(e->service_code, 1685351985u);
    e = registry_find_port(file_reg, TCP, 4556, &st);
    assert_string_equal(e->name, "dtn-bundle");
    assert_int_equal(e->has_service_code, 0);
}

/* Names of (transport, port)'s other services, space-separated. */
static const char *also_at(const ps_registry *reg, int t, uint16_t port)
{
    static char buf[256];
    const ps_reg_entry *also[8];
    size_t n = registry_port_also(reg, t, port, also, 8);
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 8; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, also[i]->name);
    }
    return buf;
}

/* The naming rule on the real registry: a described entry before one
 * without (nfs, not shilp; auth, not ident), a reference on top of that
 * (submissions before urd), then file order (ipp before ipps); distinct
 * services are carried, aliases are not. */
static void test_named_entry_with_description_wins(void **state)
{
    (void)state;
    for (int t = TCP; t <= UDP; t++) {
        assert_string_equal(name_at(file_reg, t, 2049, PS_REG_NAMED), "nfs");
        assert_string_equal(also_at(file_reg, t, 2049), "shilp");
        assert_string_equal(name_at(file_reg, t, 3478, PS_REG_NAMED), "stun");
        assert_string_equal(also_at(file_reg, t, 3478), "turn stun-behavior");
        assert_string_equal(name_at(file_reg, t, 666, PS_REG_NAMED), "doom");
        assert_string_equal(also_at(file_reg, t, 666), "mdqs");
    }
    assert_string_equal(name_at(file_reg, SCTP, 2049, PS_REG_NAMED), "nfs");
    assert_string_equal(also_at(file_reg, SCTP, 2049), "");
    assert_string_equal(name_at(file_reg, TCP, 113, PS_REG_NAMED), "auth");
    assert_string_equal(also_at(file_reg, TCP, 113), "ident");
    assert_string_equal(name_at(file_reg, TCP, 465, PS_REG_NAMED), "submissions");
    assert_string_equal(also_at(file_reg, TCP, 465), "urd");
    assert_string_equal(name_at(file_reg, TCP, 631, PS_REG_NAMED), "ipp");
    assert_string_equal(also_at(file_reg, TCP, 631), "ipps");
    assert_string_equal(name_at(file_reg, UDP, 750, PS_REG_NAMED), "kerberos-iv");
    assert_string_equal(name_at(file_reg, UDP, 512, PS_REG_NAMED), "biff");
    /* Aliases: one description (http, www, www-http; name, nameserver) or
     * an IANA alias row (whois++, mdbs_daemon). */
    assert_string_equal(also_at(file_reg, TCP, 80), "");
    assert_string_equal(also_at(file_reg, TCP, 42), "");
    assert_string_equal(also_at(file_reg, TCP, 63), "");
    assert_string_equal(name_at(file_reg, TCP, 800, PS_REG_NAMED), "mdbs-daemon");
    assert_string_equal(also_at(file_reg, TCP, 800), "");
    assert_string_equal(also_at(file_reg, TCP, 443), "");
    assert_string_equal(also_at(file_reg, TCP, 24), "");      /* unnamed */
    assert_string_equal(also_at(file_reg, TCP, 50000), "");   /* unregistered */
    /* The built-in copy answers alike. */
    assert_string_equal(name_at(builtin_reg, UDP, 2049, PS_REG_NAMED), "nfs");
    assert_string_equal(also_at(builtin_reg, UDP, 2049), "shilp");

    ps_reg_port_row rows[8];
    assert_int_equal(registry_port_rows(file_reg, TCP, 80, rows, 8), 3);
    assert_int_equal(rows[0].role, PS_REG_ROLE_LABEL);
    assert_int_equal(rows[1].role, PS_REG_ROLE_ALIAS);
    assert_string_equal(rows[1].entry->name, "www");
    assert_ptr_equal(rows[1].service, rows[0].entry);
    assert_int_equal(rows[2].role, PS_REG_ROLE_ALIAS);
    assert_string_equal(rows[2].entry->name, "www-http");
}

/* The rule on a registry built for its corners: quality ties go to file
 * order, an empty description is no alias of another empty one, aliases
 * are told by description (any case, outer white space) or alias rows, a
 * row matching two services joins them, and kind and span come first. */
static void test_naming_rule_corners(void **state)
{
    (void)state;
    static const char text[] = HEADER
        "bare,10,tcp,,,,,,,,,\n"                          /* no description, no reference */
        "refonly,10,tcp,,,,,,[RFC1],,,\n"                 /* reference only */
        "described,10,tcp,Ten,,,,,,,,\n"                  /* description only */
        "full,10,tcp,Ten Full,,,,,[RFC2],,,\n"            /* both: the label */
        "b1,20,tcp,,,,,,,,,\n"
        "b2,20,tcp,,,,,,,,,\n"                            /* both bare: file order */
        "x,30,tcp,  Same  ,,,,,,,,\n"
        "y,30,tcp,same,,,,,,,,\n"                         /* alias of x */
        "z,30,tcp,Other,,,,,,,,\"This entry is an alias to \"\"x\"\".\"\n"   /* alias row */
        "w,30,tcp,Fourth,,,,,,,,\n"                       /* distinct */
        "p,40,tcp,P,,,,,,,,\n"
        "q,40,tcp,Q,,,,,,,,\n"
        "r,40,tcp,Q,,,,,,,,\"This entry is an alias to \"\"p\"\".\"\n"  /* joins p and q */
        "wide,50-60,tcp,Wide,,,,,[RFC3],,,\n"
        "narrow,55,tcp,,,,,,,,,\n"                       /* one port beats a described range */
        ",55,udp,any private thing,,,,,,,,\n"
        "late,55,udp,Late,,,,,,,,\n";                    /* named beats unnamed */
    char err[256] = "";
    ps_registry *reg = registry_parse(text, sizeof text - 1, "mem", err, sizeof err);
    assert_non_null(reg);
    assert_string_equal(name_at(reg, TCP, 10, PS_REG_NAMED), "full");
    assert_string_equal(also_at(reg, TCP, 10), "described refonly bare");
    assert_string_equal(name_at(reg, TCP, 20, PS_REG_NAMED), "b1");
    assert_string_equal(also_at(reg, TCP, 20), "b2");
    assert_string_equal(name_at(reg, TCP, 30, PS_REG_NAMED), "x");
    assert_string_equal(also_at(reg, TCP, 30), "w");
    assert_string_equal(name_at(reg, TCP, 40, PS_REG_NAMED), "p");
    assert_string_equal(also_at(reg, TCP, 40), "");
    assert_string_equal(name_at(reg, TCP, 55, PS_REG_NAMED), "narrow");
    assert_string_equal(also_at(reg, TCP, 55), "wide");
    assert_string_equal(name_at(reg, TCP, 56, PS_REG_NAMED), "wide");
    assert_string_equal(also_at(reg, TCP, 56), "");
    assert_string_equal(name_at(reg, UDP, 55, PS_REG_NAMED), "late");
    assert_string_equal(also_at(reg, UDP, 55), "");

    ps_reg_port_row rows[8];
    assert_int_equal(registry_port_rows(reg, TCP, 30, rows, 8), 4);
    const char *names[4] = {"x", "y", "w", "z"};
    const ps_reg_role roles[4] = {PS_REG_ROLE_LABEL, PS_REG_ROLE_ALIAS, PS_REG_ROLE_ALSO,
                                  PS_REG_ROLE_ALIAS};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(rows[i].entry->name, names[i]);
        assert_int_equal(rows[i].role, roles[i]);
    }
    assert_string_equal(rows[1].service->name, "x");
    assert_string_equal(rows[3].service->name, "x");
    assert_int_equal(registry_port_rows(reg, UDP, 55, rows, 8), 2);
    assert_int_equal(rows[1].role, PS_REG_ROLE_OTHER);
    /* Only what fits is stored; the count says how many exist. */
    assert_int_equal(registry_port_rows(reg, TCP, 10, rows, 1), 4);
    assert_string_equal(rows[0].entry->name, "full");
    const ps_reg_entry *one[1];
    assert_int_equal(registry_port_also(reg, TCP, 10, one, 1), 3);
    assert_string_equal(one[0]->name, "described");
    registry_free(reg);
}

/* A services(5) file: the names on one line are aliases; two lines for one
 * port are two services, the one with a comment (its description) first. */
static void test_services_file_naming(void **state)
{
    (void)state;
    static const char text[] = "shilp\t2049/tcp\n"
                               "nfs\t2049/tcp\tnfsd\t# Network File System\n";
    char err[256] = "";
    ps_registry *reg = registry_parse(text, sizeof text - 1, "svc", err, sizeof err);
    assert_non_null(reg);
    assert_string_equal(name_at(reg, TCP, 2049, PS_REG_NAMED), "nfs");
    assert_string_equal(also_at(reg, TCP, 2049), "shilp");
    ps_reg_port_row rows[8];
    assert_int_equal(registry_port_rows(reg, TCP, 2049, rows, 8), 3);
    assert_string_equal(rows[1].entry->name, "shilp");   /* alias rows rank after names */
    assert_int_equal(rows[1].role, PS_REG_ROLE_ALSO);
    assert_string_equal(rows[2].entry->name, "nfsd");
    assert_int_equal(rows[2].role, PS_REG_ROLE_ALIAS);
    assert_string_equal(rows[2].service->name, "nfs");
    registry_free(reg);
}

static void test_service_code_lookup(void **state)
{
    (void)state;
    const ps_reg_entry *e = registry_find_service_code(file_reg, 1685351985u);
    assert_non_null(e);
    assert_string_equal(e->name, "dtn-bundle");
    assert_int_equal(e->transport, DCCP);
    e = registry_find_service_code(builtin_reg, 1885957735u);   /* "ping" */
    assert_non_null(e);
    assert_string_equal(e->name, "dccp-ping");
    assert_int_equal(e->has_port, 0);
    assert_non_null(registry_find_service_code(file_reg, 1145656131u));   /* discard */
    assert_non_null(registry_find_service_code(file_reg, 7107696u));      /* ltp-deepspace */
    assert_null(registry_find_service_code(file_reg, 0));
    assert_null(registry_find_service_code(file_reg, 1685351986u));
    assert_null(registry_find_service_code(file_reg, UINT32_MAX));

    /* Two rows with one code: the label order decides. */
    static const char text[] = HEADER "plain,5,dccp,,,,,,,77,,\n"
                                      "better,6,dccp,Better,,,,,,77,,\n"
                                      "top,7,dccp,Top,,,,,,4294967295,,\n"
                                      ",8,dccp,any private thing,,,,,,78,,\n";
    char err[256] = "";
    ps_registry *reg = registry_parse(text, sizeof text - 1, "mem", err, sizeof err);
    assert_non_null(reg);
    assert_string_equal(registry_find_service_code(reg, 77)->name, "better");
    assert_string_equal(registry_find_service_code(reg, UINT32_MAX)->name, "top");
    assert_null(registry_find_service_code(reg, 78));   /* an unnamed row names no service */
    assert_null(registry_find_service_code(reg, 76));
    registry_free(reg);
}

static void test_x11_range(void **state)
{
    (void)state;
    for (int t = TCP; t <= UDP; t++) {
        assert_string_equal(name_at(file_reg, t, 6000, PS_REG_NAMED), "x11");
        assert_string_equal(name_at(file_reg, t, 6031, PS_REG_NAMED), "x11");
        assert_string_equal(name_at(file_reg, t, 6063, PS_REG_NAMED), "x11");
        assert_string_equal(name_at(file_reg, t, 6064, PS_REG_NAMED), "ndl-ahp-svc");
    }
    ps_reg_status st;
    const ps_reg_entry *e = registry_find_port(file_reg, TCP, 6031, &st);
    assert_int_equal(e->port_lo, 6000);
    assert_int_equal(e->port_hi, 6063);
    name_at(file_reg, SCTP, 6031, PS_REG_UNREGISTERED);
}

static void test_alias_rows(void **state)
{
    (void)state;
    const ps_reg_entry *rows[8];
    assert_int_equal(registry_find_name(file_reg, "whois++", rows, 8), 2);
    assert_string_equal(rows[0]->alias_of, "whoispp");
    assert_int_equal(rows[0]->port_lo, 63);
    assert_string_equal(name_at(file_reg, TCP, 63, PS_REG_NAMED), "whoispp");
    assert_int_equal(registry_port_entries(file_reg, TCP, 63, rows, 8), 2);
    assert_string_equal(rows[1]->name, "whois++");
}

static void test_unnamed_reserved_unassigned(void **state)
{
    (void)state;
    ps_reg_status st;
    const ps_reg_entry *e = registry_find_port(file_reg, TCP, 24, &st);
    assert_int_equal(st, PS_REG_UNNAMED);
    assert_null(e->name);
    assert_string_equal(e->description, "any private mail system");

    assert_null(name_at(file_reg, UDP, 4316, PS_REG_RESERVED));
    assert_string_equal(name_at(file_reg, TCP, 4316, PS_REG_NAMED), "choiceview-clt");
    assert_null(name_at(file_reg, TCP, 0, PS_REG_RESERVED));
    assert_null(name_at(file_reg, UDP, 0, PS_REG_RESERVED));

    /* "272-279" with no transport covers all four. */
    for (int t = TCP; t <= DCCP; t++) {
        e = registry_find_port(file_reg, t, 272, &st);
        assert_int_equal(st, PS_REG_UNASSIGNED);
        assert_int_equal(e->port_lo, 272);
        assert_int_equal(e->port_hi, 279);
        assert_int_equal(e->transport, PS_TRANSPORT_NONE);
    }
    assert_null(name_at(file_reg, TCP, 49151, PS_REG_RESERVED));
}

static void test_dynamic_ports_and_gaps_are_unregistered(void **state)
{
    (void)state;
    static const uint16_t ports[] = {49152, 50000, 60000, 65535};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        for (int t = TCP; t <= DCCP; t++)
            name_at(file_reg, t, ports[i], PS_REG_UNREGISTERED);
    name_at(file_reg, DCCP, 80, PS_REG_UNREGISTERED);
    name_at(file_reg, SCTP, 53, PS_REG_UNREGISTERED);
    const ps_reg_entry *rows[4];
    assert_int_equal(registry_port_entries(file_reg, DCCP, 80, rows, 4), 0);
    name_at(file_reg, PS_TRANSPORT_NONE, 80, PS_REG_UNREGISTERED);
}

static void test_rows_without_transport_cover_all(void **state)
{
    (void)state;
    /* "active-net,3322-3325,," was registered for the port number alone. */
    assert_string_equal(name_at(file_reg, SCTP, 3323, PS_REG_NAMED), "active-net");
    assert_string_equal(name_at(file_reg, DCCP, 3325, PS_REG_NAMED), "active-net");
    assert_string_equal(name_at(file_reg, TCP, 6400, PS_REG_NAMED), "boe-cms");
}

static void test_name_only_rows(void **state)
{
    (void)state;
    const ps_reg_entry *rows[4];
    assert_int_equal(registry_find_name(file_reg, "dccp-ping", rows, 4), 1);
    assert_int_equal(rows[0]->has_port, 0);
    assert_int_equal(rows[0]->transport, DCCP);
    assert_int_equal(rows[0]->service_code, 1885957735u);
}

static void test_name_lookup_is_case_insensitive(void **state)
{
    (void)state;
    const ps_reg_entry *a[8], *b[8];
    assert_int_equal(registry_find_name(file_reg, "http", a, 8), 3);
    assert_int_equal(registry_find_name(file_reg, "HTTP", b, 8), 3);
    for (int i = 0; i < 3; i++)
        assert_ptr_equal(a[i], b[i]);
    assert_int_equal(a[0]->transport, TCP);
    assert_int_equal(a[1]->transport, UDP);
    assert_int_equal(a[2]->transport, SCTP);
    assert_int_equal(registry_find_name(file_reg, "X11", a, 8), 2);
    assert_int_equal(registry_find_name(file_reg, "no-such-service", a, 8), 0);
}

/* Rows of the registry page the project started from. */
static void test_seed_rows(void **state)
{
    (void)state;
    const ps_reg_entry *rows[8];
    assert_string_equal(name_at(file_reg, TCP, 2167, PS_REG_NAMED), "raw-serial");
    assert_string_equal(name_at(file_reg, UDP, 2167, PS_REG_NAMED), "raw-serial");

    assert_string_equal(name_at(file_reg, TCP, 2916, PS_REG_NAMED), "elvin-server");
    assert_int_equal(registry_port_entries(file_reg, UDP, 2916, rows, 8), 2);
    assert_string_equal(rows[1]->name, "elvin_server");
    assert_string_equal(rows[1]->alias_of, "elvin-server");

    assert_string_equal(name_at(file_reg, UDP, 3016, PS_REG_NAMED), "notify-srvr");
    assert_int_equal(registry_find_name(file_reg, "notify_srvr", rows, 8), 2);
    assert_string_equal(rows[0]->alias_of, "notify-srvr");

    assert_string_equal(name_at(file_reg, SCTP, 3565, PS_REG_NAMED), "m2pa");
    assert_null(name_at(file_reg, UDP, 3565, PS_REG_RESERVED));

    assert_string_equal(name_at(file_reg, TCP, 4169, PS_REG_NAMED), "iadt");
    assert_string_equal(name_at(file_reg, UDP, 4169, PS_REG_NAMED), "iadt-disc");
    assert_string_equal(name_at(file_reg, DCCP, 4556, PS_REG_NAMED), "dtn-bundle");
}

static void test_source_date_and_counts(void **state)
{
    (void)state;
    assert_string_equal(registry_source(file_reg), PS_REGISTRY_CSV);
    assert_string_equal(registry_date(file_reg), "2026-08-17");
    assert_int_equal(registry_format(file_reg), PS_REG_FORMAT_IANA_CSV);
    assert_int_equal(registry_entry_count(file_reg), 14533);
    assert_null(registry_entry(file_reg, 14533));
    assert_null(registry_entry(file_reg, 0)->name);
    assert_string_equal(registry_source(builtin_reg),
                        "built-in (service-names-port-numbers.csv)");
    assert_string_equal(registry_date(builtin_reg), "2026-08-17");
    assert_int_equal(registry_format(builtin_reg), PS_REG_FORMAT_IANA_CSV);
}

/* ---- the built-in copy ------------------------------------------------ */

static void assert_same_string(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void test_builtin_rows_match_file(void **state)
{
    (void)state;
    size_t n = registry_entry_count(file_reg);
    assert_int_equal(registry_entry_count(builtin_reg), n);
    for (size_t i = 0; i < n; i++) {
        const ps_reg_entry *a = registry_entry(file_reg, i), *b = registry_entry(builtin_reg, i);
        assert_same_string(a->name, b->name);
        assert_same_string(a->description, b->description);
        assert_same_string(a->alias_of, b->alias_of);
        assert_same_string(a->reference, b->reference);
        assert_int_equal(a->port_lo, b->port_lo);
        assert_int_equal(a->port_hi, b->port_hi);
        assert_int_equal(a->transport, b->transport);
        assert_int_equal(a->status, b->status);
        assert_int_equal(a->has_port, b->has_port);
        assert_int_equal(a->has_service_code, b->has_service_code);
        assert_int_equal(a->service_code, b->service_code);
    }
}

static long row_index(const ps_registry *reg, const ps_reg_entry *e)
{
    return e ? (long)(e - registry_entry(reg, 0)) : -1;
}

static void test_builtin_answers_match_file(void **state)
{
    (void)state;
    for (int t = TCP; t <= DCCP; t++) {
        for (long p = 0; p <= 65535; p += 7) {
            ps_reg_status sa, sb;
            const ps_reg_entry *a = registry_find_port(file_reg, t, (uint16_t)p, &sa);
            const ps_reg_entry *b = registry_find_port(builtin_reg, t, (uint16_t)p, &sb);
            assert_int_equal(sa, sb);
            assert_int_equal(row_index(file_reg, a), row_index(builtin_reg, b));
        }
    }
    assert_string_equal(name_at(builtin_reg, TCP, 80, PS_REG_NAMED), "http");
    assert_string_equal(name_at(builtin_reg, TCP, 6031, PS_REG_NAMED), "x11");
    const ps_reg_entry *rows[4];
    assert_int_equal(registry_find_name(builtin_reg, "WHOIS++", rows, 4), 2);
    assert_string_equal(rows[0]->alias_of, "whoispp");
}

/* The built-in registry takes its derived tables from the build (generated
 * by ps-regcompile); loading the same CSV at run time works them out again:
 * they must be the same, element for element. */
static void test_builtin_tables_match_file(void **state)
{
    (void)state;
    ps_reg_tables a, b;
    registry_tables(file_reg, &a);
    registry_tables(builtin_reg, &b);
    const size_t slots = (size_t)PS_TRANSPORT_COUNT * 65536u;
    assert_non_null(a.port_best);
    assert_non_null(b.port_best);
    assert_ptr_not_equal(a.port_best, b.port_best);
    assert_memory_equal(a.port_best, b.port_best, slots * sizeof *a.port_best);
    assert_non_null(a.multi_named);
    assert_non_null(b.multi_named);
    assert_memory_equal(a.multi_named, b.multi_named, slots / 64 * sizeof *a.multi_named);
    /* The 2026-08-17 registry: ports with other services, and the named
     * rows carrying a DCCP Service Code. */
    assert_int_equal(a.nalso_at, b.nalso_at);
    assert_int_equal(a.nalso_rows, b.nalso_rows);
    assert_int_equal(a.nalso_at, 38);
    assert_int_equal(a.nalso_rows, 42);
    assert_memory_equal(a.also_at, b.also_at, a.nalso_at * sizeof *a.also_at);
    assert_memory_equal(a.also_rows, b.also_rows, a.nalso_rows * sizeof *a.also_rows);
    assert_int_equal(a.ncodes, b.ncodes);
    assert_int_equal(a.ncodes, 4);
    assert_memory_equal(a.by_code, b.by_code, a.ncodes * sizeof *a.by_code);
}

/* The name and port hashes of the built-in registry are built by the first
 * lookup that needs them. Threads sharing a registry just loaded all ask at
 * once, and all get the whole answer. */
#define RACERS 4

typedef struct racer {
    const ps_registry *reg;
    pthread_barrier_t *start;
    size_t names, http_rows, port80_rows;
    const ps_reg_entry *http;
} racer;

static void *race_lookups(void *arg)
{
    racer *r = arg;
    pthread_barrier_wait(r->start);
    const ps_reg_entry *rows[8];
    r->http_rows = registry_find_name(r->reg, "HTTP", rows, 8);
    r->http = r->http_rows ? rows[0] : NULL;
    ps_reg_port_row prow[8];
    r->port80_rows = registry_port_rows(r->reg, TCP, 80, prow, 8);
    r->names = registry_name_count(r->reg);
    return NULL;
}

static void test_builtin_hashes_built_on_first_lookup(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        ps_registry *reg = registry_load_builtin();
        assert_non_null(reg);
        /* No lookup needs the hashes for a port's label. */
        assert_string_equal(name_at(reg, TCP, 443, PS_REG_NAMED), "https");
        pthread_barrier_t start;
        assert_int_equal(pthread_barrier_init(&start, NULL, RACERS), 0);
        racer r[RACERS];
        pthread_t th[RACERS];
        for (int i = 0; i < RACERS; i++) {
            r[i] = (racer){.reg = reg, .start = &start};
            assert_int_equal(pthread_create(&th[i], NULL, race_lookups, &r[i]), 0);
        }
        for (int i = 0; i < RACERS; i++)
            assert_int_equal(pthread_join(th[i], NULL), 0);
        pthread_barrier_destroy(&start);
        for (int i = 0; i < RACERS; i++) {
            assert_int_equal(r[i].names, registry_name_count(file_reg));
            assert_int_equal(r[i].names, 7327);
            assert_int_equal(r[i].http_rows, 3);   /* http on tcp, udp and sctp */
            assert_string_equal(r[i].http->name, "http");
            assert_int_equal(r[i].port80_rows, 3); /* http, www, www-http */
        }
        registry_free(reg);
    }
    /* A registry freed before any lookup built its hashes. */
    registry_free(registry_load_builtin());
}

/* registry_find_port answers from a table filled when the index is built;
 * registry_port_entries works its canonical row out from the covering rows
 * on each call. Asserts that the two agree on every port of every transport
 * and counts the answers by status. */
static void port_table_census(const ps_registry *reg, long by_status[PS_REG_UNASSIGNED + 1])
{
    for (int t = TCP; t <= DCCP; t++) {
        for (long p = 0; p <= 65535; p++) {
            ps_reg_status status;
            const ps_reg_entry *fast = registry_find_port(reg, t, (uint16_t)p, &status);
            const ps_reg_entry *rows[1];
            size_t n = registry_port_entries(reg, t, (uint16_t)p, rows, 1);
            assert_int_equal(row_index(reg, fast), n ? row_index(reg, rows[0]) : -1);
            assert_in_range(status, PS_REG_UNREGISTERED, PS_REG_UNASSIGNED);
            /* The other services, through the bitmap of ports with several
             * names, equal the roles worked out row by row. */
            ps_reg_port_row all[64];
            const ps_reg_entry *also[64];
            size_t nrows = registry_port_rows(reg, t, (uint16_t)p, all, 64);
            size_t nalso = registry_port_also(reg, t, (uint16_t)p, also, 64), k = 0;
            assert_int_equal(nrows, n);
            for (size_t i = 0; i < nrows && i < 64; i++)
                if (all[i].role == PS_REG_ROLE_ALSO && status == PS_REG_NAMED) {
                    assert_true(k < nalso);
                    assert_ptr_equal(all[i].entry, also[k]);
                    k++;
                }
            assert_int_equal(k, nalso);
            by_status[status]++;
        }
    }
}

static void test_port_table_matches_covering_rows(void **state)
{
    (void)state;
    long by_status[PS_REG_UNASSIGNED + 1] = {0};
    port_table_census(file_reg, by_status);
    long named = by_status[PS_REG_NAMED], unregistered = by_status[PS_REG_UNREGISTERED];
    /* The 2026-08-17 registry, over the four transports' 262,144 ports. */
    assert_int_equal(named, 12381);
    assert_int_equal(unregistered, 77881);
    /* The built-in registry's tables from the build against the rows as
     * its own hashes list them. */
    long builtin[PS_REG_UNASSIGNED + 1] = {0};
    port_table_census(builtin_reg, builtin);
    assert_memory_equal(builtin, by_status, sizeof builtin);
}

/* ---- malformed input -------------------------------------------------- */

#define GOOD_ROW "http,80,tcp,World Wide Web HTTP,,,,,[RFC9110],,,\n"

/* A registry built to overlap: named, alias, unnamed, Reserved and
 * Unassigned rows, ranges and single ports, per transport and for all four,
 * in scrambled order, spans up to max_span. Asserts that the port table
 * gives the row-by-row rule's answer on every port of every transport and
 * returns how many (transport, port) cells some row covers. */
static long check_scrambled_registry(unsigned max_span)
{
    static const char *const kinds[] = {"Desc", "Unassigned", "Reserved", "any private thing"};
    static const char *const transports[] = {"tcp", "udp", "sctp", "dccp", ""};
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "%s", HEADER);
    uint32_t x = 12345;
    for (int i = 0; i < 60; i++) {
        x = x * 1103515245u + 12345u;
        unsigned lo = (x >> 8) % 60000, span = (x >> 4) % 4 == 0 ? 0 : (x >> 12) % max_span;
        unsigned hi = lo + span > 65535 ? 65535 : lo + span;
        const char *tr = transports[i % 5];
        int kind = (int)((x >> 20) % 5);
        if (kind == 4 && i > 0)   /* an alias of the row before, on one port */
            len += (size_t)snprintf(text + len, cap - len,
                                    "a%d,%u,%s,Alias,,,,,,,,\"This entry is an alias to \"\"n%d\"\".\"\n",
                                    i, lo, tr, i - 1);
        else if (kind == 0 || kind == 4)   /* three descriptions: aliases and distinct services */
            len += (size_t)snprintf(text + len, cap - len, "n%d,%u-%u,%s,Desc%d,,,,,,,,\n", i, lo,
                                    hi, tr, i % 3);
        else
            len += (size_t)snprintf(text + len, cap - len, ",%u-%u,%s,%s,,,,,,,,\n", lo, hi, tr,
                                    kinds[kind]);
    }
    char err[256] = "";
    ps_registry *reg = registry_parse(text, len, "mem", err, sizeof err);
    assert_non_null(reg);
    long by_status[PS_REG_UNASSIGNED + 1] = {0};
    port_table_census(reg, by_status);
    long covered = 4 * 65536L - by_status[PS_REG_UNREGISTERED];
    registry_free(reg);
    free(text);
    return covered;
}

/* The port table against the row-by-row rule, with spans that add up to
 * less than the port space (rows painted directly) and to several times it
 * (given ports skipped). */
static void test_port_table_on_overlapping_rows(void **state)
{
    (void)state;
    /* Of 262,144 cells; 9,558 of the first registry's have several rows. */
    assert_int_equal(check_scrambled_registry(3000), 71848);
    assert_int_equal(check_scrambled_registry(60000), 224324);

    size_t cap = 64 * 1024, len;
    char *text = malloc(cap);
    char err[256] = "";
    ps_registry *reg;
    assert_non_null(text);
    /* 5,000 rows over every port: the table is still built in one pass per
     * transport, and the first of equals wins. */
    len = (size_t)snprintf(text, cap, "%s", HEADER);
    for (int i = 0; i < 5000; i++) {
        if (len + 64 > cap) {
            cap *= 2;
            text = realloc(text, cap);
            assert_non_null(text);
        }
        len += (size_t)snprintf(text + len, cap - len, "w%d,0-65535,,Wide,,,,,,,,\n", i);
    }
    reg = registry_parse(text, len, "mem", err, sizeof err);
    assert_non_null(reg);
    assert_string_equal(name_at(reg, SCTP, 4242, PS_REG_NAMED), "w0");
    assert_string_equal(name_at(reg, TCP, 0, PS_REG_NAMED), "w0");
    assert_string_equal(name_at(reg, DCCP, 65535, PS_REG_NAMED), "w0");
    registry_free(reg);
    free(text);
}

static void assert_parse_error(const char *text, const char *want)
{
    char err[256] = "";
    ps_registry *reg = registry_parse(text, strlen(text), "x.csv", err, sizeof err);
    assert_null(reg);
    assert_string_equal(err, want);
}

static void test_malformed_iana_rows(void **state)
{
    (void)state;
    assert_parse_error(HEADER GOOD_ROW "www,80,tcp,World Wide Web HTTP,,,,,,,\n",
                       "x.csv:3: row has 11 fields, expected 12");
    assert_parse_error(HEADER "http,7x,tcp,d,,,,,,,,\n",
                       "x.csv:2: port number '7x' is not a number");
    assert_parse_error(HEADER "http,70000,tcp,d,,,,,,,,\n",
                       "x.csv:2: port number 70000 is out of range (0-65535)");
    assert_parse_error(HEADER "http,6000-70000,tcp,d,,,,,,,,\n",
                       "x.csv:2: port number 70000 is out of range (0-65535)");
    assert_parse_error(HEADER "x,90-80,tcp,d,,,,,,,,\n", "x.csv:2: port range 90-80 runs backwards");
    assert_parse_error(HEADER "x,-80,tcp,d,,,,,,,,\n", "x.csv:2: port number '' is not a number");
    assert_parse_error(HEADER GOOD_ROW GOOD_ROW "x,80,xyz,d,,,,,,,,\n",
                       "x.csv:4: unknown transport protocol 'xyz'");
    assert_parse_error(HEADER ",,tcp,d,,,,,,,,\n",
                       "x.csv:2: row has neither a service name nor a port number");
    assert_parse_error(HEADER "x,9,dccp,d,,,,,,12ab,,\n",
                       "x.csv:2: service code '12ab' is not a 32-bit number");
    assert_parse_error(HEADER "x,9,dccp,d,,,,,,4294967296,,\n",
                       "x.csv:2: service code '4294967296' is not a 32-bit number");
}

static void test_malformed_iana_structure(void **state)
{
    (void)state;
    /* The record opens on line 3 and its quote never closes. */
    assert_parse_error(HEADER GOOD_ROW "x,81,tcp,\"open,,,,,,,,\nmore\n",
                       "x.csv:3: unterminated quoted field");
    assert_parse_error(HEADER "x,81,tcp,a\"b,,,,,,,,\n", "x.csv:2: quote inside an unquoted field");
    assert_parse_error("Service Name,Port Number,Proto,Description,Assignee,Contact,"
                       "Registration Date,Modification Date,Reference,Service Code,"
                       "Unauthorized Use Reported,Assignment Notes\n",
                       "x.csv:1: column 3 is 'Proto', expected 'Transport Protocol'");
    assert_parse_error("Service Name,Port Number\n", "x.csv:1: header has 2 columns, expected 12");
}

static void test_missing_file(void **state)
{
    (void)state;
    char err[256];
    assert_null(registry_load_file("/nonexistent/registry.csv", err, sizeof err));
    assert_string_equal(err, "/nonexistent/registry.csv: No such file or directory");
}

static void test_minimal_iana_text(void **state)
{
    (void)state;
    static const char text[] =
        "\xEF\xBB\xBF" HEADER GOOD_ROW
        "www,80,tcp,World Wide Web HTTP,,,,,[RFC9110],,,\r\n"
        "old_www,80,tcp,Old,,,,,,,,\"This entry is an alias to \"\"www\"\".\nHistoric.\"\n"
        ",81-83,,Unassigned,,,,,,,,\n"
        ",82,udp,De-registered,,,,,,,,\n"
        ",84,tcp,Reserved - IANA,,,,,,,,\n"
        ",85,tcp,any private thing,,,,,,,,\n";
    char err[256] = "";
    ps_registry *reg = registry_parse(text, sizeof text - 1, "mem", err, sizeof err);
    assert_non_null(reg);
    assert_int_equal(registry_entry_count(reg), 7);
    assert_null(registry_date(reg));
    assert_string_equal(registry_source(reg), "mem");
    const ps_reg_entry *rows[8];
    assert_int_equal(registry_port_entries(reg, TCP, 80, rows, 8), 3);
    assert_string_equal(rows[2]->alias_of, "www");
    assert_string_equal(rows[1]->reference, "[RFC9110]");
    assert_null(name_at(reg, DCCP, 83, PS_REG_UNASSIGNED));
    assert_null(name_at(reg, UDP, 82, PS_REG_UNASSIGNED));
    assert_int_equal(registry_port_entries(reg, UDP, 82, rows, 8), 2);
    assert_null(name_at(reg, TCP, 84, PS_REG_RESERVED));
    assert_null(name_at(reg, TCP, 85, PS_REG_UNNAMED));
    name_at(reg, TCP, 86, PS_REG_UNREGISTERED);
    registry_free(reg);
}

/* A single-port name inside a block of Unassigned ports labels its port,
 * a single port beats a range that comes first, and an alias row that comes
 * first does not displace the name it is an alias of. */
static void test_single_port_beats_covering_block(void **state)
{
    (void)state;
    static const char text[] = HEADER ",100-200,,Unassigned,,,,,,,,\n"
                                      "wide,140-160,tcp,Wide,,,,,,,,\n"
                                      "late,150,tcp,Late,,,,,,,,\n"
                                      "old,150,udp,Old,,,,,,,,\"This entry is an alias to \"\"new\"\".\"\n"
                                      "new,150,udp,New,,,,,,,,\n";
    char err[256] = "";
    ps_registry *reg = registry_parse(text, sizeof text - 1, "mem", err, sizeof err);
    assert_non_null(reg);
    assert_string_equal(name_at(reg, TCP, 150, PS_REG_NAMED), "late");
    assert_string_equal(name_at(reg, TCP, 151, PS_REG_NAMED), "wide");
    assert_string_equal(name_at(reg, TCP, 140, PS_REG_NAMED), "wide");
    assert_null(name_at(reg, TCP, 139, PS_REG_UNASSIGNED));
    assert_null(name_at(reg, TCP, 170, PS_REG_UNASSIGNED));
    assert_null(name_at(reg, UDP, 151, PS_REG_UNASSIGNED));
    assert_string_equal(name_at(reg, UDP, 150, PS_REG_NAMED), "new");
    const ps_reg_entry *rows[8];
    assert_int_equal(registry_port_entries(reg, TCP, 150, rows, 8), 3);
    assert_string_equal(rows[0]->name, "late");
    assert_null(rows[1]->name);
    assert_string_equal(rows[2]->name, "wide");
    assert_int_equal(registry_port_entries(reg, UDP, 150, rows, 8), 3);
    assert_string_equal(rows[0]->name, "new");
    assert_null(rows[1]->name);
    assert_string_equal(rows[2]->name, "old");
    name_at(reg, TCP, 201, PS_REG_UNREGISTERED);
    name_at(reg, TCP, 99, PS_REG_UNREGISTERED);
    registry_free(reg);
}

/* Rows out of port order still gather on their port. */
static void test_rows_out_of_port_order(void **state)
{
    (void)state;
    static const char text[] = HEADER "a,10,tcp,A,,,,,,,,\n"
                                      "b,20,tcp,B,,,,,,,,\n"
                                      "c,10,tcp,C,,,,,,,,\n"
                                      "d,20,tcp,D,,,,,,,,\n"
                                      "e,5,tcp,E,,,,,,,,\n";
    char err[256] = "";
    ps_registry *reg = registry_parse(text, sizeof text - 1, "mem", err, sizeof err);
    assert_non_null(reg);
    const ps_reg_entry *rows[8];
    assert_int_equal(registry_port_entries(reg, TCP, 10, rows, 8), 2);
    assert_string_equal(rows[0]->name, "a");
    assert_string_equal(rows[1]->name, "c");
    assert_int_equal(registry_port_entries(reg, TCP, 20, rows, 8), 2);
    assert_string_equal(rows[1]->name, "d");
    assert_string_equal(name_at(reg, TCP, 5, PS_REG_NAMED), "e");
    registry_free(reg);
}

/* ---- services(5) ------------------------------------------------------ */

static void test_services_format(void **state)
{
    (void)state;
    static const char text[] = "# Network services, Internet style\n"
                               "\n"
                               "tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\n"
                               "http\t\t80/tcp\t\twww webserver\t# WorldWideWeb HTTP\n"
                               "rtmp\t\t1/ddp\t\t\t# Routing Table Maintenance Protocol\n"
                               "m2pa 3565/sctp\r\n"
                               "https\t\t443/udp\n";
    char err[256] = "";
    ps_registry *reg = registry_parse(text, sizeof text - 1, "svc", err, sizeof err);
    assert_non_null(reg);
    assert_int_equal(registry_format(reg), PS_REG_FORMAT_SERVICES);
    assert_null(registry_date(reg));
    assert_int_equal(registry_entry_count(reg), 6);
    const ps_reg_entry *rows[8];
    assert_int_equal(registry_port_entries(reg, TCP, 80, rows, 8), 3);
    assert_string_equal(rows[0]->name, "http");
    assert_null(rows[0]->alias_of);
    assert_string_equal(rows[0]->description, "WorldWideWeb HTTP");
    assert_string_equal(rows[1]->name, "www");
    assert_string_equal(rows[1]->alias_of, "http");
    assert_string_equal(rows[2]->name, "webserver");
    assert_string_equal(rows[2]->alias_of, "http");
    assert_string_equal(name_at(reg, TCP, 1, PS_REG_NAMED), "tcpmux");
    assert_string_equal(name_at(reg, SCTP, 3565, PS_REG_NAMED), "m2pa");
    assert_string_equal(name_at(reg, UDP, 443, PS_REG_NAMED), "https");
    name_at(reg, UDP, 80, PS_REG_UNREGISTERED);
    assert_int_equal(registry_find_name(reg, "rtmp", rows, 8), 0);
    assert_int_equal(registry_find_name(reg, "WWW", rows, 8), 1);
    registry_free(reg);
}

static void assert_services_error(const char *text, const char *want)
{
    char err[256] = "";
    assert_null(registry_parse(text, strlen(text), "svc", err, sizeof err));
    assert_string_equal(err, want);
}

static void test_services_errors(void **state)
{
    (void)state;
    assert_services_error("http 80/tcp\nlonely\n", "svc:2: missing PORT/PROTOCOL after 'lonely'");
    assert_services_error("http 80\n", "svc:1: expected PORT/PROTOCOL, found '80'");
    assert_services_error("# c\nhttp abc/tcp\n", "svc:2: port number 'abc' is not a number");
    assert_services_error("http 65536/udp\n", "svc:1: port number 65536 is out of range (0-65535)");
}

static void test_etc_services(void **state)
{
    (void)state;
    if (access("/etc/services", R_OK) != 0)
        skip();
    char err[256] = "";
    ps_registry *reg = registry_load_file("/etc/services", err, sizeof err);
    assert_non_null(reg);
    assert_int_equal(registry_format(reg), PS_REG_FORMAT_SERVICES);
    assert_null(registry_date(reg));
    assert_string_equal(name_at(reg, TCP, 22, PS_REG_NAMED), "ssh");
    assert_string_equal(name_at(reg, UDP, 53, PS_REG_NAMED), "domain");
    assert_true(registry_entry_count(reg) > 100);
    registry_free(reg);
}

/* ---- the registry's date ---------------------------------------------- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static ps_registry *load_dated(const char *csv, char *err, size_t errlen)
{
    err[0] = '\0';
    return registry_load_file(csv, err, errlen);
}

static void test_date_from_sibling_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/ps-registry-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char csv[128], xml[128], date[128], expected[256], err[256];
    snprintf(csv, sizeof csv, "%s/reg.csv", dir);
    snprintf(xml, sizeof xml, "%s/reg.xml", dir);
    snprintf(date, sizeof date, "%s/reg.date", dir);
    write_text(csv, HEADER "http,80,tcp,World Wide Web HTTP,,,2001-02-03,2024-12-20,[RFC9110],,,\n"
                           "ssh,22,tcp,The Secure Shell,,,2025-01-31,,[RFC4251],,,\n");

    ps_registry *reg = load_dated(csv, err, sizeof err);
    assert_non_null(reg);
    assert_null(registry_date(reg));
    assert_string_equal(registry_newest_row_date(reg), "2025-01-31");
    registry_free(reg);

    /* IANA's XML: the registry's own <updated>, not a record's. */
    write_text(xml, "<?xml version='1.0'?>\n<registry>\n  <updated>2031-02-03</updated>\n"
                    "  <record><updated>1999-01-01</updated></record>\n</registry>\n");
    reg = load_dated(csv, err, sizeof err);
    assert_non_null(reg);
    assert_string_equal(registry_date(reg), "2031-02-03");
    registry_free(reg);

    write_text(xml, "<registry><updated>soon</updated></registry>\n");
    reg = load_dated(csv, err, sizeof err);
    assert_null(registry_date(reg));
    registry_free(reg);
    write_text(xml, "<registry><updated>2031-02-30</updated></registry>\n");
    reg = load_dated(csv, err, sizeof err);
    assert_null(registry_date(reg));
    registry_free(reg);

    /* NAME.date wins over the XML; with or without its line break. */
    write_text(xml, "<registry><updated>2031-02-03</updated></registry>\n");
    write_text(date, "2026-08-17\n");
    reg = load_dated(csv, err, sizeof err);
    assert_string_equal(registry_date(reg), "2026-08-17");
    registry_free(reg);
    write_text(date, "2024-02-29");
    reg = load_dated(csv, err, sizeof err);
    assert_string_equal(registry_date(reg), "2024-02-29");
    registry_free(reg);

    /* A date file that holds anything else refuses the registry. */
    static const char *const bad[] = {"", "\n", "2026-8-17\n", "2026-08-17\n\n",
                                      "2026-08-17 \n", "2025-02-29\n", "2026-13-01\n",
                                      "2026-08-17\nextra\n", "17/08/2026\n"};
    snprintf(expected, sizeof expected,
             "%s: expected one line with the registry's date (YYYY-MM-DD)", date);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(date, bad[i]);
        assert_null(load_dated(csv, err, sizeof err));
        assert_string_equal(err, expected);
    }
    remove(date);
    remove(xml);
    remove(csv);
    rmdir(dir);
}

static void test_date_arithmetic(void **state)
{
    (void)state;
    int64_t day, age;
    assert_true(registry_date_day("1970-01-01", &day));
    assert_int_equal(day, 0);
    assert_true(registry_date_day("2026-08-17", &day));
    assert_int_equal(day, 20682);   /* 1786924800 s */
    assert_true(registry_date_day("2000-02-29", &day));
    assert_int_equal(day, 11016);
    assert_true(registry_date_day("1969-12-31", &day));
    assert_int_equal(day, -1);
    assert_false(registry_date_day("1900-02-29", &day));
    assert_false(registry_date_day("2026-04-31", &day));
    assert_false(registry_date_day("2026-00-10", &day));
    assert_false(registry_date_day("2026-08-17x", &day));
    assert_false(registry_date_day("2026-08-1", &day));

    /* 2026-08-17 00:00:00 UTC is 1786924800. */
    assert_true(registry_date_age("2026-08-17", 1786924800, &age));
    assert_int_equal(age, 0);
    assert_true(registry_date_age("2026-08-17", 1786924800 + 86399, &age));
    assert_int_equal(age, 0);
    assert_true(registry_date_age("2026-08-17", 1786924800 + 86400, &age));
    assert_int_equal(age, 1);
    assert_true(registry_date_age("2026-08-17", 1786924800 + 106 * 86400 + 79228, &age));
    assert_int_equal(age, 106);
    assert_true(registry_date_age("2026-08-17", 1786924800 - 1, &age));
    assert_int_equal(age, -1);
    assert_true(registry_date_age("2026-08-17", 1786924800 - 86400, &age));
    assert_int_equal(age, -1);
    assert_true(registry_date_age("2026-08-17", 1786924800 - 86401, &age));
    assert_int_equal(age, -2);
    assert_false(registry_date_age(NULL, 1786924800, &age));
    assert_false(registry_date_age("unknown", 1786924800, &age));
}

/* ---- the caveat -------------------------------------------------------- */

static void test_caveat_box_is_iana_text(void **state)
{
    (void)state;
    size_t len = strlen(registry_caveat_box);
    assert_int_equal(len, 12 * 73);
    for (size_t line = 0; line < 12; line++) {
        const char *l = registry_caveat_box + line * 73;
        assert_int_equal(l[0], '*');
        assert_int_equal(l[71], '*');
        assert_int_equal(l[72], '\n');
    }
    /* The box as the XML rendering of the registry prints it. */
    char xml[1024];
    snprintf(xml, sizeof xml, "%s", PS_REGISTRY_CSV);
    strcpy(xml + strlen(xml) - 4, ".xml");
    FILE *f = fopen(xml, "r");
    if (!f)
        skip();
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_non_null(strstr(text, registry_caveat_box));
}

static void test_caveat_text_is_the_box_unwrapped(void **state)
{
    (void)state;
    char words[1024] = "";
    const char *p = registry_caveat_box;
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *s = p + 1, *e = eol - 1;   /* inside the asterisks */
        while (s < e && (*s == ' ' || *s == '*'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '*'))
            e--;
        if (e > s) {
            if (words[0])
                strcat(words, " ");
            strncat(words, s, (size_t)(e - s));
        }
        p = eol + 1;
    }
    assert_string_equal(registry_caveat_text, words);
    assert_int_equal(strncmp(registry_caveat_text, "PLEASE NOTE THE FOLLOWING: ASSIGNMENT", 37), 0);
}

/* ---- printing ----------------------------------------------------------- */

typedef struct capture {
    char *out, *err;
    size_t out_len, err_len;
    int rc;
} capture;

static capture lookup(const ps_registry *reg, const char *query)
{
    capture c = {0};
    FILE *out = open_memstream(&c.out, &c.out_len);
    FILE *err = open_memstream(&c.err, &c.err_len);
    assert_non_null(out);
    assert_non_null(err);
    c.rc = registry_print_lookup(reg, query, out, err);
    fclose(out);
    fclose(err);
    return c;
}

static void release(capture *c)
{
    free(c->out);
    free(c->err);
}

static void test_lookup_port_and_transport(void **state)
{
    (void)state;
    capture c = lookup(file_reg, "443/tcp");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out, "443/tcp          service       https             "
                               "\"http protocol over TLS/SSL\"  [RFC9110]\n");
    assert_string_equal(c.err, "");
    release(&c);

    c = lookup(file_reg, "80/TCP");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out,
        "80/tcp           service       http              \"World Wide Web HTTP\"  [RFC9110]\n"
        "80/tcp           alias         www               \"World Wide Web HTTP\"  [RFC9110]  alias-of=http\n"
        "80/tcp           alias         www-http          \"World Wide Web HTTP\"  alias-of=http\n");
    release(&c);

    /* Label order: nfs, described, before shilp, listed first without a
     * description; shilp is another service, not an alias. */
    c = lookup(file_reg, "2049/udp");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out,
        "2049/udp         service       nfs               \"Network File System - Sun Microsystems\"\n"
        "2049/udp         also          shilp             \"\"\n");
    release(&c);

    c = lookup(builtin_reg, "4556/dccp");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out, "4556/dccp        service       dtn-bundle        "
                               "\"DTN Bundle DCCP CL Protocol\"  [RFC7122]  service-code=1685351985\n");
    release(&c);
}

static void test_lookup_statuses(void **state)
{
    (void)state;
    capture c = lookup(file_reg, "24/tcp");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out, "24/tcp           unnamed       -                 "
                               "\"any private mail system\"\n");
    release(&c);

    c = lookup(file_reg, "275/sctp");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out, "272-279/any      unassigned    -                 \"Unassigned\"\n");
    release(&c);

    c = lookup(file_reg, "50000/udp");
    assert_int_equal(c.rc, 1);
    assert_string_equal(c.out, "50000/udp        unregistered  -                 "
                               "\"no registry row covers this port\"\n");
    release(&c);
}

static void test_lookup_every_transport(void **state)
{
    (void)state;
    capture c = lookup(file_reg, "4316");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out,
        "4316/tcp         service       choiceview-clt    \"ChoiceView Client\"\n"
        "4316/udp         reserved      -                 \"Reserved\"\n"
        "4316/sctp        unregistered  -                 \"no registry row covers this port\"\n"
        "4316/dccp        unregistered  -                 \"no registry row covers this port\"\n");
    release(&c);

    c = lookup(file_reg, "65000");
    assert_int_equal(c.rc, 1);
    release(&c);
}

static void test_lookup_by_name(void **state)
{
    (void)state;
    capture c = lookup(file_reg, "x11");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out,
        "6000-6063/tcp    service       x11               \"X Window System\"\n"
        "6000-6063/udp    service       x11               \"X Window System\"\n");
    release(&c);

    c = lookup(file_reg, "Whois++");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.out,
        "63/tcp           alias         whois++           \"whois++\"  alias-of=whoispp\n"
        "63/udp           alias         whois++           \"whois++\"  alias-of=whoispp\n");
    release(&c);

    c = lookup(file_reg, "www");
    assert_string_equal(c.out,
        "80/tcp           alias         www               \"World Wide Web HTTP\"  [RFC9110]  alias-of=http\n"
        "80/udp           alias         www               \"World Wide Web HTTP\"  [RFC9110]  alias-of=http\n");
    release(&c);

    c = lookup(file_reg, "shilp");
    assert_string_equal(c.out,
        "2049/tcp         also          shilp             \"\"\n"
        "2049/udp         also          shilp             \"\"\n");
    release(&c);

    c = lookup(file_reg, "dccp-ping");
    assert_string_equal(c.out, "-/dccp           service       dccp-ping         "
                               "\"ping/traceroute using DCCP\"  service-code=1885957735\n");
    release(&c);
}

static void test_lookup_failures(void **state)
{
    (void)state;
    capture c = lookup(file_reg, "no-such-service");
    assert_int_equal(c.rc, 1);
    assert_string_equal(c.out, "");
    assert_string_equal(c.err, "portsniff: no service named 'no-such-service' in " PS_REGISTRY_CSV "\n");
    release(&c);

    c = lookup(file_reg, "99999/tcp");
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "portsniff: bad lookup '99999/tcp': port must be a number from 0 to 65535\n");
    release(&c);

    c = lookup(file_reg, "80/foo");
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.err, "portsniff: bad lookup '80/foo': transport must be tcp, udp, sctp or dccp\n");
    release(&c);

    c = lookup(file_reg, "/tcp");
    assert_int_equal(c.rc, 2);
    release(&c);

    c = lookup(file_reg, "");
    assert_int_equal(c.rc, 2);
    assert_string_equal(c.out, "");
    release(&c);
}

static void test_print_info(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    registry_print_info(builtin_reg, 1796162428, out);   /* 2026-12-01T22:00:28Z */
    fclose(out);
    assert_non_null(strstr(text, "source:         built-in (service-names-port-numbers.csv)\n"));
    assert_non_null(strstr(text, "date:           2026-08-17\nage:            106 days on 2026-12-01\n"));
    assert_non_null(strstr(text, "rows:           14533\n"));
    assert_non_null(strstr(text, "alias rows:     184\n"));
    assert_non_null(strstr(text, "name-only rows: 1070\n"));
    assert_non_null(strstr(text, "  tcp      6606   6374        7       207          18"));
    free(text);

    char err[256];
    static const char svc[] = "http 80/tcp www\n";
    ps_registry *reg = registry_parse(svc, sizeof svc - 1, "svc", err, sizeof err);
    out = open_memstream(&text, &len);
    registry_print_info(reg, 1796162428, out);
    fclose(out);
    assert_non_null(strstr(text, "format:         services(5)\ndate:           unknown\n"
                                 "age:            unknown\nrows:           2\n"));
    assert_non_null(strstr(text, "  tcp         2      2        0         0           0"
                                 "            1              1\n"));
    free(text);
    registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_known_ports),
        cmocka_unit_test(test_port_80_names_in_order),
        cmocka_unit_test(test_first_named_row_wins),
        cmocka_unit_test(test_dccp_service_code),
        cmocka_unit_test(test_named_entry_with_description_wins),
        cmocka_unit_test(test_naming_rule_corners),
        cmocka_unit_test(test_services_file_naming),
        cmocka_unit_test(test_service_code_lookup),
        cmocka_unit_test(test_x11_range),
        cmocka_unit_test(test_alias_rows),
        cmocka_unit_test(test_unnamed_reserved_unassigned),
        cmocka_unit_test(test_dynamic_ports_and_gaps_are_unregistered),
        cmocka_unit_test(test_rows_without_transport_cover_all),
        cmocka_unit_test(test_name_only_rows),
        cmocka_unit_test(test_name_lookup_is_case_insensitive),
        cmocka_unit_test(test_seed_rows),
        cmocka_unit_test(test_source_date_and_counts),
        cmocka_unit_test(test_builtin_rows_match_file),
        cmocka_unit_test(test_builtin_answers_match_file),
        cmocka_unit_test(test_builtin_tables_match_file),
        cmocka_unit_test(test_builtin_hashes_built_on_first_lookup),
        cmocka_unit_test(test_port_table_matches_covering_rows),
        cmocka_unit_test(test_port_table_on_overlapping_rows),
        cmocka_unit_test(test_malformed_iana_rows),
        cmocka_unit_test(test_malformed_iana_structure),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_minimal_iana_text),
        cmocka_unit_test(test_single_port_beats_covering_block),
        cmocka_unit_test(test_rows_out_of_port_order),
        cmocka_unit_test(test_services_format),
        cmocka_unit_test(test_services_errors),
        cmocka_unit_test(test_etc_services),
        cmocka_unit_test(test_date_from_sibling_files),
        cmocka_unit_test(test_date_arithmetic),
        cmocka_unit_test(test_caveat_box_is_iana_text),
        cmocka_unit_test(test_caveat_text_is_the_box_unwrapped),
        cmocka_unit_test(test_lookup_port_and_transport),
        cmocka_unit_test(test_lookup_statuses),
        cmocka_unit_test(test_lookup_every_transport),
        cmocka_unit_test(test_lookup_by_name),
        cmocka_unit_test(test_lookup_failures),
        cmocka_unit_test(test_print_info),
    };
    return cmocka_run_group_tests(tests, load_both, free_both);
}
