#!/usr/bin/env bash
# The memory bound: 300,000 distinct UDP flows (20,000 of them opened by a
# first fragment) and 50,000 later fragments whose first fragment never
# comes, read with --max-flows 10000 --max-fragments 1000. The counts must
# be exact, and the peak RSS must stay far below what the unbounded table
# takes for the same file (measured here too, for comparison).
set -uo pipefail
: "${PORTSNIFF:?}"

if [ ! -x /usr/bin/time ]; then
    echo "FAIL: /usr/bin/time is not installed (Debian package 'time')"
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/flow_bound.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cap="$work/many-flows.pcap"

# All packets fall within 3.5 s of each other, below the idle (60 s) and
# fragment (30 s) timeouts, so only the limits end flows and drop fragments.
python3 - "$cap" <<'EOF' || { echo "FAIL: could not write the capture"; exit 1; }
import struct, sys

FLOWS, LATER = 300000, 50000
eth = bytes.fromhex('00005e005301 00005e0053fe 0800')
out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
t = 0

def add(frame):
    global t
    t += 10   # microseconds
    out.extend(struct.pack('<IIII', 1700000000 + t // 1000000, t % 1000000, len(frame), len(frame)))
    out.extend(frame)

def ipv4(src, dst, ident, flags_frag, payload):
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, flags_frag, 64, 17, 0,
                       src, dst) + payload

dst = bytes([192, 0, 2, 53])
later = 0
for i in range(FLOWS):
    src = struct.pack('!I', (10 << 24) | i)                  # 10.0.0.0 + i: one flow each
    udp = struct.pack('!HHHH', 40000, 53, 8 + 8, 0) + bytes(8)
    if i % 15 == 0:   # 20,000 flows whose one packet is a first fragment (MF, offset 0)
        add(eth + ipv4(src, dst, i & 0xffff, 0x2000, udp))
    else:
        add(eth + ipv4(src, dst, i & 0xffff, 0, udp))
    if i % 6 == 0:    # 50,000 later fragments (offset 8 bytes) of datagrams never begun
        lsrc = struct.pack('!I', (172 << 24) | (16 << 16) | later)
        add(eth + ipv4(lsrc, dst, later & 0xffff, 1, bytes(8)))
        later += 1
assert later == LATER
with open(sys.argv[1], 'wb') as f:
    f.write(out)
EOF

failed=0
# measure NAME ARGS...: run portsniff under /usr/bin/time; report in $work/NAME.json,
# peak RSS (KiB) in $work/NAME.rss.
measure() {
    local name=$1 rc=0
    shift
    /usr/bin/time -f %M -o "$work/$name.rss" "$PORTSNIFF" -r "$cap" -q --report=json "$@" \
        >"$work/$name.json" 2>"$work/$name.err" || rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$work/$name.err" ]; then
        echo "FAIL: portsniff $* exited $rc: $(cat "$work/$name.err")"
        failed=$((failed + 1))
    fi
}
measure bounded --max-flows 10000 --max-fragments 1000
measure unbounded
# What the binary takes before any table grows (the registry's tables,
# libpcap, and in a sanitizer build its shadow memory): one packet.
measure startup -c 1

# Every flow has one packet. 290,000 flows are evicted to keep 10,000 open,
# which end at the end of input. Each first fragment and each later fragment
# makes a fragment-cache entry (70,000, all distinct datagrams) and all but
# the last 1,000 are evicted; the later fragments, parked for a first
# fragment that never comes, are all unmatched, by eviction or at the end.
python3 - "$work/bounded.json" "$work/unbounded.json" <<'EOF' || failed=$((failed + 1))
import json, sys
want = {
    "packets": 350000, "flows_created": 300000, "flows_ended": 300000, "open_flows": 0,
    "flows_evicted": 290000, "peak_flows": 10000, "fragments_matched": 0,
    "fragments_unmatched": 50000, "fragment_cache_evictions": 69000, "malformed": 0,
}
ok = True
for path, changes in ((sys.argv[1], {}),
                      (sys.argv[2], {"flows_evicted": 0, "peak_flows": 300000,
                                     "fragment_cache_evictions": 61808})):
    totals = json.load(open(path))["totals"]
    for k, v in dict(want, **changes).items():
        if totals.get(k) != v:
            print("FAIL: %s: totals.%s is %s, want %s" % (path.rsplit('/', 1)[1], k, totals.get(k), v))
            ok = False
rep = json.load(open(sys.argv[1]))
rows = [(r["label"], r["transport"], r["flows"], r["packets"]) for r in rep["services"]]
if rows != [("domain", "udp", 300000, 300000)]:
    print("FAIL: bounded: services are %r" % rows)
    ok = False
sys.exit(0 if ok else 1)
EOF

bounded=$(cat "$work/bounded.rss")
unbounded=$(cat "$work/unbounded.rss")
startup=$(cat "$work/startup.rss")
growth=$((bounded - startup))
echo "peak RSS: ${bounded} KiB with --max-flows 10000 --max-fragments 1000, ${unbounded} KiB without," \
     "${startup} KiB for one packet"
# The limits hold the growth over the one-packet run to about 2 MiB (10,000
# flows and 1,000 fragments); 16 MiB is generous and still
# far below the unbounded table's growth (about 70 MiB). Measured as growth,
# the bound holds for sanitizer builds too, whose start alone takes 30 MiB.
if [ "$growth" -ge 16384 ]; then
    echo "FAIL: peak RSS grew ${growth} KiB over one packet with the limits, want < 16384 KiB"
    failed=$((failed + 1))
fi
if [ "$unbounded" -lt $((bounded * 2)) ]; then
    echo "FAIL: without --max-flows the peak RSS (${unbounded} KiB) should be well above ${bounded} KiB"
    failed=$((failed + 1))
fi
[ "$failed" -eq 0 ] && echo "ok: flows and fragments bounded, counts exact"
[ "$failed" -eq 0 ]
