/* One flow per line, in the spirit of tcpdump, with a fixed number of
 * space-separated fields so that awk can read it:
 *
 *   TIME PROTO ORIG > RESP SERVICE/PORT OPKTS/OBYTES RPKTS/RBYTES DUR END FLAGS
 *
 * and with -v nine more at the end: BASIS STATUS VLAN ALSO COMMUNITY-ID
 * TUNNEL HISTORY OPAYLOAD/RPAYLOAD "DESCRIPTION" (HISTORY and the payload
 * bytes as Zeek's history, orig_bytes and resp_bytes). An absent value is "-" (a flow that is not TCP has no FLAGS;
 * a flow without a VLAN tag has no VLAN; a port without other services has no
 * ALSO, '|'-joined otherwise; a service without a description). TIME is the first
 * packet's time of day in UTC, as tcpdump prints it; -tttt gives the date
 * too (ISO 8601), -tt seconds since the epoch, -t leaves the field out.
 * Bytes are frame bytes. IPv6 endpoints are bracketed as in RFC 3986 so the
 * port stays readable. Inside the description a quote or backslash is
 * escaped with a backslash and other control characters as \xHH, so a
 * record is always one line. TCP flags are the union each side sent, in
 * tcpdump's letters and order (F S R P . U E W). */
#include "output/common.h"
#include "output/emit.h"

enum text_how {
    TX_PLAIN,      /* the value as its type prints it */
    TX_TIME,       /* the first packet's time as -t asks */
    TX_ENDPOINT,   /* address:port, IPv6 in brackets; field2 is the port */
    TX_LABEL,      /* the service, else what the label says instead */
    TX_QUOTED,     /* "text", escaped */
    TX_PAIR,       /* field/field2, or "-" when field is absent */
};

#define TC_VERBOSE 0x01    /* only with -v */

typedef struct text_col {
    const char *before;    /* printed before the value */
    uint8_t before_len;
    uint8_t field, field2; /* ps_field_id */
    uint8_t how;           /* enum text_how */
    uint8_t flags;         /* TC_* */
} text_col;

#define COL(before, ...) {before, sizeof(before) - 1, __VA_ARGS__}

static const text_col cols[] = {
    COL("", PS_F_TS, 0, TX_TIME, 0),
    COL(" ", PS_F_PROTO, 0, TX_PLAIN, 0),
    COL(" ", PS_F_ORIG_H, PS_F_ORIG_P, TX_ENDPOINT, 0),
    COL(" > ", PS_F_RESP_H, PS_F_RESP_P, TX_ENDPOINT, 0),
    COL(" ", PS_F_SERVICE, 0, TX_LABEL, 0),
    COL("/", PS_F_SERVICE_PORT, 0, TX_PLAIN, 0),
    COL(" ", PS_F_ORIG_PKTS, 0, TX_PLAIN, 0),
    COL("/", PS_F_ORIG_FRAME_BYTES, 0, TX_PLAIN, 0),
    COL(" ", PS_F_RESP_PKTS, 0, TX_PLAIN, 0),
    COL("/", PS_F_RESP_FRAME_BYTES, 0, TX_PLAIN, 0),
    COL(" ", PS_F_DURATION, 0, TX_PLAIN, 0),
    COL(" ", PS_F_END_REASON, 0, TX_PLAIN, 0),
    COL(" ", PS_F_ORIG_TCP_FLAGS, PS_F_RESP_TCP_FLAGS, TX_PAIR, 0),
    COL(" ", PS_F_LABEL_BASIS, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_SERVICE_STATUS, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_VLAN, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_SERVICE_ALSO, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_COMMUNITY_ID, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_TUNNEL, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_HISTORY, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_ORIG_BYTES, 0, TX_PLAIN, TC_VERBOSE),
    COL("/", PS_F_RESP_BYTES, 0, TX_PLAIN, TC_VERBOSE),
    COL(" ", PS_F_SERVICE_DESCRIPTION, 0, TX_QUOTED, TC_VERBOSE),
};

