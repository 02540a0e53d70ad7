#!/bin/bash
# Key import: a public key in PUBLIC_KEY (RunPod) or SSH_PUBLIC_KEY (vast.ai) in
# podpass's environment lands in the user's ~/.ssh/authorized_keys (directory 0700, file
# 0600, both owned by the user) and logs in. A second run adds no duplicate.
# PUBLIC_KEY=null adds nothing. A malformed key is skipped with a warning naming the
# variable and line, and the password is set all the same (exit 0). With
# "import_keys = no" in podpass.conf nothing is added. For alice: the existing text of
# her authorized_keys is kept byte for byte (a missing final newline is added), and an
# authorized_keys that is a symlink is not written through (the keys are skipped with a
# warning naming it, her password is set, /etc/shadow keeps its owner and gets no key).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

unset PUBLIC_KEY SSH_PUBLIC_KEY
pw='import-Keys-pw-5530'
alicepw='import-Keys-alice-pw-5531'
rmdir /home/alice 2>/dev/null || true # an empty stand-in when the host has a /home/alice
useradd -m -s /bin/bash alice
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
rm -rf /root/.ssh

# new_key NAME: a key pair $WORK/keys/NAME, NAME.pub; prints the public line.
new_key() {
    mkdir -p "$WORK/keys"
    chmod 0700 "$WORK/keys"
    rm -f "$WORK/keys/$1" "$WORK/keys/$1.pub"
    ssh-keygen -q -t ed25519 -N '' -C "e2e-import-$1" -f "$WORK/keys/$1"
    cat "$WORK/keys/$1.pub"
}

# key_count FILE PUBLIC-LINE: how many lines of FILE hold that key's blob.
key_count() {
    local blob
    blob=$(printf '%s\n' "$2" | awk '{ print $2 }')
    if [ -e "$1" ]; then grep -cF -- "$blob" "$1" || true; else echo 0; fi
}

# assert_keys_file USER: ~USER/.ssh 0700 and authorized_keys 0600, both owned by USER.
assert_keys_file() {
    local home
    home=$(user_home "$1")
    if [ -L "$home/.ssh" ] || [ ! -d "$home/.ssh" ]; then fail "$home/.ssh is not a directory"; fi
    if [ -L "$home/.ssh/authorized_keys" ] || [ ! -f "$home/.ssh/authorized_keys" ]; then
        fail "$home/.ssh/authorized_keys is missing or not a regular file"
    fi
    [ "$(stat -c '%a %U' "$home/.ssh")" = "700 $1" ] ||
        fail "$home/.ssh is $(stat -c '%a %U:%G' "$home/.ssh"), want 700 owned by $1"
    [ "$(stat -c '%a %U' "$home/.ssh/authorized_keys")" = "600 $1" ] ||
        fail "$home/.ssh/authorized_keys is $(stat -c '%a %U:%G' "$home/.ssh/authorized_keys"), want 600 owned by $1"
    echo "    $home/.ssh 0700 and authorized_keys 0600, owned by $1"
}

ak=/root/.ssh/authorized_keys
key1=$(new_key id_root)

step "a malformed PUBLIC_KEY: skipped with a warning, the password is set (exit 0)"
PUBLIC_KEY='ssh-ed25519 this-is-not-base64!!! someone@laptop' \
    podpass_ok enable --password-stdin <<<"$pw"
last_stderr_has 'PUBLIC_KEY line 1: .*skipped' || fail "the warning does not name PUBLIC_KEY line 1"
last_stderr_has '1 key line\(s\) from the environment skipped' || fail "the summary does not count the skipped line"
[ ! -e /root/.ssh ] || fail "/root/.ssh was created for a key that was skipped"
login_password root "$pw"

step "PUBLIC_KEY=null adds nothing"
PUBLIC_KEY=null podpass_ok enable --password-stdin <<<"$pw"
if [ -e "$ak" ] && grep -qvE '^[[:space:]]*(#.*)?$' "$ak"; then
    fail "PUBLIC_KEY=null put something in $ak: $(head -c 80 "$ak")"
