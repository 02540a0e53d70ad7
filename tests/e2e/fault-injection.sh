#!/bin/bash
# Fault injection: all or nothing under failing system calls. `podpass enable` runs under
# strace, which makes one system call fail (error=ERRNO:when=N), for every N from 1 to
# the number of such calls in a clean run, for write (EIO, ENOSPC), fsync (EIO),
# rename/renameat2 (EIO), openat (EIO), fchown and fchmod (EIO), kill (EPERM) and
# execve (EACCES), from two starting states: sshd running (the reload path) and sshd
# stopped (the start path). After every run, either
#   - podpass exited non-zero, every file is as before (/etc/shadow, /etc/passwd,
#     /etc/ssh/**; /etc/shadow- may be rewritten, but only with /etc/shadow's old bytes),
#     no *.podpass-* temp file is left in /etc or /etc/ssh, and sshd is as before: the
#     same listener (pid) answers with its banner, with the old settings, and key login
#     works (a running sshd), or nothing listens (a stopped one); or
#   - podpass exited 0 and a password login with the new password works (and a running
#     sshd was reloaded, not restarted: same listener pid).
# Then: sshd fails to start with the new config (a wrapper given with --sshd), on the
# start path and with --restart start on a running sshd: everything is rolled back and
# sshd serves with the old settings. Then two faults that are not one failing call: a
# full disk (ENOSPC for every write from the Nth on, rollback's included), and a
# failure right after the SIGHUP while sshd is still re-executing itself (slowed down).
# Between runs the starting state is put back: the files, and sshd reloaded (running)
# or stopped (stopped).
#
# How strace counts: injections are counted per system call AND PER PROCESS ("per
# tracee", strace(1)), so under -f when=N fails the Nth call of podpass and the Nth call
# of each child (sshd -T, the started sshd, its connection children) in the same run.
# A child's fault usually ends the run at the checks, before podpass reaches its own Nth
# call, so each syscall runs twice: once without -f (only podpass's own calls fail:
# N = 1..podpass's count) and once with -f (children too: N = 1..the largest count of any
# child), the latter only for calls the children make. Every child calls execve exactly
# once, so when=N>1 never fires for execve; the Kth sshd run of podpass is made to fail
# instead through a --sshd wrapper that execs the real sshd through a per-call path
# (/run/fi-exec/K/sshd) and strace -P that path. The counts come from a clean run under
# `strace -f -o FILE`, per process. Above 60 calls (12 for a child, 30 for podpass's own
# openat calls) N is sampled (every N up to there, then 20 (8, 15) more, and the last).
#
# The running sshd's settings are seen from outside: the starting config has a drop-in
# with PasswordAuthentication no, so the old settings offer "publickey" and podpass's
# block "publickey,password" (the list in "Permission denied (...)", no password and no
# PAM delay needed). When sshd was reloaded during a failed run (its log counts a SIGHUP,
# or it listens on new sockets), it must offer "publickey" again and a key login must
# work; when it was not, the same process with the same files is still serving (its
# pid, sockets and banner are checked), so a login could only cost time.
#
# Needs strace (skips when ptrace does not work here, e.g. without CAP_SYS_PTRACE).
# Debugging: FI_ONLY=SYSCALL runs only the injections into that system call (the clean
# counting runs always run), FI_ONLY=late|broken|diskfull|race only that part, and
# E2E_VERBOSE=1 prints a line per run with podpass's stderr.
# FI_PART=running|stopped|rest runs one part: the injections from a running sshd (and
# its full disk), those from a stopped one (and its full disk), or the rest (root's
# '*', sshd failing to start, the race after the SIGHUP). make check runs the three
# side by side (fault-injection-running.sh, -stopped.sh, -rest.sh); unset, all run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
if [ "${E2E_INSIDE:-}" != 1 ] && [ "$(id -u)" = 0 ] && ! command -v strace >/dev/null 2>&1; then
    echo "FAIL $e2e_name: required tool missing: strace" >&2
    exit 1
fi
e2e_enter "$@"

