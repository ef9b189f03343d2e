/* The read-ahead of saved files (src/readahead.c): every frame comes out
 * once, in file order, whole; decoding is shared between the reader thread
 * and the consumer without a frame decoded twice or lost, whichever of the
 * two is the slower; and a consumer that stops early stops the reader. Each
 * case runs on a plain pcap file (read in raw blocks) and on the same file
 * in the other byte order (read through libpcap into record chunks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "deadline.h"
#include "readahead.h"

#define FRAMES 1000u
#define FRAME_BYTES 1000u   /* about 260 to a 256 KiB chunk: 4 chunks, all decodable */
#define MANY_FRAMES 4000u   /* 16 chunks: more than the reader may hold (8) */

static uint32_t nframes = FRAMES;   /* in the capture a case writes */

/* What the test decoder writes for a frame. */
typedef struct decoded {
    int64_t ts_ns;
    uint32_t caplen, len, index;
} decoded;

static _Atomic size_t decode_calls;
static _Atomic int decode_wrong_link;
static long decode_spin_ns;   /* busy work a frame: a slow decoder */
static char path[64];

static uint32_t swap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static uint16_t swap16(uint16_t v)
{
    return (uint16_t)(v << 8 | v >> 8);
}

/* Writes nframes Ethernet frames of FRAME_BYTES into a new file at `path`;
 * frame i holds i in its bytes 14-17 and is stamped i s + i us. swapped:
 * in the other byte order. */
static void write_capture(int swapped)
{
    snprintf(path, sizeof path, "/tmp/test_readahead.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    assert_non_null(fp);
    uint32_t (*w32)(uint32_t) = swapped ? swap32 : NULL;
    struct {
        uint32_t magic;
        uint16_t major, minor;
        int32_t zone;
        uint32_t sigfigs, snaplen, link;
    } fh = {0xa1b2c3d4u, 2, 4, 0, 0, 65535, 1};
    if (w32) {
        fh.magic = w32(fh.magic);
        fh.major = swap16(fh.major);
        fh.minor = swap16(fh.minor);
        fh.snaplen = w32(fh.snaplen);
        fh.link = w32(fh.link);
    }
    assert_int_equal(fwrite(&fh, sizeof fh, 1, fp), 1);
    uint8_t frame[FRAME_BYTES];
    for (uint32_t i = 0; i < nframes; i++) {
        uint32_t h[4] = {i, i, FRAME_BYTES, FRAME_BYTES};
        for (int k = 0; w32 && k < 4; k++)
            h[k] = w32(h[k]);
        memset(frame, (int)(i & 0xff), sizeof frame);
        memset(frame + 12, 0x88, 1);   /* a local-experimental EtherType */
        memset(frame + 13, 0xb5, 1);
        memcpy(frame + 14, &i, sizeof i);
        assert_int_equal(fwrite(h, sizeof h, 1, fp), 1);
        assert_int_equal(fwrite(frame, sizeof frame, 1, fp), 1);
    }
    assert_int_equal(fclose(fp), 0);
}

static void decode(const void *ctx, int dlt, const uint8_t *data, uint32_t caplen, uint32_t len,
                   int64_t ts_ns, void *out, void *out_cold)
{
    (void)ctx;
    if (dlt != 1)   /* this runs in the reader thread: checked by the consumer */
        atomic_store(&decode_wrong_link, 1);
    if (decode_spin_ns) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        do
            clock_gettime(CLOCK_MONOTONIC, &b);
        while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < decode_spin_ns);
    }
    decoded d = {ts_ns, caplen, len, 0};
    memcpy(&d.index, data + 14, sizeof d.index);
    memcpy(out, &d, sizeof d);
    memcpy(out_cold, &d.index, sizeof d.index);   /* the cold part: the index again */
    atomic_fetch_add(&decode_calls, 1);
}

static pcap_t *open_capture(void)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    assert_non_null(pc);
    return pc;
}

static ps_readahead *start(pcap_t *pc, const ps_readahead_spare *spare)
{
    const ps_readahead_decoder dec = {
        .fn = decode, .ctx = NULL, .size = 64, .cold = 16, .dlt = 1,
    };
    ps_readahead *r = readahead_start(pc, 0, 0, &dec, spare);
    assert_non_null(r);
    return r;
}

