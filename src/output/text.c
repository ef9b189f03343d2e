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
#include <inttypes.h>

#include "output/common.h"
#include "portsniff/output.h"

static void write_endpoint(FILE *out, int family, const char *addr, uint16_t port)
{
    if (family == 6)
        fprintf(out, "[%s]:%u", addr, (unsigned)port);
    else
        fprintf(out, "%s:%u", addr, (unsigned)port);
}

static void write_quoted(FILE *out, const char *s)
{
    putc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            putc(*p, out);
    }
    putc('"', out);
}

void text_write_flow(FILE *out, const ps_flow *flow, const ps_label *label)
{
    flow_view v;
    flow_view_fill(&v, flow, label);
    fprintf(out, "%s %s ", v.iso_ts, v.proto);
    write_endpoint(out, flow->key.family, v.orig_h, v.orig_p);
    fputs(" > ", out);
    write_endpoint(out, flow->key.family, v.resp_h, v.resp_p);
    fprintf(out, " %s/%u ", v.service_text, (unsigned)label->service_port);
    if (v.description) {
        write_quoted(out, v.description);
        putc(' ', out);
    }
    fprintf(out, "basis=%s orig=%" PRIu64 "p/%" PRIu64 "B resp=%" PRIu64 "p/%" PRIu64 "B dur=%s end=%s",
            v.basis, v.orig->pkts, v.orig->frame_bytes, v.resp->pkts, v.resp->frame_bytes,
            v.duration, v.end);
    if (flow->vlan_id)
        fprintf(out, " vlan=%u", (unsigned)flow->vlan_id);
    if (v.is_tcp)
        fprintf(out, " flags=%s/%s", v.orig_flags, v.resp_flags);
    putc('\n', out);
}
