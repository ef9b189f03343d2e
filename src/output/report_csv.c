/* The report as one CSV table (RFC 4180), header
 *   kind,name,transport,status,flows,packets,bytes,ip_bytes,share,value
 * with one row per
 *   info            name "report" (value final or interval), "first_ts" and
 *                   "last_ts" (value seconds.microseconds, empty when no
 *                   packets), "input" (one row per input, in order),
 *                   "registry_source", "registry_date" (empty when unknown),
 *                   "registry_age_days" (the registry's age in whole days
 *                   when the report is written; empty when unknown)
 *   service         name = label ("http", "(unregistered)"), transport, status,
 *                   flows, packets, bytes, ip_bytes, share
 *   other-protocol  name = IP protocol name or "proto-N"; packets, bytes,
 *                   share; value = the protocol number
 *   non-ip          name "non-ip"; packets, bytes, share
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
 *   caveat          last row; the registry caveat text in value
 * Fields that do not apply are empty. Shares are fractions of all frame bytes. */
#include <inttypes.h>

#include "output/common.h"
#include "portsniff/output.h"
#include "portsniff/registry.h"
#include "report_view.h"

/* A row with text in value only. */
static void write_info(FILE *out, const char *kind, const char *name, const char *value)
{
    fprintf(out, "%s,%s,,,,,,,,", kind, name);
    if (value)
        csv_write_field(out, value);
    putc('\n', out);
}

static void write_count_row(FILE *out, const char *kind, const char *name, int in_flows, uint64_t n)
{
    if (in_flows)
        fprintf(out, "%s,%s,,,%" PRIu64 ",,,,,\n", kind, name, n);
    else
        fprintf(out, "%s,%s,,,,%" PRIu64 ",,,,\n", kind, name, n);
}

static void write_header(const report_view *v, FILE *out)
{
    char ts[PS_TS_LEN];
    fputs("kind,name,transport,status,flows,packets,bytes,ip_bytes,share,value\n", out);
    write_info(out, "info", "report", v->ctx->final ? "final" : "interval");
    format_ts(ts, sizeof(ts), v->start_ns);
    write_info(out, "info", "first_ts", v->have_span ? ts : NULL);
    format_ts(ts, sizeof(ts), v->end_ns);
    write_info(out, "info", "last_ts", v->have_span ? ts : NULL);
    for (int i = 0; i < v->ctx->ninputs; i++)
        write_info(out, "info", "input", v->ctx->inputs[i]);
    write_info(out, "info", "registry_source", v->ctx->registry_source);
    write_info(out, "info", "registry_date", v->ctx->registry_date);
    int64_t age;
    char days[24];
    int have_age = report_registry_age(v, &age);
    if (have_age)
        snprintf(days, sizeof days, "%" PRId64, age);
    write_info(out, "info", "registry_age_days", have_age ? days : NULL);
}

static void write_services(const report_view *v, FILE *out)
{
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        fputs("service,", out);
        csv_write_field(out, r->key.label);
        fprintf(out, ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f,\n",
                ps_transport_name(r->key.transport), ps_reg_status_name(r->status),
                r->flows, r->packets, r->bytes, r->ip_bytes, report_share(v, r->bytes));
    }
}

static void write_other(const report_view *v, FILE *out)
{
    char buf[16];
    for (size_t i = 0; i < v->nother; i++) {
        const other_proto_row *o = &v->other[i];
        fprintf(out, "other-protocol,%s,,,,%" PRIu64 ",%" PRIu64 ",,%.4f,%u\n",
                report_proto_name(o->proto, buf, sizeof(buf)), o->packets, o->bytes,
                report_share(v, o->bytes), (unsigned)o->proto);
    }
    fprintf(out, "non-ip,non-ip,,,,%" PRIu64 ",%" PRIu64 ",,%.4f,\n", v->run->non_ip_packets,
            v->run->non_ip_bytes, report_share(v, v->run->non_ip_bytes));
}

static void write_totals(const report_view *v, FILE *out)
{
    const ps_run_stats *run = v->run;
    const ps_flow_counters *f = v->flows;
    fprintf(out, "total,all,,,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",,%.4f,\n", v->flows_ended,
            run->packets, run->frame_bytes, run->frame_bytes ? 1.0 : 0.0);
    write_count_row(out, "total", "flows-created", 1, f->flows_created);
    write_count_row(out, "total", "open-flows", 1, v->open_flows);
    write_count_row(out, "total", "peak-flows", 1, f->peak_flows);
    write_count_row(out, "total", "evicted-flows", 1, f->flows_evicted);
    write_count_row(out, "total", "fragments-matched", 0, f->fragments_matched);
    write_count_row(out, "total", "fragments-unmatched", 0, f->fragments_unmatched);
    write_count_row(out, "total", "fragment-cache-evictions", 0, f->fragment_cache_evictions);
    fprintf(out, "total,unsupported-link,,,,%" PRIu64 ",,,,", run->unsupported_link_packets);
    if (run->unsupported_dlt >= 0)
        fprintf(out, "%d", run->unsupported_dlt);
    putc('\n', out);
    write_count_row(out, "malformed", "all", 0, run->malformed_total);
    for (int m = PS_MAL_NONE + 1; m < PS_MAL_COUNT; m++)
        if (run->malformed[m])
            write_count_row(out, "malformed", ps_malformed_name(m), 0, run->malformed[m]);
    if (v->ctx->live) {
        write_count_row(out, "kernel", "received", 0, run->kernel_received);
        write_count_row(out, "kernel", "dropped", 0, run->kernel_dropped);
        write_count_row(out, "kernel", "interface-dropped", 0, run->interface_dropped);
    }
}

/* Per --ipfix destination: what was sent, what was not. */
static void write_exports(const report_view *v, FILE *out)
{
    for (size_t i = 0; i < v->nexports; i++) {
        const ps_report_export *e = &v->exports[i];
        fputs("ipfix,", out);
        csv_write_field(out, e->dest);
        fprintf(out, ",,,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",,,\n", e->records, e->messages, e->octets);
        fputs("ipfix-not-sent,", out);
        csv_write_field(out, e->dest);
        fprintf(out, ",,,%" PRIu64 ",%" PRIu64 ",,%" PRIu64 ",,\n", e->not_sent_records,
                e->not_sent_packets, e->not_sent_octets);
    }
}

static void write_csv(const report_view *v, FILE *out)
{
    write_header(v, out);
    write_services(v, out);
    write_other(v, out);
    write_totals(v, out);
    write_exports(v, out);
    write_info(out, "caveat", "", registry_caveat_text);
}

const ps_report_writer report_writer_csv = {"csv", NULL, write_csv};