/* Reads every frame, checking each; counts those that came decoded. */
static void read_all(ps_readahead *r, size_t *got_decoded, size_t *got_raw)
{
    ps_frame f;
    uint32_t i = 0;
    int n;
    *got_decoded = *got_raw = 0;
    while ((n = readahead_next(r, &f)) == 1) {
        assert_true(i < nframes);
        int64_t ts = (int64_t)i * 1000000000 + (int64_t)i * 1000;
        assert_int_equal(f.ts_ns, ts);
        if (f.decoded) {
            decoded d;
            memcpy(&d, f.decoded, sizeof d);
            assert_int_equal(d.ts_ns, ts);
            assert_int_equal(d.caplen, FRAME_BYTES);
            assert_int_equal(d.len, FRAME_BYTES);
            assert_int_equal(d.index, i);
            uint32_t cold;
            memcpy(&cold, f.decoded_cold, sizeof cold);
            assert_int_equal(cold, i);
            (*got_decoded)++;
        } else {
            uint32_t at;
            assert_int_equal(f.caplen, FRAME_BYTES);
            assert_int_equal(f.len, FRAME_BYTES);
            memcpy(&at, f.data + 14, sizeof at);
            assert_int_equal(at, i);
            assert_int_equal(f.data[FRAME_BYTES - 1], i & 0xff);
            (*got_raw)++;
        }
        i++;
    }
    assert_int_equal(n, 0);
    assert_int_equal(i, nframes);
    assert_int_equal(atomic_load(&decode_wrong_link), 0);
}

/* A case's read-ahead: the capture written (swapped: in the other byte
 * order), the decoder reset to spin_ns a frame, the reading started. */
typedef struct run {
    pcap_t *pc;
    ps_readahead *r;
} run;

static run begin_with(void **state, long spin_ns, uint32_t frames, const ps_readahead_spare *spare)
{
    nframes = frames;
    write_capture(*(const int *)*state);
    atomic_store(&decode_calls, 0);
    decode_spin_ns = spin_ns;
    run c;
    c.pc = open_capture();
    c.r = start(c.pc, spare);
    return c;
}

static run begin(void **state, long spin_ns)
{
    return begin_with(state, spin_ns, FRAMES, NULL);
}

static void end(run *c)
{
    readahead_stop(c->r);
    pcap_close(c->pc);
    unlink(path);
}

/* A consumer that comes only once the reader has decoded every frame (the
 * file fits in the chunks, so the reader reads it all and then decodes it
 * all) gets every frame decoded, each decoded once. */
static void test_consumer_late(void **state)
{
    run c = begin(state, 0);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (atomic_load(&decode_calls) < FRAMES) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        assert_true(t.tv_sec - t0.tv_sec < 60);   /* the reader never finished */
        sched_yield();
    }
    size_t dec, raw;
    read_all(c.r, &dec, &raw);
    end(&c);
    assert_int_equal(dec, FRAMES);
    assert_int_equal(raw, 0);
    assert_int_equal(atomic_load(&decode_calls), FRAMES);
}

/* A decoder far slower than the consumer (1 ms a frame: the reader would
 * need 1 s for the file, so the consumer would have to lose its CPU for
 * most of a second to find every frame decoded, and the case ends after a
 * few batches of 32 ms): the consumer takes over the frames the reader
 * has not claimed, and what each decoded adds up to the file, none twice. */
static void test_decoder_slow(void **state)
{
    run c = begin(state, 1000000);
    size_t dec, raw;
    read_all(c.r, &dec, &raw);
    end(&c);
    assert_true(raw > 0);
    assert_int_equal(dec + raw, FRAMES);
    assert_int_equal(atomic_load(&decode_calls), dec);
}

/* A consumer that stops after a few frames while the reader decodes: the
 * reader stops too, and what was decoded was decoded once. */
static void test_stop_early(void **state)
{
    run c = begin(state, 50000);
    ps_frame f;
    for (uint32_t i = 0; i < 10; i++) {
        assert_int_equal(readahead_next(c.r, &f), 1);
        assert_int_equal(f.ts_ns, (int64_t)i * 1000000000 + (int64_t)i * 1000);
    }
    end(&c);
    assert_true(atomic_load(&decode_calls) <= FRAMES);
}

/* The reader's spare work: the first 5 calls say they did some, the 6th
 * says there was none and tells the test. */
typedef struct spare_count {
    atomic_int calls;
    sem_t sixth;
} spare_count;

static int spare_fn(void *ctx)
{
    spare_count *c = ctx;
    int n = atomic_fetch_add(&c->calls, 1) + 1;
    if (n == 6)
        sem_post(&c->sixth);
    return n < 6;
}

/* A reader with every chunk full and a consumer that has taken none does
 * its spare work, calling again while there was some (5 times), and sleeps
 * once there is none: the 6th call is the last until the consumer gives
 * chunks back. Then every frame comes out as without. */
