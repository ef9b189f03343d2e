/* Zeek's history and payload bytes per flow (ps_zeek_state), kept by flow
 * tables created with ps_flow_config.zeek_state. Private to the flow table. */
#ifndef PORTSNIFF_FLOW_ZEEK_H
#define PORTSNIFF_FLOW_ZEEK_H

#include "portsniff/flow.h"
#include "portsniff/packet.h"

/* One TCP segment or UDP datagram sent by endpoint `dir` (0 = a, 1 = b). */
void zeek_track_tcp(ps_zeek_state *z, const ps_packet *p, int dir);
void zeek_track_udp(ps_zeek_state *z, const ps_packet *p, int dir);

#endif
