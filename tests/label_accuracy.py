#!/usr/bin/env python3
"""How often portsniff finds a flow's service port without its handshake.

    label_accuracy.py FILES_OR_DIRS... [--portsniff PATH] [--strip PATH]
                      [--min PERCENT] [--truth CSV] [--show N] [-v]

For every capture (directories are searched, .gz files decompressed):

  1. portsniff labels it as it is (`--flows=json --report=none`); the flows
     whose label_basis is "handshake" (or "service-code", a DCCP handshake
     whose Service Code named the service) are the reference: their service
     port is the responder's port of a seen TCP SYN, SCTP INIT or
     DCCP-Request;
  2. ps-strip-handshakes writes a copy without any handshake packet (TCP
     SYN and SYN-ACK, SCTP INIT and INIT ACK, DCCP Request and Response);
  3. portsniff labels the copy; each reference flow is matched to the flow
     of the copy with the same transport and endpoints whose time span
     overlaps its own, and the two service ports are compared. A reference
     flow made only of handshake packets (a refused connection's SYN, a
     scan probe) has nothing left to label and is counted apart.

Prints the agreement per file (with -v) and in total, broken down by the
label basis that decided in the copy, and the first --show disagreements.
With --truth (the CSV gen-label-corpus writes: transport, client, port,
server, port, handshake), every flow of both runs is also checked against
the generator's server port, which covers UDP and the connections seen
mid-way. Exit status: 1 when the total agreement is below --min percent,
2 on a usage or tool error, else 0.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict

from capture_inputs import readable_captures


def run_portsniff(portsniff, path):
    proc = subprocess.run([portsniff, "-r", path, "--flows=json", "--report=none"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode not in (0, 3):
        raise RuntimeError("%s -r %s: exit %d: %s" % (portsniff, path, proc.returncode,
                                                      proc.stderr.decode("utf-8", "replace").strip()))
    return [json.loads(l) for l in proc.stdout.decode("utf-8").splitlines() if l.strip()]


def endpoints(r):
    a = (r["id.orig_h"], r["id.orig_p"])
    b = (r["id.resp_h"], r["id.resp_p"])
    return (r["proto"],) + ((a, b) if a <= b else (b, a))


def span(r):
    return r["ts"], r["ts"] + r["duration"]


def overlaps(x, y):
    (a0, a1), (b0, b1) = span(x), span(y)
    return a0 <= b1 + 1e-6 and b0 <= a1 + 1e-6


def flow_text(r):
    def ep(h, p):
        return ("[%s]:%s" % (h, p)) if ":" in h else ("%s:%s" % (h, p))
    return "%s %s > %s" % (r["proto"], ep(r["id.orig_h"], r["id.orig_p"]),
                           ep(r["id.resp_h"], r["id.resp_p"]))


class Tally:
    def __init__(self):
        self.compared = self.agreed = self.gone = 0
        self.by_basis = defaultdict(lambda: [0, 0])   # basis -> [agreed, compared]
        self.misses = []

    def add(self, other):
        self.compared += other.compared
        self.agreed += other.agreed
        self.gone += other.gone
        for k, (a, c) in other.by_basis.items():
            self.by_basis[k][0] += a
            self.by_basis[k][1] += c
        self.misses += other.misses

    def percent(self):
        return 100.0 * self.agreed / self.compared if self.compared else 100.0


def compare(reference_run, stripped_run, display):
    t = Tally()
    index = defaultdict(list)
    for r in stripped_run:
        index[endpoints(r)].append(r)
    for ref in reference_run:
        if ref.get("label_basis") not in ("handshake", "service-code"):
            continue
        match = [r for r in index.get(endpoints(ref), []) if overlaps(r, ref)]
        if not match:
            t.gone += 1
            continue
        got = match[0]
        ok = got["service_port"] == ref["service_port"]
        t.compared += 1
        t.agreed += ok
        cell = t.by_basis[got.get("label_basis", "?")]
        cell[0] += ok
        cell[1] += 1
        if not ok:
            t.misses.append("%s %s: handshake %s, without it %s (basis %s)"
                            % (display, flow_text(ref), ref["service_port"], got["service_port"],
                               got.get("label_basis")))
    return t


def read_truth(path):
    """(transport, endpoints) -> server port, for the generator's connections."""
    truth = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            c = (row["client"], int(row["client_port"]))
            s = (row["server"], int(row["server_port"]))
            truth[(row["transport"],) + ((c, s) if c <= s else (s, c))] = s[1]
    return truth


