/* Capture sources (live interfaces, saved files) and the capture loop. The
 * capture hands frames to a sink (ps_capture_sink) and knows nothing of what
 * the sink does with them: a live capture with --workers N runs N sinks, one
 * per thread, each fed by its own handle in one kernel fanout group. */
#ifndef PORTSNIFF_CAPTURE_H
#define PORTSNIFF_CAPTURE_H

#include <stdint.h>

/* At most this many --workers (the kernel's fanout groups take 256). */
#define PS_MAX_WORKERS 64
/* The live ring per handle unless -B says otherwise: about half a second of
 * a saturated 1 Gbit/s link, so a burst or a reader that waits for the CPU
 * for a moment does not drop packets. */
#define PS_DEFAULT_LIVE_BUFFER_KIB (64 * 1024)

typedef struct ps_capture_opts {
    const char *const *files;  /* -r, in order; "-" is standard input */
    int nfiles;
    const char *iface;         /* -i */
    int snaplen;               /* -s; 0 for the default (262144) */
    int promisc;               /* 0 with -p */
    int buffer_kib;            /* -B, per handle; 0 for PS_DEFAULT_LIVE_BUFFER_KIB */
    const char *filter;        /* BPF expression or NULL */
    uint64_t count;            /* -c; 0 for no limit */
    double interval_s;         /* --interval; 0 for none */
    const char *drop_user;     /* -Z; NULL to keep privileges */
    int dlt;                   /* -y: the link type to capture with; -1 for the interface's default */
    int workers;               /* --workers; 0: one handle, no fanout group */
    int immediate;             /* deliver each packet at once (--immediate-mode) */
} ps_capture_opts;

/* The kernel's counters for one live handle (pcap_stats), since it opened. */
typedef struct ps_kernel_counts {
    uint64_t received;         /* packets the kernel's filter accepted, dropped ones included */
    uint64_t dropped;          /* not queued: the ring was full */
    uint64_t if_dropped;       /* dropped by the interface (as libpcap reports it) */
} ps_kernel_counts;

/* Where frames go. Each worker has its own context (`w`); a live capture
 * calls a worker's functions from that worker's thread only, a file capture
 * calls worker 0's from the calling thread. */
typedef struct ps_capture_sink {
    /* A source opens (each -r file as it is reached; a live capture once,
     * before its workers start), with its link type and snapshot length.
     * Nonzero refuses it (after a one-line error): the run ends with exit
     * status 1. May be NULL. */
    int (*source)(void *w, const char *name, int dlt, int snaplen);
    /* One frame; ts_ns as capture_timestamp_ns gives it. */
    void (*frame)(void *w, int dlt, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                  int64_t ts_ns);
    /* Optional (NULL for none): a saved file's frames decoded ahead, in the
     * read-ahead thread. decode writes decoded_size bytes at out for a
     * frame, beginning with ts_ns (an int64_t), and up to decoded_cold bytes
     * at out_cold, what only some frames need (kept apart, so that the
     * frames' hot parts lie close together); it runs while frame and
     * decoded run in the capture thread, so it may read only what does not
     * change during the run. decoded then takes the result, in file order,
     * in place of frame (which still comes for frames that were not decoded
     * ahead). Each result's decoded_size bytes are fetched into cache ahead
     * of decoded. */
    void (*decode)(const void *w, int dlt, const uint8_t *data, uint32_t caplen,
                   uint32_t wire_len, int64_t ts_ns, void *out, void *out_cold);
    void (*decoded)(void *w, int dlt, const void *in, const void *in_cold);
    size_t decoded_size, decoded_cold;
    /* Optional (NULL for none): while a saved file is read ahead, the sink
     * may leave some of its work to the read-ahead thread. defer(w, 1) comes
     * before that thread starts and defer(w, 0) before anything else is
     * written (an interval report) and at the file's end, and it finishes
     * what was left; in between, the read-ahead thread calls spare(w) when
     * it would otherwise wait, which does a little of the work (tens of
     * microseconds) and returns nonzero when there was any. */
    void (*defer)(void *w, int on);
    int (*spare)(void *w);
    /* Live only, after each batch and at least every 0.1 s: the wall clock
     * (flows time out by it), and this handle's kernel counters when they
     * were read (at most every 0.1 s), else NULL. */
    void (*tick)(void *w, int64_t now_ns, const ps_kernel_counts *k);
    /* An interval report is due: take this worker's part of it. Returns 1
     * when the part is complete, 0 to be called again after the next batch
     * (a part may be taken in slices so that capture does not pause). */
    int (*snapshot)(void *w);
    /* The source has ended (or the capture was stopped): k holds the final
     * kernel counters of a live handle, NULL for files. */
    void (*finish)(void *w, const ps_kernel_counts *k);
} ps_capture_sink;

