#!/bin/bash
# A pod whose image deleted its host keys (as RunPod's base image does) and has no
# /run/sshd: enable creates both, starts sshd, and both logins work.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='no-Hostkeys-pw-6604'
rm -f /etc/ssh/ssh_host_*
rm -rf /run/sshd
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
assert_no_sshd
snapshot before

step "podpass enable --password-stdin, no host keys, no /run/sshd, sshd not running"
podpass_ok enable --password-stdin <<<"$pw"

step "host keys and /run/sshd exist, sshd runs, logins work"
n=0
for k in /etc/ssh/ssh_host_*_key; do
    [ -f "$k" ] || continue
    [ -f "$k.pub" ] || fail "host key $k has no $k.pub"
    [ "$(stat -c '%a %U' "$k")" = "600 root" ] || fail "host key $k is $(stat -c '%a %U' "$k"), want 600 root"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no host keys were created in /etc/ssh"
echo "    $n host keys created"
[ -d /run/sshd ] || fail "/run/sshd was not created"
wait_banner
sshd_listener_pid >/dev/null
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
login_password root "$pw"
login_key root
pass
