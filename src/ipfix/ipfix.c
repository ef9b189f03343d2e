/* IPFIX export: flow records encoded by libfixbuf into messages, which the
 * transports in transport.c deliver.
 *
 * libfixbuf's own network exporters write with blocking sockets, so a
 * collector that stops reading would stop capture. Each destination here
 * has its own libfixbuf session (sequence numbers are per Transport Session,
 * RFC 7011 section 3.1) writing into a memory buffer in manual mode: every
 * finished message is handed to the destination's non-blocking transport.
 *
 * Records are RFC 5103 biflows: the forward direction is the originator's,
 * the reverse elements (enterprise 29305) the responder's. The label goes
 * out as applicationId in RFC 6759's IANA-L4 engine (ID 3, selector: the
 * service port; the transport is the record's protocolIdentifier) and as
 * applicationName (the registry's name, or the label's "(unassigned)",
 * "(unregistered)"...); flows without ports (ICMP) use IANA-L3 (ID 1,
 * selector: the IP protocol). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fixbuf/public.h>

#include "ipfix/transport.h"
#include "portsniff/community_id.h"
#include "portsniff/ipfix.h"

#define TID_FLOW4 256
#define TID_FLOW6 257
#define TID_STATS 258
#define INTERNAL 1          /* spec flag: internal template only (alignment padding) */
#define MAX_AGE_NS INT64_C(1000000000)    /* a message waits at most this long for more records */
#define TICK_NS INT64_C(50000000)
#define CLOSE_BUDGET_NS INT64_C(5000000000)

/* RFC 6759 section 4.1 classification engine IDs. */
enum { ENGINE_IANA_L3 = 1, ENGINE_IANA_L4 = 3 };

/* flowEndReason (IANA IPFIX registry, RFC 5102). */
enum { END_IDLE = 1, END_ACTIVE = 2, END_DETECTED = 3, END_FORCED = 4, END_RESOURCES = 5 };

static fbInfoElementSpec_t flow4_spec[] = {
    {"flowStartMilliseconds", 8, 0},
    {"flowEndMilliseconds", 8, 0},
    {"octetDeltaCount", 8, 0},
    {"packetDeltaCount", 8, 0},
    {"reverseOctetDeltaCount", 8, 0},
    {"reversePacketDeltaCount", 8, 0},
    {"applicationId", FB_IE_VARLEN, 0},
    {"applicationName", FB_IE_VARLEN, 0},
    {"sourceIPv4Address", 4, 0},
    {"destinationIPv4Address", 4, 0},
    {"sourceTransportPort", 2, 0},
    {"destinationTransportPort", 2, 0},
    {"icmpTypeCodeIPv4", 2, 0},
    {"tcpControlBits", 2, 0},
    {"reverseTcpControlBits", 2, 0},
    {"vlanId", 2, 0},
    {"protocolIdentifier", 1, 0},
    {"flowEndReason", 1, 0},
    {"ipVersion", 1, 0},
    {"paddingOctets", 7, INTERNAL},
    FB_IESPEC_NULL
};

typedef struct flow4_rec {
    uint64_t start_ms, end_ms;
    uint64_t octets, packets, rev_octets, rev_packets;
    fbVarfield_t app_id, app_name;
    uint32_t src, dst;
    uint16_t sport, dport, icmp_type_code, flags, rev_flags, vlan;
    uint8_t proto, end_reason, ip_version, pad[7];
} flow4_rec;

static fbInfoElementSpec_t flow6_spec[] = {
    {"flowStartMilliseconds", 8, 0},
    {"flowEndMilliseconds", 8, 0},
    {"octetDeltaCount", 8, 0},
    {"packetDeltaCount", 8, 0},
    {"reverseOctetDeltaCount", 8, 0},
    {"reversePacketDeltaCount", 8, 0},
    {"applicationId", FB_IE_VARLEN, 0},
    {"applicationName", FB_IE_VARLEN, 0},
    {"sourceIPv6Address", 16, 0},
    {"destinationIPv6Address", 16, 0},
    {"sourceTransportPort", 2, 0},
    {"destinationTransportPort", 2, 0},
    {"icmpTypeCodeIPv6", 2, 0},
    {"tcpControlBits", 2, 0},
    {"reverseTcpControlBits", 2, 0},
    {"vlanId", 2, 0},
    {"protocolIdentifier", 1, 0},
    {"flowEndReason", 1, 0},
    {"ipVersion", 1, 0},
    {"paddingOctets", 3, INTERNAL},
    FB_IESPEC_NULL
};

