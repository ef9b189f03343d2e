/* Per-service aggregation of ended flows, keyed by (label text, transport)
 * so that unregistered, reserved, unassigned and unnamed ports each get one
 * row per transport instead of one per port. */
#include <stdlib.h>
#include <string.h>

#include "report_rows.h"

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
    report_row *rows;
    row_cache_entry cache[ROW_CACHE_SIZE];
};

ps_report *report_create(void)
{
    return calloc(1, sizeof(ps_report));
}

void report_free(ps_report *r)
{
    if (!r)
        return;
    report_row *row, *tmp;
    HASH_ITER(hh, r->rows, row, tmp) {
        HASH_DEL(r->rows, row);
        free(row);
    }
    free(r);
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

void report_add_flow(ps_report *r, const ps_flow *flow, const ps_label *label)
{
    report_row *row = row_for_label(r, label_service_text(label), flow->key.transport, label->status);
    if (!row)
        return;
    row->flows++;
    row->packets += flow->dir[0].pkts + flow->dir[1].pkts;
    row->bytes += flow->dir[0].frame_bytes + flow->dir[1].frame_bytes;
    row->ip_bytes += flow->dir[0].ip_bytes + flow->dir[1].ip_bytes;
}

ps_report *report_clone(const ps_report *r)
{
    ps_report *c = report_create();
    if (!c)
        return NULL;
    for (const report_row *row = r->rows; row; row = row->hh.next) {
        report_row *copy = row_get(c, &row->key, row->status);
        if (!copy) {
            report_free(c);
            return NULL;
        }
        copy->flows = row->flows;
        copy->packets = row->packets;
        copy->bytes = row->bytes;
        copy->ip_bytes = row->ip_bytes;
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

int report_view_init(report_view *v, const ps_report *r, const ps_report_context *ctx)
{
    static const ps_run_stats no_run;
    static const ps_flow_counters no_flows;
    memset(v, 0, sizeof(*v));
    v->ctx = ctx;
    v->run = ctx->run ? ctx->run : &no_run;
    v->flows = ctx->flows ? ctx->flows : &no_flows;
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
    /* Without run counters (a report built from flows alone) the services
     * are the whole. */
    v->total_bytes = ctx->run ? v->run->frame_bytes : row_bytes;
    v->flows_ended = ctx->flows ? v->flows->flows_ended : row_flows;
    return 0;
}

void report_view_free(report_view *v)
{
    free(v->rows);
    v->rows = NULL;
}

double report_share(const report_view *v, uint64_t bytes)
{
    return v->total_bytes ? (double)bytes / (double)v->total_bytes : 0.0;
}

const char *report_proto_name(uint8_t proto, char *buf, size_t len)
{
    const char *name = ps_ip_proto_name(proto);
    if (name)
        return name;
    snprintf(buf, len, "proto-%u", (unsigned)proto);
    return buf;
}

int report_write(const ps_report *r, const ps_report_context *ctx, ps_format fmt, FILE *out)
{
    report_view v;
    if (report_view_init(&v, r, ctx) != 0)
        return -1;
    switch (fmt) {
    case PS_FMT_TEXT: report_write_text(&v, out); break;
    case PS_FMT_JSON: report_write_json(&v, out); break;
    case PS_FMT_CSV: report_write_csv(&v, out); break;
    default: break;
    }
    report_view_free(&v);
    if (fflush(out) != 0 || ferror(out))
        return -1;
    return 0;
}
