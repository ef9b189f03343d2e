/* Encapsulations: every tunnel and carrier the dissector follows, the
 * frame counted to its innermost layer with the encapsulation record, and
 * the damaged cases each ending with the reason that names the layer. */
#include "dissect_fixtures.h"
#include "portsniff/tunnel.h"

#include <stdio.h>

/* A frame built from the inside out: each wrap puts a header in front. */
typedef struct frame {
    uint8_t b[1600];
    size_t n;
} frame;

static void wrap(frame *f, const uint8_t *hdr, size_t len)
{
    assert_true(f->n + len <= sizeof f->b);
    memmove(f->b + len, f->b, f->n);
    memcpy(f->b, hdr, len);
    f->n += len;
}

static void put32(uint8_t *p, uint32_t v)
{
    fix_put16(p, (uint16_t)(v >> 16));
    fix_put16(p + 2, (uint16_t)v);
}

static const uint8_t in_src[4] = {10, 1, 1, 1}, in_dst[4] = {10, 2, 2, 2};
static const uint8_t out_src[4] = {192, 0, 2, 10}, out_dst[4] = {192, 0, 2, 20};

/* TCP SYN 40000 -> 443, then the given IPv4 header around it. */
static void tcp_syn(frame *f)
{
    uint8_t t[20] = {0};
    fix_put16(t, 40000);
    fix_put16(t + 2, 443);
    t[12] = 5 << 4;
    t[13] = PS_TCP_SYN;
    f->n = 0;
    wrap(f, t, sizeof t);
}

static void ipv4(frame *f, uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
    uint8_t h[20] = {0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, 0};
    fix_put16(h + 2, (uint16_t)(20 + f->n));
    h[9] = proto;
    memcpy(h + 12, src, 4);
    memcpy(h + 16, dst, 4);
    wrap(f, h, sizeof h);
}

static void ipv6(frame *f, uint8_t next)
{
    uint8_t h[40] = {0x60};
    fix_put16(h + 4, (uint16_t)f->n);
    h[6] = next;
    h[7] = 64;
    memcpy(h + 8, fix_v6_src, 16);
    memcpy(h + 24, fix_v6_dst, 16);
    wrap(f, h, sizeof h);
}

static void udp(frame *f, uint16_t sport, uint16_t dport)
{
    uint8_t h[8] = {0};
    fix_put16(h, sport);
    fix_put16(h + 2, dport);
    fix_put16(h + 4, (uint16_t)(8 + f->n));
    wrap(f, h, sizeof h);
}

static void ether(frame *f, uint16_t type)
{
    uint8_t h[14] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    fix_put16(h + 12, type);
    wrap(f, h, sizeof h);
}

static void vlan(frame *f, uint16_t tpid, uint16_t vid)
{
    /* inserted after the MACs of the Ethernet header already in front */
    uint8_t tag[4];
    fix_put16(tag, tpid);
    fix_put16(tag + 2, vid);
    uint8_t macs[12];
    memcpy(macs, f->b, 12);
    memmove(f->b, f->b + 12, f->n - 12);
    f->n -= 12;
    wrap(f, tag, 4);
    wrap(f, macs, 12);
}

static void vxlan(frame *f, uint32_t vni)
{
    uint8_t h[8] = {0x08};
    put32(h + 4, vni << 8);
    wrap(f, h, sizeof h);
}

static void gre(frame *f, uint16_t flags, uint16_t proto, uint32_t key)
{
    uint8_t h[16] = {0};
    size_t n = 4;
    fix_put16(h, flags);
    fix_put16(h + 2, proto);
    if (flags & 0x8000)
        n += 4;                       /* checksum + reserved */
    if (flags & 0x2000) {
        put32(h + n, key);
        n += 4;
    }
    if (flags & 0x1000) {
        put32(h + n, 7);              /* sequence */
        n += 4;
    }
    wrap(f, h, n);
}

static void mpls(frame *f, uint32_t label, int bos)
{
    uint8_t h[4];
    put32(h, label << 12 | (bos ? 0x100u : 0) | 64);
    wrap(f, h, 4);
}

/* The inner SYN 10.1.1.1:40000 -> 10.2.2.2:443 as the packet view shows it. */
static void assert_inner_syn(const ps_packet *pkt)
{
    assert_int_equal(pkt->kind, PS_PKT_TRANSPORT);
    assert_int_equal(pkt->family, 4);
    assert_memory_equal(pkt->src, in_src, 4);
    assert_memory_equal(pkt->dst, in_dst, 4);
    static const uint8_t zero[12] = {0};
    assert_memory_equal(pkt->src + 4, zero, 12);
    assert_memory_equal(pkt->dst + 4, zero, 12);
    assert_int_equal(pkt->transport, PS_TRANSPORT_TCP);
    assert_int_equal(pkt->sport, 40000);
    assert_int_equal(pkt->dport, 443);
    assert_int_equal(pkt->tcp_flags, PS_TCP_SYN);
    assert_int_equal(pkt->ip_bytes, 40);
}

