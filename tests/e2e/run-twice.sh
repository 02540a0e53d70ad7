#!/bin/bash
# Pods run their start command on every start: a second enable with the same options
# finds its block and changes nothing in sshd_config (byte-identical), there is exactly
# one block, and only the second password works. The order of the writes: on the first
# run root's password field is '*' (no password matches it), so /etc/shadow is written
# after sshd's start; on the second root has the first password, so the new one is in
# /etc/shadow before sshd is reloaded (sshd never takes the old one meanwhile).
# The second run's config is unchanged, so one sshd run checks it.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw1='run-Twice-first-pw-4410'
pw2='run-Twice-second-pw-9023'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"

# log_before A B: podpass's last stderr has a line matching A before one matching B.
log_before() {
    local a b
    a=$(grep -n -m1 -E -- "$1" "$WORK/last.err" | cut -d: -f1)
    b=$(grep -n -m1 -E -- "$2" "$WORK/last.err" | cut -d: -f1)
    if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -ge "$b" ]; then
        fail "podpass -v: expected '$1' (line ${a:-none}) before '$2' (line ${b:-none})"
    fi
}

step "first enable (sshd not running)"
[ "$(shadow_field root)" = '*' ] || fail "setup: root's password field is not '*'"
podpass_ok enable -v --password-stdin <<<"$pw1"
log_before 'writing /etc/ssh/sshd_config' 'starting sshd'
log_before 'starting sshd' 'writing /etc/shadow$'
wait_banner
assert_block "$WORK/sshd_config.orig"
sum1=$(sha256sum <"$E2E_SSHD_CONFIG")
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.first"
login_password root "$pw1"
pid1=$(sshd_listener_pid)
snapshot first

step "second enable, same options, another password"
podpass_ok enable -vv --password-stdin <<<"$pw2"
log_before 'writing /etc/shadow$' 'reloading sshd'
# the config it plans is the one there: one sshd run judges it (two on the first run)
runs=$(grep -c 'debug: running .*sshd$' "$WORK/last.err" || true)
[ "$runs" = 1 ] || fail "the second run ran sshd $runs times to check an unchanged config, not once"
sum2=$(sha256sum <"$E2E_SSHD_CONFIG")
[ "$sum1" = "$sum2" ] || {
    diff -u "$WORK/sshd_config.first" "$E2E_SSHD_CONFIG" | head -n 20 | sed -e 's/^/      /' >&2 || true
    fail "sshd_config changed on the second run"
}
echo "    sshd_config byte-identical after the second run"
assert_block "$WORK/sshd_config.orig"
assert_no_stray first
assert_sshd_serving "$pid1"

step "only the second password works; keys still work"
login_password root "$pw2"
login_key root
login_password_fails root "$pw1"
pass
