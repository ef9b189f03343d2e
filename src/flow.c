/* The flow table.
 *
 * Flows live in a chained hash table and, at the same time, in time order,
 * so that expiry only ever looks at the earliest entries:
 *   idle    open flows by last activity (idle timeout, eviction),
 *   closing flows ended by their protocol, by last activity (close linger),
 *   age     flows holding packets, by first_ns (active timeout, flush order).
 * Every flow is in exactly one of idle/closing. Those two are timer queues
 * kept lazily, so a packet never touches another flow: an entry holds the
 * flow's last_ns when it was filed, a lower bound of its deadline. When an
 * entry reaches the front, a flow that has seen packets since is filed again
 * under its current last_ns, and an entry its flow no longer owns (timer_seq)
 * is dropped. The front is therefore exact whenever it is read, whatever
 * order the timestamps came in. Filings in time order go to a ring, the rare
 * late ones to a heap. The age list is appended to in packet order, so a
 * timestamp that goes backwards can make an active timeout fire a little
 * late, never early.
 *
 * A timeout fires when its deadline is reached: a flow whose last packet was
 * at T with idle timeout I is gone for a packet at T + I.
 *
 * Counting: an active timeout hands a record to the sink and keeps the flow
 * in place, empty, until its next packet opens the next record. So
 * flows_created counts records begun and flows_ended records handed to the
 * sink; created == ended + open flows holding packets, at any time.
 *
 * Queueing: flow_table_queue counts a packet QUEUE_LEN - 1 packets later,
 * after its bucket and flow have been fetched into cache, in arrival order
 * and with the result flow_table_packet would have had. Every call that
 * changes the table first counts what is queued. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "portsniff/community_id.h"
#include "portsniff/flow.h"
#include "portsniff/fragment.h"
#include "flow_zeek.h"
#include "huge_map.h"
#include "slab_reserve.h"

#define INITIAL_BUCKETS 256u
/* A table with a flow limit starts with buckets for that many flows, up to
 * this many (4 MiB of buckets): see initial_buckets. */
#define INITIAL_BUCKETS_MAX (1u << 20)

/* Flows come from 2 MiB slabs, packed at a 16-byte stride: no per-flow
 * malloc header, and the kernel may back a slab with one huge page, so a
 * table of a million flows needs few TLB entries. Slots are not rounded up
 * to whole cache lines: that would cost 48 bytes a flow (144 -> 192), a
 * quarter of a full table, for lines the queue prefetches anyway. A table
 * that keeps Zeek's state (ps_zeek_state, when flow records are written)
 * has it right after each flow: its stride (t->slot) is FLOW_SLOT plus the
 * state's 32 bytes, set at its creation.
 *
 * Inside the table a flow is named by a 32-bit number (flow_ref): its
 * slab's number (from 1) above REF_SHIFT bits, its offset in the slab in
 * 16-byte units below. Hash chains, the free list, the age list, the hash
 * buckets and the timer queues hold numbers, not pointers: 4 bytes a link
 * instead of 8 in every flow, bucket and queue entry. Slabs are aligned to
 * their size and end in their own number, so a flow's number is found from
 * its address alone (ref_of). */
#define SLAB_BYTES SLAB_RESERVE_BYTES
#define REF_SHIFT 17u                      /* SLAB_BYTES / FLOW_ALIGN slots of 16 bytes */
#define REF_OFFSET_MASK ((1u << REF_SHIFT) - 1u)
#define MAX_SLABS ((1u << (32u - REF_SHIFT)) - 1u)   /* 32,767 slabs: 64 GiB of flows */
#define SLAB_TAIL 16u                      /* the slab's number, after its last slot */
#define CACHE_LINE 64u
#define FLOW_ALIGN 16u
#define FLOW_SLOT ((sizeof(ps_flow) + FLOW_ALIGN - 1) / FLOW_ALIGN * FLOW_ALIGN)
_Static_assert(_Alignof(ps_flow) <= FLOW_ALIGN, "slots keep the flow's alignment");
_Static_assert(FLOW_SLOT == PS_FLOW_EXT_OFFSET, "the extension follows the flow's slot");
_Static_assert(sizeof(ps_zeek_state) % FLOW_ALIGN == 0 && _Alignof(ps_zeek_state) <= FLOW_ALIGN,
               "slots with the extension keep the stride");
_Static_assert(SLAB_BYTES / FLOW_ALIGN == 1u << REF_SHIFT, "a flow_ref's offset covers a slab");
_Static_assert(FLOW_SLOT <= 144, "a flow stays within 144 bytes (issue-13 memory target)");

typedef uint32_t flow_ref;                 /* 0: no flow */

/* Packets queued by flow_table_queue, oldest first. A packet waits
 * QUEUE_LEN - 1 arrivals while its memory is fetched in two steps: its
 * bucket on arrival, and QUEUE_FLOW_STAGE arrivals later the flow the bucket
 * leads to (chains are short: the table keeps at most one flow per bucket
 * on average). */
#define QUEUE_LEN 16u
#define QUEUE_FLOW_STAGE 6u

typedef struct queued_packet {
    ps_packet pkt;
    ps_flow_key key;          /* valid for PS_PKT_TRANSPORT */
    uint32_t hash;
    int sender_is_b;
} queued_packet;

typedef struct flow_list {
    ps_flow *head, *tail;
} flow_list;

/* An entry of the idle or closing queue: ordered by stamp, then by seq
 * (filing order), so equal times keep a fixed order. The entry is the
 * flow's own while flow->timer_seq == seq. */
typedef struct timer_entry {
    int64_t stamp;
    uint32_t seq;
    flow_ref flow;
} timer_entry;
_Static_assert(sizeof(timer_entry) == 16, "queue entries stay at 16 bytes");

typedef struct timer_heap {
    timer_entry *v;
    size_t n, cap;
} timer_heap;

/* Timestamps mostly come in order, so most filings are the newest yet: those
 * go to a ring kept in (stamp, seq) order, where filing and taking the
 * earliest cost O(1). A filing earlier than the ring's newest (a busy flow
 * filed again when its old entry surfaced, a timestamp that went backwards)
 * goes to the heap. The earliest entry is the earlier of the two fronts. */
typedef struct timer_queue {
    timer_entry *ring;
    size_t head, n, cap;          /* cap is 0 or a power of two */
    timer_heap late;
} timer_queue;

struct ps_flow_table {
    ps_flow_config cfg;
    ps_flow_end_fn on_end;
    void *ctx;
    ps_flow_start_fn on_start;
    void *start_ctx;
    ps_flow_soon_fn on_end_soon;   /* flush's hint, with ctx */
    flow_ref *buckets;
    uint32_t mask;
    size_t count;
    int emptying;                  /* flow_table_flush: every flow ends, chains are not kept */
    ps_flow *walk;                 /* a walk's next flow in age order (NULL: at the end) */
    uint8_t walk_gen;              /* the walk's number (never 0, the mark of a new flow) */
    int walking;
    timer_queue idle, closing;
    flow_list age;
    uint32_t timer_seq;            /* last seq handed to a queue entry (never 0) */
    flow_ref free_flows;           /* recycled through hash_next */
    char **slab_mem;               /* [1..nslabs]: slab n's memory; [0] unused */
    uint32_t nslabs, slab_cap;
    size_t slab_used;              /* flows handed out from the last slab */
    size_t slot;                   /* bytes a flow takes in a slab (flow_table_slot_size) */
    size_t flows_per_slab;
    int zeek;                      /* flows carry a ps_zeek_state (cfg.zeek_state) */
    int64_t next_check_ns;         /* no deadline falls before this */
    int64_t frag_check_ns;         /* nor any fragment cache entry's */
    queued_packet queue[QUEUE_LEN];
    unsigned queue_head, queue_len;
    ps_frag_cache *frags;
    ps_tunnel_table *tunnels;
    uint64_t *context_keys;        /* open addressing: VNI paths, 0 = empty */
    uint16_t *context_ids;         /* their numbers, 1.. */
    size_t context_size;           /* a power of two, at most half full */
    uint64_t contexts, contexts_shared;
    ps_flow_counters counters;
};

