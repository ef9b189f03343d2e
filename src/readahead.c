/* Read-ahead of a saved file (readahead.h). The reader thread fills chunks
 * in turn and hands each over when the next record does not fit, or at the
 * end of the file; the consumer gives a chunk back once it has read past
 * its last frame. One lock and two condition variables, taken once per
 * chunk (a few hundred frames), not per frame.
 *
 * A chunk holds records in one of two forms. A plain pcap file in this
 * host's byte order (format 2.4, no filter, the common case) is read in
 * blocks straight into the chunks, its records left as the file has them
 * (raw chunks): one copy, the kernel's, instead of three (the kernel's into
 * stdio's buffer, libpcap's into its own, ours into the chunk). The reader
 * only walks the record headers to find where the last whole record in the
 * block ends, and carries the rest over to the next chunk. A record libpcap
 * would treat specially (caplen beyond the snapshot length or beyond the
 * wire length, a truncated record at the end) is left to libpcap: the file
 * is positioned at that record and read from there on as any other file,
 * so every error says what libpcap says. Any other file is read through
 * pcap_dispatch, each record copied into the chunk after a header of our
 * own (record chunks).
 *
 * Either way the reader notes where each record begins (idx), so that a
 * chunk's frames can be found by number.
 *
 * With a decoder, the reader also decodes a chunk's frames once it has
 * handed the chunk over, DECODE_BATCH frames at a time from the first on,
 * into an array beside the chunk: the consumer then takes each frame's
 * result instead of its bytes. The work is shared, not fixed: when the
 * consumer reaches a frame the reader has not decoded yet, the reader is
 * the slower of the two, and the consumer takes the rest of the chunk and
 * decodes it itself (waiting only for the batch the reader is in), while
 * the reader goes on to read the next chunk. When the consumer is the
 * slower one (flow records to write, flows to create), the reader decodes
 * every frame. A batch is claimed by moving the chunk's claim mark with a
 * compare-and-swap, and published by a release store of its done mark: two
 * atomic operations a batch, none a frame. At most DECODE_MAX frames a chunk
 * are decoded ahead (a chunk of tiny frames would otherwise hold thousands);
 * the consumer decodes any beyond them itself. Each chunk's array has
 * room for DECODE_MAX frames from the start, beside the chunks' buffers in
 * one huge-page mapping (see readahead_start); the frames' cold parts are
 * apart. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "portsniff/capture.h"
#include "readahead.h"
#include "huge_map.h"
#include "quiet_thread.h"

#define CHUNK_BYTES (256u * 1024u)
#define NCHUNKS 8u
#define DECODE_MAX 2048u
#define DECODE_BATCH 32u
/* A chunk's claim mark once the consumer has taken the rest of it. */
#define CLAIM_TAKEN SIZE_MAX

typedef struct record {
    int64_t ts_ns;
    uint32_t caplen, len;
} record;

/* used is written by the reader only while it fills the chunk, before
 * handing it over under the lock; the reader keeps its running length in a
 * local, so that the consumer's reads of a neighbouring chunk's entry do not
 * pull the line back and forth between the cores a packet at a time. */
typedef struct chunk {
    uint8_t *buf;         /* in the shared mapping (see readahead_start) until grown */
    size_t cap, used;
    int own;              /* buf was grown: malloc's */
    int raw;              /* pcap records as in the file, else `record`s */
    uint32_t *idx;        /* each record's offset, noted as the reader writes or walks them */
    size_t nrec, idx_cap;
    uint8_t *dec;         /* room for DECODE_MAX outputs */
    uint8_t *dec_cold;    /* and their cold parts */
    /* Shared by both threads once the chunk is handed over, on a line of
     * their own: frames [0, claim) are the reader's to decode (CLAIM_TAKEN:
     * the consumer has taken what the reader had not claimed), and frames
     * [0, done) are decoded. */
    _Alignas(64) _Atomic size_t claim;
    _Atomic size_t done;
} chunk;

/* A raw chunk's records are fetched this many ahead of the one handed out:
 * they were written on the reader's core, and their offsets are known. */
#define FETCH_AHEAD 4u

/* A pcap record header as a file in this host's byte order has it. */
typedef struct raw_header {
    uint32_t sec, frac, caplen, len;
} raw_header;

