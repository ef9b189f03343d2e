#!/bin/sh
# Refresh the registry in data/ from IANA's published files, check the new
# edition with portsniff's own parser before anything is replaced, and say
# what changed.
#
#   data/update-registry.sh [--data DIR] [--force] [FILE.xml | FILE.csv | URL]
#
# Source (default: IANA's XML and CSV at https://www.iana.org/assignments/
# service-names-port-numbers/):
#   FILE.xml  a local copy of IANA's XML; the CSV is FILE.csv beside it
#   FILE.csv  a local copy of IANA's CSV; FILE.xml beside it is used when present
#   URL       .../service-names-port-numbers.xml or .csv (the other file is
#             fetched beside it; the XML is optional for a .csv URL), or the
#             directory .../service-names-port-numbers/ (both); with curl, or
#             wget when curl is missing
# The registry's date is the XML's <updated>; without an XML, the newest
# Registration or Modification Date among the CSV's rows (IANA's <updated> is
# the date of its latest change, so the two agree on IANA's own files).
#
# Options:
#   --data DIR  the directory to refresh (default: the one this script is in)
#   --force     accept an edition with fewer than 90% of the current rows, or
#               dated before the current one
# Environment:
#   PS_REGCOMPILE  the ps-regcompile to check with (default: build/ps-regcompile
#                  or build-run/ps-regcompile in the source tree)
#
# Refused, with one line on stderr, exit 1, and DIR untouched: a download
# that fails, a CSV that does not end with a line break (cut short), a file
# portsniff's parser refuses (FILE:LINE: reason), a file that is not IANA's
# CSV, an XML without its <updated> date or whose record count differs from
# the CSV's rows, and (without --force) an edition that lost more than 10% of
# the rows or is dated before the current one. Usage errors exit 2.
#
# The summary compares the rows that carry a service name, as NAME PORT/TRANSPORT:
#   added    a (name, port, transport) the old edition did not have
#   removed  one the new edition does not have
#   renamed  the same transport and port (a row with a port) under another
#            service name: a removed and an added entry on the same
#            PORT/TRANSPORT are paired in file order and listed as old -> new
# Rows without a name (Reserved, Unassigned) count in "rows" only; `git diff
# data/` shows every changed byte.
set -eu

NAME=service-names-port-numbers
IANA=https://www.iana.org/assignments/service-names-port-numbers/
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")

die() { echo "update-registry: $*" >&2; exit 1; }
usage() {
    echo "usage: update-registry.sh [--data DIR] [--force] [FILE.xml|FILE.csv|URL]" >&2
    exit 2
}

data=$here
force=0
source=
while [ $# -gt 0 ]; do
    case $1 in
    --data) [ $# -ge 2 ] || usage; data=$2; shift 2 ;;
    --data=*) data=${1#--data=}; shift ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    -*) echo "update-registry: unknown option $1" >&2; usage ;;
    *) [ -z "$source" ] || usage; source=$1; shift ;;
    esac
done
[ -n "$source" ] || source=$IANA
[ -d "$data" ] || die "$data: no such directory"

tool=${PS_REGCOMPILE:-}
if [ -z "$tool" ]; then
    for t in "$src/build/ps-regcompile" "$src/build-run/ps-regcompile"; do
        if [ -x "$t" ]; then tool=$t; break; fi
    done
fi
if [ -z "$tool" ] || [ ! -x "$tool" ]; then
    die "no ps-regcompile to check the registry with: build portsniff first (README.md), or set PS_REGCOMPILE"
fi

stage=$(mktemp -d "$data/.update.XXXXXX") || die "$data: cannot make a staging directory"
trap 'rm -rf "$stage"' EXIT INT TERM
csv=$stage/$NAME.csv
xml=$stage/$NAME.xml

fetch() {   # URL DEST
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --output "$2" "$1" 2>"$stage/fetch.err"
    elif command -v wget >/dev/null 2>&1; then
        wget --quiet --output-document="$2" "$1" 2>"$stage/fetch.err"
    else
        echo "neither curl nor wget is installed" >"$stage/fetch.err"
        return 1
    fi
}
fetch_or_die() {   # URL DEST
    fetch "$1" "$2" || die "$1: download failed: $(head -n 1 "$stage/fetch.err")"
}

case $source in
*://*)
    case $source in
    */) csv_from=$source$NAME.csv; xml_from=$source$NAME.xml ;;
    *.xml) csv_from=${source%.xml}.csv; xml_from=$source ;;
    *.csv) csv_from=$source; xml_from=${source%.csv}.xml ;;
    *) die "$source: give the URL of IANA's .xml or .csv, or of its directory (ending in /)" ;;
    esac
    fetch_or_die "$csv_from" "$csv"
    case $source in
    *.csv) fetch "$xml_from" "$xml" || { rm -f "$xml"; xml_from=; } ;;
    *) fetch_or_die "$xml_from" "$xml" ;;
    esac
    ;;
*.xml|*.XML)
    xml_from=$source
    csv_from=${source%.???}.csv
    [ -f "$xml_from" ] || die "$xml_from: no such file"
    [ -f "$csv_from" ] || die "$csv_from: no such file (the CSV beside $xml_from)"
    cp "$xml_from" "$xml" || die "cannot copy $xml_from into $data"
    cp "$csv_from" "$csv" || die "cannot copy $csv_from into $data"
    ;;
*.csv|*.CSV)
    csv_from=$source
    xml_from=${source%.???}.xml
    [ -f "$csv_from" ] || die "$csv_from: no such file"
    [ -f "$xml_from" ] || xml_from=
    cp "$csv_from" "$csv" || die "cannot copy $csv_from into $data"
    if [ -n "$xml_from" ]; then cp "$xml_from" "$xml" || die "cannot copy $xml_from into $data"; fi
    ;;
