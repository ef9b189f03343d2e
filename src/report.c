/* The report model: per-service aggregation of ended flows, keyed by (label
 * text, transport) so that unregistered, reserved, unassigned and unnamed
 * ports each get one row per transport instead of one per port; the run's
 * counters; the time covered. Merge, subtract and reset work on the whole. */
#include <stdlib.h>
#include <string.h>

#include "portsniff/registry.h"
#include "portsniff/tunnel.h"
#include "portsniff/output.h"
#include "output/common.h"
#include "report_view.h"

/* Labels come from a few registry rows and fixed strings, so the row for a
 * (label text, transport) is remembered by the text's address: most flows
 * skip building and hashing the 65-byte key. */
#define ROW_CACHE_SIZE 256u

typedef struct row_cache_entry {
    const char *text;
    uint8_t transport;
    report_row *row;
} row_cache_entry;

struct ps_report {
    ps_report_config cfg;
    report_row *rows;
    row_cache_entry cache[ROW_CACHE_SIZE];
    talker_table hosts;         /* with --top: every flow counts to both its hosts */
    /* The series: every row's buckets are bucket_ns wide; lo..hi spans them all. */
    int64_t bucket_ns;
    int have_buckets;
    int64_t bucket_lo, bucket_hi;
    int have_counters;          /* report_set_counters or a merge gave run counters */
    ps_run_stats run;
    ps_flow_counters flows;
    uint64_t open_flows;
    int windowed;               /* report_set_window, or a subtract, set start/end */
    int64_t start_ns, end_ns;
    ps_report_export exports[PS_REPORT_MAX_EXPORTS];
    size_t nexports;
    tunnel_row *tunnels;
};

void report_config_defaults(ps_report_config *cfg, int live)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->prefix4 = 32;
    cfg->prefix6 = 128;
    cfg->service_talkers = live ? PS_REPORT_SERVICE_TALKERS_LIVE : PS_REPORT_SERVICE_TALKERS_FILE;
    cfg->host_talkers = live ? PS_REPORT_HOST_TALKERS_LIVE : PS_REPORT_HOST_TALKERS_FILE;
}

static void clear_counters(ps_report *r)
{
    r->have_counters = 0;
    run_stats_init(&r->run);
    memset(&r->flows, 0, sizeof(r->flows));
    r->open_flows = 0;
    r->windowed = 0;
    r->start_ns = r->end_ns = 0;
    r->nexports = 0;
    r->bucket_ns = r->cfg.bucket_ns > 0 ? r->cfg.bucket_ns : series_first_auto_width();
    r->have_buckets = 0;
    r->bucket_lo = r->bucket_hi = 0;
}

ps_report *report_create_with(const ps_report_config *cfg)
{
    ps_report *r = calloc(1, sizeof(ps_report));
    if (!r)
        return NULL;
    r->cfg = *cfg;
    if (r->cfg.top_n > PS_REPORT_TOP_MAX)
        r->cfg.top_n = PS_REPORT_TOP_MAX;
    talker_table_init(&r->hosts, r->cfg.host_talkers);
    clear_counters(r);
    return r;
}

ps_report *report_create(void)
{
    ps_report_config cfg;
    report_config_defaults(&cfg, 0);
    return report_create_with(&cfg);
}

ps_report *report_create_like(const ps_report *r)
{
    return report_create_with(&r->cfg);
}

static void free_row(report_row *row)
{
    row_series_free(&row->series);
    row_ports_free(&row->ports);
    talker_table_free(&row->servers);
    talker_table_free(&row->clients);
    free(row);
}

static void free_rows(ps_report *r)
{
    report_row *row, *tmp;
    HASH_ITER(hh, r->rows, row, tmp) {
        HASH_DEL(r->rows, row);
        free_row(row);
    }
    memset(r->cache, 0, sizeof(r->cache));
    talker_table_free(&r->hosts);
    talker_table_init(&r->hosts, r->cfg.host_talkers);
}

static void free_tunnels(ps_report *r)
{
    tunnel_row *t, *tmp;
    HASH_ITER(hh, r->tunnels, t, tmp) {
        HASH_DEL(r->tunnels, t);
        free(t);
    }
}

void report_free(ps_report *r)
{
    if (!r)
        return;
    free_rows(r);
    free_tunnels(r);
    talker_table_free(&r->hosts);
    free(r);
}