struct ps_readahead {
    pcap_t *pc;
    int nano;
    int raw;              /* the file is read in raw blocks (see the top) */
    int raw_nano;         /* its stamps are in ns */
    uint32_t snaplen;     /* libpcap's snapshot length for it */
    ps_readahead_decoder dec;   /* dec.fn NULL: frames are not decoded ahead */
    ps_readahead_spare spare;   /* spare.fn NULL: none */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled_cv, freed_cv;
    chunk c[NCHUNKS];
    uint8_t *map;         /* the chunks' buffers and decoded arrays, in one mapping */
    size_t map_bytes;
    uint8_t *cold;        /* the decoded arrays' cold parts */
    /* the reader's own */
    uint64_t handed;      /* chunks handed over */
    uint64_t dec_next;    /* the first of them not yet decoded */
    /* under lock */
    uint64_t filled;      /* chunks handed over */
    uint64_t taken;       /* chunks given back */
    uint64_t wake_at;     /* the reader waits for taken to reach this (0: not waiting) */
    int done;             /* the reader has handed over its last chunk */
    int status;           /* then: 0 end of file, -1 libpcap failed */
    int quit;             /* the consumer has stopped */
    char error[PCAP_ERRBUF_SIZE];
    /* the consumer's own, on a cache line of its own */
    _Alignas(64) uint64_t cur;  /* the chunk being read, when holding */
    chunk *ch;            /* it */
    int holding;
    size_t k, nrec;       /* the next record's number; how many */
    const uint8_t *dec_at;   /* the decoded frames */
    const uint8_t *cold_at;  /* their cold parts */
    size_t dec_lim;       /* frames [0, dec_lim) are decoded by the reader... */
    size_t ready;         /* ...of which [0, ready) are known to be done */
};

static size_t record_bytes(uint32_t caplen)
{
    return sizeof(record) + (((size_t)caplen + 7u) & ~(size_t)7u);
}

/* The frame of the raw record at `at`. */
static void raw_frame(const ps_readahead *r, const uint8_t *at, ps_frame *f)
{
    raw_header h;
    memcpy(&h, at, sizeof h);
    f->ts_ns = capture_timestamp_ns(h.sec, h.frac, r->raw_nano);
    f->caplen = h.caplen;
    f->len = h.len;
    f->data = at + sizeof h;
}

/* The frame of the record at `at`. */
static void record_frame(const uint8_t *at, ps_frame *f)
{
    const record *rec = (const record *)(const void *)at;
    f->ts_ns = rec->ts_ns;
    f->caplen = rec->caplen;
    f->len = rec->len;
    f->data = (const uint8_t *)(rec + 1);
}

/* The frame numbered k in chunk c. */
static void chunk_frame(const ps_readahead *r, const chunk *c, size_t k, ps_frame *f)
{
    if (c->raw)
        raw_frame(r, c->buf + c->idx[k], f);
    else
        record_frame(c->buf + c->idx[k], f);
}

/* Decodes chunk c's frames (up to DECODE_MAX) into c->dec, a batch at a
 * time, until they are done or the consumer has taken the rest. */
static void decode_chunk(ps_readahead *r, chunk *c)
{
    size_t limit = c->nrec < DECODE_MAX ? c->nrec : DECODE_MAX;
    size_t from = atomic_load_explicit(&c->claim, memory_order_relaxed);

    while (from < limit) {
        size_t to = limit - from < DECODE_BATCH ? limit : from + DECODE_BATCH;
        /* Only the consumer moves the mark otherwise, to CLAIM_TAKEN. */
        if (!atomic_compare_exchange_strong_explicit(&c->claim, &from, to, memory_order_relaxed,
                                                     memory_order_relaxed))
            return;
        for (size_t k = from; k < to; k++) {
            ps_frame f;
            chunk_frame(r, c, k, &f);
            r->dec.fn(r->dec.ctx, r->dec.dlt, f.data, f.caplen, f.len, f.ts_ns,
                      c->dec + k * r->dec.size, c->dec_cold ? c->dec_cold + k * r->dec.cold : NULL);
        }
#ifdef __SSE2__
        /* The decoder may have stored around the cache: those stores are
         * made visible before the done mark's. */
        __builtin_ia32_sfence();
#endif
        atomic_store_explicit(&c->done, to, memory_order_release);
        from = to;
    }
}

/* Decodes the chunks handed over but for the last `keep` of them (what the
 * consumer has not taken of them). */
