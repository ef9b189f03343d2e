#!/bin/sh
# Install what building portsniff needs on Debian 12 (run as root).
#   tools/install-deps.sh          build dependencies
#   tools/install-deps.sh --test   build and test dependencies (cmocka, tshark, clang for the
#                                  fuzzers and sanitizers, valgrind, ndpiReader for the benchmark,
#                                  jq, sqlite3, bro-cut (bro-aux) and strace that read and watch
#                                  the outputs in tests; chromium and tidy for the HTML report;
#                                  tcpreplay to replay traffic into the live tests' veth pair;
#                                  python3-scapy to write the small TCP captures e2e_zeek_history checks)
set -eu

pkgs="gcc libc6-dev make cmake pkg-config libpcap-dev uthash-dev nettle-dev libfixbuf-dev"
if [ "${1:-}" = "--test" ]; then
    pkgs="$pkgs libcmocka-dev tshark tcpdump iproute2 python3 procps clang libclang-rt-14-dev valgrind time libndpi-bin jq gzip nfdump libfixbuf-tools sqlite3 strace util-linux git curl bro-aux chromium tidy tcpreplay python3-scapy"
fi

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run as root, or install them with apt-get)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
