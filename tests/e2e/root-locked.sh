#!/bin/bash
# root's password is locked (usermod -L: a "!" in front of the hash): enable sets a usable
# password; password login works with it (the old one does not), key login works (before
# enable too where sshd uses PAM; an sshd without PAM refuses a locked account any login).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

old='root-Locked-old-pw-1187'
pw='root-Locked-new-pw-2290'
make_client_key root
set_password root "$old"
usermod -L root
case $(shadow_field root) in
!*) ;;
*) fail "setup: usermod -L did not lock root: $(shadow_field root | cut -c1-3)..." ;;
esac
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"

step "sshd running, root locked"
start_sshd
# With PAM, sshd leaves a locked password to PAM's password check and keys still log in;
# without (upstream's default UsePAM no, or no PAM at all), sshd refuses a locked
# account any login.
settings=$("$E2E_SSHD" -T -C user=root,host=client,addr=127.0.0.1)
if grep -qix 'usepam yes' <<<"$settings"; then
    login_key root
else
    login_key_fails root
fi
snapshot before

step "podpass enable --password-stdin"
podpass_ok enable --password-stdin <<<"$pw"

step "root unlocked with the new password, logins work"
case $(shadow_field root) in
'' | '!'* | '*'*) fail "root's shadow entry is still unusable after enable: $(shadow_field root | cut -c1-3)..." ;;
esac
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
login_password root "$pw"
login_key root
login_password_fails root "$old"
pass
