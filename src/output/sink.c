/* Flow sinks: a format bound to an output; the formats --flows knows; and
 * the ring through which a sink's own thread formats the records
 * (PS_SINK_ASYNC). */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "huge_map.h"
#include "quiet_thread.h"
#include "portsniff/output.h"

extern const ps_flow_sink_ops ps_text_sink, ps_csv_sink, ps_json_sink, ps_zeek_sink;

const ps_flow_sink_ops *const ps_flow_sink_formats[] = {
    &ps_text_sink, &ps_csv_sink, &ps_json_sink, &ps_zeek_sink, NULL,
};

const ps_flow_sink_ops *flow_sink_find(const char *name)
{
    for (size_t i = 0; name && ps_flow_sink_formats[i]; i++)
        if (strcasecmp(ps_flow_sink_formats[i]->name, name) == 0)
            return ps_flow_sink_formats[i];
    return NULL;
}

ps_flow_sink *flow_sink_create(const ps_flow_sink_ops *ops, ps_outfile *out, unsigned flags)
{
    ps_flow_sink *s = calloc(1, sizeof(*s) + ops->state_size);
    if (!s)
        return NULL;
    s->ops = ops;
    s->out = out;
    s->fields = ps_flow_fields;
    s->nfields = PS_F_COUNT;
    if (flags & PS_SINK_LINE_FLUSH)
        flags &= ~(unsigned)PS_SINK_ASYNC;
    s->flags = flags;
    s->state = s + 1;
    return s;
}

int flow_sink_begin(ps_flow_sink *s)
{
    if (s->ops->begin && s->ops->begin(s) != 0)
        return -1;
    return outfile_failed(s->out) ? -1 : 0;
}

/* ---- the ring (PS_SINK_ASYNC) ---------------------------------------------
 *
 * One writer puts records (the pipeline calls flow_sink_write from one
 * thread, or under its writers' lock), the sink's thread takes them. A
 * record is the flow's slot as the table holds it (the flow and, when it has
 * one, its Zeek state right after it, where flow_zeek_state finds it), its
 * label and its tunnel chain (interned in the table for the table's life,
 * which ends after the sink's last flush). Positions only grow; a slot is
 * position % ASYNC_SLOTS. Sleeping and waking go through one mutex: the
 * thread is woken once per WAKE_EVERY records put while it sleeps (a drain
 * wakes it for the rest), the writer once the ring is half free. The thread
 * formats faster than a flow table ends flows, so it sleeps often: woken
 * every 64 records it switched 3,000 times on the benchmark's 200,000 and
 * gained nothing; every 1,024, about a thousand. A writer asleep on a full
 * ring may miss the first look at its flag (a relaxed load after the head's
 * store), never the broadcast when the ring runs empty. */
#define ASYNC_SLOTS 4096u
#define WAKE_EVERY 1024u
#define FLOW_COPY (PS_FLOW_EXT_OFFSET + sizeof(ps_zeek_state))

typedef struct async_rec {
    alignas(16) unsigned char flow[FLOW_COPY];
    ps_label label;
    const ps_tunnel_chain *tunnel;
} async_rec;

struct ps_sink_async {
    alignas(64) atomic_uint_fast64_t tail;   /* next position to put (the writer's) */
    alignas(64) atomic_uint_fast64_t head;   /* next position to format (the thread's) */
    alignas(64) atomic_int thread_sleeps;
    atomic_int writer_sleeps;
    int quit;                 /* under lock */
    uint64_t head_seen;       /* the writer's last look at head */
    pthread_mutex_t lock;
    pthread_cond_t filled;    /* the thread waits */
    pthread_cond_t freed;     /* the writer waits: room, or the ring empty */
    pthread_t thread;
    async_rec *ring;
    size_t ring_bytes;
};

static void *async_main(void *arg)
{
    ps_flow_sink *s = arg;
    struct ps_sink_async *a = s->async;
    uint64_t h = atomic_load_explicit(&a->head, memory_order_relaxed);

    for (;;) {
        uint64_t t = atomic_load_explicit(&a->tail, memory_order_acquire);
        if (h == t) {
            pthread_mutex_lock(&a->lock);
            pthread_cond_broadcast(&a->freed);   /* a drain waits for this */
            for (;;) {
                atomic_store(&a->thread_sleeps, 1);
                t = atomic_load(&a->tail);
                if (t != h || a->quit)
                    break;
                pthread_cond_wait(&a->filled, &a->lock);
            }
            atomic_store(&a->thread_sleeps, 0);
            int quit = a->quit && t == h;
            pthread_mutex_unlock(&a->lock);
            if (quit)
                return NULL;
            continue;
        }
        for (; h != t; h++) {
            const async_rec *r = &a->ring[h % ASYNC_SLOTS];
            ps_flow_rec rec = {(const ps_flow *)(const void *)r->flow, &r->label,
                               s->community_id_seed, r->tunnel};
            s->ops->write(s, &rec);
            atomic_store_explicit(&a->head, h + 1, memory_order_release);
            if (atomic_load_explicit(&a->writer_sleeps, memory_order_relaxed) &&
                t - (h + 1) <= ASYNC_SLOTS / 2) {
                pthread_mutex_lock(&a->lock);
                pthread_cond_broadcast(&a->freed);
                pthread_mutex_unlock(&a->lock);
            }
        }
    }
}

