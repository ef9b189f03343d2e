/* Flow records as CSV (RFC 4180): the JSON record's field names in the same
 * order, one row per flow; an absent value is an empty field and the SCTP
 * chunk list is joined with '|'. */
#include "output/common.h"
#include "portsniff/output.h"

void csv_write_flow_header(FILE *out)
{
    fputs("ts,duration,proto,id.orig_h,id.orig_p,id.resp_h,id.resp_p,"
          "orig_pkts,resp_pkts,orig_ip_bytes,resp_ip_bytes,orig_frame_bytes,resp_frame_bytes,"
          "service,service_status,service_port,service_description,label_basis,end_reason,"
          "vlan,orig_tcp_flags,resp_tcp_flags,sctp_chunks,dccp_service_code\n", out);
}

static void write_sctp_chunks(out_buf *b, uint32_t chunks)
{
    char buf[16];
    const char *sep = "";
    for (int c = sctp_next_chunk(chunks, 0); c >= 0; c = sctp_next_chunk(chunks, c + 1)) {
        ob_str(b, sep);
        ob_str(b, sctp_chunk_name((unsigned)c, buf, sizeof(buf)));
        sep = "|";
    }
}

static void write_optional(out_buf *b, const ps_flow *flow, const flow_view *v)
{
    ob_char(b, ',');
    if (flow->vlan_id)
        ob_u64(b, flow->vlan_id);
    ob_char(b, ',');
    if (v->is_tcp)
        ob_str(b, v->orig_flags);
    ob_char(b, ',');
    if (v->is_tcp)
        ob_str(b, v->resp_flags);
    ob_char(b, ',');
    if (flow->key.transport == PS_TRANSPORT_SCTP)
        write_sctp_chunks(b, flow->sctp_chunks);
    ob_char(b, ',');
    if (flow->dccp_has_service_code)
        ob_u64(b, flow->dccp_service_code);
}

void csv_write_flow(FILE *out, const ps_flow *flow, const ps_label *label)
{
    flow_view v;
    out_buf b;
    flow_view_fill(&v, flow, label, 0);
    ob_init(&b, out);
    const char *text[3] = {v.ts, v.duration, v.proto};
    for (int i = 0; i < 3; i++) {
        ob_str(&b, text[i]);
        ob_char(&b, ',');
    }
    ob_str(&b, v.orig_h);
    ob_char(&b, ',');
    ob_u64(&b, v.orig_p);
    ob_char(&b, ',');
    ob_str(&b, v.resp_h);
    ob_char(&b, ',');
    ob_u64(&b, v.resp_p);
    const uint64_t n[6] = {v.orig->pkts, v.resp->pkts, v.orig->ip_bytes, v.resp->ip_bytes,
                           v.orig->frame_bytes, v.resp->frame_bytes};
    for (int i = 0; i < 6; i++) {
        ob_char(&b, ',');
        ob_u64(&b, n[i]);
    }
    ob_char(&b, ',');
    ob_csv_field(&b, v.service);
    ob_char(&b, ',');
    ob_str(&b, v.status);
    ob_char(&b, ',');
    ob_u64(&b, label->service_port);
    ob_char(&b, ',');
    ob_csv_field(&b, v.description);
    ob_char(&b, ',');
    ob_str(&b, v.basis);
    ob_char(&b, ',');
    ob_str(&b, v.end);
    write_optional(&b, flow, &v);
    ob_char(&b, '\n');
    ob_flush(&b);
}
