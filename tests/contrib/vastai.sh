#!/bin/bash
# contrib/vastai/onstart.sh, run as vast.ai runs an on-start script: a stand-in for vast.ai's
# entrypoint (the container's command, podman run --entrypoint, with the instance's
# environment: PUBLIC_IPADDR, VAST_TCP_PORT_22, SSH_PUBLIC_KEY, the template's variables)
# puts the account's key in authorized_keys, in SSH launch mode makes host keys and starts
# sshd, then runs the script, unchanged, as /root/onstart.sh with bash (or sh), and sleeps;
# in an image of contrib/docker/Dockerfile plus that entrypoint and script.
#
#   ssh-mode        PODPASS_PASSWORD, sshd already running: podpass reloads it (same
#                   listener); the password and the key log in through the published port
#                   (the key not added twice), a wrong password does not; the connect line;
#                   no password file; the password in no file, argv or log, and in no
#                   environment but those vast.ai gives it (its entrypoint, its sshd)
#   jupyter-mode    with sh, no sshd before, no VAST_TCP_PORT_22: podpass starts sshd, the
#                   password logs in; the log warns that there is no direct port, with no
#                   ssh line; sshd's environment is clean
#   user-commands   the script with "env >>/etc/environment" added: PODPASS_PASSWORD is not
#                   in /etc/environment
#   no-password     no PODPASS_PASSWORD: the log says key login only, root's password field
#                   and sshd_config as in the image, key login works
#   bad-password    7 characters: refused (65, in the log without the password), the rest
#                   of the script runs, key login works
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
contrib_begin vastai
pw=$CONTRIB_PW
pwfile=/root/.podpass-password

mkdir -p "$WORK/ctx"
cat >"$WORK/ctx/vast-entrypoint.sh" <<'SH'
#!/bin/bash
mkdir -p /root/.ssh
chmod 700 /root/.ssh
if [ -n "${SSH_PUBLIC_KEY:-}" ]; then
    echo "$SSH_PUBLIC_KEY" >>/root/.ssh/authorized_keys
    chmod 600 /root/.ssh/authorized_keys
