#!/bin/bash
# Time to login-ready: from invoking the command until a password login for
# root can succeed, for `podpass enable --password-stdin` and for the shell
# recipe (bench/recipe.sh: sed, service ssh restart, chpasswd), side by side,
# with sshd running (the usual pod case) and with sshd stopped.
#
# Runs inside the e2e namespace harness (tests/e2e/lib.sh): private mount,
# net and pid namespaces over copies of /etc, so nothing touches the
# machine's files or processes. Before every run the ground is the same:
# Debian's stock sshd_config, no drop-ins, root's password '*', host keys
# present, and sshd started by `service ssh start` and answering (case
# "running") or no sshd at all and no /run/sshd (case "stopped"). Runs
# alternate: in odd rounds podpass goes first, in even rounds the recipe.
#
# One run: t0; the command; t1; then at once and again and again, with no
# pause, a password login (sshpass -e, the password in its environment
# only) until one succeeds. login-ready = the start of the first successful
# attempt - t0, so that the cost of the ssh login itself counts for neither;
# the command's own time is t1 - t0. Clock: bash's EPOCHREALTIME (read into
# a variable, no fork). After each run the prefix of root's hash in
# /etc/shadow is recorded: both sides must use the same method.
#
# Then the floors, what sshd and yescrypt take by themselves: SIGHUP until
# the new listener's key exchange, sshd's start until then
# (bench/kex-probe.c), sshd -T, one yescrypt hash; and from them the least
# time any tool that checks the config and waits for sshd could take.
#
# Environment: PODPASS, BENCH_OUT (where data and the report fragment go),
# BENCH_BIN (the helpers bench/run.sh builds; without it, no floors),
# BENCH_RUNS (measured rounds, default 21), BENCH_WARMUP (rounds not
# counted, default 1), BENCH_CASES ("running stopped"), BENCH_READY_TIMEOUT
# (seconds a run may take to become ready, default 30), BENCH_TRACE=1 (one
# more podpass run per case under strace, its timeline kept in BENCH_OUT).
# Normally run by bench/run.sh.
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
e2e_enter "$@"

: "${BENCH_OUT:?BENCH_OUT is not set (bench/run.sh sets it)}"
runs=${BENCH_RUNS:-21}
warmup=${BENCH_WARMUP:-1}
cases=${BENCH_CASES:-running stopped}
limit_us=$((${BENCH_READY_TIMEOUT:-30} * 1000000))
bench_dir=$(cd "$(dirname "$0")" && pwd)
recipe=$bench_dir/recipe.sh
data=$BENCH_OUT/login-ready.tsv
report=$BENCH_OUT/login-ready.md
summary=$BENCH_OUT/login-ready.summary
export PODPASS_BENCH_NS=1

# ---------------------------------------------------------------- the ground

# Stop every sshd of this namespace (listener, sessions, a half-started
# one), by pid, and wait until they are gone.
stop_sshd() {
    local pids p i=0
    pids=$(pgrep -x -r R,S,D sshd || true)
    for p in $pids; do
        kill "$p" 2>/dev/null || true
    done
    while pgrep -x -r R,S,D sshd >/dev/null; do
        i=$((i + 1))
        if [ "$i" = 250 ]; then
            for p in $(pgrep -x -r R,S,D sshd || true); do
                kill -KILL "$p" 2>/dev/null || true
            done
        fi
        [ "$i" -lt 500 ] || fail "sshd did not stop: $(pgrep -a -x sshd | tr '\n' ';')"
        sleep 0.02
    done
    rm -f /run/sshd.pid
}

# ground running|stopped: the state every run starts from.
ground() {
    stop_sshd
    e2e_stock_config
    if [ "$1" = stopped ]; then
        rm -rf /run/sshd # as in a container that has just started: /run is empty
    else
        E2E_LAST_CMD="service ssh start"
        service ssh start >"$WORK/last.out" 2>"$WORK/last.err" || fail "service ssh start failed"
        wait_banner 10
    fi
}

# The "$id$params$" start of root's hash in /etc/shadow.
hash_prefix() {
    shadow_field root | awk -F'$' 'NF >= 4 { printf "$%s$%s$\n", $2, $3; next } { print "(" $0 ")" }'
}

# ---------------------------------------------------------------- one run

