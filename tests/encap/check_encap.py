#!/usr/bin/env python3
"""Check portsniff's flows and report counters on the captures gen_encap.py
wrote against its expect.json, exactly: every inner flow with its packets
and IP bytes per direction, its service label, nothing else, and the
non-IP and malformed counts.

    check_encap.py PORTSNIFF DIR
"""

import json
import os
import subprocess
import sys

# Labels of the inner flows' server ports (IANA service names).
LABELS = {22: "ssh", 25: "smtp", 53: "domain", 80: "http", 123: "ntp", 161: "snmp",
          179: "bgp", 443: "https", 514: "syslog", 3306: "mysql", 8080: "http-alt",
          8443: "pcsync-https"}


def run(portsniff, path, *extra):
    p = subprocess.run([portsniff, "-r", path, "--flows=json", "--report=json"] + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit("FAIL: %s exit %d: %s" % (path, p.returncode, p.stderr.decode().strip()))
    flows, report = [], None
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        if r.get("record") == "flow":
            flows.append(r)
        elif r.get("record") == "report":
            report = r
    return flows, report


def main(argv):
    portsniff, d = argv[1], argv[2]
    with open(os.path.join(d, "expect.json")) as f:
        expect = json.load(f)
    failures = checked = 0
    for name, want in sorted(expect.items()):
        flows, report = run(portsniff, os.path.join(d, name + ".pcap"))
        got = {}
        for r in flows:
            key = (r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])
            got[key] = r
        problems = []
        for w in want["flows"]:
            key = (w["proto"], w["orig_h"], w["orig_p"], w["resp_h"], w["resp_p"])
            r = got.pop(key, None)
            if r is None:
                problems.append("missing flow %s" % (key,))
                continue
            for field in ("orig_pkts", "resp_pkts", "orig_ip_bytes", "resp_ip_bytes"):
                if r[field] != w[field]:
                    problems.append("%s %s=%s, want %s" % (key, field, r[field], w[field]))
            label = LABELS.get(w["resp_p"], "vxlan" if w["resp_p"] == 4789 else
                               "gtp-user" if w["resp_p"] == 2152 else None)
            if label and r.get("service") != label:
                problems.append("%s service=%s, want %s" % (key, r.get("service"), label))
        for key in got:
            problems.append("unexpected flow %s" % (key,))
        if report["non_ip"]["packets"] != want["non_ip"]:
            problems.append("non-IP packets %s, want %s" % (report["non_ip"]["packets"], want["non_ip"]))
        if report["malformed"] != want["malformed"]:
            problems.append("malformed %s, want %s" % (report["malformed"], want["malformed"]))
        other = {str(o["protocol"]): o["packets"] for o in report["other_protocols"]}
        if other != want.get("other", {}):
            problems.append("other protocols %s, want %s" % (other, want.get("other", {})))
        checked += 1
        for p in problems:
            print("FAIL: %s: %s" % (name, p))
        failures += bool(problems)
        if not problems:
            print("ok %s: %d flows, %d non-IP, %d malformed"
                  % (name, len(want["flows"]), want["non_ip"], sum(want["malformed"].values())))
    print("%d captures, %d failed" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
