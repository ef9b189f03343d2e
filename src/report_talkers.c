/* Top talkers: an exact table that becomes a space-saving summary when it
 * is full (see report_agg.h for the guarantees). */
#include <stdlib.h>
#include <string.h>

#include "portsniff/output.h"
#include "report_agg.h"

void talker_table_init(talker_table *t, size_t capacity)
{
    memset(t, 0, sizeof(*t));
    t->capacity = capacity ? capacity : 1;
}

void talker_table_free(talker_table *t)
{
    free(t->items);
    free(t->heap);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

static uint64_t key_hash(const talker_key *k)
{
    uint64_t a, b, c;
    memcpy(&a, k->addr, 8);
    memcpy(&b, k->addr + 8, 8);
    memcpy(&c, (const uint8_t *)k + 16, 8);
    uint64_t h = a * 0x9E3779B97F4A7C15u;
    h = (h ^ (h >> 29) ^ b) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 31) ^ c) * 0x94D049BB133111EBu;
    return h ^ (h >> 32);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const talker_table *t, const talker_key *k)
{
    size_t mask = t->nslots - 1, i = key_hash(k) & mask;
    while (t->slots[i] && memcmp(&t->items[t->slots[i] - 1].key, k, sizeof(*k)) != 0)
        i = (i + 1) & mask;
    return i;
}

static int rehash(talker_table *t, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -1;
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    for (size_t i = 0; i < t->n; i++)
        t->slots[find_slot(t, &t->items[i].key)] = (uint32_t)(i + 1);
    return 0;
}

/* Linear probing's deletion: later entries of the run move back into the gap. */
static void slot_delete(talker_table *t, size_t i)
{
    size_t mask = t->nslots - 1, j = i;
    t->slots[i] = 0;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j])
            return;
        size_t home = key_hash(&t->items[t->slots[j] - 1].key) & mask;
        /* Move it back when its home is not within (i, j] cyclically. */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            t->slots[i] = t->slots[j];
            t->slots[j] = 0;
            i = j;
        }
    }
}

static void heap_swap(talker_table *t, size_t a, size_t b)
{
    uint32_t x = t->heap[a];
    t->heap[a] = t->heap[b];
    t->heap[b] = x;
    t->items[t->heap[a]].heap_pos = (uint32_t)a;
    t->items[t->heap[b]].heap_pos = (uint32_t)b;
}

static void sift_down(talker_table *t, size_t pos)
{
    for (;;) {
        size_t l = 2 * pos + 1, r = l + 1, least = pos;
        if (l < t->n && t->items[t->heap[l]].bytes < t->items[t->heap[least]].bytes)
            least = l;
        if (r < t->n && t->items[t->heap[r]].bytes < t->items[t->heap[least]].bytes)
            least = r;
        if (least == pos)
            return;
        heap_swap(t, pos, least);
        pos = least;
    }
}

static void sift_up(talker_table *t, size_t pos)
{
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (t->items[t->heap[parent]].bytes <= t->items[t->heap[pos]].bytes)
            return;
        heap_swap(t, pos, parent);
        pos = parent;
    }
}

static int build_heap(talker_table *t)
{
    /* Room for a full table: entries removed by a subtraction come back. */
    uint32_t *heap = realloc(t->heap, t->capacity * sizeof(*heap));
    if (!heap)
        return -1;
    t->heap = heap;
    for (size_t i = 0; i < t->n; i++) {
        t->heap[i] = (uint32_t)i;
        t->items[i].heap_pos = (uint32_t)i;
    }
    for (size_t i = t->n / 2; i-- > 0;)
        sift_down(t, i);
    return 0;
}

static int append(talker_table *t, const talker_key *k)
{
    if (t->n == t->alloc) {
        size_t alloc = t->alloc ? t->alloc * 2 : 16;
        if (alloc > t->capacity)
            alloc = t->capacity;
        talker *items = realloc(t->items, alloc * sizeof(*items));
        if (!items)
            return -1;
        t->items = items;
        t->alloc = alloc;
    }
    if ((t->n + 1) * 2 > t->nslots && rehash(t, t->nslots ? t->nslots * 2 : 32) != 0)
        return -1;
    talker *it = &t->items[t->n];
    memset(it, 0, sizeof(*it));
    it->key = *k;
    t->slots[find_slot(t, k)] = (uint32_t)(t->n + 1);
    t->n++;
    return 0;
}

