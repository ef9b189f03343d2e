#!/usr/bin/env python3
"""Run portsniff on every sample capture and assert the exact flows, labels,
counts and report figures described in captures/README.md."""
import csv
import json
import os
import subprocess
import sys

PORTSNIFF = os.environ["PORTSNIFF"]
CAPS = os.path.join(os.environ["PS_SOURCE_DIR"], "captures")

# (proto, orig, orig_port, resp, resp_port, orig_pkts, resp_pkts, orig_frame_bytes,
#  resp_frame_bytes, service label, service_port, label_basis, end_reason)
EXPECTED = {
    "tcp-http.pcap": [
        ("tcp", "192.0.2.10", 49200, "198.51.100.20", 80, 6, 5, 493, 2361, "http", 80, "handshake", "fin"),
    ],
    "dns-udp.pcap": [
        ("udp", "192.0.2.10", 51515, "198.51.100.53", 53, 1, 1, 94, 98, "domain", 53, "request", "eof"),
        ("udp", "2001:db8::10", 52626, "2001:db8:1::53", 53, 1, 1, 114, 130, "domain", 53, "request", "eof"),
    ],
    "sctp-init.pcap": [
        ("sctp", "192.0.2.10", 50300, "198.51.100.30", 3868, 6, 5, 512, 462, "diameter", 3868, "handshake", "shutdown"),
        ("sctp", "192.0.2.10", 50301, "198.51.100.31", 2905, 3, 4, 234, 272, "m3ua", 2905, "handshake", "abort"),
    ],
    "dccp-request.pcap": [
        ("dccp", "192.0.2.10", 50400, "198.51.100.60", 4556, 5, 4, 518, 304, "dtn-bundle", 4556, "service-code", "dccp-reset"),
    ],
    "ipv6-ext.pcap": [
        ("tcp", "2001:db8::10", 50500, "2001:db8:1::43", 443, 6, 4, 875, 1390, "https", 443, "handshake", "fin"),
        ("udp", "2001:db8::10", 50501, "2001:db8:1::47", 4739, 2, 0, 1884, 0, "ipfix", 4739, "request", "eof"),
    ],
    "vlan.pcap": [
        ("tcp", "192.0.2.10", 50600, "198.51.100.22", 22, 8, 4, 1005, 744, "ssh", 22, "handshake", "fin"),
        ("udp", "192.0.2.10", 50601, "203.0.113.123", 123, 1, 1, 98, 98, "ntp", 123, "request", "eof"),
    ],
    "sll.pcap": [
        ("udp", "192.0.2.10", 50700, "203.0.113.123", 123, 1, 1, 92, 92, "ntp", 123, "request", "eof"),
        ("tcp", "192.0.2.10", 50701, "198.51.100.25", 25, 5, 3, 373, 358, "smtp", 25, "handshake", "rst"),
    ],
    "sll2.pcap": [
        ("tcp", "192.0.2.10", 50800, "198.51.100.33", 3306, 5, 5, 474, 463, "mysql", 3306, "handshake", "fin"),
    ],
    # All six fragments of the two NFS datagrams count, the out-of-order ones
    # too; the lone later fragment (130 bytes) has no first fragment.
    "ipv4-frag.pcap": [
        ("udp", "192.0.2.10", 50900, "198.51.100.49", 2049, 6, 2, 6208, 188, "nfs", 2049, "request", "eof"),
    ],
    "truncated.pcap": [
        ("tcp", "192.0.2.10", 52010, "198.51.100.20", 80, 2, 0, 3028, 0, "http", 80, "ephemeral", "eof"),
    ],
    "raw-ip.pcap": [
        ("tcp", "192.0.2.10", 51000, "198.51.100.43", 443, 8, 5, 784, 2231, "https", 443, "handshake", "fin"),
        ("udp", "2001:db8::10", 51001, "2001:db8:1::53", 53, 1, 1, 104, 120, "domain", 53, "request", "eof"),
    ],
    "null-loopback.pcap": [
        ("tcp", "127.0.0.1", 51100, "127.0.0.1", 5432, 6, 3, 404, 191, "postgresql", 5432, "handshake", "fin"),
        ("tcp", "::1", 51101, "::1", 5432, 6, 3, 524, 251, "postgresql", 5432, "handshake", "fin"),
        ("tcp", "::1", 51102, "::1", 5432, 4, 2, 312, 160, "postgresql", 5432, "handshake", "fin"),
    ],
    "unsupported-link.pcap": [],
    "mixed.pcapng": [
        ("tcp", "192.0.2.10", 49310, "198.51.100.43", 443, 8, 5, 896, 2301, "https", 443, "handshake", "fin"),
        # No handshake: 40000 lies in Linux's ephemeral range, 8080 in none.
        ("tcp", "192.0.2.30", 40000, "198.51.100.40", 8080, 2, 1, 196, 103, "http-alt", 8080, "ephemeral", "eof"),
        # Neither is ephemeral; 27500 is Unassigned, 6379 registered -> the registered one.
        ("tcp", "192.0.2.31", 27500, "198.51.100.41", 6379, 2, 1, 134, 65, "redis", 6379, "registered", "eof"),
        # Both registered; 993 is a privileged client port, 5004 in BSD's older range,
        # the weaker claim: 5004.
        ("tcp", "198.51.100.42", 993, "192.0.2.32", 5004, 2, 1, 531, 96, "avt-profile-1", 5004, "ephemeral", "eof"),
        ("udp", "192.0.2.10", 50000, "198.51.100.50", 60000, 3, 3, 274, 198, "(unregistered)", 60000, "request", "eof"),
        ("tcp", "192.0.2.10", 49320, "198.51.100.70", 270, 5, 3, 355, 206, "(reserved)", 270, "handshake", "fin"),
        ("tcp", "192.0.2.10", 49322, "198.51.100.72", 272, 5, 3, 355, 206, "(unassigned)", 272, "handshake", "fin"),
        # One 5-tuple, closed and reopened: two flows.
        ("tcp", "192.0.2.10", 49330, "198.51.100.80", 80, 6, 4, 493, 701, "http", 80, "handshake", "fin"),
        ("tcp", "192.0.2.10", 49330, "198.51.100.80", 80, 6, 4, 493, 701, "http", 80, "handshake", "fin"),
        ("tcp", "192.0.2.10", 49340, "198.51.100.90", 443, 7, 3, 880, 206, "https", 443, "handshake", "fin"),
        # ICMP and ICMPv6 echo: request and reply in one flow, the type and its
        # counterpart as ports, the IP protocol as label.
        ("icmp", "192.0.2.10", 8, "198.51.100.1", 0, 1, 1, 98, 98, "(ip-protocol)", 0, "ip-protocol", "eof"),
        ("icmp", "2001:db8::10", 128, "2001:db8:1::1", 129, 1, 1, 118, 118, "(ip-protocol)", 0, "ip-protocol", "eof"),
        # Frame 81: GRE from 203.0.113.1 carrying an echo request, counted to
        # its innermost flow (the frame's 122 bytes).
        ("icmp", "192.0.2.100", 8, "198.51.100.100", 0, 1, 0, 122, 0, "(ip-protocol)", 0, "ip-protocol", "eof"),
    ],
    "sample.pcapng": [
        ("tcp", "192.0.2.10", 49400, "198.51.100.43", 443, 8, 5, 896, 2301, "https", 443, "handshake", "fin"),
        ("tcp", "2001:db8::10", 49401, "2001:db8:1::44", 443, 8, 5, 1059, 2401, "https", 443, "handshake", "fin"),
        ("tcp", "192.0.2.10", 49402, "198.51.100.20", 80, 6, 5, 493, 2007, "http", 80, "handshake", "fin"),
        # The third query to 192.0.2.53:53 is the third peer port it met: fan-in.
        ("udp", "192.0.2.10", 53001, "192.0.2.53", 53, 1, 1, 98, 102, "domain", 53, "request", "eof"),
        ("udp", "192.0.2.10", 53002, "192.0.2.53", 53, 1, 1, 101, 117, "domain", 53, "request", "eof"),
        ("udp", "192.0.2.10", 53003, "192.0.2.53", 53, 1, 1, 98, 102, "domain", 53, "fan-in", "eof"),
        ("udp", "192.0.2.10", 49403, "203.0.113.123", 123, 1, 1, 90, 90, "ntp", 123, "request", "eof"),
        ("tcp", "192.0.2.10", 49404, "203.0.113.22", 22, 8, 4, 973, 728, "ssh", 22, "handshake", "fin"),
        ("sctp", "192.0.2.10", 49405, "198.51.100.30", 3868, 7, 6, 582, 532, "diameter", 3868, "handshake", "shutdown"),
        ("dccp", "192.0.2.10", 49406, "198.51.100.60", 4556, 5, 4, 518, 304, "dtn-bundle", 4556, "service-code", "dccp-reset"),
        ("udp", "192.0.2.60", 49407, "198.51.100.14", 514, 3, 0, 417, 0, "syslog", 514, "request", "eof"),
        ("icmp", "192.0.2.10", 8, "198.51.100.1", 0, 2, 2, 196, 196, "(ip-protocol)", 0, "ip-protocol", "eof"),
    ],
}

