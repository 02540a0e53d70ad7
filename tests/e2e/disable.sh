#!/bin/bash
# disable undoes enable: sshd_config byte for byte as before enable, the running sshd
# reloaded (same listener pid, it logs the SIGHUP), key login kept, root's password
# refused again (stock PermitRootLogin). --lock-password stores exactly '*': key login
# still works, the password does not. A disable with nothing to do says so, exits 0 and
# changes nothing. A stopped sshd stays stopped.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw1='disable-First-pw-7301'
pw2='disable-Second-pw-7302'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
start_sshd
pid=$(sshd_listener_pid)

sighups() { grep -c 'Received SIGHUP' "$E2E_SSHD_LOG" || true; }

assert_config_restored() {
    if ! cmp -s "$WORK/sshd_config.orig" "$E2E_SSHD_CONFIG"; then
        diff -u "$WORK/sshd_config.orig" "$E2E_SSHD_CONFIG" | head -n 20 | sed -e 's/^/      /' >&2 || true
        fail "$E2E_SSHD_CONFIG is not byte-identical to the one before enable"
    fi
    echo "    $E2E_SSHD_CONFIG byte-identical to the original"
}

step "enable, then disable"
podpass_ok enable --password-stdin <<<"$pw1"
assert_block "$WORK/sshd_config.orig"
login_password root "$pw1"
hash1=$(shadow_field root)
snapshot enabled
h0=$(sighups)
podpass_ok disable
assert_config_restored
assert_no_stray enabled
[ "$(shadow_field root)" = "$hash1" ] || fail "plain disable changed root's password field"
assert_sshd_serving "$pid"
[ "$(sighups)" -gt "$h0" ] || fail "disable did not reload sshd (no SIGHUP in $E2E_SSHD_LOG)"
login_key root
login_password_fails root "$pw1"

step "enable again, then disable --lock-password"
podpass_ok enable --password-stdin <<<"$pw2"
login_password root "$pw2"
podpass_ok disable --lock-password
assert_config_restored
field=$(shadow_field root)
[ "$field" = '*' ] || fail "after --lock-password root's password field is '$field', want exactly '*'"
echo "    root's password field is '*'"
[ "$(awk -F: '$1 == "root"' /etc/shadow | wc -l)" = 1 ] || fail "root is not exactly once in /etc/shadow"
assert_sshd_serving "$pid"
login_key root
login_password_fails root "$pw2"

step "disable again: nothing to do"
snapshot locked
podpass_ok disable
last_stderr_has 'nothing to do' || fail "a disable with no block does not say 'nothing to do'"
assert_unchanged locked
assert_sshd_serving "$pid"

step "a stopped sshd stays stopped"
kill "$(sshd_listener_pid)"
for _ in $(seq 50); do pgrep -x sshd >/dev/null || break; sleep 0.1; done
assert_no_sshd
podpass_ok enable --restart none --password-stdin <<<"$pw1"
assert_block "$WORK/sshd_config.orig"
podpass_ok disable
assert_config_restored
assert_no_sshd
pass
