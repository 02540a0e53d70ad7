#!/bin/bash
# Overhead: what one `podpass enable --root DIR --restart none --encrypted
# --password-stdin` costs when neither hashing nor sshd is in the way: wall
# time (median and minimum of many runs) and peak RSS.
#
# DIR is a small root on a tmpfs (so that the numbers are podpass's, not the
# disk's: podpass fsyncs every file it writes and its directory, and on a
# disk each fsync alone can take milliseconds): Debian's base passwd and
# group, a shadow with '*' for every account, Debian's stock sshd_config,
# placeholder host keys (so no ssh-keygen runs) and, in place of sshd,
# bench/fake-sshd (static; podpass runs sshd chrooted into DIR), which
# answers `sshd -T` with a fixed dump and exits. Every run starts from the
# same files: DIR is copied afresh from a pristine copy before each run.
#
# "Except hashing": with --encrypted podpass does not hash a password, but
# it still validates the hash by hashing a probe with it as the setting
# (hash.c check_complete), which costs what one hash of that method costs.
# So two rows: a sha512crypt hash with 1000 rounds (the cheapest method and
# cost podpass accepts, about 0.3 ms of hashing: the closest to "everything
# except hashing"), and a default yescrypt hash (what `mkpasswd -m yescrypt`
# gives, so what an image build passes). Two floors for reference:
# `podpass --version` (exec and dynamic linking) and one fake-sshd run
# (podpass runs sshd once when the config is good, twice when not).
#
# Runs inside the e2e namespace harness (tests/e2e/lib.sh). Environment:
# PODPASS, BENCH_OUT, BENCH_BIN (fake-sshd, measure and crypt-cost, built by
# bench/run.sh), BENCH_OVERHEAD_RUNS (runs per variant, default 101).
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
e2e_enter "$@"

: "${BENCH_OUT:?BENCH_OUT is not set (bench/run.sh sets it)}"
: "${BENCH_BIN:?BENCH_BIN is not set (bench/run.sh builds the helpers there)}"
runs=${BENCH_OVERHEAD_RUNS:-101}
data=$BENCH_OUT/overhead.tsv
report=$BENCH_OUT/overhead.md
summary=$BENCH_OUT/overhead.summary
measure=$BENCH_BIN/measure

bench_root_check

tmp=$E2E_TMP/overhead
mkdir -p "$tmp"
mount -t tmpfs -o mode=0755 bench-overhead "$tmp"
pristine=$tmp/pristine
root=$tmp/root
bench_make_root "$pristine"

pw="Bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
"$BENCH_BIN/crypt-cost" hash "\$y\$" <<<"$pw" >"$WORK/hash.yescrypt"
"$BENCH_BIN/crypt-cost" hash "\$6\$" 1000 <<<"$pw" >"$WORK/hash.sha512"

# run_enable LABEL HASHFILE: one measured run from pristine files.
run_enable() {
    local label=$1 hashfile=$2 rc=0
    rm -rf "$root"
    cp -a "$pristine" "$root"
    E2E_LAST_CMD="$PODPASS enable --root $root --restart none --encrypted --password-stdin --sshd /usr/local/sbin/fake-sshd"
    "$measure" -o "$data" -l "$label" -- "$PODPASS" enable --root "$root" --restart none \
        --encrypted --password-stdin --sshd /usr/local/sbin/fake-sshd \
        <"$hashfile" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    [ "$rc" = 0 ] || fail "$label: podpass exited with $rc"
    grep -qF -- "root:$(cat "$hashfile"):" "$root/etc/shadow" || fail "$label: the hash is not in $root/etc/shadow"
    grep -qxF -- "$E2E_BEGIN_MARK" "$root/etc/ssh/sshd_config" || fail "$label: no managed block"
}

step "overhead: $runs runs of each variant, interleaved"
: >"$data"
for i in $(seq 1 "$runs"); do
    run_enable enable-sha512-1000 "$WORK/hash.sha512"
    run_enable enable-yescrypt "$WORK/hash.yescrypt"
    "$measure" -o "$data" -l version -- "$PODPASS" --version >/dev/null
    "$measure" -o "$data" -l fake-sshd -- "$root/usr/local/sbin/fake-sshd" -T -f x -C user=root >/dev/null
    [ $((i % 25)) != 0 ] || echo "    $i/$runs"
done
# one hash of each kind, as podpass's validation does it
"$BENCH_BIN/crypt-cost" time 21 "$(cat "$WORK/hash.sha512")" >"$WORK/cost.sha512"
"$BENCH_BIN/crypt-cost" time 21 "$(cat "$WORK/hash.yescrypt")" >"$WORK/cost.yescrypt"

# ---------------------------------------------------------------- the report

