#!/bin/bash
# contrib/runpod/start-command, run as RunPod runs a template's Container Start Command: the
# line split into words as a shell would (it must be one line, pasted as it is), run as the
# container's first process with the environment RunPod gives (RUNPOD_POD_ID, and
# RUNPOD_PUBLIC_IP with RUNPOD_TCP_PORT_22 when TCP port 22 is exposed, PUBLIC_KEY, the
# template's variables), in the image of contrib/docker/Dockerfile with a stand-in for
# RunPod's /start.sh that does what RunPod's own does: under set -e, when PUBLIC_KEY is
# set, it appends it to authorized_keys (at every start: a restart adds it again), makes
# the missing host keys one type at a time, DSA included (ssh-keygen -t dsa, which OpenSSH
# 9.8 and later no longer knows: there the script dies), and runs "service ssh start";
# then it overwrites /etc/rp_environment with the environment (the RUNPOD_* variables, as
# RunPod's does, and everything else but PUBLIC_KEY, as older versions did) and sleeps.
#
#   template-var    PODPASS_PASSWORD (the template's variable, {{ RUNPOD_SECRET_podpass }})
#                   and PUBLIC_KEY, TCP port 22 exposed: the password and the key log in, a
#                   wrong password does not; podpass prints RunPod's connect line; the
#                   password is in no file (/etc/rp_environment included), argv, environment
#                   or log; podpass status has no warning; the pod restarted: the same, one
#                   managed block, the key appended again, /etc/rp_environment rewritten
#   secret-var      RUNPOD_SECRET_podpass only, no PUBLIC_KEY (so /start.sh starts no sshd),
#                   TCP port 22 not exposed: podpass's sshd lets the password in (on the
#                   pod's network); the log warns that RunPod's proxy takes keys only and
#                   prints no ssh line; the variable is not in rp_environment
#   no-dsa          PODPASS_PASSWORD and PUBLIC_KEY with an ssh-keygen that has no DSA (as
#                   OpenSSH 9.8 and later): /start.sh dies, the pod stays up, the password
#                   and the key log in; the pod restarted: the same
#   no-password     neither: the pod starts, key login works, password login does not, the
#                   log says why
#   bad-password    7 characters: podpass refuses (exit 65, in the log without the password),
#                   the pod starts anyway, key login works
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
CONTRIB_CASES=(template-var secret-var no-dsa no-password bad-password)
contrib_prepare() { # the start command as RunPod's field holds it: one line, split into words
    local file=$CONTRIB_DIR/runpod/start-command
    local -a start_argv=()
    if [ "$(grep -c . "$file")" != 1 ] || [ "$(wc -l <"$file")" != 1 ]; then
        contrib_host_fail "$file must be exactly one line (it is pasted into one field)"
    fi
    mapfile -d '' -t start_argv < <(python3 -c '
import shlex, sys
for w in shlex.split(open(sys.argv[1]).read()):
    sys.stdout.write(w + "\0")' "$file") || contrib_host_fail "$file does not split into words"
    [ "${#start_argv[@]}" -gt 0 ] || contrib_host_fail "$file is empty"
    contrib_vars start_argv
}
start_argv=()
contrib_enter "$@"

pw=$CONTRIB_PW
wrong='not-the-Contrib-pw-1'
secret_names=(PODPASS_PASSWORD RUNPOD_SECRET_podpass)
runpod_env=(RUNPOD_POD_ID=contrib7test RUNPOD_GPU_COUNT=1 JUPYTER_PASSWORD=)
runpod_tcp=(RUNPOD_PUBLIC_IP=203.0.113.7 RUNPOD_TCP_PORT_22=40022)

# RunPod's /start.sh, the parts that matter here.
cat >/start.sh <<'EOF'
#!/bin/bash
set -e
setup_ssh() {
    if [[ $PUBLIC_KEY ]]; then
        echo "Setting up SSH..."
        mkdir -p ~/.ssh
        echo "$PUBLIC_KEY" >>~/.ssh/authorized_keys
        chmod 700 -R ~/.ssh
        if [ ! -f /etc/ssh/ssh_host_rsa_key ]; then
            ssh-keygen -t rsa -f /etc/ssh/ssh_host_rsa_key -q -N ''
        fi
        if [ ! -f /etc/ssh/ssh_host_dsa_key ]; then
            ssh-keygen -t dsa -f /etc/ssh/ssh_host_dsa_key -q -N ''
        fi
        if [ ! -f /etc/ssh/ssh_host_ecdsa_key ]; then
            ssh-keygen -t ecdsa -f /etc/ssh/ssh_host_ecdsa_key -q -N ''
        fi
        if [ ! -f /etc/ssh/ssh_host_ed25519_key ]; then
            ssh-keygen -t ed25519 -f /etc/ssh/ssh_host_ed25519_key -q -N ''
        fi
        service ssh start
    fi
}
export_env_vars() {
    echo "Exporting environment variables..."
    printenv | grep -E '^RUNPOD_|^PATH=|^_=' | awk -F = '{ print "export " $1 "=\"" $2 "\"" }' >/etc/rp_environment
    printenv | grep -v '^PUBLIC_KEY=' | awk -F = '{ print "export " $1 "=\"" $2 "\"" }' >>/etc/rp_environment
    echo 'source /etc/rp_environment' >>~/.bashrc
}
setup_ssh
export_env_vars
echo "Start script(s) finished, pod is ready to use."
sleep infinity
EOF
chmod 0755 /start.sh

start_pod() { # NAME=VALUE...: the start command as the pod's first process
    : >"$CONTRIB_LOG"
    contrib_start "$CONTRIB_LOG" "${runpod_env[@]}" "$@" -- "${start_argv[@]}"
    contrib_wait_log "pod is ready to use"
    echo "    /start.sh says the pod is ready"
}

key_count() { # how many times the test's key is in root's authorized_keys
    grep -c contrib-test /root/.ssh/authorized_keys || true
}

assert_clean() { # VALUE: the secret is nowhere, its variables in no environment or rp_environment
    local p n
    for p in $(pgrep -x sshd) $(pgrep -f /start.sh) $(pgrep -x sleep); do
        contrib_assert_env_clean "$p" "${secret_names[@]}"
    done
    grep -q '^export RUNPOD_POD_ID=' /etc/rp_environment ||
        fail "the stand-in /start.sh wrote no /etc/rp_environment"
    for n in "${secret_names[@]}"; do
        ! grep -q "$n" /etc/rp_environment || fail "$n is in /etc/rp_environment"
    done
    echo "    /etc/rp_environment: none of ${secret_names[*]}"
    contrib_assert_hidden "the password" "$(contrib_pattern "$1")"
    expect_exit 0 "$PODPASS" status
    ! grep -qi 'rp_environment' "$WORK/last.out" "$WORK/last.err" ||
        fail "podpass status warns about /etc/rp_environment: $(cat "$WORK/last.err")"
    echo "    podpass status: no warning about /etc/rp_environment"
}

case ${1:?case} in
template-var)
    step "PODPASS_PASSWORD from the template, PUBLIC_KEY from RunPod"
    key=$(contrib_client_key)
    start_pod "${runpod_tcp[@]}" "PODPASS_PASSWORD=$pw" "PUBLIC_KEY=$key"
    assert_log_has "password login for 'root' is on"
    assert_log_has "ssh root@203.0.113.7 -p 40022"
    [ -f /etc/ssh/ssh_host_dsa_key ] || fail "the stand-in /start.sh made no DSA host key"
    login_password root "$pw"
    login_password_fails root "$wrong"
    login_key root
    contrib_one_block
    assert_clean "$pw"
    keys_before=$(key_count)

    step "the pod restarted"
    contrib_stop
    printf 'export STALE_FROM_LAST_START="1"\n' >>/etc/rp_environment
    start_pod "${runpod_tcp[@]}" "PODPASS_PASSWORD=$pw" "PUBLIC_KEY=$key"
    login_password root "$pw"
    login_key root
    contrib_one_block
    assert_clean "$pw"
    [ "$(key_count)" -gt "$keys_before" ] || fail "the stand-in /start.sh did not append PUBLIC_KEY again"
    ! grep -q STALE_FROM_LAST_START /etc/rp_environment || fail "the stand-in /start.sh did not overwrite /etc/rp_environment"
    echo "    PUBLIC_KEY appended again ($keys_before -> $(key_count) lines), /etc/rp_environment rewritten"
    ;;
