/* The report as one self-contained HTML page: no request to any network, no
 * external script, style sheet or font (a Content-Security-Policy of
 * default-src 'none' says so to the browser too). Charts are inline SVG
 * drawn here, each with a title, a text alternative and a caption; every
 * figure is also in a table, so the page reads fully with scripting off and
 * on paper. The registry's caveat comes right after the header, before any
 * chart. A few lines of inline script make the tables sortable.
 *
 * Tables and the header carry ids (t-services, m-report, ...) so that the
 * figures can be read back and compared with the other formats; numbers are
 * written as plain digits, shares as percentages with one decimal. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output/common.h"
#include "portsniff/output.h"
#include "portsniff/registry.h"
#include "report_view.h"

#define CHART_W 720                     /* SVG user units; scaled to the page */
#define CHART_ROWS 12                   /* services drawn in a bar chart */
#define SERIES_ROWS 8                   /* services drawn as time series */
#define TALKER_SERVICES 6               /* services whose talkers are drawn */
#define SERIES_COLUMNS 240              /* bucket columns drawn at most */

static const char *const palette[] = {
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: putc(*s, out);
        }
    }
}

static double part(uint64_t a, uint64_t whole)
{
    return whole ? (double)a / (double)whole : 0.0;
}

static void td_u64(FILE *out, uint64_t v)
{
    fprintf(out, "<td class=\"num\">%" PRIu64 "</td>", v);
}

static void td_pct(FILE *out, double share)
{
    fprintf(out, "<td class=\"num\">%.1f%%</td>", 100.0 * share);
}

static void td_text(FILE *out, const char *s)
{
    fputs("<td>", out);
    esc(out, s);
    fputs("</td>", out);
}

/* A table's head: columns as "name" or "#name" for numbers. */
static void table_head(FILE *out, const char *id, const char *caption, const char *const *cols, int n)
{
    fprintf(out, "<table id=\"%s\" class=\"sortable\"><caption>", id);
    esc(out, caption);
    fputs("</caption><thead><tr>", out);
    for (int i = 0; i < n; i++) {
        int num = cols[i][0] == '#';
        fprintf(out, "<th scope=\"col\"%s>", num ? " class=\"num\"" : "");
        esc(out, cols[i] + num);
        fputs("</th>", out);
    }
    fputs("</tr></thead><tbody>\n", out);
}

static void table_end(FILE *out)
{
    fputs("</tbody></table>\n", out);
}

static void iso(char *buf, size_t len, int64_t ns)
{
    format_iso_ts(buf, len, ns);
}

/* ---- head, header, caveat ---- */

static const char style[] =
    ":root{--ink:#1a1a1a;--muted:#555;--rule:#ccc;--bar:#0072b2;--warn:#fff4d6}"
    "body{font:15px/1.45 system-ui,sans-serif;color:var(--ink);margin:0 auto;max-width:70rem;"
    "padding:1rem 1.5rem}"
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem;"
    "border-bottom:1px solid var(--rule)}"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.4rem 0}"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;min-width:0;overflow-wrap:anywhere}"
    "dl.meta ul{margin:0;padding:0;list-style:none;max-height:4.4em;overflow-y:auto}"
    "dl.meta li{display:inline}dl.meta li+li::before{content:\", \"}"
    ".caveat{background:var(--warn);border:2px solid #b58900;padding:.3rem 1rem;margin:1rem 0}"
    ".caveat h2{border:0;margin:.3rem 0}.caveat p{font-weight:600}"
    "figure{margin:1.2rem 0;break-inside:avoid}figcaption{color:var(--muted);font-size:.9rem;"
    "margin-bottom:.3rem}figcaption strong{color:var(--ink);font-size:1rem;display:block}"
    "svg{max-width:100%;height:auto;font:12px system-ui,sans-serif}"
    "table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}"
    "caption{text-align:left;font-weight:600;padding:.2rem 0}"
    "th,td{padding:.15rem .6rem;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}"
    "th.num,td.num{text-align:right}thead th{border-bottom:2px solid var(--rule)}"
    "th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;"
    "color:inherit}th[aria-sort=descending] button::after{content:\" \\2193\"}"
    "th[aria-sort=ascending] button::after{content:\" \\2191\"}"
    ".charts figure{max-width:720px}"
    ".note{color:var(--muted);font-size:.9rem}"
    "@media print{body{max-width:none;font-size:10pt;padding:0}"
    "th,td{padding:.1rem .3rem;overflow-wrap:anywhere}dl.meta ul{max-height:none;overflow:visible}"
    "th button{pointer-events:none}table,figure{break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static const char script[] =
    "document.querySelectorAll('table.sortable').forEach(function(t){"
    "t.querySelectorAll('thead th').forEach(function(th,i){"
    "var b=document.createElement('button');b.type='button';b.textContent=th.textContent;"
    "th.textContent='';th.appendChild(b);"
    "b.addEventListener('click',function(){"
    "var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows),num=th.classList.contains('num'),"
    "d=th.getAttribute('aria-sort')==='descending'?1:-1;"
    "t.querySelectorAll('thead th').forEach(function(h){h.removeAttribute('aria-sort');});"
    "th.setAttribute('aria-sort',d<0?'descending':'ascending');"
    "rows.sort(function(x,y){var a=x.cells[i].textContent,c=y.cells[i].textContent;"
    "return d*(num?(parseFloat(a)||0)-(parseFloat(c)||0):a.localeCompare(c));});"
    "rows.forEach(function(r){tb.appendChild(r);});});});});";