enum { HS_NONE, HS_INIT, HS_REPLY };

/* ---- flow numbers ---- */

static inline ps_flow *flow_at(const ps_flow_table *t, flow_ref r)
{
    return (ps_flow *)(void *)(t->slab_mem[r >> REF_SHIFT] + ((size_t)(r & REF_OFFSET_MASK) << 4));
}

static inline ps_flow *flow_or_null(const ps_flow_table *t, flow_ref r)
{
    return r ? flow_at(t, r) : NULL;
}

static inline flow_ref ref_of(const ps_flow *f)
{
    uintptr_t base = (uintptr_t)f & ~(uintptr_t)(SLAB_BYTES - 1u);
    uint32_t slab;
    memcpy(&slab, (const char *)base + SLAB_BYTES - SLAB_TAIL, sizeof slab);
    return slab << REF_SHIFT | (uint32_t)(((uintptr_t)f - base) >> 4);
}

void flow_config_defaults(ps_flow_config *cfg)
{
    const int64_t s = 1000000000;
    /* Every field: a field added later defaults to 0, not to what the
     * caller's stack held (zeek_state was left so). */
    *cfg = (ps_flow_config){0};
    cfg->idle_timeout_ns = PS_DEFAULT_IDLE_TIMEOUT_S * s;
    cfg->active_timeout_ns = PS_DEFAULT_ACTIVE_TIMEOUT_S * s;
    cfg->close_linger_ns = PS_DEFAULT_CLOSE_LINGER_S * s;
    cfg->max_flows = PS_DEFAULT_MAX_FLOWS;
    cfg->max_fragments = PS_DEFAULT_MAX_FRAGMENTS;
    cfg->fragment_timeout_ns = PS_DEFAULT_FRAGMENT_TIMEOUT_S * s;
}

const char *ps_end_reason_name(int reason)
{
    static const char *const names[PS_END_COUNT] = {
        [PS_END_NONE] = "none",       [PS_END_FIN] = "fin",
        [PS_END_RST] = "rst",         [PS_END_ABORT] = "abort",
        [PS_END_SHUTDOWN] = "shutdown", [PS_END_DCCP_RESET] = "dccp-reset",
        [PS_END_IDLE] = "idle",       [PS_END_ACTIVE] = "active",
        [PS_END_EVICTED] = "evicted", [PS_END_EOF] = "eof",
        [PS_END_REUSED] = "reused",
    };
    if (reason < 0 || reason >= PS_END_COUNT)
        return "unknown";
    return names[reason];
}

/* ---- keys and hashing ---- */

/* Compares addresses as 16-byte big-endian numbers (memcmp order), then
 * ports: two word compares instead of a library call per packet. */
