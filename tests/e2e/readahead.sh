#!/usr/bin/env bash
# A regular file is read ahead by a second thread, in raw blocks when it is a
# plain pcap file in this host's byte order, through libpcap otherwise, and
# handed to libpcap from the first record it treats specially. A pipe is read
# by libpcap in the main thread. Each capture below is read both ways: the
# flow records, the exit status and the message must be the same, and the
# records must hold the packets the generator wrote.
set -uo pipefail
: "${PORTSNIFF:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/readahead.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
pass=0 failed=0

python3 - <<'EOF' || { echo "FAIL: could not generate the inputs"; exit 1; }
import struct

def eth_udp(i, size):
    """A UDP frame of `size` bytes (at least 42) from flow i."""
    payload = bytes((i + k) & 0xff for k in range(size - 42))
    udp = struct.pack('!HHHH', 20000 + i % 40, 53, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 1, 2]))
    return bytes.fromhex('00005e005301 00005e0053fe 0800') + ip + udp

def big(size):
    # Larger than an IP packet can be: a local-experimental EtherType frame.
    return bytes.fromhex('00005e005301 00005e0053fe 88b5') + bytes(size - 14)

def header(magic=0xa1b2c3d4, snaplen=262144, order='<'):
    return struct.pack(order + 'IHHiIII', magic, 2, 4, 0, 0, snaplen, 1)

def rec(ts, data, caplen=None, wire=None, order='<', frac=0):
    caplen = len(data) if caplen is None else caplen
    wire = len(data) if wire is None else wire
    return struct.pack(order + 'IIII', ts, frac, caplen, wire) + data

sizes = [60, 1514, 342, 98, 1200, 64]
def frames(n):
    out = []
    for i in range(n):
        if i % 400 == 199:
            out.append(big(200000))    # more than half a 256 KiB chunk
        elif i % 400 == 399:
            out.append(big(262144))    # more than a whole chunk
        else:
            out.append(eth_udp(i, sizes[i % len(sizes)]))
    return out

F = frames(3000)    # about 5 MiB: the eight chunks are reused several times
with open('blocks.pcap', 'wb') as f:
    f.write(header() + b''.join(rec(1000 + i, d, frac=i * 100) for i, d in enumerate(F)))
with open('nano.pcap', 'wb') as f:
    f.write(header(magic=0xa1b23c4d) +
            b''.join(rec(1000 + i, d, frac=i * 100001) for i, d in enumerate(F[:500])))
with open('swapped.pcap', 'wb') as f:
    f.write(header(order='>') + b''.join(rec(1000 + i, d, order='>') for i, d in enumerate(F[:500])))
# Record 700 claims fewer bytes on the wire than it holds; libpcap reads on.
with open('lying.pcap', 'wb') as f:
    f.write(header() + b''.join(rec(1000 + i, d, wire=(40 if i == 700 else None))
                                for i, d in enumerate(F[:1200])))
# Record 900 holds more than the snapshot length: libpcap keeps 1514 bytes of it.
with open('over-snaplen.pcap', 'wb') as f:
    G = [d for d in F[:1200] if len(d) <= 1514]
    G[900] = eth_udp(900, 4000)
    f.write(header(snaplen=1514) + b''.join(rec(1000 + i, d) for i, d in enumerate(G)))
# The last record is cut short in its data, 1,500 records in.
with open('truncated.pcap', 'wb') as f:
    body = b''.join(rec(1000 + i, d) for i, d in enumerate(F[:1501]))
    f.write(header() + body[:-20])
EOF

# The records, every field (uid too: it is derived from the flow's key and
# first packet), and their packets.
records() {
    python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    print(",".join(r.values()))
print("packets", sum(int(r["orig_pkts"]) + int(r["resp_pkts"]) for r in rows))' "$1"
}

check() {   # name, expected exit status, expected packets in the records, expected message
    local name=$1 want_rc=$2 want_pkts=$3 want_msg=$4
    "$PORTSNIFF" -r "$name" --flows=csv --report=none >file.csv 2>file.err
    local rc_file=$?
    # shellcheck disable=SC2002
    cat "$name" | "$PORTSNIFF" -r - --flows=csv --report=none >pipe.csv 2>pipe.err
    local rc_pipe=$?
    sed -i "s#$name#(stdin)#" file.err
    records file.csv >file.txt
    records pipe.csv >pipe.txt
    local pkts
    pkts=$(tail -1 file.txt)
    if [ "$rc_file" != "$want_rc" ] || [ "$rc_pipe" != "$want_rc" ]; then
        echo "FAIL: $name: exit status $rc_file from the file, $rc_pipe from a pipe, expected $want_rc"
        failed=$((failed + 1))
    elif ! cmp -s file.txt pipe.txt; then
        echo "FAIL: $name: the records differ between the file and a pipe"
        diff file.txt pipe.txt | head -5
        failed=$((failed + 1))
    elif ! cmp -s file.err pipe.err; then
        echo "FAIL: $name: the messages differ: $(cat file.err) / $(cat pipe.err)"
        failed=$((failed + 1))
    elif [ "$pkts" != "packets $want_pkts" ]; then
        echo "FAIL: $name: $pkts in the records, expected $want_pkts"
        failed=$((failed + 1))
    elif [ -n "$want_msg" ] && ! grep -qF -- "$want_msg" file.err; then
        echo "FAIL: $name: expected the message '$want_msg', got: $(cat file.err)"
        failed=$((failed + 1))
    else
        pass=$((pass + 1))
    fi
}

