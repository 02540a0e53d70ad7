#!/bin/bash
# mkroot.sh NAME: print the path of a root for the end-to-end scenarios (make
# check-openssh): a copy of the Debian 12 root of tests/distros/mkroot.sh bookworm whose
# sshd is upstream OpenSSH NAME from tests/openssh/build.sh (8.2p1 8.9p1 9.6p1 10.5p1
# 10.5p1-musl). Replaced: /usr/sbin/sshd, /usr/lib/openssh/sshd-session and sshd-auth
# (Debian's removed, the build's where it has them), /etc/ssh/sshd_config (upstream's
# default, also as the stock copy /usr/share/openssh/sshd_config that the scenarios start
# from); /etc/ssh/sshd_config.d is removed (upstream's file has no Include; a scenario that
# uses drop-ins brings its own Include). Kept: Debian's ssh client, ssh-keygen, sshpass,
# PAM configuration and users (sshd's privilege separation user included).
# A root is made once and kept in $PODPASS_OPENSSH_CACHE (/var/cache/podpass/openssh by
# default) as root-NAME/, with a stamp naming the bookworm root's stamp, the build's stamp
# and this script; a root whose stamp differs is made again. Needs root; the first time
# also what build.sh and tests/distros/mkroot.sh need.
set -euo pipefail

name=${1:?usage: mkroot.sh NAME (8.2p1 8.9p1 9.6p1 10.5p1 10.5p1-musl)}
here=$(cd "$(dirname "$0")" && pwd)
cache=${PODPASS_OPENSSH_CACHE:-/var/cache/podpass/openssh}

[ "$(id -u)" = 0 ] || { echo "mkroot.sh: needs root (a copy of a root file system)" >&2; exit 77; }
tree=$("$here/build.sh" "$name")
base=$("$here/../distros/mkroot.sh" bookworm)
stamp="bookworm=$(cat "$base/.podpass-root") build=$(cat "$tree/.podpass-build") mkroot.sh=$(sha256sum -- "$0" | cut -d' ' -f1)"

mkdir -p "$cache"
root=$cache/root-$name
exec 9>"$cache/.root-$name.lock"
flock 9
if [ -f "$root/.podpass-root" ] && [ "$(cat "$root/.podpass-root")" = "$stamp" ]; then
    printf '%s\n' "$root"
    exit 0
fi

echo "mkroot.sh: making the root of OpenSSH $name in $root" >&2
tmp=$root.new
rm -rf -- "$tmp"
cp -a -- "$base" "$tmp"
rm -f -- "$tmp/usr/sbin/sshd" "$tmp/usr/lib/openssh/sshd-session" "$tmp/usr/lib/openssh/sshd-auth"
install -m 0755 "$tree/usr/sbin/sshd" "$tmp/usr/sbin/sshd"
for p in sshd-session sshd-auth; do
    if [ -e "$tree/usr/lib/openssh/$p" ]; then
        install -m 0755 "$tree/usr/lib/openssh/$p" "$tmp/usr/lib/openssh/$p"
    fi
done
install -m 0644 "$tree/etc/ssh/sshd_config" "$tmp/etc/ssh/sshd_config"
install -m 0644 "$tree/etc/ssh/sshd_config" "$tmp/usr/share/openssh/sshd_config"
rm -rf -- "$tmp/etc/ssh/sshd_config.d"
# The build must run there (its libraries are the root's) and say its version.
# (OpenSSH before 9.2 has no -V: its usage message names the version.)
version=$(chroot "$tmp" /usr/sbin/sshd -V 2>&1 | grep -m 1 '^OpenSSH_' || true)
case $version in
OpenSSH_"${name%%-*}"*) ;;
*)
    echo "mkroot.sh: the sshd of OpenSSH $name does not run in the root: $version" >&2
    rm -rf -- "$tmp"
    exit 1
    ;;
esac
printf '%s\n' "$stamp" >"$tmp/.podpass-root"
rm -rf -- "$root"
mv -- "$tmp" "$root"
printf '%s\n' "$root"