static void write_head(const report_view *v, FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; "
          "form-action 'none'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>portsniff report: ",
          out);
    for (int i = 0; i < v->ctx->ninputs; i++) {
        if (i == 3) {
            fprintf(out, " and %d more", v->ctx->ninputs - 3);
            break;
        }
        if (i)
            fputs(", ", out);
        esc(out, v->ctx->inputs[i]);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

static void write_header(const report_view *v, FILE *out)
{
    char a[PS_TS_LEN], b[PS_TS_LEN], dur[PS_TS_LEN];
    fprintf(out, "<header>\n<h1>portsniff report (%s)</h1>\n<dl class=\"meta\" id=\"meta\">\n",
            v->ctx->final ? "final" : "interval");
    fprintf(out, "<dt>Report</dt><dd id=\"m-report\">%s</dd>\n", v->ctx->final ? "final" : "interval");
    fputs("<dt>Inputs</dt><dd id=\"m-inputs\"><ul>", out);
    for (int i = 0; i < v->ctx->ninputs; i++) {
        fputs("<li>", out);
        esc(out, v->ctx->inputs[i]);
        fputs("</li>", out);
    }
    fputs("</ul></dd>\n<dt>Time span</dt><dd id=\"m-span\">", out);
    if (v->have_span) {
        iso(a, sizeof(a), v->start_ns);
        iso(b, sizeof(b), v->end_ns);
        report_seconds(dur, sizeof(dur), v->end_ns - v->start_ns);
        fprintf(out, "<time id=\"m-first\" datetime=\"%s\">%s</time> to "
                "<time id=\"m-last\" datetime=\"%s\">%s</time> (%s s)", a, a, b, b, dur);
    } else {
        fputs("no packets", out);
    }
    fputs("</dd>\n<dt>Registry</dt><dd id=\"m-registry\"><span id=\"m-registry-source\">", out);
    esc(out, v->ctx->registry_source ? v->ctx->registry_source : "-");
    fputs("</span>, ", out);
    if (v->ctx->registry_date) {
        fputs("updated <span id=\"m-registry-date\">", out);
        esc(out, v->ctx->registry_date);
        fputs("</span>", out);
        int64_t age;
        if (report_registry_age(v, &age)) {
            char today[PS_TS_LEN];
            format_iso_ts(today, sizeof(today), v->ctx->now * 1000000000);
            fprintf(out, ", <span id=\"m-registry-age\">%" PRId64 "</span> days old on %.10s", age, today);
        }
    } else {
        fputs("date unknown", out);
    }
    report_seconds(dur, sizeof(dur), v->bucket_ns);
    fprintf(out, "</dd>\n<dt>Top talkers</dt><dd>top <span id=\"m-top\">%u</span> by bytes; hosts by "
            "/<span id=\"m-prefix4\">%u</span> (IPv4) and /<span id=\"m-prefix6\">%u</span> (IPv6)</dd>\n"
            "<dt>Time series</dt><dd>buckets of <span id=\"m-bucket\">%s</span> s</dd>\n</dl>\n</header>\n",
            v->cfg->top_n, v->cfg->prefix4, v->cfg->prefix6, dur);
}

static void write_caveat(FILE *out)
{
    fputs("<section class=\"caveat\" id=\"caveat\" aria-labelledby=\"caveat-h\">\n"
          "<h2 id=\"caveat-h\">What a registered port means</h2>\n<p id=\"caveat-text\">", out);
    esc(out, registry_caveat_text);
    fputs("</p>\n</section>\n", out);
}

/* ---- charts ---- */

static void svg_open(FILE *out, int w, int h, const char *title)
{
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 %d %d\" "
            "width=\"%d\" height=\"%d\" aria-label=\"", w, h, w, h);
    esc(out, title);
    fputs("\"><title>", out);
    esc(out, title);
    fputs("</title>", out);
}

/* A figure: its caption (title and what it shows) above the chart. */
static void figure_open(FILE *out, const char *id, const char *title, const char *caption)
{
    fprintf(out, "<figure id=\"%s\">\n<figcaption><strong>", id);
    esc(out, title);
    fputs("</strong>", out);
    esc(out, caption);
    fputs("</figcaption>\n", out);
}

static void figure_close(FILE *out)
{
    fputs("</svg>\n</figure>\n", out);
}

/* Horizontal bars: label, bar scaled to the largest value, the value. */
typedef struct bar {
    char label[96];
    uint64_t value;
    double share;
} bar;