pw_old='fault-Old-root-pw-5517' # root's password before every run (sshd refuses it)
pw_new='fault-New-root-pw-8064'
FI_SYSCALLS=write,fsync,rename,renameat2,openat,fchown,fchmod,kill,execve
case ${FI_PART:-} in
'' | running | stopped | rest) ;;
*) fail "FI_PART is '$FI_PART': running, stopped, rest or unset" ;;
esac
FI_TIMEOUT=60 # one run of podpass; its own sshd waits are 10 s each
runs=0 clean=0 worked=0

if ! strace -D -f -qq -o /dev/null true 2>"$WORK/strace.err"; then
    e2e_skip "strace cannot trace here: $(head -n 1 "$WORK/strace.err")"
fi

make_client_key root
set_password root "$pw_old"
echo 'PasswordAuthentication no' >/etc/ssh/sshd_config.d/50-fault-injection.conf
# fi_save_files: the starting files, which fi_restore_files puts back.
fi_save_files() {
    local f
    for f in /etc/shadow /etc/shadow- /etc/ssh/sshd_config; do
        if [ -e "$f" ]; then cp -p -- "$f" "$WORK/orig.$(basename "$f")"; fi
    done
}
fi_save_files
# A fresh pod has no /run/sshd; podpass creates it to start sshd.
rm -rf /run/sshd /run/sshd.pid

# ---------------------------------------------------------------- helpers

# fi_state: owner, mode and sha256 of the account files and everything under /etc/ssh,
# and the names in /etc and /etc/ssh; one line per file. The same facts as lib.sh's
# e2e_state, in two processes instead of a few per file (it runs after every injection).
fi_state() {
    local f files=()
    for f in /etc/shadow /etc/shadow- /etc/passwd /etc/passwd- /etc/group /etc/gshadow; do
        if [ -e "$f" ]; then files+=("$f"); fi
    done
    find "${files[@]}" /etc/ssh \( -type f -printf 'file %m %u:%g %p\n' \) -o -printf 'other %m %u:%g %y %p\n' |
        sort
    find "${files[@]}" /etc/ssh -type f -print0 | xargs -0 sha256sum | sort -k2
    find /etc -mindepth 1 -maxdepth 1 ! -name .pwd.lock -printf 'name %P\n' | sort
}

# fi_restore_files: put the starting files back (content, owner, mode).
fi_restore_files() {
    local f
    for f in /etc/shadow /etc/shadow- /etc/ssh/sshd_config; do
        if [ -e "$WORK/orig.$(basename "$f")" ]; then
            cp -p -- "$WORK/orig.$(basename "$f")" "$f"
        else
            rm -f -- "$f"
        fi
    done
    find /etc /etc/ssh -maxdepth 1 -name '*.podpass-*' -delete
}

fi_temp_files() {
    find /etc /etc/ssh /etc/ssh/sshd_config.d -maxdepth 1 -name '*.podpass-*' 2>/dev/null
}

# The inodes of the sockets listening on port 22.
fi_listen_inodes() {
    awk '$2 ~ /:0016$/ && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 | sort | tr '\n' ' '
}

sighups() { grep -c 'Received SIGHUP' "$E2E_SSHD_LOG" 2>/dev/null || true; }

# fi_reload PID: SIGHUP the listener, wait until it listens on new sockets and answers.
fi_reload() {
    local before i=0
    before=$(fi_listen_inodes)
    kill -HUP "$1"
    while [ "$i" -lt 500 ]; do
        if [ "$(fi_listen_inodes)" != "$before" ] && [ -n "$(fi_listen_inodes)" ] && banner_now; then
            return 0
        fi
        sleep 0.02
        i=$((i + 1))
    done
    fail "sshd (pid $1) did not come back after SIGHUP (restoring the starting state)"
}

# fi_detach: a tracer (strace -D, -f) may still trace the sshd that podpass started:
# end it (SIGTERM: with -I1 it detaches from what it traces) and wait until it is gone.
fi_detach() {
    local p i tracers
    tracers=$({ grep -hs '^TracerPid:' /proc/[0-9]*/status || true; } | awk '$2 != 0 { print $2 }' | sort -u)
    for p in $tracers; do
        kill -TERM "$p" 2>/dev/null || true
        i=0
        while [ -e "/proc/$p" ] && [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ]; do
            [ "$i" -lt 100 ] || fail "strace (pid $p) does not detach"
            sleep 0.05
            i=$((i + 1))
        done
    done
}

