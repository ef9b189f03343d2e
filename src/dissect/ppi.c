/* PPI, the Per-Packet Information header (DLT_PPI): version(1) flags(1)
 * length(2) link type(4), all little-endian, then fields of type(2)
 * length(2) and data, then a frame of that link type (802.11 in practice,
 * dispatched through the link-type table). The 802.11-Common field's flags
 * say whether the frame ends with its FCS, as radiotap's do. */
#include "dissect_internal.h"

#define PPI_HEADER_MIN 8
#define PPI_FLAG_ALIGN 0x01          /* fields padded to 32 bits */
#define PPI_FIELD_HEADER_LEN 4
#define PPI_FIELD_80211_COMMON 2
#define PPI_80211_COMMON_FLAGS_AT 8  /* after the 8-byte TSFT */
#define PPI_80211_FCS_PRESENT 0x0001

dissect_layer dissect_ppi(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, PPI_HEADER_MIN))
        return layer_malformed(pkt, PS_MAL_BAD_PPI);
    const uint8_t *h = cursor_here(c);
    size_t len = load_le16(h + 2);
    uint32_t dlt = load_le32(h + 4);
    if (h[0] != 0 || len < PPI_HEADER_MIN || !cursor_has(c, len))
        return layer_malformed(pkt, PS_MAL_BAD_PPI);
    int fcs = 0;
    /* Each field takes at least its 4-byte header: the walk ends. */
    for (size_t at = PPI_HEADER_MIN; at < len;) {
        if (len - at < PPI_FIELD_HEADER_LEN)
            return layer_malformed(pkt, PS_MAL_BAD_PPI);
        size_t type = load_le16(h + at), flen = load_le16(h + at + 2);
        at += PPI_FIELD_HEADER_LEN;
        if (flen > len - at)
            return layer_malformed(pkt, PS_MAL_BAD_PPI);
        if (type == PPI_FIELD_80211_COMMON && flen >= PPI_80211_COMMON_FLAGS_AT + 2)
            fcs = (load_le16(h + at + PPI_80211_COMMON_FLAGS_AT) & PPI_80211_FCS_PRESENT) != 0;
        at += flen;
        if (h[1] & PPI_FLAG_ALIGN)
            at = (at + 3) & ~(size_t)3;
    }
    cursor_skip(c, len);
    dissect_layer next = dlt > 0x7fffffff ? LAYER_DONE : dissect_link_layer((int)dlt);
    /* An unknown inner link type, or a PPI header inside a PPI header,
     * describes nothing this tool reads. */
    if (next == LAYER_DONE || next == LAYER_PPI)
        return layer_done(pkt, PS_PKT_NON_IP);
    if (fcs && !dissect_trim_fcs(w))
        return layer_malformed(pkt, PS_MAL_SHORT_80211);
    return next;
}
