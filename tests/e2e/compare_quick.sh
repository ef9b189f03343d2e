#!/usr/bin/env bash
# bench/compare.sh runs end to end on a small capture: the floor first in
# every round, A before B in even rounds and B before A in odd ones (each
# binary here a wrapper that logs its turn, then runs this build's
# portsniff), the table of medians and the difference B less A two rounds at
# a time; with one round, no difference; with a B that fails, an error and
# no difference. Nothing about speed is asserted.
set -uo pipefail
: "${PS_SOURCE_DIR:?}" "${PS_BUILD_DIR:?}" "${PORTSNIFF:?}"

fail() {
    echo "FAIL: $*"
    exit 1
}

[ -x /usr/bin/time ] || fail "/usr/bin/time not found (Debian: time)"
for helper in gen-bench null-loop; do
    [ -x "$PS_BUILD_DIR/bench/$helper" ] ||
        fail "$PS_BUILD_DIR/bench/$helper is missing (configure with -DPORTSNIFF_BENCH=ON)"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for side in A B; do
    printf '#!/bin/sh\necho %s >>"%s/turns"\nexec "%s" "$@"\n' "$side" "$work" "$PORTSNIFF" \
        >"$work/$side"
    chmod +x "$work/$side"
done

TMPDIR=$work bash "$PS_SOURCE_DIR/bench/compare.sh" --rounds 5 --packets 20000 --flows 2000 \
    --build-dir "$PS_BUILD_DIR" "$work/A" "$work/B" >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" -ne 0 ]; then
    cat "$work/out" "$work/err"
    fail "bench/compare.sh exited with status $rc"
fi

status=0
turns=$(tr '\n' ' ' <"$work/turns")
if [ "$turns" != "A B B A A B B A A B " ]; then
    echo "FAIL: A and B ran in the order '$turns', not 'A B B A A B B A A B '"
    status=1
fi
out="$work/out"
expect() {
    if ! grep -qE -- "$1" "$out"; then
        echo "FAIL: no line matching '$1' in the output"
        status=1
    fi
}
num='[0-9]+(\.[0-9]+)?'
signed='[+-][0-9]+'
expect '^20000 packets, 2000 flows; 5 rounds in rotation$'
expect "^\| floor, 256 KiB buffer \| \`null-loop --buffered\` \| $num \| - \|$"
expect "^\| A \| \`$work/A -q\` \| $num \| -?[0-9]+ \|$"
expect "^\| B \| \`$work/B -q\` \| $num \| -?[0-9]+ \|$"
# Five rounds make two pairs; the fifth counts in the medians only.
expect "^B less A, two rounds at a time \(2 pairs\): median $signed ns a packet, middle half $signed to $signed$"

# One round gives no pair, and says so.
: >"$work/turns"
TMPDIR=$work bash "$PS_SOURCE_DIR/bench/compare.sh" --rounds 1 --packets 2000 --flows 200 \
    --build-dir "$PS_BUILD_DIR" "$work/A" "$work/B" >"$work/out" 2>"$work/err" ||
    { cat "$work/out" "$work/err"; fail "bench/compare.sh --rounds 1 failed"; }
expect '^B less A: fewer than two rounds, no difference$'
[ "$(tr '\n' ' ' <"$work/turns")" = "A B " ] || { echo "FAIL: one round ran '$(cat "$work/turns")'"; status=1; }

# A B that fails in its second round: compare.sh fails, says so, and prints
# no difference (A's rounds would pair with the wrong ones).
printf '#!/bin/sh\necho B >>"%s/turns"\n[ "$(grep -c B "%s/turns")" -lt 2 ] || exit 3\nexec "%s" "$@"\n' \
    "$work" "$work" "$PORTSNIFF" >"$work/B"
: >"$work/turns"
TMPDIR=$work bash "$PS_SOURCE_DIR/bench/compare.sh" --rounds 4 --packets 2000 --flows 200 \
    --build-dir "$PS_BUILD_DIR" "$work/A" "$work/B" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -ne 0 ] || { echo "FAIL: compare.sh exited 0 with a B that failed"; status=1; }
grep -q 'compare.sh: B failed to run' "$work/err" ||
    { echo "FAIL: no 'B failed to run' on stderr:"; cat "$work/err"; status=1; }
expect "^\| B \| \`$work/B -q\` \| failed \| - \|$"
if grep -q 'B less A' "$out"; then
    echo "FAIL: a difference was printed with B failed"
    status=1
fi
# A ran all four rounds, B only until it failed.
[ "$(tr '\n' ' ' <"$work/turns")" = "A B B A A A " ] ||
    { echo "FAIL: with B failing the turns were '$(tr '\n' ' ' <"$work/turns")'"; status=1; }

if [ "$status" -ne 0 ]; then
    echo "--- output"
    cat "$out"
    exit 1
fi
echo "bench/compare.sh: A and B alternate, table and two pairs printed"
