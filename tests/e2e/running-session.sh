#!/bin/bash
# sshd running with an open session: enable reloads sshd (SIGHUP), it does not restart it.
# The session lives on and finishes normally, password login works, and the listener's
# pid is the same as before.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='running-Session-pw-3391'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"

step "sshd running, a key session open in the background"
start_sshd
pid_before=$(sshd_listener_pid)
flag=$WORK/session-may-end
# The session prints START, then waits (bounded) until the test lets it end.
ssh "${e2e_ssh_opts[@]}" -i "$WORK/keys/id_root" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o PreferredAuthentications=publickey root@127.0.0.1 \
    "echo SESSION-START; i=0; while [ ! -e '$flag' ] && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i+1)); done; echo SESSION-ALIVE" \
    </dev/null >"$WORK/session.out" 2>"$WORK/session.err" &
session=$!
i=0
until grep -qx SESSION-START "$WORK/session.out"; do
    kill -0 "$session" 2>/dev/null || fail "the background session ended early: $(cat "$WORK/session.err")"
    [ "$i" -lt 100 ] || fail "the background session did not start within 10s"
    sleep 0.1
    i=$((i + 1))
done
snapshot before

step "podpass enable --password-stdin while the session is open"
podpass_ok enable --password-stdin <<<"$pw"
kill -0 "$session" 2>/dev/null || fail "the open session died during enable: $(cat "$WORK/session.out" "$WORK/session.err")"

step "the session finishes, sshd was reloaded (same listener), logins work"
touch "$flag"
rc=0
wait "$session" || rc=$?
[ "$rc" = 0 ] || fail "the open session exited $rc: $(cat "$WORK/session.out" "$WORK/session.err")"
grep -qx SESSION-ALIVE "$WORK/session.out" || fail "the open session did not finish with SESSION-ALIVE: $(cat "$WORK/session.out")"
echo "    the open session survived"
assert_sshd_serving "$pid_before"
echo "    sshd listener pid $pid_before unchanged (reloaded, not restarted)"
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
login_password root "$pw"
login_key root
pass
