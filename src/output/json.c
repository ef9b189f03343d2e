/* Flow records as JSON lines (NDJSON): {"record":"flow", then the fields of
 * the schema by name. An absent value is null, or left out for the fields
 * that only apply to some flows (vlan, TCP flags, SCTP chunks, DCCP service
 * code). */
#include <stdio.h>
#include <string.h>

#include "output/emit.h"

#define KEY_MAX 48

typedef struct json_state {
    char key[PS_F_COUNT][KEY_MAX];   /* ,"name": */
    uint8_t key_len[PS_F_COUNT];
} json_state;

static int json_begin(ps_flow_sink *s)
{
    json_state *st = s->state;
    for (size_t i = 0; i < s->nfields && i < PS_F_COUNT; i++) {
        int n = snprintf(st->key[i], KEY_MAX, ",\"%s\":", s->fields[i].name);
        st->key_len[i] = (uint8_t)(n > 0 && n < KEY_MAX ? n : 0);
    }
    return 0;
}

static void json_write(ps_flow_sink *s, const ps_flow_rec *r)
{
    const json_state *st = s->state;
    ps_emit e;
    emit_open(&e, s->out);
    EMIT_LIT(&e, "{\"record\":\"flow\"");
    for (size_t i = 0; i < s->nfields; i++) {
        const ps_flow_field *f = &s->fields[i];
        ps_value v;
        v.absent = 0;
        f->get(r, &v);
        if (v.absent && (f->flags & PS_FF_OMIT_ABSENT))
            continue;
        /* A fixed-size copy compiles to a few moves; the length says how
         * much of it counts. */
        emit_need(&e, KEY_MAX);
        memcpy(e.p, st->key[i], KEY_MAX);
        e.p += st->key_len[i];
        if (v.absent) {
            EMIT_LIT(&e, "null");
            continue;
        }
        if (emit_scalar(&e, f, &v))
            continue;
        switch (f->type) {
        case PS_FT_ADDR:
            emit_char(&e, '"');
            emit_addr(&e, v.family, v.addr);
            emit_char(&e, '"');
            break;
        case PS_FT_ENUM:
            emit_char(&e, '"');
            emit_str(&e, v.s);
            emit_char(&e, '"');
            break;
        case PS_FT_TUNNEL: emit_str(&e, v.json); break;
        case PS_FT_NAME_SET:
            emit_char(&e, '[');
            emit_name_set(&e, f, &v, ",", "\"");
            emit_char(&e, ']');
            break;
        default: emit_json_string(&e, v.s); break;
        }
    }
    EMIT_LIT(&e, "}\n");
    emit_close(&e);
}

const ps_flow_sink_ops ps_json_sink = {
    .name = "json",
    .state_size = sizeof(json_state),
    .begin = json_begin,
    .write = json_write,
};
