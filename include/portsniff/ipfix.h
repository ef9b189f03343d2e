/* IPFIX export (RFC 7011) of flow records to collectors and files: RFC 5103
 * biflow records, the label as applicationId in RFC 6759's IANA-L4 (or for
 * ICMP, IANA-L3) classification engine and applicationName, an options
 * template with the exporter's statistics. Encoding by libfixbuf. */
#ifndef PORTSNIFF_IPFIX_H
#define PORTSNIFF_IPFIX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "portsniff/attribute.h"
#include "portsniff/flow.h"

#define PS_IPFIX_MAX_DESTS 16
#define PS_IPFIX_DEFAULT_REFRESH_S 60
#define PS_IPFIX_DEFAULT_QUEUE_KIB 8192

typedef struct ps_ipfix_config {
    const char *dests[PS_IPFIX_MAX_DESTS];   /* --ipfix, in order */
    int ndests;
    uint32_t domain;                 /* --ipfix-domain: observation domain ID */
    double template_refresh_s;       /* --ipfix-template-refresh: UDP templates and statistics */
    size_t queue_bytes;              /* --ipfix-queue: per TCP destination */
    int packet_time;                 /* reading files: messages age and templates refresh on
                                        packet time, so a file always gives the same messages */
} ps_ipfix_config;

void ipfix_config_defaults(ps_ipfix_config *cfg);

/* Whether `spec` reads as udp://HOST:PORT, tcp://HOST:PORT or file:PATH
 * (nothing is resolved or opened): 0, or -1 with the reason in err. */
int ipfix_check_dest(const char *spec, char *err, size_t errlen);

typedef struct ps_ipfix ps_ipfix;

/* 1 when a destination is file:- (standard output). */
int ipfix_wants_stdout(const ps_ipfix_config *cfg);

/* Open every destination (files opened as every output is, hosts resolved,
 * TCP connections started). NULL with a one-line reason in err, or with err
 * empty when the reason was already printed (a file that cannot be written). */
ps_ipfix *ipfix_open(const ps_ipfix_config *cfg, char *err, size_t errlen);

/* One ended flow, to every destination. Never blocks on a collector. */
void ipfix_export_flow(ps_ipfix *x, const ps_flow *flow, const ps_label *label);

/* Call now and then while capture is idle: sends messages waiting longer
 * than a second, re-sends templates when due, moves TCP connections on. */
void ipfix_tick(ps_ipfix *x);

/* End of the run: the last statistics, everything still held sent (TCP gets
 * a few seconds to drain), destinations closed. Each destination that lost
 * records or failed gets one line on `diag`. Returns 0, or -1 when a file
 * could not be written. */
int ipfix_close(ps_ipfix *x, FILE *diag);

void ipfix_free(ps_ipfix *x);

/* Per destination, for reports and tests. */
typedef struct ps_ipfix_dest_stats {
    const char *spec;
    uint64_t messages, octets, flow_records;
    uint64_t lost_records, lost_packets, lost_octets;
    uint64_t connects, disconnects;
} ps_ipfix_dest_stats;

int ipfix_dest_count(const ps_ipfix *x);
void ipfix_dest_stats(const ps_ipfix *x, int i, ps_ipfix_dest_stats *out);

#endif
