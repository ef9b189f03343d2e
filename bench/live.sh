#!/usr/bin/env bash
# The live-capture benchmark: the same generated traffic replayed with
# tcpreplay into a veth pair inside a network namespace, captured in rotation
# by portsniff (1 and 2 workers), tcpdump -w /dev/null and ndpiReader -i.
#
#   bench/live.sh [--packets N] [--flows N] [--rates LIST] [--rounds N]
#                 [--search-steps N] [--search-packets N] [--tools LIST]
#                 [--before BIN] [--syscall-rates LIST] [--quick]
#                 [--build-dir DIR] [--no-build] [--keep]
#
# --rates: the tcpreplay rates of the fixed-rate table, packets per second or
#   "top" for --topspeed (default "top 100000 50000"; "" for none), each
#   replayed --rounds times (default 2): every tool once per rate and round,
#   in rotation.
# The highest rate with zero loss: for each tool that lost packets at top
#   speed, a search over tcpreplay --pps (--search-steps halvings, default 5,
#   of --search-packets packets each, default 50,000) between 1,000 and its
#   top-speed rate (200,000 without a top-speed run); 0 steps for none.
# System calls: each tool but ndpiReader once more under perf stat at each of
#   --syscall-rates (default "5000 top"; "" for none), --search-packets
#   packets: system calls per packet received, and the most frequent ones.
# --before BIN: also capture with an earlier portsniff ("before").
# --tools: a subset of "portsniff portsniff-w2 before tcpdump ndpiReader".
#
# Needs root (network namespaces), tcpreplay, tcpdump, ndpiReader and perf.
# "lost" is what tcpreplay sent and the tool did not count, whatever the
# reason; "kernel drops" is the tool's own pcap_stats figure where it reports
# one (ndpiReader does not). Rates are tcpreplay's own "Rated" figure. Prints
# markdown tables; the exit status is non-zero only when something could not
# be built, generated or run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

packets=100000
flows=10000
rates="top 100000 50000"
rounds=2
search_steps=5
search_packets=50000
tools="portsniff portsniff-w2 before tcpdump ndpiReader"
before=""
syscall_rates="5000 top"
build_dir="$root/build-bench"
build=1
keep=0

usage() { sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "live.sh: $*" >&2; exit 1; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --packets) need_value "$@"; packets=$2; shift 2 ;;
        --flows) need_value "$@"; flows=$2; shift 2 ;;
        --rates) [ $# -ge 2 ] || die "--rates needs a value"; rates=$2; shift 2 ;;
        --rounds) need_value "$@"; rounds=$2; shift 2 ;;
        --search-steps) need_value "$@"; search_steps=$2; shift 2 ;;
        --search-packets) need_value "$@"; search_packets=$2; shift 2 ;;
        --tools) need_value "$@"; tools=$2; shift 2 ;;
        --before) need_value "$@"; before=$2; shift 2 ;;
        --syscall-rates) [ $# -ge 2 ] || die "--syscall-rates needs a value"; syscall_rates=$2; shift 2 ;;
        --quick) packets=20000; flows=2000; rates="top 20000"; rounds=1; search_steps=2
                 search_packets=10000; syscall_rates="top"; shift ;;
        --build-dir) need_value "$@"; build_dir=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option $1" ;;
    esac
done
for v in packets flows rounds search_packets; do
    [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || die "--${v//_/-} needs a positive number"
done
[[ $search_steps =~ ^[0-9]+$ ]] || die "--search-steps needs a number"
for r in $rates $syscall_rates; do
    [ "$r" = top ] || { [[ $r =~ ^[0-9]+$ ]] && [ "$r" -gt 0 ]; } || die "rates: '$r' is neither top nor a number of packets a second"
done
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for t in tcpreplay ip; do command -v "$t" >/dev/null || die "$t not found"; done
if [ -z "$before" ]; then
    tools=$(tr ' ' '\n' <<<"$tools" | grep -vx before | tr '\n' ' ')
else
    [ -x "$before" ] || die "--before: $before is not an executable"
fi
for t in $tools; do
    case "$t" in
        portsniff|portsniff-w2|before) ;;
        tcpdump) command -v tcpdump >/dev/null || die "tcpdump not found" ;;
        ndpiReader) command -v ndpiReader >/dev/null || die "ndpiReader not found (Debian: libndpi-bin)" ;;
        *) die "--tools: unknown tool $t" ;;
    esac
