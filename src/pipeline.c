/* Frame -> dissector -> flow table; flow end -> attribution -> writers. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "portsniff/dissect.h"
#include "portsniff/pipeline.h"
#include "tally.h"

/* The flow's endpoints as fan-in knows them. */
static void flow_endpoints(const ps_flow *flow, ps_endpoint *a, ps_endpoint *b)
{
    *a = (ps_endpoint){flow->key.addr_a, 0, flow->key.port_a, flow->key.family,
                       flow->key.transport};
    *b = (ps_endpoint){flow->key.addr_b, 0, flow->key.port_b, flow->key.family,
                       flow->key.transport};
}

static void writers_lock(const ps_pipeline *o)
{
    if (o->lock)
        pthread_mutex_lock(o->lock);
}

static void writers_unlock(const ps_pipeline *o)
{
    if (o->lock)
        pthread_mutex_unlock(o->lock);
}

static void on_flow_end(const ps_flow *flow, void *ctx)
{
    ps_pipeline *p = ctx;
    ps_pipeline *o = p->writer;
    ps_label label;

    /* Attribution happens here, once per flow, never per packet; the flow
     * counts to the fan-in evidence first, so it sees itself and every flow
     * that ended before it (in any worker: the evidence is worker 0's). */
    ps_endpoint a, b;
    ps_flow_fanin fan;
    flow_endpoints(flow, &a, &b);
    writers_lock(o);
    fanin_note_flow(o->fanin, &a, &b, &fan.peers_a, &fan.peers_b);
    if (p->tally) {
        /* The flush's flows: naming them and adding them to the report is
         * the tally's (only where the report alone hears of them). */
        writers_unlock(o);
        tally_add(p->tally, flow, &fan, flow_table_tunnel(p->flows, flow, 0),
                  flow_table_tunnel(p->flows, flow, 1));
        return;
    }
    attribute_flow(p->registry, &fan, flow, &label);
    if (o->select && !service_select_match(o->select, &label)) {
        writers_unlock(o);
        return;
    }
    if (o->sink) {
        const ps_tunnel_chain *tunnel = flow_table_tunnel(p->flows, flow, 0);
        if (!tunnel)
            tunnel = flow_table_tunnel(p->flows, flow, 1);
        flow_sink_write(o->sink, flow, &label, tunnel);
        o->flow_records++;
    }
    if (o->ipfix)
        ipfix_export_flow(o->ipfix, flow, &label);
    writers_unlock(o);
    const ps_tunnel_chain *t0 = flow_table_tunnel(p->flows, flow, 0);
    const ps_tunnel_chain *t1 = flow_table_tunnel(p->flows, flow, 1);
    report_add_flow(p->report, flow, &label);
    report_add_tunnels(p->report, flow, t0, t1);
    /* A report part being made would not meet this flow on its walk now. */
    if (p->building && flow_table_walk_missed(p->flows, flow)) {
        report_add_flow(p->building, flow, &label);
        report_add_tunnels(p->building, flow, t0, t1);
    }
}

/* Flush is about to end this flow: its fan-in sets are fetched now. */
static void on_flow_end_soon(const ps_flow *flow, void *ctx)
{
    const ps_pipeline *p = ctx;
    ps_endpoint a, b;
    flow_endpoints(flow, &a, &b);
    fanin_prefetch(p->writer->fanin, &a, &b);
}

/* The worker's flow table, with flush's hint set. */
static ps_flow_table *flows_create(ps_pipeline *p, const ps_flow_config *cfg)
{
    ps_flow_table *t = flow_table_create(cfg, on_flow_end, p);
    if (t)
        flow_table_on_end_soon(t, on_flow_end_soon);
    return t;
}

