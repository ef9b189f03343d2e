/* The report as one long CSV table (RFC 4180), header
 *   kind,name,transport,status,bucket_start,endpoint,flows,packets,bytes,ip_bytes,share,error,value
 * with one row per
 *   info            name "report" (value final or interval), "first_ts" and
 *                   "last_ts" (value seconds.microseconds, empty when no
 *                   packets), "input" (one row per input, in order),
 *                   "registry_source", "registry_date" (empty when unknown),
 *                   "registry_age_days" (the registry's age in whole days
 *                   when the report is written; empty when unknown)
 *                   "top" (--top, 0 when none), "aggregate_ipv4",
 *                   "aggregate_ipv6" (prefix lengths), "bucket_seconds"
 *   service         name = label ("http", "(unregistered)"), transport, status,
 *                   flows, packets, bytes, ip_bytes, share
 *   transport       transport; flows, packets, bytes, share
 *   other-protocol  name = IP protocol name or "proto-N"; packets, bytes,
 *                   share; value = the protocol number
 *   non-ip          name "non-ip"; packets, bytes, share
 *   tunnel          per encapsulation flows were found in (its type, outer
 *                   endpoints and identifier; a frame counts to every one it
 *                   was inside): name = type ("vxlan", "mpls"), endpoint =
 *                   the outer endpoints "A-B" in address order (empty below
 *                   IP), flows, packets, bytes, share; value = the identifier
 *                   as the flow record's compact form writes it ("5001",
 *                   "16:3001"; empty when none). The 100 with the most bytes;
 *   other-tunnels   the rest summed; value = how many
 *   port            rows that are not a named service: name, transport,
 *                   status of the row; flows, packets, bytes; value = the port
 *                   (the REPORT_PORTS_LISTED ports with the most bytes)
 *   other-ports     the row's other ports summed; value = how many ports
 *   top-server, top-client   name, transport, status of the service row;
 *                   endpoint; flows, packets, bytes; share of the row's bytes;
 *                   error (bytes may be over by at most this much)
 *   top-host        endpoint; flows, packets, bytes; share of all bytes; error
 *   total           name "all": flows ended, packets read, frame bytes,
 *                   share 1; "flows-created", "open-flows", "peak-flows",
 *                   "evicted-flows" in flows; "fragments-matched",
 *                   "fragments-unmatched", "fragment-cache-evictions" in
 *                   packets; "unsupported-link" in packets, its DLT in value
 *   malformed       name "all" with every malformed frame, then one row per
 *                   reason seen; counts in packets
 *   kernel          live capture only: "received", "dropped",
 *                   "interface-dropped"; counts in packets
 *   ipfix           per --ipfix destination (name): flow records sent in
 *                   flows, messages in packets, their bytes in bytes
 *   ipfix-not-sent  per --ipfix destination (name): flow records not sent
 *                   in flows, the packets they held in packets, their IP
 *                   bytes in ip_bytes
 *   series          name, transport, status of the service row; bucket_start
 *                   (seconds.microseconds); flows started, packets, bytes
 *                   (buckets where the row had something)
 *   caveat          last row; the registry caveat text in value
 * Fields that do not apply are empty. Shares are fractions with four decimals. */
#include <inttypes.h>

#include "output/common.h"
#include "portsniff/output.h"
#include "portsniff/registry.h"
#include "report_view.h"

enum {
    C_KIND, C_NAME, C_TRANSPORT, C_STATUS, C_BUCKET, C_ENDPOINT, C_FLOWS, C_PACKETS, C_BYTES,
    C_IP_BYTES, C_SHARE, C_ERROR, C_VALUE, NCOLS
};

static const char header[] =
    "kind,name,transport,status,bucket_start,endpoint,flows,packets,bytes,ip_bytes,share,error,value\n";

typedef struct csv_row {
    const char *cell[NCOLS];
    char num[NCOLS][48];
} csv_row;

static void row_init(csv_row *r, const char *kind, const char *name)
{
    for (int c = 0; c < NCOLS; c++)
        r->cell[c] = NULL;
    r->cell[C_KIND] = kind;
    r->cell[C_NAME] = name;
}

