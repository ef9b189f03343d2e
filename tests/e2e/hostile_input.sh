#!/usr/bin/env bash
# Hostile and damaged input: files that are not captures, captures cut short,
# records of impossible sizes, unknown pcapng blocks, an unknown link type,
# timestamps out of range, and registry files with bad rows. Each gets the
# exact message and exit status of portsniff(1) EXIT STATUS (0 ok, 1 input
# unreadable, 2 usage, 3 capture ended early), never a crash, a hang or a
# silently wrong count.
set -uo pipefail
: "${PORTSNIFF:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/hostile_input.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
pass=0 failed=0

# ---- inputs -----------------------------------------------------------------
python3 - <<'EOF' || { echo "FAIL: could not generate the inputs"; exit 1; }
import struct

def rec(ts, data, caplen=None, wire=None):
    caplen = len(data) if caplen is None else caplen
    wire = len(data) if wire is None else wire
    return struct.pack('<IIII', ts, 0, caplen, wire) + data

def pcap(linktype=1, snaplen=65535):
    return struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)

def eth_udp(src, dst, sport, dport, payload=b''):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    return bytes.fromhex('00005e005301 00005e0053fe 0800') + ip + udp

A, B = [192, 0, 2, 10], [198, 51, 100, 53]
query, reply = eth_udp(A, B, 50000, 53), eth_udp(B, A, 53, 50000)   # 42 bytes each
ntp = eth_udp(A, [203, 0, 113, 123], 50001, 123)

def write(name, data):
    with open(name, 'wb') as f:
        f.write(data)

write('notcap.bin', b'\x7fELF\x02\x01\x01' + bytes(range(256)))
write('empty.pcap', b'')
write('short-header.pcap', pcap()[:10])
# Two whole packets, then half of the third record.
write('truncated.pcap', pcap() + rec(1000, query) + rec(1001, reply) + rec(1002, query)[:30])
write('truncated-header.pcap', pcap() + rec(1000, query) + rec(1001, reply) + rec(1002, query)[:8])
write('header-only.pcap', pcap())
# A record of zero captured bytes between two good ones.
write('zero-length.pcap', pcap() + rec(1000, query) + rec(1001, b'', wire=60) + rec(1002, reply))
# caplen above the file's snaplen (within what libpcap accepts: it keeps
# snaplen bytes), and caplen above libpcap's 262144 limit.
write('over-snaplen.pcap', pcap(snaplen=64) + rec(1000, query) +
      rec(1001, ntp + bytes(958), caplen=1000, wire=1000))
write('over-max.pcap', pcap() + rec(1000, query) + struct.pack('<IIII', 1001, 0, 300000, 300000) + bytes(64))
write('over-max-snaplen.pcap', pcap(snaplen=400000) + rec(1000, query) +
      struct.pack('<IIII', 1001, 0, 300000, 300000) + bytes(64))
# Records that lie about their length: an original length below the captured
# one, and one of 3 GB (a damaged record); both counted, neither in bytes.
write('lying-lengths.pcap', pcap() + rec(1000, query) + rec(1001, ntp, wire=20) +
      rec(1002, ntp, wire=3000000000) + rec(1003, reply))
write('user0.pcap', pcap(linktype=147) + rec(1000, query) + rec(1001, reply) + rec(1002, ntp))
# The file's clock jumps 68 years between two packets.
write('clock-jump.pcap', pcap() + rec(1, query) + rec(0x7fffffff, reply))

def block(btype, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack('<II', btype, n) + body + struct.pack('<I', n)

SHB = block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))

def idb(tsresol=None):
    opts = b''
    if tsresol is not None:   # if_tsresol: 10^-tsresol seconds
        opts = struct.pack('<HHB3x', 9, 1, tsresol) + struct.pack('<HH', 0, 0)
    return block(1, struct.pack('<HHI', 1, 0, 0) + opts)