# The sshd listener's pid, or nothing (no fail: the caller judges).
fi_listener() {
    pgrep -x -P 1 sshd || true
}

# fi_hup_settled PID: true when PID catches SIGHUP (its handler installed, so it is not
# between a SIGHUP and the end of its re-execution) and has none pending.
fi_hup_settled() {
    local k v pnd=1 cgt=0
    while read -r k v; do
        case $k in
        SigPnd: | ShdPnd:) [ $((0x$v & 1)) = 0 ] || return 1; pnd=0 ;;
        SigCgt:) cgt=$((0x$v & 1)) ;;
        esac
    done 2>/dev/null <"/proc/$1/status" || return 1
    [ "$pnd" = 0 ] && [ "$cgt" = 1 ]
}

# fi_wait_settled: wait until one sshd listener has acted on every SIGHUP sent to it and
# answers on port 22, at most 30 s; fail then, saying what was seen.
fi_wait_settled() {
    local i=0 p
    while :; do
        p=$(fi_listener)
        if [ -n "$p" ] && [ "$(printf '%s\n' "$p" | wc -l)" = 1 ] && fi_hup_settled "$p" && banner_now; then
            return 0
        fi
        [ "$i" -lt 300 ] || fail "no settled sshd listener within 30 s; listeners: '${p//$'\n'/ }'; $(
            pgrep -a -x sshd | tr '\n' ';' || true); $(grep -hE '^(State|Sig|Shd)' "/proc/$p/status" 2>/dev/null | tr '\n' ' ' || true)"
        sleep 0.1
        i=$((i + 1))
    done
}

# fi_assert_files MESSAGE: every file as in state.base, but that /etc/shadow- may now
# hold /etc/shadow's old bytes, with its owner and mode (the backup podpass writes before
# it replaces /etc/shadow), where it held something else or was absent. Restores the
# files when they differ.
fi_assert_files() {
    local x
    fi_state >"$WORK/state.now"
    cmp -s "$WORK/state.base" "$WORK/state.now" && return 0
    # shellcheck disable=SC2016 # awk code
    x='$NF == "/etc/shadow-" || ($1 == "name" && $2 == "shadow-")'
    awk "!($x)" "$WORK/state.base" >"$WORK/state.base.x"
    awk "!($x)" "$WORK/state.now" >"$WORK/state.now.x"
    awk '$NF == "/etc/shadow-"' "$WORK/state.now" >"$WORK/dash.now"
    awk '$NF == "/etc/shadow-"' "$WORK/state.base" >"$WORK/dash.base"
    awk '$NF == "/etc/shadow" { sub(/\/etc\/shadow$/, "/etc/shadow-"); print }' "$WORK/state.base" \
        >"$WORK/dash.old-shadow"
    if ! cmp -s "$WORK/state.base.x" "$WORK/state.now.x" ||
        { ! cmp -s "$WORK/dash.now" "$WORK/dash.base" && ! cmp -s "$WORK/dash.now" "$WORK/dash.old-shadow"; }; then
        diff -u "$WORK/state.base" "$WORK/state.now" | sed -e 's/^/      /' >&2 || true
        fail "$1"
    fi
    fi_restore_files
}

# ---------------------------------------------------------------- one injected run

