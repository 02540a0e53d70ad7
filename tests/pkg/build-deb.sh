#!/bin/bash
# Build the podpass Debian packages from a clean copy of this git checkout and lint them.
#
#   tests/pkg/build-deb.sh [--ref REF] [--arch ARCH] OUTDIR
#
# The copy holds the files git knows, as they are in the working tree: the tracked ones
# (with any uncommitted edits) and the untracked ones that .gitignore does not exclude;
# nothing generated (configure, Makefile.in, objects) comes along. On a fresh clone that
# is exactly the commit. With --ref REF the copy is `git archive REF` instead: exactly
# that commit, whatever the working tree holds. No file of the checkout is changed.
#
# In the copy, dpkg-buildpackage -us -uc builds the source package (3.0 native) and the
# binary package (debian/rules: autoreconf, configure, make, the unit tests only); then
# lintian --fail-on error,warning checks the .changes (source, .deb and .buildinfo) and
# shows every tag, info and pedantic ones included. Every file the .changes lists (the
# .deb, the -dbgsym .deb, the .dsc, the source tarball, the .buildinfo), the .changes,
# the build log (.build) and lintian's output (.lintian) land in OUTDIR. The build's
# output goes to standard error; standard output gets one line, the path of the .deb:
#   deb=$(tests/pkg/build-deb.sh out) && tests/pkg/deb-install.sh "$deb"
# With --arch ARCH (a Debian architecture other than this machine's, e.g. arm64) the
# package is cross-built for it: dpkg-buildpackage -a ARCH -P cross,nocheck with
# DEB_BUILD_OPTIONS=nocheck (the unit tests cannot run on this machine), which needs
# the cross compiler and debian/control's Build-Depends for ARCH; for arm64:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross libcrypt-dev:arm64 \
#       libinih-dev:arm64 pkgconf:arm64
# lintian runs the same way.
# Exit 0 when the build and lintian pass, else nonzero.
set -eu
set -o pipefail

name="build-deb"
fail() {
    echo "FAIL $name: $*" >&2
    exit 1
}
usage() {
    echo "usage: $0 [--ref REF] [--arch ARCH] OUTDIR" >&2
    exit 64
}

ref=
host_arch=
outdir=
while [ $# -gt 0 ]; do
    case $1 in
    --ref | --arch)
        [ $# -ge 2 ] || usage
        if [ "$1" = --ref ]; then ref=$2; else host_arch=$2; fi
        shift 2
        ;;
    --ref=*) ref=${1#--ref=} && shift ;;
    --arch=*) host_arch=${1#--arch=} && shift ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
        [ -z "$outdir" ] || usage
        outdir=$1
        shift
        ;;
    esac
done
[ -n "$outdir" ] || usage

for t in git dpkg-buildpackage dpkg-parsechangelog dpkg-architecture lintian; do
    command -v "$t" >/dev/null 2>&1 ||
        fail "required tool missing: $t (apt-get install git dpkg-dev debhelper lintian)"
done

here=$(dirname -- "$(readlink -f -- "$0")")
if ! top=$(git -C "$here" rev-parse --show-toplevel 2>&1) || [ ! -d "$top" ]; then
    fail "$here is not in a usable git checkout (the package is built from the files git knows): $top"
fi
[ -f "$top/debian/control" ] || fail "no debian/control in $top"
mkdir -p -- "$outdir"
outdir=$(readlink -f -- "$outdir")
# An OUTDIR inside the checkout that .gitignore does not cover must not end up in the
# source package of the next build.
case $outdir/ in
"$top"/*) out_rel=${outdir#"$top"/}/ ;;
*) out_rel= ;;
esac

# File names carry the version without its epoch; the source directory without the revision.
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
version=${version#*:}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
cross=()
if [ -n "$host_arch" ] && [ "$host_arch" != "$arch" ]; then
    arch=$host_arch
    cross=(-a "$arch" "--build-profiles=cross,nocheck")
    export DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
fi
src=podpass-${version%-*}

work=$(mktemp -d "${TMPDIR:-/tmp}/podpass-build-deb.XXXXXX")
# shellcheck disable=SC2064 # expand now: the path is fixed
trap "rm -rf -- '$work'" EXIT
mkdir "$work/$src"

# ---------------------------------------------------------------- the clean copy

if [ -n "$ref" ]; then
    echo "--- source: git archive $ref of $top" >&2
    git -C "$top" archive --format=tar "$ref" | tar -x -C "$work/$src" ||
        fail "git archive $ref failed"
else
    echo "--- source: the files git knows in $top, as in the working tree" >&2
    if [ -n "$(git -C "$top" status --porcelain --untracked-files=normal)" ]; then
        echo "    (uncommitted changes are included; --ref HEAD builds the last commit)" >&2
    fi
    # Tracked files deleted from the working tree are left out, and so is OUTDIR.
    (
        cd "$top"
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                if [ -n "$out_rel" ] && [ "${f#"$out_rel"}" != "$f" ]; then continue; fi
                if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
            done |
            tar -c -f - --no-recursion --null --files-from=-
    ) | tar -x -C "$work/$src" || fail "could not copy the files of $top"
fi

# ---------------------------------------------------------------- build

log=$outdir/podpass_${version}_${arch}.build
echo "--- dpkg-buildpackage -us -uc ${cross[*]} in $work/$src (log: $log)" >&2
rc=0
(cd "$work/$src" && dpkg-buildpackage -us -uc "${cross[@]}") >"$log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
    tail -n 60 "$log" >&2
    fail "dpkg-buildpackage exited $rc (whole log: $log)"
fi
grep -E '^(PASS|FAIL|ERROR|SKIP|# (TOTAL|PASS|FAIL|ERROR|SKIP)):' "$log" >&2 || true

changes=$work/podpass_${version}_${arch}.changes
deb=$work/podpass_${version}_${arch}.deb
[ -f "$changes" ] || fail "no $changes after the build"
[ -f "$deb" ] || fail "no $deb after the build"

# ---------------------------------------------------------------- results

# Everything the .changes lists (the .deb, its -dbgsym, the .dsc, the source tarball,
# the .buildinfo), then the .changes itself; lintian runs on the copies in OUTDIR.
listed=$(sed -n '/^Files:/,/^[^ ]/{/^ /p}' "$changes" | awk '{ print $NF }')
[ -n "$listed" ] || fail "$changes lists no files"
for f in $listed; do
    cp -- "$work/$f" "$outdir/" || fail "cannot copy $f, listed in $(basename "$changes")"
done
cp -- "$changes" "$outdir/"
changes=$outdir/$(basename "$changes")
deb=$outdir/$(basename "$deb")

# ---------------------------------------------------------------- lintian

lintlog=$outdir/podpass_${version}_${arch}.lintian
echo "--- lintian --fail-on error,warning --display-info --pedantic $changes" >&2
rc=0
lintian --fail-on error,warning --display-info --pedantic --color never "$changes" \
    >"$lintlog" 2>&1 || rc=$?
grep -v '^running with root privileges is not recommended!$' "$lintlog" >&2 || true
[ "$rc" = 0 ] || fail "lintian found errors or warnings, or failed (exit $rc; $lintlog)"
grep -q '^E: \|^W: ' "$lintlog" && fail "lintian reported an error or warning ($lintlog)"
echo "--- built and lint-clean: $deb ($(grep -c '^[IP]: ' "$lintlog" || true) info/pedantic tags)" >&2
echo "$deb"
