/* Writing a record straight into its output's buffer: the flow writers
 * reserve room there and fill it, so a record costs no copy and no stdio
 * call (printf's format parsing and a locked stdio call per field cost more
 * than the rest of a flow's life). */
#ifndef PORTSNIFF_OUTPUT_EMIT_H
#define PORTSNIFF_OUTPUT_EMIT_H

#include <stdint.h>
#include <string.h>

#include "portsniff/outfile.h"
#include "portsniff/output.h"

#define EMIT_CHUNK 1024u

typedef struct ps_emit {
    ps_outfile *out;
    char *start, *p, *end;
} ps_emit;

/* Commits what is written and reserves room for n more bytes. */
void emit_refill(ps_emit *e, size_t n);

static inline void emit_open(ps_emit *e, ps_outfile *o)
{
    e->out = o;
    e->start = e->p = outfile_reserve(o, EMIT_CHUNK);
    e->end = e->start + EMIT_CHUNK;
}

static inline void emit_close(ps_emit *e)
{
    outfile_commit_bytes(e->out, (size_t)(e->p - e->start));
}

/* At least n bytes of room (n <= PS_OUTFILE_RESERVE_MAX). */
static inline void emit_need(ps_emit *e, size_t n)
{
    if ((size_t)(e->end - e->p) < n)
        emit_refill(e, n);
}

void emit_mem_long(ps_emit *e, const char *s, size_t n);

static inline void emit_mem(ps_emit *e, const char *s, size_t n)
{
    if ((size_t)(e->end - e->p) < n) {
        emit_mem_long(e, s, n);
        return;
    }
    memcpy(e->p, s, n);
    e->p += n;
}

static inline void emit_char(ps_emit *e, char c)
{
    emit_need(e, 1);
    *e->p++ = c;
}

#define EMIT_LIT(e, s) emit_mem((e), (s), sizeof(s) - 1)

static inline void emit_str(ps_emit *e, const char *s)
{
    emit_mem(e, s, strlen(s));
}

void emit_u64(ps_emit *e, uint64_t v);
void emit_ts(ps_emit *e, int64_t ns);          /* seconds.microseconds */
void emit_iso_ts(ps_emit *e, int64_t ns);      /* 2026-08-17T10:00:00.000000Z */
void emit_addr(ps_emit *e, int family, const uint8_t *addr);
void emit_json_string(ps_emit *e, const char *s);   /* RFC 8259 */
/* The n bytes of s between double quotes, when n is short enough for one
 * reserve (returns 1); 0 and nothing written otherwise. The escaping writers'
 * fast path for strings that need no escape. */
int emit_quoted_verbatim(ps_emit *e, const char *s, size_t n);
/* A time, interval, count or port as its type prints (returns 1); 0 and
 * nothing written for the other types, which each format writes its way.
 * Inline: every field of every record passes through it. */
static inline int emit_scalar(ps_emit *e, const ps_flow_field *f, const ps_value *v)
{
    switch (f->type) {
    case PS_FT_TIME:
    case PS_FT_INTERVAL: emit_ts(e, v->ns); return 1;
    case PS_FT_COUNT:
    case PS_FT_PORT: emit_u64(e, v->u); return 1;
    default: return 0;
    }
}
void emit_csv_field(ps_emit *e, const char *s);     /* RFC 4180 */
/* The names of a NAME_SET value's codes, joined by sep. */
void emit_name_set(ps_emit *e, const ps_flow_field *f, const ps_value *v, const char *sep,
                   const char *quote);

#endif