/* Count an entry without touching total_bytes. */
static int add_entry(talker_table *t, const talker_key *k, uint64_t bytes, uint64_t packets,
                     uint64_t flows, uint64_t error)
{
    if (t->nslots) {
        size_t s = find_slot(t, k);
        if (t->slots[s]) {
            talker *it = &t->items[t->slots[s] - 1];
            it->bytes += bytes;
            it->error += error;
            it->packets += packets;
            it->flows += flows;
            if (t->approximate)
                sift_down(t, it->heap_pos);
            return 0;
        }
    }
    if (t->n < t->capacity) {
        if (append(t, k) != 0)
            return -1;
        talker *it = &t->items[t->n - 1];
        it->bytes = bytes;
        it->error = error;
        it->packets = packets;
        it->flows = flows;
        if (t->approximate) {
            it->heap_pos = (uint32_t)(t->n - 1);
            t->heap[t->n - 1] = (uint32_t)(t->n - 1);
            sift_up(t, t->n - 1);
        }
        return 0;
    }
    if (!t->approximate) {
        if (build_heap(t) != 0)
            return -1;
        t->approximate = 1;
    }
    /* Space-saving: the new key takes the counter with the fewest bytes. */
    uint32_t i = t->heap[0];
    talker *it = &t->items[i];
    uint64_t floor_bytes = it->bytes;
    slot_delete(t, find_slot(t, &it->key));
    it->key = *k;
    it->bytes = floor_bytes + bytes;
    it->error = floor_bytes + error;
    it->packets = packets;
    it->flows = flows;
    t->slots[find_slot(t, k)] = i + 1;
    sift_down(t, 0);
    return 0;
}

int talker_add(talker_table *t, const talker_key *key, uint64_t bytes, uint64_t packets,
               uint64_t flows, uint64_t error)
{
    t->total_bytes += bytes;
    return add_entry(t, key, bytes, packets, flows, error);
}

int talker_merge(talker_table *dst, const talker_table *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const talker *s = &src->items[i];
        if (add_entry(dst, &s->key, s->bytes, s->packets, s->flows, s->error) != 0)
            return -1;
    }
    dst->total_bytes += src->total_bytes;
    dst->approximate |= src->approximate;
    if (dst->approximate && !dst->heap)
        return build_heap(dst);
    return 0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

int talker_subtract(talker_table *dst, const talker_table *src)
{
    if (!dst->nslots)
        return 0;
    for (size_t i = 0; i < src->n; i++) {
        const talker *s = &src->items[i];
        size_t slot = find_slot(dst, &s->key);
        if (!dst->slots[slot])
            continue;
        talker *d = &dst->items[dst->slots[slot] - 1];
        d->bytes = sub0(d->bytes, s->bytes);
        d->packets = sub0(d->packets, s->packets);
        d->flows = sub0(d->flows, s->flows);
        d->error += s->error;
    }
    dst->total_bytes = sub0(dst->total_bytes, src->total_bytes);
    /* Drop the entries that fell to nothing, then rebuild the index. */
    size_t kept = 0;
    for (size_t i = 0; i < dst->n; i++)
        if (dst->items[i].bytes || dst->items[i].packets || dst->items[i].flows)
            dst->items[kept++] = dst->items[i];
    dst->n = kept;
    memset(dst->slots, 0, dst->nslots * sizeof(*dst->slots));
    for (size_t i = 0; i < dst->n; i++)
        dst->slots[find_slot(dst, &dst->items[i].key)] = (uint32_t)(i + 1);
    dst->approximate |= src->approximate;
    return dst->approximate ? build_heap(dst) : 0;
}

/* Negative when a ranks before b: more bytes, then the lower address, then port. */
static int rank(const talker *a, const talker *b)
{
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->key.family != b->key.family)
        return a->key.family < b->key.family ? -1 : 1;
    int c = memcmp(a->key.addr, b->key.addr, sizeof(a->key.addr));
    if (c)
        return c;
    return (a->key.port > b->key.port) - (a->key.port < b->key.port);
}

/* One pass, keeping the best n in order: most entries lose to the n-th at
 * the first comparison, so a full table costs about one comparison each. */
size_t talker_top(const talker_table *t, const talker **out, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n && n; i++) {
        const talker *it = &t->items[i];
        if (k == n && rank(it, out[n - 1]) >= 0)
            continue;
        size_t j = k < n ? k++ : n - 1;
        while (j > 0 && rank(it, out[j - 1]) < 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = it;
    }
    return k;
}

void talker_key_make(talker_key *k, int family, const uint8_t *addr, int has_port, uint16_t port,
                     unsigned prefix4, unsigned prefix6)
{
    unsigned len = family == 4 ? 4 : 16;
    unsigned prefix = family == 4 ? prefix4 : prefix6;
    memset(k, 0, sizeof(*k));
    memcpy(k->addr, addr, len);
    if (prefix > len * 8)
        prefix = len * 8;
    for (unsigned bit = prefix; bit < len * 8; bit++)
        k->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
    k->family = (uint8_t)family;
    k->prefix = (uint8_t)prefix;
    k->has_port = has_port ? 1 : 0;
    k->port = has_port ? port : 0;
}

void talker_key_format(const talker_key *k, char *buf, size_t len)
{
    char addr[64];
    int whole = k->prefix == (k->family == 4 ? 32 : 128);
    format_addr(addr, sizeof(addr), k->family, k->addr);
    if (!whole) {
        size_t n = strlen(addr);
        snprintf(addr + n, sizeof(addr) - n, "/%u", (unsigned)k->prefix);
    }
    if (!k->has_port)
        snprintf(buf, len, "%s", addr);
    else if (k->family == 6 || !whole)
        snprintf(buf, len, "[%s]:%u", addr, (unsigned)k->port);
    else
        snprintf(buf, len, "%s:%u", addr, (unsigned)k->port);
}
