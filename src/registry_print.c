/* What the registry prints for --lookup and --registry-info, and the caveat
 * IANA attaches to it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portsniff/packet.h"
#include "portsniff/registry.h"
#include "registry_impl.h"

/* Verbatim from the registry's notes (service-names-port-numbers.xml). */
const char registry_caveat_box[] =
    "************************************************************************\n"
    "* PLEASE NOTE THE FOLLOWING:                                           *\n"
    "*                                                                      *\n"
    "* ASSIGNMENT OF A PORT NUMBER DOES NOT IN ANY WAY IMPLY AN             *\n"
    "* ENDORSEMENT OF AN APPLICATION OR PRODUCT, AND THE FACT THAT NETWORK  *\n"
    "* TRAFFIC IS FLOWING TO OR FROM A REGISTERED PORT DOES NOT MEAN THAT   *\n"
    "* IT IS \"GOOD\" TRAFFIC, NOR THAT IT NECESSARILY CORRESPONDS TO THE     *\n"
    "* ASSIGNED SERVICE. FIREWALL AND SYSTEM ADMINISTRATORS SHOULD          *\n"
    "* CHOOSE HOW TO CONFIGURE THEIR SYSTEMS BASED ON THEIR KNOWLEDGE OF    *\n"
    "* THE TRAFFIC IN QUESTION, NOT WHETHER THERE IS A PORT NUMBER          *\n"
    "* REGISTERED OR NOT.                                                   *\n"
    "************************************************************************\n";

const char registry_caveat_text[] =
    "PLEASE NOTE THE FOLLOWING: ASSIGNMENT OF A PORT NUMBER DOES NOT IN ANY WAY IMPLY AN "
    "ENDORSEMENT OF AN APPLICATION OR PRODUCT, AND THE FACT THAT NETWORK TRAFFIC IS FLOWING "
    "TO OR FROM A REGISTERED PORT DOES NOT MEAN THAT IT IS \"GOOD\" TRAFFIC, NOR THAT IT "
    "NECESSARILY CORRESPONDS TO THE ASSIGNED SERVICE. FIREWALL AND SYSTEM ADMINISTRATORS "
    "SHOULD CHOOSE HOW TO CONFIGURE THEIR SYSTEMS BASED ON THEIR KNOWLEDGE OF THE TRAFFIC "
    "IN QUESTION, NOT WHETHER THERE IS A PORT NUMBER REGISTERED OR NOT.";

#define MAX_ROWS 64

/* Lookup output: one line per registry row, columns separated by at least
 * two spaces so `grep`, `awk -F'  +'` and the eye all find them:
 *
 *   SPAN/TRANSPORT   KIND          NAME              "DESCRIPTION"  REFERENCE  EXTRAS
 *   443/tcp          service       https             "http protocol over TLS/SSL"  [RFC9110]
 *   80/tcp           alias         www               "World Wide Web HTTP"  [RFC9110]  alias-of=http
 *   2049/tcp         also          shilp             ""
 *   6000-6063/tcp    service       x11               "X Window System"
 *   272-279/any      unassigned    -                 "Unassigned"
 *   80/dccp          unregistered  -                 "no registry row covers this port"
 *
 * A port's rows come in label order: the row it is labelled with first.
 * SPAN is the row's own port or range ("-" for a name-only row); "any" marks
 * a row registered without a transport, which covers all four. KIND is
 * service (the name the port is labelled with), alias (another name of a
 * service listed before it: described alike, or an IANA alias row), also (a
 * distinct service registered for the same port), unnamed, reserved,
 * unassigned or unregistered. The description is printed as the registry
 * has it, inner quotes included, with line breaks turned into spaces.
 * EXTRAS are alias-of=NAME and service-code=N (DCCP, RFC 5595). */

static void put_flat(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s, out);
}

static const char *row_transport(const ps_reg_entry *e)
{
    return e->transport == PS_TRANSPORT_NONE ? "any" : ps_transport_name(e->transport);
}

static void format_span(const ps_reg_entry *e, char *buf, size_t len)
{
    if (!e->has_port)
        snprintf(buf, len, "-/%s", row_transport(e));
    else if (e->port_lo == e->port_hi)
        snprintf(buf, len, "%u/%s", e->port_lo, row_transport(e));
    else
        snprintf(buf, len, "%u-%u/%s", e->port_lo, e->port_hi, row_transport(e));
}

static const char *kind_of(const ps_reg_port_row *r)
{
    switch (r->entry->status) {
    case PS_REG_UNNAMED: return "unnamed";
    case PS_REG_RESERVED: return "reserved";
    case PS_REG_UNASSIGNED: return "unassigned";
    default: break;
    }
    switch (r->role) {
    case PS_REG_ROLE_LABEL: return r->entry->alias_of ? "alias" : "service";
    case PS_REG_ROLE_ALIAS: return "alias";
    case PS_REG_ROLE_ALSO: return "also";
    default: return "service";
    }
}

