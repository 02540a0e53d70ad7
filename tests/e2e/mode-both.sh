#!/bin/bash
# --mode both for root: the block says AuthenticationMethods publickey,password; the key
# alone is refused, the password alone is refused, the key with a wrong password is
# refused, the key and the password together log in. A later --mode either makes the
# key alone enough again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='mode-Both-pw-2277'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
start_sshd
pid=$(sshd_listener_pid)
login_key root

step "enable --mode both for a user without a key is refused: nobody could log in"
useradd -m -s /bin/bash nokeyuser
snapshot before_nokey
expect_exit 78 "$PODPASS" enable -u nokeyuser --mode both --password-stdin <<<"$pw"
last_stderr_has 'no public key' || fail "the refusal does not say that the user has no key"
assert_unchanged before_nokey

step "enable --mode both"
podpass_ok enable --mode both --password-stdin <<<"$pw"
assert_block "$WORK/sshd_config.orig"
block_lines >"$WORK/block"
grep -qx 'AuthenticationMethods publickey,password' "$WORK/block" ||
    fail "the block has no 'AuthenticationMethods publickey,password' line"
grep -qx 'PermitRootLogin yes' "$WORK/block" || fail "the block has no 'PermitRootLogin yes' line"
assert_sshd_serving "$pid"
methods=$("$E2E_SSHD" -T -C user=root,host=x,addr=1.2.3.4 | awk 'tolower($1) == "authenticationmethods" { print $2 }')
[ "$methods" = publickey,password ] || fail "effective authenticationmethods for root is '$methods'"

step "status, without --mode, judges by the block's mode: a login is possible"
podpass_ok status --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["password_login"] is True and d["authentication_methods"] == "publickey,password" else 1)' "$WORK/last.out" ||
    fail "status --json after enable --mode both does not report password_login true: $(cat "$WORK/last.out")"

step "one factor is not enough, both are"
login_key_fails root
login_password_fails root "$pw"
login_key_and_password_fails root 'mode-Both-wrong-pw-0000'
login_key_and_password root "$pw"

step "back to --mode either: the key alone is enough again"
podpass_ok enable --mode either --password-stdin <<<"$pw"
block_lines | grep -qx 'AuthenticationMethods password publickey' ||
    fail "the block has no 'AuthenticationMethods password publickey' line"
assert_sshd_serving "$pid"
login_key root
login_password root "$pw"
pass
