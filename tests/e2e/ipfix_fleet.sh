#!/usr/bin/env bash
# IPFIX from live capture, in network namespaces made here (needs root):
#  1. UDP templates are sent again every --ipfix-template-refresh seconds
#     (RFC 7011 section 8.4), each time with fresh exporter statistics;
#  2. a TCP collector that comes up late, then drops the connection: the
#     sensor connects, reconnects, starts each connection with the
#     templates, and every flow arrives;
#  3. a fleet: two portsniff processes capture on two veth pairs and export
#     to one nfcapd on 127.0.0.1, each with its own observation domain;
#     nfdump shows every flow of both sensors with the packets and bytes each
#     way that their JSON records give, and totals equal to the sum.
set -euo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

name=ipfix_fleet
here="$PS_SOURCE_DIR/tests/e2e"
collector="$here/ipfix_collector.py"
check="$here/ipfix_check.py"
traffic="$here/live_traffic.py"
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces"

tag="pf$$"
lon="${tag}l" srv="${tag}s" cli1="${tag}c1" cli2="${tag}c2"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for ns in "$lon" "$srv" "$cli1" "$cli2"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

wait_for() {
    local file="$1" re="$2" limit="${3:-30}"
    for _ in $(seq $((limit * 20))); do
        grep -Eq "$re" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "waited ${limit}s for '$re' in $file: $(tail -5 "$file" 2>/dev/null)"
}

count_lines() { grep -Ec "$2" "$1" 2>/dev/null || true; }

# wait_count FILE REGEX N [SECONDS]: until N lines of FILE match.
wait_count() {
    local file="$1" re="$2" n="$3" limit="${4:-30}"
    for _ in $(seq $((limit * 20))); do
        [ "$(count_lines "$file" "$re")" -ge "$n" ] && return 0
        sleep 0.05
    done
    fail "waited ${limit}s for $n lines '$re' in $file: $(tail -5 "$file")"
}

free_port() {
    ip netns exec "$1" python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="udp" else socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$2"
}

# start_sensor NS OUT ARGS...: portsniff in NS, JSON records to OUT.json.
start_sensor() {
    local ns="$1" out="$2"
    shift 2
    ip netns exec "$ns" "$PORTSNIFF" --flows=json --report=none "$@" >"$out.json" 2>"$out.err" &
    local pid=$!
    pids+=("$pid")
    echo "$pid" >"$out.pid"
    wait_for "$out.err" "listening on"
}

stop_sensor() {
    local out="$1" rc=0
    kill -INT "$(cat "$out.pid")"
    wait "$(cat "$out.pid")" || rc=$?
    [ "$rc" -eq 0 ] || fail "sensor $out exited $rc: $(cat "$out.err")"
}

# One UDP datagram to 127.0.0.1:9 in NS from source port SPORT.
udp_probe() {
    ip netns exec "$1" python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1]))); s.sendto(b"probe", ("127.0.0.1", 9))' "$2"
}

ip netns add "$lon"
ip -n "$lon" link set lo up

# --- 1. UDP: templates again every second ------------------------------------------
port=$(free_port "$lon" udp)
ip netns exec "$lon" python3 "$collector" udp "$work/refresh.ipfix" --port "$port" >"$work/refresh.log" 2>&1 &
pids+=($!)
wait_for "$work/refresh.log" "^listening"
start_sensor "$lon" "$work/refresh" -i lo -q --ipfix "udp://127.0.0.1:$port" --ipfix-template-refresh 1 \
    --ipfix-domain 11 "udp port 9"
# The first template message goes out at start; two more mean two refreshes.
wait_count "$work/refresh.log" "domain 11 sets 2,|domain 11 sets 3," 3 30
wait_count "$work/refresh.log" "sets .*258" 2 30
stop_sensor "$work/refresh"
echo "$name: UDP templates re-sent: $(count_lines "$work/refresh.log" "sets [23],") template messages, $(count_lines "$work/refresh.log" "258") statistics messages"

# --- 2. TCP: a collector that comes late, then goes away and comes back ------------------
port=$(free_port "$lon" tcp)
start_sensor "$lon" "$work/recon" -i lo --idle-timeout 0.2 --ipfix "tcp://127.0.0.1:$port" "udp port 9"
udp_probe "$lon" 40001
wait_for "$work/recon.json" '"id.orig_p":40001'
ip netns exec "$lon" python3 "$collector" tcp "$work/recon.ipfix" --port "$port" >"$work/recon.log" 2>&1 &
col=$!
pids+=("$col")
wait_for "$work/recon.log" "^connected 1"
wait_for "$work/recon.log" "sets .*256"
kill -USR1 "$col"
wait_for "$work/recon.log" "^closed 1"
wait_for "$work/recon.log" "^connected 2" 30
# Each connection begins with the templates.
first2=$(awk '/^connected 2/ {on=1; next} on && /^message/ {print; exit}' "$work/recon.log")
[[ "$first2" =~ sets\ [23](,[23])*$ ]] || fail "second connection began with: $first2"
udp_probe "$lon" 40002
wait_for "$work/recon.json" '"id.orig_p":40002'
wait_count "$work/recon.log" "sets .*256" 2
stop_sensor "$work/recon"
wait_for "$work/recon.log" "^closed 2"
python3 "$check" file "$work/recon.ipfix" "$work/recon.json" --complete >/dev/null ||
    fail "the two TCP connections did not carry the sensor's records"
