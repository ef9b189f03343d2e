/* Service attribution. A seen handshake says which side served; without one
 * the evidence is weighed in a fixed order (fan-in across flows, the first
 * UDP datagram, the operating systems' ephemeral ranges, the registry, RFC
 * 6335's ranges, the lower number), and the label says which rule decided. */
#include <string.h>

#include "portsniff/attribute.h"

int port_range_class(uint16_t port)
{
    if (port < 1024)
        return 0;
    if (port < 49152)
        return 1;
    return 2;
}

/* Linux: net.ipv4.ip_local_port_range 32768-60999. Windows since Vista,
 * macOS, FreeBSD's default: RFC 6335's Dynamic 49152-65535. Privileged
 * client ports: glibc's bindresvport and the Linux RPC client (665-1023),
 * rresvport for rsh and rlogin (1023 downwards), all within 512-1023.
 * BSD's and Windows XP's older 1024-5000. A port in two ranges is the more
 * likely a client's; the privileged ports rank above BSD's old range
 * because NFS clients on them talk to servers inside it (2049). */
int ephemeral_level(uint16_t port)
{
    if (port >= 49152 && port <= 60999)
        return 4;
    if (port >= 32768)
        return 3;
    if (port >= 512 && port <= 1023)
        return 2;
    if (port >= 1024 && port <= 5000)
        return 1;
    return 0;
}

static int status_is_registered(ps_reg_status status)
{
    return status == PS_REG_NAMED || status == PS_REG_UNNAMED;
}

typedef struct port_answer {
    const ps_reg_entry *entry;
    ps_reg_status status;
} port_answer;

static port_answer port_lookup(const ps_registry *reg, int transport, uint16_t port)
{
    port_answer a = {NULL, PS_REG_UNREGISTERED};
    if (reg)
        a.entry = registry_find_port(reg, transport, port, &a.status);
    return a;
}

/* 1: endpoint a serves, 0: endpoint b, -1: fan-in does not tell. An
 * endpoint is a server when it met at least PS_FANIN_MIN_PEERS peer ports
 * and more than PS_FANIN_RATIO times the other's: a client's port that
 * happened to be used twice, or a scanner's source port that met one port
 * on many hosts, does not pass. */
static int fanin_side(const ps_flow_fanin *fanin)
{
    if (!fanin)
        return -1;
    unsigned fa = fanin->peers_a, fb = fanin->peers_b;
    if (fa >= PS_FANIN_MIN_PEERS && fa > PS_FANIN_RATIO * fb)
        return 1;
    if (fb >= PS_FANIN_MIN_PEERS && fb > PS_FANIN_RATIO * fa)
        return 0;
    return -1;
}

/* The first datagram of a UDP flow is a request when it comes from a port
 * in the Linux or Windows ephemeral ranges: the receiver serves. The
 * originator of a flow without a handshake is that datagram's sender. */
static int request_side(const ps_flow *flow)
{
    if (flow->key.transport != PS_TRANSPORT_UDP || flow->orig_basis != PS_ORIG_FIRST_PACKET)
        return -1;
    if (ephemeral_level(flow_orig_port(flow)) < 3)
        return -1;
    return flow->orig;   /* the responder: endpoint a when b originated */
}

/* Without a handshake. Returns 1 for endpoint a, 0 for b. */
static int guess_service_side(const ps_registry *reg, const ps_flow_fanin *fanin,
                              const ps_flow *flow, uint8_t *basis)
{
    uint16_t p = flow->key.port_a, q = flow->key.port_b;
    int side = fanin_side(fanin);
    if (side >= 0) {
        *basis = PS_BASIS_FAN_IN;
        return side;
    }
    side = request_side(flow);
    if (side >= 0) {
        *basis = PS_BASIS_REQUEST;
        return side;
    }
    int ep = ephemeral_level(p), eq = ephemeral_level(q);
    if (ep != eq) {
        *basis = PS_BASIS_EPHEMERAL;
        return ep < eq;
    }
    int p_reg = status_is_registered(port_lookup(reg, flow->key.transport, p).status);
    int q_reg = status_is_registered(port_lookup(reg, flow->key.transport, q).status);
    if (p_reg != q_reg) {
        *basis = PS_BASIS_REGISTERED;
        return p_reg;
    }
    if (port_range_class(p) != port_range_class(q)) {
        *basis = PS_BASIS_PORT_RANGE;
        return port_range_class(p) < port_range_class(q);
    }
    *basis = PS_BASIS_LOWER_PORT;
    return p < q;
}