# fi_judge STATE LABEL RC: check the promise after one run, then restore the starting
# state. STATE is running or stopped.
fi_judge() {
    local state=$1 label=$2 rc=$3 temps now_pid m
    runs=$((runs + 1))
    E2E_STEP="$label ($state, exit $rc)"
    temps=$(fi_temp_files)
    [ -z "$temps" ] || fail "$label: temp file(s) left behind: $(echo "$temps" | tr '\n' ' ')"
    if [ "$rc" = 0 ]; then
        if ! try_login_password root "$pw_new"; then
            fail "$label: exit 0 but a password login with the new password fails (ssh exit $E2E_SSH_RC)"
        fi
        if [ "$state" = running ]; then
            now_pid=$(fi_listener)
            [ "$now_pid" = "$base_pid" ] ||
                fail "$label: exit 0, but the sshd listener is '${now_pid:-none}', not pid $base_pid (restarted, not reloaded)"
        fi
        worked=$((worked + 1))
        fi_restore_files
        if [ "$state" = running ]; then
            fi_reload "$base_pid"
            base_hups=$(sighups)
            base_inodes=$(fi_listen_inodes)
        else
            stop_sshd
        fi
        fi_state >"$WORK/state.now"
        cmp -s "$WORK/state.base" "$WORK/state.now" || fail "$label: cannot restore the starting files"
        return 0
    fi

    fi_assert_files "$label: exit $rc, but files changed (diff above)"
    if [ "$state" = running ]; then
        now_pid=$(fi_listener)
        [ "$now_pid" = "$base_pid" ] ||
            fail "$label: exit $rc, and the sshd listener is '${now_pid:-none}', not pid $base_pid as before"
        wait_banner 5
        # a rollback undoes only what was done: no reload when podpass failed before
        # it signalled sshd
        if ! grep -q 'reloading sshd\|stopping sshd' "$WORK/last.err" &&
            [ "$(sighups)" != "$base_hups" ]; then
            fail "$label: exit $rc before podpass signalled sshd, yet sshd was reloaded"
        fi
        if [ "$(sighups)" != "$base_hups" ] || [ "$(fi_listen_inodes)" != "$base_inodes" ]; then
            # reloaded during the run: back on the old settings, key login works
            base_hups=$(sighups)
            base_inodes=$(fi_listen_inodes)
            reloaded=$((reloaded + 1))
            m=$(offered_methods)
            [ "$m" = publickey ] ||
                fail "$label: exit $rc, but sshd offers '$m', not 'publickey' as with the old settings"
            try_login_key root || fail "$label: exit $rc, and key login no longer works (ssh exit $E2E_SSH_RC)"
        fi
    else
        if [ -n "$(fi_listen_inodes)" ] || banner_now; then
            fail "$label: exit $rc, but an sshd listens (none did before): $(pgrep -a -x sshd | tr '\n' ';' || true)"
        fi
        # sshd children of podpass's banner probes may still be there (when the fault
        # hit them): they do not listen; end them so the next run starts the same.
        stop_sshd
    fi
    clean=$((clean + 1))
}

# fi_run STATE LABEL STRACE-ARGS... -- PODPASS-ARGS...: one run of enable under strace.
fi_run() {
    local state=$1 label=$2 rc=0 sargs=()
    shift 2
    while [ "$1" != -- ]; do
        sargs+=("$1")
        shift
    done
    shift
    E2E_LAST_CMD="strace ${sargs[*]} -- podpass enable --password-stdin $*"
    # -D: podpass stays this shell's child (its exit status is ours to wait for) while
    # strace, a grandchild, may go on tracing the sshd podpass started; -I1: SIGTERM
    # makes it detach.
    timeout -k 5 "$FI_TIMEOUT" strace -D -I1 -qq -o /dev/null "${sargs[@]}" -- \
        "$PODPASS" enable --password-stdin "$@" <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    fi_detach
    if [ "${E2E_VERBOSE:-}" = 1 ]; then
        echo "    $label: exit $rc"
        sed -e 's/^/      | /' "$WORK/last.err"
    fi
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        fail "$label: podpass did not finish within ${FI_TIMEOUT}s"
    fi
    fi_judge "$state" "$label" "$rc"
}

# fi_ns MAX [ALL SAMPLES]: the values of N to try (every one up to ALL, default 60,
# then about SAMPLES more, default 20, and the last). A child's calls (an sshd -T or
# ssh-keygen run) all end the same way, in a refusal before anything is written:
# those take 12 and 8, which keeps make check within its time.
fi_ns() {
    local max=$1 all=${2:-60} samples=${3:-20} n step
    if [ "$max" -le "$all" ]; then
        if [ "$max" -ge 1 ]; then seq 1 "$max"; fi
        return 0
    fi
    seq 1 "$all"
    step=$(((max - all + samples - 1) / samples))
    for ((n = all + step; n < max; n += step)); do echo "$n"; done
    echo "$max"
}