static void print_row(const ps_reg_port_row *r, FILE *out)
{
    const ps_reg_entry *e = r->entry;
    char span[32];
    format_span(e, span, sizeof span);
    fprintf(out, "%-16s %-13s %-17s \"", span, kind_of(r), e->name ? e->name : "-");
    put_flat(out, e->description);
    fputc('"', out);
    if (e->reference[0]) {
        fputs("  ", out);
        put_flat(out, e->reference);
    }
    if (e->alias_of)
        fprintf(out, "  alias-of=%s", e->alias_of);
    else if (r->role == PS_REG_ROLE_ALIAS && r->service->name)
        fprintf(out, "  alias-of=%s", r->service->name);
    if (e->has_service_code)
        fprintf(out, "  service-code=%lu", (unsigned long)e->service_code);
    fputc('\n', out);
}

/* A row's role on its own port; rows without a transport are judged on TCP,
 * which they always cover, ranges on their first port. */
static ps_reg_port_row role_of(const ps_registry *reg, const ps_reg_entry *e)
{
    ps_reg_port_row rows[MAX_ROWS];
    ps_reg_port_row self = {e, e, PS_REG_ROLE_LABEL};
    if (!e->has_port)
        return self;
    int t = e->transport == PS_TRANSPORT_NONE ? PS_TRANSPORT_TCP : e->transport;
    size_t n = registry_port_rows(reg, t, e->port_lo, rows, MAX_ROWS);
    for (size_t i = 0; i < n && i < MAX_ROWS; i++)
        if (rows[i].entry == e)
            return rows[i];
    return self;
}

static int print_port(const ps_registry *reg, int transport, uint16_t port, FILE *out)
{
    ps_reg_port_row rows[MAX_ROWS];
    size_t n = registry_port_rows(reg, transport, port, rows, MAX_ROWS);
    if (n > MAX_ROWS)
        n = MAX_ROWS;
    for (size_t i = 0; i < n; i++)
        print_row(&rows[i], out);
    if (n == 0) {
        char span[32];
        snprintf(span, sizeof span, "%u/%s", port, ps_transport_name(transport));
        fprintf(out, "%-16s %-13s %-17s \"no registry row covers this port\"\n", span,
                "unregistered", "-");
    }
    return n > 0;
}

static int print_name(const ps_registry *reg, const char *name, FILE *out, FILE *err)
{
    const ps_reg_entry *rows[MAX_ROWS];
    size_t n = registry_find_name(reg, name, rows, MAX_ROWS);
    if (n == 0) {
        fprintf(err, "portsniff: no service named '%s' in %s\n", name, registry_source(reg));
        return 1;
    }
    for (size_t i = 0; i < n && i < MAX_ROWS; i++) {
        ps_reg_port_row r = role_of(reg, rows[i]);
        print_row(&r, out);
    }
    return 0;
}

