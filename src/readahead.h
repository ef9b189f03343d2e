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
} ps_frame;

/* Starts reading pc (whose filter, if any, is already set: filtered) ahead;
 * nano: libpcap gives its stamps in ns. NULL when a thread or its memory
 * cannot be had: the caller then reads pc itself. */
ps_readahead *readahead_start(pcap_t *pc, int nano, int filtered);
/* 1 with the next frame; 0 at the end of the file; -1 when libpcap failed
 * there (readahead_error says why). */
int readahead_next(ps_readahead *r, ps_frame *f);
const char *readahead_error(const ps_readahead *r);
/* Stops the thread (at once, wherever it is in the file) and frees all; the
 * caller closes pc afterwards. */
void readahead_stop(ps_readahead *r);

#endif
