#!/bin/bash
# A signal at every step of enable leaves one of two outcomes, and podpass says which:
#   - nothing changed: exit 128+N (143 for SIGTERM, 130 for SIGINT), every file as before,
#     sshd serving with the old settings; or
#   - the whole change made: exit 0, the new password logs in, and stderr says that the
#     signal came too late to stop it (podpass holds signals from its first write on).
# Either way no temporary file or directory is left: no /tmp/podpass.*, no
# *.podpass-* beside /etc/shadow or sshd_config, no /run/sshd made only for the checks.
#
# strace delivers the signal as podpass enters its Nth call of a system call
# (inject=SYSCALL:signal=SIG:when=N, podpass's own calls only: no -f), for N from 1 up
# to the count of a clean run (at most SIG_SAMPLES of them, evenly spread), for the calls
# that mark each step: mkdir (work dir, /run/sshd), openat (reads, temp files), write,
# fsync, rename (each commit), link (the *.podpass-orig links), kill (the reload). Three
# starting states: sshd running and root with a password (/etc/shadow written before the
# reload), sshd running and root '*' (written after it), sshd stopped (the start path). Debugging: SIG_ONLY=SYSCALL runs only the injections into that call,
# E2E_VERBOSE=1 prints a line per run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter_strace "$@"

pw_old='signal-Old-root-pw-4411'
pw_new='signal-New-root-pw-7302'
SIG_SYSCALLS=mkdir,openat,write,fsync,rename,link,kill
SIG_TIMEOUT=60

make_client_key root
# The old settings refuse passwords, so "publickey" offered means the old config serves.
echo 'PasswordAuthentication no' >/etc/ssh/sshd_config.d/50-signals.conf
ssh-keygen -A >/dev/null
mkdir -p /run/sshd

sig_save() { # [NAME]
    local f
    for f in /etc/shadow /etc/shadow- /etc/ssh/sshd_config; do
        cp -p -- "$f" "$WORK/${1:-saved}.$(basename "$f")"
    done
}

sig_restore() { # [NAME]
    local f
    for f in /etc/shadow /etc/shadow- /etc/ssh/sshd_config; do
        cp -p -- "$WORK/${1:-saved}.$(basename "$f")" "$f"
    done
}

# sig_stop_sshd: no sshd listening afterwards.
sig_stop_sshd() {
    local p i=0
    while p=$(pgrep -x -P 1 sshd); do
        kill "$p" 2>/dev/null || true
        [ "$i" -lt 100 ] || fail "sshd does not stop"
        sleep 0.1
        i=$((i + 1))
    done
}

# sig_state STATE: the starting point of every run (running|stopped, and root's
# password field: pw|star).
sig_state() {
    sig_stop_sshd
    sig_restore
    case $1 in
    running-*)
        mkdir -p /run/sshd
        "$E2E_SSHD" -E "$E2E_SSHD_LOG" || fail "sshd did not start"
        wait_banner
        ;;
    *) rm -rf /run/sshd ;; # as in a fresh pod: podpass makes it
    esac
}

# sig_no_leftovers LABEL: the work directory this run made (its mkdir, from strace's
# trace: /tmp is the machine's, shared with other podpass runs) and every *.podpass-*
# file are gone.
sig_no_leftovers() {
    local left
    left=$(sed -n 's/^mkdir("\([^"]*podpass\.[^"]*\)", .*) *= 0$/\1/p' "$WORK/run.trace" |
        while read -r d; do [ ! -e "$d" ] || echo "$d"; done
        find /etc /etc/ssh /root/.ssh -maxdepth 1 -name '*.podpass-*' 2>/dev/null)
    [ -z "$left" ] || fail "$1: left behind: $(echo "$left" | tr '\n' ' ')"
}

sig_unchanged() { # LABEL
    local f
    for f in /etc/shadow /etc/ssh/sshd_config; do
        cmp -s "$f" "$WORK/saved.$(basename "$f")" || fail "$1: exit 128+N, but $f changed"
    done
}

