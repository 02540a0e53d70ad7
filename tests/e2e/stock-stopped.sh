#!/bin/bash
# Stock Debian sshd_config, sshd not running: enable (password on stdin) starts sshd;
# password login and key login both work.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='stock-Stopped-pw-4821'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
assert_no_sshd
snapshot before

step "podpass enable --password-stdin, sshd not running"
podpass_ok enable --password-stdin <<<"$pw"
last_stderr_has 'connect' || fail "no connect line on stderr"

step "sshd runs, the config has the block, logins work"
wait_banner
sshd_listener_pid >/dev/null
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
login_password root "$pw"
login_key root
login_password_fails root 'not-the-password-123'
pass
