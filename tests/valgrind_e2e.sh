#!/usr/bin/env bash
# Run portsniff under valgrind over every sample capture, in every flow and
# report format, with the built-in registry, /etc/services and the IANA CSV,
# with IPFIX export, and through the registry commands; any memory error or
# any block left allocated at exit (reachable or not) fails, except GLib's
# own lifetime tables (tests/valgrind-glib.supp).
#
#   bash tests/valgrind_e2e.sh BUILD_DIR
#
# BUILD_DIR holds (or gets) an ordinary, unsanitized build; portsniff is
# brought up to date there first. PS_REGISTRY_CSV names the IANA CSV to read
# with --registry (default: the one the build compiled in).
set -uo pipefail

build=${1:?usage: valgrind_e2e.sh BUILD_DIR}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$src" -B "$build" >/dev/null || exit 1
fi
cmake --build "$build" -j"$(nproc)" --target portsniff >/dev/null || exit 1
ps="$build/portsniff"
csv=${PS_REGISTRY_CSV:-$(sed -n 's/^PORTSNIFF_REGISTRY_CSV:[A-Z]*=//p' "$build/CMakeCache.txt")}

work=$(mktemp -d "${TMPDIR:-/tmp}/portsniff-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
runs=0 failed=0

# check ARGS...: the exit status under valgrind must be the one without it,
# and valgrind must report no error and no block in use at exit.
check() {
    local want=0 got=0
    # A run that hangs fails here (exit 124) instead of holding up the suite.
    timeout 120 "$ps" "$@" >/dev/null 2>&1 || want=$?
    timeout 600 valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
        --suppressions="$src/tests/valgrind-glib.supp" --error-exitcode=99 --log-file="$work/vg.log" "$ps" "$@" >/dev/null 2>"$work/err" || got=$?
    runs=$((runs + 1))
    if [ "$got" -ne "$want" ] || [ -s "$work/vg.log" ]; then
        failed=$((failed + 1))
        echo "FAIL: portsniff $* (exit $got under valgrind, $want without)"
        sed 's/^/    /' "$work/vg.log" | head -40
    fi
}

shopt -s nullglob
captures=("$src"/captures/*.pcap "$src"/captures/*.pcapng)
[ ${#captures[@]} -gt 0 ] || { echo "no captures in $src/captures" >&2; exit 1; }
for cap in "${captures[@]}"; do
    for fmt in text csv json; do
        check -r "$cap" --flows="$fmt" --report="$fmt"
    done
    check -r "$cap" -q --report=json --registry /etc/services
    check -r "$cap" --flows=csv --report=none --max-flows 2 --max-fragments 1 --interval 1
done
# Every capture in one run, through a filter, with the report in a file.
check -r "${captures[@]}" --flows=json --report=text --report-file "$work/report.txt" udp or tcp
# IPFIX export to a file and to collectors that are not there (records counted as not sent).
check -r "${captures[@]}" -q --report=none --ipfix "file:$work/flows.ipfix" \
    --ipfix udp://127.0.0.1:9 --ipfix tcp://127.0.0.1:9
# -w with -G/-W rotation of the packets and Zeek logs by packet time; a
# second input of another link type (refused); -w - on standard output.
TZ=UTC check -r "$src/captures/mixed.pcapng" -w "$work/p-%S.pcap" --flows=zeek --flows-file "$work/z-%S.log" \
    -G 1 -W 2 --report=none
check -r "$src/captures/sample.pcapng" -r "$src/captures/sll.pcap" -w "$work/two.pcap" -q --report=none
check -r "$src/captures/sample.pcapng" -w -
# Selection by service, an unknown name (suggestions), a port with several services.
check -r "${captures[@]}" --flows=json --report=json --service https,domain,www
check -r "${captures[0]}" --service htps
# Top talkers (exact and as two-counter sketches), prefixes, a fixed bucket,
# interval reports, every report format.
for fmt in text csv json html; do
    check -r "${captures[@]}" -q --report="$fmt" --top 3 --aggregate /24,/64 --bucket 0.5 --interval 1
done
check -r "${captures[@]}" -q --report-file "$work/report.html" --top-counters 2
check --lookup 443/tcp
check --lookup http
check --lookup 2049
check --registry /etc/services --lookup 22
check --registry /etc/services --registry-info
[ -f "$csv" ] && check --registry "$csv" --registry-info
[ -f "$csv" ] && check -r "${captures[0]}" --registry "$csv" --flows=json --report=csv
# Error paths free what they allocated too.
check -r "$work/missing.pcap"
check -r "$src/captures" --report=json
check --registry "$work/missing.csv" --lookup 80

echo "$runs valgrind runs, $failed failed"
[ "$failed" -eq 0 ]