static void bar_chart(FILE *out, const char *id, const char *title, const char *unit, const bar *bars,
                      size_t n, const char *caption)
{
    const int row = 22, label_w = 210, value_w = 130, top = 6;
    int h = top * 2 + row * (int)(n ? n : 1);
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (bars[i].value > max)
            max = bars[i].value;
    figure_open(out, id, title, caption);
    svg_open(out, CHART_W, h, title);
    fputs("<desc>", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s", i ? "; " : "");
        esc(out, bars[i].label);
        fprintf(out, ": %" PRIu64 " %s (%.1f%%)", bars[i].value, unit, 100.0 * bars[i].share);
    }
    if (!n)
        fputs("nothing to draw", out);
    fputs("</desc>\n", out);
    for (size_t i = 0; i < n; i++) {
        int y = top + row * (int)i;
        double w = (double)(CHART_W - label_w - value_w) * (double)bars[i].value / (double)max;
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, y + 15);
        esc(out, bars[i].label);
        fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#0072b2\"/>"
                "<text x=\"%.1f\" y=\"%d\">%" PRIu64 " (%.1f%%)</text>\n",
                label_w, y + 3, w > 0.5 || bars[i].value == 0 ? w : 0.5, row - 6,
                label_w + w + 6, y + 15, bars[i].value, 100.0 * bars[i].share);
    }
    figure_close(out);
}

static void service_label(char *buf, size_t len, const report_row *r)
{
    snprintf(buf, len, "%s/%s", r->key.label, ps_transport_name(r->key.transport));
}

static void chart_services(const report_view *v, FILE *out)
{
    bar bars[CHART_ROWS + 1];
    size_t n = 0;
    uint64_t rest = 0, rest_flows = 0;
    for (size_t i = 0; i < v->nrows; i++) {
        if (n < CHART_ROWS) {
            service_label(bars[n].label, sizeof(bars[n].label), v->rows[i]);
            bars[n].value = v->rows[i]->bytes;
            bars[n].share = report_share(v, v->rows[i]->bytes);
            n++;
        } else {
            rest += v->rows[i]->bytes;
            rest_flows += v->rows[i]->flows;
        }
    }
    if (v->nrows > CHART_ROWS) {
        snprintf(bars[n].label, sizeof(bars[n].label), "%zu other rows", v->nrows - CHART_ROWS);
        bars[n].value = rest;
        bars[n].share = report_share(v, rest);
        n++;
    }
    bar_chart(out, "c-bytes", "Bytes per service", "bytes", bars, n,
              "Frame bytes per service and transport, and their share of all bytes; the Services "
              "table below has every row.");

    /* Flows per service, in the same order, shares of the flows ended. */
    uint64_t all_flows = 0;
    for (size_t i = 0; i < v->nrows; i++)
        all_flows += v->rows[i]->flows;
    n = 0;
    for (size_t i = 0; i < v->nrows && n < CHART_ROWS; i++, n++) {
        service_label(bars[n].label, sizeof(bars[n].label), v->rows[i]);
        bars[n].value = v->rows[i]->flows;
        bars[n].share = part(v->rows[i]->flows, all_flows);
    }
    if (v->nrows > CHART_ROWS) {
        snprintf(bars[n].label, sizeof(bars[n].label), "%zu other rows", v->nrows - CHART_ROWS);
        bars[n].value = rest_flows;
        bars[n].share = part(rest_flows, all_flows);
        n++;
    }
    bar_chart(out, "c-flows", "Flows per service", "flows", bars, n,
              "Flows per service and transport, and their share of the flows, in the order of the "
              "bytes chart.");
}

/* One bar split by transport, then IP protocols without ports and non-IP frames. */
static void chart_transports(const report_view *v, FILE *out)
{
    struct seg { const char *name; uint64_t bytes; } seg[8];
    size_t n = 0;
    for (size_t i = 0; i < v->ntransports; i++)
        seg[n++] = (struct seg){ps_transport_name(v->transports[i].transport), v->transports[i].bytes};
    uint64_t other = 0;
    for (size_t i = 0; i < v->nother; i++)
        other += v->other[i].bytes;
    if (other)
        seg[n++] = (struct seg){"other IP", other};
    if (v->run->non_ip_bytes)
        seg[n++] = (struct seg){"non-IP", v->run->non_ip_bytes};
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += seg[i].bytes;
    const int bar_h = 34, legend_row = 20;
    int h = bar_h + 16 + legend_row * (int)(n ? n : 1);
    figure_open(out, "c-transports", "Bytes by transport",
                "All bytes split by transport (TCP, UDP, SCTP, DCCP, ICMP), other IP protocols and "
                "non-IP frames.");
    svg_open(out, CHART_W, h, "Bytes by transport");
    fputs("<desc>", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s: %" PRIu64 " bytes (%.1f%%)", i ? "; " : "", seg[i].name, seg[i].bytes,
                100.0 * report_share(v, seg[i].bytes));
    if (!n)
        fputs("nothing to draw", out);
    fputs("</desc>\n", out);
    double x = 0;
    for (size_t i = 0; i < n; i++) {
        double w = sum ? (double)CHART_W * (double)seg[i].bytes / (double)sum : 0;
        fprintf(out, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %"
                PRIu64 " bytes</title></rect>\n", x, w, bar_h, palette[i % NPALETTE], seg[i].name,
                seg[i].bytes);
        x += w;
    }
    for (size_t i = 0; i < n; i++) {
        int y = bar_h + 12 + legend_row * (int)i;
        fprintf(out, "<rect x=\"0\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                "<text x=\"20\" y=\"%d\">%s: %" PRIu64 " bytes (%.1f%%)</text>\n", y, palette[i % NPALETTE],
                y + 12, seg[i].name, seg[i].bytes, 100.0 * report_share(v, seg[i].bytes));
    }
    figure_close(out);
}