done
[ -z "$syscall_rates" ] || command -v perf >/dev/null || die "perf not found (Debian: linux-perf), or --syscall-rates \"\""

bin_portsniff="$build_dir/portsniff"
bin_gen="$build_dir/bench/gen-bench"
if [ "$build" = 1 ]; then
    if [ ! -f "$build_dir/CMakeCache.txt" ]; then
        cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >"${TMPDIR:-/tmp}/portsniff-live-cmake.log" 2>&1 ||
            die "cmake configure failed in $build_dir (${TMPDIR:-/tmp}/portsniff-live-cmake.log)"
    fi
    cmake --build "$build_dir" -j"$(nproc)" --target portsniff gen-bench >"${TMPDIR:-/tmp}/portsniff-live-build.log" 2>&1 ||
        die "build failed in $build_dir (${TMPDIR:-/tmp}/portsniff-live-build.log)"
fi
for b in "$bin_portsniff" "$bin_gen"; do [ -x "$b" ] || die "$b is missing (build it, or drop --no-build)"; done

# ---- scratch, capture, namespace ----

. "$here/timing.bash"   # scratch_dir
work=$(mktemp -d "$(scratch_dir $(( (packets + search_packets) * 900 / 1024 )))/portsniff-live.XXXXXX") || exit 1
ns="pslive$$" tx="psl$$a" rx="psl$$b"
tool_pid=""
cleanup() {
    [ -n "$tool_pid" ] && kill -KILL "$tool_pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin_gen" -o "$work/live.pcap" --packets "$packets" --flows "$flows" >"$work/gen-live.log" 2>&1 ||
    die "gen-bench failed: $(tail -3 "$work/gen-live.log")"
search_flows=$(( flows * search_packets / packets + 1 ))
"$bin_gen" -o "$work/search.pcap" --packets "$search_packets" --flows "$search_flows" \
    >"$work/gen.log" 2>&1 || die "gen-bench failed: $(tail -3 "$work/gen.log")"

ip netns add "$ns" || die "cannot add a network namespace"
ip -n "$ns" link add "$tx" type veth peer name "$rx" || die "cannot add a veth pair"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
for i in "$tx" "$rx"; do
    ip -n "$ns" link set "$i" mtu 9000   # frames of 1518 bytes plus a VLAN tag
    ip -n "$ns" link set "$i" up
done

# ---- one trial ----

# The tool's command line (after "ip netns exec NS"), and the line that says
# it is capturing.
tool_cmd() {
    case "$1" in
        portsniff) echo "$bin_portsniff -i $rx -q --report=json --report-file $work/report.json" ;;
        portsniff-w2) echo "$bin_portsniff -i $rx -q --workers 2 --report=json --report-file $work/report.json" ;;
        before) echo "$before -i $rx -q --report=json --report-file $work/report.json" ;;
        tcpdump) echo "tcpdump -i $rx -n -w /dev/null" ;;
        ndpiReader) echo "stdbuf -oL ndpiReader -i $rx" ;;
    esac
}
ready_line() { [ "$1" = ndpiReader ] && echo "Running thread" || echo "listening on"; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo gone; }

