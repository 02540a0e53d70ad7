#!/bin/bash
# podpass's benchmarks, run by `make bench` (never by make check):
#
#   login-ready.sh  time from invoking podpass until a password login can
#                   succeed, against the shell recipe (recipe.sh), with sshd
#                   running and with sshd stopped, alternating, in the e2e
#                   namespace harness
#   overhead.sh     podpass enable --encrypted --restart none on a tmpfs root
#                   with a fake sshd: everything but hashing and sshd; its
#                   peak RSS
#   scaling.sh      the patcher and status on configs of 1k to 1M lines and
#                   with 1,000 Include files
#
# It builds the helpers (fake-sshd.c static, measure.c, crypt-cost.c,
# kex-probe.c) into
# BENCH_OUT, runs the parts, prints a summary with the targets and writes
# bench/RESULTS.md (the machine, the command to reproduce, the tables).
# Needs root and unshare, like the e2e tests (exit 77 without them), and a C
# compiler with a static libc (libc6-dev) and libcrypt-dev.
#
# Environment (defaults in brackets):
#   PODPASS               the binary under test [./src/podpass, else SRCDIR/src/podpass]
#   BENCH_PARTS           which parts ["login-ready overhead scaling"]
#   BENCH_RUNS            login-ready: counted rounds per case [21]
#   BENCH_WARMUP          login-ready: rounds not counted [1]
#   BENCH_CASES           login-ready: ["running stopped"]
#   BENCH_TRACE           login-ready: 1 = one more podpass run per case
#                         under strace, the timeline into RESULTS.md [0]
#   BENCH_OVERHEAD_RUNS   overhead: runs per variant [101]
#   BENCH_SCALING_RUNS    scaling: runs per config and command [7]
#   BENCH_SCALING_SIZES   scaling: ["1000 10000 100000 1000000"]
#   BENCH_SCALING_INCLUDES scaling: files of the Include configs [1000]
#   BENCH_REAL_SSHD       scaling: 1 = also one run of the real sshd -T [1]
#   BENCH_OUT             raw data, logs, helpers [a new /tmp/podpass-bench.XXXXXX]
#   BENCH_RESULTS         the report [SRCDIR/bench/RESULTS.md]; "none": no report
#   BENCH_STRICT          1 = exit 1 when a target is missed [0]
#   CC                    compiler for the helpers [cc]
# A quick run: BENCH_RUNS=3 BENCH_OVERHEAD_RUNS=21 BENCH_SCALING_RUNS=2 make bench
set -eu
set -o pipefail

bench_dir=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$bench_dir/.." && pwd)
parts=${BENCH_PARTS:-login-ready overhead scaling}
results=${BENCH_RESULTS:-$bench_dir/RESULTS.md}
CC=${CC:-cc}

