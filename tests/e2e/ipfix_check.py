#!/usr/bin/env python3
"""Checks portsniff's IPFIX output against its own JSON flow records.

  ipfix_check.py file IPFIX JSON [--domain D] [--complete]
      IPFIX (an RFC 5655 file, or a stream a collector saved) decoded by
      ipfixDump and tshark: both without a complaint, tshark showing
      applicationId and applicationName. Every flow record equals one JSON
      record: endpoints, ports, protocol, packets and IP bytes each way,
      TCP flags each way, VLAN, IP version, flowEndReason, applicationId
      (RFC 6759 IANA-L4: engine 3, the service port) and applicationName;
      ICMP and ICMPv6 records: ports 0, icmpTypeCodeIPv4/IPv6 = the type
      and code of the JSON record's ports, applicationId IANA-L3 (engine 1,
      the IP protocol: 0x0101, 0x013a), applicationName icmp or ipv6-icmp.
      --complete: the last statistics record says every flow was sent.
      --no-tshark: ipfixDump only.
  ipfix_check.py nfdump DIR JSON [JSON...]
      nfdump -R DIR shows the flows of all the JSON files together: the same
      5-tuples with the same packets and bytes each way, and the same totals.
Prints one summary line; exits 1 with the reason on any difference.
"""
import collections
import json
import re
import subprocess
import sys

PROTO = {"tcp": 6, "udp": 17, "sctp": 132, "dccp": 33, "icmp": 1, "ipv6-icmp": 58}
END = {"idle": 1, "active": 2, "evicted": 5, "eof": 4}   # everything else: 3 (end detected)
# tcpdump's letters, as the JSON records write them ("none" for no flag).
FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, ".": 0x10, "U": 0x20, "E": 0x40, "W": 0x80}


def ip_proto(f):
    """The IP protocol of a JSON record: proto "icmp" is ICMPv6 (58) over IPv6, as Zeek writes it."""
    if f["proto"] == "icmp" and ":" in f["id.orig_h"]:
        return 58
    return PROTO[f["proto"]]


def icmp_type_code(f):
    """(type, code) of an ICMP record: the originator's type is id.orig_p; id.resp_p is the
    counterpart type of a request or reply (code 0), or the code of a one-way message."""
    t = f["id.orig_p"]
    return t, (0 if t in ICMP_PAIRED[ip_proto(f)] else f["id.resp_p"])