typedef struct flow6_rec {
    uint64_t start_ms, end_ms;
    uint64_t octets, packets, rev_octets, rev_packets;
    fbVarfield_t app_id, app_name;
    uint8_t src[16], dst[16];
    uint16_t sport, dport, icmp_type_code, flags, rev_flags, vlan;
    uint8_t proto, end_reason, ip_version, pad[3];
} flow6_rec;

/* The Exporting Process statistics of RFC 7011 section 4 for this
 * destination, scoped to the observation domain. */
static fbInfoElementSpec_t stats_spec[] = {
    {"observationDomainId", 4, 0},
    {"paddingOctets", 4, INTERNAL},
    {"systemInitTimeMilliseconds", 8, 0},
    {"observedFlowTotalCount", 8, 0},
    {"exportedMessageTotalCount", 8, 0},
    {"exportedFlowRecordTotalCount", 8, 0},
    {"exportedOctetTotalCount", 8, 0},
    {"notSentFlowTotalCount", 8, 0},
    {"notSentPacketTotalCount", 8, 0},
    {"notSentOctetTotalCount", 8, 0},
    FB_IESPEC_NULL
};

typedef struct stats_rec {
    uint32_t domain, pad;
    uint64_t init_ms, observed, messages, records, octets;
    uint64_t lost_records, lost_packets, lost_octets;
} stats_rec;

typedef struct encoder {
    ps_ipfix_dest *dest;
    fBuf_t *fbuf;                /* owns the session and the buffer exporter */
    fbSession_t *session;
    uint8_t *buf;                /* the exporter writes each message here */
    uint16_t tid;                /* template the fBuf is set to, 0 for none */
    int64_t pending_since_ns;    /* first record of the open message; 0 when empty */
    ps_ipfix_msg_info pending;
    int64_t next_refresh_ns;
    int failed;                  /* libfixbuf refused a record: said once */
} encoder;

struct ps_ipfix {
    ps_ipfix_config cfg;
    fbInfoModel_t *model;
    encoder enc[PS_IPFIX_MAX_DESTS];
    int nenc;
    int64_t refresh_ns;
    uint64_t init_ms;            /* wall clock at start */
    uint64_t observed;           /* flows handed to the exporter */
    int64_t clock_ns;            /* the flows' clock (see emit) */
    int64_t last_tick_ns;
};

static void tick(ps_ipfix *x, int64_t now);

static void ipfix_dest_poll_all(ps_ipfix *x)
{
    int64_t now = ipfix_monotonic_ns();

    for (int i = 0; i < x->nenc; i++)
        ipfix_dest_poll(x->enc[i].dest, now);
}

int ipfix_wants_stdout(const ps_ipfix_config *cfg)
{
    for (int i = 0; i < cfg->ndests; i++)
        if (strcmp(cfg->dests[i], "file:-") == 0)
            return 1;
    return 0;
}

void ipfix_config_defaults(ps_ipfix_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->template_refresh_s = PS_IPFIX_DEFAULT_REFRESH_S;
    cfg->queue_bytes = (size_t)PS_IPFIX_DEFAULT_QUEUE_KIB * 1024;
}

/* ---- messages out of libfixbuf ---- */

/* Time, for a message's age and the refresh period, is the clock of the
 * flows: the wall clock (monotonic) live, packet time reading files, so that
 * a file gives the same messages however fast it is read. The transports
 * always run on the monotonic clock (connect retries are real time). */

/* Emit the open message, if there is one, to the destination (or return it
 * as the TCP preamble). The buffer exporter writes nothing for an empty
 * message, so the version field is cleared first to tell. */
