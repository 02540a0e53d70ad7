#!/bin/bash
# PODPASS_PASSWORD_FILE and PODPASS_ENCRYPTED, read by podpass itself (the variables a
# template or a pod spec sets more easily than options):
#   - PODPASS_PASSWORD_FILE=PATH works as --password-file PATH: the password logs in;
#     it wins over PODPASS_PASSWORD (first match, as --password-file does), and an option
#     (--password-stdin, --password-file) wins over it.
#   - It keeps every check of --password-file: a file others may write, a file owned by
#     another user, a symbolic link planted in a directory others may write: refused
#     (exit 77) naming the file, nothing changed.
#   - PODPASS_ENCRYPTED=yes works as --encrypted, with the hash in PODPASS_PASSWORD or in
#     PODPASS_PASSWORD_FILE: /etc/shadow holds the hash as given; =no with --encrypted:
#     the option wins.
#   - A bad value (PODPASS_ENCRYPTED=maybe): exit 64 naming the variable, nothing changed.
#   - PODPASS_ENCRYPTED=yes with --generate: exit 64 naming both, nothing changed.
# The password is never in an argv: files and the environment only.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

make_client_key root
start_sshd
useradd -M -s /usr/sbin/nologin mallory 2>/dev/null || true

write_file() { # PATH TEXT: TEXT on one line, mode 0600, root's
    (umask 077 && printf '%s\n' "$2" >"$1")
}

step "PODPASS_PASSWORD_FILE"
pw='env-File-pw-4410'
write_file "$WORK/pw" "$pw"
PODPASS_PASSWORD_FILE=$WORK/pw podpass_ok enable </dev/null
login_password root "$pw"
login_key root

step "PODPASS_PASSWORD_FILE wins over PODPASS_PASSWORD"
pw2='env-File-pw-4420'
write_file "$WORK/pw2" "$pw2"
PODPASS_PASSWORD_FILE=$WORK/pw2 PODPASS_PASSWORD='env-Plain-pw-4421' podpass_ok enable </dev/null
login_password root "$pw2"
login_password_fails root 'env-Plain-pw-4421'

step "options win over PODPASS_PASSWORD_FILE"
pw3='env-Stdin-pw-4430'
PODPASS_PASSWORD_FILE=$WORK/pw podpass_ok enable --password-stdin <<<"$pw3"
login_password root "$pw3"
PODPASS_PASSWORD_FILE=$WORK/pw podpass_ok enable --password-file "$WORK/pw2" </dev/null
login_password root "$pw2"

step "PODPASS_PASSWORD_FILE keeps the checks of --password-file"
snapshot trust
bad='env-Bad-pw-4440'
write_file "$WORK/writable" "$bad"
chmod 0622 "$WORK/writable"
expect_exit 77 env PODPASS_PASSWORD_FILE="$WORK/writable" "$PODPASS" enable </dev/null
last_stderr_has "$WORK/writable" || fail "the refusal does not name the file"
write_file "$WORK/theirs" "$bad"
chown mallory "$WORK/theirs"
expect_exit 77 env PODPASS_PASSWORD_FILE="$WORK/theirs" "$PODPASS" enable </dev/null
last_stderr_has "$WORK/theirs" || fail "the refusal does not name the file"
mkdir -m 1777 "$WORK/shared"
ln -s "$WORK/pw" "$WORK/shared/link"
chown -h mallory "$WORK/shared/link"
expect_exit 77 env PODPASS_PASSWORD_FILE="$WORK/shared/link" "$PODPASS" enable </dev/null
last_stderr_has "$WORK/shared/link" || fail "the refusal does not name the link"
assert_unchanged trust
login_password root "$pw2"
login_password_fails root "$bad"

step "PODPASS_ENCRYPTED=yes: a hash in PODPASS_PASSWORD"
pw4='env-Hash-pw-4450'
hash=$(make_hash "$pw4")
PODPASS_ENCRYPTED=yes PODPASS_PASSWORD=$hash podpass_ok enable </dev/null
[ "$(shadow_field root)" = "$hash" ] || fail "/etc/shadow does not hold the hash as given"
login_password root "$pw4"

step "PODPASS_ENCRYPTED=yes: a hash in PODPASS_PASSWORD_FILE"
pw5='env-Hash-pw-4460'
hash5=$(make_hash "$pw5")
write_file "$WORK/hash" "$hash5"
PODPASS_ENCRYPTED=yes PODPASS_PASSWORD_FILE=$WORK/hash podpass_ok enable </dev/null
[ "$(shadow_field root)" = "$hash5" ] || fail "/etc/shadow does not hold the hash as given"
login_password root "$pw5"

step "--encrypted wins over PODPASS_ENCRYPTED=no"
PODPASS_ENCRYPTED=no PODPASS_PASSWORD=$hash podpass_ok enable --encrypted </dev/null
[ "$(shadow_field root)" = "$hash" ] || fail "/etc/shadow does not hold the hash as given"
login_password root "$pw4"

step "PODPASS_ENCRYPTED=maybe: exit 64 naming the variable, nothing changed"
snapshot bad
expect_exit 64 env PODPASS_ENCRYPTED=maybe PODPASS_PASSWORD_FILE="$WORK/pw" "$PODPASS" enable </dev/null
last_stderr_has 'PODPASS_ENCRYPTED' || fail "the error does not name PODPASS_ENCRYPTED"
assert_unchanged bad

step "PODPASS_ENCRYPTED=yes with --generate: exit 64, nothing changed"
expect_exit 64 env PODPASS_ENCRYPTED=yes "$PODPASS" enable --generate </dev/null
last_stderr_has 'PODPASS_ENCRYPTED' || fail "the error does not name PODPASS_ENCRYPTED"
[ ! -s "$WORK/last.out" ] || fail "--generate printed a password it did not set"
assert_unchanged bad
login_password root "$pw4"
pass
