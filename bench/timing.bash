# Timing helpers shared by bench/run.sh and bench/compare.sh. The caller sets
# $work (scratch directory) and $time_bin (GNU time), and defines fail().
# Rows of a result table accumulate in row_label, row_cmd, row_runs,
# row_wall (median seconds), row_cpu (median user + system seconds, every
# thread) and row_rss (largest peak RSS in KiB); group_run also keeps each
# row's wall times round by round, in order, in row_rounds.

# run_once CMD...: runs CMD once with stdout to /dev/null; sets o_ok, o_wall
# (seconds), o_cpu (user + system seconds) and o_rss (peak RSS in KiB).
run_once() {
    local t_start t_end rc
    t_start=$EPOCHREALTIME
    "$time_bin" -f "%M %U %S" -o "$work/rss" "$@" >/dev/null 2>"$work/stderr"
    rc=$?
    t_end=$EPOCHREALTIME
    o_ok=1
    if [ "$rc" -ne 0 ]; then
        o_ok=0
        echo "${0##*/}: '$*' exited with status $rc:" >&2
        tail -n 5 "$work/stderr" >&2
        return
    fi
    o_wall=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.6f", b - a }')
    o_rss=$(tail -n 1 "$work/rss" | awk '{ print $1 }')
    o_cpu=$(tail -n 1 "$work/rss" | awk '{ printf "%.2f", $2 + $3 }')
}

median() {
    tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure RUNS CMD...: runs CMD RUNS times; sets m_wall (median seconds),
# m_cpu (median CPU seconds), m_rss (largest peak RSS in KiB) and m_ok.
measure() {
    local n=$1; shift
    local walls="" cpus="" i
    m_ok=1; m_rss=0
    for ((i = 0; i < n; i++)); do
        run_once "$@"
        if [ "$o_ok" != 1 ]; then
            m_ok=0
            return
        fi
        walls+="$o_wall "
        cpus+="$o_cpu "
        [ "$o_rss" -gt "$m_rss" ] && m_rss=$o_rss
    done
    m_wall=$(median <<<"$walls")
    m_cpu=$(median <<<"$cpus")
}

# Rows of the main table: label, command shown, runs, wall, rss.
declare -a row_label row_cmd row_runs row_wall row_cpu row_rss row_rounds

# bench LABEL RUNS SHOWN-COMMAND CMD...
bench() {
    local label=$1 n=$2 shown=$3; shift 3
    echo "timing: $label ($n run(s))" >&2
    measure "$n" "$@"
    row_label+=("$label")
    row_cmd+=("$shown")
    row_runs+=("$n")
    if [ "$m_ok" = 1 ]; then
        row_wall+=("$m_wall")
        row_cpu+=("$m_cpu")
        row_rss+=("$m_rss")
    else
        row_wall+=("failed")
        row_cpu+=("-")
        row_rss+=("-")
        fail "$label failed to run"
    fi
}

# Commands timed side by side: group_add LABEL SHOWN-COMMAND CMD... collects
# them, group_run RUNS runs them in rotation, RUNS rounds, so that a slow
# spell of the machine (other guests on the host) falls on all of them alike,
# and adds a row for each. With grp_alternate=1, every other round runs the
# commands after the first in reverse order (floor, A, B; then floor, B, A),
# so that neither of A and B always runs straight after the other: a run
# can find memory warm that the one before it gave back (README, "free page
# reporting").
declare -a grp_label=() grp_shown=()
grp_alternate=0
group_add() {
    local i=${#grp_label[@]}
    grp_label+=("$1"); grp_shown+=("$2"); shift 2
    eval "grp_cmd_$i=(\"\$@\")"
}

group_run() {
    local n=$1 r i
    local -a walls=() cpus=() rss=() ok=()
    for i in "${!grp_label[@]}"; do walls[i]=""; cpus[i]=""; rss[i]=0; ok[i]=1; done
    echo "timing, interleaved ($n round(s)): ${grp_label[*]}" >&2
    local -a order
    for ((r = 0; r < n; r++)); do
        order=("${!grp_label[@]}")
        if [ "$grp_alternate" = 1 ] && ((r % 2)); then
            order=(0)
            for ((i = ${#grp_label[@]} - 1; i > 0; i--)); do order+=("$i"); done
        fi
        for i in "${order[@]}"; do
            [ "${ok[i]}" = 1 ] || continue
            eval "run_once \"\${grp_cmd_$i[@]}\""
            if [ "$o_ok" = 1 ]; then
                walls[i]+="$o_wall "
                cpus[i]+="$o_cpu "
                [ "$o_rss" -gt "${rss[i]}" ] && rss[i]=$o_rss
            else
                ok[i]=0
            fi
        done
    done
    for i in "${!grp_label[@]}"; do
        row_label+=("${grp_label[i]}"); row_cmd+=("${grp_shown[i]}"); row_runs+=("$n")
        row_rounds[${#row_label[@]} - 1]=${walls[i]}
        if [ "${ok[i]}" = 1 ]; then
            row_wall+=("$(median <<<"${walls[i]}")"); row_cpu+=("$(median <<<"${cpus[i]}")")
            row_rss+=("${rss[i]}")
        else
            row_wall+=("failed"); row_cpu+=("-"); row_rss+=("-")
            fail "${grp_label[i]} failed to run"
        fi
        unset "grp_cmd_$i"
    done
    grp_label=(); grp_shown=()
}

# scratch_dir NEED_KIB: /dev/shm when it is a tmpfs with NEED_KIB free (files
# there stay in memory; the page cache of a disk-backed directory may be
# reclaimed between runs), else $TMPDIR or /tmp.
scratch_dir() {
    if [ -d /dev/shm ] && [ -w /dev/shm ] &&
       [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
       [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt "$1" ]; then
        echo /dev/shm
    else
        echo "${TMPDIR:-/tmp}"
    fi
}

# flood_flags_for N: sets the array flood_flags to what portsniff reads a flood
# of N distinct flows with, so that every flow is open at once (no timeout,
# a table limit above N): -q and the table and timeout flags.
flood_flags_for() {
    local max=2000000
    [ "$1" -gt "$max" ] && max=$(($1 * 2))
    flood_flags=(-q --max-flows "$max" --idle-timeout 3600 --active-timeout 7200)
}
