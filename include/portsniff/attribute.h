/* Service attribution: which of a flow's two ports names its service, why,
 * and what the registry says about it. Runs once per flow, at its end. */
#ifndef PORTSNIFF_ATTRIBUTE_H
#define PORTSNIFF_ATTRIBUTE_H

#include <stdint.h>
#include "portsniff/flow.h"
#include "portsniff/registry.h"

typedef enum ps_label_basis {
    PS_BASIS_HANDSHAKE = 0,  /* responder's port of a seen TCP SYN / SCTP INIT / DCCP-Request */
    PS_BASIS_REGISTERED,     /* only one of the two ports is registered */
    PS_BASIS_PORT_RANGE,     /* RFC 6335 range: System < User < Dynamic */
    PS_BASIS_LOWER_PORT,     /* same range and standing: the lower number */
    PS_BASIS_COUNT
} ps_label_basis;

typedef struct ps_label {
    const ps_reg_entry *entry;   /* registry row that names the service; NULL when unregistered */
    uint16_t service_port;
    uint8_t  basis;              /* ps_label_basis */
    uint8_t  status;             /* ps_reg_status of (transport, service_port) */
} ps_label;

/* RFC 6335 section 6: 0 System (0-1023), 1 User (1024-49151), 2 Dynamic (49152-65535). */
int port_range_class(uint16_t port);

void attribute_flow(const ps_registry *reg, const ps_flow *flow, ps_label *out);

/* The label as printed: the canonical name, or "(unnamed)", "(reserved)",
 * "(unassigned)", "(unregistered)". */
const char *label_service_text(const ps_label *label);
const char *ps_label_basis_name(int basis);      /* "handshake", "registered", "port-range", "lower-port" */
const char *ps_reg_status_name(int status);      /* "registered", "unnamed", "reserved", "unassigned", "unregistered" */

#endif