/* Small multiples: per service, bytes per bucket as an area scaled to the
 * service's own peak. */
static void chart_series(const report_view *v, FILE *out)
{
    if (v->bucket_lo > v->bucket_hi)
        return;
    int64_t nb = v->bucket_hi - v->bucket_lo + 1;
    int64_t group = (nb + SERIES_COLUMNS - 1) / SERIES_COLUMNS;   /* buckets per drawn column */
    int64_t ncol = (nb + group - 1) / group;
    size_t nrow = v->nrows < SERIES_ROWS ? v->nrows : SERIES_ROWS;
    const int band = 46, label_w = 170, peak_w = 110, top = 4, axis = 22;
    double plot_w = CHART_W - label_w - peak_w, col_w = plot_w / (double)ncol;
    char width[PS_TS_LEN], t0[PS_TS_LEN], t1[PS_TS_LEN];
    report_seconds(width, sizeof(width), v->bucket_ns * group);
    iso(t0, sizeof(t0), v->bucket_lo * v->bucket_ns);
    int64_t end;
    if (__builtin_mul_overflow(v->bucket_hi + 1, v->bucket_ns, &end))
        end = INT64_MAX;
    iso(t1, sizeof(t1), end);
    char caption[256];
    snprintf(caption, sizeof(caption),
             "Bytes per %s s for the %zu services with the most bytes, each scaled to its own peak; "
             "the Time series table has every bucket (flows started, packets, bytes).", width, nrow);
    figure_open(out, "c-series", "Bytes over time per service", caption);
    svg_open(out, CHART_W, top + band * (int)(nrow ? nrow : 1) + axis, "Bytes over time per service");
    fputs("<desc>", out);
    fprintf(out, "Bytes per %s s from %s to %s. ", width, t0, t1);
    uint64_t *col = calloc((size_t)ncol, sizeof(*col));
    for (size_t i = 0; col && i < nrow; i++) {
        uint64_t peak = 0;
        int64_t peak_at = 0;
        memset(col, 0, (size_t)ncol * sizeof(*col));
        for (int64_t b = v->bucket_lo; b <= v->bucket_hi; b++) {
            const series_cell *c = report_view_cell(v, i, b);
            if (c)
                col[(b - v->bucket_lo) / group] += c->bytes;
        }
        for (int64_t k = 0; k < ncol; k++)
            if (col[k] > peak) {
                peak = col[k];
                peak_at = k;
            }
        char label[96], at[PS_TS_LEN];
        service_label(label, sizeof(label), v->rows[i]);
        iso(at, sizeof(at), (v->bucket_lo + peak_at * group) * v->bucket_ns);
        esc(out, label);
        fprintf(out, ": peak %" PRIu64 " bytes at %s. ", peak, at);
    }
    fputs("</desc>\n", out);
    for (size_t i = 0; col && i < nrow; i++) {
        int y0 = top + band * (int)i, base = y0 + band - 8;
        uint64_t peak = 1;
        memset(col, 0, (size_t)ncol * sizeof(*col));
        for (int64_t b = v->bucket_lo; b <= v->bucket_hi; b++) {
            const series_cell *c = report_view_cell(v, i, b);
            if (c)
                col[(b - v->bucket_lo) / group] += c->bytes;
        }
        for (int64_t k = 0; k < ncol; k++)
            if (col[k] > peak)
                peak = col[k];
        char label[96];
        service_label(label, sizeof(label), v->rows[i]);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, base - 4);
        esc(out, label);
        fprintf(out, "</text><line x1=\"%d\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>"
                "<path fill=\"%s\" d=\"M%d %d", label_w, base, label_w + plot_w, base,
                palette[i % NPALETTE], label_w, base);
        for (int64_t k = 0; k < ncol; k++) {
            double h = (double)(band - 12) * (double)col[k] / (double)peak;
            fprintf(out, "L%.1f %.1fL%.1f %.1f", label_w + col_w * (double)k, base - h,
                    label_w + col_w * (double)(k + 1), base - h);
        }
        fprintf(out, "L%.1f %dZ\"/><text x=\"%.1f\" y=\"%d\">peak %" PRIu64 "</text>\n", label_w + plot_w,
                base, label_w + plot_w + 6, base - 4, peak);
    }
    int ya = top + band * (int)(nrow ? nrow : 1) + 14;
    fprintf(out, "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
            label_w, ya, t0, label_w + plot_w, ya, t1);
    free(col);
    figure_close(out);
}

