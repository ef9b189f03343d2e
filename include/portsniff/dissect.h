/* Frame -> packet view. One pass, bounds-checked against the captured length. */
#ifndef PORTSNIFF_DISSECT_H
#define PORTSNIFF_DISSECT_H

#include <stddef.h>
#include <stdint.h>
#include "portsniff/packet.h"

/* UDP ports a tunnel is recognised on, the defaults included (VXLAN 4789
 * and 8472, Geneve 6081, GTP-U 2152, L2TP 1701, Teredo 3544). */
#define PS_DISSECT_MAX_TUNNEL_PORTS 16

typedef struct ps_dissect_config {
    uint8_t  decap;           /* 0: --decap=none, only the outermost IP layer counts */
    uint8_t  nports;
    uint64_t port_filter;     /* bit (port & 63) set for every port below: one test rejects most UDP */
    struct {
        uint16_t port;
        uint8_t  encap;       /* ps_encap: VXLAN, GENEVE, GTPU, L2TP or TEREDO */
    } ports[PS_DISSECT_MAX_TUNNEL_PORTS];
} ps_dissect_config;

/* Decapsulation on, the default tunnel ports. */
void dissect_config_init(ps_dissect_config *cfg);
/* --tunnel-port TYPE=PORT (TYPE: vxlan, geneve, gtp-u, l2tp, teredo). 0 on success; -1
 * with a one-line reason in err (errlen bytes) otherwise. */
int dissect_config_add_port(ps_dissect_config *cfg, const char *spec, char *err, size_t errlen);

/* 1 when the libpcap DLT_* value is decoded. */
int dissect_link_supported(int dlt);

/* Decode one frame captured with link type `dlt` (a DLT_* value from pcap_datalink()).
 * Fills *pkt completely (zeroing what does not apply) and returns pkt->kind.
 * Never reads past data[caplen - 1]. ts_ns and wire_len are copied into pkt.
 * cfg NULL means the defaults of dissect_config_init. */
ps_packet_kind dissect_frame_with(const ps_dissect_config *cfg, int dlt, const uint8_t *data,
                                  uint32_t caplen, uint32_t wire_len, int64_t ts_ns,
                                  ps_packet *pkt);
ps_packet_kind dissect_frame(int dlt, const uint8_t *data, uint32_t caplen,
                             uint32_t wire_len, int64_t ts_ns, ps_packet *pkt);

#endif
