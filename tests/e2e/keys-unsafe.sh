#!/bin/bash
# Key import never blocks the password, and never works on a file it may not:
# - PUBLIC_KEY lines that are not keys (a pasted fingerprint, a bare base64 blob) are
#   skipped with a warning naming the variable and line; two keys pasted on one line are
#   both added; the summary counts what was added and skipped; the password is set.
# - a hard link from a root-only file as alice's authorized_keys (as where
#   fs.protected_hardlinks is off) is neither read nor rewritten;
# - a FIFO as her authorized_keys: the keys are skipped, the password is set, no hang;
#   a FIFO put there right after podpass wrote the file: the check after the reload
#   fails cleanly (75), everything is rolled back, no hang, the shadow lock is free;
# - /root/.ssh a root-owned symlink into another root-owned tree (vast.ai's --sync-home)
#   with SSH_PUBLIC_KEY: the key goes in there, exit 0, password and key logins work;
#   a symlink into a directory alice owns: the key is skipped with a warning naming it;
# - --mode both with no usable key (a bad line only, or the key file unsafe): 78,
#   nothing changed.
# Nothing outside alice's ~/.ssh changes, and nothing is left behind.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

command -v inotifywait >/dev/null 2>&1 || fail "inotifywait (inotify-tools) is needed"
command -v setpriv >/dev/null 2>&1 || fail "setpriv (util-linux) is needed"
py=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3) || fail "python3 is needed"
pw='keys-Unsafe-alice-pw-4410'
rootpw='keys-Unsafe-root-pw-4411'
rmdir /home/alice 2>/dev/null || true # an empty stand-in when the host has a /home/alice
useradd -m -s /bin/bash alice
home=$(user_home alice)
ak=$home/.ssh/authorized_keys
make_client_key alice
rm -rf /root/.ssh

# new_key NAME: a key pair $WORK/keys/NAME, NAME.pub; prints the public line.
new_key() {
    rm -f "$WORK/keys/$1" "$WORK/keys/$1.pub"
    ssh-keygen -q -t ed25519 -N '' -C "e2e-unsafe-$1" -f "$WORK/keys/$1"
    cat "$WORK/keys/$1.pub"
}

# run_keys VAR KEY PODPASS-ARGS...: podpass with VAR=KEY, at most 60 s (SIGKILL: it
# holds its signals during the commit); sets rc, output in $WORK/last.err.
run_keys() {
    local var=$1 key=$2
    shift 2
    rc=0
    env "$var=$key" timeout -s KILL 60 "$PODPASS" "$@" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    if [ "${E2E_VERBOSE:-}" = 1 ]; then sed -e 's/^/    | /' "$WORK/last.err"; fi
    [ "$rc" != 137 ] || fail "podpass hung (killed after 60 s)"
}

# want_rc CODE: the last run's exit code.
want_rc() {
    [ "$rc" = "$1" ] || fail "podpass exited $rc, want $1: $(tail -n 3 "$WORK/last.err")"
}

# err_has ERE: the last run's messages match.
err_has() {
    grep -qE -- "$1" "$WORK/last.err" || fail "podpass did not say '$1': $(tail -n 3 "$WORK/last.err")"
}

# pwd_lock_free: nobody holds the lock shadow-utils takes on /etc/.pwd.lock.
pwd_lock_free() {
    # shellcheck disable=SC2016 # python code
    "$py" -c 'import fcntl, sys; f = open("/etc/.pwd.lock", "a")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)' 2>/dev/null || fail "/etc/.pwd.lock is held"
}

step "PUBLIC_KEY with a fingerprint, a bare blob and two keys on one line: password set"
k1=$(new_key one)
k2=$(new_key two)
bad=$'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s alice@laptop\n'"$(awk '{ print $2 }' <<<"$k1")"$'\n'"$k1 $k2"
run_keys PUBLIC_KEY "$bad" enable -u alice --password-stdin <<<"$pw"
want_rc 0
err_has 'PUBLIC_KEY line 1: unknown key type .*"SHA256:uNiVztksCsDhc".*skipped'
err_has 'PUBLIC_KEY line 2: unknown key type .*skipped'
err_has 'added 2 key\(s\) from the environment'
err_has '2 key line\(s\) from the environment skipped'
grep -qxF -- "$(cut -d' ' -f1-3 <<<"$k1")" "$ak" || fail "the first key of line 3 is not a line of $ak"
grep -qxF -- "$k2" "$ak" || fail "the second key of line 3 is not a line of $ak"
login_password alice "$pw"
for k in one two; do
    cp "$WORK/keys/$k" "$WORK/keys/id_alice"
    cp "$WORK/keys/$k.pub" "$WORK/keys/id_alice.pub"
    login_key alice
done
outside_snapshot start
assert_no_podpass_leftovers

step "a hard link from a root-only file as alice's authorized_keys: not read, not rewritten"
printf 'TOP-SECRET-%s\n' "$RANDOM$RANDOM" >/home/root-only
chmod 0600 /home/root-only
rm -f "$ak"
ln /home/root-only "$ak"
secret=$(stat -c '%i %h %U:%G %a' /home/root-only)$(sha256sum </home/root-only)
run_keys PUBLIC_KEY "$(new_key three)" enable -u alice --restart none --password-stdin <<<"$pw"
want_rc 0
err_has "$ak: Permission denied.*not added"
[ "$(stat -c '%i %h %U:%G %a' /home/root-only)$(sha256sum </home/root-only)" = "$secret" ] ||
    fail "the root-only file changed: $(stat -c '%i %h %U:%G %a' /home/root-only)"
