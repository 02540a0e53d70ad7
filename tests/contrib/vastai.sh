#!/bin/bash
# contrib/vastai/onstart.sh, run as vast.ai runs an on-start script: a stand-in for vast.ai's
# entrypoint (the container's first process, with the instance's environment: the
# template's variables, PUBLIC_IPADDR, VAST_TCP_PORT_22, SSH_PUBLIC_KEY) puts the account's
# key in authorized_keys, in SSH launch mode makes host keys and starts sshd, then runs the
# script, unchanged, as /root/onstart.sh with bash (or sh), its output in the instance's
# log, and sleeps; in the image of contrib/docker/Dockerfile.
#
#   ssh-mode        PODPASS_PASSWORD, sshd already running: podpass reloads it (same
#                   listener); the password and the key log in (the key not added twice), a
#                   wrong password does not; the connect line from PUBLIC_IPADDR and
#                   VAST_TCP_PORT_22; no password file; the password in no file, argv or log,
#                   and in no environment but those vast.ai gives it (its entrypoint, the
#                   sshd it started)
#   jupyter-mode    with sh, no sshd before, no direct port (no VAST_TCP_PORT_22): podpass
#                   starts sshd, the password logs in on the instance's network, and the
#                   log warns that there is no direct port, with no ssh line; also sshd's
#                   environment is clean
#   user-commands   the script with the usual "env >>/etc/environment" added at its end:
#                   PODPASS_PASSWORD is not in /etc/environment
#   no-password     no PODPASS_PASSWORD: the log says key login only, root's password
#                   field and sshd_config stay as they were, no file holds a password, key
#                   login works
#   bad-password    7 characters: refused (exit 65, in the log without the password), the
#                   rest of the script runs, key login works
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
CONTRIB_CASES=(ssh-mode jupyter-mode user-commands no-password bad-password)
contrib_prepare() {
    local onstart
    onstart=$(cat "$CONTRIB_DIR/vastai/onstart.sh") || contrib_host_fail "no contrib/vastai/onstart.sh"
    contrib_vars onstart
}
onstart=''
contrib_enter "$@"

pw=$CONTRIB_PW
wrong='not-the-Contrib-pw-1'
pwfile=/root/.podpass-password
vast_env=(PUBLIC_IPADDR=198.51.100.9 VAST_TCP_PORT_22=41022 CONTAINER_ID=C.4711 VAST_CONTAINERLABEL=C.4711)

# vast.ai's entrypoint, the parts that matter here. VAST_MODE (ssh or jupyter) and
# VAST_SHELL (bash or sh) are the test's, not vast.ai's.
cat >/vast-entrypoint.sh <<'EOF'
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
    echo "vast: sshd started, pid $(cat /run/sshd.pid)"
fi
echo "vast: running /root/onstart.sh"
"$VAST_SHELL" /root/onstart.sh
echo "vast: onstart done, exit $?"
exec sleep infinity
EOF
chmod 0755 /vast-entrypoint.sh
printf '%s\n' "$onstart" >/root/onstart.sh

start_instance() { # MODE SHELL NAME=VALUE...
    local mode=$1 sh=$2
    shift 2
    : >"$CONTRIB_LOG"
    contrib_start "$CONTRIB_LOG" "${vast_env[@]}" "VAST_MODE=$mode" "VAST_SHELL=$sh" "$@" -- /vast-entrypoint.sh
    contrib_wait_log "vast: onstart done"
    echo "    the on-start script ran ($sh, $mode mode)"
}

assert_no_pwfile() {
    if [ -e "$pwfile" ] || [ -e "$pwfile.new" ]; then fail "$pwfile is there, with a password given"; fi
}