# Report figures per capture: totals and counters that are not per flow.
REPORT = {
    "truncated.pcap": {"malformed": {
        "short-link-header": 1, "short-ipv4-header": 1, "short-tcp-header": 1,
        "bad-tcp-data-offset": 1, "bad-udp-length": 1, "bad-ipv4-header-length": 1,
        "short-sctp-header": 1, "short-dccp-header": 1, "short-ipv6-header": 1},
        "totals": {"packets": 11, "malformed": 9}},
    "unsupported-link.pcap": {"unsupported_link": {"packets": 3, "dlt": 187},
                              "totals": {"packets": 3, "bytes": 15, "flows_ended": 0}},
    "ipv4-frag.pcap": {"totals": {"packets": 9, "fragments_matched": 4, "fragments_unmatched": 1}},
    "mixed.pcapng": {"totals": {"packets": 81, "flows_ended": 13},
                     "other": {}, "non_ip": 2},
    "ipv6-ext.pcap": {"other": {50: 1, 59: 1}, "totals": {"fragments_matched": 1}},
    "sample.pcapng": {"totals": {"packets": 86, "bytes": 14401, "flows_ended": 12}, "other": {}},
}

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def flow_tuple(f):
    return (f["proto"], f["id.orig_h"], f["id.orig_p"], f["id.resp_h"], f["id.resp_p"],
            f["orig_pkts"], f["resp_pkts"], f["orig_frame_bytes"], f["resp_frame_bytes"],
            f["service"] if f["service"] is not None else "(%s)" % f["service_status"],
            f["service_port"], f["label_basis"], f["end_reason"])


