#!/bin/bash
# Pods run their start command on every start: a second enable with the same options
# finds its block and changes nothing in sshd_config (byte-identical), there is exactly
# one block, and only the second password works.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw1='run-Twice-first-pw-4410'
pw2='run-Twice-second-pw-9023'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"

step "first enable (sshd not running)"
podpass_ok enable --password-stdin <<<"$pw1"
wait_banner
assert_block "$WORK/sshd_config.orig"
sum1=$(sha256sum <"$E2E_SSHD_CONFIG")
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.first"
login_password root "$pw1"
pid1=$(sshd_listener_pid)
snapshot first

step "second enable, same options, another password"
podpass_ok enable --password-stdin <<<"$pw2"
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
