#!/usr/bin/env python3
"""Write one capture per encapsulation portsniff decodes, with the flows
each carries, and expect.json: per capture the inner flows (5-tuple,
packets and IP bytes per direction) and the run counters (non-IP frames,
malformed reasons) that portsniff must report.

    gen_encap.py OUTDIR

Packets are built byte by byte (checksums correct), independent of
portsniff's code; tshark reads every capture but malformed.pcap the same way.
"""

import json
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
from gen_corpus import (ACK, FIN, PSH, SYN, TCP, UDP, PcapWriter, inet_checksum,  # noqa: E402
                        ipv4_packets, ipv6_packets, mac, tcp_segment, udp_datagram)

LINKTYPE_ETHERNET = 1
BASE_NS = 1786960800 * 1000000000


def v4(a, b, c, d):
    return bytes([a, b, c, d])


def v6(net, host):
    return bytes([0xfd, 0x00, 0, net] + [0] * 11 + [host])


def ether(ethertype, payload, vlans=(), src=1, dst=2):
    f = mac(dst) + mac(src)
    for tpid, vid in vlans:
        f += struct.pack("!HH", tpid, vid)
    f += struct.pack("!H", ethertype) + payload
    return f + b"\0" * max(0, 60 - len(f))


def ip_packet(src, dst, proto, l4, ident=1):
    if len(src) == 4:
        return ipv4_packets(src, dst, proto, l4, ident)[0]
    return ipv6_packets(src, dst, proto, l4)[0]


def udp_in_ip(src, dst, sport, dport, payload, ident=1):
    return ip_packet(src, dst, UDP, udp_datagram(src, dst, sport, dport, payload), ident)


class Flow:
    """An inner conversation and the tally of what it sent each way."""

    def __init__(self, proto, client, cport, server, sport):
        self.proto, self.client, self.cport, self.server, self.sport = proto, client, cport, server, sport
        self.pkts = [0, 0]
        self.ip_bytes = [0, 0]

    def packets(self):
        """(direction, inner IP packet): 0 client to server, 1 back."""
        c, s = self.client, self.server
        out = []
        if self.proto == TCP:
            seq_c, seq_s = 1000, 5000
            steps = [(0, SYN, b""), (1, SYN | ACK, b""), (0, ACK, b""),
                     (0, ACK | PSH, b"G" * 100), (1, ACK | PSH, b"H" * 300),
                     (0, FIN | ACK, b""), (1, FIN | ACK, b""), (0, ACK, b"")]
            for d, flags, data in steps:
                if d == 0:
                    seg = tcp_segment(c, s, self.cport, self.sport, seq_c, seq_s, flags, data)
                    out.append((0, ip_packet(c, s, TCP, seg, len(out) + 1)))
                else:
                    seg = tcp_segment(s, c, self.sport, self.cport, seq_s, seq_c, flags, data)
                    out.append((1, ip_packet(s, c, TCP, seg, len(out) + 1)))
        else:
            out.append((0, udp_in_ip(c, s, self.cport, self.sport, b"q" * 32, 1)))
            out.append((1, udp_in_ip(s, c, self.sport, self.cport, b"r" * 120, 2)))
        for d, ip in out:
            self.pkts[d] += 1
            self.ip_bytes[d] += len(ip)
        return out

    def expect(self):
        return {"proto": "tcp" if self.proto == TCP else "udp",
                "orig_h": ip_text(self.client), "orig_p": self.cport,
                "resp_h": ip_text(self.server), "resp_p": self.sport,
                "orig_pkts": self.pkts[0], "resp_pkts": self.pkts[1],
                "orig_ip_bytes": self.ip_bytes[0], "resp_ip_bytes": self.ip_bytes[1]}


def ip_text(b):
    import ipaddress
    return str(ipaddress.ip_address(b))