static void inner_syn_ether(frame *f)
{
    tcp_syn(f);
    ipv4(f, 6, in_src, in_dst);
    ether(f, 0x0800);
}

static void test_vxlan_inner_flow(void **state)
{
    (void)state;
    frame f;
    inner_syn_ether(&f);
    vlan(&f, 0x8100, 30);              /* a tag inside the VXLAN segment */
    vxlan(&f, 0x123456);
    udp(&f, 51000, 4789);
    ipv4(&f, 17, out_src, out_dst);
    ether(&f, 0x0800);
    vlan(&f, 0x8100, 200);             /* VXLAN inside QinQ */
    vlan(&f, 0x88a8, 100);
    ps_packet pkt;
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.vlan_id, 100);
    assert_int_equal(pkt.vlan_depth, 3);
    assert_int_equal(pkt.encap_depth, 1);
    assert_int_equal(pkt.encap[0], PS_ENCAP_VXLAN);
    assert_int_equal(pkt.encap_id, 0x123456);
    /* the record: the S-tag it came in, the outer endpoints, the VNI; the
     * VNI is the inner flow's address space */
    const ps_encap_layer *l = &pkt.layer[0];
    assert_int_equal(l->type, PS_ENCAP_VXLAN);
    assert_int_equal(l->vlan, PS_ENCAP_VLAN_SET | 100);
    assert_int_equal(l->family, 4);
    assert_memory_equal(l->u.ep.src, out_src, 4);
    assert_memory_equal(l->u.ep.dst, out_dst, 4);
    assert_int_equal(l->has_id, 1);
    assert_int_equal(l->id, 0x123456);
    assert_int_equal(pkt.context, (uint64_t)PS_ENCAP_VXLAN << 24 | 0x123456);
    char text[128];
    tunnel_layer_text(l, text, sizeof text);
    assert_string_equal(text, "vxlan@192.0.2.10>192.0.2.20#1193046");

    /* Linux's port and a port given with --tunnel-port */
    ps_dissect_config cfg;
    char err[128];
    dissect_config_init(&cfg);
    assert_int_equal(dissect_config_add_port(&cfg, "vxlan=9999", err, sizeof err), 0);
    fix_put16(f.b + 22 + 20 + 2, 9999);
    assert_int_equal(dissect_frame(DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 0, &pkt),
                     PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dport, 9999);
    assert_int_equal(pkt.encap_depth, 0);
    assert_int_equal(dissect_frame_with(&cfg, DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 0, &pkt),
                     PS_PKT_TRANSPORT);
    assert_inner_syn(&pkt);
    fix_put16(f.b + 22 + 20 + 2, 8472);
    dissect_frame(DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 0, &pkt);
    assert_inner_syn(&pkt);

    /* --decap=none: the outer UDP datagram, as before */
    cfg.decap = 0;
    dissect_frame_with(&cfg, DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 0, &pkt);
    assert_int_equal(pkt.kind, PS_PKT_TRANSPORT);
    assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
    assert_int_equal(pkt.dport, 8472);
    assert_memory_equal(pkt.src, out_src, 4);
    assert_int_equal(pkt.encap_depth, 0);
}

static void test_vxlan_not_ip_or_not_vxlan_stays_outer(void **state)
{
    (void)state;
    frame f;
    uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
    f.n = 0;
    wrap(&f, arp, sizeof arp);
    ether(&f, 0x0806);
    vxlan(&f, 77);
    udp(&f, 51000, 4789);
    ipv4(&f, 17, out_src, out_dst);
    ether(&f, 0x0800);
    ps_packet pkt;
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_int_equal(pkt.kind, PS_PKT_TRANSPORT);
    assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
    assert_int_equal(pkt.sport, 51000);
    assert_int_equal(pkt.dport, 4789);
    assert_memory_equal(pkt.src, out_src, 4);
    assert_int_equal(pkt.ip_bytes, f.n - 14);
    assert_int_equal(pkt.encap_depth, 0);

    /* I flag clear: some other protocol on 4789 */
    f.b[14 + 20 + 8] = 0;
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_int_equal(pkt.kind, PS_PKT_TRANSPORT);
    assert_int_equal(pkt.dport, 4789);

    /* cut inside the VXLAN header */
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, 14 + 20 + 8 + 5, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_VXLAN);
}

static void test_geneve_options_skipped(void **state)
{
    (void)state;
    frame f;
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t h[8 + 8] = {0x02, 0x00, 0x08, 0x00, 0x00, 0x0a, 0x0b, 0x00,
                        0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef};   /* one 8-byte option */
    wrap(&f, h, sizeof h);
    udp(&f, 51000, 6081);
    ipv6(&f, 17);
    ether(&f, 0x86dd);
    ps_packet pkt;
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap[0], PS_ENCAP_GENEVE);
    assert_int_equal(pkt.encap_id, 0x0a0b);
    /* options longer than the datagram */
    f.b[14 + 40 + 8] = 0x3f;
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_GENEVE);
}

