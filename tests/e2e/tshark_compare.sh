#!/usr/bin/env bash
# portsniff's packet and byte counts per 5-tuple must equal tshark's
# per-packet dissection, and its labels the IANA registry read directly,
# over the sample captures and a generated corpus. See tests/COMPARE.md.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}" "${PS_REGISTRY_CSV:?}"

tshark=${TSHARK:-tshark}
if ! command -v "$tshark" >/dev/null 2>&1; then
    echo "FAIL: tshark not found: the cross-check needs it (Debian: apt-get install tshark)"
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "FAIL: python3 not found"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests="$PS_SOURCE_DIR/tests"
status=0

if ! python3 "$tests/corpus/gen_corpus.py" "$work/corpus" --seed 1 --quiet; then
    echo "FAIL: corpus generation"
    exit 1
fi

inputs=()
if compgen -G "$PS_SOURCE_DIR/captures/*.pcap*" >/dev/null; then
    inputs=("$PS_SOURCE_DIR/captures")
else
    echo "note: no sample captures under $PS_SOURCE_DIR/captures"
fi

# compare NAME ARGS...: run compare_tshark.py, show its findings and totals.
compare() {
    local name="$1"; shift
    python3 "$tests/compare_tshark.py" --portsniff "$PORTSNIFF" --tshark "$tshark" "$@" \
        >"$work/$name.out" 2>&1
    local rc=$?
    grep -E '^(MISMATCH|ERROR|SKIP|BADCSUM)' "$work/$name.out" | head -200
    tail -n 2 "$work/$name.out"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: compare_tshark.py $name exit $rc"
        status=1
    fi
}

if [ "${#inputs[@]}" -gt 0 ]; then
    echo "== packet and byte counts against tshark: sample captures"
    compare captures "${inputs[@]}"
fi
# The generated corpus has correct checksums by construction: tshark
# validates them too, so the comparison rests on packets any stack accepts.
echo "== packet and byte counts against tshark: generated corpus (checksums validated)"
compare corpus --check-checksums "$work/corpus"
inputs+=("$work/corpus")

# The same with decapsulation on (portsniff's default): both sides walk
# through GRE, IP-in-IP and MPLS to the innermost IP layer.
echo "== packet and byte counts against tshark, innermost IP layer: captures and corpus"
compare decap --decap=all "${inputs[@]}"

echo "== service labels against $PS_REGISTRY_CSV"
python3 "$tests/compare_labels.py" --portsniff "$PORTSNIFF" --registry "$PS_REGISTRY_CSV" \
    "${inputs[@]}" >"$work/labels.out" 2>&1
rc=$?
grep -E '^(FAIL|SKIP)' "$work/labels.out" | head -200
tail -n 2 "$work/labels.out"
[ "$rc" -eq 0 ] || { echo "FAIL: compare_labels.py exit $rc"; status=1; }

exit "$status"