# trial TOOL RATE PCAP [perf]: sets t_sent, t_rate (tcpreplay's pps),
# t_recv, t_drop ("-" when the tool does not say), t_lost, and with perf
# t_sys (system calls) and t_cpu (task-clock ms). Returns non-zero when the
# tool or tcpreplay failed.
trial() {
    local tool=$1 rate=$2 pcap=$3 perf=${4:-} cmd pid i prev cur
    cmd=$(tool_cmd "$tool")
    rm -f "$work/report.json" "$work/tool.out" "$work/tool.err" "$work/perf.txt"
    if [ -n "$perf" ]; then
        # perf stat runs the tool as its child and counts its threads too.
        ip netns exec "$ns" perf stat -x, -o "$work/perf.txt" \
            -e raw_syscalls:sys_enter,task-clock -e 'syscalls:sys_enter_*' -- $cmd >"$work/tool.out" 2>"$work/tool.err" &
    else
        ip netns exec "$ns" $cmd >"$work/tool.out" 2>"$work/tool.err" &
    fi
    tool_pid=$!
    pid=$tool_pid
    for i in $(seq 600); do
        grep -q "$(ready_line "$tool")" "$work/tool.out" "$work/tool.err" 2>/dev/null && break
        kill -0 "$tool_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q "$(ready_line "$tool")" "$work/tool.out" "$work/tool.err" 2>/dev/null; then
        echo "live.sh: $tool did not start: $(tail -3 "$work/tool.err")" >&2
        kill -KILL "$tool_pid" 2>/dev/null; wait "$tool_pid" 2>/dev/null; tool_pid=""
        return 1
    fi
    [ -n "$perf" ] && pid=$(pgrep -P "$tool_pid" | head -1)
    if [ "$rate" = top ]; then
        ip netns exec "$ns" tcpreplay -i "$tx" --topspeed "$pcap" >"$work/replay.out" 2>&1
    else
        ip netns exec "$ns" tcpreplay -i "$tx" --pps "$rate" "$pcap" >"$work/replay.out" 2>&1
    fi || { echo "live.sh: tcpreplay failed: $(tail -3 "$work/replay.out")" >&2; kill -KILL "$tool_pid"; wait "$tool_pid"; tool_pid=""; return 1; }
    t_sent=$(awk '/Successful packets:/ { print $3 }' "$work/replay.out")
    t_rate=$(awk '/^Rated:/ { printf "%d", $(NF - 1) }' "$work/replay.out")
    # Until the tool is idle: its CPU time unchanged over half a second (the
    # frames in its ring taken), at most 60 s.
    prev=$(cpu_ticks "$pid")
    for i in $(seq 120); do
        sleep 0.5
        cur=$(cpu_ticks "$pid")
        [ "$cur" = "$prev" ] && break
        prev=$cur
    done
    kill -INT "$pid" 2>/dev/null
    for i in $(seq 300); do kill -0 "$tool_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$tool_pid" 2>/dev/null
    wait "$tool_pid" 2>/dev/null
    tool_pid=""
    t_drop="-"
    case "$tool" in
        portsniff|portsniff-w2|before)
            read -r t_recv t_drop < <(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["totals"]["packets"], r["kernel"]["dropped"])' "$work/report.json" 2>/dev/null) ;;
        tcpdump)
            t_recv=$(awk '/packets captured/ { print $1 }' "$work/tool.err")
            t_drop=$(awk '/packets dropped by kernel/ { print $1 }' "$work/tool.err") ;;
        ndpiReader)
            t_recv=$(awk '/IP packets:/ { print $(NF - 2) }' "$work/tool.out") ;;
    esac
    if [ -z "${t_recv:-}" ] || [ -z "$t_sent" ]; then
        echo "live.sh: $tool at $rate: no figures: $(tail -3 "$work/tool.err")" >&2
        return 1
    fi
    t_lost=$(( t_sent - t_recv ))
    t_sys=""; t_cpu=""; t_top=""
    if [ -n "$perf" ]; then
        t_sys=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$work/perf.txt")
        t_cpu=$(awk -F, '$3 == "task-clock" { printf "%d", $1 }' "$work/perf.txt")
        t_top=$(awk -F, '$3 ~ /^syscalls:sys_enter_/ && $1 > 0 { sub("syscalls:sys_enter_", "", $3); print $1, $3 }' \
            "$work/perf.txt" | sort -rn | head -4 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
    fi
    return 0
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", 100 * a / b; else print "-" }'; }

# ---- the runs ----

describe() {
    echo "## Live capture, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; $(uname -sr);" \
         "$(tcpreplay --version 2>&1 | head -1 | cut -d' ' -f1-3)."
    echo "Traffic: \`gen-bench --packets $packets --flows $flows\` ($(sed -n 's/^[^:]*: [^:]*: //p' "$work/gen-live.log" | head -1))"
    echo "replayed into a veth pair inside a network namespace; each tool captures on the far end."
    echo "The search and system-call trials replay \`gen-bench --packets $search_packets --flows $search_flows\`."
    echo
}
describe

declare -A zero_rate top_rate top_lost
if [ -n "$rates" ]; then
echo "### Fixed rates ($rounds rounds, tools in rotation)"
echo
echo "| rate asked | tool | sent | rate (pps) | received | kernel drops | lost | lost % |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
set -- $tools
ntools=$#
for ((round = 0; round < rounds; round++)); do
    for rate in $rates; do
        # Each round starts the rotation one tool further on.
        for ((k = 0; k < ntools; k++)); do
            idx=$(( (k + round) % ntools + 1 ))
            tool=${!idx}
            trial "$tool" "$rate" "$work/live.pcap" || exit 1
            echo "| $rate | $tool | $t_sent | $t_rate | $t_recv | $t_drop | $t_lost | $(pct "$t_lost" "$t_sent") |"
            if [ "$rate" = top ]; then
                [ -z "${top_rate[$tool]:-}" ] || [ "$t_rate" -gt "${top_rate[$tool]}" ] && top_rate[$tool]=$t_rate
                top_lost[$tool]=$(( ${top_lost[$tool]:-0} + t_lost ))
                [ -z "${zero_rate[$tool]:-}" ] || [ "$t_rate" -lt "${zero_rate[$tool]}" ] && zero_rate[$tool]="$t_rate"
            fi
        done
    done
done
echo
fi

if [ "$search_steps" -gt 0 ]; then
echo "### Highest rate with zero loss (search over tcpreplay --pps, $search_packets packets a trial)"
echo
echo "| tool | zero loss at top speed (every round) | highest zero-loss rate (pps) | trials (asked: rate reached, lost) |"
echo "|---|---|---:|---|"
for tool in $tools; do
    if [ -n "${top_lost[$tool]:-}" ] && [ "${top_lost[$tool]}" -eq 0 ]; then
        echo "| $tool | yes | ${zero_rate[$tool]} (top speed, its slowest round) | - |"
        continue
    fi
    hi=${top_rate[$tool]:-200000} lo=1000 best="none" log=""
    for ((s = 0; s < search_steps; s++)); do
        mid=$(( (lo + hi) / 2 ))
        trial "$tool" "$mid" "$work/search.pcap" || exit 1
        log+="$mid: $t_rate, $t_lost; "
        if [ "$t_lost" -eq 0 ]; then
            lo=$mid
            [ "$best" = none ] || [ "$t_rate" -gt "$best" ] && best=$t_rate
        else
            hi=$mid
        fi
    done
    if [ -n "${top_rate[$tool]:-}" ]; then
        top="no (top speed: ${top_rate[$tool]} pps)"
    else
        top="not run"
    fi
    echo "| $tool | $top | $best | ${log%; } |"
done
echo
fi

if [ -n "$syscall_rates" ]; then
    echo "### System calls per packet (perf stat, every thread, start to exit, $search_packets packets)"
    echo
    echo "| rate asked | tool | received | rate (pps) | lost | system calls | per packet | most frequent | CPU ms |"
    echo "|---|---|---:|---:|---:|---:|---:|---|---:|"
    for rate in $syscall_rates; do
        for tool in $tools; do
            [ "$tool" = ndpiReader ] && continue
            trial "$tool" "$rate" "$work/search.pcap" perf || exit 1
            per=$(awk -v a="$t_sys" -v b="$t_recv" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
            echo "| $rate | $tool | $t_recv | $t_rate | $t_lost | $t_sys | $per | $t_top | $t_cpu |"
        done
    done
    echo
fi
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $SECONDS s in all"
