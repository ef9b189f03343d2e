/* Flow records: one table of fields, and sinks that walk it.
 *
 * Every flow format (text, CSV, JSON, Zeek TSV, and IPFIX) writes the fields
 * of ps_flow_fields[], in its order: a writer is handed the schema once, when
 * it begins, and then only values (as Zeek's logging writers are). Adding a
 * field to every format is one row in src/output/fields.c and one id below;
 * the text line picks its columns from the same rows (src/output/text.c).
 *
 * A sink is a format (ps_flow_sink_ops: begin, write, flush, end) bound to
 * an output (portsniff/outfile.h). The pipeline hands it each flow as it
 * ends; it never sees the flow table. */
#ifndef PORTSNIFF_OUTPUT_H
#define PORTSNIFF_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "portsniff/attribute.h"
#include "portsniff/flow.h"
#include "portsniff/outfile.h"

/* ---- the record a getter reads ------------------------------------------ */

/* One ended flow and its label, read-only. */
typedef struct ps_flow_rec {
    const ps_flow *flow;
    const ps_label *label;
    uint16_t community_id_seed;   /* --community-id-seed */
    const ps_tunnel_chain *tunnel;  /* the originator's tunnel chain (the responder's when
                                       only it was tunnelled), NULL when not tunnelled */
} ps_flow_rec;

/* ---- field types and values --------------------------------------------- */

typedef enum ps_field_type {
    PS_FT_TIME,       /* ns since the epoch: seconds.microseconds; Zeek "time" */
    PS_FT_INTERVAL,   /* ns: seconds.microseconds; Zeek "interval" */
    PS_FT_COUNT,      /* unsigned; Zeek "count" */
    PS_FT_PORT,       /* transport port; Zeek "port" */
    PS_FT_ADDR,       /* IPv4 or IPv6 address; Zeek "addr" */
    PS_FT_ENUM,       /* a word from a fixed vocabulary (printed unescaped) with
                         a numeric code; Zeek "string" */
    PS_FT_STRING,     /* free text (escaped per format); Zeek "string" */
    PS_FT_NAME_SET,   /* a set of small codes (bits of u) printed by name:
                         JSON array, CSV '|'-joined; Zeek "set[string]".
                         Without item_name, bit i names items[i] */
    PS_FT_TUNNEL,     /* a tunnel chain: s is its compact text, json its JSON array;
                         Zeek "string" */
    PS_FT_COUNT_TYPES
} ps_field_type;

typedef struct ps_value {
    union {
        uint64_t u;            /* COUNT, PORT, ENUM code, NAME_SET bits */
        int64_t ns;            /* TIME, INTERVAL */
        const uint8_t *addr;   /* ADDR: 4 or 16 bytes, network order */
    };
    const char *s;             /* ENUM word, STRING text, TUNNEL compact text */
    const char *json;          /* TUNNEL: the JSON form */
    uint8_t family;            /* ADDR: 4 or 6 */
    uint8_t absent;            /* no value for this flow (JSON null or omitted,
                                  CSV empty, Zeek "-", text "-") */
    char text[32];             /* scratch for a getter that builds s */
    const char *items[PS_LABEL_ALSO_MAX];   /* NAME_SET without item_name */
} ps_value;

/* Field flags. */
#define PS_FF_OMIT_ABSENT 0x01   /* JSON leaves the key out when absent (else null) */
#define PS_FF_REVERSE     0x02   /* IPFIX: the responder's direction (RFC 5103 reverse
                                    element, enterprise 29305) */

typedef struct ps_flow_field {
    const char *name;          /* the JSON key, CSV column and Zeek field name */
    uint8_t type;              /* ps_field_type */
    uint8_t flags;             /* PS_FF_* */
    uint16_t ipfix_id;         /* IANA IPFIX information element, 0 for none
                                  (for ADDR: the IPv4 element) */
    uint16_t ipfix_id6;        /* ADDR only: the IPv6 element */
    const char *zeek_type;     /* NULL: derived from type */
    void (*get)(const ps_flow_rec *r, ps_value *v);   /* fills v; sets absent or the value */
    /* NAME_SET only: the name of code `item` (buf is scratch of len bytes);
     * NULL when the getter names the items itself (ps_value.items). */
    const char *(*item_name)(unsigned item, char *buf, size_t len);
} ps_flow_field;

/* Field ids: the table's order is every format's column order. */
typedef enum ps_field_id {
    PS_F_TS,
    PS_F_DURATION,
    PS_F_PROTO,
    PS_F_ORIG_H,
    PS_F_ORIG_P,
    PS_F_RESP_H,
    PS_F_RESP_P,
    PS_F_ORIG_PKTS,
    PS_F_RESP_PKTS,
    PS_F_ORIG_IP_BYTES,
    PS_F_RESP_IP_BYTES,
    PS_F_ORIG_FRAME_BYTES,
    PS_F_RESP_FRAME_BYTES,
    PS_F_SERVICE,
    PS_F_SERVICE_STATUS,
    PS_F_SERVICE_PORT,
    PS_F_SERVICE_DESCRIPTION,
    PS_F_LABEL_BASIS,
    PS_F_END_REASON,
    PS_F_VLAN,
    PS_F_ORIG_TCP_FLAGS,
    PS_F_RESP_TCP_FLAGS,
    PS_F_SCTP_CHUNKS,
    PS_F_DCCP_SERVICE_CODE,
    PS_F_SERVICE_ALSO,
    PS_F_PORT_SERVICE,
    PS_F_EXPECTED_SERVICE_CODE,
    PS_F_UID,
    PS_F_CONN_STATE,
    PS_F_HISTORY,
    PS_F_ORIG_BYTES,
    PS_F_RESP_BYTES,
    PS_F_COMMUNITY_ID,
    PS_F_TUNNEL,
    PS_F_COUNT
} ps_field_id;