static int emit(encoder *e, int as_preamble)
{
    GError *err = NULL;
    size_t len;

    e->buf[0] = e->buf[1] = 0;
    if (!fBufEmit(e->fbuf, &err)) {
        g_clear_error(&err);
        return -1;
    }
    if (e->buf[0] != 0 || e->buf[1] != 10)
        return 0;
    len = (size_t)e->buf[2] << 8 | e->buf[3];
    if (as_preamble)
        ipfix_dest_set_preamble(e->dest, e->buf, len);
    else
        ipfix_dest_send(e->dest, e->buf, len, &e->pending, ipfix_monotonic_ns());
    memset(&e->pending, 0, sizeof(e->pending));
    e->pending_since_ns = 0;
    return 1;
}

static int export_templates(encoder *e, int as_preamble)
{
    GError *err = NULL;
    gboolean ok;

    emit(e, 0);
    /* Templates start a message of their own (manual mode refuses them
     * after data), so automatic mode opens it; they fit in one. */
    fBufSetAutomaticMode(e->fbuf, TRUE);
    ok = fbSessionExportTemplates(e->session, &err);
    fBufSetAutomaticMode(e->fbuf, FALSE);
    if (!ok) {
        g_clear_error(&err);
        return -1;
    }
    return emit(e, as_preamble) == 1 ? 0 : -1;
}

static int append(encoder *e, uint16_t tid, void *rec, size_t len, int64_t now_ns)
{
    GError *err = NULL;

    if (e->tid != tid) {
        if (!fBufSetInternalTemplate(e->fbuf, tid, &err) || !fBufSetExportTemplate(e->fbuf, tid, &err)) {
            g_clear_error(&err);
            return -1;
        }
        e->tid = tid;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (fBufAppend(e->fbuf, rec, len, &err)) {
            if (!e->pending_since_ns)
                e->pending_since_ns = now_ns;
            return 0;
        }
        if (!g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM)) {
            g_clear_error(&err);
            return -1;
        }
        /* The message is full (or has just carried templates): send it and
         * start the next. */
        g_clear_error(&err);
        emit(e, 0);
    }
    return -1;
}

static void append_stats(ps_ipfix *x, encoder *e, int64_t now_ns)
{
    const ps_ipfix_counts *c = ipfix_dest_counts(e->dest);
    stats_rec r = {
        .domain = x->cfg.domain, .init_ms = x->init_ms, .observed = x->observed,
        .messages = c->messages, .records = c->flow_records, .octets = c->octets,
        .lost_records = c->lost_records, .lost_packets = c->lost_packets, .lost_octets = c->lost_octets,
    };

    if (append(e, TID_STATS, &r, sizeof(r), now_ns) == 0)
        e->pending.data_records++;
}

/* ---- setting up ---- */

static fbTemplate_t *make_template(fbInfoModel_t *m, fbInfoElementSpec_t *spec, uint32_t flags,
                                   int scope, char *err, size_t errlen)
{
    GError *gerr = NULL;
    fbTemplate_t *t = fbTemplateAlloc(m);

    if (!fbTemplateAppendSpecArray(t, spec, flags, &gerr)) {
        snprintf(err, errlen, "IPFIX template: %s", gerr->message);
        g_clear_error(&gerr);
        fbTemplateFreeUnused(t);
        return NULL;
    }
    if (scope)
        fbTemplateSetOptionsScope(t, (uint16_t)scope);
    return t;
}

static int add_templates(fbInfoModel_t *m, fbSession_t *s, char *err, size_t errlen)
{
    static const struct { uint16_t tid; fbInfoElementSpec_t *spec; int scope; } all[] = {
        {TID_FLOW4, flow4_spec, 0}, {TID_FLOW6, flow6_spec, 0}, {TID_STATS, stats_spec, 1},
    };

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        for (int internal = 1; internal >= 0; internal--) {
            GError *gerr = NULL;
            fbTemplate_t *t = make_template(m, all[i].spec, internal ? INTERNAL : 0, all[i].scope, err, errlen);
            if (!t)
                return -1;
            if (!fbSessionAddTemplate(s, internal, all[i].tid, t, &gerr)) {
                snprintf(err, errlen, "IPFIX template %u: %s", all[i].tid, gerr->message);
                g_clear_error(&gerr);
                fbTemplateFreeUnused(t);
                return -1;
            }
        }
    }
    return 0;
}

