#!/usr/bin/env bash
# Every user error gets one clear line on stderr and the documented exit status.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 failed=0

# expect STATUS 'STDERR LINE' -- ARGS...
expect() {
    local want_rc="$1" want_err="$2"; shift 3
    local rc=0
    "$PORTSNIFF" "$@" >"$work/out" 2>"$work/err" || rc=$?
    local got_err
    got_err=$(cat "$work/err")
    if [ "$rc" -ne "$want_rc" ] || [ "$got_err" != "$want_err" ]; then
        echo "FAIL: portsniff $*"
        echo "  exit $rc (want $want_rc)"
        echo "  stderr: $got_err"
        echo "  want:   $want_err"
        failed=$((failed + 1))
    else
        pass=$((pass + 1))
    fi
}

cap="$PS_SOURCE_DIR/captures/tcp-http.pcap"
printf 'this is not a capture file\n' >"$work/notcap.txt"

expect 2 "portsniff: unknown option '--frobnicate' (see portsniff --help)" -- --frobnicate
expect 2 "portsniff: unknown option -X (see portsniff --help)" -- -X
expect 2 "portsniff: option -y needs an argument (see portsniff --help)" -- -y
expect 2 "portsniff: -y: unknown link type 'FOO' (-L lists an interface's) (see portsniff --help)" -- -y FOO -i lo
expect 2 "portsniff: -y applies to live capture (-i) only (see portsniff --help)" -- -y EN10MB -r "$cap"
expect 2 "portsniff: -L lists the link types of an interface: give -i IFACE (see portsniff --help)" -- -L
expect 2 "portsniff: -ttt: give -t (no time), -tt (epoch) or -tttt (date and time) (see portsniff --help)" -- -ttt -r "$cap"
expect 2 "portsniff: -ttttt: give -t (no time), -tt (epoch) or -tttt (date and time) (see portsniff --help)" -- -ttttt -r "$cap"
expect 2 "portsniff: option -r needs an argument (see portsniff --help)" -- -r
expect 2 "portsniff: option '--flows' needs an argument (see portsniff --help)" -- --flows
expect 2 "portsniff: nothing to read: give -r FILE or -i IFACE (see portsniff --help)" --
expect 2 "portsniff: give -r FILE or -i IFACE, not both (see portsniff --help)" -- -r "$cap" -i lo
expect 2 "portsniff: --flows: unknown format 'xml' (text, csv, json, zeek or none)" -- -r "$cap" --flows=xml
expect 2 "portsniff: --report: unknown format 'pdf' (text, csv, json, html or none)" -- -r "$cap" --report=pdf
expect 2 "portsniff: --top: '101' is not a whole number from 0 to 100" -- -r "$cap" --top 101
expect 2 "portsniff: --top-counters: '0' is not a whole number from 1 to 16777216" -- -r "$cap" --top-counters 0
expect 2 "portsniff: --bucket: '0' is not a number of seconds >= 0.001" -- -r "$cap" --bucket 0
for bad in 24 /33 /24,/129 /24,64 /24/64 /24,/64,/8 /x ''; do
    expect 2 "portsniff: --aggregate: '$bad' is not /V4 or /V4,/V6 (IPv4 prefix 0-32, IPv6 prefix 0-128, for example /24,/64)" -- -r "$cap" --aggregate "$bad"
done
expect 2 "portsniff: -c: '0' is not a whole number from 1 to 18446744073709551615" -- -r "$cap" -c 0
expect 2 "portsniff: --max-flows: 'lots' is not a whole number from 1 to 1000000000" -- -r "$cap" --max-flows lots
expect 2 "portsniff: --idle-timeout: '-5' is not a number of seconds >= 0.001" -- -r "$cap" --idle-timeout -5
expect 2 "portsniff: -Z applies to live capture (-i) only (see portsniff --help)" -- -r "$cap" -Z nobody
expect 1 "portsniff: $work/missing.pcap: No such file or directory" -- -r "$work/missing.pcap"
expect 1 "portsniff: $work/notcap.txt: unknown file format" -- -r "$work/notcap.txt"
expect 2 "portsniff: bad filter expression 'tcp port': can't parse filter expression: syntax error" -- -r "$cap" tcp port
expect 1 "portsniff: $work/nofilter: No such file or directory" -- -r "$cap" -F "$work/nofilter"
expect 1 "portsniff: ps-no-such-if0: no such interface (portsniff -D lists them)" -- -i ps-no-such-if0
expect 0 "" -- -r "$cap" -q --report=none
# --service names are checked against the registry the run uses; the nearest
# names are suggested.
expect 2 "portsniff: --service: no service named 'htps' in built-in (service-names-port-numbers.csv) (did you mean https, ftps?) (see portsniff --help)" -- -r "$cap" --service htps
expect 2 "portsniff: --service: no service named 'nf' in built-in (service-names-port-numbers.csv) (did you mean nfa, nfs, ni, nq, ns?) (see portsniff --help)" -- -r "$cap" --service http,nf
expect 2 "portsniff: --service: no service named 'qqqqqqqqqq' in built-in (service-names-port-numbers.csv) (see portsniff --help)" -- -r "$cap" --service qqqqqqqqqq
expect 2 "portsniff: --service: empty service name in 'http,,ssh' (see portsniff --help)" -- -r "$cap" --service http,,ssh
expect 2 "portsniff: option '--service' needs an argument (see portsniff --help)" -- -r "$cap" --service

