#!/bin/bash
# Settings a block at the top cannot override: a Match block for the user, AllowUsers
# without the user, DenyUsers with the user. enable refuses (78) and changes nothing. A
# Match block for another user is no obstacle. (An sshd that ignores a Match section in
# an included file, as 8.2p1 does, is not blocked by one: the password must log in.)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
e2e_dropins # the drop-ins below take effect (upstream sshd_config: no Include)

pw='match-Blocks-pw-1206'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.stock"
start_sshd
pid=$(sshd_listener_pid)

reset_config() {
    cp "$WORK/sshd_config.stock" "$E2E_SSHD_CONFIG"
    rm -f /etc/ssh/sshd_config.d/*
}

refused() { # what
    snapshot "$1"
    expect_exit 78 "$PODPASS" enable --password-stdin <<<"$pw"
    assert_unchanged "$1"
    assert_sshd_serving "$pid"
}

step "(a) drop-in: Match User root / PasswordAuthentication no"
reset_config
dropin=/etc/ssh/sshd_config.d/60-match-root.conf
printf '# keep root on keys\nMatch User root\n    PasswordAuthentication no\n' >"$dropin"
settings=$("$E2E_SSHD" -T -C user=root,host=client,addr=203.0.113.1)
if grep -qix 'passwordauthentication no' <<<"$settings"; then
    refused a
    # The file and the line that blocks: the Match line or the setting inside it.
    assert_names_line "$dropin" 2 3
    login_password_fails root "$pw"
else
    # OpenSSH 8.2p1 does not apply a Match section of an included file: nothing blocks,
    # and the password logs in for real.
    echo "    this sshd ignores a Match section in an included file"
    podpass_ok enable --password-stdin <<<"$pw"
    assert_sshd_serving "$pid"
    login_password root "$pw"
fi

step "(b) AllowUsers someoneelse"
reset_config
printf '\nAllowUsers someoneelse\n' >>"$E2E_SSHD_CONFIG"
refused b

step "(c) DenyUsers root"
reset_config
printf 'DenyUsers root\n' >/etc/ssh/sshd_config.d/60-deny.conf
refused c

step "(d) Match User alice / PasswordAuthentication no does not block root"
reset_config
printf 'Match User alice\n    PasswordAuthentication no\n' >/etc/ssh/sshd_config.d/60-match-alice.conf
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
snapshot d
podpass_ok enable --password-stdin <<<"$pw"
assert_block "$WORK/sshd_config.orig"
assert_no_stray d
assert_sshd_serving "$pid"
login_password root "$pw"
login_key root
pass
