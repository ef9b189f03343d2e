/* Tunnel chains: the encapsulations a flow's packets were found in,
 * interned once per distinct chain so that a flow keeps a 32-bit reference
 * per direction instead of the chain itself. */
#ifndef PORTSNIFF_TUNNEL_H
#define PORTSNIFF_TUNNEL_H

#include <stddef.h>
#include <stdint.h>
#include "portsniff/packet.h"

/* Distinct chains one table keeps; past that a flow's chain is not
 * recorded (counted in ps_tunnel_table's dropped). */
#define PS_TUNNEL_MAX_CHAINS 65536u

/* A reference: 0 for none (the flow was not tunnelled), PS_TUNNEL_DROPPED
 * when the table was full. */
#define PS_TUNNEL_NONE 0u
#define PS_TUNNEL_DROPPED UINT32_MAX

typedef struct ps_tunnel_chain {
    uint32_t hash;
    uint8_t depth;
    const char *text;   /* compact: layers outermost first, joined by '/';
                           a layer is TYPE[@SRC>DST][#ID], a VLAN tag its own
                           layer "vlan#ID" before the layer it carried */
    const char *json;   /* a JSON array of objects, outermost first */
    ps_encap_layer layer[];   /* depth of them */
} ps_tunnel_chain;

typedef struct ps_tunnel_table ps_tunnel_table;

ps_tunnel_table *tunnel_table_create(void);
void tunnel_table_free(ps_tunnel_table *t);
/* The reference of the packet's chain (pkt->encap_depth > 0), interned on
 * first sight; PS_TUNNEL_DROPPED when the table is full or memory runs out. */
uint32_t tunnel_table_intern(ps_tunnel_table *t, const ps_packet *pkt);
/* The chain of a reference; NULL for PS_TUNNEL_NONE and PS_TUNNEL_DROPPED. */
const ps_tunnel_chain *tunnel_table_get(const ps_tunnel_table *t, uint32_t ref);
size_t tunnel_table_count(const ps_tunnel_table *t);
uint64_t tunnel_table_dropped(const ps_tunnel_table *t);   /* flows' directions not recorded */

/* A layer as text: the compact form of one layer (no VLAN prefix) into
 * buf; returns the length written (at most len - 1). */
size_t tunnel_layer_text(const ps_encap_layer *l, char *buf, size_t len);
/* The JSON object of one layer (no VLAN object) into buf, as in the chain's
 * JSON form; returns the length written. */
size_t tunnel_layer_json(const ps_encap_layer *l, char *buf, size_t len);

#endif
