/* Flow records as JSON lines, with Zeek conn.log's field names where Zeek
 * has one. Optional fields appear only when they apply: vlan when tagged,
 * TCP flag letters for TCP, the SCTP chunk types seen, the DCCP service code. */
#include <inttypes.h>

#include "output/common.h"
#include "portsniff/output.h"

static void write_sctp_chunks(FILE *out, uint32_t chunks)
{
    char buf[16];
    const char *sep = "";
    fputs(",\"sctp_chunks\":[", out);
    for (int c = sctp_next_chunk(chunks, 0); c >= 0; c = sctp_next_chunk(chunks, c + 1)) {
        fprintf(out, "%s\"%s\"", sep, sctp_chunk_name((unsigned)c, buf, sizeof(buf)));
        sep = ",";
    }
    putc(']', out);
}

static void write_optional(FILE *out, const ps_flow *flow, const flow_view *v)
{
    if (flow->vlan_id)
        fprintf(out, ",\"vlan\":%u", (unsigned)flow->vlan_id);
    if (v->is_tcp)
        fprintf(out, ",\"orig_tcp_flags\":\"%s\",\"resp_tcp_flags\":\"%s\"",
                v->orig_flags, v->resp_flags);
    if (flow->key.transport == PS_TRANSPORT_SCTP)
        write_sctp_chunks(out, flow->sctp_chunks);
    if (flow->dccp_has_service_code)
        fprintf(out, ",\"dccp_service_code\":%" PRIu32, flow->dccp_service_code);
}

void json_write_flow(FILE *out, const ps_flow *flow, const ps_label *label)
{
    flow_view v;
    flow_view_fill(&v, flow, label);
    fprintf(out, "{\"ts\":%s,\"duration\":%s,\"proto\":\"%s\","
            "\"id.orig_h\":\"%s\",\"id.orig_p\":%u,\"id.resp_h\":\"%s\",\"id.resp_p\":%u,"
            "\"orig_pkts\":%" PRIu64 ",\"resp_pkts\":%" PRIu64 ","
            "\"orig_ip_bytes\":%" PRIu64 ",\"resp_ip_bytes\":%" PRIu64 ","
            "\"orig_frame_bytes\":%" PRIu64 ",\"resp_frame_bytes\":%" PRIu64 ",\"service\":",
            v.ts, v.duration, v.proto, v.orig_h, (unsigned)v.orig_p, v.resp_h, (unsigned)v.resp_p,
            v.orig->pkts, v.resp->pkts, v.orig->ip_bytes, v.resp->ip_bytes,
            v.orig->frame_bytes, v.resp->frame_bytes);
    json_write_string_or_null(out, v.service);
    fprintf(out, ",\"service_status\":\"%s\",\"service_port\":%u,\"service_description\":",
            v.status, (unsigned)label->service_port);
    json_write_string_or_null(out, v.description);
    fprintf(out, ",\"label_basis\":\"%s\",\"end_reason\":\"%s\"", v.basis, v.end);
    write_optional(out, flow, &v);
    fputs("}\n", out);
}