def check_capture(name, expected):
    path = os.path.join(CAPS, name)
    run = subprocess.run([PORTSNIFF, "-r", path, "--flows=json", "--report=none"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        fail("%s: exit %d: %s" % (name, run.returncode, run.stderr.strip()))
        return
    got = sorted(flow_tuple(json.loads(l)) for l in run.stdout.splitlines())
    want = sorted(expected)
    if got != want:
        fail("%s: flows differ" % name)
        for t in want:
            if t not in got:
                print("   missing:", t)
        for t in got:
            if t not in want:
                print("   unexpected:", t)


def check_report(name, want):
    path = os.path.join(CAPS, name)
    run = subprocess.run([PORTSNIFF, "-r", path, "-q", "--report=json"],
                         capture_output=True, text=True)
    rep = json.loads(run.stdout)
    for key, value in want.get("totals", {}).items():
        if rep["totals"].get(key) != value:
            fail("%s: totals.%s = %r, want %r" % (name, key, rep["totals"].get(key), value))
    if "malformed" in want and rep["malformed"] != want["malformed"]:
        fail("%s: malformed %r, want %r" % (name, rep["malformed"], want["malformed"]))
    if "unsupported_link" in want and rep["unsupported_link"] != want["unsupported_link"]:
        fail("%s: unsupported_link %r" % (name, rep["unsupported_link"]))
    if "other" in want:
        got = {o["protocol"]: o["packets"] for o in rep["other_protocols"]}
        if got != want["other"]:
            fail("%s: other protocols %r, want %r" % (name, got, want["other"]))
    if "non_ip" in want and rep["non_ip"]["packets"] != want["non_ip"]:
        fail("%s: non-IP packets %r" % (name, rep["non_ip"]))
    if not rep["caveat"].startswith("PLEASE NOTE THE FOLLOWING: ASSIGNMENT OF A PORT NUMBER"):
        fail("%s: caveat missing from the JSON report" % name)


def services_of(args, stdin=None):
    run = subprocess.run([PORTSNIFF] + args + ["--flows=json", "--report=none"],
                         capture_output=True, text=True, input=stdin)
    if run.returncode != 0:
        fail("portsniff %s: exit %d: %s" % (" ".join(args), run.returncode, run.stderr.strip()))
        return []
    return sorted((f["proto"], f["id.resp_p"], f["service"]) for f in map(json.loads, run.stdout.splitlines()))


def check_inputs_and_filters():
    sample = os.path.join(CAPS, "sample.pcapng")
    dns = [("udp", 53, "domain")] * 3
    # Trailing words are a BPF expression, as in tcpdump; -F reads it from a file.
    got = services_of(["-r", sample, "udp", "port", "53"])
    if got != dns:
        fail("filter 'udp port 53' gave %r" % got)
    fpath = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ps-filter-%d" % os.getpid())
    with open(fpath, "w") as f:
        f.write("udp and\nport 53\n")
    got = services_of(["-r", sample, "-F", fpath])
    os.unlink(fpath)
    if got != dns:
        fail("-F filter gave %r" % got)
    # '-' reads standard input.
    with open(os.path.join(CAPS, "tcp-http.pcap"), "rb") as f:
        data = f.read()
    run = subprocess.run([PORTSNIFF, "-r", "-", "--flows=csv", "--report=none"],
                         capture_output=True, input=data)
    lines = run.stdout.decode().splitlines()
    if run.returncode != 0 or len(lines) != 2 or not lines[0].startswith("ts,duration,proto,id.orig_h"):
        fail("-r - gave %r" % lines)
    elif ",http," not in lines[1] or ",49200," not in lines[1]:
        fail("-r - record %r" % lines[1])
    # Several -r files form one capture; -c stops after that many packets in all.
    both = services_of(["-r", os.path.join(CAPS, "tcp-http.pcap"), "-r", os.path.join(CAPS, "sll2.pcap")])
    if both != [("tcp", 80, "http"), ("tcp", 3306, "mysql")]:
        fail("two -r files gave %r" % both)
    run = subprocess.run([PORTSNIFF, "-r", os.path.join(CAPS, "tcp-http.pcap"), "-c", "3", "-q",
                          "--report=json"], capture_output=True, text=True)
    if json.loads(run.stdout)["totals"]["packets"] != 3:
        fail("-c 3 read %r packets" % json.loads(run.stdout)["totals"]["packets"])


def check_service_selection():
    """--service keeps the flows labelled with the names given (aliases of
    the same service too) in the records and the report, whatever the port."""
    sample = os.path.join(CAPS, "sample.pcapng")
    got = services_of(["-r", sample, "--service", "https,DOMAIN"])
    if got != [("tcp", 443, "https")] * 2 + [("udp", 53, "domain")] * 3:
        fail("--service https,DOMAIN gave %r" % got)
    # www is another name of http (one description): it selects http's flows.
    got = services_of(["-r", sample, "--service", "www"])
    if got != [("tcp", 80, "http")]:
        fail("--service www gave %r" % got)
    # The report holds the selected rows; its totals still count every packet.
    run = subprocess.run([PORTSNIFF, "-r", sample, "-q", "--report=json", "--service", "ssh,ntp"],
                         capture_output=True, text=True)
    rep = json.loads(run.stdout)
    rows = sorted((r["label"], r["transport"], r["flows"], r["packets"]) for r in rep["services"])
    if rows != [("ntp", "udp", 1, 2), ("ssh", "tcp", 1, 12)]:
        fail("--service ssh,ntp report rows %r" % rows)
    if rep["totals"]["packets"] != 86:
        fail("--service ssh,ntp report totals %r" % rep["totals"])
    # A selected name no flow carries: nothing, and no error.
    got = services_of(["-r", sample, "--service", "nfs"])
    if got != []:
        fail("--service nfs gave %r" % got)


def check_other_services():
    """2049/udp is nfs and also shilp (another service, not an alias): the
    record carries it, in JSON and CSV; a flow whose port has one service
    has no service_also (JSON) and an empty column (CSV)."""
    path = os.path.join(CAPS, "ipv4-frag.pcap")
    run = subprocess.run([PORTSNIFF, "-r", path, "--flows=json", "--report=none"],
                         capture_output=True, text=True)
    recs = [json.loads(l) for l in run.stdout.splitlines()]
    also = [(r["service"], r.get("service_also")) for r in recs]
    if also != [("nfs", ["shilp"])]:
        fail("ipv4-frag.pcap service_also %r" % also)
    run = subprocess.run([PORTSNIFF, "-r", path, "--flows=csv", "--report=none"],
                         capture_output=True, text=True)
    rows = list(csv.DictReader(run.stdout.splitlines()))
    if [(r["service"], r["service_also"], r["port_service"]) for r in rows] != [("nfs", "shilp", "")]:
        fail("ipv4-frag.pcap CSV service_also %r" % rows)
    sample = os.path.join(CAPS, "sample.pcapng")
    run = subprocess.run([PORTSNIFF, "-r", sample, "--flows=json", "--report=none"],
                         capture_output=True, text=True)
    extra = [r for r in map(json.loads, run.stdout.splitlines()) if "service_also" in r or "port_service" in r]
    if extra:
        fail("sample.pcapng: unexpected service_also/port_service in %r" % extra)


def main():
    check_inputs_and_filters()
    check_service_selection()
    check_other_services()
    on_disk = sorted(f for f in os.listdir(CAPS) if f.endswith((".pcap", ".pcapng")))
    if on_disk != sorted(EXPECTED):
        fail("captures/ holds %s, expectations cover %s" % (on_disk, sorted(EXPECTED)))
    for name, flows in EXPECTED.items():
        check_capture(name, flows)
    for name, want in REPORT.items():
        check_report(name, want)
    checks = len(EXPECTED) + len(REPORT) + 10
    print("%d passed, %d failed" % (checks - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
