/* Zeek's history, orig_bytes and resp_bytes (see ps_zeek_state): the
 * letters as Zeek's TCP analyzer's update_history() records them, and the
 * payload as its TCP_Endpoint::Size() computes it from sequence numbers. */
#include "flow_zeek.h"

_Static_assert(sizeof(ps_zeek_state) <= 32, "the Zeek state stays within 32 bytes a flow");
_Static_assert(sizeof(ps_zeek_state) % 16 == 0, "slots stay 16-byte multiples");

/* Side `dir`'s letter `code` (into PS_HIST_LETTERS) in history slot `bit`,
 * once per side, in the order first seen. The letters so far are counted in
 * the history's top 4 bits. */
static inline void history_add(ps_zeek_state *z, int dir, unsigned bit, unsigned code)
{
    if (z->letters[dir] & bit)
        return;
    unsigned n = (unsigned)(z->history >> PS_HISTORY_COUNT_SHIFT);
    z->letters[dir] |= (uint8_t)bit;
    z->history += (1ull << PS_HISTORY_COUNT_SHIFT) | (uint64_t)(code | (unsigned)dir << 3) << (4 * n);
}

/* The payload count of side dir moves forward to rel (bytes past its
 * start, modulo 2^32); a step backwards (retransmission, reordering, an old
 * acknowledgment) or of 2^31 or more leaves it. */
static inline void payload_advance(ps_zeek_state *z, int dir, uint32_t rel)
{
    int32_t step = (int32_t)(rel - z->payload[dir]);
    if (step <= 0)
        return;
    uint32_t next = z->payload[dir] + (uint32_t)step;
    if (next < z->payload[dir] && z->bytes_hi[dir] < UINT8_MAX)
        z->bytes_hi[dir]++;
    z->payload[dir] = next;
}

/* Sequence-number jumps Zeek distrusts on a SYN or RST (its
 * TOO_LARGE_SEQ_DELTA), and on an ACK of 0. */
#define SEQ_JUMP_MAX 1048576

/* The letter slot and code of a segment with SYN, FIN or RST (Zeek's
 * update_history()); *code receives the code. */
static unsigned control_letter(unsigned flags, unsigned *code)
{
    unsigned syn = !!(flags & PS_TCP_SYN), fin = !!(flags & PS_TCP_FIN), rst = !!(flags & PS_TCP_RST);
    if (syn + fin + rst > 1) {
        *code = fin && rst ? 7 : 6;
        return fin && rst ? PS_HIST_FIN_RST : PS_HIST_MULTI;
    }
    if (syn) {
        *code = (flags & PS_TCP_ACK) ? 1 : 0;
        return PS_HIST_SYN;
    }
    *code = fin ? 4 : 5;
    return fin ? PS_HIST_FIN : PS_HIST_RST;
}

/* Zeek's letters for one segment (its update_history()), and the sequence
 * space each side has covered by its segments and its peer's ACKs (its
 * update_last_seq() and update_ack_seq(), without the 2 GB FIN case). */