static void test_gre_optional_fields_and_payloads(void **state)
{
    (void)state;
    static const uint16_t flag_sets[] = {0x0000, 0x2000, 0x3000, 0xb000, 0x8000};
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
        frame f;
        tcp_syn(&f);
        ipv4(&f, 6, in_src, in_dst);
        gre(&f, flag_sets[i], 0x0800, 0xabcd0001);
        ipv4(&f, 47, out_src, out_dst);
        ether(&f, 0x0800);
        ps_packet pkt;
        fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
        assert_inner_syn(&pkt);
        assert_int_equal(pkt.encap[0], PS_ENCAP_GRE);
        assert_int_equal(pkt.encap_id, (flag_sets[i] & 0x2000) ? 0xabcd0001 : 0);
    }
    /* transparent Ethernet bridging, and MPLS inside GRE */
    frame f;
    inner_syn_ether(&f);
    gre(&f, 0x2000, 0x6558, 5);
    ipv4(&f, 47, out_src, out_dst);
    ether(&f, 0x0800);
    ps_packet pkt;
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    mpls(&f, 1000, 1);
    mpls(&f, 16, 0);
    gre(&f, 0, 0x8847, 0);
    ipv4(&f, 47, out_src, out_dst);
    ether(&f, 0x0800);
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap_depth, 2);
    assert_int_equal(pkt.encap[0], PS_ENCAP_GRE);
    assert_int_equal(pkt.encap[1], PS_ENCAP_MPLS);
    assert_int_equal(pkt.encap_id, 1000);
    /* cut inside the key */
    size_t gre_at = 14 + 20;
    frame g;
    tcp_syn(&g);
    ipv4(&g, 6, in_src, in_dst);
    gre(&g, 0x2000, 0x0800, 1);
    ipv4(&g, 47, out_src, out_dst);
    ether(&g, 0x0800);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, g.b, gre_at + 6, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_GRE);
    /* GRE carrying something not IP: the frame is the outer GRE packet */
    g.b[gre_at + 2] = 0x08;
    g.b[gre_at + 3] = 0x06;
    assert_int_equal(fix_dissect_all(DLT_EN10MB, g.b, g.n, &pkt), PS_PKT_OTHER_IP);
    assert_int_equal(pkt.ip_proto, 47);
    assert_memory_equal(pkt.src, out_src, 4);
}

static void test_erspan_types(void **state)
{
    (void)state;
    ps_packet pkt;
    for (int type = 1; type <= 3; type++) {
        frame f;
        inner_syn_ether(&f);
        vlan(&f, 0x8100, 42);
        if (type == 2) {
            uint8_t h[8] = {0x10, 0x2a, 0x00, 0x65};          /* ver 1, session 101 */
            wrap(&f, h, sizeof h);
            gre(&f, 0x1000, 0x88be, 0);
        } else if (type == 3) {
            uint8_t h[12 + 8] = {0x20, 0x2a, 0x00, 0x66, 0, 0, 0, 1, 0, 0, 0x00, 0x01};
            wrap(&f, h, sizeof h);                           /* ver 2, session 102, O set */
            gre(&f, 0x1000, 0x22eb, 0);
        } else {
            gre(&f, 0, 0x88be, 0);
        }
        ipv4(&f, 47, out_src, out_dst);
        ether(&f, 0x0800);
        fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
        assert_inner_syn(&pkt);
        assert_int_equal(pkt.vlan_id, 42);
        assert_int_equal(pkt.encap_depth, 2);
        assert_int_equal(pkt.encap[1], PS_ENCAP_ERSPAN);
        assert_int_equal(pkt.encap_id, type == 1 ? 0 : 99 + type);
        if (type == 3) {
            assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, 14 + 20 + 8 + 14, &pkt),
                             PS_PKT_MALFORMED);
            assert_int_equal(pkt.malformed, PS_MAL_SHORT_ERSPAN);
        }
    }
}

static void test_ip_in_ip_all_four(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    ipv4(&f, 4, out_src, out_dst);
    ether(&f, 0x0800);
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap[0], PS_ENCAP_IPIP);

    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    ipv6(&f, 4);                                           /* 4in6 */
    ether(&f, 0x86dd);
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);

    for (int outer6 = 0; outer6 <= 1; outer6++) {
        tcp_syn(&f);
        ipv6(&f, 6);
        if (outer6) {
            ipv6(&f, 41);                                  /* 6in6 */
            ether(&f, 0x86dd);
        } else {
            ipv4(&f, 41, out_src, out_dst);                /* 6in4 */
            ether(&f, 0x0800);
        }
        fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
        assert_int_equal(pkt.kind, PS_PKT_TRANSPORT);
        assert_int_equal(pkt.family, 6);
        assert_int_equal(pkt.dport, 443);
        assert_int_equal(pkt.ip_bytes, 60);
        assert_int_equal(pkt.encap_depth, 1);
    }
    /* the inner header damaged: counted with the inner layer's reason */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    f.b[0] = 0x43;
    ipv4(&f, 4, out_src, out_dst);
    assert_int_equal(fix_dissect_all(DLT_RAW, f.b, f.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_IPV4_IHL);
}