die() {
    echo "bench: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- inputs

if [ -z "${PODPASS:-}" ]; then
    for p in "$PWD/src/podpass" "$srcdir/src/podpass"; do
        if [ -x "$p" ]; then PODPASS=$p && break; fi
    done
fi
if [ -z "${PODPASS:-}" ] || [ ! -x "$PODPASS" ]; then
    die "no podpass binary: build it (make) or set PODPASS=/path/to/podpass"
fi
PODPASS=$(readlink -f -- "$PODPASS")
export PODPASS

if [ -z "${BENCH_OUT:-}" ]; then
    BENCH_OUT=$(mktemp -d /tmp/podpass-bench.XXXXXX)
else
    mkdir -p "$BENCH_OUT"
    BENCH_OUT=$(readlink -f -- "$BENCH_OUT")
fi
# the namespace hides these behind private copies: data written there is lost
case $BENCH_OUT/ in
/etc/* | /root/* | /home/* | /run/* | /var/log/*)
    die "BENCH_OUT must not be under /etc, /root, /home, /run or /var/log (hidden inside the namespace)"
    ;;
esac
BENCH_BIN=$BENCH_OUT/bin
export BENCH_OUT BENCH_BIN

# ---------------------------------------------------------------- helpers

mkdir -p "$BENCH_BIN"
echo "bench: building the helpers into $BENCH_BIN"
"$CC" -static -O2 -o "$BENCH_BIN/fake-sshd" "$bench_dir/fake-sshd.c" ||
    die "cannot build fake-sshd statically (needs a static libc: libc6-dev)"
"$CC" -O2 -o "$BENCH_BIN/measure" "$bench_dir/measure.c" || die "cannot build measure"
"$CC" -O2 -o "$BENCH_BIN/kex-probe" "$bench_dir/kex-probe.c" || die "cannot build kex-probe"
"$CC" -O2 -o "$BENCH_BIN/crypt-cost" "$bench_dir/crypt-cost.c" -lcrypt ||
    die "cannot build crypt-cost (needs libcrypt-dev)"

# ---------------------------------------------------------------- the machine

machine() {
    local cpu mem os openssh commit dirty cflags config_log
    cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
    [ -n "$cpu" ] || cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null)
    [ ! -f /etc/debian_version ] || os="$os (debian_version $(cat /etc/debian_version))"
    openssh=$(dpkg-query -W -f '${Version}' openssh-server 2>/dev/null || true)
    openssh="$(ssh -V 2>&1 | cut -d, -f1)${openssh:+ (openssh-server $openssh)}"
    commit=$(git -C "$srcdir" rev-parse --short=12 HEAD 2>/dev/null || echo "not a git checkout")
    dirty=$(git -C "$srcdir" status --porcelain --untracked-files=no -- src 2>/dev/null | wc -l)
    [ "$dirty" = 0 ] || commit="$commit + uncommitted changes in $dirty file(s) under src/"
    config_log=$(dirname "$(dirname "$PODPASS")")/config.log
    cflags=$(sed -n "s/^CFLAGS='\(.*\)'\$/\1/p" "$config_log" 2>/dev/null | head -n 1)
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | ${cpu:-?} |"
    echo "| cores | $(nproc) online |"
    echo "| RAM | $mem |"
    echo "| kernel | $(uname -sr) $(uname -m) |"
    echo "| OS | $os |"
    echo "| OpenSSH | $openssh |"
    echo "| podpass | $("$PODPASS" --version 2>/dev/null | head -n 1), commit $commit |"
    echo "| podpass binary | \`$PODPASS\`$([ -z "$cflags" ] || echo ", CFLAGS \`$cflags\`") |"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
}
machine >"$BENCH_OUT/machine.md"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The command that reproduces this run: the knobs that were set.
reproduce() {
    local v knobs=
    for v in BENCH_PARTS BENCH_RUNS BENCH_WARMUP BENCH_CASES BENCH_TRACE BENCH_OVERHEAD_RUNS \
        BENCH_SCALING_RUNS BENCH_SCALING_SIZES BENCH_SCALING_INCLUDES BENCH_REAL_SSHD; do
        if [ -n "${!v:-}" ]; then
            knobs="$knobs$v='${!v}' "
        fi
    done
    echo "${knobs}make bench"
}

# ---------------------------------------------------------------- the parts

part_pid=
# On an interrupt, end the running part's namespace: SIGKILL its unshare
# (started with --kill-child, so every process inside dies with it); the
# part's script then cleans up and exits.
# shellcheck disable=SC2317 # called by the trap below
on_interrupt() {
    local p
    if [ -n "$part_pid" ]; then
        for p in $(pgrep -P "$part_pid" -x unshare || true); do
            kill -KILL "$p" 2>/dev/null || true
        done
        wait "$part_pid" 2>/dev/null || true
    fi
    echo "bench: interrupted; partial data in $BENCH_OUT" >&2
    exit 130
}
trap on_interrupt INT TERM

skipped=
case " $parts " in
*" login-ready "*) rm -f "$BENCH_OUT"/trace-* ;;
esac
for part in $parts; do
    [ -f "$bench_dir/$part.sh" ] || die "no such part: $part (login-ready, overhead, scaling)"
    echo "bench: $part"
    rm -f "$BENCH_OUT/$part.md" "$BENCH_OUT/$part.summary" "$BENCH_OUT/$part.target"
    rc=0
    bash "$bench_dir/$part.sh" > >(tee "$BENCH_OUT/$part.log") 2>&1 &
    part_pid=$!
    wait "$part_pid" || rc=$?
    part_pid=
    if [ "$rc" = 77 ]; then
        skipped="$skipped $part"
        continue
    fi
    [ "$rc" = 0 ] || die "$part failed (exit $rc); its log: $BENCH_OUT/$part.log"
done
trap - INT TERM
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -n "$skipped" ] && [ "$skipped" = " $(echo "$parts" | xargs)" ]; then
    echo "bench: SKIPPED:$skipped (needs root and unshare; see above)" >&2
    exit 77
fi

# ---------------------------------------------------------------- targets

# name value limit, from the parts' *.target files
targets() {
    cat "$BENCH_OUT"/*.target 2>/dev/null || true
}
missed=0
target_rows=
while read -r name value limit; do
    case $name in
    target-login-ready) what="time to login-ready, sshd running: podpass / recipe ≤ $limit" ;;
    target-overhead-ms) what="overhead (enable --encrypted --restart none) < $limit ms" ;;
    target-overhead-rss-mib) what="its peak RSS < $limit MiB" ;;
    target-1m-lines-ms) what="1M-line config patched in < $limit ms" ;;
    *) continue ;;
    esac
    if [ "$name" = target-login-ready ]; then
        ok=$(awk -v v="$value" -v l="$limit" 'BEGIN { print (v <= l) ? "met" : "NOT met" }')
    else
        ok=$(awk -v v="$value" -v l="$limit" 'BEGIN { print (v < l) ? "met" : "NOT met" }')
    fi
    [ "$ok" = met ] || missed=$((missed + 1))
    target_rows="$target_rows| $what | $value | $ok |"$'\n'
done < <(targets)

# ---------------------------------------------------------------- the report

report() {
    echo "# podpass benchmark results"
    echo
    echo "Written by \`bench/run.sh\` (\`make bench\`). Reproduce with:"
    echo
    echo '```'
    echo "./configure && make && $(reproduce)"
    echo '```'
    echo
    echo "(or \`PODPASS=path/to/podpass bench/run.sh\`; the knobs are listed at the top of bench/run.sh)."
    echo "Load average (1, 5, 15 min) before: $load_before; after: $load_after."
    if awk -v l="${load_before%% *}" 'BEGIN { exit !(l >= 0.5) }'; then
        echo "The machine was not idle: other work competed for its $(nproc) cores, so single numbers"
        echo "are noisy; the medians, the alternating rounds and the per-round ratios are the fairer reading."
    fi
    echo
    echo "## Machine"
    echo
    cat "$BENCH_OUT/machine.md"
    echo
    if [ -n "$target_rows" ]; then
        echo "## Targets"
        echo
        echo "| target | measured | |"
        echo "|---|---|---|"
        printf '%s' "$target_rows"
        echo
    fi
    for part in $parts; do
        [ ! -f "$BENCH_OUT/$part.md" ] || { cat "$BENCH_OUT/$part.md"; echo; }
    done
    if ls "$BENCH_OUT"/trace-*.txt >/dev/null 2>&1; then
        echo "## Where podpass's time goes (strace timelines)"
        echo
        echo "One more \`podpass enable --password-stdin -v\` per case under"
        echo "\`strace -f -b execve -ttt -T\`: milliseconds since podpass's execve, then the call and, in <>,"
        echo "the seconds spent in it. The 16 MiB mmap/munmap pairs are yescrypt's work area (one per hash)."
        echo "strace slows every traced call: the shape counts, not the absolute numbers."
        for f in "$BENCH_OUT"/trace-*.txt; do
            echo
            echo "<details><summary>$(basename "$f" .txt | sed 's/^trace-/sshd /')</summary>"
            echo
            echo '```'
            cut -c1-220 "$f"
            echo '```'
            echo
            echo "</details>"
        done
        echo
    fi
    if [ -n "$skipped" ]; then
        echo "Skipped (no root or unshare):$skipped."
        echo
    fi
}
report >"$BENCH_OUT/RESULTS.md"
if [ "$results" != none ]; then
    cp "$BENCH_OUT/RESULTS.md" "$results"
fi

echo
echo "================ podpass benchmarks ================"
for part in $parts; do
    [ ! -f "$BENCH_OUT/$part.summary" ] || cat "$BENCH_OUT/$part.summary"
done
if [ -n "$target_rows" ]; then
    echo "---- targets"
    printf '%s' "$target_rows" | sed 's/^| //; s/ |$//; s/ | /: /; s/ | / -> /'
fi
echo "load average before: $load_before; after: $load_after"
echo "raw data and logs: $BENCH_OUT"
[ "$results" = none ] || echo "report: $results"
[ -z "$skipped" ] || echo "skipped (no root or unshare):$skipped"
if [ "$missed" -gt 0 ] && [ "${BENCH_STRICT:-}" = 1 ]; then
    echo "bench: $missed target(s) missed (BENCH_STRICT=1)" >&2
    exit 1
fi
exit 0
