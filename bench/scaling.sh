#!/bin/bash
# Scaling: podpass's patcher (`podpass enable --root DIR --restart none
# --encrypted`) and `podpass status --root DIR` on generated sshd_configs of
# 1k, 10k, 100k and 1M lines, and on configs that include 1,000 files (one
# Include glob matching 1,000 drop-ins; 1,000 Include lines naming one file
# each). Time and peak RSS must grow linearly with the lines.
#
# A generated config is Debian's stock sshd_config followed by filler in the
# style of real configs (comments, blank lines, options with values sshd
# accepts, repeated: sshd keeps the first value), and in its last tenth Match
# blocks (Match User / Match Address, four lines each), so the parser sees
# sections too. It is valid for the real sshd.
#
# As in bench/overhead.sh, DIR is on a tmpfs, restored from a pristine copy
# before every run, and bench/fake-sshd stands in for sshd (chrooted into DIR
# by podpass), so the times are podpass's own: reading, parsing (Includes
# too), writing the candidate, the new file and the shadow. The hash is
# sha512crypt with 1000 rounds (about 0.3 ms to validate) so that hashing
# neither adds time nor yescrypt's 16 MiB to the peak RSS. For reference, one
# run of the real `sshd -T` on each config (on a real system podpass runs it
# once per enable and status, twice when the new config fails) unless
# BENCH_REAL_SSHD=0.
#
# Runs inside the e2e namespace harness (tests/e2e/lib.sh). Environment:
# PODPASS, BENCH_OUT, BENCH_BIN, BENCH_SCALING_RUNS (runs per config and
# command, default 7), BENCH_SCALING_SIZES (default "1000 10000 100000
# 1000000"), BENCH_SCALING_INCLUDES (files for the Include configs, default
# 1000; 0 leaves them out), BENCH_REAL_SSHD (default 1).
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
e2e_enter "$@"

: "${BENCH_OUT:?BENCH_OUT is not set (bench/run.sh sets it)}"
: "${BENCH_BIN:?BENCH_BIN is not set (bench/run.sh builds the helpers there)}"
runs=${BENCH_SCALING_RUNS:-7}
sizes=${BENCH_SCALING_SIZES:-1000 10000 100000 1000000}
nincludes=${BENCH_SCALING_INCLUDES:-1000}
real_sshd=${BENCH_REAL_SSHD:-1}
data=$BENCH_OUT/scaling.tsv
report=$BENCH_OUT/scaling.md
summary=$BENCH_OUT/scaling.summary
measure=$BENCH_BIN/measure
fake=/usr/local/sbin/fake-sshd
spec=user=root,host=client.invalid,addr=203.0.113.1,laddr=127.0.0.1,lport=22

bench_root_check

# gen_config LINES: Debian's stock sshd_config grown to LINES lines.
gen_config() {
    # shellcheck disable=SC2016 # awk code
    awk -v lines="$1" '
        { print; n++ }
        END {
            split("# Generated for the scaling benchmark of podpass, line %d|#ClientAliveInterval 0|" \
                "ClientAliveInterval 120||# Keep idle sessions a while; sshd reads the first value it finds|" \
                "ClientAliveCountMax 3|MaxSessions 10|LoginGraceTime 2m|TCPKeepAlive yes|#UseDNS no|" \
                "PrintMotd no|X11Forwarding yes|#|MaxAuthTries 6|PermitTunnel no|Banner none|" \
                "AllowTcpForwarding yes|GatewayPorts no|IPQoS lowdelay throughput|#PermitUserEnvironment no",
                t, "|")
            matches = int(lines / 10 / 5) * 5
            for (i = 0; n < lines - matches; i++) { printf t[i % 20 + 1] "\n", n + 1; n++ }
            for (b = 0; n + 5 <= lines; b++) {
                if (b % 2) printf "Match Address 10.%d.%d.0/24\n", int(b / 256) % 256, b % 256
                else printf "Match User svc%d\n", b
                print "\tAllowTcpForwarding no"; print "\tX11Forwarding no"; print "\tPermitTTY no"; print ""
                n += 5
            }
            while (n < lines) { print "#"; n++ }
        }' /usr/share/openssh/sshd_config
}

