#!/usr/bin/env python3
"""Check portsniff's flow counts against tshark's per-packet dissection.

    compare_tshark.py FILES_OR_DIRS... [--portsniff PATH] [--tshark PATH]
                      [--known-differences] [--check-checksums] [-v]

For every capture file (directories are searched recursively for .pcap,
.pcapng, .cap and their .gz forms) this runs

    portsniff -r FILE --decap=none --flows=json --report=none

and sums its flow records per 5-tuple (a flow split by timeouts or by a
reused 5-tuple gives several records), and runs tshark once over the same
file printing one line of fields per frame (never its conversation tables).
From tshark's lines it builds, independently of portsniff's code, the same
per-5-tuple totals: packets, on-wire frame bytes and IP bytes in each
direction, where a direction is relative to the canonical lower endpoint
(so which side portsniff calls the originator does not matter).

With --decap=all, portsniff runs with its decapsulation on and, on tshark's
side, the walk descends from the outermost IP header through every tunnel
portsniff decodes (IP-in-IP, GRE with its Ethernet, ERSPAN and MPLS
payloads, VXLAN, Geneve, GTP-U G-PDUs, and MPLS and PPPoE below IP) to the
innermost IP header, whose fields (the n-th occurrence of ip.*, ipv6.* and
the transport's fields) then count as the outer ones do below. A tunnel in
an IP fragment is not entered, as in portsniff.

Otherwise only the outermost IP header counts, and only when a TCP, UDP, SCTP or DCCP
header, or an ICMP header over IPv4 or an ICMPv6 header over IPv6, follows it
directly (after IPv6 extension headers): the headers an ICMP error quotes, and
packets inside tunnels (GRE, IP-in-IP, VXLAN...), are not transport packets of
the outer flow. ICMP and ICMPv6 flows are keyed the way Zeek and the Community
ID specification key them (ICMP_COUNTERPART below, written from the
specification, not from portsniff's code): the type in the sender's port, and
in the receiver's the counterpart's type (echo request 8 <-> reply 0, ...) or,
for a type without one, the code; their protocol is "icmp" for both versions,
as in portsniff's records and Zeek's conn.log. Later IP fragments carry no ports;
they are counted to the flow of their datagram's first fragment, looked up by
(source, destination, protocol, identification) among the first fragments
seen less than --fragment-timeout seconds before; a later fragment that
arrives before its first fragment waits (as in portsniff) up to that timeout
for it. For IPv6 the key has no protocol (RFC 8200 section 4.5): a later
fragment's Next Header may be a Destination Options header.

Output: one `MISMATCH file 5-tuple field portsniff=X tshark=Y` line per
disagreement, one `KNOWN file 5-tuple reason` line per 5-tuple whose
difference is fully explained by the known-differences list below, then

    N matched, K known differences, M mismatched (5-tuples; fields compared: ...)

Exit status: 0 when nothing mismatched, 1 on a mismatch, 2 on a usage or
tool error. --known-differences prints the list with its reasons and exits.
"""

import argparse
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
from collections import defaultdict

from capture_inputs import readable_captures

