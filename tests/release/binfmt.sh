#!/bin/bash
# Make aarch64 binaries run on this machine through qemu-user-static: mount binfmt_misc
# where it is not mounted and register qemu-aarch64 (Debian's
# /usr/lib/binfmt.d/qemu-aarch64.conf: the fix-binary flag F, so it works inside
# containers and chroots too) where it is not registered. Changes nothing when both are
# done already, and nothing on an aarch64 machine. Needs root and qemu-user-static.
set -eu
name=binfmt
fail() {
    echo "FAIL $name: $*" >&2
    exit 1
}
[ "$(uname -m)" != aarch64 ] || exit 0
dir=/proc/sys/fs/binfmt_misc
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
if [ ! -e "$dir/register" ]; then
    mount -t binfmt_misc binfmt_misc "$dir" || fail "cannot mount binfmt_misc on $dir"
fi
if [ ! -e "$dir/qemu-aarch64" ]; then
    [ -f "$conf" ] || fail "$conf is missing (apt-get install qemu-user-static)"
    grep -v '^#' "$conf" >"$dir/register" || fail "cannot register $conf"
fi
grep -qx enabled "$dir/qemu-aarch64" || fail "qemu-aarch64 is registered but disabled"
grep -q '^flags: .*F' "$dir/qemu-aarch64" || fail "qemu-aarch64 lacks the fix-binary flag"
echo "qemu-aarch64: $(sed -n 's/^interpreter //p' "$dir/qemu-aarch64")" >&2