hdr='Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes'
printf '%s\nhttp,80,tcp,WWW,,,,,,,,\nbad,7x,tcp,Bad,,,,,,,,\n' "$hdr" >"$work/bad.csv"
printf 'ssh 22/tcp\nbroken line\n' >"$work/bad.services"
printf 'ssh 22/tcp\nhttp 80/tcp\n' >"$work/good.services"
expect 1 "portsniff: $work/bad.csv:3: port number '7x' is not a number" -- --registry "$work/bad.csv" -r "$cap"
expect 1 "portsniff: $work/bad.services:2: expected PORT/PROTOCOL, found 'line'" -- --registry "$work/bad.services" --lookup 22
expect 1 "portsniff: $work/none.csv: No such file or directory" -- --registry "$work/none.csv" --lookup 22
expect 2 "portsniff: --service: no service named 'https' in $work/good.services (did you mean http?) (see portsniff --help)" -- \
    --registry "$work/good.services" -r "$cap" --service https
expect 1 "portsniff: no service named 'no-such-service' in built-in (service-names-port-numbers.csv)" -- --lookup no-such-service
expect 2 "portsniff: bad lookup '99999/tcp': port must be a number from 0 to 65535" -- --lookup 99999/tcp
expect 2 "portsniff: bad lookup '80/xyz': transport must be tcp, udp, sctp or dccp" -- --lookup 80/xyz
expect 0 "" -- --lookup 443/tcp
grep -q '^443/tcp  *service  *https  *"http protocol over TLS/SSL"' "$work/out" && pass=$((pass + 1)) ||
    { echo "FAIL: --lookup 443/tcp printed: $(cat "$work/out")"; failed=$((failed + 1)); }

# No permission to capture: an unprivileged user without CAP_NET_RAW.
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
    rc=0
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
        "$PORTSNIFF" -i lo -q >"$work/out" 2>"$work/err" || rc=$?
    if [ "$rc" -eq 1 ] && [ "$(wc -l <"$work/err")" -eq 1 ] &&
        grep -q "^portsniff: lo: no permission to capture (run as root or grant CAP_NET_RAW)" "$work/err"; then
        pass=$((pass + 1))
    else
        echo "FAIL: unprivileged -i lo: exit $rc, stderr: $(cat "$work/err")"
        failed=$((failed + 1))
    fi
fi

# Report files: an unwritable path is one clear error; a written report
# replaces the old file by rename (a new inode, complete, no temp file left).
expect 1 "portsniff: $work/no/such/dir/r.txt: cannot write: No such file or directory" -- \
    -r "$cap" -q --report-file "$work/no/such/dir/r.txt"
mkdir "$work/rep" && echo "old report" >"$work/rep/r.txt"
old_inode=$(stat -c %i "$work/rep/r.txt")
expect 0 "" -- -r "$cap" -q --report-file "$work/rep/r.txt"
if [ "$(stat -c %i "$work/rep/r.txt")" != "$old_inode" ] && [ "$(ls "$work/rep")" = "r.txt" ] &&
    [ "$(tail -n 1 "$work/rep/r.txt")" = "$(printf '%072d' 0 | tr 0 '*')" ] &&
    grep -q "^http  *tcp  *1  *11  *2854 " "$work/rep/r.txt"; then
    pass=$((pass + 1))
else
    echo "FAIL: --report-file did not replace the report atomically: $(ls "$work/rep"); $(cat "$work/rep/r.txt")"
    failed=$((failed + 1))
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
