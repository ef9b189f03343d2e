/* Flow records as CSV (RFC 4180): a header of the schema's names, then one
 * row per flow in the same order; an absent value is an empty field and a
 * set (the SCTP chunk types) is joined with '|'. */
#include "output/emit.h"

static int csv_begin(ps_flow_sink *s)
{
    ps_emit e;
    emit_open(&e, s->out);
    for (size_t i = 0; i < s->nfields; i++) {
        if (i)
            emit_char(&e, ',');
        emit_str(&e, s->fields[i].name);
    }
    emit_char(&e, '\n');
    emit_close(&e);
    return 0;
}

static void csv_write(ps_flow_sink *s, const ps_flow_rec *r)
{
    ps_emit e;
    emit_open(&e, s->out);
    for (size_t i = 0; i < s->nfields; i++) {
        const ps_flow_field *f = &s->fields[i];
        ps_value v;
        if (i)
            emit_char(&e, ',');
        v.absent = 0;
        f->get(r, &v);
        if (v.absent)
            continue;
        if (emit_scalar(&e, f, &v))
            continue;
        switch (f->type) {
        case PS_FT_ADDR: emit_addr(&e, v.family, v.addr); break;
        case PS_FT_ENUM: emit_str(&e, v.s); break;
        case PS_FT_NAME_SET: emit_name_set(&e, f, &v, "|", ""); break;
        default: emit_csv_field(&e, v.s); break;
        }
    }
    emit_char(&e, '\n');
    emit_close(&e);
}

const ps_flow_sink_ops ps_csv_sink = {
    .name = "csv",
    .begin = csv_begin,
    .write = csv_write,
};
