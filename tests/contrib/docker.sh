#!/bin/bash
# contrib/docker, built by podman and run as docker run runs it (run by tests/contrib/run.sh,
# which built contrib/docker/Dockerfile: CONTRIB_IMAGE):
#   the images' files (podman image mount): podpass installed from the package,
#           openssh-server installed, no host key, no apt lists, no .deb in /tmp, no
#           /run/sshd, no file in /run/secrets; ENTRYPOINT podpass-start (contrib/docker/start.sh),
#           CMD sleep infinity
#   Dockerfile: root without a password, no managed block
#   Dockerfile.baked, built with --secret id=podpass_hash (a hash of a test password):
#           root's hash is the secret's, root's block ends sshd_config; in podman save's
#           archive, the plaintext in no layer (nor the config), the hash in one layer only,
#           in its etc/shadow only
#   Dockerfile.baked without --secret (before any build with it: no cached step): the
#           build fails, naming the secret
# Containers, each -p 127.0.0.1:PORT:22 and --init as contrib/docker's header says, logins
# from this host with sshpass and ssh:
#   at-start        -e PODPASS_PASSWORD (from podman's environment, no value on its command
#                   line) -e PUBLIC_KEY: the password and the key log in, a wrong password
#                   does not; the main process and sshd have no PODPASS_PASSWORD; the
#                   password in no file, argv (strace: every execve), environment, ps or
#                   log; restarted: the same, one block, the same host keys, the key once
#   at-start-hash   PODPASS_PASSWORD=HASH PODPASS_ENCRYPTED=yes: root's hash as given, the
#                   password logs in
#   at-start-nopw   no PODPASS_PASSWORD, authorized_keys mounted: key login only
#   at-start-bad    a password of 7 characters: the container exits with podpass's 65, the
#                   reason in the log, not the password
#   baked           the baked image, no variable, authorized_keys mounted: the baked
#                   password and the key log in;
#                   restarted: the same
#   baked-override  PODPASS_PASSWORD given to the baked image: it wins
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
# shellcheck source=images.sh
. "$contrib_here/images.sh"
contrib_begin docker
baked_image=localhost/podpass-test/pod-baked
deb_version=$(dpkg-deb --field "$PODPASS_DEB" Version)
pw=$CONTRIB_PW

# check_common IMAGE: what both images must be (their files, their configuration).
check_common() {
    local img=$1 r f ep cmd
    r=$(podman image mount "$img") || fail "podman image mount $img failed"
    for f in podpass openssh-server; do
        awk -v p="$f" 'BEGIN { RS = "" } index("\n" $0 "\n", "\nPackage: " p "\n") && index($0 "\n", "\nStatus: install ok installed\n") { found = 1 } END { exit !found }' \
            "$r/var/lib/dpkg/status" || fail "$img: package $f is not installed"
    done
    awk -v v="$deb_version" 'BEGIN { RS = "" } /(^|\n)Package: podpass\n/ && index($0 "\n", "\nVersion: " v "\n") { found = 1 } END { exit !found }' \
        "$r/var/lib/dpkg/status" || fail "$img: the podpass installed is not version $deb_version of $PODPASS_DEB"
    f=$(find "$r/etc/ssh" -maxdepth 1 -name 'ssh_host_*' | head -n 3)
    [ -z "$f" ] || fail "$img: the image carries host keys: $f"
    f=$(find "$r/var/lib/apt/lists" -mindepth 1 -maxdepth 1 ! -name lock ! -name partial ! -name auxfiles | head -n 3)
    [ -z "$f" ] || fail "$img: apt lists left in the image: $f"
    f=$(find "$r/tmp" -name '*.deb' | head -n 3)
    [ -z "$f" ] || fail "$img: .deb left in /tmp: $f"
    [ ! -e "$r/run/sshd" ] || fail "$img: /run/sshd is in the image"
    # buildah leaves the mount point of a secret, empty, in the layer (BuildKit does not).
    f=$(find "$r/run/secrets" -mindepth 1 2>/dev/null | head -n 3)
    [ -z "$f" ] || fail "$img: /run/secrets holds files in the image: $f"
    [ "$(stat -c '%a %U %G' "$r/usr/local/bin/podpass-start")" = '755 root root' ] ||
        fail "$img: /usr/local/bin/podpass-start is not 755 root root"
    cmp -s "$r/usr/local/bin/podpass-start" "$CONTRIB_DIR/docker/start.sh" ||
        fail "$img: /usr/local/bin/podpass-start is not contrib/docker/start.sh"
    ep=$(podman image inspect -f '{{json .Config.Entrypoint}}' "$img")
    cmd=$(podman image inspect -f '{{json .Config.Cmd}}' "$img")
    [ "$ep" = '["/usr/local/bin/podpass-start"]' ] || fail "$img: ENTRYPOINT is $ep"
    [ "$cmd" = '["sleep","infinity"]' ] || fail "$img: CMD is $cmd"
    IMG_ROOT=$r
    echo "    $img: podpass $deb_version and openssh-server installed; no host key, apt list, .deb, /run/sshd or file in /run/secrets; ENTRYPOINT podpass-start, CMD sleep infinity"
}

