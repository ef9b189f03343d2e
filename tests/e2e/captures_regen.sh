#!/bin/bash
# The committed sample captures must be exactly what the generator writes:
# regenerate them into a scratch directory and compare byte for byte, in
# both directions (a file missing on either side is a failure too).
set -u

: "${GEN_CAPTURES:?GEN_CAPTURES must name the gen-captures binary}"
: "${PS_SOURCE_DIR:?PS_SOURCE_DIR must name the source tree}"

committed="$PS_SOURCE_DIR/captures"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/captures_regen.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT

"$GEN_CAPTURES" "$scratch"
status=$?
if [ "$status" -ne 0 ]; then
    echo "FAIL: $GEN_CAPTURES $scratch exited with status $status" >&2
    exit 1
fi
if [ ! -d "$committed" ]; then
    echo "FAIL: $committed does not exist" >&2
    exit 1
fi

# Only capture files are generated; captures/README.md is written by hand.
list_captures() {
    find "$1" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) -printf '%f\n' | LC_ALL=C sort
}

failures=0
generated=$(list_captures "$scratch")
present=$(list_captures "$committed")

if [ -z "$generated" ]; then
    echo "FAIL: the generator wrote no capture files" >&2
    exit 1
fi

for name in $generated; do
    if [ ! -f "$committed/$name" ]; then
        echo "FAIL: generator writes $name but captures/ has no such file (run: gen-captures captures)" >&2
        failures=$((failures + 1))
    elif ! cmp -s "$scratch/$name" "$committed/$name"; then
        echo "FAIL: captures/$name differs from what the generator writes now:" >&2
        cmp "$scratch/$name" "$committed/$name" >&2
        failures=$((failures + 1))
    fi
done

for name in $present; do
    if [ ! -f "$scratch/$name" ]; then
        echo "FAIL: captures/$name is not written by the generator (stale file?)" >&2
        failures=$((failures + 1))
    fi
done

# Generating twice must give the same bytes: nothing may depend on the clock.
second="$scratch/second"
mkdir "$second" && "$GEN_CAPTURES" "$second" || { echo "FAIL: second generator run failed" >&2; exit 1; }
for name in $generated; do
    if ! cmp -s "$scratch/$name" "$second/$name"; then
        echo "FAIL: $name differs between two runs of the generator" >&2
        failures=$((failures + 1))
    fi
done

if [ "$failures" -ne 0 ]; then
    echo "$failures capture file(s) out of date" >&2
    exit 1
fi
echo "ok: $(echo "$generated" | wc -l) captures match the generator"