echo "$name: TCP collector late, then restarted: 2 connections, both flows delivered, templates first each time"

# --- 3. the fleet ------------------------------------------------------------------------
ip netns add "$srv"
ip -n "$srv" link set lo up
for i in 1 2; do
    c="${tag}c$i"
    ip netns add "$c"
    ip link add "${tag}a$i" netns "$c" type veth peer name "${tag}b$i" netns "$srv"
    ip -n "$c" addr add "10.232.$i.1/30" dev "${tag}a$i"
    ip -n "$srv" addr add "10.232.$i.2/30" dev "${tag}b$i"
    ip -n "$c" link set lo up
    ip -n "$c" link set "${tag}a$i" up
    ip -n "$srv" link set "${tag}b$i" up
    ip netns exec "$c" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$srv" python3 "$traffic" server "10.232.$i.2" &
    pids+=($!)
done
ip netns exec "$srv" sysctl -qw net.ipv6.conf.all.disable_ipv6=1

nfport=$(free_port "$srv" udp)
mkdir "$work/nf"
ip netns exec "$srv" nfcapd -b 127.0.0.1 -p "$nfport" -w "$work/nf" -t 3600 >"$work/nf.log" 2>&1 &
nfpid=$!
pids+=("$nfpid")
wait_for "$work/nf.log" "Startup"
for _ in $(seq 200); do
    ip netns exec "$srv" ss -Hunl "sport = :$nfport" | grep -q . && break
    sleep 0.05
done
tcpport=$(free_port "$srv" tcp)
ip netns exec "$srv" python3 "$collector" tcp "$work/fleet2.ipfix" --port "$tcpport" >"$work/fleet2.log" 2>&1 &
pids+=($!)
wait_for "$work/fleet2.log" "^listening"

# Flows end by themselves (TCP by FIN, UDP after a second idle) before the sensors stop.
start_sensor "$srv" "$work/s1" -i "${tag}b1" --idle-timeout 1 --ipfix "udp://127.0.0.1:$nfport" --ipfix-domain 1 ip
start_sensor "$srv" "$work/s2" -i "${tag}b2" --idle-timeout 1 --ipfix "udp://127.0.0.1:$nfport" --ipfix-domain 2 \
    --ipfix "tcp://127.0.0.1:$tcpport" ip
ip netns exec "$cli1" python3 "$traffic" client 10.232.1.2 3 >/dev/null
ip netns exec "$cli2" python3 "$traffic" client 10.232.2.2 5 >/dev/null
wait_count "$work/s1.json" '"proto"' 6
wait_count "$work/s2.json" '"proto"' 10
stop_sensor "$work/s1"
stop_sensor "$work/s2"
for _ in $(seq 200); do
    [ "$(ip netns exec "$srv" ss -Hunl "sport = :$nfport" | awk '{print $2}')" = "0" ] && break
    sleep 0.05
done
kill -TERM "$nfpid"
wait "$nfpid" || true

n1=$(wc -l <"$work/s1.json")
n2=$(wc -l <"$work/s2.json")
[ "$n1" -eq 6 ] && [ "$n2" -eq 10 ] || fail "sensors saw $n1 and $n2 flows, expected 6 and 10"
grep -q "Observation domain 1 from: 127.0.0.1" "$work/nf.log" || fail "nfcapd never heard domain 1: $(cat "$work/nf.log")"
grep -q "Observation domain 2 from: 127.0.0.1" "$work/nf.log" || fail "nfcapd never heard domain 2: $(cat "$work/nf.log")"
python3 "$check" nfdump "$work/nf" "$work/s1.json" "$work/s2.json" || fail "the collector's flows are not both sensors' flows"
# The collector's own totals are the sum of both sensors'.
tot=$(nfdump -R "$work/nf" -o line | sed -n 's/^Summary: total flows: \([0-9]*\), total bytes: \([0-9]*\), total packets: \([0-9]*\),.*/\1 \3 \2/p')
want=$(cat "$work/s1.json" "$work/s2.json" | python3 -c 'import json,sys
fl=[json.loads(l) for l in sys.stdin]
print(len(fl), sum(f["orig_pkts"]+f["resp_pkts"] for f in fl), sum(f["orig_ip_bytes"]+f["resp_ip_bytes"] for f in fl))')
[ "$tot" = "$want" ] || fail "collector totals (flows packets bytes) $tot, sensors' sum $want"
python3 "$check" file "$work/fleet2.ipfix" "$work/s2.json" --complete --domain 2 >/dev/null ||
    fail "sensor 2's TCP stream"
echo "$name: fleet of 2 sensors -> nfcapd: flows packets bytes $tot, the sum of both sensors' JSON records"
