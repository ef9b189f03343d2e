/* The report model as its writers see it: rows gathered and sorted once,
 * the counters and the time the report covers. Private to report.c and the
 * report writers in src/output/report_*.c. */
#ifndef PORTSNIFF_REPORT_VIEW_H
#define PORTSNIFF_REPORT_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uthash.h>

#include "portsniff/packet.h"
#include "portsniff/report.h"
#include "report_agg.h"

/* Service names are at most 15 characters (RFC 6335 section 5.1); the room
 * is for services(5) files, which follow no such rule. */
#define REPORT_LABEL_MAX 64

typedef struct report_key {
    char    label[REPORT_LABEL_MAX];   /* label_service_text(), NUL-padded */
    uint8_t transport;
} report_key;

typedef struct report_row {
    report_key key;
    uint8_t  status;                    /* ps_reg_status */
    uint64_t flows, packets, bytes, ip_bytes;
    row_series series;
    row_ports ports;                    /* rows that are not a named service */
    talker_table servers, clients;      /* with --top */
    UT_hash_handle hh;
} report_row;

/* The largest --top. */
#define REPORT_TOP_MAX PS_REPORT_TOP_MAX

/* Ports listed per row that is not a named service; the rest are summed. */
#define REPORT_PORTS_LISTED 20

typedef struct row_extra {
    const talker *servers[REPORT_TOP_MAX], *clients[REPORT_TOP_MAX];   /* top talkers */
    size_t nservers, nclients;
    uint16_t ports[REPORT_PORTS_LISTED];
    size_t nports;
    port_cell other_ports;              /* the ports not listed, summed */
    uint32_t nother_ports;
} row_extra;

/* A row of the tunnels table: one encapsulation (its VLAN tag left out,
 * its outer endpoints in address order so both directions of a tunnel
 * meet), with what was found in it. */
typedef struct tunnel_row {
    ps_encap_layer key;
    uint64_t flows, packets, bytes;
    UT_hash_handle hh;
} tunnel_row;

/* The rows listed; the rest are summed (report_view.tunnels_other). */
#define REPORT_TUNNELS_LISTED 100

typedef struct transport_total {
    uint8_t transport;
    uint64_t flows, packets, bytes;
} transport_total;

typedef struct other_proto_row {
    uint8_t  proto;
    uint64_t packets, bytes;
} other_proto_row;

/* Everything a writer needs, gathered and sorted once: services by bytes
 * descending, then label, then transport; other IP protocols the same way. */
typedef struct report_view {
    const ps_report_context *ctx;
    const ps_run_stats *run;
    const ps_flow_counters *flows;
    uint64_t open_flows;
    /* The time covered: the window when one was set, else first to last
     * packet; have_span is 0 when neither is known (no packets). */
    int have_span;
    int windowed;                       /* 1 when start/end are a set window */
    int64_t start_ns, end_ns;
    const ps_report_config *cfg;
    const report_row **rows;
    row_extra *extra;                   /* per row, same order */
    size_t nrows;
    transport_total transports[PS_FLOW_TRANSPORT_COUNT - 1]; /* by bytes, transports with flows only */
    size_t ntransports;
    const talker *hosts[REPORT_TOP_MAX];  /* top hosts (--top) */
    size_t nhosts;
    int64_t bucket_ns;                  /* the series' bucket width */
    int64_t bucket_lo, bucket_hi;       /* buckets spanned by any row; lo > hi when none */
    other_proto_row other[256];
    size_t nother;
    uint64_t total_bytes;               /* denominator of every share */
    uint64_t flows_ended;
    const ps_report_export *exports;    /* --ipfix destinations, in order */
    size_t nexports;
    const tunnel_row **tunnels;         /* by bytes, then type, then text */
    size_t ntunnels;
    size_t ntunnels_other;              /* rows past REPORT_TUNNELS_LISTED, summed: */
    uint64_t tunnels_other_flows, tunnels_other_packets, tunnels_other_bytes;
} report_view;

/* A tunnel row's parts as text: the outer endpoints in address order (src
 * and dst each PS_PUT_ADDR_MAX bytes; "" for carriers below IP) and the
 * identifier ("5001", "16:3001" for an MPLS stack, "5:9" for L2TP's tunnel
 * and session; "" when none). */
void report_tunnel_parts(const tunnel_row *t, char *src, char *dst, char *id, size_t ilen);

int report_view_init(report_view *v, const ps_report *r, const ps_report_context *ctx);
void report_view_free(report_view *v);
/* Row i's counts in a bucket, or NULL when it has none there. */
const series_cell *report_view_cell(const report_view *v, size_t row, int64_t bucket);
/* Fraction of all frame bytes, 0 when nothing was seen. */
double report_share(const report_view *v, uint64_t bytes);
/* The registry's age in days at ctx->now: 1 with *days set, 0 when the
 * registry's date or the time of the report is unknown. */
int report_registry_age(const report_view *v, int64_t *days);
/* A duration in seconds without trailing zeros: "0.1", "60". */
void report_seconds(char *buf, size_t len, int64_t ns);
/* ps_ip_proto_name(), or "proto-N". */
const char *report_proto_name(uint8_t proto, char *buf, size_t len);

/* One report format: its name for --report, the file-name suffix that
 * selects it when --report is not given (or NULL), and the writer. */
struct ps_report_writer {
    const char *name;
    const char *suffix;
    void (*write)(const report_view *v, FILE *out);
};

#endif