def epb(ts, data, iface=0):
    return block(6, struct.pack('<IIIII', iface, ts >> 32, ts & 0xffffffff, len(data), len(data)) + data)

us = 1000 * 1000000   # 1000 s in microseconds, the default resolution
write('unknown-blocks.pcapng', SHB + block(0x0BAD0001, b'before the interface') + idb() +
      epb(us, query) + block(0x7FFF0001, b'\x01\x02\x03') + epb(us + 1, reply) +
      block(0x00000BAD, struct.pack('<I', 32473) + b'custom block') + epb(us + 2, ntp))
write('bad-block-length.pcapng', SHB + idb() + epb(us, query) +
      struct.pack('<II', 0x0BAD0002, 15) + b'abc' + struct.pack('<I', 15) + epb(us + 1, reply))
write('no-such-interface.pcapng', SHB + idb() + epb(us, query) + epb(us + 1, reply, iface=3))
# Whole seconds (if_tsresol 0): 1e11 s is past what int64 nanoseconds hold
# (2262-04-11), 2^64 - 16 s wraps libpcap's seconds below zero.
write('far-timestamps.pcapng', SHB + idb(tsresol=0) + epb(1786960800, query) +
      epb(100000000000, reply) + epb(0xFFFFFFFFFFFFFFF0, ntp))

H = ('Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,'
     'Registration Date,Modification Date,Reference,Service Code,'
     'Unauthorized Use Reported,Assignment Notes\n')
GOOD = 'domain,53,udp,Domain Name Server,,,,,[RFC1034],,,\n'
registries = {
    'port-range.csv': H + GOOD + 'bad,99999,tcp,x,,,,,,,,\n',
    'port-text.csv': H + GOOD + 'bad,8x,tcp,x,,,,,,,,\n',
    'backwards.csv': H + GOOD + 'bad,90-80,tcp,x,,,,,,,,\n',
    'transport.csv': H + GOOD + GOOD + 'bad,80,tcpx,x,,,,,,,,\n',
    'short-row.csv': H + 'bad,80,tcp,x,,,\n',
    'unterminated.csv': H + GOOD + 'bad,80,tcp,"never closed,,,,,,,,\n' + GOOD,
    'no-name-no-port.csv': H + ',,tcp,nothing,,,,,,,,\n',
    'service-code.csv': H + 'bad,80,dccp,x,,,,,,12x,,\n',
    'stray-quote.csv': H + 'bad,80,tcp,a"b,,,,,,,,\n',
    'after-quote.csv': H + 'bad,80,tcp,"ab"c,,,,,,,,\n',
    'newline-in-field.csv': H + 'bad,80,"tc\np",x,,,,,,,,\n',
    'bad-header.csv': 'Service Name,Port Number\nhttp,80\n',
    'header-only.csv': H,
    'empty.services': '',
    'comments.services': '# nothing but comments\n\n   # and blanks\n',
    'bad-line.services': '# services(5)\nssh\t\t22/tcp\nbroken\n',
    'bad-port.services': 'ssh 22/tcp\nhttp eighty/tcp\n',
    'no-proto.services': 'ssh 22/tcp\nhttp 80\n',
    'big-port.services': 'ssh 22/tcp\nhttp 70000/tcp\n',
    'odd-but-fine.services': 'domain 53/udp dns # ok\nrtmp 1/ddp # AppleTalk: skipped\n',
}
for name, text in registries.items():
    write(name, text.encode())
EOF

# ---- checks -----------------------------------------------------------------
fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

# stale_notice SECONDS ISO: the notice for a capture whose latest packet is at
# SECONDS (ISO as printed), against the built-in registry's date.
reg_date=$("$PORTSNIFF" --registry-info | sed -n 's/^date: *//p')
stale_notice() {
    local days=$((($1 - $(date -u -d "$reg_date" +%s)) / 86400))
    echo "portsniff: notice: the built-in registry ($reg_date) is $days days older than the capture" \
        "(latest packet $2): ports assigned since are unknown to it; --registry FILE reads a newer copy"
}

