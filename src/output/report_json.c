/* The report as one JSON document (one line). Timestamps are seconds with
 * six decimals like the flow records (first_ts and last_ts: the time the
 * report covers, its first to last packet unless it covers a set window);
 * shares are fractions of all frame bytes with four decimals; the caveat
 * travels as plain text. */
#include <inttypes.h>

#include "output/common.h"
#include "portsniff/output.h"
#include "portsniff/registry.h"
#include "portsniff/tunnel.h"
#include "report_view.h"

static void write_ts_or_null(FILE *out, int have, int64_t ts_ns)
{
    char buf[PS_TS_LEN];
    if (!have) {
        fputs("null", out);
        return;
    }
    format_ts(buf, sizeof(buf), ts_ns);
    fputs(buf, out);
}

static void write_header(const report_view *v, FILE *out)
{
    fprintf(out, "{\"record\":\"report\",\"report\":\"%s\",\"first_ts\":", v->ctx->final ? "final" : "interval");
    write_ts_or_null(out, v->have_span, v->start_ns);
    fputs(",\"last_ts\":", out);
    write_ts_or_null(out, v->have_span, v->end_ns);
    fputs(",\"inputs\":[", out);
    for (int i = 0; i < v->ctx->ninputs; i++) {
        if (i)
            putc(',', out);
        json_write_string(out, v->ctx->inputs[i]);
    }
    fputs("],\"registry\":{\"source\":", out);
    json_write_string_or_null(out, v->ctx->registry_source);
    fputs(",\"date\":", out);
    json_write_string_or_null(out, v->ctx->registry_date);
    int64_t age;
    if (report_registry_age(v, &age))
        fprintf(out, ",\"age_days\":%" PRId64, age);
    else
        fputs(",\"age_days\":null", out);
    char width[PS_TS_LEN];
    report_seconds(width, sizeof(width), v->bucket_ns);
    fprintf(out, "},\"top\":%u,\"aggregate\":{\"ipv4\":%u,\"ipv6\":%u},\"bucket_seconds\":%s",
            v->cfg->top_n, v->cfg->prefix4, v->cfg->prefix6, width);
}

static double part(uint64_t a, uint64_t whole)
{
    return whole ? (double)a / (double)whole : 0.0;
}

static void write_talkers(FILE *out, const char *name, const talker *const *list, size_t n,
                          uint64_t whole)
{
    char ep[96];
    fprintf(out, ",\"%s\":[", name);
    for (size_t k = 0; k < n; k++) {
        talker_key_format(&list[k]->key, ep, sizeof(ep));
        fputs(k ? ",{\"endpoint\":" : "{\"endpoint\":", out);
        json_write_string(out, ep);
        fprintf(out, ",\"flows\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                ",\"share\":%.4f,\"error\":%" PRIu64 "}", list[k]->flows, list[k]->packets,
                list[k]->bytes, part(list[k]->bytes, whole), list[k]->error);
    }
    putc(']', out);
}

/* The ports a row without a named service gathered. */
static void write_ports(const report_row *r, const row_extra *x, FILE *out)
{
    fputs(",\"ports\":[", out);
    for (size_t k = 0; k < x->nports; k++) {
        const port_cell *c = &r->ports.cells[x->ports[k]];
        fprintf(out, "%s{\"port\":%u,\"flows\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                "}", k ? "," : "", (unsigned)x->ports[k], c->flows, c->packets, c->bytes);
    }
    fprintf(out, "],\"other_ports\":{\"ports\":%" PRIu32 ",\"flows\":%" PRIu64 ",\"packets\":%" PRIu64
            ",\"bytes\":%" PRIu64 "}", x->nother_ports, x->other_ports.flows, x->other_ports.packets,
            x->other_ports.bytes);
}