void zeek_track_tcp(ps_zeek_state *z, const ps_packet *p, int dir)
{
    /* Read once: the stores below could otherwise alias the packet. */
    const unsigned flags = p->tcp_flags;
    const uint32_t seq = p->tcp_seq, ack = p->tcp_ack, len = p->payload_len;
    const unsigned hist = z->letters[dir];
    const unsigned started = z->seq_started;

    if (!(flags & (PS_TCP_SYN | PS_TCP_FIN | PS_TCP_RST)) && (started & (1u << dir)) &&
        !(hist & (PS_HIST_RST | PS_HIST_FIN_RST))) {
        /* The common segment: data or a pure ACK on a side under way. */
        unsigned bit = len ? PS_HIST_DATA : (flags & PS_TCP_ACK) ? PS_HIST_ACK : 0;
        if (bit & ~hist)
            history_add(z, dir, bit, len ? 3 : 2);
        payload_advance(z, dir, seq + len - z->seq_start[dir]);
    } else {
        unsigned syn = !!(flags & PS_TCP_SYN), code;
        if (flags & (PS_TCP_SYN | PS_TCP_FIN | PS_TCP_RST)) {
            unsigned bit = control_letter(flags, &code);
            history_add(z, dir, bit, code);
        } else if (len) {
            history_add(z, dir, PS_HIST_DATA, 3);
        } else if (flags & PS_TCP_ACK) {
            history_add(z, dir, PS_HIST_ACK, 2);
        }
        /* A SYN and a FIN take one sequence number each; a RST's payload none. */
        uint32_t seg_len = ((flags & PS_TCP_RST) ? 0 : len) + syn + !!(flags & PS_TCP_FIN);
        if (!(started & (1u << dir))) {
            /* As Zeek, a side seen without its SYN starts as if one came
             * just before its first segment. */
            z->seq_started |= (uint8_t)(1u << dir);
            z->seq_start[dir] = seq - !syn;
            payload_advance(z, dir, seq + seg_len - z->seq_start[dir]);
        } else if (!(hist & (PS_HIST_RST | PS_HIST_FIN_RST))) {
            /* A side that has reset is not trusted with sequence numbers
             * after; a SYN or RST that jumps far is not trusted either. */
            uint32_t rel = seq + seg_len - z->seq_start[dir];
            int32_t step = (int32_t)(rel - z->payload[dir]);
            if (!((flags & (PS_TCP_SYN | PS_TCP_RST)) && (step > SEQ_JUMP_MAX || step < -SEQ_JUMP_MAX)))
                payload_advance(z, dir, rel);
        }
    }
    if ((flags & (PS_TCP_ACK | PS_TCP_RST)) == PS_TCP_ACK && (z->seq_started & (1u << !dir))) {
        uint32_t rel = ack - z->seq_start[!dir];
        if (ack != 0 || (int32_t)(rel - z->payload[!dir]) <= SEQ_JUMP_MAX)
            payload_advance(z, !dir, rel);
    }
}

/* As Zeek's UDP analyzer: every datagram is data, its length less the
 * header its payload. */
void zeek_track_udp(ps_zeek_state *z, const ps_packet *p, int dir)
{
    history_add(z, dir, PS_HIST_DATA, 3);
    uint32_t next = z->payload[dir] + p->payload_len;
    if (next < z->payload[dir] && z->bytes_hi[dir] < UINT8_MAX)
        z->bytes_hi[dir]++;
    z->payload[dir] = next;
}

uint64_t flow_payload_bytes(const ps_flow *f, int dir)
{
    const ps_zeek_state *z = flow_zeek_state(f);
    if (!z)
        return 0;
    uint64_t n = (uint64_t)z->bytes_hi[dir] << 32 | z->payload[dir];
    if (f->key.transport != PS_TRANSPORT_TCP)
        return n;
    /* Zeek's TCP_Endpoint::Size(): the span less the SYN octet (real or
     * assumed) and the FIN octet. */
    if (n)
        n--;
    if (n && (f->dir[dir].tcp_flags & PS_TCP_FIN))
        n--;
    return n;
}

void flow_history(const ps_flow *f, char *buf, size_t len)
{
    const ps_zeek_state *z = flow_zeek_state(f);
    unsigned n = z ? (unsigned)(z->history >> PS_HISTORY_COUNT_SHIFT) : 0;
    size_t o = 0;
    for (unsigned i = 0; i < n && o + 1 < len; i++) {
        unsigned e = (unsigned)(z->history >> (4 * i)) & 0xf;
        char c = PS_HIST_LETTERS[e & 7];
        /* Upper case for the originator, lower case for the responder. */
        buf[o++] = (int)(e >> 3) == f->orig ? c : (char)(c - 'A' + 'a');
    }
    if (len)
        buf[o] = '\0';
}
