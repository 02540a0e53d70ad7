#!/bin/bash
# Install a built podpass .deb into a throwaway root and run it for real.
#
#   tests/pkg/deb-install.sh [PATH/podpass_VERSION_ARCH.deb]    (or PODPASS_DEB=PATH)
#
# Extracts the package with dpkg-deb -x into a temp dir (nothing is installed on this
# machine), checks its control fields and files (podpass in /usr/sbin, root-owned, the
# man pages, the bash completion, the example config, the copyright file), then runs
# deb-enable.sh with PODPASS set to the extracted /usr/sbin/podpass: a real enable with
# sshd stopped and running, and real password logins (sshpass), in the private namespaces
# of tests/e2e/lib.sh. Exit 0: pass; 77: skipped because root or a working unshare is
# missing (the file checks have run by then); anything else: failure.
set -eu
set -o pipefail

here=$(dirname -- "$(readlink -f -- "$0")")
name="deb-install"

fail() {
    echo "FAIL $name: $*" >&2
    exit 1
}

deb=${1:-${PODPASS_DEB:-}}
[ -n "$deb" ] || fail "no package given: pass the path of podpass_*.deb as the argument or in PODPASS_DEB"
[ -f "$deb" ] || fail "no such file: $deb"
command -v dpkg-deb >/dev/null 2>&1 || fail "dpkg-deb not found (dpkg)"

# ---------------------------------------------------------------- control fields

field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = podpass ] || fail "$deb is package '$(field Package)', not podpass"
version=$(field Version)
[ -n "$version" ] || fail "$deb has no Version"
field Depends | tr ',' '\n' | grep -Eq '^[[:space:]]*openssh-server([[:space:]]|$)' ||
    fail "$deb does not depend on openssh-server: Depends: $(field Depends)"
echo "--- $deb: podpass $version ($(field Architecture)), Depends: $(field Depends)"

# ---------------------------------------------------------------- the files

tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpass-deb.XXXXXX")
# shellcheck disable=SC2064 # expand now: the path is fixed
trap "rm -rf -- '$tmp'" EXIT
chmod 0755 "$tmp"
root=$tmp/root

# Every entry of the archive is root-owned (dpkg-deb --root-owner-group, Rules-Requires-Root).
dpkg-deb --contents "$deb" >"$tmp/contents"
bad_owner=$(awk '$2 != "root/root"' "$tmp/contents")
[ -z "$bad_owner" ] || fail "entries not owned by root/root in $deb: $bad_owner"

dpkg-deb -x "$deb" "$root"

expected=(
    usr/sbin/podpass
    usr/share/man/man8/podpass.8.gz
    usr/share/man/man5/podpass.conf.5.gz
    usr/share/bash-completion/completions/podpass
    usr/share/doc/podpass/examples/podpass.conf.example
    usr/share/doc/podpass/copyright
    usr/share/doc/podpass/changelog.gz
)
for f in "${expected[@]}"; do
    [ -f "$root/$f" ] || fail "missing from $deb: /$f"
    echo "    /$f"
done
[ ! -e "$root/usr/share/doc/podpass/podpass.conf.example" ] ||
    fail "the example config is in /usr/share/doc/podpass/ as well as in examples/"
# The package carries only these (and directories, README, Debian's metadata).
dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' >"$tmp/files"
unexpected=$(grep -Ev '^/usr/(sbin/podpass|share/man/man[58]/podpass[.a-z0-9]*\.gz|share/bash-completion/completions/podpass|share/doc/podpass/(examples/podpass\.conf\.example|copyright|changelog\.gz|README\.md(\.gz)?))$' "$tmp/files" || true)
[ -z "$unexpected" ] || fail "unexpected files in $deb: $unexpected"

[ "$(stat -c %a "$root/usr/sbin/podpass")" = 755 ] ||
    fail "/usr/sbin/podpass has mode $(stat -c %a "$root/usr/sbin/podpass"), want 755"
for m in "$root"/usr/share/man/man*/podpass*.gz "$root/usr/share/doc/podpass/changelog.gz"; do
    gzip -t -- "$m" || fail "not a valid gzip file: ${m#"$root"}"
done
zcat -- "$root/usr/share/man/man8/podpass.8.gz" | grep -q '^\.TH PODPASS 8 ' ||
    fail "/usr/share/man/man8/podpass.8.gz is not the podpass(8) page"
zcat -- "$root/usr/share/man/man5/podpass.conf.5.gz" | grep -qi '^\.TH PODPASS\.CONF 5 ' ||
    fail "/usr/share/man/man5/podpass.conf.5.gz is not the podpass.conf(5) page"
grep -q '^\[podpass\]' "$root/usr/share/doc/podpass/examples/podpass.conf.example" ||
    fail "the example config has no [podpass] section"
# The completion loads on its own and registers a completion for podpass.
completion=$root/usr/share/bash-completion/completions/podpass
# shellcheck disable=SC2016 # expanded by the inner bash
bash -c '. "$1" && complete -p podpass' bash "$completion" >/dev/null ||
    fail "the bash completion does not register a completion for podpass"
echo "    files, owners, modes and contents as expected"

# ---------------------------------------------------------------- run it

echo "--- running the packaged podpass in the e2e namespace (tests/pkg/deb-enable.sh)"
rc=0
# On this machine, not in another root (E2E_ROOT, tests/distros/): the .deb is built for it.
PODPASS=$root/usr/sbin/podpass PODPASS_DEB_VERSION=$version \
    env -u E2E_ROOT bash "$here/deb-enable.sh" || rc=$?
case $rc in
0) echo "PASS $name: $deb" ;;
77) echo "SKIP $name: the package's files are fine; the run needs root and unshare" >&2 ;;
*) echo "FAIL $name: the packaged podpass failed its end-to-end run (exit $rc)" >&2 ;;
esac
exit "$rc"
