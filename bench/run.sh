#!/usr/bin/env bash
# The portsniff benchmark: portsniff against the libpcap floor and the tools a
# user would run instead, on the same generated captures in one run.
#
#   bench/run.sh [--packets N] [--flows N] [--flood N] [--runs N] [--slow-runs N]
#                [--quick] [--build-dir DIR] [--no-build] [--work DIR] [--keep]
#                [--huge-pages PAGES]
#
# Prints a markdown table: median wall time, packets per second, ratio to the
# floor and to the floor reading through portsniff's 256 KiB buffer, CPU time
# (user + system, every thread: portsniff reads a file ahead in a thread of
# its own) and peak RSS per command; then portsniff's memory per concurrent
# flow on a flood of distinct flows, the longest pause an interval report
# costs a live worker with the flood's flows open (bench/report_pause.c), the
# built-in registry's load time, and each target with PASS or MISS. Timings never make it fail: the exit status is
# non-zero only when something could not be built, generated or run.
#
# --huge-pages PAGES (root): also times the three portsniff commands with
# --huge-pages in the same rotations, with the system's pool of 2 MiB huge
# pages grown to PAGES free pages for the run (vm.nr_hugepages, put back as
# it was at the end), and gives their targets too. Pool pages are not in a
# process's RSS: those rows' peak RSS leaves them out.
#
# The captures go to /dev/shm when it is a tmpfs with room for them (else to
# $TMPDIR or /tmp): files there stay in memory, while the page cache of a
# disk-backed directory may be reclaimed between runs and turn some runs
# into disk reads.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/timing.bash"

packets=2000000
flows=200000
flood=1000000
runs=9
slow_runs=3
build_dir="$root/build-bench"
build=1
work=""
keep=0
huge_pages=0

usage() {
    sed -n '4,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

need_value() {
    if [ $# -lt 2 ] || [ -z "$2" ]; then
        echo "run.sh: $1 needs a value" >&2
        exit 2
    fi
}

need_count() {
    case "$2" in
        ''|*[!0-9]*) echo "run.sh: $1 needs a whole number, not '$2'" >&2; exit 2 ;;
    esac
    if [ "$2" -lt 1 ]; then
        echo "run.sh: $1 must be at least 1" >&2
        exit 2
    fi
}

while [ $# -gt 0 ]; do
    case "$1" in
        --packets) need_value "$@"; need_count "$1" "$2"; packets=$2; shift 2 ;;
        --flows) need_value "$@"; need_count "$1" "$2"; flows=$2; shift 2 ;;
        --flood) need_value "$@"; need_count "$1" "$2"; flood=$2; shift 2 ;;
        --runs) need_value "$@"; need_count "$1" "$2"; runs=$2; shift 2 ;;
        --slow-runs) need_value "$@"; need_count "$1" "$2"; slow_runs=$2; shift 2 ;;
        --quick) packets=50000; flows=5000; flood=20000; runs=1; slow_runs=1; shift ;;
        --build-dir) need_value "$@"; build_dir=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --work) need_value "$@"; work=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --huge-pages) need_value "$@"; need_count "$1" "$2"; huge_pages=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$slow_runs" -gt "$runs" ]; then
    slow_runs=$runs
fi

failures=0
fail() {
    echo "run.sh: $*" >&2
    failures=$((failures + 1))
}

# What the run leaves behind: the scratch directory (unless kept) and the
# huge page pool as it was.
rm_work=0
pool_file=/proc/sys/vm/nr_hugepages
pool_old=""
on_exit() {
    if [ -n "$pool_old" ]; then
        echo "$pool_old" >"$pool_file" 2>/dev/null ||
            echo "run.sh: could not put $pool_file back to $pool_old" >&2
    fi
    if [ "$rm_work" = 1 ]; then
        rm -rf "$work"
    fi
}
trap on_exit EXIT
pool_free() { awk '/^HugePages_Free:/ {print $2}' /proc/meminfo; }
if [ "$huge_pages" -gt 0 ]; then
    if [ ! -w "$pool_file" ]; then
        echo "run.sh: --huge-pages needs root, to size the pool in $pool_file" >&2
        exit 2
    fi
    pool_old=$(cat "$pool_file")
    echo $((pool_old + huge_pages - $(pool_free))) >"$pool_file"
    if [ "$(pool_free)" -lt "$huge_pages" ]; then
        echo "run.sh: --huge-pages: the pool has $(pool_free) free pages, not the $huge_pages asked (memory too fragmented?)" >&2
        exit 1
    fi
