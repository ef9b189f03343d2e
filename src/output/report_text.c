/* The report for people: title, inputs and registry; the service table;
 * protocols without ports; totals, flow and fragment counters, malformed
 * frames, kernel counters; and last, after a blank line, the registry's
 * caveat box, so the caveat is the final thing read. Lines whose counts are
 * all zero (non-IP frames, unsupported link types, malformed reasons) are
 * left out; every other figure of the JSON report is here. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output/common.h"
#include "portsniff/output.h"
#include "portsniff/registry.h"
#include "report_view.h"

static int digits(uint64_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static void write_title(const report_view *v, FILE *out)
{
    fprintf(out, "portsniff report (%s)", v->ctx->final ? "final" : "interval");
    if (v->have_span) {
        char first[PS_TS_LEN], last[PS_TS_LEN];
        format_iso_ts(first, sizeof(first), v->start_ns);
        format_iso_ts(last, sizeof(last), v->end_ns);
        fprintf(out, ": %s to %s\n", first, last);
    } else {
        fputs(": no packets\n", out);
    }
    fputs("inputs:", out);
    for (int i = 0; i < v->ctx->ninputs; i++)
        fprintf(out, "%s %s", i ? "," : "", v->ctx->inputs[i]);
    fputs(v->ctx->ninputs > 0 ? "\n" : " -\n", out);
    fprintf(out, "registry: %s, %s%s",
            v->ctx->registry_source ? v->ctx->registry_source : "-",
            v->ctx->registry_date ? "updated " : "date unknown",
            v->ctx->registry_date ? v->ctx->registry_date : "");
    int64_t age;
    if (report_registry_age(v, &age)) {
        /* The run's date, so the age can be read without knowing when it ran. */
        char today[PS_TS_LEN];
        format_iso_ts(today, sizeof(today), v->ctx->now * 1000000000);
        fprintf(out, ", %" PRId64 " days old on %.10s", age, today);
    }
    fputc('\n', out);
}

typedef struct widths {
    int name, transport, flows, packets, bytes, ip_bytes;
} widths;

static widths service_widths(const report_view *v)
{
    widths w = {(int)strlen("service"), (int)strlen("transport"), (int)strlen("flows"),
                (int)strlen("packets"), (int)strlen("bytes"), (int)strlen("ip bytes")};
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        w.name = max_int(w.name, (int)strlen(r->key.label));
        w.transport = max_int(w.transport, (int)strlen(ps_transport_name(r->key.transport)));
        w.flows = max_int(w.flows, digits(r->flows));
        w.packets = max_int(w.packets, digits(r->packets));
        w.bytes = max_int(w.bytes, digits(r->bytes));
        w.ip_bytes = max_int(w.ip_bytes, digits(r->ip_bytes));
    }
    return w;
}

static void write_services(const report_view *v, FILE *out)
{
    widths w = service_widths(v);
    fprintf(out, "\n%-*s  %-*s  %*s  %*s  %*s  %*s  %6s\n", w.name, "service", w.transport,
            "transport", w.flows, "flows", w.packets, "packets", w.bytes, "bytes", w.ip_bytes,
            "ip bytes", "share");
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        fprintf(out, "%-*s  %-*s  %*" PRIu64 "  %*" PRIu64 "  %*" PRIu64 "  %*" PRIu64 "  %5.1f%%\n",
                w.name, r->key.label, w.transport, ps_transport_name(r->key.transport),
                w.flows, r->flows, w.packets, r->packets, w.bytes, r->bytes, w.ip_bytes,
                r->ip_bytes, 100.0 * report_share(v, r->bytes));
    }
    if (v->nrows == 0)
        fputs("(no flows ended)\n", out);
}

static void write_other_row(const report_view *v, FILE *out, const widths *w, const char *name,
                            uint64_t packets, uint64_t bytes)
{
    fprintf(out, "%-*s  %*" PRIu64 "  %*" PRIu64 "  %5.1f%%\n", w->name, name,
            w->packets, packets, w->bytes, bytes, 100.0 * report_share(v, bytes));
}

