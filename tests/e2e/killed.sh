#!/bin/bash
# SIGKILL at each step of enable's commit cannot be caught; the next run of podpass
# (status first, then enable) notices what the killed run left and undoes it (or, when
# the change was whole but for its last step, removes the leftovers), says so, and then
# does its own work. strace delivers SIGKILL as podpass enters its Nth write, fsync,
# rename, link, unlink or kill (podpass's own calls: no -f). After each kill:
#   - podpass status exits 0; when the killed run left anything, it says so;
#   - the state is one of two: every file as before and sshd serving the old settings
#     (publickey only), or the change whole (the new password logs in);
#   - nothing is left: no journal, no *.podpass-* beside /etc/shadow or sshd_config, no
#     work directory of the killed run;
#   - podpass enable then works, and the new password logs in.
# Three starting states: root with a password (/etc/shadow before the reload), root '*'
# (after it), and alice with a key to import from PUBLIC_KEY (her authorized_keys is a
# file of the change, written and undone with her rights).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
if [ "${E2E_INSIDE:-}" != 1 ] && [ "$(id -u)" = 0 ] && ! command -v strace >/dev/null 2>&1; then
    echo "FAIL $e2e_name: required tool missing: strace" >&2
    exit 1
fi
e2e_enter "$@"

pw_old='killed-Old-root-pw-3321'
pw_new='killed-New-root-pw-3322'
KILL_SYSCALLS=write,fsync,rename,link,unlink,kill
KILL_TIMEOUT=60
KILL_SAMPLES=${KILL_SAMPLES:-4}

if ! strace -qq -o /dev/null true 2>"$WORK/strace.err"; then
    e2e_skip "strace cannot trace here: $(head -n 1 "$WORK/strace.err")"
fi

make_client_key root
rmdir /home/alice 2>/dev/null || true
useradd -m -s /bin/bash alice
make_client_key alice
# The key alice's run imports (PUBLIC_KEY), so that her ~/.ssh/authorized_keys is a
# file of the change too, written with her rights.
ssh-keygen -q -t ed25519 -N '' -C killed-import -f "$WORK/import"
echo 'PasswordAuthentication no' >/etc/ssh/sshd_config.d/50-killed.conf
start_sshd
files=(/etc/shadow /etc/shadow- /etc/ssh/sshd_config /home/alice/.ssh/authorized_keys)
save() { local f; for f in "${files[@]}"; do cp -p -- "$f" "$WORK/$1.$(basename "$f")"; done; }
restore() { local f; for f in "${files[@]}"; do cp -p -- "$WORK/$1.$(basename "$f")" "$f"; done; }
same_as() {
    local f
    for f in /etc/shadow /etc/ssh/sshd_config /home/alice/.ssh/authorized_keys; do
        cmp -s "$f" "$WORK/$1.$(basename "$f")" || return 1
    done
}

# reset NAME: the saved files back, sshd reloaded into them (old settings).
reset() {
    restore "$1"
    kill -HUP "$(sshd_listener_pid)"
    local i
    for ((i = 0; ; i++)); do
        [ "$(offered_methods)" = publickey ] && break
        [ "$i" -lt 100 ] || fail "sshd does not serve the old settings after the reset"
        sleep 0.1
    done
}

# leftovers: what no run may leave (work directories: this namespace's own /run, and
# the killed run's, from its trace, in the machine's /tmp).
leftovers() {
    find /etc /etc/ssh /root/.ssh /home/alice/.ssh -maxdepth 1 \
        \( -name '*.podpass-*' -o -name '.podpass-journal*' \) 2>/dev/null
    find /run -maxdepth 1 -name 'podpass.*' 2>/dev/null
    sed -n 's/^mkdir("\([^"]*podpass\.[^"]*\)", .*) *= 0$/\1/p' "$WORK/run.trace" |
        while read -r d; do [ ! -e "$d" ] || echo "$d"; done
}

# enable_args STATE: the run each state kills.
enable_args() {
    case $1 in
    alice) echo "-u alice" ;;
    esac
}
user_of() { if [ "$1" = alice ]; then echo alice; else echo root; fi; }

runs=0 undone=0 whole=0 said=0
save pristine
for state in pw star alice; do
    restore pristine
    case $state in
    pw | alice) set_password root "$pw_old"; set_password alice "$pw_old" ;;
    star) usermod -p '*' root ;;
    esac
    save "$state"
    reset "$state"
    user=$(user_of "$state")
    read -r -a args <<<"$(enable_args "$state")"
    export PUBLIC_KEY
    if [ "$state" = alice ]; then PUBLIC_KEY=$(cat "$WORK/import.pub"); else PUBLIC_KEY=; fi
    step "$state: a clean run, to count the calls"
    E2E_LAST_CMD="strace podpass enable ${args[*]} (counting)"
    timeout -k 5 "$KILL_TIMEOUT" strace -qq -o "$WORK/trace" -e trace="$KILL_SYSCALLS" -- \
        "$PODPASS" enable "${args[@]}" --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" ||
        fail "$state: the clean run failed"
    IFS=, read -r -a calls <<<"$KILL_SYSCALLS"
    for sc in "${calls[@]}"; do
        count=$(grep -c "^$sc(" "$WORK/trace" || true)
        every=$(((count + KILL_SAMPLES - 1) / KILL_SAMPLES))
        step "$state: SIGKILL at $sc calls 1..$count (every ${every:-1}), then status and enable"
        for ((n = 1; n <= count; n += every)); do
            reset "$state"
            label="$state: KILL at $sc #$n"
            rc=0
            timeout -k 5 "$KILL_TIMEOUT" strace -qq -o "$WORK/run.trace" -e trace="$sc,mkdir" \
                -e inject="$sc:signal=KILL:when=$n" -- \
                "$PODPASS" enable "${args[@]}" --password-stdin <<<"$pw_new" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
            [ "$rc" = 0 ] || [ "$rc" = 137 ] || fail "$label: exit $rc, neither 0 nor 137 (killed)"
            E2E_LAST_CMD="podpass status (after $label)"
            expect_exit 0 "$PODPASS" status -u "$user"
            if [ "$rc" = 137 ] && last_stderr_has "killed"; then said=$((said + 1)); fi
            left=$(leftovers)
            [ -z "$left" ] || fail "$label: left after status: $(echo "$left" | tr '\n' ' ')"
            if same_as "$state"; then
                [ "$(offered_methods)" = publickey ] || fail "$label: files as before, but sshd offers $(offered_methods)"
                undone=$((undone + 1))
            else
                login_password "$user" "$pw_new" >/dev/null
                whole=$((whole + 1))
            fi
            podpass_ok enable "${args[@]}" --password-stdin <<<"$pw_new"
            login_password "$user" "$pw_new" >/dev/null
            [ "$state" != alice ] || grep -qF "$(cat "$WORK/import.pub")" /home/alice/.ssh/authorized_keys ||
                fail "$label: the imported key is not in alice's file after enable"
            runs=$((runs + 1))
        done
    done
done
echo "    $runs runs killed: $undone left as before (undone where needed), $whole whole;" \
    "status said so after $said"
[ "$said" -gt 0 ] || fail "status never said it found what a killed run left"
[ "$undone" -gt 0 ] || fail "no kill came before the change was whole"
pass
