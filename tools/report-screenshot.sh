#!/bin/sh
# Regenerate docs/report.png, the screenshot in the README: the HTML report of
# every capture in captures/ as headless Chromium shows it.
#   sh tools/report-screenshot.sh [PORTSNIFF]      (default: build-run/portsniff)
set -eu
cd "$(dirname "$0")/.."
ps=${1:-build-run/portsniff}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
set --
for cap in captures/*.pcap captures/*.pcapng; do
    set -- "$@" -r "$cap"
done
"$ps" "$@" -q --top 3 --report-file "$work/report.html" 2>/dev/null
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=1000,1500 \
    --force-device-scale-factor=0.75 --screenshot="$work/report.png" \
    "file://$work/report.html" >/dev/null 2>&1
mkdir -p docs
cp "$work/report.png" docs/report.png
echo "docs/report.png: $(wc -c <docs/report.png) bytes"