# Of the first n frames, those that are UDP (the rest are the large non-IP
# ones, at i % 400 == 199 and 399): the packets the records must hold.
udp_frames() { python3 -c "import sys; n=int(sys.argv[1]); print(sum(1 for i in range(n) if i % 400 not in (199, 399)))" "$1"; }

check blocks.pcap 0 "$(udp_frames 3000)" ""
check nano.pcap 0 "$(udp_frames 500)" ""
check swapped.pcap 0 "$(udp_frames 500)" ""
# Record 700 is counted malformed (bad-record-length), in no flow.
check lying.pcap 0 "$(($(udp_frames 1200) - 1))" ""
check over-snaplen.pcap 0 "$(udp_frames 1200)" ""
check truncated.pcap 3 "$(udp_frames 1500)" \
    "truncated dump file; tried to read 60 captured bytes, only got 40 (stopped after 1500 packets of this file)"

# Standard input opened part-way into a file (a capture with nanosecond
# stamps appended to one with microseconds) is read ahead from where it
# stands, judged by its own header: the same records as the second capture
# read on its own.
cat blocks.pcap nano.pcap >appended.pcap
python3 -c '
import os, sys
f = open("appended.pcap", "rb")
f.seek(os.path.getsize("blocks.pcap"))
os.dup2(f.fileno(), 0)
os.execv(sys.argv[1], ["portsniff", "-r", "-", "--flows=csv", "--report=none"])
' "$PORTSNIFF" >appended.csv 2>appended.err
rc=$?
"$PORTSNIFF" -r nano.pcap --flows=csv --report=none >nano-alone.csv 2>/dev/null
records appended.csv >appended.txt
records nano-alone.csv >nano-alone.txt
if [ "$rc" = 0 ] && cmp -s appended.txt nano-alone.txt && [ "$(tail -1 appended.txt)" = "packets $(udp_frames 500)" ]; then
    pass=$((pass + 1))
else
    echo "FAIL: standard input part-way into a file: exit status $rc, $(tail -1 appended.txt), $(cat appended.err)"
    failed=$((failed + 1))
fi