class Capture:
    def __init__(self, outdir, name, linktype=LINKTYPE_ETHERNET):
        self.name = name
        self.linktype = linktype
        self.w = PcapWriter(os.path.join(outdir, name + ".pcap"), linktype)
        self.other = {}
        self.t = BASE_NS
        self.flows = []
        self.non_ip = 0
        self.malformed = {}
        self.extra_flows = []

    def frame(self, f):
        self.w.write(self.t, f)
        self.t += 1000000

    def flow(self, flow, wrap):
        """wrap(direction, inner IP packet) -> frame"""
        for d, ip in flow.packets():
            self.frame(wrap(d, ip))
        self.flows.append(flow)

    def close(self):
        self.w.close()
        return {"flows": [f.expect() for f in self.flows] + self.extra_flows,
                "non_ip": self.non_ip, "malformed": self.malformed, "other": self.other}


O4A, O4B = v4(192, 0, 2, 1), v4(192, 0, 2, 2)          # tunnel endpoints
O6A, O6B = bytes.fromhex("20010db8000000000000000000000001"), bytes.fromhex("20010db8000000000000000000000002")


def outer_ip(d, proto, payload, family=4, ident=100):
    a, b = (O4A, O4B) if family == 4 else (O6A, O6B)
    src, dst = (a, b) if d == 0 else (b, a)
    return ip_packet(src, dst, proto, payload, ident), src, dst


def inner_ether(ip, vlans=()):
    return ether(0x0800 if ip[0] >> 4 == 4 else 0x86DD, ip, vlans, src=0x10, dst=0x11)


def outer_udp(d, dport, payload, family=4, vlans=(), sport=None):
    a, b = (O4A, O4B) if family == 4 else (O6A, O6B)
    src, dst = (a, b) if d == 0 else (b, a)
    sp = sport if sport is not None else 49152 + d
    ip = udp_in_ip(src, dst, sp, dport, payload, 100)
    return ether(0x0800 if family == 4 else 0x86DD, ip, vlans)


def vxlan_hdr(vni):
    return struct.pack("!II", 0x08000000, vni << 8)


def gre_hdr(proto, key=None, seq=None, csum=False):
    flags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    h = struct.pack("!HH", flags, proto)
    if csum:
        h += b"\0\0\0\0"
    if key is not None:
        h += struct.pack("!I", key)
    if seq is not None:
        h += struct.pack("!I", seq)
    return h


def gre_with_checksum(proto, payload, key=None, seq=None):
    h = bytearray(gre_hdr(proto, key, seq, csum=True))
    c = inet_checksum(bytes(h) + payload)
    h[4:6] = struct.pack("!H", c)
    return bytes(h) + payload


def mpls_stack(labels, ttl=64):
    out = b""
    for i, lab in enumerate(labels):
        out += struct.pack("!I", (lab << 12) | ((1 << 8) if i == len(labels) - 1 else 0) | ttl)
    return out


def gen_vxlan(outdir):
    cap = Capture(outdir, "vxlan")
    qinq = ((0x88A8, 100), (0x8100, 200))
    f = Flow(TCP, v4(10, 1, 0, 1), 40001, v4(10, 1, 0, 2), 443)
    cap.flow(f, lambda d, ip: outer_udp(d, 4789, vxlan_hdr(5001) + inner_ether(ip), vlans=qinq))
    f = Flow(UDP, v4(10, 1, 0, 1), 40002, v4(10, 1, 0, 3), 53)
    cap.flow(f, lambda d, ip: outer_udp(d, 8472, vxlan_hdr(7) + inner_ether(ip, ((0x8100, 30),))))
    # ARP across the segment: the frame is the tunnel's own UDP packet.
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(0x10) + v4(10, 1, 0, 1) + b"\0" * 6 + v4(10, 1, 0, 2)
    for d in (0, 1):
        cap.frame(outer_udp(d, 4789, vxlan_hdr(5001) + ether(0x0806, arp, src=0x10, dst=0xFFFFFF), sport=50000))
    arp_len = 20 + 8 + 8 + 60
    cap.extra_flows.append({"proto": "udp", "orig_h": "192.0.2.1", "orig_p": 50000,
                            "resp_h": "192.0.2.2", "resp_p": 4789, "orig_pkts": 1, "resp_pkts": 0,
                            "orig_ip_bytes": arp_len, "resp_ip_bytes": 0})
    cap.extra_flows.append({"proto": "udp", "orig_h": "192.0.2.2", "orig_p": 50000,
                            "resp_h": "192.0.2.1", "resp_p": 4789, "orig_pkts": 1, "resp_pkts": 0,
                            "orig_ip_bytes": arp_len, "resp_ip_bytes": 0})
    return cap.close()