static void decode_behind(ps_readahead *r, uint64_t keep)
{
    if (!r->dec.fn)
        return;
    while (r->dec_next + keep < r->handed)
        decode_chunk(r, &r->c[r->dec_next++ % NCHUNKS]);
}

/* Hand over chunk n (its records so far); with last, also the end. Then,
 * with a decoder, decodes the chunk before it (all of them at the end):
 * decoding runs a chunk behind reading, so that a consumer that catches up
 * finds the next chunk read, if not decoded, instead of waiting for it. */
static void hand_over(ps_readahead *r, uint64_t n, int last, int status)
{
    chunk *c = &r->c[n % NCHUNKS];
    atomic_store_explicit(&c->claim, 0, memory_order_relaxed);
    atomic_store_explicit(&c->done, 0, memory_order_relaxed);
    pthread_mutex_lock(&r->lock);
    if (c->used)
        r->filled = n + 1;
    if (last) {
        r->done = 1;
        r->status = status;
    }
    pthread_cond_signal(&r->filled_cv);
    pthread_mutex_unlock(&r->lock);
    if (c->used)
        r->handed = n + 1;
    decode_behind(r, last ? 0 : 1);
}

/* Memory ran out: chunk n is handed over empty, as the end, with the error. */
static void out_of_memory(ps_readahead *r, uint64_t n)
{
    snprintf(r->error, sizeof(r->error), "out of memory reading ahead");
    r->c[n % NCHUNKS].used = 0;
    hand_over(r, n, 1, -1);
}

/* Frees the chunks and r itself. */
static void free_readahead(ps_readahead *r)
{
    for (unsigned i = 0; i < NCHUNKS; i++) {
        if (r->c[i].own)
            free(r->c[i].buf);
        free(r->c[i].idx);
    }
    huge_unmap(r->map, r->map_bytes);
    free(r->cold);
    free(r);
}

/* Waits until chunk n is free; 0 when the consumer has stopped. */
static int wait_free(ps_readahead *r, uint64_t n)
{
    pthread_mutex_lock(&r->lock);
    if (n - r->taken >= NCHUNKS && r->dec_next < r->handed) {
        /* No room to read into: decode what is left instead of waiting. */
        pthread_mutex_unlock(&r->lock);
        decode_behind(r, 0);
        pthread_mutex_lock(&r->lock);
    }
    /* A reader that has caught up does the spare work there is, looking
     * at the chunks between pieces of it, then waits for half the chunks
     * to come back, not one: a wake-up (a system call and a switch on each
     * side) every NCHUNKS / 2 chunks instead of every chunk. The spare work
     * runs without the lock, so the chunks are looked at again after it,
     * whatever it did: the consumer may have taken every chunk meanwhile,
     * found nobody waiting and gone to sleep itself, and a reader that
     * slept then would never be woken. */
    int idle = !r->spare.fn;
    while (n - r->taken >= NCHUNKS && !r->quit) {
        if (!idle) {
            pthread_mutex_unlock(&r->lock);
            idle = !r->spare.fn(r->spare.ctx);
            pthread_mutex_lock(&r->lock);
            continue;
        }
        r->wake_at = n - NCHUNKS / 2;
        pthread_cond_wait(&r->freed_cv, &r->lock);
        idle = !r->spare.fn;
    }
    r->wake_at = 0;
    int go = !r->quit;
    pthread_mutex_unlock(&r->lock);
    return go;
}

/* The reader's own state while libpcap calls back with each record. */
typedef struct filling {
    ps_readahead *r;
    uint64_t n;           /* the chunk being filled */
    size_t used;          /* its length so far */
    size_t nrec;          /* its records so far */
    int stopped;          /* the consumer has gone, or memory ran out */
} filling;

/* Gives chunk c a buffer of cap bytes (more than it has) that begins with
 * the first `keep` bytes of the old one. */
static int grow_buf(chunk *c, size_t cap, size_t keep)
{
    uint8_t *b = c->own ? realloc(c->buf, cap) : malloc(cap);
    if (!b)
        return -1;
    if (!c->own && keep)
        memcpy(b, c->buf, keep);
    c->buf = b;
    c->cap = cap;
    c->own = 1;
    return 0;
}

/* Room in c->idx for as many records as c->cap bytes can hold (each takes
 * 16 bytes at least, raw or not); -1 when memory ran out. */
