/* The spare flow slab (slab_reserve.h). A slab is handed from the helper to
 * the table through one atomic pointer; `wanted` is the table's request. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "huge_map.h"
#include "slab_reserve.h"

static atomic_int enabled;
static atomic_int wanted;
static _Atomic(void *) ready;

void *slab_reserve_take(void)
{
    return atomic_exchange(&ready, NULL);
}

void slab_reserve_want(void)
{
    if (atomic_load_explicit(&enabled, memory_order_relaxed))
        atomic_store_explicit(&wanted, 1, memory_order_relaxed);
}

void slab_reserve_enable(void)
{
    atomic_store(&enabled, 1);
}

void slab_reserve_disable(void)
{
    atomic_store(&enabled, 0);
    atomic_store(&wanted, 0);
    free(atomic_exchange(&ready, NULL));
}

void slab_reserve_serve(void)
{
    if (!atomic_load_explicit(&wanted, memory_order_relaxed))
        return;
    atomic_store_explicit(&wanted, 0, memory_order_relaxed);
    if (atomic_load(&ready))
        return;
    void *mem = aligned_alloc(SLAB_RESERVE_BYTES, SLAB_RESERVE_BYTES);
    if (!mem)
        return;
    huge_advise(mem, SLAB_RESERVE_BYTES);
    /* Faulted in and zeroed here, on this thread's time. */
    memset(mem, 0, SLAB_RESERVE_BYTES);
    void *none = NULL;
    if (!atomic_compare_exchange_strong(&ready, &none, mem))
        free(mem);
}

int slab_reserve_ready(void)
{
    return atomic_load(&ready) != NULL;
}
