/* Helpers shared by the flow and report writers. */
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "output/common.h"
#include "portsniff/output.h"

#define NS_PER_S INT64_C(1000000000)

/* "00" to "99": numbers are written two digits at a time, from the right,
 * straight into place (a division by 100 a pair instead of by 10 a digit). */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* How many decimal digits v has (1 for 0). */
static unsigned dec_len(uint64_t v)
{
    static const uint64_t pow10[20] = {
        1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
        100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
        10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
        100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
    };
    /* log10(2) ~ 1233/4096: a first guess from the bit length, one short at
     * most. */
    v |= 1;
    unsigned t = (unsigned)(64 - __builtin_clzll(v)) * 1233u >> 12;
    return t + (v >= pow10[t]);
}

/* The n lowest decimal digits of v (leading zeros included) ending at end. */
static void put_digits(char *end, uint64_t v, unsigned n)
{
    for (; n >= 2; n -= 2) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (n)
        end[-1] = (char)('0' + v % 10);
}

static char *put_ipv4(char *p, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        p = ps_put_u64(p, a[i]);
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

char *ps_put_u64(char *p, uint64_t v)
{
    unsigned n = dec_len(v);
    put_digits(p + n, v, n);
    return p + n;
}

char *ps_put_addr(char *p, int family, const uint8_t *addr)
{
    if (family == 4)
        return put_ipv4(p, addr);
    if (family == 6)
        return put_ipv6(p, addr);
    *p++ = '-';
    return p;
}

void format_addr(char *buf, size_t len, int family, const uint8_t *addr)
{
    char tmp[PS_PUT_ADDR_MAX];
    size_t n = (size_t)(ps_put_addr(tmp, family, addr) - tmp);
    if (n >= len) {
        snprintf(buf, len, "?");
        return;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
}

/* Truncated to the microsecond: that is what pcap timestamps usually carry,
 * and truncation keeps a record's start from rounding into the next second. */
char *ps_put_ts(char *p, int64_t ts_ns)
{
    uint64_t mag = (uint64_t)ts_ns;
    if (ts_ns < 0) {
        mag = 0 - (uint64_t)ts_ns;
        *p++ = '-';
    }
    uint64_t sec = mag / (uint64_t)NS_PER_S;
    unsigned n = dec_len(sec);
    put_digits(p + n, sec, n);
    p += n;
    *p++ = '.';
    put_digits(p + 6, mag % (uint64_t)NS_PER_S / 1000, 6);
    return p + 6;
}

void format_ts(char *buf, size_t len, int64_t ts_ns)
{
    char tmp[PS_PUT_TS_MAX];
    size_t n = (size_t)(ps_put_ts(tmp, ts_ns) - tmp);
    if (len == 0)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
}

/* Two decimal digits, zero-padded. */
static char *put_2d(char *p, unsigned v)
{
    put_digits(p + 2, v, 2);
    return p + 2;
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

char *ps_put_iso_ts(char *p, int64_t ts_ns)
{
    int64_t sec = ts_ns / NS_PER_S, rem = ts_ns % NS_PER_S;
    if (rem < 0) {
        rem += NS_PER_S;
        sec--;
    }
    /* Years 1970-9999 directly; gmtime and strftime decide the rest. */
    if (sec >= 0 && sec < INT64_C(253402300800)) {
        int64_t year;
        unsigned month, day, sod = (unsigned)(sec % 86400);
        civil_from_days(sec / 86400, &year, &month, &day);
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
        put_digits(p + 6, (uint64_t)(rem / 1000), 6);
        p += 6;
        *p++ = 'Z';
        return p;
    }
    time_t tt = (time_t)sec;
    struct tm tm;
    char date[PS_PUT_ISO_TS_MAX];
    if (!gmtime_r(&tt, &tm) || strftime(date, sizeof(date) - 8, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        *p++ = '?';
        return p;
    }
    int n = snprintf(p, PS_PUT_ISO_TS_MAX, "%s.%06" PRId64 "Z", date, rem / 1000);
    return p + (n > 0 && n < PS_PUT_ISO_TS_MAX ? n : 0);
}

void format_iso_ts(char *buf, size_t len, int64_t ts_ns)
{
    char tmp[PS_PUT_ISO_TS_MAX + 1];
    size_t n = (size_t)(ps_put_iso_ts(tmp, ts_ns) - tmp);
    if (len == 0)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
}

/* RFC 8259 section 7: quote, backslash and control characters are escaped;
 * other bytes, UTF-8 included, pass through. */
static void ob_json_string(out_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    ob_char(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc) {
            ob_char(b, esc[0]);
            ob_char(b, esc[1]);
        } else if (*p < 0x20) {
            const char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            for (int i = 0; i < 6; i++)
                ob_char(b, u[i]);
        } else {
            ob_char(b, (char)*p);
        }
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
    if (s)
        json_write_string(out, s);
    else
        fputs("null", out);
}

/* RFC 4180 section 2: a field holding a comma, quote or line break is quoted
 * and its quotes doubled. NULL is the empty field. */
void csv_write_field(FILE *out, const char *s)
{
    out_buf b;
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    ob_init(&b, out);
    ob_char(&b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            ob_char(&b, '"');
        ob_char(&b, *p);
    }
    ob_char(&b, '"');
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

