"""Read portsniff reports (text, CSV, JSON) back into one canonical form, so
that tests can check that every format carries the same figures.

A canonical report is a dict:
  report      "final" or "interval"
  first_ts, last_ts   microseconds since the epoch, or None
  inputs      [str]
  registry    [source, date or None, age in days or None]
  services    [[label, transport, status, flows, packets, bytes, ip_bytes, share]]
  other       [[name, packets, bytes, share]]
  non_ip      [packets, bytes]
  unsupported [packets, dlt or None]
  totals      {packets, bytes, flows_created, flows_ended, open_flows, flows_evicted,
               peak_flows, fragments_matched, fragments_unmatched,
               fragment_cache_evictions, malformed}
  malformed   {reason: count}
  kernel      {received, dropped, interface_dropped} or None
  transports  [[transport, flows, packets, bytes, share]]
  ports       [[label, transport, port, flows, packets, bytes]]
  other_ports [[label, transport, ports, flows, packets, bytes]] (rows with ports left out)
  top         --top; aggregate [v4, v6] when top > 0, else None
  talkers     [[label, transport, role, endpoint, flows, packets, bytes, share, error]]
  hosts       [[endpoint, flows, packets, bytes, share, error]]
  bucket_ns   the series' bucket width when it has rows, else None
  series      [[bucket start (us), label, transport, flows, packets, bytes]]
  tunnels     [[type, outer a, outer b, id, flows, packets, bytes, share]] ("" where none;
               the id as the flow records' compact form writes it), then
               ["+N", flows, packets, bytes] when rows were summed
  caveat      the caveat's words, as one space-separated string
Shares are strings with four decimals ("0.4263"); at_text_precision() turns
them into tenths of a percent for comparison with the text report."""
import csv
import datetime
import io
import json
import re
from html.parser import HTMLParser

STATUS_OF_LABEL = {"(unregistered)": "unregistered", "(reserved)": "reserved",
                   "(unassigned)": "unassigned", "(unnamed)": "unnamed"}


def text_status(label, transport):
    """The status the text report leaves out: ICMP and ICMPv6 rows (transport
    icmp) are labelled by their IP protocol, the others by the registry."""
    if transport == "icmp":
        return "ip-protocol"
    return STATUS_OF_LABEL.get(label, "registered")


def usec(ts):
    """'1786960800.000310' -> 1786960800000310 (exact, no float)."""
    if ts is None:
        return None
    sec, _, frac = str(ts).partition(".")
    return int(sec) * 1000000 + int((frac + "000000")[:6])


