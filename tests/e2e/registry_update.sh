#!/usr/bin/env bash
# data/update-registry.sh on a copy of data/ in a temporary directory (never
# the checkout's own): editions with a row added and a row renamed, from the
# XML, from the CSV alone and by URL, give the exact summary and replace the
# files; malformed, cut-short and mismatched editions are refused with one
# line and leave the copy byte for byte as it was.
set -euo pipefail
: "${PORTSNIFF:?}" "${PS_SOURCE_DIR:?}" "${PS_REGCOMPILE:?}"
export PS_REGCOMPILE

NAME=service-names-port-numbers
script="$PS_SOURCE_DIR/data/update-registry.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
failed=0 pass=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# The edition in data/ now: every expected figure is worked out from it.
old_date=$(cat "$PS_SOURCE_DIR/data/$NAME.date")
old_rows=$("$PS_REGCOMPILE" --list "$PS_SOURCE_DIR/data/$NAME.csv" | sed -n '1s/.* rows=\([0-9]*\).*/\1/p')
new_date=$(date -u -d "$old_date + 15 days" +%F)
older_date=$(date -u -d "$old_date - 1 day" +%F)

# fresh: a copy of data/ (the two registry files only) in $w/data, and a
# pristine one beside it to compare with.
fresh() {
    rm -rf "$w/data" "$w/data.orig"
    mkdir "$w/data"
    cp "$PS_SOURCE_DIR/data/$NAME.csv" "$PS_SOURCE_DIR/data/$NAME.date" "$w/data/"
    cp -a "$w/data" "$w/data.orig"
}

# The caveat box as portsniff prints it (the last 12 lines of a text report).
box=$("$PORTSNIFF" -r "$PS_SOURCE_DIR/captures/sample.pcapng" -q | tail -n 12)

# edition DIR DATE [CSV-EDIT...]: DIR/NAME.csv made from data/'s CSV by the
# python edits named, and DIR/NAME.xml dated DATE with one <record> per row
# (DATE "-" for no XML; "nobox" as an edit alters the XML's caveat box).
edition() {
    local dir=$1 date=$2
    shift 2
    mkdir -p "$dir"
    python3 - "$PS_SOURCE_DIR/data/$NAME.csv" "$dir/$NAME.csv" "$new_date" "$@" <<'PY'
import csv, io, sys
src, dst, new_date, edits = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
raw = open(src, "rb").read()
lines = raw.split(b"\n")[:-1]            # physical lines; the file ends with a line break
def record_ends():
    """Physical line counts at which each record (header first) ends."""
    r = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))
    out = []
    for _ in r:
        out.append(r.line_num)
    return out
out = raw
for e in edits:
    if e == "add":        # a new service, registered on the new date, after ssh's rows
        i = next(n for n, l in enumerate(lines) if l.startswith(b"telnet,23,tcp,"))
        row = ("portsniff-test,49151,udp,A test service,[Tester],[Tester],%s,,,,,"
               % new_date).encode()
        lines.insert(i, row)
    elif e == "rename":   # ssh on 22/tcp becomes secsh
        i = next(n for n, l in enumerate(lines) if l.startswith(b"ssh,22,tcp,"))
        lines[i] = b"secsh," + lines[i][len(b"ssh,"):]
    elif e == "malformed":  # a port out of range, as the last row
        lines.append(b"badport,70000,tcp,Out of range,,,,,,,,")
    elif e.startswith("records:"):  # keep the header and the first N records
        n = int(e.split(":")[1])
        lines = lines[:record_ends()[n]]
    elif e == "services":
        lines = [b"http 80/tcp www", b"ssh 22/tcp"]
out = b"\n".join(lines) + b"\n"
for e in edits:
    if e.startswith("cut:"):  # the last N bytes missing, in the middle of a row
        out = out[:-int(e.split(":")[1])]
open(dst, "wb").write(out)
PY
    if [ "$date" != - ]; then
        local rows box_text="$box"
        rows=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' \
            "$dir/$NAME.csv" 2>/dev/null || echo 0)
        for e in "$@"; do
            if [ "$e" = nobox ]; then box_text=${box/GOOD/BAD}; fi
        done
        {
            echo "<?xml version='1.0' encoding='UTF-8'?>"
            echo '<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">'
            echo "  <title>Service Name and Transport Protocol Port Number Registry</title>"
            [ "$date" = undated ] || echo "  <updated>$date</updated>"
            echo "  <note>"
            echo "$box_text"
            echo "</note>"
            for ((i = 0; i < rows; i++)); do
                echo '  <record updated="2024-12-20"><protocol>tcp</protocol></record>'
            done
            echo "</registry>"
        } >"$dir/$NAME.xml"
    fi
}

