/* Per-service aggregation of ended flows, and the report writers. */
#ifndef PORTSNIFF_REPORT_H
#define PORTSNIFF_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "portsniff/attribute.h"
#include "portsniff/flow.h"
#include "portsniff/output.h"
#include "portsniff/stats.h"

typedef struct ps_report ps_report;

ps_report *report_create(void);
void report_free(ps_report *r);
ps_report *report_clone(const ps_report *r);
/* Add one flow under its label (flows are aggregated per (service, transport);
 * unregistered, reserved/unassigned get rows of their own per transport). */
void report_add_flow(ps_report *r, const ps_flow *flow, const ps_label *label);

typedef struct ps_report_context {
    const ps_run_stats *run;
    const ps_flow_counters *flows;
    const char *registry_source;
    const char *registry_date;
    const char *const *inputs;    /* files or interface read */
    int ninputs;
    int live;                     /* 1 for live capture (kernel counters meaningful) */
    size_t open_flows;            /* flows still open (interval reports) */
    int final;                    /* 1 for the end-of-run report */
} ps_report_context;

/* Write the report; every format carries the registry caveat. Returns 0, or -1 on a write error. */
int report_write(const ps_report *r, const ps_report_context *ctx, ps_format fmt, FILE *out);

#endif
