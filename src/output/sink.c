/* Flow sinks: a format bound to an output; the formats --flows knows; and
 * deferred records (flow_sink_defer). */
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

/* ---- deferred records ------------------------------------------------------
 *
 * One thread puts records (the pipeline's, which ends flows), any thread
 * formats them. A record is the flow's slot as the table holds it (the flow
 * and, when it has one, its Zeek state right after it, where
 * flow_zeek_state finds it), its label and its tunnel chain (interned in the
 * table for the table's life, which ends after the sink's last flush).
 * Positions only grow; a slot is position % DEFER_SLOTS.
 *
 * A thread that formats claims the next few records (at most DEFER_BATCH
 * but in a drain), formats them and commits them, the claim and the commit
 * under the lock, the formatting outside it, so that two threads format at
 * once. Commits keep the order: the claim that begins at head (every record
 * before it is out) is formatted straight into the output; any other into a
 * buffer of its own (a memory outfile, FMT_BUFS of them), which is appended
 * to the output when head reaches it, by whichever thread then commits. A
 * slot is free again once head has passed it.
 *
 * The writer never waits for room while it could format: when the ring is
 * full it formats a batch itself, and waits only for batches other threads
 * are formatting. Other threads format when they would otherwise wait for
 * work of their own (the read-ahead thread, for chunks to come back:
 * flow_sink_format_some); or, between flow_sink_assist(s, 1) and (s, 0), as
 * the sink's own thread, which sleeps when nothing is left to claim and is
 * woken once per DEFER_BATCH records put while it sleeps. A wake-up it
 * misses (its flag is read relaxed after the tail's store) only delays it:
 * the records are formatted all the same, by it at the next wake-up or by
 * the writer. */
#define DEFER_SLOTS 4096u
#define DEFER_BATCH 64u
#define FMT_BUFS 4u
#define FLOW_COPY (PS_FLOW_EXT_OFFSET + sizeof(ps_zeek_state))

typedef struct defer_rec {
    alignas(16) unsigned char flow[FLOW_COPY];
    ps_label label;
    const ps_tunnel_chain *tunnel;
} defer_rec;

/* A claim's output: the sink as it formats (out: the memory outfile, or
 * the sink's own output for the claim at head) and the claim's range. */
typedef struct fmt_buf {
    ps_flow_sink view;
    ps_outfile *mem;
    uint64_t from, to;
    enum { BUF_FREE, BUF_BUSY, BUF_DONE } state;
} fmt_buf;

struct ps_sink_defer {
    alignas(64) atomic_uint_fast64_t tail;   /* next position to put (the writer's) */
    uint64_t head_seen;                      /* the writer's last look at head */
    int on;                                  /* the writer's: records go into the ring */
    alignas(64) atomic_uint_fast64_t head;   /* next position to commit (stored under lock) */
    pthread_mutex_t lock;
    uint64_t claimed;                        /* next position to claim */
    fmt_buf buf[FMT_BUFS];
    int waiters;                             /* threads waiting for a commit */
    pthread_cond_t committed;
    defer_rec *ring;
    size_t ring_bytes;
    /* flow_sink_assist's thread */
    alignas(64) atomic_int assist_sleeps;
    int assisting;
    int assist_quit;                         /* under lock */
    pthread_cond_t wake;
    pthread_t assist;
};

/* Appends the claims done at head, in order; under the lock. */
static void commit(ps_flow_sink *s, struct ps_sink_defer *d)
{
    uint64_t h = atomic_load_explicit(&d->head, memory_order_relaxed), was = h;
    for (unsigned i = 0; i < FMT_BUFS; i++) {
        fmt_buf *b = &d->buf[i];
        if (b->state != BUF_DONE || b->from != h)
            continue;
        if (b->view.out == b->mem)
            outfile_move_to(b->mem, s->out);
        h = b->to;
        b->state = BUF_FREE;
        i = (unsigned)-1;   /* the next one may be any of them */
    }
    if (h == was)
        return;
    atomic_store_explicit(&d->head, h, memory_order_release);
    if (d->waiters)
        pthread_cond_broadcast(&d->committed);
}

/* A buffer no claim holds, or NULL; under the lock. */
static fmt_buf *free_buf(struct ps_sink_defer *d)
{
    for (unsigned i = 0; i < FMT_BUFS; i++)
        if (d->buf[i].state == BUF_FREE)
            return &d->buf[i];
    return NULL;
}

