#!/bin/bash
# One managed block per user, scoped to that user (a "Match User NAME" section at the end
# of sshd_config). With a drop-in that turns password login off for everyone:
#   root, then alice enabled: both log in by password, root keeps PermitRootLogin yes;
#   bob (a key, a password, no podpass block) keeps PasswordAuthentication no and his
#   password is refused;
#   disable -u alice gives back the file as it was before alice's enable, byte for byte,
#   and root still logs in by password; the same for a file without a final newline;
#   an admin's global AuthenticationMethods publickey,password still holds for bob after
#   alice is enabled, while alice logs in with the password alone;
#   a global AuthenticationMethods publickey does not stop root's block (the block's
#   AuthenticationMethods is one sshd accepts after a global one);
#   the global block of podpass 0.1.0 (written for root, at the top) is converted by
#   enable -u alice: gone, root's and alice's blocks at the end, both log in;
#   a user name that sshd would read as a pattern is refused (65), nothing changed.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
e2e_dropins # the drop-ins below take effect (upstream sshd_config: no Include)

rootpw='per-User-root-pw-5511'
alicepw='per-User-alice-pw-5512'
bobpw='per-User-bob-pw-5513'
for u in alice bob; do
    rmdir "/home/$u" 2>/dev/null || true # an empty stand-in when the host has one
    useradd -m -s /bin/bash "$u"
done
make_client_key root
make_client_key bob
set_password bob "$bobpw"
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.stock"
dropin=/etc/ssh/sshd_config.d/50-cloud-init.conf
mkdir -p /etc/ssh/sshd_config.d
printf 'PasswordAuthentication no\n' >"$dropin"
start_sshd
pid=$(sshd_listener_pid)

effective() { # USER KEYWORD
    "$E2E_SSHD" -T -C "user=$1,host=x,addr=1.2.3.4" | awk -v k="$2" 'tolower($1) == k { $1 = ""; sub(/^ /, ""); print }'
}
reset_config() {
    cp "$WORK/sshd_config.stock" "$E2E_SSHD_CONFIG"
}

[ "$(effective bob passwordauthentication)" = no ] || fail "setup: bob's PasswordAuthentication is not 'no'"
login_key bob
login_password_fails bob "$bobpw"

step "enable root, then alice: both log in by password"
podpass_ok enable --password-stdin <<<"$rootpw"
assert_block "$WORK/sshd_config.stock" root
cp "$E2E_SSHD_CONFIG" "$WORK/before_alice"
podpass_ok enable -u alice --password-stdin <<<"$alicepw"
assert_block "$WORK/sshd_config.stock" root
assert_block "$WORK/sshd_config.stock" alice
block_lines root | grep -qx 'PermitRootLogin yes' || fail "root's block lost 'PermitRootLogin yes'"
if block_lines alice | grep -qi PermitRootLogin; then
    fail "alice's block has a PermitRootLogin line"
fi
assert_sshd_serving "$pid"
[ "$(effective root permitrootlogin)" = yes ] || fail "root's effective PermitRootLogin is '$(effective root permitrootlogin)'"
login_password root "$rootpw"
login_password alice "$alicepw"

step "bob is unchanged: PasswordAuthentication no, his password refused, his key works"
[ "$(effective bob passwordauthentication)" = no ] ||
    fail "bob's effective PasswordAuthentication is '$(effective bob passwordauthentication)' after alice's enable"
login_password_fails bob "$bobpw"
login_key bob

step "enabling alice again changes nothing"
cp "$E2E_SSHD_CONFIG" "$WORK/after_alice"
podpass_ok enable -u alice --password-stdin <<<"$alicepw"
cmp -s "$E2E_SSHD_CONFIG" "$WORK/after_alice" || fail "a second enable -u alice changed sshd_config"

