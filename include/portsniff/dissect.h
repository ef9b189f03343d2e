/* Frame -> packet view. One pass, bounds-checked against the captured length. */
#ifndef PORTSNIFF_DISSECT_H
#define PORTSNIFF_DISSECT_H

#include <stddef.h>
#include <stdint.h>
#include "portsniff/packet.h"

/* 1 when the libpcap DLT_* value is decoded. */
int dissect_link_supported(int dlt);

/* Decode one frame captured with link type `dlt` (a DLT_* value from pcap_datalink()).
 * Fills *pkt completely (zeroing what does not apply) and returns pkt->kind.
 * Never reads past data[caplen - 1]. ts_ns and wire_len are copied into pkt. */
ps_packet_kind dissect_frame(int dlt, const uint8_t *data, uint32_t caplen,
                             uint32_t wire_len, int64_t ts_ns, ps_packet *pkt);

#endif