static uint64_t load_be64(const uint8_t *b)
{
    uint64_t v;
    memcpy(&v, b, sizeof v);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static int endpoint_after(const uint8_t *a, uint16_t a_port, const uint8_t *b, uint16_t b_port)
{
    uint64_t a0 = load_be64(a), b0 = load_be64(b);
    if (a0 != b0)
        return a0 > b0;
    uint64_t a1 = load_be64(a + 8), b1 = load_be64(b + 8);
    if (a1 != b1)
        return a1 > b1;
    return a_port > b_port;
}

/* The key of pkt whose sender is endpoint b when swap is 1 (context 0). */
static void key_of_side(const ps_packet *pkt, int swap, ps_flow_key *key)
{
    memset(key, 0, sizeof(*key));
    memcpy(key->addr_a, swap ? pkt->dst : pkt->src, sizeof(key->addr_a));
    memcpy(key->addr_b, swap ? pkt->src : pkt->dst, sizeof(key->addr_b));
    key->port_a = swap ? pkt->dport : pkt->sport;
    key->port_b = swap ? pkt->sport : pkt->dport;
    key->family = pkt->family;
    key->transport = pkt->transport;
}

void flow_key_from_packet(const ps_packet *pkt, ps_flow_key *key, int *sender_is_b)
{
    int swap = endpoint_after(pkt->src, pkt->sport, pkt->dst, pkt->dport);
    key_of_side(pkt, swap, key);
    *sender_is_b = swap;
}

static int context_grow(ps_flow_table *t)
{
    size_t size = t->context_size ? t->context_size * 2 : 64;
    uint64_t *keys = calloc(size, sizeof *keys);
    uint16_t *ids = calloc(size, sizeof *ids);
    if (!keys || !ids) {
        free(keys);
        free(ids);
        return -1;
    }
    for (size_t i = 0; i < t->context_size; i++) {
        if (!t->context_keys[i])
            continue;
        size_t j = (size_t)(t->context_keys[i] * 0x9e3779b97f4a7c15u >> 20) & (size - 1);
        while (keys[j])
            j = (j + 1) & (size - 1);
        keys[j] = t->context_keys[i];
        ids[j] = t->context_ids[i];
    }
    free(t->context_keys);
    free(t->context_ids);
    t->context_keys = keys;
    t->context_ids = ids;
    t->context_size = size;
    return 0;
}

/* The number of a packet's VNI path (ps_packet.context, not 0): only
 * packets inside VXLAN or Geneve come here. Numbers are the table's own, so
 * a key stays 40 bytes; past PS_FLOW_MAX_CONTEXTS paths (or without memory)
 * the last number is shared and counted. */
static uint16_t context_number(ps_flow_table *t, uint64_t ctx)
{
    if (t->context_size) {
        size_t j = (size_t)(ctx * 0x9e3779b97f4a7c15u >> 20) & (t->context_size - 1);
        for (; t->context_keys[j]; j = (j + 1) & (t->context_size - 1))
            if (t->context_keys[j] == ctx)
                return t->context_ids[j];
    }
    if (t->contexts >= PS_FLOW_MAX_CONTEXTS - 1 ||
        ((t->contexts + 1) * 2 > t->context_size && context_grow(t) != 0)) {
        t->contexts_shared++;
        return (uint16_t)PS_FLOW_MAX_CONTEXTS;
    }
    size_t j = (size_t)(ctx * 0x9e3779b97f4a7c15u >> 20) & (t->context_size - 1);
    while (t->context_keys[j])
        j = (j + 1) & (t->context_size - 1);
    t->context_keys[j] = ctx;
    t->context_ids[j] = (uint16_t)++t->contexts;
    return t->context_ids[j];
}

/* flow_key_from_packet and the packet's address space. */
static void packet_key(ps_flow_table *t, const ps_packet *pkt, ps_flow_key *key, int *sender_is_b)
{
    flow_key_from_packet(pkt, key, sender_is_b);
    if (pkt->context)
        key->context = context_number(t, pkt->context);
}

/* The last word is put together from its fields rather than loaded: the key
 * was just written field by field, and a wide load over narrow stores waits
 * for them to retire. */
static uint32_t key_hash(const ps_flow_key *key)
{
    uint64_t w[5];
    _Static_assert(sizeof(ps_flow_key) == sizeof(w), "flow key is five words");
    memcpy(w, key->addr_a, 16);
    memcpy(w + 2, key->addr_b, 16);
    w[4] = (uint64_t)key->port_a | (uint64_t)key->port_b << 16 |
           (uint64_t)key->family << 32 | (uint64_t)key->transport << 40 |
           (uint64_t)key->context << 48;
    /* Each word is multiplied by its own odd constant (independent
     * multiplies, not a chain), the products summed and mixed once. */
    uint64_t h = (w[0] ^ 0x9e3779b97f4a7c15u) * 0xbf58476d1ce4e5b9u +
                 (w[1] ^ 0x94d049bb133111ebu) * 0xd6e8feb86659fd93u +
                 (w[2] ^ 0xa0761d6478bd642fu) * 0xe7037ed1a0b428dbu +
                 (w[3] ^ 0x8ebc6af09c88c6e3u) * 0x589965cc75374cc3u +
                 (w[4] ^ 0x1d8e4e27c47d124fu) * 0x94d049bb133111ebu;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 32;
    return (uint32_t)h;
}

/* Keys are five words; comparing them inline avoids a library call per
 * packet and stops at the first differing word. */
static int key_equal(const ps_flow_key *a, const ps_flow_key *b)
{
    uint64_t x[5], y[5];
    memcpy(x, a, sizeof x);
    memcpy(y, b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

static ps_flow *hash_find(const ps_flow_table *t, const ps_flow_key *key, uint32_t hash)
{
    for (flow_ref r = t->buckets[hash & t->mask]; r;) {
        ps_flow *f = flow_at(t, r);
        if (f->hash == hash && key_equal(&f->key, key))
            return f;
        r = f->hash_next;
    }
    return NULL;
}

/* From HUGE_MAP_FROM bytes on the buckets are a huge-page mapping: they are
 * written all over when the table grows, and small pages would cost a fault
 * each (a million flows' growth took about 500 before 2 MiB). */
static flow_ref *buckets_alloc(uint32_t n)
{
    size_t len = (size_t)n * sizeof(flow_ref);
    return len < HUGE_MAP_FROM ? calloc(n, sizeof(flow_ref)) : huge_map(len);
}

static void buckets_free(flow_ref *b, uint32_t n)
{
    size_t len = (size_t)n * sizeof(flow_ref);
    if (len < HUGE_MAP_FROM)
        free(b);
    else
        huge_unmap(b, len);
}

static int flow_is_live(const ps_flow *f);

/* The Zeek state in f's slot; only for tables that keep one (t->zeek). */
static inline ps_zeek_state *zeek_state_of(ps_flow *f)
{
    return (ps_zeek_state *)(void *)((char *)f + PS_FLOW_EXT_OFFSET);
}

/* The buckets a new table starts with: one per flow its limit allows (a
 * power of two), up to INITIAL_BUCKETS_MAX; INITIAL_BUCKETS for a table
 * without a limit. Growing is dear: each doubling walks every flow again and
 * makes a new array resident (bench/compare.sh --flood 1000000: 137 ns a
 * packet above the floor growing from 256, 98-107 with the array at its
 * full size from the start). The array is a huge-page
 * mapping from 256 KiB on; the default limit's 4 MiB become resident as
 * flows hash all over it, whatever the capture's size. */
static uint32_t initial_buckets(size_t max_flows)
{
    uint32_t n = INITIAL_BUCKETS;
    while (max_flows > 0 && n < max_flows && n < INITIAL_BUCKETS_MAX)
        n *= 2;
    return n;
}

/* Doubling keeps the load at or below one; if memory is short the table
 * keeps working with longer chains. Flows are visited in memory order, slab
 * by slab, rather than chain by chain: a chain walk touches every flow at
 * random, a million flows cost a million cache misses. */
static void hash_grow(ps_flow_table *t)
{
    uint32_t nbuckets = (t->mask + 1) * 2;
    if (nbuckets == 0)
        return;
    flow_ref *b = buckets_alloc(nbuckets);
    if (!b)
        return;
    for (uint32_t s = 1; s <= t->nslabs; s++) {
        size_t n = s == t->nslabs ? t->slab_used : t->flows_per_slab;
        for (size_t i = 0; i < n; i++) {
            ps_flow *f = (ps_flow *)(void *)(t->slab_mem[s] + i * t->slot);
            if (!flow_is_live(f))
                continue;
            flow_ref *head = &b[f->hash & (nbuckets - 1)];
            f->hash_next = *head;
            *head = ref_of(f);
        }
    }
    buckets_free(t->buckets, t->mask + 1);
    t->buckets = b;
    t->mask = nbuckets - 1;
}

/* Room for one more flow, before it becomes live (see flow_is_live). */
static void hash_reserve(ps_flow_table *t)
{
    if (t->count >= (size_t)t->mask + 1)
        hash_grow(t);
}

static void hash_insert(ps_flow_table *t, ps_flow *f)
{
    flow_ref *bucket = &t->buckets[f->hash & t->mask];
    f->hash_next = *bucket;
    *bucket = ref_of(f);
    t->count++;
}

/* Chains hold one flow on average, so finding the link that points to the
 * flow costs the bucket's line and rarely more. */
static void hash_remove(ps_flow_table *t, ps_flow *f)
{
    flow_ref r = ref_of(f);
    flow_ref *link = &t->buckets[f->hash & t->mask];
    while (*link && *link != r)
        link = &flow_at(t, *link)->hash_next;
    if (*link)
        *link = f->hash_next;
    t->count--;
}

/* ---- time-ordered lists ---- */

static void age_append(ps_flow_table *t, ps_flow *f)
{
    flow_list *l = &t->age;
    flow_ref r = ref_of(f);
    f->age_next = 0;
    f->age_prev = l->tail ? ref_of(l->tail) : 0;
    if (l->tail)
        l->tail->age_next = r;
    else
        l->head = f;
    l->tail = f;
}

static void age_remove(ps_flow_table *t, ps_flow *f)
{
    flow_list *l = &t->age;
    ps_flow *prev = flow_or_null(t, f->age_prev), *next = flow_or_null(t, f->age_next);
    if (prev)
        prev->age_next = f->age_next;
    else
        l->head = next;
    if (next)
        next->age_prev = f->age_prev;
    else
        l->tail = prev;
    f->age_prev = f->age_next = 0;
}

/* ---- the idle and closing queues ---- */

#define NO_TIMEOUT (-1)

static int timer_before(const timer_entry *a, const timer_entry *b)
{
    return a->stamp < b->stamp || (a->stamp == b->stamp && a->seq < b->seq);
}

static void heap_sift_up(timer_heap *h, size_t i)
{
    timer_entry e = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(&e, &h->v[parent]))
            break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = e;
}

static void heap_sift_down(timer_heap *h, size_t i)
{
    timer_entry e = h->v[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && timer_before(&h->v[child + 1], &h->v[child]))
            child++;
        if (!timer_before(&h->v[child], &e))
            break;
        h->v[i] = h->v[child];
        i = child;
    }
    h->v[i] = e;
}

static void heap_pop(timer_heap *h)
{
    h->n--;
    if (h->n > 0) {
        h->v[0] = h->v[h->n];
        heap_sift_down(h, 0);
    }
}

static int entry_is_current(const ps_flow_table *t, const timer_entry *e)
{
    return flow_at(t, e->flow)->timer_seq == e->seq;
}

static void heap_compact(const ps_flow_table *t, timer_heap *h)
{
    size_t kept = 0;
    for (size_t i = 0; i < h->n; i++)
        if (entry_is_current(t, &h->v[i]))
            h->v[kept++] = h->v[i];
    h->n = kept;
    for (size_t i = kept / 2; i-- > 0;)
        heap_sift_down(h, i);
}

static int heap_push(timer_heap *h, const timer_entry *e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        timer_entry *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return 0;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n] = *e;
    heap_sift_up(h, h->n++);
    return 1;
}

static timer_entry *ring_at(const timer_queue *q, size_t i)
{
    return &q->ring[(q->head + i) & (q->cap - 1)];
}

/* Order is kept, so the ring stays sorted. */
static void ring_compact(const ps_flow_table *t, timer_queue *q)
{
    size_t kept = 0;
    for (size_t i = 0; i < q->n; i++)
        if (entry_is_current(t, ring_at(q, i)))
            *ring_at(q, kept++) = *ring_at(q, i);
    q->n = kept;
}