/* IP protocols without ports, then frames that were not IP at all. */
static void write_other(const report_view *v, FILE *out)
{
    const ps_run_stats *run = v->run;
    if (v->nother == 0 && run->non_ip_packets == 0)
        return;
    char buf[16];
    widths w = {(int)strlen("ip protocol"), 0, 0, (int)strlen("packets"), (int)strlen("bytes"), 0};
    for (size_t i = 0; i < v->nother; i++) {
        w.name = max_int(w.name, (int)strlen(report_proto_name(v->other[i].proto, buf, sizeof(buf))));
        w.packets = max_int(w.packets, digits(v->other[i].packets));
        w.bytes = max_int(w.bytes, digits(v->other[i].bytes));
    }
    w.packets = max_int(w.packets, digits(run->non_ip_packets));
    w.bytes = max_int(w.bytes, digits(run->non_ip_bytes));
    fprintf(out, "\n%-*s  %*s  %*s  %6s\n", w.name, "ip protocol", w.packets, "packets",
            w.bytes, "bytes", "share");
    for (size_t i = 0; i < v->nother; i++)
        write_other_row(v, out, &w, report_proto_name(v->other[i].proto, buf, sizeof(buf)),
                        v->other[i].packets, v->other[i].bytes);
    if (run->non_ip_packets)
        write_other_row(v, out, &w, "non-ip", run->non_ip_packets, run->non_ip_bytes);
}

static void write_totals(const report_view *v, FILE *out)
{
    const ps_run_stats *run = v->run;
    putc('\n', out);
    if (run->unsupported_link_packets)
        fprintf(out, "unsupported link type: %" PRIu64 " packets (DLT %d)\n",
                run->unsupported_link_packets, run->unsupported_dlt);
    fprintf(out, "totals: packets %" PRIu64 ", bytes %" PRIu64 "\n", run->packets, run->frame_bytes);
    fprintf(out, "flows: created %" PRIu64 ", ended %" PRIu64 ", open %" PRIu64 ", peak %zu, evicted %"
            PRIu64 "\n", v->flows->flows_created, v->flows_ended, v->open_flows,
            v->flows->peak_flows, v->flows->flows_evicted);
    fprintf(out, "fragments: matched %" PRIu64 ", unmatched %" PRIu64 ", cache evictions %" PRIu64 "\n",
            v->flows->fragments_matched, v->flows->fragments_unmatched,
            v->flows->fragment_cache_evictions);
    fprintf(out, "malformed: %" PRIu64 "\n", run->malformed_total);
    for (int m = PS_MAL_NONE + 1; m < PS_MAL_COUNT; m++)
        if (run->malformed[m])
            fprintf(out, "  %s: %" PRIu64 "\n", ps_malformed_name(m), run->malformed[m]);
    if (v->ctx->live)
        fprintf(out, "kernel: received %" PRIu64 ", dropped %" PRIu64 ", interface dropped %" PRIu64 "\n",
                run->kernel_received, run->kernel_dropped, run->interface_dropped);
    for (size_t i = 0; i < v->nexports; i++) {
        const ps_report_export *e = &v->exports[i];
        fprintf(out, "ipfix %s: sent %" PRIu64 " records in %" PRIu64 " messages, %" PRIu64
                " bytes; not sent %" PRIu64 " records (%" PRIu64 " packets, %" PRIu64 " bytes)\n",
                e->dest, e->records, e->messages, e->octets, e->not_sent_records, e->not_sent_packets,
                e->not_sent_octets);
    }
}

/* ---- a small column table for the sections below ---- */

#define TT_MAX_COLS 10
#define TT_CELL 64   /* a cell keeps at most TT_CELL - 1 bytes */

/* The cells are kept as written, each ending in a NUL, row after row, in one
 * buffer: a table of a few thousand services takes as many bytes as it
 * prints, not a fixed 640 a row. */
typedef struct ttable {
    int ncols;
    const char *align;                  /* 'l' or 'r' per column */
    char *text;
    size_t used, cap;
    size_t nrows;                       /* row 0 is the header */
    int failed;
} ttable;

static void tt_init(ttable *t, const char *align)
{
    memset(t, 0, sizeof(*t));
    t->ncols = (int)strlen(align);
    t->align = align;
}

/* One row: ncols printf formats and values are given as one format with the
 * cells separated by '|'. */
__attribute__((format(printf, 2, 3)))
static void tt_row(ttable *t, const char *fmt, ...)
{
    char line[TT_MAX_COLS * TT_CELL];
    va_list ap;
    if (t->cap - t->used < (size_t)t->ncols * TT_CELL) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        char *text = realloc(t->text, cap);
        if (!text) {
            t->failed = 1;
            return;
        }
        t->text = text;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    char *p = line;
    for (int c = 0; c < t->ncols; c++) {
        char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        size_t kept = len < TT_CELL ? len : TT_CELL - 1;
        memcpy(t->text + t->used, p, kept);
        t->text[t->used + kept] = '\0';
        t->used += kept + 1;
        p += bar ? len + 1 : len;
    }
    t->nrows++;
}

