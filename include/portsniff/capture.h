/* Capture sources (live interfaces, saved files) and the capture loop. */
#ifndef PORTSNIFF_CAPTURE_H
#define PORTSNIFF_CAPTURE_H

#include <stdint.h>
#include "portsniff/pipeline.h"

typedef struct ps_capture_opts {
    const char *const *files;  /* -r, in order; "-" is standard input */
    int nfiles;
    const char *iface;         /* -i */
    int snaplen;               /* -s; 0 for the default (262144) */
    int promisc;               /* 0 with -p */
    int buffer_kib;            /* -B; 0 for libpcap's default */
    const char *filter;        /* BPF expression or NULL */
    uint64_t count;            /* -c; 0 for no limit */
    double interval_s;         /* --interval; 0 for none */
    const char *drop_user;     /* -Z; NULL to keep privileges */
    int dlt;                   /* -y: the link type to capture with; -1 for the interface's default */
} ps_capture_opts;

/* Called at each --interval; `live` is 1 for interfaces. The run began at
 * start_ns and this interval ends at end_ns (packet time for files, the
 * clock for live capture); the previous one ended where this one begins. */
typedef void (*ps_interval_fn)(ps_pipeline *p, int live, int64_t start_ns, int64_t end_ns, void *ctx);

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

/* Opens a live source (interface, filter, then -Z's privilege drop); saved
 * files are opened as capture_run reaches them. Outputs are best opened
 * between capture_open and capture_run, as the user -Z names. Returns a
 * PS_EXIT_* status; errors are printed to stderr as one line. */
int capture_open(const ps_capture_opts *opts, ps_capture **out);
void capture_close(ps_capture *c);

/* Run every source through the pipeline. Flushes the flow table at the end.
 * Returns a PS_EXIT_* status; errors are printed to stderr as one line. */
int capture_run(ps_capture *c, ps_pipeline *p, ps_interval_fn on_interval, void *ctx);

/* The message of an input that ended early (truncated file), printed after the
 * report; NULL when none. */
const char *capture_deferred_error(void);

/* -D: list interfaces as tcpdump does. */
int capture_list_interfaces(void);
/* -L: list the link types opts->iface offers (-y takes their names). */
int capture_list_link_types(const ps_capture_opts *opts);

/* Ask a running capture loop to stop (async-signal-safe): a live capture
 * first reads what the kernel already holds for it. */
void capture_request_stop(void);
/* Ask it to stop at once (an output has failed). */
void capture_request_abort(void);

#endif