/* The ring is a mapping of its own. Below HUGE_MAP_FROM bytes it is grown
 * with mremap: its pages move to the larger ring instead of being copied
 * into new ones, so a ring that grew to N bytes has made N bytes resident,
 * not 2N (each first touch of a page is a fault, about 12 us on the
 * benchmark's virtual machine). From HUGE_MAP_FROM bytes on, the ring is a
 * mapping of whole huge pages (huge_map): it is copied once into its first
 * 2 MiB, grows within that in place up to 2 MiB, and beyond that moves its
 * huge pages to the start of a mapping twice as large, whose new half then
 * becomes resident 2 MiB at a time. 200,000 flows' rings (1 MiB each) took
 * 512 small pages; a million flows' (16 MiB) would take 4,096. */

/* The bytes mapped for a ring of `bytes`. */
static size_t ring_mapped(size_t bytes)
{
    return bytes < HUGE_MAP_FROM ? bytes : huge_map_bytes(bytes);
}

static void ring_unmap(timer_queue *q)
{
    if (q->ring)
        munmap(q->ring, ring_mapped(q->cap * sizeof(*q->ring)));
}

static void *ring_map(void *old, size_t old_bytes, size_t bytes)
{
    if (bytes < HUGE_MAP_FROM)
        return old ? mremap(old, old_bytes, bytes, MREMAP_MAYMOVE)
                   : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (old && ring_mapped(old_bytes) >= bytes)
        return old;               /* room in its huge page already */
    char *at = huge_map_thp(bytes);   /* moved with mremap: not from the pool */
    if (!at)
        return MAP_FAILED;
    /* Whole huge pages move where they can (the old ring is one mapping);
     * small pages are copied, as moving them into the new mapping's first
     * 2 MiB would keep that from becoming a huge page. */
    if (old_bytes < HUGE_MAP_FROM ||
        mremap(old, old_bytes, old_bytes, MREMAP_MAYMOVE | MREMAP_FIXED, at) == MAP_FAILED) {
        memcpy(at, old, old_bytes);
        munmap(old, ring_mapped(old_bytes));
    }
    huge_advise(at, old_bytes);
    /* The new part fills as flows are filed: the slab helper, if it runs,
     * makes it resident meanwhile (a million flows' ring clears 14 MiB of
     * fresh huge pages as it grows). */
    size_t kept = ring_mapped(old_bytes);
    slab_reserve_populate(at + kept, huge_map_bytes(bytes) - kept);
    return at;
}

static int ring_push(timer_queue *q, const timer_entry *e)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        void *v = ring_map(q->ring, q->cap * sizeof(*q->ring), cap * sizeof(*q->ring));
        if (v == MAP_FAILED)
            return 0;
        /* The ring was full: entries [head, cap) then [0, head). The
         * second run moves up behind the first, into the new half. */
        q->ring = v;
        memcpy(q->ring + q->cap, q->ring, q->head * sizeof(*q->ring));
        q->cap = cap;
    }
    *ring_at(q, q->n++) = *e;
    return 1;
}

/* Entries whose flows moved on are dropped when they surface; when they
 * make up most of a queue (many short flows ended by their protocol within
 * one idle timeout), it is rebuilt from the current ones first. */
static void queue_compact_if_stale(ps_flow_table *t, timer_queue *q)
{
    size_t limit = 2 * t->count + 64;
    if (q->n == q->cap && q->n > limit)
        ring_compact(t, q);
    if (q->late.n == q->late.cap && q->late.n > limit)
        heap_compact(t, &q->late);
}

/* File the flow under its last_ns; the entry it had before becomes stale.
 * Returns 0 when memory is short (the flow then keeps its old entry, or,
 * new, is never timed out; the table goes on). */
static int queue_file(ps_flow_table *t, timer_queue *q, ps_flow *f)
{
    /* Sequence numbers wrap after 2^32 filings, skipping 0 (a flow that is
     * not live). An entry that stale still in a queue could pass for its
     * flow's current one; it still ends the flow no earlier than the flow's
     * own entry would: a stamp before the flow's last packet only files the
     * flow again (queue_settle). */
    uint32_t seq = t->timer_seq + 1 ? t->timer_seq + 1 : 1;
    timer_entry e = {f->last_ns, seq, ref_of(f)};
    queue_compact_if_stale(t, q);
    int in_order = q->n == 0 || ring_at(q, q->n - 1)->stamp <= e.stamp;
    if (!(in_order ? ring_push(q, &e) : heap_push(&q->late, &e)))
        return 0;
    t->timer_seq = e.seq;
    f->timer_seq = e.seq;
    return 1;
}

/* The earliest entry, current or not, or NULL when the queue is empty. */
static timer_entry *queue_front(const timer_queue *q)
{
    timer_entry *r = q->n ? ring_at(q, 0) : NULL;
    timer_entry *h = q->late.n ? &q->late.v[0] : NULL;
    if (!r || (h && timer_before(h, r)))
        return h;
    return r;
}

static void queue_pop_front(timer_queue *q, const timer_entry *front)
{
    if (q->n && front == ring_at(q, 0)) {
        q->head = (q->head + 1) & (q->cap - 1);
        q->n--;
    } else {
        heap_pop(&q->late);
    }
}

#define SETTLE_AHEAD 4   /* entries ahead whose flows queue_settle fetches */

/* Settle the front: drop stale entries and file busy flows again under
 * their latest packet, until the front is exact or its deadline (stamp +
 * timeout; NO_TIMEOUT: never) lies past `now`. Returns the exact front's
 * flow, or NULL with *when a lower bound of every deadline in the queue. */
static ps_flow *queue_settle(ps_flow_table *t, timer_queue *q, int64_t timeout, int64_t now,
                             int64_t *when)
{
    timer_entry *front;
    while ((front = queue_front(q)) != NULL) {
        *when = timeout == NO_TIMEOUT ? INT64_MAX
              : front->stamp > INT64_MAX - timeout ? INT64_MAX : front->stamp + timeout;
        if (*when > now)
            return NULL;
        /* Each entry settled reads its flow, a line anywhere in the slabs:
         * the flow of the ring entry SETTLE_AHEAD places on is fetched now,
         * for when that entry comes to the front (most entries that come
         * due are stale, and go by a few a packet). */
        if (q->n > SETTLE_AHEAD)
            __builtin_prefetch(flow_at(t, ring_at(q, SETTLE_AHEAD)->flow));
        ps_flow *f = flow_at(t, front->flow);
        int current = entry_is_current(t, front), busy = f->last_ns > front->stamp;
        if (current && !busy)
            return f;
        queue_pop_front(q, front);
        /* Busy since it was filed: file it again. Without memory for that
         * it ends at its old deadline rather than never. */
        if (current && !queue_file(t, q, f)) {
            *when = now;
            return f;
        }
    }
    *when = INT64_MAX;
    return NULL;
}


static int flow_is_empty(const ps_flow *f)
{
    return f->dir[0].pkts == 0 && f->dir[1].pkts == 0;
}

/* Out of the age list; a walk's next flow moves on past it. */
static void age_leave(ps_flow_table *t, ps_flow *f)
{
    if (t->walk == f)
        t->walk = flow_or_null(t, f->age_next);
    age_remove(t, f);
}

/* ---- create, end, recycle ---- */