void report_reset(ps_report *r)
{
    free_rows(r);
    free_tunnels(r);
    clear_counters(r);
}

static report_row *row_get(ps_report *r, const report_key *key, uint8_t status)
{
    report_row *row;
    HASH_FIND(hh, r->rows, key, sizeof(*key), row);
    if (row)
        return row;
    row = calloc(1, sizeof(*row));
    if (!row)
        return NULL;
    row->key = *key;
    row->status = status;
    talker_table_init(&row->servers, r->cfg.service_talkers);
    talker_table_init(&row->clients, r->cfg.service_talkers);
    HASH_ADD(hh, r->rows, key, sizeof(row->key), row);
    return row;
}

static report_row *row_for_label(ps_report *r, const char *text, uint8_t transport, uint8_t status)
{
    uintptr_t h = ((uintptr_t)text >> 3) * 31u + transport;
    row_cache_entry *c = &r->cache[(h ^ (h >> 8)) % ROW_CACHE_SIZE];
    if (c->text == text && c->transport == transport && c->row)
        return c->row;
    report_key key;
    memset(&key, 0, sizeof(key));
    strncpy(key.label, text, sizeof(key.label) - 1);
    key.transport = transport;
    report_row *row = row_get(r, &key, status);
    if (row) {
        c->text = text;
        c->transport = transport;
        c->row = row;
    }
    return row;
}

/* ---- the time series ---- */

/* Widen every row's buckets by factor. */
static int widen_series(ps_report *r, int64_t factor)
{
    for (report_row *row = r->rows; row; row = row->hh.next)
        if (row_series_widen(&row->series, factor) != 0)
            return -1;
    r->bucket_ns *= factor;
    r->bucket_lo /= factor;
    r->bucket_hi /= factor;
    return 0;
}

/* The next width: the automatic ladder, or double a given width. */
static int64_t wider_factor(const ps_report *r)
{
    if (r->cfg.bucket_ns > 0)
        return 2;
    int64_t next = series_next_auto_width(r->bucket_ns);
    return next ? next / r->bucket_ns : 0;
}

/* Take the time first..last into the series' span, widening the buckets
 * while the span needs more of them than allowed. */
static int cover_span(ps_report *r, int64_t first_ns, int64_t last_ns)
{
    int64_t limit = r->cfg.bucket_ns > 0 ? SERIES_MAX_BUCKETS : SERIES_AUTO_BUCKETS;
    int64_t lo = first_ns / r->bucket_ns, hi = last_ns / r->bucket_ns;
    if (r->have_buckets) {
        if (r->bucket_lo < lo)
            lo = r->bucket_lo;
        if (r->bucket_hi > hi)
            hi = r->bucket_hi;
    }
    r->have_buckets = 1;
    r->bucket_lo = lo;
    r->bucket_hi = hi;
    while (r->bucket_hi - r->bucket_lo + 1 > limit) {
        int64_t f = wider_factor(r);
        if (f <= 1)
            break;
        if (widen_series(r, f) != 0)
            return -1;
    }
    return 0;
}

static int add_series(ps_report *r, report_row *row, const ps_flow *flow, uint64_t packets,
                      uint64_t bytes)
{
    int64_t first = flow->first_ns, last = flow->last_ns < first ? first : flow->last_ns;
    if (cover_span(r, first, last) != 0)
        return -1;
    if (row_series_reserve(&row->series, first / r->bucket_ns, last / r->bucket_ns) != 0)
        return -1;
    row_series_add_flow(&row->series, r->bucket_ns, first, last, packets, bytes);
    return 0;
}

/* ---- top talkers ---- */

