/* How long the built-in registry takes to load: registry_load_builtin()
 * builds the port and name indexes over the compiled-in rows, once per run
 * of portsniff, before the first packet.
 *
 *   registry-load [LOADS]   prints the first load and the median of LOADS (default 50) in ms */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "portsniff/packet.h"
#include "portsniff/registry.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int loads = argc > 1 ? atoi(argv[1]) : 50;
    if (loads < 1 || loads > 100000) {
        fputs("usage: registry-load [LOADS]\n", stderr);
        return 2;
    }
    double *ms = malloc((size_t)loads * sizeof(*ms));
    if (!ms)
        return 1;
    size_t entries = 0;
    for (int i = 0; i < loads; i++) {
        double t0 = now_ms();
        ps_registry *reg = registry_load_builtin();
        ms[i] = now_ms() - t0;
        ps_reg_status st;
        /* Use it, so the load cannot be optimised away and is known to work. */
        if (!registry_find_port(reg, PS_TRANSPORT_TCP, 80, &st) || st != PS_REG_NAMED) {
            fputs("registry-load: 80/tcp not found in the built-in registry\n", stderr);
            return 1;
        }
        entries = registry_entry_count(reg);
        registry_free(reg);
    }
    double first = ms[0];
    qsort(ms, (size_t)loads, sizeof(*ms), cmp_double);
    printf("registry load: %zu entries, first %.3f ms, median %.3f ms, min %.3f ms over %d loads\n",
           entries, first, ms[loads / 2], ms[0], loads);
    free(ms);
    return 0;
}
