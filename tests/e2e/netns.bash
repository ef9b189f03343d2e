# Two network namespaces joined by a veth pair, for the live-capture tests.
# Source it, then call netns_up TESTNAME; it sets:
#   cli, srv          the namespaces (client 10.231.0.1, server 10.231.0.2)
#   cli_if, srv_if    their veth ends
#   work              a scratch directory (mode 1777, so a -Z user can write)
#   traffic           tests/e2e/live_traffic.py
# and starts the TCP/UDP server in $srv. Everything is removed on exit.
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}"

fail() { echo "$test_name: FAIL: $*" >&2; exit 1; }

netns_cleanup() {
    if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; fi
    ip netns del "$cli" 2>/dev/null || true
    ip netns del "$srv" 2>/dev/null || true
    rm -rf "$work"
}

netns_up() {
    test_name="$1"
    [ "$(id -u)" -eq 0 ] || fail "needs root for network namespaces"
    local tag="ps$$"
    cli="${tag}c" srv="${tag}s" cli_if="${tag}a" srv_if="${tag}b"
    work=$(mktemp -d)
    chmod 1777 "$work"
    traffic="$PS_SOURCE_DIR/tests/e2e/live_traffic.py"
    server_pid=""
    trap netns_cleanup EXIT
    ip netns add "$cli"
    ip netns add "$srv"
    ip link add "$cli_if" netns "$cli" type veth peer name "$srv_if" netns "$srv"
    ip -n "$cli" addr add 10.231.0.1/30 dev "$cli_if"
    ip -n "$srv" addr add 10.231.0.2/30 dev "$srv_if"
    for ns in "$cli" "$srv"; do
        ip -n "$ns" link set lo up
        # Keep the capture to the traffic under test: no IPv6 neighbour discovery.
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    done
    ip -n "$cli" link set "$cli_if" up
    ip -n "$srv" link set "$srv_if" up
    ip netns exec "$srv" python3 "$traffic" server 10.231.0.2 &
    server_pid=$!
    # Until the server listens on both ports (a loaded machine may take a while).
    for _ in $(seq 600); do
        [ -n "$(ip netns exec "$srv" ss -Hltn 'sport = :80')" ] &&
            [ -n "$(ip netns exec "$srv" ss -Hlun 'sport = :53')" ] && return 0
        sleep 0.05
    done
    fail "the traffic server did not start"
}

# wait_listening ERRFILE: until portsniff says it is capturing (60 s at most:
# a sanitizer build on a loaded machine starts slowly).
wait_listening() {
    for _ in $(seq 600); do
        grep -q "listening on" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "capture did not start: $(cat "$1")"
}
