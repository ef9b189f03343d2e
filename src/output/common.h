/* What the flow record writers share: one flow rendered to strings once,
 * and the small vocabularies (TCP flag letters, SCTP chunk names). */
#ifndef PORTSNIFF_OUTPUT_COMMON_H
#define PORTSNIFF_OUTPUT_COMMON_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "portsniff/attribute.h"
#include "portsniff/flow.h"

#define PS_TS_LEN 40
#define PS_FLAGS_LEN 16

typedef struct flow_view {
    char ts[PS_TS_LEN];                 /* first packet, seconds.microseconds */
    char iso_ts[PS_TS_LEN];
    char duration[PS_TS_LEN];
    const char *proto;
    char orig_h[INET6_ADDRSTRLEN];
    char resp_h[INET6_ADDRSTRLEN];
    uint16_t orig_p, resp_p;
    const ps_dir_stats *orig, *resp;
    const char *service;                /* canonical name; NULL unless the port is named */
    const char *service_text;           /* the label as printed */
    const char *status;
    const char *description;            /* NULL when the registry has none */
    const char *basis;
    const char *end;
    int is_tcp;
    char orig_flags[PS_FLAGS_LEN], resp_flags[PS_FLAGS_LEN];
} flow_view;

/* iso_ts is filled only when with_iso is set: the text writer alone uses it. */
void flow_view_fill(flow_view *v, const ps_flow *flow, const ps_label *label, int with_iso);

/* A record is assembled here and handed to stdio in one fwrite: printf's
 * format parsing and a locked stdio call per field cost more than the rest
 * of a flow's life. Longer output passes through as it comes. */
typedef struct out_buf {
    FILE *out;
    size_t len;
    char data[1024];
} out_buf;

static inline void ob_init(out_buf *b, FILE *out)
{
    b->out = out;
    b->len = 0;
}

static inline void ob_flush(out_buf *b)
{
    if (b->len)
        fwrite(b->data, 1, b->len, b->out);
    b->len = 0;
}

static inline void ob_mem(out_buf *b, const char *s, size_t n)
{
    if (n > sizeof(b->data) - b->len) {
        ob_flush(b);
        if (n > sizeof(b->data)) {
            fwrite(s, 1, n, b->out);
            return;
        }
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void ob_char(out_buf *b, char c)
{
    if (b->len == sizeof(b->data))
        ob_flush(b);
    b->data[b->len++] = c;
}

void ob_str(out_buf *b, const char *s);
void ob_u64(out_buf *b, uint64_t v);
void ob_json_string(out_buf *b, const char *s);      /* as json_write_string */
void ob_json_string_or_null(out_buf *b, const char *s);
void ob_csv_field(out_buf *b, const char *s);        /* as csv_write_field */

/* TCP flags in tcpdump's letters and order: F S R P . U E W ("." is ACK);
 * "none" when no flag was set. */
void format_tcp_flags(char *buf, size_t len, uint8_t flags);
/* RFC 9260 section 3.2 chunk type names ("INIT_ACK"), "CHUNK_<n>" otherwise. */
const char *sctp_chunk_name(unsigned type, char *buf, size_t len);
/* The lowest chunk type in the set at or after `from`, or -1. */
int sctp_next_chunk(uint32_t chunks, int from);

void json_write_string_or_null(FILE *out, const char *s);

void text_write_flow(FILE *out, const ps_flow *flow, const ps_label *label);
void csv_write_flow_header(FILE *out);
void csv_write_flow(FILE *out, const ps_flow *flow, const ps_label *label);
void json_write_flow(FILE *out, const ps_flow *flow, const ps_label *label);

#endif
