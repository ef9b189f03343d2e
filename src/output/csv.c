/* Flow records as CSV (RFC 4180): the JSON record's field names in the same
 * order, one row per flow; an absent value is an empty field and the SCTP
 * chunk list is joined with '|'. */
#include <inttypes.h>

#include "output/common.h"
#include "portsniff/output.h"

void csv_write_flow_header(FILE *out)
{
    fputs("ts,duration,proto,id.orig_h,id.orig_p,id.resp_h,id.resp_p,"
          "orig_pkts,resp_pkts,orig_ip_bytes,resp_ip_bytes,orig_frame_bytes,resp_frame_bytes,"
          "service,service_status,service_port,service_description,label_basis,end_reason,"
          "vlan,orig_tcp_flags,resp_tcp_flags,sctp_chunks,dccp_service_code\n", out);
}

static void write_sctp_chunks(FILE *out, uint32_t chunks)
{
    char buf[16];
    const char *sep = "";
    for (int c = sctp_next_chunk(chunks, 0); c >= 0; c = sctp_next_chunk(chunks, c + 1)) {
        fprintf(out, "%s%s", sep, sctp_chunk_name((unsigned)c, buf, sizeof(buf)));
        sep = "|";
    }
}

static void write_optional(FILE *out, const ps_flow *flow, const flow_view *v)
{
    putc(',', out);
    if (flow->vlan_id)
        fprintf(out, "%u", (unsigned)flow->vlan_id);
    putc(',', out);
    if (v->is_tcp)
        fputs(v->orig_flags, out);
    putc(',', out);
    if (v->is_tcp)
        fputs(v->resp_flags, out);
    putc(',', out);
    if (flow->key.transport == PS_TRANSPORT_SCTP)
        write_sctp_chunks(out, flow->sctp_chunks);
    putc(',', out);
    if (flow->dccp_has_service_code)
        fprintf(out, "%" PRIu32, flow->dccp_service_code);
}

void csv_write_flow(FILE *out, const ps_flow *flow, const ps_label *label)
{
    flow_view v;
    flow_view_fill(&v, flow, label);
    fprintf(out, "%s,%s,%s,%s,%u,%s,%u,"
            "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",",
            v.ts, v.duration, v.proto, v.orig_h, (unsigned)v.orig_p, v.resp_h, (unsigned)v.resp_p,
            v.orig->pkts, v.resp->pkts, v.orig->ip_bytes, v.resp->ip_bytes,
            v.orig->frame_bytes, v.resp->frame_bytes);
    csv_write_field(out, v.service);
    fprintf(out, ",%s,%u,", v.status, (unsigned)label->service_port);
    csv_write_field(out, v.description);
    fprintf(out, ",%s,%s", v.basis, v.end);
    write_optional(out, flow, &v);
    putc('\n', out);
}
