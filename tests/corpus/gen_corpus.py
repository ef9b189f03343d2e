#!/usr/bin/env python3
"""Deterministic pcap/pcapng corpus for the tshark cross-check.

    gen_corpus.py OUTDIR [--seed N] [--flows N]

Writes several capture files into OUTDIR that together exercise every path of
the packet decoder and the flow table: TCP (handshake, data, retransmissions,
FIN and RST endings), UDP request/response, SCTP (INIT .. DATA .. SHUTDOWN,
ABORT), DCCP (Request with service code .. Close/Reset), IPv4 and IPv6 (with
extension headers), 802.1Q and QinQ tags, IPv4 and IPv6 fragments, a snapped
capture (caplen < len), 5-tuples closed and reopened, idle gaps, and the
link types Ethernet, Linux SLL, Linux SLL2, raw IP and BSD loopback, written
as pcap (micro- and nanosecond) and pcapng.

Every checksum is correct: IPv4 header, TCP/UDP/DCCP over the pseudo-header
(RFC 9293 3.1, RFC 768, RFC 4340 9.1, RFC 8200 8.1) and SCTP CRC32c
(RFC 9260 appendix A), so a dissector validating them flags nothing.

Only the Python standard library is used. The same seed gives byte-identical
files.
"""

import argparse
import os
import random
import struct
import sys

# ---------------------------------------------------------------- checksums


