#!/usr/bin/env python3
"""Compare the tunnel chain of every tunnelled flow portsniff writes (JSON
`tunnel`) with tshark's dissection of the flow's first packet: the outer IP
endpoints of every tunnel in order, and each identifier (VXLAN and Geneve
VNI, GRE key, PPTP call ID, GTP-U TEID, MPLS labels, PPPoE session, ERSPAN
session, L2TP tunnel and session); the chain's VLAN IDs must be among the
frame's tags in the same order.

    check_tunnels.py PORTSNIFF TSHARK PCAP...

Prints one line per disagreement and a summary:
    N tunnelled flows, N agree with tshark, 0 disagree
"""

import json
import subprocess
import sys

FIELDS = ["frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "ieee8021ad.id", "vlan.id",
          "vxlan.vni", "geneve.vni", "gre.key", "gre.key.call_id", "gtp.teid", "mpls.label",
          "pppoe.session_id", "erspan.spanid", "l2tp.tunnel", "l2tp.session"]


def as_int(v):
    return int(v, 16) if v.startswith("0x") else int(v)


def tshark_frames(tshark, path):
    cmd = [tshark, "-r", path, "-n", "-T", "fields", "-E", "occurrence=a", "-E",
           "aggregator=,", "-E", "separator=/t",
           # Linux's VXLAN port, which portsniff decodes by default and tshark does not.
           "-d", "udp.port==8472,vxlan"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         check=True).stdout.decode()
    frames = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        v = {f: (c.split(",") if c else []) for f, c in zip(FIELDS, cols)}
        # IP headers in the order the frame has them.
        ips, i4, i6 = [], 0, 0
        for p in v["frame.protocols"][0].split(":") if v["frame.protocols"] else []:
            if p == "ip" and i4 < len(v["ip.src"]):
                ips.append((v["ip.src"][i4], v["ip.dst"][i4]))
                i4 += 1
            elif p == "ipv6" and i6 < len(v["ipv6.src"]):
                ips.append((v["ipv6.src"][i6], v["ipv6.dst"][i6]))
                i6 += 1
        protos = v["frame.protocols"][0].split(":") if v["frame.protocols"] else []
        last_t = next((p for p in reversed(protos) if p in ("tcp", "udp")), None)
        if not ips or not last_t:
            continue
        sport = v[last_t + ".srcport"][-1] if v[last_t + ".srcport"] else None
        dport = v[last_t + ".dstport"][-1] if v[last_t + ".dstport"] else None
        if sport is None:
            continue
        ids = {
            "vni": [as_int(x) for x in v["vxlan.vni"] + v["geneve.vni"]],
            "key": [as_int(x) for x in v["gre.key"]],
            "call_id": [as_int(x) for x in v["gre.key.call_id"]],
            "teid": [as_int(x) for x in v["gtp.teid"]],
            "labels": [as_int(x) for x in v["mpls.label"]],
            "pppoe": [as_int(x) for x in v["pppoe.session_id"]],
            "erspan": [as_int(x) for x in v["erspan.spanid"]],
            "l2tp": list(zip([as_int(x) for x in v["l2tp.tunnel"]],
                             [as_int(x) for x in v["l2tp.session"]])),
        }
        frames.append({"tuple": (last_t, ips[-1][0], int(sport), ips[-1][1], int(dport)),
                       "outer": ips[:-1], "ids": ids,
                       # 802.1ad S-tags come before 802.1Q C-tags.
                       "vlans": [as_int(x) for x in v["ieee8021ad.id"] + v["vlan.id"]]})
    return frames


def chain_summary(chain):
    outer, vlans = [], []
    ids = {"vni": [], "key": [], "call_id": [], "teid": [], "labels": [], "pppoe": [],
           "erspan": [], "l2tp": []}
    for layer in chain:
        t = layer["type"]
        if "src" in layer:
            outer.append((layer["src"], layer["dst"]))
        if t == "vlan":
            vlans.append(layer["id"])
        elif t in ("vxlan", "geneve"):
            ids["vni"].append(layer["vni"])
        elif t == "gre" and "key" in layer:
            ids["key"].append(layer["key"])
        elif t == "pptp":
            ids["call_id"].append(layer["call_id"])
        elif t == "gtp-u":
            ids["teid"].append(layer["teid"])
        elif t == "mpls":
            ids["labels"] += layer["labels"]
        elif t == "pppoe":
            ids["pppoe"].append(layer["session"])
        elif t == "erspan" and "session" in layer:
            ids["erspan"].append(layer["session"])
        elif t == "l2tp":
            ids["l2tp"].append((layer["tunnel_id"], layer["session_id"]))
    return outer, ids, vlans


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def main(argv):
    portsniff, tshark, paths = argv[1], argv[2], argv[3:]
    flows = agree = 0
    for path in paths:
        out = subprocess.run([portsniff, "-r", path, "--flows=json", "--report=none"],
                             stdout=subprocess.PIPE, check=True).stdout.decode()
        frames = tshark_frames(tshark, path)
        for line in out.splitlines():
            r = json.loads(line)
            if "tunnel" not in r:
                continue
            flows += 1
            fwd = (r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])
            rev = (r["proto"], r["id.resp_h"], r["id.resp_p"], r["id.orig_h"], r["id.orig_p"])
            # The record shows the originator's chain, or the responder's when
            # only it was tunnelled.
            first = next((f for f in frames if f["tuple"] == fwd and (f["outer"] or any(f["ids"].values()))), None) \
                or next((f for f in frames if f["tuple"] == rev), None)
            if first is None:
                print("NOFRAME %s: %s" % (path, fwd))
                continue
            outer, ids, vlans = chain_summary(r["tunnel"])
            problems = []
            if outer != [tuple(x) for x in first["outer"]]:
                problems.append("outer endpoints %s, tshark %s" % (outer, first["outer"]))
            for k in ids:
                if ids[k] != first["ids"][k]:
                    problems.append("%s %s, tshark %s" % (k, ids[k], first["ids"][k]))
            if not is_subsequence(vlans, first["vlans"]):
                problems.append("vlans %s not among tshark's %s" % (vlans, first["vlans"]))
            if problems:
                print("DISAGREE %s %s: %s" % (path, fwd, "; ".join(problems)))
            else:
                agree += 1
    print("%d tunnelled flows, %d agree with tshark, %d disagree" % (flows, agree, flows - agree))
    return 0 if flows and agree == flows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