def check_truth(runs, truth):
    """Per transport: [agreed, compared] against the generator's server ports."""
    out = defaultdict(lambda: [0, 0])
    for run in runs:
        for r in run:
            want = truth.get(endpoints(r))
            if want is None:
                continue
            cell = out[r["proto"]]
            cell[0] += r["service_port"] == want
            cell[1] += 1
    return out


def main(argv=None):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description="Service ports found without the handshake, "
                                             "compared with the handshake's.")
    ap.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    ap.add_argument("--portsniff", default=os.environ.get("PORTSNIFF", "portsniff"))
    ap.add_argument("--strip", default=os.environ.get("PS_STRIP_HANDSHAKES", "ps-strip-handshakes"))
    ap.add_argument("--min", type=float, default=0.0, metavar="PERCENT",
                    help="fail when the total agreement is below this")
    ap.add_argument("--truth", help="gen-label-corpus's connection list")
    ap.add_argument("--show", type=int, default=10, help="disagreements to print (default 10)")
    ap.add_argument("-v", "--verbose", action="store_true", help="a line per file")
    args = ap.parse_args(argv)
    for tool in (args.portsniff, args.strip):
        if not shutil.which(tool):
            print("label_accuracy: %s not found" % tool, file=sys.stderr)
            return 2
    total = Tally()
    truth_runs = []
    files = 0
    tmpdir = tempfile.mkdtemp(prefix="ps-accuracy-")
    try:
        with readable_captures(args.paths, "ps-accuracy-in-") as captures:
            for path, real in captures:
                if real is None:
                    print("label_accuracy: %s: no such file" % path, file=sys.stderr)
                    return 2
                stripped = os.path.join(tmpdir, "stripped.pcap")
                proc = subprocess.run([args.strip, real, stripped], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
                if proc.returncode not in (0, 3):
                    print("label_accuracy: %s: %s" % (path, proc.stderr.decode().strip()),
                          file=sys.stderr)
                    return 2
                try:
                    with_hs = run_portsniff(args.portsniff, real)
                    without = run_portsniff(args.portsniff, stripped)
                except RuntimeError as e:
                    print("label_accuracy: %s" % e, file=sys.stderr)
                    return 2
                t = compare(with_hs, without, path)
                if args.verbose:
                    print("FILE %s: %d of %d agree (%.2f%%), %d with nothing left"
                          % (path, t.agreed, t.compared, t.percent(), t.gone))
                total.add(t)
                truth_runs += [with_hs, without]
                files += 1
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    for line in total.misses[:args.show]:
        print("MISS " + line)
    if len(total.misses) > args.show:
        print("MISS ... %d more" % (len(total.misses) - args.show))
    print("by basis without the handshake: " + ", ".join(
        "%s %d/%d" % (k, a, c) for k, (a, c) in sorted(total.by_basis.items(),
                                                       key=lambda kv: -kv[1][1])))
    if args.truth:
        got = check_truth(truth_runs, read_truth(args.truth))
        print("against the generator's server ports (both runs): " + ", ".join(
            "%s %d/%d (%.2f%%)" % (k, a, c, 100.0 * a / c) for k, (a, c) in sorted(got.items())))
    print("label accuracy: %d files; %d of %d flows labelled without their handshake agree "
          "with it (%.2f%%); %d had no packet left but the handshake"
          % (files, total.agreed, total.compared, total.percent(), total.gone))
    if total.percent() < args.min:
        print("FAIL: agreement %.2f%% is below %.2f%%" % (total.percent(), args.min))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