static int add_talkers(ps_report *r, report_row *row, const ps_flow *flow, const ps_label *label,
                       uint64_t packets, uint64_t bytes)
{
    const ps_report_config *c = &r->cfg;
    /* The server is the endpoint holding the service port, the responder
     * when both or neither do. */
    int server_is_orig = flow_resp_port(flow) != label->service_port &&
                         flow_orig_port(flow) == label->service_port;
    const uint8_t *server = server_is_orig ? flow_orig_addr(flow) : flow_resp_addr(flow);
    const uint8_t *client = server_is_orig ? flow_resp_addr(flow) : flow_orig_addr(flow);
    uint16_t server_port = server_is_orig ? flow_orig_port(flow) : flow_resp_port(flow);
    int family = flow->key.family;
    talker_key ks, kc;

    talker_key_make(&ks, family, server, 1, server_port, c->prefix4, c->prefix6);
    talker_key_make(&kc, family, client, 0, 0, c->prefix4, c->prefix6);
    if (talker_add(&row->servers, &ks, bytes, packets, 1, 0) != 0 ||
        talker_add(&row->clients, &kc, bytes, packets, 1, 0) != 0 ||
        talker_add(&r->hosts, &kc, bytes, packets, 1, 0) != 0)
        return -1;
    /* Both ends count to the host table, once when they share a prefix. */
    ks.has_port = 0;
    ks.port = 0;
    if (memcmp(&ks, &kc, sizeof(ks)) == 0)
        return 0;
    return talker_add(&r->hosts, &ks, bytes, packets, 1, 0);
}

void report_add_flow(ps_report *r, const ps_flow *flow, const ps_label *label)
{
    report_row *row = row_for_label(r, label_service_text(label), flow->key.transport, label->status);
    if (!row)
        return;
    uint64_t packets = flow->dir[0].pkts + flow->dir[1].pkts;
    uint64_t bytes = flow->dir[0].frame_bytes + flow->dir[1].frame_bytes;
    row->flows++;
    row->packets += packets;
    row->bytes += bytes;
    row->ip_bytes += flow->dir[0].ip_bytes + flow->dir[1].ip_bytes;
    add_series(r, row, flow, packets, bytes);
    /* Ports of rows the registry does not name; an ICMP row has none. */
    if (row->status != PS_REG_NAMED && row->status != PS_REG_IP_PROTOCOL)
        row_ports_add(&row->ports, label->service_port, 1, packets, bytes);
    if (r->cfg.top_n)
        add_talkers(r, row, flow, label, packets, bytes);
}

/* ---- the tunnels table ---- */

static void tunnel_key(const ps_encap_layer *l, ps_encap_layer *k)
{
    *k = *l;
    k->vlan = 0;
    if (k->family && memcmp(k->u.ep.src, k->u.ep.dst, sizeof k->u.ep.src) > 0) {
        memcpy(k->u.ep.src, l->u.ep.dst, sizeof k->u.ep.src);
        memcpy(k->u.ep.dst, l->u.ep.src, sizeof k->u.ep.dst);
    }
}

static tunnel_row *tunnel_get(ps_report *r, const ps_encap_layer *key)
{
    tunnel_row *t;
    HASH_FIND(hh, r->tunnels, key, sizeof(*key), t);
    if (t)
        return t;
    t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->key = *key;
    HASH_ADD(hh, r->tunnels, key, sizeof(t->key), t);
    return t;
}

void report_add_tunnels(ps_report *r, const ps_flow *flow, const ps_tunnel_chain *orig,
                        const ps_tunnel_chain *resp)
{
    if (!orig && !resp)
        return;           /* most flows: nothing tunnelled */
    const ps_tunnel_chain *chain[2] = {orig, resp};
    const ps_dir_stats *dir[2] = {flow_orig_stats(flow), flow_resp_stats(flow)};
    tunnel_row *seen[2 * PS_ENCAP_MAX];
    size_t nseen = 0;
    for (int d = 0; d < 2; d++) {
        if (!chain[d])
            continue;
        for (unsigned i = 0; i < chain[d]->depth; i++) {
            ps_encap_layer k;
            tunnel_key(&chain[d]->layer[i], &k);
            tunnel_row *t = tunnel_get(r, &k);
            if (!t)
                return;
            t->packets += dir[d]->pkts;
            t->bytes += dir[d]->frame_bytes;
            /* The flow counts once to a tunnel both its directions used. */
            size_t j = 0;
            while (j < nseen && seen[j] != t)
                j++;
            if (j == nseen) {
                seen[nseen++] = t;
                t->flows++;
            }
        }
    }
}

void report_set_counters(ps_report *r, const ps_run_stats *run, const ps_flow_counters *flows,
                         uint64_t open_flows)
{
    r->have_counters = 1;
    r->run = *run;
    r->flows = *flows;
    r->open_flows = open_flows;
}

const ps_run_stats *report_run_stats(const ps_report *r)
{
    return &r->run;
}

void report_set_exports(ps_report *r, const ps_report_export *e, size_t n)
{
    r->nexports = n < PS_REPORT_MAX_EXPORTS ? n : PS_REPORT_MAX_EXPORTS;
    memcpy(r->exports, e, r->nexports * sizeof(*e));
}

