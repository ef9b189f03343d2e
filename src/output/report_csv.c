/* The report as one CSV table (RFC 4180), header
 *   kind,name,transport,status,flows,packets,bytes,share
 * with one row per
 *   service         name = label ("http", "(unregistered)"), transport, status,
 *                   flows, packets, bytes, share
 *   other-protocol  name = IP protocol name or "proto-N"; packets, bytes, share
 *   non-ip          name "non-ip"; packets, bytes, share (only when seen)
 *   total           name "all": flows ended, packets read, frame bytes, share 1;
 *                   "open-flows" and "evicted-flows" in flows;
 *                   "fragments-matched", "fragments-unmatched",
 *                   "unsupported-link" in packets
 *   malformed       name "all" with every malformed frame, then one row per
 *                   reason seen; counts in packets
 *   kernel          live capture only: "received", "dropped",
 *                   "interface-dropped"; counts in packets
 *   caveat          last row; the registry caveat text in name
 * Fields that do not apply are empty. Shares are fractions of all frame bytes. */
#include <inttypes.h>

#include "output/common.h"
#include "portsniff/output.h"
#include "portsniff/registry.h"
#include "report_rows.h"

static void write_count_row(FILE *out, const char *kind, const char *name, int in_flows, uint64_t n)
{
    if (in_flows)
        fprintf(out, "%s,%s,,,%" PRIu64 ",,,\n", kind, name, n);
    else
        fprintf(out, "%s,%s,,,,%" PRIu64 ",,\n", kind, name, n);
}

static void write_services(const report_view *v, FILE *out)
{
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        fputs("service,", out);
        csv_write_field(out, r->key.label);
        fprintf(out, ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f\n",
                ps_transport_name(r->key.transport), ps_reg_status_name(r->status),
                r->flows, r->packets, r->bytes, report_share(v, r->bytes));
    }
}

static void write_other(const report_view *v, FILE *out)
{
    char buf[16];
    for (size_t i = 0; i < v->nother; i++) {
        const other_proto_row *o = &v->other[i];
        fprintf(out, "other-protocol,%s,,,,%" PRIu64 ",%" PRIu64 ",%.4f\n",
                report_proto_name(o->proto, buf, sizeof(buf)), o->packets, o->bytes,
                report_share(v, o->bytes));
    }
    if (v->run->non_ip_packets)
        fprintf(out, "non-ip,non-ip,,,,%" PRIu64 ",%" PRIu64 ",%.4f\n", v->run->non_ip_packets,
                v->run->non_ip_bytes, report_share(v, v->run->non_ip_bytes));
}

static void write_totals(const report_view *v, FILE *out)
{
    const ps_run_stats *run = v->run;
    fprintf(out, "total,all,,,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f\n", v->flows_ended,
            run->packets, run->frame_bytes, run->frame_bytes ? 1.0 : 0.0);
    write_count_row(out, "total", "open-flows", 1, v->ctx->open_flows);
    write_count_row(out, "total", "evicted-flows", 1, v->flows->flows_evicted);
    write_count_row(out, "total", "fragments-matched", 0, v->flows->fragments_matched);
    write_count_row(out, "total", "fragments-unmatched", 0, v->flows->fragments_unmatched);
    write_count_row(out, "total", "unsupported-link", 0, run->unsupported_link_packets);
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

void report_write_csv(const report_view *v, FILE *out)
{
    fputs("kind,name,transport,status,flows,packets,bytes,share\n", out);
    write_services(v, out);
    write_other(v, out);
    write_totals(v, out);
    fputs("caveat,", out);
    csv_write_field(out, registry_caveat_text);
    fputs(",,,,,,\n", out);
}
