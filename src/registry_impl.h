/* What registry.c shares with the built-in loader, the generated registry
 * data and the printing helpers; not part of the public interface. */
#ifndef PORTSNIFF_REGISTRY_IMPL_H
#define PORTSNIFF_REGISTRY_IMPL_H

#include <stddef.h>

#include "portsniff/registry.h"

/* Emitted by ps-regcompile into registry_data.c. */
extern const ps_reg_entry registry_builtin_rows[];
extern const size_t registry_builtin_row_count;
extern const char registry_builtin_source[];   /* basename of the file compiled in */
extern const char registry_builtin_date[];     /* "" when the build found no date */
extern const int registry_builtin_format;      /* ps_reg_format */

/* Wraps rows that outlive the registry (static data) and indexes them. */
ps_registry *registry_from_rows(const ps_reg_entry *rows, size_t count, const char *source,
                                const char *date, ps_reg_format format);


/* The registry's date for the IANA CSV at csv_path, from a file beside it
 * (the same path without .csv): NAME.date, one line "YYYY-MM-DD" (what
 * data/ ships), else the first <updated> element of NAME.xml (IANA's XML
 * rendering). 1 with date[11] set; 0 when neither gives a date; -1 with a
 * reason in err when NAME.date exists but does not hold one date. */
int registry_sibling_date(const char *csv_path, char date[11], char *err, size_t errlen);

#endif
