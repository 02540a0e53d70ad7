#!/bin/bash
# Build podpass's release files, reproducibly, from a clean export of one commit.
#
#   [REF=commit] tests/release/release.sh OUTDIR     (make release [REF=...] [RELEASE_OUT=...])
#
# REF (default HEAD) is exported with git archive: nothing of the working tree (edits,
# build products) gets in. In a private temporary directory, from that export:
#   podpass-VERSION.tar.gz           make dist's files (make distdir), tarred with sorted
#                                    names, mtime SOURCE_DATE_EPOCH, owner and group 0
#                                    (root), gzip -n
#   podpass-VERSION-x86_64-linux     ./configure --enable-static-binary, stripped
#   podpass-VERSION-aarch64-linux    the same, cross-built: --host=aarch64-linux-gnu with
#                                    gcc-aarch64-linux-gnu and the arm64 multiarch
#                                    libcrypt-dev and libinih-dev; run once under qemu
#   podpass-VERSION-oci.tar          an OCI archive: per architecture a FROM scratch
#                                    image holding only /podpass (0755), and an image
#                                    index over both, tagged "podpass:VERSION" (buildah,
#                                    with storage and containers.conf of its own)
#   SHA256SUMS                       sha256sum's format, over the files above
# Reproducible: SOURCE_DATE_EPOCH is the commit's time, LC_ALL=C, TZ=UTC, umask 022, the
# build directory is mapped away (-ffile-prefix-map) and SSHD / SSH_KEYGEN are fixed, so
# two runs on the same commit give the same bytes (tests/release/reproducible.sh).
# Needs root (buildah), git, autoconf, automake, gcc, gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross, libcrypt-dev and libinih-dev for amd64 and arm64, buildah, runc,
# qemu-user-static with binfmt_misc (tests/distros/binfmt.sh). Progress goes to standard
# error; exit 0 when every file is made and checked.
set -eu
set -o pipefail
export LC_ALL=C TZ=UTC
umask 022

name=release
fail() {
    echo "FAIL $name: $*" >&2
    exit 1
}
usage() {
    echo "usage: [REF=commit] $0 OUTDIR" >&2
    exit 64
}

ref=${REF:-HEAD}
[ $# = 1 ] || usage
outdir=$1
jobs=${RELEASE_JOBS:-2}
cross=aarch64-linux-gnu

for t in git autoreconf make gcc strip readelf "$cross-gcc" "$cross-strip" buildah sha256sum; do
    command -v "$t" >/dev/null 2>&1 || fail "required tool missing: $t"
done

here=$(dirname -- "$(readlink -f -- "$0")")
top=$(git -C "$here" rev-parse --show-toplevel) || fail "$here is not in a git checkout"
commit=$(git -C "$top" rev-parse --verify "$ref^{commit}") || fail "no commit $ref"
SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct "$commit")
export SOURCE_DATE_EPOCH
mkdir -p -- "$outdir"
outdir=$(readlink -f -- "$outdir")

work=$(mktemp -d "${TMPDIR:-/tmp}/podpass-release.XXXXXX")
# shellcheck disable=SC2064 # expand now: the path is fixed
trap "rm -rf -- '$work'" EXIT

# Every path of the temporary directory is mapped to "." in what the compiler writes.
prefix_map="-ffile-prefix-map=$work=."
export CFLAGS="${RELEASE_CFLAGS--O2 -g $prefix_map}"

# ---------------------------------------------------------------- the source

echo "--- source: git archive $commit (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)" >&2
mkdir "$work/src"
git -C "$top" archive --format=tar "$commit" | tar -x -C "$work/src"
(cd "$work/src" && ./autogen.sh) >"$work/autogen.log" 2>&1 ||
    { cat "$work/autogen.log" >&2; fail "autogen.sh failed"; }