def inet_checksum(data):
    """RFC 1071 one's complement sum, returned ready to store."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _crc32c_table():
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    t = _CRC32C
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def pseudo_header(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


# ---------------------------------------------------------------- transports

TCP, UDP, SCTP, DCCP = 6, 17, 132, 33
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b"", options=b"", win=64240):
    if len(options) % 4:
        options += b"\x01" * (4 - len(options) % 4)  # NOP padding
    off = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      off << 4, flags, win, 0, 0) + options
    seg = hdr + payload
    csum = inet_checksum(pseudo_header(src, dst, TCP, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def udp_datagram(src, dst, sport, dport, payload, no_checksum=False):
    length = 8 + len(payload)
    dg = struct.pack("!HHHH", sport, dport, length, 0) + payload
    if no_checksum and len(src) == 4:
        return dg  # RFC 768: zero means no checksum (IPv4 only)
    csum = inet_checksum(pseudo_header(src, dst, UDP, length) + dg)
    if csum == 0:
        csum = 0xFFFF  # RFC 768: a computed zero is sent as all ones
    return dg[:6] + struct.pack("!H", csum) + dg[8:]


def sctp_chunk(ctype, flags, body):
    length = 4 + len(body)
    pad = (-length) % 4
    return struct.pack("!BBH", ctype, flags, length) + body + b"\0" * pad


def sctp_packet(sport, dport, vtag, chunks):
    pkt = struct.pack("!HHII", sport, dport, vtag, 0) + b"".join(chunks)
    c = crc32c(pkt)
    return pkt[:8] + struct.pack("<I", c) + pkt[12:]


# DCCP packet types (RFC 4340 5.1)
D_REQUEST, D_RESPONSE, D_DATA, D_ACK, D_DATAACK, D_CLOSEREQ, D_CLOSE, D_RESET = range(8)


def dccp_packet(src, dst, sport, dport, ptype, seq, ack=None, service_code=None,
                payload=b"", reset_code=None, short=False):
    """Generic header with 48-bit sequence numbers (X=1), or with 24-bit ones
    (X=0, short=True; RFC 4340 5.1 allows it for Data, Ack and DataAck)."""
    body = b""
    if ack is not None:
        if short:
            body += b"\0" + (ack & 0xFFFFFF).to_bytes(3, "big")
        else:
            body += struct.pack("!H", 0) + (ack & 0xFFFFFFFFFFFF).to_bytes(6, "big")
    if service_code is not None:
        body += struct.pack("!I", service_code)
    if reset_code is not None:
        body += struct.pack("!BBBB", reset_code, 0, 0, 0)
    hlen = (12 if short else 16) + len(body)
    off = hlen // 4
    hdr = struct.pack("!HHBBHB", sport, dport, off, 0, 0, (ptype << 1) | (0 if short else 1))
    if short:
        hdr += (seq & 0xFFFFFF).to_bytes(3, "big")
    else:
        hdr += b"\0" + (seq & 0xFFFFFFFFFFFF).to_bytes(6, "big")
    pkt = hdr + body + payload
    csum = inet_checksum(pseudo_header(src, dst, DCCP, len(pkt)) + pkt)
    return pkt[:6] + struct.pack("!H", csum) + pkt[8:]


def recompute_checksum(proto, src, dst, l4):
    """The transport checksum of an already built (possibly edited) header."""
    b = bytearray(l4)
    if proto == SCTP:
        b[8:12] = b"\0\0\0\0"
        b[8:12] = struct.pack("<I", crc32c(bytes(b)))
        return bytes(b)
    at = {TCP: 16, UDP: 6, DCCP: 6}[proto]
    b[at:at + 2] = b"\0\0"
    c = inet_checksum(pseudo_header(src, dst, proto, len(b)) + bytes(b))
    if proto == UDP and c == 0:
        c = 0xFFFF
    b[at:at + 2] = struct.pack("!H", c)
    return bytes(b)


# ---------------------------------------------------------------- network layer


def ipv4_header(src, dst, proto, payload_len, ident, frag_off=0, mf=False, df=False,
                ttl=64, options=b""):
    ihl = (20 + len(options)) // 4
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + payload_len, ident,
                      flags, ttl, proto, 0, src, dst) + options
    c = inet_checksum(hdr)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:]


def ipv4_packets(src, dst, proto, payload, ident, mtu=None, options=b"", df=False):
    """One IPv4 packet, or its fragments when it exceeds mtu."""
    hl = 20 + len(options)
    if mtu is None or hl + len(payload) <= mtu:
        return [ipv4_header(src, dst, proto, len(payload), ident, df=df, options=options) + payload]
    step = (mtu - hl) // 8 * 8
    out = []
    for off in range(0, len(payload), step):
        part = payload[off:off + step]
        mf = off + step < len(payload)
        out.append(ipv4_header(src, dst, proto, len(part), ident, off, mf, options=options) + part)
    return out


# IPv6 extension headers (RFC 8200 4)
HOPOPTS, ROUTING, FRAGMENT, DSTOPTS = 0, 43, 44, 60


def ext_hopopts(nxt, padn=4):
    # Pad the 2-byte header plus options to 8 octets with a PadN option.
    return struct.pack("!BB", nxt, 0) + bytes([1, padn]) + b"\0" * padn


def ext_dstopts(nxt):
    return struct.pack("!BB", nxt, 0) + bytes([1, 4]) + b"\0" * 4


def ext_srh(nxt, final_dst):
    # Segment Routing Header (RFC 8754) with Segments Left 0: the packet is at
    # its final destination, so the pseudo-header address is unchanged.
    return struct.pack("!BBBBBBH", nxt, 2, 4, 0, 0, 0, 0) + final_dst


def ipv6_packets(src, dst, proto, payload, exts=(), mtu=None, frag_id=0):
    """exts: sequence of ext names ("hop", "rt", "dst") in wire order.
    Hop-by-hop and routing stay in the unfragmentable part; destination
    options go into the fragmentable part."""
    unfrag_kinds = [e for e in exts if e in ("hop", "rt")]
    frag_kinds = [e for e in exts if e == "dst"]

    def build(kinds, last_nxt, tail):
        codes = {"hop": HOPOPTS, "rt": ROUTING, "dst": DSTOPTS}
        blob = b""
        nxts = [codes[k] for k in kinds[1:]] + [last_nxt]
        for k, n in zip(kinds, nxts):
            if k == "hop":
                blob += ext_hopopts(n)
            elif k == "rt":
                blob += ext_srh(n, dst)
            else:
                blob += ext_dstopts(n)
        first = codes[kinds[0]] if kinds else last_nxt
        return first, blob + tail

    fragmentable_first, fragmentable = build(frag_kinds, proto, payload)

    def hdr(nxt, plen):
        return struct.pack("!IHBB", 0x60000000, plen, nxt, 64) + src + dst

    total = 40 + len(unfrag_kinds) * 8 + len(fragmentable)
    if mtu is None or total <= mtu:
        first, body = build(unfrag_kinds, fragmentable_first, fragmentable)
        return [hdr(first, len(body)) + body]
    unfrag_len = 40 + len(unfrag_kinds) * 8 + 8
    step = (mtu - unfrag_len) // 8 * 8
    out = []
    for off in range(0, len(fragmentable), step):
        part = fragmentable[off:off + step]
        mf = off + step < len(fragmentable)
        fh = struct.pack("!BBHI", fragmentable_first, 0, off | (1 if mf else 0), frag_id)
        first, body = build(unfrag_kinds, FRAGMENT, fh + part)
        out.append(hdr(first, len(body)) + body)
    return out


# ---------------------------------------------------------------- link layer

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW = 0, 1, 101
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 113, 276


def mac(n):
    return bytes([0x02, 0x00, 0x5E, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF])


def link_frame(linktype, ip, family, vlans=(), macs=(1, 2), outgoing=False):
    ethertype = 0x0800 if family == 4 else 0x86DD
    if linktype == LINKTYPE_ETHERNET:
        f = mac(macs[1]) + mac(macs[0])
        tags = list(vlans)
        for i, vid in enumerate(tags):
            tpid = 0x88A8 if (i == 0 and len(tags) > 1) else 0x8100
            f += struct.pack("!HH", tpid, vid & 0x0FFF)
        f += struct.pack("!H", ethertype) + ip
        if len(f) < 60:
            f += b"\0" * (60 - len(f))  # minimum Ethernet frame, FCS not captured
        return f
    if linktype == LINKTYPE_LINUX_SLL:
        pkttype = 4 if outgoing else 0
        return struct.pack("!HHH", pkttype, 1, 6) + mac(macs[0]) + b"\0\0" + \
            struct.pack("!H", ethertype) + ip
    if linktype == LINKTYPE_LINUX_SLL2:
        pkttype = 4 if outgoing else 0
        return struct.pack("!HHIHBB", ethertype, 0, 3, 1, pkttype, 6) + mac(macs[0]) + \
            b"\0\0" + ip
    if linktype == LINKTYPE_RAW:
        return ip
    if linktype == LINKTYPE_NULL:
        # AF_INET6 differs between BSDs: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin).
        af = 2 if family == 4 else (24, 28, 30)[macs[0] % 3]
        return struct.pack("<I", af) + ip
    raise ValueError(linktype)


# ---------------------------------------------------------------- file writers


class PcapWriter:
    def __init__(self, path, linktype, snaplen=65535, nanosecond=False, big_endian=False):
        self.f = open(path, "wb")
        self.snaplen = snaplen
        self.ns = nanosecond
        self.order = ">" if big_endian else "<"
        magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
        self.f.write(struct.pack(self.order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        self.count = 0

    def write(self, ts_ns, frame, caplen=None):
        cap = min(len(frame), self.snaplen if caplen is None else caplen)
        sec, frac = divmod(ts_ns, 1000000000)
        if not self.ns:
            frac //= 1000
        self.f.write(struct.pack(self.order + "IIII", sec, frac, cap, len(frame)) + frame[:cap])
        self.count += 1

    def close(self):
        self.f.close()


class PcapngWriter:
    def __init__(self, path, linktype, snaplen=65535, nanosecond=False, interfaces=1):
        self.f = open(path, "wb")
        self.snaplen = snaplen
        self.ns = nanosecond
        self.interfaces = interfaces
        self._block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
        opts = b""
        if nanosecond:
            opts += struct.pack("<HHB3x", 9, 1, 9)   # if_tsresol = 10^-9
        opts += struct.pack("<HH", 0, 0)             # opt_endofopt
        # Several interfaces of one link type (a capture on two ports).
        for _ in range(interfaces):
            self._block(1, struct.pack("<HHI", linktype, 0, snaplen) + opts)
        self.count = 0

    def _block(self, btype, body):
        body += b"\0" * ((-len(body)) % 4)
        n = 12 + len(body)
        self.f.write(struct.pack("<II", btype, n) + body + struct.pack("<I", n))

    def write(self, ts_ns, frame, caplen=None):
        cap = min(len(frame), self.snaplen if caplen is None else caplen)
        ts = ts_ns if self.ns else ts_ns // 1000
        self._block(6, struct.pack("<IIIII", self.count % self.interfaces, ts >> 32, ts & 0xFFFFFFFF, cap, len(frame))
                    + frame[:cap])
        self.count += 1

    def close(self):
        self.f.close()


# ---------------------------------------------------------------- scenarios

BASE_NS = 1786960800 * 1000000000  # 2026-08-17 10:00:00 UTC

TCP_SERVICE_PORTS = [22, 25, 80, 110, 143, 443, 445, 993, 1433, 3306, 3389, 5432,
                     6379, 8080, 8443, 9200, 27017, 6000, 6010, 1023, 47001]
UDP_SERVICE_PORTS = [53, 67, 123, 161, 514, 1812, 5060, 5353, 11211, 27015, 33434,
                     6050, 49500, 1900]
SCTP_SERVICE_PORTS = [2905, 3868, 9899, 36412, 38412, 5060, 7626, 2944]
DCCP_SERVICE_PORTS = [5004, 5005, 1021, 1022, 9, 4556, 6514]


class Host:
    def __init__(self, family, addr, macn):
        self.family = family
        self.addr = addr
        self.mac = macn


class Ctx:
    """Shared state of one output file: random source, packet list, IP ids."""

    def __init__(self, rng, family_mix, linktype, vlans=None, exts_prob=0.0, mtu=None):
        self.rng = rng
        self.family_mix = family_mix  # probability of IPv6
        self.linktype = linktype
        self.vlans = vlans            # callable returning a tag tuple, or None
        self.exts_prob = exts_prob
        self.mtu = mtu
        self.events = []              # (ts_ns, seq, frame, caplen)
        self.seq = 0
        self.ipid = rng.randrange(65536)
        self.fragid = rng.randrange(1 << 32)
        self.hosts4 = [Host(4, bytes([10, 1, i // 250, 1 + i % 250]), 0x100 + i) for i in range(60)] + \
            [Host(4, bytes([192, 168, 7, 1 + i]), 0x200 + i) for i in range(20)]
        self.hosts6 = [Host(6, bytes.fromhex("20010db8000100000000000000000000")[:14]
                            + struct.pack("!H", 1 + i), 0x300 + i) for i in range(40)] + \
            [Host(6, bytes.fromhex("fd00000000000007") + struct.pack("!Q", 0x1000 + i), 0x400 + i)
             for i in range(10)]

    def pair(self, family=None):
        if family is None:
            family = 6 if self.rng.random() < self.family_mix else 4
        pool = self.hosts6 if family == 6 else self.hosts4
        a, b = self.rng.sample(pool, 2)
        return a, b

    def next_ipid(self):
        self.ipid = (self.ipid + self.rng.randrange(1, 40)) & 0xFFFF
        return self.ipid

    def emit(self, ts_ns, a, b, proto, l4, vlan_tags=(), exts=(), mtu=None, caplen=None,
             ipv4_options=b""):
        """Wrap a transport payload from a to b into IP (fragmenting past mtu) and link."""
        if a.family == 4:
            ips = ipv4_packets(a.addr, b.addr, proto, l4, self.next_ipid(), mtu, ipv4_options,
                               df=mtu is None and self.rng.random() < 0.5)
        else:
            self.fragid = (self.fragid + 1) & 0xFFFFFFFF
            ips = ipv6_packets(a.addr, b.addr, proto, l4, exts, mtu, self.fragid)
        for i, ip in enumerate(ips):
            fr = link_frame(self.linktype, ip, a.family, vlan_tags, (a.mac, b.mac))
            self.push(ts_ns + i * 1000, fr, caplen)
        return len(ips)

    def push(self, ts_ns, frame, caplen=None):
        self.seq += 1
        self.events.append((ts_ns, self.seq, frame, caplen))


def rand_payload(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n)) if n < 64 else \
        rng.getrandbits(8 * n).to_bytes(n, "big")


def text_payload(rng, n):
    words = [b"GET", b"/index.html", b"HTTP/1.1", b"Host:", b"example.test", b"OK",
             b"portsniff", b"flow", b"service", b"registry", b"data"]
    out = b""
    while len(out) < n:
        out += rng.choice(words) + b" "
    return out[:n]


class FlowParams:
    def __init__(self, ctx, transport):
        rng = ctx.rng
        self.ctx = ctx
        self.client, self.server = ctx.pair()
        if transport == TCP:
            self.sport = rng.randrange(32768, 61000)
            self.dport = rng.choice(TCP_SERVICE_PORTS) if rng.random() < 0.8 else rng.randrange(1024, 65536)
        elif transport == UDP:
            self.sport = rng.randrange(32768, 61000)
            self.dport = rng.choice(UDP_SERVICE_PORTS) if rng.random() < 0.8 else rng.randrange(1024, 65536)
        elif transport == SCTP:
            p = rng.choice(SCTP_SERVICE_PORTS)
            self.sport = p if rng.random() < 0.3 else rng.randrange(32768, 61000)
            self.dport = p
        else:
            self.sport = rng.randrange(32768, 61000)
            self.dport = rng.choice(DCCP_SERVICE_PORTS) if rng.random() < 0.8 else rng.randrange(1024, 65536)
        self.vlan = ctx.vlans() if ctx.vlans else ()
        self.exts = ()
        if self.client.family == 6 and rng.random() < ctx.exts_prob:
            self.exts = rng.choice([("hop",), ("dst",), ("hop", "dst"), ("hop", "rt", "dst"), ("rt",)])
        self.ipv4_options = b""
        if self.client.family == 4 and rng.random() < 0.05:
            self.ipv4_options = b"\x94\x04\x00\x00"  # Router Alert (RFC 2113)

    def send(self, ts, from_client, proto, l4, mtu=None, caplen=None):
        a, b = (self.client, self.server) if from_client else (self.server, self.client)
        return self.ctx.emit(ts, a, b, proto, l4, self.vlan, self.exts, mtu, caplen,
                             self.ipv4_options)


def tcp_flow(ctx, t, fp=None, ending=None, exchanges=None, handshake=True, gap_ns=None):
    rng = ctx.rng
    fp = fp or FlowParams(ctx, TCP)
    c, s = fp.client, fp.server
    cseq, sseq = rng.getrandbits(32), rng.getrandbits(32)
    rtt = rng.randrange(200, 40000) * 1000
    n = 0

    def seg(ts, fc, seq, ack, flags, payload=b"", opts=b""):
        nonlocal n
        a, b = (c, s) if fc else (s, c)
        sp, dp = (fp.sport, fp.dport) if fc else (fp.dport, fp.sport)
        n += fp.send(ts, fc, TCP, tcp_segment(a.addr, b.addr, sp, dp, seq, ack, flags, payload, opts))

    if handshake:
        syn_opts = struct.pack("!BBH", 2, 4, 1460) + b"\x01\x03\x03\x07"
        seg(t, True, cseq, 0, SYN, opts=syn_opts)
        if rng.random() < 0.05:  # SYN retransmitted after the initial RTO
            t += 1000000000
            seg(t, True, cseq, 0, SYN, opts=syn_opts)
        t += rtt
        if ending == "refused":
            seg(t, False, 0, cseq + 1, RST | ACK)
            return t, n
        seg(t, False, sseq, cseq + 1, SYN | ACK, opts=syn_opts)
        t += rng.randrange(10, 300) * 1000
        cseq += 1
        sseq += 1
        seg(t, True, cseq, sseq, ACK)
    if exchanges is None:
        exchanges = rng.choice([1, 1, 2, 3, 5, 8])
    for i in range(exchanges):
        if gap_ns and i == exchanges // 2:
            t += gap_ns
        t += rng.randrange(100, 20000) * 1000
        req = text_payload(rng, rng.randrange(20, 400))
        seg(t, True, cseq, sseq, PSH | ACK, req)
        if rng.random() < 0.06:  # retransmission of the same segment
            t += rtt * 3
            seg(t, True, cseq, sseq, PSH | ACK, req)
        cseq += len(req)
        t += rtt
        rlen = rng.choice([0, 60, 300, 1200, 1448, 2896, 4000])
        sent = 0
        while sent < rlen or sent == 0:
            chunk = min(1448, rlen - sent) if rlen else rng.randrange(10, 100)
            body = rand_payload(rng, chunk)
            seg(t, False, sseq, cseq, ACK | (PSH if sent + chunk >= rlen else 0), body)
            sseq += chunk
            sent += chunk
            t += rng.randrange(5, 200) * 1000
            if rlen == 0:
                break
        seg(t + rtt // 2, True, cseq, sseq, ACK)
        t += rtt // 2
    if ending is None:
        ending = rng.choice(["fin", "fin", "fin", "fin_server", "rst", "none"])
    t += rng.randrange(100, 5000) * 1000
    if ending in ("fin", "fin_server"):
        first_client = ending == "fin"
        if first_client:
            seg(t, True, cseq, sseq, FIN | ACK)
            cseq += 1
            t += rtt
            seg(t, False, sseq, cseq, FIN | ACK)
            sseq += 1
            t += rtt
            seg(t, True, cseq, sseq, ACK)
        else:
            seg(t, False, sseq, cseq, FIN | ACK)
            sseq += 1
            t += rtt
            seg(t, True, cseq, sseq, ACK)
            seg(t + 1000, True, cseq, sseq, FIN | ACK)
            cseq += 1
            t += rtt
            seg(t, False, sseq, cseq, ACK)
    elif ending == "rst":
        seg(t, rng.random() < 0.5, cseq, sseq, RST | ACK)
    return t, n


def udp_flow(ctx, t, fp=None, rounds=None, gap_ns=None):
    rng = ctx.rng
    fp = fp or FlowParams(ctx, UDP)
    c, s = fp.client, fp.server
    if rounds is None:
        rounds = rng.choice([1, 1, 1, 2, 4, 10])
    one_way = rng.random() < 0.1
    nock = rng.random() < 0.1
    n = 0
    for i in range(rounds):
        if gap_ns and i == rounds // 2:
            t += gap_ns
        q = rand_payload(rng, rng.randrange(12, 200))
        n += fp.send(t, True, UDP, udp_datagram(c.addr, s.addr, fp.sport, fp.dport, q, nock))
        t += rng.randrange(100, 30000) * 1000
        if not one_way:
            r = rand_payload(rng, rng.randrange(12, 600))
            n += fp.send(t, False, UDP, udp_datagram(s.addr, c.addr, fp.dport, fp.sport, r, nock))
        t += rng.randrange(1000, 500000) * 1000
    return t, n


def sctp_flow(ctx, t, fp=None, ending=None):
    rng = ctx.rng
    fp = fp or FlowParams(ctx, SCTP)
    ctag, stag = rng.getrandbits(32) | 1, rng.getrandbits(32) | 1
    ctsn, stsn = rng.getrandbits(32), rng.getrandbits(32)
    rtt = rng.randrange(200, 20000) * 1000
    n = 0

    def pkt(ts, fc, chunks):
        nonlocal n
        sp, dp = (fp.sport, fp.dport) if fc else (fp.dport, fp.sport)
        vtag = stag if fc else ctag
        if chunks and chunks[0][0] == 1:  # INIT travels with tag 0
            vtag = 0
        n += fp.send(ts, fc, SCTP, sctp_packet(sp, dp, vtag, chunks))

    init = struct.pack("!IIHHI", ctag, 65536, 10, 10, ctsn)
    pkt(t, True, [sctp_chunk(1, 0, init)])
    t += rtt
    cookie = rand_payload(rng, 32)
    init_ack = struct.pack("!IIHHI", stag, 65536, 10, 10, stsn) + struct.pack("!HH", 7, 36) + cookie
    pkt(t, False, [sctp_chunk(2, 0, init_ack)])
    t += 100000
    pkt(t, True, [sctp_chunk(10, 0, cookie)])
    t += rtt
    pkt(t, False, [sctp_chunk(11, 0, b"")])
    for i in range(rng.choice([1, 2, 3, 6])):
        t += rng.randrange(100, 10000) * 1000
        data = rand_payload(rng, rng.randrange(8, 300))
        ppid = rng.choice([0, 3, 18, 46, 60])
        pkt(t, True, [sctp_chunk(0, 3, struct.pack("!IHHI", ctsn, 0, i, ppid) + data)])
        t += rtt
        reply = rand_payload(rng, rng.randrange(8, 200))
        pkt(t, False, [sctp_chunk(3, 0, struct.pack("!IIHH", ctsn, 65536, 0, 0)),
                       sctp_chunk(0, 3, struct.pack("!IHHI", stsn, 0, i, ppid) + reply)])
        t += 1000000
        pkt(t, True, [sctp_chunk(3, 0, struct.pack("!IIHH", stsn, 65536, 0, 0))])
        ctsn += 1
        stsn += 1
    if ending is None:
        ending = rng.choice(["shutdown", "shutdown", "abort", "none"])
    t += rng.randrange(1000, 50000) * 1000
    if ending == "shutdown":
        pkt(t, True, [sctp_chunk(7, 0, struct.pack("!I", stsn - 1))])
        t += rtt
        pkt(t, False, [sctp_chunk(8, 0, b"")])
        t += rtt
        pkt(t, True, [sctp_chunk(14, 0, b"")])
    elif ending == "abort":
        pkt(t, rng.random() < 0.5, [sctp_chunk(6, 0, b"")])
    return t, n


def dccp_flow(ctx, t, fp=None, ending=None):
    rng = ctx.rng
    fp = fp or FlowParams(ctx, DCCP)
    c, s = fp.client, fp.server
    cseq, sseq = rng.getrandbits(40), rng.getrandbits(40)
    rtt = rng.randrange(200, 20000) * 1000
    code = rng.choice([0x52545030, 0x53495000, 0x5643424E, 1, 0x52545043, 42])
    n = 0

    def pkt(ts, fc, ptype, **kw):
        nonlocal n, cseq, sseq
        a, b = (c, s) if fc else (s, c)
        sp, dp = (fp.sport, fp.dport) if fc else (fp.dport, fp.sport)
        seq = cseq if fc else sseq
        n += fp.send(ts, fc, DCCP, dccp_packet(a.addr, b.addr, sp, dp, ptype, seq, **kw))
        if fc:
            cseq += 1
        else:
            sseq += 1

    pkt(t, True, D_REQUEST, service_code=code)
    t += rtt
    pkt(t, False, D_RESPONSE, ack=cseq - 1, service_code=code)
    t += 50000
    pkt(t, True, D_ACK, ack=sseq - 1)
    short = rng.random() < 0.3   # short sequence numbers once established
    for _ in range(rng.choice([1, 2, 4, 8])):
        t += rng.randrange(1000, 20000) * 1000
        pkt(t, True, D_DATAACK, ack=sseq - 1, payload=rand_payload(rng, rng.randrange(20, 400)),
            short=short)
        t += rtt
        if rng.random() < 0.5:
            pkt(t, False, D_DATAACK, ack=cseq - 1, payload=rand_payload(rng, rng.randrange(20, 400)),
                short=short)
        elif rng.random() < 0.5:
            pkt(t, False, D_DATA, payload=rand_payload(rng, rng.randrange(20, 400)), short=short)
        else:
            pkt(t, False, D_ACK, ack=cseq - 1, short=short)
    if ending is None:
        ending = rng.choice(["close", "close", "closereq", "reset", "none"])
    t += rng.randrange(1000, 20000) * 1000
    if ending == "close":
        pkt(t, True, D_CLOSE, ack=sseq - 1)
        t += rtt
        pkt(t, False, D_RESET, ack=cseq - 1, reset_code=1)
    elif ending == "closereq":
        pkt(t, False, D_CLOSEREQ, ack=cseq - 1)
        t += rtt
        pkt(t, True, D_CLOSE, ack=sseq - 1)
        t += rtt
        pkt(t, False, D_RESET, ack=cseq - 1, reset_code=1)
    elif ending == "reset":
        pkt(t, rng.random() < 0.5, D_RESET, ack=(sseq if rng.random() < 0.5 else cseq) - 1,
            reset_code=rng.choice([2, 3, 5, 7]))
    return t, n


FLOW_KINDS = [(tcp_flow, 45), (udp_flow, 30), (sctp_flow, 12), (dccp_flow, 13)]


def pick_kind(rng):
    total = sum(w for _, w in FLOW_KINDS)
    x = rng.randrange(total)
    for fn, w in FLOW_KINDS:
        if x < w:
            return fn
        x -= w
    return FLOW_KINDS[0][0]


def mixed_flows(ctx, nflows, span_s):
    rng = ctx.rng
    for _ in range(nflows):
        t = BASE_NS + rng.randrange(span_s * 1000) * 1000000
        pick_kind(rng)(ctx, t)


def reuse_flows(ctx, count):
    """5-tuples closed and reopened: FIN then a new SYN later, RST then an
    immediate new SYN, SCTP SHUTDOWN COMPLETE then a new INIT, DCCP Reset then
    a new Request, and flows split by an idle gap longer than the timeout."""
    rng = ctx.rng
    for i in range(count):
        t = BASE_NS + rng.randrange(60000) * 1000000
        kind = i % 6
        if kind == 0:
            fp = FlowParams(ctx, TCP)
            for _ in range(rng.choice([2, 3, 4])):
                t, _ = tcp_flow(ctx, t, fp, ending="fin")
                t += rng.choice([5, 30, 200]) * 1000000000
        elif kind == 1:
            fp = FlowParams(ctx, TCP)
            for _ in range(3):
                t, _ = tcp_flow(ctx, t, fp, ending="rst")
                t += rng.randrange(1, 500) * 1000000
        elif kind == 2:
            fp = FlowParams(ctx, SCTP)
            for _ in range(2):
                t, _ = sctp_flow(ctx, t, fp, ending="shutdown")
                t += rng.randrange(1, 3000) * 1000000
        elif kind == 3:
            fp = FlowParams(ctx, DCCP)
            for _ in range(2):
                t, _ = dccp_flow(ctx, t, fp, ending="close")
                t += rng.randrange(1, 3000) * 1000000
        elif kind == 4:
            udp_flow(ctx, t, rounds=6, gap_ns=rng.choice([90, 200, 400]) * 1000000000)
        else:
            tcp_flow(ctx, t, ending="fin", exchanges=4, gap_ns=rng.choice([75, 150]) * 1000000000)


def fragment_flows(ctx, count):
    """Datagrams larger than the MTU: IPv4 and IPv6 fragments, in order, with
    the first fragment late (unmatched later fragments), and interleaved
    datagrams that share addresses and protocol."""
    rng = ctx.rng
    for i in range(count):
        t = BASE_NS + rng.randrange(60000) * 1000000
        family = 4 if i % 2 == 0 else 6
        c, s = ctx.pair(family)
        transport = rng.choice([UDP, UDP, UDP, TCP, SCTP, DCCP])
        sport, dport = rng.randrange(32768, 61000), rng.choice([53, 2049, 4500, 5004, 2905, 443])
        mtu = rng.choice([576, 1280, 1500])
        frames = []
        for j in range(rng.choice([1, 2, 3])):
            fc = j % 2 == 0
            a, b = (c, s) if fc else (s, c)
            sp, dp = (sport, dport) if fc else (dport, sport)
            size = rng.randrange(1400, 5000)
            data = rand_payload(rng, size)
            if transport == UDP:
                l4 = udp_datagram(a.addr, b.addr, sp, dp, data)
            elif transport == TCP:
                l4 = tcp_segment(a.addr, b.addr, sp, dp, rng.getrandbits(32), rng.getrandbits(32),
                                 PSH | ACK, data)
            elif transport == SCTP:
                l4 = sctp_packet(sp, dp, rng.getrandbits(32),
                                 [sctp_chunk(0, 3, struct.pack("!IHHI", j, 0, j, 0) + data)])
            else:
                l4 = dccp_packet(a.addr, b.addr, sp, dp, D_DATA, rng.getrandbits(40), payload=data)
            exts = ()
            if family == 6:
                exts = rng.choice([(), ("hop",), ("dst",), ("hop", "dst")])
            if family == 4:
                ips = ipv4_packets(a.addr, b.addr, transport, l4, ctx.next_ipid(), mtu)
            else:
                ctx.fragid = (ctx.fragid + 1) & 0xFFFFFFFF
                ips = ipv6_packets(a.addr, b.addr, transport, l4, exts, mtu, ctx.fragid)
            frames.append((a, b, ips))
        order = i % 5
        ts = t
        for a, b, ips in frames:
            seq = list(ips)
            if order == 3 and len(seq) > 1:
                seq = seq[1:] + seq[:1]          # first fragment last: the rest are unmatched
            elif order == 4 and len(seq) > 2:
                seq = [seq[0]] + list(reversed(seq[1:]))  # later fragments reversed
            for ip in seq:
                ctx.push(ts, link_frame(ctx.linktype, ip, family, (), (a.mac, b.mac)))
                ts += rng.randrange(10, 500) * 1000
            ts += rng.randrange(1, 50) * 1000000
    # Later fragments 10 s after their first (remembered) and 31 s after it
    # (past the 30 s a first fragment's flow is remembered: unmatched).
    c, s = ctx.pair(4)
    for k, delay_s in enumerate((10, 31)):
        t = BASE_NS + (63000 + k * 100) * 1000000
        l4 = udp_datagram(c.addr, s.addr, 48000 + k, 2049, rand_payload(rng, 2500))
        for i, ip in enumerate(ipv4_packets(c.addr, s.addr, UDP, l4, ctx.next_ipid(), 1500)):
            ctx.push(t + (delay_s * 1000000000 if i else 0), link_frame(ctx.linktype, ip, 4, (), (c.mac, s.mac)))
    # IPv6 atomic fragments (RFC 6946): a Fragment header with offset 0 and
    # M clear is a whole datagram, ports and all.
    for k in range(4):
        c, s = ctx.pair(6)
        t = BASE_NS + (62000 + k) * 1000000
        for fc in (True, False):
            a, b = (c, s) if fc else (s, c)
            sp, dp = (47000 + k, 123) if fc else (123, 47000 + k)
            l4 = udp_datagram(a.addr, b.addr, sp, dp, rand_payload(rng, 48))
            ctx.fragid = (ctx.fragid + 1) & 0xFFFFFFFF
            body = struct.pack("!BBHI", UDP, 0, 0, ctx.fragid) + l4
            ip = struct.pack("!IHBB", 0x60000000, len(body), FRAGMENT, 64) + a.addr + b.addr + body
            ctx.push(t, link_frame(ctx.linktype, ip, 6, (), (a.mac, b.mac)))
            t += 2000000
    # Two datagrams with the same (src, dst, proto, id) one after the other:
    # later fragments belong to the most recent first fragment.
    c, s = ctx.pair(4)
    ident = 0x4242
    t = BASE_NS + 61000 * 1000000
    for sport in (40001, 40002):
        l4 = udp_datagram(c.addr, s.addr, sport, 5001, rand_payload(rng, 3000))
        for ip in ipv4_packets(c.addr, s.addr, UDP, l4, ident, 1500):
            ctx.push(t, link_frame(ctx.linktype, ip, 4, (), (c.mac, s.mac)))
            t += 100000


def noise(ctx, count):
    """Frames that are not transport flows: ICMP echo, ICMP errors quoting a
    UDP or TCP header, ICMPv6, ARP, GRE and IP-in-IP carrying TCP. Only the
    outermost IP header and the transport right after it make a flow."""
    rng = ctx.rng
    for i in range(count):
        t = BASE_NS + rng.randrange(60000) * 1000000
        k = i % 7
        fam = 6 if k in (2, 3) else 4
        a, b = ctx.pair(fam)
        if k == 0:
            icmp = struct.pack("!BBHHH", 8, 0, 0, rng.randrange(65536), i) + rand_payload(rng, 32)
            icmp = icmp[:2] + struct.pack("!H", inet_checksum(icmp)) + icmp[4:]
            ip = ipv4_packets(a.addr, b.addr, 1, icmp, ctx.next_ipid())[0]
        elif k == 1:
            inner_l4 = udp_datagram(b.addr, a.addr, 33000 + i, 33434, rand_payload(rng, 20)) if i % 2 \
                else tcp_segment(b.addr, a.addr, 40000 + i, 8080, 1, 0, SYN)
            inner = ipv4_packets(b.addr, a.addr, UDP if i % 2 else TCP, inner_l4, 7)[0][:28]
            icmp = struct.pack("!BBHI", 3, 3, 0, 0) + inner
            icmp = icmp[:2] + struct.pack("!H", inet_checksum(icmp)) + icmp[4:]
            ip = ipv4_packets(a.addr, b.addr, 1, icmp, ctx.next_ipid())[0]
        elif k == 2:
            inner_l4 = tcp_segment(b.addr, a.addr, 41000 + i, 443, 5, 0, SYN)
            inner = ipv6_packets(b.addr, a.addr, TCP, inner_l4)[0]
            icmp = struct.pack("!BBHI", 2, 0, 0, 1280) + inner
            icmp = icmp[:2] + struct.pack("!H", inet_checksum(pseudo_header(a.addr, b.addr, 58, len(icmp)) + icmp)) + icmp[4:]
            ip = ipv6_packets(a.addr, b.addr, 58, icmp)[0]
        elif k == 3:
            icmp = struct.pack("!BBHHH", 128, 0, 0, 1, i) + rand_payload(rng, 16)
            icmp = icmp[:2] + struct.pack("!H", inet_checksum(pseudo_header(a.addr, b.addr, 58, len(icmp)) + icmp)) + icmp[4:]
            ip = ipv6_packets(a.addr, b.addr, 58, icmp)[0]
        elif k == 4 and ctx.linktype == LINKTYPE_ETHERNET:
            arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(a.mac) + a.addr + b"\0" * 6 + b.addr
            fr = mac(0xFFFFFF) + mac(a.mac) + struct.pack("!H", 0x0806) + arp
            ctx.push(t, fr + b"\0" * (60 - len(fr)))
            continue
        elif k == 5:
            inner_l4 = tcp_segment(b"\x0a\x63\x00\x01", b"\x0a\x63\x00\x02", 45000 + i, 179, 1, 0, SYN)
            inner = ipv4_packets(b"\x0a\x63\x00\x01", b"\x0a\x63\x00\x02", TCP, inner_l4, 9)[0]
            gre = struct.pack("!HH", 0, 0x0800) + inner
            ip = ipv4_packets(a.addr, b.addr, 47, gre, ctx.next_ipid())[0]
        else:
            inner_l4 = udp_datagram(b"\x0a\x64\x00\x01", b"\x0a\x64\x00\x02", 46000 + i, 53, b"\0" * 12)
            inner = ipv4_packets(b"\x0a\x64\x00\x01", b"\x0a\x64\x00\x02", UDP, inner_l4, 9)[0]
            ip = ipv4_packets(a.addr, b.addr, 4, inner, ctx.next_ipid())[0]
        ctx.push(t, link_frame(ctx.linktype, ip, fam, (), (a.mac, b.mac)))


# Ports whose registry rows are worth a label check: aliases, unnamed,
# Reserved and Unassigned rows (and their spelling variants), ranges with and
# without a transport, a one-port row inside a range, and unregistered ports.
LABEL_PORTS = [0, 1, 7, 24, 42, 51, 80, 113, 114, 443, 465, 631, 659, 1008, 1023, 1024,
               1028, 1701, 1783, 2825, 2905, 3322, 3404, 3868, 4200, 5004, 5060, 6000,
               6010, 6063, 6665, 7300, 7775, 7776, 7997, 9006, 9899, 27000, 36412, 49151]


def label_flows(ctx):
    """Every LABEL_PORTS port as the server port of a TCP, UDP, SCTP and DCCP
    flow from an unregistered dynamic port, plus UDP flows between two
    registered ports (the label then rests on the port ranks)."""
    rng = ctx.rng
    t = BASE_NS
    kinds = ((TCP, tcp_flow), (UDP, udp_flow), (SCTP, sctp_flow), (DCCP, dccp_flow))
    for port in LABEL_PORTS:
        for proto, fn in kinds:
            fp = FlowParams(ctx, proto)
            fp.sport = rng.randrange(50000, 65000)
            fp.dport = port
            if proto == TCP:
                fn(ctx, t, fp, exchanges=1)
            elif proto == UDP:
                fn(ctx, t, fp, rounds=1)
            else:
                fn(ctx, t, fp)
            t += rng.randrange(50, 400) * 1000000
    for sport, dport in ((123, 53), (5353, 1900), (1024, 7), (6010, 6000), (7775, 7776),
                         (33434, 50000), (1008, 24)):
        fp = FlowParams(ctx, UDP)
        fp.sport, fp.dport = sport, dport
        udp_flow(ctx, t, fp, rounds=2)
        t += rng.randrange(50, 400) * 1000000


def malformed_packets(ctx):
    """Transport headers portsniff rejects (counted as malformed, no flow) while
    a dissector still shows their ports: cut short by the capture length, a
    TCP data offset below 5 words, a UDP length below 8, an SCTP chunk
    length below 4, a DCCP data offset below the generic header."""
    rng = ctx.rng
    t = BASE_NS + 1000000000
    a, b = ctx.hosts4[50], ctx.hosts4[51]
    a6, b6 = ctx.hosts6[30], ctx.hosts6[31]
    eth_ip = 14 + 20
    for fam, x, y in ((4, a, b), (6, a6, b6)):
        ipl = 20 if fam == 4 else 40
        # cut inside the TCP fixed header (ports visible, rest missing)
        for cut in (4, 12, 19):
            l4 = tcp_segment(x.addr, y.addr, 50000 + cut, 80, 1, 0, SYN)
            ip = ipv4_packets(x.addr, y.addr, TCP, l4, ctx.next_ipid())[0] if fam == 4 else \
                ipv6_packets(x.addr, y.addr, TCP, l4)[0]
            ctx.push(t, link_frame(LINKTYPE_ETHERNET, ip, fam, (), (x.mac, y.mac)), 14 + ipl + cut)
            t += 1000000
        for cut in (4, 7):
            l4 = udp_datagram(x.addr, y.addr, 51000 + cut, 53, b"\0" * 30)
            ip = ipv4_packets(x.addr, y.addr, UDP, l4, ctx.next_ipid())[0] if fam == 4 else \
                ipv6_packets(x.addr, y.addr, UDP, l4)[0]
            ctx.push(t, link_frame(LINKTYPE_ETHERNET, ip, fam, (), (x.mac, y.mac)), 14 + ipl + cut)
            t += 1000000
        for cut in (4, 11):
            l4 = sctp_packet(52000 + cut, 3868, 0, [sctp_chunk(1, 0, struct.pack("!IIHHI", 5, 65536, 1, 1, 9))])
            ip = ipv4_packets(x.addr, y.addr, SCTP, l4, ctx.next_ipid())[0] if fam == 4 else \
                ipv6_packets(x.addr, y.addr, SCTP, l4)[0]
            ctx.push(t, link_frame(LINKTYPE_ETHERNET, ip, fam, (), (x.mac, y.mac)), 14 + ipl + cut)
            t += 1000000
        for cut in (4, 10, 15):
            l4 = dccp_packet(x.addr, y.addr, 53000 + cut, 5004, D_REQUEST, 77, service_code=1)
            ip = ipv4_packets(x.addr, y.addr, DCCP, l4, ctx.next_ipid())[0] if fam == 4 else \
                ipv6_packets(x.addr, y.addr, DCCP, l4)[0]
            ctx.push(t, link_frame(LINKTYPE_ETHERNET, ip, fam, (), (x.mac, y.mac)), 14 + ipl + cut)
            t += 1000000
    # Lying headers, fully captured.
    bad = []
    seg = bytearray(tcp_segment(a.addr, b.addr, 54001, 80, 1, 0, SYN))
    seg[12] = 4 << 4                                            # data offset 4 words
    bad.append((TCP, bytes(seg)))
    dg = bytearray(udp_datagram(a.addr, b.addr, 54002, 53, b"\0" * 16))
    dg[4:6] = struct.pack("!H", 5)                              # UDP length 5
    bad.append((UDP, bytes(dg)))
    sp = bytearray(sctp_packet(54003, 3868, 0, [sctp_chunk(1, 0, struct.pack("!IIHHI", 5, 65536, 1, 1, 9))]))
    sp[14:16] = struct.pack("!H", 2)                            # chunk length 2
    bad.append((SCTP, bytes(sp)))
    dp = bytearray(dccp_packet(a.addr, b.addr, 54004, 5004, D_REQUEST, 77, service_code=1))
    dp[4] = 2                                                   # data offset 2 words
    bad.append((DCCP, bytes(dp)))
    for proto, l4 in bad:
        # Only the one field is wrong: the checksum matches the lie.
        l4 = recompute_checksum(proto, a.addr, b.addr, l4)
        ip = ipv4_packets(a.addr, b.addr, proto, l4, ctx.next_ipid())[0]
        ctx.push(t, link_frame(LINKTYPE_ETHERNET, ip, 4, (), (a.mac, b.mac)))
        t += 1000000
    t = scope_differences(ctx, t)
    # A fragmented datagram whose first fragment the snaplen cuts inside the
    # UDP header: its later fragments have no first fragment for portsniff.
    l4 = udp_datagram(a.addr, b.addr, 56001, 5004, rand_payload(rng, 2000))
    for i, ip in enumerate(ipv4_packets(a.addr, b.addr, UDP, l4, ctx.next_ipid(), 1500)):
        ctx.push(t, link_frame(LINKTYPE_ETHERNET, ip, 4, (), (a.mac, b.mac)), 14 + 20 + 6 if i == 0 else None)
        t += 1000000
    # A fully valid flow in the same file, so the file is not all errors.
    tcp_flow(ctx, t, ending="fin", exchanges=2)


def scope_differences(ctx, t):
    """Frames a dissector decodes through but portsniff, by its scope, does
    not: more than 8 VLAN tags, more than 16 IPv6 extension headers, IP in
    802.3 LLC/SNAP and in MPLS, and a TCP segmentation offload super-packet
    whose IPv4 total length is 0 (counted, but its IP bytes differ)."""
    rng = ctx.rng
    a, b = ctx.hosts4[52], ctx.hosts4[53]
    a6, b6 = ctx.hosts6[32], ctx.hosts6[33]
    ether = mac(b.mac) + mac(a.mac)

    def udp4(sport):
        l4 = udp_datagram(a.addr, b.addr, sport, 53, rand_payload(rng, 24))
        return ipv4_packets(a.addr, b.addr, UDP, l4, ctx.next_ipid())[0]

    for _ in range(2):
        ctx.push(t, link_frame(LINKTYPE_ETHERNET, udp4(55001), 4, tuple(range(1, 10)), (a.mac, b.mac)))
        t += 1000000
    # Nine Destination Options headers twice over: 18 extension headers.
    l4 = udp_datagram(a6.addr, b6.addr, 55002, 53, rand_payload(rng, 24))
    chain = b""
    for i in range(18):
        chain += ext_dstopts(DSTOPTS if i < 17 else UDP)
    ip6 = struct.pack("!IHBB", 0x60000000, len(chain) + len(l4), DSTOPTS, 64) + a6.addr + b6.addr + chain + l4
    ctx.push(t, link_frame(LINKTYPE_ETHERNET, ip6, 6, (), (a6.mac, b6.mac)))
    t += 1000000
    ip = udp4(55003)
    llc = b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip
    ctx.push(t, ether + struct.pack("!H", len(llc)) + llc)
    t += 1000000
    ip = udp4(55004)
    mpls = struct.pack("!I", (100 << 12) | (1 << 8) | 64)
    ctx.push(t, ether + struct.pack("!H", 0x8847) + mpls + ip)
    t += 1000000
    # TSO: one 2 x 1448-byte segment handed to the capture with total length 0.
    seg = tcp_segment(a.addr, b.addr, 55005, 443, 1000, 2000, ACK | PSH, rand_payload(rng, 2896))
    hdr = bytearray(ipv4_header(a.addr, b.addr, TCP, len(seg), ctx.next_ipid(), df=True))
    hdr[2:4] = b"\0\0"
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", inet_checksum(bytes(hdr)))
    ctx.push(t, ether + struct.pack("!H", 0x0800) + bytes(hdr) + seg)
    t += 1000000
    return t


# ---------------------------------------------------------------- files

def write_file(path, ctx, fmt, linktype, snaplen=65535, nanosecond=False):
    if fmt == "pcapng":
        w = PcapngWriter(path, linktype, snaplen, nanosecond, interfaces=2)
    else:
        # raw_ip.pcap is written in big-endian byte order, like a capture
        # taken on a big-endian host.
        w = PcapWriter(path, linktype, snaplen, nanosecond, big_endian=linktype == LINKTYPE_RAW)
    for ts, _, frame, caplen in sorted(ctx.events, key=lambda e: (e[0], e[1])):
        w.write(ts, frame, caplen)
    w.close()
    return w.count


def generate(outdir, seed, flows):
    os.makedirs(outdir, exist_ok=True)
    made = []

    def rng_for(name):
        return random.Random("%d/%s" % (seed, name))

    def vlan_single(rng):
        return lambda: (rng.choice([10, 20, 30, 4094]),) if rng.random() < 0.4 else ()

    def vlan_qinq(rng):
        return lambda: (rng.choice([100, 200]), rng.choice([10, 11, 12])) if rng.random() < 0.7 \
            else (rng.choice([5, 6]),)

    specs = [
        # name, fmt, linktype, ipv6 share, vlans, ext prob, ns, generator
        ("eth_v4_mixed.pcap", "pcap", LINKTYPE_ETHERNET, 0.0, vlan_single, 0.0, False, "mixed"),
        ("eth_v6_ext.pcapng", "pcapng", LINKTYPE_ETHERNET, 1.0, None, 0.6, True, "mixed"),
        ("eth_qinq_dual.pcapng", "pcapng", LINKTYPE_ETHERNET, 0.4, vlan_qinq, 0.2, False, "mixed"),
        ("sll_mixed.pcap", "pcap", LINKTYPE_LINUX_SLL, 0.3, None, 0.2, True, "mixed"),
        ("sll2_mixed.pcapng", "pcapng", LINKTYPE_LINUX_SLL2, 0.3, None, 0.2, False, "small"),
        ("raw_ip.pcap", "pcap", LINKTYPE_RAW, 0.5, None, 0.3, False, "small"),
        ("null_loopback.pcap", "pcap", LINKTYPE_NULL, 0.5, None, 0.0, False, "small"),
        ("reuse_and_idle.pcap", "pcap", LINKTYPE_ETHERNET, 0.3, None, 0.0, False, "reuse"),
        ("fragments.pcapng", "pcapng", LINKTYPE_ETHERNET, 0.5, None, 0.0, False, "frag"),
        ("snaplen96.pcap", "pcap", LINKTYPE_ETHERNET, 0.4, vlan_single, 0.3, False, "snap"),
        ("label_ports.pcapng", "pcapng", LINKTYPE_ETHERNET, 0.3, None, 0.0, False, "labels"),
        ("known_differences.pcap", "pcap", LINKTYPE_ETHERNET, 0.0, None, 0.0, False, "malformed"),
    ]
    for name, fmt, lt, v6, vl, ext, ns, kind in specs:
        rng = rng_for(name)
        ctx = Ctx(rng, v6, lt, vl(rng) if vl else None, ext)
        snaplen = 65535
        if kind == "mixed":
            mixed_flows(ctx, flows, 600)
            noise(ctx, 14)
        elif kind == "small":
            mixed_flows(ctx, max(10, flows // 4), 300)
            noise(ctx, 7)
        elif kind == "reuse":
            reuse_flows(ctx, max(12, flows // 6))
        elif kind == "frag":
            fragment_flows(ctx, max(20, flows // 5))
            mixed_flows(ctx, max(5, flows // 10), 60)
        elif kind == "snap":
            snaplen = 96
            mixed_flows(ctx, max(10, flows // 2), 300)
        elif kind == "labels":
            label_flows(ctx)
        elif kind == "malformed":
            malformed_packets(ctx)
        path = os.path.join(outdir, name)
        n = write_file(path, ctx, fmt, lt, snaplen, ns)
        made.append((path, n))
    return made


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flows", type=int, default=150,
                    help="flows per mixed file (other files scale from it); default 150")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    made = generate(args.outdir, args.seed, args.flows)
    if not args.quiet:
        total = 0
        for path, n in made:
            size = os.path.getsize(path)
            total += size
            print("%-50s %6d packets %9d bytes" % (path, n, size))
        print("%d files, %d bytes" % (len(made), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
