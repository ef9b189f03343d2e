/* Dissector and flow table on one hostile frame.
 *
 * Input: one selector byte (which link type, see fuzz_common.h), then the
 * frame. The frame is the tail of the fuzzer's exactly-sized buffer, so
 * AddressSanitizer sees any read past the captured length. The packet view
 * must then be consistent, and a small flow table (two flows, two fragment
 * slots, short timeouts) must take the packet and its reply across every
 * timeout and the eviction path without losing count of a flow. */
#include <string.h>

#include "fuzz_common.h"
#include "portsniff/dissect.h"
#include "portsniff/flow.h"

#define MS 1000000LL

static void check_packet(int dlt, const ps_packet *pkt, size_t caplen, uint32_t wire_len)
{
    static const uint8_t zero12[12];
    FUZZ_CHECK(pkt->kind <= PS_PKT_UNSUPPORTED_LINK);
    FUZZ_CHECK((pkt->kind == PS_PKT_UNSUPPORTED_LINK) == !dissect_link_supported(dlt));
    FUZZ_CHECK(pkt->malformed < PS_MAL_COUNT);
    FUZZ_CHECK((pkt->kind == PS_PKT_MALFORMED) == (pkt->malformed != PS_MAL_NONE));
    FUZZ_CHECK(pkt->transport < PS_FLOW_TRANSPORT_COUNT);
    FUZZ_CHECK(pkt->family == 0 || pkt->family == 4 || pkt->family == 6);
    FUZZ_CHECK(pkt->frag <= PS_FRAG_LATER);
    FUZZ_CHECK(pkt->vlan_depth <= 8);
    FUZZ_CHECK(pkt->vlan_id <= 0x0fff);
    FUZZ_CHECK(pkt->cap_len == caplen);
    FUZZ_CHECK(pkt->wire_len == wire_len || pkt->malformed == PS_MAL_BAD_RECORD_LENGTH);
    if (pkt->kind == PS_PKT_TRANSPORT || pkt->kind == PS_PKT_FRAGMENT ||
        pkt->kind == PS_PKT_OTHER_IP)
        FUZZ_CHECK(pkt->family == 4 || pkt->family == 6);
    if (pkt->kind == PS_PKT_TRANSPORT)
        FUZZ_CHECK(pkt->transport == ps_transport_from_ip_proto(pkt->ip_proto, pkt->family));
    if (pkt->kind == PS_PKT_FRAGMENT)
        FUZZ_CHECK(pkt->frag == PS_FRAG_LATER && pkt->sport == 0 && pkt->dport == 0);
    if (pkt->kind == PS_PKT_OTHER_IP)
        FUZZ_CHECK(pkt->transport == PS_TRANSPORT_NONE);
    if (pkt->transport != PS_TRANSPORT_DCCP)
        FUZZ_CHECK(pkt->dccp_has_service_code == 0);
    if (pkt->transport != PS_TRANSPORT_SCTP)
        FUZZ_CHECK(pkt->sctp_chunks == 0);
    if (pkt->family == 4)
        FUZZ_CHECK(memcmp(pkt->src + 4, zero12, 12) == 0 && memcmp(pkt->dst + 4, zero12, 12) == 0);
}

typedef struct sink {
    uint64_t ended;
    uint64_t pkts;
} sink;

static void on_end(const ps_flow *f, void *ctx)
{
    sink *s = ctx;
    FUZZ_CHECK(f->end_reason > PS_END_NONE && f->end_reason < PS_END_COUNT);
    FUZZ_CHECK(f->dir[0].pkts + f->dir[1].pkts > 0);
    FUZZ_CHECK(f->first_ns <= f->last_ns);
    FUZZ_CHECK(f->orig <= 1);
    /* Zeek's history: at most 14 letters of "SHADFRQI", either case. */
    char h[16];
    flow_history(f, h, sizeof h);
    FUZZ_CHECK(strspn(h, "SHADFRQIshadfrqi") == strlen(h) && strlen(h) <= 14);
    FUZZ_CHECK(flow_zeek_state(f) || (h[0] == '\0' && flow_payload_bytes(f, 0) == 0));
    s->ended++;
    s->pkts += f->dir[0].pkts + f->dir[1].pkts;
}

/* The same packet sent the other way. */
static void reverse(const ps_packet *in, ps_packet *out)
{
    *out = *in;
    memcpy(out->src, in->dst, sizeof out->src);
    memcpy(out->dst, in->src, sizeof out->dst);
    out->sport = in->dport;
    out->dport = in->sport;
}

/* A packet on a different 5-tuple, to push the table past its limit. */
static void other_flow(const ps_packet *in, ps_packet *out, uint8_t n)
{
    *out = *in;
    out->src[3] ^= (uint8_t)(0x80 | n);
    out->sport = (uint16_t)(in->sport + 1000u * n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int dlt = fuzz_link_type(data[0]);
    const uint8_t *frame = data + 1;
    uint32_t caplen = (uint32_t)(size - 1);
    uint32_t wire_len = caplen + (data[0] >> 4);   /* wire may exceed capture */
    ps_packet pkt;
    ps_packet_kind kind = dissect_frame(dlt, frame, caplen, wire_len, 5 * MS, &pkt);
    FUZZ_CHECK(kind == pkt.kind);
    check_packet(dlt, &pkt, caplen, wire_len);

    ps_flow_config cfg = {
        .idle_timeout_ns = 100 * MS, .active_timeout_ns = 250 * MS, .close_linger_ns = 20 * MS,
        .max_flows = 2, .max_fragments = 2, .fragment_timeout_ns = 50 * MS,
        .zeek_state = caplen & 1,   /* tables with and without Zeek's state */
    };
    sink s = {0, 0};
    ps_flow_table *t = flow_table_create(&cfg, on_end, &s);
    FUZZ_CHECK(t != NULL);
    /* Packet times: the frame, its reply, both again across the idle and
     * active timeouts, a second and third flow that force an eviction, and
     * a timestamp that goes backwards. */
    static const int64_t times_ms[] = {5, 6, 90, 180, 260, 400, 401, 402, 300, 600};
    uint64_t fed = 0;
    for (size_t i = 0; i < sizeof times_ms / sizeof times_ms[0]; i++) {
        ps_packet p;
        if (i == 6 || i == 7)
            other_flow(&pkt, &p, (uint8_t)(i - 5));
        else if (i % 2)
            reverse(&pkt, &p);
        else
            p = pkt;
        p.ts_ns = times_ms[i] * MS;
        const ps_flow *f = flow_table_packet(t, &p);
        if (p.kind == PS_PKT_TRANSPORT) {
            FUZZ_CHECK(f != NULL);
            fed++;
        }
        if (f)
            FUZZ_CHECK(f->dir[0].pkts + f->dir[1].pkts > 0);
        FUZZ_CHECK(flow_table_count(t) <= cfg.max_flows);
    }
    flow_table_flush(t, PS_END_EOF);
    const ps_flow_counters *c = flow_table_counters(t);
    FUZZ_CHECK(flow_table_count(t) == 0);
    FUZZ_CHECK(c->flows_created == c->flows_ended);
    FUZZ_CHECK(c->flows_ended == s.ended);
    FUZZ_CHECK(c->peak_flows <= cfg.max_flows);
    /* Later fragments are never matched here (no first fragment is fed), so
     * every packet of every ended record is one of the transport packets. */
    FUZZ_CHECK(s.pkts == fed);
    flow_table_destroy(t);
    return 0;
}
