#!/usr/bin/env bash
# The whole test suite, as README.md's second command runs it:
#   1. clang with ASan+UBSan and warnings as errors: every ctest test instrumented
#   2. libFuzzer over the four harnesses for a bounded time (FUZZ_SECONDS each)
#   3. valgrind over every capture, format and registry kind: no error, no leak
#   4. gcc with warnings as errors: every ctest test (unit, end-to-end, tshark
#      comparison, live capture, benchmark smoke run)
# Each stage has its own build directory under BUILD_ROOT (default: build).
set -uo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${BUILD_ROOT:-$src/build}
failed=()

stage() {
    local name="$1"; shift
    echo "== $name"
    if ! "$@"; then
        failed+=("$name")
        echo "== $name: FAILED"
    fi
}

build_gcc() {
    cmake -S "$src" -B "$root" -DPORTSNIFF_WERROR=ON &&
        cmake --build "$root" -j"$(nproc)"
}

# A test that has not ended after this many seconds fails (a hang is a
# failure with a name, not a suite that never ends); the slowest take about
# 25 s here, under the sanitizers too.
test_timeout=${TEST_TIMEOUT:-600}
stage "sanitizers (ASan+UBSan)" bash "$src/tests/sanitize.sh" "$root-asan" --timeout "$test_timeout"
stage "fuzzing" bash "$src/tests/fuzz/run.sh" "$root-fuzz"
stage "gcc build" build_gcc
stage "valgrind" bash "$src/tests/valgrind_e2e.sh" "$root"
# Last, so the suite's closing summary is the final line of the run.
stage "test suite" ctest --test-dir "$root" --output-on-failure --timeout "$test_timeout"

if [ ${#failed[@]} -gt 0 ]; then
    echo "failed stages: ${failed[*]}" >&2
    exit 1
fi