step "disable -u alice: the file before alice's enable, byte for byte; root still logs in"
podpass_ok disable -u alice
cmp -s "$E2E_SSHD_CONFIG" "$WORK/before_alice" || {
    diff -u "$WORK/before_alice" "$E2E_SSHD_CONFIG" | head -n 20 >&2 || true
    fail "sshd_config after disable -u alice differs from before alice's enable"
}
assert_sshd_serving "$pid"
login_password root "$rootpw"
login_password_fails alice "$alicepw"

step "a file without a final newline: disable -u alice gives it back byte for byte"
reset_config
printf 'MaxAuthTries 6' >>"$E2E_SSHD_CONFIG"
cp "$E2E_SSHD_CONFIG" "$WORK/no_newline"
podpass_ok enable -u alice --password-stdin <<<"$alicepw"
assert_block "$WORK/no_newline" alice
login_password alice "$alicepw"
podpass_ok disable -u alice
cmp -s "$E2E_SSHD_CONFIG" "$WORK/no_newline" || fail "disable -u alice did not give back the file without its final newline"
login_password_fails alice "$alicepw"

step "an admin's AuthenticationMethods publickey,password holds for bob after alice's enable"
reset_config
printf '\nAuthenticationMethods publickey,password\n' >>"$E2E_SSHD_CONFIG"
rm -f "$dropin"
cp "$E2E_SSHD_CONFIG" "$WORK/with_methods"
podpass_ok enable -u alice --password-stdin <<<"$alicepw"
assert_block "$WORK/with_methods" alice
[ "$(effective bob authenticationmethods)" = publickey,password ] ||
    fail "bob's effective AuthenticationMethods is '$(effective bob authenticationmethods)'"
assert_sshd_serving "$pid"
login_password alice "$alicepw"
login_key_fails bob
login_key_and_password bob "$bobpw"

step "a global AuthenticationMethods publickey, then enable for root: root logs in by password"
reset_config
printf '\nAuthenticationMethods publickey\n' >>"$E2E_SSHD_CONFIG"
cp "$E2E_SSHD_CONFIG" "$WORK/with_publickey"
podpass_ok enable --password-stdin <<<"$rootpw"
assert_block "$WORK/with_publickey" root
"$E2E_SSHD" -t || fail "sshd -t refuses the config with root's block"
assert_sshd_serving "$pid"
login_password root "$rootpw"
login_password_fails alice "$alicepw"

step "the 0.1.0 global block (for root, at the top) is converted by enable -u alice"
reset_config
printf 'PasswordAuthentication no\n' >"$dropin"
{
    printf '%s\n' "$E2E_OLD_BEGIN_MARK" 'PasswordAuthentication yes' 'PubkeyAuthentication yes' \
        'AuthenticationMethods any' 'PermitRootLogin yes' "$E2E_OLD_END_MARK"
    cat "$WORK/sshd_config.stock"
} >"$E2E_SSHD_CONFIG"
kill -HUP "$(sshd_listener_pid)"
wait_banner
login_password root "$rootpw"
podpass_ok enable -u alice --password-stdin <<<"$alicepw"
if grep -qF -- "$E2E_OLD_BEGIN_MARK" "$E2E_SSHD_CONFIG"; then
    fail "the 0.1.0 block is still there"
fi
last_stderr_has "0\\.1\\.0.*global block" || fail "podpass did not say that it converted the 0.1.0 block"
assert_block "$WORK/sshd_config.stock" root
assert_block "$WORK/sshd_config.stock" alice
assert_sshd_serving "$pid"
login_password root "$rootpw"
login_password alice "$alicepw"
login_password_fails bob "$bobpw"

step "a user name sshd would read as a pattern is refused"
snapshot badname
expect_exit 65 "$PODPASS" enable -u 'ali*' --password-stdin <<<"$alicepw"
last_stderr_has "Match User" || fail "the refusal does not say why"
expect_exit 65 "$PODPASS" disable -u 'alice,bob'
assert_unchanged badname
pass
