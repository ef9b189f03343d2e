/* Helpers shared by the flow and report writers. */
#include <inttypes.h>
#include <string.h>
#include <strings.h>
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

/* Decimal digits of v, written backwards ending at end; returns the start. */
static char *u64_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static char *put_u8_dec(char *p, unsigned v)
{
    if (v >= 100)
        *p++ = (char)('0' + v / 100);
    if (v >= 10)
        *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

static char *put_ipv4(char *p, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        p = put_u8_dec(p, a[i]);
    }
    return p;
}

/* RFC 5952 text in inet_ntop's exact rules: the longest run of two or more
 * zero groups (the first of equal runs) becomes "::", and a ::ffff:0:0/96 or
 * ::/96 (IPv4-compatible) address ends in dotted IPv4. */
static char *put_ipv6(char *p, const uint8_t *a)
{
    static const char hex[] = "0123456789abcdef";
    unsigned words[8];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        words[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
        if (words[i] == 0) {
            if (cur < 0) {
                cur = i;
                cur_len = 0;
            }
            cur_len++;
        } else if (cur >= 0) {
            if (best < 0 || cur_len > best_len) {
                best = cur;
                best_len = cur_len;
            }
            cur = -1;
        }
    }
    if (cur >= 0 && (best < 0 || cur_len > best_len)) {
        best = cur;
        best_len = cur_len;
    }
    if (best >= 0 && best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                *p++ = ':';
            continue;
        }
        if (i != 0)
            *p++ = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)))
            return put_ipv4(p, a + 12);
        int started = 0;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (words[i] >> shift) & 15;
            if (d || started || shift == 0) {
                *p++ = hex[d];
                started = 1;
            }
        }
    }
    if (best >= 0 && best + best_len == 8)
        *p++ = ':';
    return p;
}

void format_addr(char *buf, size_t len, int family, const uint8_t *addr)
{
    char tmp[INET6_ADDRSTRLEN];
    char *end;
    if (family == 4)
        end = put_ipv4(tmp, addr);
    else if (family == 6)
        end = put_ipv6(tmp, addr);
    else {
        snprintf(buf, len, "-");
        return;
    }
    size_t n = (size_t)(end - tmp);
    if (n >= len) {
        snprintf(buf, len, "?");
        return;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
}

/* Truncated to the microsecond: that is what pcap timestamps usually carry,
 * and truncation keeps a record's start from rounding into the next second. */
void format_ts(char *buf, size_t len, int64_t ts_ns)
{
    char tmp[32], *end = tmp + sizeof(tmp);
    uint64_t mag = (uint64_t)ts_ns;
    if (ts_ns < 0)
        mag = 0 - (uint64_t)ts_ns;
    uint64_t us = mag % (uint64_t)NS_PER_S / 1000;
    char *p = end;
    for (int i = 0; i < 6; i++, us /= 10)
        *--p = (char)('0' + us % 10);
    *--p = '.';
    p = u64_digits(p, mag / (uint64_t)NS_PER_S);
    if (ts_ns < 0)
        *--p = '-';
    size_t n = (size_t)(end - p);
    if (len == 0)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

/* Two decimal digits, zero-padded. */
static char *put_2d(char *p, unsigned v)
{
    *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (the algorithm of
 * H. Hinnant's "chrono-compatible low-level date algorithms"). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void format_iso_ts(char *buf, size_t len, int64_t ts_ns)
{
    int64_t sec = ts_ns / NS_PER_S, rem = ts_ns % NS_PER_S;
    if (rem < 0) {
        rem += NS_PER_S;
        sec--;
    }
    /* Years 1970-9999 directly; gmtime and strftime decide the rest. */
    if (sec >= 0 && sec < INT64_C(253402300800) && len >= 28) {
        int64_t year;
        unsigned month, day, sod = (unsigned)(sec % 86400);
        civil_from_days(sec / 86400, &year, &month, &day);
        char *p = buf;
        p = put_2d(p, (unsigned)(year / 100));
        p = put_2d(p, (unsigned)(year % 100));
        *p++ = '-';
        p = put_2d(p, month);
        *p++ = '-';
        p = put_2d(p, day);
        *p++ = 'T';
        p = put_2d(p, sod / 3600);
        *p++ = ':';
        p = put_2d(p, sod / 60 % 60);
        *p++ = ':';
        p = put_2d(p, sod % 60);
        *p++ = '.';
        unsigned us = (unsigned)(rem / 1000);
        for (int i = 5; i >= 0; i--, us /= 10)
            p[i] = (char)('0' + us % 10);
        p += 6;
        *p++ = 'Z';
        *p = '\0';
        return;
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
void ob_str(out_buf *b, const char *s)
{
    ob_mem(b, s, strlen(s));
}

void ob_u64(out_buf *b, uint64_t v)
{
    char tmp[24], *end = tmp + sizeof(tmp);
    char *p = u64_digits(end, v);
    ob_mem(b, p, (size_t)(end - p));
}

/* RFC 8259 section 7: quote, backslash and control characters are escaped;
 * other bytes, UTF-8 included, pass through. */
void ob_json_string(out_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    ob_char(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': ob_mem(b, "\\\"", 2); break;
        case '\\': ob_mem(b, "\\\\", 2); break;
        case '\b': ob_mem(b, "\\b", 2); break;
        case '\f': ob_mem(b, "\\f", 2); break;
        case '\n': ob_mem(b, "\\n", 2); break;
        case '\r': ob_mem(b, "\\r", 2); break;
        case '\t': ob_mem(b, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                ob_mem(b, u, sizeof(u));
            } else {
                ob_char(b, (char)*p);
            }
        }
    }
    ob_char(b, '"');
}

void ob_json_string_or_null(out_buf *b, const char *s)
{
    if (s)
        ob_json_string(b, s);
    else
        ob_mem(b, "null", 4);
}

/* RFC 4180 section 2: a field holding a comma, quote or line break is quoted
 * and its quotes doubled. NULL is the empty field. */
void ob_csv_field(out_buf *b, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        ob_str(b, s);
        return;
    }
    ob_char(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            ob_char(b, '"');
        ob_char(b, *p);
    }
    ob_char(b, '"');
}

void json_write_string(FILE *out, const char *s)
{
    out_buf b;
    ob_init(&b, out);
    ob_json_string(&b, s);
    ob_flush(&b);
}

void json_write_string_or_null(FILE *out, const char *s)
{
    out_buf b;
    ob_init(&b, out);
    ob_json_string_or_null(&b, s);
    ob_flush(&b);
}

void csv_write_field(FILE *out, const char *s)
{
    out_buf b;
    ob_init(&b, out);
    ob_csv_field(&b, s);
    ob_flush(&b);
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
    if (n == 0) {
        memcpy(tmp, "none", 4);
        n = 4;
    }
    if (len == 0)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
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

void flow_view_fill(flow_view *v, const ps_flow *flow, const ps_label *label, int with_iso)
{
    format_ts(v->ts, sizeof(v->ts), flow->first_ns);
    v->iso_ts[0] = '\0';
    if (with_iso)
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