# Each check records a failure and carries on, so one run lists them all.

# untouched WHAT: the data copy is byte for byte what it was, with no leftovers.
untouched() {
    if diff -r "$w/data.orig" "$w/data" >/dev/null; then
        pass=$((pass + 1))
    else
        fail "$1: the data directory changed: $(diff -rq "$w/data.orig" "$w/data" | head -n 3)"
    fi
}

# update WANT_STATUS ARGS...: run the script on the copy; stdout in $w/out, stderr in $w/err.
update() {
    local want=$1 rc=0
    shift
    sh "$script" --data "$w/data" "$@" >"$w/out" 2>"$w/err" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "update-registry.sh $*: exit $rc, want $want; stderr: $(cat "$w/err")"
        return 1
    fi
}

same() {   # WHAT GOT WANT
    if [ "$2" != "$3" ]; then
        fail "$1:"
        echo "--- got"; echo "$2"; echo "--- want"; echo "$3"
    else
        pass=$((pass + 1))
    fi
}

# refused ARGS... -- 'STDERR': exit 1, that one line, the copy untouched.
refused() {
    local args=()
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    local want=$2
    fresh
    update 1 "${args[@]}" || return 0
    same "refusal of ${args[*]}" "$(cat "$w/err")" "$want"
    untouched "${args[*]}"
    same "stdout of a refusal" "$(cat "$w/out")" ""
}

summary_tail="added: 1
  + portsniff-test 49151/udp
removed: 0
renamed (same transport and port, another service name): 1
  ~ 22/tcp ssh -> secsh"

# ---- an edition from the XML (the CSV beside it) ----------------------------
edition "$w/ed" "$new_date" add rename
fresh
if update 0 "$w/ed/$NAME.xml"; then
    same "summary from the XML" "$(cat "$w/out")" "update-registry: $w/ed/$NAME.csv and $w/ed/$NAME.xml