# run_one CASE VARIANT ROUND: one timed run; appends a line to $data.
run_one() {
    local case=$1 variant=$2 round=$3 pw t0 t1 ta now rc=0 tries=0
    pw="Bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    ground "$case"
    E2E_STEP="$case: $variant, round $round"
    if [ "$variant" = podpass ]; then
        E2E_LAST_CMD="$PODPASS enable --password-stdin"
        t0=$EPOCHREALTIME
        "$PODPASS" enable --password-stdin <<<"$pw" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
        t1=$EPOCHREALTIME
    else
        E2E_LAST_CMD="bash $recipe"
        t0=$EPOCHREALTIME
        PASSWORD=$pw bash "$recipe" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
        t1=$EPOCHREALTIME
    fi
    E2E_LAST_RC=$rc
    [ "$rc" = 0 ] || fail "$variant exited with $rc"
    while :; do
        ta=$EPOCHREALTIME
        tries=$((tries + 1))
        if try_login_password root "$pw"; then
            break
        fi
        now=$EPOCHREALTIME
        if [ $(($(bench_epoch_us "$now") - $(bench_epoch_us "$t0"))) -gt "$limit_us" ]; then
            fail "$variant: no successful password login within ${BENCH_READY_TIMEOUT:-30} s ($tries tries, last ssh exit $E2E_SSH_RC)"
        fi
    done
    t0=$(bench_epoch_us "$t0")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$variant" "$round" \
        $(($(bench_epoch_us "$t1") - t0)) $(($(bench_epoch_us "$ta") - t0)) "$tries" \
        "$(hash_prefix)" >>"$data"
}

# ---------------------------------------------------------------- strace timeline

