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
  caveat      the caveat's words, as one space-separated string
Shares are strings with four decimals ("0.4263"); at_text_precision() turns
them into tenths of a percent for comparison with the text report."""
import csv
import datetime
import io
import json
import re

STATUS_OF_LABEL = {"(unregistered)": "unregistered", "(reserved)": "reserved",
                   "(unassigned)": "unassigned", "(unnamed)": "unnamed"}


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
    out = dict(rep)
    out["services"] = [r[:-1] + [tenths(r[-1])] for r in rep["services"]]
    out["other"] = [r[:-1] + [tenths(r[-1])] for r in rep["other"]]
    return out


def match_halves(a, b):
    """Equal at text precision, a half-way share matching either neighbour."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a == b
    if isinstance(a, tuple) and a[0] == "half":
        return b in (a[1], a[1] + 1)
    if isinstance(b, tuple) and b[0] == "half":
        return a in (b[1], b[1] + 1)
    return a == b


# ---- JSON ----

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
        out.append(from_json(obj))


# ---- CSV ----

CSV_HEADER = ["kind", "name", "transport", "status", "flows", "packets", "bytes", "ip_bytes", "share",
              "value"]
CSV_TOTALS = {"flows-created": ("flows", "flows_created"), "open-flows": ("flows", "open_flows"),
              "peak-flows": ("flows", "peak_flows"), "evicted-flows": ("flows", "flows_evicted"),
              "fragments-matched": ("packets", "fragments_matched"),
              "fragments-unmatched": ("packets", "fragments_unmatched"),
              "fragment-cache-evictions": ("packets", "fragment_cache_evictions")}


def from_csv_rows(rows):
    r = {"inputs": [], "services": [], "other": [], "malformed": {}, "kernel": None,
         "totals": {}, "non_ip": None, "unsupported": None, "ipfix": []}
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
            else:
                raise ValueError("unknown info row %r" % name)
        elif kind == "service":
            r["services"].append([name, d["transport"], d["status"], int(d["flows"]), int(d["packets"]),
                                  int(d["bytes"]), int(d["ip_bytes"]), d["share"]])
        elif kind == "other-protocol":
            r["other"].append([name, int(d["packets"]), int(d["bytes"]), d["share"]])
        elif kind == "non-ip":
            r["non_ip"] = [int(d["packets"]), int(d["bytes"])]
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
    return r


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


def from_text(lines):
    r = {"other": [], "malformed": {}, "kernel": None, "non_ip": [0, 0], "unsupported": [0, None],
         "ipfix": []}
    it = iter(lines)
    m = re.fullmatch(r"portsniff report \((final|interval)\): (?:(\S+) to (\S+)|no packets)", next(it))
    if not m:
        raise ValueError("title")
    r["report"] = m.group(1)
    r["first_ts"] = iso_usec(m.group(2)) if m.group(2) else None
    r["last_ts"] = iso_usec(m.group(3)) if m.group(3) else None
    inputs = next(it)[len("inputs: "):]
    r["inputs"] = [] if inputs == "-" else inputs.split(", ")
    m = re.fullmatch(r"registry: (.*), (?:updated (\d{4}-\d\d-\d\d)(?:, (-?\d+) days old on "
                     r"\d{4}-\d\d-\d\d)?|date unknown)", next(it))
    if not m:
        raise ValueError("registry line")
    r["registry"] = [None if m.group(1) == "-" else m.group(1), m.group(2),
                     int(m.group(3)) if m.group(3) else None]
    if next(it) != "" or not next(it).startswith("service "):
        raise ValueError("service table header")
    r["services"] = []
    for line in it:
        if line == "":
            break
        if line == "(no flows ended)":
            continue
        f = line.split()
        r["services"].append([f[0], f[1], STATUS_OF_LABEL.get(f[0], "registered"), int(f[2]), int(f[3]),
                              int(f[4]), int(f[5]), pct(f[6])])
    line = next(it)
    if line.startswith("ip protocol"):
        for line in it:
            if line == "":
                break
            f = line.split()
            if f[0] == "non-ip":
                r["non_ip"] = [int(f[1]), int(f[2])]
            else:
                r["other"].append([f[0], int(f[1]), int(f[2]), pct(f[3])])
        line = next(it)
    if line.startswith("unsupported link type:"):
        p, dlt = ints(r"unsupported link type: (\d+) packets \(DLT (-?\d+)\)", line)
        r["unsupported"] = [p, dlt]
        line = next(it)
    t = {}
    t["packets"], t["bytes"] = ints(r"totals: packets (\d+), bytes (\d+)", line)
    (t["flows_created"], t["flows_ended"], t["open_flows"], t["peak_flows"],
     t["flows_evicted"]) = ints(r"flows: created (\d+), ended (\d+), open (\d+), peak (\d+), evicted (\d+)",
                                next(it))
    t["fragments_matched"], t["fragments_unmatched"], t["fragment_cache_evictions"] = ints(
        r"fragments: matched (\d+), unmatched (\d+), cache evictions (\d+)", next(it))
    (t["malformed"],) = ints(r"malformed: (\d+)", next(it))
    r["totals"] = t
    caveat = []
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
        elif line.startswith("*"):
            caveat.append(line.strip("*"))
        elif line != "":
            raise ValueError("unexpected line %r" % line)
    r["caveat"] = words(" ".join(caveat))
    return r


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