/* For the services with the most bytes: their top servers and clients. */
static void chart_talkers(const report_view *v, FILE *out)
{
    if (!v->cfg->top_n || !v->nrows)
        return;
    size_t nsvc = v->nrows < TALKER_SERVICES ? v->nrows : TALKER_SERVICES;
    const int row = 18, head = 24, label_w = 250, value_w = 120;
    int h = 4;
    for (size_t i = 0; i < nsvc; i++)
        h += head + row * (int)(v->extra[i].nservers + v->extra[i].nclients);
    figure_open(out, "c-talkers", "Top talkers per service",
                "Top server endpoints (blue) and client hosts (orange) by bytes for the services with "
                "the most bytes, bars as a share of the service's bytes; the Top talkers table has "
                "every service.");
    svg_open(out, CHART_W, h, "Top talkers per service");
    fputs("<desc>", out);
    for (size_t i = 0; i < nsvc; i++) {
        const row_extra *x = &v->extra[i];
        char label[96], ep[96];
        service_label(label, sizeof(label), v->rows[i]);
        esc(out, label);
        fputs(": ", out);
        for (size_t k = 0; k < x->nservers + x->nclients; k++) {
            const talker *t = k < x->nservers ? x->servers[k] : x->clients[k - x->nservers];
            talker_key_format(&t->key, ep, sizeof(ep));
            fprintf(out, "%s%s ", k ? ", " : "", k < x->nservers ? "server" : "client");
            esc(out, ep);
            fprintf(out, " %" PRIu64 " bytes", t->bytes);
        }
        fputs(". ", out);
    }
    fputs("</desc>\n", out);
    int y = 4;
    for (size_t i = 0; i < nsvc; i++) {
        const report_row *r = v->rows[i];
        const row_extra *x = &v->extra[i];
        char label[96];
        service_label(label, sizeof(label), r);
        fprintf(out, "<text x=\"0\" y=\"%d\" font-weight=\"bold\">", y + 16);
        esc(out, label);
        fprintf(out, " (%" PRIu64 " bytes)</text>\n", r->bytes);
        y += head;
        for (size_t k = 0; k < x->nservers + x->nclients; k++) {
            int server = k < x->nservers;
            const talker *t = server ? x->servers[k] : x->clients[k - x->nservers];
            char ep[96];
            talker_key_format(&t->key, ep, sizeof(ep));
            double w = (double)(CHART_W - label_w - value_w) * part(t->bytes, r->bytes);
            fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s ", label_w - 6, y + 13,
                    server ? "server" : "client");
            esc(out, ep);
            fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                    "<text x=\"%.1f\" y=\"%d\">%" PRIu64 "%s</text>\n", label_w, y + 3, w > 0.5 ? w : 0.5,
                    row - 5, server ? palette[0] : palette[1], label_w + w + 6, y + 13, t->bytes,
                    t->error ? " (approx.)" : "");
            y += row;
        }
    }
    figure_close(out);
}

/* ---- tables ---- */

static void write_services(const report_view *v, FILE *out)
{
    static const char *const cols[] = {"service", "transport", "status", "#flows", "#packets", "#bytes",
                                       "#IP bytes", "#share"};
    fputs("<section id=\"services\" aria-labelledby=\"services-h\">\n<h2 id=\"services-h\">Services"
          "</h2>\n", out);
    table_head(out, "t-services", "Flows, packets and bytes per service and transport, by bytes",
               cols, 8);
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        fputs("<tr>", out);
        td_text(out, r->key.label);
        td_text(out, ps_transport_name(r->key.transport));
        td_text(out, ps_reg_status_name(r->status));
        td_u64(out, r->flows);
        td_u64(out, r->packets);
        td_u64(out, r->bytes);
        td_u64(out, r->ip_bytes);
        td_pct(out, report_share(v, r->bytes));
        fputs("</tr>\n", out);
    }
    table_end(out);
    static const char *const tcols[] = {"transport", "#flows", "#packets", "#bytes", "#share"};
    table_head(out, "t-transports", "By transport", tcols, 5);
    for (size_t i = 0; i < v->ntransports; i++) {
        const transport_total *t = &v->transports[i];
        fputs("<tr>", out);
        td_text(out, ps_transport_name(t->transport));
        td_u64(out, t->flows);
        td_u64(out, t->packets);
        td_u64(out, t->bytes);
        td_pct(out, report_share(v, t->bytes));
        fputs("</tr>\n", out);
    }
    table_end(out);
    fputs("</section>\n", out);
}

