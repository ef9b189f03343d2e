/* Linux NFLOG (DLT_NFLOG): family(1) version(1) resource id(2), then
 * type-length-value attributes whose length and type are in the capturing
 * host's byte order, each padded to 4 bytes; NFULA_PAYLOAD holds the
 * packet from its IP header. */
#include "dissect_internal.h"

#define NFLOG_HEADER_LEN 4
#define NFLOG_TLV_HEADER_LEN 4
#define NFULA_PAYLOAD 9
/* Attributes walked before the frame counts as carrying no payload. */
#define NFLOG_MAX_TLV 32

static uint16_t host16(const uint8_t *b, int little)
{
    return little ? (uint16_t)(b[0] | b[1] << 8) : (uint16_t)(b[0] << 8 | b[1]);
}

dissect_layer dissect_nflog(dissect_walk *w, ps_packet *pkt)
{
    cursor *c = &w->c;
    if (!cursor_skip(c, NFLOG_HEADER_LEN))
        return layer_malformed(pkt, PS_MAL_SHORT_LINK);
    /* Types are small: the byte order is the one that makes the first
     * attribute's type fit in its low byte (tcpdump and Wireshark guess the
     * same way). */
    int little = 1;
    if (cursor_has(c, NFLOG_TLV_HEADER_LEN))
        little = cursor_here(c)[2] != 0 || cursor_here(c)[3] == 0;
    for (unsigned i = 0; i < NFLOG_MAX_TLV && cursor_has(c, NFLOG_TLV_HEADER_LEN); i++) {
        const uint8_t *h = cursor_here(c);
        size_t len = host16(h, little), type = host16(h + 2, little) & 0x7fff;
        if (len < NFLOG_TLV_HEADER_LEN)
            return layer_malformed(pkt, PS_MAL_SHORT_LINK);
        if (type == NFULA_PAYLOAD) {
            cursor payload;
            cursor_skip(c, NFLOG_TLV_HEADER_LEN);
            cursor_sub(c, len - NFLOG_TLV_HEADER_LEN, &payload);
            w->c = payload;
            return LAYER_RAW_IP;
        }
        if (!cursor_skip(c, (len + 3) & ~(size_t)3))
            break;
    }
    return layer_done(pkt, PS_PKT_NON_IP);
}
