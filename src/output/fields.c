/* The flow-record schema: one row per field, in every format's column order.
 * Names follow Zeek's conn.log where the meaning is the same; IPFIX elements
 * are IANA's (RFC 7012 registry), reverse ones per RFC 5103. */
#include <string.h>
#include <strings.h>

#include "output/common.h"
#include "portsniff/community_id.h"
#include "portsniff/output.h"

static void get_ts(const ps_flow_rec *r, ps_value *v) { v->ns = r->flow->first_ns; }
static void get_duration(const ps_flow_rec *r, ps_value *v) { v->ns = r->flow->last_ns - r->flow->first_ns; }

/* "icmp" for ICMPv6 too, as Zeek writes it; the code is the IP protocol. */
static void get_proto(const ps_flow_rec *r, ps_value *v)
{
    unsigned t = r->flow->key.transport;
    v->s = ps_transport_name(t);
    v->u = ps_transport_ip_proto(t, r->flow->key.family);
}

static void get_orig_h(const ps_flow_rec *r, ps_value *v)
{
    v->addr = flow_orig_addr(r->flow);
    v->family = r->flow->key.family;
}

static void get_resp_h(const ps_flow_rec *r, ps_value *v)
{
    v->addr = flow_resp_addr(r->flow);
    v->family = r->flow->key.family;
}

static void get_orig_p(const ps_flow_rec *r, ps_value *v) { v->u = flow_orig_port(r->flow); }
static void get_resp_p(const ps_flow_rec *r, ps_value *v) { v->u = flow_resp_port(r->flow); }
static void get_orig_pkts(const ps_flow_rec *r, ps_value *v) { v->u = flow_orig_stats(r->flow)->pkts; }
static void get_resp_pkts(const ps_flow_rec *r, ps_value *v) { v->u = flow_resp_stats(r->flow)->pkts; }
static void get_orig_ip_bytes(const ps_flow_rec *r, ps_value *v) { v->u = flow_orig_stats(r->flow)->ip_bytes; }
static void get_resp_ip_bytes(const ps_flow_rec *r, ps_value *v) { v->u = flow_resp_stats(r->flow)->ip_bytes; }
static void get_orig_frame_bytes(const ps_flow_rec *r, ps_value *v) { v->u = flow_orig_stats(r->flow)->frame_bytes; }
static void get_resp_frame_bytes(const ps_flow_rec *r, ps_value *v) { v->u = flow_resp_stats(r->flow)->frame_bytes; }

/* The canonical name; absent unless the registry names the port. */
static void get_service(const ps_flow_rec *r, ps_value *v)
{
    const ps_label *l = r->label;
    if (l->status == PS_REG_NAMED && l->entry && l->entry->name && l->entry->name[0])
        v->s = l->entry->name;
    else
        v->absent = 1;
}

static void get_service_status(const ps_flow_rec *r, ps_value *v)
{
    v->u = r->label->status;
    v->s = ps_reg_status_name(r->label->status);
}

static void get_service_port(const ps_flow_rec *r, ps_value *v) { v->u = r->label->service_port; }

static void get_service_description(const ps_flow_rec *r, ps_value *v)
{
    const ps_reg_entry *e = r->label->entry;
    if (e && e->description && e->description[0])
        v->s = e->description;
    else
        v->absent = 1;
}

static void get_label_basis(const ps_flow_rec *r, ps_value *v)
{
    v->u = r->label->basis;
    v->s = ps_label_basis_name(r->label->basis);
}

static void get_end_reason(const ps_flow_rec *r, ps_value *v)
{
    v->u = r->flow->end_reason;
    v->s = ps_end_reason_name(r->flow->end_reason);
}

static void get_vlan(const ps_flow_rec *r, ps_value *v)
{
    v->u = r->flow->vlan_id;
    v->absent = r->flow->vlan_id == 0;
}

static void tcp_flags(const ps_flow_rec *r, const ps_dir_stats *d, ps_value *v)
{
    if (r->flow->key.transport != PS_TRANSPORT_TCP) {
        v->absent = 1;
        return;
    }
    v->u = d->tcp_flags;
    format_tcp_flags(v->text, sizeof(v->text), d->tcp_flags);
    v->s = v->text;
}