/* Claims up to max records, formats and commits them; how many (0 when
 * nothing was left to claim or every buffer is in use). */
static size_t format_batch(ps_flow_sink *s, struct ps_sink_defer *d, size_t max)
{
    pthread_mutex_lock(&d->lock);
    uint64_t from = d->claimed, t = atomic_load_explicit(&d->tail, memory_order_acquire);
    fmt_buf *b = free_buf(d);
    if (from == t || !b) {
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    uint64_t to = t - from > max ? from + max : t;
    d->claimed = to;
    b->state = BUF_BUSY;
    b->from = from;
    b->to = to;
    /* At head, nothing before it is left to write, and nothing after it
     * is written before it: the output is this claim's alone. */
    b->view.out = from == atomic_load_explicit(&d->head, memory_order_relaxed) ? s->out : b->mem;
    pthread_mutex_unlock(&d->lock);

    for (uint64_t h = from; h != to; h++) {
        const defer_rec *r = &d->ring[h % DEFER_SLOTS];
        ps_flow_rec rec = {(const ps_flow *)(const void *)r->flow, &r->label,
                           b->view.community_id_seed, r->tunnel};
        b->view.ops->write(&b->view, &rec);
    }

    pthread_mutex_lock(&d->lock);
    b->state = BUF_DONE;
    commit(s, d);
    pthread_mutex_unlock(&d->lock);
    return (size_t)(to - from);
}

/* Waits, under the lock, for the next commit. */
static void wait_commit(struct ps_sink_defer *d)
{
    d->waiters++;
    pthread_cond_wait(&d->committed, &d->lock);
    d->waiters--;
}

/* The writer: formats what is left to claim, then waits until every
 * record put is out. */
static void drain(ps_flow_sink *s)
{
    struct ps_sink_defer *d = s->defer;
    if (!d)
        return;
    for (;;) {
        if (format_batch(s, d, DEFER_SLOTS))
            continue;
        /* Nothing to claim, or no buffer free, a moment ago; the other
         * formatters may have committed all they held since, and then no
         * commit comes. One is sure to come while records claimed are not
         * all out (head short of claimed): commit() leaves no finished
         * claim at head, so the claim there is still being formatted.
         * Otherwise the loop claims again. */
        pthread_mutex_lock(&d->lock);
        uint64_t h = atomic_load_explicit(&d->head, memory_order_relaxed);
        int done = h == atomic_load_explicit(&d->tail, memory_order_relaxed);
        if (!done && d->claimed != h)
            wait_commit(d);
        pthread_mutex_unlock(&d->lock);
        if (done)
            break;
    }
    d->head_seen = atomic_load_explicit(&d->tail, memory_order_relaxed);
}

static void defer_free(struct ps_sink_defer *d)
{
    for (unsigned i = 0; i < FMT_BUFS; i++)
        outfile_abort(d->buf[i].mem);
    huge_unmap(d->ring, d->ring_bytes);
    pthread_cond_destroy(&d->wake);
    pthread_cond_destroy(&d->committed);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

static struct ps_sink_defer *defer_create(void)
{
    struct ps_sink_defer *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->committed, NULL);
    pthread_cond_init(&d->wake, NULL);
    d->ring_bytes = (size_t)DEFER_SLOTS * sizeof(defer_rec);
    /* One huge page's fault instead of a few hundred small ones. */
    d->ring = huge_map(d->ring_bytes);
    int ok = d->ring != NULL;
    for (unsigned i = 0; i < FMT_BUFS && ok; i++)
        ok = (d->buf[i].mem = outfile_memory("flow records being formatted")) != NULL;
    if (!ok) {
        defer_free(d);
        return NULL;
    }
    return d;
}

int flow_sink_defer(ps_flow_sink *s, int on)
{
    if (!on || (s->flags & PS_SINK_LINE_FLUSH)) {
        flow_sink_assist(s, 0);
        drain(s);
        if (s->defer)
            s->defer->on = 0;
        return on ? -1 : 0;
    }
    if (!s->defer && !(s->defer = defer_create()))
        return -1;
    /* No other thread formats now: the formatting views take the sink as
     * it stands (its format, fields, flags, seed and state). */
    for (unsigned i = 0; i < FMT_BUFS; i++) {
        fmt_buf *b = &s->defer->buf[i];
        b->view = *s;
        b->view.defer = NULL;
    }
    s->defer->on = 1;
    return 0;
}

int flow_sink_format_some(ps_flow_sink *s)
{
    struct ps_sink_defer *d = s->defer;
    return d && format_batch(s, d, DEFER_BATCH) > 0;
}

static void defer_put(ps_flow_sink *s, struct ps_sink_defer *d, const ps_flow *flow,
                      const ps_label *label, const ps_tunnel_chain *tunnel)
{
    uint64_t t = atomic_load_explicit(&d->tail, memory_order_relaxed);
    if (t - d->head_seen == DEFER_SLOTS)
        d->head_seen = atomic_load_explicit(&d->head, memory_order_acquire);
    while (t - d->head_seen == DEFER_SLOTS) {
        /* Nobody has had time: the writer makes room itself, or waits for
         * the batches being formatted. */
        if (!format_batch(s, d, DEFER_BATCH)) {
            pthread_mutex_lock(&d->lock);
            if (atomic_load_explicit(&d->head, memory_order_relaxed) == d->head_seen)
                wait_commit(d);
            pthread_mutex_unlock(&d->lock);
        }
        d->head_seen = atomic_load_explicit(&d->head, memory_order_acquire);
    }
    defer_rec *r = &d->ring[t % DEFER_SLOTS];
    memcpy(r->flow, flow, flow->has_zeek ? FLOW_COPY : sizeof(ps_flow));
    r->label = *label;
    r->tunnel = tunnel;
    atomic_store_explicit(&d->tail, t + 1, memory_order_release);
    if ((t + 1) % DEFER_BATCH == 0 && atomic_load_explicit(&d->assist_sleeps, memory_order_relaxed)) {
        pthread_mutex_lock(&d->lock);
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->lock);
    }
}