def iso_usec(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond


def words(s):
    return " ".join(s.split())


def share_str(x):
    return "%.4f" % float(x)


def at_text_precision(rep):
    """A copy with every share as tenths of a percent, rounded half up from
    the four-decimal fraction (the text report rounds the exact fraction,
    so the two may differ by one tenth only when the fraction is exactly
    halfway at four decimals: those are compared as equal)."""
    def tenths(s):
        if isinstance(s, int):
            return s
        v = int(s.replace(".", ""))  # share in 1e-4 units = hundredths of a percent
        return v // 10 if v % 10 < 5 else v // 10 + 1 if v % 10 > 5 else ("half", v // 10)
    def at(rows, i):
        return [r[:i] + [tenths(r[i])] + r[i + 1:] for r in rows]
    out = dict(rep)
    out["services"] = at(rep["services"], 7)
    out["other"] = at(rep["other"], 3)
    out["transports"] = at(rep["transports"], 4)
    out["talkers"] = at(rep["talkers"], 7)
    out["hosts"] = at(rep["hosts"], 4)
    out["tunnels"] = [t[:7] + [tenths(t[7])] if len(t) == 8 else t for t in rep["tunnels"]]
    return out


def seconds_ns(s):
    """'0.1' -> 100000000."""
    sec, _, frac = str(s).partition(".")
    return int(sec) * 1000000000 + int((frac + "000000000")[:9])


def finish(r):
    """The parts every parser derives the same way."""
    if not r["series"]:
        r["bucket_ns"] = None
    if not r["top"]:
        r["aggregate"] = None
    return r


def match_halves(a, b):
    """Equal at text precision, a half-way share matching either neighbour."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a == b
    if isinstance(a, tuple) and a[0] == "half":
        return b in (a[1], a[1] + 1)
    if isinstance(b, tuple) and b[0] == "half":
        return a in (b[1], b[1] + 1)
    return a == b


def diff(a, b, path=""):
    """The first place two canonical reports differ (shares at text
    precision, see at_text_precision), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return "%s.%s present in one only" % (path, k)
            d = diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d entries vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if match_halves(a, b) else "%s: %r vs %r" % (path, a, b)


# ---- JSON ----

def json_tunnel_id(o):
    for k in ("vni", "key", "teid", "session", "call_id", "id"):
        if k in o:
            return str(o[k])
    if "labels" in o:
        return ":".join(str(x) for x in o["labels"])
    if "tunnel_id" in o:
        return "%d:%d" % (o["tunnel_id"], o["session_id"])
    return ""


def json_tunnels(j):
    rows = [[o["type"], o.get("src", ""), o.get("dst", ""), json_tunnel_id(o), o["flows"], o["packets"],
             o["bytes"], share_str(o["share"])] for o in j["tunnels"]]
    other = j["tunnels_other"]
    if other["tunnels"]:
        rows.append(["+%d" % other["tunnels"], other["flows"], other["packets"], other["bytes"]])
    return rows


def from_json(j):
    t = j["totals"]
    return {
        "report": j["report"],
        "first_ts": usec(j["first_ts"]),
        "last_ts": usec(j["last_ts"]),
        "inputs": list(j["inputs"]),
        "registry": [j["registry"]["source"], j["registry"]["date"], j["registry"]["age_days"]],
        "services": [[s["label"], s["transport"], s["status"], s["flows"], s["packets"], s["bytes"],
                      s["ip_bytes"], share_str(s["share"])] for s in j["services"]],
        "other": [[o["name"], o["packets"], o["bytes"], share_str(o["share"])]
                  for o in j["other_protocols"]],
        "non_ip": [j["non_ip"]["packets"], j["non_ip"]["bytes"]],
        "unsupported": [j["unsupported_link"]["packets"], j["unsupported_link"]["dlt"]],
        "totals": {k: t[k] for k in ("packets", "bytes", "flows_created", "flows_ended", "open_flows",
                                     "flows_evicted", "peak_flows", "fragments_matched",
                                     "fragments_unmatched", "fragment_cache_evictions", "malformed")},
        "malformed": dict(j["malformed"]),
        "kernel": dict(j["kernel"]) if "kernel" in j else None,
        "ipfix": [[e["destination"], e["messages"], e["octets"], e["records"], e["not_sent_records"],
                   e["not_sent_packets"], e["not_sent_octets"]] for e in j.get("ipfix", [])],
        "transports": [[t["transport"], t["flows"], t["packets"], t["bytes"], share_str(t["share"])]
                       for t in j["transports"]],
        "ports": [[s["label"], s["transport"], p["port"], p["flows"], p["packets"], p["bytes"]]
                  for s in j["services"] for p in s.get("ports", [])],
        "other_ports": [[s["label"], s["transport"], s["other_ports"]["ports"], s["other_ports"]["flows"],
                         s["other_ports"]["packets"], s["other_ports"]["bytes"]]
                        for s in j["services"] if s.get("other_ports", {}).get("ports")],
        "top": j["top"],
        "aggregate": [j["aggregate"]["ipv4"], j["aggregate"]["ipv6"]],
        "talkers": [[s["label"], s["transport"], role, t["endpoint"], t["flows"], t["packets"], t["bytes"],
                     share_str(t["share"]), t["error"]]
                    for s in j["services"]
                    for role, key in (("server", "top_servers"), ("client", "top_clients"))
                    for t in s.get(key, [])],
        "hosts": [[t["endpoint"], t["flows"], t["packets"], t["bytes"], share_str(t["share"]), t["error"]]
                  for t in j.get("top_hosts", [])],
        "bucket_ns": seconds_ns(j["bucket_seconds"]),
        "series": [[usec(x["bucket_start"]), x["label"], x["transport"], x["flows"], x["packets"], x["bytes"]]
                   for x in j["series"]],
        "tunnels": json_tunnels(j),
        "caveat": words(j["caveat"]),
    }


def parse_json_stream(text):
    # Timestamps and shares are kept as the strings written.
    dec, pos, out = json.JSONDecoder(parse_float=str), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return out
        obj, pos = dec.raw_decode(text, pos)
        out.append(finish(from_json(obj)))


# ---- CSV ----

CSV_HEADER = ["kind", "name", "transport", "status", "bucket_start", "endpoint", "flows", "packets", "bytes",
              "ip_bytes", "share", "error", "value"]
CSV_TOTALS = {"flows-created": ("flows", "flows_created"), "open-flows": ("flows", "open_flows"),
              "peak-flows": ("flows", "peak_flows"), "evicted-flows": ("flows", "flows_evicted"),
              "fragments-matched": ("packets", "fragments_matched"),
              "fragments-unmatched": ("packets", "fragments_unmatched"),
              "fragment-cache-evictions": ("packets", "fragment_cache_evictions")}


def from_csv_rows(rows):
    r = {"inputs": [], "services": [], "other": [], "malformed": {}, "kernel": None,
         "totals": {}, "non_ip": None, "unsupported": None, "transports": [], "ports": [],
         "other_ports": [], "talkers": [], "hosts": [], "series": [], "aggregate": [None, None],
         "ipfix": [], "tunnels": []}
    for row in rows:
        if len(row) != len(CSV_HEADER):
            raise ValueError("CSV row with %d fields: %r" % (len(row), row))
        d = dict(zip(CSV_HEADER, row))
        kind, name, value = d["kind"], d["name"], d["value"]
        if kind == "info":
            if name == "report":
                r["report"] = value
            elif name in ("first_ts", "last_ts"):
                r[name] = usec(value) if value else None
            elif name == "input":
                r["inputs"].append(value)
            elif name == "registry_source":
                r["reg_source"] = value or None
            elif name == "registry_date":
                r["reg_date"] = value or None
            elif name == "registry_age_days":
                r["reg_age"] = int(value) if value else None
            elif name == "top":
                r["top"] = int(value)
            elif name == "aggregate_ipv4":
                r["aggregate"][0] = int(value)
            elif name == "aggregate_ipv6":
                r["aggregate"][1] = int(value)
            elif name == "bucket_seconds":
                r["bucket_ns"] = seconds_ns(value)
            else:
                raise ValueError("unknown info row %r" % name)
        elif kind == "service":
            r["services"].append([name, d["transport"], d["status"], int(d["flows"]), int(d["packets"]),
                                  int(d["bytes"]), int(d["ip_bytes"]), d["share"]])
        elif kind == "transport":
            r["transports"].append([d["transport"], int(d["flows"]), int(d["packets"]), int(d["bytes"]),
                                    d["share"]])
        elif kind in ("port", "other-ports"):
            r["ports" if kind == "port" else "other_ports"].append(
                [name, d["transport"], int(value), int(d["flows"]), int(d["packets"]), int(d["bytes"])])
        elif kind in ("top-server", "top-client"):
            r["talkers"].append([name, d["transport"], kind[4:], d["endpoint"], int(d["flows"]),
                                 int(d["packets"]), int(d["bytes"]), d["share"], int(d["error"])])
        elif kind == "top-host":
            r["hosts"].append([d["endpoint"], int(d["flows"]), int(d["packets"]), int(d["bytes"]), d["share"],
                               int(d["error"])])
        elif kind == "series":
            r["series"].append([usec(d["bucket_start"]), name, d["transport"], int(d["flows"]),
                                int(d["packets"]), int(d["bytes"])])
        elif kind == "other-protocol":
            r["other"].append([name, int(d["packets"]), int(d["bytes"]), d["share"]])
        elif kind == "non-ip":
            r["non_ip"] = [int(d["packets"]), int(d["bytes"])]
        elif kind == "tunnel":
            a, _, b = d["endpoint"].partition("-")
            r["tunnels"].append([name, a, b, value, int(d["flows"]), int(d["packets"]), int(d["bytes"]),
                                 d["share"]])
        elif kind == "other-tunnels":
            r["tunnels"].append(["+" + value, int(d["flows"]), int(d["packets"]), int(d["bytes"])])
        elif kind == "total":
            if name == "all":
                r["totals"].update(flows_ended=int(d["flows"]), packets=int(d["packets"]),
                                   bytes=int(d["bytes"]))
            elif name == "unsupported-link":
                r["unsupported"] = [int(d["packets"]), int(value) if value else None]
            else:
                col, key = CSV_TOTALS[name]
                r["totals"][key] = int(d[col])
        elif kind == "malformed":
            if name == "all":
                r["totals"]["malformed"] = int(d["packets"])
            else:
                r["malformed"][name] = int(d["packets"])
        elif kind == "kernel":
            r["kernel"] = r["kernel"] or {}
            r["kernel"][name.replace("-", "_")] = int(d["packets"])
        elif kind == "ipfix":
            r["ipfix"].append([name, int(d["packets"]), int(d["bytes"]), int(d["flows"])])
        elif kind == "ipfix-not-sent":
            e = r["ipfix"][-1]
            if e[0] != name:
                raise ValueError("ipfix-not-sent row for %r after %r" % (name, e[0]))
            e += [int(d["flows"]), int(d["packets"]), int(d["ip_bytes"])]
        elif kind == "caveat":
            r["caveat"] = words(value)
        else:
            raise ValueError("unknown CSV row kind %r" % kind)
    r["registry"] = [r.pop("reg_source"), r.pop("reg_date"), r.pop("reg_age")]
    return finish(r)


def parse_csv_stream(text):
    out, cur = [], None
    for row in csv.reader(io.StringIO(text)):
        if row == CSV_HEADER:
            if cur is not None:
                out.append(from_csv_rows(cur))
            cur = []
        elif cur is None:
            raise ValueError("CSV report without its header: %r" % row)
        else:
            cur.append(row)
    if cur is not None:
        out.append(from_csv_rows(cur))
    return out


# ---- text ----

def ints(pattern, line):
    m = re.fullmatch(pattern, line)
    if not m:
        raise ValueError("line %r is not %r" % (line, pattern))
    return [int(x) for x in m.groups()]


def pct(s):
    """'46.2%' -> 462 tenths of a percent."""
    if not s.endswith("%"):
        raise ValueError("share %r" % s)
    whole, _, tenth = s[:-1].partition(".")
    return int(whole) * 10 + int(tenth)


def blocks(lines):
    out, cur = [], []
    for line in lines:
        if line == "":
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(line)
    if cur:
        out.append(cur)
    return out


def table(block, header):
    """Rows of a column table whose header line starts with header."""
    if not block[0].startswith(header):
        raise ValueError("table header %r, want %r" % (block[0], header))
    return [line.split() for line in block[1:]]


def from_text(lines):
    r = {"other": [], "malformed": {}, "kernel": None, "non_ip": [0, 0], "unsupported": [0, None],
         "transports": [], "ports": [], "other_ports": [], "talkers": [], "hosts": [], "series": [],
         "top": 0, "aggregate": None, "bucket_ns": None, "ipfix": [], "tunnels": []}
    bs = blocks(lines)
    head = bs.pop(0)
    m = re.fullmatch(r"portsniff report \((final|interval)\): (?:(\S+) to (\S+)|no packets)", head[0])
    if not m:
        raise ValueError("title")
    r["report"] = m.group(1)
    r["first_ts"] = iso_usec(m.group(2)) if m.group(2) else None
    r["last_ts"] = iso_usec(m.group(3)) if m.group(3) else None
    inputs = head[1][len("inputs: "):]
    r["inputs"] = [] if inputs == "-" else inputs.split(", ")
    m = re.fullmatch(r"registry: (.*), (?:updated (\d{4}-\d\d-\d\d)(?:, (-?\d+) days old on "
                     r"\d{4}-\d\d-\d\d)?|date unknown)", head[2])
    if not m:
        raise ValueError("registry line")
    r["registry"] = [None if m.group(1) == "-" else m.group(1), m.group(2),
                     int(m.group(3)) if m.group(3) else None]
    r["services"] = []
    for f in table(bs.pop(0), "service "):
        if f == ["(no", "flows", "ended)"]:
            continue
        r["services"].append([f[0], f[1], text_status(f[0], f[1]), int(f[2]), int(f[3]),
                              int(f[4]), int(f[5]), pct(f[6])])
    caveat = []
    for b in bs:
        first = b[0]
        if first.startswith("transport "):
            r["transports"] = [[f[0], int(f[1]), int(f[2]), int(f[3]), pct(f[4])] for f in table(b, "transport")]
        elif first.startswith("ip protocol"):
            for f in table(b, "ip protocol"):
                if f[0] == "non-ip":
                    r["non_ip"] = [int(f[1]), int(f[2])]
                else:
                    r["other"].append([f[0], int(f[1]), int(f[2]), pct(f[3])])
        elif first.startswith("tunnels (a frame counts"):
            for f in table(b[1:], "encapsulation"):
                if f[0].startswith("+"):
                    r["tunnels"].append([f[0], int(f[5]), int(f[6]), int(f[7])])
                else:
                    r["tunnels"].append([f[0], "" if f[1] == "-" else f[1], "" if f[2] == "-" else f[2],
                                         "" if f[3] == "-" else f[3], int(f[4]), int(f[5]), int(f[6]),
                                         pct(f[7])])
        elif first.startswith("ports without a named service"):
            for f in table(b[1:], "service"):
                if f[2].startswith("+"):
                    r["other_ports"].append([f[0], f[1], int(f[2][1:]), int(f[4]), int(f[5]), int(f[6])])
                else:
                    r["ports"].append([f[0], f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5])])
        elif first.startswith("top ") and "talkers per service" in first:
            top, v4, v6 = ints(r"top (\d+) talkers per service by bytes \(hosts by /(\d+) for IPv4, /(\d+) for "
                               r"IPv6; share of the service's bytes\)", first)
            r["top"], r["aggregate"] = top, [v4, v6]
            for f in table(b[1:], "service"):
                r["talkers"].append([f[0], f[1], f[2], f[3], int(f[4]), int(f[5]), int(f[6]), pct(f[7]),
                                     int(f[8]) if len(f) > 8 else 0])
        elif first.startswith("top ") and "hosts by bytes" in first:
            for f in table(b[1:], "host"):
                r["hosts"].append([f[0], int(f[1]), int(f[2]), int(f[3]), pct(f[4]),
                                   int(f[5]) if len(f) > 5 else 0])
        elif first.startswith("time series:"):
            m = re.fullmatch(r"time series: flows started, packets and bytes per (\S+) s bucket", first)
            if not m:
                raise ValueError("series title %r" % first)
            r["bucket_ns"] = seconds_ns(m.group(1))
            for f in table(b[1:], "bucket start"):
                r["series"].append([iso_usec(f[0]), f[1], f[2], int(f[3]), int(f[4]), int(f[5])])
        elif first.startswith("unsupported link type:") or first.startswith("totals:"):
            it = iter(b)
            line = next(it)
            if line.startswith("unsupported link type:"):
                p, dlt = ints(r"unsupported link type: (\d+) packets \(DLT (-?\d+)\)", line)
                r["unsupported"] = [p, dlt]
                line = next(it)
            t = {}
            t["packets"], t["bytes"] = ints(r"totals: packets (\d+), bytes (\d+)", line)
            (t["flows_created"], t["flows_ended"], t["open_flows"], t["peak_flows"],
             t["flows_evicted"]) = ints(r"flows: created (\d+), ended (\d+), open (\d+), peak (\d+), "
                                        r"evicted (\d+)", next(it))
            t["fragments_matched"], t["fragments_unmatched"], t["fragment_cache_evictions"] = ints(
                r"fragments: matched (\d+), unmatched (\d+), cache evictions (\d+)", next(it))
            (t["malformed"],) = ints(r"malformed: (\d+)", next(it))
            r["totals"] = t
            for line in it:
                m = re.fullmatch(r"  (\S+): (\d+)", line)
                if m:
                    r["malformed"][m.group(1)] = int(m.group(2))
                elif line.startswith("kernel:"):
                    k = ints(r"kernel: received (\d+), dropped (\d+), interface dropped (\d+)", line)
                    r["kernel"] = dict(zip(("received", "dropped", "interface_dropped"), k))
                elif line.startswith("ipfix "):
                    m = re.fullmatch(r"ipfix (\S+): sent (\d+) records in (\d+) messages, (\d+) bytes; "
                                     r"not sent (\d+) records \((\d+) packets, (\d+) bytes\)", line)
                    if not m:
                        raise ValueError("ipfix line %r" % line)
                    rec, msgs, octs, nr, np_, no = (int(x) for x in m.groups()[1:])
                    r["ipfix"].append([m.group(1), msgs, octs, rec, nr, np_, no])
                else:
                    raise ValueError("unexpected line %r" % line)
        elif first.startswith("*"):
            caveat += [line.strip("*") for line in b]
        else:
            raise ValueError("unexpected block %r" % first)
    r["caveat"] = words(" ".join(caveat))
    return finish(r)