static void write_ports(const report_view *v, FILE *out)
{
    static const char *const cols[] = {"service", "transport", "port", "#flows", "#packets", "#bytes"};
    fputs("<section id=\"ports\" aria-labelledby=\"ports-h\">\n<h2 id=\"ports-h\">Unregistered, unnamed, "
          "reserved and unassigned ports</h2>\n<p class=\"note\">Flows whose service port the registry "
          "does not name, by the port they used (the 20 ports with the most bytes per row; \"+N more\" "
          "sums the rest).</p>\n", out);
    table_head(out, "t-ports", "Ports without a named service", cols, 6);
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        const row_extra *x = &v->extra[i];
        for (size_t k = 0; k < x->nports; k++) {
            const port_cell *c = &r->ports.cells[x->ports[k]];
            fputs("<tr>", out);
            td_text(out, r->key.label);
            td_text(out, ps_transport_name(r->key.transport));
            fprintf(out, "<td>%u</td>", (unsigned)x->ports[k]);
            td_u64(out, c->flows);
            td_u64(out, c->packets);
            td_u64(out, c->bytes);
            fputs("</tr>\n", out);
        }
        if (x->nother_ports) {
            fputs("<tr>", out);
            td_text(out, r->key.label);
            td_text(out, ps_transport_name(r->key.transport));
            fprintf(out, "<td>+%" PRIu32 " more</td>", x->nother_ports);
            td_u64(out, x->other_ports.flows);
            td_u64(out, x->other_ports.packets);
            td_u64(out, x->other_ports.bytes);
            fputs("</tr>\n", out);
        }
    }
    table_end(out);
    fputs("</section>\n", out);
}

static void talker_cells(FILE *out, const talker *t, double share)
{
    char ep[96];
    talker_key_format(&t->key, ep, sizeof(ep));
    td_text(out, ep);
    td_u64(out, t->flows);
    td_u64(out, t->packets);
    td_u64(out, t->bytes);
    td_pct(out, share);
    td_u64(out, t->error);
}

static void write_talkers(const report_view *v, FILE *out)
{
    if (!v->cfg->top_n)
        return;
    static const char *const cols[] = {"service", "transport", "role", "endpoint", "#flows", "#packets",
                                       "#bytes", "#share", "#error"};
    fputs("<section id=\"talkers\" aria-labelledby=\"talkers-h\">\n<h2 id=\"talkers-h\">Top talkers</h2>\n"
          "<p class=\"note\">Servers are the endpoints holding the service port, clients the hosts on the "
          "other side; shares are of the service's bytes. A non-zero error marks an approximate count: "
          "the bytes may be over by at most that much.</p>\n", out);
    table_head(out, "t-talkers", "Top server endpoints and client hosts per service, by bytes", cols, 9);
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *r = v->rows[i];
        const row_extra *x = &v->extra[i];
        for (size_t k = 0; k < x->nservers + x->nclients; k++) {
            int server = k < x->nservers;
            const talker *t = server ? x->servers[k] : x->clients[k - x->nservers];
            fputs("<tr>", out);
            td_text(out, r->key.label);
            td_text(out, ps_transport_name(r->key.transport));
            td_text(out, server ? "server" : "client");
            talker_cells(out, t, part(t->bytes, r->bytes));
            fputs("</tr>\n", out);
        }
    }
    table_end(out);
    static const char *const hcols[] = {"host", "#flows", "#packets", "#bytes", "#share", "#error"};
    table_head(out, "t-hosts", "Top hosts by bytes (each flow counts to both its hosts; share of all "
               "bytes)", hcols, 6);
    for (size_t k = 0; k < v->nhosts; k++) {
        fputs("<tr>", out);
        talker_cells(out, v->hosts[k], report_share(v, v->hosts[k]->bytes));
        fputs("</tr>\n", out);
    }
    table_end(out);
    fputs("</section>\n", out);
}

/* IP protocols that carry tunnels; portsniff counts them as the outer protocol. */
static int is_tunnel(uint8_t proto)
{
    return proto == 4 || proto == 41 || proto == 47 || proto == 50 || proto == 51 || proto == 115;
}

