/* -w, -G, -W: the packets read saved to a pcap file, and the rotation of
 * that file and of the flow-record file, as tcpdump rotates its -w file.
 *
 * A savefile set stands between the capture and the pipelines: its capture
 * sink (savefile_capture_sink) writes each frame to the -w file, rotates the
 * files when a period is over, then hands the frame to the worker's pipeline.
 * Without -w or -G it is not used at all, and the capture feeds the pipelines
 * directly.
 *
 * Rotation (-G SECONDS, see portsniff(1)): a period starts with the first
 * packet of a file capture (its packet time) or when a live capture starts
 * (the clock). A packet whose time is SECONDS or more after its period's
 * start (files), or the clock reaching it (live: checked after each batch of
 * packets and at least every 0.1 s), ends the period: both files are
 * committed and the next ones, named by strftime(3) from the new period's
 * start in local time, begin; the new period starts at that time, as
 * tcpdump's does. -W COUNT: the packet (or tick) that would begin file COUNT+1
 * stops the capture instead, with exit status 0; that packet is neither saved
 * nor counted. */
#ifndef PORTSNIFF_SAVEFILE_H
#define PORTSNIFF_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "portsniff/capture.h"
#include "portsniff/outfile.h"
#include "portsniff/output.h"
#include "portsniff/pipeline.h"

typedef struct ps_savefile_config {
    const char *save_path;   /* -w, or NULL */
    const char *flows_path;  /* --flows-file when it rotates (with -G), or NULL */
    int64_t period_ns;       /* -G in ns; 0: no rotation */
    uint64_t max_files;      /* -W; 0: no limit */
    int live;                /* periods by the clock, not by packet time */
} ps_savefile_config;

typedef struct ps_savefile ps_savefile;

/* The name of a file of the period starting at ts_ns: pattern through
 * strftime (local time) when rotating, else pattern itself. 0, or -1 when it
 * does not fit in len bytes or is empty. */
int savefile_name(const char *pattern, int rotating, int64_t ts_ns, char *buf, size_t len);

/* Opens the -w file (named for the clock's time when rotating) before
 * capture starts. *flows receives the flow-record file when flows_path is
 * set (opened by the same naming), else stays NULL. NULL after a one-line
 * error on stderr. */
ps_savefile *savefile_open(const ps_savefile_config *cfg, ps_outfile **flows);

/* The -w output (NULL without -w), for the checks that outputs differ. */
ps_outfile *savefile_output(const ps_savefile *s);

/* The pipelines to feed (w[0] holds the writers and their lock) and the flow
 * sink that rotates with the files (NULL: none). *flows_slot is where the
 * caller keeps the flow-record output: it is updated on each rotation, the
 * previous output being committed and closed. */
void savefile_bind(ps_savefile *s, ps_pipeline *w, int nworkers, ps_flow_sink *sink,
                   ps_outfile **flows_slot);

/* The capture sink's context for worker i (after savefile_bind). */
void *savefile_worker(ps_savefile *s, int i);
extern const ps_capture_sink savefile_capture_sink;

/* Commits the -w file (or discards it when commit is 0) and frees s; the
 * flow-record output stays the caller's. 0, or -1 when the -w output failed. */
int savefile_close(ps_savefile *s, int commit);

#endif