fi

# ---- build ----

bin_portsniff="$build_dir/portsniff"
bin_gen="$build_dir/bench/gen-bench"
bin_floor="$build_dir/bench/null-loop"
bin_regload="$build_dir/bench/registry-load"
bin_pause="$build_dir/bench/report-pause"

if [ "$build" = 1 ]; then
    if [ ! -f "$build_dir/CMakeCache.txt" ]; then
        cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >"${TMPDIR:-/tmp}/portsniff-bench-cmake.log" 2>&1 || {
            cat "${TMPDIR:-/tmp}/portsniff-bench-cmake.log" >&2
            echo "run.sh: cmake configure failed in $build_dir" >&2
            exit 1
        }
    fi
    if ! cmake --build "$build_dir" -j"$(nproc)" --target portsniff gen-bench null-loop registry-load report-pause \
            >"${TMPDIR:-/tmp}/portsniff-bench-build.log" 2>&1; then
        cat "${TMPDIR:-/tmp}/portsniff-bench-build.log" >&2
        echo "run.sh: build failed in $build_dir" >&2
        exit 1
    fi
fi
for b in "$bin_portsniff" "$bin_gen" "$bin_floor" "$bin_regload"; do
    if [ ! -x "$b" ]; then
        echo "run.sh: $b is missing (build it, or drop --no-build)" >&2
        exit 1
    fi
done
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null)

# ---- scratch space and captures ----

if [ -z "$work" ]; then
    # main capture ~445 bytes a packet, flood ~415 a flow; twice that as margin
    work=$(mktemp -d "$(scratch_dir $(( (packets * 445 + flood * 415) * 2 / 1024 )))/portsniff-bench.XXXXXX") ||
        exit 1
    [ "$keep" = 1 ] || rm_work=1
else
    mkdir -p "$work" || exit 1
fi
main_pcap="$work/bench.pcap"
flood_pcap="$work/flood.pcap"
tiny_pcap="$work/tiny.pcap"

gen() {
    if ! "$bin_gen" "$@" 2>"$work/gen.log"; then
        cat "$work/gen.log" >&2
        echo "run.sh: gen-bench $* failed" >&2
        exit 1
    fi
    cat "$work/gen.log"
}
echo "generating captures in $work"
t0=$EPOCHREALTIME
gen -o "$main_pcap" --packets "$packets" --flows "$flows"
t1=$EPOCHREALTIME
gen -o "$flood_pcap" --flood "$flood"
gen -o "$tiny_pcap" --packets 20 --flows 2
echo "generation of the main capture took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"

main_packets=$("$bin_floor" "$main_pcap" | awk '{print $1}')
flood_packets=$("$bin_floor" "$flood_pcap" | awk '{print $1}')
if [ -z "$main_packets" ] || [ -z "$flood_packets" ]; then
    echo "run.sh: the floor cannot read the generated captures" >&2
    exit 1
fi

# ---- measuring ----

time_bin=/usr/bin/time
if [ ! -x "$time_bin" ]; then
    echo "run.sh: $time_bin is missing (Debian package 'time')" >&2
    exit 1
fi

have() {
    command -v "$1" >/dev/null 2>&1
}

# missing LABEL RUNS SHOWN-COMMAND PACKAGE: a tool that is not installed.
missing() {
    row_label+=("$1"); row_cmd+=("$3"); row_runs+=("$2"); row_wall+=("not installed"); row_cpu+=("-"); row_rss+=("-")
    fail "$1: not installed (Debian package '$4')"
}