# gen_dropin N: the 10 lines of included file N.
gen_dropin() {
    printf '%s\n' "# drop-in $1 of $nincludes, generated for the scaling benchmark of podpass" \
        'ClientAliveInterval 120' '#UseDNS no' 'MaxSessions 10' '' '# another comment' \
        'TCPKeepAlive yes' 'X11Forwarding yes' 'PrintMotd no' 'Banner none'
}

# make_config NAME: the pristine root for config NAME in $tmp/pristine-NAME.
make_config() {
    local name=$1 d=$tmp/pristine-$1 i
    bench_make_root "$d"
    case $name in
    lines-*)
        gen_config "${name#lines-}" >"$d/etc/ssh/sshd_config"
        ;;
    include-glob) # the stock file's own "Include /etc/ssh/sshd_config.d/*.conf"
        for i in $(seq -w 1 "$nincludes"); do
            gen_dropin "$i" >"$d/etc/ssh/sshd_config.d/$i-bench.conf"
        done
        ;;
    include-lines) # 1,000 Include lines after the stock file, one file each
        mkdir -p "$d/etc/ssh/bench.d"
        for i in $(seq -w 1 "$nincludes"); do
            gen_dropin "$i" >"$d/etc/ssh/bench.d/$i.conf"
            echo "Include /etc/ssh/bench.d/$i.conf" >>"$d/etc/ssh/sshd_config"
        done
        ;;
    esac
    chmod 0644 "$d/etc/ssh/sshd_config"
}

# config_size NAME: "LINES BYTES" of the main file and every included file.
config_size() {
    local d=$tmp/pristine-$1
    find "$d/etc/ssh" \( -name '*.conf' -o -name sshd_config \) -exec cat {} + | wc -lc |
        awk '{ print $1, $2 }'
}

# run_cmd NAME enable|status: one measured run on a fresh copy of the root.
run_cmd() {
    local name=$1 cmd=$2 rc=0 args
    rm -rf "$root"
    cp -a "$tmp/pristine-$name" "$root"
    if [ "$cmd" = enable ]; then
        args=(enable --root "$root" --restart none --encrypted --password-stdin --sshd "$fake")
    else
        args=(status --root "$root" --sshd "$fake")
    fi
    E2E_LAST_CMD="$PODPASS ${args[*]}"
    "$measure" -o "$data" -l "$name/$cmd" -- "$PODPASS" "${args[@]}" <"$WORK/hash" \
        >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    [ "$rc" = 0 ] || fail "$name: podpass $cmd exited with $rc"
    if [ "$cmd" = enable ]; then
        head -n 1 "$root/etc/ssh/sshd_config" | grep -qxF -- "$E2E_BEGIN_MARK" ||
            fail "$name: the managed block is not at the top"
    else
        grep -q '^managed block: *absent' "$WORK/last.out" || fail "$name: status did not report"
    fi
}

