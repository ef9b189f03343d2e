/* BSD loopback encapsulation: a 4-byte address family before the IP header.
 * DLT_NULL stores it in the capturing host's byte order, DLT_LOOP (OpenBSD)
 * in network byte order. */
#include "dissect_internal.h"

/* AF_INET is 2 everywhere; AF_INET6 is not: 24 on NetBSD, OpenBSD and
 * BSD/OS, 28 on FreeBSD and DragonFly, 30 on Darwin, 10 on Linux. A capture
 * file keeps the value of the host that wrote it, so all are accepted. */
static dissect_layer loopback_payload(ps_packet *pkt, uint32_t family)
{
    switch (family) {
    case 2:
        return LAYER_IPV4;
    case 10: case 24: case 28: case 30:
        return LAYER_IPV6;
    default:
        return layer_done(pkt, PS_PKT_NON_IP);
    }
}

static uint32_t swap32(uint32_t v)
{
    return (v >> 24) | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | (v << 24);
}

dissect_layer dissect_null(dissect_walk *w, ps_packet *pkt)
{
    uint32_t family;
    if (!cursor_u32(&w->c, &family))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    /* Address families are small numbers: a value in the upper half means
     * the capture was written by a host of the other byte order. */
    if (family & 0xffff0000u)
        family = swap32(family);
    return loopback_payload(pkt, family);
}

dissect_layer dissect_loop(dissect_walk *w, ps_packet *pkt)
{
    uint32_t family;
    if (!cursor_u32(&w->c, &family))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    return loopback_payload(pkt, family);
}
