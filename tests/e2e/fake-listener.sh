#!/bin/bash
# A process that only looks like sshd is never signalled. With sshd stopped:
# (a) a program named sshd run by nobody listens on port 22 (unprivileged ports allowed
#     in this network namespace), answers like sshd (banner, key exchange packet) and
#     opens a new socket on SIGHUP, as a reloaded sshd does; (b) a copy of sshd (another
#     inode) run by root. enable exits 69 naming the pid, the user and the name, the
#     process got no SIGHUP, and no file changed. (c) The real sshd is still reloaded and
#     logins work.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
py=$(command -v python3 || true)
[ -n "$py" ] || fail "required tool missing: python3 (the fake listener)"
py=$(readlink -f -- "$py")
command -v setpriv >/dev/null 2>&1 || fail "required tool missing: setpriv (util-linux)"

pw='fake-Listener-pw-5520'
fake=/run/fake
mkdir -p "$fake"
cat >"$fake/fake.py" <<'PY'
import signal, socket, struct, sys
record, port = sys.argv[1], int(sys.argv[2])
def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    return s
ls = listen()
def hup(sig, frame):
    # record the signal, then listen on a new socket as a reloaded sshd does
    global ls
    with open(record, "a") as f:
        f.write("SIGHUP\n")
    ls.close()
    ls = listen()
signal.signal(signal.SIGHUP, hup)
while True:
    try:
        c, _ = ls.accept()
    except OSError:
        continue
    try:
        c.settimeout(2)
        c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
        c.recv(256)
        c.sendall(struct.pack(">IBB", 12, 10, 20) + bytes(20))
    except OSError:
        pass
    c.close()
PY
ln -s "$py" "$fake/sshd"
: >"$fake/hup"
chown -R nobody "$fake"
chmod 0755 "$fake"

# run_enable: podpass enable with the listener in place; its exit code in $rc.
run_enable() {
    E2E_LAST_CMD="$PODPASS enable --password-stdin"
    rc=0
    "$PODPASS" enable --password-stdin <<<"$pw" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
}

# refused PID USER: enable failed with 69, naming PID, USER and sshd, before any write.
refused() {
    [ "$rc" = 69 ] || fail "enable exited $rc, want 69 (EX_UNAVAILABLE)"
    last_stderr_has "pid $1([^0-9]|\$)" || fail "the error does not name pid $1"
    last_stderr_has "user $2" || fail "the error does not name user $2"
    last_stderr_has "sshd" || fail "the error does not name the process sshd"
    last_stderr_has "nothing was changed" || fail "the error does not say nothing changed"
    sed -e 's/^/    | /' "$WORK/last.err"
}

# wait_port_free: until nothing answers on port 22 (at most 10 s).
wait_port_free() {
    local i=0
    while banner_now; do
        [ "$i" -lt 100 ] || fail "port 22 still answers 10 s after its listener was stopped"
        sleep 0.1
        i=$((i + 1))
    done
}

step "(a) a fake sshd run by nobody listens on port 22"
assert_no_sshd
sysctl -q -w net.ipv4.ip_unprivileged_port_start=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$fake/sshd" "$fake/fake.py" \
    "$fake/hup" 22 </dev/null >/dev/null 2>"$WORK/fake.err" &
fakepid=$!
wait_banner
[ "$(stat -c %U "/proc/$fakepid")" = nobody ] || fail "the fake does not run as nobody"
[ "$(cat "/proc/$fakepid/comm")" = sshd ] || fail "the fake is not named sshd"
snapshot a
run_enable
# a round trip through the fake: a SIGHUP sent before it would have been handled by now
wait_banner
[ ! -s "$fake/hup" ] || fail "podpass signalled the fake sshd (pid $fakepid, user nobody): $(tr '\n' ' ' <"$fake/hup")"
assert_unchanged a
refused "$fakepid" nobody
kill "$fakepid"
wait "$fakepid" || true
wait_port_free

step "(b) a copy of sshd (another executable) run by root listens on port 22"
mkdir -p /run/sshd /run/copy
chmod 0755 /run/sshd
ssh-keygen -A >/dev/null
cp "$E2E_SSHD" /run/copy/sshd
/run/copy/sshd -E "$WORK/copy.log" || fail "the copy of sshd did not start"
wait_banner
copypid=$(cat /run/sshd.pid)
# Natively the kernel runs the copy itself; under qemu-user (make check-arm64) it runs
# the emulator, which has the copy mapped from its first byte.
exe=$(readlink "/proc/$copypid/exe")
if [ "$exe" != /run/copy/sshd ] &&
    ! { [[ $exe == */qemu-* ]] && grep -q ' 00000000 .* /run/copy/sshd$' "/proc/$copypid/maps"; }; then
    fail "pid $copypid is not the copy (it runs $exe)"
fi
snapshot b
run_enable
wait_banner
if grep -q 'Received SIGHUP' "$WORK/copy.log"; then
    fail "podpass signalled the copy of sshd (pid $copypid)"
fi
assert_unchanged b
refused "$copypid" root
kill "$copypid"
wait_port_free

step "(c) the real sshd is reloaded and logins work"
start_sshd
pid=$(sshd_listener_pid)
podpass_ok enable --password-stdin <<<"$pw"
assert_sshd_serving "$pid"
login_password root "$pw"
pass
