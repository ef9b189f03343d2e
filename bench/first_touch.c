/* What the first touch of fresh memory costs, through the allocator the
 * flow table and the read-ahead use (huge_map): transparent huge pages, or
 * with --pool the system's pool of reserved huge pages (portsniff
 * --huge-pages). On a virtual machine whose host takes freed memory back,
 * transparent huge pages cost far more after the machine has been idle a
 * few seconds than straight after another run; the pool's pages stay with
 * the guest (README, "Benchmark").
 *
 *   first-touch [--pool] MIB   maps MIB MiB, writes a byte in every 4 KiB
 *                              and prints the time that took in ms */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "huge_map.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    int pool = argc == 3 && strcmp(argv[1], "--pool") == 0;
    char *end = NULL;
    unsigned long mib = argc == 2 + pool ? strtoul(argv[1 + pool], &end, 10) : 0;
    if (!end || *end || mib == 0 || mib > 65536) {
        fputs("usage: first-touch [--pool] MIB (1 to 65536)\n", stderr);
        return 2;
    }
    size_t bytes = (size_t)mib << 20;
    huge_map_use_pool(pool);
    double t0 = now_ms();
    char *p = huge_map(bytes);
    if (!p) {
        fprintf(stderr, "first-touch: cannot map %lu MiB\n", mib);
        return 1;
    }
    for (size_t off = 0; off < bytes; off += 4096)
        p[off] = 1;
    double ms = now_ms() - t0;
    size_t from_pool = huge_map_pool_pages();
    huge_unmap(p, bytes);
    printf("%lu MiB: %.1f ms, %zu of %zu huge pages from the pool\n", mib, ms, from_pool,
           huge_map_bytes(bytes) >> 21);
    return 0;
}
