#!/usr/bin/env bash
# IPFIX export from capture files, checked against portsniff's own JSON
# records by standard collectors and decoders:
#  - file:PATH for every sample capture: ipfixDump and tshark decode it,
#    every record equals its JSON record (tests/e2e/ipfix_check.py);
#  - UDP to nfcapd on 127.0.0.1: nfdump -r shows every flow with its packets
#    and bytes each way;
#  - TCP to a collector (nfcapd and nfacctd take UDP only, so the test's
#    collector saves the stream and hands each message on to nfcapd);
#  - a TCP collector that is down, one that is too slow, a UDP port nobody
#    listens on: the run finishes and says how many records were not sent;
#  - usage errors and a file that cannot be written.
set -euo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}" "${PS_BUILD_DIR:?}"

name=ipfix_export
here="$PS_SOURCE_DIR/tests/e2e"
collector="$here/ipfix_collector.py"
check="$here/ipfix_check.py"
caps="$PS_SOURCE_DIR/captures"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "$name: FAIL: $*" >&2; exit 1; }

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches.
wait_for() {
    local file="$1" re="$2" limit="${3:-30}"
    for _ in $(seq $((limit * 20))); do
        grep -Eq "$re" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "waited ${limit}s for '$re' in $file: $(tail -5 "$file" 2>/dev/null)"
}

# nfcapd_start DIR: nfcapd on 127.0.0.1 and a free UDP port; sets nf_port, nf_pid.
nfcapd_start() {
    local dir="$1"
    mkdir -p "$dir"
    nf_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    nfcapd -b 127.0.0.1 -p "$nf_port" -w "$dir" -t 3600 -B 4194304 >"$dir.log" 2>&1 &
    nf_pid=$!
    pids+=("$nf_pid")
    wait_for "$dir.log" "Startup"
    # nfcapd logs before it binds: wait until the socket is there.
    for _ in $(seq 200); do
        ss -Hunl "sport = :$nf_port" | grep -q . && return 0
        sleep 0.05
    done
    fail "nfcapd did not bind 127.0.0.1:$nf_port"
}

# nfcapd_stop: once its socket has nothing left to read, stop nfcapd (it
# writes its file on the way out).
nfcapd_stop() {
    for _ in $(seq 200); do
        [ "$(ss -Hunl "sport = :$nf_port" | awk '{print $2}')" = "0" ] && break
        sleep 0.05
    done
    kill -TERM "$nf_pid"
    wait "$nf_pid" || true
}

# collector_start MODE OUT [ARGS...]: tests/e2e/ipfix_collector.py; sets col_port, col_pid, col_log.
collector_start() {
    local mode="$1" out="$2"
    shift 2
    col_log="$out.log"
    python3 "$collector" "$mode" "$out" "$@" >"$col_log" 2>&1 &
    col_pid=$!
    pids+=("$col_pid")
    wait_for "$col_log" "^listening [0-9]+"
    col_port=$(awk '/^listening/ {print $2; exit}' "$col_log")
}