# run ARGS...: portsniff's stdout, stderr and status into out, err, $rc.
run() {
    rc=0
    timeout -s KILL 30 "$PORTSNIFF" "$@" >out 2>err || rc=$?
}

# expect STATUS 'STDERR' -- ARGS...: exact status and whole stderr.
expect() {
    local want_rc=$1 want_err=$2
    shift 3
    run "$@"
    if [ "$rc" -ne "$want_rc" ] || [ "$(cat err)" != "$want_err" ]; then
        fail "portsniff $*"
        echo "  exit $rc (want $want_rc)"
        echo "  stderr: $(cat err)"
        echo "  want:   $want_err"
        return 1
    fi
    pass=$((pass + 1))
}

# report KEY=VALUE...: fields of the last JSON report in out (dotted paths,
# values as JSON; numbers compare by value, exactly as printed).
report() {
    local got
    got=$(python3 - "$@" <<'EOF'
import json, sys
from decimal import Decimal
# Standard output is NDJSON: flow records and reports told apart by "record".
recs = [json.loads(l, parse_float=Decimal) for l in open('out')]
reps = [r for r in recs if r['record'] == 'report']
if not reps:
    print('no JSON report on stdout')
    sys.exit()
rep = reps[-1]
for arg in sys.argv[1:]:
    path, want = arg.split('=', 1)
    v = rep
    for k in path.split('.'):
        v = v.get(k) if isinstance(v, dict) else None
    if v != json.loads(want, parse_float=Decimal):
        print('%s is %s, want %s' % (path, v, want))
EOF
)
    if [ -n "$got" ]; then
        fail "report of the last run: $got"
        return 1
    fi
    pass=$((pass + 1))
}

# flows FIELD...: one line per JSON flow record in out, the fields as printed
# joined by spaces.
flows() {
    python3 - "$@" <<'EOF'
import json, sys
for l in open('out'):
    r = json.loads(l, parse_float=str)
    if r['record'] == 'flow':
        print(' '.join(str(r[k]) for k in sys.argv[1:]))
EOF
}

same() {   # same WHAT GOT WANT
    if [ "$2" != "$3" ]; then
        fail "$1"
        echo "  got:  $2"
        echo "  want: $3"
    else
        pass=$((pass + 1))
    fi
}

w=$work

# Not a capture at all: nothing is reported.
expect 1 "portsniff: $w/notcap.bin: unknown file format" -- -r "$w/notcap.bin" --report=json
same "no report for a file that is not a capture" "$(cat out)" ""
expect 1 "portsniff: $w/empty.pcap: truncated dump file; tried to read 4 file header bytes, only got 0" -- -r "$w/empty.pcap"
expect 1 "portsniff: $w/short-header.pcap: truncated dump file; tried to read 24 file header bytes, only got 6" -- -r "$w/short-header.pcap"
# A file that is not a capture stops the run before later files are read.
expect 1 "portsniff: $w/notcap.bin: unknown file format" -- -r "$w/notcap.bin" -r "$w/truncated.pcap" -q

# Cut short: the report covers the packets read, the last stderr line says
# where reading stopped, exit 3.
expect 3 "portsniff: $w/truncated.pcap: truncated dump file; tried to read 42 captured bytes, only got 14 (stopped after 2 packets of this file)" \
    -- -r "$w/truncated.pcap" -q --report=json
report totals.packets=2 totals.bytes=84 totals.flows_ended=1 totals.malformed=0 \
    'services=[{"service": "domain", "label": "domain", "status": "registered", "transport": "udp", "flows": 1, "packets": 2, "bytes": 84, "ip_bytes": 56, "share": 1.0}]'
expect 3 "portsniff: $w/truncated-header.pcap: truncated dump file; tried to read 16 header bytes, only got 8 (stopped after 2 packets of this file)" \
    -- -r "$w/truncated-header.pcap" -q --report=json