void report_set_window(ps_report *r, int64_t start_ns, int64_t end_ns)
{
    r->windowed = 1;
    r->start_ns = start_ns;
    r->end_ns = end_ns;
}

/* ---- combining reports ---- */

static uint64_t sub_floor0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/* The time a report covers, as report_view_init works it out; 0 when none. */
static int report_span(const ps_report *r, int64_t *start, int64_t *end)
{
    if (r->windowed) {
        *start = r->start_ns;
        *end = r->end_ns;
        return 1;
    }
    if (r->run.packets == 0)
        return 0;
    *start = r->run.first_ns;
    *end = r->run.last_ns;
    return 1;
}

static void merge_run(ps_run_stats *d, const ps_run_stats *s)
{
    if (s->packets) {
        if (d->packets == 0 || s->first_ns < d->first_ns)
            d->first_ns = s->first_ns;
        if (d->packets == 0 || s->last_ns > d->last_ns)
            d->last_ns = s->last_ns;
    }
    d->packets += s->packets;
    d->frame_bytes += s->frame_bytes;
    d->transport_packets += s->transport_packets;
    d->fragment_packets += s->fragment_packets;
    d->non_ip_packets += s->non_ip_packets;
    d->non_ip_bytes += s->non_ip_bytes;
    d->unsupported_link_packets += s->unsupported_link_packets;
    if (s->unsupported_dlt >= 0)
        d->unsupported_dlt = s->unsupported_dlt;
    for (int m = 0; m < PS_MAL_COUNT; m++)
        d->malformed[m] += s->malformed[m];
    d->malformed_total += s->malformed_total;
    for (int p = 0; p < 256; p++) {
        d->other_ip_packets[p] += s->other_ip_packets[p];
        d->other_ip_bytes[p] += s->other_ip_bytes[p];
    }
    d->other_ip_total_packets += s->other_ip_total_packets;
    d->other_ip_total_bytes += s->other_ip_total_bytes;
    d->have_kernel_stats |= s->have_kernel_stats;
    d->kernel_received += s->kernel_received;
    d->kernel_dropped += s->kernel_dropped;
    d->interface_dropped += s->interface_dropped;
}

static void merge_flow_counters(ps_flow_counters *d, const ps_flow_counters *s)
{
    d->flows_created += s->flows_created;
    d->flows_ended += s->flows_ended;
    d->flows_evicted += s->flows_evicted;
    d->fragments_matched += s->fragments_matched;
    d->fragments_unmatched += s->fragments_unmatched;
    d->fragment_cache_evictions += s->fragment_cache_evictions;
    d->peak_flows += s->peak_flows;
}

static ps_report_export *find_export(ps_report *r, const char *dest)
{
    for (size_t i = 0; i < r->nexports; i++)
        if (strcmp(r->exports[i].dest, dest) == 0)
            return &r->exports[i];
    return NULL;
}

/* Destinations add up by name (workers exporting to the same collector). */
static void merge_exports(ps_report *dst, const ps_report *src)
{
    for (size_t i = 0; i < src->nexports; i++) {
        const ps_report_export *s = &src->exports[i];
        ps_report_export *d = find_export(dst, s->dest);
        if (!d) {
            if (dst->nexports == PS_REPORT_MAX_EXPORTS)
                continue;
            d = &dst->exports[dst->nexports++];
            memset(d, 0, sizeof(*d));
            memcpy(d->dest, s->dest, sizeof(d->dest));
        }
        d->messages += s->messages;
        d->octets += s->octets;
        d->records += s->records;
        d->not_sent_records += s->not_sent_records;
        d->not_sent_packets += s->not_sent_packets;
        d->not_sent_octets += s->not_sent_octets;
    }
}

static void subtract_exports(ps_report *dst, const ps_report *src)
{
    for (size_t i = 0; i < src->nexports; i++) {
        const ps_report_export *s = &src->exports[i];
        ps_report_export *d = find_export(dst, s->dest);
        if (!d)
            continue;
        d->messages = sub_floor0(d->messages, s->messages);
        d->octets = sub_floor0(d->octets, s->octets);
        d->records = sub_floor0(d->records, s->records);
        d->not_sent_records = sub_floor0(d->not_sent_records, s->not_sent_records);
        d->not_sent_packets = sub_floor0(d->not_sent_packets, s->not_sent_packets);
        d->not_sent_octets = sub_floor0(d->not_sent_octets, s->not_sent_octets);
    }
}

