#!/usr/bin/env bash
# bench/run.sh --quick runs end to end: it generates its captures, runs every
# command it compares (the floor, portsniff, tcpdump, tshark, ndpiReader) and
# prints its tables. Nothing about speed is asserted: a target may show MISS.
set -uo pipefail
: "${PS_SOURCE_DIR:?}" "${PS_BUILD_DIR:?}"

fail() {
    echo "FAIL: $*"
    exit 1
}

for tool in tcpdump tshark ndpiReader /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 ||
        fail "$tool not found: the benchmark compares against it (Debian: tcpdump, tshark, libndpi-bin, time)"
done
for helper in gen-bench null-loop registry-load report-pause; do
    [ -x "$PS_BUILD_DIR/bench/$helper" ] ||
        fail "$PS_BUILD_DIR/bench/$helper is missing (configure with -DPORTSNIFF_BENCH=ON)"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# As root, with --huge-pages too (run.sh grows the system's pool for the run
# and puts it back).
huge=()
pool=/proc/sys/vm/nr_hugepages
pool_before=""
# Only where the kernel can find the 32 pages: on a machine whose memory is
# too fragmented for them run.sh refuses the option, which is not this test's
# business (e2e_huge_pages skips there too).
if [ "$(id -u)" = 0 ] && [ -w "$pool" ]; then
    pool_before=$(cat "$pool")
    free_now=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
    echo $((pool_before + 32 - free_now)) >"$pool" 2>/dev/null
    if [ "$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)" -ge 32 ]; then
        huge=(--huge-pages 32)
    else
        echo "note: the huge page pool could not grow by 32 pages here; --huge-pages not run"
    fi
    echo "$pool_before" >"$pool"
fi

# The helpers and portsniff come from this build; nothing is rebuilt here.
TMPDIR=$work bash "$PS_SOURCE_DIR/bench/run.sh" --quick --no-build --build-dir "$PS_BUILD_DIR" \
    --work "$work/run" "${huge[@]}" >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" -ne 0 ]; then
    cat "$work/out" "$work/err"
    fail "bench/run.sh --quick exited with status $rc"
fi

out="$work/out"
status=0
expect() {
    if ! grep -qE -- "$1" "$out"; then
        echo "FAIL: no line matching '$1' in the output"
        status=1
    fi
}

num='[0-9]+(\.[0-9]+)?'
expect '^\| tool \| command \| runs \| median wall \(s\) \| packets/s \| x floor \| x buffered floor \| CPU \(s\) \| peak RSS \(MiB\) \|$'
for tool in 'floor' 'floor, 256 KiB buffer' 'portsniff -q' 'portsniff --flows=json' 'tcpdump' 'tshark' \
            'ndpiReader' 'floor, flood' 'floor, flood, 256 KiB buffer' 'portsniff -q, flood'; do
    # Every row carries measured numbers, none says "failed".
    expect "^\| $tool \| \`[^\`]+\` \| 1 \| $num \| [0-9]+ \| $num \| $num \| $num \| $num \|$"
done
expect "^flood: portsniff peak RSS $num MiB with [0-9]+ flows open at once \(0 evicted\)"
expect "^registry: registry load: [0-9]+ entries, first $num ms, median $num ms, min $num ms over [0-9]+ loads; with the first lookup by name \(the hashes built\): first $num ms, median $num ms, min $num ms$"
# report-pause exits non-zero (and run.sh with it) when the sliced part and
# the whole walk disagree; here the lines it prints.
expect "^  taken live from frame [0-9]+ on \([0-9]+ flows open\): [0-9]+ slices with [0-9]+ batches read between them, longest $num ms"
expect "^  at the end \([0-9]+ flows open\): one walk $num ms; in [0-9]+ slices, longest $num ms, all $num ms; flows in the part: [0-9]+ and [0-9]+$"
parts=$(sed -n 's/^  at the end .*flows in the part: \([0-9]*\) and \([0-9]*\)$/\1 \2/p' "$out")
read -r whole sliced <<<"$parts"
if [ -z "$whole" ] || [ "$whole" != "$sliced" ]; then
    echo "FAIL: the report part taken in one walk and in slices hold different flow counts: '$parts'"
    status=1
fi
expect '^\| target \| measured \| limit \| result \|$'
if [ ${#huge[@]} -gt 0 ]; then
    for tool in 'portsniff -q, huge pages' 'portsniff --flows=json, huge pages' 'portsniff -q, flood, huge pages'; do
        expect "^\| $tool \| \`[^\`]+ --huge-pages\` \| 1 \| $num \| [0-9]+ \| $num \| $num \| $num \| $num \|$"
    done
    for target in 'portsniff -q --huge-pages vs buffered floor' 'portsniff --flows=json --huge-pages vs buffered floor' \
                  'portsniff -q, flood, --huge-pages vs buffered floor'; do
        expect "^\| $target \| $num"x" \| <= [0-9.]+x \| (PASS|MISS) \|$"
    done
    expect '^huge pages: the rows marked so ran with --huge-pages and 32 free pages in the system.s pool'
    [ "$(cat "$pool")" = "$pool_before" ] ||
        { echo "FAIL: run.sh left vm.nr_hugepages at $(cat "$pool"), not $pool_before"; status=1; }
    grep -q 'notice: --huge-pages' "$work/err" &&
        { echo "FAIL: a 32-page pool was too small for the quick run: $(grep 'notice' "$work/err")"; status=1; }
fi
for target in 'portsniff -q vs buffered floor' 'portsniff --flows=json vs buffered floor' \
              'portsniff -q, flood vs buffered floor' \
              'tshark time / portsniff -q time' 'ndpiReader time / portsniff -q time' \
              'peak RSS per concurrent flow' 'built-in registry load'; do
    expect "^\| $target.* \| (PASS|MISS) \|$"
done

# null-loop's walks without libpcap (--raw reads, --mapped maps) count what
# libpcap counts on every plain pcap capture, and refuse the rest.
floor="$PS_BUILD_DIR/bench/null-loop"
plain=0
for cap in "$PS_SOURCE_DIR"/captures/*.pcap; do
    want=$("$floor" "$cap") || fail "null-loop $cap failed"
    for mode in --raw --mapped; do
        got=$("$floor" "$mode" "$cap" 2>&1)
        if [ "$got" != "$want" ]; then
            echo "FAIL: null-loop $mode $cap printed '$got', libpcap's walk '$want'"
            status=1
        fi
    done
    plain=$((plain + 1))
done
[ "$plain" -ge 10 ] || fail "only $plain plain pcap captures under captures/"
head -c 300 "$PS_SOURCE_DIR/captures/tcp-http.pcap" >"$work/cut.pcap"
for mode in --raw --mapped; do
    got=$("$floor" "$mode" "$PS_SOURCE_DIR/captures/sample.pcapng" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] && [ "$got" = "null-loop: $PS_SOURCE_DIR/captures/sample.pcapng: not a plain pcap file in this host's byte order" ] ||
        { echo "FAIL: null-loop $mode on a pcapng file: status $rc, '$got'"; status=1; }
    got=$("$floor" "$mode" "$work/cut.pcap" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] && [ "$got" = "null-loop: $work/cut.pcap: 14 bytes after the last whole record" ] ||
        { echo "FAIL: null-loop $mode on a file cut in a record: status $rc, '$got'"; status=1; }
done

if [ "$status" -ne 0 ]; then
    echo "--- output"
    cat "$out"
    exit 1
fi
echo "bench/run.sh --quick: table printed, $(grep -c '| PASS |' "$out") targets PASS, $(grep -c '| MISS |' "$out") MISS"
