/* The whole offline path on a hostile capture file: libpcap reads the bytes
 * (pcap or pcapng) from memory, every packet goes through the pipeline with
 * JSON flow records, interval snapshots are taken along the way, and at the
 * end the flows are flushed and the report is written in every format.
 * Output goes to /dev/null; what is checked is that nothing crashes, leaks
 * or loses count. */
#include <string.h>

#include <pcap/pcap.h>

#include "fuzz_common.h"
#include "portsniff/capture.h"
#include "portsniff/pipeline.h"
#include "portsniff/registry.h"

#define SNAPSHOT_EVERY 16

static const ps_registry *builtin_registry(void)
{
    static ps_registry *reg;
    if (!reg)
        reg = registry_load_builtin();
    return reg;
}

static void write_reports(const ps_report *r, int final)
{
    static const char *const inputs[] = {"fuzz.pcap"};
    const ps_registry *reg = builtin_registry();
    ps_report_context ctx = {
        .registry_source = registry_source(reg),
        .registry_date = registry_date(reg),
        .inputs = inputs,
        .ninputs = 1,
        .live = 0,
        .final = final,
    };
    FILE *out = fuzz_null_file();
    const ps_report_writer *w;
    for (size_t i = 0; (w = report_writer_at(i)) != NULL; i++)
        FUZZ_CHECK(report_write(r, &ctx, w, out) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
    FUZZ_CHECK(f != NULL);
    /* As capture.c opens files: nanosecond timestamps. pcap owns f from here. */
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) {
        fclose(f);
        return 0;
    }
    int dlt = pcap_datalink(pc);
    int nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;

    ps_flow_config cfg;
    flow_config_defaults(&cfg);
    /* Small limits, so that eviction and the fragment cache's ring wrap. */
    cfg.max_flows = 8;
    cfg.max_fragments = 4;
    cfg.zeek_state = 1;   /* as with flow records: every format below writes Zeek's fields */
    /* Every flow format in turn, chosen by the input's size. */
    static ps_outfile *null_out;
    static ps_flow_sink *sinks[8];
    if (!null_out) {
        FUZZ_CHECK((null_out = outfile_open("/dev/null")) != NULL);
        for (size_t i = 0; ps_flow_sink_formats[i] && i < 8; i++) {
            FUZZ_CHECK((sinks[i] = flow_sink_create(ps_flow_sink_formats[i], null_out, 0)) != NULL);
            FUZZ_CHECK(flow_sink_begin(sinks[i]) == 0);
        }
    }
    size_t nformats = 0;
    while (nformats < 8 && sinks[nformats])
        nformats++;
    ps_flow_sink *sink = sinks[size % nformats];
    uint64_t before = sink->records;
    ps_pipeline p;
    /* Top talkers in tables of four counters, so that they turn approximate. */
    ps_report_config rcfg;
    report_config_defaults(&rcfg, 0);
    rcfg.top_n = 3;
    rcfg.prefix4 = 24;
    rcfg.prefix6 = 64;
    rcfg.service_talkers = 4;
    rcfg.host_talkers = 4;
    FUZZ_CHECK(pipeline_init(&p, builtin_registry(), &cfg, &rcfg, sink) == 0);

    struct pcap_pkthdr *h;
    const u_char *pkt;
    uint64_t frames = 0;
    ps_report *prev = NULL;
    while (pcap_next_ex(pc, &h, &pkt) == 1) {
        int64_t ts_ns = capture_timestamp_ns(h->ts.tv_sec, h->ts.tv_usec, nano);
        /* Clamped, never wrapped: packet times are differenced everywhere. */
        FUZZ_CHECK(ts_ns >= 0);
        pipeline_frame(&p, dlt, pkt, h->caplen, h->len, ts_ns);
        if (++frames % SNAPSHOT_EVERY == 0) {
            ps_report *snap = pipeline_snapshot(&p);
            FUZZ_CHECK(snap != NULL);
            write_reports(snap, 0);
            /* The interval since the last snapshot, and the two merged back. */
            if (prev) {
                ps_report *delta = report_clone(snap);
                FUZZ_CHECK(delta != NULL);
                FUZZ_CHECK(report_subtract(delta, prev) == 0);
                write_reports(delta, 0);
                FUZZ_CHECK(report_merge(prev, delta) == 0);
                write_reports(prev, 0);
                report_free(delta);
                report_free(prev);
            }
            prev = snap;
        }
    }
    pcap_close(pc);
    report_free(prev);

    flow_table_flush(p.flows, PS_END_EOF);
    const ps_flow_counters *c = flow_table_counters(p.flows);
    FUZZ_CHECK(p.stats.packets == frames);
    FUZZ_CHECK(flow_table_count(p.flows) == 0);
    FUZZ_CHECK(c->flows_created == c->flows_ended);
    FUZZ_CHECK(p.flow_records == c->flows_ended);
    FUZZ_CHECK(sink->records - before == c->flows_ended);
    FUZZ_CHECK(c->peak_flows <= cfg.max_flows);
    write_reports(pipeline_report(&p), 1);
    pipeline_free(&p);
    FUZZ_CHECK(flow_sink_flush(sink) == 0);
    return 0;
}
