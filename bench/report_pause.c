/* How long capture pauses while an interval report is taken with many flows
 * open. A live worker takes its part of a report between two batches of
 * frames from the ring; while it does, no frame is read and the ring fills.
 *
 *   report-pause FILE [TOP]
 *
 * reads FILE (pcap or pcapng; bench/run.sh gives it the flood of distinct
 * flows) through the pipeline portsniff runs, with the flood's timeouts
 * (idle 3600 s, active 7200 s, 2,000,000 flows at most), live report tables
 * and --top TOP (default 0), in batches of 1024 frames (a ring block holds
 * about that many small frames). Halfway through the file it asks for a
 * report part as a live worker does: one call of the sink's snapshot after
 * each batch until the part is complete, timing each call; the longest call
 * is the pause. At the end of the file, with every flow open, it times the
 * same part taken in one walk (what one call cost before parts were taken in
 * slices), then in slices with no frames between them. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pcap/pcap.h>

#include "portsniff/capture.h"
#include "portsniff/pipeline.h"
#include "portsniff/registry.h"
#include "portsniff/report.h"

#define BATCH 1024

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct slices {
    unsigned calls;
    double first_ms, longest_ms, total_ms;
    size_t open_at_start;
} slices;

/* One snapshot call, timed; 1 when the part is complete. */
static int slice(ps_pipeline *p, slices *s)
{
    if (!s->calls)
        s->open_at_start = flow_table_count(p->flows);
    double t0 = now_ms();
    int done = pipeline_capture_sink.snapshot(p);
    double ms = now_ms() - t0;
    if (!s->calls)
        s->first_ms = ms;
    s->calls++;
    s->total_ms += ms;
    if (ms > s->longest_ms)
        s->longest_ms = ms;
    return done;
}

static uint64_t part_flows(const ps_pipeline *p)
{
    return p->part ? report_flow_total(p->part) : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fputs("usage: report-pause FILE [TOP]\n", stderr);
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) {
        fprintf(stderr, "report-pause: %s\n", errbuf);
        return 1;
    }
    /* The frames are counted first, so that "halfway" is known. */
    uint64_t total = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(pc, &h, &data) == 1)
        total++;
    pcap_close(pc);
    pc = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc || total == 0) {
        fprintf(stderr, "report-pause: %s: %s\n", argv[1], pc ? "no frames" : errbuf);
        return 1;
    }

    ps_registry *reg = registry_load_builtin();
    ps_flow_config fc;
    flow_config_defaults(&fc);
    fc.idle_timeout_ns = 3600LL * 1000000000LL;
    fc.active_timeout_ns = 7200LL * 1000000000LL;
    fc.max_flows = 2000000;
    ps_report_config rc;
    report_config_defaults(&rc, 1);
    rc.top_n = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
    ps_pipeline p;
    if (!reg || pipeline_init(&p, reg, &fc, &rc, NULL) != 0) {
        fputs("report-pause: out of memory\n", stderr);
        return 1;
    }
    int dlt = pcap_datalink(pc);
    uint64_t n = 0;
    slices live = {0};
    int asking = 0, answered = 0;
    unsigned batches_during = 0;
    for (;;) {
        int got = 0;
        while (got < BATCH && pcap_next_ex(pc, &h, &data) == 1) {
            pipeline_frame(&p, dlt, data, h->caplen, h->len,
                           capture_timestamp_ns(h->ts.tv_sec, h->ts.tv_usec, 1));
            got++;
        }
        n += (uint64_t)got;
        if (!asking && !answered && n >= total / 2)
            asking = 1;
        if (asking) {
            if (slice(&p, &live)) {
                asking = 0;
                answered = 1;
            } else {
                batches_during++;
            }
        }
        if (got < BATCH)
            break;
    }
    pcap_close(pc);
    uint64_t live_part = part_flows(&p);

    /* Every flow open: one walk, then slices with nothing between. */
    size_t open = flow_table_count(p.flows);
    double t0 = now_ms();
    ps_report *whole = pipeline_snapshot(&p);
    double whole_ms = now_ms() - t0;
    slices still = {0};
    while (!slice(&p, &still))
        ;
    uint64_t whole_flows = whole ? report_flow_total(whole) : 0;
    uint64_t sliced_flows = part_flows(&p);
    report_free(whole);

    printf("report pause: %s, %llu frames in batches of %d, --top %u\n", argv[1],
           (unsigned long long)total, BATCH, rc.top_n);
    printf("  taken live from frame %llu on (%zu flows open): %u slices with %u batches read between them,"
           " longest %.2f ms (the first %.2f ms), all slices %.1f ms, %llu flows in the part\n",
           (unsigned long long)(total / 2), live.open_at_start, live.calls, batches_during,
           live.longest_ms, live.first_ms, live.total_ms, (unsigned long long)live_part);
    printf("  at the end (%zu flows open): one walk %.1f ms; in %u slices, longest %.2f ms, all %.1f ms;"
           " flows in the part: %llu and %llu\n",
           open, whole_ms, still.calls, still.longest_ms, still.total_ms,
           (unsigned long long)whole_flows, (unsigned long long)sliced_flows);
    /* Both parts hold the flows ended before them too. */
    int ok = answered && whole_flows == sliced_flows && whole_flows >= open && live_part > 0;
    if (!ok)
        fputs("report-pause: the parts disagree with the open flows\n", stderr);
    pipeline_free(&p);
    registry_free(reg);
    return ok ? 0 : 1;
}
