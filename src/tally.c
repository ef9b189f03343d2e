/* Ended flows named and added to the report on a thread of their own
 * (tally.h). Batches go round a ring of TALLY_BATCHES; one lock and two
 * condition variables, taken once a batch, not once a flow. */
#include <pthread.h>
#include <stdlib.h>

#include "quiet_thread.h"
#include "tally.h"

#define TALLY_BATCH 8192u
#define TALLY_BATCHES 4u

typedef struct tally_item {
    const ps_flow *flow;
    const ps_tunnel_chain *tunnel[2];
    ps_flow_fanin fan;
} tally_item;

struct ps_tally {
    const ps_registry *reg;
    ps_report *report;
    tally_item *items;               /* TALLY_BATCHES batches of TALLY_BATCH */
    size_t fill;                     /* the flushing thread's: items in the batch it fills */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled_cv;        /* the tally's thread waits for a batch */
    pthread_cond_t freed_cv;         /* the flushing thread waits for room */
    /* Under the lock: */
    size_t len[TALLY_BATCHES];       /* items in each batch handed over */
    unsigned long handed, taken;     /* batches handed over, batches added */
    int done;                        /* no more batches will come */
};

static tally_item *batch_at(const ps_tally *t, unsigned long n)
{
    return t->items + (size_t)(n % TALLY_BATCHES) * TALLY_BATCH;
}

static void *tally_main(void *arg)
{
    ps_tally *t = arg;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (t->taken == t->handed && !t->done)
            pthread_cond_wait(&t->filled_cv, &t->lock);
        if (t->taken == t->handed)
            break;
        const tally_item *it = batch_at(t, t->taken);
        size_t n = t->len[t->taken % TALLY_BATCHES];
        pthread_mutex_unlock(&t->lock);
        for (size_t i = 0; i < n; i++, it++) {
            ps_label label;
            attribute_flow(t->reg, &it->fan, it->flow, &label);
            report_add_flow(t->report, it->flow, &label);
            report_add_tunnels(t->report, it->flow, it->tunnel[0], it->tunnel[1]);
        }
        pthread_mutex_lock(&t->lock);
        t->taken++;
        pthread_cond_signal(&t->freed_cv);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

ps_tally *tally_start(const ps_registry *reg, ps_report *report)
{
    ps_tally *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->reg = reg;
    t->report = report;
    t->items = malloc((size_t)TALLY_BATCHES * TALLY_BATCH * sizeof(*t->items));
    if (!t->items)
        goto fail_items;
    if (pthread_mutex_init(&t->lock, NULL) != 0)
        goto fail_lock;
    if (pthread_cond_init(&t->filled_cv, NULL) != 0)
        goto fail_filled;
    if (pthread_cond_init(&t->freed_cv, NULL) != 0)
        goto fail_freed;
    if (quiet_thread_start(&t->thread, tally_main, t) != 0)
        goto fail_thread;
    return t;
fail_thread:
    pthread_cond_destroy(&t->freed_cv);
fail_freed:
    pthread_cond_destroy(&t->filled_cv);
fail_filled:
    pthread_mutex_destroy(&t->lock);
fail_lock:
    free(t->items);
fail_items:
    free(t);
    return NULL;
}

/* Hands the batch being filled over (with last, the final one). */
static void hand_over(ps_tally *t, int last)
{
    pthread_mutex_lock(&t->lock);
    if (t->fill) {
        t->len[t->handed % TALLY_BATCHES] = t->fill;
        t->handed++;
    }
    t->done = last;
    pthread_cond_signal(&t->filled_cv);
    /* The next batch to fill is the oldest handed over: wait until added. */
    while (!last && t->handed - t->taken >= TALLY_BATCHES)
        pthread_cond_wait(&t->freed_cv, &t->lock);
    pthread_mutex_unlock(&t->lock);
    t->fill = 0;
}

void tally_add(ps_tally *t, const ps_flow *flow, const ps_flow_fanin *fan,
               const ps_tunnel_chain *orig, const ps_tunnel_chain *resp)
{
    tally_item *it = batch_at(t, t->handed) + t->fill;
    it->flow = flow;
    it->tunnel[0] = orig;
    it->tunnel[1] = resp;
    it->fan = *fan;
    if (++t->fill == TALLY_BATCH)
        hand_over(t, 0);
}

void tally_finish(ps_tally *t)
{
    if (!t)
        return;
    hand_over(t, 1);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->freed_cv);
    pthread_cond_destroy(&t->filled_cv);
    pthread_mutex_destroy(&t->lock);
    free(t->items);
    free(t);
}
