#!/usr/bin/env bash
# Output paths and write errors (portsniff(1), FILES and EXIT STATUS): what
# each kind of path becomes, the one line a failure prints, the exit status.
# Device nodes are made with mknod in a scratch directory (copies of the
# null and full devices, 1,3 and 1,7); the system's /dev is never written.
# Needs root: mknod, tmpfs mounts, and setpriv to act as nobody.
set -uo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

[ "$(id -u)" -eq 0 ] || { echo "FAIL: output_paths needs root (mknod, mount)"; exit 1; }
work=$(mktemp -d)
chmod 755 "$work"   # nobody works in it too
mounts=()
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
pass=0 failed=0
cap="$PS_SOURCE_DIR/captures/sample.pcapng"
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
ok() { pass=$((pass + 1)); }
check() {   # check WHAT COMMAND...: the command must succeed
    local what=$1; shift
    if "$@"; then ok; else fail "$what"; fi
}

# run ARGS...: portsniff with stdout to ./out (unless OUT names another
# place), stderr to ./err, status in $rc; killed after 60 s so a hang fails.
run() {
    rc=0
    timeout -s KILL 60 "$PORTSNIFF" "$@" >"${OUT:-out}" 2>err || rc=$?
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
    ok
}

# The last line of the text report: IANA's caveat box closes it.
box_end=$(printf '%072d' 0 | tr 0 '*')
report_complete() { [ "$(tail -n 1 "$1")" = "$box_end" ] && grep -q '^https  *tcp  *2  *26  *6657 ' "$1"; }
no_temporaries() { [ -z "$(find "$1" -name '.*.??????' -print -quit)" ]; }

# 5,000 one-packet UDP flows: about 2 MB of JSON records, far more than a
# pipe holds or the small file systems below take.
python3 - big.pcap <<'EOF' || { echo "FAIL: could not write the capture"; exit 1; }
import struct, sys
eth = bytes.fromhex('00005e005301 00005e0053fe 0800')
out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i in range(5000):
    udp = struct.pack('!HHHH', 40000, 53, 16, 0) + bytes(8)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     struct.pack('!I', (10 << 24) | i), bytes([192, 0, 2, 53])) + udp
    frame = eth + ip
    out += struct.pack('<IIII', 1700000000, i, len(frame), len(frame)) + frame
open(sys.argv[1], 'wb').write(out)
EOF

# ---- regular files and new paths: replaced atomically ------------------------
mkdir rep
echo "old report" >rep/r.txt
chmod 640 rep/r.txt
chown 65534:65534 rep/r.txt
old_inode=$(stat -c %i rep/r.txt)
expect 0 "" -- -r "$cap" -q --report-file rep/r.txt
check "regular file: replaced by a new inode, complete, same mode and owner, no temporary left" \
    eval '[ "$(stat -c "%i" rep/r.txt)" != "$old_inode" ] && report_complete rep/r.txt &&
          [ "$(stat -c "%a %u %g" rep/r.txt)" = "640 65534 65534" ] && [ "$(ls -A rep)" = r.txt ]'
# The replacement, seen in the system calls: a temporary beside the target,
# created exclusively, fsync'ed, then renamed over it.
if command -v strace >/dev/null; then
    strace -f -e trace=openat,fsync,rename -o trace.txt "$PORTSNIFF" -r "$cap" -q --report-file rep/r.txt \
        >/dev/null 2>&1
    check "regular file: O_CREAT|O_EXCL temporary in the same directory, fsync, rename" \
        python3 - trace.txt <<'EOF'
import re, sys
calls = open(sys.argv[1]).read()
m = re.search(r'openat\(AT_FDCWD, "(rep/\.r\.txt\.\w{6})", [^)]*O_CREAT\|O_EXCL[^)]*\) = (\d+)', calls)
assert m, calls
tmp, fd = m.groups()
assert re.search(r'fsync\(%s\)\s+= 0' % fd, calls), calls
assert re.search(r'rename\("%s", "rep/r\.txt"\)\s+= 0' % re.escape(tmp), calls), calls
EOF
else
    fail "strace is not installed"
fi
umask 027
expect 0 "" -- -r "$cap" -q --report-file rep/new.txt
umask 022
check "new path: created complete with mode 0666 less the umask" \
    eval 'report_complete rep/new.txt && [ "$(stat -c %a rep/new.txt)" = 640 ]'