/* RFC 5595: the Service Code of the Request names the service, whatever
 * the port; where it names none, a port whose entry registers another
 * code is shown with that code. */
static void apply_service_code(const ps_registry *reg, const ps_flow *flow, ps_label *out)
{
    if (!reg || flow->key.transport != PS_TRANSPORT_DCCP || !flow->dccp_has_service_code)
        return;
    const ps_reg_entry *by_code = registry_find_service_code(reg, flow->dccp_service_code);
    if (!by_code) {
        if (out->entry && out->entry->has_service_code &&
            out->entry->service_code != flow->dccp_service_code) {
            out->has_expected_code = 1;
            out->expected_code = out->entry->service_code;
        }
        return;
    }
    if (by_code != out->entry &&
        (out->status != PS_REG_NAMED || !out->entry || !out->entry->name ||
         strcmp(out->entry->name, by_code->name) != 0)) {
        out->port_differs = 1;
        out->port_entry = out->entry;
        out->port_status = out->status;
    }
    out->entry = by_code;
    out->status = PS_REG_NAMED;
    out->basis = PS_BASIS_SERVICE_CODE;
    out->nalso = 0;
}

void attribute_flow(const ps_registry *reg, const ps_flow_fanin *fanin, const ps_flow *flow,
                    ps_label *out)
{
    uint8_t basis;
    uint16_t port;
    if (flow->key.transport == PS_TRANSPORT_ICMP) {
        memset(out, 0, sizeof *out);
        out->status = PS_REG_IP_PROTOCOL;
        out->basis = PS_BASIS_IP_PROTOCOL;
        out->ip_proto = ps_transport_ip_proto(flow->key.transport, flow->key.family);
        return;
    }
    if (flow->orig_basis == PS_ORIG_HANDSHAKE) {
        basis = PS_BASIS_HANDSHAKE;
        port = flow_resp_port(flow);
    } else {
        int a = guess_service_side(reg, fanin, flow, &basis);
        port = a ? flow->key.port_a : flow->key.port_b;
    }
    port_answer answer = port_lookup(reg, flow->key.transport, port);
    memset(out, 0, sizeof *out);
    out->entry = answer.entry;
    out->service_port = port;
    out->basis = basis;
    out->status = (uint8_t)answer.status;
    if (reg && answer.status == PS_REG_NAMED) {
        size_t n = registry_port_also(reg, flow->key.transport, port, out->also,
                                      PS_LABEL_ALSO_MAX);
        out->nalso = (uint8_t)(n < PS_LABEL_ALSO_MAX ? n : PS_LABEL_ALSO_MAX);
    }
    apply_service_code(reg, flow, out);
}

static const char *status_text(ps_reg_status status, const ps_reg_entry *entry)
{
    switch (status) {
    case PS_REG_NAMED:
        if (entry && entry->name && entry->name[0])
            return entry->name;
        return "(unnamed)";
    case PS_REG_UNNAMED:
        return "(unnamed)";
    case PS_REG_RESERVED:
        return "(reserved)";
    case PS_REG_UNASSIGNED:
        return "(unassigned)";
    case PS_REG_UNREGISTERED:
    default:
        return "(unregistered)";
    }
}

const char *label_service_text(const ps_label *label)
{
    if (label->status == PS_REG_IP_PROTOCOL) {
        const char *name = ps_ip_proto_name(label->ip_proto);
        return name ? name : "(ip-protocol)";
    }
    return status_text((ps_reg_status)label->status, label->entry);
}

const char *label_port_service_text(const ps_label *label)
{
    if (!label->port_differs)
        return NULL;
    return status_text((ps_reg_status)label->port_status, label->port_entry);
}

const char *ps_label_basis_name(int basis)
{
    static const char *const names[PS_BASIS_COUNT] = {
        "handshake", "service-code", "fan-in", "request", "ephemeral",
        "registered", "port-range", "lower-port", "ip-protocol"};
    if (basis < 0 || basis >= PS_BASIS_COUNT)
        return "unknown";
    return names[basis];
}

const char *ps_reg_status_name(int status)
{
    switch (status) {
    case PS_REG_UNREGISTERED: return "unregistered";
    case PS_REG_NAMED: return "registered";
    case PS_REG_UNNAMED: return "unnamed";
    case PS_REG_RESERVED: return "reserved";
    case PS_REG_UNASSIGNED: return "unassigned";
    case PS_REG_IP_PROTOCOL: return "ip-protocol";
    default: return "unknown";
    }
}
