#!/bin/bash
# contrib/runpod/start-command, run as RunPod runs a template's Container Start Command: the
# line split into words as a shell would (it must be one line, pasted as it is), as the
# container's command (podman run --entrypoint with those words) with the environment
# RunPod gives (RUNPOD_POD_ID, RUNPOD_PUBLIC_IP with RUNPOD_TCP_PORT_22 when TCP port 22 is
# exposed, PUBLIC_KEY, the template's variables), in an image of contrib/docker/Dockerfile
# plus a stand-in for RunPod's /start.sh that does what RunPod's own does: under set -e,
# when PUBLIC_KEY is set, it appends it to authorized_keys (at every start), makes the
# missing host keys one type at a time, DSA included (ssh-keygen -t dsa, which OpenSSH 9.8
# and later no longer knows: there the script dies), and runs "service ssh start"; then it
# writes /etc/rp_environment from the environment and sleeps.
#
#   template-var    PODPASS_PASSWORD and PUBLIC_KEY, port 22 exposed: the password and the
#                   key log in through the published port, a wrong password does not;
#                   podpass prints RunPod's connect line; the password in no file
#                   (/etc/rp_environment included), argv, environment or log; restarted:
#                   the same, one block, the key appended again, rp_environment rewritten
#   secret-var      RUNPOD_SECRET_podpass only, no PUBLIC_KEY (/start.sh starts no sshd),
#                   port 22 not exposed: podpass's sshd lets the password in; the log warns
#                   that RunPod's proxy takes keys only, with no ssh line
#   no-dsa          an ssh-keygen without DSA (OpenSSH 9.8 and later): /start.sh dies, the
#                   pod stays up, the password and the key log in
#   no-password     neither: key login works, password login does not, the log says why
#   bad-password    7 characters: podpass refuses (65, in the log without the password),
#                   the pod starts anyway, key login works
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
contrib_begin runpod
pw=$CONTRIB_PW
secret_names=(PODPASS_PASSWORD RUNPOD_SECRET_podpass)

file=$CONTRIB_DIR/runpod/start-command
if [ "$(grep -c . "$file")" != 1 ] || [ "$(wc -l <"$file")" != 1 ]; then
    fail "$file must be exactly one line (it is pasted into one field)"
fi
mapfile -d '' -t start_argv < <(python3 -c '
import shlex, sys
for w in shlex.split(open(sys.argv[1]).read()):
    sys.stdout.write(w + "\0")' "$file")
[ "${#start_argv[@]}" -gt 0 ] || fail "$file is empty"

# The image: contrib/docker/Dockerfile's, with RunPod's /start.sh (the parts that matter).
mkdir -p "$WORK/ctx"
cat >"$WORK/ctx/start.sh" <<'SH'
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
SH
# ssh-keygen as OpenSSH 9.8 and later builds it: no DSA.
cat >"$WORK/ctx/ssh-keygen" <<'SH'
#!/bin/sh
prev=
for a in "$@"; do
    case "$prev$a" in -tdsa) echo "unknown key type dsa" >&2; exit 255 ;; esac
    prev=$a
done
exec /usr/bin/ssh-keygen.with-dsa "$@"
SH
printf 'FROM %s\nCOPY --chmod=0755 start.sh /start.sh\n' "$CONTRIB_IMAGE" >"$WORK/ctx/Containerfile"
printf 'FROM localhost/podpass-test/runpod\nRUN mv /usr/bin/ssh-keygen /usr/bin/ssh-keygen.with-dsa\nCOPY --chmod=0755 ssh-keygen /usr/bin/ssh-keygen\n' >"$WORK/ctx/Containerfile.nodsa"
podman build --pull=never -q -t localhost/podpass-test/runpod "$WORK/ctx" >/dev/null || fail "the RunPod image did not build"
podman build --pull=never -q -f "$WORK/ctx/Containerfile.nodsa" -t localhost/podpass-test/runpod-nodsa "$WORK/ctx" >/dev/null ||
    fail "the RunPod image without DSA did not build"
echo "    images: contrib/docker/Dockerfile's with RunPod's /start.sh, and one whose ssh-keygen has no DSA"

runpod_env=(-e RUNPOD_POD_ID=contrib7test -e RUNPOD_GPU_COUNT=1 -e JUPYTER_PASSWORD=)
runpod_tcp=(-e RUNPOD_PUBLIC_IP=203.0.113.7 -e RUNPOD_TCP_PORT_22=40022)

