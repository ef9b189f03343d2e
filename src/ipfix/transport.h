/* Where IPFIX messages go: a UDP or TCP collector, or an IPFIX file (RFC 5655).
 * Every call returns at once: sockets are non-blocking, a TCP collector that
 * is slow gets a bounded queue, one that is down gets reconnection attempts,
 * and whatever cannot be taken is counted, never waited for. */
#ifndef PORTSNIFF_IPFIX_TRANSPORT_H
#define PORTSNIFF_IPFIX_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

typedef enum ps_ipfix_kind {
    PS_IPFIX_UDP = 0,
    PS_IPFIX_TCP,
    PS_IPFIX_FILE
} ps_ipfix_kind;

/* What one message carries, for the counts of what was sent and what was not. */
typedef struct ps_ipfix_msg_info {
    uint32_t data_records;   /* every data record (flows and statistics): the sequence number's step */
    uint32_t flow_records;   /* flow data records among them */
    uint64_t packets;        /* packets those records describe, both directions */
    uint64_t octets;         /* IP octets those records describe, both directions */
} ps_ipfix_msg_info;

typedef struct ps_ipfix_counts {
    uint64_t messages;            /* messages handed over whole: to the kernel (UDP, TCP) or the file */
    uint64_t octets;              /* their bytes */
    uint64_t flow_records;        /* flow records in them */
    uint64_t lost_records;        /* flow records not sent: queue full, send error, cut by a disconnect */
    uint64_t lost_packets;
    uint64_t lost_octets;
    uint64_t lost_messages;
    uint64_t connects;            /* TCP connections established */
    uint64_t disconnects;         /* TCP connections lost or refused */
} ps_ipfix_counts;

typedef struct ps_ipfix_dest ps_ipfix_dest;

/* Parse udp://HOST:PORT, tcp://HOST:PORT (HOST may be [v6]) or file:PATH,
 * resolve it and open it: the file opened as every output is (outfile.h:
 * "-" is standard output, a regular file is replaced when the run ends), the
 * UDP socket connected, a TCP connection started (a collector that is not up
 * yet is retried later). NULL with a one-line reason in err on a bad spec or
 * an unknown host; for a file that cannot be written outfile has said why
 * and err is empty. `queue_bytes` bounds what a TCP destination holds while
 * its collector is slow or away. */
ps_ipfix_dest *ipfix_dest_open(const char *spec, size_t queue_bytes, char *err, size_t errlen);

ps_ipfix_kind ipfix_dest_kind(const ps_ipfix_dest *d);
const char *ipfix_dest_spec(const ps_ipfix_dest *d);
/* The largest message this destination takes (path MTU margin for UDP). */
uint16_t ipfix_dest_max_message(const ps_ipfix_dest *d);

/* The message every new TCP connection starts with (the templates); kept
 * as a copy. Its sequence number and export time are refreshed when sent. */
int ipfix_dest_set_preamble(ps_ipfix_dest *d, const uint8_t *msg, size_t len);

/* Hand over one complete IPFIX message: sent now, queued (TCP) or counted
 * as lost. Never blocks on a network peer. */
void ipfix_dest_send(ps_ipfix_dest *d, const uint8_t *msg, size_t len, const ps_ipfix_msg_info *info,
                     int64_t now_ns);

/* Records that never made it into a message (they could not be encoded). */
void ipfix_dest_count_lost(ps_ipfix_dest *d, const ps_ipfix_msg_info *info);

/* Make progress without blocking: finish a pending connect, reconnect when
 * due, write what the socket takes. `now_ns` is CLOCK_MONOTONIC. */
void ipfix_dest_poll(ps_ipfix_dest *d, int64_t now_ns);

/* Wait up to `budget_ns` for a TCP destination's queue to drain (at the end
 * of a run), then count what is left as lost. Closes the destination; a file
 * is committed into place. Returns 0, or -1 when a file could not be written
 * (already said on stderr, as for every output; err is then empty). */
int ipfix_dest_close(ps_ipfix_dest *d, int64_t budget_ns, char *err, size_t errlen);

const ps_ipfix_counts *ipfix_dest_counts(const ps_ipfix_dest *d);
size_t ipfix_dest_queued_bytes(const ps_ipfix_dest *d);
void ipfix_dest_free(ps_ipfix_dest *d);

int64_t ipfix_monotonic_ns(void);

#endif