fi
if [ "$VAST_MODE" = ssh ]; then
    ssh-keygen -A >/dev/null
    mkdir -p /run/sshd
    /usr/sbin/sshd
    # sshd's parent returns before its daemon writes the pid file: wait for it (10 s).
    i=0
    while [ ! -s /run/sshd.pid ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    echo "vast: sshd started, pid $(cat /run/sshd.pid)"
fi
echo "vast: running /root/onstart.sh"
"$VAST_SHELL" /root/onstart.sh
echo "vast: onstart done, exit $?"
exec sleep infinity
SH
cp -- "$CONTRIB_DIR/vastai/onstart.sh" "$WORK/ctx/onstart.sh"
{ cat "$CONTRIB_DIR/vastai/onstart.sh"; echo 'env >>/etc/environment'; } >"$WORK/ctx/onstart-env.sh"
cat >"$WORK/ctx/Containerfile" <<CF
FROM $CONTRIB_IMAGE
COPY --chmod=0755 vast-entrypoint.sh /vast-entrypoint.sh
COPY onstart.sh onstart-env.sh /root/
CF
podman build --pull=never -q -t localhost/podpass-test/vastai "$WORK/ctx" >/dev/null || fail "the vast.ai image did not build"
echo "    image: contrib/docker/Dockerfile's with vast.ai's entrypoint and contrib/vastai/onstart.sh"

vast_env=(-e PUBLIC_IPADDR=198.51.100.9 -e CONTAINER_ID=C.4711 -e VAST_CONTAINERLABEL=C.4711)

start_instance() { # MODE SHELL PODMAN_RUN_ARGS...
    local mode=$1 sh=$2
    shift 2
    ct_run "${vast_env[@]}" -e "VAST_MODE=$mode" -e "VAST_SHELL=$sh" "$@" \
        --entrypoint /vast-entrypoint.sh localhost/podpass-test/vastai
    ct_wait_log "vast: onstart done"
    echo "    the on-start script ran ($sh, $mode mode)"
}

no_pwfile() {
    ! ct_exec test -e "$pwfile" || fail "$pwfile is there"
}

ct_case ssh-mode
PODPASS_PASSWORD=$pw SSH_PUBLIC_KEY=$CONTRIB_KEY start_instance ssh bash -e VAST_TCP_PORT_22=41022 \
    -e PODPASS_PASSWORD -e SSH_PUBLIC_KEY
before=$(ct_logs | sed -n 's/^vast: sshd started, pid //p')
ct_assert_log "password login for 'root' is on"
ct_assert_log "ssh root@198.51.100.9 -p 41022"
[ -n "$before" ] || { ct_show_log; fail "the stand-in entrypoint logged no sshd pid"; }
after=$(ct_exec cat /run/sshd.pid)
[ "$after" = "$before" ] || { ct_show_log; fail "sshd was restarted, not reloaded (listener pid $before, now $after)"; }
echo "    sshd reloaded, not restarted (listener pid $before)"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_login_key
[ "$(ct_exec grep -c contrib-test /root/.ssh/authorized_keys)" = 1 ] || fail "the key is in authorized_keys more than once"
no_pwfile
ct_hidden "the password" "$pw" '' "$(ct_exec pgrep -o -f /vast-entrypoint.sh || ct_exec pgrep -o -x sleep)" "$before"
ct_argv_clean "$pw"

ct_case jupyter-mode
PODPASS_PASSWORD=$pw start_instance jupyter sh -e PODPASS_PASSWORD
ct_assert_log "vast.ai instance has no direct port for sshd"
! ct_logs | grep -Eq 'connect: |ssh root@(<this host>|[0-9])' || fail "podpass printed an ssh line that does not reach the instance"
echo "    no direct port: podpass warns, with no ssh line"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_env_clean "$(ct_exec cat /run/sshd.pid)" PODPASS_PASSWORD
no_pwfile
ct_hidden "the password" "$pw" '' "$(ct_exec pgrep -o -x sleep)"
ct_argv_clean "$pw"

ct_case user-commands
ct_run "${vast_env[@]}" -e VAST_TCP_PORT_22=41022 -e VAST_MODE=ssh -e VAST_SHELL=bash -e "PODPASS_PASSWORD=$pw" \
    --entrypoint /bin/sh localhost/podpass-test/vastai -c 'cp /root/onstart-env.sh /root/onstart.sh && exec /vast-entrypoint.sh'
ct_wait_log "vast: onstart done"
ct_exec grep -q '^CONTAINER_ID=' /etc/environment || fail "the added line did not run"
! ct_exec grep -q PODPASS_PASSWORD /etc/environment || fail "PODPASS_PASSWORD is in /etc/environment"
echo "    /etc/environment: the instance's variables, not PODPASS_PASSWORD"
ct_login_pw "$pw"

ct_case no-password
SSH_PUBLIC_KEY=$CONTRIB_KEY start_instance ssh bash -e VAST_TCP_PORT_22=41022 -e SSH_PUBLIC_KEY
ct_assert_log "no PODPASS_PASSWORD in the template: key login only"
ct_assert_log "vast: onstart done, exit 0"
[ "$(ct_root_hash)" = '*' ] || fail "root's password field changed"
! ct_exec grep -q '^# BEGIN podpass block' /etc/ssh/sshd_config || fail "sshd_config changed"
no_pwfile
ct_login_key
ct_login_pw_fails "$pw"
echo "    root's password field and sshd_config as in the image; key login works"

ct_case bad-password
PODPASS_PASSWORD=$CONTRIB_PW_SHORT SSH_PUBLIC_KEY=$CONTRIB_KEY start_instance ssh bash -e VAST_TCP_PORT_22=41022 \
    -e PODPASS_PASSWORD -e SSH_PUBLIC_KEY
ct_assert_log "too short"
ct_assert_log "password login NOT turned on (exit 65)"
ct_assert_log "vast: onstart done, exit 0"
ct_login_key
ct_login_pw_fails "$CONTRIB_PW_SHORT"
no_pwfile
! ct_logs | grep -qF -- "$CONTRIB_PW_SHORT" || fail "the refused password is in the log"
contrib_end
