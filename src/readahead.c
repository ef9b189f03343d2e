/* Read-ahead of a saved file (readahead.h). The reader thread fills chunks
 * in turn, each a run of records (a header, then the captured bytes padded
 * to 8), and hands each over when the next record does not fit, or at the
 * end of the file; the consumer gives a chunk back once it has read past
 * its last frame. One lock and two condition variables, taken once per
 * chunk (a few hundred frames), not per frame. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "portsniff/capture.h"
#include "readahead.h"

#define CHUNK_BYTES (256u * 1024u)
#define NCHUNKS 8u

typedef struct record {
    int64_t ts_ns;
    uint32_t caplen, len;
} record;

/* used is written by the reader only while it fills the chunk, before
 * handing it over under the lock; the reader keeps its running length in a
 * local, so that the consumer's reads of a neighbouring chunk's entry do not
 * pull the line back and forth between the cores a packet at a time. */
typedef struct chunk {
    uint8_t *buf;
    size_t cap, used;
} chunk;

struct ps_readahead {
    pcap_t *pc;
    int nano;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled_cv, freed_cv;
    chunk c[NCHUNKS];
    /* under lock */
    uint64_t filled;      /* chunks handed over */
    uint64_t taken;       /* chunks given back */
    int done;             /* the reader has handed over its last chunk */
    int status;           /* then: 0 end of file, -1 libpcap failed */
    int quit;             /* the consumer has stopped */
    char error[PCAP_ERRBUF_SIZE];
    /* the consumer's own, on a cache line of its own */
    _Alignas(64) uint64_t cur;  /* the chunk being read, when holding */
    const uint8_t *base;  /* its bytes */
    size_t off, end;      /* the next record's offset; the chunk's length */
    int holding;
};

static size_t record_bytes(uint32_t caplen)
{
    return sizeof(record) + (((size_t)caplen + 7u) & ~(size_t)7u);
}

/* Hand over chunk n (its records so far); with last, also the end. */
static void hand_over(ps_readahead *r, uint64_t n, int last, int status)
{
    pthread_mutex_lock(&r->lock);
    if (r->c[n % NCHUNKS].used)
        r->filled = n + 1;
    if (last) {
        r->done = 1;
        r->status = status;
    }
    pthread_cond_signal(&r->filled_cv);
    pthread_mutex_unlock(&r->lock);
}

/* Waits until chunk n is free; 0 when the consumer has stopped. */
static int wait_free(ps_readahead *r, uint64_t n)
{
    pthread_mutex_lock(&r->lock);
    while (n - r->taken >= NCHUNKS && !r->quit)
        pthread_cond_wait(&r->freed_cv, &r->lock);
    int go = !r->quit;
    pthread_mutex_unlock(&r->lock);
    return go;
}

/* The reader's own state while libpcap calls back with each record. */
typedef struct filling {
    ps_readahead *r;
    uint64_t n;           /* the chunk being filled */
    size_t used;          /* its length so far */
    int stopped;          /* the consumer has gone, or memory ran out */
} filling;

/* Called by pcap_dispatch for every record: copies it into the chunk being
 * filled, handing that over first (and waiting for the next to be free)
 * when the record does not fit. pcap_dispatch rather than pcap_next_ex:
 * the latter stores every header into the pcap_t, a line the profile showed
 * as the reader's costliest store. */
static void take_record(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    filling *s = (filling *)user;
    ps_readahead *r = s->r;
    chunk *c = &r->c[s->n % NCHUNKS];
    size_t need = record_bytes(h->caplen);

    if (s->used + need > c->cap) {
        if (s->used) {            /* full: the record opens the next chunk */
            c->used = s->used;
            hand_over(r, s->n, 0, 0);
            s->n++;
            s->used = 0;
            if (!wait_free(r, s->n)) {
                s->stopped = 1;
                pcap_breakloop(r->pc);
                return;
            }
            c = &r->c[s->n % NCHUNKS];
        }
        if (need > c->cap) {      /* one frame larger than a chunk */
            uint8_t *b = realloc(c->buf, need);
            if (!b) {
                snprintf(r->error, sizeof(r->error), "out of memory reading ahead");
                s->stopped = 1;
                c->used = 0;
                hand_over(r, s->n, 1, -1);
                pcap_breakloop(r->pc);
                return;
            }
            c->buf = b;
            c->cap = need;
        }
    }
    record *rec = (record *)(c->buf + s->used);
    rec->ts_ns = capture_timestamp_ns(h->ts.tv_sec, h->ts.tv_usec, r->nano);
    rec->caplen = h->caplen;
    rec->len = h->len;
    memcpy(rec + 1, data, h->caplen);
    s->used += need;
}

