#!/usr/bin/env bash
# --workers: generated traffic replayed (tcpreplay) into a veth pair inside a
# network namespace and captured with 1 and with 2 workers, each worker a
# handle in one kernel fanout group: the same set of flow records and the same
# report figures. First, plain packet sockets in such a group show that the
# kernel's fanout hash sends both directions of every flow to one socket.
set -euo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}" "${PS_BUILD_DIR:?}"

test_name=live_workers
fail() { echo "$test_name: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces"
command -v tcpreplay >/dev/null || fail "tcpreplay not found (Debian package tcpreplay)"
gen="$PS_BUILD_DIR/bench/gen-bench"
[ -x "$gen" ] || fail "$gen is missing (configure with -DPORTSNIFF_BENCH=ON)"

ns="psw$$" tx="psw$$a" rx="psw$$b"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    [ -n "${KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link add "$tx" type veth peer name "$rx"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
for i in "$tx" "$rx"; do
    # The generated frames run to 1518 bytes plus a VLAN tag.
    ip -n "$ns" link set "$i" mtu 9000
    ip -n "$ns" link set "$i" up
done

# 20,000 packets of 2,000 TCP, UDP, SCTP and DCCP flows over IPv4 and IPv6,
# some VLAN-tagged; and 40 UDP exchanges whose requests are IPv4 fragments.
"$gen" -o "$work/gen.pcap" --packets 20000 --flows 2000 >/dev/null 2>&1 || fail "gen-bench"
python3 - "$work/frag.pcap" <<'PY' || fail "could not write the fragment capture"
import struct, sys

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

def ipv4(src, dst, ident, frag_field, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag_field, 64, 17, 0,
                    bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def ether(src, dst, ip):
    return bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + b"\x08\x00" + ip

cmac, smac, server = "02:00:00:00:01:01", "02:00:00:00:02:02", "203.0.113.5"
frames = []
for i in range(40):
    client = "198.51.100.%d" % (10 + i)
    # A 3,000-byte request in fragments of 1,400, 1,400 and 208 bytes of IP payload.
    udp = struct.pack("!HHHH", 40000 + i, 5004, 8 + 3000, 0) + b"x" * 3000
    for off in range(0, len(udp), 1400):
        more = 0x2000 if off + 1400 < len(udp) else 0
        frames.append(ether(cmac, smac, ipv4(client, server, 1000 + i, more | (off // 8), udp[off:off + 1400])))
    answer = struct.pack("!HHHH", 5004, 40000 + i, 10, 0) + b"ok"
    frames.append(ether(smac, cmac, ipv4(server, client, 2000 + i, 0, answer)))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for n, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + n, 0, len(fr), len(fr)) + fr)
PY
replay() {
    ip netns exec "$ns" tcpreplay -q -i "$tx" --topspeed "$work/gen.pcap" >/dev/null 2>&1 || fail "tcpreplay"
    ip netns exec "$ns" tcpreplay -q -i "$tx" --topspeed "$work/frag.pcap" >/dev/null 2>&1 || fail "tcpreplay"
}
# What a capture sees: every generated frame, and one reassembled datagram
# per fragmented request (the fanout group's FLAG_DEFRAG) plus its answer.
expect=$((20000 + 40 * 2))

# 1. The kernel's hash, with plain sockets.
ip netns exec "$ns" python3 "$PS_SOURCE_DIR/tests/e2e/fanout_check.py" "$rx" 2 "$expect" \
    "$work/fanout.ready" >"$work/fanout.json" &
fpid=$!
pids+=("$fpid")
for _ in $(seq 600); do
    [ -s "$work/fanout.ready" ] && break
    kill -0 "$fpid" 2>/dev/null || break
    sleep 0.1
done
[ -s "$work/fanout.ready" ] || fail "the fanout check did not start"
replay
rc=0; wait "$fpid" || rc=$?
python3 - "$work/fanout.json" "$expect" <<'PY' || fail "fanout hash: $(cat "$work/fanout.json")"
import json, sys
r = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
assert r["packets"] == want, r
assert r["split_flows"] == 0, r
assert r["flows"] == 2000 + 40, r
# Both sockets take a fair share (the hash spreads 2,040 flows).
assert min(r["per_socket"]) > want // 5, r
print("live_workers: the fanout hash kept both directions of %d flows together (%r packets a socket)"
      % (r["flows"], r["per_socket"]))
PY
[ "$rc" -eq 0 ] || fail "fanout check exited $rc"

# 2. portsniff with 1 and 2 workers. Timeouts far beyond the run, so that no
# flow ends by the clock and each run ends the same flows the same way.
capture() {
    local name="$1"; shift
    ip netns exec "$ns" "$PORTSNIFF" -i "$rx" "$@" --flows=json --report=json \
        --report-file "$work/$name.report" --interval 0.2 --interval-mode=cumulative --idle-timeout 3600 --close-timeout 3600 \
        >"$work/$name.flows" 2>"$work/$name.err" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 600); do
        grep -q "listening on" "$work/$name.err" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "listening on" "$work/$name.err" || fail "$name: capture did not start: $(cat "$work/$name.err")"
    replay
    # Until an interval report (of everything so far) has counted every
    # packet: the replay's frames may still be on their way through the
    # kernel when tcpreplay exits.
    local n=0
    for _ in $(seq 1200); do
        n=$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["totals"]["packets"])
except Exception: print(0)' "$work/$name.report")
        [ "$n" -ge "$expect" ] && break
        sleep 0.1
    done
    [ "$n" -ge "$expect" ] || fail "$name: counted $n of $expect packets: $(cat "$work/$name.report")"
    kill -INT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "$name: portsniff exited $rc: $(cat "$work/$name.err")"
}
capture one --workers 1
capture two --workers 2
grep -q ", 2 workers" "$work/two.err" || fail "no '2 workers' in: $(cat "$work/two.err")"

python3 - "$work" "$expect" <<'PY' || fail "1 and 2 workers differ"
import json, sys
work, expect = sys.argv[1], int(sys.argv[2])
# Times are the capture's own (each run replays at its own moment), and uid is
# drawn afresh for each flow of each run, as Zeek's are.
TIMES = {"ts", "duration", "uid"}

def records(name):
    rows = {}
    for line in open("%s/%s.flows" % (work, name)):
        r = json.loads(line)
        if r.get("record") == "flow":
            k = (r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"], r["orig_pkts"])
            assert k not in rows, k
            rows[k] = {f: v for f, v in r.items() if f not in TIMES}
    return rows

def report(name):
    r = json.load(open("%s/%s.report" % (work, name)))
    assert r["report"] == "final", r["report"]
    figures = {k: r[k] for k in ("services", "other_protocols", "non_ip", "unsupported_link",
                                  "malformed", "kernel") if k in r}
    # Each worker's table peaks on its own; the merged peak is their sum.
    figures["totals"] = {k: v for k, v in r["totals"].items() if k != "peak_flows"}
    figures["services"] = sorted(figures["services"], key=lambda s: (s["label"], s["transport"]))
    return figures

one, two = records("one"), records("two")
if set(one) != set(two):
    print("only with 1 worker: %s" % sorted(set(one) - set(two))[:3], file=sys.stderr)
    print("only with 2 workers: %s" % sorted(set(two) - set(one))[:3], file=sys.stderr)
    sys.exit(1)
assert len(one) == 2000 + 40, len(one)
# Fan-in evidence (how many peer ports an endpoint met in the flows that
# ended before) depends on the order flows end, which across workers follows
# the threads' timing: a flow decided by it in one run may be decided by the
# next rule in the other. Everything else, the service included, is the same.
by_order = 0
for k in one:
    a, b = dict(one[k]), dict(two[k])
    if a["label_basis"] != b["label_basis"] and "fan-in" in (a["label_basis"], b["label_basis"]):
        by_order += 1
        del a["label_basis"], b["label_basis"]
    if a != b:
        print("flow %r: 1 worker %r, 2 workers %r" % (k, one[k], two[k]), file=sys.stderr)
        sys.exit(1)
assert by_order <= len(one) // 10, "%d flows decided differently by fan-in" % by_order
ro, rt = report("one"), report("two")
for k in ro:
    if ro[k] != rt[k]:
        print("report %s: 1 worker %r, 2 workers %r" % (k, ro[k], rt[k]), file=sys.stderr)
        sys.exit(1)
assert ro["totals"]["packets"] == expect, ro["totals"]
assert ro["kernel"]["received"] == expect and ro["kernel"]["dropped"] == 0, ro["kernel"]
frag = [f for f in one.values() if f["id.orig_h"].startswith("198.51.100.")]
assert len(frag) == 40 and all(f["orig_pkts"] == 1 and f["resp_pkts"] == 1 for f in frag), frag[:2]
assert all(f["orig_ip_bytes"] == 20 + 8 + 3000 for f in frag), frag[:2]
print("live_workers: 1 and 2 workers: the same %d flow records (%d with the basis of their label"
      " decided by fan-in in one run only) and report figures" % (len(one), by_order))
PY

echo "1 passed, 0 failed"