static void set_u64(csv_row *r, int col, uint64_t v)
{
    snprintf(r->num[col], sizeof(r->num[col]), "%" PRIu64, v);
    r->cell[col] = r->num[col];
}

static void set_share(csv_row *r, double share)
{
    snprintf(r->num[C_SHARE], sizeof(r->num[C_SHARE]), "%.4f", share);
    r->cell[C_SHARE] = r->num[C_SHARE];
}

static void set_counts(csv_row *r, uint64_t flows, uint64_t packets, uint64_t bytes)
{
    set_u64(r, C_FLOWS, flows);
    set_u64(r, C_PACKETS, packets);
    set_u64(r, C_BYTES, bytes);
}

/* The columns that name a service row. */
static void set_service(csv_row *r, const report_row *row)
{
    r->cell[C_NAME] = row->key.label;
    r->cell[C_TRANSPORT] = ps_transport_name(row->key.transport);
    r->cell[C_STATUS] = ps_reg_status_name(row->status);
}

static void emit(FILE *out, const csv_row *r)
{
    for (int c = 0; c < NCOLS; c++) {
        if (c)
            putc(',', out);
        if (r->cell[c])
            csv_write_field(out, r->cell[c]);
    }
    putc('\n', out);
}

static void info(FILE *out, const char *name, const char *value)
{
    csv_row r;
    row_init(&r, "info", name);
    r.cell[C_VALUE] = value;
    emit(out, &r);
}

static void info_u64(FILE *out, const char *name, uint64_t value)
{
    csv_row r;
    row_init(&r, "info", name);
    set_u64(&r, C_VALUE, value);
    emit(out, &r);
}

/* A count in the flows or packets column. */
static void count(FILE *out, const char *kind, const char *name, int col, uint64_t n)
{
    csv_row r;
    row_init(&r, kind, name);
    set_u64(&r, col, n);
    emit(out, &r);
}

static void write_header(const report_view *v, FILE *out)
{
    char ts[PS_TS_LEN];
    fputs(header, out);
    info(out, "report", v->ctx->final ? "final" : "interval");
    format_ts(ts, sizeof(ts), v->start_ns);
    info(out, "first_ts", v->have_span ? ts : NULL);
    format_ts(ts, sizeof(ts), v->end_ns);
    info(out, "last_ts", v->have_span ? ts : NULL);
    for (int i = 0; i < v->ctx->ninputs; i++)
        info(out, "input", v->ctx->inputs[i]);
    info(out, "registry_source", v->ctx->registry_source);
    info(out, "registry_date", v->ctx->registry_date);
    int64_t age;
    char days[24];
    int have_age = report_registry_age(v, &age);
    if (have_age)
        snprintf(days, sizeof days, "%" PRId64, age);
    info(out, "registry_age_days", have_age ? days : NULL);
    info_u64(out, "top", v->cfg->top_n);
    info_u64(out, "aggregate_ipv4", v->cfg->prefix4);
    info_u64(out, "aggregate_ipv6", v->cfg->prefix6);
    report_seconds(ts, sizeof(ts), v->bucket_ns);
    info(out, "bucket_seconds", ts);
}

static void write_services(const report_view *v, FILE *out)
{
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *row = v->rows[i];
        csv_row r;
        row_init(&r, "service", NULL);
        set_service(&r, row);
        set_counts(&r, row->flows, row->packets, row->bytes);
        set_u64(&r, C_IP_BYTES, row->ip_bytes);
        set_share(&r, report_share(v, row->bytes));
        emit(out, &r);
    }
    for (size_t i = 0; i < v->ntransports; i++) {
        const transport_total *t = &v->transports[i];
        csv_row r;
        row_init(&r, "transport", NULL);
        r.cell[C_TRANSPORT] = ps_transport_name(t->transport);
        set_counts(&r, t->flows, t->packets, t->bytes);
        set_share(&r, report_share(v, t->bytes));
        emit(out, &r);
    }
}