static void get_orig_tcp_flags(const ps_flow_rec *r, ps_value *v) { tcp_flags(r, flow_orig_stats(r->flow), v); }
static void get_resp_tcp_flags(const ps_flow_rec *r, ps_value *v) { tcp_flags(r, flow_resp_stats(r->flow), v); }

static void get_sctp_chunks(const ps_flow_rec *r, ps_value *v)
{
    /* The field is the DCCP Service Code's on other flows (ps_flow). */
    v->absent = r->flow->key.transport != PS_TRANSPORT_SCTP;
    v->u = v->absent ? 0 : r->flow->sctp_chunks;
}

static void get_dccp_service_code(const ps_flow_rec *r, ps_value *v)
{
    v->absent = r->flow->key.transport != PS_TRANSPORT_DCCP || !r->flow->dccp_has_service_code;
    v->u = v->absent ? 0 : r->flow->dccp_service_code;
}

/* The other services registered for the label's port (distinct services,
 * not aliases of the label's own); absent when there are none. */
static void get_service_also(const ps_flow_rec *r, ps_value *v)
{
    const ps_label *l = r->label;
    v->u = 0;
    for (unsigned i = 0; i < l->nalso && i < PS_LABEL_ALSO_MAX; i++) {
        if (!l->also[i] || !l->also[i]->name || !l->also[i]->name[0])
            continue;
        v->items[i] = l->also[i]->name;
        v->u |= 1u << i;
    }
    v->absent = v->u == 0;
}

/* With basis service-code: the service the port alone names, when it is
 * another one than the code's. */
static void get_port_service(const ps_flow_rec *r, ps_value *v)
{
    const ps_label *l = r->label;
    const ps_reg_entry *e = l->port_entry;
    if (l->port_differs && e && e->name && e->name[0])
        v->s = e->name;
    else if (l->port_differs)
        v->s = ps_reg_status_name(l->port_status);
    else
        v->absent = 1;
}

/* The Service Code the port's entry registers, when the flow's Request
 * carried another one that names no service. */
static void get_expected_service_code(const ps_flow_rec *r, ps_value *v)
{
    v->u = r->label->expected_code;
    v->absent = !r->label->has_expected_code;
}

/* Zeek's connection identifier: "C" and 17 base62 digits (101 bits). Zeek
 * draws them at random; here they are a hash of the flow's key and start
 * time, so that one flow has the same uid in every format and in every run
 * over the same capture (records of different formats can be joined). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void get_uid(const ps_flow_rec *r, ps_value *v)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const ps_flow *f = r->flow;
    const uint8_t *k = (const uint8_t *)&f->key;
    uint64_t h1 = 0x243f6a8885a308d3ULL, h2 = 0x13198a2e03707344ULL;
    for (size_t i = 0; i + 8 <= sizeof(f->key); i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h1 = mix64(h1 ^ w);
        h2 = mix64(h2 + w);
    }
    h1 = mix64(h1 ^ (uint64_t)f->first_ns);
    h2 = mix64(h2 + (uint64_t)f->first_ns);
    /* The 17 lowest base-62 digits of the 128-bit h2:h1 (62^17 < 2^128, so
     * every digit is uniform): the low 10 from n mod 62^10 and the next 7
     * from (n / 62^10) mod 62^7, each in 64-bit arithmetic. Two 128-bit
     * divisions a record instead of 34 (a library call each). */
    const uint64_t p10 = 839299365868340224ULL;   /* 62^10 */
    const uint64_t p7 = 3521614606208ULL;         /* 62^7 */
    unsigned __int128 n = ((unsigned __int128)h2 << 64) | h1;
    uint64_t low = (uint64_t)(n % p10), high = (uint64_t)((n / p10) % p7);
    char *p = v->text;
    *p++ = 'C';
    for (int i = 17; i >= 8; i--) {
        p[i - 1] = digits[low % 62];
        low /= 62;
    }
    for (int i = 7; i >= 1; i--) {
        p[i - 1] = digits[high % 62];
        high /= 62;
    }
    p[17] = '\0';
    v->s = v->text;
}

/* Zeek's TCP endpoint states, as its conn_state() reads them. */
enum { EP_INACTIVE, EP_SYN_SENT, EP_SYN_ACK_SENT, EP_PARTIAL, EP_ESTABLISHED, EP_CLOSED, EP_RESET };

