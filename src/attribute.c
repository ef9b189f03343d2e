/* Service attribution. A seen handshake says which side served; without one
 * the port is guessed from the registry and from RFC 6335's port ranges, and
 * the label says which rule decided. */
#include "portsniff/attribute.h"

int port_range_class(uint16_t port)
{
    if (port < 1024)
        return 0;
    if (port < 49152)
        return 1;
    return 2;
}

static int status_is_registered(ps_reg_status status)
{
    return status == PS_REG_NAMED || status == PS_REG_UNNAMED;
}

static ps_reg_status port_status(const ps_registry *reg, int transport, uint16_t port)
{
    ps_reg_status status = PS_REG_UNREGISTERED;
    if (reg)
        registry_find_port(reg, transport, port, &status);
    return status;
}

/* Without a handshake: a port the registry knows beats one it does not;
 * otherwise the lower range (System < User < Dynamic), then the lower number. */
static uint16_t guess_service_port(const ps_registry *reg, const ps_flow *flow, uint8_t *basis)
{
    uint16_t p = flow->key.port_a, q = flow->key.port_b;
    int p_reg = status_is_registered(port_status(reg, flow->key.transport, p));
    int q_reg = status_is_registered(port_status(reg, flow->key.transport, q));
    if (p_reg != q_reg) {
        *basis = PS_BASIS_REGISTERED;
        return p_reg ? p : q;
    }
    int pc = port_range_class(p), qc = port_range_class(q);
    if (pc != qc) {
        *basis = PS_BASIS_PORT_RANGE;
        return pc < qc ? p : q;
    }
    *basis = PS_BASIS_LOWER_PORT;
    return p < q ? p : q;
}

void attribute_flow(const ps_registry *reg, const ps_flow *flow, ps_label *out)
{
    uint8_t basis;
    uint16_t port;
    if (flow->orig_basis == PS_ORIG_HANDSHAKE) {
        basis = PS_BASIS_HANDSHAKE;
        port = flow_resp_port(flow);
    } else {
        port = guess_service_port(reg, flow, &basis);
    }
    ps_reg_status status = PS_REG_UNREGISTERED;
    out->entry = reg ? registry_find_port(reg, flow->key.transport, port, &status) : NULL;
    out->service_port = port;
    out->basis = basis;
    out->status = (uint8_t)status;
}

const char *label_service_text(const ps_label *label)
{
    switch ((ps_reg_status)label->status) {
    case PS_REG_NAMED:
        if (label->entry && label->entry->name && label->entry->name[0])
            return label->entry->name;
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

const char *ps_label_basis_name(int basis)
{
    static const char *const names[PS_BASIS_COUNT] = {
        "handshake", "registered", "port-range", "lower-port"};
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
    default: return "unknown";
    }
}