fi
login_password root "$pw"
login_key_fails root
pid=$(sshd_listener_pid)

step "PUBLIC_KEY=<a fresh key>: it logs in as root"
PUBLIC_KEY=$key1 podpass_ok enable --password-stdin <<<"$pw"
assert_keys_file root
[ "$(key_count "$ak" "$key1")" = 1 ] || fail "the key is $(key_count "$ak" "$key1") times in $ak, want 1"
assert_block "$WORK/sshd_config.orig"
assert_sshd_serving "$pid"
login_key root
sum1=$(sha256sum <"$ak")

step "the same key again: no duplicate"
PUBLIC_KEY=$key1 podpass_ok enable --password-stdin <<<"$pw"
[ "$(key_count "$ak" "$key1")" = 1 ] || fail "the key is $(key_count "$ak" "$key1") times in $ak after a second run"
[ "$(sha256sum <"$ak")" = "$sum1" ] || fail "$ak changed on the second run"
login_key root

step "import_keys = no in podpass.conf: nothing added"
printf '[podpass]\nimport_keys = no\n' >/etc/podpass.conf
chmod 0600 /etc/podpass.conf
key2=$(new_key other)
PUBLIC_KEY=$key2 podpass_ok enable --password-stdin <<<"$pw"
[ "$(sha256sum <"$ak")" = "$sum1" ] || fail "$ak changed although import_keys = no"
[ "$(key_count "$ak" "$key2")" = 0 ] || fail "the key was added although import_keys = no"
rm -f /etc/podpass.conf

step "alice: her existing text is kept, PUBLIC_KEY and SSH_PUBLIC_KEY are added"
home=$(user_home alice)
mkdir -p "$home/.ssh"
old='# keys of alice (no final newline)'
printf '%s' "$old" >"$home/.ssh/authorized_keys"
chown -R alice:alice "$home/.ssh"
chmod 0700 "$home/.ssh"
chmod 0600 "$home/.ssh/authorized_keys"
akalice=$home/.ssh/authorized_keys
keya=$(new_key id_alice)
keyb=$(new_key alice_vast)
PUBLIC_KEY=$keya SSH_PUBLIC_KEY=$keyb podpass_ok enable -u alice --password-stdin <<<"$alicepw"
assert_keys_file alice
[ "$(head -n 1 "$akalice")" = "$old" ] || fail "the first line of $akalice changed: $(head -n 1 "$akalice")"
[ "$(key_count "$akalice" "$keya")" = 1 ] || fail "PUBLIC_KEY is not once in $akalice"
[ "$(key_count "$akalice" "$keyb")" = 1 ] || fail "SSH_PUBLIC_KEY is not once in $akalice"
[ "$(wc -l <"$akalice")" = 3 ] || fail "$akalice has $(wc -l <"$akalice") lines, want 3"
login_key alice
login_password alice "$alicepw"
mv "$WORK/keys/alice_vast" "$WORK/keys/id_alice"
mv "$WORK/keys/alice_vast.pub" "$WORK/keys/id_alice.pub"
login_key alice

step "alice's authorized_keys a symlink to /etc/shadow: keys skipped, password set"
rm -f "$akalice"
ln -s /etc/shadow "$akalice"
shadow_meta=$(stat -c '%a %U:%G' /etc/shadow)
evil=$(new_key evil)
PUBLIC_KEY=$evil podpass_ok enable -u alice --password-stdin <<<"$alicepw"
last_stderr_has "$akalice: a symbolic link" || fail "the warning does not name the symlink"
[ -L "$akalice" ] || fail "$akalice is no longer the symlink"
[ "$(stat -c '%a %U:%G' /etc/shadow)" = "$shadow_meta" ] || fail "/etc/shadow is now $(stat -c '%a %U:%G' /etc/shadow), was $shadow_meta"
[ "$(key_count /etc/shadow "$evil")" = 0 ] || fail "the key went into /etc/shadow"
login_password alice "$alicepw"
pass