static int encoder_open(ps_ipfix *x, encoder *e, const char *spec, char *err, size_t errlen)
{
    fbExporter_t *exp;
    uint16_t max;

    e->dest = ipfix_dest_open(spec, x->cfg.queue_bytes, err, errlen);
    if (!e->dest)
        return -1;
    max = ipfix_dest_max_message(e->dest);
    e->buf = malloc(max);
    e->session = fbSessionAlloc(x->model);
    if (!e->buf || !e->session) {
        snprintf(err, errlen, "--ipfix %s: out of memory", spec);
        return -1;
    }
    fbSessionSetDomain(e->session, x->cfg.domain);
    if (add_templates(x->model, e->session, err, errlen) < 0)
        return -1;
    exp = fbExporterAllocBuffer(e->buf, max);
    e->fbuf = fBufAllocForExport(e->session, exp);
    fBufSetAutomaticMode(e->fbuf, FALSE);
    return 0;
}

static void encoder_free(encoder *e)
{
    if (e->fbuf)
        fBufFree(e->fbuf);          /* frees the session, its templates and the exporter */
    else if (e->session)
        fbSessionFree(e->session);
    free(e->buf);
    ipfix_dest_free(e->dest);
    memset(e, 0, sizeof(*e));
}

ps_ipfix *ipfix_open(const ps_ipfix_config *cfg, char *err, size_t errlen)
{
    ps_ipfix *x = calloc(1, sizeof(*x));
    int64_t now = ipfix_monotonic_ns();
    struct timespec ts;

    if (!x) {
        snprintf(err, errlen, "IPFIX: out of memory");
        return NULL;
    }
    x->cfg = *cfg;
    x->refresh_ns = (int64_t)(cfg->template_refresh_s * 1e9);
    clock_gettime(CLOCK_REALTIME, &ts);
    x->init_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    x->model = fbInfoModelAlloc();
    for (int i = 0; i < cfg->ndests; i++) {
        encoder *e = &x->enc[x->nenc++];
        if (encoder_open(x, e, cfg->dests[i], err, errlen) < 0)
            goto fail;
        /* UDP and files get the templates now (UDP again at each refresh);
         * TCP at the start of every connection. */
        if (export_templates(e, ipfix_dest_kind(e->dest) == PS_IPFIX_TCP) < 0) {
            snprintf(err, errlen, "--ipfix %s: cannot encode the templates", cfg->dests[i]);
            goto fail;
        }
        ipfix_dest_poll(e->dest, now);
    }
    return x;
fail:
    ipfix_free(x);
    return NULL;
}

void ipfix_free(ps_ipfix *x)
{
    if (!x)
        return;
    for (int i = 0; i < x->nenc; i++)
        encoder_free(&x->enc[i]);
    if (x->model)
        fbInfoModelFree(x->model);
    free(x);
}

/* ---- records ---- */

static uint8_t end_reason(int r)
{
    switch (r) {
    case PS_END_IDLE: return END_IDLE;
    case PS_END_ACTIVE: return END_ACTIVE;
    case PS_END_EVICTED: return END_RESOURCES;
    case PS_END_EOF: case PS_END_NONE: return END_FORCED;
    default: return END_DETECTED;   /* FIN, RST, ABORT, SHUTDOWN COMPLETE, DCCP-Reset, reuse */
    }
}

typedef struct flow_fields {
    uint64_t start_ms, end_ms;
    const ps_dir_stats *o, *r;
    uint16_t sport, dport, icmp, vlan;
    uint8_t proto, end, app_id[4];
    size_t app_id_len;
    const char *app_name;
} flow_fields;

