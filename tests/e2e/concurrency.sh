#!/usr/bin/env bash
# Several podpass runs at once, and podpass against shadow-utils (chpasswd,
# usermod) at the same time: the runs are serialized by the locks (an flock
# on sshd_config's directory, and /etc/.pwd.lock as lckpwdf(3) takes it), so
# there is never more than one managed block and never a lost or duplicated
# /etc/shadow line; a lock held for too long is a clear error (exit 75), not
# a hang.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
useradd -m -s /bin/bash alice
start_sshd
lines_before=$(wc -l </etc/shadow)

step "four podpass enable at once, with chpasswd and usermod for alice meanwhile"
for i in 1 2 3 4; do
    printf 'concurrent-pw-%s\n' "$i" >"$WORK/pw.$i"
    "$PODPASS" enable --password-file "$WORK/pw.$i" </dev/null >"$WORK/run.$i.out" 2>"$WORK/run.$i.err" &
    echo $! >"$WORK/run.$i.pid"
done
for i in $(seq 1 20); do
    echo "alice:alice-pw-$i" | chpasswd
    usermod -c "round $i" alice
done
for i in 1 2 3 4; do
    rc=0
    wait "$(cat "$WORK/run.$i.pid")" || rc=$?
    [ "$rc" = 0 ] || fail "concurrent run $i exited $rc: $(cat "$WORK/run.$i.err")"
done
echo "    4 runs exited 0"

step "one block, one line per user, the last writer's password logs in"
[ "$(grep -cx "$E2E_BEGIN_MARK" "$E2E_SSHD_CONFIG")" = 1 ] || fail "not exactly one managed block"
assert_block "$WORK/sshd_config.orig"
[ "$(wc -l </etc/shadow)" = "$lines_before" ] || fail "/etc/shadow went from $lines_before to $(wc -l </etc/shadow) lines"
for u in root alice; do
    [ "$(grep -c "^$u:" /etc/shadow)" = 1 ] || fail "/etc/shadow does not have exactly one line for $u"
done
[ "$(getent passwd alice | cut -d: -f5)" = "round 20" ] || fail "usermod's last change to alice was lost"
ok=""
for i in 1 2 3 4; do
    if try_login_password root "concurrent-pw-$i"; then ok="$ok $i"; fi
done
[ "$(echo "$ok" | wc -w)" = 1 ] || fail "want exactly one of the four passwords to log in, got:$ok"
echo "    root's password is run${ok}'s"
login_password alice alice-pw-20
login_key root

step "a lock held too long: exit 75 with a clear message, nothing changed"
snapshot held
# Both locks are held until killed, and each holder says so once it holds its lock:
# a podpass run that waited for a release instead of giving up would never end
# (timeout 120 ends it then, and the exit status says so).
python3 - /etc/.pwd.lock "$WORK/pwd-lock.held" <<'PY' &
import fcntl, signal, sys
f = open(sys.argv[1], "w")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("held\n")
while True:
    signal.pause()
PY
holder=$!
# shellcheck disable=SC2016 # evaluated by sh
flock -o /etc/ssh sh -c 'echo "held $$" >"$1"; exec sleep infinity' sh "$WORK/dir-lock.held" &
dirholder=$!
wait_file_has "$WORK/pwd-lock.held" '^held$'
wait_file_has "$WORK/dir-lock.held" '^held [0-9]+$'
rc1=0 rc2=0
timeout -k 5 120 "$PODPASS" enable --password-stdin <<<'held-lock-pw-1234' >"$WORK/h1.out" 2>"$WORK/h1.err" & p1=$!
timeout -k 5 120 "$PODPASS" disable --lock-password </dev/null >"$WORK/h2.out" 2>"$WORK/h2.err" & p2=$!
wait "$p1" || rc1=$?
wait "$p2" || rc2=$?
[ "$rc1" = 75 ] || fail "enable with sshd_config's directory locked exited $rc1, want 75 (124: it waited on): $(cat "$WORK/h1.err")"
[ "$rc2" = 75 ] || fail "disable with sshd_config's directory locked exited $rc2, want 75 (124: it waited on): $(cat "$WORK/h2.err")"
grep -q 'locked by another podpass run' "$WORK/h1.err" || fail "the message does not say what holds the lock: $(cat "$WORK/h1.err")"
kill -0 "$dirholder" 2>/dev/null || fail "the lock on /etc/ssh was let go before podpass gave up"
kill "$(cut -d' ' -f2 "$WORK/dir-lock.held")" # flock lets the lock go when its command ends
wait "$dirholder" 2>/dev/null || true

step "only /etc/.pwd.lock held (as by passwd or chpasswd): exit 75 naming it"
expect_exit 75 timeout -k 5 120 "$PODPASS" enable --password-stdin <<<'held-lock-pw-1234'
last_stderr_has 'pwd\.lock' || fail "the message does not name /etc/.pwd.lock"
kill -0 "$holder" 2>/dev/null || fail "the lock on /etc/.pwd.lock was let go before podpass gave up"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
assert_unchanged held
if grep -qF 'held-lock-pw-1234' "$WORK"/h1.* "$WORK/last.err" "$WORK/last.out"; then fail "a password appears in podpass's output"; fi
pass
