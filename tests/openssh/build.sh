#!/bin/bash
# build.sh NAME: print the path of an installed tree of upstream OpenSSH NAME (8.2p1,
# 8.9p1, 9.6p1, 10.5p1, or 10.5p1-musl: 10.5p1 linked statically against musl, without
# OpenSSL, PAM or zlib, so that sshd checks passwords with musl's crypt()), for
# make check-openssh (tests/openssh/mkroot.sh lays it over a Debian 12 root).
#
# Only what the scenarios run is built and installed, at the paths and modes of upstream's
# make install: /usr/sbin/sshd, /usr/lib/openssh/sshd-session and sshd-auth (on the
# versions that have them) and upstream's default /etc/ssh/sshd_config (its Subsystem line
# rewritten as make install writes it). Sources: $PODPASS_THIRD_PARTY (tarballs, each
# checked against the sha256 below). A tree is built once and kept in
# $PODPASS_OPENSSH_CACHE (/var/cache/podpass/openssh by default) as NAME/, with a stamp
# naming its inputs (tarball, configure flags, compiler, this script); a tree whose stamp
# differs is built again. One builder at a time per NAME (flock): a second caller waits
# and then uses that build. A failed build leaves no tree and prints the end of its log
# (NAME.build.log). Each build's wall time is kept in NAME.times.
# Needs a C compiler, make, autoreconf, and (not for the musl build) OpenSSL's, PAM's and
# zlib's headers (Debian: libssl-dev libpam0g-dev zlib1g-dev autoconf).
set -euo pipefail

name=${1:?usage: build.sh NAME (8.2p1 8.9p1 9.6p1 10.5p1 10.5p1-musl)}
third_party=${PODPASS_THIRD_PARTY:?PODPASS_THIRD_PARTY must name the directory of the source tarballs}
cache=${PODPASS_OPENSSH_CACHE:-/var/cache/podpass/openssh}
jobs=$(nproc 2>/dev/null || echo 2)

# The tarballs' sha256, as the third-party directory's README.md lists them.
declare -A sums=(
    [openssh-8.2p1.tar.gz]=c359e0b953a6e8165f95ef9c3acc97efaa760c44fd6b688e085691fe8da513fa
    [openssh-8.9p1.tar.gz]=312ab97d54d6d622b5dff29f7a6a06968a226ec1f3cd7b2171f3b0115aef5559
    [openssh-9.6p1.tar.gz]=e287fb0010a9eb354a6dfac1c45eea4f67e6be0bbe2efcc399f44baa3fe37fa2
    [openssh-10.5p1.tar.gz]=71e7bba7e6c5d0b8d0b03d59362917bdaacd9f128d4519e4a833e2b222503a7c
    [musl-1.2.3.tar.gz]=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
)
musl='musl-1.2.3'

case $name in
8.2p1 | 8.9p1 | 9.6p1 | 10.5p1) version=$name; flavour=glibc ;;
10.5p1-musl) version=10.5p1; flavour=musl ;;
*) echo "build.sh: unknown OpenSSH build: $name (8.2p1 8.9p1 9.6p1 10.5p1 10.5p1-musl)" >&2; exit 2 ;;
esac

# Cheap to compile: the scenarios need correct programs, not fast ones.
cflags='-O1 -g0 -pipe'
common=(--prefix=/usr --sysconfdir=/etc/ssh --libexecdir=/usr/lib/openssh --with-privsep-path=/run/sshd)
if [ "$flavour" = glibc ]; then
    confflags=("${common[@]}" --with-pam)
    cc=${CC:-gcc}
else
    confflags=("${common[@]}" --without-openssl --without-pam --without-zlib)
fi

# tarball_sum FILE: its sha256 checked against the list above; prints it.
tarball_sum() {
    local file=$third_party/$1 want=${sums[$1]} got
    [ -r "$file" ] || { echo "build.sh: missing $file" >&2; exit 1; }
    got=$(sha256sum -- "$file" | cut -d' ' -f1)
    if [ "$got" != "$want" ]; then
        echo "build.sh: $file: sha256 $got, expected $want" >&2
        exit 1
    fi
    printf '%s\n' "$got"
}

ssh_sum=$(tarball_sum "openssh-$version.tar.gz")
self_sum=$(sha256sum -- "$0" | cut -d' ' -f1)
host_cc_version=$(gcc --version 2>/dev/null | head -n 1)
stamp="openssh=$ssh_sum flavour=$flavour cflags=$cflags configure=${confflags[*]} cc=$host_cc_version build.sh=$self_sum"
if [ "$flavour" = musl ]; then
    musl_sum=$(tarball_sum "$musl.tar.gz")
    musl_stamp="musl=$musl_sum cflags=$cflags cc=$host_cc_version build.sh=$self_sum"
    stamp="$stamp musl=$musl_sum"
fi

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# musl's compiler wrapper, from the prefix built below
[ "$flavour" = glibc ] || cc=$cache/$musl/bin/musl-gcc
tree=$cache/$name
exec 9>"$cache/.$name.lock"
flock 9