def parse_text_stream(text):
    out, cur = [], None
    for line in text.split("\n"):
        if line.startswith("portsniff report ("):
            if cur is not None:
                out.append(from_text(cur))
            cur = []
        if cur is not None:
            cur.append(line)
    if cur is not None:
        out.append(from_text(cur))
    return out


# ---- HTML ----

class _Page(HTMLParser):
    """Texts of the elements with an id, and the body rows of every table
    with an id (cells as text; a row's own id kept as its first item)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = {}        # id -> text
        self.tables = {}      # table id -> [[row id or None, cell, ...]]
        self.open_ids = []    # (tag, id) of the open elements with an id
        self.table = None
        self.in_body = False
        self.row = None
        self.cell = None
        self.lists = {}       # id -> [li texts]
        self.li = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("meta", "br", "img", "input", "link", "rect", "line", "path"):
            return
        if a.get("id"):
            self.open_ids.append((tag, a["id"]))
            self.text.setdefault(a["id"], "")
            if tag == "table":
                self.table = a["id"]
                self.tables[a["id"]] = []
        else:
            self.open_ids.append((tag, None))
        if tag == "tbody" and self.table:
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = [a.get("id")]
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "li":
            self.li = ""

    def handle_endtag(self, tag):
        if tag in ("meta", "br", "img", "input", "link", "rect", "line", "path"):
            return
        while self.open_ids:
            t, i = self.open_ids.pop()
            if t == "table" and i == self.table:
                self.table = None
            if t == tag:
                break
        if tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.table].append(self.row)
            self.row = None
        elif tag == "li" and self.li is not None:
            owner = next((i for _, i in reversed(self.open_ids) if i), None)
            self.lists.setdefault(owner, []).append(self.li)
            self.li = None

    def handle_data(self, data):
        for _, i in self.open_ids:
            if i:
                self.text[i] += data
        if self.cell is not None:
            self.cell += data
        if self.li is not None:
            self.li += data


def from_html(html):
    p = _Page()
    p.feed(html)
    p.close()
    t, tab = p.text, p.tables

    def cells(name):
        return [row[1:] for row in tab.get(name, [])]

    def by_id(name):
        return {row[0]: int(row[2]) for row in tab.get(name, []) if row[0]}

    r = {"report": t["m-report"].strip()}
    r["first_ts"] = iso_usec(t["m-first"].strip()) if "m-first" in t else None
    r["last_ts"] = iso_usec(t["m-last"].strip()) if "m-last" in t else None
    r["inputs"] = p.lists.get("m-inputs", [])
    src = t["m-registry-source"].strip()
    r["registry"] = [None if src == "-" else src, t["m-registry-date"].strip() if "m-registry-date" in t else None,
                     int(t["m-registry-age"]) if "m-registry-age" in t else None]
    r["services"] = [[c[0], c[1], c[2], int(c[3]), int(c[4]), int(c[5]), int(c[6]), pct(c[7])]
                     for c in cells("t-services")]
    r["transports"] = [[c[0], int(c[1]), int(c[2]), int(c[3]), pct(c[4])] for c in cells("t-transports")]
    r["other"], r["non_ip"] = [], [0, 0]
    for c in cells("t-other"):
        if c[0] == "non-ip":
            r["non_ip"] = [int(c[2]), int(c[3])]
        else:
            r["other"].append([c[0], int(c[2]), int(c[3]), pct(c[4])])
    r["tunnels"] = []
    for c in cells("t-encap"):
        if c[0].startswith("+"):
            r["tunnels"].append(["+" + c[0][1:].split()[0], int(c[4]), int(c[5]), int(c[6])])
        else:
            r["tunnels"].append([c[0], c[1], c[2], c[3], int(c[4]), int(c[5]), int(c[6]), pct(c[7])])
    r["ports"], r["other_ports"] = [], []
    for c in cells("t-ports"):
        if c[2].startswith("+"):
            r["other_ports"].append([c[0], c[1], int(c[2][1:].split()[0]), int(c[3]), int(c[4]), int(c[5])])
        else:
            r["ports"].append([c[0], c[1], int(c[2]), int(c[3]), int(c[4]), int(c[5])])
    r["top"] = int(t["m-top"])
    r["aggregate"] = [int(t["m-prefix4"]), int(t["m-prefix6"])]
    r["talkers"] = [[c[0], c[1], c[2], c[3], int(c[4]), int(c[5]), int(c[6]), pct(c[7]), int(c[8])]
                    for c in cells("t-talkers")]
    r["hosts"] = [[c[0], int(c[1]), int(c[2]), int(c[3]), pct(c[4]), int(c[5])] for c in cells("t-hosts")]
    r["bucket_ns"] = seconds_ns(t["m-bucket"].strip())
    r["series"] = [[iso_usec(c[0]), c[1], c[2], int(c[3]), int(c[4]), int(c[5])] for c in cells("t-series")]
    n = by_id("t-totals")
    r["totals"] = {"packets": n["n-packets"], "bytes": n["n-bytes"], "flows_created": n["n-flows-created"],
                   "flows_ended": n["n-flows-ended"], "open_flows": n["n-open-flows"],
                   "flows_evicted": n["n-flows-evicted"], "peak_flows": n["n-peak-flows"],
                   "fragments_matched": n["n-fragments-matched"],
                   "fragments_unmatched": n["n-fragments-unmatched"],
                   "fragment_cache_evictions": n["n-fragment-cache-evictions"]}
    r["unsupported"] = [n["n-unsupported-link"], n.get("n-unsupported-dlt")]
    mal = {c[0]: int(c[1]) for c in cells("t-malformed")}
    r["totals"]["malformed"] = mal.pop("all")
    r["malformed"] = mal
    k = by_id("t-kernel")
    r["kernel"] = ({"received": k["k-received"], "dropped": k["k-dropped"],
                    "interface_dropped": k["k-interface-dropped"]} if k else None)
    r["ipfix"] = [[c[0], int(c[2]), int(c[3]), int(c[1]), int(c[4]), int(c[5]), int(c[6])]
                  for c in cells("t-ipfix")]
    r["caveat"] = words(t["caveat-text"])
    return finish(r)


def parse_html_stream(text):
    """Reports written one after another (interval reports to one stream)."""
    docs = [d for d in text.split("<!DOCTYPE html>") if d.strip()]
    return [from_html(d) for d in docs]
