/* MPLS label stacks (RFC 3032) and what follows the bottom of the stack.
 *
 * MPLS does not say what it carries; like the kernel, tcpdump and
 * Wireshark this reads it from the first bytes: the IPv4 and IPv6
 * explicit-null labels (0 and 2) name their payload; otherwise a first
 * nibble of 4 or 6 is IPv4 or IPv6, 0 is a pseudowire control word
 * (RFC 4385) followed by Ethernet (RFC 4448), 1 is the associated channel
 * (RFC 5586, not IP), and anything else is Ethernet over MPLS without a
 * control word. */
#include "dissect_internal.h"

#define MPLS_ENTRY_LEN 4
#define MPLS_BOS 0x100
#define MPLS_LABEL_SHIFT 12
#define MPLS_MAX_LABELS 16
#define MPLS_LABEL_IPV4_NULL 0
#define MPLS_LABEL_IPV6_NULL 2
#define MPLS_CONTROL_WORD_LEN 4

dissect_layer dissect_mpls(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    uint32_t entry = 0;
    uint32_t labels[PS_ENCAP_MPLS_LABELS];
    unsigned n = 0;
    do {
        if (n == MPLS_MAX_LABELS)
            return layer_malformed(pkt, PS_MAL_MPLS_DEPTH);
        if (!cursor_u32(c, &entry))
            return layer_malformed(pkt, PS_MAL_SHORT_MPLS);
        if (n < PS_ENCAP_MPLS_LABELS)
            labels[n] = entry >> MPLS_LABEL_SHIFT;
        n++;
    } while (!(entry & MPLS_BOS));

    uint32_t label = entry >> MPLS_LABEL_SHIFT;
    ps_encap_layer *l = dissect_carrier_enter(w, pkt, PS_ENCAP_MPLS, label, 1);
    if (!l)
        return LAYER_DONE;
    l->nlabels = (uint8_t)n;
    for (unsigned i = 0; i < n && i < PS_ENCAP_MPLS_LABELS; i++)
        l->u.labels[i] = labels[i];
    if (label == MPLS_LABEL_IPV4_NULL)
        return LAYER_IPV4;
    if (label == MPLS_LABEL_IPV6_NULL)
        return LAYER_IPV6;
    uint8_t first;
    if (!cursor_peek_u8(c, 0, &first))
        return layer_done(pkt, PS_PKT_NON_IP);
    switch (first >> 4) {
    case 4: return LAYER_IPV4;
    case 6: return LAYER_IPV6;
    case 0:
        if (!cursor_skip(c, MPLS_CONTROL_WORD_LEN))
            return layer_done(pkt, PS_PKT_NON_IP);
        return LAYER_ETHER;
    case 1: return layer_done(pkt, PS_PKT_NON_IP);
    default: return LAYER_ETHER;
    }
}
