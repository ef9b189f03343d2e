/* Flow record writers: text, CSV, JSON lines. */
#ifndef PORTSNIFF_OUTPUT_H
#define PORTSNIFF_OUTPUT_H

#include <stdio.h>
#include "portsniff/attribute.h"
#include "portsniff/flow.h"

typedef enum ps_format {
    PS_FMT_NONE = 0,
    PS_FMT_TEXT,
    PS_FMT_CSV,
    PS_FMT_JSON
} ps_format;

int ps_format_from_name(const char *name);   /* -1 when unknown */

/* Anything a format prints before the first record (the CSV header). */
void output_flow_begin(FILE *out, ps_format fmt);
void output_flow(FILE *out, ps_format fmt, const ps_flow *flow, const ps_label *label);

/* Helpers shared by the writers. */
void format_addr(char *buf, size_t len, int family, const uint8_t *addr);  /* inet_ntop */
void format_ts(char *buf, size_t len, int64_t ts_ns);        /* seconds.microseconds since the epoch */
void format_iso_ts(char *buf, size_t len, int64_t ts_ns);    /* 2026-08-17T10:00:00.000000Z */
void json_write_string(FILE *out, const char *s);             /* quoted, escaped per RFC 8259 */
void csv_write_field(FILE *out, const char *s);               /* quoted when needed per RFC 4180 */

#endif
