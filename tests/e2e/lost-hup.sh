#!/bin/bash
# A SIGHUP that a restarting sshd would lose. sshd re-executes itself on SIGHUP with
# SIGHUP ignored, listens again, and only then installs its SIGHUP handler: a SIGHUP
# that comes between its listen and that handler is dropped. podpass must not send its
# SIGHUP then (it would wait for a restart that never comes, and sshd would keep the
# old settings): it waits until sshd catches SIGHUP, then signals it.
# strace holds the restarting sshd at its last listen() (found by a traced restart
# first), with one of its two ListenAddresses listening already, so that podpass finds
# it. While held it is traced, and a signal sent to it stays pending; when strace lets
# go, the listen() returns into user space with SIGHUP still ignored, and the pending
# SIGHUP is dropped there, as one sent after that listen would be. podpass enable runs
# while sshd is held, and strace lets go once podpass is seen waiting.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter_strace "$@"

pw_new='lost-hup-New-root-pw-5512'
HOLD_US=60000000

# Keys only at first; two addresses, so that the restarting sshd listens on one while
# held before the other.
printf 'PasswordAuthentication no\nListenAddress 127.0.0.1\nListenAddress 127.0.0.2\n' \
    >/etc/ssh/sshd_config.d/50-lost-hup.conf
start_sshd
[ "$(offered_methods)" = publickey ] || fail "sshd offers $(offered_methods) before the run, not publickey"

# caught_hup PID: true when PID has a SIGHUP handler (SigCgt in its status).
caught_hup() {
    local v
    v=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status") || return 1
    [ $((0x$v & 1)) = 1 ]
}

# listen_inodes PID: the inodes of the sockets PID listens on at port 22, one a line.
listen_inodes() {
    ss -Hltnpe 'sport = :22' | grep -F "pid=$1," | grep -o 'ino:[0-9]*' | sort || true
}

# new_inodes PID OLD: how many of PID's listening sockets are not among OLD's inodes.
new_inodes() {
    comm -23 <(listen_inodes "$1") <(printf '%s\n' "$2" | sort) | grep -c . || true
}

# wait_restarted PID OLD: wait until PID listens on new sockets only (none in OLD, the
# inodes before its SIGHUP) and catches SIGHUP again.
wait_restarted() {
    local i
    for ((i = 0; ; i++)); do
        if caught_hup "$1" && [ "$(new_inodes "$1" "$2")" -gt 0 ] &&
            [ "$(new_inodes "$1" "$2")" = "$(listen_inodes "$1" | grep -c .)" ]; then
            break
        fi
        [ "$i" -lt 300 ] || fail "sshd (pid $1) did not restart within 30 s"
        sleep 0.1
    done
}

step "calibration: the listen() calls of one restart"
sshd=$(sshd_listener_pid)
strace_attach "$sshd" "$WORK/calib.trace" -e trace=execve,listen
old=$(listen_inodes "$sshd")
kill -HUP "$sshd"
wait_restarted "$sshd" "$old"
kill "$tracer"
wait "$tracer" || true
before=$(sed -n '/^execve(/q; /^listen(/p' "$WORK/calib.trace" | wc -l)
after=$(sed -n '/^execve(/,$p' "$WORK/calib.trace" | grep -c '^listen(' || true)
[ "$after" -ge 2 ] || fail "the restarted sshd called listen() $after times, not twice: $(cat "$WORK/calib.trace")"
k=$((before + after))
echo "    sshd (pid $sshd): $after listen() calls after its re-execution; held at call $k"

step "podpass enable while sshd restarts, its SIGHUP handler not yet installed"
strace_attach "$sshd" "$WORK/sshd.trace" -e trace=listen \
    -e inject="listen:delay_enter=$HOLD_US:when=$k"
old=$(listen_inodes "$sshd")
kill -HUP "$sshd"
held=
for ((i = 0; ; i++)); do
    # held: stopped by strace in the same call twice in a row, one new socket listening
    now="$(cut -d' ' -f3 "/proc/$sshd/stat") $(cat "/proc/$sshd/syscall" 2>/dev/null || true)"
    n=$(listen_inodes "$sshd" | grep -c . || true)
    [ "${now%% *}" != t ] || [ "$n" != 1 ] || [ "$(new_inodes "$sshd" "$old")" != 1 ] ||
        [ "$now" != "$held" ] || break
    held=$now
    [ "$i" -lt 1500 ] || fail "sshd (pid $sshd) was not held in its last listen() within 30 s ($now; $n listening)"
    sleep 0.02
done
! caught_hup "$sshd" || fail "sshd (pid $sshd), held before its SIGHUP handler, catches SIGHUP"
nap=$(sleep_call)
E2E_LAST_CMD="podpass enable --password-stdin (sshd held in its restart)"
"$PODPASS" enable --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" &
run=$!
for ((i = 0; ; i++)); do
    read -r call _ <"/proc/$run/syscall" 2>/dev/null || fail "podpass ended while sshd (pid $sshd) was held: $(cat "$WORK/last.err")"
    [ "$call" != "$nap" ] || break
    [ "$i" -lt 1500 ] || fail "podpass did not wait for sshd (pid $sshd) within 30 s"
    sleep 0.02
done
kill "$tracer" # strace lets go: the listen() returns, sshd installs its handlers
wait "$tracer" || true
rc=0
wait "$run" || rc=$?
E2E_LAST_RC=$rc
[ "$rc" = 0 ] || fail "podpass enable exited $rc: its SIGHUP to the restarting sshd (pid $sshd) was lost"
[ "$(sshd_listener_pid)" = "$sshd" ] || fail "the sshd listener is no longer pid $sshd"
m=$(offered_methods)
[ "$m" = publickey,password ] || fail "sshd offers '$m', not the new settings (publickey,password)"
login_password root "$pw_new"
pass