static void test_spare_work(void **state)
{
    spare_count count;
    atomic_init(&count.calls, 0);
    sem_init(&count.sixth, 0, 0);
    const ps_readahead_spare spare = {.fn = spare_fn, .ctx = &count};
    run c = begin_with(state, 0, MANY_FRAMES, &spare);
    struct timespec limit = a_minute_on();   /* else the reader never did its spare work */
    assert_int_equal(sem_timedwait(&count.sixth, &limit), 0);
    /* The reader is asleep now, or about to be: nothing calls again. */
    assert_int_equal(atomic_load(&count.calls), 6);
    size_t dec, raw;
    read_all(c.r, &dec, &raw);
    end(&c);
    assert_int_equal(dec + raw, MANY_FRAMES);
    assert_int_equal(atomic_load(&decode_calls), dec);
    assert_true(atomic_load(&count.calls) >= 6);
    sem_destroy(&count.sixth);
    nframes = FRAMES;
}

/* The state letter of thread tid of this process (R, S, D...), or 0. */
static char thread_state(pid_t tid)
{
    char name[64], line[512];
    snprintf(name, sizeof name, "/proc/self/task/%d/stat", (int)tid);
    FILE *fp = fopen(name, "r");
    if (!fp)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, fp);
    fclose(fp);
    line[n] = 0;
    const char *paren = strrchr(line, ')');   /* the name may hold anything */
    return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* The consumer of test_spare_race, in a thread of its own. */
typedef struct race {
    ps_readahead *r;
    sem_t full, started, finished;
    _Atomic pid_t consumer;
    atomic_int calls, slept;
    size_t dec, raw;
} race;

static void *race_consumer(void *arg)
{
    race *c = arg;
    sem_wait(&c->full);
    atomic_store(&c->consumer, (pid_t)syscall(SYS_gettid));
    sem_post(&c->started);
    read_all(c->r, &c->dec, &c->raw);
    sem_post(&c->finished);
    return NULL;
}

/* The first call (every chunk full) lets the consumer go and returns only
 * once it sleeps, having taken every chunk: it sleeps nowhere else. Any
 * later call has nothing to do. */
static int race_spare(void *ctx)
{
    race *c = ctx;
    if (atomic_fetch_add(&c->calls, 1) != 0)
        return 0;
    sem_post(&c->full);
    struct timespec limit = a_minute_on();
    if (sem_timedwait(&c->started, &limit) != 0)
        return 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        if (thread_state(atomic_load(&c->consumer)) == 'S') {
            atomic_store(&c->slept, 1);
            break;
        }
        sched_yield();
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (t.tv_sec - t0.tv_sec < 60);
    return 0;
}

/* The spare work runs without the lock. Here the consumer takes every
 * chunk while it runs and goes to sleep waiting for the next, with nobody
 * waiting to be told of the chunks it gave back. The reader must look at
 * the chunks again after the spare work, not sleep at once: it would never
 * be woken, and neither would the consumer (the read-ahead hung so, once
 * in about 15 runs of test_spare_work under ASan). */
static void test_spare_race(void **state)
{
    race c = {0};
    sem_init(&c.full, 0, 0);
    sem_init(&c.started, 0, 0);
    sem_init(&c.finished, 0, 0);
    const ps_readahead_spare spare = {.fn = race_spare, .ctx = &c};
    pthread_t consumer;
    run rc = begin_with(state, 0, MANY_FRAMES, &spare);
    c.r = rc.r;
    assert_int_equal(pthread_create(&consumer, NULL, race_consumer, &c), 0);
    struct timespec limit = a_minute_on();
    /* Without the second look, this is where the test stops: both asleep. */
    assert_int_equal(sem_timedwait(&c.finished, &limit), 0);
    pthread_join(consumer, NULL);
    assert_int_equal(atomic_load(&c.slept), 1);   /* the race was run, not missed */
    end(&rc);
    assert_int_equal(c.dec + c.raw, MANY_FRAMES);
    assert_int_equal(atomic_load(&decode_calls), c.dec);
    assert_true(atomic_load(&c.calls) >= 1);
    sem_destroy(&c.full);
    sem_destroy(&c.started);
    sem_destroy(&c.finished);
    nframes = FRAMES;
}

/* Each case's state: the file in this host's byte order (raw chunks) or
 * the other (record chunks). */
static int in_host_order = 0, in_other_order = 1;

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_consumer_late, &in_host_order),
        cmocka_unit_test_prestate(test_consumer_late, &in_other_order),
        cmocka_unit_test_prestate(test_decoder_slow, &in_host_order),
        cmocka_unit_test_prestate(test_decoder_slow, &in_other_order),
        cmocka_unit_test_prestate(test_stop_early, &in_host_order),
        cmocka_unit_test_prestate(test_stop_early, &in_other_order),
        cmocka_unit_test_prestate(test_spare_work, &in_host_order),
        cmocka_unit_test_prestate(test_spare_work, &in_other_order),
        cmocka_unit_test_prestate(test_spare_race, &in_host_order),
        cmocka_unit_test_prestate(test_spare_race, &in_other_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
