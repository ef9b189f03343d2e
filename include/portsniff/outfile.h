/* Output paths: every file portsniff writes (flow records, reports, saved
 * packets, standard output) goes through one of these, so that all of them
 * follow the same rules and fail the same loud way.
 *
 * What a path names decides how it is written (see portsniff(1), FILES):
 *   "-"                       standard output, written in place;
 *   a regular file, or a path that does not exist yet
 *                             replaced atomically: written to a temporary
 *                             ".NAME.XXXXXX" created exclusively in the same
 *                             directory, fsync'ed, renamed over NAME;
 *   a FIFO or character device
 *                             opened and written in place;
 *   a Unix stream socket      connected to and written in place;
 *   a symbolic link           followed to what it finally names, which is
 *                             then written by these same rules; the link
 *                             itself is never replaced (a link in a sticky
 *                             world-writable directory that belongs to
 *                             someone else is refused, as the kernel's
 *                             protected_symlinks refuses to follow it);
 *   a directory, block device or anything else
 *                             refused.
 *
 * Failures print one line and the output is then dead (writes are dropped):
 *   opening:  "portsniff: PATH: cannot write: REASON"
 *   writing:  "portsniff: PATH: write error: REASON", once per output
 * except EPIPE on standard output, which is silent (outfile_stdout_broken()
 * then says so, and the program ends as a filter killed by SIGPIPE does). */
#ifndef PORTSNIFF_OUTFILE_H
#define PORTSNIFF_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct ps_outfile ps_outfile;

typedef enum ps_outfile_kind {
    PS_OUT_STDOUT,    /* "-" */
    PS_OUT_REPLACE,   /* regular file or new path: temporary + rename */
    PS_OUT_INPLACE,   /* FIFO or character device */
    PS_OUT_SOCKET,    /* Unix stream socket */
    PS_OUT_MEMORY     /* outfile_memory: a buffer that grows, never written out */
} ps_outfile_kind;

/* Opens PATH by the rules above ("-" for standard output) and, for a file
 * that is replaced, creates the temporary for its first unit at once, so an
 * unwritable path is found before any input is read. NULL (after printing
 * the "cannot write" line) on failure. */
ps_outfile *outfile_open(const char *path);

/* An output in memory (named name, for messages): what is written stays
 * in its buffer, which grows as needed, until outfile_move_to hands it on.
 * Its flush and units do nothing. NULL when out of memory. */
ps_outfile *outfile_memory(const char *name);
/* What an outfile_memory holds (len bytes, not NUL-terminated). */
const char *outfile_memory_data(const ps_outfile *o, size_t *len);
/* Appends what `from` (an outfile_memory) holds to `to` and empties it. 0,
 * or -1 when either has failed (`from` when it could not grow). */
int outfile_move_to(ps_outfile *from, ps_outfile *to);
/* Called once after the first write error of any output (not for EPIPE on
 * standard output, which calls it too: the reader is gone). */
void outfile_set_error_hook(void (*hook)(void));

/* A write error (or a broken pipe on standard output) happened on o. */
int outfile_failed(const ps_outfile *o);
/* Some output failed since the start of the program. */
int outfile_any_failed(void);
/* Standard output's reader went away (EPIPE). */
int outfile_stdout_broken(void);

const char *outfile_name(const ps_outfile *o);   /* PATH, or "standard output" */
ps_outfile_kind outfile_kind(const ps_outfile *o);
/* 1 when a and b end up writing the same place (same file, FIFO, device). */
int outfile_same(const ps_outfile *a, const ps_outfile *b);

/* Buffered writing. outfile_reserve returns room for n bytes (n at most
 * PS_OUTFILE_RESERVE_MAX) at the end of the buffer, flushing it first when
 * needed; outfile_commit_bytes then appends the m <= n bytes written there. */
#define PS_OUTFILE_RESERVE_MAX 4096
char *outfile_reserve(ps_outfile *o, size_t n);
static inline void outfile_commit_bytes(ps_outfile *o, size_t m);
int outfile_write(ps_outfile *o, const void *data, size_t n);
/* Writes the buffer out. 0, or -1 when the output has failed. */
int outfile_flush(ps_outfile *o);

/* A stdio stream over o (unbuffered: each write lands in o's buffer, in
 * order with outfile_write), for writers that speak stdio (reports,
 * pcap_dump). Owned by o: never fclose it. NULL when out of memory. */
FILE *outfile_stream(ps_outfile *o);

/* Units: a replaced file is written one unit at a time (an interval report,
 * a rotated flow file's period); each unit ends with outfile_end_unit, which
 * flushes, fsyncs and renames it into place. outfile_begin_unit creates the
 * temporary for the next unit (outfile_open already began the first). For
 * the other kinds both only flush. 0, or -1 when the output has failed. */
int outfile_begin_unit(ps_outfile *o);
int outfile_end_unit(ps_outfile *o);

/* Ends the current unit if one is open (committing it unless the output has
 * failed, in which case its temporary is removed and the old file stays),
 * closes and frees o. Returns 0, or -1 when the output failed at any point. */
int outfile_close(ps_outfile *o);
/* As outfile_close, but the open unit is discarded, never committed: a file
 * that would be replaced keeps its old contents. */
int outfile_abort(ps_outfile *o);

/* Private to outfile.c and the inline helper below. */
struct ps_outfile_buf {
    char *data;
    size_t len, cap;
};
static inline struct ps_outfile_buf *outfile_buf_(ps_outfile *o)
{
    return (struct ps_outfile_buf *)(void *)o;
}
static inline void outfile_commit_bytes(ps_outfile *o, size_t m)
{
    outfile_buf_(o)->len += m;
}

#endif
