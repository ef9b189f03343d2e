/* What the flow and report writers share: number, time and address text,
 * escaping, and the small vocabularies (TCP flag letters, SCTP chunk names). */
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

/* Text written at p, returning its end (no NUL). Room needed: */
#define PS_PUT_U64_MAX 20
#define PS_PUT_TS_MAX 28         /* -9223372036.854775, with margin */
#define PS_PUT_ISO_TS_MAX 40
#define PS_PUT_ADDR_MAX 46       /* INET6_ADDRSTRLEN */
char *ps_put_u64(char *p, uint64_t v);
char *ps_put_ts(char *p, int64_t ts_ns);       /* seconds.microseconds since the epoch */
char *ps_put_iso_ts(char *p, int64_t ts_ns);   /* 2026-08-17T10:00:00.000000Z */
char *ps_put_addr(char *p, int family, const uint8_t *addr);   /* as inet_ntop; "-" for neither */

/* A FILE* writer's small buffer, for the report writers' escaped strings. */
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

static inline void ob_char(out_buf *b, char c)
{
    if (b->len == sizeof(b->data))
        ob_flush(b);
    b->data[b->len++] = c;
}

/* TCP flags in tcpdump's letters and order: F S R P . U E W ("." is ACK);
 * "none" when no flag was set. */
void format_tcp_flags(char *buf, size_t len, uint8_t flags);
/* RFC 9260 section 3.2 chunk type names ("INIT_ACK"), "CHUNK_<n>" otherwise. */
const char *sctp_chunk_name(unsigned type, char *buf, size_t len);

void json_write_string_or_null(FILE *out, const char *s);

#endif
