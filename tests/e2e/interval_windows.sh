#!/usr/bin/env bash
# Interval reports as a time series (portsniff(1), --interval): by default
# each covers [start, end), consecutive, not overlapping, and counts only what
# happened in it; --interval-mode=cumulative counts everything so far; the
# final report covers the whole run. Files by packet time, live capture by
# the clock.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
pass=0 failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# Eight one-packet UDP flows at known times (seconds after T0), with a quiet
# gap from 3.0 to 7.5 that spans four intervals.
python3 - "$scratch/times.pcap" <<'EOF' || { echo "FAIL: could not write the capture"; exit 1; }
import struct, sys
T0 = 1786960800
times = [0.0, 0.5, 1.0, 1.2, 2.9, 3.0, 7.5, 8.0]
eth = bytes.fromhex('00005e005301 00005e0053fe 0800')
out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i, t in enumerate(times):
    udp = struct.pack('!HHHH', 40000 + i, 53, 16, 0) + bytes(8)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     bytes([192, 0, 2, 10]), bytes([192, 0, 2, 53])) + udp
    frame = eth + ip
    us = round(t * 1e6)
    out += struct.pack('<IIII', T0 + us // 1000000, us % 1000000, len(frame), len(frame)) + frame
open(sys.argv[1], 'wb').write(out)
EOF

check_file() {   # check_file MODE EXPECTED-JSON
    local mode=$1 want=$2 got
    got=$("$PORTSNIFF" -r "$scratch/times.pcap" -q --report=json --interval 1 --interval-mode="$mode" 2>"$scratch/err" |
        jq -c '[.report, ((.first_ts - 1786960800) * 1000 | round), ((.last_ts - 1786960800) * 1000 | round),
                .totals.packets, .totals.flows_created,
                (.caveat | startswith("PLEASE NOTE"))]' | paste -sd ' ')
    if [ "$got" = "$want" ] && [ ! -s "$scratch/err" ]; then
        pass=$((pass + 1))
    else
        fail "--interval-mode=$mode on times.pcap"
        echo "  got:  $got"
        echo "  want: $want"
        echo "  stderr: $(cat "$scratch/err")"
    fi
}
# Delta (the default): [0,1) 2 packets, [1,2) 2, [2,3) 1, then one window for
# the quiet gap [3,7) holding the packet at 3.0, [7,8) the one at 7.5; the
# packet at 8.0 is in no interval report, only in the final one (all 8).
# (Window bounds in milliseconds after T0.)
check_file delta '["interval",0,1000,2,2,true] ["interval",1000,2000,2,2,true] ["interval",2000,3000,1,1,true] ["interval",3000,7000,1,1,true] ["interval",7000,8000,1,1,true] ["final",0,8000,8,8,true]'
# Cumulative: everything since the first packet, up to the last one so far.
check_file cumulative '["interval",0,500,2,2,true] ["interval",0,1200,4,4,true] ["interval",0,2900,5,5,true] ["interval",0,3000,6,6,true] ["interval",0,7500,7,7,true] ["final",0,8000,8,8,true]'

# The same in text: each report names its window and ends with the caveat box.
"$PORTSNIFF" -r "$scratch/times.pcap" -q --interval 1 >"$scratch/text" 2>&1
if [ "$(grep -c '^portsniff report (interval): ' "$scratch/text")" -eq 5 ] &&
    grep -qx 'portsniff report (interval): 2026-08-17T10:00:03.000000Z to 2026-08-17T10:00:07.000000Z' "$scratch/text" &&
    [ "$(grep -c 'PLEASE NOTE THE FOLLOWING' "$scratch/text")" -eq 6 ]; then
    pass=$((pass + 1))
else
    fail "text interval reports: $(grep '^portsniff report' "$scratch/text")"
fi
rc=0
"$PORTSNIFF" -r "$scratch/times.pcap" -q --interval 1 --interval-mode=sliding >/dev/null 2>"$scratch/err" || rc=$?
if [ "$rc" -eq 2 ] && [ "$(cat "$scratch/err")" = "portsniff: --interval-mode: unknown mode 'sliding' (delta or cumulative)" ]; then
    pass=$((pass + 1))
else
    fail "--interval-mode=sliding: exit $rc, $(cat "$scratch/err")"
fi

rm -rf "$scratch"
# Live, by the clock: reports every 0.25 s while traffic comes and goes. The
# windows follow one another without gap or overlap, an idle window still
# names its bounds, and the deltas add up to what the final report counts
# (the packets after the last interval excepted).
. "$(dirname "$0")/netns.bash"
netns_up interval_windows
ip netns exec "$srv" "$PORTSNIFF" -i "$srv_if" -q --report=json --interval 0.25 ip \
    >"$work/live.json" 2>"$work/live.err" &
pid=$!
wait_listening "$work/live.err"
intervals() { grep -c '"report":"interval"' "$work/live.json" || true; }
wait_intervals() {   # until N more interval reports than now
    local want=$(($(intervals) + $1))
    for _ in $(seq 600); do [ "$(intervals)" -ge "$want" ] && return 0; sleep 0.05; done
    fail "live: fewer than $1 more interval reports in 30 s"
}
wait_intervals 2
ip netns exec "$cli" python3 "$traffic" client 10.231.0.2 2
wait_intervals 3
ip netns exec "$cli" python3 "$traffic" client 10.231.0.2 2
wait_intervals 2
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "live: exit $rc: $(cat "$work/live.err")"
python3 - "$work/live.json" <<'EOF' && pass=$((pass + 1)) || fail "live interval windows"
import json, sys
reps = [json.loads(l) for l in open(sys.argv[1])]
ivs = [r for r in reps if r["report"] == "interval"]
final = reps[-1]
assert final["report"] == "final" and len(ivs) >= 7, [r["report"] for r in reps]
for a, b in zip(ivs, ivs[1:]):
    assert a["last_ts"] == b["first_ts"], "windows not consecutive: %r then %r" % (
        (a["first_ts"], a["last_ts"]), (b["first_ts"], b["last_ts"]))
for r in ivs:
    assert r["first_ts"] is not None and r["last_ts"] > r["first_ts"], (r["first_ts"], r["last_ts"])
    assert "PLEASE NOTE THE FOLLOWING" in r["caveat"]
idle = [r for r in ivs if r["totals"]["packets"] == 0]
assert idle, "no idle interval"
busy = sum(r["totals"]["packets"] for r in ivs)
# Four TCP connections and four UDP exchanges, all within the intervals.
assert busy == final["totals"]["packets"], (busy, final["totals"]["packets"])
assert sum(r["totals"]["flows_created"] for r in ivs) == final["totals"]["flows_created"] == 8
assert final["first_ts"] >= ivs[0]["first_ts"]
print("live: %d interval windows, %d idle, %d packets in them" % (len(ivs), len(idle), busy))
EOF

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