# trace_one CASE: one more podpass run under strace; its timeline goes to
# $BENCH_OUT/trace-CASE.txt, each line with milliseconds since the start and
# the time spent in the call (<s>): the children it runs (execve, wait4),
# yescrypt's 16 MiB work area coming and going (mmap/munmap of 8 MiB or
# more: one pair per hash), /proc/PID/net/tcp* opened, sleeps, fsyncs,
# renames, signals and connects. strace follows podpass's children only up
# to their execve (-b execve): an sshd that podpass starts lives on, and
# strace would wait for it. Every traced stop costs time, so the absolute
# numbers are inflated; the shape is what counts.
trace_one() {
    local case=$1 pw raw=$WORK/trace.raw
    command -v strace >/dev/null 2>&1 || { echo "    strace not installed: no trace" >&2; return 0; }
    pw="Bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    ground "$case"
    E2E_LAST_CMD="strace ... $PODPASS enable --password-stdin"
    strace -f -b execve -ttt -T -o "$raw" \
        -e trace=execve,wait4,kill,connect,fsync,rename,mmap,munmap,openat,clock_nanosleep,exit_group \
        -e signal=none "$PODPASS" enable --password-stdin -v <<<"$pw" \
        >"$WORK/last.out" 2>"$WORK/last.err" || fail "podpass under strace failed"
    awk '
        NR == 1 { t0 = $2 }
        / (mmap|munmap)\(/ { split($0, a, ", "); if (a[2] + 0 < 8388608) next }
        / openat\(/ && !/\/net\/tcp/ { next }
        { $2 = sprintf("%8.2f ms", ($2 - t0) * 1000); print }' "$raw" >"$BENCH_OUT/trace-$case.txt"
    cp "$WORK/last.err" "$BENCH_OUT/trace-$case.stderr"
    login_password root "$pw" >/dev/null
}

# ---------------------------------------------------------------- the runs

ssh-keygen -A >/dev/null
: >"$data"
total=$((warmup + runs))
for round in $(seq 1 "$total"); do
    r=$((round - warmup))
    [ "$r" -gt 0 ] || r=0
    if [ $((round % 2)) = 1 ]; then order="podpass recipe"; else order="recipe podpass"; fi
    for case in $cases; do
        for variant in $order; do
            run_one "$case" "$variant" "$r"
        done
    done
    echo "    round $round/$total done$([ "$r" = 0 ] && echo ' (warm-up, not counted)')"
done
if [ "${BENCH_TRACE:-}" = 1 ]; then
    for case in $cases; do
        trace_one "$case"
    done
fi

# ---------------------------------------------------------------- floors

# What sshd and yescrypt take by themselves, which any tool pays: SIGHUP to
# the listener until a new connection gets a KEXINIT, sshd started until
# then (bench/kex-probe.c), sshd -T on the stock config, one yescrypt hash.
# sshd_t_pair SPEC: µs for two sshd -T -C SPEC started together, until both ended.
sshd_t_pair() {
    local t0 t1
    t0=$EPOCHREALTIME
    /usr/sbin/sshd -T -C "$1" >/dev/null &
    /usr/sbin/sshd -T -C "$1" >/dev/null
    wait "$!"
    t1=$EPOCHREALTIME
    echo $(($(bench_epoch_us "$t1") - $(bench_epoch_us "$t0")))
}

floors=$BENCH_OUT/login-ready-floors.tsv
: >"$floors"
if [ -x "${BENCH_BIN:-/nonexistent}/kex-probe" ]; then
    step "floors: sshd reload and start until key exchange, sshd -T, yescrypt"
    spec=user=root,host=client.invalid,addr=203.0.113.1,laddr=127.0.0.1,lport=22
    hash=$("$BENCH_BIN/crypt-cost" hash "\$y\$" <<<"floor-probe-password")
    for round in $(seq 1 "$runs"); do
        if [[ " $cases " == *" running "* ]]; then
            ground running
            printf 'reload\t%s\n' "$("$BENCH_BIN/kex-probe" hup /run/sshd.pid)" >>"$floors"
        fi
        if [[ " $cases " == *" stopped "* ]]; then
            ground stopped
            mkdir -p /run/sshd
            printf 'start\t%s\n' "$("$BENCH_BIN/kex-probe" start /usr/sbin/sshd)" >>"$floors"
        fi
        "$BENCH_BIN/measure" -o "$WORK/sshd-T" -l sshd-T -- /usr/sbin/sshd -T -C "$spec" >/dev/null
        # one hash in a fresh process, as podpass hashes
        "$BENCH_BIN/crypt-cost" time 1 "$hash" | awk '{ print "yescrypt\t" $2 }' >>"$floors"
        # podpass's two sshd -T side by side, alone and beside two yescrypt hashes
        # (the hash and its twin, at nice 10 as podpass runs them): what the hashing
        # costs the checks
        printf 'sshd-T-pair\t%s\n' "$(sshd_t_pair "$spec")" >>"$floors"
        nice -n 10 "$BENCH_BIN/crypt-cost" time 4 "$hash" >/dev/null &
        nice -n 10 "$BENCH_BIN/crypt-cost" time 4 "$hash" >/dev/null &
        sleep 0.01
        printf 'sshd-T-pair-hashing\t%s\n' "$(sshd_t_pair "$spec")" >>"$floors"
        wait
    done
    awk '{ print "sshd-T\t" $2 }' "$WORK/sshd-T" >>"$floors"
fi
stop_sshd

# ---------------------------------------------------------------- the report

# stats CASE VARIANT FIELD: bench_stats over the counted runs.
stats() {
    awk -F'\t' -v c="$1" -v v="$2" -v f="$3" '$1 == c && $2 == v && $3 > 0 { print $f }' "$data" |
        bench_stats
}

# The median over rounds of podpass / recipe in the same round.
paired_ratio() {
    awk -F'\t' -v c="$1" '$1 == c && $3 > 0 { t[$3, $2] = $5; r[$3] = 1 }
        END { for (i in r) if (t[i, "recipe"] > 0) print t[i, "podpass"] / t[i, "recipe"] }' "$data" |
        bench_stats | awk '{ print $2 }'
}

prefixes() { # VARIANT: the distinct hash prefixes of its runs
    awk -F'\t' -v v="$1" '$2 == v { print $7 }' "$data" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

pp=$(prefixes podpass)
rp=$(prefixes recipe)
if [ "$pp" != "$rp" ] || [ "$(printf '%s\n' "$pp" | wc -w)" != 1 ]; then
    fail "hash methods differ: podpass stored '$pp', the recipe '$rp'"
fi

{
    echo "## Time to login-ready"
    echo
    echo "From invoking the command until a password login as root can succeed (the start of the first"
    echo "successful \`sshpass -e ssh\` attempt; attempts follow the command at once, with no pause)."
    echo "podpass: \`podpass enable --password-stdin\`; recipe: [bench/recipe.sh](recipe.sh)."
    echo "Hash method of both: \`$pp\` (prefix of root's field in /etc/shadow after every run)."
    echo "$runs counted rounds per case (after $warmup warm-up), podpass and recipe alternating."
    echo "Times in ms."
    echo
    echo "| case | variant | N | median | Q1–Q3 | min | max | command alone, median | tries, max |"
    echo "|---|---|---|---|---|---|---|---|---|"
} >"$report"
declare -A medians
: >"$summary"
for case in $cases; do
    for variant in podpass recipe; do
        read -r n med q1 q3 min max < <(stats "$case" "$variant" 5)
        read -r _ cmed _ < <(stats "$case" "$variant" 4)
        tmax=$(awk -F'\t' -v c="$case" -v v="$variant" '$1 == c && $2 == v && $3 > 0 && $6 > m { m = $6 } END { print m + 0 }' "$data")
        printf '| sshd %s | %s | %s | **%s** | %s–%s | %s | %s | %s | %s |\n' "$case" "$variant" "$n" \
            "$(bench_us_ms "$med")" "$(bench_us_ms "$q1")" "$(bench_us_ms "$q3")" \
            "$(bench_us_ms "$min")" "$(bench_us_ms "$max")" "$(bench_us_ms "$cmed")" "$tmax" >>"$report"
        medians[$case,$variant]=$med
    done
done
{
    echo
    echo "| case | podpass / recipe (ratio of medians) | median of per-round ratios | target |"
    echo "|---|---|---|---|"
} >>"$report"
for case in $cases; do
    pm=${medians[$case,podpass]}
    rm=${medians[$case,recipe]}
    ratio=$(bench_div "$pm" "$rm" 2)
    pr=$(bench_div "$(paired_ratio "$case")" 1 2)
    if [ "$case" = running ]; then
        verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 0.5) ? "≤ 0.5: met" : "≤ 0.5: **not met**" }')
    else
        verdict="(none)"
    fi
    printf '| sshd %s | **%s** | %s | %s |\n' "$case" "$ratio" "$pr" "$verdict" >>"$report"
    printf 'login-ready, sshd %s: podpass %s ms, recipe %s ms (medians), podpass/recipe %s (per-round %s) %s\n' \
        "$case" "$(bench_us_ms "$pm")" "$(bench_us_ms "$rm")" "$ratio" "$pr" \
        "$([ "$case" = running ] && echo "[target <= 0.5: $(echo "${verdict#≤ 0.5: }" | tr -d '*')]")" >>"$summary"
    if [ "$case" = running ]; then
        echo "target-login-ready $ratio 0.5" >"$BENCH_OUT/login-ready.target"
    fi
done
echo "login-ready: hash method of both: $pp" >>"$summary"

# floor_med WHAT: the median of a floor, in µs
floor_med() {
    awk -F'\t' -v w="$1" '$1 == w { print $2 }' "$floors" | bench_stats | awk '{ print $2 }'
}
if [ -s "$floors" ]; then
    {
        echo
        echo "Floors: what sshd and yescrypt take by themselves, which any tool pays"
        echo "([bench/kex-probe.c](kex-probe.c): connections to 127.0.0.1:22 1 ms apart until one gets sshd's KEXINIT;"
        echo "\`sshd -T\` on the stock config; one yescrypt hash, [bench/crypt-cost.c](crypt-cost.c))."
        echo
        echo "| floor | N | median ms | min | max |"
        echo "|---|---|---|---|---|"
    } >>"$report"
    for what in reload start sshd-T yescrypt sshd-T-pair sshd-T-pair-hashing; do
        read -r n fmed _ _ fmin fmax < <(awk -F'\t' -v w="$what" '$1 == w { print $2 }' "$floors" | bench_stats)
        [ "$n" != 0 ] || continue
        case $what in
        reload) label="SIGHUP to the listener → KEXINIT from the new one" ;;
        start) label="sshd started (no listener before) → KEXINIT" ;;
        sshd-T) label="\`sshd -T -C user=root,...\` on the stock config" ;;
        yescrypt) label="one yescrypt hash (\`\$y\$j9T\$\`)" ;;
        sshd-T-pair) label="two \`sshd -T\` side by side (podpass's checks)" ;;
        sshd-T-pair-hashing) label="the same beside two yescrypt hashes at nice 10 (the hash and its twin, as podpass runs them)" ;;
        esac
        printf '| %s | %s | %s | %s | %s |\n' "$label" "$n" "$(bench_us_ms "$fmed")" \
            "$(bench_us_ms "$fmin")" "$(bench_us_ms "$fmax")" >>"$report"
    done
    for case in $cases; do
        case $case in
        running) move=reload ;;
        stopped) move=start ;;
        esac
        # the password must be in /etc/shadow and the checked config loaded:
        # hashing can run beside sshd -T and the reload, nothing shorter
        floor=$(awk -v y="$(floor_med yescrypt)" -v t="$(floor_med sshd-T)" -v m="$(floor_med "$move")" \
            'BEGIN { a = t + m; print (y > a) ? y : a }')
        rm=${medians[$case,recipe]}
        printf '\nsshd %s: a tool that checks the config with sshd -T and waits for the %s, hashing meanwhile, needs at least max(yescrypt, sshd -T + %s) = **%s ms**, %s × the recipe'"'"'s median.\n' \
            "$case" "$move" "$move" "$(bench_us_ms "$floor")" "$(bench_div "$floor" "$rm" 2)" >>"$report"
        printf 'login-ready floor, sshd %s: max(yescrypt %s, sshd -T %s + %s %s) = %s ms = %s x recipe\n' "$case" \
            "$(bench_us_ms "$(floor_med yescrypt)")" "$(bench_us_ms "$(floor_med sshd-T)")" "$move" \
            "$(bench_us_ms "$(floor_med "$move")")" "$(bench_us_ms "$floor")" "$(bench_div "$floor" "$rm" 2)" >>"$summary"
        # podpass's own checks are more work than that: sshd -T twice (the current
        # config and the candidate, side by side) and yescrypt twice (the hash and the
        # twin that checks it, side by side), and the reload or start; on this
        # machine's cores all of it (nearly all CPU time) takes at least work / cores.
        work=$(awk -v y="$(floor_med yescrypt)" -v t="$(floor_med sshd-T)" -v m="$(floor_med "$move")" \
            -v n="$(nproc)" 'BEGIN { print (2 * y + 2 * t + m) / n }')
        own=$(awk -v a="$floor" -v b="$work" 'BEGIN { print (a > b) ? a : b }')
        pm=${medians[$case,podpass]}
        printf '%s\n' \
            "podpass's own checks are more work: sshd -T twice (current config and candidate, side by side), yescrypt twice (the hash and the twin that verifies it, side by side) and the ${move}," \
            "2 × $(bench_us_ms "$(floor_med yescrypt)") + 2 × $(bench_us_ms "$(floor_med sshd-T)") + $(bench_us_ms "$(floor_med "$move")") ms of work, nearly all CPU time, on $(nproc) cores: at least **$(bench_us_ms "$work") ms**." \
            "So podpass's floor is max($(bench_us_ms "$floor"), $(bench_us_ms "$work")) = $(bench_us_ms "$own") ms, $(bench_div "$own" "$rm" 2) × the recipe. Its median, $(bench_us_ms "$pm") ms, is $(bench_us_ms "$(awk -v a="$pm" -v b="$own" 'BEGIN { print a - b }')") ms above that:" \
            "start-up and planning, the commits' fsyncs, and above all the hashing beside sshd: yescrypt is memory-hard, and two \`sshd -T\` side by side take $(bench_us_ms "$(floor_med sshd-T-pair)") ms alone but $(bench_us_ms "$(floor_med sshd-T-pair-hashing)") ms beside the two hashes (the work floor counts them at their time alone)." >>"$report"
        if [ "$case" = running ]; then
            goal=$(awk -v r="$rm" 'BEGIN { print r / 2 }')
            printf '%s\n' "The target, 0.5 × the recipe, is $(bench_us_ms "$goal") ms here: $(awk -v p="$pm" -v g="$goal" \
                'BEGIN { if (p <= g) print "met"; else printf "missed by %.1f ms (%.0f %%)", (p - g) / 1000, (p - g) * 100 / g }')." >>"$report"
        fi
        printf 'podpass floor, sshd %s: max(that, work (2 x yescrypt + 2 x sshd -T + %s) / %s cores %s) = %s ms = %s x recipe\n' \
            "$case" "$move" "$(nproc)" "$(bench_us_ms "$work")" "$(bench_us_ms "$own")" "$(bench_div "$own" "$rm" 2)" >>"$summary"
    done
    printf 'contention: two sshd -T side by side %s ms alone, %s ms beside two yescrypt hashes at nice 10\n' \
        "$(bench_us_ms "$(floor_med sshd-T-pair)")" "$(bench_us_ms "$(floor_med sshd-T-pair-hashing)")" >>"$summary"
fi
echo >>"$report"
echo "Raw data: \`login-ready.tsv\` (case, variant, round, command µs, ready µs, tries, hash prefix), \`login-ready-floors.tsv\` (floor, µs)." >>"$report"
echo
cat "$summary"
pass
