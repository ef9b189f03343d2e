#!/usr/bin/env bash
# Two portsniff binaries side by side on one generated capture:
#
#   bench/compare.sh [--rounds N] [--packets N] [--flows N] [--records FMT]
#                    [--flood N] [--build-dir DIR] A B
#
# Times `null-loop --buffered` (the floor reading files the way portsniff
# does), `A -r CAPTURE -q` and `B -r CAPTURE -q` in rotation, N rounds
# (default 21), and prints each one's median wall time and, for A and B, the
# time above the floor per packet. Every other round runs B before A; each
# two rounds give one difference, B less A, the mean of the two rounds' (so
# that a slow spell of the machine falls on both, and neither binary always
# runs second), printed in ns a packet as the median and the middle half of
# those differences. A and B may be the same file: the difference is then
# this machine's noise. With --records FMT, A and B write their flow records
# (--flows=FMT --report=none, to /dev/null) instead of -q, which times the
# record writers. With --flood N the capture is a flood of N distinct flows
# (`gen-bench --flood N`), read with bench/run.sh's flood flags (every flow
# open at once), which times a growing flow table. The capture comes from
# gen-bench (default 2,000,000 packets, 200,000 flows), which with null-loop
# is taken from DIR/bench (default build-bench/, which bench/run.sh builds).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/timing.bash"

rounds=21
packets=2000000
flows=200000
build_dir="$root/build-bench"
records=""
flood=0

usage() {
    sed -n '4,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

count_arg() {
    case "${2:-}" in
        ''|*[!0-9]*|0) echo "compare.sh: $1 needs a whole number of at least 1" >&2; exit 2 ;;
    esac
}

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) count_arg "$1" "${2:-}"; rounds=$2; shift 2 ;;
        --packets) count_arg "$1" "${2:-}"; packets=$2; shift 2 ;;
        --flows) count_arg "$1" "${2:-}"; flows=$2; shift 2 ;;
        --records) [ -n "${2:-}" ] || { echo "compare.sh: --records needs a format" >&2; exit 2; }
                   records=$2; shift 2 ;;
        --flood) count_arg "$1" "${2:-}"; flood=$2; shift 2 ;;
        --build-dir) [ -n "${2:-}" ] || { echo "compare.sh: --build-dir needs a value" >&2; exit 2; }
                     build_dir=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "compare.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done
if [ $# -ne 2 ]; then
    echo "compare.sh: give two portsniff binaries (see --help)" >&2
    exit 2
fi
a=$1 b=$2
for bin in "$a" "$b" "$build_dir/bench/gen-bench" "$build_dir/bench/null-loop"; do
    [ -x "$bin" ] || { echo "compare.sh: $bin is not an executable" >&2; exit 1; }
done
time_bin=/usr/bin/time
[ -x "$time_bin" ] || { echo "compare.sh: $time_bin is missing (Debian package 'time')" >&2; exit 1; }

failures=0
fail() {
    echo "compare.sh: $*" >&2
    failures=$((failures + 1))
}

need_kib=$((packets * 445 * 2 / 1024))
[ "$flood" -gt 0 ] && need_kib=$((flood * 650 * 2 / 1024))
work=$(mktemp -d "$(scratch_dir "$need_kib")/portsniff-compare.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
pcap="$work/bench.pcap"
if [ "$flood" -gt 0 ]; then
    "$build_dir/bench/gen-bench" -o "$pcap" --flood "$flood" || exit 1
else
    "$build_dir/bench/gen-bench" -o "$pcap" --packets "$packets" --flows "$flows" || exit 1
fi
packets=$("$build_dir/bench/null-loop" "$pcap" | awk '{print $1}')   # into memory, untimed
[ -n "$packets" ] || exit 1

group_add "floor, 256 KiB buffer" "null-loop --buffered" "$build_dir/bench/null-loop" --buffered "$pcap"
what=(-q)
if [ "$flood" -gt 0 ]; then
    flood_flags_for "$flood"
    what=("${flood_flags[@]}")
fi
# --records writes the records instead of -q (the first flag).
[ -n "$records" ] && what=("--flows=$records" --report=none "${what[@]:1}")
group_add "A" "$a ${what[*]}" "$a" -r "$pcap" "${what[@]}"
group_add "B" "$b ${what[*]}" "$b" -r "$pcap" "${what[@]}"
grp_alternate=1
group_run "$rounds"

floor=${row_wall[0]}
echo
if [ "$flood" -gt 0 ]; then
    echo "$packets packets, a flood of $flood flows; $rounds rounds in rotation"
else
    echo "$packets packets, $flows flows; $rounds rounds in rotation"
fi
echo
echo "| | command | median wall (s) | above the floor, ns a packet |"
echo "|---|---|---:|---:|"
for i in "${!row_label[@]}"; do
    w=${row_wall[$i]}
    above="-"
    if [ "$i" -gt 0 ] && [[ $w =~ ^[0-9.]+$ ]] && [[ $floor =~ ^[0-9.]+$ ]]; then
        above=$(awk -v w="$w" -v f="$floor" -v n="$packets" 'BEGIN { printf "%.0f", (w - f) * 1e9 / n }')
    fi
    echo "| ${row_label[$i]} | \`${row_cmd[$i]}\` | $w | $above |"
done
# B less A, two rounds at a time (A first, then B first): the median and
# the quartiles (by the nearest rank) of the differences. Not when either
# failed: its rounds stop where it did, and would pair with the wrong ones.
if [[ ${row_wall[1]} =~ ^[0-9.]+$ ]] && [[ ${row_wall[2]} =~ ^[0-9.]+$ ]]; then
    echo
    paste -d ' ' <(tr ' ' '\n' <<<"${row_rounds[1]}" | sed '/^$/d') \
                 <(tr ' ' '\n' <<<"${row_rounds[2]}" | sed '/^$/d') |
        awk -v n="$packets" 'NR % 2 { d = $2 - $1; next } { print (d + $2 - $1) / 2 * 1e9 / n }' |
        sort -g | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "B less A: fewer than two rounds, no difference"; exit }
            q1 = v[int((NR + 3) / 4)]; q3 = v[NR + 1 - int((NR + 3) / 4)]
            md = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "B less A, two rounds at a time (%d pairs): median %+.0f ns a packet, middle half %+.0f to %+.0f\n", NR, md, q1, q3
        }'
fi
[ "$failures" -eq 0 ]
