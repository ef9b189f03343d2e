/* Fragment cache: a pool of preallocated entries, a doubly linked list of the
 * live ones in the order they were made (so the oldest is always at its head,
 * for both timeout and eviction) and a chained hash index over them. An entry
 * made by parked fragments moves to the newest end when its first fragment
 * arrives, which a fixed ring could not do; the list keeps that O(1). Nothing
 * is allocated after creation, and nothing is written there either: the
 * index's links (bucket heads, chains, the free list) hold slot + 1 with 0
 * for none, so zeroed memory is an empty index, and slots never used are
 * handed out in order after the free list, so a capture with few fragments
 * makes few of the pool's pages resident. */
#include <stdlib.h>
#include <string.h>

#include "portsniff/fragment.h"

#define NO_SLOT UINT32_MAX

typedef struct frag_id_key {
    uint8_t  src[16];
    uint8_t  dst[16];
    uint32_t frag_id;
    uint8_t  family;
    uint8_t  ip_proto;       /* IPv4 only, 0 for IPv6 */
    uint8_t  pad[2];
} frag_id_key;

typedef struct frag_entry {
    frag_id_key id;
    int64_t  ts_ns;          /* when the entry was made; its timeout runs from here */
    uint32_t hash;
    uint32_t next;           /* slot + 1 of the next in the same bucket or the free list, 0: none */
    uint32_t older, newer;   /* neighbours in the order entries were made */
    uint8_t  pending;        /* 1: parked later fragments, first fragment not seen yet */
    ps_frag_ref ref;         /* valid when !pending */
    ps_frag_parked parked;   /* valid when pending */
} frag_entry;

struct ps_frag_cache {
    frag_entry *slots;
    uint32_t *buckets;       /* slot + 1 of each chain's first entry, 0: none */
    uint32_t  cap, count, mask;
    uint32_t  oldest, newest;
    uint32_t  free_list;     /* slot + 1 of a slot given back, 0: none */
    uint32_t  fresh;         /* slots from here on were never used */
    int64_t   timeout_ns;
};

/* IPv6 leaves the protocol out: a later fragment's next header is whatever
 * follows the fragment header (a destination options header, say), while the
 * first fragment's is the transport found after walking the whole chain. */
static void id_from_packet(const ps_packet *p, frag_id_key *id)
{
    memset(id, 0, sizeof(*id));
    memcpy(id->src, p->src, sizeof(id->src));
    memcpy(id->dst, p->dst, sizeof(id->dst));
    id->frag_id = p->frag_id;
    id->family = p->family;
    id->ip_proto = p->family == 4 ? p->ip_proto : 0;
}

static uint32_t id_hash(const frag_id_key *id)
{
    uint64_t w[5];
    _Static_assert(sizeof(frag_id_key) == sizeof(w), "fragment key is five words");
    memcpy(w, id, sizeof(w));
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 5; i++) {
        h = (h ^ w[i]) * 0xbf58476d1ce4e5b9u;
        h ^= h >> 31;
    }
    return (uint32_t)(h >> 32);
}

static uint32_t pow2_at_least(size_t n)
{
    uint32_t p = 1;
    while (p < n && p < (1u << 31))
        p <<= 1;
    return p;
}

ps_frag_cache *frag_cache_create(size_t max_entries, int64_t timeout_ns)
{
    ps_frag_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (max_entries > UINT32_MAX / 2)
        max_entries = UINT32_MAX / 2;
    c->cap = (uint32_t)max_entries;
    c->timeout_ns = timeout_ns;
    c->oldest = c->newest = NO_SLOT;
    if (c->cap == 0)
        return c;
    uint32_t nbuckets = pow2_at_least(max_entries);
    c->slots = calloc(c->cap, sizeof(*c->slots));
    c->buckets = calloc(nbuckets, sizeof(*c->buckets));
    if (!c->slots || !c->buckets) {
        frag_cache_destroy(c);
        return NULL;
    }
    c->mask = nbuckets - 1;
    return c;
}

void frag_cache_destroy(ps_frag_cache *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c->buckets);
    free(c);
}

/* ---- the list in order of making ---- */

static void order_unlink(ps_frag_cache *c, uint32_t slot)
{
    frag_entry *e = &c->slots[slot];
    if (e->older != NO_SLOT)
        c->slots[e->older].newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer != NO_SLOT)
        c->slots[e->newer].older = e->older;
    else
        c->newest = e->older;
}

static void order_append(ps_frag_cache *c, uint32_t slot)
{
    frag_entry *e = &c->slots[slot];
    e->older = c->newest;
    e->newer = NO_SLOT;
    if (c->newest != NO_SLOT)
        c->slots[c->newest].newer = slot;
    else
        c->oldest = slot;
    c->newest = slot;
}

/* ---- entries ---- */

static uint32_t find_slot(const ps_frag_cache *c, const frag_id_key *id, uint32_t hash)
{
    for (uint32_t s = c->buckets[hash & c->mask]; s; s = c->slots[s - 1].next) {
        const frag_entry *e = &c->slots[s - 1];
        if (e->hash == hash && memcmp(&e->id, id, sizeof(*id)) == 0)
            return s - 1;
    }
    return NO_SLOT;
}

