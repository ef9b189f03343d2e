/* Flow records as Zeek's TSV conn.log (Zeek's ASCII writer): the header
 * lines (#separator, #set_separator, #empty_field, #unset_field, #path,
 * #open, #fields, #types), one tab-separated row per flow in the schema's
 * order, and #close at the end, so that Zeek's tools (bro-cut, zeek-cut)
 * read it. An absent value is "-", an empty string or set "(empty)"; inside
 * a value a tab, a backslash, a control byte and (in a set) a comma are
 * escaped as \xHH, and a value that is exactly "-" or "(empty)" gets its
 * first byte escaped, as Zeek does. Columns: Zeek's conn.log fields that
 * portsniff has, in Zeek's order (ts uid id.orig_h id.orig_p id.resp_h
 * id.resp_p proto service duration orig_bytes resp_bytes conn_state
 * history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes), then the rest
 * of the schema in its order. */
#include <time.h>

#include "output/common.h"
#include "output/emit.h"

static void zeek_stamp(ps_emit *e)
{
    /* Zeek writes the local time; UTC here, as every time portsniff prints. */
    char buf[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%d-%H-%M-%S", &tm);
    emit_mem(e, buf, n);
}

/* Zeek's conn.log order of the fields it shares with the schema. */
static const uint8_t zeek_first[] = {
    PS_F_TS, PS_F_UID, PS_F_ORIG_H, PS_F_ORIG_P, PS_F_RESP_H, PS_F_RESP_P, PS_F_PROTO,
    PS_F_SERVICE, PS_F_DURATION, PS_F_ORIG_BYTES, PS_F_RESP_BYTES, PS_F_CONN_STATE,
    PS_F_HISTORY, PS_F_ORIG_PKTS, PS_F_ORIG_IP_BYTES, PS_F_RESP_PKTS, PS_F_RESP_IP_BYTES,
};

typedef struct zeek_state {
    size_t n;
    const ps_flow_field *col[PS_F_COUNT];   /* the columns in order */
} zeek_state;

static void zeek_columns(ps_flow_sink *s)
{
    zeek_state *z = s->state;
    uint8_t taken[PS_F_COUNT] = {0};
    z->n = 0;
    for (size_t i = 0; i < sizeof(zeek_first); i++) {
        if (zeek_first[i] < s->nfields) {
            z->col[z->n++] = &s->fields[zeek_first[i]];
            taken[zeek_first[i]] = 1;
        }
    }
    for (size_t i = 0; i < s->nfields && i < PS_F_COUNT; i++)
        if (!taken[i])
            z->col[z->n++] = &s->fields[i];
}

static int zeek_begin(ps_flow_sink *s)
{
    zeek_state *z = s->state;
    ps_emit e;
    zeek_columns(s);
    emit_open(&e, s->out);
    EMIT_LIT(&e, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
                 "#path\tconn\n#open\t");
    zeek_stamp(&e);
    EMIT_LIT(&e, "\n#fields");
    for (size_t i = 0; i < z->n; i++) {
        emit_char(&e, '\t');
        emit_str(&e, z->col[i]->name);
    }
    EMIT_LIT(&e, "\n#types");
    for (size_t i = 0; i < z->n; i++) {
        emit_char(&e, '\t');
        emit_str(&e, ps_field_zeek_type(z->col[i]));
    }
    emit_char(&e, '\n');
    emit_close(&e);
    return 0;
}

static int zeek_end(ps_flow_sink *s)
{
    ps_emit e;
    emit_open(&e, s->out);
    EMIT_LIT(&e, "#close\t");
    zeek_stamp(&e);
    emit_char(&e, '\n');
    emit_close(&e);
    return 0;
}

static void zeek_string(ps_emit *e, const char *s, int in_set)
{
    static const char hex[] = "0123456789abcdef";
    if (!*s) {
        EMIT_LIT(e, "(empty)");
        return;
    }
    int first_escaped = strcmp(s, "-") == 0 || strcmp(s, "(empty)") == 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int esc = *p < 0x20 || *p == 0x7f || *p == '\\' || (in_set && *p == ',') ||
                  (first_escaped && p == (const unsigned char *)s);
        if (esc) {
            const char x[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            emit_mem(e, x, 4);
        } else {
            emit_char(e, (char)*p);
        }
    }
}

static void zeek_write(ps_flow_sink *s, const ps_flow_rec *r)
{
    const zeek_state *z = s->state;
    ps_emit e;
    emit_open(&e, s->out);
    for (size_t i = 0; i < z->n; i++) {
        const ps_flow_field *f = z->col[i];
        ps_value v;
        if (i)
            emit_char(&e, '\t');
        v.absent = 0;
        f->get(r, &v);
        if (v.absent) {
            emit_char(&e, '-');
            continue;
        }
        if (emit_scalar(&e, f, &v))
            continue;
        switch (f->type) {
        case PS_FT_ADDR: emit_addr(&e, v.family, v.addr); break;
        case PS_FT_NAME_SET: {
            char buf[32];
            int n = 0;
            unsigned bits = f->item_name ? 64 : PS_LABEL_ALSO_MAX;
            for (unsigned b = 0; b < bits; b++) {
                if (!(v.u >> b & 1))
                    continue;
                if (n++)
                    emit_char(&e, ',');
                zeek_string(&e, f->item_name ? f->item_name(b, buf, sizeof(buf)) : v.items[b], 1);
            }
            if (!n)
                EMIT_LIT(&e, "(empty)");
            break;
        }
        default: zeek_string(&e, v.s, 0); break;
        }
    }
    emit_char(&e, '\n');
    emit_close(&e);
}

const ps_flow_sink_ops ps_zeek_sink = {
    .name = "zeek",
    .state_size = sizeof(zeek_state),
    .begin = zeek_begin,
    .write = zeek_write,
    .end = zeek_end,
};