int pipeline_init(ps_pipeline *p, const ps_registry *reg, const ps_flow_config *cfg,
                  const ps_report_config *report_cfg, ps_flow_sink *sink)
{
    p->registry = reg;
    p->sink = sink;
    p->flow_records = 0;
    p->ipfix = NULL;
    p->writer = p;
    p->lock = NULL;
    p->part = NULL;
    p->building = NULL;
    p->deferred = 0;
    p->tally = NULL;
    run_stats_init(&p->stats);
    p->report = report_cfg ? report_create_with(report_cfg) : report_create();
    p->flows = flows_create(p, cfg);
    p->fanin = fanin_create();
    p->select = NULL;
    p->dissect = NULL;
    if (!p->report || !p->flows || !p->fanin) {
        pipeline_free(p);
        return -1;
    }
    return 0;
}

int pipeline_share_writers(ps_pipeline *p)
{
    if (p->lock)
        return 0;
    p->lock = malloc(sizeof(*p->lock));
    if (!p->lock || pthread_mutex_init(p->lock, NULL) != 0) {
        free(p->lock);
        p->lock = NULL;
        return -1;
    }
    return 0;
}

void pipeline_lock_writers(ps_pipeline *p)
{
    writers_lock(p->writer);
}

void pipeline_unlock_writers(ps_pipeline *p)
{
    writers_unlock(p->writer);
}

int pipeline_init_worker(ps_pipeline *p, ps_pipeline *first, const ps_flow_config *cfg)
{
    memset(p, 0, sizeof(*p));
    if (pipeline_share_writers(first) != 0)
        return -1;
    p->registry = first->registry;
    p->sink = NULL;
    p->writer = first;
    p->lock = first->lock;
    run_stats_init(&p->stats);
    p->report = report_create_like(first->report);   /* --top, --aggregate, --bucket */
    p->flows = flows_create(p, cfg);
    if (!p->report || !p->flows) {
        pipeline_free(p);
        return -1;
    }
    return 0;
}

void pipeline_flush(ps_pipeline *p)
{
    ps_pipeline *o = p->writer;

    if (o->sink) {
        writers_lock(o);
        flow_sink_flush(o->sink);
        writers_unlock(o);
    }
}

void pipeline_free(ps_pipeline *p)
{
    if (p->flows)
        flow_table_destroy(p->flows);
    if (p->report)
        report_free(p->report);
    if (p->part)
        report_free(p->part);
    report_free(p->building);
    ipfix_free(p->ipfix);
    fanin_free(p->fanin);
    if (p->writer == p && p->lock) {
        pthread_mutex_destroy(p->lock);
        free(p->lock);
    }
    p->flows = NULL;
    p->report = NULL;
    p->part = NULL;
    p->building = NULL;
    p->ipfix = NULL;
    p->fanin = NULL;
    p->lock = NULL;
}

/* The run's counters for a decoded frame (its fields before layer[] only). */
static void count_frame(ps_pipeline *p, const ps_packet *pkt, int dlt)
{
    run_stats_add(&p->stats, pkt);
    if (pkt->kind == PS_PKT_UNSUPPORTED_LINK)
        p->stats.unsupported_dlt = dlt;
}

void pipeline_frame(ps_pipeline *p, int dlt, const uint8_t *data, uint32_t caplen,
                    uint32_t wire_len, int64_t ts_ns)
{
    /* Decoded straight into the flow table's queue. */
    ps_packet *pkt = flow_table_slot(p->flows);

    dissect_frame_with(p->dissect, dlt, data, caplen, wire_len, ts_ns, pkt);
    count_frame(p, pkt, dlt);
    /* Every frame moves packet time forward, so flows expire on time even
     * while only ARP or ICMP is arriving. */
    flow_table_commit(p->flows);
}

void pipeline_tick(ps_pipeline *p)
{
    /* Only worker 0 holds the exporters. */
    if (p->ipfix) {
        writers_lock(p);
        ipfix_tick(p->ipfix);
        writers_unlock(p);
    }
}

struct snapshot_ctx {
    const ps_pipeline *p;
    ps_report *report;
};

