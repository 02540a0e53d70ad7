#!/bin/bash
# --dry-run changes nothing and starts nothing, and exits as the real run would:
# 78 for a config the real run refuses (Match User root / PasswordAuthentication no),
# 0 otherwise. Its stdout is a unified diff of sshd_config (the block as '+' lines for
# enable, as '-' lines for disable) and of /etc/shadow with the hash shown as
# '<hash hidden>', never a hash: not the user's, not a locked ('!...') or DES one, not
# those of the context lines around the user. No host keys, /run/sshd or sshd appear (image-like
# start: none of them there); a running sshd is not reloaded.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='dry-Run-pw-8841'
hash=$(make_hash "$pw")
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
rm -f /etc/ssh/ssh_host_*
rm -rf /run/sshd
assert_no_sshd

block=(
    "$E2E_BEGIN_MARK"
    'Match User root'
    '    PasswordAuthentication yes'
    '    PubkeyAuthentication yes'
    '    AuthenticationMethods password publickey'
    '    PermitRootLogin yes'
    "$E2E_END_MARK"
)

nothing_started() {
    assert_no_sshd
    [ ! -e /run/sshd ] || fail "--dry-run left /run/sshd behind"
}

no_secret_in_output() {
    if grep -Eq '[$](y|6|5|2[aby]|7|gy)[$]' "$WORK/last.out" "$WORK/last.err"; then
        fail "--dry-run printed something that looks like a crypt hash"
    fi
    if grep -Fq -- "$pw" "$WORK/last.out" "$WORK/last.err"; then
        fail "--dry-run printed the password"
    fi
}

# diff_has SIGN: the sshd_config diff headers, and every block line as SIGN line.
diff_has() {
    local l
    grep -qxF -- "--- $E2E_SSHD_CONFIG" "$WORK/last.out" ||
        fail "no '--- $E2E_SSHD_CONFIG' line in the dry run's stdout"
    grep -q "^+++ $E2E_SSHD_CONFIG" "$WORK/last.out" ||
        fail "no '+++ $E2E_SSHD_CONFIG' line in the dry run's stdout"
    grep -q '^@@ ' "$WORK/last.out" || fail "no '@@' hunk header in the dry run's stdout"
    for l in "${block[@]}"; do
        grep -qxF -- "$1$l" "$WORK/last.out" || fail "the diff lacks the line '$1$l'"
    done
}

step "a dry run the real run would refuse: Match User root / PasswordAuthentication no"
dropin=/etc/ssh/sshd_config.d/60-keys-only.conf
printf 'Match User root\n    PasswordAuthentication no\n' >"$dropin"
snapshot refused
expect_exit 78 "$PODPASS" enable --dry-run --password-stdin <<<"$pw"
assert_unchanged refused
assert_names_line "$dropin" 1 2
nothing_started
rm -f "$dropin"

step "enable --dry-run, sshd not running, no host keys, no /run/sshd"
snapshot before
podpass_ok enable --dry-run --password-stdin <<<"$pw"
assert_unchanged before
nothing_started
diff_has +
grep -qF -- '<hash hidden>' "$WORK/last.out" || fail "no '<hash hidden>' in the shadow diff"
grep -q '^+root:<hash hidden>:' "$WORK/last.out" || fail "the shadow diff has no '+root:<hash hidden>:' line"
no_secret_in_output

step "enable --dry-run --encrypted: the given hash is not printed either"
podpass_ok enable --dry-run --encrypted --password-stdin <<<"$hash"
assert_unchanged before
nothing_started
if grep -qF -- "${hash:0:12}" "$WORK/last.out" "$WORK/last.err"; then
    fail "--dry-run --encrypted printed the given hash"
fi
no_secret_in_output

step "enable --dry-run: locked and DES hashes on the user's line and around it stay hidden"
# /etc/shadow with alice third, between daemon and bin: her own field a DES hash, the
# lines around her a locked hash ('!' before it, root), a DES hash (daemon) and a
# locked DES hash (bin).
useradd -m -s /bin/bash alice
cp /etc/shadow "$WORK/shadow.orig"
locked="!$(make_hash other-pw-1)"
des_alice='aBcDeFgHiJkL0'
des_daemon='zYxWvUtSrQp12'
des_bin='mNoPqRsTuVw34'
al=$(awk -F: -v OFS=: -v a="$des_alice" '$1 == "alice" { $2 = a; print }' "$WORK/shadow.orig")
awk -F: -v OFS=: -v l="$locked" -v d="$des_daemon" -v b="$des_bin" -v al="$al" '
    $1 == "alice" { next }
    $1 == "root" { $2 = l }
    $1 == "daemon" { $2 = d }
    $1 == "bin" { print al; $2 = "!" b }
    { print }' "$WORK/shadow.orig" >"$WORK/shadow.new"
cat "$WORK/shadow.new" >/etc/shadow
grep -q "^alice:$des_alice:" /etc/shadow || fail "setting up /etc/shadow: no DES hash for alice"
[ "$(sed -n 3p /etc/shadow | cut -d: -f1)" = alice ] || fail "setting up /etc/shadow: alice is not line 3"
snapshot hashes
# hidden_all: none of the hashes appears in the dry run's output
hidden_all() {
    local h
    for h in "$locked" "${locked#!}" "$des_alice" "$des_daemon" "$des_bin"; do
        if grep -Fq -- "$h" "$WORK/last.out" "$WORK/last.err"; then
            fail "--dry-run printed the hash $h: $(grep -hF -- "$h" "$WORK/last.out" "$WORK/last.err" | head -n 1)"
        fi
    done
    no_secret_in_output
}
podpass_ok enable --dry-run -u alice --password-stdin <<<"$pw"
assert_unchanged hashes
grep -q '^-alice:' "$WORK/last.out" || fail "the shadow diff has no '-alice:' line"
hidden_all
podpass_ok enable --dry-run --password-stdin <<<"$pw"
assert_unchanged hashes
grep -q '^-root:' "$WORK/last.out" || fail "the shadow diff has no '-root:' line"
hidden_all
cp "$WORK/shadow.orig" /etc/shadow
userdel -r alice 2>/dev/null
rm -f /etc/shadow- /etc/passwd- /etc/group- /etc/gshadow-
snapshot before

step "the real enable, then sshd runs with a log (to see reloads)"
podpass_ok enable --restart none --password-stdin <<<"$pw"
start_sshd
pid=$(sshd_listener_pid)
login_password root "$pw"
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.enabled"
hups=$(grep -c 'Received SIGHUP' "$E2E_SSHD_LOG" || true)

step "disable --dry-run with sshd running"
snapshot enabled
podpass_ok disable --dry-run
assert_unchanged enabled
diff_has -
no_secret_in_output
assert_sshd_serving "$pid"

step "disable --lock-password --dry-run"
podpass_ok disable --lock-password --dry-run
assert_unchanged enabled
grep -q '^-root:<hash hidden>:' "$WORK/last.out" || fail "the shadow diff has no '-root:<hash hidden>:' line"
grep -q '^+root:\*:' "$WORK/last.out" || fail "the shadow diff has no '+root:*:' line"
no_secret_in_output
assert_sshd_serving "$pid"
[ "$(grep -c 'Received SIGHUP' "$E2E_SSHD_LOG" || true)" = "$hups" ] ||
    fail "a dry run reloaded sshd (SIGHUP in $E2E_SSHD_LOG)"
login_password root "$pw"
login_key root
pass