static void tt_print(ttable *t, FILE *out)
{
    int w[TT_MAX_COLS] = {0};
    const char *p = t->text;
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            size_t len = strlen(p);
            w[c] = max_int(w[c], (int)len);
            p += len + 1;
        }
    p = t->text;
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            int last = c == t->ncols - 1;
            if (t->align[c] == 'r')
                fprintf(out, "%s%*s", c ? "  " : "", w[c], p);
            else
                fprintf(out, "%s%-*s", c ? "  " : "", last ? 0 : w[c], p);
            p += strlen(p) + 1;
        }
        putc('\n', out);
    }
    if (t->failed)
        fputs("(out of memory: rows left out)\n", out);
    free(t->text);
}

static void write_transports(const report_view *v, FILE *out)
{
    if (v->ntransports == 0)
        return;
    ttable t;
    tt_init(&t, "lrrrr");
    tt_row(&t, "transport|flows|packets|bytes|share");
    for (size_t i = 0; i < v->ntransports; i++) {
        const transport_total *x = &v->transports[i];
        tt_row(&t, "%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%.1f%%", ps_transport_name(x->transport),
               x->flows, x->packets, x->bytes, 100.0 * report_share(v, x->bytes));
    }
    putc('\n', out);
    tt_print(&t, out);
}

/* Which ports the rows without a named service gathered. */
static void write_ports(const report_view *v, FILE *out)
{
    ttable t;
    tt_init(&t, "llrrrr");
    tt_row(&t, "service|transport|port|flows|packets|bytes");
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        const row_extra *x = &v->extra[i];
        const char *transport = ps_transport_name(r->key.transport);
        for (size_t k = 0; k < x->nports; k++) {
            const port_cell *c = &r->ports.cells[x->ports[k]];
            tt_row(&t, "%s|%s|%u|%" PRIu64 "|%" PRIu64 "|%" PRIu64, r->key.label, transport,
                   (unsigned)x->ports[k], c->flows, c->packets, c->bytes);
        }
        if (x->nother_ports)
            tt_row(&t, "%s|%s|+%" PRIu32 " more|%" PRIu64 "|%" PRIu64 "|%" PRIu64, r->key.label,
                   transport, x->nother_ports, x->other_ports.flows, x->other_ports.packets,
                   x->other_ports.bytes);
    }
    if (t.nrows > 1) {
        fprintf(out, "\nports without a named service (the %d with the most bytes per row)\n",
                REPORT_PORTS_LISTED);
        tt_print(&t, out);
    } else {
        free(t.text);
    }
}

static int any_error(const talker *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i]->error)
            return 1;
    return 0;
}

static void talker_row(ttable *t, const char *label, const char *transport, const char *role,
                       const talker *k, double share, int with_error)
{
    char ep[96];
    talker_key_format(&k->key, ep, sizeof(ep));
    if (with_error)
        tt_row(t, "%s|%s|%s|%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%.1f%%|%" PRIu64, label, transport,
               role, ep, k->flows, k->packets, k->bytes, 100.0 * share, k->error);
    else
        tt_row(t, "%s|%s|%s|%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%.1f%%", label, transport, role, ep,
               k->flows, k->packets, k->bytes, 100.0 * share);
}

static double part(uint64_t a, uint64_t whole)
{
    return whole ? (double)a / (double)whole : 0.0;
}