# ---- symbolic links: followed to the file they name; the link stays ---------
echo "old" >target.txt
ln -s target.txt link.txt
expect 0 "" -- -r "$cap" -q --report-file link.txt
check "symlink to a file: the link is still a link, its target holds the report" \
    eval '[ -L link.txt ] && [ "$(readlink link.txt)" = target.txt ] && report_complete target.txt'
ln -s sub/created.txt dangling.txt
mkdir sub
expect 0 "" -- -r "$cap" -q --report-file dangling.txt
check "dangling symlink: its target is created, the link stays" \
    eval '[ -L dangling.txt ] && report_complete sub/created.txt && no_temporaries .'
# A link that someone else planted in a sticky world-writable directory (as
# in /tmp) is not followed, whatever fs.protected_symlinks says.
mkdir -m 1777 sticky
echo "precious" >sticky/passwd
"${nobody[@]}" ln -s passwd sticky/report.txt
expect 1 "portsniff: sticky/report.txt: cannot write: symbolic link in a sticky world-writable directory, owned by someone else; not followed" \
    -- -r "$cap" -q --report-file sticky/report.txt
check "protected link: its target is untouched" eval '[ "$(cat sticky/passwd)" = precious ]'
ln -s passwd sticky/mine.txt
expect 0 "" -- -r "$cap" -q --report-file sticky/mine.txt
check "own link in a sticky directory: followed" report_complete sticky/passwd

# ---- FIFOs, character devices, sockets: written in place ---------------------
mkfifo fifo
cat fifo >from-fifo &
reader=$!
expect 0 "" -- -r "$cap" -q --report-file fifo
wait "$reader"
check "FIFO: still a FIFO, the report came through it" eval '[ -p fifo ] && report_complete from-fifo'
ln -s fifo fifo-link
cat fifo >from-fifo-link &
reader=$!
expect 0 "" -- -r "$cap" --flows=csv --flows-file fifo-link --report=none
wait "$reader"
# The CSV header and sample.pcapng's 12 flow records.
check "symlink to a FIFO: written through, both stay" \
    eval '[ -L fifo-link ] && [ -p fifo ] && [ "$(wc -l <from-fifo-link)" -eq 13 ] &&
          [ "$(head -c 3 from-fifo-link)" = "ts," ]'
mknod null c 1 3
mknod full c 1 7
expect 0 "" -- -r "$cap" --flows-file null --report-file null
check "character device: still a device node" eval '[ -c null ] && [ "$(stat -c %t,%T null)" = 1,3 ]'
python3 - sock <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
data = b''
while True:
    b = c.recv(65536)
    if not b: break
    data += b
open('from-socket', 'wb').write(data)
EOF
server=$!
for _ in $(seq 100); do [ -S sock ] && break; sleep 0.05; done
expect 0 "" -- -r "$cap" -q --report=json --report-file sock
wait "$server"
check "Unix socket: connected to, the JSON report came through" \
    eval '[ -S sock ] && [ "$(jq -r .record from-socket)" = report ]'

# ---- refused before any input is read ----------------------------------------
# The input is a FIFO whose writer never writes: reading it would hang, so a
# prompt exit shows the output was checked first.
mkfifo stalled
exec 3<>stalled
mkdir adir
expect 1 "portsniff: adir: cannot write: Is a directory" -- -r stalled --report-file adir
expect 1 "portsniff: no/such/dir/r.txt: cannot write: No such file or directory" -- -r stalled -q --report-file no/such/dir/r.txt
expect 1 "portsniff: no/such/dir/f.csv: cannot write: No such file or directory" -- -r stalled --flows-file no/such/dir/f.csv
exec 3>&-
# An input that cannot be read replaces no output.
echo "old flows" >keep.csv
echo "old report" >keep.txt
expect 1 "portsniff: missing.pcap: No such file or directory" -- -r missing.pcap --flows=csv --flows-file keep.csv --report-file keep.txt
check "unreadable input: old flow and report files kept, no temporary left" \
    eval '[ "$(cat keep.csv)" = "old flows" ] && [ "$(cat keep.txt)" = "old report" ] && no_temporaries .'
# A block device node (a loop device's numbers; it is never opened).
mknod blk b 7 0
expect 1 "portsniff: blk: cannot write: is a block device (give a file, FIFO or character device)" \
    -- -r "$cap" -q --report-file blk