start_pod() { # IMAGE PODMAN_RUN_ARGS...: the start command as the container's command
    local img=$1
    shift
    ct_run "${runpod_env[@]}" "$@" --entrypoint "${start_argv[0]}" "$img" "${start_argv[@]:1}"
}

assert_clean() { # PASSWORD
    local p n
    for p in $(ct_sshd_pids) $(ct_exec pgrep -f /start.sh) $(ct_exec pgrep -x sleep); do
        ct_env_clean "$p" "${secret_names[@]}"
    done
    ct_exec grep -q '^export RUNPOD_POD_ID=' /etc/rp_environment || fail "the stand-in /start.sh wrote no /etc/rp_environment"
    for n in "${secret_names[@]}"; do
        ! ct_exec grep -q "$n" /etc/rp_environment || fail "$n is in /etc/rp_environment"
    done
    echo "    /etc/rp_environment: none of ${secret_names[*]}"
    ct_hidden "the password" "$1" ''
    ct_argv_clean "$CONTRIB_PW" "$CONTRIB_PW_SHORT"
}

ct_case template-var
PODPASS_PASSWORD=$pw PUBLIC_KEY=$CONTRIB_KEY start_pod localhost/podpass-test/runpod "${runpod_tcp[@]}" \
    -e PODPASS_PASSWORD -e PUBLIC_KEY
ct_wait_log "pod is ready to use"
ct_assert_log "password login for 'root' is on"
ct_assert_log "ssh root@203.0.113.7 -p 40022"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_login_key
ct_one_block
assert_clean "$pw"
keys_before=$(ct_exec grep -c contrib-test /root/.ssh/authorized_keys)
ct_exec sh -c 'printf "export STALE_FROM_LAST_START=1\n" >>/etc/rp_environment'
step "restarted"
ct_restart
ct_wait_log "pod is ready to use"
ct_login_pw "$pw"
ct_login_key
ct_one_block
assert_clean "$pw"
[ "$(ct_exec grep -c contrib-test /root/.ssh/authorized_keys)" -gt "$keys_before" ] ||
    fail "the stand-in /start.sh did not append PUBLIC_KEY again"
! ct_exec grep -q STALE_FROM_LAST_START /etc/rp_environment || fail "/etc/rp_environment was not rewritten"
echo "    PUBLIC_KEY appended again, /etc/rp_environment rewritten"

ct_case secret-var
RUNPOD_SECRET_podpass=$pw start_pod localhost/podpass-test/runpod -e RUNPOD_SECRET_podpass
ct_wait_log "pod is ready to use"
! ct_logs | grep -q 'Setting up SSH' || fail "/start.sh set up SSH without PUBLIC_KEY"
ct_assert_log "RunPod's SSH proxy (ssh.runpod.io) takes keys only"
ct_assert_log "expose TCP port 22 in the template"
! ct_logs | grep -Eq 'connect: |ssh root@(<this host>|[0-9])' || fail "podpass printed an ssh line that does not reach the pod"
echo "    no TCP port 22: podpass warns, with no ssh line"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
assert_clean "$pw"

ct_case no-dsa
PODPASS_PASSWORD=$pw PUBLIC_KEY=$CONTRIB_KEY start_pod localhost/podpass-test/runpod-nodsa "${runpod_tcp[@]}" \
    -e PODPASS_PASSWORD -e PUBLIC_KEY
ct_wait_log "podpass: /start.sh failed (exit 255"
ct_assert_log "unknown key type dsa"
! ct_logs | grep -q "pod is ready to use" || fail "the stand-in /start.sh did not die"
ct_running || fail "the pod did not stay up"
echo "    /start.sh died at ssh-keygen -t dsa; the pod stays up"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_login_key
ct_hidden "the password" "$pw" ''

ct_case no-password
PUBLIC_KEY=$CONTRIB_KEY start_pod localhost/podpass-test/runpod "${runpod_tcp[@]}" -e PUBLIC_KEY
ct_wait_log "pod is ready to use"
ct_assert_log "password login stays off"
ct_login_key
ct_login_pw_fails "$pw"

ct_case bad-password
PODPASS_PASSWORD=$CONTRIB_PW_SHORT PUBLIC_KEY=$CONTRIB_KEY start_pod localhost/podpass-test/runpod "${runpod_tcp[@]}" \
    -e PODPASS_PASSWORD -e PUBLIC_KEY
ct_wait_log "pod is ready to use"
ct_assert_log "too short"
ct_assert_log "password login NOT turned on (exit 65)"
ct_login_key
ct_login_pw_fails "$CONTRIB_PW_SHORT"
ct_hidden "the refused password" "$CONTRIB_PW_SHORT" ''
contrib_end
