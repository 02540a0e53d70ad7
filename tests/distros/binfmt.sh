#!/bin/bash
# binfmt.sh [CONF ...]: make this machine run other architectures' programs through
# qemu-user, as check-arm64 needs (the arm64 root's sshd, ssh, PAM and podpass itself).
#
# Mounts binfmt_misc on /proc/sys/fs/binfmt_misc where nothing is mounted there, then,
# for each CONF (a systemd binfmt.d line, ":NAME:TYPE:OFFSET:MAGIC:MASK:INTERPRETER:FLAGS";
# by default Debian qemu-user-static's /usr/lib/binfmt.d/qemu-aarch64.conf), registers
# NAME where it is not registered yet, always with the F (fix-binary) flag: the kernel
# opens the interpreter once, here, so it runs programs inside chroots that do not hold
# it. An entry already registered is left as it is when it is enabled and has F, and is
# an error otherwise (another tool owns it: binfmt.sh never replaces it). Without CONF
# on an aarch64 machine it does nothing. Needs root. Exit 0 when every CONF's entry is there and usable.
set -euo pipefail

dir=/proc/sys/fs/binfmt_misc
if [ "$#" = 0 ]; then
    # an aarch64 machine runs its own programs: nothing to register
    [ "$(uname -m)" != aarch64 ] || exit 0
    set -- /usr/lib/binfmt.d/qemu-aarch64.conf
fi
[ "$(id -u)" = 0 ] || { echo "binfmt.sh: needs root (mount, $dir/register)" >&2; exit 1; }

if [ ! -e "$dir/register" ]; then
    mount -t binfmt_misc binfmt_misc "$dir" || {
        echo "binfmt.sh: cannot mount binfmt_misc on $dir" >&2
        exit 1
    }
    echo "binfmt.sh: mounted binfmt_misc on $dir"
fi

# usable NAME: 0 when the registered entry NAME is enabled and has the F flag.
usable() {
    local f=$dir/$1
    if [ "$(head -n 1 "$f")" != enabled ]; then
        echo "binfmt.sh: $1 is registered but disabled ($f): enable it (echo 1 > $f)" >&2
        return 1
    fi
    if ! grep -q '^flags: .*F' "$f"; then
        echo "binfmt.sh: $1 is registered without the F (fix-binary) flag, so its" \
            "interpreter must exist inside every chroot; unregister it (echo -1 > $f)" \
            "and run binfmt.sh again" >&2
        return 1
    fi
}

rc=0
for conf in "$@"; do
    line=$(grep -v '^[[:space:]]*\(#\|$\)' "$conf" | head -n 1) || {
        echo "binfmt.sh: no entry in $conf (apt-get install qemu-user-static)" >&2
        rc=1
        continue
    }
    sep=${line:0:1}
    IFS=$sep read -r _ name type offset magic mask interp flags <<<"$line"
    if [ -z "$name" ] || [ ! -x "$interp" ]; then
        echo "binfmt.sh: $conf: no name, or its interpreter ${interp:-(none)} is missing" >&2
        rc=1
        continue
    fi
    if [ -e "$dir/$name" ]; then
        if usable "$name"; then
            echo "binfmt.sh: $name already registered ($(grep '^interpreter' "$dir/$name"))"
        else
            rc=1
        fi
        continue
    fi
    case $flags in *F*) ;; *) flags=${flags}F ;; esac
    line=$sep$name$sep$type$sep$offset$sep$magic$sep$mask$sep$interp$sep$flags
    if ! printf '%s' "$line" >"$dir/register"; then
        echo "binfmt.sh: registering $name from $conf failed" >&2
        rc=1
    elif usable "$name"; then
        echo "binfmt.sh: registered $name ($interp, flags $(sed -n 's/^flags: //p' "$dir/$name"))"
    else
        rc=1
    fi
done
exit "$rc"
