#!/bin/bash
# Stock Debian sshd_config, sshd not running: enable (password on stdin) starts sshd;
# password login and key login both work.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='stock-Stopped-pw-4821'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
assert_no_sshd
snapshot before

step "podpass enable --password-stdin, sshd not running"
podpass_ok enable --password-stdin <<<"$pw"
last_stderr_has 'connect' || fail "no connect line on stderr"

step "sshd runs, the config has the block, logins work"
wait_banner
sshd_listener_pid >/dev/null
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
login_password root "$pw"
login_key root
login_password_fails root 'not-the-password-123'

step "the sshd podpass started blocks and ignores no signal, and reloads on SIGHUP"
# podpass blocks SIGHUP, SIGTERM ... while it commits; the sshd it starts must not
# inherit that (an OpenSSH that does not unblock SIGHUP itself would ignore reloads).
pid=$(sshd_listener_pid)
for f in SigBlk SigIgn; do
    mask=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$pid/status")
    # SIGHUP 1, SIGINT 2, SIGQUIT 3, SIGTERM 15: bits 0, 1, 2 and 14.
    if (((16#$mask & 0x4007) != 0)); then
        fail "the sshd podpass started has $f=$mask (SIGHUP, SIGINT, SIGQUIT or SIGTERM)"
    fi
done
old_sockets=$(readlink "/proc/$pid/fd"/* | grep socket | sort | tr '\n' ' ')
kill -HUP "$pid"
i=0
while [ "$(readlink "/proc/$pid/fd"/* 2>/dev/null | grep socket | sort | tr '\n' ' ')" = "$old_sockets" ]; do
    [ "$i" -lt 100 ] || fail "sshd (pid $pid) did not reload on SIGHUP: same sockets after 10 s"
    sleep 0.1
    i=$((i + 1))
done
wait_banner
login_password root "$pw"
pass