/* A side's final state from the flags it sent (their union): a reset, a
 * FIN, the completed handshake, its SYN, or data without a SYN. */
static int tcp_endpoint_state(const ps_dir_stats *d, int is_orig, int established)
{
    if (!d->pkts)
        return EP_INACTIVE;
    if (d->tcp_flags & PS_TCP_RST)
        return EP_RESET;
    if (d->tcp_flags & PS_TCP_FIN)
        return EP_CLOSED;
    if (established)
        return EP_ESTABLISHED;
    if (d->tcp_flags & PS_TCP_SYN)
        return !is_orig && (d->tcp_flags & PS_TCP_ACK) ? EP_SYN_ACK_SENT : EP_SYN_SENT;
    return EP_PARTIAL;
}

/* Zeek's conn_state (base/protocols/conn/main.zeek, conn_state()). */
static const char *zeek_conn_state(const ps_flow *f)
{
    const ps_dir_stats *o = flow_orig_stats(f), *r = flow_resp_stats(f);
    if (f->key.transport == PS_TRANSPORT_UDP) {
        if (o->pkts)
            return r->pkts ? "SF" : "S0";
        return r->pkts ? "SHR" : "OTH";
    }
    if (f->key.transport != PS_TRANSPORT_TCP)
        return "OTH";
    /* The handshake completed: the originator's SYN, the responder's
     * SYN-ACK, and an ACK from the originator after it. */
    int est = (o->tcp_flags & PS_TCP_SYN) && (o->tcp_flags & PS_TCP_ACK) &&
              (r->tcp_flags & (PS_TCP_SYN | PS_TCP_ACK)) == (PS_TCP_SYN | PS_TCP_ACK);
    int os = tcp_endpoint_state(o, 1, est), rs = tcp_endpoint_state(r, 0, est);
    int o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
    int r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;
    if (rs == EP_RESET) {
        /* Zeek also calls it REJ when both reset before any payload; the
         * uncompleted handshake stands for that here. */
        if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT || (os == EP_RESET && !est))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == EP_RESET) {
        if (r_inactive)
            /* history ^?S[^HAFGIQ]*R: a SYN, then the reset, nothing else. */
            return (o->tcp_flags & (PS_TCP_SYN | PS_TCP_FIN)) == PS_TCP_SYN && !r->pkts ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (os == EP_CLOSED && rs == EP_CLOSED)
        return "SF";
    if (os == EP_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == EP_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == EP_SYN_SENT && rs == EP_INACTIVE)
        return "S0";
    if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
        return "S1";
    return "OTH";
}

static void get_conn_state(const ps_flow_rec *r, ps_value *v)
{
    v->s = zeek_conn_state(r->flow);
}

/* Zeek's fields are kept only in flow tables that write flow records
 * (ps_zeek_state), and only for TCP and UDP: SCTP and DCCP Zeek does not
 * analyse, and ICMP's (Zeek's ICMP analyzer's) are not written yet. */
static int has_zeek_fields(const ps_flow *f)
{
    unsigned t = f->key.transport;
    return flow_zeek_state(f) && (t == PS_TRANSPORT_TCP || t == PS_TRANSPORT_UDP);
}

/* Zeek's history (flow_history): TCP letters, D/d for UDP; absent also when
 * no letter was sent. */
static void get_history(const ps_flow_rec *r, ps_value *v)
{
    _Static_assert(sizeof(v->text) >= 15, "room for a history");
    if (!has_zeek_fields(r->flow)) {
        v->absent = 1;
        return;
    }
    flow_history(r->flow, v->text, sizeof(v->text));
    v->s = v->text;
    v->absent = v->text[0] == '\0';
}

/* Zeek's orig_bytes and resp_bytes: payload bytes, by sequence numbers for
 * TCP (flow_payload_bytes). */
static void get_payload(const ps_flow_rec *r, ps_value *v, int orig)
{
    if (!has_zeek_fields(r->flow)) {
        v->absent = 1;
        return;
    }
    v->u = flow_payload_bytes(r->flow, orig ? r->flow->orig : !r->flow->orig);
}

static void get_orig_bytes(const ps_flow_rec *r, ps_value *v) { get_payload(r, v, 1); }
static void get_resp_bytes(const ps_flow_rec *r, ps_value *v) { get_payload(r, v, 0); }