static void *assist_main(void *arg)
{
    ps_flow_sink *s = arg;
    struct ps_sink_defer *d = s->defer;

    for (;;) {
        if (format_batch(s, d, DEFER_BATCH))
            continue;
        /* Nothing was left to claim, or every buffer was in use; either
         * may have changed since (records put, a batch committed), and is
         * looked at again under the lock before waiting for it. */
        pthread_mutex_lock(&d->lock);
        int quit = d->assist_quit;
        if (!quit && d->claimed == atomic_load(&d->tail)) {
            atomic_store(&d->assist_sleeps, 1);
            while (!d->assist_quit && d->claimed == atomic_load(&d->tail))
                pthread_cond_wait(&d->wake, &d->lock);
            atomic_store(&d->assist_sleeps, 0);
        } else if (!quit && !free_buf(d)) {
            /* The next commit frees one (flow_sink_assist's stop wakes this
             * wait too). */
            wait_commit(d);
        }
        quit = d->assist_quit;
        pthread_mutex_unlock(&d->lock);
        if (quit)
            return NULL;
    }
}

int flow_sink_assist(ps_flow_sink *s, int on)
{
    struct ps_sink_defer *d = s->defer;
    if (!d || !d->on)
        return -1;
    if (on) {
        if (d->assisting)
            return 0;
        d->assist_quit = 0;
        if (quiet_thread_start(&d->assist, assist_main, s) != 0)
            return -1;
        d->assisting = 1;
        return 0;
    }
    if (!d->assisting)
        return 0;
    pthread_mutex_lock(&d->lock);
    d->assist_quit = 1;
    pthread_cond_signal(&d->wake);
    pthread_cond_broadcast(&d->committed);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->assist, NULL);
    d->assisting = 0;
    drain(s);
    return 0;
}

/* ---- writing ------------------------------------------------------------- */

void flow_sink_write(ps_flow_sink *s, const ps_flow *flow, const ps_label *label,
                     const ps_tunnel_chain *tunnel)
{
    s->records++;
    if (s->defer && s->defer->on) {
        defer_put(s, s->defer, flow, label, tunnel);
        return;
    }
    ps_flow_rec r = {flow, label, s->community_id_seed, tunnel};
    s->ops->write(s, &r);
    if (s->flags & PS_SINK_LINE_FLUSH)
        outfile_flush(s->out);
}

int flow_sink_flush(ps_flow_sink *s)
{
    drain(s);
    return outfile_flush(s->out);
}

int flow_sink_end(ps_flow_sink *s)
{
    drain(s);
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
    if (s->defer) {
        flow_sink_defer(s, 0);
        defer_free(s->defer);
    }
    if (s->ops->fini)
        s->ops->fini(s);
    free(s);
}
