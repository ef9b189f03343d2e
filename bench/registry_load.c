/* How long the built-in registry takes to load: registry_load_builtin()
 * wraps the compiled-in rows and their derived tables (the answer for every
 * (transport, port), worked out at build time), once per run of portsniff,
 * before the first packet; the name and port hashes are built by the first
 * lookup that needs them (a lookup by name, a listing of a port's rows: what
 * --lookup and --service pay, not a capture).
 *
 *   registry-load [LOADS]   prints, over LOADS loads (default 50), the first
 *                           load and the median and least in ms, then the
 *                           same for a load and its first lookup by name */
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
    double *hashed = malloc((size_t)loads * sizeof(*hashed));
    if (!ms || !hashed)
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

        t0 = now_ms();
        reg = registry_load_builtin();
        const ps_reg_entry *rows[4];
        size_t n = registry_find_name(reg, "http", rows, 4);
        hashed[i] = now_ms() - t0;
        if (n == 0) {
            fputs("registry-load: http not found by name in the built-in registry\n", stderr);
            return 1;
        }
        registry_free(reg);
    }
    double first = ms[0], first_hashed = hashed[0];
    qsort(ms, (size_t)loads, sizeof(*ms), cmp_double);
    qsort(hashed, (size_t)loads, sizeof(*hashed), cmp_double);
    printf("registry load: %zu entries, first %.3f ms, median %.3f ms, min %.3f ms over %d loads; "
           "with the first lookup by name (the hashes built): first %.3f ms, median %.3f ms, "
           "min %.3f ms\n",
           entries, first, ms[loads / 2], ms[0], loads, first_hashed, hashed[loads / 2], hashed[0]);
    free(ms);
    free(hashed);
    return 0;
}