static void *reader_main(void *arg)
{
    filling s = { .r = arg };
    ps_readahead *r = s.r;

    if (!wait_free(r, 0))
        return NULL;
    for (;;) {
        int got = pcap_dispatch(r->pc, -1, take_record, (u_char *)&s);
        if (s.stopped)
            return NULL;
        if (got > 0)
            continue;
        if (got < 0 && got != PCAP_ERROR_BREAK)
            snprintf(r->error, sizeof(r->error), "%s", pcap_geterr(r->pc));
        r->c[s.n % NCHUNKS].used = s.used;
        hand_over(r, s.n, 1, got < 0 && got != PCAP_ERROR_BREAK ? -1 : 0);
        return NULL;
    }
}

ps_readahead *readahead_start(pcap_t *pc, int nano)
{
    size_t size = (sizeof(ps_readahead) + 63u) & ~(size_t)63u;
    ps_readahead *r = aligned_alloc(64, size);
    if (!r)
        return NULL;
    memset(r, 0, size);
    r->pc = pc;
    r->nano = nano;
    for (unsigned i = 0; i < NCHUNKS; i++) {
        r->c[i].buf = malloc(CHUNK_BYTES);
        r->c[i].cap = CHUNK_BYTES;
        if (!r->c[i].buf)
            goto fail;
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        goto fail;
    pthread_cond_init(&r->filled_cv, NULL);
    pthread_cond_init(&r->freed_cv, NULL);
    /* Signals stay with the threads that handle them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = pthread_create(&r->thread, NULL, reader_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err == 0)
        return r;
    pthread_cond_destroy(&r->filled_cv);
    pthread_cond_destroy(&r->freed_cv);
    pthread_mutex_destroy(&r->lock);
fail:
    for (unsigned i = 0; i < NCHUNKS; i++)
        free(r->c[i].buf);
    free(r);
    return NULL;
}

int readahead_next(ps_readahead *r, ps_frame *f)
{
    for (;;) {
        if (r->holding) {
            if (r->off < r->end) {
                const record *rec = (const record *)(r->base + r->off);
                f->ts_ns = rec->ts_ns;
                f->caplen = rec->caplen;
                f->len = rec->len;
                f->data = (const uint8_t *)(rec + 1);
                r->off += record_bytes(rec->caplen);
                /* The next record was written on the reader's core: fetch
                 * its header and first bytes while this frame is decoded. */
                __builtin_prefetch(r->base + r->off);
                __builtin_prefetch(r->base + r->off + 64);
                return 1;
            }
            /* Read past its last frame: the previous frame's bytes are no
             * longer needed, the chunk goes back. */
            pthread_mutex_lock(&r->lock);
            r->taken++;
            pthread_cond_signal(&r->freed_cv);
            pthread_mutex_unlock(&r->lock);
            r->cur++;
            r->holding = 0;
        }
        pthread_mutex_lock(&r->lock);
        while (r->cur == r->filled && !r->done)
            pthread_cond_wait(&r->filled_cv, &r->lock);
        int more = r->cur < r->filled, status = r->status;
        if (more) {
            r->base = r->c[r->cur % NCHUNKS].buf;
            r->end = r->c[r->cur % NCHUNKS].used;
        }
        pthread_mutex_unlock(&r->lock);
        if (!more)
            return status < 0 ? -1 : 0;
        r->holding = 1;
        r->off = 0;
    }
}

const char *readahead_error(const ps_readahead *r)
{
    return r->error;
}

void readahead_stop(ps_readahead *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->quit = 1;
    pthread_cond_signal(&r->freed_cv);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->filled_cv);
    pthread_cond_destroy(&r->freed_cv);
    pthread_mutex_destroy(&r->lock);
    for (unsigned i = 0; i < NCHUNKS; i++)
        free(r->c[i].buf);
    free(r);
}