static void test_mpls_stacks(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    /* two labels, IPv4 by its first nibble */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    mpls(&f, 3000, 1);
    mpls(&f, 17, 0);
    ether(&f, 0x8847);
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap[0], PS_ENCAP_MPLS);
    assert_int_equal(pkt.encap_id, 3000);
    assert_int_equal(pkt.layer[0].nlabels, 2);
    assert_int_equal(pkt.layer[0].u.labels[0], 17);
    assert_int_equal(pkt.layer[0].u.labels[1], 3000);
    assert_int_equal(pkt.layer[0].family, 0);
    assert_int_equal(pkt.context, 0);

    /* Ethernet over MPLS with a control word */
    inner_syn_ether(&f);
    uint8_t cw[4] = {0, 0, 0, 1};
    wrap(&f, cw, 4);
    mpls(&f, 4000, 1);
    ether(&f, 0x8847);
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);

    /* no bottom-of-stack bit anywhere */
    f.n = 0;
    for (int i = 0; i < 6; i++)
        mpls(&f, 100 + (uint32_t)i, 0);
    ether(&f, 0x8847);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_MPLS);
    /* a stack deeper than is followed */
    f.n = 0;
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    mpls(&f, 1, 1);
    for (int i = 0; i < 20; i++)
        mpls(&f, 100 + (uint32_t)i, 0);
    ether(&f, 0x8847);
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_MPLS_DEPTH);

    /* --decap=none keeps MPLS non-IP */
    ps_dissect_config cfg;
    dissect_config_init(&cfg);
    cfg.decap = 0;
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    mpls(&f, 3000, 1);
    ether(&f, 0x8847);
    assert_int_equal(dissect_frame_with(&cfg, DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 0, &pkt),
                     PS_PKT_NON_IP);
}

static void test_pppoe_session_and_discovery(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t ppp[2] = {0x00, 0x21};
    wrap(&f, ppp, 2);
    uint8_t h[6] = {0x11, 0x00, 0x12, 0x34};
    fix_put16(h + 4, (uint16_t)f.n);
    wrap(&f, h, 6);
    ether(&f, 0x8864);
    vlan(&f, 0x8100, 7);                                  /* PPPoE over QinQ */
    vlan(&f, 0x88a8, 6);
    uint8_t pad[10] = {0};                                /* trailing Ethernet padding */
    memcpy(f.b + f.n, pad, sizeof pad);
    f.n += sizeof pad;
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.vlan_id, 6);
    assert_int_equal(pkt.encap[0], PS_ENCAP_PPPOE);
    assert_int_equal(pkt.encap_id, 0x1234);
    /* the PPP protocol cut off */
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, 22 + 6 + 1, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_PPP);
    /* PPP LCP inside the session and the discovery stage: not IP */
    f.b[22 + 6] = 0xc0;
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt), PS_PKT_NON_IP);
    f.b[20] = 0x88;
    f.b[21] = 0x63;
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt), PS_PKT_NON_IP);
}

static void test_gtpu_extension_headers(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    /* PDU session container (type 0x85), 4 bytes, then none */
    uint8_t ext[4] = {1, 0x00, 0x09, 0x00};
    wrap(&f, ext, 4);
    uint8_t h[12] = {0x34, 0xff, 0, 0, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x85};
    fix_put16(h + 2, (uint16_t)(f.n + 4));
    wrap(&f, h, sizeof h);
    udp(&f, 2152, 2152);
    ipv6(&f, 17);                                         /* GTP-U over IPv6 */
    ether(&f, 0x86dd);
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap[0], PS_ENCAP_GTPU);
    assert_int_equal(pkt.encap_id, 0x000c0001);
    /* an extension header of length 0 */
    size_t ext_at = 14 + 40 + 8 + 12;
    f.b[ext_at] = 0;
    assert_int_equal(fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_GTPU);
    /* an echo request is signalling: the outer UDP flow */
    f.b[ext_at] = 1;
    f.b[14 + 40 + 8 + 1] = 1;
    fix_dissect_all(DLT_EN10MB, f.b, f.n, &pkt);
    assert_int_equal(pkt.transport, PS_TRANSPORT_UDP);
    assert_int_equal(pkt.dport, 2152);
    assert_int_equal(pkt.family, 6);
}