static void add_open_flow(const ps_flow *flow, void *ctx)
{
    struct snapshot_ctx *s = ctx;
    ps_label label;

    const ps_pipeline *o = s->p->writer;
    ps_endpoint a, b;
    flow_endpoints(flow, &a, &b);
    writers_lock(o);
    ps_flow_fanin fan = {fanin_peer_ports(o->fanin, &a), fanin_peer_ports(o->fanin, &b)};
    writers_unlock(o);
    attribute_flow(s->p->registry, &fan, flow, &label);
    if (o->select && !service_select_match(o->select, &label))
        return;
    report_add_flow(s->report, flow, &label);
    report_add_tunnels(s->report, flow, flow_table_tunnel(s->p->flows, flow, 0),
                       flow_table_tunnel(s->p->flows, flow, 1));
}

static void set_counters(const ps_pipeline *p, ps_report *r)
{
    report_set_counters(r, &p->stats, flow_table_counters(p->flows), flow_table_count(p->flows));
    /* The exporters are worker 0's, counted once. */
    if (p->ipfix) {
        ps_report_export e[PS_REPORT_MAX_EXPORTS];
        int n = ipfix_dest_count(p->ipfix);

        for (int i = 0; i < n && i < PS_REPORT_MAX_EXPORTS; i++) {
            ps_ipfix_dest_stats s;
            writers_lock(p);
            ipfix_dest_stats(p->ipfix, i, &s);
            writers_unlock(p);
            memset(&e[i], 0, sizeof(e[i]));
            snprintf(e[i].dest, sizeof(e[i].dest), "%s", s.spec);
            e[i].messages = s.messages;
            e[i].octets = s.octets;
            e[i].records = s.flow_records;
            e[i].not_sent_records = s.lost_records;
            e[i].not_sent_packets = s.lost_packets;
            e[i].not_sent_octets = s.lost_octets;
        }
        report_set_exports(r, e, (size_t)(n < PS_REPORT_MAX_EXPORTS ? n : PS_REPORT_MAX_EXPORTS));
    }
}

ps_report *pipeline_snapshot(const ps_pipeline *p)
{
    /* Frames handed over so far count before the table is read. */
    flow_table_sync(p->flows);
    struct snapshot_ctx s = {p, report_clone(p->report)};

    if (!s.report)
        return NULL;
    flow_table_foreach(p->flows, add_open_flow, &s);
    set_counters(p, s.report);
    return s.report;
}

const ps_report *pipeline_report(ps_pipeline *p)
{
    flow_table_sync(p->flows);
    set_counters(p, p->report);
    return p->report;
}

ps_report *pipeline_merge_parts(ps_pipeline *w, int n)
{
    ps_report *r;

    for (int i = 0; i < n; i++)
        if (!w[i].part)
            return NULL;
    if (n == 1) {
        r = w[0].part;
        w[0].part = NULL;
        return r;
    }
    r = report_create_like(w[0].part);
    for (int i = 0; r && i < n; i++) {
        if (report_merge(r, w[i].part) != 0) {
            report_free(r);
            r = NULL;
        }
    }
    for (int i = 0; i < n; i++) {
        report_free(w[i].part);
        w[i].part = NULL;
    }
    return r;
}

const ps_report *pipeline_merge_reports(ps_pipeline *w, int n, ps_report **owned)
{
    ps_report *r;

    *owned = NULL;
    if (n == 1)
        return pipeline_report(&w[0]);
    r = report_create_like(pipeline_report(&w[0]));
    for (int i = 0; r && i < n; i++) {
        if (report_merge(r, pipeline_report(&w[i])) != 0) {
            report_free(r);
            r = NULL;
        }
    }
    *owned = r;
    return r;
}

/* ---- the capture sink ---- */

static void set_kernel_counts(ps_pipeline *p, const ps_kernel_counts *k)
{
    p->stats.have_kernel_stats = 1;
    p->stats.kernel_received = k->received;
    p->stats.kernel_dropped = k->dropped;
    p->stats.interface_dropped = k->if_dropped;
}

