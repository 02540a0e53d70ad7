#!/bin/bash
# /etc/podpass.conf: "user = alice", "mode = both" apply (alice needs key and password;
# root untouched). Precedence: PODPASS_MODE in the environment beats the file, --mode on
# the command line beats the environment. A file that is group-writable, not owned by
# root, a symlink that is not root's, or has an unknown key (named as podpass.conf:LINE)
# is refused with 78 and nothing changes; a symlink root owns is followed.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='config-File-alice-pw-4471'
conf=/etc/podpass.conf
rmdir /home/alice 2>/dev/null || true # an empty stand-in when the host has a /home/alice
useradd -m -s /bin/bash alice
make_client_key alice
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
root_entry=$(grep '^root:' /etc/shadow)
start_sshd
pid=$(sshd_listener_pid)

write_conf() { # LINES...
    rm -f "$conf"
    printf '%s\n' '[podpass]' "$@" >"$conf"
    chown root:root "$conf"
    chmod 0600 "$conf"
}

methods_in_block() {
    block_lines alice | awk '$1 == "AuthenticationMethods" { $1 = ""; sub(/^ /, ""); print }'
}

expect_methods() { # WANT
    local got
    got=$(methods_in_block)
    [ "$got" = "$1" ] || fail "AuthenticationMethods in the block is '$got', want '$1'"
    echo "    block: AuthenticationMethods $got"
}

step "podpass.conf: user = alice, mode = both"
write_conf 'user = alice' 'mode = both'
podpass_ok enable --password-stdin <<<"$pw"
assert_block "$WORK/sshd_config.orig" alice
expect_methods publickey,password
if block_lines alice | grep -qi PermitRootLogin; then
    fail "the block for alice (from the file) has a PermitRootLogin line"
fi
case $(shadow_field alice) in
'$'*) ;;
*) fail "alice has no crypt hash: the file's user was not used" ;;
esac
[ "$(grep '^root:' /etc/shadow)" = "$root_entry" ] || fail "root's shadow entry changed"
assert_sshd_serving "$pid"
login_key_fails alice
login_password_fails alice "$pw"
login_key_and_password alice "$pw"

step "PODPASS_MODE=either in the environment beats the file"
PODPASS_MODE=either podpass_ok enable --password-stdin <<<"$pw"
expect_methods 'password publickey'
login_key alice

step "--mode both on the command line beats PODPASS_MODE=either"
PODPASS_MODE=either podpass_ok enable --mode both --password-stdin <<<"$pw"
expect_methods publickey,password
login_key_fails alice
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.both"

refused() { # WHAT WHY: enable exits 78 naming podpass.conf and WHY (ERE); nothing changes
    snapshot "$1"
    expect_exit 78 "$PODPASS" enable --mode either --password-stdin <<<"$pw"
    last_stderr_has 'podpass\.conf' || fail "the refusal ($1) does not name podpass.conf"
    last_stderr_has "$2" || fail "the refusal ($1) does not say why ('$2')"
    assert_unchanged "$1"
    cmp -s "$E2E_SSHD_CONFIG" "$WORK/sshd_config.both" || fail "sshd_config changed"
    assert_sshd_serving "$pid"
}

step "group-writable podpass.conf (0664): refused"
write_conf 'user = alice' 'mode = both'
chmod 0664 "$conf"
refused group-writable 'writable'

step "podpass.conf not owned by root: refused"
write_conf 'user = alice' 'mode = both'
chown alice "$conf"
refused not-root 'owned by root'

step "podpass.conf a symlink that alice owns: refused; one that root owns: read"
write_conf 'user = alice' 'mode = both'
mv "$conf" /etc/podpass-real.conf
ln -s /etc/podpass-real.conf "$conf"
chown -h alice "$conf"
refused symlink 'symbolic link owned by another user'
chown -h root "$conf"
podpass_ok status --json
grep -Eq '"user": *"alice"' "$WORK/last.out" || fail "podpass.conf behind root's own link was not read (user = alice)"
rm -f "$conf" /etc/podpass-real.conf

step "an unknown key: refused, naming podpass.conf:LINE"
write_conf 'user = alice' 'colour = blue' 'mode = both'
refused unknown-key 'colour'
grep -Fq "$conf:3" "$WORK/last.err" || fail "stderr does not name $conf:3 (the unknown key)"
login_key_and_password alice "$pw"
pass