if [ -f "$tree/.podpass-build" ] && [ "$(cat "$tree/.podpass-build")" = "$stamp" ]; then
    printf '%s\n' "$tree"
    exit 0
fi

work=$cache/$name.build
log=$cache/$name.build.log
rm -rf -- "$work" "$tree.new"
mkdir -p "$work"
: >"$log"
# failed WHAT: the end of the log, and no half-made tree.
failed() {
    echo "build.sh: $1 failed; the end of $log:" >&2
    tail -n 30 "$log" >&2
    rm -rf -- "$work" "$tree.new"
    exit 1
}
t0=$(date +%s)
times=
# phase WHAT: add the seconds since the last phase to the times.
phase() {
    local now
    now=$(date +%s)
    times="$times$1: $((now - ${last:-$t0})) s\n"
    last=$now
}

# musl: static only, with its crypt, into $cache/musl-1.2.3 (its own stamp).
if [ "$flavour" = musl ] && { [ ! -f "$cache/$musl/.podpass-build" ] ||
    [ "$(cat "$cache/$musl/.podpass-build")" != "$musl_stamp" ]; }; then
    echo "build.sh: building $musl" >&2
    rm -rf -- "${cache:?}/$musl"
    tar -xzf "$third_party/$musl.tar.gz" -C "$work" >>"$log" 2>&1 || failed "unpacking $musl"
    (cd "$work/$musl" &&
        CFLAGS="$cflags" ./configure --prefix="$cache/$musl" --disable-shared &&
        make -j"$jobs" && make install) >>"$log" 2>&1 || { rm -rf -- "${cache:?}/$musl"; failed "building $musl"; }
    # OpenSSH includes a few Linux headers (seccomp, audit): musl's prefix gets the
    # system's, as Alpine's linux-headers package gives them.
    for d in linux asm-generic; do
        ln -s "/usr/include/$d" "$cache/$musl/include/$d"
    done
    ln -s "/usr/include/$(gcc -print-multiarch)/asm" "$cache/$musl/include/asm"
    printf '%s\n' "$musl_stamp" >"$cache/$musl/.podpass-build"
    phase "$musl (static)"
fi

echo "build.sh: building OpenSSH $name in $work (log: $log)" >&2
tar -xzf "$third_party/openssh-$version.tar.gz" -C "$work" >>"$log" 2>&1 || failed "unpacking"
src=$work/openssh-$version
# Only sshd and the programs it runs (sshd-session, sshd-auth: OpenSSH 9.8 and later).
progs=(sshd)
for p in sshd-session sshd-auth; do
    grep -q "^$p\\\$(EXEEXT):" "$src/Makefile.in" && progs+=("$p")
done
ldflags=
[ "$flavour" = glibc ] || ldflags=-static
(cd "$src" && autoreconf) >>"$log" 2>&1 || failed "autoreconf"
phase autoreconf
# configure's checks run one after another and take most of a build's time, and the four
# glibc builds ask this system the same questions: each starts from the answers of the
# last one that succeeded (its config.cache: the same compiler, flags and headers) and
# leaves its own for the next.
seed=$cache/config.cache.$flavour
seeded=no
if [ -f "$seed" ]; then
    cp -- "$seed" "$src/config.cache"
    seeded=yes
fi
(cd "$src" && CC=$cc CFLAGS=$cflags LDFLAGS=$ldflags ./configure --cache-file=config.cache \
    "${confflags[@]}") >>"$log" 2>&1 || failed "configure"
phase "configure (from a previous build's answers: $seeded)"
(cd "$src" && make -j"$jobs" "${progs[@]}" sshd_config.out) >>"$log" 2>&1 || failed "make"
phase "make ${progs[*]}"

# Installed as upstream's make install does it (install-files, install-sysconf).
new=$tree.new
install -d -m 0755 "$new/usr/sbin" "$new/usr/lib/openssh" "$new/etc/ssh"
install -m 0755 -s "$src/sshd" "$new/usr/sbin/sshd"
for p in "${progs[@]:1}"; do
    install -m 0755 -s "$src/$p" "$new/usr/lib/openssh/$p"
done
install -m 0644 "$src/sshd_config.out" "$new/etc/ssh/sshd_config"

if [ "$flavour" = musl ]; then
    for p in "${progs[@]}"; do
        f=$new/usr/sbin/$p
        [ "$p" = sshd ] || f=$new/usr/lib/openssh/$p
        if LC_ALL=C readelf -l -- "$f" | grep -q INTERP || LC_ALL=C readelf -d -- "$f" | grep -q NEEDED; then
            echo "build.sh: $p is not linked statically" >>"$log"
            failed "the static link"
        fi
    done
fi

printf '%s\n' "$stamp" >"$new/.podpass-build"
cp -- "$src/config.cache" "$seed.$$" && mv -- "$seed.$$" "$seed"
rm -rf -- "$tree" "$work"
mv -- "$new" "$tree"
printf "${times}total: %d s (%s, make -j%s)\n" $(($(date +%s) - t0)) "$cflags" "$jobs" |
    tee "$cache/$name.times" >&2
printf '%s\n' "$tree"
