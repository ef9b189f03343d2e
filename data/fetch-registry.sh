#!/bin/sh
# Download the current IANA Service Name and Transport Protocol Port Number
# Registry (CSV, plus the XML for its date) into DIR.
#   usage: fetch-registry.sh DIR
set -eu

BASE=https://www.iana.org/assignments/service-names-port-numbers
NAME=service-names-port-numbers

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"

fetch() {
    # $1 URL, $2 destination. Into a temporary name first so an interrupted
    # download never replaces a good copy.
    tmp="$2.part"
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --output "$tmp" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget --quiet --output-document="$tmp" "$1"
    else
        echo "$0: neither curl nor wget is installed" >&2
        exit 1
    fi
    mv "$tmp" "$2"
}

fetch "$BASE/$NAME.csv" "$dir/$NAME.csv"
fetch "$BASE/$NAME.xml" "$dir/$NAME.xml"

# The CSV must start with IANA's header, or the build will refuse it anyway.
if ! head -n 1 "$dir/$NAME.csv" | grep -q '^Service Name,Port Number,Transport Protocol,'; then
    echo "$0: $dir/$NAME.csv does not look like the IANA registry CSV" >&2
    exit 1
fi
updated=$(sed -n 's|.*<updated>\([0-9-]*\)</updated>.*|\1|p' "$dir/$NAME.xml" | head -n 1)
echo "$dir/$NAME.csv (registry updated ${updated:-on an unknown date})"
