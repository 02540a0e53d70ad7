#!/bin/bash
# An sshd that comes back from SIGHUP under a new pid, as one built with musl does
# (Alpine's): its daemon() forks twice, so after the re-execution that SIGHUP makes it
# detaches again and the listener gets a new pid, written to its PidFile. Here this
# machine's sshd runs with tests/daemon_twice.so preloaded, which gives it that
# daemon(). podpass must follow the listener, not the pid: enable and disable reload
# it and succeed, and the logins are what they say.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
DAEMON_TWICE_SHIM=${DAEMON_TWICE_SHIM:-$(dirname "$PODPASS")/../tests/daemon_twice.so}
if [ "${E2E_INSIDE:-}" != 1 ] && [ "$(id -u)" = 0 ] && [ ! -f "$DAEMON_TWICE_SHIM" ]; then
    echo "FAIL $e2e_name: $DAEMON_TWICE_SHIM is missing (make check builds it)" >&2
    exit 1
fi
e2e_enter "$@"

pw='redaemon-Root-pw-7731'

# wait_new_listener OLD: until a listener other than pid OLD answers and the PidFile
# names it (10 s at most).
wait_new_listener() {
    local i=0 now
    while :; do
        now=$(pgrep -x -P 1 sshd || true)
        # one listener (not also the process between the two forks), answering
        if [ -n "$now" ] && [ "$now" != "$1" ] && [ "$(printf '%s\n' "$now" | wc -l)" = 1 ] &&
            banner_now && [ "$(cat /run/sshd.pid 2>/dev/null)" = "$now" ]; then
            printf '%s\n' "$now"
            return 0
        fi
        [ "$i" -lt 100 ] || fail "no new sshd listener within 10 s (pid $1 before; now: $now)"
        sleep 0.1
        i=$((i + 1))
    done
}

make_client_key root
mkdir -p /run/sshd
chmod 0755 /run/sshd
ssh-keygen -A >/dev/null
LD_PRELOAD=$DAEMON_TWICE_SHIM "$E2E_SSHD" -E "$E2E_SSHD_LOG" || fail "sshd did not start"
wait_banner

step "the replay: this sshd listens under a new pid after SIGHUP"
first=$(sshd_listener_pid)
kill -HUP "$first"
second=$(wait_new_listener "$first")
echo "    pid $first, then $second after SIGHUP"
login_key root

step "podpass enable reloads it and follows it to its new pid"
podpass_ok enable -v --password-stdin <<<"$pw"
last_stderr_has "went on as pid" || fail "podpass did not say it followed the listener: $(cat "$WORK/last.err")"
third=$(sshd_listener_pid)
[ "$third" != "$second" ] || fail "the listener kept pid $second: the reload did not happen"
login_password root "$pw"
login_key root
login_password_fails root 'not-the-password-123'

step "podpass disable reloads it again"
podpass_ok disable
fourth=$(sshd_listener_pid)
[ "$fourth" != "$third" ] || fail "the listener kept pid $third: the reload did not happen"
login_password_fails root "$pw"
login_key root
pass