/* Community ID v1 (src/community_id.c): the same string Zeek, Suricata and
 * Arkime compute for the flow. */
static void get_community_id(const ps_flow_rec *r, ps_value *v)
{
    _Static_assert(sizeof(v->text) >= PS_COMMUNITY_ID_SIZE, "room for a Community ID");
    community_id_flow(r->community_id_seed, r->flow, v->text);
    v->s = v->text;
}

/* The encapsulations the flow was found in (src/tunnel.c made both forms
 * when the chain was first seen). */
static void get_tunnel(const ps_flow_rec *r, ps_value *v)
{
    if (!r->tunnel) {
        v->absent = 1;
        return;
    }
    v->s = r->tunnel->text;
    v->json = r->tunnel->json;
}

/* IANA IPFIX information elements used below. */
enum {
    IE_OCTET_DELTA = 1, IE_PACKET_DELTA = 2, IE_PROTOCOL = 4, IE_TCP_CONTROL_BITS = 6,
    IE_SRC_PORT = 7, IE_SRC_V4 = 8, IE_DST_PORT = 11, IE_DST_V4 = 12, IE_SRC_V6 = 27,
    IE_DST_V6 = 28, IE_VLAN_ID = 58, IE_FLOW_END_REASON = 136, IE_FLOW_START_USEC = 154,
    IE_FLOW_DURATION_USEC = 162, IE_L2_OCTET_DELTA = 352,
};

#define ROW(id_, name_, type_, flags_, ie_, ie6_, get_) \
    [id_] = {.name = name_, .type = type_, .flags = flags_, .ipfix_id = ie_, .ipfix_id6 = ie6_, .get = get_}

