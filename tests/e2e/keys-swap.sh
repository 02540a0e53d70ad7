#!/bin/bash
# The user boundary, ~/.ssh swapped during the run: alice (a non-root user with a shell)
# puts a symlink in place of her ~/.ssh the moment podpass opens her authorized_keys
# (inotify), pointing at /etc/apt/apt.conf.d (a file there would be run as root by apt)
# or at /root/.ssh; and, with sshd reloading, the moment podpass has renamed the new
# file into place, so that the check after the reload and the rollback would act
# through her symlink (on /root/.ssh: replacing or deleting root's keys). podpass works
# in the directory it opened and checked with her rights, so whatever it does lands in
# her own (renamed) ~/.ssh: nothing under /etc or /root changes, no file is left behind,
# podpass ends (no hang) with exit 0, and her password and the key are in place. When
# she also changes the file, the check after the reload fails and everything is rolled
# back (exit 75), her file too, in her own directory.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

command -v inotifywait >/dev/null 2>&1 || fail "inotifywait (inotify-tools) is needed"
command -v setpriv >/dev/null 2>&1 || fail "setpriv (util-linux) is needed"
pw='keys-Swap-alice-pw-7781'
rmdir /home/alice 2>/dev/null || true # an empty stand-in when the host has a /home/alice
useradd -m -s /bin/bash alice
home=$(user_home alice)
make_client_key root
make_client_key alice
mkdir -p /etc/apt/apt.conf.d

step "enable -u alice once, plainly: sshd starts"
podpass_ok enable -u alice --password-stdin <<<"$pw"
outside_snapshot start

# new_public_key: a fresh public key line (each run must write the file).
new_public_key() {
    rm -f "$WORK/keys/fresh" "$WORK/keys/fresh.pub"
    ssh-keygen -q -t ed25519 -N '' -C e2e-swap -f "$WORK/keys/fresh"
    cat "$WORK/keys/fresh.pub"
}

# swap_on EVENT WATCHED TARGET [append]: alice, in the background, waits for EVENT on
# WATCHED, then (with "append": adds a line to her authorized_keys, so that the check
# after the reload fails) moves her ~/.ssh to ~/.ssh.real and puts a symlink to TARGET in
# its place.
swap_on() {
    rm -f "$home/ready"
    # shellcheck disable=SC2016 # expanded by alice's shell
    as_user alice bash -c 'inotifywait -e "$1" "$2" >/dev/null 2>"$4" &&
        { [ -z "$6" ] || echo "# alice was here" >>"$5/authorized_keys"; } &&
        mv "$5" "$5.real" && ln -s "$3" "$5"' swap "$1" "$2" "$3" "$home/ready" "$home/.ssh" \
        "${4:-}" &
    attacker=$!
    wait_file_has "$home/ready" 'Watches established'
}

# swapped: the attacker is done (it swapped); fail when the event never came.
swapped() {
    local n=0
    while kill -0 "$attacker" 2>/dev/null; do
        if [ "$n" -ge 1000 ]; then
            kill "$attacker" 2>/dev/null || true
            fail "alice's swap never happened: podpass did not $1 her file"
        fi
        n=$((n + 1))
        sleep 0.01
    done
    wait "$attacker" || fail "alice's swap failed"
    [ -L "$home/.ssh" ] || fail "$home/.ssh is not alice's symlink"
}

# run_attacked RESTART: podpass for alice with a fresh key, at most 60 s (it holds its
# signals during the commit, hence SIGKILL); sets rc and key.
run_attacked() {
    key=$(new_public_key)
    rc=0
    PUBLIC_KEY=$key timeout -s KILL 60 "$PODPASS" enable -u alice --restart "$1" \
        --password-stdin <<<"$pw" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    if [ "${E2E_VERBOSE:-}" = 1 ]; then sed -e 's/^/    | /' "$WORK/last.err"; fi
    [ "$rc" != 137 ] || fail "podpass hung (killed after 60 s)"
}

# after_attack: nothing outside alice's ~/.ssh changed, nothing left behind, podpass did
# its job (exit 0, the key in her real ~/.ssh); then her ~/.ssh is put back.
after_attack() {
    assert_outside_unchanged start
    assert_no_podpass_leftovers
    [ "$rc" = 0 ] || fail "podpass exited $rc: $(tail -n 3 "$WORK/last.err")"
    grep -qF -- "$(awk '{ print $2 }' <<<"$key")" "$home/.ssh.real/authorized_keys" ||
        fail "the key is not in alice's own authorized_keys"
    [ "$(stat -c '%U %a' "$home/.ssh.real/authorized_keys")" = "alice 600" ] ||
        fail "alice's authorized_keys is $(stat -c '%U %a' "$home/.ssh.real/authorized_keys")"
    rm -f "$home/.ssh"
    mv "$home/.ssh.real" "$home/.ssh"
}

for target in /etc/apt/apt.conf.d /root/.ssh; do
    for run in 1 2 3; do
        step "alice's .ssh swapped for a symlink to $target when podpass opens authorized_keys ($run)"
        swap_on open "$home/.ssh/authorized_keys" "$target"
        run_attacked none
        swapped open
        after_attack
    done
done

for target in /root/.ssh /etc/apt/apt.conf.d; do
    step "alice's .ssh swapped for a symlink to $target when podpass renames the new file in"
    swap_on moved_to "$home/.ssh" "$target"
    run_attacked auto
    swapped write
    after_attack
done

step "the same with no authorized_keys before (a rollback would remove the file)"
mv "$home/.ssh/authorized_keys" "$WORK/alice_keys"
swap_on moved_to "$home/.ssh" /root/.ssh
run_attacked auto
swapped write
after_attack
cp "$WORK/keys/fresh" "$WORK/keys/id_alice" # the key alice logs in with at the end
cp "$WORK/keys/fresh.pub" "$WORK/keys/id_alice.pub"

step "the check after the reload fails (alice changed her file too): all rolled back"
swap_on moved_to "$home/.ssh" /root/.ssh append
before=$(sha256sum <"$home/.ssh/authorized_keys")
pid=$(sshd_listener_pid)
run_attacked auto
swapped write
assert_outside_unchanged start
assert_no_podpass_leftovers
[ "$rc" = 75 ] || fail "podpass exited $rc, want 75 (changed under podpass, rolled back)"
grep -q 'changed under podpass' "$WORK/last.err" || fail "podpass does not say the file changed"
grep -q 'restored /home/alice/.ssh/authorized_keys' "$WORK/last.err" || fail "alice's file was not restored"
[ "$(sha256sum <"$home/.ssh.real/authorized_keys")" = "$before" ] ||
    fail "alice's authorized_keys is not as it was before the run"
rm -f "$home/.ssh"
mv "$home/.ssh.real" "$home/.ssh"
assert_sshd_serving "$pid"

step "alice logs in with her password and the last key; root with his key"
login_password alice "$pw"
login_key alice
login_key root
pass
