#!/bin/bash
# enable -u alice: alice logs in with her password and with her key. Root's policy is
# not widened: the block has no PermitRootLogin line, the effective PermitRootLogin for
# root is what it was (stock: prohibit-password), root's password stays refused while
# root's key still works. Root's shadow entry is untouched.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='non-Root-alice-pw-3391'
rootpw='non-Root-root-pw-3392'
rmdir /home/alice 2>/dev/null || true # an empty stand-in when the host has a /home/alice
useradd -m -s /bin/bash alice
make_client_key alice
make_client_key root
set_password root "$rootpw"
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
start_sshd
pid=$(sshd_listener_pid)

root_policy() {
    "$E2E_SSHD" -T -C user=root,host=x,addr=1.2.3.4 | awk 'tolower($1) == "permitrootlogin" { print $2 }'
}
prl_before=$(root_policy)
case $prl_before in
without-password | prohibit-password) ;;
*) fail "setup: stock PermitRootLogin for root is '$prl_before'" ;;
esac
root_entry=$(grep '^root:' /etc/shadow)

step "enable -u alice"
podpass_ok enable -u alice --password-stdin <<<"$pw"
assert_block "$WORK/sshd_config.orig" alice
block_lines alice >"$WORK/block"
if grep -qi 'PermitRootLogin' "$WORK/block"; then
    fail "the block for alice has a PermitRootLogin line: $(grep -i PermitRootLogin "$WORK/block")"
fi
grep -qx 'PasswordAuthentication yes' "$WORK/block" || fail "the block has no 'PasswordAuthentication yes'"
assert_sshd_serving "$pid"
case $(shadow_field alice) in
'$'*) ;;
*) fail "alice has no crypt hash after enable" ;;
esac
[ "$(grep '^root:' /etc/shadow)" = "$root_entry" ] || fail "root's shadow entry changed"

step "alice: password and key"
login_password alice "$pw"
login_key alice

step "root: policy unchanged, key yes, password no"
prl_after=$(root_policy)
[ "$prl_after" = "$prl_before" ] ||
    fail "effective PermitRootLogin for root changed: '$prl_before' before, '$prl_after' after"
echo "    effective PermitRootLogin for root still $prl_after"
login_key root
login_password_fails root "$rootpw"
pass
