#!/bin/bash
# make check-distros: the end-to-end scenarios inside other Debian releases, each with
# its own OpenSSH, ssh client and PAM, and with the static podpass copied in.
#
#   PODPASS=path/to/static/podpass tests/distros/run.sh [SCENARIO.sh ...]
#
# First the binary itself: it must be static (no program interpreter, no shared
# library) and must run in an empty root that holds nothing but itself. Then, for each
# suite in $PODPASS_DISTROS (bullseye: Debian 11, OpenSSH 8.4; trixie: Debian 13,
# OpenSSH 10.0), the root from mkroot.sh (made once, then cached) and every scenario
# given (by default every scenario of tests/e2e in which sshd, ssh or PAM takes part:
# not fault-injection, signals, killed and lost-hup, which need strace, keys-flip,
# out-of-memory, redaemonize (libraries of this machine preloaded), readme-install,
# which needs a release, nor the checks of podpass's own
# input, files and locks listed below) run with E2E_ROOT set (tests/e2e/lib.sh). Two scenarios run at a time. Logs in
# $PODPASS_DISTRO_LOGS (distros-logs/ by default), each scenario's time in seconds
# beside its result. Exit 0 only when every check passed; a skip (no root, no unshare)
# is exit 77.
#
# A suite named openssh-NAME (make check-openssh) is upstream OpenSSH NAME over a Debian 12
# root, from tests/openssh/mkroot.sh NAME.
#
# PODPASS_DISTRO_ARCH=arm64 (a Debian architecture other than this machine's) runs it
# all on that architecture (make check-arm64): the binary must be built for it, the
# roots are mkroot.sh's SUITE-ARCH ones, and every program in them, podpass and the
# scenario's shell included, runs under qemu-user through binfmt_misc
# (tests/distros/binfmt.sh). Logs then in $PODPASS_DISTRO_LOGS/SUITE-ARCH.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
e2e=$(cd "$here/../e2e" && pwd)
suites=${PODPASS_DISTROS:-bullseye trixie}
logs=${PODPASS_DISTRO_LOGS:-distros-logs}
jobs=${PODPASS_DISTRO_JOBS:-2}
native=$(dpkg --print-architecture 2>/dev/null || true)
arch=${PODPASS_DISTRO_ARCH:-$native}
# The ELF machine (readelf -h) of a Debian architecture's programs.
case $arch in
amd64) machine='Advanced Micro Devices X86-64' ;;
arm64) machine=AArch64 ;;
*) echo "check-distros: unknown architecture: ${arch:-(none, and no dpkg)}" >&2; exit 1 ;;
esac

: "${PODPASS:?PODPASS must name the podpass binary to test (a static build)}"
PODPASS=$(readlink -f -- "$PODPASS")
[ -x "$PODPASS" ] || { echo "check-distros: not an executable: $PODPASS" >&2; exit 1; }
if [ "$(id -u)" != 0 ]; then
    echo "SKIP check-distros: needs root (chroot, namespaces)" >&2
    exit 77
fi

if [ "$#" -gt 0 ]; then
    scenarios=("$@")
else
    scenarios=()
    for s in "$e2e"/*.sh; do
        case $(basename "$s") in
        # strace's injections, the preloaded failing malloc and keys-flip's 120 runs
        # of a race test podpass's own code paths, not the release's
        lib.sh | demo.sh | valgrind.sh | fault-injection*.sh | signals.sh | killed.sh | lost-hup.sh | \
            keys-flip.sh | out-of-memory.sh | readme-install.sh | redaemonize.sh) ;;
        # Ubuntu's shapes run on the OpenSSH builds of those releases (check-openssh)
        ubuntu-*.sh) ;;
        # podpass's own checks of its input, its files and its locks, which sshd, ssh and
        # PAM take no part in: the same on every release (make check runs them)
        bad-input.sh | concurrency.sh | config-file.sh | dry-run.sh | fifo.sh | keys-swap.sh | \
            keys-unsafe.sh | password-env.sh | secrets.sh | trusted-paths.sh) ;;
        *) scenarios+=("$(basename "$s")") ;;
        esac
    done
fi
# PODPASS_DISTRO_EXTRA: more scenarios, each SCENARIO.sh@SUITE for that suite only (how
# check-openssh runs Ubuntu's shapes on the OpenSSH of those releases).
for s in ${PODPASS_DISTRO_EXTRA:-}; do
    scenarios+=("$s")
done

# The scenarios for suite NAME: those for every suite, and those named for it.
suite_scenarios() { # NAME
    local s
    for s in "${scenarios[@]}"; do
        case $s in
        *@"$1") printf '%s\n' "${s%@*}" ;;
        *@*) ;;
        *) printf '%s\n' "$s" ;;
        esac
    done
}

mkdir -p "$logs"
logs=$(cd "$logs" && pwd)
npass=0
nfail=0
failed=()

result() { # NAME RC [SECONDS]
    case $2 in
    0) echo "PASS: $1${3:+ ($3 s)}"; npass=$((npass + 1)) ;;
    *) echo "FAIL: $1 (exit $2${3:+, $3 s})"; nfail=$((nfail + 1)); failed+=("$1") ;;
    esac
}

# ---------------------------------------------------------------- the static binary

rc=0
got=$(LC_ALL=C readelf -h -- "$PODPASS" 2>/dev/null | sed -n 's/^ *Machine: *//p')
if [ "$got" != "$machine" ]; then
    echo "check-distros: $PODPASS is built for ${got:-no known machine}, not $arch ($machine)" >&2
    rc=1
