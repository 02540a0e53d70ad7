#!/usr/bin/env bash
# The password never reaches a child's environment, a message (even with
# -vv) or /proc/PID/environ; it is held in locked memory; the process cannot
# dump core. sshd and ssh-keygen are wrapped in the namespace to record the
# environment podpass gives them.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='secrets-Env-pw-8841'
make_client_key root
rm -f /etc/ssh/ssh_host_*

step "wrappers that record the environment of sshd and ssh-keygen"
mkdir -p "$WORK/env"
cat >"$WORK/sshd-wrap" <<WRAP
#!/bin/sh
env >"$WORK/env/sshd.\$\$"
exec /usr/sbin/sshd "\$@"
WRAP
cp /usr/bin/ssh-keygen "$WORK/ssh-keygen.real"
cat >"$WORK/keygen-wrap" <<WRAP
#!/bin/sh
env >"$WORK/env/ssh-keygen.\$\$"
exec "$WORK/ssh-keygen.real" "\$@"
WRAP
chmod 0755 "$WORK/sshd-wrap" "$WORK/keygen-wrap"
mount --bind "$WORK/keygen-wrap" /usr/bin/ssh-keygen

step "PODPASS_PASSWORD=... podpass enable -vv, sshd stopped, no host keys"
PODPASS_PASSWORD=$pw podpass_ok enable -vv --sshd "$WORK/sshd-wrap" </dev/null
login_password root "$pw"
n_sshd=$(find "$WORK/env" -name 'sshd.*' | wc -l)
n_keygen=$(find "$WORK/env" -name 'ssh-keygen.*' | wc -l)
[ "$n_sshd" -ge 2 ] || fail "sshd was run $n_sshd times through the wrapper; want the checks and the start"
[ "$n_keygen" -ge 1 ] || fail "ssh-keygen was not run through the wrapper"
if grep -l -e PODPASS_PASSWORD -e "$pw" "$WORK"/env/*; then fail "a child got the password in its environment"; fi
for f in "$WORK"/env/*; do
    grep -qv '^PATH=' "$f" && { grep -v '^PATH=\|^PWD=\|^SHLVL=\|^_=' "$f" | grep -q . && fail "a child got more than PATH: $(cat "$f")"; }
done
echo "    $n_sshd sshd and $n_keygen ssh-keygen runs got an environment of PATH only"
hash=$(shadow_field root)
for f in "$WORK/last.out" "$WORK/last.err"; do
    if grep -qF -- "$pw" "$f"; then fail "the password appears in podpass's output ($f)"; fi
    if grep -qF -- "$hash" "$f"; then fail "the hash appears in podpass's output ($f)"; fi
    if grep -qF -- "${hash%\$*}" "$f"; then fail "the hash's salt appears in podpass's output ($f)"; fi
done
echo "    neither the password nor its hash in $(wc -l <"$WORK/last.err") lines of -vv output"

step "while podpass waits for the password: not in /proc/PID/environ, memory locked, no core"
mkfifo "$WORK/fifo"
PODPASS_PASSWORD=$pw "$PODPASS" enable --password-stdin <"$WORK/fifo" >"$WORK/w.out" 2>"$WORK/w.err" &
ppid=$!
exec 3>"$WORK/fifo"
i=0
if grep -qa __asan_init "$PODPASS"; then
    # An ASan build (configure --enable-sanitizers) cannot lock memory: ASan's mlock
    # does nothing. There, wait until podpass blocks reading the fifo instead.
    until case $(cat "/proc/$ppid/wchan" 2>/dev/null) in *pipe_read) true ;; *) false ;; esac; do
        i=$((i + 1))
        [ "$i" -lt 200 ] || fail "podpass never waited for the password on the fifo"
        sleep 0.05
    done
else
    until [ "$(awk '/^VmLck:/ { print $2 }' "/proc/$ppid/status" 2>/dev/null || echo 0)" -gt 0 ]; do
        i=$((i + 1))
        [ "$i" -lt 100 ] || fail "podpass never locked memory for the password (VmLck stays 0)"
        sleep 0.05
    done
fi
if tr '\0' '\n' <"/proc/$ppid/environ" | grep -q -e PODPASS_PASSWORD -e "$pw"; then
    fail "the password is still in /proc/$ppid/environ while podpass runs"
fi
grep -Eq '^Max core file size +0 +0' "/proc/$ppid/limits" || fail "podpass may dump core: $(grep core "/proc/$ppid/limits")"
echo "    VmLck $(awk '/^VmLck:/ { print $2, $3 }' "/proc/$ppid/status"), environ clean, core size 0"
printf '%s\n' 'secrets-Fifo-pw-8842' >&3
exec 3>&-
rc=0
wait "$ppid" || rc=$?
[ "$rc" = 0 ] || fail "podpass with the password from the fifo exited $rc: $(cat "$WORK/w.err")"
login_password root 'secrets-Fifo-pw-8842'
pass