*) usage ;;
esac

# ---- checks: nothing in $data changes until all of them pass ----
[ -s "$csv" ] || die "$csv_from: empty"
[ "$(tail -c 1 "$csv" | od -An -c | tr -d ' ')" = '\n' ] ||
    die "$csv_from: cut short (the last row does not end with a line break)"
if ! "$tool" --list "$csv" >"$stage/new.list" 2>"$stage/list.err"; then
    # The parser names the staged copy: say which file it was.
    msg=$(head -n 1 "$stage/list.err" | sed "s|^ps-regcompile: ||; s|$csv|$csv_from|")
    die "$msg"
fi
meta() {   # LIST KEY: a field of the list's first line
    sed -n "1s/.* $2=\\([^ ]*\\).*/\\1/p" "$1"
}
[ "$(meta "$stage/new.list" format)" = iana-csv ] ||
    die "$csv_from: not IANA's CSV (its header row is not Service Name,Port Number,...)"
rows=$(meta "$stage/new.list" rows)
if [ -n "$xml_from" ]; then
    date=$(meta "$stage/new.list" date)
    [ "$date" != unknown ] || die "$xml_from: no <updated> date (is it IANA's XML?)"
    date_rule="the XML's <updated>"
    records=$(grep -c '<record[ >]' "$xml" || true)
    [ "$records" -eq "$rows" ] ||
        die "$xml_from has $records records, $csv_from $rows rows: one is cut short or they are not the same edition"
else
    date=$(meta "$stage/new.list" newest-row)
    [ "$date" != unknown ] || die "$csv_from: no row is dated and there is no XML to date it: give the XML"
    date_rule="no XML: the newest Registration or Modification Date among the rows"
fi

if [ -f "$data/$NAME.csv" ]; then
    "$tool" --list "$data/$NAME.csv" >"$stage/old.list" 2>"$stage/list.err" ||
        die "the current $data/$NAME.csv does not load: $(head -n 1 "$stage/list.err")"
    old_rows=$(meta "$stage/old.list" rows)
    old_date=$(meta "$stage/old.list" date)
else
    echo "# format=none rows=0 date=none" >"$stage/old.list"
    old_rows=0
    old_date=none
fi
if [ "$force" -eq 0 ] && [ $((rows * 10)) -lt $((old_rows * 9)) ]; then
    die "$csv_from has $rows rows, $((old_rows - rows)) fewer than the current $old_rows (over 10%): cut short? --force takes it"
fi
# ISO dates compare as text; "unknown" and "none" sort after every date.
if [ "$force" -eq 0 ] && [ "$old_date" != none ] && [ "$old_date" != unknown ] &&
    [ "$(printf '%s\n%s\n' "$date" "$old_date" | sort | head -n 1)" != "$old_date" ]; then
    die "$csv_from is dated $date, before the current edition ($old_date): --force takes it"
fi

# ---- the summary ----
echo "update-registry: $csv_from${xml_from:+ and $xml_from}"
echo "registry date: $old_date -> $date ($date_rule)"
echo "rows: $old_rows -> $rows"
awk -F '\t' '
    FNR == 1 { side++; next }
    side == 1 { old[++no] = $0; cnt_old[$0]++ }
    side == 2 { new[++nn] = $0; cnt_new[$0]++ }
    function where(entry) { return substr(entry, index(entry, "\t") + 1) }
    function name(entry) { return substr(entry, 1, index(entry, "\t") - 1) }
    END {
        # Entries beyond the count on the other side, in file order.
        for (i = 1; i <= no; i++)
            if (seen_old[old[i]]++ >= cnt_new[old[i]]) { gone[++ng] = old[i]; at_gone[where(old[i])]++ }
        for (i = 1; i <= nn; i++)
            if (seen_new[new[i]]++ >= cnt_old[new[i]]) { came[++nc] = new[i] }
        # A new entry on a PORT/TRANSPORT that lost one is a rename (ports only).
        nr = 0; na = 0
        for (i = 1; i <= nc; i++) {
            w = where(came[i])
            if (w !~ /^-\// && taken[w] < at_gone[w]) {
                taken[w]++
                # The first removal on w not yet paired, in file order.
                for (j = 1; j <= ng; j++)
                    if (where(gone[j]) == w && !paired[j]) break
                paired[j] = 1
                ren[++nr] = w " " name(gone[j]) " -> " name(came[i])
            } else {
                add[++na] = name(came[i]) " " w
            }
        }
        nd = 0
        for (j = 1; j <= ng; j++)
            if (!paired[j]) del[++nd] = name(gone[j]) " " where(gone[j])
        print "added: " na
        for (i = 1; i <= na; i++) print "  + " add[i]
        print "removed: " nd
        for (i = 1; i <= nd; i++) print "  - " del[i]
        print "renamed (same transport and port, another service name): " nr
        for (i = 1; i <= nr; i++) print "  ~ " ren[i]
    }' "$stage/old.list" "$stage/new.list"
if [ "$(meta "$stage/new.list" caveat)" = changed ]; then
    echo "caveat: the PLEASE NOTE box in $xml_from differs from the one portsniff prints" \
        "(src/registry_print.c): review it there"
fi

# ---- replace ----
printf '%s\n' "$date" >"$stage/$NAME.date"
if [ -f "$data/$NAME.csv" ] && cmp -s "$csv" "$data/$NAME.csv" &&
    [ -f "$data/$NAME.date" ] && cmp -s "$stage/$NAME.date" "$data/$NAME.date"; then
    echo "$data: already this edition, nothing replaced"
    exit 0
fi
mv -f "$csv" "$data/$NAME.csv"
mv -f "$stage/$NAME.date" "$data/$NAME.date"
echo "$data: replaced $NAME.csv and $NAME.date"