elif LC_ALL=C readelf -l -- "$PODPASS" | grep -q 'INTERP'; then
    echo "check-distros: $PODPASS has a program interpreter (dynamically linked); configure with --enable-static-binary" >&2
    rc=1
elif LC_ALL=C readelf -d -- "$PODPASS" | grep -q 'NEEDED'; then
    echo "check-distros: $PODPASS needs shared libraries" >&2
    rc=1
fi
result "static-binary ($arch)" "$rc"
[ "$rc" = 0 ] || { echo "0 suites run: the binary is not a static $arch one" >&2; exit 1; }

# An empty root: nothing but the binary, not even a libc or /etc. It must run, say its
# version, and refuse bad input with its usual exit code (64, EX_USAGE).
rc=0
empty=$(mktemp -d "${TMPDIR:-/tmp}/podpass-empty-root.XXXXXX")
cp -- "$PODPASS" "$empty/podpass"
out=$(chroot "$empty" /podpass --version 2>&1) || rc=$?
case $out in
podpass*) ;;
*) echo "empty root: --version said: $out" >&2; [ "$rc" != 0 ] || rc=1 ;;
esac
if [ "$rc" = 0 ]; then
    erc=0
    chroot "$empty" /podpass enable --no-such-option </dev/null >/dev/null 2>"$logs/empty-root.err" || erc=$?
    if [ "$erc" != 64 ] || ! grep -q 'no-such-option' "$logs/empty-root.err"; then
        echo "empty root: a bad option gave exit $erc: $(cat "$logs/empty-root.err")" >&2
        rc=1
    fi
fi
rm -rf -- "$empty"
result empty-root "$rc"

# ---------------------------------------------------------------- the suites

run_one() { # NAME ROOT SCENARIO: one scenario, its log in $logs/NAME/SCENARIO.log
    local rc=0 t0
    t0=$(date +%s)
    E2E_ROOT=$2 PODPASS=$PODPASS E2E_DIR=$e2e bash "$e2e/$3" >"$logs/$1/${3%.sh}.log" 2>&1 || rc=$?
    echo "$rc $(($(date +%s) - t0))" >"$logs/$1/${3%.sh}.rc"
}

for name in $suites; do
    suite=$name
    [ "$arch" = "$native" ] || name=$suite-$arch
    t0=$(date +%s)
    case $suite in
    # upstream OpenSSH NAME over a Debian 12 root (make check-openssh)
    openssh-*) root=$("$here/../openssh/mkroot.sh" "${suite#openssh-}") || { result "$name/root" 1; continue; } ;;
    *) root=$("$here/mkroot.sh" "$suite" "$arch") || { result "$name/root" 1; continue; } ;;
    esac
    # The root's sshd's own version (OpenSSH before 9.2 has no -V: its usage says it).
    sshd_version=$(chroot "$root" /usr/sbin/sshd -V 2>&1 | grep -m 1 '^OpenSSH' || true)
    echo "== $name: $root, $sshd_version"
    rm -rf "${logs:?}/$name"
    mkdir -p "$logs/$name"
    mapfile -t these < <(suite_scenarios "$suite")
    running=0
    for s in "${these[@]}"; do
        run_one "$name" "$root" "$s" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
            wait -n || true
            running=$((running - 1))
        fi
    done
    wait
    for s in "${these[@]}"; do
        read -r rc secs <"$logs/$name/${s%.sh}.rc"
        result "$name/${s%.sh}" "$rc" "$secs"
        if [ "$rc" != 0 ]; then
            sed -e 's/^/    | /' "$logs/$name/${s%.sh}.log" | tail -n 40
        fi
    done
    echo "== $name: $(($(date +%s) - t0)) s"
done

echo "check-distros: $npass passed, $nfail failed"
if [ "$nfail" -ne 0 ]; then
    echo "failed: ${failed[*]} (logs in $logs)" >&2
    exit 1
fi