registry date: $old_date -> $new_date (the XML's <updated>)
rows: $old_rows -> $((old_rows + 1))
$summary_tail
$w/data: replaced $NAME.csv and $NAME.date"
    same "stderr" "$(cat "$w/err")" ""
    cmp -s "$w/ed/$NAME.csv" "$w/data/$NAME.csv" && pass=$((pass + 1)) || fail "the CSV is not the edition's, byte for byte"
    same "the date file" "$(cat "$w/data/$NAME.date")" "$new_date"
    same "files in the data directory" "$(ls -A "$w/data" | tr '\n' ' ')" "$NAME.csv $NAME.date "
    # The build takes it: the date it would compile in, and the renamed row.
    "$PS_REGCOMPILE" "$w/data/$NAME.csv" "$w/registry_data.c"
    same "date compiled in" "$(grep -o 'registry_builtin_date\[\] = "[^"]*"' "$w/registry_data.c")" \
        "registry_builtin_date[] = \"$new_date\""
    # The same edition again: nothing to replace.
    cp -a "$w/data" "$w/data.orig.2"
    update 0 "$w/ed/$NAME.xml" && same "again" "$(tail -n 1 "$w/out")" "$w/data: already this edition, nothing replaced"
    diff -r "$w/data.orig.2" "$w/data" >/dev/null && pass=$((pass + 1)) || fail "a second run changed the data"
    rm -rf "$w/data.orig.2"
fi

# ---- the CSV alone: dated by its newest row -----------------------------------
mkdir -p "$w/csvonly"
cp "$w/ed/$NAME.csv" "$w/csvonly/"
fresh
if update 0 "$w/csvonly/$NAME.csv"; then
    same "summary from the CSV alone" "$(cat "$w/out")" "update-registry: $w/csvonly/$NAME.csv
registry date: $old_date -> $new_date (no XML: the newest Registration or Modification Date among the rows)
rows: $old_rows -> $((old_rows + 1))
$summary_tail
$w/data: replaced $NAME.csv and $NAME.date"
    same "the date file" "$(cat "$w/data/$NAME.date")" "$new_date"
fi

# ---- by URL (curl reads file:// as it reads https://) ---------------------------
fresh
if update 0 "file://$w/ed/$NAME.xml"; then
    same "summary by URL" "$(sed -n '1p;$p' "$w/out")" "update-registry: file://$w/ed/$NAME.csv and file://$w/ed/$NAME.xml
$w/data: replaced $NAME.csv and $NAME.date"
    cmp -s "$w/ed/$NAME.csv" "$w/data/$NAME.csv" && pass=$((pass + 1)) || fail "by URL: the CSV differs"
fi
fresh
if update 0 "file://$w/ed/"; then
    same "summary by directory URL" "$(sed -n 2p "$w/out")" "registry date: $old_date -> $new_date (the XML's <updated>)"
fi

# ---- a changed caveat box is told, the data still taken -------------------------
edition "$w/box" "$new_date" add rename nobox
fresh
if update 0 "$w/box/$NAME.xml"; then
    same "caveat line" "$(grep '^caveat' "$w/out")" \
        "caveat: the PLEASE NOTE box in $w/box/$NAME.xml differs from the one portsniff prints (src/registry_print.c): review it there"
fi

# ---- refusals: one line, exit 1, the copy untouched -----------------------------
edition "$w/bad" "$new_date" add malformed
bad_line=$(($(wc -l <"$w/bad/$NAME.csv")))
refused "$w/bad/$NAME.xml" -- \
    "update-registry: $w/bad/$NAME.csv:$bad_line: port number 70000 is out of range (0-65535)"
refused "$w/bad/$NAME.csv" -- \
    "update-registry: $w/bad/$NAME.csv:$bad_line: port number 70000 is out of range (0-65535)"

edition "$w/cut" - add cut:40
refused "$w/cut/$NAME.csv" -- \
    "update-registry: $w/cut/$NAME.csv: cut short (the last row does not end with a line break)"

# Cut at a record boundary: the XML's records tell it ...
edition "$w/short" "$new_date" "records:$((old_rows - 100))"
python3 - "$w/short/$NAME.xml" "$old_rows" <<'PY'
import sys   # the XML of the whole edition: as many records as data/ has rows
path, n = sys.argv[1], int(sys.argv[2])
head = [l for l in open(path) if "<record" not in l and "</registry>" not in l]
open(path, "w").write("".join(head) + '  <record updated="2024-12-20"></record>\n' * n + "</registry>\n")
PY
refused "$w/short/$NAME.xml" -- \
    "update-registry: $w/short/$NAME.xml has $old_rows records, $w/short/$NAME.csv $((old_rows - 100)) rows: one is cut short or they are not the same edition"
# ... and without one, losing over a tenth of the rows is refused unless forced.
half=$((old_rows / 2))
edition "$w/half" - "records:$half"
refused "$w/half/$NAME.csv" -- \
    "update-registry: $w/half/$NAME.csv has $half rows, $((old_rows - half)) fewer than the current $old_rows (over 10%): cut short? --force takes it"

edition "$w/undated" undated add
refused "$w/undated/$NAME.xml" -- "update-registry: $w/undated/$NAME.xml: no <updated> date (is it IANA's XML?)"
edition "$w/older" "$older_date" add
refused "$w/older/$NAME.xml" -- \
    "update-registry: $w/older/$NAME.csv is dated $older_date, before the current edition ($old_date): --force takes it"
edition "$w/svc" - services
refused "$w/svc/$NAME.csv" -- \
    "update-registry: $w/svc/$NAME.csv: not IANA's CSV (its header row is not Service Name,Port Number,...)"
mkdir -p "$w/noxmlcsv"
cp "$w/ed/$NAME.xml" "$w/noxmlcsv/"
refused "$w/noxmlcsv/$NAME.xml" -- \
    "update-registry: $w/noxmlcsv/$NAME.csv: no such file (the CSV beside $w/noxmlcsv/$NAME.xml)"
refused "file://$w/nowhere/$NAME.xml" -- \
    "update-registry: file://$w/nowhere/$NAME.csv: download failed: curl: (37) Couldn't open file $w/nowhere/$NAME.csv"

# --force takes the older edition.
fresh
update 0 --force "$w/older/$NAME.xml" &&
    same "forced" "$(sed -n 2p "$w/out")" "registry date: $old_date -> $older_date (the XML's <updated>)"

# Usage errors: exit 2.
fresh
update 2 --frobnicate && untouched "usage"

echo "registry_update: $pass checks passed, $failed failed"
[ "$failed" -eq 0 ]
