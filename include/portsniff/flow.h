/* The flow table: bidirectional flows keyed by transport and both endpoints,
 * per-direction counters, timeouts kept in time order, a memory bound. */
#ifndef PORTSNIFF_FLOW_H
#define PORTSNIFF_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include "portsniff/packet.h"
#include "portsniff/tunnel.h"

/* Canonical key: endpoint a is the lower (address, port) pair, so both
 * directions of a conversation find the same key. */
typedef struct ps_flow_key {
    uint8_t  addr_a[16];
    uint8_t  addr_b[16];
    uint16_t port_a, port_b;
    uint8_t  family;         /* 4 or 6 */
    uint8_t  transport;      /* ps_transport */
    uint16_t context;        /* the address space: 0 for the capture's own, else the flow
                                table's number for the packet's VNI path (ps_packet.context),
                                so equal inner addresses behind different VXLAN or Geneve
                                VNIs are different flows. Keys are hashed and compared as
                                bytes. */
} ps_flow_key;

/* Zeek's history letters a side can send (each recorded once per side), as
 * bits of ps_zeek_state.letters[], and their codes in ps_zeek_state.history. */
enum {
    PS_HIST_SYN = 0x01,      /* S (SYN) or H (SYN+ACK), whichever came first */
    PS_HIST_ACK = 0x02,      /* A: a pure ACK */
    PS_HIST_DATA = 0x04,     /* D: payload */
    PS_HIST_FIN = 0x08,      /* F */
    PS_HIST_RST = 0x10,      /* R */
    PS_HIST_MULTI = 0x20,    /* Q: SYN with FIN or RST */
    PS_HIST_FIN_RST = 0x40   /* I: FIN with RST */
};
#define PS_HIST_LETTERS "SHADFRQI"   /* ps_zeek_state.history codes 0-7 */
#define PS_HISTORY_COUNT_SHIFT 60

/* What Zeek's history, orig_bytes and resp_bytes need of one flow. It is not
 * part of ps_flow: a flow table created with ps_flow_config.zeek_state keeps
 * it right after each flow, in the same slot (flow_zeek_state); one created
 * without it (no flow records written: -q, --flows=none) neither keeps nor
 * updates it, and its flows take no more memory. Indexes [0] and [1] are
 * endpoints a and b, as ps_flow.dir. */
typedef struct ps_zeek_state {
    /* Each letter a side sent, in the order first seen, 4 bits each from
     * bit 0 (code into PS_HIST_LETTERS, bit 3 set when endpoint b sent it),
     * at most 14; their count in bits 60-63. */
    uint64_t history;
    /* Payload bytes per side, low 32 bits; bytes_hi[] holds bits 32-39.
     * TCP: the sequence space from seq_start to the highest segment end or
     * acknowledgment seen, SYN and FIN octets included (see
     * flow_payload_bytes); UDP: the sum of UDP lengths less their headers. */
    uint32_t payload[2];
    uint32_t seq_start[2];   /* TCP: the sequence number before a side's first
                                payload byte (its ISN, or the first seq seen less one) */
    uint8_t  letters[2];     /* PS_HIST_* letters each side sent */
    uint8_t  bytes_hi[2];
    uint8_t  seq_started;    /* bit n set once seq_start[n] holds side n's start */
} ps_zeek_state;

/* 24 bytes: the packet count shares its word with the TCP flags. 2^56
 * packets a direction is 7.2e16, over three years of one direction of one
 * flow at 400 Gb/s in minimum-size frames, so the count cannot wrap in any
 * capture. */
typedef struct ps_dir_stats {
    uint64_t pkts : 56;
    uint64_t tcp_flags : 8;  /* union of TCP flags sent */
    uint64_t frame_bytes;    /* sum of on-wire frame lengths */
    uint64_t ip_bytes;       /* sum of IP total lengths */
} ps_dir_stats;

/* How the originator was decided. */
typedef enum ps_orig_basis {
    PS_ORIG_FIRST_PACKET = 0,  /* sender of the first packet seen */
    PS_ORIG_HANDSHAKE          /* TCP SYN / SCTP INIT / DCCP-Request (or their replies) */
} ps_orig_basis;

