/* The end of a capture with many flows open, on two CPUs. Ending a flow
 * notes it in the fan-in table, names its service (attribution) and adds it
 * to the report. Only the first step depends on the flows before it (a
 * flow's fan-in counts take in every flow that ended earlier); the other
 * two depend on the flow and its counts alone, in the order the flows ended
 * (the report's top talkers are a sketch that order can change). A tally
 * takes those two steps on a thread of its own: the flushing thread notes
 * each flow and hands it over with its counts, in batches; the tally's
 * thread names and adds them, in the order they were handed over, into a
 * report nobody else touches until tally_finish returns. The report comes
 * out the same as when each flow is named and added as it ends.
 *
 * A million flows open at the end of a file took about 0.12 s to end on
 * one CPU, with the read-ahead thread done and its CPU idle. */
#ifndef PORTSNIFF_TALLY_H
#define PORTSNIFF_TALLY_H

#include "portsniff/attribute.h"
#include "portsniff/flow.h"
#include "portsniff/registry.h"
#include "portsniff/report.h"

/* Flows open at the end from which a tally pays for its thread. */
#define TALLY_FROM 8192u

typedef struct ps_tally ps_tally;

/* A tally adding to report, its thread started; NULL when memory or the
 * thread cannot be had (the caller then names and adds flows itself). */
ps_tally *tally_start(const ps_registry *reg, ps_report *report);

/* Hands over one ended flow, its fan-in counts and its tunnel chains
 * (either may be NULL). The flow's slot must keep what attribution and the
 * report read (its key, counters, times, flags, originator and end reason)
 * until tally_finish: the table's flush recycles slots without reusing
 * them. Waits when the tally's thread is a few batches behind. */
void tally_add(ps_tally *t, const ps_flow *flow, const ps_flow_fanin *fan,
               const ps_tunnel_chain *orig, const ps_tunnel_chain *resp);

/* Waits until every flow handed over is in the report, stops the thread
 * and frees the tally. NULL is ignored. */
void tally_finish(ps_tally *t);

#endif
