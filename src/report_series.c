/* Time series per service row, and the per-port counts of the rows that are
 * not a named service (see report_agg.h). */
#include <stdlib.h>
#include <string.h>

#include "report_agg.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

/* Each a multiple of the one before, so that buckets merge when widened. */
static const int64_t auto_widths[] = {
    1 * MS, 2 * MS, 10 * MS, 20 * MS, 100 * MS, 200 * MS,
    1 * SEC, 2 * SEC, 10 * SEC, 20 * SEC, 60 * SEC, 120 * SEC, 600 * SEC, 1200 * SEC,
    3600 * SEC, 7200 * SEC, 21600 * SEC, 43200 * SEC, 86400 * SEC, 7 * 86400 * SEC, 28 * 86400 * SEC,
};

int64_t series_first_auto_width(void)
{
    return auto_widths[0];
}

int64_t series_next_auto_width(int64_t w)
{
    for (size_t i = 0; i + 1 < sizeof(auto_widths) / sizeof(auto_widths[0]); i++)
        if (auto_widths[i] == w)
            return auto_widths[i + 1];
    return 0;
}

void row_series_free(row_series *s)
{
    free(s->cells);
    memset(s, 0, sizeof(*s));
}

int row_series_reserve(row_series *s, int64_t lo, int64_t hi)
{
    if (s->n) {
        int64_t have_hi = s->lo + (int64_t)s->n - 1;
        if (lo >= s->lo && hi <= have_hi)
            return 0;
        /* Time mostly moves on: room to spare at the end that grows, so
         * that a series is copied a few times, not once per new bucket. */
        int64_t slack = (int64_t)s->n;
        if (hi > have_hi)
            hi += slack;
        if (lo < s->lo)
            lo = lo - slack > 0 ? lo - slack : 0;
        if (s->lo < lo)
            lo = s->lo;
        if (have_hi > hi)
            hi = have_hi;
    }
    size_t n = (size_t)(hi - lo + 1);
    series_cell *cells = calloc(n, sizeof(*cells));
    if (!cells)
        return -1;
    if (s->n)
        memcpy(cells + (s->lo - lo), s->cells, s->n * sizeof(*cells));
    free(s->cells);
    s->cells = cells;
    s->lo = lo;
    s->n = n;
    return 0;
}

/* value * x = q * span + r, without overflow. */
static void muldiv(uint64_t value, uint64_t x, uint64_t span, uint64_t *q, uint64_t *r)
{
    uint64_t p;
    if (!__builtin_mul_overflow(value, x, &p)) {
        *q = p / span;
        *r = p % span;
        return;
    }
    unsigned __int128 w = (unsigned __int128)value * x;
    *q = (uint64_t)(w / span);
    *r = (uint64_t)(w % span);
}

/* The cumulative share floor(value * upto / span) at each bucket's end,
 * where upto grows by the bucket width after the first: stepped with a
 * running remainder, so a flow costs four divisions however many buckets
 * it spans. */
typedef struct spread {
    uint64_t q, r, qstep, rstep, span;
} spread;

static void spread_init(spread *sp, uint64_t value, uint64_t first_part, uint64_t width, uint64_t span)
{
    sp->span = span;
    muldiv(value, first_part, span, &sp->q, &sp->r);
    muldiv(value, width, span, &sp->qstep, &sp->rstep);
}

static void spread_step(spread *sp)
{
    sp->q += sp->qstep;
    sp->r += sp->rstep;
    if (sp->r >= sp->span) {
        sp->q++;
        sp->r -= sp->span;
    }
}

void row_series_add_flow(row_series *s, int64_t width_ns, int64_t first_ns, int64_t last_ns,
                         uint64_t packets, uint64_t bytes)
{
    if (last_ns < first_ns)
        last_ns = first_ns;
    int64_t b0 = first_ns / width_ns, b1 = last_ns / width_ns;
    series_cell *c = &s->cells[b0 - s->lo];
    c->flows++;
    if (b0 == b1) {
        c->packets += packets;
        c->bytes += bytes;
        return;
    }
    /* Cumulative shares rounded down, so the buckets add up to the flow. */
    uint64_t span = (uint64_t)(last_ns - first_ns);
    /* (b0 + 1) * width - first, without overflow near the clamped end of time. */
    uint64_t first_part = (uint64_t)(width_ns - first_ns % width_ns);
    spread p, y;
    spread_init(&p, packets, first_part, (uint64_t)width_ns, span);
    spread_init(&y, bytes, first_part, (uint64_t)width_ns, span);
    uint64_t done_p = 0, done_b = 0;
    for (int64_t b = b0; b < b1; b++) {
        c = &s->cells[b - s->lo];
        c->packets += p.q - done_p;
        c->bytes += y.q - done_b;
        done_p = p.q;
        done_b = y.q;
        spread_step(&p);
        spread_step(&y);
    }
    c = &s->cells[b1 - s->lo];
    c->packets += packets - done_p;
    c->bytes += bytes - done_b;
}