static void sink_frame(void *w, int dlt, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                       int64_t ts_ns)
{
    pipeline_frame(w, dlt, data, caplen, wire_len, ts_ns);
}

/* A frame decoded ahead (the read-ahead thread's part): the packet's fields
 * before its layers (beginning with its capture time, as the read-ahead
 * wants) and its flow hint, two cache lines, fetched ahead; the layers a
 * tunnelled packet has go to the frame's cold part (decoded_cold), which
 * only such packets write and read. */
typedef struct decoded_frame {
    /* A ps_packet's fields before layer[], which is all flow_table_queue_hinted
     * and run_stats_add read of it. */
    _Alignas(64) unsigned char head[PS_PACKET_CLEAR_LEN];
    ps_flow_hint hint;
} decoded_frame;
_Static_assert(offsetof(ps_packet, ts_ns) == 0, "a decoded frame begins with its time");
_Static_assert(sizeof(decoded_frame) == 128, "a decoded frame is two lines: head and hint");

/* Stores n bytes (a multiple of 16) from src at dst (16-byte aligned)
 * around the cache: dst's lines were last read on the other core, and
 * stores that take them back would wait for them (readahead.c fences the
 * chunk before handing it over). */
static void store_around_cache(void *dst, const void *src, size_t n)
{
#ifdef __SSE2__
    for (size_t i = 0; i < n; i += 16)
        _mm_stream_si128((__m128i *)((char *)dst + i),
                         _mm_loadu_si128((const __m128i *)(const void *)((const char *)src + i)));
#else
    memcpy(dst, src, n);
#endif
}

static void sink_decode(const void *w, int dlt, const uint8_t *data, uint32_t caplen,
                        uint32_t wire_len, int64_t ts_ns, void *out, void *out_cold)
{
    const ps_pipeline *p = w;
    decoded_frame *d = out;
    ps_packet pkt;
    ps_flow_hint hint;
    _Static_assert(PS_PACKET_CLEAR_LEN % 16 == 0 &&
                   offsetof(decoded_frame, hint) == PS_PACKET_CLEAR_LEN &&
                   sizeof(decoded_frame) - PS_PACKET_CLEAR_LEN == 16 &&
                   sizeof(pkt.layer) % 16 == 0,
                   "a decoded frame is stored in 16-byte pieces");

    dissect_frame_with(p->dissect, dlt, data, caplen, wire_len, ts_ns, &pkt);
    flow_hint_of(&pkt, &hint);
    store_around_cache(d->head, &pkt, PS_PACKET_CLEAR_LEN);
#ifdef __SSE2__
    /* Put together in a register: read back from memory, two 4-byte stores
     * would make a 16-byte load wait for them. */
    _mm_stream_si128((__m128i *)(void *)&d->hint,
                     _mm_set_epi32(0, 0, (int)hint.sender_is_b, (int)hint.hash));
#else
    d->hint = hint;
#endif
    unsigned depth = pkt.encap_depth < PS_ENCAP_MAX ? pkt.encap_depth : PS_ENCAP_MAX;
    store_around_cache(out_cold, pkt.layer, (depth * sizeof(pkt.layer[0]) + 15u) & ~(size_t)15u);
}

static void sink_decoded(void *w, int dlt, const void *in, const void *in_cold)
{
    ps_pipeline *p = w;
    const decoded_frame *d = in;
    const ps_packet *pkt = (const ps_packet *)(const void *)d->head;

    count_frame(p, pkt, dlt);
    flow_table_queue_hinted(p->flows, pkt, in_cold, &d->hint);
}

static void sink_tick(void *w, int64_t now_ns, const ps_kernel_counts *k)
{
    ps_pipeline *p = w;

    if (k)
        set_kernel_counts(p, k);
    flow_table_expire(p->flows, now_ns);
    pipeline_tick(p);
    pipeline_flush(p);
}