extern const ps_flow_field ps_flow_fields[PS_F_COUNT];

/* The Zeek type name of a field ("time", "count", "set[string]", ...). */
const char *ps_field_zeek_type(const ps_flow_field *f);
/* The field named name, or NULL. */
const ps_flow_field *ps_field_by_name(const char *name);

/* ---- sinks --------------------------------------------------------------- */

typedef struct ps_flow_sink ps_flow_sink;

/* Sink flags. */
#define PS_SINK_VERBOSE    0x01   /* -v: the text line adds its verbose columns */
#define PS_SINK_LINE_FLUSH 0x02   /* -l: each record is written out as it ends */
#define PS_SINK_TS_NONE    0x04   /* -t: the text line has no time field */
#define PS_SINK_TS_EPOCH   0x08   /* -tt: seconds.microseconds since the epoch */
#define PS_SINK_TS_DATE    0x10   /* -tttt: the date too (ISO 8601, UTC) */

typedef struct ps_flow_sink_ops {
    const char *name;                                  /* --flows=NAME */
    size_t state_size;                                 /* zeroed bytes at s->state */
    /* A new output begins (the start, or a rotated file): headers. */
    int (*begin)(ps_flow_sink *s);
    void (*write)(ps_flow_sink *s, const ps_flow_rec *r);
    /* The output is about to be closed or rotated: trailers. May be NULL. */
    int (*end)(ps_flow_sink *s);
    /* Frees what begin or write allocated in state. May be NULL. */
    void (*fini)(ps_flow_sink *s);
} ps_flow_sink_ops;

struct ps_flow_sink {
    const ps_flow_sink_ops *ops;
    ps_outfile *out;
    const ps_flow_field *fields;   /* the schema: ps_flow_fields */
    size_t nfields;
    unsigned flags;                /* PS_SINK_* */
    uint64_t records;              /* written since the start */
    uint16_t community_id_seed;    /* the seed of the records' community_id (0 by default) */
    void *state;                   /* ops->state_size bytes for the format */
    struct ps_sink_defer *defer;   /* flow_sink_defer's ring, once made */
};

/* The formats --flows takes, in the order help lists them, NULL-terminated. */
extern const ps_flow_sink_ops *const ps_flow_sink_formats[];
/* The format named name (case-insensitive), or NULL ("none" is not one). */
const ps_flow_sink_ops *flow_sink_find(const char *name);

/* A sink of that format over out (not owned). NULL when out of memory. */
ps_flow_sink *flow_sink_create(const ps_flow_sink_ops *ops, ps_outfile *out, unsigned flags);
/* begin, write, end as the ops; 0, or -1 when the output has failed. */
int flow_sink_begin(ps_flow_sink *s);
/* tunnel: the chain the record shows (flow_table_tunnel), NULL for none. */
void flow_sink_write(ps_flow_sink *s, const ps_flow *flow, const ps_label *label,
                     const ps_tunnel_chain *tunnel);
int flow_sink_flush(ps_flow_sink *s);
int flow_sink_end(ps_flow_sink *s);
/* Ends the current output and begins anew on out (rotation). */
int flow_sink_switch(ps_flow_sink *s, ps_outfile *out);
void flow_sink_free(ps_flow_sink *s);

/* Deferred records: after flow_sink_defer(s, 1), flow_sink_write copies
 * each record into a ring instead of formatting it, and another thread
 * formats them, oldest first, when it has nothing better to do
 * (flow_sink_format_some); the writing thread formats them itself when the
 * ring is full. flow_sink_defer(s, 0), _flush, _end, _switch and _free
 * format what is left first, so the output holds the same bytes in the same
 * order as without. 0, or -1 (records are then formatted as they come) with
 * PS_SINK_LINE_FLUSH (a record is out before its write returns) or when the
 * ring's memory cannot be had. Only the writing thread calls the others. */
int flow_sink_defer(ps_flow_sink *s, int on);
/* Any thread, while s lives: formats a few deferred records, unless
 * another thread is formatting them. 1 when it formatted any. */
int flow_sink_format_some(ps_flow_sink *s);
/* While deferring: on, a thread of the sink's own formats the deferred
 * records as they come, sleeping when there are none (for a burst of
 * records while nothing else would format them: the flows still open at the
 * end of a file); off stops it, and the records left are formatted. 0, or
 * -1 when not deferring or no thread could be had (the records are then
 * formatted as without). */
int flow_sink_assist(ps_flow_sink *s, int on);

/* ---- helpers shared by the flow and report writers ---------------------- */

void format_addr(char *buf, size_t len, int family, const uint8_t *addr);  /* inet_ntop */
void format_ts(char *buf, size_t len, int64_t ts_ns);        /* seconds.microseconds since the epoch */
void format_iso_ts(char *buf, size_t len, int64_t ts_ns);    /* 2026-08-17T10:00:00.000000Z */
void json_write_string(FILE *out, const char *s);             /* quoted, escaped per RFC 8259 */
void csv_write_field(FILE *out, const char *s);               /* quoted when needed per RFC 4180 */

#endif
