#!/usr/bin/env bash
# The service port portsniff finds without a flow's handshake must agree
# with the handshake's: at least 99.5% of the flows of a generated capture of
# realistic client behaviour (tools/gen_label_corpus.c) and of the sample
# captures. The tshark cross-check corpus (tests/corpus/gen_corpus.py) puts
# a fifth of its servers on a random port with one client each, which no
# evidence but the handshake can tell; it is held at 95%, below its
# measured 95.1%. See tests/label_accuracy.py.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}" "${PS_BUILD_DIR:?}"

gen="$PS_BUILD_DIR/gen-label-corpus"
strip="$PS_BUILD_DIR/ps-strip-handshakes"
for tool in "$gen" "$strip"; do
    [ -x "$tool" ] || { echo "FAIL: $tool not built"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/label_accuracy.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
tests="$PS_SOURCE_DIR/tests"
status=0

# accuracy MIN ARGS...: run label_accuracy.py; its last lines say the figures.
accuracy() {
    local min="$1"; shift
    python3 "$tests/label_accuracy.py" --portsniff "$PORTSNIFF" --strip "$strip" --min "$min" \
        "$@" >"$work/out" 2>&1
    local rc=$?
    grep -E '^(MISS|FAIL|by basis|against|label accuracy)' "$work/out"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: label_accuracy.py --min $min $* exit $rc"
        tail -n 3 "$work/out"
        status=1
    fi
}

# The stripper removes what tshark calls handshake packets, no more: TCP
# with SYN, SCTP with INIT or INIT ACK, DCCP Request or Response. In
# truncated.pcap every one is cut short: portsniff counts them malformed
# (tshark reads frame 8's DCCP type from 10 of the 12 header bytes), and
# the stripper, which decodes as portsniff does, keeps them.
echo "== ps-strip-handshakes against tshark"
# One tshark pass a file lists its handshake packets; capinfos (with tshark,
# in wireshark-common) counts the packets.
handshakes='(tcp.flags.syn == 1 or sctp.chunk_type == 1 or sctp.chunk_type == 2 or dccp.type == 0 or dccp.type == 1) and not _ws.malformed'
for f in "$PS_SOURCE_DIR"/captures/*.pcap*; do
    got=$("$strip" "$f" "$work/stripped.pcap" 2>&1)
    tshark -r "$f" -T fields -e frame.number -E header=n \
        -Y "$handshakes" >"$work/hs" 2>/dev/null
    total=$(capinfos -c -M "$f" 2>/dev/null | awk '/Number of packets/ {print $NF}')
    removed=$(wc -l <"$work/hs")
    [ "$(basename "$f")" = truncated.pcap ] && removed=0
    want="kept $((total - removed)) removed $removed"
    if [ "$got" != "$want" ]; then
        echo "FAIL: ps-strip-handshakes $(basename "$f"): '$got', want '$want'"
        status=1
    fi
done

echo "== generated capture of realistic client behaviour (seed 1)"
if "$gen" "$work/clients.pcap" --seed 1 --truth "$work/truth.csv" 2>"$work/gen.err"; then
    accuracy 99.5 --truth "$work/truth.csv" "$work/clients.pcap"
else
    echo "FAIL: gen-label-corpus: $(cat "$work/gen.err")"
    status=1
fi

echo "== sample captures"
accuracy 99.5 "$PS_SOURCE_DIR/captures"

echo "== tshark cross-check corpus (servers on random ports)"
if python3 "$tests/corpus/gen_corpus.py" "$work/corpus" --seed 1 --quiet; then
    accuracy 95 --show 0 "$work/corpus"
else
    echo "FAIL: gen_corpus.py"
    status=1
fi

[ "$status" -eq 0 ] && echo "ok: labels without handshakes agree"
exit "$status"
