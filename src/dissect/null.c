/* BSD loopback encapsulation: a 4-byte address family before the IP header.
 * DLT_NULL stores it in the capturing host's byte order, DLT_LOOP (OpenBSD)
 * in network byte order. */
#include "dissect_internal.h"

/* AF_INET is 2 everywhere; AF_INET6 is not: 24 on NetBSD, OpenBSD and
 * BSD/OS, 28 on FreeBSD and DragonFly, 30 on Darwin, 10 on Linux. A capture
 * file keeps the value of the host that wrote it, so all are accepted. */
static ps_packet_kind loopback_payload(cursor *c, ps_packet *pkt, uint32_t family)
{
    switch (family) {
    case 2:
        return dissect_ipv4(c, pkt);
    case 10: case 24: case 28: case 30:
        return dissect_ipv6(c, pkt);
    default:
        return dissect_set_kind(pkt, PS_PKT_NON_IP);
    }
}

static uint32_t swap32(uint32_t v)
{
    return (v >> 24) | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | (v << 24);
}

ps_packet_kind dissect_null(cursor *c, ps_packet *pkt)
{
    uint32_t family;
    if (!cursor_u32(c, &family))
        return dissect_malformed(pkt, PS_MAL_SHORT_LINK);
    /* Address families are small numbers: a value in the upper half means
     * the capture was written by a host of the other byte order. */
    if (family & 0xffff0000u)
        family = swap32(family);
    return loopback_payload(c, pkt, family);
}

ps_packet_kind dissect_loop(cursor *c, ps_packet *pkt)
{
    uint32_t family;
    if (!cursor_u32(c, &family))
        return dissect_malformed(pkt, PS_MAL_SHORT_LINK);
    return loopback_payload(c, pkt, family);
}
