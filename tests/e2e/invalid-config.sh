#!/bin/bash
# sshd_config already broken (an unknown keyword) while sshd serves with its earlier,
# valid configuration: enable refuses with 78, names the file and the line, changes no
# file and does not disturb the running sshd.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='invalid-Config-pw-8812'
make_client_key root

step "sshd running with the stock config, then a bad line is added to the file"
start_sshd
pid=$(sshd_listener_pid)
printf 'Bogus yes\n' >>"$E2E_SSHD_CONFIG"
bad_line=$(wc -l <"$E2E_SSHD_CONFIG")
if "$E2E_SSHD" -t >/dev/null 2>&1; then fail "setup: sshd -t accepts the bad line"; fi
snapshot before

step "podpass enable refuses"
expect_exit 78 "$PODPASS" enable --password-stdin <<<"$pw"
assert_names_line "$E2E_SSHD_CONFIG" "$bad_line"
assert_unchanged before

step "sshd still serves as before"
assert_sshd_serving "$pid"
login_key root
login_password_fails root "$pw"
pass