def geneve_hdr(proto, vni, options=b""):
    assert len(options) % 4 == 0
    return struct.pack("!BBHI", len(options) // 4, 0, proto, vni << 8) + options


def gen_geneve(outdir):
    cap = Capture(outdir, "geneve")
    opt = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\xde\xad\xbe\xef"   # one 8-byte option
    f = Flow(TCP, v4(10, 2, 0, 1), 40011, v4(10, 2, 0, 2), 22)
    cap.flow(f, lambda d, ip: outer_udp(d, 6081, geneve_hdr(0x6558, 42, opt) + inner_ether(ip), family=6))
    f = Flow(UDP, v6(2, 1), 40012, v6(2, 2), 123)
    cap.flow(f, lambda d, ip: outer_udp(d, 6081, geneve_hdr(0x86DD, 43) + ip))
    return cap.close()


def gen_gre(outdir):
    cap = Capture(outdir, "gre")

    def over_gre(d, payload, family=4):
        ip, _, _ = outer_ip(d, 47, payload, family)
        return ether(0x0800 if family == 4 else 0x86DD, ip)

    f = Flow(TCP, v4(10, 3, 0, 1), 40021, v4(10, 3, 0, 2), 80)
    cap.flow(f, lambda d, ip: over_gre(d, gre_with_checksum(0x0800, ip, key=0x1000 + d, seq=d)))
    f = Flow(TCP, v6(3, 1), 40022, v6(3, 2), 443)
    cap.flow(f, lambda d, ip: over_gre(d, gre_hdr(0x86DD) + ip, family=6))
    f = Flow(UDP, v4(10, 3, 1, 1), 40023, v4(10, 3, 1, 2), 514)
    cap.flow(f, lambda d, ip: over_gre(d, gre_hdr(0x6558, key=9) + inner_ether(ip)))
    f = Flow(TCP, v4(10, 3, 2, 1), 40024, v4(10, 3, 2, 2), 179)
    cap.flow(f, lambda d, ip: over_gre(d, gre_hdr(0x8847) + mpls_stack([16, 3001 + d]) + ip))
    return cap.close()


def gen_erspan(outdir):
    cap = Capture(outdir, "erspan")

    def over_gre(d, payload):
        ip, _, _ = outer_ip(d, 47, payload)
        return ether(0x0800, ip)

    def erspan2(session, vlan):
        return struct.pack("!HHI", 0x1000 | vlan, session, 0)

    def erspan3(session, vlan, o_bit):
        last = (0 << 10) | (1 if o_bit else 0)   # FT 0: Ethernet
        h = struct.pack("!HHIHH", 0x2000 | vlan, session, 123456, 0, last)
        return h + (struct.pack("!II", 0x00000000, 0) if o_bit else b"")

    f = Flow(TCP, v4(10, 4, 0, 1), 40031, v4(10, 4, 0, 2), 443)
    cap.flow(f, lambda d, ip: over_gre(d, gre_hdr(0x88BE) + inner_ether(ip)))           # type I
    f = Flow(TCP, v4(10, 4, 1, 1), 40032, v4(10, 4, 1, 2), 25)
    cap.flow(f, lambda d, ip: over_gre(d, gre_hdr(0x88BE, seq=d) + erspan2(101, 0) + inner_ether(ip)))
    f = Flow(UDP, v4(10, 4, 2, 1), 40033, v4(10, 4, 2, 2), 161)
    cap.flow(f, lambda d, ip: over_gre(d, gre_hdr(0x22EB, seq=d) + erspan3(102, 10, False) +
                                       inner_ether(ip, ((0x8100, 10),))))
    f = Flow(TCP, v4(10, 4, 3, 1), 40034, v4(10, 4, 3, 2), 3306)
    cap.flow(f, lambda d, ip: over_gre(d, gre_hdr(0x22EB, seq=d) + erspan3(103, 20, True) +
                                       inner_ether(ip, ((0x88A8, 20), (0x8100, 21)))))
    return cap.close()


def gen_ipip(outdir):
    cap = Capture(outdir, "ipip")
    for i, (inner_fam, outer_fam) in enumerate(((4, 4), (6, 4), (4, 6), (6, 6))):
        if inner_fam == 4:
            f = Flow(TCP, v4(10, 5, i, 1), 40041 + i, v4(10, 5, i, 2), 8080)
        else:
            f = Flow(TCP, v6(5, 1 + 2 * i), 40041 + i, v6(5, 2 + 2 * i), 8443)
        proto = 4 if inner_fam == 4 else 41

        def wrap(d, ip, proto=proto, outer_fam=outer_fam):
            o, _, _ = outer_ip(d, proto, ip, outer_fam)
            return ether(0x0800 if outer_fam == 4 else 0x86DD, o)
        cap.flow(f, wrap)
    return cap.close()


def gen_mpls(outdir):
    cap = Capture(outdir, "mpls")
    f = Flow(TCP, v4(10, 6, 0, 1), 40051, v4(10, 6, 0, 2), 443)
    cap.flow(f, lambda d, ip: ether(0x8847, mpls_stack([100 + d, 2001]) + ip))
    f = Flow(UDP, v6(6, 1), 40052, v6(6, 2), 53)
    cap.flow(f, lambda d, ip: ether(0x8847, mpls_stack([300, 2]) + ip))                  # IPv6 explicit null
    f = Flow(TCP, v4(10, 6, 1, 1), 40053, v4(10, 6, 1, 2), 80)
    cap.flow(f, lambda d, ip: ether(0x8847, mpls_stack([400, 5001]) + b"\0\0\0\0" + inner_ether(ip)))  # EoMPLS, CW
    return cap.close()


def gen_pppoe(outdir):
    cap = Capture(outdir, "pppoe")
    qinq = ((0x88A8, 300), (0x8100, 301))

    def session(d, ip, sid=0x0101):
        ppp = struct.pack("!H", 0x0021 if ip[0] >> 4 == 4 else 0x0057) + ip
        return ether(0x8864, struct.pack("!BBHH", 0x11, 0, sid, len(ppp)) + ppp, qinq)

    f = Flow(TCP, v4(100, 64, 0, 10), 40061, v4(198, 51, 100, 80), 80)
    cap.flow(f, session)
    f = Flow(UDP, v6(7, 1), 40062, v6(7, 2), 53)
    cap.flow(f, session)
    padi = struct.pack("!BBHH", 0x11, 0x09, 0, 4) + struct.pack("!HH", 0x0101, 0)
    for _ in range(2):
        cap.frame(ether(0x8863, padi, qinq, dst=0xFFFFFF))
    cap.non_ip = 2
    return cap.close()


def gtpu_hdr(teid, payload, ext=False):
    if ext:
        # sequence, N-PDU, next type 0x85 (PDU session container), one 4-byte extension
        opt = struct.pack("!HBB", 1, 0, 0x85) + struct.pack("!BBBB", 1, 0x00, 0x09, 0)
        return struct.pack("!BBHI", 0x34, 0xFF, len(opt) + len(payload), teid) + opt + payload
    return struct.pack("!BBHI", 0x30, 0xFF, len(payload), teid) + payload


def gen_gtpu(outdir):
    cap = Capture(outdir, "gtpu")
    f = Flow(TCP, v4(10, 45, 0, 1), 40071, v4(203, 0, 113, 10), 443)
    cap.flow(f, lambda d, ip: outer_udp(d, 2152, gtpu_hdr(0x1000 + d, ip, ext=True), family=6, sport=2152))
    f = Flow(UDP, v4(10, 45, 0, 2), 40072, v4(203, 0, 113, 53), 53)
    cap.flow(f, lambda d, ip: outer_udp(d, 2152, gtpu_hdr(0x2000 + d, ip), sport=2152))
    # echo request and response: signalling, the tunnel's own flow
    echo = struct.pack("!BBHIHBB", 0x32, 1, 4, 0, 7, 0, 0)
    cap.frame(outer_udp(0, 2152, echo, sport=2152))
    cap.frame(outer_udp(1, 2152, echo[:1] + b"\x02" + echo[2:], sport=2152))
    echo_ip = 20 + 8 + len(echo)
    cap.extra_flows.append({"proto": "udp", "orig_h": "192.0.2.1", "orig_p": 2152,
                            "resp_h": "192.0.2.2", "resp_p": 2152, "orig_pkts": 1, "resp_pkts": 1,
                            "orig_ip_bytes": echo_ip, "resp_ip_bytes": echo_ip})
    return cap.close()


def gen_malformed(outdir):
    """Damaged encapsulations, each with the reason portsniff counts."""
    cap = Capture(outdir, "malformed")
    f = Flow(TCP, v4(10, 9, 0, 1), 40091, v4(10, 9, 0, 2), 443)
    ip = f.packets()[0][1]
    # GRE in GRE nine deep
    p = ip
    for _ in range(9):
        p = ip_packet(O4A, O4B, 47, gre_hdr(0x0800) + p)
    cap.frame(ether(0x0800, p))
    # an inner IPv4 header cut by its own tunnel's length
    cap.frame(outer_udp(0, 4789, vxlan_hdr(1) + inner_ether(ip)[:14 + 12]))
    # an MPLS stack without a bottom-of-stack entry
    cap.frame(ether(0x8847, struct.pack("!III", 100 << 12, 200 << 12, 300 << 12)))
    # a GTP-U extension header of length 0
    bad = bytearray(gtpu_hdr(5, ip, ext=True))
    bad[12] = 0
    cap.frame(outer_udp(0, 2152, bytes(bad), sport=2152))
    # a GRE header cut inside its key
    cap.frame(ether(0x0800, ip_packet(O4A, O4B, 47, gre_hdr(0x0800, key=1)[:6])))
    cap.malformed = {"too-many-encapsulations": 1, "short-ipv4-header": 1,
                     "short-mpls-stack": 1, "bad-gtpu-header": 1, "short-gre-header": 1}
    return cap.close()


def gen_l2tp(outdir):
    cap = Capture(outdir, "l2tp")
    f = Flow(TCP, v4(10, 20, 0, 1), 40101, v4(10, 20, 0, 2), 443)

    def data(d, ip):
        ppp = b"\xff\x03\x00\x21" + ip
        hdr = struct.pack("!HHHHHH", 0x4802, 12 + len(ppp), 5, 9, d, 0)   # L and S set
        return outer_udp(d, 1701, hdr + ppp, sport=1701)
    cap.flow(f, data)
    hello = struct.pack("!HHHHHH", 0xC802, 20, 5, 0, 0, 0) + struct.pack("!HHHH", 0x8008, 0, 0, 6)
    cap.frame(outer_udp(0, 1701, hello, sport=1701))
    # the control message is the tunnel's own UDP packet
    cap.extra_flows.append({"proto": "udp", "orig_h": "192.0.2.1", "orig_p": 1701,
                            "resp_h": "192.0.2.2", "resp_p": 1701, "orig_pkts": 1, "resp_pkts": 0,
                            "orig_ip_bytes": 20 + 8 + len(hello), "resp_ip_bytes": 0})
    return cap.close()


def gen_teredo(outdir):
    cap = Capture(outdir, "teredo")
    f = Flow(TCP, bytes.fromhex("20010000" + "4136e378" + "8000" + "63bf3fff" + "fdfe"), 40111,
             bytes.fromhex("20010db8000000000000000000000080"), 80)
    origin = struct.pack("!HH4s", 0, 0x1234 ^ 0xFFFF, bytes(b ^ 0xFF for b in v4(192, 0, 2, 2)))
    cap.flow(f, lambda d, ip: outer_udp(d, 3544, (origin if d == 1 else b"") + ip, sport=3544))
    # some other protocol on 3544: not IPv6 inside, an outer UDP packet
    cap.frame(outer_udp(0, 3544, b"\x17" * 40, sport=50001))
    cap.extra_flows.append({"proto": "udp", "orig_h": "192.0.2.1", "orig_p": 50001,
                            "resp_h": "192.0.2.2", "resp_p": 3544, "orig_pkts": 1, "resp_pkts": 0,
                            "orig_ip_bytes": 20 + 8 + 40, "resp_ip_bytes": 0})
    return cap.close()


def gen_pptp(outdir):
    cap = Capture(outdir, "pptp")
    f = Flow(TCP, v4(10, 30, 0, 1), 40121, v4(10, 30, 0, 2), 22)

    def gre1(d, ip):
        ppp = b"\x00\x21" + ip
        hdr = struct.pack("!HHHHI", 0x3001, 0x880B, len(ppp), 0x100 + d, 7)   # K, S, version 1
        o, _, _ = outer_ip(d, 47, hdr + ppp)
        return ether(0x0800, o)
    cap.flow(f, gre1)
    ack = struct.pack("!HHHHI", 0x2081, 0x880B, 0, 0x100, 7)                    # K, A, no payload
    o, _, _ = outer_ip(1, 47, ack)
    cap.frame(ether(0x0800, o))
    cap.other = {"47": 1}
    return cap.close()


def gen_links(outdir):
    """One capture per link type, each with one inner flow."""
    out = {}

    def one(name, linktype, wrap, extra=None):
        cap = Capture(outdir, name, linktype)
        f = Flow(TCP, v4(10, 40, linktype & 0xFF, 1), 41000 + linktype, v4(10, 40, linktype & 0xFF, 2), 443)
        cap.flow(f, wrap)
        if extra:
            extra(cap)
        out[name] = cap.close()

    def ppp(ip):
        return b"\xff\x03" + struct.pack("!H", 0x0021 if ip[0] >> 4 == 4 else 0x0057) + ip
    one("link-ppp", 9, lambda d, ip: ppp(ip))
    one("link-chdlc", 104, lambda d, ip: b"\x0f\x00\x08\x00" + ip)
    one("link-pppoe", 51, lambda d, ip: struct.pack("!BBHH", 0x11, 0, 3, len(ip) + 2) + b"\x00\x21" + ip)
    one("link-ipoib", 242, lambda d, ip: bytes(24) + mac(0x20) + bytes(10) + b"\x08\x00\x00\x00" + ip)

    def nflog(d, ip):
        prefix = b"fw\0\0"
        tlvs = struct.pack("<HH", 4 + len(prefix), 10) + prefix
        tlvs += struct.pack("<HH", 4 + len(ip), 9) + ip
        return struct.pack("!BBH", 2, 0, 0) + tlvs + b"\0" * ((-len(tlvs)) % 4)
    one("link-nflog", 239, nflog)

    # IEEE 802.11 (little-endian fields): data frames to (d 0) and from (d 1)
    # the AP through LLC/SNAP; the frames around them that are not IP.
    def wlan(d, ip, qos=True, protected=False, four=False):
        fc0 = 0x88 if qos else 0x08
        fc1 = (0x03 if four else 0x01 if d == 0 else 0x02) | (0x40 if protected else 0)
        hdr = struct.pack("<BBH", fc0, fc1, 0x2c) + mac(1 + d) + mac(2 - d) + mac(3)
        hdr += struct.pack("<H", 0x10)                      # sequence 1, fragment 0
        if four:
            hdr += mac(4)
        if qos:
            hdr += struct.pack("<H", 0x0005)                # TID 5
        body = b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", 0x0800 if ip[0] >> 4 == 4 else 0x86dd) + ip
        if protected:                                       # CCMP header, ciphertext, MIC
            body = struct.pack("<BBBBI", 1, 0, 0, 0x20, 0) + bytes(b ^ 0x5a for b in body) + b"\x11" * 8
        return hdr + body

    beacon = (struct.pack("<BBH", 0x80, 0, 0) + b"\xff" * 6 + mac(3) + mac(3) + struct.pack("<H", 0x20)
              + struct.pack("<QHH", 0, 100, 0x0401) + b"\x00\x04wlan" + b"\x01\x02\x82\x84")
    ack = struct.pack("<BBH", 0xd4, 0, 0) + mac(2)

    def wlan_noise(cap, wrap_frame):
        """A beacon, an ACK, a protected data frame: non-IP, none malformed;
        a 4-address QoS data flow (a WDS link) as well."""
        cap.frame(wrap_frame(beacon))
        cap.frame(wrap_frame(ack))
        cap.frame(wrap_frame(wlan(0, udp_in_ip(v4(10, 41, 0, 9), v4(10, 41, 0, 10), 1000, 2000, b"secret"),
                                    protected=True)))
        cap.non_ip += 3
        wds = Flow(UDP, v4(10, 41, cap.linktype & 0xFF, 1), 42000 + cap.linktype,
                   v4(10, 41, cap.linktype & 0xFF, 2), 53)
        cap.flow(wds, lambda d, ip: wrap_frame(wlan(d, ip, four=True)))

    def fcs(f):
        return f + struct.pack("<I", zlib.crc32(f) & 0xffffffff)

    # 802.11 alone: QoS data one way, plain data the other.
    one("link-80211", 105, lambda d, ip: wlan(d, ip, qos=(d == 0)),
        lambda cap: wlan_noise(cap, lambda f: f))

    # Radiotap with TSFT and flags (FCS at the end: 0x10), a channel field after them.
    def radiotap(f, flags=0x10):
        hdr = struct.pack("<BBHI", 0, 0, 24, 0x0000000b) + struct.pack("<QBBHH", 0, flags, 2, 2437, 0x00a0)
        hdr += b"\0" * (24 - len(hdr))
        return hdr + (fcs(f) if flags & 0x10 else f)
    one("link-radiotap", 127, lambda d, ip: radiotap(wlan(d, ip)),
        lambda cap: wlan_noise(cap, radiotap))

    # PPI around 802.11: an 802.11-Common field whose flags say FCS present.
    def ppi(f):
        common = struct.pack("<QHHHHBBbb", 0, 0x0001, 2, 2437, 0x00a0, 0, 0, -40, -95)   # 20 bytes
        hdr = struct.pack("<BBHI", 0, 0, 8 + 4 + len(common), 105) + struct.pack("<HH", 2, len(common)) + common
        return hdr + fcs(f)
    one("link-ppi", 192, lambda d, ip: ppi(wlan(d, ip)),
        lambda cap: wlan_noise(cap, ppi))

    return out


def gen_wlan_malformed(outdir):
    """Damaged radiotap and 802.11 headers, each a counted reason, and a
    radiotap frame whose FCS flag leaves less than an FCS."""
    cap = Capture(outdir, "wlan_malformed", 127)
    rt = struct.pack("<BBHI", 0, 0, 9, 0x00000002) + b"\x10"      # flags: FCS at end
    data = struct.pack("<BBH", 0x88, 0x01, 0) + mac(1) + mac(2) + mac(3) + b"\x10\x00"   # no QoS control
    cap.frame(rt[:6])                                              # radiotap cut short
    cap.frame(struct.pack("<BBHI", 0, 0, 200, 0) + data)           # length past the frame
    cap.frame(struct.pack("<BBHI", 1, 0, 8, 0) + data)             # version 1
    cap.frame(struct.pack("<BBHI", 0, 0, 8, 0x80000000))           # extended bitmap past the header
    cap.frame(rt + b"\0\0\0")                                      # FCS flag, 3 bytes after it
    cap.frame(rt + data + b"\0\0\0\0")                              # QoS control cut (after the FCS)
    cap.malformed = {"bad-radiotap-header": 4, "short-80211-header": 2}
    return cap.close()


GENERATORS = [gen_vxlan, gen_geneve, gen_gre, gen_erspan, gen_ipip, gen_mpls, gen_pppoe,
              gen_gtpu, gen_malformed, gen_l2tp, gen_teredo, gen_pptp, gen_wlan_malformed]


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: gen_encap.py OUTDIR\n")
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    expect = {}
    for gen in GENERATORS:
        expect[gen.__name__[4:]] = gen(outdir)
    expect.update(gen_links(outdir))
    with open(os.path.join(outdir, "expect.json"), "w") as f:
        json.dump(expect, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
