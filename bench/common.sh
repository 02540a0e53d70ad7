# shellcheck shell=bash
# Helpers shared by podpass's benchmark scripts (bench/*.sh): statistics over
# numbers and a few formatting helpers. Sourced; defines functions only.

# bench_stats: numbers on stdin, one a line; prints "N MEDIAN Q1 Q3 MIN MAX"
# (quartiles interpolated between order statistics, as R's type 7 does).
bench_stats() {
    sort -g | awk '
        { v[NR] = $1 + 0 }
        function q(p,    h, lo) {
            h = (NR - 1) * p + 1
            lo = int(h)
            return lo >= NR ? v[NR] : v[lo] + (h - lo) * (v[lo + 1] - v[lo])
        }
        END {
            if (NR == 0) { print "0 - - - - -"; exit }
            printf "%d %.6g %.6g %.6g %.6g %.6g\n", NR, q(0.5), q(0.25), q(0.75), v[1], v[NR]
        }'
}

# bench_column FILE COLUMN [LABEL]: the COLUMNth field of FILE's lines (whose
# first field is LABEL, when given), one a line.
bench_column() {
    awk -v c="$2" -v l="${3:-}" 'l == "" || $1 == l { print $c }' "$1"
}

# bench_div A B [DIGITS]: A / B with DIGITS decimals (default 2).
bench_div() {
    awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "-"; else printf "%.*f\n", d, a / b }'
}

# bench_us_ms MICROSECONDS [DIGITS]: in milliseconds.
bench_us_ms() {
    bench_div "$1" 1000 "${2:-1}"
}

# bench_kib_mib KIB [DIGITS]: in MiB.
bench_kib_mib() {
    bench_div "$1" 1024 "${2:-2}"
}

# bench_epoch_us VALUE: a value of bash's EPOCHREALTIME (seconds with six
# decimals) in integer microseconds. Read EPOCHREALTIME into a variable
# where it matters and convert afterwards: a $(...) costs a fork.
bench_epoch_us() {
    local t=${1//[!0-9]/}
    printf '%s\n' "$((10#$t))"
}

# ---------------------------------------------------------------- a temp root

# bench_root_check: fail unless the files bench_make_root copies exist.
bench_root_check() {
    [ -f /usr/share/base-passwd/passwd.master ] || fail "needs /usr/share/base-passwd (Debian's base-passwd)"
    [ -f /usr/share/openssh/sshd_config ] || fail "needs /usr/share/openssh/sshd_config (openssh-server)"
}

# bench_make_root DIR: a small system for `podpass --root DIR`: Debian's base
# passwd (password field x) and group, a shadow with '*' for every account,
# Debian's stock sshd_config, root's shell as an empty executable file (podpass
# only checks that it is one), a placeholder host key (so that podpass runs no
# ssh-keygen), /tmp and /run, and $BENCH_BIN/fake-sshd as
# /usr/local/sbin/fake-sshd (pass --sshd /usr/local/sbin/fake-sshd).
bench_make_root() {
    local d=$1 shell
    mkdir -p "$d/etc/ssh/sshd_config.d" "$d/tmp" "$d/run" "$d/usr/local/sbin"
    chmod 1777 "$d/tmp"
    awk -F: -v OFS=: '{ $2 = "x"; print }' /usr/share/base-passwd/passwd.master >"$d/etc/passwd"
    echo 'sshd:x:100:65534::/run/sshd:/usr/sbin/nologin' >>"$d/etc/passwd"
    cp /usr/share/base-passwd/group.master "$d/etc/group"
    awk -F: '{ print $1 ":*:19000:0:99999:7:::" }' "$d/etc/passwd" >"$d/etc/shadow"
    chmod 0644 "$d/etc/passwd" "$d/etc/group"
    chmod 0640 "$d/etc/shadow"
    cp /usr/share/openssh/sshd_config "$d/etc/ssh/sshd_config"
    chmod 0644 "$d/etc/ssh/sshd_config"
    shell=$(awk -F: '$1 == "root" { print $7 }' "$d/etc/passwd")
    mkdir -p "$d$(dirname "$shell")"
    : >"$d$shell"
    chmod 0755 "$d$shell"
    printf 'placeholder: podpass only checks that a host key exists\n' >"$d/etc/ssh/ssh_host_ed25519_key"
    chmod 0600 "$d/etc/ssh/ssh_host_ed25519_key"
    cp "$BENCH_BIN/fake-sshd" "$d/usr/local/sbin/fake-sshd"
}