root_hash() { awk -F: '$1 == "root" { print $2 }' "$IMG_ROOT/etc/shadow"; }

# ---------------------------------------------------------------- the images

step "the image of Dockerfile"
check_common "$CONTRIB_IMAGE"
[ "$(root_hash)" = '*' ] || fail "Dockerfile: root has a password in the image"
! grep -qF '# BEGIN podpass block for ' "$IMG_ROOT/etc/ssh/sshd_config" || fail "Dockerfile: the image has a managed block"
podman image unmount "$CONTRIB_IMAGE" >/dev/null
echo "    Dockerfile: root has no password, sshd_config no managed block"

# First, before any build with the secret: the step with the secret must run, not come
# from the layer cache (a cached step is not run, and so does not ask for its secret).
step "podman build Dockerfile.baked without --secret: refused"
contrib_context "$WORK/context"
rc=0
podman build --pull=never -f "$WORK/context/Dockerfile.baked" -t localhost/podpass-test/nosecret \
    "$WORK/context" >"$WORK/nosecret.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "Dockerfile.baked built without the secret"
grep -q 'podpass_hash' "$WORK/nosecret.log" ||
    { tail -n 5 "$WORK/nosecret.log" >&2; fail "the build without the secret failed for another reason"; }
! podman image exists localhost/podpass-test/nosecret || fail "an image was made without the secret"
echo "    the build failed (exit $rc): $(grep -m1 'podpass_hash' "$WORK/nosecret.log")"

step "podman build Dockerfile.baked --secret id=podpass_hash"
hash=$(printf '%s\n' "$CONTRIB_PW_BAKED" | openssl passwd -6 -stdin)
printf '%s\n' "$hash" >"$WORK/podpass.hash"
chmod 0600 "$WORK/podpass.hash"
podman build --pull=never -f "$WORK/context/Dockerfile.baked" --secret "id=podpass_hash,src=$WORK/podpass.hash" \
    -t "$baked_image" "$WORK/context" >"$WORK/baked.log" 2>&1 ||
    { tail -n 30 "$WORK/baked.log" >&2; fail "the build of Dockerfile.baked failed"; }
check_common "$baked_image"
[ "$(root_hash)" = "$hash" ] || fail "Dockerfile.baked: root's hash is not the secret's"
last=$(tail -n 7 "$IMG_ROOT/etc/ssh/sshd_config")
if [ "$(printf '%s\n' "$last" | head -n 2)" != "# BEGIN podpass block for root: 'podpass disable -u root' removes it
Match User root" ] || [ "$(printf '%s\n' "$last" | tail -n 1)" != "# END podpass block for root" ]; then
    fail "Dockerfile.baked: sshd_config does not end with root's managed block"
fi
podman image unmount "$baked_image" >/dev/null
echo "    Dockerfile.baked: root's hash is the secret's; root's managed block ends sshd_config"

step "podman save of the baked image: every layer searched"
mkdir "$WORK/save" "$WORK/layer"
podman save --format docker-archive -o "$WORK/save.tar" "$baked_image" >/dev/null
tar -C "$WORK/save" -xf "$WORK/save.tar"
printf '%s\n' "$CONTRIB_PW_BAKED" >"$WORK/pw.pattern"
printf '%s\n' "$hash" >"$WORK/hash.pattern"
nlayers=0 hashed=''
while IFS= read -r -d '' f; do
    ! grep -qaF -f "$WORK/pw.pattern" "$f" || fail "the plaintext password is in ${f#"$WORK/save/"}"
    case $f in *.tar) ;; *)
        ! grep -qaF -f "$WORK/hash.pattern" "$f" || fail "the hash is in ${f#"$WORK/save/"}"
        continue ;;
    esac
    nlayers=$((nlayers + 1))
    grep -qaF -f "$WORK/hash.pattern" "$f" || continue
    [ -z "$hashed" ] || fail "the hash is in two layers"
    rm -rf "${WORK:?}/layer" && mkdir "$WORK/layer"
    tar -C "$WORK/layer" -xf "$f"
    hashed=$(grep -rlaF -f "$WORK/hash.pattern" "$WORK/layer" | sed -e "s|^$WORK/layer/||" | tr '\n' ' ')
    [ "$hashed" = 'etc/shadow ' ] || fail "the hash is in other files than etc/shadow: $hashed"
