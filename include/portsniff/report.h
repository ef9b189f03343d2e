/* The report model: everything a per-service report says, gathered in one
 * place. Flows are aggregated per (service, transport) as they end; the run's
 * counters (frames, malformed, other IP protocols, flow-table and kernel
 * counters) are copied in when a report is made. Every writer (text, CSV,
 * JSON, ...) reads this one model, so every format carries the same figures.
 *
 * Reports combine: per-worker reports merge into one, an interval's delta is
 * a later cumulative report minus an earlier one, and a report can be reset
 * to start a new window. */
#ifndef PORTSNIFF_REPORT_H
#define PORTSNIFF_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "portsniff/attribute.h"
#include "portsniff/flow.h"
#include "portsniff/stats.h"

typedef struct ps_report ps_report;

/* What a report gathers besides the per-service rows (fixed when it is made). */
typedef struct ps_report_config {
    unsigned top_n;              /* --top: top server endpoints and client hosts per
                                    service row, and top hosts, by bytes; 0 for none */
    unsigned prefix4, prefix6;   /* --aggregate: hosts grouped by these prefixes
                                    (32 and 128 keep them whole) */
    int64_t  bucket_ns;          /* --bucket: time-series bucket width; 0 picks it
                                    from the span */
    size_t   service_talkers;    /* keys a service row's talker table counts exactly,
                                    and its counters once approximate */
    size_t   host_talkers;       /* the same for the overall host table */
} ps_report_config;

/* The largest top_n. */
#define PS_REPORT_TOP_MAX 100

/* Talker table sizes: exact up to this many keys per table (see portsniff(1)). */
#define PS_REPORT_SERVICE_TALKERS_FILE 16384
#define PS_REPORT_HOST_TALKERS_FILE    262144
#define PS_REPORT_SERVICE_TALKERS_LIVE 1024
#define PS_REPORT_HOST_TALKERS_LIVE    16384

/* No top talkers, whole hosts, automatic buckets; table sizes for files, or
 * for live capture when live is set. */
void report_config_defaults(ps_report_config *cfg, int live);

/* A report with the default configuration for files. */
ps_report *report_create(void);
ps_report *report_create_with(const ps_report_config *cfg);
/* An empty report with r's configuration (per-worker reports, new windows). */
ps_report *report_create_like(const ps_report *r);
void report_free(ps_report *r);
/* An independent copy (NULL when out of memory). */
ps_report *report_clone(const ps_report *r);

/* Add one flow under its label (flows are aggregated per (service, transport);
 * unregistered, reserved/unassigned get rows of their own per transport),
 * into the row's time series, its ports (rows that are not a named service)
 * and its top talkers. Called once per flow, at its end (or for a snapshot). */
void report_add_flow(ps_report *r, const ps_flow *flow, const ps_label *label);

/* The tunnels table: each encapsulation of the chains the flow's two
 * directions were found in (flow_table_tunnel; NULL for none) counts that
 * direction's frames and frame bytes, and the flow once. */
void report_add_tunnels(ps_report *r, const ps_flow *flow, const ps_tunnel_chain *orig,
                        const ps_tunnel_chain *resp);

/* Copy the run's counters into the report, replacing what it held: the
 * frames read, the flow table's counters and the number of flows still open.
 * A report that never had counters set (or merged in) treats its services as
 * the whole: shares are then fractions of the services' bytes. */
void report_set_counters(ps_report *r, const ps_run_stats *run, const ps_flow_counters *flows,
                         uint64_t open_flows);

/* The run's counters as report_set_counters or merges left them. */
const ps_run_stats *report_run_stats(const ps_report *r);
/* Flows counted in the report's rows (ended ones and, in a snapshot, open ones). */
uint64_t report_flow_total(const ps_report *r);

/* What one --ipfix destination has done: messages, records and their bytes
 * handed over whole, and the flow records it could not take (with the
 * packets and IP bytes they described). */
#define PS_REPORT_MAX_EXPORTS 16
typedef struct ps_report_export {
    char dest[160];
    uint64_t messages, octets, records;
    uint64_t not_sent_records, not_sent_packets, not_sent_octets;
} ps_report_export;

/* Copy the exporters' counts into the report, replacing what it held (at
 * most PS_REPORT_MAX_EXPORTS). */
void report_set_exports(ps_report *r, const ps_report_export *e, size_t n);

/* The time the report covers, [start_ns, end_ns). Without a window the report
 * covers its first to its last packet. */
void report_set_window(ps_report *r, int64_t start_ns, int64_t end_ns);

/* dst += src (both made with the same configuration): rows, series, ports and
 * talkers add up (the finer time series is widened to the coarser's buckets;
 * talker errors add); counters add up, except that the packet span widens to
 * cover both, peak and open flows add (workers hold disjoint flows), and the
 * window widens to cover both. Returns 0, or -1 when out of memory (dst then
 * holds part of src). */
int report_merge(ps_report *dst, const ps_report *src);

/* dst -= src, where src is an earlier state of the same cumulative report
 * (a snapshot taken before dst): what happened between the two. Rows, series,
 * ports, talkers and counters subtract (a row that falls to zero flows,
 * packets and bytes disappears; a count never goes below zero); open flows
 * are dst's, the peak is dst's; the window becomes [src's end, dst's end).
 * Open flows are spread over the series afresh in each snapshot, so a bucket
 * of the difference can lose what a flow's later packets moved elsewhere;
 * talker errors add. Returns 0, or -1 when out of memory. */
int report_subtract(ps_report *dst, const ps_report *src);

/* Empty the report: rows, counters and window (the configuration stays). */
void report_reset(ps_report *r);

/* What is said about a report besides its figures: where they came from. */
typedef struct ps_report_context {
    const char *registry_source;
    const char *registry_date;
    const char *const *inputs;    /* files or interface read */
    int ninputs;
    int live;                     /* 1 for live capture (kernel counters meaningful) */
    int final;                    /* 1 for the end-of-run report */
    int64_t now;                  /* wall clock when written (Unix seconds): the
                                   * registry's age is told against it; 0 for none */
} ps_report_context;

/* The report writers, one per format, in a table (src/output/report_writers.c). */
typedef struct ps_report_writer ps_report_writer;

/* The writer called name ("text", "csv", "json", "html"; case ignored), or NULL. */
const ps_report_writer *report_writer_find(const char *name);
/* The writer a file name's suffix asks for (".html"), or NULL. */
const ps_report_writer *report_writer_for_path(const char *path);
const char *report_writer_name(const ps_report_writer *w);
/* The i-th writer in table order (the order formats are listed in), or NULL past the end. */
const ps_report_writer *report_writer_at(size_t i);

/* Write the report; every format carries the registry caveat. Returns 0, or -1 on a write error. */
int report_write(const ps_report *r, const ps_report_context *ctx, const ps_report_writer *w,
                 FILE *out);

#endif
