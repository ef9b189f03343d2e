/* The registry compiled in at build time: the rows and the tables derived
 * from them are static data emitted by ps-regcompile, so loading builds
 * nothing; the name and port hashes are built by the first lookup that
 * needs them (registry_from_rows_tables). */
#include <stdio.h>
#include <stdlib.h>

#include "portsniff/registry.h"
#include "registry_impl.h"

ps_registry *registry_load_builtin(void)
{
    char source[256];
    /* The date is reported on its own (registry_date). */
    snprintf(source, sizeof source, "built-in (%s)", registry_builtin_source);
    ps_registry *reg = registry_from_rows_tables(
        registry_builtin_rows, registry_builtin_row_count, source, registry_builtin_date,
        (ps_reg_format)registry_builtin_format, &registry_builtin_tables);
    /* Only allocation can fail here, and without the registry nothing the
     * program prints would be labelled. */
    if (!reg) {
        fputs("portsniff: out of memory loading the built-in registry\n", stderr);
        abort();
    }
    return reg;
}