ps_flow_table *flow_table_create(const ps_flow_config *cfg, ps_flow_end_fn on_end, void *ctx)
{
    ps_flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->on_end = on_end;
    t->ctx = ctx;
    t->zeek = cfg->zeek_state != 0;
    t->slot = FLOW_SLOT + (t->zeek ? sizeof(ps_zeek_state) : 0);
    t->flows_per_slab = (SLAB_BYTES - SLAB_TAIL) / t->slot;
    uint32_t nbuckets = initial_buckets(cfg->max_flows);
    t->buckets = buckets_alloc(nbuckets);
    t->mask = nbuckets - 1;     /* before any failure: destroy frees the buckets by it */
    t->next_check_ns = INT64_MAX;
    t->frag_check_ns = INT64_MAX;
    t->frags = frag_cache_create(cfg->max_fragments, cfg->fragment_timeout_ns);
    t->tunnels = tunnel_table_create();
    if (!t->buckets || !t->frags || !t->tunnels) {
        flow_table_destroy(t);
        return NULL;
    }
    return t;
}

void flow_table_on_start(ps_flow_table *t, ps_flow_start_fn on_start, void *ctx)
{
    t->on_start = on_start;
    t->start_ctx = ctx;
}

void flow_table_on_end_soon(ps_flow_table *t, ps_flow_soon_fn soon)
{
    t->on_end_soon = soon;
}

void flow_table_destroy(ps_flow_table *t)
{
    if (!t)
        return;
    for (uint32_t s = 1; s <= t->nslabs; s++)
        huge_slab_free(t->slab_mem[s]);
    free(t->slab_mem);
    frag_cache_destroy(t->frags);
    tunnel_table_free(t->tunnels);
    free(t->context_keys);
    free(t->context_ids);
    ring_unmap(&t->idle);
    free(t->idle.late.v);
    ring_unmap(&t->closing);
    free(t->closing.late.v);
    buckets_free(t->buckets, t->mask + 1);
    free(t);
}

/* A flow is live from its filing in the idle queue (flow_new) until
 * flow_end; slots on the free list and fresh ones have timer_seq 0. */
static int flow_is_live(const ps_flow *f)
{
    return f->timer_seq != 0;
}

/* A new slab, numbered nslabs + 1; 0 when memory is short or the numbers
 * have run out. */
static int slab_add(ps_flow_table *t)
{
    if (t->nslabs == MAX_SLABS)
        return 0;
    if (t->nslabs + 1 >= t->slab_cap) {
        uint32_t cap = t->slab_cap ? t->slab_cap * 2 : 16;
        char **v = realloc(t->slab_mem, cap * sizeof(*v));
        if (!v)
            return 0;
        t->slab_mem = v;
        t->slab_cap = cap;
    }
    /* Past the first, a slab may come ready from the slab helper thread
     * (slab_reserve.h). */
    char *mem = t->nslabs ? slab_reserve_take() : NULL;
    if (!mem) {
        /* The first slab too in a huge page: one fault for its 2 MiB, where
         * small pages took one per 4 KiB as flows filled it (about 13,000
         * flows fill it); a short capture's resident size grows by 2 MiB at
         * most. */
        mem = huge_slab_alloc();
        if (!mem)
            return 0;
    }
    uint32_t n = ++t->nslabs;
    if (n >= 2)
        slab_reserve_want();
    memcpy(mem + SLAB_BYTES - SLAB_TAIL, &n, sizeof n);
    t->slab_mem[n] = mem;
    t->slab_used = 0;
    return 1;
}

static ps_flow *flow_alloc(ps_flow_table *t)
{
    ps_flow *f;
    if (t->free_flows) {
        f = flow_at(t, t->free_flows);
        t->free_flows = f->hash_next;
    } else {
        if ((!t->nslabs || t->slab_used == t->flows_per_slab) && !slab_add(t))
            return NULL;
        f = (ps_flow *)(void *)(t->slab_mem[t->nslabs] + t->slab_used++ * t->slot);
    }
    memset(f, 0, t->slot);
    f->has_zeek = t->zeek != 0;
    return f;
}

static void flow_recycle(ps_flow_table *t, ps_flow *f)
{
    f->hash_next = t->free_flows;
    t->free_flows = ref_of(f);
}

/* Take the flow out of the table, hand it to the sink if it holds packets,
 * and recycle it. */
static void flow_end(ps_flow_table *t, ps_flow *f, int reason)
{
    if (t->emptying)
        t->count--;      /* the buckets are cleared at once afterwards */
    else
        hash_remove(t, f);
    f->timer_seq = 0;   /* its queue entry is stale from now on */
    if (!flow_is_empty(f)) {
        age_leave(t, f);
        f->end_reason = (uint8_t)reason;
        t->counters.flows_ended++;
        if (t->on_end)
            t->on_end(f, t->ctx);
    }
    flow_recycle(t, f);
}

/* A flow that ended by protocol keeps that reason however it leaves. */
static int end_reason_for(const ps_flow *f, int reason)
{
    return f->closing ? f->end_reason : reason;
}

/* Hand the long flow's record over and keep the flow, empty, for its next
 * packet: the conversation goes on and keeps its originator. */
static void flow_active_restart(ps_flow_table *t, ps_flow *f)
{
    age_leave(t, f);
    f->end_reason = PS_END_ACTIVE;
    t->counters.flows_ended++;
    if (t->on_end)
        t->on_end(f, t->ctx);
    f->end_reason = PS_END_NONE;
    memset(f->dir, 0, sizeof(f->dir));
    f->tunnel[0] = f->tunnel[1] = PS_TUNNEL_NONE;
    if (t->zeek)
        memset(zeek_state_of(f), 0, sizeof(ps_zeek_state));
    /* The next record starts its chunk set afresh; a DCCP flow keeps its
     * Service Code (the field the chunk set shares), as it keeps its
     * originator. */
    if (f->key.transport == PS_TRANSPORT_SCTP)
        f->sctp_chunks = 0;
    f->dccp_types = 0;
}

/* ---- expiry ---- */

static int64_t deadline(int64_t t0, int64_t timeout)
{
    if (timeout <= 0 || t0 > INT64_MAX - timeout)
        return INT64_MAX;
    return t0 + timeout;
}

static int64_t linger_deadline(const ps_flow_table *t, const ps_flow *f)
{
    int64_t linger = t->cfg.close_linger_ns > 0 ? t->cfg.close_linger_ns : 0;
    return f->last_ns > INT64_MAX - linger ? INT64_MAX : f->last_ns + linger;
}

enum { EXP_NONE, EXP_CLOSING, EXP_IDLE, EXP_ACTIVE };

/* The earliest deadline due at now among the queues and the age list, in
 * *flow with its kind; EXP_NONE when none is due, *when then a lower bound
 * of every pending deadline. Ties go to closing, then idle, then active. */
static int next_expiry(ps_flow_table *t, int64_t now, ps_flow **flow, int64_t *when)
{
    int kind = EXP_NONE;
    int64_t w;
    *when = INT64_MAX;
    *flow = NULL;
    int64_t linger = t->cfg.close_linger_ns > 0 ? t->cfg.close_linger_ns : 0;
    ps_flow *closed = queue_settle(t, &t->closing, linger, now, &w);
    if (w < *when) {
        *when = w;
        *flow = closed;
        kind = closed ? EXP_CLOSING : EXP_NONE;
    }
    int64_t idle = t->cfg.idle_timeout_ns > 0 ? t->cfg.idle_timeout_ns : NO_TIMEOUT;
    ps_flow *open = queue_settle(t, &t->idle, idle, now, &w);
    if (w < *when) {
        *when = w;
        *flow = open;
        kind = open ? EXP_IDLE : EXP_NONE;
    }
    if (t->age.head && deadline(t->age.head->first_ns, t->cfg.active_timeout_ns) < *when) {
        *when = deadline(t->age.head->first_ns, t->cfg.active_timeout_ns);
        *flow = t->age.head;
        kind = *when <= now ? EXP_ACTIVE : EXP_NONE;
    }
    return kind;
}

