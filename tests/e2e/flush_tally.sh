#!/usr/bin/env bash
# The end of a capture with many flows open: with no flow records (-q), the
# flows the end's flush ends are named and added to the report on a second
# thread (src/tally.h, from 8,192 flows open); with records, one by one as
# they end. A flood of 30,000 distinct flows, all open at the end, gives the
# same report both ways, in every format, and the report counts every flow.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_BUILD_DIR:?}"

gen="$PS_BUILD_DIR/bench/gen-bench"
if [ ! -x "$gen" ]; then
    echo "FAIL: $gen is missing (built with the benchmark helpers)"
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/flush_tally.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

"$gen" -o "$work/flood.pcap" --flood 30000 >/dev/null 2>&1 || { echo "FAIL: gen-bench"; exit 1; }

for fmt in text csv json; do
    # -q: the report on standard output; --flows=csv: the records there and
    # the report on standard error.
    "$PORTSNIFF" -r "$work/flood.pcap" -q --top 5 --report="$fmt" >"$work/q.$fmt" 2>"$work/q.err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "-q --report=$fmt exited $rc: $(head -n 3 "$work/q.err")"
    "$PORTSNIFF" -r "$work/flood.pcap" --flows=csv --top 5 --report="$fmt" >"$work/records.csv" 2>"$work/r.$fmt"
    rc=$?
    [ "$rc" -eq 0 ] || fail "--flows=csv --report=$fmt exited $rc: $(head -n 3 "$work/r.$fmt")"
    if ! cmp -s "$work/q.$fmt" "$work/r.$fmt"; then
        fail "the $fmt report differs between -q and --flows=csv:"
        diff "$work/q.$fmt" "$work/r.$fmt" | head -n 10
    fi
done

# Concrete counts from the JSON report: 30,000 flows created, ended and open
# at most at once, and the service rows add up to them; 30,000 records.
python3 - "$work/q.json" <<'EOF' || failed=$((failed + 1))
import json, sys
r = json.load(open(sys.argv[1]))
def find(node, key):
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for v in node.values():
            got = find(v, key)
            if got is not None:
                return got
    elif isinstance(node, list):
        for v in node:
            got = find(v, key)
            if got is not None:
                return got
    return None
want = 30000
problems = []
for key in ("flows_created", "flows_ended", "peak_flows"):
    got = find(r, key)
    if got != want:
        problems.append(f"{key} is {got}, want {want}")
services = find(r, "services")
if not isinstance(services, list) or not services:
    problems.append("no services list")
else:
    total = sum(s.get("flows", 0) for s in services)
    if total != want:
        problems.append(f"the service rows hold {total} flows, want {want}")
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
EOF
records=$(($(wc -l <"$work/records.csv") - 1))
[ "$records" -eq 30000 ] || fail "--flows=csv wrote $records records, want 30000"

[ "$failed" -eq 0 ] && echo "ok: the end's flows tallied beside the flush give the report written one by one"
[ "$failed" -eq 0 ]
