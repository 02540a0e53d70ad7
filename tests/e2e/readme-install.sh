#!/bin/bash
# The README's "Download it" commands, run as they are written, on a release that
# `make release` made: RELEASE_DIR names its output (podpass-VERSION-ARCH-linux,
# SHA256SUMS). The README's download address is a file:// URL to that directory here.
# Run by make check-release, not by make check (it needs the release's files).
#
# In the private namespaces: /usr/local/sbin is an empty tmpfs (the machine's own is
# never written), sshd is stopped and root has no password, as in a fresh pod. The four
# lines run one by one in a download directory: curl fetches the binary for `uname -m`
# and SHA256SUMS, sha256sum checks it, install puts it in /usr/local/sbin, and
# `podpass enable` asks for the password twice (answered on a pseudo-terminal). Then a
# password login as root must work, and the installed file must be the release's.
# A download changed by one byte must fail the README's check line.
#
#   RELEASE_DIR=release PODPASS=release/podpass-VERSION-x86_64-linux \
#       E2E_DIR=tests/e2e bash tests/e2e/readme-install.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
if [ "${E2E_INSIDE:-}" != 1 ]; then
    : "${RELEASE_DIR:?RELEASE_DIR must name the output directory of make release}"
    RELEASE_DIR=$(cd "$RELEASE_DIR" && pwd)
    export RELEASE_DIR
    command -v curl >/dev/null 2>&1 || { echo "FAIL $e2e_name: required tool missing: curl" >&2; exit 1; }
fi
e2e_enter "$@"

readme=$(readlink -f -- "$E2E_DIR/../../README.md")
[ -f "$readme" ] || fail "no README.md next to tests/: $readme"

step "the README's download block"
# The first fenced block after the "**Download it**" paragraph.
awk '/^\*\*Download it\*\*/ { f = 1 } f && /^```/ { n++; if (n == 2) exit; next } f && n == 1' \
    "$readme" >"$WORK/block"
mapfile -t lines <"$WORK/block"
[ "${#lines[@]}" = 4 ] || fail "the README's download block has ${#lines[@]} lines, not 4: $(cat "$WORK/block")"
case ${lines[0]} in curl\ *) ;; *) fail "line 1 is not the download: ${lines[0]}" ;; esac
case ${lines[1]} in sha256sum\ -c*) ;; *) fail "line 2 is not the check: ${lines[1]}" ;; esac
case ${lines[2]} in install\ -m\ 0755\ *) ;; *) fail "line 3 is not the install: ${lines[2]}" ;; esac
case ${lines[3]} in podpass\ enable*) ;; *) fail "line 4 is not podpass enable: ${lines[3]}" ;; esac

# A fresh pod: nothing in /usr/local/sbin, no sshd.
mount -t tmpfs -o mode=0755 e2e-sbin /usr/local/sbin
export PATH=/usr/local/sbin:$PATH
export URL="file://$RELEASE_DIR"
dl=$WORK/download
mkdir -p "$dl"
run_line() { # N: README line N (1-4) in the download directory, as bash runs it
    (cd "$dl" && bash -euo pipefail -c "${lines[$1 - 1]}")
}

step "line 1: download the binary for $(uname -m) and SHA256SUMS"
run_line 1 >"$WORK/l1.out" 2>&1 || fail "the download failed: $(cat "$WORK/l1.out")"
bin=$(cd "$dl" && ls podpass-*-"$(uname -m)"-linux) || fail "no podpass-*-$(uname -m)-linux was downloaded"
cmp -s "$dl/$bin" "$RELEASE_DIR/$bin" || fail "the downloaded $bin differs from the release's"

step "line 2: a download changed by one byte fails the check"
cp -p "$dl/$bin" "$WORK/good"
printf '\x00' | dd of="$dl/$bin" bs=1 seek=4096 conv=notrunc status=none
cmp -s "$dl/$bin" "$WORK/good" && fail "the byte did not change"
if run_line 2 >"$WORK/l2bad.out" 2>&1; then
    fail "sha256sum -c accepted a changed binary: $(cat "$WORK/l2bad.out")"
fi
grep -q "$bin: FAILED" "$WORK/l2bad.out" || fail "the check did not name $bin as FAILED: $(cat "$WORK/l2bad.out")"
cp -p "$WORK/good" "$dl/$bin"

step "line 2: the download passes the check"
run_line 2 >"$WORK/l2.out" 2>&1 || fail "sha256sum -c failed: $(cat "$WORK/l2.out")"
grep -qx "$bin: OK" "$WORK/l2.out" || fail "the check did not say '$bin: OK': $(cat "$WORK/l2.out")"

step "line 3: install it"
run_line 3 >"$WORK/l3.out" 2>&1 || fail "install failed: $(cat "$WORK/l3.out")"
cmp -s /usr/local/sbin/podpass "$RELEASE_DIR/$bin" || fail "/usr/local/sbin/podpass is not the release's $bin"
[ "$(stat -c '%a %U' /usr/local/sbin/podpass)" = "755 root" ] ||
    fail "/usr/local/sbin/podpass is $(stat -c '%a %U' /usr/local/sbin/podpass), not 755 root"
[ "$(command -v podpass)" = /usr/local/sbin/podpass ] || fail "podpass on PATH is $(command -v podpass)"

step "line 4: podpass enable, the password typed twice"
assert_no_sshd
pw='readme-Install-pw-3141'
TTY_ANSWER=$pw python3 "$E2E_DIR/tty.py" answer bash -c "${lines[3]}" >"$WORK/l4.out" 2>&1 ||
    fail "podpass enable failed: $(cat "$WORK/l4.out")"
if grep -qF -- "$pw" "$WORK/l4.out"; then fail "the password shows on the terminal"; fi

step "a password login as root"
login_password root "$pw"
pass