[ "$(stat -c %i "$ak")" = "$(stat -c %i /home/root-only)" ] || fail "$ak was replaced"
if as_user alice grep -rqs TOP-SECRET "$home/.ssh"; then fail "alice can read the secret in her ~/.ssh"; fi
assert_outside_unchanged start
assert_no_podpass_leftovers

step "a hard link from a root-owned file alice may read: not rewritten (two links)"
rm -f "$ak" /home/root-only
echo '# root-owned' >/home/root-readable
chmod 0644 /home/root-readable
ln /home/root-readable "$ak"
run_keys PUBLIC_KEY "$(new_key four)" enable -u alice --restart none --password-stdin <<<"$pw"
want_rc 0
err_has "$ak is a hard link .*not added"
[ "$(stat -c '%h %U' "$ak")" = "2 root" ] || fail "$ak is now $(stat -c '%h %U' "$ak")"
[ "$(cat /home/root-readable)" = '# root-owned' ] || fail "/home/root-readable changed"
rm -f "$ak" /home/root-readable
assert_outside_unchanged start

step "a FIFO as alice's authorized_keys: keys skipped, password set, no hang"
as_user alice mkfifo -m 0600 "$ak"
run_keys PUBLIC_KEY "$(new_key five)" enable -u alice --restart none --password-stdin <<<"$pw"
want_rc 0
err_has "$ak is not a regular file.*not added"
[ -p "$ak" ] || fail "$ak is no longer the FIFO"
case $(shadow_field alice) in \$*) ;; *) fail "alice has no password hash" ;; esac
assert_outside_unchanged start
assert_no_podpass_leftovers
rm -f "$ak"
cat "$WORK/keys/two.pub" >"$ak"
chown alice:alice "$ak"
chmod 0600 "$ak"

step "a FIFO put in place of the file podpass just wrote: clean failure (75), rolled back"
before=$(sha256sum <"$ak")
pid=$(sshd_listener_pid)
rm -f "$home/ready"
# shellcheck disable=SC2016 # expanded by alice's shell
as_user alice bash -c 'inotifywait -e moved_to "$1" >/dev/null 2>"$2" &&
    rm -f "$1/authorized_keys" && mkfifo -m 0600 "$1/authorized_keys"' fifo "$home/.ssh" "$home/ready" &
attacker=$!
wait_file_has "$home/ready" 'Watches established'
run_keys PUBLIC_KEY "$(new_key six)" enable -u alice --password-stdin <<<"$pw"
wait "$attacker" || fail "alice's FIFO swap failed"
want_rc 75
err_has "$ak is not a regular file"
err_has "restored $ak"
pwd_lock_free
if [ ! -f "$ak" ] || [ -L "$ak" ]; then fail "$ak is not a regular file again"; fi
[ "$(sha256sum <"$ak")" = "$before" ] || fail "$ak is not as it was"
assert_outside_unchanged start
assert_no_podpass_leftovers
assert_sshd_serving "$pid"
login_password alice "$pw"

step "/root/.ssh a root-owned symlink into another root-owned tree (vast.ai): key added"
mkdir -m 0755 /run/workspace
mkdir -m 0700 /run/workspace/root-ssh
ln -s /run/workspace/root-ssh /root/.ssh
kr=$(new_key id_root)
run_keys SSH_PUBLIC_KEY "$kr" enable --password-stdin <<<"$rootpw"
want_rc 0
err_has 'added 1 key\(s\) from the environment to /root/.ssh/authorized_keys'
[ -L /root/.ssh ] || fail "/root/.ssh is no longer the symlink"
grep -qxF -- "$kr" /run/workspace/root-ssh/authorized_keys || fail "the key is not in /run/workspace/root-ssh"
[ "$(stat -c '%U %a' /run/workspace/root-ssh/authorized_keys)" = "root 600" ] ||
    fail "the key file is $(stat -c '%U %a' /run/workspace/root-ssh/authorized_keys)"
login_key root
login_password root "$rootpw"
assert_no_podpass_leftovers

step "/root/.ssh a symlink into a directory alice owns: key skipped with a warning"
rm /root/.ssh
as_user alice mkdir -m 0700 "$home/rootssh"
ln -s "$home/rootssh" /root/.ssh
run_keys SSH_PUBLIC_KEY "$(new_key seven)" enable --password-stdin <<<"$rootpw"
want_rc 0
err_has "$home is owned by uid $(id -u alice), not by uid 0.*not added"
[ -z "$(ls -A "$home/rootssh")" ] || fail "something was written into $home/rootssh"
login_password root "$rootpw"

step "--mode both with no usable key: refused (78), nothing changed"
useradd -m -s /bin/bash bob
snapshot both
run_keys PUBLIC_KEY 'ssh-ed25519 garbage bob@laptop' enable -u bob --mode both \
    --restart none --password-stdin <<<"$pw"
want_rc 78
err_has 'PUBLIC_KEY line 1: .*skipped'
assert_unchanged both
bobhome=$(user_home bob)
as_user bob mkdir -m 0700 "$bobhome/.ssh"
as_user bob mkfifo -m 0600 "$bobhome/.ssh/authorized_keys"
run_keys PUBLIC_KEY "$(new_key eight)" enable -u bob --mode both --restart none \
    --password-stdin <<<"$pw"
want_rc 78
err_has "authorized_keys is not a regular file"
assert_unchanged both
assert_no_podpass_leftovers
pass