static void test_nesting_bounded(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    /* GRE in GRE ... nine deep: one more than PS_ENCAP_MAX */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    for (int i = 0; i < PS_ENCAP_MAX + 1; i++) {
        gre(&f, 0, 0x0800, 0);
        ipv4(&f, 47, out_src, out_dst);
    }
    assert_int_equal(fix_dissect_all(DLT_RAW, f.b, f.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_ENCAP_DEPTH);
    assert_int_equal(pkt.encap_depth, PS_ENCAP_MAX);
    /* exactly PS_ENCAP_MAX deep still decodes */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    for (int i = 0; i < PS_ENCAP_MAX; i++) {
        gre(&f, 0, 0x0800, 0);
        ipv4(&f, 47, out_src, out_dst);
    }
    fix_dissect_all(DLT_RAW, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
}

static void test_tunnel_port_option(void **state)
{
    (void)state;
    ps_dissect_config cfg;
    char err[160];
    dissect_config_init(&cfg);
    assert_int_equal(dissect_config_add_port(&cfg, "geneve=7000", err, sizeof err), 0);
    assert_int_equal(dissect_config_add_port(&cfg, "gtp-u=2123", err, sizeof err), 0);
    assert_int_equal(dissect_config_add_port(&cfg, "vxlan", err, sizeof err), -1);
    assert_string_equal(err, "'vxlan' is not TYPE=PORT (TYPE: vxlan, geneve, gtp-u, l2tp, teredo)");
    assert_int_equal(dissect_config_add_port(&cfg, "nvgre=5", err, sizeof err), -1);
    assert_string_equal(err, "unknown tunnel type 'nvgre' (known: vxlan, geneve, gtp-u, l2tp, teredo)");
    assert_int_equal(dissect_config_add_port(&cfg, "vxlan=0", err, sizeof err), -1);
    assert_int_equal(dissect_config_add_port(&cfg, "vxlan=65536", err, sizeof err), -1);
    assert_int_equal(dissect_config_add_port(&cfg, "vxlan=12x", err, sizeof err), -1);
    assert_string_equal(err, "'12x' is not a UDP port (1-65535)");
    /* a port given again changes its type and takes no new room */
    assert_int_equal(dissect_config_add_port(&cfg, "vxlan=7000", err, sizeof err), 0);
    assert_int_equal(cfg.nports, 8);
    int added = 0;
    for (int p = 10000; p < 10100; p++) {
        char spec[32];
        snprintf(spec, sizeof spec, "vxlan=%d", p);
        if (dissect_config_add_port(&cfg, spec, err, sizeof err) != 0)
            break;
        added++;
    }
    assert_int_equal(cfg.nports, PS_DISSECT_MAX_TUNNEL_PORTS);
    assert_int_equal(added, PS_DISSECT_MAX_TUNNEL_PORTS - 8);
    assert_string_equal(err, "more than 16 tunnel ports");
}

static void test_l2tp_teredo_pptp(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    /* L2TPv2 data with length and sequence numbers, PPP with address/control */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t ppp[4] = {0xff, 0x03, 0x00, 0x21};
    wrap(&f, ppp, 4);
    uint8_t l2tp[12] = {0x48, 0x02, 0, 0, 0x00, 0x05, 0x00, 0x09, 0, 1, 0, 2};
    fix_put16(l2tp + 2, (uint16_t)(f.n + 12));
    wrap(&f, l2tp, 12);
    udp(&f, 1701, 1701);
    ipv4(&f, 17, out_src, out_dst);
    fix_dissect_all(DLT_RAW, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap[0], PS_ENCAP_L2TP);
    assert_int_equal(pkt.encap_id, 5u << 16 | 9);
    /* a control message: the tunnel's own flow */
    f.b[28] = 0xc8;
    fix_dissect_all(DLT_RAW, f.b, f.n, &pkt);
    assert_int_equal(pkt.dport, 1701);
    assert_int_equal(pkt.encap_depth, 0);

    /* Teredo with an origin indication; believed only when the IPv6
     * payload length fills the datagram */
    tcp_syn(&f);
    ipv6(&f, 6);
    uint8_t origin[8] = {0x00, 0x00, 0x12, 0x34, 1, 2, 3, 4};
    wrap(&f, origin, 8);
    udp(&f, 3544, 40000);
    ipv4(&f, 17, out_src, out_dst);
    fix_dissect_all(DLT_RAW, f.b, f.n, &pkt);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.dport, 443);
    assert_int_equal(pkt.encap[0], PS_ENCAP_TEREDO);
    f.b[20 + 8 + 8 + 5] ^= 1;                     /* IPv6 payload length off by one */
    fix_dissect_all(DLT_RAW, f.b, f.n, &pkt);
    assert_int_equal(pkt.family, 4);
    assert_int_equal(pkt.sport, 3544);
    assert_int_equal(pkt.encap_depth, 0);
    /* the same with the snapshot cut inside the inner header: still believed */
    f.b[20 + 8 + 8 + 5] ^= 1;
    fix_dissect(DLT_RAW, f.b, 20 + 8 + 8 + 40 + 10, f.n, &pkt);
    assert_int_equal(pkt.kind, PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_TCP);

    /* PPTP: GRE version 1 with sequence and acknowledgment numbers */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t pppc[2] = {0x00, 0x21};
    wrap(&f, pppc, 2);
    uint8_t gre1[16] = {0x30, 0x81, 0x88, 0x0b, 0, 0, 0x40, 0x01, 0, 0, 0, 7, 0, 0, 0, 6};
    fix_put16(gre1 + 4, (uint16_t)f.n);
    wrap(&f, gre1, 16);
    ipv4(&f, 47, out_src, out_dst);
    fix_dissect_all(DLT_RAW, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap[0], PS_ENCAP_PPTP);
    assert_int_equal(pkt.encap_id, 0x4001);
    /* an acknowledgment alone: the outer GRE packet */
    f.n = 20 + 16;
    fix_put16(f.b + 2, (uint16_t)f.n);
    fix_put16(f.b + 20 + 4, 0);
    assert_int_equal(fix_dissect_all(DLT_RAW, f.b, f.n, &pkt), PS_PKT_OTHER_IP);
    assert_int_equal(pkt.ip_proto, 47);
}

static void test_link_types(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    /* DLT_PPP, PPP_SERIAL (both framings), PPP_WITH_DIR, PPP_ETHER */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t ppp[4] = {0xff, 0x03, 0x00, 0x21};
    wrap(&f, ppp, 4);
    fix_dissect_all(DLT_PPP, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    fix_dissect_all(50, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    uint8_t dir = 1;
    wrap(&f, &dir, 1);
    fix_dissect_all(204, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t chdlc[4] = {0x0f, 0x00, 0x08, 0x00};
    wrap(&f, chdlc, 4);
    fix_dissect_all(104, f.b, f.n, &pkt);             /* Cisco HDLC */
    assert_inner_syn(&pkt);
    fix_dissect_all(50, f.b, f.n, &pkt);              /* Cisco framing on PPP_SERIAL */
    assert_inner_syn(&pkt);
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t pppoe[8] = {0x11, 0, 0, 7, 0, 0, 0x00, 0x21};
    fix_put16(pppoe + 4, (uint16_t)(f.n + 2));
    wrap(&f, pppoe, 8);
    fix_dissect_all(51, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);

    /* IPoIB */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t ipoib[44] = {0};
    ipoib[40] = 0x08;
    wrap(&f, ipoib, 44);
    fix_dissect_all(242, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);

    /* NFLOG, little-endian attributes: a prefix, then the payload */
    tcp_syn(&f);
    ipv4(&f, 6, in_src, in_dst);
    uint8_t tlv_payload[4] = {0, 0, 9, 0};
    tlv_payload[0] = (uint8_t)(f.n + 4);
    wrap(&f, tlv_payload, 4);
    uint8_t nflog[12] = {2, 0, 0, 0, 8, 0, 10, 0, 'a', 'b', 'c', 0};
    wrap(&f, nflog, 12);
    fix_dissect_all(239, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);

}

/* 802.11 data frame headers for the inner SYN: frame control, duration,
 * addresses, sequence control (fragment 0), then QoS control, HT control. */
static void wlan_data(frame *f, uint8_t fc0, uint8_t fc1, uint16_t ethertype, uint8_t snap_oui3)
{
    tcp_syn(f);
    ipv4(f, 6, in_src, in_dst);
    uint8_t snap[8] = {0xaa, 0xaa, 0x03, 0, 0, snap_oui3, 0, 0};
    fix_put16(snap + 6, ethertype);
    wrap(f, snap, 8);
    uint8_t h[36] = {0};
    size_t n = 24;
    h[0] = fc0;
    h[1] = fc1;
    for (int i = 4; i < 22; i++)
        h[i] = (uint8_t)(0x02 + i);
    h[22] = 0x50;                     /* sequence 5, fragment 0 */
    if ((fc1 & 3) == 3)
        n += 6;
    if (fc0 & 0x80) {
        h[n] = 0x05;                  /* TID 5 */
        n += 2;
        if (fc1 & 0x80)
            n += 4;
    }
    wrap(f, h, n);
}

static void test_wlan_data_frames(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f;
    /* data, to the AP: 24-byte header, RFC 1042 SNAP */
    wlan_data(&f, 0x08, 0x01, 0x0800, 0x00);
    assert_int_equal(f.n, 24 + 8 + 40);
    fix_dissect_all(105, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    assert_int_equal(pkt.encap_depth, 0);
    /* QoS data from the AP (26 bytes), with an 802.1H bridge-tunnel SNAP */
    wlan_data(&f, 0x88, 0x02, 0x0800, 0xf8);
    assert_int_equal(f.n, 26 + 8 + 40);
    fix_dissect_all(105, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    /* 4-address (ToDS and FromDS: a WDS or mesh link): 30 bytes; with QoS 32 */
    wlan_data(&f, 0x08, 0x03, 0x0800, 0x00);
    assert_int_equal(f.n, 30 + 8 + 40);
    fix_dissect_all(105, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    wlan_data(&f, 0x88, 0x03, 0x0800, 0x00);
    assert_int_equal(f.n, 32 + 8 + 40);
    fix_dissect_all(105, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    /* QoS data with the Order bit: a 4-byte HT control follows (30 bytes) */
    wlan_data(&f, 0x88, 0x81, 0x0800, 0x00);
    assert_int_equal(f.n, 30 + 8 + 40);
    fix_dissect_all(105, f.b, f.n, &pkt);
    assert_inner_syn(&pkt);
    /* IPv6 inside */
    tcp_syn(&f);
    ipv6(&f, 6);
    uint8_t snap6[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd};
    wrap(&f, snap6, 8);
    uint8_t h6[24] = {0x08, 0x01};
    wrap(&f, h6, 24);
    assert_int_equal(fix_dissect_all(105, f.b, f.n, &pkt), PS_PKT_TRANSPORT);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.sport, 40000);
    assert_int_equal(pkt.dport, 443);

    /* Not IP, not malformed: protected, EAPOL, fragments, an A-MSDU */
    wlan_data(&f, 0x88, 0x41, 0x0800, 0x00);
    assert_int_equal(fix_dissect_all(105, f.b, f.n, &pkt), PS_PKT_NON_IP);
    assert_int_equal(pkt.malformed, PS_MAL_NONE);
    wlan_data(&f, 0x08, 0x01, 0x888e, 0x00);
    assert_int_equal(fix_dissect_all(105, f.b, f.n, &pkt), PS_PKT_NON_IP);
    wlan_data(&f, 0x08, 0x05, 0x0800, 0x00);           /* more fragments */
    assert_int_equal(fix_dissect_all(105, f.b, f.n, &pkt), PS_PKT_NON_IP);
    wlan_data(&f, 0x08, 0x01, 0x0800, 0x00);
    f.b[22] = 0x51;                                    /* fragment 1 */
    assert_int_equal(fix_dissect_all(105, f.b, f.n, &pkt), PS_PKT_NON_IP);
    wlan_data(&f, 0x88, 0x01, 0x0800, 0x00);
    f.b[24] |= 0x80;                                   /* A-MSDU present */
    assert_int_equal(fix_dissect_all(105, f.b, f.n, &pkt), PS_PKT_NON_IP);
    /* management, control, null data: any length */
    static const uint8_t beacon[36] = {0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(fix_dissect_all(105, beacon, sizeof beacon, &pkt), PS_PKT_NON_IP);
    static const uint8_t ack[10] = {0xd4, 0, 0, 0, 2, 0, 0, 0, 0, 1};
    assert_int_equal(fix_dissect_all(105, ack, sizeof ack, &pkt), PS_PKT_NON_IP);
    assert_int_equal(pkt.malformed, PS_MAL_NONE);
    static const uint8_t qos_null[26] = {0xc8, 0x01};
    assert_int_equal(fix_dissect_all(105, qos_null, sizeof qos_null, &pkt), PS_PKT_NON_IP);

    /* Cut short: one byte, inside the QoS control, inside the 4th address */
    wlan_data(&f, 0x88, 0x01, 0x0800, 0x00);
    assert_int_equal(fix_dissect_all(105, f.b, 1, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_80211);
    assert_int_equal(fix_dissect_all(105, f.b, 25, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_80211);
    wlan_data(&f, 0x08, 0x03, 0x0800, 0x00);
    assert_int_equal(fix_dissect_all(105, f.b, 29, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_80211);
    assert_string_equal(ps_malformed_name(PS_MAL_SHORT_80211), "short-80211-header");
    assert_string_equal(ps_malformed_name(PS_MAL_BAD_RADIOTAP), "bad-radiotap-header");
    assert_string_equal(ps_malformed_name(PS_MAL_BAD_PPI), "bad-ppi-header");
}

static void test_radiotap(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f, g;
    static const uint8_t fcs[4] = {0xde, 0xad, 0xbe, 0xef};
    wlan_data(&f, 0x88, 0x01, 0x0800, 0x00);
    /* TSFT and flags present: the flags byte after the 8-aligned TSFT, at 16 */
    uint8_t rt[18] = {0, 0, 18, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x02};
    g = f;
    wrap(&g, rt, sizeof rt);
    fix_dissect_all(127, g.b, g.n, &pkt);
    assert_inner_syn(&pkt);
    /* FCS at the end (flags 0x10): trimmed; a frame that lacks it loses the
     * last 4 bytes of its TCP header */
    rt[16] = 0x10;
    g = f;
    wrap(&g, rt, sizeof rt);
    assert_int_equal(fix_dissect_all(127, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_TCP);
    memcpy(g.b + g.n, fcs, 4);
    g.n += 4;
    fix_dissect_all(127, g.b, g.n, &pkt);
    assert_inner_syn(&pkt);
    /* FCS flag, fewer than 4 bytes after the header */
    assert_int_equal(fix_dissect_all(127, g.b, sizeof rt + 3, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_80211);
    /* an extended present bitmap (2 words), flags at 12 saying data padding:
     * the 26-byte QoS header is followed by 2 bytes of padding */
    uint8_t body[8 + 40];
    memcpy(body, f.b + 26, sizeof body);
    g.n = 0;
    wrap(&g, body, sizeof body);
    uint8_t pad[2] = {0xee, 0xee};
    wrap(&g, pad, 2);
    wrap(&g, f.b, 26);
    uint8_t rt2[14] = {0, 0, 14, 0, 0x02, 0, 0, 0x80, 0x00, 0, 0, 0, 0x20, 0};
    wrap(&g, rt2, sizeof rt2);
    fix_dissect_all(127, g.b, g.n, &pkt);
    assert_inner_syn(&pkt);

    /* damaged radiotap headers */
    assert_int_equal(fix_dissect_all(127, rt, 7, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_RADIOTAP);
    g = f;
    wrap(&g, rt, sizeof rt);
    g.b[0] = 1;                                        /* version 1 */
    assert_int_equal(fix_dissect_all(127, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_RADIOTAP);
    g.b[0] = 0;
    g.b[2] = 0xff;                                     /* length past the frame */
    g.b[3] = 0x0f;
    assert_int_equal(fix_dissect_all(127, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_RADIOTAP);
    g.b[2] = 7;                                        /* length below 8 */
    g.b[3] = 0;
    assert_int_equal(fix_dissect_all(127, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_RADIOTAP);
    g.b[2] = 16;                                       /* flags beyond its length */
    assert_int_equal(fix_dissect_all(127, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_RADIOTAP);
    uint8_t rt_ext[8] = {0, 0, 8, 0, 0, 0, 0, 0x80};   /* another bitmap, no room */
    g = f;
    wrap(&g, rt_ext, sizeof rt_ext);
    assert_int_equal(fix_dissect_all(127, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_RADIOTAP);
    /* a radiotap header alone: the 802.11 header is missing */
    uint8_t rt_min[8] = {0, 0, 8, 0, 0, 0, 0, 0};
    assert_int_equal(fix_dissect_all(127, rt_min, sizeof rt_min, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_80211);
}

static void test_ppi(void **state)
{
    (void)state;
    ps_packet pkt;
    frame f, g;
    wlan_data(&f, 0x88, 0x01, 0x0800, 0x00);
    uint8_t ppi[8] = {0, 0, 8, 0, 105, 0, 0, 0};
    g = f;
    wrap(&g, ppi, sizeof ppi);
    fix_dissect_all(192, g.b, g.n, &pkt);
    assert_inner_syn(&pkt);
    /* an 802.11-Common field (type 2, 20 bytes) whose flags say FCS present */
    uint8_t ppi_c[8 + 4 + 20] = {0, 0, 32, 0, 105, 0, 0, 0, 2, 0, 20, 0};
    ppi_c[12 + 8] = 0x01;
    g = f;
    wrap(&g, ppi_c, sizeof ppi_c);
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_SHORT_TCP);  /* the FCS is missing */
    memset(g.b + g.n, 0xab, 4);
    g.n += 4;
    fix_dissect_all(192, g.b, g.n, &pkt);
    assert_inner_syn(&pkt);
    /* Ethernet inside PPI */
    inner_syn_ether(&g);
    uint8_t ppi_eth[8] = {0, 0, 8, 0, 1, 0, 0, 0};
    wrap(&g, ppi_eth, sizeof ppi_eth);
    fix_dissect_all(192, g.b, g.n, &pkt);
    assert_inner_syn(&pkt);
    /* a link type not decoded, PPI in PPI: not IP */
    g = f;
    uint8_t ppi_other[8] = {0, 0, 8, 0, 147, 0, 0, 0};
    wrap(&g, ppi_other, sizeof ppi_other);
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_NON_IP);
    g.b[4] = 192;
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_NON_IP);
    /* damaged: short, version 1, length past the frame or below 8, a field
     * whose length runs past the header, a field header cut */
    assert_int_equal(fix_dissect_all(192, ppi, 7, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_PPI);
    g = f;
    wrap(&g, ppi_c, sizeof ppi_c);
    g.b[0] = 1;
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_PPI);
    g.b[0] = 0;
    g.b[3] = 0x40;
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_PPI);
    g.b[3] = 0;
    g.b[2] = 4;
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_PPI);
    g.b[2] = 32;
    g.b[10] = 21;
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_PPI);
    g.b[10] = 20;
    g.b[2] = 10;
    assert_int_equal(fix_dissect_all(192, g.b, g.n, &pkt), PS_PKT_MALFORMED);
    assert_int_equal(pkt.malformed, PS_MAL_BAD_PPI);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vxlan_inner_flow),
        cmocka_unit_test(test_vxlan_not_ip_or_not_vxlan_stays_outer),
        cmocka_unit_test(test_geneve_options_skipped),
        cmocka_unit_test(test_gre_optional_fields_and_payloads),
        cmocka_unit_test(test_erspan_types),
        cmocka_unit_test(test_ip_in_ip_all_four),
        cmocka_unit_test(test_mpls_stacks),
        cmocka_unit_test(test_pppoe_session_and_discovery),
        cmocka_unit_test(test_gtpu_extension_headers),
        cmocka_unit_test(test_nesting_bounded),
        cmocka_unit_test(test_tunnel_port_option),
        cmocka_unit_test(test_l2tp_teredo_pptp),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_wlan_data_frames),
        cmocka_unit_test(test_radiotap),
        cmocka_unit_test(test_ppi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