# sig_run STATE SIG SYSCALL N
sig_run() {
    local state=$1 sig=$2 sc=$3 n=$4 rc=0 label
    label="$state: $sig at $sc #$n"
    E2E_LAST_CMD="strace -e inject=$sc:signal=$sig:when=$n -- podpass enable --password-stdin"
    timeout -k 5 "$SIG_TIMEOUT" strace -qq -o "$WORK/run.trace" -e trace="$sc,mkdir" \
        -e inject="$sc:signal=$sig:when=$n" -- \
        "$PODPASS" enable --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    [ "${E2E_VERBOSE:-}" != 1 ] || echo "    $label -> exit $rc"
    sig_no_leftovers "$label"
    if [ "$(grep -c "^$sc(" "$WORK/run.trace" || true)" -lt "$n" ]; then
        # this run made fewer such calls than the counting run (its waits poll): no signal
        [ "$rc" = 0 ] || fail "$label: no signal was sent, but exit $rc"
        unreached=$((unreached + 1))
        return 0
    fi
    case $rc in
    0)
        last_stderr_has "$sig came while the change was being made" ||
            fail "$label: exit 0, but stderr does not say the signal came too late"
        login_password root "$pw_new" >/dev/null
        worked=$((worked + 1))
        ;;
    130 | 143)
        [ "$rc" = "$(( 128 + $(kill -l "$sig") ))" ] || fail "$label: exit $rc is not 128+$sig"
        sig_unchanged "$label"
        if [ "${state%%-*}" = running ]; then
            [ "$(offered_methods)" = publickey ] || fail "$label: sshd does not serve the old settings: offers $(offered_methods)"
        else
            assert_no_sshd
            [ ! -e /run/sshd ] || fail "$label: /run/sshd, made for the checks only, is left"
        fi
        stopped=$((stopped + 1))
        ;;
    *) fail "$label: exit $rc: neither 0 (all done) nor 128+N (nothing changed)" ;;
    esac
    runs=$((runs + 1))
}

# The calls each state is stopped at: every step with a password already set; the
# commit's steps where /etc/shadow comes after the reload; the start path.
sig_calls() { # STATE
    case $1 in
    running-pw) echo "$SIG_SYSCALLS" ;;
    running-star) echo fsync,rename,link,kill ;;
    stopped-pw) echo mkdir,fsync,rename,link ;;
    esac
}
SIG_SAMPLES=${SIG_SAMPLES:-4} # at most this many N per call: 1, then evenly up to the count

runs=0 worked=0 stopped=0 unreached=0
sig_save pristine
for state in running-pw running-star stopped-pw; do
    step "$state: a clean run, to count the calls"
    sig_stop_sshd
    sig_restore pristine
    case $state in
    *-pw) set_password root "$pw_old" ;;
    *-star) usermod -p '*' root ;;
    esac
    sig_save
    sig_state "$state"
    E2E_LAST_CMD="strace -o $WORK/trace podpass enable --password-stdin"
    timeout -k 5 "$SIG_TIMEOUT" strace -qq -o "$WORK/trace" -e trace="$(sig_calls "$state")" -- \
        "$PODPASS" enable --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" ||
        fail "$state: the clean run under strace failed"
    IFS=, read -r -a calls <<<"$(sig_calls "$state")"
    for sc in "${calls[@]}"; do
        [ -z "${SIG_ONLY:-}" ] || [ "$sc" = "$SIG_ONLY" ] || continue
        count=$(grep -c "^$sc(" "$WORK/trace" || true)
        every=$(((count + SIG_SAMPLES - 1) / SIG_SAMPLES))
        step "$state: SIGTERM at $sc calls 1..$count (every ${every:-1})"
        for ((n = 1; n <= count; n += every)); do
            sig_state "$state"
            sig_run "$state" TERM "$sc" "$n"
        done
    done
    step "$state: SIGINT at the first rename and the first fsync"
    for sc in rename fsync; do
        sig_state "$state"
        sig_run "$state" INT "$sc" 1
    done
done
echo "    $runs runs: $stopped stopped with nothing changed, $worked finished whole" \
    "($unreached made fewer calls than counted, so got no signal)"
[ "$stopped" -gt 0 ] || fail "no run was stopped before the change: the injection did not reach podpass"
[ "$worked" -gt 0 ] || fail "no run got the signal during the change"
pass