expect 2 "portsniff: ./same.txt: named for both the flow records and the report" \
    -- -r "$cap" --flows-file same.txt --report-file ./same.txt
# Read-only directory: as nobody (root ignores permissions), and a read-only
# file system (which stops root too).
mkdir -m 755 rodir
rc=0
"${nobody[@]}" "$PORTSNIFF" -r "$cap" -q --report-file rodir/r.txt >out 2>err || rc=$?
check "read-only directory as nobody: exit 1, one line" \
    eval '[ $rc -eq 1 ] && [ "$(cat err)" = "portsniff: rodir/r.txt: cannot write: Permission denied" ] &&
          [ -z "$(ls -A rodir)" ]'
mkdir romount && mount -t tmpfs -o ro,size=64k tmpfs romount && mounts+=("$work/romount")
expect 1 "portsniff: romount/r.txt: cannot write: Read-only file system" -- -r "$cap" -q --report-file romount/r.txt

# ---- write errors: one line, exit 1, the old file kept -----------------------
OUT=full expect 1 "portsniff: standard output: write error: No space left on device" -- -r big.pcap --flows=json --report=none
expect 1 "portsniff: full: write error: No space left on device" -- -r "$cap" -q --report-file full
expect 1 "portsniff: full: write error: No space left on device" -- -r big.pcap --flows=json --flows-file full --report=none
# What can still be written is: the report, to its own file.
expect 1 "portsniff: full: write error: No space left on device" -- -r "$cap" --flows-file full --report=json --report-file after.json
check "report written after the flow file failed" eval '[ "$(jq -r .totals.packets after.json)" = 86 ]'
mkdir small && mount -t tmpfs -o size=64k tmpfs small && mounts+=("$work/small")
echo "old flows" >small/flows.json
expect 1 "portsniff: small/flows.json: write error: No space left on device" \
    -- -r big.pcap --flows=json --flows-file small/flows.json --report=none
check "full file system: the old file is kept, the temporary removed" \
    eval '[ "$(cat small/flows.json)" = "old flows" ] && [ "$(ls -A small)" = flows.json ]'
# A FIFO whose reader goes away: EPIPE is a write error there.
mkfifo fifo2
head -c 100 fifo2 >/dev/null &
reader=$!
expect 1 "portsniff: fifo2: write error: Broken pipe" -- -r big.pcap --flows=json --flows-file fifo2 --report=none
wait "$reader"
# On standard output, EPIPE ends the run silently, as a filter killed by
# SIGPIPE (status 128 + 13 in the shell), like tcpdump.
rc=0
"$PORTSNIFF" -r big.pcap --flows=json 2>err | head -n 1 >first.json || rc=$?
check "EPIPE on standard output: killed by SIGPIPE, nothing on stderr, the record before intact" \
    eval '[ $rc -eq 141 ] && [ ! -s err ] && [ "$(jq -r .record first.json)" = flow ]'
rc=0
"$PORTSNIFF" -r big.pcap --flows=json --report=json --report-file head.json 2>err | head -n 1 >/dev/null || rc=$?
check "EPIPE on standard output: the report file is still written" \
    eval '[ $rc -eq 141 ] && [ ! -s err ] && [ "$(jq -r .totals.packets head.json)" -ge 1 ]'

# ---- live capture stops on an output error -----------------------------------
# Interval reports into a directory that then disappears: one line, the
# capture ends by itself with exit 1 (no signal), not an error per interval.
mkdir live
unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$PORTSNIFF" -i lo -q --report=json \
    --interval 0.2 --report-file live/r.json >out 2>err &
live=$!
pids+=("$live")
for _ in $(seq 300); do [ -s live/r.json ] && break; sleep 0.05; done
check "live: the first interval report was written" test -s live/r.json
# Renamed away first: a plain rm -rf races the next report's temporary file
# (created between rm's readdir and its rmdir, it leaves the directory in
# place, and the capture rightly goes on writing there).
mv live live.gone && rm -rf live.gone
rc=0
for _ in $(seq 300); do kill -0 "$live" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$live" 2>/dev/null; then
    fail "live: still capturing 15 s after its report directory went away"
else
    wait "$live" || rc=$?
    check "live: exit 1 and exactly one error line" \
        eval '[ $rc -eq 1 ] && [ "$(grep -c "write error" err)" -eq 1 ] &&
              grep -qx "portsniff: live/r.json: write error: No such file or directory" err'
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