secret-var)
    step "RUNPOD_SECRET_podpass only, no PUBLIC_KEY"
    start_pod "RUNPOD_SECRET_podpass=$pw"
    ! grep -q 'Setting up SSH' "$CONTRIB_LOG" || fail "/start.sh set up SSH without PUBLIC_KEY"
    assert_log_has "RunPod's SSH proxy (ssh.runpod.io) takes keys only"
    assert_log_has "expose TCP port 22 in the template"
    ! grep -Eq 'connect: |ssh root@(<this host>|[0-9])' "$CONTRIB_LOG" ||
        fail "podpass printed an ssh line that does not reach the pod: $(grep -E 'connect: |ssh root@' "$CONTRIB_LOG")"
    echo "    no TCP port 22: podpass warns, with no ssh line"
    login_password root "$pw"
    login_password_fails root "$wrong"
    assert_clean "$pw"
    ;;
no-dsa)
    step "an ssh-keygen without DSA (OpenSSH 9.8 and later): /start.sh dies"
    mv /usr/bin/ssh-keygen /usr/bin/ssh-keygen.with-dsa
    cat >/usr/bin/ssh-keygen <<'EOF'
#!/bin/sh
# ssh-keygen as OpenSSH 9.8 and later builds it: no DSA.
prev=
for a in "$@"; do
    case "$prev$a" in -tdsa) echo "unknown key type dsa" >&2; exit 255 ;; esac
    prev=$a
