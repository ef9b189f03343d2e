/* What registry.c shares with the built-in loader, the generated registry
 * data and the printing helpers; not part of the public interface. */
#ifndef PORTSNIFF_REGISTRY_IMPL_H
#define PORTSNIFF_REGISTRY_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "portsniff/registry.h"

/* A port with several named services: its other services are
 * rows[first .. first + n) of the also rows. */
typedef struct also_slot {
    uint32_t slot;     /* transport * 65536 + port */
    uint32_t first;    /* index into also_rows */
    uint32_t n;
} also_slot;

/* A named row carrying a DCCP Service Code, with its label rank. */
typedef struct code_row {
    uint32_t code, rank, row;
} code_row;

/* The tables the registry derives from its rows for the per-flow lookups;
 * each NULL where the registry works the answer out per call instead (when
 * memory was short, or for registries unlike IANA's). */
typedef struct ps_reg_tables {
    /* The answer of registry_find_port for every (transport, port), in
     * PS_TRANSPORT_COUNT * 65536 entries: 0 when no row covers it, else the
     * label row's index + 1. */
    const uint32_t *port_best;
    /* Bit (transport, port) set when two or more named rows cover the
     * port, the only ports where services and aliases need telling apart;
     * once also_at is filled, only for ports with another service. NULL
     * with port_best. */
    const uint64_t *multi_named;
    /* For those ports, when at most ALSO_PRECOMPUTED of them: each port's
     * other services, found by also_at[] (sorted by slot) in also_rows[].
     * NULL otherwise (registries of wide overlapping ranges). */
    const also_slot *also_at;
    size_t nalso_at;
    const uint32_t *also_rows;
    size_t nalso_rows;
    /* Named rows carrying a DCCP Service Code, sorted by (code, rank, file
     * order). */
    const code_row *by_code;
    size_t ncodes;
} ps_reg_tables;

/* Emitted by ps-regcompile into registry_data.c. */
extern const ps_reg_entry registry_builtin_rows[];
extern const size_t registry_builtin_row_count;
extern const char registry_builtin_source[];   /* basename of the file compiled in */
extern const char registry_builtin_date[];     /* "" when the build found no date */
extern const int registry_builtin_format;      /* ps_reg_format */
/* The built-in rows' derived tables, worked out at build time by the same
 * code (registry_tables), so that loading builds none of them. */
extern const ps_reg_tables registry_builtin_tables;

/* Wraps rows that outlive the registry (static data) and indexes them. */
ps_registry *registry_from_rows(const ps_reg_entry *rows, size_t count, const char *source,
                                const char *date, ps_reg_format format);
/* The same over rows whose derived tables were worked out before (by
 * registry_tables on a registry of the same rows). Nothing is built then:
 * the name and port hashes, which only lookups by name and listings of a
 * port's rows use, are built on the first such lookup, under a lock, so
 * threads may share the registry from the start. */
ps_registry *registry_from_rows_tables(const ps_reg_entry *rows, size_t count, const char *source,
                                       const char *date, ps_reg_format format,
                                       const ps_reg_tables *tables);
/* reg's derived tables, for ps-regcompile to write out; they stay reg's. */
void registry_tables(const ps_registry *reg, ps_reg_tables *out);


/* The registry's date for the IANA CSV at csv_path, from a file beside it
 * (the same path without .csv): NAME.date, one line "YYYY-MM-DD" (what
 * data/ ships), else the first <updated> element of NAME.xml (IANA's XML
 * rendering). 1 with date[11] set; 0 when neither gives a date; -1 with a
 * reason in err when NAME.date exists but does not hold one date. */
int registry_sibling_date(const char *csv_path, char date[11], char *err, size_t errlen);

#endif
