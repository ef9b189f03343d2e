/* IEEE 802.11 (DLT_IEEE802_11) and its radiotap capture header
 * (DLT_IEEE802_11_RADIO). Data frames carry an LLC/SNAP header before the
 * EtherType (RFC 1042; 802.1H bridge tunnel), which goes to the EtherType
 * table as Ethernet's does. Management and control frames, data frames
 * without a body (null data), fragments and A-MSDUs are not one IP packet;
 * protected frames (WEP/TKIP/CCMP/GCMP) cannot be read and count as non-IP,
 * never as malformed. All 802.11 and radiotap fields are little-endian. */
#include "dissect_internal.h"

#define WLAN_FC_LEN 2
#define WLAN_HEADER_LEN 24          /* fc, duration, 3 addresses, sequence control */
#define WLAN_SEQ_AT 22
#define WLAN_ADDR4_LEN 6
#define WLAN_QOS_LEN 2
#define WLAN_HTC_LEN 4
#define WLAN_VERSION_MASK 0x03
#define WLAN_TYPE_MASK 0x0c
#define WLAN_TYPE_DATA 0x08
#define WLAN_SUBTYPE_NULL 0x40      /* subtype bit 2: no frame body */
#define WLAN_SUBTYPE_QOS 0x80       /* subtype bit 3: QoS control follows */
#define WLAN_TO_DS 0x01
#define WLAN_FROM_DS 0x02
#define WLAN_MORE_FRAGS 0x04
#define WLAN_PROTECTED 0x40
#define WLAN_ORDER 0x80             /* in a QoS data frame: HT control follows */
#define WLAN_FRAG_MASK 0x0f         /* low bits of the sequence control */
#define WLAN_QOS_AMSDU 0x80
#define LLC_SNAP_LEN 8

#define RADIOTAP_HEADER_MIN 8
#define RADIOTAP_PRESENT_AT 4
#define RADIOTAP_TSFT 0x00000001u
#define RADIOTAP_FLAGS 0x00000002u
#define RADIOTAP_EXT 0x80000000u
#define RADIOTAP_F_FCS 0x10         /* the frame ends with its 4-byte FCS */
#define RADIOTAP_F_DATAPAD 0x20     /* padding between the 802.11 header and the body */
#define WLAN_FCS_LEN 4

/* datapad: radiotap's data-pad flag, the body starts on a 4-byte boundary. */
static dissect_layer wlan_frame(dissect_walk *w, ps_packet *pkt, int datapad)
{
    cursor *c = &w->c;
    if (!cursor_has(c, WLAN_FC_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_80211);
    const uint8_t *h = cursor_here(c);
    uint8_t fc0 = h[0], fc1 = h[1];
    /* Management, control and extension frames, null data and QoS null:
     * nothing of IP, whatever their length. */
    if ((fc0 & WLAN_VERSION_MASK) != 0 || (fc0 & WLAN_TYPE_MASK) != WLAN_TYPE_DATA ||
        (fc0 & WLAN_SUBTYPE_NULL))
        return layer_done(pkt, PS_PKT_NON_IP);
    size_t len = WLAN_HEADER_LEN;
    if ((fc1 & (WLAN_TO_DS | WLAN_FROM_DS)) == (WLAN_TO_DS | WLAN_FROM_DS))
        len += WLAN_ADDR4_LEN;
    size_t qos_at = len;
    if (fc0 & WLAN_SUBTYPE_QOS) {
        len += WLAN_QOS_LEN;
        if (fc1 & WLAN_ORDER)
            len += WLAN_HTC_LEN;
    }
    if (!cursor_has(c, len))
        return layer_malformed(pkt, PS_MAL_SHORT_80211);
    /* The body is encrypted: not readable, and no damage either. */
    if (fc1 & WLAN_PROTECTED)
        return layer_done(pkt, PS_PKT_NON_IP);
    /* A fragment holds part of a packet; an A-MSDU several packets. */
    if ((fc1 & WLAN_MORE_FRAGS) || (h[WLAN_SEQ_AT] & WLAN_FRAG_MASK) != 0)
        return layer_done(pkt, PS_PKT_NON_IP);
    if ((fc0 & WLAN_SUBTYPE_QOS) && (h[qos_at] & WLAN_QOS_AMSDU))
        return layer_done(pkt, PS_PKT_NON_IP);
    if (datapad)
        len = (len + 3) & ~(size_t)3;
    if (!cursor_skip(c, len))
        return layer_malformed(pkt, PS_MAL_SHORT_80211);
    const uint8_t *llc = cursor_here(c);
    if (!cursor_has(c, LLC_SNAP_LEN) || llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 ||
        llc[3] != 0x00 || llc[4] != 0x00 || (llc[5] != 0x00 && llc[5] != 0xf8))
        return layer_done(pkt, PS_PKT_NON_IP);
    uint16_t type = load_be16(llc + 6);
    cursor_skip(c, LLC_SNAP_LEN);
    return dissect_ethertype(w, pkt, type);
}

dissect_layer dissect_ieee80211(dissect_walk *w, ps_packet *pkt)
{
    return wlan_frame(w, pkt, 0);
}

/* Drops the frame check sequence at the end of the captured frame. */
int dissect_trim_fcs(dissect_walk *w)
{
    if (cursor_remaining(&w->c) < WLAN_FCS_LEN)
        return 0;
    w->c.len -= WLAN_FCS_LEN;
    return 1;
}

/* Radiotap: version(1) pad(1) length(2) present(4), more present words
 * while bit 31 is set, then the fields in bit order, each aligned to its
 * size from the header's start. Only the flags field (bit 1, after the
 * 8-byte TSFT of bit 0) matters here: FCS at the end, and data padding. */
dissect_layer dissect_radiotap(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_has(c, RADIOTAP_HEADER_MIN))
        return layer_malformed(pkt, PS_MAL_BAD_RADIOTAP);
    const uint8_t *h = cursor_here(c);
    size_t len = load_le16(h + 2);
    if (h[0] != 0 || len < RADIOTAP_HEADER_MIN || !cursor_has(c, len))
        return layer_malformed(pkt, PS_MAL_BAD_RADIOTAP);
    uint32_t present = load_le32(h + RADIOTAP_PRESENT_AT);
    size_t at = RADIOTAP_PRESENT_AT + 4;
    for (uint32_t word = present; word & RADIOTAP_EXT; at += 4) {
        if (at + 4 > len)
            return layer_malformed(pkt, PS_MAL_BAD_RADIOTAP);
        word = load_le32(h + at);
    }
    uint8_t flags = 0;
    if (present & RADIOTAP_FLAGS) {
        if (present & RADIOTAP_TSFT)
            at = ((at + 7) & ~(size_t)7) + 8;
        if (at >= len)
            return layer_malformed(pkt, PS_MAL_BAD_RADIOTAP);
        flags = h[at];
    }
    cursor_skip(c, len);
    if ((flags & RADIOTAP_F_FCS) && !dissect_trim_fcs(w))
        return layer_malformed(pkt, PS_MAL_SHORT_80211);
    /* The 802.11 frame follows; the padding flag is for it alone. */
    return wlan_frame(w, pkt, (flags & RADIOTAP_F_DATAPAD) != 0);
}