static void write_quoted(ps_emit *e, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (p[n] >= 0x20 && p[n] != 0x7f && p[n] != '"' && p[n] != '\\')
        n++;
    if (!p[n] && emit_quoted_verbatim(e, s, n))
        return;
    emit_char(e, '"');
    for (; *p; p++) {
        emit_need(e, 4);
        if (*p == '"' || *p == '\\') {
            *e->p++ = '\\';
            *e->p++ = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            const char x[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            memcpy(e->p, x, 4);
            e->p += 4;
        } else {
            *e->p++ = (char)*p;
        }
    }
    emit_char(e, '"');
}

static void write_plain(ps_emit *e, const ps_flow_field *f, const ps_value *v)
{
    if (emit_scalar(e, f, v))
        return;
    switch (f->type) {
    case PS_FT_ADDR: emit_addr(e, v->family, v->addr); break;
    case PS_FT_NAME_SET: emit_name_set(e, f, v, "|", ""); break;
    default: emit_str(e, v->s); break;
    }
}

static void write_time(ps_emit *e, unsigned flags, int64_t ns)
{
    if (flags & PS_SINK_TS_EPOCH) {
        emit_ts(e, ns);
        return;
    }
    char iso[PS_PUT_ISO_TS_MAX];
    size_t n = (size_t)(ps_put_iso_ts(iso, ns) - iso);
    if (flags & PS_SINK_TS_DATE) {
        emit_mem(e, iso, n);
        return;
    }
    /* HH:MM:SS.ffffff: what follows the 'T', without the 'Z'. */
    const char *t = memchr(iso, 'T', n);
    t = t ? t + 1 : iso;
    emit_mem(e, t, (size_t)(iso + n - 1 - t));
}

static void text_write(ps_flow_sink *s, const ps_flow_rec *r)
{
    ps_emit e;
    emit_open(&e, s->out);
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        const text_col *c = &cols[i];
        const ps_flow_field *f = &s->fields[c->field];
        ps_value v, v2;
        if ((c->flags & TC_VERBOSE) && !(s->flags & PS_SINK_VERBOSE))
            continue;
        if (c->how == TX_TIME && (s->flags & PS_SINK_TS_NONE))
            continue;
        v.absent = 0;
        f->get(r, &v);
        if (i > 1 || !(s->flags & PS_SINK_TS_NONE))
            emit_mem(&e, c->before, c->before_len);
        switch (c->how) {
        case TX_TIME:
            write_time(&e, s->flags, v.ns);
            break;
        case TX_ENDPOINT:
            v2.absent = 0;
            s->fields[c->field2].get(r, &v2);
            if (v.family == 6)
                emit_char(&e, '[');
            emit_addr(&e, v.family, v.addr);
            if (v.family == 6)
                emit_char(&e, ']');
            emit_char(&e, ':');
            emit_u64(&e, v2.u);
            break;
        case TX_LABEL:
            /* "(unnamed)", "(reserved)", "(unassigned)", "(unregistered)" */
            emit_str(&e, v.absent ? label_service_text(r->label) : v.s);
            break;
        case TX_PAIR:
            if (v.absent) {
                emit_char(&e, '-');
                break;
            }
            v2.absent = 0;
            s->fields[c->field2].get(r, &v2);
            write_plain(&e, f, &v);
            emit_char(&e, '/');
            write_plain(&e, &s->fields[c->field2], &v2);
            break;
        case TX_QUOTED:
            if (v.absent)
                emit_char(&e, '-');
            else
                write_quoted(&e, v.s);
            break;
        default:
            if (v.absent)
                emit_char(&e, '-');
            else
                write_plain(&e, f, &v);
            break;
        }
    }
    emit_char(&e, '\n');
    emit_close(&e);
}

const ps_flow_sink_ops ps_text_sink = {
    .name = "text",
    .write = text_write,
};
