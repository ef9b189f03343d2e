/* IP over InfiniBand (LINKTYPE_IPOIB) as libpcap captures it on Linux: a
 * 40-byte pseudo-header with the link addresses, then RFC 4391 section 6's
 * encapsulation header, an EtherType and two reserved bytes (tcpdump and
 * Wireshark read the same 44 bytes). */
#include "dissect_internal.h"

#define IPOIB_HEADER_LEN 44
#define IPOIB_TYPE_AT 40

dissect_layer dissect_ipoib(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, IPOIB_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    uint16_t type = load_be16(cursor_here(c) + IPOIB_TYPE_AT);
    cursor_skip(c, IPOIB_HEADER_LEN);
    return dissect_ethertype(w, pkt, type);
}
