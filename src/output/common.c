/* Helpers shared by the flow and report writers. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "output/common.h"
#include "portsniff/output.h"

#define NS_PER_S INT64_C(1000000000)

int ps_format_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcasecmp(name, "text") == 0)
        return PS_FMT_TEXT;
    if (strcasecmp(name, "csv") == 0)
        return PS_FMT_CSV;
    if (strcasecmp(name, "json") == 0)
        return PS_FMT_JSON;
    if (strcasecmp(name, "none") == 0)
        return PS_FMT_NONE;
    return -1;
}

void format_addr(char *buf, size_t len, int family, const uint8_t *addr)
{
    int af = family == 6 ? AF_INET6 : AF_INET;
    if (family != 4 && family != 6) {
        snprintf(buf, len, "-");
        return;
    }
    if (!inet_ntop(af, addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

/* Truncated to the microsecond: that is what pcap timestamps usually carry,
 * and truncation keeps a record's start from rounding into the next second. */
void format_ts(char *buf, size_t len, int64_t ts_ns)
{
    const char *sign = "";
    uint64_t mag = (uint64_t)ts_ns;
    if (ts_ns < 0) {
        sign = "-";
        mag = 0 - (uint64_t)ts_ns;
    }
    snprintf(buf, len, "%s%" PRIu64 ".%06" PRIu64, sign,
             mag / (uint64_t)NS_PER_S, mag % (uint64_t)NS_PER_S / 1000);
}

void format_iso_ts(char *buf, size_t len, int64_t ts_ns)
{
    int64_t sec = ts_ns / NS_PER_S, rem = ts_ns % NS_PER_S;
    if (rem < 0) {
        rem += NS_PER_S;
        sec--;
    }
    time_t tt = (time_t)sec;
    struct tm tm;
    char date[32];
    if (!gmtime_r(&tt, &tm) || strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%s.%06" PRId64 "Z", date, rem / 1000);
}

/* RFC 8259 section 7: quote, backslash and control characters are escaped;
 * other bytes, UTF-8 included, pass through. */
void json_write_string(FILE *out, const char *s)
{
    putc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                putc(*p, out);
        }
    }
    putc('"', out);
}

void json_write_string_or_null(FILE *out, const char *s)
{
    if (s)
        json_write_string(out, s);
    else
        fputs("null", out);
}

/* RFC 4180 section 2: a field holding a comma, quote or line break is quoted
 * and its quotes doubled. NULL is the empty field. */
void csv_write_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            putc('"', out);
        putc(*p, out);
    }
    putc('"', out);
}

void format_tcp_flags(char *buf, size_t len, uint8_t flags)
{
    static const struct { uint8_t bit; char letter; } order[] = {
        {PS_TCP_FIN, 'F'}, {PS_TCP_SYN, 'S'}, {PS_TCP_RST, 'R'}, {PS_TCP_PSH, 'P'},
        {PS_TCP_ACK, '.'}, {PS_TCP_URG, 'U'}, {PS_TCP_ECE, 'E'}, {PS_TCP_CWR, 'W'},
    };
    char tmp[sizeof(order) / sizeof(order[0]) + 1];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (flags & order[i].bit)
            tmp[n++] = order[i].letter;
    tmp[n] = '\0';
    snprintf(buf, len, "%s", n ? tmp : "none");
}

const char *sctp_chunk_name(unsigned type, char *buf, size_t len)
{
    static const char *const names[] = {
        "DATA", "INIT", "INIT_ACK", "SACK", "HEARTBEAT", "HEARTBEAT_ACK", "ABORT",
        "SHUTDOWN", "SHUTDOWN_ACK", "ERROR", "COOKIE_ECHO", "COOKIE_ACK", "ECNE",
        "CWR", "SHUTDOWN_COMPLETE", "AUTH",
    };
    if (type < sizeof(names) / sizeof(names[0]))
        return names[type];
    snprintf(buf, len, "CHUNK_%u", type);
    return buf;
}

int sctp_next_chunk(uint32_t chunks, int from)
{
    for (int i = from; i < 32; i++)
        if (chunks & (UINT32_C(1) << i))
            return i;
    return -1;
}

void flow_view_fill(flow_view *v, const ps_flow *flow, const ps_label *label)
{
    format_ts(v->ts, sizeof(v->ts), flow->first_ns);
    format_iso_ts(v->iso_ts, sizeof(v->iso_ts), flow->first_ns);
    format_ts(v->duration, sizeof(v->duration), flow->last_ns - flow->first_ns);
    v->proto = ps_transport_name(flow->key.transport);
    format_addr(v->orig_h, sizeof(v->orig_h), flow->key.family, flow_orig_addr(flow));
    format_addr(v->resp_h, sizeof(v->resp_h), flow->key.family, flow_resp_addr(flow));
    v->orig_p = flow_orig_port(flow);
    v->resp_p = flow_resp_port(flow);
    v->orig = flow_orig_stats(flow);
    v->resp = flow_resp_stats(flow);
    v->service_text = label_service_text(label);
    v->service = label->status == PS_REG_NAMED && label->entry ? label->entry->name : NULL;
    v->status = ps_reg_status_name(label->status);
    v->description = label->entry && label->entry->description && label->entry->description[0]
                         ? label->entry->description : NULL;
    v->basis = ps_label_basis_name(label->basis);
    v->end = ps_end_reason_name(flow->end_reason);
    v->is_tcp = flow->key.transport == PS_TRANSPORT_TCP;
    format_tcp_flags(v->orig_flags, sizeof(v->orig_flags), v->orig->tcp_flags);
    format_tcp_flags(v->resp_flags, sizeof(v->resp_flags), v->resp->tcp_flags);
}

void output_flow_begin(FILE *out, ps_format fmt)
{
    if (fmt == PS_FMT_CSV)
        csv_write_flow_header(out);
}

void output_flow(FILE *out, ps_format fmt, const ps_flow *flow, const ps_label *label)
{
    switch (fmt) {
    case PS_FMT_TEXT: text_write_flow(out, flow, label); break;
    case PS_FMT_CSV: csv_write_flow(out, flow, label); break;
    case PS_FMT_JSON: json_write_flow(out, flow, label); break;
    default: break;
    }
}