report totals.packets=2 totals.flows_ended=1
# Flow records come before the message too; a second file is not read after
# a damaged one.
expect 3 "portsniff: $w/truncated.pcap: truncated dump file; tried to read 42 captured bytes, only got 14 (stopped after 2 packets of this file)" \
    -- -r "$w/truncated.pcap" -r "$w/header-only.pcap" --flows=json --report=json
same "flow of the truncated file" "$(flows proto id.orig_p id.resp_p orig_pkts resp_pkts end_reason)" "udp 50000 53 1 1 eof"
report totals.packets=2 'inputs=["'"$w"'/truncated.pcap", "'"$w"'/header-only.pcap"]'
# The text report is on stdout in full before the message.
expect 3 "portsniff: $w/truncated.pcap: truncated dump file; tried to read 42 captured bytes, only got 14 (stopped after 2 packets of this file)" \
    -- -r "$w/truncated.pcap" -q
same "text report ends with the caveat" "$(tail -n 1 out)" "************************************************************************"
expect 0 "" -- -r "$w/header-only.pcap" -q --report=json
report totals.packets=0 first_ts=null

# Zero-length and oversize records.
expect 0 "" -- -r "$w/zero-length.pcap" -q --report=json
report totals.packets=3 totals.bytes=144 totals.malformed=1 'malformed={"short-link-header": 1}' \
    totals.flows_ended=1
# libpcap keeps the file's snaplen bytes of a longer record; the frame counts
# at its wire length.
expect 0 "" -- -r "$w/over-snaplen.pcap" --flows=json --report=json
same "flows of over-snaplen.pcap" "$(flows id.resp_p orig_pkts orig_frame_bytes orig_ip_bytes)" \
"53 1 42 28
123 1 1000 28"
expect 3 "portsniff: $w/over-max.pcap: invalid packet capture length 300000, bigger than snaplen of 65535 (stopped after 1 packet of this file)" \
    -- -r "$w/over-max.pcap" -q --report=json
report totals.packets=1 totals.flows_ended=1
expect 3 "portsniff: $w/over-max-snaplen.pcap: invalid packet capture length 300000, bigger than maximum of 262144 (stopped after 1 packet of this file)" \
    -- -r "$w/over-max-snaplen.pcap" -q --report=json
report totals.packets=1

# A record's original length below its captured length, or beyond any frame
# (1 MiB): malformed, kept out of the byte totals and of every flow.
expect 0 "" -- -r "$w/lying-lengths.pcap" --flows=json --report=json
report totals.packets=4 totals.bytes=84 totals.malformed=2 'malformed={"bad-record-length": 2}' \
    totals.flows_ended=1
same "flows of lying-lengths.pcap" "$(flows id.resp_p orig_pkts resp_pkts orig_frame_bytes resp_frame_bytes)" "53 1 1 42 42"

# pcapng: blocks of unknown types are skipped; broken blocks end the file.
expect 0 "" -- -r "$w/unknown-blocks.pcapng" -q --report=json
report totals.packets=3 totals.bytes=126 totals.flows_ended=2 totals.malformed=0
expect 3 "portsniff: $w/bad-block-length.pcapng: block in pcapng dump file has a length of 15 that is not a multiple of 4 (stopped after 1 packet of this file)" \
    -- -r "$w/bad-block-length.pcapng" -q --report=json
report totals.packets=1
expect 3 "portsniff: $w/no-such-interface.pcapng: a packet arrived on interface 3, but there's no Interface Description Block for that interface (stopped after 1 packet of this file)" \
    -- -r "$w/no-such-interface.pcapng" -q --report=json
report totals.packets=1

# A link type that is not decoded: named once, its packets counted.
expect 0 "portsniff: $w/user0.pcap: link type 147 is not decoded; its packets are counted as unsupported" \
    -- -r "$w/user0.pcap" -q --report=json