static void write_other(const report_view *v, FILE *out)
{
    char buf[16];
    csv_row r;
    for (size_t i = 0; i < v->nother; i++) {
        const other_proto_row *o = &v->other[i];
        row_init(&r, "other-protocol", report_proto_name(o->proto, buf, sizeof(buf)));
        set_u64(&r, C_PACKETS, o->packets);
        set_u64(&r, C_BYTES, o->bytes);
        set_share(&r, report_share(v, o->bytes));
        set_u64(&r, C_VALUE, o->proto);
        emit(out, &r);
    }
    row_init(&r, "non-ip", "non-ip");
    set_u64(&r, C_PACKETS, v->run->non_ip_packets);
    set_u64(&r, C_BYTES, v->run->non_ip_bytes);
    set_share(&r, report_share(v, v->run->non_ip_bytes));
    emit(out, &r);
}

static void write_ports(const report_view *v, FILE *out)
{
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *row = v->rows[i];
        const row_extra *x = &v->extra[i];
        csv_row r;
        for (size_t k = 0; k < x->nports; k++) {
            const port_cell *c = &row->ports.cells[x->ports[k]];
            row_init(&r, "port", NULL);
            set_service(&r, row);
            set_counts(&r, c->flows, c->packets, c->bytes);
            set_u64(&r, C_VALUE, x->ports[k]);
            emit(out, &r);
        }
        if (x->nother_ports) {
            row_init(&r, "other-ports", NULL);
            set_service(&r, row);
            set_counts(&r, x->other_ports.flows, x->other_ports.packets, x->other_ports.bytes);
            set_u64(&r, C_VALUE, x->nother_ports);
            emit(out, &r);
        }
    }
}

static void write_talker(FILE *out, const char *kind, const report_row *row, const talker *t, double share)
{
    char ep[96];
    csv_row r;
    row_init(&r, kind, NULL);
    if (row)
        set_service(&r, row);
    talker_key_format(&t->key, ep, sizeof(ep));
    r.cell[C_ENDPOINT] = ep;
    set_counts(&r, t->flows, t->packets, t->bytes);
    set_share(&r, share);
    set_u64(&r, C_ERROR, t->error);
    emit(out, &r);
}

static double part(uint64_t a, uint64_t whole)
{
    return whole ? (double)a / (double)whole : 0.0;
}

static void write_talkers(const report_view *v, FILE *out)
{
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *row = v->rows[i];
        const row_extra *x = &v->extra[i];
        for (size_t k = 0; k < x->nservers; k++)
            write_talker(out, "top-server", row, x->servers[k], part(x->servers[k]->bytes, row->bytes));
        for (size_t k = 0; k < x->nclients; k++)
            write_talker(out, "top-client", row, x->clients[k], part(x->clients[k]->bytes, row->bytes));
    }
    for (size_t k = 0; k < v->nhosts; k++)
        write_talker(out, "top-host", NULL, v->hosts[k], report_share(v, v->hosts[k]->bytes));
}

static void write_totals(const report_view *v, FILE *out)
{
    const ps_run_stats *run = v->run;
    const ps_flow_counters *f = v->flows;
    csv_row r;
    row_init(&r, "total", "all");
    set_counts(&r, v->flows_ended, run->packets, run->frame_bytes);
    set_share(&r, run->frame_bytes ? 1.0 : 0.0);
    emit(out, &r);
    count(out, "total", "flows-created", C_FLOWS, f->flows_created);
    count(out, "total", "open-flows", C_FLOWS, v->open_flows);
    count(out, "total", "peak-flows", C_FLOWS, f->peak_flows);
    count(out, "total", "evicted-flows", C_FLOWS, f->flows_evicted);
    count(out, "total", "fragments-matched", C_PACKETS, f->fragments_matched);
    count(out, "total", "fragments-unmatched", C_PACKETS, f->fragments_unmatched);
    count(out, "total", "fragment-cache-evictions", C_PACKETS, f->fragment_cache_evictions);
    row_init(&r, "total", "unsupported-link");
    set_u64(&r, C_PACKETS, run->unsupported_link_packets);
    if (run->unsupported_dlt >= 0)
        set_u64(&r, C_VALUE, (uint64_t)run->unsupported_dlt);
    emit(out, &r);
    count(out, "malformed", "all", C_PACKETS, run->malformed_total);
    for (int m = PS_MAL_NONE + 1; m < PS_MAL_COUNT; m++)
        if (run->malformed[m])
            count(out, "malformed", ps_malformed_name(m), C_PACKETS, run->malformed[m]);
    if (v->ctx->live) {
        count(out, "kernel", "received", C_PACKETS, run->kernel_received);
        count(out, "kernel", "dropped", C_PACKETS, run->kernel_dropped);
        count(out, "kernel", "interface-dropped", C_PACKETS, run->interface_dropped);
    }
}

