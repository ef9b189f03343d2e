#!/usr/bin/env python3
"""Checks the community_id of portsniff's flow records against a Community ID
baseline file (the spec's per-packet tuples and hashes).

usage: community_id_check.py BASELINE.json PROTOS RECORDS...

PROTOS is a comma-separated list of IP protocol numbers (6,17,132 or
6,17,132,1,58): every baseline entry of those protocols must belong to a flow
record (same protocol, its tuple the record's orig->resp or resp->orig, with
ICMP's type and counterpart or code as ports) whose community_id is the
entry's, and every record of those protocols must have at least one entry.
RECORDS are files of flow records: JSON lines, or CSV with a header
(a name ending in .csv). Prints "matched N/M" on success.
"""
import csv
import ipaddress
import json
import sys

PROTO_NUM = {"tcp": 6, "udp": 17, "sctp": 132, "dccp": 33}


def canon(a):
    return ipaddress.ip_address(a).compressed


def proto_of(rec):
    """The IP protocol of a record: its proto word, or for ICMP the label's
    IP protocol name (icmp over IPv4 is 1, ipv6-icmp is 58)."""
    p = rec["proto"]
    if p == "icmp":
        return 58 if ":" in rec["id.orig_h"] else 1
    return PROTO_NUM.get(p)


def load_records(path):
    out = []
    with open(path, newline="") as f:
        if path.endswith(".csv"):
            rows = list(csv.DictReader(f))
        else:
            rows = [json.loads(line) for line in f if line.strip()]
    for r in rows:
        if r.get("record", "flow") != "flow":
            continue
        out.append({
            "proto": proto_of(r),
            "orig": (canon(r["id.orig_h"]), int(r["id.orig_p"])),
            "resp": (canon(r["id.resp_h"]), int(r["id.resp_p"])),
            "community_id": r["community_id"],
            "where": path,
        })
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    baseline = json.load(open(sys.argv[1]))
    protos = {int(p) for p in sys.argv[2].split(",")}
    records = [r for path in sys.argv[3:] for r in load_records(path) if r["proto"] in protos]
    entries = [e for e in baseline if e["proto"] in protos]
    errors = []
    used = set()
    matched = 0
    for e in entries:
        s = (canon(e["saddr"]), e.get("sport", 0))
        d = (canon(e["daddr"]), e.get("dport", 0))
        flows = [i for i, r in enumerate(records)
                 if r["proto"] == e["proto"] and (r["orig"], r["resp"]) in ((s, d), (d, s))]
        if not flows:
            errors.append("no flow record for %s" % e)
            continue
        bad = [records[i] for i in flows if records[i]["community_id"] != e["communityid"]]
        if bad:
            errors.append("%s: community_id %s, baseline %s (%s)"
                          % (bad[0]["where"], bad[0]["community_id"], e["communityid"], e))
            continue
        used.update(flows)
        matched += 1
    for i, r in enumerate(records):
        if i not in used:
            errors.append("%s: record %s has no matching baseline entry" % (r["where"], r))
    for err in errors:
        print("community_id_check: " + err, file=sys.stderr)
    if len(entries) == 0 or len(records) == 0:
        print("community_id_check: nothing to compare", file=sys.stderr)
        return 1
    print("matched %d/%d" % (matched, len(entries)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
