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

/* Without a handshake: a port the registry knows beats one it does not;
 * otherwise the lower range (System < User < Dynamic), then the lower number.
 * Both ports are looked up once; the chosen one's answer is the label. */
static uint16_t guess_service_port(const ps_registry *reg, const ps_flow *flow, uint8_t *basis,
                                   port_answer *answer)
{
    uint16_t p = flow->key.port_a, q = flow->key.port_b;
    port_answer pa = port_lookup(reg, flow->key.transport, p);
    port_answer qa = port_lookup(reg, flow->key.transport, q);
    int p_reg = status_is_registered(pa.status);
    int q_reg = status_is_registered(qa.status);
    int pick_p;
    if (p_reg != q_reg) {
        *basis = PS_BASIS_REGISTERED;
        pick_p = p_reg;
    } else if (port_range_class(p) != port_range_class(q)) {
        *basis = PS_BASIS_PORT_RANGE;
        pick_p = port_range_class(p) < port_range_class(q);
    } else {
        *basis = PS_BASIS_LOWER_PORT;
        pick_p = p < q;
    }
    *answer = pick_p ? pa : qa;
    return pick_p ? p : q;
}

void attribute_flow(const ps_registry *reg, const ps_flow *flow, ps_label *out)
{
    uint8_t basis;
    uint16_t port;
    port_answer answer;
    if (flow->orig_basis == PS_ORIG_HANDSHAKE) {
        basis = PS_BASIS_HANDSHAKE;
        port = flow_resp_port(flow);
        answer = port_lookup(reg, flow->key.transport, port);
    } else {
        port = guess_service_port(reg, flow, &basis, &answer);
    }
    out->entry = answer.entry;
    out->service_port = port;
    out->basis = basis;
    out->status = (uint8_t)answer.status;
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