case ${1:?case} in
ssh-mode)
    step "SSH launch mode, PODPASS_PASSWORD and SSH_PUBLIC_KEY from the template"
    key=$(contrib_client_key)
    start_instance ssh bash "PODPASS_PASSWORD=$pw" "SSH_PUBLIC_KEY=$key"
    before=$(sed -n 's/^vast: sshd started, pid //p' "$CONTRIB_LOG")
    assert_log_has "password login for 'root' is on"
    assert_log_has "ssh root@198.51.100.9 -p 41022"
    assert_sshd_serving "$before"
    echo "    sshd reloaded, not restarted (listener pid $before)"
    login_password root "$pw"
    login_password_fails root "$wrong"
    login_key root
    [ "$(grep -c contrib-test /root/.ssh/authorized_keys)" = 1 ] || fail "the key is in authorized_keys more than once"
    assert_no_pwfile
    contrib_assert_hidden "the password" "$(contrib_pattern "$pw")" "$CONTRIB_PID" "$before"
    ;;
jupyter-mode)
    step "Jupyter launch mode (no sshd before), no direct port, the script run by sh"
    vast_env=(PUBLIC_IPADDR=198.51.100.9 CONTAINER_ID=C.4711 VAST_CONTAINERLABEL=C.4711)
    start_instance jupyter sh "PODPASS_PASSWORD=$pw"
    wait_banner
    assert_log_has "vast.ai instance has no direct port for sshd"
    ! grep -Eq 'connect: |ssh root@(<this host>|[0-9])' "$CONTRIB_LOG" ||
        fail "podpass printed an ssh line that does not reach the instance: $(grep -E 'connect: |ssh root@' "$CONTRIB_LOG")"
    echo "    no direct port: podpass warns, with no ssh line"
    login_password root "$pw"
    login_password_fails root "$wrong"
    contrib_assert_env_clean "$(sshd_listener_pid)" PODPASS_PASSWORD
    assert_no_pwfile
    contrib_assert_hidden "the password" "$(contrib_pattern "$pw")" "$CONTRIB_PID"
    ;;
user-commands)
    step "the script with the usual vast.ai line added at its end: env >>/etc/environment"
    printf '%s\n' "$onstart" 'env >>/etc/environment' >/root/onstart.sh
    start_instance ssh bash "PODPASS_PASSWORD=$pw"
    grep -q '^CONTAINER_ID=' /etc/environment || fail "the added line did not run"
    ! grep -q PODPASS_PASSWORD /etc/environment || fail "PODPASS_PASSWORD is in /etc/environment"
    echo "    /etc/environment: the instance's variables, not PODPASS_PASSWORD"
    login_password root "$pw"
    contrib_assert_hidden "the password" "$(contrib_pattern "$pw")" "$CONTRIB_PID" "$(sed -n 's/^vast: sshd started, pid //p' "$CONTRIB_LOG")"
    ;;
no-password)
    step "no PODPASS_PASSWORD: nothing changes, key login only"
    key=$(contrib_client_key)
    before_field=$(shadow_field root)
    before_cfg=$(sha256sum <"$E2E_SSHD_CONFIG")
    start_instance ssh bash "SSH_PUBLIC_KEY=$key"
    assert_log_has "no PODPASS_PASSWORD in the template: key login only"
    assert_log_has "vast: onstart done, exit 0"
    [ "$(shadow_field root)" = "$before_field" ] || fail "root's password field changed"
    [ "$(sha256sum <"$E2E_SSHD_CONFIG")" = "$before_cfg" ] || fail "sshd_config changed"
    assert_no_pwfile
    login_key root
    echo "    root's password field and sshd_config unchanged; key login works"
    ;;
bad-password)
    step "a password of 7 characters: refused, the rest of the script runs"
    short=$CONTRIB_PW_SHORT
    key=$(contrib_client_key)
    start_instance ssh bash "PODPASS_PASSWORD=$short" "SSH_PUBLIC_KEY=$key"
    assert_log_has "too short"
    assert_log_has "password login NOT turned on (exit 65)"
    assert_log_has "vast: onstart done, exit 0"
    login_key root
    login_password_fails root "$short"
    assert_no_pwfile
    ! grep -qF -f "$(contrib_pattern "$short")" "$CONTRIB_LOG" || fail "the refused password is in the log"
    ;;
*) fail "unknown case: $1" ;;
esac
pass
