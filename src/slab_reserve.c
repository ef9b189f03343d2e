/* The spare flow slabs (slab_reserve.h). Ready slabs are handed from the
 * helper to the tables through atomic pointers, so a table takes one
 * without a lock; a table's request and the helper's start and stop go
 * through one mutex, a few dozen times in a flood of a million flows. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "huge_map.h"
#include "quiet_thread.h"
#include "slab_reserve.h"

_Static_assert(SLAB_RESERVE_BYTES == HUGE_MAP_ALIGN, "a slab is one huge page (huge_slab_alloc)");

static atomic_int enabled;
static _Atomic(void *) ready[SLAB_RESERVE_DEPTH];
static atomic_ulong made, taken, populated;
static atomic_int helper_tid;   /* the running helper's thread id, 0 before it runs */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;   /* the helper waits */
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;   /* settle waits */
static pthread_t helper;
static int running;     /* a helper thread exists (to be joined) */
static int start_failed;
static int wanted;      /* a request not yet taken up by the helper */
static int busy;        /* the helper is filling slots or populating ranges */
static int quit;
static struct range {
    char *p;
    size_t len;
} ranges[SLAB_RESERVE_RANGES];   /* populate requests waiting */
static unsigned nranges;

void *slab_reserve_take(void)
{
    for (unsigned i = 0; i < SLAB_RESERVE_DEPTH; i++) {
        if (!atomic_load_explicit(&ready[i], memory_order_relaxed))
            continue;
        void *mem = atomic_exchange_explicit(&ready[i], NULL, memory_order_acquire);
        if (mem) {
            atomic_fetch_add_explicit(&taken, 1, memory_order_relaxed);
            return mem;
        }
    }
    return NULL;
}

/* Fills the empty slots; stops early when serving is switched off. Only the
 * helper stores slabs, so an empty slot stays empty until it does. */
static void fill(void)
{
    for (unsigned i = 0; i < SLAB_RESERVE_DEPTH; i++) {
        if (!atomic_load_explicit(&enabled, memory_order_relaxed))
            return;
        if (atomic_load_explicit(&ready[i], memory_order_relaxed))
            continue;
        void *mem = huge_slab_alloc();
        if (!mem)
            return;
        /* Faulted in and zeroed here, on this thread's time. */
        memset(mem, 0, SLAB_RESERVE_BYTES);
        atomic_fetch_add_explicit(&made, 1, memory_order_relaxed);
        atomic_store_explicit(&ready[i], mem, memory_order_release);
    }
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* One huge page's worth at a time, so that switching serving off waits for
 * 2 MiB at most, and with the slabs filled again after each (the helper
 * fills them before it begins): a table that finds none clears its own.
 * Parts that are not mapped (any more) are skipped. */
static void populate(const struct range *r)
{
    const size_t step = SLAB_RESERVE_BYTES;
    for (size_t off = 0; off < r->len; off += step) {
        if (!atomic_load_explicit(&enabled, memory_order_relaxed))
            return;
        size_t n = r->len - off < step ? r->len - off : step;
        if (madvise(r->p + off, n, MADV_POPULATE_WRITE) == 0)
            atomic_fetch_add_explicit(&populated, n, memory_order_relaxed);
        else if (errno == EINVAL)
            return;     /* not on this kernel */
        fill();
    }
}

static void *helper_main(void *arg)
{
    (void)arg;
    /* The helper's work can wait; the read-ahead and accounting threads'
     * cannot. At nice 19 it gets a CPU the two leave idle and yields one
     * they want, instead of competing with them for two CPUs as three busy
     * threads (README, "Saved files", has the figures). On a machine busy
     * with other work it may fall behind: the tables then clear their own
     * slabs, as without it.
     * Linux nices a thread on its own; this thread cannot be nice 0 again
     * unless privileged, and needs none of that. */
    pid_t tid = (pid_t)syscall(SYS_gettid);
    setpriority(PRIO_PROCESS, (id_t)tid, 19);
    atomic_store(&helper_tid, (int)tid);
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!wanted && !quit) {
            busy = 0;
            pthread_cond_broadcast(&idle_cv);
            pthread_cond_wait(&work_cv, &lock);
        }
        if (quit)
            break;
        wanted = 0;
        busy = 1;
        struct range todo[SLAB_RESERVE_RANGES];
        unsigned ntodo = nranges;
        memcpy(todo, ranges, sizeof(todo));
        nranges = 0;
        pthread_mutex_unlock(&lock);
        fill();
        for (unsigned i = 0; i < ntodo; i++)
            populate(&todo[i]);
        pthread_mutex_lock(&lock);
    }
    busy = 0;
    pthread_cond_broadcast(&idle_cv);
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Under the lock. A helper that cannot be started is not tried again: the
 * tables then clear their own slabs, as without a helper. */
