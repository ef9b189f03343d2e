#!/usr/bin/env python3
"""Zeek's history, conn_state, orig_bytes and resp_bytes of portsniff's flow
records, checked two ways:

1. against tshark on every capture in captures/: per TCP stream and
   direction, the sum of tcp.len over the segments tshark does not flag as
   retransmissions (what a sequence span counts); per UDP conversation the
   UDP lengths less 8;
2. on small captures made here with scapy, whose flag sequences, sequence
   numbers and expected values are written out below by hand.

Usage: zeek_history.py PORTSNIFF CAPTURES_DIR WORKDIR
"""
import collections
import glob
import json
import os
import subprocess
import sys

PS, CAPS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def fail(msg):
    failures.append(msg)
    print("zeek_history: FAIL: " + msg, file=sys.stderr)


def records(cap):
    out = subprocess.run([PS, "-r", cap, "--flows=json", "--report=none"],
                         capture_output=True, text=True, check=False)
    return [json.loads(line) for line in out.stdout.splitlines()]


def usec(t):
    """Microseconds of a decimal time string, truncated (JSON prints six
    digits, tshark nine)."""
    sec, _, frac = str(t).partition(".")
    return int(sec) * 1000000 + int((frac + "000000")[:6])


def tshark_payload(cap):
    """{(proto, first packet time in us, src, sport, dst, dport): bytes}
    per direction of each TCP stream and UDP conversation."""
    fields = ["frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
              "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.len",
              "tcp.analysis.retransmission", "udp.srcport", "udp.dstport", "udp.length"]
    cmd = ["tshark", "-r", cap, "-Y", "tcp or udp", "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    first = {}
    sums = collections.Counter()
    for line in out.splitlines():
        v = dict(zip(fields, line.split("\t")))
        # The innermost header of each kind (tunnels are not in captures/).
        last = lambda k: v[k].split(",")[-1]
        src = last("ip.src") or last("ipv6.src")
        dst = last("ip.dst") or last("ipv6.dst")
        if v["tcp.stream"]:
            conv = ("tcp", v["tcp.stream"])
            sport, dport = int(v["tcp.srcport"]), int(v["tcp.dstport"])
            n = 0 if v["tcp.analysis.retransmission"] else int(v["tcp.len"] or 0)
        elif v["udp.srcport"]:
            sport, dport = int(last("udp.srcport")), int(last("udp.dstport"))
            conv = ("udp",) + tuple(sorted([(src, sport), (dst, dport)]))
            n = int(last("udp.length")) - 8
        else:
            continue
        # tshark shows a fragmented datagram's UDP header on its last
        # fragment: UDP conversations are matched by endpoints alone.
        first.setdefault(conv, usec(v["frame.time_epoch"]) if conv[0] == "tcp" else 0)
        sums[(conv[0], first[conv], src, sport, dst, dport)] += n
    return sums


# 1. Every capture against tshark.
compared = 0
for cap in sorted(glob.glob(os.path.join(CAPS, "*.pcap*"))):
    sums = tshark_payload(cap)
    for r in records(cap):
        if r["proto"] not in ("tcp", "udp"):
            continue
        t = usec("%.6f" % r["ts"]) if r["proto"] == "tcp" else 0
        o = (r["proto"], t, r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])
        rr = (r["proto"], t, r["id.resp_h"], r["id.resp_p"], r["id.orig_h"], r["id.orig_p"])
        if not (o in sums or rr in sums):
            fail("%s: tshark has no conversation for %s" % (os.path.basename(cap), o))
            continue
        got = (r["orig_bytes"], r["resp_bytes"])
        want = (sums[o], sums[rr])
        compared += 1
        if got != want:
            fail("%s %s: orig_bytes/resp_bytes %s, tshark %s" % (os.path.basename(cap), o[2:], got, want))
if compared < 30:
    fail("only %d flows compared with tshark" % compared)

# 2. Hand-made captures: (name, packets, expected (history, conn_state,
# orig_bytes, resp_bytes)). C is the client 10.1.0.1:40000, S the server
# 10.1.0.2:80. Values follow Zeek's rules (man page, history/orig_bytes).
from scapy.all import IP, TCP, UDP, Raw, wrpcap  # noqa: E402


def c(flags, seq, ack=0, data=b""):
    p = IP(src="10.1.0.1", dst="10.1.0.2") / TCP(sport=40000, dport=80, flags=flags, seq=seq, ack=ack)
    return p / Raw(data) if data else p


