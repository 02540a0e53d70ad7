#!/bin/bash
# Every way of handing podpass the password (never argv): --password-stdin,
# --password-file, PODPASS_PASSWORD, --generate, --encrypted with a hash on stdin. After
# each, password login with that password and key login work. No source at all, with
# stdin not a terminal: exit 64 naming the sources, nothing changed. On a terminal the
# question is asked twice without echo, and Ctrl-C there leaves the terminal's settings
# as they were (tty.py compares them), exits 130 and changes nothing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

make_client_key root
start_sshd

check_logins() { # PASSWORD
    login_password root "$1"
    login_key root
}

step "no source at all, stdin not a terminal: exit 64"
snapshot none
expect_exit 64 env -u PODPASS_PASSWORD "$PODPASS" enable </dev/null
for s in --password-stdin --password-file --generate PODPASS_PASSWORD; do
    last_stderr_has "$s" || fail "the usage error does not name the source $s"
done
assert_unchanged none

step "--password-stdin"
pw='sources-Stdin-pw-3010'
podpass_ok enable --password-stdin <<<"$pw"
check_logins "$pw"

step "--password-file (mode 0600)"
pw='sources-File-pw-3020'
pwfile=$WORK/password
(umask 077 && printf '%s\n' "$pw" >"$pwfile")
[ "$(stat -c %a "$pwfile")" = 600 ] || fail "setup: $pwfile is not 0600"
podpass_ok enable --password-file "$pwfile" </dev/null
check_logins "$pw"

step "PODPASS_PASSWORD in the environment"
pw='sources-Env-pw-3030'
PODPASS_PASSWORD=$pw podpass_ok enable </dev/null
check_logins "$pw"

step "--generate: the password alone on stdout"
podpass_ok enable --generate </dev/null
[ "$(wc -l <"$WORK/last.out")" = 1 ] || fail "--generate: stdout must be exactly one line (the password), got $(wc -l <"$WORK/last.out") lines"
gen=$(head -n 1 "$WORK/last.out")
[ "${#gen}" -ge 20 ] || fail "--generate: the password has ${#gen} characters, want 20 or more"
case $gen in
*[[:space:]]*) fail "--generate: the first line holds more than the password (whitespace in it)" ;;
esac
if grep -qF -- "$gen" "$WORK/last.err"; then fail "--generate: the password also appears on stderr"; fi
echo "    generated a ${#gen}-character password"
check_logins "$gen"

step "--encrypted: a sha512crypt hash on stdin"
pw='sources-Hash-pw-3050'
hash=$(make_hash "$pw")
case $hash in
\$6\$*) ;;
*) fail "setup: could not make a sha512crypt hash: $hash" ;;
esac
podpass_ok enable --encrypted --password-stdin <<<"$hash"
[ "$(shadow_field root)" = "$hash" ] || fail "--encrypted: /etc/shadow does not hold the given hash as is"
check_logins "$pw"
login_password_fails root "$gen"

step "a terminal: asked twice, without echo"
pw='sources-Prompt-pw-3060'
# tty.py gives podpass a pseudo-terminal and types each answer once its question shows.
TTY_ANSWER=$pw python3 "$E2E_DIR/tty.py" answer "$PODPASS" enable >"$WORK/tty.out" 2>&1 ||
    fail "enable on a terminal failed: $(cat "$WORK/tty.out")"
grep -q 'Retype new password' "$WORK/tty.out" || fail "the terminal was not asked twice: $(cat "$WORK/tty.out")"
if grep -qF -- "$pw" "$WORK/tty.out"; then fail "the password was echoed on the terminal"; fi
check_logins "$pw"

step "Ctrl-C at the prompt: the terminal as it was, exit 130, nothing changed"
snapshot prompt
python3 "$E2E_DIR/tty.py" interrupt "$PODPASS" enable >"$WORK/tty.out" 2>&1 ||
    fail "Ctrl-C at the prompt: $(cat "$WORK/tty.out")"
grep -q '^status=130$' "$WORK/tty.out" || fail "Ctrl-C at the prompt: not exit 130: $(cat "$WORK/tty.out")"
assert_unchanged prompt
check_logins "$pw"
pass