/* A copy of src's series at dst's (wider or equal) bucket width. */
static int series_at_width(const row_series *src, int64_t factor, row_series *out)
{
    memset(out, 0, sizeof(*out));
    if (row_series_merge(out, src) != 0 || row_series_widen(out, factor) != 0) {
        row_series_free(out);
        return -1;
    }
    return 0;
}

/* Bring dst's and src's series to one width: dst is widened here; the
 * factor src's rows need is returned in src_factor. */
static int align_series(ps_report *dst, const ps_report *src, int64_t *src_factor)
{
    *src_factor = 1;
    if (src->bucket_ns > dst->bucket_ns) {
        if (!dst->have_buckets) {
            dst->bucket_ns = src->bucket_ns;
            return 0;
        }
        return widen_series(dst, src->bucket_ns / dst->bucket_ns);
    }
    *src_factor = dst->bucket_ns / src->bucket_ns;
    return 0;
}

int report_merge(ps_report *dst, const ps_report *src)
{
    int64_t factor;
    if (align_series(dst, src, &factor) != 0)
        return -1;
    for (const report_row *row = src->rows; row; row = row->hh.next) {
        report_row *d = row_get(dst, &row->key, row->status);
        if (!d)
            return -1;
        d->flows += row->flows;
        d->packets += row->packets;
        d->bytes += row->bytes;
        d->ip_bytes += row->ip_bytes;
        if (row_ports_merge(&d->ports, &row->ports) != 0 ||
            talker_merge(&d->servers, &row->servers) != 0 ||
            talker_merge(&d->clients, &row->clients) != 0)
            return -1;
        if (row->series.n) {
            row_series tmp;
            if (series_at_width(&row->series, factor, &tmp) != 0)
                return -1;
            int64_t lo, hi;
            int used = row_series_extent(&tmp, &lo, &hi);
            int rc = row_series_merge(&d->series, &tmp);
            row_series_free(&tmp);
            if (rc != 0)
                return -1;
            if (used) {
                if (!dst->have_buckets || lo < dst->bucket_lo)
                    dst->bucket_lo = lo;
                if (!dst->have_buckets || hi > dst->bucket_hi)
                    dst->bucket_hi = hi;
                dst->have_buckets = 1;
            }
        }
    }
    if (talker_merge(&dst->hosts, &src->hosts) != 0)
        return -1;
    for (const tunnel_row *t = src->tunnels; t; t = t->hh.next) {
        tunnel_row *d = tunnel_get(dst, &t->key);
        if (!d)
            return -1;
        d->flows += t->flows;
        d->packets += t->packets;
        d->bytes += t->bytes;
    }
    /* The merged span may need wider buckets. */
    if (dst->have_buckets && cover_span(dst, dst->bucket_lo * dst->bucket_ns,
                                        dst->bucket_hi * dst->bucket_ns) != 0)
        return -1;
    if (dst->windowed || src->windowed) {
        int64_t ds, de, ss, se;
        int dhave = report_span(dst, &ds, &de), shave = report_span(src, &ss, &se);
        if (!dhave) {
            ds = ss;
            de = se;
        } else if (shave) {
            ds = ss < ds ? ss : ds;
            de = se > de ? se : de;
        }
        report_set_window(dst, ds, de);
    }
    merge_run(&dst->run, &src->run);
    merge_flow_counters(&dst->flows, &src->flows);
    dst->open_flows += src->open_flows;
    dst->have_counters |= src->have_counters;
    merge_exports(dst, src);
    return 0;
}