static void write_services(const report_view *v, FILE *out)
{
    fputs(",\"services\":[", out);
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        fputs(i ? ",{\"service\":" : "{\"service\":", out);
        json_write_string_or_null(out, r->status == PS_REG_NAMED ? r->key.label : NULL);
        fputs(",\"label\":", out);
        json_write_string(out, r->key.label);
        fprintf(out, ",\"status\":\"%s\",\"transport\":\"%s\",\"flows\":%" PRIu64
                ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"ip_bytes\":%" PRIu64
                ",\"share\":%.4f",
                ps_reg_status_name(r->status), ps_transport_name(r->key.transport), r->flows,
                r->packets, r->bytes, r->ip_bytes, report_share(v, r->bytes));
        const row_extra *x = &v->extra[i];
        if (r->status != PS_REG_NAMED && r->status != PS_REG_IP_PROTOCOL)
            write_ports(r, x, out);
        if (v->cfg->top_n) {
            write_talkers(out, "top_servers", x->servers, x->nservers, r->bytes);
            write_talkers(out, "top_clients", x->clients, x->nclients, r->bytes);
        }
        putc('}', out);
    }
    putc(']', out);
    fputs(",\"transports\":[", out);
    for (size_t i = 0; i < v->ntransports; i++) {
        const transport_total *t = &v->transports[i];
        fprintf(out, "%s{\"transport\":\"%s\",\"flows\":%" PRIu64 ",\"packets\":%" PRIu64
                ",\"bytes\":%" PRIu64 ",\"share\":%.4f}", i ? "," : "", ps_transport_name(t->transport),
                t->flows, t->packets, t->bytes, report_share(v, t->bytes));
    }
    putc(']', out);
    if (v->cfg->top_n)
        write_talkers(out, "top_hosts", v->hosts, v->nhosts, v->total_bytes);
}

static void write_series(const report_view *v, FILE *out)
{
    const char *sep = "";
    fputs(",\"series\":[", out);
    for (int64_t b = v->bucket_lo; b <= v->bucket_hi; b++) {
        char ts[PS_TS_LEN];
        format_ts(ts, sizeof(ts), b * v->bucket_ns);
        for (size_t i = 0; i < v->nrows; i++) {
            const series_cell *c = report_view_cell(v, i, b);
            if (!c || !(c->flows || c->packets || c->bytes))
                continue;
            fprintf(out, "%s{\"bucket_start\":%s,\"label\":", sep, ts);
            json_write_string(out, v->rows[i]->key.label);
            fprintf(out, ",\"transport\":\"%s\",\"flows\":%" PRIu64 ",\"packets\":%" PRIu64
                    ",\"bytes\":%" PRIu64 "}", ps_transport_name(v->rows[i]->key.transport), c->flows,
                    c->packets, c->bytes);
            sep = ",";
        }
    }
    putc(']', out);
}

static void write_other(const report_view *v, FILE *out)
{
    char buf[16];
    fputs(",\"other_protocols\":[", out);
    for (size_t i = 0; i < v->nother; i++) {
        const other_proto_row *o = &v->other[i];
        fprintf(out, "%s{\"protocol\":%u,\"name\":\"%s\",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                ",\"share\":%.4f}",
                i ? "," : "", (unsigned)o->proto, report_proto_name(o->proto, buf, sizeof(buf)),
                o->packets, o->bytes, report_share(v, o->bytes));
    }
    fprintf(out, "],\"non_ip\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"share\":%.4f}",
            v->run->non_ip_packets, v->run->non_ip_bytes, report_share(v, v->run->non_ip_bytes));
    fprintf(out, ",\"unsupported_link\":{\"packets\":%" PRIu64 ",\"dlt\":",
            v->run->unsupported_link_packets);
    if (v->run->unsupported_dlt >= 0)
        fprintf(out, "%d}", v->run->unsupported_dlt);
    else
        fputs("null}", out);
}

