#!/bin/bash
# The release's OCI archive used as a Dockerfile user would: loaded with podman, then
# a Dockerfile
#     FROM scratch
#     COPY --from=podpass:VERSION /podpass /usr/local/sbin/podpass
# built with podman for linux/amd64 and for linux/arm64, and `podpass --version` run in
# each result (arm64 through qemu-user-static's binfmt_misc entry).
#
#   tests/release/oci-test.sh RELEASE-DIR
#
# RELEASE-DIR holds podpass-VERSION-oci.tar (from tests/release/release.sh). podman runs
# with its own containers.conf and storage in a temporary directory (runc, cgroupfs,
# ulimits, no network). Exit 0 when both images print the version, 77 without root.
set -eu
set -o pipefail
export LC_ALL=C
name=oci-test
fail() {
    echo "FAIL $name: $*" >&2
    exit 1
}
[ $# = 1 ] || { echo "usage: $0 RELEASE-DIR" >&2; exit 64; }
[ "$(id -u)" = 0 ] || { echo "SKIP $name: needs root (rootful podman)" >&2; exit 77; }
command -v podman >/dev/null 2>&1 || fail "podman is missing"
here=$(dirname -- "$(readlink -f -- "$0")")
archive=$(find "$1" -maxdepth 1 -name 'podpass-*-oci.tar' | sort | tail -n 1)
[ -n "$archive" ] || fail "no podpass-*-oci.tar in $1"
archive=$(readlink -f -- "$archive")
version=${archive##*/podpass-}
version=${version%-oci.tar}

work=$(mktemp -d "${TMPDIR:-/tmp}/podpass-oci-test.XXXXXX")
# shellcheck source=tests/release/containers.sh
. "$here/containers.sh"
containers_private "$work/containers"
# shellcheck disable=SC2064 # expand now: the path is fixed
trap "containers_clean; rm -rf -- '$work'" EXIT

# The documented way in: podman load names the image podpass:VERSION.
podman load --quiet -i "$archive" >&2 || fail "podman load -i $archive failed"
podman image exists "podpass:$version" || fail "podman load did not make podpass:$version"
mkdir "$work/ctx"
cat >"$work/ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY --from=podpass:$version /podpass /usr/local/sbin/podpass
DOCKERFILE

for arch in amd64 arm64; do
    echo "--- linux/$arch" >&2
    # The archive's image for this architecture under the name the Dockerfile uses.
    podman pull --quiet --arch "$arch" "oci-archive:$archive" >/dev/null ||
        fail "podman pull --arch $arch oci-archive:$archive failed"
    got=$(podman image inspect --format '{{.Architecture}}' "podpass:$version")
    [ "$got" = "$arch" ] || fail "podpass:$version is for $got, not $arch"
    podman build --quiet --no-cache --pull=never --network none --platform "linux/$arch" \
        -t "podpass-copied:$arch" "$work/ctx" >/dev/null || fail "podman build for $arch failed"
    out=$(podman run --rm --network none --arch "$arch" "podpass-copied:$arch" \
        /usr/local/sbin/podpass --version) || fail "podpass --version in the $arch image failed"
    echo "$out" >&2
    [ "$out" = "podpass $version" ] || fail "$arch image printed '$out', not 'podpass $version'"
    # The image holds /podpass only: root's, 0755, a static binary for this architecture
    # (an x86_64 binary in the arm64 image would print its version here too).
    root=$(podman image mount "podpass:$version") || fail "podman image mount failed"
    files=$(cd "$root" && find . -mindepth 1 -printf '%p %m %U:%G\n')
    [ "$files" = "./podpass 755 0:0" ] || fail "the $arch image holds: $files"
    machine=$(readelf -h "$root/podpass" | sed -n 's/^ *Machine: *//p')
    podman image unmount "podpass:$version" >/dev/null
    case $arch:$machine in
    "amd64:Advanced Micro Devices X86-64" | arm64:AArch64) ;;
    *) fail "the $arch image's /podpass is for $machine" ;;
    esac
done
# The image itself runs too: its entrypoint is /podpass (here the arm64 one).
out=$(podman run --rm --network none --arch arm64 "podpass:$version" --version) ||
    fail "podman run podpass:$version --version failed"
[ "$out" = "podpass $version" ] || fail "podpass:$version printed '$out'"
echo "PASS $name: COPY --from=podpass:$version runs podpass $version on amd64 and arm64" >&2
