#!/usr/bin/env bash
# Live capture on a veth pair between two network namespaces: real TCP and UDP
# traffic, stopped with SIGINT; checks the flows, the report, and -Z.
set -euo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

. "$(dirname "$0")/netns.bash"
netns_up live_capture

# $1: extra portsniff options; runs a capture with 3 TCP + 3 UDP exchanges.
run_capture() {
    local out="$1"; shift
    ip netns exec "$srv" "$PORTSNIFF" -i "$srv_if" "$@" --flows=json --report=json \
        --report-file "$out.report.json" "ip" >"$out.flows.json" 2>"$out.err" &
    local pid=$!
    wait_listening "$out.err"
    echo "$pid" >"$out.pid"
    # Stopping reads what the kernel already captured, so the last reply the
    # client received is counted without waiting.
    ip netns exec "$cli" python3 "$traffic" client 10.231.0.2 3
}

stop_capture() {
    local out="$1" pid
    pid=$(cat "$out.pid")
    kill -INT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "portsniff exited $rc after SIGINT: $(cat "$out.err")"
}

run_capture "$work/a"
stop_capture "$work/a"

python3 - "$work/a.flows.json" "$work/a.report.json" <<'PY'
import json, sys
flows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rep = json.load(open(sys.argv[2]))
def fail(msg):
    print("live_capture: FAIL:", msg, file=sys.stderr)
    print(open(sys.argv[1]).read(), file=sys.stderr)
    sys.exit(1)
tcp = [f for f in flows if f["proto"] == "tcp" and f["id.resp_p"] == 80]
udp = [f for f in flows if f["proto"] == "udp" and f["id.resp_p"] == 53]
if len(tcp) != 3: fail("expected 3 TCP flows to port 80, got %d" % len(tcp))
if len(udp) != 3: fail("expected 3 UDP flows to port 53, got %d" % len(udp))
for f in tcp:
    if f["id.orig_h"] != "10.231.0.1" or f["id.resp_h"] != "10.231.0.2": fail("tcp endpoints %r" % f)
    if f["service"] != "http" or f["label_basis"] != "handshake": fail("tcp label %r" % f)
    if f["end_reason"] not in ("fin", "eof"): fail("tcp end %r" % f)
    # SYN, ACK, request, FIN and its ACKs: a complete exchange is at least 4 packets each way.
    if f["orig_pkts"] < 4 or f["resp_pkts"] < 4: fail("tcp packets %r" % f)
    # 19-byte request and 43-byte response over IPv4/TCP headers.
    if f["orig_ip_bytes"] < 19 + 4 * 40 or f["resp_ip_bytes"] < 43 + 4 * 40: fail("tcp bytes %r" % f)
for f in udp:
    # Queries from the client's ephemeral ports: request, or fan-in for the
    # flow that ends when 53 has met three of its ports (two may share a bin).
    if f["service"] != "domain" or f["service_port"] != 53 or \
            f["label_basis"] not in ("request", "fan-in"): fail("udp label %r" % f)
    if (f["orig_pkts"], f["resp_pkts"]) != (1, 1): fail("udp packets %r" % f)
    if f["orig_ip_bytes"] != 20 + 8 + 7 or f["resp_ip_bytes"] != 35: fail("udp bytes %r" % f)
    if f["orig_frame_bytes"] != 14 + 35: fail("udp frame bytes %r" % f)
rows = {(s["label"], s["transport"]): s for s in rep["services"]}
if rows.get(("http", "tcp"), {}).get("flows") != 3: fail("report http row %r" % rows.get(("http", "tcp")))
if rows.get(("domain", "udp"), {}).get("flows") != 3: fail("report domain row %r" % rows.get(("domain", "udp")))
if rows[("domain", "udp")]["packets"] != 6: fail("report domain packets")
k = rep.get("kernel")
if not k or k["received"] < 30 or k["dropped"] != 0: fail("kernel counters %r" % k)
if "ASSIGNMENT OF A PORT NUMBER DOES NOT IN ANY WAY IMPLY" not in rep["caveat"]: fail("caveat")
print("live_capture: flows and report ok: %d flows" % len(flows))
PY

