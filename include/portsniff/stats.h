/* Run-wide counters that are not per flow: what the dissector saw. */
#ifndef PORTSNIFF_STATS_H
#define PORTSNIFF_STATS_H

#include <stdint.h>
#include "portsniff/packet.h"

typedef struct ps_run_stats {
    uint64_t packets;                   /* frames read */
    uint64_t frame_bytes;               /* their on-wire lengths */
    uint64_t transport_packets;         /* decoded with ports (incl. first fragments) */
    uint64_t fragment_packets;          /* later fragments */
    uint64_t non_ip_packets, non_ip_bytes;
    uint64_t unsupported_link_packets;
    int      unsupported_dlt;           /* last unsupported DLT seen, -1 if none */
    uint64_t malformed[PS_MAL_COUNT];   /* by reason; [0] unused */
    uint64_t malformed_total;
    uint64_t other_ip_packets[256];     /* IP protocols without ports, by protocol number */
    uint64_t other_ip_bytes[256];       /* their frame bytes */
    uint64_t other_ip_total_packets, other_ip_total_bytes;
    int64_t  first_ns, last_ns;         /* timestamps of the first and last frame */
    /* live capture only (pcap_stats) */
    int      have_kernel_stats;
    uint64_t kernel_received, kernel_dropped, interface_dropped;
} ps_run_stats;

void run_stats_init(ps_run_stats *s);
/* Count one dissected frame into the run counters (all kinds). */
void run_stats_add(ps_run_stats *s, const ps_packet *pkt);

#endif