report totals.packets=3 totals.flows_ended=0 'unsupported_link={"packets": 3, "dlt": 147}' services=[]
expect 0 "portsniff: $w/user0.pcap: link type 147 is not decoded; its packets are counted as unsupported" \
    -- -r "$w/user0.pcap" -q --report=text
same "text report line" "$(grep '^unsupported' out)" "unsupported link type: 3 packets (DLT 147)"

# Times int64 nanoseconds cannot hold are clamped to 1970-01-01 and
# 2262-04-11T23:47:16.854775807Z instead of wrapping.
# The built-in registry is far older than the latest of them: one notice.
expect 0 "$(stale_notice 9223372036 2262-04-11T23:47:16.854775Z)" \
    -- -r "$w/far-timestamps.pcapng" --flows=json --report=json
same "clamped flow times" "$(flows ts id.resp_p)" \
"1786960800.000000 53
9223372036.854775 50000
0.000000 123"
report first_ts=0.0 last_ts=9223372036.854775 totals.packets=3
# A clock jump with a short --interval: one interval report, then the final
# one, at once (the intervals skipped are computed, not stepped through).
expect 0 "$(stale_notice 2147483647 2038-01-19T03:14:07.000000Z)" \
    -- -r "$w/clock-jump.pcap" -q --interval 0.001 --report=json
same "reports across a 68-year clock jump" "$(grep -o '"report":"[a-z]*"' out | tr '\n' ' ')" \
    '"report":"interval" "report":"final" '

# Registry files: "portsniff: FILE:LINE: reason", exit 1, nothing else read.
expect_registry() {   # FILE 'REASON'
    expect 1 "portsniff: $w/$1$2" -- --registry "$w/$1" -r "$w/truncated.pcap" --report=json
    same "no output after a bad registry ($1)" "$(cat out)" ""
}
expect_registry port-range.csv ":3: port number 99999 is out of range (0-65535)"
expect_registry port-text.csv ":3: port number '8x' is not a number"
expect_registry backwards.csv ":3: port range 90-80 runs backwards"
expect_registry transport.csv ":4: unknown transport protocol 'tcpx'"
expect_registry short-row.csv ":2: row has 7 fields, expected 12"
expect_registry unterminated.csv ":3: unterminated quoted field"
expect_registry no-name-no-port.csv ":2: row has neither a service name nor a port number"
expect_registry service-code.csv ":2: service code '12x' is not a 32-bit number"
expect_registry stray-quote.csv ":2: quote inside an unquoted field"
expect_registry after-quote.csv ":2: unexpected character after a closing quote"
# A line break inside the quoted field stays on the message's one line.
expect_registry newline-in-field.csv ":2: unknown transport protocol 'tc\\np'"
expect_registry bad-header.csv ":1: header has 2 columns, expected 12"
expect_registry header-only.csv ": no service entries (expected IANA CSV rows or services(5) lines)"
expect_registry empty.services ": no service entries (expected IANA CSV rows or services(5) lines)"
expect_registry comments.services ": no service entries (expected IANA CSV rows or services(5) lines)"
expect_registry bad-line.services ":3: missing PORT/PROTOCOL after 'broken'"
expect_registry bad-port.services ":2: port number 'eighty' is not a number"
expect_registry no-proto.services ":2: expected PORT/PROTOCOL, found '80'"
expect_registry big-port.services ":2: port number 70000 is out of range (0-65535)"
expect 1 "portsniff: $w/missing.services: No such file or directory" -- --registry "$w/missing.services" --lookup 53
expect 1 "portsniff: $w: Is a directory" -- --registry "$w" --lookup 53
# Lines for protocols without registry ports are skipped, comments kept.
expect 0 "" -- --registry "$w/odd-but-fine.services" --lookup dns
same "lookup in a services file" "$(cat out)" \
'53/udp           alias         dns               "ok"  alias-of=domain'

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
