/* -w, -G, -W: saved packets and rotated files (portsniff/savefile.h). */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "portsniff/savefile.h"

/* The snapshot length written in the -w file's header: the source's, but
 * never below libpcap's largest, so that a later -r file with longer records
 * still fits what readers accept. */
#define SAVE_SNAPLEN_MIN 262144

typedef struct save_worker {
    ps_savefile *s;
    ps_pipeline *p;
} save_worker;

struct ps_savefile {
    ps_savefile_config cfg;
    ps_outfile *save;             /* the -w output, or NULL */
    pcap_t *dead;                 /* the -w file's link type and snapshot length */
    pcap_dumper_t *dumper;        /* libpcap's writer over save's stream (the stream
                                     is save's: it is never pcap_dump_close'd) */
    int dlt;                      /* -1 until the first source opens */
    int started;                  /* the first period has begun */
    int done;                     /* -W reached, or a file could not be opened */
    int failed;                   /* a rotated file could not be opened */
    int64_t start_ns;             /* the current period's start */
    uint64_t files;               /* files begun (of each kind), for -W */
    ps_pipeline *w;               /* worker 0: the writers' lock */
    int nworkers;
    ps_flow_sink *sink;           /* rotates with the files, or NULL */
    ps_outfile **flows_slot;
    char save_name[PATH_MAX];     /* the current files' names */
    char flows_name[PATH_MAX];
    save_worker workers[PS_MAX_WORKERS];
};