/* A slice of a report part visits this many open flows (a few ms): with a
 * million flows open, a live capture goes back to its ring between slices
 * instead of pausing for the whole walk. The part is the report cloned at
 * the walk's start, each open flow as it stood when visited, and each flow
 * that ended before its visit as it ended (on_flow_end): every flow once. */
#define SNAPSHOT_SLICE_FLOWS 16384u

static int sink_snapshot(void *w)
{
    ps_pipeline *p = w;

    if (!p->building) {
        flow_table_sync(p->flows);
        p->building = report_clone(p->report);
        if (!p->building) {
            report_free(p->part);
            p->part = NULL;      /* out of memory: pipeline_merge_parts fails */
            return 1;
        }
        flow_table_walk_begin(p->flows);
    }
    struct snapshot_ctx s = {p, p->building};
    if (!flow_table_walk_step(p->flows, SNAPSHOT_SLICE_FLOWS, add_open_flow, &s))
        return 0;
    set_counters(p, p->building);
    report_free(p->part);
    p->part = p->building;
    p->building = NULL;
    return 1;
}

/* Whether the flows still open at the end are many enough to be named and
 * added to the report on a second CPU (src/tally.h), and nothing but the
 * report hears of them: a pipeline that writes no flow records and exports
 * none, keeps every service and serves no other worker. (A report part
 * being made is dropped before the flush.) The count takes in the flows of
 * packets still queued. */
static int tally_pays(ps_pipeline *p)
{
    if (p->writer != p || p->lock || p->sink || p->ipfix || p->select)
        return 0;
    flow_table_sync(p->flows);
    return flow_table_count(p->flows) >= TALLY_FROM;
}

static void sink_finish(void *w, const ps_kernel_counts *k)
{
    ps_pipeline *p = w;

    if (k)
        set_kernel_counts(p, k);
    /* A part left unfinished by the stop is not wanted any more. */
    if (p->building) {
        flow_table_walk_cancel(p->flows);
        report_free(p->building);
        p->building = NULL;
    }
    /* The flows still open at the end of the files end now, each with its
     * record: after a read-ahead they are formatted by a thread of the
     * sink's own while this one ends the flows (the read-ahead thread, which
     * formatted them before, is gone). */
    int beside = p->deferred && flow_sink_defer(p->sink, 1) == 0;
    if (beside)
        flow_sink_assist(p->sink, 1);   /* without a thread, this one formats as the ring fills */
    else if (tally_pays(p))
        p->tally = tally_start(p->registry, p->report);
    flow_table_flush(p->flows, PS_END_EOF);
    if (beside)
        flow_sink_defer(p->sink, 0);
    tally_finish(p->tally);
    p->tally = NULL;
    pipeline_flush(p);
}

/* A saved file read ahead: the flow records are formatted by the
 * read-ahead thread when it waits for chunks (flow_sink_defer), while this
 * thread goes on accounting. Only a pipeline that writes its own records
 * (files have one worker). */
static int writes_own_records(const ps_pipeline *p)
{
    return p->sink && p->writer == p && !p->lock;
}

static void sink_defer(void *w, int on)
{
    ps_pipeline *p = w;

    if (writes_own_records(p) && flow_sink_defer(p->sink, on) == 0 && on)
        p->deferred = 1;
}

static int sink_spare(void *w)
{
    ps_pipeline *p = w;

    return writes_own_records(p) && flow_sink_format_some(p->sink);
}

const ps_capture_sink pipeline_capture_sink = {
    .frame = sink_frame,
    .decode = sink_decode,
    .decoded = sink_decoded,
    .decoded_size = sizeof(decoded_frame),
    .decoded_cold = sizeof(((ps_packet *)0)->layer),
    .defer = sink_defer,
    .spare = sink_spare,
    .tick = sink_tick,
    .snapshot = sink_snapshot,
    .finish = sink_finish,
};
