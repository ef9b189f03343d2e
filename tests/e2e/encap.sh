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
    # tshark reads damaged headers differently by design
    rm "$work/valid/malformed.pcap" "$work/valid/wlan_malformed.pcap"
    python3 "$tests/compare_tshark.py" --portsniff "$PORTSNIFF" --tshark "${TSHARK:-tshark}" \
        --decap=all --check-checksums "$work/valid" >"$work/cmp.out" 2>&1
    rc=$?
    grep -E '^(MISMATCH|ERROR|BADCSUM|KNOWN)' "$work/cmp.out" | head -50
    tail -n 2 "$work/cmp.out"
    [ "$rc" -eq 0 ] || fail "compare_tshark.py --decap=all exit $rc"
    grep -q '^42 matched, 0 known differences, 0 mismatched' "$work/cmp.out" ||
        fail "want 42 inner 5-tuples matched, none known or mismatched"
    grep -q '(138 decapsulated)' "$work/cmp.out" || fail "want 138 decapsulated packets"
else
    fail "tshark not found"
fi

echo "== tunnel chains on the flow records"
chains=$(cd "$work/caps" && for f in *.pcap; do
    "$PORTSNIFF" -r "$f" --flows=csv --report=none | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    if r["tunnel"]:
        print(sys.argv[1], r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_p"], r["tunnel"])' "$f"
done)
want_chains='erspan.pcap tcp 10.4.0.1 40031 443 gre@192.0.2.1>192.0.2.2/erspan
erspan.pcap tcp 10.4.1.1 40032 25 gre@192.0.2.1>192.0.2.2/erspan#101
erspan.pcap udp 10.4.2.1 40033 161 gre@192.0.2.1>192.0.2.2/erspan#102
erspan.pcap tcp 10.4.3.1 40034 3306 gre@192.0.2.1>192.0.2.2/erspan#103
geneve.pcap tcp 10.2.0.1 40011 22 geneve@2001:db8::1>2001:db8::2#42
geneve.pcap udp fd00:2::1 40012 123 geneve@192.0.2.1>192.0.2.2#43
gre.pcap tcp 10.3.0.1 40021 80 gre@192.0.2.1>192.0.2.2#4096
gre.pcap tcp fd00:3::1 40022 443 gre@2001:db8::1>2001:db8::2
gre.pcap udp 10.3.1.1 40023 514 gre@192.0.2.1>192.0.2.2#9
gre.pcap tcp 10.3.2.1 40024 179 gre@192.0.2.1>192.0.2.2/mpls#16:3001
gtpu.pcap tcp 10.45.0.1 40071 443 gtp-u@2001:db8::1>2001:db8::2#4096
gtpu.pcap udp 10.45.0.2 40072 53 gtp-u@192.0.2.1>192.0.2.2#8192
ipip.pcap tcp 10.5.0.1 40041 8080 ip-in-ip@192.0.2.1>192.0.2.2
ipip.pcap tcp fd00:5::3 40042 8443 ip-in-ip@192.0.2.1>192.0.2.2
ipip.pcap tcp 10.5.2.1 40043 8080 ip-in-ip@2001:db8::1>2001:db8::2
ipip.pcap tcp fd00:5::7 40044 8443 ip-in-ip@2001:db8::1>2001:db8::2
l2tp.pcap tcp 10.20.0.1 40101 443 l2tp@192.0.2.1>192.0.2.2#5:9
link-pppoe.pcap tcp 10.40.51.1 41051 443 pppoe#3
mpls.pcap tcp 10.6.0.1 40051 443 mpls#100:2001
mpls.pcap udp fd00:6::1 40052 53 mpls#300:2
mpls.pcap tcp 10.6.1.1 40053 80 mpls#400:5001
pppoe.pcap tcp 100.64.0.10 40061 80 vlan#300/pppoe#257
pppoe.pcap udp fd00:7::1 40062 53 vlan#300/pppoe#257
pptp.pcap tcp 10.30.0.1 40121 22 pptp@192.0.2.1>192.0.2.2#256
teredo.pcap tcp 2001:0:4136:e378:8000:63bf:3fff:fdfe 40111 80 teredo@192.0.2.1>192.0.2.2
vxlan.pcap tcp 10.1.0.1 40001 443 vlan#100/vxlan@192.0.2.1>192.0.2.2#5001
vxlan.pcap udp 10.1.0.1 40002 53 vxlan@192.0.2.1>192.0.2.2#7'
[ "$chains" = "$want_chains" ] || { fail "CSV tunnel column differs"; diff <(printf '%s\n' "$want_chains") <(printf '%s\n' "$chains"); }
# The same chain as JSON objects, as field 17 of a text line with -v and as Zeek's column.
"$PORTSNIFF" -r "$work/caps/vxlan.pcap" -r "$work/caps/mpls.pcap" -r "$work/caps/l2tp.pcap" \
    --flows=json --report=none >"$work/chains.json" || fail "JSON records exit"
python3 - "$work/chains.json" <<'PY' || status=1
import json, sys
got = {(r["id.orig_h"], r["id.orig_p"]): r.get("tunnel") for r in map(json.loads, open(sys.argv[1]))}
want = {
    ("10.1.0.1", 40001): [{"type": "vlan", "id": 100},
                          {"type": "vxlan", "src": "192.0.2.1", "dst": "192.0.2.2", "vni": 5001}],
    ("10.6.0.1", 40051): [{"type": "mpls", "labels": [100, 2001], "stack_depth": 2}],
    ("10.20.0.1", 40101): [{"type": "l2tp", "src": "192.0.2.1", "dst": "192.0.2.2",
                            "tunnel_id": 5, "session_id": 9}],
    ("192.0.2.1", 50000): None,      # the VXLAN tunnel's own UDP flow is not tunnelled
}
bad = [(k, got.get(k), v) for k, v in want.items() if got.get(k, "missing") != v]
for k, g, v in bad:
    print("FAIL: JSON tunnel of %s: %s, want %s" % (k, g, v))
sys.exit(1 if bad else 0)
PY
t17=$("$PORTSNIFF" -r "$work/caps/vxlan.pcap" -v --report=none | awk '$3 == "10.1.0.1:40001" {print $17}')
[ "$t17" = "vlan#100/vxlan@192.0.2.1>192.0.2.2#5001" ] || fail "text -v field 17: '$t17'"
z=$("$PORTSNIFF" -r "$work/caps/gtpu.pcap" --flows=zeek --report=none |
    awk -F'\t' '/^#fields/ {for (i = 2; i <= NF; i++) {if ($i == "tunnel") c = i - 1; if ($i == "id.orig_h") o = i - 1}}
                 !/^#/ && $o == "10.45.0.2" {print $c}')
[ "$z" = "gtp-u@192.0.2.1>192.0.2.2#8192" ] || fail "Zeek tunnel column: '$z'"

echo "== tunnel chains against tshark (outer endpoints and identifiers)"
if command -v "${TSHARK:-tshark}" >/dev/null 2>&1; then
    (cd "$work/valid" && python3 "$tests/encap/check_tunnels.py" "$PORTSNIFF" "${TSHARK:-tshark}" *.pcap) \
        >"$work/tun.out" 2>&1
    grep -E '^(DISAGREE|NOFRAME)' "$work/tun.out" | head -20
    tail -n 1 "$work/tun.out"
    grep -q '^27 tunnelled flows, 27 agree with tshark, 0 disagree$' "$work/tun.out" ||
        fail "want 27 of 27 tunnel chains as tshark dissects them"
fi

echo "== the report's tunnels table, in every format"
for fmt in text csv json html; do
    "$PORTSNIFF" -r "$work/caps/gtpu.pcap" -r "$work/caps/erspan.pcap" --flows=none --report=$fmt \
        >"$work/tun.$fmt" || fail "--report=$fmt exit"
done
python3 - "$work" "$PS_SOURCE_DIR/tests/e2e" <<'PY' || status=1
import sys
sys.path.insert(0, sys.argv[2])
import report_parse as rp
w = sys.argv[1]
reps = {f: getattr(rp, "parse_%s_stream" % f)(open("%s/tun.%s" % (w, f)).read())[0]
        for f in ("json", "csv", "text", "html")}
# GRE carries the four ERSPAN sessions (26 frames in all); each GTP-U
# direction has its own TEID; the tunnels' own UDP flows (GTP-U echo) are
# not in it.
want = [["gre", "192.0.2.1", "192.0.2.2", "", 4, 26, 4184],
        ["erspan", "", "", "103", 1, 8, 1392],
        ["erspan", "", "", "101", 1, 8, 1268],
        ["erspan", "", "", "", 1, 8, 1172],
        ["gtp-u", "2001:db8::1", "2001:db8::2", "4096", 1, 5, 690],
        ["gtp-u", "2001:db8::1", "2001:db8::2", "4097", 1, 3, 654],
        ["erspan", "", "", "102", 1, 2, 352],
        ["gtp-u", "192.0.2.1", "192.0.2.2", "8193", 1, 1, 198],
        ["gtp-u", "192.0.2.1", "192.0.2.2", "8192", 1, 1, 110]]
ok = True
got = [t[:7] for t in reps["json"]["tunnels"]]
if got != want:
    print("FAIL: JSON tunnels %s, want %s" % (got, want))
    ok = False
base = rp.at_text_precision(reps["json"])
for f in ("csv", "text", "html"):
    d = rp.diff(base["tunnels"], rp.at_text_precision(reps[f])["tunnels"])
    if d:
        print("FAIL: %s tunnels differ from JSON: %s" % (f, d))
        ok = False
sys.exit(0 if ok else 1)
PY

echo "== overlapping inner addresses behind different VNIs"
# Two tenants' 10.0.0.1:40000 -> 10.0.0.2:80 TCP conversations, one behind
# VXLAN VNI 100 and one behind 200 (the VXLAN packets' UDP source ports
# differ per direction, as senders hash them): two flows of 5+3 packets, not
# one of 10+6; GTP-U's per-direction TEIDs (11 up, 22 down) stay one flow.
python3 - "$tests/encap" "$work" <<'PY' || fail "overlap capture"
import sys
sys.path.insert(0, sys.argv[1])
import gen_encap as g
cap = g.Capture(sys.argv[2], "overlap")
for vni in (100, 200):
    f = g.Flow(g.TCP, g.v4(10, 0, 0, 1), 40000, g.v4(10, 0, 0, 2), 80)
    cap.flow(f, lambda d, ip: g.outer_udp(d, 4789, g.vxlan_hdr(vni) + g.inner_ether(ip), sport=50000 + 7 * d))
f = g.Flow(g.TCP, g.v4(10, 45, 0, 9), 40001, g.v4(198, 51, 100, 1), 443)
cap.flow(f, lambda d, ip: g.outer_udp(d, 2152, g.gtpu_hdr(11 if d == 0 else 22, ip), sport=2152))
cap.close()
PY
got=$("$PORTSNIFF" -r "$work/overlap.pcap" --flows=csv --report=none | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    print(r["id.orig_h"], r["id.resp_p"], r["orig_pkts"], r["resp_pkts"], r["tunnel"])')
want='10.0.0.1 80 5 3 vxlan@192.0.2.1>192.0.2.2#100
10.0.0.1 80 5 3 vxlan@192.0.2.1>192.0.2.2#200
10.45.0.9 443 5 3 gtp-u@192.0.2.1>192.0.2.2#11'
[ "$got" = "$want" ] || { fail "flows behind VNIs 100 and 200"; printf '%s\n' "$got"; }
u=$("$PORTSNIFF" -r "$work/overlap.pcap" --flows=json --report=none | grep -c '"id.orig_h":"10.0.0.1"')
[ "$u" = 2 ] || fail "JSON records of 10.0.0.1: $u, want 2"
n=$("$PORTSNIFF" -r "$work/overlap.pcap" --decap=none --flows=csv --report=none | grep -c ',udp,')
[ "$n" = 3 ] || fail "--decap=none: $n outer UDP flows, want 3 (both VNIs' VXLAN packets share their outer ports)"

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
