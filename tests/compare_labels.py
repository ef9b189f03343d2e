#!/usr/bin/env python3
"""Check portsniff's service labels against the IANA registry CSV.

    compare_labels.py FILES_OR_DIRS... [--portsniff PATH] [--registry CSV]
                      [--portsniff-registry] [-v]

Runs `portsniff -r FILE --flows=json --report=none` on every capture file
(directories are searched recursively, .gz files are decompressed first)
and, for every flow record, looks its (proto, service_port) up in the
registry CSV read here with Python's csv module, independently of
portsniff's own registry code. The rules:

  * A row covers (transport, port) when its Port Number is that port or a
    range "LO-HI" containing it, and its Transport Protocol is that
    transport or empty (an empty transport applies to all transports).
  * The label is the best covering row: first by kind (a row with a
    Service Name whose Assignment Notes do not say 'This entry is an alias
    to "NAME"', then such an alias row, then rows with an empty Service
    Name: unnamed, Reserved, Unassigned), then a single-port row before a
    range row, then for named rows a Description and a Reference before a
    Description alone, a Reference alone, neither; then file order. A named
    label gives "service" (its name), "service_description" and
    "service_status" "registered".
  * For an empty-name label the Description decides the status: one
    starting with "Reserved" (any case) is "reserved"; one starting with
    "Unassigned" (any case), "(unassigned)", "De-registered",
    "Deregistered", "Removed", "Deprecated", "Decomissioned",
    "Decommissioned" or "De-Commissioned" is "unassigned"; any other is
    "unnamed". service is null, the description is that row's.
  * No covering row: "unregistered", service and description null.
  * Named rows on one port are one service when their Descriptions are
    equal (case and outer white space aside, and not empty), or one is an
    alias row naming the other, or both name one alias target; "service_also"
    lists the first row of every other service, in label order, alias rows
    left out (empty unless the label is named).
  * label_basis "service-code": the label is the named row whose Service
    Code is the flow's dccp_service_code (the best in the order above).

  * ICMP and ICMPv6 flows (proto "icmp") have no ports and no registry
    label: service and description null, service_status and label_basis
    "ip-protocol", service_port 0, no service_also.

Also checked: service_port is one of the flow's two ports. portsniff prints
an empty Description as null; the two count as equal.

Prints one `FAIL file flow field portsniff=X registry=Y` line per
disagreement and a closing `N passed, M failed` line (flow records); the
exit status is 1 when any failed, 2 on a usage or tool error.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from collections import defaultdict

from capture_inputs import readable_captures

TRANSPORTS = ("tcp", "udp", "sctp", "dccp")
ALIAS_MARKER = 'This entry is an alias to "'
UNASSIGNED_PREFIXES = ("unassigned", "(unassigned)", "de-registered", "deregistered", "removed",
                       "deprecated", "decomissioned", "decommissioned", "de-commissioned")
C_SPACE = " \t\n\v\f\r"
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def alias_target(notes):
    """The NAME of 'This entry is an alias to "NAME"', or None."""
    at = notes.find(ALIAS_MARKER)
    if at < 0:
        return None
    rest = notes[at + len(ALIAS_MARKER):]
    end = rest.find('"')
    return rest[:end] if end > 0 else None


def fold(text):
    return text.strip(C_SPACE).translate(ASCII_LOWER)


def rank(row, is_range):
    """Lower labels the port first; ties go to file order."""
    quality = 0
    if row["name"]:
        kind = 1 if row["alias_of"] else 0
        quality = (0 if row["description"] else 2) + (0 if row["reference"] else 1)
    else:
        kind = {"unnamed": 2, "reserved": 3}.get(empty_name_status(row["description"]), 4)
    return (kind, 1 if is_range else 0, quality)


def same_service(a, b):
    if a["description"] and fold(a["description"]) == fold(b["description"]):
        return True
    ka = (a["alias_of"] or a["name"]).translate(ASCII_LOWER)
    kb = (b["alias_of"] or b["name"]).translate(ASCII_LOWER)
    return ka == kb
class Registry:
    """(transport, port) -> covering rows, in file order."""

    def __init__(self, path):
        self.single = defaultdict(list)   # (transport, port) -> [(index, row)]
        self.ranges = []                  # (lo, hi, transport or "", index, row)
        self.codes = defaultdict(list)    # DCCP service code -> [(rank, index, row)]
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            col = {name: i for i, name in enumerate(header)}
            need = ("Service Name", "Port Number", "Transport Protocol", "Description",
                    "Reference", "Service Code", "Assignment Notes")
            missing = [n for n in need if n not in col]
            if missing:
                raise SystemExit("compare_labels: %s: no column %s" % (path, ", ".join(missing)))
            for index, rec in enumerate(reader):
                rec += [""] * (len(header) - len(rec))
                row = {
                    "name": rec[col["Service Name"]].strip(),
                    "port": rec[col["Port Number"]].strip(),
                    "transport": rec[col["Transport Protocol"]].strip().lower(),
                    "description": rec[col["Description"]],
                    "reference": rec[col["Reference"]],
                    "code": rec[col["Service Code"]].strip(),
                    "notes": rec[col["Assignment Notes"]],
                }
                row["alias_of"] = alias_target(row["notes"])
                if row["code"] and row["name"]:
                    self.codes[int(row["code"])].append((rank(row, False), index, row))
                if not row["port"]:
                    continue          # a service name without a port
                lo, _, hi = row["port"].partition("-")
                lo, hi = int(lo), int(hi or lo)
                if lo == hi:
                    for t in ([row["transport"]] if row["transport"] else TRANSPORTS):
                        self.single[(t, lo)].append((index, row))
                else:
                    self.ranges.append((lo, hi, row["transport"], index, row))

    def covering(self, transport, port):
        singles = list(self.single.get((transport, port), []))
        ranges = [(i, r) for lo, hi, t, i, r in self.ranges
                  if lo <= port <= hi and (not t or t == transport)]
        return singles, ranges

    def ordered(self, transport, port):
        """The covering rows in label order."""
        singles, ranges = self.covering(transport, port)
        rows = [(rank(r, False), i, r) for i, r in singles] + \
               [(rank(r, True), i, r) for i, r in ranges]
        return [r for _, _, r in sorted(rows, key=lambda x: (x[0], x[1]))]

    def label(self, transport, port):
        """(service, status, description, also) as portsniff should print them."""
        rows = self.ordered(transport, port)
        if not rows:
            return None, "unregistered", None, []
        first = rows[0]
        if not first["name"]:
            return None, empty_name_status(first["description"]), first["description"], []
        named = [r for r in rows if r["name"]]
        group = list(range(len(named)))
        for i in range(len(named)):
            for j in range(i):
                if same_service(named[i], named[j]):
                    hi, lo = max(group[i], group[j]), min(group[i], group[j])
                    group = [lo if g == hi else g for g in group]
        also = [r["name"] for k, r in enumerate(named)
                if k > 0 and group[k] == k and not r["alias_of"]]
        return first["name"], "registered", first["description"], also

    def by_code(self, code):
        rows = sorted(self.codes.get(code, []), key=lambda x: (x[0], x[1]))
        return rows[0][2] if rows else None


def empty_name_status(description):
    d = description.strip().lower()
    if d.startswith("reserved"):
        return "reserved"
    if d.startswith(UNASSIGNED_PREFIXES):
        return "unassigned"
    return "unnamed"


def flow_text(r):
    def ep(h, p):
        return ("[%s]:%s" % (h, p)) if ":" in h else ("%s:%s" % (h, p))
    return "%s %s -> %s" % (r.get("proto"), ep(r.get("id.orig_h"), r.get("id.orig_p")),
                            ep(r.get("id.resp_h"), r.get("id.resp_p")))


def check_file(path, display, args, reg, totals):
    cmd = [args.portsniff, "-r", path, "--flows=json", "--report=none"]
    if args.portsniff_registry:
        cmd += ["--registry", args.registry]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = proc.stderr.decode("utf-8", "replace").strip()
    lines = [l for l in proc.stdout.decode("utf-8", "replace").splitlines() if l.strip()]
    if proc.returncode != 0 and not lines:
        print("SKIP %s portsniff exit %d: %s" % (display, proc.returncode,
                                                 err.splitlines()[-1] if err else ""))
        totals["skipped"] += 1
        return
    passed = failed = 0
    for lineno, line in enumerate(lines, 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            print("FAIL %s line %d not JSON: %s" % (display, lineno, e))
            failed += 1
            continue
        problems = []
        proto, port = r.get("proto"), r.get("service_port")
        if proto == "icmp":
            for field, want in (("service", None), ("service_status", "ip-protocol"),
                                ("label_basis", "ip-protocol"), ("service_port", 0),
                                ("service_description", None), ("service_also", None)):
                if r.get(field) != want:
                    problems.append((field, json.dumps(r.get(field)), json.dumps(want)))
        elif proto not in TRANSPORTS:
            problems.append(("proto", proto, "|".join(TRANSPORTS)))
        if proto != "icmp" and port not in (r.get("id.orig_p"), r.get("id.resp_p")):
            problems.append(("service_port", port, "one of %s, %s" % (r.get("id.orig_p"), r.get("id.resp_p"))))
        if not problems and proto != "icmp":
            service, status, description, also = reg.label(proto, int(port))
            if r.get("label_basis") == "service-code":
                row = reg.by_code(r.get("dccp_service_code"))
                if row is None:
                    problems.append(("dccp_service_code", r.get("dccp_service_code"),
                                     "a registered code"))
                else:
                    service, status, description = row["name"], "registered", row["description"]
                    also = []
            checks = [("service", service), ("service_status", status),
                      ("service_description", description)]
            if "service_also" in r or args.require_also:
                checks.append(("service_also", also))
            for field, want in checks:
                if field == "service_description" and want == "":
                    want = None       # an empty Description is printed as null
                if field not in r:
                    problems.append((field, "(missing)", json.dumps(want)))
                elif r[field] != want:
                    problems.append((field, json.dumps(r[field]), json.dumps(want)))
        if problems:
            failed += 1
            for field, got, want in problems:
                print("FAIL %s %s port %s/%s %s portsniff=%s registry=%s"
                      % (display, flow_text(r), port, proto, field, got, want))
        else:
            passed += 1
            totals["status:" + r["service_status"]] += 1
    if args.verbose:
        print("FILE %s: %d passed, %d failed" % (display, passed, failed))
    totals["passed"] += passed
    totals["failed"] += failed
    totals["files"] += 1


def main(argv=None):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # quiet when piped into head
    ap = argparse.ArgumentParser(
        description="Check portsniff's service labels against the IANA registry CSV, "
                    "read independently of portsniff.")
    ap.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    ap.add_argument("--portsniff", default=os.environ.get("PORTSNIFF", "portsniff"))
    ap.add_argument("--registry", default=os.environ.get("PS_REGISTRY_CSV"),
                    help="service-names-port-numbers.csv (default: $PS_REGISTRY_CSV)")
    ap.add_argument("--portsniff-registry", action="store_true",
                    help="also pass --registry CSV to portsniff instead of testing its "
                         "built-in registry")
    ap.add_argument("--require-also", action="store_true",
                    help="fail records without a service_also field")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if not args.registry or not os.path.isfile(args.registry):
        print("compare_labels: registry CSV not found (give --registry or set PS_REGISTRY_CSV)",
              file=sys.stderr)
        return 2
    if not shutil.which(args.portsniff):
        print("compare_labels: %s not found" % args.portsniff, file=sys.stderr)
        return 2
    reg = Registry(args.registry)
    totals = defaultdict(int)
    with readable_captures(args.paths, "ps-labels-") as captures:
        for path, real in captures:
            if real is None:
                print("compare_labels: %s: no such file" % path, file=sys.stderr)
                totals["failed"] += 1
                continue
            check_file(real, path, args, reg, totals)
    statuses = ", ".join("%d %s" % (totals["status:" + s], s)
                         for s in ("registered", "unnamed", "reserved", "unassigned", "unregistered", "ip-protocol"))
    print("labels: %d files, %d skipped; passed by status: %s" % (totals["files"], totals["skipped"], statuses))
    print("%d passed, %d failed" % (totals["passed"], totals["failed"]))
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
