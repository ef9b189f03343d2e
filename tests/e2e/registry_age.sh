#!/usr/bin/env bash
# The registry's age: --registry-info and the report header (text, CSV, JSON)
# tell it in days at the time of the run, and one notice on stderr says when
# the built-in registry is more than 365 days older than the capture.
set -euo pipefail
: "${PORTSNIFF:?}" "${PS_REGISTRY_CSV:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "registry_age: FAIL: $*" >&2; exit 1; }

# The built-in registry's date, as the binary has it.
date=$("$PORTSNIFF" --registry-info | sed -n 's/^date: *//p')
[[ "$date" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || fail "built-in registry has no date: '$date'"
reg_s=$(date -u -d "$date" +%s)
limit=$((reg_s + 365 * 86400))     # one year (365 days) after 00:00 UTC of its date

# pcap FILE SECONDS.MICROSECONDS...: one DNS query frame per timestamp.
pcap() {
    python3 - "$@" <<'PY'
import struct, sys
out, stamps = sys.argv[1], sys.argv[2:]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
payload = b"query"
udp = struct.pack("!HHHH", 40000, 53, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 bytes([192, 0, 2, 10]), bytes([192, 0, 2, 53]))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for st in stamps:
        sec, usec = st.split(".")
        f.write(struct.pack("<IIII", int(sec), int(usec), len(frame), len(frame)) + frame)
PY
}

# run NAME ARGS...: portsniff's exit status must be 0; stdout and stderr kept.
run() {
    local name="$1"; shift
    "$PORTSNIFF" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
        fail "portsniff $* exited $?: $(cat "$work/$name.err")"
}

notices() { grep -c '^portsniff: notice: ' "$1" || true; }

# --- the notice ----------------------------------------------------------
pcap "$work/year.pcap" "$limit.000000"                       # exactly 365 days: no notice
pcap "$work/year1us.pcap" "$((limit - 15)).000000" "$limit.000001"
pcap "$work/later.pcap" "$((limit + 86400 * 30)).250000" "$((limit + 86400 * 30 + 60)).000000"
pcap "$work/young.pcap" "$((reg_s + 86400)).000000"

run year -r "$work/year.pcap" -q
[ "$(notices "$work/year.err")" -eq 0 ] || fail "notice at exactly 365 days: $(cat "$work/year.err")"
[ -s "$work/year.err" ] && fail "stderr not empty: $(cat "$work/year.err")"

run young -r "$work/young.pcap" -q
[ -s "$work/young.err" ] && fail "notice for a young registry: $(cat "$work/young.err")"

last=$(date -u -d "@$limit" +%Y-%m-%dT%H:%M:%S).000001Z
want="portsniff: notice: the built-in registry ($date) is 365 days older than the capture (latest packet $last): ports assigned since are unknown to it; --registry FILE reads a newer copy"
run over -r "$work/year1us.pcap" -q
[ "$(cat "$work/over.err")" = "$want" ] || fail "notice: got '$(cat "$work/over.err")', want '$want'"

# Once a run: two stale files with interval reports every 10 s of packet time
# (the first falls on the stale packet of the first file),
# no report at all; the latest packet read so far is the one compared.
run twice -r "$work/year1us.pcap" -r "$work/later.pcap" -q --interval 10
[ "$(notices "$work/twice.err")" -eq 1 ] || fail "notice count: $(cat "$work/twice.err")"
grep -q "^portsniff: notice: the built-in registry ($date) is 365 days older" "$work/twice.err" ||
    fail "the first report due after the stale packet tells it: $(cat "$work/twice.err")"
[ "$(grep -c '^portsniff report (interval)' "$work/twice.out")" -ge 1 ] || fail "no interval report"
run noreport -r "$work/later.pcap" -q --report none
grep -q "is 395 days older than the capture (latest packet $(date -u -d "@$((limit + 86400 * 30 + 60))" +%Y-%m-%dT%H:%M:%S).000000Z)" \
    "$work/noreport.err" || fail "--report none: $(cat "$work/noreport.err")"
[ "$(notices "$work/noreport.err")" -eq 1 ] || fail "notice count: $(cat "$work/noreport.err")"

# A registry given with --registry is the user's choice: no notice.
run file -r "$work/later.pcap" -q --registry "$PS_REGISTRY_CSV"
[ -s "$work/file.err" ] && fail "notice with --registry: $(cat "$work/file.err")"

# --- the age at the time of the run ---------------------------------------
# Each check runs within one UTC day, so the expected age is exact.
for attempt in 1 2; do
    before=$(date -u +%s)
    run info --registry-info
    run text -r "$work/young.pcap" -q
    run csv -r "$work/young.pcap" -q --report csv
    run json -r "$work/young.pcap" -q --report json
    after=$(date -u +%s)
    [ $((before / 86400)) -eq $((after / 86400)) ] && break
done
age=$(((before - reg_s) / 86400))
today=$(date -u -d "@$before" +%F)
grep -qx "age:            $age days on $today" "$work/info.out" ||
    fail "--registry-info: $(grep '^age' "$work/info.out"), want $age days on $today"
grep -qx "registry: built-in (service-names-port-numbers.csv), updated $date, $age days old on $today" \
    "$work/text.out" || fail "text header: $(grep '^registry' "$work/text.out")"
[ "$(grep '^info,registry_' "$work/csv.out")" = "info,registry_source,,,,,,,,,,,built-in (service-names-port-numbers.csv)
info,registry_date,,,,,,,,,,,$date
info,registry_age_days,,,,,,,,,,,$age" ] || fail "CSV registry rows: $(grep '^info,registry' "$work/csv.out")"
python3 - "$work/json.out" "$date" "$age" <<'PY'
import json, sys
reg = json.load(open(sys.argv[1]))["registry"]
want = {"source": "built-in (service-names-port-numbers.csv)", "date": sys.argv[2],
        "age_days": int(sys.argv[3])}
if reg != want:
    sys.exit("registry_age: FAIL: JSON registry %r, want %r" % (reg, want))
PY
echo "registry_age: ok (registry $date, $age days old on $today)"
