#!/usr/bin/env bash
# A clone builds anywhere: git-clone the source tree's committed HEAD into a
# temporary directory with nothing beside it, and run README.md's first
# command there exactly as written (found the way .ci/run finds the second).
# Where it can (root, unshare), the run also happens in a mount namespace
# with the source tree's sibling ../shared hidden behind an empty tmpfs, so
# that not even an absolute path could reach data outside the clone.
# Uncommitted changes in the source tree are not part of what is tested.
set -euo pipefail
: "${PS_SOURCE_DIR:?}"

if ! git -C "$PS_SOURCE_DIR" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    echo "clone_build: SKIP: $PS_SOURCE_DIR is not a git checkout"
    exit 77
fi
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fail() { echo "clone_build: FAIL: $*" >&2; exit 1; }

git clone -q --no-hardlinks "$PS_SOURCE_DIR" "$w/portsniff"
head=$(git -C "$PS_SOURCE_DIR" rev-parse HEAD)
[ "$(git -C "$w/portsniff" rev-parse HEAD)" = "$head" ] || fail "the clone is not at $head"
[ ! -e "$w/shared" ] || fail "$w/shared exists"

cd "$w/portsniff"
cmd=$(grep -m1 -A1 '^# 1\. build and annotate' README.md | tail -n 1)
[ -n "$cmd" ] || fail "README.md has no first command"
case $cmd in
*"cmake -S . -B build-run"*"./build-run/portsniff -r captures/sample.pcapng"*) ;;
*) fail "README.md's first command is not build-and-run: $cmd" ;;
esac
echo "clone_build: in $w/portsniff (HEAD $head): $cmd"

hidden=""
shared=$(cd "$PS_SOURCE_DIR/.." && pwd)/shared
if [ -d "$shared" ] && [ "$(id -u)" -eq 0 ] && unshare --mount true 2>/dev/null; then
    hidden=$shared
    # Private mounts (unshare's default): the tmpfs is seen by this run only.
    status=0
    unshare --mount bash -c 'mount -t tmpfs -o size=1m,mode=0555 none "$1" && eval "$2"' \
        clone_build "$shared" "$cmd" >"$w/out" 2>"$w/err" || status=$?
else
    status=0
    bash -c "$cmd" >"$w/out" 2>"$w/err" || status=$?
fi
if [ "$status" -ne 0 ]; then
    tail -n 20 "$w/err" >&2
    fail "README.md's first command exited $status in the clone"
fi

# The registry compiled in is the clone's data/, with its date. The report
# goes where the command's output goes (stderr when flows take stdout).
cat "$w/out" "$w/err" >"$w/all"
date=$(cat data/service-names-port-numbers.date)
[[ "$date" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || fail "data/service-names-port-numbers.date holds '$date'"
grep -qx "registry: built-in (service-names-port-numbers.csv), updated $date, [0-9]* days old on [0-9-]*" "$w/all" ||
    fail "the report does not name the registry of $date: $(grep '^registry' "$w/all" || echo none)"
grep -q "^PORTSNIFF_REGISTRY_CSV:FILEPATH=$w/portsniff/data/service-names-port-numbers.csv$" build-run/CMakeCache.txt ||
    fail "the build did not take the clone's data/: $(grep '^PORTSNIFF_REGISTRY_CSV' build-run/CMakeCache.txt)"
# The run itself: a labelled flow and the totals of the bundled capture.
grep -qx '10:00:00.001310 tcp 192.0.2.10:49400 > 198.51.100.43:443 https/443 8/896 5/2301 0.078176 fin FSP./FSP.' "$w/out" ||
    fail "no https flow in the output"
grep -Eq '^totals: packets 86, bytes 14401($|,)' "$w/all" || fail "totals: $(grep '^totals' "$w/all" || echo none)"
echo "clone_build: ok: registry of $date compiled from the clone's data/${hidden:+, with $hidden hidden}"