const ps_flow_field ps_flow_fields[PS_F_COUNT] = {
    ROW(PS_F_TS, "ts", PS_FT_TIME, 0, IE_FLOW_START_USEC, 0, get_ts),
    ROW(PS_F_DURATION, "duration", PS_FT_INTERVAL, 0, IE_FLOW_DURATION_USEC, 0, get_duration),
    [PS_F_PROTO] = {.name = "proto", .type = PS_FT_ENUM, .ipfix_id = IE_PROTOCOL, .zeek_type = "enum",
                    .get = get_proto},
    ROW(PS_F_ORIG_H, "id.orig_h", PS_FT_ADDR, 0, IE_SRC_V4, IE_SRC_V6, get_orig_h),
    ROW(PS_F_ORIG_P, "id.orig_p", PS_FT_PORT, 0, IE_SRC_PORT, 0, get_orig_p),
    ROW(PS_F_RESP_H, "id.resp_h", PS_FT_ADDR, 0, IE_DST_V4, IE_DST_V6, get_resp_h),
    ROW(PS_F_RESP_P, "id.resp_p", PS_FT_PORT, 0, IE_DST_PORT, 0, get_resp_p),
    ROW(PS_F_ORIG_PKTS, "orig_pkts", PS_FT_COUNT, 0, IE_PACKET_DELTA, 0, get_orig_pkts),
    ROW(PS_F_RESP_PKTS, "resp_pkts", PS_FT_COUNT, PS_FF_REVERSE, IE_PACKET_DELTA, 0, get_resp_pkts),
    ROW(PS_F_ORIG_IP_BYTES, "orig_ip_bytes", PS_FT_COUNT, 0, IE_OCTET_DELTA, 0, get_orig_ip_bytes),
    ROW(PS_F_RESP_IP_BYTES, "resp_ip_bytes", PS_FT_COUNT, PS_FF_REVERSE, IE_OCTET_DELTA, 0, get_resp_ip_bytes),
    ROW(PS_F_ORIG_FRAME_BYTES, "orig_frame_bytes", PS_FT_COUNT, 0, IE_L2_OCTET_DELTA, 0, get_orig_frame_bytes),
    ROW(PS_F_RESP_FRAME_BYTES, "resp_frame_bytes", PS_FT_COUNT, PS_FF_REVERSE, IE_L2_OCTET_DELTA, 0,
        get_resp_frame_bytes),
    ROW(PS_F_SERVICE, "service", PS_FT_STRING, 0, 0, 0, get_service),
    ROW(PS_F_SERVICE_STATUS, "service_status", PS_FT_ENUM, 0, 0, 0, get_service_status),
    [PS_F_SERVICE_PORT] = {.name = "service_port", .type = PS_FT_PORT, .zeek_type = "count",
                           .get = get_service_port},
    ROW(PS_F_SERVICE_DESCRIPTION, "service_description", PS_FT_STRING, 0, 0, 0, get_service_description),
    ROW(PS_F_LABEL_BASIS, "label_basis", PS_FT_ENUM, 0, 0, 0, get_label_basis),
    ROW(PS_F_END_REASON, "end_reason", PS_FT_ENUM, 0, IE_FLOW_END_REASON, 0, get_end_reason),
    ROW(PS_F_VLAN, "vlan", PS_FT_COUNT, PS_FF_OMIT_ABSENT, IE_VLAN_ID, 0, get_vlan),
    ROW(PS_F_ORIG_TCP_FLAGS, "orig_tcp_flags", PS_FT_ENUM, PS_FF_OMIT_ABSENT, IE_TCP_CONTROL_BITS, 0,
        get_orig_tcp_flags),
    ROW(PS_F_RESP_TCP_FLAGS, "resp_tcp_flags", PS_FT_ENUM, PS_FF_OMIT_ABSENT | PS_FF_REVERSE,
        IE_TCP_CONTROL_BITS, 0, get_resp_tcp_flags),
    [PS_F_SCTP_CHUNKS] = {.name = "sctp_chunks", .type = PS_FT_NAME_SET, .flags = PS_FF_OMIT_ABSENT,
                          .get = get_sctp_chunks, .item_name = sctp_chunk_name},
    ROW(PS_F_DCCP_SERVICE_CODE, "dccp_service_code", PS_FT_COUNT, PS_FF_OMIT_ABSENT, 0, 0,
        get_dccp_service_code),
    ROW(PS_F_SERVICE_ALSO, "service_also", PS_FT_NAME_SET, PS_FF_OMIT_ABSENT, 0, 0, get_service_also),
    ROW(PS_F_PORT_SERVICE, "port_service", PS_FT_STRING, PS_FF_OMIT_ABSENT, 0, 0, get_port_service),
    ROW(PS_F_EXPECTED_SERVICE_CODE, "expected_service_code", PS_FT_COUNT, PS_FF_OMIT_ABSENT, 0, 0,
        get_expected_service_code),
    ROW(PS_F_UID, "uid", PS_FT_ENUM, 0, 0, 0, get_uid),
    ROW(PS_F_CONN_STATE, "conn_state", PS_FT_ENUM, 0, 0, 0, get_conn_state),
    [PS_F_HISTORY] = {.name = "history", .type = PS_FT_ENUM, .zeek_type = "string", .get = get_history},
    ROW(PS_F_ORIG_BYTES, "orig_bytes", PS_FT_COUNT, 0, 0, 0, get_orig_bytes),
    ROW(PS_F_RESP_BYTES, "resp_bytes", PS_FT_COUNT, 0, 0, 0, get_resp_bytes),
    ROW(PS_F_COMMUNITY_ID, "community_id", PS_FT_ENUM, 0, 0, 0, get_community_id),
    ROW(PS_F_TUNNEL, "tunnel", PS_FT_TUNNEL, PS_FF_OMIT_ABSENT, 0, 0, get_tunnel),
};

const char *ps_field_zeek_type(const ps_flow_field *f)
{
    static const char *const names[PS_FT_COUNT_TYPES] = {
        [PS_FT_TIME] = "time", [PS_FT_INTERVAL] = "interval", [PS_FT_COUNT] = "count",
        [PS_FT_PORT] = "port", [PS_FT_ADDR] = "addr", [PS_FT_ENUM] = "string",
        [PS_FT_STRING] = "string", [PS_FT_NAME_SET] = "set[string]", [PS_FT_TUNNEL] = "string",
    };
    if (f->zeek_type)
        return f->zeek_type;
    return f->type < PS_FT_COUNT_TYPES ? names[f->type] : "string";
}

const ps_flow_field *ps_field_by_name(const char *name)
{
    for (size_t i = 0; i < PS_F_COUNT; i++)
        if (strcasecmp(ps_flow_fields[i].name, name) == 0)
            return &ps_flow_fields[i];
    return NULL;
}