static void write_other(const report_view *v, FILE *out)
{
    static const char *const cols[] = {"protocol", "#number", "#packets", "#bytes", "#share"};
    char buf[16];
    fputs("<section id=\"other\" aria-labelledby=\"other-h\">\n<h2 id=\"other-h\">IP protocols without "
          "ports and non-IP frames</h2>\n", out);
    table_head(out, "t-other", "Frames that are not TCP, UDP, SCTP or DCCP", cols, 5);
    for (size_t i = 0; i < v->nother; i++) {
        const other_proto_row *o = &v->other[i];
        fputs("<tr>", out);
        td_text(out, report_proto_name(o->proto, buf, sizeof(buf)));
        td_u64(out, o->proto);
        td_u64(out, o->packets);
        td_u64(out, o->bytes);
        td_pct(out, report_share(v, o->bytes));
        fputs("</tr>\n", out);
    }
    fputs("<tr>", out);
    td_text(out, "non-ip");
    fputs("<td></td>", out);
    td_u64(out, v->run->non_ip_packets);
    td_u64(out, v->run->non_ip_bytes);
    td_pct(out, report_share(v, v->run->non_ip_bytes));
    fputs("</tr>\n", out);
    table_end(out);
    fputs("</section>\n<section id=\"tunnels\" aria-labelledby=\"tunnels-h\">\n<h2 id=\"tunnels-h\">"
          "Tunnels</h2>\n<p class=\"note\">Each encapsulation flows were found in, with its outer "
          "endpoints and identifier. A frame counts once to its innermost flow, and to every "
          "encapsulation it was inside, so these rows overlap.</p>\n", out);
    static const char *const ecols[] = {"encapsulation", "outer a", "outer b", "identifier", "#flows",
                                        "#packets", "#bytes", "#share"};
    if (v->ntunnels == 0)
        fputs("<p>No flow was found inside a tunnel.</p>\n", out);
    else
        table_head(out, "t-encap", "Encapsulations flows were found in", ecols, 8);
    for (size_t i = 0; i < v->ntunnels; i++) {
        const tunnel_row *t = v->tunnels[i];
        char a[PS_PUT_ADDR_MAX], b[PS_PUT_ADDR_MAX], id[64];
        report_tunnel_parts(t, a, b, id, sizeof id);
        fputs("<tr>", out);
        td_text(out, ps_encap_name(t->key.type));
        td_text(out, a);
        td_text(out, b);
        td_text(out, id);
        td_u64(out, t->flows);
        td_u64(out, t->packets);
        td_u64(out, t->bytes);
        td_pct(out, report_share(v, t->bytes));
        fputs("</tr>\n", out);
    }
    if (v->ntunnels_other) {
        char more[48];
        snprintf(more, sizeof more, "+%zu more", v->ntunnels_other);
        fputs("<tr>", out);
        td_text(out, more);
        td_text(out, "");
        td_text(out, "");
        td_text(out, "");
        td_u64(out, v->tunnels_other_flows);
        td_u64(out, v->tunnels_other_packets);
        td_u64(out, v->tunnels_other_bytes);
        td_pct(out, report_share(v, v->tunnels_other_bytes));
        fputs("</tr>\n", out);
    }
    if (v->ntunnels)
        table_end(out);
    fputs("<p class=\"note\">Tunnel protocols counted as the outer protocol: those not entered (ESP, "
          "AH, L2TPv3, a tunnel inside an IP fragment, every one with --decap=none).</p>\n", out);
    static const char *const tcols[] = {"protocol", "#number", "#packets", "#bytes"};
    size_t outer = 0;
    for (size_t i = 0; i < v->nother; i++)
        outer += is_tunnel(v->other[i].proto);
    if (outer == 0) {
        fputs("<p>None.</p>\n</section>\n", out);
        return;
    }
    table_head(out, "t-tunnels", "Tunnel protocols counted as the outer protocol", tcols, 4);
    for (size_t i = 0; i < v->nother; i++) {
        const other_proto_row *o = &v->other[i];
        if (!is_tunnel(o->proto))
            continue;
        fputs("<tr>", out);
        td_text(out, report_proto_name(o->proto, buf, sizeof(buf)));
        td_u64(out, o->proto);
        td_u64(out, o->packets);
        td_u64(out, o->bytes);
        fputs("</tr>\n", out);
    }
    table_end(out);
    fputs("</section>\n", out);
}

static void count_row(FILE *out, const char *id, const char *name, uint64_t n)
{
    fprintf(out, "<tr id=\"%s\"><th scope=\"row\">", id);
    esc(out, name);
    fprintf(out, "</th><td class=\"num\">%" PRIu64 "</td></tr>\n", n);
}

