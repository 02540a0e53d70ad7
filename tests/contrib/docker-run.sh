#!/bin/bash
# The images of contrib/docker/Dockerfile and Dockerfile.baked, run as containers: the image's
# ENTRYPOINT and CMD started like `docker run` does (the image's files, a clean environment
# with the variables given, Docker's default capabilities), then real logins with sshpass.
# Run by docker.sh, which builds the images, with CONTRIB_IMAGE naming the one of the case:
#
#   at-start        (Dockerfile) -e PODPASS_PASSWORD -e PUBLIC_KEY: podpass enable at start,
#                   the password and the key log in, a wrong password does not; the main
#                   process and sshd have no PODPASS_PASSWORD; the password is in no file,
#                   argv, environment or log; docker restart: same again, one block, same keys
#   at-start-hash   (Dockerfile) PODPASS_PASSWORD=HASH PODPASS_ENCRYPTED=yes: the hash as given
#                   in /etc/shadow, the password logs in
#   at-start-nopw   (Dockerfile) no PODPASS_PASSWORD: sshd starts, key login only
#   at-start-bad    (Dockerfile) a password of 7 characters: the container exits with
#                   podpass's status 65, the reason in the log, not the password; no sshd
#   baked           (Dockerfile.baked) no variable: the baked password and a key log in,
#                   host keys made at start; docker restart: the same
#   baked-override  (Dockerfile.baked) PODPASS_PASSWORD given at run: it wins over the baked one
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
contrib_prepare() { # the hash docker.sh baked in (CONTRIB_BAKED_HASH), for the baked cases
    local baked_hash=${CONTRIB_BAKED_HASH:-}
    contrib_vars baked_hash
}
baked_hash=''
contrib_enter "$@"

pw=$CONTRIB_PW
wrong='not-the-Contrib-pw-1'

start_image() { # NAME=VALUE...: the image's ENTRYPOINT and CMD, as docker run starts them
    : >"$CONTRIB_LOG"
    contrib_start "$CONTRIB_LOG" "$@" -- "${img_argv[@]}"
}

assert_as_built() { # SHADOW_FIELD BLOCK(yes|no)
    local keys
    keys=$(find /etc/ssh -maxdepth 1 -name 'ssh_host_*' | tr '\n' ' ')
    [ -z "$keys" ] || fail "the image carries host keys: $keys"
    assert_no_sshd
    [ "$(shadow_field root)" = "$1" ] || fail "root's hash in the image is not $1"
    if [ "$2" = yes ]; then contrib_one_block; else
        ! grep -qxF -- "$E2E_BEGIN_MARK" "$E2E_SSHD_CONFIG" || fail "the image has a managed block"
    fi
    echo "    the image as built: no host key, no sshd, root's hash as expected, block: $2"
}

assert_sshd_clean() { # every sshd: no PODPASS_PASSWORD in its environment
    local p
    for p in $(pgrep -x sshd); do contrib_assert_env_clean "$p" PODPASS_PASSWORD; done
}

status_says_login() {
    expect_exit 0 "$PODPASS" status --json
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["password_login"] is True and d["sshd_running"] is True else 1)' \
        "$WORK/last.out" || fail "podpass status --json does not say password_login and sshd_running: $(cat "$WORK/last.out")"
    echo "    podpass status --json: password_login true, sshd_running true"
}

hostkeys_sum() { cat /etc/ssh/ssh_host_*_key.pub | sha256sum; }

