#!/usr/bin/env bash
# Build the libFuzzer configuration and run every harness for a bounded time.
#
#   bash tests/fuzz/run.sh BUILD_DIR [HARNESS...]
#
# BUILD_DIR is a build directory of its own (configured here with clang and
# -DPORTSNIFF_FUZZ=ON). HARNESS defaults to all: dissect registry csv pipeline.
# Environment:
#   FUZZ_SECONDS     time per harness (default 45)
#   FUZZ_CORPUS      keep the corpora there between runs (default: a temporary directory)
#   PS_REGISTRY_CSV  the IANA CSV to build with and to take registry seeds from
#                    (default: the build's own, data/service-names-port-numbers.csv)
# Seeds are made at run time: the sample captures (whole files for the
# pipeline, one input per packet for the dissector), the head of the IANA CSV,
# an excerpt of /etc/services, tests/fuzz/seeds/ and tests/fuzz/regressions/.
# Any crash, leak, timeout or out-of-memory fails the run (exit 1) and the
# input that caused it is kept under BUILD_DIR/fuzz-findings/HARNESS/.
set -uo pipefail

build=${1:?usage: run.sh BUILD_DIR [HARNESS...]}
shift
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(dissect registry csv pipeline)
seconds=${FUZZ_SECONDS:-45}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzzdir="$src/tests/fuzz"

configure=(-S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DPORTSNIFF_FUZZ=ON)
[ -n "${PS_REGISTRY_CSV:-}" ] && configure+=("-DPORTSNIFF_REGISTRY_CSV=$PS_REGISTRY_CSV")
echo "== configure and build $build"
cmake "${configure[@]}" >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
rm -f "$build.configure.log"
targets=(fuzz_seeds)
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" || exit 1
build=$(cd "$build" && pwd)
csv=$(sed -n 's/^PORTSNIFF_REGISTRY_CSV:[A-Z]*=//p' "$build/CMakeCache.txt")

work=$(mktemp -d "${TMPDIR:-/tmp}/portsniff-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
corpora=${FUZZ_CORPUS:-$work/corpus}

# seeds HARNESS DIR: fill DIR with the harness's starting inputs.
seeds() {
    local h=$1 dir=$2
    mkdir -p "$dir"
    for d in "$fuzzdir/seeds/$h" "$fuzzdir/regressions/$h"; do
        [ -d "$d" ] && find "$d" -maxdepth 1 -type f -exec cp {} "$dir/" \;
    done
    local caps=()
    for f in "$src"/captures/*.pcap "$src"/captures/*.pcapng; do [ -f "$f" ] && caps+=("$f"); done
    case $h in
    dissect)
        [ ${#caps[@]} -gt 0 ] && "$build/tests/fuzz/fuzz_seeds" "$dir" "${caps[@]}" >/dev/null ;;
    pipeline)
        [ ${#caps[@]} -gt 0 ] && cp "${caps[@]}" "$dir/" ;;
    registry)
        # Selector byte 0: the bytes as they are; 1: IANA's header put in front.
        if [ -f "$csv" ]; then
            { printf '\0'; head -n 40 "$csv"; } >"$dir/gen-iana-head"
            { printf '\1'; sed -n '2,40p' "$csv"; } >"$dir/gen-iana-rows"
        fi
        if [ -f /etc/services ]; then
            { printf '\0'; grep -v '^#' /etc/services | head -n 60; } >"$dir/gen-etc-services"
        fi ;;
    csv)
        [ -f "$csv" ] && head -n 40 "$csv" >"$dir/gen-iana-head" ;;
    esac
    return 0
}

failed=()
for h in "${harnesses[@]}"; do
    bin="$build/tests/fuzz/fuzz_$h"
    findings="$build/fuzz-findings/$h"
    mkdir -p "$corpora/$h" "$findings"
    seeds "$h" "$work/seeds/$h"
    (cd "$findings" && ls -A) | sort >"$work/$h.before"
    echo "== fuzz_$h for ${seconds}s ($(find "$work/seeds/$h" -type f | wc -l) seeds)"
    start=$SECONDS
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$findings/" "$corpora/$h" "$work/seeds/$h" >"$work/$h.log" 2>&1
    rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$work/$h.log" | tr '\n' ' '
    echo "($((SECONDS - start))s, exit $rc)"
    # The inputs libFuzzer wrote (an input found again keeps its old name).
    new=$( { (cd "$findings" && ls -A) | sort | comm -13 "$work/$h.before" - | sed "s|^|$findings/|"
             sed -n 's/.*Test unit written to //p' "$work/$h.log"; } | sort -u)
    if [ "$rc" -ne 0 ] || [ -n "$new" ]; then
        failed+=("$h")
        echo "FAIL: fuzz_$h found a problem:"
        grep -E 'ERROR|SUMMARY|runtime error|invariant failed|Test unit written|==[0-9]+==' "$work/$h.log" | head -20
        for f in $new; do
            echo "  reproducer: $f"
            echo "  replay:     $bin $f"
        done
        echo "  (add the reproducer to tests/fuzz/regressions/$h/ once fixed)"
        echo "  log tail:"
        tail -n 30 "$work/$h.log" | sed 's/^/    /'
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzzing passed: ${harnesses[*]} (${seconds}s each)"
