/* Fan-in across flows: a set-associative table of endpoints, each with the
 * hash bins its peers' ports fell into. One cache line per set, so noting a
 * flow touches two lines and reading one touches two. */
#include <stdlib.h>
#include <string.h>

#include "portsniff/fanin.h"
#include "huge_map.h"

typedef struct fanin_way {
    uint32_t tag;    /* 0: empty */
    uint32_t bins;   /* bit n: a peer port fell into bin n */
} fanin_way;

/* Ways in recency order: the most recently noted endpoint first. */
typedef struct fanin_set {
    fanin_way way[PS_FANIN_WAYS];
} fanin_set;

_Static_assert(sizeof(fanin_set) == 64, "a set is one cache line");
_Static_assert((PS_FANIN_SETS & (PS_FANIN_SETS - 1)) == 0, "sets are a power of two");

struct ps_fanin {
    fanin_set *sets;
};

size_t fanin_bytes(void)
{
    return (size_t)PS_FANIN_SETS * sizeof(fanin_set);
}

ps_fanin *fanin_create(void)
{
    ps_fanin *f = malloc(sizeof *f);
    if (!f)
        return NULL;
    /* Endpoints land at random in the 2 MiB of sets from the first flows
     * on: one huge page, zeroed when first touched, instead of 512 small
     * ones faulted in one by one (huge_map.h). Aligned, so no set straddles
     * two lines. */
    f->sets = huge_map(fanin_bytes());
    if (!f->sets) {
        free(f);
        return NULL;
    }
    return f;
}

void fanin_free(ps_fanin *f)
{
    if (!f)
        return;
    huge_unmap(f->sets, fanin_bytes());
    free(f);
}

/* MurmurHash3's 64-bit finaliser. */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* A fixed hash (no per-run seed): the same input gives the same answers.
 * The words are spread by odd multipliers and mixed once. */
static uint64_t endpoint_hash(const ps_endpoint *e)
{
    uint64_t h = ((uint64_t)e->port << 16 | (uint64_t)e->transport << 8 | e->family) +
                 e->context * UINT64_C(0x9e3779b97f4a7c15);
    if (e->family == 6) {
        h ^= load64(e->addr) * UINT64_C(0xc2b2ae3d27d4eb4f);
        h ^= load64(e->addr + 8) * UINT64_C(0x165667b19e3779f9);
    } else {
        uint32_t a;
        memcpy(&a, e->addr, sizeof a);
        h ^= (uint64_t)a * UINT64_C(0xc2b2ae3d27d4eb4f);
    }
    return mix64(h);
}

static fanin_set *set_of(const ps_fanin *f, uint64_t h)
{
    return &f->sets[h >> 32 & (PS_FANIN_SETS - 1)];
}

static uint32_t tag_of(uint64_t h)
{
    return (uint32_t)h | 1u;   /* never 0, the empty way */
}

/* A multiplicative hash of the port into one of 32 bins: nearby ports (a
 * client's successive connections) land in different bins. */
static uint32_t port_bin(uint16_t port)
{
    return UINT32_C(1) << ((uint32_t)port * UINT32_C(0x9E3779B1) >> 27);
}

/* The bins set in a way: a popcount without the builtin, which on a
 * baseline x86-64 build (no POPCNT instruction) is a call into libgcc, once
 * for every flow noted. */
static unsigned bins_count(uint32_t v)
{
    v = v - ((v >> 1) & UINT32_C(0x55555555));
    v = (v & UINT32_C(0x33333333)) + ((v >> 2) & UINT32_C(0x33333333));
    v = (v + (v >> 4)) & UINT32_C(0x0f0f0f0f);
    return (unsigned)((v * UINT32_C(0x01010101)) >> 24);
}

/* Notes e with peer_port and returns its count of peer ports. */
static unsigned note(ps_fanin *f, const ps_endpoint *e, uint16_t peer_port)
{
    uint64_t h = endpoint_hash(e);
    fanin_set *s = set_of(f, h);
    uint32_t tag = tag_of(h);
    fanin_way w = {tag, port_bin(peer_port)};
    unsigned at = PS_FANIN_WAYS - 1, i;
    for (i = 0; i < PS_FANIN_WAYS; i++) {
        if (s->way[i].tag == tag) {
            w.bins |= s->way[i].bins;
            at = i;
            break;
        }
    }
    /* A new endpoint replaces the least recent one seen with a single peer
     * port, if any: servers, seen with several, stay while clients' ports
     * come and go. */
    if (i == PS_FANIN_WAYS) {
        for (i = PS_FANIN_WAYS; i-- > 0;) {
            if (s->way[i].tag == 0 || (s->way[i].bins & (s->way[i].bins - 1)) == 0) {
                at = i;
                break;
            }
        }
    }
    /* Move to the front: ways 0..at-1 shift down one. */
    for (i = at; i > 0; i--)
        s->way[i] = s->way[i - 1];
    s->way[0] = w;
    return bins_count(w.bins);
}

void fanin_prefetch(const ps_fanin *f, const ps_endpoint *a, const ps_endpoint *b)
{
    __builtin_prefetch(set_of(f, endpoint_hash(a)), 1);
    __builtin_prefetch(set_of(f, endpoint_hash(b)), 1);
}

void fanin_note_flow(ps_fanin *f, const ps_endpoint *a, const ps_endpoint *b, unsigned *peers_a,
                     unsigned *peers_b)
{
    unsigned na = note(f, a, b->port);
    unsigned nb = note(f, b, a->port);
    if (peers_a)
        *peers_a = na;
    if (peers_b)
        *peers_b = nb;
}

unsigned fanin_peer_ports(const ps_fanin *f, const ps_endpoint *e)
{
    uint64_t h = endpoint_hash(e);
    const fanin_set *s = set_of(f, h);
    uint32_t tag = tag_of(h);
    for (unsigned i = 0; i < PS_FANIN_WAYS; i++)
        if (s->way[i].tag == tag)
            return bins_count(s->way[i].bins);
    return 0;
}