def fail(msg):
    print("ipfix_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def load_json(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def flag_bits(letters):
    return sum(FLAG_BITS.get(c, 0) for c in letters or "")


def decode_ipfixdump(path):
    """[(domain, seq, tid, {field: value})] from ipfixDump's text."""
    p = subprocess.run(["ipfixDump", "--hexdump=64", "--in", path], capture_output=True, text=True)
    if p.returncode != 0 or p.stderr.strip():
        fail("ipfixDump %s: exit %d: %s" % (path, p.returncode, p.stderr.strip()[:500]))
    recs, domain, seq, cur = [], None, None, None
    for line in p.stdout.splitlines():
        m = re.match(r"export time: .*observation domain id: (\d+)", line)
        if m:
            domain = int(m.group(1))
            continue
        m = re.match(r"message length: \d+\s+sequence number: (\d+)", line)
        if m:
            seq = int(m.group(1))
            continue
        m = re.match(r"\s+count: \d+\s+tid:\s+(\d+)", line)
        if m:
            cur = (domain, seq, int(m.group(1)), {})
            recs.append(cur)
            continue
        m = re.match(r"\s+\((?:\d+/)?\d+\)(?: \(S\))?\s+(\w+) : (.*)$", line)
        if m and cur is not None:
            cur[3][m.group(1)] = m.group(2).strip()
    if "File Stats" not in p.stdout:
        fail("ipfixDump %s: no file statistics" % path)
    return recs


def check_tshark(path, nflows):
    p = subprocess.run(["tshark", "-r", path, "-V"], capture_output=True, text=True)
    if p.returncode != 0:
        fail("tshark %s: exit %d: %s" % (path, p.returncode, p.stderr[-500:]))
    out = p.stdout
    for bad in ("Malformed", "Expert Info (Error", "Dissector bug", "[Packet size limited", "Unknown(0)"):
        if bad in out:
            fail("tshark %s: '%s' in its decode" % (path, bad))
    engines = len(re.findall(r"Classification Engine ID: IANA-L[34] \([13]\)", out))
    names = len(re.findall(r"^\s+ApplicationName: ", out, re.M))
    if engines != nflows or names != nflows:
        fail("tshark %s: %d applicationId and %d applicationName for %d flows" % (path, engines, names, nflows))
    return engines


def app_value(s):
    return s.split(") ", 1)[1] if s.startswith("(len:") else s


def expected_app_id(f):
    if f["proto"] in ("icmp", "ipv6-icmp"):
        return "0x01%02x" % ip_proto(f)
    return "0x03%04x" % f["service_port"]


def ipfix_key(r):
    """An ICMP record's ports are 0: its type and code, the key's fourth item, tell its flows apart."""
    src = r.get("sourceIPv4Address") or r.get("sourceIPv6Address")
    dst = r.get("destinationIPv4Address") or r.get("destinationIPv6Address")
    icmp = r.get("icmpTypeCodeIPv4") or r.get("icmpTypeCodeIPv6") or 0
    return (int(r["protocolIdentifier"]), norm_addr(src), int(r["sourceTransportPort"]), int(icmp),
            norm_addr(dst), int(r["destinationTransportPort"]))


def norm_addr(a):
    import ipaddress
    return str(ipaddress.ip_address(a))


def json_key(f):
    return (ip_proto(f), norm_addr(f["id.orig_h"]), f["id.orig_p"], norm_addr(f["id.resp_h"]), f["id.resp_p"])


def cmd_file(args):
    path, jpath = args[0], args[1]
    domain = int(args[args.index("--domain") + 1]) if "--domain" in args else 0
    flows = load_json(jpath)
    recs = decode_ipfixdump(path)
    frecs = [r for r in recs if r[2] in (256, 257)]
    stats = [r for r in recs if r[2] == 258]
    for d, _seq, _tid, _f in recs:
        if d != domain:
            fail("%s: observation domain %d, expected %d" % (path, d, domain))
    if len(frecs) != len(flows):
        fail("%s: %d flow records, JSON has %d" % (path, len(frecs), len(flows)))
    byk = collections.defaultdict(list)
    for f in flows:
        k = json_key(f)
        if f["proto"] in ("icmp", "ipv6-icmp"):
            t, c = icmp_type_code(f)
            byk[(k[0], k[1], 0, t << 8 | c, k[3], 0)].append(f)
        else:
            byk[(k[0], k[1], k[2], 0, k[3], k[4])].append(f)
    for _d, _s, tid, r in frecs:
        k = ipfix_key(r)
        if not byk.get(k):
            fail("%s: flow record %r matches no JSON record" % (path, k))
        f = byk[k].pop(0)
        want = {
            "packetDeltaCount": f["orig_pkts"], "reversePacketDeltaCount": f["resp_pkts"],
            "octetDeltaCount": f["orig_ip_bytes"], "reverseOctetDeltaCount": f["resp_ip_bytes"],
            "vlanId": f.get("vlan", 0), "ipVersion": 6 if tid == 257 else 4,
            "flowEndReason": END.get(f["end_reason"], 3),
            "tcpControlBits": flag_bits(f.get("orig_tcp_flags")),
            "reverseTcpControlBits": flag_bits(f.get("resp_tcp_flags")),
        }
        if f["proto"] in ("icmp", "ipv6-icmp"):
            t, c = icmp_type_code(f)
            want["icmpTypeCodeIPv6" if tid == 257 else "icmpTypeCodeIPv4"] = t << 8 | c
        for name, v in want.items():
            if int(r[name]) != v:
                fail("%s: %r %s is %s, JSON says %s" % (path, k, name, r[name], v))
        if (tid == 257) != (":" in f["id.orig_h"]):
            fail("%s: %r in template %d" % (path, k, tid))
        if app_value(r["applicationId"]) != expected_app_id(f):
            fail("%s: %r applicationId %s, expected %s" % (path, k, r["applicationId"], expected_app_id(f)))
        name = app_value(r["applicationName"])
        if f["proto"] in ("icmp", "ipv6-icmp"):
            # No registry service: the IP protocol's keyword names it.
            want_name = "icmp" if ip_proto(f) == 1 else "ipv6-icmp"
        else:
            want_name = f["service"] or "(%s)" % f["service_status"]
        if name != want_name:
            fail("%s: %r applicationName '%s', expected %r (JSON service %r, status %s)"
                 % (path, k, name, want_name, f["service"], f["service_status"]))
    if not stats:
        fail("%s: no exporter statistics record" % path)
    last = stats[-1][3]
    if int(last["observedFlowTotalCount"]) != len(flows):
        fail("%s: observedFlowTotalCount %s, %d flows" % (path, last["observedFlowTotalCount"], len(flows)))
    if "--complete" in args and (int(last["exportedFlowRecordTotalCount"]) != len(flows)
                                 or int(last["notSentFlowTotalCount"]) != 0):
        fail("%s: statistics %r" % (path, last))
    if "--no-tshark" not in args:
        check_tshark(path, len(flows))
    print("ipfix_check: %s: %d flow records equal the JSON records; ipfixDump and tshark decode it; "
          "%d statistics records" % (path, len(frecs), len(stats)))


def cmd_nfdump(args):
    d, jpaths = args[0], args[1:]
    flows = [f for p in jpaths for f in load_json(p)]
    fmt = "fmt:%pr|%sa|%sp|%da|%dp|%ipkt|%opkt|%ibyt|%obyt"
    p = subprocess.run(["nfdump", "-R", d, "-q", "-N", "-o", fmt], capture_output=True, text=True)
    if p.returncode != 0:
        fail("nfdump -R %s: exit %d: %s" % (d, p.returncode, p.stderr[-300:]))
    got = collections.Counter()
    for line in p.stdout.splitlines():
        parts = [x.strip() for x in line.split("|")]
        if len(parts) != 9:
            continue
        proto = int(parts[0])
        # nfdump shows no destination port for SCTP and DCCP; ICMP as type.code in the destination port.
        got[(proto, norm_addr(parts[1]), parts[2], norm_addr(parts[3]), parts[4],
             int(parts[5]), int(parts[6]), int(parts[7]), int(parts[8]))] += 1
    want = collections.Counter()
    for f in flows:
        proto = ip_proto(f)
        sp, dp = str(f["id.orig_p"]), str(f["id.resp_p"])
        if proto in (1, 58):
            sp, dp = "0", "%d.%d" % icmp_type_code(f)
        elif proto not in (6, 17):
            dp = "0"
        want[(proto, norm_addr(f["id.orig_h"]), sp, norm_addr(f["id.resp_h"]), dp,
              f["orig_pkts"], f["resp_pkts"], f["orig_ip_bytes"], f["resp_ip_bytes"])] += 1
    if got != want:
        missing = list((want - got).elements())[:5]
        extra = list((got - want).elements())[:5]
        fail("nfdump -R %s differs from the JSON records: missing %r, extra %r" % (d, missing, extra))
    pk = sum(f["orig_pkts"] + f["resp_pkts"] for f in flows)
    by = sum(f["orig_ip_bytes"] + f["resp_ip_bytes"] for f in flows)
    print("ipfix_check: nfdump -R %s: %d flows, %d packets, %d bytes, each flow and direction as in %d JSON file(s)"
          % (d, len(flows), pk, by, len(jpaths)))


ICMP_PAIRED = {1: (0, 8, 9, 10, 13, 14, 15, 16, 17, 18), 58: (128, 129, 130, 131, 133, 134, 135, 136, 139, 140, 144, 145)}


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    {"file": cmd_file, "nfdump": cmd_nfdump}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
