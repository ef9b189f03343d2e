#!/usr/bin/env bash
# --flows=zeek writes Zeek's TSV conn.log: Zeek's own tool (bro-cut, from
# Debian's bro-aux) reads its fields by name; uid and conn_state are Zeek's.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "zeek_log: FAIL: $*" >&2; failed=$((failed + 1)); }
command -v bro-cut >/dev/null || { echo "zeek_log: FAIL: bro-cut is missing (tools/install-deps.sh --test installs bro-aux)" >&2; exit 1; }

cap="$PS_SOURCE_DIR/captures/sample.pcapng"
rc=0
"$PORTSNIFF" -r "$cap" --flows=zeek >"$work/conn.log" 2>"$work/err" || rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc: $(head -3 "$work/err")"
# stdout holds the log only; the report went to stderr.
grep -q '^portsniff report (final)' "$work/err" || fail "no report on stderr"
grep -vq '^portsniff report' "$work/conn.log" || fail "empty log"
grep -q '^portsniff report' "$work/conn.log" && fail "the report is in the log"

# The header, as Zeek's ASCII writer writes it.
head -n 5 "$work/conn.log" >"$work/head"
printf '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n' >"$work/want"
cmp -s "$work/head" "$work/want" || fail "header: $(cat -A "$work/head")"
grep -Eq $'^#open\t[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}$' "$work/conn.log" || fail "no #open line"
grep -Eq $'^#close\t[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}$' "$work/conn.log" || fail "no #close line"
[ "$(tail -n 1 "$work/conn.log" | cut -f1)" = "#close" ] || fail "#close is not last"
fields=$(grep '^#fields' "$work/conn.log" | cut -f2-)
types=$(grep '^#types' "$work/conn.log" | cut -f2-)
[ "$(echo "$fields" | awk -F'\t' '{print NF}')" = "$(echo "$types" | awk -F'\t' '{print NF}')" ] || fail "#fields and #types differ in length"
paste <(echo "$fields" | tr '\t' '\n') <(echo "$types" | tr '\t' '\n') >"$work/ft"
for want in "ts time" "uid string" "id.orig_h addr" "id.orig_p port" "id.resp_h addr" "id.resp_p port" \
            "proto enum" "duration interval" "orig_pkts count" "orig_ip_bytes count" "conn_state string" \
            "service string" "sctp_chunks set[string]"; do
    grep -qxF "${want% *}	${want#* }" "$work/ft" || fail "no field $want"
done
# 12 rows (11 TCP, UDP, SCTP and DCCP flows and one ICMP echo flow), each as
# many columns as #fields.
[ "$(grep -vc '^#' "$work/conn.log")" -eq 12 ] || fail "$(grep -vc '^#' "$work/conn.log") rows, want 12"
n=$(echo "$fields" | awk -F'\t' '{print NF}')
bad=$(grep -v '^#' "$work/conn.log" | awk -F'\t' -v n="$n" 'NF != n' | wc -l)
[ "$bad" -eq 0 ] || fail "$bad rows without $n columns"

# bro-cut reads it by field name.
bro-cut id.orig_h id.orig_p id.resp_h id.resp_p proto service conn_state orig_pkts resp_pkts <"$work/conn.log" \
    | sort >"$work/cut"
cat >"$work/want" <<'W'
192.0.2.10	49400	198.51.100.43	443	tcp	https	SF	8	5
192.0.2.10	49402	198.51.100.20	80	tcp	http	SF	6	5
192.0.2.10	49403	203.0.113.123	123	udp	ntp	SF	1	1
192.0.2.10	49404	203.0.113.22	22	tcp	ssh	SF	8	4
192.0.2.10	49405	198.51.100.30	3868	sctp	diameter	OTH	7	6
192.0.2.10	49406	198.51.100.60	4556	dccp	dtn-bundle	OTH	5	4
192.0.2.10	53001	192.0.2.53	53	udp	domain	SF	1	1
192.0.2.10	53002	192.0.2.53	53	udp	domain	SF	1	1
192.0.2.10	53003	192.0.2.53	53	udp	domain	SF	1	1
192.0.2.10	8	198.51.100.1	0	icmp	-	OTH	2	2
192.0.2.60	49407	198.51.100.14	514	udp	syslog	S0	3	0
2001:db8::10	49401	2001:db8:1::44	443	tcp	https	SF	8	5
W
diff "$work/want" "$work/cut" >"$work/diff" || fail "bro-cut: $(cat "$work/diff")"
# Absent values are "-" (no VLAN, no SCTP chunks on a TCP flow); a set is comma-separated.
[ "$(bro-cut proto vlan sctp_chunks dccp_service_code <"$work/conn.log" | grep '^tcp' | sort -u)" = "tcp	-	-	-" ] ||
    fail "absent values: $(bro-cut proto vlan sctp_chunks <"$work/conn.log" | grep '^tcp' | sort -u)"
[ "$(bro-cut proto sctp_chunks <"$work/conn.log" | grep '^sctp')" = "sctp	DATA,INIT,INIT_ACK,SACK,HEARTBEAT,HEARTBEAT_ACK,SHUTDOWN,SHUTDOWN_ACK,COOKIE_ECHO,COOKIE_ACK,SHUTDOWN_COMPLETE" ] ||
    fail "sctp set: $(bro-cut proto sctp_chunks <"$work/conn.log" | grep '^sctp')"
# ICMP and ICMPv6 as Zeek's conn.log has them: proto icmp for both, the type
# in id.orig_p and the counterpart's type (echo reply 0, ICMPv6 echo reply
# 129) in id.resp_p, no service, conn_state OTH. The third is the echo
# request frame 81 carries inside GRE, counted to its innermost flow.
"$PORTSNIFF" -r "$PS_SOURCE_DIR/captures/mixed.pcapng" --flows=zeek --report=none 2>/dev/null \
    | bro-cut id.orig_h id.orig_p id.resp_h id.resp_p proto service conn_state orig_ip_bytes resp_ip_bytes \
    | grep -P '\ticmp\t' | sort >"$work/icmp"
printf '192.0.2.10\t8\t198.51.100.1\t0\ticmp\t-\tOTH\t84\t84\n2001:db8::10\t128\t2001:db8:1::1\t129\ticmp\t-\tOTH\t104\t104\n192.0.2.100\t8\t198.51.100.100\t0\ticmp\t-\tOTH\t84\t0\n' \
    | sort >"$work/want"
diff "$work/want" "$work/icmp" >"$work/diff" || fail "ICMP rows of mixed.pcapng: $(cat "$work/diff")"
# -d turns times into dates.
[ "$(bro-cut -u -d ts id.orig_p <"$work/conn.log" | grep -P '\t49400$' | cut -f1)" = "2026-08-17T10:00:00+0000" ] ||
    fail "bro-cut -d ts: $(bro-cut -u -d ts id.orig_p <"$work/conn.log" | grep -P '\t49400$')"

# uid: "C" and 17 base62 digits, one per flow, the same in every format and run.
bro-cut uid <"$work/conn.log" >"$work/uids"
bad=$(grep -cvE '^C[0-9A-Za-z]{17}$' "$work/uids")
[ "$bad" -eq 0 ] || fail "$bad uids not of Zeek's form"
[ "$(sort -u "$work/uids" | wc -l)" -eq 12 ] || fail "uids are not unique"
"$PORTSNIFF" -r "$cap" --flows=json --report=none | jq -r .uid | sort >"$work/json-uids"
sort "$work/uids" | cmp -s - "$work/json-uids" || fail "JSON uids differ from the Zeek log's"

[ "$failed" -eq 0 ] || exit 1
echo "zeek_log: ok"
