/* Fragment cache: a ring of preallocated entries in arrival order (so the
 * oldest is always at the head, for both timeout and eviction) plus a chained
 * hash index over ring slots. Nothing is allocated after creation. */
#include <stdlib.h>
#include <string.h>

#include "portsniff/fragment.h"

#define NO_SLOT UINT32_MAX

typedef struct frag_id_key {
    uint8_t  src[16];
    uint8_t  dst[16];
    uint32_t frag_id;
    uint8_t  family;
    uint8_t  ip_proto;
    uint8_t  pad[2];
} frag_id_key;

typedef struct frag_entry {
    frag_id_key id;
    int64_t  ts_ns;
    uint32_t hash;
    uint32_t next;       /* next slot in the same bucket */
    ps_frag_ref ref;
} frag_entry;

struct ps_frag_cache {
    frag_entry *slots;
    uint32_t *buckets;
    uint32_t  cap, head, count, mask;
    int64_t   timeout_ns;
};

static void id_from_packet(const ps_packet *p, frag_id_key *id)
{
    memset(id, 0, sizeof(*id));
    memcpy(id->src, p->src, sizeof(id->src));
    memcpy(id->dst, p->dst, sizeof(id->dst));
    id->frag_id = p->frag_id;
    id->family = p->family;
    id->ip_proto = p->ip_proto;
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
    if (c->cap == 0)
        return c;
    uint32_t nbuckets = pow2_at_least(max_entries);
    c->slots = calloc(c->cap, sizeof(*c->slots));
    c->buckets = malloc(nbuckets * sizeof(*c->buckets));
    if (!c->slots || !c->buckets) {
        frag_cache_destroy(c);
        return NULL;
    }
    memset(c->buckets, 0xff, nbuckets * sizeof(*c->buckets));
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

static void unlink_slot(ps_frag_cache *c, uint32_t slot)
{
    uint32_t *link = &c->buckets[c->slots[slot].hash & c->mask];
    while (*link != slot)
        link = &c->slots[*link].next;
    *link = c->slots[slot].next;
}

static void drop_oldest(ps_frag_cache *c)
{
    unlink_slot(c, c->head);
    c->head = (c->head + 1) % c->cap;
    c->count--;
}

/* A timeout of zero or less keeps entries until they are evicted. */
void frag_cache_expire(ps_frag_cache *c, int64_t now_ns)
{
    if (c->timeout_ns <= 0)
        return;
    while (c->count > 0 && now_ns - c->slots[c->head].ts_ns >= c->timeout_ns)
        drop_oldest(c);
}

int frag_cache_insert(ps_frag_cache *c, const ps_packet *first, const ps_frag_ref *ref)
{
    if (c->cap == 0)
        return 0;
    frag_cache_expire(c, first->ts_ns);
    int evicted = 0;
    if (c->count == c->cap) {
        drop_oldest(c);
        evicted = 1;
    }
    uint32_t slot = (c->head + c->count) % c->cap;
    frag_entry *e = &c->slots[slot];
    id_from_packet(first, &e->id);
    e->ts_ns = first->ts_ns;
    e->hash = id_hash(&e->id);
    e->ref = *ref;
    /* Newest first in the bucket, so a repeated first fragment wins. */
    uint32_t *bucket = &c->buckets[e->hash & c->mask];
    e->next = *bucket;
    *bucket = slot;
    c->count++;
    return evicted;
}

const ps_frag_ref *frag_cache_lookup(ps_frag_cache *c, const ps_packet *later)
{
    if (c->cap == 0)
        return NULL;
    frag_cache_expire(c, later->ts_ns);
    frag_id_key id;
    id_from_packet(later, &id);
    uint32_t hash = id_hash(&id);
    for (uint32_t s = c->buckets[hash & c->mask]; s != NO_SLOT; s = c->slots[s].next) {
        const frag_entry *e = &c->slots[s];
        if (e->hash == hash && memcmp(&e->id, &id, sizeof(id)) == 0)
            return &e->ref;
    }
    return NULL;
}

size_t frag_cache_count(const ps_frag_cache *c)
{
    return c->count;
}