static void gather(const ps_flow *f, const ps_label *l, flow_fields *v)
{
    uint8_t proto = ps_transport_ip_proto(f->key.transport, f->key.family);

    memset(v, 0, sizeof(*v));
    v->start_ms = (uint64_t)(f->first_ns / 1000000);
    v->end_ms = (uint64_t)(f->last_ns / 1000000);
    v->o = flow_orig_stats(f);
    v->r = flow_resp_stats(f);
    v->sport = flow_orig_port(f);
    v->dport = flow_resp_port(f);
    v->vlan = f->vlan_id;
    v->proto = proto;
    v->end = end_reason(f->end_reason);
    v->app_name = label_service_text(l);
    if (f->key.transport == PS_TRANSPORT_ICMP) {
        /* icmpTypeCodeIPv4/IPv6 of the originator's messages, no ports. The
         * flow keeps the code of a one-way type (its second "port"); request
         * and reply types are keyed by their counterpart, and their code, 0
         * for all but ICMPv6 node information queries, is not kept. */
        uint16_t type = v->sport, code = ps_icmp_has_counterpart(f->key.family, (uint8_t)type) ? 0 : v->dport;
        v->icmp = (uint16_t)(type << 8 | (code & 0xff));
        v->sport = v->dport = 0;
        v->app_id[0] = ENGINE_IANA_L3;
        v->app_id[1] = proto;
        v->app_id_len = 2;
        return;
    }
    v->app_id[0] = ENGINE_IANA_L4;
    v->app_id[1] = (uint8_t)(l->service_port >> 8);
    v->app_id[2] = (uint8_t)l->service_port;
    v->app_id_len = 3;
}

static void export_one(ps_ipfix *x, uint16_t tid, void *rec, size_t len, const flow_fields *v)
{
    int64_t now = x->clock_ns;

    for (int i = 0; i < x->nenc; i++) {
        encoder *e = &x->enc[i];
        if (append(e, tid, rec, len, now) < 0) {
            /* Not encodable: counted as not sent to this destination. */
            ps_ipfix_msg_info lost = {1, 1, v->o->pkts + v->r->pkts, v->o->ip_bytes + v->r->ip_bytes};
            ipfix_dest_count_lost(e->dest, &lost);
            continue;
        }
        e->pending.data_records++;
        e->pending.flow_records++;
        e->pending.packets += v->o->pkts + v->r->pkts;
        e->pending.octets += v->o->ip_bytes + v->r->ip_bytes;
    }
}

void ipfix_export_flow(ps_ipfix *x, const ps_flow *f, const ps_label *l)
{
    flow_fields v;

    x->observed++;
    if (!x->cfg.packet_time)
        x->clock_ns = ipfix_monotonic_ns();
    else if (f->last_ns > x->clock_ns)
        x->clock_ns = f->last_ns;
    gather(f, l, &v);
    if (f->key.family == 6) {
        flow6_rec r;
        memset(&r, 0, sizeof(r));
        r.start_ms = v.start_ms;
        r.end_ms = v.end_ms;
        r.octets = v.o->ip_bytes;
        r.packets = v.o->pkts;
        r.rev_octets = v.r->ip_bytes;
        r.rev_packets = v.r->pkts;
        r.app_id.buf = v.app_id;
        r.app_id.len = v.app_id_len;
        r.app_name.buf = (uint8_t *)(uintptr_t)v.app_name;
        r.app_name.len = strlen(v.app_name);
        memcpy(r.src, flow_orig_addr(f), 16);
        memcpy(r.dst, flow_resp_addr(f), 16);
        r.sport = v.sport;
        r.dport = v.dport;
        r.icmp_type_code = v.icmp;
        r.flags = v.o->tcp_flags;
        r.rev_flags = v.r->tcp_flags;
        r.vlan = v.vlan;
        r.proto = v.proto;
        r.end_reason = v.end;
        r.ip_version = 6;
        export_one(x, TID_FLOW6, &r, sizeof(r), &v);
    } else {
        flow4_rec r;
        const uint8_t *s = flow_orig_addr(f), *d = flow_resp_addr(f);
        memset(&r, 0, sizeof(r));
        r.start_ms = v.start_ms;
        r.end_ms = v.end_ms;
        r.octets = v.o->ip_bytes;
        r.packets = v.o->pkts;
        r.rev_octets = v.r->ip_bytes;
        r.rev_packets = v.r->pkts;
        r.app_id.buf = v.app_id;
        r.app_id.len = v.app_id_len;
        r.app_name.buf = (uint8_t *)(uintptr_t)v.app_name;
        r.app_name.len = strlen(v.app_name);
        /* libfixbuf takes IPv4 addresses as host-order integers. */
        r.src = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
        r.dst = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        r.sport = v.sport;
        r.dport = v.dport;
        r.icmp_type_code = v.icmp;
        r.flags = v.o->tcp_flags;
        r.rev_flags = v.r->tcp_flags;
        r.vlan = v.vlan;
        r.proto = v.proto;
        r.end_reason = v.end;
        r.ip_version = 4;
        export_one(x, TID_FLOW4, &r, sizeof(r), &v);
    }
    /* Reading a file, nothing else calls the tick. */
    tick(x, x->clock_ns);
}

