/* Tunnel chains interned: an open-addressing index of references into an
 * array of chains, each with its text and JSON forms made once, when the
 * chain is first seen (records and reports then only copy them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/common.h"
#include "portsniff/tunnel.h"

struct ps_tunnel_table {
    ps_tunnel_chain **chains;   /* [ref - 1] */
    size_t count, cap;
    uint32_t *index;            /* refs, 0 = empty; a power of two, at most half full */
    size_t index_size;
    uint64_t dropped;
};

ps_tunnel_table *tunnel_table_create(void)
{
    return calloc(1, sizeof(ps_tunnel_table));
}

void tunnel_table_free(ps_tunnel_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++)
        free(t->chains[i]);
    free(t->chains);
    free(t->index);
    free(t);
}

static uint32_t chain_hash(const ps_encap_layer *l, size_t depth)
{
    /* FNV-1a over the layers' bytes: a chain is hashed once per direction of
     * a tunnelled flow, not per packet. */
    const uint8_t *p = (const uint8_t *)l;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < depth * sizeof(*l); i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return;   /* tunnel_table_intern checks b->p after the last put */
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(strbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

/* prefix, then v in decimal. */
static void sb_fmt_u(strbuf *b, const char *prefix, unsigned long v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_str(b, prefix);
    sb_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

static void sb_addr(strbuf *b, int family, const uint8_t *a)
{
    char tmp[PS_PUT_ADDR_MAX];
    sb_put(b, tmp, (size_t)(ps_put_addr(tmp, family, a) - tmp));
}

/* The JSON name of a layer's identifier. */
static const char *id_key(int type)
{
    switch (type) {
    case PS_ENCAP_VXLAN: case PS_ENCAP_GENEVE: return "vni";
    case PS_ENCAP_GRE: return "key";
    case PS_ENCAP_GTPU: return "teid";
    case PS_ENCAP_PPPOE: case PS_ENCAP_ERSPAN: return "session";
    case PS_ENCAP_PPTP: return "call_id";
    default: return "id";
    }
}

static unsigned stored_labels(const ps_encap_layer *l)
{
    return l->nlabels < PS_ENCAP_MPLS_LABELS ? l->nlabels : PS_ENCAP_MPLS_LABELS;
}

static void layer_text(strbuf *b, const ps_encap_layer *l)
{
    sb_str(b, ps_encap_name(l->type));
    if (l->family) {
        sb_put(b, "@", 1);
        sb_addr(b, l->family, l->u.ep.src);
        sb_put(b, ">", 1);
        sb_addr(b, l->family, l->u.ep.dst);
    }
    if (l->type == PS_ENCAP_MPLS) {
        for (unsigned i = 0; i < stored_labels(l); i++)
            sb_fmt_u(b, i ? ":" : "#", l->u.labels[i]);
    } else if (l->type == PS_ENCAP_L2TP && l->has_id) {
        sb_fmt_u(b, "#", l->id >> 16);
        sb_fmt_u(b, ":", l->id & 0xffff);
    } else if (l->has_id) {
        sb_fmt_u(b, "#", l->id);
    }
}

static void layer_json(strbuf *b, const ps_encap_layer *l)
{
    sb_str(b, "{\"type\":\"");
    sb_str(b, ps_encap_name(l->type));
    sb_put(b, "\"", 1);
    if (l->family) {
        sb_str(b, ",\"src\":\"");
        sb_addr(b, l->family, l->u.ep.src);
        sb_str(b, "\",\"dst\":\"");
        sb_addr(b, l->family, l->u.ep.dst);
        sb_put(b, "\"", 1);
    }
    if (l->type == PS_ENCAP_MPLS) {
        sb_str(b, ",\"labels\":[");
        for (unsigned i = 0; i < stored_labels(l); i++)
            sb_fmt_u(b, i ? "," : "", l->u.labels[i]);
        sb_put(b, "]", 1);
        sb_fmt_u(b, ",\"stack_depth\":", l->nlabels);
    } else if (l->type == PS_ENCAP_L2TP && l->has_id) {
        sb_fmt_u(b, ",\"tunnel_id\":", l->id >> 16);
        sb_fmt_u(b, ",\"session_id\":", l->id & 0xffff);
    } else if (l->has_id) {
        sb_str(b, ",\"");
        sb_str(b, id_key(l->type));
        sb_fmt_u(b, "\":", l->id);
    }
    sb_put(b, "}", 1);
}

/* One layer rendered by `form` into buf (cut to len - 1, terminated). */
static size_t layer_into(void (*form)(strbuf *, const ps_encap_layer *),
                         const ps_encap_layer *l, char *buf, size_t len)
{
    strbuf b = {0};
    form(&b, l);
    size_t n = 0;
    if (b.p && len) {
        n = b.len < len - 1 ? b.len : len - 1;
        memcpy(buf, b.p, n);
        buf[n] = '\0';
    }
    free(b.p);
    return n;
}

size_t tunnel_layer_text(const ps_encap_layer *l, char *buf, size_t len)
{
    return layer_into(layer_text, l, buf, len);
}

size_t tunnel_layer_json(const ps_encap_layer *l, char *buf, size_t len)
{
    return layer_into(layer_json, l, buf, len);
}

static int render(ps_tunnel_chain *c, char **text, char **json)
{
    strbuf t = {0}, j = {0};
    sb_put(&j, "[", 1);
    for (unsigned i = 0; i < c->depth; i++) {
        const ps_encap_layer *l = &c->layer[i];
        if (i)
            sb_put(&t, "/", 1);
        if (i)
            sb_put(&j, ",", 1);
        if (l->vlan & PS_ENCAP_VLAN_SET) {
            sb_fmt_u(&t, "vlan#", l->vlan & 0xfffu);
            sb_put(&t, "/", 1);
            sb_fmt_u(&j, "{\"type\":\"vlan\",\"id\":", l->vlan & 0xfffu);
            sb_put(&j, "},", 2);
        }
        layer_text(&t, l);
        layer_json(&j, l);
    }
    sb_put(&j, "]", 1);
    if (!t.p || !j.p) {
        free(t.p);
        free(j.p);
        return -1;
    }
    *text = t.p;
    *json = j.p;
    return 0;
}

static int index_grow(ps_tunnel_table *t)
{
    size_t size = t->index_size ? t->index_size * 2 : 64;
    uint32_t *idx = calloc(size, sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < t->count; i++) {
        size_t j = t->chains[i]->hash & (size - 1);
        while (idx[j])
            j = (j + 1) & (size - 1);
        idx[j] = (uint32_t)(i + 1);
    }
    free(t->index);
    t->index = idx;
    t->index_size = size;
    return 0;
}

uint32_t tunnel_table_intern(ps_tunnel_table *t, const ps_packet *pkt)
{
    size_t depth = pkt->encap_depth;
    if (depth == 0)
        return PS_TUNNEL_NONE;
    uint32_t h = chain_hash(pkt->layer, depth);
    if (t->index_size) {
        for (size_t j = h & (t->index_size - 1); t->index[j]; j = (j + 1) & (t->index_size - 1)) {
            const ps_tunnel_chain *c = t->chains[t->index[j] - 1];
            if (c->hash == h && c->depth == depth &&
                memcmp(c->layer, pkt->layer, depth * sizeof(ps_encap_layer)) == 0)
                return t->index[j];
        }
    }
    if (t->count == PS_TUNNEL_MAX_CHAINS)
        goto dropped;
    if ((t->count + 1) * 2 > t->index_size && index_grow(t) != 0)
        goto dropped;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        ps_tunnel_chain **v = realloc(t->chains, cap * sizeof *v);
        if (!v)
            goto dropped;
        t->chains = v;
        t->cap = cap;
    }
    char *text, *json;
    ps_tunnel_chain *c = malloc(sizeof(ps_tunnel_chain) + depth * sizeof(ps_encap_layer));
    if (!c)
        goto dropped;
    c->hash = h;
    c->depth = (uint8_t)depth;
    memcpy(c->layer, pkt->layer, depth * sizeof(ps_encap_layer));
    if (render(c, &text, &json) != 0) {
        free(c);
        goto dropped;
    }
    /* The strings live with the chain: one allocation to free. */
    size_t tl = strlen(text) + 1, jl = strlen(json) + 1;
    size_t base = sizeof(ps_tunnel_chain) + depth * sizeof(ps_encap_layer);
    ps_tunnel_chain *full = realloc(c, base + tl + jl);
    if (!full) {
        free(c);
        free(text);
        free(json);
        goto dropped;
    }
    char *strs = (char *)full + base;
    memcpy(strs, text, tl);
    memcpy(strs + tl, json, jl);
    full->text = strs;
    full->json = strs + tl;
    free(text);
    free(json);
    t->chains[t->count++] = full;
    size_t j = h & (t->index_size - 1);
    while (t->index[j])
        j = (j + 1) & (t->index_size - 1);
    t->index[j] = (uint32_t)t->count;
    return (uint32_t)t->count;
dropped:
    t->dropped++;
    return PS_TUNNEL_DROPPED;
}

const ps_tunnel_chain *tunnel_table_get(const ps_tunnel_table *t, uint32_t ref)
{
    if (!t || ref == PS_TUNNEL_NONE || ref == PS_TUNNEL_DROPPED || ref > t->count)
        return NULL;
    return t->chains[ref - 1];
}

size_t tunnel_table_count(const ps_tunnel_table *t)
{
    return t->count;
}

uint64_t tunnel_table_dropped(const ps_tunnel_table *t)
{
    return t->dropped;
}
