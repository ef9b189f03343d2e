#!/usr/bin/env bash
# Zeek's history, conn_state, orig_bytes and resp_bytes: every flow of
# captures/ against tshark's payload sums, hand-made scapy captures with
# known flag sequences, and the values bro-cut reads from the Zeek log.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "zeek_history: FAIL: $*" >&2; failed=$((failed + 1)); }

# Debian's python3 (with python3-scapy), not another one first in PATH.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$py" "$PS_SOURCE_DIR/tests/e2e/zeek_history.py" "$PORTSNIFF" "$PS_SOURCE_DIR/captures" "$work" ||
    failed=$((failed + 1))

# bro-cut reads the new columns by name; Zeek's order puts them after duration.
if command -v bro-cut >/dev/null; then
    "$PORTSNIFF" -r "$PS_SOURCE_DIR/captures/sample.pcapng" --flows=zeek --report=none >"$work/conn.log" 2>/dev/null
    got=$(bro-cut id.resp_p proto history orig_bytes resp_bytes conn_state <"$work/conn.log" | sort -n | tr '\t' ' ')
    want="0 icmp - - - OTH
22 tcp ShAdDFf 437 456 SF
53 udp Dd 56 60 SF
53 udp Dd 56 60 SF
53 udp Dd 59 75 SF
80 tcp ShADadFf 89 1669 SF
123 udp Dd 48 48 SF
443 tcp ShADadFf 360 1963 SF
443 tcp ShADadFf 363 1963 SF
514 udp D 279 0 S0
3868 sctp - - - OTH
4556 dccp - - - OTH"
    [ "$got" = "$want" ] || fail "bro-cut of sample.pcapng:
$got"
    fields=$(grep '^#fields' "$work/conn.log" | cut -f2-18 | tr '\t' ' ')
    [ "$fields" = "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes" ] ||
        fail "Zeek's columns not in Zeek's order: $fields"
else
    fail "bro-cut is missing (tools/install-deps.sh installs bro-aux)"
fi

[ "$failed" -eq 0 ] || exit 1
echo "zeek_history: ok"