static void subtract_run(ps_run_stats *d, const ps_run_stats *s)
{
    d->packets = sub_floor0(d->packets, s->packets);
    d->frame_bytes = sub_floor0(d->frame_bytes, s->frame_bytes);
    d->transport_packets = sub_floor0(d->transport_packets, s->transport_packets);
    d->fragment_packets = sub_floor0(d->fragment_packets, s->fragment_packets);
    d->non_ip_packets = sub_floor0(d->non_ip_packets, s->non_ip_packets);
    d->non_ip_bytes = sub_floor0(d->non_ip_bytes, s->non_ip_bytes);
    d->unsupported_link_packets = sub_floor0(d->unsupported_link_packets, s->unsupported_link_packets);
    for (int m = 0; m < PS_MAL_COUNT; m++)
        d->malformed[m] = sub_floor0(d->malformed[m], s->malformed[m]);
    d->malformed_total = sub_floor0(d->malformed_total, s->malformed_total);
    for (int p = 0; p < 256; p++) {
        d->other_ip_packets[p] = sub_floor0(d->other_ip_packets[p], s->other_ip_packets[p]);
        d->other_ip_bytes[p] = sub_floor0(d->other_ip_bytes[p], s->other_ip_bytes[p]);
    }
    d->other_ip_total_packets = sub_floor0(d->other_ip_total_packets, s->other_ip_total_packets);
    d->other_ip_total_bytes = sub_floor0(d->other_ip_total_bytes, s->other_ip_total_bytes);
    d->kernel_received = sub_floor0(d->kernel_received, s->kernel_received);
    d->kernel_dropped = sub_floor0(d->kernel_dropped, s->kernel_dropped);
    d->interface_dropped = sub_floor0(d->interface_dropped, s->interface_dropped);
}

static void subtract_flow_counters(ps_flow_counters *d, const ps_flow_counters *s)
{
    d->flows_created = sub_floor0(d->flows_created, s->flows_created);
    d->flows_ended = sub_floor0(d->flows_ended, s->flows_ended);
    d->flows_evicted = sub_floor0(d->flows_evicted, s->flows_evicted);
    d->fragments_matched = sub_floor0(d->fragments_matched, s->fragments_matched);
    d->fragments_unmatched = sub_floor0(d->fragments_unmatched, s->fragments_unmatched);
    d->fragment_cache_evictions = sub_floor0(d->fragment_cache_evictions, s->fragment_cache_evictions);
}

int report_subtract(ps_report *dst, const ps_report *src)
{
    int64_t factor;
    if (align_series(dst, src, &factor) != 0)
        return -1;
    for (const report_row *row = src->rows; row; row = row->hh.next) {
        report_row *d;
        HASH_FIND(hh, dst->rows, &row->key, sizeof(row->key), d);
        if (!d)
            continue;
        d->flows = sub_floor0(d->flows, row->flows);
        d->packets = sub_floor0(d->packets, row->packets);
        d->bytes = sub_floor0(d->bytes, row->bytes);
        d->ip_bytes = sub_floor0(d->ip_bytes, row->ip_bytes);
        row_ports_subtract(&d->ports, &row->ports);
        if (talker_subtract(&d->servers, &row->servers) != 0 ||
            talker_subtract(&d->clients, &row->clients) != 0)
            return -1;
        if (row->series.n) {
            row_series tmp;
            if (series_at_width(&row->series, factor, &tmp) != 0)
                return -1;
            row_series_subtract(&d->series, &tmp);
            row_series_free(&tmp);
        }
        if (d->flows == 0 && d->packets == 0 && d->bytes == 0) {
            HASH_DEL(dst->rows, d);
            free_row(d);
        }
    }
    if (talker_subtract(&dst->hosts, &src->hosts) != 0)
        return -1;
    for (const tunnel_row *t = src->tunnels; t; t = t->hh.next) {
        tunnel_row *d;
        HASH_FIND(hh, dst->tunnels, &t->key, sizeof(t->key), d);
        if (!d)
            continue;
        d->flows = sub_floor0(d->flows, t->flows);
        d->packets = sub_floor0(d->packets, t->packets);
        d->bytes = sub_floor0(d->bytes, t->bytes);
        if (d->flows == 0 && d->packets == 0 && d->bytes == 0) {
            HASH_DEL(dst->tunnels, d);
            free(d);
        }
    }
    memset(dst->cache, 0, sizeof(dst->cache));
    int64_t ds, de, ss, se;
    int dhave = report_span(dst, &ds, &de), shave = report_span(src, &ss, &se);
    if (shave)
        report_set_window(dst, se, dhave && de > se ? de : se);
    subtract_run(&dst->run, &src->run);
    subtract_flow_counters(&dst->flows, &src->flows);
    subtract_exports(dst, src);
    return 0;
}

uint64_t report_flow_total(const ps_report *r)
{
    uint64_t n = 0;
    for (const report_row *row = r->rows; row; row = row->hh.next)
        n += row->flows;
    return n;
}

