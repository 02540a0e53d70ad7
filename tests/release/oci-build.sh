#!/bin/bash
# The OCI archive of a release: per architecture a FROM scratch image holding only
# /podpass (the static binary, mode 0755, owner 0:0), and an image index over both.
#
#   tests/release/oci-build.sh WORKDIR VERSION X86_64-BINARY AARCH64-BINARY OUT.tar
#
# buildah (storage and containers.conf of its own in WORKDIR) builds each image and
# commits it with --timestamp SOURCE_DATE_EPOCH (file times, "created" and history),
# which makes every blob reproducible; "manifest push --all" writes the index and both
# images into an OCI layout directory, tagged podpass:VERSION. That directory is then
# tarred with sorted names, mtime SOURCE_DATE_EPOCH and owner 0: buildah's own
# oci-archive: writer stamps the archive's entries with the time of writing.
set -eu
set -o pipefail
export LC_ALL=C TZ=UTC
umask 022
[ $# = 5 ] || { echo "usage: $0 WORKDIR VERSION X86_64-BINARY AARCH64-BINARY OUT.tar" >&2; exit 64; }
work=$1 version=$2 out=$5
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set}"
here=$(dirname -- "$(readlink -f -- "$0")")
# shellcheck source=tests/release/containers.sh
. "$here/containers.sh"
containers_private "$work"
trap containers_clean EXIT

list=podpass-release-$$
buildah manifest create "$list" >/dev/null
declare -A binary=([amd64]=$3 [arm64]=$4)
for arch in amd64 arm64; do
    ctr=$(buildah from --arch "$arch" --os linux scratch)
    buildah copy --chmod 0755 --chown 0:0 "$ctr" "${binary[$arch]}" /podpass >/dev/null
    buildah config --arch "$arch" --os linux --entrypoint '["/podpass"]' --cmd '' \
        --created-by "COPY podpass /podpass" \
        --label org.opencontainers.image.title=podpass \
        --label "org.opencontainers.image.version=$version" "$ctr"
    buildah commit --quiet --timestamp "$SOURCE_DATE_EPOCH" --rm "$ctr" "podpass-$arch:$version" >/dev/null
    buildah manifest add "$list" "containers-storage:localhost/podpass-$arch:$version" >/dev/null
done
layout=$work/layout
buildah manifest push --quiet --all "$list" "oci:$layout:podpass:$version"
tar -C "$layout" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 \
    --numeric-owner --mode='u+rw,go=rX' --format=gnu -cf "$out" .
