#!/bin/bash
# podpass writes only hashes that the target's sshd can check. What this system's sshd
# verifies is found out for real first: a yescrypt hash put into /etc/shadow by hand,
# then a password login with it. Where that login is refused (a static or musl sshd,
# whose crypt() has no yescrypt), podpass must refuse --method yescrypt and a yescrypt
# --encrypted hash with nothing changed, status must say that the hash in place lets no
# password in, and a plain enable must choose a method that logs in; where it works,
# all of them are accepted. Either way the method is said with -v and in status --json.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

# yescrypt_hash PASSWORD: a yescrypt crypt(5) string made by this system's libxcrypt
# (the password in the environment, never in argv).
yescrypt_hash() {
    E2E_PW=$1 python3 -c '
import ctypes, os
lc = ctypes.CDLL("libcrypt.so.1")
lc.crypt_gensalt.restype = ctypes.c_char_p
lc.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
lc.crypt.restype = ctypes.c_char_p
lc.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
print(lc.crypt(os.environb[b"E2E_PW"], lc.crypt_gensalt(b"$y$", 0, None, 0)).decode())'
}

# status_json KEY: one value of podpass status --json, as Python prints it.
status_json() {
    podpass_ok status --json
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$WORK/last.out" "$1" || fail "status --json has no '$1': $(cat "$WORK/last.out")"
}

# The crypt(5) prefix of a method name, as podpass names them.
prefix_of() {
    case $1 in
    yescrypt) echo '$y$' ;;
    sha512) echo '$6$' ;;
    bcrypt) echo '$2b$' ;;
    *) fail "unexpected method: $1" ;;
    esac
}

make_client_key root
assert_no_sshd

step "podpass enable -v: it names the method, and that method logs in"
podpass_ok enable -v --password-stdin <<<'first-Target-pw-3391'
said=$(sed -n 's/.*hash method: \([a-z0-9-]*\) .*/\1/p' "$WORK/last.err" | head -n 1)
[ -n "$said" ] || fail "enable -v did not say the hash method: $(cat "$WORK/last.err")"
case $(shadow_field root) in
"$(prefix_of "$said")"*) ;;
*) fail "enable -v said $said, but /etc/shadow holds another method" ;;
esac
login_password root 'first-Target-pw-3391'
[ "$(status_json new_hash_method)" = "$said" ] ||
    fail "status --json new_hash_method is not $said: $(cat "$WORK/last.out")"
[ "$(status_json hash_method)" = "$said" ] || fail "status --json hash_method is not $said"
echo "    method: $said ($(status_json hash_checker), $(status_json hash_checker_file))"

step "the truth: a yescrypt hash put into /etc/shadow by hand, and a login with it"
usermod -p "$(yescrypt_hash 'yes-Crypt-pw-5520')" root
if try_login_password root 'yes-Crypt-pw-5520'; then
    verifies=1
    echo "    this sshd checks yescrypt: the login worked"
else
    e2e_is_refusal || fail "the yescrypt login did not reach sshd's answer (exit $E2E_SSH_RC)"
    verifies=0
    echo "    this sshd cannot check yescrypt: the login was refused"
fi

step "status tells whether the hash in place lets a password in"
login=$(status_json password_login)
[ "$(status_json hash_method)" = yescrypt ] || fail "status --json hash_method is not yescrypt"
if [ "$verifies" = 1 ]; then
    [ "$login" = True ] || fail "status says no password login, yet it works"
    [ "$said" = yescrypt ] || fail "this sshd checks yescrypt, yet enable chose $said"
else
    [ "$login" = False ] || fail "status says password login works, yet it is refused"
    grep -q 'cannot check' "$WORK/last.out" || fail "status does not say why: $(cat "$WORK/last.out")"
    [ "$said" != yescrypt ] || fail "enable chose yescrypt, which this sshd cannot check"
fi

step "--method yescrypt: accepted only where sshd checks it"
snapshot before
if [ "$verifies" = 1 ]; then
    podpass_ok enable --method yescrypt --password-stdin <<<'second-Target-pw-8302'
    login_password root 'second-Target-pw-8302'
else
    expect_exit 78 "$PODPASS" enable --method yescrypt --password-stdin <<<'second-Target-pw-8302'
    last_stderr_has 'yescrypt: the target could not check it' || fail "no reason given: $(cat "$WORK/last.err")"
    assert_unchanged before
    login_password_fails root 'second-Target-pw-8302'
fi

step "--encrypted with a yescrypt hash: accepted only where sshd checks it"
hash=$(yescrypt_hash 'third-Target-pw-1174')
snapshot before
if [ "$verifies" = 1 ]; then
    podpass_ok enable --encrypted --password-stdin <<<"$hash"
    login_password root 'third-Target-pw-1174'
else
    expect_exit 78 "$PODPASS" enable --encrypted --password-stdin <<<"$hash"
    last_stderr_has 'the given hash is yescrypt, which the target could not check' ||
        fail "no reason given: $(cat "$WORK/last.err")"
    assert_unchanged before
fi

step "a plain enable again: the method it chose logs in, key login too"
podpass_ok enable --password-stdin <<<'last-Target-pw-6640'
login_password root 'last-Target-pw-6640'
login_key root
login_password_fails root 'not-the-password-123'
pass
