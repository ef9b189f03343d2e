/* The IANA Service Name and Transport Protocol Port Number Registry (RFC 6335)
 * read from IANA's CSV or from a services(5) file, indexed by (transport,
 * port) and by service name. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uthash.h>

#include "portsniff/csv.h"
#include "portsniff/packet.h"
#include "portsniff/registry.h"
#include "huge_map.h"
#include "registry_impl.h"

#define NO_LINK UINT32_MAX
#define MAX_COVERING 64   /* rows on one port; the real registry has at most 6 */
#define ALSO_PRECOMPUTED 16384   /* ports with several names whose other services are kept */

typedef struct reg_link {
    uint32_t entry;
    uint32_t next;
} reg_link;

typedef struct port_node {
    uint32_t key;               /* transport << 16 | port */
    uint32_t head, tail;        /* reg_link chain in file order */
    UT_hash_handle hh;
} port_node;

typedef struct name_node {
    const char *key;            /* lower-cased service name */
    uint32_t head, tail;
    UT_hash_handle hh;
} name_node;

typedef struct reg_range {
    uint16_t lo, hi;
    uint32_t entry;
} reg_range;

/* Ranges of one transport sorted by low end; max_hi[i] is the highest high
 * end among v[0..i], which bounds the backward scan for covering ranges even
 * when ranges overlap. */
typedef struct range_list {
    reg_range *v;
    uint16_t *max_hi;
    size_t n;
} range_list;

typedef struct str_block {
    struct str_block *next;
    size_t used, cap;
    char data[];
} str_block;

struct ps_registry {
    const ps_reg_entry *entries;
    ps_reg_entry *owned;        /* rows read at run time; NULL for static rows */
    size_t count, owned_cap;
    str_block *strings;
    char *source;
    char date[11];
    char newest_row[11];        /* latest Registration/Modification Date of an IANA CSV row */
    ps_reg_format format;

    /* The name and port hashes and the ranges below (index_map to ranges)
     * are built when the registry is loaded, or, for rows that come with
     * their derived tables (registry_from_rows_tables: the built-in ones),
     * by the first lookup that needs them (ensure_index); indexed is set
     * once they are there. */
    _Atomic int indexed;
    pthread_mutex_t index_lock;
    /* The derived tables (port_best to by_code) are static data, not ours
     * to free. */
    int tables_static;
    /* The index's arrays below (links to ranges) are carved from one
     * mapping advised for huge pages (see alloc_index). */
    void *index_map;
    size_t index_map_bytes;
    /* The name and port hashes' tables (uthash's own, malloc'd), referenced
     * here as well as from their nodes in the mapping: leak checkers
     * (LeakSanitizer) do not look inside mappings for pointers. */
    const void *hash_tables[2];
    /* Room for next_open_port's array while the index is built (in the
     * mapping, whose huge pages are resident by then). */
    uint32_t *scratch_next;
    reg_link *links;
    size_t nlinks;
    port_node *port_pool;
    size_t nports;
    port_node *by_port;
    port_node *last_port[PS_TRANSPORT_COUNT];   /* highest port indexed, per transport */
    name_node *name_pool;
    size_t nnames;
    name_node *by_name;
    name_node *last_name;
    char *lower_names;
    range_list ranges[PS_TRANSPORT_COUNT];
    /* The tables the per-flow lookups answer from (registry_impl.h): worked
     * out when the index is built, or static data (tables_static). */
    ps_reg_tables t;
};

#define PORT_SLOTS ((size_t)PS_TRANSPORT_COUNT * 65536u)

/* ---- storage ---------------------------------------------------------- */

