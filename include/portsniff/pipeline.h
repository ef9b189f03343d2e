/* The wiring between the capture loop and the sinks: frame -> dissector ->
 * flow table -> (at flow end) attribution -> flow writer + report. */
#ifndef PORTSNIFF_PIPELINE_H
#define PORTSNIFF_PIPELINE_H

#include <stdint.h>
#include <stdio.h>
#include "portsniff/attribute.h"
#include "portsniff/fanin.h"
#include "portsniff/service_select.h"
#include "portsniff/flow.h"
#include "portsniff/ipfix.h"
#include "portsniff/output.h"
#include "portsniff/registry.h"
#include "portsniff/report.h"
#include "portsniff/stats.h"

typedef struct ps_pipeline {
    const ps_registry *registry;
    ps_flow_table *flows;
    ps_fanin *fanin;              /* each flow noted and read as it ends */
    const ps_service_select *select;  /* --service: flows kept; NULL keeps all */
    ps_report *report;
    ps_run_stats stats;
    ps_flow_sink *sink;           /* NULL when flow records are not written */
    uint64_t flow_records;        /* records written */
    ps_ipfix *ipfix;              /* --ipfix export, or NULL; set after pipeline_init */
} ps_pipeline;

/* 0 on success, -1 when out of memory. Each flow's record goes to sink (not
 * owned, already begun) unless it is NULL. */
int pipeline_init(ps_pipeline *p, const ps_registry *reg, const ps_flow_config *cfg,
                  ps_flow_sink *sink);
void pipeline_free(ps_pipeline *p);
/* Writes out the flow records buffered so far. */
void pipeline_flush(ps_pipeline *p);

/* One captured frame. */
void pipeline_frame(ps_pipeline *p, int dlt, const uint8_t *data, uint32_t caplen,
                    uint32_t wire_len, int64_t ts_ns);

/* Time passes without packets (live capture): lets the exporters send what
 * waits and keep their connections. */
void pipeline_tick(ps_pipeline *p);

/* A report covering ended flows plus the flows still open (without ending them),
 * with the run's counters. The caller frees it with report_free(). */
ps_report *pipeline_snapshot(const ps_pipeline *p);
/* The run's report of ended flows, its counters brought up to date (flush the
 * flow table first for the final report). */
const ps_report *pipeline_report(ps_pipeline *p);

#endif
