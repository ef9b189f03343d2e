/* Flow records as JSON lines, with Zeek conn.log's field names where Zeek
 * has one. Optional fields appear only when they apply: vlan when tagged,
 * TCP flag letters for TCP, the SCTP chunk types seen, the DCCP service code. */
#include "output/common.h"
#include "portsniff/output.h"

#define LIT(b, s) ob_mem((b), (s), sizeof(s) - 1)

static void write_sctp_chunks(out_buf *b, uint32_t chunks)
{
    char buf[16];
    const char *sep = "";
    LIT(b, ",\"sctp_chunks\":[");
    for (int c = sctp_next_chunk(chunks, 0); c >= 0; c = sctp_next_chunk(chunks, c + 1)) {
        ob_str(b, sep);
        ob_char(b, '"');
        ob_str(b, sctp_chunk_name((unsigned)c, buf, sizeof(buf)));
        ob_char(b, '"');
        sep = ",";
    }
    ob_char(b, ']');
}

static void write_optional(out_buf *b, const ps_flow *flow, const flow_view *v)
{
    if (flow->vlan_id) {
        LIT(b, ",\"vlan\":");
        ob_u64(b, flow->vlan_id);
    }
    if (v->is_tcp) {
        LIT(b, ",\"orig_tcp_flags\":\"");
        ob_str(b, v->orig_flags);
        LIT(b, "\",\"resp_tcp_flags\":\"");
        ob_str(b, v->resp_flags);
        ob_char(b, '"');
    }
    if (flow->key.transport == PS_TRANSPORT_SCTP)
        write_sctp_chunks(b, flow->sctp_chunks);
    if (flow->dccp_has_service_code) {
        LIT(b, ",\"dccp_service_code\":");
        ob_u64(b, flow->dccp_service_code);
    }
}

void json_write_flow(FILE *out, const ps_flow *flow, const ps_label *label)
{
    flow_view v;
    out_buf b;
    flow_view_fill(&v, flow, label, 0);
    ob_init(&b, out);
    LIT(&b, "{\"record\":\"flow\",\"ts\":");
    ob_str(&b, v.ts);
    LIT(&b, ",\"duration\":");
    ob_str(&b, v.duration);
    LIT(&b, ",\"proto\":\"");
    ob_str(&b, v.proto);
    LIT(&b, "\",\"id.orig_h\":\"");
    ob_str(&b, v.orig_h);
    LIT(&b, "\",\"id.orig_p\":");
    ob_u64(&b, v.orig_p);
    LIT(&b, ",\"id.resp_h\":\"");
    ob_str(&b, v.resp_h);
    LIT(&b, "\",\"id.resp_p\":");
    ob_u64(&b, v.resp_p);
    LIT(&b, ",\"orig_pkts\":");
    ob_u64(&b, v.orig->pkts);
    LIT(&b, ",\"resp_pkts\":");
    ob_u64(&b, v.resp->pkts);
    LIT(&b, ",\"orig_ip_bytes\":");
    ob_u64(&b, v.orig->ip_bytes);
    LIT(&b, ",\"resp_ip_bytes\":");
    ob_u64(&b, v.resp->ip_bytes);
    LIT(&b, ",\"orig_frame_bytes\":");
    ob_u64(&b, v.orig->frame_bytes);
    LIT(&b, ",\"resp_frame_bytes\":");
    ob_u64(&b, v.resp->frame_bytes);
    LIT(&b, ",\"service\":");
    ob_json_string_or_null(&b, v.service);
    LIT(&b, ",\"service_status\":\"");
    ob_str(&b, v.status);
    LIT(&b, "\",\"service_port\":");
    ob_u64(&b, label->service_port);
    LIT(&b, ",\"service_description\":");
    ob_json_string_or_null(&b, v.description);
    LIT(&b, ",\"label_basis\":\"");
    ob_str(&b, v.basis);
    LIT(&b, "\",\"end_reason\":\"");
    ob_str(&b, v.end);
    ob_char(&b, '"');
    write_optional(&b, flow, &v);
    LIT(&b, "}\n");
    ob_flush(&b);
}