def s(flags, seq, ack=0, data=b""):
    p = IP(src="10.1.0.2", dst="10.1.0.1") / TCP(sport=80, dport=40000, flags=flags, seq=seq, ack=ack)
    return p / Raw(data) if data else p


cases = [
    # Three-way handshake, 10 bytes each way, FINs: Zeek's classic.
    ("normal", [c("S", 100), s("SA", 900, 101), c("A", 101, 901), c("PA", 101, 901, b"x" * 10),
                s("A", 901, 111), s("PA", 901, 111, b"y" * 10), c("FA", 111, 911),
                s("FA", 911, 112), c("A", 112, 912)],
     ("ShADadFf", "SF", 10, 10)),
    # SYN answered by RST+ACK.
    ("rejected", [c("S", 100), s("RA", 0, 101)], ("Sr", "REJ", 0, 0)),
    # SYN, no answer, twice.
    ("no-answer", [c("S", 100), c("S", 100)], ("S", "S0", 0, 0)),
    # The client's 2nd segment (bytes 11-30) was not captured; the server
    # acknowledged it: 30 bytes by the ACK, not the 10 seen.
    ("missed-segment", [c("S", 100), s("SA", 900, 101), c("A", 101, 901), c("PA", 101, 901, b"x" * 10),
                        s("A", 901, 131)],
     ("ShADa", "S1", 30, 0)),
    # A retransmitted segment counts once.
    ("retransmission", [c("S", 100), s("SA", 900, 101), c("PA", 101, 901, b"x" * 50),
                        c("PA", 101, 901, b"x" * 50), s("A", 901, 151)],
     ("ShDa", "S1", 50, 0)),
    # Established, then reset by the originator; a RST's payload is not data.
    ("reset", [c("S", 100), s("SA", 900, 101), c("A", 101, 901), c("R", 101, 0, b"z" * 7)],
     ("ShAR", "RSTO", 0, 0)),
    # Seen in mid-stream: sides start just before their first segment.
    ("partial", [c("PA", 5000, 7000, b"x" * 40), s("PA", 7000, 5040, b"y" * 25), c("A", 5040, 7025)],
     ("DdA", "OTH", 40, 25)),
    # Sequence numbers wrap: 300 bytes across 2^32.
    ("wrap", [c("S", 0xFFFFFF00), s("SA", 900, 0xFFFFFF01), c("A", 0xFFFFFF01, 901),
              c("PA", 0xFFFFFF01, 901, b"x" * 300), s("A", 901, (0xFFFFFF01 + 300) & 0xFFFFFFFF)],
     ("ShADa", "S1", 300, 0)),
    # SYN+FIN is Q (and, a SYN then a FIN with no answer, Zeek's SH).
    ("syn-fin", [c("SF", 100)], ("Q", "SH", 0, 0)),
]
for name, pkts, want in cases:
    path = os.path.join(WORK, name + ".pcap")
    for i, p in enumerate(pkts):
        p.time = 1786960800 + i / 1000
    wrpcap(path, pkts)
    rs = records(path)
    if len(rs) != 1:
        fail("%s: %d records, want 1" % (name, len(rs)))
        continue
    r = rs[0]
    got = (r.get("history"), r["conn_state"], r["orig_bytes"], r["resp_bytes"])
    if got != want:
        fail("%s: history, conn_state, orig_bytes, resp_bytes %s, want %s" % (name, got, want))

# UDP: D/d, payload summed from the UDP lengths.
path = os.path.join(WORK, "udp.pcap")
pkts = [IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=5353, dport=53) / Raw(b"q" * n) for n in (12, 30)]
pkts.append(IP(src="10.1.0.2", dst="10.1.0.1") / UDP(sport=53, dport=5353) / Raw(b"a" * 99))
for i, p in enumerate(pkts):
    p.time = 1786960800 + i / 1000
wrpcap(path, pkts)
r = records(path)[0]
if (r["history"], r["conn_state"], r["orig_bytes"], r["resp_bytes"]) != ("Dd", "SF", 42, 99):
    fail("udp: %s" % [r["history"], r["conn_state"], r["orig_bytes"], r["resp_bytes"]])

if failures:
    sys.exit(1)
print("zeek_history: ok (%d flows of captures/ equal tshark's payload sums, %d hand-made cases)"
      % (compared, len(cases) + 1))