static void take_fragment_drops(ps_flow_table *t, const ps_frag_drops *drops)
{
    t->frag_check_ns = frag_cache_next_expiry(t->frags);
    t->counters.fragment_cache_evictions += drops->evictions;
    t->counters.fragments_unmatched += drops->unmatched;
}

/* A deadline entered a list: the next check may have to come sooner. */
static void note_deadline(ps_flow_table *t, int64_t when)
{
    if (when < t->next_check_ns)
        t->next_check_ns = when;
}

/* Deadlines are handled in time order, so a long flow that went quiet ends
 * as "active" if its active deadline came before its idle one.
 *
 * next_check_ns is a lower bound on every pending deadline: a flow's
 * deadline only moves later as packets come, and every new entry lowers the
 * bound to its own, so most packets skip looking at the queues at all. */
static void expire_fragments(ps_flow_table *t, int64_t now_ns)
{
    if (now_ns < t->frag_check_ns)
        return;
    ps_frag_drops drops = {0, 0};
    frag_cache_expire(t->frags, now_ns, &drops);
    take_fragment_drops(t, &drops);
}

static void expire_at(ps_flow_table *t, int64_t now_ns)
{
    ps_flow *f;
    int64_t when;
    int kind;
    if (now_ns < t->next_check_ns) {
        expire_fragments(t, now_ns);
        return;
    }
    while ((kind = next_expiry(t, now_ns, &f, &when)) != EXP_NONE) {
        if (kind == EXP_CLOSING)
            flow_end(t, f, f->end_reason);
        else if (kind == EXP_IDLE)
            flow_end(t, f, PS_END_IDLE);
        else if (f->closing)
            flow_end(t, f, f->end_reason);
        else
            flow_active_restart(t, f);
    }
    t->next_check_ns = when;
    expire_fragments(t, now_ns);
}

/* End every flow still filed in the queue, in no particular order (they
 * hold no packets when flushing; a closed flow keeps its reason), and empty
 * it. */
static void drain_entry(ps_flow_table *t, const timer_entry *e, int reason)
{
    if (entry_is_current(t, e)) {
        ps_flow *f = flow_at(t, e->flow);
        flow_end(t, f, end_reason_for(f, reason));
    }
}

static void queue_drain(ps_flow_table *t, timer_queue *q, int reason)
{
    /* With no flow left in the table every entry is stale: the queue is
     * emptied without reading the flow behind each one. */
    for (size_t i = 0; t->count && i < q->n; i++)
        drain_entry(t, ring_at(q, i), reason);
    for (size_t i = 0; t->count && i < q->late.n; i++)
        drain_entry(t, &q->late.v[i], reason);
    q->n = q->head = 0;
    q->late.n = 0;
}

/* How many flows ahead flush gives its on_end_soon hint. */
#define FLUSH_AHEAD 8u

/* Fragments still parked will not meet their first fragment now, so they are
 * counted unmatched here, before the counters are reported. */
void flow_table_flush(ps_flow_table *t, ps_end_reason reason)
{
    flow_table_sync(t);
    ps_frag_drops drops = {0, 0};
    frag_cache_clear(t->frags, &drops);
    take_fragment_drops(t, &drops);
    /* Every flow ends, so none is unlinked from its hash chain one by one:
     * that walk touched a random bucket per flow, a cache miss each on a
     * large table. The buckets are cleared together once all have ended;
     * nothing looks a flow up meanwhile (the sink only reads the record). */
    t->emptying = 1;
    /* The flows end in age order: the caller hears of each FLUSH_AHEAD
     * flows before its end (on_end_soon), to fetch what that will touch
     * (a million flows ending make as many cache misses otherwise). */
    ps_flow *ahead = t->on_end_soon ? t->age.head : NULL;
    unsigned lead = 0;
    while (t->age.head) {
        for (; ahead && lead < FLUSH_AHEAD; lead++) {
            t->on_end_soon(ahead, t->ctx);
            ahead = flow_or_null(t, ahead->age_next);
        }
        flow_end(t, t->age.head, end_reason_for(t->age.head, reason));
        if (lead)
            lead--;
    }
    /* What is left holds no packets: flows emptied by an active timeout
     * (usually none). */
    queue_drain(t, &t->idle, reason);
    queue_drain(t, &t->closing, reason);
    t->emptying = 0;
    memset(t->buckets, 0, ((size_t)t->mask + 1) * sizeof(*t->buckets));
}

/* Make room for one flow: end the one that has been quiet longest. A closed
 * flow only waiting for stray ACKs goes first on a tie and keeps its reason,
 * and an emptied flow leaves without a record; neither counts as evicted. */
static int evict_one(ps_flow_table *t)
{
    int64_t w;
    ps_flow *open = queue_settle(t, &t->idle, 0, INT64_MAX, &w);
    ps_flow *closed = queue_settle(t, &t->closing, 0, INT64_MAX, &w);
    ps_flow *victim = (!open || (closed && closed->last_ns <= open->last_ns)) ? closed : open;
    if (!victim)
        return 0;
    if (victim->closing) {
        flow_end(t, victim, victim->end_reason);
    } else if (flow_is_empty(victim)) {
        flow_end(t, victim, PS_END_EVICTED);
    } else {
        t->counters.flows_evicted++;
        flow_end(t, victim, PS_END_EVICTED);
    }
    return 1;
}

/* ---- per-packet accounting ---- */

static int handshake_kind(const ps_packet *p)
{
    switch (p->transport) {
    case PS_TRANSPORT_TCP:
        if (p->tcp_flags & PS_TCP_SYN)
            return (p->tcp_flags & PS_TCP_ACK) ? HS_REPLY : HS_INIT;
        return HS_NONE;
    case PS_TRANSPORT_SCTP:
        if (p->sctp_chunks & (1u << PS_SCTP_INIT))
            return HS_INIT;
        if (p->sctp_chunks & (1u << PS_SCTP_INIT_ACK))
            return HS_REPLY;
        return HS_NONE;
    case PS_TRANSPORT_DCCP:
        if (p->dccp_type == PS_DCCP_REQUEST)
            return HS_INIT;
        if (p->dccp_type == PS_DCCP_RESPONSE)
            return HS_REPLY;
        return HS_NONE;
    case PS_TRANSPORT_ICMP:
        /* A request names its sender the originator, even after its reply.
         * A reply alone does not name its receiver: unsolicited replies and
         * advertisements go to groups (ff02::1), which originate nothing. */
        return ps_icmp_role(p->family, (uint8_t)p->sport) == PS_ICMP_REQUEST ? HS_INIT : HS_NONE;
    default:
        return HS_NONE;
    }
}

/* The handshake names the originator even when its reply is seen first; the
 * first packet's sender is only a guess, replaced by a later handshake. */
static void update_originator(ps_flow *f, int hs, int sender_is_b, int is_new)
{
    if (hs == HS_NONE) {
        if (is_new) {
            f->orig = sender_is_b != 0;
            f->orig_basis = PS_ORIG_FIRST_PACKET;
        }
        return;
    }
    if (!is_new && f->orig_basis == PS_ORIG_HANDSHAKE)
        return;
    f->orig = hs == HS_INIT ? sender_is_b != 0 : !sender_is_b;
    f->orig_basis = PS_ORIG_HANDSHAKE;
}

static void flow_start_closing(ps_flow_table *t, ps_flow *f, int reason)
{
    if (f->closing)
        return;
    f->closing = 1;
    f->end_reason = (uint8_t)reason;
    /* Its idle entry goes stale; without memory for a closing entry it
     * stays an idle one and ends at the idle timeout instead. */
    if (!queue_file(t, &t->closing, f)) {
        f->closing = 0;
        f->end_reason = PS_END_NONE;
        return;
    }
    note_deadline(t, linger_deadline(t, f));
}

