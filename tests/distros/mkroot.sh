#!/bin/bash
# mkroot.sh SUITE [ARCH]: print the path of a Debian SUITE root (debootstrap, minbase)
# holding that release's own sshd, ssh, sshpass, PAM and the tools the end-to-end
# scenarios use. A root is made once and then reused: it lives in $PODPASS_DISTRO_CACHE
# (/var/cache/podpass/distros by default) as SUITE/, with a stamp naming what it was
# made with; a root whose stamp differs (another package list, another mirror) is made
# again. PODPASS_DISTRO_REFRESH=1 makes it again in any case.
# ARCH (a Debian architecture, e.g. arm64) other than this machine's makes a foreign
# root, SUITE-ARCH/ with the architecture in its stamp: debootstrap --foreign unpacks
# it, then its second stage runs inside it under qemu-user, which binfmt_misc must
# already start for that architecture's programs (tests/distros/binfmt.sh). The times
# of both stages are kept in SUITE-ARCH.times.
# Needs root, debootstrap and the network (Debian's mirror) the first time only. The
# mirror is $PODPASS_DISTRO_MIRROR, else the Debian archive this machine's own apt sources
# name (/etc/apt/sources.list.d/*.sources URIs:, then /etc/apt/sources.list); without
# either, mkroot.sh stops with a message.
set -euo pipefail

suite=${1:?usage: mkroot.sh SUITE [ARCH]}
case $suite in
*[!a-z0-9-]* | '') echo "mkroot.sh: bad suite name: $suite" >&2; exit 2 ;;
esac
native=$(dpkg --print-architecture 2>/dev/null || true)
arch=${2:-$native}
case $arch in
*[!a-z0-9]* | '') echo "mkroot.sh: bad architecture: ${arch:-(none, and no dpkg)}" >&2; exit 2 ;;
esac
cache=${PODPASS_DISTRO_CACHE:-/var/cache/podpass/distros}

# apt_mirror: the first main Debian archive (not -security, -updates or -backports) in
# this machine's apt sources, deb822 files first; nothing when there is none.
apt_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }' "$f"
    done
} 2>/dev/null
mirror=${PODPASS_DISTRO_MIRROR:-$(apt_mirror | grep -E '^(https?|file)://' |
    grep -vE -- '-(security|updates|backports)/?$' | head -n 1 || true)}
if [ -z "$mirror" ]; then
    echo "mkroot.sh: no Debian mirror: set PODPASS_DISTRO_MIRROR, or add a Debian archive to" \
        "this machine's apt sources (/etc/apt/sources.list.d/*.sources)" >&2
    exit 1
fi
# What the scenarios run inside the root (tests/e2e/lib.sh checks for them).
packages=openssh-server,openssh-client,sshpass,procps,iproute2,python3,inotify-tools
stamp="suite=$suite variant=minbase mirror=$mirror include=$packages"
name=$suite
if [ "$arch" != "$native" ]; then
    stamp="$stamp arch=$arch"
    name=$suite-$arch
fi

[ "$(id -u)" = 0 ] || { echo "mkroot.sh: needs root (debootstrap, chroot)" >&2; exit 77; }

mkdir -p "$cache"
root=$cache/$name
# One maker at a time per root.
exec 9>"$cache/.$name.lock"
flock 9

if [ "${PODPASS_DISTRO_REFRESH:-0}" != 1 ] && [ -f "$root/.podpass-root" ] &&
    [ "$(cat "$root/.podpass-root")" = "$stamp" ]; then
    printf '%s\n' "$root"
    exit 0
fi

command -v debootstrap >/dev/null 2>&1 || {
    echo "mkroot.sh: debootstrap not found (apt-get install debootstrap)" >&2
    exit 1
}
echo "mkroot.sh: making the $name root in $root (debootstrap)" >&2
tmp=$root.new
rm -rf -- "$tmp"
log=$cache/$name.debootstrap.log
# debootstrap's failure: the end of its log, and no half-made root.
failed() { # WHAT
    echo "mkroot.sh: $1 failed; the end of $log:" >&2
    tail -n 20 "$log" >&2
    rm -rf -- "$tmp"
    exit 1
}
if [ "$arch" = "$native" ]; then
    debootstrap --variant=minbase --include="$packages" "$suite" "$tmp" "$mirror" >"$log" 2>&1 ||
        failed "debootstrap $suite"
else
    t0=$(date +%s)
    debootstrap --arch="$arch" --foreign --variant=minbase --include="$packages" \
        "$suite" "$tmp" "$mirror" >"$log" 2>&1 || failed "debootstrap --foreign $suite $arch"
    t1=$(date +%s)
    if ! chroot "$tmp" /bin/true >>"$log" 2>&1; then
        echo "mkroot.sh: this machine cannot run $arch programs: register qemu-user with" \
            "binfmt_misc first (tests/distros/binfmt.sh)" >&2
        rm -rf -- "$tmp"
        exit 1
    fi
    # The second stage mounts /proc and /sys inside the root: in a mount namespace of
    # its own, they go away with it.
    unshare --mount --propagation private chroot "$tmp" /debootstrap/debootstrap \
        --second-stage >>"$log" 2>&1 || failed "the second stage of debootstrap $suite $arch"
    t2=$(date +%s)
    printf 'first stage: %d s\nsecond stage: %d s\n' $((t1 - t0)) $((t2 - t1)) |
        tee "$cache/$name.times" >&2
fi
# Only what the tests need: no package lists, no downloaded .debs.
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
printf '%s\n' "$stamp" >"$tmp/.podpass-root"
rm -rf -- "$root"
mv -- "$tmp" "$root"
printf '%s\n' "$root"