done
exec /usr/bin/ssh-keygen.with-dsa "$@"
EOF
    chmod 0755 /usr/bin/ssh-keygen
    if /usr/bin/ssh-keygen -q -t dsa -N '' -f "$WORK/dsa" 2>/dev/null; then fail "setup: ssh-keygen still makes DSA keys"; fi
    key=$(contrib_client_key)
    for start in first restart; do
        if [ "$start" = restart ]; then
            step "the pod restarted"
            contrib_stop
        fi
        : >"$CONTRIB_LOG"
        contrib_start "$CONTRIB_LOG" "${runpod_env[@]}" "${runpod_tcp[@]}" "PODPASS_PASSWORD=$pw" "PUBLIC_KEY=$key" -- "${start_argv[@]}"
        contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
        assert_log_has "unknown key type dsa"
        assert_log_has "podpass: /start.sh failed (exit 255"
        ! grep -q "pod is ready to use" "$CONTRIB_LOG" || fail "the stand-in /start.sh did not die"
        echo "    /start.sh died at ssh-keygen -t dsa; the pod stays up (pid $CONTRIB_PID sleeps)"
        login_password root "$pw"
        login_password_fails root "$wrong"
        login_key root
        contrib_one_block
        contrib_assert_hidden "the password" "$(contrib_pattern "$pw")"
    done
    ;;
no-password)
    step "no password at all: the pod starts, key login only"
    key=$(contrib_client_key)
    start_pod "${runpod_tcp[@]}" "PUBLIC_KEY=$key"
    assert_log_has "password login stays off"
    login_key root
    login_password_fails root "$pw"
    ;;
bad-password)
    step "a password of 7 characters: refused, and the pod starts anyway"
    short=$CONTRIB_PW_SHORT
    key=$(contrib_client_key)
    start_pod "${runpod_tcp[@]}" "PODPASS_PASSWORD=$short" "PUBLIC_KEY=$key"
    assert_log_has "too short"
    assert_log_has "password login NOT turned on (exit 65)"
    login_key root
    login_password_fails root "$short"
    contrib_assert_hidden "the refused password" "$(contrib_pattern "$short")"
    ;;
*) fail "unknown case: $1" ;;
esac
pass