version=$(sed -n "s/^PACKAGE_VERSION='\(.*\)'\$/\1/p" "$work/src/configure")
[ -n "$version" ] || fail "no PACKAGE_VERSION in configure"
base=podpass-$version
rm -f -- "$outdir/$base"-* "$outdir/$base.tar.gz" "$outdir/SHA256SUMS"

# A static, stripped podpass for HOST (empty: this machine) into OUTFILE.
build_static() { # HOST OUTFILE CONFIGURE-ARGS...
    local host=$1 outfile=$2 dir=$work/build-${1:-native}
    shift 2
    echo "--- static build${host:+ for $host} in $dir" >&2
    mkdir "$dir"
    (
        cd "$dir" &&
            "$work/src/configure" --enable-werror --enable-static-binary \
                SSHD=/usr/sbin/sshd SSH_KEYGEN=/usr/bin/ssh-keygen "$@" &&
            make -j"$jobs" src/podpass
    ) >"$dir.log" 2>&1 || { tail -n 40 "$dir.log" >&2; fail "build${host:+ for $host} failed ($dir.log)"; }
    "${host:+$host-}strip" --strip-all -o "$outfile" "$dir/src/podpass"
    chmod 0755 "$outfile"
}

# FILE must be a static executable for MACHINE (readelf's Machine: text).
check_static() { # FILE MACHINE
    readelf -h "$1" | grep -q "Machine:[[:space:]]*$2\$" || fail "$1 is not for $2"
    readelf -h "$1" | grep -q 'Type:[[:space:]]*EXEC' || fail "$1 is not a static executable"
    ! readelf -l "$1" | grep -q 'INTERP\|DYNAMIC' || fail "$1 is dynamically linked"
    ! readelf -d "$1" | grep -q NEEDED || fail "$1 needs shared libraries"
}

# ---------------------------------------------------------------- the tarball

echo "--- $base.tar.gz (make distdir)" >&2
mkdir "$work/build-dist"
(cd "$work/build-dist" && "$work/src/configure" && make distdir) >"$work/build-dist.log" 2>&1 ||
    { tail -n 40 "$work/build-dist.log" >&2; fail "make distdir failed"; }
tar -C "$work/build-dist" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 \
    --numeric-owner --mode='u+rw,go=rX' --format=gnu -cf - "$base" |
    gzip -n -9 >"$outdir/$base.tar.gz"

# ---------------------------------------------------------------- the binaries

bin64=$outdir/$base-x86_64-linux
binarm=$outdir/$base-aarch64-linux
build_static "" "$bin64"
check_static "$bin64" 'Advanced Micro Devices X86-64'
"$bin64" --version >&2 || fail "$bin64 --version failed"

arm_pc=/usr/lib/$cross/pkgconfig:/usr/share/pkgconfig
if command -v "$cross-pkg-config" >/dev/null 2>&1; then
    build_static "$cross" "$binarm" --host="$cross" PKG_CONFIG="$cross-pkg-config"
else
    build_static "$cross" "$binarm" --host="$cross" PKG_CONFIG_LIBDIR="$arm_pc"
fi
check_static "$binarm" AArch64
# Runs through binfmt_misc's qemu-aarch64 (fix-binary flag); on an aarch64 machine, natively.
"$binarm" --version >&2 || fail "$binarm --version failed (is qemu-aarch64 registered?)"

# ---------------------------------------------------------------- the OCI image

echo "--- $base-oci.tar (buildah, storage in $work/containers)" >&2
"$here/oci-build.sh" "$work/containers" "$version" "$bin64" "$binarm" "$outdir/$base-oci.tar" ||
    fail "the OCI image failed"

# ---------------------------------------------------------------- checksums

(
    cd "$outdir" &&
        sha256sum -- "$base.tar.gz" "$base-x86_64-linux" "$base-aarch64-linux" "$base-oci.tar" \
            >SHA256SUMS
)
echo "--- release $version of $commit in $outdir:" >&2
cat "$outdir/SHA256SUMS" >&2