ps_report *report_clone(const ps_report *r)
{
    ps_report *c = report_create_like(r);
    if (!c)
        return NULL;
    /* Merged into an empty report, every figure, gauge and window comes
     * across as it is. */
    if (report_merge(c, r) != 0) {
        report_free(c);
        return NULL;
    }
    return c;
}

/* ---- the view the writers share ---- */

static int compare_rows(const void *pa, const void *pb)
{
    const report_row *a = *(const report_row *const *)pa, *b = *(const report_row *const *)pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    int c = strcmp(a->key.label, b->key.label);
    if (c)
        return c;
    return (a->key.transport > b->key.transport) - (a->key.transport < b->key.transport);
}

static int compare_other(const void *pa, const void *pb)
{
    const other_proto_row *a = pa, *b = pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    return (a->proto > b->proto) - (a->proto < b->proto);
}

static void gather_other(report_view *v)
{
    v->nother = 0;
    for (int p = 0; p < 256; p++) {
        if (v->run->other_ip_packets[p] == 0)
            continue;
        other_proto_row *o = &v->other[v->nother++];
        o->proto = (uint8_t)p;
        o->packets = v->run->other_ip_packets[p];
        o->bytes = v->run->other_ip_bytes[p];
    }
    qsort(v->other, v->nother, sizeof(v->other[0]), compare_other);
}

static int compare_transports(const void *pa, const void *pb)
{
    const transport_total *a = pa, *b = pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    return (a->transport > b->transport) - (a->transport < b->transport);
}

/* Per row: its top talkers and listed ports; per transport: its totals. */
static int gather_rows(report_view *v)
{
    v->extra = calloc(v->nrows ? v->nrows : 1, sizeof(*v->extra));
    if (!v->extra)
        return -1;
    transport_total by[256];
    memset(by, 0, sizeof(by));
    for (size_t i = 0; i < v->nrows; i++) {
        const report_row *row = v->rows[i];
        row_extra *x = &v->extra[i];
        x->nservers = talker_top(&row->servers, x->servers, v->cfg->top_n);
        x->nclients = talker_top(&row->clients, x->clients, v->cfg->top_n);
        x->nports = row_ports_top(&row->ports, x->ports, REPORT_PORTS_LISTED);
        x->other_ports = (port_cell){row->flows, row->packets, row->bytes};
        x->nother_ports = row->ports.nports - (uint32_t)x->nports;
        for (size_t k = 0; k < x->nports; k++) {
            const port_cell *c = &row->ports.cells[x->ports[k]];
            x->other_ports.flows -= c->flows;
            x->other_ports.packets -= c->packets;
            x->other_ports.bytes -= c->bytes;
        }
        transport_total *t = &by[row->key.transport];
        t->transport = row->key.transport;
        t->flows += row->flows;
        t->packets += row->packets;
        t->bytes += row->bytes;
    }
    for (int t = 0; t < 256; t++)
        if (by[t].flows && v->ntransports < sizeof(v->transports) / sizeof(v->transports[0]))
            v->transports[v->ntransports++] = by[t];
    qsort(v->transports, v->ntransports, sizeof(v->transports[0]), compare_transports);
    return 0;
}

static int compare_tunnels(const void *pa, const void *pb)
{
    const tunnel_row *a = *(const tunnel_row *const *)pa, *b = *(const tunnel_row *const *)pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->key.type != b->key.type)
        return a->key.type < b->key.type ? -1 : 1;
    return memcmp(&a->key, &b->key, sizeof(a->key));
}

static int gather_tunnels(report_view *v, const ps_report *r)
{
    size_t n = HASH_COUNT(r->tunnels);
    v->tunnels = malloc((n ? n : 1) * sizeof(*v->tunnels));
    if (!v->tunnels)
        return -1;
    for (const tunnel_row *t = r->tunnels; t; t = t->hh.next)
        v->tunnels[v->ntunnels++] = t;
    qsort(v->tunnels, v->ntunnels, sizeof(*v->tunnels), compare_tunnels);
    for (size_t i = REPORT_TUNNELS_LISTED; i < v->ntunnels; i++) {
        v->ntunnels_other++;
        v->tunnels_other_flows += v->tunnels[i]->flows;
        v->tunnels_other_packets += v->tunnels[i]->packets;
        v->tunnels_other_bytes += v->tunnels[i]->bytes;
    }
    if (v->ntunnels > REPORT_TUNNELS_LISTED)
        v->ntunnels = REPORT_TUNNELS_LISTED;
    return 0;
}