static int reserve_idx(chunk *c)
{
    size_t n = c->cap / sizeof(raw_header) + 1;
    if (c->idx_cap >= n)
        return 0;
    uint32_t *v = realloc(c->idx, n * sizeof(*v));
    if (!v)
        return -1;
    c->idx = v;
    c->idx_cap = n;
    return 0;
}

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
            c->nrec = s->nrec;
            c->raw = 0;
            hand_over(r, s->n, 0, 0);
            s->n++;
            s->used = 0;
            s->nrec = 0;
            if (!wait_free(r, s->n)) {
                s->stopped = 1;
                pcap_breakloop(r->pc);
                return;
            }
            c = &r->c[s->n % NCHUNKS];
        }
        if (need > c->cap && grow_buf(c, need, 0) != 0) {   /* one frame larger than a chunk */
            s->stopped = 1;
            out_of_memory(r, s->n);
            pcap_breakloop(r->pc);
            return;
        }
    }
    if (!s->used && reserve_idx(c) != 0) {
        s->stopped = 1;
        out_of_memory(r, s->n);
        pcap_breakloop(r->pc);
        return;
    }
    c->idx[s->nrec++] = (uint32_t)s->used;
    record *rec = (record *)(c->buf + s->used);
    rec->ts_ns = capture_timestamp_ns(h->ts.tv_sec, h->ts.tv_usec, r->nano);
    rec->caplen = h->caplen;
    rec->len = h->len;
    memcpy(rec + 1, data, h->caplen);
    s->used += need;
}

/* Up to want bytes of the file at pos into buf: fewer only at its end; -1
 * with errno on failure. pread leaves stdio's buffer and the descriptor's
 * offset alone, so libpcap can take over at any record (fseeko). */