# Records keep their file's time stamps: the nanosecond file's first two
# flows began at 1000.000000000 s and 1001.000100001 s (read as microseconds,
# the second would be 1001.100001 s).
"$PORTSNIFF" -r nano.pcap --flows=csv --report=none >nano.csv 2>/dev/null
starts=$(python3 -c '
import csv, sys
print(" ".join(sorted({r["ts"] for r in csv.DictReader(open(sys.argv[1]))})[:2]))' nano.csv)
if [ "$starts" = "1000.000000 1001.000100" ]; then
    pass=$((pass + 1))
else
    echo "FAIL: nano.pcap: the first two flows began at $starts, expected 1000.000000 1001.000100"
    failed=$((failed + 1))
fi

# Frames decoded ahead: the read-ahead thread also dissects each chunk's
# frames and works out their flow hash (up to 2,048 frames a chunk; the
# rest, and every frame read from a pipe, the main thread decodes). Every
# encapsulation (tunnel chains, VNI address spaces, layers beyond the
# first), fragments, pcapng, a filter, and a capture of short frames
# (about 3,400 to a chunk) must give the same records and report from the
# file as from a pipe.
python3 - <<'EOF2' || { echo "FAIL: could not generate the short frames"; exit 1; }
import struct
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
for i in range(20000):
    udp = struct.pack('!HHHH', 30000 + i % 3000, 53 if i % 2 else 123, 8, 0)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, i & 0xffff, 0, 64, 17, 0,
                     bytes([10, 1, (i >> 8) & 0xff, i & 0xff]), bytes([10, 2, 0, i % 7]))
    frame = bytes.fromhex('00005e005301 00005e0053fe 0800') + ip + udp
    frame += bytes(60 - len(frame))
    out.append(struct.pack('<IIII', 2000 + i // 1000, (i % 1000) * 1000, 60, 60) + frame)
open('short.pcap', 'wb').write(b''.join(out))
EOF2
python3 "$PS_SOURCE_DIR/tests/encap/gen_encap.py" encap >/dev/null ||
    { echo "FAIL: could not generate the encapsulations"; exit 1; }

# One run's records and JSON report, the input's name left out; "-" reads
# the capture $cap through a pipe.
decoded_run() {   # output, input, extra options...
    local out=$1 in=$2
    shift 2
    if [ "$in" = - ]; then
        # shellcheck disable=SC2002
        cat "$cap" 2>/dev/null | "$PORTSNIFF" -r - --flows=json --report=json "$@" >"$out" 2>&1
        echo "exit ${PIPESTATUS[1]}" >>"$out"
    else
        "$PORTSNIFF" -r "$in" --flows=json --report=json "$@" >"$out" 2>&1
        echo "exit $?" >>"$out"
    fi
    sed -i -e 's/"inputs":\[[^]]*\]//' -e "s#$in: #(stdin): #" "$out"
}

same_decoded() {   # capture, expected flow records, extra options...
    local cap=$1 want=$2
    shift 2
    decoded_run dec-file.txt "$cap" "$@"
    decoded_run dec-pipe.txt - "$@"
    local got
    got=$(grep -c '"record":"flow"' dec-file.txt)
    if ! cmp -s dec-file.txt dec-pipe.txt; then
        echo "FAIL: $cap $*: the records or the report differ between the file and a pipe"
        diff dec-file.txt dec-pipe.txt | head -4
        failed=$((failed + 1))
    elif [ -n "$want" ] && [ "$got" != "$want" ]; then
        echo "FAIL: $cap $*: $got flow records, expected $want"
        failed=$((failed + 1))
    else
        pass=$((pass + 1))
    fi
}

same_decoded short.pcap 20000
same_decoded short.pcap "" --decap=none
same_decoded short.pcap "" -c 5000
same_decoded short.pcap 20000 "udp"
for f in encap/*.pcap "$PS_SOURCE_DIR"/captures/*.pcap "$PS_SOURCE_DIR"/captures/*.pcapng; do
    same_decoded "$f" ""
done
same_decoded encap/vxlan.pcap "" "udp or tcp"

# Deferred records: reading a file ahead, the records are formatted by the
# read-ahead thread while it waits and by a thread of their own at the end
# (flow_sink_defer). A capture of 12,000 TCP flows that end as it goes (FIN
# both ways) and 8,000 UDP ones open to its end, 14 MiB, so that the reader
# fills its chunks and waits, and more records than the ring holds at each
# stage: every format, with interval reports in between on the same
# standard output, must give the same bytes from the file as from a pipe.
python3 - <<'EOF3' || { echo "FAIL: could not generate the flows"; exit 1; }
import struct
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
def frame(i, src, dst, sport, dport, proto, l4):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, proto, 0,
                     bytes(src), bytes(dst))
    return bytes.fromhex('00005e005301 00005e0053fe 0800') + ip + l4
def tcp(sport, dport, seq, ack, flags, payload=b''):
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + payload
t = 0
def put(data):
    global t
    out.append(struct.pack('<IIII', 5000 + t // 1000000, t % 1000000, len(data), len(data)) + data)
    t += 350
for f in range(12000):
    c, s = [10, 3, f >> 8, f & 0xff], [10, 4, 0, f % 5]
    cp, sp = 20000 + f % 30000, (80, 443, 22, 5432)[f % 4]
    put(frame(f, c, s, cp, sp, 6, tcp(cp, sp, 100, 0, 0x02)))
    put(frame(f, s, c, sp, cp, 6, tcp(sp, cp, 900, 101, 0x12)))
    put(frame(f, c, s, cp, sp, 6, tcp(cp, sp, 101, 901, 0x18, bytes(900))))
    put(frame(f, s, c, sp, cp, 6, tcp(sp, cp, 901, 1001, 0x19, bytes(200))))
    put(frame(f, c, s, cp, sp, 6, tcp(cp, sp, 1001, 1102, 0x11)))
    if f % 3 < 2:
        u = 8000 * f // 12000
        put(frame(f, [10, 5, u >> 8, u & 0xff], [10, 6, 0, 1], 40000 + u % 20000, 53, 17,
                  struct.pack('!HHHH', 40000 + u % 20000, 53, 8 + 120, 0) + bytes(120)))
open('deferred.pcap', 'wb').write(b''.join(out))
EOF3
for fmt in json csv zeek text; do
    "$PORTSNIFF" -r deferred.pcap --flows=$fmt --interval 2 --report=text -v >def-file.txt 2>&1
    rc_file=$?
    # shellcheck disable=SC2002
    cat deferred.pcap | "$PORTSNIFF" -r - --flows=$fmt --interval 2 --report=text -v >def-pipe.txt 2>&1
    rc_pipe=$?
    for f in def-file.txt def-pipe.txt; do
        sed -i -e '/^#open\|^#close/d' -e 's#deferred.pcap#(stdin)#' -e 's#^inputs: .*#inputs: X#' "$f"
    done
    records=$(grep -c '10\.3\.' def-file.txt)
    if [ "$rc_file" != 0 ] || [ "$rc_pipe" != 0 ]; then
        echo "FAIL: deferred records, $fmt: exit status $rc_file from the file, $rc_pipe from a pipe"
        failed=$((failed + 1))
    elif ! cmp -s def-file.txt def-pipe.txt; then
        echo "FAIL: deferred records, $fmt: the file's output differs from the pipe's"
        diff def-file.txt def-pipe.txt | head -4
        failed=$((failed + 1))
    elif [ "$records" -lt 12000 ]; then
        echo "FAIL: deferred records, $fmt: $records lines of the 12,000 TCP flows"
        failed=$((failed + 1))
    else
        pass=$((pass + 1))
    fi
done

echo "readahead: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
