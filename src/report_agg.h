/* The report's finer aggregations, kept per service row: top talkers (a
 * bounded heavy-hitter table), the time series (flows started, packets and
 * bytes per time bucket) and, for rows that are not a named service, the
 * ports they gather. Private to report.c, its writers and their tests. */
#ifndef PORTSNIFF_REPORT_AGG_H
#define PORTSNIFF_REPORT_AGG_H

#include <stddef.h>
#include <stdint.h>

/* ---- top talkers ----
 *
 * A talker table counts bytes (and packets and flows) per key. It is exact
 * until it holds `capacity` keys; a new key after that turns it into a
 * space-saving summary (Metwally, Agrawal, El Abbadi, "Efficient computation
 * of frequent and top-k elements in data streams", ICDT 2005) of `capacity`
 * counters: the new key takes over the counter with the fewest bytes, starts
 * from that count, and records it as its error. Then every key's bytes are at
 * least its true bytes and at most `error` above them, the error is at most
 * total_bytes / capacity, and every key with more than that many true bytes
 * is in the table. Packets and flows of an entry count only since the key
 * last entered the table. */

typedef struct talker_key {
    uint8_t  addr[16];       /* masked to the aggregation prefix; IPv4 in the first 4 */
    uint16_t port;
    uint8_t  family;         /* 4 or 6 */
    uint8_t  prefix;         /* prefix length the address was masked to */
    uint8_t  has_port;       /* 0 for hosts, 1 for endpoints (address and port) */
    uint8_t  pad[3];         /* zero: keys are hashed and compared as bytes */
} talker_key;

typedef struct talker {
    talker_key key;
    uint32_t heap_pos;       /* place in the min-heap once the table is approximate */
    uint64_t bytes, error, packets, flows;
} talker;

typedef struct talker_table {
    talker   *items;
    uint32_t *heap;          /* item indices, least bytes first (approximate tables) */
    uint32_t *slots;         /* open addressing: item index + 1, 0 when empty */
    size_t    n, alloc, nslots;
    size_t    capacity;
    uint64_t  total_bytes;   /* every byte counted into the table */
    int       approximate;
} talker_table;

void talker_table_init(talker_table *t, size_t capacity);
void talker_table_free(talker_table *t);
/* Count bytes, packets and flows to key; error is the caller's own error on
 * bytes (0 for a flow; a merged table's entry error). 0, or -1 out of memory. */
int talker_add(talker_table *t, const talker_key *key, uint64_t bytes, uint64_t packets,
               uint64_t flows, uint64_t error);
/* dst += src, entry by entry. */
int talker_merge(talker_table *dst, const talker_table *src);
/* dst -= src for the keys both hold (never below zero); errors add. */
int talker_subtract(talker_table *dst, const talker_table *src);
/* The n entries with the most bytes (ties: lower address, then port), into
 * out[0..ret). */
size_t talker_top(const talker_table *t, const talker **out, size_t n);

/* The key of a host (has_port 0) or endpoint, its address masked to prefix4
 * or prefix6 bits. */
void talker_key_make(talker_key *k, int family, const uint8_t *addr, int has_port, uint16_t port,
                     unsigned prefix4, unsigned prefix6);
/* "192.0.2.0/24", "198.51.100.7", "[2001:db8::1]:443", "192.0.2.10:53". */
void talker_key_format(const talker_key *k, char *buf, size_t len);

/* ---- time series ----
 *
 * Buckets are aligned to the epoch: bucket i covers [i * width, (i+1) * width).
 * A flow counts as started in the bucket of its first packet; its packets and
 * bytes are spread over the buckets from its first to its last packet in
 * proportion to the time it spent in each (SiLK rwcount's time-proportional
 * load scheme), rounded so that the buckets add up to the flow exactly. */

typedef struct series_cell {
    uint64_t flows, packets, bytes;
} series_cell;

typedef struct row_series {
    int64_t lo;              /* bucket index of cells[0] */
    size_t  n;               /* cells allocated, with room to grow: may reach past
                                the buckets the report spans (those are zero) */
    series_cell *cells;
} row_series;

void row_series_free(row_series *s);
/* Make room for buckets lo..hi. 0, or -1 out of memory. */
int row_series_reserve(row_series *s, int64_t lo, int64_t hi);
/* Add one flow (its buckets must be reserved). */
void row_series_add_flow(row_series *s, int64_t width_ns, int64_t first_ns, int64_t last_ns,
                         uint64_t packets, uint64_t bytes);
/* The first and last buckets with anything in them; 0 when none. */
int row_series_extent(const row_series *s, int64_t *lo, int64_t *hi);
/* Re-bucket to a width factor times wider. 0, or -1 out of memory. */
int row_series_widen(row_series *s, int64_t factor);
/* dst += src / dst -= src (never below zero), same width. */
int row_series_merge(row_series *dst, const row_series *src);
void row_series_subtract(row_series *dst, const row_series *src);

/* The automatic bucket widths, each a multiple of the one before, from 1 ms
 * to 28 days; the report takes the narrowest that keeps the span within
 * SERIES_AUTO_BUCKETS buckets. A width given with --bucket is kept unless
 * the span would need more than SERIES_MAX_BUCKETS; it is then doubled as
 * often as needed. */
#define SERIES_AUTO_BUCKETS 120
#define SERIES_MAX_BUCKETS 10000
/* The next wider automatic width after w, or 0 past the last. */
int64_t series_next_auto_width(int64_t w);
int64_t series_first_auto_width(void);

/* ---- ports of the rows that are not a named service ---- */

typedef struct port_cell {
    uint64_t flows, packets, bytes;
} port_cell;

/* Per-port counts of one row, an array of 65536 allocated on first use. */
typedef struct row_ports {
    port_cell *cells;
    uint32_t nports;         /* ports with at least one flow */
} row_ports;

int row_ports_add(row_ports *p, uint16_t port, uint64_t flows, uint64_t packets, uint64_t bytes);
int row_ports_merge(row_ports *dst, const row_ports *src);
void row_ports_subtract(row_ports *dst, const row_ports *src);
void row_ports_free(row_ports *p);
/* The n ports with the most bytes (ties: lower port), into out; returns how many. */
size_t row_ports_top(const row_ports *p, uint16_t *out, size_t n);

#endif
