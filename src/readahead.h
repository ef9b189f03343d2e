/* Read-ahead of a saved file: a thread of its own reads the file into a
 * few chunks (in raw blocks, or frame by frame through libpcap: see
 * readahead.c), so that reading the file runs beside the decoding and flow
 * accounting of the frames before them. Frames come out in file order,
 * with libpcap's error, if any, after the last good one. */
#ifndef PORTSNIFF_READAHEAD_H
#define PORTSNIFF_READAHEAD_H

#include <stdint.h>
#include <pcap/pcap.h>

typedef struct ps_readahead ps_readahead;

typedef struct ps_frame {
    const uint8_t *data;   /* valid until the next readahead_next */
    uint32_t caplen, len;
    int64_t ts_ns;
    const void *decoded;   /* the decoder's output for this frame (valid until
                              the next readahead_next): then only ts_ns and
                              decoded_cold are set besides; NULL when it was
                              not decoded ahead */
    const void *decoded_cold;
} ps_frame;

/* Frames may also be decoded in the reader thread, once their chunk is
 * handed over, so that decoding runs beside the consumer's work on the
 * frames before them; frames the reader has not reached when the consumer
 * does come undecoded (the consumer decodes them itself, and the reader
 * moves on to reading): fn writes size bytes at out for each frame (ctx and
 * dlt as given), beginning with ts_ns as an int64_t, and may write up to
 * cold bytes at out_cold, what only some frames need: the consumer fetches
 * each frame's `size` bytes ahead, its cold bytes only if it reads them
 * (the two are kept in separate arrays). It runs while
 * the consumer works, so it may read only what does not change during the
 * run. It may store around the cache (non-temporal stores): each batch of
 * frames is fenced before it is published. */
typedef void (*ps_decode_fn)(const void *ctx, int dlt, const uint8_t *data, uint32_t caplen,
                             uint32_t len, int64_t ts_ns, void *out, void *out_cold);
typedef struct ps_readahead_decoder {
    ps_decode_fn fn;
    const void *ctx;
    size_t size;           /* bytes of output a frame (a multiple of 64 keeps each
                              frame's on lines of its own): fetched into cache
                              a few frames ahead */
    size_t cold;           /* bytes of cold output a frame (a multiple of 16) */
    int dlt;
} ps_readahead_decoder;

/* Work the reader thread may do when it has read and decoded as far ahead
 * as it may and would wait for the consumer to give chunks back: fn does a
 * little of it (tens of microseconds: the reader looks at the chunks
 * between calls) and returns nonzero when it did any; the reader sleeps
 * once it returns 0. fn must not wait for the consumer. */
typedef struct ps_readahead_spare {
    int (*fn)(void *ctx);
    void *ctx;
} ps_readahead_spare;

/* Starts reading pc (whose filter, if any, is already set: filtered) ahead;
 * nano: libpcap gives its stamps in ns; dec, if not NULL, decodes the
 * frames ahead too; spare, if not NULL, is work for the reader's idle
 * moments. NULL when a thread or its memory cannot be had: the caller then
 * reads pc itself. */
ps_readahead *readahead_start(pcap_t *pc, int nano, int filtered, const ps_readahead_decoder *dec,
                              const ps_readahead_spare *spare);
/* 1 with the next frame; 0 at the end of the file; -1 when libpcap failed
 * there (readahead_error says why). */
int readahead_next(ps_readahead *r, ps_frame *f);
const char *readahead_error(const ps_readahead *r);
/* Stops the thread (at once, wherever it is in the file) and frees all; the
 * caller closes pc afterwards. */
void readahead_stop(ps_readahead *r);

#endif