/* Top server endpoints and client hosts per service row, then top hosts. */
static void write_talkers(const report_view *v, FILE *out)
{
    if (!v->cfg->top_n)
        return;
    int with_error = any_error(v->hosts, v->nhosts);
    for (size_t i = 0; i < v->nrows; i++)
        with_error |= any_error(v->extra[i].servers, v->extra[i].nservers) |
                      any_error(v->extra[i].clients, v->extra[i].nclients);
    ttable t;
    tt_init(&t, with_error ? "llllrrrrr" : "llllrrrr");
    tt_row(&t, "service|transport|role|endpoint|flows|packets|bytes|share%s", with_error ? "|error" : "");
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        const row_extra *x = &v->extra[i];
        const char *transport = ps_transport_name(r->key.transport);
        for (size_t k = 0; k < x->nservers; k++)
            talker_row(&t, r->key.label, transport, "server", x->servers[k],
                       part(x->servers[k]->bytes, r->bytes), with_error);
        for (size_t k = 0; k < x->nclients; k++)
            talker_row(&t, r->key.label, transport, "client", x->clients[k],
                       part(x->clients[k]->bytes, r->bytes), with_error);
    }
    fprintf(out, "\ntop %u talkers per service by bytes (hosts by /%u for IPv4, /%u for IPv6; share of "
            "the service's bytes)\n", v->cfg->top_n, v->cfg->prefix4, v->cfg->prefix6);
    tt_print(&t, out);

    tt_init(&t, with_error ? "lrrrrr" : "lrrrr");
    tt_row(&t, "host|flows|packets|bytes|share%s", with_error ? "|error" : "");
    for (size_t k = 0; k < v->nhosts; k++) {
        const talker *h = v->hosts[k];
        char ep[96];
        talker_key_format(&h->key, ep, sizeof(ep));
        if (with_error)
            tt_row(&t, "%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%.1f%%|%" PRIu64, ep, h->flows, h->packets,
                   h->bytes, 100.0 * report_share(v, h->bytes), h->error);
        else
            tt_row(&t, "%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%.1f%%", ep, h->flows, h->packets,
                   h->bytes, 100.0 * report_share(v, h->bytes));
    }
    fprintf(out, "\ntop %u hosts by bytes (each flow counts to both its hosts; share of all bytes)\n",
            v->cfg->top_n);
    tt_print(&t, out);
}

static void write_series(const report_view *v, FILE *out)
{
    if (v->bucket_lo > v->bucket_hi)
        return;
    char width[PS_TS_LEN];
    report_seconds(width, sizeof(width), v->bucket_ns);
    ttable t;
    tt_init(&t, "lllrrr");
    tt_row(&t, "bucket start|service|transport|flows|packets|bytes");
    for (int64_t b = v->bucket_lo; b <= v->bucket_hi; b++) {
        char ts[PS_TS_LEN];
        format_iso_ts(ts, sizeof(ts), b * v->bucket_ns);
        for (size_t i = 0; i < v->nrows; i++) {
            const series_cell *c = report_view_cell(v, i, b);
            if (!c || !(c->flows || c->packets || c->bytes))
                continue;
            tt_row(&t, "%s|%s|%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64, ts, v->rows[i]->key.label,
                   ps_transport_name(v->rows[i]->key.transport), c->flows, c->packets, c->bytes);
        }
    }
    fprintf(out, "\ntime series: flows started, packets and bytes per %s s bucket\n", width);
    tt_print(&t, out);
}

static void write_caveat(FILE *out)
{
    size_t n = strlen(registry_caveat_box);
    putc('\n', out);
    fputs(registry_caveat_box, out);
    if (n == 0 || registry_caveat_box[n - 1] != '\n')
        putc('\n', out);
}

/* Each encapsulation flows were found in; a frame counts to every one it
 * was inside, so the rows overlap. */
static void write_tunnels(const report_view *v, FILE *out)
{
    if (v->ntunnels == 0)
        return;
    ttable t;
    tt_init(&t, "llllrrrr");
    tt_row(&t, "encapsulation|outer a|outer b|id|flows|packets|bytes|share");
    for (size_t i = 0; i < v->ntunnels; i++) {
        const tunnel_row *r = v->tunnels[i];
        char a[PS_PUT_ADDR_MAX], b[PS_PUT_ADDR_MAX], id[TT_CELL];
        report_tunnel_parts(r, a, b, id, sizeof id);
        tt_row(&t, "%s|%s|%s|%s|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%.1f%%", ps_encap_name(r->key.type),
               a[0] ? a : "-", b[0] ? b : "-", id[0] ? id : "-", r->flows, r->packets, r->bytes,
               100.0 * report_share(v, r->bytes));
    }
    if (v->ntunnels_other)
        tt_row(&t, "+%zu more|-|-|-|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%.1f%%", v->ntunnels_other,
               v->tunnels_other_flows, v->tunnels_other_packets, v->tunnels_other_bytes,
               100.0 * report_share(v, v->tunnels_other_bytes));
    fputs("\ntunnels (a frame counts to every encapsulation it was found in)\n", out);
    tt_print(&t, out);
}

static void write_text(const report_view *v, FILE *out)
{
    write_title(v, out);
    write_services(v, out);
    write_transports(v, out);
    write_other(v, out);
    write_tunnels(v, out);
    write_ports(v, out);
    write_talkers(v, out);
    write_totals(v, out);
    write_series(v, out);
    write_caveat(out);
}

const ps_report_writer report_writer_text = {"text", NULL, write_text};