inputs=()
for f in "$caps"/*.pcap "$caps"/*.pcapng; do
    case "$f" in *unsupported-link*) ;; *) inputs+=(-r "$f") ;; esac
done

# --- 1. file:PATH for every capture, and two files at once -------------------
n=0
for f in "$caps"/*.pcap "$caps"/*.pcapng; do
    b=$(basename "$f")
    rc=0
    "$PORTSNIFF" -r "$f" --flows=json --report=none --ipfix "file:$work/$b.ipfix" --ipfix-domain 7 \
        >"$work/$b.json" 2>"$work/$b.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "$b: exit $rc: $(cat "$work/$b.err")"
    python3 "$check" file "$work/$b.ipfix" "$work/$b.json" --domain 7 --complete --no-tshark >/dev/null ||
        fail "$b: the IPFIX file differs from the JSON records"
    n=$((n + 1))
done
echo "$name: $n captures exported to IPFIX files, each equal to its JSON records (ipfixDump)"

"$PORTSNIFF" "${inputs[@]}" --flows=json --report=none >"$work/all.json"
nflows=$(wc -l <"$work/all.json")
[ "$nflows" -ge 30 ] || fail "only $nflows flows in the sample captures"
"$PORTSNIFF" "${inputs[@]}" -q --report=none --ipfix "file:$work/a.ipfix" --ipfix "file:$work/b.ipfix"
for x in a b; do
    python3 "$check" file "$work/$x.ipfix" "$work/all.json" --complete >/dev/null || fail "two files: $x.ipfix"
done
echo "$name: two --ipfix files at once, $nflows flows in each"

# --- 2. UDP to nfcapd ----------------------------------------------------------
nfcapd_start "$work/nf-udp"
"$PORTSNIFF" "${inputs[@]}" -q --report=none --ipfix "udp://127.0.0.1:$nf_port" --ipfix-domain 3 2>"$work/udp.err" ||
    fail "udp export: $(cat "$work/udp.err")"
[ ! -s "$work/udp.err" ] || fail "udp export said: $(cat "$work/udp.err")"
nfcapd_stop
grep -q "Observation domain 3 from: 127.0.0.1" "$work/nf-udp.log" || fail "nfcapd: $(cat "$work/nf-udp.log")"
grep -q "Sequence Errors: 0" "$work/nf-udp.log" || fail "nfcapd saw sequence errors: $(cat "$work/nf-udp.log")"
python3 "$check" nfdump "$work/nf-udp" "$work/all.json" || fail "nfdump after UDP export"

# --- 3. TCP to the test's collector, relayed to nfcapd ---------------------------
nfcapd_start "$work/nf-tcp"
collector_start tcp "$work/tcp.ipfix" --relay "$nf_port"
"$PORTSNIFF" "${inputs[@]}" -q --report=none --ipfix "tcp://127.0.0.1:$col_port" 2>"$work/tcp.err" ||
    fail "tcp export: $(cat "$work/tcp.err")"
[ ! -s "$work/tcp.err" ] || fail "tcp export said: $(cat "$work/tcp.err")"
wait_for "$col_log" "^closed 1$"
# The connection began with the templates: sets 2 (templates) and 3 (options template).
first=$(awk '/^message 1 /' "$col_log")
[[ "$first" =~ sets\ [23](,[23])*$ && "$first" == *2* && "$first" == *3* ]] || fail "first message over TCP: $first"
nfcapd_stop
python3 "$check" file "$work/tcp.ipfix" "$work/all.json" --complete || fail "TCP stream"
python3 "$check" nfdump "$work/nf-tcp" "$work/all.json" || fail "nfdump after TCP export"

# --- 4. a TCP collector that is not there -----------------------------------------
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rc=0
"$PORTSNIFF" "${inputs[@]}" -q --report=none --ipfix "tcp://127.0.0.1:$closed_port" 2>"$work/down.err" || rc=$?
[ "$rc" -eq 0 ] || fail "collector down: exit $rc"
grep -qx "portsniff: --ipfix tcp://127.0.0.1:$closed_port: $nflows of $nflows flow records not sent" "$work/down.err" ||
    fail "collector down: stderr was: $(cat "$work/down.err")"
echo "$name: TCP collector down: exit 0, all $nflows records counted as not sent"

# --- 5. a UDP port nobody listens on ---------------------------------------------
# The kernel takes each datagram; the ICMP port unreachable it earns makes
# the next send fail, so some messages count as sent, the others not.
# sample.pcapng has 12 flows (11 with ports, one ICMP echo).
rc=0
"$PORTSNIFF" -r "$caps/sample.pcapng" -q --report=json --ipfix "udp://127.0.0.1:$closed_port" \
    >"$work/udp-down.json" 2>"$work/udp-down.err" || rc=$?
[ "$rc" -eq 0 ] || fail "UDP port closed: exit $rc"
lost=$(sed -n "s|^portsniff: --ipfix udp://127.0.0.1:$closed_port: \([0-9]*\) of 12 flow records not sent$|\1|p" "$work/udp-down.err")
[ -n "$lost" ] && [ "$lost" -gt 0 ] || fail "UDP port closed: stderr was: $(cat "$work/udp-down.err")"
sent_lost=$(jq -r '.ipfix[0] | "\(.records) \(.not_sent_records)"' "$work/udp-down.json")
[ "$sent_lost" = "$((12 - lost)) $lost" ] || fail "UDP port closed: report says '$sent_lost', stderr $lost not sent"
echo "$name: UDP port closed: $lost of 12 records refused and counted, in the report too"

# --- 6. a TCP collector too slow to keep up -----------------------------------------
gen="$PS_BUILD_DIR/bench/gen-bench"
[ -x "$gen" ] || fail "$gen not built (configure with PORTSNIFF_BENCH=ON)"
"$gen" -o "$work/flood.pcap" --flood 150000 >/dev/null 2>&1
collector_start tcp "$work/slow.ipfix" --hold "$work/go"
rc=0
"$PORTSNIFF" -r "$work/flood.pcap" -q --report=none --ipfix "tcp://127.0.0.1:$col_port" --ipfix-queue 64 \
    2>"$work/slow.err" || rc=$?
[ "$rc" -eq 0 ] || fail "slow collector: exit $rc: $(cat "$work/slow.err")"
lost=$(sed -n "s|^portsniff: --ipfix tcp://127.0.0.1:$col_port: \([0-9]*\) of 150000 flow records not sent$|\1|p" "$work/slow.err")
[ -n "$lost" ] && [ "$lost" -gt 0 ] || fail "slow collector: stderr was: $(cat "$work/slow.err")"
touch "$work/go"
wait_for "$col_log" "^closed 1" 60
got=$(ipfixDump --in "$work/slow.ipfix" --stats 2>&1 | sed -n 's/.*\*\*\* File Stats: [0-9]* Messages, \([0-9]*\) Data Records.*/\1/p')
[ -n "$got" ] || fail "slow collector: ipfixDump: $(ipfixDump --in "$work/slow.ipfix" --stats 2>&1 | tail -3)"
# Flow records received (data records less the statistics records that made it).
stats=$(ipfixDump --in "$work/slow.ipfix" --data 2>/dev/null | grep -c "tid:   258" || true)
received=$((got - stats))
[ $((received + lost)) -eq 150000 ] ||
    fail "slow collector: $received received + $lost not sent != 150000"