static void write_series(const report_view *v, FILE *out)
{
    for (int64_t b = v->bucket_lo; b <= v->bucket_hi; b++) {
        char ts[PS_TS_LEN];
        format_ts(ts, sizeof(ts), b * v->bucket_ns);
        for (size_t i = 0; i < v->nrows; i++) {
            const series_cell *c = report_view_cell(v, i, b);
            if (!c || !(c->flows || c->packets || c->bytes))
                continue;
            csv_row r;
            row_init(&r, "series", NULL);
            set_service(&r, v->rows[i]);
            r.cell[C_BUCKET] = ts;
            set_counts(&r, c->flows, c->packets, c->bytes);
            emit(out, &r);
        }
    }
}

/* Per --ipfix destination: what was sent, what was not. */
static void write_exports(const report_view *v, FILE *out)
{
    for (size_t i = 0; i < v->nexports; i++) {
        const ps_report_export *e = &v->exports[i];
        csv_row r;
        row_init(&r, "ipfix", e->dest);
        set_counts(&r, e->records, e->messages, e->octets);
        emit(out, &r);
        row_init(&r, "ipfix-not-sent", e->dest);
        set_u64(&r, C_FLOWS, e->not_sent_records);
        set_u64(&r, C_PACKETS, e->not_sent_packets);
        set_u64(&r, C_IP_BYTES, e->not_sent_octets);
        emit(out, &r);
    }
}

static void write_tunnels(const report_view *v, FILE *out)
{
    csv_row r;
    for (size_t i = 0; i < v->ntunnels; i++) {
        const tunnel_row *t = v->tunnels[i];
        char a[PS_PUT_ADDR_MAX], b[PS_PUT_ADDR_MAX], id[48], ends[2 * PS_PUT_ADDR_MAX + 1];
        report_tunnel_parts(t, a, b, id, sizeof id);
        row_init(&r, "tunnel", ps_encap_name(t->key.type));
        if (a[0]) {
            snprintf(ends, sizeof ends, "%s-%s", a, b);
            r.cell[C_ENDPOINT] = ends;
        }
        set_counts(&r, t->flows, t->packets, t->bytes);
        set_share(&r, report_share(v, t->bytes));
        if (id[0])
            r.cell[C_VALUE] = id;
        emit(out, &r);
    }
    if (v->ntunnels_other) {
        row_init(&r, "other-tunnels", "other");
        set_counts(&r, v->tunnels_other_flows, v->tunnels_other_packets, v->tunnels_other_bytes);
        set_share(&r, report_share(v, v->tunnels_other_bytes));
        set_u64(&r, C_VALUE, v->ntunnels_other);
        emit(out, &r);
    }
}

static void write_csv(const report_view *v, FILE *out)
{
    write_header(v, out);
    write_services(v, out);
    write_other(v, out);
    write_tunnels(v, out);
    write_ports(v, out);
    write_talkers(v, out);
    write_totals(v, out);
    write_exports(v, out);
    write_series(v, out);
    csv_row r;
    row_init(&r, "caveat", NULL);
    r.cell[C_VALUE] = registry_caveat_text;
    emit(out, &r);
}

const ps_report_writer report_writer_csv = {"csv", NULL, write_csv};
