/* The IANA Service Name and Transport Protocol Port Number Registry,
 * indexed with uthash by (transport, port) and by service name. */
#ifndef PORTSNIFF_REGISTRY_H
#define PORTSNIFF_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the registry says about one (transport, port). */
typedef enum ps_reg_status {
    PS_REG_UNREGISTERED = 0,  /* no row covers the port */
    PS_REG_NAMED,             /* a row with a service name */
    PS_REG_UNNAMED,           /* assigned without a service name ("any private mail system") */
    PS_REG_RESERVED,          /* "Reserved" */
    PS_REG_UNASSIGNED,        /* "Unassigned", "De-registered", "Removed", ... */
    PS_REG_IP_PROTOCOL        /* not a port: an ICMP flow, labelled by its IP protocol */
} ps_reg_status;

/* One registry row (a port range expands to every port inside at lookup time). */
typedef struct ps_reg_entry {
    const char *name;         /* service name; NULL when the row has none */
    const char *description;  /* "" when empty */
    const char *alias_of;     /* canonical name for "This entry is an alias to ..." rows, else NULL */
    const char *reference;    /* "" when empty */
    uint16_t port_lo, port_hi;/* equal for a single port */
    uint8_t  transport;       /* ps_transport; NONE for rows without a transport */
    uint8_t  status;          /* ps_reg_status */
    uint8_t  has_port;        /* 0 for service-name-only rows */
    uint8_t  has_service_code;
    uint32_t service_code;    /* DCCP service code (RFC 5595) */
} ps_reg_entry;

typedef enum ps_reg_format { PS_REG_FORMAT_IANA_CSV, PS_REG_FORMAT_SERVICES } ps_reg_format;

typedef struct ps_registry ps_registry;

/* The registry compiled into the binary at build time. Never NULL. */
ps_registry *registry_load_builtin(void);
/* Read a file: IANA CSV or services(5) (detected from content). NULL with
 * "file:line: reason" in err on failure. */
ps_registry *registry_load_file(const char *path, char *err, size_t errlen);
/* Same as registry_load_file over a buffer; `source` names it in messages. */
ps_registry *registry_parse(const char *buf, size_t len, const char *source,
                            char *err, size_t errlen);
void registry_free(ps_registry *reg);

/* The label for (transport, port): the best row by kind (named, alias row,
 * unnamed, Reserved, Unassigned), then a single port before a range, then
 * for named rows a description and a reference before a description alone,
 * a reference alone, neither; then file order. NULL when no row covers the
 * port (unregistered). *status is always set. */
const ps_reg_entry *registry_find_port(const ps_registry *reg, int transport,
                                       uint16_t port, ps_reg_status *status);
/* All rows for (transport, port), the label's row first, then the others in
 * file order. Returns how many exist; stores at most max. */
size_t registry_port_entries(const ps_registry *reg, int transport, uint16_t port,
                             const ps_reg_entry **out, size_t max);

/* Several names on one port are either aliases (the same service: the
 * registry describes them alike, or one is an alias row of the other) or
 * distinct services that share the port. */
typedef enum ps_reg_role {
    PS_REG_ROLE_LABEL = 0,   /* the row the port is labelled with */
    PS_REG_ROLE_ALIAS,       /* another name of a service listed before it */
    PS_REG_ROLE_ALSO,        /* a distinct service registered for the same port */
    PS_REG_ROLE_OTHER        /* unnamed, Reserved or Unassigned */
} ps_reg_role;

typedef struct ps_reg_port_row {
    const ps_reg_entry *entry;
    const ps_reg_entry *service;   /* the first row of its service (itself unless an alias) */
    ps_reg_role role;
} ps_reg_port_row;

/* All rows for (transport, port) in label order (the rank rule of
 * registry_find_port, then file order), each with its role. Returns how
 * many exist; stores at most max. */
size_t registry_port_rows(const ps_registry *reg, int transport, uint16_t port,
                          ps_reg_port_row *out, size_t max);
/* The other services registered for (transport, port) when it is labelled
 * with a name: the first row of each, in label order, aliases left out.
 * Returns how many exist; stores at most max. One bit test for the ports
 * that a single name covers. */
size_t registry_port_also(const ps_registry *reg, int transport, uint16_t port,
                          const ps_reg_entry **out, size_t max);
/* The named row registering a DCCP Service Code (RFC 5595), the best in
 * label order when several do; NULL when none. */
const ps_reg_entry *registry_find_service_code(const ps_registry *reg, uint32_t code);
/* All rows for a service name (case-insensitive), in file order. */
size_t registry_find_name(const ps_registry *reg, const char *name,
                          const ps_reg_entry **out, size_t max);
/* The distinct service names, lower-cased, i from 0 to registry_name_count. */
size_t registry_name_count(const ps_registry *reg);
const char *registry_name_at(const ps_registry *reg, size_t i);

/* Where the data came from. */
const char *registry_source(const ps_registry *reg);   /* path, or "built-in (<path at build>)" */
const char *registry_date(const ps_registry *reg);     /* "2026-08-17" or NULL when unknown */
/* The latest Registration or Modification Date among an IANA CSV's rows
 * (NULL for services(5) files and the built-in registry, which keeps no row dates). */
const char *registry_newest_row_date(const ps_registry *reg);
ps_reg_format registry_format(const ps_registry *reg);
size_t registry_entry_count(const ps_registry *reg);
const ps_reg_entry *registry_entry(const ps_registry *reg, size_t i);

/* Days from 1970-01-01 to a "YYYY-MM-DD" calendar date (negative before it):
 * 1 with *day set, 0 when the text is not such a date. */
int registry_date_day(const char *date, int64_t *day);
/* The age in whole days at `now` (Unix seconds) of something dated `date`,
 * counted from 00:00 UTC of that date and rounded down (negative when `now`
 * is earlier): 1 with *days set, 0 when date is NULL or not a date. */
int registry_date_age(const char *date, int64_t now, int64_t *days);

/* The caveat the registry prints, as its box of asterisks (72 columns). */
extern const char registry_caveat_box[];
/* The same text as one plain sentence block (for CSV/JSON). */
extern const char registry_caveat_text[];

/* Command-line helpers: print the answer to `--lookup QUERY` / `--registry-info`.
 * QUERY is "PORT/TRANSPORT", "PORT" (every transport) or a service name.
 * Return 0 when something was found, 1 when not, 2 on a malformed query.
 * `now` (Unix seconds) is when the registry's age is told. */
int registry_print_lookup(const ps_registry *reg, const char *query, FILE *out, FILE *err);
void registry_print_info(const ps_registry *reg, int64_t now, FILE *out);

#endif
