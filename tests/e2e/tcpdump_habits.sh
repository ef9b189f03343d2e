#!/usr/bin/env bash
# tcpdump's habits: -n/-nn, -l, -v, -t/-tt/-tttt, -i INDEX, -y, -L; and the
# text record's fixed fields that awk reads.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "tcpdump_habits: FAIL: $*" >&2; failed=$((failed + 1)); }

cap="$PS_SOURCE_DIR/captures/sample.pcapng"

# -nr FILE (options bundled as tcpdump users type them) is -r FILE.
"$PORTSNIFF" -r "$cap" --report=none >"$work/plain" 2>"$work/err" || fail "-r exited $?: $(cat "$work/err")"
"$PORTSNIFF" -nr "$cap" --report=none >"$work/n" 2>"$work/err" || fail "-nr exited $?: $(cat "$work/err")"
"$PORTSNIFF" -nnr "$cap" --report=none >"$work/nn" 2>"$work/err" || fail "-nnr exited $?: $(cat "$work/err")"
cmp -s "$work/plain" "$work/n" || fail "-n changed the records"
cmp -s "$work/plain" "$work/nn" || fail "-nn changed the records"
# 12 flows: 4 TCP, 5 UDP, 1 SCTP (tshark -z conv,tcp/udp/sctp: 4, 5, 1), 1 DCCP
# and one ICMP echo flow (frames 58-61: two requests, type 8, and their
# replies, type 0, 98 bytes each).
[ "$(wc -l <"$work/plain")" -eq 12 ] || fail "$(wc -l <"$work/plain") records, want 12"
grep -qx '10:00:01.650793 icmp 192.0.2.10:8 > 198.51.100.1:0 icmp/0 2/196 2/196 1.001900 eof -' "$work/plain" ||
    fail "icmp line: $(grep icmp "$work/plain")"

# Every text line has 11 fields; awk picks them by number.
nf=$(awk '{print NF}' "$work/plain" | sort -u | tr '\n' ' ')
[ "$nf" = "11 " ] || fail "field counts $nf, want 11 on every line"
got=$(awk '$6 == "https/443" {print $2, $3, $5, $7, $8, $10, $11}' "$work/plain" | head -1)
[ "$got" = "tcp 192.0.2.10:49400 198.51.100.43:443 8/896 5/2301 fin FSP./FSP." ] ||
    fail "awk on the https line: '$got'"
grep -qx '10:00:02.999290 dccp 192.0.2.10:49406 > 198.51.100.60:4556 dtn-bundle/4556 5/518 4/304 0.016190 dccp-reset -' \
    "$work/plain" || fail "the DCCP line has no '-' for its TCP flags"
# IPv4 lines fit in 120 columns.
wide=$(awk 'index($3, "[") == 0 && length($0) > 120' "$work/plain" | wc -l)
[ "$wide" -eq 0 ] || fail "$wide IPv4 lines wider than 120 columns"

# -v adds basis, registry status, VLAN, the port's other services, the
# Community ID, the tunnel chain, Zeek's history, the payload bytes and the
# quoted description, last.
"$PORTSNIFF" -vr "$cap" --report=none >"$work/v" 2>"$work/err" || fail "-v exited $?"
grep -qx '10:00:00.001310 tcp 192.0.2.10:49400 > 198.51.100.43:443 https/443 8/896 5/2301 0.078176 fin FSP./FSP. handshake registered - - 1:cgY0XQBJgQEO8xqVdi9VpBvlxW4= - ShADadFf 360/1963 "http protocol over TLS/SSL"' \
    "$work/v" || fail "-v https line: $(grep https "$work/v" | head -1)"
got=$(awk '{print $12}' "$work/v" | sort -u | tr '\n' ' ')
[ "$got" = "fan-in handshake ip-protocol request service-code " ] || fail "-v bases: '$got'"
"$PORTSNIFF" -vr "$PS_SOURCE_DIR/captures/ipv4-frag.pcap" --report=none >"$work/v2" 2>"$work/err" || fail "-v ipv4-frag exited $?"
got=$(awk '{print $6, $15}' "$work/v2")
[ "$got" = "nfs/2049 shilp" ] || fail "-v other services of 2049/udp: '$got'"

# -t leaves the time out, -tt prints epoch seconds, -tttt the date (UTC).
first() { "$PORTSNIFF" "$@" -r "$cap" --report=none 2>/dev/null | head -1; }
[ "$(first -t)" = "tcp 192.0.2.10:49400 > 198.51.100.43:443 https/443 8/896 5/2301 0.078176 fin FSP./FSP." ] ||
    fail "-t: $(first -t)"
[ "$(first -tt | cut -d' ' -f1)" = "1786960800.001310" ] || fail "-tt: $(first -tt)"
[ "$(first -tttt | cut -d' ' -f1)" = "2026-08-17T10:00:00.001310Z" ] || fail "-tttt: $(first -tttt)"

# -l: each record is written as it ends (one write per record on stdout);
# without it the records leave in one write at the end.
if command -v strace >/dev/null; then
    writes() {
        strace -f -e trace=write -e signal=none -o "$work/trace" "$PORTSNIFF" "$@" -r "$cap" --report=none >"$work/l" 2>/dev/null
        grep -c '^[0-9]* *write(1,' "$work/trace"
    }
    [ "$(writes -l)" -eq 12 ] || fail "-l: $(writes -l) writes to stdout, want 12 (one per record)"
    [ "$(writes)" -eq 1 ] || fail "without -l: $(writes) writes to stdout, want 1"
    cmp -s "$work/plain" "$work/l" || fail "-l changed the records"
else
    fail "strace is missing (tools/install-deps.sh installs it)"
fi

# -i INDEX as -D numbers the interfaces; -L lists an interface's link types;
# -y asks for one it does not offer. Nothing is sent: -L only opens lo.
if [ "$(id -u)" -eq 0 ]; then
    idx=$("$PORTSNIFF" -D | awk -F'[.]' '$2 ~ /^lo( |$)/ {print $1; exit}')
    [ -n "$idx" ] || fail "-D lists no lo"
    out=$("$PORTSNIFF" -L -i "$idx" 2>&1) || fail "-L -i $idx exited $?: $out"
    [ "$out" = "Data link types for lo (use option -y to set):
  EN10MB (Ethernet)" ] || fail "-L -i $idx: $out"
    rc=0
    err=$("$PORTSNIFF" -i "$idx" -y LINUX_SLL -c 1 2>&1 >/dev/null) || rc=$?
    [ "$rc" -eq 1 ] && [ "$err" = "portsniff: -y LINUX_SLL: lo does not offer that link type (see portsniff -L -i lo)" ] ||
        fail "-y LINUX_SLL on lo: exit $rc, '$err'"
    rc=0
    err=$("$PORTSNIFF" -i 9999 -c 1 2>&1 >/dev/null) || rc=$?
    [ "$rc" -eq 1 ] && [ "$err" = "portsniff: -i 9999: no interface has that index (see portsniff -D)" ] ||
        fail "-i 9999: exit $rc, '$err'"
else
    echo "tcpdump_habits: not root: -i INDEX, -L and -y not checked" >&2
fi

[ "$failed" -eq 0 ] || exit 1
echo "tcpdump_habits: ok"