echo "$name: slow TCP collector: $received records delivered, $lost counted as not sent, capture went on"

# --- 7. usage errors and write errors -------------------------------------------------
expect_error() {
    local want_rc="$1" want="$2"
    shift 2
    local rc=0
    "$PORTSNIFF" "$@" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -eq "$want_rc" ] || fail "$*: exit $rc, expected $want_rc ($(cat "$work/err"))"
    [ "$(cat "$work/err")" = "$want" ] || fail "$*: stderr '$(cat "$work/err")', expected '$want'"
}
s="$caps/sample.pcapng"
expect_error 2 "portsniff: --ipfix udp://127.0.0.1: expected HOST:PORT with a port from 1 to 65535 (see portsniff --help)" \
    -r "$s" --ipfix udp://127.0.0.1
expect_error 2 "portsniff: --ipfix tcp://[::1]:70000: expected HOST:PORT with a port from 1 to 65535 (see portsniff --help)" \
    -r "$s" --ipfix 'tcp://[::1]:70000'
expect_error 2 "portsniff: --ipfix http://x:1: expected udp://HOST:PORT, tcp://HOST:PORT or file:PATH (see portsniff --help)" \
    -r "$s" --ipfix http://x:1
expect_error 2 "portsniff: --ipfix-domain: '4294967296' is not a whole number from 0 to 4294967295" \
    -r "$s" --ipfix file:x --ipfix-domain 4294967296
expect_error 2 "portsniff: --ipfix-template-refresh: '0.5' is not a number of seconds >= 1" \
    -r "$s" --ipfix file:x --ipfix-template-refresh 0.5
expect_error 2 "portsniff: --ipfix-queue: '8' is not a whole number from 64 to 4194304" \
    -r "$s" --ipfix file:x --ipfix-queue 8
expect_error 1 "portsniff: $work/no/such/dir.ipfix: cannot write: No such file or directory" \
    -r "$s" --ipfix "file:$work/no/such/dir.ipfix"
# A full disk: a device node like /dev/full, made here.
mknod "$work/full" c 1 7
expect_error 1 "portsniff: $work/full: write error: No space left on device" \
    -r "$s" -q --report=none --ipfix "file:$work/full"
expect_error 2 "portsniff: --ipfix file:-: standard output already carries the flow records" \
    -r "$s" --ipfix file:-
expect_error 2 "portsniff: --ipfix file:-: standard output already carries the report" \
    -r "$s" -q --ipfix file:-
echo "$name: usage and write errors ok"

# --- 8. file:- is standard output, for a pipe ---------------------------------------------
"$PORTSNIFF" -r "$s" --flows=json --flows-file "$work/pipe.json" --report=none --ipfix file:- |
    cat >"$work/pipe.ipfix"
python3 "$check" file "$work/pipe.ipfix" "$work/pipe.json" --complete || fail "file:- through a pipe"