# --------------------------------------------------------------------------
# Known differences: packets tshark shows with ports that portsniff, by
# design, does not count to any flow. Each one is recognised from tshark's
# own fields, counted per 5-tuple and direction, subtracted from tshark's
# totals, and reported on a KNOWN line; none is skipped silently. A 5-tuple
# whose numbers still differ after the subtraction is a MISMATCH.
KNOWN_DIFFERENCES = {
    "truncated-transport-header": (
        "The capture length (snaplen) or the IP length ends inside the fixed "
        "TCP (20 bytes), UDP (8), SCTP (12) or DCCP (12, or 16 with X=1) header, "
        "or inside ICMP's or ICMPv6's type, code and checksum (4). "
        "tshark still shows the ports (or type) it could read; portsniff counts the "
        "packet as malformed (short-tcp-header, short-udp-header, short-sctp-header, "
        "short-dccp-header, short-icmp-header) and "
        "gives it no flow. Recognised by the header's last fixed field "
        "(tcp.urgent_pointer, udp.checksum, sctp.checksum, dccp.seq, icmp.checksum, "
        "icmpv6.checksum) missing from tshark's output."),
    "bad-tcp-offset": (
        "TCP data offset below 5 words: tshark reports a bogus header length "
        "but shows the ports; portsniff counts it malformed (bad-tcp-data-offset)."),
    "bad-udp-length": (
        "UDP length field below 8 (and not a jumbogram's 0): tshark shows the "
        "ports and flags the length; portsniff counts it malformed (bad-udp-length)."),
    "bad-sctp-chunk": (
        "An SCTP chunk length below 4: tshark shows the common header; "
        "portsniff counts it malformed (bad-sctp-chunk-length)."),
    "bad-dccp-offset": (
        "DCCP data offset smaller than the generic header (3 words, or 4 "
        "with X=1): tshark shows the ports; portsniff counts it malformed "
        "(bad-dccp-data-offset)."),
    "vlan-depth": (
        "More than 8 stacked 802.1Q/802.1ad tags: tshark follows them all; "
        "portsniff stops at 8 and counts it malformed (too-many-vlan-tags)."),
    "ipv6-ext-chain": (
        "More than 16 IPv6 extension headers: tshark walks them all; "
        "portsniff stops at 16 and counts it malformed "
        "(too-many-ipv6-extension-headers)."),
    "link-not-decoded": (
        "A link type portsniff does not decode (it decodes Ethernet, Linux "
        "SLL and SLL2, raw IP, BSD loopback, PPP, Cisco HDLC, PPPoE, NFLOG and "
        "IPoIB); tshark decodes many more."),
    "encapsulation-not-decoded": (
        "Between the link header and IP lies a layer portsniff does not "
        "follow (802.3 LLC/SNAP, MPLS, PPPoE, ...): portsniff sees a non-IP "
        "frame, tshark decodes through it."),
    "fragment-of-excluded-first": (
        "A later IP fragment whose first fragment falls under one of the "
        "differences above: portsniff never recorded the first fragment, so "
        "the later one is unmatched there."),
}

TRANSPORTS = ("tcp", "udp", "sctp", "dccp")
IP_PROTO = {"tcp": 6, "udp": 17, "sctp": 132, "dccp": 33}
PROTO_NAME = {v: k for k, v in IP_PROTO.items()}
# ICMP over IPv4 and ICMPv6 over IPv6 (tshark's layer names per IP version)
# are flows too; ICMP over IPv6 or ICMPv6 over IPv4 is another IP protocol.
ICMP_LAYER = {4: "icmp", 6: "icmpv6"}
ICMP_IP_PROTO = {4: 1, 6: 58}
# The Community ID specification's table of ICMP and ICMPv6 types with a
# counterpart (request <-> reply); Zeek's conn.log uses the same one.
ICMP_COUNTERPART = {
    4: {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17},
    6: {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130,
        139: 140, 140: 139, 144: 145, 145: 144},
}
# Layers tshark may show between the start of the frame and the outermost IP
# header that portsniff also decodes.
LINK_LAYERS = {"eth", "sll", "raw", "null", "loop", "ppp", "chdlc", "pppoes", "nflog", "ipoib",
               "wlan", "radiotap", "ppi"}
BETWEEN_LAYERS = {"ethertype", "vlan", "ieee8021ad", "ppp"}
# In an 802.11 frame only: wlan_radio is tshark's summary of radiotap and PPI,
# llc the LLC/SNAP header (LLC after an 802.3 length is not decoded).
WLAN_BETWEEN_LAYERS = {"wlan_radio", "llc"}
# and with --decap=all: MPLS (with Ethernet pseudowires) and PPPoE sessions
DECAP_BETWEEN_LAYERS = {"mpls", "pwethheuristic", "pwethcw", "eth", "pppoes", "ppp"}
MAX_VLAN_TAGS = 8
MAX_IPV6_EXT = 16
# tshark names of the IPv6 extension headers portsniff walks over
# (Hop-by-Hop, Routing, Fragment, Destination Options, AH, Mobility, HIP, Shim6).
IPV6_EXT_LAYERS = {"ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts",
                   "ipv6.shim6", "ah", "mipv6", "hip"}

FIELDS = [
    "frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "frame.protocols",
    "ip.src", "ip.dst", "ip.proto", "ip.len", "ip.id", "ip.flags.mf", "ip.frag_offset",
    "ipv6.src", "ipv6.dst", "ipv6.plen",
    "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
    "tcp.srcport", "tcp.dstport", "tcp.hdr_len", "tcp.urgent_pointer",
    "udp.srcport", "udp.dstport", "udp.length", "udp.checksum",
    "sctp.srcport", "sctp.dstport", "sctp.checksum", "sctp.chunk_length",
    "dccp.srcport", "dccp.dstport", "dccp.data_offset", "dccp.x", "dccp.seq", "dccp.seq_raw",
    "icmp.type", "icmp.code", "icmp.checksum", "icmpv6.type", "icmpv6.code", "icmpv6.checksum",
    "_ws.malformed",
]
CHECKSUM_FIELDS = ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status",
                   "sctp.checksum.status", "dccp.checksum.status", "icmp.checksum.status",
                   "icmpv6.checksum.status"]