static void write_counters(const report_view *v, FILE *out)
{
    const ps_run_stats *run = v->run;
    const ps_flow_counters *f = v->flows;
    fputs("<section id=\"totals\" aria-labelledby=\"totals-h\">\n<h2 id=\"totals-h\">Totals, flows and "
          "fragments</h2>\n<table id=\"t-totals\"><caption>Counters of the run</caption><tbody>\n", out);
    count_row(out, "n-packets", "packets", run->packets);
    count_row(out, "n-bytes", "bytes", run->frame_bytes);
    count_row(out, "n-flows-created", "flows created", f->flows_created);
    count_row(out, "n-flows-ended", "flows ended", v->flows_ended);
    count_row(out, "n-open-flows", "flows still open", v->open_flows);
    count_row(out, "n-peak-flows", "flows open at the peak", f->peak_flows);
    count_row(out, "n-flows-evicted", "flows evicted (--max-flows)", f->flows_evicted);
    count_row(out, "n-fragments-matched", "fragments matched", f->fragments_matched);
    count_row(out, "n-fragments-unmatched", "fragments unmatched", f->fragments_unmatched);
    count_row(out, "n-fragment-cache-evictions", "fragment-cache evictions", f->fragment_cache_evictions);
    count_row(out, "n-unsupported-link", "frames of an unsupported link type", run->unsupported_link_packets);
    if (run->unsupported_dlt >= 0)
        count_row(out, "n-unsupported-dlt", "their link type (DLT)", (uint64_t)run->unsupported_dlt);
    fputs("</tbody></table>\n</section>\n", out);

    fputs("<section id=\"malformed\" aria-labelledby=\"malformed-h\">\n<h2 id=\"malformed-h\">Malformed "
          "packets</h2>\n<p class=\"note\">Frames whose headers were cut short or inconsistent, by reason; "
          "they count in no flow.</p>\n", out);
    static const char *const mcols[] = {"reason", "#packets"};
    table_head(out, "t-malformed", "Malformed packets by reason", mcols, 2);
    fprintf(out, "<tr><td>all</td><td class=\"num\">%" PRIu64 "</td></tr>\n", run->malformed_total);
    for (int m = PS_MAL_NONE + 1; m < PS_MAL_COUNT; m++)
        if (run->malformed[m])
            fprintf(out, "<tr><td>%s</td><td class=\"num\">%" PRIu64 "</td></tr>\n", ps_malformed_name(m),
                    run->malformed[m]);
    table_end(out);
    fputs("</section>\n<section id=\"kernel\" aria-labelledby=\"kernel-h\">\n<h2 id=\"kernel-h\">Kernel "
          "drops</h2>\n", out);
    if (v->ctx->live) {
        fputs("<table id=\"t-kernel\"><caption>The capture's counters (pcap_stats)</caption><tbody>\n", out);
        count_row(out, "k-received", "received", run->kernel_received);
        count_row(out, "k-dropped", "dropped by the kernel", run->kernel_dropped);
        count_row(out, "k-interface-dropped", "dropped by the interface", run->interface_dropped);
        fputs("</tbody></table>\n", out);
    } else {
        fputs("<p id=\"kernel-none\">Not applicable: the packets were read from files.</p>\n", out);
    }
    fputs("</section>\n", out);
    if (!v->nexports)
        return;
    static const char *const xcols[] = {"destination", "#records sent", "#messages", "#bytes",
                                        "#records not sent", "#their packets", "#their IP bytes"};
    fputs("<section id=\"ipfix\" aria-labelledby=\"ipfix-h\">\n<h2 id=\"ipfix-h\">IPFIX export</h2>\n",
          out);
    table_head(out, "t-ipfix", "Per --ipfix destination", xcols, 7);
    for (size_t i = 0; i < v->nexports; i++) {
        const ps_report_export *e = &v->exports[i];
        fputs("<tr>", out);
        td_text(out, e->dest);
        td_u64(out, e->records);
        td_u64(out, e->messages);
        td_u64(out, e->octets);
        td_u64(out, e->not_sent_records);
        td_u64(out, e->not_sent_packets);
        td_u64(out, e->not_sent_octets);
        fputs("</tr>\n", out);
    }
    table_end(out);
    fputs("</section>\n", out);
}

static void write_series(const report_view *v, FILE *out)
{
    static const char *const cols[] = {"bucket start", "service", "transport", "#flows", "#packets",
                                       "#bytes"};
    char width[PS_TS_LEN];
    report_seconds(width, sizeof(width), v->bucket_ns);
    fputs("<section id=\"series\" aria-labelledby=\"series-h\">\n<h2 id=\"series-h\">Time series</h2>\n",
          out);
    fprintf(out, "<p class=\"note\">Per %s s bucket: flows started, and packets and bytes spread over "
            "each flow's time in proportion; buckets where a service had nothing are left out.</p>\n",
            width);
    table_head(out, "t-series", "Flows started, packets and bytes per bucket and service", cols, 6);
    for (int64_t b = v->bucket_lo; b <= v->bucket_hi; b++) {
        char ts[PS_TS_LEN];
        iso(ts, sizeof(ts), b * v->bucket_ns);
        for (size_t i = 0; i < v->nrows; i++) {
            const series_cell *c = report_view_cell(v, i, b);
            if (!c || !(c->flows || c->packets || c->bytes))
                continue;
            fputs("<tr>", out);
            td_text(out, ts);
            td_text(out, v->rows[i]->key.label);
            td_text(out, ps_transport_name(v->rows[i]->key.transport));
            td_u64(out, c->flows);
            td_u64(out, c->packets);
            td_u64(out, c->bytes);
            fputs("</tr>\n", out);
        }
    }
    table_end(out);
    fputs("</section>\n", out);
}

static void write_html(const report_view *v, FILE *out)
{
    write_head(v, out);
    write_header(v, out);
    write_caveat(out);
    fputs("<main>\n<section id=\"charts\" aria-labelledby=\"charts-h\">\n<h2 id=\"charts-h\">Charts</h2>\n"
          "<div class=\"charts\">\n", out);
    chart_services(v, out);
    chart_transports(v, out);
    chart_series(v, out);
    chart_talkers(v, out);
    fputs("</div>\n</section>\n", out);
    write_services(v, out);
    write_ports(v, out);
    write_talkers(v, out);
    write_other(v, out);
    write_counters(v, out);
    write_series(v, out);
    fprintf(out, "</main>\n<script>%s</script>\n</body>\n</html>\n", script);
}

const ps_report_writer report_writer_html = {"html", ".html", write_html};
