#!/usr/bin/env bash
# Build everything with AddressSanitizer and UBSan (clang) and run the whole
# test suite: every unit test, end-to-end script and fuzz regression replay
# then runs instrumented, and any invalid access, leak or undefined
# behaviour fails its test.
#
#   bash tests/sanitize.sh BUILD_DIR [CTEST ARGS...]
#
# BUILD_DIR is a build directory of its own. PS_REGISTRY_CSV, when set, is
# passed on as -DPORTSNIFF_REGISTRY_CSV.
set -uo pipefail

build=${1:?usage: sanitize.sh BUILD_DIR [CTEST ARGS...]}
shift
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

configure=(-S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DPORTSNIFF_WERROR=ON
    "-DCMAKE_C_FLAGS=-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer")
[ -n "${PS_REGISTRY_CSV:-}" ] && configure+=("-DPORTSNIFF_REGISTRY_CSV=$PS_REGISTRY_CSV")
cmake "${configure[@]}" || exit 1
cmake --build "$build" -j"$(nproc)" || exit 1

# Findings are fatal and say where they happened; leaks are checked at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure "$@"
