/* The wiring between the capture loop and the sinks: frame -> dissector ->
 * flow table -> (at flow end) attribution -> flow writer + report. */
#ifndef PORTSNIFF_PIPELINE_H
#define PORTSNIFF_PIPELINE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include "portsniff/attribute.h"
#include "portsniff/capture.h"
#include "portsniff/dissect.h"
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
    ps_fanin *fanin;              /* each flow noted and read as it ends; worker 0's serves all */
    const ps_service_select *select;  /* --service: flows kept; NULL keeps all */
    ps_report *report;
    ps_run_stats stats;
    ps_flow_sink *sink;           /* NULL when flow records are not written */
    uint64_t flow_records;        /* records written */
    ps_ipfix *ipfix;              /* --ipfix export, or NULL; set after pipeline_init */
    /* Workers: each has its own flow table, report and counters; worker 0's
     * fan-in evidence, flow writer and exporters serve them all, under
     * worker 0's lock. */
    struct ps_pipeline *writer;   /* the pipeline whose writers this one uses (itself for worker 0) */
    pthread_mutex_t *lock;        /* worker 0's, once shared; else NULL */
    ps_report *part;              /* this worker's part of the interval report being made */
    ps_report *building;          /* that part while its open flows are walked in slices */
    int deferred;                 /* a file was read ahead with its records deferred
                                     (capture sink's defer): the end's records are too */
    const ps_dissect_config *dissect;  /* --decap, --tunnel-port; NULL: defaults */
    struct ps_tally *tally;       /* while the end's flush runs: the flows it ends are named
                                     and added to the report beside it (src/tally.h) */
} ps_pipeline;

/* 0 on success, -1 when out of memory. Each flow's record goes to sink (not
 * owned, already begun) unless it is NULL. report_cfg NULL: report_create()'s
 * defaults. */
int pipeline_init(ps_pipeline *p, const ps_registry *reg, const ps_flow_config *cfg,
                  const ps_report_config *report_cfg, ps_flow_sink *sink);
/* The writers are used from threads other than the caller's (a live
 * capture's workers, its reports): from now on they are used under a lock.
 * 0, or -1 when out of memory. */
int pipeline_share_writers(ps_pipeline *p);
/* Another worker beside `first` (worker 0, already initialised, freed after
 * this one): its own flow table (cfg), report and counters; first's fan-in
 * evidence, --service selection, flow writer and exporters. 0, or -1 when
 * out of memory. */
int pipeline_init_worker(ps_pipeline *p, ps_pipeline *first, const ps_flow_config *cfg);
void pipeline_free(ps_pipeline *p);

/* The capture sink over pipelines (each worker's context is its ps_pipeline):
 * frames are decoded into the flow table; ticks let flows time out and
 * exporters send; a snapshot takes the worker's part of an interval report
 * (pipeline_merge_parts reads it); finish ends every flow still open. */
extern const ps_capture_sink pipeline_capture_sink;

/* Held by anything else that writes to the flow records' output while
 * workers run (a report on the same stream); no-ops until shared. */
void pipeline_lock_writers(ps_pipeline *p);
void pipeline_unlock_writers(ps_pipeline *p);
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

/* The interval report of n workers from the parts they took (each worker's
 * snapshot, then merged); NULL when a part is missing or out of memory. The
 * caller frees it with report_free(). */
ps_report *pipeline_merge_parts(ps_pipeline *w, int n);
/* The final report of n workers (each flushed): worker 0's own report when
 * n is 1, else a merge of all, which *owned receives to free (else NULL).
 * NULL when out of memory. */
const ps_report *pipeline_merge_reports(ps_pipeline *w, int n, ps_report **owned);

#endif
