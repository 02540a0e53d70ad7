#!/bin/bash
# SIGKILL at each step of enable's commit cannot be caught; the next run of podpass
# (status first, then enable) notices what the killed run left and undoes it (or, when
# the change was whole but for its last step, removes the leftovers), says so, and then
# does its own work. strace delivers SIGKILL as podpass enters its Nth write, fsync,
# rename, link, unlink or kill (podpass's own calls: no -f): KILL_SAMPLES of each,
# evenly spread, and every one that works on the journal or on a link to an original
# (the first and last steps of the commit: at its last unlinks the change is whole,
# and only those links, a user's too, are left). After each kill:
#   - podpass status exits 0; when the killed run left anything, it says so;
#   - the state is one of two: every file as before and sshd serving the old settings
#     (publickey only), or the change whole (the new password logs in);
#   - nothing is left: no journal, no *.podpass-* beside /etc/shadow or sshd_config, no
#     work directory of the killed run;
#   - podpass enable then works, and the new password logs in.
# Three starting states: root with a password (/etc/shadow before the reload), root '*'
# (after it), and alice with a key to import from PUBLIC_KEY (her authorized_keys is a
# file of the change, written and undone with her rights).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter_strace "$@"

pw_old='killed-Old-root-pw-3321'
pw_new='killed-New-root-pw-3322'
KILL_SYSCALLS=write,fsync,rename,link,unlink,kill
KILL_TIMEOUT=60
KILL_SAMPLES=${KILL_SAMPLES:-4}

kept_setup killed
start_sshd

# reset NAME: the saved files back, sshd reloaded into them (old settings).
reset() {
    kept_restore "$1"
    kill -HUP "$(sshd_listener_pid)"
    wait_old_settings
}

# leftovers: what no run may leave (work directories: this namespace's own /run, and
# the killed run's, from its trace, in the machine's /tmp).
leftovers() {
    podpass_leftovers
    find /run -maxdepth 1 -name 'podpass.*' 2>/dev/null
    sed -n 's/^mkdir("\([^"]*podpass\.[^"]*\)", .*) *= 0$/\1/p' "$WORK/run.trace" |
        while read -r d; do [ ! -e "$d" ] || echo "$d"; done
}

# kill_points SC COUNT EVERY: the calls of SC to kill at, from the counting run's trace:
# every EVERY-th from the first, and each that worked on the journal or a *.podpass-orig.
kill_points() {
    local n
    {
        for ((n = 1; n <= $2; n += $3)); do echo "$n"; done
        awk -v call="$1(" 'index($0, call) == 1 { n++ }
            index($0, call) == 1 && /\.podpass-(orig"|journal)/ && / = 0$/ { print n }' "$WORK/trace"
    } | sort -nu
}

# enable_args STATE: the run each state kills.
enable_args() {
    case $1 in
    alice) echo "-u alice" ;;
    esac
}
user_of() { if [ "$1" = alice ]; then echo alice; else echo root; fi; }

runs=0 undone=0 whole=0 said=0
kept_save pristine
for state in pw star alice; do
    kept_restore pristine
    case $state in
    pw | alice) set_password root "$pw_old"; set_password alice "$pw_old" ;;
    star) usermod -p '*' root ;;
    esac
    kept_save "$state"
    reset "$state"
    user=$(user_of "$state")
    read -r -a args <<<"$(enable_args "$state")"
    export PUBLIC_KEY
    if [ "$state" = alice ]; then PUBLIC_KEY=$(cat "$WORK/import.pub"); else PUBLIC_KEY=; fi
    step "$state: a clean run, to count the calls"
    E2E_LAST_CMD="strace podpass enable ${args[*]} (counting)"
    timeout -k 5 "$KILL_TIMEOUT" strace -qq -o "$WORK/trace" -e trace="$KILL_SYSCALLS" -- \
        "$PODPASS" enable "${args[@]}" --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" ||
        fail "$state: the clean run failed"
    IFS=, read -r -a calls <<<"$KILL_SYSCALLS"
    for sc in "${calls[@]}"; do
        count=$(grep -c "^$sc(" "$WORK/trace" || true)
        every=$(((count + KILL_SAMPLES - 1) / KILL_SAMPLES))
        every=$((every > 0 ? every : 1))
        points=$(kill_points "$sc" "$count" "$every" | tr '\n' ' ')
        step "$state: SIGKILL at $sc calls ${points}of 1..$count, then status and enable"
        for n in $points; do
            reset "$state"
            label="$state: KILL at $sc #$n"
            rc=0
            timeout -k 5 "$KILL_TIMEOUT" strace -qq -o "$WORK/run.trace" -e trace="$sc,mkdir" \
                -e inject="$sc:signal=KILL:when=$n" -- \
                "$PODPASS" enable "${args[@]}" --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
            [ "$rc" = 0 ] || [ "$rc" = 137 ] || fail "$label: exit $rc, neither 0 nor 137 (killed)"
            E2E_LAST_CMD="podpass status (after $label)"
            expect_exit 0 "$PODPASS" status -u "$user"
            if [ "$rc" = 137 ] && last_stderr_has "killed"; then said=$((said + 1)); fi
            left=$(leftovers)
            [ -z "$left" ] || fail "$label: left after status: $(echo "$left" | tr '\n' ' ')"
            if kept_same "$state"; then
                [ "$(offered_methods)" = publickey ] || fail "$label: files as before, but sshd offers $(offered_methods)"
                undone=$((undone + 1))
            else
                login_password "$user" "$pw_new" >/dev/null
                whole=$((whole + 1))
            fi
            podpass_ok enable "${args[@]}" --password-stdin <<<"$pw_new"
            login_password "$user" "$pw_new" >/dev/null
            [ "$state" != alice ] || grep -qF "$(cat "$WORK/import.pub")" /home/alice/.ssh/authorized_keys ||
                fail "$label: the imported key is not in alice's file after enable"
            runs=$((runs + 1))
        done
    done
