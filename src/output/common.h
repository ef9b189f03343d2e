/* What the flow record writers share: one flow rendered to strings once,
 * and the small vocabularies (TCP flag letters, SCTP chunk names). */
#ifndef PORTSNIFF_OUTPUT_COMMON_H
#define PORTSNIFF_OUTPUT_COMMON_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

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

void flow_view_fill(flow_view *v, const ps_flow *flow, const ps_label *label);

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