# The value of a row's column by its label ("-" when there is none).
col_of() {
    local label=$1 i
    shift
    local -n col=$1
    for i in "${!row_label[@]}"; do
        [ "${row_label[$i]}" = "$label" ] && { echo "${col[$i]}"; return; }
    done
    echo "-"
}
rss_of() { col_of "$1" row_rss; }
wall_of() { col_of "$1" row_wall; }

# A command with --huge-pages run once: the pool must hold all it asks
# (portsniff says on stderr when it did not).
pool_check() {
    local notice
    notice=$("$@" 2>&1 >/dev/null | grep -F 'notice: --huge-pages')
    if [ -n "$notice" ]; then
        fail "${notice#portsniff: } (grow --huge-pages)"
    fi
}

F=$(basename "$main_pcap")
group_add "floor" "null-loop $F" "$bin_floor" "$main_pcap"
group_add "floor, 256 KiB buffer" "null-loop --buffered $F" "$bin_floor" --buffered "$main_pcap"
group_add "portsniff -q" "portsniff -r $F -q" "$bin_portsniff" -r "$main_pcap" -q
group_add "portsniff --flows=json" "portsniff -r $F --flows=json" \
    "$bin_portsniff" -r "$main_pcap" --flows=json
if [ "$huge_pages" -gt 0 ]; then
    pool_check "$bin_portsniff" -r "$main_pcap" --flows=json --huge-pages
    group_add "portsniff -q, huge pages" "portsniff -r $F -q --huge-pages" \
        "$bin_portsniff" -r "$main_pcap" -q --huge-pages
    group_add "portsniff --flows=json, huge pages" "portsniff -r $F --flows=json --huge-pages" \
        "$bin_portsniff" -r "$main_pcap" --flows=json --huge-pages
fi
group_run "$runs"
if have tcpdump; then
    bench "tcpdump" "$slow_runs" "tcpdump -nn -q -r $F" tcpdump -nn -q -r "$main_pcap"
else
    missing "tcpdump" "$slow_runs" "tcpdump -nn -q -r $F" tcpdump
fi
if have tshark; then
    bench "tshark" "$slow_runs" "tshark -r $F -q -z conv,tcp -z conv,udp -z conv,sctp" \
        tshark -r "$main_pcap" -q -z conv,tcp -z conv,udp -z conv,sctp
else
    missing "tshark" "$slow_runs" "tshark -r $F -q -z conv,tcp -z conv,udp -z conv,sctp" tshark
fi
if have ndpiReader; then
    bench "ndpiReader" "$slow_runs" "ndpiReader -i $F -q" ndpiReader -i "$main_pcap" -q
else
    missing "ndpiReader" "$slow_runs" "ndpiReader -i $F -q" libndpi-bin
fi

# Flood: every flow open at once; memory per flow is measured against a
# portsniff that read a tiny capture (the program, libpcap and the registry).
G=$(basename "$flood_pcap")
flood_flags_for "$flood"
echo "timing: portsniff on a 20-packet capture (memory baseline)" >&2
measure 1 "$bin_portsniff" -r "$tiny_pcap" "${flood_flags[@]}"
base_ok=$m_ok; base_rss=$m_rss
[ "$base_ok" = 1 ] || fail "portsniff on the 20-packet capture failed to run"
group_add "floor, flood" "null-loop $G" "$bin_floor" "$flood_pcap"
group_add "floor, flood, 256 KiB buffer" "null-loop --buffered $G" "$bin_floor" --buffered "$flood_pcap"
group_add "portsniff -q, flood" "portsniff -r $G ${flood_flags[*]}" \
    "$bin_portsniff" -r "$flood_pcap" "${flood_flags[@]}"
if [ "$huge_pages" -gt 0 ]; then
    pool_check "$bin_portsniff" -r "$flood_pcap" "${flood_flags[@]}" --huge-pages
    group_add "portsniff -q, flood, huge pages" "portsniff -r $G ${flood_flags[*]} --huge-pages" \
        "$bin_portsniff" -r "$flood_pcap" "${flood_flags[@]}" --huge-pages