# Preferences that make tshark's per-packet view the on-wire packets:
# no reassembly (each fragment and segment is its own frame with its own
# headers), heuristic dissectors only after the port-based ones.
TSHARK_PREFS = [
    "ip.defragment:FALSE",
    "ipv6.defragment:FALSE",
    "tcp.desegment_tcp_streams:FALSE",
    "tcp.analyze_sequence_numbers:FALSE",
    "sctp.reassembly:FALSE",
    "ip.try_heuristic_first:FALSE",
    "ipv6.try_heuristic_first:FALSE",
    "udp.try_heuristic_first:FALSE",
    "tcp.try_heuristic_first:FALSE",
    "sctp.try_heuristic_first:FALSE",
    "dccp.try_heuristic_first:FALSE",
]
CHECKSUM_PREFS = [
    "ip.check_checksum:TRUE",
    "tcp.check_checksum:TRUE",
    "udp.check_checksum:TRUE",
    "sctp.checksum:CRC 32c",
    "dccp.check_checksum:TRUE",
]

STAT_FIELDS = ("pkts", "frame_bytes", "ip_bytes")
# --------------------------------------------------------------------------
# 5-tuples

def endpoint(addr, port):
    ip = ipaddress.ip_address(addr)
    return (ip.version, ip.packed, int(port))


def canonical(proto, src, dst):
    """(key, dir): key has the lower endpoint first; dir 0 when src is it."""
    if src <= dst:
        return (proto, src, dst), 0
    return (proto, dst, src), 1


def ep_text(ep):
    ip = ipaddress.ip_address(ep[1])
    return ("[%s]:%d" % (ip, ep[2])) if ep[0] == 6 else ("%s:%d" % (ip, ep[2]))


def key_text(key):
    return "%s %s <-> %s" % (key[0], ep_text(key[1]), ep_text(key[2]))


def new_side():
    return [dict.fromkeys(STAT_FIELDS, 0), dict.fromkeys(STAT_FIELDS, 0)]


# --------------------------------------------------------------------------
# portsniff side