static int64_t clock_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int savefile_name(const char *pattern, int rotating, int64_t ts_ns, char *buf, size_t len)
{
    if (!rotating) {
        size_t n = strlen(pattern);
        if (n == 0 || n >= len)
            return -1;
        memcpy(buf, pattern, n + 1);
        return 0;
    }
    time_t sec = (time_t)(ts_ns / 1000000000);
    struct tm tm;
    if (!localtime_r(&sec, &tm))
        return -1;
    /* The pattern is the user's, as tcpdump's -w name is. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n = strftime(buf, len, pattern, &tm);
#pragma GCC diagnostic pop
    return n == 0 ? -1 : 0;
}

/* Opens the file of the period starting at ts_ns from pattern into name. */
static ps_outfile *open_named(const char *pattern, int rotating, int64_t ts_ns, char *name)
{
    if (savefile_name(pattern, rotating, ts_ns, name, PATH_MAX) != 0) {
        fprintf(stderr, "portsniff: %s: the file name is empty or too long once its time "
                "is filled in\n", pattern);
        return NULL;
    }
    return outfile_open(name);
}

ps_savefile *savefile_open(const ps_savefile_config *cfg, ps_outfile **flows)
{
    ps_savefile *s = calloc(1, sizeof(*s));
    int rotating = cfg->period_ns > 0;
    int64_t now = clock_now_ns();

    if (!s) {
        fprintf(stderr, "portsniff: out of memory\n");
        return NULL;
    }
    s->cfg = *cfg;
    s->dlt = -1;
    s->files = 1;
    /* A live capture's first period starts now; a file's with its first
     * packet, and its files are renamed then if the name changes (the files
     * opened now prove that the paths can be written). */
    s->start_ns = now;
    s->started = cfg->live;
    if (cfg->save_path &&
        !(s->save = open_named(cfg->save_path, rotating, now, s->save_name))) {
        free(s);
        return NULL;
    }
    if (cfg->flows_path &&
        !(*flows = open_named(cfg->flows_path, rotating, now, s->flows_name))) {
        outfile_abort(s->save);
        free(s);
        return NULL;
    }
    return s;
}

ps_outfile *savefile_output(const ps_savefile *s)
{
    return s ? s->save : NULL;
}

void savefile_bind(ps_savefile *s, ps_pipeline *w, int nworkers, ps_flow_sink *sink,
                   ps_outfile **flows_slot)
{
    s->w = w;
    s->nworkers = nworkers;
    s->sink = s->cfg.flows_path ? sink : NULL;
    s->flows_slot = flows_slot;
    for (int i = 0; i < nworkers && i < PS_MAX_WORKERS; i++)
        s->workers[i] = (save_worker){s, &w[i]};
}

void *savefile_worker(ps_savefile *s, int i)
{
    return &s->workers[i];
}

/* libpcap writes the file header at once (into the output's buffer). */
static int begin_dump(ps_savefile *s)
{
    FILE *f = outfile_stream(s->save);

    s->dumper = f ? pcap_dump_fopen(s->dead, f) : NULL;
    if (!s->dumper && !outfile_failed(s->save)) {
        fprintf(stderr, "portsniff: %s: cannot write: %s\n", outfile_name(s->save),
                f ? pcap_geterr(s->dead) : "out of memory");
        return -1;
    }
    return 0;
}

/* Stops the run because a file of the next period cannot be begun. */
static void give_up(ps_savefile *s)
{
    s->done = 1;
    s->failed = 1;
    capture_request_abort();
}

/* The files of the period starting at ts_ns replace the current ones. With
 * `discard`, the current ones are thrown away instead of committed (the
 * files opened before a file capture's first packet, under another name). */
static void switch_files(ps_savefile *s, int64_t ts_ns, int discard)
{
    char name[PATH_MAX];

    if (s->save) {
        ps_outfile *next;
        if (savefile_name(s->cfg.save_path, 1, ts_ns, name, sizeof(name)) == 0 &&
            discard && strcmp(name, s->save_name) == 0) {
            next = NULL;   /* the same name: keep what is open */
        } else if (!(next = open_named(s->cfg.save_path, 1, ts_ns, name))) {
            give_up(s);
            return;
        }
        if (next) {
            (discard ? outfile_abort : outfile_close)(s->save);
            s->save = next;
            memcpy(s->save_name, name, sizeof(name));
            s->dumper = NULL;
            if (s->dead && begin_dump(s) != 0) {
                give_up(s);
                return;
            }
        }
    }
    if (s->sink) {
        ps_outfile *old = *s->flows_slot, *next;
        if (savefile_name(s->cfg.flows_path, 1, ts_ns, name, sizeof(name)) == 0 &&
            discard && strcmp(name, s->flows_name) == 0)
            return;
        if (!(next = open_named(s->cfg.flows_path, 1, ts_ns, name))) {
            give_up(s);
            return;
        }
        flow_sink_switch(s->sink, next);
        *s->flows_slot = next;
        memcpy(s->flows_name, name, sizeof(name));
        (discard ? outfile_abort : outfile_close)(old);
    }
}

/* Time t has come (packet time for files, the clock live): a new period
 * when the current one is over. Under the writers' lock. */
static void check_period(ps_savefile *s, int64_t t)
{
    if (!s->started) {
        s->started = 1;
        s->start_ns = t;
        switch_files(s, t, 1);
        return;
    }
    if (t - s->start_ns < s->cfg.period_ns)
        return;
    if (s->cfg.max_files && s->files >= s->cfg.max_files) {
        s->done = 1;
        fprintf(stderr, "portsniff: maximum file limit reached: %" PRIu64 "\n", s->files);
        capture_request_stop();
        return;
    }
    s->files++;
    s->start_ns = t;
    switch_files(s, t, 0);
}

static int save_source(void *w, const char *name, int dlt, int snaplen)
{
    ps_savefile *s = ((save_worker *)w)->s;

    if (!s->save)
        return 0;
    if (s->dlt >= 0) {
        if (dlt == s->dlt)
            return 0;
        const char *have = pcap_datalink_val_to_name(s->dlt);
        const char *got = pcap_datalink_val_to_name(dlt);
        fprintf(stderr, "portsniff: %s: link type %s differs from the first input's (%s): "
                "-w writes one link type\n", name, got ? got : "?", have ? have : "?");
        return -1;
    }
    s->dlt = dlt;
    s->dead = pcap_open_dead(dlt, snaplen > SAVE_SNAPLEN_MIN ? snaplen : SAVE_SNAPLEN_MIN);
    if (!s->dead) {
        fprintf(stderr, "portsniff: out of memory\n");
        return -1;
    }
    return begin_dump(s);
}

static void save_frame(void *w, int dlt, const uint8_t *data, uint32_t caplen,
                       uint32_t wire_len, int64_t ts_ns)
{
    save_worker *sw = w;
    ps_savefile *s = sw->s;

    if (s->done)
        return;
    if (s->cfg.period_ns && !s->cfg.live) {
        check_period(s, ts_ns);
        if (s->done)
            return;
    }
    if (s->dumper) {
        struct pcap_pkthdr h;
        h.ts.tv_sec = (time_t)(ts_ns / 1000000000);
        h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000 / 1000);
        h.caplen = caplen;
        h.len = wire_len;
        pipeline_lock_writers(s->w);
        pcap_dump((u_char *)s->dumper, &h, data);
        pipeline_unlock_writers(s->w);
    }
    pipeline_capture_sink.frame(sw->p, dlt, data, caplen, wire_len, ts_ns);
}

static void save_tick(void *w, int64_t now_ns, const ps_kernel_counts *k)
{
    save_worker *sw = w;
    ps_savefile *s = sw->s;

    if (s->cfg.period_ns && s->cfg.live) {
        pipeline_lock_writers(s->w);
        if (!s->done)
            check_period(s, now_ns);
        pipeline_unlock_writers(s->w);
    }
    pipeline_capture_sink.tick(sw->p, now_ns, k);
}

static int save_snapshot(void *w)
{
    return pipeline_capture_sink.snapshot(((save_worker *)w)->p);
}

static void save_finish(void *w, const ps_kernel_counts *k)
{
    pipeline_capture_sink.finish(((save_worker *)w)->p, k);
}

const ps_capture_sink savefile_capture_sink = {
    .source = save_source,
    .frame = save_frame,
    .tick = save_tick,
    .snapshot = save_snapshot,
    .finish = save_finish,
};

int savefile_close(ps_savefile *s, int commit)
{
    int rc;

    if (!s)
        return 0;
    rc = s->failed ? -1 : 0;
    if (s->save && ((commit ? outfile_close : outfile_abort)(s->save) != 0))
        rc = -1;
    if (s->dead)
        pcap_close(s->dead);
    free(s);
    return rc;
}