# -Z: the capture keeps running as the named user once the interface is open.
run_capture "$work/z" -Z nobody
pid=$(cat "$work/z.pid")
uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
nobody_uid=$(id -u nobody)
[ "$uid" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] || fail "after -Z nobody the uids are '$uid'"
stop_capture "$work/z"
n=$(python3 -c 'import json,sys; print(sum(json.loads(l)["proto"] == "tcp" for l in open(sys.argv[1])))' "$work/z.flows.json")
[ "$n" -eq 3 ] || fail "-Z capture saw $n TCP flows, expected 3"
echo "live_capture: -Z nobody ok (uid $nobody_uid)"
# --interval: cumulative reports while capturing; SIGTERM ends it like SIGINT.
ip netns exec "$srv" "$PORTSNIFF" -i "$srv_if" -q --report=json --interval 0.3 ip \
    >"$work/i.out" 2>"$work/i.err" &
ipid=$!
wait_listening "$work/i.err"
ip netns exec "$cli" python3 "$traffic" client 10.231.0.2 2
# Two interval reports after the traffic, however slowly this machine runs.
base=$(grep -c '"report":"interval"' "$work/i.out" || true)
for _ in $(seq 600); do
    [ "$(grep -c '"report":"interval"' "$work/i.out" || true)" -ge $((base + 2)) ] && break
    sleep 0.05
done
kill -TERM "$ipid"
rc=0; wait "$ipid" || rc=$?
[ "$rc" -eq 0 ] || fail "portsniff exited $rc after SIGTERM"
python3 - "$work/i.out" "$(dirname "$0")" <<'PY' || fail "interval reports"
import sys
sys.path.insert(0, sys.argv[-1])
from json_reports import read_reports
reps = read_reports(sys.argv[1])
kinds = [r["report"] for r in reps]
assert kinds[-1] == "final" and kinds.count("final") == 1, kinds
assert kinds.count("interval") >= 2, kinds
final = {(s["label"], s["transport"]): s for s in reps[-1]["services"]}
assert final[("http", "tcp")]["flows"] == 2, final
assert final[("domain", "udp")]["flows"] == 2, final
print("live_capture: %d interval reports, then the final one" % kinds.count("interval"))
PY

# Stopping reads what the kernel already captured: the capture is frozen
# (SIGSTOP) while all the traffic passes, then stopped and thawed; every
# packet is counted and none was dropped (the kernel's count is ours).
ip netns exec "$srv" "$PORTSNIFF" -i "$srv_if" --flows=json --report=json \
    --report-file "$work/d.report.json" ip >"$work/d.flows.json" 2>"$work/d.err" &
dpid=$!
wait_listening "$work/d.err"
kill -STOP "$dpid"
ip netns exec "$cli" python3 "$traffic" client 10.231.0.2 3
kill -INT "$dpid"
kill -CONT "$dpid"
rc=0; wait "$dpid" || rc=$?
[ "$rc" -eq 0 ] || fail "frozen capture exited $rc: $(cat "$work/d.err")"
python3 - "$work/d.flows.json" "$work/d.report.json" <<'PY' || fail "frozen capture: packets lost"
import json, sys
flows = [json.loads(l) for l in open(sys.argv[1])]
k = json.load(open(sys.argv[2]))["kernel"]
udp = sorted((f["orig_pkts"], f["resp_pkts"]) for f in flows if f["proto"] == "udp")
tcp = [f for f in flows if f["proto"] == "tcp" and f["orig_pkts"] >= 4 and f["resp_pkts"] >= 4]
counted = sum(f["orig_pkts"] + f["resp_pkts"] for f in flows)
ok = udp == [(1, 1)] * 3 and len(tcp) == 3 and len(flows) == 6
ok = ok and k["dropped"] == 0 and k["received"] == counted
if not ok:
    print("flows %r, kernel %r, counted %d" % ([(f["proto"], f["orig_pkts"], f["resp_pkts"]) for f in flows], k, counted))
sys.exit(0 if ok else 1)
PY
echo "live_capture: a capture stopped while frozen counted every packet"

echo "1 passed, 0 failed"