def portsniff_flows(portsniff, path, decap="none"):
    """Sum of portsniff's flow records per 5-tuple and canonical direction."""
    proc = subprocess.run([portsniff, "-r", path, "--decap=" + decap, "--flows=json", "--report=none"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = {}
    records = 0
    for lineno, line in enumerate(proc.stdout.decode("utf-8", "replace").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            r = json.loads(line)
        except ValueError as e:
            raise ToolError("portsniff output line %d is not JSON: %s" % (lineno, e))
        records += 1
        orig = endpoint(r["id.orig_h"], r["id.orig_p"])
        resp = endpoint(r["id.resp_h"], r["id.resp_p"])
        key, d = canonical(r["proto"], orig, resp)
        side = out.setdefault(key, new_side())
        for role, dd in (("orig", d), ("resp", 1 - d)):
            side[dd]["pkts"] += r[role + "_pkts"]
            side[dd]["frame_bytes"] += r[role + "_frame_bytes"]
            side[dd]["ip_bytes"] += r[role + "_ip_bytes"]
    return out, records, proc.returncode, proc.stderr.decode("utf-8", "replace").strip()


# --------------------------------------------------------------------------
# tshark side

class ToolError(Exception):
    pass


def tshark_rows(tshark, path, check_checksums=False, decode_as=()):
    fields = FIELDS + (CHECKSUM_FIELDS if check_checksums else [])
    cmd = [tshark, "-n", "-r", path]
    for d in decode_as:
        cmd += ["-d", d]
    for p in TSHARK_PREFS + (CHECKSUM_PREFS if check_checksums else []):
        cmd += ["-o", p]
    cmd += ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
            "-E", "aggregator=,", "-E", "quote=n", "-E", "header=n"]
    for f in fields:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = "\n".join(l for l in proc.stderr.decode("utf-8", "replace").splitlines()
                    if "Running as user" not in l).strip()
    rows = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        vals = line.split("\t")
        vals += [""] * (len(fields) - len(vals))
        rows.append({f: (v.split(",") if v else []) for f, v in zip(fields, vals)})
    return rows, proc.returncode, err


def first(row, field):
    v = row[field]
    return v[0] if v else None


def as_int(s):
    return int(s, 0) if s is not None else None


def time_ns(s):
    sec, _, frac = s.partition(".")
    return int(sec) * 1000000000 + int((frac + "000000000")[:9])


# --decap=all: layers between two IP headers that portsniff walks through.
# A UDP header leads into a tunnel only when tshark decoded one behind it.
TUNNEL_LAYERS = {"gre", "erspan", "eth", "ethertype", "vlan", "ieee8021ad", "mpls",
                 "pwethheuristic", "pwethcw", "pppoes", "ppp", "vxlan", "geneve", "gtp",
                 "l2tp", "teredo"}
UDP_TUNNELS = {"vxlan", "geneve", "gtp", "l2tp", "teredo"}
# What tshark needs told: Linux's VXLAN port is portsniff's default too.
DECAP_DECODE_AS = ["udp.port==8472,vxlan"]


def ip_is_fragment(row, proto, index, fh_index):
    if proto == "ip":
        mf = nth(row, "ip.flags.mf", index) in ("1", "True")
        off = as_int(nth(row, "ip.frag_offset", index)) or 0
        return mf or off > 0
    return fh_index is not None


def nth(row, field, i):
    v = row[field]
    return v[i] if i < len(v) else None


def innermost(protos, row, ip_at):
    """(index of the innermost IP layer portsniff reaches, the row with that
    layer's and its transport's fields first)."""
    while True:
        name = protos[ip_at]
        idx = protos[:ip_at].count(name)
        j = ip_at + 1
        fh = None
        while j < len(protos) and protos[j] in IPV6_EXT_LAYERS:
            if protos[j] == "ipv6.fraghdr":
                fh = protos[:j].count("ipv6.fraghdr")
            j += 1
        if ip_is_fragment(row, name, idx, fh):
            break
        k = j
        if k < len(protos) and protos[k] == "udp":
            if k + 1 < len(protos) and protos[k + 1] in UDP_TUNNELS:
                k += 1
            else:
                break
        while k < len(protos) and protos[k] in TUNNEL_LAYERS:
            k += 1
        if k < len(protos) and protos[k] in ("ip", "ipv6") and (k > j or protos[j] in ("ip", "ipv6")):
            ip_at = k
            continue
        break
    if protos[:ip_at].count("ip") == 0 and protos[:ip_at].count("ipv6") == 0:
        return ip_at, row
    shifted = dict(row)
    counts = {}
    for i, p in enumerate(protos):
        if i >= ip_at:
            break
        counts[p] = counts.get(p, 0) + 1
    prefixes = {"ip.": "ip", "ipv6.fraghdr.": "ipv6.fraghdr", "ipv6.": "ipv6",
                "tcp.": "tcp", "udp.": "udp", "sctp.": "sctp", "dccp.": "dccp",
                "icmp.": "icmp", "icmpv6.": "icmpv6"}
    for f in row:
        for pre in sorted(prefixes, key=len, reverse=True):
            if f.startswith(pre):
                n = counts.get(prefixes[pre], 0)
                shifted[f] = row[f][n:]
                break
    return ip_at, shifted


class TsharkTally:
    def __init__(self, fragment_timeout_ns, decap="none"):
        self.decap = decap
        self.flows = {}                        # key -> [dir0, dir1] stats
        self.known = defaultdict(lambda: defaultdict(lambda: [new_side(), 0]))
        self.frag_cache = {}                   # datagram id -> (ts, key, dir, reason)
        self.parked = {}                       # datagram id -> (ts, [(frame, ip, reason)])
        self.timeout = fragment_timeout_ns
        self.stats = defaultdict(int)
        self.bad_checksums = []

    def add(self, key, d, frame_len, ip_len, reason):
        side = self.flows.setdefault(key, new_side())
        side[d]["pkts"] += 1
        side[d]["frame_bytes"] += frame_len
        side[d]["ip_bytes"] += ip_len
        if reason:
            k = self.known[key][reason]
            k[0][d]["pkts"] += 1
            k[0][d]["frame_bytes"] += frame_len
            k[0][d]["ip_bytes"] += ip_len
            k[1] += 1

    def packet(self, row):
        protos = row["frame.protocols"][0].split(":") if row["frame.protocols"] else []
        ip_at = next((i for i, p in enumerate(protos) if p in ("ip", "ipv6")), None)
        if ip_at is None:
            self.stats["non-ip"] += 1
            return
        outer_at = ip_at
        if self.decap == "all":
            ip_at, row = innermost(protos, row, ip_at)
            if ip_at != outer_at:
                self.stats["decapsulated"] += 1
        family = 4 if protos[ip_at] == "ip" else 6
        reason = None
        link = protos[:outer_at]
        between = BETWEEN_LAYERS | (DECAP_BETWEEN_LAYERS if self.decap == "all" else set())
        if "wlan" in link:
            between = between | WLAN_BETWEEN_LAYERS
        # No layer before IP: LINKTYPE_IPV4/IPV6, which portsniff decodes.
        if link and link[0] not in LINK_LAYERS:
            reason = "link-not-decoded"
        elif any(p not in LINK_LAYERS and p not in between for p in link[1:]):
            reason = "encapsulation-not-decoded"
        elif sum(1 for p in protos[:ip_at] if p in ("vlan", "ieee8021ad")) > MAX_VLAN_TAGS:
            reason = "vlan-depth"

        frame_len = int(first(row, "frame.len"))
        if family == 4:
            src, dst = first(row, "ip.src"), first(row, "ip.dst")
            ip_len = as_int(first(row, "ip.len")) or 0
            proto = as_int(first(row, "ip.proto"))
            frag_off = as_int(first(row, "ip.frag_offset")) or 0
            more = first(row, "ip.flags.mf") in ("1", "True")
            ident = as_int(first(row, "ip.id"))
            j = ip_at + 1
            n_ext = 0
        else:
            src, dst = first(row, "ipv6.src"), first(row, "ipv6.dst")
            ip_len = 40 + (as_int(first(row, "ipv6.plen")) or 0)
            j = ip_at + 1
            n_ext = 0
            has_frag = False
            while j < len(protos) and protos[j] in IPV6_EXT_LAYERS:
                has_frag = has_frag or protos[j] == "ipv6.fraghdr"
                n_ext += 1
                j += 1
            if has_frag and row["ipv6.fraghdr.offset"]:
                proto = as_int(first(row, "ipv6.fraghdr.nxt"))
                frag_off = as_int(first(row, "ipv6.fraghdr.offset")) or 0
                more = first(row, "ipv6.fraghdr.more") in ("1", "True")
                ident = as_int(first(row, "ipv6.fraghdr.ident"))
            else:
                proto, frag_off, more, ident = None, 0, False, None
            if reason is None and n_ext > MAX_IPV6_EXT:
                reason = "ipv6-ext-chain"
        if src is None or dst is None:
            self.stats["ip-without-addresses"] += 1
            return
        ts = time_ns(first(row, "frame.time_epoch"))

        if frag_off > 0:
            # A later fragment: no transport header, only the datagram's
            # identity (RFC 791: src, dst, protocol, id; RFC 8200 4.5: src,
            # dst, id -- in IPv6 a Destination Options header may follow the
            # Fragment header, so its next header is not the transport).
            fid = self.fragment_id(family, src, dst, proto, ident)
            entry = self.frag_cache.get(fid)
            if entry is None or ts - entry[0] >= self.timeout:
                # Its first fragment may still come: parked, as portsniff does.
                self.park(fid, ts, frame_len, ip_len, reason)
                return
            _, key, d, first_reason = entry
            self.stats["fragments-matched"] += 1
            r = reason or ("fragment-of-excluded-first" if first_reason else None)
            self.add(key, d, frame_len, ip_len, r)
            return

        nxt = protos[j] if j < len(protos) else None
        if nxt is None and n_ext and row["_ws.malformed"]:
            # tshark gave up inside an extension header (it checks their
            # options and routing entries; portsniff only uses their lengths).
            self.stats["ipv6-ext-malformed"] += 1
        if nxt == ICMP_LAYER[family]:
            self.icmp_packet(row, family, src, dst, nxt, ts, frame_len, ip_len, reason,
                             more and frag_off == 0, ident)
            return
        if nxt not in TRANSPORTS:
            self.stats["other-ip"] += 1
            if any(p in TRANSPORTS or p in ("icmp", "icmpv6") for p in protos[j:]):
                self.stats["inner-transport-ignored"] += 1
            return
        t = nxt
        sport, dport = first(row, t + ".srcport"), first(row, t + ".dstport")
        if sport is None or dport is None:
            # Not even the ports were readable: no 5-tuple on either side.
            self.stats["transport-without-ports"] += 1
            return
        if reason is None:
            reason = self.transport_reason(t, row, family, ip_len)
        key, d = canonical(t, endpoint(src, sport), endpoint(dst, dport))
        self.stats["transport"] += 1
        self.add(key, d, frame_len, ip_len, reason)
        if more and frag_off == 0 and ident is not None:
            fid = self.fragment_id(family, src, dst, IP_PROTO[t], ident)
            self.frag_cache[fid] = (ts, key, d, reason)
            self.credit_parked(fid, ts, key, d, reason)

    def icmp_packet(self, row, family, src, dst, layer, ts, frame_len, ip_len, reason, first_frag, ident):
        """An ICMP or ICMPv6 message: its type and, for the receiver, the
        counterpart's type or the code stand in for the ports."""
        typ, code = as_int(first(row, layer + ".type")), as_int(first(row, layer + ".code"))
        if typ is None or code is None:
            self.stats["transport-without-ports"] += 1
            return
        if reason is None and first(row, layer + ".checksum") is None:
            reason = "truncated-transport-header"
        resp = ICMP_COUNTERPART[family].get(typ, code)
        key, d = canonical("icmp", endpoint(src, typ), endpoint(dst, resp))
        self.stats["transport"] += 1
        self.stats["icmp"] += 1
        self.add(key, d, frame_len, ip_len, reason)
        if first_frag and ident is not None:
            fid = self.fragment_id(family, src, dst, ICMP_IP_PROTO[family], ident)
            self.frag_cache[fid] = (ts, key, d, reason)
            self.credit_parked(fid, ts, key, d, reason)

    @staticmethod
    def fragment_id(family, src, dst, proto, ident):
        return (family, src, dst, proto if family == 4 else None, ident)

    def park(self, fid, ts, frame_len, ip_len, reason):
        parked = self.parked.get(fid)
        if parked is not None and ts - parked[0] >= self.timeout:
            self.stats["fragments-unmatched"] += len(parked[1])
            parked = None
        if parked is None:
            parked = self.parked[fid] = (ts, [])
        parked[1].append((frame_len, ip_len, reason))

    def credit_parked(self, fid, ts, key, d, first_reason):
        parked = self.parked.pop(fid, None)
        if parked is None:
            return
        if ts - parked[0] >= self.timeout:
            self.stats["fragments-unmatched"] += len(parked[1])
            return
        for frame_len, ip_len, reason in parked[1]:
            self.stats["fragments-matched"] += 1
            r = reason or ("fragment-of-excluded-first" if first_reason else None)
            self.add(key, d, frame_len, ip_len, r)

    def finish(self):
        """Fragments still waiting for their first fragment at the end of input."""
        for _, frags in self.parked.values():
            self.stats["fragments-unmatched"] += len(frags)
        self.parked.clear()

    @staticmethod
    def transport_reason(t, row, family, ip_len):
        if t == "tcp":
            hl = as_int(first(row, "tcp.hdr_len"))
            if hl is not None and hl < 20:
                return "bad-tcp-offset"
            if first(row, "tcp.urgent_pointer") is None:
                return "truncated-transport-header"
        elif t == "udp":
            ul = as_int(first(row, "udp.length"))
            if ul is not None and ul < 8 and not (ul == 0 and family == 6 and ip_len == 40):
                return "bad-udp-length"
            if first(row, "udp.checksum") is None:
                return "truncated-transport-header"
        elif t == "sctp":
            if first(row, "sctp.checksum") is None:
                return "truncated-transport-header"
            if any(as_int(v) < 4 for v in row["sctp.chunk_length"]):
                return "bad-sctp-chunk"
        elif t == "dccp":
            off = as_int(first(row, "dccp.data_offset"))
            x = first(row, "dccp.x") in ("1", "True")
            if off is not None and off * 4 < (16 if x else 12):
                return "bad-dccp-offset"
            if first(row, "dccp.seq") is None and first(row, "dccp.seq_raw") is None:
                return "truncated-transport-header"
        return None

    def checksum(self, row):
        """Checksums of the outermost IPv4 header and of the transport header
        right after the outer IP; headers quoted in ICMP errors or carried
        inside (SCTP over UDP 9899, tunnels) are not the packet's own."""
        protos = row["frame.protocols"][0].split(":") if row["frame.protocols"] else []
        ip_at = next((i for i, p in enumerate(protos) if p in ("ip", "ipv6")), None)
        if ip_at is None:
            return
        # A fragment's transport checksum covers the whole datagram, which
        # tshark does not have with reassembly off.
        fragment = "ipv6.fraghdr" in protos or (
            protos[ip_at] == "ip" and (first(row, "ip.flags.mf") in ("1", "True") or
                                       (as_int(first(row, "ip.frag_offset")) or 0) > 0))
        checks = ["ip.checksum.status"] if protos[ip_at] == "ip" else []
        j = ip_at + 1
        while j < len(protos) and protos[j] in IPV6_EXT_LAYERS:
            j += 1
        own = TRANSPORTS + (ICMP_LAYER[4 if protos[ip_at] == "ip" else 6],)
        if j < len(protos) and protos[j] in own and not fragment:
            checks.append(protos[j] + ".checksum.status")
        for f in checks:
            if first(row, f) == "0":
                self.bad_checksums.append((first(row, "frame.number"), f.split(".")[0]))


# --------------------------------------------------------------------------
# comparison

def compare_file(path, display, args, totals):
    ps, records, rc, ps_err = portsniff_flows(args.portsniff, path, args.decap)
    rows, trc, t_err = tshark_rows(args.tshark, path, args.check_checksums,
                                   DECAP_DECODE_AS if args.decap == "all" else ())
    if rc != 0 or trc != 0:
        if rc != 0 and trc != 0 and not rows and not ps:
            print("SKIP %s both tools reject the file: portsniff: %s | tshark: %s"
                  % (display, ps_err.splitlines()[-1] if ps_err else rc,
                     t_err.splitlines()[-1] if t_err else trc))
            totals["skipped"] += 1
            return
        print("ERROR %s portsniff exit %d%s; tshark exit %d%s"
              % (display, rc, (" (" + ps_err.splitlines()[-1] + ")") if ps_err else "",
                 trc, (" (" + t_err.splitlines()[-1] + ")") if t_err else ""))
        totals["errors"] += 1
        if not rows and not ps:
            return
    tally = TsharkTally(int(args.fragment_timeout * 1e9), args.decap)
    for row in rows:
        tally.packet(row)
        if args.check_checksums:
            tally.checksum(row)
    tally.finish()
    for frame, proto in tally.bad_checksums:
        print("BADCSUM %s frame %s %s checksum flagged by tshark" % (display, frame, proto))
        totals["bad_checksums"] += 1

    fields = ["pkts", "frame_bytes"] + ([] if args.no_ip_bytes else ["ip_bytes"])
    matched = known = mismatched = 0
    for key in sorted(set(ps) | set(tally.flows), key=lambda k: (k[0], k[1], k[2])):
        p = ps.get(key)
        t = tally.flows.get(key)
        kn = tally.known.get(key, {})
        # What tshark shows minus what the known differences remove.
        expect = new_side()
        if t:
            for d in (0, 1):
                for f in STAT_FIELDS:
                    expect[d][f] = t[d][f]
        for delta, _ in kn.values():
            for d in (0, 1):
                for f in STAT_FIELDS:
                    expect[d][f] -= delta[d][f]
        same_endpoint = key[1] == key[2]
        problems = []
        if p is None and (t is None or expect[0]["pkts"] + expect[1]["pkts"] > 0):
            problems.append(("flow", "absent", "present"))
        elif t is None and p is not None:
            problems.append(("flow", "present", "absent"))
        else:
            pv = p if p is not None else new_side()
            for f in fields:
                if same_endpoint:
                    a, b = pv[0][f] + pv[1][f], expect[0][f] + expect[1][f]
                    if a != b:
                        problems.append((f, a, b))
                    continue
                for d, name in ((0, "a>b"), (1, "b>a")):
                    if pv[d][f] != expect[d][f]:
                        raw = t[d][f] if t else 0
                        problems.append(("%s[%s]" % (f, name), pv[d][f],
                                         raw if raw == expect[d][f] else "%s(%s after known)" % (raw, expect[d][f])))
        if problems:
            mismatched += 1
            for field, a, b in problems:
                print("MISMATCH %s %s %s portsniff=%s tshark=%s" % (display, key_text(key), field, a, b))
        elif kn:
            known += 1
            for reason, (_, n) in sorted(kn.items()):
                print("KNOWN %s %s %s (%d packets)" % (display, key_text(key), reason, n))
        else:
            matched += 1
    if tally.stats["ipv6-ext-malformed"]:
        print("NOTE %s %d packets end in an IPv6 extension header tshark calls malformed: "
              "it shows no ports for them, while portsniff, which skips extension headers by "
              "their length, may count them; a MISMATCH of this file may come from them"
              % (display, tally.stats["ipv6-ext-malformed"]))
    if args.verbose:
        s = tally.stats
        print("FILE %s: %d portsniff records, %d 5-tuples; tshark: %d transport packets, "
              "%d fragments matched, %d unmatched, %d other IP, %d inner transport headers "
              "ignored, %d non-IP; %d matched, %d known, %d mismatched"
              % (display, records, len(ps), s["transport"], s["fragments-matched"],
                 s["fragments-unmatched"], s["other-ip"], s["inner-transport-ignored"],
                 s["non-ip"], matched, known, mismatched))
    totals["matched"] += matched
    totals["known"] += known
    totals["mismatched"] += mismatched
    totals["files"] += 1
    for k, v in tally.stats.items():
        totals["stat:" + k] += v


def main(argv=None):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # quiet when piped into head
    ap = argparse.ArgumentParser(
        description="Compare portsniff's per-5-tuple packet and byte counts with tshark's "
                    "per-packet dissection.")
    ap.add_argument("paths", nargs="*", metavar="FILE_OR_DIR")
    ap.add_argument("--portsniff", default=os.environ.get("PORTSNIFF", "portsniff"))
    ap.add_argument("--tshark", default=os.environ.get("TSHARK", "tshark"))
    ap.add_argument("--known-differences", action="store_true",
                    help="print the known differences and their reasons, then exit")
    ap.add_argument("--check-checksums", action="store_true",
                    help="also have tshark validate IP/TCP/UDP/SCTP/DCCP checksums and "
                         "fail on any it flags (for generated captures)")
    ap.add_argument("--fragment-timeout", type=float, default=30.0,
                    help="seconds a first fragment's flow is remembered (portsniff's default: 30)")
    ap.add_argument("--no-ip-bytes", action="store_true",
                    help="compare packets and frame bytes only")
    ap.add_argument("--decap", choices=("none", "all"), default="none",
                    help="none (default): outermost IP only, portsniff --decap=none; all: "
                         "both walk through tunnels to the innermost IP layer")
    ap.add_argument("-v", "--verbose", action="store_true", help="one summary line per file")
    args = ap.parse_args(argv)

    if args.known_differences:
        for name, why in KNOWN_DIFFERENCES.items():
            print("%s: %s" % (name, why))
        return 0
    if not args.paths:
        ap.error("no capture files given")
    for tool in (args.portsniff, args.tshark):
        if not shutil.which(tool):
            print("compare_tshark: %s not found" % tool, file=sys.stderr)
            return 2

    totals = defaultdict(int)
    with readable_captures(args.paths, "ps-compare-") as captures:
        for path, real in captures:
            if real is None:
                print("compare_tshark: %s: no such file" % path, file=sys.stderr)
                totals["errors"] += 1
                continue
            try:
                compare_file(real, path, args, totals)
            except ToolError as e:
                print("ERROR %s %s" % (path, e))
                totals["errors"] += 1

    fields = "pkts, frame_bytes" + ("" if args.no_ip_bytes else ", ip_bytes") + " per direction"
    print("packets: %d transport (%d decapsulated), %d of them ICMP/ICMPv6, %d later fragments matched, "
          "%d unmatched, %d inner transport headers ignored (ICMP-quoted or tunnelled); %d files, "
          "%d skipped, %d errors%s"
          % (totals["stat:transport"], totals["stat:decapsulated"], totals["stat:icmp"],
             totals["stat:fragments-matched"],
             totals["stat:fragments-unmatched"], totals["stat:inner-transport-ignored"],
             totals["files"], totals["skipped"], totals["errors"],
             (", %d bad checksums" % totals["bad_checksums"]) if args.check_checksums else ""))
    print("%d matched, %d known differences, %d mismatched (5-tuples; fields compared: %s)"
          % (totals["matched"], totals["known"], totals["mismatched"], fields))
    if totals["mismatched"] or totals["errors"] or totals["bad_checksums"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
