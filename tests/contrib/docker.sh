#!/bin/bash
# contrib/docker, built and run for real, without a Docker engine:
#
#   PODPASS_DEB=path/to/podpass_VERSION_ARCH.deb tests/contrib/docker.sh
#
# Builds Dockerfile and Dockerfile.baked with dockerfile.sh (the context: contrib/docker plus
# the package, as the Dockerfiles' comments say) and checks the images' files:
#   both:   podpass installed from the package, openssh-server installed, no host key, no
#           apt lists, no .deb left in /tmp, no /run/sshd, no /run/secrets; the ENTRYPOINT
#           and CMD as documented
#   Dockerfile: root without a password, no managed block
#   Dockerfile.baked (the secret: a hash of a test password): root's hash is the secret's,
#           root's block at the end of sshd_config; the plaintext password in no file of the
#           image, and the hash in none but /etc/shadow
#   Dockerfile.baked without --secret: the build fails, naming the secret
# Then runs the images as containers: docker-run.sh's cases (real logins in private
# namespaces). Exit 0: pass; 77: no root or no unshare; anything else: failure.
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
set +E
trap - ERR

name=docker
here=$contrib_here
fail() {
    echo "FAIL $name: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || e2e_skip "needs root (uid $(id -u)): the images are built with chroot and namespaces"
command -v unshare >/dev/null 2>&1 || e2e_skip "unshare(1) not found (util-linux)"
if ! err=$(unshare --mount --net --pid --fork --mount-proc --propagation private true 2>&1); then
    e2e_skip "unshare does not work here: ${err:-exit status $?}"
fi
CONTRIB_DIR=$(cd "${CONTRIB_DIR:-$here/../../contrib}" && pwd)
export CONTRIB_DIR
[ -n "${PODPASS_DEB:-}" ] || fail "PODPASS_DEB is not set (the path of a built podpass_*.deb)"
PODPASS_DEB=$(readlink -f -- "$PODPASS_DEB")
[ -f "$PODPASS_DEB" ] || fail "PODPASS_DEB: no such file: $PODPASS_DEB"
deb_version=$(dpkg-deb --field "$PODPASS_DEB" Version)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpass-contrib.docker.XXXXXX")
# shellcheck disable=SC2064 # expand now: the path is fixed
trap "rm -rf -- '$tmp'" EXIT
chmod 0700 "$tmp"

build() { # NAME DOCKERFILE [dockerfile.sh options]: build; its log in $tmp/NAME.log
    local n=$1 df=$2 t0=$SECONDS
    shift 2
    echo "--- build $df"
    if ! (contrib_build_image "$CONTRIB_DIR/docker/$df" "$tmp/$n" "$@") >"$tmp/$n.log" 2>&1; then
        sed -e 's/^/    | /' "$tmp/$n.log" | tail -n 40 >&2
        fail "the build of $df failed (log above)"
    fi
    echo "    built in $((SECONDS - t0)) s"
}

# check_common IMAGE: what both images must be.
check_common() {
    local img=$1 r=$1/rootfs f
    [ -x "$r/usr/sbin/podpass" ] || fail "$img: no /usr/sbin/podpass"
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
    [ ! -e "$r/run/secrets" ] || fail "$img: /run/secrets is in the image"
    [ "$(stat -c '%a %U %G' "$r/usr/local/bin/podpass-start")" = '755 root root' ] ||
        fail "$img: /usr/local/bin/podpass-start is not 755 root root"
    cmp -s "$r/usr/local/bin/podpass-start" "$CONTRIB_DIR/docker/start.sh" ||
        fail "$img: /usr/local/bin/podpass-start is not contrib/docker/start.sh"
    [ "$(tr '\0' ' ' <"$img/config/entrypoint")" = "/usr/local/bin/podpass-start " ] ||
        fail "$img: ENTRYPOINT is $(tr '\0' ' ' <"$img/config/entrypoint")"
    [ "$(tr '\0' ' ' <"$img/config/cmd")" = "sleep infinity " ] ||
        fail "$img: CMD is $(tr '\0' ' ' <"$img/config/cmd")"
    echo "    $img: podpass $deb_version and openssh-server installed; no host key, apt list, .deb, /run/sshd or /run/secrets; ENTRYPOINT podpass-start, CMD sleep infinity"
}

root_hash() { awk -F: '$1 == "root" { print $2 }' "$1/rootfs/etc/shadow"; }

# ---------------------------------------------------------------- Dockerfile

build at-start Dockerfile
check_common "$tmp/at-start"
[ "$(root_hash "$tmp/at-start")" = '*' ] || fail "Dockerfile: root has a password in the image"
! grep -qF '# BEGIN podpass block for ' "$tmp/at-start/rootfs/etc/ssh/sshd_config" ||
    fail "Dockerfile: the image has a managed block"
echo "    Dockerfile: root has no password, sshd_config no managed block"

# ---------------------------------------------------------------- Dockerfile.baked

printf '%s\n' "$CONTRIB_PW_BAKED" >"$tmp/pw.pattern"
hash=$(make_hash "$CONTRIB_PW_BAKED")
[ -n "$hash" ] || fail "could not hash the test password"
printf '%s\n' "$hash" >"$tmp/podpass.hash"
chmod 0600 "$tmp/podpass.hash"
build baked Dockerfile.baked --secret "id=podpass_hash,src=$tmp/podpass.hash"
check_common "$tmp/baked"
[ "$(root_hash "$tmp/baked")" = "$hash" ] || fail "Dockerfile.baked: root's hash is not the secret's"
last=$(tail -n 7 "$tmp/baked/rootfs/etc/ssh/sshd_config")
if [ "$(printf '%s\n' "$last" | head -n 2)" != "# BEGIN podpass block for root: 'podpass disable -u root' removes it
Match User root" ] || [ "$(printf '%s\n' "$last" | tail -n 1)" != "# END podpass block for root" ]; then
    fail "Dockerfile.baked: sshd_config does not end with root's managed block"
fi
echo "    Dockerfile.baked: root's hash is the secret's; root's managed block ends sshd_config"
hits=$(grep -rlsaF -D skip -f "$tmp/pw.pattern" -- "$tmp/baked/rootfs" || true)
[ -z "$hits" ] || fail "Dockerfile.baked: the plaintext password is in the image: $hits"
hits=$(grep -rlsaF -D skip -f "$tmp/podpass.hash" -- "$tmp/baked/rootfs" | sed -e "s|^$tmp/baked/rootfs||" || true)
[ "$hits" = /etc/shadow ] || fail "Dockerfile.baked: the hash is in other files than /etc/shadow: $(echo "$hits" | tr '\n' ' ')"
echo "    Dockerfile.baked: the plaintext password in no file of the image, the hash in /etc/shadow only"

echo "--- build Dockerfile.baked without --secret: refused"
rc=0
(contrib_build_image "$CONTRIB_DIR/docker/Dockerfile.baked" "$tmp/nosecret") >"$tmp/nosecret.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "Dockerfile.baked built without the secret"
grep -q 'secret podpass_hash: not provided' "$tmp/nosecret.log" ||
    { tail -n 5 "$tmp/nosecret.log" >&2; fail "the build without the secret failed for another reason"; }
echo "    the build failed (exit $rc): $(grep 'secret podpass_hash' "$tmp/nosecret.log")"
rm -rf -- "$tmp/nosecret" "$tmp/nosecret.context"

# ---------------------------------------------------------------- the containers

rc=0
CONTRIB_IMAGE=$tmp/at-start bash "$here/docker-run.sh" at-start at-start-hash at-start-nopw at-start-bad || rc=$?
[ "$rc" != 77 ] || exit 77
[ "$rc" = 0 ] || fail "the containers of Dockerfile (above)"
CONTRIB_IMAGE=$tmp/baked CONTRIB_BAKED_HASH=$hash bash "$here/docker-run.sh" baked baked-override || rc=$?
[ "$rc" != 77 ] || exit 77
[ "$rc" = 0 ] || fail "the containers of Dockerfile.baked (above)"
echo "PASS $name"
