#!/usr/bin/env bash
# --huge-pages takes the large tables from the system's pool of 2 MiB huge
# pages (vm.nr_hugepages) while it has free pages, and the rest as without
# it: the output is the same either way, a pool too small is said in one
# notice on stderr (how many pages it gave of how many asked), and every page
# goes back to the pool when the run ends. The test grows the pool by a few
# pages and puts it back as it found it; it needs root (exit 77 otherwise).
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}" "${PS_BUILD_DIR:?}"

fail() {
    echo "FAIL: $*"
    exit 1
}

pool=/proc/sys/vm/nr_hugepages
if [ "$(id -u)" != 0 ] || [ ! -w "$pool" ]; then
    echo "SKIP: needs root to size the huge page pool ($pool)"
    exit 77
fi
free_pages() { awk '/^HugePages_Free:/ {print $2}' /proc/meminfo; }

work=$(mktemp -d)
old=$(cat "$pool")
trap 'echo "$old" > "$pool"; rm -rf "$work"' EXIT

# A pool of exactly `want` free pages, or exit 77 when the kernel cannot
# find that much contiguous memory.
pool_free() {
    local want=$1 now
    now=$(free_pages)
    echo $(($(cat "$pool") + want - now)) >"$pool" 2>/dev/null
    now=$(free_pages)
    if [ "$now" != "$want" ]; then
        echo "SKIP: the huge page pool has $now free pages, not the $want asked (memory too fragmented?)"
        exit 77
    fi
}

cap="$PS_SOURCE_DIR/captures/sample.pcapng"
big="$work/flood.pcap"
[ -x "$PS_BUILD_DIR/bench/gen-bench" ] ||
    fail "$PS_BUILD_DIR/bench/gen-bench is missing (configure with -DPORTSNIFF_BENCH=ON)"
"$PORTSNIFF" -r "$cap" -q --report=json >"$work/plain.json" 2>"$work/plain.err" ||
    fail "portsniff without --huge-pages failed: $(cat "$work/plain.err")"

# 1. A pool of one page: that page is used, the rest are transparent huge
#    pages, and the notice says so.
pool_free 1
"$PORTSNIFF" -r "$cap" -q --report=json --huge-pages >"$work/one.json" 2>"$work/one.err" ||
    fail "portsniff --huge-pages with a one-page pool failed: $(cat "$work/one.err")"
cmp -s "$work/plain.json" "$work/one.json" || fail "the report differs with --huge-pages (one-page pool)"
notice=$(cat "$work/one.err")
if ! [[ $notice =~ ^"portsniff: notice: --huge-pages: 1 of "([0-9]+)" 2 MiB pages came from the system's pool (vm.nr_hugepages); the rest were transparent huge pages"$ ]]; then
    fail "expected one notice that 1 page came from the pool, got: '$notice'"
fi
asked=${BASH_REMATCH[1]}
[ "$asked" -ge 4 ] || fail "the run asked for $asked huge pages; the read-ahead, buckets, fan-in and a slab take at least 4"
[ "$(free_pages)" = 1 ] || fail "the pool has $(free_pages) free pages after the run, not its 1"

# 2. A pool with room for all of it: no notice, the same report, and the
#    pages back in the pool afterwards.
pool_free $((asked + 8))
"$PORTSNIFF" -r "$cap" -q --report=json --huge-pages >"$work/all.json" 2>"$work/all.err" ||
    fail "portsniff --huge-pages with a large pool failed: $(cat "$work/all.err")"
cmp -s "$work/plain.json" "$work/all.json" || fail "the report differs with --huge-pages (large pool)"
[ ! -s "$work/all.err" ] || fail "unexpected stderr with a large enough pool: $(cat "$work/all.err")"
[ "$(free_pages)" = $((asked + 8)) ] || fail "the pool has $(free_pages) free pages after the run, not $((asked + 8))"

# 3. Without --huge-pages a pool too small for the run says nothing: the run
#    asks nothing of it.
pool_free 1
"$PORTSNIFF" -r "$cap" -q --report=json >"$work/off.json" 2>"$work/off.err" || fail "portsniff failed"
cmp -s "$work/plain.json" "$work/off.json" || fail "the report differs between two runs without --huge-pages"
[ ! -s "$work/off.err" ] || fail "unexpected stderr without --huge-pages: $(cat "$work/off.err")"
[ "$(free_pages)" = 1 ] || fail "the pool has $(free_pages) free pages after a run without --huge-pages"

# 4. A flood of 40,000 flows: its slabs come from the pool too (more pages
#    than the small run asked), and the report is the same with the pool,
#    with an empty one and without the option.
"$PS_BUILD_DIR/bench/gen-bench" -o "$big" --flood 40000 >/dev/null 2>&1 ||
    fail "gen-bench --flood 40000 failed"
flags=(-q --max-flows 100000 --idle-timeout 3600 --active-timeout 7200 --report=json)
"$PORTSNIFF" -r "$big" "${flags[@]}" >"$work/flood-plain.json" 2>/dev/null || fail "portsniff on the flood failed"
pool_free 0
"$PORTSNIFF" -r "$big" "${flags[@]}" --huge-pages >"$work/flood-none.json" 2>"$work/flood-none.err" ||
    fail "portsniff --huge-pages on the flood with an empty pool failed"
cmp -s "$work/flood-plain.json" "$work/flood-none.json" || fail "the flood's report differs with an empty pool"
notice=$(cat "$work/flood-none.err")
if ! [[ $notice =~ ^"portsniff: notice: --huge-pages: 0 of "([0-9]+)" 2 MiB pages came" ]]; then
    fail "expected the notice that 0 pages came from an empty pool, got: '$notice'"
fi
flood_asked=${BASH_REMATCH[1]}
[ "$flood_asked" -gt "$asked" ] || fail "the flood asked for $flood_asked pages, no more than the sample's $asked"
pool_free "$flood_asked"
"$PORTSNIFF" -r "$big" "${flags[@]}" --huge-pages >"$work/flood-pool.json" 2>"$work/flood-pool.err" ||
    fail "portsniff --huge-pages on the flood failed"
cmp -s "$work/flood-plain.json" "$work/flood-pool.json" || fail "the flood's report differs with the pool"
[ ! -s "$work/flood-pool.err" ] || fail "unexpected stderr with a pool of $flood_asked pages: $(cat "$work/flood-pool.err")"
[ "$(free_pages)" = "$flood_asked" ] || fail "the pool has $(free_pages) free pages after the flood, not $flood_asked"

echo "--huge-pages: the sample asked $asked pages, the 40,000-flow flood $flood_asked; reports identical with and without the pool"
