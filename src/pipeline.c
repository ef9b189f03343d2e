/* Frame -> dissector -> flow table; flow end -> attribution -> writers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsniff/dissect.h"
#include "portsniff/pipeline.h"

/* The flow's endpoints as fan-in knows them. */
static void flow_endpoints(const ps_flow *flow, ps_endpoint *a, ps_endpoint *b)
{
    *a = (ps_endpoint){flow->key.addr_a, 0, flow->key.port_a, flow->key.family,
                       flow->key.transport};
    *b = (ps_endpoint){flow->key.addr_b, 0, flow->key.port_b, flow->key.family,
                       flow->key.transport};
}

static void on_flow_end(const ps_flow *flow, void *ctx)
{
    ps_pipeline *p = ctx;
    ps_label label;

    /* Attribution happens here, once per flow, never per packet; the flow
     * counts to the fan-in evidence first, so it sees itself and every flow
     * that ended before it. */
    ps_endpoint a, b;
    ps_flow_fanin fan;
    flow_endpoints(flow, &a, &b);
    fanin_note_flow(p->fanin, &a, &b, &fan.peers_a, &fan.peers_b);
    attribute_flow(p->registry, &fan, flow, &label);
    if (p->select && !service_select_match(p->select, &label))
        return;
    if (p->sink) {
        flow_sink_write(p->sink, flow, &label);
        p->flow_records++;
    }
    if (p->ipfix)
        ipfix_export_flow(p->ipfix, flow, &label);
    report_add_flow(p->report, flow, &label);
}

int pipeline_init(ps_pipeline *p, const ps_registry *reg, const ps_flow_config *cfg,
                  ps_flow_sink *sink)
{
    p->registry = reg;
    p->sink = sink;
    p->flow_records = 0;
    p->ipfix = NULL;
    run_stats_init(&p->stats);
    p->report = report_create();
    p->flows = flow_table_create(cfg, on_flow_end, p);
    p->fanin = fanin_create();
    p->select = NULL;
    if (!p->report || !p->flows || !p->fanin) {
        pipeline_free(p);
        return -1;
    }
    return 0;
}

void pipeline_flush(ps_pipeline *p)
{
    if (p->sink)
        flow_sink_flush(p->sink);
}

void pipeline_free(ps_pipeline *p)
{
    if (p->flows)
        flow_table_destroy(p->flows);
    if (p->report)
        report_free(p->report);
    ipfix_free(p->ipfix);
    fanin_free(p->fanin);
    p->flows = NULL;
    p->report = NULL;
    p->ipfix = NULL;
    p->fanin = NULL;
}

void pipeline_frame(ps_pipeline *p, int dlt, const uint8_t *data, uint32_t caplen,
                    uint32_t wire_len, int64_t ts_ns)
{
    /* Decoded straight into the flow table's queue. */
    ps_packet *pkt = flow_table_slot(p->flows);

    dissect_frame(dlt, data, caplen, wire_len, ts_ns, pkt);
    run_stats_add(&p->stats, pkt);
    if (pkt->kind == PS_PKT_UNSUPPORTED_LINK)
        p->stats.unsupported_dlt = dlt;
    /* Every frame moves packet time forward, so flows expire on time even
     * while only ARP or ICMP is arriving. */
    flow_table_commit(p->flows);
}

void pipeline_tick(ps_pipeline *p)
{
    if (p->ipfix)
        ipfix_tick(p->ipfix);
}

struct snapshot_ctx {
    const ps_pipeline *p;
    ps_report *report;
};

static void add_open_flow(const ps_flow *flow, void *ctx)
{
    struct snapshot_ctx *s = ctx;
    ps_label label;

    ps_endpoint a, b;
    flow_endpoints(flow, &a, &b);
    ps_flow_fanin fan = {fanin_peer_ports(s->p->fanin, &a), fanin_peer_ports(s->p->fanin, &b)};
    attribute_flow(s->p->registry, &fan, flow, &label);
    if (s->p->select && !service_select_match(s->p->select, &label))
        return;
    report_add_flow(s->report, flow, &label);
}

static void set_counters(const ps_pipeline *p, ps_report *r)
{
    report_set_counters(r, &p->stats, flow_table_counters(p->flows), flow_table_count(p->flows));
    if (p->ipfix) {
        ps_report_export e[PS_REPORT_MAX_EXPORTS];
        int n = ipfix_dest_count(p->ipfix);

        for (int i = 0; i < n && i < PS_REPORT_MAX_EXPORTS; i++) {
            ps_ipfix_dest_stats s;
            ipfix_dest_stats(p->ipfix, i, &s);
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
