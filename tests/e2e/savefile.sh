#!/usr/bin/env bash
# -w FILE (the packets read saved as pcap), -w - (the pcap alone on standard
# output), -G SECONDS rotation of the -w and --flows-file files by packet
# time (files) and by the clock (live), -W COUNT. Packet counts are read back
# with capinfos and tcpdump. No sleeps: the live case waits for portsniff to
# stop itself at -W.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "savefile: FAIL: $*" >&2; failed=$((failed + 1)); }
for t in capinfos tcpdump; do
    command -v "$t" >/dev/null || { echo "savefile: FAIL: $t is missing (tools/install-deps.sh installs it)"; exit 1; }
done

sample="$PS_SOURCE_DIR/captures/sample.pcapng"
mixed="$PS_SOURCE_DIR/captures/mixed.pcapng"
packets() { capinfos -T -r -c "$1" 2>/dev/null | awk -F'\t' '{print $2}'; }
# What tcpdump prints of a capture (times in microseconds, headers, bytes).
dump() { tcpdump -r "$1" -tt -nn -e -xx 2>/dev/null; }

# expect STATUS 'STDERR' ARGS...: exact status and whole stderr.
expect() {
    local want_rc=$1 want_err=$2 rc=0
    shift 2
    "$PORTSNIFF" "$@" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -eq "$want_rc" ] && [ "$(cat "$work/err")" = "$want_err" ] ||
        fail "$*: exit $rc, stderr '$(cat "$work/err")' (want $want_rc, '$want_err')"
}

# -w FILE beside the flow records: every packet saved as read; the records
# are those of a run without -w.
"$PORTSNIFF" -r "$sample" --report=none >"$work/plain" 2>/dev/null
expect 0 "" -r "$sample" -w "$work/s.pcap" --report=none
[ "$(packets "$work/s.pcap")" = 86 ] || fail "-w: $(packets "$work/s.pcap") packets saved, want 86"
cmp -s "$work/out" "$work/plain" || fail "-w changed the flow records"
dump "$sample" >"$work/d.orig"
dump "$work/s.pcap" >"$work/d.saved"
[ "$(wc -l <"$work/d.orig")" -gt 86 ] && cmp -s "$work/d.orig" "$work/d.saved" ||
    fail "tcpdump reads the saved packets differently from the original"

# With a filter expression, what passes it.
want=$(tcpdump -r "$sample" -nn udp 2>/dev/null | wc -l)
expect 0 "" -r "$sample" -w "$work/u.pcap" -q --report=none udp
[ "$want" -gt 0 ] && [ "$(packets "$work/u.pcap")" = "$want" ] ||
    fail "-w with 'udp': $(packets "$work/u.pcap") packets, tcpdump counts $want"

# -w -: standard output holds the pcap only; the report goes to stderr.
rc=0
"$PORTSNIFF" -r "$sample" -w - >"$work/std.pcap" 2>"$work/err" || rc=$?
[ "$rc" -eq 0 ] || fail "-w - exited $rc"
[ "$(packets "$work/std.pcap")" = 86 ] || fail "-w -: $(packets "$work/std.pcap") packets on stdout, want 86"
grep -q '^portsniff report (final): ' "$work/err" || fail "-w -: no report on stderr"
"$PORTSNIFF" -r "$sample" -w - --flows=csv --flows-file "$work/f.csv" --report=none >"$work/std2.pcap" 2>"$work/err" ||
    fail "-w - with --flows-file exited $?: $(cat "$work/err")"
# The CSV header and sample.pcapng's 12 flows (11 with ports, one ICMP echo).
[ "$(packets "$work/std2.pcap")" = 86 ] && [ "$(wc -l <"$work/f.csv")" -eq 13 ] ||
    fail "-w - --flows-file: $(packets "$work/std2.pcap") packets, $(wc -l <"$work/f.csv") CSV lines (want 86, 13)"
expect 2 "portsniff: -w -: standard output carries the packets; give --flows-file FILE for the flow records (see portsniff --help)" \
    -r "$sample" -w - --flows=csv

# Usage errors and paths that cannot be written (before any input is read).
expect 2 "portsniff: -W limits the files -G SECONDS rotates: give -G too (see portsniff --help)" -r "$sample" -w "$work/x" -W 2
expect 2 "portsniff: -G rotates the -w file and the --flows-file file: give one (see portsniff --help)" -r "$sample" -G 5
expect 2 "portsniff: -G: standard output (-w -) cannot be rotated (see portsniff --help)" -r "$sample" -G 5 -w -
expect 2 "portsniff: -G: '0' is not a whole number from 1 to 31536000" -r "$sample" -G 0 -w "$work/x"
expect 2 "portsniff: option -w needs an argument (see portsniff --help)" -r "$sample" -w
expect 2 "portsniff: $work/same: named for both the packets (-w) and the flow records" \
    -r "$sample" -w "$work/same" --flows-file "$work/same"
expect 1 "portsniff: $work/none/x.pcap: cannot write: No such file or directory" -r "$sample" -w "$work/none/x.pcap"
[ ! -s "$work/out" ] || fail "a -w path that cannot be written still let records out"
expect 1 "portsniff: $PS_SOURCE_DIR/captures/sll.pcap: link type LINUX_SLL differs from the first input's (EN10MB): -w writes one link type" \
    -r "$sample" -r "$PS_SOURCE_DIR/captures/sll.pcap" -w "$work/two.pcap" -q --report=none