static void update_protocol_state(ps_flow_table *t, ps_flow *f, const ps_packet *p, int sender_is_b)
{
    switch (p->transport) {
    case PS_TRANSPORT_UDP:
        if (t->zeek)
            zeek_track_udp(zeek_state_of(f), p, sender_is_b);
        break;
    case PS_TRANSPORT_TCP:
        if (t->zeek)
            zeek_track_tcp(zeek_state_of(f), p, sender_is_b);
        if (p->tcp_flags & PS_TCP_RST)
            flow_start_closing(t, f, PS_END_RST);
        if (p->tcp_flags & PS_TCP_FIN) {
            f->fin_seen |= (uint8_t)(1u << sender_is_b);
            if (f->fin_seen == 3)
                flow_start_closing(t, f, PS_END_FIN);
        }
        break;
    case PS_TRANSPORT_SCTP:
        f->sctp_chunks |= p->sctp_chunks;
        if (p->sctp_chunks & (1u << PS_SCTP_ABORT))
            flow_start_closing(t, f, PS_END_ABORT);
        if (p->sctp_chunks & (1u << PS_SCTP_SHUTDOWN_COMPLETE))
            flow_start_closing(t, f, PS_END_SHUTDOWN);
        break;
    case PS_TRANSPORT_DCCP:
        if (p->dccp_type < 16)
            f->dccp_types |= (uint16_t)(1u << p->dccp_type);
        if (p->dccp_has_service_code && !f->dccp_has_service_code) {
            f->dccp_has_service_code = 1;
            f->dccp_service_code = p->dccp_service_code;
        }
        if (p->dccp_type == PS_DCCP_RESET)
            flow_start_closing(t, f, PS_END_DCCP_RESET);
        break;
    default:
        break;
    }
}

/* Count one packet (or fragment) in a direction. An empty flow (new, or
 * emptied by an active timeout) begins its record here. */
static void count_packet(ps_flow_table *t, ps_flow *f, const ps_packet *p, int dir)
{
    if (flow_is_empty(f)) {
        f->first_ns = p->ts_ns;
        f->last_ns = p->ts_ns;
        age_append(t, f);
        note_deadline(t, deadline(f->first_ns, t->cfg.active_timeout_ns));
        t->counters.flows_created++;
    }
    ps_dir_stats *d = &f->dir[dir];
    d->pkts++;
    d->frame_bytes += p->wire_len;
    d->ip_bytes += p->ip_bytes;
    d->tcp_flags |= p->tcp_flags;
    /* The chain is kept from each direction's first packet: interned once,
     * never looked at again on this direction's later packets. */
    if (p->encap_depth && f->tunnel[dir] == PS_TUNNEL_NONE)
        f->tunnel[dir] = tunnel_table_intern(t->tunnels, p);
    /* An open flow's idle entry stays where it is: its deadline only moved
     * later, and it is filed again if its old entry surfaces. A closed flow
     * gets few packets (the last ACK), and refiling it now, in time order,
     * keeps the closing queue a plain ring. */
    if (p->ts_ns > f->last_ns) {
        f->last_ns = p->ts_ns;
        if (f->closing)
            (void)queue_file(t, &t->closing, f);
    }
}

static ps_flow *flow_new(ps_flow_table *t, const ps_flow_key *key, uint32_t hash, const ps_packet *p)
{
    if (t->cfg.max_flows > 0)
        while (t->count >= t->cfg.max_flows && evict_one(t))
            ;
    ps_flow *f = flow_alloc(t);
    if (!f)
        return NULL;
    f->key = *key;
    f->hash = hash;
    f->vlan_id = p->vlan_id;
    f->last_ns = p->ts_ns;
    hash_reserve(t);
    if (!queue_file(t, &t->idle, f)) {
        flow_recycle(t, f);
        return NULL;
    }
    note_deadline(t, deadline(f->last_ns, t->cfg.idle_timeout_ns));
    hash_insert(t, f);
    if (t->count > t->counters.peak_flows)
        t->counters.peak_flows = t->count;
    if (t->on_start)
        t->on_start(&f->key, t->start_ctx);
    return f;
}

/* A later fragment whose first fragment has not come yet is parked in the
 * cache rather than counted: fragments are often reordered, and the first
 * fragment will name its flow (remember_first_fragment). */
static const ps_flow *account_fragment(ps_flow_table *t, const ps_packet *p)
{
    ps_frag_drops drops = {0, 0};
    int parked;
    const ps_frag_ref *ref = frag_cache_later(t->frags, p, &parked, &drops);
    take_fragment_drops(t, &drops);
    if (parked)
        return NULL;
    ps_flow *f = ref ? hash_find(t, &ref->key, key_hash(&ref->key)) : NULL;
    /* A flow begun since on the same 5-tuple is not the fragment's flow. */
    if (!f || f->first_ns != ref->flow_first_ns) {
        t->counters.fragments_unmatched++;
        return NULL;
    }
    count_packet(t, f, p, ref->sender_is_b);
    t->counters.fragments_matched++;
    return f;
}

/* Later fragments parked before this first fragment share its addresses, so
 * they count in its direction. The first fragment was just counted, so the
 * flow holds packets; raising its last_ns to theirs keeps its queue entry a
 * lower bound, as any packet does. first_ns stays the first fragment's time:
 * refs and the age list are keyed on it. */
static void credit_parked(ps_flow_table *t, ps_flow *f, const ps_frag_parked *parked, int dir)
{
    ps_dir_stats *d = &f->dir[dir];
    d->pkts += parked->pkts;
    d->frame_bytes += parked->frame_bytes;
    d->ip_bytes += parked->ip_bytes;
    if (parked->last_ns > f->last_ns)
        f->last_ns = parked->last_ns;
    t->counters.fragments_matched += parked->pkts;
}

static void remember_first_fragment(ps_flow_table *t, ps_flow *f, const ps_packet *p, int sender_is_b)
{
    ps_frag_ref ref;
    ps_frag_parked parked;
    ps_frag_drops drops = {0, 0};
    ref.key = f->key;
    ref.flow_first_ns = f->first_ns;
    ref.sender_is_b = (uint8_t)sender_is_b;
    frag_cache_insert(t->frags, p, &ref, &parked, &drops);
    take_fragment_drops(t, &drops);
    if (parked.pkts > 0)
        credit_parked(t, f, &parked, sender_is_b);
}

static const ps_flow *account_transport(ps_flow_table *t, const ps_packet *p,
                                        const ps_flow_key *key, uint32_t hash, int sender_is_b)
{
    ps_flow *f = hash_find(t, key, hash);
    int hs = handshake_kind(p);
    /* A new connection on the 5-tuple of a closed one: the old record ends
     * now, under the reason it closed with. */
    if (f && f->closing && hs == HS_INIT) {
        flow_end(t, f, f->end_reason);
        f = NULL;
    }
    int is_new = f == NULL;
    if (is_new && !(f = flow_new(t, key, hash, p)))
        return NULL;
    update_originator(f, hs, sender_is_b, is_new);
    count_packet(t, f, p, sender_is_b);
    update_protocol_state(t, f, p, sender_is_b);
    if (p->frag == PS_FRAG_FIRST)
        remember_first_fragment(t, f, p, sender_is_b);
    return f;
}

static const ps_flow *account_packet(ps_flow_table *t, const ps_packet *pkt,
                                     const ps_flow_key *key, uint32_t hash, int sender_is_b)
{
    /* Every frame carries the time forward, whatever it turned out to be. */
    expire_at(t, pkt->ts_ns);
    if (pkt->kind == PS_PKT_FRAGMENT)
        return account_fragment(t, pkt);
    if (pkt->kind != PS_PKT_TRANSPORT)
        return NULL;
    return account_transport(t, pkt, key, hash, sender_is_b);
}

