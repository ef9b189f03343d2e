"""Every report format carries the same figures. For several runs over
captures/ (each file, all files together, a filter, interval reports, top
talkers exact and approximate), the report is written as text, CSV, JSON and
HTML; each is parsed back into one canonical form (tests/e2e/report_parse.py)
and all must be equal. Shares are compared at the text report's precision
(one decimal of a percent), everything else exactly."""
import os
import shutil
import subprocess
import tempfile
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_parse  # noqa: E402

PORTSNIFF = os.environ["PORTSNIFF"]
CAPS = os.path.join(os.environ["PS_SOURCE_DIR"], "captures")

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def run(args, fmt):
    p = subprocess.run([PORTSNIFF] + args + ["-q", "--report=" + fmt], capture_output=True, text=True)
    if p.returncode not in (0, 3):
        fail("portsniff %s --report=%s: exit %d: %s" % (" ".join(args), fmt, p.returncode, p.stderr))
        return None
    return p.stdout


def check(name, args, want_reports=1):
    # The HTML report shows top talkers by default; the others are asked the same.
    if "--top" not in args:
        args = args + ["--top", "0"]
    # The registry's age is told in days on the day each report is written:
    # runs that straddle midnight UTC are made again.
    for _ in range(2):
        day = int(time.time()) // 86400
        parsed = {}
        for fmt, parse in (("json", report_parse.parse_json_stream),
                           ("csv", report_parse.parse_csv_stream),
                           ("text", report_parse.parse_text_stream),
                           ("html", report_parse.parse_html_stream)):
            out = run(args, fmt)
            if out is None:
                return
            try:
                parsed[fmt] = parse(out)
            except (ValueError, KeyError, IndexError) as e:
                fail("%s: the %s report does not parse: %s" % (name, fmt, e))
                return
        if int(time.time()) // 86400 == day:
            break
    n = len(parsed["json"])
    if n < want_reports:
        fail("%s: %d reports, want at least %d" % (name, n, want_reports))
    for fmt in ("csv", "text", "html"):
        if len(parsed[fmt]) != n:
            fail("%s: %d %s reports, %d JSON reports" % (name, len(parsed[fmt]), fmt, n))
            continue
        for i, (j, o) in enumerate(zip(parsed["json"], parsed[fmt])):
            d = report_parse.diff(report_parse.at_text_precision(j), report_parse.at_text_precision(o))
            if d:
                fail("%s: report %d: JSON and %s differ at %s" % (name, i, fmt, d))
            # CSV carries the shares with the JSON report's four decimals.
            if fmt == "csv":
                d = report_parse.diff(j, o)
                if d:
                    fail("%s: report %d: JSON and CSV differ at %s" % (name, i, d))
    return parsed["json"]


def main():
    caps = sorted(os.path.join(CAPS, f) for f in os.listdir(CAPS) if f.endswith((".pcap", ".pcapng")))
    checks = 0
    for c in caps:
        check(os.path.basename(c), ["-r", c])
        checks += 1
    every = []
    for c in caps:
        every += ["-r", c]
    reports = check("all captures", every)
    checks += 1
    # The figures are not trivially zero: the run over everything has
    # services, other protocols, non-IP frames, malformed frames, fragments.
    if reports:
        r = reports[-1]
        if not (r["services"] and r["other"] and r["non_ip"][0] and r["totals"]["malformed"]
                and r["totals"]["fragments_matched"] and r["unsupported"][0]):
            fail("the run over all captures lacks figures to compare: %r" % r)
    # ICMP and ICMPv6 flows (mixed.pcapng: an echo request and reply of each,
    # frames 75-78, 98 and 118 bytes, and frame 81's echo request inside GRE,
    # 122 bytes, 84 of them the inner IP packet) are rows labelled by their
    # IP protocol, status ip-protocol, without a port list, with a transport
    # row of their own, and no other IP protocol is left; the caveat is there.
    reports = check("icmp", ["-r", os.path.join(CAPS, "mixed.pcapng")])
    checks += 1
    if reports:
        r = reports[-1]
        got = sorted(s[:7] for s in r["services"] if s[1] == "icmp")
        if got != [["icmp", "icmp", "ip-protocol", 2, 3, 318, 252],
                   ["ipv6-icmp", "icmp", "ip-protocol", 1, 2, 236, 208]]:
            fail("icmp rows: %r" % got)
        if [t[:4] for t in r["transports"] if t[0] == "icmp"] != [["icmp", 3, 5, 554]]:
            fail("icmp transport: %r" % r["transports"])
        if r["other"] or any(p[1] == "icmp" for p in r["ports"]):
            fail("icmp among other protocols or ports: %r %r" % (r["other"], r["ports"]))
        if "DOES NOT IN ANY WAY IMPLY AN ENDORSEMENT" not in r["caveat"]:
            fail("no caveat: %r" % r["caveat"])
    check("filter", ["-r", os.path.join(CAPS, "sample.pcapng"), "tcp"])
    # Top talkers, prefixes and a fixed bucket width; then talker tables of
    # two counters, so that they turn into sketches with errors.
    reports = check("top", every + ["--top", "3", "--aggregate", "/24,/64", "--bucket", "0.5"])
    if reports:
        r = reports[-1]
        if not (r["talkers"] and r["hosts"] and r["ports"] and r["series"] and r["bucket_ns"] == 500000000
                and r["aggregate"] == [24, 64] and any("/24" in t[3] for t in r["talkers"])):
            fail("the --top run lacks talkers, hosts, ports or series: %r" % r)
    reports = check("sketch", every + ["--top", "2", "--top-counters", "2"])
    checks += 2
    if reports and not any(t[8] for t in reports[-1]["talkers"]):
        fail("no talker entry has an error with --top-counters 2")
    # Interval reports on packet time: flows still open, several reports.
    reports = check("intervals", ["-r", os.path.join(CAPS, "sample.pcapng"), "--interval", "1"], 4)
    checks += 2
    if reports and not any(r["totals"]["open_flows"] for r in reports):
        fail("no interval report had open flows")
    # IPFIX destinations: one written, one refused (UDP to a closed port).
    tmp = tempfile.mkdtemp()
    try:
        reports = check("ipfix", ["-r", os.path.join(CAPS, "sample.pcapng"), "--interval", "1",
                                  "--ipfix", "file:" + os.path.join(tmp, "f.ipfix"),
                                  "--ipfix", "udp://127.0.0.1:9"], 4)
    finally:
        shutil.rmtree(tmp)
    checks += 1
    if reports:
        final = reports[-1]["ipfix"]
        if [e[0] for e in final] != ["file:" + os.path.join(tmp, "f.ipfix"), "udp://127.0.0.1:9"] \
                or final[0][3] != 12 or final[0][4] != 0 or final[1][3] + final[1][4] != 12 \
                or final[1][4] == 0:
            fail("ipfix figures %r" % final)
    print("%d checks, %d failed" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