[ "$(packets "$work/two.pcap")" = 86 ] || fail "mixed link types: $(packets "$work/two.pcap") packets kept, want the first file's 86"

# A full device (a copy of /dev/full made here): the one write-error line, exit 1.
if [ "$(id -u)" -eq 0 ]; then
    mknod "$work/full" c 1 7
    expect 1 "portsniff: $work/full: write error: No space left on device" -r "$sample" -w "$work/full" -q --report=none
    # A FIFO is written in place: tcpdump reads the packets from it.
    mkfifo "$work/fifo"
    tcpdump -r "$work/fifo" -nn 2>/dev/null | wc -l >"$work/fifo.count" &
    reader=$!
    timeout 60 "$PORTSNIFF" -r "$sample" -w "$work/fifo" -q --report=none || fail "-w FIFO exited $?"
    wait "$reader"
    [ "$(cat "$work/fifo.count")" = 86 ] || fail "-w FIFO: tcpdump read $(cat "$work/fifo.count") packets, want 86"
fi

# -G 1 on mixed.pcapng by packet time. Its 81 packets are at 10:00:00.000
# to .554 (54), 10:00:02.054 to .132 (11) and 10:00:03.132 to 03.603 (16):
# periods start at 10:00:00.000, at 02.054 (the first packet 1 s or more
# after) and at 03.132. Flow records rotate with the packets; each flow is
# in the file of the period it ends in.
"$PORTSNIFF" -r "$mixed" --flows=csv --report=none >"$work/all.csv" 2>/dev/null
TZ=UTC expect 0 "" -r "$mixed" -G 1 -w "$work/p-%H%M%S.pcap" --flows=csv --flows-file "$work/f-%H%M%S.csv" --report=none
got=$(cd "$work" && for f in p-*.pcap; do printf '%s=%s ' "$f" "$(packets "$f")"; done)
[ "$got" = "p-100000.pcap=54 p-100002.pcap=11 p-100003.pcap=16 " ] || fail "-G 1 pcap files: $got"
got=$(cd "$work" && for f in f-*.csv; do printf '%s=%s ' "$f" "$(($(wc -l <"$f") - 1))"; done)
# mixed.pcapng's 13 flows (10 with ports, three ICMP/ICMPv6) all end at the end of input.
[ "$got" = "f-100000.csv=0 f-100002.csv=0 f-100003.csv=13 " ] || fail "-G 1 flow files (records): $got"
cat "$work"/f-100003.csv | cmp -s - "$work/all.csv" || fail "-G 1: the last flow file differs from an unrotated run's records"
for f in "$work"/f-*.csv; do
    [ "$(head -1 "$f")" = "$(head -1 "$work/all.csv")" ] || fail "$f has no CSV header"
done
ls -A "$work" | grep -q '^\.' && fail "temporary files left: $(ls -A "$work" | grep '^\.')"
# The flow records' text with -G 2: the zeek log's header and #close in each file.
TZ=UTC expect 0 "" -r "$mixed" -G 2 --flows=zeek --flows-file "$work/z-%S.log" --report=none
got=$(cd "$work" && for f in z-*.log; do printf '%s=%s/%s ' "$f" "$(grep -c '^#fields' "$f")" "$(grep -c '^#close' "$f")"; done)
[ "$got" = "z-00.log=1/1 z-02.log=1/1 " ] || fail "-G 2 zeek files: $got"

# -W 2: the packet that would begin a third file stops the run (exit 0);
# the flows still open are recorded in the last file.
TZ=UTC expect 0 "portsniff: maximum file limit reached: 2" \
    -r "$mixed" -G 1 -W 2 -w "$work/w-%H%M%S.pcap" --flows=csv --flows-file "$work/w-%H%M%S.csv" --report=none
got=$(cd "$work" && for f in w-*; do printf '%s=%s ' "$f" "$(case $f in *.pcap) packets "$f";; *) echo $(($(wc -l <"$f") - 1));; esac)"; done)
want_flows=$(("$(TZ=UTC "$PORTSNIFF" -r "$mixed" -c 65 --flows=csv --report=none 2>/dev/null | wc -l)" - 1))
[ "$got" = "w-100000.csv=0 w-100000.pcap=54 w-100002.csv=$want_flows w-100002.pcap=11 " ] ||
    fail "-W 2: $got (want the first 65 packets' $want_flows records in the last flow file)"

# Live, by the clock: -G 1 -W 2 on lo stops by itself once the second period
# is over (about 2 s), with two pcap files. Nothing is sent.
if [ "$(id -u)" -eq 0 ]; then
    rc=0
    timeout -s KILL 60 "$PORTSNIFF" -i lo -G 1 -W 2 -w "$work/live-%s.pcap" -q --report=none \
        2>"$work/live.err" || rc=$?
    n=$(ls "$work"/live-*.pcap 2>/dev/null | wc -l)
    [ "$rc" -eq 0 ] && [ "$n" -eq 2 ] && grep -qx 'portsniff: maximum file limit reached: 2' "$work/live.err" ||
        fail "live -G 1 -W 2: exit $rc, $n files, $(cat "$work/live.err")"
    for f in "$work"/live-*.pcap; do
        [ -n "$(packets "$f")" ] || fail "live: $f is not a pcap file capinfos reads"
    done
else
    echo "savefile: not root: live rotation not checked" >&2
fi

[ "$failed" -eq 0 ] || exit 1
echo "savefile: ok"