/* Called in the thread that called capture_run, once every worker has taken
 * its part of an interval report (sink.snapshot returned 1); `live` is 1 for
 * interfaces. The run began at start_ns and this interval ends at end_ns
 * (packet time for files, the clock for live capture); the previous one
 * ended where this one begins. */
typedef void (*ps_interval_fn)(void *ctx, int live, int64_t start_ns, int64_t end_ns);

/* Exit statuses (documented in portsniff(1)). */
enum {
    PS_EXIT_OK = 0,
    PS_EXIT_INPUT = 1,   /* a file, interface or registry could not be read */
    PS_EXIT_USAGE = 2,   /* bad command line, bad filter expression */
    PS_EXIT_TRUNCATED = 3 /* input ended early (truncated or damaged file); the report covers what was read */
};

/* A record's time in ns since the epoch, from libpcap's seconds and fraction
 * (ns when `nano`, else us). A file can claim any time (pcapng timestamps
 * are 64 bits in units of the file's choosing) and int64 ns cannot hold them
 * all: times before 1970 or after 2262-04-11 are clamped to those ends, so
 * that the difference of any two packet times stays representable. */
int64_t capture_timestamp_ns(int64_t sec, int64_t frac, int nano);

typedef struct ps_capture ps_capture;

/* Opens a live source (interface, one handle per worker joined to a fanout
 * group, filter, then -Z's privilege drop); saved files are opened as
 * capture_run reaches them. Outputs are best opened between capture_open and
 * capture_run, as the user -Z names. Returns a PS_EXIT_* status; errors are
 * printed to stderr as one line. */
int capture_open(const ps_capture_opts *opts, ps_capture **out);
void capture_close(ps_capture *c);

/* How many sinks capture_run feeds: the live handles, else 1. */
int capture_worker_count(const ps_capture *c);

/* Run every source into the sinks (workers[i] is worker i's context; a live
 * capture runs each worker in a thread of its own and waits for them all).
 * Every worker's sink.finish is called at the end, whatever stopped it.
 * The flow tables' slab helper (slab_reserve.h) is told to stop but not
 * waited for: the caller calls slab_reserve_disable once its own end work
 * (the report) is done. Returns a PS_EXIT_* status; errors are printed to
 * stderr as one line. */
int capture_run(ps_capture *c, const ps_capture_sink *sink, void *const *workers,
                ps_interval_fn on_interval, void *ctx);

/* The message of an input that ended early (truncated file), printed after the
 * report; NULL when none. */
const char *capture_deferred_error(void);

/* -D: list interfaces as tcpdump does. */
int capture_list_interfaces(void);
/* -L: list the link types opts->iface offers (-y takes their names). */
int capture_list_link_types(const ps_capture_opts *opts);

/* Ask a running capture to stop (async-signal-safe): a live capture first
 * reads what the kernel already captured for it. */
void capture_request_stop(void);
/* Ask it to stop at once (an output has failed). */
void capture_request_abort(void);

#endif