case ${1:?case} in
at-start)
    step "the image as built"
    assert_as_built '*' no

    step "docker run -e PODPASS_PASSWORD -e PUBLIC_KEY: the start runs podpass enable, then the CMD"
    key=$(contrib_client_key)
    start_image "PODPASS_PASSWORD=$pw" "PUBLIC_KEY=$key"
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    assert_log_has "password login for 'root' is on"
    [ -f /etc/ssh/ssh_host_ed25519_key ] || fail "no host key made at start"
    keys_before=$(hostkeys_sum)
    wait_banner
    login_password root "$pw"
    login_password_fails root "$wrong"
    login_key root
    contrib_one_block
    status_says_login
    contrib_assert_env_clean "$CONTRIB_PID" PODPASS_PASSWORD
    assert_sshd_clean
    contrib_assert_hidden "the password" "$(contrib_pattern "$pw")"

    step "docker restart: the same start again on the same files"
    contrib_stop
    start_image "PODPASS_PASSWORD=$pw" "PUBLIC_KEY=$key"
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    login_password root "$pw"
    login_password_fails root "$wrong"
    login_key root
    contrib_one_block
    [ "$(hostkeys_sum)" = "$keys_before" ] || fail "the host keys changed on restart"
    echo "    the host keys are the ones of the first start"
    [ "$(grep -c contrib-test /root/.ssh/authorized_keys)" = 1 ] || fail "PUBLIC_KEY added twice"
    contrib_assert_hidden "the password" "$(contrib_pattern "$pw")"
    ;;
at-start-hash)
    step "docker run -e PODPASS_PASSWORD=HASH -e PODPASS_ENCRYPTED=yes"
    hash=$(make_hash "$pw")
    start_image "PODPASS_PASSWORD=$hash" PODPASS_ENCRYPTED=yes
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    [ "$(shadow_field root)" = "$hash" ] || fail "root's hash is not the one given"
    echo "    root's hash in /etc/shadow is the one given"
    login_password root "$pw"
    login_password_fails root "$wrong"
    contrib_assert_env_clean "$CONTRIB_PID" PODPASS_PASSWORD PODPASS_ENCRYPTED
    contrib_assert_hidden "the password" "$(contrib_pattern "$pw")"
    ;;
at-start-nopw)
    step "docker run without PODPASS_PASSWORD: sshd with keys only"
    make_client_key root
    start_image
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    [ -f /etc/ssh/ssh_host_ed25519_key ] || fail "no host key made at start"
    wait_banner
    login_key root
    login_password_fails root "$pw"
    ! grep -q '^podpass' "$CONTRIB_LOG" || fail "podpass ran without a password"
    ;;
at-start-bad)
    step "docker run -e PODPASS_PASSWORD=<7 characters>: the container stops with podpass's status"
    short=$CONTRIB_PW_SHORT
    start_image "PODPASS_PASSWORD=$short"
    contrib_wait_exit "$CONTRIB_PID"
    [ "$CONTRIB_RC" = 65 ] || { contrib_show_log; fail "the container ended with $CONTRIB_RC, not podpass's 65"; }
    echo "    the container ended with exit status 65"
    assert_log_has "too short"
    assert_no_sshd
    contrib_assert_hidden "the refused password" "$(contrib_pattern "$short")"
    ;;
baked)
    step "the image as built: the baked hash and the block, no host key"
    [ -n "$baked_hash" ] || fail "CONTRIB_BAKED_HASH was not given"
    assert_as_built "$baked_hash" yes

    step "docker run with no variable: the start makes host keys and starts sshd"
    make_client_key root
    start_image
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    [ -f /etc/ssh/ssh_host_ed25519_key ] || fail "no host key made at start"
    wait_banner
    login_password root "$CONTRIB_PW_BAKED"
    login_password_fails root "$wrong"
    login_key root
    status_says_login
    contrib_assert_hidden "the baked password" "$(contrib_pattern "$CONTRIB_PW_BAKED")"

    step "docker restart"
    contrib_stop
    start_image
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    wait_banner
    login_password root "$CONTRIB_PW_BAKED"
    login_key root
    ;;
baked-override)
    step "docker run -e PODPASS_PASSWORD on the baked image: that password wins"
    start_image "PODPASS_PASSWORD=$pw"
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    login_password root "$pw"
    login_password_fails root "$CONTRIB_PW_BAKED"
    contrib_one_block
    contrib_assert_env_clean "$CONTRIB_PID" PODPASS_PASSWORD
    ;;
*) fail "unknown case: $1" ;;
esac
pass
