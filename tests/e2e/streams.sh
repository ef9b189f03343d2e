#!/usr/bin/env bash
# Standard output holds one format (portsniff(1), STANDARD OUTPUT AND
# PIPELINES): each flow format is read by the tool a user would pipe it to
# (jq, sqlite3 .import, awk), and the report lands where the rule says.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
pass=0 failed=0
cap="$PS_SOURCE_DIR/captures/sample.pcapng"
flows=12   # flow records of sample.pcapng (11 with ports, one ICMP echo flow)

fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() {   # check WHAT COMMAND...
    local what=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail "$what"; echo "  stdout: $(head -c 300 out)"; echo "  stderr: $(head -c 300 err)"; fi
}
run() { rc=0; "$PORTSNIFF" "$@" >out 2>err || rc=$?; }
report_head='portsniff report (final): 2026-08-17T10:00:00.000000Z to 2026-08-17T10:00:03.285481Z'

# Default: text records on stdout, the text report on stderr.
run -r "$cap"
check "default: exit 0, $flows text records and nothing else on stdout" \
    eval '[ $rc -eq 0 ] && [ "$(wc -l <out)" -eq $flows ] &&
          [ "$(grep -cE "^10:00:0[0-9][.][0-9]{6} (tcp|udp|sctp|dccp|icmp) " out)" -eq $flows ]'
check "default: the text report is on stderr" \
    eval '[ "$(head -n 1 err)" = "$report_head" ] && grep -q "^https  *tcp  *2  *26  *6657 " err'

# JSON records straight into jq; the text report stays out of the stream.
rc=0
"$PORTSNIFF" -r "$cap" --flows=json 2>err | jq -r .service >services || rc=$?
check "--flows=json | jq: every line parses ($flows), the report on stderr" \
    eval '[ $rc -eq 0 ] && [ "$(wc -l <services)" -eq $flows ] && [ "$(grep -c "^https$" services)" -eq 2 ] &&
          [ "$(head -n 1 err)" = "$report_head" ]'

# JSON records and the JSON report: one NDJSON stream, told apart by "record".
run -r "$cap" --flows=json --report=json
check "--flows=json --report=json: NDJSON, $flows flow records then one report, stderr empty" \
    eval '[ $rc -eq 0 ] && [ ! -s err ] &&
          [ "$(jq -r .record out | sort | uniq -c | tr -s " " | sed "s/^ //" | tr "\n" ,)" = "$flows flow,1 report," ] &&
          [ "$(tail -n 1 out | jq -r "[.record, .report, .totals.packets] | @tsv")" = "$(printf "report\tfinal\t86")" ]'
check "--flows=json --report=json: jq selects the flows" \
    eval '[ "$(jq -s "map(select(.record == \"flow\") | .orig_pkts) | add" out)" -eq 51 ]'

# CSV records: one table that sqlite3 imports as is; a CSV report goes to stderr.
run -r "$cap" --flows=csv --report=csv
check "--flows=csv --report=csv: one header then $flows rows on stdout, the report on stderr" \
    eval '[ $rc -eq 0 ] && [ "$(wc -l <out)" -eq $((flows + 1)) ] && head -n 1 out | grep -q "^ts,duration,proto," &&
          grep -q "^caveat," err && ! grep -q caveat out'
rc=0
sqlite3 db.sqlite ".import --csv out flows" && got=$(sqlite3 db.sqlite \
    "select count(*), sum(orig_pkts + resp_pkts), (select service from flows where proto = 'sctp') from flows") || rc=$?
check "sqlite3 .import of the CSV stream: $flows rows, their packets, the SCTP service" \
    eval '[ $rc -eq 0 ] && [ "$got" = "12|86|diameter" ]'

# awk over the text records: the transport is the second field of every line.
rc=0
"$PORTSNIFF" -r "$cap" 2>/dev/null | awk '{n[$2]++} END {printf "%d %d %d %d %d\n", n["tcp"], n["udp"], n["sctp"], n["dccp"], n["icmp"]}' >counts || rc=$?
check "text records | awk: transports counted" eval '[ $rc -eq 0 ] && [ "$(cat counts)" = "4 5 1 1 1" ]'

# No records on stdout: the report takes it.
run -r "$cap" -q
check "-q: the text report on stdout, stderr empty" \
    eval '[ $rc -eq 0 ] && [ ! -s err ] && [ "$(head -n 1 out)" = "$report_head" ]'
run -r "$cap" --flows=json --flows-file f.json --report=csv
check "--flows-file: the report on stdout, the records in the file" \
    eval '[ $rc -eq 0 ] && [ ! -s err ] && [ "$(head -n 1 out)" = "kind,name,transport,status,bucket_start,endpoint,flows,packets,bytes,ip_bytes,share,error,value" ] &&
          [ "$(jq -s length f.json)" -eq $flows ]'
run -r "$cap" --flows=json --report=text
check "--flows=json --report=text: the report on stderr" \
    eval '[ $rc -eq 0 ] && [ "$(jq -s length out)" -eq $flows ] && [ "$(head -n 1 err)" = "$report_head" ]'
# --report-file -: sharing by request, the text report after a blank line.
run -r "$cap" --report-file -
check "--report-file -: records, a blank line, the report, all on stdout" \
    eval '[ $rc -eq 0 ] && [ ! -s err ] && [ "$(sed -n "$((flows + 1))p" out)" = "" ] &&
          [ "$(sed -n "$((flows + 2))p" out)" = "$report_head" ]'

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