static const char *store_string(ps_registry *reg, const char *s, size_t len)
{
    if (len == 0)
        return "";
    str_block *b = reg->strings;
    if (!b || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > 65536 ? len + 1 : 65536;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = reg->strings;
        b->used = 0;
        b->cap = cap;
        reg->strings = b;
    }
    char *p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

static ps_reg_entry *append_entry(ps_registry *reg)
{
    if (reg->count == reg->owned_cap) {
        size_t cap = reg->owned_cap ? reg->owned_cap * 2 : 1024;
        ps_reg_entry *p = realloc(reg->owned, cap * sizeof *p);
        if (!p)
            return NULL;
        reg->owned = p;
        reg->owned_cap = cap;
    }
    ps_reg_entry *e = &reg->owned[reg->count++];
    memset(e, 0, sizeof *e);
    e->description = "";
    e->reference = "";
    return e;
}

static void free_index(ps_registry *reg)
{
    if (!atomic_load_explicit(&reg->indexed, memory_order_acquire))
        return;
    HASH_CLEAR(hh, reg->by_port);
    HASH_CLEAR(hh, reg->by_name);
    huge_unmap(reg->index_map, reg->index_map_bytes);
}

void registry_free(ps_registry *reg)
{
    if (!reg)
        return;
    free_index(reg);
    while (reg->strings) {
        str_block *next = reg->strings->next;
        free(reg->strings);
        reg->strings = next;
    }
    free(reg->owned);
    free(reg->source);
    if (!reg->tables_static) {
        huge_unmap((void *)reg->t.port_best, PORT_SLOTS * sizeof *reg->t.port_best);
        free((void *)reg->t.multi_named);
        free((void *)reg->t.also_at);
        free((void *)reg->t.also_rows);
        free((void *)reg->t.by_code);
    }
    pthread_mutex_destroy(&reg->index_lock);
    free(reg);
}

/* ---- indexes ---------------------------------------------------------- */

/* Rows without a transport (IANA's Reserved/Unassigned blocks and a few
 * historic assignments) are registered for the port number as such, so they
 * apply to every transport. */
static int transports_of(const ps_reg_entry *e, int out[PS_TRANSPORT_COUNT])
{
    if (e->transport != PS_TRANSPORT_NONE) {
        out[0] = e->transport;
        return 1;
    }
    int n = 0;
    for (int t = PS_TRANSPORT_TCP; t < PS_TRANSPORT_COUNT; t++)
        out[n++] = t;
    return n;
}

static void chain_append(ps_registry *reg, uint32_t *head, uint32_t *tail, uint32_t entry)
{
    uint32_t l = (uint32_t)reg->nlinks++;
    reg->links[l].entry = entry;
    reg->links[l].next = NO_LINK;
    if (*head == NO_LINK)
        *head = l;
    else
        reg->links[*tail].next = l;
    *tail = l;
}

/* IANA lists rows in port order, so a port above every one indexed so far
 * for its transport is new and needs no hash probe, and a repeat of the
 * highest is the node made last: that saves most probes of the build. */
static port_node *port_node_for(ps_registry *reg, int transport, uint16_t port)
{
    uint32_t key = (uint32_t)transport << 16 | port;
    port_node *n = reg->last_port[transport];
    if (n && n->key == key)
        return n;
    if (!n || port < (n->key & 0xffff))
        HASH_FIND(hh, reg->by_port, &key, sizeof key, n);
    else
        n = NULL;
    if (!n) {
        n = &reg->port_pool[reg->nports++];
        n->key = key;
        n->head = n->tail = NO_LINK;
        HASH_ADD(hh, reg->by_port, key, sizeof n->key, n);
    }
    if (!reg->last_port[transport] || port > (reg->last_port[transport]->key & 0xffff))
        reg->last_port[transport] = n;
    return n;
}

static void index_port(ps_registry *reg, int transport, uint16_t port, uint32_t entry)
{
    port_node *n = port_node_for(reg, transport, port);
    chain_append(reg, &n->head, &n->tail, entry);
}

static void index_name(ps_registry *reg, char **lower_next, const char *name, uint32_t entry)
{
    size_t len = strlen(name);
    char *lower = *lower_next;
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[len] = '\0';
    /* Most names come as a tcp row then a udp row: try the last one first. */
    name_node *n = reg->last_name;
    if (!n || strcmp(n->key, lower) != 0)
        HASH_FIND(hh, reg->by_name, lower, len, n);
    if (!n) {
        *lower_next += len + 1;
        n = &reg->name_pool[reg->nnames++];
        n->key = lower;
        n->head = n->tail = NO_LINK;
        HASH_ADD_KEYPTR(hh, reg->by_name, n->key, len, n);
    }
    reg->last_name = n;
    chain_append(reg, &n->head, &n->tail, entry);
}

static int range_cmp(const void *a, const void *b)
{
    const reg_range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static void finish_ranges(range_list *rl)
{
    if (rl->n == 0)
        return;
    qsort(rl->v, rl->n, sizeof *rl->v, range_cmp);
    uint16_t m = 0;
    for (size_t i = 0; i < rl->n; i++) {
        if (rl->v[i].hi > m)
            m = rl->v[i].hi;
        rl->max_hi[i] = m;
    }
}

/* What the index will hold: rows with a name, (row, transport)s of one
 * port, names' bytes, ranges per transport. */
typedef struct index_counts {
    size_t nnames, nsingle, name_bytes;
    size_t nrange[PS_TRANSPORT_COUNT];
} index_counts;

/* Lays the index's arrays out from `base`, each on lines of its own, and
 * returns the bytes they take; base NULL only measures. Each name and each
 * (row, transport) of one port appends one link. */
static size_t lay_out_index(ps_registry *reg, char *base, const index_counts *n)
{
    size_t used = 0;
#define TAKE(dst, bytes) \
    ((dst) = base ? (void *)(base + used) : NULL, used += ((bytes) + 63u) & ~(size_t)63u)
    TAKE(reg->links, (n->nnames + n->nsingle) * sizeof *reg->links);
    TAKE(reg->port_pool, n->nsingle * sizeof *reg->port_pool);
    TAKE(reg->name_pool, n->nnames * sizeof *reg->name_pool);
    TAKE(reg->lower_names, n->name_bytes);
    for (int t = 0; t < PS_TRANSPORT_COUNT; t++) {
        TAKE(reg->ranges[t].v, n->nrange[t] * sizeof(reg_range));
        TAKE(reg->ranges[t].max_hi, n->nrange[t] * sizeof(uint16_t));
    }
    TAKE(reg->scratch_next, 65537 * sizeof(uint32_t));
#undef TAKE
    return used;
}

/* Counts what the index will hold and maps room for exactly that, in one
 * mapping advised for huge pages: the index is written all over once, at
 * start-up, and small pages cost a fault each (about 12 us on the
 * benchmark's virtual machine: some 500 of them for IANA's registry, most of
 * a run's start-up), a huge page one fault for 2 MiB. */
static int alloc_index(ps_registry *reg)
{
    index_counts n = {.name_bytes = 1};
    for (size_t i = 0; i < reg->count; i++) {
        const ps_reg_entry *e = &reg->entries[i];
        if (e->name) {
            n.name_bytes += strlen(e->name) + 1;
            n.nnames++;
        }
        if (!e->has_port)
            continue;
        int ts[PS_TRANSPORT_COUNT];
        int nt = transports_of(e, ts);
        for (int k = 0; k < nt; k++) {
            if (e->port_lo == e->port_hi)
                n.nsingle++;
            else
                n.nrange[ts[k]]++;
        }
    }
    size_t bytes = lay_out_index(reg, NULL, &n);
    if (!(reg->index_map = huge_map(bytes)))
        return 0;
    reg->index_map_bytes = bytes;
    lay_out_index(reg, reg->index_map, &n);
    return 1;
}

static void index_entry(ps_registry *reg, uint32_t i, char **lower_next)
{
    const ps_reg_entry *e = &reg->entries[i];
    if (e->name)
        index_name(reg, lower_next, e->name, i);
    if (!e->has_port)
        return;
    int ts[PS_TRANSPORT_COUNT];
    int nt = transports_of(e, ts);
    for (int k = 0; k < nt; k++) {
        if (e->port_lo == e->port_hi) {
            index_port(reg, ts[k], e->port_lo, i);
        } else {
            range_list *rl = &reg->ranges[ts[k]];
            rl->v[rl->n++] = (reg_range){e->port_lo, e->port_hi, i};
        }
    }
}

static int entry_rank(const ps_reg_entry *e);

#define RANKS 40   /* entry_rank's values */

/* The first port at or after p not yet given a row (65536: none), with
 * path halving: every port is given a row once, however many rows cover it. */
static uint32_t next_open_port(uint32_t *next, uint32_t p)
{
    while (next[p] != p) {
        next[p] = next[next[p]];
        p = next[p];
    }
    return p;
}

/* The row best_row picks among all rows covering a port is the first in
 * (rank, file order). Rows are taken in that order and each gives its row to
 * the ports of its span that have none yet. Where the spans of a transport
 * add up to more than a few times the port space (rows overlapping on a
 * large scale), given ports are skipped through next_open_port, so the work
 * stays rows + ports (a registry of a thousand 0-65535 rows costs no more
 * than the IANA one, whose spans add up to about 46,000 ports a transport).
 * Attribution then resolves any port with one load. Without memory for the
 * table, lookups work the answer out per call. */
static void fill_port_best(ps_registry *reg)
{
    /* 1.3 MB written nearly all over: in huge pages (see alloc_index). */
    uint32_t *best = huge_map(PORT_SLOTS * sizeof *best);
    uint32_t *order = malloc((reg->count ? reg->count : 1) * sizeof *order);
    uint8_t *tmask = malloc(reg->count ? reg->count : 1);   /* bit t: row covers transport t */
    uint32_t *next = reg->scratch_next;
    if (!best || !order || !tmask)
        goto fail;
    size_t at[RANKS + 1] = {0};
    uint64_t cells[PS_TRANSPORT_COUNT] = {0};
    for (size_t i = 0; i < reg->count; i++) {
        const ps_reg_entry *e = &reg->entries[i];
        if (!e->has_port)
            continue;
        at[entry_rank(e) + 1]++;
        int ts[PS_TRANSPORT_COUNT];
        int nt = transports_of(e, ts);
        tmask[i] = 0;
        for (int k = 0; k < nt; k++) {
            cells[ts[k]] += (uint64_t)e->port_hi - e->port_lo + 1;
            tmask[i] |= (uint8_t)(1u << ts[k]);
        }
    }
    for (int r = 0; r < RANKS; r++)
        at[r + 1] += at[r];
    size_t n = at[RANKS];
    for (size_t i = 0; i < reg->count; i++)
        if (reg->entries[i].has_port)
            order[at[entry_rank(&reg->entries[i])]++] = (uint32_t)i;
    for (int t = PS_TRANSPORT_NONE + 1; t < PS_TRANSPORT_COUNT; t++) {
        uint32_t *row = &best[(size_t)t * 65536u];
        int skip = cells[t] > 4 * 65536u;
        if (skip) {
            for (uint32_t p = 0; p <= 65536; p++)
                next[p] = p;
        }
        for (size_t k = 0; k < n; k++) {
            const ps_reg_entry *e = &reg->entries[order[k]];
            if (!(tmask[order[k]] & (1u << t)))
                continue;
            if (!skip) {
                for (uint32_t p = e->port_lo; p <= e->port_hi; p++)
                    if (!row[p])
                        row[p] = order[k] + 1;
                continue;
            }
            for (uint32_t p = next_open_port(next, e->port_lo); p <= e->port_hi;
                 p = next_open_port(next, p)) {
                row[p] = order[k] + 1;
                next[p] = p + 1;
            }
        }
    }
    free(order);
    free(tmask);
    reg->t.port_best = best;
    return;
fail:
    huge_unmap(best, PORT_SLOTS * sizeof *best);
    free(order);
    free(tmask);
}

/* Marks the ports that two or more named rows cover. Each transport's named
 * rows visit their spans once; a port seen a second time is marked and then
 * skipped through next_open_port, so overlapping ranges cost rows + twice
 * the ports, as in fill_port_best. Without memory the bitmap stays NULL and
 * registry_port_also works every port out per call. */
static uint64_t *fill_multi_named(ps_registry *reg)
{
    const size_t words = 65536 / 64;
    uint64_t *multi = calloc(PS_TRANSPORT_COUNT * words, sizeof *multi);
    uint64_t *seen = malloc(words * sizeof *seen);
    uint32_t *next = reg->scratch_next;
    if (!multi || !seen) {
        free(multi);
        free(seen);
        return NULL;
    }
    for (int t = PS_TRANSPORT_NONE + 1; t < PS_TRANSPORT_COUNT; t++) {
        uint64_t *mt = multi + (size_t)t * words;
        memset(seen, 0, words * sizeof *seen);
        for (uint32_t p = 0; p <= 65536; p++)
            next[p] = p;
        for (size_t i = 0; i < reg->count; i++) {
            const ps_reg_entry *e = &reg->entries[i];
            if (!e->has_port || e->status != PS_REG_NAMED ||
                (e->transport != PS_TRANSPORT_NONE && e->transport != t))
                continue;
            for (uint32_t p = next_open_port(next, e->port_lo); p <= e->port_hi;
                 p = next_open_port(next, p + 1)) {
                uint64_t bit = UINT64_C(1) << (p % 64);
                if (seen[p / 64] & bit) {
                    mt[p / 64] |= bit;
                    next[p] = p + 1;
                } else {
                    seen[p / 64] |= bit;
                }
            }
        }
    }
    free(seen);
    return multi;
}

static int code_cmp(const void *a, const void *b)
{
    const code_row *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int index_service_codes(ps_registry *reg)
{
    size_t n = 0;
    for (size_t i = 0; i < reg->count; i++)
        n += reg->entries[i].has_service_code && reg->entries[i].status == PS_REG_NAMED;
    if (n == 0)
        return 1;
    code_row *by_code = malloc(n * sizeof *by_code);
    if (!by_code)
        return 0;
    for (size_t i = 0; i < reg->count; i++) {
        const ps_reg_entry *e = &reg->entries[i];
        if (e->has_service_code && e->status == PS_REG_NAMED)
            by_code[reg->t.ncodes++] =
                (code_row){e->service_code, (uint32_t)entry_rank(e), (uint32_t)i};
    }
    qsort(by_code, reg->t.ncodes, sizeof *by_code, code_cmp);
    reg->t.by_code = by_code;
    return 1;
}

static size_t port_also_rows(const ps_registry *reg, int transport, uint16_t port,
                             uint32_t *out);

/* Every flow on a port with several names asks for its other services
 * (80/tcp: http, www and www-http), so they are worked out once here, as
 * long as such ports are few; the real registry has about 230. */
static void precompute_also(ps_registry *reg, uint64_t *multi)
{
    const size_t words = PORT_SLOTS / 64;
    size_t nslots = 0;
    for (size_t w = 0; w < words; w++)
        nslots += (size_t)__builtin_popcountll(multi[w]);
    if (nslots == 0 || nslots > ALSO_PRECOMPUTED)
        return;
    also_slot *at = malloc(nslots * sizeof *at);
    uint32_t *rows = malloc(nslots * MAX_COVERING * sizeof *rows);
    if (!at || !rows) {
        free(at);
        free(rows);
        return;
    }
    size_t k = 0, used = 0;
    for (size_t w = 0; w < words; w++) {
        for (uint64_t bits = multi[w]; bits; bits &= bits - 1) {
            uint32_t slot = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
            size_t n = port_also_rows(reg, (int)(slot >> 16), (uint16_t)slot, rows + used);
            if (n == 0) {   /* aliases only (80/tcp): no bit, no lookup */
                multi[w] &= ~(UINT64_C(1) << (slot % 64));
                continue;
            }
            at[k++] = (also_slot){slot, (uint32_t)used, (uint32_t)n};
            used += n;
        }
    }
    uint32_t *shrunk = realloc(rows, (used ? used : 1) * sizeof *rows);
    reg->t.also_rows = shrunk ? shrunk : rows;
    reg->t.nalso_rows = used;
    reg->t.also_at = at;
    reg->t.nalso_at = k;
}

/* The name and port hashes and the ranges: what lookups by name, listings
 * of a port's rows and the derived tables are worked out from. */
static int build_hashes(ps_registry *reg)
{
    if (!alloc_index(reg))
        return 0;
    char *lower_next = reg->lower_names;
    for (size_t i = 0; i < reg->count; i++)
        index_entry(reg, (uint32_t)i, &lower_next);
    for (int t = 0; t < PS_TRANSPORT_COUNT; t++)
        finish_ranges(&reg->ranges[t]);
    reg->hash_tables[0] = reg->by_name ? reg->by_name->hh.tbl : NULL;
    reg->hash_tables[1] = reg->by_port ? reg->by_port->hh.tbl : NULL;
    atomic_store_explicit(&reg->indexed, 1, memory_order_release);
    return 1;
}

/* The hashes for a lookup that needs them, built by the first such lookup
 * of a registry loaded with its tables (the built-in one); a registry from a
 * file has them from the start. The registry is shared read-only by the
 * workers, hence the lock. Out of memory here, nothing the lookup answered
 * would be right: the program stops, as it does when it cannot load the
 * built-in registry at all. */
static void ensure_index(const ps_registry *creg)
{
    ps_registry *reg = (ps_registry *)creg;   /* allocated by new_registry, never const */
    if (atomic_load_explicit(&reg->indexed, memory_order_acquire))
        return;
    pthread_mutex_lock(&reg->index_lock);
    int ok = atomic_load_explicit(&reg->indexed, memory_order_relaxed) || build_hashes(reg);
    pthread_mutex_unlock(&reg->index_lock);
    if (!ok) {
        fputs("portsniff: out of memory indexing the registry\n", stderr);
        abort();
    }
}

static int build_index(ps_registry *reg)
{
    if (!build_hashes(reg))
        return 0;
    fill_port_best(reg);
    uint64_t *multi = reg->t.port_best ? fill_multi_named(reg) : NULL;
    if (multi)
        precompute_also(reg, multi);
    reg->t.multi_named = multi;
    return index_service_codes(reg);
}

static ps_registry *new_registry(const char *source, ps_reg_format format)
{
    ps_registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        return NULL;
    reg->source = strdup(source ? source : "");
    reg->format = format;
    if (!reg->source || pthread_mutex_init(&reg->index_lock, NULL) != 0) {
        free(reg->source);
        free(reg);
        return NULL;
    }
    return reg;
}

/* A registry over rows that outlive it, nothing indexed yet. */
static ps_registry *over_rows(const ps_reg_entry *rows, size_t count, const char *source,
                              const char *date, ps_reg_format format)
{
    ps_registry *reg = new_registry(source, format);
    if (!reg)
        return NULL;
    reg->entries = rows;
    reg->count = count;
    if (date && strlen(date) < sizeof reg->date)
        strcpy(reg->date, date);
    return reg;
}

ps_registry *registry_from_rows(const ps_reg_entry *rows, size_t count, const char *source,
                                const char *date, ps_reg_format format)
{
    ps_registry *reg = over_rows(rows, count, source, date, format);
    if (!reg)
        return NULL;
    if (!build_index(reg)) {
        registry_free(reg);
        return NULL;
    }
    return reg;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Maps [p, p + len) of the program's file now, in one call: a lookup during
 * a capture then never waits for a page fault, and the resident size does
 * not creep up as new ports are seen (in steps of up to 2 MiB where the page
 * cache holds the file in large folios). A kernel without
 * MADV_POPULATE_READ (before 5.14) leaves it to the faults. */
static void populate_read(const void *p, size_t len)
{
    if (!p || len == 0)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = (uintptr_t)p & ~(page - 1);
    uintptr_t to = ((uintptr_t)p + len + page - 1) & ~(page - 1);
    (void)madvise((void *)from, to - from, MADV_POPULATE_READ);
}

ps_registry *registry_from_rows_tables(const ps_reg_entry *rows, size_t count, const char *source,
                                       const char *date, ps_reg_format format,
                                       const ps_reg_tables *tables)
{
    ps_registry *reg = over_rows(rows, count, source, date, format);
    if (!reg)
        return NULL;
    reg->tables_static = 1;
    reg->t = *tables;
    populate_read(reg->t.port_best, PORT_SLOTS * sizeof *reg->t.port_best);
    populate_read(reg->t.multi_named, PORT_SLOTS / 64 * sizeof *reg->t.multi_named);
    return reg;
}

void registry_tables(const ps_registry *reg, ps_reg_tables *out)
{
    *out = reg->t;
}

/* ---- dates ------------------------------------------------------------ */

/* Days from 1970-01-01 to year-month-day in the proleptic Gregorian
 * calendar (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int registry_date_day(const char *date, int64_t *day)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++) {
        int dash = i == 4 || i == 7;
        if (dash ? date[i] != '-' : !isdigit((unsigned char)date[i]))
            return 0;
    }
    if (date[10] != '\0')
        return 0;
    int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return 0;
    *day = days_from_civil(y, m, d);
    return 1;
}

int registry_date_age(const char *date, int64_t now, int64_t *days)
{
    int64_t day;
    if (!date || !registry_date_day(date, &day))
        return 0;
    int64_t secs = now - day * 86400;
    /* Whole days, rounded down also before the date (a clock set earlier). */
    *days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    return 1;
}

/* `text` of `len` bytes copied to date[11] when it is a real calendar date. */
static int take_date(const char *text, size_t len, char date[11])
{
    char copy[11];
    int64_t day;
    if (len != 10)
        return 0;
    memcpy(copy, text, 10);
    copy[10] = '\0';
    if (!registry_date_day(copy, &day))
        return 0;
    memcpy(date, copy, 11);
    return 1;
}

/* ---- parsing: shared ---------------------------------------------------- */

typedef struct parser {
    ps_registry *reg;
    const char *source;
    char *err;
    size_t errlen;
} parser;

/* Reasons quote the file's own text, and a quoted CSV field may hold line
 * breaks or other control bytes: those are written as C escapes (\n, \x01)
 * so that the message stays one line. */
static void escape_controls(char *dst, size_t cap, const char *src)
{
    size_t o = 0;
    for (; *src && o + 5 < cap; src++) {
        unsigned char c = (unsigned char)*src;
        if (c == '\n' || c == '\r' || c == '\t') {
            dst[o++] = '\\';
            dst[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int row_error(parser *p, unsigned long line, const char *fmt, ...)
{
    char reason[256], escaped[sizeof reason * 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    escape_controls(escaped, sizeof escaped, reason);
    snprintf(p->err, p->errlen, "%s:%lu: %s", p->source, line, escaped);
    return 0;
}

static int all_digits(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The value of a decimal field of at most max, or -1 when it is not a
 * number, -2 when it is larger than max. */
static long long parse_decimal(const char *s, size_t len, long long max)
{
    if (!all_digits(s, len))
        return -1;
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        v = v * 10 + (s[i] - '0');
        if (v > max)
            return -2;
    }
    return v;
}

static int parse_port(parser *p, unsigned long line, const char *s, size_t len, uint16_t *out)
{
    long long v = parse_decimal(s, len, 65535);
    if (v == -1)
        return row_error(p, line, "port number '%.*s' is not a number", (int)len, s);
    if (v == -2)
        return row_error(p, line, "port number %.*s is out of range (0-65535)", (int)len, s);
    *out = (uint16_t)v;
    return 1;
}

/* "80" or "6000-6063". */
static int parse_port_span(parser *p, unsigned long line, const char *s, size_t len,
                           ps_reg_entry *e)
{
    const char *dash = memchr(s, '-', len);
    size_t lo_len = dash ? (size_t)(dash - s) : len;
    if (!parse_port(p, line, s, lo_len, &e->port_lo))
        return 0;
    e->port_hi = e->port_lo;
    if (dash && !parse_port(p, line, dash + 1, len - lo_len - 1, &e->port_hi))
        return 0;
    if (e->port_lo > e->port_hi)
        return row_error(p, line, "port range %.*s runs backwards", (int)len, s);
    e->has_port = 1;
    return 1;
}

static int parse_transport(parser *p, unsigned long line, const char *s, ps_reg_entry *e)
{
    if (*s == '\0') {
        e->transport = PS_TRANSPORT_NONE;
        return 1;
    }
    int t = ps_transport_from_name(s);
    if (t == PS_TRANSPORT_NONE)
        return row_error(p, line, "unknown transport protocol '%s'", s);
    e->transport = (uint8_t)t;
    return 1;
}

static int starts_with_word(const char *s, const char *word)
{
    return strncasecmp(s, word, strlen(word)) == 0;
}

/* RFC 6335 section 8.1 gives the vocabulary: ports are Assigned, Unassigned
 * or Reserved. Retired assignments are written in several ways over the
 * registry's history; all of them leave the port free. */
static ps_reg_status status_of_unnamed(const char *description)
{
    static const char *const free_words[] = {
        "unassigned", "(unassigned)", "de-registered", "deregistered", "removed",
        "deprecated", "decomissioned", "decommissioned", "de-commissioned",
    };
    if (starts_with_word(description, "reserved"))
        return PS_REG_RESERVED;
    for (size_t i = 0; i < sizeof free_words / sizeof free_words[0]; i++)
        if (starts_with_word(description, free_words[i]))
            return PS_REG_UNASSIGNED;
    return PS_REG_UNNAMED;
}

static const char *store_or_fail(parser *p, unsigned long line, const char *s, size_t len,
                                 int *ok)
{
    const char *out = store_string(p->reg, s, len);
    if (!out) {
        *ok = 0;
        row_error(p, line, "out of memory");
    }
    return out;
}

/* ---- parsing: IANA CSV ------------------------------------------------ */

enum {
    COL_NAME, COL_PORT, COL_TRANSPORT, COL_DESCRIPTION, COL_ASSIGNEE, COL_CONTACT,
    COL_REGISTERED, COL_MODIFIED, COL_REFERENCE, COL_SERVICE_CODE, COL_UNAUTHORIZED,
    COL_NOTES, IANA_COLUMNS
};

static const char *const iana_columns[IANA_COLUMNS] = {
    "Service Name", "Port Number", "Transport Protocol", "Description", "Assignee",
    "Contact", "Registration Date", "Modification Date", "Reference", "Service Code",
    "Unauthorized Use Reported", "Assignment Notes",
};

static int check_iana_header(parser *p, const csv_record *rec)
{
    if (rec->nfields != IANA_COLUMNS)
        return row_error(p, rec->line, "header has %zu columns, expected %d",
                         rec->nfields, IANA_COLUMNS);
    for (int c = 0; c < IANA_COLUMNS; c++)
        if (strcasecmp(rec->field[c], iana_columns[c]) != 0)
            return row_error(p, rec->line, "column %d is '%s', expected '%s'", c + 1,
                             rec->field[c], iana_columns[c]);
    return 1;
}

/* IANA marks the old spelling of a renamed service with this sentence in
 * the Assignment Notes. */
static int parse_alias(parser *p, const csv_record *rec, ps_reg_entry *e)
{
    static const char marker[] = "This entry is an alias to \"";
    const char *m = strstr(rec->field[COL_NOTES], marker);
    if (!m)
        return 1;
    const char *target = m + sizeof marker - 1;
    const char *end = strchr(target, '"');
    if (!end || end == target)
        return 1;
    int ok = 1;
    e->alias_of = store_or_fail(p, rec->line, target, (size_t)(end - target), &ok);
    return ok;
}

static int parse_service_code(parser *p, const csv_record *rec, ps_reg_entry *e)
{
    const char *s = rec->field[COL_SERVICE_CODE];
    size_t len = rec->field_len[COL_SERVICE_CODE];
    if (len == 0)
        return 1;
    long long v = parse_decimal(s, len, UINT32_MAX);
    if (v < 0)
        return row_error(p, rec->line, "service code '%s' is not a 32-bit number", s);
    e->has_service_code = 1;
    e->service_code = (uint32_t)v;
    return 1;
}

static int store_iana_strings(parser *p, const csv_record *rec, ps_reg_entry *e)
{
    int ok = 1;
    if (rec->field_len[COL_NAME])
        e->name = store_or_fail(p, rec->line, rec->field[COL_NAME], rec->field_len[COL_NAME], &ok);
    e->description = store_or_fail(p, rec->line, rec->field[COL_DESCRIPTION],
                                   rec->field_len[COL_DESCRIPTION], &ok);
    e->reference = store_or_fail(p, rec->line, rec->field[COL_REFERENCE],
                                 rec->field_len[COL_REFERENCE], &ok);
    return ok;
}

/* The latest Registration or Modification Date of any row; a field that is
 * not a date is left out, not refused (the columns are informational). */
static void note_row_dates(ps_registry *reg, const csv_record *rec)
{
    static const int cols[] = {COL_REGISTERED, COL_MODIFIED};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char date[11];
        if (take_date(rec->field[cols[i]], rec->field_len[cols[i]], date) &&
            strcmp(date, reg->newest_row) > 0)
            memcpy(reg->newest_row, date, sizeof date);
    }
}

static int parse_iana_row(parser *p, const csv_record *rec)
{
    if (rec->nfields != IANA_COLUMNS)
        return row_error(p, rec->line, "row has %zu fields, expected %d", rec->nfields,
                         IANA_COLUMNS);
    if (rec->field_len[COL_NAME] == 0 && rec->field_len[COL_PORT] == 0)
        return row_error(p, rec->line, "row has neither a service name nor a port number");
    ps_reg_entry *e = append_entry(p->reg);
    if (!e)
        return row_error(p, rec->line, "out of memory");
    if (rec->field_len[COL_PORT] &&
        !parse_port_span(p, rec->line, rec->field[COL_PORT], rec->field_len[COL_PORT], e))
        return 0;
    if (!parse_transport(p, rec->line, rec->field[COL_TRANSPORT], e) ||
        !parse_service_code(p, rec, e) || !store_iana_strings(p, rec, e) ||
        !parse_alias(p, rec, e))
        return 0;
    e->status = (uint8_t)(e->name ? PS_REG_NAMED : status_of_unnamed(e->description));
    note_row_dates(p->reg, rec);
    return 1;
}

static int parse_iana(parser *p, const char *buf, size_t len)
{
    csv_reader r;
    csv_record rec;
    char why[128];
    int rc, ok = 1, first = 1;
    csv_init(&r, buf, len);
    while (ok && (rc = csv_next(&r, &rec, why, sizeof why)) == CSV_OK) {
        ok = first ? check_iana_header(p, &rec) : parse_iana_row(p, &rec);
        first = 0;
    }
    if (ok && rc == CSV_ERROR)
        ok = row_error(p, rec.line, "%s", why);
    csv_free(&r);
    return ok;
}

/* ---- parsing: services(5) --------------------------------------------- */

typedef struct text_line {
    const char *s;
    size_t len;
} text_line;

static size_t split_words(text_line line, text_line words[], size_t max)
{
    size_t n = 0, i = 0;
    while (i < line.len && n < max) {
        while (i < line.len && isspace((unsigned char)line.s[i]))
            i++;
        size_t start = i;
        while (i < line.len && !isspace((unsigned char)line.s[i]))
            i++;
        if (i > start)
            words[n++] = (text_line){line.s + start, i - start};
    }
    return n;
}

static text_line trim(text_line t)
{
    while (t.len && isspace((unsigned char)t.s[0])) {
        t.s++;
        t.len--;
    }
    while (t.len && isspace((unsigned char)t.s[t.len - 1]))
        t.len--;
    return t;
}

/* services(5) also lists protocols that carry no registry ports here
 * (AppleTalk ddp and the like); those lines are skipped, not refused. */
static int parse_port_proto(parser *p, unsigned long line, text_line w, ps_reg_entry *e,
                            int *skip)
{
    const char *slash = memchr(w.s, '/', w.len);
    if (!slash)
        return row_error(p, line, "expected PORT/PROTOCOL, found '%.*s'", (int)w.len, w.s);
    size_t plen = (size_t)(slash - w.s);
    if (!parse_port(p, line, w.s, plen, &e->port_lo))
        return 0;
    e->port_hi = e->port_lo;
    e->has_port = 1;
    char proto[16];
    size_t tlen = w.len - plen - 1;
    snprintf(proto, sizeof proto, "%.*s", (int)(tlen < sizeof proto ? tlen : sizeof proto - 1),
             slash + 1);
    int t = ps_transport_from_name(proto);
    *skip = t == PS_TRANSPORT_NONE || tlen >= sizeof proto;
    e->transport = (uint8_t)t;
    return 1;
}

static int add_services_entry(parser *p, unsigned long line, const ps_reg_entry *proto,
                              text_line name, const char *alias_of)
{
    ps_reg_entry *e = append_entry(p->reg);
    if (!e)
        return row_error(p, line, "out of memory");
    *e = *proto;
    int ok = 1;
    e->name = store_or_fail(p, line, name.s, name.len, &ok);
    e->alias_of = alias_of;
    e->status = PS_REG_NAMED;
    return ok;
}

static int parse_services_line(parser *p, unsigned long line, text_line text)
{
    const char *hash = memchr(text.s, '#', text.len);
    text_line body = {text.s, hash ? (size_t)(hash - text.s) : text.len};
    text_line words[64];
    size_t n = split_words(body, words, 64);
    if (n == 0)
        return 1;
    if (n == 1)
        return row_error(p, line, "missing PORT/PROTOCOL after '%.*s'", (int)words[0].len,
                         words[0].s);
    ps_reg_entry proto = {.description = "", .reference = ""};
    int skip = 0, ok = 1;
    if (!parse_port_proto(p, line, words[1], &proto, &skip))
        return 0;
    if (skip)
        return 1;
    if (hash) {
        text_line comment = trim((text_line){hash + 1, text.len - (size_t)(hash - text.s) - 1});
        proto.description = store_or_fail(p, line, comment.s, comment.len, &ok);
    }
    if (!ok || !add_services_entry(p, line, &proto, words[0], NULL))
        return 0;
    const char *canonical = p->reg->owned[p->reg->count - 1].name;
    for (size_t i = 2; i < n; i++)
        if (!add_services_entry(p, line, &proto, words[i], canonical))
            return 0;
    return 1;
}

static int parse_services(parser *p, const char *buf, size_t len)
{
    unsigned long line = 1;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        if (!parse_services_line(p, line, (text_line){buf + i, end - i}))
            return 0;
        i = end + 1;
        line++;
    }
    return 1;
}

/* ---- loading ---------------------------------------------------------- */

static int looks_like_iana_csv(const char *buf, size_t len)
{
    static const char header[] = "Service Name,";
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    return len >= sizeof header - 1 && strncasecmp(buf, header, sizeof header - 1) == 0;
}

ps_registry *registry_parse(const char *buf, size_t len, const char *source, char *err,
                            size_t errlen)
{
    int iana = looks_like_iana_csv(buf, len);
    if (iana && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    ps_registry *reg = new_registry(source, iana ? PS_REG_FORMAT_IANA_CSV : PS_REG_FORMAT_SERVICES);
    if (!reg) {
        snprintf(err, errlen, "%s: out of memory", source);
        return NULL;
    }
    parser p = {reg, source, err, errlen};
    int ok = iana ? parse_iana(&p, buf, len) : parse_services(&p, buf, len);
    reg->entries = reg->owned;
    /* An empty file (or one of comments, or a bare CSV header) parses, but
     * would silently label every port unregistered: most likely the wrong
     * file, so it is refused. */
    if (ok && reg->count == 0) {
        snprintf(err, errlen, "%s: no service entries (expected IANA CSV rows or services(5) lines)",
                 source);
        ok = 0;
    }
    if (ok && !build_index(reg)) {
        snprintf(err, errlen, "%s: out of memory", source);
        ok = 0;
    }
    if (!ok) {
        registry_free(reg);
        return NULL;
    }
    return reg;
}

static char *read_whole_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    int failed = !buf || ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        snprintf(err, errlen, "%s: %s", path, buf ? strerror(saved) : "out of memory");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* `path` with its .csv suffix (if any) replaced by `ext`; NULL when out of memory. */
static char *sibling_path(const char *path, const char *ext)
{
    size_t len = strlen(path);
    char *out = malloc(len + strlen(ext) + 1);
    if (!out)
        return NULL;
    strcpy(out, path);
    if (len >= 4 && strcasecmp(out + len - 4, ".csv") == 0)
        out[len - 4] = '\0';
    strcat(out, ext);
    return out;
}

/* NAME.date: exactly one line holding the date. */
static int date_from_date_file(const char *csv_path, char date[11], char *err, size_t errlen)
{
    char *path = sibling_path(csv_path, ".date");
    if (!path)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        free(path);
        return 0;
    }
    char text[32];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    if (n > 0 && text[n - 1] == '\n')
        text[--n] = '\0';
    int ok = strlen(text) == n && take_date(text, n, date);
    if (!ok)
        snprintf(err, errlen, "%s: expected one line with the registry's date (YYYY-MM-DD)", path);
    free(path);
    return ok ? 1 : -1;
}

/* NAME.xml: IANA's XML rendering, whose first <updated> element is the
 * registry's own (the records' dates are attributes). */
static int date_from_xml(const char *csv_path, char date[11])
{
    char *path = sibling_path(csv_path, ".xml");
    if (!path)
        return 0;
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return 0;
    char head[8192];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    const char *u = strstr(head, "<updated>");
    if (!u)
        return 0;
    u += strlen("<updated>");
    const char *end = strchr(u, '<');
    return end && take_date(u, (size_t)(end - u), date);
}

int registry_sibling_date(const char *csv_path, char date[11], char *err, size_t errlen)
{
    int rc = date_from_date_file(csv_path, date, err, errlen);
    return rc != 0 ? rc : date_from_xml(csv_path, date);
}

ps_registry *registry_load_file(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *buf = read_whole_file(path, &len, err, errlen);
    if (!buf)
        return NULL;
    ps_registry *reg = registry_parse(buf, len, path, err, errlen);
    free(buf);
    if (reg && reg->format == PS_REG_FORMAT_IANA_CSV &&
        registry_sibling_date(path, reg->date, err, errlen) < 0) {
        registry_free(reg);
        return NULL;
    }
    return reg;
}

/* ---- queries ---------------------------------------------------------- */

/* Which of several rows on one port labels it: lower wins, ties go to file
 * order. First the kind (a named row, an IANA alias row, an unnamed
 * assignment, Reserved, Unassigned), then a row for this one port before a
 * block that covers it, then for named rows what the registry says about
 * the service: a description and a reference, a description alone, a
 * reference alone, neither. So 2049/tcp is nfs ("Network File System"),
 * not shilp (no description), listed first. */
static int entry_rank(const ps_reg_entry *e)
{
    int kind, quality = 0;
    switch (e->status) {
    case PS_REG_NAMED: kind = e->alias_of ? 1 : 0; break;
    case PS_REG_UNNAMED: kind = 2; break;
    case PS_REG_RESERVED: kind = 3; break;
    default: kind = 4; break;
    }
    if (e->status == PS_REG_NAMED)
        quality = (e->description[0] ? 0 : 2) + (e->reference[0] ? 0 : 1);
    return (kind * 2 + (e->port_lo != e->port_hi)) * 4 + quality;
}

static size_t covering_ranges(const ps_registry *reg, int transport, uint16_t port,
                              uint32_t *out, size_t max)
{
    const range_list *rl = &reg->ranges[transport];
    size_t lo = 0, hi = rl->n;
    while (lo < hi) {   /* first range with v.lo > port */
        size_t mid = lo + (hi - lo) / 2;
        if (rl->v[mid].lo <= port)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    for (size_t j = lo; j-- > 0 && rl->max_hi[j] >= port;)
        if (rl->v[j].hi >= port && n < max)
            out[n++] = rl->v[j].entry;
    return n;
}

static void sort_indices(uint32_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Every row covering (transport, port), in file order. */
static size_t covering_rows(const ps_registry *reg, int transport, uint16_t port, uint32_t *out)
{
    if (transport <= PS_TRANSPORT_NONE || transport >= PS_TRANSPORT_COUNT)
        return 0;
    ensure_index(reg);
    size_t n = 0;
    uint32_t key = (uint32_t)transport << 16 | port;
    port_node *node;
    HASH_FIND(hh, reg->by_port, &key, sizeof key, node);
    for (uint32_t l = node ? node->head : NO_LINK; l != NO_LINK && n < MAX_COVERING;
         l = reg->links[l].next)
        out[n++] = reg->links[l].entry;
    n += covering_ranges(reg, transport, port, out + n, MAX_COVERING - n);
    /* More rows than MAX_COVERING on one port (only a hostile or broken
     * file has them): the list is cut, but never without the label row
     * registry_find_port answers, so every list of the port starts with it. */
    if (n == MAX_COVERING && reg->t.port_best) {
        uint32_t best = reg->t.port_best[(size_t)transport * 65536u + port];
        size_t i = 0;
        while (best && i < n && out[i] != best - 1)
            i++;
        if (best && i == n)
            out[n - 1] = best - 1;
    }
    sort_indices(out, n);
    return n;
}

static size_t best_row(const ps_registry *reg, const uint32_t *rows, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (entry_rank(&reg->entries[rows[i]]) <
            entry_rank(&reg->entries[rows[best]]))
            best = i;
    return best;
}

const ps_reg_entry *registry_find_port(const ps_registry *reg, int transport, uint16_t port,
                                       ps_reg_status *status)
{
    if (transport <= PS_TRANSPORT_NONE || transport >= PS_TRANSPORT_COUNT) {
        *status = PS_REG_UNREGISTERED;
        return NULL;
    }
    uint32_t row;
    if (reg->t.port_best) {
        uint32_t best = reg->t.port_best[(size_t)transport * 65536u + port];
        if (best == 0) {
            *status = PS_REG_UNREGISTERED;
            return NULL;
        }
        row = best - 1;
    } else {
        uint32_t rows[MAX_COVERING];
        size_t n = covering_rows(reg, transport, port, rows);
        if (n == 0) {
            *status = PS_REG_UNREGISTERED;
            return NULL;
        }
        row = rows[best_row(reg, rows, n)];
    }
    const ps_reg_entry *e = &reg->entries[row];
    *status = (ps_reg_status)e->status;
    return e;
}

size_t registry_port_entries(const ps_registry *reg, int transport, uint16_t port,
                             const ps_reg_entry **out, size_t max)
{
    uint32_t rows[MAX_COVERING];
    size_t n = covering_rows(reg, transport, port, rows);
    if (n == 0)
        return 0;
    size_t best = best_row(reg, rows, n), k = 0;
    if (max > 0)
        out[k++] = &reg->entries[rows[best]];
    for (size_t i = 0; i < n && k < max; i++)
        if (i != best)
            out[k++] = &reg->entries[rows[i]];
    return n;
}

/* ---- services sharing a port ------------------------------------------ */

/* Text compared without case and without surrounding white space. */
static int same_text(const char *a, const char *b)
{
    while (isspace((unsigned char)*a))
        a++;
    while (isspace((unsigned char)*b))
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la && isspace((unsigned char)a[la - 1]))
        la--;
    while (lb && isspace((unsigned char)b[lb - 1]))
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* Two named rows on one port name the same service when the registry
 * describes them alike (http, www and www-http: "World Wide Web HTTP"), or
 * one is an alias row of the other, or both are aliases of one name.
 * Different descriptions, or an empty one, make distinct services. */
static int same_service(const ps_reg_entry *a, const ps_reg_entry *b)
{
    if (a->description[0] && same_text(a->description, b->description))
        return 1;
    const char *ka = a->alias_of ? a->alias_of : a->name;
    const char *kb = b->alias_of ? b->alias_of : b->name;
    return strcasecmp(ka, kb) == 0;
}

/* The rows covering a port in label order (rank, file order), each with
 * the index (in that order) of the first row of its service. Rows that are
 * not named are their own service. Returns the number of rows. */
static size_t port_services(const ps_registry *reg, int transport, uint16_t port, uint32_t *rows,
                            uint8_t *service)
{
    size_t n = covering_rows(reg, transport, port, rows);
    /* Insertion sort by rank keeps file order among equals. */
    for (size_t i = 1; i < n; i++) {
        uint32_t x = rows[i];
        int rx = entry_rank(&reg->entries[x]);
        size_t j = i;
        for (; j > 0 && entry_rank(&reg->entries[rows[j - 1]]) > rx; j--)
            rows[j] = rows[j - 1];
        rows[j] = x;
    }
    for (size_t i = 0; i < n; i++) {
        const ps_reg_entry *e = &reg->entries[rows[i]];
        service[i] = (uint8_t)i;
        if (e->status != PS_REG_NAMED)
            continue;
        /* Joins the service of the first earlier row it names alike;
         * another earlier match merges that service into it too. */
        for (size_t j = 0; j < i; j++) {
            const ps_reg_entry *f = &reg->entries[rows[j]];
            if (f->status != PS_REG_NAMED || !same_service(e, f))
                continue;
            uint8_t from = service[i], to = service[j];
            if (from == to)
                continue;
            if (from < to) {
                uint8_t tmp = from;
                from = to;
                to = tmp;
            }
            for (size_t k = 0; k <= i; k++)
                if (service[k] == from)
                    service[k] = to;
        }
    }
    return n;
}

size_t registry_port_rows(const ps_registry *reg, int transport, uint16_t port,
                          ps_reg_port_row *out, size_t max)
{
    uint32_t rows[MAX_COVERING];
    uint8_t service[MAX_COVERING];
    size_t n = port_services(reg, transport, port, rows, service);
    size_t k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        const ps_reg_entry *e = &reg->entries[rows[i]];
        ps_reg_port_row *r = &out[k++];
        r->entry = e;
        r->service = &reg->entries[rows[service[i]]];
        if (i == 0)
            r->role = PS_REG_ROLE_LABEL;
        else if (e->status != PS_REG_NAMED)
            r->role = PS_REG_ROLE_OTHER;
        else if (service[i] != i || e->alias_of)
            r->role = PS_REG_ROLE_ALIAS;
        else
            r->role = PS_REG_ROLE_ALSO;
    }
    return n;
}

/* The rows of the other services of (transport, port), in label order. */
static size_t port_also_rows(const ps_registry *reg, int transport, uint16_t port,
                             uint32_t *out)
{
    uint32_t rows[MAX_COVERING];
    uint8_t service[MAX_COVERING];
    size_t n = port_services(reg, transport, port, rows, service), k = 0;
    if (n == 0 || reg->entries[rows[0]].status != PS_REG_NAMED)
        return 0;
    for (size_t i = 1; i < n; i++) {
        const ps_reg_entry *e = &reg->entries[rows[i]];
        if (e->status == PS_REG_NAMED && service[i] == i && !e->alias_of)
            out[k++] = rows[i];
    }
    return k;
}

size_t registry_port_also(const ps_registry *reg, int transport, uint16_t port,
                          const ps_reg_entry **out, size_t max)
{
    if (transport <= PS_TRANSPORT_NONE || transport >= PS_TRANSPORT_COUNT)
        return 0;
    uint32_t slot = (uint32_t)transport << 16 | port;
    if (reg->t.multi_named && !(reg->t.multi_named[slot / 64] & (UINT64_C(1) << (slot % 64))))
        return 0;
    uint32_t computed[MAX_COVERING];
    const uint32_t *rows = computed;
    size_t n;
    if (reg->t.also_at) {
        size_t lo = 0, hi = reg->t.nalso_at;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (reg->t.also_at[mid].slot < slot)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == reg->t.nalso_at || reg->t.also_at[lo].slot != slot)
            return 0;
        rows = reg->t.also_rows + reg->t.also_at[lo].first;
        n = reg->t.also_at[lo].n;
    } else {
        n = port_also_rows(reg, transport, port, computed);
    }
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = &reg->entries[rows[i]];
    return n;
}

const ps_reg_entry *registry_find_service_code(const ps_registry *reg, uint32_t code)
{
    size_t lo = 0, hi = reg->t.ncodes;
    while (lo < hi) {   /* first row with code >= the one asked */
        size_t mid = lo + (hi - lo) / 2;
        if (reg->t.by_code[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == reg->t.ncodes || reg->t.by_code[lo].code != code)
        return NULL;
    return &reg->entries[reg->t.by_code[lo].row];
}

size_t registry_find_name(const ps_registry *reg, const char *name, const ps_reg_entry **out,
                          size_t max)
{
    char lower[256];
    size_t len = strlen(name);
    if (len >= sizeof lower)
        return 0;
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    ensure_index(reg);
    name_node *node;
    HASH_FIND(hh, reg->by_name, lower, len, node);
    size_t n = 0;
    for (uint32_t l = node ? node->head : NO_LINK; l != NO_LINK; l = reg->links[l].next) {
        if (n < max)
            out[n] = &reg->entries[reg->links[l].entry];
        n++;
    }
    return n;
}

const char *registry_source(const ps_registry *reg) { return reg->source; }

const char *registry_date(const ps_registry *reg) { return reg->date[0] ? reg->date : NULL; }

const char *registry_newest_row_date(const ps_registry *reg)
{
    return reg->newest_row[0] ? reg->newest_row : NULL;
}

ps_reg_format registry_format(const ps_registry *reg) { return reg->format; }

size_t registry_entry_count(const ps_registry *reg) { return reg->count; }

size_t registry_name_count(const ps_registry *reg)
{
    ensure_index(reg);
    return reg->nnames;
}

const char *registry_name_at(const ps_registry *reg, size_t i)
{
    ensure_index(reg);
    return i < reg->nnames ? reg->name_pool[i].key : NULL;
}

const ps_reg_entry *registry_entry(const ps_registry *reg, size_t i)
{
    return i < reg->count ? &reg->entries[i] : NULL;
}
