/* One flow per line, in the spirit of tcpdump:
 *
 *   FIRST-PACKET-UTC PROTO ORIG > RESP SERVICE/PORT "DESCRIPTION" basis=B
 *     orig=Np/NB resp=Np/NB dur=S.US end=R [vlan=N] [flags=ORIG/RESP]
 *
 * Bytes are frame bytes. IPv6 endpoints are bracketed as in RFC 3986 so the
 * port stays readable. The description is omitted when the registry has
 * none; inside it a quote or backslash is escaped with a backslash and other
 * control characters as \xHH, so a record is always one line. TCP flags are
 * the union each side sent, in tcpdump's letters and order (F S R P . U E W). */
#include "output/common.h"
#include "portsniff/output.h"

#define LIT(b, s) ob_mem((b), (s), sizeof(s) - 1)

static void write_endpoint(out_buf *b, int family, const char *addr, uint16_t port)
{
    if (family == 6)
        ob_char(b, '[');
    ob_str(b, addr);
    if (family == 6)
        ob_char(b, ']');
    ob_char(b, ':');
    ob_u64(b, port);
}

static void write_quoted(out_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    ob_char(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            ob_mem(b, e, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            char e[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            ob_mem(b, e, 4);
        } else {
            ob_char(b, (char)*p);
        }
    }
    ob_char(b, '"');
}

void text_write_flow(FILE *out, const ps_flow *flow, const ps_label *label)
{
    flow_view v;
    out_buf b;
    flow_view_fill(&v, flow, label, 1);
    ob_init(&b, out);
    ob_str(&b, v.iso_ts);
    ob_char(&b, ' ');
    ob_str(&b, v.proto);
    ob_char(&b, ' ');
    write_endpoint(&b, flow->key.family, v.orig_h, v.orig_p);
    LIT(&b, " > ");
    write_endpoint(&b, flow->key.family, v.resp_h, v.resp_p);
    ob_char(&b, ' ');
    ob_str(&b, v.service_text);
    ob_char(&b, '/');
    ob_u64(&b, label->service_port);
    ob_char(&b, ' ');
    if (v.description) {
        write_quoted(&b, v.description);
        ob_char(&b, ' ');
    }
    LIT(&b, "basis=");
    ob_str(&b, v.basis);
    LIT(&b, " orig=");
    ob_u64(&b, v.orig->pkts);
    LIT(&b, "p/");
    ob_u64(&b, v.orig->frame_bytes);
    LIT(&b, "B resp=");
    ob_u64(&b, v.resp->pkts);
    LIT(&b, "p/");
    ob_u64(&b, v.resp->frame_bytes);
    LIT(&b, "B dur=");
    ob_str(&b, v.duration);
    LIT(&b, " end=");
    ob_str(&b, v.end);
    if (flow->vlan_id) {
        LIT(&b, " vlan=");
        ob_u64(&b, flow->vlan_id);
    }
    if (v.is_tcp) {
        LIT(&b, " flags=");
        ob_str(&b, v.orig_flags);
        ob_char(&b, '/');
        ob_str(&b, v.resp_flags);
    }
    ob_char(&b, '\n');
    ob_flush(&b);
}