done
echo "    $runs runs killed: $undone left as before (undone where needed), $whole whole;" \
    "status said so after $said"

# Killed just after its SIGHUP, while sshd restarts itself: between closing its
# listeners and listening again (it re-execs, and only then reads the files) nothing
# listens on port 22, and sshd's pidfile is gone. The next run must wait for that sshd
# and then reload it into the files put back, not take it for stopped. strace holds
# sshd at its re-exec (60 s at most) until status is seen waiting in that gap.
state=pw
step "$state: SIGKILL just after the SIGHUP, sshd slow to restart, then status"
kept_restore "$state"
reset "$state"
PUBLIC_KEY=
sshd=$(sshd_listener_pid)
strace_attach "$sshd" "$WORK/sshd.trace" -e trace=execve \
    -e inject=execve:delay_enter=60000000
# The run is killed once sshd has logged the SIGHUP it sent (sshd then waits at its
# re-exec, and the run for it to listen again).
hups=$(grep -c 'Received SIGHUP; restarting' "$E2E_SSHD_LOG" || true)
"$PODPASS" enable --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" &
run_pid=$!
for ((i = 0; ; i++)); do
    [ "$(grep -c 'Received SIGHUP; restarting' "$E2E_SSHD_LOG" || true)" -gt "$hups" ] && break
    kill -0 "$run_pid" 2>/dev/null || fail "the run ended before sshd logged its SIGHUP"
    [ "$i" -lt 3000 ] || fail "sshd logged no SIGHUP from the run within 60 s"
    sleep 0.02
done
kill -KILL "$run_pid"
rc=0
wait "$run_pid" || rc=$?
[ "$rc" = 137 ] || fail "the run to kill just after its SIGHUP exited $rc"
E2E_LAST_CMD="podpass status (after a kill just after the SIGHUP)"
nap=$(sleep_call)
"$PODPASS" status >"$WORK/last.out" 2>"$WORK/last.err" &
status_pid=$!
for ((i = 0; ; i++)); do
    read -r call _ <"/proc/$status_pid/syscall" 2>/dev/null || fail "status ended before it waited for sshd (pid $sshd) to restart"
    [ "$call" != "$nap" ] || break
    [ "$i" -lt 1500 ] || fail "status did not wait for sshd (pid $sshd) to restart within 30 s"
    sleep 0.02
done
kill "$tracer" # strace lets go: sshd re-executes itself and listens again
wait "$tracer" || true
rc=0
wait "$status_pid" || rc=$?
E2E_LAST_RC=$rc
[ "$rc" = 0 ] || fail "status exited $rc: $(cat "$WORK/last.err")"
last_stderr_has "sshd \\(pid $sshd\\) was reloaded with the files put back" ||
    fail "status did not reload the restarting sshd (pid $sshd)"
kept_same "$state" || fail "the files are not as before after status"
[ "$(offered_methods)" = publickey ] || fail "sshd offers $(offered_methods), not the old settings"
[ "$said" -gt 0 ] || fail "status never said it found what a killed run left"
[ "$undone" -gt 0 ] || fail "no kill came before the change was whole"
pass