static void async_free(struct ps_sink_async *a)
{
    huge_unmap(a->ring, a->ring_bytes);
    pthread_cond_destroy(&a->filled);
    pthread_cond_destroy(&a->freed);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* Starts the thread at the first record; 0 when it cannot be had (the sink
 * then writes in the calling thread, as without PS_SINK_ASYNC). */
static int async_start(ps_flow_sink *s)
{
    struct ps_sink_async *a = calloc(1, sizeof(*a));
    if (!a)
        goto fail;
    a->ring_bytes = (size_t)ASYNC_SLOTS * sizeof(async_rec);
    /* One huge page's fault instead of a few hundred small ones. */
    a->ring = huge_map(a->ring_bytes);
    if (!a->ring) {
        free(a);
        goto fail;
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->filled, NULL);
    pthread_cond_init(&a->freed, NULL);
    s->async = a;
    if (quiet_thread_start(&a->thread, async_main, s) == 0)
        return 1;
    s->async = NULL;
    async_free(a);
fail:
    s->flags &= ~(unsigned)PS_SINK_ASYNC;
    return 0;
}

static void async_put(struct ps_sink_async *a, const ps_flow *flow, const ps_label *label,
                      const ps_tunnel_chain *tunnel)
{
    uint64_t t = atomic_load_explicit(&a->tail, memory_order_relaxed);
    if (t - a->head_seen == ASYNC_SLOTS) {
        a->head_seen = atomic_load_explicit(&a->head, memory_order_acquire);
        if (t - a->head_seen == ASYNC_SLOTS) {
            pthread_mutex_lock(&a->lock);
            pthread_cond_signal(&a->filled);
            for (;;) {
                atomic_store(&a->writer_sleeps, 1);
                a->head_seen = atomic_load(&a->head);
                if (t - a->head_seen <= ASYNC_SLOTS / 2)
                    break;
                pthread_cond_wait(&a->freed, &a->lock);
            }
            atomic_store(&a->writer_sleeps, 0);
            pthread_mutex_unlock(&a->lock);
        }
    }
    async_rec *r = &a->ring[t % ASYNC_SLOTS];
    memcpy(r->flow, flow, flow->has_zeek ? FLOW_COPY : sizeof(ps_flow));
    r->label = *label;
    r->tunnel = tunnel;
    atomic_store(&a->tail, t + 1);
    if ((t + 1) % WAKE_EVERY == 0 && atomic_load(&a->thread_sleeps)) {
        pthread_mutex_lock(&a->lock);
        pthread_cond_signal(&a->filled);
        pthread_mutex_unlock(&a->lock);
    }
}

/* Waits until every record put is written to the output. The thread
 * stores head after a record's write and, once the ring is empty, touches
 * only the ring's own fields, so head at tail is enough: the output is the
 * caller's again. */
static void async_drain(struct ps_sink_async *a)
{
    if (!a)
        return;
    uint64_t t = atomic_load(&a->tail);
    pthread_mutex_lock(&a->lock);
    pthread_cond_signal(&a->filled);
    while (atomic_load(&a->head) != t)
        pthread_cond_wait(&a->freed, &a->lock);
    pthread_mutex_unlock(&a->lock);
    a->head_seen = t;
}

static void async_stop(ps_flow_sink *s)
{
    struct ps_sink_async *a = s->async;
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    a->quit = 1;
    pthread_cond_signal(&a->filled);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    s->async = NULL;
    async_free(a);
}

/* ---- writing ------------------------------------------------------------- */

void flow_sink_write(ps_flow_sink *s, const ps_flow *flow, const ps_label *label,
                     const ps_tunnel_chain *tunnel)
{
    s->records++;
    if ((s->flags & PS_SINK_ASYNC) && (s->async || async_start(s))) {
        async_put(s->async, flow, label, tunnel);
        return;
    }
    ps_flow_rec r = {flow, label, s->community_id_seed, tunnel};
    s->ops->write(s, &r);
    if (s->flags & PS_SINK_LINE_FLUSH)
        outfile_flush(s->out);
}

int flow_sink_flush(ps_flow_sink *s)
{
    async_drain(s->async);
    return outfile_flush(s->out);
}

int flow_sink_end(ps_flow_sink *s)
{
    async_drain(s->async);
    if (s->ops->end && s->ops->end(s) != 0)
        return -1;
    return outfile_flush(s->out);
}

int flow_sink_switch(ps_flow_sink *s, ps_outfile *out)
{
    int rc = flow_sink_end(s);
    s->out = out;
    if (flow_sink_begin(s) != 0)
        rc = -1;
    return rc;
}

void flow_sink_free(ps_flow_sink *s)
{
    if (!s)
        return;
    async_stop(s);
    if (s->ops->fini)
        s->ops->fini(s);
    free(s);
}