static void start_helper(void)
{
    if (quiet_thread_start(&helper, helper_main, NULL) == 0)
        running = 1;
    else
        start_failed = 1;
}

/* Under the lock: work for the helper, started if it is not running. */
static void wake_helper(void)
{
    wanted = 1;
    if (running)
        pthread_cond_signal(&work_cv);
    else if (!start_failed)
        start_helper();
}

void slab_reserve_want(void)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    pthread_mutex_lock(&lock);
    if (atomic_load_explicit(&enabled, memory_order_relaxed) && !quit)
        wake_helper();
    pthread_mutex_unlock(&lock);
}

void slab_reserve_populate(void *p, size_t len)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed) || len == 0)
        return;
    pthread_mutex_lock(&lock);
    if (atomic_load_explicit(&enabled, memory_order_relaxed) && !quit &&
        nranges < SLAB_RESERVE_RANGES) {
        ranges[nranges++] = (struct range){p, len};
        wake_helper();
    }
    pthread_mutex_unlock(&lock);
}

void slab_reserve_enable(void)
{
    atomic_store(&enabled, 1);
}

void slab_reserve_stop(void)
{
    pthread_mutex_lock(&lock);
    atomic_store(&enabled, 0);
    wanted = 0;
    nranges = 0;
    quit = 1;
    pthread_cond_signal(&work_cv);
    pthread_mutex_unlock(&lock);
}

void slab_reserve_disable(void)
{
    slab_reserve_stop();
    pthread_mutex_lock(&lock);
    int join = running;
    pthread_mutex_unlock(&lock);
    if (join)
        pthread_join(helper, NULL);
    pthread_mutex_lock(&lock);
    running = 0;
    atomic_store(&helper_tid, 0);
    start_failed = 0;
    quit = 0;
    pthread_mutex_unlock(&lock);
    for (unsigned i = 0; i < SLAB_RESERVE_DEPTH; i++)
        huge_slab_free(atomic_exchange(&ready[i], NULL));
}

void slab_reserve_settle(void)
{
    pthread_mutex_lock(&lock);
    while (running && (wanted || busy))
        pthread_cond_wait(&idle_cv, &lock);
    pthread_mutex_unlock(&lock);
}

unsigned slab_reserve_ready(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < SLAB_RESERVE_DEPTH; i++)
        n += atomic_load(&ready[i]) != NULL;
    return n;
}

int slab_reserve_running(void)
{
    pthread_mutex_lock(&lock);
    int r = running;
    pthread_mutex_unlock(&lock);
    return r;
}

void slab_reserve_counts(unsigned long *m, unsigned long *t)
{
    *m = atomic_load(&made);
    *t = atomic_load(&taken);
}

unsigned long slab_reserve_populated(void)
{
    return atomic_load(&populated);
}

int slab_reserve_nice(void)
{
    int tid = atomic_load(&helper_tid);
    if (!tid)
        return -100;
    errno = 0;
    int n = getpriority(PRIO_PROCESS, (id_t)tid);
    return errno ? -100 : n;
}