# fi_count STATE: a clean run under strace -f; per system call, how many podpass made
# (self.SYSCALL) and the most any one child made (kids.SYSCALL), in $WORK/count.*.
fi_count() {
    local state=$1 rc=0 sc
    E2E_LAST_CMD="strace -D -f -o $WORK/trace.$state -e trace=$FI_SYSCALLS podpass enable"
    timeout -k 5 "$FI_TIMEOUT" strace -D -I1 -f -qq -o "$WORK/trace.$state" -e trace="$FI_SYSCALLS" -- \
        "$PODPASS" enable --password-stdin --restart auto <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    fi_detach
    [ "$rc" = 0 ] || fail "the clean run under strace failed (exit $rc)"
    # the first line is podpass's own execve; "<... resumed>" lines are not calls
    awk -v dir="$WORK" -v list="$FI_SYSCALLS" '
        NR == 1 { self = $1 }
        match($0, /^[0-9]+ +[a-z0-9_]+\(/) {
            split($0, w, /[ (]+/)
            if ($1 == self) s[w[2]]++; else k[$1 " " w[2]]++
        }
        END {
            n = split(list, names, ",")
            for (i = 1; i <= n; i++) { m[names[i]] = 0 }
            for (x in k) { split(x, pk, " "); if (k[x] > m[pk[2]]) m[pk[2]] = k[x] }
            for (i = 1; i <= n; i++) {
                print s[names[i]] + 0 > (dir "/count.self." names[i])
                print m[names[i]] > (dir "/count.kids." names[i])
            }
        }' "$WORK/trace.$state"
    printf '    calls (podpass/most of one child):'
    for sc in ${FI_SYSCALLS//,/ }; do
        printf ' %s=%s/%s' "$sc" "$(cat "$WORK/count.self.$sc")" "$(cat "$WORK/count.kids.$sc")"
    done
    echo
    try_login_password root "$pw_new" || fail "the clean run under strace exited 0 but the password login fails"
    fi_restore_files
    if [ "$state" = running ]; then fi_reload "$base_pid"; else stop_sshd; fi
}

# fi_inject STATE SYSCALLS ERRNO WHO: one run per N, N up to the count of the most used
# call of the set (each is counted on its own); WHO is self (no -f) or kids (-f).
fi_inject() {
    local state=$1 set=$2 err=$3 who=$4 max=0 c sc n f=() r0=$runs c0=$clean w0=$worked
    fi_want "$set" || return 0
    for sc in ${set//,/ }; do
        c=$(cat "$WORK/count.$who.$sc")
        [ "$c" -gt "$max" ] && max=$c
    done
    [ "$max" -gt 0 ] || return 0
    [ "$who" = kids ] && f=(-f)
    local ns=()
    [ "$who" = kids ] && ns=(12 8)
    # podpass's own opens: their count grows with the polls of its waits (each reads
    # /proc), up to 90 on a loaded machine; every N up to 30, then 15 more.
    [ "$who" = self ] && [ "$set" = openat ] && ns=(30 15)
    for n in $(fi_ns "$max" "${ns[@]}"); do
        fi_run "$state" "$set:$err:when=$n${f[0]:+ (-f)}" "${f[@]}" -e trace="$set" \
            -e inject="$set:error=$err:when=$n" -- --restart auto
    done
    printf '    %-16s %-6s %-4s N=1..%-3s %3d runs: %3d failed cleanly, %3d succeeded\n' \
        "$set" "$err" "$who" "$max" $((runs - r0)) $((clean - c0)) $((worked - w0))
}

# The Kth run of sshd fails to exec: a wrapper for --sshd execs the real one through
# /run/fi-exec/K/sshd, a copy (strace -P would also match a symlink's target), named
# sshd so that its comm is sshd, and strace -P fails the execve of that one path. The
# copy runs with argv[0] /usr/sbin/sshd, which sshd re-executes itself from.
fi_exec_wrapper() {
    local k
    for k in 1 2 3 4 5 6; do
        mkdir -p "/run/fi-exec/$k"
        cp "$E2E_SSHD" "/run/fi-exec/$k/sshd"
    done
    cat >/run/fi-exec/wrap <<EOF
#!/bin/bash
n=\$((\$(cat /run/fi-exec/count 2>/dev/null || echo 0) + 1))
echo "\$n" >/run/fi-exec/count
exec -a $E2E_SSHD "/run/fi-exec/\$n/sshd" "\$@"
EOF
    chmod 0755 /run/fi-exec/wrap
}

fi_inject_exec() {
    local state=$1 k kmax r0=$runs c0=$clean w0=$worked
    fi_want execve || return 0
    # how many times podpass runs sshd in a clean run
    echo 0 >/run/fi-exec/count
    E2E_LAST_CMD="podpass enable --sshd /run/fi-exec/wrap (counting)"
    "$PODPASS" enable --password-stdin --restart auto --sshd /run/fi-exec/wrap <<<"$pw_new" \
        >"$WORK/last.out" 2>"$WORK/last.err" || fail "the clean run through the sshd wrapper failed"
    kmax=$(cat /run/fi-exec/count)
    [ "$kmax" -le 6 ] || fail "podpass ran sshd $kmax times; the wrapper has paths for 6"
    fi_restore_files
    if [ "$state" = running ]; then
        fi_reload "$base_pid"
        base_hups=$(sighups)
        base_inodes=$(fi_listen_inodes)
    else
        stop_sshd
    fi
    for ((k = 1; k <= kmax; k++)); do
        echo 0 >/run/fi-exec/count
        fi_run "$state" "execve:EACCES of sshd run $k/$kmax (-f)" -f -e trace=execve \
            -P "/run/fi-exec/$k/sshd" -e inject=execve:error=EACCES:when=1 -- \
            --restart auto --sshd /run/fi-exec/wrap
    done
    printf '    %-16s %-6s %-4s K=1..%-3s %3d runs: %3d failed cleanly, %3d succeeded\n' \
        execve EACCES sshd "$kmax" $((runs - r0)) $((clean - c0)) $((worked - w0))
}

# fi_part PART: is PART (running, stopped, rest) among the parts this run makes?
fi_part() {
    [ -z "${FI_PART:-}" ] || [ "$FI_PART" = "$1" ]
}

# fi_want NAME: run this part? (FI_ONLY unset, or naming it or one of its system calls)
fi_want() {
    [ -z "${FI_ONLY:-}" ] || [[ ",$1," == *",$FI_ONLY,"* ]]
}

# fi_base STATE: take the starting state (sshd running or stopped) as the reference.
fi_base() {
    if [ "$1" = running ]; then
        pgrep -x sshd >/dev/null || start_sshd
        base_pid=$(sshd_listener_pid)
    else
        stop_sshd
        base_pid=""
    fi
    fi_state >"$WORK/state.base"
    base_hups=$(sighups)
    base_inodes=$(fi_listen_inodes)
}

# ---------------------------------------------------------------- the two states

reloaded=0
fi_exec_wrapper

fi_state_runs() { # STATE
    local state=$1 sc
    fi_base "$state"
    step "sshd $state: count the calls of a clean run (podpass/most of one child)"
    fi_count "$state"
    cp "$WORK/count.self.write" "$WORK/count.$state.write"
    fi_base "$state"
    step "sshd $state: inject faults"
    fi_inject "$state" write EIO self
    # ENOSPC takes EIO's path with another message: once here (sshd running); the full
    # disk below covers it with sshd running and stopped.
    if [ "$state" = running ]; then fi_inject "$state" write ENOSPC self; fi
    fi_inject "$state" write EIO kids
    for sc in fsync rename,renameat2 fchown fchmod; do
        fi_inject "$state" "$sc" EIO self
        fi_inject "$state" "$sc" EIO kids
    done
    fi_inject "$state" openat EIO self
    fi_inject "$state" openat EIO kids
    fi_inject "$state" kill EPERM self
    fi_inject "$state" kill EPERM kids
    fi_inject_exec "$state"
    echo "    after $runs runs"
}

if fi_part running; then fi_state_runs running; fi
if fi_part stopped; then fi_state_runs stopped; fi

# Root without a usable password ('*', as in a fresh container): /etc/shadow is then
# written after sshd's reload, while the hash finishes. podpass's own calls fail, one
# at a time, in that order of writes too (the files, the reload, then /etc/shadow).
if fi_part rest && fi_want late; then
    usermod -p '*' root
    fi_save_files
    fi_base running
    step "sshd running, root's password '*' (/etc/shadow last): count the calls of a clean run"
    fi_count running
    fi_base running
    step "sshd running, root's password '*' (/etc/shadow last): inject faults"
    fi_inject running write EIO self
    for sc in fsync rename,renameat2 openat fchown fchmod; do
        fi_inject running "$sc" EIO self
    done
    fi_inject running kill EPERM self
    echo "    after $runs runs"
    # A SIGTERM and a SIGINT while the hash finishes beside the reload: the hashing
    # thread is held in its first call (strace delays setpriority's return, 120 s at
    # most) until the signals have come, once sshd got its SIGHUP; then strace lets it
    # go. The signals must wait for the end of the change (held until the commit is
    # done), never end podpass half way, and the change made whole is a success (exit
    # 0, the signals noted as come too late).
    step "sshd running, root's password '*': SIGTERM and SIGINT during the reload"
    E2E_LAST_CMD="strace -f -e inject=setpriority:delay_exit=120000000 -- podpass enable --password-stdin"
    hups=$(sighups)
    strace -D -f -I1 -qq -o /dev/null -e trace=setpriority -e inject=setpriority:delay_exit=120000000 -- \
        "$PODPASS" enable --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" &
    victim=$!
    for ((i = 0; ; i++)); do
        [ "$(sighups)" = "$hups" ] || break
        kill -0 "$victim" 2>/dev/null || fail "podpass ended before it reloaded sshd: $(cat "$WORK/last.err")"
        [ "$i" -lt 3000 ] || fail "podpass did not reload sshd within 30 s"
        sleep 0.01
    done
    kill -TERM "$victim"
    kill -INT "$victim"
    fi_detach # the hashing thread goes on
    rc=0
    wait "$victim" || rc=$?
    E2E_LAST_RC=$rc
    runs=$((runs + 1))
    [ -z "$(fi_temp_files)" ] || fail "temp file(s) left behind: $(fi_temp_files | tr '\n' ' ')"
    [ "$(shadow_field root)" != '*' ] ||
        fail "podpass ended (exit $rc) with sshd_config changed and sshd reloaded, but /etc/shadow not written"
    try_login_password root "$pw_new" ||
        fail "exit $rc after the signals, and a password login with the new password fails"
    [ "$rc" = 0 ] || fail "the change was made whole, but podpass exited $rc (the signals must not turn it into a failure)"
    last_stderr_has 'SIG(TERM|INT) came while the change was being made' ||
        fail "exit 0 after the signals, but stderr does not say they came too late"
    echo "    exit 0 (the signals, held until the change was whole, noted as too late), the new password logs in"
    worked=$((worked + 1))
    fi_restore_files
    fi_reload "$base_pid"
    set_password root "$pw_old"
    fi_save_files
fi

# ---------------------------------------------------------------- sshd will not start

# The wrapper runs sshd -T/-t for real, but refuses to start sshd while sshd_config has
# the managed block (the new config): as if sshd could not run with it.
cat >/run/fi-broken-sshd <<EOF
#!/bin/bash
for a in "\$@"; do
    case \$a in -T | -t) exec $E2E_SSHD "\$@" ;; esac
done
if grep -qxF -- "$E2E_BEGIN_MARK" $E2E_SSHD_CONFIG; then
    echo "fi-broken-sshd: will not start with the new config" >&2
    exit 1
fi
exec $E2E_SSHD "\$@"
EOF
chmod 0755 /run/fi-broken-sshd

if fi_part rest && fi_want broken; then
    step "sshd stopped, sshd cannot start with the new config (--restart auto)"
    fi_base stopped
    fi_run stopped "broken sshd, start path" -e trace=none -- --restart auto --sshd /run/fi-broken-sshd
    [ "$E2E_LAST_RC" != 0 ] || fail "podpass exited 0 though sshd could not start"
    echo "    exit $E2E_LAST_RC, every file as before, nothing listens"

    step "sshd running, --restart start, sshd cannot start with the new config"
    fi_base running
    E2E_LAST_CMD="podpass enable --password-stdin --restart start --sshd /run/fi-broken-sshd"
    rc=0
    "$PODPASS" enable --password-stdin --restart start --sshd /run/fi-broken-sshd <<<"$pw_new" \
        >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    runs=$((runs + 1))
    [ "$rc" != 0 ] || fail "podpass exited 0 though sshd could not start"
    [ -z "$(fi_temp_files)" ] || fail "temp file(s) left behind: $(fi_temp_files | tr '\n' ' ')"
    fi_assert_files "files changed (diff above)"
    # The old sshd was stopped to start the new one: rollback must start it again.
    wait_banner 10
    new_pid=$(sshd_listener_pid)
    echo "    exit $rc, every file as before; sshd serves again (pid $base_pid before, $new_pid now)"
    m=$(offered_methods)
    [ "$m" = publickey ] || fail "sshd offers '$m', not 'publickey' as with the old settings"
    echo "    sshd runs with the old settings (offers: $m)"
    login_key root
    clean=$((clean + 1))
fi

# ---------------------------------------------------------------- beyond single faults

# A full disk stays full: every write from the Nth on fails with ENOSPC, the ones
# rollback makes too.
if fi_want diskfull; then
    for state in running stopped; do
        fi_part "$state" || continue
        step "sshd $state: disk full from the Nth write on (when=N+)"
        fi_base "$state"
        r0=$runs c0=$clean w0=$worked
        for n in $(fi_ns "$(cat "$WORK/count.$state.write")"); do
            fi_run "$state" "write:ENOSPC:when=$n+ (disk full)" -e trace=write \
                -e inject="write:error=ENOSPC:when=$n+" -- --restart auto
        done
        printf '    %-16s %-6s %-4s N=1..%-3s %3d runs: %3d failed cleanly, %3d succeeded\n' \
            write ENOSPC "N+" "$(cat "$WORK/count.$state.write")" $((runs - r0)) $((clean - c0)) $((worked - w0))
    done
fi

# A failure right after the SIGHUP, while sshd re-executes itself: the listener is
# slowed down (strace delays each of its bind calls by 300 ms), and podpass's check
# that it still lives (kill PID 0, its second kill) fails. Rollback must bring back the
# same listener with the old settings, not start another sshd beside it.
if fi_part rest && fi_want race; then
    step "sshd running, slow to come back after SIGHUP; a failure right after the SIGHUP"
    stop_sshd
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
    strace -f -I1 -qq -o /dev/null -e trace=bind -e inject=bind:delay_enter=300000 -- \
        "$E2E_SSHD" -E "$E2E_SSHD_LOG" &
    wait_banner 10
    fi_base running
    E2E_LAST_CMD="strace -e trace=kill -e inject=kill:error=EPERM:when=2 -- podpass enable --password-stdin --restart auto"
    rc=0
    strace -D -I1 -qq -o /dev/null -e trace=kill -e inject=kill:error=EPERM:when=2 -- \
        "$PODPASS" enable --password-stdin --restart auto <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    runs=$((runs + 1))
    fi_wait_settled # the slowed sshd acts on the SIGHUPs it got, then listens again
    [ "$rc" != 0 ] || fail "podpass exited 0 though its check after the SIGHUP failed"
    [ -z "$(fi_temp_files)" ] || fail "temp file(s) left behind: $(fi_temp_files | tr '\n' ' ')"
    fi_assert_files "exit $rc, but files changed (diff above)"
    now_pid=$(fi_listener)
    [ "$now_pid" = "$base_pid" ] ||
        fail "exit $rc, and the sshd listener is '${now_pid:-none}' ($(pgrep -a -x sshd | tr '\n' ';' || true)), not pid $base_pid as before"
    wait_banner 5
    m=$(offered_methods)
    [ "$m" = publickey ] || fail "exit $rc, but sshd offers '$m', not 'publickey' as with the old settings"
    login_key root
    echo "    exit $rc, every file as before, the same listener serves with the old settings"
    clean=$((clean + 1))
    fi_detach
fi

step "summary"
echo "fault-injection: $runs injected runs: $clean failed cleanly" \
    "(files, temp files and sshd as before), $worked succeeded with a working password login"
echo "    (sshd was reloaded and rolled back in $reloaded of the failed runs on a running sshd)"
pass