/* Each encapsulation as the flow records write it, with its figures. */
static void write_tunnels(const report_view *v, FILE *out)
{
    fputs(",\"tunnels\":[", out);
    for (size_t i = 0; i < v->ntunnels; i++) {
        const tunnel_row *t = v->tunnels[i];
        char obj[512];
        size_t n = tunnel_layer_json(&t->key, obj, sizeof obj);
        if (n)
            obj[n - 1] = '\0';   /* the closing brace: the figures go inside */
        fprintf(out, "%s%s,\"flows\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                ",\"share\":%.4f}", i ? "," : "", obj, t->flows, t->packets, t->bytes,
                report_share(v, t->bytes));
    }
    fprintf(out, "],\"tunnels_other\":{\"tunnels\":%zu,\"flows\":%" PRIu64 ",\"packets\":%" PRIu64
            ",\"bytes\":%" PRIu64 "}", v->ntunnels_other, v->tunnels_other_flows,
            v->tunnels_other_packets, v->tunnels_other_bytes);
}

static void write_totals(const report_view *v, FILE *out)
{
    const ps_flow_counters *f = v->flows;
    fprintf(out, ",\"totals\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
            ",\"flows_created\":%" PRIu64 ",\"flows_ended\":%" PRIu64 ",\"open_flows\":%" PRIu64
            ",\"flows_evicted\":%" PRIu64 ",\"peak_flows\":%zu,\"fragments_matched\":%" PRIu64
            ",\"fragments_unmatched\":%" PRIu64 ",\"fragment_cache_evictions\":%" PRIu64
            ",\"malformed\":%" PRIu64 "}",
            v->run->packets, v->run->frame_bytes, f->flows_created, v->flows_ended,
            v->open_flows, f->flows_evicted, f->peak_flows, f->fragments_matched,
            f->fragments_unmatched, f->fragment_cache_evictions, v->run->malformed_total);
}

static void write_malformed_and_kernel(const report_view *v, FILE *out)
{
    const char *sep = "";
    fputs(",\"malformed\":{", out);
    for (int m = PS_MAL_NONE + 1; m < PS_MAL_COUNT; m++) {
        if (!v->run->malformed[m])
            continue;
        fprintf(out, "%s\"%s\":%" PRIu64, sep, ps_malformed_name(m), v->run->malformed[m]);
        sep = ",";
    }
    putc('}', out);
    if (v->ctx->live)
        fprintf(out, ",\"kernel\":{\"received\":%" PRIu64 ",\"dropped\":%" PRIu64
                ",\"interface_dropped\":%" PRIu64 "}",
                v->run->kernel_received, v->run->kernel_dropped, v->run->interface_dropped);
}

/* --ipfix destinations, when there are any. */
static void write_exports(const report_view *v, FILE *out)
{
    if (!v->nexports)
        return;
    fputs(",\"ipfix\":[", out);
    for (size_t i = 0; i < v->nexports; i++) {
        const ps_report_export *e = &v->exports[i];
        fputs(i ? ",{\"destination\":" : "{\"destination\":", out);
        json_write_string(out, e->dest);
        fprintf(out, ",\"messages\":%" PRIu64 ",\"octets\":%" PRIu64 ",\"records\":%" PRIu64
                ",\"not_sent_records\":%" PRIu64 ",\"not_sent_packets\":%" PRIu64
                ",\"not_sent_octets\":%" PRIu64 "}",
                e->messages, e->octets, e->records, e->not_sent_records, e->not_sent_packets,
                e->not_sent_octets);
    }
    putc(']', out);
}

static void write_json(const report_view *v, FILE *out)
{
    write_header(v, out);
    write_services(v, out);
    write_other(v, out);
    write_tunnels(v, out);
    write_totals(v, out);
    write_malformed_and_kernel(v, out);
    write_exports(v, out);
    write_series(v, out);
    fputs(",\"caveat\":", out);
    json_write_string(out, registry_caveat_text);
    fputs("}\n", out);
}

const ps_report_writer report_writer_json = {"json", NULL, write_json};