typedef enum ps_end_reason {
    PS_END_NONE = 0,
    PS_END_FIN,        /* TCP FIN seen in both directions */
    PS_END_RST,        /* TCP RST */
    PS_END_ABORT,      /* SCTP ABORT */
    PS_END_SHUTDOWN,   /* SCTP SHUTDOWN COMPLETE */
    PS_END_DCCP_RESET, /* DCCP-Reset */
    PS_END_IDLE,       /* idle timeout */
    PS_END_ACTIVE,     /* active timeout on a long flow */
    PS_END_EVICTED,    /* flow-table limit reached, oldest idle flow ended */
    PS_END_EOF,        /* end of input / capture stopped */
    PS_END_REUSED,     /* a new handshake on the same 5-tuple after it closed */
    PS_END_COUNT
} ps_end_reason;

typedef struct ps_flow ps_flow;
/* Laid out for the per-packet path: a lookup reads the first 64 bytes (chain
 * link, hash, key, last_ns), counting adds the two direction blocks (the
 * next 48), and the age-list links, tunnels, protocol state and flags
 * follow. The table packs flows at a 16-byte stride (src/flow.c), so those
 * 144 bytes span three cache lines; a table that keeps an extension
 * (ps_zeek_state) puts it right after the flow in the same slot. */
/* The fields marked private are the table's bookkeeping: links name other
 * flows by their 32-bit number in the table (0: none), not by pointer. The
 * SCTP chunk set and the DCCP Service Code share their four bytes (a flow
 * has one transport: read each only for its own), and the one- and two-bit
 * states share a byte; that keeps a flow at 144 bytes. Only the flow
 * table's thread writes a flow, and only while it is open. */
struct ps_flow {
    uint32_t hash_next;        /* private to flow.c: next in the hash chain or free list */
    uint32_t hash;
    uint16_t vlan_id;          /* outermost VLAN of the first packet */
    uint16_t dccp_types;       /* bit n set when DCCP packet type n was seen */
    uint32_t timer_seq;        /* private to flow.c: its idle or closing queue entry */
    ps_flow_key  key;
    int64_t  last_ns;
    ps_dir_stats dir[2];       /* [0] = sent by endpoint a, [1] = sent by endpoint b */
    int64_t  first_ns;
    uint32_t age_prev, age_next;      /* private to flow.c: ordered by first_ns */
    uint32_t tunnel[2];        /* as dir[]: the tunnel chain of the direction's first
                                  packet (portsniff/tunnel.h), PS_TUNNEL_NONE when not
                                  tunnelled (flow_table_tunnel) */
    union {
        uint32_t sctp_chunks;       /* SCTP: union of chunk-type bits */
        uint32_t dccp_service_code; /* DCCP: when dccp_has_service_code */
    };
    uint8_t  end_reason;       /* ps_end_reason; set when the flow is handed to the sink */
    uint8_t  walk_mark;        /* private to flow.c: visited by the walk of this number */
    uint8_t  orig : 1;         /* 0: endpoint a originated, 1: endpoint b */
    uint8_t  orig_basis : 1;   /* ps_orig_basis */
    uint8_t  closing : 1;      /* set once the flow has ended by protocol; see end_reason */
    uint8_t  has_zeek : 1;     /* a ps_zeek_state follows in the slot (flow_zeek_state) */
    uint8_t  dccp_has_service_code : 1;
    uint8_t  fin_seen : 2;     /* bit 0: a sent FIN, bit 1: b sent FIN */
};

/* Where a flow's extension (ps_zeek_state) sits in its slot: right after the
 * flow, at a 16-byte boundary. */
#define PS_FLOW_EXT_OFFSET ((sizeof(ps_flow) + 15u) / 16u * 16u)

/* The flow's Zeek state, or NULL when its table keeps none (see
 * ps_zeek_state). */
static inline const ps_zeek_state *flow_zeek_state(const ps_flow *f)
{
    return f->has_zeek ? (const ps_zeek_state *)(const void *)((const char *)f + PS_FLOW_EXT_OFFSET)
                       : NULL;
}

/* The payload bytes side `dir` (0 = endpoint a) sent, as Zeek's orig_bytes
 * and resp_bytes: for TCP the sequence span less its SYN and FIN octets;
 * 0 when f has no Zeek state. */
uint64_t flow_payload_bytes(const ps_flow *f, int dir);
/* Zeek's history string of f (at most 14 letters and a NUL); empty when f
 * has no Zeek state. */
void flow_history(const ps_flow *f, char *buf, size_t len);