/* 0..65535, or -1. */
static long parse_port_text(const char *s, size_t len)
{
    if (len == 0 || len > 5)
        return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 65535 ? v : -1;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int registry_print_lookup(const ps_registry *reg, const char *query, FILE *out, FILE *err)
{
    const char *slash = strchr(query, '/');
    size_t port_len = slash ? (size_t)(slash - query) : strlen(query);
    if (!slash && !all_digits(query)) {
        if (!*query) {
            fprintf(err, "portsniff: empty lookup: expected PORT/TRANSPORT, PORT or a service name\n");
            return 2;
        }
        return print_name(reg, query, out, err);
    }
    long port = parse_port_text(query, port_len);
    if (port < 0) {
        fprintf(err, "portsniff: bad lookup '%s': port must be a number from 0 to 65535\n", query);
        return 2;
    }
    if (!slash) {
        int found = 0;
        for (int t = PS_TRANSPORT_TCP; t < PS_TRANSPORT_COUNT; t++)
            found |= print_port(reg, t, (uint16_t)port, out);
        return found ? 0 : 1;
    }
    int transport = ps_transport_from_name(slash + 1);
    if (transport == PS_TRANSPORT_NONE) {
        fprintf(err, "portsniff: bad lookup '%s': transport must be tcp, udp, sctp or dccp\n", query);
        return 2;
    }
    return print_port(reg, transport, (uint16_t)port, out) ? 0 : 1;
}

/* ---- --registry-info ---------------------------------------------------- */

typedef struct transport_tally {
    size_t rows, by_status[PS_REG_UNASSIGNED + 1];
    size_t ports_named, ports_covered;
} transport_tally;

static void tally_rows(const ps_registry *reg, transport_tally tally[PS_TRANSPORT_COUNT],
                       size_t *aliases, size_t *portless)
{
    for (size_t i = 0; i < registry_entry_count(reg); i++) {
        const ps_reg_entry *e = registry_entry(reg, i);
        transport_tally *t = &tally[e->transport < PS_TRANSPORT_COUNT ? e->transport : 0];
        t->rows++;
        t->by_status[e->status <= PS_REG_UNASSIGNED ? e->status : 0]++;
        *aliases += e->alias_of != NULL;
        *portless += !e->has_port;
    }
}

/* A named row outranks every other kind, so a port resolves to a name
 * exactly when some named row covers it: marking row spans on two bitmaps
 * counts what lookups would answer without asking 65536 times. */
static void tally_ports(const ps_registry *reg, transport_tally tally[PS_TRANSPORT_COUNT])
{
    static const size_t words = 65536 / 64;
    uint64_t *covered = calloc(2 * PS_TRANSPORT_COUNT * words, sizeof *covered);
    if (!covered)
        return;
    uint64_t *named = covered + PS_TRANSPORT_COUNT * words;
    for (size_t i = 0; i < registry_entry_count(reg); i++) {
        const ps_reg_entry *e = registry_entry(reg, i);
        for (int t = PS_TRANSPORT_TCP; e->has_port && t < PS_TRANSPORT_COUNT; t++) {
            if (e->transport != PS_TRANSPORT_NONE && e->transport != t)
                continue;
            for (unsigned p = e->port_lo; p <= e->port_hi; p++) {
                covered[t * words + p / 64] |= UINT64_C(1) << (p % 64);
                if (e->status == PS_REG_NAMED)
                    named[t * words + p / 64] |= UINT64_C(1) << (p % 64);
            }
        }
    }
    for (int t = PS_TRANSPORT_TCP; t < PS_TRANSPORT_COUNT; t++) {
        for (size_t w = 0; w < words; w++) {
            tally[t].ports_covered += (size_t)__builtin_popcountll(covered[t * words + w]);
            tally[t].ports_named += (size_t)__builtin_popcountll(named[t * words + w]);
        }
    }
    free(covered);
}

static void print_tally_row(FILE *out, const char *label, const transport_tally *t, int ports)
{
    fprintf(out, "  %-6s %6zu %6zu %8zu %9zu %11zu", label, t->rows, t->by_status[PS_REG_NAMED],
            t->by_status[PS_REG_UNNAMED], t->by_status[PS_REG_RESERVED],
            t->by_status[PS_REG_UNASSIGNED]);
    if (ports)
        fprintf(out, " %12zu %14zu", t->ports_named, t->ports_covered);
    fputc('\n', out);
}

void registry_print_info(const ps_registry *reg, int64_t now, FILE *out)
{
    transport_tally tally[PS_TRANSPORT_COUNT] = {{0}};
    size_t aliases = 0, portless = 0;
    tally_rows(reg, tally, &aliases, &portless);
    tally_ports(reg, tally);
    const char *date = registry_date(reg);
    fprintf(out, "source:         %s\n", registry_source(reg));
    fprintf(out, "format:         %s\n",
            registry_format(reg) == PS_REG_FORMAT_IANA_CSV ? "IANA CSV" : "services(5)");
    fprintf(out, "date:           %s\n", date ? date : "unknown");
    int64_t age;
    time_t when = (time_t)now;
    struct tm tm;
    char today[16];
    if (registry_date_age(date, now, &age) && gmtime_r(&when, &tm) &&
        strftime(today, sizeof today, "%Y-%m-%d", &tm)) {
        fprintf(out, "age:            %" PRId64 " days on %s\n", age, today);
    } else {
        fputs("age:            unknown\n", out);
    }
    fprintf(out, "rows:           %zu\n", registry_entry_count(reg));
    fprintf(out, "service names:  %zu\n", registry_name_count(reg));
    fprintf(out, "alias rows:     %zu\n", aliases);
    fprintf(out, "name-only rows: %zu\n", portless);
    fprintf(out, "  %-6s %6s %6s %8s %9s %11s %12s %14s\n", "proto", "rows", "named", "unnamed",
            "reserved", "unassigned", "ports-named", "ports-covered");
    for (int t = PS_TRANSPORT_TCP; t < PS_TRANSPORT_COUNT; t++)
        print_tally_row(out, ps_transport_name(t), &tally[t], 1);
    if (tally[PS_TRANSPORT_NONE].rows)
        print_tally_row(out, "any", &tally[PS_TRANSPORT_NONE], 0);
}