const ps_flow *flow_table_packet(ps_flow_table *t, const ps_packet *pkt)
{
    ps_flow_key key;
    int sender_is_b = 0;
    uint32_t hash = 0;
    flow_table_sync(t);
    if (pkt->kind == PS_PKT_TRANSPORT) {
        packet_key(t, pkt, &key, &sender_is_b);
        hash = key_hash(&key);
    }
    return account_packet(t, pkt, &key, hash, sender_is_b);
}

void flow_table_expire(ps_flow_table *t, int64_t now_ns)
{
    flow_table_sync(t);
    expire_at(t, now_ns);
}

/* ---- the queue: the same accounting, with its memory fetched ahead ---- */

static void queue_pop(ps_flow_table *t)
{
    queued_packet *q = &t->queue[t->queue_head];
    t->queue_head = (t->queue_head + 1) % QUEUE_LEN;
    t->queue_len--;
    account_packet(t, &q->pkt, &q->key, q->hash, q->sender_is_b);
}

/* Every line the slot touches. A flow starts at most CACHE_LINE -
 * FLOW_ALIGN bytes into a line, so its last byte lies in the third line
 * from its first; the extension, if any, may end in a fourth. */
_Static_assert(CACHE_LINE - FLOW_ALIGN + sizeof(ps_flow) <= 3 * CACHE_LINE,
               "a flow spans at most the three lines prefetch_flow fetches");
static void prefetch_flow(const ps_flow_table *t, const ps_flow *f)
{
    const char *p = (const char *)f;
    __builtin_prefetch(p, 1);
    __builtin_prefetch(p + CACHE_LINE, 1);
    __builtin_prefetch(p + 2 * CACHE_LINE, 1);
    if (t->zeek)
        __builtin_prefetch(p + t->slot - 1, 1);
}

/* The queued packet that arrived `stage` arrivals before the newest. */
static const queued_packet *queued_at_stage(const ps_flow_table *t, unsigned stage)
{
    if (t->queue_len <= stage)
        return NULL;
    const queued_packet *m = &t->queue[(t->queue_head + t->queue_len - 1 - stage) % QUEUE_LEN];
    return m->pkt.kind == PS_PKT_TRANSPORT ? m : NULL;
}

/* The queue's next free entry, the oldest counted first if it is full. */
static queued_packet *queue_tail(ps_flow_table *t)
{
    if (t->queue_len == QUEUE_LEN)
        queue_pop(t);
    return &t->queue[(t->queue_head + t->queue_len) % QUEUE_LEN];
}

/* Queues the tail entry, whose packet and hint are in place. */
static void queue_admit(ps_flow_table *t, const queued_packet *q)
{
    if (q->pkt.kind == PS_PKT_TRANSPORT)
        __builtin_prefetch(&t->buckets[q->hash & t->mask]);
    t->queue_len++;
    /* Prefetches only: the table may change before these packets are
     * counted, which costs a miss, never a wrong answer. */
    const queued_packet *m = queued_at_stage(t, QUEUE_FLOW_STAGE);
    if (m) {
        flow_ref r = t->buckets[m->hash & t->mask];
        if (r)
            prefetch_flow(t, flow_at(t, r));
    }
}

ps_packet *flow_table_slot(ps_flow_table *t)
{
    return &queue_tail(t)->pkt;
}

void flow_table_commit(ps_flow_table *t)
{
    queued_packet *q = &t->queue[(t->queue_head + t->queue_len) % QUEUE_LEN];
    if (q->pkt.kind == PS_PKT_TRANSPORT) {
        packet_key(t, &q->pkt, &q->key, &q->sender_is_b);
        q->hash = key_hash(&q->key);
    }
    queue_admit(t, q);
}

void flow_hint_of(const ps_packet *pkt, ps_flow_hint *h)
{
    ps_flow_key key;
    int sender_is_b;
    h->hash = 0;
    h->sender_is_b = 0;
    if (pkt->kind != PS_PKT_TRANSPORT)
        return;
    flow_key_from_packet(pkt, &key, &sender_is_b);
    h->hash = key_hash(&key);
    h->sender_is_b = (uint32_t)sender_is_b;
}

void flow_table_queue_hinted(ps_flow_table *t, const ps_packet *pkt, const ps_encap_layer *layers,
                             const ps_flow_hint *h)
{
    queued_packet *q = queue_tail(t);
    memcpy(&q->pkt, pkt, PS_PACKET_CLEAR_LEN);
    unsigned depth = q->pkt.encap_depth < PS_ENCAP_MAX ? q->pkt.encap_depth : PS_ENCAP_MAX;
    if (depth)
        memcpy(q->pkt.layer, layers, depth * sizeof(*layers));
    if (q->pkt.kind == PS_PKT_TRANSPORT) {
        /* The key again, without comparing the endpoints: the hint says
         * which side sent. Only the table numbers a VNI path. */
        q->sender_is_b = (int)h->sender_is_b;
        key_of_side(&q->pkt, q->sender_is_b, &q->key);
        q->hash = h->hash;
        if (q->pkt.context) {
            q->key.context = context_number(t, q->pkt.context);
            q->hash = key_hash(&q->key);
        }
    }
    queue_admit(t, q);
}

void flow_table_queue(ps_flow_table *t, const ps_packet *pkt)
{
    *flow_table_slot(t) = *pkt;
    flow_table_commit(t);
}

void flow_table_sync(ps_flow_table *t)
{
    while (t->queue_len)
        queue_pop(t);
}

/* ---- inspection ---- */

void flow_table_foreach(const ps_flow_table *t, void (*fn)(const ps_flow *, void *), void *ctx)
{
    for (const ps_flow *f = t->age.head; f; f = flow_or_null(t, f->age_next))
        fn(f, ctx);
}

void flow_table_walk_begin(ps_flow_table *t)
{
    flow_table_sync(t);
    if (++t->walk_gen == 0)
        t->walk_gen = 1;
    t->walk = t->age.head;
    t->walking = 1;
}

/* A flow re-entering the list after an active timeout may be met again
 * behind the cursor: its mark says it was visited already. */
int flow_table_walk_step(ps_flow_table *t, size_t max, void (*fn)(const ps_flow *, void *),
                         void *ctx)
{
    flow_table_sync(t);
    for (size_t n = 0; t->walk && n < max; n++) {
        ps_flow *f = t->walk;
        t->walk = flow_or_null(t, f->age_next);
        if (f->walk_mark != t->walk_gen) {
            f->walk_mark = t->walk_gen;
            fn(f, ctx);
        }
    }
    if (t->walk)
        return 0;
    t->walking = 0;
    return 1;
}

int flow_table_walk_missed(const ps_flow_table *t, const ps_flow *f)
{
    return t->walking && f->walk_mark != t->walk_gen;
}

void flow_table_walk_cancel(ps_flow_table *t)
{
    t->walking = 0;
    t->walk = NULL;
}

size_t flow_table_count(const ps_flow_table *t)
{
    return t->count;
}

size_t flow_table_buckets(const ps_flow_table *t)
{
    return (size_t)t->mask + 1;
}

const ps_tunnel_chain *flow_table_tunnel(const ps_flow_table *t, const ps_flow *f, int resp)
{
    return tunnel_table_get(t->tunnels, f->tunnel[resp ? !f->orig : f->orig]);
}

void flow_table_contexts(const ps_flow_table *t, uint64_t *numbered, uint64_t *shared)
{
    *numbered = t->contexts;
    *shared = t->contexts_shared;
}

const ps_tunnel_table *flow_table_tunnels(const ps_flow_table *t)
{
    return t->tunnels;
}

size_t flow_table_slot_size(const ps_flow_table *t)
{
    return t->slot;
}

const ps_flow_counters *flow_table_counters(const ps_flow_table *t)
{
    return &t->counters;
}