/* Accessors by role, for sinks. */
static inline const ps_dir_stats *flow_orig_stats(const ps_flow *f) { return &f->dir[f->orig]; }
static inline const ps_dir_stats *flow_resp_stats(const ps_flow *f) { return &f->dir[!f->orig]; }
static inline const uint8_t *flow_orig_addr(const ps_flow *f) { return f->orig ? f->key.addr_b : f->key.addr_a; }
static inline const uint8_t *flow_resp_addr(const ps_flow *f) { return f->orig ? f->key.addr_a : f->key.addr_b; }
static inline uint16_t flow_orig_port(const ps_flow *f) { return f->orig ? f->key.port_b : f->key.port_a; }
static inline uint16_t flow_resp_port(const ps_flow *f) { return f->orig ? f->key.port_a : f->key.port_b; }

typedef struct ps_flow_config {
    int64_t idle_timeout_ns;     /* end a flow after this long without packets */
    int64_t active_timeout_ns;   /* end (and restart) a flow this long after it began */
    int64_t close_linger_ns;     /* keep a closed flow this long for its last ACKs */
    size_t  max_flows;           /* table limit; the oldest idle flow is evicted beyond it */
    size_t  max_fragments;       /* fragment cache limit */
    int64_t fragment_timeout_ns; /* how long a first fragment's ports, or later fragments
                                    waiting for their first, are kept */
    int     zeek_state;          /* keep Zeek's history and payload bytes per flow
                                    (ps_zeek_state): set when flow records are written */
} ps_flow_config;

#define PS_DEFAULT_IDLE_TIMEOUT_S    60
#define PS_DEFAULT_ACTIVE_TIMEOUT_S  1800
#define PS_DEFAULT_CLOSE_LINGER_S    2
#define PS_DEFAULT_MAX_FLOWS         1000000
#define PS_DEFAULT_MAX_FRAGMENTS     8192
#define PS_DEFAULT_FRAGMENT_TIMEOUT_S 30

void flow_config_defaults(ps_flow_config *cfg);

typedef struct ps_flow_counters {
    uint64_t flows_created;
    uint64_t flows_ended;
    uint64_t flows_evicted;          /* ended by the --max-flows limit */
    uint64_t fragments_matched;      /* later fragments counted to their first fragment's flow,
                                        whether they came before or after it */
    uint64_t fragments_unmatched;    /* later fragments whose first fragment was not seen in time;
                                        one still waiting counts here once dropped or flushed */
    uint64_t fragment_cache_evictions;
    size_t   peak_flows;
} ps_flow_counters;

/* VNI paths one flow table numbers; packets of further ones share the last. */
#define PS_FLOW_MAX_CONTEXTS 65535u

/* Called once per flow as it ends; the flow is freed after the call returns. */
typedef void (*ps_flow_end_fn)(const ps_flow *flow, void *ctx);

typedef struct ps_flow_table ps_flow_table;

ps_flow_table *flow_table_create(const ps_flow_config *cfg, ps_flow_end_fn on_end, void *ctx);
/* Called once as each flow is created, with its key: per flow, not per
 * packet (fan-in across flows is noted here). */
typedef void (*ps_flow_start_fn)(const ps_flow_key *key, void *ctx);
void flow_table_on_start(ps_flow_table *t, ps_flow_start_fn on_start, void *ctx);
/* While flow_table_flush ends every flow, called with the flow that will end
 * a few flows later, so that the caller can fetch what its on_end will
 * touch for it (a hint: it must not change anything). */
typedef void (*ps_flow_soon_fn)(const ps_flow *flow, void *ctx);
void flow_table_on_end_soon(ps_flow_table *t, ps_flow_soon_fn soon);
void flow_table_destroy(ps_flow_table *t);   /* frees without calling on_end */

/* Account one decoded packet of kind PS_PKT_TRANSPORT or PS_PKT_FRAGMENT
 * (other kinds are ignored). Also expires flows whose timeouts passed at pkt->ts_ns.
 * Returns the flow the packet was counted to, or NULL: an unmatched fragment,
 * or a later fragment waiting for its first fragment to name the flow. */
const ps_flow *flow_table_packet(ps_flow_table *t, const ps_packet *pkt);
/* The same accounting for a packet stream, a few packets behind: the table
 * fetches each packet's bucket and flow into cache while the packets queued
 * before it are counted. Every function here that changes the table first
 * counts what is queued (flow_table_destroy drops it); call flow_table_sync
 * before reading the table with flow_table_foreach, flow_table_count or
 * flow_table_counters. */