/* Parked fragments leaving without their first fragment are unmatched. */
static void drop_slot(ps_frag_cache *c, uint32_t slot, ps_frag_drops *drops)
{
    frag_entry *e = &c->slots[slot];
    if (e->pending)
        drops->unmatched += e->parked.pkts;
    uint32_t *link = &c->buckets[e->hash & c->mask];
    while (*link != slot + 1)
        link = &c->slots[*link - 1].next;
    *link = e->next;
    order_unlink(c, slot);
    e->next = c->free_list;
    c->free_list = slot + 1;
    c->count--;
}

/* A new entry at the newest end; the oldest makes room when the cache is full. */
static frag_entry *make_entry(ps_frag_cache *c, const frag_id_key *id, uint32_t hash, int64_t ts_ns,
                              ps_frag_drops *drops)
{
    if (c->count == c->cap) {
        drop_slot(c, c->oldest, drops);
        drops->evictions++;
    }
    uint32_t slot;
    if (c->free_list) {
        slot = c->free_list - 1;
        c->free_list = c->slots[slot].next;
    } else {
        slot = c->fresh++;
    }
    frag_entry *e = &c->slots[slot];
    e->id = *id;
    e->hash = hash;
    e->ts_ns = ts_ns;
    uint32_t *bucket = &c->buckets[hash & c->mask];
    e->next = *bucket;
    *bucket = slot + 1;
    order_append(c, slot);
    c->count++;
    return e;
}

void frag_cache_expire(ps_frag_cache *c, int64_t now_ns, ps_frag_drops *drops)
{
    if (c->timeout_ns <= 0)
        return;
    while (c->oldest != NO_SLOT && now_ns - c->slots[c->oldest].ts_ns >= c->timeout_ns)
        drop_slot(c, c->oldest, drops);
}

int64_t frag_cache_next_expiry(const ps_frag_cache *c)
{
    if (c->timeout_ns <= 0 || c->oldest == NO_SLOT)
        return INT64_MAX;
    int64_t ts = c->slots[c->oldest].ts_ns;
    return ts > INT64_MAX - c->timeout_ns ? INT64_MAX : ts + c->timeout_ns;
}

void frag_cache_clear(ps_frag_cache *c, ps_frag_drops *drops)
{
    while (c->oldest != NO_SLOT)
        drop_slot(c, c->oldest, drops);
}

/* Expire what is due at the packet's time, then find its datagram's entry. */
static uint32_t find_datagram(ps_frag_cache *c, const ps_packet *p, frag_id_key *id,
                              uint32_t *hash, ps_frag_drops *drops)
{
    frag_cache_expire(c, p->ts_ns, drops);
    id_from_packet(p, id);
    *hash = id_hash(id);
    return find_slot(c, id, *hash);
}

/* A repeated first fragment, or one whose later fragments were parked, takes
 * over the existing entry: one entry per datagram, and its timeout starts
 * again from the first fragment like a fresh entry's would. */
void frag_cache_insert(ps_frag_cache *c, const ps_packet *first, const ps_frag_ref *ref,
                       ps_frag_parked *parked, ps_frag_drops *drops)
{
    memset(parked, 0, sizeof(*parked));
    if (c->cap == 0)
        return;
    frag_id_key id;
    uint32_t hash;
    uint32_t slot = find_datagram(c, first, &id, &hash, drops);
    frag_entry *e;
    if (slot == NO_SLOT) {
        e = make_entry(c, &id, hash, first->ts_ns, drops);
    } else {
        e = &c->slots[slot];
        if (e->pending)
            *parked = e->parked;
        order_unlink(c, slot);
        order_append(c, slot);
        e->ts_ns = first->ts_ns;
    }
    e->pending = 0;
    memset(&e->parked, 0, sizeof(e->parked));
    e->ref = *ref;
}

const ps_frag_ref *frag_cache_later(ps_frag_cache *c, const ps_packet *later, int *was_parked,
                                    ps_frag_drops *drops)
{
    *was_parked = 0;
    if (c->cap == 0)
        return NULL;
    frag_id_key id;
    uint32_t hash;
    uint32_t slot = find_datagram(c, later, &id, &hash, drops);
    frag_entry *e;
    if (slot != NO_SLOT) {
        e = &c->slots[slot];
        if (!e->pending)
            return &e->ref;
    } else {
        e = make_entry(c, &id, hash, later->ts_ns, drops);
        e->pending = 1;
        memset(&e->parked, 0, sizeof(e->parked));
        e->parked.last_ns = later->ts_ns;
    }
    e->parked.pkts++;
    e->parked.frame_bytes += later->wire_len;
    e->parked.ip_bytes += later->ip_bytes;
    if (later->ts_ns > e->parked.last_ns)
        e->parked.last_ns = later->ts_ns;
    *was_parked = 1;
    return NULL;
}

size_t frag_cache_count(const ps_frag_cache *c)
{
    return c->count;
}