fi
group_run "$runs"
flood_rss=$(rss_of "portsniff -q, flood")
# The flood's flows must all have been open at once for the figure to mean anything.
"$bin_portsniff" -r "$flood_pcap" "${flood_flags[@]}" --report=json >"$work/flood.json" 2>/dev/null
peak_flows=$(grep -o '"peak_flows":[0-9]*' "$work/flood.json" | head -n 1 | cut -d: -f2)
flood_evicted=$(grep -o '"flows_evicted":[0-9]*' "$work/flood.json" | head -n 1 | cut -d: -f2)
if [ -z "$peak_flows" ]; then
    fail "portsniff --report=json on the flood gave no peak_flows"
    peak_flows=$flood
fi

# Report pause: the longest a live worker stops reading while it takes its
# part of an interval report, with half and then all of the flood's flows open.
echo "timing: report pause" >&2
pause_out=$("$bin_pause" "$flood_pcap" 2>&1) || fail "report-pause failed: $pause_out"

# Registry load: the built-in registry's load, and the load with the hashes
# a lookup by name builds (the target's figure), timed in-process.
echo "timing: registry load" >&2
reg_line=$("$bin_regload" 200 2>&1) || fail "registry-load failed: $reg_line"
reg_ms=$(sed -n 's/.*(the hashes built): first [0-9.]* ms, median \([0-9.]*\) ms.*/\1/p' <<<"$reg_line")
# And the whole `portsniff --lookup` process for comparison with process start.
measure "$runs" "$bin_portsniff" --lookup 80/tcp
lookup_wall=$m_wall
[ "$m_ok" = 1 ] || { fail "portsniff --lookup 80/tcp failed to run"; lookup_wall=0; }
measure "$runs" "$bin_floor" "$tiny_pcap"
start_wall=$m_wall
[ "$m_ok" = 1 ] || { fail "null-loop on the 20-packet capture failed to run"; start_wall=0; }

# ---- report ----

floor_wall=${row_wall[0]}
num() { [[ $1 =~ ^[0-9.]+$ ]]; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "## portsniff benchmark"
echo
echo "main capture: $main_packets packets, $flows flows ($(du -h "$main_pcap" | cut -f1)); flood: $flood_packets packets, $flood flows; build: ${build_type:-?}"
echo
echo "| tool | command | runs | median wall (s) | packets/s | x floor | x buffered floor | CPU (s) | peak RSS (MiB) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for i in "${!row_label[@]}"; do
    w=${row_wall[$i]}
    case "${row_label[$i]}" in
        *flood*) pk=$flood_packets; fl=$(wall_of "floor, flood"); fb=$(wall_of "floor, flood, 256 KiB buffer") ;;
        *) pk=$main_packets; fl=$floor_wall; fb=$(wall_of "floor, 256 KiB buffer") ;;
    esac
    if num "$w"; then
        pps=$(awk -v p="$pk" -v w="$w" 'BEGIN { printf "%.0f", p / w }')
        x=$(ratio "$w" "$fl")
        xb=$(ratio "$w" "$fb")
        ws=$(awk -v w="$w" 'BEGIN { printf "%.3f", w }')
        mib=$(awk -v k="${row_rss[$i]}" 'BEGIN { printf "%.1f", k / 1024 }')
    else
        pps="-"; x="-"; xb="-"; ws=$w; mib="-"
    fi
    echo "| ${row_label[$i]} | \`${row_cmd[$i]}\` | ${row_runs[$i]} | $ws | $pps | $x | $xb | ${row_cpu[$i]} | $mib |"
done

ps_q=$(wall_of "portsniff -q")
ps_json=$(wall_of "portsniff --flows=json")
tshark_w=$(wall_of "tshark")
ndpi_w=$(wall_of "ndpiReader")