/* ---- time passing, and the end ---- */

static void tick(ps_ipfix *x, int64_t now)
{
    /* The capture loop calls this after every batch; a few times a second is enough. */
    if (x->last_tick_ns && now - x->last_tick_ns < TICK_NS)
        return;
    x->last_tick_ns = now;
    for (int i = 0; i < x->nenc; i++) {
        encoder *e = &x->enc[i];
        if (e->pending_since_ns && now - e->pending_since_ns >= MAX_AGE_NS)
            emit(e, 0);
        if (!e->next_refresh_ns) {
            e->next_refresh_ns = now + x->refresh_ns;
        } else if (now >= e->next_refresh_ns) {
            /* RFC 7011 section 8.4: over UDP the templates are sent again
             * periodically; every transport gets fresh statistics. */
            if (ipfix_dest_kind(e->dest) == PS_IPFIX_UDP)
                export_templates(e, 0);
            append_stats(x, e, now);
            emit(e, 0);
            e->next_refresh_ns = now + x->refresh_ns;
        }
        ipfix_dest_poll(e->dest, ipfix_monotonic_ns());
    }
}

void ipfix_tick(ps_ipfix *x)
{
    if (x->cfg.packet_time)
        ipfix_dest_poll_all(x);
    else
        tick(x, x->clock_ns = ipfix_monotonic_ns());
}

int ipfix_close(ps_ipfix *x, FILE *diag)
{
    int64_t now = ipfix_monotonic_ns(), deadline = now + CLOSE_BUDGET_NS;
    char err[600];
    int rc = 0;

    for (int i = 0; i < x->nenc; i++) {
        encoder *e = &x->enc[i];
        emit(e, 0);
        append_stats(x, e, x->clock_ns);
        emit(e, 0);
    }
    for (int i = 0; i < x->nenc; i++) {
        encoder *e = &x->enc[i];
        const ps_ipfix_counts *c;
        int64_t left = deadline - ipfix_monotonic_ns();

        if (ipfix_dest_close(e->dest, left > 0 ? left : 0, err, sizeof(err)) < 0) {
            if (err[0])
                fprintf(diag, "portsniff: %s\n", err);
            rc = -1;
            continue;
        }
        c = ipfix_dest_counts(e->dest);
        if (c->lost_records)
            fprintf(diag, "portsniff: --ipfix %s: %" PRIu64 " of %" PRIu64 " flow records not sent\n",
                    ipfix_dest_spec(e->dest), c->lost_records, x->observed);
    }
    return rc;
}

int ipfix_dest_count(const ps_ipfix *x)
{
    return x->nenc;
}

void ipfix_dest_stats(const ps_ipfix *x, int i, ps_ipfix_dest_stats *out)
{
    const ps_ipfix_counts *c = ipfix_dest_counts(x->enc[i].dest);

    *out = (ps_ipfix_dest_stats){
        .spec = ipfix_dest_spec(x->enc[i].dest), .messages = c->messages, .octets = c->octets,
        .flow_records = c->flow_records, .lost_records = c->lost_records, .lost_packets = c->lost_packets,
        .lost_octets = c->lost_octets, .connects = c->connects, .disconnects = c->disconnects,
    };
}