static ssize_t read_at(int fd, uint8_t *buf, size_t want, off_t pos)
{
    size_t got = 0;
    while (got < want) {
        ssize_t n = pread(fd, buf + got, want - got, pos + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Reads the file in blocks into raw chunks from the record after the file
 * header on. Returns 0 once the last chunk is handed over (end of file, or
 * an error), -1 when the consumer stopped, 1 when the rest of the file is
 * libpcap's: it is then positioned at the first record left, s->n is a free
 * chunk and nothing is carried over. */
static int read_raw(ps_readahead *r, filling *s)
{
    FILE *fp = pcap_file(r->pc);
    off_t pos = ftello(fp);   /* the file offset of the chunk's first byte */
    const uint8_t *carry_from = NULL;
    size_t carry = 0;         /* bytes of a record begun in the last chunk */

    if (pos < 0)
        return 1;
    for (;;) {
        chunk *c = &r->c[s->n % NCHUNKS];
        if (carry > c->cap / 2) {   /* a record larger than half a chunk */
            int in_place = carry_from == c->buf;   /* it begins this chunk already */
            if (grow_buf(c, carry * 2, in_place ? carry : 0) != 0) {
                out_of_memory(r, s->n);
                return 0;
            }
            if (in_place)
                carry_from = c->buf;
        }
        if (carry && carry_from != c->buf)
            memcpy(c->buf, carry_from, carry);
        size_t want = c->cap - carry;
        ssize_t nread = read_at(fileno(fp), c->buf + carry, want, pos + (off_t)carry);
        int failed = nread < 0, err = errno;
        size_t got = failed ? 0 : (size_t)nread;
        size_t avail = carry + got, off = 0, nrec = 0;
        int special = 0;
        if (reserve_idx(c) != 0) {
            out_of_memory(r, s->n);
            return 0;
        }
        while (avail - off >= sizeof(raw_header)) {
            raw_header h;
            memcpy(&h, c->buf + off, sizeof h);
            if (h.caplen > r->snaplen || h.caplen > h.len) {
                special = 1;
                break;
            }
            if (avail - off - sizeof h < h.caplen)
                break;
            c->idx[nrec++] = (uint32_t)off;
            off += sizeof h + h.caplen;
        }
        carry = avail - off;
        carry_from = c->buf + off;
        c->raw = 1;
        c->used = off;
        c->nrec = nrec;
        if (failed) {
            snprintf(r->error, sizeof(r->error), "error reading dump file: %s", strerror(err));
            hand_over(r, s->n, 1, -1);
            return 0;
        }
        int at_end = got < want;
        if (special || (at_end && carry)) {
            /* libpcap reads on from the record at pos + off. */
            if (off) {
                hand_over(r, s->n, 0, 0);
                s->n++;
                if (!wait_free(r, s->n))
                    return -1;
            }
            if (fseeko(fp, pos + (off_t)off, SEEK_SET) != 0) {
                snprintf(r->error, sizeof(r->error), "error reading dump file: %s",
                         strerror(errno));
                r->c[s->n % NCHUNKS].used = 0;
                hand_over(r, s->n, 1, -1);
                return 0;
            }
            return 1;
        }
        if (at_end) {
            hand_over(r, s->n, 1, 0);
            return 0;
        }
        if (!off)                     /* one record larger than the chunk */
            continue;
        hand_over(r, s->n, 0, 0);
        s->n++;
        pos += (off_t)off;
        if (!wait_free(r, s->n))
            return -1;
    }
}

static void *reader_main(void *arg)
{
    filling s = { .r = arg };
    ps_readahead *r = s.r;

    if (!wait_free(r, 0))
        return NULL;
    if (r->raw && read_raw(r, &s) <= 0)
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
        r->c[s.n % NCHUNKS].nrec = s.nrec;
        r->c[s.n % NCHUNKS].raw = 0;
        hand_over(r, s.n, 1, got < 0 && got != PCAP_ERROR_BREAK ? -1 : 0);
        return NULL;
    }
}

/* Whether pc's file can be read in raw blocks (see the top): the pcap
 * format 2.4 in this host's byte order, no filter to run, and no link type
 * whose records libpcap adjusts after reading them (Linux USB). */
static int raw_readable(pcap_t *pc, int filtered, int *nano)
{
    FILE *fp = pcap_file(pc);
    struct {
        uint32_t magic;
        uint16_t major, minor;
    } h;

    if (filtered || !fp || pcap_is_swapped(pc) || pcap_datalink(pc) == DLT_USB_LINUX ||
        pcap_datalink(pc) == DLT_USB_LINUX_MMAPPED || pcap_snapshot(pc) <= 0)
        return 0;
    /* libpcap has just read the 24-byte file header: it starts 24 bytes
     * back (not at 0 for standard input opened part-way into a file). */
    off_t at = ftello(fp) - 24;
    if (at < 0 || pread(fileno(fp), &h, sizeof h, at) != (ssize_t)sizeof h || h.major != 2 ||
        h.minor != 4)
        return 0;
    if (h.magic != 0xa1b2c3d4u && h.magic != 0xa1b23c4du)
        return 0;
    *nano = h.magic == 0xa1b23c4du;
    return 1;
}

ps_readahead *readahead_start(pcap_t *pc, int nano, int filtered, const ps_readahead_decoder *dec,
                              const ps_readahead_spare *spare)
{
    size_t size = (sizeof(ps_readahead) + 63u) & ~(size_t)63u;
    ps_readahead *r = aligned_alloc(64, size);
    if (!r)
        return NULL;
    memset(r, 0, size);
    r->pc = pc;
    r->nano = nano;
    r->raw = raw_readable(pc, filtered, &r->raw_nano);
    r->snaplen = (uint32_t)pcap_snapshot(pc);
    if (dec)
        r->dec = *dec;
    if (spare)
        r->spare = *spare;
    /* The chunks' buffers (2 MiB in all), then their decoded arrays (2 MiB
     * for 128 bytes a frame), in one mapping advised for huge pages: they
     * are reused chunk after chunk, so a huge page's one fault replaces 512
     * small ones (and each small one cost about 12 us on the benchmark's
     * virtual machine). The cold parts, which only some frames have, are
     * apart, in small pages that become resident as they are written. */
    size_t dec_bytes = r->dec.fn ? (DECODE_MAX * r->dec.size + 63u) & ~(size_t)63u : 0;
    size_t cold_bytes = r->dec.fn ? (DECODE_MAX * r->dec.cold + 63u) & ~(size_t)63u : 0;
    r->map_bytes = NCHUNKS * (CHUNK_BYTES + dec_bytes);
    if (!(r->map = huge_map(r->map_bytes)))
        goto fail;
    if (cold_bytes && !(r->cold = aligned_alloc(64, NCHUNKS * cold_bytes)))
        goto fail;
    for (unsigned i = 0; i < NCHUNKS; i++) {
        r->c[i].buf = r->map + (size_t)i * CHUNK_BYTES;
        r->c[i].cap = CHUNK_BYTES;
        if (r->dec.fn) {
            r->c[i].dec = r->map + NCHUNKS * CHUNK_BYTES + (size_t)i * dec_bytes;
            r->c[i].dec_cold = r->cold ? r->cold + (size_t)i * cold_bytes : NULL;
        }
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        goto fail;
    pthread_cond_init(&r->filled_cv, NULL);
    pthread_cond_init(&r->freed_cv, NULL);
    if (quiet_thread_start(&r->thread, reader_main, r) == 0)
        return r;
    pthread_cond_destroy(&r->filled_cv);
    pthread_cond_destroy(&r->freed_cv);
    pthread_mutex_destroy(&r->lock);
fail:
    free_readahead(r);
    return NULL;
}

static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Frame k of the chunk held is not known to be decoded: whether the reader
 * has decoded it by now, else the rest of the chunk is taken from it (see
 * the top), waiting for the batch it is in. 1 when frame k is decoded. */
static int catch_up(ps_readahead *r, size_t k)
{
    chunk *c = r->ch;
    r->ready = atomic_load_explicit(&c->done, memory_order_acquire);
    if (k < r->ready)
        return 1;
    r->dec_lim = atomic_exchange_explicit(&c->claim, CLAIM_TAKEN, memory_order_relaxed);
    for (unsigned spins = 0; r->ready < r->dec_lim; spins++) {
        /* A batch takes a few microseconds; a reader that has lost its CPU
         * gets it back sooner if this thread yields. */
        if (spins < 4096)
            spin_pause();
        else
            sched_yield();
        r->ready = atomic_load_explicit(&c->done, memory_order_acquire);
    }
    return k < r->dec_lim;
}

int readahead_next(ps_readahead *r, ps_frame *f)
{
    for (;;) {
        if (r->holding && r->k < r->nrec) {
            /* What comes next was written on the reader's core: fetch it a
             * few frames ahead, while the frames before it are counted. */
            size_t k = r->k++;
            if (k < r->dec_lim && (k < r->ready || catch_up(r, k))) {
                /* Decoded: the frame's own bytes are not read at all. */
                if (k + FETCH_AHEAD < r->ready) {
                    const uint8_t *ahead = r->dec_at + (k + FETCH_AHEAD) * r->dec.size;
                    for (size_t b = 0; b < r->dec.size; b += 64)
                        __builtin_prefetch(ahead + b);
                }
                f->decoded = r->dec_at + k * r->dec.size;
                f->decoded_cold = r->cold_at ? r->cold_at + k * r->dec.cold : NULL;
                memcpy(&f->ts_ns, f->decoded, sizeof f->ts_ns);
                return 1;
            }
            if (k + FETCH_AHEAD < r->nrec) {
                const uint8_t *ahead = r->ch->buf + r->ch->idx[k + FETCH_AHEAD];
                __builtin_prefetch(ahead);
                __builtin_prefetch(ahead + 64);
            }
            chunk_frame(r, r->ch, k, f);
            f->decoded = NULL;
            return 1;
        }
        if (r->holding) {
            /* Read past its last frame: the previous frame's bytes are no
             * longer needed, the chunk goes back. */
            pthread_mutex_lock(&r->lock);
            r->taken++;
            if (r->wake_at && r->taken >= r->wake_at) {
                r->wake_at = 0;
                pthread_cond_signal(&r->freed_cv);
            }
            pthread_mutex_unlock(&r->lock);
            r->cur++;
            r->holding = 0;
        }
        pthread_mutex_lock(&r->lock);
        while (r->cur == r->filled && !r->done)
            pthread_cond_wait(&r->filled_cv, &r->lock);
        int more = r->cur < r->filled, status = r->status;
        if (more) {
            chunk *c = &r->c[r->cur % NCHUNKS];
            r->ch = c;
            r->nrec = c->nrec;
            r->dec_at = c->dec;
            r->cold_at = c->dec_cold;
            r->dec_lim = !r->dec.fn ? 0 : c->nrec < DECODE_MAX ? c->nrec : DECODE_MAX;
        }
        pthread_mutex_unlock(&r->lock);
        if (!more)
            return status < 0 ? -1 : 0;
        r->holding = 1;
        r->k = 0;
        r->ready = 0;
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
    free_readahead(r);
}