done < <(find "$WORK/save" -type f -print0)
[ "$nlayers" -ge 3 ] || fail "podman save's archive has $nlayers layer(s)"
[ -n "$hashed" ] || fail "the hash is in no layer"
rm -rf "${WORK:?}/save" "$WORK/layer" "$WORK/save.tar"
echo "    $nlayers layers and the config: the plaintext in none, the hash in one layer's etc/shadow only"

# ---------------------------------------------------------------- the containers

hostkeys_sum() { ct_exec sh -c 'cat /etc/ssh/ssh_host_*_key.pub' | sha256sum; }

status_says_login() {
    ct_exec podpass status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["password_login"] is True and d["sshd_running"] is True else 1)' ||
        fail "podpass status --json does not say password_login and sshd_running"
    echo "    podpass status --json: password_login true, sshd_running true"
}

assert_clean() { # PASSWORD: the main process (pid 2 under --init) and every sshd
    local p main
    main=$(ct_exec pgrep -x sleep) || fail "no main process (sleep)"
    for p in $main $(ct_sshd_pids); do ct_env_clean "$p" PODPASS_PASSWORD PODPASS_ENCRYPTED; done
    # pid 1 is the engine's init (--init: catatonit as /run/podman-init, as Docker's tini): it has
    # the container's environment, as docker inspect shows it.
    [ "$(ct_exec cat /proc/1/comm)" = podman-init ] || fail "pid 1 is not the engine's init"
    ct_hidden "the password" "$1" '' 1
    ct_argv_clean "$CONTRIB_PW" "$CONTRIB_PW_BAKED" "$CONTRIB_PW_SHORT"
}

ct_case at-start
PODPASS_PASSWORD=$pw PUBLIC_KEY=$CONTRIB_KEY ct_run --init -e PODPASS_PASSWORD -e PUBLIC_KEY "$CONTRIB_IMAGE"
ct_wait_log "password login for 'root' is on"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_login_key
ct_one_block
status_says_login
assert_clean "$pw"
keys_before=$(hostkeys_sum)
step "restarted"
ct_restart
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_login_key
ct_one_block
[ "$(hostkeys_sum)" = "$keys_before" ] || fail "the host keys changed on restart"
[ "$(ct_exec grep -c contrib-test /root/.ssh/authorized_keys)" = 1 ] || fail "PUBLIC_KEY added twice"
echo "    the same host keys, PUBLIC_KEY once in authorized_keys"
assert_clean "$pw"

ct_case at-start-hash
hash_start=$(printf '%s\n' "$pw" | openssl passwd -6 -stdin)
PODPASS_PASSWORD=$hash_start ct_run --init -e PODPASS_PASSWORD -e PODPASS_ENCRYPTED=yes "$CONTRIB_IMAGE"
ct_wait_log "password login for 'root' is on"
[ "$(ct_root_hash)" = "$hash_start" ] || fail "root's hash is not the one given"
echo "    root's hash in /etc/shadow is the one given"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
assert_clean "$pw"

# The key as people give it to a container without podpass: authorized_keys mounted.
install -m 0600 "$WORK/id_test.pub" "$WORK/authorized_keys"
keys_mount=$WORK/authorized_keys:/root/.ssh/authorized_keys:ro

ct_case at-start-nopw
ct_run --init -v "$keys_mount" "$CONTRIB_IMAGE"
ct_wait_banner
ct_exec test -f /etc/ssh/ssh_host_ed25519_key || fail "no host key made at start"
ct_login_key
ct_login_pw_fails "$pw"
! ct_logs | grep -q '^podpass' || fail "podpass ran without a password"
echo "    podpass did not run"

ct_case at-start-bad
PODPASS_PASSWORD=$CONTRIB_PW_SHORT ct_run --init -e PODPASS_PASSWORD "$CONTRIB_IMAGE"
ct_wait_exit
[ "$CT_RC" = 65 ] || { ct_show_log; fail "the container ended with $CT_RC, not podpass's 65"; }
echo "    the container ended with exit status 65"
ct_assert_log "too short"
! ct_logs | grep -qF -- "$CONTRIB_PW_SHORT" || fail "the refused password is in the log"
ct_argv_clean "$CONTRIB_PW_SHORT"

ct_case baked
ct_run --init -v "$keys_mount" "$baked_image"
ct_login_pw "$CONTRIB_PW_BAKED"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_login_key
status_says_login
ct_hidden "the baked password" "$CONTRIB_PW_BAKED" ''
step "restarted"
ct_restart
ct_login_pw "$CONTRIB_PW_BAKED"

ct_case baked-override
PODPASS_PASSWORD=$pw ct_run --init -e PODPASS_PASSWORD "$baked_image"
ct_wait_log "password login for 'root' is on"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_PW_BAKED"
ct_one_block
assert_clean "$pw"
contrib_end
