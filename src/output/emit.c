/* Records written straight into the output's buffer (output/emit.h). */
#include "output/common.h"
#include "output/emit.h"

void emit_refill(ps_emit *e, size_t n)
{
    emit_close(e);
    if (n < EMIT_CHUNK)
        n = EMIT_CHUNK;
    e->start = e->p = outfile_reserve(e->out, n);
    e->end = e->start + n;
}

void emit_mem_long(ps_emit *e, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = (size_t)(e->end - e->p);
        if (room == 0) {
            emit_refill(e, EMIT_CHUNK);
            continue;
        }
        size_t k = n < room ? n : room;
        memcpy(e->p, s, k);
        e->p += k;
        s += k;
        n -= k;
    }
}

void emit_u64(ps_emit *e, uint64_t v)
{
    emit_need(e, PS_PUT_U64_MAX);
    e->p = ps_put_u64(e->p, v);
}

void emit_ts(ps_emit *e, int64_t ns)
{
    emit_need(e, PS_PUT_TS_MAX);
    e->p = ps_put_ts(e->p, ns);
}

void emit_iso_ts(ps_emit *e, int64_t ns)
{
    emit_need(e, PS_PUT_ISO_TS_MAX);
    e->p = ps_put_iso_ts(e->p, ns);
}

void emit_addr(ps_emit *e, int family, const uint8_t *addr)
{
    emit_need(e, PS_PUT_ADDR_MAX);
    e->p = ps_put_addr(e->p, family, addr);
}

/* RFC 8259 section 7: quote, backslash and control characters are escaped;
 * other bytes, UTF-8 included, pass through. */
void emit_json_string(ps_emit *e, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    /* Most strings need no escape: one scan, one copy. */
    size_t n = 0;
    while (p[n] >= 0x20 && p[n] != '"' && p[n] != '\\')
        n++;
    if (!p[n] && emit_quoted_verbatim(e, s, n))
        return;
    emit_char(e, '"');
    for (; *p; p++) {
        emit_need(e, 6);
        char c = 0;
        switch (*p) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '\b': c = 'b'; break;
        case '\f': c = 'f'; break;
        case '\n': c = 'n'; break;
        case '\r': c = 'r'; break;
        case '\t': c = 't'; break;
        default: break;
        }
        if (c) {
            *e->p++ = '\\';
            *e->p++ = c;
        } else if (*p < 0x20) {
            const char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            memcpy(e->p, u, 6);
            e->p += 6;
        } else {
            *e->p++ = (char)*p;
        }
    }
    emit_char(e, '"');
}

int emit_quoted_verbatim(ps_emit *e, const char *s, size_t n)
{
    if (n + 2 > PS_OUTFILE_RESERVE_MAX)
        return 0;
    emit_need(e, n + 2);
    *e->p++ = '"';
    memcpy(e->p, s, n);
    e->p += n;
    *e->p++ = '"';
    return 1;
}

/* RFC 4180 section 2: a field holding a comma, quote or line break is quoted
 * and its quotes doubled. */
void emit_csv_field(ps_emit *e, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        emit_str(e, s);
        return;
    }
    emit_char(e, '"');
    for (const char *p = s; *p; p++) {
        emit_need(e, 2);
        if (*p == '"')
            *e->p++ = '"';
        *e->p++ = *p;
    }
    emit_char(e, '"');
}

void emit_name_set(ps_emit *e, const ps_flow_field *f, const ps_value *v, const char *sep,
                   const char *quote)
{
    char buf[24];
    const char *s = "";
    unsigned n = f->item_name ? 64 : PS_LABEL_ALSO_MAX;
    for (unsigned i = 0; i < n; i++) {
        if (!(v->u >> i & 1))
            continue;
        emit_str(e, s);
        emit_str(e, quote);
        emit_str(e, f->item_name ? f->item_name(i, buf, sizeof(buf)) : v->items[i]);
        emit_str(e, quote);
        s = sep;
    }
}
