/* Service attribution: which of a flow's two ports names its service, why,
 * and what the registry says about it. Runs once per flow, at its end. */
#ifndef PORTSNIFF_ATTRIBUTE_H
#define PORTSNIFF_ATTRIBUTE_H

#include <stdint.h>
#include "portsniff/fanin.h"
#include "portsniff/flow.h"
#include "portsniff/registry.h"

/* The evidence that decided, strongest first; the first that applies wins. */
typedef enum ps_label_basis {
    PS_BASIS_HANDSHAKE = 0,  /* responder's port of a seen TCP SYN / SCTP INIT / DCCP-Request */
    PS_BASIS_SERVICE_CODE,   /* the DCCP Service Code of the handshake names a registered service */
    PS_BASIS_FAN_IN,         /* across flows, one endpoint met many more peer ports than the other */
    PS_BASIS_REQUEST,        /* UDP: the first datagram came from a common ephemeral port */
    PS_BASIS_EPHEMERAL,      /* the other port lies deeper in the ephemeral ranges OSes use */
    PS_BASIS_REGISTERED,     /* only one of the two ports is registered */
    PS_BASIS_PORT_RANGE,     /* RFC 6335 range: System < User < Dynamic */
    PS_BASIS_LOWER_PORT,     /* same range and standing: the lower number */
    PS_BASIS_IP_PROTOCOL,    /* ICMP, ICMPv6: no ports, the IP protocol is the label */
    PS_BASIS_COUNT
} ps_label_basis;

/* Fan-in decides when one endpoint met at least PS_FANIN_MIN_PEERS peer
 * ports and more than PS_FANIN_RATIO times as many as the other. */
#define PS_FANIN_MIN_PEERS 3
#define PS_FANIN_RATIO 2

/* Other services registered for the label's port, carried with it. */
#define PS_LABEL_ALSO_MAX 8

typedef struct ps_label {
    const ps_reg_entry *entry;   /* registry row that names the service; NULL when unregistered */
    uint16_t service_port;
    uint8_t  basis;              /* ps_label_basis */
    uint8_t  status;             /* ps_reg_status of the label */
    uint8_t  nalso;              /* entries in also */
    uint8_t  ip_proto;           /* with status PS_REG_IP_PROTOCOL: the IP protocol (1, 58) */
    /* With basis service-code, what the service port alone says, set when
     * it is not the service the code names (port_differs). */
    uint8_t  port_differs;
    uint8_t  port_status;
    const ps_reg_entry *port_entry;
    /* The Service Code the port's entry registers, when the flow carried
     * another one that names no service; 0 with has_expected_code unset. */
    uint8_t  has_expected_code;
    uint32_t expected_code;
    const ps_reg_entry *also[PS_LABEL_ALSO_MAX];   /* distinct services sharing the port */
} ps_label;

/* RFC 6335 section 6: 0 System (0-1023), 1 User (1024-49151), 2 Dynamic (49152-65535). */
int port_range_class(uint16_t port);

/* How deep a port lies in the ephemeral ranges that operating systems use
 * for clients: 4 in both Linux's (32768-60999) and Windows' and IANA's
 * (49152-65535), 3 in one of them, 2 among the privileged ports NFS and rsh
 * clients bind (512-1023), 1 in BSD's older range (1024-5000), 0 outside. */
int ephemeral_level(uint16_t port);

/* What fan-in says about a flow: how many peer ports its key endpoints a
 * and b met across flows (fanin_note_flow, fanin_peer_ports). */
typedef struct ps_flow_fanin {
    unsigned peers_a, peers_b;
} ps_flow_fanin;

/* fanin may be NULL (no fan-in evidence). */
void attribute_flow(const ps_registry *reg, const ps_flow_fanin *fanin, const ps_flow *flow,
                    ps_label *out);

/* The label as printed: the canonical name, or "(unnamed)", "(reserved)",
 * "(unassigned)", "(unregistered)"; for ICMP flows the IP protocol's
 * keyword ("icmp", "ipv6-icmp"). */
const char *label_service_text(const ps_label *label);
/* The port's own label text when a Service Code labelled the flow with another service. */
const char *label_port_service_text(const ps_label *label);
const char *ps_label_basis_name(int basis);      /* "handshake", "fan-in", ..., "lower-port" */
const char *ps_reg_status_name(int status);      /* "registered", "unnamed", "reserved", "unassigned", "unregistered", "ip-protocol" */

#endif
