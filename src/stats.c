/* Run-wide counters of what the dissector saw. */
#include <string.h>

#include "portsniff/stats.h"

void run_stats_init(ps_run_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->unsupported_dlt = -1;
}

void run_stats_add(ps_run_stats *s, const ps_packet *pkt)
{
    if (s->packets == 0 || pkt->ts_ns < s->first_ns)
        s->first_ns = pkt->ts_ns;
    if (s->packets == 0 || pkt->ts_ns > s->last_ns)
        s->last_ns = pkt->ts_ns;
    s->packets++;
    s->frame_bytes += pkt->wire_len;
    switch ((ps_packet_kind)pkt->kind) {
    case PS_PKT_TRANSPORT:
        s->transport_packets++;
        break;
    case PS_PKT_FRAGMENT:
        s->fragment_packets++;
        break;
    case PS_PKT_OTHER_IP:
        s->other_ip_packets[pkt->ip_proto]++;
        s->other_ip_bytes[pkt->ip_proto] += pkt->wire_len;
        s->other_ip_total_packets++;
        s->other_ip_total_bytes += pkt->wire_len;
        break;
    case PS_PKT_NON_IP:
        s->non_ip_packets++;
        s->non_ip_bytes += pkt->wire_len;
        break;
    case PS_PKT_MALFORMED:
        if (pkt->malformed > PS_MAL_NONE && pkt->malformed < PS_MAL_COUNT)
            s->malformed[pkt->malformed]++;
        s->malformed_total++;
        break;
    case PS_PKT_UNSUPPORTED_LINK:
        s->unsupported_link_packets++;
        break;
    }
}
