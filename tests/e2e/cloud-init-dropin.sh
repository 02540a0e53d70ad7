#!/bin/bash
# Ubuntu cloud images ship /etc/ssh/sshd_config.d/50-cloud-init.conf with
# "PasswordAuthentication no", included before anything else in the main file. With sshd
# running, enable must win over it: password login and key login both work.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
e2e_dropins # the drop-ins below take effect (upstream sshd_config: no Include)

pw='cloud-Init-dropin-pw-7730'
dropin=/etc/ssh/sshd_config.d/50-cloud-init.conf
printf 'PasswordAuthentication no\n' >"$dropin"
chmod 0600 "$dropin"
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
cp -p "$dropin" "$WORK/dropin.orig"

step "sshd running with the cloud-init drop-in"
start_sshd
login_key root
# Before podpass, a password login is refused even with the password set.
set_password root "$pw"
login_password_fails root "$pw"
usermod -p '*' root
snapshot before

step "podpass enable --password-stdin"
podpass_ok enable --password-stdin <<<"$pw"

step "logins after enable"
assert_block "$WORK/sshd_config.orig"
cmp -s "$dropin" "$WORK/dropin.orig" || fail "podpass changed $dropin; it must only add its block to the main file"
assert_no_stray before
login_password root "$pw"
login_key root
pass