{
    echo "## Overhead"
    echo
    echo "\`podpass enable --root DIR --restart none --encrypted --password-stdin --sshd /usr/local/sbin/fake-sshd\`"
    echo "on a small root on tmpfs (Debian's base passwd and group, stock sshd_config, a placeholder host key;"
    echo "[bench/fake-sshd.c](fake-sshd.c) in place of sshd), the files restored before every run;"
    echo "$runs runs per variant, interleaved. Wall time from fork to wait4 (exec and dynamic linking count);"
    echo "peak RSS is wait4's ru_maxrss."
    echo
    echo "| variant | N | wall median (ms) | Q1–Q3 | min | max | peak RSS median (MiB) | max |"
    echo "|---|---|---|---|---|---|---|---|"
} >"$report"
declare -A wall rss wall_min
for label in enable-sha512-1000 enable-yescrypt version fake-sshd; do
    read -r n med q1 q3 min max < <(bench_column "$data" 2 "$label" | bench_stats)
    read -r _ rmed _ _ _ rmax < <(bench_column "$data" 3 "$label" | bench_stats)
    wall[$label]=$med
    rss[$label]=$rmed
    wall_min[$label]=$min
    case $label in
    enable-sha512-1000) what="enable, sha512crypt hash, 1000 rounds (≈ all but hashing)" ;;
    enable-yescrypt) what="enable, yescrypt hash (\`mkpasswd -m yescrypt\`)" ;;
    version) what="\`podpass --version\` (floor: exec + loader)" ;;
    fake-sshd) what="one fake-sshd run alone" ;;
    esac
    printf '| %s | %s | **%s** | %s–%s | %s | %s | **%s** | %s |\n' "$what" "$n" \
        "$(bench_us_ms "$med" 2)" "$(bench_us_ms "$q1" 2)" "$(bench_us_ms "$q3" 2)" \
        "$(bench_us_ms "$min" 2)" "$(bench_us_ms "$max" 2)" "$(bench_kib_mib "$rmed")" \
        "$(bench_kib_mib "$rmax")" >>"$report"
done
read -r _ ys_us _ ys_rss <"$WORK/cost.yescrypt"
read -r _ sh_us _ _ <"$WORK/cost.sha512"
t_ok=$(awk -v t="${wall[enable-sha512-1000]}" 'BEGIN { print (t < 5000) ? "met" : "**not met**" }')
r_ok=$(awk -v r="${rss[enable-sha512-1000]}" 'BEGIN { print (r < 4096) ? "met" : "**not met**" }')
{
    echo
    echo "One crypt(3) call with the given hash as the setting (what --encrypted's validation costs):"
    echo "yescrypt \`\$y\$j9T\$\` $(bench_us_ms "$ys_us" 1) ms and $(bench_kib_mib "$ys_rss" 1) MiB more peak RSS;"
    echo "sha512crypt 1000 rounds $(bench_us_ms "$sh_us" 2) ms (median of 21, [bench/crypt-cost.c](crypt-cost.c))."
    echo
    echo "Targets (on the sha512crypt row): overhead under 5 ms: $t_ok; peak RSS under 4 MiB: $r_ok."
    echo "With a yescrypt hash neither can be met while --encrypted validates by hashing once:"
    echo "$(bench_us_ms "$ys_us" 1) ms and a $(bench_kib_mib "$ys_rss" 0) MiB work area are yescrypt's own."
    echo
    echo "Raw data: \`overhead.tsv\` (variant, wall µs, maxrss KiB, exit, user µs, sys µs)."
} >>"$report"
{
    printf 'overhead (enable --encrypted --restart none, tmpfs root, fake sshd): %s ms median (min %s), peak RSS %s MiB [targets < 5 ms: %s, < 4 MiB: %s]\n' \
        "$(bench_us_ms "${wall[enable-sha512-1000]}" 2)" "$(bench_us_ms "${wall_min[enable-sha512-1000]}" 2)" \
        "$(bench_kib_mib "${rss[enable-sha512-1000]}")" "${t_ok//\*/}" "${r_ok//\*/}"
    printf 'overhead with a yescrypt hash: %s ms median, peak RSS %s MiB (one yescrypt: %s ms, %s MiB)\n' \
        "$(bench_us_ms "${wall[enable-yescrypt]}" 2)" "$(bench_kib_mib "${rss[enable-yescrypt]}")" \
        "$(bench_us_ms "$ys_us" 1)" "$(bench_kib_mib "$ys_rss" 1)"
    printf 'floors: podpass --version %s ms / %s MiB; fake-sshd %s ms\n' \
        "$(bench_us_ms "${wall[version]}" 2)" "$(bench_kib_mib "${rss[version]}")" "$(bench_us_ms "${wall[fake-sshd]}" 2)"
} >"$summary"
echo "target-overhead-ms $(bench_us_ms "${wall[enable-sha512-1000]}" 2) 5" >"$BENCH_OUT/overhead.target"
echo "target-overhead-rss-mib $(bench_kib_mib "${rss[enable-sha512-1000]}") 4" >>"$BENCH_OUT/overhead.target"
umount "$tmp"
echo
cat "$summary"
pass
