/* Community ID v1. The hash input is, in network byte order: the 16-bit seed,
 * source address, destination address, the IP protocol, one zero byte of
 * padding, then for TCP, UDP, SCTP, ICMP and ICMPv6 the 16-bit source and
 * destination ports (type and counterpart or code for ICMP). The endpoints
 * are put in a canonical order first, so both directions hash alike, except
 * for one-way ICMP messages. The digest is SHA-1, base64-encoded, prefixed
 * with the version "1:". */
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "portsniff/community_id.h"

int community_id_has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58;
}

/* Mapping tables of the spec (and of Zeek's ICMP analyzer): -1 for no counterpart. */
static int icmp4_counterpart(uint8_t type)
{
    switch (type) {
    case 8: return 0;     /* echo -> echo reply */
    case 0: return 8;
    case 13: return 14;   /* timestamp */
    case 14: return 13;
    case 15: return 16;   /* information */
    case 16: return 15;
    case 10: return 9;    /* router solicitation -> advertisement */
    case 9: return 10;
    case 17: return 18;   /* address mask */
    case 18: return 17;
    default: return -1;
    }
}

static int icmp6_counterpart(uint8_t type)
{
    switch (type) {
    case 128: return 129; /* echo request -> reply */
    case 129: return 128;
    case 133: return 134; /* router solicitation -> advertisement */
    case 134: return 133;
    case 135: return 136; /* neighbour solicitation -> advertisement */
    case 136: return 135;
    case 130: return 131; /* MLD query -> report */
    case 131: return 130;
    case 139: return 140; /* node information query -> reply */
    case 140: return 139;
    case 144: return 145; /* home agent address discovery request -> reply */
    case 145: return 144;
    default: return -1;
    }
}

int ps_icmp_has_counterpart(int family, uint8_t type)
{
    return (family == 6 ? icmp6_counterpart(type) : icmp4_counterpart(type)) >= 0;
}

int ps_icmp_role(int family, uint8_t type)
{
    static const uint8_t req4[] = {8, 13, 15, 10, 17};
    static const uint8_t req6[] = {128, 133, 135, 130, 139, 144};
    const uint8_t *req = family == 6 ? req6 : req4;
    size_t n = family == 6 ? sizeof(req6) : sizeof(req4);

    if (!ps_icmp_has_counterpart(family, type))
        return PS_ICMP_ONE_WAY;
    for (size_t i = 0; i < n; i++)
        if (req[i] == type)
            return PS_ICMP_REQUEST;
    return PS_ICMP_REPLY;
}

int ps_icmp_port_equivalents(int family, uint8_t type, uint8_t code, uint16_t *sport, uint16_t *dport)
{
    int other = family == 6 ? icmp6_counterpart(type) : icmp4_counterpart(type);

    *sport = type;
    if (other >= 0) {
        *dport = (uint16_t)other;
        return 0;
    }
    *dport = code;
    return 1;
}

void community_id_digest(uint16_t seed, const ps_cid_tuple *t, uint8_t digest[PS_COMMUNITY_ID_DIGEST])
{
    size_t alen = t->family == 6 ? 16 : 4;
    const uint8_t *sa = t->saddr, *da = t->daddr;
    uint16_t sp = t->sport, dp = t->dport;
    int ports = community_id_has_ports(t->proto);
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    struct sha1_ctx ctx;

    if (!t->one_way) {
        int c = memcmp(sa, da, alen);
        if (c > 0 || (c == 0 && ports && sp > dp)) {
            const uint8_t *ta = sa;
            uint16_t tp = sp;
            sa = da;
            da = ta;
            sp = dp;
            dp = tp;
        }
    }
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, sa, alen);
    n += alen;
    memcpy(buf + n, da, alen);
    n += alen;
    buf[n++] = t->proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (uint8_t)(sp >> 8);
        buf[n++] = (uint8_t)sp;
        buf[n++] = (uint8_t)(dp >> 8);
        buf[n++] = (uint8_t)dp;
    }
    sha1_init(&ctx);
    sha1_update(&ctx, n, buf);
    sha1_digest(&ctx, PS_COMMUNITY_ID_DIGEST, digest);
}

void community_id_v1(uint16_t seed, const ps_cid_tuple *t, char out[PS_COMMUNITY_ID_SIZE])
{
    uint8_t digest[PS_COMMUNITY_ID_DIGEST];

    community_id_digest(seed, t, digest);
    out[0] = '1';
    out[1] = ':';
    base64_encode_raw(out + 2, sizeof(digest), digest);
    out[2 + BASE64_ENCODE_RAW_LENGTH(PS_COMMUNITY_ID_DIGEST)] = '\0';
}

void community_id_flow(uint16_t seed, const ps_flow *flow, char out[PS_COMMUNITY_ID_SIZE])
{
    ps_cid_tuple t = {
        .family = flow->key.family,
        .proto = ps_transport_ip_proto(flow->key.transport, flow->key.family),
        .sport = flow_orig_port(flow),
        .dport = flow_resp_port(flow),
        .saddr = flow_orig_addr(flow),
        .daddr = flow_resp_addr(flow),
    };
    /* A one-way message's flow is keyed by (type, code), sent by the originator. */
    if (flow->key.transport == PS_TRANSPORT_ICMP)
        t.one_way = !ps_icmp_has_counterpart(flow->key.family, (uint8_t)t.sport);
    community_id_v1(seed, &t, out);
}
