#!/usr/bin/env bash
# Community ID on flow records, end to end: portsniff reads the Community ID
# spec's sample captures and every flow record's community_id (JSON, CSV and
# text with -v), ICMP and ICMPv6 flows included, must equal the spec's
# baseline for every packet of the flow:
# baseline_deflt.json with the default seed (0), baseline_seed1.json with
# --community-id-seed 1 (tests/e2e/community_id_check.py). Then the seed's
# bounds and its usage errors.
set -euo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

name=community_id
here="$PS_SOURCE_DIR/tests/e2e"
data="${PS_COMMUNITY_ID_DIR:-$PS_SOURCE_DIR/../shared/community-id}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "$name: FAIL: $*" >&2; exit 1; }

[ -f "$data/baseline/baseline_deflt.json" ] || fail "no Community ID baselines in $data"
pcaps=(tcp udp sctp ipv6 icmp icmp6 rsvp arp)
gzip -dc "$data/pcaps/combined.pcap.gz" >"$work/combined.pcap"

# run SEED-ARGS... : JSON and CSV records of every sample capture, and the
# combined capture's text lines with -v.
run() {
    local tag="$1"; shift
    for p in "${pcaps[@]}" combined; do
        local f="$data/pcaps/$p.pcap"
        [ "$p" = combined ] && f="$work/combined.pcap"
        "$PORTSNIFF" -r "$f" --flows json --report none "$@" >"$work/$tag-$p.json" ||
            fail "portsniff -r $p.pcap --flows json $* exited $?"
        "$PORTSNIFF" -r "$f" --flows csv --report none "$@" >"$work/$tag-$p.csv" ||
            fail "portsniff -r $p.pcap --flows csv $* exited $?"
    done
    "$PORTSNIFF" -r "$work/combined.pcap" -v --report none "$@" >"$work/$tag-combined.txt" ||
        fail "portsniff -v $* exited $?"
}

# check TAG BASELINE: every TCP, UDP and SCTP flow, then every flow but
# RSVP's (which has no flows: ICMP and ICMPv6 too), in JSON and in CSV.
check() {
    local tag="$1" baseline="$data/baseline/$2" out
    for ext in json csv; do
        out=$(python3 "$here/community_id_check.py" "$baseline" 6,17,132 "$work/$tag"-*."$ext") ||
            fail "$tag $ext records against $2"
        echo "$name: $2 ($ext, TCP/UDP/SCTP): $out"
        [ "$out" = "matched 8/8" ] || fail "$2: $out, want 8/8 (the baseline's TCP, UDP and SCTP entries)"
        out=$(python3 "$here/community_id_check.py" "$baseline" 6,17,132,1,58 "$work/$tag"-*."$ext") ||
            fail "$tag $ext records against $2 with ICMP"
        echo "$name: $2 ($ext, TCP/UDP/SCTP/ICMP/ICMPv6): $out"
        [ "$out" = "matched 21/21" ] || fail "$2: $out, want 21/21 (every entry but RSVP's 2)"
    done
    # Text: each JSON record's community_id is field 16 of its -v line (the
    # description, which may hold spaces, comes after it).
    python3 - "$work/$tag-combined.json" "$work/$tag-combined.txt" <<'EOF' || fail "$tag: text -v lines"
import json, sys
ids = [json.loads(l)["community_id"] for l in open(sys.argv[1]) if l.strip()]
lines = [l.rstrip("\n") for l in open(sys.argv[2])]
assert len(ids) == len(lines) and ids, (len(ids), len(lines))
for cid, line in zip(ids, lines):
    assert line.split(" ")[15] == cid, (cid, line)
EOF
}

run seed0
check seed0 baseline_deflt.json
run seed1 --community-id-seed 1
check seed1 baseline_seed1.json
# The default is seed 0, and any other seed gives other hashes.
run seedx --community-id-seed 0
cmp -s "$work/seed0-combined.json" "$work/seedx-combined.json" || fail "--community-id-seed 0 differs from the default"
cmp -s "$work/seed0-combined.json" "$work/seed1-combined.json" && fail "seed 1 gives the same records as seed 0"
# Without -v the text line has no Community ID.
"$PORTSNIFF" -r "$work/combined.pcap" --report none >"$work/plain.txt"
grep -q ' 1:' "$work/plain.txt" && fail "Community ID printed without -v"
[ -s "$work/plain.txt" ] || fail "no text records"
# The highest seed is taken; one above it, a negative one or a word is a usage error.
"$PORTSNIFF" -r "$data/pcaps/tcp.pcap" --flows json --report none --community-id-seed 65535 >"$work/max.json" ||
    fail "--community-id-seed 65535 refused"
grep -q '"community_id":"1:' "$work/max.json" || fail "no community_id with seed 65535"
for bad in 65536 -1 x; do
    rc=0
    "$PORTSNIFF" -r "$data/pcaps/tcp.pcap" --community-id-seed "$bad" >/dev/null 2>"$work/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "--community-id-seed $bad exited $rc, want 2"
    grep -qx "portsniff: --community-id-seed: '$bad' is not a whole number from 0 to 65535" "$work/err" ||
        fail "--community-id-seed $bad: $(cat "$work/err")"
done
echo "$name: ok"