void report_tunnel_parts(const tunnel_row *t, char *src, char *dst, char *id, size_t ilen)
{
    const ps_encap_layer *l = &t->key;
    src[0] = dst[0] = '\0';
    if (l->family) {
        format_addr(src, PS_PUT_ADDR_MAX, l->family, l->u.ep.src);
        format_addr(dst, PS_PUT_ADDR_MAX, l->family, l->u.ep.dst);
    }
    /* The identifier as the compact form writes it, after its '#'. */
    char text[256];
    tunnel_layer_text(l, text, sizeof text);
    const char *hash = strchr(text, '#');
    snprintf(id, ilen, "%s", hash ? hash + 1 : "");
}

int report_view_init(report_view *v, const ps_report *r, const ps_report_context *ctx)
{
    memset(v, 0, sizeof(*v));
    v->ctx = ctx;
    v->run = &r->run;
    v->flows = &r->flows;
    v->open_flows = r->open_flows;
    v->windowed = r->windowed;
    v->have_span = report_span(r, &v->start_ns, &v->end_ns);
    v->exports = r->exports;
    v->nexports = r->nexports;
    size_t n = HASH_COUNT(r->rows);
    v->rows = malloc((n ? n : 1) * sizeof(*v->rows));
    if (!v->rows)
        return -1;
    uint64_t row_bytes = 0, row_flows = 0;
    for (const report_row *row = r->rows; row; row = row->hh.next) {
        v->rows[v->nrows++] = row;
        row_bytes += row->bytes;
        row_flows += row->flows;
    }
    qsort(v->rows, v->nrows, sizeof(*v->rows), compare_rows);
    gather_other(v);
    v->cfg = &r->cfg;
    if (gather_rows(v) != 0) {
        report_view_free(v);
        return -1;
    }
    if (gather_tunnels(v, r) != 0) {
        report_view_free(v);
        return -1;
    }
    v->nhosts = talker_top(&r->hosts, v->hosts, r->cfg.top_n);
    v->bucket_ns = r->bucket_ns;
    v->bucket_lo = r->have_buckets ? r->bucket_lo : 1;
    v->bucket_hi = r->have_buckets ? r->bucket_hi : 0;
    /* Without run counters (a report built from flows alone) the services
     * are the whole. */
    v->total_bytes = r->have_counters ? r->run.frame_bytes : row_bytes;
    v->flows_ended = r->have_counters ? r->flows.flows_ended : row_flows;
    return 0;
}

void report_view_free(report_view *v)
{
    free(v->rows);
    free(v->extra);
    free(v->tunnels);
    v->rows = NULL;
    v->extra = NULL;
    v->tunnels = NULL;
}

const series_cell *report_view_cell(const report_view *v, size_t row, int64_t bucket)
{
    const row_series *s = &v->rows[row]->series;
    if (bucket < s->lo || bucket >= s->lo + (int64_t)s->n)
        return NULL;
    return &s->cells[bucket - s->lo];
}

double report_share(const report_view *v, uint64_t bytes)
{
    return v->total_bytes ? (double)bytes / (double)v->total_bytes : 0.0;
}

int report_registry_age(const report_view *v, int64_t *days)
{
    return v->ctx->now != 0 && registry_date_age(v->ctx->registry_date, v->ctx->now, days);
}

void report_seconds(char *buf, size_t len, int64_t ns)
{
    snprintf(buf, len, "%lld.%09lld", (long long)(ns / 1000000000), (long long)(ns % 1000000000));
    char *end = buf + strlen(buf);
    while (end > buf && end[-1] == '0')
        *--end = '\0';
    if (end > buf && end[-1] == '.')
        end[-1] = '\0';
}

const char *report_proto_name(uint8_t proto, char *buf, size_t len)
{
    const char *name = ps_ip_proto_name(proto);
    if (name)
        return name;
    snprintf(buf, len, "proto-%u", (unsigned)proto);
    return buf;
}

int report_write(const ps_report *r, const ps_report_context *ctx, const ps_report_writer *w,
                 FILE *out)
{
    report_view v;
    if (report_view_init(&v, r, ctx) != 0)
        return -1;
    w->write(&v, out);
    report_view_free(&v);
    if (fflush(out) != 0 || ferror(out))
        return -1;
    return 0;
}
