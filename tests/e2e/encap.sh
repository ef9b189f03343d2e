#!/usr/bin/env bash
# Tunnels and carriers: generated captures of every encapsulation decoded,
# checked flow by flow against their construction, against tshark's
# dissection (innermost IP layer, 100% agreement), with --decap=none, and
# the command-line errors of --decap and --tunnel-port.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests="$PS_SOURCE_DIR/tests"
status=0
fail() { echo "FAIL: $*"; status=1; }

python3 "$tests/encap/gen_encap.py" "$work/caps" || { echo "FAIL: generation"; exit 1; }

echo "== flows and counters against the generator's expectations"
python3 "$tests/encap/check_encap.py" "$PORTSNIFF" "$work/caps" || status=1

echo "== packet and byte counts against tshark, innermost IP layer"
if command -v "${TSHARK:-tshark}" >/dev/null 2>&1; then
    mkdir "$work/valid"
    cp "$work"/caps/*.pcap "$work/valid/"
    rm "$work/valid/malformed.pcap"    # tshark reads damaged headers differently by design
    python3 "$tests/compare_tshark.py" --portsniff "$PORTSNIFF" --tshark "${TSHARK:-tshark}" \
        --decap=all --check-checksums "$work/valid" >"$work/cmp.out" 2>&1
    rc=$?
    grep -E '^(MISMATCH|ERROR|BADCSUM|KNOWN)' "$work/cmp.out" | head -50
    tail -n 2 "$work/cmp.out"
    [ "$rc" -eq 0 ] || fail "compare_tshark.py --decap=all exit $rc"
    grep -q '^36 matched, 0 known differences, 0 mismatched' "$work/cmp.out" ||
        fail "want 36 inner 5-tuples matched, none known or mismatched"
    grep -q '(138 decapsulated)' "$work/cmp.out" || fail "want 138 decapsulated packets"
else
    fail "tshark not found"
fi

echo "== --decap=none: the outer layers only"
out=$("$PORTSNIFF" -r "$work/caps/vxlan.pcap" --decap=none --flows=csv --report=none) || fail "decap=none exit"
ports=$(printf '%s\n' "$out" | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
print(" ".join(sorted("%s/%s/%s" % (r["proto"], r["id.resp_p"], int(r["orig_pkts"]) + int(r["resp_pkts"])) for r in rows)))')
[ "$ports" = "udp/4789/1 udp/4789/1 udp/4789/3 udp/4789/5 udp/8472/1 udp/8472/1" ] ||
    fail "vxlan.pcap --decap=none flows: $ports"
rep=$("$PORTSNIFF" -r "$work/caps/mpls.pcap" -r "$work/caps/pppoe.pcap" --decap=none --flows=none --report=json)
python3 - "$rep" <<'PY' || status=1
import json, sys
r = json.loads(sys.argv[1])
want = 18 + 12
if r["non_ip"]["packets"] != want or r["totals"]["flows_created"] != 0:
    print("FAIL: --decap=none MPLS+PPPoE: non-IP %d (want %d), flows %d (want 0)"
          % (r["non_ip"]["packets"], want, r["totals"]["flows_created"]))
    sys.exit(1)
PY

echo "== --tunnel-port"
# The VXLAN capture's 4789 moved to 4790 by rewriting the port bytes is
# Geneve's cousin VXLAN-GPE's port: decoded once it is named.
python3 - "$work/caps/vxlan.pcap" "$work/moved.pcap" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
off = 24
while off < len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    f = off + 16
    if data[f + 12:f + 14] == b"\x88\xa8":       # QinQ frames: UDP at 14 + 8 + 20
        u = f + 22 + 20
        if struct.unpack_from("!H", data, u + 2)[0] == 4789:
            struct.pack_into("!H", data, u + 2, 4790)
            struct.pack_into("!H", data, u + 6, 0)   # checksum no longer valid: none
    off = f + incl
open(sys.argv[2], "wb").write(data)
PY
n=$("$PORTSNIFF" -r "$work/moved.pcap" --flows=csv --report=none | grep -c '^[0-9.]*,[^,]*,tcp,10\.1\.0\.1,40001,')
[ "$n" = 0 ] || fail "port 4790 decoded without --tunnel-port"
n=$("$PORTSNIFF" -r "$work/moved.pcap" --tunnel-port vxlan=4790 --flows=json --report=none |
    grep -c '"proto":"tcp","id.orig_h":"10.1.0.1","id.orig_p":40001,"id.resp_h":"10.1.0.2","id.resp_p":443,"orig_pkts":5,"resp_pkts":3')
[ "$n" = 1 ] || fail "--tunnel-port vxlan=4790: inner flow records $n, want 1"

echo "== command-line errors"
check_usage() {
    local want="$1"; shift
    local err rc
    err=$("$PORTSNIFF" "$@" -r "$work/caps/vxlan.pcap" 2>&1 >/dev/null); rc=$?
    [ "$rc" = 2 ] || fail "$* exit $rc, want 2"
    printf '%s\n' "$err" | grep -qF "$want" || fail "$*: '$err' lacks '$want'"
}
check_usage "portsniff: --decap: 'some' is not all or none" --decap=some
check_usage "portsniff: --tunnel-port: unknown tunnel type 'nvgre' (known: vxlan, geneve, gtp-u, l2tp, teredo)" --tunnel-port nvgre=1
check_usage "portsniff: --tunnel-port: '0' is not a UDP port (1-65535)" --tunnel-port vxlan=0
check_usage "portsniff: --tunnel-port: 'geneve' is not TYPE=PORT" --tunnel-port geneve

[ "$status" = 0 ] && echo "PASS"
exit $status