# real_sshd NAME: one run of the real sshd -T on the config (for reference).
real_sshd() {
    local name=$1 d=$tmp/pristine-$1 rc=0
    rm -rf /etc/ssh/sshd_config.d /etc/ssh/bench.d
    cp -a "$d/etc/ssh/sshd_config.d" /etc/ssh/sshd_config.d
    [ ! -d "$d/etc/ssh/bench.d" ] || cp -a "$d/etc/ssh/bench.d" /etc/ssh/bench.d
    E2E_LAST_CMD="/usr/sbin/sshd -T -f $d/etc/ssh/sshd_config -C $spec"
    "$measure" -o "$data" -l "$name/real-sshd" -- /usr/sbin/sshd -T -f "$d/etc/ssh/sshd_config" \
        -C "$spec" >/dev/null 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    [ "$rc" = 0 ] || fail "$name: the real sshd -T exited with $rc"
    rm -rf /etc/ssh/sshd_config.d/* /etc/ssh/bench.d
}

tmp=$E2E_TMP/scaling
mkdir -p "$tmp"
mount -t tmpfs -o mode=0755 bench-scaling "$tmp"
root=$tmp/root
pw="Bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
"$BENCH_BIN/crypt-cost" hash "\$6\$" 1000 <<<"$pw" >"$WORK/hash"
[ "$real_sshd" != 1 ] || { ssh-keygen -A >/dev/null; mkdir -p /run/sshd; }

names=()
for n in $sizes; do
    names+=("lines-$n")
done
if [ "$nincludes" -gt 0 ]; then
    names+=(include-glob include-lines)
fi
: >"$data"
: >"$tmp/sizes"
for name in "${names[@]}"; do
    step "scaling: $name"
    make_config "$name"
    echo "$name $(config_size "$name")" >>"$tmp/sizes"
    for i in $(seq 1 "$runs"); do
        run_cmd "$name" enable
        run_cmd "$name" status
    done
    if [ "$real_sshd" = 1 ]; then
        real_sshd "$name"
    fi
    rm -rf "$tmp/pristine-$name" "$root"
done

# ---------------------------------------------------------------- the report

# med NAME/CMD COLUMN: the median of that column.
med() {
    bench_column "$data" "$2" "$1" | bench_stats | awk '{ print $2 }'
}
tmin() { # NAME/CMD: the minimum time
    bench_column "$data" 2 "$1" | bench_stats | awk '{ print $5 }'
}
minmax() {
    bench_column "$data" 2 "$1" | bench_stats | awk '{ printf "%.1f–%.1f", $5 / 1000, $6 / 1000 }'
}

{
    echo "## Scaling"
    echo
    echo "\`podpass enable --root DIR --restart none --encrypted --password-stdin --sshd /usr/local/sbin/fake-sshd\`"
    echo "(the patcher) and \`podpass status --root DIR --sshd /usr/local/sbin/fake-sshd\` on generated configs:"
    echo "Debian's stock sshd_config grown with comments, blank lines and options, Match blocks in the last tenth;"
    echo "and the stock file including $nincludes files of 10 lines, through its own"
    echo "\`Include /etc/ssh/sshd_config.d/*.conf\` (include-glob) or through $nincludes Include lines (include-lines)."
    echo "tmpfs root restored before every run, fake sshd, sha512crypt (1000 rounds) hash; $runs runs each."
    echo "The real \`sshd -T\` column is one run of OpenSSH's own parser on the same config, for reference:"
    echo "on a real system podpass runs it once per enable and per status (twice when the new config fails)."
    echo
    echo "| config | lines | MiB | enable median ms (min–max) | enable RSS MiB | status median ms | status RSS MiB | real sshd -T ms, MiB |"
    echo "|---|---|---|---|---|---|---|---|"
} >"$report"
while read -r name lines bytes; do
    if [ "$real_sshd" = 1 ]; then
        real="$(bench_us_ms "$(med "$name/real-sshd" 2)" 0), $(bench_kib_mib "$(med "$name/real-sshd" 3)" 1)"
    else
        real="-"
    fi
    printf '| %s | %s | %s | **%s** (%s) | %s | %s | %s | %s |\n' "$name" "$lines" \
        "$(bench_div "$bytes" 1048576 2)" "$(bench_us_ms "$(med "$name/enable" 2)" 1)" \
        "$(minmax "$name/enable")" "$(bench_kib_mib "$(med "$name/enable" 3)")" \
        "$(bench_us_ms "$(med "$name/status" 2)" 1)" "$(bench_kib_mib "$(med "$name/status" 3)")" \
        "$real" >>"$report"
done <"$tmp/sizes"

# Linearity: from one size to the next, how time and memory grew.
{
    echo
    echo "Linearity, from one size to the next (×10 lines each step): growth factor of the median time"
    echo "(and of the minimum, which other load disturbs least), marginal cost per added line (median time,"
    echo "and peak RSS in bytes). Linear: the factor tends to 10 as the fixed cost fades, and the marginal"
    echo "costs stay flat."
    echo
    echo "| step | enable time × (min) | enable µs/line | enable RSS B/line | status time × (min) | status µs/line | status RSS B/line |"
    echo "|---|---|---|---|---|---|---|"
} >>"$report"
# marginal NEW OLD LINES SCALE DIGITS: (NEW - OLD) * SCALE / LINES.
marginal() {
    awk -v a="$1" -v b="$2" -v l="$3" -v s="$4" -v d="$5" 'BEGIN { printf "%.*f\n", d, (a - b) * s / l }'
}

prev=
verdict_lines=
for n in $sizes; do
    name=lines-$n
    read -r _ lines _ < <(grep "^$name " "$tmp/sizes")
    et=$(med "$name/enable" 2)
    er=$(med "$name/enable" 3)
    st=$(med "$name/status" 2)
    sr=$(med "$name/status" 3)
    emin=$(tmin "$name/enable")
    smin=$(tmin "$name/status")
    if [ -n "$prev" ]; then
        read -r pn plines pet per pst psr pemin psmin <<<"$prev"
        dl=$((lines - plines))
        printf '| %s → %s | %s (%s) | %s | %s | %s (%s) | %s | %s |\n' "$pn" "$n" \
            "$(bench_div "$et" "$pet" 1)" "$(bench_div "$emin" "$pemin" 1)" \
            "$(marginal "$et" "$pet" "$dl" 1 3)" "$(marginal "$er" "$per" "$dl" 1024 0)" \
            "$(bench_div "$st" "$pst" 1)" "$(bench_div "$smin" "$psmin" 1)" \
            "$(marginal "$st" "$pst" "$dl" 1 3)" "$(marginal "$sr" "$psr" "$dl" 1024 0)" >>"$report"
        verdict_lines="$verdict_lines $pn→$n: enable ×$(bench_div "$et" "$pet" 1) (min ×$(bench_div "$emin" "$pemin" 1)), RSS ×$(bench_div "$er" "$per" 1);"
    fi
    prev="$n $lines $et $er $st $sr $emin $smin"
done
: >"$summary"
if grep -q '^lines-1000000 ' "$tmp/sizes"; then
    t1m=$(med lines-1000000/enable 2)
    ok=$(awk -v t="$t1m" 'BEGIN { print (t < 1000000) ? "met" : "**not met**" }')
    {
        echo
        echo "Target: a 1M-line config patched in under 1 s: $ok ($(bench_us_ms "$t1m" 0) ms median, fake sshd;"
        echo "the real sshd's own \`-T\` on that file is in the last column)."
    } >>"$report"
    printf 'scaling: 1M-line config patched in %s ms median, peak RSS %s MiB; status %s ms [target < 1 s: %s]\n' \
        "$(bench_us_ms "$t1m" 0)" "$(bench_kib_mib "$(med lines-1000000/enable 3)" 1)" \
        "$(bench_us_ms "$(med lines-1000000/status 2)" 0)" "${ok//\*/}" >>"$summary"
    echo "target-1m-lines-ms $(bench_us_ms "$t1m" 0) 1000" >"$BENCH_OUT/scaling.target"
fi
[ -z "$verdict_lines" ] || echo "scaling (median growth per ×10 lines):$verdict_lines" >>"$summary"
for name in include-glob include-lines; do
    grep -q "^$name " "$tmp/sizes" || continue
    printf 'scaling, %s (%s files): enable %s ms, status %s ms\n' "$name" "$nincludes" \
        "$(bench_us_ms "$(med "$name/enable" 2)" 1)" "$(bench_us_ms "$(med "$name/status" 2)" 1)" >>"$summary"
done
echo >>"$report"
echo "Raw data: \`scaling.tsv\` (config/command, wall µs, maxrss KiB, exit, user µs, sys µs)." >>"$report"
umount "$tmp"
echo
cat "$summary"
pass