void flow_table_queue(ps_flow_table *t, const ps_packet *pkt);
/* flow_table_queue without the copy: decode the next packet into the slot
 * flow_table_slot returns, then queue it with flow_table_commit. Nothing else
 * may be called on the table between the two. */
ps_packet *flow_table_slot(ps_flow_table *t);
void flow_table_commit(ps_flow_table *t);
void flow_table_sync(ps_flow_table *t);
/* What the table works out from a packet before it looks anything up: its
 * key's hash (context 0) and which side sent it. flow_hint_of needs no
 * table, so another thread may do it while the table counts the packets
 * before this one (the read-ahead does: pipeline.c). */
typedef struct ps_flow_hint {
    uint32_t hash;
    uint32_t sender_is_b;
} ps_flow_hint;
void flow_hint_of(const ps_packet *pkt, ps_flow_hint *h);
/* flow_table_queue with pkt's hint worked out already. Only pkt's fields
 * before its layers are read (PS_PACKET_CLEAR_LEN bytes: pkt may be that
 * prefix alone), and its encap_depth layers from layers. */
void flow_table_queue_hinted(ps_flow_table *t, const ps_packet *pkt, const ps_encap_layer *layers,
                             const ps_flow_hint *h);
/* End every flow whose idle, active or linger timeout passed at now_ns. */
void flow_table_expire(ps_flow_table *t, int64_t now_ns);
/* End every flow with the given reason (PS_END_EOF at end of input), and count
 * later fragments still waiting for their first fragment as unmatched. */
void flow_table_flush(ps_flow_table *t, ps_end_reason reason);
/* Visit the open flows, oldest first. */
void flow_table_foreach(const ps_flow_table *t, void (*fn)(const ps_flow *, void *), void *ctx);
/* The same visit in slices, with packets counted in between: begin, then
 * steps of at most max flows each until a step returns 1 (every flow open at
 * the begin or opened since was visited once, unless it ended first). A flow
 * that ends before its visit is not visited: flow_table_walk_missed(t, f),
 * asked as it ends (in the end callback), says so, and the caller counts it
 * then. flow_table_walk_cancel forgets a walk not finished. */
void flow_table_walk_begin(ps_flow_table *t);
int flow_table_walk_step(ps_flow_table *t, size_t max, void (*fn)(const ps_flow *, void *),
                         void *ctx);
int flow_table_walk_missed(const ps_flow_table *t, const ps_flow *f);
void flow_table_walk_cancel(ps_flow_table *t);
size_t flow_table_count(const ps_flow_table *t);
/* The hash table's buckets now: one per flow the limit allows (a power of
 * two) from the start, at most 1,048,576; 256 without a limit; doubled
 * whenever the flows outnumber them. */
size_t flow_table_buckets(const ps_flow_table *t);
const ps_flow_counters *flow_table_counters(const ps_flow_table *t);
/* Bytes each flow takes in the table's slabs: sizeof(ps_flow) rounded up to
 * 16, plus a ps_zeek_state when the table keeps them. */
size_t flow_table_slot_size(const ps_flow_table *t);

/* The key of a packet outside any VNI (context 0); the flow table numbers
 * a tunnelled packet's context itself. */
void flow_key_from_packet(const ps_packet *pkt, ps_flow_key *key, int *sender_is_b);

/* The tunnel chain a flow's originator (resp = 0) or responder (resp = 1)
 * sent its first packet in; NULL when that direction was not tunnelled (or
 * its chain could not be kept: flow_table_tunnels_dropped). The chain lives
 * as long as the table. */
const ps_tunnel_chain *flow_table_tunnel(const ps_flow_table *t, const ps_flow *f, int resp);
/* Distinct VNI paths numbered for flow keys, and packets whose path came
 * past PS_FLOW_MAX_CONTEXTS and shares the last number (their flows may
 * merge). */
void flow_table_contexts(const ps_flow_table *t, uint64_t *numbered, uint64_t *shared);
/* The table's interned chains. */
const ps_tunnel_table *flow_table_tunnels(const ps_flow_table *t);

const char *ps_end_reason_name(int reason);    /* "fin", "rst", "idle", ... */

#endif