per_flow="-"
if num "$flood_rss" && [ "$base_ok" = 1 ] && num "$base_rss"; then
    per_flow=$(awk -v f="$flood_rss" -v b="$base_rss" -v n="$peak_flows" \
        'BEGIN { printf "%.0f", (f - b) * 1024 / n }')
fi

echo
echo "flood: portsniff peak RSS $(awk -v k="${flood_rss:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MiB with $peak_flows flows open at once" \
     "(${flood_evicted:-?} evicted), $(awk -v k="${base_rss:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MiB on a 20-packet capture:" \
     "$per_flow bytes per concurrent flow"
if [ "$huge_pages" -gt 0 ]; then
    echo "huge pages: the rows marked so ran with --huge-pages and $huge_pages free pages in the system's pool; pool pages are not in their peak RSS"
fi
echo "registry: $reg_line"
echo "$pause_out"
echo "process: \`portsniff --lookup 80/tcp\` median $(awk -v w="$lookup_wall" 'BEGIN { printf "%.1f", w * 1000 }') ms" \
     "against $(awk -v w="$start_wall" 'BEGIN { printf "%.1f", w * 1000 }') ms for null-loop on a 20-packet capture" \
     "(both include starting the process under $time_bin)"

# target NAME VALUE OP LIMIT UNIT
target() {
    local name=$1 value=$2 op=$3 limit=$4 unit=$5 verdict
    if ! num "$value"; then
        verdict="n/a"
    elif awk -v v="$value" -v l="$limit" -v op="$op" \
            'BEGIN { exit !(op == "<=" ? v <= l : op == ">=" ? v >= l : v < l) }'; then
        verdict="PASS"
    else
        verdict="MISS"
    fi
    echo "| $name | $value$unit | $op $limit$unit | $verdict |"
}
x_of() { if num "$1" && num "$2"; then ratio "$1" "$2"; else echo "-"; fi; }

echo
echo "| target | measured | limit | result |"
echo "|---|---:|---:|---|"
# Against the floor that reads the way portsniff does (a 256 KiB buffer).
bfloor=$(wall_of "floor, 256 KiB buffer")
target "portsniff -q vs buffered floor" "$(x_of "$ps_q" "$bfloor")" "<=" 1.3 "x"
target "portsniff --flows=json vs buffered floor" "$(x_of "$ps_json" "$bfloor")" "<=" 1.6 "x"
target "portsniff -q, flood vs buffered floor" \
    "$(x_of "$(wall_of "portsniff -q, flood")" "$(wall_of "floor, flood, 256 KiB buffer")")" "<=" 2.0 "x"
target "tshark time / portsniff -q time" "$(x_of "$tshark_w" "$ps_q")" ">=" 10 "x"
target "ndpiReader time / portsniff -q time" "$(x_of "$ndpi_w" "$ps_q")" ">=" 3 "x"
target "peak RSS per concurrent flow ($peak_flows flows)" "$per_flow" "<=" 200 " B"
target "built-in registry load and first lookup by name (median)" "${reg_ms:--}" "<" 15 " ms"
if [ "$huge_pages" -gt 0 ]; then
    target "portsniff -q --huge-pages vs buffered floor" \
        "$(x_of "$(wall_of "portsniff -q, huge pages")" "$bfloor")" "<=" 1.3 "x"
    target "portsniff --flows=json --huge-pages vs buffered floor" \
        "$(x_of "$(wall_of "portsniff --flows=json, huge pages")" "$bfloor")" "<=" 1.6 "x"
    target "portsniff -q, flood, --huge-pages vs buffered floor" \
        "$(x_of "$(wall_of "portsniff -q, flood, huge pages")" "$(wall_of "floor, flood, 256 KiB buffer")")" "<=" 2.0 "x"
fi

if [ "$keep" = 1 ]; then
    echo "captures kept in $work"
fi
if [ "$failures" -gt 0 ]; then
    echo "run.sh: $failures command(s) failed to run" >&2
    exit 1
fi
exit 0
