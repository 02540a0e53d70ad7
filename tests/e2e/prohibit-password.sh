#!/bin/bash
# "PermitRootLogin prohibit-password" in the main file (Debian's default, spelled out):
# before podpass a password login as root is refused even with password authentication
# on and a password set; after enable both password and key login work.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='prohibit-Password-pw-5519'
printf '\nPermitRootLogin prohibit-password\nPasswordAuthentication yes\n' >>"$E2E_SSHD_CONFIG"
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"

step "sshd running, root has a password, PermitRootLogin prohibit-password"
start_sshd
set_password root "$pw"
login_password_fails root "$pw"
login_key root
snapshot before

step "podpass enable --password-stdin"
podpass_ok enable --password-stdin <<<"$pw"

step "logins after enable"
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
login_password root "$pw"
login_key root
pass