int row_series_extent(const row_series *s, int64_t *lo, int64_t *hi)
{
    size_t a = 0, b = s->n;
    while (a < b && !(s->cells[a].flows || s->cells[a].packets || s->cells[a].bytes))
        a++;
    while (b > a && !(s->cells[b - 1].flows || s->cells[b - 1].packets || s->cells[b - 1].bytes))
        b--;
    if (a == b)
        return 0;
    *lo = s->lo + (int64_t)a;
    *hi = s->lo + (int64_t)b - 1;
    return 1;
}

int row_series_widen(row_series *s, int64_t factor)
{
    if (!s->n || factor <= 1)
        return 0;
    int64_t lo = s->lo / factor, hi = (s->lo + (int64_t)s->n - 1) / factor;
    size_t n = (size_t)(hi - lo + 1);
    series_cell *cells = calloc(n, sizeof(*cells));
    if (!cells)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        series_cell *d = &cells[(s->lo + (int64_t)i) / factor - lo];
        d->flows += s->cells[i].flows;
        d->packets += s->cells[i].packets;
        d->bytes += s->cells[i].bytes;
    }
    free(s->cells);
    s->cells = cells;
    s->lo = lo;
    s->n = n;
    return 0;
}

int row_series_merge(row_series *dst, const row_series *src)
{
    if (!src->n)
        return 0;
    if (row_series_reserve(dst, src->lo, src->lo + (int64_t)src->n - 1) != 0)
        return -1;
    for (size_t i = 0; i < src->n; i++) {
        series_cell *d = &dst->cells[src->lo + (int64_t)i - dst->lo];
        d->flows += src->cells[i].flows;
        d->packets += src->cells[i].packets;
        d->bytes += src->cells[i].bytes;
    }
    return 0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

void row_series_subtract(row_series *dst, const row_series *src)
{
    for (size_t i = 0; i < src->n; i++) {
        int64_t b = src->lo + (int64_t)i;
        if (b < dst->lo || b >= dst->lo + (int64_t)dst->n)
            continue;
        series_cell *d = &dst->cells[b - dst->lo];
        d->flows = sub0(d->flows, src->cells[i].flows);
        d->packets = sub0(d->packets, src->cells[i].packets);
        d->bytes = sub0(d->bytes, src->cells[i].bytes);
    }
}

/* ---- ports ---- */

int row_ports_add(row_ports *p, uint16_t port, uint64_t flows, uint64_t packets, uint64_t bytes)
{
    /* 65,536 cells, 1.5 MiB of address space of which only the pages of
     * ports seen are ever touched. */
    if (!p->cells && !(p->cells = calloc(65536, sizeof(*p->cells))))
        return -1;
    port_cell *c = &p->cells[port];
    if (!c->flows && !c->packets && !c->bytes && (flows || packets || bytes))
        p->nports++;
    c->flows += flows;
    c->packets += packets;
    c->bytes += bytes;
    return 0;
}

int row_ports_merge(row_ports *dst, const row_ports *src)
{
    if (!src->cells)
        return 0;
    for (unsigned port = 0; port < 65536; port++) {
        const port_cell *c = &src->cells[port];
        if ((c->flows || c->packets || c->bytes) &&
            row_ports_add(dst, (uint16_t)port, c->flows, c->packets, c->bytes) != 0)
            return -1;
    }
    return 0;
}

void row_ports_subtract(row_ports *dst, const row_ports *src)
{
    if (!src->cells || !dst->cells)
        return;
    for (unsigned port = 0; port < 65536; port++) {
        port_cell *d = &dst->cells[port];
        const port_cell *s = &src->cells[port];
        if (!(d->flows || d->packets || d->bytes))
            continue;
        d->flows = sub0(d->flows, s->flows);
        d->packets = sub0(d->packets, s->packets);
        d->bytes = sub0(d->bytes, s->bytes);
        if (!(d->flows || d->packets || d->bytes))
            dst->nports--;
    }
}

void row_ports_free(row_ports *p)
{
    free(p->cells);
    memset(p, 0, sizeof(*p));
}

static int compare_ports(const void *pa, const void *pb, void *ctx)
{
    const port_cell *cells = ctx;
    uint16_t a = *(const uint16_t *)pa, b = *(const uint16_t *)pb;
    if (cells[a].bytes != cells[b].bytes)
        return cells[a].bytes > cells[b].bytes ? -1 : 1;
    return (a > b) - (a < b);
}

size_t row_ports_top(const row_ports *p, uint16_t *out, size_t n)
{
    if (!p->cells || !p->nports || !n)
        return 0;
    uint16_t *all = malloc(p->nports * sizeof(*all));
    if (!all)
        return 0;
    size_t k = 0;
    for (unsigned port = 0; port < 65536 && k < p->nports; port++) {
        const port_cell *c = &p->cells[port];
        if (c->flows || c->packets || c->bytes)
            all[k++] = (uint16_t)port;
    }
    qsort_r(all, k, sizeof(*all), compare_ports, (void *)p->cells);
    if (n > k)
        n = k;
    memcpy(out, all, n * sizeof(*out));
    free(all);
    return n;
}
